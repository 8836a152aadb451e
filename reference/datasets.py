"""The dataset table: each dataset by name with its reader and split sizes (known without loading, for step
schedules). Readers return numpy arrays; reference/data.py puts them on the device. No torch here: the CLIs' help
and the submission schema list these names."""

from __future__ import annotations

import functools
import gzip
import hashlib
import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ASSETS = Path(__file__).parent / "assets"
FASHION_DEBIAN = Path("/usr/share/datasets/fashion-mnist")


class DataUnavailable(RuntimeError):
    """The dataset's files are not on this machine; the message says where they were looked for."""


class DataInvalid(DataUnavailable):
    """The dataset's files are there but are not the dataset (truncated, another size or shape); the message names
    the file or folder, what it holds and what the dataset table expects. Never fixed by --download."""


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


IDX_NAMES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file (plain or .gz), the format MNIST and Fashion-MNIST ship in. A file that is not one, or
    holds fewer or more bytes than its header says, is a DataInvalid naming it."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as err:
            raise DataInvalid(f"{path}: a damaged gzip file ({err})") from None
    if len(raw) < 4 or raw[:2] != b"\x00\x00" or raw[2] != 0x08:
        raise DataInvalid(f"{path}: not an unsigned-byte IDX file")
    ndim = raw[3]
    if len(raw) < 4 + 4 * ndim:
        raise DataInvalid(f"{path}: truncated IDX file: {len(raw):,} bytes, shorter than its own header")
    shape = tuple(int(n) for n in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    want, held = math.prod(shape), len(raw) - 4 - 4 * ndim
    if held != want:
        what = "truncated" if held < want else "too long"
        raise DataInvalid(f"{path}: {what} IDX file: its header says {' × '.join(f'{n:,}' for n in shape)} "
                          f"= {want:,} bytes of data, the file holds {held:,}")  # fmt: skip
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def _idx_files(folder: Path) -> dict[str, Path] | None:
    """The four IDX files of a MNIST-format dataset in `folder` (each plain or .gz; plain first), or None."""
    found = {}
    for name in IDX_NAMES:
        for candidate in (folder / name, folder / f"{name}.gz"):
            if candidate.is_file():
                found[name] = candidate
                break
    return found if len(found) == len(IDX_NAMES) else None


def _read_idx_set(files: dict[str, Path], source: str) -> Arrays:
    return Arrays(*(read_idx(files[n]).copy() for n in IDX_NAMES), source=source)


DEFAULT_ROOT = Path("~/.cache/reference-data")  # mnist and cifar10 without --data-root (torchvision's layout)


def _fashion_files(root: Path | None) -> tuple[Path, dict[str, Path]]:
    candidates = [root, root / "FashionMNIST" / "raw"] if root else [FASHION_DEBIAN]
    for folder in candidates:
        if folder.is_dir() and (files := _idx_files(folder)):
            return folder, files
    where = " or ".join(str(c) for c in candidates)
    hint = "" if root else " (apt-get install dataset-fashion-mnist)"
    raise DataUnavailable(f"fashion-mnist: its four IDX files ({IDX_NAMES[0]}[.gz], …) not found in {where}{hint}")


def _fashion_mnist(root: Path | None, download: bool) -> Arrays:
    folder, files = _fashion_files(root)
    return _read_idx_set(files, str(folder))


def _mnist_files(root: Path | None) -> tuple[Path, dict[str, Path]]:
    """MNIST's four IDX files (plain or .gz): torchvision's layout ROOT/MNIST/raw, else loose in ROOT itself."""
    root = (root or DEFAULT_ROOT).expanduser()
    for folder in (root / "MNIST" / "raw", root):
        if folder.is_dir() and (files := _idx_files(folder)):
            return folder, files
    raise DataUnavailable(
        f"mnist: no MNIST files in {root}: expected {root / 'MNIST' / 'raw' / IDX_NAMES[0]} (or "
        f".gz) and its three companions (t10k-…, *-labels-…), or the four in {root} itself"
    )


def _mnist(root: Path | None, download: bool) -> Arrays:
    try:
        folder, files = _mnist_files(root)
    except DataUnavailable:
        if not download:
            raise
        import torchvision.datasets as tvd  # torch: only to download

        where = (root or DEFAULT_ROOT).expanduser()
        try:
            tvd.MNIST(str(where), train=True, download=True)
        except (RuntimeError, OSError) as err:
            raise DataUnavailable(f"mnist: the download into {where} failed ({err})") from None
        folder, files = _mnist_files(root)
    return _read_idx_set(files, str(folder))


def _torchvision(cls_name: str) -> Callable:
    def load(root: Path | None, download: bool) -> Arrays:
        import torchvision.datasets as tvd  # optional and heavy: only for the datasets torchvision fetches

        root = (root or DEFAULT_ROOT).expanduser()
        try:
            train, test = (getattr(tvd, cls_name)(str(root), train=t, download=download) for t in (True, False))
        except RuntimeError:  # torchvision's "Dataset not found or corrupted. You can use download=True ..."
            raise DataUnavailable(f"{cls_name.lower()}: not found (or damaged) in {root}: expected torchvision's "
                                  f"layout, {root / 'cifar-10-batches-py'}") from None  # fmt: skip
        return Arrays(*(np.asarray(a) for ds in (train, test) for a in (ds.data, ds.targets)), source=str(root))

    return load


def _listed(found: tuple[Path, dict[str, Path]]) -> tuple[Path, list[Path]]:
    return found[0], [found[1][n] for n in IDX_NAMES]


def _cifar_files(root: Path | None) -> tuple[Path, list[Path]]:
    folder = (root or DEFAULT_ROOT).expanduser() / "cifar-10-batches-py"
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch", "batches.meta"]
    if not all((folder / n).is_file() for n in names):
        raise DataUnavailable(f"cifar10: not found in {folder.parent}: expected torchvision's layout, {folder}")
    return folder, [folder / n for n in names]


@dataclass(frozen=True)
class Dataset:
    """A dataset by name: its reader, split sizes and per-channel pixel mean/std in [0, 1] (for normalisation)."""

    read: Callable[[Path | None, bool], Arrays]
    train_size: int
    test_size: int
    mean: tuple[float, ...]
    std: tuple[float, ...]
    shape: tuple[int, ...] = (28, 28)  # one image: (H, W) or (H, W, C)
    files: Callable[[Path | None], tuple[Path, list[Path]]] | None = None  # where its files are (None: embedded)
    folder: str = ""  # where a bundle puts the files, under its data root (the reader's own layout)


DATASETS: dict[str, Dataset] = {
    "mnist-5k": Dataset(_mnist_5k, 4_000, 1_000, (0.1307,), (0.3081,)),
    "fashion-mnist": Dataset(_fashion_mnist, 60_000, 10_000, (0.2860,), (0.3530,),
                             files=lambda root: _listed(_fashion_files(root)), folder="FashionMNIST/raw"),
    "mnist": Dataset(_mnist, 60_000, 10_000, (0.1307,), (0.3081,), files=lambda root: _listed(_mnist_files(root)),
                     folder="MNIST/raw"),
    "cifar10": Dataset(_torchvision("CIFAR10"), 50_000, 10_000, (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616),
                       shape=(32, 32, 3), files=_cifar_files, folder="cifar-10-batches-py"),
}  # fmt: skip


def check(name: str, a: Arrays) -> None:
    """A DataInvalid, one line, where the files read are not `name` as the table states it (a 6,000-image copy
    given as mnist would rerun every sweep at a tenth of its steps, silently): split sizes, image shape, labels."""
    spec = DATASETS[name]
    found = (len(a.x_train), len(a.x_test), tuple(a.x_train.shape[1:]), tuple(a.x_test.shape[1:]))
    want = (spec.train_size, spec.test_size, spec.shape, spec.shape)
    labels = len(a.y_train) == len(a.x_train) and len(a.y_test) == len(a.x_test)
    if found == want and labels:
        return

    def shape(s: tuple[int, ...]) -> str:
        return "×".join(str(n) for n in s)

    held = f"{found[0]:,} training and {found[1]:,} test images of {shape(found[2])}"
    if found[3] != found[2]:
        held += f" (test {shape(found[3])})"
    if not labels:
        held += f", with {len(a.y_train):,} and {len(a.y_test):,} labels"
    raise DataInvalid(f"{name}: the files in {a.source} hold {held}; {name} is {spec.train_size:,} training and "
                      f"{spec.test_size:,} test images of {shape(spec.shape)} (reference/datasets.py): give "
                      f"--data-root a complete copy of {name}")  # fmt: skip


def data_files(name: str, root: Path | str | None) -> tuple[Path, list[Path]] | None:
    """(folder, files) the reader of `name` reads under `root` (None for embedded data); DataUnavailable if absent.
    For the rerun cache's key (their identity) and for the platform bundles (which ship them)."""
    spec = DATASETS[name]
    return spec.files(Path(root) if root else None) if spec.files else None


def fingerprint(name: str, root: Path | str | None) -> str | None:
    """The identity of the files `name` reads under `root`: a sha256 over their names and contents (None for
    embedded data). Kept per file signature (path, size, mtime, inode) in this process, so a grade digests each
    file once however many runs it keys: ~0.05 s for Fashion-MNIST's 30 MB of .gz files (README, Data). Files
    replaced in place get a new signature, so a new digest."""
    found = data_files(name, root)
    if found is None:
        return None
    sigs = []
    for path in found[1]:
        st = path.stat()
        sigs.append((str(path.resolve()), st.st_size, st.st_mtime_ns, st.st_ino))
    return _digest(tuple(sigs))


@functools.lru_cache(maxsize=64)
def _digest(signatures: tuple[tuple[str, int, int, int], ...]) -> str:
    digest = hashlib.sha256()
    for path, *_ in signatures:
        digest.update(Path(path).name.encode() + b"\0")
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
        digest.update(b"\0")
    return digest.hexdigest()[:20]


def advice(err: DataUnavailable, name: str | None, root: str | Path | None, download: bool) -> str:
    """What to do about `err`, to append to its line: nothing where the message says it already (files that are
    there but wrong), the flag not yet given otherwise."""
    if isinstance(err, DataInvalid):
        return ""
    fetch = name in (None, "mnist", "cifar10") and not download  # what torchvision can download
    if root:
        return f"; put the files there{', or add --download where there is internet' if fetch else ''}"
    return f"; give --data-root DIR{' (or --download where there is internet)' if fetch else ''}"


def steps_per_epoch(dataset: str, batch_size: int) -> int:
    """Optimizer steps in one pass over `dataset`'s training split (the last batch may be short)."""
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; choose from {', '.join(DATASETS)}")
    return math.ceil(DATASETS[dataset].train_size / batch_size)
