"""A final figure judged against the student's own log is judged as far as the rerun compared that log (examiner
probe 27): a quick grade's rerun (1 of 2 epochs here) compares the log's first epoch, not the last one the claim is
read from, so the claim is pending there — an upload grade gave full marks to an edited last epoch, "the rerun bears
the log out" — and the full grade decides it. A claim its own log contradicts fails in either grade; a figure the
student left to the log is said to be the log's, and the coverage line says how many were read so."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from grader.grade import grade_class
from grader.load import load_assignment, load_submission
from grader.plan import plan
from reference.loop import run
from reference.outputs import logs_from_result, write_csv
from tests.test_grade import SMALL


@pytest.fixture(scope="module")
def logged(tmp_path_factory, mnist5k) -> tuple[Path, dict]:
    """A class of one, its 2-epoch run logged by the student's own run of the config at another seed."""
    root = tmp_path_factory.mktemp("quick-own")
    (root / "s0").mkdir()
    (root / "assignment.toml").write_text("train_epochs = 2\nquick_epochs = 1\n")
    text = SMALL.format(id="s0", name="S", lr=0.05).replace("claimed_test_accuracy = 0.9\n", "")
    (root / "s0" / "submission.toml").write_text(text + 'logs = "const.csv"\n')
    a = load_assignment(root)
    config = next(p.config for p in plan(load_submission(root / "s0", a).submission, a, False) if p.kind == "train")
    own = run(config.model_copy(update={"seed": 7}), device="cpu", data=mnist5k)
    write_csv(logs_from_result(own), root / "s0" / "const.csv")
    return root, own["final"]


def _grade(root: Path, tmp_path: Path, claim: str | None, quick: bool):
    text = (root / "s0" / "submission.toml").read_text()
    if claim is not None:
        text = text.replace('logs = "const.csv"\n', f'claimed_test_accuracy = {claim}\nlogs = "const.csv"\n')
    cls = tmp_path / "class"
    (cls / "s0").mkdir(parents=True)
    (cls / "s0" / "submission.toml").write_text(text)
    (cls / "s0" / "const.csv").write_bytes((root / "s0" / "const.csv").read_bytes())
    (cls / "assignment.toml").write_text((root / "assignment.toml").read_text())
    (s,) = grade_class(cls, out=None, quick=quick, jobs=1, cache_dir=root / "cache").students
    return s, next(c for c in s.checks if c.check == "accuracy_claim")


@pytest.mark.parametrize("quick", [True, False])
def test_a_true_claim_against_the_log_is_pending_in_quick_mode_and_decided_by_the_full_grade(logged, tmp_path, quick):
    root, final = logged
    s, c = _grade(root, tmp_path, f"{final['test_accuracy']:.3f}", quick)
    assert c.logged == pytest.approx(final["test_accuracy"], abs=1e-6) and not c.read
    if quick:
        assert (c.status, c.why, c.points, c.pending) == ("skip", "quick", 0.0, c.pending) and c.pending > 0
        assert "Quick mode reran 1 of 2 epochs and compared your log with that rerun only that far" in c.message
        assert "the full grade compares the log's epoch 2" in c.message.lower()
    else:
        assert c.status == "pass" and c.points == c.max_points > 0, c.message


@pytest.mark.parametrize("quick", [True, False])
def test_a_claim_its_own_log_contradicts_fails_in_either_grade(logged, tmp_path, quick):
    root, final = logged
    s, c = _grade(root, tmp_path, f"{final['test_accuracy'] - 0.05:.3f}", quick)
    assert c.status == "fail" and c.points == 0 and "Your log's last epoch (2)" in c.message, c.message


def test_a_figure_left_to_the_log_is_said_to_be_the_logs(logged, tmp_path):
    root, final = logged
    s, c = _grade(root, tmp_path, None, quick=False)
    assert c.read and c.status == "pass", dataclasses.asdict(c)
    assert c.message.startswith(
        "Not written in submission.toml: read from your own log (its last epoch, 2: test "
        f"accuracy {final['test_accuracy']:.4g}), so what is checked is the log"
    )
    assert "is 0.000" not in c.message and "the claim:" not in c.message  # no figure compared with itself
    assert "(2 of them read from the logs, not written: checked as their logs are)" in s.coverage  # accuracy, loss
