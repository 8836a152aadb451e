"""Engine outputs on small configs, wall times stripped: shows a refactor leaves every engine's curves bit-identical.

Run it in a worktree of the old commit and on the new tree, then compare (issue 15, 1f37254 → the one-loop tree:
18 runs across the sequential, batched and colossalai engines, identical):

    git worktree add /tmp/old 1f37254
    (cd /tmp/old && PYTHONPATH=/tmp/old python "$OLDPWD/benchmarks/engine_golden.py" /tmp/old.json --colossalai)
    python benchmarks/engine_golden.py /tmp/new.json --colossalai
    python benchmarks/engine_golden.py --compare /tmp/old.json /tmp/new.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

from reference.config import RunConfig, range_test_config
from reference.config import ScheduleConfig as S
from reference.engines import run_many

SOLO = [
    range_test_config(epochs=2, diverge_factor=4.0, seed=1),
    RunConfig(optimizer="adam", lr=1e-3, epochs=3, epoch_steps=9, eval_every=4,
              schedule=S(name="step", step_size=1, gamma=0.5)),
    RunConfig(optimizer="adamw", lr=3e-3, epochs=2, epoch_steps=11, schedule=S(name="onecycle")),
    RunConfig(optimizer="sgd", lr=5.0, epochs=2, epoch_steps=10, eval_every=3),  # diverges
    RunConfig(optimizer="sgd", lr=0.05, epochs=2, epoch_steps=10, eval_every=3, seed=3, nesterov=True,
              schedule=S(name="multistep", milestones=(5, 12), gamma=0.1, cadence="step")),
]  # fmt: skip
GROUP = [RunConfig(optimizer=o, lr=lr, epochs=3, epoch_steps=8, eval_every=5, seed=s)
         for o, lr, s in [("sgd", 0.05, 0), ("adam", 1e-3, 1), ("sgd", 8.0, 2), ("adamw", 2e-3, 3)]]  # fmt: skip
AUTO = RunConfig(lr=0.01, epochs=1, epoch_steps=12, schedule=S(name="auto"))


def strip(result: dict) -> dict:
    meta = {k: v for k, v in result["meta"].items()
            if k not in ("wall_time_s", "batch_wall_time_s", "train_wall_time_s", "device_name")}  # fmt: skip
    return {**result, "meta": meta}


def outputs(colossalai: bool) -> dict[str, list[dict]]:
    torch.set_num_threads(1)
    runs = {"sequential": (SOLO + [AUTO], "sequential", None), "sequential_until": (SOLO[1:3], "sequential", 2),
            "batched": (GROUP, "batched", None), "batched_until": (GROUP, "batched", 2)}  # fmt: skip
    if colossalai:
        runs["colossalai"] = ([SOLO[1], SOLO[3]], "colossalai", None)
    return {name: [strip(r) for r in run_many(cfgs, engine=engine, device="cpu", until_epoch=until, nproc=2)]
            for name, (cfgs, engine, until) in runs.items()}  # fmt: skip


def main(argv: list[str]) -> int:
    if argv[0] == "--compare":
        old, new = (json.loads(Path(f).read_text()) for f in argv[1:3])
        same = {k: sum(a == b for a, b in zip(v, new.get(k, []), strict=False)) for k, v in old.items()}
        print({k: f"{same[k]}/{len(v)} identical" for k, v in old.items()})
        return 0 if all(same[k] == len(v) for k, v in old.items()) else 1
    out = outputs("--colossalai" in argv)
    Path(argv[0]).write_text(json.dumps(out, indent=0, sort_keys=True))
    print("wrote", argv[0], {k: len(v) for k, v in out.items()})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
