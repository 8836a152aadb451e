"""Engines: how a list of runs is executed. Every engine drives `reference.loop.drive` (the one training loop) and
returns the same result dicts as `reference.loop.run`; what differs is how a step is taken (one model, K stacked
models, a batch split over torchrun ranks). The table below is all the runner and the Ray backend know of them.

`auto` is not an engine but a choice: `batched` on CUDA, `sequential` elsewhere (a tiny model gains little from
batching on 2 cores).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # torch is imported by the engines themselves, not for `grade --help`
    import torch

    from reference.config import RunConfig


# Each engine's entry points, importing it when it runs: an engine module imports torch, and the engine table is read
# by the CLIs' --help, which starts without it.


def _sequential(cfgs: list[RunConfig], **kw) -> list[dict]:
    from reference.loop import run_each  # torch: an engine is imported when it runs

    return run_each(cfgs, **kw)


def _batched(cfgs: list[RunConfig], **kw) -> list[dict]:
    from reference.engines.batched import run_batched  # torch: an engine is imported when it runs

    return run_batched(cfgs, **kw)


def _batch_group(cfg: RunConfig, until_epoch: float | None) -> tuple:
    from reference.engines.batched import group_key  # torch: an engine is imported when it runs

    return group_key(cfg, until_epoch)


def _colossalai(cfgs: list[RunConfig], **kw) -> list[dict]:
    from reference.engines.colossal import run_each  # torch: an engine is imported when it runs

    return run_each(cfgs, **kw)


def _ready() -> None:
    """An engine that needs nothing beyond torch."""


def _colossalai_ready() -> None:
    from reference.engines.colossal import INSTALL_HINT, EngineUnavailable, available  # torch: as the engine

    if not available():
        raise EngineUnavailable(INSTALL_HINT)


@dataclass(frozen=True)
class Engine:
    name: str
    run: Callable[..., list[dict]]  # (cfgs, *, device, nproc, **kw) → one result per config, in order
    group: Callable[[RunConfig, int | None], tuple] | None  # runs with equal keys train as one program; None: one
    processes: bool  # each run is `nproc` processes: a run holds nproc CPUs/GPUs, and nproc is in the cache tag
    summary: str
    # raises a ValueError of one line where the engine cannot run here (a package missing), before any run is tried:
    # a class graded with an engine that cannot run would turn every rerun into an error charged to the students
    ready: Callable[[], None] = _ready  # module-level: units carry their engine to worker processes

    def units(self, items: Sequence[tuple[RunConfig, int | None]]) -> list[list[int]]:
        """Indices of `items` (config, until_epoch) in units of work: groups of equal `group` keys, or one run each."""
        if self.group is None:
            return [[i] for i in range(len(items))]
        by_key: dict[tuple, list[int]] = defaultdict(list)
        for i, (cfg, until) in enumerate(items):
            by_key[self.group(cfg, until)].append(i)
        return list(by_key.values())

    def tag(self, nproc: int) -> str:
        """This engine as named in cache keys and reports: results of different engines are never mixed."""
        return f"{self.name}:{nproc}" if self.processes else self.name


ENGINES: dict[str, Engine] = {
    "sequential": Engine("sequential", _sequential, None, processes=False,
                         summary="one run after another through reference.loop.run (the reference, bit-reproducible)"),
    "batched": Engine("batched", _batched, _batch_group, processes=False,
                      summary="runs of one architecture/data/length trained together, parameters stacked"),
    "colossalai": Engine("colossalai", _colossalai, None, processes=True,
                         summary="each run through ColossalAI's Booster under torchrun, as the course ran it",
                         ready=_colossalai_ready),
}  # fmt: skip
CHOICES = ("auto", *ENGINES)  # what --engine accepts


def resolve(engine: str, device: torch.device | str) -> Engine:
    """The engine that will actually run: `auto` becomes `batched` on CUDA, `sequential` elsewhere."""
    if engine not in CHOICES:
        raise ValueError(f"unknown engine {engine!r}; choose from {', '.join(CHOICES)}")
    kind = getattr(device, "type", device)  # a torch.device or its name
    return ENGINES[("batched" if kind == "cuda" else "sequential") if engine == "auto" else engine]


def run_many(
    cfgs: Sequence[RunConfig],
    *,
    engine: str = "auto",
    device: str | torch.device = "auto",
    nproc: int = 2,
    **kw,
) -> list[dict]:
    """Results of `cfgs`, in order, by `engine`; `kw` goes to the engine (until_epoch, data_root, progress, ...)."""
    from reference.loop import pick_device  # torch: not imported for the CLIs' --help

    device = pick_device(device) if isinstance(device, str) else device
    chosen = resolve(engine, device)
    results: list[dict | None] = [None] * len(cfgs)
    for idx in chosen.units([(c, kw.get("until_epoch")) for c in cfgs]):
        for i, result in zip(idx, chosen.run([cfgs[i] for i in idx], device=device, nproc=nproc, **kw), strict=True):
            results[i] = result
    return results  # type: ignore[return-value]
