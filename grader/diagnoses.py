"""Diagnoses: one table of this assignment's known pitfalls. Each names the likely cause of a failing check.

A pitfall is a pure function of one `Case` (the claim, the student's logs, the rerun, the reference and, where
one ran, its counterfactual rerun) returning a `Diagnosis` or None. A pitfall that a rerun can confirm also
says which config injects the suspected mistake (`counterfactual`); those reruns are planned only where the
pitfall's cheap evidence points at it, and cached like any rerun. A diagnosis is `confirmed` only when the
counterfactual (a rerun, an exact LR table, or the claim re-read as the mistake reads it) lands within
tolerance of the student's claim or log. Diagnoses explain; they never change points.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

from grader.context import Context, epoch_sized_steps
from grader.evidence import (
    FALLBACK_SAFETY,
    LOG_FLOOR,
    Band,
    Comparison,
    Scope,
    apart,
    checkpoints,
    column_units,
    compare,
    comparison,
    diverges,
    eval_lrs,
    log_units,
    lr_against_log,
    lrs_text,
    noise,
    printed,
    printed_decades,
)
from grader.plan import Conditions, PlannedRun, counterfactual, refusals
from grader.results import CheckResult
from grader.rubric import DIAGNOSED
from grader.runner import Outcome
from reference.config import RunConfig, ScheduleConfig
from reference.datasets import DATASETS
from reference.optim import lr_table
from reference.outputs import Logs
from reference.rules import RULES, eval_curve, smooth
from reference.schedules import SCHEDULES
from reference.tolerances import sigma

Confidence = Literal["low", "medium", "high"]
CLASSES = 10
SOFTMAX_FLOOR = math.log(1 + (CLASSES - 1) / math.e)  # CE of softmax(p) for a one-hot p: ≈ 1.461 for 10 classes
CE_EXCESS = 5.0  # a trained LeNet5's mean test cross-entropy is ~4–6× its floor (1 − accuracy)·ln 2 (mnist-5k reruns:
# 5.0 at 3 epochs, 6.0 at 30; 3.9 at chance), so × 3 either way of CE_EXCESS·floor ÷ loss brackets the divisor
NO_CAUSE = "no known cause matched"
F32_TINY = 1.1754943508222875e-38  # float32's smallest normal: TensorBoard stores LRs in float32, and LRs below it
# (an LR divided by 10 every 10 steps for a few hundred steps) are all zero to training


@dataclass(frozen=True)
class Diagnosis:
    pitfall: str  # key in PITFALLS
    cause: str  # one sentence: what went wrong
    evidence: str  # one or two sentences: the figures that say so
    confidence: Confidence
    confirmed: bool  # a counterfactual landed within tolerance of the claim or the log

    def as_dict(self) -> dict:
        return {"pitfall": self.pitfall, "title": PITFALLS[self.pitfall].title, "cause": self.cause,
                "evidence": self.evidence, "confidence": self.confidence, "confirmed": self.confirmed}  # fmt: skip


def unexplained() -> dict:
    return {"pitfall": None, "title": None, "cause": NO_CAUSE, "evidence": "", "confidence": None, "confirmed": False}


@dataclass(frozen=True)
class Case:
    """What a pitfall may look at for one failing check of one run. Read-only."""

    check: str  # the failing check's key
    claim: Any  # RunClaim | RangeTestClaim | AutoClaim
    config: RunConfig  # the rerun's (claimed) config
    rerun: dict | None  # the rerun's result (reference.loop.run)
    reference: dict | None  # the committed baseline entry for this config, if any
    logs: Logs | None = None
    comparison: Comparison | None = None  # logs vs rerun
    n_test: int = 1000
    k: float = 3.0  # tolerance: k·σ (σ floored as in reference.tolerances)
    counterfactual: dict | None = None  # this pitfall's counterfactual rerun, when it ran
    band: Band | None = None  # the seed noise the log is judged within (grader.evidence.noise)
    epochs: dict | None = None  # the reference's per-epoch stats for that band
    k_logs: float = 3.5
    cond: Conditions | None = None  # the claim's data against the rerun's
    refused: str | None = None  # why the entry was not rerun (its claims and logs are still examined)
    ref_same: bool = False  # `reference` is this very config at other seeds (else the nearest committed config)
    mixed: bool = False  # the log holds several runs and parts from the rerun: no cause is read off its figures

    @property
    def per_epoch(self) -> int:
        if self.config is not None and self.config.epoch_steps:
            return self.config.epoch_steps
        train = (self.rerun or {}).get("meta", {}).get("train_size", 0)
        return math.ceil(train / self.config.batch_size) if train else 1

    def rel_sigma(self, metric: str, epoch: int | None = None) -> float:
        """Relative seed σ of `metric` (a loss) at `epoch` (default: the reference's last) of this config's
        reference, floored at 5 %: losses near zero spread by a large share of themselves."""
        ref = self.reference or {}
        stats = (ref.get("epochs") or [])[epoch - 1][metric] if epoch and epoch <= len(ref.get("epochs") or []) \
            else (ref.get("final") or {}).get(metric) or {}  # fmt: skip
        mean, std = stats.get("mean"), stats.get("std", 0.0)
        return max(0.05, std / mean if mean else 0.0)

    def loss_sigma(self, metric: str) -> float:
        """Relative seed σ of this config's final `metric` (a loss), like with like: for the train loss, the seed band
        of log(smoothed train loss) at the run's last step (this config's committed seeds, or the widest committed
        band ×1.5); else the committed seeds of this very config; else the nearest committed config's, widened by
        FALLBACK_SAFETY (another config's seeds say little of this one's). Floored at 5 %."""
        n = len((self.rerun or {}).get("train_loss") or [])
        if metric == "train_loss" and self.band is not None and n:
            sd = self.band.at(n - 1, n)
            if sd is not None:
                return max(0.05, sd)
        return self.rel_sigma(metric) * (1.0 if self.ref_same else FALLBACK_SAFETY)

    def near_rel(self, metric: str, value: float, target: float, epoch: int | None = None) -> bool:
        """`value` within k·√2·σ_rel of `target` on a log scale (two seeds' losses, relative seed σ)."""
        ratio = value / target if math.isfinite(value) and math.isfinite(target) and target > 0 else math.nan
        if not (math.isfinite(ratio) and ratio > 0):  # a denormal claim over a loss underflows to 0 (fuzzed logs)
            return False
        return abs(math.log(ratio)) <= self.k * math.sqrt(2) * self.rel_sigma(metric, epoch)

    def claimed(self, metric: str) -> float | None:
        return getattr(self.claim, f"claimed_{metric}", None)

    def tol(self, metric: str, around: float) -> float:
        std = ((self.reference or {}).get("final", {}).get(metric) or {}).get("std", 0.0)
        return self.k * sigma(metric, around, std, self.n_test)

    def near(self, metric: str, value: float, target: float) -> bool:
        return math.isfinite(value) and math.isfinite(target) and abs(value - target) <= self.tol(metric, target)

    def finals(self, metric: str) -> list[tuple[str, float]]:
        """What a final claim should match: the rerun's final figure when the rerun ran the claimed length, and
        the reference's final mean for the same length."""
        out = []
        epochs = getattr(self.claim, "epochs", None)
        r = self.rerun or {}
        if r.get("final") and r["final"]["epoch"] == epochs:
            out.append(("the rerun's", r["final"][metric]))
        ref = self.reference or {}
        if ref.get("final") and ref.get("config", {}).get("epochs") == epochs:
            out.append(("the reference's", ref["final"][metric]["mean"]))
        return out


# ---------------------------------------------------------------- the pitfalls


def _factors(c: Case) -> dict[int, str]:
    """The divisors the course framework's `Loss/test` may carry: the number of test batches of the claim's data,
    of the rerun's data, and of either at the claim's batch size — each with what it is, for the diagnosis."""
    bs = c.config.batch_size if c.config is not None else 128
    out: dict[int, str] = {}
    for name in dict.fromkeys(x for x in ((c.cond.claimed, c.cond.rerun) if c.cond else ()) if x in DATASETS):
        n = DATASETS[name].test_size
        out.setdefault(math.ceil(n / bs), f"{math.ceil(n / bs)} = ⌈{n:,}/{bs}⌉, the test batches of {name}")
    if not out:
        out[math.ceil(c.n_test / bs)] = f"{math.ceil(c.n_test / bs)} = ⌈{c.n_test:,}/{bs}⌉ test batches"
    return out


def _match_factor(c: Case, ratio: float, slack: float) -> tuple[int, str] | None:
    """The candidate divisor within `slack` (log scale) of `ratio` (rerun ÷ logged), if one is."""
    fits = [(abs(math.log(ratio / f)), f, what) for f, what in _factors(c).items() if f > 1]
    best = min(fits, default=None)
    return (best[1], best[2]) if best and best[0] <= slack else None


def loss_test_artifact(c: Case) -> Diagnosis | None:
    """The course framework's `Loss/test`: the mean test loss divided again by the number of test batches. Found
    from the ratio rerun ÷ logged (constant at every logged epoch, within seed noise) and named by what the factor
    is; one claimed figure alone gives one ratio, a medium-confidence cause unless re-reading it lands on the
    rerun of the same data. A rerun that trains other steps than the claim (claimed on other data, a schedule that
    counts epochs) is no measure of the claim's loss: then, as for an entry not rerun, the student's own figures
    say it — a loss below what its own accuracy allows (`_below_bound`)."""
    slack = same = c.k * math.sqrt(2) * c.rel_sigma("test_loss")
    proxy = bool(c.cond and c.cond.proxy)
    if proxy:
        slack += math.log(1.5)  # a test set of other data: its loss differs by up to ~1.5×
    # the claim's own steps, rerun or (a run judged against its committed seeds) the reference of this very config
    comparable = (c.rerun is not None or c.ref_same) and (not proxy or bool(c.config.epoch_steps))
    if comparable and c.logs and c.logs.test_loss:
        ours = {e["epoch"]: e["test_loss"] for e in c.rerun["epochs"]}
        ratios = [(e, ours[e] / v) for e, v in zip(c.logs.epoch, c.logs.test_loss, strict=True)
                  if e in ours and math.isfinite(v) and v > 0 and ours[e] > 0]  # fmt: skip
        ratios = [(e, r) for e, r in ratios if math.isfinite(r) and r > 0]  # a denormal logged loss: no ratio
        if ratios:
            mid = sorted(r for _, r in ratios)[len(ratios) // 2]
            steady = all(abs(math.log(r / mid)) <= slack for _, r in ratios)
            found = _match_factor(c, mid, slack) if steady else None
            if found:
                f, what = found
                e, r = ratios[-1]
                # confirmed: every logged epoch × the factor is the rerun's test loss within this data's seed noise
                sure = len(ratios) >= 2 and all(abs(math.log(r_ / f)) <= same for _, r_ in ratios)
                return Diagnosis("loss-test-artifact", "the course framework's TensorBoard Loss/test divides the mean "
                                 f"test loss again by the number of test batches ({what})",
                                 f"The rerun's test loss ÷ the logged Loss/test is {mid:.1f} (median over "
                                 f"{len(ratios)} logged epoch(s), every one within seed noise of it; epoch {e}: "
                                 f"{r:.1f}), and "
                                 f"{what}.", "high" if sure else "medium", sure)  # fmt: skip
    claimed = c.claimed("test_loss")
    if claimed is not None and claimed > 0 and comparable:
        for who, target in c.finals("test_loss"):
            if c.near_rel("test_loss", claimed, target):
                return None  # the claim is right as it is
            found = _match_factor(c, target / claimed, slack)
            if found:
                f, what = found
                same_data = not proxy and abs(math.log(target / claimed / f)) <= same
                return Diagnosis("loss-test-artifact", "the reported test loss looks divided again by the number of "
                                 f"test batches ({what})", f"{who.capitalize()} test loss {target:.4g} ÷ the claimed "
                                 f"{claimed:.4g} = {target / claimed:.1f}, and {what}.",
                                 "high" if same_data else "medium", same_data)  # fmt: skip
    return None if comparable else _below_bound(c)  # a comparable rerun that no factor explains: something else


def _below_bound(c: Case) -> Diagnosis | None:
    """A reported test loss below what its own accuracy allows: an image the model misclassifies has its true class
    at probability ≤ ½ (another class is at least as likely), so costs ≥ ln 2, and a mean cross-entropy at accuracy
    a is ≥ (1 − a)·ln 2. Every logged epoch and the claim (loss and accuracy reported together, of the same data)
    are read; the divisor is the candidate that lifts each above its floor, nearest CE_EXCESS × floor ÷ loss.
    Medium: the floor proves the figure is no mean cross-entropy; which divisor it carries is an estimate."""
    pairs = []
    if c.logs:
        pairs += [(f"epoch {e} of the log", a, v) for e, a, v in
                  zip(c.logs.epoch, c.logs.test_accuracy, c.logs.test_loss, strict=True)]  # fmt: skip
    acc, loss = c.claimed("test_accuracy"), c.claimed("test_loss")
    if acc is not None and loss is not None:
        pairs.append(("the claim", acc / 100 if 1 < acc <= 100 else acc, loss))
    pairs = [(w, a, v) for w, a, v in pairs if math.isfinite(a) and math.isfinite(v) and 0 <= a < 1 and v > 0]
    below = [(w, a, v, (1 - a) * math.log(2)) for w, a, v in pairs if v < (1 - a) * math.log(2)]
    if not below:
        return None
    need = max(floor / v for _, _, v, floor in below)
    guess = math.exp(sum(math.log(CE_EXCESS * floor / v) for _, _, v, floor in below) / len(below))
    fits = sorted((abs(math.log(f / guess)), f, what) for f, what in _factors(c).items() if f >= need)
    if not fits or fits[0][0] > math.log(3):
        return None
    _, f, what = fits[0]
    w, a, v, floor = min(below, key=lambda t: t[2] / t[3])
    return Diagnosis("loss-test-artifact", "the reported test loss looks divided again by the number of test batches "
                     f"({what})", f"A mean cross-entropy at accuracy {a:.4g} is at least (1 − {a:.4g})·ln 2 = "
                     f"{floor:.3g} (a misclassified image costs ≥ ln 2); {w} reports {v:.3g}, below it"
                     + (f" (and so do {len(below) - 1} more)" if len(below) > 1 else "") + f"; × {f} it is "
                     f"{v * f:.3g}, ~{v * f / floor:.0f}× that floor as a trained model's loss is.", "medium",
                     False)  # fmt: skip


def accuracy_percent(c: Case) -> Diagnosis | None:
    claimed = c.claimed("test_accuracy")
    logged = c.logs.test_accuracy[-1] if c.logs and c.logs.test_accuracy else None
    value, where = (claimed, "claimed") if claimed is not None and claimed > 1 else (logged, "logged")
    if value is None or not 1 < value <= 100:
        return None
    cause = f"accuracy reported as a percentage: the {where} {value:g} is {value / 100:.4g} as a fraction"
    for who, target in c.finals("test_accuracy") if not (c.cond and c.cond.proxy) else ():
        if c.near("test_accuracy", value / 100, target):
            return Diagnosis("accuracy-percent", cause, f"{value:g} / 100 is within tolerance of {who} "
                             f"{target:.4g}.", "high", True)  # fmt: skip
    why = (f"it was claimed on {c.cond.claimed}, and a rerun on {c.cond.rerun} cannot confirm the figure" if c.cond
           and c.cond.proxy else "no rerun or reference of the same length confirms the figure")  # fmt: skip
    return Diagnosis("accuracy-percent", cause, f"An accuracy of {value:g} > 1 can only be a percentage; {why}.",
                     "medium", False)  # fmt: skip


def train_as_test(c: Case) -> Diagnosis | None:
    """The final train loss reported as the test loss. Like with like: the claim within k·√2·σ of the rerun's final
    train loss, σ the train loss's own relative seed σ (Case.loss_sigma), and decisively nearer it than the test
    loss — k or more further from the rerun's test loss, in the test loss's relative σ, than from the train loss
    (an honest claim that fails lies just past the tolerance from the test loss, no nearer the train loss). A claim
    made on other data (claimed_on) is never compared with this data's train loss."""
    claimed, r = c.claimed("test_loss"), c.rerun or {}
    final = r.get("final")
    if claimed is None or not final or final["epoch"] != getattr(c.claim, "epochs", None) or (c.cond and c.cond.proxy):
        return None
    train, test = final["train_loss"], final["test_loss"]
    if not all(math.isfinite(v) and v > 0 for v in (claimed, train, test)):
        return None
    if not all(math.isfinite(r) and r > 0 for r in (claimed / train, claimed / test)):  # a denormal claim (fuzz)
        return None
    s_tr, s_te = c.loss_sigma("train_loss"), c.loss_sigma("test_loss")
    z_tr = abs(math.log(claimed / train)) / (math.sqrt(2) * s_tr)
    z_te = abs(math.log(claimed / test)) / (math.sqrt(2) * s_te)
    if z_tr > c.k or z_te - z_tr < c.k:
        return None
    return Diagnosis("train-as-test", "the train loss was reported as the test loss", f"The claimed {claimed:.4g} is "
                     f"{z_tr:.1f}σ from the rerun's final train loss {train:.4g} (mean of the last epoch's steps; σ = "
                     f"{s_tr:.0%} relative, the train loss's seed σ) and {z_te:.0f}σ from its test loss {test:.4g} "
                     f"(σ = {s_te:.0%}).", "high", True)  # fmt: skip


def short_run(c: Case) -> Diagnosis | None:
    """A final run of a few epochs reported as the full-length result: the claim matches an early epoch. Never where
    the student's own log runs the claimed epochs: the log shows a run of full length (examiner probe 30: a log whose
    last accuracy was edited +2 pp, caught, was told "a 11-epoch run reported as the 30-epoch result", confirmed)."""
    epochs, r = getattr(c.claim, "epochs", None), c.rerun or {}
    if not epochs or not r.get("epochs") or r["epochs"][-1]["epoch"] != epochs:
        return None
    if c.logs is not None and c.logs.epoch and c.logs.epoch[-1] >= epochs:
        return None
    for metric in ("test_accuracy", "test_loss"):
        claimed = c.claimed(metric)
        if claimed is None or c.near(metric, claimed, r["epochs"][-1][metric]):
            continue
        hits = [e for e in r["epochs"][:-1] if c.near(metric, claimed, e[metric])]
        if not hits:
            continue
        logged = c.logs.epoch[-1] if c.logs and c.logs.epoch else None
        at = next((e for e in hits if e["epoch"] == logged), None) or next((e for e in hits if e["epoch"] == 5), None)
        confidence: Confidence = "high" if at and at["epoch"] == logged else "medium" if at else "low"
        at = at or hits[0]
        log = f"; the log stops at epoch {logged}" if at["epoch"] == logged else ""
        return Diagnosis("short-run", f"a {at['epoch']}-epoch run reported as the {epochs}-epoch result",
                         f"The claimed {metric.replace('_', ' ')} {claimed:.4g} matches the rerun at epoch "
                         f"{at['epoch']} ({at[metric]:.4g}), not at epoch {epochs} ({r['epochs'][-1][metric]:.4g})"
                         f"{log}.", confidence, True)  # fmt: skip
    return None


def earlier_epoch(c: Case) -> Diagnosis | None:
    """A figure of an earlier epoch of the student's own log reported as the final one: the log's last epoch says
    otherwise, and the claim is that earlier epoch's figure to its printed digits (a best checkpoint — the highest
    accuracy's or the lowest loss's epoch — is no mistake: the claim check says so, with no points lost)."""
    if c.logs is None or not c.logs.epoch:
        return None
    kept = checkpoints(c.logs)
    for metric in ("test_accuracy", "test_loss"):
        claimed = c.claimed(metric)
        units = dict(zip(c.logs.epoch, log_units(c.logs, metric, getattr(c, "n_test", None)), strict=False))
        values = [(e, v) for e, v in zip(c.logs.epoch, getattr(c.logs, metric), strict=True) if math.isfinite(v)]
        if claimed is None or len(values) < 2:
            continue
        (last_epoch, last), label = values[-1], metric.replace("_", " ")
        text = c.claim.printed(f"claimed_{metric}") if hasattr(c.claim, "printed") else None
        # the claim's printed digits and the log's (a column a spreadsheet rounded), and float32 logs, as checked
        allowed = printed(claimed, last, text=text, unit=units[last_epoch])
        hits = [(e, v) for e, v in values[:-1]
                if abs(claimed - v) <= printed(claimed, v, text=text, unit=units[e]) and e not in kept]  # fmt: skip
        if abs(claimed - last) <= allowed or not hits:
            continue
        epoch, value = hits[-1]
        return Diagnosis("earlier-epoch", f"epoch {epoch}'s {label} reported as the final one",
                         f"The claimed {label} {claimed:.4g} is your log's epoch {epoch} ({value:.6g}); its last "
                         f"epoch ({last_epoch}) reads {last:.6g}.", "high", True)  # fmt: skip
    return None


def _test_pick_suspect(c: Case) -> bool:
    return c.check == "lr_claim" and getattr(c.claim, "curve", None) == "train" and c.claim.claimed_lr is not None


def test_loss_pick(c: Case) -> Diagnosis | None:
    """An LR claim that misses the rule on the train loss (the default curve) but is the rule on the test loss of
    each epoch — seed 000's method ("we have to compare the learning rate versus test loss"), left unstated: on the
    student's own log (to the claim's printed digits: medium confidence) — where the log holds a test-loss curve it
    decides, and a claim the rule on it does not give is not this cause (examiner probe 40: an LR ×2 named so against
    the rerun, its own log's test loss picking another LR) — else on the rerun, or the counterfactual rerun of a sweep
    the committed seeds judged: low, and only where the claim is, to its printed digits, an LR the rule picks on a
    test-loss curve evaluated at the sweep's LRs (`evaluation_grid_miss`: a pick there lands on them, moving by whole
    evaluations from seed to seed) within one evaluation of the rerun's pick — an LR between evaluations, which the
    restated claim's tolerance of one evaluation's step would pass, is no pick on the test loss (probe 40: a ×2 lie
    advised to restate, and passed)."""
    if not _test_pick_suspect(c):
        return None
    run = c.rerun or c.counterfactual
    if not run or not run.get("lr"):
        return None
    on_test = c.claim.model_copy(update={"curve": "test"})
    own = lr_against_log(on_test, c.logs, eval_lrs(c.config)) if c.logs else None
    digits = printed_decades(_lrs(c.claim.claimed_lr))
    on_train = lr_against_log(c.claim, c.logs) if c.logs else None
    if on_train is not None and on_train.distance <= digits + 1e-9:  # the rule on the log's own train loss gives it:
        return None  # the run is another (diagnosis_power: a double-softmax sweep's steepest pick, the same on both)
    if own is not None:  # the student's own test-loss curve decides: the claim is its pick, or not this cause
        if own.distance > digits + 1e-9:
            return None
        return Diagnosis("test-loss-pick", "the LR was picked on the test loss, not on the train loss the rule reads "
                         'by default: state curve = "test" to have it judged there',
                         f"Rule {c.claim.rule!r} on your log's test loss picks {lrs_text(own.logged)}: the claim "
                         "to its printed digits.", "medium", False)  # fmt: skip
    lrs, losses = eval_curve(run)
    try:
        pick = RULES[c.claim.rule](lrs, losses).value
    except ValueError:
        return None
    step = max((abs(math.log10(b / a)) for a, b in zip(lrs, lrs[1:], strict=False) if a != b), default=0.0)
    dist = max(abs(math.log10(x / y)) for x, y in zip(_lrs(c.claim.claimed_lr) * 2, _lrs(pick) * 2, strict=False))
    if dist > step + digits:
        return None
    miss = evaluation_grid_miss(c.claim.claimed_lr, pick, lrs)
    if miss is None or miss > digits + 1e-9:  # between the LRs the sweep evaluates at: no pick on its test loss
        return None
    whose = "the rerun's" if c.rerun else "a rerun's"
    return Diagnosis("test-loss-pick", "the LR may have been picked on the test loss, not on the train loss the rule "
                     'reads by default: if so, state curve = "test" to have it judged there',
                     f"Rule {c.claim.rule!r} on {whose} test loss (once an epoch) picks {lrs_text(pick)}, within one "
                     f"evaluation's LR step ({step:.2f} decades) of the claim, and the claim is, to its printed "
                     "digits, an LR that rule picks on a test-loss curve evaluated at this sweep's LRs (a pick on the "
                     "test loss lands on them, and moves by whole evaluations from seed to seed).", "low",
                     False)  # fmt: skip


def evaluation_grid_miss(claimed, pick, lrs: list[float]) -> float | None:
    """How far, in decades, a claimed LR (the largest over a claimed range's pair) lies from the nearest LR a rule
    applied to a test-loss curve evaluated at `lrs` can pick, given `pick`, one such pick: the pick itself or the pick
    moved by one evaluation either way (another seed's curve; the LR of an epoch's first step rather than its last; an
    epoch numbered from 0) — the rule's picks on such a curve are its LRs, or a fixed multiple of them (min/10). None
    where there is no pick or no claim to compare."""
    picked = [x for x in _lrs(pick) if x and x > 0]
    said = [x for x in _lrs(claimed) if x and x > 0]
    if not picked or not said:
        return None
    if len(said) != len(picked):
        said = said[-1:] if len(picked) == 1 else said * 2
    ratios = {1.0} | {r for a, b in zip(lrs, lrs[1:], strict=False) if a > 0 and b > 0 and a != b
                      for r in (b / a, a / b)}  # fmt: skip
    return max(min(abs(math.log10(x / (y * r))) for r in ratios) for x, y in zip(said, picked, strict=True))


def _lrs(v: float | list[float] | tuple[float, ...]) -> list[float]:
    return list(v) if isinstance(v, list | tuple) else [v]


def _cf_final_near(c: Case) -> tuple[bool, str]:
    """Whether the counterfactual lands within tolerance of the claim (every claimed final metric) and of the log
    (its curves, within the seed noise of the claimed config), and a phrase saying so."""
    fit, said = _cf_fit(c)
    return fit == "match", said


def _cf_fit(c: Case) -> tuple[str | None, str]:
    """How the counterfactual rerun meets the claim: "match" (every claimed final metric within tolerance, and its
    curves within the log's seed noise), "explains" (no log to say otherwise, and every claimed metric lies nearer
    the counterfactual than the rerun by a decisive margin: at most a third of the way from it to the rerun, within
    k·σ of it on at least one metric — a run that barely trains, as the mistakes leave it, spreads over seeds far
    beyond the tolerance of a trained one), or None; and a phrase with the figures."""
    cf = (c.counterfactual or {}).get("final") or {}
    if not cf and not (c.logs and c.counterfactual):
        return None, ""
    bits, ok, closer = [], [], []
    ours = (c.rerun or {}).get("final") or {}
    for metric in ("test_accuracy", "test_loss"):
        claimed = c.claimed(metric)
        if claimed is not None and metric in cf and math.isfinite(claimed) and math.isfinite(cf[metric]):
            ok.append(c.near(metric, claimed, cf[metric]))
            rerun = ours.get(metric)
            closer.append(rerun is not None and math.isfinite(rerun)
                          and abs(claimed - cf[metric]) <= abs(claimed - rerun) / 3)  # fmt: skip
            bits.append(f"{metric.replace('_', ' ')} {cf[metric]:.4g} (claimed {claimed:.4g})")
    curves = None
    if c.logs and c.counterfactual:
        sweep = c.counterfactual["config"]["task"] == "range-test"
        cmp = compare(c.logs, c.counterfactual, c.n_test, c.band, c.epochs, c.k_logs, sweep=sweep)
        curves = cmp.loss is None and cmp.test is None
        bits.append("its curves " + ("match" if curves else "do not match") + " the log")
    if ok and all(ok) and curves is not False:
        return "match", ", ".join(bits)
    if curves is None and closer and all(closer) and any(ok):
        return "explains", ", ".join(bits)
    if curves and not ok:
        return "match", ", ".join(bits)
    return None, ", ".join(bits)


def double_softmax(c: Case) -> Diagnosis | None:
    """Softmax probabilities into CrossEntropyLoss: the loss cannot go below ln(1 + 9/e) ≈ 1.461."""
    if not _softmax_suspect(c):
        return None
    ok, said = _cf_final_near(c)
    where = (f"the logged train loss never goes below {min(_smoothed(c.logs.train_loss)):.3f}" if _log_plateau(c)
             else f"the claimed test loss {c.claimed('test_loss'):.4g} sits at it")  # fmt: skip
    evidence = (f"Cross-entropy on softmax outputs has a floor of {SOFTMAX_FLOOR:.3f} ({CLASSES} classes); {where} "
                f"while accuracy is high.")  # fmt: skip
    if c.refused:
        evidence += f" The entry was not rerun ({c.refused}): this is read from its claims and logs alone."
    if said:
        what = "sweep" if c.counterfactual and c.counterfactual["config"]["task"] == "range-test" else "rerun"
        evidence += f" The {what} with softmax before the loss gets {said}."
    return Diagnosis("double-softmax", "the model returns softmax probabilities into CrossEntropyLoss (softmax "
                     "applied twice)", evidence, "high" if ok else "medium", ok)  # fmt: skip


def _smoothed(losses: list[float]) -> list[float]:
    finite = [v for v in losses if math.isfinite(v)]
    return smooth(finite, 0.98) if finite else [math.inf]


def _softmax_pair(acc: float, loss: float) -> bool:
    """A test loss and accuracy reported together that only softmax before the loss gives: the loss at the floor
    (up to ln 10, a model at chance) and at least twice what a model of that accuracy has (CE_EXCESS·(1 − a)·ln 2).
    A model that trains slowly (no momentum, a low LR) has a high loss at a low accuracy: not this."""
    if not (math.isfinite(acc) and math.isfinite(loss)) or not 0 <= acc <= 1:
        return False
    typical = CE_EXCESS * (1 - acc) * math.log(2)
    return SOFTMAX_FLOOR - 0.02 <= loss <= math.log(CLASSES) + 0.1 and loss >= 2 * typical


HIGH_ACCURACY = 1 - SOFTMAX_FLOOR / (2 * CE_EXCESS * math.log(2))  # ≈ 0.79: a model this accurate has a test loss
# under half the softmax floor


def _log_plateau(c: Case) -> bool:
    """The logged train loss (a sweep's or a run's) never goes below the softmax floor while the model is accurate
    (a logged epoch whose test loss and accuracy only softmax gives, or accuracy ≥ HIGH_ACCURACY), and the rerun of
    the claimed config goes well below it (no rerun: a refused entry, judged from its log alone)."""
    logs = c.logs
    if not logs or not logs.train_loss or not logs.test_accuracy:
        return False
    accurate = any(_softmax_pair(a, v) for a, v in zip(logs.test_accuracy, logs.test_loss, strict=True)) or max(
        (a for a in logs.test_accuracy if math.isfinite(a) and a <= 1), default=0.0) >= HIGH_ACCURACY  # fmt: skip
    below = c.rerun is None or min(_smoothed(c.rerun["train_loss"])) < 0.8 * SOFTMAX_FLOOR
    return min(_smoothed(logs.train_loss)) >= SOFTMAX_FLOOR - 0.02 and accurate and below


def _softmax_suspect(c: Case) -> bool:
    if c.config is not None and c.config.mistake != "none":
        return False
    if _log_plateau(c):
        return True
    loss, acc = c.claimed("test_loss"), c.claimed("test_accuracy")
    acc = acc if acc is not None else max(c.logs.test_accuracy, default=None) if c.logs else None
    rerun = ((c.rerun or {}).get("final") or {}).get("test_loss")
    below = rerun is None if c.refused else rerun is not None and rerun < 0.8 * SOFTMAX_FLOOR
    return loss is not None and acc is not None and _softmax_pair(acc, loss) and below


def _with_schedule(cfg: RunConfig, **change: object) -> RunConfig | None:
    """`cfg` with its schedule changed, or None where the change leaves the schedule's bounds (examiner probe 17: a
    OneCycle peak read off a log, 0.2 × div_factor 1e4 = 2,000, raised a ValidationError as an internal error)."""
    try:
        return cfg.model_copy(update={"schedule": ScheduleConfig(**{**cfg.schedule.model_dump(), **change})})
    except ValueError:  # pydantic's ValidationError: no rerun of it is possible, so no counterfactual
        return None


def _table_matches(c: Case, cfg: RunConfig) -> bool:
    """The log's LR at every logged step (before any NaN) equals `cfg`'s LR table, up to float printing."""
    if not c.logs or not c.logs.lr:
        return False
    table = lr_table(cfg, c.per_epoch)
    pairs = [(v, table[s]) for s, v in zip(c.logs.step, c.logs.lr, strict=True) if 0 <= s < len(table)]
    pairs = [(a, b) for a, b in pairs if math.isfinite(a)]
    return bool(pairs) and all(math.isclose(a, b, rel_tol=1e-5, abs_tol=F32_TINY) for a, b in pairs)


def _per_step_config(c: Case) -> RunConfig | None:
    s = c.config.schedule
    if s.cadence != "epoch" or s.name in ("constant", "auto", "auto-corrected"):
        return None
    return _with_schedule(c.config, cadence="step")


def per_step_scheduler(c: Case) -> Diagnosis | None:
    """An epoch-sized scheduler (milestones, step sizes in epochs) stepped after every optimizer step."""
    cfg = _per_step_config(c)
    if cfg is None:
        return None
    exact = _table_matches(c, cfg)
    fit, said = _cf_fit(c)
    if not exact and fit is None:
        return None
    s = c.config.schedule
    args = {"multistep": f"milestones {list(s.milestones or ())}", "step": f"step_size {s.step_size}"}.get(s.name, "")
    cause = (f"the {s.name} scheduler was stepped every optimizer step with epoch-sized arguments"
             + (f" ({args} counted steps, not epochs)" if args else ""))  # fmt: skip
    bits = []
    if exact:
        lrs = [v for v in c.logs.lr if math.isfinite(v)]
        first = [v for s_, v in zip(c.logs.step, c.logs.lr, strict=True) if s_ < c.per_epoch and math.isfinite(v)]
        bits.append(f"The logged LR equals the per-step table exactly: {lrs[0]:.4g} → {first[-1]:.4g} within "
                    f"epoch 1 (×{first[-1] / lrs[0]:.3g}), {lrs[-1]:.4g} at the last logged step.")  # fmt: skip
    if said:
        near = {"match": "", "explains": ", far nearer the claim than the rerun of the claimed config"}.get(fit, "")
        bits.append(f"The rerun stepped per iteration gets {said}{near}.")
    sure = exact or fit == "match"
    return Diagnosis("per-step-scheduler", cause, " ".join(bits), "high" if sure else "medium", sure)


def scheduler_unused(c: Case) -> Diagnosis | None:
    cmp = c.comparison
    if c.config.schedule.name == "constant" or not cmp or cmp.lr_constant is None:
        return None
    if not math.isclose(cmp.lr_constant, c.config.lr, rel_tol=1e-5):
        return None
    ok, said = _cf_final_near(c)
    evidence = (f"Logged LR constant at {cmp.lr_constant:.4g} from step 0 over {len(c.logs.lr)} steps; the claimed "
                f"{c.config.schedule.name} schedule gives {cmp.lr.rerun:.4g} at step {cmp.lr.at}.")  # fmt: skip
    if said:
        evidence += f" The rerun without a scheduler gets {said}."
    return Diagnosis("scheduler-unused", f"a {c.config.schedule.name} scheduler was claimed but not applied (no "
                     "scheduler.step(), or the optimizer built after it)", evidence, "high", True)  # fmt: skip


def _onecycle_peak(c: Case) -> float | None:
    s = c.config.schedule
    if s.name != "onecycle" or not c.logs or not c.logs.lr:
        return None
    first = c.logs.lr[0] if c.logs.step[0] == 0 else math.nan
    peak = first * s.div_factor  # OneCycleLR starts at max_lr / div_factor
    claimed = s.max_lr or c.config.lr
    return peak if math.isfinite(peak) and not math.isclose(peak, claimed, rel_tol=0.02) else None


def onecycle_max_lr(c: Case) -> Diagnosis | None:
    peak = _onecycle_peak(c)
    if peak is None:
        return None
    cfg = _with_schedule(c.config, max_lr=peak)
    exact = _table_matches(c, cfg)
    ok, said = _cf_final_near(c)
    evidence = (f"The logged LR starts at {c.logs.lr[0]:.4g} = max_lr / {c.config.schedule.div_factor:g} for a max_lr "
                f"of {peak:.4g}, not the picked {c.config.schedule.max_lr or c.config.lr:.4g}"
                + ("; OneCycleLR with that max_lr reproduces the logged LR table exactly" if exact else "")
                + ".")  # fmt: skip
    if said:
        evidence += f" The rerun with that max_lr gets {said}."
    return Diagnosis("onecycle-max-lr", f"the LR choice was overridden: OneCycleLR's max_lr ({peak:.4g}) was used "
                     "instead of the picked LR", evidence, "high" if exact else "medium", exact)  # fmt: skip


def _uncycled(c: Case) -> bool:
    """A OneCycle or Cyclic run rerun with momentum not cycled where the claim does not say so: torch's classes
    cycle it unless told not to (examiner probe 14: a student with torch's defaults lost 21 points, no cause named)."""
    s = c.config.schedule if c.config is not None else None
    stated = getattr(getattr(c.claim, "schedule", None), "model_fields_set", {"cycle_momentum"})
    return s is not None and "cycle_momentum" in SCHEDULES[s.name].args and not s.cycle_momentum and \
        "cycle_momentum" not in stated  # fmt: skip


def momentum_uncycled(c: Case) -> Diagnosis | None:
    """Named only where the rerun with momentum cycled, as torch's default does, meets the claim (or the log) where
    the rerun of the claimed config does not: its counterfactual decides."""
    if not _uncycled(c):
        return None
    fit, said = _cf_fit(c)
    if fit is None:
        return None
    torch_class = SCHEDULES[c.config.schedule.name].scheduler
    cause = (f"torch's {torch_class} cycles momentum by default (cycle_momentum=True), and the run states no "
             "cycle_momentum, so the rerun did not cycle it: if your run used torch's default, write "
             "cycle_momentum = true in its schedule")  # fmt: skip
    return Diagnosis("momentum-uncycled", cause, f"The rerun with momentum cycled, as torch's default, gets {said}.",
                     "high" if fit == "match" else "medium", fit == "match")  # fmt: skip


def diverged_log(c: Case) -> Diagnosis | None:
    """The log diverges where the rerun of the claimed config does not, with the claimed LR: e.g. momentum ≥ 1. Not
    where the rerun's own train loss turns up too (`diverges`: it stays finite only because the engine's stop is
    10× its first loss), nor at an LR past SOONER_MAX× the committed runs' (`Band.unmeasured`): there whether a seed
    diverges is the seed's doing, as far as any committed run shows (examiner probe 36: honest logs at SGD 0.7 were
    each given this cause, 4 of 4; benchmarks/high_lr.py)."""
    if not c.logs or not c.logs.train_loss or not c.rerun or c.rerun.get("diverged"):
        return None
    if c.comparison is not None and c.comparison.scope is not Scope.FULL:  # "with the claimed LR": LR table compared
        return None
    if c.band is not None and c.band.unmeasured:
        return None
    ours = c.rerun.get("train_loss") or []
    if diverges(Logs("", step=list(range(len(ours))), train_loss=list(ours))) is not None:
        return None
    at = diverges(c.logs)
    lr = c.comparison.lr if c.comparison else None
    if at is None or (lr is not None and lr.at < at):
        return None
    i = c.logs.step.index(at)
    raw, best, smoothed = c.logs.train_loss[i], min(_smoothed(c.logs.train_loss[:i])), _smoothed(c.logs.train_loss)
    unit = max(column_units(c.logs.train_loss), default=0.0)  # a column printed to a few decimals (a spreadsheet's)
    if math.isfinite(raw) and smoothed[i] - best <= 4 * unit:
        return None  # a rise within two printed units of the column is its rounding (examiner probe 30: 0.00/0.01)
    what = "not finite" if not math.isfinite(raw) else f"back up at {smoothed[i]:.3g} (smoothed; its low was " \
        f"{best:.3g})"  # fmt: skip
    typical = ", typically SGD momentum ≥ 1 (the velocity grows ×momentum every step)" if c.config is not None and \
        c.config.optimizer == "sgd" else ""  # fmt: skip
    return Diagnosis("diverged-log", "the logged run diverged with the claimed LR schedule: an optimizer setting "
                     f"outside the claim{typical}",
                     f"The logged train loss is {what} at step {at} with the LR table as claimed; the rerun of the "
                     f"claimed config stays finite ({c.rerun['final']['train_loss']:.3g} at the end).", "medium",
                     False)  # fmt: skip


def step_milestones(c: Case) -> Diagnosis | None:
    """A schedule declared per iteration (cadence "step") whose milestones or step size are epoch-sized: MultiStepLR
    with milestones [10, 20] stepped every batch divides the LR by 100 by step 20, inside the first epoch. A fact of
    the claimed config (its LR table), named as the likely cause of a shortfall."""
    cfg = c.config
    if cfg is None:
        return None
    s, per_epoch = cfg.schedule, c.per_epoch
    sizes = epoch_sized_steps(s.model_dump(mode="json"), cfg.epochs, per_epoch)
    if not sizes:
        return None  # counted in steps on purpose: at least one lies beyond the first epoch, or beyond the epochs
    table = lr_table(cfg, per_epoch)
    at = min(max(sizes), len(table) - 1)
    what = f"milestones {sizes}" if s.name == "multistep" else f"step_size {sizes[0]}"
    return Diagnosis("step-milestones", f"the {s.name} scheduler is stepped every iteration (cadence \"step\") with "
                     f"epoch-sized {what}: they count iterations, not epochs",
                     f"Its LR table falls from {table[0]:.4g} to {table[at]:.4g} by step {at}, inside the first epoch "
                     f"({per_epoch} steps) of {cfg.epochs}, and stays there.", "high", True)  # fmt: skip


def log_mismatch(c: Case) -> Diagnosis | None:
    """The log is of another config: its LR table differs from the claimed config's (exact), or its train loss leaves
    the rerun's by twice the seed noise allowed there or more — a log just outside the band is the tail of seed
    noise (honest logs of other seeds land there now and then), not a cause."""
    cmp = c.comparison
    if not cmp or (cmp.lr is None and cmp.loss is None):
        return None
    if cmp.lr is None and math.isfinite(cmp.loss.logged) and _loss_apart(c) < 2:
        return None
    if cmp.lr is not None:
        logged, rerun = apart(cmp.lr.logged, cmp.lr.rerun)
        return Diagnosis("log-mismatch", "the log does not match the claimed config (different LR table)",
                         f"Logged LR {logged} at step {cmp.lr.at}; the claimed config gives {rerun} there (LR tables "
                         "are exact).", "high", True)  # fmt: skip
    return Diagnosis("log-mismatch", "the log does not match the claimed config (same LR table, other training)",
                     f"The logged smoothed train loss {cmp.loss.logged:.4g} leaves the rerun's {cmp.loss.rerun:.4g} "
                     f"at step {cmp.loss.at}, outside {cmp.noise} ({cmp.band}).", "medium",
                     False)  # fmt: skip


def several_runs(c: Case) -> Diagnosis | None:
    """The log holds several runs (grader.logs.Mixed: a folder two runs wrote into, a CSV of several) and parts from the
    rerun: at a step they share the run written last is read, so the parting may be another run's, and no cause is
    read off its figures (examiner probe 23: a shared folder's sweep entry was given "the log does not match the
    claimed config (different LR table) (high confidence, confirmed by the figures themselves)" from the other
    run's LRs, and "no scheduler was applied"). Named in place of any other cause of the logs check."""
    cmp = c.comparison
    if not c.mixed or cmp is None or not cmp.mixed:
        return None
    parts = ""
    if cmp.lr is not None:
        logged, rerun = apart(cmp.lr.logged, cmp.lr.rerun)
        parts = f" (logged LR {logged} at step {cmp.lr.at}, where the claimed config gives {rerun})"
    elif (p := cmp.loss or cmp.test) is not None:
        parts = f" (logged {p.what} {p.logged:.4g} at {p.unit} {p.at}, {p.versus} {p.rerun:.4g})"
    return Diagnosis("several-runs", f"{cmp.mixed}: the figures read are a mix of them, not this run's alone",
                     f"Where the log parts from the rerun of the claimed config{parts}, another run's figures may "
                     "stand; hand in this run's own event file or folder, or its own CSV (or name its rows after the "
                     "entry in a run column).", "high", False)  # fmt: skip


def _loss_apart(c: Case) -> float:
    """How far the logged smoothed train loss gets from the rerun's, at its farthest, in units of the seed noise
    allowed at each step (k·√2·σ of log(loss), σ from `c.band` floored at LOG_FLOOR); over the steps the comparison
    reads (a sweep's up to the rerun's lowest loss)."""
    logs, r = c.logs, c.rerun or {}
    if not logs or not r.get("train_loss"):
        return math.inf
    index = {s: i for i, s in enumerate(logs.step)}
    n = 0
    while n < len(r["train_loss"]) and n in index:
        n += 1
    if n == 0:
        return math.inf
    if c.config is not None and c.config.task == "range-test" and r.get("train_loss_smoothed"):
        n = min(n, 1 + min(range(len(r["train_loss_smoothed"])), key=r["train_loss_smoothed"].__getitem__))
    logged = smooth([logs.train_loss[index[s]] for s in range(n)], 0.98)
    ours, total, worst = smooth(r["train_loss"][:n], 0.98), len(r["train_loss"]), 0.0
    for s, (a, b) in enumerate(zip(logged, ours, strict=True)):
        sd = c.band.at(s, total) if c.band else LOG_FLOOR
        if sd is None:
            break
        if not (math.isfinite(a) and a > 0 and b > 0):
            return math.inf
        worst = max(worst, abs(math.log(a / b)) / (c.k_logs * math.sqrt(2) * max(sd, LOG_FLOOR)))
    return worst


# ---------------------------------------------------------------- the table


@dataclass(frozen=True)
class Pitfall:
    title: str  # the class summary's label
    checks: tuple[str, ...]  # the checks it can explain
    detect: Callable[[Case], Diagnosis | None]
    counterfactual: Callable[[Case], RunConfig | None] | None = None  # the config with the mistake injected,
    # when this case's cheap evidence points at it (None: no rerun needed)


METRICS = ("accuracy_claim", "loss_claim", "plausibility")
PITFALLS: dict[str, Pitfall] = {
    "loss-test-artifact": Pitfall("Loss/test divided by the number of test batches",
                                  ("loss_claim", "plausibility", "logs", "config"), loss_test_artifact),
    "accuracy-percent": Pitfall("accuracy reported as a percentage",
                                ("accuracy_claim", "plausibility", "logs", "config"), accuracy_percent),
    "train-as-test": Pitfall("train loss reported as test loss", ("loss_claim", "plausibility"), train_as_test),
    "double-softmax": Pitfall("softmax before CrossEntropyLoss", (*METRICS, "logs", "config"), double_softmax,
                              lambda c: c.config.model_copy(update={"mistake": "double-softmax"})
                              if c.config is not None and not c.refused and _softmax_suspect(c) else None),
    "step-milestones": Pitfall("epoch-sized milestones stepped per iteration", ("baseline", "accuracy_claim",
                                                                               "loss_claim"), step_milestones),
    "per-step-scheduler": Pitfall("epoch scheduler stepped per iteration", (*METRICS, "logs"), per_step_scheduler,
                                  lambda c: _per_step_config(c) if _per_step_suspect(c) else None),
    "scheduler-unused": Pitfall("scheduler claimed but not applied", (*METRICS, "logs"), scheduler_unused,
                                lambda c: _with_schedule(c.config, name="constant", cadence="epoch")
                                if scheduler_unused(c) else None),
    "onecycle-max-lr": Pitfall("OneCycle max_lr overrode the picked LR", (*METRICS, "logs"), onecycle_max_lr,
                               lambda c: _with_schedule(c.config, max_lr=p) if (p := _onecycle_peak(c)) else None),
    "momentum-uncycled": Pitfall("torch's default momentum cycling left out", (*METRICS, "logs"), momentum_uncycled,
                                 lambda c: _with_schedule(c.config, cycle_momentum=True) if _uncycled(c) else None),
    # and on the logs check that says where the log ends: a figure read from that log is pending, not failed
    "short-run": Pitfall("short run reported as the full run", ("accuracy_claim", "loss_claim", "logs"), short_run),
    "earlier-epoch": Pitfall("an earlier epoch reported as the final one", ("accuracy_claim", "loss_claim"),
                             earlier_epoch),
    "diverged-log": Pitfall("logged run diverged (momentum ≥ 1?)", (*METRICS, "logs"), diverged_log),
    "several-runs": Pitfall("several runs in one log", ("logs",), several_runs),
    "log-mismatch": Pitfall("log does not match the claimed config", ("logs",), log_mismatch),
    "test-loss-pick": Pitfall("LR picked on the test loss, curve left unstated", ("lr_claim",), test_loss_pick,
                              lambda c: c.config if c.rerun is None and c.logs is None and _test_pick_suspect(c)
                              else None),
}  # fmt: skip


def _per_step_suspect(c: Case) -> bool:
    """Per-iteration stepping is worth a rerun when the log's LR table says so, or (no log) when the claim is
    below the rerun's figure, as a schedule that decays too early leaves it."""
    cfg = _per_step_config(c)
    if cfg is None:
        return False
    if c.logs and c.logs.lr:
        return _table_matches(c, cfg)
    claimed, final = c.claimed("test_accuracy"), ((c.rerun or {}).get("final") or {}).get("test_accuracy")
    return claimed is not None and final is not None and claimed < final - c.tol("test_accuracy", final)


_RANK = {"high": 2, "medium": 1, "low": 0}


def diagnose(case: Case, counterfactuals: dict[str, dict] | None = None) -> Diagnosis | None:
    """The best-supported pitfall for this case: by confidence, then confirmed first, then table order. A log of
    several runs that parts from the rerun names that, and nothing read off its mixed figures (`cases`)."""
    if case.mixed:
        return several_runs(case) if case.check == "logs" else None
    found = []
    for i, (key, pit) in enumerate(PITFALLS.items()):
        if case.check not in pit.checks:
            continue
        d = pit.detect(replace(case, counterfactual=(counterfactuals or {}).get(key)))
        if d is not None:
            found.append((-_RANK[d.confidence], not d.confirmed, i, d))
    return min(found, key=lambda t: t[:3])[3] if found else None


# ---------------------------------------------------------------- wiring: cases, counterfactual reruns, attach

Execute = Callable[[list[PlannedRun]], list[Outcome]]  # planned runs → their outcomes, in order (cached)


def cases(ctx: Context, checks: list[CheckResult]) -> list[tuple[CheckResult, Case, PlannedRun | None]]:
    """A case per failing or warning check of a run that a pitfall may explain (chaotic reruns aside), and one per
    entry the config check refused (no rerun: its claims and logs are still examined; the PlannedRun is None)."""
    runs = {p.name: (p, o) for p, o in ctx.runs}
    refused = refusals(ctx.sub, ctx.assignment).entries
    claims = {c.name: c for c in [*ctx.sub.range_test, *ctx.sub.run, *ctx.sub.auto]}
    out: list[tuple[CheckResult, Case, PlannedRun | None]] = []
    for check in checks:
        if check.status not in ("fail", "warn"):
            continue
        if check.check == "config" and check.subject in refused and check.subject in claims:
            logs = ctx.logs.get(check.subject)
            out.append(
                (
                    check,
                    Case(
                        "config",
                        claims[check.subject],
                        None,
                        None,
                        None,
                        logs if isinstance(logs, Logs) else None,
                        None,
                        ctx.n_test,
                        ctx.tol.k_sigma,
                        k_logs=ctx.tol.k_logs,
                        cond=ctx.cond,
                        refused=refused[check.subject],
                    ),
                    None,
                )
            )
            continue
        if check.check not in DIAGNOSED or check.subject not in runs:
            continue
        if check.check == "logs" and isinstance(ctx.logs.get(check.subject), str):
            continue  # logs that could not be read: the message says why, and there is no training mistake to name
        p, o = runs[check.subject]
        if check.status == "warn" and ctx.chaotic(p, o) and check.check != "logs":
            continue  # its message already names the cause: the rerun is chaotic
        if check.status == "warn" and check.logged is not None:
            continue  # judged against its own log, whose message says what the claim is (its best epoch)
        logs = ctx.logs.get(p.name)
        logs = logs if isinstance(logs, Logs) else None
        band, epochs = noise(ctx, p)  # also the train loss's own seed σ, for claims read as a train loss
        ref = ctx.reference(p)
        cmp = comparison(ctx, p)
        several = cmp is not None and cmp.mixed is not None  # several runs' figures: no evidence of a claim's cause,
        mixed = several and not cmp.matches  # as no claim is judged against them (checks._own_log), matching or not
        if several and check.check != "logs":
            logs, cmp, mixed = None, None, False
        out.append((check, Case(check.check, p.claim, p.config, o.result, ref.entry if ref else None, logs,
                                cmp, ctx.n_test, ctx.tol.k_sigma, band=band, epochs=epochs, k_logs=ctx.tol.k_logs,
                                cond=ctx.cond, ref_same=bool(ref and ref.same), mixed=mixed), p))  # fmt: skip
    return out


def counterfactual_runs(items: list[tuple[CheckResult, Case, PlannedRun]]) -> dict[tuple[str, str], PlannedRun]:
    """(run name, pitfall) → the counterfactual rerun its evidence asks for (kind "counterfactual")."""
    out = {}
    for check, case, p in items:
        if p is None or case.mixed:
            continue  # a refused entry: nothing is rerun for it; a log of several runs: its figures point at nothing
        for key, pit in PITFALLS.items():
            if pit.counterfactual is None or check.check not in pit.checks or (p.name, key) in out:
                continue
            cfg = pit.counterfactual(case)
            if cfg is not None:
                out[(p.name, key)] = counterfactual(p, cfg)
    return out


def explain(ctx: Context, checks: list[CheckResult], execute: Execute | None = None,
            ) -> tuple[list[CheckResult], dict[str, dict]]:  # fmt: skip
    """The checks, every failing/warning one a pitfall may explain with its `diagnosis` ("no known cause matched"
    when none does; never other points). Counterfactual reruns go through `execute` (None: none are run). Also,
    per run name, the counterfactual results that ran ({pitfall: result}) for the report's plots."""
    items = cases(ctx, checks)
    wanted = counterfactual_runs(items) if execute else {}
    outcomes = execute(list(wanted.values())) if wanted else []
    ran: dict[str, dict[str, dict]] = {}
    for (name, key), o in zip(wanted, outcomes, strict=True):
        if o.result is not None:
            ran.setdefault(name, {})[key] = o.result
    diagnosed = {}
    for check, case, p in items:
        d = diagnose(case, ran.get(p.name) if p else None)
        if d is None and case.refused:
            continue  # a refused entry's config line needs no "no known cause"
        if d is None and check.check == "logs" and case.comparison is not None and case.comparison.matches:
            continue  # warned only for where the log ends (grader.evidence.ends_early): its own message says why
        diagnosed[id(check)] = replace(check, diagnosis=d.as_dict() if d else unexplained())
    return [diagnosed.get(id(c), c) for c in checks], ran
