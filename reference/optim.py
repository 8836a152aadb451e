"""The optimizer and the LR scheduler of a run, built from its config and the tables (reference/optimizers.py,
reference/schedules.py), and the LR of every step read off them."""

from __future__ import annotations

import math

import torch
from torch.optim import lr_scheduler as lrs

from reference.config import RunConfig
from reference.optimizers import OPTIMIZERS
from reference.schedules import SCHEDULES


def build_optimizer(cfg: RunConfig, params) -> torch.optim.Optimizer:
    """The table's torch class for `cfg.optimizer`, given the config fields its entry reads."""
    entry = OPTIMIZERS[cfg.optimizer]
    return getattr(torch.optim, entry.torch)(params, **{f: getattr(cfg, f) for f in entry.reads})


def build_schedule(opt: torch.optim.Optimizer, cfg: RunConfig, steps_per_epoch: int) -> lrs.LRScheduler:
    """The table's torch scheduler for `cfg.schedule`, over the scheduler steps the run will take."""
    entry = SCHEDULES[cfg.schedule.name]
    if entry.start_lr is not None:
        for group in opt.param_groups:
            group["lr"] = entry.start_lr(cfg)
    return getattr(lrs, entry.scheduler)(opt, **entry.arguments(cfg, scheduler_steps(cfg, steps_per_epoch)))


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
