"""Batched engine vs the sequential per-run loop: per-run-amortised seconds for K runs; last line `ratio: X` (K=64).

The K runs mix what a class submits: SGD at several LRs and schedules, Adam and AdamW, different seeds.
The sequential figure is `reference.loop.run` (torch.optim, one run at a time) per run, timed on a few of
the same configs. On CPU the default is a short prefix of an epoch (`--max-steps`) so K=256 fits in minutes;
on a GPU run full epochs on full-size data, e.g. `--dataset fashion-mnist --epochs 30 --class 600`.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import torch
from tabulate import tabulate

from reference.config import RunConfig, ScheduleConfig
from reference.data import load_data
from reference.engines.batched import run_batched
from reference.loop import pick_device, run

MIX = [  # (optimizer, lr, schedule) cycled over the K runs
    ("sgd", 0.05, ScheduleConfig(name="constant")),
    ("sgd", 0.1, ScheduleConfig(name="multistep", milestones=(15, 25), gamma=0.1, cadence="step")),
    ("sgd", 0.02, ScheduleConfig(name="onecycle")),
    ("adam", 1e-3, ScheduleConfig(name="cosine")),
    ("adamw", 3e-3, ScheduleConfig(name="step", step_size=10, gamma=0.5)),
    ("sgd", 0.2, ScheduleConfig(name="cyclic")),
]


def configs(k: int, args: argparse.Namespace) -> list[RunConfig]:
    mix = [m for m in MIX if m[0] == args.optimizer] if args.optimizer else MIX
    return [RunConfig(dataset=args.dataset, optimizer=o, lr=lr * (1 + i // len(MIX)) ** 0.1, schedule=s,
                      epochs=args.epochs, max_steps=args.max_steps, seed=i)
            for i, (o, lr, s) in ((i, mix[i % len(mix)]) for i in range(k))]  # fmt: skip


def timed(fn) -> float:
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    t = time.perf_counter()
    fn()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dataset", default="mnist-5k")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--max-steps", type=int, default=None, help="stop each run here (default: 16 on CPU)")
    ap.add_argument("--ks", default="1,16,64,256", help="batch sizes K to time")
    ap.add_argument("--sequential-runs", type=int, default=3, help="runs timed one at a time for the baseline")
    ap.add_argument("--compile", action="store_true", help="torch.compile the batched step")
    ap.add_argument("--class", dest="klass", type=int, default=0, help="also time N runs in batches of the largest K")
    ap.add_argument("--class-epochs", type=int, help="epochs of each --class run (default: --epochs)")
    ap.add_argument("--threads", type=int)
    ap.add_argument("--optimizer", help="only this optimizer's entries of the mix (one optimizer per batch)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    if args.max_steps is None and device.type == "cpu":
        args.max_steps = 16
    data = load_data(args.dataset, device)
    ks = [int(k) for k in args.ks.split(",")]

    run(configs(1, args)[0], device=device, data=data)  # warm-up (allocator, kernels)
    seq = [timed(lambda c=c: run(c, device=device, data=data)) for c in configs(args.sequential_runs, args)]
    per_run_seq = statistics.mean(seq)
    rows, ratio = [], None
    for k in ks:
        cfgs = configs(k, args)
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats()
        seconds = timed(lambda cfgs=cfgs: run_batched(cfgs, device=device, data=data, compile=args.compile))
        peak = torch.cuda.max_memory_allocated() / k / 2**20 if device.type == "cuda" else float("nan")
        rows.append([k, seconds, seconds / k, per_run_seq / (seconds / k), peak])
        if k == 64:
            ratio = per_run_seq / (seconds / k)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor() or "cpu"
    steps = f"{args.max_steps} steps" if args.max_steps else f"{args.epochs} epoch(s)"
    print(f"torch {torch.__version__}, device {device.type} ({name}), {torch.get_num_threads()} threads, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")  # fmt: skip
    print(
        f"{args.dataset}: {len(data.train)} train / {len(data.test)} test images, LeNet5, batch 128, "
        f"{steps} per run + test pass; sequential loop: {per_run_seq:.3f} s per run (mean of {len(seq)})"
    )
    headers = ["K", "batched s", "s per run", "speed-up vs sequential", "peak MiB per run"]
    print(tabulate(rows, headers=headers, floatfmt=("", ".2f", ".4f", ".2f", ".1f")))
    if args.klass:
        args.epochs = args.class_epochs or args.epochs
        cfgs = configs(args.klass, args)
        k = max(ks)
        done: list[dict] = []
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats()
        seconds = timed(
            lambda: [
                done.extend(run_batched(cfgs[i : i + k], device=device, data=data, compile=args.compile))
                for i in range(0, len(cfgs), k)
            ]
        )
        peak_all = torch.cuda.max_memory_allocated() if device.type == "cuda" else float("nan")
        steps = sum(len(r["train_loss"]) for r in done)
        print(
            f"class: {args.klass} runs of {args.epochs} epoch(s) in batches of {k}: {seconds:.1f} s "
            f"({steps:,} run-steps, {steps / seconds:,.0f} a second; peak {peak_all / 2**30:.2f} GiB)"
        )
    if ratio is not None:
        print(f"ratio: {ratio:.2f}")


if __name__ == "__main__":
    main()
