"""Examiner probe 44: the forms read since probe 43, attacked. Nothing outside the folder was read and nothing hung;
these were wrong: an accuracy written twice, as a fraction and a percent, read once or refused by float rounding
(0.963 and 96.3 read, 0.964 and 96.4 refused); a setting above the first header under another word (`bs = 64`)
dropped as a comment, the rerun at the default; 28,500 junk keys making 28,500 notes (a 3 MB report); `[Setup]` or
`[[RUN]]` refused with a false "given under another name"; ConstantLR read as constant dropping its other arguments
unsaid; `name = ["multistep"]` an internal error; `lr = "1e-999"` "got 0"; and, under baseline_runs = "final", an
unmarked refused run charged a baseline its valid twin owes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.grade import grade_class
from grader.load import load_submission
from tests.test_probe43_forms import CANONICAL, write


def load(tmp_path: Path, text: str):
    return load_submission(write(tmp_path / "s1", text))


@pytest.mark.parametrize("fraction", [f"0.9{i:02d}" for i in range(100)])
def test_an_accuracy_written_as_a_fraction_and_a_percent_is_one_claim(tmp_path, fraction):
    percent = f"{float(fraction) * 100:.1f}"
    text = CANONICAL.format(id="s1").replace("claimed_test_accuracy = 0.967", f"claimed_test_accuracy = {fraction}\n"
                                             f"test_accuracy = {percent}")  # fmt: skip
    x = load(tmp_path, text)
    assert x.error is None and not x.submission._apart, (fraction, percent)
    assert x.submission.run[0].claimed_test_accuracy == float(fraction)


def test_a_setting_above_the_first_header_is_read_under_its_other_words_and_an_entrys_field_is_refused(tmp_path):
    x = load(tmp_path / "a", "bs = 64\nwd = 0.0005\n" + CANONICAL.format(id="s1"))
    assert x.error is None and x.submission.setup.batch_size == 64 and x.submission.run[0].weight_decay == 5e-4
    assert any("bs = 64 (above every [section] header) read as [setup] batch_size" in w for w in x.warnings)
    lr = load(tmp_path / "b", "lr = 0.1\n" + CANONICAL.format(id="s1"))  # it would set runs: not dropped unsaid
    assert lr.submission is None and "lr: unknown key" in lr.error


def test_junk_keys_make_a_bounded_report(tmp_path):
    junk = "".join(f"k{i}=1\n" for i in range(20_000))  # within the file's 256 KiB
    x = load(tmp_path, junk + CANONICAL.format(id="s1"))
    assert x.error is None and len(x.warnings) < 50 and sum(len(w) for w in x.warnings) < 20_000
    assert any("and 19,995 more not read" in w for w in x.warnings)


CASES = [
    ("[Setup]", "[setup]"),
    ("[STUDENT]", "[student]"),
    ("[[RUN]]", "[[run]]"),
    ("[[Range_Test]]", "[[range_test]]"),
]


@pytest.mark.parametrize(("written", "read"), CASES)
def test_a_section_name_in_another_case_is_read(tmp_path, written, read):
    text = '[setup]\ndataset = "mnist-5k"\n' + CANONICAL.format(id="s1")
    bare = read.strip("[]")
    x = load(tmp_path, text.replace(read, written))
    assert x.error is None and not x.submission._apart, x.error
    assert any(f"{written} read as {read}" in w for w in x.warnings)
    assert getattr(x.submission, bare) if bare in ("run", "range_test") else [getattr(x.submission, bare)]


def test_constant_lr_keeps_its_other_arguments_for_their_warning_and_factors_as_text_are_read(tmp_path):
    run = 'name = "r"\noptimizer = "sgd"\nlr = 0.05\nepochs = 30\nclaimed_test_accuracy = 0.9\n'
    head = CANONICAL.format(id="s1").split("[[run]]")[0] + "[[run]]\n" + run
    x = load(tmp_path / "a", head + 'schedule = { name = "ConstantLR", factor = 1.0, milestones = [15, 25] }\n')
    assert x.submission.run[0].schedule.name == "constant"
    assert any("milestones" in w for w in x.warnings), x.warnings  # said, as for name = "constant"
    text = load(tmp_path / "b", head + 'schedule = { name = "ConstantLR", factor = "1" }\n')
    assert text.submission.run[0].schedule.name == "constant" and not text.submission._apart
    warm = load(tmp_path / "c", head + 'schedule = { name = "LinearLR", start_factor = 0.5, total_iters = 4 }\n')
    (apart,) = warm.submission._apart.values()
    assert "with start_factor 0.5, total_iters 4 (torch's defaults for the rest" in apart.why


def test_a_scheduler_name_that_is_not_text_is_one_line_not_an_internal_error(tmp_path):
    for i, name in enumerate(('["multistep"]', "{}", "3")):
        run = f'name = "r"\noptimizer = "sgd"\nlr = 0.05\nepochs = 30\nschedule = {{ name = {name} }}\n'
        x = load(tmp_path / str(i), CANONICAL.format(id="s1").split("[[run]]")[0] + "[[run]]\n" + run)
        assert x.internal is None and x.submission and "run[0].schedule.name" in x.submission._apart["r"].why


def test_a_number_below_floats_is_not_read_as_zero(tmp_path):
    x = load(tmp_path, CANONICAL.format(id="s1").replace("lr = 0.0506", 'lr = "1e-999"'))
    why = x.submission._apart["sgd-multistep"].why
    assert 'run[0].lr: must be a number, got the text "1e-999"' in why and "got 0" not in why


def test_under_baseline_runs_final_an_unmarked_refused_run_owes_no_baseline(tmp_path):
    root = tmp_path / "class"
    run = 'name = "{n}"\noptimizer = "adam"\nlr = 0.0011\nepochs = 30\nclaimed_test_accuracy = 0.965\n'  # no final
    final = CANONICAL.format(id="{id}")  # its sgd-multistep run marked final
    write(
        root / "s1",
        final.replace("{id}", "s1") + "\n[[run]]\n" + run.format(n="a") + 'schedule = { name = "warmup" }\n',
    )
    write(root / "s2", final.replace("{id}", "s2") + "\n[[run]]\n" + run.format(n="a"))  # its valid twin
    (root / "assignment.toml").write_text('dataset = "mnist-5k"\nbaseline_runs = "final"\n')
    one, two = grade_class(root, out=None, quick=True, jobs=1, cache_dir=tmp_path / "cache", device="cpu").students
    assert [(c.status, c.max_points) for c in one.checks if c.check == "baseline" and c.subject == "a"] == []
    assert [(c.status, c.max_points) for c in two.checks if c.check == "baseline" and c.subject == "a"] == [("skip", 0)]


def test_a_students_id_and_name_above_every_header_are_read_as_students(tmp_path):
    text = CANONICAL.format(id="s1").replace('[student]\nid = "s1"\nname = "S"\n', "")
    x = load(tmp_path, 'id = "s1"\nname = "Ann Lee"\n' + text)
    assert x.error is None and x.submission.student.name == "Ann Lee" and x.id == "s1"
    assert any('name = "Ann Lee" (above every [section] header) read as [student] name' in w for w in x.warnings)
