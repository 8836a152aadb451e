"""What the grader says around an honest student's claims (an examiner's findings, 2026-12-05): an accuracy written
as a percentage, a control run that blew up reported at chance, a course-template run compared with a reference of
its own input pipeline, unreadable logs given no made-up cause, a baseline message that reads as one sentence, and
in quick mode the run at the student's own pick judged rather than the fastest-starting control."""

from __future__ import annotations

import math

import pytest
from test_checks import BASELINE, rerun, submission, verdicts

from grader.checks import CHANCE, at_chance, run_checks
from grader.context import Context, load_baselines, run_reference
from grader.diagnoses import explain
from grader.evidence import half_unit
from grader.load import load_submission
from grader.plan import plan
from grader.runner import Outcome
from grader.schema import Assignment, Submission
from reference.config import RunConfig, ScheduleConfig

RUN = """
[student]
id = "s1"
name = "S"

[[run]]
name = "final"
optimizer = "sgd"
lr = 0.04
epochs = 30
claimed_test_accuracy = {acc}
"""


def test_an_accuracy_written_as_a_percentage_is_read_as_one_and_said_once(tmp_path):
    """96.4 can only be a percentage (a fraction is at most 1): it is read as 0.964 to the same printed digits, with
    one line in the report, and no check sees a figure above 1; a figure above 100 is left for the plausibility
    check."""
    for acc, read in (("96.4", 0.964), ("99.27", 0.9927), ("96", 0.96), ("0.964", 0.964), ("100", 1.0)):
        folder = tmp_path / acc
        folder.mkdir()
        (folder / "submission.toml").write_text(RUN.format(acc=acc))
        x = load_submission(folder)
        claimed = x.submission.run[0].claimed_test_accuracy
        assert claimed == read, (acc, claimed)
        said = [w for w in x.warnings if "read as" in w]
        assert len(said) == (float(acc) > 1), x.warnings
        if float(acc) > 1:  # the same printed precision: 96.4 ± 0.05 % is 0.964 ± 0.0005
            assert (
                math.isclose(half_unit(claimed), half_unit(float(acc)) / 100) and "96.4 %" in said[0] or acc != "96.4"
            )
    folder = tmp_path / "over"
    folder.mkdir()
    (folder / "submission.toml").write_text(RUN.format(acc="964"))
    x = load_submission(folder)
    assert x.submission.run[0].claimed_test_accuracy == 964 and not [w for w in x.warnings if "read as" in w]


def test_a_percentage_claim_passes_where_the_same_fraction_passes(tmp_path):
    """The honest 96.4 of a run that reaches 0.964: no plausibility flag, and its accuracy check is the fraction's."""
    folder = tmp_path / "s1"
    folder.mkdir()
    (folder / "submission.toml").write_text(RUN.format(acc="96.4").replace("lr = 0.04", "lr = 0.05").replace(
        "epochs = 30", "epochs = 2"))  # fmt: skip
    sub = load_submission(folder).submission
    train = rerun(acc=0.964)[1]
    ctx = Context(sub, Assignment(train_epochs=2, max_epochs=30), [(p, train) for p in plan(sub, Assignment(
        train_epochs=2, max_epochs=30), False) if p.kind == "train"], BASELINE, False, 1000)  # fmt: skip
    got = {(c.check, c.subject): c for c in run_checks(ctx)}
    assert got[("accuracy_claim", "final")].status == "pass" and got[("plausibility", "submission")].status == "pass"


def test_chance_is_what_a_diverged_ten_class_network_scores():
    """MNIST's test classes are 8.92 % (digit 5) to 11.35 % (digit 1) of its test set; mnist-5k's and
    Fashion-MNIST's 10 % each: every one lies in CHANCE, and a trained network's figure does not."""
    shares = [n / 10_000 for n in (980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009)]
    assert all(CHANCE[0] <= s <= CHANCE[1] for s in [*shares, 0.1]) and all(map(at_chance, (0.1, 0.0892, 0.11)))
    assert not any(map(at_chance, (0.5, 0.9, 0.964, 0.2, 0.05)))


def test_a_diverged_control_reported_at_chance_is_not_marked_down():
    """The LR × 10 control blew up; the student reports what the blown-up network scores (0.1) and a nan loss. The
    rerun diverges before its first evaluation: the accuracy claim passes (chance is that run's figure), no
    implausible figure is claimed; a trained network's figure for the same diverged rerun still fails."""
    rt = rerun()[0]
    dead = Outcome({"epochs": [], "final": None, "diverged": {"step": 17, "reason": "loss exploded at step 17"}})
    v = verdicts(submission(claimed_test_accuracy=0.1, claimed_test_loss=math.nan), [rt, dead])
    assert v[("accuracy_claim", "const")].status == "pass" and "diverged" in v[("accuracy_claim", "const")].message
    assert v[("loss_claim", "const")].status == "pass" and v[("plausibility", "submission")].status == "pass"
    v = verdicts(submission(claimed_test_accuracy=0.9), [rt, dead])
    assert v[("accuracy_claim", "const")].status == "fail" and v[("accuracy_claim", "const")].claimed == 0.9
    assert v[("plausibility", "submission")].status == "fail"


def test_a_course_template_run_meets_a_reference_of_its_own_input_pipeline():
    """A run on the course template's Resize(32) input, at an LR no committed run has: the reference it is compared
    with comes from the course-template protocol (same input), not the default protocol's normalised-input runs."""
    baselines = load_baselines("mnist-5k")
    for opt in ("sgd", "adamw"):
        cfg = RunConfig(optimizer=opt, lr=3.6e-4, epochs=30, preprocess="resize",
                        schedule=ScheduleConfig(name="onecycle", max_lr=3.6e-4, cadence="step"))  # fmt: skip
        ref = run_reference(baselines, cfg, 0.05)
        assert ref is not None and ref.protocol == "mnist-5k-course" and ref.entry["config"]["preprocess"] == "resize"
        default = run_reference(baselines, cfg.model_copy(update={"preprocess": "pad-normalize"}), 0.05)
        assert default is not None and default.protocol == "mnist-5k"


def test_unreadable_logs_get_their_reason_and_no_made_up_cause():
    """Logs the grader cannot read warn with the reason; no pitfall is tried on them ("no known cause matched" after
    a file-format error says nothing)."""
    sub = submission()
    a = ASSIGNMENT_2
    runs = [(p, o) for p, o in zip(plan(sub, a, False), rerun(), strict=False)]
    ctx = Context(sub, a, runs, BASELINE, False, 1000, logs={"const": "CSV header lacks step, lr"})
    checks, _ = explain(ctx, run_checks(ctx))
    logs = next(c for c in checks if c.check == "logs")
    assert logs.status == "warn" and "CSV header" in logs.message and logs.diagnosis is None


ASSIGNMENT_2 = Assignment(train_epochs=2, max_epochs=30)


def test_the_baseline_message_of_another_config_reads_as_one_sentence():
    """ "…the reference sgd-constant at its final epoch reaches 0.95 ± …", then why another config is compared where
    it ends: no clause spliced into the middle of the sentence."""
    run = {"name": "const", "optimizer": "sgd", "lr": 0.02, "epochs": 2}
    sub = Submission.model_validate({"student": {"id": "s1", "name": "S"}, "run": [run]})
    base = {
        **BASELINE,
        "runs": {
            "sgd-constant": {
                **BASELINE["runs"]["sgd-constant"],
                "config": RunConfig(lr=0.05, epochs=2).model_dump(mode="json"),
            }
        },
    }
    v = verdicts(sub, [rerun()[1]], baseline=base)
    msg = v[("baseline", "const")].message
    assert "at its final epoch reaches 0.9500" in msg and msg.rstrip().endswith("not on the way."), msg


def test_quick_mode_judges_the_run_at_the_students_pick_not_the_fastest_control():
    """Three constant runs at the pick, ÷ 10 and × 10, no role marked: at epoch 3 the × 10 control leads, but the
    quick grade judges the run at the claimed pick (the full grade still judges the best where they end)."""
    sub = Submission.model_validate({
        "student": {"id": "s1", "name": "S"},
        "range_test": [{"name": "sweep", "optimizer": "sgd", "start_lr": 1e-5, "end_lr": 10.0, "epochs": 2,
                        "rule": "min/10", "claimed_lr": 0.04}],
        "run": [{"name": f"c-{lr:g}", "optimizer": "sgd", "lr": lr, "epochs": 2} for lr in (0.04, 0.004, 0.4)],
    })  # fmt: skip
    from grader.checks import judged_runs

    a = Assignment(train_epochs=2, max_epochs=30, quick_epochs=1)
    accs = {0.04: 0.90, 0.004: 0.80, 0.4: 0.93}
    runs = [(p, rerun(acc=accs[p.config.lr])[1]) for p in plan(sub, a, True) if p.kind == "train"]
    judged, why = judged_runs(Context(sub, a, runs, BASELINE, True, 1000))
    assert judged == {"c-0.04"} and "c-0.4" in why
    judged, _ = judged_runs(Context(sub, a, runs, BASELINE, False, 1000))
    assert judged == {"c-0.4"}  # the full grade: the best where the runs end


def test_one_implausible_figure_is_counted_as_one_failing_check():
    """The plausibility check lists each implausible figure on its run's row and sums them up on the submission's
    row (which carries the points): the report's counts say 1 fail, not 2."""
    from grader.render import student_context
    from grader.results import CheckResult, StudentResult

    checks = [CheckResult("plausibility", "const", "fail", "Claimed test loss 0.0004 is 400× below …"),
              CheckResult("plausibility", "submission", "fail", "1 implausible figure(s), listed above.", max_points=5),
              CheckResult("lr_claim", "sweep", "pass", "ok", points=5, max_points=5)]  # fmt: skip
    counts = {label: n for _, label, n in student_context(StudentResult("s1", "S", "s1", checks=checks), {}, {})[
        "counts"]}  # fmt: skip
    assert counts == {"pass": 1, "fail": 1}
    checks.append(CheckResult("accuracy_claim", "const", "skip", "quick", pending=2.0))  # as the table labels it
    counts = {label: n for _, label, n in student_context(StudentResult("s1", "S", "s1", checks=checks), {}, {})[
        "counts"]}  # fmt: skip
    assert counts == {"pass": 1, "fail": 1, "not checked": 1}


def test_tensorboards_one_tag_csv_download_is_named_with_what_to_hand_in(tmp_path):
    """A student who clicks TensorBoard's "Download CSV" gets one tag's `Wall time,Step,Value`: the report names
    that export and says what to hand in instead, rather than listing six missing columns."""
    from grader.logs import LogError, read_logs

    (tmp_path / "run-.-tag-Accuracy_test.csv").write_text("Wall time,Step,Value\n1700000001.0,1,0.714\n")
    try:
        read_logs(tmp_path, "run-.-tag-Accuracy_test.csv")
    except LogError as err:
        assert "TensorBoard's CSV download holds one tag" in str(err) and "events.out.tfevents" in str(err)
    else:
        raise AssertionError("a one-tag CSV download was read as a log")


def test_the_self_check_table_shows_how_far_a_claim_may_be(capsys):
    """A student reading the terminal table sees the distance beside what is allowed, not the distance alone."""
    from grader.commands import print_checks
    from grader.results import CheckResult, StudentResult

    c = CheckResult("lr_claim", "sgd-sweep", "fail", "…", claimed=0.12, rerun=0.049, distance=0.39, tolerance=0.26,
                    unit="decades", max_points=10)  # fmt: skip
    print_checks(StudentResult("s1", "S", "s1", checks=[c]))
    out = capsys.readouterr().out
    assert "distance / allowed" in out and "0.39 / 0.26 decades" in out


def test_a_class_of_the_automated_scheduler_assignment_can_require_only_auto_runs():
    """The second assignment (seed 004) hands in [[auto]] runs only: `required = ["auto"]` accepts that, and an
    [[auto]] section is what it misses when absent (examiner probe 2: `required` took only range_test and run)."""
    assignment = Assignment(required=["auto"])
    entry = {"name": "a", "optimizer": "adam", "lr": 1e-3, "epochs": 30}
    auto = Submission.model_validate({"student": {"id": "s1", "name": "S"}, "auto": [entry]})
    ctx = Context(auto, assignment, [], None, False, 1000)
    (config,) = [c for c in run_checks(ctx) if (c.check, c.subject) == ("config", "submission")]
    assert config.status == "pass", config.message
    ctx = Context(submission(), assignment, [], None, False, 1000)
    (config,) = [c for c in run_checks(ctx) if (c.check, c.subject) == ("config", "submission")]
    assert config.status == "fail" and "no [[auto]] section" in config.message


def test_an_automated_scheduler_run_is_not_judged_by_a_constant_lr_reference():
    """Examiner probe 2: a faithful [[auto]] run (seed 004's rule ends near 0.34 by design) failed the baseline
    against adam-constant (0.96). No constant-LR reference stands in for another algorithm, and no committed runs of
    it exist: not judged, and (examiner probe 4) not pending either — pending points that nothing can ever check
    capped an honest [[auto]] student at 71.43/100."""
    from grader.context import baseline_entry

    auto = RunConfig(optimizer="adam", lr=1e-3, schedule=ScheduleConfig(name="auto", factors=(2.0, 1.0, 0.5)))
    assert baseline_entry(BASELINE, auto) is None
    assert baseline_entry(BASELINE, RunConfig(optimizer="sgd", lr=0.05, schedule=ScheduleConfig(name="cosine")))
    _, train = rerun(acc=0.34)
    entry = {"name": "a", "optimizer": "adam", "lr": 1e-3, "epochs": 2, "claimed_test_accuracy": 0.34, "seed": 0,
             "claimed_test_loss": train.result["final"]["test_loss"]}  # fmt: skip
    sub = Submission.model_validate({"student": {"id": "s1", "name": "S"}, "auto": [entry]})
    assignment = Assignment(required=["auto"], train_epochs=2, max_epochs=2, tolerances={"probe_epochs": 0})
    (p,) = [p for p in plan(sub, assignment, False) if p.kind == "train"]
    ctx = Context(sub, assignment, [(p, train)], BASELINE, False, 1000, baselines=load_baselines("mnist-5k"))
    checks = run_checks(ctx)
    (base,) = [c for c in checks if c.check == "baseline"]
    assert base.status == "skip" and base.pending == base.max_points == 0 and "automated scheduler" in base.message
    assert sum(c.pending for c in checks) == 0 and sum(c.points for c in checks) == sum(c.max_points for c in checks)


# ---------------------------------------------------------------- examiner probe 3: logs as students save them


def _csv(tmp_path, text: str, name: str = "log.csv"):
    from grader.logs import read_csv

    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return read_csv(path)


def test_a_csv_log_saved_by_excel_or_pandas_is_read(tmp_path):
    """Excel's "CSV UTF-8" starts with a BOM (the header read as '\\ufeffstep': "CSV header lacks step"); pandas writes
    an integer column with empty cells as 1.0 ("not a number where one is expected"). Both are the student's log."""
    rows = "step,lr,train_loss,epoch,test_loss,test_accuracy\n0,0.1,2.3,,,\n1,0.1,2.1,1.0,0.5,0.9\n"
    bom = _csv(tmp_path, "\ufeff" + rows, "excel.csv")
    pandas = _csv(tmp_path, rows, "pandas.csv")
    for logs in (bom, pandas):
        assert (
            logs.step == [0, 1] and logs.train_loss == [2.3, 2.1] and logs.epoch == [1] and logs.test_accuracy == [0.9]
        )
    from grader.logs import LogError

    with pytest.raises(LogError, match='line 3: epoch "1.5" is not a whole number'):
        _csv(tmp_path, rows.replace("1.0,0.5", "1.5,0.5"), "half.csv")  # an epoch of 1.5 is no counter


def test_a_train_loss_logged_once_an_epoch_is_not_a_divergence(tmp_path):
    """The LR logged every step, the train loss once an epoch: the steps without a loss were read as NaN losses,
    "not finite from step 0", and a divergence was diagnosed. The log is read at the steps that have both; a log
    with no train loss at all says so."""
    from grader.logs import LogError

    lines = ["step,lr,train_loss,epoch,test_loss,test_accuracy"]
    for s in range(64):
        loss = f"{2.3 * 0.97**s:.4f}" if s % 32 == 31 else ""
        epoch = "" if s % 32 != 31 else str(s // 32 + 1)
        lines.append(f"{s},0.05,{loss},{epoch},{'0.3' if epoch else ''},{'0.9' if epoch else ''}")
    logs = _csv(tmp_path, "\n".join(lines) + "\n")
    assert logs.step == [31, 63] and all(math.isfinite(v) for v in logs.train_loss + logs.lr)
    from grader.evidence import compare, diverges

    rerun = {"lr": [0.05] * 64, "train_loss": [2.3 * 0.97**s for s in range(64)], "train_loss_smoothed": [],
             "epochs": [{"epoch": 1, "step": 32, "test_loss": 0.3, "test_accuracy": 0.9},
                        {"epoch": 2, "step": 64, "test_loss": 0.3, "test_accuracy": 0.9}]}  # fmt: skip
    cmp = compare(logs, rerun, 1000)
    assert cmp.nonfinite is None and diverges(logs) is None and cmp.matches, cmp.summary()
    one_based = [lines[0]] + [",".join([str(int(r.split(",")[0]) + 1), *r.split(",")[1:]]) for r in lines[1:]]
    assert _csv(tmp_path, "\n".join(one_based) + "\n", "one.csv").step == [31, 63]  # 1-based steps read as such
    assert "no train loss" in cmp.summary() and "smoothed train loss" not in cmp.summary()
    assert "the train loss is logged every 32 steps" in cmp.summary().lower()  # not "none logged" (probe 9)
    none = _csv(tmp_path, "step,lr,train_loss,epoch,test_loss,test_accuracy\n0,0.1,,,,\n1,0.1,,1,0.5,0.9\n", "none.csv")
    assert none.step == [] and none.epoch == [1]  # no train loss at all: an evaluation log (its test metrics read)
    with pytest.raises(LogError, match="no train loss logged"):
        _csv(tmp_path, "step,lr,train_loss,epoch,test_loss,test_accuracy\n0,0.1,,,,\n1,0.1,,,,\n", "nothing.csv")


def test_an_lr_logged_after_scheduler_step_is_the_claimed_table():
    """A loop that logs the LR after scheduler.step() logs each step's *next* LR: the claimed table one step ahead,
    not another config (it was "the log does not match the claimed config … confirmed by a rerun")."""
    from grader.evidence import Shift, compare
    from reference.outputs import Logs

    table = [0.1 * 0.9**s for s in range(40)]
    rerun = {"lr": table, "train_loss": [2.0] * 40, "train_loss_smoothed": [2.0] * 40, "epochs": []}
    ahead = Logs("log", list(range(39)), table[1:], [2.0] * 39)
    cmp = compare(ahead, rerun, 1000)
    assert cmp.lr is None and cmp.reading.shift is Shift.AHEAD and "logged one step ahead" in cmp.summary()
    other = Logs("log", list(range(40)), [2 * x for x in table], [2.0] * 40)  # another LR: still a mismatch
    assert compare(other, rerun, 1000).lr is not None


def test_a_committed_onecycle_or_cyclic_config_is_recognised_however_its_peak_is_written():
    """Examiner probe 3: OneCycle / CyclicLR with max_lr (and base_lr) left to their defaults, or OneCycle written with
    lr = max_lr / 25, is the committed config — the same LR table — but was "no committed reference of this run's
    config (lr 0.0506; the nearest … trains at 0.0506)", and its claims went unjudged by the 20 seeds."""
    import json

    from grader.context import differences, seed_reference
    from reference.protocols import BASELINES

    runs = json.loads((BASELINES / "mnist-5k.json").read_text())["runs"]
    committed = load_baselines("mnist-5k")
    for name in ("sgd-onecycle", "sgd-cyclic"):
        cfg = RunConfig(**runs[name]["config"])
        bare = cfg.model_copy(update={"schedule": cfg.schedule.model_copy(update={"max_lr": None, "base_lr": None})})
        assert seed_reference(committed, "train", bare) is not None, name
        twice = bare.model_copy(update={"lr": 2 * cfg.lr})
        assert seed_reference(committed, "train", twice) is None, name  # another peak: another config
    cfg = RunConfig(**runs["sgd-onecycle"]["config"])
    written = cfg.model_copy(update={"lr": cfg.lr / 25})  # OneCycle overwrites the optimizer's lr
    assert seed_reference(committed, "train", written) is not None
    other = {**runs["sgd-constant"]["config"], "lr": 0.0125, "nesterov": True}
    assert differences(other, runs["sgd-constant"]["config"]) == "lr 0.0125 (theirs 0.0506), nesterov"
    peaked = {**runs["sgd-cyclic"]["config"], "lr": 0.000449, "schedule": {"name": "cyclic", "max_lr": 0.0045}}
    assert differences(peaked, runs["sgd-constant"]["config"]).startswith(  # probe 5: the peak, named as such
        "peak LR 0.0045 (theirs 0.0506), schedule cyclic (theirs constant)"
    )


def test_a_train_loss_logged_at_the_epoch_number_is_said_not_misread(tmp_path):
    """`writer.add_scalar("Loss/train", mean, epoch)` beside an LR logged at the optimizer step: the loss's steps are
    epoch numbers (1, 2), not steps, and were compared with the rerun's first steps ("outside the seed noise"). The
    two cannot be lined up: the log is not used, and the line says why and what to log instead."""
    from grader.logs import LogError

    lines = ["step,lr,train_loss,epoch,test_loss,test_accuracy"]
    lines += [f"{s},0.05,{'1.6' if s in (1, 2) else ''},{s if s in (1, 2) else ''},"
              f"{'0.3' if s in (1, 2) else ''},{'0.9' if s in (1, 2) else ''}" for s in range(64)]  # fmt: skip
    with pytest.raises(LogError, match="logged once an epoch at steps 1–2 .* optimizer steps 0–63"):
        _csv(tmp_path, "\n".join(lines) + "\n")


def _lr_only(lr: float, schedule: dict | None = None) -> tuple[Submission, dict]:
    """A final run at `lr` (the student's own rule's pick), and a committed reference of the same config at 0.05."""
    run = {"name": "const", "optimizer": "sgd", "lr": lr, "epochs": 2, "schedule": schedule or {"name": "constant"}}
    sub = Submission.model_validate({"student": {"id": "s1", "name": "S"}, "run": [run]})
    ref = {**BASELINE["runs"]["sgd-constant"], "config": RunConfig(lr=0.05, epochs=2).model_dump(mode="json")}
    return sub, {**BASELINE, "runs": {"sgd-constant": ref}}


def test_a_run_at_another_lr_that_ends_lower_is_pending_not_docked():
    """An honest student whose rule (valley, min) picks another LR than the reference's trains at it as the course
    asked; measured (benchmarks/baseline_rules.py), SGD MultiStepLR at the valley pick ends ~3 pp below the reference
    at the steepest pick. A shortfall against a reference that differs only in the LR cannot tell the LR's effect
    from a fault: pending (why "lr"), no points lost. Reaching the reference still passes."""
    from grader.results import StudentResult, pending_lines

    sub, base = _lr_only(0.01)
    short = verdicts(sub, [rerun(acc=0.90)[1]], baseline=base)[("baseline", "const")]
    assert short.status == "skip" and short.points == 0 and short.pending > 0 and short.why == "lr", short
    assert "only in its LR" in short.message and short.rerun == 0.9 and short.reference == 0.95
    assert verdicts(sub, [rerun(acc=0.95)[1]], baseline=base)[("baseline", "const")].status == "pass"
    diverged = rerun(acc=0.1, diverged={"step": 40, "reason": "loss became nan at step 40"})[1]
    blew = verdicts(sub, [diverged], baseline=base)[("baseline", "const")]
    assert blew.status == "skip" and blew.why == "lr" and "diverged at step 40" in blew.message
    at_once = rerun(diverged={"step": 3, "reason": "loss became nan at step 3"})[1]  # SGD at its `min` pick (~1.0)
    at_once.result.update(epochs=[], final=None)
    early = verdicts(sub, [at_once], baseline=base)[("baseline", "const")]
    assert early.status == "skip" and early.why == "lr" and "before its first evaluation" in early.message
    same, _ = _lr_only(0.05)  # the reference's own config diverging is still the run's fault
    assert verdicts(same, [at_once], baseline=base)[("baseline", "const")].status == "fail"
    line = pending_lines([StudentResult(folder="s1", id="s1", name="S", status="graded", checks=[short])])
    assert len(line) == 1 and line[0].startswith(
        "runs at another LR, optimizer setting or scheduler than the reference's: 1 baseline comparison"
    )


def test_a_run_of_another_schedule_that_ends_lower_is_still_judged():
    """Only another LR is excused: a run whose schedule differs from the nearest reference's (milestones stepped per
    iteration, say) and ends below it still fails, as its diagnosis needs."""
    sub, base = _lr_only(0.05, {"name": "step", "step_size": 1, "gamma": 0.1, "cadence": "step"})
    step = ScheduleConfig(name="step", step_size=1, gamma=0.1)
    ref = {**base["runs"].pop("sgd-constant"), "config": RunConfig(lr=0.05, epochs=2, schedule=step).model_dump()}
    base["runs"]["sgd-step"] = ref
    c = verdicts(sub, [rerun(acc=0.80)[1]], baseline=base)[("baseline", "const")]
    assert c.status == "fail" and c.points == 0 and c.why is None, c.message


# ---------------------------------------------------------------- examiner probes 4 and 5: lengths, LRs, chaos


def _short(schedule: str, epochs: int = 1, lr: float = 0.05) -> tuple[dict, Submission, Assignment]:
    """A run of `epochs` against a committed 2-epoch constant/`schedule` reference at LR 0.05."""
    sched = ScheduleConfig(name=schedule)
    ref = {**BASELINE["runs"]["sgd-constant"], "config": RunConfig(lr=0.05, epochs=2, schedule=sched).model_dump()}
    base = {**BASELINE, "runs": {f"sgd-{schedule}": ref}}
    run = {"name": "const", "optimizer": "sgd", "lr": lr, "epochs": epochs, "schedule": {"name": schedule}}
    sub = Submission.model_validate({"student": {"id": "s1", "name": "S"}, "run": [run]})
    return base, sub, Assignment(train_epochs=1, max_epochs=2)


def _epochs(outcome, n: int):
    outcome.result["epochs"] = outcome.result["epochs"][:n]
    outcome.result["final"] = outcome.result["epochs"][-1]
    return outcome


def test_a_shorter_run_of_a_length_free_schedule_meets_the_references_first_epochs():
    """Examiner probe 5 (c07): the committed constant-LR config cut to the 20 epochs the class allows kept its
    baseline points pending for good ("compared at its final epoch (20) by the full grade", inside the full grade).
    Its LR table is the reference's first epochs: compared there, as its own config."""
    base, sub, a = _short("constant")
    v = verdicts(sub, [_epochs(rerun()[1], 1)], baseline=base, assignment=a)[("baseline", "const")]
    assert v.status == "pass" and v.reference == 0.9 and v.pending == 0, v.message
    assert "at epoch 1 (the reference runs 2 epochs, this run 1" in v.message, v.message


def test_a_run_no_reference_ends_with_says_so_in_the_full_grade():
    """A cosine run is not its reference's prefix (its LR table spans the run): in the full grade it is pending with
    what settles it, never "compared … by the full grade" (this is the full grade)."""
    from grader.results import StudentResult, pending_lines

    base, sub, a = _short("cosine")
    v = verdicts(sub, [_epochs(rerun()[1], 1)], baseline=base, assignment=a)[("baseline", "const")]
    assert v.status == "skip" and v.pending > 0 and v.why == "reference", v.message
    assert "by the full grade" not in v.message and "ends at epoch 1, the reference at epoch 2" in v.message
    (line,) = pending_lines([StudentResult(folder="s1", id="s1", name="S", status="graded", checks=[v])])
    assert "review by hand" in line and "dataset, optimizer and input (" not in line


def test_a_quick_grade_promises_the_full_grade_only_what_it_compares():
    """Examiner probe 14: a 3-epoch cosine run beside a 2-epoch reference was "compared at its final epoch (3) by the
    full grade" in quick mode, and "Not comparable" in the full grade. No grade compares it: the quick one says so."""
    base, sub, _ = _short("cosine", epochs=3)
    a = Assignment(train_epochs=1, max_epochs=3, quick_epochs=1)
    v = verdicts(sub, [_epochs(rerun()[1], 1)], quick=True, baseline=base, assignment=a)[("baseline", "const")]
    assert v.status == "skip" and v.why == "reference" and "by the full grade" not in v.message, v.message
    assert "this run ends at epoch 3, the reference at epoch 2" in v.message, v.message


def test_a_longer_length_free_run_is_not_promised_a_comparison_the_full_grade_lacks():
    """Examiner probe 24 (F2): a 40-epoch CyclicLR run beside 30-epoch references of other configs was told by the
    quick self-check "it is compared at its final epoch (40) by the full grade", whose own line then said "Not
    comparable … ends at epoch 40, the reference at epoch 30". A length-free reference that ends sooner says nothing
    of the run's last epochs: both grades say so."""
    ref_cfg = RunConfig(lr=0.05, epochs=2, schedule=ScheduleConfig(name="exponential", gamma=0.9))
    base = {
        **BASELINE,
        "runs": {"sgd-exponential": {**BASELINE["runs"]["sgd-constant"], "config": ref_cfg.model_dump()}},
    }
    run = {
        "name": "const",
        "optimizer": "sgd",
        "lr": 0.05,
        "epochs": 3,
        "schedule": {"name": "exponential", "gamma": 0.8},
    }
    sub = Submission.model_validate({"student": {"id": "s1", "name": "S"}, "run": [run]})
    a = Assignment(train_epochs=1, max_epochs=3, quick_epochs=1)
    quick = verdicts(sub, [_epochs(rerun()[1], 1)], quick=True, baseline=base, assignment=a)[("baseline", "const")]
    assert quick.status == "skip" and quick.why == "reference" and "by the full grade" not in quick.message
    assert "this run ends at epoch 3, the reference at epoch 2" in quick.message, quick.message
    full = verdicts(sub, [_epochs(rerun()[1], 2)], baseline=base, assignment=a)[("baseline", "const")]
    assert full.status == "skip" and full.why == "reference", full.message


def test_a_run_within_baseline_lr_decades_is_not_called_another_seed_of_the_reference():
    """Examiner probe 4 (F8): a run at 0.0409 met the reference at 0.0506 (within 0.1 decades) and was called "this
    run's own config (…, another seed of it)". The message names both LRs."""
    base, sub, a = _short("constant", epochs=2, lr=0.0409)
    v = verdicts(sub, [rerun()[1]], baseline=base, assignment=a)[("baseline", "const")]
    assert v.status == "pass" and "another seed of it" not in v.message
    assert "at LR 0.05 (this run's 0.0409 is within 0.1 decades" in v.message, v.message


def test_a_chaotic_runs_quick_claims_say_the_full_grade_cannot_settle_them():
    """Examiner probe 4 (F3): seed 004's faithful rule is chaotic by construction; the self-check said "run --full to
    check them", and the full grade then left them pending review by hand. Quick mode says so up front."""
    from test_checks import MAIN

    sub = submission(claimed_test_accuracy=0.951)
    a = ASSIGNMENT_2.model_copy(update={"quick_epochs": 1})
    planned = [p for p in plan(sub, a, True) if p.kind != "probe"]
    rt, train = rerun()
    train = _epochs(train, 1)
    train.result["train_loss"] = MAIN
    twin = Outcome({"train_loss": [x * 1.1 for x in MAIN], "diverged": None})  # a nudge moved it 10 %: chaotic
    ctx = Context(sub, a, list(zip(planned, [rt, train], strict=True)), BASELINE, True, 1000, {"const": twin})
    c = next(c for c in run_checks(ctx) if c.check == "accuracy_claim")
    assert c.status == "skip" and c.why == "chaotic" and "chaotic" in c.message and c.pending > 0, c.message


def test_a_linear_sweeps_tolerance_says_its_sigma_comes_from_exponential_sweeps():
    """Examiner probe 5 (W7): a `shape = "linear"` sweep borrows σ from the committed exponential sweeps; say so."""
    from grader.checks import lr_tolerance_for
    from reference.config import range_test_config

    tol = Assignment().tolerances
    linear = range_test_config(start_lr=1e-5, end_lr=10, shape="linear", epochs=10, optimizer="sgd")
    _, origin = lr_tolerance_for(load_baselines("mnist-5k"), linear, "min/10", {"lr": [1e-5, 1e-4]}, tol)
    assert "all exponential (this sweep is linear: the σ of its own shape is not measured)" in origin, origin
    exp = range_test_config(start_lr=1e-6, end_lr=1, epochs=10, optimizer="sgd")
    assert "own shape" not in lr_tolerance_for(load_baselines("mnist-5k"), exp, "min/10", {"lr": [1e-5]}, tol)[1]


# ---------------------------------------------------------------- examiner probe 6: an instructor's class


def test_a_log_at_a_neighbouring_lr_is_not_held_to_the_seeds_of_another_lr():
    """Probe 6 (F2): an honest log at 0.0409 was held to the seed band of the committed run at 0.0506 (within
    baseline_lr_decades, so "its own config" for the baseline check): "outside the seed noise … step 564". A log is a
    draw of its own LR's seeds only: at another LR its band is the pooled one; at the committed LR, the seeds'."""
    from grader.evidence import noise

    a = Assignment()
    for lr, source in ((0.0409, "no committed seeds of this config"), (0.0506, "committed seeds of this config")):
        run = {"name": "r", "optimizer": "sgd", "lr": lr, "epochs": 30}
        sub = Submission.model_validate({"student": {"id": "s1", "name": "S"}, "run": [run]})
        (p,) = [p for p in plan(sub, a, False) if p.kind == "train"]
        ctx = Context(sub, a, [(p, rerun()[1])], None, False, 1000, baselines=load_baselines("mnist-5k"))
        band, epochs = noise(ctx, p)
        own = {e for e, stats in epochs.items() if not stats.get("borrowed")}  # else the widest of other configs'
        assert source in band.source and bool(own) == (lr == 0.0506) and bool(epochs), (lr, band.source)
        if lr == 0.0409:  # examiner probe 24 (F6): beside the baseline's "met as its own config", said why
            assert band.source.startswith("no committed seeds of this config at its LR (the seeds of sgd-constant "
                                          "are at LR 0.0506: a log is held to a config's seed band only within 1 % "
                                          "of their LR)"), band.source  # fmt: skip


def test_an_allowed_length_other_than_the_references_is_compared_where_its_first_epochs_end():
    """Probe 6 (F1): a 20-epoch MultiStepLR run at the student's own LR (the class allows 20–30 epochs) stayed
    pending for good. Both schedules are length-free: the reference's first 20 epochs are a 20-epoch run of it."""
    sched = {"name": "step", "step_size": 1, "gamma": 0.5}
    ref_cfg = RunConfig(lr=0.05, epochs=2, schedule=ScheduleConfig(**sched)).model_dump()
    base = {**BASELINE, "runs": {"sgd-step": {**BASELINE["runs"]["sgd-constant"], "config": ref_cfg}}}
    run = {"name": "const", "optimizer": "sgd", "lr": 0.02, "epochs": 1, "schedule": {**sched, "step_size": 2}}
    sub = Submission.model_validate({"student": {"id": "s1", "name": "S"}, "run": [run]})
    a = Assignment(train_epochs=1, max_epochs=2)
    v = verdicts(sub, [_epochs(rerun()[1], 1)], baseline=base, assignment=a)[("baseline", "const")]
    assert v.status == "pass" and v.reference == 0.9 and "at epoch 1, where this run ends (the" in v.message, v


def test_baseline_runs_all_still_leaves_a_marked_control_for_information():
    """Probe 6 (F3): `baseline_runs = "all"` judged a run the student marked role = "control" (the pick ÷ 10)."""
    from grader.checks import judged_runs

    runs = [{"name": f"c-{lr:g}", "optimizer": "sgd", "lr": lr, "epochs": 2, **role}
            for lr, role in ((0.05, {}), (0.005, {"role": "control"}))]  # fmt: skip
    sub = Submission.model_validate({"student": {"id": "s1", "name": "S"}, "run": runs})
    a = Assignment(train_epochs=2, max_epochs=30, baseline_runs="all")
    planned = [(p, rerun()[1]) for p in plan(sub, a, False) if p.kind == "train"]
    judged, why = judged_runs(Context(sub, a, planned, BASELINE, False, 1000))
    assert judged == {"c-0.05"} and why == {"c-0.005": "marked role = 'control'"}


def test_a_shorter_run_at_another_lr_that_falls_short_is_pending_like_a_full_length_one():
    """Probe 6 re-graded (e02): a 20-epoch MultiStepLR run at the valley pick, compared with the reference's first 20
    epochs, fell short and lost 12 points: it differs from the reference only in its LR (its length is the
    reference's first epochs), so the shortfall is pending as at 30 epochs."""
    sched = {"name": "step", "step_size": 1, "gamma": 0.5}
    ref_cfg = RunConfig(lr=0.05, epochs=2, schedule=ScheduleConfig(**sched)).model_dump()
    base = {**BASELINE, "runs": {"sgd-step": {**BASELINE["runs"]["sgd-constant"], "config": ref_cfg}}}
    run = {"name": "const", "optimizer": "sgd", "lr": 0.01, "epochs": 1, "schedule": sched}
    sub = Submission.model_validate({"student": {"id": "s1", "name": "S"}, "run": [run]})
    a = Assignment(train_epochs=1, max_epochs=2)
    short = _epochs(rerun()[1], 1)
    short.result["epochs"][0]["test_accuracy"] = 0.5  # far below the reference's 0.90 at epoch 1
    v = verdicts(sub, [short], baseline=base, assignment=a)[("baseline", "const")]
    assert v.status == "skip" and v.why == "lr" and v.pending > 0 and v.points == 0, v.message


def test_a_run_at_another_lr_just_short_keeps_its_banded_points():
    """Audit 7 (s006's valley-pick run, 1.02 of its allowed shortfall): the another-LR excuse never gives less than
    judging would. Within the partial band the banded points are given and only the rest is pending review; beyond it
    everything is pending; the reference's own config just short is judged as before (warn, banded points)."""
    sub, base = _lr_only(0.01)
    tol = verdicts(sub, [rerun(acc=0.90)[1]], baseline=base)[("baseline", "const")].tolerance
    near = verdicts(sub, [rerun(acc=round(0.95 - 1.2 * tol, 4))[1]], baseline=base)[("baseline", "const")]
    assert near.status == "warn" and near.why == "lr" and 0 < near.points == near.max_points < 2.0
    assert near.pending == pytest.approx(2.0 - near.points) and near.message.startswith("Partly judged:")
    same, _ = _lr_only(0.05)
    judged = verdicts(same, [rerun(acc=round(0.95 - 1.2 * tol, 4))[1]], baseline=base)[("baseline", "const")]
    assert judged.status == "warn" and not judged.pending and judged.points == pytest.approx(near.points)


def _short_against(ref_sched: dict, run: dict, **ref_fields):
    """The baseline check of a 1-epoch `run` whose rerun ends far below (0.5) a reference of `ref_sched` at LR 0.05
    (its other fields `ref_fields`, RunConfig's defaults)."""
    ref_cfg = RunConfig(lr=0.05, epochs=1, schedule=ScheduleConfig(**ref_sched), **ref_fields).model_dump()
    name = f"sgd-{ref_sched['name']}"
    base = {**BASELINE, "runs": {name: {**BASELINE["runs"]["sgd-constant"], "config": ref_cfg}}}
    sub = Submission.model_validate({"student": {"id": "s1", "name": "S"}, "run": [{**run, "epochs": 1}]})
    short = _epochs(rerun()[1], 1)
    short.result["epochs"][0]["test_accuracy"] = 0.5  # far below the reference's 0.90
    return verdicts(sub, [short], baseline=base, assignment=Assignment(train_epochs=1, max_epochs=1))[
        ("baseline", run["name"])
    ]


def test_a_shortfall_at_another_lr_gamma_or_optimizer_setting_is_pending_and_another_model_is_judged():
    """Examiner probe 3 (A2): a valley-pick run with its own ExponentialLR gamma (0.8, the reference's 0.9) fell
    short and failed 0/11 — "no known cause matched" — while the same run at the reference's gamma was pending.
    Examiner probe 5: SGD with the course template's weight decay (5e-4, the references' 0) and AdamW with LambdaLR
    (the only AdamW reference is constant) failed 0/22 the same way. The scheduler (ExponentialLR against a
    constant-LR reference here), its arguments and the optimizer's
    settings are the student's to choose as the LR is: a shortfall against a reference that differs only in those is
    pending review. A run of another model than the reference's (relu instead of tanh) is still judged."""
    sched = {"name": "exponential", "gamma": 0.9}
    cases = ((sched, {}, {}, "skip"), (sched, {"momentum": 0.5, "weight_decay": 5e-4}, {}, "skip"),
             ({"name": "constant"}, {}, {}, "skip"), (sched, {}, {"activation": "relu"}, "fail"))  # fmt: skip
    for ref_sched, extra, ref_fields, status in cases:
        run = {"name": "exp", "optimizer": "sgd", "lr": 0.0187, "schedule": {**sched, "gamma": 0.8}, **extra}
        v = _short_against(ref_sched, run, **ref_fields)
        assert v.status == status, (ref_sched, extra, ref_fields, v.message)
        if status == "skip":
            assert v.why == "lr" and v.pending > 0 and v.points == 0
            assert "only in choices the assignment leaves to the student (lr 0.0187 (theirs 0.05)" in v.message
    v = _short_against(sched, {"name": "exp", "optimizer": "sgd", "lr": 0.0187, "weight_decay": 5e-4,
                               "schedule": {**sched, "gamma": 0.8}})  # fmt: skip
    assert "weight_decay" in v.message and "gamma" in v.message


def test_milestones_in_iterations_are_a_choice_and_epoch_counts_stepped_per_iteration_a_mistake():
    """Examiner probe 4 (A1): MultiStepLR stepped per iteration with milestones in iterations (as the course's hook
    ran it) fell short of the per-epoch reference and failed, while the same schedule per epoch was pending. The
    cadence is the student's choice too — unless the milestones are epoch counts stepped per iteration ([1] of a
    1-epoch run: the LR drops after one step), the course's pitfall, which is still judged."""
    sched = {"name": "multistep", "milestones": [15, 25], "gamma": 0.1}
    for milestones, status in (([16, 24], "skip"), ([1], "fail")):
        run = {"name": "ms", "optimizer": "sgd", "lr": 0.05,
               "schedule": {**sched, "milestones": milestones, "cadence": "step"}}  # fmt: skip
        v = _short_against(sched, run)
        assert v.status == status, (milestones, v.message)
        if status == "skip":
            assert v.why == "lr" and "cadence" in v.message


def test_a_loss_bump_the_run_recovers_from_is_no_divergence():
    """diagnosis_power: an honest OneCycle run at peak LR 0.3 (momentum cycled, claimed on MNIST: its loss the only
    curve compared) rose above twice its low for a while, was warned "turns back up … while the rerun trains on" and
    given the diverged-log cause. A run that diverges stays up (or stops being finite); one that recovers did not."""
    from grader.evidence import diverges
    from reference.outputs import Logs

    fall = [2.3 * 0.97**i for i in range(150)]  # down to ~0.02
    bump = fall + [0.5] * 150 + [0.02] * 600  # a spike past twice its low, then trained on
    up = fall + [0.5] * 750  # turned away for good
    steps = list(range(len(bump)))
    assert diverges(Logs("x", steps, [0.1] * len(steps), bump)) is None
    turned = diverges(Logs("x", steps, [0.1] * len(steps), up))
    assert turned is not None and 150 <= turned < 200
    assert diverges(Logs("x", steps, [0.1] * len(steps), fall + [math.nan] * 750)) == 150


def test_a_run_of_another_config_is_not_judged_before_it_ends_against_a_shorter_reference():
    """Examiner probe 23 (fr1): a 30-epoch MultiStepLR([15, 25]) run on Fashion-MNIST was judged at epoch 5 — before
    its first decay — against the 5-epoch protocol's MultiStepLR([2, 4]) reference, which had decayed twice by then,
    "(the LR of either schedule does not depend on the run's length …)": a run's first epochs are not where its
    schedule, chosen for its length, ends. Against a shorter reference of another config it is pending ("compared
    only where both end"); a reference of another config that runs as long as it is preferred where one exists."""
    from grader.context import run_reference

    ref_cfg = RunConfig(lr=0.05, epochs=1, schedule=ScheduleConfig(name="multistep", milestones=(1,), gamma=0.1))
    one = BASELINE["runs"]["sgd-constant"]["epochs"][:1]
    short_ref = {**BASELINE["runs"]["sgd-constant"], "config": ref_cfg.model_dump(), "epochs": one}
    base = {**BASELINE, "runs": {"sgd-multistep": short_ref}}
    run = {"name": "ms", "optimizer": "sgd", "lr": 0.01, "epochs": 2,
           "schedule": {"name": "multistep", "milestones": [2], "gamma": 0.1}}  # fmt: skip
    sub = Submission.model_validate({"student": {"id": "s1", "name": "S"}, "run": [run]})
    low = rerun()[1]
    low.result["epochs"][0]["test_accuracy"] = 0.5  # far below the reference's 0.90 at epoch 1, before its decay
    v = verdicts(sub, [low], baseline=base, assignment=Assignment(train_epochs=1, max_epochs=2))[("baseline", "ms")]
    assert v.status == "skip" and v.pending > 0, v.message
    assert "this run ends at epoch 2, the reference at epoch 1" in v.message, v.message
    long_cfg = ref_cfg.model_copy(update={"epochs": 2, "lr": 0.001}).model_dump()
    longer = {"dataset": "other", "runs": {"sgd-multistep": {**BASELINE["runs"]["sgd-constant"], "config": long_cfg}}}
    (planned,) = [p for p in plan(sub, Assignment(train_epochs=1, max_epochs=2), False) if p.kind == "train"]
    found = run_reference([{**base, "dataset": "first"}, longer], planned.config, 0.1)
    assert found.match == "other config" and found.protocol == "other", found  # was the shorter, listed first


def test_an_lr_claim_judged_with_a_borrowed_sigma_is_pending_where_honest_picks_stray():
    """Examiner probe 23: on sweeps whose own committed seeds do not measure the rule's σ — 64- and 100-step sweeps
    (fastai's lr_find length), full-size Fashion-MNIST's 3-seed sweeps — 12 of 145 honest claims lost points (valley
    up to 1.99× the tolerance, 3 FAIL; a steepest pick at the sweep's first steps 1.53×, FAIL 0/50): within
    BORROWED_REVIEW × the tolerance such a miss is pending review; beyond it, judged."""
    from grader.checks import borrowed_review

    near = verdicts(submission(claimed_lr=0.1 * 10**0.5), rerun(pick=0.1))[("lr_claim", "sweep")]  # 1.67× 0.3
    assert near.status == "skip" and near.pending > 0 and near.points == 0, near.message
    assert near.message.startswith("Unconfirmed, flagged for review") and "borrowed" in near.message, near.message
    rule = submission().range_test[0].rule
    far = verdicts(submission(claimed_lr=0.1 * 10 ** (0.3 * borrowed_review(rule)[0] + 0.05)), rerun(pick=0.1))
    assert far[("lr_claim", "sweep")].status == "fail", far[("lr_claim", "sweep")].message


def test_a_valley_pick_judged_with_a_borrowed_sigma_has_the_wider_review_its_picks_need():
    """benchmarks/borrowed_sigma.py: honest valley picks on 64-step sweeps reach 3.41× the borrowed-σ tolerance (4.8 %
    of adamw-64's honest pairs past 2.5×, docked); the other rules 1.93×. A valley miss is pending within 3.5×, and
    the message says how far honest picks of that rule were measured to stray."""
    from grader.checks import borrowed_review

    assert borrowed_review("valley") == (3.5, 3.41) and borrowed_review("min") == (2.5, 1.93)

    def judged(lr: float):
        base = submission(claimed_lr=lr)
        sub = base.model_copy(update={"range_test": [base.range_test[0].model_copy(update={"rule": "valley"})]})
        outcomes = rerun()
        outcomes[0].result["suggestions"]["valley"] = 0.1
        return verdicts(sub, outcomes)[("lr_claim", "sweep")]

    tol = judged(0.1).tolerance
    near = judged(0.1 * 10 ** (3.0 * tol))
    assert near.status == "skip" and near.pending > 0, near.message
    assert "rule 'valley': up to 3.41× the tolerance, benchmarks/borrowed_sigma.py" in near.message, near.message
    far = judged(0.1 * 10 ** (3.6 * tol))
    assert far.status == "fail", far.message
