"""Legacy ColossalAI-style config.py files are read as data, never run, and mapped onto run-config fields."""

from __future__ import annotations

import ast
import builtins
import time
import tracemalloc
from pathlib import Path

import pytest

import grader.legacy as legacy
from grader.legacy import LegacyConfigError, legacy_to_run_fields, parse_legacy_config, read_legacy_config
from reference.config import RunConfig, ScheduleConfig

COURSE_CONFIG = """\
from colossalai.amp import AMP_TYPE
BATCH_SIZE = 128
NUM_EPOCHS = 30
LEARNING_RATE = 1e-3 * 2
fp16 = dict(mode=AMP_TYPE.TORCH)
clip_grad_norm = 1.0
gradient_accumulation = 2
OPTIMIZER = "sgd"
MOMENTUM = 0.9
WEIGHT_DECAY = 5e-4
LR_SCHEDULER = dict(type="MultiStepLR", milestones=[15, 25], gamma=0.1)
parallel = dict(pipeline=1, tensor=dict(size=1, mode=None))
"""


def test_course_config_parses_to_plain_values(tmp_path: Path) -> None:
    path = tmp_path / "config.py"
    path.write_text(COURSE_CONFIG)
    assert read_legacy_config(path) == {
        "BATCH_SIZE": 128,
        "NUM_EPOCHS": 30,
        "LEARNING_RATE": pytest.approx(0.002),
        "fp16": {"mode": "torch"},
        "clip_grad_norm": 1.0,
        "gradient_accumulation": 2,
        "OPTIMIZER": "sgd",
        "MOMENTUM": 0.9,
        "WEIGHT_DECAY": 5e-4,
        "LR_SCHEDULER": {"type": "MultiStepLR", "milestones": [15, 25], "gamma": 0.1},
        "parallel": {"pipeline": 1, "tensor": {"size": 1, "mode": None}},
    }


def test_course_config_maps_to_run_fields_with_warnings() -> None:
    fields, warnings = legacy_to_run_fields(parse_legacy_config(COURSE_CONFIG))
    assert fields == {
        "batch_size": 128,
        "epochs": 30,
        "lr": pytest.approx(0.002),
        "optimizer": "sgd",
        "momentum": 0.9,
        "weight_decay": 5e-4,
        "schedule": {"name": "multistep", "milestones": [15, 25], "gamma": 0.1},
    }
    assert [w.split(":")[0] for w in warnings] == ["fp16", "clip_grad_norm", "gradient_accumulation"]
    assert "fp32" in warnings[0]  # a one-device, single-stage `parallel` changes nothing: no warning


def test_mapped_fields_build_a_run_config() -> None:
    fields, _ = legacy_to_run_fields(parse_legacy_config(COURSE_CONFIG))
    cfg = RunConfig(**fields)
    assert (cfg.lr, cfg.batch_size, cfg.schedule.name, cfg.schedule.milestones) == (0.002, 128, "multistep", (15, 25))


# (source, line of the offence, fragment the message must contain)
HOSTILE = [
    ('import os\nos.system("touch PWNED")\n', 2, "os.system"),
    ('import os\nX = os.system("touch PWNED")\n', 2, "call to os.system"),
    ('X = __import__("os").system("touch PWNED")\n', 1, "__import__"),
    ('X = 1\nY = open("PWNED", "w")\n', 2, "call to open"),
    ("X = [c for c in ()]\n", 1, "comprehension"),
    ("X = ().__class__.__bases__[0].__subclasses__()\n", 1, "__subclasses__"),
    ("().__class__.__bases__[0].__subclasses__()\n", 1, "__subclasses__"),
    ("X = ().__class__\n", 1, "attribute access ().__class__"),
    ('X = eval("1")\n', 1, "call to eval"),
    ('X = getattr(1, "real")\n', 1, "call to getattr"),
    ("class C:\n    pass\n", 1, "class definition"),
    ("for i in ():\n    pass\n", 1, "for loop"),
    ('X = 1\nY = f"{X}"\n', 2, "f-string"),
    ("X = (Y := 1)\n", 1, "walrus"),
    ("X = [*range(3)]\n", 1, "starred"),
    ("X = [1][0]\n", 1, "subscript"),
    ("X = 2 ** 10**9\n", 1, "exponent"),
    ('X = "a" * 10**9\n', 1, "too large"),
    ("X = [0] * 10**9\n", 1, "too large"),
    ("F = lambda: 0\n", 1, "takes one argument"),
    ("F = lambda a, b=1: 0\n", 1, "takes one argument"),
    ("def f():\n    pass\n", 1, "cannot read function 'f'"),
    ("X = math.exp(1000)\n", 1, "math range error"),
    ("X = max([1, 2])\n", 1, "numbers only"),
    ("X = pow(2, 10**9)\n", 1, "exponent"),
    ("X = 1 < 'a'\n", 1, "numbers or strings only"),
    ("X = open if 1 else 2\n", 1, "unknown name 'open'"),
    ("A = [0] * 100\nB = [A] * 100\n", 2, "too large"),
    ("X = 10**90 ** 50\n", 1, "exponent"),
    ('X = "%s" % 1\n', 1, "cannot apply %"),
    ("X = 1 / 0\n", 1, "division by zero"),
    ("X = dict(1, 2)\n", 1, "keyword arguments only"),
]


@pytest.mark.parametrize(("source", "line", "fragment"), HOSTILE, ids=[s.strip() for s, _, _ in HOSTILE])
def test_hostile_or_unsupported_source_is_refused_not_run(
    source: str, line: int, fragment: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.py").write_text(source)
    start = time.perf_counter()
    with pytest.raises(LegacyConfigError) as info:
        read_legacy_config("config.py")
    assert time.perf_counter() - start < 1.0  # huge powers/repetitions are refused, not computed
    message = str(info.value)
    assert message.startswith(f"config.py line {line}: ")
    assert fragment in message
    assert info.value.lineno == line and "\n" not in message
    assert not (tmp_path / "PWNED").exists()


def test_reading_never_calls_eval_or_exec(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the reader must not execute code")

    monkeypatch.setattr(builtins, "eval", refuse)
    monkeypatch.setattr(builtins, "exec", refuse)
    assert parse_legacy_config(COURSE_CONFIG)["BATCH_SIZE"] == 128
    with pytest.raises(LegacyConfigError):
        parse_legacy_config('import os\nos.system("true")\n')


def test_module_source_uses_no_code_running_builtins() -> None:
    tree = ast.parse(Path(legacy.__file__).read_text())
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    names |= {a.name for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
    names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not names & {"eval", "exec", "compile", "__import__", "importlib", "runpy", "import_module"}


def test_syntax_error_reports_its_line() -> None:
    with pytest.raises(LegacyConfigError, match=r"^cfg\.py line 3: syntax error") as info:
        parse_legacy_config("A = 1\nB = 2\nC = (3,\n", filename="cfg.py")
    assert info.value.lineno == 3


def test_unknown_name_reports_name_and_line() -> None:
    with pytest.raises(LegacyConfigError, match=r"^config\.py line 2: unknown name 'foo'"):
        parse_legacy_config("A = 1\nB = A + foo\n")


def test_unknown_dotted_name_is_refused() -> None:
    with pytest.raises(LegacyConfigError, match=r"line 1: .*AMP_TYPE\.FAST"):
        parse_legacy_config("fp16 = dict(mode=AMP_TYPE.FAST)\n")


def test_earlier_names_and_supported_expressions() -> None:
    values = parse_legacy_config(
        '"""Docstring."""\n'
        "import torch\n"
        "BATCH_SIZE = 64\n"
        "TOTAL = BATCH_SIZE * 2\n"
        "A = B = [1, 2]\n"
        "C, (D, E) = 1, (2.5, 'x')\n"
        "N: int = -(3 // 2) % 5\n"
        "S = 'ab' * 3 + 'c'\n"
        "L = list((1, 2)) + [3]\n"
        "T = tuple([4])\n"
        "Z = {'k': {1, 2}, 'n': None, 'b': not True}\n"
        "P = 2 ** -1\n"
        "E2 = dict()\n"
        "fp16 = dict(mode=colossalai.amp.AMP_TYPE.APEX)\n"
        "pass\n"
    )
    assert values == {
        "BATCH_SIZE": 64,
        "TOTAL": 128,
        "A": [1, 2],
        "B": [1, 2],
        "C": 1,
        "D": 2.5,
        "E": "x",
        "N": 4,
        "S": "abababc",
        "L": [1, 2, 3],
        "T": (4,),
        "Z": {"k": {1, 2}, "n": None, "b": False},
        "P": 0.5,
        "E2": {},
        "fp16": {"mode": "apex"},
    }


def test_reading_is_linear_in_the_file() -> None:
    """`B = A` used to deep-copy: 1,000 such lines over a 5,000-element list took seconds. Measured without a clock:
    the names share the value (no copy), and the reader's peak memory grows with the file's length, not with its
    length times the list's (4× the lines: ~4× the memory; copying would be 16× and ~40 MB)."""

    def peak(lines: int) -> tuple[int, dict]:
        source = "A = [0] * 5000\n" + "".join(f"B{i} = A\n" for i in range(lines))
        tracemalloc.start()
        try:
            values = parse_legacy_config(source)
            return tracemalloc.get_traced_memory()[1], values
        finally:
            tracemalloc.stop()

    small, _ = peak(250)
    large, values = peak(1000)
    assert values["B999"] == [0] * 5000 and values["B999"] is values["A"]
    assert large < 6 * small and large < 10_000_000


def test_unpacking_mismatch_and_non_utf8_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(LegacyConfigError, match=r"line 1: cannot unpack"):
        parse_legacy_config("A, B = 1, 2, 3\n")
    path = tmp_path / "config.py"
    path.write_bytes(b"A = 1\nB = '\xff'\n")
    with pytest.raises(LegacyConfigError, match=r"line 2: file is not UTF-8"):
        read_legacy_config(path)


@pytest.mark.parametrize(
    ("scheduler", "expected"),
    [
        ({"type": "StepLR", "step_size": 10, "gamma": 0.5}, {"name": "step", "step_size": 10, "gamma": 0.5}),
        ({"type": "ExponentialLR", "gamma": 0.9}, {"name": "exponential", "gamma": 0.9}),
        ({"type": "OneCycleLR", "max_lr": 0.1, "pct_start": 0.25, "total_steps": 900},
         {"name": "onecycle", "max_lr": 0.1, "pct_start": 0.25}),
        ({"type": "CyclicLR", "base_lr": 1e-3, "max_lr": 0.1, "step_size_up": 50, "mode": "triangular2"},
         {"name": "cyclic", "base_lr": 1e-3, "max_lr": 0.1, "step_size_up": 50, "mode": "triangular2"}),
        ({"type": "LinearLR", "end_factor": 0.1}, {"name": "linear-decay", "end_factor": 0.1}),
    ],
)  # fmt: skip
def test_schedulers_map_to_named_schedules(scheduler: dict, expected: dict) -> None:
    fields, warnings = legacy_to_run_fields({"lr_scheduler": scheduler})
    assert fields == {"schedule": expected}
    assert len(warnings) == ("total_steps" in scheduler) and all("total_steps" in w for w in warnings)
    assert ScheduleConfig(**expected).name == expected["name"]  # the package accepts what was mapped


def test_unhonourable_fields_warn_by_name() -> None:
    fields, warnings = legacy_to_run_fields(
        {
            "LR": 0.1,
            "LEARNING_RATE": 0.2,
            "OPTIMIZER": "AdamW",
            "LR_SCHEDULER": {"type": "CosineAnnealingLR", "T_max": 30, "eta_min": 1e-5, "last_epoch": -1},
            "parallel": {"pipeline": 2},
            "zero": {"level": 2},
            "NUM_CLASSES": 10,
            "helper": 3,
        }
    )
    assert fields == {"lr": 0.1, "optimizer": "adamw", "schedule": {"name": "cosine", "eta_min": 1e-5}}
    named = {w.split(":")[0].split(" ")[0] for w in warnings}
    assert named == {"LEARNING_RATE", "LR_SCHEDULER", "parallel", "zero", "NUM_CLASSES"}
    assert any("T_max" in w for w in warnings) and any("last_epoch" in w for w in warnings)


def test_lambda_and_unknown_schedulers_give_no_schedule() -> None:
    for scheduler in ({"type": "LambdaLR", "lr_lambda": None}, {"type": "ReduceLROnPlateau"}, "MultiStepLR"):
        fields, warnings = legacy_to_run_fields({"LR_SCHEDULER": scheduler})
        assert "schedule" not in fields
        assert len(warnings) == 1 and warnings[0].startswith("LR_SCHEDULER: ")


@pytest.mark.parametrize("source", ["X = " + "-" * 100_000 + "1", "X = 1" + "+1" * 20_000, "X = 1\0"])
def test_pathological_source_is_a_clear_error(source: str) -> None:
    with pytest.raises(LegacyConfigError, match=r"^config\.py line .: (cannot parse the file|syntax error)"):
        parse_legacy_config(source)


def test_colossalai_optimizer_and_scheduler_dicts_name_torch_classes_as_data():
    source = (
        "import torch\n"
        "optimizer = dict(type=torch.optim.SGD, lr=0.1, momentum=0.9)\n"
        "lr_scheduler = dict(type=torch.optim.lr_scheduler.StepLR, step_size=5, gamma=0.5)\n"
    )
    fields, warnings = legacy_to_run_fields(parse_legacy_config(source))
    assert fields == {"optimizer": "sgd", "lr": 0.1, "momentum": 0.9,
                      "schedule": {"name": "step", "step_size": 5, "gamma": 0.5}}  # fmt: skip
    assert warnings == []
    with pytest.raises(LegacyConfigError, match="line 1: cannot evaluate attribute access torch.load"):
        parse_legacy_config("X = torch.load\n")


# ---------------------------------------------------------------- real course files, read leniently

COURSE_SWEEP = '''\
"""The course template's range test, as students handed it in."""
import os
from pathlib import Path
from colossalai.amp import AMP_TYPE
from torch.optim import SGD
from torch.optim.lr_scheduler import LambdaLR

DATA_ROOT = Path(__file__).parent / "data"
try:
    BATCH_SIZE = int(os.environ["BATCH_SIZE"])
except KeyError:
    BATCH_SIZE = 128
NUM_EPOCHS = 10
WARMUP = 40 if NUM_EPOCHS > 40 else 0
LEARNING_RATE = 0.1
if NUM_EPOCHS > 5:
    SEED = 1
else:
    SEED = 2
lr_lambda = lambda step: 10 ** (step / 4690 * 6 - 5)
optimizer = dict(type=SGD, lr=LEARNING_RATE, momentum=0.9, weight_decay=5e-4)
LR_SCHEDULER = dict(type=LambdaLR, lr_lambda=lr_lambda)
fp16 = dict(mode=AMP_TYPE.TORCH)
'''


def test_course_sweep_config_reads_with_warnings_and_its_lambda_is_the_exponential_sweep() -> None:
    cfg = legacy.read_config(COURSE_SWEEP)
    assert cfg.values["BATCH_SIZE"] == 128 and cfg.values["WARMUP"] == 0 and cfg.values["SEED"] == 1
    assert "DATA_ROOT" in cfg.unreadable and not any(legacy.training_name(n) for n in cfg.unreadable)
    assert any("line 8" in w and "Path(__file__)" in w for w in cfg.warnings)
    assert any("line 9" in w and "except branch" in w for w in cfg.warnings)
    fields, _ = legacy_to_run_fields(cfg.values)
    assert fields["optimizer"] == "sgd" and fields["lr"] == 0.1 and fields["weight_decay"] == 5e-4
    part, read, note = legacy.lambda_schedule(fields["schedule"]["lambda"], fields["lr"], 4690)
    assert part == "range_test" and read["shape"] == "exp"
    assert read["start_lr"] == pytest.approx(1e-6) and read["end_lr"] == pytest.approx(10 ** (6 * 4689 / 4690 - 5) / 10)
    assert "exponential sweep" in note
    # the rerun's sweep (lambda-exp between the same endpoints) applies the lambda's LR at every step
    from reference.config import range_test_config
    from reference.optim import lr_table

    table = lr_table(range_test_config(start_lr=read["start_lr"], end_lr=read["end_lr"], epochs=10, epoch_steps=469),
                     469)  # fmt: skip
    want = [0.1 * 10 ** (i / 4690 * 6 - 5) for i in range(4690)]
    assert max(abs(a / b - 1) for a, b in zip(table, want)) < 1e-9


def test_other_lambdas_become_exponential_decay_or_a_table() -> None:
    decay = legacy.read_config("G = 0.999\nF = lambda s: G ** s\n").values["F"]
    part, read, _ = legacy.lambda_schedule(decay, 0.1, 100)
    assert part == "run" and read["schedule"]["name"] == "exponential"
    assert read["schedule"]["gamma"] == pytest.approx(0.999)
    warm = legacy.read_config("import math\ndef f(s):\n    return min(1.0, (s + 1) / 10)\n").values["f"]
    part, read, _ = legacy.lambda_schedule(warm, 0.1, 20)
    assert part == "run" and read["schedule"]["name"] == "table"
    assert read["schedule"]["table"][:3] == pytest.approx([0.1, 0.2, 0.3]) and read["schedule"]["table"][-1] == 1.0


@pytest.mark.parametrize("body", [
    "__import__('os').system('touch PWNED')",
    "open('PWNED', 'w')",
    "s.__class__",
    "(lambda: 0)()",
    "[c for c in 'ab']",
    "10 ** (10 ** s)",
    "2 ** 1000",
])  # fmt: skip
def test_hostile_lambdas_are_data_errors_and_nothing_runs(body: str, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    cfg = legacy.read_config(f"LR = 0.1\nLR_SCHEDULER = dict(type='LambdaLR', lr_lambda=lambda s: {body})\n")
    fields, _ = legacy_to_run_fields(cfg.values)
    start = time.perf_counter()
    with pytest.raises(LegacyConfigError):
        legacy.lambda_schedule(fields["schedule"]["lambda"], 0.1, 4690)
    assert time.perf_counter() - start < 2.5 and not (tmp_path / "PWNED").exists()


def test_an_unreadable_training_field_is_an_error_the_rest_a_warning(tmp_path: Path) -> None:
    from grader.load import load_submission

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "config.py").write_text("import os\nLR = float(os.environ['LR'])\nNUM_EPOCHS = 30\n")
    x = load_submission(tmp_path / "a")
    assert x.submission is None and "line 2" in x.error and "os.environ" in x.error
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "config.py").write_text("import os\nLR = 0.05\nNUM_EPOCHS = 30\nHOME = os.environ['HOME']\n")
    x = load_submission(tmp_path / "b")
    assert x.error is None and x.submission.run[0].lr == 0.05
    assert any("line 4" in w for w in x.warnings)


def test_mixed_case_fields_and_the_course_preset() -> None:
    cfg = legacy.read_config("LR = 0.05\nBatch = 64\nEpochs = 30\n")
    fields, _ = legacy_to_run_fields(cfg.values)
    assert fields == {"lr": 0.05, "batch_size": 64, "epochs": 30}


# ---------------------------------------------------------------- what real course files do (examiner probe 2)


def _loaded(tmp_path: Path, source: str):
    from grader.load import load_submission

    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "config.py").write_text(source)
    return load_submission(folder)


def test_an_optimizer_dict_and_a_later_lr_name_are_a_warning_not_a_crash(tmp_path: Path) -> None:
    """`optimizer = dict(type=Adam, lr=1e-3)` then an old `LR = 1e-2` kept for reference: the grader read it as an
    internal error (KeyError), 0/100. Now the first one is used and the other named, in either order."""
    x = _loaded(tmp_path, "from torch.optim import Adam\noptimizer = dict(type=Adam, lr=1e-3)\nSEED = 3\nLR = 1e-2\n")
    assert x.error is None and x.internal is None
    assert (x.submission.run[0].optimizer, x.submission.run[0].lr) == ("adam", 1e-3)
    assert "LR = 0.01 conflicts with optimizer['lr'] = 0.001; optimizer['lr'] is used" in " ".join(x.warnings)
    _, warnings = legacy_to_run_fields(parse_legacy_config("LR = 0.05\noptimizer = dict(type='SGD', lr=0.01)\n"))
    assert warnings == ["optimizer['lr'] = 0.01 conflicts with LR = 0.05; LR is used (delete the one your run did "
                        "not use)"]  # fmt: skip


def test_names_the_file_uses_are_not_called_ignored_and_nesterov_is_read() -> None:
    source = ("NESTEROV = True\nLR = 0.03\nSTEP_SIZE = 10 * 469\nUNUSED = 7\n"
              "LR_SCHEDULER = dict(type='StepLR', step_size=STEP_SIZE, gamma=0.1)\n")  # fmt: skip
    cfg = legacy.read_config(source)
    fields, warnings = legacy_to_run_fields(cfg.values, cfg.used)
    assert fields["nesterov"] is True and fields["schedule"]["step_size"] == 4690
    assert warnings == ["UNUSED: not a field the grader knows; ignored"]


def test_the_file_s_own_by_epoch_hook_steps_the_scheduler_once_an_epoch(tmp_path: Path) -> None:
    hook = "hooks = [dict(type='LRSchedulerHook', by_epoch=True)]\n"
    x = _loaded(tmp_path, "LR = 0.05\nLR_SCHEDULER = dict(type='MultiStepLR', milestones=[15, 25], gamma=0.1)\n" + hook)
    schedule = x.submission.run[0].schedule
    assert (schedule.cadence, schedule.milestones) == ("epoch", (15, 25))
    assert "stepped once an epoch" in " ".join(x.warnings)
    # a LambdaLR under that hook: tabulated over epochs, stepped once an epoch
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "config.py").write_text("LR = 0.05\nNUM_EPOCHS = 30\nLR_SCHEDULER = dict(type='LambdaLR', "
                                              "lr_lambda=lambda e: 0.5 ** (e // 10))\n" + hook)  # fmt: skip
    from grader.load import load_submission

    schedule = load_submission(tmp_path / "b").submission.run[0].schedule
    assert (schedule.name, schedule.cadence, len(schedule.table)) == ("table", "epoch", 30)
    assert schedule.table[9:11] == (1.0, 0.5)


def test_scheduler_warnings_say_what_is_true() -> None:
    _, warnings = legacy_to_run_fields({"LR": 0.1, "LR_SCHEDULER": "MultiStepLR(milestones=[1])"})
    assert warnings[0].startswith('LR_SCHEDULER: "MultiStepLR(milestones=[1])" is not a scheduler the grader can read')
    warmup = {"type": "LinearLR", "start_factor": 0.1, "end_factor": 1.0, "total_iters": 469}
    _, warnings = legacy_to_run_fields({"LR": 0.1, "LR_SCHEDULER": warmup})
    assert not any("derives" in w for w in warnings)  # start_factor is not derived from the run: it is not re-run
    assert any("start_factor not re-run" in w and "differs from this file's" in w for w in warnings)
