"""The optimizer table: one entry per `torch.optim` class the reference trains with. Every other list of optimizers
(RunConfig's Literal, the submission schema, the CLI, the legacy reader, docs/submission.md) is derived from it.

Data only, no torch: config.py imports this table; reference/optim.py builds the optimizer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Optimizer:
    torch: str  # class name in torch.optim (resolved when an optimizer is built; also the legacy config.py name)
    reads: tuple[str, ...]  # RunConfig fields passed as keyword arguments of the same name
    weight_decay: float  # torch's default, used where the config leaves weight_decay out
    doc: str  # one line for docs/submission.md


OPTIMIZERS: dict[str, Optimizer] = {
    "sgd": Optimizer("SGD", ("lr", "momentum", "nesterov", "weight_decay"), 0.0, "SGD with (Nesterov) momentum"),
    "adam": Optimizer("Adam", ("lr", "betas", "weight_decay"), 0.0, "Adam, L2 penalty in the gradient"),
    "adamw": Optimizer("AdamW", ("lr", "betas", "weight_decay"), 0.01, "Adam with decoupled weight decay"),
    "radam": Optimizer("RAdam", ("lr", "betas", "weight_decay"), 0.0, "Adam with a rectified warm-up of its variance"),
}

UNREAD_BY_SOME = ("momentum", "nesterov", "betas")  # RunConfig fields that only some optimizers above read


def unread_by(optimizer: str, fields: Iterable[str]) -> list[str]:
    """Which of `fields` the optimizer's torch class takes no such argument for (betas on SGD, momentum on Adam);
    none for an optimizer the table does not have (the config check refuses it)."""
    entry = OPTIMIZERS.get(optimizer)
    return [f for f in UNREAD_BY_SOME if entry and f in fields and f not in entry.reads]


OptimizerName = Literal[tuple(OPTIMIZERS)]  # type: ignore[valid-type]  # RunConfig.optimizer, from the table
