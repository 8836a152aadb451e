"""Legacy ColossalAI-style config.py files are read as data, never run, and mapped onto run-config fields."""

from __future__ import annotations

import ast
import builtins
import math
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
    ("X = [c for c in 'ab']\n", 1, "comprehension"),
    ("X = ().__class__.__bases__[0].__subclasses__()\n", 1, "__subclasses__"),
    ("().__class__.__bases__[0].__subclasses__()\n", 1, "__subclasses__"),
    ("X = ().__class__\n", 1, "attribute access ().__class__"),
    ('X = eval("1")\n', 1, "call to eval"),
    ('X = getattr(1, "real")\n', 1, "call to getattr"),
    ("class C:\n    pass\n", 1, "class definition"),
    ("for i in ():\n    pass\n", 1, "for loop"),
    ('X = 1\nY = f"{X}"\n', 2, "f-string"),
    ("X = (Y := open)\n", 1, "unknown name 'open'"),  # a walrus is read (probe 45), its value by the whitelist
    ("X = [*range(3)]\n", 1, "starred"),
    ("X = [1][1]\n", 1, "index 1 is out of range (the list has 1 items)"),
    ("X = [1, 2][0:1]\n", 1, "cannot evaluate the slice"),
    ("X = 'ab'[0]\n", 1, "only lists, tuples and dicts"),
    ("X = {'a': 1}['b']\n", 1, 'no key "b"'),
    ("X = [1][0.0]\n", 1, "a list index is a whole number"),
    ("X = ().__class__.__mro__[1]\n", 1, "attribute access ().__class__"),
    ("@staticmethod\ndef f(s):\n    return s\n", 2, "has a decorator"),
    ("def f(s):\n    for i in ():\n        pass\n    return s\n", 1, "line 2 is a for loop"),
    ("X = 2 ** 10**9\n", 1, "exponent"),
    ('X = "a" * 10**9\n', 1, "too large"),
    ("X = [0] * 10**9\n", 1, "too large"),
    ("F = lambda: 0\n", 1, "takes one argument"),
    ("F = lambda a, b: 0\n", 1, "takes one argument"),
    ("F = lambda a, b=open: 0\n", 1, "unknown name 'open'"),  # a default: read by the whitelist (probe 45)
    ("def f():\n    pass\n", 1, "cannot read function 'f'"),
    ("X = math.exp(1000)\n", 1, "math range error"),
    ("X = max([1, 2])\n", 1, "numbers only"),
    ("X = pow(2, 10**9)\n", 1, "exponent"),
    ("X = 1 < 'a'\n", 1, "numbers or strings only"),
    ("X = open if 1 else 2\n", 1, "unknown name 'open'"),
    ("A = [0] * 100\nB = [A] * 100\n", 2, "too large"),
    ("X = 10**90 ** 50\n", 1, "exponent"),
    ("X = 10 ** 10 ** 10\n", 1, "exponent"),
    ("X = 9 ** 9 ** 9\n", 1, "exponent"),
    ("X = 2.0 ** 1e6\n", 1, "exponent"),
    ("X = math.pow(10, 301)\n", 1, "exponent"),
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
        # read once first: the names B0…B999 are interned by the parser, and the interpreter's table of interned
        # strings may double (~4 MB) on that first read, where the earlier tests' strings leave it full — not the
        # reader's memory
        parse_legacy_config(source)
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
         {"name": "onecycle", "max_lr": 0.1, "pct_start": 0.25, "cycle_momentum": True}),  # torch's default
        ({"type": "CyclicLR", "base_lr": 1e-3, "max_lr": 0.1, "step_size_up": 50, "mode": "triangular2"},
         {"name": "cyclic", "base_lr": 1e-3, "max_lr": 0.1, "step_size_up": 50, "mode": "triangular2",
          "cycle_momentum": True}),
        ({"type": "OneCycleLR", "max_lr": 0.1, "cycle_momentum": False},  # as the file says (probe 13)
         {"name": "onecycle", "max_lr": 0.1, "cycle_momentum": False}),
        ({"type": "LinearLR", "start_factor": 1.0, "end_factor": 0.1}, {"name": "linear-decay", "end_factor": 0.1}),
    ],
)  # fmt: skip
def test_schedulers_map_to_named_schedules(scheduler: dict, expected: dict) -> None:
    fields, warnings = legacy_to_run_fields({"lr_scheduler": scheduler})
    span = fields["schedule"].pop("_span", None)  # the stated run length, compared by to_submission (probe 25)
    assert fields == {"schedule": expected} and not warnings
    assert span == (("total_steps", scheduler["total_steps"]) if "total_steps" in scheduler else None)
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
    assert fields == {"lr": 0.1, "optimizer": "adamw",
                      "schedule": {"name": "cosine", "eta_min": 1e-5, "_span": ("T_max", 30)}}  # fmt: skip
    named = {w.split(":")[0].split(" ")[0] for w in warnings}
    assert named == {"LEARNING_RATE", "parallel", "zero", "NUM_CLASSES"}  # T_max: compared by to_submission
    assert not any("last_epoch" in w for w in warnings)  # -1: the rerun's


@pytest.mark.parametrize("hook, set_apart", [("", True), ("hooks = [dict(type='LRSchedulerHook', by_epoch=True)]\n",
                                                            False)])  # fmt: skip
def test_a_cosine_whose_stated_length_is_not_the_runs_is_the_graders_limit(tmp_path, hook, set_apart) -> None:
    """Examiner probe 25 (L14): ColossalAI's CosineAnnealingLR(total_steps=NUM_EPOCHS) stepped every iteration (the
    course's hook) restarts every 30 iterations; its total_steps was dropped and the run rerun as one cosine over the
    whole run, its baseline judged on that. Stepped once an epoch, 30 is the run's length: dropped, said."""
    from grader.load import load_submission

    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "config.py").write_text(
        "from colossalai.nn.lr_scheduler import CosineAnnealingLR\nBATCH_SIZE = 128\nNUM_EPOCHS = 30\n"
        "LEARNING_RATE = 0.05\nMOMENTUM = 0.9\nlr_scheduler = dict(type=CosineAnnealingLR, total_steps=NUM_EPOCHS)\n"
        + hook)  # fmt: skip
    x = load_submission(tmp_path / "c")
    assert x.error is None, x.error
    if set_apart:
        apart = x.submission._apart["config.py"]
        assert apart.unsupported and not x.submission.run
        assert "total_steps = 30 is not the run's 14,070 optimizer steps (the file steps it every iteration)" in \
            apart.why, apart.why  # fmt: skip
    else:
        assert not x.submission._apart and x.submission.run[0].schedule.name == "cosine"
        assert any("total_steps = 30 dropped: the run's own length" in w for w in x.warnings), x.warnings


def test_lambda_and_unknown_schedulers_give_no_schedule() -> None:
    for scheduler in ({"type": "LambdaLR", "lr_lambda": None}, {"type": "CosineAnnealingWarmRestarts"}, "MultiStepLR"):
        fields, warnings = legacy_to_run_fields({"LR_SCHEDULER": scheduler})
        assert "schedule" not in fields
        assert len(warnings) == 1 and warnings[0].startswith("LR_SCHEDULER: ")


def test_a_reduce_lr_on_plateau_config_is_the_graders_limit_not_a_constant_rerun(tmp_path) -> None:
    """Examiner probe 25 (F3): a course config.py with ReduceLROnPlateau was rerun at a constant LR ("the run keeps a
    constant LR"), its baseline judged on that other run ("the rerun reaches 0.9480"), while the same schedule in a
    submission.toml is set apart as the grader's limit, its claims pending. Now the config.py's is too."""
    from grader.load import load_submission

    fields, warnings = legacy_to_run_fields({"lr_scheduler": {"type": "ReduceLROnPlateau", "factor": 0.1}})
    assert fields == {"schedule": {"name": "ReduceLROnPlateau"}} and not warnings
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "config.py").write_text("BATCH_SIZE = 128\nNUM_EPOCHS = 30\noptimizer = dict(type='Adam', "
                                              "lr=0.01)\nlr_scheduler = dict(type='ReduceLROnPlateau', mode='min', "
                                              "factor=0.1, patience=3)\n")  # fmt: skip
    x = load_submission(tmp_path / "p")
    assert x.error is None and not x.submission.run, x.error
    apart = x.submission._apart["config.py"]
    assert apart.unsupported and apart.part == "run" and "ReduceLROnPlateau is not rerun by this grader" in apart.why
    assert not any("keeps a constant LR" in w for w in x.warnings), x.warnings


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


# ---------------------------------------------------------------- honest course files (examiner probe 9)


def test_an_unread_helper_def_makes_only_its_own_name_unreadable(tmp_path: Path) -> None:
    """c14: an unused `def warmup(step)` the reader cannot read made the module's `lr = 0.05` unreadable (its local
    `lr` counted as a module-level name): ERROR 0/100. A def or class sets its own name only; a module-level
    for/with/if still sets what it assigns."""
    # (a `while`: an `if` in a def is read since probe 45)
    source = ("lr = 0.05\nNUM_EPOCHS = 30\n\n\ndef warmup(step):\n    lr = min(1.0, (step + 1) / 469)\n"
              "    while step > 469:\n        lr = 1.0\n    return lr\n")  # fmt: skip
    x = _loaded(tmp_path, source)
    assert x.error is None and x.submission.run[0].lr == 0.05
    assert any("line 5: cannot read function 'warmup': line 7 is a while loop" in w for w in x.warnings)
    cfg = legacy.read_config(source)
    assert set(cfg.unreadable) == {"warmup"} and cfg.values["lr"] == 0.05
    for stmt, names in [
        ("class Helper:\n    lr = 1\n    BATCH_SIZE = 2\n", {"Helper"}),
        ("for i in range(3):\n    LR = i\n", {"i", "LR"}),
        ("with open('f') as fh:\n    LR = 1\n", {"fh", "LR"}),
        ("if open('f'):\n    LR = 1\n    def g(s):\n        lr = s\n        return lr\n", {"LR", "g"}),
        ("X = [lr for lr in open('f')]\n", {"X"}),
    ]:  # fmt: skip
        assert set(legacy.read_config(stmt).unreadable) == names, stmt


SEED3 = """\
import math
BATCH_SIZE = 128
NUM_EPOCHS = 10
STEPS_PER_EPOCH = 469          # len(train_dataloader) on MNIST at batch 128
LEARNING_RATE = 1.0            # LambdaLR multiplies this


def lrs(batch):
    low = math.log2(1e-5)
    high = math.log2(10)
    return 2 ** (low + (high - low) * batch / STEPS_PER_EPOCH / NUM_EPOCHS)


lr_scheduler = dict(type='LambdaLR', lr_lambda=lrs)
"""


def test_seed3_s_def_with_local_names_reads_as_the_course_sweep(tmp_path: Path) -> None:
    """c03: seed 003's `def lrs(batch)` (two locals, then a return) was an ERROR saying "unknown name 'lrs'". Its
    locals are substituted into the return: the lambda of one expression, the course's exponential sweep."""

    def lrs(batch: int) -> float:  # the same function, in the test: what the reader must tabulate without running it
        low, high = math.log2(1e-5), math.log2(10)
        return 2 ** (low + (high - low) * batch / 469 / 10)

    fn = legacy.read_config(SEED3).values["lrs"]
    assert fn.table(4690) == pytest.approx([lrs(i) for i in range(4690)], rel=1e-12)
    x = _loaded(tmp_path, SEED3)
    assert x.error is None and len(x.submission.range_test) == 1 and not x.submission.run
    sweep = x.submission.range_test[0]
    assert (sweep.start_lr, sweep.end_lr) == (pytest.approx(1e-5), pytest.approx(lrs(4689)))
    (tmp_path / "nesterov").mkdir()  # a sweep keeps the optimizer's settings, Nesterov's included
    assert _loaded(tmp_path / "nesterov", SEED3 + "NESTEROV = True\n").submission.range_test[0].nesterov is True
    # a local assigned again, the step variable reassigned: substituted in order, as Python would compute it
    fn = legacy.read_config("def f(s):\n    s = s + 1\n    y = s * 2\n    s = y + s\n    return s\n").values["f"]
    assert fn.table(3) == [3.0, 6.0, 9.0]


@pytest.mark.parametrize(("body", "reason", "fault"), [
    ("    for i in range(3):\n        low = i\n    return low\n", "line 9 is a for loop", False),
    ("    cfg.low = 1\n    return batch\n", "line 9 assigns to cfg.low, not a plain name", False),
    ("    def inner(s):\n        return s\n    return 1\n", "line 9 is a function definition", False),
    ("    print(batch)\n    return 1\n", "line 9 is an expression statement", False),
    ("    global LR\n    return 1\n", "line 9 is a global statement", False),
    ("    low = high\n    high = 1\n    return low\n", "'high' is used at line 9 before it is assigned", True),
    ("    low = 1\n", "it does not end in `return <expression>`", True),
])  # fmt: skip
def test_a_def_it_cannot_read_says_which_statement(body: str, reason: str, fault: bool, tmp_path: Path) -> None:
    """Anything but `name = <expression>` lines (`if`/`else`, tuple, annotated and augmented locals: probe 45) and a
    return stays unreadable, one line naming the statement; the scheduler that uses it says why it could not be read,
    not "unknown name". Examiner probe 45 (H4): where Python would run it, that is the grader's limit — the run set
    apart, its claims pending, as a submission.toml's — and where Python would fail too (a local used before it is
    assigned, no return), the file's error."""
    source = SEED3.replace(SEED3[SEED3.index("    low =") : SEED3.index("\n\n\nlr_scheduler")] + "\n", body)
    x = _loaded(tmp_path, source)
    said = x.error if fault else x.submission._apart["config.py"].why
    assert said.startswith("config.py line " if fault else "config.py lr_scheduler: ") and "\n" not in said
    assert f"'lrs' could not be read (line 8: cannot read function 'lrs': {reason}" in said
    assert "unknown name" not in said


def test_a_def_s_substituted_expression_is_bounded_before_it_is_built() -> None:
    """`x1 = x0 + x0; x2 = x1 + x1; …` doubles at every line: refused at the bound, without building 2**60 nodes."""
    source = ("def f(s):\n    x0 = s + s\n" + "".join(f"    x{i + 1} = x{i} + x{i}\n" for i in range(60)) +
              "    return x60\nLR = 0.1\nLR_SCHEDULER = dict(type='LambdaLR', lr_lambda=f)\n")  # fmt: skip
    start = time.perf_counter()
    with pytest.raises(LegacyConfigError, match=r"^config\.py line 1: cannot read function 'f': line \d+'s expression "
                       r"is too long once its locals are substituted \(over 400 nodes\)$"):  # fmt: skip
        parse_legacy_config(source)
    assert time.perf_counter() - start < 1.0
    fine = "def f(s):\n    x = s + 1\n    y = x * x\n    return y - x\n"  # small: read, and the file's tree untouched
    cfg = legacy.read_config(fine)
    assert repr(cfg.values["f"]) == "lambda s: (s + 1) * (s + 1) - (s + 1)" and {"x", "y"} <= cfg.used


C01_HOOK = """\
from colossalai.amp import AMP_TYPE
from colossalai.trainer.hooks import LRSchedulerHook
from torch.optim.lr_scheduler import MultiStepLR

BATCH_SIZE = 128
NUM_EPOCHS = 30
LEARNING_RATE = 0.05
lr_scheduler = dict(type=MultiStepLR, milestones=[15, 25], gamma=0.1)
hooks = [
    dict(type=LRSchedulerHook, by_epoch=True),
]
"""


@pytest.mark.parametrize("source", [
    C01_HOOK,
    C01_HOOK.replace("from colossalai.trainer.hooks import LRSchedulerHook",
                     "from colossalai.legacy.trainer.hooks import LossHook, LRSchedulerHook as Sched").replace(
        "dict(type=LRSchedulerHook, by_epoch=True)", "dict(type=LossHook), dict(type=Sched, by_epoch=True)"),
    C01_HOOK.replace("from colossalai.trainer.hooks import LRSchedulerHook", "import colossalai").replace(
        "type=LRSchedulerHook", "type=colossalai.trainer.hooks.LRSchedulerHook"),
    C01_HOOK.replace("hooks = [", "hook_list = ["),  # examiner probe 10: the list under another name
    C01_HOOK.replace("hooks = [", "HOOKS = ["),
])  # fmt: skip
def test_an_imported_lr_scheduler_hook_reads_as_its_name(source: str, tmp_path: Path) -> None:
    """c01: `dict(type=LRSchedulerHook, by_epoch=True)` with the class imported was skipped as an unknown name, and
    the MultiStepLR stepped per iteration: milestones [15, 25] counted optimizer steps. As the string does: epochs."""
    x = _loaded(tmp_path, source)
    schedule = x.submission.run[0].schedule
    assert (schedule.cadence, schedule.milestones) == ("epoch", (15, 25))
    assert "stepped once an epoch" in " ".join(x.warnings) and "skipped" not in " ".join(x.warnings)


def test_optimizer_keys_the_rerun_cannot_honour_are_named(tmp_path: Path) -> None:
    """c15: `betas=(0.5, 0.9), eps=1e-6` were dropped without a word. betas is a run field (RunConfig.betas); every
    other key is one warning unless it is torch's default or only says how torch computes the step."""
    source = "NUM_EPOCHS = 30\noptimizer = dict(type='Adam', lr=2.0318e-4, betas=(0.5, 0.9), eps=1e-6)\n"
    fields, warnings = legacy_to_run_fields(parse_legacy_config(source))
    assert fields == {"epochs": 30, "optimizer": "adam", "lr": 2.0318e-4, "betas": (0.5, 0.9)}
    assert RunConfig(**fields).betas == (0.5, 0.9)
    assert warnings == ["optimizer: eps=1e-06 is not honoured by the rerun (torch's default 1e-08 is used)"]
    x = _loaded(tmp_path, source)
    assert x.error is None and "optimizer: eps=1e-06 is not honoured by the rerun (torch's default 1e-08 is used)" \
        in x.warnings  # fmt: skip
    from grader.plan import plan
    from grader.schema import Assignment

    assert x.submission.run[0].betas == (0.5, 0.9) and not any("betas" in w for w in x.warnings)
    (run_,) = [p for p in plan(x.submission, Assignment(required=()), quick=False) if p.kind == "train"]
    assert run_.config.betas == (0.5, 0.9)  # the rerun takes them
    quiet = ("optimizer = dict(type='AdamW', lr=1e-3, betas=[0.9, 0.999], eps=1e-8, amsgrad=False, foreach=True, "
             "fused=None)\nLR = 1e-3\n")  # fmt: skip
    assert legacy_to_run_fields(parse_legacy_config(quiet))[1] == []
    _, warnings = legacy_to_run_fields({"optimizer": {"type": "SGD", "lr": 0.1, "dampening": 0.5, "betas": (0.5, 0.9)}})
    assert warnings == ["optimizer: dampening=0.5 is not honoured by the rerun (torch's default 0 is used)",
                        "optimizer: betas=[0.5, 0.9] is not an argument of torch.optim.SGD (torch would refuse it); "
                        "ignored"]  # fmt: skip
    fields, _ = legacy_to_run_fields({"OPTIMIZER": "Adam", "BETAS": [0.8, 0.99]})
    assert fields["betas"] == (0.8, 0.99)
    for bad in ("(1.0, 0.9)", "(0.9,)", "0.9", "(True, 0.9)"):
        (tmp_path / "student" / "config.py").write_text(source.replace("(0.5, 0.9)", bad))
        from grader.load import load_submission

        error = load_submission(tmp_path / "student").error
        assert error.startswith("config.py: betas ") and "must be two numbers" in error, bad


def test_torch_optimizer_defaults_are_torch_s() -> None:
    import inspect

    import torch

    from reference.optimizers import OPTIMIZERS

    assert set(legacy.TORCH_OPTIMIZER_DEFAULTS) == {o.torch for o in OPTIMIZERS.values()}
    for cls, defaults in legacy.TORCH_OPTIMIZER_DEFAULTS.items():
        params = inspect.signature(getattr(torch.optim, cls)).parameters
        assert defaults == {k: p.default for k, p in params.items() if k != "params"}, cls


@pytest.mark.parametrize(("line", "lr"), [
    ("LEARNING_RATE = lr_candidates[1]", 0.01271),
    ("LEARNING_RATE = lr_candidates[-1]", 0.2161),
    ("LEARNING_RATE = tuple(lr_candidates)[I - 1]", 0.0046401),
    ("LEARNING_RATE = dict(sgd=lr_candidates)['sgd'][2]", 0.05044),
    ("LEARNING_RATE = {0: 0.5}[I - 1]", 0.5),
])  # fmt: skip
def test_a_constant_subscript_of_a_read_value_is_read(line: str, lr: float, tmp_path: Path) -> None:
    """c04 (the seed-002 style): `LEARNING_RATE = lr_candidates[1]` was an ERROR, "cannot evaluate a subscript"."""
    source = f"lr_candidates = [0.0046401, 0.01271, 0.05044, 0.2161]\nI = 1\nNUM_EPOCHS = 30\n{line}\n"
    x = _loaded(tmp_path, source)
    assert x.error is None and x.submission.run[0].lr == lr
    (tmp_path / "b").mkdir()
    x = _loaded(tmp_path / "b", source.replace(line.split(" = ")[1], "lr_candidates[4]"))
    assert x.error.startswith("config.py line 4: cannot evaluate lr_candidates[4]: index 4 is out of range (the list "
                              "has 4 items) (a course config.py is read as data, never run: write what it cannot "
                              "say as a submission.toml")  # examiner probe 9: the line says what to do  # fmt: skip


LATE_CONSTANTS = (  # `NUM_EPOCHS` and `STEPS_PER_EPOCH` assigned below the def that reads them
    "import math\nLEARNING_RATE = 1.0\nMOMENTUM = 0.9\n"
    "def lrs(batch):\n    low = math.log10(1e-5)\n    high = math.log10(10)\n"
    "    return 10 ** (low + (high - low) * batch / (STEPS_PER_EPOCH * NUM_EPOCHS))\n"
    "NUM_EPOCHS = 10\nSTEPS_PER_EPOCH = 469\n"
    "lr_scheduler = dict(type='LambdaLR', lr_lambda=lrs)\n"
)
MATH_IMPORTED = (  # `log10(...)` from `from math import log10`
    "from math import log10, pi as PI\nLEARNING_RATE = 1.0\nNUM_EPOCHS = 10\nK = PI / PI\n"
    "lr_scheduler = dict(type='LambdaLR', lr_lambda=lambda s: K * 10 ** (log10(1e-5) + 6 * s / 4690))\n"
)


@pytest.mark.parametrize("source", [LATE_CONSTANTS, MATH_IMPORTED])
def test_a_function_reads_what_python_would_when_lambdalr_calls_it(source: str, tmp_path: Path) -> None:
    """Examiner probe 10: a def (or lambda) reads the module's names when LambdaLR calls it, after the whole file has
    run, and a function imported from math is math's: constants assigned below `def lrs(batch)` were "unknown
    name", and `from math import log10` "cannot evaluate a call to log10" — ERROR 0/100 both."""
    x = _loaded(tmp_path, source)
    assert x.error is None, x.error
    (sweep,) = x.submission.range_test
    assert sweep.start_lr == pytest.approx(1e-5) and sweep.end_lr == pytest.approx(10 ** (6 * 4689 / 4690 - 5))
    (tmp_path / "b").mkdir()
    late = "LR = 0.1\nNUM_EPOCHS = 2\nlr_scheduler = dict(type='LambdaLR', lr_lambda=lambda s: F)\nF = 0.5\n"
    assert _loaded(tmp_path / "b", late).submission.run[0].lr == pytest.approx(0.05)  # 0.1 × the later factor 0.5


def test_an_unreadable_config_s_line_keeps_its_hint_within_one_line(tmp_path: Path) -> None:
    """The hint that says what to do (a submission.toml) rode on top of a line already cut at LINE characters: a
    400-character name made a 496-character error line (the fuzz counted it a crash). Cut to fit, hint kept."""
    from grader.safe import LINE

    x = _loaded(tmp_path, f"NUM_EPOCHS = 30\nLEARNING_RATE = {'A' * 500}\n")
    assert x.error is not None and len(x.error) <= LINE
    assert x.error.endswith("write what it cannot say as a submission.toml, docs/submission.md)")


# ---------------------------------------------------------------- examiner probe 19: honest course files misread

GPC = (  # ColossalAI's global config, read at run time: the file's own constant
    "import math\nfrom colossalai.core import global_context as gpc\nBATCH_SIZE = 128\nNUM_EPOCHS = 10\n"
    "LEARNING_RATE = 1e-6\nlr_lambda = lambda step: 10 ** (6 * step / (469 * gpc.config.NUM_EPOCHS))\n"
    "LR_SCHEDULER = dict(type='LambdaLR', lr_lambda=lr_lambda)\n"
)
SEED3_VERBATIM = (  # seed 003's def as handed in: len(train_dataloader) and gpc.config.NUM_EPOCHS
    "import math\nfrom colossalai.core import global_context as gpc\nBATCH_SIZE = 128\nNUM_EPOCHS = 10\n"
    "LEARNING_RATE = 1\ndef lrs(batch):\n    low = math.log2(1e-5)\n    high = math.log2(10)\n"
    "    return 2**(low+(high-low)*batch/len(train_dataloader)/gpc.config.NUM_EPOCHS)\n"
    "LR_SCHEDULER = dict(type='LambdaLR', lr_lambda=lrs)\n"
)


@pytest.mark.parametrize(("source", "start", "end"), [
    (GPC, 1e-6, 10 ** (6 * 4689 / 4690 - 6)),
    (GPC.replace("gpc.config.", "colossalai.core.global_context.config."), 1e-6, 10 ** (6 * 4689 / 4690 - 6)),
    (SEED3_VERBATIM, 1e-5, 2 ** (math.log2(1e-5) + math.log2(1e6) * 4689 / 4690)),
])  # fmt: skip
def test_gpc_config_names_and_the_train_loader_s_length_read_as_the_file_s(source: str, start: float, end: float,
                                                                             tmp_path: Path) -> None:  # fmt: skip
    """Probe 19: `gpc.config.NUM_EPOCHS` in a lambda was "cannot evaluate attribute access" (ERROR 0/100): ColossalAI's
    global config holds this file's names, so it reads as NUM_EPOCHS. Seed 003's `len(train_dataloader)` is the
    batches of one epoch of the claim data at BATCH_SIZE (MNIST at 128: 469)."""
    x = _loaded(tmp_path, source)
    assert x.error is None, x.error
    (sweep,) = x.submission.range_test
    assert (sweep.start_lr, sweep.end_lr, sweep.epochs) == (pytest.approx(start), pytest.approx(end), 10)


def test_gpc_and_the_train_loader_where_they_cannot_be_read_say_so_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(LegacyConfigError, match=r"line 2: gpc\.config\.EPOCHS: this file assigns no 'EPOCHS'"):
        parse_legacy_config("from colossalai.core import global_context as gpc\nX = gpc.config.EPOCHS\n")
    with pytest.raises(LegacyConfigError, match=r"line 2: gpc\.config\.EPOCHS: 'EPOCHS' is assigned only later, at "
                       r"line 3 \(gpc\.config holds the file's names once the whole file has run"):  # fmt: skip
        parse_legacy_config("from colossalai.core import global_context as gpc\nX = gpc.config.EPOCHS\nEPOCHS = 3\n")
    with pytest.raises(LegacyConfigError, match=r"line 1: len\(train_dataloader\): the batches of an epoch are not "):
        parse_legacy_config("STEPS = len(train_dataloader)\n")
    fn = legacy.read_config("F = lambda s: s / len(train_dataloader)\n").values["F"]
    with pytest.raises(LegacyConfigError, match=r"len\(train_dataloader\)"):
        fn.table(3)  # no data named: the batches of an epoch are unknown
    assert fn.table(3, per_epoch=2) == [0.0, 0.5, 1.0]
    assert parse_legacy_config("M = [1, 2, 3]\nN = len(M)\n")["N"] == 3


@pytest.mark.parametrize("text", ["lambda step: 10 ** (step / 4690 * 6)", "lambda step: 10**(step/(469*NUM_EPOCHS)*6)"])
def test_a_lambda_written_as_a_string_reads_as_the_lambda(text: str, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """Probe 19: `lr_lambda="lambda step: ..."` was "without a readable lr_lambda; the run keeps a constant LR", then
    refused as "10 epochs < the assignment's 30": a sweep misread as a run. The text is parsed, never run."""
    monkeypatch.setattr(builtins, "eval", None)
    source = (f"BATCH_SIZE = 128\nNUM_EPOCHS = 10\nLEARNING_RATE = 1e-6\n"
              f"LR_SCHEDULER = dict(type='LambdaLR', lr_lambda={text!r})\n")  # fmt: skip
    x = _loaded(tmp_path, source)
    assert x.error is None, x.error
    (sweep,) = x.submission.range_test
    assert (sweep.start_lr, sweep.end_lr) == (pytest.approx(1e-6), pytest.approx(10 ** (6 * 4689 / 4690 - 6)))
    assert not x.submission.run


@pytest.mark.parametrize(("text", "fragment"), [
    ("lambda step: 10 ** (step / ", "syntax error"),
    ("10 ** (step / 4690)", "not a lambda"),
    ("lambda step: __import__('os').system('touch PWNED')", "__import__"),
    ("lambda a, b: a", "takes one argument"),
    ("(" * 300 + ")" * 300, "cannot read"),
])  # fmt: skip
def test_an_unreadable_lambda_string_is_the_entry_s_first_line(text: str, fragment: str, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    source = f"NUM_EPOCHS = 10\nLEARNING_RATE = 1e-6\nLR_SCHEDULER = dict(type='LambdaLR', lr_lambda={text!r})\n"
    x = _loaded(tmp_path, source)
    assert x.submission is None and x.error.startswith("config.py line 3: ") and "lr_lambda" in x.error
    assert fragment in x.error and "epochs" not in x.error and "\n" not in x.error
    assert not (tmp_path / "PWNED").exists()


MS_SWEEP = ("BATCH_SIZE = 128\nNUM_EPOCHS = 10\nLEARNING_RATE = 1e-6\n"
            "LR_SCHEDULER = dict(type='MultiStepLR', milestones={}, gamma=1.5)\n")  # fmt: skip
LITERAL = str(list(range(234, 4690, 234)))  # seed 000's milestones, every half epoch, written out


@pytest.mark.parametrize("milestones", [LITERAL, "list(range(234, 4690, 234))", "range(234, 4690, 234)",
                                        "[234 * k for k in range(1, 21)]", "list(234 * k for k in range(1, 21))",
                                        "[m for m in range(4690) if m % 234 == 0 and m > 0]"])  # fmt: skip
def test_seed0_s_multistep_sweep_is_a_staircase_range_test(milestones: str, tmp_path: Path) -> None:
    """Probe 19: seed 000's range test as a MultiStepLR growing ×1.5 every half epoch was read as a 10-epoch training
    run, refused "10 epochs < the assignment's 30"; written with range() or a comprehension it was an ERROR about
    the call; then one line saying no [[range_test]] reruns a staircase (ERROR 0/100). Now it is the staircase range
    test it is: its milestones in optimizer steps, ×1.5 at each, from 1e-6."""
    assert list(parse_legacy_config(f"M = {milestones}\n")["M"]) == list(range(234, 4690, 234))
    x = _loaded(tmp_path, MS_SWEEP.format(milestones))
    assert x.error is None, x.error
    (sweep,) = x.submission.range_test
    assert (sweep.shape, sweep.start_lr, sweep.gamma, sweep.end_lr) == ("staircase", 1e-6, 1.5, None)
    assert list(sweep.milestones) == list(range(234, 4690, 234)) and sweep.stair_steps is None
    assert any("staircase" in w and "20 stairs up" in w for w in x.warnings), x.warnings


def test_a_growing_exponential_per_step_is_the_exponential_sweep(tmp_path: Path) -> None:
    """ExponentialLR (or StepLR every step) with gamma > 1, stepped per iteration, is exactly an exponential sweep:
    lr · gamma^i at step i, the [[range_test]] between its first and last LR."""
    gamma = 10 ** (6 / 4690)
    for i, scheduler in enumerate([f"dict(type='ExponentialLR', gamma={gamma!r})",
                                   f"dict(type='StepLR', step_size=1, gamma={gamma!r})"]):  # fmt: skip
        (tmp_path / str(i)).mkdir()
        x = _loaded(tmp_path / str(i), f"NUM_EPOCHS = 10\nLEARNING_RATE = 1e-6\nLR_SCHEDULER = {scheduler}\n")
        assert x.error is None, x.error
        (sweep,) = x.submission.range_test
        assert (sweep.start_lr, sweep.end_lr) == (pytest.approx(1e-6), pytest.approx(1e-6 * gamma**4689))
    (tmp_path / "e").mkdir()  # once an epoch: a staircase again
    hook = "hooks = [dict(type='LRSchedulerHook', by_epoch=True)]\n"
    x = _loaded(tmp_path / "e", f"NUM_EPOCHS = 10\nLR = 1e-6\nLR_SCHEDULER = dict(type='ExponentialLR', gamma=2)\n"
                f"{hook}")  # fmt: skip
    assert x.error is None, x.error  # ×2 at each epoch's end: stairs of an epoch's 469 optimizer steps
    (sweep,) = x.submission.range_test
    assert (sweep.shape, sweep.gamma, sweep.stair_steps, sweep.milestones) == ("staircase", 2, 469, None)
    assert any("once an epoch" in w and "staircase" in w for w in x.warnings), x.warnings


@pytest.mark.parametrize(("source", "fragment"), [
    ("X = list(range(10**9))\n", "too large"),
    ("X = range(0, 10, 0)\n", "step"),
    ("X = range(1.5)\n", "whole numbers"),
    ("X = [k for k in range(10**6)]\n", "too large"),
    ("X = [[0] * 5000 for k in range(3)]\n", "too large"),
    ("X = [[j for j in range(9000) if j < 0] for k in range(9000)]\n", "nested"),
    ("X = [a for a in range(3) for b in range(3)]\n", "one `for`"),
    ("X = [k for k in 'abc']\n", "a list, tuple or range"),
    ("F = lambda s: [k for k in range(3)]\nX = F\n", None),
])  # fmt: skip
def test_range_and_comprehensions_are_bounded_before_they_are_built(source: str, fragment: str | None) -> None:
    start = time.perf_counter()
    if fragment is None:  # read as data; a comprehension inside a lambda is refused when it is tabulated
        fn = parse_legacy_config(source)["F"]
        with pytest.raises(LegacyConfigError, match="comprehension"):
            fn.table(2)
    else:
        with pytest.raises(LegacyConfigError, match=fragment):
            parse_legacy_config(source)
    assert time.perf_counter() - start < 0.5
    assert parse_legacy_config("K = [k * 2 for k in range(3) if k]\nk = 7\n") == {"K": [2, 4], "k": 7}


def test_what_a_file_builds_is_bounded_in_all_not_only_per_value() -> None:
    """Each list was held to 10,000 elements, but not the file: 74 KB of `X1=[0]*4999` lines held 214 MB (1 MB of
    them, ~3 GB). range(), comprehensions and sequence + and * count against one budget per file (MAX_BUILT)."""
    n = legacy.MAX_BUILT // 4999  # lines within the budget
    tracemalloc.start()
    try:
        cfg = legacy.read_config("".join(f"X{i}=[0]*4999\n" for i in range(n + 500)))
        assert tracemalloc.get_traced_memory()[1] < 40_000_000
    finally:
        tracemalloc.stop()
    assert len(cfg.values) == n and f"X{n}" in cfg.unreadable
    assert "over 1,000,000 elements in all" in cfg.warnings[0] and len(cfg.warnings) == 500


ONECYCLE = """\
import torch
from colossalai.core import global_context as gpc
BATCH_SIZE = {batch}
NUM_EPOCHS = 30
LEARNING_RATE = 0.05
LR_SCHEDULER = dict(type={kind}, max_lr=1.1, {args})
"""


@pytest.mark.parametrize("loader", ["train_dataloader", "train_loader", "trainloader", "train_dl"])
def test_the_train_loader_s_length_reads_wherever_the_batches_of_an_epoch_are_known(loader: str, tmp_path: Path):
    """Probe 20 (l28): seed 003's verbatim `steps_per_epoch=len(train_dataloader)` refused the whole file ("the
    batches of an epoch are not known here"): at module level too it is the batches of an epoch of the claim data at
    the file's BATCH_SIZE, then dropped as the run's length, as steps_per_epoch=469 is."""
    args = f"steps_per_epoch=len({loader}), epochs=NUM_EPOCHS"
    x = _loaded(tmp_path, ONECYCLE.format(batch=128, kind='"OneCycleLR"', args=args))
    assert x.error is None, x.error
    (run,) = x.submission.run
    assert run.schedule.name == "onecycle" and run.schedule.max_lr == 1.1 and run.epochs == 30
    dropped = "LR_SCHEDULER: argument(s) epochs, steps_per_epoch dropped; the grader derives them from the run"
    assert dropped in x.warnings and not any("not known" in w for w in x.warnings)
    # the file's BATCH_SIZE, also assigned below the line: the loader is built once the file has run (⌈60000/64⌉)
    (tmp_path / "s2").mkdir()
    x = _loaded(tmp_path / "s2", f"STEP = len({loader}) * 15\nLR_SCHEDULER = dict(type='MultiStepLR', milestones="
                "[STEP], gamma=0.1)\nBATCH_SIZE = 64\nLEARNING_RATE = 0.05\n")  # fmt: skip
    assert x.error is None, x.error
    assert list(x.submission.run[0].schedule.milestones) == [938 * 15]
    assert legacy.read_config(f"S = len({loader})\n", per_epoch=938).values["S"] == 938


CFGDICT = (  # seed 003's verbatim OneCycle line (examiner probe 21, classC/c003-onecycle-cfgdict)
    'BATCH_SIZE = 128\nNUM_EPOCHS = 30\nLEARNING_RATE = 1.1\nMOMENTUM = 0.0\nLR_SCHEDULER = dict(type="OneCycleLR", '
    "max_lr=1.1, steps_per_epoch=len(train_dataloader), epochs={epochs})\n"
)


@pytest.mark.parametrize("epochs", ['config["NUM_EPOCHS"]', "config.NUM_EPOCHS", 'config.get("NUM_EPOCHS")',
                                    'config.get("NUM_EPOCHS", 10)', 'gpc.config["NUM_EPOCHS"]'])  # fmt: skip
def test_the_file_s_config_by_key_attribute_or_get_reads_as_the_file_s_name(epochs: str, tmp_path: Path) -> None:
    """Probe 21 (F4): seed 003's verbatim `epochs=config["NUM_EPOCHS"]` was ERROR 0/100 ("unknown name 'config'"),
    while `epochs=gpc.config.NUM_EPOCHS` was read. A `config` the file never assigns is the config ColossalAI loaded
    from it, as gpc.config is: `config["NAME"]`, `config.NAME` and `config.get("NAME"[, default])` read its NAME, the
    same run as the gpc form, with the same warnings; still parsed, never run."""
    gpc = "from colossalai.core import global_context as gpc\n"
    source = (gpc if epochs.startswith("gpc") else "") + CFGDICT.format(epochs=epochs)
    x = _loaded(tmp_path, source)
    assert x.error is None, x.error
    (tmp_path / "gpc").mkdir()
    same = _loaded(tmp_path / "gpc", gpc + CFGDICT.format(epochs="gpc.config.NUM_EPOCHS"))
    assert same.error is None and x.submission.run == same.submission.run and x.warnings == same.warnings
    (run,) = x.submission.run
    assert run.schedule.name == "onecycle" and run.schedule.max_lr == 1.1 and run.epochs == 30 and run.lr == 1.1


def test_the_file_s_config_read_before_its_name_or_without_it_says_so_in_one_line() -> None:
    """As gpc.config: a NAME assigned only below the line is an error saying so, one the file never assigns too (a
    `get` default stands in only for a NAME the file never assigns); a `config` the file assigns is its own dict."""
    later = r"line 1: config\['EPOCHS'\]: 'EPOCHS' is assigned only later, at line 2 \(config, read as ColossalAI's "
    with pytest.raises(LegacyConfigError, match=later + r"gpc\.config, holds the file's names once the whole file has"):
        parse_legacy_config('X = config["EPOCHS"]\nEPOCHS = 3\n')
    with pytest.raises(LegacyConfigError, match=r"line 1: config\.get\('EPOCHS', 5\): 'EPOCHS' is assigned only later"):
        parse_legacy_config('X = config.get("EPOCHS", 5)\nEPOCHS = 3\n')
    for text in ("config.EPOCHS", 'config.get("EPOCHS")'):
        with pytest.raises(LegacyConfigError, match=r"line 1: .*this file assigns no 'EPOCHS' \(config, read as "):
            parse_legacy_config(f"X = {text}\n")
    got = parse_legacy_config('N = 2\nX = config.get("EPOCHS", 5)\nY = config.get("N", 5)\n')
    assert got == {"N": 2, "X": 5, "Y": 2}
    assert parse_legacy_config('config = {"EPOCHS": 4}\nX = config["EPOCHS"]\n')["X"] == 4
    with pytest.raises(LegacyConfigError, match=r"line 1: unknown name 'config'"):  # its own dict, only later
        parse_legacy_config('X = config["EPOCHS"]\nconfig = {"EPOCHS": 4}\n')
    lam = legacy.read_config('N = 10\nF = lambda s: s / config["N"]\n').values["F"]
    assert lam.table(3) == [0.0, 0.1, 0.2]  # in a lambda, as gpc.config: every name the file assigns


def test_onecycle_arguments_at_the_rerun_s_values_pass_without_a_word(tmp_path: Path) -> None:
    """Probe 20 (l35): `anneal_strategy="cos", three_phase=False, last_epoch=-1` (torch's defaults, which the rerun
    uses: grader.aliases.DERIVED) were "not re-run … its LR curve differs from this file's". They change nothing; an
    argument at another value is still named."""
    same = 'anneal_strategy="cos", three_phase=False, last_epoch=-1'
    x = _loaded(tmp_path, ONECYCLE.format(batch=128, kind="torch.optim.lr_scheduler.OneCycleLR", args=same))
    assert x.error is None, x.error
    assert not any(k in w for w in x.warnings for k in ("anneal_strategy", "three_phase", "last_epoch", "differs"))
    (tmp_path / "s2").mkdir()
    other = 'anneal_strategy="linear", three_phase=True'
    x = _loaded(tmp_path / "s2", ONECYCLE.format(batch=128, kind='"OneCycleLR"', args=other))
    assert any("anneal_strategy, three_phase not re-run" in w and "differs" in w for w in x.warnings), x.warnings


def test_a_linearlr_with_torchs_defaults_is_not_read_as_a_decay_to_zero(tmp_path):
    """torch's LinearLR defaults to start_factor 1/3 → end_factor 1.0 (a warm-up); the reader filled in the grader's
    end_factor 0 — a decay to nothing — without a word (helper-38's finding, stop 40)."""
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "config.py").write_text("BATCH_SIZE = 128\nNUM_EPOCHS = 30\nLEARNING_RATE = 0.05\n"
                                              'LR_SCHEDULER = dict(type="LinearLR", total_iters=30)\n'
                                              "hooks = [dict(type='LRSchedulerHook', by_epoch=True)]\n")  # fmt: skip
    from grader.load import load_submission

    x = load_submission(tmp_path / "c")
    (run,) = x.submission.run
    assert run.schedule.name == "linear-decay" and run.schedule.end_factor == 1.0
    assert any("1/3 of lr (a warm-up)" in w for w in x.warnings), x.warnings


# ---------------------------------------------------------------- a warm-up is not a range test (examiner probe 22)

WARM_LAMBDA = ("BATCH_SIZE = 128\nNUM_EPOCHS = 30\nLEARNING_RATE = 0.0125\nMOMENTUM = 0.9\n"
               'hooks = [dict(type="LRSchedulerHook", by_epoch=True)]\n'
               'LR_SCHEDULER = dict(type="LambdaLR", lr_lambda=lambda epoch: 2 ** min(epoch, 3))\n')  # fmt: skip
WARM_MULTISTEP = ("BATCH_SIZE = 128\nNUM_EPOCHS = 30\nLEARNING_RATE = 0.0125\nMOMENTUM = 0.9\n"
                  'LR_SCHEDULER = dict(type="MultiStepLR", milestones=[469, 938, 1407], gamma=2)\n')  # fmt: skip


def test_a_warm_up_lambda_is_a_training_run_not_a_range_test(tmp_path: Path) -> None:
    """Probe 22 (g1): a 30-epoch run whose LambdaLR doubles the LR for its first 3 epochs and then holds it was read
    as a staircase range test and refused "a sweep of 30 epochs > the allowed 10" (FAIL 0/100). A growing schedule is
    a sweep only where it grows into the run's last quarter; this one is the training run it is, tabulated."""
    x = _loaded(tmp_path, WARM_LAMBDA)
    assert x.error is None, x.error
    assert not x.submission.range_test
    (run,) = x.submission.run
    assert (run.lr, run.epochs, run.schedule.name, run.schedule.cadence) == (0.0125, 30, "table", "epoch")
    assert list(run.schedule.table) == [1.0, 2.0, 4.0] + [8.0] * 27
    assert any("a warm-up, not a range test" in w and "until epoch 3 of 30" in w for w in x.warnings), x.warnings
    # per iteration, the same warm-up over its first 3 epochs' 1,407 steps of 14,070: tabulated too
    fn = legacy.read_config("F = lambda i: 2 ** min(i // 469, 3)\n").values["F"]
    part, read, note = legacy.lambda_schedule(fn, 0.0125, 14070)
    assert part == "run" and read["schedule"]["name"] == "table" and "a warm-up" in note


def test_a_warm_up_multistep_is_a_training_run_with_that_schedule(tmp_path: Path) -> None:
    """Probe 22 (g2): MultiStepLR ×2 at steps 469, 938 and 1,407 of a 30-epoch run (14,070 steps) was refused as a
    30-epoch sweep. It is a training run whose rerun runs the same MultiStepLR, per iteration."""
    x = _loaded(tmp_path, WARM_MULTISTEP)
    assert x.error is None, x.error
    assert not x.submission.range_test
    (run,) = x.submission.run
    s = run.schedule
    assert (run.lr, run.epochs, s.name, s.milestones, s.gamma, s.cadence) == (0.0125, 30, "multistep",
                                                                              (469, 938, 1407), 2, "step")  # fmt: skip
    assert any("only until optimizer step 1,407 of 14,070" in w and "a warm-up" in w for w in x.warnings), x.warnings


@pytest.mark.parametrize(("last", "part"), [(3518, "range_test"), (3517, "run")])
def test_a_growing_schedule_is_a_sweep_only_where_it_grows_into_the_last_quarter(last: int, part: str,
                                                                                 tmp_path: Path) -> None:  # fmt: skip
    """The criterion, at its edge: 10 epochs of 469 steps (4,690), the last rise at step ≥ 3,517.5 (¾ of them)."""
    x = _loaded(tmp_path, f"NUM_EPOCHS = 10\nLR = 1e-3\nLR_SCHEDULER = dict(type='MultiStepLR', "
                f"milestones=[1000, 2000, {last}], gamma=3)\n")  # fmt: skip
    assert x.error is None, x.error
    assert [p for p in ("range_test", "run") if getattr(x.submission, p)] == [part]
    fn = legacy.read_config(f"F = lambda i: 3 ** ((i >= 1000) + (i >= 2000) + (i >= {last}))\n").values["F"]
    assert legacy.lambda_schedule(fn, 1e-3, 4690)[0] == part


def _torch_lrs(milestones: list[int], gamma: float, lr: float, steps: int) -> list[float]:
    """torch's own MultiStepLR, stepped every optimizer step: the LR of each step."""
    import torch

    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=milestones, gamma=gamma)
    out = []
    for _ in range(steps):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


def test_a_multistep_milestone_0_multiplies_the_start_lr_as_torch_does(tmp_path: Path) -> None:
    """Probe 22 (d3): `milestones=list(range(0, 4690, 234))`: torch applies a milestone 0 when it builds the
    scheduler, so the student's sweep started at lr · gamma; the reader dropped the 0 silently and reran one stair
    low throughout. Now each 0 multiplies the start LR by gamma, as torch does, and the note says so."""
    assert _torch_lrs([0, 3], 1.5, 0.1, 5) == pytest.approx([0.15, 0.15, 0.15, 0.225, 0.225])  # the installed torch
    x = _loaded(tmp_path, MS_SWEEP.replace("1e-6", "0.1").format("list(range(0, 4690, 234))"))
    assert x.error is None, x.error
    (sweep,) = x.submission.range_test
    assert (sweep.shape, sweep.start_lr, sweep.gamma) == ("staircase", pytest.approx(0.15), 1.5)
    assert list(sweep.milestones) == list(range(234, 4690, 234))
    assert any("milestone 0" in w and "starts at 0.1 × 1.5 = 0.15" in w for w in x.warnings), x.warnings
    from reference.config import range_test_config
    from reference.optim import lr_table

    rerun = lr_table(range_test_config(start_lr=sweep.start_lr, shape="staircase", gamma=sweep.gamma,
                                       milestones=sweep.milestones, epochs=10, epoch_steps=469), 469)  # fmt: skip
    assert rerun == pytest.approx(_torch_lrs(list(range(0, 4690, 234)), 1.5, 0.1, 4690), rel=1e-12)
    # a decay with a milestone 0 (twice), once an epoch: a training run from lr · 0.1², its other milestone kept
    (tmp_path / "decay").mkdir()
    x = _loaded(tmp_path / "decay", "NUM_EPOCHS = 30\nLR = 1.0\nhooks = [dict(type='LRSchedulerHook', by_epoch=True)]\n"
                "LR_SCHEDULER = dict(type='MultiStepLR', milestones=[0, 0, 15], gamma=0.1)\n")  # fmt: skip
    assert x.error is None, x.error
    (run,) = x.submission.run
    assert (run.lr, run.schedule.name, run.schedule.milestones, run.schedule.cadence) == (
        pytest.approx(0.01), "multistep", (15,), "epoch")  # fmt: skip
    assert any("(listed 2 times)" in w and "1 × 0.1^2 = 0.01" in w for w in x.warnings), x.warnings


@pytest.mark.parametrize("body", ["1.003 ** i", "pow(1.003, i)", "math.pow(1.003, i)"])
def test_an_exponential_sweep_written_as_base_to_the_step_is_read(body: str, tmp_path: Path) -> None:
    """Probe 22: `lambda i: 1.003 ** i` over 4,690 steps (an exponential sweep of ~6 decades) was refused "exponent
    101 … is too large (|exponent| <= 100)". The bound is now the power's magnitude (10^300), not its exponent."""
    x = _loaded(tmp_path, f"import math\nNUM_EPOCHS = 10\nLR = 1e-6\nLR_SCHEDULER = dict(type='LambdaLR', "
                f"lr_lambda=lambda i: {body})\n")  # fmt: skip
    assert x.error is None, x.error
    (sweep,) = x.submission.range_test
    assert (sweep.shape, sweep.start_lr) == ("exp", pytest.approx(1e-6))
    assert sweep.end_lr == pytest.approx(1e-6 * 1.003**4689)


def test_a_staircase_lambda_of_over_100_stairs_is_read() -> None:
    """Probe 22: `lambda i: 1.12 ** (i // 40)` (117 stairs over 4,690 steps) was refused for its exponent > 100."""
    fn = legacy.read_config("F = lambda i: 1.12 ** (i // 40)\n").values["F"]
    part, read, _ = legacy.lambda_schedule(fn, 1e-6, 4690)
    assert (part, read["shape"], read["gamma"]) == ("range_test", "staircase", pytest.approx(1.12))
    assert read["milestones"] == list(range(40, 4690, 40))


def test_a_lambda_giving_an_integer_past_float_s_range_is_a_data_error(tmp_path: Path) -> None:
    """A lambda whose value is an int past float's range (2^1080, a product of powers each within the bounds) was an
    internal error (OverflowError in math.isfinite), the submission 'could not be read'. It is one line saying so now,
    as any non-finite factor is: since probe 45 (H4) the run's, set apart as the grader's limit (a submission.toml's
    lambda is), not the file's error."""
    product = " * ".join(["2 ** 90"] * 12)
    x = _loaded(tmp_path, f"LR = 0.1\nNUM_EPOCHS = 10\nLR_SCHEDULER = dict(type='LambdaLR', lr_lambda=lambda s: "
                f"{product})\n")  # fmt: skip
    assert x.error is None and not x.submission.run
    why = x.submission._apart["config.py"].why
    assert why.startswith("config.py lr_scheduler: ") and "line 3: " in why
    assert "an integer of 1081 bits at step 0, not a finite number" in why


@pytest.mark.parametrize("source", [
    'X = config["{name}"]\n',
    'X = config.get("{name}")\n',
    'from colossalai.core import global_context as gpc\nX = gpc.config["{name}"]\n',
    'X = config.get("{name}", 1)\n{name} = 2\n',
    "{name} = open('x')\nX = config['{name}']\n",
])  # fmt: skip
def test_a_name_read_through_config_is_quoted_capped(source: str) -> None:
    """Probe 22 (d5): the name of `config["<name>"]` / `config.get("<name>")` was quoted whole in the error line
    (only the 400-character line cap applied); it is capped at 60 characters now, as other quoted names are."""
    name = "A" * 5000
    detail = legacy.read_config(source.format(name=name)).unreadable["X"].detail
    assert "'AAAA" in detail and "A" * 60 not in detail and "…" in detail and len(detail) < 300, detail
