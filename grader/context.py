"""Context: what every check sees of one submission (its reruns, probe twins, logs, baselines); below the checks,
the evidence and the diagnoses, which all read it, so none of them imports another for it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from grader.plan import Conditions, PlannedRun
from grader.runner import Outcome
from grader.schema import Assignment, Submission


def baseline_entry(baseline: dict | None, config) -> tuple[str, dict] | None:
    """The reference run with the same optimizer and scheduler, else the optimizer at a constant LR."""
    runs = (baseline or {}).get("runs", {})
    for name in (f"{config.optimizer}-{config.schedule.name}", f"{config.optimizer}-constant"):
        if name in runs:
            return name, runs[name]
    return None


@dataclass
class Context:
    sub: Submission
    assignment: Assignment
    runs: list[tuple[PlannedRun, Outcome]]
    baseline: dict | None  # reference/baselines/<dataset>.json, when committed
    quick: bool
    n_test: int  # test-set size, for the binomial floor of accuracy tolerances
    probes: dict[str, Outcome] = field(default_factory=dict)  # training run name → its nudged twin's outcome
    logs: dict = field(default_factory=dict)  # run name → its grader.evidence.Logs, or why they can't be used
    claim_baseline: dict | None = None  # the committed baseline of the data the claims were made on (claimed_on)

    @property
    def cond(self) -> Conditions:
        return Conditions.of(self.sub, self.assignment)

    @property
    def tol(self):
        return self.assignment.tolerances

    def of_kind(self, kind: str) -> list[tuple[PlannedRun, Outcome]]:
        return [(p, o) for p, o in self.runs if p.kind == kind]

    def baseline_run(self, p: PlannedRun) -> tuple[str, dict] | None:
        return baseline_entry(self.baseline, p.config)

    def drift(self, p: PlannedRun, o: Outcome) -> tuple[float, int] | None:
        """How far the probe twin's train loss strays from the rerun's (largest relative difference) over the
        twin's steps; infinite when only one of them diverges there. None without both curves."""
        twin = self.probes.get(p.name)
        if twin is None or twin.result is None or o.result is None:
            return None
        a, b = o.result["train_loss"], twin.result["train_loss"]
        if (twin.result["diverged"] and len(a) > len(b)) or (o.result["diverged"] and len(a) < len(b)):
            return math.inf, min(len(a), len(b))
        # over `probe_epochs` passes over the data (what chaos_drift was measured on), however long the epochs
        train_size = o.result.get("meta", {}).get("train_size")
        window = self.tol.probe_epochs * math.ceil(train_size / p.config.batch_size) if train_size else len(a)
        n = min(len(a), len(b), window)
        return max((abs(x - y) / max(abs(x), 1e-12) for x, y in zip(a[:n], b[:n], strict=True)), default=0.0), n

    def chaotic(self, p: PlannedRun, o: Outcome) -> bool:
        d = self.drift(p, o)
        return d is not None and d[0] > self.tol.chaos_drift
