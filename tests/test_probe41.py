"""Examiner probe 41: students whose configs are committed configs, judged against the committed seeds.

- A quick grade left an honest logged claim pending ("the full grade compares the log's epoch 30") where the same claim
  without logs was judged against the committed seeds and passed: handing in logs cost the night-before self-check.
- A figure read from a log copied from another config passed against the seeds (100/100), though the logs check found
  the log is not the claimed config's: a log the rerun contradicts judges nothing, so its figures are pending review.
- The course sweeps' `steepest` picks: seed 5 picked each sweep's first LR, 1e-6, which widened the tolerance of every
  course-template LR claim to 4.75 decades (a claim 100× off passed)."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from grader.context import load_baselines
from grader.grade import grade_class
from reference.config import RunConfig
from reference.loop import run
from reference.outputs import logs_from_result, write_csv
from reference.rules import steepest

BUNDLED = Path(__file__).resolve().parents[1] / "submissions"
BASE = load_baselines("mnist-5k")
MNIST5K = next(b for b in BASE if b["name"] == "mnist-5k")
SGD_RUN = MNIST5K["runs"]["sgd-multistep"]["config"]  # a committed config: SGD 0.0506, MultiStep [15, 25], 30 epochs

RUN = {
    "sgd": 'optimizer = "sgd"\nmomentum = 0.9\nlr = 0.0506\n'
    'schedule = { name = "multistep", milestones = [15, 25], gamma = 0.1 }\n',
    "adam": 'optimizer = "adam"\nlr = 0.0011\n',  # the committed adam-constant config
}


@pytest.fixture(scope="module")
def honest_log(tmp_path_factory, mnist5k) -> tuple[Path, dict]:
    """An honest student's own 30-epoch run of the committed sgd-multistep config at a seed no reference uses."""
    where = tmp_path_factory.mktemp("probe41") / "log.csv"
    own = run(RunConfig(**{**SGD_RUN, "seed": 4101}), device="cpu", data=mnist5k)
    write_csv(logs_from_result(own), where)
    return where, own["final"]


def grade(tmp_path: Path, log: Path, run_of: str, claims: str, quick: bool):
    root = tmp_path / "class"
    (root / "s").mkdir(parents=True)
    shutil.copy(BUNDLED / "assignment.toml", root / "assignment.toml")
    shutil.copy(log, root / "s" / "log.csv")
    (root / "s" / "submission.toml").write_text(
        f'[student]\nid = "s"\nname = "S"\n[setup]\ndataset = "mnist-5k"\n[[run]]\nname = "final"\n{RUN[run_of]}'
        f'epochs = 30\nrole = "final"\n{claims}logs = "log.csv"\n'
    )
    (s,) = grade_class(root, out=None, quick=quick, jobs=1, cache_dir=tmp_path / "cache").students
    return {c.check: c for c in s.checks if c.subject == "final"}


@pytest.mark.slow
def test_a_logged_claim_on_a_committed_config_is_judged_by_the_seeds_in_a_quick_grade(honest_log, tmp_path):
    log, final = honest_log
    claims = f"claimed_test_accuracy = {final['test_accuracy']:.4f}\nclaimed_test_loss = {final['test_loss']:.4f}\n"
    checks = grade(tmp_path, log, "sgd", claims, quick=True)
    for check in ("accuracy_claim", "loss_claim"):
        c = checks[check]
        assert (c.status, c.points) == ("pass", c.max_points) and c.pending == 0 and c.why != "quick", c.message
        assert "committed reference seeds of this exact config" in c.message


@pytest.mark.slow
def test_a_figure_read_from_a_log_the_rerun_contradicts_is_pending_not_passed(honest_log, tmp_path):
    log, _ = honest_log  # an SGD log handed in for the committed Adam config: the logs check finds the LRs differ
    checks = grade(tmp_path, log, "adam", "", quick=True)
    assert checks["logs"].status in ("warn", "fail") and "does not match the claimed config" in checks["logs"].message
    for check in ("accuracy_claim", "loss_claim"):
        c = checks[check]
        assert (c.status, c.why, c.points) == ("skip", "unwritten", 0.0) and c.pending > 0, c.message
        assert c.message.startswith("Not written in submission.toml: this test") and "to credit" in c.message


def test_steepest_skips_the_sweeps_first_tenth():
    """One batch's noise at a flat start is the steepest slope of a fine sweep: the first LR was picked."""
    lrs = np.logspace(-6, 0, 4690)
    loss = 2.3 - 2.2 / (1 + np.exp(-(np.log10(lrs) + 2.7) * 4))  # the descent centred at 2e-3
    loss[1:] -= 0.004  # the second step's batch a little easier: a drop of 0.004 over 0.0013 decades
    assert math.log10(steepest(lrs, loss).lr) == pytest.approx(-2.7, abs=0.02)


def test_no_committed_steepest_pick_lies_in_its_sweeps_first_tenth():
    for b in BASE:
        for opt, rt in b["range_tests"].items():
            lo, hi = rt["config"]["lr"], rt["config"]["schedule"]["end_lr"]
            for pick in rt["picks"]["steepest"]:
                assert math.log(pick / lo) / math.log(hi / lo) >= 0.1, (b["name"], opt, pick)


def test_a_logs_row_says_what_was_compared():
    """Examiner probe 40 (F5): a log compared on its LR table alone read "The log matches the rerun", and one whose
    rerun reached 1 of its 30 epochs read "… test metrics within the seed noise of this config"."""
    from grader.evidence import Comparison

    table_only = Comparison(steps=0, epochs=0, band="no band", lr_steps=96)
    assert table_only.matches
    assert table_only.summary().startswith("The log matches the rerun on its LR table only: LR table exact")
    one_epoch = Comparison(steps=32, epochs=1, band="the 20 committed seeds' band")
    said = one_epoch.summary()
    assert "smoothed train loss over 32 steps and test metrics of 1 epoch(s) within the seed noise" in said, said
    no_test = Comparison(steps=32, epochs=0, band="b").summary()
    assert no_test.endswith("within the seed noise of this config (b; no test metrics compared).")


def test_an_lr_claim_judged_on_a_rerun_says_what_it_can_tell_apart(tmp_path):
    """Examiner probe 40 (F5): the seeds' path said "Only a pick ≥ … is flagged 95 % of the time"; the rerun's
    did not."""
    from reference.tolerances import Z_DETECT

    root = tmp_path / "class"
    (root / "s").mkdir(parents=True)
    shutil.copy(BUNDLED / "assignment.toml", root / "assignment.toml")
    (root / "s" / "submission.toml").write_text(
        '[student]\nid = "s"\nname = "S"\n[setup]\ndataset = "mnist-5k"\n[[range_test]]\nname = "sweep"\n'
        'optimizer = "sgd"\nmomentum = 0.9\nstart_lr = 1e-5\nend_lr = 3.0\nepochs = 2\nrule = "steepest"\n'
        "claimed_lr = 0.05\n"
    )
    (s,) = grade_class(root, out=None, quick=True, jobs=1, cache_dir=tmp_path / "cache").students
    c = next(c for c in s.checks if c.check == "lr_claim")
    assert "on the rerun's curve picks" in c.message and c.status in ("pass", "warn", "fail"), c.message
    mde = c.tolerance * (1 + Z_DETECT / 2.6)  # k_lr of the bundled assignment
    assert f"Only a pick ≥ {mde:.2f} decades (×{10**mde:.1f}) off is flagged 95 % of the time" in c.message
