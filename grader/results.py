"""One results object per student and per class; JSON out (also Gradescope's format), never pickles."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

Status = Literal["pass", "warn", "fail", "error", "skip"]
STATUS_ORDER = ("skip", "pass", "warn", "fail", "error")  # worst last; a skipped check never sets the verdict


@dataclass
class CheckResult:
    """A check's verdict on one subject (a run, a range test or the whole submission)."""

    check: str  # key in grader.checks.CHECKS
    subject: str  # e.g. "sgd-lambda", or "submission"
    status: Status
    message: str  # one sentence: what was compared and why it passed or not
    expected: float | str | None = None
    observed: float | str | None = None
    tolerance: float | str | None = None
    distance: str | None = None  # "z = +1.3" or "0.21 decades"
    points: float = 0.0
    max_points: float = 0.0

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


@dataclass
class StudentResult:
    id: str
    name: str
    folder: str
    status: Literal["graded", "error"] = "graded"
    error: str | None = None  # one line, when the submission could not be graded at all
    checks: list[CheckResult] = field(default_factory=list)
    runs: list[RunRecord] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    execution_time: float = 0.0

    @classmethod
    def failed(cls, id: str, folder: str, message: str, possible: float = 0.0) -> StudentResult:
        """A submission that could not be read or planned: a result with one clear line, not an exception."""
        check = CheckResult("config", "submission", "error", message, points=0.0, max_points=possible)
        return cls(id=id, name=id, folder=folder, status="error", error=message, checks=[check])

    @property
    def total(self) -> float:
        return round(sum(c.points for c in self.checks), 2)

    @property
    def possible(self) -> float:
        return round(sum(c.max_points for c in self.checks), 2)

    @property
    def percent(self) -> float:
        return round(100 * self.total / self.possible, 1) if self.possible else 0.0

    @property
    def verdict(self) -> Status:
        statuses = [c.status for c in self.checks] or ["error"]
        return max(statuses, key=STATUS_ORDER.index)

    @property
    def failed_checks(self) -> list[CheckResult]:
        return [c for c in self.checks if c.status in ("fail", "error")]

    def to_dict(self) -> dict:
        d = asdict(self)
        for run in d["runs"]:  # curves live in the cache and the HTML; keep results.json readable
            run["result"] = _summary(run["result"])
            run["reference"] = None
        return {**d, "total": self.total, "possible": self.possible, "percent": self.percent, "verdict": self.verdict}

    def to_gradescope(self) -> dict:
        """Gradescope's autograder results.json."""
        tests = [{"name": c.title, "score": c.points, "max_score": c.max_points,
                  "status": "passed" if c.status in ("pass", "skip") else "failed",
                  "output": _output(c), "visibility": "visible"} for c in self.checks]  # fmt: skip
        accs = [r.result["final"]["test_accuracy"] for r in self.runs
                if r.kind == "train" and r.result and r.result["final"]]  # fmt: skip
        best = round(max(accs), 4) if accs else 0
        result = {"score": self.total, "execution_time": round(self.execution_time, 2), "tests": tests,
                  "leaderboard": [{"name": "Final test accuracy", "value": best}]}  # fmt: skip
        if self.error:
            result["output"] = self.error
        return result


def _summary(result: dict | None) -> dict | None:
    if result is None:
        return None
    keep = ("final", "best", "diverged", "suggestions", "meta", "epochs")
    return {k: result[k] for k in keep if k in result}


def _output(c: CheckResult) -> str:
    parts = [c.message]
    if c.expected is not None:
        parts.append(f"expected {c.expected}, observed {c.observed}, tolerance {c.tolerance}"
                     + (f" ({c.distance})" if c.distance else ""))  # fmt: skip
    return " ".join(parts)


@dataclass
class ClassResult:
    assignment: dict
    students: list[StudentResult]
    meta: dict  # package/torch versions, device, quick mode, wall time, cache hits

    def to_dict(self) -> dict:
        return {"assignment": self.assignment, "meta": self.meta, "students": [s.to_dict() for s in self.students]}
