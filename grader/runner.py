"""Run (cached): every distinct planned run once, results on disk by content address, written atomically.

A class run killed at any moment (even `kill -9`) and restarted picks up every finished run: a result file
only ever appears whole (write to a temporary file, fsync, rename).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from grader.plan import PlannedRun
from grader.unit import Unit, run_unit
from reference.config import RunConfig
from reference.outputs import write_json_atomic

CACHE_CAP = 256 * 1024 * 1024  # bytes of one cached result (a 10,000-step sweep is well under 1 MB)
log = logging.getLogger("grader")


@dataclass
class Outcome:
    result: dict | None
    error: str | None = None
    cached: bool = False


class Cache:
    """Rerun results by cache key, one JSON file each. An entry that cannot be read back whole (not a regular file,
    not UTF-8 JSON, not shaped like a result) is a miss with one warning naming it, never an error."""

    def __init__(self, root: Path):
        self.root = root
        self.warnings: list[str] = []

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict | None:
        from grader.load import InputError, read_text

        path = self.path(key)
        if not os.path.lexists(path):
            return None
        try:
            result = json.loads(read_text(path, CACHE_CAP, str(path), fix=""))
            problem = _not_a_result(result)
        except InputError as err:
            problem = str(err).removeprefix(f"{path} ").removeprefix(f"cannot read {path}: ")
        except (ValueError, RecursionError) as err:  # JSONDecodeError is a ValueError
            problem = f"not JSON ({type(err).__name__})"
        if problem:
            self._warn(f"ignoring cache entry {path}: {problem}; it will be rerun")
            return None
        return result

    def put(self, key: str, result: dict) -> None:
        try:
            write_json_atomic(result, self.path(key))
        except OSError as err:  # the result is still used; only the cache misses it
            self._warn(f"could not write cache entry {self.path(key)}: {err.strerror or type(err).__name__}")

    def _warn(self, message: str) -> None:
        self.warnings.append(message)
        log.warning("grade: warning: %s", message)


_RESULT_KEYS = {"train_loss": list, "epochs": list, "meta": dict}


def _not_a_result(obj: object) -> str | None:
    """Why a cached JSON value is not a rerun result (the keys the checks read), or None."""
    if not isinstance(obj, dict):
        return f"a JSON {type(obj).__name__}, not a result"
    missing = [k for k, kind in _RESULT_KEYS.items() if not isinstance(obj.get(k), kind)]
    missing += [k for k in ("final", "diverged") if k not in obj or not isinstance(obj[k], (dict, type(None)))]
    if not missing:
        meta = obj["meta"]
        missing = [f"meta.{k}" for k in ("wall_time_s", "test_size") if not isinstance(meta.get(k), (int, float))]
    config = obj.get("config")
    if not missing and isinstance(config, dict) and config.get("task") == "range-test":
        missing += [] if isinstance(obj.get("suggestions"), dict) else ["suggestions"]
    return f"missing or malformed {', '.join(missing)}" if missing else None


def engine_tag(engine: str, device: str, nproc: int = 2) -> str:
    """The engine that will run, as recorded in cache keys and reports: results of different engines are not mixed."""
    from reference.engines import resolve

    return resolve(engine, device).tag(nproc)


CALIBRATION_STEPS = 64


def step_seconds(dataset: str, batch_size: int, device: str, data_root: str | None = None) -> float:
    """Seconds one rerun step takes here, measured (an upload grade's budget, issue 22): a short run of the
    default engine once its data is loaded (a first, 8-step run loads it), evaluation and start-up counted in."""
    seconds = 0.0
    for n in (8, CALIBRATION_STEPS):
        cfg = RunConfig(dataset=dataset, batch_size=batch_size, epochs=1, max_steps=n)
        out = run_unit(Unit((cfg,), None, device, 600.0, data_root=data_root))[0]
        if "result" not in out:
            raise ValueError(f"could not time a rerun step here: {out['error']}")
        seconds = out["result"]["meta"]["wall_time_s"] / n
    return seconds


def resolve_jobs(jobs: int | str, device: str = "cpu", engine: str = "auto") -> int:
    """`auto`: one process per CPU core (1 thread each, so results are the same on any core count); one on a
    GPU, where runs batch instead, and for engines whose runs are multi-process already."""
    from reference.engines import resolve

    if jobs != "auto":
        return int(jobs)
    return 1 if device == "cuda" or resolve(engine, device).processes else os.cpu_count() or 1


def execute(
    planned: Iterable[PlannedRun],
    cache: Cache,
    *,
    device: str = "cpu",
    jobs: int = 1,
    force: bool = False,
    time_limit: float = 600.0,
    progress: bool = False,
    engine: str = "auto",
    nproc: int = 2,
    ray: str | None = None,
    data_root: str | None = None,
    download: bool = False,
    deadline: float | None = None,
) -> dict[str, Outcome]:
    """Outcome per cache key. Identical runs (same key) are run once however many students share them.
    `deadline` (time.monotonic(); an upload grade's budget): a run starting later, or still running then, stops
    with a TimeLimitExceeded error.

    Work is split into units (one run each, or one group per architecture/data/length for an engine that
    batches); units run in this process, on `jobs` worker processes, or as Ray tasks (`ray`: "auto" or an address).
    """
    from reference.engines import resolve

    chosen = resolve(engine, device)
    tag = chosen.tag(nproc)
    todo: dict[str, PlannedRun] = {}
    outcomes: dict[str, Outcome] = {}
    for p in planned:
        key = p.key(device, tag, data=data_root)
        if key in outcomes or key in todo:
            continue
        hit = None if force else cache.get(key)
        if hit is not None:
            outcomes[key] = Outcome(hit, cached=True)
        else:
            todo[key] = p
    keys = list(todo)
    units = [[keys[i] for i in idx] for idx in chosen.units([(todo[k].config, todo[k].until_epoch) for k in keys])]
    tty = sys.stderr.isatty()
    bar = _bar(progress, len(todo), tty)

    def finish(unit: list[str], outs: list[dict]) -> None:
        for key, out in zip(unit, outs, strict=True):
            if "result" in out:
                cache.put(key, out["result"])
            outcomes[key] = Outcome(out.get("result"), out.get("error"))
            bar.update(1)

    def work(unit: list[str], step_bars: bool = False) -> Unit:
        limit = time_limit if deadline is None else min(time_limit, deadline - time.monotonic())
        return Unit(tuple(todo[k].config for k in unit), todo[unit[0]].until_epoch, device, limit,
                    engine=chosen.name, nproc=nproc, progress=step_bars, data_root=data_root,
                    download=download)  # fmt: skip

    if ray:
        from grader.fanout import run_on_ray

        run_on_ray({tuple(u): work(u) for u in units}, finish, address=ray, progress=progress and tty)
    elif jobs <= 1 or len(units) <= 1:
        for unit in units:
            late = deadline is not None and time.monotonic() >= deadline
            finish(unit, [{"error": "TimeLimitExceeded: the time budget was spent"}] * len(unit) if late else
                   run_unit(work(unit, progress and tty)))  # fmt: skip  # a step bar per rerun, under the class bar
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(run_unit, work(u)): u for u in units}
            for fut in as_completed(futures):
                finish(futures[fut], fut.result())
    bar.close()
    return outcomes


def _bar(enabled: bool, total: int, tty: bool):
    """Finished reruns: a tqdm bar on a terminal; in a log (stderr not a terminal), plain lines."""
    if not tty:
        return ProgressLines(total if enabled else 0)
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="reruns", unit="run", disable=not enabled or total == 0, leave=False)


class ProgressLines:
    """`reruns 12/58 done, 40 s` on stderr: at most one line every `every` seconds, and one when all are done.

    A log fed by `grade > log 2>&1` (CI, nohup, a scheduler) shows the class moving instead of minutes of silence.
    """

    def __init__(self, total: int, every: float = 10.0):
        self.total, self.every, self.done = total, every, 0
        self.start = self.last = time.monotonic()

    def update(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if self.total and (now - self.last >= self.every or self.done == self.total):
            self.last = now
            print(f"reruns {self.done}/{self.total} done, {now - self.start:.0f} s", file=sys.stderr, flush=True)

    def close(self) -> None:
        pass
