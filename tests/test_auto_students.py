"""Honest students of the automated-scheduler assignment (seed 004), as examiner probe 8 graded them: runs of one
[[auto]] config at different seeds end far apart, and no committed seeds measure how far — so a rerun of another seed
judges neither their claims nor their logs; a seed they state makes the rerun theirs."""

import csv
import math
from dataclasses import replace

import pytest

from grader.checks import Context, judged_runs, run_checks
from grader.diagnoses import Case, diverged_log
from grader.evidence import Comparison, Scope, comparison
from grader.load import _unread
from grader.plan import plan
from grader.results import StudentResult, pending_lines
from grader.runner import Outcome
from grader.schema import Assignment, Submission
from reference.config import RunConfig, ScheduleConfig
from reference.loop import run
from reference.outputs import Logs, logs_from_result

FACTORS = (2, 1, 0.5)
A = Assignment(train_epochs=1, max_epochs=2, required=(), tolerances={"probe_epochs": 0})


@pytest.fixture(scope="module")
def runs(mnist5k) -> dict[int, dict]:
    """One corrected-scheduler AdamW config, 2 epochs of mnist-5k, at the student's seed (7) and the rerun's (0)."""
    sched = ScheduleConfig(name="auto-corrected", factors=FACTORS)
    return {s: run(RunConfig(epochs=2, lr=0.002, optimizer="adamw", schedule=sched, seed=s), data=mnist5k,
                   device="cpu") for s in (7, 0)}  # fmt: skip


def _sub(mine: dict, **extra) -> Submission:
    f = mine["final"]
    return Submission.model_validate({"student": {"id": "a", "name": "A"}, "auto": [
        {"name": "auto", "optimizer": "adamw", "lr": 0.002, "epochs": 2, "variant": "corrected",
         "factors": list(FACTORS), "claimed_test_accuracy": round(f["test_accuracy"], 4),
         "claimed_test_loss": round(f["test_loss"], 4), **extra}]})  # fmt: skip


def _checks(sub: Submission, rerun: dict, logs: dict | None = None, quick: bool = False) -> dict:
    (p,) = plan(sub, A, quick=quick)
    ctx = Context(sub, A, [(p, Outcome(rerun))], None, quick, 1000, logs=logs or {})
    return {c.check: c for c in run_checks(ctx) if c.subject == "auto"} | {"ctx": ctx, "p": p}


def test_an_unseeded_students_claims_are_pending_not_failed(runs):
    mine, rerun = runs[7], runs[0]
    assert mine["lr"] != rerun["lr"]  # another seed: another LR sequence, another run
    checks = _checks(_sub(mine), rerun)
    for key in ("accuracy_claim", "loss_claim"):
        c = checks[key]
        assert c.status == "skip" and c.why == "unseeded" and c.points == 0 and c.pending > 0, c
        assert "set no seed" in c.message and "no evidence for or against" in c.message


def test_an_unseeded_students_log_is_neither_accused_nor_borne_out_and_judges_the_claims(runs):
    mine, rerun = runs[7], runs[0]
    checks = _checks(_sub(mine, logs="logs/auto.csv"), rerun, {"auto": logs_from_result(mine)})
    logs = checks["logs"]
    assert logs.status == "skip" and logs.message.startswith("Not compared with the rerun")
    assert "LR table exact" not in logs.message and "seed noise of this config" not in logs.message
    for key in ("accuracy_claim", "loss_claim"):  # the claims against the log they came from
        assert checks[key].status == "pass" and "own log, as handed in" in checks[key].message
    cmp = comparison(checks["ctx"], checks["p"])
    assert cmp.scope is Scope.FINITE and cmp.matches
    # a diverged-log cause needs the LR table compared: "with the LR table as claimed" was false here
    rising = Logs("x", list(range(40)), [0.002] * 40, [2.3 - 0.05 * i for i in range(20)] + [5.0] * 20)
    case = Case("logs", None, checks["p"].config, rerun, None, logs=rising, comparison=cmp)
    assert diverged_log(case) is None
    told = diverged_log(Case("logs", None, checks["p"].config, rerun, None, logs=rising,
                             comparison=Comparison(40, 0, "band")))  # fmt: skip
    assert told is not None and "momentum" not in told.cause  # AdamW has no SGD momentum to blame


def test_a_seeded_students_log_is_compared_as_any_log_lr_sequence_exact(runs):
    mine = runs[7]
    checks = _checks(_sub(mine, seed=7, logs="logs/auto.csv"), mine, {"auto": logs_from_result(mine)})
    assert checks["logs"].status == "pass" and "LR table exact" in checks["logs"].message
    assert checks["accuracy_claim"].status == "pass" and checks["loss_claim"].status == "pass"
    # the same seed's log whose LRs part (a near-tie broken the other way on another device) is not accused
    parted = logs_from_result(mine)
    parted.lr[50:] = [v * 2 for v in parted.lr[50:]]
    checks = _checks(_sub(mine, seed=7, logs="logs/auto.csv"), mine, {"auto": parted})
    assert checks["logs"].status == "skip" and "then part" in checks["logs"].message
    assert "does not match" not in checks["logs"].message
    # probe 25 (F6): they *follow* the rerun for those steps ("differ … for its first 50 steps" said the opposite)
    assert "the logged LRs follow the rerun of seed 7 for their first 50 steps, then part" in checks["logs"].message
    # examiner probe 24 (F3): a log of the seed of the student's own script parts at step 0, and was called a
    # near-tie "for 0 steps" with the two LRs printed alike (0.001072, 0.001072): both causes said, the LRs apart
    other = logs_from_result(mine)
    other.lr[:] = [v * (1.0004 if i % 2 == 0 else 1.0) for i, v in enumerate(other.lr)]
    msg = _checks(_sub(mine, seed=7, logs="logs/auto.csv"), mine, {"auto": other})["logs"].message
    assert "differ from the rerun of seed 7 from their first step" in msg and "for 0 steps" not in msg, msg
    assert "the seed of the student's own script is not this engine's seed" in msg and "near-tie" in msg
    logged, rerun = msg.split("(logged ")[1].split(")")[0].split(", the rerun ")
    assert logged != rerun, msg


def test_a_seeded_log_written_after_scheduler_step_is_the_run_s(runs):
    """Examiner probe 10: a seeded [[auto]] log holding each step's next LR (logged after scheduler.step()) crashed
    the whole class grade (AttributeError in the auto-log branch)."""
    mine = runs[7]
    log = logs_from_result(mine)
    ahead = replace(log, lr=[*log.lr[1:], log.lr[-1]])
    checks = _checks(_sub(mine, seed=7, logs="logs/auto.csv"), mine, {"auto": ahead})
    assert checks["logs"].status == "pass" and "logged one step ahead" in checks["logs"].message


def test_a_seeded_whole_run_is_checked_in_quick_mode(runs):
    """A quick look at a 2-epoch run (quick_epochs 3) is the whole run: its claims were left pending."""
    mine = runs[7]
    checks = _checks(_sub(mine, seed=7), mine, quick=True)
    assert checks["p"].until_epoch is None
    assert checks["accuracy_claim"].status == "pass" and checks["loss_claim"].status == "pass"


def test_the_factors_are_read_and_an_auto_run_never_takes_a_runs_baseline(runs):
    sub = _sub(runs[7], seed=7)
    assert _unread(sub) == []  # factors are the automated scheduler's own argument, not "left out of the rerun"
    both = Submission.model_validate({"student": {"id": "b", "name": "B"},
                                      "run": [{"name": "mine", "optimizer": "adamw", "lr": 0.002, "epochs": 2}],
                                      "auto": sub.model_dump(mode="json")["auto"]})  # fmt: skip
    pairs = [(p, Outcome(runs[7] if p.name == "auto" else {**runs[0], "final": {**runs[0]["final"],
              "test_accuracy": 0.1}, "epochs": [{**e, "test_accuracy": 0.1} for e in runs[0]["epochs"]]}))
             for p in plan(both, A, quick=False)]  # fmt: skip
    judged, why = judged_runs(Context(both, A, pairs, None, False, 1000))
    assert judged == {"mine"} and "auto" not in why  # the [[run]] is judged though the auto run scored higher
    assert math.isfinite(runs[7]["final"]["test_accuracy"])


FAITHFUL = """[student]
id = "{id}"
name = "{id}"

[[auto]]
name = "auto"
optimizer = "sgd"
factors = [2, 1, 0.5]
lr = 0.005
epochs = 2
seed = 411
claimed_test_accuracy = {acc}
claimed_test_loss = {loss}
"""


def test_an_honest_faithful_auto_student_passes_its_chaotic_config_a_note(mnist5k, tmp_path):
    """Examiner probe 21 (F3): seed 004's faithful rule is chaotic by construction (a 1e-6 nudge moves the train loss by
    25 % within 64 steps), and every honest [[auto]] student — 100/100, every check earned — was WARN, its first problem
    "Chaotic (a property of this config, not a fault of the submission)". That 0-point warning is a note: shown where
    the check is, never the verdict nor the first problem. A chaotic rerun that costs points (a claim it misses: half
    given, half pending) is still a WARN, and the Gradescope and PrairieLearn outputs say the same verdicts."""
    from grader.grade import grade_class

    cfg = RunConfig(epochs=2, lr=0.005, optimizer="sgd", schedule=ScheduleConfig(name="auto", factors=(2, 1, 0.5)),
                    seed=411)  # fmt: skip
    final = run(cfg, data=mnist5k, device="cpu")["final"]
    root = tmp_path / "class"
    for sid, acc, loss in (("honest", final["test_accuracy"], final["test_loss"]), ("missed", 0.5, 2.0)):
        (root / sid).mkdir(parents=True)
        (root / sid / "submission.toml").write_text(FAITHFUL.format(id=sid, acc=round(acc, 4), loss=round(loss, 4)))
    (root / "assignment.toml").write_text('train_epochs = 2\nmax_epochs = 2\nrequired = ["auto"]\n')
    result = grade_class(root, out=tmp_path / "out", cache_dir=tmp_path / "cache", jobs=1, device="cpu",
                         engine="sequential")  # fmt: skip
    honest, missed = sorted(result.students, key=lambda s: s.id)
    assert honest.verdict == "pass" and honest.first_problem == "" and honest.total == 100, honest.checks
    repro = next(c for c in honest.checks if c.check == "reproducible")
    assert repro.status == "warn" and repro.message.startswith("Chaotic") and repro.note  # shown, as a note
    assert {c.status for c in honest.checks if c.check != "reproducible"} <= {"pass", "skip"}
    report = (tmp_path / "out" / "honest" / "report.md").read_text()
    assert "**Verdict: PASS**" in report and "1 note" in report and "| NOTE | reproducible | auto |" in report
    assert '<span class="badge skip">note</span>' in (tmp_path / "out" / "honest" / "report.html").read_text()
    gradescope = honest.to_gradescope()
    assert gradescope["output"].startswith("Verdict: PASS.") and gradescope["score"] == 100
    (test,) = [t for t in gradescope["tests"] if t["name"] == "reproducible · auto"]
    assert "status" not in test and test["output"].startswith("Note (nothing deducted): Chaotic")
    assert honest.to_prairielearn()["message"].startswith("Verdict: PASS.")
    assert "pass" in [row[6] for row in csv.reader((tmp_path / "out" / "grades.csv").open())]
    # a rerun of the stated seed that misses the claims: pending review, none lost (examiner probe 24: the seed may be
    # the student's own script's, another random stream; it was half given, half pending, as chaotic: WARN)
    acc = next(c for c in missed.checks if c.check == "accuracy_claim")
    assert acc.status == "skip" and acc.why == "stream" and acc.points == 0 and acc.pending > 0, acc
    assert missed.verdict == "unverified" and sum(c.max_points - c.points for c in missed.checks) == 0 < missed.pending
    assert missed.to_gradescope()["output"].startswith("Verdict: UNVERIFIED.")
    assert missed.to_prairielearn()["message"].startswith("Verdict: UNVERIFIED.")


# ------------------------------------------------ examiner probe 24: a seed the student states, and what it tells


def test_a_seed_of_the_students_own_script_is_another_stream_its_miss_pending_not_failed(runs):
    """Examiner probe 24 (F1): a student who followed the advice "state the run's seed" stated their own script's seed
    (0; their run is another random stream, here the engine's seed 7) and failed 55–60/100 against the engine's run of
    seed 0 (0.804 against the true 0.899). The rerun of the stated seed not reproducing the claim cannot tell a wrong
    claim from another stream's run: pending review, no point lost, the logs decide."""
    mine, rerun = runs[7], runs[0]
    assert abs(mine["final"]["test_accuracy"] - rerun["final"]["test_accuracy"]) > 0.05  # far apart: it failed
    checks = _checks(_sub(mine, seed=0), rerun)
    for key in ("accuracy_claim", "loss_claim"):
        c = checks[key]
        assert c.status == "skip" and c.why == "stream" and c.points == 0 and c.pending > 0, c
        assert "rerun of seed 0" in c.message and "does not reproduce it" in c.message
        assert "another random stream" in c.message and "the run's logs decide" in c.message
        assert "reference train --scheduler auto-corrected --seed 0" in c.message
    (line,) = pending_lines([StudentResult("a", "A", "a", checks=[checks["accuracy_claim"], checks["loss_claim"]])])
    assert "2 final-metric claims pending" in line and "another random stream" in line and "they decide" in line, line
    # a diverged run's claim ("nan": its own stream diverged) is no failure where the stated seed's rerun does not
    checks = _checks(_sub(mine, seed=0, claimed_test_loss=math.nan), rerun)
    c = checks["loss_claim"]
    assert c.status == "skip" and c.why == "stream" and c.points == 0 and c.pending > 0, c
    # with its logs, the claims are judged against them, as before
    checks = _checks(_sub(mine, seed=0, logs="logs/auto.csv"), rerun, {"auto": logs_from_result(mine)})
    assert checks["accuracy_claim"].status == "pass" and "own log" in checks["accuracy_claim"].message


def test_a_claim_of_the_engines_own_run_of_the_stated_seed_passes_reproduced(runs):
    """Examiner probe 24 (F1, F4): the rerun of a seed run with this package's engine is the student's run; it passes
    a claim it reproduces to the claim's printed digits, and says so (it said "the seed-to-seed σ of a claim − rerun
    difference … a smaller one cannot be told from seed noise"), two decimals or four alike."""
    mine = runs[7]
    f = mine["final"]
    for digits in (4, 2):
        sub = _sub(mine, seed=7, claimed_test_accuracy=round(f["test_accuracy"], digits),
                   claimed_test_loss=round(f["test_loss"], digits))  # fmt: skip
        checks = _checks(sub, mine)
        for key in ("accuracy_claim", "loss_claim"):
            c = checks[key]
            assert c.status == "pass" and c.points == c.max_points > 0, c
            assert "the rerun of seed 7 reproduces it" in c.message and "seed-to-seed" not in c.message, c.message
    # a seeded [[run]] whose rerun reproduces its figure says so too (its judgement unchanged)
    run_sub = Submission.model_validate({"student": {"id": "r", "name": "R"}, "run": [
        {"name": "mine", "optimizer": "adamw", "lr": 0.002, "epochs": 2, "seed": 7,
         "claimed_test_accuracy": round(f["test_accuracy"], 3)}]})  # fmt: skip
    (p,) = plan(run_sub, A, quick=False)
    ctx = Context(run_sub, A, [(p, Outcome(mine))], None, False, 1000)
    (acc,) = [c for c in run_checks(ctx) if c.check == "accuracy_claim"]
    assert acc.status == "pass" and "the rerun of seed 7 reproduces it" in acc.message, acc.message


def test_an_unseeded_students_advice_is_the_logs_not_a_seed(runs):
    """Examiner probe 24 (F1): the advice "State the run's seed (the rerun then uses it)" led students to state their
    own script's seed. The logs decide; a stated seed reproduces a run only one trained with this package's engine."""
    checks = _checks(_sub(runs[7]), runs[0])
    c = checks["accuracy_claim"]
    assert c.why == "unseeded" and "State the run's seed" not in c.message
    assert "Hand in the run's logs (they decide" in c.message
    assert (
        "trained with this package's engine (`reference train --scheduler auto-corrected --seed N` with the "
        "entry's own optimizer, LR, factors and epochs)" in c.message
    )  # fmt: skip (probe 25 F7: --lr is required)
    (line,) = pending_lines([StudentResult("a", "A", "a", checks=[c])])
    assert "State each" not in line and "they decide" in line and "reference train --scheduler auto --seed N" in line


def test_a_seeded_quick_check_says_what_the_full_grades_rerun_of_that_seed_tells(runs):
    """Examiner probe 24 (F5): the quick self-check of a seeded run said the full grade "bears the claim out only where
    rounding happens to land it near" (chaotic) or that it "is checked by the full grade"; the full grade reruns the
    stated seed: the engine's run of it is reproduced and passes, a miss stays pending (another stream)."""
    a = Assignment(train_epochs=1, max_epochs=5, required=(), tolerances={"probe_epochs": 0})
    sub = Submission.model_validate({"student": {"id": "a", "name": "A"}, "auto": [
        {"name": "auto", "optimizer": "adamw", "lr": 0.002, "epochs": 5, "variant": "corrected",
         "factors": list(FACTORS), "seed": 7, "claimed_test_accuracy": 0.9}]})  # fmt: skip
    (p,) = plan(sub, a, quick=True)
    assert p.until_epoch is not None and p.until_epoch < 5
    ctx = Context(sub, a, [(p, Outcome(runs[7]))], None, True, 1000)
    (c,) = [c for c in run_checks(ctx) if c.check == "accuracy_claim"]
    assert c.status == "skip" and c.why == "auto-quick" and c.pending > 0, c
    assert "the full grade reruns the stated seed, 7" in c.message and "never failed" in c.message, c.message
    assert "rounding happens to land it near" not in c.message
    # examiner probe 25 (F4): the footer promised "run … --full to check them"; the full grade passes only what the
    # stated seed's rerun reproduces, and says what decides the rest
    from grader.results import StudentResult, pending_lines

    (line,) = pending_lines([StudentResult(folder="a", id="a", name="A", status="graded", checks=[c])], "grade a/")
    assert "--full" not in line and "Hand in the run's logs" in line and "reproduces it" in line, line


def test_a_run_is_reproduced_as_a_whole_or_not_at_all(runs):
    """Examiner probe 25 (F5): a seeded run's 2-decimal accuracy agreed by chance with another stream's rerun
    ("the rerun of seed 607 reproduces it", PASS) beside its loss "which does not reproduce it". Both claims are
    pending where any of them is not reproduced; both pass where both are."""
    rerun = runs[0]
    f = rerun["final"]
    agrees = f"{f['test_accuracy']:.2f}"  # within half a unit of its last digit: 'reproduced' alone
    sub = _sub(runs[7], seed=0).model_copy()
    entry = {**sub.auto[0].model_dump(exclude_unset=True), "claimed_test_accuracy": float(agrees),
             "claimed_test_loss": round(f["test_loss"] * 1.5, 4)}  # fmt: skip
    sub = Submission.model_validate({"student": {"id": "a", "name": "A"}, "auto": [entry]})
    checks = _checks(sub, rerun)
    for key in ("accuracy_claim", "loss_claim"):
        assert checks[key].status == "skip" and checks[key].why == "stream" and checks[key].points == 0, checks[key]
    assert "agrees with the rerun of seed 0" in checks["accuracy_claim"].message
    assert "reproduces it" not in checks["accuracy_claim"].message
    whole = _checks(_sub(rerun, seed=0), rerun)  # the engine's own run of seed 0: both reproduced
    assert all(whole[k].status == "pass" and "reproduces it" in whole[k].message for k in ("accuracy_claim",
                                                                                           "loss_claim"))  # fmt: skip
