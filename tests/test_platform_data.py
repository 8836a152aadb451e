"""Examiner probe 27: the dataset's files checked against the dataset table (sizes, shape, damaged files, loose
or gzipped IDX files), the rerun cache keyed on the files' identity, bundles that ship a dataset that is not
embedded, upload grades that find it, an internal error that is never shown as a grade, pending points in the
Gradescope scores export, and a submission file found a bounded depth below an upload's top. Tiny IDX files
written here; the dataset table's sizes set to theirs where a test needs a dataset to load."""

import csv
import dataclasses
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from grader.autograde import autograde, find_submission
from grader.bundle import DATA_DIR, build_gradescope, build_prairielearn
from grader.cli import main, platform_parser
from grader.commands import export_note
from grader.export import Exported, Submitter, write_scores_csv
from grader.plan import PlannedRun
from grader.results import CheckResult, StudentResult
from grader.runner import Rerunner
from reference import datasets
from reference.config import RunConfig
from reference.data import load_raw, require
from reference.datasets import DataInvalid, DataUnavailable
from tests.test_data import digits, write_idx
from tests.test_grade import SMALL

NAMES = datasets.IDX_NAMES
SUB = SMALL.format(id="s0", name="Student 0", lr=0.05)


def write_mnist(folder: Path, n_train: int = 64, n_test: int = 32, compress: bool = False, seed: int = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (x, y), (xt, yt) = digits(n_train, seed), digits(n_test, seed + 1)
    for name, arr in zip(NAMES, (x, y, xt, yt), strict=True):
        write_idx(folder / (f"{name}.gz" if compress else name), arr, compress=compress)
    return folder


@pytest.fixture
def tiny_mnist(monkeypatch):
    """The table's mnist sized as this module's fixtures (64 / 32): what loads them, as a full copy would load."""
    monkeypatch.setitem(datasets.DATASETS, "mnist", dataclasses.replace(datasets.DATASETS["mnist"], train_size=64,
                                                                       test_size=32))  # fmt: skip
    load_raw.cache_clear()
    yield
    load_raw.cache_clear()


# ---------------------------------------------------------------- the files against the table


def test_a_wrong_size_copy_is_refused_naming_what_was_found_and_expected(tmp_path):
    write_mnist(tmp_path / "MNIST" / "raw", 600, 100)
    with pytest.raises(ValueError) as err:
        require(["mnist"], str(tmp_path))
    msg = str(err.value)
    assert "\n" not in msg and str(tmp_path / "MNIST" / "raw") in msg
    assert "600 training and 100 test images of 28×28" in msg and "60,000 training and 10,000 test" in msg
    assert "--download" not in msg  # a download would not fix files that are there


def test_a_wrong_image_shape_is_refused(tmp_path, tiny_mnist):
    folder = tmp_path / "MNIST" / "raw"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name, arr in zip(NAMES, (rng.integers(0, 255, (64, 32, 32)), np.zeros(64), rng.integers(0, 255, (32, 32, 32)),
                                 np.zeros(32)), strict=True):  # fmt: skip
        write_idx(folder / name, arr)
    with pytest.raises(DataInvalid, match="images of 32×32; mnist is 64 training and 32 test images of 28×28"):
        load_raw("mnist", str(tmp_path))


def test_a_truncated_file_is_named_in_one_line(tmp_path):
    folder = write_mnist(tmp_path / "MNIST" / "raw")
    path = folder / NAMES[0]
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(ValueError) as err:
        require(["mnist"], str(tmp_path))
    assert str(path) in str(err.value) and "truncated IDX file" in str(err.value) and "64 × 28 × 28" in str(err.value)


@pytest.mark.parametrize("layout", ["loose", "gz-raw", "loose-gz"])
def test_mnist_reads_loose_and_gzipped_idx_files(tmp_path, tiny_mnist, layout):
    folder = tmp_path if layout.startswith("loose") else tmp_path / "MNIST" / "raw"
    write_mnist(folder, compress=layout.endswith("gz"))
    raw = load_raw("mnist", str(tmp_path))
    assert raw.x_train.shape == (64, 28, 28) and len(raw.y_test) == 32 and raw.source == str(folder)


def test_a_missing_mnist_names_the_expected_path_and_its_advice_once(tmp_path):
    with pytest.raises(ValueError) as err:
        require(["mnist"], str(tmp_path))
    msg = str(err.value)
    assert str(tmp_path / "MNIST" / "raw" / "train-images-idx3-ubyte") in msg
    assert "download=True" not in msg and msg.count("--download") == 1 and "give --data-root" not in msg
    with pytest.raises(DataUnavailable) as none_given:
        datasets.DATASETS["mnist"].read(tmp_path / "elsewhere", False)
    assert "--data-root" not in str(none_given.value)  # the advice is the caller's, for what was given


def test_reference_train_help_and_error_agree_on_loose_idx_files(tmp_path, capsys):
    from reference.cli import main as reference_main

    assert reference_main(["train", "--lr", "0.1", "--dataset", "mnist", "--data-root", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "or the four in" in err and err.count("--download") == 1


# ---------------------------------------------------------------- the cache key


def test_the_cache_key_follows_the_files_not_the_path(tmp_path, tiny_mnist):
    write_mnist(tmp_path / "a" / "MNIST" / "raw", seed=0)
    runner = Rerunner.of(tmp_path / "cache", device="cpu", engine="sequential", jobs=1, data_root=tmp_path / "a")
    p = PlannedRun("run", "train", RunConfig(dataset="mnist", epochs=1), None, None)
    before = runner.key(p)
    write_mnist(tmp_path / "a" / "MNIST" / "raw", seed=5)  # replaced in place: same names, same sizes
    assert runner.key(p) != before
    write_mnist(tmp_path / "b" / "MNIST" / "raw", seed=5)  # the same files elsewhere: the same results
    other = Rerunner.of(tmp_path / "cache", device="cpu", engine="sequential", jobs=1, data_root=tmp_path / "b")
    assert other.key(p) == runner.key(p)
    embedded = PlannedRun("run", "train", RunConfig(dataset="mnist-5k", epochs=1), None, None)
    assert runner.data_id("mnist-5k") is None and runner.key(embedded) == other.key(embedded)


# ---------------------------------------------------------------- bundles carry the data


MNIST_CLASS = 'dataset = "mnist"\ntrain_epochs = 2\nquick_epochs = 1\n'


def mnist_class(root: Path) -> Path:
    (root / "s0").mkdir(parents=True)
    (root / "s0" / "submission.toml").write_text(SUB)
    (root / "assignment.toml").write_text(MNIST_CLASS)
    return root


def fake_wheel(tmp_path: Path) -> Path:
    wheel = tmp_path / "lr_grader-0.2.0-py3-none-any.whl"  # its bytes are only copied into the bundles
    wheel.write_bytes(b"PK")
    return wheel


def test_a_bundle_for_mnist_refuses_without_its_data_and_ships_it_with(tmp_path, tiny_mnist):
    cls, wheel = mnist_class(tmp_path / "class"), fake_wheel(tmp_path)
    for build, out in ((build_gradescope, tmp_path / "a.zip"), (build_prairielearn, tmp_path / "pl")):
        with pytest.raises(ValueError) as err:
            build(cls, out, wheel=wheel, data_root=tmp_path / "nothing")
        assert "not embedded" in str(err.value) and "\n" not in str(err.value)
    write_mnist(tmp_path / "small" / "MNIST" / "raw", 10, 5)  # not the dataset: refused at build time
    with pytest.raises(ValueError, match="10 training and 5 test images"):
        build_gradescope(cls, tmp_path / "a.zip", wheel=wheel, data_root=tmp_path / "small")
    write_mnist(tmp_path / "data")  # loose, plain: shipped gzipped in the reader's own layout
    names = zipfile.ZipFile(build_gradescope(cls, tmp_path / "a.zip", wheel=wheel, data_root=tmp_path / "data"))
    assert {f"{DATA_DIR}/MNIST/raw/{n}.gz" for n in NAMES} <= set(names.namelist())
    pl = build_prairielearn(cls, tmp_path / "pl", wheel=wheel, data_root=tmp_path / "data")
    assert all((pl / DATA_DIR / "MNIST" / "raw" / f"{n}.gz").is_file() for n in NAMES)
    assert "COPY data /lr-grader/data" in (pl / "Dockerfile").read_text()
    pl = build_prairielearn(cls, pl, wheel=wheel, data_root=tmp_path / "data")  # rebuilt in place
    assert "COPY data" in (pl / "Dockerfile").read_text()


def test_the_cli_takes_data_root_wherever_a_grade_reruns():
    p = platform_parser()
    assert p.parse_args(["gradescope-export", "x", "--assignment", "a.toml", "--data-root", "D"]).data_root == "D"
    assert str(p.parse_args(["bundle", "gradescope", "c", "--data-root", "D"]).data_root) == "D"
    assert str(p.parse_args(["bundle", "prairielearn", "c", "--data-root", "D"]).data_root) == "D"
    assert str(p.parse_args(["autograde", "gradescope", "--data-root", "D"]).data_root) == "D"


def gradescope_root(tmp_path: Path, data: bool) -> Path:
    root = tmp_path / "gs"
    (root / "submission").mkdir(parents=True)
    (root / "submission" / "submission.toml").write_text(SUB)
    (root / "source").mkdir()
    (root / "source" / "assignment.toml").write_text(MNIST_CLASS)
    if data:
        write_mnist(root / "source" / DATA_DIR / "MNIST" / "raw", compress=True)
    return root


def test_an_upload_grade_reads_the_bundled_data(tmp_path, tiny_mnist):
    root = gradescope_root(tmp_path, data=True)
    data = autograde("gradescope", root, cache_dir=tmp_path / "cache")
    assert data["output"].startswith("# Student 0"), data["output"][:300]
    assert any(t["name"].startswith("lr_claim") for t in data["tests"])


@pytest.mark.parametrize("platform", ["gradescope", "prairielearn"])
def test_an_internal_error_is_never_shown_as_a_grade(tmp_path, capsys, platform, monkeypatch):
    root = gradescope_root(tmp_path, data=False)  # a bundle built before bundles carried the data
    monkeypatch.setattr(datasets, "DEFAULT_ROOT", tmp_path / "no-cache")
    if platform == "prairielearn":
        (root / "submission").rename(root / "student")
    data = autograde(platform, root, root / "source" / "assignment.toml", cache_dir=tmp_path / "cache")
    shown = json.dumps(data)
    assert "NOT a grade" in shown or "not a grade" in shown
    assert "instructor must fix the autograder" in shown
    for leak in ("download=True", "--download", "--data-root", "Nothing was deducted", "ValueError"):
        assert leak not in shown, leak
    assert "mnist" in capsys.readouterr().err  # the detail: in the log, for the instructor
    if platform == "prairielearn":
        assert data["gradable"] is False


def test_a_broken_bundle_names_no_internals_to_the_student(tmp_path, capsys):
    root = gradescope_root(tmp_path, data=False)
    (root / "source" / "assignment.toml").unlink()
    data = autograde("gradescope", root, cache_dir=tmp_path / "cache")
    assert "NOT a grade" in data["output"] and "assignment.toml" in capsys.readouterr().err


# ---------------------------------------------------------------- pending points in the scores export


def test_the_scores_export_states_pending_points(tmp_path):
    s = StudentResult(id="s1", name="S", folder="s1", status="graded",
                      checks=[CheckResult("lr_claim", "sweep", "pass", "ok", points=2.0, max_points=2.0),
                              CheckResult("baseline", "run", "pass", "no reference", pending=1.0,
                                          why="reference")])  # fmt: skip
    note = export_note(s)
    assert note.startswith(f"PASS; {s.pending:g} of 100 points pending review (not in Score)") and s.pending > 0
    path = write_scores_csv([(Exported("submission_1", None, [Submitter("A", "1")]), s.total, note, s.pending)],
                            tmp_path / "scores.csv")  # fmt: skip
    header, row = list(csv.reader(path.open(newline="")))
    assert header == ["Name", "SID", "Email", "Score", "Pending (not in Score)", "Note"]
    assert row[:5] == ["A", "1", "", f"{s.total:g}", f"{s.pending:g}"] and row[5] == note


# ---------------------------------------------------------------- a submission below the upload's top


def test_a_submission_a_few_folders_down_is_found_and_said(tmp_path):
    up = tmp_path / "up"
    (up / "src").mkdir(parents=True)
    (up / "src" / "train.py").write_text("print()\n")
    (up / "hw6").mkdir()
    (up / "hw6" / "submission.toml").write_text(SUB)
    folder, where = find_submission(up)
    assert folder == up / "hw6" and "hw6/submission.toml" in where
    (up / "hw7" / "deep").mkdir(parents=True)
    (up / "hw7" / "config.py").write_text("x = 1\n")
    with pytest.raises(ValueError, match=r"2 submissions \(hw6/submission.toml, hw7/config.py\)"):
        find_submission(up)
    (up / "link").symlink_to(up / "hw6")  # never followed
    (up / "hw7" / "config.py").unlink()
    assert find_submission(up)[0] == up / "hw6"


def test_an_upload_grade_of_a_repository_layout_grades_its_submission(tmp_path):
    root = tmp_path / "gs"
    (root / "submission" / "src").mkdir(parents=True)
    (root / "submission" / "src" / "train.py").write_text("print()\n")
    (root / "submission" / "hw6").mkdir()
    (root / "submission" / "hw6" / "submission.toml").write_text(SUB)
    (root / "source").mkdir()
    (root / "source" / "assignment.toml").write_text("train_epochs = 2\nquick_epochs = 1\n")
    data = autograde("gradescope", root, cache_dir=tmp_path / "cache")
    assert data["output"].startswith("Graded hw6/submission.toml"), data["output"][:200]
    assert data["score"] > 0


def test_main_exits_2_on_a_wrong_size_copy(tmp_path):
    write_mnist(tmp_path / "data" / "MNIST" / "raw", 600, 100)
    cls = mnist_class(tmp_path / "class")
    code = main([str(cls), "--data-root", str(tmp_path / "data"), "--cache", str(tmp_path / "cache"), "--jobs", "1",
                 "--out", str(tmp_path / "out"), "--quiet"])  # fmt: skip
    assert code == 2 and not (tmp_path / "out").exists()
