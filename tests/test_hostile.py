"""Hostile and broken input never stops a class run (issue 13, input side; issue 12 item 6's per-entry refusals).

One test per measured defect, each failing on the code before the loading boundary (grader/load.py) existed,
then a ~20-student class, one student per hostile case plus one good one, graded by the `grade` CLI in a
subprocess: exit 0, a row each, one clean line each, no traceback, and the good student still passes.
"""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader.load import Loaded, discover, folder_id, load_assignment, load_class, load_submission
from grader.plan import RERUN_THREADS, PlannedRun, plan, refusals
from grader.runner import Cache, run_key
from grader.safe import InputError, escape
from grader.schema import Assignment

GOOD = """
[student]
id = "{id}"
name = "Good Student"

[[range_test]]
name = "sweep"
optimizer = "sgd"
start_lr = 1e-5
end_lr = 10.0
steps = 40

[[run]]
name = "const"
optimizer = "sgd"
lr = 0.0507
epochs = 1
"""
SMALL_ASSIGNMENT = "train_epochs = 1\nmax_epochs = 2\nquick_epochs = 1\nmax_sweep_epochs = 1\nmax_sweep_steps = 100\n"


def folder(root: Path, name: str, text: str | bytes | None = None, file: str = "submission.toml") -> Path:
    d = root / name
    d.mkdir(parents=True)
    if text is not None:
        (d / file).write_bytes(text.encode() if isinstance(text, str) else text)
    return d


def loaded(tmp_path: Path, text: str | bytes, file: str = "submission.toml", name: str = "s1") -> Loaded:
    return load_submission(folder(tmp_path, name, text, file))


def clean(x: Loaded) -> str:
    """The error line — or where the bad values are an entry's own, that entry's line (set apart, the rest graded:
    one bad entry fails only that entry) — asserted safe: one line, printable, bounded."""
    assert not x.internal, x.internal
    text = x.error or (x.submission and "; ".join(a.why for a in x.submission._apart.values()))
    assert text and "\n" not in text and text.isprintable() and len(text) <= 400, text
    return text


# ---------------------------------------------------------------- shapes and bytes


def test_a_non_table_student_is_one_line(tmp_path):
    err = clean(loaded(tmp_path, 'student = "alice"\n'))
    assert "student: must be a table" in err and 'got "alice"' in err


def test_497_deep_arrays_are_refused_cleanly(tmp_path):
    err = clean(loaded(tmp_path, "x = " + "[" * 497 + "]" * 497 + "\n"))
    assert "nested too deeply" in err


def test_a_bom_is_accepted_and_non_utf8_names_the_line(tmp_path):
    x = loaded(tmp_path, b"\xef\xbb\xbf" + GOOD.format(id="s1").encode())
    assert x.submission is not None and x.error is None
    err = clean(loaded(tmp_path, b'[student]\nid = "s2"\nname = "Jos\xe9"\n', name="s2"))
    assert err == "submission.toml line 3: not UTF-8 text (save the file as UTF-8)"


def test_files_that_are_not_regular_files_are_refused_without_blocking(tmp_path, alarm):
    (folder(tmp_path, "dir") / "submission.toml").mkdir()
    os.mkfifo(folder(tmp_path, "fifo") / "submission.toml")
    os.symlink("/dev/zero", folder(tmp_path, "zero") / "config.py")
    os.symlink("/", folder(tmp_path, "root") / "config.py")
    secret = tmp_path / "secret.txt"
    secret.write_text("GRADESCOPE_TOKEN=tok_0123456789\n")
    os.symlink(secret, folder(tmp_path, "secret") / "config.py")
    outside = folder(tmp_path.parent / f"{tmp_path.name}-outside", "real", GOOD.format(id="linked"))
    os.symlink(outside, tmp_path / "linked")
    errors = {d.name: clean(load_submission(d)) for d in discover(tmp_path)}
    assert errors["dir"] == "submission.toml is a folder, not a regular file: submit the file itself"
    assert errors["fifo"].startswith("submission.toml is a named pipe (FIFO)")
    assert all(errors[k].startswith("config.py is a symbolic link") for k in ("zero", "root", "secret"))
    assert errors["linked"] == "the submission folder is a symbolic link; submit a real folder"
    assert not any("tok_" in e or str(tmp_path) in e for e in errors.values())


@pytest.mark.parametrize("where", ["", "Loss_train/", "run1/", "run1/Loss_train/"])
def test_an_event_file_that_is_a_fifo_is_refused_without_blocking(tmp_path, alarm, where):
    """Examiner probe 33: a FIFO named events.out.tfevents.* in an add_scalars sub-folder blocked the class's grade
    forever (tensorboard's reader opened it); anywhere the reader looks it is refused, before anything is opened."""
    from grader.logs import LogError, read_logs

    tb = tmp_path / "tb"
    (tb / where).mkdir(parents=True)
    if where.startswith("run1/"):  # SummaryWriter()'s one sub-folder, read from there
        (tb / "run1" / "events.out.tfevents.1.host").write_bytes(b"")
    os.mkfifo(tb / where / "events.out.tfevents.2.fifo")
    with pytest.raises(LogError, match="events.out.tfevents.2.fifo.* is not a plain file"):
        read_logs(tmp_path, "tb")


def test_size_is_capped_before_reading(tmp_path):
    err = clean(loaded(tmp_path, GOOD.format(id="s1") + "#" * (300 * 1024)))
    assert err.startswith("submission.toml is 3") and "the limit is 262,144" in err
    d = folder(tmp_path, "sparse")
    with open(d / "config.py", "wb") as f:
        f.truncate(1 << 40)  # a terabyte on paper: refused from its size, never read
    assert "config.py is 1,099,511,627,776 bytes" in clean(load_submission(d))


# ---------------------------------------------------------------- strict types and messages


def test_strings_for_numbers_are_read_and_booleans_refused(tmp_path):
    """A number in quotes has one reading, and is read so with a note (examiner probe 43: `lr = "0.055"` was FAIL
    0/100 where `claimed_lr = "0.0553"` was read); a bool for a number, or text for a bool, has none."""
    text = GOOD.format(id="s1").replace("lr = 0.0507", 'lr = "0.1"\nnesterov = "yes"')
    text = text.replace("epochs = 1", "epochs = true")
    x = loaded(tmp_path, text)
    err = clean(x)
    assert "run[0].lr" not in err and 'run[0].lr = "0.1" read as 0.1 (a number: write it without quotes)' in x.warnings
    assert "run[0].epochs: must be a whole number, got true" in err
    assert 'run[0].nesterov: must be true or false (no quotes), got "yes"' in err
    words = clean(loaded(tmp_path, GOOD.format(id="s2").replace("lr = 0.0507", 'lr = "about 0.1"'), name="s2"))
    assert 'run[0].lr: must be a number, got the text "about 0.1"' in words  # not one number: refused as before


def test_ints_for_floats_and_arrays_for_tuples_still_load(tmp_path):
    schedule = 'schedule = { name = "multistep", milestones = [1, 2], gamma = 1 }'
    text = GOOD.format(id="s1").replace("lr = 0.0507", f"lr = 1\n{schedule}")
    text = text.replace("steps = 40", 'steps = 40\nrule = "range"\nclaimed_lr = [0.01, 1]')
    x = loaded(tmp_path, text)
    assert x.error is None, x.error
    assert x.submission.run[0].lr == 1.0 and x.submission.run[0].schedule.milestones == (1, 2)
    assert x.submission.range_test[0].claimed_lr == (0.01, 1.0)


def test_messages_quote_the_value_escaped_and_suggest_the_key(tmp_path):
    text = GOOD.format(id="s1").replace("steps = 40", "steps = 40\nclaimd_lr = 0.1").replace("lr = 0.0507", "lr = -0.1")
    err = clean(loaded(tmp_path, text))
    assert "range_test[0].claimd_lr: unknown key (did you mean 'claimed_lr'?)" in err
    assert "run[0].lr: must be > 0, got -0.1" in err
    evil = GOOD.format(id="s2").replace('optimizer = "sgd"', 'optimizer = "\\u001b]0;PWNED\\u0007' + "x" * 500 + '"', 1)
    err = clean(loaded(tmp_path, evil, name="s2"))
    assert "\\x1b]0;PWNED\\x07" in err and "x" * 100 not in err and "…" in err


def test_the_id_comes_from_the_folder(tmp_path):
    folder(tmp_path, "s008", GOOD.format(id="s008"))
    folder(tmp_path, "s008-copy", GOOD.format(id="s008"))
    folder(tmp_path, "impostor", GOOD.format(id="s008"))
    folder(tmp_path, "s009-lambda", GOOD.format(id="s009"))
    folder(tmp_path, '=HYPERLINK("http:x","y")', GOOD.format(id="s010"))
    by_folder = {x.folder.name: x for x in load_class(discover(tmp_path))}
    ids = [x.id for x in by_folder.values()]
    assert ids.count("s008") == 1 and by_folder["s008"].id == "s008"
    # examiner probe 38: the warning says whose id it claims, marked as the class table's first problem
    assert by_folder["s008-copy"].id == "s008-copy" and by_folder["s008-copy"].warnings[0].startswith(
        'id conflict: [student] id "s008" is "s008"\'s (and 1 more folder(s) claim it): graded as "s008-copy"'
    )
    assert by_folder["impostor"].id == "impostor" and by_folder["impostor"].submission.student.id == "impostor"
    assert by_folder["s009-lambda"].id == "s009" and not by_folder["s009-lambda"].warnings
    hyper = by_folder['=HYPERLINK("http:x","y")'].id
    assert hyper == folder_id('=HYPERLINK("http:x","y")') and hyper[0] not in "=+-@" and len(hyper) <= 64


def test_the_assignment_raises_only_the_graders_error(tmp_path, alarm):
    (tmp_path / "assignment.toml").write_text('max_epochs = "30"\n')
    with pytest.raises(InputError, match=r'max_epochs: must be a whole number, got the text "30"'):
        load_assignment(tmp_path)
    (tmp_path / "assignment.toml").write_text("points = 3\n")
    with pytest.raises(InputError, match="points: must be a table"):
        load_assignment(tmp_path)
    (tmp_path / "assignment.toml").unlink()
    os.mkfifo(tmp_path / "assignment.toml")
    with pytest.raises(InputError, match="named pipe"):
        load_assignment(tmp_path)


# ---------------------------------------------------------------- bounds from the assignment


def test_refused_entries_fail_the_config_check_and_are_never_rerun(tmp_path):
    a = Assignment(train_epochs=30, max_epochs=30, max_sweep_steps=10_000)
    text = GOOD.format(id="s1").replace("epochs = 1", "epochs = 30") + "".join(
        f'\n[[{part}]]\nname = "{name}"\noptimizer = "{opt}"\n{extra}\n'
        for part, name, opt, extra in [
            ("range_test", "radam-sweep", "radam", "start_lr = 1e-6\nend_lr = 1.0"),
            ("range_test", "huge-sweep", "sgd", "start_lr = 1e-6\nend_lr = 1.0\nsteps = 32000000"),
            ("run", "forever", "sgd", "lr = 0.01\nepochs = 1000000"),
            ("run", "short", "sgd", "lr = 0.01\nepochs = 5"),
        ]
    )  # fmt: skip
    sub = loaded(tmp_path, text).submission
    refused = refusals(sub, a).entries
    assert refused == {"radam-sweep": "optimizer 'radam' is not allowed (allowed: sgd, adam, adamw)",
                       "huge-sweep": "a sweep of 32,000,000 optimizer steps > the allowed 10,000",
                       "forever": "1,000,000 epochs > the allowed 30",
                       "short": "5 epochs < the assignment's 30"}  # fmt: skip
    planned = plan(sub, a, quick=True)
    assert {p.name for p in planned} == {"sweep", "const"}  # the rest is graded as usual
    from grader.checks import Context, check_config

    results = check_config(Context(sub, a, [], None, True, 1000), 1.0)
    assert [(c.subject, c.status) for c in results[:-1]] == [(n, "fail") for n in refused]
    assert results[-1].status == "fail" and "short: 5 epochs < the assignment's 30" in results[-1].message


def test_a_sweep_is_bounded_in_the_claim_datas_steps(tmp_path):
    setup = '[setup]\nbatch_size = 1\nclaimed_on = "mnist"\n\n[[range_test]]'
    text = GOOD.format(id="s1").replace("steps = 40", "epochs = 10").replace("[[range_test]]", setup)
    sub = loaded(tmp_path, text).submission
    assert refusals(sub, Assignment(train_epochs=1)).entries == {
        "sweep": "a sweep of 600,000 optimizer steps > the allowed 20,000"
    }  # 10 epochs × 60,000 images / batch 1


def test_too_many_entries_is_one_error_and_nothing_runs(tmp_path):
    many = "range_test = [" + ", ".join(f'{{name="r{i}"}}' for i in range(16000))
    err = clean(loaded(tmp_path, many + ']\n[student]\nid = "s1"\nname = "x"\n'))
    assert "16,000 entries" in err and "allows 32" in err


# ---------------------------------------------------------------- examiner probe 16: names, figures, lists, logs


@pytest.mark.parametrize("value", ["MNIST-4k", "<b>=1+1</b>\\u001b[2J"])
def test_an_unknown_dataset_is_one_line_naming_the_field_and_the_choices(tmp_path, value):
    """`dataset = "MNIST-5k"` loaded, then stopped the grade with `internal grader error (KeyError: 'MNIST-5k')`;
    a known dataset's name in another case is now read as it (examiner probe 43: it was ERROR 0/100)."""
    text = GOOD.format(id="s1").replace("[[range_test]]", f'[setup]\ndataset = "{value}"\n\n[[range_test]]')
    err = clean(loaded(tmp_path, text))
    assert "setup: dataset: unknown dataset" in err and "choose from mnist-5k, fashion-mnist, mnist, cifar10" in err
    assert "\x1b" not in err and "KeyError" not in err
    case = loaded(tmp_path, GOOD.format(id="s2").replace("[[range_test]]", '[setup]\ndataset = "MNIST-5k"\n\n'
                                                         "[[range_test]]"), name="s2")  # fmt: skip
    assert case.error is None and case.submission.setup.dataset == "mnist-5k"
    assert "setup.dataset = \"MNIST-5k\" read as 'mnist-5k' (a dataset's name)" in case.warnings
    with pytest.raises(InputError, match=r'^assignment.toml: dataset: unknown dataset "MNIST-5k"; choose from'):
        (tmp_path / "assignment.toml").write_text('dataset = "MNIST-5k"\n')
        load_assignment(tmp_path)


FIGURES = [  # (where it is written, the key = value, the field in the message)
    ("run", "lr = inf", "run[0].lr: must be a finite number, got inf"),
    ("run", "lr = 1e308", "run[0].lr: must be ≤ 1000, got 1e+308"),
    ("run", "lr = 5e-324", "run[0].lr: must be ≥ 1e-12"),
    ("run", "momentum = nan", "run[0].momentum: must be a finite number, got nan"),
    ("run", "weight_decay = inf", "run[0].weight_decay: must be a finite number, got inf"),
    ("run", "weight_decay = 1e300", "run[0].weight_decay: must be ≤ 10"),
    ("run", "betas = [nan, 0.999]", "run[0].betas[0]: must be a finite number, got nan"),
    ("run", "claimed_test_accuracy = inf", "run[0].claimed_test_accuracy: must be a finite number, got inf"),
    ("run", 'schedule = { name = "multistep", milestones = [1], gamma = 1e308 }', "schedule.gamma: must be ≤ 10"),
    ("run", 'schedule = { name = "onecycle", max_lr = inf }', "schedule.max_lr: must be a finite number, got inf"),
    ("run", 'schedule = { name = "onecycle", div_factor = 1e308 }', "schedule.div_factor: must be ≤ 1e+08"),
    ("run", 'schedule = { name = "cosine", eta_min = inf }', "schedule.eta_min: must be a finite number, got inf"),
    ("run", 'schedule = { name = "polynomial", power = 1e308 }', "schedule.power: must be ≤ 100"),
    ("run", 'schedule = { name = "table", table = [1.0, inf] }', "schedule.table[1]: must be a finite number"),
    ("range_test", "end_lr = inf", "range_test[0].end_lr: must be a finite number, got inf"),
    ("range_test", "start_lr = 1e-320", "range_test[0].start_lr: must be ≥ 1e-12"),
    ("range_test", "claimed_lr = 1e308", "range_test[0].claimed_lr: must be ≤ 1000, got 1e+308"),
]  # fmt: skip


@pytest.mark.parametrize(("part", "setting", "message"), FIGURES, ids=[f[1] for f in FIGURES])
def test_every_figure_is_finite_and_bounded(tmp_path, part, setting, message):
    """`lr = inf` reached math.log10 (`internal grader error (ValueError: math domain error)`); `lr = 1e308` passed
    the schema and overflowed the rerun. Every float a student gives is finite and inside a stated range."""
    key = setting.split(" =")[0]
    anchor = "steps = 40" if part == "range_test" else "epochs = 1"
    text = "\n".join(ln for ln in GOOD.format(id="s1").splitlines() if not ln.startswith(f"{key} ="))
    err = clean(loaded(tmp_path, text.replace(anchor, f"{anchor}\n{setting}")))
    assert message in err, err


def test_whole_numbers_and_non_finite_figures_are_named_as_such(tmp_path):
    text = GOOD.format(id="s1").replace("epochs = 1", "epochs = 1.5")
    assert "run[0].epochs: must be a whole number, got the decimal number 1.5" in clean(loaded(tmp_path, text))
    whole = loaded(tmp_path, GOOD.format(id="s3").replace("epochs = 1", "epochs = 1.0"), name="s3")  # one reading
    assert whole.error is None and whole.submission.run[0].epochs == 1
    assert "run[0].epochs = 1.0 read as 1 (a whole number: write 1)" in whole.warnings
    cycled = 'schedule = { name = "onecycle", cycle_momentum = true, base_momentum = nan }'
    err = clean(loaded(tmp_path, GOOD.format(id="s2").replace("epochs = 1", f"epochs = 1\n{cycled}"), name="s2"))
    assert "run[0].schedule.base_momentum: must be a finite number, got nan" in err


def test_names_and_free_text_are_bounded(tmp_path):
    """A 100,000-character run name made a 708 KB report.html and an 805 KB Gradescope results.json."""
    err = clean(loaded(tmp_path, GOOD.format(id="s1").replace('name = "const"', f'name = "{"N" * 100_000}"')))
    assert err.startswith("run[0].name: is too long (at most 100 characters)") and len(err) < 200
    err = clean(loaded(tmp_path, GOOD.format(id="s2").replace('name = "sweep"', 'name = ""'), name="s2"))
    assert "range_test[0].name: must not be empty" in err
    # a long name is cut, never refused (examiner probe 38: 201 characters were ERROR 0/100)
    x = loaded(tmp_path, GOOD.format(id="s3").replace("Good Student", "x" * 300), name="s3")
    assert x.error is None and len(x.submission.student.name) == 200
    assert "[student] name is 300 characters: cut to 200 in the reports" in x.warnings
    err = clean(loaded(tmp_path, f'notes = "{"n" * 3000}"\n' + GOOD.format(id="s4"), name="s4"))
    assert "notes: is too long (at most 2000 characters)" in err


def test_lists_that_size_computation_are_bounded(tmp_path):
    """[[auto]] tries every factor in one batched call at every step: 20,000 factors never reach a rerun. A [[run]]
    with schedule "auto" passed the plan's [[auto]]-only bound on factors."""
    factors = "[" + ", ".join(["1.0"] * 20_000) + "]"
    auto = f'\n[[auto]]\noptimizer = "sgd"\nlr = 0.01\nfactors = {factors}\n'
    err = clean(loaded(tmp_path, GOOD.format(id="s1") + auto))
    assert err.startswith("auto[0].factors: has too many items (at most 8)")
    schedule = f'schedule = {{ name = "auto", factors = {"[" + ", ".join(["1.0"] * 9) + "]"} }}'
    err = clean(loaded(tmp_path, GOOD.format(id="s2").replace("epochs = 1", f"epochs = 1\n{schedule}"), name="s2"))
    assert "run[0].schedule.factors: has too many items (at most 8)" in err
    milestones = "[" + ", ".join(str(i) for i in range(1, 5002)) + "]"
    schedule = f'schedule = {{ name = "multistep", milestones = {milestones}, gamma = 0.1 }}'
    err = clean(loaded(tmp_path, GOOD.format(id="s3").replace("epochs = 1", f"epochs = 1\n{schedule}"), name="s3"))
    assert "run[0].schedule.milestones: has too many items (at most 1000)" in err


@pytest.mark.parametrize(("row", "message"), [
    ("1_0,0.05,2.3,,,", 'line 3: step "1_0" is not a whole number from 0 to 1,000,000,000'),
    ("-5,0.05,2.3,,,", 'line 3: step "-5" is not a whole number'),
    ("1e18,0.05,2.3,,,", 'line 3: step "1e18" is not a whole number'),
    ("1000000000000000000,0.05,2.3,,,", "line 3: step \"1000000000000000000\" is not a whole number"),
    ("1,0.05,2.3,1e300,0.5,0.9", 'line 3: epoch "1e300" is not a whole number'),
    ("1,0.05,2_3.0,,,", 'line 3: train_loss "2_3.0" is not a decimal number'),
    ("\u0663\u0663,0.05,2.3,,,", 'line 3: step "\u0663\u0663" is not a whole number'),  # Arabic-Indic 33 (probe 33)
    ("1,0.05,\u0661.\u0665,,,", 'line 3: train_loss "\u0661.\u0665" is not a decimal number'),
])  # fmt: skip
def test_log_counters_are_plain_decimals_in_range(tmp_path, row, message):
    """Python's int()/float() read `1_0` as 10; a step of -5 and an epoch of 1e300 passed silently."""
    from grader.logs import LogError, read_logs

    (tmp_path / "run.csv").write_text(f"step,lr,train_loss,epoch,test_loss,test_accuracy\n0,0.05,2.3,,,\n{row}\n")
    with pytest.raises(LogError) as err:
        read_logs(tmp_path, "run.csv")
    assert message in str(err.value), str(err.value)
    (tmp_path / "ok.csv").write_text("step,lr,train_loss,epoch,test_loss,test_accuracy\n0,0.05,2.3,,,\n"
                                     "1.0,5e-2,nan,1.0,0.5,0.9\n")  # fmt: skip
    assert read_logs(tmp_path, "ok.csv").step == [0, 1]


def test_a_tensorboard_step_out_of_range_is_one_line(tmp_path):
    from grader.logs import LogError, read_logs
    from reference.outputs import Logs, write_tensorboard

    write_tensorboard(Logs("", [-5, 1, 2], [0.05] * 3, [2.3] * 3, [], [], []), tmp_path / "tb")
    with pytest.raises(LogError, match=r"^logs .tb.: LR/train logged at step -5; a step or epoch is a whole "):
        read_logs(tmp_path, "tb")


def test_a_legacy_config_alone_is_titled_for_the_file(tmp_path):
    """An upload's folder is the platform's ("submission"): its report was titled `# submission`."""
    text = "LEARNING_RATE = 0.05\nNUM_EPOCHS = 30\noptimizer = dict(type='SGD', lr=LEARNING_RATE, momentum=0.9)\n"
    x = load_submission(folder(tmp_path, "submission", text, "config.py"), ids="file")
    assert x.error is None and x.submission.student.name == "Your config.py" and x.id == "submission"
    x = load_submission(folder(tmp_path, "alice", text, "config.py"))  # a class folder: the instructor's key
    assert x.submission.student.name == "alice"


# ---------------------------------------------------------------- the cache


@pytest.mark.parametrize("content", [b"{}", b"[]", b"\xff\xfe\x00not utf-8", b'{"train_loss": [1]', b'"text"'])
def test_a_bad_cache_entry_is_a_miss_with_a_warning_naming_it(tmp_path, content, caplog):
    cache = Cache(tmp_path)
    cache.path("ab12").parent.mkdir(parents=True)
    cache.path("ab12").write_bytes(content)
    assert cache.get("ab12") is None
    assert len(cache.warnings) == 1 and str(cache.path("ab12")) in cache.warnings[0]
    assert "ab12.json" in caplog.text


def test_a_cache_entry_that_is_a_folder_or_fifo_is_a_miss(tmp_path, alarm):
    cache = Cache(tmp_path)
    cache.path("cd34").mkdir(parents=True)
    assert cache.get("cd34") is None
    cache.put("cd34", {"train_loss": []})  # cannot replace a folder: a warning, not an error
    cache.path("ef56").parent.mkdir()
    os.mkfifo(cache.path("ef56"))
    assert cache.get("ef56") is None and len(cache.warnings) == 3


def test_the_cache_key_covers_threads_code_torch_and_data(tmp_path, monkeypatch):
    import torch

    import grader.runner

    sub = loaded(tmp_path, GOOD.format(id="s1")).submission
    p: PlannedRun = plan(sub, Assignment(train_epochs=1), quick=True)[1]
    base = run_key(p, "cpu", "sequential")
    assert base == run_key(p, "cpu", "sequential", RERUN_THREADS) and RERUN_THREADS == 1
    others = {run_key(p, "cpu", "sequential", 4), run_key(p, "cuda", "sequential"), run_key(p, "cpu", "batched"),
              run_key(p, "cpu", "sequential", data="/data/mnist")}  # fmt: skip
    monkeypatch.setattr(torch, "__version__", "0.0.0")
    others.add(run_key(p, "cpu", "sequential"))
    monkeypatch.undo()
    monkeypatch.setattr(grader.runner, "code_hash", lambda: "changed")
    others.add(run_key(p, "cpu", "sequential"))
    assert base not in others and len(others) == 6


def test_every_rerun_uses_the_keyed_thread_count():
    import torch

    from grader.unit import Unit, run_unit
    from reference.config import RunConfig
    from reference.engines import ENGINES

    torch.set_num_threads(2)
    (out,) = run_unit(Unit((RunConfig(lr=0.05, epochs=1, max_steps=2),), None, "cpu", 60.0, ENGINES["sequential"]))
    assert out["result"]["meta"]["threads"] == RERUN_THREADS


# ---------------------------------------------------------------- a hostile class, end to end


def hostile_class(root: Path, outside: Path) -> None:
    """One student per hostile case of issue 13, and one good student."""
    folder(root, "s001-good", GOOD.format(id="s001"))
    folder(root, "nontable", 'student = "alice"\n')
    folder(root, "deep", "x = " + "[" * 497 + "]" * 497 + "\n")
    folder(root, "legacy-intkey", "LEARNING_RATE = 0.05\nNUM_EPOCHS = 1\nLR_SCHEDULER = {'type': 'StepLR', 1: 2}\n",
           "config.py")  # fmt: skip
    (folder(root, "dir") / "submission.toml").mkdir()
    os.symlink("/", folder(root, "root") / "config.py")
    os.mkfifo(folder(root, "fifo") / "submission.toml")
    os.symlink("/dev/zero", folder(root, "zero") / "config.py")
    (outside / "secret.txt").write_text("GRADESCOPE_TOKEN=tok_0123456789\n")
    os.symlink(outside / "secret.txt", folder(root, "secret") / "config.py")
    folder(root, "epochs", GOOD.format(id="epochs").replace("epochs = 1", "epochs = 1000000"))
    many = "range_test = [" + ", ".join(f'{{name="r{i}"}}' for i in range(16000))
    folder(root, "many", many + ']\n[student]\nid = "many"\nname = "x"\n')
    formula = GOOD.format(id="s020").replace("Good Student", "=cmd|' /C calc'!A0")
    folder(root, '=HYPERLINK("http:evil.example","x")', formula)
    folder(root, "escapes", GOOD.format(id="escapes").replace("Good Student", "\\u001b]0;PWNED\\u0007\\u001b[2J")
           .replace('name = "const"', 'name = "\\u001b]0;PWNED\\u0007"').replace('"sgd"', '"radam"'))  # fmt: skip
    folder(root, "s008", GOOD.format(id="s008").replace("epochs = 1", "epochs = 5"))
    folder(root, "impostor", GOOD.format(id="s008").replace("epochs = 1", "epochs = 5"))
    folder(root, "strings", GOOD.format(id="strings").replace("lr = 0.0507", 'lr = "0.1 or so"'))
    folder(root, "bom", b"\xef\xbb\xbf" + GOOD.format(id="bom").replace("epochs = 1", "epochs = 7").encode())
    folder(root, "latin1", b'[student]\nid = "latin1"\nname = "Jos\xe9"\n')
    folder(root, "typo", GOOD.format(id="typo").replace("steps = 40", "steps = 40\nclaimd_lr = 0.1"))
    os.mkdir(os.fsencode(root) + b"/caf\xe9")  # a folder name that is not UTF-8, holding an unreadable file
    (root / os.fsdecode(b"caf\xe9") / "config.py").write_bytes(b"LR = 0.1\n\xff\n")
    folder(root, "tty\x1b]0;PWNED\x07", GOOD.format(id="tty").replace("lr = 0.0507", "lr = -1"))
    (root / "assignment.toml").write_text(SMALL_ASSIGNMENT)


def poison_cache(root: Path, cache: Path) -> list[Path]:
    """The good student's cache entries written as `{}`, `[]` and non-UTF-8 bytes before grading."""
    from grader.runner import engine_tag

    sub = load_submission(root / "s001-good").submission
    keys = [run_key(p, "cpu", engine_tag("sequential", "cpu")) for p in plan(sub, load_assignment(root), quick=True)
            if not p.not_rerun]  # a sweep a quick grade does not rerun reads no cache entry  # fmt: skip
    paths = []
    for key, content in zip(keys, [b"{}", b"[]", b"\xff\xfe bad"]):
        path = Cache(cache).path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        paths.append(path)
    return paths


@pytest.mark.slow
def test_a_hostile_class_grades_to_completion(tmp_path):
    root, outside, cache, out = tmp_path / "class", tmp_path / "outside", tmp_path / "cache", tmp_path / "reports"
    root.mkdir()
    outside.mkdir()
    hostile_class(root, outside)
    poisoned = poison_cache(root, cache)
    cmd = [sys.executable, "-m", "grader.cli", str(root), "--quick", "--device", "cpu", "--engine", "sequential",
           "--jobs", "1", "--cache", str(cache), "--out", str(out)]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr and "\x1b]" not in proc.stdout + proc.stderr
    assert all(str(p) in proc.stderr for p in poisoned), proc.stderr[-2000:]  # each bad entry named, then rerun
    assert not (tmp_path / "PWNED").exists()

    results = json.loads((out / "results.json").read_text())
    students = {Path(s["folder"]).name: s for s in results["students"]}
    folders = {escape(p.name) for p in root.iterdir() if p.is_dir()}
    assert set(students) == folders and "caf\\udce9" in folders  # every student has a row, under a printable name
    for name, s in students.items():
        first = s["error"] or next((c["message"] for c in s["checks"] if c["status"] in ("fail", "error")), None)
        for line in [first or "ok", *s["warnings"]]:  # the first problem, if any, and each warning: one clean line
            assert "\n" not in line and line.isprintable() and len(line) <= 400, (name, line)
        assert (first is None) == (name in ("s001-good", '=HYPERLINK("http:evil.example","x")')), (name, first)
    assert students["s001-good"]["status"] == "graded"
    good = [c for c in students["s001-good"]["checks"] if c["status"] not in ("skip",)]
    assert good and all(c["status"] == "pass" for c in good), good
    assert "tok_" not in (out / "results.json").read_text()
    assert str(tmp_path) not in "".join(p.read_text(errors="replace") for p in out.glob("*/results.json"))

    rows = list(csv.reader((out / "grades.csv").open()))
    assert [r[0] for r in rows].count("s008") == 1
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows[1:] for cell in r)
    refused = {c["subject"] for c in students["epochs"]["checks"] if c["check"] == "config"}
    assert "const" in refused and all(r["name"] != "const" for r in students["epochs"].get("runs", []))
