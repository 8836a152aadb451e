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


def _run_one(
    config: dict, until_epoch: int | None, device: str, time_limit: float, threads: int | None, progress: bool = False
) -> dict:
    """One rerun, in this process or a worker. Errors come back as text: one line for the report."""
    import torch

    from reference.config import RunConfig
    from reference.loop import run

    if threads:
        torch.set_num_threads(threads)
    try:
        cfg = RunConfig(**config)
        return {"result": run(cfg, device=device, until_epoch=until_epoch, time_limit=time_limit, progress=progress)}
    except Exception as err:  # a student's config must never take the class down; report it in one line
        return {"error": f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}".rstrip(": ")}


def execute(
    planned: Iterable[PlannedRun],
    cache: Cache,
    *,
    device: str = "cpu",
    jobs: int = 1,
    force: bool = False,
    time_limit: float = 600.0,
    progress: bool = False,
) -> dict[str, Outcome]:
    """Outcome per cache key. Identical runs (same key) are run once however many students share them."""
    todo: dict[str, PlannedRun] = {}
    outcomes: dict[str, Outcome] = {}
    for p in planned:
        key = p.key(device)
        if key in outcomes or key in todo:
            continue
        hit = None if force else cache.get(key)
        if hit is not None:
            outcomes[key] = Outcome(hit, cached=True)
        else:
            todo[key] = p
    bar = _bar(progress, len(todo))

    def finish(key: str, out: dict) -> None:
        if "result" in out:
            cache.put(key, out["result"])
        outcomes[key] = Outcome(out.get("result"), out.get("error"))
        bar.update(1)

    args = {k: (p.config.model_dump(mode="json"), p.until_epoch, device, time_limit) for k, p in todo.items()}
    if jobs <= 1 or len(todo) <= 1:
        for key, a in args.items():
            finish(key, _run_one(*a, None, progress))  # a step bar per rerun, under the class bar
    else:
        threads = max(1, (os.cpu_count() or 1) // jobs)  # jobs × threads ≤ cores, no oversubscription
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(_run_one, *a, threads): key for key, a in args.items()}
            for fut in as_completed(futures):
                finish(futures[fut], fut.result())
    bar.close()
    return outcomes


def _bar(enabled: bool, total: int):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="reruns", unit="run", disable=not enabled or total == 0, leave=False)
