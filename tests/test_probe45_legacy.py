"""Examiner probe 45: 10 honest course config.py files rewritten 1,062 ways that mean the same to Python, torch and
ColossalAI; 109 were refused (ERROR 0/100) and 24 read as another config. Each test writes real config.py text, loads
it (`grader.load.load_submission`) and compares the planned runs (`grader.plan.plan`) with its base form's. Nothing in
a file is ever run: the forms read now are read as data, and the injection tests check it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from grader.load import load_submission
from grader.plan import plan
from grader.schema import Assignment

SGD = """BATCH_SIZE = 128
NUM_EPOCHS = 30
OPTIMIZER = "SGD"
LEARNING_RATE = 0.025
MOMENTUM = 0.9
WEIGHT_DECAY = 5e-4
"""
MULTISTEP = """BATCH_SIZE = 128
NUM_EPOCHS = 30
LEARNING_RATE = 0.1
OPTIMIZER = "SGD"
MOMENTUM = 0.9
WEIGHT_DECAY = 5e-4
LR_SCHEDULER = dict(type="MultiStepLR", milestones=[15, 25], gamma=0.1)
hooks = [dict(type="LRSchedulerHook", by_epoch=True)]
"""
STEPLR = """BATCH_SIZE = 128
NUM_EPOCHS = 30
optimizer = dict(type="Adam", lr=5.4723e-3)
lr_scheduler = dict(type="StepLR", step_size=2345, gamma=0.5)
"""
SWEEP = """import math
from colossalai.core import global_context as gpc
BATCH_SIZE = 128
NUM_EPOCHS = 10
LEARNING_RATE = 1.0
OPTIMIZER = "SGD"
MOMENTUM = 0.9
WEIGHT_DECAY = 5e-4


def lrs(batch):
    low = math.log2(1e-5)
    high = math.log2(10)
    return 2 ** (low + (high - low) * batch / len(train_dataloader) / gpc.config.NUM_EPOCHS)


LR_SCHEDULER = dict(type="LambdaLR", lr_lambda=lrs)
"""
PER_EPOCH = """BATCH_SIZE = 128
NUM_EPOCHS = 30
LEARNING_RATE = 0.05
OPTIMIZER = "SGD"
MOMENTUM = 0.9
WEIGHT_DECAY = 5e-4
LR_SCHEDULER = dict(type="LambdaLR", lr_lambda=lambda epoch: 0.9 ** epoch)
hooks = [dict(type="LRSchedulerHook", by_epoch=True)]
"""


def _load(tmp_path: Path, source: str | bytes, name: str = "form"):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "config.py").write_bytes(source if isinstance(source, bytes) else source.encode())
    return load_submission(folder)


def _planned(tmp_path: Path, source: str | bytes, name: str = "form") -> list:
    x = _load(tmp_path, source, name)
    assert x.error is None, x.error
    return [(p.kind, p.config, p.not_rerun) for p in plan(x.submission, Assignment(), quick=True)]


def _same(tmp_path: Path, base: str, form: str | bytes) -> None:
    """`form` plans exactly the runs `base` does."""
    assert _planned(tmp_path, form, "form") == _planned(tmp_path, base, "base")


# ---------------------------------------------------------------- H1: the optimizer dict under OPTIMIZER, optim


@pytest.mark.parametrize("form", [
    SGD.replace('OPTIMIZER = "SGD"\nLEARNING_RATE = 0.025\nMOMENTUM = 0.9\nWEIGHT_DECAY = 5e-4\n',
                'OPTIMIZER = dict(type="SGD", lr=0.025, momentum=0.9, weight_decay=5e-4)\n'),
    SGD.replace('OPTIMIZER = "SGD"\nLEARNING_RATE = 0.025\nMOMENTUM = 0.9\nWEIGHT_DECAY = 5e-4\n',
                'Optimizer = dict(type="SGD", lr=0.025, momentum=0.9, weight_decay=5e-4)\n'),
    SGD.replace('OPTIMIZER = "SGD"\nLEARNING_RATE = 0.025\nMOMENTUM = 0.9\nWEIGHT_DECAY = 5e-4\n',
                'optim = dict(type="SGD", lr=0.025, momentum=0.9, weight_decay=5e-4)\n'),
    SGD.replace('OPTIMIZER = "SGD"', 'OPTIMIZER = dict(type="SGD", lr=0.025, momentum=0.9, weight_decay=5e-4)'),
])  # fmt: skip
def test_the_optimizer_dict_under_other_names_is_read_as_colossalai_s(form: str, tmp_path: Path) -> None:
    """H1: "no LEARNING_RATE (or LR) to re-run" though the dict holds lr; beside LEARNING_RATE, "run[0].optimizer: must
    be text in quotes, got {...}"."""
    _same(tmp_path, SGD, form)


# ---------------------------------------------------------------- H2: torch imported under an alias


@pytest.mark.parametrize(("base", "form"), [
    (STEPLR, "import torch.optim as topt\n" + STEPLR.replace('type="Adam"', "type=topt.Adam")),
    (STEPLR, "import torch as th\n" + STEPLR.replace('type="Adam"', "type=th.optim.Adam")),
    (STEPLR, "from torch import optim as O\n" + STEPLR.replace('type="Adam"', "type=O.Adam")),
    (MULTISTEP, "import torch.optim.lr_scheduler as sched\n" + MULTISTEP.replace('type="MultiStepLR"',
                                                                                 "type=sched.MultiStepLR")),
    (MULTISTEP, "from torch.optim import lr_scheduler as lrs_mod\n" + MULTISTEP.replace('type="MultiStepLR"',
                                                                                        "type=lrs_mod.MultiStepLR")),
    (MULTISTEP, "from torch.optim.lr_scheduler import *\n" + MULTISTEP.replace('type="MultiStepLR"',
                                                                               "type=MultiStepLR")),
    (STEPLR, "from torch.optim import *\n" + STEPLR.replace('type="Adam"', "type=Adam").replace(
        'type="StepLR"', "type=lr_scheduler.StepLR")),
])  # fmt: skip
def test_torch_imported_under_an_alias_names_its_classes(base: str, form: str, tmp_path: Path) -> None:
    """H2: `cannot evaluate attribute access topt.SGD`, and `unknown name 'SGD'` after `from torch.optim import *`.
    Imports are never performed: an alias is bound to the module path it names, as data."""
    _same(tmp_path, base, form)


def test_a_star_import_binds_only_that_module_s_classes(tmp_path: Path) -> None:
    """`from torch.optim import *` binds torch.optim's optimizers (and lr_scheduler), not the schedulers: as Python."""
    x = _load(tmp_path, "from torch.optim import *\n" + SGD.replace('OPTIMIZER = "SGD"', "OPTIMIZER = SGD"), "sgd")
    assert x.error is None and x.submission.run[0].optimizer == "sgd", x.error
    x = _load(tmp_path, "from torch.optim import *\n" + MULTISTEP.replace('type="MultiStepLR"', "type=MultiStepLR"))
    assert x.submission is None and "unknown name 'MultiStepLR'" in x.error


# ---------------------------------------------------------------- H3: by_epoch=True kept


HOOK = 'hooks = [dict(type="LRSchedulerHook", by_epoch=True)]\n'


@pytest.mark.parametrize(("form", "said"), [
    ('hooks = [\n    dict(type="LogMetricByEpochHook"),\n    dict(type="TensorboardHook", log_dir=f"./{NUM_EPOCHS}"),\n'
     '    dict(type="LRSchedulerHook", by_epoch=True),\n]\n', "at line 11 (read on its own"),
    ('hooks = [dict(type="AccuracyHook", accuracy_func=Accuracy()), dict(type="LRSchedulerHook", by_epoch=True)]\n',
     "at line 8 (read on its own"),
    ('import os\nhooks = [dict(type="SaveCheckpointHook", checkpoint_dir=os.path.join("ckpt", "lenet")),\n'
     '         dict(type="LRSchedulerHook", by_epoch=True)]\n', "at line 10 (read on its own"),
    ('hooks = []\nhooks.append(dict(type="LRSchedulerHook", by_epoch=True))\n', "LRSchedulerHook(by_epoch=True) does"),
    ('hooks = [dict(type="LogMetricByEpochHook")]\nhooks.extend([dict(type="LRSchedulerHook", by_epoch=True)])\n',
     "LRSchedulerHook(by_epoch=True) does"),
    ('hooks = [dict(type="LogMetricByEpochHook")]\nhooks.insert(0, dict(type="LRSchedulerHook", by_epoch=True))\n',
     "LRSchedulerHook(by_epoch=True) does"),
    ("from colossalai.trainer import hooks as col_hooks\n"
     "hooks = [col_hooks.LRSchedulerHook(lr_scheduler=LR_SCHEDULER, by_epoch=True)]\n",
     "LRSchedulerHook(by_epoch=True) does"),
    ("from colossalai.trainer.hooks import LRSchedulerHook\n"
     "hooks = [LRSchedulerHook(lr_scheduler=LR_SCHEDULER, by_epoch=True)]\n", "LRSchedulerHook(by_epoch=True) does"),
    ("from colossalai.trainer.hooks import LRSchedulerHook\nhooks = [LRSchedulerHook(LR_SCHEDULER, True)]\n",
     "LRSchedulerHook(by_epoch=True) does"),
    ('hooks = [LRSchedulerHook(LR_SCHEDULER, True), dict(type="TensorboardHook", log_dir=f"./{NUM_EPOCHS}")]\n',
     "at line 8 (read on its own"),
    ('hooks = [dict(type="LRSchedulerHook", by_epoch=1)]\n', "LRSchedulerHook(by_epoch=True) does"),
    ('trainer = dict(hooks=[dict(type="LRSchedulerHook", by_epoch=True)])\n', "LRSchedulerHook(by_epoch=True) does"),
])  # fmt: skip
def test_the_file_s_by_epoch_hook_is_kept_however_written(form: str, said: str, tmp_path: Path) -> None:
    """H3: b03's MultiStepLR([15, 25]) stepped once an epoch was reread as drops at optimizer steps 15 and 25 of a
    14,070-step run when its hook was written another way; the note says what was read."""
    _same(tmp_path, MULTISTEP, MULTISTEP.replace(HOOK, form))
    x = _load(tmp_path, MULTISTEP.replace(HOOK, form), "said")
    assert any(w.startswith("LR_SCHEDULER: stepped once an epoch, as the file's") and said in w for w in x.warnings)


@pytest.mark.parametrize("by_epoch", [True, False])
def test_by_epoch_in_the_scheduler_dict_is_its_cadence(by_epoch: bool, tmp_path: Path) -> None:
    """H3 (f) and M3: ColossalAI's `by_epoch` inside the scheduler's dict was a dropped argument ("its LR curve
    differs from this file's"); it is the cadence, as a submission.toml's schedule reads it."""
    hook = 'hooks = [dict(type="LRSchedulerHook", by_epoch=False)]\n'
    base = MULTISTEP if by_epoch else MULTISTEP.replace(HOOK, hook)
    form = MULTISTEP.replace(HOOK, "").replace("gamma=0.1)", f"gamma=0.1, by_epoch={by_epoch})")
    _same(tmp_path, base, form)
    x = _load(tmp_path, form, "said")
    assert any(f"as its by_epoch={by_epoch} says" in w for w in x.warnings), x.warnings
    assert not any("differs" in w for w in x.warnings), x.warnings


# ---------------------------------------------------------------- H4: an unreadable lambda is the grader's limit


@pytest.mark.parametrize(("form", "why"), [
    (SWEEP.replace("import math\n", "import numpy as np\nimport math\n").replace("math.log2", "np.log2"),
     "cannot evaluate a call to np.log2"),
    (PER_EPOCH.replace("lambda epoch: 0.9 ** epoch", "lambda epoch: np.power(0.9, epoch)"),
     "cannot evaluate a call to np.power"),
    (PER_EPOCH.replace("lr_lambda=lambda epoch: 0.9 ** epoch", "lr_lambda=partial(decay, gamma=0.9)").replace(
        "LR_SCHEDULER", "from functools import partial\ndef decay(epoch, gamma):\n    return gamma ** epoch\n"
        "LR_SCHEDULER"), "cannot evaluate a call to partial"),
    (PER_EPOCH.replace("lambda epoch: 0.9 ** epoch", "lambda epoch: DECAY ** epoch").replace(
        "LR_SCHEDULER", "import numpy as np\nDECAY = float(np.float64(0.9))\nLR_SCHEDULER"),
     "'DECAY' could not be read (line 8: cannot evaluate a call to np.float64"),
])  # fmt: skip
def test_a_lambda_it_cannot_read_sets_the_run_apart_as_the_grader_s_limit(form: str, why: str, tmp_path: Path) -> None:
    """H4: ERROR 0/100 in a config.py, while the same lambda in a submission.toml is "not rerun by this grader", its
    claims pending review. M1: a skipped name read in the lambda says why it was skipped, not "unknown name"."""
    x = _load(tmp_path, form)
    assert x.error is None and not x.submission.run and not x.submission.range_test, x.error
    apart = x.submission._apart["config.py"]
    sweep = "NUM_EPOCHS = 10" in form  # fewer epochs than a run's: the course's sweep, its pick pending
    assert apart.unsupported and apart.part == ("range_test" if sweep else "run")
    said = "read as a sweep (10 epochs, fewer than a run's 30): " if sweep else ""
    assert apart.why.startswith(f"config.py lr_scheduler: {said}LambdaLR's lr_lambda is not rerun by this grader")
    assert why in apart.why and 'cadence = "epoch" } (docs/submission.md)' in apart.why and "\n" not in apart.why
    assert "unknown name" not in apart.why


def test_a_lambda_python_would_refuse_too_is_still_the_file_s_error(tmp_path: Path) -> None:
    """The grader's limit is what Python would run: a function read above the line that defines it (NameError in
    Python), or one that reads a name the file never binds, stays the file's error."""
    numpy = SWEEP.replace("import math\n", "import numpy as np\nimport math\n").replace("math.log2(10)", "np.log2(10)")
    assert _load(tmp_path, numpy, "limit").submission._apart["config.py"].unsupported
    source = SWEEP.replace('LR_SCHEDULER = dict(type="LambdaLR", lr_lambda=lrs)\n', "")
    source = source.replace("\n\ndef lrs", '\nLR_SCHEDULER = dict(type="LambdaLR", lr_lambda=lrs)\n\ndef lrs')
    x = _load(tmp_path, source, "above")
    assert x.submission is None and "unknown name 'lrs'" in x.error
    x = _load(tmp_path, numpy.replace("np.log2(10)", "NOT_ASSIGNED"), "unbound")
    assert x.submission is None and "unknown name 'NOT_ASSIGNED'" in x.error


@pytest.mark.parametrize(("base", "form"), [
    (SWEEP, SWEEP.replace("    low = math.log2(1e-5)\n    high = math.log2(10)\n",
                          "    low, high = math.log2(1e-5), math.log2(10)\n")),
    (SWEEP, SWEEP.replace("    low = math.log2(1e-5)\n", "    low: float = math.log2(1e-5)\n")),
    (SWEEP, SWEEP.replace("    high = math.log2(10)\n", "    high = math.log2(10)\n    if batch < 0:\n"
                          "        return 1.0\n")),
    (SWEEP, SWEEP.replace("import math\n", "import math as m\n").replace("math.log2", "m.log2")),
    (SWEEP, SWEEP.replace("high = math.log2(10)\n", "high = math.log2(10)\n    high += 0\n")),
    (PER_EPOCH, PER_EPOCH.replace("lambda epoch: 0.9 ** epoch", "lambda epoch, g=0.9: g ** epoch")),
    (PER_EPOCH.replace("lambda epoch: 0.9 ** epoch", "lambda epoch: (epoch + 1) / 5 if epoch < 5 else 0.9 ** (epoch - "
                       "5)"),
     PER_EPOCH.replace("lr_lambda=lambda epoch: 0.9 ** epoch", "lr_lambda=warm").replace(
         "LR_SCHEDULER", "def warm(epoch):\n    if epoch < 5:\n        return (epoch + 1) / 5\n    else:\n"
         "        return 0.9 ** (epoch - 5)\n\n\nLR_SCHEDULER")),
    (PER_EPOCH, PER_EPOCH.replace("lr_lambda=lambda epoch: 0.9 ** epoch", "lr_lambda=[lambda epoch: 0.9 ** epoch]")),
])  # fmt: skip
def test_more_function_forms_are_read_as_the_same_lambda(base: str, form: str, tmp_path: Path) -> None:
    """H4: a def with an `if`, tuple, annotated or augmented locals, `import math as m`, a lambda's default argument,
    torch's list of one lr_lambda: each read as the one expression it computes."""
    _same(tmp_path, base, form)


# ---------------------------------------------------------------- H5: values Python and torch accept


@pytest.mark.parametrize(("base", "form"), [
    (STEPLR, STEPLR.replace("NUM_EPOCHS = 30", "import os\nNUM_EPOCHS = int(os.environ.get('EPOCHS', 30))")),
    (STEPLR, STEPLR.replace("NUM_EPOCHS = 30", "import os\nNUM_EPOCHS = int(os.getenv('EPOCHS', '30'))")),
    (STEPLR, STEPLR.replace("NUM_EPOCHS = 30", "from os import environ\nNUM_EPOCHS = environ.get('EPOCHS', 30)")),
    (STEPLR, STEPLR.replace("step_size=2345,", "step_size=2345.0,")),
    (STEPLR, STEPLR.replace("gamma=0.5", 'gamma=float("0.5")')),
    (STEPLR, STEPLR.replace("NUM_EPOCHS = 30", "NUM_EPOCHS = int('30')")),
    (STEPLR, STEPLR.replace("BATCH_SIZE = 128", "BATCH_SIZE = (bs := 128)")),
    (MULTISTEP, MULTISTEP.replace("milestones=[15, 25]", "milestones=[15.0, 25.0]")),
    (MULTISTEP, MULTISTEP.replace("milestones=[15, 25]", "milestones=[NUM_EPOCHS * 0.5, NUM_EPOCHS * 0.8 + 1]")),
    (MULTISTEP, MULTISTEP.replace("milestones=[15, 25]", "milestones={25, 15}")),
    (SGD, SGD.replace("LEARNING_RATE = 0.025", "LEARNING_RATE = float('0.025')")),
])  # fmt: skip
def test_values_python_and_torch_accept_are_read(base: str, form: str, tmp_path: Path) -> None:
    """H5: `os.environ.get("X", default)` (its default, with a note), integral float counts, `float('0.025')`, the
    walrus: each was ERROR 0/100."""
    _same(tmp_path, base, form)


def test_an_environment_read_says_its_default_is_used(tmp_path: Path) -> None:
    x = _load(tmp_path, STEPLR.replace("NUM_EPOCHS = 30", "import os\nNUM_EPOCHS = int(os.environ.get('EPOCHS', 30))"))
    assert any('os.environ.get("EPOCHS", …) read as its default, 30' in w for w in x.warnings), x.warnings
    x = _load(tmp_path, SGD.replace("NUM_EPOCHS = 30", "import os\nNUM_EPOCHS = int(os.environ.get('EPOCHS'))"), "no")
    assert x.submission is None and "environment is not known here" in x.error and "\n" not in x.error


@pytest.mark.parametrize(("codec", "comment"), [("latin-1", "# Übung 6: café"), ("gbk", "# 作业6：学习率")])
def test_a_pep_263_coding_declaration_is_honoured(codec: str, comment: str, tmp_path: Path) -> None:
    """H5: a file saved in the codec its first line declares was "not UTF-8 text (save the file as UTF-8)"."""
    form = f"# -*- coding: {codec} -*-\n{comment}\nNOTE = {comment[2:]!r}\n{STEPLR}".encode(codec)
    _same(tmp_path, STEPLR, form)
    x = _load(tmp_path, form, "warned")
    assert any("NOTE: not a field" in w for w in x.warnings)  # read, as text: its non-ASCII decoded
    (tmp_path / "x").mkdir()
    _same(tmp_path / "x", STEPLR, b"# -*- coding: utf-8-unix -*-\n" + STEPLR.encode())  # Emacs's, as Python reads it


@pytest.mark.parametrize(("head", "said"), [
    (b"# coding: klingon\n", 'line 1: coding "klingon" is not a text encoding the grader reads (save the file as '
                              "UTF-8)"),
    (b"#!/usr/bin/env python\n# coding: unicode_escape\n", 'line 2: coding "unicode_escape" is not a text encoding'),
    (b"# coding: gbk\n# \xff\xff\n", 'line 2: not "gbk" (its coding declaration) text (save the file as UTF-8)'),
    (b"\xef\xbb\xbf# coding: latin-1\n", "line 1: it starts with UTF-8's byte-order mark but declares coding"),
    (b"# coding: latin-1\n\xbb", "line 2: syntax error"),  # decoded as latin-1: "»", not Python, as Python says
])  # fmt: skip
def test_an_unknown_or_wrong_coding_is_one_line(head: bytes, said: str, tmp_path: Path) -> None:
    x = _load(tmp_path, head + STEPLR.encode())
    assert x.submission is None and x.error.startswith(f"config.py {said}") and "\n" not in x.error, x.error


# ---------------------------------------------------------------- H6: a scheduler under another name


@pytest.mark.parametrize(("base", "name"), [(MULTISTEP, "lr_sched"), (MULTISTEP, "LR_SCHEDULE"),
                                            (MULTISTEP, "scheduler_cfg"), (SWEEP, "lr_sched"),
                                            (STEPLR, "sched")])  # fmt: skip
def test_the_one_scheduler_under_another_name_is_read_with_a_note(base: str, name: str, tmp_path: Path) -> None:
    """H6: dropped (silently, for a lower-case name) and rerun at a constant LR; the sweep became a 10-epoch constant
    run, FAIL 0/100."""
    form = base.replace("LR_SCHEDULER =", f"{name} =").replace("lr_scheduler =", f"{name} =")
    _same(tmp_path, base, form)
    x = _load(tmp_path, form, "said")
    assert any(w.startswith(f"{name}: read as the LR scheduler") for w in x.warnings), x.warnings


def test_two_schedulers_under_other_names_are_the_grader_s_limit(tmp_path: Path) -> None:
    form = MULTISTEP.replace("LR_SCHEDULER =", "sched_a =") + 'sched_b = dict(type="StepLR", step_size=5)\n'
    x = _load(tmp_path, form)
    assert x.error is None and not x.submission.run
    why = x.submission._apart["config.py"].why
    assert "sched_a (MultiStepLR), sched_b (StepLR) are each an LR scheduler" in why and "name it lr_scheduler" in why


# ---------------------------------------------------------------- MEDIUM


def test_a_cosine_s_t_max_as_a_float_is_read_as_the_int(tmp_path: Path) -> None:
    """M2: `T_max=10000` is set apart (it restarts within the run); `10000.0` and `1e4` were rerun as one cosine over
    the whole run, another LR curve."""
    cos = "LEARNING_RATE = 0.05\nNUM_EPOCHS = 30\nLR_SCHEDULER = dict(type='CosineAnnealingLR', T_max={})\n"
    whys = {_load(tmp_path, cos.format(t), t).submission._apart["config.py"].why for t in ("10000", "10000.0", "1e4")}
    assert len(whys) == 1 and "T_max = 10000 is not the run's 14,070" in whys.pop()


def test_a_sweep_s_other_epochs_name_is_its_epochs(tmp_path: Path) -> None:
    """M6: a lambda reading `gpc.config.TOTAL_EPOCHS` (10) was tabulated over the template's 30 epochs, without a
    word, and refused with an end LR the student never had."""
    form = SWEEP.replace("NUM_EPOCHS = 10", "TOTAL_EPOCHS = 10").replace("config.NUM_EPOCHS", "config.TOTAL_EPOCHS")
    _same(tmp_path, SWEEP, form)


# ---------------------------------------------------------------- nothing is run


IMPORT = "__import__('os').system('touch PWNED')"


@pytest.mark.parametrize(("form", "said"), [
    (STEPLR.replace("NUM_EPOCHS = 30", f"import os\nNUM_EPOCHS = os.environ.get('X', {IMPORT})"),
     "line 3: cannot evaluate a call to __import__('os').system"),
    (STEPLR.replace("NUM_EPOCHS = 30", f"NUM_EPOCHS = os.getenv({IMPORT}, 30)"),
     "line 2: cannot evaluate a call to __import__('os').system"),
    (STEPLR.replace("NUM_EPOCHS = 30", "import os as o\nNUM_EPOCHS = o.environ.get('X', o.system('touch PWNED'))"),
     "line 3: cannot evaluate a call to o.system"),
    (STEPLR.replace("NUM_EPOCHS = 30", "from os import getenv, system\nNUM_EPOCHS = getenv('X', system('touch P'))"),
     "line 3: cannot evaluate a call to system"),
    (STEPLR.replace("BATCH_SIZE = 128", f"BATCH_SIZE = (bs := {IMPORT})"),
     "line 1: cannot evaluate a call to __import__('os').system"),
    (MULTISTEP.replace(HOOK, f"hooks = [LRSchedulerHook(by_epoch={IMPORT})]\n"),
     "LRSchedulerHook's by_epoch could not be read (cannot evaluate a call to __import__('os').system"),
    (MULTISTEP.replace(HOOK, f"hooks = [LRSchedulerHook(x={IMPORT}, by_epoch=True)]\n"),
     "LR_SCHEDULER: stepped once an epoch"),  # its other arguments are not the reader's business: not read
    (MULTISTEP.replace(HOOK, f"hooks = []\nhooks.append({IMPORT})\n"),
     "line 9: cannot evaluate a call to __import__('os').system"),
    (MULTISTEP.replace(HOOK, f"hooks = [dict(type='X', a=open('PWNED', 'w')), dict(type='LRSchedulerHook', "
                             f"by_epoch={IMPORT})]\n"),
     "LRSchedulerHook's by_epoch could not be read (cannot evaluate a call to __import__('os').system"),
    (PER_EPOCH.replace("lambda epoch: 0.9 ** epoch", f"lambda epoch, g={IMPORT}: g"),
     "not rerun by this grader (it is read as data, never run; line 7: cannot evaluate a call to __import__"),
    (PER_EPOCH.replace("lambda epoch: 0.9 ** epoch", f"lambda epoch: (g := {IMPORT})"),
     "line 7: cannot evaluate a walrus (:=) in a lambda"),
    (f"def f(s):\n    if {IMPORT}:\n        return 1\n    return 2\n" + PER_EPOCH.replace("lambda epoch: 0.9 ** epoch",
                                                                                       "f"),
     "not rerun by this grader (it is read as data, never run; line 2: cannot evaluate a call to __import__"),
    ("from torch.optim import *\n" + SGD.replace('OPTIMIZER = "SGD"', "OPTIMIZER = SGD\nX = SGD.__init__.__globals__"),
     "line 5: cannot evaluate attribute access SGD.__init__.__globals__"),
    (SGD.replace("LEARNING_RATE = 0.025", f"LEARNING_RATE = float({IMPORT!r})"), "is not a number"),
    (b"# coding: unicode_escape\nX = '\\x27; __import__(\"os\").system(\"touch PWNED\") #'\n" + SGD.encode(),
     'line 1: coding "unicode_escape" is not a text encoding the grader reads'),
])  # fmt: skip
def test_the_forms_read_now_run_nothing(form: str | bytes, said: str, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """Each construct read since probe 45 (an environment default, the walrus, a hook's call, `list.append`, a lambda's
    default, a def's `if`, a star import, `float(text)`, a coding declaration) is read by the same whitelist: a payload
    in it is refused, said in one line, and nothing runs."""
    calls = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a))
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: calls.append(a))
    monkeypatch.chdir(tmp_path)
    x = _load(tmp_path, form)
    assert not calls and not (tmp_path / "PWNED").exists() and not (tmp_path / "form" / "PWNED").exists()
    lines = [x.error or "", *x.warnings, *(a.why for a in (x.submission._apart.values() if x.submission else ()))]
    assert any(said in line for line in lines), lines
    assert all("\n" not in line for line in lines)
