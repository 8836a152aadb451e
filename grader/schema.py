"""The two file formats a grader reads: a student's `submission.toml` and the instructor's `assignment.toml`."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PositiveFloat,
    PositiveInt,
    PrivateAttr,
    ValidationError,
    WrapValidator,
    create_model,
    model_validator,
)

from grader.presets import PRESETS
from grader.rubric import RUBRIC
from grader.safe import shown
from reference.config import (
    MAX_FACTORS,
    MAX_MILESTONES,
    Activation,
    Betas,
    Factor,
    Lr,
    Model,
    Momentum,
    Pooling,
    Preprocess,
    RunConfig,
    ScheduleConfig,
    Seed,
    SweepShape,
    WeightDecay,
)  # fmt: skip
from reference.datasets import DATASETS
from reference.optimizers import OPTIMIZERS, OptimizerName
from reference.rules import DEFAULT_RULE, RULES
from reference.tolerances import TOLERANCES


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# A label a student writes, shown in every report, table and results.json: bounded (examiner probe 16: a 100,000-
# character run name made a 708 KB report.html and an 805 KB Gradescope results.json; PrairieLearn reads at most 1 MB)
MAX_NAME = 100
Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME)]


def _run(field: str, description: str) -> Any:  # a pydantic FieldInfo, typed Any as Field() is
    """A run field: its type is RunConfig's (the shared alias in reference/config.py), its default RunConfig's."""
    return Field(RunConfig.model_fields[field].default, description=description)


# ---------------------------------------------------------------- submission.toml


class Printed(float):
    """A TOML float that keeps its text (at most 40 characters of it): "0.9600" claims four decimals, 0.96 two."""

    text: str | None

    def __new__(cls, text: str) -> Printed:
        value = super().__new__(cls, text.replace("_", ""))
        value.text = text if len(text) <= 40 else None
        return value

    def __reduce__(self) -> tuple:  # pickled (a worker process, Ray) and copied as its text
        return Printed, (self.text or repr(float(self)),)


class Student(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$", description="Student or team id (letters, digits, _ . -)")
    name: str = Field(max_length=200, description="Display name, shown in reports (HTML-escaped)")


class Setup(_Strict):
    """What every run of the submission shares."""

    dataset: str = _run("dataset", "Dataset the runs use (the assignment may restrict it)")
    model: Model = _run("model", "Architecture")
    activation: Activation = _run("activation", "LeNet5 activation")
    pooling: Pooling = _run("pooling", "LeNet5 pooling")
    batch_size: PositiveInt = _run("batch_size", "Images per optimizer step")
    preprocess: Preprocess = _run(
        "preprocess", "Input pipeline: pad 28→32 + normalise, or the course's Resize(32) + ToTensor"
    )
    claimed_on: str | None = Field(
        None, description="Dataset the claims were made on (e.g. 'mnist'); default: the dataset rerun"
    )
    preset: str | None = Field(None, description="Defaults of a named course template (grader/presets.py)")
    # An entry's run fields stated once for every entry that states none (grader.aliases.setup_defaults fills them in,
    # with a note); named apart from RunConfig's fields, so that no rerun takes them from here (grader.plan._shared)
    default_optimizer: str | None = Field(None, alias="optimizer", pattern=r"^[A-Za-z0-9_.-]{1,32}$",
                                          description="The optimizer of every entry that names none")  # fmt: skip
    default_momentum: Momentum | None = Field(
        None, alias="momentum", description="SGD momentum of every entry that states none (not Adam's: it takes none)"
    )
    default_nesterov: bool | None = Field(None, alias="nesterov", description="SGD Nesterov momentum, likewise")
    default_weight_decay: WeightDecay | None = Field(
        None, alias="weight_decay", description="Weight decay of every entry that states none"
    )
    default_betas: Betas | None = Field(None, alias="betas", description="Adam, AdamW, RAdam: (β1, β2), likewise")
    default_seed: Seed | None = Field(None, alias="seed", description="Seed of every entry that states none")
    default_epochs: PositiveInt | None = Field(
        None, alias="epochs", description="Epochs of every training run ([[run]], [[auto]]) that states none; a "
        "[[range_test]]'s epochs is its sweep's length, not set here"
    )  # fmt: skip

    @model_validator(mode="after")
    def _known(self) -> Setup:
        _known_names(dataset=self.dataset, claimed_on=self.claimed_on, preset=self.preset)
        return self


def _known_names(dataset: str, claimed_on: str | None, preset: str | None) -> None:
    """Each name a table is looked up by, known: a typo (`dataset = "MNIST-5k"`) is one line naming the field and the
    choices here, not a KeyError where the name is first used (examiner probe 16)."""
    for fld, what, value, table in (("dataset", "dataset", dataset, DATASETS),
                                    ("claimed_on", "dataset", claimed_on, DATASETS),
                                    ("preset", "preset", preset, PRESETS)):  # fmt: skip
        if value is not None and value not in table:
            raise ValueError(f"{fld}: unknown {what} {shown(value)}; choose from {', '.join(table)}")


class Optim(_Strict):
    # any name parses; one the assignment does not allow fails the config check for that entry (plan.refusals)
    optimizer: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,32}$", description=f"torch optimizer: {', '.join(OPTIMIZERS)}")
    momentum: Momentum = _run("momentum", "SGD momentum")
    nesterov: bool = _run("nesterov", "SGD Nesterov momentum")
    weight_decay: WeightDecay | None = _run("weight_decay", "Weight decay; default torch's (AdamW 0.01, else 0)")
    betas: Betas = _run("betas", "Adam, AdamW, RAdam: (β1, β2), each in [0, 1)")
    seed: Seed = _run("seed", "Seed of initialisation and data order; the rerun uses the same")


# default-ignorable characters outside category Cf (which `_inside` refuses whole): combining grapheme joiner, Hangul
# fillers, Khmer inherent vowels, Mongolian free variation selectors, variation selectors (examiner probe 28)
_INVISIBLE = {0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x3164, 0xFFA0, *range(0x180B, 0x1810), *range(0xFE00, 0xFE10),
              *range(0xE0100, 0xE01F0)}  # fmt: skip


def _inside(path: str) -> str:
    if ".." in path.split("/"):
        raise ValueError("a logs path stays inside the submission folder (no '..')")
    if bad := next(
        (c for c in path if unicodedata.category(c) in ("Cf", "Co", "Cn", "Cs") or ord(c) in _INVISIBLE), None
    ):  # fmt: skip  (soft hyphen, Arabic letter mark, tag characters: a name that reads as another)
        raise ValueError(f"a logs path holds an invisible or unassigned character (U+{ord(bad):04X})")
    return path


# The run's own logs, relative to the submission folder (grader/evidence.py reads them, bounded)
# Any printable character a file name holds ("my logs/adam (1).csv", "résumé.csv", "学习率.csv") but controls, bidi and
# zero-width marks, and Windows' reserved \ : * ? " < > | (a backslash path is turned to / before this); it does not
# start with . / - or a space. Written as negated classes so that Python's re, pydantic's Rust regex and JSON Schema
# (ECMA-262) read it alike.
_NOT_IN_PATH = r'\x00-\x1f\x7f-\x9f"*:<>?|\\\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff'
LOGS_CHARS = 200  # characters of a logs path
LOGS_PATTERN = rf"^[^{_NOT_IN_PATH} ./-][^{_NOT_IN_PATH}]{{0,{LOGS_CHARS - 1}}}$"
LogsPath = Annotated[str, Field(pattern=LOGS_PATTERN), AfterValidator(_inside)]
_ABSOLUTE = re.compile(r"\s*(?:[/\\]|[A-Za-z]:)")  # /home/…, \\server\share\…, C:\… (C:/…)


def machine_path(written: str) -> list[str] | None:
    """The parts of a logs path written as an absolute path of the student's machine (`/Users/alice/hw6/logs/sgd.csv`,
    `C:\\Users\\alice\\hw6\\logs`, a UNC path), its drive left out, where it may be read as its trailing part in the
    submission folder (grader.logs.trailing, examiner probe 43); None where it is not one, or holds `..`, or is over
    LOGS_CHARS characters (refused as written)."""
    if len(written) > LOGS_CHARS or not _ABSOLUTE.match(written):
        return None
    parts = [p for p in re.split(r"[/\\]", re.sub(r"^[A-Za-z]:", "", written.strip())) if p not in ("", ".")]
    return parts if parts and ".." not in parts else None


def _non_negative_or_nan(v: float) -> float:
    if v < 0:
        raise ValueError(f"must be ≥ 0 (or nan for a diverged run), got {v:g}")
    return v


NonNegativeOrNan = Annotated[float, AfterValidator(_non_negative_or_nan)]  # nan < 0 is False: nan passes


Growth = Annotated[float, Field(gt=1, le=10, allow_inf_nan=False)]  # a staircase sweep's factor at each stair
Curve = Literal["train", "test"]  # the loss a range test's rule reads (reference.rules.eval_curve)


class RangeTestClaim(Optim):
    """One LR range test and the learning rate the student picked from it."""

    name: Name = Field(description="Label shown in the report, e.g. 'sgd-lambda'")
    start_lr: Lr = Field(description="First LR of the sweep")
    end_lr: Lr | None = Field(None, description="Last LR of the sweep (a staircase: where gamma and its stairs take "
                              "it; give one of end_lr and gamma)")  # fmt: skip
    shape: SweepShape = Field("exp", description="Exponential (LambdaLR) or linear sweep, per step; or a staircase: "
                              "×gamma every stair_steps optimizer steps (StepLR) or at each of its milestones "
                              "(MultiStepLR), stepped every optimizer step")  # fmt: skip
    gamma: Growth | None = Field(None, description="staircase: the LR's factor at each stair (> 1)")
    stair_steps: PositiveInt | None = Field(None, description="staircase: optimizer steps of each stair (StepLR)")
    milestones: tuple[PositiveInt, ...] | None = Field(
        None, max_length=MAX_MILESTONES, description="staircase: optimizer steps at which the LR grows (MultiStepLR)"
    )
    epochs: PositiveInt = Field(10, description="Length of the sweep in epochs")
    steps: PositiveInt | None = Field(None, description="Length of the sweep in optimizer steps (overrides epochs)")
    rule: str = Field(DEFAULT_RULE, description=f"How the LR was picked from the curve: one of {', '.join(RULES)}")
    curve: Curve = Field("train", description="The loss the rule reads: the smoothed train loss of every step, or "
                         "the test loss of each evaluation, once an epoch (seed 000: 'learning rate versus test "
                         "loss')")  # fmt: skip
    logs: LogsPath | None = Field(None, description="This sweep's TensorBoard log folder or CSV (docs/evidence.md)")
    claimed_lr: Lr | tuple[Lr, Lr] | None = Field(
        None, description="The suggested LR the student reported ([low, high] for rule 'range'); none: not checked"
    )
    # the rule as the file words it, where that word has two readings (grader.aliases.EITHER_MIN: fastai's lr_min)
    _rule_said: str | None = PrivateAttr(default=None)

    def rule_said(self) -> str | None:
        return self._rule_said

    @model_validator(mode="after")
    def _check(self) -> RangeTestClaim:
        if self.rule not in RULES:
            raise ValueError(f"rule: unknown rule {shown(self.rule)}; choose from {', '.join(RULES)}")
        stairs = [f for f in ("gamma", "stair_steps", "milestones") if getattr(self, f) is not None]
        if self.shape != "staircase":
            if stairs:
                raise ValueError(f"{stairs[0]}: only a shape = \"staircase\" sweep has one (this one is "
                                 f"{self.shape!r})")  # fmt: skip
            if self.end_lr is None:
                raise ValueError("end_lr: missing (the last LR of the sweep)")
        else:
            if (self.stair_steps is None) == (self.milestones is None):
                raise ValueError("a staircase sweep needs stair_steps (steps of each stair) or milestones (the "
                                 "steps its LR grows at): one of them")  # fmt: skip
            if self.gamma is None and self.end_lr is None:
                raise ValueError("a staircase sweep needs gamma (its factor at each stair) or end_lr")
        if self.end_lr is not None and self.start_lr >= self.end_lr:
            raise ValueError(f"start_lr {self.start_lr:g} must be below end_lr {self.end_lr:g}")
        return self


class _Trained(Optim):
    """What every final training run shares: its length and the metrics the student reported for it."""

    epochs: PositiveInt = _run("epochs", "Training epochs")
    claimed_test_accuracy: float | None = Field(
        None,
        ge=0,
        allow_inf_nan=False,
        description="Final test accuracy as a fraction (above 1, up to 100: read as a percent, said in the report)",
    )
    claimed_test_loss: NonNegativeOrNan | None = Field(
        None, description="Final test loss (mean cross-entropy); nan or inf for a run that diverged"
    )
    logs: LogsPath | None = Field(None, description="This run's TensorBoard log folder or CSV (docs/evidence.md)")
    # claimed_* → the figure as submission.toml prints it ("0.9600"): its digits are the claim's precision
    _printed: dict[str, str] = PrivateAttr(default_factory=dict)

    def printed(self, field: str) -> str | None:
        return self._printed.get(field)


class RunClaim(_Trained):
    """One final training run and the metrics the student reported for it."""

    name: Name = Field(description="Label shown in the report, e.g. 'sgd-multistep'")
    lr: Lr = Field(description="Initial learning rate")
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig, description="Scheduler name and arguments")
    role: Literal["final", "control"] | None = Field(
        None,
        description="'final': the run this submission stands by (its baseline comparison carries the points); "
        "'control': a comparison run (e.g. the picked LR ÷ 10), compared for information only. Unset: the grader "
        "judges each optimizer's best run (assignment.toml baseline_runs)",
    )


class AutoClaim(_Trained):
    """One run with the automated LR scheduler (seed 004's rule or its correction, reference/auto.py)."""

    name: Name = Field("auto", description="Label shown in the report")
    variant: Literal["faithful", "corrected"] = Field("faithful", description="Seed 004's rule, or the corrected one")
    factors: tuple[Factor, ...] = Field(
        (2.0, 1.0, 0.5), min_length=2, max_length=MAX_FACTORS, description="LR factors tried per step"
    )
    lr: Lr = Field(description="Initial learning rate η0")

    @property
    def schedule(self) -> ScheduleConfig:
        return ScheduleConfig(name="auto" if self.variant == "faithful" else "auto-corrected", factors=self.factors)


ENTRIES = ("range_test", "run", "auto")  # a submission's sections of entries, in the order a report lists them
# [setup]'s run fields, each the default of the entries of these sections that state none (grader.aliases)
SETUP_DEFAULTS = {**{k: ENTRIES for k in ("optimizer", "momentum", "nesterov", "weight_decay", "betas", "seed")},
                  "epochs": ("run", "auto")}  # fmt: skip


@dataclass(frozen=True)
class SetApart:
    """An entry that failed validation on its own (grader.load): the rest of its submission is graded, the config
    check refuses this one, and the figures it claims lose their points."""

    part: str  # "range_test", "run" or "auto"
    why: str  # one line: the fields at fault, each with its fix
    claims: tuple[str, ...] = ()  # the claimed_* fields it states (however it spells them)
    optimizer: str | None = None  # its optimizer, as written (lower case): whose baseline it might have carried
    unsupported: bool = False  # its only fault is torch's arguments no schedule of the grader's expresses: a limit of
    # the grader's, not the student's — refused, its claims pending review rather than lost
    epochs: int | None = None  # the epochs it states, where a whole number (grader.plan._refused_apart)
    role: str | None = None  # the role it states ("final" or "control", any case): a refused final run's baseline
    # points go with it, not to another run (grader.checks._standing, judged_runs)


class Submission(_Strict):
    student: Student
    setup: Setup = Field(default_factory=Setup)
    range_test: list[RangeTestClaim] = Field(default_factory=list, description="LR range tests ([[range_test]])")
    run: list[RunClaim] = Field(default_factory=list, description="Final training runs ([[run]])")
    auto: list[AutoClaim] = Field(default_factory=list, description="Runs with the automated LR scheduler ([[auto]])")
    notes: str = Field("", max_length=2000, description="Free text, shown in the report")
    # entry name (or `run[1]`) → the entry validation refused (grader.load.validate_submission): graded apart
    _apart: dict[str, SetApart] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _unique_names(self) -> Submission:
        counts = Counter(r.name for r in [*self.range_test, *self.run, *self.auto])
        dupes = sorted(n for n, k in counts.items() if k > 1)
        if dupes:
            raise ValueError(f"run names must be unique; repeated: {', '.join(dupes)}")
        return self


# ---------------------------------------------------------------- assignment.toml


Points = create_model(  # one float per check of the rubric (grader.rubric.RUBRIC), its default and meaning
    "Points",
    __base__=_Strict,
    __doc__="Rubric: points per check (grader/rubric.py)",
    **{k: (float, Field(c.points, description=c.doc)) for k, c in RUBRIC.items()},
)


class Tolerances(_Strict):
    proxy_lr_decades: float = Field(
        0.7,
        ge=0,
        description="LR claims made on other data than the rerun's: how far a proxy sweep's pick may "
        "stray from the claim's data (AdamW on mnist-5k vs MNIST: 0.68 decades); inside it a miss is unconfirmed, "
        "not failed",
    )
    k_sigma: PositiveFloat = Field(
        TOLERANCES["test_accuracy"].k,  # the reference's k for every metric (reference/tolerances.py)
        description="Logs and diagnoses: a logged or counterfactual metric agrees within k·σ of the rerun",
    )
    k_logs: PositiveFloat = Field(
        3.5,
        description="A logged curve agrees with the rerun within k_logs·√2·σ of the seed noise of its config, "
        "step by step (σ of log(smoothed train loss) over committed seeds) and epoch by epoch",
    )
    k_lr: PositiveFloat = Field(
        2.6,
        description="An LR claim passes within k_lr·√2·σ of the rule's pick on the rerun, σ the rule's seed σ "
        "in decades (≥ 10 committed seeds); chosen for ≤ 1 % of honest students losing any points "
        "(benchmarks/grading_power.py)",
    )
    k_claim: PositiveFloat = Field(
        2.6,
        description="A metric claim passes within k_claim·√2·σ of the rerun, and the baseline check allows a "
        "shortfall of k_claim·σ·√(1 + 1/n seeds); chosen for ≤ 1 % of honest students losing any points",
    )
    lr_min_decades: PositiveFloat = Field(
        TOLERANCES["lr"].min_decades,
        description="The LR tolerance where no committed reference seeds give the rule's σ, in decades",
    )
    baseline_lr_decades: PositiveFloat = Field(
        0.1,
        description="A run meets a committed reference of its own config when their LRs are this close (decades); "
        "farther, runs start faster or slower and the baseline check compares final epochs only",
    )
    partial_band: float = Field(1.5, ge=1, description="Partial credit falls linearly to 0 at band × tolerance")
    implausible_loss_factor: PositiveFloat = Field(
        10.0, description="A claimed loss this many times below what any rerun/reference reaches is flagged"
    )
    probe_epochs: int = Field(
        2,
        ge=0,
        description="At most this many epochs of each training rerun's probe twin, which runs the 64 steps of "
        "its window (0: no probes)",
    )
    probe_nudge: float = Field(1e-6, gt=0, le=1e-3, description="Relative noise on a probe twin's initial weights")
    chaos_drift: PositiveFloat = Field(
        1e-3, description="A rerun whose twin's train loss strays further than this (relative) is chaotic"
    )
    chaotic_credit: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Share of a metric check's points given when a chaotic rerun misses the claim; the rest is "
        "pending review by hand",
    )


Visibility = Literal["hidden", "after_due_date", "after_published", "visible"]  # Gradescope's, per test


class Autograder(_Strict):
    """An upload grade inside Gradescope's or PrairieLearn's autograder (`grade bundle`, issue 22)."""

    timeout_s: PositiveFloat = Field(
        600.0,
        description="The platform's timeout for one submission (Gradescope: 10 minutes by default; "
        "PrairieLearn: at most 600 s); `grade bundle` writes it into the bundle, whose script stops the grader 30 s "
        "before it",  # fmt: skip
    )
    budget_s: PositiveFloat | None = Field(
        None,
        description="Seconds the upload grade plans its reruns into (default: 80 % of timeout_s); what does "
        "not fit is deferred to the instructor's full grade, its points pending",  # fmt: skip
    )
    visibility: dict[str, Visibility] = Field(
        default_factory=dict,
        description="Gradescope visibility per check (keys: [points]'s, e.g. accuracy_claim "
        "= 'after_published'); the others are 'visible'. A check not visible is also left out of the report shown "
        "to the student, with the verdict and total; 'hidden' only for a check of 0 points (Gradescope's total "
        "counts a hidden test). PrairieLearn has no per-test visibility: it shows every check",  # fmt: skip
    )

    @model_validator(mode="after")
    def _checks(self) -> Autograder:
        if unknown := sorted(set(self.visibility) - set(Points.model_fields)):
            raise ValueError(f"autograder.visibility: unknown check {unknown[0]!r}; choose from "
                             f"{', '.join(Points.model_fields)}")  # fmt: skip
        return self

    @property
    def budget(self) -> float:
        return self.budget_s or 0.8 * self.timeout_s


MAX_REVIEWS = 10_000  # [[review]] entries of a reviews.toml (a class of 500 with 20 pending checks each)


def _award(value: object, handler: Any) -> object:
    try:
        return handler(value)
    except ValidationError:
        raise ValueError(f'must be "all", "none" or a fraction from 0 to 1 of the pending points (0.5: half), got '
                         f"{shown(value)}") from None  # fmt: skip


Award = Annotated[Literal["all", "none"] | Annotated[float, Field(ge=0, le=1)], WrapValidator(_award)]


def _rubric_key(key: str) -> str:
    if key not in RUBRIC:
        raise ValueError(f"unknown check {shown(key)}; choose from {', '.join(RUBRIC)}")
    return key


class Review(_Strict):
    """One decision of the instructor's on a check whose points a grade left pending (docs/reviews.md)."""

    student: str = Field(min_length=1, max_length=MAX_NAME, description="The student's id (or submission folder name), "
                         "as grades.csv and reports/pending.toml name it")  # fmt: skip
    check: Annotated[str, AfterValidator(_rubric_key)] = Field(
        description=f"The check's rubric key: {', '.join(RUBRIC)}"
    )
    subject: Name = Field(description="What the check is about: the [[range_test]] / [[run]] name, or 'submission'")
    award: Award = Field(
        description='What of its pending points to give: "all", "none", or a fraction from 0 to 1 (0.5: half)'
    )
    note: str = Field("", max_length=1000, description="Shown to the student in the check's message (escaped)")
    why: str | None = Field(None, max_length=MAX_NAME, description="Why the check was pending when pending.toml "
                            "wrote this block (the grader's reason, e.g. 'lr', 'chaotic'): the review applies only "
                            "while the check is still pending for it. Left out (written by hand): any")  # fmt: skip
    pending: float | None = Field(None, ge=0, allow_inf_nan=False, description="The raw rubric points pending when "
                                  "pending.toml wrote this block: the review applies only while the same points are "
                                  "pending. Left out (a review written by hand): any")  # fmt: skip

    @property
    def fraction(self) -> float:
        """The share of the pending points given: 1 for "all", 0 for "none"."""
        return 1.0 if self.award == "all" else 0.0 if self.award == "none" else float(self.award)

    @property
    def key(self) -> tuple[str, str, str]:
        return self.student, self.check, self.subject


class Reviews(_Strict):
    """`reviews.toml` in the class folder (or `grade --reviews FILE`): the instructor's decisions on pending checks,
    one [[review]] each; a regrade applies them again (docs/reviews.md)."""

    review: list[Review] = Field(default_factory=list, max_length=MAX_REVIEWS,
                                 description="One decision per pending check ([[review]])")  # fmt: skip

    @model_validator(mode="after")
    def _once(self) -> Reviews:
        seen: dict[tuple[str, str, str], int] = {}
        for i, r in enumerate(self.review):
            if (j := seen.setdefault(r.key, i)) != i:
                raise ValueError(f"review[{i}] decides the same check as review[{j}] ({shown(r.student, 40)}, "
                                 f"{r.check}, {shown(r.subject, 40)}): keep one")  # fmt: skip
        return self


class Assignment(_Strict):
    name: str = "LR range test and LR schedules (LeNet5, MNIST)"
    dataset: str = "mnist-5k"
    model: Model = RunConfig.model_fields["model"].default
    train_epochs: PositiveInt = 30
    max_epochs: PositiveInt = 30
    max_entries: PositiveInt = Field(32, description="[[range_test]] + [[run]] + [[auto]] allowed per submission")
    max_sweep_epochs: PositiveInt = Field(10, description="A [[range_test]] longer than this (epochs) is not rerun")
    max_sweep_steps: PositiveInt = Field(
        20_000, description="A [[range_test]] longer than this (optimizer steps, on the claim data) is not rerun"
    )
    quick_epochs: PositiveInt = 3
    claimed_on: str | None = Field(
        None, description="Dataset the class's claims were made on (a submission's setup.claimed_on overrides)"
    )
    preset: str | None = Field(None, description="Course template whose defaults every submission starts from")
    required: tuple[Literal["range_test", "run", "auto"], ...] = Field(
        ("range_test", "run"),
        description='Sections every submission must have; the automated-scheduler assignment: ["auto"]',
    )
    baseline_runs: Literal["best", "final", "all"] = Field(
        "best",
        description="Runs whose baseline comparison carries points: 'best' (per optimizer, its runs marked "
        "role = 'final', else its best rerun at the compared epoch), 'final' (only runs marked role = 'final'), "
        "'all' (every run not marked role = 'control'). The others are compared for information, no points at stake",
    )
    optimizers: tuple[OptimizerName, ...] = Field(
        ("sgd", "adam", "adamw"),
        description="Optimizers a submission may use (reference/optimizers.py's names); "
        "the default: the three the committed reference baselines cover",
    )
    time_limit_s: PositiveFloat = Field(600.0, description="Per-run wall-time limit; over it the run is an error")
    total_points: PositiveFloat = Field(
        100.0, description="Rubric total: every score is earned / possible × this, the gradebook's points possible"
    )
    points: Points = Field(default_factory=Points)
    tolerances: Tolerances = Field(default_factory=Tolerances)
    autograder: Autograder = Field(default_factory=Autograder)

    @model_validator(mode="after")
    def _known(self) -> Assignment:
        _known_names(dataset=self.dataset, claimed_on=self.claimed_on, preset=self.preset)
        # Gradescope hides a student's total while a test is not yet shown (after_due_date, after_published), but not
        # for a "hidden" test: its docs keep "hidden" for tests that carry no points ("Controlling Test Case
        # Visibility", autograder specifications), so a hidden check with points would show in the total
        if carrying := [k for k, v in self.autograder.visibility.items() if v == "hidden" and getattr(self.points, k)]:
            k, points = carrying[0], getattr(self.points, carrying[0])
            raise ValueError(f"autograder.visibility: {k} = 'hidden', but [points] gives it {points:g}: "
                             "Gradescope still shows students a total that counts a hidden test's points; use "
                             "'after_published' or 'after_due_date' (the test and the total are withheld until then), "
                             f"or set [points] {k} = 0")  # fmt: skip
        return self
