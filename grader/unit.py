"""A unit of rerun work (one run, or one batched group) and how it runs: in this process, a worker or a Ray task.

Below the runner (which splits the work and caches results) and beside the Ray backend, which ships units to a
cluster: neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from grader.plan import RERUN_THREADS
from reference.config import RunConfig
from reference.engines import Engine


@dataclass(frozen=True)
class Unit:
    """What `run_unit` needs: the configs (one run, or a group the engine trains together) and how to run them."""

    configs: tuple[RunConfig, ...]
    until_epoch: float | None  # the same for every run of a unit (quick mode's prefix), None: the full runs
    device: str
    time_limit: float  # seconds per run
    engine: Engine  # resolved (reference.engines.resolve): its functions travel to a worker or Ray task by name
    nproc: int = 2  # processes per run, for engines whose runs are multi-process
    threads: int = RERUN_THREADS  # torch threads per run process: results (and cache keys) do not depend on --jobs
    progress: bool = False  # a step bar per run
    data_root: str | None = None
    download: bool = False

    def resources(self) -> tuple[int, int]:
        """(CPUs, GPUs) the unit holds: one device per run process."""
        n = self.nproc if self.engine.processes else 1
        return (1, n) if self.device == "cuda" else (n, 0)


def run_unit(unit: Unit) -> list[dict]:
    """One `{"result": ...}` or `{"error": "one line"}` per config: a student's config must never take the class
    down. A batched group fails together (it is one program), so its error is each run's."""
    torch.set_num_threads(unit.threads)  # on every path: the thread count is in the cache key
    try:
        results = unit.engine.run(
            list(unit.configs), device=unit.device, nproc=unit.nproc, until_epoch=unit.until_epoch,
            time_limit=unit.time_limit * len(unit.configs), progress=unit.progress, data_root=unit.data_root,
            download=unit.download)  # fmt: skip  # a unit is one group of its engine already
    except Exception as err:
        return [{"error": error_line(err)}] * len(unit.configs)
    return [{"result": r} for r in results]


def error_line(err: BaseException) -> str:
    """An exception as the one line a report shows: its type and its first line that is not a traceback's (a Ray
    task's error carries the worker's traceback), at most SHOWN_ERROR characters of it."""
    lines = [ln.strip() for ln in str(err).splitlines() if ln.strip()]
    first = next((ln for ln in lines if not ln.startswith(("Traceback", "File ", "ray::"))), lines[0] if lines else "")
    return f"{type(err).__name__}: {first[:SHOWN_ERROR]}".rstrip(": ")


SHOWN_ERROR = 300
