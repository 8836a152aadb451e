"""Committed baselines: complete, stamped, and reproduced by `reference verify --quick` (the CI validation)."""

import json

import pytest

from reference.cli import main
from reference.data import load_raw
from reference.datasets import DataUnavailable
from reference.protocols import BASELINES, PROTOCOLS
from reference.rules import RULES

COMMITTED = sorted(p.stem for p in BASELINES.glob("*.json") if p.stem in PROTOCOLS)


def test_both_datasets_are_committed():
    # fashion-mnist twice: the shortened protocol (1-epoch sweeps, 5-epoch runs) and the assignment's own
    # mnist-5k twice: the assignment's protocol and the course template's 4,690-step sweeps (issue 26)
    assert COMMITTED == ["fashion-mnist", "fashion-mnist-full", "mnist-5k", "mnist-5k-course"]


@pytest.mark.parametrize(
    ("epochs", "protocol"), [(30, "fashion-mnist-full"), (5, "fashion-mnist"), (9, "fashion-mnist")]
)
def test_the_grader_judges_a_claim_against_the_protocol_of_its_length(epochs, protocol):
    from grader.grade import load_baseline

    assert load_baseline("fashion-mnist", epochs)["dataset"] == protocol
    assert load_baseline("mnist-5k", epochs)["dataset"] == "mnist-5k" and load_baseline("cifar10", epochs) is None


@pytest.mark.parametrize("dataset", COMMITTED)
def test_baseline_is_complete_and_stamped(dataset):
    b = json.loads((BASELINES / f"{dataset}.json").read_text())
    protocol = PROTOCOLS[dataset]
    assert b["meta"]["seeds"] == list(protocol.seeds) and b["meta"]["torch_version"] and b["command"]
    assert set(b["range_tests"]) == {"sgd", "adam", "adamw"}
    for rt in b["range_tests"].values():
        assert set(rt["spread_decades"]) == set(RULES) and len(rt["picks"]["steepest"]) == len(protocol.seeds)
    assert {f"sgd-{s}" for s in protocol.schedules} | {"adam-constant", "adamw-constant"} == set(b["runs"])
    for name, run in b["runs"].items():
        final = run["final"]["test_accuracy"]
        assert len(final["values"]) == len(protocol.seeds) and len(run["epochs"]) == protocol.train_epochs
        assert 0.5 < final["mean"] <= 1, name


@pytest.mark.slow
@pytest.mark.parametrize("dataset", COMMITTED)
def test_reference_verify_quick(dataset, capsys):
    try:
        load_raw(PROTOCOLS[dataset].dataset)  # fashion-mnist-full: the protocol's data is fashion-mnist
    except DataUnavailable as err:
        pytest.skip(f"{dataset} not on this machine: {err}")
    code = main(["verify", "--quick", "--dataset", dataset, "--device", "cpu", "--quiet"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "all within tolerance" in out


def test_a_saved_raw_file_rebuilds_the_same_baseline_through_the_cli(tmp_path, mnist5k, capsys):
    """`reference baselines --raw` keeps every run's curves; `--from-raw` summarises them again without a run: the
    same file as summarising the results directly (two seeds of a short sweep and a short run, real runs)."""
    import torch

    from reference.baselines import save_raw, summarise
    from reference.config import RunConfig, range_test_config
    from reference.loop import run

    torch.set_num_threads(1)
    sweep, train = range_test_config(epochs=1, steps=40), RunConfig(epochs=1, epoch_steps=8, lr=0.05)
    sweeps = {"sgd": [run(sweep.model_copy(update={"seed": s}), device="cpu", data=mnist5k) for s in (0, 1)]}
    runs = {"sgd-constant": [run(train.model_copy(update={"seed": s}), device="cpu", data=mnist5k) for s in (0, 1)]}
    save_raw(tmp_path / "raw.npz", "mnist-5k", sweeps, runs, 12.5)
    assert main(["baselines", "--from-raw", str(tmp_path / "raw.npz"), "--out", str(tmp_path / "b.json")]) == 0
    assert "wrote" in capsys.readouterr().out
    rebuilt = json.loads((tmp_path / "b.json").read_text())
    direct = json.loads(json.dumps(summarise("mnist-5k", sweeps, runs, 12.5, "sequential")))
    assert rebuilt == direct and rebuilt["range_tests"]["sgd"]["picks"]["steepest"]


def test_a_build_in_one_process_runs_on_one_torch_thread():
    """`reference baselines --jobs 1` promised one torch thread per run, as each of `--jobs N`'s processes and each
    grader rerun; in one process it ran on the machine's default (2 here), whose float sums part a sweep's curve from
    the 1-thread one by step 41 (a course sweep rebuilt so, 2026-12-07). The caller's thread count is restored."""
    import torch

    from reference.baselines import _run_seeds
    from reference.config import RunConfig
    from reference.loop import pick_device

    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        done = _run_seeds({"t": RunConfig(epochs=1, epoch_steps=2, lr=0.05)}, (0,), pick_device("cpu"), 1, False)
        assert done["t"][0]["meta"]["threads"] == 1
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
