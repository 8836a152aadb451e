"""How far honest picks on the test loss stray from seed to seed (`curve = "test"`, seed 000's method: "compare the
learning rate versus test loss"), and what the grader's tolerance for them — one evaluation's LR step and the
claim's printed digits, partial credit to `partial_band` times that — does to honest students and to wrong claims.

Each seed's sweep is run once (cached as JSON under --cache); every ordered pair of seeds (a student's pick, the
rerun's) is judged as grader.checks judges a `curve = "test"` claim without logs. The claims are written to 4
significant digits, as the benchmark's students would print them.

    python benchmarks/test_curve_picks.py --seeds 20
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import time
from datetime import date
from pathlib import Path

import torch

from grader.schema import Assignment
from reference.config import range_test_config
from reference.data import load_data
from reference.loop import run
from reference.rules import RULES, eval_curve
from reference.tolerances import wilson_text

RULES_SHOWN = ("min", "min/10", "steepest")
ERRORS = (2.0, 3.0, 10.0)


def sweeps(opt: str, seeds: list[int], cache: Path, data) -> dict[int, dict]:
    out = {}
    for s in seeds:
        f = cache / f"{opt}-{s}.json"
        if not f.exists():
            r = run(range_test_config(start_lr=1e-6, end_lr=1.0, epochs=10, optimizer=opt, seed=s), device="cpu",
                    data=data)  # fmt: skip
            f.write_text(json.dumps({"lr": r["lr"], "evals": r["evals"], "diverged": r["diverged"]}))
        out[s] = json.loads(f.read_text())
    return out


def judged(claimed: float, result: dict, rule: str, band: float) -> str:
    """pass / partial / fail, as grader.checks._lr_on_test_loss bands a claim (its edge case aside: counted too)."""
    lrs, losses = eval_curve(result)
    pick = RULES[rule](lrs, losses).value
    step = math.log10(lrs[-1] / lrs[0]) / (len(lrs) - 1)
    digits = math.log10(1 + 0.5 * 10 ** (math.floor(math.log10(claimed)) - 3) / claimed)
    tol, dist = step + digits + 1e-9, abs(math.log10(claimed / pick))
    return "pass" if dist <= tol else "partial" if dist <= band * tol else "fail"


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
        f"mnist-5k sweeps 1e-6 → 1 over 10 epochs (320 steps, the test loss evaluated once an epoch), seeds "
        f"{seeds[0]}, {seeds[1]}..{seeds[-1]}; every ordered pair (student i, rerun j ≠ i) judged with one "
        f"evaluation's LR step (+ printed digits) as the tolerance, partial credit up to {band:g}× it\n"
    )
    rows, honest_lost = [], [0, 0]
    for opt in a.optimizers:
        results = sweeps(opt, seeds, a.cache, data)
        for rule in RULES_SHOWN:
            picks = {s: RULES[rule](*eval_curve(r)).value for s, r in results.items()}
            moved = sorted({round(math.log10(picks[i] / picks[j]) / 0.6) for i in seeds for j in seeds if i != j})
            pairs = [(float(f"{picks[i]:.4g}"), results[j]) for i in seeds for j in seeds if i != j]
            honest = [judged(c, r, rule, band) for c, r in pairs]
            lost = sum(v != "pass" for v in honest)
            honest_lost[0] += lost
            honest_lost[1] += len(honest)
            caught = []
            for f in ERRORS:
                v = [judged(float(f"{c * f:.4g}"), r, rule, band) for c, r in pairs]
                caught.append(f"×{f:g}: fail {sum(x == 'fail' for x in v) / len(v):.0%}, "
                              f"lose points {sum(x != 'pass' for x in v) / len(v):.0%}")  # fmt: skip
            rows.append((f"{opt} {rule}", ", ".join(f"{x:+d}" for x in moved), wilson_text(lost, len(honest), 1),
                         "; ".join(caught)))  # fmt: skip
    w = [max(len(r[i]) for r in rows) for i in range(4)]
    head = ("sweep, rule", "evaluations apart", "honest pairs losing points", "planted errors")
    print("  ".join(h.ljust(n) for h, n in zip(head, w, strict=True)))
    for r in rows:
        print("  ".join(c.ljust(n) for c, n in zip(r, w, strict=True)))
    print(
        f"\nhonest pairs losing any points, all sweeps and rules: {wilson_text(*honest_lost, 1)}; "
        f"{time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
