"""A Gradescope "Export Submissions" download, read for the instructor's later full grade (issue 22).

The export is a folder of `submission_<id>/` folders (each what one student or group uploaded) and
`submission_metadata.yml`, which maps each folder name to its `:submitters` (`:name`, `:sid`, `:email`),
`:created_at` and `:score` (Ruby-symbol keys: strings starting with ':'). `read_gradescope_export` reads it as
hostile input (size bound, safe YAML, every field optional); `write_scores_csv` writes the scores back in a CSV
Gradescope's "Import Scores" takes, one row per submitter, every cell spreadsheet-safe.
"""

from __future__ import annotations

import csv
import math
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from grader import safe

METADATA = "submission_metadata.yml"
METADATA_CAP = 20 * 1024 * 1024  # bytes: a class of thousands of submissions is a few MB
FIELD_CAP = 200  # characters kept of a name, SID or email
_FOLDER = re.compile(r"submission_[A-Za-z0-9_-]{1,64}")
CSV_COLUMNS = ("Name", "SID", "Email", "Score", "Pending (not in Score)", "Note")


@dataclass(frozen=True)
class Submitter:
    name: str = ""
    sid: str = ""
    email: str = ""


@dataclass
class Exported:
    """One submission of the export: its folder (None when the export has no such folder), who submitted it,
    when, and the score Gradescope had for it (the autograder's, or a hand edit)."""

    id: str  # the folder name, "submission_<id>"
    folder: Path | None
    submitters: list[Submitter] = field(default_factory=list)
    created_at: str = ""
    score: float | None = None


def read_gradescope_export(folder: Path) -> list[Exported]:
    """The export's submissions, in the metadata's order. Raises ValueError (one line) when the metadata file is
    missing, too large or not YAML; an entry or field that is missing or malformed is skipped or left empty."""
    folder = Path(folder)
    path = folder / METADATA
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise ValueError(f"no {METADATA} in {folder}: expected a Gradescope 'Export Submissions' folder "
                         "(unzipped)") from None  # fmt: skip
    if not stat.S_ISREG(st.st_mode):
        raise ValueError(f"{path}: not a regular file (a link, a folder or a device): refused")
    if st.st_size > METADATA_CAP:
        raise ValueError(f"{path}: {st.st_size:,} bytes, over the {METADATA_CAP:,}-byte limit")
    with open(path, "rb") as f:
        data = f.read(METADATA_CAP + 1)
    if len(data) > METADATA_CAP:  # grew since the stat
        raise ValueError(f"{path}: over the {METADATA_CAP:,}-byte limit")
    try:
        parsed = yaml.safe_load(data.decode("utf-8-sig"))
    except UnicodeDecodeError as err:
        raise ValueError(f"{path}: not UTF-8 text (byte {err.start})") from None
    except RecursionError:
        raise ValueError(f"{path}: nested too deeply to be Gradescope's metadata") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = safe.one_line(getattr(err, "problem", None) or type(err).__name__, 80)
        raise ValueError(f"{path}: not valid YAML{where}: {problem}") from None
    if parsed is None:
        return []
    if not isinstance(parsed, dict):
        raise ValueError(f"{path}: expected a mapping of submission folders, got {type(parsed).__name__}")
    found = []
    for key, entry in parsed.items():
        name = _key(key)
        if not isinstance(name, str) or not _FOLDER.fullmatch(name):
            continue  # not a submission folder name (and never a path to follow)
        entry = entry if isinstance(entry, dict) else {}
        sub = folder / name
        here = sub if sub.is_dir() and not sub.is_symlink() else None
        found.append(
            Exported(
                id=name,
                folder=here,
                submitters=_submitters(_get(entry, "submitters")),
                created_at=_text(_get(entry, "created_at")),
                score=_number(_get(entry, "score")),
            )
        )
    return found


def _key(key: object) -> object:
    """A Ruby-symbol key (":name") as its name; other keys as they are."""
    return key[1:] if isinstance(key, str) and key.startswith(":") else key


def _get(entry: dict, name: str) -> object:
    """entry[":name"], else entry["name"]."""
    return entry.get(f":{name}", entry.get(name))


def _text(value: object) -> str:
    """A scalar as one safe line of at most FIELD_CAP characters; anything else (a list, a mapping) as ""."""
    if value is None or isinstance(value, list | dict | set | tuple | bytes):
        return ""
    return safe.one_line(value, FIELD_CAP)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _submitters(value: object) -> list[Submitter]:
    if not isinstance(value, list):
        return []
    return [Submitter(name=_text(_get(s, "name")), sid=_text(_get(s, "sid")), email=_text(_get(s, "email")))
            for s in value if isinstance(s, dict)]  # fmt: skip


def write_scores_csv(rows: list[tuple], path: Path) -> Path:
    """A CSV for Gradescope's score import: Name, SID, Email, Score, Pending, Note, one row per submitter (a group's
    members each get the group's score). Score None (not graded) is an empty cell; a submission without submitters
    gets one row whose Note names it. A row (exported, score, note[, pending]): its pending points, which no Score
    counts, fill the Pending cell (empty at 0); `grade gradescope-export` names them in the Note too. Every text cell
    passes `safe.csv_cell`: no cell is a spreadsheet formula (the score is a number this writes itself, so a negative
    score stays a number)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(CSV_COLUMNS)
        for exported, score, note, *rest in rows:
            shown = "" if score is None or not math.isfinite(score) else f"{score:g}"
            held = f"{rest[0]:g}" if rest and rest[0] and math.isfinite(rest[0]) else ""
            note = safe.one_line(note, 500)
            people = exported.submitters or [Submitter()]
            if not exported.submitters:
                note = f"{exported.id}: no submitter in the export. {note}".strip()
            for p in people:
                writer.writerow([*(safe.csv_cell(c) for c in (p.name, p.sid, p.email)), shown, held,
                                 safe.csv_cell(note)])  # fmt: skip
    return path
