"""Engines: how a list of runs is executed. Every engine returns the same result dicts as `reference.loop.run`.

- `sequential`: one run after another through `reference.loop.run` (the reference, bit-reproducible).
- `batched`: runs of one architecture/data/length trained together, parameters stacked (`reference.batched`).
- `colossalai`: each run through ColossalAI's Booster under `torchrun` (`reference.colossal`), as the course ran it.
- `auto`: `batched` on CUDA, `sequential` on CPU (a tiny model gains little from batching on 2 cores).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from reference.config import RunConfig

if TYPE_CHECKING:  # torch is imported by the engines themselves, not for `grade --help`
    import torch

ENGINES = ("auto", "batched", "sequential", "colossalai")


def resolve(engine: str, device: torch.device | str) -> str:
    """The engine that will actually run: `auto` becomes `batched` on CUDA, `sequential` elsewhere."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose from {', '.join(ENGINES)}")
    kind = getattr(device, "type", device)  # a torch.device or its name
    return ("batched" if kind == "cuda" else "sequential") if engine == "auto" else engine


# Runs that can share one batched program agree on these: architecture, data, batch size, length, evaluations.
GROUP_FIELDS = ("dataset", "preprocess", "model", "activation", "pooling", "batch_size", "epochs", "epoch_steps",
                "max_steps", "eval_every", "mistake")


def group_key(cfg: RunConfig, until_epoch: int | None = None) -> tuple:
    """Runs with equal keys can share one batched program (auto schedules are kept apart: they run alone)."""
    return (*(getattr(cfg, f) for f in GROUP_FIELDS), until_epoch, cfg.schedule.name.startswith("auto"))


def groups(items: Sequence[tuple[RunConfig, int | None]]) -> list[list[int]]:
    """Indices of `items` (config, until_epoch) grouped by `group_key`, in first-seen order."""
    by_key: dict[tuple, list[int]] = defaultdict(list)
    for i, (cfg, until) in enumerate(items):
        by_key[group_key(cfg, until)].append(i)
    return list(by_key.values())


def run_many(
    cfgs: Sequence[RunConfig],
    *,
    engine: str = "auto",
    device: str | torch.device = "auto",
    until_epoch: int | None = None,
    nproc: int = 2,
    on_result: Callable[[int, dict], None] | None = None,
    **kw,
) -> list[dict]:
    """Results of `cfgs`, in order, by `engine`; `kw` goes to the engine (data_root, progress, time_limit...)."""
    from reference.loop import pick_device, run

    device = pick_device(device) if isinstance(device, str) else device
    engine = resolve(engine, device)
    results: list[dict | None] = [None] * len(cfgs)

    def done(i: int, result: dict) -> None:
        results[i] = result
        if on_result:
            on_result(i, result)

    if engine == "batched":
        from reference.batched import run_batched

        for idx in groups([(c, until_epoch) for c in cfgs]):
            for i, result in zip(idx, run_batched([cfgs[i] for i in idx], device=device, until_epoch=until_epoch,
                                                  **kw), strict=True):  # fmt: skip
                done(i, result)
    elif engine == "colossalai":
        from reference.colossal import run_colossalai

        for i, cfg in enumerate(cfgs):
            done(i, run_colossalai(cfg, device=device, until_epoch=until_epoch, nproc=nproc, **kw))
    else:
        for i, cfg in enumerate(cfgs):
            done(i, run(cfg, device=device, until_epoch=until_epoch, **kw))
    return results  # type: ignore[return-value]
