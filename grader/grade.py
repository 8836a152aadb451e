"""`grade`: load → plan → run (cached) → check → render, for a class folder or one student's self-check."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import torch

import reference
from grader.checks import run_checks
from grader.context import Context, Seeds, by_seeds, load_baseline, load_baselines, reference_curve
from grader.diagnoses import Execute, explain
from grader.evidence import either_rule, read_smoothed, record
from grader.load import Ids, Loaded, discover, load_assignment, load_class
from grader.plan import Conditions, PlannedRun, plan
from grader.render import render_class
from grader.results import CheckResult, ClassResult, RunRecord, StudentResult
from grader.reviews import PENDING_FILE, apply_reviews, load_reviews, resolve
from grader.runner import Outcome, Rerunner
from grader.safe import one_line
from grader.schema import Assignment
from reference.data import require
from reference.datasets import DATASETS

DEFERRED = "deferred to the instructor's full grade: the upload grade's time budget did not fit its rerun"
DEFAULT_CACHE = Path(os.environ.get("LR_GRADER_CACHE", Path.home() / ".cache" / "lr-grader"))


def grade_class(
    root: Path,
    rerunner: Rerunner | None = None,
    *,
    out: Path | None = Path("reports"),
    quick: bool = False,
    only: list[str] | None = None,
    skip: list[str] | None = None,
    folders: list[Path] | None = None,
    rerun_all: bool = False,
    budget_s: float | None = None,
    cache_dir: Path = DEFAULT_CACHE,
    assignment_file: Path | None = None,
    ids: Ids = "folder",
    reviews: Path | None = None,
    **settings,
) -> ClassResult:
    """Grade every submission folder under `root` (or just `folders`); write reports to `out` if given. Reruns go
    through `rerunner` (how they run: device, engine, jobs, cache, …), else one made of `cache_dir` and `settings`
    (`Rerunner.of`'s: device, engine, jobs, nproc, ray, data_root, download, force, progress). A run whose exact
    config has committed reference seeds is judged against them, not rerun, unless `rerun_all`. With `budget_s` (an
    upload grade, issue 22) the reruns that fit in that many seconds run, cheapest first, and the rest are
    deferred: their checks' points pending. `assignment_file`: the assignment.toml to use instead of
    root's; `ids`: where each submission's id comes from (grader.load.Ids); `reviews`: the instructor's reviews.toml,
    whose decisions settle the pending checks they name once the checks are done (grader.reviews)."""
    started = time.perf_counter()
    assignment = load_assignment(root, assignment_file)
    decisions = load_reviews(reviews) if reviews is not None else None  # read before any rerun: a bad file stops here
    runner = rerunner or Rerunner.of(cache_dir, time_limit=assignment.time_limit_s, **settings)
    folders = folders or discover(root)
    left_out: list[tuple[str, str]] = []  # (id, folder name) of those --only / --skip leave out: their reviews kept
    loaded = load_class(folders, assignment, only, skip, ids, left_out)  # never raises: a bad folder is one line
    if decisions is not None:  # a review two students answer to, or two of one check: stop before any rerun
        resolve(decisions, [(x.id, x.label) for x in loaded] + left_out)
    plans = {x.folder: plan(x.submission, assignment, quick) if x.submission else [] for x in loaded}
    datasets = {d for x in loaded if x.submission
                for d in (x.submission.setup.dataset, Conditions.of(x.submission, assignment).claimed)}  # fmt: skip
    baselines = {d: load_baseline(d, assignment.train_epochs) for d in datasets}
    committed = {d: load_baselines(d) for d in datasets}
    seeds = {x.folder: {} if rerun_all or not x.submission else
             by_seeds(plans[x.folder], committed[x.submission.setup.dataset], x.evidence.logs)
             for x in loaded}  # fmt: skip
    todo = {x.folder: [p for p in plans[x.folder] if p.name not in seeds[x.folder] and not p.not_rerun]
            for x in loaded}  # fmt: skip
    require((p.config.dataset for ps in plans.values() for p in ps), runner.data_root, runner.download)
    keys = {(x.folder, p.name, p.kind): runner.key(p) for x in loaded for p in plans[x.folder]}
    deferred: dict[Path, set[str]] = {x.folder: set() for x in loaded}
    if budget_s is not None:
        deferred = runner.deferrals(todo, budget_s - (time.perf_counter() - started), assignment.dataset)
        todo = {f: [p for p in ps if p.name not in deferred[f]] for f, ps in todo.items()}
        runner = replace(runner, deadline=time.monotonic() + budget_s - (time.perf_counter() - started))
    outcomes = runner.run(p for ps in todo.values() for p in ps)
    if budget_s is not None:  # a run the budget ran out on is deferred, not an error of the student's
        for x in loaded:
            deferred[x.folder] |= {
                p.name
                for p in plans[x.folder]
                if p.name not in seeds[x.folder].keys() | deferred[x.folder]
                and "TimeLimitExceeded" in (outcomes[keys[x.folder, p.name, p.kind]].error or "")
            }
    students = [_guarded(x, assignment, lambda x=x: _grade_one(
        x, plans[x.folder], keys, outcomes, baselines, assignment, quick, runner.outcomes, committed, seeds[x.folder],
        deferred[x.folder], not rerun_all)) for x in loaded]  # fmt: skip
    reviewed = None
    if decisions is not None:  # the instructor's decisions on pending checks, after every check (never explained)
        students, reviewed = apply_reviews(students, decisions, left_out, out / PENDING_FILE if out else None)
    meta = {
        "package_version": reference.__version__,
        "torch_version": torch.__version__,
        "device": runner.device,
        "engine": runner.tag,
        "jobs": None if runner.ray else runner.jobs,
        "ray": runner.ray,
        "quick": quick,
        "data_root": "given" if runner.data_root else None,  # not the path: reports go to students
        "graded_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "reruns": len(outcomes),
        "judged_by_seeds": sum(len(v) for v in seeds.values()),  # runs judged against committed seeds, not rerun
        "budget_s": budget_s,
        "deferred": sum(len(v) for v in deferred.values()),  # entries the upload grade's budget left to the full one
        "cache_hits": sum(o.cached for o in outcomes.values()),
        "wall_time_s": round(time.perf_counter() - started, 2),
        "reviews": reviewed,  # {applied, warnings, unmatched} where a reviews file was given (grader.reviews)
    }
    result = ClassResult(assignment.model_dump(mode="json"), students, meta)
    if out is not None:
        if runner.progress:  # a class's reports take a minute: no silence after the last rerun (examiner probe 38)
            print(f"writing {len(students)} report(s) …", file=sys.stderr, flush=True)
        render_class(result, out)
    return result


def _guarded(x: Loaded, assignment: Assignment, grade: Callable[[], StudentResult]) -> StudentResult:
    """One student's grade, or — a grader bug on this student's files — an ERROR row that says so, and the rest of
    the class graded (examiner probe 10: one [[auto]] log took down the whole class)."""
    try:
        return grade()
    except Exception as err:  # noqa: BLE001 (any bug: the class goes on, the line names it)
        why = f"internal grader error ({type(err).__name__}: {one_line(err, 300)}): not graded, a fault of the grader's"
        return StudentResult.failed(x.id, x.label, why, assignment.points.config)


def _grade_one(x: Loaded, planned: list[PlannedRun], keys: dict[tuple, str], outcomes: dict[str, Outcome],
               baselines: dict, assignment: Assignment, quick: bool, execute: Execute, committed: dict,
               seeds: dict[str, Seeds], deferred: set[str], by_seeds: bool = True) -> StudentResult:  # fmt: skip
    """One student: the checks on their runs (`planned`; `keys`: by folder, name and kind; `outcomes`: by key), the
    likely causes of what failed, and the record of each run for the report. A run judged against committed seeds,
    or deferred, was not rerun for this student, whoever else shares its config."""
    if x.submission is None:
        return StudentResult.failed(x.id, x.label, x.error or "could not be read", assignment.points.config)
    every = [(p, Outcome(None) if p.name in seeds or p.name in deferred or p.not_rerun else
              outcomes[keys[x.folder, p.name, p.kind]]) for p in planned]  # fmt: skip
    pairs = [(p, o) for p, o in every if p.kind != "probe"]
    probes = {p.name: o for p, o in every if p.kind == "probe"}
    baseline = baselines.get(x.submission.setup.dataset)
    n_test = next((o.result["meta"]["test_size"] for _, o in pairs if o.result),
                  DATASETS[x.submission.setup.dataset].test_size)  # fmt: skip
    ev = x.evidence
    logs, smoothed = read_smoothed(ev.logs, pairs)  # a train loss logged already smoothed, read as logged (probe 26)
    pairs, readings = either_rule(pairs, seeds)  # fastai's lr_min: the minimum's LR ÷ 10, or the minimum's (probe 26)
    claim_baseline = baselines.get(Conditions.of(x.submission, assignment).claimed)
    ctx = Context(x.submission, assignment, pairs, baseline, quick, n_test, probes, logs=logs, read=ev.read,
                  claim_baseline=claim_baseline, legacy=x.legacy,
                  baselines=committed.get(x.submission.setup.dataset, []), seeds=seeds, by_seeds=by_seeds)  # fmt: skip
    checks = [defer(c) if c.subject in deferred else c for c in run_checks(ctx)]
    checks, ran = explain(ctx, checks, execute)  # likely causes of failures; never changes points
    # the report draws what the checks found: each logged run's one comparison with its rerun (ctx.comparisons)
    runs = [RunRecord(p.name, p.kind, keys[x.folder, p.name, p.kind], p.config.model_dump(mode="json"), o.result,
                      reference_curve(p, baseline, seeds.get(p.name)), o.error, o.cached,
                      record(logs.get(p.name), o.result, ctx.comparisons.get(p.name), ran.get(p.name)),
                      p.conditions, seeds[p.name].phrase if p.name in seeds else None,
                      DEFERRED if p.name in deferred else p.not_rerun, "seed" in p.claim.model_fields_set)
            for p, o in pairs]  # fmt: skip
    wall = sum(o.result["meta"]["wall_time_s"] for _, o in every if o.result)
    return StudentResult(x.submission.student.id, x.submission.student.name, x.label, checks=checks,
                         runs=runs, warnings=[*x.warnings, *ev.notes, *smoothed, *readings], execution_time=wall,
                         notes=x.submission.notes)  # fmt: skip


def defer(c: CheckResult) -> CheckResult:
    """A check on a run the upload grade's budget deferred: pending for the full grade, nothing earned or lost."""
    at_stake = c.max_points + c.pending
    return replace(
        c,
        status="skip",
        points=0.0,
        max_points=0.0,
        pending=at_stake,
        why="deferred",
        diagnosis=None,
        message=f"Not checked in this upload grade ({DEFERRED}).",
    )
