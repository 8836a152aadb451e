"""Which suggestion rule should be the default? Each rule's pick spread over K seeds, and 30 epochs at its pick.

`python benchmarks/rule_choice.py --seeds 5` reruns the measurement behind README's "Which rule" table:
LeNet5 on mnist-5k, range tests swept exponentially over 10 epochs (SGD momentum 0.9: 1e-5 → 10; Adam and
AdamW: 1e-6 → 1), K seeds; then one 30-epoch constant-LR run (seed 0) at the geometric mean of each rule's
picks. Output: benchmarks/results/rule_choice_cpu.txt holds the run used in the README.
"""

from __future__ import annotations

import argparse
import math
import statistics

import torch
from tabulate import tabulate

from reference.config import RunConfig, range_test_config
from reference.data import load_data
from reference.loop import run
from reference.protocols import SWEEP
from reference.rules import RULES, spread_decades


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--optimizers", nargs="+", default=list(SWEEP))
    args = p.parse_args()
    data = load_data("mnist-5k", torch.device("cpu"))
    rows = []
    for opt in args.optimizers:
        lo, hi = SWEEP[opt]
        sweeps = [run(range_test_config(start_lr=lo, end_lr=hi, epochs=10, optimizer=opt, seed=s), data=data)
                  for s in range(args.seeds)]  # fmt: skip
        for rule in RULES:
            picks = [r["suggestions"][rule] for r in sweeps]
            tops = [v[1] if isinstance(v, list) else v for v in picks]  # `range`: its top
            lr = float(f"{math.exp(statistics.fmean(math.log(v) for v in tops)):.3g}")
            final = run(RunConfig(optimizer=opt, lr=lr, epochs=30), data=data)["final"] if rule != "range" else None
            metrics = [f"{final['test_accuracy']:.3f}", f"{final['test_loss']:.3f}"] if final else ["", ""]
            rows.append([opt, rule, ", ".join(f"{v:.3g}" for v in tops), f"{spread_decades(tops):.2f}", lr, *metrics])
            print(*rows[-1], sep=" | ", flush=True)
    print(tabulate(rows, headers=["optimizer", "rule", "picks by seed", "spread (decades)", "LR used",
                                  "30-ep test acc", "30-ep test loss"]))  # fmt: skip


if __name__ == "__main__":
    main()
