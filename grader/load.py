"""Load: the one boundary between bytes on disk and the grader. Submission folders → validated `Submission`s,
or one clear line saying why not — for any bytes on disk (DEVELOPERS.md: every byte a student controls is hostile).

Each file is read only if it is a regular file (never a FIFO, device, folder or symbolic link), at most a capped
number of bytes, decoded as UTF-8 (a BOM is fine), parsed with bounded nesting and validated strictly (`lr = "0.1"`
is an error, like an unknown key). Messages name files relative to the submission folder, quote the offending
value (escaped, truncated) and say how to fix it.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import math
import os
import re
import stat
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Literal, get_args

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10 (Ubuntu 22.04's python3, Gradescope's image)
    import tomli as tomllib

from pydantic import BaseModel, ValidationError

from grader import aliases
from grader.legacy import LegacyConfigError, decode_source, lambda_text, to_submission
from grader.logs import Evidence, gather, trailing
from grader.presets import apply_preset, preset_of
from grader.results import ID_CONFLICT
from grader.safe import LINE, SHOWN, InputError, escape, line, one_line, shown
from grader.schema import (
    ENTRIES,
    LOGS_PATTERN,
    Assignment,
    Optim,
    Printed,
    SetApart,
    Setup,
    Student,
    Submission,
    machine_path,
)
from reference.config import ScheduleConfig
from reference.datasets import DATASETS
from reference.optimizers import OPTIMIZERS, unread_by
from reference.schedules import SCHEDULES

ASSIGNMENT_FILE = "assignment.toml"
TOML_CAP = 256 * 1024  # bytes of submission.toml / assignment.toml (the annotated example is ~5 KB)
LEGACY_CAP = 1024 * 1024  # bytes of a legacy config.py
MAX_DEPTH = 16  # nesting of tables and arrays (the schema needs 4)

log = logging.getLogger("grader")
# Where a submission's id comes from: "folder" (a class folder's name: the instructor's key; a different [student] id
# is a warning), "file" (its [student] id: an upload's or a self-check's folder was named by the platform or the
# student, no choice of identity), or {folder: key} (a Gradescope export's `submission_<id>`, which its metadata maps
# to the submitters: nothing for the student to fix, no warning)
Ids = Literal["folder", "file"] | dict[Path, str]


@dataclass
class Loaded:
    folder: Path
    id: str
    submission: Submission | None = None
    error: str | None = None  # one line, when the folder can't be graded
    warnings: list[str] = field(default_factory=list)
    legacy: bool = False
    internal: str | None = None  # a grader bug caught at the boundary, e.g. "TypeError: ..." (for the instructor)
    evidence: Evidence = field(default_factory=Evidence)  # the runs' own logs (grader.logs), read with the submission
    read_from: Path | None = None  # the folder its files were read from, where not `folder` (found below its top)
    claimed: str | None = None  # the [student] id its file states (a valid one), whatever id it is graded under
    label: str = field(init=False)  # the folder's name, escaped once for every report
    mismatch: str | None = field(default=None, init=False)  # the warning that its claimed id is not its folder's

    def __post_init__(self) -> None:
        self.label = escape(self.folder.name)


# ---------------------------------------------------------------- safe text


def _unread(sub: Submission) -> list[str]:
    """One warning per entry whose schedule sets an argument its torch scheduler does not read (gamma on OneCycleLR,
    milestones on StepLR), or that sets an optimizer setting its optimizer does not read (betas on SGD, momentum on
    Adam): the rerun cannot follow it, and the student should know it was left out."""
    out = []
    for part in ENTRIES:
        for entry in getattr(sub, part):
            if odd := unread_by(entry.optimizer, entry.model_fields_set):
                out.append(f"[[{part}]] {shown(entry.name)}: {', '.join(odd)} set, but "
                           f"torch.optim.{OPTIMIZERS[entry.optimizer].torch} takes no such setting: left out of the "
                           "rerun")  # fmt: skip
            s = getattr(entry, "schedule", None)
            if not isinstance(s, ScheduleConfig):
                continue
            table = SCHEDULES[s.name]
            if extra := sorted(s.model_fields_set - {"name", "cadence", *table.args}):
                out.append(f"[[{part}]] {shown(entry.name)}: {', '.join(extra)} set, but {table.scheduler} ({s.name}) "
                           "reads no such argument: left out of the rerun")  # fmt: skip
            if "cycle_momentum" in table.args and not s.cycle_momentum:
                out += [note for note in [_uncycled(part, entry.name, table.scheduler, s.model_fields_set)] if note]
            low, high = s.base_momentum, s.max_momentum
            if s.cycle_momentum and low is not None and high is not None and low > high:  # torch takes it as given
                out.append(f"[[{part}]] {shown(entry.name)}: base_momentum {low:g} > max_momentum {high:g}: rerun as "
                           "given (torch cycles between them the other way round: momentum highest at the LR's peak); "
                           "check the two are not swapped")  # fmt: skip
    return out


def _uncycled(part: str, name: str, scheduler: str, stated: set[str]) -> str:
    """torch's OneCycleLR and CyclicLR cycle momentum (Adam's beta1) unless told not to; the grader's schedule does
    only with `cycle_momentum = true` (the committed references' runs do not). A run made with torch's defaults and
    rerun without cycling trains otherwise (examiner probe 13: its honest log 'outside the seed noise', no cause
    named): the rerun says what it did, and how to state the other."""
    bounds = sorted({"base_momentum", "max_momentum"} & stated)
    dropped = f"; {', '.join(bounds)} set, but left out of the rerun (they bound a cycle)" if bounds else ""
    if "cycle_momentum" in stated:  # cycle_momentum = false, as the student wrote it
        return f"[[{part}]] {shown(name)}: momentum not cycled (cycle_momentum = false){dropped}" if bounds else ""
    return (f"[[{part}]] {shown(name)}: rerun with momentum not cycled; torch's {scheduler} cycles it by default "
            "(cycle_momentum=True): if your run used torch's default, write cycle_momentum = true in its schedule"
            f"{dropped}")  # fmt: skip


def folder_id(name: str) -> str:
    """A safe id from a folder name: letters, digits, `_ . -` (not leading `-`); a changed name gets a short hash
    of the original, so two folders never share an id."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
    safe = "_" + safe[1:] if safe.startswith("-") else safe
    if safe == name and 0 < len(name) <= 64:
        return name
    digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    return f"{safe[:55] or 'unnamed'}-{digest}"


# ---------------------------------------------------------------- bounded reading


def read_text(path: Path, cap: int, label: str, *, follow: bool = False, fix: str = "submit the file itself",
              python: bool = False) -> str:  # fmt: skip
    """A regular file's text, at most `cap` bytes, UTF-8 (BOM stripped); `python`: as Python reads a source file, its
    PEP 263 coding declaration honoured (a config.py, `grader.legacy.decode_source`). Raises InputError naming `label`
    (a config.py's decoding: LegacyConfigError).

    Links are refused unless `follow` (the instructor's own assignment.toml); nothing that could block (a FIFO,
    a device) is ever opened for reading, and no more than cap + 1 bytes are read whatever the file claims."""
    try:
        st = os.stat(path) if follow else os.lstat(path)
    except FileNotFoundError:
        raise InputError(f"{label} not found") from None
    except OSError as err:
        raise InputError(f"cannot read {label}: {err.strerror or type(err).__name__}") from None
    _regular(st, label, fix)
    if st.st_size > cap:
        raise InputError(f"{label} is {st.st_size:,} bytes; the limit is {cap:,} (is it the right file?)")
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | (0 if follow else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except OSError as err:  # e.g. swapped for a link since the check (ELOOP)
        raise InputError(f"cannot read {label}: {err.strerror or type(err).__name__}") from None
    try:
        _regular(os.fstat(fd), label, fix)
        chunks, size = [], 0
        while size <= cap and (chunk := os.read(fd, min(65536, cap + 1 - size))):
            chunks.append(chunk)
            size += len(chunk)
    except OSError as err:
        raise InputError(f"cannot read {label}: {err.strerror or type(err).__name__}") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > cap:
        raise InputError(f"{label} is over {cap:,} bytes (is it the right file?)")
    return decode_source(data, label) if python else decode(data, label)


def _regular(st: os.stat_result, label: str, fix: str) -> None:
    mode = st.st_mode
    if stat.S_ISREG(mode):
        return
    kind = ("a symbolic link" if stat.S_ISLNK(mode) else "a folder" if stat.S_ISDIR(mode)
            else "a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file")  # fmt: skip
    raise InputError(f"{label} is {kind}, not a regular file" + (f": {fix}" if fix else ""))


def decode(data: bytes, label: str) -> str:
    """UTF-8 text (a leading BOM dropped); InputError naming the line of the first bad byte."""
    try:
        return data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise InputError(f"{label} line {line}: not UTF-8 text (save the file as UTF-8)") from None


def parse_toml(text: str, label: str) -> dict:
    """TOML → plain JSON-able data (its floats `Printed`), nesting at most MAX_DEPTH; InputError otherwise."""
    try:
        data = tomllib.loads(text, parse_float=Printed)
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"{label} is not valid TOML: {err}") from None
    except RecursionError:
        raise InputError(f"{label}: arrays or tables nested too deeply (at most {MAX_DEPTH} levels)") from None
    except ValueError as err:  # e.g. an integer with more than 4300 digits
        raise InputError(f"{label} is not valid TOML: {str(err)[:80]}") from None
    _plain(data, label, 0, "")
    return data


def _plain(value: object, label: str, depth: int, where: str) -> None:
    if depth > MAX_DEPTH:
        raise InputError(f"{label}: arrays or tables nested too deeply (at most {MAX_DEPTH} levels)")
    if isinstance(value, dict):
        for k, v in value.items():
            _plain(v, label, depth + 1, f"{where}.{k}" if where else k)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _plain(v, label, depth + 1, where)
    elif not isinstance(value, (str, int, float, bool)) and value is not None:  # TOML dates, legacy sets
        what = "a date or time" if hasattr(value, "isoformat") else f"a {type(value).__name__}"
        raise InputError(f"{label}: {escape(str(where))[:SHOWN] or 'a value'} is {what}; the grader expects a "
                         "number, text, an array or a table here")  # fmt: skip


def validate(model: type[BaseModel], data: dict, label: str) -> BaseModel:
    """Strict validation (no "0.1" → 0.1, no true → 1), TOML arrays accepted for tuples; InputError otherwise."""
    result = _validated(model, data, label)
    if isinstance(result, ValidationError):
        raise InputError(line(f"{label}: {describe(result.errors(), model)}"))
    return result


def _validated(model: type[BaseModel], data: dict, label: str) -> BaseModel | ValidationError:
    def not_data(value: object) -> None:  # a legacy reader's set or lambda where a value belongs
        raise InputError(f"{label}: a {type(value).__name__} where the grader expects a number, text, array or table")

    try:
        text = json.dumps(data, allow_nan=True, default=not_data)
    except InputError:
        raise
    except (ValueError, RecursionError) as err:  # e.g. a circular structure
        raise InputError(f"{label}: cannot read the values ({type(err).__name__})") from None
    try:
        return model.model_validate_json(text, strict=True)
    except ValidationError as err:
        return err


def validate_submission(data: dict, label: str, limits: dict[tuple[str, int], str] | None = None
                        ) -> tuple[Submission, list[str], dict]:  # fmt: skip
    """A submission validated, with each entry whose errors are all its own set apart (`Submission._apart`): one
    bad entry fails only that entry — the config check refuses it with its one line, the rest is graded; an entry
    whose only fault is its `logs` path is graded without them (docs/evidence.md: "Logs not used: …"). A problem
    outside the entries ([student], [setup], repeated names) refuses the whole submission, as `validate`. Returns
    the submission, its notes and the data it was validated from (the entries kept). `limits`: the entries the
    grader cannot rerun as written (grader.aliases.read_all), each with its line: one that validates is set apart as
    unsupported (its claims pending review, the grader's limit), one with faults of its own is refused for them."""
    limits = limits or {}
    result = _validated(Submission, data, label)
    if not isinstance(result, ValidationError) and not limits:
        return result, [], data
    errors = result.errors() if isinstance(result, ValidationError) else []
    bad: dict[tuple[str, int], list] = {}
    for e in errors:
        loc = e["loc"]
        if len(loc) < 2 or loc[0] not in ENTRIES or not isinstance(loc[1], int):
            raise InputError(line(f"{label}: {describe(errors, Submission)}"))
        bad.setdefault((loc[0], loc[1]), []).append(e)
    if logs_only := [where for where, errs in bad.items() if all(e["loc"][2:3] == ("logs",) for e in errs)]:
        data = {**data, **{p: list(data[p]) for p, _ in logs_only}}
        for p, i in logs_only:
            data[p][i] = {k: v for k, v in data[p][i].items() if k != "logs"}
        sub, notes, kept = validate_submission(data, label, limits)
        return sub, [line(f"Logs not used: {describe(bad[where], Submission)}") for where in logs_only] + notes, kept
    for where in limits:  # an entry the grader cannot rerun as written, whatever else is wrong with it
        bad.setdefault(where, [])
    kept = {**data, **{p: [e for i, e in enumerate(data[p]) if (p, i) not in bad] for p in {p for p, _ in bad}}}
    sub = validate(Submission, kept, label)
    taken = {e.name for part in ENTRIES for e in getattr(sub, part)}
    for (part, i), errs in sorted(bad.items()):
        raw = data[part][i] if isinstance(data[part][i], dict) else {}
        name = raw.get("name")
        fine = isinstance(name, str) and not any(e["loc"][2:3] == ("name",) for e in errs)
        key, n = name if fine else f"{part}[{i}]", 1
        while key in taken:  # a key of its own: never a valid entry's name, nor another set-apart entry's
            key, n = f"{part}[{i}]" + (f"#{n}" if n > 1 else ""), n + 1
        taken.add(key)
        optimizer, epochs, role = raw.get("optimizer"), raw.get("epochs"), raw.get("role")
        unsupported = all(e["type"] == "extra_forbidden" and e["loc"][2:3] == ("schedule",) and len(e["loc"]) == 4
                          and e["loc"][3] in aliases.DERIVED for e in errs)  # fmt: skip
        why = describe(errs, Submission) if errs else limits[(part, i)]
        if errs and (part, i) in limits:  # its own faults refuse it; the grader's limit said beside them
            why, unsupported = f"{why}; and {limits[(part, i)]}", False
        # its role, any case ("Final" is refused, but still names the run the student stands by)
        role = role.lower() if isinstance(role, str) and role.lower() in ("final", "control") else None
        sub._apart[key] = SetApart(part, line(why), _owed(part, raw),
                                   optimizer.lower() if isinstance(optimizer, str) else None, unsupported,
                                   epochs if type(epochs) is int else None, role)  # fmt: skip
    return sub, [], kept


def _owed(part: str, raw: dict) -> tuple[str, ...]:
    """The claimed figures an entry set apart states, however it spells their keys (`claimed_test_acc`: examiner
    probe 20 found a misspelt claim escaping the charge a refused entry's claims carry)."""
    keys = [k.lower() for k in raw if isinstance(k, str) and "claim" in k.lower()]
    if part == "range_test":
        return ("claimed_lr",) if any("lr" in k or "rate" in k for k in keys) else ()
    return tuple(f for f, word in (("claimed_test_accuracy", "acc"), ("claimed_test_loss", "loss"))
                 if any(word in k for k in keys))  # fmt: skip


# ---------------------------------------------------------------- messages


def describe(errors: list, model: type[BaseModel] | None = None, limit: int = 4) -> str:
    """Pydantic errors (`ValidationError.errors()`) as one line in the grader's voice, one part per field: what is
    wrong, the value, the fix,
    e.g. `run[0].lr: must be > 0, got -0.01` or `run[0].lerning_rate: unknown key (did you mean 'lr'?)`."""
    parts: dict[str, str] = {}
    for e in errors:
        loc, parent = _where(model, e["loc"])
        where = loc or ("" if e["type"] == "value_error" else "file")  # a model's own check names its field itself
        parts.setdefault(loc, f"{where}: {_explain(e, parent)}" if where else _explain(e, parent))  # a union's first
    shown_parts = list(parts.values())
    more = len(shown_parts) - limit
    return "; ".join(shown_parts[:limit]) + (f"; and {more} more problem(s)" if more > 0 else "")


def _where(model: type[BaseModel] | None, loc: tuple) -> tuple[str, type[BaseModel] | None]:
    """`run[0].schedule.name` from a pydantic loc (union member tags dropped), and the model holding its last key."""
    text, current, parent = "", model, None
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
            continue
        if current is None and model is not None:
            continue  # past a plain field: a union member's tag, e.g. 'constrained-float'
        name = escape(str(part))[:SHOWN]
        text = f"{text}.{name}" if text else name
        parent = current
        fld = current.model_fields.get(part) if current is not None else None
        current = _model_in(fld.annotation) if fld is not None else None
    return text, parent


def _model_in(annotation: object) -> type[BaseModel] | None:
    stack = [annotation]
    while stack:
        a = stack.pop()
        if isinstance(a, type) and issubclass(a, BaseModel):
            return a
        stack.extend(get_args(a))
    return None


_PATTERNS = {  # each string pattern of the schema, in words
    Student.model_fields["id"].metadata[0].pattern: "may contain only letters, digits, _ . - (1 to 64 characters)",
    Optim.model_fields["optimizer"].metadata[0].pattern: "may contain only letters, digits, _ . - (1 to 32 "
    f"characters): one of {', '.join(OPTIMIZERS)}",
    LOGS_PATTERN: "must be a path inside the submission folder (at most 200 characters, not starting with . / - or a "
    'space; no control characters or \\ : * ? " < > |)',
}
_RULES = {"greater_than": "must be > {gt}", "greater_than_equal": "must be ≥ {ge}", "less_than": "must be < {lt}",
          "less_than_equal": "must be ≤ {le}", "string_too_long": "is too long (at most {max_length} characters)",
          "too_long": "has too many items (at most {max_length})", "too_short": "needs at least {min_length} items",
          "string_too_short": "is too short (at least {min_length} characters)"}  # fmt: skip


def _explain(e: dict, parent: type[BaseModel] | None) -> str:
    kind, value, ctx = e["type"], e.get("input"), e.get("ctx") or {}
    got = f", got {shown(value)}"
    if kind == "extra_forbidden":
        key = str(e["loc"][-1]) if e["loc"] else ""
        if parent is ScheduleConfig and key in aliases.RUN_KEYS:  # below a [run.schedule] header, the run stating it
            return (f"a key of the [[run]] itself, not of its schedule (TOML reads a key written below the "
                    f"[run.schedule] header into the schedule's table), and the run states its own {key}: delete "
                    "one, or move this one above that header")  # fmt: skip
        if parent is ScheduleConfig and key in aliases.DERIVED:  # not read: this entry's other faults (grader.aliases)
            return (f"torch's {key}, which the rerun sets itself (from the run, or at torch's default): not read "
                    "beside this entry's other faults")  # fmt: skip
        fields = parent.model_fields if parent else {}
        if field := aliases.named(key, fields):  # read as that field, but for the field itself, there too
            return f"another name for {field!r}, which is given under another name too: keep one of them"
        close = aliases.suggest(key, fields)
        return "unknown key" + (f" (did you mean {close!r}?)" if close else " (remove it or fix its spelling)")
    if kind == "missing":
        return "missing (required)"
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        return "must not be empty" + got
    if kind in _RULES:
        return _RULES[kind].format(**{k: shown(v) for k, v in ctx.items()}) + got
    if kind == "finite_number":  # nan or ±inf where a figure belongs (examiner probe 16: "must be < 1, got nan")
        return "must be a finite number" + got
    if kind in ("float_type", "int_type", "float_parsing", "int_parsing", "int_from_float"):
        what = "a whole number" if kind.startswith("int") else "a number"
        if isinstance(value, str):
            return f"must be {what}, got the text {shown(value)} ({_unquoted(value, e['loc'], kind)})"
        if kind.startswith("int") and isinstance(value, float) and math.isfinite(value):  # `epochs = 30.0`
            fix = f" (write {value:.0f})" if value.is_integer() and abs(value) < 1e15 else ""
            return f"must be a whole number, got the decimal number {value!r}{fix}"
        return f"must be {what}" + got
    if kind == "bool_type":
        return "must be true or false (no quotes)" + got
    if kind == "string_type":
        return "must be text in quotes" + got
    if kind == "literal_error":
        return f"must be one of {escape(str(ctx.get('expected', '')))}" + got
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return "must be a table (a [section] or { key = value, ... })" + got
    if kind in ("list_type", "tuple_type"):
        return "must be an array ([...], or [[section]] tables)" + got
    if kind == "string_pattern_mismatch":
        if ctx.get("pattern") == LOGS_PATTERN and isinstance(value, str) and machine_path(value):  # none in the folder
            return ("an absolute path (a place on your machine), and no trailing part of it is a file or folder in "
                    "the submission folder: write the path relative to the submission folder, e.g. logs = "
                    f'"logs/run.csv"{got}')  # fmt: skip
        return _PATTERNS.get(str(ctx.get("pattern")), "is not of the form the grader reads") + got
    if kind == "value_error":
        return escape(e["msg"].removeprefix("Value error, "))
    return escape(e["msg"]).lower()[:1] + escape(e["msg"])[1:] + got


EXAMPLES = {"claimed_test_accuracy": "0.97", "claimed_test_loss": "0.15", "claimed_lr": "0.05", "lr": "0.05"}


def _unquoted(value: str, loc: tuple, kind: str) -> str:
    """How to write a number given as text: without quotes, where the text is a TOML number ("0.1"); else a valid form
    of the field (`claimed_test_accuracy = "about 97%"`: "write it without quotes" would not be TOML either)."""
    if len(value) <= 40:
        try:
            parsed = tomllib.loads(f"x = {value.strip()}").get("x")
        except (tomllib.TOMLDecodeError, ValueError, RecursionError):
            parsed = None
        if isinstance(parsed, int | float) and not isinstance(parsed, bool):
            return "write it without quotes"
    key = next((str(k) for k in reversed(loc) if isinstance(k, str) and not k[:1].isupper() and "-" not in k), "")
    example = "30" if kind.startswith("int") else EXAMPLES.get(key, "0.5")
    return f"write a number, without quotes: e.g. {escape(key)[:SHOWN] or 'key'} = {example}"


# ---------------------------------------------------------------- the class folder


def discover(root: Path) -> list[Path]:
    """Every sub-folder of the class folder (hidden ones aside), sorted: each one is a submission. A link to a
    folder is listed too, so that it gets a row saying it is refused; so is a `.zip` file with no folder of its name
    beside it (a submission handed in zipped: its row says to unzip it, examiner probe 38). Nothing here raises."""
    entries = _top(root)
    names = {e.name for e in entries}
    return sorted(Path(e.path) for e in entries if _submission(e, names))


CLASS_FILES = (ASSIGNMENT_FILE, "reviews.toml", "pending.toml")  # the instructor's files beside the submissions


def strays(root: Path) -> list[str]:
    """The names of the files at the top of the class folder that are neither submissions (`discover`) nor the
    instructor's (`CLASS_FILES`), hidden ones aside: none of them is graded, and the class grade says so."""
    entries = _top(root)
    names = {e.name for e in entries}
    return sorted(e.name for e in entries if e.name not in CLASS_FILES and not _submission(e, names))


def _top(root: Path) -> list[os.DirEntry]:
    """The class folder's entries, hidden ones (`.`, `_`) aside; none where it cannot be read."""
    try:
        with os.scandir(root) as it:
            return [e for e in it if not e.name.startswith((".", "_"))]
    except OSError:
        return []


def _submission(entry: os.DirEntry, names: set[str]) -> bool:
    """A class folder's entry graded as a submission: a folder, a link to one, a zip with no folder of its name."""
    try:
        if entry.is_dir(follow_symlinks=False) or (entry.is_symlink() and os.path.isdir(entry.path)):
            return True
        return _zipped(entry.name) and entry.is_file(follow_symlinks=False) and entry.name[:-4] not in names
    except OSError:
        return False


def _zipped(name: str) -> bool:
    return name.lower().endswith(".zip") and len(name) > 4


SUBMISSION_FILES = ("submission.toml", "config.py")
TXT = ".txt"  # submission.toml.txt: a name Windows shows without its extension (examiner probe 43)
SKIPPED = ("__MACOSX",)  # what a zip made on a Mac carries beside the folder
MAX_ENTRIES = 1000  # entries of an upload's folder looked at: a folder of more is graded as it is
SEARCH_DEPTH = 3  # levels below an upload's top searched for its submission file (a repository's hw6/submission.toml)


def locate(upload: Path, depth: int = SEARCH_DEPTH) -> Path:
    """The folder of the upload that holds the submission (`find_submission`); the upload itself where none or
    several are found, whose grade then says what is missing."""
    try:
        return find_submission(upload, depth)[0]
    except ValueError:
        return upload


def find_submission(upload: Path, depth: int = SEARCH_DEPTH, holder: str = "upload") -> tuple[Path, str]:
    """(the folder of the upload that holds its submission.toml or config.py, a line saying where when it is not the
    top). The top holds one: the top. Else the folders at most `depth` levels down (a zip of a folder, unpacked by the
    platform; a repository with hw6/submission.toml beside src/), links never followed, at most MAX_ENTRIES entries
    looked at per folder: exactly one not below another → it, with the line (which names any found below it, not
    graded: the shallowest wins, examiner probe 39); several → a ValueError naming them; none → the top (its grade
    says what is missing). `holder`: what the lines call the top ("upload", "folder")."""
    if _holds(upload):
        return upload, ""
    found: list[Path] = []
    nested: list[Path] = []  # below a folder that holds one: not graded, named in the line
    level = [(upload, False)]
    for _ in range(depth):
        nxt = []
        for folder, below in level:
            try:
                with os.scandir(folder) as it:
                    entries = list(itertools.islice(it, MAX_ENTRIES + 1))
            except OSError:
                continue
            subs = sorted(Path(e.path) for e in entries if e.is_dir(follow_symlinks=False)
                          and not e.name.startswith(".") and e.name not in SKIPPED)  # fmt: skip
            for f in subs:
                holds = _holds(f)
                if holds:
                    (nested if below else found).append(f)
                nxt.append((f, below or holds))
        level = nxt
    if not found:
        return upload, ""
    listed = [_shown(upload, f) for f in found]
    if len(found) > 1:
        keep = "upload only" if holder == "upload" else "keep only"
        raise ValueError(f"the {holder} holds {len(found)} submissions ({', '.join(listed[:5])}"
                         f"{', …' if len(listed) > 5 else ''}): {keep} the one to grade")  # fmt: skip
    said = f"Graded {listed[0]}: the {holder}'s top holds no {' or '.join(SUBMISSION_FILES)}."
    if nested:
        deeper = ", ".join(_shown(upload, f) for f in nested[:3]) + (", …" if len(nested) > 3 else "")
        said += f" Not graded, deeper below it: {deeper} (the shallowest is graded: keep only the one to grade)."
    return found[0], said


def _spellings(folder: Path) -> dict[str, list[str]]:
    """Each of SUBMISSION_FILES → the names in `folder` that spell it otherwise, sorted: in another case
    (`Submission.toml`, `CONFIG.PY`: a case-insensitive disk, macOS's or Windows', finds them as the name) or with
    `.txt` after it (`submission.toml.txt`). Names only, whatever they are (`submission_file` reads them as it reads
    the name itself); MAX_ENTRIES entries looked at."""
    found: dict[str, list[str]] = {n: [] for n in SUBMISSION_FILES}
    try:
        with os.scandir(folder) as it:
            for e in itertools.islice(it, MAX_ENTRIES + 1):
                key = e.name.lower().removesuffix(TXT)
                if e.name.isascii() and key in found and e.name != key:
                    found[key].append(e.name)
    except OSError:
        pass
    return {k: sorted(v) for k, v in found.items()}


def submission_file(folder: Path) -> tuple[Path | None, str]:
    """(the submission file of `folder` to read, a note where it is not the name itself or another spelling is left
    unread); (None, "") where there is none. submission.toml, else config.py: the name itself where it is there
    (`os.path.lexists`: a link, a FIFO or a folder of that name is refused by `read_text`, not passed over), else its
    one other spelling (`_spellings`), read as it with a note saying to rename it. InputError: two other spellings
    and not the name itself — which one is the student's is not guessed."""
    others = _spellings(folder)
    for name in SUBMISSION_FILES:
        odd = others[name]
        listed = " and ".join(shown(n, 40) for n in odd[:3]) + (" and more" if len(odd) > 3 else "")
        if os.path.lexists(folder / name) and not any(_same(folder / name, folder / n) for n in odd):
            return folder / name, f"{name} read; {listed} not read (delete {'it' if len(odd) == 1 else 'them'})" \
                if odd else ""  # fmt: skip
        if len(odd) > 1:
            raise InputError(f"no {name}, but {len(odd)} files named like it: {listed}; keep one, named {name}")
        if odd:
            why = ("Windows hides the .txt extension: show file name extensions to see it" if odd[0].lower().endswith(
                TXT) else "file names differ by case on Linux, where the class is graded")  # fmt: skip
            return folder / odd[0], f"read {shown(odd[0], 40)} as {name}: rename it to {name} ({why})"
    return None, ""


def _same(a: Path, b: Path) -> bool:
    """Whether two names are one entry: on a case-insensitive disk (macOS, Windows) `submission.toml` is there where
    `Submission.toml` is, and is that file — read under its own name, with its note, as on Linux."""
    try:
        return os.path.samestat(os.lstat(a), os.lstat(b))
    except OSError:
        return False


def _held(folder: Path) -> str | None:
    """The name of the submission file `folder` holds as a regular file (not a link), in `submission_file`'s order,
    or None."""
    others = _spellings(folder)
    for name in (n for key in SUBMISSION_FILES for n in (key, *others[key])):
        if name in SUBMISSION_FILES and any(_same(folder / name, folder / n) for n in others[name]):
            continue  # the other spelling itself, on a case-insensitive disk: named as it
        try:
            if stat.S_ISREG(os.lstat(folder / name).st_mode):
                return name
        except OSError:
            continue
    return None


def _holds(folder: Path) -> bool:
    return _held(folder) is not None


def _shown(upload: Path, folder: Path) -> str:
    return one_line((folder / (_held(folder) or SUBMISSION_FILES[0])).relative_to(upload).as_posix(), 120)


def _missing(folder: Path, searched: bool = True) -> str:
    """The line of a folder with no submission file: what it holds instead (bounded: a few names, escaped), and for a
    zip, to unzip it there (the grader never unpacks a student's zip). `searched`: its folders were searched too (a
    class's folder; not a self-check's, read where it is)."""
    try:
        with os.scandir(folder) as it:
            names = sorted(e.name for e in itertools.islice(it, MAX_ENTRIES + 1) if not e.name.startswith("."))
    except OSError:
        names = []
    base = f"no {' or '.join(SUBMISSION_FILES)} in this folder"
    if not names:
        return f"{base} (it is empty)"
    listed = ", ".join(shown(n, 40) for n in names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    if zips := [n for n in names if _zipped(n)]:
        return f"{base}: unzip {shown(zips[0], 40)} into it, the grader never unpacks a student's zip (it holds " \
            f"{listed})"  # fmt: skip
    return f"{base}{f', nor {SEARCH_DEPTH} folders down' if searched else ''} (it holds {listed})"


def load_class(folders: Iterable[Path], assignment: Assignment | None = None, only: Iterable[str] | None = None,
               skip: Iterable[str] | None = None, ids: Ids = "folder",
               left_out: list[tuple[str, str]] | None = None) -> list[Loaded]:  # fmt: skip
    """Every folder loaded; an id two folders claim is given to neither: each is graded under its folder name (that
    name's id with a short hash of it, where another submission already has that id: ids stay unique, examiner probe
    39). `only` / `skip`: the submissions to keep / leave out, by id or folder name; `left_out`, where given, gets the
    (id, folder name) of each left out (their reviews by hand are kept, grader.reviews)."""
    loaded = [load_submission(f, assignment, ids) for f in folders]
    counts = Counter(x.id for x in loaded)
    demoted = []
    for x in loaded:
        own = folder_id(x.folder.name)
        if counts[x.id] > 1 and x.id != own:
            demoted.append((x, own))
    moved = {id(x) for x, _ in demoted}
    kept = Counter(x.id for x in loaded if id(x) not in moved)
    for x, own in demoted:
        if kept[own]:  # the folder's name is another submission's id (class2/s008-reproducible-x's [student] id)
            digest = hashlib.sha256(x.folder.name.encode("utf-8", "surrogateescape")).hexdigest()[:8]
            own = f"{own[:55]}-{digest}"
        while kept[own]:  # a hash taken too: never in practice, but ids stay unique
            own += "_"
        kept[own] += 1
        x.warnings.append(f"another folder also claims the id {shown(x.id)}: graded as {shown(own)}")
        _set_id(x, own)
    _conflicts(loaded)
    only, skip = set(only or ()), set(skip or ())
    chosen = [x for x in loaded if (not only or {x.id, x.folder.name} & only) and not {x.id, x.folder.name} & skip]
    if left_out is not None:
        picked = {id(x) for x in chosen}
        left_out += [(x.id, x.folder.name) for x in loaded if id(x) not in picked]
    if unknown := sorted((only | skip) - {n for x in loaded for n in (x.id, x.folder.name)}):
        names = ", ".join(shown(n, 40) for n in unknown[:8])
        if only and not chosen:  # examiner probe 12: "0 submission(s)", an empty gradebook, exit 0
            raise ValueError(f"no submission matches {names}: give ids or folder names of this class")
        log.warning("grade: no submission matches %s (ids and folder names of this class)", names)
    if (only or skip) and loaded and not chosen:  # --only a --skip a (probe 14): nothing left, an empty gradebook
        raise ValueError("--only and --skip leave no submission to grade")
    for x in chosen:  # a grader bug reading a folder: one line for the instructor (the student's line says less)
        if x.internal:
            log.warning("grade: internal error reading %s: %s", escape(x.folder.name), x.internal)
    return chosen


def _conflicts(loaded: list[Loaded]) -> None:
    """A folder whose [student] id is another submission's (a copy of a classmate's folder; folders named alike:
    examiner probe 38), graded under its own folder's id: its warning says whose id it claims, first among its
    warnings (`ID_CONFLICT`: the class table's first problem where nothing worse is, and the class's one line)."""
    graded = {x.id for x in loaded}
    claimants = Counter(x.claimed for x in loaded if x.claimed)
    for x in loaded:
        c = x.claimed
        if not c or c == x.id or not (c in graded or claimants[c] > 1):
            continue
        holder = next((y.folder.name for y in loaded if y.id == c), None)  # the folder graded under that id
        others = sorted(y.folder.name for y in loaded if y is not x and y.claimed == c and y.id != c)
        if holder is not None:
            said = f"is {shown(holder, 40)}'s" + (f" (and {len(others)} more folder(s) claim it)" if others else "")
        else:
            said = "is also claimed by " + ", ".join(shown(n, 40) for n in others[:3]) + (
                f" and {len(others) - 3} more" if len(others) > 3 else "")  # fmt: skip
        x.warnings = [w for w in x.warnings if w != x.mismatch and not w.startswith("another folder also claims")]
        x.warnings.insert(0, line(f"{ID_CONFLICT}[student] id {shown(c)} {said}: graded as {shown(x.id)}, this "
                                  "folder's id"))  # fmt: skip


def _set_id(x: Loaded, new_id: str) -> None:
    x.id = new_id
    if x.submission is not None and x.submission.student.id != new_id:
        student = x.submission.student.model_copy(update={"id": new_id})
        x.submission = x.submission.model_copy(update={"student": student})


def load_submission(folder: Path, assignment: Assignment | None = None, ids: Ids = "folder") -> Loaded:
    """One submission folder → a `Loaded`, never an exception: a problem is its `error`, one safe line. `ids`: where
    its id comes from (`Ids`)."""
    where = Path(os.path.abspath(folder))
    safe_id = folder_id(ids.get(where, where.name) if isinstance(ids, dict) else where.name)
    try:
        assignment = assignment or Assignment()
        x = _load(folder, safe_id, assignment, ids)
        if x.submission is not None:  # its logs, read and bounded with it; the claims left out are taken from them
            x.submission, notes = _fractions(x.submission)
            x.warnings.extend(notes)
            x.submission, x.evidence = gather(x.read_from or folder, x.submission, assignment.claimed_on)
        return x
    except InputError as err:
        return Loaded(folder, safe_id, error=line(str(err)))
    except Exception as err:  # a grader bug must still not stop the class: one line for the student, one here
        bug = line(f"{type(err).__name__}: {err}")  # logged by load_class for the folders it grades
        return Loaded(folder, safe_id, error="the grader could not read this submission (an internal error, "
                      "reported to the instructor)", internal=bug)  # fmt: skip


def _fractions(sub: Submission) -> tuple[Submission, list[str]]:
    """Accuracies claimed as percentages read as fractions: above 1 (up to 100) an accuracy can only be a
    percentage, so "96.4" is 0.964 to the same printed digits, and the report says so once; no check is charged for
    the unit (a figure above 100 is left for the plausibility check)."""
    notes: list[str] = []

    def read(entries: list, part: str) -> list:
        out = []
        for e in entries:
            a = e.claimed_test_accuracy
            if a is not None and 1 < a <= 100:
                fraction = float(f"{a / 100:.12g}")
                text = e.printed("claimed_test_accuracy")  # as the file prints it: 96.10, not 96.1
                shown_as = text if text and len(text) <= 20 else f"{a:g}"
                scaled = str(Decimal(text).scaleb(-2)) if text else f"{fraction:g}"
                notes.append(f"[[{part}]] {shown(e.name)}: claimed_test_accuracy = {shown_as} read as {shown_as} % = "
                             f"{scaled} (write accuracies as fractions)")  # fmt: skip
                e = e.model_copy(update={"claimed_test_accuracy": fraction})
                e._printed = (
                    {**e._printed, "claimed_test_accuracy": scaled}  # the file's digits, two places on
                    if text
                    else {k: v for k, v in e._printed.items() if k != "claimed_test_accuracy"}
                )
            out.append(e)
        return out

    return sub.model_copy(update={"run": read(sub.run, "run"), "auto": read(sub.auto, "auto")}), notes


def _load(folder: Path, safe_id: str, assignment: Assignment, ids: Ids) -> Loaded:
    """A submission.toml, else a course config.py: each read into the same data (the file's text bounded by
    `read_text`; config.py read by `grader.legacy.to_submission`, never executed), which then takes one path:
    defaults → validated `Submission` → its id."""
    try:
        if stat.S_ISLNK(os.lstat(folder).st_mode):
            raise InputError("the submission folder is a symbolic link; submit a real folder")
    except OSError as err:
        raise InputError(f"cannot read the submission folder: {err.strerror or type(err).__name__}") from None
    if _zipped(folder.name) and not os.path.isdir(folder):  # a submission handed in zipped (examiner probe 38)
        raise InputError(f"a zip file, not a folder: unzip it into {escape(folder.parent.name)[:SHOWN]}/"
                         f"{escape(folder.name[:-4])[:SHOWN]}/ (the grader never unpacks a student's zip)")  # fmt: skip
    where, found = folder, ""
    if ids == "folder":  # a class folder: its submission where an upload's is found (hw6/submission.toml)
        try:
            where, found = find_submission(folder, holder="folder")
        except ValueError as err:
            raise InputError(line(str(err))) from None
    source, named = submission_file(where)  # Submission.toml, submission.toml.txt: read, with a note (probe 43)
    if source is None:
        raise InputError(_missing(folder, searched=ids == "folder"))
    toml = source.name.lower().removesuffix(TXT) == SUBMISSION_FILES[0]  # else a legacy config.py
    notes: list[str] = []
    try:
        if toml:
            text = read_text(source, TOML_CAP, source.name)
            if not text.strip():  # examiner probe 38: "student: missing (required)" said of an empty file
                raise InputError(f"{source.name} is empty: write your submission in it (docs/submission.md)")
            data, notes = aliases.forms(parse_toml(text, source.name))  # `[[runs]]`, `lr = "0.05"`: read, said
            n = sum(len(v) for k in ENTRIES if isinstance(v := data.get(k), list))
            if n > assignment.max_entries:
                raise InputError(f"{source.name} has {n:,} entries ([[range_test]], [[run]] and [[auto]] "
                                 f"together); the assignment allows {assignment.max_entries}: keep the ones your "
                                 "report uses")  # fmt: skip
        else:
            data, notes = to_submission(read_text(source, LEGACY_CAP, source.name, python=True), assignment)
            for part in ENTRIES:
                for entry in data.get(part, ()):
                    _plain(entry, source.name, 0, "")
            # a config.py names no student: a class's folder is the instructor's key for one; an upload's or a
            # self-check's folder was named by the platform ("submission") or anyone (examiner probe 16: a report
            # titled "# submission"), so its report is titled for the file itself
            name = "Your config.py" if ids == "file" else escape(folder.name)[:200]
            data = {"student": {"id": safe_id, "name": name}, **data}
        data, said = _student(data, safe_id, ids)
        notes = [*said, *notes]
        shared: list[str] = []
        batches: dict[tuple[str, int], str] = {}
        if toml:  # nproc = 2, batch_size_per_gpu: read into batch_size; [setup]'s seed, momentum, …:
            data, shared, batches = aliases.processes(data, _preset_batch(data, assignment))  # every entry's that
            data, said = aliases.setup_defaults(data)  # states none (both before a preset's)
            shared += said
        data, more = _defaults(data, assignment)
        more, limits = [*shared, *more], {}
        if toml:  # names in another case, torch's spellings, ./logs (a config.py is read in the schema's)
            data, own = _own_logs(data, where)
            data, aliased, limits = aliases.read_all(data, lambda_text)
            more += [*own, *aliased]
            for where, why in batches.items():  # an entry's own process count: the grader's limit, as a plateau's
                limits[where] = f"{limits[where]}; {why}" if where in limits else why
        else:  # its ReduceLROnPlateau: the grader's limit, as in a submission.toml
            data, limits = aliases.course_limits(data)
        # a course config.py holds one config: a bad value in it refuses the file (with the hint below)
        sub, unused, data = (validate_submission(data, source.name, limits) if toml or limits else
                             (validate(Submission, data, source.name), [], data))  # fmt: skip
        _keep_printed(data, sub)
        more = [*more, *unused, *_unread(sub)]
    except (LegacyConfigError, InputError) as err:
        if toml:
            raise
        hint = " (a course config.py is read as data, never run: write what it cannot say as a submission.toml, " \
            "docs/submission.md)"  # fmt: skip
        # the file's words cut to leave the hint room within one LINE (examiner probe 9: say what to do)
        return Loaded(folder, safe_id, error=line(str(err), LINE - len(hint)) + hint, legacy=True)
    x = Loaded(folder, safe_id, sub, warnings=[line(w) for w in [found, named, *notes, *more] if w], legacy=not toml,
               read_from=where if where != folder else None)  # fmt: skip
    claimed = x.claimed = sub.student.id
    if ids == "file" or claimed == safe_id or safe_id.startswith((f"{claimed}-", f"{claimed}_")):
        x.id = claimed  # e.g. folder s000-lambda-multistep, id s000
    elif isinstance(ids, dict):
        _set_id(x, safe_id)  # the export's key
    else:
        x.mismatch = f"[student] id {shown(claimed)} is not this folder's ({shown(folder.name)}): graded as " \
            f"{shown(safe_id)}"  # fmt: skip
        x.warnings.append(x.mismatch)
        _set_id(x, safe_id)
    return x


NAME_CAP = 200  # characters of a [student] name kept (grader.schema.Student.name)
ID_PATTERN = re.compile(Student.model_fields["id"].metadata[0].pattern)


def _student(data: dict, safe_id: str, ids: Ids) -> tuple[dict, list[str]]:
    """[student] read where its faults need not refuse the submission (examiner probe 38): a name over NAME_CAP
    characters cut, with a warning; a malformed id, where the grade takes ids from elsewhere (a class's folders, an
    export's keys), replaced by that id, with a warning as a well-formed wrong id gets. Where ids come from the file
    (an upload, a self-check), a malformed id still refuses it (the schema's line)."""
    student = data.get("student")
    if not isinstance(student, dict):
        return data, []
    student, notes = {**student}, []
    name = student.get("name")
    if isinstance(name, str) and len(name) > NAME_CAP:
        student["name"] = name[: NAME_CAP - 1] + "…"
        notes.append(f"[student] name is {len(name):,} characters: cut to {NAME_CAP} in the reports")
    sid = student.get("id")
    if ids != "file" and isinstance(sid, str) and not ID_PATTERN.fullmatch(sid):
        student["id"] = safe_id
        notes.append(f"[student] id {shown(sid)} is not a valid id (1 to 64 letters, digits, _ . -): graded as "
                     f"{shown(safe_id)}, this folder's id")  # fmt: skip
    return {**data, "student": student}, notes


def _own_logs(data: dict, folder: Path) -> tuple[dict, list[str]]:
    """Each entry's `logs` written as an absolute path of the student's machine (`/Users/alice/hw6/logs/sgd.csv`,
    `C:\\Users\\…`) read as its longest trailing part in the submission folder (`grader.logs.trailing`), with a note
    (examiner probe 43: such logs were dropped, the claims judged on the rerun); one with none is left as written, for
    validation to refuse (`_explain`: write it relative to the folder). `folder`: the one the files are read from."""
    out, notes = {**data}, []
    for part in ENTRIES:
        if not isinstance(entries := data.get(part), list):
            continue
        out[part] = list(entries)
        for i, e in enumerate(entries):
            if isinstance(e, dict) and isinstance(logs := e.get("logs"), str) and (found := trailing(folder, logs)):
                rel, kind = found
                out[part][i] = {**e, "logs": rel}
                notes.append(f"{part}[{i}].logs = {shown(logs)} read as {shown(rel)}: the {kind} of that name in your "
                             "submission folder; write paths relative to the folder")  # fmt: skip
    return out, notes


def _preset_batch(data: dict, assignment: Assignment) -> int:
    """Each process's batch where a [setup] stating a process count states no batch: its preset's (the course's
    BATCH_SIZE, each process's), else the schema's default."""
    batch = preset.setup.get("batch_size") if (preset := preset_of(data, assignment.preset)) else None
    return batch if isinstance(batch, int) else Setup.model_fields["batch_size"].default


def _keep_printed(data: dict, sub: Submission) -> None:
    """Each claimed final metric's text as the file prints it, kept on its entry: its digits are the claim's. `data`:
    the entries validated, in order (none set apart: probe 20 had a set-apart twin's digits quoted)."""
    for part in ("run", "auto"):
        for raw, entry in zip(data.get(part) or (), getattr(sub, part), strict=True):
            for k in ("claimed_test_accuracy", "claimed_test_loss"):
                if isinstance(v := raw.get(k), Printed) and v.text:
                    entry._printed[k] = v.text
    for raw, entry in zip(data.get("range_test") or (), sub.range_test, strict=True):
        if isinstance(v := raw.get("rule"), aliases.Worded):  # a rule word of two readings (fastai's lr_min)
            entry._rule_said = v.said


def _defaults(data: dict, assignment: Assignment) -> tuple[dict, list[str]]:
    """What a submission leaves out: the preset's defaults, then the assignment's dataset. A `dataset` other than
    the assignment's is read as the data the claims were made on (`claimed_on`): the rerun uses the assignment's. A
    proxy `dataset` whose `claimed_on` is the assignment's dataset (mnist-5k, claims on mnist, graded on mnist) is
    rerun on the claim's data."""
    data, notes = apply_preset(data, assignment.preset), []
    setup = data.get("setup", {})
    if not isinstance(setup, dict):
        return data, notes  # validation reports it
    setup = {**setup}
    own = setup.get("dataset")
    if own is None:
        setup["dataset"] = assignment.dataset
    elif (
        isinstance(own, str)
        and own != assignment.dataset
        and own in DATASETS
        and setup.get("claimed_on") in (None, own)
    ):
        setup.update(dataset=assignment.dataset, claimed_on=own)
        notes.append(f"[setup] dataset = {shown(own)}: read as the data your claims were made on (claimed_on); "
                     f"the assignment reruns on {assignment.dataset}")  # fmt: skip
    elif isinstance(own, str) and own != assignment.dataset and own in DATASETS and \
            setup.get("claimed_on") == assignment.dataset:  # fmt: skip
        # a proxy named for a rerun where the claim's data was missing; the assignment's grade has that data
        setup["dataset"] = assignment.dataset
        notes.append(f"[setup] dataset = {shown(own)} with claimed_on = {shown(assignment.dataset)}: rerun on "
                     f"{assignment.dataset}, the data the claims were made on (the assignment's)")  # fmt: skip
    return {**data, "setup": setup}, notes


def load_assignment(root: Path, path: Path | None = None) -> Assignment:
    """`assignment.toml` beside the submissions if there is one, else the package defaults; or the one at `path`
    (an upload grade's bundle, a Gradescope export's class), which must exist. Raises only InputError (a
    ValueError): one line naming the file, the field and the fix."""
    if path is not None and not os.path.lexists(path):
        raise InputError(f"no such assignment file: {path}")
    path = path or root / ASSIGNMENT_FILE
    if not os.path.lexists(path):
        return Assignment()
    try:
        data = parse_toml(read_text(path, TOML_CAP, ASSIGNMENT_FILE, follow=True, fix=""), ASSIGNMENT_FILE)
        return validate(Assignment, data, ASSIGNMENT_FILE)
    except InputError as err:
        raise InputError(line(str(err))) from None
