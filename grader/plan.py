"""Plan: each submission → normalised run configs; identical runs across the class share one cache key."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import reference
from grader.schema import Assignment, AutoClaim, RangeTestClaim, RunClaim, Submission
from reference.config import RunConfig, range_test_config


@dataclass(frozen=True)
class PlannedRun:
    name: str  # the student's label for it
    kind: str  # "range-test" | "train" | "probe" (a training rerun's nudged twin, same name)
    config: RunConfig
    until_epoch: int | None  # quick mode: stop here (an exact prefix of the full run)
    claim: RangeTestClaim | RunClaim | AutoClaim

    def key(self, device: str, engine: str = "sequential") -> str:
        """Content address: normalised config + prefix length + package version + data + device + engine."""
        blob = json.dumps(
            {"config": self.config.model_dump(mode="json"), "until_epoch": self.until_epoch,
             "version": reference.__version__, "dataset": self.config.dataset, "device": device,
             "engine": engine},
            sort_keys=True,
        )  # fmt: skip
        return hashlib.sha256(blob.encode()).hexdigest()[:20]


def _shared(sub: Submission, claim: RangeTestClaim | RunClaim | AutoClaim) -> dict:
    s = sub.setup
    return dict(dataset=s.dataset, model=s.model, activation=s.activation, pooling=s.pooling,
                batch_size=s.batch_size, optimizer=claim.optimizer, momentum=claim.momentum,
                nesterov=claim.nesterov, weight_decay=claim.weight_decay, seed=claim.seed)  # fmt: skip


def plan(sub: Submission, assignment: Assignment, quick: bool) -> list[PlannedRun]:
    """Range tests always run in full (a sweep's pick needs the whole sweep; they are short); training
    runs stop after `quick_epochs` in quick mode and are compared with the reference's matching prefix.
    Each training run has a probe twin: its first `probe_epochs`, initial weights nudged by `probe_nudge`,
    which tells a run whose figures rounding alone would change (grader.checks.check_reproducible)."""
    runs = []
    for rt in sub.range_test:
        cfg = range_test_config(start_lr=rt.start_lr, end_lr=rt.end_lr, shape=rt.shape, epochs=rt.epochs,
                                steps=rt.steps, **_shared(sub, rt))  # fmt: skip
        runs.append(PlannedRun(rt.name, "range-test", cfg, None, rt))
    for r in [*sub.run, *sub.auto]:  # [[auto]]: a training run whose schedule is "auto" / "auto-corrected"
        cfg = RunConfig(lr=r.lr, schedule=r.schedule, epochs=r.epochs, **_shared(sub, r))
        until = min(assignment.quick_epochs, r.epochs) if quick else None
        runs.append(PlannedRun(r.name, "train", cfg, until, r))
        if probe := assignment.tolerances.probe_epochs:
            twin = cfg.model_copy(update={"init_nudge": assignment.tolerances.probe_nudge})
            runs.append(PlannedRun(r.name, "probe", twin, min(probe, until or r.epochs), r))
    return runs
