"""Rendering: every file written, grades.csv sums, Gradescope JSON shape, escaping, offline HTML, a real screenshot."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from grader.cli import parser
from grader.commands import class_command, print_checks, print_class, print_self_check
from grader.render import (
    environment,
    figure_png,
    fmt,
    grade_rows,
    pct,
    plots_for,
    reference_label,
    render_class,
    render_student,
    student_context,
)
from grader.results import CheckResult, ClassResult, RunRecord, StudentResult
from reference.config import RunConfig, range_test_config
from reference.loop import run

EVIL = "<script>alert(1)</script>"
NOTES = EVIL + " *bold* a_b | [x](javascript:alert(1)) &amp;\n- not a list"
ESC = "\x1b]0;PWNED\x07\x1b[2J"  # sets the terminal's title, clears the screen
META = {"package_version": "0.1.0", "torch_version": "2.x", "device": "cpu", "quick": False,
        "graded_at": "2025-01-01T00:00:00+00:00", "reruns": 2, "cache_hits": 1, "wall_time_s": 3.5}  # fmt: skip
ASSIGNMENT = {"name": "LR range test and LR schedules (LeNet5, MNIST)", "dataset": "mnist-5k"}


@pytest.fixture(scope="module")
def runs(mnist5k) -> tuple[dict, dict]:
    sweep = run(range_test_config(start_lr=1e-4, end_lr=10, epochs=1), device="cpu", data=mnist5k)
    train = run(RunConfig(epochs=1, lr=0.05), device="cpu", data=mnist5k)
    return sweep, train


def make_student(runs, id: str = "s1", name: str = "Ada Lovelace") -> StudentResult:
    sweep, train = runs
    pick = sweep["suggestions"]["valley"]
    # a reference shaped like context.reference_curve: a sweep curve, and per-epoch means without per-step keys
    ref_sweep = {"lr": sweep["lr"], "train_loss_smoothed": [v * 1.05 for v in sweep["train_loss_smoothed"]]}
    epochs = [{"epoch": e["epoch"], "step": e["step"], "test_loss": e["test_loss"] * 0.9,
               "test_accuracy": e["test_accuracy"] - 0.02} for e in train["epochs"]]  # fmt: skip
    ref_train = {"epochs": epochs, "config": {}}
    checks = [
        CheckResult("config", "submission", "pass", "Valid: 1 range test(s) and 1 training run(s).", points=1,
                    max_points=1),
        CheckResult("lr_claim", "sgd-sweep", "warn", f"Rule 'valley' picks {pick:.3g}; the claim is 0.45 decades away.",
                    claimed=pick * 2.8, rerun=pick, reference=pick * 1.1, tolerance=0.3, distance=0.45,
                    unit="decades", origin="0.3 decades (floor)", points=1.0, max_points=2.0),
        CheckResult("accuracy_claim", "sgd-constant", "fail", "Claimed 0.99 vs rerun 0.78.", claimed=0.99, rerun=0.78,
                    reference=0.8, tolerance=0.04, distance=0.21, unit="abs", points=0.0, max_points=2.0),
        CheckResult("loss_claim", "sgd-constant", "skip", "Nothing claimed."),
        CheckResult("baseline", "sgd-constant", "pass", "Within 3σ of the baseline.", rerun=0.78, reference=0.8,
                    tolerance=0.05, distance=0.02, unit="abs", points=2.0, max_points=2.0),
        CheckResult("plausibility", "sgd-constant", "fail", "Claimed loss | far below anything reachable."),
        CheckResult("plausibility", "submission", "error", "1 implausible figure(s), listed above.", max_points=1),
    ]  # fmt: skip
    records = [
        RunRecord("sgd-sweep", "range-test", "k" * 64, sweep["config"], sweep, ref_sweep, cached=True),
        RunRecord("sgd-constant", "train", "c" * 64, train["config"], train, ref_train),
    ]
    return StudentResult(id, name, f"subs/{id}", checks=checks, runs=records, warnings=["fp16 is not re-run"],
                         execution_time=12.5)  # fmt: skip


@pytest.fixture(scope="module")
def rendered(runs, tmp_path_factory) -> tuple[Path, ClassResult]:
    failed = StudentResult.failed("s3", "subs/s3", "submission.toml: line 3: expected '='", possible=1.0)
    hostile = make_student(runs, "s2", EVIL)
    hostile.notes = NOTES
    students = [make_student(runs), hostile, failed]
    cls = ClassResult(ASSIGNMENT, students, META)
    out = tmp_path_factory.mktemp("reports")
    render_class(cls, out)
    return out, cls


def test_filters():
    assert fmt(None) == "—" and fmt(0.123456) == "0.1235" and fmt(30) == "30" and fmt([1e-3, 0.1]) == "0.001, 0.1"
    assert pct(0.781) == "78.1%" and pct(None) == "—"
    env = environment()
    assert env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"  # strings default to escaped
    assert env.autoescape("report.html.j2") and env.autoescape("index.html.j2")
    assert not env.autoescape("report.md.j2")


def test_figure_png_and_plots(runs):
    student = make_student(runs)
    plots = plots_for(student)
    assert set(plots) == {"sgd-sweep", "sgd-constant"}
    assert all(p.startswith("data:image/png;base64,") and len(p) > 5000 for p in plots.values())
    from matplotlib.figure import Figure

    assert figure_png(Figure()).startswith("data:image/png;base64,")


def test_all_files(rendered):
    out, cls = rendered
    for name in ("index.html", "summary.md", "grades.csv", "results.json"):
        assert (out / name).stat().st_size > 0, name
    for s in cls.students:
        for name in ("report.md", "report.html", "results.json"):
            assert (out / s.id / name).stat().st_size > 0, (s.id, name)
    assert json.loads((out / "results.json").read_text())["students"][0]["id"] == "s1"
    md = (out / "s1" / "report.md").read_text()
    assert "Ada Lovelace" in md and "WARN" in md and "\\|" in md  # pipes in messages escaped for the table
    summary = (out / "summary.md").read_text()
    assert "| s1 " in summary and "3 student(s)" in summary


def test_grades_csv(rendered):
    out, cls = rendered
    rows = list(csv.reader((out / "grades.csv").open()))
    keys = ["config", "lr_claim", "accuracy_claim", "baseline", "plausibility"]  # loss_claim: no points for anyone
    assert rows[0] == ["id", "name", "folder", "total", "percent", "status", "verdict", "pending", "claims checked",
                       "claims made", "claims not stated", *(f"{k} %" for k in keys), "first problem"]  # fmt: skip
    assert rows[1] == ["POSSIBLE", "", "", "100", "100", "", "", "", "", "", "", *["100"] * len(keys), ""]
    s1 = dict(zip(rows[0], rows[2], strict=True))
    # raw 4 of 8 points → 50 of the rubric's 100; per check, the share of its points earned
    assert s1 == {"id": "s1", "name": "Ada Lovelace", "folder": "s1", "total": "50", "percent": "50",
                  "status": "graded", "verdict": "error", "pending": "0", "claims checked": "2", "claims made": "2",
                  "claims not stated": "0", "config %": "100", "lr_claim %": "50", "accuracy_claim %": "0",
                  "baseline %": "100", "plausibility %": "0",
                  "first problem": "Claimed 0.99 vs rerun 0.78."}  # fmt: skip
    assert rows[3][1] == EVIL
    s3 = dict(zip(rows[0], rows[4], strict=True))
    assert s3["id"] == "s3" and s3["status"] == "error" and s3["total"] == "0" and s3["percent"] == "0"
    assert "expected '='" in s3["first problem"]
    assert len(rows) == 2 + len(cls.students)


def test_one_points_possible_everywhere(rendered):
    """The gradebook's POSSIBLE total = every report's total = the sum of Gradescope's max_score, for everyone."""
    out, cls = rendered
    rows = list(csv.reader((out / "grades.csv").open()))
    possible = float(rows[1][rows[0].index("total")])
    assert possible == cls.assignment.get("total_points", 100)
    for s, row in zip(cls.students, rows[2:], strict=True):
        gs = json.loads((out / s.id / "results.json").read_text())
        assert sum(t["max_score"] for t in gs["tests"]) == pytest.approx(possible, abs=1e-9), s.id
        assert sum(t["score"] for t in gs["tests"]) == pytest.approx(gs["score"], abs=1e-9), s.id
        assert float(row[rows[0].index("total")]) == gs["score"] == s.total, s.id
        md = (out / s.id / "report.md").read_text()
        assert f"/ {possible:g}**" in md and f"rubric total of {possible:g}" in md, s.id
        assert f"/ {possible:g}</small>" in (out / s.id / "report.html").read_text(), s.id


def test_rubric_total_from_the_assignment(runs, tmp_path):
    """A class's total_points reaches every student; full marks are exactly the total, an ERROR scores 0."""
    full = StudentResult("ok", "Ok", "ok", checks=[
        CheckResult("config", "submission", "pass", "ok", points=1, max_points=1),
        CheckResult("lr_claim", "a", "pass", "ok", points=2, max_points=2),
        CheckResult("lr_claim", "b", "pass", "ok", points=2, max_points=2)])  # fmt: skip
    bad = StudentResult.failed("bad", "bad", "submission.toml: not valid TOML")
    cls = ClassResult({"total_points": 40}, [full, bad], {})
    assert [s.possible for s in cls.students] == [40, 40]
    assert full.total == 40 and full.percent == 100 and sum(m for _, m in full.scaled()) == pytest.approx(40)
    assert bad.total == 0 and bad.to_gradescope()["tests"][0]["max_score"] == 40
    render_class(cls, tmp_path)
    rows = list(csv.reader((tmp_path / "grades.csv").open()))
    assert rows[1][3] == "40" and [r[3] for r in rows[2:]] == ["40", "0"]


def test_escaping(rendered):
    out, _ = rendered
    for page in (out / "s2" / "report.html", out / "index.html"):
        html = page.read_text()
        assert EVIL not in html and "<script" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_offline_html(rendered):
    out, _ = rendered
    for page in (out / "s1" / "report.html", out / "index.html"):
        html = page.read_text()
        assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, re.I), page
        assert "@import" not in html and "url(" not in html
    report = (out / "s1" / "report.html").read_text()
    assert report.count('src="data:image/png;base64,') >= 2
    assert 'href="s1/report.html"' in (out / "index.html").read_text()
    assert "Could not be graded" in (out / "s3" / "report.html").read_text()
    assert "folder <code>s1</code>" in report and "subs/s1" not in report  # the folder's name, not its path
    assert "Re-run with lr-grader 0.1.0, torch 2.x on cpu" in report


def test_render_student_alone(runs, tmp_path):
    render_student(make_student(runs), tmp_path / "one", ASSIGNMENT, {})
    html = (tmp_path / "one" / "report.html").read_text()
    assert "seed(s) 0" in html and "torch " in html  # versions fall back to the runs' own meta


def test_failed_and_empty_runs(runs, tmp_path):
    """An errored rerun and a sweep that diverged at once render with their reasons and without a plot."""
    sweep, train = runs
    empty = {**sweep, "lr": [], "train_loss": [], "train_loss_smoothed": [], "suggestions": {},
             "diverged": {"step": 0, "reason": "loss became nan at step 0"}}  # fmt: skip
    nan = {**train, "final": {**train["final"], "test_loss": float("nan")}}
    student = StudentResult("e", "E", "f", runs=[
        RunRecord("sweep", "range-test", "k", sweep["config"], empty),
        RunRecord("slow", "train", "k", train["config"], None, error="run stopped after 600 s"),
        RunRecord("nan", "train", "k", train["config"], nan)])  # fmt: skip
    assert list(plots_for(student)) == ["nan"]
    render_class(ClassResult({}, [student], {}), tmp_path)
    html = (tmp_path / "e" / "report.html").read_text()
    assert "loss became nan at step 0" in html and "run stopped after 600 s" in html
    assert json.loads((tmp_path / "e" / "results.json").read_text())["leaderboard"][0]["value"] == 0.78
    full = (tmp_path / "results.json").read_text()  # NaN is not JSON: written as null
    assert "NaN" not in full and json.loads(full)["students"][0]["runs"][2]["result"]["final"]["test_loss"] is None


FORMULAS = ("=", "+", "-", "@", "\t", "\r")


def test_csv_cells_are_never_formulas(tmp_path):
    """OWASP: a cell a spreadsheet would run as a formula gets a leading quote: names, folders, messages alike."""
    hostile = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
    students = []
    for i, text in enumerate(hostile):
        s = StudentResult.failed(f"s{i}", f"subs/{text.replace('/', '-')}", f"{text} is broken")
        s.name = text
        students.append(s)
    render_class(ClassResult({}, students, {}), tmp_path)
    rows = list(csv.reader((tmp_path / "grades.csv").open(newline="")))
    inert = ["'" + t if t[0] not in "\t\r" else t.replace("\t", "\\x09").replace("\r", "\\x0d") for t in hostile]
    assert [r[1] for r in rows[2:]] == inert  # the text kept, made inert (a control character shown as an escape)
    assert [r[2] for r in rows[2:]] == [t.replace("/", "-") for t in inert]  # folder names too
    for row in rows:
        assert not any(cell.startswith(FORMULAS) for cell in row), row
    assert rows[2][-1].startswith("'=cmd") and rows[2][-1].endswith("is broken")  # the first problem


def test_terminal_output_escapes_control_characters_and_cuts_at_a_word(capsys):
    words = "word " * 60
    check = CheckResult("config", "sub" + ESC, "fail", ESC + words, claimed=0.5, points=0, max_points=1)
    s = StudentResult("s\x1b[31m", ESC, "f", checks=[check], warnings=[ESC + "warned"])
    s.checks[0] = replace(s.checks[0], diagnosis={"cause": ESC + "cause", "evidence": "", "confidence": "low",
                                                  "confirmed": False})  # fmt: skip
    print_checks(s)
    print_class(ClassResult({}, [s], {**META, "engine": "sequential"}), None)
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b]0;PWNED\\x07\\x1b[2J" in out and "likely cause" in out
    row = next(line for line in out.splitlines() if line.startswith("s\\x1b[31m"))
    problem = row.split("%", 1)[1].strip()
    assert problem.endswith(" word…") and len(problem) <= 90  # cut at a word, marked as cut


def test_self_check_says_what_quick_mode_did_not_check(tmp_path, capsys):
    checks = [CheckResult("config", "submission", "pass", "ok", points=1, max_points=1),
              CheckResult("accuracy_claim", "r", "skip", "Quick mode …", claimed=0.9, pending=2, why="quick"),
              CheckResult("loss_claim", "r", "skip", "Quick mode …", claimed=0.2, pending=1, why="quick")]  # fmt: skip
    meta = {**META, "quick": True, "engine": "sequential"}
    cls = ClassResult({"quick_epochs": 3}, [StudentResult("s", "S", "f", checks=checks)], meta)
    print_self_check(cls, tmp_path / "reports", None, Path("subs/s"))
    out = capsys.readouterr().out
    said = "quick mode (training reruns cut to 3 epochs): 2 final-metric claims pending"
    assert said in out and "run `grade --self-check subs/s --full` to check them" in out
    assert "package defaults" in out and f"reports: {tmp_path / 'reports'}" in out
    assert "UNVERIFIED with 75 of 100 points pending is no failure: nothing checked here failed" in out  # probe 3
    print_class(cls, None, "grade subs")  # a class graded --quick says the same
    out = capsys.readouterr().out
    assert said in out and "run `grade subs --full` to check them" in out
    assert "UNVERIFIED" in out and "25/100 (75 pending)" in out  # 1 of 4 raw points checked, 0 of 2 claims
    # a grade of some submissions into another folder: its hint repeats both, so following it grades those
    # submissions in full there, not the whole class into reports/ (examiner: `--only s008 s009 --out some/` dropped)
    args = parser().parse_args(["subs", "--only", "s008", "s009", "--skip", "s 1", "--out", "some/", "--quick"])
    print_class(cls, None, class_command(args))
    out = capsys.readouterr().out
    assert "run `grade subs --out some --only s008 s009 --skip 's 1' --full` to check them" in out
    assert parser().parse_args(["subs", "--out", "some", "--only", "s008", "s009", "--full"]).only == ["s008", "s009"]
    args = parser().parse_args(["subs", "--quick"])
    args.out, args.out_given = Path("reports"), False  # what grader.cli.main sets: the default folder is not repeated
    assert class_command(args) == "grade subs"
    # examiner probe 38: its hint dropped --cache (following it reran everything into the default cache) and put a
    # class path with a space in unquoted
    args = parser().parse_args(["my class", "--quick", "--cache", "c d", "--data-root", "data", "--device", "cpu",
                                "--jobs", "1"])  # fmt: skip
    args.out, args.out_given = Path("reports"), False
    print_class(cls, None, class_command(args))
    assert "run `grade 'my class' --cache 'c d' --data-root data --device cpu --jobs 1 --full` to check them" in \
        capsys.readouterr().out  # fmt: skip
    fully = [CheckResult("config", "submission", "pass", "ok", points=1, max_points=1)]
    print_self_check(ClassResult({}, [StudentResult("s", "S", "f", checks=fully)], META), None,
                     tmp_path / "assignment.toml", Path("s"))  # fmt: skip
    out = capsys.readouterr().out
    assert "quick mode" not in out and f"assignment: {tmp_path / 'assignment.toml'}" in out
    assert "no failure" not in out  # nothing pending: nothing to reassure about


def test_notes_and_markdown_escaping(rendered):
    """Student text is literal in report.md (Markdown escapes, no HTML entities) and escaped in the HTML."""
    out, _ = rendered
    md = (out / "s2" / "report.md").read_text()
    assert "&lt;" not in md and "&gt;" not in md and not re.search(r"(?<!\\)<", md)  # every < backslash-escaped
    assert "# \\<script\\>alert(1)\\</script\\> (s2)" in md
    notes = md.split("## Notes from the submission", 1)[1].split("##", 1)[0]
    assert "\\*bold\\* a\\_b \\| \\[x\\](javascript:alert(1)) \\&amp; - not a list" in notes
    html = (out / "s2" / "report.html").read_text()
    assert "Notes from the submission" in html and "*bold* a_b | [x](javascript:alert(1)) &amp;amp;" in html
    assert "Notes from the submission" not in (out / "s1" / "report.html").read_text()  # none given


def test_index_shows_each_fail_reason_and_what_the_mean_excludes(rendered):
    out, cls = rendered
    index = (out / "index.html").read_text()
    assert "Claimed 0.99 vs rerun 0.78." in index  # s1 and s2: FAIL, first failing check's reason
    assert "expected &#39;=&#39;" in index  # s3: ERROR, its error line
    assert "excludes the 1 not gradable" in index and "rubric total of 100" in index
    summary = (out / "summary.md").read_text()
    assert "graded submissions only; the 1 not gradable are excluded" in summary


def test_report_columns_claimed_rerun_reference(rendered):
    out, _ = rendered
    html = (out / "s1" / "report.html").read_text()
    assert re.search(r"<th[^>]*>Claimed</th><th[^>]*>Rerun</th>\s*<th[^>]*>Reference</th>", html)
    assert "Expected" not in html and "Observed" not in html
    md = (out / "s1" / "report.md").read_text()
    assert "| status | check | subject | claimed | rerun | reference | distance | tolerance | points |" in md
    assert "| 0.99 | 0.78 | 0.8 | 0.21 | 0.04 |" in md  # accuracy_claim: claimed, rerun, reference, distance, tol
    assert "0.45 decades" in md and "Tolerance: 0.3 decades (floor)." in html  # units; where a tolerance is from


def test_a_diagnosis_is_shown_as_the_likely_cause(runs):
    s = make_student(runs)
    s.checks[2] = replace(s.checks[2], diagnosis={
        "pitfall": "per-step-scheduler",
        "cause": "the LR schedule steps per batch, not per epoch",
        "confidence": "high",
        "evidence": "a rerun with cadence = 'step' matches the claim",
        "confirmed": True,
    })  # fmt: skip
    html = environment().get_template("report.html.j2").render(student_context(s, ASSIGNMENT, META))
    assert ("Likely cause: the LR schedule steps per batch, not per epoch (high confidence, confirmed by a rerun): "
            "a rerun with cadence = &#39;step&#39; matches the claim") in html  # fmt: skip
    assert "Likely cause: the LR schedule" in s.to_gradescope()["tests"][2]["output"]
    s.checks[2] = replace(s.checks[2], diagnosis={**s.checks[2].diagnosis, "pitfall": "log-mismatch"})  # no rerun
    html = environment().get_template("report.html.j2").render(student_context(s, ASSIGNMENT, META))
    assert "(high confidence, confirmed by the figures themselves)" in html and "by a rerun" not in html


def _sweep_student(runs, claimed: float) -> StudentResult:
    sweep = runs[0]
    ended = {**sweep, "diverged": {"step": len(sweep["lr"]) + 1, "reason": "loss exploded"}}
    check = CheckResult("lr_claim", "sweep", "pass", "ok", claimed=claimed, rerun=sweep["lr"][len(sweep["lr"]) // 2])
    return StudentResult("s", "S", "f", checks=[check], runs=[RunRecord("sweep", "range-test", "k", sweep["config"],
                                                                           ended)])  # fmt: skip


def test_a_sweep_that_stops_past_the_picks_is_not_a_warning(runs):
    """Every range test ends by the divergence criterion: neutral past the picks, a warning before one."""
    last = runs[0]["lr"][-1]
    ctx = student_context(_sweep_student(runs, claimed=last / 10), ASSIGNMENT, META)
    assert ctx["runs"][0]["ending"]["expected"] and ctx["runs"][0]["ending"]["lr"] == last
    html = environment().get_template("report.html.j2").render(ctx)
    assert "as expected: loss exploded" in html and "alert warn" not in html
    early = _sweep_student(runs, claimed=last * 10)  # the claim lies beyond where the rerun stopped
    html = environment().get_template("report.html.j2").render(student_context(early, ASSIGNMENT, META))
    assert "before the LR picked from it" in html and "alert warn" in html


def test_plots_label_the_reference_and_keep_a_diverged_tail_in_check(runs):
    from reference.plots import plot_range_test, plot_run

    sweep, train = runs
    record = RunRecord("r", "train", "k", train["config"], train,
                       {"config": {"lr": 0.0507}, "name": "sgd-constant", "seeds": 3, "epochs": []})  # fmt: skip
    assert reference_label(record) == "reference sgd-constant, lr 0.0507, mean of 3 seeds"
    blown = {**sweep, "train_loss_smoothed": [*sweep["train_loss_smoothed"][:-3], 1e3, 1e5, 1e7]}
    ax = plot_range_test(blown, reference={"lr": sweep["lr"], "train_loss_smoothed": sweep["train_loss_smoothed"]}
                         ).axes[0]  # fmt: skip
    first = max(sweep["train_loss_smoothed"][0], blown["train_loss_smoothed"][0])
    assert ax.get_ylim()[1] <= 1.5 * first + 1e-9 and ax.get_ylim()[0] <= min(sweep["train_loss_smoothed"])
    fig = plot_run(train)
    labels = [t.get_text() for a in fig.axes for t in a.get_legend().get_texts()]
    assert labels and all("rerun" not in t for t in labels) and "run" in labels
    epochs = fig.axes[1].get_xticks()
    assert all(float(t).is_integer() for t in epochs)  # whole epochs only


def test_claimed_figures_are_marked_on_the_training_plot(runs):
    from reference.plots import plot_training

    _, train = runs
    fig = plot_training(train, claims={"test_accuracy": 0.91, "test_loss": 0.2})
    labels = [t.get_text() for a in fig.axes for t in a.get_legend().get_texts()]
    assert "claimed: 0.91" in labels and "claimed: 0.2" in labels


def test_grade_rows_are_spreadsheet_safe_for_every_cell(rendered):
    _, cls = rendered
    for row in grade_rows(cls):
        assert not any(cell.startswith(FORMULAS) for cell in row), row


SELF_CHECK = """
notes = "one short sweep, one short run"
[student]
id = "me"
name = "Me"
[[range_test]]
name = "sweep"
optimizer = "sgd"
start_lr = 1e-4
end_lr = 10.0
steps = 30
rule = "steepest"
claimed_lr = 0.05
[[run]]
name = "const"
optimizer = "sgd"
lr = 0.05
epochs = 2
claimed_test_accuracy = 0.8
claimed_test_loss = 0.6
"""


@pytest.mark.slow
def test_self_check_names_its_assignment_and_report_and_what_it_skipped(tmp_path, capsys):
    """A real `grade --self-check` (quick): it says which assignment.toml it used, where the report is, and
    how many claims quick mode left unchecked."""
    from grader.cli import main

    (tmp_path / "class" / "me").mkdir(parents=True)
    (tmp_path / "class" / "me" / "submission.toml").write_text(SELF_CHECK)
    (tmp_path / "class" / "assignment.toml").write_text(
        "train_epochs = 2\nmax_epochs = 2\nquick_epochs = 1\n[tolerances]\nprobe_epochs = 0\n"
    )
    args = ["--jobs", "1", "--engine", "sequential", "--device", "cpu", "--quiet", "--cache", str(tmp_path / "c")]
    main(["--self-check", str(tmp_path / "class" / "me"), *args, "--out", str(tmp_path / "reports")])
    out = capsys.readouterr().out
    assert f"assignment: {tmp_path / 'class' / 'assignment.toml'}" in out
    assert f"reports: {tmp_path / 'reports' / 'me' / 'report.html'}" in out
    assert ("quick mode (training reruns cut to 1 epoch): 2 final-metric claims pending — "
            f"run `grade --self-check {tmp_path / 'class' / 'me'} --full` to check them") in out  # fmt: skip
    # its 2-epoch constant run is the committed 30-epoch run's config (LR within 0.1 decades) cut short: the baseline
    # is judged at epoch 1 against the reference's epoch 1, not left pending (context.lr_only)
    assert "this run 2: this schedule's LR does not depend on the run's length" in " ".join(out.split())
    assert re.search(r"check\s+run\s+claimed\s+rerun\s+reference\s+distance / allowed\s+points", out)
    assert "one short sweep, one short run" in (tmp_path / "reports" / "me" / "report.html").read_text()


@pytest.mark.slow  # Chromium
def test_screenshot(rendered, tmp_path):
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("chromium is not installed: no headless screenshot of the report")
    out, _ = rendered
    shot = tmp_path / "shot.png"
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--no-first-run", "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
           "--window-size=1200,6000", f"--screenshot={shot}", (out / "s1" / "report.html").as_uri()]  # fmt: skip
    subprocess.run(cmd, timeout=60, capture_output=True, check=False)
    assert shot.exists() and shot.stat().st_size > 10_000
    from matplotlib.image import imread

    pixels = imread(shot)[..., :3]
    assert pixels.shape[0] >= 2000 and pixels.shape[1] >= 1100
    assert pixels.std() > 0.05
    colours = np.unique((pixels.reshape(-1, 3) * 255).round().astype(np.uint8), axis=0)
    assert len(colours) > 50
    # what a person sees: the statuses in their colours (templates/_style.css.j2: the PASS and FAIL badges'
    # backgrounds) and the plots drawn, not broken images (matplotlib's tab:blue: the rerun's curves)
    assert shown(pixels, (0xDC, 0xF5, 0xE3)) and shown(pixels, (0xFF, 0xE5, 0xE3)) and shown(pixels, (31, 119, 180))


def shown(pixels: np.ndarray, rgb: tuple[int, int, int], at_least: int = 200, tol: int = 6) -> bool:
    """At least `at_least` pixels of the screenshot within `tol` of colour `rgb`."""
    return int((np.abs((pixels * 255).round() - np.array(rgb)).max(axis=-1) <= tol).sum()) >= at_least


def test_a_run_section_says_what_the_rerun_is(runs, tmp_path):
    """Examiner probe 2: a quick rerun's 3-epoch figures were labelled "final" beside a 30-epoch claim; a student who
    set no seed read "seed: 0" as if they had; a tabulated LambdaLR printed all its 14,070 factors."""
    sweep, train = runs
    config = {**train["config"], "epochs": 30, "schedule": {"name": "table", "table": [1.0] * 469 + [0.5] * 13601,
                                                            "cadence": "step"}}  # fmt: skip
    record = RunRecord("run", "train", "k", config, train, seed_given=False)  # the rerun ran 1 of its 30 epochs
    student = StudentResult("s1", "S", "s1", checks=[CheckResult("config", "submission", "pass", "ok")],
                            runs=[record])  # fmt: skip
    render_student(student, tmp_path, ASSIGNMENT, META)
    md = (tmp_path / "report.md").read_text()
    assert "- at epoch 1 of 30 (this grade's rerun stops there): test accuracy" in md and "- final:" not in md
    assert "- seed: 0 (the rerun's: the submission set none)" in md
    assert "14,070 values, 0.5 … 1" in md and "0.5, 0.5, 0.5" not in md
    html = (tmp_path / "report.html").read_text()
    assert "at epoch 1 of 30" in html and len(html) < 100_000
    # audit 7: a sweep judged against committed seeds ran no seed 0 of its own
    judged = RunRecord("sweep", "range-test", "k", sweep["config"], None, seed_given=False,
                       seeds="judged against 20 committed reference seeds of this exact config (mnist-5k sgd; no rerun "
                       "needed)")  # fmt: skip
    render_student(replace(student, runs=[judged]), tmp_path / "j", ASSIGNMENT, META)
    md = (tmp_path / "j" / "report.md").read_text()
    assert "- seed: none set — not rerun (the committed seeds below judge it)" in md and "rerun's" not in md
    assert md.count("judged against 20 committed reference seeds") == 1  # probe 19: the line came twice


def test_the_terminal_says_why_a_self_check_failed_and_names_no_engine_when_nothing_ran(capsys):
    why = "no [[range_test]] section: the assignment requires one."
    failing = StudentResult("s1", "S", "s1", checks=[CheckResult("config", "submission", "fail", why, max_points=1)])
    print_checks(failing)
    assert "why FAIL: no [[range_test]] section" in capsys.readouterr().out
    print_class(ClassResult(ASSIGNMENT, [failing], {**META, "reruns": 0, "cache_hits": 0, "jobs": 2}), None)
    line = next(x for x in capsys.readouterr().out.splitlines() if "distinct rerun" in x)
    assert "engine" not in line and "processes" not in line, line


def test_a_check_partly_given_and_partly_pending_shows_both(tmp_path, capsys):
    """A chaotic rerun's miss: half the points given, half pending. The report showed it as NOT CHECKED with all of
    its points pending; it is a WARN with what was given and what is pending."""
    checks = [CheckResult("baseline", "run", "warn", "Not graded automatically: the rerun is chaotic …", points=1.0,
                          max_points=1.0, pending=1.0, why="chaotic"),
              CheckResult("lr_claim", "sweep", "pass", "ok", points=2.0, max_points=2.0)]  # fmt: skip
    student = StudentResult("s1", "S", "s1", checks=checks)
    render_student(student, tmp_path, ASSIGNMENT, META)
    row = next(x for x in (tmp_path / "report.md").read_text().splitlines() if "| baseline |" in x)
    assert row.startswith("| WARN |") and "25 / 50 (25 pending)" in row, row
    print_checks(student)
    line = next(x for x in capsys.readouterr().out.splitlines() if "baseline" in x)
    assert line.startswith("WARN") and "25/50 (25 pending)" in line, line


def test_notes_on_how_a_submission_was_read_are_not_called_warnings(tmp_path, capsys):
    """Examiner probe 4 (F9): an accuracy written as a percentage (read as a fraction, nothing lost) was listed under
    "Warnings" with an instruction. What the loader says is a note on how the file was read; the checks carry the
    points. Report, HTML and terminal say so."""
    note = '[[run]] "sgd-ms": claimed_test_accuracy = 96.5 read as 96.5 % = 0.965 (write accuracies as fractions)'
    student = StudentResult("s1", "S", "s1", checks=[CheckResult("config", "submission", "pass", "Valid.",
                            points=1, max_points=1)], warnings=[note])  # fmt: skip
    render_student(student, tmp_path, ASSIGNMENT, META)
    md, html = (tmp_path / "report.md").read_text(), (tmp_path / "report.html").read_text()
    assert "## How the submission was read" in md and "## Warnings" not in md and "none of them costs points" in md
    assert "How the submission was read" in html and "Warnings" not in html and 'class="alert note"' in html
    print_checks(student)
    out = capsys.readouterr().out
    assert "note: [[run]]" in out and "warning:" not in out


def test_a_reference_sweep_of_another_config_is_labelled_as_one():
    """Audit 7: the grey curve behind a 4,690-step 1e-6→1 sweep was the committed 320-step 1e-5→10 sweep, labelled
    "reference sgd sweep, seed 0", so the student's rerun looked 1.5 decades off the reference by no fault of theirs.
    The label names the other sweep; the reference of this very sweep keeps the plain label."""
    from grader.context import load_baselines, reference_curve
    from grader.plan import PlannedRun
    from reference.config import RunConfig

    (baseline,) = [b for b in load_baselines("mnist-5k") if b.get("name") == "mnist-5k"]
    committed = baseline["range_tests"]["sgd"]["config"]

    def label(config: dict) -> str:  # the record a grade builds: its reference from context.reference_curve
        p = PlannedRun("s", "range-test", RunConfig(**config), None, None)
        return reference_label(RunRecord("s", "range-test", "k", config, None, reference_curve(p, baseline)))

    assert label({**committed, "seed": 7}) == "reference sgd sweep, seed 0"
    other = {**committed, "lr": 1e-6, "epoch_steps": 469}
    assert label(other) == "reference sgd sweep, seed 0 (another sweep: 1e-05→10 in 320 steps)"


def test_a_control_character_in_a_students_name_reaches_no_file_raw(tmp_path):
    """Examiner probe 3: a raw ESC from `[student] name` reached grades.csv and the HTML reports (`cat grades.csv`
    acts on it). Every file the class grade writes shows it as an escape."""
    check = CheckResult("config", "submission", "pass", "ok", points=1, max_points=1)
    s = StudentResult("s1", "Eve" + ESC, "subs/s1", checks=[check], notes="note" + ESC)
    render_class(ClassResult({}, [s], META), tmp_path)
    written = [f for f in tmp_path.rglob("*") if f.is_file() and f.suffix in (".csv", ".md", ".html", ".json")]
    assert {f.name for f in written} >= {"grades.csv", "index.html", "summary.md", "report.md", "report.html"}
    for f in written:
        text = f.read_text()
        assert "\x1b" not in text and "\x07" not in text, f.name
    assert "Eve\\x1b]0;PWNED" in (tmp_path / "grades.csv").read_text()


def test_a_name_that_is_the_id_is_shown_once(tmp_path):
    """Examiner probe 3 (B6): a legacy config.py's name is its folder's, as is its id: "s107 (s107)" said it twice."""
    check = CheckResult("config", "submission", "pass", "ok", points=1, max_points=1)
    render_class(
        ClassResult(
            {},
            [
                StudentResult("s107", "s107", "subs/s107", checks=[check]),
                StudentResult("s108", "Ada", "subs/s108", checks=[check]),
            ],
            META,
        ),
        tmp_path,
    )
    assert (tmp_path / "s107" / "report.md").read_text().startswith("# s107\n")
    assert (tmp_path / "s108" / "report.md").read_text().startswith("# Ada (s108)\n")
    assert "<title>s107 · " in (tmp_path / "s107" / "report.html").read_text()


def test_an_entry_name_in_math_markup_or_control_characters_is_drawn_as_plain_text(runs, tmp_path, capsys):
    """Examiner probe 16: an entry named `sgd $\\notacommand$ sweep` was parsed as Matplotlib math in its plot's
    title, raised, and stopped every report of the class (exit 2, no index, no gradebook); an ESC in a name reached
    the terminal raw through Matplotlib's missing-glyph warning. Figures draw student text as plain text, and a
    figure that cannot be drawn leaves its report without that plot, never the class without reports."""
    student = make_student(runs)
    for r in student.runs:
        r.name = r.name + " $\\notacommand$ \x1b[31m\u202e" + "x" * 300
    plots = plots_for(student)
    assert len(plots) == 2 and all(p and p.startswith("data:image/png;base64,") for p in plots.values())
    render_class(ClassResult(ASSIGNMENT, [student, make_student(runs, "s2")], META), tmp_path)
    assert (tmp_path / "index.html").is_file() and (tmp_path / "grades.csv").is_file()
    assert "\x1b" not in capsys.readouterr().err

    from grader.render import drawn

    def broken():
        raise ValueError("ParseFatalException")

    assert drawn(broken) is None


def test_the_footer_names_the_seeds_rerun_not_those_of_runs_judged_against_committed_seeds():
    """Examiner probe 23: a student whose seeded run (426) and sweep were both judged against committed seeds (no
    rerun) had a footer "Re-run with … seed(s) 0, 426": the seeds of runs that ran, from their results' stamps."""
    from grader.render import _footer
    from grader.results import RunRecord, StudentResult

    judged = [RunRecord("sweep", "range-test", "k1", {"seed": 0}, None, seeds="20 committed seeds"),
              RunRecord("final", "train", "k2", {"seed": 426}, None, seeds="20 committed seeds")]  # fmt: skip
    student = StudentResult(folder="s", id="s", name="S", status="graded", runs=judged)
    assert _footer(student, {})["seeds"] == "—"
    ran = RunRecord("final", "train", "k3", {"seed": 426}, {"meta": {"seed": 426, "device": "cpu"}})
    assert _footer(StudentResult(folder="s", id="s", name="S", status="graded", runs=[*judged[:1], ran]), {})[
        "seeds"] == "426"  # fmt: skip
