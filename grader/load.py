"""Load: submission folders → validated `Submission`s, or one clear line saying why not."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import tomllib
from pydantic import ValidationError

from grader.schema import Assignment, RunClaim, Student, Submission

ASSIGNMENT_FILE = "assignment.toml"


@dataclass
class Loaded:
    folder: Path
    id: str
    submission: Submission | None = None
    error: str | None = None  # one line, when the folder can't be graded
    warnings: list[str] = field(default_factory=list)
    legacy: bool = False


def describe(err: ValidationError) -> str:
    """Pydantic errors as one line naming each field, e.g. `run[0].schedule.name: unknown scheduler 'x'`."""
    parts = []
    for e in err.errors():
        loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e["loc"]).lstrip(".")
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = "unknown key"
        parts.append(f"{loc or 'file'}: {msg}")
    return "; ".join(parts)


def discover(root: Path) -> list[Path]:
    """Every sub-folder of the class folder (hidden ones aside), sorted: each one is a submission."""
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def load_submission(folder: Path) -> Loaded:
    safe_id = re.sub(r"[^A-Za-z0-9_.-]", "_", folder.name)[:64] or "unnamed"
    toml, legacy = folder / "submission.toml", folder / "config.py"
    if toml.exists():
        try:
            data = tomllib.loads(toml.read_text(encoding="utf-8"))
            return Loaded(folder, data.get("student", {}).get("id", safe_id), Submission.model_validate(data))
        except tomllib.TOMLDecodeError as err:
            return Loaded(folder, safe_id, error=f"submission.toml is not valid TOML: {err}")
        except ValidationError as err:
            return Loaded(folder, safe_id, error=f"submission.toml: {describe(err)}")
        except UnicodeDecodeError:
            return Loaded(folder, safe_id, error="submission.toml is not UTF-8 text")
    if legacy.exists():
        return _load_legacy(folder, safe_id, legacy)
    return Loaded(folder, safe_id, error="no submission.toml or config.py in this folder")


def _load_legacy(folder: Path, safe_id: str, path: Path) -> Loaded:
    """A course-format ColossalAI config.py, read with `ast` as data (never executed) → one training run."""
    from grader.legacy import LegacyConfigError, legacy_to_run_fields, read_legacy_config

    try:
        fields, warnings = legacy_to_run_fields(read_legacy_config(path))
    except LegacyConfigError as err:
        return Loaded(folder, safe_id, error=str(err), legacy=True)
    if "lr" not in fields:
        return Loaded(folder, safe_id, error="config.py: no LEARNING_RATE (or LR) to re-run", legacy=True)
    setup = {"batch_size": fields.pop("batch_size")} if "batch_size" in fields else {}
    if "schedule" in fields:  # the course's LRSchedulerHook stepped every iteration: rerun it the same way
        fields["schedule"] = {**fields["schedule"], "cadence": "step"}
        warnings.append(
            "LR_SCHEDULER: stepped per iteration, as the course's ColossalAI hook did (milestones and "
            "step sizes count optimizer steps)"
        )
    try:
        run = RunClaim(name="config.py", **{"optimizer": "sgd", **fields})
        sub = Submission(student=Student(id=safe_id, name=folder.name), setup=setup, run=[run])
    except ValidationError as err:
        return Loaded(folder, safe_id, error=f"config.py: {describe(err)}", legacy=True)
    return Loaded(folder, safe_id, sub, warnings=warnings, legacy=True)


def load_assignment(root: Path) -> Assignment:
    """`assignment.toml` beside the submissions if there is one, else the package defaults."""
    path = root / ASSIGNMENT_FILE
    if not path.exists():
        return Assignment()
    return Assignment.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
