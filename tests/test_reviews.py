"""Reviews by hand (grader/reviews.py, docs/reviews.md): reviews.toml decides pending checks, every output agrees that
they are no longer pending, a review naming no pending check is a warning line, a bad file one error line (exit 2), and
a class grade writes the template (pending.toml)."""

import csv
import re
from pathlib import Path

import pytest

from grader.cli import main
from grader.load import tomllib
from grader.render import grade_rows
from grader.results import CheckResult, ClassResult, StudentResult
from grader.reviews import apply_reviews, load_reviews, pending_template, toml_string
from grader.safe import InputError
from grader.schema import Review, Reviews

HOSTILE = '<script>alert(1)</script> =HYPERLINK("x") \x1b[31m **bold** | cell'


def student(*checks: CheckResult, sid: str = "s0") -> StudentResult:
    return StudentResult(sid, "S", sid, checks=[CheckResult("config", "submission", "pass", "Valid.", points=1.0,
                                                             max_points=1.0), *checks])  # fmt: skip


def pending_claim(subject: str = "sweep", status: str = "skip", **kw) -> CheckResult:
    return CheckResult("lr_claim", subject, status, "No rerun decides it.", **{"pending": 2.0, "why": "review", **kw})


def review(award, **kw) -> Reviews:
    return Reviews(review=[Review(**{"student": "s0", "check": "lr_claim", "subject": "sweep", "award": award, **kw})])


@pytest.mark.parametrize(("award", "status", "total"), [("all", "pass", 100.0), (0.5, "warn", 66.67),
                                                         ("none", "fail", 33.33)])  # fmt: skip
def test_a_reviewed_check_is_decided_and_no_longer_pending(award, status, total):
    s = student(pending_claim())
    assert s.pending == 66.67 and s.total == 33.33
    (done,), applied = apply_reviews([s], review(award, note="seen the curves"))
    c = done.checks[1]
    assert applied == {"applied": 1, "warnings": [], "unmatched": [], "outside": []}
    assert c.reviewed and c.status == status and c.pending == 0 and c.max_points == 2.0
    assert c.points == {"all": 2.0, 0.5: 1.0, "none": 0.0}[award]
    assert c.message.startswith("Reviewed by hand (") and ": seen the curves. Before that review" in c.message
    assert c.message.endswith("the grader said: No rerun decides it.")  # the grader's words read as history
    assert done.pending == 0 and done.total == total and not done.unchecked_reason
    assert "1 check reviewed by hand" in done.coverage
    # every output reads the decided check: nothing pending anywhere
    assert not ClassResult({}, [done], {"quick": False}).pending_lines()
    test = done.to_gradescope()["tests"][1]
    assert "not checked" not in test["name"] and not test["output"].startswith("Pending review")
    assert test["score"] == {"pass": 66.67, "warn": 33.34, "fail": 0.0}[status] and test["max_score"] == 66.67
    pl = done.to_prairielearn()["tests"][1]
    assert pl["max_points"] == 66.67 and not pl["message"].startswith("Pending review")
    row = grade_rows(ClassResult({}, [done], {"quick": False}))[2]
    assert row[3] == f"{total:g}" and row[7] == "0"
    d = done.to_dict()["checks"][1]
    assert d["review"]["award"] == award and d["review"]["pending"] == 2.0 and d["pending"] == 0


def test_a_partly_given_check_keeps_what_it_earned():
    """A chaotic rerun's miss: half given, half pending; "none" of the pending half leaves the given half (WARN)."""
    s = student(pending_claim(status="warn", points=1.0, max_points=1.0, pending=1.0, why="chaotic"))
    (done,), _ = apply_reviews([s], review("none"))
    c = done.checks[1]
    assert (c.status, c.points, c.max_points, c.pending, c.why) == ("warn", 1.0, 2.0, 0.0, "chaotic")
    assert c.message.startswith("Reviewed by hand (none of its pending points given). Before that review")


def test_a_review_that_names_no_pending_check_is_one_warning_line_and_changes_nothing():
    decided = CheckResult("lr_claim", "sweep", "pass", "Within tolerance.", points=2.0, max_points=2.0)
    s = student(decided)
    reviews = Reviews(review=[Review(student="s0", check="lr_claim", subject="sweep", award="none"),
                              Review(student="s7", check="baseline", subject="run", award="all"),
                              Review(student="s0", check="baseline", subject="nope", award=0.25)])  # fmt: skip
    (same,), applied = apply_reviews([s], reviews)
    assert same.checks == s.checks and applied["applied"] == 0
    first, second, third = applied["warnings"]
    assert first.startswith('review of "s0" · lr_claim · "sweep": not pending in this grade') and "PASS, 2/2" in first
    assert "no such student" in second and "no such check" in third
    assert [u["student"] for u in applied["unmatched"]] == ["s0", "s7", "s0"]


def test_the_folder_name_matches_too():
    s = StudentResult("alice", "A", "folder-a", checks=[pending_claim()])
    (done,), applied = apply_reviews([s], Reviews(review=[Review(student="folder-a", check="lr_claim",
                                                                 subject="sweep", award="all")]))  # fmt: skip
    assert applied["applied"] == 1 and done.checks[0].status == "pass"


@pytest.mark.parametrize(("text", "says"), [
    ("[[review]\n", "not valid TOML"),
    ('[[review]]\nstudent = "s0"\ncheck = "lr_claim"\nsubject = "sweep"\naward = 1.5\n',
     'review[0].award: must be "all", "none" or a fraction from 0 to 1 of the pending points (0.5: half), got 1.5'),
    ('[[review]]\nstudent = "s0"\ncheck = "lr_claim"\nsubject = "sweep"\naward = -1\n', "got -1"),
    ('[[review]]\nstudent = "s0"\ncheck = "lr_claim"\nsubject = "sweep"\naward = "half"\n', 'got "half"'),
    ('[[review]]\nstudent = "s0"\ncheck = "lr_claim"\nsubject = "sweep"\naward = "?"\n', 'got "?"'),
    ('[[review]]\nstudent = "s0"\ncheck = "lr_claims"\nsubject = "sweep"\naward = "all"\n', "unknown check"),
    ('[[review]]\nstudent = "s0"\ncheck = "lr_claim"\nsubject = "sweep"\npoints = 2\n', "review[0].award: missing"),
    ('[[review]]\nstudent = "s0"\ncheck = "lr_claim"\nsubject = "sweep"\naward = "all"\n' * 2,
     "review[1] decides the same check as review[0]"),
    ("\xff", "not UTF-8"),
])  # fmt: skip
def test_a_bad_reviews_file_is_one_line(tmp_path, text, says):
    path = tmp_path / "reviews.toml"
    path.write_bytes(text.encode("utf-8", "surrogateescape") if text != "\xff" else b"\xff")
    with pytest.raises(InputError) as err:
        load_reviews(path)
    assert says in str(err.value) and "\n" not in str(err.value) and str(err.value).startswith("reviews.toml")


def test_toml_string_reads_back_exactly():
    text = 'a "quoted" \\ name\nwith \x1b[2J, a bidi \u202e override, a tab\t and \u2028'
    assert tomllib.loads(f"x = {toml_string(text)}")["x"] == text


SWEEP_ONLY = """
[student]
id = "s0"
name = "Student 0"

[[range_test]]
name = "sweep"
optimizer = "sgd"
start_lr = 1e-5
end_lr = 10.0
epochs = 1
rule = "min/10"
"""


def test_reviews_toml_settles_a_pending_check_end_to_end(tmp_path, capsys):
    """A one-student class whose sweep states no pick: a quick grade reruns nothing and leaves its LR claim pending.
    The grade writes pending.toml; that block, decided and saved as reviews.toml, settles it in the regrade: the
    gradebook's score and pending change, the report shows the note (escaped everywhere), and an unmatched review is a
    warning line."""
    root = tmp_path / "class"
    (root / "s0").mkdir(parents=True)
    (root / "s0" / "submission.toml").write_text(SWEEP_ONLY)
    (root / "assignment.toml").write_text('train_epochs = 2\nquick_epochs = 1\nrequired = ["range_test"]\n')
    out = tmp_path / "reports"
    argv = [str(root), "--quick", "--out", str(out), "--cache", str(tmp_path / "cache"), "--jobs", "1", "--quiet"]
    assert main(argv) == 0
    said = capsys.readouterr().out
    assert f"review them in {out / 'pending.toml'}, then save it as {root / 'reviews.toml'} and grade again" in said
    before = list(csv.reader((out / "grades.csv").open()))[2]
    assert (before[3], before[7]) == ("33.33", "66.67")  # total, pending
    template = (out / "pending.toml").read_text()
    assert tomllib.loads(template) == {}  # every block commented: nothing decided yet
    assert "# s0 · lr_claim · sweep: 66.67 of 100 points pending [2 raw] (unclaimed)" in template
    # the instructor uncomments the block, decides, and adds a note; and one review a regrade will not find pending
    decided = re.sub(r"^# (\[\[review\]\]|student|check|subject|award|note)", r"\1", template, flags=re.M)
    decided = decided.replace('award = "?"', 'award = "all"').replace('note = ""', f"note = {toml_string(HOSTILE)}")
    decided += '\n[[review]]\nstudent = "s0"\ncheck = "baseline"\nsubject = "sweep"\naward = "none"\n'
    (root / "reviews.toml").write_text(decided)
    assert main(argv) == 0
    said = capsys.readouterr().out
    assert "Reviews by hand: 1 applied, 1 not applied (below)." in said
    assert 'warning: reviews: review of "s0" · baseline · "sweep": that student has no such check' in said
    assert "\x1b" not in said and "review them in" not in said  # nothing pending: no hint
    after = list(csv.reader((out / "grades.csv").open()))[2]
    assert (after[3], after[7]) == ("100", "0")
    report = (out / "s0" / "report.md").read_text()
    assert "| PASS (reviewed) | lr\\_claim | sweep |" in report
    assert "Reviewed by hand (all of its pending points given): \\<script\\>alert(1)\\</script\\>" in report
    assert "\\x1b\\[31m \\*\\*bold\\*\\* \\| cell" in report and "\x1b" not in report
    html = (out / "s0" / "report.html").read_text()
    assert '<span class="tag" title="decided by hand by the instructor">reviewed</span>' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html and "\x1b" not in html
    results = (out / "results.json").read_text()
    assert '"applied": 1' in results and '"pending": 0.0' in results
    # the regrade's template keeps the decision (uncommented) and the unmatched review (commented)
    kept = tomllib.loads((out / "pending.toml").read_text())["review"]
    assert kept == [{"student": "s0", "check": "lr_claim", "subject": "sweep", "award": "all", "note": HOSTILE,
                     "why": "unclaimed", "pending": 2.0}]  # fmt: skip
    # a review giving none: a FAIL whose first problem (grades.csv, terminal) carries the note, escaped
    (root / "reviews.toml").write_text(re.sub(r'^award = "all"', 'award = "none"', decided, flags=re.M))
    assert main(argv) == 0
    said = capsys.readouterr().out
    assert "\x1b" not in said and "FAIL" in said
    row = list(csv.reader((out / "grades.csv").open()))[2]
    assert row[3] == "33.33" and row[7] == "0" and row[6] == "fail" and "\x1b" not in row[-1]


def test_a_bad_reviews_file_stops_the_grade_with_one_line(tmp_path, capsys):
    root = tmp_path / "class"
    (root / "s0").mkdir(parents=True)
    (root / "s0" / "submission.toml").write_text(SWEEP_ONLY)
    (root / "reviews.toml").write_text('[[review]]\nstudent = "s0"\ncheck = "lr_claim"\nsubject = "sweep"\n'
                                       "award = 2\n")  # fmt: skip
    argv = [str(root), "--quick", "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "cache"), "--quiet"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("grade: error: reviews.toml: review[0].award: must be") and "got 2" in err
    assert not (tmp_path / "out").exists()  # stopped before any rerun or report
    other = tmp_path / "mine.toml"
    other.write_text("review = 3\n")
    assert main([*argv, "--reviews", str(other)]) == 2
    assert capsys.readouterr().err.startswith("grade: error: reviews file mine.toml: review: ")
    assert main([*argv, "--reviews", str(tmp_path / "absent.toml")]) == 2
    assert "no such reviews file" in capsys.readouterr().err
    assert main([str(root / "s0"), "--self-check", "--reviews", str(other)]) == 2  # a class grade's, not a student's
    assert "--reviews is for a class grade" in capsys.readouterr().err


def test_two_reviews_of_one_check_stop_the_grade_before_any_rerun(tmp_path, capsys):
    """Examiner probe 39: the reviews' names were resolved only after every rerun, so a class grade ran for minutes
    before the one error line. Ids and folder names are known once the class is read: it stops there."""
    root = tmp_path / "class"
    (root / "alice-hw6").mkdir(parents=True)
    rerun = SWEEP_ONLY.replace('id = "s0"', 'id = "alice"').replace("end_lr = 10.0", "end_lr = 3.0\nclaimed_lr = 0.01")
    (root / "alice-hw6" / "submission.toml").write_text(rerun)  # a sweep the quick grade reruns
    twice = "".join(f'[[review]]\nstudent = "{who}"\ncheck = "lr_claim"\nsubject = "sweep"\naward = "all"\n'
                    for who in ("alice", "alice-hw6"))  # fmt: skip
    (root / "reviews.toml").write_text(twice)
    cache = tmp_path / "cache"
    argv = [str(root), "--quick", "--out", str(tmp_path / "out"), "--cache", str(cache), "--quiet"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "review[1] decides the same check as review[0]" in err
    assert not any(p.is_file() for p in cache.rglob("*")) and not (tmp_path / "out").exists()  # nothing rerun


def test_the_template_lists_every_pending_check_and_keeps_decisions():
    hostile = StudentResult("s1", "T", "s1", checks=[pending_claim(subject='x" = 1\n[evil]\x1b')])
    done, applied = apply_reviews([student(pending_claim()), hostile], review("all", note="ok"))
    text = pending_template(ClassResult({}, done, {"reviews": applied}))
    data = tomllib.loads(text)  # the hostile subject stays a string: no table of its own, no control character
    assert data == {"review": [{"student": "s0", "check": "lr_claim", "subject": "sweep", "award": "all",
                                "note": "ok", "why": "review", "pending": 2.0}]}  # fmt: skip
    assert "\x1b" not in text and '# subject = "x\\" = 1\\n[evil]\\u001b"' in text
    uncommented = re.sub(r"^# (\[\[review\]\]|student|check|subject|award|note)", r"\1", text, flags=re.M)
    again = tomllib.loads(uncommented.replace('award = "?"', "award = 0.5"))["review"]
    assert again[1]["subject"] == 'x" = 1\n[evil]\x1b'
    assert len(Reviews.model_validate({"review": again}).review) == 2


def test_the_docs_example_is_valid(tmp_path):
    doc = (Path(__file__).resolve().parents[1] / "docs" / "reviews.md").read_text()
    example = doc.split("```toml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "reviews.toml").write_text(example)
    assert len(load_reviews(tmp_path / "reviews.toml").review) >= 2


# ---------------------------------------------------------------- examiner probe 39


def test_a_review_names_a_student_by_id_first_and_a_name_two_students_answer_to_is_an_error():
    """H1: a review applied to both of two students (one's id, the other's folder name). Ids win over folder names;
    a name several students answer to stops the grade with one line."""
    by_id = StudentResult("s8", "A", "s8-copy", checks=[pending_claim()])
    by_folder = StudentResult("s8-real", "B", "s8", checks=[pending_claim()])
    (a, b), applied = apply_reviews([by_id, by_folder], review("all", student="s8"))
    assert applied["applied"] == 1 and a.checks[0].reviewed and not b.checks[0].reviewed
    twins = [StudentResult("x1", "A", "class/a/same", checks=[pending_claim()]),
             StudentResult("x2", "B", "class/b/same", checks=[pending_claim()])]  # fmt: skip
    with pytest.raises(InputError) as err:
        apply_reviews(twins, review("all", student="same"))
    assert str(err.value).startswith('reviews: review[0] names "same", which 2 students answer to ("x1", "x2")')


def test_a_review_by_id_and_one_by_folder_name_of_the_same_check_is_an_error():
    """M1: written once by id, once by folder name: the id's silently won."""
    s = StudentResult("alice", "A", "folder-a", checks=[pending_claim()])
    twice = Reviews(review=[Review(student="alice", check="lr_claim", subject="sweep", award="all"),
                            Review(student="folder-a", check="lr_claim", subject="sweep", award="none")])  # fmt: skip
    with pytest.raises(InputError) as err:
        apply_reviews([s], twice)
    assert "review[1] decides the same check as review[0]" in str(err.value) and "\n" not in str(err.value)


def test_a_review_made_for_another_reason_or_other_points_is_not_applied(tmp_path):
    """H2: a --quick grade's review (2 raw points pending, no comparable reference) applied, with no word, to the 0.08
    a full grade left pending for another reason. pending.toml records both; a review carrying them applies only while
    both still hold; one without them (written by hand) as before."""
    now = pending_claim(status="warn", points=1.92, max_points=1.92, pending=0.08, why="chaotic")
    made_then = review(1 / 3, why="reference", pending=2.0)
    (same,), applied = apply_reviews([student(now)], made_then, template=tmp_path / "pending.toml")
    assert applied["applied"] == 0 and not same.checks[1].reviewed
    (warning,) = applied["warnings"]
    assert 'was pending for "reference", 2 raw points, now for "chaotic", 0.08 raw points: not applied' in warning
    assert "decide it again in pending.toml" in warning
    assert apply_reviews([student(now)], review(1 / 3, pending=2.0))[1]["applied"] == 0  # the points alone
    assert apply_reviews([student(now)], review(1 / 3, why="reference"))[1]["applied"] == 0  # the reason alone
    assert apply_reviews([student(now)], review(1 / 3, why="chaotic", pending=0.08))[1]["applied"] == 1
    assert apply_reviews([student(now)], review(1 / 3))[1]["applied"] == 1  # written by hand: no figures to hold
    # the template writes both (and the figures to decide by, M2); its block, saved, applies to that check only
    fig = pending_claim(claimed=0.1, rerun=0.05, reference=[0.02, 0.2], distance=0.3, tolerance=0.25, unit="decades")
    text = pending_template(ClassResult({}, [student(fig)], {}))
    assert '# why = "review"' in text and "# pending = 2.0" in text
    assert "# figures: claimed 0.1 · rerun 0.05 · reference [0.02, 0.2] · distance 0.3 decades · tolerance 0.25" in text
    saved = re.sub(r"^# (\[\[review\]\]|student|check|subject|award|note|why|pending)", r"\1", text, flags=re.M)
    decisions = Reviews.model_validate(tomllib.loads(saved.replace('award = "?"', "award = 1")))
    assert decisions.review[0].why == "review" and decisions.review[0].pending == 2.0
    assert apply_reviews([student(fig)], decisions)[1]["applied"] == 1
    assert apply_reviews([student(now)], decisions)[1]["applied"] == 0


def test_a_reviewed_check_is_never_the_first_problem_over_a_failing_one():
    """M3: s000's real plausibility FAIL replaced in the class table by a reviewed pending item."""
    real = CheckResult("plausibility", "run", "fail", "Implausible curve.", points=0.0, max_points=1.0)
    s = StudentResult("s0", "S", "s0", checks=[pending_claim(subject="run"), real])
    (done,), _ = apply_reviews([s], review("none", subject="run"))
    assert done.checks[0].status == "fail" and done.first_problem == "Implausible curve."
    assert done.checks[0].message.startswith("Reviewed by hand (none of its pending points given). Before that")


def test_reviews_of_students_left_out_are_kept_and_summarised(tmp_path, capsys):
    """H3, H4, M5: a grade --only s1 commented out s0's decision in pending.toml ("named no pending check") and printed
    one warning line per review of a left-out student, cutting off those that mattered; the warnings named
    reports/pending.toml whatever --out was."""
    root = tmp_path / "class"
    for sid in ("s0", "s1"):
        (root / sid).mkdir(parents=True)
        (root / sid / "submission.toml").write_text(SWEEP_ONLY.replace('id = "s0"', f'id = "{sid}"'))
    (root / "assignment.toml").write_text('train_epochs = 2\nquick_epochs = 1\nrequired = ["range_test"]\n')
    mine = '[[review]]\nstudent = "{}"\ncheck = "lr_claim"\nsubject = "{}"\naward = "all"\n'
    left_out = [mine.format("s0", "sweep"), *(mine.format("s0", f"gone{i}") for i in range(25))]
    (root / "reviews.toml").write_text("".join([*left_out, mine.format("s1", "sweep"), mine.format("s1", "nope")]))
    out = tmp_path / "elsewhere"
    argv = [str(root), "--quick", "--out", str(out), "--cache", str(tmp_path / "cache"), "--jobs", "1", "--quiet",
            "--only", "s1"]  # fmt: skip
    assert main(argv) == 0
    said = capsys.readouterr().out
    assert "Reviews by hand: 1 applied, 1 not applied (below)." in said
    assert f'review of "s1" · lr_claim · "nope": that student has no such check (check and subject as {out}' in said
    assert said.count("warning: reviews:") == 1 and '"s0"' not in said
    assert "26 more of 1 student(s) this grade left out (--only / --skip): not applied here" in said
    kept = tomllib.loads((out / "pending.toml").read_text())["review"]
    assert [(r["student"], r["subject"]) for r in kept][:2] == [("s1", "sweep"), ("s0", "sweep")]
    assert sum(r["student"] == "s0" for r in kept) == 26  # saving the template keeps s0's decisions
    heading = "# ---- decisions on students this grade left out (--only / --skip) (26)"
    assert heading in (out / "pending.toml").read_text()
