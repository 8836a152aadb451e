"""How often each pitfall is named right, named wrong or not named, and how often honest students' logs are warned
or given a cause: measured end to end with the grader (issue 25).

Injected students: for every pitfall of `grader.diagnoses.PITFALLS`, `--cases` students (default 10) who made
that mistake and nothing else, at student seeds 101, 102, … (they set no seed, so the grader reruns seed 0). Each
student ran the config the grader plans for their claim, at their own seed, with the mistake injected (or, for a
refused entry, the config they declared); their logs are written from that run (tests/pitfalls.py's writers), and
their claims are what those logs show: taken from the logs or written out. The cases vary what a grader meets:
TensorBoard or CSV logs, steps counted from 0 or from 1, no logs at all (claims only), and claims made on
mnist-5k or on MNIST (`setup.claimed_on = "mnist"`: the rerun stands in on mnist-5k; then the Loss/test factor is
79, MNIST's ⌈10,000/128⌉ test batches). A case the mistake cannot be seen in (no logs where only a log shows it,
another dataset's claims where none is checkable) is left out, never counted as a miss. A student who claims on MNIST
ran MNIST's step schedule (469 steps an epoch) on mnist-5k's images (there is no MNIST here): their LR tables and
step counts are MNIST's, their losses mnist-5k's.

Honest students: `--honest` students (default 30; seeds 201, …) on the configs students use (SGD constant and MultiStep,
Adam, a range test, OneCycleLR or CyclicLR with torch's default momentum cycling, and the committed 30-epoch
sgd-multistep protocol run for some, so that the committed seed band is used where it exists; a run the config check
refuses, 2 epochs of 3, for every third), with logs of their own
seed of exactly the config they declare and claims of exactly what their logs show.

Every submission is graded by `grader.grade.grade_class` as one class (full grade, sequential engine, CPU, the
diagnoses' counterfactual reruns included). Runs are kept in a store keyed by config (`--cache DIR`), so a rerun
of this script grades again without training again (and the grader's cache is filled from it).

Printed: per pitfall, its cases and how many were named right / named wrong (the wrong pitfall's confidence) /
given no cause; the same per kind of case; for the honest students, entries whose logs check warned and causes
given (each listed). An accuracy claimed (or logged) as a percentage is read as one when the submission is loaded,
with a line in the report, and no check fails: that case counts as named right when the report says so. The last line
sums it up against the targets: honest logs warned on ≤ 1 % of entries and
given a cause 0 times; every pitfall named right on ≥ 95 % of its cases; a wrong high-confidence cause 0 times.

    python benchmarks/diagnosis_power.py --jobs 2
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from tabulate import tabulate

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import reference  # noqa: E402
from grader.grade import DEFAULT_CACHE  # noqa: E402
from reference.config import RunConfig, ScheduleConfig  # noqa: E402
from reference.datasets import steps_per_epoch  # noqa: E402
from reference.rules import RULES, eval_curve  # noqa: E402

ASSIGNMENT = {"name": "diagnosis power", "dataset": "mnist-5k", "train_epochs": 3, "max_epochs": 30,
              "quick_epochs": 2, "max_sweep_epochs": 10, "required": []}  # fmt: skip
SGD = {"optimizer": "sgd", "momentum": 0.9}
BASE = {**SGD, "lr": 0.05, "epochs": 3}  # a student's plain final run: 3 epochs of 32 steps
MULTISTEP = {"name": "multistep", "milestones": [1, 2], "gamma": 0.1}
SWEEP = {
    "sgd": {"optimizer": "sgd", "momentum": 0.9, "start_lr": 1e-5, "end_lr": 10.0},
    "adam": {"optimizer": "adam", "start_lr": 1e-6, "end_lr": 1.0},
}  # the committed protocol's sweeps
PROTOCOL_RUN = {
    **SGD,
    "lr": 0.0507,
    "epochs": 30,
    "schedule": {"name": "multistep", "milestones": [15, 25], "gamma": 0.1},
}  # committed: sgd-multistep
PROTOCOL_CONSTANT = {**SGD, "lr": 0.0507, "epochs": 30}  # committed: sgd-constant
PROTOCOL_ADAM = {"optimizer": "adam", "lr": 0.00104, "epochs": 30}  # committed: adam-constant
ONECYCLE_CYCLED = {**SGD, "lr": 0.3, "epochs": 5, "schedule": {"name": "onecycle", "cycle_momentum": True}}
CYCLIC_CYCLED = {**BASE, "schedule": {"name": "cyclic", "step_size_up": 16, "cycle_momentum": True}}


# ---------------------------------------------------------------- students as data


@dataclass
class Entry:
    """One [[run]] or [[range_test]] of a submission, and what the student really ran for it."""

    name: str
    part: str  # "run" | "range_test"
    claim: dict  # the entry as declared (claims are added from the student's run)
    actual: Callable[[RunConfig], RunConfig] = lambda c: c  # the planned config (at the student's seed) → what ran
    log: dict = field(default_factory=dict)  # divisor, epochs (cut), percent (accuracy logged ×100)
    claims: str = "logs"  # "logs": left out, taken from the logs; "explicit": written out; "train-loss", "percent",
    # "earlier-epoch": written out as the mistake reads them; "test-loss": the rule on the test loss of each epoch
    refused: bool = False  # the config check refuses it: no planned config, the declared one is what ran
    until: int | None = None  # the student's run stopped after this many epochs (of the declared length)


@dataclass
class Student:
    sid: str
    group: str  # a PITFALLS key, or "honest"
    seed: int
    entries: list[Entry]
    fmt: str | None = "tb"  # "tb" | "csv" | None (no logs)
    one_based: bool = False
    claimed_on: str | None = None  # None: mnist-5k, the rerun's data
    variant: str = ""  # the kind of case in full (log format, step base, data claimed on, what was injected)
    extra: str = ""  # what was injected, where a pitfall has several forms

    @property
    def kind(self) -> str:
        """The kind of case for the per-kind table: logs or none, data claimed on, the form of the mistake."""
        logs = "logs" if self.fmt else "no logs"
        return ", ".join(x for x in (logs, "claimed on mnist" if self.claimed_on else "", self.extra) if x)

    @property
    def target(self) -> str:
        return self.entries[0].name


def _variant(fmt: str | None, one_based: bool, claimed_on: str | None, extra: str = "") -> str:
    logs = "no logs" if fmt is None else f"{'TensorBoard' if fmt == 'tb' else 'CSV'} {'1' if one_based else '0'}-based"
    return ", ".join(x for x in (logs, "claimed on mnist" if claimed_on else "", extra) if x)


# (fmt, one_based, claimed_on, claims): the kinds of case, in the order they are drawn
LOGGED = [
    ("tb", False, None, "logs"),
    ("csv", True, None, "explicit"),
    ("tb", True, None, "logs"),
    ("csv", False, None, "logs"),
    ("tb", False, None, "explicit"),
    ("csv", True, None, "logs"),
]
CLAIMS_ONLY = [(None, False, None, "explicit"), (None, False, None, "explicit")]
MNIST_LOGGED = [("tb", True, "mnist", "logs"), ("csv", False, "mnist", "explicit")]
MNIST_CLAIMS = [(None, False, "mnist", "explicit")]


def _kinds(n: int, claims_only: bool, mnist_logs: bool, mnist_claims: bool) -> list[tuple]:
    """n kinds of case drawn in turn from the pools that apply to a pitfall (a mistake no log, or no claim on
    other data, can show is not drawn there)."""
    pools = [LOGGED, *([CLAIMS_ONLY] if claims_only else []), *([MNIST_LOGGED] if mnist_logs else []),
             *([MNIST_CLAIMS] if mnist_claims else [])]  # fmt: skip
    out, i = [], 0
    while len(out) < n:
        pool = pools[i % len(pools)]
        out.append(pool[(i // len(pools)) % len(pool)])
        i += 1
    return out


def _sched(cfg: RunConfig, **change) -> RunConfig:
    return cfg.model_copy(update={"schedule": ScheduleConfig(**{**cfg.schedule.model_dump(), **change})})


def _cases(key: str, n: int) -> list[Student]:
    """`n` students who made the mistake `key` (a PITFALLS key)."""
    out = []

    def add(i: int, kind: tuple, entries: list[Entry], extra: str = "") -> None:
        fmt, one_based, claimed_on, claims = kind
        for e in entries:
            if e.claims == "logs" and (claims == "explicit" or fmt is None):
                e.claims = "explicit"
        out.append(Student(f"{key}-{i:02d}", key, 101 + i, entries, fmt, one_based, claimed_on,
                           _variant(fmt, one_based, claimed_on, extra), extra))  # fmt: skip

    if key == "loss-test-artifact":  # Loss/test divided again by the test batches: 8 on mnist-5k, 79 on MNIST
        for i, kind in enumerate(_kinds(n, True, True, True)):
            add(i, kind, [Entry("run", "run", dict(BASE), log={"divisor": 79 if kind[2] else 8})])
    elif key == "accuracy-percent":
        for i, kind in enumerate(_kinds(n, True, True, True)):
            logged = kind[0] is not None and i % 2 == 0  # the log itself in percent, the claim taken from it
            add(
                i,
                kind,
                [
                    Entry(
                        "run",
                        "run",
                        dict(BASE),
                        log={"percent": logged},
                        claims="logs" if logged and kind[3] == "logs" else "percent",
                    )
                ],
                "logged in %" if logged else "claimed in %",
            )
    elif key == "train-as-test":  # the last epoch's mean train loss claimed as the test loss (the committed
        for i, kind in enumerate(_kinds(n, True, False, False)):  # protocol's 30-epoch SGD and Adam runs)
            claim = dict(PROTOCOL_CONSTANT) if i // 2 % 2 == 0 else dict(PROTOCOL_ADAM)  # either, logs or not
            add(i, kind, [Entry("run", "run", claim, claims="train-loss")], claim["optimizer"])
    elif key == "double-softmax":  # final runs, refused final runs (too short, a disallowed optimizer), sweeps
        kinds = _kinds(n, True, False, False)
        for i, kind in enumerate(kinds):
            ds = lambda c: c.model_copy(update={"mistake": "double-softmax"})  # noqa: E731
            if i % 3 == 0:
                add(i, kind, [Entry("run", "run", {**BASE, "lr": 0.2}, ds)], "final run")
            elif i % 3 == 1:
                short = i % 2 == 1
                claim = {**BASE, "lr": 0.2, "epochs": 2} if short else {**BASE, "lr": 0.002, "optimizer": "radam"}
                claim.pop("momentum") if not short else None
                add(
                    i,
                    kind,
                    [Entry("run", "run", claim, ds, refused=True)],
                    "refused: 2 epochs < 3" if short else "refused: optimizer radam",
                )
            else:
                sweep = kind if kind[0] else LOGGED[i % len(LOGGED)]  # a sweep's softmax shows in its log only
                add(
                    i,
                    sweep,
                    [Entry("sweep", "range_test", {**SWEEP["sgd"], "epochs": 10, "rule": "steepest"}, ds)],
                    "sweep",
                )
    elif key == "step-milestones":  # declared per iteration with epoch-sized milestones: a 30-epoch shortfall
        for i, kind in enumerate(_kinds(n, True, False, False)):
            sched = ({"name": "step", "step_size": 10, "gamma": 0.1, "cadence": "step"} if i % 3 == 2 else
                     {"name": "multistep", "milestones": [10, 20], "gamma": 0.1, "cadence": "step"})  # fmt: skip
            add(
                i,
                kind,
                [Entry("run", "run", {**SGD, "lr": 0.05, "epochs": 30, "schedule": sched})],
                f"{sched['name']}, 30 epochs",
            )
    elif key == "per-step-scheduler":  # an epoch scheduler stepped every iteration
        for i, kind in enumerate(_kinds(n, True, True, False)):
            sched = {"name": "step", "step_size": 1, "gamma": 0.5} if i % 3 == 2 else MULTISTEP
            add(
                i,
                kind,
                [Entry("run", "run", {**BASE, "schedule": sched}, lambda c: _sched(c, cadence="step"))],
                sched["name"],
            )
    elif key == "scheduler-unused":
        for i, kind in enumerate(_kinds(n, False, True, False)):
            add(
                i,
                kind,
                [
                    Entry(
                        "run",
                        "run",
                        {**BASE, "schedule": MULTISTEP},
                        lambda c: _sched(c, name="constant", milestones=None, gamma=None),
                    )
                ],
            )
    elif key == "onecycle-max-lr":
        for i, kind in enumerate(_kinds(n, False, True, False)):
            add(
                i,
                kind,
                [Entry("run", "run", {**BASE, "schedule": {"name": "onecycle"}}, lambda c: _sched(c, max_lr=4 * c.lr))],
            )
    elif key == "momentum-uncycled":  # torch's OneCycleLR/CyclicLR defaults: momentum cycled, the claim silent on it
        for i, kind in enumerate(_kinds(n, True, True, False)):
            sched = {"name": "cyclic", "step_size_up": 16} if i % 2 else {"name": "onecycle"}
            add(i, kind, [Entry("run", "run", {**BASE, "momentum": 0.0, "schedule": sched},
                                lambda c: _sched(c, cycle_momentum=True))], sched["name"])  # fmt: skip
    elif key == "short-run":  # a run stopped at epoch 5 of the committed protocol's 30, its log and claims with it
        for i, kind in enumerate(_kinds(n, True, False, False)):
            add(i, kind, [Entry("run", "run", dict(PROTOCOL_RUN), until=5)])
    elif key == "earlier-epoch":  # the first epoch's figures of the student's own logged run claimed as its final
        for i, kind in enumerate(_kinds(n, False, False, False)):
            add(i, kind, [Entry("run", "run", dict(BASE), claims="earlier-epoch")])
    elif key == "diverged-log":  # SGD momentum ≥ 1: the velocity grows every step
        for i, kind in enumerate(_kinds(n, False, True, False)):
            add(i, kind, [Entry("run", "run", dict(BASE), lambda c: c.model_copy(update={"momentum": 1.1}))])
    elif key == "log-mismatch":  # the log is of another config than the one claimed
        others = [("another LR", lambda c: c.model_copy(update={"lr": 2 * c.lr})),
                  ("Adam's log", lambda c: c.model_copy(update={"optimizer": "adam", "lr": 0.001, "momentum": 0.9})),
                  ("no momentum", lambda c: c.model_copy(update={"momentum": 0.0}))]  # fmt: skip
        for i, kind in enumerate(_kinds(n, False, True, False)):
            what, f = others[i % (2 if kind[2] else 3)]  # a log of other data: only its LR table is compared
            add(i, kind, [Entry("run", "run", dict(BASE), f)], what)
    elif key == "test-loss-pick":  # the rule applied to the test loss of each epoch (seed 000), curve left unstated
        for i, kind in enumerate(_kinds(n, True, False, False)):
            opt, rule = ("sgd", "adam")[i % 2], ("min/10", "steepest")[i // 2 % 2]
            sweep = {**SWEEP[opt], "epochs": 10, "rule": rule}
            add(i, kind, [Entry("sweep", "range_test", sweep, claims="test-loss")], f"{opt}, {rule}")
    elif key == "several-runs":  # the sweep and the final run logged into one folder (or one CSV), the run last
        for i, kind in enumerate(_kinds(n, False, False, False)):
            sweep = {**SWEEP[("sgd", "adam")[i % 2]], "epochs": 10, "rule": "steepest"}
            shared = [Entry("sweep", "range_test", sweep, log={"shared": True}),
                      Entry("run", "run", dict(BASE), log={"shared": True})]  # fmt: skip
            add(i, kind, shared, "sweep and run in one log")
    else:
        raise SystemExit(f"no injected cases for pitfall {key!r}: add them to benchmarks/diagnosis_power.py")
    return out


def _honest(n: int) -> list[Student]:
    out = []
    for i in range(n):
        fmt, one_based = ("tb", "csv")[i % 2], (i // 2) % 2 == 1
        claimed_on = "mnist" if i % 5 == 4 else None
        claims = "logs" if i % 3 else "explicit"
        opt = ("sgd", "adam")[i % 2]
        sweep = {**SWEEP[opt], "epochs": 10, "rule": "steepest"}
        if claimed_on:  # a sweep of the claim data's steps would be 4,690 steps: 320 here
            sweep = {**SWEEP[opt], "steps": 320, "rule": "steepest"}
        entries = [Entry("sgd-constant", "run", dict(BASE), claims=claims),
                   Entry("sgd-multistep", "run", {**BASE, "schedule": MULTISTEP}, claims=claims),
                   Entry("adam", "run", {"optimizer": "adam", "lr": 0.001, "epochs": 3}, claims=claims),
                   Entry(f"{opt}-sweep", "range_test", sweep, claims=claims)]  # fmt: skip
        if i < max(5, n // 4) and not claimed_on:
            entries.append(Entry("sgd-multistep-30", "run", dict(PROTOCOL_RUN), claims=claims))
        # torch's default for OneCycleLR/CyclicLR, momentum cycled, stated: configs no committed seeds measure
        # (examiner probe 14: an honest log of one was warned against the test-set floors alone)
        entries.append(Entry("sgd-onecycle-cycled", "run", ONECYCLE_CYCLED, claims=claims) if i % 2 else
                       Entry("sgd-cyclic-cycled", "run", CYCLIC_CYCLED, claims=claims))  # fmt: skip
        if i % 3 == 2:  # a run the config check refuses (2 epochs < 3): its honest claims and log are still read
            entries.append(Entry("sgd-short", "run", {**BASE, "epochs": 2}, claims=claims, refused=True))
        out.append(Student(f"honest-{i:02d}", "honest", 201 + i, entries, fmt, one_based, claimed_on,
                           _variant(fmt, one_based, claimed_on)))  # fmt: skip
    return out


# ---------------------------------------------------------------- runs: once per config, kept in a store


def store_key(cfg: RunConfig, until: int | None) -> str:
    blob = json.dumps({"config": cfg.model_dump(mode="json"), "until": until, "version": reference.__version__},
                      sort_keys=True)  # fmt: skip
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


def _work(item: tuple[RunConfig, int | None]) -> dict:
    import torch

    from reference.loop import run

    torch.set_num_threads(1)
    cfg, until = item
    return run(cfg, device="cpu", until_epoch=until)


def ensure(runs: dict[str, tuple[RunConfig, int | None]], store: Path, jobs: int) -> dict[str, dict]:
    """Every run from the store, the missing ones run (`jobs` processes, one torch thread each) and stored as each
    finishes (a killed benchmark resumes)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from reference.outputs import write_json_atomic

    store.mkdir(parents=True, exist_ok=True)
    missing = {k: v for k, v in runs.items() if not (store / f"{k}.json").exists()}
    print(f"runs: {len(runs)} distinct, {len(missing)} to run", file=sys.stderr, flush=True)
    if missing:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = {pool.submit(_work, v): k for k, v in missing.items()}
            for n, f in enumerate(as_completed(futures), start=1):
                write_json_atomic(f.result(), store / f"{futures[f]}.json")
                if n % 10 == 0 or n == len(futures):
                    print(f"  {n}/{len(futures)} run", file=sys.stderr, flush=True)
    return {k: json.loads((store / f"{k}.json").read_text()) for k in runs}


# ---------------------------------------------------------------- submissions


def _entry_dict(e: Entry, seed_free: dict | None = None) -> dict:
    return {"name": e.name, **(seed_free or e.claim)}


def _bare(st: Student) -> dict:
    """The student's submission without claims or logs: what the grader plans its reruns from."""
    entries: dict[str, list[dict]] = {"range_test": [], "run": []}
    for e in st.entries:
        entries[e.part].append(_entry_dict(e))
    setup = {"claimed_on": st.claimed_on} if st.claimed_on else {}
    return {"student": {"id": st.sid, "name": st.sid}, "setup": setup,
            **{k: v for k, v in entries.items() if v}}  # fmt: skip


def _declared(e: Entry, st: Student) -> RunConfig:
    """A refused entry's config as the student declared it (the grader plans none for it)."""
    c = dict(e.claim)
    sched = ScheduleConfig(**c.pop("schedule", {}))
    return RunConfig(**{k: v for k, v in c.items() if k in RunConfig.model_fields}, schedule=sched)


def actual_configs(st: Student, assignment) -> dict[str, tuple[RunConfig, int | None]]:
    """Entry name → the config the student ran (the grader's planned config at the student's seed, with the
    mistake injected) and the epoch it stopped at (None: its end)."""
    from grader.plan import plan
    from grader.schema import Submission

    planned = {p.name: p.config for p in plan(Submission.model_validate(_bare(st)), assignment, False)
               if p.kind in ("train", "range-test")}  # fmt: skip
    out = {}
    for e in st.entries:
        base = planned.get(e.name) if not e.refused else _declared(e, st)
        if st.claimed_on and not base.epoch_steps:  # the student's epochs are the claim data's: its LR table, its
            base = base.model_copy(update={"epoch_steps": steps_per_epoch(st.claimed_on, base.batch_size)})  # steps
        out[e.name] = (e.actual(base.model_copy(update={"seed": st.seed})), e.until)
    return out


def _sig(v: float) -> float:
    return float(f"{v:.4g}")


def write_student(st: Student, folder: Path, results: dict[str, dict]) -> None:
    """The submission folder: logs written from the student's runs, claims as the case says."""
    from pitfalls import submission_text, write_logs

    from reference.outputs import logs_from_result

    entries: dict[str, list[dict]] = {"range_test": [], "run": []}
    for e in st.entries:
        r = results[e.name]
        item = _entry_dict(e)
        logs = logs_from_result(r, e.log.get("divisor", 1.0), e.log.get("epochs"))
        if e.log.get("percent"):
            logs = replace(logs, test_accuracy=[100 * a for a in logs.test_accuracy])
        if st.fmt and e.log.get("shared"):  # one folder (TensorBoard: an event file per run) or one CSV for all
            sub, shared = f"{st.sid}.shared", folder / f"{st.sid}.shared"
            before = (shared / "logs" / "run.csv").read_text() if (shared / "logs" / "run.csv").exists() else ""
            item["logs"] = f"{sub}/{write_logs(logs, shared, st.fmt, st.one_based)}"
            if before:  # the CSV's rows of the runs written before, then this run's (its header dropped)
                now = (shared / "logs" / "run.csv").read_text()
                (shared / "logs" / "run.csv").write_text(before + now.split("\n", 1)[1])
        elif st.fmt:
            sub = f"{st.sid}.{e.name}"  # the logs' path names the student: the margins below are kept by it
            item["logs"] = f"{sub}/{write_logs(logs, folder / sub, st.fmt, st.one_based)}"
        if e.part == "range_test":
            if e.claims == "test-loss":  # read off the test loss of each epoch, as seed 000 did
                item["claimed_lr"] = _sig(RULES[e.claim.get("rule", "steepest")](*eval_curve(r)).value)
            elif e.claims != "logs" or not st.fmt:
                pick = (r.get("suggestions") or {}).get(e.claim.get("rule", "steepest"))
                item["claimed_lr"] = _sig(pick) if isinstance(pick, float) else None
        elif e.claims != "logs" or not st.fmt:
            final = {"test_accuracy": logs.test_accuracy[-1], "test_loss": logs.test_loss[-1]} if logs.epoch else {}
            if e.claims == "train-loss":
                final["test_loss"] = r["final"]["train_loss"]
            elif e.claims == "earlier-epoch" and logs.epoch:
                final = {"test_accuracy": logs.test_accuracy[0], "test_loss": logs.test_loss[0]}
            elif e.claims == "percent":
                final["test_accuracy"] = 100 * r["final"]["test_accuracy"]
            for m, v in final.items():
                if math.isfinite(v):
                    item[f"claimed_{m}"] = _sig(v)
        entries[e.part].append(item)
    folder.mkdir(parents=True, exist_ok=True)
    setup = {"claimed_on": st.claimed_on} if st.claimed_on else None
    (folder / "submission.toml").write_text(submission_text(st.sid, {k: v for k, v in entries.items() if v}, setup))


def assignment_toml() -> str:
    lines = [f"{k} = {json.dumps(v)}" for k, v in ASSIGNMENT.items()]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- grading and tallies


@dataclass
class Named:
    pitfall: str
    confidence: str
    confirmed: bool
    check: str


def grade(students: list[Student], actual: dict[str, dict[str, dict]], planned_results: dict, args):
    """Write the class, fill the grader's cache from the store, grade it in full; returns the StudentResults."""
    from grader.grade import grade_class
    from grader.runner import Cache

    cache = Cache(args.cache / "grader")
    for key, result in planned_results.items():
        if not cache.path(key).exists():
            cache.put(key, result)
    import grader.evidence

    compare = grader.evidence.compare

    def measured(logs, rerun, n_test, band=None, epochs=None, k=3.5, sweep=False, *rest, **kw):
        """The grader's compare, and how far inside its tolerance the log stays (the first call per log: the logs
        check's comparison with the rerun; later ones are counterfactuals, or compare's own second reading)."""
        if logs.source not in MARGINS:  # (held while measured: compare's own second reading calls back here)
            MARGINS[logs.source] = None
            MARGINS[logs.source] = margin(compare, logs, rerun, n_test, band, epochs, k, sweep)
        return compare(logs, rerun, n_test, band, epochs, k, sweep, *rest, **kw)

    grader.evidence.compare = measured
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "class"
        root.mkdir()
        (root / "assignment.toml").write_text(assignment_toml())
        for st in students:
            write_student(st, root / st.sid, actual[st.sid])
        result = grade_class(root, out=None, jobs=args.jobs, cache_dir=args.cache / "grader", engine="sequential",
                             device="cpu")  # fmt: skip
    return {s.id: s for s in result.students}


MARGINS: dict[str, float] = {}  # logs path → the smallest share of k at which the log would still match its rerun


def margin(compare, logs, rerun, n_test, band, epochs, k, sweep) -> float:
    """The log's farthest departure from the rerun (train loss per step, test metrics per epoch) as a share of the
    tolerance the logs check allows: the smallest margin m for which compare(margin=m) matches (bisection; < 1:
    inside)."""

    def ok(m: float) -> bool:
        cmp = compare(logs, rerun, n_test, band, epochs, k, sweep, margin=m)
        return cmp.loss is None and cmp.test is None

    lo, hi = 0.0, 1.0
    while not ok(hi):
        lo, hi = hi, hi * 2
        if hi > 1e3:
            return math.inf
    for _ in range(12):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if ok(mid) else (mid, hi)
    return hi


def named(checks, subject: str | None = None) -> list[Named]:
    return [Named(c.diagnosis["pitfall"], c.diagnosis["confidence"], c.diagnosis["confirmed"], c.check)
            for c in checks if c.diagnosis and c.diagnosis.get("pitfall")
            and (subject is None or c.subject == subject)]  # fmt: skip


def report(students: list[Student], graded: dict, args, timing: str) -> None:
    import torch

    from grader.diagnoses import PITFALLS

    print(
        f"diagnosis power: {args.cases} injected students per pitfall (student seeds 101.., the grader reruns seed "
        f"0), {args.honest} honest students (seeds 201..); mnist-5k: final runs of 3 epochs of 32 steps (30 for the "
        "committed protocol's configs: train-as-test, short-run, step-milestones, some honest students), 10-epoch "
        "sweeps; claims on MNIST made at its 469 steps an epoch; a full grade with counterfactual reruns; "
        f"lr-grader {reference.__version__}, torch {torch.__version__}"
    )
    print(
        "named right: the pitfall injected is named on a check of the injected entry; named wrong: another "
        "pitfall is named there (its confidence, h/m/l); none: only 'no known cause matched', or no check failed "
        "or warned (unflagged: nothing for a diagnosis to explain); right/flagged: named right over the cases some "
        "check flagged\n"
    )
    rows, by_variant, wrong_high, worst = [], defaultdict(lambda: [0, 0]), [], (2.0, "")
    for key in PITFALLS:
        cases = [st for st in students if st.group == key]
        if not cases:
            rows.append([key, 0, "-", "-", "-", "-"])
            continue
        right = wrong = none = unflagged = right_flagged = 0
        wrong_conf: Counter = Counter()
        confs: Counter = Counter()
        for st in cases:
            s = graded[st.sid]
            found = named(s.checks, st.target)
            failing = [c for c in s.checks if c.subject == st.target and c.status in ("fail", "warn")]
            ok = any(n.pitfall == key for n in found)
            if key == "accuracy-percent" and not failing:  # a claim (or a log) in % is read as one at load, and
                ok = any(("claimed_test_accuracy" in w and " % = " in w) or "logged as a percentage" in w  # said:
                         for w in s.warnings)  # no check fails, none to explain  # fmt: skip
            bad = [n for n in found if n.pitfall != key]
            right += ok
            right_flagged += ok and bool(failing)
            wrong += bool(bad)
            none += not found
            unflagged += not failing
            for n in found:
                if n.pitfall == key:
                    confs[n.confidence[0] + ("✓" if n.confirmed else "")] += 1
            for n in bad:
                wrong_conf[n.confidence[0]] += 1
                if n.confidence == "high":
                    wrong_high.append(f"{st.sid} ({st.variant}): {n.check} named {n.pitfall}")
            v = by_variant[(key, st.kind)]
            v[0] += ok
            v[1] += 1
            if not ok:
                why = "; ".join(f"{c.check}: {(c.diagnosis or {}).get('pitfall') or 'no cause'}" for c in failing)
                by_variant.setdefault(("miss", st.sid), [st.variant, why or "no failing check"])
        share = right / len(cases)
        if share < worst[0]:
            worst = (share, f"{key} {right}/{len(cases)}")
        rows.append(
            [
                key,
                len(cases),
                f"{right} ({share:.0%})",
                f"{wrong}" + (f" ({_c(wrong_conf)})" if wrong else ""),
                f"{none}" + (f" ({unflagged} unflagged)" if unflagged else ""),
                _c(confs),
                f"{right_flagged}/{len(cases) - unflagged}",
            ]
        )
    print("Per pitfall: injected cases")
    print(tabulate(rows, headers=["pitfall", "cases", "named right", "named wrong", "none",
                                  "confidence (✓ confirmed)", "right/flagged"]))  # fmt: skip
    vrows = [[k[0], k[1], f"{v[0]}/{v[1]}"] for k, v in sorted(by_variant.items()) if k[0] != "miss"]
    print("\nPer kind of case: named right / cases")
    print(tabulate(vrows, headers=["pitfall", "case", "named right"]))
    misses = [(k[1], v) for k, v in by_variant.items() if k[0] == "miss"]
    if misses:
        print("\nMisses (the injected pitfall not named): failing checks of the entry and what they named")
        for sid, (variant, why) in misses:
            print(f"  {sid} ({variant}): {why}")
    if wrong_high:
        print("\nWrong high-confidence causes")
        for line in wrong_high:
            print(f"  {line}")

    honest = [st for st in students if st.group == "honest"]
    entries = warned = caused = failing = 0
    lines = []
    for st in honest:
        s = graded[st.sid]
        for e in st.entries:
            entries += 1
            logs = [c for c in s.checks if c.check == "logs" and c.subject == e.name]
            if any(c.status == "warn" for c in logs):
                warned += 1
                lines.append(f"  {st.sid} {e.name} ({st.variant}): logs warned: {logs[0].message[:260]}")
            fails = [c for c in s.checks if c.subject == e.name and c.status in ("fail", "warn")
                     and c.check not in ("logs", "config")]  # fmt: skip
            failing += bool(fails)
            for c in fails:
                lines.append(f"  {st.sid} {e.name}: {c.check} {c.status}: {c.message[:200]}")
        for n in named(s.checks):
            caused += 1
            lines.append(f"  {st.sid}: {n.check} given a cause: {n.pitfall} ({n.confidence})")
    shares = [MARGINS.get(f"{st.sid}.{e.name}/" + ("logs/run" if st.fmt == "tb" else "logs/run.csv"), math.nan)
              for st in honest if not st.claimed_on for e in st.entries]  # fmt: skip
    shares = sorted(x for x in shares if math.isfinite(x))  # sorted after the NaNs go: a NaN breaks sorting
    print(
        f"\nHonest students: {len(honest)}, {entries} entries with logs (SGD constant and MultiStep, Adam, a range "
        "test; the committed 30-epoch protocol run for some, a run the config check refuses for others)"
    )
    if shares:
        q = lambda f: shares[min(len(shares) - 1, int(f * len(shares)))]  # noqa: E731
        print(
            f"their logs' farthest departure from the rerun, as a share of what the logs check allows (train loss "
            f"per step, test metrics per epoch; {len(shares)} logs of mnist-5k claims): median {q(0.5):.2f}, 90th "
            f"percentile {q(0.9):.2f}, largest {shares[-1]:.2f} (> 1 would be warned)"
        )
    print(
        tabulate(
            [
                ["entries", entries],
                ["logs check warned", f"{warned} ({warned / max(entries, 1):.1%})"],
                ["entries with another check failing or warning", failing],
                ["causes given", caused],
            ]
        )
    )
    for line in lines:
        print(line)
    print(f"\n({timing})")
    print(
        f"summary: honest logs warned on {warned}/{entries} entries ({warned / max(entries, 1):.1%}; target ≤ 1 %), "
        f"causes given to honest students {caused} (target 0); worst pitfall named right: {worst[1]} "
        f"({worst[0]:.0%}; target ≥ 95 %); wrong high-confidence causes {len(wrong_high)} (target 0)"
    )


def _c(counter: Counter) -> str:
    return " ".join(f"{k}:{v}" for k, v in sorted(counter.items()))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", type=int, default=10, help="injected students per pitfall")
    p.add_argument("--honest", type=int, default=30, help="honest students")
    p.add_argument("--only", nargs="+", help="pitfalls to inject (default: every PITFALLS key)")
    p.add_argument("--jobs", type=int, default=2, help="run processes, one torch thread each")
    p.add_argument("--cache", type=Path, default=DEFAULT_CACHE / "diagnosis-power", help="runs store, grader cache")
    args = p.parse_args()

    from grader.diagnoses import PITFALLS
    from grader.plan import plan
    from grader.runner import engine_tag, run_key
    from grader.schema import Assignment, Submission

    started = time.perf_counter()
    assignment = Assignment(**ASSIGNMENT)
    students = [st for key in (args.only or PITFALLS) for st in _cases(key, args.cases)] + _honest(args.honest)
    configs = {st.sid: actual_configs(st, assignment) for st in students}
    runs: dict[str, tuple[RunConfig, int | None]] = {}
    for cfgs in configs.values():
        for cfg, until in cfgs.values():
            runs[store_key(cfg, until)] = (cfg, until)
    tag = engine_tag("sequential", "cpu")
    planned_keys = {}
    for st in students:
        for pr in plan(Submission.model_validate(_bare(st)), assignment, False):
            k = store_key(pr.config, pr.until_epoch)
            runs[k] = (pr.config, pr.until_epoch)
            planned_keys[run_key(pr, "cpu", tag)] = k
    results = ensure(runs, args.cache / "store", args.jobs)
    ran = time.perf_counter()
    actual = {st.sid: {name: results[store_key(*c)] for name, c in configs[st.sid].items()}
              for st in students}  # fmt: skip
    graded = grade(students, actual, {g: results[k] for g, k in planned_keys.items()}, args)
    run_s = sum(r["meta"]["wall_time_s"] for r in results.values())
    timing = (
        f"{len(results)} distinct runs, {run_s:.0f} s of run time summed over runs (--jobs {args.jobs}, one "
        f"torch thread each, a shared 2-core machine); {len(students)} submissions graded in "
        f"{time.perf_counter() - ran:.0f} s (their counterfactual reruns included); "
        f"{time.perf_counter() - started:.0f} s in all"
    )
    report(students, graded, args, timing)


if __name__ == "__main__":
    main()
