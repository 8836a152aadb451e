"""Examiner probe 23: logs as students hand them in. A sweep run on past its blow-up logs `nan` (one NaN at the end
threw an honest sweep log away); a shared log folder or a long CSV of several runs got a "confirmed" cause from
mixed data; the (epoch, batch-in-epoch) CSV was refused; Lightning's `lr-Adam` column was not read as the LR."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from grader.diagnoses import Case, diagnose
from grader.evidence import compare, lr_against_log, plausible
from grader.logs import LogError, Mixed, gather, read_logs
from grader.schema import RangeTestClaim, Submission
from reference.config import RunConfig, range_test_config
from reference.loop import run
from reference.outputs import logs_from_result, write_csv, write_tensorboard

P = 32  # mnist-5k's steps an epoch at batch 128


@pytest.fixture(scope="module")
def sweep(mnist5k) -> dict:
    """The examiner's SGD sweep, 1e-5 → 10 over 2 epochs of mnist-5k: the rerun stops where it diverges."""
    torch.set_num_threads(1)
    return run(range_test_config(start_lr=1e-5, end_lr=10.0, epochs=2, optimizer="sgd"), device="cpu", data=mnist5k)


@pytest.fixture(scope="module")
def honest(mnist5k) -> dict:
    torch.set_num_threads(1)
    return run(RunConfig(epochs=2, lr=0.05), device="cpu", data=mnist5k)


def _with_nan(logs, at: int):
    """The log with its train loss `nan` at step `at` (and the log cut after it, as a sweep that blew up ends)."""
    n = logs.step.index(at) + 1
    return replace(logs, step=logs.step[:n], lr=logs.lr[:n], train_loss=[*logs.train_loss[: n - 1], math.nan])


def test_a_sweep_logs_nan_past_its_divergence_and_stays_the_sweeps_log(sweep, mnist5k):
    """u-nan: one NaN at step 63, where the grader's own rerun stopped (smoothed loss > 4× best), made the log "not
    finite from step 63", not used, and the LR claim was judged against the rerun (FAIL 0/50); the same log without
    the NaN row passed against the student's own log. A sweep's NaN past its divergence is its blow-up: left out,
    with one sentence; a NaN inside the descent is still flagged."""
    stopped = sweep["diverged"]["step"]
    cfg = range_test_config(start_lr=1e-5, end_lr=10.0, epochs=2, optimizer="sgd", diverge_factor=None)
    student = logs_from_result(run(cfg, device="cpu", data=mnist5k))  # ran on to the sweep's end, no stop
    blown = _with_nan(student, stopped)  # its loss `nan` from the step where the rerun diverged
    cmp = compare(blown, sweep, 1000, sweep=True)
    assert cmp.nonfinite is None and cmp.matches and plausible(cmp), cmp.summary()
    assert cmp.blowup == (f"Left out: its last logged step (step {stopped}, LR {student.lr[stopped]:.3g}), whose "
                          "train loss is not finite, the sweep's blow-up past its divergence (the rerun of the claimed "
                          f"config diverged at step {stopped}), not a fault of the log")  # fmt: skip
    assert cmp.summary().startswith("The log matches the rerun") and cmp.summary().endswith(cmp.blowup + ".")
    # the log's own smoothed loss passed the divergence rule before its NaN (a loss of 1e4, then `nan`): the blow-up,
    # whatever the rerun did
    early = _with_nan(student, stopped - 1)
    early = replace(early, train_loss=[*early.train_loss[:-2], 1e4, math.nan])
    own = compare(early, {**sweep, "diverged": None}, 1000, sweep=True)
    assert own.matches and "its own smoothed loss had passed the divergence rule at step" in own.blowup
    # the claim read off the log is judged against it
    pick = blown.pick("valley")
    claim = RangeTestClaim(name="s", optimizer="sgd", start_lr=1e-5, end_lr=10.0, epochs=2, rule="valley",
                           claimed_lr=float(f"{pick:.3g}"))  # fmt: skip
    assert lr_against_log(claim, blown).ok
    # a NaN in the middle of the descent is no blow-up: flagged as before
    mid = replace(student, train_loss=[math.nan if s == 20 else v for s, v in zip(student.step, student.train_loss,
                                                                                   strict=True)])  # fmt: skip
    bad = compare(mid, sweep, 1000, sweep=True)
    assert bad.nonfinite == 20 and bad.blowup is None and not bad.matches
    assert bad.summary().startswith("Logged train loss is not finite from step 20")


def test_a_training_run_with_a_nan_is_still_flagged(honest):
    """The blow-up reading is a sweep's: a training run's NaN, even at its last step, is flagged as before."""
    logs = logs_from_result(honest)
    cmp = compare(_with_nan(logs, logs.step[-1]), honest, 1000)
    assert cmp.nonfinite == logs.step[-1] and cmp.blowup is None and not cmp.matches


def _sweep_config():
    return range_test_config(start_lr=1e-5, end_lr=10.0, epochs=2, optimizer="sgd")


def test_a_folder_of_two_runs_names_that_and_no_cause_read_off_the_mix(sweep, honest, tmp_path):
    """d2: two entries, both `logs = "runs"`, a folder the sweep and then a constant-LR run wrote into. The load note
    was right, but the sweep's logs check said "Logged LR constant at 0.0506 from step 0: no scheduler was applied"
    and its cause "the log does not match the claimed config (different LR table) (high confidence, confirmed by the
    figures themselves)". The figures at a step both runs hold are the last-written run's: the log is said to hold
    2 runs, no scheduler is accused, and that is the cause named."""
    write_tensorboard(logs_from_result(sweep), tmp_path / "runs")
    write_tensorboard(logs_from_result(honest), tmp_path / "runs")  # a second event file, written after
    notes: list[str] = []
    logs = read_logs(tmp_path, "runs", None, notes, P, "sgd-sweep")
    assert isinstance(logs, Mixed) and logs.runs == 2 and logs.how == "its train loss starts again from step 0"
    assert notes == ["logs 'runs': the train loss starts again from step 0 (2 runs in one log); where their steps "
                     "overlap the one written last is read: hand in this run's own event file or folder"]  # fmt: skip
    cmp = compare(logs, sweep, 1000, sweep=True)
    assert cmp.lr is not None and cmp.lr_constant is None and not cmp.matches
    text = cmp.summary()
    assert "no scheduler was applied" not in text and "does not match the claimed config" not in text
    assert text.startswith("The log holds 2 runs (its train loss starts again from step 0), the one written last "
                           "read where they share a step, so where it parts from the rerun it may be another run's: "
                           "not judged as this run's log; logged LR 0.05 at step 0 where the claimed config gives "
                           "1e-05")  # fmt: skip
    claim = RangeTestClaim(name="sgd-sweep", optimizer="sgd", start_lr=1e-5, end_lr=10.0, epochs=2, rule="valley")
    case = Case("logs", claim, _sweep_config(), sweep, None, logs, cmp, mixed=True)
    d = diagnose(case)
    assert d.pitfall == "several-runs" and d.confidence == "high" and not d.confirmed
    assert d.cause == "the log holds 2 runs (its train loss starts again from step 0): the figures read are a mix " \
        "of them, not this run's alone"  # fmt: skip
    assert diagnose(replace(case, mixed=False)).pitfall == "log-mismatch"  # what the mixed figures said before
    # one run's own file: no mix, the sweep's log matches
    alone = tmp_path / "alone"
    write_tensorboard(logs_from_result(sweep), alone)
    own = read_logs(tmp_path, "alone", None, None, P, "sgd-sweep")
    assert not isinstance(own, Mixed) and compare(own, sweep, 1000, sweep=True).matches


def test_a_csv_of_several_runs_reads_the_entry_s_rows_by_its_run_column(sweep, honest, tmp_path):
    """g2: one CSV of two runs told apart by a `run` column (a long frame, `pd.concat(...).to_csv()`): the entry's rows
    are read where the column names it (one note), else the file is said to hold several runs, and is `Mixed`."""
    write_csv(logs_from_result(sweep), tmp_path / "s.csv")
    write_csv(logs_from_result(honest), tmp_path / "h.csv")
    body = [f"sgd-sweep,{line}" for line in (tmp_path / "s.csv").read_text().splitlines()[1:]]
    body += [f"sgd-constant,{line}" for line in (tmp_path / "h.csv").read_text().splitlines()[1:]]
    header = (tmp_path / "s.csv").read_text().splitlines()[0]
    (tmp_path / "all_runs.csv").write_text("\n".join([f"run,{header}", *body]) + "\n")
    n_sweep, total = len(sweep["train_loss"]), len(body)
    notes: list[str] = []
    mine = read_logs(tmp_path, "all_runs.csv", None, notes, P, "sgd-sweep")
    assert not isinstance(mine, Mixed) and mine.step == list(range(n_sweep))
    assert notes == [f'logs \'all_runs.csv\': column "run" names 2 runs ("sgd-sweep", "sgd-constant"); read the rows '
                     f'of this entry\'s, "sgd-sweep" ({n_sweep} of {total} rows)']  # fmt: skip
    assert compare(mine, sweep, 1000, sweep=True).matches
    run_rows = read_logs(tmp_path, "all_runs.csv", 2, None, P, "SGD-Constant")  # case aside
    assert run_rows.epoch == [1, 2] and compare(run_rows, honest, 1000).matches
    notes = []
    other = read_logs(tmp_path, "all_runs.csv", None, notes, P, "adam-sweep")
    assert isinstance(other, Mixed) and other.runs == 2 and other.how == 'its column "run" names 2 runs'
    assert notes == ['logs \'all_runs.csv\': column "run" names 2 runs ("sgd-sweep", "sgd-constant"), none of them '
                     'this entry\'s name "adam-sweep": their rows are read as one log, which is not judged as this '
                     "run's; name each run's rows after its entry, or hand in this run's own CSV"]  # fmt: skip
    assert "no scheduler was applied" not in compare(other, sweep, 1000, sweep=True).summary()
    # gather reads each entry's own rows
    sub = Submission.model_validate({"student": {"id": "x", "name": "x"}, "run": [
        {"name": "sgd-constant", "optimizer": "sgd", "lr": 0.05, "epochs": 2, "logs": "all_runs.csv"}]})  # fmt: skip
    done, ev = gather(tmp_path, sub)
    assert done.run[0].claimed_test_accuracy == pytest.approx(honest["final"]["test_accuracy"])


def _epoch_batch(honest: dict, header: str, e0: int, b0: int) -> str:
    """The run's log as many training loops print it: the epoch and the batch within it on every row (`for epoch …:
    for batch, (x, y) in enumerate(loader)`), the epoch's test metrics on its last batch's row."""
    logs = logs_from_result(honest)
    lines = [header]
    for s, lr, loss in zip(logs.step, logs.lr, logs.train_loss, strict=True):
        e, b = divmod(s, P)
        tests = f"{logs.test_loss[e]!r},{logs.test_accuracy[e]!r}" if b == P - 1 else ","
        lines.append(f"{e + e0},{b + b0},{lr!r},{loss!r},{tests}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(("header", "e0", "b0"), [("epoch,batch,lr,train_loss,test_loss,test_acc", 1, 0),
                                                  ("epoch,iter,lr,train_loss,test_loss,test_acc", 0, 1),
                                                  ("Epoch,batch_idx,lr,loss,val_loss,val_acc", 0, 0)])  # fmt: skip
def test_an_epoch_and_batch_csv_is_read_as_the_optimizer_step(honest, tmp_path, header, e0, b0):
    """b1 (`epoch,batch,…`) was refused: "CSV header lacks step, and its rows are not one per epoch … (df.to_csv(
    index_label="step") …)"; b2 (`epoch,iter,…`): "column "iter" goes back from 31 to 0". The step is
    (epoch − e0)·P + batch − b0, P the run's steps an epoch, e0 and b0 read off the data; one line says so."""
    (tmp_path / "t.csv").write_text(_epoch_batch(honest, header, e0, b0))
    notes: list[str] = []
    back = read_logs(tmp_path, "t.csv", 2, notes, P)
    logs = logs_from_result(honest)
    assert back.step == list(range(64)) and back.lr == logs.lr and back.train_loss == logs.train_loss
    assert back.epoch == [1, 2] and back.test_accuracy == logs.test_accuracy
    col = header.split(",")[1]
    minus = f" − {b0}" if b0 else ""
    assert notes[-1] == (f"logs 't.csv': column \"{col}\" counts each epoch's {P} steps from {b0} (epochs from {e0}): "
                         f"the optimizer step read as (epoch − {e0})·{P} + {col}{minus}; log the global step (a column "
                         "named step) to have it read as logged")  # fmt: skip
    assert not any("as step" in n or "not read" in n for n in notes)
    assert compare(back, honest, 1000).matches


def test_an_epoch_and_batch_csv_that_does_not_fit_the_run_is_refused_precisely(honest, tmp_path):
    """Counts that do not fit the run's steps an epoch, or that go back within an epoch, are refused by line."""
    (tmp_path / "t.csv").write_text(_epoch_batch(honest, "epoch,batch,lr,train_loss,test_loss,test_acc", 1, 0))
    with pytest.raises(LogError) as err:
        read_logs(tmp_path, "t.csv", 2, None, 16)  # a run of 16 steps an epoch: the counts reach 31
    assert str(err.value) == ("logs 't.csv': line 18: column \"batch\" counts 0–31 within an epoch, more than the "
                              "run's 16 steps an epoch (its dataset at its batch size): not a count of its batches; "
                              "log the global step (a column named step)")  # fmt: skip
    lines = _epoch_batch(honest, "epoch,batch,lr,train_loss,test_loss,test_acc", 1, 0).splitlines()
    lines[10] = lines[10].replace("1,9,", "1,2,", 1)  # epoch 1's count goes back from 8 to 2
    (tmp_path / "b.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(LogError, match=r"line 11: column \"batch\" goes back from 8 to 2 within epoch 1"):
        read_logs(tmp_path, "b.csv", 2, None, P)


def _lightning(honest: dict, lr_column: str) -> str:
    """PyTorch Lightning's CSVLogger `metrics.csv` of the run: LearningRateMonitor's `lr-<optimizer>` column, the train
    loss at each step, each epoch's validation on a row of its own at the epoch's last step, epochs from 0."""
    logs = logs_from_result(honest)
    lines = [f"epoch,{lr_column},step,train_loss,val_acc,val_loss"]
    for s, lr, loss in zip(logs.step, logs.lr, logs.train_loss, strict=True):
        e = s // P
        lines.append(f"{e},{lr!r},{s},{loss!r},,")
        if s % P == P - 1:
            lines.append(f"{e},,{s},,{logs.test_accuracy[e]!r},{logs.test_loss[e]!r}")
    return "\n".join(lines) + "\n"


def test_lightnings_lr_monitor_column_is_read_as_the_lr(honest, tmp_path):
    """a6: Lightning's LearningRateMonitor writes the LR as `lr-Adam` / `lr-SGD` / `lr-AdamW`: it was "not read", and
    the LR table went uncompared ("no LR logged where the rerun has steps"). Read as the LR where there is no `lr`
    column, and the note names it; an `lr` column beside it wins, and its momentum column is never the LR."""
    (tmp_path / "metrics.csv").write_text(_lightning(honest, "lr-SGD"))
    notes: list[str] = []
    back = read_logs(tmp_path, "metrics.csv", 2, notes, P)
    logs = logs_from_result(honest)
    assert back.lr == logs.lr and back.step == list(range(64)) and back.epoch == [1, 2]
    assert notes[0] == ("logs 'metrics.csv': read columns \"val_loss\" as test_loss, \"val_acc\" as test_accuracy, "
                        "\"lr-SGD\" as lr (PyTorch Lightning's LearningRateMonitor)")  # fmt: skip
    cmp = compare(back, honest, 1000)
    assert cmp.matches and cmp.lr_steps == 64 and cmp.summary().startswith("The log matches the rerun: LR table exact")
    text = _lightning(honest, "lr-SGD-momentum")
    (tmp_path / "m.csv").write_text(text)
    assert math.isnan(read_logs(tmp_path, "m.csv", 2, None, P).lr[0])  # a momentum is no LR
    both = "\n".join(f"{line},{'lr' if i == 0 else '0.5'}" for i, line in enumerate(_lightning(honest, "lr-Adam")
                                                                                    .splitlines()))  # fmt: skip
    (tmp_path / "b.csv").write_text(both + "\n")
    notes = []
    assert read_logs(tmp_path, "b.csv", 2, notes, P).lr[0] == 0.5
    assert any('"lr-Adam" not read' in n for n in notes)


def test_no_claim_is_taken_from_a_log_of_several_runs(sweep, honest, tmp_path):
    """diagnosis_power's several-runs students (a sweep and a 2-epoch run logged into one folder, the run last, its
    figures left to the log): the run's claims were read off the mixed log's last epoch — the sweep's, accuracy 0.14
    — and then failed against its epoch 2, the run's own (FAIL 66.67 for an honest student). No figure is read off a
    log of several runs (one note), and none is judged against it."""
    import tomllib

    write_tensorboard(logs_from_result(sweep), tmp_path / "s1" / "runs")
    write_tensorboard(logs_from_result(honest), tmp_path / "s1" / "runs")
    text = ('[student]\nid = "s1"\nname = "S"\n\n[[range_test]]\nname = "sweep"\noptimizer = "sgd"\nstart_lr = 1e-5\n'
            'end_lr = 10.0\nepochs = 2\nrule = "valley"\nlogs = "runs"\n\n[[run]]\nname = "run"\noptimizer = "sgd"\n'
            'lr = 0.05\nepochs = 2\nlogs = "runs"\n')  # fmt: skip
    (tmp_path / "s1" / "submission.toml").write_text(text)
    sub, ev = gather(tmp_path / "s1", Submission.model_validate(tomllib.loads(text)))
    assert all(isinstance(ev.logs[n], Mixed) for n in ("sweep", "run"))
    assert sub.run[0].claimed_test_accuracy is None and sub.range_test[0].claimed_lr is None and not ev.read
    assert any("run: no claim taken from its logs: the log holds 2 runs" in n for n in ev.notes), ev.notes


def test_no_cause_of_a_claim_is_read_off_a_log_of_several_runs_even_where_it_matches(sweep, honest, tmp_path):
    """Stop 42 left it: `diagnoses.cases` gave a claim's case the log of several runs where that log matched the
    rerun, while `checks._own_log` judges no claim against such a log — a cause could be argued from figures the
    grade itself calls a mix. The sweep, then the run, written into one folder: where they share a step the run's
    are read, so the mix matches the run's rerun; the run's failing accuracy claim gets no log and no comparison."""
    from grader.checks import CheckResult
    from grader.context import Context
    from grader.diagnoses import cases
    from grader.load import load_assignment
    from grader.plan import plan
    from grader.runner import Outcome

    write_tensorboard(logs_from_result(sweep), tmp_path / "runs")
    write_tensorboard(logs_from_result(honest), tmp_path / "runs")
    logs = read_logs(tmp_path, "runs", None, None, P, "run")
    assert isinstance(logs, Mixed) and compare(logs, honest, 1000).matches
    sub = Submission.model_validate({"student": {"id": "a", "name": "A"}, "setup": {"dataset": "mnist-5k"},
                                     "run": [{"name": "run", "optimizer": "sgd", "lr": 0.05, "epochs": 2,
                                              "claimed_test_accuracy": 0.5}]})  # fmt: skip
    a = load_assignment(Path(__file__).resolve().parents[1] / "submissions").model_copy(update={"train_epochs": 2})
    p = next(p for p in plan(sub, a, False) if p.kind == "train")
    ctx = Context(sub, a, [(p, Outcome(honest))], None, False, 1000, logs={"run": logs})
    failed = CheckResult("accuracy_claim", "run", "fail", "Claimed 0.5.", max_points=10)
    ((_, case, _),) = cases(ctx, [failed])
    assert case.logs is None and case.comparison is None and not case.mixed
    logs_check = CheckResult("logs", "run", "warn", "…", max_points=0)
    ((_, case, _),) = cases(ctx, [logs_check])  # the logs check itself still sees the log (several-runs is named
    assert case.logs is logs and case.comparison is not None  # there only where it parts from the rerun)
