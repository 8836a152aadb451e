"""Examiner probe 42: what the grader says around the claims of honest course-template students.

- The cs5260 preset steps schedulers per iteration; its constant-LR runs were "another config" than the committed
  course runs (stepped per epoch), though a constant LR is one table either way: every template student's run was
  rerun and its baseline judged "as another config", where the 10 committed seeds of it are bit-for-bit the same runs.
- A committed config's baseline row said "judged against 20 committed reference seeds" where nothing is compared.
- A control run's information-only baseline row printed an "allowed shortfall" the run exceeds: it read as a failure.
- Gradescope and PrairieLearn outputs of a pending check began "Not checked here: Not judged: …"."""

from __future__ import annotations

from pathlib import Path

from grader.context import _shape, differences, load_baselines
from grader.grade import grade_class

COURSE = next(b for b in load_baselines("mnist-5k") if b["name"] == "mnist-5k-course")


def test_a_constant_lr_is_one_config_whatever_its_cadence():
    committed = COURSE["runs"]["sgd-constant"]["config"]
    stepped = {**committed, "schedule": {**committed["schedule"], "cadence": "step"}}
    assert _shape(stepped) == _shape(committed) and differences(stepped, committed) == "nothing"
    multistep = COURSE["runs"]["sgd-multistep"]["config"]  # a scheduler with milestones: the cadence is its clock
    per_step = {**multistep, "schedule": {**multistep["schedule"], "cadence": "step"}}
    assert "cadence" in differences(per_step, multistep)


def test_a_course_template_run_is_judged_against_its_committed_seeds(tmp_path: Path):
    lr, pick = COURSE["lrs"]["sgd"], COURSE["range_tests"]["sgd"]["suggested_lr"]
    root = tmp_path / "class"
    (root / "c01").mkdir(parents=True)
    (root / "assignment.toml").write_text('dataset = "mnist-5k"\n')
    (root / "c01" / "submission.toml").write_text(
        '[student]\nid = "c01"\nname = "C"\n[setup]\npreset = "cs5260"\ndataset = "mnist-5k"\n'
        f'[[range_test]]\nname = "sweep"\noptimizer = "sgd"\nrule = "steepest"\nclaimed_lr = {pick:.3g}\n'
        f'[[run]]\nname = "final"\noptimizer = "sgd"\nlr = {lr}\nschedule = {{ name = "constant" }}\n'
    )
    result = grade_class(root, out=None, quick=True, jobs=1, cache_dir=tmp_path / "cache")
    (s,) = result.students
    checks = {(c.check, c.subject): c for c in s.checks}
    base = checks[("baseline", "final")]
    assert base.status == "pass" and base.message.startswith("Met by construction, nothing compared"), base.message
    assert "cadence" not in base.message and "sgd-constant" in base.message
    assert checks[("lr_claim", "sweep")].status == "pass"
    assert result.meta["reruns"] == 0, result.meta  # the sweep and the run: both judged against committed seeds
