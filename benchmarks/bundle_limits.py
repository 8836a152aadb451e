"""Every bundled submission through the Gradescope bundle (and optionally PrairieLearn's) as the platform runs it,
under its limits (issue 22): one pinned CPU, the 600 s timeout, 768 MB resident over the whole process tree, and a
results.json valid against the platform's committed schema. Last line: the worst wall time / 600 s.

    python benchmarks/bundle_limits.py [--cpus 0] [--platform gradescope] [--only s000 s008] [--bundle ZIP]

Run it with the interpreter the bundle installs (the CPU wheels of torch; `setup.sh` / the Dockerfile): the
bundle's scripts use this interpreter (LR_GRADER_PYTHON) in place of the platform's venv, so its memory is what the
platform would see. With PyPI's CUDA build of torch, `import torch` alone is ~520 MB resident (CUDA libraries).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import torch
from tabulate import tabulate

from grader.bundle import build_gradescope, build_prairielearn, build_wheel, run_bundle, validate_results

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_S, MEMORY_MB = 600.0, 768.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cpus", default="0", help="taskset CPU list (default: 0)")
    ap.add_argument("--platform", choices=["gradescope", "prairielearn"], default="gradescope")
    ap.add_argument("--only", nargs="+", help="these submission folders (name prefix) only")
    ap.add_argument("--class-dir", type=Path, default=ROOT / "submissions")
    ap.add_argument("--bundle", type=Path, help="a bundle built already (`grade bundle ...`); default: build one")
    args = ap.parse_args()
    folders = sorted(p for p in args.class_dir.iterdir() if p.is_dir())
    if args.only:
        folders = [f for f in folders if f.name.startswith(tuple(args.only))]
    print(f"torch {torch.__version__}, {platform.machine()}, python {sys.executable}; pinned to CPU(s) {args.cpus}; "
          f"limits: {TIMEOUT_S:g} s, {MEMORY_MB:g} MB resident (process tree), schema-valid results.json")  # fmt: skip
    rows, worst = [], 0.0
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        bundle = args.bundle
        if bundle is None:
            build = build_gradescope if args.platform == "gradescope" else build_prairielearn
            bundle = build(args.class_dir, tmp / ("autograder.zip" if args.platform == "gradescope" else "pl"),
                           wheel=build_wheel(tmp / "wheel"))  # fmt: skip
        for folder in folders:
            started = time.perf_counter()
            ran = run_bundle(bundle, folder, tmp / "out" / folder.name, cpus=args.cpus, timeout_s=TIMEOUT_S)
            data = json.loads(Path(ran.results).read_text()) if ran.results else {}
            problems = validate_results(args.platform, data) if data else ["no results.json"]
            deferred = sum("(deferred" in (t.get("output") or "") or "deferred to the instructor" in
                           (t.get("output") or t.get("message") or "") for t in data.get("tests", []))  # fmt: skip
            worst = max(worst, ran.wall_s)
            ok = ran.wall_s <= TIMEOUT_S and ran.peak_rss_mb <= MEMORY_MB and not problems and not ran.timed_out
            rows.append([folder.name, f"{ran.wall_s:.1f}", f"{ran.peak_rss_mb:.0f}", ran.returncode,
                         "valid" if not problems else problems[0][:60], data.get("score"),
                         data.get("gradable", ""), deferred, "yes" if ok else "NO",
                         f"{time.perf_counter() - started:.1f}"])  # fmt: skip
            print(tabulate([rows[-1]], tablefmt="plain"), flush=True)
    print(tabulate(rows, headers=["submission", "wall s", "peak MB", "exit", "results.json", "score", "gradable",
                                  "tests deferred", "within limits", "incl. copy s"]))  # fmt: skip
    print(f"ratio: {worst / TIMEOUT_S:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
