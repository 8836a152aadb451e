"""One results object per student and per class; JSON out (also Gradescope's format), never pickles."""

from __future__ import annotations

import math
from dataclasses import KW_ONLY, asdict, dataclass, field
from typing import Literal

Status = Literal["pass", "warn", "fail", "error", "skip"]
STATUS_ORDER = ("skip", "pass", "warn", "fail", "error")  # worst last; a skipped check never sets the verdict
Verdict = Literal["pass", "warn", "unverified", "fail", "error"]
VERDICT_ORDER = ("pass", "warn", "unverified", "fail", "error")  # the class table's order
CLAIM_CHECKS = ("lr_claim", "accuracy_claim", "loss_claim")  # checks of a figure the student reported
UNVERIFIED_BELOW = 0.5  # a submission with fewer of its claims checked than this share is UNVERIFIED, not PASS
DEFAULT_TOTAL = 100.0  # the rubric total when no assignment says otherwise (schema.Assignment.total_points)


Value = float | list[float] | None  # one figure, or several (an LR interval, two LRs)


@dataclass
class CheckResult:
    """A check's verdict on one subject (a run, a range test or the whole submission).

    The figures have one meaning in every check: `claimed` is what the student reported, `rerun` what the
    grader's rerun gave, `reference` what the committed reference baseline gives; `distance` is how far the
    compared figures are apart and `tolerance` how far they may be, both in `unit`; `origin` says where the
    tolerance comes from. A column that does not apply to a check is None."""

    check: str  # key in grader.checks.CHECKS
    subject: str  # e.g. "sgd-lambda", or "submission"
    status: Status
    message: str  # one sentence: what was compared and why it passed or not
    _: KW_ONLY
    claimed: Value = None
    rerun: Value = None
    reference: Value = None
    tolerance: float | None = None
    distance: float | None = None
    unit: str = ""  # of distance and tolerance: "decades", "σ", "abs" (same unit as the figures), "relative", "×"
    origin: str | None = None  # e.g. "3σ, σ = seed spread of 3 reference seeds floored at the binomial SE"
    points: float = 0.0  # raw rubric points (assignment.toml [points]); StudentResult scales them to the total
    max_points: float = 0.0
    pending: float = 0.0  # raw points at stake that this grade could not check (claims on other data, quick mode):
    # neither earned nor lost here, shown apart, and part of the total a score is out of
    diagnosis: dict | None = None  # likely cause of a failure: {cause, evidence, confidence, confirmed}

    @property
    def title(self) -> str:
        return f"{self.check}: {self.subject}"


@dataclass
class RunRecord:
    """A rerun as the report shows it: what was run, what came out, the reference to compare with."""

    name: str
    kind: Literal["range-test", "train"]
    key: str  # cache key of the rerun
    config: dict
    result: dict | None  # the rerun's result dict (reference.loop.run), None when it errored
    reference: dict | None = None  # matching baseline curve/epochs for plots, when there is one
    error: str | None = None
    cached: bool = False
    evidence: dict | None = None  # the student's logs vs this rerun, counterfactual reruns (grader.evidence.record)
    conditions: str | None = None  # the claim's data and step schedule vs the rerun's (grader.plan.Conditions)


@dataclass
class StudentResult:
    """One student's checks and reruns. Each check earns raw rubric points; the student's score is
    earned / possible × `total_points` (the assignment's fixed rubric total), and every check's share is
    scaled by the same factor, so reports, grades.csv and Gradescope add up to the same figures."""

    id: str
    name: str
    folder: str
    status: Literal["graded", "error"] = "graded"
    error: str | None = None  # one line, when the submission could not be graded at all
    checks: list[CheckResult] = field(default_factory=list)
    runs: list[RunRecord] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    execution_time: float = 0.0
    notes: str = ""  # the student's free text from submission.toml, shown (escaped) in the report
    total_points: float = DEFAULT_TOTAL  # the rubric total every score is scaled to (ClassResult sets the class's)

    @classmethod
    def failed(cls, id: str, folder: str, message: str, possible: float = 1.0) -> StudentResult:
        """A submission that could not be read or planned: a result with one clear line, not an exception.
        It scores 0 of the rubric total."""
        check = CheckResult("config", "submission", "error", message, points=0.0, max_points=possible or 1.0)
        return cls(id=id, name=id, folder=folder, status="error", error=message, checks=[check])

    @property
    def raw_possible(self) -> float:
        return sum(c.max_points + c.pending for c in self.checks)

    def scaled(self) -> list[tuple[float, float]]:
        """(points, max points) of each check on the rubric total's scale, rounded to 0.01; the maxima (points at
        stake, checked or pending) are apportioned so that they add up to the total exactly, and a check with full
        marks gets its maximum. A pending check's maximum is its pending share; it earns nothing here."""
        raw = self.raw_possible
        if raw <= 0:
            return [(0.0, 0.0) for _ in self.checks]
        maxima = _apportion([(c.max_points + c.pending) * self.total_points / raw for c in self.checks],
                            self.total_points)  # fmt: skip
        return [(round(m * c.points / (c.max_points + c.pending), 2) if c.max_points else 0.0, m)
                for c, m in zip(self.checks, maxima, strict=True)]  # fmt: skip

    @property
    def total(self) -> float:
        return round(sum(p for p, _ in self.scaled()), 2)

    @property
    def possible(self) -> float:
        return self.total_points

    @property
    def pending(self) -> float:
        """Points of the total this grade could not check (on the rubric total's scale)."""
        return round(sum(m for c, (_, m) in zip(self.checks, self.scaled(), strict=True) if c.pending), 2)

    @property
    def checked(self) -> float:
        """Points of the total this grade checked: the score is earned out of these plus the pending ones."""
        return round(self.total_points - self.pending, 2) if self.raw_possible > 0 else 0.0

    @property
    def percent(self) -> float:
        return round(100 * self.total / self.total_points, 1) if self.total_points else 0.0

    @property
    def claims(self) -> tuple[int, int]:
        """(claims checked, claims made): the reported figures (LR, accuracy, loss) this grade could judge."""
        made = [c for c in self.checks if c.check in CLAIM_CHECKS and c.claimed is not None]
        return sum(c.status in ("pass", "warn", "fail", "error") for c in made), len(made)

    @property
    def verdict(self) -> Verdict:
        """The worst check's status; but a submission that passes while most of its claims could not be checked
        is UNVERIFIED: nothing failed, and too little was checked to call it a pass."""
        statuses = [c.status for c in self.checks] or ["error"]
        worst = max(statuses, key=STATUS_ORDER.index)
        checked, made = self.claims
        if worst in ("pass", "warn", "skip") and made and checked < UNVERIFIED_BELOW * made:
            return "unverified"
        return "pass" if worst == "skip" else worst

    @property
    def failed_checks(self) -> list[CheckResult]:
        return [c for c in self.checks if c.status in ("fail", "error")]

    @property
    def first_problem(self) -> str:
        """The one line a class table shows for this student: the error, else the first failing check's reason."""
        return self.error or next((c.message for c in self.failed_checks), "")

    def to_dict(self) -> dict:
        d = asdict(self)
        for run in d["runs"]:  # curves live in the cache and the HTML; keep results.json readable
            run["result"] = _summary(run["result"])
            run["reference"] = None
            if run["evidence"]:  # the logged curves and counterfactual reruns live in the HTML
                run["evidence"] = {k: run["evidence"].get(k) for k in ("parts_at", "summary")}
        for check, (points, max_points) in zip(d["checks"], self.scaled(), strict=True):
            check.update(raw_points=check["points"], raw_max_points=check["max_points"], points=points,
                         max_points=max_points)  # fmt: skip
        return {**d, "total": self.total, "possible": self.possible, "percent": self.percent, "verdict": self.verdict}

    def to_gradescope(self) -> dict:
        """Gradescope's autograder results.json: per-test scores on the rubric total's scale, adding up to
        the top-level score; the tests' max_score values add up to the rubric total."""
        tests = [{"name": c.title, "score": p, "max_score": m,
                  "status": "passed" if c.status in ("pass", "skip") else "failed",
                  "output": _output(c), "visibility": "visible"}
                 for c, (p, m) in zip(self.checks, self.scaled(), strict=True)]  # fmt: skip
        accs = [r.result["final"]["test_accuracy"] for r in self.runs
                if r.kind == "train" and r.result and r.result["final"]]  # fmt: skip
        best = round(max(accs), 4) if accs else 0
        result = {"score": self.total, "execution_time": round(self.execution_time, 2), "tests": tests,
                  "leaderboard": [{"name": "Final test accuracy", "value": best}]}  # fmt: skip
        if self.error:
            result["output"] = self.error
        return result


def _apportion(values: list[float], total: float) -> list[float]:
    """Round `values` (which sum to `total`) to 0.01 so that they still sum to `total` (largest remainders)."""
    cents = [v * 100 for v in values]
    out = [math.floor(c + 1e-9) for c in cents]
    short = round(total * 100) - sum(out)
    for i in sorted(range(len(cents)), key=lambda i: out[i] - cents[i])[: max(short, 0)]:
        out[i] += 1
    return [c / 100 for c in out]


def _summary(result: dict | None) -> dict | None:
    if result is None:
        return None
    keep = ("final", "best", "diverged", "suggestions", "meta", "epochs")
    return {k: result[k] for k in keep if k in result}


def _output(c: CheckResult) -> str:
    """A check's text for Gradescope: the message, its figures and the likely cause, if diagnosed."""
    parts = [c.message]
    figures = [f"{k} {_figure(v)}" for k, v in (("claimed", c.claimed), ("rerun", c.rerun),
                                               ("reference", c.reference)) if v is not None]  # fmt: skip
    if c.tolerance is not None:
        figures.append(f"tolerance {_figure(c.tolerance)} {c.unit}".rstrip())
    if c.distance is not None:
        figures.append(f"distance {_figure(c.distance)} {c.unit}".rstrip())
    if figures:
        parts.append("(" + "; ".join(figures) + ")")
    if c.diagnosis:
        parts.append(f"Likely cause: {c.diagnosis.get('cause', '?')}.")
    return " ".join(parts)


def _figure(v: Value) -> str:
    return ", ".join(f"{x:.4g}" for x in v) if isinstance(v, list | tuple) else f"{v:.4g}"


@dataclass
class ClassResult:
    assignment: dict
    students: list[StudentResult]
    meta: dict  # package/torch versions, device, quick mode, wall time, cache hits

    def __post_init__(self) -> None:
        total = float(self.assignment.get("total_points", DEFAULT_TOTAL))
        for s in self.students:  # one rubric total for the whole class: every row, report and export agree
            s.total_points = total

    def to_dict(self) -> dict:
        return {"assignment": self.assignment, "meta": self.meta, "students": [s.to_dict() for s in self.students]}
