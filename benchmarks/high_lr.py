"""Honest students at LRs near where runs blow up: what the grader says around their claims (examiner probe 36).

Runs of SGD (momentum 0.9) and Adam at constant LRs from 6× to 40× the committed configs' (mnist-5k's SGD 0.0506,
Adam 0.0011), seeds 0..N−1, 30 epochs. Each seed is a student (its log, its figures); each other seed is the
grader's rerun of the claim. Counted over those ordered pairs:

- divergence: how many seeds of each config diverge (the engine's stop), and — the `plausibility` check's question —
  for a rerun that diverged, how often another seed of the same config did not (a student who honestly claims a
  trained network's figures where the rerun blew up), by when the rerun diverged;
- the logs check (`grader.evidence.compare`, the borrowed noise of a config without committed seeds, as `noise`
  gives it): which part of an honest log it flags;
- the `diverged-log` likely cause (`grader.diagnoses.diverged_log`): how often it is named for an honest log.

    python benchmarks/high_lr.py --seeds 8 --jobs 2     # ~25 min on 2 cores from a cold store, then seconds
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
from tabulate import tabulate  # noqa: E402

from grader.context import load_baselines  # noqa: E402
from grader.diagnoses import Case, diverged_log  # noqa: E402
from grader.evidence import borrowed, compare, pool  # noqa: E402
from grader.grade import DEFAULT_CACHE  # noqa: E402
from grader.schema import Tolerances  # noqa: E402
from reference.config import RunConfig  # noqa: E402
from reference.datasets import DATASETS  # noqa: E402
from reference.loop import run  # noqa: E402
from reference.outputs import Logs  # noqa: E402
from reference.tolerances import wilson_text  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from own_change import flagged, stored  # noqa: E402

CONFIGS = {
    **{f"sgd {lr:g}": dict(optimizer="sgd", momentum=0.9, lr=lr) for lr in (0.3, 0.5, 0.7, 0.8, 0.9, 1.0, 2.0)},
    **{f"adam {lr:g}": dict(optimizer="adam", lr=lr) for lr in (0.01, 0.03, 0.1)},
}
WHEN = ((0, 1, "in its first epoch"), (1, 5, "in epochs 2–5"), (5, 10_000, "after epoch 5"))  # epochs, [from, to)


def _run(cfg: RunConfig) -> dict:
    torch.set_num_threads(1)
    r = run(cfg, device="cpu")
    return {k: r[k] for k in ("config", "lr", "train_loss", "train_loss_smoothed", "epochs", "final", "diverged")}


def as_log(r: dict) -> Logs:
    """A run as its student's log: every step's LR and train loss, each epoch's test metrics."""
    e = r["epochs"]
    return Logs("log.csv", step=list(range(len(r["lr"]))), lr=list(r["lr"]), train_loss=list(r["train_loss"]),
                epoch=[x["epoch"] for x in e], test_accuracy=[x["test_accuracy"] for x in e],
                test_loss=[x["test_loss"] for x in e])  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", default="mnist-5k")
    p.add_argument("--seeds", type=int, default=8)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--cache", type=Path, default=DEFAULT_CACHE / "high_lr")
    a = p.parse_args()
    n_test, k = DATASETS[a.dataset].test_size, Tolerances().k_logs
    baselines = load_baselines(a.dataset)
    configs = stored(CONFIGS, a.dataset, a.seeds, a.epochs, a.jobs, a.cache / "runs.pkl", _run)
    per_epoch = math.ceil(DATASETS[a.dataset].train_size / 128)
    print(
        f"honest students at high LRs: {a.dataset}, {a.seeds} seeds of each config, {a.epochs} epochs; each seed's "
        f"log and figures against each other seed's rerun ({a.seeds * (a.seeds - 1)} ordered pairs a config)\n"
    )
    rows, pairs_when, causes, flags, total, kept = [], {w: [0, 0] for *_, w in WHEN}, 0, {}, 0, [0, 0]
    for name, (cfg, seeds) in configs.items():
        stops = [r["diverged"]["step"] if r["diverged"] else None for r in seeds]
        finals = [r["final"] for r in seeds]
        band, epochs = borrowed(pool(baselines, cfg), cfg)
        row_flags, row_causes = 0, 0
        for i, log in enumerate(seeds):
            for j, rerun in enumerate(seeds):
                if i == j:
                    continue
                total += 1
                if stops[j] is not None:  # the rerun diverged: did the student's run?
                    w = next(w for lo, hi, w in WHEN if lo * per_epoch <= stops[j] < hi * per_epoch)
                    pairs_when[w][0] += stops[i] is None
                    pairs_when[w][1] += 1
                if stops[i] is not None:  # the student's run diverged (a NaN claimed): did the rerun?
                    kept[0] += stops[j] is None
                    kept[1] += 1
                logs = as_log(log)
                if not logs.step:
                    continue
                cmp = compare(logs, rerun, n_test, band, epochs, k)
                if (f := flagged(cmp)) is not None:
                    row_flags += 1
                    flags[f] = flags.get(f, 0) + 1
                case = Case("logs", None, cfg, rerun, None, logs, cmp, n_test, band=band, epochs=epochs, k_logs=k)
                if diverged_log(case) is not None:
                    row_causes += 1
        causes += row_causes
        n = a.seeds * (a.seeds - 1)
        acc = [f"{f['test_accuracy']:.2f}" if f else "–" for f in finals]
        rows.append([name, f"{sum(s is not None for s in stops)}/{a.seeds}",
                     ", ".join(str(s) if s is not None else "–" for s in stops), " ".join(acc),
                     f"{row_flags}/{n}", f"{row_causes}/{n}"])  # fmt: skip
    print(tabulate(rows, ["config", "diverged", "diverged at step (per seed)", "final accuracy (per seed)",
                          "logs check flags", "diverged-log cause"]))  # fmt: skip
    print("\nthe rerun diverged: the student's own seed did not (a trained network's figures claimed honestly)")
    for w, (no, of) in pairs_when.items():
        print(f"  rerun diverged {w:14s}: {wilson_text(no, of, 1) if of else 'no such pairs'}")
    print(
        "the student's run diverged (a diverged run's figures claimed honestly): the rerun did not: "
        f"{wilson_text(*kept, 1) if kept[1] else 'no such pairs'}"
    )
    print(f"\nlogs check flags by part: {', '.join(f'{f}: {n}' for f, n in sorted(flags.items())) or 'none'}")
    print(f"diverged-log cause named for an honest log: {wilson_text(causes, total, 1)}")


if __name__ == "__main__":
    main()
