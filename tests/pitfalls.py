"""Fixture builder: a class of tiny submissions, each with logs written by a real reference run with one known
mistake injected (mnist-5k, 3–6 epochs, one torch thread). `build_class(root, data)` writes the folders;
`EXPECTED` says which pitfall the grader should name for each student (None: no diagnosis at all)."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field, replace
from pathlib import Path

from reference.config import RunConfig, ScheduleConfig
from reference.loop import run
from reference.outputs import CSV_COLUMNS, Logs, epoch_rows, logs_from_result, write_csv, write_tensorboard

ASSIGNMENT = """name = "pitfall fixtures"
dataset = "mnist-5k"
train_epochs = 3
max_epochs = 6
quick_epochs = 2
required = ["run"]
[tolerances]
probe_epochs = 0
"""


@dataclass(frozen=True)
class Student:
    claim: dict  # the [[run]] entry as submitted (claims left out are taken from the logs)
    actual: dict  # what the student really ran (RunConfig fields; may hold values the schema refuses)
    log: dict = field(default_factory=dict)  # logs_from_result options: test_loss_divisor, epochs
    csv: bool = False  # logs as CSV instead of TensorBoard


SGD = {"optimizer": "sgd", "momentum": 0.9}
MULTISTEP = {"name": "multistep", "milestones": [10, 20], "gamma": 0.1}
STEPLR = {"name": "step", "step_size": 2, "gamma": 1.1}
STUDENTS: dict[str, Student] = {
    "honest": Student({"lr": 0.05, "epochs": 3}, {"lr": 0.05, "epochs": 3}),
    "honest-csv": Student({"lr": 0.05, "epochs": 3}, {"lr": 0.05, "epochs": 3}, csv=True),
    "loss-artifact": Student({"lr": 0.05, "epochs": 3}, {"lr": 0.05, "epochs": 3}, {"test_loss_divisor": 8}),
    "percent": Student({"lr": 0.05, "epochs": 3, "claimed_test_accuracy": 91.3}, {"lr": 0.05, "epochs": 3}),
    "double-softmax": Student({"lr": 0.2, "epochs": 3}, {"lr": 0.2, "epochs": 3, "mistake": "double-softmax"}),
    "multistep-per-step": Student({"lr": 0.05, "epochs": 3, "schedule": MULTISTEP},
                                  {"lr": 0.05, "epochs": 3, "schedule": {**MULTISTEP, "cadence": "step"}}),
    "steplr-per-step": Student({"lr": 0.05, "epochs": 3, "schedule": STEPLR},
                               {"lr": 0.05, "epochs": 3, "schedule": {**STEPLR, "cadence": "step"}}),
    "scheduler-unused": Student({"lr": 0.05, "epochs": 3, "schedule": {**MULTISTEP, "milestones": [1, 2]}},
                                {"lr": 0.05, "epochs": 3}),
    "onecycle-max-lr": Student({"lr": 0.05, "epochs": 3, "schedule": {"name": "onecycle"}},
                               {"lr": 0.05, "epochs": 3, "schedule": {"name": "onecycle", "max_lr": 0.2}}),
    "momentum": Student({"lr": 0.05, "epochs": 3}, {"lr": 0.05, "epochs": 3, "momentum": 1.1}),
    "momentum-uncycled": Student({"lr": 0.05, "epochs": 3, "momentum": 0.0, "schedule": {"name": "onecycle"}},
                                 {"lr": 0.05, "epochs": 3, "momentum": 0.0,
                                  "schedule": {"name": "onecycle", "cycle_momentum": True}}),
    "train-as-test": Student({"lr": 0.1, "epochs": 6, "claimed_test_loss": None}, {"lr": 0.1, "epochs": 6}),
    "short-run": Student({"lr": 0.1, "epochs": 6}, {"lr": 0.1, "epochs": 6}, {"epochs": 3}),
    "log-mismatch": Student({"lr": 0.05, "epochs": 3, "claimed_test_accuracy": 0.913}, {"lr": 0.1, "epochs": 6},
                            {"epochs": 3}),
}  # fmt: skip

# student → {check: pitfall} the grader should name (full grade); "honest" gets no diagnosis at all. A figure read
# from a log the rerun does not bear out is pending ("unwritten"), not failed: the pitfall is named on the logs check
EXPECTED: dict[str, dict[str, str]] = {
    "honest": {}, "honest-csv": {},
    "loss-artifact": {"logs": "loss-test-artifact"},  # its loss, read from that log, is pending: never written
    "percent": {},  # 91.3 can only be a percentage: read as 0.913 at load, said once, no check charged for it
    "double-softmax": {"logs": "double-softmax"},
    "multistep-per-step": {"logs": "per-step-scheduler"},
    "steplr-per-step": {"logs": "per-step-scheduler"},
    "scheduler-unused": {"logs": "scheduler-unused"},
    "onecycle-max-lr": {"logs": "onecycle-max-lr"},
    "momentum": {"logs": "diverged-log"},
    "momentum-uncycled": {"logs": "momentum-uncycled"},  # torch's OneCycleLR default, the claim silent on it
    "train-as-test": {"loss_claim": "train-as-test"},
    "short-run": {"logs": "short-run"},  # its figures, read from a log that ends early, are pending: the logs check
    "log-mismatch": {"logs": "log-mismatch"},
}  # fmt: skip
CONFIRMED_BY_RERUN = ("double-softmax", "multistep-per-step")  # their counterfactual rerun matches the claim


def _toml(value) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    return json.dumps(value)


def _actual(fields: dict) -> RunConfig:
    schedule = ScheduleConfig(**fields.get("schedule", {}))
    cfg = RunConfig(**{**{k: v for k, v in fields.items() if k not in ("schedule", "momentum")}, "schedule": schedule})
    return cfg.model_copy(update={"momentum": fields.get("momentum", 0.9)})  # unvalidated: momentum 1.1 allowed


def write_logs(logs: Logs, folder: Path, fmt: str = "tb", one_based: bool = False) -> str:
    """Write `logs` (0-based steps) under `folder` as the course's TensorBoard event file (`fmt` "tb") or as the
    CSV layout ("csv"), with steps counted from 0 or, as many students' loops do, from 1 (the reader shifts them
    back). Returns the path relative to `folder`, for the submission's `logs =`."""
    if one_based:
        logs = replace(logs, step=[s + 1 for s in logs.step], epoch_step=[s + 1 for s in logs.epoch_step])
    if fmt == "tb":
        write_tensorboard(logs, folder / "logs" / "run")
        return "logs/run"
    path = folder / "logs" / "run.csv"
    ends = epoch_rows(logs)  # row index → the epoch evaluated after its step (as write_csv places them)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(CSV_COLUMNS)
        for i, (s, lr, loss) in enumerate(zip(logs.step, logs.lr, logs.train_loss, strict=True)):
            w.writerow([s, repr(lr), repr(loss), *(ends.get(i) or ("", "", ""))])
    return "logs/run.csv"


def submission_text(sid: str, entries: dict[str, list[dict]], setup: dict | None = None) -> str:
    """A submission.toml: `entries` is {"range_test": [...], "run": [...]}, each entry a flat dict of scalars,
    lists and inline tables (None values left out)."""
    lines = [f'[student]\nid = "{sid}"\nname = "{sid}"\n']
    if setup:
        lines += ["[setup]", *(f"{k} = {_toml(v)}" for k, v in setup.items()), ""]
    for part, items in entries.items():
        for item in items:
            lines += [f"[[{part}]]", *(f"{k} = {_toml(v)}" for k, v in item.items() if v is not None), ""]
    return "\n".join(lines) + "\n"


def build_class(root: Path, data, only: list[str] | None = None) -> dict[str, dict]:
    """Write `root/assignment.toml` and one folder per student (submission.toml + its logs, written from a real
    run of what the student actually ran). Returns each student's actual result."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "assignment.toml").write_text(ASSIGNMENT)
    results, done = {}, {}
    for name, s in STUDENTS.items():
        if only and name not in only:
            continue
        key = json.dumps(s.actual, sort_keys=True)
        if key not in done:
            done[key] = run(_actual(s.actual), device="cpu", data=data)
        result = results[name] = done[key]
        folder = root / name
        logs = logs_from_result(result, **s.log)
        rel = "logs/run.csv" if s.csv else "logs/run"
        write_csv(logs, folder / rel) if s.csv else write_tensorboard(logs, folder / rel)
        claim = {**SGD, **{k: v for k, v in s.claim.items() if v is not None}}
        if name == "train-as-test":  # the mean train loss of the last epoch, reported as the test loss
            claim["claimed_test_loss"] = round(result["final"]["train_loss"], 4)
        lines = [f'[student]\nid = "{name}"\nname = "{name}"\n', "[[run]]", f'name = "run"\nlogs = "{rel}"']
        lines += [f"{k} = {_toml(v)}" for k, v in claim.items()]
        (folder / "submission.toml").write_text("\n".join(lines) + "\n")
    return results
