"""LR suggestion rules: pure functions of a recorded range-test curve `(lrs, smoothed losses) -> Suggestion`; and the
divergence rule every run's curve is read with (`Watch`: the loop stops a run by it, the grader reads a log by it)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

EXPLODED = 10.0  # any run: smoothed loss above 10× the first step's loss has diverged


@dataclass
class Watch:
    """Where a run diverged: the first step whose loss is NaN/inf or exploded, or (range tests, `factor`) whose
    smoothed loss > factor × the best so far. Kept up to date: each evaluation reads only the steps not yet
    seen (rescanning a 14,070-step run at each of its 30 evaluations would be quadratic)."""

    factor: float | None
    beta: float = 0.98
    seen: int = 0
    best: float = math.inf
    first: float = math.nan
    avg: float = 0.0

    def extend(self, raw: list[float]) -> tuple[int, str] | None:
        """Read `raw[self.seen:]`; the smoothed loss is `smooth(raw, beta)`, computed the same way."""
        for i in range(self.seen, len(raw)):
            loss = raw[i]
            self.avg = self.beta * self.avg + (1 - self.beta) * loss
            s = self.avg / (1 - self.beta ** (i + 1))
            if i == 0:
                self.first = loss
            self.seen = i + 1
            if not math.isfinite(loss):
                return i, f"loss became {loss} at step {i}"
            if s > EXPLODED * self.first:
                first = self.first
                return i, f"loss exploded: smoothed {s:.3g} > {EXPLODED:g}× the first step's {first:.3g} at step {i}"
            self.best = min(self.best, s)
            if self.factor is not None and s > self.factor * self.best:
                return i, f"smoothed loss {s:.3g} > {self.factor:g}× best {self.best:.3g} at step {i}"
        return None


def smooth(losses: list[float], beta: float) -> list[float]:
    """Bias-corrected exponential moving average (as in pytorch-lr-finder / fastai): of every step."""
    return smooth_steps(range(len(losses)), losses, beta)


def smooth_steps(steps: Sequence[int], losses: list[float], beta: float) -> list[float]:
    """`smooth` over optimizer steps for a log that holds only some of them (every 10th, say): each logged loss stands
    for the steps since the previous one (weight beta^gap), so the average spans as many optimizer steps as the
    reference's; with every step logged it is `smooth` itself (examiner probe 9: a sweep logged every 10 steps,
    smoothed once per point, averaged 10× too long a window and moved a correct claim's pick by 0.34 decades)."""
    avg, out, prev = 0.0, [], -1
    for step, loss in zip(steps, losses, strict=True):
        w = beta ** max(1, step - prev)
        avg = w * avg + (1 - w) * loss
        out.append(avg / (1 - beta ** max(1, step + 1)))
        prev = step
    return out


@dataclass(frozen=True)
class Suggestion:
    rule: str
    lr: float  # the suggested LR (for `range`, the top of the interval)
    low: float | None = None  # `range` only: the interval [low, lr]

    @property
    def value(self) -> float | list[float]:
        """What result files store: an LR, or [low, high] for an interval rule."""
        return [self.low, self.lr] if self.low is not None else self.lr


def _clean(lrs: Sequence[float], losses: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """The curve's finite points, one per LR: where the LR holds for several steps (a staircase sweep, seed 000's
    MultiStepLR ×1.5 every half epoch; an LR logged with few digits), the smoothed loss of the last of them — the
    loss that LR settled at. An exponential or linear sweep changes its LR every step: all its points are kept."""
    lr, loss = np.asarray(lrs, dtype=float), np.asarray(losses, dtype=float)
    keep = np.isfinite(lr) & np.isfinite(loss) & (lr > 0)
    lr, loss = lr[keep], loss[keep]
    last = np.append(lr[1:] != lr[:-1], True)  # the last step of each run of one LR
    if last.sum() < 3:
        raise ValueError("a range-test curve needs at least 3 finite points at different LRs")
    return lr[last], loss[last]


def minimum(lrs: Sequence[float], losses: Sequence[float]) -> Suggestion:
    """The LR at the lowest smoothed loss."""
    lr, loss = _clean(lrs, losses)
    return Suggestion("min", float(lr[np.argmin(loss)]))


def minimum_over_10(lrs: Sequence[float], losses: Sequence[float]) -> Suggestion:
    """One decade below the minimum: the loss is still falling fast there, and it is safely stable."""
    return Suggestion("min/10", minimum(lrs, losses).lr / 10)


def steepest(lrs: Sequence[float], losses: Sequence[float]) -> Suggestion:
    """The most negative slope d(loss)/d(log10 lr), searched only before the minimum (the descent) and past the
    sweep's first tenth, which fastai's `lr_find` leaves out too: there the smoothed loss is still one batch's or a
    few batches' (its average spans 1/(1 − beta) = 50 steps), and on a flat start a fine sweep (4,690 steps, 0.0013
    decades a step) turns one batch's noise into the steepest slope — the course sweeps' seed 5 picked their first
    LR, 1e-6, for sgd, adam and adamw alike (examiner probe 41). At least 3 points are searched."""
    lr, loss = _clean(lrs, losses)
    end = max(int(np.argmin(loss)), 2) + 1
    start = min(len(lr) // 10, end - 3)
    slope = np.gradient(loss[:end], np.log10(lr[:end]))
    return Suggestion("steepest", float(lr[start + int(np.argmin(slope[start:]))]))


def valley(lrs: Sequence[float], losses: Sequence[float]) -> Suggestion:
    """fastai's valley: in the longest strictly descending run of the loss (a longest decreasing
    subsequence), pick the point half-way between its first and second thirds."""
    lr, loss = _clean(lrs, losses)
    length = np.ones(len(loss), dtype=int)  # longest decreasing subsequence ending at i
    for i in range(1, len(loss)):
        before = length[:i][loss[:i] > loss[i]]
        if before.size:
            length[i] = before.max() + 1
    end = int(np.argmax(length))
    start = end - int(length[end]) + 1
    third = (end - start) / 3
    return Suggestion("valley", float(lr[start + int(third) + int(third / 2)]))


def valley_fastai(lrs: Sequence[float], losses: Sequence[float], num_it: int | None = None) -> float | None:
    """fastai's `valley` as `Learner.lr_find` applies it (fastai/callback/schedule.py), on its recorder's values
    `[num_it // 10 : -5]` — the first tenth of the iterations asked for and the last five recorded left out, every
    recorded point kept (`valley` above keeps one per LR): the longest strictly decreasing subsequence, its end `e`
    the first point that reaches its length L, its start `e − L` (one before `valley`'s), and the point
    `start + int(sections) + int(sections / 2)`, `sections = (e − start) / 3`, as fastai indexes it. `num_it`: the
    iterations asked for (default: the points logged). None where fewer than 3 finite points are left. O(n log n):
    a log holds up to 200,000 points."""
    import bisect

    n = len(losses)
    lo, hi = (num_it if num_it is not None else n) // 10, n - 5
    xs, ys = list(lrs[lo:hi]), [float(v) for v in losses[lo:hi]]
    if len(ys) < 3 or not all(math.isfinite(v) for v in ys):
        return None
    tails: list[float] = []  # patience sorting on −loss: tails[k] ends the best decreasing run of length k + 1
    longest, end, start = 1, 0, 0
    for i, v in enumerate(ys):
        at = bisect.bisect_left(tails, -v)  # strictly decreasing: an equal loss does not extend a run
        tails[at : at + 1] = [-v]
        if at + 1 > longest:  # fastai moves its end only to a point that makes the run longer
            longest, end = at + 1, i
            start = end - longest
    sections = (end - start) / 3
    return float(xs[start + int(sections) + int(sections / 2)])  # fastai's index (−1 wraps, as in fastai)


def lr_range(lrs: Sequence[float], losses: Sequence[float]) -> Suggestion:
    """Smith's LR range: from where the loss starts to fall (10% of its total drop) to its minimum."""
    lr, loss = _clean(lrs, losses)
    best = int(np.argmin(loss))
    threshold = loss[0] - 0.1 * (loss[0] - loss[best])
    start = int(np.argmax(loss[: best + 1] <= threshold))
    return Suggestion("range", float(lr[best]), low=float(lr[start]))


RULES: dict[str, Callable[[Sequence[float], Sequence[float]], Suggestion]] = {
    "min": minimum,
    "min/10": minimum_over_10,
    "steepest": steepest,
    "valley": valley,
    "range": lr_range,
}
DEFAULT_RULE = "steepest"  # see README "Which rule": the most stable pick across seeds, and it trains best


def suggest_all(lrs: Sequence[float], losses: Sequence[float]) -> dict[str, Suggestion]:
    return {name: rule(lrs, losses) for name, rule in RULES.items()}


def eval_curve(result: dict) -> tuple[list[float], list[float]]:
    """A range test's test loss against its LR, one point per evaluation (once an epoch unless `eval_every`): the
    LR of the last step before it, and the test loss — the curve a rule reads where the student picked on the test
    loss (seed 000: "we have to compare the learning rate versus test loss"). Raw: each point is a whole test set."""
    lrs, points = result.get("lr") or [], [e for e in result.get("evals") or [] if 0 < e["step"] <= len(result["lr"])]
    return [lrs[e["step"] - 1] for e in points], [e["test_loss"] for e in points]


EDGE_TAIL = 0.02  # a sweep's last 2 % of steps (at least 5): a lowest point there is the sweep's edge


def lowest_at_edge(result: dict, tail: float = EDGE_TAIL) -> int | None:
    """The step of a sweep's lowest smoothed loss where that is its edge — it ran to its end (no divergence) and its
    lowest point lies in its last `tail` of steps (at least 5) — so it has no minimum for `min`-based rules to find;
    None otherwise."""
    smoothed = result.get("train_loss_smoothed") or []
    if result.get("diverged") or len(smoothed) < 10:
        return None
    lowest = min(range(len(smoothed)), key=smoothed.__getitem__)
    return lowest if lowest >= len(smoothed) - max(5, int(tail * len(smoothed))) else None


def spread_decades(values: Sequence[float]) -> float:
    """How far apart picks are: log10(max / min) over seeds."""
    return math.log10(max(values) / min(values)) if values else 0.0
