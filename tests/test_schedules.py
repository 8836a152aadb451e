"""Every scheduler-table entry yields exactly the LRs of the torch class it names, stepped by hand."""

import pytest
import torch
from torch.optim import lr_scheduler as lrs

from reference.config import RunConfig, ScheduleConfig
from reference.schedules import SCHEDULES, lr_table

SPE, EPOCHS, LR = 7, 6, 0.1  # 7 steps per epoch, 42 steps in all


def by_hand(make, cadence: str, lr: float = LR) -> list[float]:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    sched = make(opt)
    out = []
    for step in range(SPE * EPOCHS):
        out.append(opt.param_groups[0]["lr"])
        if cadence == "step" or (step + 1) % SPE == 0:
            opt.step()
            sched.step()
    return out


CASES = {
    "constant": ({}, lambda o: lrs.LambdaLR(o, lambda i: 1.0), "epoch"),
    "lambda-exp": ({"end_lr": 10.0}, lambda o: lrs.LambdaLR(o, lambda i: 100.0 ** (min(i, 41) / 41)), "step"),
    "step": ({"step_size": 2, "gamma": 0.5}, lambda o: lrs.StepLR(o, 2, 0.5), "epoch"),
    "multistep": ({"milestones": (15, 25), "gamma": 0.1}, lambda o: lrs.MultiStepLR(o, [15, 25], 0.1), "step"),
    "exponential": ({"gamma": 0.9}, lambda o: lrs.ExponentialLR(o, 0.9), "epoch"),
    "onecycle": ({"max_lr": 1.0}, lambda o: lrs.OneCycleLR(o, 1.0, total_steps=42, cycle_momentum=False), "step"),
    "cyclic": (
        {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 5},
        lambda o: lrs.CyclicLR(o, 0.01, 0.1, step_size_up=5, cycle_momentum=False),
        "step",
    ),
    "linear-decay": ({"end_factor": 0.1}, lambda o: lrs.LinearLR(o, 1.0, 0.1, total_iters=EPOCHS), "epoch"),
    "cosine": ({"eta_min": 0.001}, lambda o: lrs.CosineAnnealingLR(o, T_max=EPOCHS, eta_min=0.001), "epoch"),
    "polynomial": ({"power": 2.0}, lambda o: lrs.PolynomialLR(o, total_iters=EPOCHS, power=2.0), "epoch"),
    # torch's part of the auto schedules is a constant LambdaLR: reference/auto.py moves the LR in the loop
    "table": (
        {"table": (1.0, 0.5, 0.25, 2.0)},
        lambda o: lrs.LambdaLR(o, lambda i: (1.0, 0.5, 0.25, 2.0)[min(i, 3)]),
        "step",
    ),
    "auto": ({"factors": (2, 1, 0.5)}, lambda o: lrs.LambdaLR(o, lambda i: 1.0), "step"),
    "auto-corrected": ({}, lambda o: lrs.LambdaLR(o, lambda i: 1.0), "step"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_table_equals_torch(name):
    args, make, cadence = CASES[name]
    cfg = RunConfig(lr=LR, epochs=EPOCHS, schedule=ScheduleConfig(name=name, cadence=cadence, **args))
    assert lr_table(cfg, SPE) == pytest.approx(by_hand(make, cadence), rel=1e-12)


def test_every_table_entry_is_tested():
    assert set(SCHEDULES) - {"linear-sweep"} == set(CASES)


def test_linear_sweep_goes_from_start_to_end_linearly():
    cfg = RunConfig(lr=0.01, epochs=EPOCHS, schedule=ScheduleConfig(name="linear-sweep", end_lr=1.0))
    table = lr_table(cfg, SPE)
    assert table[0] == pytest.approx(0.01) and table[-1] == pytest.approx(1.0)
    steps = [b - a for a, b in zip(table, table[1:])]
    assert max(steps) == pytest.approx(min(steps), rel=1e-9)


def test_cadence_matters_for_milestones():
    """The course's hook stepped per iteration: milestones [15, 25] then mean steps, not epochs."""
    per_step = RunConfig(lr=LR, epochs=30, schedule=ScheduleConfig(name="multistep", milestones=(15, 25), gamma=0.1,
                                                                   cadence="step"))  # fmt: skip
    per_epoch = per_step.model_copy(update={"schedule": per_step.schedule.model_copy(update={"cadence": "epoch"})})
    assert lr_table(per_step, 32)[30] == pytest.approx(LR / 100)
    assert lr_table(per_epoch, 32)[30] == pytest.approx(LR)
    assert lr_table(per_epoch, 32)[15 * 32] == pytest.approx(LR / 10)


def test_natural_cadence_is_filled_in_and_args_checked():
    assert ScheduleConfig(name="onecycle").cadence == "step"
    assert ScheduleConfig(name="step", step_size=1, gamma=0.5).cadence == "epoch"
    with pytest.raises(ValueError, match="needs milestones"):
        ScheduleConfig(name="multistep", gamma=0.1)
    with pytest.raises(ValueError, match="unknown scheduler 'warmup'"):
        ScheduleConfig(name="warmup")
