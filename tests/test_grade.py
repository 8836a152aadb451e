"""The grader end to end on small real reruns: loading, bad input, the cache, kill-and-resume, exit codes."""

import inspect
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import grader.commands
import grader.grade
from grader.cli import main, parser
from grader.grade import grade_class
from grader.load import load_submission

SMALL = """
[student]
id = "{id}"
name = "{name}"

[[range_test]]
name = "sweep"
optimizer = "sgd"
start_lr = 1e-5
end_lr = 10.0
epochs = 1
rule = "min/10"
claimed_lr = 0.1

[[run]]
name = "const"
optimizer = "sgd"
lr = {lr}
epochs = 2
claimed_test_accuracy = 0.9
"""


def make_class(root: Path, n: int = 2, **extra: str) -> Path:
    for i in range(n):
        (root / f"s{i}").mkdir(parents=True)
        text = SMALL.format(id=f"s{i}", name=f"Student {i}", lr=0.05 + i / 100)
        (root / f"s{i}" / "submission.toml").write_text(text)
    for name, text in extra.items():
        (root / name).mkdir(parents=True)
        (root / name / ("config.py" if name.startswith("legacy") else "submission.toml")).write_text(text)
    (root / "assignment.toml").write_text("train_epochs = 2\nquick_epochs = 1\n")
    return root


def test_bad_input_gets_one_line_and_the_rest_is_graded(tmp_path, monkeypatch):
    root = make_class(tmp_path / "class", 1,
                      broken="[student\nid = 1\n",
                      badvalues='[student]\nid="b"\nname="B"\n[[run]]\nname="r"\noptimizer="sgd"\nlr=-1\nlerning_rate=2\n'
                                '[run.schedule]\nname="warmup"\n',
                      legacy_evil='import os\nos.system("touch PWNED")\n')  # fmt: skip
    (root / "empty").mkdir()
    monkeypatch.chdir(tmp_path)  # anything a config managed to run would land here
    r = grade_class(root, out=None, cache_dir=tmp_path / "cache", jobs=1)
    by_id = {s.folder.split("/")[-1]: s for s in r.students}
    assert by_id["s0"].status == "graded" and by_id["s0"].checks
    assert "not valid TOML" in by_id["broken"].error and "line 1" in by_id["broken"].error
    # one bad entry fails only that entry: the student is graded, the entry refused by the config check in one line
    bad = by_id["badvalues"]
    assert bad.error is None and bad.status == "graded"
    (line,) = [c.message for c in bad.checks if c.check == "config" and c.subject == "r"]
    assert "run[0].lr" in line and "run[0].lerning_rate: unknown key" in line and "unknown scheduler 'warmup'" in line
    assert "\n" not in line and not bad.runs  # nothing rerun for it
    # the os.system line is skipped as code (a warning naming line 2); with no LR left there is nothing to rerun
    assert "LEARNING_RATE" in by_id["legacy_evil"].error and not (tmp_path / "PWNED").exists()
    assert by_id["empty"].error == "no submission.toml or config.py in this folder (it is empty)"  # probe 38
    assert all("\n" not in s.error for s in r.students if s.error)


def test_a_grader_bug_on_one_student_is_that_students_error_line_not_the_class_s(tmp_path, monkeypatch):
    """Examiner probe 10: an exception while checking one student's runs stopped the class grade with a traceback,
    no reports for anyone. That student gets an ERROR line naming the grader's fault; the others are graded."""
    root = make_class(tmp_path / "class", 2)
    real = grader.grade._grade_one

    def buggy(x, *args):
        if x.id == "s1":
            raise AttributeError("'NoneType' object has no attribute 'at'")
        return real(x, *args)

    monkeypatch.setattr(grader.grade, "_grade_one", buggy)
    r = grade_class(root, out=tmp_path / "out", cache_dir=tmp_path / "cache", jobs=1, quick=True)
    by_id = {s.id: s for s in r.students}
    assert by_id["s0"].status == "graded" and by_id["s0"].checks
    assert by_id["s1"].status == "error" and "internal grader error (AttributeError" in by_id["s1"].error
    assert (tmp_path / "out" / "index.html").exists()


@pytest.mark.slow  # 2 course-length epochs (938 steps) and twins
def test_legacy_config_is_graded_without_claims(tmp_path):
    cfg = textwrap.dedent("""\
        from colossalai.amp import AMP_TYPE
        BATCH_SIZE = 128
        NUM_EPOCHS = 2
        LEARNING_RATE = 0.05
        fp16 = dict(mode=AMP_TYPE.TORCH)
        LR_SCHEDULER = dict(type="MultiStepLR", milestones=[40], gamma=0.1)
    """)
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "config.py").write_text(cfg)
    loaded = load_submission(tmp_path / "legacy")
    run = loaded.submission.run[0]
    assert run.lr == 0.05 and run.epochs == 2 and run.schedule.milestones == (40,) and run.schedule.cadence == "step"
    assert any(w.startswith("fp16") for w in loaded.warnings)
    (tmp_path / "assignment.toml").write_text("train_epochs = 2\n")
    r = grade_class(tmp_path, out=None, cache_dir=tmp_path / "cache")
    s = r.students[0]
    assert s.status == "graded" and s.runs[0].result["final"]["test_accuracy"] > 0.8
    # read with the course template: claims on MNIST, so the per-iteration MultiStep keeps 469-step epochs
    assert s.runs[0].config["epoch_steps"] == 469 and s.runs[0].config["preprocess"] == "resize"
    assert {c.check for c in s.checks} >= {"config", "baseline", "plausibility"}


@pytest.mark.slow  # a class graded twice
def test_identical_runs_are_run_once_and_the_cache_makes_a_regrade_free(tmp_path):
    root = make_class(tmp_path / "class", 2)
    (root / "s1" / "submission.toml").write_text(SMALL.format(id="s1", name="Twin", lr=0.05))  # same runs as s0
    first = grade_class(root, out=None, cache_dir=tmp_path / "cache")
    assert first.meta["reruns"] == 3 and first.meta["cache_hits"] == 0  # 6 planned (sweep, run, twin) × 2; 3 distinct
    again = grade_class(root, out=None, cache_dir=tmp_path / "cache")
    assert again.meta["cache_hits"] == 3
    assert [c.status for c in again.students[0].checks] == [c.status for c in first.students[0].checks]
    forced = grade_class(root, out=None, cache_dir=tmp_path / "cache", force=True)
    assert forced.meta["cache_hits"] == 0


@pytest.mark.slow  # worker processes, each importing torch
def test_parallel_jobs_give_the_same_verdicts(tmp_path):
    root = make_class(tmp_path / "class", 2)
    serial = grade_class(root, out=None, cache_dir=tmp_path / "c1", jobs=1)
    parallel = grade_class(root, out=None, cache_dir=tmp_path / "c2", jobs=2)
    for a, b in zip(serial.students, parallel.students, strict=True):
        # a probe twin's drift is a rounding-level figure (~1e-6): jobs=2 gives each process 1 thread, which
        # moves its last digits, not its verdict; every other observed figure is the same
        same = [(c.check, c.status, c.rerun if c.check != "reproducible" else None) for c in a.checks]
        assert same == [(c.check, c.status, c.rerun if c.check != "reproducible" else None) for c in b.checks]


def test_a_rerun_past_the_time_limit_is_stopped_and_its_points_pending_not_lost(tmp_path):
    """A runaway rerun is stopped at time_limit_s. How long a rerun takes depends on the machine and what else runs
    on it, not on the submission (examiner probe 12: 22 points lost at a limit an upload grade only defers at): its
    checks are pending, one line says so, and nothing is lost."""
    root = make_class(tmp_path / "class", 1)
    (root / "assignment.toml").write_text("time_limit_s = 0.01\n")
    r = grade_class(root, out=None, cache_dir=tmp_path / "cache", jobs=1)
    s = r.students[0]
    stopped = [c for c in s.checks if "TimeLimitExceeded" in c.message]
    assert stopped and all(c.status == "skip" and c.why == "timeout" and c.pending > 0 for c in stopped)
    assert not any(c.status == "error" for c in s.checks)
    assert any(line.startswith("reruns stopped at the time limit: ") for line in r.pending_lines())


@pytest.mark.slow
def test_kill_dash_nine_then_resume(tmp_path):
    root = make_class(tmp_path / "class", 4)  # 9 distinct reruns: one shared sweep + 4 training runs + twins
    cache = tmp_path / "cache"
    cmd = [sys.executable, "-m", "grader.cli", str(root), "--out", str(tmp_path / "r"), "--cache", str(cache)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and len(list(cache.rglob("*.json"))) < 3:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = list(cache.rglob("*.json"))
    assert 3 <= len(done) < 9, "killed too late to test anything; make the class bigger"
    for f in done:
        json.loads(f.read_text())  # every file that exists is whole
    r = grade_class(root, out=None, cache_dir=cache)
    assert r.meta["cache_hits"] == len(done) and r.meta["reruns"] == 9  # the 4 students share one sweep
    assert all(s.status == "graded" for s in r.students)


def test_exit_codes(tmp_path, capsys):
    root = make_class(tmp_path / "class", 1)
    toml = root / "s0" / "submission.toml"
    toml.write_text(toml.read_text().replace("claimed_test_accuracy = 0.9", "claimed_test_accuracy = 0.2"))
    args = ["--cache", str(tmp_path / "cache"), "--out", str(tmp_path / "r"), "--quiet"]
    assert main([str(tmp_path / "nope"), *args]) == 2
    assert "no such folder" in capsys.readouterr().err
    assert main([str(root), *args]) == 0  # graded, whatever the marks
    assert main([str(root), "--strict", *args]) == 1  # the 0.2 accuracy claim fails
    assert main(["--self-check", "--full", str(root / "s0"), *args]) == 1
    out = capsys.readouterr().out
    assert "accuracy_claim" in out and "FAIL" in out and "Reports:" in out
    # examiner probe 23: `grade --self-check s0/submission.toml` said "no such folder" of a file that is there
    assert main(["--self-check", "--full", str(toml), *args]) == 1
    got = capsys.readouterr()
    assert "grading the folder that holds submission.toml" in got.err and "accuracy_claim" in got.out
    (tmp_path / "notes.txt").write_text("x")
    assert main([str(tmp_path / "notes.txt"), *args]) == 2
    assert "a file: give its submission's folder" in capsys.readouterr().err


def test_a_self_check_never_overwrites_the_class_reports(tmp_path, monkeypatch):
    """The newcomer probe: `grade --self-check STUDENT` after `grade CLASS` rewrote reports/ (index, grades.csv) as a
    one-student class. Without --out, a class's reports go to reports/ and a self-check's to self-check/."""
    root = make_class(tmp_path / "class", 2)
    monkeypatch.chdir(tmp_path)
    args = ["--cache", str(tmp_path / "cache"), "--quiet", "--quick"]
    assert main([str(root), *args]) == 0
    before = (tmp_path / "reports" / "grades.csv").read_text()
    assert main(["--self-check", str(root / "s0"), *args]) == 0
    assert (tmp_path / "reports" / "grades.csv").read_text() == before  # the class's, untouched
    assert (tmp_path / "self-check" / "s0" / "report.html").exists()


def test_the_cli_uses_the_rerunner_s_defaults(tmp_path, monkeypatch):
    """One default for --jobs, --device, --engine, --nproc: Rerunner.of's. The CLI passes them only when given; its
    help names them."""
    from grader.runner import Rerunner

    defaults = {k: v.default for k, v in inspect.signature(Rerunner.of).parameters.items()}
    nproc = next(f.default for f in Rerunner.__dataclass_fields__.values() if f.name == "nproc")
    help_text = " ".join(parser().format_help().split())
    assert f"or {defaults['jobs']} (default:" in help_text  # the help describes the function's default
    assert f"{defaults['device']} (default)" in help_text and f"{defaults['engine']} (default)" in help_text
    assert f"(default: {nproc})" in help_text
    calls = []

    def fake(root, **kw):
        calls.append(kw)
        raise ValueError("stop here")  # exit code 2, nothing graded

    monkeypatch.setattr(grader.commands, "grade_class", fake)
    assert main([str(tmp_path), "--quiet"]) == 2
    assert main([str(tmp_path), "--quiet", "--jobs", "3"]) == 2
    assert not {"jobs", "device", "engine", "nproc"} & set(calls[0]) and calls[1]["jobs"] == 3


def test_a_quick_grade_does_not_rerun_a_sweep_with_no_pick_to_check(tmp_path):
    """Issue 26: a sweep that states no pick (claimed_lr) and hands in no log has nothing a quick grade judges by its
    rerun — its claim is pending as not stated — and a course sweep is the costliest rerun there is. A quick grade
    plans it (its pending points stay in the rubric) but does not rerun it, and says so; one with a pick is rerun, and
    a full grade reruns both."""
    text = SMALL.format(id="s0", name="S", lr=0.05).replace("claimed_lr = 0.1\n", "")
    text += text[text.index("[[range_test]]") : text.index("[[run]]")].replace('"sweep"', '"picked"')
    text = text.replace('name = "picked"\n', 'name = "picked"\nclaimed_lr = 0.1\n')
    (tmp_path / "s0").mkdir()
    (tmp_path / "s0" / "submission.toml").write_text(text)
    (tmp_path / "assignment.toml").write_text("train_epochs = 2\nquick_epochs = 1\n")
    quick = grade_class(tmp_path, out=tmp_path / "out", cache_dir=tmp_path / "cache", jobs=1, quick=True)
    runs = {r.name: r for r in quick.students[0].runs}
    assert runs["sweep"].result is None and runs["sweep"].deferred.startswith("not rerun in a quick grade")
    assert runs["picked"].result is not None and runs["picked"].deferred is None
    (claim,) = [c for c in quick.students[0].checks if c.check == "lr_claim" and c.subject == "sweep"]
    assert claim.pending > 0 and claim.why == "unclaimed"  # pending as not stated, as in a full grade
    report = (tmp_path / "out" / "s0" / "report.md").read_text()
    assert "not rerun in a quick grade: it states no pick (claimed\\_lr) to check" in report
    full = grade_class(tmp_path, out=None, cache_dir=tmp_path / "cache", jobs=1)
    assert all(r.result is not None for r in full.students[0].runs if r.kind == "range-test")


def test_a_partial_grade_never_replaces_the_class_gradebook_and_an_unknown_id_is_said(tmp_path, capsys):
    """Examiner probe 12: `grade CLASS --only s000` into the class's reports/ replaced its 80-row gradebook with a
    1-row one (the other reports left unlisted), and `--only` naming no submission graded 0, silently, exit 0."""
    root = make_class(tmp_path / "class", 2)
    out = tmp_path / "reports"
    args = ["--cache", str(tmp_path / "cache"), "--out", str(out), "--quiet", "--quick"]
    assert main([str(root), *args]) == 0
    book = (out / "grades.csv").read_text()
    capsys.readouterr()
    assert main([str(root), "--only", "s0", *args]) == 2
    err = capsys.readouterr().err
    assert "holds the gradebook of 2 submissions, 1 of them left out of this grade" in err and "--out DIR" in err
    assert main([str(root), "--skip", "s1", *args]) == 2 and (out / "grades.csv").read_text() == book
    assert main([str(root), "--only", "s0", "s1", *args]) == 0  # every listed one graded again: fine
    assert main([str(root), "--only", "s0", *args[:2], "--out", str(tmp_path / "some"), "--quiet", "--quick"]) == 0
    rows = [line.split(",")[0] for line in (tmp_path / "some" / "grades.csv").read_text().splitlines()]
    assert "s0" in rows and "s1" not in rows
    capsys.readouterr()
    assert main([str(root), "--only", "nobody", *args[:2], "--out", str(tmp_path / "none"), "--quiet"]) == 2
    assert 'no submission matches "nobody"' in capsys.readouterr().err and not (tmp_path / "none").exists()
