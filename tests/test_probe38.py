"""Examiner probe 38, a 99-submission class graded as an instructor: a zip or a stray file at the class folder's top,
a submission one level down or zipped in its folder, a malformed [student] id, a long name, ids claimed by several
folders, the hint's command line, the progress lines. Small classes of claimless submissions: no rerun."""

import io
import json
import re
import zipfile
from pathlib import Path

from grader.cli import main, parser
from grader.commands import class_command
from grader.grade import grade_class
from grader.load import load_class, load_submission
from grader.results import StudentResult
from grader.runner import ProgressLines, Rerunner


def student(folder: Path, id: str, name: str = "A Student") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "submission.toml").write_text(f'[student]\nid = "{id}"\nname = "{name}"\n', encoding="utf-8")
    return folder


def zipped(path: Path, inner: str) -> Path:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(inner, '[student]\nid = "z"\nname = "Z"\n')
    path.write_bytes(buf.getvalue())
    return path


def klass(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "assignment.toml").write_text("train_epochs = 2\nquick_epochs = 1\n")
    return root


def graded(root: Path, tmp_path: Path, capsys, *more: str) -> tuple[dict, str, str]:
    out = tmp_path / "out"
    argv = [str(root), "--quick", "--device", "cpu", "--jobs", "1", "--cache", str(tmp_path / "cache"), "--out",
            str(out), *more]  # fmt: skip
    assert main(argv) == 0
    std = capsys.readouterr()
    rows = {s["id"]: s for s in json.loads((out / "results.json").read_text())["students"]}
    return rows, std.out, std.err


def test_a_zip_at_the_class_top_is_a_row_and_a_stray_file_a_warning(tmp_path, capsys):
    """F1: class/g706.zip was in no output; stray-notes.txt neither. The instructor's files and hidden ones are not
    strays; a zip beside the folder it was unzipped into is a stray, not a second row."""
    root = klass(tmp_path / "class")
    student(root / "a", "a")
    zipped(root / "g706.zip", "g706/submission.toml")
    zipped(root / "b.zip", "b/submission.toml")
    student(root / "b", "b")
    (root / "stray-notes.txt").write_text("notes")
    (root / ".DS_Store").write_text("")
    rows, out, _ = graded(root, tmp_path, capsys)
    assert set(rows) == {"a", "b", "g706.zip"}
    assert rows["g706.zip"]["verdict"] == "error"
    assert rows["g706.zip"]["error"].startswith("a zip file, not a folder: unzip it into class/g706/")
    said = [line for line in out.splitlines() if line.startswith("warning: not graded:")]
    assert said == ["warning: not graded: 2 file(s) at the top of the class folder that are not submission folders: "
                    "b.zip, stray-notes.txt"], out  # fmt: skip


def test_a_submission_one_level_down_is_found_as_an_upload_s_is(tmp_path):
    """F2: class/g702/hw6/submission.toml graded (ERROR before), with a note saying where; a zip in the folder and
    two candidates each get a line naming what was seen."""
    root = tmp_path / "class"
    student(root / "g702" / "hw6", "g702")
    (root / "g705").mkdir(parents=True)
    zipped(root / "g705" / "sub.zip", "submission.toml")
    student(root / "two" / "x", "two")
    student(root / "two" / "y", "two")
    (root / "readme").mkdir()
    (root / "readme" / "README.md").write_text("hello")
    (root / "empty").mkdir()
    found = {x.id: x for x in load_class(sorted(root.iterdir()))}
    assert found["g702"].submission is not None and found["g702"].error is None
    assert found["g702"].warnings[0] == "Graded hw6/submission.toml: the folder's top holds no submission.toml or " \
        "config.py."  # fmt: skip
    assert found["g705"].error.startswith('no submission.toml or config.py in this folder: unzip "sub.zip" into it')
    assert found["two"].error.startswith("the folder holds 2 submissions (x/submission.toml, y/submission.toml)")
    assert found["readme"].error.endswith('nor 3 folders down (it holds "README.md")')
    assert found["empty"].error.endswith("(it is empty)")
    # an upload's or a self-check's folder (ids from the file) is read where it is, its line saying what it holds
    assert load_submission(root / "g702", ids="file").error == 'no submission.toml or config.py in this folder (it ' \
        'holds "hw6")'  # fmt: skip


def test_a_malformed_id_is_graded_under_the_folder_s_id_in_a_class(tmp_path):
    """F3: `id = "f605 bad id!"` refused the submission; a well-formed wrong id only warned."""
    folder = student(tmp_path / "f605", "f605 bad id!")
    x = load_submission(folder)
    assert x.error is None and x.id == "f605" and x.submission.student.id == "f605"
    assert x.warnings == ['[student] id "f605 bad id!" is not a valid id (1 to 64 letters, digits, _ . -): graded as '
                          "\"f605\", this folder's id"]  # fmt: skip
    refused = load_submission(folder, ids="file")  # an upload's id is its file's: still refused, one line
    assert refused.submission is None and refused.error.startswith("submission.toml: student.id")


def test_a_long_name_is_cut_not_refused(tmp_path):
    """F4: a display name of 201 characters was ERROR 0/100."""
    x = load_submission(student(tmp_path / "b232", "b232", "N" * 201))
    assert x.error is None and x.submission.student.name == "N" * 199 + "…"
    assert x.warnings == ["[student] name is 201 characters: cut to 200 in the reports"]
    assert load_submission(student(tmp_path / "b230", "b230", "N" * 200)).warnings == []


def test_the_hint_carries_the_cache_and_quotes_paths(tmp_path):
    """F5: following the hint reran everything into the default cache, and a class path with a space broke it."""
    args = parser().parse_args(["class 38", "--quick", "--cache", "/tmp/my cache", "--data-root", "d", "--device",
                                "cpu", "--jobs", "2"])  # fmt: skip
    args.out_given = False
    assert class_command(args) == "grade 'class 38' --cache '/tmp/my cache' --data-root d --device cpu --jobs 2"


def test_ids_claimed_by_other_folders_are_said_once_and_in_the_table(tmp_path, capsys):
    """F6: copies of s008 claiming its id, and three h800_ folders claiming h800, were graded under made-up ids with
    nothing in the table's first-problem column nor a class-level line."""
    root = klass(tmp_path / "class")
    (root / "assignment.toml").write_text("required = []\n")  # nothing worse than the conflict in the table
    student(root / "s008-reproducible", "s008")
    student(root / "dup1-s008copy", "s008")
    student(root / "h800_A", "h800")
    student(root / "h800_B", "h800")
    student(root / "f606", "nobody")  # a wrong id no one else claims: the old warning, no conflict
    rows, out, _ = graded(root, tmp_path, capsys)
    assert set(rows) == {"s008", "dup1-s008copy", "h800_A", "h800_B", "f606"}
    assert rows["dup1-s008copy"]["warnings"][0] == (
        'id conflict: [student] id "s008" is "s008-reproducible"\'s: graded as "dup1-s008copy", this folder\'s id'
    )
    assert sum("is not this folder's" in w for w in rows["dup1-s008copy"]["warnings"]) == 0
    assert rows["h800_A"]["warnings"][0].startswith('id conflict: [student] id "h800" is also claimed by "h800_B"')
    assert not any(w.startswith("id conflict") for w in rows["f606"]["warnings"])
    assert not any(w.startswith("id conflict") for w in rows["s008"]["warnings"])
    line = next(x for x in out.splitlines() if "claim another submission's id" in x)
    assert line.startswith("warning: 3 folder(s) claim another submission's id: dup1-s008copy, h800_A, h800_B; ")
    table = out.split("\n\n")[0]
    assert '"s008-reproducible"\'s' in next(x for x in table.splitlines() if x.startswith("dup1-s008copy"))
    s = StudentResult("x", "X", "x", warnings=["other", 'id conflict: [student] id "y" is also claimed by …'])
    assert s.first_problem == '[student] id "y" is also claimed by …'


def test_progress_says_what_reruns_and_when_reports_are_written(tmp_path, capsys):
    """F8: a second "reruns 1/1 done" (the diagnoses' counterfactual reruns), then silence while reports were
    written."""
    ProgressLines(1, label="counterfactual reruns").update()
    assert capsys.readouterr().err.startswith("counterfactual reruns 1/1 done, ")
    said = []

    class Fake:
        def run(self, planned, label="reruns"):
            said.append(label)
            return {}

        def key(self, p):
            return p

    assert Rerunner.outcomes(Fake(), []) == [] and said == ["counterfactual reruns"]
    root = klass(tmp_path / "class")
    student(root / "a", "a")
    grade_class(root, out=tmp_path / "out", quick=True, cache_dir=tmp_path / "cache", progress=True, jobs=1,
                device="cpu")  # fmt: skip
    assert "writing 1 report(s) …" in capsys.readouterr().err


def test_an_empty_submission_toml_says_it_is_empty(tmp_path):
    """F9: an empty submission.toml read "student: missing (required)"."""
    (tmp_path / "f608").mkdir()
    (tmp_path / "f608" / "submission.toml").write_text("\n  \n")
    assert load_submission(tmp_path / "f608").error == "submission.toml is empty: write your submission in it " \
        "(docs/submission.md)"  # fmt: skip


def test_a_demoted_id_is_never_another_submissions_id(tmp_path):
    """Examiner probe 39, H1: class2/s008 (a copy, id "s008") took "s008" from s008-reproducible, which was demoted
    to its folder's id "s008-reproducible", already s008-reproducible-x's [student] id: two rows of one id."""
    root = klass(tmp_path / "class")
    student(root / "s008", "s008")
    student(root / "s008-reproducible", "s008")
    student(root / "s008-reproducible-x", "s008-reproducible")
    loaded = {x.folder.name: x for x in load_class(sorted(p for p in root.iterdir() if p.is_dir()))}
    ids = [x.id for x in loaded.values()]
    assert len(set(ids)) == 3 and loaded["s008"].id == "s008"
    assert loaded["s008-reproducible-x"].id == "s008-reproducible"
    demoted = loaded["s008-reproducible"]
    assert re.fullmatch(r"s008-reproducible-[0-9a-f]{8}", demoted.id) and demoted.submission.student.id == demoted.id
    assert any(f"graded as {demoted.id}" in w or f'graded as "{demoted.id}"' in w for w in demoted.warnings)
    left: list[tuple[str, str]] = []
    folders = sorted(p for p in root.iterdir() if p.is_dir())
    assert [x.id for x in load_class(folders, only=["s008"], left_out=left)] == ["s008"]
    assert left == [(demoted.id, "s008-reproducible"), ("s008-reproducible", "s008-reproducible-x")]


def test_a_submission_below_another_is_named_not_graded_silently(tmp_path):
    """Examiner probe 39, M4: class2/s012-two/a/submission.toml graded, a/b/submission.toml never mentioned."""
    root = klass(tmp_path / "class")
    student(root / "s012-two" / "a", "s012")
    student(root / "s012-two" / "a" / "b", "s012-deeper")
    (x,) = load_class([root / "s012-two"])
    assert x.id == "s012"
    said = " ".join(x.warnings)
    assert "Graded a/submission.toml" in said and "Not graded, deeper below it: a/b/submission.toml" in said
    student(root / "s013" / "a", "s013")  # side by side: the error naming both, as before
    student(root / "s013" / "c" / "d", "s013-other")
    (y,) = load_class([root / "s013"])
    assert "holds 2 submissions (a/submission.toml, c/d/submission.toml)" in y.error
