"""What each `grade` command does once parsed (grader/cli.py parses, without torch), and what it prints: the
class table, one student's checks, what a self-check left unchecked."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from pathlib import Path

import torch
from pydantic import ValidationError
from tabulate import tabulate

from grader import bundle, safe
from grader.autograde import autograde, locate
from grader.export import read_gradescope_export, write_scores_csv
from grader.grade import DEFAULT_CACHE, grade_class
from grader.load import describe, strays
from grader.render import figure, fmt, pending_part, render_class, report_folders
from grader.results import ClassResult, StudentResult
from grader.reviews import PENDING_FILE, REVIEWS_FILE, WARNINGS_SHOWN

RERUN_DEFAULTS = ("jobs", "device", "engine", "nproc")  # passed only when given: grader.runner.Rerunner decides


def grade(args: argparse.Namespace) -> int:
    """`grade CLASS` and `grade --self-check FOLDER`."""
    quick = args.quick or (args.self_check and not args.full)
    folders = [args.path] if args.self_check else None
    root = args.path.parent if args.self_check else args.path
    # a self-check's reports say what its terminal says: `grade --self-check FOLDER --full` checks the rest
    command = self_check(args.path) if args.self_check else None
    ids = "file" if args.self_check else "folder"  # a self-check's folder is any name the student chose
    if not command and (args.only or args.skip) and (why := _over_gradebook(args.out, args.only, args.skip)):
        print(f"grade: error: {why}", file=sys.stderr)
        return 2
    reviews = getattr(args, "reviews", None)
    if command and reviews is not None:
        print("grade: error: --reviews is for a class grade: a self-check is the student's own, its pending checks "
              "are their instructor's to review", file=sys.stderr)  # fmt: skip
        return 2
    if not command and reviews is None and os.path.lexists(root / REVIEWS_FILE):
        reviews = root / REVIEWS_FILE  # the class folder's, beside assignment.toml
    try:
        given = {k: getattr(args, k) for k in RERUN_DEFAULTS if k in args}  # the others: Rerunner.of's defaults
        result = grade_class(root, out=None if command else args.out, quick=quick, only=args.only, skip=args.skip,
                             force=args.force, cache_dir=args.cache or DEFAULT_CACHE, folders=folders,
                             progress=not args.quiet, ray=args.ray, data_root=args.data_root, download=args.download,
                             rerun_all=args.rerun_all, ids=ids, reviews=reviews, **given)  # fmt: skip
        if command and args.out is not None:
            render_class(result, args.out, command)
    except ValidationError as err:
        # assignment.toml's own errors arrive as one ValueError line naming it (grader.load.load_assignment); a
        # validation error from anywhere else is not blamed on it
        print(f"grade: error: {safe.one_line(describe(err.errors()), 2000)}", file=sys.stderr)
        return 2
    except ValueError as err:  # e.g. --device cuda without CUDA, a malformed assignment.toml
        print(f"grade: error: {safe.one_line(err, 2000)}", file=sys.stderr)
        return 2
    found = root / "assignment.toml"
    read = found if found.is_file() else None  # what grade_class read: else the package defaults
    if args.self_check:
        print_checks(result.students[0])
    print_class(result, args.out, None if args.self_check else class_command(args), read is not None,
                None if args.self_check else reviews or root / REVIEWS_FILE,
                None if args.self_check else strays(root))  # fmt: skip
    if args.self_check:
        print_self_check(result, args.out, read, args.path)
    failing = any(s.failed_checks for s in result.students)
    return 1 if failing and (args.strict or args.self_check) else 0


def _over_gradebook(out: Path | None, only: list[str] | None, skip: list[str] | None) -> str | None:
    """Why a grade of some submissions (`--only`, `--skip`) must not write into `out`: it holds the gradebook of others
    this grade leaves out, which its index.html, grades.csv and results.json would replace (examiner probe 12: 80 rows
    became 1, the other reports unlisted). None where there is none, or it lists only submissions graded again."""
    try:
        listed = json.loads((out / "results.json").read_text(encoding="utf-8"))["students"] if out else []
        names = [{str(x.get("id")), str(x.get("folder"))} for x in listed]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # no gradebook there (or not one of ours)
    left = [n for n in names if (only and not n & set(only)) or n & set(skip or ())]
    if not left:
        return None
    return (
        f"{_cell(str(out))} holds the gradebook of {len(names)} submissions, {len(left)} of them left out of this "
        "grade: its class files would list only the ones graded now. Give --out DIR for a gradebook of these "
        "alone, or grade the whole class (cached reruns make that quick)"
    )


def platform(args: argparse.Namespace) -> int:
    """`grade bundle …`, `grade autograde …`, `grade gradescope-export …`."""
    try:
        if args.command == "autograde":
            data = autograde(args.platform, args.root, args.assignment, args.cache, args.data_root)
            print(f"score {data.get('score', 0):g}" + ("" if data.get("gradable", True) else " (not gradable)"))
            return 0  # a results.json is written whatever happened: the platform reads it
        if args.command == "gradescope-export":
            return _grade_export(args)
        if args.platform == "run":
            ran = bundle.run_bundle(args.bundle, args.submission, args.out, cpus=args.cpus, timeout_s=args.timeout)
            print(ran.summary())
            for note in [*ran.notes, *_memory_note()]:
                print(f"note: {_cell(note, 400)}")
            return 0 if ran.returncode == 0 and not ran.timed_out else 1
        build = bundle.build_gradescope if args.platform == "gradescope" else bundle.build_prairielearn
        print(f"wrote {_cell(build(args.class_dir, args.out, data_root=args.data_root))}")
        return 0
    except (ValueError, OSError) as err:
        print(f"grade: error: {safe.one_line(err, 2000)}", file=sys.stderr)
        return 2


def _memory_note() -> list[str]:
    """Where this Python's torch is PyPI's CUDA build: its resident memory errs high against the bundle's CPU wheels."""
    if torch.version.cuda is None:
        return []
    return [f"this Python's torch ({torch.__version__}) is a CUDA build: the peak memory above errs high against the "
            "CPU wheels the bundle installs (measured on the bundled s000: 950 MB with the CUDA build, 476 MB with the "
            "CPU wheel)"]  # fmt: skip


def _grade_export(args: argparse.Namespace) -> int:
    """A Gradescope export graded like a class folder; the scores written for Gradescope's score import."""
    exported = read_gradescope_export(args.export)
    present = [e for e in exported if e.folder is not None]
    # each found as the upload grade found it (a zip of a folder: inside it), keyed by its export folder's name
    folders = [locate(e.folder) for e in present]
    keys = {Path(os.path.abspath(f)): e.id for f, e in zip(folders, present, strict=True)}
    beside = args.assignment.parent / REVIEWS_FILE  # the class's reviews.toml, beside its assignment.toml
    reviews = getattr(args, "reviews", None) or (beside if os.path.lexists(beside) else None)
    result = grade_class(args.export, out=args.out, quick=args.quick, jobs=args.jobs, folders=folders,
                         cache_dir=args.cache or DEFAULT_CACHE, progress=True, assignment_file=args.assignment,
                         ids=keys, data_root=args.data_root, download=args.download, reviews=reviews)  # fmt: skip
    rows = [(e, s.total, export_note(s), s.pending) for e, s in zip(present, result.students, strict=True)]
    rows += [(e, None, "no files in the export") for e in exported if e.folder is None]
    write_scores_csv(rows, args.out / "gradescope_scores.csv")
    print_class(result, args.out, reviews=None)
    print(f"Scores for Gradescope's import: {_cell(args.out / 'gradescope_scores.csv')}")
    if pending := [s for s in result.students if s.pending]:
        print(f"note: {len(pending)} of {len(result.students)} scores leave points pending (column 'Pending (not in "
              "Score)', named in each Note): their Score counts them as not earned. Review those checks in "
              f"{_cell(args.out / PENDING_FILE)} and save it as {_cell(beside)} (docs/reviews.md), then run this "
              "again (the cache makes it quick), or import knowing they count as 0")  # fmt: skip
    return 0


def export_note(s: StudentResult) -> str:
    """A gradescope_scores.csv row's Note: the verdict and, where points are pending, how many and why (the Score
    counts them as not earned: examiner probe 27 saw "77.78, PASS" for "PASS 77.78/100 (22.22 pending)")."""
    if not s.pending:
        return s.verdict.upper()
    why = s.unchecked_reason
    return f"{s.verdict.upper()}; {s.pending:g} of {s.total_points:g} points pending review (not in Score)" + (
        f": {why}" if why else ""
    )


PROBLEM_WIDTH = 90  # characters of the "first problem" column
WHY_WIDTH = 70


def print_checks(s: StudentResult) -> None:
    """One student's checks: fixed columns claimed / rerun / reference, points on the rubric total's scale."""
    rows = [["NOT CHECKED" if c.not_checked else "NOTE" if c.note else c.status.upper(), _cell(c.check),
             _cell(c.subject), _short(c.claimed), _short(c.rerun), _short(c.reference), _distance(c),
             f"{m:g} pending" if c.not_checked
             else f"{p:g}/{m:g}" + (f" ({part:g} pending)" if (part := pending_part(c, m)) else ""),
             _cell(c.message, 400)] for c, (p, m) in zip(s.checks, s.scaled(), strict=True)]  # fmt: skip
    print(tabulate(rows, headers=["", "check", "run", "claimed", "rerun", "reference", "distance / allowed", "points",
                                  "why"], maxcolwidths=[None, 16, 16, 12, 12, 12, 22, None, WHY_WIDTH]))  # fmt: skip
    for c in s.checks:
        if c.diagnosis and c.diagnosis.get("cause"):
            print(f"likely cause ({_cell(c.subject)}, {c.check}): {_cell(c.diagnosis['cause'], 200)}")
    for w in s.warnings:
        print(f"note: {_cell(w, 300)}")
    for r in s.runs:  # a run this grade planned but did not rerun, and why (probe 14: only report.md said so)
        if r.deferred:
            print(f"note: {_cell(r.name, 40)}: {_cell(r.deferred, 300)}")
    print(f"{s.verdict.upper()}: {_cell(s.coverage, 300)}.")
    if s.verdict in ("fail", "error") and s.first_problem:
        print(f"why {s.verdict.upper()}: {_cell(s.first_problem, 300)}")


def print_class(result: ClassResult, out: Path | None, command: str | None = None, assignment: bool = True,
                reviews: Path | None = None, strays: list[str] | None = None) -> None:  # fmt: skip
    """The class table, what ran, the rubric total (`assignment`: from an assignment.toml, else the package's
    default), where the reports are; with `command` (the class's `grade` command line), one line per reason points
    were left pending, and the command that checks them; what the reviews file did (a warning line per review that
    named no pending check), and with `reviews` (where the class's reviews.toml goes), where to review the rest."""
    rows = []
    for s in result.students:
        rows.append([_cell(s.id, 40), s.verdict.upper(), _points(s), _claims(s), f"{fmt(s.percent)}%",
                     _cell(s.first_problem, PROBLEM_WIDTH)])  # fmt: skip
    print(tabulate(rows, headers=["student", "verdict", "points", "claims", "%", "first problem"],
                   disable_numparse=True))  # fmt: skip
    if claiming := [s for s in result.students if s.id_conflict]:  # examiner probe 38: seen only in each report
        print(f"warning: {len(claiming)} folder(s) claim another submission's id: "
              f"{_some([s.folder for s in claiming], 40)}; each graded under its folder's id (its report says whose "
              "id it claims)")  # fmt: skip
    if strays:  # examiner probe 38: a stray file (a zip's twin, notes) was in no output
        print(f"warning: not graded: {len(strays)} file(s) at the top of the class folder that are not submission "
              f"folders: {_some(strays, 60)}")  # fmt: skip
    m = result.meta
    mode = ", quick mode" if m["quick"] else ""
    procs = f", {m['jobs']} processes" if (m.get("jobs") or 1) > 1 else ""
    seeds = f", {m['judged_by_seeds']} run(s) judged against committed seeds" if m.get("judged_by_seeds") else ""
    ran = f" on {m['device']} ({m['engine']} engine{procs})" if m["reruns"] else ""  # nothing rerun: no engine ran
    print(f"\n{len(result.students)} submission(s), {m['reruns']} distinct rerun(s) ({m['cache_hits']} from cache)"
          f"{seeds}, {m['wall_time_s']:.1f} s{ran}{mode}.")  # fmt: skip
    total = result.students[0].total_points if result.students else None
    if total is not None:
        source = "assignment.toml total_points" if assignment else "the package default total_points"
        print(f"Points are scaled to the rubric total of {total:g} ({source}).")
    print_reviews(result)
    if command:
        for line in result.pending_lines(command):
            print(_cell(line, PENDING_LINE))
        if out is not None and reviews is not None and any(s.pending for s in result.students):
            hint = (f"pending points are the instructor's to decide: review them in {out / PENDING_FILE}, then save it "
                    f"as {reviews} and grade again (the cache makes it seconds)")  # fmt: skip
            print(_cell(hint, PENDING_LINE))
    if out is not None:
        index = " (class)" if len(result.students) > 1 else ""  # a self-check grades one (probe 19)
        print(f"Reports: {_cell(out / 'index.html')}{index}, {_cell(out)}/<id>/report.html, grades.csv, results.json")


def print_reviews(result: ClassResult) -> None:
    """How many reviews by hand this grade applied, one warning line each (at most WARNINGS_SHOWN, then a count) for
    those that named no pending check, and one line for those of students this grade left out (--only / --skip)."""
    done = result.meta.get("reviews")
    if not done:
        return
    warnings = done.get("warnings") or []
    outside = done.get("outside") or []
    print(f"Reviews by hand: {done.get('applied', 0)} applied" + (f", {len(warnings)} not applied (below)" if warnings
                                                                   else "") + ".")  # fmt: skip
    for w in warnings[:WARNINGS_SHOWN]:
        print(f"warning: reviews: {_cell(w, 400)}")
    if len(warnings) > WARNINGS_SHOWN:
        print(f"warning: reviews: and {len(warnings) - WARNINGS_SHOWN} more reviews naming no pending check (listed, "
              "commented, in pending.toml)")  # fmt: skip
    if outside:
        who = len({r.get("student") for r in outside})
        print(f"Reviews by hand: {len(outside)} more of {who} student(s) this grade left out (--only / --skip): not "
              "applied here, kept as they are in pending.toml")  # fmt: skip


def print_self_check(result: ClassResult, out: Path | None, assignment_file: Path | None, folder: Path) -> None:
    """What a self-check did not check (and, where nothing checked failed, that its score is no failure), and where
    its inputs and outputs are."""
    for line in result.pending_lines(self_check(folder)):
        print(_cell(line, PENDING_LINE))
    for s in result.students:
        if s.pending and s.verdict in ("unverified", "pass", "warn"):
            done = (f"no check failed, {s.lost:g} points lost to partial credit" if s.lost else
                    "nothing checked here failed or lost points")  # fmt: skip
            print(f"{s.verdict.upper()} with {s.pending:g} of {s.possible:g} points pending is no failure: {done}; the "
                  "pending points are neither earned nor lost yet (the lines above say what checks them)")  # fmt: skip
    used = _cell(assignment_file) if assignment_file else "none beside the folder, so the package defaults"
    print(f"assignment: {used}")
    if out is None or not result.students:
        print("reports: not written")
        return
    report = out / report_folders(result.students)[0] / "report.html"
    print(f"reports: {_cell(report)} (and the class files in {_cell(out)})")


def class_command(args: argparse.Namespace) -> str:
    """A class grade's command line, which its pending lines extend (`--full`, `--data-root DIR`): the same submissions
    (`--only`, `--skip`) into the same reports (`--out`, where given), so that following a hint after a grade of
    some submissions does not grade the whole class into reports/ (examiner: `--only s008 s009 --out some/` dropped),
    with the options given that say where its reruns are found and how they run (`--cache`, `--data-root`,
    `--device`, …: examiner probe 38, a hint without `--cache` reran everything). Every word shell-quoted."""
    words = [f"grade {_word(args.path)}"]
    if getattr(args, "out_given", True) and args.out is not None:
        words.append(f"--out {_word(args.out)}")
    for flag in ("only", "skip"):
        if ids := getattr(args, flag, None):
            words.append(f"--{flag} " + " ".join(shlex.quote(_cell(i, 80)) for i in ids))
    for flag in ("cache", "data_root", "reviews", "device", "engine", "nproc", "jobs"):
        if (value := getattr(args, flag, None)) is not None:  # device, engine, nproc, jobs: None unless given
            words.append(f"--{flag.replace('_', '-')} {_word(value)}")
    return " ".join(words)


def _some(names: list[str], width: int) -> str:
    """The first WARNINGS_SHOWN names, each cut to `width` and terminal-safe, and how many more there are."""
    more = f" and {len(names) - WARNINGS_SHOWN} more" if len(names) > WARNINGS_SHOWN else ""
    return ", ".join(_cell(n, width) for n in names[:WARNINGS_SHOWN]) + more


def _word(v: object) -> str:
    """A path or value for a command line the user copies: terminal-safe, then shell-quoted (`'class 38'`)."""
    return shlex.quote(_cell(v, 400))


def self_check(folder: Path) -> str:
    """A self-check's command line, which its terminal and reports extend (`--full`, `--data-root DIR`)."""
    return f"grade --self-check {_cell(folder)}"


def _points(s: StudentResult) -> str:
    """Earned of the total, and the points this grade could not check: `62.5/100 (37.5 pending)`."""
    return f"{s.total:g}/{s.possible:g}" + (f" ({s.pending:g} pending)" if s.pending else "")


def _claims(s: StudentResult) -> str:
    """Claims checked / claims made: `2/6`; — when the submission made none; `+4 unstated`: claims the assignment
    asks for that it leaves out."""
    checked, made = s.claims
    return (f"{checked}/{made}" if made else "—") + (f" +{s.unstated} unstated" if s.unstated else "")


# a pending line is the grader's own text around a command line (the class folder's path): its longest template, the
# borrowed-σ LR claims', runs past 600 characters (examiner probe 24: four of eleven were cut mid-sentence at 400)
PENDING_LINE = 1500


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
    """How far the claim is, and how far it may be: `0.39 / 0.26 decades` (the tolerance alone where no distance)."""
    if c.distance is None:
        return f"— / {figure(c.tolerance, c.unit)}" if c.tolerance is not None else ""
    if c.tolerance is None:
        return figure(c.distance, c.unit)
    return f"{fmt(c.distance, 3)} / {figure(c.tolerance, c.unit)}"
