"""Issue 21: a claim with its run's own logs is judged against the log it came from — past seed noise, a misread
or copied figure is caught — when the rerun bears the log out; a log the rerun does not bear out is not used."""

from __future__ import annotations

import math

import pytest
import torch

from grader.checks import run_checks
from grader.context import Context
from grader.evidence import checkpoints, half_unit, lr_against_log, metric_against_log
from grader.plan import plan
from grader.runner import Outcome
from grader.schema import Assignment, RangeTestClaim, Submission
from reference.config import RunConfig, range_test_config
from reference.loop import run
from reference.outputs import Logs, logs_from_result
from reference.rules import RULES, smooth

ASSIGNMENT = Assignment(train_epochs=3, max_epochs=3, max_sweep_epochs=2, tolerances={"probe_epochs": 0})


@pytest.fixture(scope="module")
def runs(mnist5k) -> dict:
    """The student's runs (seed 1) and the grader's reruns of the same configs (seed 0, the student set none)."""
    torch.set_num_threads(1)
    sweep = range_test_config(start_lr=1e-5, end_lr=10.0, epochs=2)
    train = RunConfig(epochs=3, lr=0.05)
    return {name: {s: run(cfg.model_copy(update={"seed": s}), device="cpu", data=mnist5k) for s in (0, 1)}
            for name, cfg in (("sweep", sweep), ("train", train))}  # fmt: skip


def graded(runs: dict, *, claimed_lr: float, accuracy: float, loss: float, logs: dict[str, Logs]) -> dict:
    sub = Submission.model_validate({
        "student": {"id": "s", "name": "S"},
        "range_test": [{"name": "sweep", "optimizer": "sgd", "start_lr": 1e-5, "end_lr": 10.0, "epochs": 2,
                        "rule": "steepest", "claimed_lr": claimed_lr, "logs": "logs/sweep"}],
        "run": [{"name": "run", "optimizer": "sgd", "lr": 0.05, "epochs": 3, "claimed_test_accuracy": accuracy,
                 "claimed_test_loss": loss, "logs": "logs/run"}],
    })  # fmt: skip
    planned = plan(sub, ASSIGNMENT, False)
    outcomes = [Outcome(runs["sweep" if p.kind == "range-test" else "train"][0]) for p in planned]
    ctx = Context(sub, ASSIGNMENT, list(zip(planned, outcomes, strict=True)), None, False, 1000,
                  logs={"sweep": logs["sweep"], "run": logs["run"]})  # fmt: skip
    return {c.check: c for c in run_checks(ctx) if c.subject in ("sweep", "run")}


def test_claims_are_judged_against_the_students_own_log(runs):
    """Honest claims from seed 1's log pass against that log (not against seed 0's rerun); a claim 0.5 pp off its
    own log fails, quoting the log, though seed noise would hide it from a rerun."""
    logs = {"sweep": logs_from_result(runs["sweep"][1]), "run": logs_from_result(runs["train"][1])}
    final, pick = runs["train"][1]["final"], runs["sweep"][1]["suggestions"]["steepest"]
    honest = graded(
        runs, claimed_lr=pick, accuracy=round(final["test_accuracy"], 4), loss=round(final["test_loss"], 4), logs=logs
    )
    for check in ("lr_claim", "accuracy_claim", "loss_claim"):
        assert honest[check].status == "pass" and "Judged against your own log" in honest[check].message, check
    assert honest["accuracy_claim"].logged == pytest.approx(final["test_accuracy"])
    off = graded(
        runs,
        claimed_lr=pick * 1.25,
        accuracy=round(final["test_accuracy"] - 0.005, 4),
        loss=round(final["test_loss"] * 1.1, 4),
        logs=logs,
    )
    for check in ("lr_claim", "accuracy_claim", "loss_claim"):
        assert off[check].status == "fail" and off[check].points == 0, check
    assert f"Your log's last epoch (3): test accuracy {final['test_accuracy']:.6g}" in off["accuracy_claim"].message


def test_a_claim_from_an_earlier_epoch_of_the_log_says_which(runs):
    logs = logs_from_result(runs["train"][1])
    early = round(logs.test_accuracy[0], 4)
    v = metric_against_log("test_accuracy", early, 3, logs)
    assert not v.ok and "It matches epoch 1 of your log" in v.message
    pct = metric_against_log("test_accuracy", round(100 * logs.test_accuracy[-1], 2), 3, logs)
    assert pct.ok and "reported as a percentage" in pct.message
    # a log that stops before the run's last epoch cannot decide its final figure, whatever the claim (examiner
    # probe 14: the true epoch-5 figure failed against the log's epoch 3): the claim is judged as without logs
    cut = logs_from_result(runs["train"][1], epochs=2)
    assert logs.test_loss[2] != logs.test_loss[1]  # the run's true final figure, not where its log stops
    assert metric_against_log("test_loss", round(logs.test_loss[2], 4), 3, cut) is None
    # nor the figure where it stops (examiner probe 15: an early-stopped run's true last figure failed, while a
    # figure of no epoch passed): judged against the rerun of the epochs claimed, where a short run's figure claimed
    # as the full run's fails and the short-run pitfall names it; the logs check says where the log ends
    assert metric_against_log("test_accuracy", round(logs.test_accuracy[1], 4), 3, cut) is None
    # a log longer than the run: its epoch 2 is the 2-epoch run's last
    two = metric_against_log("test_accuracy", round(logs.test_accuracy[1], 4), 2, logs)
    assert two.ok and "Your log's last epoch (2)" in two.message


def test_a_log_the_rerun_does_not_bear_out_is_not_used(runs, mnist5k):
    """A log of another config (another LR table): its figures decide nothing; the claim meets the rerun."""
    other = run(RunConfig(epochs=3, lr=0.2, seed=1), device="cpu", data=mnist5k)
    logs = {"sweep": logs_from_result(runs["sweep"][1]), "run": logs_from_result(other)}
    v = graded(runs, claimed_lr=runs["sweep"][1]["suggestions"]["steepest"],
               accuracy=round(other["final"]["test_accuracy"], 4), loss=round(other["final"]["test_loss"], 4),
               logs=logs)  # fmt: skip
    assert "own log" not in v["accuracy_claim"].message and v["accuracy_claim"].logged is None
    assert v["logs"].status == "warn" and "does not match the claimed config" in v["logs"].message


def test_printed_digits_and_the_logged_resolution():
    assert half_unit(0.025) == pytest.approx(0.0005) and half_unit(0.9612) == pytest.approx(0.00005)
    lrs = [1e-4 * 10 ** (i / 100) for i in range(401)]  # 0.01 decades a step
    loss = [2.3 - 2.0 * min(i, 300) / 300 + (0.02 * (i - 300) if i > 300 else 0) for i in range(401)]
    logs = Logs("x", list(range(401)), lrs, loss)
    pick = RULES["min"](lrs, smooth(loss, 0.98)).lr
    claim = RangeTestClaim(name="s", optimizer="sgd", start_lr=1e-4, end_lr=1.0, rule="min",
                           claimed_lr=float(f"{pick:.3g}"))  # fmt: skip
    exact = lr_against_log(claim, logs)
    assert exact.ok and exact.allowed == pytest.approx(0.01 + math.log10(1 + half_unit(claim.claimed_lr) / pick),
                                                       abs=2e-3)  # fmt: skip
    assert not lr_against_log(claim.model_copy(update={"claimed_lr": float(f"{pick * 1.25:.3g}")}), logs).ok


def test_an_mnist_log_of_an_epoch_schedule_is_compared_epoch_by_epoch(mnist5k):
    """Claims made on MNIST (469 steps an epoch), rerun on mnist-5k (32): a MultiStep schedule stepped per epoch
    changes the LR at step 15 × 469 of the log and 15 × 32 of the rerun. The LR tables agree epoch by epoch; the
    honest log is not called a mismatch, and its losses are not compared across datasets."""
    from grader.evidence import comparison
    from reference.config import ScheduleConfig
    from reference.optim import lr_table

    cfg = RunConfig(epochs=3, lr=0.05, schedule=ScheduleConfig(name="multistep", milestones=(1, 2), gamma=0.1))
    rerun_ = run(cfg, device="cpu", data=mnist5k)
    table = lr_table(cfg, 469)
    logs = Logs("logs/run", list(range(len(table))), table, [2.3 * 0.999**i for i in range(len(table))], [1, 2, 3],
                [0.5, 0.3, 0.2], [0.8, 0.9, 0.95])  # fmt: skip
    sub = Submission.model_validate({
        "student": {"id": "s", "name": "S"}, "setup": {"claimed_on": "mnist"},
        "run": [{"name": "run", "optimizer": "sgd", "lr": 0.05, "epochs": 3, "logs": "logs/run",
                 "schedule": {"name": "multistep", "milestones": [1, 2], "gamma": 0.1}}],
    })  # fmt: skip
    planned = [p for p in plan(sub, ASSIGNMENT, False) if p.kind == "train"]
    ctx = Context(sub, ASSIGNMENT, [(planned[0], Outcome(rerun_))], None, False, 1000, logs={"run": logs})
    cmp = comparison(ctx, planned[0])
    assert cmp.lr is None and cmp.matches and "not comparable across datasets" in cmp.untold
    shifted = Logs("logs/run", logs.step, [table[0]] * len(table), logs.train_loss, [1, 2, 3], [0.5, 0.3, 0.2],
                   [0.8, 0.9, 0.95])  # fmt: skip  # no scheduler applied: still caught, epoch by epoch
    ctx = Context(sub, ASSIGNMENT, [(planned[0], Outcome(rerun_))], None, False, 1000, logs={"run": shifted})
    assert comparison(ctx, planned[0]).lr is not None
    n = len(table)  # a log that turns back up (×5 over its last third) while the rerun trains on: not borne out
    turning = Logs("logs/run", logs.step, table, [v * (1 + 4 * max(0, i - 2 * n // 3) / (n // 3)) for i, v in
                                                  enumerate(logs.train_loss)], [1, 2, 3], [0.5, 0.3, 0.2],
                   [0.8, 0.9, 0.95])  # fmt: skip
    ctx = Context(sub, ASSIGNMENT, [(planned[0], Outcome(rerun_))], None, False, 1000, logs={"run": turning})
    cmp = comparison(ctx, planned[0])
    assert not cmp.matches and cmp.turns is not None and "turns back up" in cmp.summary()


def test_honest_logs_of_another_seed_match_within_the_committed_seed_band(mnist5k):
    """Issue 25: a log from another seed never matches a rerun step for step; judged within the seed band of 20
    committed seeds of this sweep (reference/baselines/mnist-5k.json), it matches — where a fixed ±15 % band, and
    test accuracies near chance compared at epoch 1, accused honest sweeps before."""
    from grader.context import load_baselines
    from grader.evidence import comparison

    baselines = load_baselines("mnist-5k")
    rt = next(b for b in baselines if b["dataset"] == "mnist-5k")["range_tests"]["adam"]
    assert len(rt["picks"]["steepest"]) >= 10 and rt["band"]["std_log"]
    cfg = RunConfig(**rt["config"])
    sub = Submission.model_validate({"student": {"id": "s", "name": "S"}, "range_test": [
        {"name": "sweep", "optimizer": "adam", "start_lr": cfg.lr, "end_lr": cfg.schedule.end_lr, "epochs": cfg.epochs,
         "rule": "steepest", "logs": "logs/sweep"}]})  # fmt: skip
    a = Assignment(max_sweep_epochs=10, required=("range_test",))
    (planned,) = plan(sub, a, False)
    rerun_ = run(planned.config, device="cpu", data=mnist5k)
    for seed in (101,):
        logs = logs_from_result(run(cfg.model_copy(update={"seed": seed}), device="cpu", data=mnist5k))
        ctx = Context(sub, a, [(planned, Outcome(rerun_))], baselines[0], False, 1000, logs={"sweep": logs},
                      baselines=baselines)  # fmt: skip
        cmp = comparison(ctx, planned)
        assert cmp.matches and "committed seeds of this sweep" in cmp.band, cmp.summary()
        assert "lowest loss" in (cmp.untold or "")  # past the rerun's minimum it says it cannot tell


def _leave_one_out(entry: dict, i: int) -> tuple[dict, Logs, dict]:
    """Committed seed i of a training config as a student's log, judged against the other seeds."""
    import statistics

    others = {}
    for e, ep in enumerate(entry["epochs"], 1):
        others[e] = {}
        for m in ("test_accuracy", "test_loss"):
            v = [x for j, x in enumerate(ep[m]["values"]) if j != i]
            others[e][m] = {"values": v, "mean": statistics.fmean(v), "std": statistics.stdev(v)}
    epochs = range(1, len(entry["epochs"]) + 1)
    log = Logs("logs/run", epoch=list(epochs), test_accuracy=[ep["test_accuracy"]["values"][i] for ep in
               entry["epochs"]], test_loss=[ep["test_loss"]["values"][i] for ep in entry["epochs"]])  # fmt: skip
    rerun = {"epochs": [{"epoch": e, **{m: others[e][m]["mean"] for m in others[e]}} for e in epochs]}
    return others, log, rerun


def test_a_raised_last_accuracy_whose_test_loss_did_not_move_is_flagged():
    """Issue 21: a last-epoch accuracy raised 2 pp. Adam's accuracy moves ±0.4 pp from epoch to epoch across seeds
    on Fashion-MNIST, so the raised change alone stays inside the seeds' spread for most seeds; but a seed whose
    accuracy rises has its test loss fall with it (r ≈ −0.86 over the committed seeds), and an edited accuracy
    has not: judged given its test-loss change, every edit is flagged. Real figures: each of the 10 committed seeds
    of the full-size Fashion-MNIST Adam run as the log, against the other nine; none of them flagged unedited."""
    from dataclasses import replace

    from grader.context import load_baseline
    from grader.evidence import _test_part

    entry = load_baseline("fashion-mnist")["runs"]["adam-constant"]
    by_loss = 0
    for i in range(len(entry["epochs"][0]["test_accuracy"]["values"])):
        others, log, rerun = _leave_one_out(entry, i)
        assert _test_part(log, rerun, 10_000, others, 3.5)[0] is None  # an honest seed
        edited = replace(log, test_accuracy=[*log.test_accuracy[:-1], log.test_accuracy[-1] + 0.02])
        part = _test_part(edited, rerun, 10_000, others, 3.5)[0]
        assert part is not None and part.unit == "epoch" and part.at == len(log.epoch)
        by_loss += "test-loss change" in part.versus
    assert by_loss >= 3  # caught only given the loss: the unconditioned change test let these through


# ---------------------------------------------------------------- honest readings of one's own log (examiner probe 2)


def test_a_pick_read_off_tensorboard_s_default_smoothing_is_honest(runs):
    """A student who reads the steepest point off TensorBoard's plot sees the sweep smoothed at 0.6, not the
    reference's 0.98: the pick moves (here by a factor the seed noise would hide, but not one logged LR step). That
    reading passes, and says which it was; a claim neither reading gives still fails and names both."""
    logs = logs_from_result(runs["sweep"][1])
    reference, tensorboard = logs.pick("steepest"), logs.pick("steepest", 0.6)
    assert abs(math.log10(reference / tensorboard)) > 0.05  # the two readings differ beyond one logged LR step
    claim = lambda lr: RangeTestClaim(name="sweep", optimizer="sgd", start_lr=1e-5, end_lr=10.0, epochs=2,  # noqa: E731
                                      rule="steepest", claimed_lr=lr)  # fmt: skip
    v = lr_against_log(claim(float(f"{tensorboard:.3g}")), logs)
    assert v.ok and "TensorBoard's default smoothing (0.6)" in v.message, v.message
    v = lr_against_log(claim(float(f"{reference:.3g}")), logs)
    assert v.ok and "the reference's smoothing" in v.message
    off = float(f"{max(reference, tensorboard) * 1.5:.3g}")
    v = lr_against_log(claim(off), logs)
    assert not v.ok and "Read otherwise, it picks" in v.message, v.message


def test_the_best_epoch_reported_is_a_warning_with_no_points_lost_and_another_epoch_a_named_cause(runs):
    """Examiner probe 2: a student who reports the best epoch (and says so) failed with 0 points once logs were handed
    in, and was told "no known cause matched" after a sentence naming the epoch. The best epoch is a true figure of the
    run: WARN, no points lost, no cause. Another earlier epoch is a misreport: FAIL, its cause named."""
    from grader.diagnoses import explain

    base = logs_from_result(runs["train"][1])
    accuracy = [0.90, 0.962, 0.957]  # the best epoch is 2, the last 3
    logs = Logs(base.source, base.step, base.lr, base.train_loss, [1, 2, 3], base.test_loss, accuracy)
    v = metric_against_log("test_accuracy", 0.962, 3, logs)
    assert v.warn and not v.ok and "epoch 2 (test accuracy 0.962), its highest-accuracy epoch" in v.message
    assert "no points lost" in v.message
    v = metric_against_log("test_accuracy", 0.90, 3, logs)  # epoch 1: neither the last nor the best
    assert not v.warn and not v.ok and "It matches epoch 1 of your log" in v.message
    sub = Submission.model_validate({
        "student": {"id": "s", "name": "S"},
        "run": [{"name": "run", "optimizer": "sgd", "lr": 0.05, "epochs": 3, "claimed_test_accuracy": 0.962,
                 "logs": "logs/run"}],
    })  # fmt: skip
    for claimed, status, cause in ((0.962, "warn", None), (0.90, "fail", "earlier-epoch")):
        sub = sub.model_copy(update={"run": [sub.run[0].model_copy(update={"claimed_test_accuracy": claimed})]})
        planned = [p for p in plan(sub, ASSIGNMENT, False) if p.kind == "train"]
        ctx = Context(sub, ASSIGNMENT, [(planned[0], Outcome(runs["train"][0]))], None, False, 1000, logs={"run": logs})
        checks, _ = explain(ctx, run_checks(ctx))
        (c,) = [c for c in checks if c.check == "accuracy_claim"]
        assert c.logged and c.status == status, c.message  # judged against its own log (no seeds: LR table only)
        assert (c.points == c.max_points > 0) if status == "warn" else c.points == 0
        assert (c.diagnosis or {}).get("pitfall") == cause, c.diagnosis


def test_a_claim_printed_with_trailing_zeros_claims_those_digits(tmp_path):
    """The claim's printed digits are the file's text, not Python's float: "0.9600" against a log's 0.965 is 0.5 pp
    off to four decimals (a copied or misread figure), while "0.96" is an honest two-decimal rounding of it. The
    text survives loading, a percentage's conversion and the claims the logs fill in."""
    from grader.load import load_submission
    from reference.outputs import write_csv

    logs = Logs("x", [0, 1], [0.05, 0.05], [2.3, 0.4], [1, 2], [0.30, 0.12], [0.951, 0.965])
    assert half_unit(0.96, "0.9600") == pytest.approx(0.00005) and half_unit(0.96) == pytest.approx(0.005)
    assert half_unit(0.96, "1.0") == pytest.approx(0.005)  # a text that is not this figure is not its digits
    assert metric_against_log("test_accuracy", 0.96, 2, logs).ok  # 0.96: a rounding of 0.965
    off = metric_against_log("test_accuracy", 0.96, 2, logs, text="0.9600")
    assert not off.ok and "the claim: 0.9600, 0.005 away" in off.message
    assert metric_against_log("test_accuracy", 0.965, 2, logs, text="0.9650").ok
    write_csv(logs, tmp_path / "run.csv")
    (tmp_path / "submission.toml").write_text(
        '[student]\nid = "s"\nname = "S"\n'
        '[[run]]\nname = "a"\noptimizer = "sgd"\nlr = 0.05\nepochs = 2\nclaimed_test_accuracy = 96.00\n'
        'logs = "run.csv"\n'
        '[[run]]\nname = "b"\noptimizer = "sgd"\nlr = 0.05\nepochs = 2\nclaimed_test_loss = 0.1_200\n'
        'logs = "run.csv"\n'
    )  # fmt: skip
    loaded = load_submission(tmp_path)
    a, b = loaded.submission.run
    assert a.printed("claimed_test_accuracy") == "0.9600" and a.printed("claimed_test_loss") is None  # from the log
    assert any("claimed_test_accuracy = 96.00 read as 96.00 % = 0.9600" in w for w in loaded.warnings)  # probe 5
    assert b.printed("claimed_test_loss") == "0.1_200" and b.claimed_test_accuracy == pytest.approx(0.965)
    assert metric_against_log("test_loss", b.claimed_test_loss, 2, logs, b.printed("claimed_test_loss")).ok
    import copy
    import pickle

    from grader.load import Printed, parse_toml

    data = parse_toml("a = 0.9600\nb = [1.5e-3]\n", "x.toml")  # its floats go where data goes: copies, workers
    for twin in (pickle.loads(pickle.dumps(data)), copy.deepcopy(data)):
        assert twin == data and isinstance(twin["a"], Printed) and twin["a"].text == "0.9600"


def test_the_figures_of_a_best_checkpoint_are_a_warning_with_no_points_lost():
    """Examiner probe 3: a student who keeps the best-accuracy checkpoint reports its loss too, which is often not the
    run's lowest: that loss failed (0 points) with a high-confidence "epoch 4's test loss reported as the final one".
    Both figures of either best checkpoint (highest accuracy, lowest loss) are a WARN with no points lost; a figure
    of an epoch that is neither is still a misreport."""
    from grader.diagnoses import earlier_epoch

    logs = Logs("x", [0], [0.05], [0.3], [1, 2, 3, 4, 5], [0.30, 0.22, 0.21, 0.1968, 0.205],
                [0.90, 0.94, 0.951, 0.952, 0.949])  # fmt: skip
    assert checkpoints(logs) == {4: "lowest-test-loss and highest-accuracy"}  # one epoch both (examiner probe 9)
    logs.test_loss[2] = 0.19  # the lowest loss at epoch 3, the best accuracy at epoch 4
    assert checkpoints(logs) == {3: "lowest-test-loss", 4: "highest-accuracy"}
    v = metric_against_log("test_loss", 0.1968, 5, logs)  # the best-accuracy checkpoint's loss
    assert v.warn and "its highest-accuracy epoch" in v.message and "no points lost" in v.message
    assert metric_against_log("test_accuracy", 0.951, 5, logs).warn  # the lowest-loss checkpoint's accuracy
    v = metric_against_log("test_loss", 0.22, 5, logs)  # epoch 2: no checkpoint
    assert not v.warn and not v.ok and "It matches epoch 2" in v.message
    from types import SimpleNamespace

    def case(loss: float) -> SimpleNamespace:  # what the diagnosis reads of a failing loss claim with its log
        return SimpleNamespace(claim=None, logs=logs, claimed=lambda m: loss if m == "test_loss" else None)

    assert earlier_epoch(case(0.1968)) is None  # no cause for a checkpoint's figure
    assert earlier_epoch(case(0.22)).pitfall == "earlier-epoch"


def test_a_sweep_logged_as_the_course_writes_its_lambda_is_the_claimed_sweep(runs, mnist5k):
    """Examiner probe 13 (s213): the course's own lambda, `(end/start) ** (step / N)`, reaches end_lr one step after
    the sweep's last, where the rerun's reaches it on its last step; every logged LR differs from the rerun's by less
    than one LR step, and the log was "does not match the claimed config (high confidence)", thrown away, and a pick
    read off it failed against the rerun (0/22.23). It is the claimed sweep, compared as such."""
    n = len(runs["sweep"][0]["lr"]) if not runs["sweep"][0]["diverged"] else 64  # 2 epochs of mnist-5k
    course = range_test_config(start_lr=1e-5, end_lr=10.0, epochs=3, steps=n + 1)  # reaches 10 at step n
    theirs = run(course.model_copy(update={"seed": 1}), device="cpu", data=mnist5k)
    cut = {**theirs, "lr": theirs["lr"][:n], "train_loss": theirs["train_loss"][:n]}
    cut["train_loss_smoothed"] = smooth(cut["train_loss"], 0.98)
    logs = logs_from_result(cut)
    assert not math.isclose(logs.lr[1], runs["sweep"][0]["lr"][1], rel_tol=1e-5)  # not the rerun's table exactly
    pick = float(f"{logs.pick('steepest', 0.6):.3g}")  # read off TensorBoard's plot
    v = graded(runs, claimed_lr=pick, accuracy=0.9, loss=0.3, logs={"sweep": logs, "run": logs_from_result(
        runs["train"][1])})  # fmt: skip
    assert v["logs"].status != "warn" or "does not match" not in v["logs"].message, v["logs"].message
    assert v["lr_claim"].status == "pass" and "your log" in v["lr_claim"].message.lower(), v["lr_claim"].message
    from grader.evidence import compare

    cmp = compare(logs, runs["sweep"][0], 1000, sweep=True)
    assert cmp.lr is None and cmp.reading.end_late and "reaching end_lr one step after its last" in cmp.summary()
    # a log of another sweep (end 1.18× further) is still another config
    other = run(range_test_config(start_lr=1e-5, end_lr=11.8, epochs=2, seed=1), device="cpu", data=mnist5k)
    assert compare(logs_from_result(other), runs["sweep"][0], 1000, sweep=True).lr is not None
