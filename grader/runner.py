"""Run (cached): every distinct planned run once, results on disk by content address, written atomically.

A class run killed at any moment (even `kill -9`) and restarted picks up every finished run: a result file
only ever appears whole (write to a temporary file, fsync, rename).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from grader.plan import PlannedRun
from reference.outputs import write_json_atomic


@dataclass
class Outcome:
    result: dict | None
    error: str | None = None
    cached: bool = False


class Cache:
    def __init__(self, root: Path):
        self.root = root

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict | None:
        try:
            return json.loads(self.path(key).read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def put(self, key: str, result: dict) -> None:
        write_json_atomic(result, self.path(key))


def run_unit(
    configs: list[dict],
    untils: list[int | None],
    device: str,
    time_limit: float,
    threads: int | None = None,
    progress: bool = False,
    engine: str = "sequential",
    nproc: int = 2,
) -> list[dict]:
    """One unit of work (a single run, or a batched group), in this process, a worker or a Ray task.

    Returns one `{"result": ...}` or `{"error": "one line"}` per config: a student's config must never take
    the class down. Engine "batched" trains the unit together (its runs share architecture, data and length).
    """
    import torch

    from reference.config import RunConfig
    from reference.engines import run_many

    if threads:
        torch.set_num_threads(threads)
    if engine == "batched":
        try:
            cfgs = [RunConfig(**c) for c in configs]
            limit = time_limit * len(cfgs)
            return [{"result": r} for r in run_many(cfgs, engine=engine, device=device, until_epoch=untils[0],
                                                    time_limit=limit, progress=progress)]  # fmt: skip
        except Exception as err:  # the whole group failed together: say so for each run
            return [{"error": _one_line(err)}] * len(configs)
    outs = []
    for config, until in zip(configs, untils, strict=True):
        try:
            (result,) = run_many([RunConfig(**config)], engine=engine, device=device, until_epoch=until,
                                 time_limit=time_limit, progress=progress, nproc=nproc)  # fmt: skip
            outs.append({"result": result})
        except Exception as err:
            outs.append({"error": _one_line(err)})
    return outs


def _one_line(err: Exception) -> str:
    return f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}".rstrip(": ")


def engine_tag(engine: str, device: str, nproc: int = 2) -> str:
    """The engine that will run, as recorded in cache keys: results of different engines are not mixed."""
    from reference.engines import resolve

    engine = resolve(engine, device)
    return f"colossalai:{nproc}" if engine == "colossalai" else engine


def resolve_jobs(jobs: int | str, device: str = "cpu", engine: str = "sequential") -> int:
    """`auto`: one process per CPU core (1 thread each, so results are the same on any core count); one on a
    GPU, where runs batch instead, and for colossalai, whose runs are multi-process already."""
    if jobs != "auto":
        return int(jobs)
    return 1 if device == "cuda" or engine == "colossalai" else os.cpu_count() or 1


def execute(
    planned: Iterable[PlannedRun],
    cache: Cache,
    *,
    device: str = "cpu",
    jobs: int = 1,
    force: bool = False,
    time_limit: float = 600.0,
    progress: bool = False,
    engine: str = "sequential",
    nproc: int = 2,
    ray: str | None = None,
) -> dict[str, Outcome]:
    """Outcome per cache key. Identical runs (same key) are run once however many students share them.

    Work is split into units (one run each, or one group per architecture/data/length for `batched`); units
    run in this process, on `jobs` worker processes, or as tasks on a Ray cluster (`ray`: "auto" or an address).
    """
    from reference.engines import groups

    tag = engine_tag(engine, device, nproc)
    engine = tag.split(":")[0]
    todo: dict[str, PlannedRun] = {}
    outcomes: dict[str, Outcome] = {}
    for p in planned:
        key = p.key(device, tag)
        if key in outcomes or key in todo:
            continue
        hit = None if force else cache.get(key)
        if hit is not None:
            outcomes[key] = Outcome(hit, cached=True)
        else:
            todo[key] = p
    keys = list(todo)
    if engine == "batched":
        units = [[keys[i] for i in g] for g in groups([(todo[k].config, todo[k].until_epoch) for k in keys])]
    else:
        units = [[k] for k in keys]
    bar = _bar(progress, len(todo))

    def finish(unit: list[str], outs: list[dict]) -> None:
        for key, out in zip(unit, outs, strict=True):
            if "result" in out:
                cache.put(key, out["result"])
            outcomes[key] = Outcome(out.get("result"), out.get("error"))
            bar.update(1)

    def call(unit: list[str], threads: int | None, step_bars: bool) -> tuple:
        return ([todo[k].config.model_dump(mode="json") for k in unit], [todo[k].until_epoch for k in unit],
                device, time_limit, threads, step_bars, engine, nproc)  # fmt: skip

    if ray:
        from grader.fanout import run_on_ray

        run_on_ray({tuple(u): call(u, None, False) for u in units}, finish, address=ray, progress=progress)
    elif jobs <= 1 or len(units) <= 1:
        for unit in units:
            finish(unit, run_unit(*call(unit, None, progress)))  # a step bar per rerun, under the class bar
    else:
        threads = max(1, (os.cpu_count() or 1) // jobs)  # jobs × threads ≤ cores, no oversubscription
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(run_unit, *call(u, threads, False)): u for u in units}
            for fut in as_completed(futures):
                finish(futures[fut], fut.result())
    bar.close()
    return outcomes


def _bar(enabled: bool, total: int):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="reruns", unit="run", disable=not enabled or total == 0, leave=False)
