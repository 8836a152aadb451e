"""Every scheduler-table entry yields exactly the LRs of the torch class it names, stepped by hand."""

import math

import pytest
import torch
from torch.optim import lr_scheduler as lrs

from reference.config import RunConfig, ScheduleConfig
from reference.optim import lr_table
from reference.schedules import SCHEDULES

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


# The same schedules by their definitions, step by step, with no scheduler stepped at all: a table that stepped
# torch's scheduler at the wrong moment (one step late, per step instead of per epoch) fails here even where
# `by_hand` would repeat the mistake. s: the optimizer step, e = s // SPE: the epoch.
T = SPE * EPOCHS
CLOSED = {
    "constant": lambda s: LR,
    "lambda-exp": lambda s: LR * 100.0 ** (min(s, T - 1) / (T - 1)),
    "step": lambda s: LR * 0.5 ** ((s // SPE) // 2),
    "multistep": lambda s: LR * 0.1 ** ((s >= 15) + (s >= 25)),
    "exponential": lambda s: LR * 0.9 ** (s // SPE),
    "cyclic": lambda s: 0.01 + (0.1 - 0.01) * (1 - abs((s % 10) / 5 - 1)),
    "linear-decay": lambda s: LR * (1 - 0.9 * min(s // SPE, EPOCHS) / EPOCHS),
    "cosine": lambda s: 0.001 + (LR - 0.001) * (1 + math.cos(math.pi * (s // SPE) / EPOCHS)) / 2,
    "polynomial": lambda s: LR * (1 - min(s // SPE, EPOCHS) / EPOCHS) ** 2.0,
    "table": lambda s: LR * (1.0, 0.5, 0.25, 2.0)[min(s, 3)],
    "auto": lambda s: LR,
    "auto-corrected": lambda s: LR,
}


@pytest.mark.parametrize("name", sorted(CLOSED))
def test_table_follows_the_schedules_definition(name):
    args, _, cadence = CASES[name]
    cfg = RunConfig(lr=LR, epochs=EPOCHS, schedule=ScheduleConfig(name=name, cadence=cadence, **args))
    assert lr_table(cfg, SPE) == pytest.approx([CLOSED[name](s) for s in range(T)], rel=1e-9)


def test_onecycle_follows_its_definition_at_its_turning_points():
    """OneCycle (max_lr 1, 42 steps, pct_start 0.3, div 25, final div 1e4): starts at max_lr/25, peaks at max_lr at
    step 0.3·41 ≈ 12, ends at max_lr/25/1e4, rising then falling."""
    cfg = RunConfig(lr=LR, epochs=EPOCHS, schedule=ScheduleConfig(name="onecycle", max_lr=1.0))
    table = lr_table(cfg, SPE)
    peak = max(range(T), key=table.__getitem__)
    assert table[0] == pytest.approx(1.0 / 25) and table[peak] == pytest.approx(1.0, rel=1e-3)
    assert peak == round(0.3 * (T - 1)) and table[-1] == pytest.approx(1.0 / 25 / 1e4, rel=1e-6)
    assert all(a <= b for a, b in zip(table[: peak + 1], table[1 : peak + 1]))
    assert all(a >= b for a, b in zip(table[peak:], table[peak + 1 :]))


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


def test_cyclic_exp_range_decays_by_its_gamma():
    """Examiner probe 5: CyclicLR's `gamma` (mode exp_range) was accepted but never passed on, so the rerun cycled
    without decay and an honest log of the student's run was "not the claimed config". Torch's own CyclicLR, gamma
    passed; by definition each step's amplitude shrinks by gamma ** step."""
    args = {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 5, "mode": "exp_range", "gamma": 0.9}
    cfg = RunConfig(lr=LR, epochs=EPOCHS, schedule=ScheduleConfig(name="cyclic", **args))
    table = lr_table(cfg, SPE)
    make = lambda o: lrs.CyclicLR(o, 0.01, 0.1, step_size_up=5, mode="exp_range", gamma=0.9, cycle_momentum=False)  # noqa: E731
    assert table == pytest.approx(by_hand(make, "step"), rel=1e-12)
    closed = [0.01 + 0.09 * (1 - abs((s % 10) / 5 - 1)) * 0.9**s for s in range(T)]
    assert table == pytest.approx(closed, rel=1e-9)


def test_a_scheduler_argument_its_scheduler_does_not_read_is_one_warning(tmp_path):
    """A `gamma` on OneCycleLR is no argument of it: the rerun leaves it out, and the student's report says so."""
    from grader.load import load_submission

    folder = tmp_path / "s1"
    folder.mkdir()
    (folder / "submission.toml").write_text(
        '[student]\nid = "s1"\nname = "S"\n[[run]]\nname = "oc"\noptimizer = "sgd"\nlr = 0.1\nepochs = 2\n'
        'schedule = { name = "onecycle", gamma = 0.5, pct_start = 0.25 }\n'
        '[[run]]\nname = "cy"\noptimizer = "sgd"\nlr = 0.1\nepochs = 2\n'
        'schedule = { name = "cyclic", mode = "exp_range", gamma = 0.99 }\n'
    )
    x = load_submission(folder)
    assert x.error is None and x.warnings[0] == (
        '[[run]] "oc": gamma set, but OneCycleLR (onecycle) reads no such argument: left out of the rerun'
    )
    # and each says its momentum is not cycled, as torch's would be by default (examiner probe 13)
    assert x.warnings[1:] == [f'[[run]] "{n}": rerun with momentum not cycled; torch\'s {c} cycles it by default '
                              "(cycle_momentum=True): if your run used torch's default, write cycle_momentum = true "
                              "in its schedule" for n, c in (("oc", "OneCycleLR"), ("cy", "CyclicLR"))]  # fmt: skip


@pytest.mark.parametrize(("name", "low", "high"), [("onecycle", 0.85, 0.95), ("cyclic", 0.8, 0.9)])
def test_cycle_momentum_is_torch_s_own_cycling_and_stated_by_the_student(name, low, high):
    """Examiner probe 13: torch's OneCycleLR and CyclicLR cycle momentum unless told not to; a run made with their
    defaults trains otherwise than the rerun, which did not (an honest log 'outside the seed noise', no cause named).
    `cycle_momentum = true` reruns it as torch does (its bounds torch's defaults), on SGD without momentum too (torch
    sets it); left out or false, the momentum stays the optimizer's — the committed references' config."""
    from grader.plan import plan
    from grader.schema import Assignment, Submission
    from reference.optim import build_optimizer, build_schedule

    sub = Submission.model_validate({"student": {"id": "s", "name": "S"}, "run": [
        {"name": "r", "optimizer": "sgd", "momentum": 0.0, "lr": 0.1, "epochs": 2,
         "schedule": {"name": name, "step_size_up": 5, "cycle_momentum": True}}]})  # fmt: skip
    (cfg,) = [p.config for p in plan(sub, Assignment(train_epochs=2, max_epochs=2), False) if p.kind == "train"]
    assert cfg.schedule.cycle_momentum is True
    momenta = []
    for c in (cfg, cfg.model_copy(update={"schedule": cfg.schedule.model_copy(update={"cycle_momentum": None})})):
        opt = build_optimizer(c, [torch.nn.Parameter(torch.zeros(1))])
        sched, seen = build_schedule(opt, c, 10), []
        for _ in range(10):
            seen.append(opt.param_groups[0]["momentum"])
            opt.step()
            sched.step()
        momenta.append(seen)
    assert max(momenta[0]) == pytest.approx(high) and min(momenta[0]) == pytest.approx(low)
    assert set(momenta[1]) == {0.0}
    plain = ScheduleConfig(name=name, cycle_momentum=False, max_momentum=0.5)  # false is left out, bounds with it
    assert plain == ScheduleConfig(name=name) and "cycle_momentum" not in plain.model_dump()


def _load_warnings(tmp_path, **schedules: str) -> list[str]:
    """The load warnings of a submission of one 2-epoch SGD [[run]] per schedule ({run name: inline table})."""
    from grader.load import load_submission

    (tmp_path / "s1").mkdir()
    runs = "".join(f'[[run]]\nname = "{name}"\noptimizer = "sgd"\nlr = 0.1\nepochs = 2\nschedule = {table}\n'
                   for name, table in schedules.items())  # fmt: skip
    (tmp_path / "s1" / "submission.toml").write_text(f'[student]\nid = "s1"\nname = "S"\n{runs}')
    return load_submission(tmp_path / "s1").warnings


def test_momentum_bounds_without_cycling_are_named_as_left_out(tmp_path):
    """Examiner probe 14: `base_momentum` set without `cycle_momentum` was dropped with only the generic line."""
    oc, off = _load_warnings(tmp_path, oc='{ name = "onecycle", base_momentum = 0.8 }',
                             off='{ name = "cyclic", cycle_momentum = false, max_momentum = 0.9 }')  # fmt: skip
    assert "cycle_momentum = true" in oc and oc.endswith("base_momentum set, but left out of the rerun (they bound a "
                                                         "cycle)")  # fmt: skip
    assert off == ('[[run]] "off": momentum not cycled (cycle_momentum = false); max_momentum set, but left out of the '
                   "rerun (they bound a cycle)")  # fmt: skip


def test_momentum_bounds_the_wrong_way_round_are_warned(tmp_path):
    """Examiner probe 16: base_momentum 0.95 > max_momentum 0.5 was accepted silently (torch takes it as given)."""
    (warning,) = _load_warnings(tmp_path, oc='{ name = "onecycle", cycle_momentum = true, base_momentum = 0.95, '
                                             'max_momentum = 0.5 }')  # fmt: skip
    assert warning.startswith('[[run]] "oc": base_momentum 0.95 > max_momentum 0.5: rerun as given')
    assert "swapped" in warning
