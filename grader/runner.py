"""Run (cached): every distinct planned run once, results on disk by content address, written atomically.

A class run killed at any moment (even `kill -9`) and restarted picks up every finished run: a result file
only ever appears whole (write to a temporary file, fsync, rename).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch

import reference
from grader.fanout import run_on_ray
from grader.load import read_text
from grader.plan import RERUN_THREADS, PlannedRun, fit_budget
from grader.safe import InputError
from grader.unit import Unit, run_unit
from reference.config import RunConfig
from reference.datasets import DataUnavailable, fingerprint
from reference.engines import resolve
from reference.loop import pick_device
from reference.outputs import write_json_atomic

CACHE_CAP = 256 * 1024 * 1024  # bytes of one cached result (a 10,000-step sweep is well under 1 MB)
BUDGET_MARGIN = 1.25  # an upload grade plans its reruns at this many times the measured step time
log = logging.getLogger("grader")


NOT_RESULTS = ("plots.py",)  # reference modules no rerun result depends on (figures): a change there keeps the cache


@lru_cache(maxsize=1)
def code_hash() -> str:
    """sha256 over the reference engine's source (sorted reference/**/*.py but NOT_RESULTS): a code change is a
    cache miss."""
    root = Path(reference.__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*.py") if p.relative_to(root).as_posix() not in NOT_RESULTS):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def run_key(p: PlannedRun, device: str, engine: str, threads: int = RERUN_THREADS,
            data: str | None = None) -> str:  # fmt: skip
    """Content address of a planned run's result: over everything that changes it — normalised config, prefix
    length, package version, a hash of the reference code, torch version, device, engine, torch threads, dataset
    and the identity of its files (`data`: `Rerunner.data_id`, None for the embedded data)."""
    blob = json.dumps(
        {"config": p.config.model_dump(mode="json"), "until_epoch": p.until_epoch,
         "version": reference.__version__, "code": code_hash(), "torch": torch.__version__,
         "dataset": p.config.dataset, "data": data, "device": device, "engine": engine, "threads": threads},
        sort_keys=True,
    )  # fmt: skip
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


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
    return resolve(engine, device).tag(nproc)


def resolve_jobs(jobs: int | str, device: str = "cpu", engine: str = "auto") -> int:
    """`auto`: one process per CPU core (1 thread each, so results are the same on any core count); one on a
    GPU, where runs batch instead, and for engines whose runs are multi-process already."""
    if jobs != "auto":
        return int(jobs)
    return 1 if device == "cuda" or resolve(engine, device).processes else os.cpu_count() or 1


@dataclass(frozen=True)
class Rerunner:
    """How a grade's reruns run, decided once (`Rerunner.of`): the cache, the device and engine they run on, the
    processes or Ray cluster they run in, where the data is, and the limits. Owns the cache key of a planned run
    and running a batch of them; the grade, the diagnoses' counterfactual reruns and the upload grade all use it."""

    cache: Cache
    device: str  # resolved: "cpu" or "cuda"
    engine: str  # resolved: a name in reference.engines.ENGINES
    nproc: int = 2  # processes per run, for engines whose runs are multi-process
    jobs: int = 1  # worker processes (1: in this process)
    ray: str | None = None  # a Ray cluster's address ("auto" or host:port): units run as Ray tasks
    data_root: str | None = None
    download: bool = False
    time_limit: float = 600.0  # seconds per run
    force: bool = False  # ignore cached results
    progress: bool = False
    deadline: float | None = None  # time.monotonic(): a run starting later, or running then, stops (TimeLimitExceeded)

    @classmethod
    def of(cls, cache_dir: Path, *, device: str = "auto", engine: str = "auto", jobs: int | str = "auto",
           data_root: str | Path | None = None, **settings) -> Rerunner:  # fmt: skip
        """Settings as a user gives them ("auto", a relative data root) resolved for this machine."""
        dev = pick_device(device).type
        root = str(Path(data_root).expanduser().resolve()) if data_root else None
        chosen = resolve(engine, dev)
        chosen.ready()  # one line (a ValueError) before any rerun where the engine cannot run here
        return cls(Cache(cache_dir), dev, chosen.name, jobs=resolve_jobs(jobs, dev, engine),
                   data_root=root, **settings)  # fmt: skip

    @property
    def tag(self) -> str:
        """The engine as cache keys and reports record it."""
        return engine_tag(self.engine, self.device, self.nproc)

    def key(self, p: PlannedRun) -> str:
        return run_key(p, self.device, self.tag, data=self.data_id(p.config.dataset))

    def data_id(self, dataset: str) -> str | None:
        """The identity of the files a run of `dataset` reads (reference.datasets.fingerprint: their names and
        contents, digested once per grade): files replaced in place under the same data root are a cache miss, and
        the same files under another root a hit. None for embedded data; the root itself where the files are not
        there (the grade stops before any rerun then: grader.grade's data check)."""
        try:
            return fingerprint(dataset, self.data_root)
        except DataUnavailable:
            return f"unavailable:{self.data_root}"

    def cached(self, p: PlannedRun) -> bool:
        return not self.force and self.cache.get(self.key(p)) is not None

    def outcomes(self, planned: list[PlannedRun]) -> list[Outcome]:
        """`run`, in the order of `planned` (grader.diagnoses.Execute: the counterfactual reruns that test a likely
        cause, whose progress is labelled so: examiner probe 38 read a second "reruns 1/1 done" as the class's)."""
        done = self.run(planned, label="counterfactual reruns")
        return [done[self.key(p)] for p in planned]

    def run(self, planned: Iterable[PlannedRun], label: str = "reruns") -> dict[str, Outcome]:
        """Outcome per cache key. Identical runs (same key) are run once however many students share them. Work is
        split into units (one run each, or one group per architecture/data/length for an engine that batches);
        units run in this process, on `jobs` worker processes, or as Ray tasks."""
        todo: dict[str, PlannedRun] = {}
        outcomes: dict[str, Outcome] = {}
        for p in planned:
            key = self.key(p)
            if key in outcomes or key in todo:
                continue
            hit = None if self.force else self.cache.get(key)
            if hit is not None:
                outcomes[key] = Outcome(hit, cached=True)
            else:
                todo[key] = p
        tty = sys.stderr.isatty()
        bar = _bar(self.progress, len(todo), tty, label)
        keys, chosen = list(todo), resolve(self.engine, self.device)
        units = [[keys[i] for i in idx] for idx in chosen.units([(todo[k].config, todo[k].until_epoch) for k in keys])]

        def finish(unit: list[str], outs: list[dict]) -> None:
            for key, out in zip(unit, outs, strict=True):
                if "result" in out:
                    self.cache.put(key, out["result"])
                outcomes[key] = Outcome(out.get("result"), out.get("error"))
                bar.update(1)

        def work(unit: list[str], step_bars: bool = False) -> Unit:
            limit = self.time_limit if self.deadline is None else min(self.time_limit, self.deadline - time.monotonic())
            return Unit(tuple(todo[k].config for k in unit), todo[unit[0]].until_epoch, self.device, limit, chosen,
                        nproc=self.nproc, progress=step_bars, data_root=self.data_root,
                        download=self.download)  # fmt: skip

        if self.ray:
            run_on_ray({tuple(u): work(u) for u in units}, finish, address=self.ray, progress=self.progress and tty)
        elif self.jobs <= 1 or len(units) <= 1:
            for unit in units:
                late = self.deadline is not None and time.monotonic() >= self.deadline
                finish(unit, [{"error": "TimeLimitExceeded: the time budget was spent"}] * len(unit) if late else
                       run_unit(work(unit, self.progress and tty)))  # fmt: skip
        else:
            with ProcessPoolExecutor(max_workers=self.jobs) as pool:
                futures = {pool.submit(run_unit, work(u)): u for u in units}
                for fut in as_completed(futures):
                    finish(futures[fut], fut.result())
        bar.close()
        return outcomes

    def deferrals(self, todo: dict[Path, list[PlannedRun]], seconds: float, dataset: str) -> dict[Path, set[str]]:
        """Per submission, the entries an upload grade defers: those whose uncached reruns do not fit in `seconds`
        at BUDGET_MARGIN × the step and run times measured here, cheapest first (grader.plan.fit_budget)."""
        entries: dict[tuple[Path, str], list[PlannedRun]] = {}
        for folder, ps in todo.items():
            for p in ps:
                if not self.cached(p):
                    entries.setdefault((folder, p.name), []).append(p)
        cut = set()
        if entries:
            step_s, run_s = self.timing(dataset, next(iter(entries.values()))[0].config.batch_size)
            cut = fit_budget(entries, seconds, BUDGET_MARGIN * step_s, BUDGET_MARGIN * run_s)
        return {f: {name for folder, name in cut if folder == f} for f in todo}

    def timing(self, dataset: str, batch_size: int) -> tuple[float, float]:
        """(seconds a rerun step takes here, seconds a run costs besides its steps), measured (an upload grade's
        budget, issue 22): two short runs once the data is loaded, their difference the steps' cost."""
        self._timed(dataset, batch_size, 8)  # loads the data, warms up the thread pool
        short, long = (self._timed(dataset, batch_size, n) for n in (8, CALIBRATION_STEPS))
        step = max(long - short, 0.0) / (CALIBRATION_STEPS - 8)
        return step, max(short - 8 * step, 0.0)

    def _timed(self, dataset: str, batch_size: int, steps: int) -> float:
        cfg = RunConfig(dataset=dataset, batch_size=batch_size, epochs=1, epoch_steps=steps)  # one epoch of `steps`
        unit = Unit((cfg,), None, self.device, 600.0, resolve(self.engine, self.device), data_root=self.data_root)
        out = run_unit(unit)[0]
        if "result" not in out:
            raise ValueError(f"could not time a rerun step here: {out['error']}")
        return out["result"]["meta"]["wall_time_s"]


CALIBRATION_STEPS = 64


def _bar(enabled: bool, total: int, tty: bool, label: str = "reruns"):
    """Finished reruns: a tqdm bar on a terminal; in a log (stderr not a terminal), plain lines."""
    if not tty:
        return ProgressLines(total if enabled else 0, label=label)
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=label, unit="run", disable=not enabled or total == 0, leave=False)


class ProgressLines:
    """`reruns 12/58 done, 40 s` on stderr: at most one line every `every` seconds, and one when all are done.

    A log fed by `grade > log 2>&1` (CI, nohup, a scheduler) shows the class moving instead of minutes of silence.
    """

    def __init__(self, total: int, every: float = 10.0, label: str = "reruns"):
        self.total, self.every, self.done, self.label = total, every, 0, label
        self.start = self.last = time.monotonic()

    def update(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if self.total and (now - self.last >= self.every or self.done == self.total):
            self.last = now
            print(f"{self.label} {self.done}/{self.total} done, {now - self.start:.0f} s", file=sys.stderr, flush=True)

    def close(self) -> None:
        pass
