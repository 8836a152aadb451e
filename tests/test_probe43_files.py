"""Examiner probe 43: honest students who lost points only for how their submission folder is written.

- H5: `Submission.toml`, `submission.TOML`, `submission.toml.txt` (Windows hides the extension) were not found: ERROR
  0/100 (a case-insensitive disk, macOS's or Windows', finds them: the student's own self-check passed), and the
  self-check's line did not say what the folder holds.
- M2: a log path written as an absolute path of the student's machine was dropped, the claims judged on the rerun.
- L1: a `[[range_test]]` of `steps = 320` (10 epochs of mnist-5k) was another config than the same sweep written
  `epochs = 10`: rerun, its LR claim judged on one rerun instead of the committed reference seeds.

Real small folders in tmp_path, read by the real loader, the CLI or `grade_class`; nothing here reruns a model."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from grader.autograde import find_submission
from grader.cli import main
from grader.grade import grade_class
from grader.load import load_class, load_submission
from grader.plan import plan
from grader.schema import Assignment, Submission
from reference.datasets import steps_per_epoch
from reference.outputs import Logs, write_csv

REPO = Path(__file__).resolve().parents[1]
STUDENT = '[student]\nid = "{id}"\nname = "A Student"\n'
CONFIG_PY = "BATCH_SIZE = 128\nNUM_EPOCHS = 30\nOPTIMIZER = 'sgd'\nLEARNING_RATE = 0.05\nMOMENTUM = 0.9\n"


def folder(root: Path, name: str, files: dict[str, str]) -> Path:
    d = root / name
    d.mkdir(parents=True)
    for f, text in files.items():
        (d / f).parent.mkdir(parents=True, exist_ok=True)
        (d / f).write_text(text, encoding="utf-8")
    return d


# ---------------------------------------------------------------- H5: the submission file's name


@pytest.mark.parametrize(
    ("name", "read_as"),
    [("Submission.toml", "submission.toml"), ("SUBMISSION.TOML", "submission.toml"),
     ("submission.TOML", "submission.toml"), ("submission.toml.txt", "submission.toml"),
     ("Config.py", "config.py"), ("config.py.txt", "config.py")],
)  # fmt: skip
def test_a_submission_file_in_another_case_or_with_txt_is_read_with_one_note(tmp_path, name, read_as):
    """H5: read as the file itself (was: ERROR "no submission.toml or config.py"), one note saying to rename it."""
    d = folder(tmp_path, "s1", {name: CONFIG_PY if read_as == "config.py" else STUDENT.format(id="s1")})
    x = load_submission(d)
    assert x.error is None and x.submission is not None, x.error
    assert x.legacy == (read_as == "config.py")
    said = [w for w in x.warnings if "rename" in w]
    assert said == [f'read "{name}" as {read_as}: rename it to {read_as} ('
                    + ("Windows hides the .txt extension: show file name extensions to see it)" if name.endswith(".txt")
                       else "file names differ by case on Linux, where the class is graded)")], x.warnings  # fmt: skip


def test_the_note_reaches_the_students_report_and_cli_once(tmp_path, capsys):
    """H5: the self-check (`grade check FOLDER`) of a Submission.toml: the note once in the CLI and once in
    report.md; `grade check FOLDER/Submission.toml` grades its folder, as for submission.toml."""
    d = folder(tmp_path, "mine", {"Submission.toml": STUDENT.format(id="s1")})
    out = tmp_path / "out"
    note = 'read "Submission.toml" as submission.toml: rename it to submission.toml'
    for given in (d, d / "Submission.toml"):
        shutil.rmtree(out, ignore_errors=True)
        main(["check", str(given), "--device", "cpu", "--jobs", "1", "--cache", str(tmp_path / "cache"), "--out",
              str(out)])  # fmt: skip
        std = capsys.readouterr()
        assert std.out.count(note) == 1, std.out
        assert "no submission.toml" not in std.out + std.err
        (report,) = out.glob("*/report.md")
        assert report.read_text().count(note) == 1


def test_the_exact_name_wins_and_the_other_is_said_unread(tmp_path):
    """H5: submission.toml beside Submission.toml (or submission.toml.txt): the exact name is read, a note names the
    other, not read."""
    for i, other in enumerate(("Submission.toml", "submission.toml.txt")):
        d = folder(tmp_path, f"s{i}", {"submission.toml": STUDENT.format(id="s1"), other: "not TOML ["})
        x = load_submission(d, ids="file")
        assert x.error is None and x.submission.student.id == "s1", x.error
        assert [w for w in x.warnings if "not read" in w] == [f'submission.toml read; "{other}" not read (delete it)']
    d = folder(tmp_path, "legacy", {"config.py": CONFIG_PY, "Config.py": "LEARNING_RATE = 'x'\n"})
    x = load_submission(d)
    assert x.error is None and x.legacy and 'config.py read; "Config.py" not read (delete it)' in x.warnings


def test_on_a_case_insensitive_disk_the_file_is_read_and_said_as_on_linux(tmp_path):
    """H5: where `submission.toml` is `Submission.toml` itself (a case-insensitive disk, macOS's or Windows'; here a
    hard link, one entry under both names) the self-check says what the Linux grade says, not "not read"."""
    d = folder(tmp_path, "s1", {"Submission.toml": STUDENT.format(id="s1")})
    os.link(d / "Submission.toml", d / "submission.toml")
    x = load_submission(d, ids="file")
    assert x.error is None and [w for w in x.warnings if "read" in w] == [
        'read "Submission.toml" as submission.toml: rename it to submission.toml (file names differ by case on Linux, '
        "where the class is graded)"]  # fmt: skip
    d = folder(tmp_path, "s2", {"hw6/Submission.toml": STUDENT.format(id="s2")})
    os.link(d / "hw6" / "Submission.toml", d / "hw6" / "submission.toml")
    assert load_submission(d).warnings[0].startswith("Graded hw6/Submission.toml:")  # a class's, found below


def test_two_other_spellings_and_no_exact_name_are_refused_naming_both(tmp_path):
    """H5: which of two is the student's is not guessed: one line naming both."""
    d = folder(tmp_path, "s1", {"Submission.toml": STUDENT.format(id="s1"), "SUBMISSION.TOML": STUDENT.format(id="x")})
    assert load_submission(d).error == ('no submission.toml, but 2 files named like it: "SUBMISSION.TOML" and '
                                        '"Submission.toml"; keep one, named submission.toml')  # fmt: skip
    d = folder(tmp_path, "s2", {"Submission.toml": STUDENT.format(id="s2"), "submission.toml.txt": "x"})
    assert load_submission(d, ids="file").error.startswith('no submission.toml, but 2 files named like it: '
                                                           '"Submission.toml" and "submission.toml.txt"')  # fmt: skip


def test_a_fifo_or_a_link_named_like_the_file_is_refused_without_blocking(tmp_path, alarm):
    """H5, kept safe: another spelling is read as the name itself is, by `read_text` — a FIFO, a link (to /dev/zero,
    to a secret outside the folder) or a folder of that name is refused with one line, nothing that blocks opened."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOKEN=tok_0123456789\n")
    os.mkfifo(folder(tmp_path, "fifo", {}) / "Submission.toml")
    os.mkfifo(folder(tmp_path, "fifo-txt", {}) / "submission.toml.txt")
    os.symlink(secret, folder(tmp_path, "secret", {}) / "Submission.toml")
    os.symlink("/dev/zero", folder(tmp_path, "zero", {}) / "CONFIG.PY")
    (folder(tmp_path, "dir", {}) / "Submission.toml").mkdir()
    errors = {x.folder.name: x.error for x in load_class(sorted(p for p in tmp_path.iterdir() if p.is_dir()))}
    assert errors.pop("zero").startswith("CONFIG.PY is a symbolic link, not a regular file: submit the file itself")
    assert errors == {
        "fifo": "Submission.toml is a named pipe (FIFO), not a regular file: submit the file itself",
        "fifo-txt": "submission.toml.txt is a named pipe (FIFO), not a regular file: submit the file itself",
        "secret": "Submission.toml is a symbolic link, not a regular file: submit the file itself",
        "dir": "Submission.toml is a folder, not a regular file: submit the file itself",
    }
    for d in ("fifo", "secret"):  # a self-check's too
        assert load_submission(tmp_path / d, ids="file").error == errors[d]


def test_the_self_check_says_what_the_folder_holds(tmp_path, capsys):
    """H5: a self-check's folder with no submission file lists what it holds, as a class grade's line does (it is not
    searched below, so it does not say "nor 3 folders down")."""
    d = folder(tmp_path, "mine", {"submision.toml": STUDENT.format(id="s1"), "report.pdf": "%PDF"})
    assert load_submission(d, ids="file").error == ('no submission.toml or config.py in this folder (it holds '
                                                    '"report.pdf", "submision.toml")')  # fmt: skip
    main(["check", str(d), "--device", "cpu", "--jobs", "1", "--cache", str(tmp_path / "cache"), "--out",
          str(tmp_path / "out")])  # fmt: skip
    assert '(it holds "report.pdf", "submision.toml")' in capsys.readouterr().out


def test_another_spelling_is_found_a_folder_down_as_the_name_is(tmp_path):
    """H5: a zip extracted one level deeper (with __MACOSX/ beside it) holding Submission.toml or submission.toml.txt:
    found by a class grade and an upload grade, each line naming the file as it is."""
    root = tmp_path / "class"
    folder(root, "s1", {"hw6/Submission.toml": STUDENT.format(id="s1"), "__MACOSX/hw6/._Submission.toml": "x"})
    folder(root, "s2", {"s2/submission.toml.txt": STUDENT.format(id="s2")})
    folder(root, "s3", {"a/Submission.toml": STUDENT.format(id="s3"), "b/submission.toml": STUDENT.format(id="s3")})
    x = {x.id: x for x in load_class(sorted(root.iterdir()))}
    assert x["s1"].error is None and x["s1"].read_from == root / "s1" / "hw6"
    assert x["s1"].warnings[:2] == ["Graded hw6/Submission.toml: the folder's top holds no submission.toml or "
                                    "config.py.", 'read "Submission.toml" as submission.toml: rename it to '
                                    "submission.toml (file names differ by case on Linux, where the class is "
                                    "graded)"]  # fmt: skip
    assert x["s2"].error is None and x["s2"].warnings[0].startswith("Graded s2/submission.toml.txt:")
    assert x["s3"].error.startswith("the folder holds 2 submissions (a/Submission.toml, b/submission.toml)")
    assert find_submission(root / "s2")[0] == root / "s2" / "s2"  # an upload's


# ---------------------------------------------------------------- M2: a log path written as an absolute path


def _log(path: Path) -> Path:
    """A small real CSV log of a 2-epoch run (32 steps an epoch)."""
    n = 64
    logs = Logs("", list(range(n)), [0.05] * n, [2.3 - i * 0.02 for i in range(n)], [1, 2], [0.40, 0.30],
                [0.90, 0.93], epoch_step=[31, 63])  # fmt: skip
    return write_csv(logs, path)


RUN = """
[[run]]
name = "{name}"
optimizer = "sgd"
momentum = 0.9
lr = 0.05
epochs = 2
logs = '{logs}'
"""


def _with_logs(tmp_path: Path, *logs: str, files: tuple[str, ...] = ("logs/sgd.csv",)) -> Path:
    text = STUDENT.format(id="s1") + "".join(RUN.format(name=f"r{i}", logs=p) for i, p in enumerate(logs))
    d = folder(tmp_path, "s1", {"submission.toml": text})
    for f in files:
        _log(d / f)
    return d


@pytest.mark.parametrize(
    ("written", "files", "read_as"),
    [("/Users/alice/cs5260/hw6/logs/sgd.csv", ("logs/sgd.csv",), "logs/sgd.csv"),
     ("C:\\Users\\alice\\hw6\\logs\\sgd.csv", ("logs/sgd.csv",), "logs/sgd.csv"),
     ("C:/Users/alice/hw6/logs/sgd.csv", ("logs/sgd.csv",), "logs/sgd.csv"),
     ("\\\\fs01\\home\\alice\\hw6\\logs\\sgd.csv", ("logs/sgd.csv",), "logs/sgd.csv"),
     ("/home/bob/a6/logs/sgd.csv", ("sgd.csv",), "sgd.csv"),  # only its last part there, at the top
     ("/home/bob/a6/logs/sgd.csv", ("sgd.csv", "logs/sgd.csv"), "logs/sgd.csv")],  # the longest part there wins
)  # fmt: skip
def test_an_absolute_log_path_is_read_as_its_trailing_part_in_the_folder(tmp_path, written, files, read_as):
    """M2: the longest trailing part that is in the folder (`logs/sgd.csv`; else the file at its top), one note, and
    the log read (was: "Logs not used", the claims judged on the rerun)."""
    x = load_submission(_with_logs(tmp_path, written, files=files))
    assert x.error is None and x.submission.run[0].logs == read_as
    assert isinstance(x.evidence.logs["r0"], Logs) and x.evidence.logs["r0"].test_accuracy == [0.90, 0.93]
    assert [w for w in x.warnings if "logs" in w] == [
        f'run[0].logs = "{written}" read as "{read_as}": the file of that name in your submission folder; write paths '
        "relative to the folder"]  # fmt: skip


def test_an_absolute_tensorboard_folder_is_read_as_the_folder_of_that_name(tmp_path):
    """M2: `/home/bob/a6/logs/sgd-multistep/` (a TensorBoard run folder, trailing slash): the bundled s009's event
    folder, read from logs/sgd-multistep."""
    d = tmp_path / "s009"
    shutil.copytree(REPO / "submissions" / "s009-logs-diagnosed", d)
    toml = d / "submission.toml"
    toml.write_text(
        toml.read_text().replace('logs = "logs/sgd-multistep"', 'logs = "/home/bob/a6/logs/sgd-multistep/"')
    )
    x = load_submission(d, ids="file")
    assert x.error is None and x.submission.run[0].logs == "logs/sgd-multistep"
    (name,) = [r.name for r in x.submission.run]
    assert isinstance(x.evidence.logs[name], Logs) and len(x.evidence.logs[name].epoch) == 30
    assert 'read as "logs/sgd-multistep": the folder of that name in your submission folder' in " ".join(x.warnings)


def test_an_absolute_path_with_nothing_of_it_in_the_folder_says_to_write_it_relative(tmp_path):
    """M2: no trailing part in the folder: "Logs not used" as before, its line saying what to write; the run graded."""
    x = load_submission(_with_logs(tmp_path, "/Users/alice/hw6/runs/adam.csv"))
    assert x.error is None and x.submission.run[0].logs is None and not x.evidence.logs
    assert 'Logs not used: run[0].logs: an absolute path (a place on your machine), and no trailing part of it is a ' \
        "file or folder in the submission folder: write the path relative to the submission folder, e.g. logs = " \
        '"logs/run.csv", got "/Users/alice/hw6/runs/adam.csv"' in x.warnings  # fmt: skip


def test_an_absolute_path_never_reads_outside_the_folder(tmp_path):
    """M2, kept safe: beside a path read as its trailing part, one through a link out of the folder, one to a link at
    its top, one with `..` and one over 200 characters stay refused (the last two with today's line); the secret
    outside is never read or named."""
    outside = tmp_path / "outside"
    _log(outside / "sgd.csv")
    (outside / "secret.csv").write_text("step,lr,train_loss\n0,0.1,TOKEN_tok_0123456789\n")
    long = "/home/" + "x" * 190 + "/logs/sgd.csv"
    d = _with_logs(tmp_path, "/Users/alice/hw6/logs/sgd.csv", "/Users/alice/hw6/out/sgd.csv",
                   "/Users/alice/hw6/secret.csv", "/Users/alice/../../logs/sgd.csv", long)  # fmt: skip
    os.symlink(outside, d / "out")
    os.symlink(outside / "secret.csv", d / "secret.csv")
    x = load_submission(d)
    assert x.error is None and [r.logs for r in x.submission.run] == ["logs/sgd.csv", None, None, None, None]
    assert list(x.evidence.logs) == ["r0"]
    unused = [w for w in x.warnings if w.startswith("Logs not used")]
    assert len(unused) == 4 and "TOKEN" not in " ".join(x.warnings) and str(outside) not in " ".join(x.warnings)
    assert [w.split(": ", 2)[2][:40] for w in unused] == ["an absolute path (a place on your machin"] * 2 + [
        "must be a path inside the submission fol"] * 2  # fmt: skip


# ---------------------------------------------------------------- L1: a sweep's length in steps


SWEEP = """
[[range_test]]
name = "sgd-sweep"
optimizer = "sgd"
momentum = 0.9
start_lr = 1e-5
end_lr = 10.0
{length}
rule = "steepest"
claimed_lr = 0.0446
"""


def _sweep(length: str, claimed_on: str | None = None) -> Submission:
    setup = {"dataset": "mnist-5k", **({"claimed_on": claimed_on} if claimed_on else {})}
    key, value = length.split(" = ")
    rt = {"name": "sweep", "optimizer": "sgd", "momentum": 0.9, "start_lr": 1e-5, "end_lr": 10.0, key: int(value)}
    return Submission.model_validate({"student": {"id": "s1", "name": "S"}, "setup": setup, "range_test": [rt]})


def test_a_sweep_of_whole_epochs_in_steps_plans_as_the_same_sweep_in_epochs():
    """L1: `steps = 320` on mnist-5k (32 steps an epoch at batch 128) is `epochs = 10`, and `steps = 4690` claimed on
    MNIST (469 an epoch, kept on mnist-5k) is its `epochs = 10`: the same RunConfig. Steps of no whole number of
    epochs stay a sweep cut at that step."""
    a = Assignment()
    assert steps_per_epoch("mnist-5k", 128) == 32 and steps_per_epoch("mnist", 128) == 469
    config = lambda sub: plan(sub, a, quick=True)[0].config  # noqa: E731
    assert config(_sweep("steps = 320")) == config(_sweep("epochs = 10"))
    assert config(_sweep("steps = 4690", "mnist")) == config(_sweep("epochs = 10", "mnist"))
    cut = config(_sweep("steps = 320", "mnist"))  # 320 of MNIST's 469-step epochs: as before
    assert (cut.epochs, cut.max_steps, cut.epoch_steps) == (1, 320, 469)
    cut = config(_sweep("steps = 100"))
    assert (cut.epochs, cut.max_steps) == (4, 100)


def test_a_class_grade_of_the_steps_form_judges_the_lr_claim_on_the_committed_seeds(tmp_path):
    """L1: the steps form's LR claim judged "against … committed reference seeds", as the epochs form's (was: rerun,
    and judged on one rerun with the wider k·√2·σ); nothing is rerun."""
    root = tmp_path / "class"
    root.mkdir()
    (root / "assignment.toml").write_text('dataset = "mnist-5k"\nrequired = ["range_test"]\n')
    for name, length in (("steps", "steps = 320"), ("epochs", "epochs = 10")):
        folder(root, name, {"submission.toml": STUDENT.format(id=name) + SWEEP.format(length=length)})
    result = grade_class(root, out=None, quick=True, jobs=1, cache_dir=tmp_path / "cache", device="cpu")
    said = {s.id: next(c.message for c in s.checks if c.check == "lr_claim") for s in result.students}
    assert "committed reference seeds of this exact sweep" in said["steps"], said["steps"]
    assert said["steps"] == said["epochs"]
    assert not any((tmp_path / "cache").rglob("*"))  # no rerun
