"""The auto LR schedulers (reference/auto.py): the seed's rule by hand, the corrected rule on a quadratic
with a known best LR, and trial steps that leave parameters, BN buffers and optimizer state untouched."""

import math

import pytest
import torch
from torch import nn

from reference.auto import AutoLR, corrected_update, faithful_update
from reference.config import RunConfig, ScheduleConfig
from reference.loop import run


def test_faithful_matches_hand_computation():
    factors, losses = [2.0, 1.0, 0.5], [1.0, 2.0, 3.0]
    # mean 2, population std sqrt(2/3): z = [-1.2247, 0, 1.2247]; scores exp(-z)
    z = [-1 / math.sqrt(2 / 3), 0.0, 1 / math.sqrt(2 / 3)]
    scores = [math.exp(-v) for v in z]
    log_mult = (scores[0] * math.log(2) + scores[2] * math.log(0.5)) / sum(scores)
    eta, got = faithful_update(0.1, factors, losses)
    assert got == pytest.approx(scores)
    assert eta == pytest.approx(0.1 * math.exp(log_mult))
    assert eta == pytest.approx(0.1 * 2 ** ((scores[0] - scores[2]) / sum(scores)))
    # equal losses: all scores 1, plain geometric mean of the factors (5-list: drifts down)
    eta, got = faithful_update(1.0, [4, 2, 1, 0.5, 0.125], [0.7] * 5)
    assert got == [1.0] * 5 and eta == pytest.approx((4 * 2 * 1 * 0.5 * 0.125) ** (1 / 5))
    # an overflowing candidate scores 0 instead of turning η into NaN
    eta, got = faithful_update(1.0, factors, [float("inf"), 1.0, 2.0])
    assert got[0] == 0.0 and math.isfinite(eta) and eta < 1.0


def test_corrected_is_centred_and_clipped():
    eta, scores = corrected_update(0.1, [4, 2, 1, 0.5, 0.125], [0.7] * 5, tau=0.01)
    assert eta == pytest.approx(0.1) and scores == [1.0] * 5  # no information, no move
    eta, _ = corrected_update(0.1, [2, 1, 0.5], [0.0, 5.0, 9.0], tau=0.01)
    assert eta == pytest.approx(0.1 * math.exp(0.1 * math.log(2)))  # a clear win for ×2: rises by (1 − β)·log 2
    eta, _ = corrected_update(0.1, [2, 1, 0.5], [9.0, 5.0, 0.0], tau=0.01)
    assert eta == pytest.approx(0.05)  # a clear win for ×0.5: falls at once
    eta, _ = corrected_update(0.1, [8, 1, 0.125], [9.0, 5.0, 0.0], tau=0.01)
    assert eta == pytest.approx(0.1 * math.exp(-0.7))  # ... by at most ×e^-0.7 a step


class Quadratic(nn.Module):
    """Per-sample loss ½ h_i ‖w‖², h_i ~ U(1, 3) the sample's curvature: the best plain-SGD LR is 1 / E[h] = 0.5
    (the minimum in one step), and 1.0 the stability edge."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.full((4,), 3.0))

    def forward(self, h):
        return 0.5 * h[:, 0] * (self.w**2).sum()


def _drive(eta0: float, steps: int = 80) -> list[float]:
    torch.manual_seed(0)
    model = Quadratic()
    opt = torch.optim.SGD(model.parameters(), lr=eta0, momentum=0.0)
    auto = AutoLR(model, eta0, (2.0, 1.0, 0.5), "corrected", loss_fn=lambda out, y: out)
    for _ in range(steps):
        h = 1 + 2 * torch.rand(16, 1)
        loss = model(h).mean()
        opt.zero_grad()
        loss.backward()
        auto.step(opt, h, torch.zeros(16))
        opt.step()
    return auto.history


@pytest.mark.parametrize("scale", [0.01, 100.0])
def test_corrected_moves_toward_the_best_lr(scale):
    best = 0.5
    etas = _drive(best * scale)  # 100x too large starts at the η bound 10 (20x)
    assert 0.25 <= etas[-1] <= 0.75  # measured: 0.37 from below, 0.44 from above
    assert max(etas[len(etas) // 2 :]) < 1.0  # and settles below the stability edge


class TinyBN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4 * 6 * 6, 10)

    def forward(self, x):
        return self.fc(torch.relu(self.bn(self.conv(x))).flatten(1))


@pytest.mark.parametrize("variant", ["faithful", "corrected"])
def test_trials_leave_params_buffers_and_optimizer_state_unchanged(variant):
    torch.manual_seed(0)
    model = TinyBN()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    x, y = torch.randn(8, 1, 8, 8), torch.randint(0, 10, (8,))
    for _ in range(2):  # populate momentum buffers and BN running stats
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    nn.functional.cross_entropy(model(x), y).backward()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    grads = {n: p.grad.clone() for n, p in model.named_parameters()}
    bufs = {n: opt.state[p]["momentum_buffer"].clone() for n, p in model.named_parameters()}
    auto = AutoLR(model, 0.1, (8.0, 4.0, 2.0, 1.0, 0.5, 0.25, 0.125), variant)
    assert not auto.use_vmap  # the model has buffers: the per-candidate path with cloned buffers
    auto.step(opt, x, y)
    assert auto.forward_passes == 7
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]), k
    for n, p in model.named_parameters():
        assert torch.equal(p.grad, grads[n]) and torch.equal(opt.state[p]["momentum_buffer"], bufs[n]), n
    assert model.training


def test_vmap_and_loop_agree():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x, y = torch.randn(8, 1, 4, 4), torch.randint(0, 10, (8,))
    nn.functional.cross_entropy(model(x), y).backward()
    fast = AutoLR(model, 0.1, (2.0, 1.0, 0.5), use_vmap=True).trial_losses(opt, x, y, True)[0]
    slow = AutoLR(model, 0.1, (2.0, 1.0, 0.5), use_vmap=False).trial_losses(opt, x, y, True)[0]
    assert fast == pytest.approx(slow, rel=1e-5)


def test_loop_runs_auto_and_counts_passes(mnist5k):
    cfg = RunConfig(epochs=1, max_steps=6, lr=0.01, schedule=ScheduleConfig(name="auto-corrected", factors=(2, 1, 0.5)))
    r = run(cfg, data=mnist5k, device="cpu")
    assert r["passes"] == {"forward": 6 + 18, "backward": 6, "auto_forward": 18}
    assert len(set(r["lr"])) > 1 and r["lr"][0] != 0.01  # corrected: step 0 already uses its own pick
    plain = run(RunConfig(epochs=1, max_steps=6, lr=0.01), data=mnist5k, device="cpu")
    assert plain["passes"] == {"forward": 6, "backward": 6, "auto_forward": 0}


def test_grader_plans_and_checks_an_auto_section():
    from grader.checks import Context, run_checks
    from grader.plan import plan
    from grader.runner import Outcome
    from grader.schema import Assignment, Submission

    sub = Submission.model_validate({
        "student": {"id": "s1", "name": "S"},
        "auto": [{"name": "mine", "optimizer": "sgd", "lr": 1e-3, "epochs": 2, "variant": "corrected", "seed": 0,
                  "factors": [4, 2, 1, 0.5, 0.125], "claimed_test_accuracy": 0.95}],
    })  # fmt: skip
    assignment = Assignment(train_epochs=2, required=())
    p, twin = plan(sub, assignment, quick=False)
    assert p.kind == "train" and p.config.schedule.name == "auto-corrected"
    assert twin.kind == "probe" and twin.config.schedule == p.config.schedule and twin.until_epoch == 2
    assert p.config.schedule.factors == (4, 2, 1, 0.5, 0.125) and p.config.lr == 1e-3
    epochs = [{"step": 32, "epoch": 1, "train_loss": 0.5, "test_loss": 0.35, "test_accuracy": 0.9},
              {"step": 64, "epoch": 2, "train_loss": 0.2, "test_loss": 0.17, "test_accuracy": 0.951}]  # fmt: skip
    outcome = Outcome({"epochs": epochs, "final": epochs[-1], "diverged": None})
    checks = {(c.check, c.subject): c for c in run_checks(Context(sub, assignment, [(p, outcome)], None, False, 1000))}
    assert checks[("accuracy_claim", "mine")].status == "pass"
    assert checks[("baseline", "mine")].status == "skip"  # no committed reference here
    assert checks[("config", "submission")].status == "pass"
    with pytest.raises(ValueError):
        Submission.model_validate({"student": {"id": "s", "name": "S"}, "auto": [{"lr": 0.1, "variant": "other",
                                                                                   "optimizer": "sgd"}]})  # fmt: skip


def test_compare_harness_end_to_end(tmp_path):
    from reference.compare import build, markdown, plot_eta
    from reference.protocols import CompareProtocol

    p = CompareProtocol("mnist-5k", 1, (0.05,), auto_lrs=(0.01,), seeds=(0,))
    res = build(p, "cpu", log=lambda *a: None)
    res["command"] = "test"
    assert set(res["baselines"]) == {"constant", "step", "cosine", "linear-decay", "onecycle"}
    assert res["auto"]["auto-corrected"]["0.01"]["passes"] == {"forward": 128, "backward": 32, "auto_forward": 96}
    md = markdown(res)
    assert "sgd-cosine (tuned)" in md and "auto-corrected" in md and "| 128 / 32" in md
    plot_eta(res, tmp_path / "eta.png")
    assert (tmp_path / "eta.png").stat().st_size > 1000


def test_an_auto_log_of_another_seed_is_not_called_another_config(mnist5k):
    """Examiner probe 4 (A2): the automated scheduler picks each step's LR from its own run's losses, so an honest log
    of another seed has another LR sequence — it was "the log does not match the claimed config (high confidence)".
    Its LR is not compared exactly; the rest of the comparison stands."""
    from grader.checks import Context, run_checks
    from grader.evidence import apart
    from grader.plan import plan
    from grader.runner import Outcome
    from grader.schema import Assignment, Submission
    from reference.outputs import logs_from_result

    sched = ScheduleConfig(name="auto-corrected", factors=(4, 2, 1, 0.5, 0.125))
    mine, rerun_ = (run(RunConfig(epochs=1, lr=0.01, schedule=sched, seed=s), data=mnist5k, device="cpu")
                    for s in (7, 0))  # fmt: skip
    assert mine["lr"] != rerun_["lr"]  # the honest log's LRs are not the rerun's
    sub = Submission.model_validate({"student": {"id": "s1", "name": "S"}, "auto": [
        {"name": "mine", "optimizer": "sgd", "lr": 0.01, "epochs": 1, "variant": "corrected",
         "factors": [4, 2, 1, 0.5, 0.125], "logs": "logs/mine.csv"}]})  # fmt: skip
    a = Assignment(train_epochs=1, max_epochs=1, required=(), tolerances={"probe_epochs": 0})
    (p,) = plan(sub, a, quick=False)
    ctx = Context(sub, a, [(p, Outcome(rerun_))], None, False, 1000, logs={"mine": logs_from_result(mine)})
    logs = next(c for c in run_checks(ctx) if c.check == "logs")
    assert "does not match the claimed config" not in logs.message and "another LR sequence" in logs.message
    assert logs.status == "skip" and logs.message.startswith("Not compared with the rerun")  # examiner probe 8
    assert apart(0.020921, 0.020919) == ("0.020921", "0.020919") and apart(0.5, 0.25) == ("0.5", "0.25")
