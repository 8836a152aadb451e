"""LR schedules: one name → a torch `lr_scheduler` class and its arguments, from which the CLI flags, the submission
schema, the legacy reader and docs/submission.md's table are derived. Data only, no torch: config.py validates names
and cadences against this table; reference/optim.py builds the scheduler, and LR tables come from stepping it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# The auto schedulers' LR factors tried each step: seed 004's lists of 3, 5 and 7 (reference/auto.py).
FACTOR_LISTS: dict[int, tuple[float, ...]] = {
    3: (2.0, 1.0, 0.5),
    5: (4.0, 2.0, 1.0, 0.5, 0.125),
    7: (8.0, 4.0, 2.0, 1.0, 0.5, 0.25, 0.125),
}

# An entry's arguments for its torch class, given the run config and n = how many times `scheduler.step()` will be
# called (optimizer steps for cadence "step", epochs for cadence "epoch").
Arguments = Callable[[Any, int], dict]


@dataclass(frozen=True)
class Schedule:
    scheduler: str  # the class in torch.optim.lr_scheduler that runs it
    arguments: Arguments  # its keyword arguments (the optimizer aside)
    cadence: str  # natural cadence, used when the config leaves it out
    required: tuple[str, ...] = ()  # ScheduleConfig fields that must be set
    args: tuple[str, ...] = ()  # the ScheduleConfig fields this scheduler reads (shown in reports)
    doc: str = ""  # one line for docs/submission.md's table
    # A legacy config.py's `LR_SCHEDULER = dict(type=<torch>, ...)` is read as this entry (grader/legacy.py); its
    # keyword arguments named like `args` are kept, `spans` (the run's length, which the grader sets) is dropped.
    torch: str | None = None
    spans: str | None = None
    start_lr: Callable[[Any], float] | None = None  # the optimizer's LR to set before the scheduler is built
    defaults: tuple[tuple[str, float], ...] = ()  # torch's defaults of arguments it does not require (filled in)


def _exp_sweep(cfg, n) -> dict:
    # The course's range test: LambdaLR growing the LR exponentially from lr to end_lr over n steps.
    ratio = cfg.schedule.end_lr / cfg.lr
    return {"lr_lambda": lambda i: ratio ** (min(i, n - 1) / max(n - 1, 1))}


def _linear_sweep(cfg, n) -> dict:
    # LinearLR only scales *down* from the optimizer's LR, so the group starts at end_lr (`start_lr`) and is scaled
    # from lr/end_lr up to 1.
    return {"start_factor": cfg.lr / cfg.schedule.end_lr, "end_factor": 1.0, "total_iters": max(n - 1, 1)}


def _momentum(s, base: float, top: float) -> dict:
    """cycle_momentum and its bounds: torch's defaults (`base`, `top`) where cycled and not stated."""
    if not s.cycle_momentum:
        return {"cycle_momentum": False}
    return {"cycle_momentum": True, "base_momentum": s.base_momentum if s.base_momentum is not None else base,
            "max_momentum": s.max_momentum if s.max_momentum is not None else top}  # fmt: skip


def _cyclic(cfg, n) -> dict:
    s = cfg.schedule
    return {"base_lr": s.base_lr or cfg.lr / 10, "max_lr": s.max_lr or cfg.lr, "step_size_up": s.step_size_up,
            "step_size_down": s.step_size_down, "mode": s.mode, "gamma": s.gamma or 1.0,  # exp_range's decay
            **_momentum(s, 0.8, 0.9)}  # fmt: skip


def _onecycle(cfg, n) -> dict:
    s = cfg.schedule
    return {"max_lr": s.max_lr or cfg.lr, "total_steps": n, "pct_start": s.pct_start, "div_factor": s.div_factor,
            "final_div_factor": s.final_div_factor, **_momentum(s, 0.85, 0.95)}  # fmt: skip


def _table(cfg, n) -> dict:
    table = cfg.schedule.table  # past its end, the last factor holds
    return {"lr_lambda": lambda i: table[min(i, len(table) - 1)]}


def _constant(cfg, n) -> dict:
    return {"lr_lambda": lambda i: 1.0}


SCHEDULES: dict[str, Schedule] = {
    "constant": Schedule("LambdaLR", _constant, "epoch", doc="LambdaLR(1.0): LR fixed at `lr`", torch="ConstantLR"),
    "lambda-exp": Schedule("LambdaLR", _exp_sweep, "step", ("end_lr",), ("end_lr",),
                           "LambdaLR: `lr` → `end_lr` exponentially"),
    "linear-sweep": Schedule("LinearLR", _linear_sweep, "step", ("end_lr",), ("end_lr",),
                             "LinearLR: `lr` → `end_lr` linearly", start_lr=lambda c: c.schedule.end_lr),
    "step": Schedule(
        "StepLR", lambda c, n: {"step_size": c.schedule.step_size, "gamma": c.schedule.gamma}, "epoch",
        ("step_size",), ("step_size", "gamma"), "StepLR: × `gamma` (torch's default 0.1) every `step_size`", "StepLR",
        defaults=(("gamma", 0.1),),
    ),
    "multistep": Schedule(
        "MultiStepLR", lambda c, n: {"milestones": list(c.schedule.milestones), "gamma": c.schedule.gamma}, "epoch",
        ("milestones",), ("milestones", "gamma"), "MultiStepLR: × `gamma` (torch's default 0.1) at each milestone",
        "MultiStepLR", defaults=(("gamma", 0.1),),
    ),
    "exponential": Schedule(
        "ExponentialLR", lambda c, n: {"gamma": c.schedule.gamma}, "epoch", ("gamma",), ("gamma",),
        "ExponentialLR: × `gamma` each scheduler step", "ExponentialLR",
    ),
    "onecycle": Schedule(
        "OneCycleLR", _onecycle, "step", (),
        ("max_lr", "pct_start", "div_factor", "final_div_factor", "cycle_momentum", "base_momentum", "max_momentum"),
        "OneCycleLR over the whole run (momentum cycled with `cycle_momentum`)",
        "OneCycleLR", "total_steps",
    ),
    "cyclic": Schedule(
        "CyclicLR", _cyclic, "step", (), ("base_lr", "max_lr", "step_size_up", "step_size_down", "mode", "gamma",
                                          "cycle_momentum", "base_momentum", "max_momentum"),
        "CyclicLR between `base_lr` and `max_lr` (momentum cycled with `cycle_momentum`)",
        "CyclicLR",
    ),
    "linear-decay": Schedule(
        "LinearLR", lambda c, n: {"start_factor": 1.0, "end_factor": c.schedule.end_factor, "total_iters": n},
        "epoch", (), ("end_factor",), "LinearLR: `lr` → `end_factor`·`lr` over the run", "LinearLR", "total_iters",
    ),
    "cosine": Schedule(
        "CosineAnnealingLR", lambda c, n: {"T_max": n, "eta_min": c.schedule.eta_min}, "epoch", (), ("eta_min",),
        "CosineAnnealingLR: `lr` → `eta_min` over the run", "CosineAnnealingLR", "T_max",
    ),
    "polynomial": Schedule(
        "PolynomialLR", lambda c, n: {"total_iters": n, "power": c.schedule.power or 1.0}, "epoch", (), ("power",),
        "PolynomialLR: `lr` → 0 as (1 − t/T)^`power` over the run", "PolynomialLR", "total_iters",
    ),
    # A legacy LambdaLR's lambda, tabulated as data by grader/legacy.py: LambdaLR reading its factor off the table.
    "table": Schedule("LambdaLR", _table, "step", ("table",), ("table",), "LambdaLR: the factor of each step from "
                      "`table` (a legacy config's lambda, tabulated)", "LambdaLR"),
    # The auto controller (reference/auto.py), not torch, moves the LR: it sets the group LR before every step.
    "auto": Schedule("LambdaLR", _constant, "step", (), ("factors",), doc="seed 004's automated scheduler "
                     "(reference/auto.py sets the LR each step from its `factors`; torch keeps it)"),
    "auto-corrected": Schedule("LambdaLR", _constant, "step", (), ("factors",),
                               doc="the corrected automated scheduler (README)"),
}  # fmt: skip
