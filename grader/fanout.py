"""Fan-out on Ray: `grade --ray auto|ADDRESS` runs each unit of reruns (one run, or one batched group) as a Ray task.

Each task calls `grader.unit.run_unit` on whichever node Ray schedules it; its outcomes come back to this
process, which hands them to `finish` as each task completes, so they land in the content-addressed cache at
once and a class interrupted half-way resumes where it stopped. A task whose worker dies (killed, out of
memory, node lost) is retried by Ray; one that still fails becomes an error for each of its runs only.

Every node needs this package at the same version (results are cached by package version) and its extras.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Mapping

from grader.unit import Unit, error_line, run_unit

MAX_RETRIES = 3  # re-runs of a task whose worker process died (system failures); a run's own errors are results
INSTALL_HINT = "grade --ray needs Ray: run tools/install_extras.sh (or pip install ray)"
# Ray connects to an explicit address without token authentication unless told to (RAY_AUTH_MODE=token).
AUTH_HINT = " (a cluster with token authentication needs RAY_AUTH_MODE=token and its token, see README 'Scaling out')"


class RayUnavailable(ValueError):
    """Ray is not installed, or the cluster cannot be reached: one line saying what to do."""


def grade_unit(unit: Unit) -> list[dict]:
    """A Ray task: `grader.unit.run_unit(unit)` (named so that `ray::grade_unit` shows in process lists)."""
    return run_unit(unit)


def run_on_ray(
    units: Mapping[tuple[str, ...], Unit],
    finish: Callable[[list[str], list[dict]], None],
    *,
    address: str = "auto",
    progress: bool = False,
    max_retries: int = MAX_RETRIES,
) -> None:
    """Run every unit (its cache keys → the `Unit`) as one Ray task; `finish(keys, outs)` as each ends.

    `address`: "auto" joins a running cluster ($RAY_ADDRESS, or one started with `ray start` on this machine)
    or else starts a local one sized to this machine; anything else is a cluster address (host:port, ray://...).
    """
    ray = _import_ray()
    owns = _connect(ray, address)
    try:
        task = ray.remote(grade_unit)
        refs = {}
        for keys, unit in units.items():
            cpus, gpus = unit.resources()  # a run takes one device; a multi-process run one per process
            refs[task.options(num_cpus=cpus, num_gpus=gpus, max_retries=max_retries).remote(unit)] = list(keys)
        _gather(ray, refs, finish, progress, max_retries)
    finally:
        if owns:
            ray.shutdown()


def _gather(ray, refs: dict, finish: Callable, progress: bool, max_retries: int) -> None:
    from tqdm.auto import tqdm

    bar = tqdm(total=len(refs), desc="ray tasks", unit="task", disable=not progress or not refs, leave=False)
    pending = list(refs)
    try:
        while pending:
            ready, pending = ray.wait(pending, num_returns=1)
            for ref in ready:
                keys = refs[ref]
                try:
                    outs = ray.get(ref)
                except Exception as err:  # the task's worker died more than max_retries times
                    line = f"Ray task failed after {max_retries} retries: {error_line(err)}"
                    outs = [{"error": line}] * len(keys)
                finish(keys, outs)
                bar.update(1)
    except BaseException:  # Ctrl-C: don't leave the cluster busy with reruns nobody will collect
        for ref in pending:
            ray.cancel(ref, force=True)
        raise
    finally:
        bar.close()


def _import_ray():
    try:
        import ray
    except ImportError:
        raise RayUnavailable(INSTALL_HINT) from None
    return ray


def _connect(ray, address: str) -> bool:
    """Connect this process to the cluster; True when it was not connected before (so it disconnects after)."""
    if ray.is_initialized():
        return False
    quiet = dict(logging_level=logging.WARNING, log_to_driver=False)
    try:
        if address != "auto":
            ray.init(address=address, **quiet)
        elif _cluster_running():
            ray.init(address="auto", **quiet)  # $RAY_ADDRESS, or the cluster `ray start` started here
        else:  # none: a local cluster on this machine (all its CPUs and GPUs), on loopback, gone when we finish
            ray.init(address="local", include_dashboard=False, _node_ip_address="127.0.0.1", **quiet)
    except Exception as err:
        where = "a local Ray cluster" if address == "auto" else f"the Ray cluster at {address}"
        hint = "" if os.environ.get("RAY_AUTH_MODE") else AUTH_HINT
        raise RayUnavailable(f"cannot connect to {where}: {error_line(err)}{hint}") from None
    return True


def _cluster_running() -> bool:
    """Is there a cluster for "auto" to join: $RAY_ADDRESS, or a `ray start` cluster here that answers?

    A head stopped without `ray stop` leaves its address file behind, and `ray.init("auto")` then retries the
    dead address for many minutes: so the address is probed first (2 s)."""
    if os.environ.get("RAY_ADDRESS"):
        return True
    try:
        from ray._private.utils import read_ray_address

        found = read_ray_address()
    except Exception:  # a private helper: if it moved, let ray.init("auto") look for itself
        return True
    if not found:
        return False
    host, _, port = found.rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
    except (OSError, ValueError):
        return False
    return True
