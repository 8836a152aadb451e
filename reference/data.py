"""Datasets as uint8 tensors, loaded once, normalised and batched on the run's device (no DataLoader)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch
import torch.nn.functional as F

from reference.datasets import DATASETS, DataUnavailable, advice, check


@dataclass(frozen=True)
class RawDataset:
    """A dataset's splits as tensors: uint8 images (N, H, W) or (N, H, W, C) and int64 labels."""

    name: str
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    mean: tuple[float, ...]  # per-channel pixel mean in [0, 1], for normalisation
    std: tuple[float, ...]
    source: str  # where the files came from


@lru_cache(maxsize=4)
def load_raw(name: str, root: str | None = None, download: bool = False) -> RawDataset:
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose from {', '.join(DATASETS)}")
    spec = DATASETS[name]
    a = spec.read(Path(root) if root else None, download)
    check(name, a)  # DataInvalid: not the dataset the table states (another size, shape), before anything runs on it
    x_train, y_train, x_test, y_test = (torch.as_tensor(v) for v in (a.x_train, a.y_train, a.x_test, a.y_test))
    return RawDataset(name, x_train.to(torch.uint8), y_train.long(), x_test.to(torch.uint8), y_test.long(),
                      spec.mean, spec.std, a.source)  # fmt: skip


def require(names: Iterable[str], root: str | None = None, download: bool = False) -> None:
    """Fail once, before any run, when a dataset is not on this machine or is not what the dataset table states (a
    ValueError: one usage line, its advice once, for what was given)."""
    for name in sorted(set(names)):
        try:
            load_raw(name, root, download)
        except DataUnavailable as err:
            raise ValueError(f"{err}{advice(err, name, root, download)}") from None


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
