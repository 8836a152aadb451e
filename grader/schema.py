"""The two file formats a grader reads: a student's `submission.toml` and the instructor's `assignment.toml`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, PositiveInt, model_validator

from reference.config import ScheduleConfig
from reference.rules import DEFAULT_RULE, RULES


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------- submission.toml


class Student(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$", description="Student or team id (letters, digits, _ . -)")
    name: str = Field(max_length=200, description="Display name, shown in reports (HTML-escaped)")


class Setup(_Strict):
    """What every run of the submission shares."""

    dataset: str = Field("mnist-5k", description="Dataset the runs use (the assignment may restrict it)")
    model: Literal["lenet5", "resnet18"] = Field("lenet5", description="Architecture")
    activation: Literal["tanh", "relu"] = Field("tanh", description="LeNet5 activation")
    pooling: Literal["avg", "max"] = Field("avg", description="LeNet5 pooling")
    batch_size: PositiveInt = Field(128, description="Images per optimizer step")


class Optim(_Strict):
    optimizer: Literal["sgd", "adam", "adamw"] = Field(description="torch optimizer")
    momentum: float = Field(0.9, ge=0, lt=1, description="SGD momentum")
    nesterov: bool = Field(False, description="SGD Nesterov momentum")
    weight_decay: float | None = Field(None, ge=0, description="Weight decay; default torch's (AdamW 0.01, else 0)")
    seed: int = Field(0, ge=0, description="Seed of initialisation and data order; the rerun uses the same")


class RangeTestClaim(Optim):
    """One LR range test and the learning rate the student picked from it."""

    name: str = Field(description="Label shown in the report, e.g. 'sgd-lambda'")
    start_lr: PositiveFloat = Field(description="First LR of the sweep")
    end_lr: PositiveFloat = Field(description="Last LR of the sweep")
    shape: Literal["exp", "linear"] = Field("exp", description="Exponential (LambdaLR) or linear sweep, per step")
    epochs: PositiveInt = Field(10, description="Length of the sweep in epochs")
    steps: PositiveInt | None = Field(None, description="Length of the sweep in optimizer steps (overrides epochs)")
    rule: str = Field(DEFAULT_RULE, description=f"How the LR was picked from the curve: one of {', '.join(RULES)}")
    claimed_lr: PositiveFloat | tuple[PositiveFloat, PositiveFloat] | None = Field(
        None, description="The suggested LR the student reported ([low, high] for rule 'range'); none: not checked"
    )

    @model_validator(mode="after")
    def _check(self) -> RangeTestClaim:
        if self.rule not in RULES:
            raise ValueError(f"unknown rule {self.rule!r}; choose from {', '.join(RULES)}")
        if self.start_lr >= self.end_lr:
            raise ValueError(f"start_lr {self.start_lr:g} must be below end_lr {self.end_lr:g}")
        return self


class _Trained(Optim):
    """What every final training run shares: its length and the metrics the student reported for it."""

    epochs: PositiveInt = Field(30, description="Training epochs")
    claimed_test_accuracy: float | None = Field(None, ge=0, description="Final test accuracy as a fraction")
    claimed_test_loss: float | None = Field(None, ge=0, description="Final test loss (mean cross-entropy)")


class RunClaim(_Trained):
    """One final training run and the metrics the student reported for it."""

    name: str = Field(description="Label shown in the report, e.g. 'sgd-multistep'")
    lr: PositiveFloat = Field(description="Initial learning rate")
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig, description="Scheduler name and arguments")


class AutoClaim(_Trained):
    """One run with the automated LR scheduler (seed 004's rule or its correction, reference/auto.py)."""

    name: str = Field("auto", description="Label shown in the report")
    variant: Literal["faithful", "corrected"] = Field("faithful", description="Seed 004's rule, or the corrected one")
    factors: tuple[PositiveFloat, ...] = Field((2.0, 1.0, 0.5), min_length=2, description="LR factors tried per step")
    lr: PositiveFloat = Field(description="Initial learning rate η0")

    @property
    def schedule(self) -> ScheduleConfig:
        return ScheduleConfig(name="auto" if self.variant == "faithful" else "auto-corrected", factors=self.factors)


class Submission(_Strict):
    student: Student
    setup: Setup = Field(default_factory=Setup)
    range_test: list[RangeTestClaim] = Field(default_factory=list, description="LR range tests ([[range_test]])")
    run: list[RunClaim] = Field(default_factory=list, description="Final training runs ([[run]])")
    auto: list[AutoClaim] = Field(default_factory=list, description="Runs with the automated LR scheduler ([[auto]])")
    notes: str = Field("", max_length=2000, description="Free text, shown in the report")

    @model_validator(mode="after")
    def _unique_names(self) -> Submission:
        names = [r.name for r in [*self.range_test, *self.run, *self.auto]]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"run names must be unique; repeated: {', '.join(dupes)}")
        return self


# ---------------------------------------------------------------- assignment.toml


class Points(_Strict):
    """Rubric: points per check (see grader.checks.CHECKS)."""

    config: float = 1.0
    lr_claim: float = 2.0
    accuracy_claim: float = 2.0
    loss_claim: float = 1.0
    baseline: float = 2.0
    plausibility: float = 1.0
    reproducible: float = 0.0  # informational: it marks chaotic reruns, whose metric checks then get partial credit


class Tolerances(_Strict):
    k_sigma: PositiveFloat = Field(3.0, description="A metric claim passes within k·σ of the rerun")
    lr_min_decades: PositiveFloat = Field(0.3, description="Floor of the LR tolerance, in decades")
    partial_band: float = Field(2.0, ge=1, description="Partial credit falls linearly to 0 at band × tolerance")
    implausible_loss_factor: PositiveFloat = Field(
        10.0, description="A claimed loss this many times below what any rerun/reference reaches is flagged"
    )
    probe_epochs: int = Field(2, ge=0, description="Epochs of each training rerun's probe twin (0: no probes)")
    probe_nudge: float = Field(1e-6, gt=0, le=1e-3, description="Relative noise on a probe twin's initial weights")
    chaos_drift: PositiveFloat = Field(
        1e-3, description="A rerun whose twin's train loss strays further than this (relative) is chaotic"
    )
    chaotic_credit: float = Field(
        0.5, ge=0, le=1, description="Share of a metric check's points a chaotic rerun gets, pending review by hand"
    )


class Assignment(_Strict):
    name: str = "LR range test and LR schedules (LeNet5, MNIST)"
    dataset: str = "mnist-5k"
    model: Literal["lenet5", "resnet18"] = "lenet5"
    train_epochs: PositiveInt = 30
    max_epochs: PositiveInt = 30
    quick_epochs: PositiveInt = 3
    required: tuple[Literal["range_test", "run"], ...] = ("range_test", "run")
    optimizers: tuple[str, ...] = ("sgd", "adam", "adamw")
    time_limit_s: PositiveFloat = Field(600.0, description="Per-run wall-time limit; over it the run is an error")
    points: Points = Field(default_factory=Points)
    tolerances: Tolerances = Field(default_factory=Tolerances)
