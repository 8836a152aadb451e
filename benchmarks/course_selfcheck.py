"""What a course-faithful self-check costs: a student the night before the deadline runs `grade --self-check` on a
submission written with the course template (`preset = "cs5260"`: claims made on MNIST, so sweeps keep MNIST's
4,690 steps and step-counted schedules its 469-step epochs), cold cache, quick mode, on this machine's cores.

    python benchmarks/course_selfcheck.py          # output: benchmarks/results/course_selfcheck_cpu.txt

The student: an SGD and an AdamW range test (rule min/10) and three 30-epoch runs — constant LR, MultiStep
stepped per iteration, OneCycle — each with a claimed accuracy. Prints every rerun's steps and wall time, the
total, and the same submission without `claimed_on` (its sweeps 320 steps) for comparison.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SUBMISSION = """\
[student]
id = "{id}"
name = "A course-faithful student"

[setup]
preset = "cs5260"
{extra}

[[range_test]]
name = "sgd-lambda"
optimizer = "sgd"
rule = "min/10"
claimed_lr = 0.02

[[range_test]]
name = "adamw-lambda"
optimizer = "adamw"
rule = "min/10"
claimed_lr = 0.0016

[[run]]
name = "sgd-constant"
optimizer = "sgd"
lr = 0.02
epochs = 30
claimed_test_accuracy = 0.985

[[run]]
name = "sgd-multistep"
optimizer = "sgd"
lr = 0.02
epochs = 30
schedule = {{ name = "multistep", milestones = [4690, 9380], gamma = 0.1 }}
claimed_test_accuracy = 0.988

[[run]]
name = "sgd-onecycle"
optimizer = "sgd"
lr = 0.02
epochs = 30
schedule = {{ name = "onecycle", max_lr = 0.1 }}
claimed_test_accuracy = 0.989
"""


def self_check(root: Path, sid: str, extra: str) -> tuple[float, str]:
    folder = root / sid
    folder.mkdir()
    (folder / "submission.toml").write_text(SUBMISSION.format(id=sid, extra=extra))
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "grader.cli", "--self-check", str(folder), "--out", str(root / "r"),
                           "--cache", str(root / "cache"), "--device", "cpu", "--quiet"],
                          capture_output=True, text=True)  # fmt: skip
    return time.perf_counter() - started, done.stdout


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        faithful, out = self_check(root, "course", "")
        proxy, _ = self_check(root, "proxy", 'claimed_on = "mnist-5k"  # as if the claims had been made on mnist-5k')
    print(out)
    print(f"course-faithful self-check (quick, cold cache, {os.cpu_count()} CPU cores): {faithful:.0f} s")
    print(f"the same submission with claims on the rerun data (320-step sweeps): {proxy:.0f} s")
    print(f"ratio: {faithful / proxy:.1f}")


if __name__ == "__main__":
    main()
