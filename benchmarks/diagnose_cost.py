"""What reading students' logs and diagnosing their failures adds to a `--quick` grade of a class of 20.

The class: 20 submissions of a 30-epoch SGD MultiStep run (seeds 0–19, so 20 distinct reruns), each with a
TensorBoard log in the course's layout. 16 logs are the bundled s009 log (a real 30-epoch reference run; half of
them with the course's Loss/test artifact, half with Loss/test × 8 restored); 2 are real 3-epoch runs with softmax
applied twice, 2 real 3-epoch runs with the milestones stepped per iteration; those 4 ask for counterfactual
reruns, whose cost is listed apart.

Measured, all with reports written (`--out`), sequential engine, `--jobs` as given:
  T0: the quick grade of the class with the `logs` lines removed, cold cache (what the grade costs today);
  T1: the same class with its logs, the main reruns cached, the counterfactual reruns not (their cost: listed);
  then, both caches warm, best of `--repeat` alternating runs: T_logs (with logs) and T_plain (without).
Last line: (T_logs − T_plain) / T0, the share that logs and diagnoses add (target < 10 %).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import torch

from grader.grade import grade_class
from grader.logs import read_logs
from reference.config import RunConfig, ScheduleConfig
from reference.data import load_data
from reference.loop import run
from reference.outputs import logs_from_result, write_tensorboard

ROOT = Path(__file__).resolve().parents[1]
S009_LOG = ROOT / "submissions" / "s009-logs-diagnosed" / "logs" / "sgd-multistep"
ASSIGNMENT = 'dataset = "mnist-5k"\ntrain_epochs = 30\nquick_epochs = 3\nrequired = ["run"]\n'
RUN = ('[[run]]\nname = "sgd-multistep"\noptimizer = "sgd"\nmomentum = 0.9\nlr = {lr}\nepochs = 30\nseed = {seed}\n'
       'schedule = {{ name = "multistep", milestones = [{ms}], gamma = 0.1, cadence = "epoch" }}\n'
       'logs = "logs/run"\n')  # fmt: skip


def build(root: Path) -> None:
    """The class folder (see the module docstring); the 4 short logs come from real reference runs."""
    data = load_data("mnist-5k", torch.device("cpu"))
    s009 = read_logs(S009_LOG.parent, S009_LOG.name)
    restored = replace(s009, test_loss=[v * 8 for v in s009.test_loss])  # the course's artifact undone
    double = run(RunConfig(lr=0.2, epochs=3, mistake="double-softmax"), device="cpu", data=data)
    per_step = run(RunConfig(lr=0.05, epochs=3, schedule=ScheduleConfig(name="multistep", milestones=(10, 20),
                                                                       gamma=0.1, cadence="step")),
                   device="cpu", data=data)  # fmt: skip
    root.mkdir(parents=True, exist_ok=True)
    (root / "assignment.toml").write_text(ASSIGNMENT)
    for i in range(20):
        folder = root / f"s{i:02d}"
        logs, lr, ms = (s009 if i % 2 else restored), 0.0507, "15, 25"
        if i >= 16:
            logs = logs_from_result(double if i < 18 else per_step)
            lr, ms = (0.2, "15, 25") if i < 18 else (0.05, "10, 20")
        write_tensorboard(logs, folder / "logs" / "run")
        head = f'[student]\nid = "s{i:02d}"\nname = "Student {i}"\n\n'
        (folder / "submission.toml").write_text(head + RUN.format(lr=lr, seed=i, ms=ms))


def strip_logs(src: Path, dst: Path) -> None:
    shutil.copytree(src, dst)
    for toml in dst.glob("*/submission.toml"):
        toml.write_text(re.sub(r"^logs = .*\n", "", toml.read_text(), flags=re.M))


def timed(root: Path, tmp: Path, cache: str, jobs: str):
    start = time.perf_counter()
    result = grade_class(root, out=tmp / "out", quick=True, cache_dir=tmp / cache, jobs=jobs, engine="sequential",
                         device="cpu")  # fmt: skip
    return time.perf_counter() - start, result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--jobs", default="auto", help="as grade --jobs")
    p.add_argument("--repeat", type=int, default=3, help="warm-cache regrades of each variant (best is kept)")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        build(tmp / "class")
        strip_logs(tmp / "class", tmp / "plain")
        t0, plain = timed(tmp / "plain", tmp, "cache", args.jobs)
        t1, logged = timed(tmp / "class", tmp, "cache", args.jobs)
        warm = {"logs": [], "plain": []}
        for _ in range(args.repeat):
            warm["logs"].append(timed(tmp / "class", tmp, "cache", args.jobs)[0])
            warm["plain"].append(timed(tmp / "plain", tmp, "cache", args.jobs)[0])
    cf = [(s.id, key, res["meta"]["wall_time_s"]) for s in logged.students for r in s.runs
          for key, res in ((r.evidence or {}).get("counterfactuals") or {}).items()]  # fmt: skip
    diagnosed = sum(1 for s in logged.students for c in s.checks if c.diagnosis)
    t_logs, t_plain = min(warm["logs"]), min(warm["plain"])
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores (shared with other work), "
          f"torch {torch.__version__}, --jobs {args.jobs}")  # fmt: skip
    print(f"class: 20 students, {plain.meta['reruns']} reruns; {diagnosed} checks diagnosed")
    print(f"T0 quick grade without logs, cold cache: {t0:.1f} s")
    print(f"T1 with logs, main reruns cached, counterfactuals cold: {t1:.1f} s")
    print(f"counterfactual reruns ({len(cf)}, not part of the ratio): "
          + ", ".join(f"{sid} {key} {wall:.1f} s" for sid, key, wall in cf))  # fmt: skip
    print(
        f"warm cache, best of {args.repeat}: with logs {t_logs:.2f} s, without {t_plain:.2f} s "
        f"(all: {', '.join(f'{t:.2f}' for t in warm['logs'])} / {', '.join(f'{t:.2f}' for t in warm['plain'])})"
    )
    print(f"logs + diagnoses add (T_logs - T_plain) / T0 = {(t_logs - t_plain) / t0:.1%} to a quick grade")


if __name__ == "__main__":
    main()
