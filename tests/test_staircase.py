"""A staircase range test (seed 000's MultiStepLR ×1.5 every half epoch): the LR held for a stair, then ×gamma. Its
honest students are graded as meant — the sweep rerun as written, the rules read one point per stair — instead of
ERROR 0/100 ("a range test that no [[range_test]] sweep reruns as written")."""

from __future__ import annotations

import math
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from pydantic import ValidationError

from grader.grade import grade_class
from grader.load import load_submission
from grader.plan import sweep_lrs
from grader.presets import apply_preset
from grader.schema import Assignment, RangeTestClaim
from reference.config import range_test_config, staircase_rises
from reference.loop import run
from reference.optim import lr_table
from reference.outputs import logs_from_result, write_csv
from reference.rules import RULES, smooth

ROOT = Path(__file__).resolve().parents[1]
STAIR = {"name": "ms", "optimizer": "sgd", "start_lr": 1e-3, "shape": "staircase", "gamma": 1.5, "stair_steps": 16,
         "epochs": 10, "rule": "min/10"}  # fmt: skip


def _stairs(levels: int = 12, each: int = 10) -> tuple[list[float], list[float]]:
    """A staircase curve: LR ×1.5 every `each` steps; the loss falls faster and faster, then blows up."""
    lrs = [1e-3 * 1.5 ** (i // each) for i in range(levels * each)]
    drop = [0.02, 0.05, 0.1, 0.2, 0.35, 0.3, 0.2, 0.1, 0.05, -0.3, -0.6, -1.0]
    level = np.cumsum([0.0, *drop])[:levels]
    losses = [2.3 - level[i // each] - 0.001 * (i % each) for i in range(levels * each)]
    return lrs, smooth(losses, 0.9)


@pytest.mark.parametrize("rule", list(RULES))
def test_the_rules_read_one_point_per_stair(rule):
    """Before, `steepest` took d(loss)/d(log lr) between steps of one stair: a division by zero, a nan slope taken
    for the steepest, and a pick that was wherever the nan fell. Now each stair is one point, its last step's loss."""
    lrs, losses = _stairs()
    ends = [i for i in range(len(lrs)) if i + 1 == len(lrs) or lrs[i + 1] != lrs[i]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no division by a zero LR step
        pick = RULES[rule](lrs, losses).value
    assert pick == RULES[rule]([lrs[i] for i in ends], [losses[i] for i in ends]).value
    assert all(p in set(lrs) or math.isclose(p * 10, lrs[ends[0]]) or p in {x / 10 for x in lrs}
               for p in (pick if isinstance(pick, list) else [pick]))  # fmt: skip


def test_an_exponential_sweep_keeps_every_point():
    lrs = [1e-4 * 10 ** (i / 50) for i in range(200)]
    losses = smooth([2.3 - math.sin(i / 70) for i in range(200)], 0.98)
    stepped = np.gradient(np.asarray(losses[:111]), np.log10(lrs[:111]))  # what steepest did before, every point
    assert RULES["steepest"](lrs, losses).value == lrs[int(np.argmin(stepped))]


@pytest.mark.parametrize(("fields", "fragment"), [
    ({"shape": "exp", "end_lr": 1.0}, "only a shape = \"staircase\""),
    ({"stair_steps": None}, "one of them"),
    ({"milestones": [16, 32]}, "one of them"),
    ({"gamma": None}, "gamma (its factor at each stair) or end_lr"),
    ({"gamma": 0.5}, "greater than 1"),
    ({"gamma": 1.5, "end_lr": 1e-4}, "below end_lr"),
])  # fmt: skip
def test_a_staircase_states_its_stairs_and_its_growth(fields, fragment):
    with pytest.raises(ValidationError, match=None) as e:
        RangeTestClaim.model_validate({**STAIR, **fields})
    assert fragment in str(e.value)
    assert RangeTestClaim.model_validate({**STAIR, "end_lr": 2.2}).end_lr == 2.2  # gamma and end_lr: both allowed


def test_the_preset_s_end_lr_is_not_a_staircase_s():
    """The course preset's sweep ends at 1.0: a staircase's end follows from its gamma and stairs."""
    filled = apply_preset({"range_test": [dict(STAIR)]}, "cs5260")["range_test"][0]
    assert "end_lr" not in filled and filled["start_lr"] == 1e-3
    assert apply_preset({"range_test": [{"name": "x"}]}, "cs5260")["range_test"][0]["end_lr"] == 1.0


@pytest.mark.parametrize("stairs", [{"stair_steps": 16}, {"milestones": (16, 40, 40, 100, 999)}])
def test_the_rerun_s_lr_table_is_torch_s_staircase(stairs):
    """The planned sweep is torch's StepLR / MultiStepLR stepped every optimizer step (a milestone listed twice
    multiplies twice, as torch counts it); its end LR is the last step's."""
    rt = RangeTestClaim.model_validate({**STAIR, **{"stair_steps": None, **stairs}})
    lrs = sweep_lrs(rt, 320)
    table = lr_table(range_test_config(**lrs, epochs=10), 32)
    rises = [staircase_rises(stairs.get("stair_steps"), stairs.get("milestones"), i + 1) for i in range(320)]
    assert table == pytest.approx([1e-3 * 1.5**r for r in rises])
    assert lrs["end_lr"] == pytest.approx(table[-1]) and lrs["gamma"] == 1.5
    from_end = sweep_lrs(rt.model_copy(update={"gamma": None, "end_lr": table[-1]}), 320)
    assert from_end["gamma"] == pytest.approx(1.5) and from_end["end_lr"] == pytest.approx(table[-1])


@pytest.mark.parametrize(("update", "fragment"), [
    ({"end_lr": 50.0}, "is not where this staircase ends: 0.001 × 1.5^19 = 2.217"),
    ({"stair_steps": 400}, "never grows within its 320 steps"),
    ({"stair_steps": 200}, "grows only once within its 320 steps: a rule needs 3 LRs"),
    ({"stair_steps": None, "milestones": (100, 100)}, "grows only once"),
    ({"gamma": 10.0, "stair_steps": None, "milestones": tuple(range(1, 300))}, "at most ×10 a stair, to 1000"),
    ({"gamma": None, "end_lr": 900.0, "stair_steps": 100}, "growing ×96.55 a stair to 900"),
])  # fmt: skip
def test_a_staircase_the_rerun_cannot_take_is_one_line(update, fragment):
    rt = RangeTestClaim.model_validate(STAIR).model_copy(update=update)
    why = sweep_lrs(rt, 320)
    assert isinstance(why, str) and fragment in why and "\n" not in why, why


@pytest.fixture(scope="module")
def student_sweep(mnist5k) -> dict:
    """An honest student's staircase sweep (seed 401; the grader reruns seed 0)."""
    torch.set_num_threads(1)
    lrs = sweep_lrs(RangeTestClaim.model_validate(STAIR), 320)
    return run(range_test_config(**lrs, epochs=10, seed=401), device="cpu", data=mnist5k)


def _sweep_toml(name: str, rule: str, claimed: float, logs: str | None = None) -> str:
    return (f'[[range_test]]\nname = "{name}"\noptimizer = "sgd"\nstart_lr = 0.001\nshape = "staircase"\n'
            f'gamma = 1.5\nstair_steps = 16\nepochs = 10\nrule = "{rule}"\nclaimed_lr = {claimed:.4g}\n'
            + (f'logs = "{logs}"\n' if logs else ""))  # fmt: skip


def test_honest_staircase_students_are_graded_as_meant(student_sweep, tmp_path):
    """Three students of seed 000's method: picks from their own sweep (one with its log), one ×10 off, and seed
    000's MultiStepLR sweep as a course config.py — read as the staircase it is, not refused."""
    picks = student_sweep["suggestions"]
    shutil.copy(ROOT / "submissions" / "assignment.toml", tmp_path / "assignment.toml")
    head = '[student]\nid = "{0}"\nname = "{0}"\n'
    honest = tmp_path / "honest"
    honest.mkdir()
    write_csv(logs_from_result(student_sweep), honest / "sweep.csv")
    (honest / "submission.toml").write_text(
        head.format("honest")
        + _sweep_toml("min10", "min/10", picks["min/10"])
        + _sweep_toml("steep", "steepest", picks["steepest"], "sweep.csv")
    )
    wrong = tmp_path / "wrong"
    wrong.mkdir()
    (wrong / "submission.toml").write_text(head.format("wrong") + _sweep_toml("min10", "min/10", picks["min/10"] * 10))
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "config.py").write_text(
        "BATCH_SIZE = 128\nNUM_EPOCHS = 10\nLEARNING_RATE = 1e-6\nLR_SCHEDULER = dict("
        "type='MultiStepLR', milestones=list(range(234, 4690, 234)), gamma=1.5)\n"
    )
    result = grade_class(tmp_path, out=tmp_path / "out", quick=True, cache_dir=tmp_path / "cache")
    by = {s.id: {(c.check, c.subject): c for c in s.checks} for s in result.students}
    for subject in ("min10", "steep"):
        c = by["honest"][("lr_claim", subject)]
        assert c.status == "pass", c.message
    assert "your own log" in by["honest"][("lr_claim", "steep")].message
    assert "a staircase" in by["honest"][("lr_claim", "min10")].origin  # its σ is the exponential sweeps'
    assert by["wrong"][("lr_claim", "min10")].status == "fail"
    (student,) = [s for s in result.students if s.id == "legacy"]
    assert student.error is None and by["legacy"][("config", "submission")].status == "pass"
    report = (tmp_path / "out" / "honest" / "report.md").read_text()
    assert "a staircase sweep: step (step\\_size=16, gamma=1.5) · per step" in report


def test_a_staircase_lambda_is_a_staircase_sweep(tmp_path):
    """`lambda i: 1.5 ** (i // 234)` per iteration: ×1.5 at each of its stairs, constant between."""
    (tmp_path / "config.py").write_text(
        "NUM_EPOCHS = 10\nLEARNING_RATE = 1e-6\n"
        "LR_SCHEDULER = dict(type='LambdaLR', lr_lambda=lambda i: 1.5 ** (i // 234))\n"
    )
    x = load_submission(tmp_path, Assignment())
    assert x.error is None, x.error
    (sweep,) = x.submission.range_test
    assert (sweep.shape, sweep.gamma) == ("staircase", pytest.approx(1.5))
    assert list(sweep.milestones) == list(range(234, 4690, 234))
