"""Examiner probe 34: honest runs trained with torch's own arguments refused or mis-read. CyclicLR's `scale_mode`
(torch's default for its mode) refused the whole run as an "unknown key"; a course config.py at torch's full CyclicLR
signature warned its curve differs; `epochs = 30` in a multistep's table on a 30-epoch run was "not the rerun's (the
note says which)", citing no note; keys written below a `[run.schedule]` header were "unknown key (remove it …)", the
run's logs among them; a quick grade's class line said "cut to 3 epochs" beside runs cut to one 469-step epoch."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.legacy import to_submission
from grader.load import load_submission
from grader.results import CheckResult, RunRecord, StudentResult, pending_lines
from grader.schema import Assignment

HEAD = """
[student]
id = "p"
name = "P"

[[range_test]]
name = "sweep"
optimizer = "sgd"
start_lr = 1e-6
end_lr = 1.0
claimed_lr = 0.046
"""
RUN = """
[[run]]
name = "final"
optimizer = "adam"
lr = 1e-4
seed = 3412
claimed_test_accuracy = 0.953
claimed_test_loss = 0.1684
"""


def _load(tmp_path: Path, text: str):
    (tmp_path / "p").mkdir(exist_ok=True)
    (tmp_path / "p" / "submission.toml").write_text(HEAD + text)
    x = load_submission(tmp_path / "p")
    assert x.error is None, x.error
    return x


def _cyclic(args: str, mode: str = "triangular2") -> str:
    return (RUN + f'epochs = 30\nschedule = {{ name = "CyclicLR", base_lr = 1e-4, max_lr = 3e-3, step_size_up = 96, '
            f'mode = "{mode}", {args} }}\n')  # fmt: skip


@pytest.mark.parametrize("mode, said", [("triangular", "cycle"), ("triangular2", "cycle"),
                                        ("exp_range", "iterations")])  # fmt: skip
def test_scale_mode_at_its_modes_default_is_rerun(tmp_path, mode, said):
    """u01, u02, t07: FAIL 33.33/100, "run[0].schedule.scale_mode: unknown key"."""
    x = _load(tmp_path, _cyclic(f'scale_mode = "{said}", scale_fn = "None"', mode))
    (run,) = x.submission.run
    assert run.schedule.name == "cyclic" and run.schedule.mode == mode and not x.submission._apart
    assert not any("unknown key" in w for w in x.warnings), x.warnings


def test_scale_mode_without_a_scale_fn_is_ignored_by_torch_and_dropped(tmp_path):
    """torch's CyclicLR sets scale_mode from its mode whenever scale_fn is None: another value draws the same curve."""
    x = _load(tmp_path, _cyclic('scale_mode = "iterations"'))
    assert [r.name for r in x.submission.run] == ["final"] and not x.submission._apart
    assert any('scale_mode = "iterations" dropped: torch\'s CyclicLR ignores it without a scale_fn' in w
               for w in x.warnings), x.warnings  # fmt: skip


def test_a_scale_fn_of_its_own_is_the_graders_limit_its_claims_pending(tmp_path):
    x = _load(tmp_path, _cyclic('scale_fn = "lambda x: 0.5 ** x", scale_mode = "iterations"'))
    apart = x.submission._apart["final"]
    assert apart.unsupported and set(apart.claims) == {"claimed_test_accuracy", "claimed_test_loss"}
    assert 'scale_fn = "lambda x: 0.5 ** x" is not the rerun\'s None' in apart.why
    assert 'scale_mode = "iterations" is not the rerun\'s "cycle"' in apart.why
    assert "unknown key" not in apart.why and "note says" not in apart.why


def test_a_legacy_cyclic_at_torchs_full_signature_warns_nothing():
    """M01: `scale_fn=None, scale_mode="cycle", last_epoch=-1` warned "its LR curve differs from this file's"."""
    source = (
        'BATCH_SIZE = 128\nNUM_EPOCHS = 30\nLEARNING_RATE = 0.01\nLR_SCHEDULER = dict(type="CyclicLR", base_lr=0.01, '
        'max_lr=0.1, step_size_up=50, step_size_down=100, mode="triangular2", scale_fn=None, scale_mode="cycle", '
        "cycle_momentum=True, base_momentum=0.8, max_momentum=0.9, last_epoch=-1)\n"
    )
    data, warnings = to_submission(source, Assignment())
    assert data["run"][0]["schedule"]["name"] == "cyclic"
    assert not any("scale" in w or "differs" in w for w in warnings), warnings
    other = source.replace("scale_fn=None, ", "scale_fn=lambda x: 0.5 ** x, ")
    _, warnings = to_submission(other, Assignment())
    assert any("scale_fn" in w and "its LR curve differs" in w for w in warnings), warnings


def test_the_runs_length_in_a_schedule_that_takes_none_is_the_runs(tmp_path):
    """u07: `epochs = 30` in a multistep's table on a 30-epoch run was UNVERIFIED, "not the rerun's (the note says
    which)", with no note; another value is said as what it is."""
    sched = 'schedule = { name = "multistep", milestones = [15, 25], gamma = 0.1, cadence = "epoch", epochs = %d }\n'
    x = _load(tmp_path, RUN + "epochs = 30\n" + sched % 30)
    assert [r.name for r in x.submission.run] == ["final"] and not x.submission._apart
    assert any("multistep (MultiStepLR) takes no epochs: the run's 30 epochs used" in w for w in x.warnings)
    x = _load(tmp_path, RUN + "epochs = 30\n" + sched % 20)
    why = x.submission._apart["final"].why
    assert x.submission._apart["final"].unsupported and "note says" not in why
    assert "epochs = 20, but multistep (MultiStepLR) takes no epochs, and it is not the run's 30 epochs" in why


def test_a_derived_argument_at_another_value_names_its_value_not_a_missing_note(tmp_path):
    x = _load(tmp_path, RUN + 'epochs = 30\nschedule = { name = "cosine", T_max = 10 }\n')
    apart = x.submission._apart["final"]
    assert apart.unsupported and "T_max = 10 is not the rerun's 30" in apart.why and "note says" not in apart.why


def test_run_keys_below_a_schedule_header_are_the_runs(tmp_path):
    """t02: `epochs` and `logs` written below `[run.schedule]`: "run[0].schedule.logs: unknown key (remove it …)"."""
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "runs").mkdir()
    text = RUN + '[run.schedule]\nname = "multistep"\nmilestones = [15, 25]\nepochs = 30\nlogs = "runs"\n'
    x = _load(tmp_path, text)
    (run,) = x.submission.run
    assert (run.epochs, run.logs, run.schedule.milestones) == (30, "runs", (15, 25)) and not x.submission._apart
    assert any("read as the run's own run[0].epochs, run[0].logs" in w and "move it above that header" in w
               for w in x.warnings), x.warnings  # fmt: skip


def test_a_run_key_below_a_schedule_header_the_run_also_states_says_where_it_belongs(tmp_path):
    text = RUN + 'logs = "a"\n[run.schedule]\nname = "multistep"\nmilestones = [15]\nlogs = "b"\n'
    why = _load(tmp_path, text).submission._apart["final"].why
    assert "run[0].schedule.logs: a key of the [[run]] itself" in why and "remove it" not in why


def test_a_quick_grades_class_line_says_a_run_kept_at_the_claims_longer_epochs():
    """legacy2 quick: "cut to 3 epochs" beside config.py runs on MNIST's 469-step epochs cut to one."""
    check = CheckResult("baseline", "config.py", "skip", "Not comparable at epoch 1", pending=2.0, why="quick")
    run = RunRecord("config.py", "train", "k", {"epochs": 30, "epoch_steps": 469}, None)
    lines = pending_lines([StudentResult("a", "a", "a", checks=[check], runs=[run])], None, "mnist-5k", 3)
    line = next(line for line in lines if line.startswith("quick mode"))
    assert line.startswith("quick mode (training reruns cut to 3 epochs; one that keeps the claim data's longer "
                           "epochs to as many of them as 3 epochs of mnist-5k take, at least one)"), line  # fmt: skip
