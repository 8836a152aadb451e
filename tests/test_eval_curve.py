"""An LR picked on the test loss (`curve = "test"`): seed 000's own method ("we have to compare the learning rate
versus test loss"; its "min @ 4.22K step" is the end of epoch 9). Examiner probe 21: such honest claims failed
against the train loss with "no known cause matched", and the rule stated in the report's words was refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch

from grader.aliases import read
from grader.grade import grade_class
from reference.config import range_test_config
from reference.loop import run
from reference.outputs import Logs, logs_from_result, write_csv
from reference.rules import RULES, eval_curve

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sweep(mnist5k) -> dict:
    """An honest student's sweep, 1e-6 → 1 over 10 epochs of mnist-5k at seed 401 (the grader reruns seed 0)."""
    torch.set_num_threads(1)
    return run(range_test_config(start_lr=1e-6, end_lr=1.0, epochs=10, seed=401), device="cpu", data=mnist5k)


def test_the_test_curve_is_one_point_per_evaluation_at_the_lr_it_was_reached(sweep):
    lrs, losses = eval_curve(sweep)
    assert len(lrs) == len(sweep["epochs"]) == 10
    assert lrs == [sweep["lr"][e["step"] - 1] for e in sweep["epochs"]]
    assert losses == [e["test_loss"] for e in sweep["epochs"]]


def test_a_rule_worded_on_the_test_loss_reads_as_the_rule_on_that_curve():
    words = [
        "one decade below the minimum test loss",
        "Minimum validation loss / 10",
        "min test loss",
        "min/10",
        "one order lower than the learning rate where test loss is minimum",  # seed 000, near verbatim
        "one decade below the minimum",
        "one decade below the minimum loss",
    ]  # probe 22: on the train loss
    data, notes = read({"range_test": [*({"rule": w} for w in words), {"rule": "min test loss", "curve": "train"},
                                       {"rule": "min/10 test", "curve": "test"}]})  # fmt: skip
    got = [(e["rule"], e.get("curve")) for e in data["range_test"]]
    assert got == [("min/10", "test"), ("min/10", "test"), ("min", "test"), ("min/10", None), ("min/10", "test"),
                   ("min/10", None), ("min/10", None),
                   ("min test loss", "train"),  # another curve stated: the words are left to validation
                   ("min/10", "test")]  # fmt: skip
    assert len(notes) == 7 and 'curve = "test"' in notes[0] and "curve" not in notes[4]


def _entry(name: str, claimed: float, extra: str = "") -> str:
    return (f'[[range_test]]\nname = "{name}"\noptimizer = "sgd"\nstart_lr = 1e-6\nend_lr = 1.0\nepochs = 10\n'
            f"claimed_lr = {claimed:.4g}\n{extra}")  # fmt: skip


def test_honest_test_loss_picks_are_graded_as_meant(sweep, tmp_path):
    """Picks on the student's own test loss: judged against the log, or the rerun's test loss without one, or read
    from the report's words; left unstated, the failing claim names the curve it was picked on; a claim 30× off
    still fails."""
    pick = RULES["min/10"](*eval_curve(sweep)).value
    shutil.copy(ROOT / "submissions" / "assignment.toml", tmp_path / "assignment.toml")
    students = {
        "logged": _entry("s", pick, 'rule = "min/10"\ncurve = "test"\nlogs = "sweep.csv"\n'),
        "nologs": _entry("s", pick, 'rule = "min/10"\ncurve = "test"\n'),
        "words": _entry("s", pick, 'rule = "one decade below the minimum test loss"\n'),
        "unstated": _entry("s", pick, 'rule = "min/10"\nlogs = "sweep.csv"\n'),
        "wrong": _entry("s", pick * 30, 'rule = "min/10"\ncurve = "test"\n'),
        "left": _entry("s", pick, 'rule = "min/10"\ncurve = "test"\nlogs = "sweep.csv"\n').replace("claimed_lr", "#"),
    }
    for sid, entry in students.items():
        (tmp_path / sid).mkdir()
        (tmp_path / sid / "submission.toml").write_text(f'[student]\nid = "{sid}"\nname = "{sid}"\n{entry}')
        write_csv(logs_from_result(sweep), tmp_path / sid / "sweep.csv")
    result = grade_class(tmp_path, out=None, quick=True, cache_dir=tmp_path / "cache")
    lr = {s.id: next(c for c in s.checks if c.check == "lr_claim") for s in result.students}
    assert lr["logged"].status == "pass" and "your log's test loss" in lr["logged"].message
    for sid in ("nologs", "words"):
        assert lr[sid].status == "pass" and "on the rerun's test loss" in lr[sid].message, lr[sid].message
    nologs = next(s for s in result.students if s.id == "nologs")
    assert nologs.runs[0].result is not None and not nologs.runs[0].seeds  # rerun: the seeds hold train-loss picks
    assert lr["unstated"].status == "fail" and lr["unstated"].diagnosis["pitfall"] == "test-loss-pick"
    assert lr["unstated"].diagnosis["confidence"] == "medium" and 'curve = "test"' in lr["unstated"].diagnosis["cause"]
    assert lr["wrong"].status == "fail"
    # left to the log: read off its test loss (it was the train loss's pick, 0.6 decades away, passing by one
    # evaluation's LR step only)
    left = next(s for s in result.students if s.id == "left")
    assert lr["left"].status == "pass" and lr["left"].claimed == pytest.approx(pick, rel=1e-6), lr["left"].message
    assert "rule 'min/10' on the logged test loss of each evaluation" in " ".join(left.warnings)


def test_a_rerun_that_stops_before_three_evaluations_leaves_the_claim_pending(mnist5k, tmp_path):
    """Examiner probe 22: seed 000's staircase on the test loss, rerun on mnist-5k, diverged after 2 evaluations —
    ERROR 0 points ("too few to apply rule"), and with the student's own log of 6 evaluations too. Without a log it
    is pending review; a log is read at the LRs of the claimed config's own table, however short the rerun."""
    from grader.evidence import eval_lrs, lr_against_log
    from grader.plan import sweep_lrs
    from grader.schema import RangeTestClaim
    from reference.optim import lr_table

    shutil.copy(ROOT / "submissions" / "assignment.toml", tmp_path / "assignment.toml")
    entry = ('[[range_test]]\nname = "ms"\noptimizer = "sgd"\nstart_lr = 0.3\nshape = "staircase"\ngamma = 1.5\n'
             'stair_steps = 16\nepochs = 10\nrule = "min/10"\ncurve = "test"\nclaimed_lr = 0.03\n')  # fmt: skip
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "submission.toml").write_text(f'[student]\nid = "s"\nname = "s"\n{entry}')
    result = grade_class(tmp_path, out=None, quick=True, cache_dir=tmp_path / "cache")
    (student,) = result.students
    (lr,) = [c for c in student.checks if c.check == "lr_claim"]
    assert len(eval_curve(student.runs[0].result)[0]) < 3  # the rerun diverged in its second epoch
    assert lr.status == "skip" and lr.pending > 0 and "after 2 evaluation(s)" in lr.message, lr.message
    rt = RangeTestClaim(name="ms", optimizer="sgd", start_lr=0.3, shape="staircase", gamma=1.5, stair_steps=16,
                        rule="min/10", curve="test", claimed_lr=0.03)  # fmt: skip
    cfg = range_test_config(**sweep_lrs(rt, 320), epochs=10)
    table, at = lr_table(cfg, 32), eval_lrs(cfg)
    assert at == {e: table[32 * e - 1] for e in range(1, 11)}  # every epoch of the claim, not the rerun's two
    losses = [0.6, 0.45, 0.35, 0.5, 0.9, 2.0]  # the student's log: six epochs before it diverged (test loss)
    log = Logs("sweep.csv", [], [], [], list(range(1, 7)), losses, [0.9] * 6)
    v = lr_against_log(rt.model_copy(update={"claimed_lr": float(f"{at[3] / 10:.4g}")}), log, at)
    assert v is not None and v.ok, v


def test_a_claim_the_logs_own_train_loss_gives_is_not_called_a_test_loss_pick(sweep):
    """diagnosis_power (double-softmax-02): a double-softmax sweep's steepest pick was the same on its train and its
    test loss, and the failing claim — the student's honest train-loss pick of a run unlike the rerun — was named
    `test-loss-pick` (medium). Where the rule on the log's own train loss gives the claim, that is not the cause."""
    from dataclasses import replace

    from grader.diagnoses import Case, test_loss_pick
    from grader.schema import RangeTestClaim
    from reference.rules import smooth

    logs, cfg = logs_from_result(sweep), range_test_config(start_lr=1e-6, end_lr=1.0, epochs=10)
    lrs, losses = eval_curve(sweep)
    m = min(range(len(losses)), key=losses.__getitem__)
    claim = RangeTestClaim(name="s", optimizer="sgd", start_lr=1e-6, end_lr=1.0, epochs=10, rule="min/10",
                           claimed_lr=float(f"{lrs[m] / 10:.4g}"))  # the rule on the log's test loss  # fmt: skip
    case = Case("lr_claim", claim, cfg, sweep, None, logs)
    assert test_loss_pick(case).pitfall == "test-loss-pick"  # the test loss alone gives it: named
    at = sweep["epochs"][m]["step"] - 1  # the train loss's lowest point moved to that evaluation's step
    train = [v * 0.5 if s == at else 10.0 if s > at else v for s, v in enumerate(logs.train_loss)]
    both = replace(logs, train_loss=train)
    assert abs(RULES["min/10"](both.lr, smooth(train, 0.98)).value / (lrs[m] / 10) - 1) < 1e-3
    assert test_loss_pick(replace(case, logs=both)) is None  # its own train loss gives it too: not this cause
