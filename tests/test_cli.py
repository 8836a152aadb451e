"""The `reference` and `grade` command lines: the documented interface, one clear line (exit 2) on bad input,
help that starts without torch, progress a log can read."""

import json
import os
import re
import stat
import subprocess
import sys

import pytest

from reference.cli import main, parser
from reference.outputs import write_json_atomic


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
    assert (out / "range_test.png").stat().st_size > 10_000
    summary = capsys.readouterr().out
    assert "steepest" in summary and re.search(r"range +\[[\d.e+-]+, [\d.e+-]+\]", summary)
    assert "caution" in summary and "the lowest loss is the sweep's edge (step 64 of 64)" in summary  # its min: 1
    digits = [len(x.replace(".", "").lstrip("0")) for x in re.findall(r"\d+\.\d+", summary)]
    assert digits and max(digits) <= 4, summary  # rounded figures (3 significant digits, metrics 4), not raw floats
    assert r["meta"]["threads"] == 1  # the default, recorded
    modes = {f.name: stat.S_IMODE(f.stat().st_mode) for f in out.iterdir() if f.is_file()}
    assert len(set(modes.values())) == 1, modes  # range_test.json like the CSVs, the PNG and the events


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


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_json_results_get_the_permissions_of_a_plain_open(tmp_path, umask):
    old = os.umask(umask)
    try:
        write_json_atomic({"a": 1}, tmp_path / "r.json")
        with open(tmp_path / "plain.txt", "w") as f:
            f.write("x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "r.json").stat().st_mode) == 0o666 & ~umask
    assert stat.S_IMODE((tmp_path / "plain.txt").stat().st_mode) == 0o666 & ~umask
    assert json.loads((tmp_path / "r.json").read_text()) == {"a": 1}
    assert [f.name for f in tmp_path.iterdir() if f.name.endswith(".tmp")] == []


def test_every_option_has_help_and_shows_its_default():
    (commands,) = parser()._subparsers._group_actions
    for name, sub in commands.choices.items():
        for action in sub._actions:
            if action.dest == "help":
                continue
            assert action.help, f"reference {name} {action.option_strings}: no help"
        text = sub.format_help()
        if name == "range-test":
            for flag, default in [("--start-lr", "1e-06"), ("--end-lr", "1.0"), ("--epochs", "10"), ("--seed", "0"),
                                  ("--out", "runs"), ("--threads", "1")]:  # fmt: skip
                entry = " ".join(text.split("options:", 1)[1].split(f"\n  {flag} ", 1)[1].split("\n  -", 1)[0].split())
                assert f"(default: {default})" in entry, (flag, entry)


@pytest.mark.parametrize("cmd", ["reference", "grade"])
def test_help_does_not_import_torch(cmd):
    """`reference --help` and `grade --help` start without torch (seconds on a busy machine)."""
    module = {"reference": "reference.cli", "grade": "grader.cli"}[cmd]
    code = f"import sys, {module} as m\ntry:\n    m.main(['--help'])\nexcept SystemExit:\n    pass\n" \
           "print('torch' in sys.modules)"  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("False") and f"usage: {cmd}" in done.stdout


TINY_CLASS = """
[student]
id = "s0"
name = "Student 0"

[[range_test]]
name = "sweep"
optimizer = "sgd"
start_lr = 1e-5
end_lr = 10.0
steps = 20
rule = "min/10"
claimed_lr = 0.1
"""


def tiny_class(root):
    (root / "s0").mkdir(parents=True)
    (root / "s0" / "submission.toml").write_text(TINY_CLASS)
    (root / "assignment.toml").write_text('required = ["range_test"]\n')
    return root


def test_grade_progress_without_a_terminal_is_plain_lines(tmp_path, capsys):
    """stderr not a terminal (captured here): `reruns 1/1 done, 0 s` lines instead of tqdm bars."""
    from grader.grade import grade_class

    grade_class(tiny_class(tmp_path / "class"), out=None, cache_dir=tmp_path / "cache", progress=True, jobs=1)
    err = capsys.readouterr().err
    assert re.search(r"^reruns 1/1 done, \d+ s$", err, re.M) and "\r" not in err, err


@pytest.mark.slow
def test_grade_in_a_log_prints_plain_progress_lines(tmp_path):
    """The CLI with its output piped, as in CI or `grade > log 2>&1`: plain progress lines, no bars."""
    cmd = [sys.executable, "-m", "grader.cli", str(tiny_class(tmp_path / "class")), "--quick", "--jobs", "1",
           "--device", "cpu", "--cache", str(tmp_path / "cache"), "--out", str(tmp_path / "r")]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert any(re.fullmatch(r"reruns 1/1 done, \d+ s", line) for line in done.stderr.splitlines()), done.stderr
    assert "\r" not in done.stderr and "it/s" not in done.stderr and "run/s" not in done.stderr
