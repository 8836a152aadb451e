"""Write a run's result: JSON (curves + metadata), its log in the course's layout (CSV and TensorBoard events, with
the course's tags: what a student hands in with a submission and grader/logs.py reads) and a PNG plot."""

from __future__ import annotations

import bisect
import csv
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from reference.config import RunConfig
from reference.plots import plot_run
from reference.rules import RULES, smooth, smooth_steps

TAGS = {"lr": "LR/train", "train_loss": "Loss/train", "test_loss": "Loss/test", "test_accuracy": "Accuracy/test"}
CSV_COLUMNS = ("step", "lr", "train_loss", "epoch", "test_loss", "test_accuracy")


def number(v: object) -> str:
    """3 significant digits for floats (0.112, 1, 1e-06); anything else as is."""
    return f"{v:.3g}" if isinstance(v, float) else str(v)


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


@dataclass(frozen=True)
class Logs:
    """One run's logged curves. Steps are 0-based optimizer steps, epochs 1-based."""

    source: str  # the path as the submission gave it
    step: list[int] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    epoch: list[int] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)
    lr_epoch: int = 0  # the LR was logged once an epoch (placed at each epoch's first step): the steps an epoch
    running_mean: bool = False  # the train loss is each epoch's running mean so far (running_loss / (i + 1))
    # the train loss is already smoothed as logged (pytorch-lr-finder's history, fastai's recorder): its step-to-step
    # changes far below the rerun's per-step noise (grader.evidence.presmoothed); read as logged, never smoothed again
    smoothed: bool = False
    # the step (as `step` counts) each epoch was evaluated after: its CSV row (`write_csv`); empty where not known. A
    # hint for the writer: a log read back (which files its epochs by number) is the same log without it
    epoch_step: list[int] = field(default_factory=list, compare=False)

    @property
    def final(self) -> dict[str, float]:
        """The last logged epoch's test metrics (what a claim taken from the logs reports)."""
        out = {}
        if self.test_loss:
            out["test_loss"] = self.test_loss[-1]
        if self.test_accuracy:
            out["test_accuracy"] = self.test_accuracy[-1]
        return out

    def pick(self, rule: str, beta: float | None = None) -> float | list[float] | None:
        """What `rule` picks on this logged sweep, its loss smoothed as the reference smooths it — per optimizer step,
        however sparsely the log holds them — or with `beta` per logged point, as TensorBoard's slider does; None
        where the rule cannot pick (no usable points)."""
        if beta is None:
            smoothed = smooth_steps(self.step, self.train_loss, RunConfig.model_fields["smoothing"].default)
        else:
            smoothed = smooth(self.train_loss, beta)
        try:
            return RULES[rule](self.lr, smoothed).value
        except ValueError:
            return None

    def curves(self) -> dict:
        """Plain lists for a report or a plot."""
        return {"source": self.source, "step": self.step, "lr": self.lr, "train_loss": self.train_loss,
                "epoch": self.epoch, "test_loss": self.test_loss, "test_accuracy": self.test_accuracy}  # fmt: skip


def logs_from_result(result: dict, test_loss_divisor: float = 1.0, epochs: int | None = None) -> Logs:
    """What the course's framework would have logged for a reference run; `test_loss_divisor` reproduces its
    `Loss/test` artifact (the mean divided again by the number of test batches); `epochs` cuts the log short."""
    per_epoch = result["epochs"][0]["step"] if result["epochs"] else len(result["lr"])
    n = min(len(result["lr"]), len(result["train_loss"]))
    if epochs is not None:
        n = min(n, epochs * per_epoch)
    eps = [e for e in result["epochs"] if epochs is None or e["epoch"] <= epochs]
    # an epoch evaluated after `step` steps sits on its last one (0-based: step − 1)
    return Logs("", list(range(n)), result["lr"][:n], result["train_loss"][:n], [e["epoch"] for e in eps],
                [e["test_loss"] / test_loss_divisor for e in eps], [e["test_accuracy"] for e in eps],
                epoch_step=[e["step"] - 1 for e in eps])  # fmt: skip


def write_tensorboard(logs: Logs, folder: Path) -> Path:
    """The logs as one TensorBoard event file in `folder`, with the course's tags (torch's SummaryWriter)."""
    from torch.utils.tensorboard import SummaryWriter

    folder.mkdir(parents=True, exist_ok=True)
    with SummaryWriter(str(folder), flush_secs=3600) as w:
        for s, lr, loss in zip(logs.step, logs.lr, logs.train_loss, strict=True):
            w.add_scalar(TAGS["lr"], lr, s)
            w.add_scalar(TAGS["train_loss"], loss, s)
        for e, loss, acc in zip(logs.epoch, logs.test_loss, logs.test_accuracy, strict=True):
            w.add_scalar(TAGS["test_loss"], loss, e)
            w.add_scalar(TAGS["test_accuracy"], acc, e)
    return folder


def epoch_rows(logs: Logs) -> dict[int, tuple[int, float, float]]:
    """{row index: (epoch, test loss, test accuracy)}: each epoch on the row of the step it was evaluated after
    (`epoch_step`; the last row before it where that step was not logged). A sweep that stopped early (diverged at
    step 287 of 9 epochs of 32) has its epochs at steps 31, 63, …, not spread over its rows (examiner probe 21). Logs
    that do not say (`epoch_step` empty) have their epochs at equal shares of the rows."""
    if not (logs.epoch and logs.step):
        return {}
    metrics = list(zip(logs.epoch, logs.test_loss, logs.test_accuracy, strict=True))
    if len(logs.epoch_step) == len(logs.epoch):
        return {max(bisect.bisect_right(logs.step, s) - 1, 0): m for s, m in zip(logs.epoch_step, metrics, strict=True)}
    n = len(logs.step) / max(logs.epoch[-1], 1)
    return {round(m[0] * n) - 1: m for m in metrics}


def write_csv(logs: Logs, path: Path) -> Path:
    """The logs in the CSV layout: one row per step, the row of the step each epoch was evaluated after also carries
    that epoch's test metrics (`epoch_rows`)."""
    per_epoch = epoch_rows(logs)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(CSV_COLUMNS)
        for i, (s, lr, loss) in enumerate(zip(logs.step, logs.lr, logs.train_loss, strict=True)):
            w.writerow([s, repr(lr), repr(loss), *(per_epoch.get(i) or ("", "", ""))])  # the epoch's last row
    return path


def write_run(result: dict, out: Path, name: str, tensorboard: bool = True, plot: bool = True) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.json"
    write_json_atomic(result, path)
    logs = logs_from_result(result)  # the course's log layout: what a student hands in, what the grader reads
    write_csv(logs, out / "log.csv")
    if tensorboard:
        write_tensorboard(logs, out)
    if plot:
        plot_run(result).savefig(out / f"{name}.png", dpi=110, bbox_inches="tight")
    return path
