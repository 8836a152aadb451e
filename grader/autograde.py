"""Upload grades: one submission graded inside Gradescope's or PrairieLearn's autograder (issue 22).

`grade autograde gradescope` (or `prairielearn`) reads the submission where the platform puts it, grades it in
quick mode within the assignment's time budget ([autograder] in assignment.toml: what does not fit is deferred to
the instructor's full grade) and writes the platform's results.json — whatever happens: an internal error or an
unreadable submission is a results.json that says so, never a missing file.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from grader import safe
from grader.bundle import DATA_DIR
from grader.grade import grade_class
from grader.load import (  # noqa: F401 (find_submission, locate: the upload's, shared with class grades)
    ASSIGNMENT_FILE,
    SEARCH_DEPTH,
    SUBMISSION_FILES,
    find_submission,
    load_assignment,
    locate,
)
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
              cache_dir: Path | None = None, data_root: Path | None = None) -> dict:  # fmt: skip
    """Grade the platform's submission and write its results.json; returns what was written. The dataset's files
    are read from `data_root`, else the bundle's data/ folder beside its assignment.toml (grader.bundle.bundle_data),
    else the dataset's default place."""
    spec = PLATFORMS[platform]
    root = Path(root or os.environ.get(spec.root_env) or spec.root)
    found = os.environ.get("LR_GRADER_ASSIGNMENT") or spec.assignment
    assignment_file = Path(assignment_file or (found if Path(found).is_absolute() else root / found))
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="lr-grader-") as tmp:
        bundled = assignment_file.parent / DATA_DIR
        data_root = data_root or (bundled if bundled.is_dir() and not bundled.is_symlink() else None)
        try:
            data = _grade(platform, root / spec.submission, assignment_file, Path(tmp), cache_dir, started, data_root)
        except Exception as err:  # the platform must get a results.json: a grader bug is a result that says so
            # the detail goes to the log, which the instructor sees (Gradescope: stdout_visibility hidden;
            # PrairieLearn: the job's output), never to the student: it is about the autograder, not the upload
            print(f"autograde: internal grader error: {type(err).__name__}: {safe.one_line(err, 2000)}",
                  file=sys.stderr)  # fmt: skip
            data = internal_failure(platform)
    write_json(root / spec.results, data)
    return data


def _grade(platform: str, submission: Path, assignment_file: Path, tmp: Path, cache_dir: Path | None,
           started: float, data_root: Path | None = None) -> dict:  # fmt: skip
    if not submission.is_dir():
        return failure(platform, f"no submission folder at {submission}", student=True)
    if not assignment_file.is_file():
        raise FileNotFoundError(f"the bundle has no {ASSIGNMENT_FILE} at {assignment_file}")
    upload = submission
    try:
        submission, where = find_submission(upload)
    except ValueError as err:  # several submission files: which one is the student's to say
        return failure(platform, str(err), student=True)
    assignment = load_assignment(tmp, assignment_file)  # a bad one is the instructor's: failure() below
    budget = assignment.autograder.budget - (time.perf_counter() - started)
    # ids="file": the platform named the folder ("submission", "student"), not the student
    result = grade_class(tmp, out=tmp / "reports", quick=True, jobs=1, folders=[submission], budget_s=budget,
                         cache_dir=cache_dir or tmp / "cache", assignment_file=assignment_file, ids="file",
                         data_root=data_root)  # fmt: skip
    student = result.students[0]
    report = _report(tmp / "reports")
    if where:  # found below the upload's top: said first, in the output the student reads
        report = f"{safe.markdown(where)}\n\n{report}" if report else safe.markdown(where)
    if platform == "prairielearn":  # no per-test visibility there: every test, the score and the report are shown
        return {**student.to_prairielearn(), **({"output": safe.plain(report)} if report else {})}
    visibility = assignment.autograder.visibility
    out = student.to_gradescope(visibility)
    if report and withheld(student.checks, visibility):  # the output is shown to the student at once: without them
        report = visible_markdown(student, result.assignment, result.meta, visibility)[:OUTPUT_CAP]
    if report:
        out.update(output=report, output_format="md")
    return {**out, "stdout_visibility": "hidden"}


def _report(reports: Path) -> str:
    """The student's Markdown report, as the class grade writes it (bounded)."""
    found = sorted(reports.glob("*/report.md"))
    return found[0].read_text()[:OUTPUT_CAP] if found else ""


def failure(platform: str, message: str, student: bool = False) -> dict:
    """A results.json for a submission the grader cannot read (`student`: the upload's fault, the message says what
    to fix). PrairieLearn: `gradable: false` (the attempt is not used up); Gradescope: score 0 with the reason,
    which a corrected upload replaces. Not for the grader's own failures: `internal_failure`."""
    if not student:
        return internal_failure(platform)
    text = f"Your submission could not be graded: {message}. Fix it and upload it again; until then it has no grade."
    if platform == "prairielearn":
        return {"gradable": False, "score": 0.0, "format_errors": [message], "message": text}
    test = {"name": "submission", "score": 0.0, "max_score": 0.0, "status": "failed", "output": text}
    return {"score": 0.0, "output": text, "output_format": "text", "stdout_visibility": "hidden", "tests": [test]}


INTERNAL = ("The autograder failed before it could grade this submission. This is a fault in the autograder's setup, "
            "not in your files, and nothing in your submission was judged. {score} Your instructor must fix the "
            "autograder and regrade this submission (the details are in the autograder's log, which your instructor "
            "sees); you need not resubmit.")  # fmt: skip


def internal_failure(platform: str) -> dict:
    """A results.json for a grade the grader itself could not make (its bundle, its data, a bug): no verdict on the
    student, no detail of the grader's internals (those go to the log, for the instructor), and a plain statement
    that the score it must carry is not a grade. PrairieLearn: `gradable: false`, the attempt not used up.
    Gradescope needs a score (its results.json specification): 0, said in words to be no grade."""
    if platform == "prairielearn":
        text = INTERNAL.format(score="This is not a grade, and the attempt does not count.")
        errors = ["Not a problem with your submission: the autograder failed (see the message)."]
        return {"gradable": False, "score": 0.0, "message": text, "format_errors": errors}
    text = INTERNAL.format(score="The score of 0 shown here is NOT a grade.")
    test = {"name": "Autograder failure: not a grade", "score": 0.0, "max_score": 0.0, "status": "failed",
            "output": text}  # fmt: skip
    return {"score": 0.0, "output": text, "output_format": "text", "stdout_visibility": "hidden", "tests": [test]}
