"""How far a rerun may land from a baseline and still agree: one table, used by `verify` and the grader."""

from __future__ import annotations

import math
from dataclasses import dataclass


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
