"""The dataset table: each dataset by name with its reader and split sizes (known without loading, for step
schedules). Readers return numpy arrays; reference/data.py puts them on the device. No torch here: the CLIs' help
and the submission schema list these names."""

from __future__ import annotations

import gzip
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ASSETS = Path(__file__).parent / "assets"
FASHION_DEBIAN = Path("/usr/share/datasets/fashion-mnist")


class DataUnavailable(RuntimeError):
    """The dataset's files are not on this machine; the message says where they were looked for."""


@dataclass(frozen=True)
class Arrays:
    """uint8 images (N, H, W) or (N, H, W, C) and integer labels, as read from disk."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str  # where the files came from


# ---------------------------------------------------------------- readers, one per dataset


def _mnist_5k(root: Path | None, download: bool) -> Arrays:
    arrays = np.load(ASSETS / "mnist_5k.npz")
    source = f"embedded reference/assets/mnist_5k.npz (sha256 of source CSV {arrays['source_sha256']})"
    return Arrays(*(arrays[k] for k in ("x_train", "y_train", "x_test", "y_test")), source=source)


def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file (plain or .gz), the format MNIST and Fashion-MNIST ship in."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if raw[:2] != b"\x00\x00" or raw[2] != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    ndim = raw[3]
    shape = np.frombuffer(raw, dtype=">u4", count=ndim, offset=4)
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def _fashion_mnist(root: Path | None, download: bool) -> Arrays:
    candidates = [root, root / "FashionMNIST" / "raw"] if root else [FASHION_DEBIAN]
    for folder in candidates:
        files = {p.name.split(".")[0]: p for p in folder.glob("*-ubyte*")} if folder.is_dir() else {}
        names = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                 "t10k-labels-idx1-ubyte")  # fmt: skip
        if all(n in files for n in names):
            return Arrays(*(read_idx(files[n]).copy() for n in names), source=str(folder))
    where = " or ".join(str(c) for c in candidates)
    raise DataUnavailable(
        f"fashion-mnist: IDX files not found in {where} (apt-get install dataset-fashion-mnist, or --data-root)"
    )


def _torchvision(cls_name: str) -> Callable:
    def load(root: Path | None, download: bool) -> Arrays:
        import torchvision.datasets as tvd  # optional and heavy: only for the datasets torchvision fetches

        root = root or Path("~/.cache/reference-data").expanduser()
        try:
            train, test = (getattr(tvd, cls_name)(str(root), train=t, download=download) for t in (True, False))
        except RuntimeError as err:  # torchvision's "Dataset not found ... use download=True"
            raise DataUnavailable(f"{cls_name}: {err} (looked in {root}; pass --download or --data-root)") from None
        return Arrays(*(np.asarray(a) for ds in (train, test) for a in (ds.data, ds.targets)), source=str(root))

    return load


@dataclass(frozen=True)
class Dataset:
    """A dataset by name: its reader, split sizes and per-channel pixel mean/std in [0, 1] (for normalisation)."""

    read: Callable[[Path | None, bool], Arrays]
    train_size: int
    test_size: int
    mean: tuple[float, ...]
    std: tuple[float, ...]


DATASETS: dict[str, Dataset] = {
    "mnist-5k": Dataset(_mnist_5k, 4_000, 1_000, (0.1307,), (0.3081,)),
    "fashion-mnist": Dataset(_fashion_mnist, 60_000, 10_000, (0.2860,), (0.3530,)),
    "mnist": Dataset(_torchvision("MNIST"), 60_000, 10_000, (0.1307,), (0.3081,)),
    "cifar10": Dataset(_torchvision("CIFAR10"), 50_000, 10_000, (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
}


def steps_per_epoch(dataset: str, batch_size: int) -> int:
    """Optimizer steps in one pass over `dataset`'s training split (the last batch may be short)."""
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; choose from {', '.join(DATASETS)}")
    return math.ceil(DATASETS[dataset].train_size / batch_size)
