"""The `reference` command line: the documented interface, and one clear line (exit 2) on bad input."""

import json

import pytest

from reference.cli import main


def test_range_test_writes_the_documented_keys(tmp_path, capsys):
    out = tmp_path / "rt"
    argv = ["range-test", "--dataset", "mnist-5k", "--optimizer", "sgd", "--start-lr", "1e-6", "--end-lr", "1",
            "--epochs", "2", "--seed", "0", "--out", str(out), "--quiet"]  # fmt: skip
    assert main(argv) == 0
    r = json.loads((out / "range_test.json").read_text())
    assert {"lr", "train_loss", "train_loss_smoothed", "suggestions", "meta"} <= set(r)
    assert len(r["lr"]) == len(r["train_loss"]) == len(r["train_loss_smoothed"]) == 64
    assert set(r["suggestions"]) == {"min", "min/10", "steepest", "valley", "range"}
    assert isinstance(r["suggestions"]["range"], list) and len(r["suggestions"]["range"]) == 2
    assert r["meta"]["seed"] == 0 and r["meta"]["device"] == "cpu" and r["meta"]["torch_version"]
    assert (out / "range_test.png").stat().st_size > 10_000 and "steepest" in capsys.readouterr().out


def test_train_writes_the_documented_keys(tmp_path):
    out = tmp_path / "tr"
    argv = ["train", "--dataset", "mnist-5k", "--optimizer", "sgd", "--lr", "0.05", "--scheduler", "multistep",
            "--milestones", "15,25", "--gamma", "0.1", "--epochs", "3", "--seed", "0", "--out", str(out)]  # fmt: skip
    argv.append("--quiet")
    assert main(argv) == 0
    r = json.loads((out / "train.json").read_text())
    assert len(r["epochs"]) == 3 and all({"test_accuracy", "test_loss", "train_loss"} <= set(e) for e in r["epochs"])
    assert 0.85 < r["final"]["test_accuracy"] <= 1 and r["final"]["test_loss"] > 0
    assert r["config"]["schedule"] == {**r["config"]["schedule"], "name": "multistep", "milestones": [15, 25]}
    assert any(p.name.startswith("events.out.tfevents") for p in out.iterdir())


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "--lr", "0.1", "--optimizer", "rmsprop"], "unknown optimizer 'rmsprop'"),
        (["train", "--lr", "0.1", "--scheduler", "warmup"], "unknown scheduler 'warmup'"),
        (["train", "--lr", "-0.1"], "lr: Input should be greater than 0"),
        (["train", "--lr", "0"], "lr: Input should be greater than 0"),
        (["range-test", "--start-lr", "1", "--end-lr", "0.1"], "start LR 1 must be below end LR 0.1"),
        (["range-test", "--start-lr", "-1"], "LRs must be positive"),
        (["train", "--lr", "0.1", "--dataset", "fashion-mnist", "--data-root", "/no/such/dir"], "/no/such/dir"),
        (["train", "--lr", "0.1", "--scheduler", "multistep"], "needs milestones"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv, message, capsys, tmp_path):
    assert main([*argv, "--out", str(tmp_path), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_seeds_option_reports_each_rules_spread(tmp_path, capsys):
    argv = ["range-test", "--start-lr", "1e-4", "--end-lr", "10", "--epochs", "1", "--seeds", "2"]
    assert main([*argv, "--out", str(tmp_path), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert (tmp_path / "seed_0" / "range_test.json").exists() and (tmp_path / "seed_1" / "range_test.json").exists()
    assert "spread (decades)" in out and all(rule in out for rule in ("min/10", "steepest", "valley"))
