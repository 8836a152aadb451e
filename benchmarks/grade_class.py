"""Wall times of grading the bundled class: full, --quick, and a warm-cache regrade (last line: its speed-up); with
`--course N`, a synthetic course class of N template students (issue 26) graded quick, cold and warm.

    python benchmarks/grade_class.py [--skip-full]      # the bundled class
    python benchmarks/grade_class.py --course 200       # 200 cs5260-template students

A template student (`preset = "cs5260"`, claims on MNIST) sweeps SGD and AdamW as the template does — the committed
`mnist-5k-course` seeds judge those sweeps, no rerun — picks an LR by rule min/10 (drawn from the committed seeds'
picks, rounded to one significant digit as a report prints it) and trains at it: SGD constant, SGD MultiStep per
iteration (milestones 4,690 and 9,380 steps), AdamW constant. Runs at the same LR are one rerun for the class.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import tempfile
import time
from pathlib import Path

import torch
from tabulate import tabulate

from grader.context import load_baselines
from grader.grade import grade_class

ROOT = Path(__file__).resolve().parents[1]


def timed(**kw) -> tuple[float, object]:
    start = time.perf_counter()
    result = grade_class(ROOT / "submissions", **kw)
    return time.perf_counter() - start, result


COURSE_STUDENT = """
[student]
id = "c{i:03d}"
name = "Course student {i}"
[setup]
preset = "cs5260"
[[range_test]]
name = "sgd-lambda"
optimizer = "sgd"
rule = "min/10"
claimed_lr = {sgd!r}
[[range_test]]
name = "adamw-lambda"
optimizer = "adamw"
rule = "min/10"
claimed_lr = {adamw!r}
[[run]]
name = "sgd-constant"
optimizer = "sgd"
lr = {sgd!r}
epochs = 30
claimed_test_accuracy = 0.985
[[run]]
name = "sgd-multistep"
optimizer = "sgd"
lr = {sgd!r}
epochs = 30
schedule = {{ name = "multistep", milestones = [4690, 9380], gamma = 0.1 }}
claimed_test_accuracy = 0.988
[[run]]
name = "adamw-constant"
optimizer = "adamw"
lr = {adamw!r}
epochs = 30
claimed_test_accuracy = 0.984
"""


def course_class(root: Path, n: int) -> None:
    """N template students in `root`, their picks drawn (seed 0) from the committed course seeds' min/10 picks."""
    course = next((b for b in load_baselines("mnist-5k") if b["name"] == "mnist-5k-course"), None)
    if course is None:
        raise SystemExit("no committed mnist-5k-course baseline: reference baselines --dataset mnist-5k-course")
    rng = random.Random(0)
    logs = {o: [math.log10(x) for x in course["range_tests"][o]["picks"]["min/10"] if x] for o in ("sgd", "adamw")}

    def pick(opt: str) -> float:
        mean = sum(logs[opt]) / len(logs[opt])
        sd = math.sqrt(sum((x - mean) ** 2 for x in logs[opt]) / (len(logs[opt]) - 1))
        return float(f"{10 ** rng.gauss(mean, sd):.1g}")

    root.mkdir(parents=True, exist_ok=True)
    (root / "assignment.toml").write_text('dataset = "mnist-5k"\nclaimed_on = "mnist"\n')
    for i in range(n):
        (root / f"c{i:03d}").mkdir(parents=True)
        (root / f"c{i:03d}" / "submission.toml").write_text(
            COURSE_STUDENT.format(i=i, sgd=pick("sgd"), adamw=pick("adamw"))
        )


def course(args) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        course_class(tmp / "class", args.course)
        rows = []
        for label in ("--quick, cold cache", "--quick, warm cache"):
            start = time.perf_counter()
            r = grade_class(tmp / "class", out=None, quick=True, cache_dir=tmp / "cache", jobs=args.jobs)
            wall = time.perf_counter() - start
            rows.append([label, f"{wall:.1f}", f"{wall / args.course:.2f}", r.meta["reruns"], r.meta["cache_hits"],
                         r.meta["judged_by_seeds"]])  # fmt: skip
    print(
        f"synthetic course class: {args.course} cs5260-template students; torch {torch.__version__}, "
        f"{os.cpu_count()} cores, --jobs {args.jobs}"
    )
    print(tabulate(rows, headers=["grade", "wall s", "s per student", "distinct reruns", "from cache",
                                  "runs judged by seeds"]))  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--jobs", default="auto", help="as grade --jobs: N, or auto (one process per core; the default)")
    p.add_argument("--skip-full", action="store_true", help="only quick + warm regrade of quick (CI-sized)")
    p.add_argument("--course", type=int, metavar="N", help="a synthetic class of N course-template students instead")
    args = p.parse_args()
    if args.course:
        return course(args)
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
