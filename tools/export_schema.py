"""Write the JSON Schemas of `submission.toml` and `assignment.toml` (from grader/schema.py) into docs/.

Usage: python tools/export_schema.py [--out DIR] [--check]
`--check` writes nothing and exits 1 if a committed schema differs from what the models give (for CI).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from grader.schema import Assignment, Submission

DOCS = Path(__file__).resolve().parents[1] / "docs"
SCHEMAS = {"submission.schema.json": Submission, "assignment.schema.json": Assignment}


def render(model: type) -> str:
    """The model's JSON Schema, indented 2, with a trailing newline."""
    return json.dumps(model.model_json_schema(), indent=2) + "\n"


def main(*, out: Path = DOCS, check: bool = False) -> int:
    """Write (or with `check`, compare) each schema file; returns the exit status."""
    stale = []
    for filename, model in SCHEMAS.items():
        path, text = out / filename, render(model)
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(str(path))
            continue
        out.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    if stale:
        print(f"out of date (run tools/export_schema.py): {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DOCS, help="folder to write into (default: docs/)")
    parser.add_argument("--check", action="store_true", help="compare instead of writing; exit 1 if stale")
    args = parser.parse_args()
    sys.exit(main(out=args.out, check=args.check))
