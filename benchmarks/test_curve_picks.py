"""How far honest picks on the test loss stray from seed to seed (`curve = "test"`, seed 000's method: "compare the
learning rate versus test loss"), and what the grader's judgement of them (grader.checks.judge_on_test_loss: within
one evaluation's LR step and the claim's printed digits a pass, one to two steps off pending review, beyond that
banded) does to honest students and to wrong claims.

Sweeps on the embedded mnist-5k, the test loss evaluated once an epoch (32 steps): exponential 1e-6 → 1 over 10
epochs, and seed 000's staircase (×1.5 every half epoch: 16 steps) from 1e-3 (SGD) or 1e-4 (Adam) over 10 epochs.
Each seed's sweep is run once (cached as JSON under --cache); every ordered pair of seeds (a student's pick written to
4 significant digits, the rerun's curve) is judged as the grader judges a claim without logs.

    python benchmarks/test_curve_picks.py --seeds 20
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import time
from collections import Counter
from datetime import date
from pathlib import Path

import torch

from grader.checks import TEST_LOSS_RULES, judge_on_test_loss
from grader.plan import sweep_lrs
from grader.schema import Assignment, RangeTestClaim
from reference.config import range_test_config
from reference.data import load_data
from reference.loop import run
from reference.rules import RULES, eval_curve
from reference.tolerances import wilson_text

ERRORS = (2.0, 3.0, 10.0)
SWEEPS = {  # name → the sweep's LR arguments (range_test_config) for optimizer `opt`
    "exp": lambda opt: {"start_lr": 1e-6, "end_lr": 1.0},
    "stair16": lambda opt: sweep_lrs(RangeTestClaim(name="s", optimizer=opt, start_lr=1e-3 if opt == "sgd" else 1e-4,
                                                    shape="staircase", gamma=1.5, stair_steps=16), 320),
}  # fmt: skip


def sweeps(kind: str, opt: str, seeds: list[int], cache: Path, data) -> dict[int, dict]:
    out = {}
    for s in seeds:
        f = cache / (f"{opt}-{s}.json" if kind == "exp" else f"{kind}-{opt}-{s}.json")
        if not f.exists():
            cfg = range_test_config(**SWEEPS[kind](opt), epochs=10, optimizer=opt, seed=s)
            r = run(cfg, device="cpu", data=data)
            f.write_text(json.dumps({"lr": r["lr"], "evals": r["evals"], "diverged": r["diverged"]}))
        out[s] = json.loads(f.read_text())
    return out


def pending(c: Counter) -> int:
    """Pairs whose claim is pending review: one to two evaluations off, an edge, a rule not judged on the test loss."""
    return c["review"] + c["edge"] + c["unmeasured"]


def judge(claimed: float, result: dict, rule: str, band: float) -> str:
    lrs, losses = eval_curve(result)
    return judge_on_test_loss(float(f"{claimed:.4g}"), lrs, losses, rule, band, bool(result.get("diverged"))).status


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, default=20, help="students: seeds 401..400+N; the rerun's seed 0 joins them")
    p.add_argument("--optimizers", nargs="+", default=["sgd", "adam"])
    p.add_argument("--cache", type=Path, default=Path("/tmp/test-curve-picks"))
    a = p.parse_args()
    torch.set_num_threads(1)
    a.cache.mkdir(parents=True, exist_ok=True)
    band = Assignment().tolerances.partial_band
    data, started = load_data("mnist-5k", torch.device("cpu")), time.perf_counter()
    seeds = [0, *range(401, 401 + a.seeds)]
    print(f"$ python benchmarks/test_curve_picks.py --seeds {a.seeds}   # {platform.machine()} CPU, {date.today()}, "
          f"torch {torch.__version__}")  # fmt: skip
    print(
        f"mnist-5k, 10 epochs, the test loss evaluated once an epoch; seeds {seeds[0]}, {seeds[1]}..{seeds[-1]}; "
        f"every ordered pair (student i's pick, rerun j ≠ i) judged by grader.checks.judge_on_test_loss: pass within "
        f"one evaluation's LR step (+ printed digits); pending review one to two steps off, at the sweep's edge, or "
        f"for a rule not judged on the test loss (only {', '.join(TEST_LOSS_RULES)} are); banded beyond "
        f"(partial_band {band:g})\n"
    )
    head = ("sweep", "rule", "evaluations apart", "honest: pass / pending", "honest losing points",
            *(f"×{f:g}: lose / pending" for f in ERRORS))  # fmt: skip
    rows, lost_all = [], [0, 0]
    for kind in SWEEPS:
        for opt in a.optimizers:
            results = sweeps(kind, opt, seeds, a.cache, data)
            for rule in RULES:
                picks = {s: RULES[rule](*eval_curve(r)).value for s, r in results.items()}
                one = lambda v: v[-1] if isinstance(v, list) else v  # noqa: E731  # a range's top
                step = math.log10(eval_curve(results[0])[0][1] / eval_curve(results[0])[0][0])
                apart = Counter(round(abs(math.log10(one(picks[i]) / one(picks[j]))) / step)
                                for i in seeds for j in seeds if i != j)  # fmt: skip
                pairs = [(picks[i], results[j]) for i in seeds for j in seeds if i != j]
                honest = Counter(judge(one(c), r, rule, band) for c, r in pairs)
                lost = honest["warn"] + honest["fail"]
                lost_all = [lost_all[0] + lost, lost_all[1] + len(pairs)]
                planted = []
                for f in ERRORS:
                    v = Counter(judge(one(c) * f, r, rule, band) for c, r in pairs)
                    planted.append(f"{(v['warn'] + v['fail']) / len(pairs):.0%} / {pending(v) / len(pairs):.0%}")
                rows.append((f"{kind} {opt}", rule, ", ".join(f"{k}: {n}" for k, n in sorted(apart.items())),
                             f"{honest['pass']} / {pending(honest)}" + " (not judged)" * (rule not in TEST_LOSS_RULES),
                             wilson_text(lost, len(pairs), 1), *planted))  # fmt: skip
    w = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    print("  ".join(h.ljust(n) for h, n in zip(head, w, strict=True)))
    for r in rows:
        print("  ".join(str(c).ljust(n) for c, n in zip(r, w, strict=True)))
    print(
        f"\nhonest pairs losing any points, all sweeps and rules: {wilson_text(*lost_all, 1)}; "
        f"{time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
