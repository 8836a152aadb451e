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
from reference.outputs import logs_from_result, write_csv
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
    data, notes = read({"range_test": [{"rule": "one decade below the minimum test loss"},
                                       {"rule": "Minimum validation loss / 10"}, {"rule": "min test loss"},
                                       {"rule": "min/10"}, {"rule": "min test loss", "curve": "train"}]})  # fmt: skip
    got = [(e["rule"], e.get("curve")) for e in data["range_test"]]
    assert got == [("min/10", "test"), ("min/10", "test"), ("min", "test"), ("min/10", None),
                   ("min test loss", "train")]  # fmt: skip  # a curve stated: the words are left to validation
    assert len(notes) == 3 and 'curve = "test"' in notes[0]


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
