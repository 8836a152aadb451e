"""One training loop, one engine table, no import circles (issue 15): the structure a change relies on."""

from __future__ import annotations

import argparse
import ast
import math
from pathlib import Path

import pytest
import torch
from test_checks import circle  # tests/test_checks.py: the depth-first circle finder

from reference.config import RunConfig
from reference.engines import CHOICES, ENGINES, resolve
from reference.loop import StepPlan, drive

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------- the loop core, driven by a scripted engine


class Scripted:
    """A Stepper whose rows return scripted losses: row i's loss at step s is losses[i](s)."""

    def __init__(self, losses):
        self.rows = list(range(len(losses)))  # which run each row is
        self.curves, self.calls = losses, []

    def step(self, step: int) -> torch.Tensor:
        return torch.tensor([self.curves[i](step) for i in self.rows])

    def losses(self, pending: torch.Tensor) -> torch.Tensor:
        return pending

    def evaluate(self):
        self.calls.append(("evaluate", list(self.rows)))
        return [(float(i), 0.5) for i in self.rows]

    def keep(self, rows: list[int]) -> None:
        self.calls.append(("keep", rows))
        self.rows = [self.rows[r] for r in rows]

    def end_epoch(self) -> None:
        self.calls.append(("end_epoch", list(self.rows)))


def test_the_loop_reads_every_step_once_and_drops_only_the_run_that_diverged():
    # 10 steps an epoch, 3 epochs, evaluations every 4 steps (not dividing an epoch: the ring buffer's wrap)
    cfgs = [RunConfig(epochs=3, epoch_steps=10, eval_every=4, seed=s) for s in range(3)]
    plan = StepPlan.of(cfgs[0], n_train=1)
    calm = lambda s: 2.0 - s / 100  # noqa: E731
    nan_at_13 = lambda s: math.nan if s == 13 else 2.0  # noqa: E731
    engine = Scripted([calm, nan_at_13, lambda s: 1.0 if s < 6 else 1e6])  # row 2 explodes at step 6
    tracks = drive(cfgs, plan, engine, torch.device("cpu"))

    assert tracks[0].losses == pytest.approx([calm(s) for s in range(30)])  # every step, once, in order
    assert tracks[0].diverged is None and [e["step"] for e in tracks[0].evals] == [4, 8, 10, 12, 16, 20, 24, 28, 30]
    assert [e["epoch_end"] for e in tracks[0].evals] == [False, False, True, False, False, True, False, False, True]
    assert tracks[1].diverged[0] == 13 and "nan" in tracks[1].diverged[1] and len(tracks[1].losses) == 16
    assert tracks[2].diverged[0] == 6 and "exploded" in tracks[2].diverged[1] and len(tracks[2].losses) == 8
    # the exploded run leaves at the evaluation after step 8, the NaN one after step 16; a run that left is never
    # evaluated again, and the engine drops its row before the evaluation
    assert engine.calls[:3] == [("evaluate", [0, 1, 2]), ("keep", [0, 1]), ("evaluate", [0, 1])]
    assert ("keep", [0]) in engine.calls and engine.calls.count(("evaluate", [0])) == 5
    assert [c for c in engine.calls if c[0] == "end_epoch"] == [("end_epoch", [0, 1]), ("end_epoch", [0])] * 1 + [
        ("end_epoch", [0])
    ]
    assert [e["step"] for e in tracks[1].evals] == [4, 8, 10, 12] and [e["step"] for e in tracks[2].evals] == [4]


def test_the_loop_stops_when_every_run_has_left():
    cfgs = [RunConfig(epochs=5, epoch_steps=10, eval_every=5)]
    engine = Scripted([lambda s: math.inf if s == 3 else 1.0])
    (track,) = drive(cfgs, StepPlan.of(cfgs[0], n_train=1), engine, torch.device("cpu"))
    assert track.diverged[0] == 3 and len(track.losses) == 5
    assert not [c for c in engine.calls if c[0] in ("evaluate", "end_epoch")]


# ---------------------------------------------------------------- one copy of the loop, one engine table


def _source(path: str) -> str:
    return (ROOT / path).read_text()


ENGINE_MODULES = ["reference/loop.py", "reference/engines/batched.py", "reference/engines/colossal_worker.py"]


@pytest.mark.parametrize("path", ENGINE_MODULES)
def test_every_engine_drives_the_one_loop(path):
    tree = ast.parse(_source(path))
    calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert "drive" in calls
    attrs = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    if path != "reference/loop.py":  # stepping, read-back and evaluation points are the core's, not the engine's
        assert not attrs & {"evaluates_after", "unread", "steps_in"}


def test_every_engine_in_the_table_is_a_choice_and_runs():
    from grader.cli import parser as grade_parser
    from reference.cli import parser as reference_parser

    (commands,) = [a for a in reference_parser("train")._actions if isinstance(a, argparse._SubParsersAction)]
    for p in (grade_parser(), commands.choices["train"]):
        (engine,) = [a for a in p._actions if a.dest == "engine"]
        assert tuple(engine.choices) == CHOICES == ("auto", *ENGINES)
    for name, engine in ENGINES.items():
        assert callable(engine.run) and (engine.group is None) == (name != "batched"), name
        assert resolve(name, "cpu") is engine and engine.tag(3).startswith(name)
        assert engine.tag(3) != engine.tag(2) if engine.processes else engine.tag(3) == name


@pytest.mark.parametrize("path", ["grader/runner.py", "grader/fanout.py", "grader/unit.py"])
def test_the_runner_and_ray_backend_never_branch_on_an_engine_name(path):
    strings = {n.value for n in ast.walk(ast.parse(_source(path))) if isinstance(n, ast.Constant)}
    assert not strings & set(ENGINES), strings & set(ENGINES)
    assert "split" not in {n.attr for n in ast.walk(ast.parse(_source(path))) if isinstance(n, ast.Attribute)}


def project_modules() -> dict[str, Path]:
    mods = {}
    for pkg in ("reference", "grader"):
        for p in (ROOT / pkg).rglob("*.py"):
            mods[".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")] = p
    return mods


def _imported(node: ast.AST, mods: dict[str, Path], m: str) -> set[str]:
    names = []
    if isinstance(node, ast.ImportFrom) and node.module:
        names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
    elif isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    return {n for n in names if n in mods and n != m and not m.startswith(n + ".")}


def all_imports() -> dict[str, set[str]]:
    """Project module → project modules it imports anywhere: module level, inside functions, and under
    `if TYPE_CHECKING:` (an annotation-only import is still a dependency a reader follows)."""
    mods = project_modules()
    return {
        m: set().union(*(_imported(n, mods, m) for n in ast.walk(ast.parse(p.read_text())))) for m, p in mods.items()
    }


def test_no_import_circle_among_project_modules():
    graph = all_imports()
    assert {"reference.loop", "reference.engines.batched", "grader.unit", "grader.fanout"} <= set(graph)
    assert "grader.unit" in graph["grader.fanout"] and "grader.runner" not in graph["grader.fanout"]
    assert "reference.engines" not in graph["reference.engines.batched"]
    assert circle(graph) is None, " -> ".join(circle(graph))
    assert circle({"a": {"b"}, "b": {"a"}}) == ["a", "b", "a"]


def test_the_tables_sit_below_what_builds_from_them():
    """The tables are data with no project imports of their own (config.py imports them; reference/optim.py, the
    data and the grader build from them) and no torch: `--help` and the submission schema read them."""
    import subprocess
    import sys

    graph, tables = all_imports(), ("reference.schedules", "reference.optimizers", "reference.datasets")
    for table in tables:
        assert not graph[table], (table, graph[table])
    assert set(tables[:2]) <= graph["reference.config"] and "reference.optim" not in graph["reference.config"]
    assert graph["reference.protocols"] == {"reference.config"}  # the protocols are configs, as data
    code = f"import sys, {', '.join(tables)}, reference.protocols\nprint('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.stdout.strip() == "False", done.stderr


def test_project_modules_are_imported_at_the_top_but_where_torch_must_wait():
    """Function-local imports of project modules hide what a module depends on: only each CLI's `commands` (torch,
    once a command runs) and the engine table's entry points (an engine, when it runs) remain, each with its
    reason."""
    mods, local = project_modules(), []
    for m, p in mods.items():
        lines = p.read_text().splitlines()
        for fn in ast.walk(ast.parse(p.read_text())):
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                local += [(m, fn.name, lines[n.lineno - 1]) for n in ast.walk(fn) if _imported(n, mods, m)]
    assert sorted((m, f) for m, f, _ in local) == [
        ("grader.cli", "main"),
        ("reference.cli", "main"),
        ("reference.engines", "_batch_group"),
        ("reference.engines", "_batched"),
        ("reference.engines", "_colossalai"),
        ("reference.engines", "_colossalai_ready"),  # whether the engine can run here, asked before any run
        ("reference.engines", "_sequential"),
        ("reference.engines", "run_many"),
    ]
    assert all("# torch" in line for _, _, line in local), local


def test_one_rubric_table_names_every_check():
    """grader/rubric.py is the one home of the checks: the functions, assignment.toml's [points], the claim checks
    and the diagnosable ones all follow its keys and order."""
    from grader.checks import CHECKS
    from grader.diagnoses import PITFALLS
    from grader.rubric import CLAIM_CHECKS, DIAGNOSED, RUBRIC
    from grader.schema import Points

    assert list(CHECKS) == list(RUBRIC) == list(Points.model_fields)
    assert {k: f.default for k, f in Points.model_fields.items()} == {k: c.points for k, c in RUBRIC.items()}
    assert set(CLAIM_CHECKS) == {"lr_claim", "accuracy_claim", "loss_claim"}
    assert {c for p in PITFALLS.values() for c in p.checks} - {"config"} <= set(DIAGNOSED)


@pytest.mark.parametrize("script", sorted(p.relative_to(ROOT).as_posix() for d in ("benchmarks", "tools")
                                          for p in (ROOT / d).glob("*.py")))  # fmt: skip
def test_every_script_still_imports(script):
    """A benchmark or tool script is not run by the tests, so a refactor that moves a name it imports would leave
    it broken unnoticed (diagnosis_power.py imported `steps_per_epoch` from its old home): each is imported here,
    which runs its imports and definitions but not its `__main__` part."""
    import importlib.util
    import sys

    name = f"script_{Path(script).stem}"
    spec = importlib.util.spec_from_file_location(name, ROOT / script)
    module = sys.modules[name] = importlib.util.module_from_spec(spec)  # dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
