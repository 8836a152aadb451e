"""Write a run's result: JSON (curves + metadata), CSV curves, TensorBoard events and a PNG plot."""

from __future__ import annotations

import csv
import json
import os
import secrets
from pathlib import Path

TB_TAGS = {"train_loss": "Loss/train", "lr": "LR/train", "test_loss": "Loss/test", "test_accuracy": "Accuracy/test"}


def write_json_atomic(obj: object, path: Path) -> None:
    """Write to a temporary file in the same folder, fsync and rename: readers never see half a file.

    The file gets the permissions of a plain `open(path, "w")` (0666 less the umask), like every other output;
    a `tempfile.mkstemp` file would stay 0600.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(obj, f, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_csv(result: dict, out: Path) -> None:
    with open(out / "steps.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["step", "lr", "train_loss", "train_loss_smoothed"])
        w.writerows(zip(range(1, len(result["lr"]) + 1), result["lr"], result["train_loss"],
                        result["train_loss_smoothed"], strict=True))  # fmt: skip
    with open(out / "evals.csv", "w", newline="") as f:
        fields = ["step", "epoch", "train_loss", "test_loss", "test_accuracy", "epoch_end"]
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(result["evals"])


def write_tensorboard(result: dict, out: Path) -> None:
    """The course's tags: `Loss/train`, `LR/train` per step; `Loss/test`, `Accuracy/test` per evaluation
    (global step = optimizer steps so far, so all four share one x-axis)."""
    from torch.utils.tensorboard import SummaryWriter

    with SummaryWriter(log_dir=str(out)) as tb:
        for step, (lr, loss) in enumerate(zip(result["lr"], result["train_loss"], strict=True), start=1):
            tb.add_scalar(TB_TAGS["train_loss"], loss, step)
            tb.add_scalar(TB_TAGS["lr"], lr, step)
        for e in result["evals"]:
            tb.add_scalar(TB_TAGS["test_loss"], e["test_loss"], e["step"])
            tb.add_scalar(TB_TAGS["test_accuracy"], e["test_accuracy"], e["step"])


def write_run(result: dict, out: Path, name: str, tensorboard: bool = True, plot: bool = True) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.json"
    write_json_atomic(result, path)
    write_csv(result, out)
    if tensorboard:
        write_tensorboard(result, out)
    if plot:
        from reference.plots import plot_run

        plot_run(result).savefig(out / f"{name}.png", dpi=110, bbox_inches="tight")
    return path
