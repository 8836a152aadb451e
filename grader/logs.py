"""Load: a student's own training logs, read safely, and the claims left out taken from them (issue 24: read and
bounded together with the submission, in the load stage; grader/evidence.py compares them with the rerun).

Two formats (docs/evidence.md; reference/outputs.py writes both, so `reference train`'s output can be handed in):
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

from grader.schema import RangeTestClaim, Submission
from reference.outputs import CSV_COLUMNS, TAGS, Logs

MAX_FILES = 16  # entries in a log folder (event files and anything else)
MAX_BYTES = 8 * 2**20  # all files of one run's logs together
MAX_EVENTS = 200_000  # scalar values of one run's logs together


class LogError(ValueError):
    """Logs that cannot be used; the message is one line naming the file."""


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
        text = path.read_bytes()[:MAX_BYTES].decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a BOM
    except UnicodeDecodeError:
        raise LogError(f"logs {rel!r}: not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if [f.strip().lower() for f in reader.fieldnames or []] == ["wall time", "step", "value"]:
        raise LogError(f"logs {rel!r}: TensorBoard's CSV download holds one tag's values, not a run's log; hand in "
                       "the run's event folder (the one with events.out.tfevents.* files) or a CSV with the "
                       f"columns {','.join(CSV_COLUMNS)}")  # fmt: skip
    if missing:
        raise LogError(f"logs {rel!r}: CSV header lacks {', '.join(missing)} (expected {','.join(CSV_COLUMNS)})")
    series: dict[str, list[tuple[int, float]]] = {k: [] for k in TAGS}
    for n, row in enumerate(reader, start=2):
        if n > MAX_EVENTS:
            raise LogError(f"logs {rel!r}: more than {MAX_EVENTS} rows")
        try:
            step = _whole(row["step"])
            for k in ("lr", "train_loss"):
                if row[k]:
                    series[k].append((step, float(row[k])))
            if row["epoch"]:
                for k in ("test_loss", "test_accuracy"):
                    if row[k]:
                        series[k].append((_whole(row["epoch"]), float(row[k])))
        except (TypeError, ValueError, OverflowError):
            raise LogError(f"logs {rel!r}: line {n}: not a number where one is expected") from None
    return _assemble(rel, {k: v for k, v in series.items() if v})


def _whole(text: str) -> int:
    """A step or epoch counter: `3`, or `3.0` as pandas writes an integer column that has empty cells."""
    value = float(text)
    if not value.is_integer():
        raise ValueError(text)
    return int(value)


def _assemble(rel: str, series: dict[str, list[tuple[int, float]]]) -> Logs:
    if sum(len(v) for v in series.values()) > MAX_EVENTS:
        raise LogError(f"logs {rel!r}: more than {MAX_EVENTS} logged values")
    by_step = {k: dict(sorted(v)) for k, v in series.items()}  # a repeated step keeps its last value
    loss, lrs = by_step.get("train_loss", {}), by_step.get("lr", {})
    if not loss:
        raise LogError(f"logs {rel!r}: no train loss logged ({TAGS['train_loss']}, or the CSV's train_loss column)")
    if lrs and len(loss) <= len(series.get("test_loss") or series.get("test_accuracy") or ()) + 1 < len(lrs) and \
            2 * max(loss) < max(lrs):  # fmt: skip
        raise LogError(f"logs {rel!r}: the train loss is logged once an epoch at steps {min(loss)}–{max(loss)} (the "
                       f"epoch's number), the LR at optimizer steps {min(lrs)}–{max(lrs)}: they cannot be lined up; "
                       "log the train loss at the optimizer step (global_step), or hand in the CSV layout")  # fmt: skip
    steps = sorted(set(lrs) | set(loss))
    shift = 1 if steps[0] == 1 else 0  # 1-based global steps → 0-based (read off every logged step)
    if any(s not in loss for s in steps if s < max(loss)):  # a train loss logged once an epoch, the LR every step:
        steps = sorted(loss)  # the log is read at the steps that have both (a missing loss is not a NaN loss)
    epochs = sorted(set(by_step.get("test_loss", {})) | set(by_step.get("test_accuracy", {})))
    eshift = 1 if epochs and epochs[0] == 0 else 0  # 0-based epoch counters → 1-based
    nan = math.nan
    return Logs(
        rel, [s - shift for s in steps],
        [lrs.get(s, nan) for s in steps], [loss.get(s, nan) for s in steps],
        [e + eshift for e in epochs], [by_step.get("test_loss", {}).get(e, nan) for e in epochs],
        [by_step.get("test_accuracy", {}).get(e, nan) for e in epochs],
    )  # fmt: skip


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
        if (pick := logs.pick(claim.rule)) is None:
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
