"""How far a rerun may land from a baseline and still agree: one table, used by `verify` and the grader."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from statistics import NormalDist


@dataclass(frozen=True)
class Tolerance:
    k: float  # allowed distance in (floored) seed standard deviations, or in multiples of the LR spread
    floor: str  # what σ is floored at, in words (shown in reports)
    rel_floor: float = 0.0  # σ ≥ rel_floor · |mean|
    binomial: bool = False  # σ ≥ the binomial standard error of an accuracy on the test set
    min_decades: float = 0.0  # LR: tolerance ≥ this many decades


TOLERANCES: dict[str, Tolerance] = {
    "test_accuracy": Tolerance(3.0, "binomial standard error √(p(1−p)/n_test)", binomial=True),
    "test_loss": Tolerance(3.0, "5% of the mean", rel_floor=0.05),
    "train_loss": Tolerance(3.0, "5% of the mean", rel_floor=0.05),
    "lr": Tolerance(1.0, "0.3 decades (a factor of 2)", min_decades=0.3),
}


def sigma(metric: str, mean: float, std: float, n_test: int) -> float:
    """The seed-to-seed σ, floored so that three seeds' lucky agreement can't make a tolerance vanish."""
    t = TOLERANCES[metric]
    floor = t.rel_floor * abs(mean)
    if t.binomial:
        p = min(max(mean, 1.0 / n_test), 1 - 1.0 / n_test)
        floor = max(floor, math.sqrt(p * (1 - p) / n_test))
    return max(std, floor)


def check_metric(metric: str, observed: float, mean: float, std: float, n_test: int, k: float | None = None):
    """(ok, tolerance, z) for an observed metric against a baseline mean ± std."""
    s = sigma(metric, mean, std, n_test)
    k = TOLERANCES[metric].k if k is None else k
    z = (observed - mean) / s if math.isfinite(observed) else math.inf
    return abs(z) <= k, k * s, z


def lr_tolerance(spread: float, k: float | None = None, floor: float | None = None) -> float:
    """Decades an LR may differ from the expected pick: the rule's seed spread, floored."""
    t = TOLERANCES["lr"]
    return max((t.k if k is None else k) * spread, t.min_decades if floor is None else floor)


def decades(a: float, b: float) -> float:
    return abs(math.log10(a / b))


# ---------------------------------------------------------------- tolerances for claims, with a stated error rate
# A claim is one seed's figure; the grader's rerun is another seed's (a student who sets no seed is rerun at 0).
# Their difference has σ_d = √2·σ, σ the seed-to-seed σ; a rerun against the reference mean of n seeds has
# σ_d = σ·√(1 + 1/n). A check passes within k·σ_d and fails beyond partial_band·k·σ_d (partial credit between),
# so its false-fail rate is P(|Z| > band·k) when σ is right; benchmarks/grading_power.py measures it, and
# the σ the committed 3 seeds give against the σ of 21, to choose k.

FALSE_FAIL_TARGET = 0.01  # per check: the share of honest students a check may fail
CHAOS_WINDOW = 64  # steps a probe twin is compared over: the window chaos_drift was measured on (2 passes over
# mnist-5k's 4,000 images at batch 128: calm runs ≤ 1e-4, the course's SGD at LR 1 without momentum 3 %), whatever the
# data — a nudge grows with the steps even in a calm run (two passes of Fashion-MNIST, 938 steps: honest Adam 0.2 %)
Z_DETECT = NormalDist().inv_cdf(0.95)  # an error is "detectable" when it is flagged 95 % of the time


@dataclass(frozen=True)
class Derived:
    """A claim tolerance and where it comes from: `tol` = k·σ_d, σ_d = `factor`·σ, floored at `floor`."""

    tol: float
    k: float
    sigma: float  # the seed σ used (after its own floor), in the check's unit
    factor: float  # σ_d / σ: √2 for claim vs rerun, √(1 + 1/n) for rerun vs a mean of n seeds
    floor: float = 0.0  # a lower bound of tol, when it binds (e.g. the sweep's resolution)

    @property
    def sigma_d(self) -> float:
        return self.factor * self.sigma

    def min_detectable(self, band: float = 1.0) -> float:
        """The smallest error flagged (|distance| > band·tol; band 1: warn or fail) 95 % of the time."""
        return band * self.tol + Z_DETECT * self.sigma_d


def z_two_sided(p: float) -> float:
    """The |z| that a standard normal exceeds with probability p."""
    return NormalDist().inv_cdf(1 - p / 2)


def false_fail_rate(k: float, band: float, ratio: float = 1.0, two_sided: bool = True) -> float:
    """P(fail) for an honest claim when the true σ is `ratio` × the σ the tolerance used."""
    tail = 1 - NormalDist().cdf(band * k / ratio)
    return 2 * tail if two_sided else tail


def k_for(target: float, band: float, ratio: float = 1.0, two_sided: bool = True) -> float:
    """The k whose false-fail rate (failing beyond band·k·σ_d) is `target`, σ underestimated by `ratio`."""
    return ratio * (z_two_sided(target) if two_sided else NormalDist().inv_cdf(1 - target)) / band


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion k/n (95 % by default)."""
    if n == 0:
        return 0.0, 1.0
    p, z2 = k / n, z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def wilson_text(k: int, n: int, decimals: int = 0) -> str:
    """`k/n = p % [low, high]`, the Wilson interval, as the benchmarks print a rate; "-" for none."""
    low, high = wilson(k, n)
    return f"{k}/{n} = {k / n:.{decimals}%} [{low:.{decimals}%}, {high:.{decimals}%}]" if n else "-"


SIGMA_CONFIDENCE = 0.95  # a σ estimated from n seeds is used at its upper 95 % confidence bound


def sigma_upper(sd: float, n: int, confidence: float = SIGMA_CONFIDENCE) -> float:
    """`sd`, a sample std of `n` seeds, at its upper `confidence` bound: sd·√((n−1)/χ²_{1−confidence}(n−1)), the
    χ² quantile by Wilson–Hilferty. n seeds underestimate σ as often as they overestimate it, and an honest student
    pays for an underestimate in points (measured: 21 students' Adam test losses spread 1.39× the 20 committed
    seeds', so 80 % was not enough); 20 seeds: ×1.37, 10: ×1.64, 3: ×4.4."""
    if n < 2 or sd <= 0:
        return sd
    nu, z = n - 1, NormalDist().inv_cdf(1 - confidence)
    chi2 = nu * (1 - 2 / (9 * nu) + z * math.sqrt(2 / (9 * nu))) ** 3
    return sd * math.sqrt(nu / max(chi2, 1e-9))


def lr_sigma(picks: list) -> float:
    """Seed-to-seed σ of a rule's picks in decades: the sample std of log10(pick) (the top of a `range` pick);
    0 for fewer than 2 picks."""
    tops = [p[-1] if isinstance(p, list | tuple) else p for p in picks if p is not None]
    logs = [math.log10(p) for p in tops if p > 0]
    return statistics.stdev(logs) if len(logs) > 1 else 0.0


def pooled_lr_sigma(range_tests: dict) -> float:
    """σ of a pick in decades pooled over every optimizer and rule of a baseline (`range_tests`: optimizer →
    {"picks": rule → per-seed picks}): √(Σ(n−1)σ² / Σ(n−1)). Rules that are functions of another's pick
    (min/10 and range's top are min's) count once: identical deviations are pooled once."""
    seen, num, den = set(), 0.0, 0
    for rt in range_tests.values():
        for picks in (rt.get("picks") or {}).values():
            tops = [p[-1] if isinstance(p, list | tuple) else p for p in picks if p is not None]
            logs = [math.log10(p) for p in tops if p > 0]
            if len(logs) < 2:
                continue
            mean = statistics.fmean(logs)
            key = tuple(round(x - mean, 6) for x in logs)
            if key not in seen:
                seen.add(key)
                num, den = num + (len(logs) - 1) * statistics.variance(logs), den + len(logs) - 1
    return math.sqrt(num / den) if den else 0.0


def lr_claim_tolerance(picks: list, k: float, resolution: float = 0.0, pooled: float = 0.0,
                       factor: float = math.sqrt(2)) -> Derived:  # fmt: skip
    """Decades a claimed LR may be from the rule's pick on the rerun: k·√2·σ, σ the std of the reference seeds'
    log10 picks, floored at `pooled` (the σ pooled over the baseline's rules: 3 seeds give σ 2 degrees of
    freedom, and underestimate it 2× one time in five) and the tolerance at the sweep's resolution (one
    step in decades: picks are sweep points, so one step off is the smallest difference there is). `factor`:
    √2 against one rerun, `seeds_factor(n)` against the mean of n committed seeds."""
    s = max(sigma_upper(lr_sigma(picks), len([p for p in picks if p is not None])), pooled)
    return Derived(max(k * factor * s, resolution), k, s, factor, resolution)


def seeds_factor(n: int) -> float:
    """σ of one seed's figure minus the mean of `n` other seeds', in units of one seed's σ: √(1 + 1/n)."""
    return math.sqrt(1 + 1 / max(n, 1))


def pooled_rel_sigma(stats: list[dict]) -> float:
    """Relative seed σ pooled over runs ({mean, std, values} each): √(Σ(n−1)(std/mean)² / Σ(n−1)). Three
    seeds give a σ with 2 degrees of freedom; a baseline's runs together give 2 per run."""
    num = den = 0.0
    for s in stats:
        n = len([v for v in s.get("values", ()) if v is not None and math.isfinite(v)])
        if n > 1 and s.get("mean"):
            num, den = num + (n - 1) * (s["std"] / s["mean"]) ** 2, den + n - 1
    return math.sqrt(num / den) if den else 0.0


def claim_sigma(metric: str, value: float, std: float, n_test: int, rel_floor: float = 0.0) -> float:
    """σ of one seed's final metric: the reference seeds' std at that epoch, floored at the binomial standard
    error √(p(1−p)/n) of an accuracy on n test images, or at `rel_floor`·value for a loss."""
    if metric == "test_accuracy":
        p = min(max(value, 1.0 / n_test), 1 - 1.0 / n_test)
        return max(std, math.sqrt(p * (1 - p) / n_test))
    return max(std, rel_floor * abs(value))


def metric_claim_tolerance(metric: str, value: float, std: float, n_test: int, k: float,
                           rel_floor: float = 0.0, seeds: int = 0,
                           factor: float = math.sqrt(2)) -> Derived:  # fmt: skip
    """A claimed final metric against the rerun (two single seeds): k·√2·σ, the seeds' std at its upper bound;
    against the mean of the committed seeds themselves (`factor` = seeds_factor(n)): k·σ·√(1 + 1/n)."""
    s = claim_sigma(metric, value, sigma_upper(std, seeds), n_test, rel_floor)
    return Derived(k * factor * s, k, s, factor)


def baseline_tolerance(mean: float, std: float, n_seeds: int, n_test: int, k: float) -> Derived:
    """A rerun's accuracy against the reference mean of `n_seeds` seeds (shortfall only): k·σ·√(1 + 1/n)."""
    s, f = claim_sigma("test_accuracy", mean, sigma_upper(std, n_seeds), n_test), seeds_factor(n_seeds)
    return Derived(k * f * s, k, s, f)
