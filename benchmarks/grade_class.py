"""Wall times of grading the bundled class: full, --quick, and a warm-cache regrade (last line: its speed-up)."""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import torch
from tabulate import tabulate

from grader.grade import grade_class

ROOT = Path(__file__).resolve().parents[1]


def timed(**kw) -> tuple[float, object]:
    start = time.perf_counter()
    result = grade_class(ROOT / "submissions", **kw)
    return time.perf_counter() - start, result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--jobs", default="auto", help="as grade --jobs: N, or auto (one process per core; the default)")
    p.add_argument("--skip-full", action="store_true", help="only quick + warm regrade of quick (CI-sized)")
    args = p.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        quick_s, quick = timed(out=tmp / "q", quick=True, cache_dir=tmp / "cache-q", jobs=args.jobs)
        rows.append(["--quick, cold cache", f"{quick_s:.1f}", quick.meta["reruns"], quick.meta["cache_hits"]])
        if args.skip_full:
            cold_s, cold = quick_s, quick
            warm_s, warm = timed(out=tmp / "q2", quick=True, cache_dir=tmp / "cache-q", jobs=args.jobs)
        else:
            cold_s, cold = timed(out=tmp / "f", cache_dir=tmp / "cache-f", jobs=args.jobs)
            rows.append(["full, cold cache", f"{cold_s:.1f}", cold.meta["reruns"], cold.meta["cache_hits"]])
            warm_s, warm = timed(out=tmp / "f2", cache_dir=tmp / "cache-f", jobs=args.jobs)
        rows.append(["regrade, warm cache", f"{warm_s:.1f}", warm.meta["reruns"], warm.meta["cache_hits"]])
    machine = f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}"
    jobs = quick.meta["jobs"]
    print(f"bundled class: {len(cold.students)} submissions; torch {torch.__version__}, {machine}, "
          f"--jobs {args.jobs}: {jobs} process(es) × {max(1, (os.cpu_count() or 1) // jobs)} thread(s)")  # fmt: skip
    print("targets on 2 CPU cores: full <= 300 s, quick <= 60 s, warm regrade >= 20x faster than cold")
    print(tabulate(rows, headers=["grade", "wall s", "distinct reruns", "from cache"]))
    print(f"ratio: {cold_s / warm_s:.1f}")


if __name__ == "__main__":
    main()
