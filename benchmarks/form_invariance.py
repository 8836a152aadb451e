"""Form invariance (examiner probe 43): is an honest student's grade the same however the submission is written?

Ten honest students are built from the committed mnist-5k seeds: seed i's own sweeps (its pick by the stated rule,
3 significant digits) and its own final runs of committed configs (its figures to 4 decimals), so the canonical
class passes in full and nothing is rerun (each claim is judged against the committed seeds). Each kind of rewrite
below writes every student's file another way a student would — the same runs and claims — and the class is graded
`--quick` again; a kind is invariant where every student's every check keeps its status and points. Then three
course config.py files (the legacy form, examiner probe 45), each rewritten as Python and ColossalAI read it alike:
a kind is invariant where the file plans the same runs.

    python benchmarks/form_invariance.py
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from tabulate import tabulate

from grader.grade import grade_class
from grader.load import load_submission
from grader.plan import plan
from grader.schema import Assignment
from reference.protocols import BASELINES

BASE = json.loads((BASELINES / "mnist-5k.json").read_text())
SCHEDULES = ("constant", "step", "multistep", "exponential", "onecycle", "cyclic", "linear-decay", "cosine")
ARGS = ("gamma", "step_size", "milestones", "max_lr", "base_lr", "step_size_up", "end_factor", "eta_min")
RULES = {"sgd": "steepest", "adam": "min/10", "adamw": "valley"}
TORCH = {"step": "StepLR", "multistep": "MultiStepLR", "exponential": "ExponentialLR", "onecycle": "OneCycleLR",
         "cyclic": "CyclicLR", "cosine": "CosineAnnealingLR"}  # fmt: skip


def value(v: object) -> str:
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(value(x) for x in v) + "]"
    return repr(v) if isinstance(v, float) else str(v)


def student(i: int) -> str:
    """Seed i's canonical submission.toml."""
    sweeps = [("sgd", "sgd"), ("adam" if i % 2 == 0 else "adamw", "adam" if i % 2 == 0 else "adamw")]
    out = [f'[student]\nid = "s{i:02d}"\nname = "Student {i}"\n']
    for opt, _ in sweeps:
        rt = BASE["range_tests"][opt]
        c = rt["config"]
        pick = rt["picks"][RULES[opt]][i]
        out.append(f'[[range_test]]\nname = "{opt}-sweep"\noptimizer = "{opt}"\n'
                   + ("momentum = 0.9\n" if opt == "sgd" else "")
                   + f"start_lr = {c['lr']!r}\nend_lr = {c['schedule']['end_lr']!r}\nepochs = {c['epochs']}\n"
                   f'rule = "{RULES[opt]}"\nclaimed_lr = {float(f"{pick:.3g}")!r}\n')  # fmt: skip
    runs = [(f"sgd-{SCHEDULES[i % 8]}", "final"), (f"sgd-{SCHEDULES[(i + 3) % 8]}", "control"),
            (f"{sweeps[1][0]}-constant", None)]  # fmt: skip
    for name, role in runs:
        r = BASE["runs"][name]
        c, s = r["config"], r["config"]["schedule"]
        args = {k: s[k] for k in ARGS if s.get(k) is not None and k in _needs(s["name"])}
        sched = (
            ""
            if s["name"] == "constant"
            else (
                "schedule = { "
                + ", ".join(f"{k} = {value(v)}" for k, v in {"name": s["name"], **args}.items())
                + " }\n"
            )
        )
        out.append(f'[[run]]\nname = "{name}"\noptimizer = "{c["optimizer"]}"\n'
                   + ("momentum = 0.9\n" if c["optimizer"] == "sgd" else "")
                   + f"lr = {c['lr']!r}\nepochs = {c['epochs']}\n{sched}"
                   + (f'role = "{role}"\n' if role else "")
                   + f"claimed_test_accuracy = {r['final']['test_accuracy']['values'][i]:.4f}\n"
                   f"claimed_test_loss = {r['final']['test_loss']['values'][i]:.4f}\n")  # fmt: skip
    return "\n".join(out)


def _needs(name: str) -> tuple[str, ...]:
    return {"step": ("step_size", "gamma"), "multistep": ("milestones", "gamma"), "exponential": ("gamma",),
            "onecycle": ("max_lr",), "cyclic": ("base_lr", "max_lr", "step_size_up"), "linear-decay": ("end_factor",),
            "cosine": ("eta_min",)}.get(name, ())  # fmt: skip


def sub(pattern: str, repl: str | Callable, flags: int = 0) -> Callable[[str], str]:
    return lambda text: re.sub(pattern, repl, text, flags=flags)


def both(*fs: Callable[[str], str]) -> Callable[[str], str]:
    def f(text: str) -> str:
        for g in fs:
            text = g(text)
        return text

    return f


def percent(m: re.Match) -> str:
    return f'{m[1]} = "{float(m[2]) * 100:.2f}%"'


def reorder(text: str) -> str:
    head, *entries = re.split(r"\n(?=\[\[)", text)
    return "\n".join([head, *reversed(entries)])


OPT = {"sgd": "SGD", "adam": "Adam", "adamw": "AdamW"}
SCHED = r'name = "(step|multistep|exponential|onecycle|cyclic|cosine)"'
torch_names = sub(SCHED, lambda m: f'name = "{TORCH[m[1]]}"')
torch_paths = both(sub(r'optimizer = "(sgd|adam|adamw)"', lambda m: f'optimizer = "torch.optim.{OPT[m[1]]}"'),
                   sub(SCHED, lambda m: f'name = "torch.optim.lr_scheduler.{TORCH[m[1]]}"'))  # fmt: skip
class_names = sub(r'optimizer = "(sgd|adam|adamw)"', lambda m: f'optimizer = "{OPT[m[1]]}"')
as_text = sub(r"^(lr|start_lr|end_lr|claimed_lr|claimed_test_loss) = ([0-9.e+-]+)$", r'\1 = "\2"', re.M)
as_percent = sub(r"^(claimed_test_accuracy) = ([0-9.]+)$", lambda m: f"{m[1]} = {float(m[2]) * 100:.2f}", re.M)
decimals = both(sub(r"^epochs = (\d+)$", r"epochs = \1.0", re.M), sub(r"step_size = (\d+)", r"step_size = \1.0"),
                sub(r"milestones = \[(\d+), (\d+)\]", r"milestones = [\1.0, \2.0]"))  # fmt: skip
plural = both(sub(r"\[\[run\]\]", "[[runs]]"), sub(r"\[\[range_test\]\]", "[[range_tests]]"))
words = both(sub(r"^lr = ", "learning_rate = ", re.M), sub(r"^claimed_lr = ", "best_lr = ", re.M),
             sub(r"^optimizer = ", "optimiser = ", re.M), sub(r"^schedule = ", "scheduler = ", re.M))  # fmt: skip
camel = both(sub(r"^start_lr = ", "startLR = ", re.M), sub(r"^end_lr = ", "endLR = ", re.M),
             sub(r"^claimed_test_loss = ", "Claimed_Test_Loss = ", re.M))  # fmt: skip
SETUP_TEXT = '[setup]\ndevice = "Colab, T4"\nnotes = "ran on Colab"\n\n[student]'
comments = both(sub(r"^(name = .*)$", r'\1\ncomment = "as in my report"', re.M),
                lambda t: 'author = "me"\n' + t.replace("[student]", SETUP_TEXT))  # fmt: skip
twice = sub(r"^claimed_test_accuracy = ([0-9.]+)$", lambda m: f'{m[0]}\ntest_accuracy = "{float(m[1]) * 100:.2f}%"',
            re.M)  # fmt: skip
cases = both(sub(r'role = "(final|control)"', lambda m: f'role = "{m[1].title()}"'),
             sub(r"^(\[\[range_test\]\])$", r'\1\nshape = "exponential"', re.M),
             lambda t: t.replace("[student]", '[setup]\ndataset = "MNIST-5k"\n\n[student]'))  # fmt: skip
rules = both(sub(r'rule = "steepest"', 'rule = "Steepest gradient"'), sub(r'rule = "min/10"', 'rule = "minimum / 10"'),
             sub(r'rule = "valley"', 'rule = "fastai valley"'))  # fmt: skip


def subtable(m: re.Match) -> str:
    return m[2] + "[run.schedule]\n" + "\n".join(re.split(r", (?![^[]*\])", m[1])) + "\n"


def same(text: str) -> str:
    return text


TOML = "submission.toml"
# kind → (rewrite of the file's text, the file's name, folders above it)
KINDS: dict[str, tuple[Callable[[str], str], str, str]] = {
    "torch scheduler names": (torch_names, TOML, ""),
    "torch module paths": (torch_paths, TOML, ""),
    "optimizer class names": (class_names, TOML, ""),
    "numbers as text": (as_text, TOML, ""),
    "accuracy as a percent text": (sub(r"^(claimed_test_accuracy) = ([0-9.]+)$", percent, re.M), TOML, ""),
    "accuracy as a percent": (as_percent, TOML, ""),
    "whole numbers as decimals": (decimals, TOML, ""),
    "milestones as text": (sub(r"milestones = \[(\d+), (\d+)\]", r'milestones = "\1,\2"'), TOML, ""),
    "plural table names": (plural, TOML, ""),
    "[[lr_range_test]]": (sub(r"\[\[range_test\]\]", "[[lr_range_test]]"), TOML, ""),
    "field names in another word": (words, TOML, ""),
    "field names in camelCase": (camel, TOML, ""),
    "comments in every table": (comments, TOML, ""),
    "a claim written twice alike": (twice, TOML, ""),
    "enumerations in another case": (cases, TOML, ""),
    "rule wording": (rules, TOML, ""),
    "schedule as a sub-table": (sub(r"^schedule = \{ (.*) \}\n((?:.*\n)*?)(?=\n|\Z)", subtable, re.M), TOML, ""),
    "entries reordered": (reorder, TOML, ""),
    "CRLF, BOM and tabs": (lambda t: "\ufeff" + t.replace(" = ", "\t=\t").replace("\n", "\r\n"), TOML, ""),
    "file named Submission.toml": (same, "Submission.toml", ""),
    "file named submission.toml.txt": (same, "submission.toml.txt", ""),
    "a zip extracted one folder down": (same, TOML, "hw6"),
    "sweeps in steps": (sub(r"^epochs = 10$", "steps = 320", re.M), TOML, ""),
    "defaults written out": (
        sub(r'^(optimizer = "sgd")$', r"\1\nnesterov = false\nweight_decay = 0.0", re.M),
        TOML,
        "",
    ),
}


def grade(texts: dict[str, str], name: str, down: str, cache: Path) -> dict[str, tuple]:
    """Each student's (status, total, pending, checks) after a quick grade of their files so written."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "class"
        for sid, text in texts.items():
            folder = root / sid / down
            folder.mkdir(parents=True)
            (folder / name).write_text(text, newline="")
        (root / "assignment.toml").write_text('dataset = "mnist-5k"\n')
        result = grade_class(root, out=None, quick=True, jobs=1, cache_dir=cache, device="cpu")
    return {st.folder: (st.status, round(st.total, 6), round(st.pending, 6),
                        sorted((c.check, c.subject, c.status, round(c.points, 6), round(c.pending, 6))
                               for c in st.checks),
                        st.error or "; ".join(w for w in st.warnings if "refused" in w or "not rerun" in w))
            for st in result.students}  # fmt: skip


# ---------------------------------------------------------------- config.py (examiner probe 45)

CONFIG_BASES = {  # name → (optimizer lines, the scheduler's dict text or None, its hooks line or None)
    "sgd-multistep-per-epoch": ('OPTIMIZER = "SGD"\nLEARNING_RATE = 0.1\nMOMENTUM = 0.9\nWEIGHT_DECAY = 5e-4\n',
                                'dict(type="MultiStepLR", milestones=[15, 25], gamma=0.1)',
                                'hooks = [dict(type="LRSchedulerHook", by_epoch=True)]\n'),
    "sgd-onecycle": ('OPTIMIZER = "SGD"\nLEARNING_RATE = 0.1\nMOMENTUM = 0.9\nWEIGHT_DECAY = 5e-4\n',
                     'dict(type="OneCycleLR", max_lr=0.1, total_steps=NUM_EPOCHS * 469)', None),
    "adamw-constant": ('OPTIMIZER = "AdamW"\nLEARNING_RATE = 0.001\n', None, None),
}  # fmt: skip
HEAD = "from colossalai.amp import AMP_TYPE\n\nBATCH_SIZE = 128\nNUM_EPOCHS = 30\n"


def config_py(base: str, kind: str = "") -> str:
    """Base `base`'s config.py as the course template writes it, or rewritten as kind `kind` (the same config)."""
    opt, sched, hooks = CONFIG_BASES[base]
    head, tail = HEAD, "fp16 = dict(mode=AMP_TYPE.TORCH)\n"
    name = opt.split('"')[1]
    values = dict(re.findall(r"^(\w+) = (.+)$", opt, re.M))
    keys = {"LEARNING_RATE": "lr", "MOMENTUM": "momentum", "WEIGHT_DECAY": "weight_decay"}
    as_dict = ", ".join(f"{keys[k]}={v}" for k, v in values.items() if k in keys)
    if kind == "optimizer as a dict (OPTIMIZER)":
        opt = f'OPTIMIZER = dict(type="{name}", {as_dict})\n'
    elif kind == "optimizer as a dict (optimizer)":
        opt = f'optimizer = dict(type="{name}", {as_dict})\n'
    elif kind == "torch imported under an alias":
        head = "import torch.optim as topt\n" + head
        opt = opt.replace(f'"{name}"', f"topt.{name}")
    elif kind == "star import":
        head = "from torch.optim import *\n" + head
        opt = f"optimizer = dict(type={name}, {as_dict})\n"
    elif kind == "arithmetic":
        head = head.replace("BATCH_SIZE = 128", "BATCH_SIZE = 2 ** 7").replace("NUM_EPOCHS = 30", "NUM_EPOCHS = 3 * 10")
    elif kind == "the environment's default":
        head = "import os\n" + head.replace("NUM_EPOCHS = 30", 'NUM_EPOCHS = int(os.environ.get("EPOCHS", 30))')
    elif kind == "coding declaration":
        head = "# -*- coding: latin-1 -*-\n# réglages du cours\n" + head
    elif kind == "a main block and an unused def":
        tail += 'def build(model):\n    return model\n\nif __name__ == "__main__":\n    print(NUM_EPOCHS)\n'
    if sched:
        if kind == "float milestones":
            sched = sched.replace("[15, 25]", "[15.0, 25.0]")
        if kind == "scheduler as a dict literal":
            sched = "{" + re.sub(r"(\w+)=", r'"\1": ', sched[5:-1]) + "}"
        var = "lr_sched" if kind == "scheduler under another name" else "LR_SCHEDULER"
        if hooks and kind == "by_epoch in the scheduler's dict":
            sched, hooks = sched[:-1] + ", by_epoch=True)", None
        if hooks and kind == "the hook as a call":
            head = "from colossalai.trainer.hooks import LRSchedulerHook\n" + head
            hooks = "hooks = [LRSchedulerHook(by_epoch=True)]\n"
        if hooks and kind == "the hook beside one not read":
            hooks = hooks.replace("hooks = [", 'hooks = [dict(type="LogMetricByEpochHook", logger=logger), ')
        tail = f"{var} = {sched}\n" + (hooks or "") + tail
    text = head + "\n" + opt + "\n" + tail
    return text


CONFIG_KINDS = ("optimizer as a dict (OPTIMIZER)", "optimizer as a dict (optimizer)", "torch imported under an alias",
                "star import", "arithmetic", "the environment's default", "coding declaration",
                "a main block and an unused def", "float milestones", "scheduler as a dict literal",
                "scheduler under another name", "by_epoch in the scheduler's dict", "the hook as a call",
                "the hook beside one not read", "CRLF and BOM")  # fmt: skip


def read_config(text: str | bytes, folder: Path) -> tuple[str | None, list]:
    """(the error, the planned training runs' configs) of a config.py so written."""
    folder.mkdir(parents=True)
    data = text if isinstance(text, bytes) else text.encode("latin-1" if "coding: latin-1" in text else "utf-8")
    (folder / "config.py").write_bytes(data)
    x = load_submission(folder, Assignment())
    if x.error or x.submission is None:
        return x.error, []
    apart = "; ".join(a.why for a in x.submission._apart.values())
    return apart or None, [p.config.model_dump(mode="json") for p in plan(x.submission, Assignment(), quick=False)]


def config_rows(tmp: Path) -> tuple[list[list], int]:
    rows, costly = [], 0
    bases = {b: read_config(config_py(b), tmp / "base" / b) for b in CONFIG_BASES}
    assert all(err is None and cfgs for err, cfgs in bases.values()), bases
    for kind in CONFIG_KINDS:
        same, differ, refused, first = 0, 0, 0, ""
        for b in CONFIG_BASES:
            text = config_py(b, kind)
            if kind == "CRLF and BOM":
                text = "\ufeff" + text.replace("\n", "\r\n")
            if text == config_py(b) and kind != "CRLF and BOM":
                continue  # the kind does not apply to this base
            err, cfgs = read_config(text, tmp / _slug(kind) / b)
            if err:
                refused, first = refused + 1, first or err
            elif cfgs != bases[b][1]:
                differ, first = differ + 1, first or f"{b}: read as another config"
            else:
                same += 1
        costly += bool(differ or refused)
        rows.append([kind, same + differ + refused, same, differ, refused, first[:80]])
    return rows, costly


def _slug(text: str) -> str:
    return re.sub(r"\W+", "-", text).strip("-")


def main() -> None:
    texts = {f"s{i:02d}": student(i) for i in range(10)}
    with tempfile.TemporaryDirectory() as cache:
        canonical = grade(texts, "submission.toml", "", Path(cache))
        assert all(c[0] == "graded" and c[1] == 100 for c in canonical.values()), canonical  # honest: 100/100
        rows, costly = [], 0
        for kind, (rewrite, name, down) in KINDS.items():
            got = grade({sid: rewrite(t) for sid, t in texts.items()}, name, down, Path(cache))
            same = sum(got[s][:4] == canonical[s][:4] for s in texts)
            lost = [s for s in texts if got[s][1] + got[s][2] < canonical[s][1] - 1e-6 or got[s][1] < canonical[s][1]
                    - 1e-6]  # fmt: skip
            costly += bool(lost)
            first = next((got[s][4] or str(got[s][3]) for s in texts if got[s][:4] != canonical[s][:4]), "")
            rows.append([kind, len(texts), same, len(lost), first[:90]])
    print(
        "10 honest students (committed mnist-5k seeds 0-9, their own picks and figures), canonical: 10 of 10 at "
        "100/100; each kind of rewrite graded --quick (judged against the committed seeds, nothing rerun)"
    )
    print(tabulate(rows, headers=["rewrite", "students", "graded identically", "lose points", "first difference"]))
    print(f"kinds that cost any honest student a point: {costly} of {len(KINDS)}")
    with tempfile.TemporaryDirectory() as tmp:
        rows, costly = config_rows(Path(tmp))
    print(
        f"\nconfig.py (examiner probe 45): {len(CONFIG_BASES)} course configs ({', '.join(CONFIG_BASES)}), each "
        "rewritten as Python and ColossalAI read it alike; a rewrite must plan the same runs"
    )
    print(tabulate(rows, headers=["rewrite", "configs", "read the same", "read as another", "refused", "first"]))
    print(f"config.py kinds read otherwise for any config: {costly} of {len(CONFIG_KINDS)}")


if __name__ == "__main__":
    main()
