"""Plan: each submission → normalised run configs; identical runs across the class share one cache key."""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass, field

from grader.schema import Assignment, AutoClaim, Optim, RangeTestClaim, RunClaim, SetApart, Setup, Submission
from reference.config import MAX_LR, RunConfig, range_test_config, staircase_rises, step_counted
from reference.datasets import DATASETS, steps_per_epoch
from reference.loop import StepPlan
from reference.optimizers import unread_by
from reference.tolerances import CHAOS_WINDOW

RERUN_THREADS = 1  # torch threads per rerun, whatever --jobs: results then do not depend on the core count


@dataclass(frozen=True)
class PlannedRun:
    name: str  # the student's label for it
    kind: str  # "range-test" | "train" | "probe" (a training rerun's nudged twin) | "counterfactual" (diagnoses)
    config: RunConfig
    until_epoch: float | None  # quick mode: stop here (an exact prefix of the full run; a probe twin: a fraction)
    claim: RangeTestClaim | RunClaim | AutoClaim
    conditions: str | None = None  # one line: the claim's data and step schedule vs the rerun's, when they differ
    not_rerun: str | None = None  # why this grade plans it but does not rerun it (its checks say what is pending)


@dataclass(frozen=True)
class Refusals:
    """What the config check refuses, decided before any work: refused entries are never rerun."""

    setup: list[str] = field(default_factory=list)  # whole-submission problems (dataset, model): nothing is rerun
    entries: dict[str, str] = field(default_factory=dict)  # entry name → why it is not rerun
    limit: frozenset[str] = frozenset()  # refused entries the grader cannot rerun as written, and no more: not
    # the student's fault (their claims pending review)

    def refused(self, name: str) -> bool:
        return bool(self.setup) or name in self.entries

    def own(self, sub: Submission) -> dict[str, str]:
        """The entries refused for a fault of their own (not only for the setup's): the lines a summary lists."""
        return {n: why for n, why in self.entries.items() if not self.setup or n in sub._apart}


def refusals(sub: Submission, a: Assignment) -> Refusals:
    """The one admissibility rule, used by `plan` (what is rerun) and `check_config` (what is reported): the
    dataset and model, each entry's optimizer, a final run's length (train_epochs to max_epochs) and a sweep's
    (max_sweep_epochs, and max_sweep_steps counted in the claim data's steps). Cheap: only the declared numbers
    are compared, nothing is built."""
    setup = []
    if sub.setup.dataset != a.dataset:
        setup.append(f"dataset {sub.setup.dataset!r} is not the assignment's {a.dataset!r}")
    if sub.setup.model != a.model:
        setup.append(f"model {sub.setup.model!r} is not the assignment's {a.model!r}")
    entries = {name: apart.why for name, apart in sub._apart.items()}  # entries validation set apart (grader.load)
    if setup:  # nothing is rerun: every entry is refused for it (its claims not earned, as any refused entry's), and
        # the entries the file itself refuses keep their own line (else the student learns of them only next time)
        whole = f"the submission's {'; '.join(setup)}"
        return Refusals(setup, entries | {e.name: whole for e in [*sub.range_test, *sub.run, *sub.auto]
                                          if e.name not in entries})  # fmt: skip
    cond = Conditions.of(sub, a)
    per_epoch = cond.claim_epoch if cond.proxy else steps_per_epoch(sub.setup.dataset, sub.setup.batch_size)
    for item in [*sub.range_test, *sub.run, *sub.auto]:
        if why := _refused(item, a, per_epoch):
            entries[item.name] = why
    limit = set()
    for name, x in sub._apart.items():  # a schedule the grader cannot rerun does not excuse the entry's other faults
        if not x.unsupported:
            continue
        if fault := _refused_apart(x, a):
            entries[name] = f"{x.why}; and {fault}"
        else:
            limit.add(name)
    return Refusals(setup, entries, frozenset(limit))


def _refused(item: RangeTestClaim | RunClaim | AutoClaim, a: Assignment, per_epoch: int) -> str | None:
    if item.optimizer not in a.optimizers:  # a.optimizers: names of reference/optimizers.py's table
        return f"optimizer {item.optimizer!r} is not allowed (allowed: {', '.join(a.optimizers)})"
    if isinstance(item, RangeTestClaim):
        if item.steps is None and item.epochs > a.max_sweep_epochs:
            return f"a sweep of {item.epochs:,} epochs > the allowed {a.max_sweep_epochs}"
        steps = item.steps or item.epochs * per_epoch
        if steps > a.max_sweep_steps:
            return f"a sweep of {steps:,} optimizer steps > the allowed {a.max_sweep_steps:,}"
        lrs = sweep_lrs(item, steps)
        return lrs if isinstance(lrs, str) else None
    return _run_length(item.epochs, a)


def _run_length(epochs: int, a: Assignment) -> str | None:
    """Why a training run of `epochs` is refused for its length, or None."""
    if epochs > a.max_epochs:
        return f"{epochs:,} epochs > the allowed {a.max_epochs}"
    if epochs < a.train_epochs:
        return f"{epochs} epochs < the assignment's {a.train_epochs}"
    return None


def _refused_apart(x: SetApart, a: Assignment) -> str | None:
    """What `_refused` says of an entry set apart for the grader's limit, from the numbers it states: its optimizer
    and a run's length (an `epochs = 10**6` beside ReduceLROnPlateau was pending review, not refused)."""
    if x.optimizer is not None and x.optimizer not in a.optimizers:
        return f"optimizer {x.optimizer!r} is not allowed (allowed: {', '.join(a.optimizers)})"
    if x.part != "run" or x.epochs is None:
        return None
    return _run_length(x.epochs, a)


def sweep_lrs(rt: RangeTestClaim, steps: int) -> dict | str:
    """`range_test_config`'s LR arguments for sweep `rt` over its `steps` optimizer steps, or why it has none. A
    staircase's gamma or end_lr, whichever it leaves out, follows from the other and its stairs; given both, gamma
    decides, and end_lr must name the same last stair (within half a stair)."""
    if rt.shape != "staircase":
        return {"start_lr": rt.start_lr, "end_lr": rt.end_lr, "shape": rt.shape}
    rises = staircase_rises(rt.stair_steps, rt.milestones, steps)
    ups = len({m for m in rt.milestones if m <= steps - 1}) if rt.milestones else rises  # a milestone listed twice
    if ups < 2:  # is one stair up, ×gamma² (torch counts it twice); a rule picks from 3 LRs at least
        return (f"a staircase whose LR {'never grows' if not ups else 'grows only once'} within its {steps:,} steps: "
                "a rule needs 3 LRs (2 stairs up) to pick from")  # fmt: skip
    start = math.log10(rt.start_lr)
    stair = math.log10(rt.gamma) if rt.gamma else (math.log10(rt.end_lr) - start) / rises
    end = start + rises * stair  # decades, as 10**end may overflow
    if rt.gamma and rt.end_lr and abs(end - math.log10(rt.end_lr)) > stair / 2:
        return (f"end_lr {rt.end_lr:.4g} is not where this staircase ends: {rt.start_lr:.4g} × {rt.gamma:.4g}^{rises} "
                f"= {_power(end)} over its {steps:,} steps (give one of end_lr and gamma)")  # fmt: skip
    if stair > 1 or end > math.log10(MAX_LR):
        return (f"a staircase growing ×{_power(stair)} a stair to {_power(end)} (at most ×10 a "
                f"stair, to {MAX_LR:g})")  # fmt: skip
    gamma = rt.gamma or 10**stair
    return {"start_lr": rt.start_lr, "end_lr": rt.start_lr * gamma**rises, "shape": "staircase", "gamma": gamma,
            "stair_steps": rt.stair_steps, "milestones": rt.milestones}  # fmt: skip


def _power(decades: float) -> str:
    """10**decades as a message shows it, past float's range too (1e+300 was every LR beyond it)."""
    return f"{10**decades:.4g}" if decades < 300 else f"10^{decades:.0f}"


@dataclass(frozen=True)
class Conditions:
    """The data a submission's claims were made on (`claimed_on`) against the data it is rerun on."""

    rerun: str
    claimed: str
    batch_size: int

    @classmethod
    def of(cls, sub: Submission, a: Assignment) -> Conditions:
        return cls(sub.setup.dataset, sub.setup.claimed_on or a.claimed_on or sub.setup.dataset, sub.setup.batch_size)

    @property
    def proxy(self) -> bool:
        """The rerun stands in for other data: metric claims cannot be checked on it."""
        return self.claimed != self.rerun

    @property
    def claim_epoch(self) -> int:
        return steps_per_epoch(self.claimed, self.batch_size)

    def note(self, epochs: int, steps: int | None = None) -> str:
        total = steps or epochs * self.claim_epoch
        # "graded on", not "rerun on": a run judged against committed seeds (context.by_seeds) is not rerun
        return (f"claimed on {self.claimed}: {self.claim_epoch:,} steps/epoch; graded on {self.rerun} with the same "
                f"{total:,} steps")  # fmt: skip


def _shared(sub: Submission, claim: RangeTestClaim | RunClaim | AutoClaim) -> dict:
    """The run fields every entry takes from [setup] and from its optimizer fields (grader.schema.Optim); a setting
    its optimizer does not read (betas on SGD, momentum on Adam) is left at RunConfig's default, so that the rerun is
    the one torch runs — the same config as the reference's and as a file without it (examiner probe 10: SGD with
    betas was "another config" than its committed seeds, and rerun twice)."""
    fields = {**_run_fields(sub.setup, Setup), **_run_fields(claim, Optim)}
    unread = unread_by(claim.optimizer, fields)
    return {k: v for k, v in fields.items() if k not in unread}


def _run_fields(part: Setup | Optim, model: type[Setup] | type[Optim]) -> dict:
    return {f: getattr(part, f) for f in model.model_fields if f in RunConfig.model_fields}


# A sweep that states no pick and hands in no log: a quick grade judges nothing by its rerun (its claim is pending as
# not stated), and a course sweep is the costliest rerun there is (4,690 steps: a third of the first command's time)
QUICK_IDLE = ("not rerun in a quick grade: it states no pick (claimed_lr) to check — a full grade (`--full`) reruns "
              "it and shows each rule's pick")  # fmt: skip


def plan(sub: Submission, assignment: Assignment, quick: bool) -> list[PlannedRun]:
    """Range tests run in full (a sweep's pick needs the whole sweep), but a quick grade does not rerun one with no
    pick and no log to check (QUICK_IDLE); training runs stop after
    `quick_epochs` in quick mode (`quick_until`) and are compared with the reference's matching prefix. Claims made on
    other data than the rerun's (`claimed_on`) keep their optimizer-step schedule: sweeps, and training runs whose
    schedule counts steps, run epochs of the claim data's length (`RunConfig.epoch_steps`).
    Each training run has a probe twin: its first CHAOS_WINDOW steps, the steps it is compared over (a fraction of
    an epoch where epochs are longer; at most `probe_epochs` epochs), initial weights nudged by `probe_nudge`, which
    tells a run whose figures rounding alone would change (grader.checks.check_reproducible)."""
    runs, refused, cond = [], refusals(sub, assignment), Conditions.of(sub, assignment)
    for rt in sub.range_test:
        if refused.refused(rt.name):
            continue
        epoch_steps = cond.claim_epoch if cond.proxy else None
        per_epoch = epoch_steps or steps_per_epoch(sub.setup.dataset, sub.setup.batch_size)
        epochs = math.ceil(rt.steps / per_epoch) if rt.steps else rt.epochs  # `steps` overrides epochs
        # `steps` of whole epochs (320 on mnist-5k) is the sweep of that many epochs: planned as written so, its
        # committed seeds found (examiner probe 43: 17 such sweeps rerun, each judged on one rerun)
        steps = None if rt.steps and rt.steps % per_epoch == 0 else rt.steps
        lrs = sweep_lrs(rt, rt.steps or epochs * per_epoch)
        cfg = range_test_config(**lrs, epochs=epochs, steps=steps, epoch_steps=epoch_steps, **_shared(sub, rt))
        note = cond.note(rt.epochs, rt.steps) if cond.proxy else None
        idle = QUICK_IDLE if quick and rt.claimed_lr is None and not rt.logs else None
        runs.append(PlannedRun(rt.name, "range-test", cfg, None, rt, note, idle))
    for r in [*sub.run, *sub.auto]:  # [[auto]]: a training run whose schedule is "auto" / "auto-corrected"
        if refused.refused(r.name):
            continue
        faithful = cond.proxy and step_counted(r.schedule)
        cfg = RunConfig(lr=r.lr, schedule=r.schedule, epochs=r.epochs, epoch_steps=cond.claim_epoch if faithful
                        else None, **_shared(sub, r))  # fmt: skip
        note = None
        if cond.proxy:
            note = cond.note(r.epochs) if faithful else (
                f"claimed on {cond.claimed}, graded on {cond.rerun}: its schedule counts epochs, so the run "
                f"takes {r.epochs} epochs of {cond.rerun}")  # fmt: skip
        until = quick_until(cfg, assignment.quick_epochs) if quick else None
        runs.append(PlannedRun(r.name, "train", cfg, until, r, note))
        if probe := assignment.tolerances.probe_epochs:
            twin = cfg.model_copy(update={"init_nudge": assignment.tolerances.probe_nudge})
            # its window's CHAOS_WINDOW steps, the only ones compared (issue 26: a twin of a run on MNIST's
            # 469-step epochs took the whole first epoch, 7× its window), within the quick prefix and `probe_epochs`
            per_epoch = cfg.epoch_steps or steps_per_epoch(cfg.dataset, cfg.batch_size)
            twin_epochs = min(probe, until or r.epochs, CHAOS_WINDOW / per_epoch)
            runs.append(PlannedRun(r.name, "probe", twin, twin_epochs, r, note))
    return runs


def quick_until(cfg: RunConfig, quick_epochs: int) -> int | None:
    """The epochs a quick grade reruns of a training run: `quick_epochs` of its data, or, where the run keeps the
    claim data's longer epochs (`epoch_steps`: 469 steps of MNIST on mnist-5k's 40), as many of those as the steps
    of `quick_epochs` data epochs take, at least one — the same quick look at any run, not 35 epochs' worth. None
    where that is the whole run: then the quick rerun is the full rerun, and its claims are checked."""
    data_epoch = steps_per_epoch(cfg.dataset, cfg.batch_size)
    epochs = math.ceil(quick_epochs * data_epoch / cfg.epoch_steps) if cfg.epoch_steps else quick_epochs
    return max(1, epochs) if epochs < cfg.epochs else None


def steps(p: PlannedRun) -> int:
    """Optimizer steps `p` takes, as the loop will plan them (a sweep counted in full: where it diverges is not
    known before it runs); an [[auto]] run's trial forward passes counted as a third of a step each."""
    plan = StepPlan.of(p.config, DATASETS[p.config.dataset].train_size, p.until_epoch)
    return math.ceil(plan.stop * (1 + len(p.config.schedule.factors or ()) / 3))


def fit_budget(entries: dict[Hashable, list[PlannedRun]], seconds: float, step_s: float, run_s: float = 0.0,
               ) -> set[Hashable]:  # fmt: skip
    """The entries that do not fit in `seconds` at `step_s` a step and `run_s` a run besides (an upload grade's time
    budget, issue 22), taking them cheapest first: each entry is one student's run with its probe twin, the rest
    deferred to the instructor's full grade."""
    cost = {k: sum(map(steps, runs)) * step_s + len(runs) * run_s for k, runs in entries.items()}
    deferred, spent = set(), 0.0
    for k in sorted(cost, key=cost.__getitem__):
        if spent + cost[k] <= seconds:
            spent += cost[k]
        else:
            deferred.add(k)
    return deferred


def counterfactual(p: PlannedRun, config: RunConfig) -> PlannedRun:
    """A rerun of `p` with a suspected mistake injected (grader.diagnoses): kind "counterfactual", same length,
    cached like any rerun. Planned only where a diagnosis asks for one."""
    return PlannedRun(p.name, "counterfactual", config, p.until_epoch, p.claim)
