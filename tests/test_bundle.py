"""Autograder bundles for Gradescope and PrairieLearn (issue 22): what the bundles hold, that their scripts always
leave a results.json in the platform's format, the formats' schemas, running a bundle here, and reading a
Gradescope export. Tests that run `grade autograde` itself (grader/autograde.py) are marked `slow`."""

from __future__ import annotations

import csv
import json
import os
import re
import stat
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from grader.bundle import (
    BundleRun,
    build_gradescope,
    build_prairielearn,
    build_wheel,
    detect_platform,
    run_bundle,
    schema_path,
    validate_results,
)
from grader.export import Exported, Submitter, read_gradescope_export, write_scores_csv
from grader.grade import grade_class
from grader.load import tomllib
from tests.test_cli import TINY_CLASS

ROOT = Path(__file__).resolve().parents[1]

TINY = TINY_CLASS  # one 20-step sweep with a claimed LR
ASSIGNMENT = 'name = "Tiny class"\nrequired = ["range_test"]\ntrain_epochs = 2\nquick_epochs = 1\n'


def tiny_class(root: Path) -> Path:
    (root / "s0").mkdir(parents=True)
    (root / "s0" / "submission.toml").write_text(TINY)
    (root / "assignment.toml").write_text(ASSIGNMENT)
    return root


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The package's wheel, built once for the module from this checkout (~5 s)."""
    return build_wheel(tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="module")
def gradescope_zip(tmp_path_factory, wheel) -> Path:
    tmp = tmp_path_factory.mktemp("gradescope")
    return build_gradescope(tiny_class(tmp / "class"), tmp / "autograder.zip", wheel=wheel)


@pytest.fixture(scope="module")
def prairielearn_dir(tmp_path_factory, wheel) -> Path:
    tmp = tmp_path_factory.mktemp("prairielearn")
    return build_prairielearn(tiny_class(tmp / "class"), tmp / "pl", wheel=wheel)


def _mode(info: zipfile.ZipInfo) -> int:
    return (info.external_attr >> 16) & 0o777


# ---------------------------------------------------------------- packaging: the wheel carries the templates


def test_pyproject_lists_every_package_folder():
    """`packages` is an explicit list (templates/ is mapped to lr_grader_templates): a new folder of grader/,
    reference/ or templates/ that is missing from it would be missing from every wheel and bundle."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    assert config["package-dir"] == {"lr_grader_templates": "templates"}
    for top, package in (("grader", "grader"), ("reference", "reference"), ("templates", "lr_grader_templates")):
        for folder in [ROOT / top, *(ROOT / top).rglob("*")]:
            if folder.is_dir() and folder.name != "__pycache__" and any(f.is_file() for f in folder.iterdir()):
                name = ".".join([package, *folder.relative_to(ROOT / top).parts])
                assert name in listed, f"{folder.relative_to(ROOT)} is not in pyproject's packages ({name})"


def test_wheel_carries_the_templates_schemas_and_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert wheel.name.startswith("lr_grader-") and wheel.name.endswith("-py3-none-any.whl")
    templates = {p.relative_to(ROOT / "templates").as_posix() for p in (ROOT / "templates").rglob("*") if p.is_file()}
    assert templates and {f"lr_grader_templates/{t}" for t in templates} <= names
    assert {"lr_grader_templates/bundle/schemas/gradescope-results.schema.json", "grader/bundle.py", "grader/render.py",
            "reference/assets/mnist_5k.npz", "reference/baselines/mnist-5k.json"} <= names  # fmt: skip
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    assert wheel.stat().st_size < 5_000_000  # the embedded mnist-5k is most of it (~1.8 MB)


# ---------------------------------------------------------------- the bundles' contents


def test_gradescope_zip_has_its_files_at_the_root(gradescope_zip, wheel):
    z = zipfile.ZipFile(gradescope_zip)
    infos = {i.filename: i for i in z.infolist()}
    assert set(infos) == {"setup.sh", "run_autograder", "assignment.toml", wheel.name}
    assert _mode(infos["run_autograder"]) == 0o755 and _mode(infos["setup.sh"]) == 0o755
    assert z.read("assignment.toml").decode() == ASSIGNMENT
    inner = gradescope_zip.parent / "inner.whl"
    inner.write_bytes(z.read(wheel.name))
    assert "lr_grader_templates/report.md.j2" in zipfile.ZipFile(inner).namelist()  # render.py works in the venv
    run = z.read("run_autograder").decode()
    assert run.startswith("#!/usr/bin/env bash\n")
    assert "ROOT=${AUTOGRADER_ROOT:-/autograder}" in run and "PY=${LR_GRADER_PYTHON:-$ROOT/venv/bin/python}" in run
    assert '"$PY" -m grader.cli autograde gradescope --root "$ROOT"' in run
    for name in ("setup.sh", "run_autograder"):  # both parse as bash
        done = subprocess.run(["bash", "-n"], input=z.read(name), capture_output=True, timeout=30)
        assert done.returncode == 0, done.stderr
    assert detect_platform(gradescope_zip) == "gradescope"


def test_setup_sh_never_installs_into_the_system_python(gradescope_zip, wheel):
    """Gradescope's harness runs on the image's python3: setup.sh makes its own venv and only its pip installs."""
    setup = zipfile.ZipFile(gradescope_zip).read("setup.sh").decode()
    code = [line.split("#", 1)[0] for line in setup.splitlines()]
    pip_lines = [line for line in code if re.search(r"\bpip3?\b", line)]  # not "pipefail"
    assert len(pip_lines) >= 3
    for line in pip_lines:
        assert line.lstrip().startswith(
            ('"$VENV/bin/python" -m pip install', '|| "$VENV/bin/python" -m pip install')
        ), line
    assert "VENV=/autograder/venv" in setup and '-m venv "$VENV"' in setup
    for forbidden in ("pip3", "python3 -m pip", "--break-system-packages", "sudo ", "--user"):
        assert forbidden not in "\n".join(code), forbidden
    assert "--index-url https://download.pytorch.org/whl/cpu" in setup
    assert f'"$SOURCE/{wheel.name}"' in setup and '"$BASE-venv"' in setup  # apt's python3(.11)-venv if missing


def test_prairielearn_folder_has_its_files_and_a_safe_snippet(prairielearn_dir, wheel):
    files = {p.name for p in prairielearn_dir.iterdir()}
    assert files == {"Dockerfile", "run.sh", "externalGradingOptions.json", "assignment.toml", "README.md", wheel.name}
    assert (prairielearn_dir / "run.sh").stat().st_mode & stat.S_IXUSR
    options = json.loads((prairielearn_dir / "externalGradingOptions.json").read_text())
    assert options["enabled"] is True and options["enableNetworking"] is False
    assert 0 < options["timeout"] <= 600 and options["entrypoint"] == "/lr-grader/run.sh"
    assert "YOUR_DOCKERHUB/" in options["image"]
    docker = (prairielearn_dir / "Dockerfile").read_text()
    assert docker.count("FROM ") == 1 and "FROM --platform=linux/amd64 python:3.11-slim" in docker
    assert f"COPY {wheel.name} " in docker and "COPY assignment.toml /lr-grader/assignment.toml" in docker
    assert "ENV LR_GRADER_ASSIGNMENT=/lr-grader/assignment.toml" in docker
    assert "download.pytorch.org/whl/cpu" in docker
    run = (prairielearn_dir / "run.sh").read_text()
    assert "ROOT=${GRADE_ROOT:-/grade}" in run and "autograde prairielearn --root" in run
    assert subprocess.run(["bash", "-n", str(prairielearn_dir / "run.sh")], capture_output=True).returncode == 0
    readme = (prairielearn_dir / "README.md").read_text()
    assert "docker build --platform linux/amd64" in readme and "externalGradingOptions" in readme
    assert "Tiny class" in readme
    assert detect_platform(prairielearn_dir) == "prairielearn"


def test_prairielearn_rebuild_replaces_its_files_but_never_a_foreign_folder(prairielearn_dir, wheel, tmp_path):
    class_dir = tiny_class(tmp_path / "class")
    assert build_prairielearn(class_dir, prairielearn_dir, wheel=wheel) == prairielearn_dir  # same folder again
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("x")
    with pytest.raises(ValueError, match="other than a PrairieLearn bundle"):
        build_prairielearn(class_dir, tmp_path / "mine", wheel=wheel)
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "x"


def test_a_class_without_assignment_toml_is_one_line(tmp_path, wheel):
    (tmp_path / "class").mkdir()
    for build in (build_gradescope, build_prairielearn):
        with pytest.raises(ValueError) as err:
            build(tmp_path / "class", tmp_path / "out", wheel=wheel)
        assert "assignment.toml" in str(err.value) and "\n" not in str(err.value)
    (tmp_path / "class" / "assignment.toml").write_text("train_epochs = -1\n")  # read as the grader will
    with pytest.raises(ValueError, match="train_epochs"):
        build_gradescope(tmp_path / "class", tmp_path / "out.zip", wheel=wheel)
    assert not (tmp_path / "out.zip").exists()


# ---------------------------------------------------------------- the scripts always leave a results.json


def _gradescope_root(zip_path: Path, tmp: Path) -> Path:
    root = tmp / "autograder"
    (root / "submission").mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as z:
        z.extractall(root / "source")
    (root / "source" / "run_autograder").chmod(0o755)
    return root


@pytest.mark.parametrize("python, why", [("/bin/false", "exit code 1"), ("/bin/true", "wrote no results")])
def test_run_autograder_writes_results_when_the_grader_fails(gradescope_zip, tmp_path, python, why):
    root = _gradescope_root(gradescope_zip, tmp_path)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "LR_GRADER_PYTHON": python}
    done = subprocess.run([str(root / "source" / "run_autograder")], env=env, capture_output=True, timeout=60)
    assert done.returncode == 0
    data = json.loads((root / "results" / "results.json").read_text())
    assert validate_results("gradescope", data) == []
    assert data["score"] == 0 and why in data["output"] and "not a verdict on your submission" in data["output"]


def test_run_sh_timeout_is_an_internal_error_not_the_students(prairielearn_dir, tmp_path):
    slow = tmp_path / "slow-python"
    slow.write_text("#!/bin/sh\nexec sleep 30\n")
    slow.chmod(0o755)
    (tmp_path / "grade" / "student").mkdir(parents=True)
    env = {**os.environ, "GRADE_ROOT": str(tmp_path / "grade"), "LR_GRADER_PYTHON": str(slow),
           "LR_GRADER_TIMEOUT_S": "1"}  # fmt: skip
    started = time.monotonic()
    done = subprocess.run([str(prairielearn_dir / "run.sh")], env=env, capture_output=True, timeout=60)
    assert done.returncode == 0 and time.monotonic() - started < 20  # PrairieLearn reads results only after exit 0
    data = json.loads((tmp_path / "grade" / "results" / "results.json").read_text())
    assert validate_results("prairielearn", data) == []
    assert data["gradable"] is False and "did not finish within 1 s" in data["message"]
    assert "not a format error in your submission" in data["format_errors"][0]


# ---------------------------------------------------------------- the platforms' results formats


def test_schemas_are_valid_draft_2020_12():
    import jsonschema

    for platform in ("gradescope", "prairielearn"):
        schema = json.loads(schema_path(platform).read_text())
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        jsonschema.Draft202012Validator.check_schema(schema)
    with pytest.raises(ValueError, match="unknown platform"):
        schema_path("moodle")


def test_a_real_graded_student_is_valid_gradescope_results(tmp_path):
    result = grade_class(tiny_class(tmp_path / "class"), out=None, cache_dir=tmp_path / "cache", jobs=1)
    student = result.students[0]
    data = json.loads(json.dumps(student.to_gradescope()))  # as written to disk
    assert data["tests"] and validate_results("gradescope", data) == []
    error = type(student).failed("s9", "s9", "submission.toml: not valid TOML (line 1)")
    assert validate_results("gradescope", json.loads(json.dumps(error.to_gradescope()))) == []


def test_validate_results_names_what_is_wrong():
    good = {"score": 3.0, "tests": [{"name": "a", "score": 3.0, "max_score": 4.0, "status": "passed"}]}
    assert validate_results("gradescope", good) == []
    assert validate_results("gradescope", {"tests": [{"name": "a", "score": 1}]}) == []  # the tests' scores add up
    bad_status = {**good, "tests": [{**good["tests"][0], "status": "ok"}]}
    assert any(m.startswith("tests[0].status:") and "'ok'" in m for m in validate_results("gradescope", bad_status))
    assert validate_results("gradescope", {"tests": [{"name": "a", "max_score": 4}]}) == [
        "score: missing (required at the top level unless every test has a score)"]  # fmt: skip
    assert validate_results("gradescope", {"output": "x"})[0].startswith("score: missing")
    typo = {**good, "tests": [{"name": "a", "score": 1, "max_points": 4}]}  # PrairieLearn's key in Gradescope's file
    assert any("max_points" in m for m in validate_results("gradescope", typo))
    assert any(m.startswith("visibility:") for m in validate_results("gradescope", {**good, "visibility": "public"}))
    assert any(m.startswith("output_format:") for m in validate_results("gradescope", {**good, "output_format": "rst"}))
    assert any("score" in m for m in validate_results("gradescope", {**good, "score": "3"}))

    pl = {"gradable": True, "score": 0.5, "tests": [{"name": "a", "points": 1, "max_points": 2, "message": "m"}]}
    assert validate_results("prairielearn", pl) == []
    assert validate_results("prairielearn", {"gradable": False, "format_errors": ["line 3: bad"]}) == []
    assert validate_results("prairielearn", {"gradable": True}) == [
        "score: missing (required unless gradable is false)"
    ]
    assert validate_results("prairielearn", {"message": "x"}) == ["score: missing (required unless gradable is false)"]
    assert any(m.startswith("score:") for m in validate_results("prairielearn", {**pl, "score": 50}))  # not a fraction
    assert any(m.startswith("tests[0]:") and "max_points" in m
               for m in validate_results("prairielearn", {**pl, "tests": [{"name": "a", "points": 1}]}))  # fmt: skip
    assert any(m.startswith("gradable:") for m in validate_results("prairielearn", {**pl, "gradable": "false"}))
    huge = {**pl, "output": "x" * 1_100_000}
    assert any("PrairieLearn reads at most" in m for m in validate_results("prairielearn", huge))


# ---------------------------------------------------------------- running a bundle here


def test_run_bundle_measures_the_process_tree_and_kills_it_on_timeout(tmp_path, monkeypatch):
    """A stand-in bundle whose script starts a background process and a child holding ~200 MB: the peak counts the
    child, the timeout kills everything it started, and no results.json is reported as none."""
    script = ('#!/usr/bin/env bash\nsleep 60 &\necho $! > "$PIDFILE"\n'
              '"$LR_GRADER_PYTHON" -c "import time; b = b\'x\' * (200 * 1024 * 1024); time.sleep(60)"\n')  # fmt: skip
    bundle = tmp_path / "fake.zip"
    with zipfile.ZipFile(bundle, "w") as z:
        info = zipfile.ZipInfo("run_autograder")
        info.external_attr = (stat.S_IFREG | 0o755) << 16
        z.writestr(info, script)
    (tmp_path / "sub").mkdir()
    monkeypatch.setenv("PIDFILE", str(tmp_path / "sleeper.pid"))
    ran = run_bundle(bundle, tmp_path / "sub", tmp_path / "out", timeout_s=4)
    assert isinstance(ran, BundleRun) and ran.platform == "gradescope"
    assert ran.timed_out and ran.results is None and 4 <= ran.wall_s < 20
    assert ran.peak_rss_mb > 150, ran
    assert any("stands in" in n for n in ran.notes)
    sleeper = int((tmp_path / "sleeper.pid").read_text())
    stat_file = Path(f"/proc/{sleeper}/stat")
    assert not stat_file.exists() or stat_file.read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X")


def test_run_bundle_refuses_what_is_not_a_bundle(tmp_path):
    (tmp_path / "sub").mkdir()
    with pytest.raises(ValueError, match="not a bundle"):
        run_bundle(tmp_path / "sub", tmp_path / "sub", tmp_path / "out")


@pytest.mark.slow  # runs `grade autograde` (grader/autograde.py): python, torch, a 20-step sweep
@pytest.mark.parametrize("platform", ["gradescope", "prairielearn"])
def test_run_bundle_end_to_end(platform, gradescope_zip, prairielearn_dir, tmp_path):
    bundle = gradescope_zip if platform == "gradescope" else prairielearn_dir
    ran = run_bundle(bundle, tiny_class(tmp_path / "c") / "s0", tmp_path / "out", cpus="0", timeout_s=300)
    assert ran.returncode == 0 and not ran.timed_out, (tmp_path / "out" / "log.txt").read_text()[-2000:]
    assert ran.platform == platform and ran.results == tmp_path / "out" / "results.json"
    data = json.loads(ran.results.read_text())
    assert validate_results(platform, data) == [], data
    assert data["tests"] and "autograder itself failed" not in json.dumps(data)
    if platform == "gradescope":
        assert sum(t["max_score"] for t in data["tests"]) == pytest.approx(100, abs=0.05)
    else:
        assert data.get("gradable", True) is True and 0 <= data["score"] <= 1
    assert ran.peak_rss_mb > 100 and ran.wall_s > 0  # python + torch at least


@pytest.mark.slow  # runs `grade autograde` on an unreadable submission
@pytest.mark.parametrize("platform", ["gradescope", "prairielearn"])
def test_run_bundle_malformed_submission_still_gets_results(platform, gradescope_zip, prairielearn_dir, tmp_path):
    (tmp_path / "s1").mkdir()
    (tmp_path / "s1" / "submission.toml").write_text('[student\nid = "s1"\n')  # a TOML syntax error
    bundle = gradescope_zip if platform == "gradescope" else prairielearn_dir
    ran = run_bundle(bundle, tmp_path / "s1", tmp_path / "out", timeout_s=300)
    assert ran.returncode == 0 and ran.results is not None, (tmp_path / "out" / "log.txt").read_text()[-2000:]
    data = json.loads(ran.results.read_text())
    assert validate_results(platform, data) == [], data
    if platform == "prairielearn":
        assert data["gradable"] is False and data["format_errors"]  # the attempt is not used up
        assert "Internal grader error" not in json.dumps(data)  # the student's error, not the grader's
    else:
        assert data["score"] == 0 and "TOML" in json.dumps(data)


# ---------------------------------------------------------------- a Gradescope export, and the scores CSV


EXPORT_YML = """\
:submission_101:
  :submitters:
  - :name: Ada Lovelace
    :sid: '001'
    :email: ada@example.edu
  - :name: '=HYPERLINK("http://evil.example","click")'
    :sid: '+002'
    :email: "@evil.example"
  :created_at: 2026-03-01 12:00:00.000000000 -08:00
  :score: 87.5
  :status: processed
submission_202:
  :submitters:
  - :name: Grace Hopper
  :score: not a number
:../../etc/passwd:
  :submitters:
  - :name: Nobody
:submission_303: just a string
"""


def test_read_gradescope_export_is_tolerant_and_never_follows_paths(tmp_path):
    (tmp_path / "submission_101").mkdir()
    (tmp_path / "submission_101" / "submission.toml").write_text(TINY)
    (tmp_path / "submission_metadata.yml").write_text(EXPORT_YML)
    found = read_gradescope_export(tmp_path)
    assert [e.id for e in found] == ["submission_101", "submission_202", "submission_303"]  # the path key dropped
    first, second, third = found
    assert first.folder == tmp_path / "submission_101" and second.folder is None
    assert [s.name for s in first.submitters] == ["Ada Lovelace", '=HYPERLINK("http://evil.example","click")']
    assert first.submitters[0] == Submitter("Ada Lovelace", "001", "ada@example.edu")
    assert first.score == 87.5 and first.created_at.startswith("2026-03-01")
    assert second.submitters == [Submitter("Grace Hopper", "", "")] and second.score is None
    assert third.submitters == [] and third.score is None and third.created_at == ""


def test_scores_csv_one_row_per_submitter_and_no_formulas(tmp_path):
    (tmp_path / "submission_metadata.yml").write_text(EXPORT_YML)
    found = read_gradescope_export(tmp_path)
    rows = [(found[0], 91.25, "PASS"), (found[1], None, "=cmd|' /C calc'!A0"), (found[2], 0.0, "ERROR")]
    path = write_scores_csv(rows, tmp_path / "out" / "scores.csv")
    with open(path, newline="") as f:
        table = list(csv.reader(f))
    assert table[0] == ["Name", "SID", "Email", "Score", "Pending (not in Score)", "Note"]
    assert table[1] == ["Ada Lovelace", "001", "ada@example.edu", "91.25", "", "PASS"]
    assert table[2] == ['\'=HYPERLINK("http://evil.example","click")', "'+002", "'@evil.example", "91.25", "", "PASS"]
    assert table[3] == ["Grace Hopper", "", "", "", "", "'=cmd|' /C calc'!A0"]
    assert table[4][:5] == ["", "", "", "0", ""] and table[4][5].startswith("submission_303: no submitter")
    assert len(table) == 5
    for row in table[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row), row
    negative = write_scores_csv([(Exported("submission_1", None, [Submitter("A")]), -2.0, "")], tmp_path / "n.csv")
    assert negative.read_text().splitlines()[1] == "A,,,-2,,"  # a number of ours, not a formula


def test_gradescope_export_refusals_are_one_line(tmp_path):
    def refused(match: str) -> None:
        with pytest.raises(ValueError, match=match) as err:
            read_gradescope_export(tmp_path)
        assert "\n" not in str(err.value)

    refused("no submission_metadata.yml")
    yml = tmp_path / "submission_metadata.yml"
    yml.write_text(":submission_1: [unclosed\n")
    refused("not valid YAML")
    yml.write_text("--- !ruby/object:Submission\nid: 1\n")  # a Ruby object: safe_load constructs no objects
    refused("not valid YAML")
    yml.write_text("[" * 5000 + "]" * 5000)
    refused("YAML|nested")
    yml.write_text("- a\n- b\n")
    refused("expected a mapping")
    yml.unlink()
    with open(yml, "wb") as f:  # sparse: 21 MB on paper, nothing on disk
        f.truncate(21 * 1024 * 1024)
    refused("byte limit")
    yml.unlink()
    yml.symlink_to("/dev/zero")
    refused("not a regular file")
    yml.unlink()
    yml.write_text("")
    assert read_gradescope_export(tmp_path) == []


def test_prairielearn_readme_lets_a_student_upload_a_config_and_logs(prairielearn_dir):
    """The README's pl-file-upload: `file-names` would make every listed file required (PrairieLearn's pl-file-upload
    documentation), so the submission file is optional-file-names (submission.toml or a legacy config.py) and the
    logs optional-file-patterns, matched as PrairieLearn matches them (fnmatch): an honest upload's files are all
    accepted, flat as PrairieLearn stores them; anything else is not."""
    import fnmatch
    import shlex

    readme = (prairielearn_dir / "README.md").read_text()
    element = re.search(r"<pl-file-upload([^>]*)>", readme)
    assert element and not re.search(r"(?<!optional-)file-names=", element.group(1))
    attrs = dict(a.split("=", 1) for a in shlex.split(element.group(1).replace("\n", " ")))
    names = [n.strip() for n in attrs["optional-file-names"].split(",")]
    patterns = [n.strip() for n in attrs["optional-file-patterns"].split(",")]
    assert names == ["submission.toml", "config.py"]

    def accepted(name: str) -> bool:
        return name in names or any(fnmatch.fnmatch(name, p) for p in patterns)

    for upload in (["submission.toml", "sgd-onecycle.csv", "adam.csv"], ["config.py"],
                   ["submission.toml", "events.out.tfevents.1700000000.host.12345.0"],
                   ["Submission.toml"], ["submission.toml.txt"], ["SUBMISSION.TOML"], ["Config.py"]):  # fmt: skip
        assert all(map(accepted, upload)), upload  # the file in any case, or with .txt: read (examiner probe 43)
    assert not accepted("notes.txt") and not accepted("model.pt")
    assert "Upload new question scores" in readme and "score_perc" in readme and "submission_id" in readme
    assert "no per-test visibility" in readme
