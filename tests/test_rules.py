"""Suggestion rules on synthetic curves whose answers are known."""

import math

import numpy as np
import pytest

from reference.rules import RULES, lr_range, minimum, minimum_over_10, spread_decades, steepest, valley

LRS = np.logspace(-6, 0, 601)  # 100 points per decade
X = np.log10(LRS)


def sigmoid_curve(centre: float = -3.0, bottom_at: float = -1.0) -> np.ndarray:
    """Flat at 2.3, falls around `centre` (steepest there), bottoms out at `bottom_at`, then blows up."""
    fall = 2.3 - 2.0 / (1 + np.exp(-(X - centre) * 3))
    blow = np.where(bottom_at < X, 30 * (X - bottom_at) ** 2, 0.0)
    return fall + blow


def test_minimum_and_one_decade_below():
    loss = sigmoid_curve()
    lr_min = LRS[np.argmin(loss)]
    assert minimum(LRS, loss).lr == lr_min
    assert minimum_over_10(LRS, loss).lr == pytest.approx(lr_min / 10)
    assert 10**-1.3 < lr_min <= 10**-0.9


def test_steepest_finds_the_inflection():
    assert math.log10(steepest(LRS, sigmoid_curve(centre=-3.0)).lr) == pytest.approx(-3.0, abs=0.02)
    assert math.log10(steepest(LRS, sigmoid_curve(centre=-4.0)).lr) == pytest.approx(-4.0, abs=0.02)


def test_steepest_ignores_the_blow_up_after_the_minimum():
    loss = sigmoid_curve()
    loss[-50:] = np.linspace(loss[-51], 50, 50)  # a cliff *upwards* after the minimum
    assert math.log10(steepest(LRS, loss).lr) == pytest.approx(-3.0, abs=0.02)


def test_valley_on_a_monotone_descent_is_half_way():
    loss = np.linspace(3.0, 1.0, 100)  # one long descending stretch: start 0, end 99
    lrs = np.logspace(-4, -2, 100)
    third = 99 / 3
    assert valley(lrs, loss).lr == lrs[int(third) + int(third / 2)]


def test_valley_picks_the_longest_descent_not_the_first():
    # a short dip, a bump, then a long descent
    loss = np.concatenate([np.linspace(2, 1.9, 10), np.linspace(2.5, 2.6, 10), np.linspace(2.4, 0.5, 80)])
    lrs = np.logspace(-5, 0, 100)
    s = valley(lrs, loss)
    assert lrs[20] < s.lr < lrs[-1]


def test_range_spans_descent_start_to_minimum():
    loss = sigmoid_curve()
    s = lr_range(LRS, loss)
    assert s.lr == minimum(LRS, loss).lr
    assert 10**-4 < s.low < 10**-3  # 10% of the drop is done well before the centre
    assert s.value == [s.low, s.lr]


@pytest.mark.parametrize("name", RULES)
def test_nans_are_dropped_and_names_returned(name):
    """A curve with NaN points (a diverged step, a lost reading) gives each rule the answer of the same curve with
    those points left out; NaN left in would win every argmin and turn every comparison false. Each rule is its
    own case, so a rule that stops dropping NaN fails by name."""
    clean = sigmoid_curve()
    loss = clean.copy()
    gaps = np.arange(1, len(loss), 7)
    loss[gaps[gaps != np.argmin(clean)]] = np.nan  # every 7th point, but not the first or the minimum
    keep = np.isfinite(loss)
    got, expected = RULES[name](LRS, loss), RULES[name](LRS[keep], clean[keep])
    assert got.rule == name and got == expected
    assert np.isfinite(got.lr) and LRS[0] <= got.lr <= LRS[-1]


def test_a_nan_curve_keeps_its_known_answers():
    loss = sigmoid_curve()
    loss[1::7] = np.nan
    assert math.log10(steepest(LRS, loss).lr) == pytest.approx(-3.0, abs=0.02)
    assert 10**-1.3 < minimum(LRS, loss).lr <= 10**-0.9


def test_too_short_a_curve_is_an_error():
    with pytest.raises(ValueError, match="at least 3"):
        minimum([1e-3, 1e-2], [1.0, 0.5])


def test_spread_in_decades():
    assert spread_decades([0.014, 0.078]) == pytest.approx(math.log10(0.078 / 0.014))
    assert spread_decades([0.1]) == 0.0
