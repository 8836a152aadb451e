"""Upload grades: one submission graded inside Gradescope's or PrairieLearn's autograder (issue 22).

`grade autograde gradescope` (or `prairielearn`) reads the submission where the platform puts it, grades it in
quick mode within the assignment's time budget ([autograder] in assignment.toml: what does not fit is deferred to
the instructor's full grade) and writes the platform's results.json — whatever happens: an internal error or an
unreadable submission is a results.json that says so, never a missing file.
"""

from __future__ import annotations

import itertools
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from grader import safe
from grader.grade import grade_class
from grader.load import ASSIGNMENT_FILE, load_assignment
from grader.render import visible_markdown, write_json
from grader.results import withheld

OUTPUT_CAP = 200_000  # characters of the report kept in a results.json (PrairieLearn reads at most 1 MB)


@dataclass(frozen=True)
class Platform:
    root: str  # where the platform mounts everything
    root_env: str  # an environment variable that moves it (`grade bundle run`, tests)
    submission: str  # the student's files, under root
    assignment: str  # the class's assignment.toml: under root, or absolute (baked into the image)
    results: str = "results/results.json"


PLATFORMS = {
    "gradescope": Platform("/autograder", "AUTOGRADER_ROOT", "submission", "source/assignment.toml"),
    "prairielearn": Platform("/grade", "GRADE_ROOT", "student", "/lr-grader/assignment.toml"),
}


def autograde(platform: str, root: Path | None = None, assignment_file: Path | None = None,
              cache_dir: Path | None = None) -> dict:  # fmt: skip
    """Grade the platform's submission and write its results.json; returns what was written."""
    spec = PLATFORMS[platform]
    root = Path(root or os.environ.get(spec.root_env) or spec.root)
    found = os.environ.get("LR_GRADER_ASSIGNMENT") or spec.assignment
    assignment_file = Path(assignment_file or (found if Path(found).is_absolute() else root / found))
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="lr-grader-") as tmp:
        try:
            data = _grade(platform, root / spec.submission, assignment_file, Path(tmp), cache_dir, started)
        except Exception as err:  # the platform must get a results.json: a grader bug is a result that says so
            data = failure(platform, f"internal grader error ({type(err).__name__}: {safe.one_line(err, 300)})")
    write_json(root / spec.results, data)
    return data


def _grade(platform: str, submission: Path, assignment_file: Path, tmp: Path, cache_dir: Path | None,
           started: float) -> dict:  # fmt: skip
    if not submission.is_dir():
        return failure(platform, f"no submission folder at {submission}", student=True)
    if not assignment_file.is_file():
        return failure(platform, f"the bundle has no {ASSIGNMENT_FILE} at {assignment_file}")
    submission = locate(submission)
    assignment = load_assignment(tmp, assignment_file)  # a bad one is the instructor's: failure() below
    budget = assignment.autograder.budget - (time.perf_counter() - started)
    # ids="file": the platform named the folder ("submission", "student"), not the student
    result = grade_class(tmp, out=tmp / "reports", quick=True, jobs=1, folders=[submission], budget_s=budget,
                         cache_dir=cache_dir or tmp / "cache", assignment_file=assignment_file, ids="file")  # fmt: skip
    student = result.students[0]
    report = _report(tmp / "reports")
    if platform == "prairielearn":  # no per-test visibility there: every test, the score and the report are shown
        return {**student.to_prairielearn(), **({"output": report} if report else {})}
    visibility = assignment.autograder.visibility
    out = student.to_gradescope(visibility)
    if report and withheld(student.checks, visibility):  # the output is shown to the student at once: without them
        report = visible_markdown(student, result.assignment, result.meta, visibility)[:OUTPUT_CAP]
    if report:
        out.update(output=report, output_format="md")
    return {**out, "stdout_visibility": "hidden"}


SUBMISSION_FILES = ("submission.toml", "config.py")
SKIPPED = ("__MACOSX",)  # what a zip made on a Mac carries beside the folder
MAX_ENTRIES = 1000  # entries of an upload's folder looked at: a folder of more is graded as it is


def locate(upload: Path, depth: int = 2) -> Path:
    """The folder of the upload that holds the submission: the upload itself, or — a zip of a folder, unpacked by
    the platform — its one sub-folder (at most `depth` levels down) that does. Otherwise the upload itself, whose
    grade then says what is missing. Links are never followed."""
    folder = upload
    for _ in range(depth + 1):
        if any((folder / n).is_file() and not (folder / n).is_symlink() for n in SUBMISSION_FILES):
            return folder
        try:
            with os.scandir(folder) as it:
                entries = list(itertools.islice(it, MAX_ENTRIES + 1))
        except OSError:
            break
        subs = [e for e in entries if e.is_dir(follow_symlinks=False) and not e.name.startswith(".")
                and e.name not in SKIPPED]  # fmt: skip
        if len(subs) != 1:
            break
        folder = Path(subs[0].path)
    return upload


def _report(reports: Path) -> str:
    """The student's Markdown report, as the class grade writes it (bounded)."""
    found = sorted(reports.glob("*/report.md"))
    return found[0].read_text()[:OUTPUT_CAP] if found else ""


def failure(platform: str, message: str, student: bool = False) -> dict:
    """A results.json for a grade that could not happen. PrairieLearn: `gradable: false` (the attempt is not
    used up); Gradescope: score 0 with the reason, which the instructor can regrade."""
    who = "Your submission could not be graded" if student else "The autograder could not grade this submission"
    text = f"{who}: {message}. Nothing was deducted for it; ask the instructor if it persists."
    if platform == "prairielearn":
        return {"gradable": False, "score": 0.0, "format_errors": [message], "message": text}
    test = {"name": "grader", "score": 0.0, "max_score": 0.0, "status": "failed", "output": text}
    return {"score": 0.0, "output": text, "output_format": "text", "stdout_visibility": "hidden", "tests": [test]}
