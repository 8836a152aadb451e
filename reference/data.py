"""Datasets as uint8 tensors, loaded once, normalised and batched on the run's device (no DataLoader)."""

from __future__ import annotations

import gzip
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

ASSETS = Path(__file__).parent / "assets"
FASHION_DEBIAN = Path("/usr/share/datasets/fashion-mnist")


class DataUnavailable(RuntimeError):
    """The dataset's files are not on this machine; the message says where they were looked for."""


@dataclass(frozen=True)
class RawDataset:
    """uint8 images (N, H, W) or (N, H, W, C) and int64 labels, as read from disk."""

    name: str
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    mean: tuple[float, ...]  # per-channel pixel mean in [0, 1], for normalisation
    std: tuple[float, ...]
    source: str  # where the files came from


# ---------------------------------------------------------------- readers, one per dataset


def _mnist_5k(root: Path | None, download: bool) -> RawDataset:
    arrays = np.load(ASSETS / "mnist_5k.npz")
    return RawDataset(
        "mnist-5k",
        *(torch.from_numpy(arrays[k]).long() if k[0] == "y" else torch.from_numpy(arrays[k])
          for k in ("x_train", "y_train", "x_test", "y_test")),
        mean=(0.1307,), std=(0.3081,),
        source=f"embedded reference/assets/mnist_5k.npz (sha256 of source CSV {arrays['source_sha256']})",
    )  # fmt: skip


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


def _fashion_mnist(root: Path | None, download: bool) -> RawDataset:
    candidates = [root, root / "FashionMNIST" / "raw"] if root else [FASHION_DEBIAN]
    for folder in candidates:
        files = {p.name.split(".")[0]: p for p in folder.glob("*-ubyte*")} if folder.is_dir() else {}
        names = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                 "t10k-labels-idx1-ubyte")  # fmt: skip
        if all(n in files for n in names):
            xs, ys, xt, yt = (torch.from_numpy(read_idx(files[n]).copy()) for n in names)
            return RawDataset("fashion-mnist", xs, ys.long(), xt, yt.long(), (0.2860,), (0.3530,), str(folder))
    where = " or ".join(str(c) for c in candidates)
    raise DataUnavailable(
        f"fashion-mnist: IDX files not found in {where} (apt-get install dataset-fashion-mnist, or --data-root)"
    )


def _torchvision(cls_name: str, mean: tuple[float, ...], std: tuple[float, ...]) -> Callable:
    def load(root: Path | None, download: bool) -> RawDataset:
        import torchvision.datasets as tvd

        root = root or Path("~/.cache/reference-data").expanduser()
        try:
            train, test = (getattr(tvd, cls_name)(str(root), train=t, download=download) for t in (True, False))
        except RuntimeError as err:  # torchvision's "Dataset not found ... use download=True"
            raise DataUnavailable(f"{cls_name}: {err} (looked in {root}; pass --download or --data-root)") from None

        def images(ds: object) -> torch.Tensor:
            return torch.as_tensor(np.asarray(ds.data), dtype=torch.uint8)

        def labels(ds: object) -> torch.Tensor:
            return torch.as_tensor(np.asarray(ds.targets), dtype=torch.long)

        name = cls_name.lower()
        return RawDataset(name, images(train), labels(train), images(test), labels(test), mean, std, str(root))

    return load


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset by name: its reader and its split sizes (known without loading, for step schedules)."""

    load: Callable[[Path | None, bool], RawDataset]
    train_size: int
    test_size: int


DATASETS: dict[str, DatasetSpec] = {
    "mnist-5k": DatasetSpec(_mnist_5k, 4_000, 1_000),
    "fashion-mnist": DatasetSpec(_fashion_mnist, 60_000, 10_000),
    "mnist": DatasetSpec(_torchvision("MNIST", (0.1307,), (0.3081,)), 60_000, 10_000),
    "cifar10": DatasetSpec(_torchvision("CIFAR10", (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)), 50_000, 10_000),
}


def steps_per_epoch(dataset: str, batch_size: int) -> int:
    """Optimizer steps in one pass over `dataset`'s training split (the last batch may be short)."""
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; choose from {', '.join(DATASETS)}")
    return math.ceil(DATASETS[dataset].train_size / batch_size)


@lru_cache(maxsize=4)
def load_raw(name: str, root: str | None = None, download: bool = False) -> RawDataset:
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose from {', '.join(DATASETS)}")
    return DATASETS[name].load(Path(root) if root else None, download)


# ---------------------------------------------------------------- on the device


PREPROCESS = ("pad-normalize", "resize")  # how images become 32×32 model inputs (see DeviceData)


def _resize_to_tensor(x: torch.Tensor, size: int = 32, chunk: int = 8192) -> torch.Tensor:
    """torchvision's `Resize(size)` (bilinear, on PIL images) then `ToTensor()`, for a whole uint8 NCHW batch
    on its device. As Pillow does it: rows first, then columns, each pass rounded half up to uint8 (a single
    bilinear pass, or round-half-even, is one level off on ~4% of MNIST's pixels); ToTensor divides by 255."""

    def resample(t: torch.Tensor, h: int, w: int) -> torch.Tensor:
        return F.interpolate(t, size=(h, w), mode="bilinear", align_corners=False).add_(0.5).floor_().clamp_(0, 255)

    out = torch.empty(len(x), x.shape[1], size, size, device=x.device)
    for i in range(0, len(x), chunk):
        part = x[i : i + chunk].float()
        out[i : i + chunk] = resample(resample(part, part.shape[2], size), size, size)
    return out.div_(255)


class DeviceData:
    """A split held on the device as float32 NCHW (channels-last) 32×32 images, preprocessed once.

    `preprocess`: "pad-normalize" zero-pads 28×28 digits (background) to the 32×32 LeNet5 was designed for
    and normalises with the dataset's mean/std; "resize" is the course template's pipeline — bilinear
    `Resize(32)` + `ToTensor()`, values in [0, 1], no normalisation. Batches are slices of a `randperm`
    drawn from the caller's generator, so the data order is a function of the seed.
    """

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, raw: RawDataset, device: torch.device,
                 preprocess: str = "pad-normalize"):  # fmt: skip
        if preprocess not in PREPROCESS:
            raise ValueError(f"unknown preprocess {preprocess!r}; choose from {', '.join(PREPROCESS)}")
        x = images.to(device)
        x = x.unsqueeze(1) if x.ndim == 3 else x.permute(0, 3, 1, 2)  # NHW -> N1HW, NHWC -> NCHW
        if preprocess == "resize":
            x = _resize_to_tensor(x) if x.shape[-1] != 32 else x.float() / 255
        else:
            pad = (32 - x.shape[-1]) // 2
            x = F.pad(x, (pad, pad, pad, pad)) if pad > 0 else x
            mean = torch.tensor(raw.mean, device=device).view(1, -1, 1, 1)
            std = torch.tensor(raw.std, device=device).view(1, -1, 1, 1)
            x = (x.float() / 255 - mean) / std
        self.x = x.contiguous(memory_format=torch.channels_last)
        self.y = labels.to(device)

    def __len__(self) -> int:
        return len(self.y)

    def permutation(self, generator: torch.Generator) -> torch.Tensor:
        """One epoch's training order, drawn on the CPU from the run's generator (device-independent)."""
        return torch.randperm(len(self.y), generator=generator).to(self.x.device)

    def index_stream(self, batch_size: int, generator: torch.Generator) -> Iterator[torch.Tensor]:
        """Training batches' indices, forever: pass after pass over the split, each in a fresh seeded order
        (a pass's last batch may be short). A run's epochs need not be passes: see `RunConfig.epoch_steps`."""
        while True:
            order = self.permutation(generator)
            for i in range(0, len(self.y), batch_size):
                yield order[i : i + batch_size]

    def batches(self, batch_size: int) -> Iterator[tuple]:
        """The split in order, for evaluation."""
        for i in range(0, len(self.y), batch_size):
            yield self.x[i : i + batch_size], self.y[i : i + batch_size]


@dataclass
class Data:
    name: str
    train: DeviceData
    test: DeviceData
    channels: int
    source: str


def load_data(name: str, device: torch.device, root: str | None = None, download: bool = False,
              preprocess: str = "pad-normalize") -> Data:  # fmt: skip
    raw = load_raw(name, root, download)
    train = DeviceData(raw.x_train, raw.y_train, raw, device, preprocess)
    test = DeviceData(raw.x_test, raw.y_test, raw, device, preprocess)
    return Data(name, train, test, train.x.shape[1], raw.source)
