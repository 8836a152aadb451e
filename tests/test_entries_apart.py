"""One bad entry fails only that entry (DEVELOPERS.md): an entry whose values the schema refuses is set apart at
load — the config check refuses it with its one line, the figures it claims lose their points, and the rest of the
submission is graded; a problem outside the entries still refuses the whole submission."""

from __future__ import annotations

import shutil
from pathlib import Path

from test_checks import rerun, submission, verdicts

from grader.grade import grade_class
from grader.load import load_submission
from grader.schema import Assignment, SetApart

ROOT = Path(__file__).resolve().parents[1]
HEAD = """
[student]
id = "s1"
name = "S"

[[range_test]]
name = "sweep"
optimizer = "sgd"
start_lr = 1e-5
end_lr = 10.0
rule = "min/10"
claimed_lr = 0.1
"""

TWO_BAD_SWEEPS = """
[[range_test]]
name = 7
optimizer = "sgd"
start_lr = 1e-5
end_lr = 10.0
rule = "min/10"
claimed_lr = 0.1

[[range_test]]
name = "sweep"
optimizer = "sgd"
start_lr = -1e-5
end_lr = 10.0
"""
ONE_BAD_RUN = """
[[run]]
name = "final"
optimizer = "sgd"
lr = 0.05
lerning_rate = 0.05
epochs = 30
claimed_test_accuracy = 0.97
"""


def _write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "submission.toml").write_text(text)
    return folder


def test_the_bundled_bad_values_submission_keeps_its_valid_sweep_and_names_each_bad_run():
    x = load_submission(ROOT / "submissions" / "s007-bad-values")
    assert x.error is None and [e.name for e in x.submission.range_test] == ["sgd-sweep"] and not x.submission.run
    apart = x.submission._apart
    assert list(apart) == ["sgd-warmup", "sgd-negative"]
    assert apart["sgd-warmup"].why.startswith("run[0].schedule: unknown scheduler 'warmup'")
    assert "run[1].lr: must be > 0, got -0.01" in apart["sgd-negative"].why
    assert "run[1].lerning_rate: unknown key" in apart["sgd-negative"].why


def test_a_problem_outside_the_entries_still_refuses_the_whole_submission(tmp_path):
    bad_setup = HEAD + '\n[setup]\nbatch_size = "a hundred"\n'
    x = load_submission(_write(tmp_path / "a", bad_setup))
    assert x.submission is None and "setup.batch_size" in x.error
    repeated = HEAD + '\n[[run]]\nname = "sweep"\noptimizer = "sgd"\nlr = 0.05\nepochs = 30\n'
    x = load_submission(_write(tmp_path / "b", repeated))
    assert x.submission is None and "unique" in x.error


def test_an_entry_is_keyed_by_its_position_where_its_name_is_bad_or_taken(tmp_path):
    text = HEAD + TWO_BAD_SWEEPS
    apart = load_submission(_write(tmp_path / "a", text)).submission._apart
    assert list(apart) == ["range_test[1]", "range_test[2]"]
    assert apart["range_test[1]"].claims == ("claimed_lr",) and "range_test[1].name" in apart["range_test[1]"].why
    assert "range_test[2].start_lr" in apart["range_test[2]"].why


def test_a_refused_entry_loses_the_points_of_the_figures_it_claims_and_nothing_else():
    """The claimed figures of a refused entry are not earned (an unreadable entry must not cost less than a claim
    that fails); its section's other entries are graded as usual."""
    sub = submission(claimed_test_accuracy=0.95, claimed_test_loss=0.17)
    sub._apart["typo"] = SetApart("run", "run[1].lerning_rate: unknown key", ("claimed_test_accuracy",))
    v = verdicts(sub, rerun())
    assert v[("config", "typo")].status == "fail" and "lerning_rate" in v[("config", "typo")].message
    assert v[("config", "submission")].status == "fail"
    lost = v[("accuracy_claim", "typo")]
    assert lost.status == "fail" and lost.points == 0 and lost.max_points == 2.0
    assert ("loss_claim", "typo") not in v  # it claims no loss
    assert v[("accuracy_claim", "const")].status == "pass" and v[("lr_claim", "sweep")].status == "pass"


def test_a_valid_entry_outside_the_assignment_loses_its_claims_too():
    """Before: a run of 100 epochs (> max_epochs) was refused at the cost of the config point only, its claims
    dropped from the total — cheaper than a claim that fails."""
    sub = submission(claimed_test_accuracy=0.95, claimed_test_loss=0.17)
    long = sub.run[0].model_copy(update={"name": "long", "epochs": 100})
    sub = sub.model_copy(update={"run": [*sub.run, long]})
    v = verdicts(sub, rerun())
    assert v[("accuracy_claim", "long")].max_points == 2.0 and v[("accuracy_claim", "long")].points == 0
    assert v[("loss_claim", "long")].max_points == 1.0


def test_a_required_section_whose_every_entry_is_refused_is_charged_once_and_said_so(tmp_path):
    """Graded end to end: the sweep is judged against the committed seeds of its config (no rerun), the one run is
    set apart; the required [[run]] section loses one entry's worth, said as refused rather than missing."""
    text = HEAD + ONE_BAD_RUN
    shutil.copy(ROOT / "submissions" / "assignment.toml", tmp_path / "assignment.toml")
    _write(tmp_path / "s1", text)
    result = grade_class(tmp_path, out=None, quick=True, cache_dir=tmp_path / "cache")
    (student,) = result.students
    by = {(c.check, c.subject): c for c in student.checks}
    assert student.error is None and by[("lr_claim", "sweep")].status == "pass"
    assert "lerning_rate" in by[("config", "final")].message
    assert "refuses every [[run]] entry" in by[("accuracy_claim", "[[run]]")].message
    assert ("accuracy_claim", "final") not in by  # charged once, by the section
    assert "no [[run]] entry the check accepts" in by[("config", "submission")].message
    assert 0 < student.total < 100


def test_a_course_config_py_with_a_bad_value_is_still_refused_whole(tmp_path):
    """A config.py holds one config: the file is the entry, refused with the hint to write a submission.toml."""
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "config.py").write_text("BATCH_SIZE = 128\nNUM_EPOCHS = 30\nLEARNING_RATE = -0.1\n")
    x = load_submission(tmp_path / "c")
    assert x.submission is None and "never run" in x.error, x.error
    assert Assignment  # the schema the file is read against


def test_an_upload_with_one_bad_entry_is_graded_on_both_platforms(tmp_path):
    """Uploaded, the bundled s007 is a graded result — its sweep's points earned, each bad run a failed config
    test with its line — not `gradable: false` or a score of 0 with one line."""
    from grader.autograde import autograde

    folder = ROOT / "submissions" / "s007-bad-values"
    for platform, inner in (("gradescope", "submission"), ("prairielearn", "student")):
        root = tmp_path / platform
        shutil.copytree(folder, root / inner)
        shutil.copy(ROOT / "submissions" / "assignment.toml", tmp_path / "assignment.toml")
        data = autograde(platform, root, tmp_path / "assignment.toml", cache_dir=tmp_path / "cache")
        tests = {t["name"]: t for t in data["tests"]}
        refused = next(t for name, t in tests.items() if name.startswith("config · sgd-warmup"))
        earned = next(t for name, t in tests.items() if name.startswith("lr_claim · sgd-sweep"))
        if platform == "gradescope":
            assert "unknown scheduler 'warmup'" in refused["output"] and earned["score"] == earned["max_score"] > 0
            assert data["score"] == 33.33
        else:
            assert data["gradable"] is True and "unknown scheduler 'warmup'" in refused["message"]
            assert earned["points"] == earned["max_points"] > 0 and data["score"] == 0.3333


def test_an_entry_set_apart_for_its_name_keeps_the_rest_readable(tmp_path):
    """fuzz.py seed 0 #3211: a set-apart entry named by a list crashed the loader (its printed claims were looked
    up by name, and a list is no key)."""
    text = HEAD + '\n[[run]]\nname = ["a"]\noptimizer = "sgd"\nlr = 0.05\nepochs = 30\nclaimed_test_accuracy = 0.9\n'
    x = load_submission(_write(tmp_path / "s1", text))
    assert x.internal is None and x.error is None and list(x.submission._apart) == ["run[0]"]


def test_a_course_config_whose_lr_is_past_floats_range_is_one_line(tmp_path):
    """fuzz.py seed 0 #4296: an integer LR past float's range beside a growing scheduler (read as a range test)
    raised OverflowError inside the reader."""
    (tmp_path / "c").mkdir()
    growing = 'LR_SCHEDULER = dict(type="StepLR", step_size=1, gamma=2.0)\n'
    huge = f"LEARNING_RATE = {'9' * 400}\n"
    (tmp_path / "c" / "config.py").write_text(f"BATCH_SIZE = 128\nNUM_EPOCHS = 10\n{huge}{growing}")
    x = load_submission(tmp_path / "c")
    assert x.internal is None and x.error and "lr" in x.error, (x.internal, x.error)


def test_every_entry_set_apart_keeps_a_key_of_its_own(tmp_path):
    """Examiner probe 20: a valid run named "run[1]" vanished behind a set-apart entry keyed "run[1]", and of two bad
    entries keyed alike one was overwritten (one refusal, one set of claims charged)."""
    run = '\n[[run]]\nname = "{}"\noptimizer = "sgd"\nlr = {}\nepochs = 30\nclaimed_test_accuracy = 0.9\n'
    text = HEAD + run.format("run[1]", 0.05) + run.format("sweep", -1) + run.format("x" * 101, -1)
    x = load_submission(_write(tmp_path / "s1", text))
    assert [r.name for r in x.submission.run] == ["run[1]"]
    assert sorted(x.submission._apart) == ["run[1]#2", "run[2]"]


def test_a_refused_entry_owes_its_claims_however_spelt_and_its_baseline_where_it_stands_alone():
    """Examiner probe 20: a failing run's claims written `claimed_test_acc` / `claimed_loss` set the run apart and
    escaped the charge (88.89 against 78.57 stated right); a refused run that is its optimizer's only one dropped its
    baseline from the total; a stray claimed_lr on a run was charged as an LR claim."""
    from grader.load import _owed

    assert _owed("run", {"claimed_test_acc": 0.9, "claimed_loss": 0.5, "claimed_lr": 0.1}) == (
        "claimed_test_accuracy", "claimed_test_loss")  # fmt: skip
    assert _owed("range_test", {"claimed_LR": 0.1}) == ("claimed_lr",) and _owed("run", {"lr": 1}) == ()
    sub = submission(claimed_test_accuracy=0.95, claimed_test_loss=0.17)
    sub._apart["adam-run"] = SetApart("run", "run[1].claimed_test_acc: unknown key", (), "adam")
    v = verdicts(sub, rerun())
    assert {c for c, s in v if s == "adam-run"} == {"config", "accuracy_claim", "loss_claim", "baseline"}
    assert "its optimizer's only run" in v[("baseline", "adam-run")].message
    sub._apart["sgd-run"] = SetApart("run", "run[2].lr: must be > 0", (), "sgd")  # sgd has an accepted run
    assert {c for c, s in verdicts(sub, rerun()) if s == "sgd-run"} == {"config"}


def test_a_valid_entry_quotes_its_own_digits_not_a_set_apart_twins(tmp_path):
    """Examiner probe 20: a valid claim 0.9750 beside a set-apart entry of the same name printing 1.0 was quoted
    "the claim: 1.0" with that text's tolerance."""
    run = '\n[[run]]\nname = "final"\noptimizer = "sgd"\nlr = {}\nepochs = 30\nclaimed_test_accuracy = {}\n'
    x = load_submission(_write(tmp_path / "s1", HEAD + run.format(0.05, "0.9750") + run.format(-1, "1.0")))
    (final,) = x.submission.run
    assert final.printed("claimed_test_accuracy") == "0.9750" and list(x.submission._apart) == ["run[1]"]


def test_a_schedule_the_grader_cannot_rerun_leaves_its_claims_pending_not_lost():
    """T_max = 10 on a 30-epoch cosine is an honest torch schedule (restarts) that no schedule of the grader's
    expresses: a limit of the grader's, so its entry's claims are pending review (examiner probe 19's cosT: FAIL
    33.33 with them charged; now UNVERIFIED 44.44, 55.56 pending), the config point kept."""
    from grader.results import StudentResult

    sub = submission(claimed_test_accuracy=0.95, claimed_test_loss=0.17)
    why = "run[1].schedule.T_max: torch's T_max, which the rerun sets from the run"
    sub._apart["restarts"] = SetApart("run", why, ("claimed_test_accuracy",), "adam", unsupported=True)
    v = verdicts(sub, rerun())
    assert v[("config", "restarts")].status == "skip" and v[("config", "submission")].status == "pass"
    pending = [c for (check, s), c in v.items() if s == "restarts" and check != "config"]
    assert {c.check for c in pending} == {"accuracy_claim", "loss_claim", "baseline"}
    assert all(c.status == "skip" and c.pending and c.why == "unsupported" for c in pending)
    student = StudentResult("s1", "s1", "S", checks=list(v.values()))
    assert student.claims == (3, 5)  # its two claims made and not checked: a verdict counts them (UNVERIFIED_BELOW)


def test_a_refused_setup_still_names_each_entry_the_file_refuses(tmp_path):
    """A submission whose model is not the assignment's, with a misspelt key in one run: the setup's line said
    "nothing is rerun", and the run's own fault was not said at all — the student learnt of it only after fixing
    the model. Both are said now, each once. And it scored 50/100: its entries' claims left the total (only the
    config point and a plausibility "pass" over figures nothing checked were counted); each entry is refused for
    the setup now, its claims not earned, as a refused entry's are, and plausibility checks nothing: a skip."""
    text = HEAD.replace("[student]", '[setup]\nmodel = "resnet18"\n\n[student]', 1) + ONE_BAD_RUN
    shutil.copy(ROOT / "submissions" / "assignment.toml", tmp_path / "assignment.toml")
    _write(tmp_path / "s1", text)
    result = grade_class(tmp_path, out=None, quick=True, cache_dir=tmp_path / "cache")
    (student,) = result.students
    by = {(c.check, c.subject): c for c in student.checks}
    summary = by[("config", "submission")].message
    assert "model 'resnet18' is not the assignment's" in summary and "nothing is rerun" in summary
    assert "lerning_rate" in by[("config", "final")].message and summary.count("lerning_rate") == 1
    assert "the submission's model 'resnet18'" in by[("config", "sweep")].message and summary.count("resnet18") == 1
    assert by[("plausibility", "submission")].status == "skip"
    assert student.total == 0
