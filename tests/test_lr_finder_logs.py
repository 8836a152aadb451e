"""The logs of popular LR finders, handed in by honest students (examiner probe 26): pytorch-lr-finder's `history`
(CSV via pandas, or `json.dump`) and fastai's recorder hold a loss already smoothed, fastai names its suggestions
`lr_min` (the minimum's LR ÷ 10) and `lr_steep`. Built from a real 100-step mnist-5k sweep."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import pytest
import torch

from grader import aliases
from grader.evidence import compare, either_rule, lr_against_log, presmoothed, roughness
from grader.logs import LogError, read_logs
from grader.plan import PlannedRun
from grader.schema import RangeTestClaim
from reference.config import range_test_config
from reference.loop import run
from reference.outputs import Logs
from reference.rules import RULES, valley_fastai

SWEEP = {"start_lr": 1e-7, "end_lr": 10.0, "steps": 100, "optimizer": "adam"}


@pytest.fixture(scope="module")
def sweeps(mnist5k) -> tuple[dict, dict]:
    """Two seeds of one 100-step Adam sweep (1e-7 → 10), run on to its end: the student's and the rerun's."""
    torch.set_num_threads(1)
    return tuple(run(range_test_config(**SWEEP, epochs=4, seed=s, diverge_factor=None), device="cpu", data=mnist5k)
                 for s in (801, 802))  # fmt: skip


def lr_finder(raw: list[float], f: float = 0.05) -> list[float]:
    """pytorch-lr-finder's history["loss"]: an exponential average, weight f on each new loss, the first one raw."""
    out: list[float] = []
    for v in raw:
        out.append(v if not out else f * v + (1 - f) * out[-1])
    return out


def fastai(raw: list[float], beta: float = 0.98) -> list[float]:
    """fastai's recorder.losses: the bias-corrected moving average of each batch's loss."""
    avg, out = 0.0, []
    for i, v in enumerate(raw):
        avg = beta * avg + (1 - beta) * v
        out.append(avg / (1 - beta ** (i + 1)))
    return out


def logs_of(result: dict, loss: list[float]) -> Logs:
    return Logs("lr_finder.csv", list(range(len(loss))), result["lr"][: len(loss)], loss)


def claim(rule: str, lr: float) -> RangeTestClaim:
    return RangeTestClaim(name="s", **SWEEP, rule=rule, claimed_lr=float(f"{lr:.2e}"))


def test_an_already_smoothed_loss_is_recognised_by_its_shape(sweeps):
    """Against the rerun's per-step loss (another seed): an honest per-step log ≈ 1, an LR finder's ≪ 0.2 (the
    figures over 61 pairs are in grader.evidence.presmoothed's docstring)."""
    mine, rerun = sweeps
    raw = roughness(logs_of(mine, mine["train_loss"]), rerun["train_loss"])
    assert 0.5 < raw < 2
    for smoothed in (lr_finder(mine["train_loss"]), fastai(mine["train_loss"])):
        assert roughness(logs_of(mine, smoothed), rerun["train_loss"]) < 0.1
        assert presmoothed(logs_of(mine, smoothed), rerun["train_loss"])[0].smoothed
    assert not presmoothed(logs_of(mine, mine["train_loss"]), rerun["train_loss"])[0].smoothed
    sparse = Logs("x", list(range(0, 100, 10)), mine["lr"][:100:10], lr_finder(mine["train_loss"])[:100:10])
    assert roughness(sparse, rerun["train_loss"]) is None  # no three steps in a row: not recognised


@pytest.mark.parametrize("rule", ["steepest", "min/10", "min"])
def test_a_pick_on_pytorch_lr_finders_history_is_borne_out_as_logged(sweeps, rule):
    """The claim is the rule on the history as it stands (lr_finder's own suggestion); re-smoothed, the pick moved
    (probe 26: 0.32 decades for steepest, "no known cause matched")."""
    mine, rerun = sweeps
    history = lr_finder(mine["train_loss"])
    pick = RULES[rule](mine["lr"], history).value
    recognised, _ = presmoothed(logs_of(mine, history), rerun["train_loss"])  # read as logged only
    v = lr_against_log(claim(rule, pick), recognised)
    assert v is not None and v.ok, v.message
    wrong = lr_against_log(claim(rule, pick * 3), recognised)
    assert wrong is not None and not wrong.ok  # a misread pick still fails


def test_a_recognised_smoothed_log_is_read_as_logged_only_and_said(sweeps):
    mine, rerun = sweeps
    logs, _ = presmoothed(logs_of(mine, lr_finder(mine["train_loss"])), rerun["train_loss"])
    pick = RULES["steepest"](mine["lr"], logs.train_loss).value
    v = lr_against_log(claim("steepest", pick), logs)
    assert v.ok and "as logged" in v.message and "already smoothed" in v.message
    assert "reference's smoothing" not in v.message  # never smoothed again


def fastai_valley_quadratic(lrs: list[float], losses: list[float]) -> float:
    """fastai's valley written as its definition reads (a longest decreasing run, O(n²)), to check valley_fastai."""
    n, best_start, best_end, lds = len(losses), 0, 0, [1] * len(losses)
    for i in range(1, n):
        for j in range(i):
            if losses[i] < losses[j] and lds[i] < lds[j] + 1:
                lds[i] = lds[j] + 1
            if lds[best_end] < lds[i]:
                best_end, best_start = i, i - lds[i]
    sections = (best_end - best_start) / 3
    return lrs[best_start + int(sections) + int(sections / 2)]


def test_fastais_valley_as_lr_find_applies_it(sweeps):
    """fastai's lr_find applies valley to its recorder's [num_it // 10 : -5]; read so, an honest fastai claim passes
    (probe 26: 14 of 36 fastai valley claims failed against the whole curve)."""
    mine, rerun = sweeps
    recorder = fastai(mine["train_loss"])
    lrs = mine["lr"][: len(recorder)]
    expected = fastai_valley_quadratic(lrs[10:-5], recorder[10:-5])
    assert valley_fastai(lrs, recorder, 100) == expected
    logs, _ = presmoothed(logs_of(mine, recorder), rerun["train_loss"])
    v = lr_against_log(claim("valley", expected), logs)
    assert v.ok, v.message


@pytest.mark.parametrize("tool", [fastai, lr_finder, lambda raw: fastai(raw, 0.9), lambda raw: lr_finder(raw, 0.01)])
def test_a_smoothed_train_loss_is_compared_smoothed_as_it_was(sweeps, tool):
    """Probe 26: "Logged train loss (smoothed) 2.094 vs the rerun's 1.559 at step 76, outside the seed noise"; probe
    28: left uncompared, an invented curve decided the pick. The rerun's loss is smoothed as the log's was (the
    nearest EMA of as rough a one), then both as the reference smooths: an honest log matches, its loss compared."""
    mine, rerun = sweeps
    logs, _ = presmoothed(logs_of(mine, tool(mine["train_loss"])), rerun["train_loss"])
    cmp = compare(logs, rerun, 1000, sweep=True)
    assert cmp.matches and cmp.loss is None and cmp.lr is None and cmp.steps > 50, cmp.summary()
    assert "already smoothed" in cmp.summary() and "the rerun's loss is smoothed so too" in cmp.summary()


def test_an_invented_smooth_curve_decides_no_pick(sweeps):
    """Examiner probe 28: a noise-free curve with the claimed LR table, its drop a decade later than the run's, made a
    claim 10× the rerun's pass against "your own log"; smoother than any LR finder's average leaves a loss, it is
    not compared and decides nothing (the claim is judged against the rerun, as without logs)."""
    mine, rerun = sweeps
    lrs = mine["lr"]
    theirs = RULES["steepest"](rerun["lr"][: len(rerun["train_loss"])], fastai(rerun["train_loss"])).value
    drop = next(i for i, x in enumerate(lrs) if x > 10 * theirs)
    invented = [0.3 + 2.0 / (1 + math.exp((i - drop) / 3)) for i in range(len(lrs))]
    logs, _ = presmoothed(logs_of(mine, invented), rerun["train_loss"])
    assert logs.smoothed
    cmp = compare(logs, rerun, 1000, sweep=True)
    assert not cmp.matches and "smoother than any LR finder's moving average" in cmp.summary(), cmp.summary()
    assert "decides no claim" in cmp.summary()


# ---------------------------------------------------------------- fastai's names for its suggestions


@pytest.mark.parametrize("word", ["steep", "lr_steep", "steepest", "lr steep"])
def test_fastais_steep_is_steepest(word):
    data, _ = aliases.read({"range_test": [{"name": "s", "rule": word}]})
    assert data["range_test"][0]["rule"] == "steepest"


@pytest.mark.parametrize("word", ["lr_min", "minimum", "lrmin", "Minimum"])
def test_fastais_lr_min_keeps_its_word(word):
    data, notes = aliases.read({"range_test": [{"name": "s", "rule": word}]})
    rule = data["range_test"][0]["rule"]
    assert rule == "min" and getattr(rule, "said", None) == word and "fastai's lr_min" in notes[0]


@pytest.mark.parametrize("word", ["lowest loss", "minimum loss", "min"])
def test_the_minimum_worded_as_such_is_min_alone(word):
    rule = aliases.read({"range_test": [{"name": "s", "rule": word}]})[0]["range_test"][0]["rule"]
    assert rule == "min" and not isinstance(rule, aliases.Worded)


def test_lr_min_is_judged_on_the_reading_the_claim_matches():
    """fastai's lr_min is the minimum's LR ÷ 10; others write it for the minimum's own: the nearer reading decides."""
    base = RangeTestClaim(name="s", **SWEEP, rule="min", claimed_lr=0.0102)
    base._rule_said = "lr_min"
    outcome = SimpleNamespace(result={"suggestions": {"min": 0.1, "min/10": 0.01}})
    p = PlannedRun("s", "range-test", None, None, base)  # type: ignore[arg-type]
    for lr, rule in ((0.0102, "min/10"), (0.098, "min"), (0.02, "min/10")):
        q = PlannedRun("s", "range-test", None, None, base.model_copy(update={"claimed_lr": lr}))  # type: ignore
        [(out, _)], notes = either_rule([(q, outcome)], {})
        assert out.claim.rule == rule and "fastai's lr_min" in notes[0]
    unworded = RangeTestClaim(name="s", **SWEEP, rule="min", claimed_lr=0.0102)  # rule = "min": the minimum only
    [(out, _)], notes = either_rule([(PlannedRun("s", "range-test", None, None, unworded), outcome)], {})  # type: ignore
    assert out.claim.rule == "min" and not notes and p.claim.rule == "min"


def test_a_submission_saying_lr_min_is_graded_on_min_over_10(tmp_path):
    """Loaded from a submission.toml, the word reaches the claim (probe 26: 12 of 12 honest Adam students lost their
    LR points on 'min')."""
    from grader.load import load_assignment, load_class

    (tmp_path / "s1").mkdir()
    (tmp_path / "s1" / "submission.toml").write_text(
        '[student]\nid = "s1"\nname = "s"\n\n[[range_test]]\nname = "a"\noptimizer = "adam"\nstart_lr = 1e-7\n'
        'end_lr = 10.0\nsteps = 100\nrule = "lr_min"\nclaimed_lr = 0.0174\n'
    )
    (tmp_path / "assignment.toml").write_text('required = ["range_test"]\n')
    x = load_class([tmp_path / "s1"], load_assignment(tmp_path), None, None, "folder")[0]
    assert x.submission.range_test[0].rule == "min" and x.submission.range_test[0].rule_said() == "lr_min"


# ---------------------------------------------------------------- JSON logs: json.dump(lr_finder.history, f)


def test_a_json_history_is_read_as_its_columns(tmp_path, sweeps):
    mine, rerun = sweeps
    history = {"lr": mine["lr"], "loss": lr_finder(mine["train_loss"])}
    (tmp_path / "h.json").write_text(json.dumps(history))
    notes: list[str] = []
    logs = read_logs(tmp_path, "h.json", None, notes, 32)
    assert logs.step == list(range(len(mine["lr"]))) and logs.train_loss == history["loss"]
    assert any("position in its list read as the optimizer step" in n for n in notes)
    pick = RULES["steepest"](mine["lr"], history["loss"]).value
    assert lr_against_log(claim("steepest", pick), presmoothed(logs, rerun["train_loss"])[0]).ok
    records = [{"step": s, "lr": a, "loss": b} for s, (a, b) in enumerate(zip(history["lr"], history["loss"]))]
    (tmp_path / "r.json").write_text(json.dumps(records))
    assert read_logs(tmp_path, "r.json", None, None, 32).train_loss == history["loss"]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('{"lr": 0.1}', "an object whose values are not all lists"),
        ('{"lr": [1, 2], "loss": [1]}', "not all as long"),
        ('{"lr": [[1]], "loss": [2]}', "holds list"),
        ("[1, 2, 3]", "a list whose items are not all objects"),
        ("[" * 100_000, "nested too deeply"),
        ("1" * 5000, "not readable as JSON"),
        ('{"lr": [%s], "loss": [%s]}' % ((",".join(["0.1"] * 110_000),) * 2), "more than 200000 logged values"),
    ],
)
def test_any_other_json_is_refused_in_one_line(tmp_path, text, said):
    (tmp_path / "x.json").write_text(text)
    with pytest.raises(LogError) as err:
        read_logs(tmp_path, "x.json", None, None, 32)
    assert said in str(err.value) and "\n" not in str(err.value)
    if "nested" in said or "objects" in said:
        assert "a JSON log is read as an object of equal-length lists" in str(err.value)
    assert not math.isnan(len(str(err.value)))


def test_a_loss_smooth_on_its_own_is_not_read_as_smoothed(sweeps, mnist5k):
    """A doubled softmax's loss hardly moves from step to step, but stays above ln(1 + 9/e) ≈ 1.46 where the run's
    falls (diagnosis_power: its sweep logs were read as already smoothed, their mismatch unflagged, one given a wrong
    cause): no moving average of the rerun's loss as rough as it comes that low, so it is compared as logged."""
    mine, rerun = sweeps
    cfg = range_test_config(**SWEEP, epochs=4, seed=801, diverge_factor=None).model_copy(
        update={"mistake": "double-softmax"}
    )
    doubled = run(cfg, device="cpu", data=mnist5k)
    n = min(len(doubled["train_loss"]), len(rerun["train_loss"]))
    logs = Logs("sweep.csv", list(range(n)), doubled["lr"][:n], doubled["train_loss"][:n])
    assert min(logs.train_loss) > 1.4 and roughness(logs, rerun["train_loss"]) < 0.2  # smooth, as a smoothed log is
    assert not presmoothed(logs, rerun["train_loss"])[0].smoothed
    assert not compare(logs, rerun, 1000, sweep=True).matches  # compared as logged: it parts from the run
