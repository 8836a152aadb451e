"""One typed, frozen config per run: everything that determines a run's curves, saved inside its result."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PositiveFloat,
    PositiveInt,
    model_serializer,
    model_validator,
)

from reference.optimizers import OPTIMIZERS, OptimizerName
from reference.schedules import SCHEDULES

# Field types shared with the submission schema (grader/schema.py), which reuses them rather than re-declaring them.
Cadence = Literal["step", "epoch"]
Model = Literal["lenet5", "resnet18"]
Activation = Literal["tanh", "relu"]
Pooling = Literal["avg", "max"]
Preprocess = Literal["pad-normalize", "resize"]
SweepShape = Literal["exp", "linear", "staircase"]  # a range test's LR growth: per step, or ×gamma every few steps

# Every float a student gives is finite and inside a stated range, checked at validation (examiner probe 16: `lr = inf`
# reached math.log10 as an internal error, `lr = 1e308` passed and overflowed the rerun). The bounds are far outside
# anything a run of this course uses, and tight enough that no product of them (an LR × a factor, a peak ÷ a divisor)
# leaves float32's range.
MIN_LR, MAX_LR = 1e-12, 1e3  # a learning rate: below 1e-12 nothing trains, above 1e3 everything diverges at step 1
MAX_FACTOR = 1e3  # a factor the automated scheduler tries, at most this
MAX_TABLE = 1e9  # a tabulated LambdaLR's factor: a course sweep's reaches end/start (1e6); LR × factor stays < 1e12
MAX_FACTORS = 8  # candidate factors of the automated scheduler: each one is a forward pass at every step
MAX_MILESTONES = 1000  # MultiStepLR milestones


def _lr_floor(v: float) -> float:
    if v < MIN_LR:
        raise ValueError(f"must be ≥ {MIN_LR:g} (an LR below it trains nothing), got {v:.6g}")
    return v


def _finite(**bounds: float) -> Field:  # a pydantic FieldInfo: a float with these bounds, never nan or ±inf
    return Field(allow_inf_nan=False, **bounds)


Lr = Annotated[float, _finite(gt=0, le=MAX_LR), AfterValidator(_lr_floor)]  # every LR a student states
Momentum = Annotated[float, _finite(ge=0, lt=1)]
Betas = tuple[Momentum, Momentum]  # Adam's (β1, β2): each in [0, 1), as torch requires
WeightDecay = Annotated[float, _finite(ge=0, le=10)]
Factor = Annotated[float, _finite(gt=0, le=MAX_FACTOR)]  # an LR multiplier
TableFactor = Annotated[float, _finite(gt=0, le=MAX_TABLE)]  # a LambdaLR's factor at one step
Seed = Annotated[int, Field(ge=0)]

# ScheduleConfig fields added after result files and committed baselines were first written: left out of the dump
# while unset, so a config that existed before them dumps (and compares, and is shown) as it did. (Cache keys change
# with the reference code anyway: grader/plan.py hashes it.)
_LATE_FIELDS = ("power", "cycle_momentum", "base_momentum", "max_momentum")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ScheduleConfig(_Frozen):
    """A torch `lr_scheduler` by name (see `reference.schedules.SCHEDULES`) and its arguments.

    `cadence` says what one `scheduler.step()` means: after every optimizer step ("step", as the
    course's ColossalAI hook did, so MultiStep milestones [15, 25] were *iterations* there) or after
    every epoch ("epoch"). Left out, the table's natural cadence for that scheduler is filled in.
    """

    name: str = Field("constant", json_schema_extra=lambda s: s.update(enum=_scheduler_names()))
    cadence: Cadence | None = None
    # step, multistep, exponential: LR multiplier (≤ 10: a growing LR is a pitfall the grader diagnoses, not an
    # overflow); cyclic: exp_range's decay
    gamma: Annotated[float, _finite(gt=0, le=10)] | None = None
    step_size: PositiveInt | None = None  # step: scheduler steps between decays
    milestones: tuple[PositiveInt, ...] | None = Field(None, max_length=MAX_MILESTONES)  # multistep: steps to decay at
    end_lr: Lr | None = None  # lambda-exp, linear-sweep: LR at the last step (a staircase range test: shown only)
    max_lr: Lr | None = None  # onecycle, cyclic: peak LR (default: the run's lr)
    base_lr: Lr | None = None  # cyclic: floor LR (default: lr / 10)
    pct_start: float = _finite(default=0.3, gt=0, lt=1)  # onecycle: fraction of steps spent warming up
    div_factor: float = _finite(default=25.0, ge=1, le=1e8)  # onecycle: initial LR = max_lr / div_factor
    final_div_factor: float = _finite(default=1e4, ge=1, le=1e8)  # onecycle: final LR = initial LR / final_div_factor
    step_size_up: PositiveInt = 2000  # cyclic: scheduler steps from floor to peak
    step_size_down: PositiveInt | None = None  # cyclic: steps from peak to floor (default: = up)
    mode: Literal["triangular", "triangular2", "exp_range"] = "triangular"  # cyclic
    end_factor: float = _finite(default=0.0, ge=0, le=1)  # linear-decay: final LR as a fraction of lr
    eta_min: float = _finite(default=0.0, ge=0, le=MAX_LR)  # cosine: floor LR
    power: Annotated[float, _finite(gt=0, le=100)] | None = None  # polynomial: exponent of the decay (torch's 1.0)
    # onecycle, cyclic: momentum (Adam's beta1) cycled against the LR, as torch does unless told not to; left out (or
    # false), not cycled — the committed references' setting. The bounds default to torch's (0.85–0.95; cyclic 0.8–0.9)
    cycle_momentum: bool | None = None
    base_momentum: Momentum | None = None
    max_momentum: Momentum | None = None
    # auto, auto-corrected: LR factors tried each step
    factors: tuple[Factor, ...] | None = Field(None, min_length=2, max_length=MAX_FACTORS)
    table: tuple[TableFactor, ...] | None = Field(None, max_length=200_000)  # table: LR factor of each step

    @model_serializer(mode="wrap")
    def _dump(self, handler) -> dict:
        out = handler(self)
        return {k: v for k, v in out.items() if not (k in _LATE_FIELDS and v is None)}

    @model_validator(mode="after")
    def _known(self) -> ScheduleConfig:
        if self.name not in SCHEDULES:
            raise ValueError(f"unknown scheduler {self.name!r}; choose from {', '.join(SCHEDULES)}")
        if self.cadence is None:
            object.__setattr__(self, "cadence", SCHEDULES[self.name].cadence)
        if not self.cycle_momentum:  # false is the default written out; the bounds mean nothing without cycling
            for field in ("cycle_momentum", "base_momentum", "max_momentum"):
                object.__setattr__(self, field, None)
        for arg, value in SCHEDULES[self.name].defaults:  # torch's, where left out (StepLR's gamma: probe 25)
            if getattr(self, arg) is None:
                object.__setattr__(self, arg, value)
        for arg in SCHEDULES[self.name].required:
            if getattr(self, arg) is None:
                raise ValueError(f"scheduler {self.name!r} needs {arg}")
        return self


class RunConfig(_Frozen):
    """A training run or an LR range test. Units in comments; defaults follow the course."""

    task: Literal["train", "range-test"] = "train"
    dataset: str = "mnist-5k"
    model: Model = "lenet5"
    activation: Activation = "tanh"  # LeNet5 only
    pooling: Pooling = "avg"  # LeNet5 only
    optimizer: OptimizerName = "sgd"  # reference.optimizers.OPTIMIZERS
    lr: Lr = 0.01  # initial LR (a range test's start LR)
    momentum: Momentum = 0.9  # SGD
    nesterov: bool = False  # SGD
    weight_decay: WeightDecay | None = None  # None: torch's default for the optimizer (the table's)
    betas: Betas = (0.9, 0.999)  # Adam, AdamW, RAdam
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    epochs: PositiveInt = 30  # epochs: passes over the training set, or of `epoch_steps` steps each
    epoch_steps: PositiveInt | None = None  # optimizer steps per epoch; None: one pass over the data. Set to
    # another dataset's steps per epoch, a run reproduces the step schedule a claim was made under (claimed_on)
    preprocess: Preprocess = "pad-normalize"  # reference.data.DeviceData
    max_steps: PositiveInt | None = None  # stop after this many optimizer steps (range tests by steps)
    batch_size: PositiveInt = 128
    seed: Seed = 0
    eval_every: PositiveInt | None = None  # optimizer steps between test evaluations; None: per epoch
    smoothing: float = Field(0.98, ge=0, lt=1)  # EMA factor of the smoothed train loss
    diverge_factor: PositiveFloat | None = None  # stop once smoothed loss > factor x best (range tests)
    init_nudge: float = Field(0.0, ge=0, le=1e-3)  # relative noise on the initial weights: the grader's probe twins
    mistake: Literal["none", "double-softmax"] = "none"  # injected on purpose: the grader's counterfactual reruns

    @model_validator(mode="after")
    def _consistent(self) -> RunConfig:
        if self.weight_decay is None:
            object.__setattr__(self, "weight_decay", OPTIMIZERS[self.optimizer].weight_decay)
        if self.task == "range-test":
            if self.schedule.name not in SWEEPS:
                raise ValueError(
                    "a range test sweeps with scheduler 'lambda-exp', 'linear-sweep', or 'step' / "
                    "'multistep' of gamma > 1 stepped every optimizer step (a staircase)"
                )
            s = self.schedule
            if s.name in STAIRS and not (s.gamma is not None and s.gamma > 1 and s.cadence == "step"):
                raise ValueError("a staircase range test grows the LR: gamma > 1, cadence 'step'")
            if self.schedule.end_lr is not None and self.schedule.end_lr <= self.lr:
                raise ValueError(f"start LR {self.lr:g} must be below end LR {self.schedule.end_lr:g}")
        return self


def step_counted(schedule: ScheduleConfig) -> bool:
    """A schedule whose shape is counted in optimizer steps (per-iteration milestones, OneCycle's total, CyclicLR's
    step sizes): it changes with the number of steps per epoch. Epoch-cadence schedules and a constant LR do not."""
    return schedule.cadence == "step" and schedule.name != "constant" and not schedule.name.startswith("auto")


# A range test's scheduler → its shape; a staircase is torch's StepLR (equal stairs) or MultiStepLR (its milestones)
SWEEPS: dict[str, SweepShape] = {"lambda-exp": "exp", "linear-sweep": "linear", "step": "staircase",
                                 "multistep": "staircase"}  # fmt: skip
STAIRS = ("step", "multistep")


def staircase_rises(stair_steps: int | None, milestones: tuple[int, ...] | None, steps: int) -> int:
    """How many times a staircase sweep of `steps` optimizer steps multiplies its LR by gamma: torch's StepLR
    (`stair_steps`) or MultiStepLR (`milestones`, each counted as often as it is listed) stepped every optimizer step,
    so step i runs at lr · gamma^(rises before i) — its last step, i = steps − 1, at lr · gamma^rises."""
    if milestones is not None:
        return sum(1 for m in milestones if m <= steps - 1)
    return (steps - 1) // stair_steps if stair_steps else 0


def _scheduler_names() -> list[str]:
    return list(SCHEDULES)


def range_test_config(
    *,
    start_lr: float = 1e-6,
    end_lr: float = 1.0,
    shape: SweepShape = "exp",
    epochs: int = 10,
    steps: int | None = None,
    diverge_factor: float | None = 4.0,
    gamma: float | None = None,
    stair_steps: int | None = None,
    milestones: tuple[int, ...] | None = None,
    **run: object,
) -> RunConfig:
    """A range test: LR swept from `start_lr` to `end_lr` per step over `epochs` (or `steps`); a staircase grows it
    ×`gamma` every `stair_steps` optimizer steps (torch's StepLR) or at each of its `milestones` (MultiStepLR), and
    `end_lr` is then the LR of its last step (shown in reports; the scheduler does not read it)."""
    if start_lr <= 0 or end_lr <= 0:
        raise ValueError(f"LRs must be positive, got start {start_lr:g}, end {end_lr:g}")
    if start_lr >= end_lr:
        raise ValueError(f"start LR {start_lr:g} must be below end LR {end_lr:g}")
    name, stairs = {"exp": "lambda-exp", "linear": "linear-sweep"}.get(shape), {}
    if shape == "staircase":
        if (stair_steps is None) == (milestones is None):
            raise ValueError("a staircase range test needs stair_steps or milestones (one of them)")
        name, stairs = (
            ("step", {"step_size": stair_steps}) if stair_steps else ("multistep", {"milestones": milestones})
        )
        stairs["gamma"] = gamma
    return RunConfig(
        task="range-test",
        lr=start_lr,
        schedule=ScheduleConfig(name=name, end_lr=end_lr, cadence="step", **stairs),
        epochs=epochs,
        max_steps=steps,
        diverge_factor=diverge_factor,
        **run,
    )
