"""Derived tolerances (reference/tolerances.py): σ from picks, k applied to the σ of a difference, minimum
detectable errors, and the checks that use them, on small hand-made data."""

import math
import random

import pytest

from grader.checks import Context, run_checks
from grader.plan import plan
from grader.runner import Outcome
from grader.schema import Assignment, Submission
from reference.tolerances import (
    Z_DETECT,
    baseline_tolerance,
    false_fail_rate,
    k_for,
    lr_claim_tolerance,
    lr_sigma,
    metric_claim_tolerance,
    pooled_lr_sigma,
    pooled_rel_sigma,
    sigma_upper,
    wilson,
)


def test_lr_sigma_is_the_std_of_log10_picks():
    assert lr_sigma([0.01, 0.1, 1.0]) == pytest.approx(1.0)  # log10: -2, -1, 0
    assert lr_sigma([0.01, None, 1.0]) == pytest.approx(math.sqrt(2))  # a missing pick is left out
    assert lr_sigma([[0.001, 0.01], [0.001, 0.1], [0.002, 1.0]]) == pytest.approx(1.0)  # `range`: its top
    assert lr_sigma([0.05]) == 0.0


def test_lr_tolerance_is_k_root2_sigma_floored_at_the_sweep_resolution():
    d = lr_claim_tolerance([0.01, 0.1, 1.0], k=1.5, resolution=0.02)  # σ = 1 decade from 3 seeds, at its upper bound
    up = sigma_upper(1.0, 3)
    assert d.tol == pytest.approx(1.5 * math.sqrt(2) * up) and d.sigma_d == pytest.approx(math.sqrt(2) * up)
    same = lr_claim_tolerance([0.05, 0.05, 0.05], k=1.5, resolution=0.02)  # three seeds agreeing exactly
    assert same.sigma == 0.0 and same.tol == 0.02


def test_lr_sigma_pooled_over_rules_counts_derived_rules_once():
    rts = {"sgd": {"picks": {"min": [1.0, 10.0, 100.0], "min/10": [0.1, 1.0, 10.0], "steepest": [0.1, 0.1, 0.1]}},
           "adam": {"picks": {"min": [0.001, 0.01, 0.001]}}}  # fmt: skip
    # min and min/10 share deviations (σ² = 1, counted once), steepest σ² = 0, adam min σ² = 1/3: 2 df each
    assert pooled_lr_sigma(rts) == pytest.approx(math.sqrt((2 * 1 + 2 * 0 + 2 / 3) / 6))
    d = lr_claim_tolerance([0.1, 0.1, 0.1], k=1.0, pooled=0.5)  # three seeds agreeing: the pooled σ is used
    assert d.sigma == 0.5 and d.tol == pytest.approx(math.sqrt(2) * 0.5)


def test_accuracy_sigma_is_floored_at_the_binomial_standard_error():
    d = metric_claim_tolerance("test_accuracy", 0.9, 0.001, 100, k=2.0)  # SE = √(.9·.1/100) = 0.03
    assert d.sigma == pytest.approx(0.03) and d.tol == pytest.approx(2.0 * math.sqrt(2) * 0.03)
    wide = metric_claim_tolerance("test_accuracy", 0.9, 0.05, 100, k=2.0)  # seed std above the floor
    assert wide.sigma == pytest.approx(0.05)


def test_loss_sigma_is_floored_at_the_pooled_relative_sigma():
    runs = [{"mean": 1.0, "std": 0.1, "values": [0.9, 1.0, 1.1]}, {"mean": 2.0, "std": 0.4, "values": [1.6, 2, 2.4]}]
    rel = pooled_rel_sigma(runs)
    assert rel == pytest.approx(math.sqrt((2 * 0.1**2 + 2 * 0.2**2) / 4))
    assert pooled_rel_sigma([{"mean": 1.0, "std": 0.0, "values": [1.0]}]) == 0.0  # one seed: no information
    d = metric_claim_tolerance("test_loss", 0.2, 0.001, 1000, k=1.0, rel_floor=rel)
    assert d.sigma == pytest.approx(rel * 0.2)


def test_baseline_tolerance_is_one_seed_against_a_mean_of_n():
    d = baseline_tolerance(0.95, 0.01, 3, 10_000, k=2.0)
    up = sigma_upper(0.01, 3)
    assert d.factor == pytest.approx(math.sqrt(4 / 3)) and d.tol == pytest.approx(2.0 * up * math.sqrt(4 / 3))


def test_a_sigma_from_n_seeds_is_used_at_its_upper_95_percent_bound():
    """n seeds underestimate σ half the time and an honest student pays for it: the upper 95 % confidence bound
    √((n−1)/χ²_0.05(n−1)) — 20 seeds ×1.37, 10 ×1.64 (χ² by Wilson–Hilferty, within 1 % of the table)."""
    assert sigma_upper(1.0, 20) == pytest.approx(math.sqrt(19 / 10.117), rel=0.01)  # χ²_0.05(19) = 10.117
    assert sigma_upper(1.0, 10) == pytest.approx(math.sqrt(9 / 3.325), rel=0.01)  # χ²_0.05(9) = 3.325
    assert sigma_upper(1.0, 1) == 1.0 and sigma_upper(0.0, 20) == 0.0


def test_minimum_detectable_error():
    d = lr_claim_tolerance([0.01, 0.1, 1.0], k=1.0)
    assert d.min_detectable() == pytest.approx(d.tol + Z_DETECT * d.sigma_d)
    assert d.min_detectable(band=2.0) == pytest.approx(2 * d.tol + Z_DETECT * d.sigma_d)


def test_k_for_a_false_fail_target_holds_on_simulated_honest_claims():
    """Two seeds' figures, σ = 1 each, graded with the σ estimated at half its value (ratio 2)."""
    k = k_for(0.01, band=2.0, ratio=2.0)
    assert false_fail_rate(k, 2.0, 2.0) == pytest.approx(0.01)
    rng = random.Random(0)
    tol = k * math.sqrt(2) * 0.5  # what the grader allows with σ_used = 0.5
    diffs = [rng.gauss(0, 1) - rng.gauss(0, 1) for _ in range(40_000)]
    fails = sum(abs(x) > 2.0 * tol for x in diffs) / len(diffs)
    assert fails == pytest.approx(0.01, abs=0.002)
    assert false_fail_rate(k_for(0.01, 2.0, two_sided=False), 2.0, two_sided=False) == pytest.approx(0.01)


def test_wilson_interval():
    lo, hi = wilson(0, 20)
    assert lo == 0.0 and hi == pytest.approx(0.161, abs=1e-3)
    lo, hi = wilson(10, 20)
    assert lo == pytest.approx(1 - hi) and lo < 0.5 < hi


BASELINE = {
    "range_tests": {"sgd": {"picks": {"min/10": [0.08, 0.1, 0.125]}, "spread_decades": {"min/10": 0.19}}},
    "runs": {"sgd-constant": {
        "config": {"lr": 0.05},
        "epochs": [{"epoch": 1, "step": 32,
                    "test_accuracy": {"mean": 0.95, "std": 0.004, "values": [0.946, 0.95, 0.954]},
                    "test_loss": {"mean": 0.17, "std": 0.017, "values": [0.153, 0.17, 0.187]}}],
        "final": {"test_accuracy": {"mean": 0.95, "std": 0.004, "values": [0.946, 0.95, 0.954]},
                  "test_loss": {"mean": 0.17, "std": 0.017, "values": [0.153, 0.17, 0.187]}}}},
}  # fmt: skip


def graded(claimed_lr: float, acc: float, baseline: dict = BASELINE) -> dict:
    assignment = Assignment(train_epochs=1, max_epochs=1, tolerances={"probe_epochs": 0})
    sub = Submission.model_validate({
        "student": {"id": "s1", "name": "S"},
        "range_test": [{"name": "sweep", "optimizer": "sgd", "start_lr": 1e-5, "end_lr": 10.0, "epochs": 1,
                        "rule": "min/10", "claimed_lr": claimed_lr}],
        "run": [{"name": "const", "optimizer": "sgd", "lr": 0.05, "epochs": 1, "claimed_test_accuracy": acc}],
    })  # fmt: skip
    lrs = [1e-5 * 10 ** (6 * i / 100) for i in range(101)]
    sweep = {"suggestions": {"min/10": 0.1}, "lr": lrs, "train_loss_smoothed": [abs(i - 50) for i in range(101)],
             "final": None, "diverged": None}  # fmt: skip
    epoch = {"step": 32, "epoch": 1, "train_loss": 0.2, "test_loss": 0.17, "test_accuracy": 0.95}
    outcomes = [Outcome(sweep), Outcome({"epochs": [epoch], "final": epoch, "diverged": None})]
    ctx = Context(sub, assignment, list(zip(plan(sub, assignment, False), outcomes)), baseline, False, 1000)
    return {c.check: c for c in run_checks(ctx)}


def test_checks_state_the_derived_tolerance_its_origin_and_what_they_cannot_detect():
    k = Assignment().tolerances.k_lr
    v = graded(claimed_lr=0.1, acc=0.95)
    lr = v["lr_claim"]
    expected = k * math.sqrt(2) * sigma_upper(lr_sigma([0.08, 0.1, 0.125]), 3)
    assert lr.status == "pass" and lr.tolerance == pytest.approx(expected, abs=1e-3)
    # 3 committed seeds are never used alone: the largest σ of the rule over the committed sweeps (here that one)
    assert "this one has no committed seeds" in lr.origin and "grading_power" in lr.origin
    assert "''s" not in lr.origin  # the newcomer probe: "rule 'min/10''s picks over no 10+ committed seeds'
    acc = v["accuracy_claim"]
    se = math.sqrt(0.95 * 0.05 / 1000)  # the binomial floor, under the 3 seeds' std 0.004 at its upper bound
    sd = max(sigma_upper(0.004, 3), se)
    assert acc.tolerance == pytest.approx(Assignment().tolerances.k_claim * math.sqrt(2) * sd, abs=1e-4)
    assert "binomial SE" in acc.origin and "cannot be told from seed noise" in acc.message
    # a borrowed σ (no 10 seeds of this sweep): a miss within borrowed_review × the tolerance is pending, beyond failed
    near = graded(claimed_lr=0.1 * 10 ** (1.5 * lr.tolerance), acc=0.95)["lr_claim"]
    assert near.status == "skip" and near.pending > 0, near.message
    far = graded(claimed_lr=0.1 / 10 ** (2.6 * lr.tolerance), acc=0.95)["lr_claim"]  # below: above it lies LR 1000
    assert far.status == "fail", far.message


def test_an_lr_claim_without_reference_seeds_falls_back_to_lr_min_decades():
    lr = graded(claimed_lr=0.1, acc=0.95, baseline={"runs": BASELINE["runs"]})["lr_claim"]
    assert lr.tolerance == Assignment().tolerances.lr_min_decades and "lr_min_decades" in lr.origin


def test_a_borrowed_sigma_names_the_few_committed_seeds_this_sweep_has():
    """benchmarks/borrowed_sigma.py: the origin of full-size Fashion-MNIST's LR tolerance said "this one has no
    committed seeds" of a sweep with 3 (a list emptied before it was counted)."""
    from grader.checks import lr_tolerance_for
    from grader.context import load_baselines
    from reference.config import RunConfig

    baselines = load_baselines("fashion-mnist")  # its shortened protocol and the assignment's full one
    rt = next(b for b in baselines if b["name"] == "fashion-mnist-full")["range_tests"]["sgd"]
    n = len(rt["picks"]["min"])
    assert 2 <= n < 10
    _, origin = lr_tolerance_for(baselines, RunConfig(**rt["config"]), "min", {"lr": []}, Assignment().tolerances)
    assert f"this one has {n} committed seeds, fewer than 10" in origin, origin
