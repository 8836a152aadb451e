"""Examiner probe 42: what the grader tells honest students about runs past TEST_SOONER_MAX× the committed LR (the ×10
"control runs"), and how a logs row words what it compared.

- M2: a claim of such a run was told "allowed ±2.6σ" and "Only an error ≥ 4.3 pp is flagged 95 % of the time", where
  every miss only goes to review (0 points lost): no error is ever flagged there.
- M3: a log compared with the rerun on its LR table alone (a function of the config: any log of it has it) passed the
  claim "judged against your own log", where the same claim without the log was judged against the rerun; and quick
  mode promised that the full grade "compares the log's epoch 30 … and then decides the claim".
- L1: the pending reason of such a run read "e.g. a sweep whose loss still falls at its end".
- L2: an AdamW run at 0.011 was told of twelve seeds of SGD 0.7.
- L6: "test metrics of 1 epoch(s)" was the last epoch, and "within the seed noise of this config" a borrowed band."""

from __future__ import annotations

import re
from pathlib import Path

from grader.checks import run_checks
from grader.context import Context
from grader.evidence import Band, Comparison, compare
from grader.plan import plan
from grader.results import CheckResult, StudentResult, pending_lines
from grader.runner import Outcome
from grader.schema import Assignment, Submission
from reference.outputs import Logs

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results" / "high_lr_cpu.txt"
ASSIGNMENT = Assignment(train_epochs=2, max_epochs=30)


def _entry(optimizer: str, lr: float) -> dict:
    """A committed constant-LR run of `optimizer` at `lr` (2 epochs, 20 seeds)."""
    stats = lambda m, s: {"mean": m, "std": s, "values": [m] * 20}  # noqa: E731
    epochs = [{"epoch": e, "step": 32 * e, "test_accuracy": stats(a, 0.004), "test_loss": stats(lo, 0.01)}
              for e, a, lo in ((1, 0.90, 0.35), (2, 0.95, 0.17))]  # fmt: skip
    config = {"optimizer": optimizer, "lr": lr, "epochs": 2, **({"momentum": 0.9} if optimizer == "sgd" else {})}
    return {"config": config, "epochs": epochs, "final": {k: epochs[-1][k] for k in ("test_accuracy", "test_loss")}}


SGD = {"range_tests": {}, "runs": {"sgd-constant": _entry("sgd", 0.05)}}
ADAMW = {"range_tests": {}, "runs": {"adamw-constant": _entry("adamw", 0.0011)}}


def _submission(run: dict, epochs: int = 2) -> Submission:
    return Submission.model_validate({"student": {"id": "s1", "name": "S"},
                                      "run": [{"name": "x10", "epochs": epochs, **run}]})  # fmt: skip


def _rerun(acc: float = 0.95, loss: float = 0.17) -> Outcome:
    epochs = [{"step": 32, "epoch": 1, "train_loss": 0.5, "test_loss": 0.35, "test_accuracy": 0.9},
              {"step": 64, "epoch": 2, "train_loss": 0.2, "test_loss": loss, "test_accuracy": acc}]  # fmt: skip
    return Outcome({"epochs": epochs, "final": epochs[-1], "diverged": None})


def _checks(sub, baseline, outcome, logs=None, cmp=None, quick=False, assignment=ASSIGNMENT) -> dict:
    (p,) = [q for q in plan(sub, assignment, quick) if q.kind == "train"]
    ctx = Context(sub, assignment, [(p, outcome)], baseline, quick, 1000, logs={p.name: logs} if logs else {})
    if cmp is not None:
        ctx.comparisons[p.name] = cmp
    return {c.check: c for c in run_checks(ctx) if c.subject == p.name}


SGD_X20 = {"optimizer": "sgd", "momentum": 0.9, "lr": 1.0}  # 20× the committed 0.05
NO_CHECK_WORDS = ("z = ", "allowed ±", "σ", "flagged 95 %")


def test_a_high_lr_claim_the_rerun_bears_out_keeps_its_points_and_prints_no_tolerance():
    """M2: a PASS past 6× says the rerun lands near, and that a miss would go to review — no σ, no detectable error."""
    c = _checks(_submission({**SGD_X20, "claimed_test_accuracy": 0.951}), SGD, _rerun(acc=0.95))["accuracy_claim"]
    assert (c.status, c.points) == ("pass", c.max_points) and c.max_points > 0, c.message
    assert not any(w in c.message for w in NO_CHECK_WORDS), c.message
    assert "lands near your figure" in c.message and "a miss would go to review by hand, not cost points" in c.message


def test_a_high_lr_miss_goes_to_review_with_its_own_reason_and_no_tolerance():
    """M2, L1: a miss past 6× is pending (no points lost) under its own reason, and says what the rerun drew only."""
    v = _checks(_submission({**SGD_X20, "claimed_test_accuracy": 0.864}), SGD, _rerun(acc=0.57))
    c = v["accuracy_claim"]
    assert (c.status, c.points, c.why) == ("skip", 0.0, "high-lr") and c.pending > 0, c.message
    assert c.message.startswith("Not judged, pending review (no points lost): its LR is 20× the committed sgd runs'")
    assert not any(w in c.message for w in NO_CHECK_WORDS), c.message
    assert "What this one rerun drew: Claimed test accuracy 0.864; the rerun got 0.57." in c.message
    student = StudentResult(id="s1", name="S", folder="s1", checks=[c])
    (line,) = pending_lines([student])
    assert "more than 6× the committed LR" in line and "a sweep whose loss still falls" not in line, line


def test_the_high_lr_evidence_cited_is_the_runs_own_optimizer_family_nearest_its_lr():
    """L2: AdamW at 0.011 is told of Adam at 0.01 (12 seeds: 0.94–0.97), not of SGD 0.7; a run no row measures is
    told so."""
    adamw = _submission({"optimizer": "adamw", "lr": 0.011, "claimed_test_loss": 0.1813})
    c = _checks(adamw, ADAMW, _rerun(loss=0.2895))["loss_claim"]
    assert c.why == "high-lr", c.message
    assert "12 honest seeds of Adam at a constant 0.01 on mnist-5k, ended anywhere from 0.94 to 0.97" in c.message
    assert "SGD 0.7" not in c.message and "0.15 to 0.67" not in c.message
    steps = {"name": "multistep", "milestones": [1], "gamma": 0.1}
    multistep = _submission({**SGD_X20, "schedule": steps, "claimed_test_accuracy": 0.864})
    c = _checks(multistep, SGD, _rerun(acc=0.57))["accuracy_claim"]
    assert "no row of benchmarks/high_lr.py measures sgd with a multistep schedule near 1" in c.message, c.message


def test_the_high_lr_table_is_the_benchmarks_results_file():
    """L2: HIGH_LR_ROWS holds each row of benchmarks/results/high_lr_cpu.txt as it stands (lowest and highest final
    accuracy, seeds diverged)."""
    from grader.checks import HIGH_LR_ROWS, HIGH_LR_SEEDS

    rows = {}
    for line in RESULTS.read_text().splitlines():
        m = re.match(r"(sgd|adam) ([\d.]+)\s+(\d+)/(\d+)\s+.*?\s{2,}((?:[\d.]+|–)(?: (?:[\d.]+|–))+)\s{2,}", line)
        if m:
            accs = [float(a) for a in m.group(5).split() if a != "–"]
            assert int(m.group(4)) == HIGH_LR_SEEDS
            rows[(m.group(1), float(m.group(2)))] = (min(accs, default=None), max(accs, default=None), int(m.group(3)))
    assert rows == HIGH_LR_ROWS


def _log(acc: float) -> Logs:
    return Logs("log.csv", epoch=[1, 2], test_accuracy=[0.9, acc], test_loss=[0.35, 0.17])


TABLE_ONLY = Comparison(steps=0, epochs=0, band="no committed seeds of this config", lr_steps=64)


def test_a_log_borne_out_on_its_lr_table_only_does_not_pass_a_claim_against_itself():
    """M3: past 6× the log agrees with the claim, the rerun bears out only its LR table: judged as without logs —
    a rerun that lands near passes, a miss goes to review (no points lost); a claim its own log contradicts still
    fails."""
    sub = _submission({**SGD_X20, "claimed_test_accuracy": 0.951})
    near = _checks(sub, SGD, _rerun(acc=0.95), _log(0.951), TABLE_ONLY)["accuracy_claim"]
    assert (near.status, near.points) == ("pass", near.max_points), near.message
    assert "Judged against your own log" not in near.message, near.message
    assert "The log agrees with the claim, but at this LR, 20× the committed sgd runs' (0.05), nothing measures" in \
        near.message  # fmt: skip
    missed = _checks(sub, SGD, _rerun(acc=0.57), _log(0.951), TABLE_ONLY)["accuracy_claim"]
    assert (missed.status, missed.points, missed.why) == ("skip", 0.0, "high-lr") and missed.pending > 0, \
        missed.message  # fmt: skip
    wrong = _submission({**SGD_X20, "claimed_test_accuracy": 0.99})  # not the log's 0.951: still caught
    contradicted = _checks(wrong, SGD, _rerun(acc=0.99), _log(0.951), TABLE_ONLY)["accuracy_claim"]
    assert (contradicted.status, contradicted.points) == ("fail", 0.0), contradicted.message


def test_quick_mode_does_not_promise_the_full_grade_decides_a_high_lr_claim():
    """M3: quick mode said "the full grade compares the log's epoch 30 … and then decides the claim" (with a log) and
    "the final-metric claim is checked by the full grade" (without one); past 6× the full grade cannot."""
    assignment = Assignment(train_epochs=30, max_epochs=30)
    sub = _submission({**SGD_X20, "claimed_test_accuracy": 0.951}, epochs=30)
    logs = Logs("log.csv", epoch=list(range(1, 31)), test_accuracy=[0.951] * 30, test_loss=[0.17] * 30)
    for log, cmp in ((logs, TABLE_ONLY), (None, None)):
        c = _checks(sub, SGD, _rerun(), log, cmp, quick=True, assignment=assignment)["accuracy_claim"]
        assert c.status == "skip" and c.pending > 0 and c.points == 0, c.message
        assert "then decides the claim" not in c.message and "checked by the full grade" not in c.message, c.message
        assert "the full grade cannot decide this claim either" in c.message, c.message


def test_a_logs_row_names_the_epoch_compared_and_a_borrowed_band_as_borrowed():
    """L6: one epoch compared is the log's last (or the rerun's last, in a quick grade), and a band of other configs
    ×1.5 is no seed noise "of this config", in the logs row and in the claim row beside it."""
    n = 64
    lr, loss = [0.05] * n, [1.0 / (1 + 0.05 * i) for i in range(n)]
    rerun = {"lr": lr, "train_loss": loss, "epochs": _rerun().result["epochs"], "diverged": None, "config": {}}
    logs = Logs("log.csv", step=list(range(n)), lr=lr, train_loss=loss, epoch=[1, 2], test_accuracy=[0.9, 0.95],
                test_loss=[0.35, 0.17])  # fmt: skip
    entry = {"band": {"step": [0, 32, 63], "std_log": [0.05] * 3, "mean_log": [0.0, -0.5, -1.0]}}
    band = Band.pooled([entry], "no committed seeds of this config: ×1.5", relative=False)
    said = compare(logs, rerun, 1000, band, {}, 3.5).summary()
    assert "test metrics of its last epoch (2) within the seed noise borrowed from other configs" in said, said
    assert "epoch(s)" not in said and "of this config (" not in said.split("borrowed from other configs")[0]
    quick = Comparison(steps=96, epochs=1, band="b", borrowed=True, tested=(3, 3), log_last=30).summary()
    assert "test metrics of epoch 3 (the last the rerun reached)" in quick, quick
    own = Comparison(steps=96, epochs=3, band="b", tested=(1, 3), log_last=30).summary()
    assert "test metrics of 3 epochs (1–3) within the seed noise of this config" in own, own
    borrowed = Comparison(steps=64, epochs=1, band="b", borrowed=True, tested=(2, 2), log_last=2)
    base = {"range_tests": {}, "runs": {"sgd-constant": _entry("sgd", 0.05)}}
    sub = _submission({"optimizer": "sgd", "momentum": 0.9, "lr": 0.07, "claimed_test_accuracy": 0.951})
    c = _checks(sub, base, _rerun(), _log(0.951), borrowed)["accuracy_claim"]
    assert c.status == "pass" and "Judged against your own log: the rerun bears the log out within the seed noise " \
        "borrowed from other configs" in c.message, c.message  # fmt: skip


def test_no_high_lr_row_is_written_for_a_run_the_committed_seeds_measure():
    """The committed LR's claims keep their measured tolerance and detectable error (nothing loosened there)."""
    c = _checks(_submission({"optimizer": "sgd", "momentum": 0.9, "lr": 0.05, "claimed_test_accuracy": 0.999}), SGD,
                _rerun(acc=0.95))["accuracy_claim"]  # fmt: skip
    assert c.status == "fail" and "allowed ±" in c.message and "flagged 95 %" in c.message, c.message
    assert isinstance(c, CheckResult)


def test_a_chaotic_high_lr_miss_is_pending_not_part_credit():
    """Regression check of M3's fix (probe 42's regrade of probe 37's class): judged as without logs, an honest run past
    6× whose rerun is chaotic and misses got the chaotic rule's half credit — a WARN where it had passed; a miss there
    is no evidence either way, so it is pending review under the high-LR reason, no points lost."""
    sub = _submission({**SGD_X20, "claimed_test_accuracy": 0.864})
    (p,) = [q for q in plan(sub, ASSIGNMENT, False) if q.kind == "train"]
    rerun = _rerun(acc=0.57)
    rerun.result["train_loss"] = [2.3, 1.5, 0.9]
    twin = Outcome({"train_loss": [2.3, 1.9, 1.6], "diverged": None, "epochs": [], "final": None})
    ctx = Context(sub, ASSIGNMENT, [(p, rerun)], SGD, False, 1000, probes={p.name: twin})
    assert ctx.chaotic(p, rerun)
    c = next(c for c in run_checks(ctx) if c.check == "accuracy_claim")
    assert (c.status, c.points, c.why) == ("skip", 0.0, "high-lr") and c.pending > 0, c.message
    assert c.tolerance is None and "(no points lost)" in c.message
