"""Examiner probe 43: one submission written another way. 27 honest students' files were rewritten 63 ways, each with
the same runs and claims; 23 ways cost points, 12 of them 0/100: `[[runs]]`, `torch.optim.SGD`, `lr = "0.055"`,
`epochs = 30.0`, `role = "Final"`, `comment = "…"`, `dataset = "MNIST-5k"`, `best_lr`, `learning_rate`, a claim
written twice alike, `LinearLR`. A form with one reading is now read so, with one note; one with two readings is still
refused or set apart, its line saying what to write."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from grader.grade import grade_class
from grader.load import load_submission

ROOT = Path(__file__).resolve().parents[1]

CANONICAL = """
[student]
id = "{id}"
name = "S"

[[range_test]]
name = "sgd-sweep"
optimizer = "sgd"
momentum = 0.9
start_lr = 1e-05
end_lr = 10.0
epochs = 10
rule = "steepest"
claimed_lr = 0.05

[[run]]
name = "sgd-multistep"
optimizer = "sgd"
momentum = 0.9
lr = 0.0506
epochs = 30
schedule = {{ name = "multistep", milestones = [15, 25], gamma = 0.1 }}
role = "final"
claimed_test_accuracy = 0.967
claimed_test_loss = 0.132
"""

# the same submission as students write it (each line a form probe 43 saw refused)
REWRITTEN = """
author = "S"
[student]
id = "{id}"
name = "S"
comment = "resubmitted"

[setup]
dataset = "MNIST-5k"
device = "Colab T4"

[[lr_range_test]]
name = "sgd-sweep"
optimizer = "torch.optim.SGD"
Momentum = "0.9"
start_lr = "1e-5"
end_lr = 10
epochs = 10.0
shape = "exponential"
rule = "steepest"
best_lr = 0.05
notes = "the steepest point of the smoothed loss"

[[runs]]
name = "sgd-multistep"
optimiser = "SGD"
momentum = 0.9
learning_rate = "0.0506"
epochs = 30.0
scheduler = {{ name = "torch.optim.lr_scheduler.MultiStepLR", milestones = "15, 25", gamma = 0.1, comment = "x" }}
role = "Final"
claimed_test_accuracy = 0.967
test_accuracy = "96.7%"
claimed_test_loss = 0.132
comment = "my final run"
"""


def write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "submission.toml").write_text(text)
    return folder


def test_the_same_submission_written_as_students_write_it_is_graded_the_same(tmp_path):
    root = tmp_path / "class"
    write(root / "s1", CANONICAL.format(id="s1"))
    write(root / "s2", REWRITTEN.format(id="s2"))
    (root / "assignment.toml").write_text('dataset = "mnist-5k"\n')
    result = grade_class(root, out=None, quick=True, jobs=1, cache_dir=tmp_path / "cache", device="cpu")
    one, two = result.students
    assert one.status == two.status == "graded"

    def rows(st) -> list:
        return [(c.check, c.subject, c.status, round(c.points, 6), round(c.max_points, 6), round(c.pending, 6))
                for c in st.checks]  # fmt: skip

    assert rows(one) == rows(two) and one.total == two.total and one.pending == two.pending
    assert len(rows(one)) == 6 and {r[2] for r in rows(one)} == {"pass"}  # every claim checked, none lost
    said = "\n".join(two.warnings)
    for note in ("[[lr_range_test]] read as [[range_test]]", "[[runs]] read as [[run]]",
                 "range_test[0].optimizer = \"torch.optim.SGD\" read as 'sgd'", "run[0].learning_rate read as lr",
                 'run[0].lr = "0.0506" read as 0.0506 (a number: write it without quotes)',
                 "run[0].epochs = 30.0 read as 30 (a whole number: write 30)", "run[0].scheduler read as schedule",
                 'run[0].schedule.milestones = "15, 25" read as [15, 25]', "run[0].role = \"Final\" read as 'final'",
                 "setup.dataset = \"MNIST-5k\" read as 'mnist-5k'", 'setup.device = "Colab T4": a comment, not graded',
                 "range_test[0].shape = \"exponential\" read as 'exp'", 'author = "S" not read',
                 'range_test[0]: "best_lr" read as claimed_lr', "run[0]: \"test_accuracy\" = \"96.7%\" read once",
                 "run[0].comment", "range_test[0].Momentum read as momentum"):  # fmt: skip
        assert note in said, note


def load(tmp_path: Path, run: str) -> object:
    text = CANONICAL.format(id="s1").split("[[run]]")[0] + "[[run]]\n" + run
    return load_submission(write(tmp_path / "s1", text))


def test_linear_lr_is_read_where_its_arguments_say_which_and_pending_where_they_do_not(tmp_path):
    common = 'name = "r"\noptimizer = "sgd"\nlr = 0.05\nepochs = 30\nclaimed_test_accuracy = 0.9\n'
    decay = load(tmp_path / "a", common + 'schedule = { name = "LinearLR", start_factor = 1.0, end_factor = 0.0, '
                 "total_iters = 30 }\n")  # fmt: skip
    assert decay.error is None and decay.submission.run[0].schedule.name == "linear-decay"
    assert decay.submission.run[0].schedule.end_factor == 0.0 and not decay.submission._apart
    flat = load(tmp_path / "b", common + 'schedule = { name = "ConstantLR", factor = 1.0 }\n')
    assert flat.submission.run[0].schedule.name == "constant"
    bare = load(tmp_path / "c", common + 'schedule = { name = "LinearLR" }\n')  # torch's defaults: a warm-up
    (apart,) = bare.submission._apart.values()
    assert apart.unsupported and 'for a linear decay over the run write name = "linear-decay"' in apart.why
    assert "at torch's defaults (start_factor 1/3 → end_factor 1 over total_iters 5) it is a warm-up" in apart.why


def test_what_has_two_readings_is_still_refused_and_says_so(tmp_path):
    common = 'name = "r"\noptimizer = "sgd"\nlr = 0.05\nepochs = 30\n'
    twice = load(tmp_path / "a", common + "claimed_test_accuracy = 0.97\ntest_accuracy = 0.95\n")
    (apart,) = twice.submission._apart.values()
    said = "run[0].test_accuracy: another name for 'claimed_test_accuracy', which is given under another name"
    assert said + " too: keep one of them" in apart.why
    typo = load(tmp_path / "b", common.replace("lr = 0.05", "lerning_rate = 0.05"))
    assert "run[0].lerning_rate: unknown key (did you mean 'lr'?)" in typo.submission._apart["r"].why
    other = load(tmp_path / "c", common + "loss_fn = 3\n")  # no field's misspelling: no guess (was 'momentum'-like)
    assert "run[0].loss_fn: unknown key (remove it or fix its spelling)" in other.submission._apart["r"].why
    setting = load(tmp_path / "d", common).folder  # an unknown [setup] setting may change the run: refused
    (setting / "submission.toml").write_text((setting / "submission.toml").read_text().replace(
        "[[range_test]]", '[setup]\nnormalize = true\n\n[[range_test]]', 1))  # fmt: skip
    assert "setup.normalize: unknown key" in load_submission(setting).error
    table = write(tmp_path / "e", CANONICAL.format(id="s1") + "\n[training]\nlr = 0.1\n")  # a table: its settings
    assert "training: unknown key" in load_submission(table).error


def test_a_setting_above_the_first_header_is_read_as_setups(tmp_path):
    x = load_submission(write(tmp_path / "s1", "seed = 7\n" + CANONICAL.format(id="s1")))
    assert x.error is None and x.submission.run[0].seed == 7 and x.submission.range_test[0].seed == 7
    assert any("seed = 7 (above every [section] header) read as [setup] seed" in w for w in x.warnings)


def test_every_rewrite_of_the_form_invariance_benchmark_grades_ten_honest_students_alike(tmp_path):
    """benchmarks/form_invariance.py's 24 kinds of rewrite, each of ten honest students' files (committed seeds,
    judged against them: nothing rerun), graded as the canonical class is, check for check."""
    spec = importlib.util.spec_from_file_location("form_invariance", ROOT / "benchmarks" / "form_invariance.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    texts = {f"s{i:02d}": bench.student(i) for i in range(10)}
    canonical = bench.grade(texts, "submission.toml", "", tmp_path)
    assert all(c[:3] == ("graded", 100, 0) for c in canonical.values())
    for kind, (rewrite, name, down) in bench.KINDS.items():
        got = bench.grade({sid: rewrite(t) for sid, t in texts.items()}, name, down, tmp_path)
        assert {s: g[:4] for s, g in got.items()} == {s: c[:4] for s, c in canonical.items()}, kind


def test_every_config_py_rewrite_of_the_form_invariance_benchmark_plans_the_same_runs(tmp_path):
    """benchmarks/form_invariance.py's 15 config.py rewrites (examiner probe 45: an OPTIMIZER dict, torch under an
    alias, a star import, the environment's default, a coding declaration, float milestones, a scheduler under another
    name, the by_epoch hook as a call or beside one not read, …) of three course configs plan the base's runs."""
    spec = importlib.util.spec_from_file_location("form_invariance", ROOT / "benchmarks" / "form_invariance.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    rows, costly = bench.config_rows(tmp_path)
    assert costly == 0 and all(r[1] == r[2] for r in rows), rows
