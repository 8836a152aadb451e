"""Evidence: students' logs read with tensorboard's own reader (or CSV), bounded, and compared with the rerun."""

from __future__ import annotations

import math
import os

import pytest
import torch

from grader.evidence import compare
from grader.logs import MAX_FILES, LogError, gather, read_logs
from grader.schema import RunClaim, Submission
from reference.config import RunConfig, ScheduleConfig, range_test_config
from reference.loop import run
from reference.outputs import Logs, logs_from_result, write_csv, write_tensorboard


@pytest.fixture(scope="module")
def honest(mnist5k) -> dict:
    torch.set_num_threads(1)
    return run(RunConfig(epochs=2, lr=0.05), device="cpu", data=mnist5k)


def test_tensorboard_and_csv_round_trip(honest, tmp_path):
    logs = logs_from_result(honest)
    write_tensorboard(logs, tmp_path / "tb")
    write_csv(logs, tmp_path / "run.csv")
    for rel in ("tb", "run.csv"):
        back = read_logs(tmp_path, rel)
        assert back.source == rel and back.step == list(range(64)) and back.epoch == [1, 2]
        for name in ("lr", "train_loss", "test_loss", "test_accuracy"):  # float32 in TensorBoard, repr in CSV
            assert all(math.isclose(a, b, rel_tol=1e-6) for a, b in zip(getattr(back, name), getattr(logs, name))), name
    assert read_logs(tmp_path, "tb").final["test_accuracy"] == pytest.approx(honest["final"]["test_accuracy"])


def test_one_based_steps_and_repeated_steps(tmp_path):
    from torch.utils.tensorboard import SummaryWriter

    with SummaryWriter(str(tmp_path / "tb")) as w:
        for step in (1, 2, 2, 3):  # 1-based global steps; step 2 logged twice (a resumed run): the last counts
            w.add_scalar("Loss/train", float(step), step)
        w.add_scalar("Accuracy/test", 0.5, 0)  # 0-based epoch counter
    logs = read_logs(tmp_path, "tb")
    assert logs.step == [0, 1, 2] and logs.train_loss == [1.0, 2.0, 3.0] and logs.epoch == [1]
    assert math.isnan(logs.lr[0])  # LR/train not logged


@pytest.mark.parametrize("rel", ["../x", "/etc", "a/../../b", "nope"])
def test_paths_stay_inside(tmp_path, rel):
    with pytest.raises(LogError, match="logs"):
        read_logs(tmp_path / "sub", rel)


def test_symlinks_refused(honest, tmp_path):
    outside = tmp_path / "outside"
    write_tensorboard(logs_from_result(honest), outside)
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "logs").symlink_to(outside)
    with pytest.raises(LogError, match="symlink"):
        read_logs(sub, "logs")
    inner = sub / "real"
    inner.mkdir()
    (inner / "events.out.tfevents.1").symlink_to(next(outside.iterdir()))
    with pytest.raises(LogError, match="symlink"):
        read_logs(sub, "real")


def test_caps_and_garbage(tmp_path, monkeypatch):
    many = tmp_path / "many"
    many.mkdir()
    for i in range(MAX_FILES + 1):
        (many / f"f{i}").write_text("x")
    with pytest.raises(LogError, match="entries"):
        read_logs(tmp_path, "many")
    big = tmp_path / "big"
    big.mkdir()
    with open(big / "events.out.tfevents.1", "wb") as f:
        f.truncate(9 * 2**20)  # sparse: over the byte cap before a byte is read
    with pytest.raises(LogError, match="MiB"):
        read_logs(tmp_path, "big")
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "events.out.tfevents.1").write_bytes(os.urandom(4000))
    with pytest.raises(LogError) as err:
        read_logs(tmp_path, "junk")
    assert "\n" not in str(err.value)
    (tmp_path / "bad.csv").write_text("step,lr\n0,1\n")
    with pytest.raises(LogError, match="header lacks"):
        read_logs(tmp_path, "bad.csv")
    (tmp_path / "nan.csv").write_text("step,lr,train_loss,epoch,test_loss,test_accuracy\n0,=1+1,2.3,,,\n")
    with pytest.raises(LogError, match="line 2"):
        read_logs(tmp_path, "nan.csv")


STATS = {e: {"test_accuracy": {"std": 0.004}, "test_loss": {"std": 0.01}} for e in (1, 2)}  # a reference's epochs


def test_compare_honest_and_artifact(honest):
    same = compare(logs_from_result(honest), honest, n_test=1000, epochs=STATS)
    assert same.matches and same.steps == 64 and same.epochs == 2 and "matches" in same.summary()
    last = compare(logs_from_result(honest), honest, n_test=1000)  # no reference of this config: last epoch only
    assert last.matches and last.epochs == 1
    scaled = compare(logs_from_result(honest, test_loss_divisor=8), honest, n_test=1000, epochs=STATS)
    assert not scaled.matches and scaled.lr is None and scaled.loss is None
    assert scaled.test.what == "test loss" and scaled.test.at == 2  # a test loss is compared at the last epoch


def test_compare_names_a_constant_lr(mnist5k, honest):
    claimed = RunConfig(epochs=2, lr=0.05, schedule=ScheduleConfig(name="multistep", milestones=(1,), gamma=0.1))
    rerun = run(claimed, device="cpu", data=mnist5k)
    cmp = compare(logs_from_result(honest), rerun, n_test=1000)
    assert cmp.lr_constant == pytest.approx(0.05) and cmp.lr.at == 32
    assert cmp.summary().startswith("Logged LR constant at 0.05 from step 0: no scheduler was applied")


def test_gather_takes_missing_claims_from_the_logs(honest, mnist5k, tmp_path):
    write_tensorboard(logs_from_result(honest), tmp_path / "logs" / "run")
    sweep = run(range_test_config(start_lr=1e-4, end_lr=10, epochs=1), device="cpu", data=mnist5k)
    write_csv(Logs("", list(range(len(sweep["lr"]))), sweep["lr"], sweep["train_loss"]), tmp_path / "sweep.csv")
    sub = Submission.model_validate({
        "student": {"id": "x", "name": "x"},
        "range_test": [{"name": "sweep", "optimizer": "sgd", "start_lr": 1e-4, "end_lr": 10, "epochs": 1,
                        "rule": "steepest", "logs": "sweep.csv"}],
        "run": [{"name": "run", "optimizer": "sgd", "lr": 0.05, "epochs": 2, "claimed_test_accuracy": 0.5,
                 "logs": "logs/run"},
                {"name": "other", "optimizer": "sgd", "lr": 0.05, "logs": "missing"}]})  # fmt: skip
    done, ev = gather(tmp_path, sub)
    run_claim = done.run[0]
    assert run_claim.claimed_test_accuracy == 0.5  # what the student wrote stays
    assert run_claim.claimed_test_loss == pytest.approx(honest["final"]["test_loss"], rel=1e-6)
    assert done.range_test[0].claimed_lr == pytest.approx(sweep["suggestions"]["steepest"], rel=1e-5)
    assert ev.logs["other"] == "logs 'missing': no such file or folder in the submission"
    assert len(ev.notes) == 2


def test_schema_refuses_paths_out_of_the_folder():
    for bad in ("../x", "/etc/passwd", "a/../../b", ".hidden", "a b"):
        with pytest.raises(ValueError):
            RunClaim(name="r", optimizer="sgd", lr=0.1, logs=bad)
    assert RunClaim(name="r", optimizer="sgd", lr=0.1, logs="logs/run-1").logs == "logs/run-1"
