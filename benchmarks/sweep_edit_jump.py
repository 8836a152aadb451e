"""Can a sweep's own log give away the issue-21 edit (its loss × 0.8 within a tenth of the sweep around its smoothed
minimum)? The edit leaves a step of log 0.8 = −0.22 in log(loss) at its edges; this measures how far honest sweeps
jitter near their minimum and how often a jump test *told where the edit's left edge is* (the most it could know)
catches the step, at how many honest flags: a local line fitted to `--window` steps either side, the jump between
their ends in units of the noise (σ from the median absolute second difference). Then the relation a last-epoch
edit breaks (grader.evidence's accuracy given the test loss): at the sweep's evaluation inside the edited window, the
epoch's mean train loss against its test loss, log(train) − log(test), in σ of honest sweeps of that optimizer at
that epoch — the edit lowers the train loss only.

    python benchmarks/sweep_edit_jump.py --seeds 40      # honest sweeps of the committed mnist-5k configs, seeds 101…
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reference.config import RunConfig  # noqa: E402
from reference.loop import run  # noqa: E402
from reference.rules import smooth  # noqa: E402

BASELINE = Path(__file__).resolve().parents[1] / "reference" / "baselines" / "mnist-5k.json"


def noise(y: np.ndarray) -> float:
    """σ of per-step log(loss) around a smooth curve: the median |second difference| / 0.6745 / √6."""
    return float(np.median(np.abs(np.diff(y, 2))) / 0.6745 / math.sqrt(6))


def jump_z(loss: list[float], at: int, k: int) -> float:
    """The jump in log(loss) at step `at` between lines fitted to the k steps before and the k after, in σ."""
    y, t = np.log(np.asarray(loss)), np.arange(k, dtype=float)
    d = np.polyval(np.polyfit(t, y[at : at + k], 1), -0.5) - np.polyval(np.polyfit(t, y[at - k : at], 1), k - 0.5)
    return float(d / (noise(y[at - k : at + k]) * math.sqrt(2 * (1 / k + 3 * k / (k * k - 1)))))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, default=40)
    p.add_argument("--window", type=int, nargs="+", default=[10, 20])
    args = p.parse_args()
    torch.set_num_threads(1)
    base = json.loads(BASELINE.read_text())
    sweeps, evals = [], []
    for seed in range(101, 101 + args.seeds):
        for opt in ("sgd", "adam"):
            r = run(RunConfig(**{**base["range_tests"][opt]["config"], "seed": seed}), device="cpu")
            sweeps.append(r["train_loss"])
            evals.append((opt, r["evals"]))
    lows = [min(range(len(x)), key=smooth(x, 0.98).__getitem__) for x in sweeps]
    near = [noise(np.log(np.asarray(x[max(0, lo - 60) : lo]))) for x, lo in zip(sweeps, lows, strict=True)]
    print(f"{len(sweeps)} honest mnist-5k sweeps (sgd, adam; seeds 101..{100 + args.seeds}): per-step σ of "
          f"log(loss) over the 60 steps before the minimum: median {statistics.median(near):.3f}, range "
          f"{min(near):.3f}–{max(near):.3f} (the edit's step: {math.log(0.8):.3f})")  # fmt: skip
    for k in args.window:
        honest, edited = [], []
        for x, lo in zip(sweeps, lows, strict=True):
            edge = lo - len(x) // 10
            if edge - k < 0 or edge + k > len(x):
                continue
            cut = [v * 0.8 if abs(i - lo) <= len(x) // 10 else v for i, v in enumerate(x)]
            honest.append(jump_z(x, edge, k))
            edited.append(jump_z(cut, edge, k))
        flag = -2.326  # one-sided 1 %
        print(f"window {k} steps either side, told the edit's edge: edited z {statistics.fmean(edited):+.2f} ± "
              f"{statistics.pstdev(edited):.2f}, honest {statistics.fmean(honest):+.2f} ± "
              f"{statistics.pstdev(honest):.2f}; at z < {flag}: edited caught {sum(z < flag for z in edited)}/"
              f"{len(edited)}, honest flagged {sum(z < flag for z in honest)}/{len(honest)}")  # fmt: skip
    print(train_vs_test(sweeps, lows, evals))


def _gap(loss: list[float], e: dict, per: int) -> float | None:
    """log(the epoch's mean train loss) − log(its test loss), or None where the sweep stopped before it."""
    if e["step"] > len(loss):
        return None
    return math.log(statistics.fmean(loss[e["step"] - per : e["step"]])) - math.log(e["test_loss"])


def train_vs_test(sweeps: list[list[float]], lows: list[int], evals: list[tuple[str, list[dict]]]) -> str:
    """The edit against the train-vs-test relation, told which evaluation lies in the edited window (the last one
    there): z of the edited and honest gap against honest sweeps of the optimizer at that epoch."""
    honest: dict[tuple[str, int], list[float]] = {}
    for x, (opt, ev) in zip(sweeps, evals, strict=True):
        per = ev[0]["step"]
        for e in ev:
            if (g := _gap(x, e, per)) is not None:
                honest.setdefault((opt, e["epoch"]), []).append(g)
    z_edit, z_honest, sds = [], [], []
    for x, lo, (opt, ev) in zip(sweeps, lows, evals, strict=True):
        w, per = len(x) // 10, ev[0]["step"]
        inside = [e for e in ev if lo - w < e["step"] <= min(lo + w + 1, len(x))]
        if not inside or len(gaps := honest[(opt, inside[-1]["epoch"])]) < 3:
            continue
        e, cut = inside[-1], [v * 0.8 if abs(i - lo) <= w else v for i, v in enumerate(x)]
        m, sd = statistics.fmean(gaps), statistics.stdev(gaps)
        z_edit.append((_gap(cut, e, per) - m) / sd)
        z_honest.append((_gap(x, e, per) - m) / sd)
        sds.append(sd)
    flag = -2.326
    return (f"train vs test loss at the evaluation in the edited window (epoch mean of the train loss): honest σ of "
            f"the gap {statistics.median(sds):.2f} median ({min(sds):.2f}–{max(sds):.2f}; the edit moves it by "
            f"{math.log(0.8):.2f} at most); edited z {statistics.fmean(z_edit):+.2f}, honest "
            f"{statistics.fmean(z_honest):+.2f} ± {statistics.pstdev(z_honest):.2f}; at z < {flag}: edited caught "
            f"{sum(z < flag for z in z_edit)}/{len(z_edit)}, honest flagged "
            f"{sum(z < flag for z in z_honest)}/{len(z_honest)}")  # fmt: skip


if __name__ == "__main__":
    main()
