"""Upload grades (issue 22): the time budget defers what does not fit, and `grade autograde` always writes the
platform's results.json — on small real reruns of a one-student class."""

import json
from pathlib import Path

import pytest

from grader.autograde import autograde
from grader.cli import main
from grader.grade import grade_class
from grader.load import load_assignment, load_submission
from grader.plan import fit_budget, plan, steps
from tests.test_grade import SMALL

SUB = SMALL.format(id="s0", name="Student 0", lr=0.05)  # a 1-epoch sweep and a 2-epoch run, both claimed
ASSIGNMENT = 'train_epochs = 2\nquick_epochs = 1\n[autograder]\nvisibility = { accuracy_claim = "after_published" }\n'


def one_student(root: Path, text: str = SUB) -> Path:
    (root / "s0").mkdir(parents=True)
    (root / "s0" / "submission.toml").write_text(text)
    (root / "assignment.toml").write_text(ASSIGNMENT)
    return root


def test_budget_keeps_the_cheapest_entries_with_their_probe_twins(tmp_path):
    root = one_student(tmp_path)
    a = load_assignment(root)
    planned = plan(load_submission(root / "s0", a).submission, a, quick=True)
    cost = {p.name: 0 for p in planned}
    for p in planned:
        cost[p.name] += steps(p)
    assert cost == {"sweep": 32, "const": 32 + 32}  # the quick run's epoch and its twin's (2 probe epochs, cut to 1)
    entries = {name: [p for p in planned if p.name == name] for name in cost}
    assert fit_budget(entries, seconds=40, step_s=1.0) == {"const"}  # room for the sweep (32), not the run (64)
    assert fit_budget(entries, seconds=96, step_s=1.0) == set()
    assert fit_budget(entries, seconds=63, step_s=0.5) == set()  # 96 steps × 0.5 s = 48 s fits
    assert fit_budget(entries, seconds=63, step_s=0.5, run_s=6.0) == {"const"}  # + 3 runs × 6 s = 66 s does not


def test_two_students_entries_of_one_name_are_budgeted_apart(tmp_path, monkeypatch):
    """Two students each with a "sweep" and a "const": a budget for three of the four entries defers one student's
    entry, not the same name in both (entries are keyed by student and name)."""
    from grader.runner import BUDGET_MARGIN, Rerunner

    root = one_student(tmp_path / "class")
    a = load_assignment(root)
    planned = plan(load_submission(root / "s0", a).submission, a, quick=True)
    todo = {Path("s0"): planned, Path("s1"): planned}
    monkeypatch.setattr(Rerunner, "timing", lambda *args: (1.0, 0.0))
    monkeypatch.setattr(Rerunner, "cached", lambda *args: False)
    three = BUDGET_MARGIN * (32 + 32 + 64)  # both sweeps and one run with its twin, at the planning margin
    deferred = Rerunner.of(tmp_path / "cache", device="cpu").deferrals(todo, three, "mnist-5k")
    assert sorted(map(len, deferred.values())) == [0, 1] and set().union(*deferred.values()) == {"const"}


def test_the_step_time_is_measured_over_the_steps_it_names(tmp_path, monkeypatch):
    """The calibration runs really take 8 and 64 optimizer steps (one epoch of that many steps, whatever the data's
    size: on mnist-5k an epoch is 32), so the difference of their times is 56 steps' cost."""
    import grader.runner
    from grader.runner import CALIBRATION_STEPS, Rerunner

    real, ran = grader.runner.run_unit, []

    def recording(unit):
        out = real(unit)
        ran.append(out[0]["result"])
        return out

    monkeypatch.setattr(grader.runner, "run_unit", recording)
    step, run = Rerunner.of(tmp_path / "cache", device="cpu").timing("mnist-5k", 128)
    assert [len(r["lr"]) for r in ran] == [8, 8, CALIBRATION_STEPS] and step > 0 and run >= 0


def test_a_run_the_budget_cannot_fit_is_deferred_never_lost(tmp_path):
    """Nothing fits in a 1 ms budget: every run's checks are pending for the full grade, no points lost, and the
    student reads why; the config check (no rerun needed) is still decided."""
    root = one_student(tmp_path / "class")
    result = grade_class(root, out=tmp_path / "out", quick=True, jobs=1, cache_dir=tmp_path / "cache", budget_s=1e-3)
    s = result.students[0]
    assert result.meta["deferred"] == 2 and result.meta["reruns"] == 0
    on_runs = [c for c in s.checks if c.subject in ("sweep", "const")]
    assert on_runs and all(c.why == "deferred" and c.points == 0 and c.max_points == 0 for c in on_runs)
    assert sum(c.pending for c in on_runs) > 0
    decided = [p for c, (p, _) in zip(s.checks, s.scaled()) if c.why != "deferred"]  # config, plausibility
    assert not s.failed_checks and s.total == pytest.approx(sum(decided))
    assert all(r.deferred and r.result is None for r in s.runs)
    assert any("upload grade's time budget" in line for line in result.pending_lines())
    md = (tmp_path / "out" / "s0" / "report.md").read_text()
    assert "deferred to the instructor's full grade" in md


def test_a_budget_that_fits_grades_as_without_one(tmp_path):
    root = one_student(tmp_path / "class")
    cache = tmp_path / "cache"
    plain = grade_class(root, out=None, quick=True, jobs=1, cache_dir=cache).students[0]
    budgeted = grade_class(root, out=None, quick=True, jobs=1, cache_dir=cache, budget_s=600)
    assert budgeted.meta["deferred"] == 0
    assert [(c.check, c.subject, c.status, c.points) for c in budgeted.students[0].checks] == [
        (c.check, c.subject, c.status, c.points) for c in plain.checks
    ]


def platform_tree(tmp_path: Path, platform: str, text: str = SUB) -> Path:
    root = tmp_path / platform
    sub = root / ("submission" if platform == "gradescope" else "student")
    sub.mkdir(parents=True)
    (sub / "submission.toml").write_text(text)
    if platform == "gradescope":
        (root / "source").mkdir()
        (root / "source" / "assignment.toml").write_text(ASSIGNMENT)
        (root / "submission_metadata.json").write_text("{}")
    else:
        (root / "data").mkdir()
        (root / "data" / "data.json").write_text("{}")
        (tmp_path / "assignment.toml").write_text(ASSIGNMENT)
    return root


def test_gradescope_upload_grade_writes_results_json(tmp_path, monkeypatch):
    root = platform_tree(tmp_path, "gradescope")
    monkeypatch.setenv("AUTOGRADER_ROOT", str(root))
    assert main(["autograde", "gradescope", "--cache", str(tmp_path / "cache")]) == 0
    data = json.loads((root / "results" / "results.json").read_text())
    tests = {t["name"].removesuffix(" (not checked here)"): t for t in data["tests"]}
    assert {"config · submission", "lr_claim · sweep", "accuracy_claim · const", "baseline · const"} <= set(tests)
    assert tests["accuracy_claim · const"]["visibility"] == "after_published"  # assignment.toml [autograder]
    assert tests["lr_claim · sweep"]["visibility"] == "visible"
    assert tests["lr_claim · sweep"]["extra_data"]["claimed"] == 0.1
    assert data["score"] == pytest.approx(sum(t["score"] for t in data["tests"]), abs=0.02)
    assert data["output_format"] == "md" and data["output"].startswith("# Student 0")
    assert data["stdout_visibility"] == "hidden"


@pytest.mark.parametrize("platform", ["gradescope", "prairielearn"])
def test_unreadable_submission_still_gets_a_results_json(tmp_path, platform):
    root = platform_tree(tmp_path, platform, text="[student\nid = 1\n")
    data = autograde(platform, root, tmp_path / "assignment.toml" if platform == "prairielearn" else None,
                     cache_dir=tmp_path / "cache")  # fmt: skip
    assert json.loads((root / "results" / "results.json").read_text()) == json.loads(json.dumps(data))
    if platform == "prairielearn":
        assert data["gradable"] is False and data["format_errors"] and data["score"] == 0
    else:
        assert data["score"] == 0 and "submission.toml" in data["output"]


def test_prairielearn_scores_a_fraction_with_points_on_every_test(tmp_path):
    root = platform_tree(tmp_path, "prairielearn")
    data = autograde("prairielearn", root, tmp_path / "assignment.toml", cache_dir=tmp_path / "cache")
    assert data["gradable"] is True and 0 <= data["score"] <= 1
    assert all({"name", "points", "max_points"} <= set(t) for t in data["tests"])
    earned = sum(t["points"] for t in data["tests"])  # out of the rubric total (100); a test's max_points is the
    assert data["score"] == pytest.approx(earned / 100, abs=1e-3)  # part checked here: no cross for a pending part
    assert all(t["points"] <= t["max_points"] for t in data["tests"])


def test_a_broken_bundle_is_a_results_json_that_says_so(tmp_path, capsys):
    """No assignment.toml where the bundle should have one: the instructor's problem, written as a result that says
    it is no grade; the detail goes to the log (the instructor's), not to the student (examiner probe 27)."""
    root = platform_tree(tmp_path, "gradescope")
    (root / "source" / "assignment.toml").unlink()
    data = autograde("gradescope", root, cache_dir=tmp_path / "cache")
    assert data["score"] == 0 and "NOT a grade" in data["output"] and "must fix the autograder" in data["output"]
    assert "assignment.toml" in capsys.readouterr().err
    assert (root / "results" / "results.json").is_file()


def test_a_rerun_the_estimate_let_in_but_the_clock_ran_out_on_is_deferred_not_an_error(tmp_path, monkeypatch):
    """The step time underestimated (monkeypatched to 1 µs): everything is planned, the budget runs out while the
    reruns go, and what the deadline stopped is deferred — never an error charged to the student."""
    from grader.runner import Rerunner

    monkeypatch.setattr(Rerunner, "timing", lambda *a: (1e-6, 0.0))
    root = one_student(tmp_path / "class")
    result = grade_class(root, out=None, quick=True, jobs=1, cache_dir=tmp_path / "cache", budget_s=0.05)
    s = result.students[0]
    assert result.meta["deferred"] >= 1
    assert not [c for c in s.checks if c.status == "error"]
    assert all(c.why == "deferred" for c in s.checks if c.subject in {r.name for r in s.runs if r.deferred})


def run_export(tmp_path: Path, export: Path) -> Path:
    """`grade gradescope-export` of `export` with ASSIGNMENT (quick, one job); the reports folder it wrote."""
    (tmp_path / "assignment.toml").write_text(ASSIGNMENT)
    out = tmp_path / "reports"
    argv = ["gradescope-export", str(export), "--assignment", str(tmp_path / "assignment.toml"), "--out", str(out),
            "--quick", "--jobs", "1", "--cache", str(tmp_path / "cache")]  # fmt: skip
    assert main(argv) == 0
    return out


def test_a_gradescope_export_is_graded_and_its_scores_written_back(tmp_path):
    """The instructor's later full grade: an export's folders graded as a class, one CSV row per submitter with the
    score the report gives, and a submitter whose folder is missing listed, not dropped."""
    import csv

    export = tmp_path / "export"
    for sid in ("111", "222"):
        (export / f"submission_{sid}").mkdir(parents=True)
        (export / f"submission_{sid}" / "submission.toml").write_text(SUB.replace('"s0"', f'"s{sid}"'))
    (export / "submission_metadata.yml").write_text(
        "submission_111:\n  :submitters:\n  - :name: Ada\n    :sid: '111'\n    :email: ada@example.edu\n"
        "submission_222:\n  :submitters:\n  - :name: Bo\n    :sid: '222'\n    :email: bo@example.edu\n"
        "  - :name: =HYPERLINK(\"x\")\n    :sid: '223'\n    :email: c@example.edu\n"
        "submission_333:\n  :submitters:\n  - :name: Cy\n    :sid: '333'\n    :email: cy@example.edu\n"
    )  # fmt: skip
    out = run_export(tmp_path, export)
    rows = list(csv.DictReader((out / "gradescope_scores.csv").open()))
    by_sid = {r["SID"]: r for r in rows}
    assert set(by_sid) == {"111", "222", "223", "333"}
    graded = json.loads((out / "results.json").read_text())["students"]
    assert float(by_sid["111"]["Score"]) == next(s["total"] for s in graded if s["folder"] == "submission_111")
    assert by_sid["222"]["Score"] == by_sid["223"]["Score"]  # a group: every member gets the submission's score
    assert by_sid["223"]["Name"].startswith("'=")  # a formula in a name is text in a spreadsheet
    assert by_sid["333"]["Score"] == "" and "no files" in by_sid["333"]["Note"]


LIMITS = {"wall_s": 600.0, "rss_mb": 768.0}  # Gradescope's defaults (½ vCPU aside): 10 minutes, 768 MB
BUNDLED = Path(__file__).resolve().parents[1] / "submissions"


@pytest.mark.slow  # the heaviest bundled submission (four 4,690-step course sweeps) and four others, ~4 minutes
def test_bundled_submissions_graded_on_upload_within_the_platform_limits(tmp_path):
    """`grade bundle run` of bundled submissions on one pinned CPU: each within 600 s, a results.json valid against
    Gradescope's committed schema, nothing charged to a student for the budget; the resident memory of the whole
    process tree within 768 MB where torch is a CPU build (what setup.sh installs: PyPI's CUDA build maps ~520 MB
    of CUDA libraries at `import torch`, so there the figure is only reported)."""
    import torch

    from grader.bundle import build_gradescope, run_bundle, validate_results

    bundle = build_gradescope(BUNDLED, tmp_path / "autograder.zip")
    for name in ("s000-lambda-multistep", "s004-legacy-config", "s005-malformed-toml", "s008-reproducible",
                 "s009-logs-diagnosed"):  # fmt: skip
        ran = run_bundle(bundle, BUNDLED / name, tmp_path / name, cpus="0", timeout_s=LIMITS["wall_s"])
        assert ran.returncode == 0 and not ran.timed_out and ran.wall_s <= LIMITS["wall_s"], (name, ran.summary())
        data = json.loads(ran.results.read_text())
        assert validate_results("gradescope", data) == [], (name, data)
        assert "autograder itself failed" not in json.dumps(data), name
        print(f"{name}: {ran.summary()}")
        if torch.version.cuda is None:
            assert ran.peak_rss_mb <= LIMITS["rss_mb"], (name, ran.summary())
        if name.startswith("s005"):
            assert data["score"] == 0 and data["tests"][0]["status"] == "failed"  # its one line, score 0
        else:
            assert sum(t["max_score"] for t in data["tests"]) == pytest.approx(100, abs=0.05)


def test_an_uploaded_zip_of_a_folder_is_found_inside_it(tmp_path):
    """Gradescope unpacks a zip of a folder as that folder (and a Mac adds __MACOSX beside it): the submission is
    graded from inside, not refused as missing; an upload with two submissions in it is graded as it is."""
    from grader.autograde import locate

    root = platform_tree(tmp_path, "gradescope")
    sub = root / "submission"
    inner = sub / "hw6" / "final"
    inner.mkdir(parents=True)
    (sub / "submission.toml").rename(inner / "submission.toml")
    (sub / "__MACOSX" / "hw6").mkdir(parents=True)
    assert locate(sub) == inner
    data = autograde("gradescope", root, cache_dir=tmp_path / "cache")
    assert data["score"] > 0 and any(t["name"].startswith("lr_claim · sweep") for t in data["tests"])
    (sub / "other").mkdir()
    assert locate(sub) == inner  # a folder without a submission file beside it changes nothing (probe 27)
    (sub / "other" / "config.py").write_text("x = 1\n")
    assert locate(sub) == sub  # two submissions: which one is the student's is not guessed
    (sub / "other" / "config.py").unlink()
    (sub / "other").rmdir()
    (sub / "hw6" / "final").rename(tmp_path / "elsewhere")
    (sub / "hw6" / "final").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    assert locate(sub) == sub  # a link to a folder is never gone down into: the upload is graded as it is


def test_student_text_is_inert_in_the_platform_results(tmp_path):
    """The report goes to Gradescope as Markdown: a student's name with HTML in it arrives escaped, and every test's
    output is plain text, so nothing a student wrote is rendered as markup."""
    hostile = SUB.replace('name = "Student 0"', 'name = "<script>alert(1)</script>"')
    root = platform_tree(tmp_path, "gradescope", hostile)
    data = autograde("gradescope", root, cache_dir=tmp_path / "cache")
    assert data["output_format"] == "md" and "<script>" not in data["output"] and "\\<script\\>" in data["output"]
    assert data["tests"] and all(t["output_format"] == "text" for t in data["tests"])


def test_bundles_take_the_platform_timeout_from_assignment_toml(tmp_path):
    """An instructor who raises Gradescope's limit to 40 minutes says so once, in [autograder] timeout_s: the bundle's
    script stops the grader 30 s before it and the budget is 80 % of it; PrairieLearn's stays at its 600 s maximum."""
    import zipfile

    from grader.bundle import build_gradescope, build_prairielearn

    root = one_student(tmp_path / "class")
    (root / "assignment.toml").write_text(ASSIGNMENT + "timeout_s = 2400\n")  # inside [autograder]
    assert load_assignment(root).autograder.budget == 1920
    wheel = tmp_path / "lr_grader-0.2.0-py3-none-any.whl"  # its bytes are only copied into the bundles
    wheel.write_bytes(b"PK")
    script = zipfile.ZipFile(build_gradescope(root, tmp_path / "a.zip", wheel=wheel)).read("run_autograder").decode()
    assert "LR_GRADER_TIMEOUT_S:-2370}" in script
    pl = build_prairielearn(root, tmp_path / "pl", wheel=wheel)
    assert json.loads((pl / "externalGradingOptions.json").read_text())["timeout"] == 600
    assert "LR_GRADER_TIMEOUT_S:-570}" in (pl / "run.sh").read_text()


WITHHELD = 'train_epochs = 2\nquick_epochs = 1\n[autograder]\nvisibility = { lr_claim = "after_published", ' \
           'baseline = "after_due_date" }\n'  # fmt: skip


def test_a_withheld_check_is_not_in_what_the_student_sees_on_gradescope(tmp_path):
    """[autograder] visibility withholds checks from the student: the tests carry it (the instructor sees them all),
    and the top-level output, which Gradescope shows the student at once, leaves them out — their rows, the figures
    of the runs they are about (the sweep's picks, the run's accuracy) — and with them the verdict and the total,
    which count them (Gradescope itself hides the total while such a test is not shown); the leaderboard, shown to
    every student, is left out with the baseline's rerun accuracy. The checks still visible are there as they are.
    PrairieLearn has no per-test visibility: its results are the same whatever the setting says."""
    root = platform_tree(tmp_path, "gradescope")
    (root / "source" / "assignment.toml").write_text(WITHHELD)
    data = autograde("gradescope", root, cache_dir=tmp_path / "cache")
    tests = {t["name"].removesuffix(" (not checked here)"): t for t in data["tests"]}
    assert tests["lr_claim · sweep"]["visibility"] == "after_published" and tests["lr_claim · sweep"]["output"]
    assert tests["baseline · const"]["visibility"] == "after_due_date"
    assert tests["config · submission"]["visibility"] == "visible"
    out = data["output"]
    rows = [line for line in out.splitlines() if line.startswith("| ")]
    assert not [r for r in rows if "| lr\\_claim |" in r or "| baseline |" in r], rows
    assert [r for r in rows if "| config |" in r] and [r for r in rows if "| accuracy\\_claim |" in r]
    assert "Some checks are withheld" in out and "lr\\_claim (shown when grades are published)" in out
    assert "Verdict" not in out and "score **" not in out and "points pending" not in out
    assert "rule picks" not in out and "test accuracy" not in out.split("## Runs", 1)[1]
    assert "its rerun's figures are withheld" in out
    assert "leaderboard" not in data and validate(data) == []
    assert data["score"] == pytest.approx(sum(t["score"] for t in data["tests"]), abs=0.02)  # the grade itself stays
    pl = platform_tree(tmp_path / "pl", "prairielearn")
    (tmp_path / "pl" / "assignment.toml").write_text(WITHHELD)
    shown = autograde("prairielearn", pl, tmp_path / "pl" / "assignment.toml", cache_dir=tmp_path / "cache")
    assert "**Verdict:" in shown["output"] and "| lr_claim | sweep |" in shown["output"]  # plain text there
    assert {"lr_claim · sweep", "baseline · const"} <= {t["name"].removesuffix(" (not checked here)")
                                                         for t in shown["tests"]}  # fmt: skip


def validate(data: dict) -> list[str]:
    from grader.bundle import validate_results

    return validate_results("gradescope", data)


def test_a_hidden_check_must_carry_no_points(tmp_path):
    """Gradescope shows a student a total that counts a "hidden" test's points (its specification keeps "hidden" for
    tests that carry none): a check with points cannot be hidden; after_published/after_due_date can, and a 0-point
    check (reproducible, logs, or one whose [points] is 0) can be hidden."""
    from grader.safe import InputError

    def load(text: str):
        (tmp_path / "assignment.toml").write_text(text)
        return load_assignment(tmp_path)

    with pytest.raises(InputError, match="lr_claim = 'hidden', but \\[points\\] gives it 2.*after_published"):
        load('[autograder]\nvisibility = { lr_claim = "hidden" }\n')
    assert load('[autograder]\nvisibility = { lr_claim = "after_published", reproducible = "hidden" }\n')
    assert load('[points]\nlr_claim = 0\n[autograder]\nvisibility = { lr_claim = "hidden", logs = "hidden" }\n')


def test_a_summary_with_checks_withheld_names_no_verdict_nor_total():
    """The results.json's own output (where no report is written) says what is withheld instead of the verdict."""
    from grader.results import CheckResult, RunRecord, StudentResult

    final = {"epoch": 2, "step": 64, "test_accuracy": 0.91, "test_loss": 0.3}
    s = StudentResult("s0", "S", "s0", runs=[RunRecord("run", "train", "run", {"epochs": 2}, {"final": final})],
                      checks=[CheckResult("config", "submission", "pass", "ok", points=1, max_points=1),
                              CheckResult("accuracy_claim", "run", "fail", "Off by 5 pp.", claimed=0.96,
                                          max_points=2)])  # fmt: skip
    assert "Verdict: FAIL" in s.to_gradescope()["output"] and s.to_gradescope()["leaderboard"]
    held = s.to_gradescope({"accuracy_claim": "after_published"})
    assert "Verdict" not in held["output"] and "accuracy_claim (shown when grades are published)" in held["output"]
    assert "leaderboard" not in held and validate(held) == []
