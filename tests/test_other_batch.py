"""Examiner probe 31: students who trained the course's way on N processes (ColossalAI's Booster under torchrun, each
process's DataLoader given BATCH_SIZE) ran at a global batch of N × 128, N× fewer steps an epoch, and wrote
`batch_size = 128`. Their honest logs were "the log does not match the claimed config" with a confirmed cause —
the words a planted log of another LR got — and 13 of 15 lost points against a rerun at half their batch. Real
mnist-5k runs: DDP at a per-process batch B on N processes steps as one process at batch N·B."""

from __future__ import annotations

import pytest
import torch

from grader.diagnoses import Case, log_mismatch
from grader.evidence import Scope, compare
from reference.config import RunConfig, ScheduleConfig, range_test_config
from reference.loop import run
from reference.outputs import logs_from_result

STAIRS = ScheduleConfig(name="multistep", milestones=(2, 3), gamma=0.1)


@pytest.fixture(scope="module")
def runs(mnist5k) -> dict:
    torch.set_num_threads(1)
    claimed = RunConfig(epochs=4, lr=0.0506, schedule=STAIRS)
    sweep = range_test_config(start_lr=1e-5, end_lr=10, epochs=2)
    return {
        "claimed": run(claimed, device="cpu", data=mnist5k),  # the rerun: batch 128, 32 steps an epoch
        "two": run(claimed.model_copy(update={"batch_size": 256}), device="cpu", data=mnist5k),  # 2 processes
        "three": run(claimed.model_copy(update={"batch_size": 384}), device="cpu", data=mnist5k),
        "other_lr": run(claimed.model_copy(update={"batch_size": 256, "lr": 0.1}), device="cpu", data=mnist5k),
        "sweep": run(sweep, device="cpu", data=mnist5k),
        "sweep_two": run(sweep.model_copy(update={"batch_size": 256}), device="cpu", data=mnist5k),
        "constant": run(RunConfig(epochs=3, lr=0.0506), device="cpu", data=mnist5k),
        "constant_two": run(RunConfig(epochs=3, lr=0.0506, batch_size=256), device="cpu", data=mnist5k),
    }


@pytest.mark.parametrize(("log", "rerun", "n", "per", "by"), [
    ("two", "claimed", 2, 16, "LR table"),
    ("three", "claimed", 3, 11, "LR table"),
    ("sweep_two", "sweep", 2, 16, "LR table"),
    ("constant_two", "constant", 2, 16, "epochs"),  # an LR that never moves: told by its epochs' length
])  # fmt: skip
def test_a_log_of_n_processes_is_the_claimed_config_at_n_times_its_batch(runs, log, rerun, n, per, by):
    logs = logs_from_result(runs[log])
    cmp = compare(logs, runs[rerun], n_test=1000, sweep=rerun == "sweep")
    assert cmp.scope is Scope.OTHER_BATCH and cmp.lr is None and not cmp.matches, cmp.summary()
    assert (cmp.batch.n, cmp.batch.per, cmp.batch.claimed, cmp.batch.by) == (n, per, 32, by)
    assert f"a global batch of {n * 128} ({n} processes of 128 each" in cmp.summary()
    assert f"batch_size = {n * 128} in [setup]" in cmp.summary()
    case = Case("logs", None, RunConfig.model_validate(runs[rerun]["config"]), runs[rerun], None, logs=logs,
                comparison=cmp)  # fmt: skip
    assert log_mismatch(case) is None  # no "another config", confirmed


def test_the_power_is_kept_another_lr_or_a_shorter_run_at_the_claimed_batch(runs, mnist5k):
    """A log of another LR at batch 256 is another config still; a run of half the epochs at the claimed batch, whose
    per-iteration schedule gives the same LR table as the claimed run at 2× the batch, is told by its epochs."""
    other = compare(logs_from_result(runs["other_lr"]), runs["claimed"], n_test=1000)
    assert other.scope is Scope.FULL and other.lr is not None and other.batch is None, other.summary()
    torch.set_num_threads(1)
    cycle = ScheduleConfig(name="onecycle", max_lr=0.0506, cadence="step")
    claimed = run(RunConfig(epochs=4, lr=0.0506, schedule=cycle), device="cpu", data=mnist5k)
    shorter = run(RunConfig(epochs=2, lr=0.0506, schedule=cycle), device="cpu", data=mnist5k)  # 64 steps
    cmp = compare(logs_from_result(shorter), claimed, n_test=1000)
    assert cmp.batch is None and cmp.lr is not None, cmp.summary()
    same = compare(logs_from_result(runs["claimed"]), runs["claimed"], n_test=1000)
    assert same.batch is None and same.matches  # the claimed batch: as before


def test_the_claims_of_such_a_run_are_pending_and_say_what_to_state(tmp_path, mnist5k):
    """The grade: no point lost, none given; each claim pending (why "batch"), its line saying the global batch to
    state; the class line says so once. Stated as the global batch, the same log and claims are judged and pass."""
    from grader.grade import grade_class
    from reference.outputs import write_csv
    from tests.test_grade import SMALL

    torch.set_num_threads(1)
    stairs = 'schedule = { name = "multistep", milestones = [1], gamma = 0.1 }\n'
    text = SMALL.format(id="s0", name="S", lr=0.05).replace("epochs = 2\n", f"epochs = 2\n{stairs}")
    sched = ScheduleConfig(name="multistep", milestones=(1,), gamma=0.1)
    own = run(RunConfig(epochs=2, lr=0.05, schedule=sched, batch_size=256, seed=7), device="cpu", data=mnist5k)
    final = own["final"]
    text = text.replace("claimed_test_accuracy = 0.9\n", f"claimed_test_accuracy = {final['test_accuracy']:.4f}\n"
                        f'claimed_test_loss = {final["test_loss"]:.4f}\nlogs = "run.csv"\n')  # fmt: skip
    results = {}
    for stated in (128, 256):
        cls = tmp_path / f"b{stated}"
        (cls / "s0").mkdir(parents=True)
        setup = f"\n[setup]\nbatch_size = {stated}\n" if stated != 128 else ""
        (cls / "s0" / "submission.toml").write_text(text.replace('name = "S"\n', f'name = "S"\n{setup}', 1))
        write_csv(logs_from_result(own), cls / "s0" / "run.csv")
        (cls / "assignment.toml").write_text("train_epochs = 2\n")
        (s,) = grade_class(cls, out=None, quick=False, jobs=1, cache_dir=tmp_path / "cache").students
        results[stated] = {c.check: c for c in s.checks if c.subject == "const"}
    pending = [results[128][k] for k in ("accuracy_claim", "loss_claim")]
    assert all((c.status, c.why, c.points) == ("skip", "batch", 0.0) and c.pending > 0 for c in pending), pending
    assert all("State batch_size = 256 in [setup]" in c.message for c in pending)
    assert results[128]["logs"].status == "skip" and "a global batch of 256" in results[128]["logs"].message
    judged = [results[256][k] for k in ("accuracy_claim", "loss_claim", "logs")]
    assert all(c.status == "pass" for c in judged), [c.message for c in judged]
