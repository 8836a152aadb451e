"""One table per concept: every optimizer and scheduler entry is known to every surface derived from it (the CLI,
the submission/assignment schema and docs/*.schema.json, the legacy reader, docs/submission.md), and the run
fields the schema shares with RunConfig are RunConfig's own."""

import json
import re
from pathlib import Path

import pytest
import torch
from torch.optim import lr_scheduler as lrs

import grader.legacy as legacy
from grader.schema import Assignment, Optim, Setup, Submission, Tolerances
from reference.cli import parser, train_config
from reference.config import RunConfig, ScheduleConfig
from reference.optim import build_optimizer, lr_table
from reference.optimizers import OPTIMIZERS
from reference.schedules import SCHEDULES
from reference.tolerances import TOLERANCES
from tools import export_schema

DOCS = Path(__file__).resolve().parents[1] / "docs"

# A valid value of every ScheduleConfig field a table entry reads: a new argument needs one here.
SAMPLE = {"gamma": 0.5, "step_size": 2, "milestones": (2, 4), "end_lr": 1.0, "max_lr": 0.2, "base_lr": 0.01,
          "pct_start": 0.25, "div_factor": 10.0, "final_div_factor": 100.0, "step_size_up": 3, "step_size_down": 4,
          "mode": "triangular2", "end_factor": 0.1, "eta_min": 1e-4, "power": 2.0,
          "table": (1.0, 0.5, 0.25), "factors": (2.0, 1.0, 0.5), "cycle_momentum": True, "base_momentum": 0.8,
          "max_momentum": 0.9}  # fmt: skip
ARGS = sorted({a for s in SCHEDULES.values() for a in (*s.args, *s.required)})
CYCLED = ("cycle_momentum", "base_momentum", "max_momentum")  # momentum cycled per step: not in a batched program
LEGACY = {n: s for n, s in SCHEDULES.items() if s.torch}


def _cli_value(v: object) -> str:
    return ",".join(map(str, v)) if isinstance(v, tuple) else str(v)


def _options(command: str) -> dict[str, str]:
    """A run command's options → their help text (as written, before argparse wraps it)."""
    (commands,) = parser(command)._subparsers._group_actions
    return {o: a.help or "" for a in commands.choices[command]._actions for o in a.option_strings}


def test_every_argument_has_a_sample_and_is_a_config_field():
    assert set(ARGS) <= set(SAMPLE) and set(ARGS) <= set(ScheduleConfig.model_fields)


# ---------------------------------------------------------------- reference CLI


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_train_cli_knows_every_scheduler_and_its_arguments(name):
    entry, options = SCHEDULES[name], _options("train")
    assert name in options["--scheduler"].removeprefix("one of ").split(", ")
    flags = {a: SAMPLE[a] for a in entry.required if a != "table"}  # a table comes from legacy configs only
    argv = ["train", "--lr", "0.1", "--scheduler", name]
    for arg in (*entry.args, *entry.required):
        if arg != "table":
            assert name in re.split(r"[ ,:()]+", options[f"--{arg.replace('_', '-')}"]), arg  # its help names it
    for arg, v in flags.items():
        argv += [f"--{arg.replace('_', '-')}", _cli_value(v)]
    if name != "table":
        cfg = train_config(parser("train").parse_args(argv))
        assert cfg.schedule.name == name and cfg.schedule.cadence == entry.cadence


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_both_run_commands_know_every_optimizer(name):
    for command in ("train", "range-test"):
        assert f"{name}: torch.optim.{OPTIMIZERS[name].torch}" in _options(command)["--optimizer"]
    cfg = train_config(parser("train").parse_args(["train", "--lr", "0.1", "--optimizer", name]))
    assert cfg.optimizer == name and cfg.weight_decay == OPTIMIZERS[name].weight_decay


# ---------------------------------------------------------------- schemas


def _schema(filename: str) -> dict:
    return json.loads((DOCS / filename).read_text(encoding="utf-8"))


def test_committed_schemas_and_doc_tables_are_current():
    assert export_schema.main(check=True) == 0


def test_schemas_list_every_entry():
    sub, asg = _schema("submission.schema.json"), _schema("assignment.schema.json")
    assert sub["$defs"]["ScheduleConfig"]["properties"]["name"]["enum"] == list(SCHEDULES)
    assert set(ARGS) <= set(sub["$defs"]["ScheduleConfig"]["properties"])
    assert asg["properties"]["optimizers"]["items"]["enum"] == list(OPTIMIZERS)
    for part in ("RangeTestClaim", "RunClaim", "AutoClaim"):
        description = sub["$defs"][part]["properties"]["optimizer"]["description"]
        assert all(name in description for name in OPTIMIZERS), part


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_a_submission_may_name_every_scheduler(name):
    schedule = {"name": name, **{a: SAMPLE[a] for a in SCHEDULES[name].required}}
    sub = Submission(student={"id": "s", "name": "S"}, run=[{"name": "r", "optimizer": "sgd", "lr": 0.1,
                                                            "schedule": schedule}])  # fmt: skip
    assert sub.run[0].schedule.name == name


def test_an_assignment_may_allow_every_optimizer():
    assert Assignment(optimizers=tuple(OPTIMIZERS)).optimizers == tuple(OPTIMIZERS)
    assert set(Assignment().optimizers) <= set(OPTIMIZERS)


def _bare(schema: dict) -> dict:
    return {k: v for k, v in schema.items() if k not in ("title", "description", "default")}


@pytest.mark.parametrize("model", [Setup, Optim])
def test_shared_run_fields_are_runconfigs_own(model):
    """Type, bounds and default of every run field the schema shares with RunConfig are RunConfig's (the optimizer
    name aside: any name parses, and the config check refuses the ones the assignment does not allow)."""
    mine, run = model.model_json_schema()["properties"], RunConfig.model_json_schema()["properties"]
    shared = [f for f in model.model_fields if f in RunConfig.model_fields and f != "optimizer"]
    assert shared
    for f in shared:
        assert _bare(mine[f]) == _bare(run[f]), f
        assert model.model_fields[f].default == RunConfig.model_fields[f].default, f


def test_tolerance_defaults_come_from_the_reference_table():
    t = Tolerances()
    assert t.k_sigma == TOLERANCES["test_accuracy"].k == TOLERANCES["test_loss"].k
    assert t.lr_min_decades == TOLERANCES["lr"].min_decades


# ---------------------------------------------------------------- legacy config.py


@pytest.mark.parametrize("name", list(LEGACY))
@pytest.mark.parametrize("form", ["import", "attribute", "string"])
def test_a_course_config_naming_the_torch_class_reads_as_that_entry(name, form):
    entry = LEGACY[name]
    args = {a: SAMPLE[a] for a in entry.args if a != "table"}
    kwargs = "".join(f", {a}={list(v) if isinstance(v, tuple) else v!r}" for a, v in args.items())
    if name == "table":
        kwargs = ", lr_lambda=lambda step: 1.0 if step < 10 else 0.1"
    kind = {"import": entry.torch, "attribute": f"torch.optim.lr_scheduler.{entry.torch}",
            "string": repr(entry.torch)}[form]  # fmt: skip
    source = (f"import torch\nfrom torch.optim.lr_scheduler import {entry.torch}\nLR = 0.1\nNUM_EPOCHS = 2\n"
              f"LR_SCHEDULER = dict(type={kind}{kwargs})\n")  # fmt: skip
    fields, warnings = legacy.legacy_to_run_fields(legacy.parse_legacy_config(source))
    if name == "table":  # a LambdaLR's lambda, tabulated over the run
        assert fields["schedule"]["name"] == "lambda"
        kind_, run, _ = legacy.lambda_schedule(fields["schedule"]["lambda"], 0.1, 20)
        assert kind_ == "run" and run["schedule"]["name"] == "table"
        return
    assert fields["schedule"] == {"name": name, **{a: list(v) if isinstance(v, tuple) else v for a, v in args.items()}}
    cfg = RunConfig(**{**fields, "schedule": ScheduleConfig(**fields["schedule"])})
    assert cfg.schedule.name == name


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_a_course_config_naming_the_torch_optimizer_reads_as_that_entry(name):
    cls = OPTIMIZERS[name].torch
    for source in (f"import torch\noptimizer = dict(type=torch.optim.{cls}, lr=0.1)\n",
                   f"from torch.optim import {cls}\noptimizer = dict(type={cls}, lr=0.1)\n",
                   f"OPTIMIZER = {cls!r}\nLR = 0.1\n"):  # fmt: skip
        fields, _ = legacy.legacy_to_run_fields(legacy.parse_legacy_config(source))
        assert fields == {"optimizer": name, "lr": 0.1}, source
        assert RunConfig(**fields).optimizer == name


# ---------------------------------------------------------------- docs/submission.md


def test_submission_md_documents_every_entry_and_argument():
    text = (DOCS / "submission.md").read_text(encoding="utf-8")
    assert export_schema.render_doc(text) == text
    blocks = {n: text.split(f"<!-- BEGIN generated:{n} -->", 1)[1].split("<!-- END", 1)[0]
              for n in export_schema.BLOCKS}  # fmt: skip
    assert all(f"| `{n}` |" in blocks["schedulers"] for n in SCHEDULES)
    assert all(f"| `{n}` | `torch.optim.{o.torch}`" in blocks["optimizers"] for n, o in OPTIMIZERS.items())
    assert all(f"`{s.torch}` → `{n}`" in blocks["legacy-schedulers"] for n, s in LEGACY.items() if n != "table")
    assert all(f"| `{a}` |" in text for a in ARGS), "a schedule argument without a row in the `schedule` table"


def test_the_annotated_example_loads_as_it_says(tmp_path):
    """docs/submission.md's complete example is what a newcomer copies (examiner probe 13 graded it): it loads with
    no error, and says each thing once — the only warning its OneCycle run would get (momentum not cycled) it avoids
    by stating torch's default."""
    from grader.load import load_submission

    text = (DOCS / "submission.md").read_text(encoding="utf-8").split("### Complete annotated example", 1)[1]
    (tmp_path / "a0123456").mkdir()
    (tmp_path / "a0123456" / "submission.toml").write_text(text.split("```toml\n", 1)[1].split("```", 1)[0])
    x = load_submission(tmp_path / "a0123456")
    assert x.error is None and x.warnings == [], (x.error, x.warnings)
    (onecycle,) = [r for r in x.submission.run if r.schedule.name == "onecycle"]
    assert onecycle.schedule.cycle_momentum is True


# ---------------------------------------------------------------- the new entries, against torch


@pytest.mark.parametrize("power, cadence", [(None, "epoch"), (0.5, "step"), (3.0, "epoch")])
def test_polynomial_equals_torchs_polynomiallr(power, cadence):
    spe, epochs, lr = 5, 4, 0.1
    cfg = RunConfig(lr=lr, epochs=epochs, schedule=ScheduleConfig(name="polynomial", power=power, cadence=cadence))
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    n = spe * epochs if cadence == "step" else epochs
    sched = lrs.PolynomialLR(opt, total_iters=n, power=1.0 if power is None else power)
    expected = []
    for step in range(spe * epochs):
        expected.append(opt.param_groups[0]["lr"])
        if cadence == "step" or (step + 1) % spe == 0:
            opt.step()
            sched.step()
    assert lr_table(cfg, spe) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_build_optimizer_makes_the_tables_torch_class(name):
    cfg = RunConfig(optimizer=name, lr=0.03)
    opt = build_optimizer(cfg, [torch.nn.Parameter(torch.zeros(1))])
    assert type(opt) is getattr(torch.optim, OPTIMIZERS[name].torch)
    group = opt.param_groups[0]
    assert all(group[f] == getattr(cfg, f) for f in OPTIMIZERS[name].reads)
    assert group["weight_decay"] == OPTIMIZERS[name].weight_decay


def test_new_fields_leave_existing_configs_dump_unchanged():
    """Cache keys hash model_dump: `power` appears only where it is set."""
    assert "power" not in RunConfig().model_dump(mode="json")["schedule"]
    polynomial = RunConfig(schedule=ScheduleConfig(name="polynomial", power=2.0)).model_dump(mode="json")
    assert polynomial["schedule"]["power"] == 2.0
    assert RunConfig(**polynomial).model_dump(mode="json") == polynomial


# ---------------------------------------------------------------- the engines


@pytest.mark.parametrize("name", [n for n in SCHEDULES if not n.startswith("auto")])
def test_the_batched_engine_applies_every_schedule_as_the_sequential_one(name, mnist5k):
    """Its LR per step is read off the same torch scheduler (`lr_table`), whatever the entry."""
    from reference.engines import run_many

    args = {a: SAMPLE[a] for a in (*SCHEDULES[name].args, *SCHEDULES[name].required) if a not in CYCLED}
    cfgs = [RunConfig(lr=0.05, epochs=3, epoch_steps=3, seed=s, schedule=ScheduleConfig(name=name, **args))
            for s in (0, 1)]  # fmt: skip
    alone = run_many(cfgs, engine="sequential", device="cpu", data=mnist5k)
    together = run_many(cfgs, engine="batched", device="cpu", data=mnist5k)
    assert [r["meta"]["engine"] for r in together] == ["batched", "batched"]
    assert [r["lr"] for r in together] == [r["lr"] for r in alone] and len(alone[0]["lr"]) == 9
    if "cycle_momentum" in SCHEDULES[name].args:  # momentum moved per step: each run on its own, as torch moves it
        cycled = [c.model_copy(update={"schedule": c.schedule.model_copy(update={"cycle_momentum": True})})
                  for c in cfgs]  # fmt: skip
        runs = run_many(cycled, engine="batched", device="cpu", data=mnist5k)
        assert [r["meta"]["engine"] for r in runs] == ["sequential", "sequential"]
        assert runs[0]["lr"] == alone[0]["lr"] and runs[0]["train_loss"] != alone[0]["train_loss"]


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_the_batched_engine_runs_every_optimizer_or_says_it_falls_back(name, mnist5k):
    from reference.engines import run_many
    from reference.engines.batched import not_batchable

    cfg = RunConfig(optimizer=name, lr=1e-3, epochs=1, epoch_steps=4)
    (alone,), (batched,) = (run_many([cfg], engine=e, device="cpu", data=mnist5k) for e in ("sequential", "batched"))
    why = not_batchable(cfg)
    assert batched["meta"]["engine"] == ("batched" if why is None else "sequential"), why
    assert all(abs(a - b) <= 1e-5 * abs(a) for a, b in zip(alone["train_loss"], batched["train_loss"], strict=True))
