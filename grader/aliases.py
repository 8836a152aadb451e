"""What students write that means what the schema says, read as the schema's words before validation, each with one
note: a rule, optimizer or scheduler name in another case or as torch's class (`"Steepest"`, `"SGD"`,
`"CosineAnnealingLR"`), a logs path written `./logs`, `logs\\run` or with spaces round it, and torch's scheduler
arguments whose values the rerun takes from the run itself (`T_max = 30` on a 30-epoch cosine); a rule worded as a
report words it (`"steepest gradient"`). An argument whose value is not the rerun's (`T_max = 10` on 30 epochs:
another LR curve) is left for validation to refuse, with the entry only, as a limit of the grader's: its claims
pending review (grader.load.validate_submission; examiner probe 19: each of these was ERROR 0/100 for the whole
submission)."""

from __future__ import annotations

import datetime as dt
import difflib
import json
import math
import re
import types
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from grader.safe import shown
from grader.schema import (
    ENTRIES,
    SETUP_DEFAULTS,
    AutoClaim,
    Printed,
    RangeTestClaim,
    RunClaim,
    Setup,
    Student,
    Submission,
    machine_path,
)
from reference.config import ScheduleConfig
from reference.datasets import DATASETS, steps_per_epoch
from reference.optimizers import OPTIMIZERS, unread_by
from reference.rules import RULES
from reference.schedules import SCHEDULES

# torch's module path before a class name: "torch.optim.SGD", "optim.lr_scheduler.StepLR" (examiner probe 43: refused,
# FAIL 0/100, where "SGD" and "StepLR" were read)
TORCH_PATH = re.compile(r"^\s*(?:torch\s*\.\s*)?(?:(?:nn|optim)\s*\.\s*)?(?:lr_scheduler\s*\.\s*)?", re.IGNORECASE)


def _key(text: str) -> str:  # "One_Cycle", "one cycle", "onecycle", "torch.optim.lr_scheduler.OneCycleLR" alike
    if "." in text and (bare := TORCH_PATH.sub("", text, count=1)):
        text = bare
    return "".join(c for c in text.lower() if c not in "-_ \t")


NOT_OURS = ("LambdaLR", "LinearLR", "ConstantLR")
RULE_WORDS = {  # the rules as reports word them (seed 000: "one order lower than … where loss is minimum")
    "min": ("minimum", "minloss", "minimumloss", "lowestloss", "lrmin"),  # "minimum", "lrmin": also EITHER_MIN's
    "valley": ("fastaivalley", "valleyfastai", "lrfindvalley", "lrfindervalley"),
    "min/10": ("minimum/10", "min÷10", "minover10", "mindiv10", "onedecadebelowmin", "onedecadebelowminimum",
               "oneorderlowerthanmin", "minimumover10", "oneorderlowermin", "oneorderlowerminimum", "onedecadelowermin",
               "onedecadelowerminimum", "oneorderbelowmin", "oneorderbelowminimum", "tenxbelowmin", "min10"),
    "steepest": ("steepestgradient", "steepestslope", "steepestdescent", "maxslope", "maxgradient", "steepestdrop",
                 "steepestnegativegradient", "steepestnegativeslope", "mostnegativegradient", "mostnegativeslope",
                 "steepestdecline", "steepestdecrease", "steepestfall", "maxnegativegradient", "maxnegativeslope",
                 "largestnegativegradient", "largestnegativeslope", "steepestgradientdescent",
                 "steep", "lrsteep"),  # fastai's: `lr_min, lr_steep = learn.lr_find()`, its suggestion function steep
}  # fmt: skip
# fastai's names for the minimum's LR ÷ 10 (`lr_min, lr_steep = learn.lr_find()`: SuggestedLRs(lr_min / 10., …); its
# suggestion function `minimum`, "one-tenth the minimum"), which others use for the minimum itself (seed 000: "the loss
# decrease to the lowest point"): read as "min", the claim judged against both readings (grader.evidence.either_rule)
EITHER_MIN = ("minimum", "lrmin")  # by key


class Worded(str):
    """A rule read from another word, which keeps that word (`said`) through to the validated claim
    (grader.load._keep_printed), where the word has two readings (EITHER_MIN)."""

    said: str

    def __new__(cls, rule: str, said: str) -> Worded:
        value = super().__new__(cls, rule)
        value.said = said
        return value


MIN_WORDS = ("minimum", "minimal", "lowest", "smallest")  # each read as "min" ("lowest loss / 10" is "min/10")
NAMES = {  # field → its names by their key (case, `_` and spaces aside); a scheduler also by its torch class
    "rule": {_key(r): r for r in RULES} | {w: r for r, words in RULE_WORDS.items() for w in words},
    "optimizer": {_key(o): o for o in OPTIMIZERS},
    "schedule": {
        # (not LambdaLR, LinearLR: two of ours each; not ConstantLR: torch's divides the LR by 3 for 5 epochs)
        **{_key(t.torch): n for n, t in SCHEDULES.items() if t.torch not in (None, *NOT_OURS)},
        **{_key(n): n for n in SCHEDULES},
        **{w: "constant" for w in ("none", "noschedule", "noscheduler", "fixed", "fixedlr")},  # no scheduler at all
    },
}
CADENCE_WORDS = {  # what one scheduler.step() is, as students word it (the course's hook: "per iteration"), by key
    **{w: "step" for w in ("iteration", "iterations", "iter", "iters", "periteration", "periter", "everyiteration",
                           "batch", "batches", "perbatch", "everybatch", "steps", "perstep", "everystep",
                           "optimizerstep", "peroptimizerstep")},
    **{w: "epoch" for w in ("epochs", "perepoch", "everyepoch")},
}  # fmt: skip
PLATEAU = ("reducelronplateau", "plateau", "reduceonplateau", "reducelrplateau", "lronplateau")  # by key
# a [[run]]'s or [[auto]]'s claims under the names a training loop prints them by (key: case, `_` and spaces aside);
# not "loss" or "final_loss" (a loop's train loss as often), nor "val_…" (another split than the test set)
CLAIM_WORDS = {
    "claimed_test_accuracy": ("testaccuracy", "testacc", "accuracy", "acc", "finalaccuracy", "finalacc",
                              "finaltestaccuracy", "finaltestacc", "claimedaccuracy", "claimedacc", "claimedtestacc",
                              "claimedtestaccuracy"),
    "claimed_test_loss": ("testloss", "finaltestloss", "claimedtestloss"),
}  # fmt: skip
LR_CLAIM_WORDS = ("claimedlr", "suggestedlr", "pickedlr", "chosenlr", "selectedlr", "bestlr", "optimallr", "optimumlr",
                  "foundlr", "lrfound", "recommendedlr", "suggestedlearningrate", "bestlearningrate",
                  "chosenlearningrate", "optimallearningrate")  # fmt: skip  # a [[range_test]]'s claimed_lr
# a batch as students state it when they trained on several processes (torchrun's --nproc_per_node, world_size,
# num_gpus, …; a batch per process or over all of them), by key: [setup] reads them as batch_size, the batch of one
# optimizer step over all processes (`processes`); a course config.py's NUM_GPUS, WORLD_SIZE, … likewise (grader.legacy)
BATCH_WORDS = {
    "processes": ("nproc", "nprocs", "nprocpernode", "nprocess", "nprocesses", "numproc", "numprocs", "numprocess",
                  "numprocesses", "processes", "worldsize", "numgpus", "numgpu", "ngpus", "ngpu", "gpus", "gpucount",
                  "numdevices", "ndevices", "devicecount", "numranks", "nranks", "dataparallelsize", "dpsize"),
    "per_process": ("batchsizepergpu", "batchsizeperdevice", "batchsizeperprocess", "batchsizeperrank",
                    "perdevicebatchsize", "pergpubatchsize", "perprocessbatchsize", "perrankbatchsize",
                    "perdevicetrainbatchsize", "localbatchsize", "batchpergpu", "batchperdevice", "batchperprocess"),
    "global": ("globalbatchsize", "totalbatchsize", "effectivebatchsize"),
}  # fmt: skip
MAX_PROCESSES = 4096  # a process count read; more is not a count of a course's GPUs
MAX_LAMBDA_TEXT = 500  # characters of an lr_lambda string read (as data, grader.legacy); longer is not read

ANY = object()  # an argument any value of which the rerun may drop


class OneOf(tuple):
    """The values an argument may take for the rerun's own, any of them (`same`): scale_fn = None, as TOML cannot say
    it, also the text "None" or "null"."""


NO_SCALE_FN = OneOf((None, "None", "none", "null"))


def scale_mode(s: dict) -> str:
    """torch's CyclicLR's scale_mode for the schedule's mode, where no scale_fn is given: it then ignores any other."""
    return "iterations" if s.get("mode") == "exp_range" else "cycle"


# torch's scheduler arguments that the rerun sets from the run, or keeps at torch's default: the value it uses, given
# the run's length in epochs, its steps an epoch, its scheduler steps (`span`, at the schedule's cadence) and the
# schedule's arguments as written; by the schedules it is an argument of. A submission.toml's (grader.aliases._derived)
# and a course config.py's (grader.legacy._schedule) are read by this one table
Span = Callable[[int, int, int, dict], object]
DERIVED: dict[str, tuple[tuple[str, ...], Span]] = {
    "epochs": (("onecycle",), lambda epochs, per_epoch, span, s: epochs),
    "steps_per_epoch": (("onecycle",), lambda epochs, per_epoch, span, s: per_epoch),
    "total_steps": (("onecycle",), lambda epochs, per_epoch, span, s: span),
    "T_max": (("cosine",), lambda epochs, per_epoch, span, s: span),
    "total_iters": (("linear-decay", "polynomial"), lambda epochs, per_epoch, span, s: span),
    "anneal_strategy": (("onecycle",), lambda *_: "cos"),
    "three_phase": (("onecycle",), lambda *_: False),
    "start_factor": (("linear-decay",), lambda *_: 1.0),
    "scale_fn": (("cyclic",), lambda *_: NO_SCALE_FN),  # CyclicLR's own scaling for its mode
    "scale_mode": (("cyclic",), lambda epochs, per_epoch, span, s: scale_mode(s)),
    "last_epoch": (tuple(SCHEDULES), lambda *_: -1),
    "verbose": (tuple(SCHEDULES), lambda *_: ANY),  # prints, changes no LR
}


def ignored(key: str, s: dict) -> bool:
    """torch ignores this argument as the schedule states it: CyclicLR's scale_mode without a scale_fn (it then
    scales by its mode's own, `scale_mode`), whatever its value."""
    return key == "scale_mode" and same(s.get("scale_fn"), NO_SCALE_FN)


def rerun_drops(key: str, value: object, s: dict, epochs: int = 0, per_epoch: int = 0, span: int = 0) -> bool:
    """torch's argument `key` (of `DERIVED`, for this schedule) at `value` draws the rerun's LR curve: its value the
    rerun's, or one torch ignores (`ignored`); `s`: the schedule's arguments as written."""
    return same(value, DERIVED[key][1](epochs, per_epoch, span, s)) or ignored(key, s)


# reads an lr_lambda's text as data: an object with `.param` (its argument's name) and `.table(n, per_epoch)` (its
# factors over n scheduler steps); raises ValueError (grader.legacy.lambda_text)
LambdaReader = Callable[[str], Any]

SPANS = ("epochs", "steps_per_epoch", "total_steps", "T_max", "total_iters")  # the run's length, in some unit


def read(data: dict) -> tuple[dict, list[str]]:
    """`data` (a parsed submission.toml) with each alias read as the schema's word; one note per change."""
    out, notes, _ = read_all(data)
    return out, notes


def read_all(data: dict, lambdas: LambdaReader | None = None) -> tuple[dict, list[str], dict[tuple[str, int], str]]:
    """`read`, and the entries the grader cannot rerun as written (ReduceLROnPlateau, an lr_lambda it cannot
    tabulate): (part, index) → one line saying why and what would have it rerun. Such an entry's schedule is read as
    a constant one, so that validation still refuses what else is wrong with it (grader.load.validate_submission sets
    it apart: its claims pending review, a limit of the grader's, where nothing else is). `lambdas`: what reads an
    lr_lambda's text as data (grader.legacy.lambda_text, passed in: legacy reads this module); None, none is read."""
    notes: list[str] = []
    limits: dict[tuple[str, int], str] = {}
    setup = data.get("setup") if isinstance(data.get("setup"), dict) else {}
    out = {**data}
    for part in ENTRIES:
        if isinstance(data.get(part), list):
            out[part] = [_entry(part, i, e, setup, notes, limits, lambdas) if isinstance(e, dict) else e for i, e in
                         enumerate(data[part])]  # fmt: skip
    return out, notes, limits


def setup_defaults(data: dict) -> tuple[dict, list[str]]:
    """`[setup]`'s run fields (seed, momentum, weight_decay, …: `SETUP_DEFAULTS`) as the value of every entry that
    states none — a training run's `epochs` only [[run]]s' and [[auto]]s' (a sweep's is its length) — and a setting
    only entries whose optimizer reads it (momentum not on Adam). A value [setup] cannot take is left for validation
    to refuse (`setup.seed: must be ≥ 0`). Before a preset's defaults: what the file says wins over the preset."""
    setup = data.get("setup")
    if not isinstance(setup, dict) or not any(k in setup for k in SETUP_DEFAULTS):
        return data, []
    out, notes = {**data}, []
    for key, parts in SETUP_DEFAULTS.items():
        if key not in setup or not _valid_setup(key, setup[key]):
            continue
        filled, own, unread = [], 0, 0
        for part in parts:
            if not isinstance(out.get(part), list):
                continue
            out[part] = list(out[part])
            for i, e in enumerate(out[part]):
                if not isinstance(e, dict):
                    continue
                if key in e:
                    own += 1
                    continue
                optimizer = e.get("optimizer")
                named = NAMES["optimizer"].get(_key(optimizer)) if isinstance(optimizer, str) else None
                if named and unread_by(named, [key]):
                    unread += 1
                    continue
                out[part][i] = {**e, key: setup[key]}
                filled.append(f"{part}[{i}]")
        sweeps = "; a [[range_test]]'s epochs is its sweep's length, not set by it" * (key == "epochs")
        kept = f"; {own} state their own" * bool(own)
        rest = f"{kept}{f'; {unread} whose optimizer takes no {key} left without' * bool(unread)}{sweeps}"
        said = f"{', '.join(filled[:6])}{' …' * (len(filled) > 6)}" if filled else "none"
        notes.append(f"[setup] {key} = {shown(setup[key])} read as the {key} of each "
                     f"{'training run' if key == 'epochs' else 'entry'} that states none: {said}{rest}")  # fmt: skip
    return out, notes


def _valid_setup(key: str, value: object) -> bool:
    """The value is one [setup] takes for `key` (validated as the schema does)."""
    try:
        Setup.model_validate_json(json.dumps({key: value}, allow_nan=True), strict=True)
    except (ValueError, TypeError):
        return False
    return True


STEP = "the batch of one optimizer step over all processes"  # what [setup]'s batch_size is
PENDING = " — its claims are pending review (a limit of the grader's, not a fault)"


def batch_word(key: object) -> str | None:
    """The role in `BATCH_WORDS` of a key ("processes", "per_process", "global"), or None; any case, `_` aside."""
    if not isinstance(key, str) or len(key) > 40:
        return None
    return next((role for role, words in BATCH_WORDS.items() if _key(key) in words), None)


def whole(value: object, top: int = 2**31) -> bool:
    """A whole number from 1 to `top` (not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= top


def processes(data: dict, default_batch: int = 128) -> tuple[dict, list[str], dict[tuple[str, int], str]]:
    """A process count and a batch per process (or over all of them) stated in [setup] (`BATCH_WORDS`: `nproc = 2`,
    `world_size`, `num_gpus`, `batch_size_per_gpu`, …) read as `batch_size`, the batch of one optimizer step over all
    processes, with one note saying what is read. The course's scripts gave BATCH_SIZE to each process's DataLoader,
    so a process count beside `batch_size` reads it as each process's batch: `nproc = 2` with `batch_size = 128` is
    batch_size = 256 (examiner probe 31: each key was ERROR 0/100 for the whole submission). `default_batch`: each
    process's batch where [setup] states none (the preset's: the course's BATCH_SIZE). An entry's own process count
    or batch, other than [setup]'s, is a batch of that entry's own, for which the schema has no field: the entry is
    set apart as a limit of the grader's (its claims pending review), its line saying what to write instead. Returns
    the data, the notes and the entries set apart ((part, index) → why, as `read_all`'s)."""
    notes: list[str] = []
    limits: dict[tuple[str, int], str] = {}
    out, count = {**data}, None
    if isinstance(setup := data.get("setup"), dict) and any(batch_word(k) for k in setup):
        out["setup"], count = _setup_batch(setup, default_batch, notes)
    for part in ENTRIES:
        if not isinstance(data.get(part), list):
            continue
        for i, e in enumerate(data[part]):
            if isinstance(e, dict) and (said := [k for k in e if batch_word(k)]):
                out[part] = list(out[part]) if out[part] is data[part] else out[part]
                out[part][i], why = _entry_batch(e, said, f"{part}[{i}]", count, notes)
                if why:
                    limits[(part, i)] = why
                    notes.append(why + PENDING)
    return out, notes, limits


def _one(said: list[tuple[str, object]], what: str, top: int, notes: list[str]) -> tuple[str, int] | None:
    """The one value [setup] states under these keys, as (key, value); None where none is valid, or they disagree."""
    good = [(k, v) for k, v in said if whole(v, top)]
    notes += [f"[setup] {k} = {shown(v)}: not {what}, not read" for k, v in said if not whole(v, top)]
    if len({v for _, v in good}) > 1:
        notes.append(f"[setup] {' and '.join(f'{k} = {v}' for k, v in good)} disagree: none of them is read")
        return None
    return good[0] if good else None


def _setup_batch(setup: dict, default: int, notes: list[str]) -> tuple[dict, tuple[str, int] | None]:
    """[setup] with its `BATCH_WORDS` read into batch_size (`processes`), and the process count read, (key, value)."""
    said = {role: [(k, v) for k, v in setup.items() if batch_word(k) == role] for role in BATCH_WORDS}
    rest = {k: v for k, v in setup.items() if not batch_word(k)}
    count = _one(said["processes"], f"a whole number of processes from 1 to {MAX_PROCESSES}", MAX_PROCESSES, notes)
    per = _one(said["per_process"], "a whole number > 0", 2**31, notes)
    total = _one(said["global"], "a whole number > 0", 2**31, notes)
    stated = setup.get("batch_size")
    if "batch_size" in setup and not whole(stated, 2**63):  # its own fault, which validation names
        if count or per or total:
            notes.append(f"[setup] {', '.join(k for k, _ in (count, per, total) if k)} not read: batch_size = "
                         f"{shown(stated)} is not a whole number > 0")  # fmt: skip
        return rest, count
    if total:
        k, g = total
        read, how = g, f"{k} = {g} read as batch_size = {g} ({STEP})"
        if stated is not None and stated != g:
            read, how = stated, f"batch_size = {stated} and {k} = {g} disagree: batch_size = {stated} read ({STEP})"
    elif per and count:
        (k, p), (c, n) = per, count
        read = n * p
        how = f"{c} = {n} processes × {k} = {p} each read as batch_size = {read:,} ({STEP})"
        if stated is not None and stated not in (read, p):
            how += f"; batch_size = {stated} is neither, and is not read"
    elif per:
        k, p = per
        if stated is None:
            read, how = p, (f"{k} = {p} with no process count read as one process: batch_size = {p} ({STEP}); "
                            f"on N processes, add nproc = N to [setup], read as N × {p}")  # fmt: skip
        else:
            read, how = stated, f"{k} = {p} beside batch_size = {stated}: batch_size = {stated} read ({STEP})"
    elif count:
        c, n = count
        each = stated if stated is not None else default
        src = f"batch_size = {stated}" if stated is not None else f"no batch_size (the default {default})"
        read = n * each
        how = (f"{c} = 1: one process, batch_size = {each} ({STEP})" if n == 1 else
               f"{c} = {n} with {src}: {n} processes × batch {each} each read as batch_size = {read:,} ({STEP}; the "
               f"course's scripts gave BATCH_SIZE to each process's DataLoader) — if {each} was already the batch "
               f"over all processes, delete {c}")  # fmt: skip
    else:
        return rest, None
    notes.append(f"[setup] {how}")
    return {**rest, "batch_size": read}, count


def _entry_batch(entry: dict, said: list[str], where: str, count: tuple[str, int] | None,
                 notes: list[str]) -> tuple[dict, str | None]:  # fmt: skip
    """An entry without its `BATCH_WORDS`; and why it cannot be rerun as written (a batch of its own), or None."""
    whys = []
    for k in said:
        v = entry[k]
        if batch_word(k) == "processes":
            if whole(v, MAX_PROCESSES) and v == (count[1] if count else 1):
                whose = f"[setup]'s {count[0]} = {v}, read there" if count else "one process"
                notes.append(f"{where}.{k} = {v}: {whose}; the entry takes [setup]'s batch_size ({STEP})")
                continue
            move = f"nproc = {v}" if whole(v, MAX_PROCESSES) else "nproc = N"
            whys.append(f"{where}.{k} = {shown(v)}: a process count is read in [setup] only, beside its batch_size "
                        f"(one batch for every entry): write {move} in [setup] if every entry trained so (batch_size "
                        "then read as each process's batch), else delete it here; this entry is not rerun at a batch "
                        "of its own")  # fmt: skip
        else:
            whys.append(f"{where}.{k} = {shown(v)}: a batch is read in [setup] only (batch_size, {STEP}; nproc = N "
                        "beside it reads it as each process's): state it there, or delete it here; this entry is not "
                        "rerun at a batch of its own")  # fmt: skip
    return {k: v for k, v in entry.items() if k not in said}, "; ".join(whys) or None


TEST_WORDS = ("test", "validation", "val")  # a rule worded on the test loss: "one decade below the minimum test loss"
FILLER = ("the", "of", "a", "an", "at", "on", "in", "curve", "learning", "rate", "lr", "where", "is", "than", "its")


def _rule(value: object) -> tuple[str | None, bool]:
    """The rule a report's wording names, filler words (and "loss") aside, and whether it is worded on the test (or
    validation) loss: ("min/10", True) for seed 000's "one order lower than the learning rate where test loss is
    minimum"; (None, …) where it names none. "lowest", "minimum" read as "min", "divided by", "over" and "÷" as "/",
    "ten" as "10": "minimum loss divided by 10" is "min/10"; fastai's name aside ("fastai valley")."""
    if not isinstance(value, str) or len(value) > 100:
        return None, False
    text = re.sub(r"fast\.?\s*ai(?:'?s)?", " ", value.lower()).replace("÷", "/").replace("/", " / ")
    text = re.sub(r"\bdivided\s+by\b|\bover\b", " / ", text)
    words = "".join(c if c.isalnum() or c == "/" else " " for c in text).split()
    words = ["min" if w in MIN_WORDS else "10" if w == "ten" else w for w in words]
    rest = [w for w in words if w not in (*TEST_WORDS, *FILLER)]
    for key in ("".join(rest), "".join(w for w in rest if w != "loss")):
        if key in NAMES["rule"]:
            return NAMES["rule"][key], any(w in TEST_WORDS for w in words)
    return None, False


def _rule_entry(entry: dict, where: str, notes: list[str]) -> dict:
    """A [[range_test]]'s rule as worded, read as the rule (and `curve = "test"` where worded on the test loss,
    unless the entry states another curve: then the words are left to validation)."""
    rule, on_test = _rule(entry.get("rule"))
    if rule is None or rule == entry["rule"] or (on_test and entry.get("curve", "test") != "test"):
        return entry
    if rule == "min" and _key(entry["rule"]) in EITHER_MIN:  # fastai's lr_min: the minimum's LR ÷ 10, or the minimum
        notes.append(f"{where}.rule = {shown(entry['rule'])} read as 'min' or 'min/10' (fastai's lr_min): judged on "
                     "the reading the claim matches")  # fmt: skip
        return entry | {"rule": Worded("min", str(entry["rule"]))}
    if on_test and "curve" not in entry:
        notes.append(f"{where}.rule = {shown(entry['rule'])} read as rule = {rule!r} on curve = \"test\" (the test "
                     "loss of each evaluation)")  # fmt: skip
        return entry | {"rule": rule, "curve": "test"}
    notes.append(f"{where}.rule = {shown(entry['rule'])} read as {rule!r}")
    return entry | {"rule": rule}


def _entry(part: str, i: int, entry: dict, setup: dict, notes: list[str], limits: dict,
           lambdas: LambdaReader | None) -> dict:  # fmt: skip
    entry, where = {**entry}, f"{part}[{i}]"
    if part == "run" and isinstance(entry.get("schedule"), dict):
        entry = _run_keys(entry, where, notes)
    if isinstance(entry.get("rule"), str):
        entry = _rule_entry(entry, where, notes)
    if "optimizer" in entry:
        entry["optimizer"] = _name("optimizer", entry["optimizer"], f"{where}.optimizer", notes)
    if isinstance(logs := entry.get("logs"), str):
        tidy = logs.strip().replace("\\", "/")
        while tidy.startswith("./"):
            tidy = tidy[2:].lstrip("/")
        if tidy != logs and tidy and machine_path(logs) is None:  # one of the student's machine: refused as written
            notes.append(f"{where}.logs = {shown(logs)} read as {shown(tidy)}")
            entry["logs"] = tidy
    entry = _claims(part, entry, where, notes)
    if isinstance(s := entry.get("schedule"), str) and len(s) <= 100 and part == "run":
        notes.append(f"{where}.schedule = {shown(s)} read as schedule = {{ name = {shown(s)} }} (a schedule is a "
                     "table of its name and arguments)")  # fmt: skip
        entry["schedule"] = s = {"name": s}
    if isinstance(s, dict):
        s, why = _unsupported(s, entry, setup, f"{where}.schedule", notes, lambdas)
        if why:
            limits[(part, i)] = why
            notes.append(f"{why} — its claims are pending review (a limit of the grader's, not a fault)")
            entry["schedule"] = {"name": "constant"}
            return entry
        s = {**s, "name": _name("schedule", s.get("name"), f"{where}.schedule.name", notes)}
        d = SCHEDULES.get(s["name"]) if isinstance(s["name"], str) else None  # `name = ["multistep"]`: validation's
        if d and (left := [(k, v) for k, v in d.defaults if k not in s]):
            notes.append(f"{where}.schedule: " + ", ".join(f"{k} left out, read as torch's default {v:g}" for k, v in
                                                           left) + f" ({d.scheduler})")  # fmt: skip
        entry["schedule"], whys = _derived(s, entry, setup, f"{where}.schedule", notes)
        if whys:  # another LR curve than any schedule of the grader's: set apart, its claims pending
            limits[(part, i)] = why = "; ".join(whys)
            notes.append(why + PENDING)
    return entry


# a [[run]]'s own keys, which TOML reads into its schedule's table where they are written below a `[run.schedule]`
# header (examiner probe 34: `epochs`, `logs` there were "unknown key (remove it …)"); `name` aside, the schedule's too
RUN_KEYS = tuple(k for k in RunClaim.model_fields if k not in ScheduleConfig.model_fields and k != "schedule")


def _run_keys(entry: dict, where: str, notes: list[str]) -> dict:
    """A [[run]]'s own key found in its schedule's table (written below the `[run.schedule]` header: TOML reads it as
    the schedule's) read as the run's, with a note saying to move it, where the run states none itself and the
    schedule's torch scheduler takes no such argument (OneCycleLR's epochs is its own: `_derived`). One the run also
    states is left there: validation refuses it, saying where it belongs (grader.load._explain)."""
    s = entry["schedule"]
    name = s.get("name")
    name = NAMES["schedule"].get(_key(name), name) if isinstance(name, str) and len(name) <= 100 else name
    moved = [k for k in RUN_KEYS if k in s and k not in entry and not (k in DERIVED and name in DERIVED[k][0])]
    if not moved:
        return entry
    notes.append(f"{where}.schedule: {', '.join(f'{k} = {shown(s[k])}' for k in moved)} read as the run's own "
                 f"{', '.join(f'{where}.{k}' for k in moved)}: a key written below the [run.schedule] header belongs "
                 "to the schedule's table in TOML — move it above that header")  # fmt: skip
    return {**entry, **{k: s[k] for k in moved}, "schedule": {k: v for k, v in s.items() if k not in moved}}


# a claim as reports print it: "97%", "96.00 %", and approximately ("~0.61", "≈ 0.61", "about 97 %": examiner
# probe 25, a tilde refused the whole entry) — read to its printed digits
NUMBER = re.compile(
    r"\s*(?:~|≈|about|approx\.?|approximately|ca\.)?\s*"
    r"([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?)\s*(%?)\s*",
    re.IGNORECASE,
)


def _number(value: object, percent: bool) -> str | None:
    """The number a claim written as text holds, as TOML would print it ("97%" → "0.97" where `percent`, "5.07e-2"
    → "5.07e-2"); None for any other text."""
    if not isinstance(value, str) or len(value) > 40 or not (m := NUMBER.fullmatch(value)):
        return None
    if not m[2]:
        return m[1]
    return str(Decimal(m[1]).scaleb(-2)) if percent else None


def _claims(part: str, entry: dict, where: str, notes: list[str]) -> dict:
    """A claim under the name a training loop prints it by (`test_accuracy`: `CLAIM_WORDS`), where one key alone
    names it and the entry does not state it too; and a claim written as text holding a number ("97%", "0.97")."""
    words = {f: w for f, w in CLAIM_WORDS.items()} if part != "range_test" else {"claimed_lr": LR_CLAIM_WORDS}
    for fld, names in words.items():
        keys = [k for k in entry if isinstance(k, str) and k != fld and _key(k) in names]
        if len(keys) == 1 and fld in entry and _same_claim(entry[fld], entry[keys[0]], fld):  # said twice, alike
            notes.append(f"{where}: {shown(keys[0])} = {shown(entry.pop(keys[0]), 40)} read once: the same figure as "
                         f"{fld}")  # fmt: skip
        if len(keys) == 1 and fld not in entry:
            entry[fld] = entry.pop(keys[0])
            notes.append(f"{where}: {shown(keys[0])} read as {fld}")
        value = entry.get(fld)
        texts = value if fld == "claimed_lr" and isinstance(value, list) and len(value) == 2 else [value]
        numbers = [_number(v, fld == "claimed_test_accuracy") for v in texts]
        if any(isinstance(v, str) for v in texts) and all(n is not None or not isinstance(v, str) for n, v in
                                                          zip(numbers, texts, strict=True)):  # fmt: skip
            read = [Printed(n) if n is not None else v for n, v in zip(numbers, texts, strict=True)]
            entry[fld] = read if texts is value else read[0]
            said = ", ".join(n if n is not None else shown(v) for n, v in zip(numbers, texts, strict=True))
            said = f"[{said}]" if texts is value else said
            notes.append(f"{where}.{fld} = {shown(value) if not isinstance(value, list) else shown(texts)} read as "
                         f"{said} (a number: write {fld} = {said}, without quotes)")  # fmt: skip
    return entry


def _same_claim(a: object, b: object, fld: str) -> bool:
    """Two writings of one claimed figure: the same number (an accuracy also as a percent of the other), each a
    number or a text holding one ("97%")."""
    pct = fld == "claimed_test_accuracy"

    def value(v: object) -> float:
        n = _number(v, pct) if isinstance(v, str) else v if _typed(v, "float") else None
        try:
            return float(n) if n is not None else math.nan
        except (OverflowError, ValueError):  # an integer of 400 digits
            return math.nan

    x, y = value(a), value(b)
    close = lambda a, b: math.isclose(a, b, rel_tol=1e-9)  # noqa: E731  (0.964 × 100 is 96.39999999999999)
    return math.isfinite(x) and math.isfinite(y) and (close(x, y) or (pct and close(100 * min(x, y), max(x, y))))


def named(key: str, fields: dict) -> str | None:
    """The field of `fields` other than `key` itself that `key` names in another case or word (`_fields`, the
    claims' words)."""
    return _field(key, {f: v for f, v in fields.items() if f != key},
                  {**FIELD_WORDS, **CLAIM_WORDS, "claimed_lr": LR_CLAIM_WORDS})  # fmt: skip


def suggest(key: str, fields: dict) -> str | None:
    """The field an unknown key most likely misspells: its own words' closest (`difflib`, 0.75: "momentun"
    → momentum, not "comment" → momentum: examiner probe 43), or the field whose other name it misspells
    ("lerning_rate" → lr)."""
    spelt = {_key(f): f for f in fields} | {w: f for f in fields for w in FIELD_WORDS.get(f, ())}
    close = difflib.get_close_matches(_key(key), list(spelt), n=1, cutoff=0.75)
    return spelt[close[0]] if close else None


def _unsupported(s: dict, entry: dict, setup: dict, where: str, notes: list[str],
                 lambdas: LambdaReader | None) -> tuple[dict, str | None]:  # fmt: skip
    """A schedule's words read as the schema's (cadence "iteration", by_epoch, a LambdaLR's lr_lambda tabulated);
    and why the grader cannot rerun it as written, where it cannot (ReduceLROnPlateau), else None."""
    s, name = {**s}, s.get("name")
    if why := plateau(name, where):
        return s, why
    cadence = s.get("cadence")
    if isinstance(cadence, str) and len(cadence) <= 40 and (read := CADENCE_WORDS.get(_key(cadence))):
        notes.append(f"{where}.cadence = {shown(cadence)} read as {read!r} (one scheduler.step() after every "
                     f"{'optimizer step' if read == 'step' else 'epoch'})")  # fmt: skip
        s["cadence"] = cadence = read
    if isinstance(by := s.get("by_epoch"), bool) and cadence in (None, "epoch" if by else "step"):
        read = "epoch" if by else "step"
        notes.append(f"{where}.by_epoch = {str(by).lower()} read as cadence = {read!r}")
        s = {k: v for k, v in s.items() if k != "by_epoch"} | {"cadence": read}
    if isinstance(name, str) and _key(name) in ("linearlr", "constantlr"):
        return _warmup(s, name, where, notes)
    if isinstance(name, str) and _key(name) in ("lambdalr", "lambda", "table") and "lr_lambda" in s:
        return _lambda(s, entry, setup, where, notes, lambdas)
    if isinstance(name, str) and _key(name) == "lambdalr" and "table" in s:  # its factors stated: our table
        notes.append(f"{where}.name = {shown(name)} read as 'table' (LambdaLR of the factors in `table`)")
        s["name"] = "table"
    return s, None


def _warmup(s: dict, name: str, where: str, notes: list[str]) -> tuple[dict, str | None]:
    """torch's LinearLR and ConstantLR, whose defaults are a warm-up (start_factor 1/3, end_factor 1; factor 1/3;
    total_iters 5): read as the grader's linear-decay (start_factor 1, the decay's end_factor and length stated) or
    constant (a factor of 1 throughout), else not rerun, the line saying what to write (examiner probe 43: a bare
    "LinearLR" meant for linear-decay was refused, FAIL, while written with torch's arguments it was pending)."""
    linear = _key(name) == "linearlr"
    factors = ("start_factor", "end_factor") if linear else ("factor", "factor")
    s = {**s, **{k: n for k in factors if (n := _whole_or_number(s.get(k), "float")) is not None}}  # "1": 1.0
    start, end = s.get(factors[0]), s.get(factors[1])
    one = same(start, 1.0) and (end is None or same(end, 1.0))  # no factor but 1: a constant LR
    if one or (linear and same(start, 1.0) and "total_iters" in s):
        read = "constant" if one else "linear-decay"
        notes.append(f"{where}.name = {shown(name)} with {factors[0]} = 1 read as {read!r}")
        if one:  # its other arguments kept, for the warning a constant schedule's arguments get
            return {"name": "constant", **{k: v for k, v in s.items() if k not in (*factors, "name", "total_iters")}}, \
                None  # fmt: skip
        return {**s, "name": read}, None
    said = ", ".join(f"{k} {shown(s[k])}" for k in dict.fromkeys((*factors, "total_iters")) if k in s)
    what = "start_factor 1/3 → end_factor 1 over total_iters 5" if linear else "factor 1/3 for total_iters 5"
    how = f"with {said} (torch's defaults for the rest: {what})" if said else f"at torch's defaults ({what})"
    return s, (f"{where}: {shown(name)} as stated is not rerun: {how} it is a warm-up, which no schedule of the "
               'grader\'s is; for a linear decay over the run write name = "linear-decay" and its end_factor, for a '
               'constant LR name = "constant"')  # fmt: skip


def plateau(name: object, where: str) -> str | None:
    """Why a ReduceLROnPlateau (however spelt) is not rerun, where `name` names it."""
    if not isinstance(name, str) or _key(name) not in PLATEAU:
        return None
    said = "ReduceLROnPlateau" if name == "ReduceLROnPlateau" else f"{shown(name)} (torch's ReduceLROnPlateau)"
    return (
        f"{where}: {said} is not rerun by this grader (its LR depends on the loss it monitors, epoch by epoch, "
        "which no schedule of the grader's follows); to have it rerun, state the LR drops your log shows as a "
        'schedule, e.g. { name = "multistep", milestones = [12, 20], gamma = 0.1, cadence = "epoch" }'
    )


def course_limits(data: dict) -> tuple[dict, dict[tuple[str, int], str]]:
    """A course config.py's entries the grader cannot rerun as written (its ReduceLROnPlateau): set apart as the
    grader's limit, as a submission.toml's are (`read_all`), not rerun at a constant LR (examiner probe 25)."""
    limits = {}
    for part in ENTRIES:
        for i, entry in enumerate(data.get(part) or ()):
            s = entry.get("schedule") if isinstance(entry, dict) else None
            if isinstance(s, dict) and (why := s.get("_limit") or plateau(s.get("name"), "config.py lr_scheduler")):
                limits[(part, i)] = why
                kept = {k: v for k, v in entry.items() if k != "schedule"}  # a sweep has none (grader.legacy's lambda)
                kept |= {"schedule": {"name": "constant"}} if part != "range_test" else {}
                data = {**data, part: [*data[part][:i], kept, *data[part][i + 1:]]}  # fmt: skip
    return data, limits


def _detail(err: ValueError, text: str) -> str:
    """Why the legacy reader could not read or tabulate a lambda, without its quoting the text again."""
    detail = str(getattr(err, "detail", err))
    for said in (f"cannot read the lr_lambda string {shown(text, 60)}: ", f"the lr_lambda string {shown(text, 60)}: "):
        detail = detail.replace(said, "", 1)
    return detail


TABLE_FIX = ('state its factors instead, schedule = { name = "table", table = [0.2, 0.4, ...], cadence = "epoch" } '
             "(docs/submission.md)")  # fmt: skip


def _lambda(s: dict, entry: dict, setup: dict, where: str, notes: list[str],
            lambdas: LambdaReader | None) -> tuple[dict, str | None]:  # fmt: skip
    """A LambdaLR's `lr_lambda` string read as data, as a course config.py's is (grader.legacy: parsed with `ast`,
    never run, tabulated by its whitelist, bounded in size, steps and time), into the `table` of its factors over the
    run. One it cannot read, or whose cadence neither the schedule nor its argument's name says, is not rerun."""
    text, cadence = s.get("lr_lambda"), s.get("cadence")
    limit = f"{where}: LambdaLR's lr_lambda is not rerun by this grader"
    if lambdas is None:
        return s, f"{limit} (no lambda is read here): {TABLE_FIX}"
    if not isinstance(text, str) or len(text) > MAX_LAMBDA_TEXT:
        return s, f"{limit} (a lambda written as text, at most {MAX_LAMBDA_TEXT} characters, is read): {TABLE_FIX}"
    try:
        fn = lambdas(text)
    except ValueError as err:  # grader.legacy.LegacyConfigError
        return s, f"{limit} (its text is read as data, never run): {TABLE_FIX} — {_detail(err, text)}"
    param = fn.param.lower()
    named = "epoch" if "epoch" in param or param in ("e", "ep") else \
        "step" if param in ("step", "steps", "it", "iter", "iteration", "i", "batch", "n_iter") else None  # fmt: skip
    if cadence not in ("step", "epoch"):
        if cadence is not None or named is None:
            return s, (f"{limit}: {shown(text)} does not say when its scheduler.step() was called (its argument "
                       f"{shown(fn.param)} names no unit); say it, cadence = \"epoch\" or \"step\"")  # fmt: skip
        cadence = named
    epochs = entry.get("epochs", 30)
    data, batch = setup.get("claimed_on") or setup.get("dataset"), setup.get("batch_size", 128)
    if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1 or data not in DATASETS or \
            not isinstance(batch, int) or isinstance(batch, bool) or batch < 1:  # fmt: skip
        return s, f"{limit} (the run's epochs or [setup] cannot be read): {TABLE_FIX}"
    span = epochs if cadence == "epoch" else epochs * steps_per_epoch(data, batch)
    try:
        factors = fn.table(span, steps_per_epoch(data, batch))
    except ValueError as err:
        return s, f"{limit} (its text is read as data, never run): {TABLE_FIX} — {_detail(err, text)}"
    if (bad := next((k for k, f in enumerate(factors) if not f > 0), None)) is not None:
        return s, (f"{limit}: {shown(text)} gives the factor {factors[bad]:g} at {cadence} {bad}, and the grader's "
                   f"table takes factors > 0 (a first {cadence} at a tiny LR: write 1e-6 for its 0) — "
                   f"{TABLE_FIX}")  # fmt: skip
    how = f"from its argument {shown(fn.param)}" if "cadence" not in s else "as stated"
    notes.append(f"{where}: LambdaLR lr_lambda = {shown(text)} read as data (parsed, never run) and tabulated over "
                 f"the run's {span:,} {cadence}s (cadence {cadence!r}, {how}): schedule = {{ name = \"table\", table = "
                 f"[{', '.join(f'{f:.4g}' for f in factors[:5])}{', …' * (span > 5)}] }} (factors {min(factors):.3g} "
                 f"… {max(factors):.3g})")  # fmt: skip
    rest = {k: v for k, v in s.items() if k not in ("name", "lr_lambda", "cadence")}
    return {"name": "table", **rest, "table": factors, "cadence": cadence}, None


def _name(field: str, value: object, where: str, notes: list[str]) -> object:
    if not isinstance(value, str) or value in NAMES[field].values():
        return value
    known = NAMES[field].get(_key(value))
    if known is not None:
        notes.append(f"{where} = {shown(value)} read as {known!r}")
        return known
    return value


def _derived(s: dict, entry: dict, setup: dict, where: str, notes: list[str]) -> tuple[dict, list[str]]:
    """Drop torch's arguments whose value is the one the rerun derives from the run (or keeps at torch's default, or
    one torch ignores), and the run's length stated in a schedule that takes none (`epochs = 30` in a multistep on a
    30-epoch run: the run's); the others are another LR curve, no schedule of the grader's: returned, each with one
    line saying why, for the entry to be set apart (its claims pending: a limit of the grader's)."""
    name, epochs = s.get("name"), entry.get("epochs", 30)
    stated = [k for k in DERIVED if k in s]
    if not stated or not isinstance(name, str) or name not in SCHEDULES or type(epochs) is not int:
        return s, []
    data, batch = setup.get("claimed_on") or setup.get("dataset"), setup.get("batch_size", 128)
    if data not in DATASETS or not isinstance(batch, int) or isinstance(batch, bool) or batch < 1:
        return s, []
    table, per_epoch = SCHEDULES[name], steps_per_epoch(data, batch)
    cadence = s.get("cadence", table.cadence)
    span = epochs if cadence == "epoch" else epochs * per_epoch
    dropped, whys, refused = [], [], []
    for k in stated:
        value = s[k]
        if name not in DERIVED[k][0]:  # an argument its torch scheduler takes not: the run's length, or torch's own
            if k in SPANS:
                want, run = ((epochs, f"the run's {epochs} epochs") if k == "epochs" else
                             (per_epoch, f"the run's {per_epoch} steps an epoch") if k == "steps_per_epoch" else
                             (span, f"the run's {span:,} {cadence}s"))  # fmt: skip
            else:
                want = DERIVED[k][1](epochs, per_epoch, span, s)
                run = f"torch's {shown(want)}"
            if same(value, want):
                notes.append(f"{where}: {name} ({table.scheduler}) takes no {k}: {run} used ({k} = {shown(value)} "
                             "dropped)")  # fmt: skip
                dropped.append(k)
            else:
                fix = " — state the run's length as the [[run]]'s epochs, above its schedule" * (k in SPANS)
                whys.append(f"{where}: {k} = {shown(value)}, but {name} ({table.scheduler}) takes no {k}, and it is "
                            f"not {run}: this entry cannot be rerun as written{fix}")  # fmt: skip
                refused.append(k)
            continue
        want = DERIVED[k][1](epochs, per_epoch, span, s)
        if ignored(k, s):
            if not same(value, want):
                mode = shown(s.get("mode", "triangular"))
                notes.append(f"{where}: {k} = {shown(value)} dropped: torch's {table.scheduler} ignores it without a "
                             f"scale_fn, and scales mode {mode} by {shown(want)}")  # fmt: skip
            else:
                dropped.append(k)
        elif same(value, want):
            dropped.append(k)
        else:  # another LR curve
            how = ("which the rerun sets from the run" if k in SPANS else
                   f"which the rerun keeps at torch's own for mode {shown(s.get('mode', 'triangular'))}"
                   if k in ("scale_fn", "scale_mode") else "which the rerun keeps at torch's default")  # fmt: skip
            spans = f", its {table.scheduler} spanning the run's {epochs} epochs" if k in SPANS else ""
            said = "None" if isinstance(want, OneOf) else shown(want)
            whys.append(f"{where}: {k} = {shown(value)} is not the rerun's {said}{spans} (torch's {k}, {how}): "
                        "this entry cannot be rerun as written")  # fmt: skip
            refused.append(k)
    if said := [k for k in dropped if name in DERIVED[k][0]]:
        notes.append(f"{where}: {', '.join(f'{k} = {shown(s[k])}' for k in said)} dropped: the rerun's own "
                     "(set from the run, to the same value, or changing no LR)")  # fmt: skip
    gone = {*dropped, *refused, *(k for k in stated if ignored(k, s) and name in DERIVED[k][0])}
    return {k: v for k, v in s.items() if k not in gone}, whys


def same(value: object, expected: object) -> bool:
    """A value a student wrote is the one expected (torch's default, the rerun's): lists item by item, a bool only
    as that bool (`1` is no `True`), numbers by value, text exactly; anything is `ANY`; any of `OneOf`'s."""
    if expected is ANY:
        return True
    if isinstance(expected, OneOf):
        return any(same(value, x) for x in expected)
    if isinstance(value, list | tuple) and isinstance(expected, list | tuple):
        return len(value) == len(expected) and all(same(x, y) for x, y in zip(value, expected, strict=True))
    if isinstance(value, bool) or isinstance(expected, bool):
        return value is expected
    return isinstance(value, int | float | str | None) and value == expected


# ---------------------------------------------------------------- forms: one submission written another way
# Examiner probe 43 rewrote 27 honest students' files 63 ways, each with the same runs and claims; 23 ways cost points
# (12 of them 0/100): `[[runs]]`, `lr = "0.055"`, `epochs = 30.0`, `role = "Final"`, `comment = "…"`, … Each form
# below has one reading, and is read so with one note; a form of two readings is still refused, its line saying how.

MODELS = {"range_test": RangeTestClaim, "run": RunClaim, "auto": AutoClaim}
MAX_NOTES = 40  # notes of the forms read, per submission
TABLE_WORDS = {"range_test": ("rangetests", "lrrangetest", "lrrangetests"), "run": ("runs",), "auto": ("autos",)}
# an entry's or [setup]'s field under another name, by key (besides its own in any case: `Weight_Decay`, `startLR`)
FIELD_WORDS = {
    "optimizer": ("optimiser",),
    "lr": ("learningrate",),
    "schedule": ("scheduler", "lrscheduler", "lrschedule"),
    "weight_decay": ("wd",),
    "epochs": ("epoch", "numepochs", "nepochs"),
    "batch_size": ("batch", "batchsize", "bs"),
}
COMMENT_WORDS = ("comment", "comments", "note", "notes", "description", "remark", "remarks")  # text, not graded
# [setup] text saying where a run was made, not what it was: the rerun's device and versions are the grader's
ABOUT = ("device", "hardware", "machine", "framework", "platform", "python", "torchversion", "pytorchversion", "cuda",
         "author", "authors", "course", "date")  # fmt: skip
LITERAL_WORDS = {  # an enumerated field's value in other words, by key
    "shape": {"exponential": "exp", "exponent": "exp", "geometric": "exp", "log": "exp", "logarithmic": "exp",
              "lin": "linear", "stairs": "staircase"},
    "pooling": {"average": "avg", "avgpool": "avg", "averagepooling": "avg", "mean": "avg", "maxpool": "max",
                "maxpooling": "max"},
}  # fmt: skip
CLAIMS = ("claimed_lr", "claimed_test_accuracy", "claimed_test_loss")  # read with their printed digits (`_claims`)
PLAIN = re.compile(r"\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?)\s*")  # a number written as text


def forms(data: dict) -> tuple[dict, list[str]]:
    """`data` (a parsed submission.toml) with each form of one reading read as the schema's, one note per change:
    a plural or lr_-prefixed table name (`[[runs]]`) or one `[run]` table for `[[run]]`; a field's name in another
    case or word (`Weight_Decay`, `learning_rate`, `scheduler`); a comment's text (`comment = "…"`), not graded; a
    number written as text (`lr = "0.055"`), a whole number as a decimal (`epochs = 30.0`), milestones as text
    (`"15,25"`); an enumerated value in another case or word (`role = "Final"`, `shape = "exponential"`); a dataset
    name in another case (`"MNIST-5k"`). What is left is validation's, as before."""
    notes: list[str] = []
    out = _tables(data, notes)
    setup_fields = {**{k: RunClaim.model_fields[k] for k in SETUP_DEFAULTS}, **Setup.model_fields}
    unread = []
    for k in [k for k in out if k not in Submission.model_fields]:
        v, where = out[k], f"{shown(k, 40)[1:-1]} = {shown(out[k], 40)}"
        if not isinstance(v, str | int | float | bool | dt.date | dt.time):  # a table: it may hold a run's settings
            continue
        setup, student = out.get("setup", {}), out.get("student", {})
        field = k if batch_word(k) else _field(k, setup_fields)
        if field and isinstance(setup, dict) and field not in setup:  # written above the file's first header
            out["setup"] = {**setup, field: out.pop(k)}
            notes.append(f"{where} (above every [section] header) read as [setup] {field}")
        elif k in Student.model_fields and isinstance(student, dict) and k not in student:  # `name = "…"` up there
            out["student"] = {**student, k: out.pop(k)}
            notes.append(f"{where} (above every [section] header) read as [student] {k}")
        elif not field and not any(_field(k, m.model_fields) for m in (*MODELS.values(), ScheduleConfig)):
            del out[k]  # no section's field (an entry's `lr` up here is left for validation: it would set a run)
            unread.append(where)
    if unread:
        more = f" and {len(unread) - 5:,} more" if len(unread) > 5 else ""
        notes.append(f"{'; '.join(unread[:5])}{more} not read: keys outside every [section] that no section has (a "
                     "comment: write it in notes)")  # fmt: skip
    if isinstance(out.get("student"), dict):
        out["student"] = _fields(out["student"], Student.model_fields, "student", notes)
    if isinstance(out.get("setup"), dict):
        out["setup"] = _fields(out["setup"], setup_fields, "setup", notes)
    for part, model in MODELS.items():
        if isinstance(out.get(part), list):
            out[part] = [_form_entry(f"{part}[{i}]", e, model, notes) if isinstance(e, dict) else e
                         for i, e in enumerate(out[part])]  # fmt: skip
    if len(notes) > MAX_NOTES:  # a report's notes are read by a person (examiner probe 44: 28,500 junk keys)
        notes = [*notes[:MAX_NOTES], f"… and {len(notes) - MAX_NOTES:,} more forms read as above"]
    return out, notes


def _field(key: str, fields: dict, words: dict = FIELD_WORDS) -> str | None:
    """The field of `fields` that `key` names, itself or in another case or word (`words`: FIELD_WORDS)."""
    return next((f for f in fields if _key(f) == _key(key) or _key(key) in words.get(f, ())), None)


def _tables(data: dict, notes: list[str]) -> dict:
    """`[[runs]]`, `[[lr_range_test]]` read as `[[run]]`, `[[range_test]]` where the file has none of those; one
    `[run]` table (no double brackets) read as the one entry of `[[run]]`."""
    out = {**data}
    for part in ("student", "setup", *TABLE_WORDS):  # `[Setup]`, `[[RUN]]`, `[[runs]]`
        said = [k for k in out if isinstance(k, str) and k != part and _field(k, {part: None}, TABLE_WORDS)]
        entries = part in TABLE_WORDS  # an array of tables; [student] and [setup] are one table each
        if len(said) == 1 and part not in out and (entries or isinstance(out[said[0]], dict)):
            out[part] = out.pop(said[0])
            was, now = (f"[[{shown(said[0], 40)[1:-1]}]]", f"[[{part}]]") if entries else \
                (f"[{shown(said[0], 40)[1:-1]}]", f"[{part}]")  # fmt: skip
            notes.append(f"{was} read as {now}")
        if entries and isinstance(out.get(part), dict):
            out[part] = [out[part]]
            notes.append(f"[{part}] read as the one entry of [[{part}]] (an entry's header takes double brackets)")
    return out


def _comment(key: object, value: object) -> bool:
    """A comment's text under a comment's name (`comment`, `notes`, `description`, …): not graded."""
    texts = value if isinstance(value, list) else [value]
    return isinstance(key, str) and _key(key) in COMMENT_WORDS and all(isinstance(t, str) for t in texts)


def _form_entry(where: str, entry: dict, model: type, notes: list[str]) -> dict:
    entry = _fields(entry, model.model_fields, where, notes)
    if isinstance(entry.get("schedule"), dict):
        entry["schedule"] = _fields(entry["schedule"], ScheduleConfig.model_fields, f"{where}.schedule", notes)
    return entry


def _fields(table: dict, fields: dict, where: str, notes: list[str]) -> dict:
    """One table's keys and values read as its fields' (`forms`); a key of no field, or one whose field the table
    states too, is left for validation to refuse."""
    out: dict = {}
    for k, v in table.items():
        if k in fields or not isinstance(k, str):
            out.setdefault(k, v)
            continue
        if _comment(k, v) or (where == "setup" and _key(k) in ABOUT and isinstance(v, str)):
            notes.append(f"{where}.{shown(k)[1:-1]} = {shown(v, 40)}: a comment, not graded")
            continue
        field = _field(k, fields)
        if field is None or field in table or field in out:
            out[k] = v
            continue
        notes.append(f"{where}.{shown(k)[1:-1]} read as {field}")
        out[field] = v
    for k, v in list(out.items()):
        if k in fields and k not in CLAIMS and (read := _value(k, v, fields[k].annotation)) is not None:
            new, why = read
            said = repr(v) if isinstance(v, float) else shown(v, 40)  # 30.0, not shown's "30"
            notes.append(f"{where}.{k} = {said} read as {_written(new)} ({why})")
            out[k] = new
    return out


def _value(key: str, value: object, annotation: object) -> tuple[object, str] | None:
    """`value` read as the field's type where it has one reading (`_shape_of`), and why; None where it is already
    the field's, or has no one reading (left for validation)."""
    kind, arg = _shape_of(annotation)
    if key in ("dataset", "claimed_on") and isinstance(value, str) and value not in DATASETS:
        named = [d for d in DATASETS if _key(d) == _key(value)] if len(value) <= 40 else []
        return (named[0], "a dataset's name") if len(named) == 1 else None
    if kind == "literal" and isinstance(value, str) and value not in arg and len(value) <= 40:
        named = [o for o in arg if isinstance(o, str) and _key(o) == _key(value)]
        word = LITERAL_WORDS.get(key, {}).get(_key(value))
        return (named[0], "the same word") if len(named) == 1 else (word, "the same shape") if word in arg else None
    if kind in ("int", "float"):
        n = _whole_or_number(value, kind)
        return None if n is None else (n, "a number: write it without quotes" if isinstance(value, str) else
                                       f"a whole number: write {n}")  # fmt: skip
    if kind == "list" and arg in ("int", "float"):
        items = _items(value)
        if items is None:
            return None
        read = [_whole_or_number(x, arg) for x in items]
        if any(n is None and not _typed(x, arg) for n, x in zip(read, items, strict=True)) or (
                not isinstance(value, str) and all(n is None for n in read)):  # fmt: skip
            return None
        new = [x if n is None else n for n, x in zip(read, items, strict=True)]
        return new, "an array of numbers: write " + _written(new)
    return None


def _shape_of(annotation: object) -> tuple[str, Any]:
    """("int" | "float" | "bool" | "literal" | "list" | "other", its options or item kind) of a field's annotation,
    Optional and Annotated aside."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _shape_of(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return _shape_of(args[0]) if len(args) == 1 else ("other", None)
    if origin is Literal:
        return "literal", get_args(annotation)
    if origin is tuple:
        return "list", _shape_of(get_args(annotation)[0])[0]
    return {bool: ("bool", None), int: ("int", None), float: ("float", None)}.get(annotation, ("other", None))


def _typed(x: object, kind: str) -> bool:
    return not isinstance(x, bool) and (isinstance(x, int) if kind == "int" else isinstance(x, int | float))


def _whole_or_number(value: object, kind: str) -> int | float | None:
    """A number of the field's `kind` that `value` holds in another form ("0.055", "30", 30.0 for a whole number),
    finite; None where `value` is already one, or holds none."""
    if isinstance(value, str):
        m = PLAIN.fullmatch(value) if len(value) <= 40 else None
        x = float(m[1]) if m else math.nan
        if not math.isfinite(x) or (x == 0 and re.search(r"[1-9]", re.split(r"[eE]", m[1])[0])):  # 1e-999: no 0
            return None
        if kind == "float":
            return x
        return int(x) if x.is_integer() and abs(x) < 2**53 else None
    if kind == "int" and isinstance(value, float) and math.isfinite(value) and value.is_integer() and \
            abs(value) < 2**53:  # fmt: skip
        return int(value)
    return None


def _items(value: object) -> list | None:
    """An array's items: a list's, or those of a text of numbers ("15,25", "[15, 25]", "15 25")."""
    if isinstance(value, list):
        return value
    if not isinstance(value, str) or len(value) > 200:
        return None
    inner = value.strip().removeprefix("[").removesuffix("]").removeprefix("(").removesuffix(")")
    parts = [x for x in re.split(r"[,;\s]+", inner.strip()) if x]
    return parts if parts and all(PLAIN.fullmatch(x) for x in parts) else None


def _written(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join([*(_written(x) for x in value[:8]), *["…"] * (len(value) > 8)]) + "]"
    return repr(value) if isinstance(value, str) else f"{value:g}" if isinstance(value, float) else str(value)
