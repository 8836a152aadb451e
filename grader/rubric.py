"""The rubric: one row per check — its default points, what it compares, the reported figure it judges, and whether a
likely cause may be given for its failures. assignment.toml's `[points]` (grader.schema.Points), the claim checks,
the diagnosable checks and the docs' table are read off it; grader/checks.py pairs each key with its function, in
this order (the order a report lists them)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    points: float  # default rubric points (assignment.toml [points] overrides)
    doc: str  # what it compares
    claim: str | None = None  # the reported figure it judges: "lr", "test_accuracy" or "test_loss"
    diagnosable: bool = False  # a likely cause may be given for its failures (grader.diagnoses)
    # its WARN that costs nothing says something of the config, not of the submission (a chaotic config): a note,
    # shown where the check is, that sets neither the verdict nor the first problem (grader.results CheckResult.note)
    about_config: bool = False


RUBRIC: dict[str, Check] = {
    "config": Check(1.0, "valid, and within the assignment's allowed space"),
    "lr_claim": Check(
        2.0,
        "claimed LR vs the student's rule applied to the rerun's sweep, or to the committed "
        "seeds' sweeps of the same config (decades)",
        "lr",
        True,
    ),  # fmt: skip
    "accuracy_claim": Check(
        2.0,
        "claimed final test accuracy vs the rerun, or the committed seeds of the same config",
        "test_accuracy",
        True,
    ),  # fmt: skip
    "loss_claim": Check(
        1.0, "claimed final test loss vs the rerun, or the committed seeds of the same config", "test_loss", True
    ),  # fmt: skip
    "reproducible": Check(
        0.0,
        "a nudged twin of each rerun: does its outcome belong to the config? (it marks chaotic "
        "reruns, whose metric checks then get partial credit)",
        about_config=True,
    ),  # fmt: skip
    "baseline": Check(
        2.0, "the rerun's test accuracy vs the committed reference of its config at the same epoch", diagnosable=True
    ),  # fmt: skip
    "plausibility": Check(1.0, "figures no rerun or reference gets near", diagnosable=True),
    "logs": Check(
        0.0,
        "the student's own logs vs the rerun, within the seed noise of the config (docs/evidence.md)",
        diagnosable=True,
    ),  # fmt: skip
}

CLAIM_CHECKS = tuple(k for k, c in RUBRIC.items() if c.claim)  # checks of a figure the student reported
FINAL_METRIC_CHECKS = tuple(k for k, c in RUBRIC.items() if c.claim in ("test_accuracy", "test_loss"))
DIAGNOSED = tuple(k for k, c in RUBRIC.items() if c.diagnosable)
ABOUT_CONFIG = tuple(k for k, c in RUBRIC.items() if c.about_config)
