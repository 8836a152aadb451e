"""What honest students write that means what the schema says (examiner probe 19): each was ERROR 0/100 for the
whole submission — a rule or optimizer name in another case, torch's class names, `./logs` or a Windows path,
torch's scheduler arguments the rerun sets from the run — and is read as meant, with one note each; an argument that
is not the rerun's refuses only its entry, and a logs path that stays unreadable costs only the logs."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.load import load_submission

SUB = """
[student]
id = "a"
name = "A"

[[range_test]]
name = "sweep"
optimizer = "SGD"
start_lr = 1e-5
end_lr = 10.0
rule = "Steepest"
logs = {logs}

[[run]]
name = "cos"
optimizer = "Adam"
lr = 0.001
epochs = 30
schedule = {{ name = "CosineAnnealingLR", T_max = 30, last_epoch = -1 }}

[[run]]
name = "oc"
optimizer = "sgd"
lr = 0.05
epochs = 30
schedule = {{ name = "OneCycleLR", max_lr = 0.05, epochs = 30, steps_per_epoch = 32, anneal_strategy = "cos" }}

[[run]]
name = "cos10"
optimizer = "sgd"
lr = 0.05
epochs = 30
schedule = {{ name = "cosine", T_max = 10 }}
"""


def _load(tmp_path: Path, logs: str):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "submission.toml").write_text(SUB.format(logs=logs))
    return load_submission(tmp_path / "a")


def test_names_paths_and_torch_arguments_are_read_as_meant_with_a_note_each(tmp_path):
    x = _load(tmp_path, r"'./logs\sweep.csv'")
    assert x.error is None, x.error
    (sweep,) = x.submission.range_test
    assert (sweep.optimizer, sweep.rule, sweep.logs) == ("sgd", "steepest", "logs/sweep.csv")
    runs = {r.name: r for r in x.submission.run}
    assert runs["cos"].optimizer == "adam" and runs["cos"].schedule.name == "cosine"
    assert runs["oc"].schedule.name == "onecycle"
    notes = " | ".join(x.warnings)
    for said in ("rule = \"Steepest\" read as 'steepest'", "optimizer = \"SGD\" read as 'sgd'",
                 'logs = "./logs\\sweep.csv" read as "logs/sweep.csv"', "T_max = 30, last_epoch = -1 dropped",
                 'epochs = 30, steps_per_epoch = 32, anneal_strategy = "cos" dropped'):  # fmt: skip
        assert said in notes, (said, notes)


def test_an_argument_that_is_not_the_reruns_refuses_only_its_entry(tmp_path):
    """T_max = 10 on a 30-epoch run is another LR curve (cosine restarts): the entry is refused, and a note says why."""
    x = _load(tmp_path, '"logs/sweep.csv"')
    assert "cos10" in x.submission._apart and "T_max" in x.submission._apart["cos10"].why
    assert any("T_max = 10 is not the rerun's 30" in w for w in x.warnings), x.warnings
    assert {r.name for r in x.submission.run} == {"cos", "oc"}


def test_a_logs_path_through_a_folder_with_a_space_is_read(tmp_path):
    x = _load(tmp_path, '" my logs/sweep.csv"')
    assert x.submission.range_test[0].logs == "my logs/sweep.csv" and "sweep" not in x.submission._apart


def test_a_logs_path_that_stays_unreadable_costs_the_logs_not_the_entry(tmp_path):
    x = _load(tmp_path, '"../elsewhere/sweep.csv"')
    (sweep,) = x.submission.range_test
    assert sweep.logs is None and "sweep" not in x.submission._apart
    assert any(w.startswith("Logs not used: range_test[0].logs") for w in x.warnings), x.warnings


def test_grade_check_is_the_self_check(tmp_path, monkeypatch):
    """`grade check mysub` — what a student types — was "unrecognized arguments: mysub" (exit 2)."""
    from grader import cli

    seen = {}
    monkeypatch.setattr("grader.commands.grade", lambda args: seen.setdefault("args", args) and 0)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mysub").mkdir()
    assert cli.main(["check", "mysub"]) == 0
    assert seen["args"].self_check and seen["args"].path == Path("mysub")


def test_torchs_constantlr_is_not_our_constant_and_verbose_or_spacing_changes_nothing(tmp_path):
    """Examiner probe 20: "ConstantLR" was read as a constant LR (torch's divides it by 3 for 5 epochs), `verbose`
    was refused, "one cycle" and "One_Cycle" too; a torch argument at another value than the rerun's was refused
    as "unknown key (remove it or fix its spelling)"."""
    text = SUB.format(logs='"logs/sweep.csv"').replace('name = "OneCycleLR"', 'name = "One_Cycle", verbose = false')
    text = text.replace('name = "CosineAnnealingLR"', 'name = "ConstantLR"')
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "submission.toml").write_text(text)
    x = load_submission(tmp_path / "a")
    assert {r.name: r.schedule.name for r in x.submission.run} == {"oc": "onecycle"}
    assert "cos" in x.submission._apart  # refused, not read as our constant
    why = x.submission._apart["cos10"].why
    assert "torch's T_max, which the rerun sets from the run" in why and "remove it" not in why


@pytest.mark.parametrize("said, rule", [("steepest gradient", "steepest"), ("Min Loss", "min"),
                                        ("min / 10", "min/10"), ("one decade below min", "min/10")])  # fmt: skip
def test_a_rule_worded_as_reports_word_it_is_read(tmp_path, said, rule):
    """Examiner probe 19's rule2: `rule = "steepest gradient"` refused its sweep ("unknown rule")."""
    x = _load(tmp_path, '"logs/sweep.csv"')
    text = (tmp_path / "a" / "submission.toml").read_text().replace('rule = "Steepest"', f'rule = "{said}"')
    (tmp_path / "a" / "submission.toml").write_text(text)
    x = load_submission(tmp_path / "a")
    assert x.submission.range_test[0].rule == rule, x.submission._apart
