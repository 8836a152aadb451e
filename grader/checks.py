"""Check: one table of checks; each turns a submission, its reruns and the baseline into verdicts with reasons."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

from grader.aliases import STEP
from grader.context import (
    MIN_SEEDS,
    OWN_ALGORITHM,
    Context,
    Reference,
    Seeds,
    baseline_entry,
    choices_only,
    differences,
    kin,
    length_free,
    lr_of,
    lr_only,
    same_config,
    seed_reference,
    sweep_reference,
)
from grader.diagnoses import evaluation_grid_miss
from grader.evidence import (
    SOONER_MAX,
    TEST_SOONER_MAX,
    Scope,
    check_logs,
    comparison,
    ends_early,
    eval_lrs,
    half_unit,
    lr_against_log,
    lr_ratio,
    lrs_text,
    metric_against_log,
    plausible,
    pool,
    printed,
    printed_decades,
)
from grader.logs import Mixed
from grader.plan import PlannedRun, refusals
from grader.results import CheckResult, Value
from grader.rubric import FINAL_METRIC_CHECKS, RUBRIC
from grader.runner import Outcome
from grader.schema import ENTRIES, RangeTestClaim, Submission
from reference.config import SWEEPS, RunConfig
from reference.datasets import DATASETS, steps_per_epoch
from reference.optim import lr_table
from reference.outputs import Logs
from reference.rules import RULES, eval_curve, lowest_at_edge
from reference.tolerances import (
    FALSE_FAIL_TARGET,
    TOLERANCES,
    Z_DETECT,
    Derived,
    baseline_tolerance,
    decades,
    lr_claim_tolerance,
    lr_sigma,
    metric_claim_tolerance,
    pooled_lr_sigma,
    pooled_rel_sigma,
    seeds_factor,
    sigma,
    sigma_upper,
)


def banded(distance: float, tol: float, band: float, max_points: float) -> tuple[str, float]:
    """Full points inside the tolerance, then linearly less down to 0 at band × tolerance."""
    if distance <= tol:
        return "pass", max_points
    if band > 1 and distance < band * tol:
        return "warn", round(max_points * (band * tol - distance) / ((band - 1) * tol), 2)
    return "fail", 0.0


def _rerun_failed(check: str, p: PlannedRun, o: Outcome, pts: float, claimed: Value = None,
                  ) -> CheckResult | None:  # fmt: skip
    if o.error:
        return _error(check, p, o, pts, claimed)
    # a sweep ends by diverging (its picks come from the curve, not evaluations); a training run must not
    if p.kind == "train" and o.result is not None and o.result["diverged"] and not o.result["final"]:
        reason = o.result["diverged"]["reason"]
        return CheckResult(check, p.name, "fail", f"The rerun diverged before its first evaluation: {reason}.",
                           claimed=claimed, max_points=pts)  # fmt: skip
    if o.result is None or (p.kind == "train" and not o.result["final"]):
        return CheckResult(check, p.name, "error", "The rerun produced no metrics.", claimed=claimed, max_points=pts)
    return None


def _error(check: str, p: PlannedRun, o: Outcome, pts: float, claimed: Value) -> CheckResult:
    """A rerun that failed. One stopped by the time limit is no evidence about the submission — how long a rerun
    takes depends on the machine and what else runs on it (examiner probe 12: 22 points lost at time_limit_s = 1, where
    an upload grade defers the same run): its points are pending, not lost."""
    if (o.error or "").startswith("TimeLimitExceeded"):
        return CheckResult(check, p.name, "skip", f"Not checked: the rerun stopped at the time limit ({o.error}); its "
                           "points are pending — a grade with a larger time_limit_s (assignment.toml), or on a faster "
                           "or less busy machine, checks it.", claimed=claimed, pending=pts, why="timeout")  # fmt: skip
    return CheckResult(check, p.name, "error", f"The rerun failed: {o.error}.", claimed=claimed, max_points=pts)


# a diverged network predicts one class: its accuracy is that class's share of a 10-class test set (MNIST 8.9–11.4 %)
CHANCE = (0.08, 0.12)
# what an error's "minimum detectable" size means: computed from a normal model of the seed spread, not counted
# (examiner probe 42); benchmarks/grading_power.py measures planted errors end to end
DETECTS = (
    "is flagged 95 % of the time (a normal model of the seeds' spread); a smaller one cannot be told from seed noise."
)


def at_chance(accuracy: float) -> bool:
    """An accuracy a diverged network scores (CHANCE, widened by the figure's printed digits)."""
    return CHANCE[0] - half_unit(accuracy) <= accuracy <= CHANCE[1] + half_unit(accuracy)


# What a run that diverged reports, and when a diverged rerun speaks for every seed (benchmarks/high_lr.py: SGD 0.3–2
# and Adam 0.01–0.1, 12 seeds each on mnist-5k). The last evaluation of a diverged run — the figures a student whose
# run blew up reports — scored 0.10–0.46 in accuracy and a test loss of 6.7–56 (30 runs): none a trained network's
# (examiner probe 36: an honest 0.194 / 36.9 beside a diverged rerun was "the figures of a trained network", FAIL).
TRAINED_ACCURACY = 0.5  # an accuracy at or above it is a trained network's
TRAINED_LOSS = math.log(10)  # a test loss below a uniform guess's over 10 classes (as CHANCE) is a trained network's
# A constant-LR rerun that diverged within this many optimizer steps diverged at every other seed of its config (0 of
# 264 pairs); one that diverged later did not at 4.0 % of them (11 of 275: SGD 0.7, where 1 seed of 12 diverged, at
# step 943). Only a constant LR was measured: where the schedule lowers the LR, a seed that survives its high start
# trains on (examiner probe 37: MultiStepLR from 1.0, 2 of 6 seeds diverged by step 25 and 2 trained to 0.71–0.86).
EARLY_DIVERGENCE = 160


def _trained_words(metric: str) -> str:
    """What `trained` says of a figure, in words no stronger than its measurement."""
    what = f"at least {TRAINED_ACCURACY:g}" if metric == "test_accuracy" else f"below ln 10 = {TRAINED_LOSS:.3g}"
    return f"{what}, which no diverged constant-LR run measured reported"


def trained(metric: str, value: float) -> bool:
    """A claimed final figure no diverged run reports (TRAINED_ACCURACY, TRAINED_LOSS)."""
    return value >= TRAINED_ACCURACY if metric == "test_accuracy" else value < TRAINED_LOSS


def diverged_early(result: dict | None, cfg: RunConfig) -> bool:
    """The rerun of a constant LR diverged within EARLY_DIVERGENCE steps: every seed of its config does, as far as
    measured."""
    return bool(result and result["diverged"] and result["diverged"]["step"] < EARLY_DIVERGENCE
                and cfg.schedule.name == "constant")  # fmt: skip


# ---------------------------------------------------------------- the checks


SECTION_CHECKS = {  # the checks one entry of a section carries points on
    "range_test": ("lr_claim",),
    "run": ("accuracy_claim", "loss_claim", "baseline"),
    "auto": ("accuracy_claim", "loss_claim"),  # no reference judges an [[auto]] run's baseline (_baseline_one)
}


def check_config(ctx: Context, pts: float) -> list[CheckResult]:
    """The submission within the assignment's space (grader.plan.refusals); a refused entry fails here, one line
    each, and is never rerun — the rest of the submission is graded."""
    a, s = ctx.assignment, ctx.sub
    refused = refusals(s, a)
    limit = refused.limit  # the grader's limit, not the student's fault
    out = [CheckResult("config", name, "fail", f"Not rerun: {why}.") if name not in limit else
           CheckResult("config", name, "skip", f"Not rerun: {why} — an entry the grader cannot rerun as written (a "
                       "limit of the grader's, not a fault): its claims are pending review.")
           for name, why in refused.entries.items()]  # fmt: skip
    problems = list(refused.setup)
    if refused.setup:
        problems.append("nothing is rerun")
    problems += [f"{name}: {why}" for name, why in refused.own(s).items() if name not in limit]
    # a required section none of whose entries the check accepts is not handed in; the figures a refused entry of
    # another section claims are lost one by one (_refused_claims)
    parts = {**{e.name: part for part in SECTION_CHECKS for e in getattr(s, part)},
             **{name: x.part for name, x in s._apart.items()}}  # fmt: skip
    handed = set(parts.values())  # sections with an entry, accepted or refused
    accepted = {parts[name] for name in parts if name not in refused.entries or name in limit}
    missing = [part for part in a.required if part not in accepted]
    stands = _standing(s, refused.entries, a.baseline_runs)
    out += [r for name, why in refused.entries.items() if parts[name] not in missing
            for r in _refused_claims(ctx, name, why, stands.get(name), name in limit)]  # fmt: skip
    n = f"{len(s.range_test)} range test(s) and {len(s.run) + len(s.auto)} training run(s)"
    # a required section left out loses what one of its entries would carry: work not handed in is not free; but a
    # course config.py holds one config, so the section it cannot hold is handed in apart: pending, not lost
    sections = [_section_left_out(part, check, getattr(a.points, check), n, ctx.legacy, part in handed)
                for part in missing for check in SECTION_CHECKS[part] if getattr(a.points, check)]  # fmt: skip
    held, lost = "", [part for part in missing if not ctx.legacy or part in handed]
    if pending := [part for part in missing if part not in lost]:
        held = f" (a course config.py: the {', '.join(f'[[{p}]]' for p in pending)} it cannot hold pending)"
    if lost:
        how = " (a submission.toml holds sweeps and runs together, a legacy config.py one of them: docs/submission.md)"
        problems += [(f"no [[{part}]] entry the check accepts" if part in handed else
                      f"no [[{part}]] section") + ": the assignment requires one" + how * (part == lost[-1])
                     for part in lost]  # fmt: skip
    if problems:  # the config line first: it says what is wrong; the points lost (or pending) for it follow
        return [*out, CheckResult("config", "submission", "fail", "; ".join(problems) + ".", max_points=pts),
                *sections]  # fmt: skip
    return [*out, CheckResult("config", "submission", "pass", f"Valid: {n} within the assignment{held}.",
                              points=pts, max_points=pts), *sections]  # fmt: skip


OWED = {"claimed_lr": "lr_claim", "claimed_test_accuracy": "accuracy_claim", "claimed_test_loss": "loss_claim"}
FIELD = {check: field for field, check in OWED.items()}


def _refused_claims(ctx: Context, name: str, why: str, stands: str | None = None, limit: bool = False,
                    ) -> list[CheckResult]:  # fmt: skip
    """What a refused entry would have carried is not earned: the figures it claims (however it spells them), and —
    where it `stands` (why its baseline carries points, `_standing`: marked role = "final", or its optimizer's run
    where no accepted [[run]] of that optimizer is) — its final figures and its baseline, as a valid run's are owed.
    Dropped from the total instead, an entry made unreadable cost less than a claim that fails (examiner probe 20). A
    figure the student left to the entry's logs was not claimed: nothing is charged for it. `limit`: refused only as
    a schedule the grader cannot rerun as written (grader.plan.Refusals.limit), its claims pending review."""
    if apart := ctx.sub._apart.get(name):
        stated = apart.claims
    else:
        entry = next(e for part in ENTRIES for e in getattr(ctx.sub, part) if e.name == name)
        stated = tuple(f for f in OWED if getattr(entry, f, None) is not None and (name, f) not in ctx.read)
    claimed = [OWED[f] for f in stated]
    out = []
    for check in dict.fromkeys([*claimed, *(("accuracy_claim", "loss_claim", "baseline") if stands else ())]):
        if pts := getattr(ctx.assignment.points, check):
            alone = f"its {check.replace('_', ' ')} points ({stands})"
            what = "its claim" if check in claimed else alone
            if limit:  # the grader's limit: pending review, neither earned nor lost
                out.append(CheckResult(check, name, "skip", f"Not checked: the grader cannot rerun this entry as "
                                       f"written ({why}); {what} pending review.", pending=pts,
                                       why="unsupported"))  # fmt: skip
                continue
            out.append(CheckResult(check, name, "fail", f"Not checked: the config check refuses this entry ({why}); "
                                   f"{what} not earned — fix the entry and grade again.", max_points=pts))  # fmt: skip
    return out


def _standing(s: Submission, refused: dict[str, str], policy: str = "best") -> dict[str, str]:
    """The refused [[run]]s whose baseline carries points, each with why: every one marked role = "final" (a refused
    final run is still the one the student stands by: its points go with it, never to a control — examiner probe
    43, M4), and, for an optimizer none of whose runs is accepted or marked final, one of its own: not a control
    where another is refused, one that states its figures first, then by name — not the order they are written in
    (probe 43, L2). `policy`: assignment.toml's baseline_runs — "final": the runs marked final only (examiner probe 44:
    an unmarked refused run was charged a baseline its valid twin owes nothing); "all": every run not a control."""
    accepted, runs = {r.optimizer for r in s.run if r.name not in refused}, _refused_runs(s, refused)
    stands = {name: "marked role = 'final': the run this check judges" for name, _, role, _ in runs if role == "final"}
    if policy != "best":
        stands |= {name: "baseline_runs = 'all': every run but a control is judged" for name, _, role, _ in runs
                   if policy == "all" and role != "control"}  # fmt: skip
        return stands
    marked = {optimizer for name, optimizer, _, _ in runs if name in stands}
    for optimizer in {optimizer for _, optimizer, _, _ in runs if optimizer} - accepted - marked:
        own = [run for run in runs if run[1] == optimizer]
        name = min(own, key=lambda run: (run[2] == "control", not run[3], run[0]))[0]
        stands[name] = "its optimizer's only run: the one this check would judge"
    return stands


def _refused_runs(s: Submission, refused: dict[str, str]) -> list[tuple[str, str | None, str | None, bool]]:
    """The refused [[run]]s, valid or set apart: (name, optimizer, role, whether it states a final figure)."""
    valid = [(r.name, r.optimizer, r.role, r.claimed_test_accuracy is not None or r.claimed_test_loss is not None)
             for r in s.run if r.name in refused]  # fmt: skip
    return valid + [(name, x.optimizer, x.role, bool(x.claims)) for name, x in s._apart.items() if x.part == "run"]


def _section_left_out(part: str, check: str, pts: float, held: str, legacy: bool, refused: bool = False,
                      ) -> CheckResult:  # fmt: skip
    """One entry's worth of `check` for a required [[part]] the submission lacks: lost (a submission.toml), or pending
    (a course config.py, which holds one config — `held` — and cannot hold it)."""
    what = f"one entry's {check.replace('_', ' ')} points"
    if legacy and not refused:
        return CheckResult(check, f"[[{part}]]", "skip", f"Not in this config.py: a course config.py holds one config "
                           f"({held}), and the assignment also requires a [[{part}]] section; {what} are pending until "
                           "the submission holds every sweep and run (a submission.toml: docs/submission.md) or the "
                           "instructor reviews its other configs by hand.", pending=pts, why="legacy")  # fmt: skip
    if refused:  # handed in, and refused: one line each in the config check
        return CheckResult(check, f"[[{part}]]", "fail", f"Missing: the config check refuses every [[{part}]] entry, "
                           f"and the assignment requires one; {what} are lost.", max_points=pts)  # fmt: skip
    return CheckResult(check, f"[[{part}]]", "fail", f"Missing: no [[{part}]] section, which the assignment requires; "
                       f"{what} are lost.", max_points=pts)  # fmt: skip


def check_lr_claims(ctx: Context, pts: float) -> list[CheckResult]:
    out = []
    for p, o in ctx.of_kind("range-test"):
        claim = p.claim
        if claim.claimed_lr is None:  # a sweep without a pick: nothing to check, and nothing earned for it yet
            if pts:  # a check worth nothing asks for nothing
                out.append(_unstated("lr_claim", p.name, "the LR its rule picks (claimed_lr)", pts))
            continue
        if batch := _other_batch("lr_claim", ctx, p, pts, claim.claimed_lr):
            out.append(batch)
            continue
        if seeds := ctx.seeds.get(p.name):
            out.append(_lr_against_seeds(ctx, p, seeds, pts))
            continue
        said = list(claim.claimed_lr) if isinstance(claim.claimed_lr, tuple) else claim.claimed_lr
        if failed := _rerun_failed("lr_claim", p, o, pts, said):  # a claim the rerun could not check is still made
            out.append(failed)
            continue
        if own := _own_log("lr_claim", ctx, p, pts, claim.claimed_lr, lambda logs, c=claim, cfg=p.config:
                           lr_against_log(c, logs, eval_lrs(cfg) if c.curve == "test" else None)):  # fmt: skip
            out.append(_between_evaluations(p, own, pts))
            continue
        if claim.curve == "test":
            out.append(_lr_on_test_loss(ctx, p, o, pts))
            continue
        rerun = o.result["suggestions"].get(claim.rule)
        if rerun is None:
            out.append(CheckResult("lr_claim", p.name, "error", "The rerun's curve was too short to apply the rule "
                                   f"{claim.rule!r} (it diverged at once).", max_points=pts))  # fmt: skip
            continue
        figure, claimed, expected, dist = _lr_distance(claim.claimed_lr, rerun)
        figures = {"claimed": figure, "rerun": _one(expected)}
        tol, origin = lr_tolerance_for(ctx.protocols, p.config, claim.rule,
                                       o.result, ctx.tol)  # fmt: skip
        how = "k·√2·σ of the rule's reference picks"
        if SWEEPS.get(p.config.schedule.name) == "staircase":  # whole stairs (lr_tolerance_for), and the digits
            tol += printed_decades(claimed)
            how += ", rounded up to whole stairs, and the claim's printed digits"
        status, points = banded(dist, tol, ctx.tol.partial_band, pts)
        at_stake, pending = pts, 0.0
        fmt = lrs_text
        msg = (f"Rule {claim.rule!r} on the rerun's curve picks {fmt(expected)}; the claim {fmt(claimed)} is "
               f"{dist:.2f} decades away (allowed {tol:.2f}: {how}).")  # fmt: skip
        found = sweep_reference(ctx.protocols, p.config)
        ref, n_ref = _reference_pick(found[0] if found and found[2] else None, claim.rule)  # this very sweep's only
        low = lowest_at_edge(o.result) if claim.rule in ("min", "min/10", "range") else None
        if low is not None and status == "pass":  # borne out: the claim is the rule applied where the curve is lowest
            msg += (f" The rerun's lowest point lies at the sweep's edge ({_edge(o.result, low)}), not at a minimum: "
                    "the claim applies the rule to it as the rerun does.")  # fmt: skip
        elif low is not None:  # missed: where an edge pick lands is no evidence against the claim
            status, points, at_stake, pending = "skip", 0.0, 0.0, pts
            msg = (
                f"Unconfirmed, flagged for review (its points pending): the rerun's lowest point lies at the sweep's "
                f"edge ({_edge(o.result, low)}), so rule {claim.rule!r} has no minimum to find on it"
                + (f" — {ctx.cond.rerun}'s images are seen again and again and memorised" if ctx.cond.proxy else "")
                + f". The rerun's lowest point picks {fmt(expected)}; the claim is {fmt(claimed)}."
            )
        elif ctx.cond.proxy and dist > tol:  # a sweep on other data may stray by up to proxy_lr_decades
            status, points, at_stake, pending, msg = _proxy_lr(ctx, dist, tol, msg, pts)
        elif (
            status != "pass"
            and dist <= (review := borrowed_review(claim.rule))[0] * tol
            and SWEEPS.get(p.config.schedule.name) != "staircase"
            and n_ref < MIN_SEEDS
        ):  # this very sweep's seeds do not measure σ (lr_tolerance_for)
            status, points, at_stake, pending = "skip", 0.0, 0.0, pts
            msg = (f"Unconfirmed, flagged for review (its points pending): {msg[0].lower()}{msg[1:-2]}) — but no "
                   f"{MIN_SEEDS} committed seeds of this very sweep measure that σ (it is borrowed from other sweeps), "
                   f"and honest picks of sweeps unlike them stray further (rule {claim.rule!r}: up to {review[1]:g}× "
                   f"the tolerance, benchmarks/borrowed_sigma.py); beyond {review[0]:g}× the tolerance a miss is "
                   "judged.")  # fmt: skip
        if low is None and not ctx.cond.proxy and not pending:  # what it can tell apart, as the seeds' path says
            # (examiner probe 40); tol = k·√2·σ, or more where floored, so this is the most it takes
            mde = tol * (1 + Z_DETECT / ctx.tol.k_lr)
            msg += f" Only a pick ≥ {mde:.2f} decades (×{10**mde:.1f}) off {DETECTS}"
        if ref is not None:  # the reference column's figure, said (probe 7: shown, never explained)
            picks = lrs_text(ref if isinstance(ref, list) else [ref])
            msg += f" For comparison, {n_ref} committed seeds of this very sweep pick {picks} on average."
        out.append(CheckResult("lr_claim", p.name, status, msg, **figures, reference=ref, tolerance=round(tol, 3),
                               distance=round(dist, 3), unit="decades", origin=origin, points=points,
                               max_points=at_stake, pending=pending,
                               why=(f"data:{ctx.cond.claimed}" if ctx.cond.proxy else "review") if pending else None,
                               ))  # fmt: skip
    return [_unwritten(ctx, "claimed_lr", r) for r in out]


# An LR claim on a sweep whose own committed seeds (≥ MIN_SEEDS) do not measure the rule's σ is judged with a σ
# borrowed from other sweeps, and honest picks of sweeps unlike those stray further: within this many times the
# tolerance a miss is pending review, beyond it judged. Measured by benchmarks/borrowed_sigma.py (64-, 100- and
# 200-step mnist-5k sweeps of SGD, Adam and AdamW, seeds 0 and 401..420, and full-size Fashion-MNIST's 3-seed sweeps
# at 13 seeds: 23,340 ordered honest pairs): honest distance / tolerance reaches 1.93 for min, min/10, steepest and
# range, 3.41 for valley (on 64-step sweeps; 4.8 % of adamw-64's valley pairs lie past 2.5). A staircase's tolerance
# is whole stairs already, measured on borrowed σ: 0 of 480 honest claims docked (benchmarks/staircase_power.py)
# rule → (the ratio within which a miss is pending review, the farthest honest distance / tolerance measured)
BORROWED_REVIEW = {"valley": (3.5, 3.41), "*": (2.5, 1.93)}


def borrowed_review(rule: str) -> tuple[float, float]:
    return BORROWED_REVIEW.get(rule, BORROWED_REVIEW["*"])


# The rules whose picks on the test loss of honest seeds land within two evaluations of each other, on exponential
# and staircase sweeps (benchmarks/test_curve_picks.py); valley's stray to three, range's low end further still
TEST_LOSS_RULES = ("min", "min/10", "steepest")


@dataclass(frozen=True)
class LossPick:
    """A claim picked on the test loss against the rule on a test-loss curve (`judge_on_test_loss`)."""

    status: str  # pass | review (1–2 evaluations off) | warn | fail | edge (lowest at the last) | short (< 3 points)
    # | unmeasured (a rule whose picks on the test loss stray further: TEST_LOSS_RULES)
    pick: float | list[float] | None = None
    distance: float = 0.0  # decades
    step: float = 0.0  # one evaluation's LR step, decades
    tol: float = 0.0  # what passes: one step and the claim's printed digits
    share: float = 0.0  # of the points, where banded (beyond two steps)


def judge_on_test_loss(claimed_lr, lrs: list[float], losses: list[float], rule: str, band: float,
                       diverged: bool) -> LossPick:  # fmt: skip
    """A pick on the test loss moves by whole evaluations from seed to seed: within one evaluation's LR step (and
    the claim's printed digits) it passes; one to two steps off is seed noise as often as not, pending review
    (benchmarks/test_curve_picks.py: how often honest pairs land there); beyond two steps it is banded as any claim,
    from two steps. A min-based rule whose curve is lowest at its last point (not diverged) finds no minimum there."""
    if len(lrs) < 3:
        return LossPick("short")
    pick = RULES[rule](lrs, losses).value
    if rule not in TEST_LOSS_RULES:
        return LossPick("unmeasured", pick)
    _, claimed, _, dist = _lr_distance(claimed_lr, pick)
    step = _resolution(lrs)
    tol = step + printed_decades(claimed) + 1e-9
    if dist <= tol:
        return LossPick("pass", pick, dist, step, tol, 1.0)
    if rule in ("min", "min/10", "range") and min(range(len(losses)), key=losses.__getitem__) == len(losses) - 1 \
            and not diverged:  # fmt: skip
        return LossPick("edge", pick, dist, step, tol)
    if dist <= tol + step:
        return LossPick("review", pick, dist, step, tol)
    status, share = banded(dist, tol + step, band, 1.0)
    return LossPick(status, pick, dist, step, tol, share)


def _grid_slack(cfg: RunConfig, claimed_lr: float | tuple[float, ...]) -> float:
    """How far, in decades, a pick on the test loss may lie from an LR the sweep evaluates at: one step of the sweep's
    LR (an epoch's test loss paired with the LR of its first step, or of the step after it: `get_last_lr()` after
    `scheduler.step()`) and the claim's printed digits. Samples the sweep's whole LR table: only where it is needed."""
    table = lr_table(cfg, cfg.epoch_steps or steps_per_epoch(cfg.dataset, cfg.batch_size))
    claimed = list(claimed_lr) if isinstance(claimed_lr, tuple) else [claimed_lr]
    return _resolution(table) + printed_decades(claimed) + 1e-9


def _between_evaluations(p: PlannedRun, own: CheckResult, pts: float) -> CheckResult:
    """A written claim picked on the test loss (`curve = "test"`) that its own log's test loss passes within one
    evaluation's LR step: the rule on that curve picks one of the LRs the sweep evaluates at (or a fixed multiple of
    them, min/10), so a claim between them — beyond one sweep step and its printed digits of any such pick, one
    evaluation either way (`evaluation_grid_miss`) — is no pick on that log (examiner probe 40: an LR ×2 of the train
    loss's pick, restated on the test loss, passed at 0.21 decades of the log's pick, 0.60 allowed). Pending review,
    not failed: an epoch's test loss paired with an LR inside the epoch (its mean) would land there."""
    claim = p.claim
    if claim.curve != "test" or own.status != "pass" or own.read or own.logged is None:
        return own
    grid = [lr for _, lr in sorted(eval_lrs(p.config).items())]
    miss = evaluation_grid_miss(claim.claimed_lr, own.logged, grid)
    if miss is None or miss <= (slack := _grid_slack(p.config, claim.claimed_lr)):
        return own
    claimed = list(claim.claimed_lr) if isinstance(claim.claimed_lr, tuple) else [claim.claimed_lr]
    message = (
        f"Unconfirmed, flagged for review (its points pending): the claim {lrs_text(claimed)} lies between the LRs "
        f"your log's test loss was evaluated at, {miss:.3f} decades from the nearest LR rule {claim.rule!r} can pick "
        f"on that curve (the log's pick {lrs_text(own.logged)}, or one evaluation either way; allowed {slack:.3f}: "
        "one step of the sweep's LR and the claim's printed digits) — a rule applied to a test-loss curve picks at "
        "the LRs it was evaluated at, so this is not the rule's pick on your log; within one evaluation's LR step of "
        "it, an epoch's test loss paired with an LR inside the epoch could give it, so it is not judged wrong either. "
        + own.message
    )
    return replace(own, status="skip", message=message, points=0.0, max_points=0.0, pending=pts, why="review")


def _lr_on_test_loss(ctx: Context, p: PlannedRun, o: Outcome, pts: float) -> CheckResult:
    """An LR picked on the test loss (`curve = "test"`, seed 000's method), without the student's log: the rule on the
    rerun's test loss of each evaluation (once an epoch), judged by `judge_on_test_loss`."""
    claim, rule = p.claim, p.claim.rule
    lrs, losses = eval_curve(o.result)
    v = judge_on_test_loss(claim.claimed_lr, lrs, losses, rule, ctx.tol.partial_band, bool(o.result.get("diverged")))
    figure = list(claim.claimed_lr) if isinstance(claim.claimed_lr, tuple) else claim.claimed_lr
    fmt, said = lrs_text, lrs_text(figure if isinstance(figure, list) else [figure])
    why = f"data:{ctx.cond.claimed}" if ctx.cond.proxy else "review"
    if v.status == "short":
        data = f" (on {ctx.cond.rerun}: the claim's {ctx.cond.claimed} may train on further)" if ctx.cond.proxy else ""
        return CheckResult("lr_claim", p.name, "skip", f"Unconfirmed, flagged for review (its points pending): the "
                           f"rerun's sweep stopped (its loss diverged) after {len(lrs)} evaluation(s) of the test "
                           f"loss{data}, too few for rule {rule!r} to pick from (3 needed); hand in the sweep's log to "
                           f"have the claim {said} checked against it.", claimed=figure, pending=pts,
                           why=why)  # fmt: skip
    expected = v.pick if isinstance(v.pick, list) else [v.pick]
    miss = evaluation_grid_miss(claim.claimed_lr, v.pick, lrs) if v.status == "pass" and not ctx.cond.proxy else None
    slack = _grid_slack(p.config, claim.claimed_lr) if miss is not None else 0.0
    between = miss is not None and miss > slack  # no pick on any seed's test-loss curve
    head = (f"Rule {rule!r} on the rerun's test loss ({len(lrs)} evaluations, once an epoch, {v.step:.2f} decades of "
            f"LR apart) picks {fmt(expected)}; the claim {said} is {v.distance:.2f} decades away")  # fmt: skip
    status, points, at_stake, pending = {
        "pass": ("pass", pts, pts, 0.0),
        "warn": ("warn", round(v.share * pts, 2), pts, 0.0),
        "fail": ("fail", 0.0, pts, 0.0),
    }.get(v.status, ("skip", 0.0, 0.0, pts))
    if v.status == "unmeasured":
        msg = (
            f"Unconfirmed, flagged for review (its points pending): rule {rule!r} on the rerun's test loss picks "
            f"{fmt(expected)}, the claim is {said}; but its picks on the test loss of honest seeds stray by up to "
            f"three evaluations (benchmarks/test_curve_picks.py: only {', '.join(TEST_LOSS_RULES)} hold within "
            "two), so no rerun can judge it — hand in the sweep's log to have it checked against your own."
        )
    elif v.status == "edge":
        msg = (f"Unconfirmed, flagged for review (its points pending): the rerun's test loss is lowest at its last "
               f"evaluation (LR {lrs[-1]:.4g}), the sweep's edge, so rule {rule!r} has no minimum to find on it. "
               f"It picks {fmt(expected)} there; the claim is {said}.")  # fmt: skip
    elif between:  # within one evaluation's step, but no pick on a test-loss curve at all (probe 40, F1)
        status, points, at_stake, pending = "skip", 0.0, 0.0, pts
        msg = (f"Unconfirmed, flagged for review (its points pending): {head}, within one evaluation's LR step, but "
               f"{miss:.3f} decades from the nearest LR the rule can pick on a test-loss curve evaluated at this "
               f"sweep's LRs (that pick, or one evaluation either way; allowed {slack:.3f}: one step of the sweep's LR "
               "and the claim's printed digits) — a rule applied to a test-loss curve picks at the LRs it was "
               "evaluated at, so this claim lies between any seed's picks; an epoch's test loss paired with an LR "
               "inside the epoch could give it, so it is not judged wrong either. Hand in the sweep's log to have it "
               "checked against your own.")  # fmt: skip
    elif v.status == "review":
        msg = (f"Unconfirmed, flagged for review (its points pending): {head} — more than one evaluation's LR step, "
               "within two: honest picks on the test loss land that far apart from seed to seed "
               "(benchmarks/test_curve_picks.py), so no rerun can tell this from a wrong pick.")  # fmt: skip
    else:
        msg = (f"{head} (allowed {v.tol:.2f}: one evaluation's LR step and the claim's printed digits — a pick on the "
               "test loss moves by whole evaluations from seed to seed; beyond two steps it fails).")  # fmt: skip
        if ctx.cond.proxy and v.status != "pass":
            status, points, at_stake, pending, msg = _proxy_lr(ctx, v.distance, v.tol, msg, pts)
    origin = (
        f"one evaluation's LR step, {v.step:.3f} decades, and the claim's printed digits; one to two steps off "
        "pending review (benchmarks/test_curve_picks.py: how often honest seeds' picks land there)"
    )
    return CheckResult("lr_claim", p.name, status, msg, claimed=figure, rerun=_one(expected),
                       tolerance=round(v.tol, 3) if v.tol else None, distance=round(v.distance, 3) if v.tol else None,
                       unit="decades", origin=origin,
                       points=points, max_points=at_stake, pending=pending, why=why if pending else None,
                       )  # fmt: skip


def _lr_distance(claimed_lr, picked) -> tuple[float | list[float], list[float], list[float], float]:
    """(the claim as its figure shows it, the claimed LR(s) compared, the picked one(s), the distance in decades: the
    largest over a "range" pair). A single pick is compared with the last of a claimed pair, a pair with a single
    claim twice."""
    claimed = list(claimed_lr) if isinstance(claimed_lr, tuple) else [claimed_lr]
    expected = picked if isinstance(picked, list) else [picked]
    figure = _one(claimed)
    if len(claimed) != len(expected):
        claimed = claimed[-1:] if len(expected) == 1 else claimed * 2
    return figure, claimed, expected, max(decades(c, e) for c, e in zip(claimed, expected, strict=True))


def _resolution(lrs: list[float] | None) -> float:
    """A sweep's LR step in decades (its resolution: the smallest difference between two of its picks), between
    the LRs it steps through — a staircase's stairs, not its steps (reference.rules picks one point per LR)."""
    lrs = [x for x in lrs or [] if x > 0]
    levels = sum(1 for a, b in zip(lrs, lrs[1:], strict=False) if a != b)
    return math.log10(lrs[-1] / lrs[0]) / levels if levels else 0.0


def _proxy_lr(ctx: Context, dist: float, tol: float, msg: str, pts: float) -> tuple[str, float, float, float, str]:
    """(status, points, at stake, pending, message) of an LR claim made on other data than its sweep's: a sweep on
    the rerun's data may stray up to `proxy_lr_decades` from one on the claim's, so a distance within that is
    flagged for review, its points pending; beyond it, the rest is judged. `msg` ends with "…)."."""
    proxy, cond = ctx.tol.proxy_lr_decades, ctx.cond
    if dist <= tol + proxy:
        return "skip", 0.0, 0.0, pts, (
            f"Unconfirmed, flagged for review (its points pending): claimed on {cond.claimed}, swept on {cond.rerun} "
            f"with the claim's step schedule. " + msg[:-2] + f"; a sweep on {cond.rerun} can stray up to {proxy:g} "
            f"decades from one on {cond.claimed}).")  # fmt: skip
    status, points = banded(dist - proxy, tol, ctx.tol.partial_band, pts)
    return status, points, pts, 0.0, msg[:-2] + f", plus {proxy:g} decades: a sweep on {cond.rerun} stands in for " \
        f"{cond.claimed})."  # fmt: skip


def _lr_against_seeds(ctx: Context, p: PlannedRun, seeds: Seeds, pts: float) -> CheckResult:
    """An LR claim on a sweep whose exact config has committed seeds (issue 26): against the mean of their log10
    picks, k_lr·σ·√(1 + 1/n) — a claim and a mean of n seeds, not two single seeds (√2)."""
    claim, rule, rt = p.claim, p.claim.rule, seeds.entry
    picks = [x for x in rt["picks"][rule] if x is not None]
    mean, n = _reference_pick(rt, rule)
    figure, claimed, expected, dist = _lr_distance(claim.claimed_lr, mean)
    figures = {"claimed": figure, "reference": _one(expected)}
    d = lr_claim_tolerance(picks, ctx.tol.k_lr, _resolution(rt.get("curve", {}).get("lr")), factor=seeds_factor(n))
    status, points = banded(dist, d.tol, ctx.tol.partial_band, pts)
    at_stake, pending = pts, 0.0
    fmt = lrs_text
    msg = (f"Rule {rule!r} picks {fmt(expected)} on average (geometric mean) over the {n} committed reference seeds "
           f"of this exact sweep ({seeds.protocol}; no rerun needed); the claim {fmt(claimed)} is {dist:.2f} decades "
           f"away (allowed {d.tol:.2f}: k·σ·√(1 + 1/n) of their picks).")  # fmt: skip
    if rule in ("min", "min/10", "range") and any(x is None for x in rt.get("diverged_at") or []):
        status, points, at_stake, pending = "skip", 0.0, 0.0, pts
        msg = (f"Unconfirmed, flagged for review (its points pending): some committed seeds of this sweep ran to its "
               f"end with the loss still falling, so rule {rule!r} has no minimum to find on them. " + msg)  # fmt: skip
    elif ctx.cond.proxy and dist > d.tol:
        status, points, at_stake, pending, msg = _proxy_lr(ctx, dist, d.tol, msg, pts)
    mde = d.min_detectable()
    msg += f" Only a pick ≥ {mde:.2f} decades (×{10**mde:.1f}) off {DETECTS}"
    origin = (f"k·σ·√(1 + 1/{n}) = {d.k:g}·{d.sigma:.3f}·{d.factor:.2f} decades: σ = the spread of the picks of "
              f"rule {rule!r} over {n} committed seeds of this exact sweep at its upper 95 % bound; k for ≤ "
              f"{FALSE_FAIL_TARGET:.0%} of honest students losing points (benchmarks/grading_power.py)")  # fmt: skip
    return CheckResult("lr_claim", p.name, status, msg, **figures, tolerance=round(d.tol, 3), distance=round(dist, 3),
                       unit="decades", origin=origin, points=points, max_points=at_stake, pending=pending,
                       why=(f"data:{ctx.cond.claimed}" if ctx.cond.proxy else "review") if pending else None,
                       )  # fmt: skip


def lr_tolerance_for(baselines: list[dict], config, rule: str, result: dict, tol) -> tuple[float, str]:
    """Decades a claimed LR may be off, and where that comes from: k_lr·√2·σ (a claim and a rerun are two seeds),
    σ the seed-to-seed σ of the rule's picks over ≥ MIN_SEEDS committed seeds of this very sweep, at its upper 95 %
    bound, floored at the sweep's resolution. A sweep without that many committed seeds of its own config takes the
    largest σ of the rule over the optimizer's committed sweeps of its input pipeline (the spread grows with the
    sweep's length: 320-step and 4,690-step sweeps differ), a σ from fewer seeds floored at its sweep's σ pooled over
    the rules; `lr_min_decades` where none exists."""
    optimizer = config.optimizer
    found = sweep_reference(baselines, config)
    if found is None:
        return tol.lr_min_decades, f"{tol.lr_min_decades:g} decades (lr_min_decades): no committed sweep of {optimizer}"
    rt, protocol, same = found
    picks = [x for x in (rt.get("picks") or {}).get(rule) or [] if x is not None]
    resolution = _resolution(result.get("lr"))
    floor, where = 0.0, f"{len(picks)} committed seeds of this sweep ({protocol}), at its upper 95 % bound"
    if not same or len(picks) < MIN_SEEDS:
        others = [b["range_tests"][optimizer] for b in kin(baselines, config) if optimizer in b.get("range_tests", {})]
        sigmas = []
        for o in others:
            ps = [x for x in (o.get("picks") or {}).get(rule) or [] if x is not None]
            few = len(ps) < MIN_SEEDS  # a σ from few seeds is never used alone
            sigmas.append(max(sigma_upper(lr_sigma(ps), len(ps)) if len(ps) >= 2 else 0.0,
                              pooled_lr_sigma({optimizer: o}) if few else 0.0))  # fmt: skip
        own, picks, floor = len(picks) if same else 0, [], max(sigmas, default=0.0)
        word = {"exp": "exponential", "linear": "linear", "staircase": "a staircase"}
        named = [((o.get("config") or {}).get("schedule") or {}).get("name") for o in others]
        shapes = {word[SWEEPS.get(n, "exp")] for n in named if n}
        mine = word[SWEEPS.get(config.schedule.name, "exp")]
        shape = (f", all {'/'.join(sorted(shapes))} (this sweep is {mine}: the σ of its own shape is not measured)"
                 if shapes and mine not in shapes else "")  # fmt: skip
        few = f"{own} committed seeds, fewer than {MIN_SEEDS}" if own else "no committed seeds"  # (examiner: it
        # said "no committed seeds" of full-size Fashion-MNIST's 3-seed sweeps)
        where = (f"the committed sweeps: this one has {few}, so σ is the largest over {len(others)} committed "
                 f"{optimizer} sweep(s) of its input pipeline{shape}")  # fmt: skip
    if floor <= 0 and len(picks) < 2:
        return tol.lr_min_decades, (f"{tol.lr_min_decades:g} decades (lr_min_decades): no committed seeds of rule "
                                    f"{rule!r} for {optimizer}")  # fmt: skip
    d = lr_claim_tolerance(picks, tol.k_lr, resolution, floor)
    origin = (f"k·√2·σ = {d.k:g}·√2·{d.sigma:.3f} decades: σ = the spread of the picks of rule {rule!r} over "
              f"{where}; k for ≤ {FALSE_FAIL_TARGET:.0%} of honest students losing points "
              "(benchmarks/grading_power.py)")  # fmt: skip
    if SWEEPS.get(config.schedule.name) == "staircase" and resolution > 0:
        # picks are whole stairs apart: a difference within k·√2·σ spans at most ⌊k·√2·σ / stair⌋ + 1 of them (as
        # it was, the tolerance docked 12 of 480 honest staircase claims, up to 12 % of pairs: staircase_power.py)
        stairs = math.floor(d.k * d.factor * d.sigma / resolution) + 1  # k·√2·σ unfloored: ≥ 1 stair
        return stairs * resolution, origin + (
            f"; a staircase's picks are whole stairs apart: rounded up to {stairs} "
            f"stairs of {resolution:.3f} decades (benchmarks/staircase_power.py)"
        )
    if d.floor and d.tol <= d.floor:
        origin += f"; floored at the sweep's resolution, {resolution:.3f} decades a step"
    return d.tol, origin


def _other_batch(check: str, ctx: Context, p: PlannedRun, pts: float, claimed) -> CheckResult | None:
    """A claim of a run whose own log is the claimed config at N× the stated batch (grader.evidence.OtherBatch: N
    processes, each with the stated batch): the rerun at the stated batch is not the run the claim was made on, so it
    is pending review, and the line says what to state (examiner probe 31: honest 2-process students lost up to 18.7
    points against a rerun of half their batch, their logs "another config", confirmed)."""
    cmp = comparison(ctx, p) if isinstance(ctx.logs.get(p.name), Logs) else None
    if cmp is None or cmp.batch is None:
        return None
    b = cmp.batch
    said = list(claimed) if isinstance(claimed, tuple) else claimed
    return CheckResult(check, p.name, "skip", f"Unconfirmed, flagged for review (its points pending): your log is "
                       f"this config at a global batch of {b.batch} ({b.per} steps an epoch where the stated batch of "
                       f"{b.batch // b.n} gives {b.claimed}: {b.n} processes of {b.batch // b.n} each?), and the rerun "
                       f"is at the stated batch, so its figures are not your run's. State batch_size = {b.batch} in "
                       f"[setup] ({STEP}) to have it rerun as it ran.",
                       claimed=said, pending=pts, why="batch")  # fmt: skip


def _own_log(check: str, ctx: Context, p: PlannedRun, pts: float, claimed, judge) -> CheckResult | None:
    """With the run's own logs, and a rerun that says the log is this config's within seed noise, the claim is
    judged against the log it came from (issue 21: past seed noise, a misread or copied figure is caught); a log the
    rerun does not bear out is not used, and the claim is judged against the rerun as without logs."""
    logs = ctx.logs.get(p.name)
    if not isinstance(logs, Logs) or isinstance(logs, Mixed):  # several runs: its figures may be another run's
        return None
    cmp = comparison(ctx, p)
    if not plausible(cmp):
        return None
    v = judge(logs)
    if v is None:
        return None
    bears = (": the rerun bears the log out on its LR table only (other data)" if ctx.cond.proxy else
             f": {'the committed seeds bear' if p.name in ctx.seeds else 'the rerun bears'} the log out within "
             f"{cmp.noise} (the logs check)" if cmp.scope is Scope.FULL and (cmp.steps or cmp.epochs) else
             ": the rerun bears the log out on its LR table only (exact: the config's own, which any log of it has); "
             "nothing measures its figures (the logs check)" if cmp.scope is Scope.FULL else
             ", as handed in: no rerun can bear it out or contradict it (the logs check says why)")  # fmt: skip
    read = (p.name, FIELD[check]) in ctx.read  # not written: the figure is the log's, and the log is what is checked
    unwritten = f"Not written in submission.toml: read from your own log ({_read_off(check, p, v.logged)})"
    message = (
        f"{unwritten}, so what is checked is the log{bears}."
        if read
        else f"{v.message} Judged against your own log{bears}."
    )
    status = "pass" if v.ok else "warn" if v.warn else "fail"
    allowed = ("one logged LR step and " if check == "lr_claim" else "") + "the claim's printed digits"
    figures = dict(claimed=list(claimed) if isinstance(claimed, tuple) else claimed, logged=v.logged,
                   tolerance=v.allowed, distance=v.distance, unit=v.unit, read=read,
                   origin=f"the claim's own log: {allowed}")  # fmt: skip
    cut = p.until_epoch is not None  # quick mode's prefix of the run (a quick rerun of a whole run is the run)
    if status != "fail" and check != "lr_claim" and cut and not ctx.cond.proxy and cmp.epochs < p.config.epochs:
        # the figure is the log's epoch N, which a quick grade did not compare (examiner probe 27: a log's edited
        # epoch 30 earned full marks on an upload, "the rerun bears the log out" of its first epochs): pending —
        # unless committed seeds of this config judge it, as they judge the same claim without logs (probe 41: six
        # honest students were UNVERIFIED for handing in logs, where the same claims without them passed); a figure
        # left to the log stays pending: it is the log's epoch N, and a copied log's passed against the seeds
        if committed_seeds(ctx, p) and not read:
            return None
        said = f"{unwritten}." if read else v.message
        return CheckResult(check, p.name, "skip", f"{said} Quick mode reran {p.until_epoch} of {p.config.epochs} "
                           "epochs and compared your log with that rerun only that far; the full grade compares the "
                           f"log's epoch {p.config.epochs}, the claim's, with the rerun, and then decides the claim.",
                           pending=pts, why="quick", **figures)  # fmt: skip
    return CheckResult(check, p.name, status, message, points=pts if v.ok or v.warn else 0.0, max_points=pts,
                       **figures)  # fmt: skip


def committed_seeds(ctx: Context, p: PlannedRun):
    """The committed seeds that judge training run `p`'s final figures: its own where it was not rerun, else those of
    its exact config where the grade judges by seeds (a run rerun for its logs); None where none are committed."""
    return ctx.seeds.get(p.name) or (ctx.by_seeds and seed_reference(ctx.baselines or [], "train", p.config)) or None


def _read_off(check: str, p: PlannedRun, logged) -> str:
    """Where a figure the student left to the log was read, in a phrase."""
    if check == "lr_claim":
        on = "test loss of each epoch" if p.claim.curve == "test" else "sweep"
        return f"rule {p.claim.rule!r} on the logged {on} picks {lrs_text(logged)}"
    return f"its last epoch, {p.config.epochs}: test {check.removesuffix('_claim')} {logged:.4g}"


def _edge(result: dict, lowest: int) -> str:
    """Where a sweep's lowest smoothed point sits (`lowest`, its edge: reference.rules.lowest_at_edge)."""
    lrs = result["lr"]
    if lowest + 1 == len(lrs):
        return f"its last step, {len(lrs)}, at LR {lrs[-1]:.3g}"
    return f"step {lowest + 1} of {len(lrs)}, LR {lrs[lowest]:.3g} of the sweep's last {lrs[-1]:.3g}"


def _one(values: list[float]) -> float | list[float]:
    return values[0] if len(values) == 1 else list(values)


def _reference_pick(range_test: dict | None, rule: str) -> tuple[float | list[float] | None, int]:
    """The rule's pick on a committed range test (geometric mean over its seeds), and the seed count."""
    picks = (range_test or {}).get("picks", {}).get(rule) or []
    picks = [p for p in picks if p is not None]
    if not picks:
        return None, 0
    geo = lambda xs: round(math.exp(sum(math.log(x) for x in xs) / len(xs)), 6)  # noqa: E731
    if isinstance(picks[0], list):  # rule "range": [low, high] per seed
        return [geo([p[i] for p in picks]) for i in range(len(picks[0]))], len(picks)
    return geo(picks), len(picks)


def _sigma_origin(ctx: Context, metric: str, s: float, stats: dict | None) -> str:
    """Where a metric tolerance comes from, in one phrase (`stats`: the reference's mean/std/values, if any)."""
    floor, seeds = TOLERANCES[metric].floor, len((stats or {}).get("values", ()))
    spread = f"the seed spread of {seeds} reference seeds floored at the {floor}" if seeds else f"the {floor}"
    return f"{ctx.tol.k_sigma:g}σ, σ = {s:.3g}: {spread}"


def _epoch_stats(ref: tuple[str, dict] | None, epochs: int, metric: str) -> dict | None:
    """The reference's {mean, std, values} of `metric` at the rerun's last epoch (its final, if shorter)."""
    if ref is None:
        return None
    per_epoch = ref[1].get("epochs") or []
    return per_epoch[epochs - 1][metric] if 0 < epochs <= len(per_epoch) else ref[1]["final"][metric]


def _claim_tolerance(ctx: Context, metric: str, value: float, stats: dict | None,
                     against_seeds: bool = False) -> tuple[Derived, str]:  # fmt: skip
    """k_claim·√2·σ for a claimed final metric against the rerun (two seeds), or k_claim·σ·√(1 + 1/n) against the
    mean of n committed seeds (`against_seeds`), and where σ comes from: the reference seeds' std at that epoch,
    floored at the test set's binomial SE (accuracy) or at the loss's relative seed σ pooled over every reference
    run (3 seeds alone give σ 2 degrees of freedom)."""
    seeds, k = len((stats or {}).get("values", ())), ctx.tol.k_claim
    rel = 0.0
    if metric != "test_accuracy":
        rel = pooled_rel_sigma([r["final"][metric] for r in (ctx.baseline or {}).get("runs", {}).values()])
        rel = rel or TOLERANCES[metric].rel_floor
    factor = seeds_factor(seeds) if against_seeds else math.sqrt(2)
    d = metric_claim_tolerance(metric, value, (stats or {}).get("std", 0.0), ctx.n_test, k, rel, seeds, factor)
    floor = (f"the binomial SE √(p(1−p)/n) on {ctx.n_test:,} test images" if metric == "test_accuracy" else
             f"{rel:.1%} of the loss (the relative seed σ pooled over the reference runs)")  # fmt: skip
    source = f"the std of {seeds} reference seeds at that epoch, floored at {floor}" if seeds else floor
    form = (f"k·σ·√(1 + 1/{seeds}) = {k:g}·{d.sigma:.3g}·{factor:.2f}" if against_seeds else
            f"k·√2·σ = {k:g}·√2·{d.sigma:.3g}")  # fmt: skip
    return d, (f"{form}: σ = {source}; k for ≤ {FALSE_FAIL_TARGET:.0%} false fails "
               "(benchmarks/grading_power.py)")  # fmt: skip


def _metric_against_seeds(check: str, metric: str, ctx: Context, p: PlannedRun, claimed: float, seeds: Seeds,
                          pts: float) -> CheckResult:  # fmt: skip
    """A final-metric claim on a run whose exact config has committed seeds (issue 26): against their mean at the
    run's last epoch, k_claim·σ·√(1 + 1/n)."""
    per_epoch = seeds.entry.get("epochs") or []
    at = p.config.epochs
    stats = per_epoch[at - 1][metric] if at <= len(per_epoch) else seeds.entry["final"][metric]
    d, origin = _claim_tolerance(ctx, metric, stats["mean"], stats, against_seeds=True)
    dist = abs(claimed - stats["mean"])
    status, points = banded(dist, d.tol, ctx.tol.partial_band, pts)
    label = metric.replace("_", " ")
    msg = (f"Claimed {label} {claimed:.4g}; the {seeds.n} committed reference seeds of this exact config "
           f"({seeds.protocol} {seeds.name}; no rerun needed) reach {stats['mean']:.4g} ± {stats['std']:.2g} at epoch "
           f"{p.config.epochs} (z = {(claimed - stats['mean']) / d.sigma_d:+.1f} in σ = {d.sigma_d:.3g}, the σ of "
           f"one seed against their mean; allowed ±{d.k:g}σ). " + _detectable(metric, d, stats["mean"]))  # fmt: skip
    return CheckResult(check, p.name, status, msg, claimed=claimed, reference=round(stats["mean"], 4),
                       tolerance=round(d.tol, 4), distance=round(dist, 4), unit="abs", origin=origin, points=points,
                       max_points=pts)  # fmt: skip


def _detectable(metric: str, d: Derived, value: float) -> str:
    """One sentence: the smallest error this check flags 95 % of the time; smaller ones are seed noise."""
    mde = d.min_detectable()
    size = f"{mde * 100:.1f} pp" if metric == "test_accuracy" else f"{mde:.3g} ({mde / max(value, 1e-12):.0%})"
    return f"Only an error ≥ {size} {DETECTS}"


def _reproduced(claimed: float, observed: float, text: str | None) -> float | None:
    """How far a claim may be from a rerun that reproduces it (its printed digits, `half_unit`, and float32's
    rounding), where the rerun does; None where it does not."""
    allowed = printed(claimed, observed, text=text)
    return allowed if abs(claimed - observed) <= allowed else None


def _auto_command(p: PlannedRun, seed: int | str) -> str:
    """The command that trains an [[auto]] entry's run with this package's engine at `seed` (its other settings as
    the entry's: reference/cli.py)."""
    return (
        f"`reference train --scheduler {p.config.schedule.name} --seed {seed}` with the entry's own optimizer, LR, "
        "factors and epochs"
    )  # fmt: skip (reference train --help: --lr is required)


def _auto_advice(p: PlannedRun) -> str:
    """What settles an [[auto]] run's claims that no rerun can (examiner probe 24: "state the run's seed" led students
    to state their own script's seed, another random stream, and fail against the engine's run of it)."""
    return ("Hand in the run's logs (they decide: docs/evidence.md); a stated seed reproduces a run only where it was "
            f"trained with this package's engine ({_auto_command(p, 'N')}).")  # fmt: skip


def _auto_seeded(check: str, metric: str, p: PlannedRun, o: Outcome, claimed: float, pts: float) -> CheckResult:
    """A seeded [[auto]] run's final-metric claim, with no log to decide it (examiner probe 24, F1): a rerun of the
    stated seed that reproduces the claim to its printed digits passes it; a miss is pending review, never failed nor
    warned. The automated scheduler's runs of one config end far apart from one random stream to another (no committed
    seeds measure how far), and the stated seed may be the seed of the student's own training script, another stream
    than this engine's at that seed: a miss cannot tell a wrong claim from another stream's run."""
    observed, label, seed = o.result["final"][metric], metric.replace("_", " "), p.config.seed
    digits = p.claim.printed(f"claimed_{metric}")  # the claim as the file prints it, if it does
    text, allowed = digits or f"{claimed:g}", _reproduced(claimed, observed, digits)
    # the run is reproduced or not as a whole: a 2-decimal accuracy may agree by chance with another stream's rerun
    # whose loss does not (examiner probe 25: "reproduces it" and "does not reproduce it" of one rerun)
    missed = [
        m
        for m in ("test_accuracy", "test_loss")
        if m != metric
        and isinstance(c := getattr(p.claim, f"claimed_{m}", None), float)
        and math.isfinite(c)
        and _reproduced(c, o.result["final"].get(m, math.nan), p.claim.printed(f"claimed_{m}")) is None
    ]
    if allowed is not None and missed:
        other = missed[0].replace("_", " ")
        return CheckResult(check, p.name, "skip", f"Not judged, pending review: claimed {label} {text} agrees with "
                           f"the rerun of seed {seed} ({observed:.6g}) to its printed digits, but the run's claimed "
                           f"{other} does not, so the rerun is not the run the claims came from; the automated "
                           "scheduler's runs of one config end far apart from one random stream to another, and the "
                           "stated seed may be the seed of the student's own training script: the run's logs decide "
                           "(docs/evidence.md).",
                           claimed=claimed, rerun=round(observed, 6), pending=pts, why="stream")  # fmt: skip
    if allowed is not None:
        dist = round(abs(claimed - observed), 6)
        return CheckResult(check, p.name, "pass", f"Claimed {label} {text}; the rerun of seed {seed} reproduces it "
                           f"({observed:.6g}, to the claim's printed digits).", claimed=claimed,
                           rerun=round(observed, 6), tolerance=round(allowed, 6), distance=dist, unit="abs",
                           origin=f"the claim's printed digits: the rerun of the stated seed, {seed}",
                           points=pts, max_points=pts)  # fmt: skip
    return CheckResult(check, p.name, "skip", f"Not judged, pending review: claimed {label} {text}; the rerun of "
                       f"seed {seed} got {observed:.4g}, which does not reproduce it. The stated seed may be the seed "
                       "of the student's own training script, another random stream than this engine's at that seed, "
                       "and the automated scheduler's runs of one config end far apart from stream to stream (no "
                       "committed seeds measure how far), so this evidence cannot tell a wrong claim from another "
                       "stream's run: the run's logs decide (docs/evidence.md). A stated seed reproduces a run only "
                       f"where it was trained with this package's engine ({_auto_command(p, seed)}).", claimed=claimed,
                       rerun=round(observed, 4), distance=round(abs(claimed - observed), 4), unit="abs",
                       pending=pts, why="stream")  # fmt: skip


def _metric_claims(check: str, metric: str, ctx: Context, pts: float) -> list[CheckResult]:
    out, field = [], f"claimed_{metric}"
    notes: dict[str, str] = {}  # run → what its log could tell, said before the claim's row (`_table_only`)
    judged = judged_runs(ctx)[0]
    for p, o in ctx.of_kind("train"):
        claimed = getattr(p.claim, field)
        if claimed is None:  # a run the submission stands by (its baseline carries points) owes its figures
            if p.name in judged and pts:
                out.append(_unstated(check, p.name, f"its final {metric.replace('_', ' ')} ({field})", pts))
            continue
        if not math.isfinite(claimed):  # an honest "it diverged" (nan, inf): checked against the rerun's divergence
            out.append(_diverged_claim(check, metric, ctx, p, o, claimed, pts))
            continue
        # against its own log, to its digits as the file prints them ("0.9600": four decimals)
        judge = partial(metric_against_log, metric, claimed, p.config.epochs, text=p.claim.printed(field),
                        n_test=ctx.n_test)  # fmt: skip
        if batch := _other_batch(check, ctx, p, pts, claimed):
            out.append(batch)
            continue
        past = _past_measured(ctx, p)
        if past and (said := _table_only(check, ctx, p, judge, past)):  # judged as without logs, said first
            notes[p.name] = said
        elif own := _own_log(check, ctx, p, pts, claimed, judge):
            out.append(own)
            continue
        if ctx.cond.proxy:
            out.append(_proxy_metric(check, metric, ctx, p, claimed, pts))
            continue
        # its committed seeds: a run not rerun (checked in quick mode too), or one rerun for its log where the log
        # cannot decide its final figure (it ends early, or the rerun does not bear it out), in quick and full grades
        # alike (examiner probe 17: a 5-epoch run's figure claimed as the 30-epoch result no longer failed a
        # self-check once a short log decided nothing; probe 18: quick and full grades judged it by two yardsticks)
        if seeds := committed_seeds(ctx, p):
            out.append(_metric_against_seeds(check, metric, ctx, p, claimed, seeds, pts))
            continue
        label = metric.replace("_", " ")
        if o.result is not None and o.result["diverged"] and not trained(metric, claimed):
            d = o.result["diverged"]
            what = "one class's share of the test set, what a diverged network scores" if \
                metric == "test_accuracy" and at_chance(claimed) else (
                "a diverged run's figure, not a trained network's (the last evaluations of 30 diverged runs "
                "measured: accuracy 0.10–0.46, test loss 6.7–56); a diverged run's last figures are not compared "
                "with another's")  # fmt: skip
            msg = f"Claimed {label} {claimed:g}: {what}; the rerun diverged too (step {d['step']}: {d['reason']})."
            out.append(CheckResult(check, p.name, "pass", msg, claimed=claimed, points=pts, max_points=pts))
            continue
        if o.result is not None and o.result["diverged"] and not diverged_early(o.result, p.config):  # the seed's?
            d = o.result["diverged"]
            when = (f"after {EARLY_DIVERGENCE} steps, where another seed of a constant LR may train on (4 % of "
                    "measured pairs, benchmarks/high_lr.py)" if p.config.schedule.name == "constant" else
                    f"with a {p.config.schedule.name} schedule, which lowers the LR: a seed that survives its start "
                    "may train on")  # fmt: skip
            out.append(CheckResult(check, p.name, "skip", f"Not judged, pending review: claimed {label} {claimed:g}, "
                                   f"{_trained_words(metric)}, and the rerun diverged at step {d['step']} — {when}: "
                                   "no evidence for or against the claim. The run's logs (docs/evidence.md) decide "
                                   "it.", claimed=claimed, pending=pts,
                                   why="high-lr" if past else "review"))  # fmt: skip
            continue
        auto = p.config.schedule.name in OWN_ALGORITHM
        if auto and "seed" not in p.claim.model_fields_set:
            out.append(CheckResult(check, p.name, "skip", f"Not judged, pending review: the automated scheduler sets "
                                   "each step's LR from the run's own losses, so runs of one config at different seeds "
                                   "end far apart, and no committed seeds measure how far; the submission set no seed, "
                                   f"so the rerun (seed {p.config.seed}) is another seed's run, no evidence for or "
                                   f"against the claim. {_auto_advice(p)}", claimed=claimed, pending=pts,
                                   why="unseeded"))  # fmt: skip
            continue
        cut = p.until_epoch is not None  # quick mode's prefix of the run (a quick rerun of a whole run is the run)
        if cut and auto:  # seeded (examiner probe 24, F5): what the full grade's rerun of that seed can tell
            out.append(CheckResult(check, p.name, "skip", f"Quick mode reruns {p.until_epoch} of {p.config.epochs} "
                                   f"epochs; the full grade reruns the stated seed, {p.config.seed}: a run trained "
                                   "with this package's engine at that seed "
                                   f"({_auto_command(p, p.config.seed)}, on the same kind of device) is reproduced to "
                                   "the claim's printed digits, and the claim passes; a miss stays pending review, "
                                   "never failed (the seed may be the seed of another training script, another random "
                                   "stream, which no rerun tells from a wrong claim), and the run's logs "
                                   "(docs/evidence.md) decide.", claimed=claimed,
                                   pending=pts, why="auto-quick"))  # fmt: skip
            continue
        if cut and ctx.chaotic(p, o):  # the full grade cannot settle it either: say so now
            logs_say = (f"and at this LR, {_lr_words(p, past)}, no committed seeds measure how far runs spread: "
                        "the run's logs (docs/evidence.md) decide it by hand" if past else "the run's logs "
                        "(docs/evidence.md) let the claim be checked against them instead")  # fmt: skip
            out.append(CheckResult(check, p.name, "skip", f"Quick mode reruns {p.until_epoch} of {p.config.epochs} "
                                   "epochs, and this run is chaotic (the reproducible check): the full grade's rerun "
                                   "bears the claim out only where rounding happens to land it near, and a miss stays "
                                   f"pending review by hand; {logs_say}.", claimed=claimed, pending=pts,
                                   why="chaotic"))  # fmt: skip
            continue
        if cut and past:  # the full grade cannot decide a miss either (examiner probe 42: "checked by the full grade")
            out.append(CheckResult(check, p.name, "skip", f"Quick mode reruns {p.until_epoch} of {p.config.epochs} "
                                   "epochs, and the full grade cannot decide this claim either: at this LR, "
                                   f"{_lr_words(p, past)}, no committed seeds measure how far runs spread, so its "
                                   "rerun bears the claim out only where it lands near it, and a miss goes to review "
                                   "by hand (no points lost)" + ("" if isinstance(ctx.logs.get(p.name), Logs) else
                                   ", which the run's logs (docs/evidence.md) decide") + ".",
                                   claimed=claimed, pending=pts, why="quick"))  # fmt: skip
            continue
        if cut:
            out.append(CheckResult(check, p.name, "skip", f"Quick mode reruns {p.until_epoch} of {p.config.epochs} "
                                   "epochs; the final-metric claim is checked by the full grade.",
                                   claimed=claimed, pending=pts, why="quick"))  # fmt: skip
            continue
        if failed := _rerun_failed(check, p, o, pts, claimed):
            out.append(failed)
            continue
        if auto:  # seeded, no deciding log (examiner probe 24, F1)
            out.append(_auto_seeded(check, metric, p, o, claimed, pts))
            continue
        observed = o.result["final"][metric]
        ref = ctx.baseline_run(p)
        stats = _epoch_stats(ref, len(o.result["epochs"]), metric)
        d, origin = _claim_tolerance(ctx, metric, observed, stats)
        tol = d.tol
        z = (claimed - observed) / d.sigma_d
        status, points = banded(abs(claimed - observed), tol, ctx.tol.partial_band, pts)
        label = metric.replace("_", " ")
        msg = (f"Claimed {label} {claimed:.4g}; the rerun got {observed:.4g} (z = {z:+.1f} in σ = {d.sigma_d:.3g}, the "
               f"seed-to-seed σ of a claim − rerun difference; allowed ±{d.k:g}σ). "
               + _detectable(metric, d, observed))  # fmt: skip
        if past:  # no σ measured here is a tolerance, nor an error "flagged": a miss is never docked (examiner
            # probe 42: "only an error ≥ 4.3 pp is flagged 95 % of the time" beside a miss that goes to review)
            msg = f"Claimed {label} {claimed:.4g}; the rerun got {observed:.4g}."
            if status == "pass":
                msg += (
                    f" The rerun lands near your figure ({abs(claimed - observed):.2g} apart), so nothing here "
                    f"speaks against it; at this LR, {_lr_words(p, past)}, no committed seeds measure how far runs "
                    f"spread ({_high_lr_row(ctx, p, metric)}), so a miss would go to review by hand, not cost "
                    "points."
                )
        text = p.claim.printed(field)
        unit = 2 * printed(claimed, observed, text=text)  # one unit of the claim's last printed digit
        if abs(claimed - observed) > unit and (held := _seed_run(ctx, p, o, metric, ref)):
            # the rerun is the student's run (a figure of it reproduced to digits no other seed's run matches by
            # chance): no seed noise lies between it and this claim (examiner probe 40: +1 pp passed at z = +1.2)
            out.append(CheckResult(check, p.name, "fail", f"Claimed {label} {text or f'{claimed:g}'}; the rerun of "
                                   f"seed {p.config.seed} got {observed:.6g}, {abs(claimed - observed):.4g} away "
                                   f"(allowed {unit:.2g}: one unit of the claim's last printed digit). {held} So the "
                                   "rerun is the run this claim reports, and no seed noise lies between them: the "
                                   "claim disagrees with its own run.", claimed=claimed, rerun=round(observed, 6),
                                   tolerance=round(unit, 6), distance=round(abs(claimed - observed), 6), unit="abs",
                                   origin=f"the claim's printed digits: the rerun of the stated seed, {p.config.seed}, "
                                   "reproduces another figure of the same run", points=0.0,
                                   max_points=pts))  # fmt: skip
            continue
        if status == "pass" and "seed" in p.claim.model_fields_set and _reproduced(claimed, observed, text) is not None:
            # the rerun is the student's run, no seed noise between them (examiner probe 24, F4)
            msg = (f"Claimed {label} {text or f'{claimed:g}'}; the rerun of seed {p.config.seed} reproduces it "
                   f"({observed:.6g}, to the claim's printed digits).")  # fmt: skip
        like = ref and same_config(ref[1]["config"], p.config.model_dump(mode="json"), ctx.tol.baseline_lr_decades)
        result = CheckResult(check, p.name, status, msg, claimed=claimed, rerun=round(observed, 4),  # the reference of
                             reference=round(stats["mean"], 4) if like and stats else None,  # its config, its epoch
                             tolerance=round(tol, 4), distance=round(abs(claimed - observed), 4), unit="abs",
                             origin=origin,
                             points=points, max_points=pts)  # fmt: skip
        out.append(_chaotic(ctx, p, o, _unmeasured_lr(ctx, p, result, past)))  # past 6×, a miss is pending, never part
        # credit: the chaotic rule's half is a WARN, and no evidence speaks against the claim (examiner probe 42)
    out = [replace(r, message=f"{notes[r.subject]} {r.message}") if r.subject in notes else r for r in out]
    return [_unwritten(ctx, field, r) for r in out]


# A figure reproduced to its printed digits shows the rerun is the run it came from only where another seed's run
# rarely matches it by chance: half a unit of its last digit at most this share of the seed-to-seed σ of a claim −
# rerun difference (chance ≈ 0.8·share for a normal difference: 0.8 %). A loss to 4 significant digits is ~0.005σ,
# an accuracy to 4 decimals ~0.006σ; an accuracy to 3 decimals (~0.06σ) is not enough.
SAME_RUN_SHARE = 0.01


def _seed_run(ctx: Context, p: PlannedRun, o: Outcome, metric: str, ref) -> str | None:
    """Where a run states its seed and the rerun of that seed reproduces another figure of the same run to its printed
    digits, finely enough that another seed's run would not (`SAME_RUN_SHARE`), a sentence saying so; else None. The
    rerun is then the student's run — the same engine, the same kind of device (a rerun on another would not agree
    to those digits) — and the run's other figures are held to it to their printed digits (probe 40, F2)."""
    if "seed" not in p.claim.model_fields_set or o.result is None:
        return None
    for other in ("test_accuracy", "test_loss"):
        c = getattr(p.claim, f"claimed_{other}", None)
        seen = o.result["final"].get(other)
        if other == metric or not isinstance(c, float) or not math.isfinite(c) or seen is None:
            continue
        digits = p.claim.printed(f"claimed_{other}")
        if _reproduced(c, seen, digits) is None:
            continue
        d, _ = _claim_tolerance(ctx, other, seen, _epoch_stats(ref, len(o.result["epochs"]), other))
        if half_unit(c, digits) <= SAME_RUN_SHARE * d.sigma_d:
            return (f"The same rerun reproduces the run's claimed {other.replace('_', ' ')} {digits or f'{c:g}'} "
                    f"({seen:.6g}) to its printed digits, half a unit of which is {half_unit(c, digits):.2g}, under "
                    f"{SAME_RUN_SHARE:.0%} of the seed-to-seed σ of that figure ({d.sigma_d:.3g}): another seed's run "
                    f"matches it by chance under {0.8 * SAME_RUN_SHARE:.1%} of the time.")  # fmt: skip
    return None


def _unmeasured_lr(ctx: Context, p: PlannedRun, result: CheckResult, past: tuple[float, float] | None,
                   ) -> CheckResult:  # fmt: skip
    """A final-metric claim missed by the rerun of a run past TEST_SOONER_MAX× the committed LR of its optimizer: no
    committed seeds measure how far runs there spread, so the borrowed σ is no tolerance (examiner probe 37: an honest
    CyclicLR peaking at 1.0 lost 43 points, z = −4.6; twelve honest seeds of SGD 0.7 end anywhere from 0.15 to 0.67
    in accuracy, benchmarks/high_lr.py). Pending review, the rerun's figure kept for reference; a pass stands. Applied
    before `_chaotic`, whose part credit would make the miss a WARN (examiner probe 42: honest logged runs went from
    PASS to WARN once their LR-table-only logs no longer decided their claims). `past`: `_past_measured` of `p`."""
    if result.status in ("pass", "skip", "error") or result.why is not None or past is None:
        return result
    decides = ("review by hand decides it (the log handed in agrees with the claim, but nothing measures its figures "
               "at this LR)" if isinstance(ctx.logs.get(p.name), Logs) else
               "the run's logs (docs/evidence.md) decide it")  # fmt: skip
    message = (f"Not judged, pending review (no points lost): its LR is {_lr_words(p, past)}, past where any "
               f"committed seeds measure how far runs spread ({_high_lr_row(ctx, p, result.check)}), so a miss is "
               f"no evidence for or against the claim; {decides}. What this one rerun drew: "
               + result.message)  # fmt: skip
    return replace(result, status="skip", points=0.0, max_points=0.0, pending=result.max_points + result.pending,
                   why="high-lr", message=message, tolerance=None, distance=None)  # fmt: skip


def _past_measured(ctx: Context, p: PlannedRun) -> tuple[float, float] | None:
    """(r, their LR) where training run `p` is past TEST_SOONER_MAX× the committed LR of its optimizer (`lr_ratio`):
    no committed seeds measure how far its final figures spread. None where it is not, or nothing tells."""
    ratio = lr_ratio(p.config, pool(ctx.protocols, p.config))
    return ratio if ratio is not None and ratio[0] > TEST_SOONER_MAX else None


def _lr_words(p: PlannedRun, ratio: tuple[float, float]) -> str:
    return f"{ratio[0]:.2g}× the committed {p.config.optimizer} runs' ({ratio[1]:.3g})"


# benchmarks/results/high_lr_cpu.txt (benchmarks/high_lr.py): honest runs past TEST_SOONER_MAX× the committed LRs, at
# a constant LR on mnist-5k, 30 epochs, HIGH_LR_SEEDS seeds of each: (optimizer family, LR) → (the lowest and highest
# final test accuracy, None where every seed diverged before an evaluation; seeds diverged). SGD's rows are momentum
# 0.9; Adam's measure AdamW's too (the same update, less a weight decay). A row speaks for a run within HIGH_LR_NEAR×
# of its LR; one table, read by `_high_lr_row` (tests/test_probe42.py holds it to the results file).
HIGH_LR_ROWS: dict[tuple[str, float], tuple[float | None, float | None, int]] = {
    ("sgd", 0.3): (0.96, 0.96, 0),
    ("sgd", 0.5): (0.89, 0.93, 0),
    ("sgd", 0.7): (0.15, 0.67, 1),
    ("sgd", 0.8): (0.12, 0.46, 12),
    ("sgd", 0.9): (0.10, 0.29, 12),
    ("sgd", 1.0): (0.10, 0.36, 12),
    ("sgd", 2.0): (None, None, 12),
    ("adam", 0.01): (0.94, 0.97, 0),
    ("adam", 0.03): (0.82, 0.93, 0),
    ("adam", 0.1): (0.39, 0.67, 0),
}
HIGH_LR_SEEDS = 12
HIGH_LR_DATASET = "mnist-5k"
HIGH_LR_NEAR = 1.5
HIGH_LR_FAMILY = {"sgd": "sgd", "adam": "adam", "adamw": "adam"}


def _high_lr_row(ctx: Context, p: PlannedRun, metric: str) -> str:
    """One phrase: what the nearest benchmark row of the run's own optimizer family measured (HIGH_LR_ROWS), or that
    none measures that optimizer at that LR (examiner probe 42: an AdamW run at 0.011 was told of SGD 0.7's spread)."""
    cfg = p.config
    family = HIGH_LR_FAMILY.get(cfg.optimizer)
    constant = cfg.schedule.name == "constant"
    rows = [lr for (f, lr) in HIGH_LR_ROWS if f == family] if constant and (family != "sgd" or cfg.momentum == 0.9) \
        else []  # fmt: skip
    near = min(rows, key=lambda lr: abs(math.log(lr / cfg.lr)), default=None)
    if ctx.assignment.dataset != HIGH_LR_DATASET or near is None or max(near, cfg.lr) / min(near, cfg.lr) > \
            HIGH_LR_NEAR:  # fmt: skip
        how = "at a constant LR" if constant else f"with a {cfg.schedule.name} schedule"
        return (f"no row of benchmarks/high_lr.py measures {cfg.optimizer} {how} near {cfg.lr:.3g} on "
                f"{ctx.assignment.dataset} either")  # fmt: skip
    low, high, diverged = HIGH_LR_ROWS[(family, near)]
    name = {"sgd": "SGD (momentum 0.9)", "adam": "Adam"}[family]
    ended = (f"ended anywhere from {low:.2f} to {high:.2f} in test accuracy" if low is not None else
             "all diverged before an evaluation")  # fmt: skip
    fell = f", {diverged} of them diverging" if diverged and low is not None else ""
    loss = "; their test losses are not tabled" if "loss" in metric else ""
    return (f"the nearest measured, {HIGH_LR_SEEDS} honest seeds of {name} at a constant {near:g} on "
            f"{HIGH_LR_DATASET}, {ended}{fell}{loss}: benchmarks/results/high_lr_cpu.txt")  # fmt: skip


def _table_only(check: str, ctx: Context, p: PlannedRun, judge, past: tuple[float, float]) -> str | None:
    """Where run `p` is past TEST_SOONER_MAX× the committed LR and the rerun bore its log out on its LR table only (no
    train loss, no test metrics compared), and the log agrees with the claim: a sentence saying so, the claim then
    judged as without logs. The LR table is a function of the config, which any log of it has (another seed's, an
    edited one): it bears no figure out (examiner probe 42: such a log earned full marks, "judged against your own
    log", while the same claim without it was pending review). A claim its own log contradicts is left to `_own_log`."""
    logs = ctx.logs.get(p.name)
    if check == "lr_claim" or ctx.cond.proxy or not isinstance(logs, Logs) or isinstance(logs, Mixed):
        return None
    cmp = comparison(ctx, p)
    if not plausible(cmp) or cmp.scope is not Scope.FULL or cmp.steps or cmp.epochs:
        return None
    v = judge(logs)
    if v is None or not v.ok:
        return None
    said = (f"Not written in submission.toml: read from your own log ({_read_off(check, p, v.logged)})."
            if (p.name, FIELD[check]) in ctx.read else v.message)  # fmt: skip
    return (f"{said} The log agrees with the claim, but at this LR, {_lr_words(p, past)}, nothing measures the log's "
            "figures: the rerun bears it out on its LR table only, and any log of this config has that table. "
            "So the claim is judged as without logs:")  # fmt: skip


def _unstated(check: str, entry: str, what: str, pts: float) -> CheckResult:
    """A figure the assignment asks for and the submission does not state: its points are pending (neither earned
    nor lost: a report handed in beside the file may give it), so that leaving a claim out never scores more than
    stating a true one."""
    return CheckResult(check, entry, "skip", f"Not stated: the assignment asks for {what}, and the submission gives "
                       "none (nor do the entry's logs, from which it would be read). Its points are pending until it "
                       "is stated or reviewed by hand.", pending=pts, why="unclaimed")  # fmt: skip


def _unwritten(ctx: Context, field: str, r: CheckResult) -> CheckResult:
    """A claim the student did not write, read from the run's own log (grader.logs.gather), where the rerun does not
    bear that log out, costs nothing: the figure is the log's, which the logs check already flags, and a figure the
    student never stated is no claim to mark down. Pending review instead, with the comparison kept; so too where the
    log ends before the run's last epoch (an early-stopped run's last figure, examiner probe 15)."""
    # (a chaotic rerun's miss keeps a credit as its full maximum: still a figure the student never wrote, examiner
    # probe 36 — "Claimed test loss 36.92" of a log's last epoch, 11 of 30)
    # (a passing figure from a log the rerun contradicts is no figure of this config's either, examiner probe 41: a
    # log copied from another config earned 100/100 where its figures fell within the committed seeds' spread)
    cmp = ctx.comparisons.get(r.subject)
    if (r.subject, field) not in ctx.read or not (cmp is not None and cmp.parted) and (
            r.status not in ("fail", "warn") or (r.points >= r.max_points and r.why != "chaotic")):  # fmt: skip
        return r
    p = next(q for q, _ in ctx.runs if q.name == r.subject)
    logs = ctx.logs.get(r.subject)
    short = isinstance(logs, Logs) and ends_early(logs, p)  # its last epoch is not the run's (examiner probe 15)
    if plausible(cmp) and not short:  # a figure a borne-out log contradicts stands
        return r
    what = field.removeprefix("claimed_").replace("_", " ")
    why = (f"whose last epoch ({max(logs.epoch)}) is not the run's {p.config.epochs}" if short else
           "which the rerun does not bear out (the logs check)")  # fmt: skip
    judge = "mark down" if r.status != "pass" else "credit"
    msg = (f"Not written in submission.toml: this {what} was read from the run's own log, {why}, so it is no claim of "
           f"the student's to {judge} — pending review by hand; state {field} to have a figure judged. The "
           f"comparison: {r.message}")  # fmt: skip
    return replace(r, status="skip", message=msg, points=0.0, max_points=0.0, pending=r.max_points + r.pending,
                   why="unwritten")  # fmt: skip


def _diverged_claim(check: str, metric: str, ctx: Context, p: PlannedRun, o: Outcome, claimed: float,
                    pts: float) -> CheckResult:  # fmt: skip
    label = metric.replace("_", " ")
    if o.error or o.result is None:
        return _error(check, p, o, pts, claimed)
    diverged = o.result["diverged"]
    if diverged:
        return CheckResult(check, p.name, "pass", f"Claimed {label} {claimed}: the run diverged, and so does the rerun "
                           f"(step {diverged['step']}: {diverged['reason']}).", claimed=claimed, points=pts,
                           max_points=pts)  # fmt: skip
    if p.until_epoch is not None:
        return CheckResult(check, p.name, "skip", f"Claimed {label} {claimed} (a diverged run): the quick rerun did "
                           f"not diverge in its {p.until_epoch} epochs; the full grade checks the rest.",
                           claimed=claimed, pending=pts, why="quick")  # fmt: skip
    final = o.result["final"][metric] if o.result["final"] else None
    if p.config.schedule.name in OWN_ALGORITHM:  # another stream's run of it may not diverge (examiner probe 24)
        seeded = "seed" in p.claim.model_fields_set
        ran = f"the rerun of seed {p.config.seed}" if seeded else f"the rerun (seed {p.config.seed}; none was set)"
        end = f": it ends at {final:.4g}" if final is not None else ""
        return CheckResult(check, p.name, "skip", f"Not judged, pending review: claimed {label} {claimed} (a diverged "
                           f"run); {ran} did not diverge{end}. The automated scheduler's runs of one config end far "
                           "apart from one random stream to another, and a seed of another training script is another "
                           f"stream, so this cannot tell a wrong claim from another stream's run. {_auto_advice(p)}",
                           claimed=claimed, rerun=final, pending=pts,
                           why="stream" if seeded else "unseeded")  # fmt: skip
    ratio = lr_ratio(p.config, pool(ctx.protocols, p.config))
    if ratio is not None and ratio[0] > SOONER_MAX:  # whether a seed diverges there is the seed's (high_lr.py)
        end = f": it ends at {final:.4g}" if final is not None else ""
        return CheckResult(check, p.name, "skip", f"Not judged, pending review: claimed {label} {claimed} (a diverged "
                           f"run); the rerun did not diverge{end}. Its LR is {ratio[0]:.2g}× the committed "
                           f"{p.config.optimizer} runs' ({ratio[1]:.3g}), where whether a run diverges may be its "
                           "seed's doing (benchmarks/high_lr.py: at SGD 0.7, 1 seed of 12 diverged, at step 943): no "
                           "evidence against the claim. The run's logs (docs/evidence.md) decide it.", claimed=claimed,
                           rerun=final, pending=pts,
                           why="high-lr" if ratio[0] > TEST_SOONER_MAX else "review")  # fmt: skip
    return CheckResult(check, p.name, "fail", f"Claimed {label} {claimed} (a diverged run), but the rerun did not "
                       f"diverge: it ends at {final:.4g}." if final is not None else f"Claimed {label} {claimed}, "
                       "but the rerun did not diverge.", claimed=claimed, rerun=final, max_points=pts)  # fmt: skip


def _proxy_metric(check: str, metric: str, ctx: Context, p: PlannedRun, claimed: float, pts: float) -> CheckResult:
    """A final metric claimed on other data than the rerun's is never judged by the rerun: against the committed
    reference of the claim's data (same optimizer and schedule, an LR within the LR tolerance, same epochs) when
    there is one, otherwise shown as not checkable, flagged, its points pending."""
    cond, label = ctx.cond, metric.replace("_", " ")
    found = baseline_entry(ctx.claim_baseline, p.config)
    if found and found[1]["config"]["epochs"] == p.config.epochs and \
            decades(found[1]["config"]["lr"], p.config.lr) <= ctx.tol.lr_min_decades:  # fmt: skip
        name, stats = found[0], found[1]["final"][metric]
        s = sigma(metric, stats["mean"], stats["std"], DATASETS[cond.claimed].test_size)
        tol, dist = ctx.tol.k_sigma * s, abs(claimed - stats["mean"])
        status, points = banded(dist, tol, ctx.tol.partial_band, pts)
        msg = (f"Claimed on {cond.claimed}: {label} {claimed:.4g} against the committed {cond.claimed} reference "
               f"{name} ({stats['mean']:.4g} ± {stats['std']:.2g}, {len(stats['values'])} seeds): z = "
               f"{(claimed - stats['mean']) / s:+.1f}, allowed ±{ctx.tol.k_sigma:g}σ.")  # fmt: skip
        return CheckResult(check, p.name, status, msg, claimed=claimed, reference=round(stats["mean"], 4),
                           tolerance=round(tol, 4), distance=round(dist, 4), unit="abs",
                           origin=_sigma_origin(ctx, metric, s, stats) + f" ({cond.claimed} reference)",
                           points=points, max_points=pts)  # fmt: skip
    return CheckResult(check, p.name, "skip", f"Not checkable on {cond.rerun}, flagged for review (its points "
                       f"pending): the {label} was claimed on {cond.claimed}, a rerun on {cond.rerun} is no evidence "
                       f"for or against it, and no committed {cond.claimed} reference matches this run.",
                       claimed=claimed, pending=pts, why=f"data:{cond.claimed}")  # fmt: skip


def _chaotic(ctx: Context, p: PlannedRun, o: Outcome, result: CheckResult) -> CheckResult:
    """A metric check on a chaotic rerun (rounding alone moves its figures: the reproducible check). A rerun that bears
    the claim out still does, chaotic or not. One that does not is no evidence against it either: `chaotic_credit` of
    the points given, the rest pending review by hand (neither earned nor lost here)."""
    if not ctx.chaotic(p, o) or result.status in ("skip", "error", "pass"):
        return result
    credit = round(ctx.tol.chaotic_credit * result.max_points, 2)
    message = (f"Not graded automatically: the rerun is chaotic (see the reproducible check), so a miss is no "
               f"evidence; {ctx.tol.chaotic_credit:.0%} of the points given, the rest pending review by hand. What "
               "this one rerun drew, for reference only (not a measure of the claim): " + result.message)  # fmt: skip
    return replace(result, status="warn", points=credit, max_points=credit,
                   pending=round(result.max_points - credit, 2), why="chaotic", message=message)  # fmt: skip


def check_reproducible(ctx: Context, pts: float) -> list[CheckResult]:
    """Is a rerun's outcome a property of its config, or of rounding? Its probe twin (initial weights nudged
    by a relative `probe_nudge`, ~10× the rounding that separates engines and devices) says."""
    out, tol = [], ctx.tol
    for p, o in ctx.of_kind("train"):
        twin = ctx.probes.get(p.name)
        if twin is None or o.result is None:
            continue  # probes off, or the rerun itself failed (the other checks say so)
        if twin.result is None:
            out.append(CheckResult("reproducible", p.name, "skip", f"The probe twin failed: {twin.error}."))
            continue
        d, n = ctx.drift(p, o)
        nudge = f"a {tol.probe_nudge:g} relative nudge of the initial weights"
        if d <= tol.chaos_drift:
            status, points = "pass", pts
            msg = (f"{nudge.capitalize()} moves the train loss by at most {d:.1e} (relative) over the first {n} "
                   "steps: the rerun's figures belong to its config, not to rounding.")  # fmt: skip
        else:
            status, points = "warn", round(tol.chaotic_credit * pts, 2)
            moved = "makes one of the two diverge" if math.isinf(d) else f"moves the train loss by {d:.1%}"
            then = (f"a metric check its rerun does not bear out gets {tol.chaotic_credit:.0%} of its points, the rest "
                    "pending review by hand" if p.config.schedule.name not in OWN_ALGORITHM else "an [[auto]] run's "
                    "claims pass where the rerun of a stated seed reproduces them, else they are pending review (its "
                    "logs decide), never docked")  # fmt: skip
            msg = (f"Chaotic (a property of this config, not a fault of the submission): {nudge} {moved} within {n} "
                   f"steps, so rounding alone (another engine, device or torch version) changes this run's figures; "
                   f"{then}.")  # fmt: skip
        out.append(CheckResult("reproducible", p.name, status, msg, distance=d, tolerance=tol.chaos_drift,
                               unit="relative", origin=f"the probe twin's train loss vs the rerun's, over {n} steps",
                               points=points, max_points=pts))  # fmt: skip
    return out


def judged_runs(ctx: Context) -> tuple[set[str], dict[str, str]]:
    """The training runs whose baseline comparison carries points (assignment.toml `baseline_runs`), and for every
    other run the phrase that says why it is compared for information only. A submission's controls (the picked
    LR ÷ 10 and × 10, as the course asked) train slower or blow up by design: judging them would mark a student
    down for doing the assignment. An [[auto]] run (whose baseline is not judged: check_baseline) is an optimizer's
    best run only where it has no [[run]]: it never takes a [[run]]'s baseline points away (examiner probe 8)."""
    runs, policy = ctx.of_kind("train"), ctx.assignment.baseline_runs
    if policy == "all":  # every run but those the student marks as controls (compared for information, as documented)
        controls = {p.name for p, _ in runs if getattr(p.claim, "role", None) == "control"}
        return {p.name for p, _ in runs} - controls, dict.fromkeys(controls, "marked role = 'control'")
    # a run marked final that the config check refuses is still the run the student stands by: its baseline points
    # are refused with it (check_config), not handed to a control or another run (examiner probe 43, M4)
    refused = refusals(ctx.sub, ctx.assignment).entries
    gone = [(name, optimizer) for name, optimizer, role, _ in _refused_runs(ctx.sub, refused) if role == "final"]
    judged, why = set(), {}
    for opt in dict.fromkeys(p.config.optimizer for p, _ in runs):
        items = [(p, o) for p, o in runs if p.config.optimizer == opt]
        items = [(p, o) for p, o in items if p.config.schedule.name not in OWN_ALGORITHM] or items
        marked = [p.name for p, _ in items if getattr(p.claim, "role", None) == "final"]
        lost = ", ".join(name for name, of in gone if of == opt)
        if marked or lost or policy == "final":
            judged |= set(marked)
            said = [f"judged: {', '.join(marked)}"] if marked else []
            if lost:
                said.append(f"{lost}: marked final and refused by the config check, its baseline points with it")
            for p, _ in items:
                if p.name not in judged:
                    why[p.name] = (f"not marked role = 'final' ({'; '.join(said)})" if said else
                                   "not marked role = 'final' (assignment.toml baseline_runs = 'final')")  # fmt: skip
            continue
        pool = [(p, o) for p, o in items if getattr(p.claim, "role", None) != "control"] or items
        if ctx.quick:  # a prefix favours the fastest starter (the LR × 10 control): the run at the student's pick,
            # and one whose figures the student states (prefixes of other lengths — 120 steps of an epoch-counted run,
            # 469 of a step-counted one — do not rank the runs the full grade ranks at their end)
            picks = [v for rt in ctx.sub.range_test if rt.optimizer == opt for v in _claimed_lrs(rt)]
            pool = [(p, o) for p, o in pool if any(math.isclose(p.config.lr, v, rel_tol=1e-6) for v in picks)] or pool
            pool = [(p, o) for p, o in pool if getattr(p.claim, "claimed_test_accuracy", None) is not None] or pool
        # ties (two runs at one LR level until a step schedule's first step) broken by name, not the order written
        best, best_o = min(pool, key=lambda t: (-_reached(ctx, *t), t[0].name))  # (examiner probe 43, L2)
        judged.add(best.name)
        reached = _reached(ctx, best, best_o)
        epochs = (best.until_epoch or best.config.epochs) if best.name in ctx.seeds else \
            len((best_o.result or {}).get("epochs", []))  # fmt: skip
        at = f" ({reached:.4f} at epoch {epochs})" if reached >= 0 else ""
        for p, _ in items:
            if p.name != best.name:
                why[p.name] = ("marked role = 'control'" if getattr(p.claim, "role", None) == "control" else
                               f"not this submission's best {opt} run: {best.name}{at} is judged, and other runs "
                               "(such as LR checks at the pick ÷ 10 and × 10) train at their own pace")  # fmt: skip
    return judged, why


def _claimed_lrs(rt: RangeTestClaim) -> list[float]:
    """A sweep's claimed LR(s) as a list (none, one, or the range a rule like `range` claims)."""
    return list(rt.claimed_lr) if isinstance(rt.claimed_lr, tuple) else [rt.claimed_lr] if rt.claimed_lr else []


def _reached(ctx: Context, p: PlannedRun, o: Outcome) -> float:
    """A rerun's test accuracy at its last epoch (a run judged against seeds: their mean); −1 for a rerun that failed
    or diverged."""
    if seeds := ctx.seeds.get(p.name):  # at the epoch the other runs reach (quick mode: their prefix)
        per_epoch = seeds.entry.get("epochs") or []
        at = min(p.until_epoch or p.config.epochs, len(per_epoch))
        return per_epoch[at - 1]["test_accuracy"]["mean"] if at else seeds.entry["final"]["test_accuracy"]["mean"]
    r = o.result
    if r is None or r["diverged"] or not r["epochs"]:
        return -1.0
    return r["epochs"][-1]["test_accuracy"]


def check_baseline(ctx: Context, pts: float) -> list[CheckResult]:
    """Each judged run's rerun against the committed reference of its own config (another seed of it), epoch for
    epoch; against a reference of another config (another LR, schedule or optimizer setting) at the final epoch
    only: a run at half the LR is behind at epoch 3 and level at epoch 30. The other runs: for information."""
    judged, why = judged_runs(ctx)
    out = []
    for p, o in ctx.of_kind("train"):
        result = _baseline_one(ctx, p, o, pts, p.name in judged)
        if p.name in judged:
            if not (o.result or {}).get("diverged"):  # a diverged rerun fails, chaotic or not
                result = _chaotic(ctx, p, o, result)
        elif p.config.schedule.name not in OWN_ALGORITHM:  # an [[auto]] run's own message says why it is not judged
            message = f"For information (no points at stake): {why.get(p.name, 'not judged')}. " + result.message
            result = replace(result, message=message, status="skip" if result.status != "error" else "error",
                             points=0.0, max_points=0.0, pending=0.0)  # fmt: skip
        out.append(result)
    return out


def _baseline_one(ctx: Context, p: PlannedRun, o: Outcome, pts: float, judged: bool = True) -> CheckResult:
    """Run `p`'s baseline comparison; `judged`: its points are at stake (else it is shown for information)."""
    if seeds := ctx.seeds.get(p.name):
        acc = seeds.entry["final"]["test_accuracy"]
        # nothing is compared: a rerun would be one more of those seeds (examiner probe 42: "judged against" read as
        # a comparison that was never made)
        return CheckResult("baseline", p.name, "pass", f"Met by construction, nothing compared: this run's config is "
                           f"a committed reference config ({seeds.n} committed seeds of it, {seeds.protocol} "
                           f"{seeds.name}, reach {acc['mean']:.4f} ± {acc['std']:.4f} at epoch {p.config.epochs}), so "
                           "a rerun of it would be one more of those seeds: it trains as the reference does.",
                           reference=round(acc["mean"], 4), points=pts, max_points=pts)  # fmt: skip
    if p.config.schedule.name in OWN_ALGORITHM:  # nothing to wait for: no points at stake, none pending
        return CheckResult("baseline", p.name, "skip", f"Not judged (no points at stake): the automated scheduler "
                           f"({p.config.schedule.name}) is another algorithm than a schedule, which no constant-LR "
                           "reference stands in for, and no committed reference runs of it exist (`reference "
                           "compare-schedulers` compares it over 10 epochs and 3 seeds, too few to judge a run by); "
                           "its claims are checked against its logs, or the rerun of the seed it states.")  # fmt: skip
    ref = ctx.reference(p)
    if ref is None:
        return CheckResult("baseline", p.name, "skip", f"Not checkable: no committed reference baseline for "
                           f"{p.config.dataset} {p.config.optimizer}.", pending=pts, why="reference")  # fmt: skip
    cfg, ref_cfg, mine = p.config, ref.entry["config"], p.config.model_dump(mode="json")
    if failed := _rerun_failed("baseline", p, o, pts):
        return (failed.status == "fail" and _another_lr(ref, p.name, mine, pts, failed.message)) or failed
    ref_epochs, ran = len(ref.entry["epochs"]), len(o.result["epochs"])
    longer = bool(cfg.epoch_steps) and cfg.epoch_steps != steps_per_epoch(cfg.dataset, cfg.batch_size)
    if not ref.same:
        if longer and not ran == ref_epochs == cfg.epochs:
            cut = p.until_epoch is not None and ref_epochs == cfg.epochs  # else the full grade cannot either
            who = "the full grade compares" if cut else f"a grade on {ctx.cond.claimed} itself compares"
            return CheckResult("baseline", p.name, "skip", f"Not comparable at epoch {ran}: this rerun follows the "
                               f"claim's {cfg.epoch_steps}-step epochs ({p.conditions}), and no committed reference of "
                               f"its config does; {who} where both end.", pending=pts,
                               why="quick" if cut else f"data:{ctx.cond.claimed}")  # fmt: skip
        if cfg.preprocess != ref_cfg.get("preprocess", "pad-normalize"):
            return CheckResult("baseline", p.name, "skip", f"Not comparable: this rerun's input is {cfg.preprocess!r}, "
                               f"the reference {ref.name} was trained on {ref_cfg.get('preprocess')!r} input (they "
                               "train at different speeds at the same LR).", pending=pts,
                               why="reference")  # fmt: skip
    note = ""
    # where this run ends, the reference has run as far: at its own end, or a length-free reference past it (one
    # that ends sooner says nothing of this run's last epochs: examiner probe 24, a 40-epoch CyclicLR run beside
    # 30-epoch references was promised a comparison by the full grade, which then had none)
    ends_level = cfg.epochs == ref_epochs or length_free(mine) and length_free(ref_cfg) and ref_epochs > cfg.epochs
    if ref.same:
        epoch = min(ran, ref_epochs)
        lr, theirs = lr_of(mine), lr_of(ref_cfg)
        seeds = next(((b.get("protocol") or {}).get("seeds") or () for b in ctx.baselines or [ctx.baseline] if b
                      and b.get("dataset") == ref.protocol), ())  # fmt: skip
        # the rerun's seed may be one the reference ran (examiner probe 32: "another seed of it" of a committed seed)
        among = f"its seeds, the rerun's seed {cfg.seed} among them" if cfg.seed in seeds else "another seed of it"
        how = f"the reference of this run's own config ({ref.name}, {among})"
        if not math.isclose(lr, theirs, rel_tol=1e-6):  # within baseline_lr_decades: met as its own config
            how = (f"the reference {ref.name} at LR {theirs:.3g} (this run's {lr:.3g} is within "
                   f"{ctx.tol.baseline_lr_decades:g} decades of it, baseline_lr_decades: met as its own "
                   "config)")  # fmt: skip
        if cfg.epochs != ref_epochs:  # one is the other's first epochs (context.lr_only)
            how += (f", at epoch {epoch} (the reference runs {ref_epochs} epochs, this run {cfg.epochs}: this "
                    "schedule's LR does not depend on the run's length)")  # fmt: skip
    elif longer:
        epoch = ran  # the claim's steps, far more than the reference's: a shortfall where both end is the run's own
        how = (f"the reference {ref.name} at its final epoch (this run takes the claim's {cfg.epoch_steps:,} steps an "
               f"epoch, {cfg.epoch_steps * cfg.epochs:,} in all; the reference {ref_epochs} passes over "
               f"{cfg.dataset}: compared where both end, a shortfall only)")  # fmt: skip
        note = (f" No committed reference of this run's config (it differs from {ref.name} in "
                f"{differences(mine, ref_cfg)}).")  # fmt: skip
    elif ran == cfg.epochs and ends_level:
        # where this run ends; a length-free reference's first n epochs are an n-epoch run of it (20 epochs allowed
        # beside a 30-epoch reference) — but not this run's first n: its schedule was chosen for its own length
        epoch = ran
        how = f"the reference {ref.name} at its final epoch" if epoch == ref_epochs else (
            f"the reference {ref.name} at epoch {epoch}, where this run ends (the reference's LR does not depend on "
            f"its length: its first {epoch} epochs are a {epoch}-epoch run of its config)")  # fmt: skip
        note = (f" No committed reference of this run's config (it differs from {ref.name} in "
                f"{differences(mine, ref_cfg)}): a run of another config is compared where it ends (epoch {epoch}), "
                "not on the way.")  # fmt: skip
    else:
        nearest = (f"no committed reference of this run's config (the nearest, {ref.name}, differs in "
                   f"{differences(mine, ref_cfg)})")  # fmt: skip
        if ctx.quick and ran < cfg.epochs and ends_level:  # a quick prefix: the full grade compares where both end
            message = (f"Not comparable at epoch {ran}: {nearest}, and a run of another config starts faster or "
                       f"slower but may end level: it is compared at its final epoch ({cfg.epochs}) by the full "
                       "grade" + (" (a shortfall there against a reference that differs only in the student's "
                                  "choices — the LR, the optimizer's settings, the scheduler — is left for review by "
                                  "hand)" if judged and choices_only(mine, ref_cfg) else "") + ".")  # fmt: skip
        else:  # no reference ends where this run does: no grade of this tool compares it (examiner probe 14: a
            # quick grade promised the full one would, for a 5-epoch run beside 30-epoch references)
            message = (f"Not comparable: {nearest}, and this run ends at epoch {cfg.epochs}, the reference at epoch "
                       f"{ref_epochs}; runs of other configs are compared only where both end. Review its curve by "
                       "hand against the report's plot.")  # fmt: skip
        return CheckResult("baseline", p.name, "skip", message, pending=pts,
                           why="quick" if ctx.quick and ran < cfg.epochs and ends_level else "reference")  # fmt: skip
    stats = ref.entry["epochs"][epoch - 1]["test_accuracy"]
    observed = o.result["epochs"][epoch - 1]["test_accuracy"]
    seeds = len(stats["values"])
    d = baseline_tolerance(stats["mean"], stats["std"], seeds, ctx.n_test, ctx.tol.k_claim)
    shortfall = max(stats["mean"] - observed, 0.0)
    status, points = banded(shortfall, d.tol, ctx.tol.partial_band, pts)
    reached = (f"At epoch {epoch} the rerun reaches {observed:.4f}; {how} reaches {stats['mean']:.4f} ± "
               f"{stats['std']:.4f}")  # fmt: skip
    if judged:
        msg = (f"{reached} ({seeds} seeds); allowed shortfall {d.k:g}σ = {d.tol:.4f} (σ = {d.sigma_d:.4f}: "
               f"{d.sigma:.4f}, the larger of the seeds' spread at its upper 95 % bound and the test set's sampling "
               f"error, for one seed against a {seeds}-seed mean). Only a shortfall ≥ "
               f"{d.min_detectable() * 100:.1f} pp {DETECTS}" + note)  # fmt: skip
    else:  # for information: no allowance to exceed (examiner probe 42: a ÷10 control's 2.9 pp beside "allowed
        # 1.46 pp" read as a failure of a row that carries no points)
        below = stats["mean"] - observed
        msg = (f"{reached} ({seeds} seeds): {abs(below) * 100:.1f} pp {'below' if below > 0 else 'above'} it, for "
               "comparison only." + note)  # fmt: skip
    diverged = o.result["diverged"]
    if diverged:  # a diverged rerun fails whatever its last accuracy, chaotic or not
        status, points = "fail", 0.0
        msg = f"The rerun diverged at step {diverged['step']} ({diverged['reason']}). " + msg
    # a run shown for information is given and owed nothing: no "points given, the rest pending" (probe 40, F3)
    if status != "pass" and (excused := _another_lr(ref, p.name, mine, pts, msg, points if judged else 0.0)):
        return replace(excused, rerun=round(observed, 4), reference=round(stats["mean"], 4), tolerance=round(d.tol, 4),
                       distance=round(shortfall, 4), unit="abs")  # fmt: skip
    result = CheckResult("baseline", p.name, status, msg, rerun=round(observed, 4), reference=round(stats["mean"], 4),
                         tolerance=round(d.tol, 4), distance=round(shortfall, 4), unit="abs",
                         origin=f"k·σ·√(1 + 1/{seeds}) = {d.k:g}·{d.sigma:.3g}·{d.factor:.2f} (shortfall only): σ "
                         f"= the std of {seeds} reference seeds at that epoch, floored at the binomial SE on "
                         f"{ctx.n_test:,} test images; k for ≤ {FALSE_FAIL_TARGET:.0%} of honest students losing "
                         "points (benchmarks/grading_power.py)",
                         points=points, max_points=pts)  # fmt: skip
    return result


def _another_lr(ref: Reference, run: str, mine: dict, pts: float, msg: str, banded: float = 0.0) -> CheckResult | None:
    """A shortfall (or a divergence) of run `run` (its config `mine`, a RunConfig dump) against a reference that
    differs from it only in choices the assignment leaves to the student — its LR (their rule's pick, a cautious half
    of it), the optimizer's settings (a weight decay) and the scheduler (another one, a gamma, a step size;
    `context.choices_only`) — pending review: a run with other choices may end
    lower or blow up by design, which no committed run of them tells from a fault. A shortfall within the partial band
    keeps its `banded` points, the rest pending: the excuse never gives less than judging would. None otherwise."""
    ref_cfg = ref.entry["config"]
    if ref.same or not choices_only(mine, ref_cfg):
        return None
    if lr_only(mine, ref_cfg):
        why = (f"this run differs from {ref.name} only in its LR ({lr_of(mine):.3g}; the reference's "
               f"{lr_of(ref_cfg):.3g}), and a run at another LR may end lower or diverge by design — whether this is "
               "the LR's doing or the run's, no committed run at this LR tells (benchmarks/baseline_rules.py measures "
               "how runs at the rules' picks end)")  # fmt: skip
    else:
        why = (f"this run differs from {ref.name} only in choices the assignment leaves to the student "
               f"({differences(mine, ref_cfg)}), and a run with other choices may end lower or diverge by design — "
               "whether this is those choices' doing or the run's, no committed run of this config tells")  # fmt: skip
    if banded > 0:
        return CheckResult("baseline", run, "warn", f"Partly judged: {why}; the shortfall is within the partial band, "
                           f"so its {banded:g} of {pts:g} points are given and the rest is pending review by hand. "
                           + msg, points=banded, max_points=banded, pending=round(pts - banded, 2),
                           why="lr")  # fmt: skip
    return CheckResult("baseline", run, "skip", f"Not judged: {why}. " + msg, pending=pts, why="lr")


def check_plausibility(ctx: Context, pts: float) -> list[CheckResult]:
    """Figures no rerun or reference gets near, accuracies above 1, picks outside the sweep, diverged reruns."""
    flags: list[tuple[str, str, dict]] = []  # (run, what is implausible, its figures)
    ref_losses = [e["final"]["test_loss"]["mean"] for e in (ctx.baseline or {}).get("runs", {}).values()]
    for p, o in ctx.runs:
        c = p.claim
        if p.kind == "range-test":
            lrs = _claimed_lrs(c)
            scale = 0.1 if c.rule == "min/10" else 1.0  # that rule's picks live a decade below the sweep
            low, high = c.start_lr * scale, p.config.schedule.end_lr * scale  # a staircase: its last stair
            if any(not low <= lr <= high for lr in lrs):
                flags.append((p.name, f"claimed LR {', '.join(f'{v:g}' for v in lrs)} lies outside the range rule "
                              f"{c.rule!r} can pick from this sweep, [{low:g}, {high:g}]",
                              {"claimed": _one(lrs)}))  # fmt: skip
            continue
        if c.claimed_test_accuracy is not None and c.claimed_test_accuracy > 1:
            flags.append((p.name, f"claimed accuracy {c.claimed_test_accuracy:g} > 1 (report a fraction, not %)",
                          {"claimed": c.claimed_test_accuracy}))  # fmt: skip
        figures = (("test_accuracy", c.claimed_test_accuracy), ("test_loss", c.claimed_test_loss))
        good = [f"{m.replace('_', ' ')} {v:g}" for m, v in figures
                if v is not None and math.isfinite(v) and trained(m, v)]  # fmt: skip
        # a control at × 10 may blow up: only a claim is implausible, and only where every seed diverges (a later
        # divergence may be the seed's: the claim checks leave a trained figure beside it pending)
        if good and diverged_early(o.result, p.config):
            flags.append((p.name, f"the rerun diverged ({o.result['diverged']['reason']}), as every seed of a "
                          f"constant LR measured does that diverges within {EARLY_DIVERGENCE} steps, yet the run "
                          f"claims the figures of a trained network ({', '.join(good)})", {}))  # fmt: skip
        reachable = [v for v in [*ref_losses, *(e["test_loss"] for e in (o.result or {}).get("epochs", []))]
                     if math.isfinite(v)]  # fmt: skip
        factor = ctx.tol.implausible_loss_factor
        if c.claimed_test_loss is not None and reachable and c.claimed_test_loss * factor < min(reachable):
            ratio = min(reachable) / max(c.claimed_test_loss, 1e-12)
            reruns = [e["test_loss"] for e in o.result["epochs"] if math.isfinite(e["test_loss"])] if o.result else []
            refs = [v for v in ref_losses if math.isfinite(v)]
            figures = {"claimed": c.claimed_test_loss, "rerun": min(reruns) if reruns else None,
                       "reference": min(refs) if refs else None, "distance": round(ratio, 1),
                       "tolerance": factor, "unit": "×", "origin": "implausible_loss_factor: a claimed loss this "
                       "many times below the lowest any rerun or reference run reaches"}  # fmt: skip
            on = (f" on {ctx.cond.rerun}; the claim was made on {ctx.cond.claimed}, whose own floor no committed run "
                  "here measures") if ctx.cond.proxy else ""  # fmt: skip
            flags.append((p.name, f"claimed test loss {c.claimed_test_loss:.3g} is {ratio:.0f}× below the lowest "
                          f"any rerun or reference run reaches ({min(reachable):.3g}){on}", figures))  # fmt: skip
    out = [CheckResult("plausibility", name, "fail", msg[0].upper() + msg[1:] + ".", **figures)
           for name, msg, figures in flags]  # fmt: skip
    # the claims of the entries planned (rerun or judged against seeds): a refused entry's figures are checked by
    # nothing here, and a pass over them alone checked no claim
    claims = [v for p, _ in ctx.runs for v in ((p.claim.claimed_lr,) if p.kind == "range-test" else
                                               (p.claim.claimed_test_accuracy, p.claim.claimed_test_loss))]  # fmt: skip
    if flags:
        out.append(CheckResult("plausibility", "submission", "fail", f"{len(flags)} implausible figure(s), listed "
                               "above.", max_points=pts))  # fmt: skip
    elif all(v is None for v in claims):  # nothing to find implausible: no points for checking nothing
        out.append(CheckResult("plausibility", "submission", "skip", "No claimed figure to check (no entry that "
                               "is graded states an LR pick, accuracy or loss)."))  # fmt: skip
    else:
        out.append(CheckResult("plausibility", "submission", "pass", "Every claimed figure is within reach of a "
                               "rerun or the reference.", points=pts, max_points=pts))  # fmt: skip
    return out


# One entry per check: (context, its points) -> its results. The README's check table says what each compares.
CHECKS: dict[str, Callable[[Context, float], list[CheckResult]]] = {
    "config": check_config,
    "lr_claim": check_lr_claims,
    **{k: partial(_metric_claims, k, RUBRIC[k].claim) for k in FINAL_METRIC_CHECKS},  # accuracy_claim, loss_claim
    "reproducible": check_reproducible,
    "baseline": check_baseline,
    "plausibility": check_plausibility,
    "logs": check_logs,
}


def run_checks(ctx: Context) -> list[CheckResult]:
    """Every check of the rubric (grader.rubric.RUBRIC), in its order, at the assignment's points."""
    points = ctx.assignment.points
    return [r for key in RUBRIC for r in CHECKS[key](ctx, getattr(points, key))]
