"""Logs that hold only some optimizer steps, as students write them (examiner probe 9): a SummaryWriter call every
10 iterations, a CSV row every 5 with 1-based global steps. The claim read off such a log is honest, and so is
the log."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
import torch

from grader.evidence import Reading, Scope, Shift, compare, lr_against_log
from grader.schema import RangeTestClaim
from reference.config import RunConfig, ScheduleConfig, range_test_config
from reference.loop import run
from reference.outputs import Logs
from reference.rules import RULES, smooth, smooth_steps


@pytest.fixture(scope="module")
def sweep(mnist5k) -> dict:
    """The student's Adam sweep, 1e-6 → 1 over 8 epochs of mnist-5k (seed 23), every step."""
    torch.set_num_threads(1)
    cfg = range_test_config(start_lr=1e-6, end_lr=1.0, epochs=8, optimizer="adam", seed=23)
    return run(cfg, device="cpu", data=mnist5k)


def every(result: dict, k: int, first: int = 0) -> Logs:
    """The log of `result` holding every k-th step from `first` (numbered 0-based), as a student writes it."""
    n = min(len(result["lr"]), len(result["train_loss"]))
    steps = list(range(first, n, k))
    return Logs("logs", steps, [result["lr"][s] for s in steps], [result["train_loss"][s] for s in steps])


def test_smoothing_a_sparse_log_spans_the_steps_not_the_points():
    losses = [2.0 - 0.01 * i for i in range(100)]
    assert smooth_steps(list(range(100)), losses, 0.98) == pytest.approx(smooth(losses, 0.98))  # every step: smooth
    sparse = smooth_steps(list(range(0, 100, 10)), losses[::10], 0.98)
    per_point = smooth(losses[::10], 0.98)
    # a falling loss: the per-step average lags ~50 steps (~0.5 here); per logged point it lags ~50 points (500 steps)
    assert abs(sparse[-1] - smooth(losses, 0.98)[-1]) < 0.05 < abs(per_point[-1] - smooth(losses, 0.98)[-1])


@pytest.mark.parametrize("rule", ["steepest", "min/10"])
def test_a_claim_read_off_the_full_sweep_passes_against_its_log_every_10_steps(sweep, rule):
    """The student read the pick off their run (every step, the reference's smoothing) and logged every 10th step:
    the claim failed at 0.22–0.34 decades (the log smoothed once per point, a 10× longer window)."""
    pick = RULES[rule](sweep["lr"], smooth(sweep["train_loss"], 0.98)).value
    claim = RangeTestClaim(name="s", optimizer="adam", start_lr=1e-6, end_lr=1.0, epochs=8, rule=rule,
                           claimed_lr=float(f"{pick:.3g}"))  # fmt: skip
    sparse = every(sweep, 10)
    v = lr_against_log(claim, sparse)
    assert v is None or v.ok, v.message  # borne out by the log, or no evidence against it (the rerun judges)
    if rule == "steepest":  # why a sparse log's miss cannot decide: its pick strays past one logged LR step
        stray, step = abs(math.log10(sparse.pick(rule) / pick)), abs(math.log10(sparse.lr[1] / sparse.lr[0]))
        assert stray > step
    full = lr_against_log(claim, every(sweep, 1))
    assert full is not None and full.ok  # the whole curve logged: the log decides, and bears the claim out
    wrong = claim.model_copy(update={"claimed_lr": float(f"{pick * 3:.3g}")})
    assert not lr_against_log(wrong, every(sweep, 1)).ok  # a misread pick against the whole curve still fails


def test_a_log_every_5_steps_counted_from_1_is_the_claimed_table(mnist5k):
    """A CSV row every 5 iterations with 1-based global steps (5, 10, …): "logged LR 0.0465 at step 160 where the
    claimed config gives 0.04534: the log does not match the claimed config" (high confidence, confirmed)."""
    cfg = RunConfig(epochs=2, lr=0.05, schedule=ScheduleConfig(name="cosine", cadence="step"), seed=3)
    mine = run(cfg, device="cpu", data=mnist5k)
    logged = every(mine, 5, first=4)
    one_based = replace(logged, step=[s + 1 for s in logged.step])  # as written: global steps counted from 1
    cmp = compare(one_based, mine, 1000)
    assert cmp.lr is None and cmp.reading == Reading(Shift.ONE_BASED) and cmp.matches, cmp.summary()
    assert "its steps counted from 1" in cmp.summary() and "logged every 5 steps" in cmp.summary()
    assert "train loss over" not in cmp.summary()  # a 1-step "comparison" of the train loss is none
    shifted = replace(one_based, lr=[v * 1.5 for v in one_based.lr])  # another config's LRs are another config's
    assert compare(shifted, mine, 1000).lr is not None
    assert math.isfinite(mine["final"]["test_accuracy"])


# ---------------------------------------------------------------- examiner probe 15: a scalar logged once an epoch


@pytest.fixture(scope="module")
def stepped(mnist5k) -> dict:
    """A MultiStepLR run (×0.1 at epochs 1 and 2) of 3 epochs of 32 steps: its LR changes at epochs' starts."""
    torch.set_num_threads(1)
    sched = ScheduleConfig(name="multistep", milestones=(1, 2), gamma=0.1)
    return run(RunConfig(epochs=3, lr=0.05, schedule=sched), device="cpu", data=mnist5k)


def _tb(folder, loss: dict[int, float], lr: dict[int, float], tests: dict[int, tuple[float, float]]) -> None:
    from torch.utils.tensorboard import SummaryWriter

    with SummaryWriter(str(folder)) as w:
        for x, v in loss.items():
            w.add_scalar("Loss/train", v, x)
        for x, v in lr.items():
            w.add_scalar("LR/train", v, x)
        for x, (tl, ta) in tests.items():
            w.add_scalar("Loss/test", tl, x)
            w.add_scalar("Accuracy/test", ta, x)


@pytest.mark.parametrize("numbered, after", [(1, False), (1, True), (0, False), (0, True)])
def test_an_lr_logged_once_an_epoch_is_read_as_each_epochs_lr(stepped, tmp_path, numbered, after):
    """`writer.add_scalar("LR/train", scheduler.get_last_lr()[0], epoch)` beside a train loss at the optimizer step:
    the epoch numbers 1–30 were read as optimizer steps, the honest MultiStepLR log "does not match the claimed
    config" with a per-step-scheduler cause "confirmed by a rerun". Epochs numbered from 0 or 1, the LR read before
    or after scheduler.step(): each is the claimed table, once an epoch."""
    from grader.logs import read_logs

    per, lrs = 32, stepped["lr"]
    table = lambda i: lrs[min(i, 2) * per] * (0.1 if i > 2 else 1.0)  # noqa: E731 — epoch index i's LR (past: ×1)
    lr = {e: table(e - numbered + after) for e in range(numbered, 3 + numbered)}
    tests = {e["epoch"]: (e["test_loss"], e["test_accuracy"]) for e in stepped["epochs"]}
    _tb(tmp_path / "tb", dict(enumerate(stepped["train_loss"])), lr, tests)
    notes: list[str] = []
    logs = read_logs(tmp_path, "tb", epochs=3, per_epoch=per, notes=notes)
    assert logs.lr_epoch == per and any("the LR is logged once an epoch" in n for n in notes), notes
    cmp = compare(logs, stepped, 1000)
    assert cmp.matches and cmp.reading.per_epoch and "logged once an epoch" in cmp.summary(), cmp.summary()
    wrong = replace(logs, lr=[v * 0.5 if math.isfinite(v) and v < 0.05 else v for v in logs.lr])  # γ 0.05, not 0.1
    assert compare(wrong, stepped, 1000).lr is not None


def test_a_train_loss_logged_once_an_epoch_is_not_compared_step_by_step(stepped, tmp_path):
    """The epoch's mean train loss at the epoch's number, the LR at every step (refused: "they cannot be lined up"),
    or no LR at all (its 30 means read as the first 30 steps' losses: "does not match … same LR table")."""
    from grader.logs import read_logs

    tests = {e["epoch"]: (e["test_loss"], e["test_accuracy"]) for e in stepped["epochs"]}
    means = {e: sum(stepped["train_loss"][(e - 1) * 32 : e * 32]) / 32 for e in (1, 2, 3)}
    for lr in (dict(enumerate(stepped["lr"])), {}):
        folder = tmp_path / f"tb{len(lr)}"
        _tb(folder, means, lr, tests)
        notes: list[str] = []
        logs = read_logs(tmp_path, folder.name, epochs=3, per_epoch=32, notes=notes)
        assert any("the train loss is logged once an epoch" in n for n in notes), notes
        cmp = compare(logs, stepped, 1000)
        assert cmp.matches and cmp.loss is None and cmp.epochs == 1 and "not compared" in cmp.summary(), cmp.summary()


def test_a_log_of_a_dataloader_that_drops_the_last_batch_is_not_called_another_config(stepped, mnist5k):
    """DataLoader(drop_last=True): 31 steps an epoch of mnist-5k's 4,000 images, the rerun's 32. Its LR table is the
    claimed schedule at 31 steps an epoch, which no [[run]] field states: "does not match the claimed config (high
    confidence)" (examiner probe 15). It is said to be that, and neither borne out nor contradicted; a log of another
    schedule at 31 steps an epoch still does not match."""
    from reference.outputs import logs_from_result

    sched = ScheduleConfig(name="multistep", milestones=(1, 2), gamma=0.1)
    dropped = run(RunConfig(epochs=3, lr=0.05, schedule=sched, epoch_steps=31), device="cpu", data=mnist5k)
    cmp = compare(logs_from_result(dropped), stepped, 1000)
    assert cmp.scope is Scope.DROPPED_LAST and cmp.lr is None and "at 31 steps an epoch" in cmp.summary(), cmp.summary()
    assert "drop_last=True" in cmp.summary() and "neither borne out nor contradicted" in cmp.summary()
    other = replace(logs_from_result(dropped), lr=[v * 2 for v in logs_from_result(dropped).lr])
    assert compare(other, stepped, 1000).lr is not None
    # nothing is borne out: its claims are judged as without logs, never "as handed in" (examiner probe 18: edited
    # claims of such a log passed); and a log of 32 steps an epoch is none (probe 18: a per-iteration schedule whose
    # LRs met the 31-step table where both have steps passed as one)
    from grader.evidence import plausible

    assert not plausible(cmp)
    logs = logs_from_result(dropped)
    longer = replace(logs, step=[*logs.step, 93, 94, 95], lr=[*logs.lr, *logs.lr[-3:]],
                     train_loss=[*logs.train_loss, *logs.train_loss[-3:]])  # fmt: skip
    assert compare(longer, stepped, 1000).scope is not Scope.DROPPED_LAST


def test_a_borrowed_band_is_not_held_to_a_smoothed_losss_first_steps(stepped):
    """Examiner probe 18: honest Adam 0.01 logs (a config no committed seeds measure) were "outside the seed noise"
    at steps 5–11 — a smoothed loss of a few batches in a descent faster than any committed config's. A borrowed band
    starts at the EMA's time constant (50 steps); a log apart from there on is still apart."""
    from grader.evidence import BORROWED_FROM
    from reference.outputs import logs_from_result

    logs = logs_from_result(stepped)
    early = replace(logs, train_loss=[v * (0.7 if s < 12 else 1.0) for s, v in zip(logs.step, logs.train_loss,
                                                                                  strict=True)])  # fmt: skip
    assert BORROWED_FROM == 50 and compare(early, stepped, 1000).matches
    late = replace(logs, train_loss=[v * (0.5 if s >= 60 else 1.0) for s, v in zip(logs.step, logs.train_loss,
                                                                                  strict=True)])  # fmt: skip
    assert compare(late, stepped, 1000).loss is not None


def test_an_lr_logged_once_an_epoch_from_epoch_0_is_never_read_as_numbered_from_1(stepped, tmp_path):
    """Examiner probe 17: milestones one epoch late, logged once an epoch at epochs 0–2, passed as "numbered from 1"
    (each the epoch's before). A log that holds epoch 0 counts from 0."""
    from grader.logs import read_logs

    per, lrs = 32, stepped["lr"]
    late = {0: lrs[0], 1: lrs[0], 2: lrs[per]}  # ×0.1 at epochs 2 and 3: one epoch late
    tests = {e["epoch"]: (e["test_loss"], e["test_accuracy"]) for e in stepped["epochs"]}
    _tb(tmp_path / "tb", dict(enumerate(stepped["train_loss"])), late, tests)
    cmp = compare(read_logs(tmp_path, "tb", epochs=3, per_epoch=per), stepped, 1000)
    assert cmp.lr is not None and cmp.reading.shift is not Shift.ONE_BASED, cmp.summary()


def test_a_drop_last_log_of_a_config_no_seeds_measure_keeps_its_own_reason(stepped, mnist5k):
    """The reason a drop_last log decides nothing was overwritten by "only the LR table (exact) and finite losses were
    checked" where no committed seeds measure the config — untrue of a log whose steps are not the rerun's."""
    from grader.context import Context
    from grader.evidence import comparison
    from grader.plan import plan
    from grader.runner import Outcome
    from grader.schema import Assignment, Submission
    from reference.outputs import logs_from_result

    sched = ScheduleConfig(name="multistep", milestones=(1, 2), gamma=0.1)
    dropped = run(RunConfig(epochs=3, lr=0.05, schedule=sched, epoch_steps=31), device="cpu", data=mnist5k)
    sub = Submission.model_validate({
        "student": {"id": "s", "name": "S"},
        "run": [{"name": "run", "optimizer": "sgd", "lr": 0.05, "epochs": 3, "logs": "logs/run",
                 "schedule": {"name": "multistep", "milestones": [1, 2], "gamma": 0.1}}],
    })  # fmt: skip
    a = Assignment(train_epochs=3, max_epochs=3, tolerances={"probe_epochs": 0})
    (p,) = [p for p in plan(sub, a, False) if p.kind == "train"]
    ctx = Context(sub, a, [(p, Outcome(stepped))], None, False, 1000, logs={"run": logs_from_result(dropped)})
    cmp = comparison(ctx, p)
    assert cmp.scope is Scope.DROPPED_LAST and "drop_last=True" in cmp.untold, cmp.untold
    assert "LR table (exact)" not in cmp.summary()
