"""LR schedules: one name → torch `lr_scheduler` table, from which the CLI flags, the submission schema, the legacy
reader and docs/submission.md's table are derived. LR tables come from stepping the real schedulers."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
from torch.optim import lr_scheduler as lrs

from reference.optimizers import build_optimizer

if TYPE_CHECKING:  # config.py validates scheduler names against this table, so import lazily
    from reference.config import RunConfig

__all__ = ["SCHEDULES", "Schedule", "build_optimizer", "build_schedule", "lr_table", "scheduler_steps", "total_steps"]

# A builder gets the optimizer, the run config and n = how many times `scheduler.step()` will be called
# (optimizer steps for cadence "step", epochs for cadence "epoch").
Builder = Callable[[torch.optim.Optimizer, "RunConfig", int], lrs.LRScheduler]


@dataclass(frozen=True)
class Schedule:
    build: Builder
    cadence: str  # natural cadence, used when the config leaves it out
    required: tuple[str, ...] = ()  # ScheduleConfig fields that must be set
    args: tuple[str, ...] = ()  # the ScheduleConfig fields this scheduler reads (shown in reports)
    doc: str = ""  # one line for docs/submission.md's table
    # A legacy config.py's `LR_SCHEDULER = dict(type=<torch>, ...)` is read as this entry (grader/legacy.py); its
    # keyword arguments named like `args` are kept, `spans` (the run's length, which the grader sets) is dropped.
    torch: str | None = None
    spans: str | None = None


def _exp_sweep(opt, cfg, n):
    # The course's range test: LambdaLR growing the LR exponentially from lr to end_lr over n steps.
    ratio = cfg.schedule.end_lr / cfg.lr
    return lrs.LambdaLR(opt, lambda i: ratio ** (min(i, n - 1) / max(n - 1, 1)))


def _linear_sweep(opt, cfg, n):
    # LinearLR only scales *down* from the optimizer's LR, so start the group at end_lr and scale
    # from lr/end_lr up to 1.
    for group in opt.param_groups:
        group["lr"] = cfg.schedule.end_lr
    return lrs.LinearLR(opt, start_factor=cfg.lr / cfg.schedule.end_lr, end_factor=1.0, total_iters=max(n - 1, 1))


def _cyclic(opt, cfg, n):
    s = cfg.schedule
    return lrs.CyclicLR(
        opt, base_lr=s.base_lr or cfg.lr / 10, max_lr=s.max_lr or cfg.lr, step_size_up=s.step_size_up,
        step_size_down=s.step_size_down, mode=s.mode, cycle_momentum=False,
    )  # fmt: skip


def _onecycle(opt, cfg, n):
    s = cfg.schedule
    return lrs.OneCycleLR(
        opt, max_lr=s.max_lr or cfg.lr, total_steps=n, pct_start=s.pct_start, div_factor=s.div_factor,
        final_div_factor=s.final_div_factor, cycle_momentum=False,
    )  # fmt: skip


def _table(opt, cfg, n):
    table = cfg.schedule.table  # past its end, the last factor holds
    return lrs.LambdaLR(opt, lambda i: table[min(i, len(table) - 1)])


def _constant(opt, cfg, n):
    return lrs.LambdaLR(opt, lambda i: 1.0)


SCHEDULES: dict[str, Schedule] = {
    "constant": Schedule(_constant, "epoch", doc="LambdaLR(1.0): LR fixed at `lr`", torch="ConstantLR"),
    "lambda-exp": Schedule(_exp_sweep, "step", ("end_lr",), ("end_lr",), "LambdaLR: `lr` → `end_lr` exponentially"),
    "linear-sweep": Schedule(_linear_sweep, "step", ("end_lr",), ("end_lr",), "LinearLR: `lr` → `end_lr` linearly"),
    "step": Schedule(
        lambda o, c, n: lrs.StepLR(o, c.schedule.step_size, c.schedule.gamma), "epoch", ("step_size", "gamma"),
        ("step_size", "gamma"), "StepLR: × `gamma` every `step_size`", "StepLR",
    ),
    "multistep": Schedule(
        lambda o, c, n: lrs.MultiStepLR(o, list(c.schedule.milestones), c.schedule.gamma), "epoch",
        ("milestones", "gamma"), ("milestones", "gamma"), "MultiStepLR: × `gamma` at each milestone", "MultiStepLR",
    ),
    "exponential": Schedule(
        lambda o, c, n: lrs.ExponentialLR(o, c.schedule.gamma), "epoch", ("gamma",), ("gamma",),
        "ExponentialLR: × `gamma` each scheduler step", "ExponentialLR",
    ),
    "onecycle": Schedule(
        _onecycle, "step", (), ("max_lr", "pct_start", "div_factor", "final_div_factor"),
        "OneCycleLR over the whole run (momentum not cycled)", "OneCycleLR", "total_steps",
    ),
    "cyclic": Schedule(
        _cyclic, "step", (), ("base_lr", "max_lr", "step_size_up", "step_size_down", "mode"),
        "CyclicLR between `base_lr` and `max_lr` (momentum not cycled)", "CyclicLR",
    ),
    "linear-decay": Schedule(
        lambda o, c, n: lrs.LinearLR(o, 1.0, c.schedule.end_factor, total_iters=n), "epoch", (), ("end_factor",),
        "LinearLR: `lr` → `end_factor`·`lr` over the run", "LinearLR", "total_iters",
    ),
    "cosine": Schedule(
        lambda o, c, n: lrs.CosineAnnealingLR(o, T_max=n, eta_min=c.schedule.eta_min), "epoch", (), ("eta_min",),
        "CosineAnnealingLR: `lr` → `eta_min` over the run", "CosineAnnealingLR", "T_max",
    ),
    "polynomial": Schedule(
        lambda o, c, n: lrs.PolynomialLR(o, total_iters=n, power=c.schedule.power or 1.0), "epoch", (), ("power",),
        "PolynomialLR: `lr` → 0 as (1 − t/T)^`power` over the run", "PolynomialLR", "total_iters",
    ),
    # A legacy LambdaLR's lambda, tabulated as data by grader/legacy.py: LambdaLR reading its factor off the table.
    "table": Schedule(_table, "step", ("table",), ("table",), "LambdaLR: the factor of each step from `table` (a "
                      "legacy config's lambda, tabulated)", "LambdaLR"),
    # The auto controller (reference/auto.py), not torch, moves the LR: it sets the group LR before every step.
    "auto": Schedule(_constant, "step", doc="seed 004's automated scheduler (reference/auto.py sets the LR each "
                     "step; torch keeps it)"),
    "auto-corrected": Schedule(_constant, "step", doc="the corrected automated scheduler (README)"),
}  # fmt: skip


def build_schedule(opt: torch.optim.Optimizer, cfg: RunConfig, steps_per_epoch: int) -> lrs.LRScheduler:
    return SCHEDULES[cfg.schedule.name].build(opt, cfg, scheduler_steps(cfg, steps_per_epoch))


def total_steps(cfg: RunConfig, steps_per_epoch: int) -> int:
    """Optimizer steps the run takes: all epochs, or max_steps if that comes first."""
    return min(cfg.epochs * steps_per_epoch, cfg.max_steps or math.inf)


def scheduler_steps(cfg: RunConfig, steps_per_epoch: int) -> int:
    n = total_steps(cfg, steps_per_epoch)
    return n if cfg.schedule.cadence == "step" else math.ceil(n / steps_per_epoch)


def lr_table(cfg: RunConfig, steps_per_epoch: int) -> list[float]:
    """The LR of every optimizer step, read off torch's own scheduler stepped on a dummy parameter.

    This is what the training loop will apply; the batched engine and the grader's plots use it.
    """
    opt = build_optimizer(cfg, [torch.nn.Parameter(torch.zeros(1))])
    sched = build_schedule(opt, cfg, steps_per_epoch)
    table = []
    for step in range(total_steps(cfg, steps_per_epoch)):
        table.append(opt.param_groups[0]["lr"])
        last_of_epoch = (step + 1) % steps_per_epoch == 0
        if cfg.schedule.cadence == "step" or last_of_epoch:
            opt.step()  # keeps torch from warning that the scheduler stepped before the optimizer
            sched.step()
    return table
