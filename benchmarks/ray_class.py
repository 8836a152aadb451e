"""Wall times of grading the bundled class (--quick, cold cache): plain, --jobs 2, and on a local Ray cluster of
N worker CPUs; checks that every mode gives the same verdicts. With --engines, also one run through the reference
engine vs the colossalai engine (--nproc 2) on this machine's device.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import tempfile
import time
from pathlib import Path

import torch
from tabulate import tabulate

from grader.grade import grade_class

ROOT = Path(__file__).resolve().parents[1]


def verdicts(result) -> dict:
    return {s.id: (s.verdict, [(c.check, c.subject, c.status) for c in s.checks]) for s in result.students}


def timed(tmp: Path, name: str, **kw) -> tuple[float, object]:
    start = time.perf_counter()
    result = grade_class(ROOT / "submissions", out=None, quick=True, cache_dir=tmp / name, device="cpu",
                         engine="sequential", **kw)  # fmt: skip
    return time.perf_counter() - start, result


def engines(device: str) -> list[list]:
    from reference.config import RunConfig
    from reference.engines import run_many

    cfg = RunConfig(lr=0.05, epochs=3, seed=0)
    rows = []
    for engine in ("sequential", "colossalai"):
        start = time.perf_counter()
        (r,) = run_many([cfg], engine=engine, device=device, nproc=2)
        wall = time.perf_counter() - start
        rows.append([f"{engine} (3 epochs, lenet5, {device})", f"{wall:.1f}", f"{r['final']['test_accuracy']:.4f}",
                     f"{r['final']['test_loss']:.5f}"])  # fmt: skip
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--workers", type=int, default=2, help="CPUs of the local Ray cluster")
    p.add_argument("--engines", action="store_true", help="also time one run: reference vs colossalai engine")
    args = p.parse_args()
    import ray

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        plain_s, plain = timed(tmp, "plain")
        rows.append(["plain (one process)", f"{plain_s:.1f}", "—"])
        jobs_s, jobs = timed(tmp, "jobs", jobs=2)
        rows.append(["--jobs 2", f"{jobs_s:.1f}", "yes" if verdicts(jobs) == verdicts(plain) else "NO"])
        start = time.perf_counter()
        ray.init(address="local", num_cpus=args.workers, include_dashboard=False, _node_ip_address="127.0.0.1",
                 logging_level=logging.WARNING, log_to_driver=False)  # fmt: skip
        boot_s = time.perf_counter() - start
        ray_s, on_ray = timed(tmp, "ray", ray="auto")  # joins the cluster this process started
        ray.shutdown()
        same = "yes" if verdicts(on_ray) == verdicts(plain) else "NO"
        rows.append([f"--ray, {args.workers} worker CPUs (+{boot_s:.1f} s cluster start)", f"{ray_s:.1f}", same])
    machine = f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}"
    print(f"bundled class --quick, {plain.meta['reruns']} distinct reruns, cold cache; torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, {machine}")  # fmt: skip
    print(tabulate(rows, headers=["grade", "wall s", "verdicts = plain"]))
    if args.engines:
        device = "cuda" if torch.cuda.is_available() else "cpu"
        print()
        print(tabulate(engines(device), headers=["one run", "wall s", "test acc", "test loss"]))


if __name__ == "__main__":
    main()
