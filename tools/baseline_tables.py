"""The README's baseline tables, printed from the committed files (so every figure there is a file's):
`python tools/baseline_tables.py [DATASET ...]`."""

from __future__ import annotations

import json
import sys

from reference.protocols import BASELINES, PROTOCOLS


def table(name: str) -> str:
    b = json.loads((BASELINES / f"{name}.json").read_text())
    seeds, rule = len(b["meta"]["seeds"]), b["default_rule"]
    spread = " / ".join(f"{rt['spread_decades'][rule]:.2f}" for rt in b["range_tests"].values())
    sigma = " / ".join(f"{_sd(rt['picks'][rule]):.3f}" for rt in b["range_tests"].values())
    head = (f"**{name}** (`{b['command']}`, {b['meta']['total_wall_time_s']:,.0f} s of runs, {seeds} seeds, "
            f"{b['meta']['device']}; picks ({rule}): " + ", ".join(f"{o} {lr:.3g}" for o, lr in b["lrs"].items())
            + f"; {rule} σ over seeds {sigma} decades, range {spread})")  # fmt: skip
    rows = ["| run | LR | final test accuracy | final test loss |", "|---|---|---|---|"]
    for run, e in b["runs"].items():
        acc, loss = e["final"]["test_accuracy"], e["final"]["test_loss"]
        rows.append(f"| `{run}` | {e['config']['lr']:.3g} | {acc['mean']:.4f} ± {acc['std']:.4f} | "
                    f"{loss['mean']:.4f} ± {loss['std']:.4f} |")  # fmt: skip
    return head + "\n\n" + "\n".join(rows)


def _sd(picks: list) -> float:
    from reference.tolerances import lr_sigma

    return lr_sigma(picks)


if __name__ == "__main__":
    names = sys.argv[1:] or [n for n in PROTOCOLS if (BASELINES / f"{n}.json").exists()]
    print("\n\n".join(table(n) for n in names))
