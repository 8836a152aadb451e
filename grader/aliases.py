"""What students write that means what the schema says, read as the schema's words before validation, each with one
note: a rule, optimizer or scheduler name in another case or as torch's class (`"Steepest"`, `"SGD"`,
`"CosineAnnealingLR"`), a logs path written `./logs`, `logs\\run` or with spaces round it, and torch's scheduler
arguments whose values the rerun takes from the run itself (`T_max = 30` on a 30-epoch cosine); a rule worded as a
report words it (`"steepest gradient"`). An argument whose value is not the rerun's (`T_max = 10` on 30 epochs:
another LR curve) is left for validation to refuse, with the entry only, as a limit of the grader's: its claims
pending review (grader.load.validate_submission; examiner probe 19: each of these was ERROR 0/100 for the whole
submission)."""

from __future__ import annotations

from collections.abc import Callable

from grader.safe import shown
from grader.schema import ENTRIES
from reference.datasets import DATASETS, steps_per_epoch
from reference.optimizers import OPTIMIZERS
from reference.rules import RULES
from reference.schedules import SCHEDULES


def _key(text: str) -> str:  # "One_Cycle", "one cycle", "onecycle" alike
    return "".join(c for c in text.lower() if c not in "-_ \t")


NOT_OURS = ("LambdaLR", "LinearLR", "ConstantLR")
RULE_WORDS = {  # the rules as reports word them (seed 000: "one order lower than … where loss is minimum")
    "min": ("minimum", "minloss", "minimumloss", "lowestloss", "lrmin"),
    "min/10": ("minimum/10", "min÷10", "minover10", "mindiv10", "onedecadebelowmin", "onedecadebelowminimum",
               "oneorderlowerthanmin", "minimumover10", "oneorderlowermin", "oneorderlowerminimum", "onedecadelowermin",
               "onedecadelowerminimum", "oneorderbelowmin", "oneorderbelowminimum", "tenxbelowmin", "min10"),
    "steepest": ("steepestgradient", "steepestslope", "steepestdescent", "maxslope", "maxgradient", "steepestdrop"),
}  # fmt: skip
NAMES = {  # field → its names by their key (case, `_` and spaces aside); a scheduler also by its torch class
    "rule": {_key(r): r for r in RULES} | {w: r for r, words in RULE_WORDS.items() for w in words},
    "optimizer": {_key(o): o for o in OPTIMIZERS},
    "schedule": {
        # (not LambdaLR, LinearLR: two of ours each; not ConstantLR: torch's divides the LR by 3 for 5 epochs)
        **{_key(t.torch): n for n, t in SCHEDULES.items() if t.torch not in (None, *NOT_OURS)},
        **{_key(n): n for n in SCHEDULES},
    },
}

ANY = object()  # an argument any value of which the rerun may drop
# torch's scheduler arguments that the rerun sets from the run: the value it uses, given the run's length in epochs,
# its steps an epoch and its scheduler steps (`span`, at the schedule's cadence)
Span = Callable[[int, int, int], object]
DERIVED: dict[str, tuple[tuple[str, ...], Span]] = {
    "epochs": (("onecycle",), lambda epochs, per_epoch, span: epochs),
    "steps_per_epoch": (("onecycle",), lambda epochs, per_epoch, span: per_epoch),
    "total_steps": (("onecycle",), lambda epochs, per_epoch, span: span),
    "T_max": (("cosine",), lambda epochs, per_epoch, span: span),
    "total_iters": (("linear-decay", "polynomial"), lambda epochs, per_epoch, span: span),
    "anneal_strategy": (("onecycle",), lambda *_: "cos"),
    "three_phase": (("onecycle",), lambda *_: False),
    "start_factor": (("linear-decay",), lambda *_: 1.0),
    "last_epoch": (tuple(SCHEDULES), lambda *_: -1),
    "verbose": (tuple(SCHEDULES), lambda *_: ANY),  # prints, changes no LR
}

SPANS = ("epochs", "steps_per_epoch", "total_steps", "T_max", "total_iters")  # the run's length, in some unit


def read(data: dict) -> tuple[dict, list[str]]:
    """`data` (a parsed submission.toml) with each alias read as the schema's word; one note per change."""
    notes: list[str] = []
    setup = data.get("setup") if isinstance(data.get("setup"), dict) else {}
    out = {**data}
    for part in ENTRIES:
        if isinstance(data.get(part), list):
            out[part] = [_entry(part, i, e, setup, notes) if isinstance(e, dict) else e for i, e in
                         enumerate(data[part])]  # fmt: skip
    return out, notes


TEST_WORDS = ("test", "validation", "val")  # a rule worded on the test loss: "one decade below the minimum test loss"
FILLER = ("the", "of", "a", "an", "at", "on", "in", "curve", "learning", "rate", "lr", "where", "is", "than", "its")


def _rule(value: object) -> tuple[str | None, bool]:
    """The rule a report's wording names, filler words (and "loss") aside, and whether it is worded on the test (or
    validation) loss: ("min/10", True) for seed 000's "one order lower than the learning rate where test loss is
    minimum"; (None, …) where it names none."""
    if not isinstance(value, str) or len(value) > 100:
        return None, False
    words = "".join(c if c.isalnum() or c in "/÷" else " " for c in value.lower()).split()
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
    if on_test and "curve" not in entry:
        notes.append(f"{where}.rule = {shown(entry['rule'])} read as rule = {rule!r} on curve = \"test\" (the test "
                     "loss of each evaluation)")  # fmt: skip
        return entry | {"rule": rule, "curve": "test"}
    notes.append(f"{where}.rule = {shown(entry['rule'])} read as {rule!r}")
    return entry | {"rule": rule}


def _entry(part: str, i: int, entry: dict, setup: dict, notes: list[str]) -> dict:
    entry, where = {**entry}, f"{part}[{i}]"
    if isinstance(entry.get("rule"), str):
        entry = _rule_entry(entry, where, notes)
    if "optimizer" in entry:
        entry["optimizer"] = _name("optimizer", entry["optimizer"], f"{where}.optimizer", notes)
    if isinstance(logs := entry.get("logs"), str):
        tidy = logs.strip().replace("\\", "/")
        while tidy.startswith("./"):
            tidy = tidy[2:].lstrip("/")
        if tidy != logs and tidy:
            notes.append(f"{where}.logs = {shown(logs)} read as {shown(tidy)}")
            entry["logs"] = tidy
    if isinstance(s := entry.get("schedule"), dict):
        s = {**s, "name": _name("schedule", s.get("name"), f"{where}.schedule.name", notes)}
        entry["schedule"] = _derived(s, entry, setup, f"{where}.schedule", notes)
    return entry


def _name(field: str, value: object, where: str, notes: list[str]) -> object:
    if not isinstance(value, str) or value in NAMES[field].values():
        return value
    known = NAMES[field].get(_key(value))
    if known is not None:
        notes.append(f"{where} = {shown(value)} read as {known!r}")
        return known
    return value


def _derived(s: dict, entry: dict, setup: dict, where: str, notes: list[str]) -> dict:
    """Drop torch's arguments whose value is the one the rerun derives from the run; keep the others (refused)."""
    name, epochs = s.get("name"), entry.get("epochs", 30)
    stated = [k for k in DERIVED if k in s and name in DERIVED[k][0]]
    if not stated or name not in SCHEDULES or not isinstance(epochs, int) or isinstance(epochs, bool):
        return s
    data, batch = setup.get("claimed_on") or setup.get("dataset"), setup.get("batch_size", 128)
    if data not in DATASETS or not isinstance(batch, int) or isinstance(batch, bool) or batch < 1:
        return s
    per_epoch = steps_per_epoch(data, batch)
    span = epochs if s.get("cadence", SCHEDULES[name].cadence) == "epoch" else epochs * per_epoch
    dropped = [k for k in stated if same(s[k], DERIVED[k][1](epochs, per_epoch, span))]
    for k in (k for k in stated if k not in dropped):  # another LR curve: validation refuses the entry ("unknown key")
        spans = f", its {SCHEDULES[name].scheduler} spanning the run's {epochs} epochs" if k in SPANS else ""
        notes.append(f"{where}: {k} = {shown(s[k])} is not the rerun's {shown(DERIVED[k][1](epochs, per_epoch, span))}"
                     f"{spans}: this entry cannot be rerun as written")  # fmt: skip
    if dropped:
        notes.append(f"{where}: {', '.join(f'{k} = {shown(s[k])}' for k in dropped)} dropped: the rerun's own "
                     "(set from the run, to the same value, or changing no LR)")  # fmt: skip
    return {k: v for k, v in s.items() if k not in dropped}


def same(value: object, expected: object) -> bool:
    """A value a student wrote is the one expected (torch's default, the rerun's): lists item by item, a bool only
    as that bool (`1` is no `True`), numbers by value, text exactly; anything is `ANY`."""
    if expected is ANY:
        return True
    if isinstance(value, list | tuple) and isinstance(expected, list | tuple):
        return len(value) == len(expected) and all(same(x, y) for x, y in zip(value, expected, strict=True))
    if isinstance(value, bool) or isinstance(expected, bool):
        return value is expected
    return isinstance(value, int | float | str | None) and value == expected
