"""Examiner probe 23: logs as students hand them in. A sweep run on past its blow-up logs `nan` (one NaN at the end
threw an honest sweep log away); a shared log folder or a long CSV of several runs got a "confirmed" cause from
mixed data; the (epoch, batch-in-epoch) CSV was refused; Lightning's `lr-Adam` column was not read as the LR."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
import torch

from grader.evidence import compare, lr_against_log, plausible
from grader.schema import RangeTestClaim
from reference.config import RunConfig, range_test_config
from reference.loop import run
from reference.outputs import logs_from_result

P = 32  # mnist-5k's steps an epoch at batch 128


@pytest.fixture(scope="module")
def sweep(mnist5k) -> dict:
    """The examiner's SGD sweep, 1e-5 → 10 over 2 epochs of mnist-5k: the rerun stops where it diverges."""
    torch.set_num_threads(1)
    return run(range_test_config(start_lr=1e-5, end_lr=10.0, epochs=2, optimizer="sgd"), device="cpu", data=mnist5k)


@pytest.fixture(scope="module")
def honest(mnist5k) -> dict:
    torch.set_num_threads(1)
    return run(RunConfig(epochs=2, lr=0.05), device="cpu", data=mnist5k)


def _with_nan(logs, at: int):
    """The log with its train loss `nan` at step `at` (and the log cut after it, as a sweep that blew up ends)."""
    n = logs.step.index(at) + 1
    return replace(logs, step=logs.step[:n], lr=logs.lr[:n], train_loss=[*logs.train_loss[: n - 1], math.nan])


def test_a_sweep_logs_nan_past_its_divergence_and_stays_the_sweeps_log(sweep, mnist5k):
    """u-nan: one NaN at step 63, where the grader's own rerun stopped (smoothed loss > 4× best), made the log "not
    finite from step 63", not used, and the LR claim was judged against the rerun (FAIL 0/50); the same log without
    the NaN row passed against the student's own log. A sweep's NaN past its divergence is its blow-up: left out,
    with one sentence; a NaN inside the descent is still flagged."""
    stopped = sweep["diverged"]["step"]
    cfg = range_test_config(start_lr=1e-5, end_lr=10.0, epochs=2, optimizer="sgd", diverge_factor=None)
    student = logs_from_result(run(cfg, device="cpu", data=mnist5k))  # ran on to the sweep's end, no stop
    blown = _with_nan(student, stopped)  # its loss `nan` from the step where the rerun diverged
    cmp = compare(blown, sweep, 1000, sweep=True)
    assert cmp.nonfinite is None and cmp.matches and plausible(cmp), cmp.summary()
    assert cmp.blowup == (f"Left out: its last logged step (step {stopped}, LR {student.lr[stopped]:.3g}), whose "
                          "train loss is not finite, the sweep's blow-up past its divergence (the rerun of the claimed "
                          f"config diverged at step {stopped}), not a fault of the log")  # fmt: skip
    assert cmp.summary().startswith("The log matches the rerun") and cmp.summary().endswith(cmp.blowup + ".")
    # the log's own smoothed loss passed the divergence rule before its NaN (a loss of 1e4, then `nan`): the blow-up,
    # whatever the rerun did
    early = _with_nan(student, stopped - 1)
    early = replace(early, train_loss=[*early.train_loss[:-2], 1e4, math.nan])
    own = compare(early, {**sweep, "diverged": None}, 1000, sweep=True)
    assert own.matches and "its own smoothed loss had passed the divergence rule at step" in own.blowup
    # the claim read off the log is judged against it
    pick = blown.pick("valley")
    claim = RangeTestClaim(name="s", optimizer="sgd", start_lr=1e-5, end_lr=10.0, epochs=2, rule="valley",
                           claimed_lr=float(f"{pick:.3g}"))  # fmt: skip
    assert lr_against_log(claim, blown).ok
    # a NaN in the middle of the descent is no blow-up: flagged as before
    mid = replace(student, train_loss=[math.nan if s == 20 else v for s, v in zip(student.step, student.train_loss,
                                                                                   strict=True)])  # fmt: skip
    bad = compare(mid, sweep, 1000, sweep=True)
    assert bad.nonfinite == 20 and bad.blowup is None and not bad.matches
    assert bad.summary().startswith("Logged train loss is not finite from step 20")


def test_a_training_run_with_a_nan_is_still_flagged(honest):
    """The blow-up reading is a sweep's: a training run's NaN, even at its last step, is flagged as before."""
    logs = logs_from_result(honest)
    cmp = compare(_with_nan(logs, logs.step[-1]), honest, 1000)
    assert cmp.nonfinite == logs.step[-1] and cmp.blowup is None and not cmp.matches
