"""`grade` command line, a thin layer over `grader.grade.grade_class`.

Exit codes: 0 the class was graded (whatever the marks); 1 with --strict or --self-check when any check
fails or errors; 2 usage error (no such folder, bad option, unreadable assignment.toml).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pydantic import ValidationError
from tabulate import tabulate

from grader.grade import DEFAULT_CACHE, grade_class
from grader.results import ClassResult, StudentResult
from reference.engines import ENGINES


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="grade",
        description="Grade LR range-test assignments by re-running them.",
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawTextHelpFormatter,
    )
    p.add_argument("path", type=Path, help="class folder (one sub-folder per submission), or one submission")
    p.add_argument("--self-check", action="store_true", help="grade one submission folder (quick by default)")
    p.add_argument("--out", type=Path, default=Path("reports"), help="where reports go (default: reports/)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="short reruns compared with the reference's prefix")
    mode.add_argument("--full", action="store_true", help="full reruns (the default, except for --self-check)")
    p.add_argument("--strict", action="store_true", help="exit 1 if any check fails")
    p.add_argument("--jobs", type=_jobs, default="auto",
                   help="rerun processes: N, or auto = one per CPU core with 1 thread each (1 on CUDA)")  # fmt: skip
    p.add_argument("--only", nargs="+", metavar="ID", help="grade only these submissions (id or folder name)")
    p.add_argument("--skip", nargs="+", metavar="ID", help="skip these submissions")
    p.add_argument("--force", action="store_true", help="ignore the cache; rerun everything")
    p.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help=f"rerun cache (default: {DEFAULT_CACHE})")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--engine", default="auto", choices=ENGINES,
                   help="how reruns execute: batched (stacked runs, fast on GPU), sequential, colossalai\n"
                        "(torchrun + Booster); auto = batched on CUDA, sequential on CPU")  # fmt: skip
    p.add_argument("--nproc", type=int, default=2, help="processes per run for --engine colossalai")
    p.add_argument("--ray", metavar="ADDRESS", help="run the reruns as tasks on a Ray cluster: 'auto' or host:port")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    return p


def _jobs(text: str) -> int | str:
    if text == "auto":
        return text
    if text.isdigit() and int(text) >= 1:
        return int(text)
    raise argparse.ArgumentTypeError(f"expected a whole number ≥ 1 or 'auto', got {text!r}")


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if not args.path.is_dir():
        print(f"grade: error: no such folder: {args.path}", file=sys.stderr)
        return 2
    quick = args.quick or (args.self_check and not args.full)
    folders = [args.path] if args.self_check else None
    root = args.path.parent if args.self_check else args.path
    try:
        result = grade_class(root, out=args.out, quick=quick, jobs=args.jobs, only=args.only, skip=args.skip,
                             force=args.force, device=args.device, cache_dir=args.cache, folders=folders,
                             progress=sys.stderr.isatty() and not args.quiet, engine=args.engine,
                             nproc=args.nproc, ray=args.ray)  # fmt: skip
    except ValidationError as err:
        from grader.load import describe

        print(f"grade: error: {root / 'assignment.toml'}: {describe(err)}", file=sys.stderr)
        return 2
    except ValueError as err:  # e.g. --device cuda without CUDA, a malformed assignment.toml
        print(f"grade: error: {err}", file=sys.stderr)
        return 2
    if args.self_check:
        print_checks(result.students[0])
    print_class(result, args.out)
    failing = any(s.failed_checks for s in result.students)
    return 1 if failing and (args.strict or args.self_check) else 0


def print_checks(s: StudentResult) -> None:
    rows = [[c.status.upper(), c.check, c.subject, _short(c.expected), _short(c.observed), c.distance or "",
             f"{c.points:g}/{c.max_points:g}", c.message] for c in s.checks]  # fmt: skip
    print(tabulate(rows, headers=["", "check", "run", "expected", "claimed/observed", "distance", "points", "why"],
                   maxcolwidths=[None, None, None, 12, 12, None, None, 70]))  # fmt: skip
    for w in s.warnings:
        print(f"warning: {w}")


def print_class(result: ClassResult, out: Path | None) -> None:
    rows = []
    for s in result.students:
        first = s.error or next((c.message for c in s.failed_checks), "")
        rows.append([s.id, s.verdict.upper(), f"{s.total:g}/{s.possible:g}", f"{s.percent:.0f}%", first[:90]])
    print(tabulate(rows, headers=["student", "verdict", "points", "%", "first problem"]))
    m = result.meta
    mode = ", quick mode" if m["quick"] else ""
    procs = f", {m['jobs']} processes" if (m.get("jobs") or 1) > 1 else ""
    print(f"\n{len(result.students)} submission(s), {m['reruns']} distinct rerun(s) ({m['cache_hits']} from cache), "
          f"{m['wall_time_s']:.1f} s on {m['device']} ({m['engine']} engine{procs}){mode}.")  # fmt: skip
    if out is not None:
        print(f"Reports: {out / 'index.html'} (class), {out}/<id>/report.html, grades.csv, results.json")


def _short(v: object) -> str:
    return "" if v is None else f"{v:.4g}" if isinstance(v, float) else str(v)


if __name__ == "__main__":
    sys.exit(main())
