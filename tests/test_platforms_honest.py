"""Honest students on the platforms and in a self-check: what an upload, an export, a self-check and Gradescope's
results.json tell a student who did everything right (the examiner's findings F1, F4–F7, F10)."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from pathlib import Path

import pytest

from grader.autograde import autograde
from grader.bundle import validate_results
from grader.cli import main
from grader.grade import grade_class
from grader.results import CheckResult, RunRecord, StudentResult
from tests.test_autograde import ASSIGNMENT, SUB, platform_tree, run_export

NOT_THIS_FOLDER = "is not this folder's"
FULL = SUB.replace("epochs = 2\n", "epochs = 30\n")  # the package default train_epochs; quick: 3 of them


def test_an_exported_zip_of_a_folder_is_graded_as_its_upload_was(tmp_path):
    """F1, F6: Gradescope keeps a zip of a folder as `submission_<id>/hw6/`: the export's full grade finds it as the
    upload grade did and gives it the flat copy's grade, under its export folder's name, without telling the student
    that the id is not the folder's (the export's metadata maps the folder to the submitters)."""
    export = tmp_path / "export"
    (export / "submission_1").mkdir(parents=True)
    (export / "submission_1" / "submission.toml").write_text(SUB)
    (export / "submission_2" / "hw6").mkdir(parents=True)
    (export / "submission_2" / "hw6" / "submission.toml").write_text(SUB)
    (export / "submission_2" / "__MACOSX").mkdir()
    (export / "submission_metadata.yml").write_text(
        "submission_1:\n  :submitters:\n  - :name: Ada\n    :sid: '1'\n"
        "submission_2:\n  :submitters:\n  - :name: Bo\n    :sid: '2'\n"
    )  # fmt: skip
    out = run_export(tmp_path, export)
    students = {s["id"]: s for s in json.loads((out / "results.json").read_text())["students"]}
    assert set(students) == {"submission_1", "submission_2"}  # the export's keys, as the scores' CSV rows
    flat, zipped = students["submission_1"], students["submission_2"]
    assert zipped["status"] == "graded" and zipped["total"] == flat["total"] > 0
    assert [(c["check"], c["subject"], c["status"]) for c in zipped["checks"]] == [
        (c["check"], c["subject"], c["status"]) for c in flat["checks"]
    ]
    assert not [w for s in students.values() for w in s["warnings"] if NOT_THIS_FOLDER in w]
    scores = {r["SID"]: r["Score"] for r in csv.DictReader((out / "gradescope_scores.csv").open())}
    assert scores["1"] == scores["2"] == f"{flat['total']:g}"


@pytest.mark.parametrize("platform", ["gradescope", "prairielearn"])
def test_an_upload_is_graded_under_its_files_id_without_a_warning(tmp_path, platform):
    """F6: the platform names the upload's folder ("submission", "student"): not the student's choice of identity,
    so the upload is graded under its [student] id and the report says nothing about the folder's name."""
    root = platform_tree(tmp_path, platform)
    assignment = tmp_path / "assignment.toml" if platform == "prairielearn" else None
    data = autograde(platform, root, assignment, cache_dir=tmp_path / "cache")
    report = data["output"]
    assert report.startswith("# Student 0 (s0)") and NOT_THIS_FOLDER not in report and "graded as" not in report


def test_a_class_folder_still_keys_a_submission_by_its_folder(tmp_path):
    """F6: in a class grade the folder name is the instructor's key: another [student] id is graded under the folder's
    name, with a warning (as before)."""
    root = tmp_path / "class"
    (root / "hw6").mkdir(parents=True)
    (root / "hw6" / "submission.toml").write_text(SUB)
    (root / "assignment.toml").write_text(ASSIGNMENT)
    s = grade_class(root, out=None, quick=True, jobs=1, cache_dir=tmp_path / "cache").students[0]
    assert s.id == "hw6" and any(NOT_THIS_FOLDER in w and '"s0"' in w for w in s.warnings)


@pytest.fixture(scope="module")
def self_checked(tmp_path_factory) -> tuple[str, Path]:
    """A self-check of a folder named `hw6` with no assignment.toml beside it: (its terminal output, --out)."""
    tmp = tmp_path_factory.mktemp("solo")
    (tmp / "solo" / "hw6").mkdir(parents=True)
    (tmp / "solo" / "hw6" / "submission.toml").write_text(FULL)
    out, said = tmp / "reports", io.StringIO()
    with contextlib.redirect_stdout(said):
        main(["--self-check", str(tmp / "solo" / "hw6"), "--out", str(out), "--jobs", "1", "--quiet", "--cache",
              str(tmp / "cache")])  # fmt: skip
    return said.getvalue(), out


def test_a_self_check_is_graded_under_the_files_id_without_a_warning(self_checked):
    """F6: the student named their own folder; the self-check grades it under its [student] id, silently."""
    said, out = self_checked
    assert NOT_THIS_FOLDER not in said and (out / "s0" / "report.md").is_file()
    assert NOT_THIS_FOLDER not in (out / "s0" / "report.md").read_text()


def test_a_self_checks_reports_name_the_command_that_checks_the_rest(self_checked):
    """F7: a self-check is quick by default, so its reports say what its terminal says: run it again with --full
    (running it again without --quick would change nothing)."""
    said, out = self_checked
    command = f"grade --self-check {out.parent / 'solo' / 'hw6'} --full"
    assert f"run `{command}` to check them" in said
    for name in ("report.md", "report.html"):
        text = (out / "s0" / name).read_text().replace("\\", "")  # Markdown escapes
        assert "quick mode: 1 final-metric claim pending" in text and command in text, name
        assert "without `--quick`" not in text and "without <code>--quick</code>" not in text, name
    assert command in (out / "index.html").read_text()


def test_a_self_check_without_an_assignment_says_the_total_is_the_package_default(self_checked):
    """F10: no assignment.toml was read, so the total is not "assignment.toml total_points"."""
    said, _ = self_checked
    assert (
        "rubric total of 100 (the package default total_points)" in said and "assignment.toml total_points" not in said
    )
    assert "assignment: none beside the folder, so the package defaults" in said


def test_a_warning_that_cost_nothing_is_not_a_failed_gradescope_test():
    """F4: a warning with nothing lost (the 0-point reproducible check of a chaotic config, a 1/1 warn) is no red
    "failed" test on Gradescope: no status (shown by its score: full marks) and its output says it is a warning (a
    note, where it is the config's: probe 21); a warning that cost points is "failed". PrairieLearn shows every test
    by its points: full marks there too."""
    checks = [CheckResult("config", "submission", "pass", "ok", points=1, max_points=1),
              CheckResult("reproducible", "run", "warn", "Chaotic: a nudge moves the loss by 12%.", points=0,
                          max_points=0),
              CheckResult("baseline", "run", "warn", "Logs unusable; nothing deducted.", points=1, max_points=1),
              CheckResult("accuracy_claim", "run", "warn", "Partial credit.", claimed=0.9, points=1,
                          max_points=2)]  # fmt: skip
    s = StudentResult("s0", "S", "s0", checks=checks)
    data = s.to_gradescope()
    assert validate_results("gradescope", data) == []
    tests = {t["name"]: t for t in data["tests"]}
    for name, said in (("reproducible · run", "Note"), ("baseline · run", "Warning")):  # a note: the config's
        assert "status" not in tests[name] and tests[name]["output"].startswith(f"{said} (nothing deducted): ")
        assert tests[name]["score"] == tests[name]["max_score"]
    assert tests["accuracy_claim · run"]["status"] == "failed" and tests["config · submission"]["status"] == "passed"
    pl = {t["name"]: t for t in s.to_prairielearn()["tests"]}
    assert pl["reproducible · run"]["points"] == pl["reproducible · run"]["max_points"]


def test_a_pending_check_is_no_failed_gradescope_test():
    """Gradescope shows a test without a status as failing below full marks (its specification's "Test case
    status"): a check not checked here that lost nothing — all pending, or a chaotic rerun's credit given and the
    rest pending — is "passed" with its score out of its whole share and says it was not checked; one that lost
    points besides its pending part is "failed"."""
    checks = [CheckResult("lr_claim", "sweep", "skip", "Not checkable on mnist-5k.", claimed=0.01, max_points=0,
                          pending=2, why="proxy"),
              CheckResult("accuracy_claim", "run", "warn", "Not graded automatically: the rerun is chaotic.",
                          claimed=0.97, points=0.5, max_points=0.5, pending=1.5, why="chaotic"),
              CheckResult("loss_claim", "run", "warn", "Partial credit; the rest pending.", claimed=0.1, points=0.5,
                          max_points=1, pending=1, why="chaotic")]  # fmt: skip
    s = StudentResult("s0", "S", "s0", checks=checks)
    data = s.to_gradescope()
    assert validate_results("gradescope", data) == []
    tests = {t["name"].removesuffix(" (not checked here)"): t for t in data["tests"]}
    for name in ("lr_claim · sweep", "accuracy_claim · run"):
        t = tests[name]
        assert t["status"] == "passed" and t["score"] < t["max_score"], t
        assert t["name"].endswith("(not checked here)")
        assert t["output"].startswith("Pending review (nothing deducted): ")
    assert tests["lr_claim · sweep"]["score"] == 0 and tests["accuracy_claim · run"]["score"] > 0
    assert tests["loss_claim · run"]["status"] == "failed"  # half its checked part lost
    # PrairieLearn draws a red cross wherever points < max_points: a test is out of the part of its share checked
    pl = {t["name"].removesuffix(" (not checked here)"): t for t in s.to_prairielearn()["tests"]}
    assert pl["lr_claim · sweep"]["points"] == pl["lr_claim · sweep"]["max_points"] == 0
    assert 0 < pl["accuracy_claim · run"]["points"] == pl["accuracy_claim · run"]["max_points"]
    assert pl["loss_claim · run"]["points"] < pl["loss_claim · run"]["max_points"]
    assert pl["loss_claim · run"]["message"].startswith("Pending review, partly deducted: ")
    rest = [t for n, t in pl.items() if n != "loss_claim · run"]
    assert all(t["message"].startswith("Pending review (nothing deducted): ") for t in rest)


def _train(name: str, epochs: int, ran: int, accuracy: float, diverged: bool = False) -> RunRecord:
    final = {"epoch": ran, "step": 32 * ran, "test_accuracy": accuracy, "test_loss": 0.3}
    return RunRecord(name, "train", name, {"epochs": epochs},
                     {"final": final, "diverged": {"step": 1, "reason": "nan"} if diverged else None})  # fmt: skip


def test_the_leaderboard_says_which_epoch_its_accuracy_is_at():
    """F5: a quick rerun's accuracy is at its last epoch rerun, not the run's final one; probe 23: ranked on the
    leaderboard, it ranks schedules' early epochs (an honest OneCycle run at 0.675 at epoch 3), not results — a
    quick grade has no entry; a full rerun's is the final test accuracy; a grade that reran no training (deferred)
    has no entry (not 0). A diverged rerun is left out. Every results.json stays valid against Gradescope's
    schema."""
    quick = StudentResult("s0", "S", "s0", runs=[_train("a", 30, 3, 0.912), _train("b", 30, 3, 0.904),
                                                 _train("c", 30, 1, 0.99, diverged=True)])  # fmt: skip
    full = StudentResult("s0", "S", "s0", runs=[_train("a", 30, 30, 0.965), _train("b", 30, 30, 0.96)])
    none = StudentResult("s0", "S", "s0", runs=[RunRecord("a", "train", "a", {"epochs": 30}, None)])
    assert "leaderboard" not in quick.to_gradescope()
    assert full.to_gradescope()["leaderboard"] == [{"name": "Final test accuracy", "value": 0.965}]
    assert "leaderboard" not in none.to_gradescope()
    for s in (quick, full, none):
        assert validate_results("gradescope", s.to_gradescope()) == []


def test_a_submission_that_states_no_claim_is_not_a_pass(tmp_path):
    """A PASS must check something the student reported: the same sweep and run with every claimed figure left out
    ran cleanly, but a grade that checked no claim reads UNVERIFIED, in the terminal's class table, the report and
    Gradescope's summary, with one line saying which fields (or logs) would give it claims to check; the claims left
    out (the sweep's LR, the judged run's accuracy and loss) keep their points pending, so leaving them out never
    scores more than stating true ones. With the run's own figures claimed it is a PASS."""
    claimless = "\n".join(line for line in SUB.splitlines() if not line.startswith("claimed_")) + "\n"
    assert "claimed" not in claimless and claimless.count("[[") == 2  # the sweep and the run are still there

    def graded(text: str, name: str):
        root = tmp_path / name
        (root / "s0").mkdir(parents=True)
        (root / "s0" / "submission.toml").write_text(text)
        (root / "assignment.toml").write_text(ASSIGNMENT)
        s = grade_class(root, out=root / "out", quick=False, jobs=1, cache_dir=tmp_path / "cache").students[0]
        return s, (root / "out" / "s0" / "report.md").read_text()

    s, report = graded(claimless, "claimless")
    assert not s.failed_checks and s.verdict == "unverified", s.coverage
    assert s.claims == (0, 0) and s.claimless and s.unstated == 3 and s.pending > 0
    assert "nothing this submission reported was checked" in s.coverage
    assert "claims not stated: 3 claims pending" in s.unchecked_reason and "claimed_lr" in s.unchecked_reason
    assert "Verdict: UNVERIFIED" in s.to_gradescope()["output"] and "**Verdict: UNVERIFIED**" in report
    bare = s.total
    final = next(r.result["final"] for r in s.runs if r.kind == "train")
    pick = next(r.result["suggestions"]["min/10"] for r in s.runs if r.kind == "range-test")
    own = claimless.replace('rule = "min/10"\n', f'rule = "min/10"\nclaimed_lr = {pick:.3g}\n').replace(
        "epochs = 2\n", f"epochs = 2\nclaimed_test_accuracy = {final['test_accuracy']}\n"
        f"claimed_test_loss = {final['test_loss']:.4f}\n")  # fmt: skip
    s, report = graded(own, "claimed")
    assert not s.failed_checks and s.verdict == "pass" and not s.unstated and not s.claimless, s.coverage
    assert s.claims[0] >= 2 and s.total > bare and "**Verdict: PASS**" in report  # true claims score more


def test_prairielearn_grades_an_honest_csv_log_stored_flat(tmp_path, mnist5k):
    """PrairieLearn's pl-file-upload stores each uploaded file by its name alone in /grade/student: a submission.toml
    naming `logs = "logs/const.csv"` arrives beside `const.csv`, not above a logs/ folder. The grader reads the file
    from the top of the upload and says so; the honest log (the student's own run of the config, another seed) gives
    the claim the submission left to it and is borne out by the rerun: nothing is charged to the student."""
    from grader.load import load_assignment, load_submission
    from grader.plan import plan
    from reference.loop import run
    from reference.outputs import logs_from_result, write_csv

    text = "\n".join(line for line in SUB.splitlines() if not line.startswith("claimed_test")) + "\n"
    text += 'logs = "logs/const.csv"\n'  # the [[run]] is the last entry of SUB
    root = platform_tree(tmp_path, "prairielearn", text)
    student = root / "student"
    a = load_assignment(tmp_path)
    config = next(p.config for p in plan(load_submission(student, a).submission, a, False) if p.kind == "train")
    own = run(config.model_copy(update={"seed": 1}), device="cpu", data=mnist5k)  # the student's own run
    write_csv(logs_from_result(own), student / "const.csv")  # where PrairieLearn puts an uploaded const.csv
    assert sorted(p.name for p in student.iterdir()) == ["const.csv", "submission.toml"]
    data = autograde("prairielearn", root, tmp_path / "assignment.toml", cache_dir=tmp_path / "cache")
    assert data["gradable"] is True and validate_results("prairielearn", data) == []
    tests = {t["name"].removesuffix(" (not checked here)"): t for t in data["tests"]}
    assert tests["logs · const"]["message"].startswith("The log matches the rerun"), tests["logs · const"]
    assert "no such file" not in json.dumps(data)
    said = data["output"].replace("\\", "")  # Markdown escapes
    assert "logs 'logs/const.csv': not in the submission's folders; read \"const.csv\" from its top level" in said
    assert "test accuracy taken from its logs" in said and "**Verdict: FAIL**" not in said
    assert all(t["points"] == t["max_points"] for t in data["tests"]), data["tests"]  # nothing charged
    # the figure is the log's epoch 2, which the upload's quick rerun (1 of 2 epochs) did not compare: pending, said
    # so, never full marks for what was not checked (examiner probe 27)
    claim = tests["accuracy_claim · const"]
    assert claim["max_points"] == 0 and "Quick mode reran 1 of 2 epochs" in claim["message"]


def test_a_log_path_through_missing_folders_is_looked_for_at_the_top(tmp_path):
    """The flat lookup takes only the named file's own name at the top of the upload, never a link; a TensorBoard
    folder flattened into event files is not guessed at: its error says to name the event file itself."""
    from grader.logs import LogError, locate

    (tmp_path / "a.csv").write_text("step\n")
    notes: list[str] = []
    assert locate(tmp_path, "logs/a.csv", notes) == tmp_path / "a.csv" and len(notes) == 1
    assert locate(tmp_path, "a.csv", notes) == tmp_path / "a.csv" and len(notes) == 1  # found as named: no note
    with pytest.raises(LogError, match='runs/sgd.*no such file or folder.*name the file itself: logs = "sgd"'):
        locate(tmp_path, "runs/sgd", notes)
    # examiner probe 23: a run folder whose event file was uploaded alone — the hint named the folder ("sgd"), which
    # no upload holds; it names the event file stored at the top
    (tmp_path / "events.out.tfevents.1.vm.1.0").write_bytes(b"")
    with pytest.raises(LogError, match='event file is stored by its own name: name it, logs = "events.out.tfevents.1'):
        locate(tmp_path, "runs/sgd", notes)
    (tmp_path / "b.csv").symlink_to(tmp_path / "a.csv")
    with pytest.raises(LogError, match="symlink"):
        locate(tmp_path, "logs/b.csv", notes)
