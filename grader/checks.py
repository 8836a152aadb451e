"""Check: one table of checks; each turns a submission, its reruns and the baseline into verdicts with reasons."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from grader.plan import PlannedRun
from grader.results import CheckResult
from grader.runner import Outcome
from grader.schema import Assignment, Submission
from reference.tolerances import decades, lr_tolerance, sigma


def baseline_entry(baseline: dict | None, config) -> tuple[str, dict] | None:
    """The reference run with the same optimizer and scheduler, else the optimizer at a constant LR."""
    runs = (baseline or {}).get("runs", {})
    for name in (f"{config.optimizer}-{config.schedule.name}", f"{config.optimizer}-constant"):
        if name in runs:
            return name, runs[name]
    return None


@dataclass
class Context:
    sub: Submission
    assignment: Assignment
    runs: list[tuple[PlannedRun, Outcome]]
    baseline: dict | None  # reference/baselines/<dataset>.json, when committed
    quick: bool
    n_test: int  # test-set size, for the binomial floor of accuracy tolerances
    probes: dict[str, Outcome] = field(default_factory=dict)  # training run name → its nudged twin's outcome

    @property
    def tol(self):
        return self.assignment.tolerances

    def of_kind(self, kind: str) -> list[tuple[PlannedRun, Outcome]]:
        return [(p, o) for p, o in self.runs if p.kind == kind]

    def baseline_run(self, p: PlannedRun) -> tuple[str, dict] | None:
        return baseline_entry(self.baseline, p.config)

    def drift(self, p: PlannedRun, o: Outcome) -> tuple[float, int] | None:
        """How far the probe twin's train loss strays from the rerun's (largest relative difference) over the
        twin's steps; infinite when only one of them diverges there. None without both curves."""
        twin = self.probes.get(p.name)
        if twin is None or twin.result is None or o.result is None:
            return None
        a, b = o.result["train_loss"], twin.result["train_loss"]
        if (twin.result["diverged"] and len(a) > len(b)) or (o.result["diverged"] and len(a) < len(b)):
            return math.inf, min(len(a), len(b))
        n = min(len(a), len(b))
        return max((abs(x - y) / max(abs(x), 1e-12) for x, y in zip(a[:n], b[:n], strict=True)), default=0.0), n

    def chaotic(self, p: PlannedRun, o: Outcome) -> bool:
        d = self.drift(p, o)
        return d is not None and d[0] > self.tol.chaos_drift


def banded(distance: float, tol: float, band: float, max_points: float) -> tuple[str, float]:
    """Full points inside the tolerance, then linearly less down to 0 at band × tolerance."""
    if distance <= tol:
        return "pass", max_points
    if band > 1 and distance < band * tol:
        return "warn", round(max_points * (band * tol - distance) / ((band - 1) * tol), 2)
    return "fail", 0.0


def _rerun_failed(check: str, p: PlannedRun, o: Outcome, pts: float) -> CheckResult | None:
    if o.error:
        return CheckResult(check, p.name, "error", f"The rerun failed: {o.error}.", max_points=pts)
    if o.result is not None and o.result["diverged"] and not o.result["final"]:
        reason = o.result["diverged"]["reason"]
        return CheckResult(check, p.name, "fail", f"The rerun diverged before its first evaluation: {reason}.",
                           max_points=pts)  # fmt: skip
    if o.result is None or (p.kind == "train" and not o.result["final"]):
        return CheckResult(check, p.name, "error", "The rerun produced no metrics.", max_points=pts)
    return None


# ---------------------------------------------------------------- the checks


def check_config(ctx: Context, pts: float) -> list[CheckResult]:
    a, s, problems = ctx.assignment, ctx.sub, []
    if s.setup.dataset != a.dataset:
        problems.append(f"dataset {s.setup.dataset!r} is not the assignment's {a.dataset!r}")
    if s.setup.model != a.model:
        problems.append(f"model {s.setup.model!r} is not the assignment's {a.model!r}")
    for item in [*s.range_test, *s.run, *s.auto]:
        if item.optimizer not in a.optimizers:
            problems.append(f"{item.name}: optimizer {item.optimizer!r} is not allowed")
    problems += [f"{r.name}: {r.epochs} epochs > the allowed {a.max_epochs}" for r in [*s.run, *s.auto]
                 if r.epochs > a.max_epochs]  # fmt: skip
    missing = [part for part in a.required if not getattr(s, part)]
    problems += [f"no [[{part}]] section: the assignment requires one" for part in missing]
    if problems:
        return [CheckResult("config", "submission", "fail", "; ".join(problems) + ".", max_points=pts)]
    n = f"{len(s.range_test)} range test(s) and {len(s.run) + len(s.auto)} training run(s)"
    return [CheckResult("config", "submission", "pass", f"Valid: {n} within the assignment.", points=pts,
                        max_points=pts)]  # fmt: skip


def check_lr_claims(ctx: Context, pts: float) -> list[CheckResult]:
    out = []
    for p, o in ctx.of_kind("range-test"):
        claim = p.claim
        if claim.claimed_lr is None:
            continue  # a sweep without a pick: shown in the report, nothing to check
        if failed := _rerun_failed("lr_claim", p, o, pts):
            out.append(failed)
            continue
        rerun = o.result["suggestions"].get(claim.rule)
        if rerun is None:
            out.append(CheckResult("lr_claim", p.name, "error", "The rerun's curve was too short to apply the rule "
                                   f"{claim.rule!r} (it diverged at once).", max_points=pts))  # fmt: skip
            continue
        claimed = list(claim.claimed_lr) if isinstance(claim.claimed_lr, tuple) else [claim.claimed_lr]
        expected = rerun if isinstance(rerun, list) else [rerun]
        if len(claimed) != len(expected):
            claimed = claimed[-1:] if len(expected) == 1 else claimed * 2
        dist = max(decades(c, e) for c, e in zip(claimed, expected, strict=True))
        spread = ((ctx.baseline or {}).get("range_tests", {}).get(p.config.optimizer, {})
                  .get("spread_decades", {}).get(claim.rule, 0.0))  # fmt: skip
        tol = lr_tolerance(spread, floor=ctx.tol.lr_min_decades)
        status, points = banded(dist, tol, ctx.tol.partial_band, pts)
        fmt = lambda v: ", ".join(f"{x:.3g}" for x in v)  # noqa: E731
        msg = (f"Rule {claim.rule!r} on the rerun's curve picks {fmt(expected)}; the claim {fmt(claimed)} is "
               f"{dist:.2f} decades away (allowed {tol:.2f}: the rule's seed spread, floored).")  # fmt: skip
        out.append(CheckResult("lr_claim", p.name, status, msg, fmt(expected), fmt(claimed), round(tol, 3),
                               f"{dist:.2f} decades", points, pts))  # fmt: skip
    return out


def _metric_claims(check: str, metric: str, ctx: Context, pts: float) -> list[CheckResult]:
    out, field = [], f"claimed_{metric}"
    for p, o in ctx.of_kind("train"):
        claimed = getattr(p.claim, field)
        if claimed is None:
            continue  # nothing claimed, nothing to check (the baseline check still grades the rerun)
        if ctx.quick:
            out.append(CheckResult(check, p.name, "skip", f"Quick mode reruns {p.until_epoch} of {p.config.epochs} "
                                   "epochs; the final-metric claim is checked by the full grade."))  # fmt: skip
            continue
        if failed := _rerun_failed(check, p, o, pts):
            out.append(failed)
            continue
        observed = o.result["final"][metric]
        ref = ctx.baseline_run(p)
        std = ref[1]["final"][metric]["std"] if ref else 0.0
        s = sigma(metric, observed, std, ctx.n_test)
        tol = ctx.tol.k_sigma * s
        z = (claimed - observed) / s
        status, points = banded(abs(claimed - observed), tol, ctx.tol.partial_band, pts)
        label = metric.replace("_", " ")
        msg = (f"Claimed {label} {claimed:.4g}; the rerun got {observed:.4g} (z = {z:+.1f}; allowed "
               f"±{ctx.tol.k_sigma:g}σ with σ = {s:.3g} from the reference seeds, floored).")  # fmt: skip
        out.append(_chaotic(ctx, p, o, CheckResult(check, p.name, status, msg, round(observed, 4), claimed,
                                                   round(tol, 4), f"z = {z:+.2f}", points, pts)))  # fmt: skip
    return out


def _chaotic(ctx: Context, p: PlannedRun, o: Outcome, result: CheckResult) -> CheckResult:
    """A metric check on a chaotic rerun: its figure is one draw of many rounding could give; partial credit."""
    if not ctx.chaotic(p, o) or result.status in ("skip", "error"):
        return result
    result.points = round(ctx.tol.chaotic_credit * result.max_points, 2)
    result.status = "warn"
    result.message = (f"Not graded automatically: the rerun is chaotic (see the reproducible check), "
                      f"{ctx.tol.chaotic_credit:.0%} of the points pending review. " + result.message)  # fmt: skip
    return result


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
            msg = (f"Chaotic: {nudge} {moved} within {n} steps, so rounding alone (another engine, device or "
                   f"torch version) changes this run's figures; its metric checks get {tol.chaotic_credit:.0%} of "
                   "their points pending review by hand.")  # fmt: skip
        out.append(CheckResult("reproducible", p.name, status, msg, None, f"{d:.2g}", tol.chaos_drift, f"{n} steps",
                               points, pts))  # fmt: skip
    return out


def check_baseline(ctx: Context, pts: float) -> list[CheckResult]:
    out = []
    for p, o in ctx.of_kind("train"):
        ref = ctx.baseline_run(p)
        if ref is None:
            out.append(CheckResult("baseline", p.name, "skip", f"No committed reference baseline for "
                                   f"{p.config.dataset} {p.config.optimizer}."))  # fmt: skip
            continue
        if failed := _rerun_failed("baseline", p, o, pts):
            out.append(failed)
            continue
        name, entry = ref
        epoch = min(len(o.result["epochs"]), len(entry["epochs"]))
        stats = entry["epochs"][epoch - 1]["test_accuracy"]
        observed = o.result["epochs"][epoch - 1]["test_accuracy"] if epoch else math.nan
        s = sigma("test_accuracy", stats["mean"], stats["std"], ctx.n_test)
        shortfall = max(stats["mean"] - observed, 0.0)
        status, points = banded(shortfall, ctx.tol.k_sigma * s, ctx.tol.partial_band, pts)
        if o.result["diverged"]:
            status, points = "fail", 0.0
        msg = (f"At epoch {epoch} the rerun reaches {observed:.4f}; the reference {name} "
               f"(lr {entry['config']['lr']:.3g}, {len(stats['values'])} seeds) reaches {stats['mean']:.4f} ± "
               f"{stats['std']:.4f}; allowed shortfall {ctx.tol.k_sigma:g}σ = {ctx.tol.k_sigma * s:.4f}.")  # fmt: skip
        out.append(_chaotic(ctx, p, o, CheckResult(
            "baseline", p.name, status, msg, round(stats["mean"], 4), round(observed, 4),
            round(ctx.tol.k_sigma * s, 4), f"z = {(observed - stats['mean']) / s:+.2f}", points, pts)))  # fmt: skip
    return out


def check_plausibility(ctx: Context, pts: float) -> list[CheckResult]:
    """Figures no rerun or reference gets near, accuracies above 1, picks outside the sweep, diverged reruns."""
    flags: list[tuple[str, str]] = []
    ref_losses = [e["final"]["test_loss"]["mean"] for e in (ctx.baseline or {}).get("runs", {}).values()]
    for p, o in ctx.runs:
        c = p.claim
        if p.kind == "range-test":
            lrs = list(c.claimed_lr) if isinstance(c.claimed_lr, tuple) else [c.claimed_lr] if c.claimed_lr else []
            scale = 0.1 if c.rule == "min/10" else 1.0  # that rule's picks live a decade below the sweep
            low, high = c.start_lr * scale, c.end_lr * scale
            if any(not low <= lr <= high for lr in lrs):
                flags.append((p.name, f"claimed LR {', '.join(f'{v:g}' for v in lrs)} lies outside the range rule "
                              f"{c.rule!r} can pick from this sweep, [{low:g}, {high:g}]"))  # fmt: skip
            continue
        if c.claimed_test_accuracy is not None and c.claimed_test_accuracy > 1:
            flags.append((p.name, f"claimed accuracy {c.claimed_test_accuracy:g} > 1 (report a fraction, not %)"))
        if o.result and o.result["diverged"]:
            flags.append((p.name, f"the rerun diverged: {o.result['diverged']['reason']}"))
        reachable = [v for v in [*ref_losses, *(e["test_loss"] for e in (o.result or {}).get("epochs", []))]
                     if math.isfinite(v)]  # fmt: skip
        factor = ctx.tol.implausible_loss_factor
        if c.claimed_test_loss is not None and reachable and c.claimed_test_loss * factor < min(reachable):
            ratio = min(reachable) / max(c.claimed_test_loss, 1e-12)
            flags.append((p.name, f"claimed test loss {c.claimed_test_loss:.3g} is {ratio:.0f}× below the lowest "
                          f"any rerun or reference run reaches ({min(reachable):.3g})"))  # fmt: skip
    out = [CheckResult("plausibility", name, "fail", msg[0].upper() + msg[1:] + ".") for name, msg in flags]
    if flags:
        out.append(CheckResult("plausibility", "submission", "fail", f"{len(flags)} implausible figure(s), listed "
                               "above.", max_points=pts))  # fmt: skip
    else:
        out.append(CheckResult("plausibility", "submission", "pass", "Every claimed figure is within reach of a "
                               "rerun or the reference.", points=pts, max_points=pts))  # fmt: skip
    return out


@dataclass(frozen=True)
class Check:
    run: Callable[[Context, float], list[CheckResult]]
    summary: str


CHECKS: dict[str, Check] = {
    "config": Check(check_config, "valid, and within the assignment's allowed space"),
    "lr_claim": Check(check_lr_claims, "claimed LR vs the student's rule applied to the rerun's sweep (decades)"),
    "accuracy_claim": Check(
        lambda c, p: _metric_claims("accuracy_claim", "test_accuracy", c, p),
        "claimed final test accuracy vs the rerun (z-score)",
    ),  # fmt: skip
    "loss_claim": Check(
        lambda c, p: _metric_claims("loss_claim", "test_loss", c, p), "claimed final test loss vs the rerun (z-score)"
    ),  # fmt: skip
    "reproducible": Check(check_reproducible, "a nudged twin of each rerun: does its outcome belong to the config?"),
    "baseline": Check(check_baseline, "rerun's test accuracy vs the reference baseline at the same epoch"),
    "plausibility": Check(check_plausibility, "figures no rerun or reference gets near"),
}


def run_checks(ctx: Context) -> list[CheckResult]:
    points = ctx.assignment.points
    return [r for key, check in CHECKS.items() for r in check.run(ctx, getattr(points, key))]
