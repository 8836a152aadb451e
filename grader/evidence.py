"""Evidence: a student's own training logs, read safely, and compared with the rerun step by step.

Two formats (docs/evidence.md):
- a TensorBoard log folder (or one event file) with the course's tags: `LR/train` and `Loss/train` per
  optimizer step, `Loss/test` and `Accuracy/test` per epoch; read with tensorboard's own EventAccumulator;
- a CSV file, one row per optimizer step: `step,lr,train_loss,epoch,test_loss,test_accuracy`, where the row
  that ends an epoch also fills `epoch,test_loss,test_accuracy` (left empty on the other rows).

A submission names its logs per run (`logs = "logs/sgd-multistep"`, relative to its folder). Every byte of them
is the student's: the path must stay inside the folder with no symlink on the way, and files, bytes and events
are capped before and while they are read. Anything wrong is one line (`LogError`), never a traceback.
"""

from __future__ import annotations

import csv
import io
import math
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from grader.context import Context
from grader.results import CheckResult
from grader.schema import RangeTestClaim, Submission
from reference.loop import smooth
from reference.rules import RULES
from reference.tolerances import sigma

TAGS = {"lr": "LR/train", "train_loss": "Loss/train", "test_loss": "Loss/test", "test_accuracy": "Accuracy/test"}
CSV_COLUMNS = ("step", "lr", "train_loss", "epoch", "test_loss", "test_accuracy")
MAX_FILES = 16  # entries in a log folder (event files and anything else)
MAX_BYTES = 8 * 2**20  # all files of one run's logs together
MAX_EVENTS = 200_000  # scalar values of one run's logs together
LR_RTOL = 1e-5  # "exact up to float printing": TensorBoard stores float32 (7 digits)
MIN_BAND = 0.15  # train-loss band, relative: k = 3 times the 5% floor of reference.tolerances' train_loss


class LogError(ValueError):
    """Logs that cannot be used; the message is one line naming the file."""


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

    @property
    def final(self) -> dict[str, float]:
        """The last logged epoch's test metrics (what a claim taken from the logs reports)."""
        out = {}
        if self.test_loss:
            out["test_loss"] = self.test_loss[-1]
        if self.test_accuracy:
            out["test_accuracy"] = self.test_accuracy[-1]
        return out

    def curves(self) -> dict:
        """Plain lists for a report or a plot."""
        return {"source": self.source, "step": self.step, "lr": self.lr, "train_loss": self.train_loss,
                "epoch": self.epoch, "test_loss": self.test_loss, "test_accuracy": self.test_accuracy}  # fmt: skip


# ---------------------------------------------------------------- reading, bounded


def locate(folder: Path, rel: str) -> Path:
    """`folder/rel`, refused unless it stays inside `folder` with no symlink on the way and exists."""
    parts = PurePosixPath(rel.replace("\\", "/")).parts
    if not parts or rel.startswith(("/", "\\")) or ".." in parts or ":" in rel:
        raise LogError(f"logs {rel!r}: give a path inside the submission folder (no '..', not absolute)")
    path = Path(folder)
    for part in parts:
        path = path / part
        try:
            mode = os.lstat(path).st_mode
        except OSError:
            raise LogError(f"logs {rel!r}: no such file or folder in the submission") from None
        if stat.S_ISLNK(mode):
            raise LogError(f"logs {rel!r}: {path.name} is a symlink; logs must be plain files")
    return path


def _files(path: Path, rel: str) -> list[Path]:
    """The plain files to read, capped in number and bytes before anything is opened."""
    if path.is_file():
        files = [path]
    elif path.is_dir():
        files = []
        with os.scandir(path) as it:
            for n, entry in enumerate(it):
                if n >= MAX_FILES:
                    raise LogError(f"logs {rel!r}: more than {MAX_FILES} entries in the folder")
                if entry.is_symlink():
                    raise LogError(f"logs {rel!r}: {entry.name} is a symlink; logs must be plain files")
                if entry.is_file(follow_symlinks=False) and "tfevents" in entry.name:
                    files.append(Path(entry.path))
        if not files:
            raise LogError(f"logs {rel!r}: no TensorBoard event file (*tfevents*) in the folder")
    else:
        raise LogError(f"logs {rel!r}: not a plain file or folder")
    size = sum(f.stat().st_size for f in files)
    if size > MAX_BYTES:
        raise LogError(f"logs {rel!r}: {size / 2**20:.1f} MiB, over the {MAX_BYTES // 2**20} MiB limit")
    return files


def read_logs(folder: Path, rel: str) -> Logs:
    """The run's logs named by `rel` in a submission folder: a CSV file, or TensorBoard event file(s)."""
    path = locate(folder, rel)
    _files(path, rel)  # caps on entries and bytes, checked before any file is opened
    if path.is_file() and path.suffix.lower() == ".csv":
        return read_csv(path, rel)
    return read_tensorboard(path, rel)


def read_tensorboard(path: Path, rel: str | None = None) -> Logs:
    """Scalars of the course's tags from an event file or a folder of them (tensorboard's own reader)."""
    from tensorboard.backend.event_processing.event_accumulator import SCALARS, EventAccumulator

    rel = rel or path.name
    try:
        acc = EventAccumulator(str(path), size_guidance={SCALARS: 0})  # 0: keep every value (bytes capped)
        acc.Reload()
        tags = set(acc.Tags().get("scalars", []))
        series = {k: [(e.step, e.value) for e in acc.Scalars(t)] for k, t in TAGS.items() if t in tags}
    except Exception as err:  # a corrupt or hostile file: one line, never a traceback
        raise LogError(f"logs {rel!r}: not readable as TensorBoard events ({type(err).__name__})") from None
    if not series:
        raise LogError(f"logs {rel!r}: none of the tags {', '.join(TAGS.values())} is in the event files")
    return _assemble(rel, series)


def read_csv(path: Path, rel: str | None = None) -> Logs:
    """`step,lr,train_loss,epoch,test_loss,test_accuracy` rows (see the module docstring)."""
    rel = rel or path.name
    try:
        text = path.read_bytes()[:MAX_BYTES].decode("utf-8")
    except UnicodeDecodeError:
        raise LogError(f"logs {rel!r}: not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise LogError(f"logs {rel!r}: CSV header lacks {', '.join(missing)} (expected {','.join(CSV_COLUMNS)})")
    series: dict[str, list[tuple[int, float]]] = {k: [] for k in TAGS}
    for n, row in enumerate(reader, start=2):
        if n > MAX_EVENTS:
            raise LogError(f"logs {rel!r}: more than {MAX_EVENTS} rows")
        try:
            step = int(row["step"])
            for k in ("lr", "train_loss"):
                if row[k]:
                    series[k].append((step, float(row[k])))
            if row["epoch"]:
                for k in ("test_loss", "test_accuracy"):
                    if row[k]:
                        series[k].append((int(row["epoch"]), float(row[k])))
        except (TypeError, ValueError):
            raise LogError(f"logs {rel!r}: line {n}: not a number where one is expected") from None
    return _assemble(rel, {k: v for k, v in series.items() if v})


def _assemble(rel: str, series: dict[str, list[tuple[int, float]]]) -> Logs:
    if sum(len(v) for v in series.values()) > MAX_EVENTS:
        raise LogError(f"logs {rel!r}: more than {MAX_EVENTS} logged values")
    by_step = {k: dict(sorted(v)) for k, v in series.items()}  # a repeated step keeps its last value
    steps = sorted(set(by_step.get("lr", {})) | set(by_step.get("train_loss", {})))
    shift = 1 if steps and steps[0] == 1 else 0  # 1-based global steps → 0-based
    epochs = sorted(set(by_step.get("test_loss", {})) | set(by_step.get("test_accuracy", {})))
    eshift = 1 if epochs and epochs[0] == 0 else 0  # 0-based epoch counters → 1-based
    nan = math.nan
    return Logs(
        rel, [s - shift for s in steps],
        [by_step.get("lr", {}).get(s, nan) for s in steps], [by_step.get("train_loss", {}).get(s, nan) for s in steps],
        [e + eshift for e in epochs], [by_step.get("test_loss", {}).get(e, nan) for e in epochs],
        [by_step.get("test_accuracy", {}).get(e, nan) for e in epochs],
    )  # fmt: skip


# ---------------------------------------------------------------- writing (fixtures, examples, students' tools)


def logs_from_result(result: dict, test_loss_divisor: float = 1.0, epochs: int | None = None) -> Logs:
    """What the course's framework would have logged for a reference run; `test_loss_divisor` reproduces its
    `Loss/test` artifact (the mean divided again by the number of test batches); `epochs` cuts the log short."""
    per_epoch = result["epochs"][0]["step"] if result["epochs"] else len(result["lr"])
    n = min(len(result["lr"]), len(result["train_loss"]))
    if epochs is not None:
        n = min(n, epochs * per_epoch)
    eps = [e for e in result["epochs"] if epochs is None or e["epoch"] <= epochs]
    return Logs("", list(range(n)), result["lr"][:n], result["train_loss"][:n], [e["epoch"] for e in eps],
                [e["test_loss"] / test_loss_divisor for e in eps], [e["test_accuracy"] for e in eps])  # fmt: skip


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


def write_csv(logs: Logs, path: Path) -> Path:
    """The logs in the CSV layout: one row per step, epoch-end rows also carry that epoch's test metrics."""
    per_epoch = {}
    if logs.epoch and logs.step:
        n = len(logs.step) / max(logs.epoch[-1], 1)
        per_epoch = {round(e * n) - 1: (e, tl, ta) for e, tl, ta in
                     zip(logs.epoch, logs.test_loss, logs.test_accuracy, strict=True)}  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(CSV_COLUMNS)
        for s, lr, loss in zip(logs.step, logs.lr, logs.train_loss, strict=True):
            w.writerow([s, repr(lr), repr(loss), *(per_epoch.get(s) or ("", "", ""))])
    return path


# ---------------------------------------------------------------- logged vs rerun


@dataclass(frozen=True)
class Part:
    """Where a logged curve leaves the rerun's: the first step (or epoch) beyond tolerance and both values."""

    at: int
    logged: float
    rerun: float
    what: str  # "LR", "train loss", "test accuracy", "test loss"
    unit: str = "step"  # or "epoch"


@dataclass(frozen=True)
class Comparison:
    """The student's log against the rerun of the claimed config, over the steps and epochs both have."""

    steps: int  # steps compared
    epochs: int  # epochs compared
    band: float  # relative train-loss band used
    lr: Part | None = None  # first step where the LR differs (beyond float printing)
    loss: Part | None = None  # first step where the smoothed train losses differ beyond the band
    test: Part | None = None  # first epoch where a test metric differs beyond k·σ
    lr_constant: float | None = None  # the logged LR never moves, while the rerun's does
    nonfinite: int | None = None  # first logged step with a NaN/inf train loss

    @property
    def matches(self) -> bool:
        return self.lr is None and self.loss is None and self.test is None and self.nonfinite is None

    @property
    def parts_at(self) -> int | None:
        """The first step where anything parts (epochs converted at `per_epoch` by the caller)."""
        return min((p.at for p in (self.lr, self.loss) if p), default=self.nonfinite)

    def summary(self) -> str:
        """One line for the report."""
        span = f"{self.steps} steps and {self.epochs} epoch(s) compared"
        if self.matches:
            return (f"The log matches the rerun: LR table exact, smoothed train loss within {self.band:.0%}, test "
                    f"metrics within tolerance ({span}).")  # fmt: skip
        bits = []
        if self.lr_constant is not None:
            bits.append(f"logged LR constant at {self.lr_constant:.4g} from step 0: no scheduler was applied")
        elif self.lr:
            bits.append(f"logged LR {self.lr.logged:.4g} at step {self.lr.at} where the claimed config gives "
                        f"{self.lr.rerun:.4g}: the log does not match the claimed config")  # fmt: skip
        if self.nonfinite is not None:
            bits.append(f"logged train loss is not finite from step {self.nonfinite}")
        for p in (self.loss, self.test):
            if p:
                bits.append(f"logged {p.what} {p.logged:.4g} vs the rerun's {p.rerun:.4g} at {p.unit} {p.at}")
        text = "; ".join(bits)
        return text[0].upper() + text[1:] + f" ({span})."


def compare(logs: Logs, rerun: dict, n_test: int, drift: float = 0.0, k: float = 3.0) -> Comparison:
    """Logged vs rerun: LR per step (exact), smoothed train loss per step (relative band: 3 × max(5%, the probe
    twin's drift)), test metrics per epoch (k·σ, σ floored as in reference.tolerances)."""
    index = {s: i for i, s in enumerate(logs.step)}
    steps = [s for s in range(len(rerun["lr"])) if s in index]
    band = max(MIN_BAND, k * drift)
    lr = next((Part(s, logs.lr[index[s]], rerun["lr"][s], "LR") for s in steps
               if not math.isclose(logs.lr[index[s]], rerun["lr"][s], rel_tol=LR_RTOL)), None)  # fmt: skip
    logged_lrs = [v for v in logs.lr if math.isfinite(v)]
    rerun_moves = len(set(rerun["lr"][: len(logs.step)])) > 1
    constant = logged_lrs[0] if logged_lrs and lr and rerun_moves and len(set(logged_lrs)) == 1 else None
    nonfinite = next((s for s, v in zip(logs.step, logs.train_loss, strict=True) if not math.isfinite(v)), None)
    loss = _loss_part(logs, rerun, steps, index, band)
    test, n_ep = _test_part(logs, rerun, n_test, k)
    return Comparison(len(steps), n_ep, band, lr, loss, test, constant, nonfinite)


def _loss_part(logs: Logs, rerun: dict, steps: list[int], index: dict, band: float) -> Part | None:
    contiguous = [s for i, s in enumerate(steps) if s == i]  # smoothing needs the steps from 0 on
    if not contiguous:
        return None
    n = len(contiguous)
    logged = smooth([logs.train_loss[index[s]] for s in contiguous], 0.98)
    ours = smooth(rerun["train_loss"][:n], 0.98)
    for s, (a, b) in enumerate(zip(logged, ours, strict=True)):
        if not math.isfinite(a) or abs(a - b) > band * abs(b):
            return Part(s, a, b, "train loss (smoothed)")
    return None


def _test_part(logs: Logs, rerun: dict, n_test: int, k: float) -> tuple[Part | None, int]:
    ours = {e["epoch"]: e for e in rerun["epochs"]}
    common = [(i, e) for i, e in enumerate(logs.epoch) if e in ours]
    for i, e in common:
        r = ours[e]
        for metric, logged in (("test_accuracy", logs.test_accuracy), ("test_loss", logs.test_loss)):
            if not (math.isfinite(logged[i]) or math.isfinite(r[metric])):
                continue  # both diverged
            tol = k * sigma(metric, r[metric], 0.0, n_test)
            if not math.isfinite(logged[i]) or abs(logged[i] - r[metric]) > tol:
                return Part(e, logged[i], r[metric], metric.replace("_", " "), "epoch"), len(common)
    return None, len(common)


# ---------------------------------------------------------------- a submission's evidence, and its check


@dataclass
class Evidence:
    logs: dict[str, Logs | str] = field(default_factory=dict)  # run name → its logs, or why they can't be used
    notes: list[str] = field(default_factory=list)  # claims taken from the logs, for the report's warnings


def gather(folder: Path, sub: Submission) -> tuple[Submission, Evidence]:
    """Read every run's logs (bounded); a claim the student left out is taken from them: a final run's last
    logged epoch, a sweep's pick by its stated rule on the logged curve. Returns the completed submission."""
    ev = Evidence()
    for item in [*sub.range_test, *sub.run, *sub.auto]:
        if item.logs:
            try:
                ev.logs[item.name] = read_logs(Path(folder), item.logs)
            except LogError as err:
                ev.logs[item.name] = str(err)
    if not any(isinstance(v, Logs) for v in ev.logs.values()):
        return sub, ev
    update = {part: [_from_logs(c, ev) for c in getattr(sub, part)] for part in ("range_test", "run", "auto")}
    return sub.model_copy(update=update), ev


def _from_logs(claim, ev: Evidence):
    logs = ev.logs.get(claim.name)
    if not isinstance(logs, Logs):
        return claim
    if isinstance(claim, RangeTestClaim):
        if claim.claimed_lr is not None or len(logs.lr) < 3:
            return claim
        try:
            pick = RULES[claim.rule](logs.lr, smooth(logs.train_loss, 0.98)).value
        except ValueError:
            return claim
        pick = tuple(pick) if isinstance(pick, list) else pick
        ev.notes.append(f"{claim.name}: claimed LR taken from its logs (rule {claim.rule!r} on the logged sweep)")
        return claim.model_copy(update={"claimed_lr": pick})
    update = {f"claimed_{k}": v for k, v in logs.final.items()
              if getattr(claim, f"claimed_{k}") is None and math.isfinite(v)}  # fmt: skip
    if update:
        what = ", ".join(k.removeprefix("claimed_").replace("_", " ") for k in update)
        ev.notes.append(f"{claim.name}: claimed {what} taken from its logs (epoch {logs.epoch[-1]})")
    return claim.model_copy(update=update) if update else claim


def check_logs(ctx: Context, pts: float) -> list[CheckResult]:
    """Each run's own logs against its rerun, step by step (informational: 0 points unless the assignment
    says otherwise). A quick grade compares the first quick_epochs epochs: the rerun's length."""
    out = []
    for p, o in ctx.runs:
        logs = ctx.logs.get(p.name)
        if logs is None:
            continue
        if isinstance(logs, str):
            out.append(CheckResult("logs", p.name, "warn", f"Logs not used: {logs}.", max_points=pts))
            continue
        if o.result is None:
            out.append(CheckResult("logs", p.name, "skip", "No rerun to compare the logs with."))
            continue
        drift = ctx.drift(p, o)
        cmp = compare(
            logs, o.result, ctx.n_test, drift[0] if drift and math.isfinite(drift[0]) else 0.0, ctx.tol.k_sigma
        )
        status = "pass" if cmp.matches else "warn"
        out.append(CheckResult("logs", p.name, status, cmp.summary(), origin=f"LR exact (rel. {LR_RTOL:g}); "
                               f"smoothed train loss ±{cmp.band:.0%}; test metrics {ctx.tol.k_sigma:g}σ",
                               points=pts if cmp.matches else 0.0, max_points=pts))  # fmt: skip
    return out


def record(logs: Logs | str | None, result: dict | None, n_test: int, counterfactuals: dict | None = None) -> dict:
    """What the report draws for a run with logs: the logged curves, where they part from the rerun, and any
    counterfactual reruns ({pitfall: result})."""
    if not isinstance(logs, Logs) or result is None:
        return {}
    cmp = compare(logs, result, n_test)
    parts = cmp.parts_at
    if parts is None and cmp.test and result["epochs"]:  # parted only in a test metric: that epoch's last step
        parts = cmp.test.at * result["epochs"][0]["step"]
    return {"logged": logs.curves(), "parts_at": parts, "summary": cmp.summary(),
            "counterfactuals": counterfactuals or {}}  # fmt: skip
