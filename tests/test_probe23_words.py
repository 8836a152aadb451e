"""Honest wordings that refused a whole entry or the whole submission (examiner probe 23, classes C, K and E): each
is read as meant now, with one note saying how, or — where the grader cannot rerun it (ReduceLROnPlateau, an
lr_lambda it cannot tabulate) — its entry is set apart as the grader's limit, its claims pending, not lost."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.grade import grade_class
from grader.load import load_submission

ROOT = Path(__file__).resolve().parents[1]
HEAD = """
[student]
id = "a"
name = "A"
{setup}
[[range_test]]
name = "sweep"
optimizer = "sgd"
start_lr = 1e-5
end_lr = 10.0
rule = "steepest"
claimed_lr = 0.0507
"""
RUN = """
[[run]]
name = "{name}"
optimizer = "{optimizer}"
lr = 0.0506
{extra}
"""


def _load(tmp_path: Path, text: str, name: str = "a"):
    (tmp_path / name).mkdir(parents=True)
    (tmp_path / name / "submission.toml").write_text(text)
    return load_submission(tmp_path / name)


def _run(extra: str, name: str = "run", optimizer: str = "sgd") -> str:
    return RUN.format(name=name, optimizer=optimizer, extra=extra)


def _notes(x) -> str:
    return " | ".join(x.warnings)


# ---------------------------------------------------------------- 1. [setup]'s run fields


def test_setup_states_the_run_fields_every_entry_shares(tmp_path):
    """c06: `[setup] seed = 426` was ERROR 0/100 ("setup.seed: unknown key (remove it …)": removing it silently
    changes the rerun); momentum, weight_decay the same, epochs "did you mean 'preprocess'?"."""
    setup = "[setup]\nseed = 426\nmomentum = 0.8\nweight_decay = 5e-4\nepochs = 20\nbetas = [0.8, 0.99]\n"
    text = HEAD.format(setup=setup) + _run("claimed_test_accuracy = 0.97") + _run("seed = 1", "adam", "adam")
    x = _load(tmp_path, text)
    assert x.error is None, x.error
    (sweep,) = x.submission.range_test
    sgd, adam = x.submission.run
    assert (sweep.seed, sweep.momentum, sweep.weight_decay, sweep.epochs) == (426, 0.8, 5e-4, 10)  # a sweep's length
    assert (sgd.seed, sgd.momentum, sgd.weight_decay, sgd.epochs) == (426, 0.8, 5e-4, 20)
    assert (adam.seed, adam.betas, adam.epochs) == (1, (0.8, 0.99), 20)  # its own seed wins
    assert "momentum" not in adam.model_fields_set  # Adam takes none: not set, no "left out of the rerun" warning
    assert "seed" in sgd.model_fields_set  # stated (in [setup]): a seeded claim
    notes = _notes(x)
    assert "[setup] seed = 426 read as the seed of each entry that states none: range_test[0], run[0]; 1 state" in notes
    assert "[setup] momentum = 0.8 read as the momentum of each entry that states none" in notes
    assert "takes no such setting" not in notes


def test_setup_run_fields_win_over_the_preset_and_a_bad_one_is_named_in_setup(tmp_path):
    x = _load(tmp_path, HEAD.format(setup='[setup]\npreset = "cs5260"\nmomentum = 0.5\n') + _run(""))
    assert x.error is None and x.submission.run[0].momentum == 0.5 and x.submission.run[0].weight_decay == 5e-4
    x = _load(tmp_path, HEAD.format(setup="[setup]\nseed = -1\n") + _run(""), "b")
    assert x.submission is None and "setup.seed: must be ≥ 0, got -1" in x.error
    assert "unknown key" not in x.error


# ---------------------------------------------------------------- 2. a claim written as text


@pytest.mark.parametrize("text, value, printed", [('"97%"', 0.97, "0.97"), ('"0.97"', 0.97, "0.97"),
                                                  ('"97.0 %"', 0.97, "0.970"), ('" 97 "', 0.97, "0.97"),
                                                  # examiner probe 25: a tilde refused the whole entry (FAIL 60/100)
                                                  ('"~0.61"', 0.61, "0.61"), ('"≈ 96.3%"', 0.963, "0.963"),
                                                  ('"about 97 %"', 0.97, "0.97")])  # fmt: skip
def test_a_claimed_accuracy_written_as_text_holding_a_number_is_read(tmp_path, text, value, printed):
    """c04: `claimed_test_accuracy = "97%"` refused its run (33.33/100), saying "write it without quotes" — and
    `97%` unquoted is no TOML."""
    x = _load(tmp_path, HEAD.format(setup="") + _run(f"claimed_test_accuracy = {text}"))
    assert x.error is None and not x.submission._apart, x.submission._apart
    (run,) = x.submission.run
    assert run.claimed_test_accuracy == pytest.approx(value) and run.printed("claimed_test_accuracy") == printed
    assert "read as" in _notes(x) and "without quotes" in _notes(x)


def test_a_claimed_lr_as_text_is_read_and_other_text_is_refused_with_a_valid_form(tmp_path):
    text = HEAD.format(setup="").replace("claimed_lr = 0.0507", 'claimed_lr = "5.07e-2"')
    x = _load(tmp_path, text + _run('claimed_test_accuracy = "ninety-seven"'))
    assert x.submission.range_test[0].claimed_lr == pytest.approx(0.0507)
    why = x.submission._apart["run"].why
    assert 'got the text "ninety-seven" (write a number, without quotes: e.g. claimed_test_accuracy = 0.97)' in why
    assert "write it without quotes" not in why


# ---------------------------------------------------------------- 3. claims under a training loop's names


def test_claims_under_the_names_a_training_loop_prints_are_read(tmp_path):
    """k06: `test_accuracy = 0.97` refused its run although the message guessed 'claimed_test_accuracy'."""
    runs = _run("test_accuracy = 0.9700\ntest_loss = 0.1537") + _run("final_accuracy = 97.5", "b") + \
        _run("accuracy = 0.96\nloss = 0.2", "c") + _run("accuracy = 0.96\ntest_acc = 0.95", "d")  # fmt: skip
    x = _load(tmp_path, HEAD.format(setup="") + runs)
    run = {r.name: r for r in x.submission.run}
    assert run["run"].claimed_test_accuracy == 0.97 and run["run"].claimed_test_loss == 0.1537
    assert run["run"].printed("claimed_test_accuracy") == "0.9700"
    assert run["b"].claimed_test_accuracy == 0.975  # a percentage, as a numeric one is
    assert '"test_accuracy" read as claimed_test_accuracy' in _notes(x)
    # "loss" alone may be the train loss, and two names for one claim are ambiguous: neither is read
    assert "loss: unknown key" in x.submission._apart["c"].why
    assert "accuracy: another name for 'claimed_test_accuracy', which is given under another name too" in \
        x.submission._apart["d"].why  # fmt: skip


# ---------------------------------------------------------------- 4. schedules as students word them


@pytest.mark.parametrize("schedule, name, cadence, said", [
    ('{ name = "multistep", milestones = [480, 800], gamma = 0.1, cadence = "iteration" }', "multistep", "step",
     'cadence = "iteration" read as \'step\''),
    ('{ name = "step", step_size = 5, gamma = 0.5, cadence = "per_batch" }', "step", "step", "per_batch"),
    ('{ name = "none" }', "constant", "epoch", "name = \"none\" read as 'constant'"),
    ('{ name = "MultiStepLR", milestones = [15, 25], gamma = 0.1, by_epoch = true }', "multistep", "epoch",
     "by_epoch = true read as cadence = 'epoch'"),
    ('{ name = "multistep", milestones = [480], gamma = 0.1, by_epoch = false }', "multistep", "step",
     "by_epoch = false read as cadence = 'step'"),
    ('"constant"', "constant", "epoch", 'schedule = "constant" read as schedule = { name = "constant" }'),
    ('"CosineAnnealingLR"', "cosine", "epoch", 'schedule = "CosineAnnealingLR" read as'),
])  # fmt: skip
def test_a_schedule_worded_as_students_word_it_is_read(tmp_path, schedule, name, cadence, said):
    """k01, k02, k03, k05: each refused its run (33.33/100)."""
    x = _load(tmp_path, HEAD.format(setup="") + _run(f"schedule = {schedule}"))
    assert x.error is None and not x.submission._apart, x.submission._apart
    (run,) = x.submission.run
    assert (run.schedule.name, run.schedule.cadence) == (name, cadence)
    assert said in _notes(x)


# ---------------------------------------------------------------- 5. ReduceLROnPlateau: the grader's limit


@pytest.mark.parametrize("name", ["ReduceLROnPlateau", "plateau", "reduce_on_plateau"])
def test_reduce_lr_on_plateau_is_the_graders_limit_its_claims_pending(tmp_path, name):
    """k04: refused with "mode: must be one of 'triangular'…; factor: unknown key (did you mean 'factors'?)"."""
    sched = f'schedule = {{ name = "{name}", mode = "min", factor = 0.1, patience = 3 }}\nclaimed_test_accuracy = 0.97'
    x = _load(tmp_path, HEAD.format(setup="") + _run(sched))
    apart = x.submission._apart["run"]
    assert apart.unsupported and apart.claims == ("claimed_test_accuracy",)
    assert "is not rerun by this grader (its LR depends on the loss it monitors" in apart.why
    assert "multistep" in apart.why and "factors" not in apart.why and "triangular" not in apart.why
    assert "its claims are pending review" in _notes(x)


def test_a_plateau_run_with_a_fault_of_its_own_is_refused_for_it(tmp_path):
    x = _load(tmp_path, HEAD.format(setup="") + _run('schedule = { name = "plateau" }').replace("0.0506", "-1"))
    apart = x.submission._apart["run"]
    assert not apart.unsupported and apart.why.startswith("run[0].lr: must be > 0") and "plateau" in apart.why


# ---------------------------------------------------------------- 6. a LambdaLR's lr_lambda, read as data


def test_an_lr_lambda_string_is_read_as_data_and_tabulated(tmp_path):
    """e2: `lr_lambda = "lambda epoch: min(1.0, (epoch + 1) / 5)"` refused its run ("lr_lambda: unknown key")."""
    sched = 'schedule = { name = "LambdaLR", lr_lambda = "lambda epoch: min(1.0, (epoch + 1) / 5)" }'
    x = _load(tmp_path, HEAD.format(setup="") + _run(sched + "\nepochs = 30"))
    assert not x.submission._apart, x.submission._apart
    s = x.submission.run[0].schedule
    assert (s.name, s.cadence, len(s.table)) == ("table", "epoch", 30)
    assert s.table[:6] == pytest.approx((0.2, 0.4, 0.6, 0.8, 1.0, 1.0))
    assert "read as data (parsed, never run) and tabulated over the run's 30 epochs" in _notes(x)
    step = 'schedule = { name = "LambdaLR", lr_lambda = "lambda it: 0.999 ** it", cadence = "step" }'
    x = _load(tmp_path, HEAD.format(setup="") + _run(step + "\nepochs = 30"), "b")
    assert len(x.submission.run[0].schedule.table) == 30 * 32  # mnist-5k: 32 steps an epoch


@pytest.mark.parametrize("fn, said", [("lambda e: __import__('os').system('touch /tmp/pwned-probe23')", "never run"),
                                      ("lambda x: 0.5", "names no unit"),
                                      ("lambda epoch: epoch / 5", "factors > 0")])  # fmt: skip
def test_an_lr_lambda_it_cannot_tabulate_is_pending_and_points_to_the_table(tmp_path, fn, said):
    x = _load(tmp_path, HEAD.format(setup="") + _run(f'schedule = {{ name = "LambdaLR", lr_lambda = "{fn}" }}'))
    apart = x.submission._apart["run"]
    assert apart.unsupported and said in apart.why, apart.why
    assert 'name = "table"' in apart.why or "cadence" in apart.why
    assert not Path("/tmp/pwned-probe23").exists()


# ---------------------------------------------------------------- 7. rules as reports word them


@pytest.mark.parametrize("said, rule", [
    ("lowest loss / 10", "min/10"), ("minimum loss divided by 10", "min/10"), ("Min loss over ten", "min/10"),
    ("lowest loss", "min"), ("steepest negative gradient", "steepest"), ("steepest descent", "steepest"),
    ("most negative slope", "steepest"), ("fastai valley", "valley"), ("valley (fastai)", "valley"),
    ("fast.ai's valley", "valley"),
])  # fmt: skip
def test_a_rule_worded_as_a_report_words_it_is_read(tmp_path, said, rule):
    """c01, c02, c03: refused their sweep (66.66/100) — "min loss / 10" was read, "lowest loss / 10" not."""
    x = _load(tmp_path, HEAD.format(setup="").replace('rule = "steepest"', f'rule = "{said}"') + _run(""))
    assert not x.submission._apart, x.submission._apart
    assert x.submission.range_test[0].rule == rule and f"read as {rule!r}" in _notes(x)


def test_a_rule_that_names_none_is_still_refused(tmp_path):
    x = _load(tmp_path, HEAD.format(setup="").replace('rule = "steepest"', 'rule = "highest loss / 10"') + _run(""))
    assert "unknown rule" in x.submission._apart["sweep"].why


# ---------------------------------------------------------------- end to end


def test_graded_the_setup_seed_counts_and_a_plateau_run_is_pending_not_lost(tmp_path):
    """c06 (ERROR 0/100) and k04 (FAIL 33.33/100), graded quick: c06 PASS, k04 nothing lost, its run's points
    pending (the grader's limit)."""
    shutil.copy(ROOT / "submissions" / "assignment.toml", tmp_path / "assignment.toml")
    claims = "epochs = 30\nclaimed_test_accuracy = 0.97\nclaimed_test_loss = 0.1537"
    _load(tmp_path, HEAD.format(setup="[setup]\nseed = 426\n") + _run(claims), "c06")
    plateau = 'schedule = { name = "ReduceLROnPlateau", mode = "min", factor = 0.1, patience = 3 }\n'
    _load(tmp_path, HEAD.format(setup="") + _run(plateau + claims), "k04")
    result = grade_class(tmp_path, out=None, quick=True, cache_dir=tmp_path / "cache")
    by = {s.id: s for s in result.students}
    assert by["c06"].verdict != "ERROR" and by["c06"].total > 0
    k04 = by["k04"]
    assert not [c for c in k04.checks if c.status == "fail"], [c.message for c in k04.checks if c.status == "fail"]
    assert k04.pending > 50 and round(k04.total + k04.pending, 2) == 100


@pytest.mark.parametrize("epochs, fault", [(10**6, "1,000,000 epochs > the allowed 30"),
                                           (10, "10 epochs < the assignment's 30"), (30, None)])  # fmt: skip
def test_a_plateau_run_of_the_wrong_length_is_refused_for_it_not_pending(tmp_path, epochs, fault):
    """The grader's limit excused an entry's own faults: `epochs = 10**6` beside ReduceLROnPlateau was pending
    review (stop 42's note, left), never refused as the same run with a schedule the grader reruns is."""
    from grader.checks import check_config
    from grader.context import Context
    from grader.load import load_assignment
    from grader.plan import refusals

    plateau = 'schedule = { name = "ReduceLROnPlateau", mode = "min", factor = 0.1, patience = 3 }\n'
    text = _run(plateau + f"epochs = {epochs}\nclaimed_test_accuracy = 0.97") + _run("", "adam", "adam")
    x = _load(tmp_path, HEAD.format(setup="") + text)  # an accepted run beside it: the section is handed in
    a = load_assignment(ROOT / "submissions")
    refused = refusals(x.submission, a)
    checks = {(c.check, c.subject): c for c in check_config(Context(x.submission, a, [], None, True, 1000), 10)}
    config, claim = checks[("config", "run")], checks[("accuracy_claim", "run")]
    if fault is None:  # the grader's limit and nothing else: pending review, nothing lost
        assert refused.limit == {"run"} and (config.status, claim.status) == ("skip", "skip")
        assert claim.pending == a.points.accuracy_claim
        return
    assert not refused.limit and refused.entries["run"].endswith(f"; and {fault}"), refused.entries["run"]
    assert (config.status, claim.status, claim.pending, claim.points) == ("fail", "fail", 0, 0)
    assert fault in config.message


# ---------------------------------------------------------------- examiner probe 25: torch's default gamma


@pytest.mark.parametrize(
    "schedule, torch_name",
    [
        ('{ name = "StepLR", step_size = 10, cadence = "epoch" }', "StepLR"),
        ('{ name = "MultiStepLR", milestones = [10, 20] }', "MultiStepLR"),
    ],
)
def test_a_step_schedule_without_gamma_is_torchs_default(tmp_path, schedule, torch_name):
    """g00, g01: StepLR(optimizer, step_size=10) and MultiStepLR(optimizer, [10, 20]) run γ = 0.1, torch's default;
    written without `gamma` the run was refused ("needs gamma"), FAIL 0/100. Read as torch's default, said."""
    x = _load(tmp_path, HEAD.format(setup="") + _run(f"schedule = {schedule}\nclaimed_test_accuracy = 0.963"))
    assert x.error is None and not x.submission._apart, x.submission._apart
    (run,) = x.submission.run
    assert run.schedule.gamma == 0.1
    assert f"run[0].schedule: gamma left out, read as torch's default 0.1 ({torch_name})" in _notes(x), _notes(x)
    explicit = _load(tmp_path, HEAD.format(setup="") + _run(f"schedule = {schedule[:-2]}, gamma = 0.1 }}"), "b")
    assert explicit.submission.run[0].schedule == run.schedule  # one config: the same committed reference, one rerun


def test_a_course_config_steplr_without_gamma_is_read(tmp_path):
    """L11: `lr_scheduler = dict(type='StepLR', step_size=10)` was ERROR 0/100 ("scheduler 'step' needs gamma")."""
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "config.py").write_text("BATCH_SIZE = 128\nNUM_EPOCHS = 30\noptimizer = dict(type='AdamW', "
                                              "lr=0.001, weight_decay=0.01)\nlr_scheduler = dict(type='StepLR', "
                                              "step_size=10)\n")  # fmt: skip
    x = load_submission(tmp_path / "c")
    assert x.error is None, x.error
    assert x.submission.run[0].schedule.gamma == 0.1 and x.submission.run[0].schedule.step_size == 10
