"""One results object per student and per class; JSON out (also Gradescope's format), never pickles."""

from __future__ import annotations

import math
import re
from dataclasses import KW_ONLY, asdict, dataclass, field
from typing import Literal

from grader.rubric import ABOUT_CONFIG, CLAIM_CHECKS, FINAL_METRIC_CHECKS

ID_CONFLICT = "id conflict: "  # starts the warning of a folder whose [student] id another folder's is (grader.load)

Status = Literal["pass", "warn", "fail", "error", "skip"]
STATUS_ORDER = ("skip", "pass", "warn", "fail", "error")  # worst last; a skipped check never sets the verdict
Verdict = Literal["pass", "warn", "unverified", "fail", "error"]
VERDICT_ORDER = ("pass", "warn", "unverified", "fail", "error")  # the class table's order
UNVERIFIED_BELOW = 0.5  # a submission with fewer of its claims checked than this share is UNVERIFIED, not PASS
DEFAULT_TOTAL = 100.0  # the rubric total when no assignment says otherwise (schema.Assignment.total_points)


Value = float | list[float] | None  # one figure, or several (an LR interval, two LRs)


@dataclass(frozen=True)
class CheckResult:
    """A check's verdict on one subject (a run, a range test or the whole submission).

    The figures have one meaning in every check: `claimed` is what the student reported, `rerun` what the
    grader's rerun gave, `reference` what the committed reference baseline gives; `distance` is how far the
    compared figures are apart and `tolerance` how far they may be, both in `unit`; `origin` says where the
    tolerance comes from. A column that does not apply to a check is None."""

    check: str  # key in grader.rubric.RUBRIC
    subject: str  # e.g. "sgd-lambda", or "submission"
    status: Status
    message: str  # one sentence: what was compared and why it passed or not
    _: KW_ONLY
    claimed: Value = None
    logged: Value = None  # the student's own log's figure, where the claim was judged against the log (issue 21)
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
    why: str | None = None  # why it is pending, machine-readable: "quick" (the full grade checks it), "data:<dataset>"
    # (claimed on that dataset: a grade on it checks it), "reference" (no comparable committed reference), "review"
    # (no rerun decides it: by hand, against the run's logs), "deferred" (an upload grade's time budget left its rerun
    # to the instructor's full grade), "chaotic" (a chaotic rerun missed the claim: by hand), "lr" (a baseline shortfall
    # against a reference at another LR only: the LR's or the run's, no committed run tells), "unclaimed" (a claim the
    # assignment asks for, not stated), "unwritten" (a figure read from a log the rerun does not bear out), "legacy" (a
    # section the assignment requires that a course config.py, one config, cannot hold), "unseeded" (an [[auto]] run
    # without a seed: a rerun of another seed is no evidence, and no committed seeds measure its spread), "stream" (a
    # seeded [[auto]] run whose rerun of that seed misses the claim: the seed may be another script's, another random
    # stream), "auto-quick" (a seeded [[auto]] run cut short: the full grade passes only what that seed's rerun
    # reproduces), "high-lr" (a final-metric claim of a run past 6× the committed LR that its rerun misses: no
    # committed seeds measure the spread there, grader.checks._unmeasured_lr); see `pending_lines`
    diagnosis: dict | None = None  # likely cause of a failure: {cause, evidence, confidence, confirmed}
    read: bool = False  # the claim was not written but read from the run's own log: checking it checks the log
    review: dict | None = None  # the instructor's decision on its pending points (reviews.toml, grader.reviews):
    # {"award": "all" | "none" | fraction, "note", "pending": the raw points it decided}; then pending is 0, its points
    # include those given, `why` still says why it had been pending, and the message ends "Reviewed by hand …"

    @property
    def title(self) -> str:
        return f"{self.check}: {self.subject}"

    @property
    def reviewed(self) -> bool:
        """Its pending points were decided by hand (reviews.toml): no longer pending anywhere."""
        return self.review is not None

    @property
    def not_checked(self) -> bool:
        """Nothing given here and points pending: a report shows it as NOT CHECKED (a check partly given and partly
        pending, a chaotic rerun's miss, shows its own status)."""
        return bool(self.pending) and not self.max_points

    @property
    def note(self) -> bool:
        """A WARN that cost nothing and says something of the config, not of the submission (the 0-point reproducible
        check of a chaotic config: the faithful [[auto]] rule always is): a report shows it as a NOTE, and it sets
        neither the verdict nor the first problem. One that cost points (a chaotic rerun's metric checks, partial
        credit; a reproducible check given points) still does."""
        return (self.check in ABOUT_CONFIG and self.status == "warn" and not self.pending
                and self.points >= self.max_points)  # fmt: skip


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
    seeds: str | None = None  # not rerun: judged against the committed seeds of its exact config (grader.context.Seeds)
    deferred: str | None = None  # not rerun, and why: an upload grade's budget (issue 22), a quick grade's idle sweep
    seed_given: bool = True  # the submission set this run's seed (else the rerun's is the default, not the student's)


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

    def pending_shares(self) -> list[float]:
        """Each check's pending points on the rubric total's scale: the pending part of its maximum (all of it for a
        check not checked here; the rest of a check partly given, such as a chaotic rerun's miss)."""
        return [pending_share(c, m) for c, (_, m) in zip(self.checks, self.scaled(), strict=True)]

    @property
    def pending(self) -> float:
        """Points of the total this grade could not check (on the rubric total's scale): earned + lost + pending is
        the total."""
        return round(sum(self.pending_shares()), 2)

    @property
    def checked(self) -> float:
        """Points of the total this grade checked: the score is earned out of these plus the pending ones."""
        return round(self.total_points - self.pending, 2) if self.raw_possible > 0 else 0.0

    @property
    def lost(self) -> float:
        """Points of those checked that were not earned (failures, partial credit)."""
        return round(max(self.checked - self.total, 0.0), 2)

    @property
    def percent(self) -> float:
        return round(100 * self.total / self.total_points, 1) if self.total_points else 0.0

    @property
    def claims(self) -> tuple[int, int]:
        """(claims checked, claims made): the reported figures (LR, accuracy, loss) this grade could judge."""
        made = [c for c in self.checks if c.check in CLAIM_CHECKS and (c.claimed is not None or
                                                                       c.why == "unsupported")]  # fmt: skip
        return sum(c.status in ("pass", "warn", "fail", "error") for c in made), len(made)

    @property
    def verdict(self) -> Verdict:
        """The worst check's status, a note aside (`CheckResult.note`: a chaotic config's 0-point warning is no fault
        of the submission); but a submission that passes while most of its claims could not be checked
        is UNVERIFIED: nothing failed, and too little was checked to call it a pass. So is one that states no
        claimed figure at all while it has sweeps or runs to claim them of: a PASS would check nothing it reported."""
        statuses = [c.status for c in self.checks if not c.note] or ["skip" if self.checks else "error"]
        worst = max(statuses, key=STATUS_ORDER.index)
        checked, made = self.claims
        expected = made + self.unstated  # claims made, and those the assignment asks for that were left out
        enough = checked >= UNVERIFIED_BELOW * expected if expected else not self.claimless
        if worst in ("pass", "warn", "skip") and not enough:
            return "unverified"
        return "pass" if worst == "skip" else worst

    @property
    def unstated(self) -> int:
        """Claims the assignment asks for that the submission leaves out (a sweep's pick, a judged run's figures)."""
        return sum(c.why == "unclaimed" for c in self.checks)

    @property
    def claimless(self) -> bool:
        """A graded submission with sweeps or training runs that states no figure of them (no claimed LR, accuracy
        or loss, none read from its logs): its verdict can only say what ran, not that what it reported holds."""
        return self.status != "error" and bool(self.runs) and not self.claims[1]

    @property
    def failed_checks(self) -> list[CheckResult]:
        return [c for c in self.checks if c.status in ("fail", "error")]

    @property
    def first_problem(self) -> str:
        """The one line a class table shows for this student: the error, else the first failing check's reason, else
        (a WARN) the first warning's, a note aside (it is no problem of the submission: its report shows it), else
        its id claimed by another folder too (`ID_CONFLICT`: the instructor's to sort out, examiner probe 38). A check
        decided by hand (reviews.toml) comes after every failing one the grader decided (examiner probe 39)."""
        failed = sorted(self.failed_checks, key=lambda c: c.reviewed)  # stable: the checks' order otherwise
        warned = sorted((c for c in self.checks if c.status == "warn" and not c.note), key=lambda c: c.reviewed)
        return (self.error or next((c.message for c in failed), "") or next((c.message for c in warned), "")
                or self.id_conflict)  # fmt: skip

    @property
    def id_conflict(self) -> str:
        """Its warning that its [student] id is another submission's (grader.load), without the marker; "" if none."""
        return next((w.removeprefix(ID_CONFLICT) for w in self.warnings if w.startswith(ID_CONFLICT)), "")

    def to_dict(self) -> dict:
        d = asdict(self)
        for run in d["runs"]:  # curves live in the cache and the HTML; keep results.json readable
            run["result"] = _summary(run["result"])
            run["reference"] = None
            if run["evidence"]:  # the logged curves and counterfactual reruns live in the HTML
                run["evidence"] = {k: run["evidence"].get(k) for k in ("parts_at", "summary")}
        for check, (points, max_points), pending in zip(d["checks"], self.scaled(), self.pending_shares(), strict=True):
            check.update(raw_points=check["points"], raw_max_points=check["max_points"], raw_pending=check["pending"],
                         points=points, max_points=max_points, pending=pending,
                         why=check["why"] if check["pending"] or check["review"] else None)  # fmt: skip
        checked, made = self.claims
        return {**d, "total": self.total, "possible": self.possible, "percent": self.percent, "verdict": self.verdict,
                "pending": self.pending, "checked": self.checked, "claims_checked": checked, "claims_made": made,
                "claims_unstated": self.unstated, "coverage": self.coverage,
                "unchecked_reason": self.unchecked_reason}  # fmt: skip

    @property
    def dataset(self) -> str | None:
        """The data the reruns ran on, when they all ran on one dataset."""
        found = {r.config.get("dataset") for r in self.runs} - {None}
        return found.pop() if len(found) == 1 else None

    @property
    def coverage(self) -> str:
        """One line: how many claims were checked, and how many points of the total are pending."""
        if self.status == "error":
            return "nothing checked: the submission could not be graded"
        checked, made = self.claims
        on = f" on {self.dataset}" if self.dataset else ""
        claims = (
            f"{checked} of {made} claims checked{on}" if made else "no claim checked"
        )  # (a refused entry's are unread)
        if read := sum(c.read and c.status != "skip" for c in self.checks):  # not written: the log's figures
            claims += f" ({read} of them read from the logs, not written: checked as their logs are)"
        if self.unstated:
            claims += (f", {self.unstated} more the assignment asks for not stated" if made else
                       f" ({self.unstated} the assignment asks for, none stated)")  # fmt: skip
        if self.claimless:
            claims += ": nothing this submission reported was checked (it states no claimed LR, test accuracy or loss)"
        refused = sum(c.check in CLAIM_CHECKS and c.message.startswith("Not checked: the config check refuses")
                      for c in self.checks)  # fmt: skip
        if refused and not made:  # examiner probe 25: "no claim checked; all 100 points checked" of a refused run
            claims += f" ({refused} stated in entries the config check refused: not earned)"
        hand = f"; {_plural(n, 'check')} reviewed by hand" if (n := sum(c.reviewed for c in self.checks)) else ""
        if self.pending:
            return (f"{claims}; {self.pending:g} of {self.total_points:g} points pending (neither earned nor lost "
                    f"here){hand}")  # fmt: skip
        done = "checked" if made else "decided (by the config and the other checks)"
        return f"{claims}; all {self.total_points:g} points {done}{hand}" if self.raw_possible > 0 else claims + hand

    @property
    def unchecked_reason(self) -> str:
        """One line: what would check what this grade could not ("" when it checked everything)."""
        return self.unchecked()

    def unchecked(self, command: str | None = None) -> str:
        """`unchecked_reason`, extending `command` (a self-check's command line) where one is given."""
        return "; ".join(pending_lines([self], command, self.dataset))

    def to_gradescope(self, visibility: dict[str, str] | None = None) -> dict:
        """Gradescope's autograder results.json: per-test scores on the rubric total's scale, adding up to
        the top-level score; the tests' max_score values add up to the rubric total. `visibility`: per check key
        (assignment.toml [autograder]), else visible."""
        tests = [_test(c, p, m, (visibility or {}).get(c.check, "visible"))
                 for c, (p, m) in zip(self.checks, self.scaled(), strict=True)]  # fmt: skip
        held = withheld(self.checks, visibility)
        result = {"score": self.total, "execution_time": round(self.execution_time, 2),
                  "output": withheld_line(held) if held else self.summary, "output_format": "text",
                  "tests": tests}  # fmt: skip
        # the leaderboard shows every student the best rerun's test accuracy: a withheld accuracy check's figure
        board = [] if held.keys() & LEADERBOARD_CHECKS else self.leaderboard()
        return {**result, "leaderboard": board} if board else result

    def leaderboard(self) -> list[dict]:
        """Gradescope's leaderboard: the best rerun's final test accuracy, where every train rerun ran all its
        epochs; none where a rerun was cut short (a quick grade: an accuracy at epoch 3 ranks schedules' early epochs,
        not results — an honest OneCycle run sat at 0.675 there, examiner probe 23) or no train run was rerun to an
        accuracy (deferred, judged against seeds, errored or diverged)."""
        ran = [(r.result["final"]["epoch"], r.config.get("epochs"), r.result["final"]["test_accuracy"])
               for r in self.runs if r.kind == "train" and r.result and r.result.get("final")
               and not r.result.get("diverged")]  # fmt: skip
        if any(epochs and epoch < epochs for epoch, epochs, _ in ran):
            return []
        accs = [a for *_, a in ran]
        return [{"name": "Final test accuracy", "value": round(max(accs), 4)}] if accs else []

    @property
    def summary(self) -> str:
        """The verdict, what was checked and what would check the rest, in a few sentences."""
        out = f"Verdict: {self.verdict.upper()}. {self.coverage[0].upper()}{self.coverage[1:]}."
        if self.unchecked_reason:
            out += f" What would check the rest: {self.unchecked_reason}."
        return f"{self.error}\n\n{out}" if self.error else out

    def to_prairielearn(self) -> dict:
        """PrairieLearn's external-grading results.json: score = earned / possible (0–1), points on every test (out
        of the part of its share checked here); a submission that could not be read is `gradable: false` (the
        student keeps the attempt)."""
        if self.status == "error":
            return {"gradable": False, "score": 0.0, "format_errors": [self.error or "could not be read"],
                    "message": self.summary}  # fmt: skip
        # PrairieLearn marks a test correct (a green check) only where points == max_points, else a red cross: a
        # test's max_points is the part of its share checked here, so a pending part (neither earned nor lost) is
        # no cross; the message says what is pending, and `score` stays out of the rubric total
        tests = [{"name": _name(c), "points": p, "max_points": round(m - q, 2),
                  "message": (_pending_prefix(c) if is_unchecked(c) else "") + _output(c)}
                 for c, (p, m), q in zip(self.checks, self.scaled(), self.pending_shares(), strict=True)]  # fmt: skip
        score = round(self.total / self.total_points, 4) if self.total_points else 0.0
        return {"gradable": True, "score": min(max(score, 0.0), 1.0), "message": self.summary, "tests": tests}


LEADERBOARD_CHECKS = ("accuracy_claim", "baseline")  # checks whose figure is the leaderboard's rerun test accuracy
WHEN = {"hidden": "never shown", "after_due_date": "shown after the due date",
        "after_published": "shown when grades are published"}  # fmt: skip


def withheld(checks: list[CheckResult], visibility: dict[str, str] | None) -> dict[str, str]:
    """{check key: its Gradescope visibility} of `checks` not shown to the student now ([autograder] visibility)."""
    return {c.check: v for c in checks if (v := (visibility or {}).get(c.check, "visible")) != "visible"}


def withheld_line(held: dict[str, str]) -> str:
    """What a student-visible summary says in place of the verdict and the total when checks are withheld."""
    which = "; ".join(f"{k} ({WHEN[v]})" for k, v in held.items())
    return (f"Some checks are withheld: {which}. This summary leaves them out, and with them the verdict and the "
            "total score, which depend on them.")  # fmt: skip


def pending_share(c: CheckResult, scaled_max: float) -> float:
    """Check `c`'s pending points on the scale of its `scaled_max`: the rest of it beyond the part checked (no
    rounding crumbs: earned + lost + pending is the maximum)."""
    return round(scaled_max - round(scaled_max * c.max_points / (c.max_points + c.pending), 2), 2) if c.pending else 0.0


def _name(c: CheckResult) -> str:
    return f"{c.check} · {c.subject}" + (" (not checked here)" if is_unchecked(c) else "")


def _test(c: CheckResult, points: float, max_points: float, visibility: str = "visible") -> dict:
    """A check as a Gradescope test. Gradescope marks a test without a `status` passing only at full marks and
    failing below them ("Test case status" in its autograder specification), so a check that lost nothing but
    has points pending (not checked here: quick mode, other data, a chaotic rerun, a claim not stated, …) would be
    a red failed test for an honest student: it is "passed" — nothing checked here failed — with its score (0, or
    the part given) out of its whole share, and its name and output say it was not checked ("(not checked here)",
    "Not checked here: …"). A warning that cost nothing has full marks and no status, its output starting "Warning
    (nothing deducted):", or "Note (nothing deducted):" for a note (`CheckResult.note`: the 0-point reproducible check
    of a chaotic config). Only a check that lost points (a
    failure, an error, partial credit) is "failed". The figures go to `extra_data` as they are."""
    figures = ("check", "subject", "status", "claimed", "logged", "rerun", "reference", "tolerance", "distance", "unit",
               "why")  # fmt: skip
    test = {"name": _name(c), "score": points, "max_score": max_points, "output": _output(c), "visibility": visibility,
            "output_format": "text",  # the student's own names and figures are in it: never rendered as Markdown/HTML
            "extra_data": {k: getattr(c, k) for k in figures}}  # fmt: skip
    lost = _lost(c)
    if is_unchecked(c):
        test["output"] = _pending_prefix(c) + test["output"]
        test["status"] = "failed" if lost else "passed"
    elif c.status == "warn" and not lost:
        test["output"] = ("Note" if c.note else "Warning") + " (nothing deducted): " + test["output"]
    elif c.status != "skip":
        test["status"] = "passed" if c.status == "pass" else "failed"
    return test


def _lost(c: CheckResult) -> bool:
    """Whether check `c` cost points: a failure, an error, or partial credit of its checked part."""
    return c.status in ("fail", "error") or c.points < c.max_points


def _pending_prefix(c: CheckResult) -> str:
    """How a platform's test of an unchecked check starts: pending, and whether anything was deducted besides (it
    said "Not checked here: Not judged: …" — examiner probe 42)."""
    return "Pending review, partly deducted: " if _lost(c) else "Pending review (nothing deducted): "


def is_unchecked(c: CheckResult) -> bool:
    """Points at stake that this grade could not check, or a claim it could not judge."""
    return c.pending > 0 or (c.status == "skip" and c.check in CLAIM_CHECKS and c.claimed is not None)


def reason(c: CheckResult) -> str:
    """Why `c` is unchecked: its `why`, else read from its message (results written before `why` existed)."""
    if c.why:
        return c.why
    if "quick" in c.message.lower():
        return "quick"
    found = re.search(r"claimed on ([a-z0-9][\w-]*(?:\.[\w-]+)*)", c.message)
    return f"data:{found.group(1)}" if found else "review"


def _count(checks: list[CheckResult]) -> str:
    """ "3 final-metric claims and 1 baseline comparison" """
    claims = [c for c in checks if c.check in CLAIM_CHECKS]
    others = [c for c in checks if c.check not in CLAIM_CHECKS]
    parts = []
    if claims:
        noun = ("final-metric claim" if all(c.check in FINAL_METRIC_CHECKS for c in claims) else
                "LR claim" if all(c.check == "lr_claim" for c in claims) else "claim")  # fmt: skip
        parts.append(_plural(len(claims), noun))
    if others:
        parts.append(_plural(len(others), "baseline comparison" if all(c.check == "baseline" for c in others)
                             else "check"))  # fmt: skip
    return " and ".join(parts)


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


# Why a check's points are pending (CheckResult.why) → (the place of its line among a grade's, and the line: {n} is
# how many checks wait for it). "quick" and "data:<dataset>" name the command that checks them (`_line`).
REASONS: dict[str, tuple[int, str]] = {
    "deferred": (0, "upload grade's time budget: {n} pending — their reruns did not fit; the instructor's full grade "
                    "checks them"),
    "timeout": (0, "reruns stopped at the time limit: {n} pending — a grade with a larger time_limit_s "
                   "(assignment.toml), or on a faster or less busy machine, checks them"),
    "unclaimed": (1, "claims not stated: {n} pending — the assignment asks for each sweep's picked LR (claimed_lr) and "
                     "the final test accuracy and loss (claimed_test_accuracy, claimed_test_loss) of each run a "
                     "submission stands by (its baseline carries points); state them in submission.toml (a legacy "
                     "config.py holds none: write it as a submission.toml), or hand in the runs' logs "
                     "(docs/evidence.md), from which they are read"),
    "unsupported": (1, "entries the grader cannot rerun as written: {n} pending — a schedule no schedule of the "
                       "grader's expresses (a cosine period shorter than the run, a linear OneCycle anneal, "
                       "ReduceLROnPlateau, an lr_lambda it cannot tabulate), or an entry trained on another number "
                       "of processes than [setup] states; each entry's line says which: review by hand against the "
                       "run's logs, or state the schedule as the grader's (a table of factors)"),
    "legacy": (1, "sections a course config.py cannot hold: {n} pending — a config.py holds one config (a sweep or a "
                  "run), and the assignment requires both: hand in every sweep and run as one submission.toml "
                  "(docs/submission.md), or review the other configs by hand"),
    "unwritten": (2, "figures read from logs the rerun does not bear out: {n} pending — the student wrote none of them "
                     "(they were taken from the run's log), and the logs check says where each log leaves the rerun "
                     "and why where it can; review by hand, or state the figure in submission.toml to have it judged"),
    "batch": (2, "runs whose logs show another batch than the stated one: {n} pending — each log is the claimed config "
                 "at N× the stated batch_size (N× fewer steps an epoch: N processes, each with the stated batch, as "
                 "DDP's per-process DataLoader gives), so no rerun at the stated batch checks its claims; state the "
                 "global batch (batch_size = N × the per-process batch, [setup]) to have them rerun as they ran, or "
                 "review by hand against the logs"),
    "reference": (2, "no comparable committed reference: {n} pending — no committed reference run meets the run's "
                     "dataset, optimizer, input and length; a reference of that config (`reference baselines`, where "
                     "a protocol covers it) or a review by hand against the report's curves settles them"),
    "lr": (2, "runs at another LR, optimizer setting or scheduler than the reference's: {n} pending — each falls short "
              "of (or diverges against) a committed reference that differs from it only in the student's choices (the "
              "LR: a rule's pick, a cautious half of it; the optimizer's settings: a weight decay, a momentum; the "
              "scheduler: another one, a gamma, a step size), which a run with "
              "other choices may do by design. Review by hand in its report (the run's curve beside the reference's): "
              "points are the instructor's to give where it trains as a run with its choices can, e.g. smoothly to a "
              "plateau"),
    "chaotic": (3, "chaotic reruns: {n} pending — rounding alone moves these runs' figures (the reproducible check): a "
                   "rerun confirms a claim only where it lands near it (the full grade's rerun of the whole run tries: "
                   "`--full`; a rerun of the student's own seed on the same engine often lands on it), and one that "
                   "misses is no evidence against it: review by hand, against the run's logs where they were handed "
                   "in"),
    "unseeded": (3, "automated-scheduler runs without a seed: {n} pending — runs at different seeds end far apart "
                    "(no committed seeds measure how far): a rerun at another seed is no evidence. Hand in the run's "
                    "logs (they decide: docs/evidence.md); a stated seed reproduces a run only where it was trained "
                    "with this package's engine (`reference train --scheduler auto --seed N` with the entry's own "
                    "optimizer, LR, factors and epochs)"),
    "stream": (3, "automated-scheduler runs whose stated seed's rerun misses the claim: {n} pending — the seed may "
                  "be another training script's (another random stream), and such runs end far apart. Hand in the "
                  "run's logs (they decide: docs/evidence.md); a stated seed reproduces a run only where it was "
                  "trained with this package's engine (`reference train --scheduler auto --seed N` with the entry's "
                  "own optimizer, LR, factors and epochs)"),
    "auto-quick": (3, "automated-scheduler runs cut short: {n} pending — the full grade passes a claim only where the "
                      "rerun of the stated seed reproduces it; a seed of the student's own training script is another "
                      "random stream, whose claims stay pending there too. Hand in the run's logs (they decide: "
                      "docs/evidence.md)"),
    "high-lr": (3, "runs at more than 6× the committed LR of their optimizer: {n} pending — no committed seeds measure "
                   "how far runs at such an LR spread, so a rerun that misses a claim is no evidence against it; "
                   "review by hand: the runs' logs (docs/evidence.md) decide them, no points lost"),
    "review": (3, "flagged for review: {n} no rerun decides (e.g. a sweep whose loss still falls at its end has no "
                  "minimum for the claimed rule) — review by hand against the report's curves; hand in the run's logs "
                  "(docs/evidence.md) so the claim is checked against them"),
}  # fmt: skip


UPLOAD = "\0upload"  # `command` of an upload grade (Gradescope, PrairieLearn): the student runs nothing there


def pending_lines(students: list[StudentResult], command: str | None = None, rerun: str | None = None,
                  quick_epochs: int | None = None) -> list[str]:  # fmt: skip
    """One line per reason the students' pending points and unchecked claims were not checked, and what would check
    them: counted over all the students, so a class gets each reason once. `command` (e.g. "grade submissions/"):
    the command line to extend with --full or --data-root; `rerun`: the dataset the reruns ran on."""
    groups: dict[str, list[CheckResult]] = {}
    for s in students:
        for c in s.checks:
            if is_unchecked(c):
                groups.setdefault(reason(c), []).append(c)
    rank = {"quick": 0, **{why: place for why, (place, _) in REASONS.items()}}  # claims on other data ("data:…"): 1
    other = any(why.startswith("data:") for why in groups) or any(  # runs that may keep the claim data's longer epochs
        r.kind == "train" and r.config.get("epoch_steps") for s in students for r in s.runs)  # fmt: skip
    lines = [_line(why, checks, command, rerun, quick_epochs, other)
             for why, checks in sorted(groups.items(), key=lambda kv: (rank.get(kv[0], 1), kv[0]))]  # fmt: skip
    if (n := sum(s.claimless for s in students)) and "unclaimed" not in groups:  # else that line says it
        who = "this submission states none, so no grade can call it" if len(students) == 1 else \
            f"{n} submission(s) state none, so no grade can call them"  # fmt: skip
        lines.insert(0, f"no claimed figure: {who} a PASS (UNVERIFIED at best) — add claimed_lr to each "
                        "[[range_test]] and claimed_test_accuracy / claimed_test_loss to each [[run]] you report (a "
                        "legacy config.py holds none: write it as a submission.toml, docs/submission.md), or hand in "
                        "the runs' logs (docs/evidence.md), from which they are read")  # fmt: skip
    return lines


def _line(
    why: str, checks: list[CheckResult], command: str | None, rerun: str | None, epochs: int | None, other: bool = False
) -> str:
    n = _count(checks)
    if why == "quick":
        cut = f" (training reruns cut to {epochs} epoch{'s' * (epochs != 1)}" if epochs else ""
        if cut and other:  # plan.quick_until (the footer said 3 epochs beside a row "at epoch 1 of 3": probe 10)
            cut += (f"; one that keeps the claim data's longer epochs to as many of them as {epochs} "
                    f"epoch{'s' * (epochs != 1)} of {rerun or 'the rerun data'} take, at least one")  # fmt: skip
        cut += ")" if cut else ""
        todo = ("your instructor's full grade checks them" if command == UPLOAD else
                f"run `{command} --full` to check them" if command else
                "a full grade (`--full`) checks them")  # fmt: skip
        return f"quick mode{cut}: {n} pending — {todo}"
    if why.startswith("data:"):
        data = why.removeprefix("data:")
        on = f" on {rerun}" if rerun else ""
        todo = (f"a grade on {data} itself checks them" if command == UPLOAD else
                f"run `{command} --data-root DIR` with {data} in DIR and dataset = \"{data}\" in assignment.toml"
                if command else f"a grade on {data} itself (`--data-root DIR` with {data}, assignment.toml dataset = "
                f"\"{data}\") checks them")  # fmt: skip
        return f"claimed on {data}: {n} pending{on} — {todo}"
    return REASONS.get(why, REASONS["review"])[1].format(n=n)


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

    def pending_lines(self, command: str | None = None) -> list[str]:
        """What the class's pending points are waiting for, one line per reason (see `pending_lines`)."""
        epochs = self.assignment.get("quick_epochs") if self.meta.get("quick") else None
        return pending_lines(self.students, command, self.assignment.get("dataset"), epochs)

    def to_dict(self) -> dict:
        return {
            "assignment": self.assignment,
            "meta": self.meta,
            "students": [s.to_dict() for s in self.students],
            "pending_lines": self.pending_lines(),
        }
