"""Examiner probe 40. F1: an LR ×2 lie was given the "likely cause" of a pick on the test loss (its own log's test
loss picks another LR; the rerun's is within one evaluation's LR step of anything), and its advice — state
curve = "test" — passed the lie at 0.21 decades of the log's pick (0.60 allowed). F2: a run whose stated seed's rerun
reproduces its test loss to six digits passed a +1 pp accuracy claim as seed noise. F3: a control run's
information-only baseline row spoke of "its 0.95 of 2 points given and the rest pending review"."""

from __future__ import annotations

import math
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from grader import diagnoses
from grader.diagnoses import Case
from grader.grade import grade_class
from grader.load import load_assignment, load_submission
from grader.plan import plan
from grader.schema import RangeTestClaim
from reference.config import range_test_config
from reference.loop import run
from reference.outputs import logs_from_result, write_csv
from reference.rules import RULES, eval_curve

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sweep(mnist5k) -> dict:
    """An honest student's SGD sweep, 1e-6 → 1 over 10 epochs of mnist-5k at seed 401 (the grader reruns seed 0)."""
    torch.set_num_threads(1)
    return run(range_test_config(start_lr=1e-6, end_lr=1.0, epochs=10, seed=401), device="cpu", data=mnist5k)


def _three(x: float) -> float:
    return float(f"{x:.3g}")


def _claim(claimed: float) -> RangeTestClaim:
    return RangeTestClaim(name="s", optimizer="sgd", start_lr=1e-6, end_lr=1.0, epochs=10, rule="min",
                          claimed_lr=claimed)  # fmt: skip


@pytest.mark.slow
def test_the_test_loss_pick_cause_is_named_only_where_the_claim_is_a_pick_on_the_test_loss(sweep):
    """F1: a claim between the LRs the sweep evaluates at is no pick on the test loss — not with the student's own
    log (whose test loss picks another LR), nor without it (the rerun's pick within one evaluation's step is all the
    old diagnosis asked). A claim that is an evaluation's LR, one evaluation off the rerun's pick, still is named."""
    lrs, losses = eval_curve(sweep)
    pick = RULES["min"](lrs, losses).value
    at = lrs.index(pick)
    cfg = range_test_config(start_lr=1e-6, end_lr=1.0, epochs=10)
    between = _three(pick * 10**0.25)  # a quarter of the way to the next evaluation's LR (0.6 decades)
    logs = logs_from_result(sweep)
    with_log = Case("lr_claim", _claim(between), cfg, sweep, None, logs)
    assert diagnoses.test_loss_pick(with_log) is None  # its own log's test loss picks `pick`: not this cause
    # without the log: between the LRs the sweep evaluates at, not named
    assert diagnoses.test_loss_pick(replace(with_log, logs=None)) is None
    other = _three(lrs[at + 1])  # another seed's pick, one evaluation on: an LR the sweep evaluates at
    named = diagnoses.test_loss_pick(Case("lr_claim", _claim(other), cfg, sweep, None, None))
    assert named is not None and named.pitfall == "test-loss-pick" and named.confidence == "low"
    assert "an LR that rule picks on a test-loss curve" in named.evidence


def _entry(sid: str, claimed: float) -> str:
    return (f'[student]\nid = "{sid}"\nname = "{sid}"\n[[range_test]]\nname = "s"\noptimizer = "sgd"\n'
            f'start_lr = 1e-6\nend_lr = 1.0\nepochs = 10\nrule = "min"\ncurve = "test"\nclaimed_lr = {claimed!r}\n'
            'logs = "sweep.csv"\n')  # fmt: skip


def _lr_checks(root: Path, cache: Path):
    """The class at `root` graded quick: the result, and each student's lr_claim check by id."""
    result = grade_class(root, out=None, quick=True, cache_dir=cache)
    return result, {s.id: next(c for c in s.checks if c.check == "lr_claim") for s in result.students}


def _pending_review(c) -> None:
    assert (c.status, c.points, c.why) == ("skip", 0.0, "review") and c.pending > 0, c.message


@pytest.mark.slow
def test_a_test_loss_claim_between_its_own_logs_evaluations_does_not_pass(sweep, tmp_path):
    """F1 (the advice followed): `curve = "test"` and the student's own log. The rule on the log's test loss picks
    `pick`; a claim a quarter of an evaluation step above it passed (one evaluation's LR step allowed). It is no
    pick on that curve: pending review, its points not given. The log's own pick still passes."""
    lrs, losses = eval_curve(sweep)
    pick = RULES["min"](lrs, losses).value
    shutil.copy(ROOT / "submissions" / "assignment.toml", tmp_path / "assignment.toml")
    for sid, claimed in (("between", _three(pick * 10**0.25)), ("honest", _three(pick))):
        (tmp_path / sid).mkdir()
        (tmp_path / sid / "submission.toml").write_text(_entry(sid, claimed))
        write_csv(logs_from_result(sweep), tmp_path / sid / "sweep.csv")
    result, lr = _lr_checks(tmp_path, tmp_path / "cache")
    assert lr["honest"].status == "pass" and "your log's test loss" in lr["honest"].message, lr["honest"].message
    c = lr["between"]
    _pending_review(c)
    assert "lies between the LRs your log's test loss was evaluated at" in c.message
    assert c.logged == pytest.approx(pick, rel=1e-6)
    # without the log (d06t): the rerun's test loss, within one evaluation's step of the claim, passed it too
    rerun = next(s for s in result.students if s.id == "honest").runs[0].result
    rlrs, rlosses = eval_curve(rerun)
    at = rlrs.index(RULES["min"](rlrs, rlosses).value)
    nolog = tmp_path / "nolog"
    for sid, claimed in (("between", _three(rlrs[at] * 10**0.25)), ("next", _three(rlrs[at + 1]))):
        (nolog / sid).mkdir(parents=True)
        (nolog / sid / "submission.toml").write_text(_entry(sid, claimed).replace('logs = "sweep.csv"\n', ""))
    shutil.copy(ROOT / "submissions" / "assignment.toml", nolog / "assignment.toml")
    _, lr = _lr_checks(nolog, tmp_path / "cache")
    assert lr["next"].status == "pass" and "on the rerun's test loss" in lr["next"].message, lr["next"].message
    c = lr["between"]
    _pending_review(c)
    assert "nearest LR the rule can pick on a test-loss curve" in c.message


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, mnist5k) -> tuple[Path, dict]:
    """A class of one: a 2-epoch SGD run at seed 7, stated; a control at a thirtieth of its LR; partial credit
    banded wide, so the control's shortfall lands in the band (F3)."""
    root = tmp_path_factory.mktemp("probe40-seeded")
    (root / "s0").mkdir()
    (root / "assignment.toml").write_text("train_epochs = 2\nquick_epochs = 1\n[tolerances]\npartial_band = 1000.0\n")
    text = ('[student]\nid = "s0"\nname = "S"\n[[range_test]]\nname = "sweep"\noptimizer = "sgd"\nstart_lr = 1e-5\n'
            'end_lr = 10.0\nepochs = 1\nrule = "min/10"\nclaimed_lr = 0.1\n'
            '[[run]]\nname = "const"\noptimizer = "sgd"\nlr = 0.05\nepochs = 2\nseed = 7\n{claims}'
            '[[run]]\nname = "ctl"\noptimizer = "sgd"\nlr = 0.0016\nepochs = 2\nrole = "control"\n')  # fmt: skip
    (root / "s0" / "submission.toml").write_text(text.format(claims=""))
    a = load_assignment(root)
    config = next(p.config for p in plan(load_submission(root / "s0", a).submission, a, False) if p.name == "const")
    assert config.seed == 7
    own = run(config, device="cpu", data=mnist5k)
    (root / "s0" / "submission.toml").write_text(text)
    return root, own["final"]


def _grade_seeded(root: Path, tmp_path: Path, accuracy: str, loss: str):
    cls = tmp_path / "class"
    (cls / "s0").mkdir(parents=True)
    claims = f"claimed_test_accuracy = {accuracy}\nclaimed_test_loss = {loss}\n"
    (cls / "s0" / "submission.toml").write_text((root / "s0" / "submission.toml").read_text().format(claims=claims))
    (cls / "assignment.toml").write_text((root / "assignment.toml").read_text())
    (s,) = grade_class(cls, out=None, quick=False, jobs=1, cache_dir=root / "cache").students
    return {(c.check, c.subject): c for c in s.checks}


@pytest.mark.slow
def test_a_figure_the_stated_seeds_rerun_misses_fails_where_it_reproduces_a_sibling(seeded, tmp_path):
    """F2: the rerun of the stated seed reproduces the run's test loss to 4 significant digits (half a unit of
    which is far under the seed σ: no other seed's run matches it by chance), so it is the student's run; an
    accuracy +1 pp off it fails (it passed as z ≈ +1 in seed σ), quoting both figures. The true accuracy passes."""
    root, final = seeded
    loss = f"{final['test_loss']:.4g}"
    assert math.isfinite(final["test_loss"]) and final["test_accuracy"] < 0.985
    lie = _grade_seeded(root, tmp_path / "lie", f"{final['test_accuracy'] + 0.01:.4f}", loss)
    acc = lie[("accuracy_claim", "const")]
    assert (acc.status, acc.points) == ("fail", 0.0), acc.message
    assert f"{final['test_accuracy']:.6g}" in acc.message and "reproduces the run's claimed test loss" in acc.message
    assert lie[("loss_claim", "const")].status == "pass"
    honest = _grade_seeded(root, tmp_path / "honest", f"{final['test_accuracy']:.4f}", loss)
    assert honest[("accuracy_claim", "const")].status == "pass", honest[("accuracy_claim", "const")].message


@pytest.mark.slow
def test_a_controls_information_only_baseline_row_speaks_of_no_points(seeded, tmp_path):
    """F3: a control at a thirtieth of the LR falls short of the reference, within the (wide) partial band: shown
    for information, it carries no points and none pending, and says nothing of points given or pending."""
    root, final = seeded
    checks = _grade_seeded(root, tmp_path, f"{final['test_accuracy']:.4f}", f"{final['test_loss']:.4g}")
    ctl = checks[("baseline", "ctl")]
    assert ctl.distance and ctl.distance > ctl.tolerance  # it falls short: the band's wording was reached
    assert (ctl.points, ctl.max_points, ctl.pending) == (0.0, 0.0, 0.0)
    assert ctl.message.startswith("For information (no points at stake)"), ctl.message
    assert "points are given" not in ctl.message and "pending review" not in ctl.message, ctl.message
