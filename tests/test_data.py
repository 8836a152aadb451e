"""Datasets: the embedded default, and the real loaders on tiny fixtures written in their on-disk formats."""

import gzip
import pickle

import numpy as np
import pytest
import torch
import torchvision

from reference.data import DeviceData, load_data, load_raw
from reference.datasets import DataUnavailable, read_idx

CPU = torch.device("cpu")


def write_idx(path, array: np.ndarray, compress: bool = False) -> None:
    header = bytes([0, 0, 0x08, array.ndim]) + np.array(array.shape, dtype=">u4").tobytes()
    blob = header + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(blob) if compress else blob)


def sized(monkeypatch, name: str, train: int, test: int) -> None:
    """The dataset table's `name` sized as a tiny fixture, so that it loads (reference.datasets.check refuses a copy
    of another size); load_raw's memo cleared around it."""
    import dataclasses

    from reference import datasets

    monkeypatch.setitem(datasets.DATASETS, name, dataclasses.replace(datasets.DATASETS[name], train_size=train,
                                                                     test_size=test))  # fmt: skip
    load_raw.cache_clear()


def digits(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n, dtype=np.uint8)


def test_embedded_mnist_5k_is_real_and_split_4000_1000():
    raw = load_raw("mnist-5k")
    assert raw.x_train.shape == (4000, 28, 28) and raw.x_test.shape == (1000, 28, 28)
    assert raw.x_train.dtype == torch.uint8
    assert torch.bincount(raw.y_train).tolist() == [400] * 10
    assert torch.bincount(raw.y_test).tolist() == [100] * 10
    # real digits: dark background, bright strokes, on average ~19% ink like MNIST
    ink = (raw.x_train > 127).float().mean().item()
    assert 0.08 < ink < 0.25 and raw.x_train[:, 0, :].float().mean() < 5


def test_device_data_pads_normalises_and_batches_by_seeded_permutation():
    data = load_data("mnist-5k", CPU)
    assert data.train.x.shape == (4000, 1, 32, 32) and data.channels == 1
    assert data.train.x[:, :, :2, :].std() < 1e-4  # zero padding = background, one value after normalising
    assert abs(data.train.x.mean().item()) < 0.3  # roughly centred

    def epoch(seed: int) -> list[torch.Tensor]:
        stream = data.train.index_stream(128, torch.Generator().manual_seed(seed))
        return [data.train.y[next(stream)] for _ in range(32)]

    first, again, other = epoch(3), epoch(3), epoch(4)
    assert len(first) == 32 and len(first[-1]) == 4000 - 31 * 128
    assert all(torch.equal(a, b) for a, b in zip(first, again))
    assert not torch.equal(first[0], other[0])
    assert sorted(torch.cat(first).tolist()) == sorted(data.train.y.tolist())  # every image once per epoch


def test_idx_reader_plain_and_gzipped(tmp_path):
    x, _ = digits(5, 0)
    write_idx(tmp_path / "a-idx3-ubyte", x)
    write_idx(tmp_path / "b-idx3-ubyte.gz", x, compress=True)
    assert np.array_equal(read_idx(tmp_path / "a-idx3-ubyte"), x)
    assert np.array_equal(read_idx(tmp_path / "b-idx3-ubyte.gz"), x)


def test_fashion_mnist_from_a_data_root_of_idx_gz(tmp_path, monkeypatch):
    sized(monkeypatch, "fashion-mnist", 12, 4)
    (x, y), (xt, yt) = digits(12, 1), digits(4, 2)
    for name, arr in [("train-images-idx3-ubyte", x), ("train-labels-idx1-ubyte", y),
                      ("t10k-images-idx3-ubyte", xt), ("t10k-labels-idx1-ubyte", yt)]:  # fmt: skip
        write_idx(tmp_path / f"{name}.gz", arr, compress=True)
    raw = load_raw("fashion-mnist", str(tmp_path))
    assert torch.equal(raw.x_train, torch.from_numpy(x)) and raw.y_test.tolist() == yt.tolist()


def test_mnist_on_an_idx_fixture_in_torchvisions_layout(tmp_path, monkeypatch):
    sized(monkeypatch, "mnist", 10, 6)
    raw_dir = tmp_path / "MNIST" / "raw"
    raw_dir.mkdir(parents=True)
    (x, y), (xt, yt) = digits(10, 3), digits(6, 4)
    for name, arr in [("train-images-idx3-ubyte", x), ("train-labels-idx1-ubyte", y),
                      ("t10k-images-idx3-ubyte", xt), ("t10k-labels-idx1-ubyte", yt)]:  # fmt: skip
        write_idx(raw_dir / name, arr)
    data = load_data("mnist", CPU, root=str(tmp_path))
    assert data.train.x.shape == (10, 1, 32, 32) and data.test.y.tolist() == yt.tolist()


def test_cifar10_through_torchvision_on_a_pickle_fixture(tmp_path, monkeypatch):
    sized(monkeypatch, "cifar10", 15, 4)
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    rng = np.random.default_rng(5)
    batches = {f"data_batch_{i}": 3 for i in range(1, 6)} | {"test_batch": 4}
    for name, n in batches.items():
        blob = {"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8), "labels": rng.integers(0, 10, n).tolist()}
        (folder / name).write_bytes(pickle.dumps(blob))
    (folder / "batches.meta").write_bytes(pickle.dumps({"label_names": [str(i) for i in range(10)]}))
    # the fixture can't match torchvision's md5 sums of the real files; everything else is the real loader
    monkeypatch.setattr(torchvision.datasets.cifar, "check_integrity", lambda *args, **kwargs: True)
    data = load_data("cifar10", CPU, root=str(tmp_path))
    assert data.train.x.shape == (15, 3, 32, 32) and data.channels == 3 and len(data.test) == 4


def test_missing_files_say_where_they_were_looked_for(tmp_path):
    with pytest.raises(DataUnavailable, match=str(tmp_path)):
        load_raw("fashion-mnist", str(tmp_path))
    with pytest.raises(DataUnavailable, match="nothing/MNIST/raw/train-images-idx3-ubyte"):
        load_raw("mnist", str(tmp_path / "nothing"))
    with pytest.raises(ValueError, match="unknown dataset"):
        load_raw("imagenet")


def test_rgb_images_become_nchw():
    raw = load_raw("mnist-5k")
    rgb = raw.x_test[:4, :, :, None].expand(4, 28, 28, 3)
    split = DeviceData(rgb, raw.y_test[:4], raw, CPU)
    assert split.x.shape == (4, 3, 32, 32)


def test_index_stream_reshuffles_every_pass_and_keeps_short_last_batches():
    data = load_data("mnist-5k", CPU)
    stream = data.train.index_stream(1000, torch.Generator().manual_seed(0))
    passes = [[next(stream) for _ in range(4)] for _ in range(2)]  # 4,000 images: 4 batches a pass
    assert [len(b) for b in passes[0]] == [1000] * 4
    for p in passes:
        assert sorted(torch.cat(p).tolist()) == list(range(4000))  # every image once per pass
    assert not torch.equal(passes[0][0], passes[1][0])  # a fresh order each pass


def test_resize_preprocess_equals_torchvision_pil_resize_and_to_tensor():
    """The course template's input pipeline, computed once on the device, against torchvision on PIL images."""
    from PIL import Image
    from torchvision import transforms

    raw = load_raw("mnist-5k")
    data = load_data("mnist-5k", CPU, preprocess="resize")
    tf = transforms.Compose([transforms.Resize(32), transforms.ToTensor()])
    want = torch.stack([tf(Image.fromarray(raw.x_train[i].numpy(), mode="L")) for i in range(500)])
    got = data.train.x[:500]
    assert got.shape == want.shape == (500, 1, 32, 32) and got.min() >= 0 and got.max() <= 1
    assert torch.equal(got, want)  # max difference 0: Pillow's two passes, each rounded half up, reproduced
