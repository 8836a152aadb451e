"""Reference loop vs the course's torchvision/DataLoader pipeline on mnist-5k; last line: `ratio: X`.

The reference loop is timed twice in the same run, eager and with `compile=True` (`reference train --compile`);
`ratio` is the compiled loop's images/s over the course pipeline's, and the line before it gives the eager
loop's ratio. `--no-compile` times the eager loop only and reports its ratio last.
"""

from __future__ import annotations

import argparse
import os
import platform
import struct
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tabulate import tabulate
from torch.utils.data import DataLoader, Dataset, TensorDataset
from torchvision import datasets, transforms

from reference.config import RunConfig
from reference.data import load_data, load_raw
from reference.loop import run
from reference.models import LeNet5

BATCH, LR, MOMENTUM, SEED = 128, 0.05, 0.9, 0
WORKERS = 0  # as in the course notebook: images are decoded and transformed in the training process


def write_idx(path: Path, arr: np.ndarray) -> None:
    """Write a uint8 array as an (uncompressed) IDX file, the format torchvision's MNIST reads."""
    arr = np.ascontiguousarray(arr, dtype=np.uint8)
    path.write_bytes(struct.pack(">BBBB", 0, 0, 0x08, arr.ndim) + struct.pack(f">{arr.ndim}I", *arr.shape)
                     + arr.tobytes())  # fmt: skip


def course_datasets(root: Path) -> tuple[datasets.MNIST, datasets.MNIST]:
    """torchvision's MNIST over IDX files written from the same uint8 arrays the reference loop uses."""
    raw, folder = load_raw("mnist-5k"), root / "MNIST" / "raw"
    folder.mkdir(parents=True)
    for prefix, x, y in (("train", raw.x_train, raw.y_train), ("t10k", raw.x_test, raw.y_test)):
        write_idx(folder / f"{prefix}-images-idx3-ubyte", x.numpy())
        write_idx(folder / f"{prefix}-labels-idx1-ubyte", y.numpy().astype(np.uint8))
    tf = transforms.Compose([transforms.Resize(32), transforms.ToTensor()])
    return tuple(datasets.MNIST(str(root), train=t, transform=tf, download=False) for t in (True, False))


def tensor_datasets(train: datasets.MNIST, test: datasets.MNIST) -> tuple[TensorDataset, TensorDataset]:
    """The course transform applied once, up front: float 1×32×32 tensors served by a TensorDataset."""

    def premade(ds: datasets.MNIST) -> TensorDataset:
        return TensorDataset(torch.stack([ds[i][0] for i in range(len(ds))]), ds.targets.clone())

    return premade(train), premade(test)


def course_loop(train: Dataset, test: Dataset, epochs: int) -> tuple[float, float]:
    """The course's loop: DataLoader batches, loss.item() every step, test pass per epoch. (seconds, acc)."""
    torch.manual_seed(SEED)
    model = LeNet5()
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    train_dl = DataLoader(train, batch_size=BATCH, shuffle=True, num_workers=WORKERS)
    test_dl = DataLoader(test, batch_size=BATCH, shuffle=False, num_workers=WORKERS)
    started, acc = time.perf_counter(), 0.0
    for _ in range(epochs):
        model.train()
        for x, y in train_dl:
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss.item()  # the course logged every step's loss
        model.eval()
        correct = 0
        with torch.no_grad():
            for x, y in test_dl:
                correct += (model(x).argmax(1) == y).sum().item()
        acc = correct / len(test)
    return time.perf_counter() - started, acc


def reference_loop(epochs: int, compile: bool) -> tuple[float, float]:
    """reference.loop.run on data already resident; (meta wall_time_s, final test accuracy)."""
    deterministic = torch.are_deterministic_algorithms_enabled()
    result = run(RunConfig(lr=LR, momentum=MOMENTUM, batch_size=BATCH, epochs=epochs, seed=SEED),
                 device="cpu", data=load_data("mnist-5k", torch.device("cpu")), compile=compile)  # fmt: skip
    torch.use_deterministic_algorithms(deterministic)  # run() turns it on globally; the others run as before
    return result["meta"]["wall_time_s"], result["final"]["test_accuracy"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--epochs", type=int, default=3, help="timed epochs per pipeline (default 3)")
    ap.add_argument("--no-compile", action="store_true", help="time the eager reference loop only")
    ap.add_argument("--threads", type=int, default=None, help="torch.set_num_threads(N) (default: torch's)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per pipeline, interleaved; the fastest is kept")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    n_images = args.epochs * len(load_raw("mnist-5k").y_train)

    with tempfile.TemporaryDirectory() as tmp:
        course_train, course_test = course_datasets(Path(tmp))
        tds_train, tds_test = tensor_datasets(course_train, course_test)
        eager, compiled = "reference loop (eager)", "reference loop (compiled)"
        tds = "TensorDataset (pre-made 32x32 floats) + DataLoader"
        course = f"course: torchvision MNIST + Resize/ToTensor + DataLoader(workers={WORKERS})"
        pipelines = {
            eager: lambda e: reference_loop(e, compile=False),
            compiled: lambda e: reference_loop(e, compile=True),
            course: lambda e: course_loop(course_train, course_test, e),
            tds: lambda e: course_loop(tds_train, tds_test, e),
        }
        if args.no_compile:
            del pipelines[compiled]
        warm = {name: fn(1)[0] for name, fn in pipelines.items()}  # untimed warm-up epoch each
        best: dict[str, tuple[float, float]] = {}
        for _ in range(args.repeat):  # interleaved, so background load hits every pipeline alike
            for name, fn in pipelines.items():
                seconds, acc = fn(args.epochs)
                if name not in best or seconds < best[name][0]:
                    best[name] = (seconds, acc)

    rows = [[name, n_images / s, s, s / args.epochs, acc] for name, (s, acc) in best.items()]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, machine: "
          f"{platform.processor() or platform.machine()} ({os.cpu_count()} CPUs, {platform.system()}), "
          f"load average {os.getloadavg()[0]:.2f}")  # fmt: skip
    print(
        f"mnist-5k: {n_images // args.epochs} train / {len(course_test)} test images, batch {BATCH}, "
        f"SGD lr={LR} momentum={MOMENTUM}, {args.epochs} timed epochs (train + per-epoch test pass) each, "
        f"after one untimed warm-up epoch each; best of {args.repeat}; DataLoader num_workers={WORKERS}"
    )
    headers = ["pipeline", "img/s", "seconds", "s/epoch", "test acc"]
    print(tabulate(rows, headers=headers, floatfmt=("", ".0f", ".2f", ".2f", ".3f")))
    if compiled in best:
        compile_s = warm[compiled] - best[compiled][0] / args.epochs
        print(f"compile (one-off, excluded): ~{compile_s:.1f} s = compiled warm-up epoch - one timed epoch")
        print(f"ratio (eager): {best[course][0] / best[eager][0]:.2f}")
    print(f"ratio: {best[course][0] / best[compiled if compiled in best else eager][0]:.2f}")


if __name__ == "__main__":
    main()
