"""Write the JSON Schemas of `submission.toml`, `assignment.toml` and `reviews.toml` (from grader/schema.py) into
docs/, and docs/submission.md's tables of the optimizer and scheduler tables (between
`<!-- BEGIN generated:NAME -->` and `<!-- END generated:NAME -->`).

Usage: python tools/export_schema.py [--out DIR] [--check]
`--check` writes nothing and exits 1 if a committed file differs from what the models and tables give (for CI).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from grader.schema import Assignment, Autograder, Points, Reviews, Submission, Tolerances

DOCS = Path(__file__).resolve().parents[1] / "docs"
SCHEMAS = {"submission.schema.json": Submission, "assignment.schema.json": Assignment,
           "reviews.schema.json": Reviews}  # fmt: skip


def render(model: type) -> str:
    """The model's JSON Schema, indented 2, with a trailing newline."""
    return json.dumps(model.model_json_schema(), indent=2) + "\n"


def _cells(names: tuple[str, ...]) -> str:
    return ", ".join(f"`{n}`" for n in names) or "—"


def optimizers_table() -> str:
    from reference.optimizers import OPTIMIZERS

    rows = [f"| `{n}` | `torch.optim.{o.torch}`: {o.doc} | {_cells(o.reads)} | {o.weight_decay:g} |"
            for n, o in OPTIMIZERS.items()]  # fmt: skip
    return "\n".join(["| `optimizer` | torch | fields it reads | default `weight_decay` |", "|---|---|---|---|", *rows])


def schedulers_table() -> str:
    from reference.schedules import SCHEDULES

    rows = [f"| `{n}` | {s.doc} | {s.cadence} | {_cells(s.required)} |" for n, s in SCHEDULES.items()]
    return "\n".join(["| `name` | torch | natural cadence | needs |", "|---|---|---|---|", *rows])


def legacy_schedulers() -> str:
    from reference.schedules import SCHEDULES

    pairs = [f"`{s.torch}` → `{n}`" for n, s in SCHEDULES.items() if s.torch and n != "table"]
    return f"`LR_SCHEDULER`'s `type` maps {', '.join(pairs)}."


def fields_table(model: type) -> str:
    """A settings table straight from the pydantic model: its defaults and descriptions, never restated by hand."""
    rows = []
    for name, f in model.model_fields.items():
        default = f.default_factory() if f.default_factory else f.default
        shown = "—" if default in (None, {}) else f"`{json.dumps(default)}`"
        meaning = (f.description or "").replace("|", "\\|")
        rows.append(f"| `{name}` | {shown} | {meaning} |")
    return "\n".join(["| field | default | meaning |", "|---|---|---|", *rows])


BLOCKS = {"optimizers": optimizers_table, "schedulers": schedulers_table, "legacy-schedulers": legacy_schedulers,
          "tolerances": lambda: fields_table(Tolerances), "autograder": lambda: fields_table(Autograder),
          "points": lambda: fields_table(Points)}  # fmt: skip


def render_doc(text: str) -> str:
    """`text` (docs/submission.md) with every generated block rewritten from the tables."""
    for name, make in BLOCKS.items():
        begin, end = f"<!-- BEGIN generated:{name} -->", f"<!-- END generated:{name} -->"
        pattern = re.compile(re.escape(begin) + r"\n.*?\n" + re.escape(end), re.S)
        if not pattern.search(text):
            raise ValueError(f"docs/submission.md has no {begin} … {end} block")
        text = pattern.sub(lambda _m, b=begin, e=end, m=make: f"{b}\n{m()}\n{e}", text)
    return text


def main(*, out: Path = DOCS, check: bool = False) -> int:
    """Write (or with `check`, compare) each schema file and docs/submission.md; returns the exit status."""
    stale = []
    doc = DOCS / "submission.md"
    files = {filename: render(model) for filename, model in SCHEMAS.items()}
    files["submission.md"] = render_doc(doc.read_text(encoding="utf-8"))
    for filename, text in files.items():
        path = out / filename
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
