"""`grade` command line, a thin layer over `grader.grade.grade_class`.

Exit codes: 0 the class was graded (whatever the marks); 1 with --strict or --self-check when any check
fails or errors; 2 usage error (no such folder, bad option, unreadable assignment.toml).

Platforms (issue 22): `grade bundle gradescope|prairielearn CLASS_DIR --out X` builds an autograder bundle,
`grade bundle run BUNDLE SUBMISSION_DIR --out DIR` runs one as its platform would, `grade autograde PLATFORM`
is what the bundle runs on upload, `grade gradescope-export EXPORT_DIR --assignment FILE` grades a
Gradescope "Export Submissions" folder in full and writes the scores to upload back.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pydantic import ValidationError
from tabulate import tabulate

from grader import safe
from grader.results import ClassResult, StudentResult
from reference.engines import CHOICES as ENGINES


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="grade",
        description="Grade LR range-test assignments by re-running them.",
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawTextHelpFormatter,
    )
    p.add_argument("path", type=Path, help="class folder (one sub-folder per submission), or one submission")
    p.add_argument("--self-check", action="store_true",
                   help="grade one submission folder (quick by default), with the assignment.toml beside it\n"
                        "(else the package defaults); reports go to --out as for a class")  # fmt: skip
    p.add_argument("--out", type=Path, default=Path("reports"), help="where reports go (default: reports/)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="short reruns compared with the reference's prefix")
    mode.add_argument("--full", action="store_true", help="full reruns (the default, except for --self-check)")
    p.add_argument("--strict", action="store_true", help="exit 1 if any check fails")
    p.add_argument("--jobs", type=_jobs, default=argparse.SUPPRESS,  # grade_class's default when not given
                   help="rerun processes: N, or auto (default: one per core, 1 thread each; 1 on CUDA)")  # fmt: skip
    p.add_argument("--only", nargs="+", metavar="ID", help="grade only these submissions (id or folder name)")
    p.add_argument("--skip", nargs="+", metavar="ID", help="skip these submissions")
    p.add_argument("--force", action="store_true", help="ignore the cache; rerun everything")
    p.add_argument("--rerun-all", action="store_true",
                   help="rerun runs whose exact config has committed reference seeds too (default: their\n"
                        "claims are judged against those seeds, no rerun needed)")  # fmt: skip
    p.add_argument("--cache", type=Path, help="rerun cache (default: $LR_GRADER_CACHE, else ~/.cache/lr-grader)")
    p.add_argument("--device", default=argparse.SUPPRESS, choices=["auto", "cpu", "cuda"],
                   help="auto (default): cuda if present")  # fmt: skip
    p.add_argument("--engine", default=argparse.SUPPRESS, choices=ENGINES,
                   help="how reruns execute: batched (stacked runs, fast on GPU), sequential, colossalai\n"
                        "(torchrun + Booster); auto (default) = batched on CUDA, sequential on CPU")  # fmt: skip
    p.add_argument("--nproc", type=int, default=argparse.SUPPRESS,
                   help="processes per run for --engine colossalai (default: 2)")  # fmt: skip
    p.add_argument("--data-root", metavar="DIR",
                   help="where the assignment's dataset lives (mnist, cifar10: torchvision's layout, e.g.\n"
                        "DIR/MNIST/raw/*-ubyte; fashion-mnist: its IDX files); default: the embedded\n"
                        "mnist-5k needs none, fashion-mnist is found in Debian's dataset-fashion-mnist,\n"
                        "mnist/cifar10 in ~/.cache/reference-data")  # fmt: skip
    p.add_argument("--download", action="store_true", help="let torchvision download mnist/cifar10 into the data root")
    p.add_argument("--ray", metavar="ADDRESS", help="run the reruns as tasks on a Ray cluster: 'auto' or host:port")
    p.add_argument("--quiet", action="store_true",
                   help="no progress report (default: bars on a terminal; in a log, a line\n"
                        "'reruns 12/58 done, 40 s' at most every 10 s)")  # fmt: skip
    return p


RERUN_DEFAULTS = ("jobs", "device", "engine", "nproc")  # passed only when given: grader.runner.Rerunner decides


def _jobs(text: str) -> int | str:
    if text == "auto":
        return text
    if text.isdigit() and int(text) >= 1:
        return int(text)
    raise argparse.ArgumentTypeError(f"expected a whole number ≥ 1 or 'auto', got {text!r}")


COMMANDS = ("bundle", "autograde", "gradescope-export")  # a class folder with one of these names: `grade ./bundle`


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in COMMANDS:
        return platform_main(argv)
    args = parser().parse_args(argv)
    if not args.path.is_dir():
        print(f"grade: error: no such folder: {args.path}", file=sys.stderr)
        return 2
    quick = args.quick or (args.self_check and not args.full)
    folders = [args.path] if args.self_check else None
    root = args.path.parent if args.self_check else args.path
    from grader.grade import DEFAULT_CACHE, grade_class  # torch and torchvision: not imported for --help

    try:
        given = {k: getattr(args, k) for k in RERUN_DEFAULTS if k in args}  # the others: Rerunner.of's defaults
        result = grade_class(root, out=args.out, quick=quick, only=args.only, skip=args.skip, force=args.force,
                             cache_dir=args.cache or DEFAULT_CACHE, folders=folders, progress=not args.quiet,
                             ray=args.ray, data_root=args.data_root, download=args.download, rerun_all=args.rerun_all,
                             **given)  # fmt: skip
    except ValidationError as err:
        from grader.load import describe

        # assignment.toml's own errors arrive as one ValueError line naming it (grader.load.load_assignment); a
        # validation error from anywhere else is not blamed on it
        print(f"grade: error: {safe.one_line(describe(err), 2000)}", file=sys.stderr)
        return 2
    except ValueError as err:  # e.g. --device cuda without CUDA, a malformed assignment.toml
        print(f"grade: error: {safe.one_line(err, 2000)}", file=sys.stderr)
        return 2
    if args.self_check:
        print_checks(result.students[0])
    print_class(result, args.out, None if args.self_check else f"grade {_cell(args.path)}")
    if args.self_check:
        found = root / "assignment.toml"
        print_self_check(result, args.out, found if found.is_file() else None, args.path)
    failing = any(s.failed_checks for s in result.students)
    return 1 if failing and (args.strict or args.self_check) else 0


def platform_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="grade", description="Gradescope and PrairieLearn autograders (issue 22).")
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("bundle", help="build an autograder bundle, or run one as its platform would")
    bsub = b.add_subparsers(dest="platform", required=True)
    gs = bsub.add_parser("gradescope", help="autograder.zip: setup.sh, run_autograder, assignment.toml, the wheel")
    gs.add_argument("class_dir", type=Path, help="the class folder (its assignment.toml goes into the bundle)")
    gs.add_argument("--out", type=Path, default=Path("autograder.zip"))
    pl = bsub.add_parser("prairielearn", help="a folder: Dockerfile, run.sh, externalGradingOptions.json, the wheel")
    pl.add_argument("class_dir", type=Path)
    pl.add_argument("--out", type=Path, default=Path("prairielearn-grader"))
    run = bsub.add_parser("run", help="run a bundle on one submission the way its platform does")
    run.add_argument("bundle", type=Path, help="autograder.zip, or a PrairieLearn bundle folder")
    run.add_argument("submission", type=Path, help="one submission folder")
    run.add_argument("--out", type=Path, default=Path("bundle-results"), help="where results.json goes")
    run.add_argument("--cpus", help="pin to these CPUs (taskset -c), e.g. 0")
    run.add_argument("--timeout", type=float, default=600.0, help="the platform's timeout in seconds (600)")
    a = sub.add_parser("autograde", help="inside the platform: grade its submission, write its results.json")
    a.add_argument("platform", choices=["gradescope", "prairielearn"])
    a.add_argument("--root", type=Path, help="default: /autograder (Gradescope), /grade (PrairieLearn)")
    a.add_argument("--assignment", type=Path, help="default: the bundle's assignment.toml")
    a.add_argument("--cache", type=Path, help="rerun cache (default: a temporary folder)")
    e = sub.add_parser("gradescope-export", help="grade a Gradescope 'Export Submissions' folder in full")
    e.add_argument("export", type=Path, help="the unzipped export (submission_metadata.yml, submission_*/)")
    e.add_argument("--assignment", type=Path, required=True, help="the class's assignment.toml")
    e.add_argument("--out", type=Path, default=Path("reports"), help="reports and gradescope_scores.csv")
    e.add_argument("--quick", action="store_true", help="quick mode (default: the full grade)")
    e.add_argument("--jobs", type=_jobs, default="auto")
    e.add_argument("--cache", type=Path)
    return p


def platform_main(argv: list[str]) -> int:
    args = platform_parser().parse_args(argv)
    try:
        if args.command == "autograde":
            from grader.autograde import autograde

            data = autograde(args.platform, args.root, args.assignment, args.cache)
            print(f"score {data.get('score', 0):g}" + ("" if data.get("gradable", True) else " (not gradable)"))
            return 0  # a results.json is written whatever happened: the platform reads it
        if args.command == "gradescope-export":
            return _grade_export(args)
        from grader import bundle

        if args.platform == "run":
            ran = bundle.run_bundle(args.bundle, args.submission, args.out, cpus=args.cpus, timeout_s=args.timeout)
            print(ran.summary())
            for note in [*ran.notes, *_memory_note()]:
                print(f"note: {_cell(note, 400)}")
            return 0 if ran.returncode == 0 and not ran.timed_out else 1
        build = bundle.build_gradescope if args.platform == "gradescope" else bundle.build_prairielearn
        print(f"wrote {_cell(build(args.class_dir, args.out))}")
        return 0
    except (ValueError, OSError) as err:
        print(f"grade: error: {safe.one_line(err, 2000)}", file=sys.stderr)
        return 2


def _memory_note() -> list[str]:
    """Where this Python's torch is PyPI's CUDA build: its resident memory errs high against the bundle's CPU wheels."""
    import torch

    if torch.version.cuda is None:
        return []
    return [f"this Python's torch ({torch.__version__}) is a CUDA build: the peak memory above errs high against the "
            "CPU wheels the bundle installs (measured on the bundled s000: 950 MB with the CUDA build, 476 MB with the "
            "CPU wheel)"]  # fmt: skip


def _grade_export(args: argparse.Namespace) -> int:
    """A Gradescope export graded like a class folder; the scores written for Gradescope's score import."""
    from grader.export import read_gradescope_export, write_scores_csv
    from grader.grade import DEFAULT_CACHE, grade_class

    exported = read_gradescope_export(args.export)
    present = [e for e in exported if e.folder is not None]
    result = grade_class(args.export, out=args.out, quick=args.quick, jobs=args.jobs, folders=[e.folder for e in
                         present], cache_dir=args.cache or DEFAULT_CACHE, progress=True,
                         assignment_file=args.assignment)  # fmt: skip
    rows = [(e, s.total, s.verdict.upper()) for e, s in zip(present, result.students, strict=True)]
    rows += [(e, None, "no files in the export") for e in exported if e.folder is None]
    write_scores_csv(rows, args.out / "gradescope_scores.csv")
    print_class(result, args.out)
    print(f"Scores for Gradescope's import: {_cell(args.out / 'gradescope_scores.csv')}")
    return 0


PROBLEM_WIDTH = 90  # characters of the "first problem" column
WHY_WIDTH = 70


def print_checks(s: StudentResult) -> None:
    """One student's checks: fixed columns claimed / rerun / reference, points on the rubric total's scale."""
    rows = [["NOT CHECKED" if c.pending else c.status.upper(), _cell(c.check), _cell(c.subject), _short(c.claimed),
             _short(c.rerun), _short(c.reference), _distance(c), f"{m:g} pending" if c.pending else f"{p:g}/{m:g}",
             _cell(c.message, 400)] for c, (p, m) in zip(s.checks, s.scaled(), strict=True)]  # fmt: skip
    print(tabulate(rows, headers=["", "check", "run", "claimed", "rerun", "reference", "distance", "points", "why"],
                   maxcolwidths=[None, 16, 16, 12, 12, 12, 18, None, WHY_WIDTH]))  # fmt: skip
    for c in s.checks:
        if c.diagnosis and c.diagnosis.get("cause"):
            print(f"likely cause ({_cell(c.subject)}, {c.check}): {_cell(c.diagnosis['cause'], 200)}")
    for w in s.warnings:
        print(f"warning: {_cell(w, 300)}")
    print(f"{s.verdict.upper()}: {_cell(s.coverage, 300)}.")


def print_class(result: ClassResult, out: Path | None, command: str | None = None) -> None:
    """The class table, what ran, the rubric total, where the reports are; with `command` (the class's `grade`
    command line), one line per reason points were left pending, and the command that checks them."""
    rows = []
    for s in result.students:
        rows.append([_cell(s.id, 40), s.verdict.upper(), _points(s), _claims(s), f"{s.percent:.0f}%",
                     _cell(s.first_problem, PROBLEM_WIDTH)])  # fmt: skip
    print(tabulate(rows, headers=["student", "verdict", "points", "claims", "%", "first problem"],
                   disable_numparse=True))  # fmt: skip
    m = result.meta
    mode = ", quick mode" if m["quick"] else ""
    procs = f", {m['jobs']} processes" if (m.get("jobs") or 1) > 1 else ""
    seeds = f", {m['judged_by_seeds']} run(s) judged against committed seeds" if m.get("judged_by_seeds") else ""
    print(f"\n{len(result.students)} submission(s), {m['reruns']} distinct rerun(s) ({m['cache_hits']} from cache)"
          f"{seeds}, {m['wall_time_s']:.1f} s on {m['device']} ({m['engine']} engine{procs}){mode}.")  # fmt: skip
    total = result.students[0].total_points if result.students else None
    if total is not None:
        print(f"Points are scaled to the rubric total of {total:g} (assignment.toml total_points).")
    if command:
        for line in result.pending_lines(command):
            print(_cell(line, 400))
    if out is not None:
        print(f"Reports: {_cell(out / 'index.html')} (class), {_cell(out)}/<id>/report.html, grades.csv, results.json")


def print_self_check(result: ClassResult, out: Path | None, assignment_file: Path | None, folder: Path) -> None:
    """What a self-check did not check, and where its inputs and outputs are."""
    for line in result.pending_lines(f"grade --self-check {_cell(folder)}"):
        print(_cell(line, 400))
    used = _cell(assignment_file) if assignment_file else "none beside the folder, so the package defaults"
    print(f"assignment: {used}")
    if out is None or not result.students:
        print("reports: not written")
        return
    from grader.render import report_folders

    report = out / report_folders(result.students)[0] / "report.html"
    print(f"reports: {_cell(report)} (and the class files in {_cell(out)})")


def _points(s: StudentResult) -> str:
    """Earned of the total, and the points this grade could not check: `62.5/100 (37.5 pending)`."""
    return f"{s.total:g}/{s.possible:g}" + (f" ({s.pending:g} pending)" if s.pending else "")


def _claims(s: StudentResult) -> str:
    """Claims checked / claims made: `2/6`; — when the submission made none."""
    checked, made = s.claims
    return f"{checked}/{made}" if made else "—"


def _cell(v: object, limit: int = 200) -> str:
    """Student-controlled text for the terminal: one line, control characters escaped, cut at a word boundary."""
    return safe.one_line(v, limit)


def _short(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, list | tuple):
        return ", ".join(_short(x) for x in v)
    return f"{v:.4g}" if isinstance(v, float) else _cell(v, 40)


def _distance(c) -> str:
    if c.distance is None:
        return ""
    from grader.render import figure

    return figure(c.distance, c.unit)


if __name__ == "__main__":
    sys.exit(main())
