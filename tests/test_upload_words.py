"""What an upload's report tells the student is what they can do there (examiner probe 27): on Gradescope or
PrairieLearn a student runs no command and opens no report.html, so pending points are "checked by your instructor's
full grade", and no "Plots: see report.html"; PrairieLearn shows `output` as text (HTML-escaped in a <pre>, by its
pl-external-grader-results element), so the report carries no Markdown backslash escapes there."""

from __future__ import annotations

from grader.autograde import autograde
from tests.test_autograde import SUB, platform_tree


def test_an_upload_report_names_what_the_instructor_checks_not_commands(tmp_path):
    root = platform_tree(tmp_path, "gradescope", SUB.replace('name = "Student 0"', 'name = "Ann_<b>O\'Neil</b>"'))
    (root / "source" / "assignment.toml").write_text("train_epochs = 2\nquick_epochs = 1\n")  # every check shown
    data = autograde("gradescope", root, None, cache_dir=tmp_path / "cache")
    out = data["output"]
    assert "your instructor's full grade checks them" in out, out
    assert "--full" not in out and "report.html" not in out, out


def test_prairielearn_output_is_plain_text_with_the_students_bytes_as_text(tmp_path):
    root = platform_tree(tmp_path, "prairielearn", SUB.replace('name = "Student 0"', 'name = "Ann_<b>O\'Neil</b>"'))
    data = autograde("prairielearn", root, tmp_path / "assignment.toml", cache_dir=tmp_path / "cache")
    out = data["output"]
    assert "Ann_<b>O'Neil</b>" in out and "\\_" not in out and "\\<" not in out and "\\[" not in out, out
    assert "your instructor's full grade checks them" in out and "report.html" not in out
