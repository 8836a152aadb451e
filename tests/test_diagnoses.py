"""Diagnoses: each known pitfall named on a submission built by running the reference with that mistake injected;
confirmed by a counterfactual where one applies; an honest submission gets none; points never change."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
import torch
from pitfalls import CONFIRMED_BY_RERUN, EXPECTED, build_class  # tests/pitfalls.py: the fixture builder

from grader.checks import Context, run_checks
from grader.diagnoses import DIAGNOSED, NO_CAUSE, PITFALLS, Case, diagnose, explain
from grader.evidence import Logs, compare, logs_from_result
from grader.grade import grade_class
from grader.plan import plan
from grader.runner import Outcome
from grader.schema import Assignment, Submission
from reference.config import RunConfig, ScheduleConfig
from reference.loop import run
from reference.schedules import lr_table


@pytest.fixture(scope="module")
def rerun(mnist5k) -> dict:
    torch.set_num_threads(1)
    return run(RunConfig(epochs=2, lr=0.05), device="cpu", data=mnist5k)


def _case(rerun: dict, check: str, claim: dict, logs: Logs | None = None, config: RunConfig | None = None) -> Case:
    from grader.schema import RunClaim

    c = RunClaim(name="run", optimizer="sgd", lr=0.05, epochs=2, **claim)
    config = config or RunConfig(**rerun["config"])
    return Case(check, c, config, rerun, None, logs, compare(logs, rerun, 1000) if logs else None)


def test_the_table():
    # "config": a refused entry (not rerun) is still examined from its claims and logs
    assert all(set(p.checks) <= {*DIAGNOSED, "config"} for p in PITFALLS.values())
    assert len({p.title for p in PITFALLS.values()}) == len(PITFALLS)


def test_claims_read_as_the_mistake_reads_them(rerun):
    final = rerun["final"]
    artifact = diagnose(_case(rerun, "loss_claim", {"claimed_test_loss": final["test_loss"] / 8}))
    assert artifact.pitfall == "loss-test-artifact" and artifact.confirmed and "8 = ⌈1,000/128⌉" in artifact.evidence
    percent = diagnose(_case(rerun, "accuracy_claim", {"claimed_test_accuracy": 100 * final["test_accuracy"]}))
    assert percent.pitfall == "accuracy-percent" and percent.confirmed
    honest = {"claimed_test_loss": final["test_loss"], "claimed_test_accuracy": final["test_accuracy"]}
    assert diagnose(_case(rerun, "loss_claim", honest)) is None
    assert diagnose(_case(rerun, "accuracy_claim", honest)) is None
    assert diagnose(_case(rerun, "loss_claim", {"claimed_test_loss": final["test_loss"] / 3})) is None  # no cause


def test_lr_tables_name_the_scheduler_mistakes(rerun):
    """Per-iteration milestones and an unused scheduler, from the logged LR alone (no rerun needed)."""
    per_epoch = rerun["epochs"][0]["step"]
    claimed = RunConfig(epochs=2, lr=0.05, schedule=ScheduleConfig(name="multistep", milestones=(10, 20), gamma=0.1))
    per_step = claimed.model_copy(update={"schedule": claimed.schedule.model_copy(update={"cadence": "step"})})
    table = lr_table(per_step, per_epoch)
    logs = Logs("x", list(range(len(table))), table, rerun["train_loss"])
    d = diagnose(_case(rerun, "logs", {}, logs, claimed))
    assert d.pitfall == "per-step-scheduler" and d.confirmed and d.confidence == "high"
    assert "×0.01" in d.evidence  # the LR falls by γ² within epoch 1
    constant = Logs("x", list(range(len(table))), [0.05] * len(table), rerun["train_loss"])
    claimed = RunConfig(epochs=2, lr=0.05, schedule=ScheduleConfig(name="multistep", milestones=(1,), gamma=0.1))
    rerun_claimed = {**rerun, "lr": lr_table(claimed, per_epoch)}
    d = diagnose(_case(rerun_claimed, "logs", {}, constant, claimed))
    assert d.pitfall == "scheduler-unused" and "constant at 0.05 from step 0" in d.evidence


def test_diagnoses_never_change_points(rerun):
    assignment = Assignment(train_epochs=2, required=("run",), tolerances={"probe_epochs": 0})
    sub = Submission.model_validate({"student": {"id": "x", "name": "x"}, "run": [
        {"name": "run", "optimizer": "sgd", "lr": 0.05, "epochs": 2, "claimed_test_loss": 0.02,
         "claimed_test_accuracy": 95.0}]})  # fmt: skip
    planned = plan(sub, assignment, quick=False)
    ctx = Context(sub, assignment, [(p, Outcome(rerun)) for p in planned], None, False, 1000,
                  logs={"run": logs_from_result(rerun)})  # fmt: skip
    checks = run_checks(ctx)
    before = [(c.check, c.status, c.points, c.max_points) for c in checks]
    assert explain(ctx, checks, None) == {}  # no execute: no counterfactual reruns
    assert [(c.check, c.status, c.points, c.max_points) for c in checks] == before
    failing = {c.check: c.diagnosis for c in checks if c.status in ("fail", "warn") and c.subject == "run"}
    assert set(failing) == {"accuracy_claim", "loss_claim", "plausibility"}
    assert failing["accuracy_claim"]["pitfall"] == "accuracy-percent"  # 95.0 > 1 is a percentage, but 0.95 is
    assert not failing["accuracy_claim"]["confirmed"]  # not what the rerun reached: not confirmed
    assert failing["loss_claim"]["cause"] == NO_CAUSE  # 0.02 × 8 is not the rerun's loss either
    assert all(c.diagnosis is None for c in checks if c.status == "pass")


@pytest.fixture(scope="module")
def fixture_class(mnist5k, tmp_path_factory):
    """Every pitfall's fixture, graded in full (one torch thread, sequential engine): ~2 min on 2 cores."""
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("pitfalls")
    build_class(root / "class", mnist5k)
    result = grade_class(root / "class", out=root / "reports", cache_dir=root / "cache", device="cpu",
                         engine="sequential", jobs=1)  # fmt: skip
    return {s.id: s for s in result.students}, root


@pytest.mark.slow
def test_every_pitfall_is_named(fixture_class):
    students, _ = fixture_class
    assert set(students) == set(EXPECTED)
    for sid, expected in EXPECTED.items():
        s = students[sid]
        named = {c.check: (c.diagnosis or {}).get("pitfall") for c in s.checks if c.subject == "run"}
        for check, pitfall in expected.items():
            assert named.get(check) == pitfall, (sid, check, named)
        if not expected:  # an honest submission with logs: every check passes, no diagnosis anywhere
            assert s.verdict == "pass" and all(c.diagnosis is None for c in s.checks), sid
            assert next(c for c in s.checks if c.check == "logs").message.startswith("The log matches the rerun")


@pytest.mark.slow
def test_counterfactual_reruns_confirm(fixture_class):
    students, _ = fixture_class
    for sid in CONFIRMED_BY_RERUN:
        s = students[sid]
        d = next(c.diagnosis for c in s.checks if c.check == "logs")
        assert d["confirmed"] and d["confidence"] == "high", sid
        evidence = s.runs[0].evidence
        assert evidence["counterfactuals"], sid  # the counterfactual's curve is drawn beside the rerun
    mismatch = next(c for c in students["log-mismatch"].checks if c.check == "logs")
    assert mismatch.status == "warn" and "does not match the claimed config" in mismatch.message
    assert not mismatch.diagnosis["confirmed"]


@pytest.mark.slow
def test_class_summary_counts_students_per_pitfall(fixture_class):
    students, root = fixture_class
    summary = (root / "reports" / "summary.md").read_text()
    assert "Students per likely cause" in summary
    assert "| epoch scheduler stepped per iteration (`per-step-scheduler`) | 2 |" in summary
    index = (root / "reports" / "index.html").read_text()
    assert "students per likely cause" in index and "softmax before CrossEntropyLoss" in index
    report = (root / "reports" / "loss-artifact" / "report.md").read_text()
    assert "Likely cause:** the course framework" in report and "your log (`logs/run`) vs the rerun" in report


@pytest.mark.slow
def test_quick_self_check_compares_the_first_epochs(fixture_class):
    """`--quick`: the log's first quick_epochs against the quick rerun already names the artifact."""
    _, root = fixture_class
    result = grade_class(root / "class", out=None, quick=True, cache_dir=root / "cache", device="cpu",
                         engine="sequential", jobs=1, only=["loss-artifact", "honest"])  # fmt: skip
    s = {x.id: x for x in result.students}
    logs = next(c for c in s["loss-artifact"].checks if c.check == "logs")
    assert "2 epoch(s) compared" in logs.message and logs.diagnosis["pitfall"] == "loss-test-artifact"
    assert all(c.diagnosis is None for c in s["honest"].checks)


@pytest.mark.slow
def test_screenshot_of_a_diagnosed_report(fixture_class, tmp_path):
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("chromium is not installed: no headless screenshot of the report")
    _, root = fixture_class
    page = root / "reports" / "multistep-per-step" / "report.html"
    html = page.read_text()
    assert "Likely cause" in html and "stepped every optimizer step" in html
    assert html.count('src="data:image/png;base64,') >= 2  # the training plot and the log-vs-rerun plot
    shot = tmp_path / "shot.png"
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--no-first-run", "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'p'}",
           "--window-size=1200,3400", f"--screenshot={shot}", page.as_uri()]  # fmt: skip
    subprocess.run(cmd, timeout=90, capture_output=True, check=False)
    assert shot.exists() and shot.stat().st_size > 10_000
    from matplotlib.image import imread

    pixels = imread(shot)[..., :3]
    assert pixels.shape[0] >= 3000 and pixels.std() > 0.05
    colours = np.unique((pixels.reshape(-1, 3) * 255).round().astype(np.uint8), axis=0)
    assert len(colours) > 50


@pytest.mark.slow
def test_bundled_class_shows_a_diagnosis(bundled_quick):
    """submissions/s009-logs-diagnosed: its TensorBoard log carries the course's Loss/test artifact; a quick
    grade's logs check (the first 3 epochs) names it, and the class summary counts it."""
    result, tmp = bundled_quick
    s = next(s for s in result.students if s.id == "s009")
    logs = next(c for c in s.checks if c.check == "logs")
    assert logs.status == "warn" and "3 epoch(s) compared" in logs.message
    assert logs.diagnosis["pitfall"] == "loss-test-artifact" and logs.diagnosis["confirmed"]
    assert any("taken from its logs" in w for w in s.warnings)
    summary = (tmp / "reports" / "summary.md").read_text()
    assert "Loss/test divided by the number of test batches (`loss-test-artifact`) | 1 |" in summary
