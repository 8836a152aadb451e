"""Evidence: a student's own training logs (read by grader/logs.py in the load stage) compared with the rerun, step
by step and epoch by epoch, within the measured seed noise of the claimed config; the logs check; a claim against the
log it came from (issue 21)."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, replace
from enum import Enum
from statistics import NormalDist

from grader.aliases import STEP
from grader.context import OWN_ALGORITHM, Context, kin, lr_of, sweep_reference
from grader.logs import Mixed, rule_on
from grader.plan import PlannedRun
from grader.results import CheckResult
from grader.schema import RangeTestClaim
from reference.config import RunConfig
from reference.datasets import steps_per_epoch
from reference.optim import lr_table, total_steps
from reference.outputs import Logs
from reference.rules import Watch, smooth, valley_fastai
from reference.tolerances import sigma, sigma_upper

# ---------------------------------------------------------------- logged vs rerun, within measured seed noise


LR_RTOL = 1e-5  # "exact up to float printing": TensorBoard stores float32 (7 digits)
LOG_FLOOR = 0.02  # σ of log(smoothed loss) is never taken below this: rounding across devices and torch versions
FALLBACK_SAFETY = 1.5  # a band borrowed from other configs' seeds is widened by this factor
# ... and not held to a smoothed loss's first steps (the EMA's time constant, 1/(1 − 0.98)): there it averages a few
# batches of a descent whose speed, and so its seed spread, is the config's own (examiner probe 18: honest Adam 0.01
# logs were "outside the seed noise" at steps 5–11, 4 of 10; the committed configs descend slower)
BORROWED_FROM = 50


@dataclass(frozen=True)
class Band:
    """How far seeds of one config spread, step by step: σ over seeds of log(smoothed train loss) at some steps
    (reference.baselines.seed_band), and where it comes from. `std_log` is None where fewer than 2 seeds ran."""

    step: tuple[int, ...]
    std_log: tuple[float | None, ...]
    source: str  # one phrase for the report: "20 committed seeds of this config", …
    relative: bool = False  # steps are fractions of the run (a band borrowed from other configs), not steps
    mean_log: tuple[float | None, ...] | None = None  # this config's seeds' mean of log(smoothed loss), when known
    n: tuple[int, ...] | None = None  # seeds still running at each point
    floor: float | None = None  # a band borrowed from other configs: the lowest smoothed loss their seeds measured
    unmeasured: str | None = None  # why no committed seeds measure this run's train-loss spread (`sooner`)
    sooner: str | None = None  # how `sooner` moved it earlier: said only where the train loss is compared
    borrowed: bool = False  # the widest band of other configs ×FALLBACK_SAFETY (`pooled`), not this config's seeds

    def text(self, compared: bool) -> str:
        """Where the band comes from, in words; how it was moved only where a train loss was held to it."""
        return f"{self.source}, {self.sooner}" if self.sooner and compared else self.source

    def at(self, step: int, total: int) -> float | None:
        """σ of log(smoothed loss) at `step` of a `total`-step run: the last band point at or before it."""
        x = step / max(total - 1, 1) if self.relative else step
        i = max((j for j, s in enumerate(self.step) if s <= x), default=None)
        return None if i is None else self.std_log[i]

    @classmethod
    def of(cls, entry: dict | None, source: str) -> Band | None:
        band = (entry or {}).get("band")
        if not band or not band.get("step"):
            return None
        return cls(tuple(band["step"]), tuple(band["std_log"]), source, False,
                   tuple(band["mean_log"]) if band.get("mean_log") else None,
                   tuple(band["n"]) if band.get("n") else None)  # fmt: skip

    @classmethod
    def pooled(cls, entries: list[dict], source: str, relative: bool = True) -> Band | None:
        """The widest of several configs' bands, widened by FALLBACK_SAFETY: for a run whose own config has no
        committed seeds. `relative`: at each fraction of the run (sweeps: the same LR range at the same fraction);
        else at each step (training runs: the same phase of training at the same step, whatever the run's length —
        a 96-step run's last steps are not a 960-step run's last steps, where near-zero losses spread far wider;
        past the committed runs' length, their last σ; `sooner` moves it earlier for a run at a higher LR)."""
        bands = [e["band"] for e in entries if (e.get("band") or {}).get("step")]
        if not bands:
            return None
        grid = [i / 199 for i in range(200)] if relative else sorted({st for b in bands for st in b["step"]})
        widest = []
        for x in grid:
            vals = []
            for b in bands:
                last = (b["step"][-1] or 1) if relative else 1
                i = max((j for j, st in enumerate(b["step"]) if st / last <= x), default=None)
                if i is not None and b["std_log"][i] is not None:
                    vals.append(b["std_log"][i])
            widest.append(FALLBACK_SAFETY * max(vals) if vals else None)
        lows = [min(m for m in b["mean_log"] if m is not None) for b in bands if any(
            m is not None for m in b.get("mean_log") or ())]  # fmt: skip
        return cls(tuple(grid), tuple(widest), source, relative=relative,
                   floor=math.exp(min(lows)) if lows and not relative else None, borrowed=True)  # fmt: skip


@dataclass(frozen=True)
class Part:
    """Where a logged curve leaves the rerun's: the first step (or epoch) beyond tolerance and both values."""

    at: int
    logged: float
    rerun: float
    what: str  # "LR", "train loss (smoothed)", "test accuracy", "test loss"
    unit: str = "step"  # or "epoch"
    allowed: float | None = None  # the tolerance there, in the unit of `what` (relative for the train loss)
    versus: str = "the rerun's"  # what `rerun` is: the rerun's figure, or the committed seeds' mean
    beyond: str = "the seed noise of this config"  # what `allowed` measures


def apart(a: float, b: float) -> tuple[str, str]:
    """`a` and `b` to the fewest significant digits (at least 4) that print them apart, so that a message saying
    they differ shows how: 0.020921 vs 0.020919, not 0.02092 twice."""
    for digits in range(4, 13):
        x, y = f"{a:.{digits}g}", f"{b:.{digits}g}"
        if x != y:
            return x, y
    return f"{a!r}", f"{b!r}"


class Shift(Enum):
    """Where a logged LR stands against the claimed table's step (or epoch)."""

    NONE = "none"  # at its own
    AHEAD = "ahead"  # at the next: logged after scheduler.step()
    ONE_BASED = "one-based"  # at the one before: steps (epoch numbers) counted from 1


@dataclass(frozen=True)
class Reading:
    """How the logged LRs were read against the claimed table (any combination can occur)."""

    shift: Shift = Shift.NONE
    per_epoch: bool = False  # logged once an epoch (at the epoch's number): compared epoch by epoch
    end_late: bool = False  # a sweep whose LR reaches end_lr one step after its last (`ratio ** (step / N)`)
    rounded: tuple[str, float, float] | None = None  # (lr or start_lr, its stated value, the logged one): every LR
    # in that ratio, the two equal to their printed digits
    printed: str | None = None  # the LR column's printed digits ("3 significant digits", "4 decimals") where some
    # logged LR is the claimed table's only so rounded (`LrDigits`)

    @property
    def note(self) -> str:
        """What the summary adds to the LR table's phrase."""
        if self.printed:  # (a shift, if any, is said after it)
            rest = replace(self, printed=None).note
            return (f" to the LR column's printed digits ({self.printed}: every logged LR is the claimed table's so "
                    f"rounded, as the column prints it){rest}")  # fmt: skip
        if self.rounded:
            name, stated, logged = self.rounded
            return (f" to the printed digits (the stated {name} = {stated!r} and the logged {logged:.6g} agree to "
                    f"them: every logged LR is the claimed table's ×{logged / stated:.5g})")  # fmt: skip
        if not self.per_epoch:
            return {Shift.NONE: "", Shift.AHEAD: " (logged one step ahead, after scheduler.step())",
                    Shift.ONE_BASED: " (its steps counted from 1)"}[self.shift]  # fmt: skip
        how = {Shift.NONE: "", Shift.AHEAD: ", after scheduler.step(): each the next epoch's",
               Shift.ONE_BASED: ", at epoch numbers counted from 1"}[self.shift]  # fmt: skip
        return f" (logged once an epoch{how})"


class Scope(Enum):
    """How much of a log was compared with the rerun. A log of DROPPED_LAST or NOTHING decides nothing."""

    FULL = "full"  # its LRs, train loss and test metrics, as far as they go (`untold` says where they stop)
    FINITE = "finite"  # nothing but finite losses (`untold` says why)
    DROPPED_LAST = "dropped last"  # as FINITE, its LRs the claimed table at one step fewer an epoch (drop_last=True)
    OTHER_BATCH = "other batch"  # as FINITE, its steps the claimed config's at N× its batch (N processes: `_batch_of`)
    NOTHING = "nothing"  # no logged step or epoch lies where the rerun has one


@dataclass(frozen=True)
class Comparison:
    """The student's log against the rerun of the claimed config, over the steps and epochs both have; the train
    loss and test metrics within k·√2·σ of the seed noise of this config (a log is one seed, the rerun another)."""

    steps: int  # steps compared
    epochs: int  # epochs compared
    band: str  # where the train-loss band comes from, in words
    lr: Part | None = None  # first step where the LR differs (beyond float printing)
    loss: Part | None = None  # first step where the smoothed train losses differ beyond the band
    test: Part | None = None  # first epoch where a test metric differs beyond k·√2·σ
    lr_constant: float | None = None  # the logged LR never moves, while the rerun's does
    nonfinite: int | None = None  # first logged step with a NaN/inf train loss
    untold: str | None = None  # why the comparison stops before the log ends (it cannot tell there)
    k: float = 3.5
    turns: int | None = None  # a log of other data: the step its train loss turns back up, the rerun's does not
    reading: Reading = Reading()  # how the logged LRs were read against the claimed table
    scope: Scope = Scope.FULL  # how much of the log was compared
    lr_steps: int = 1  # logged LRs compared (0: none logged where the rerun has steps)
    evaluations: bool = False  # an evaluation log: each epoch's test metrics, no LR or train loss (grader.logs)
    blowup: str | None = None  # a sweep's non-finite losses past its divergence, left out (`_blowup`): one sentence
    mixed: str | None = None  # the log holds several runs (grader.logs.Mixed): what parts may be another run's
    batch: OtherBatch | None = None  # the log is the claimed config at N× its batch (`_batch_of`; scope OTHER_BATCH)
    borrowed: bool = False  # its band is borrowed from other configs ×FALLBACK_SAFETY (`Band.pooled`), not this one's
    tested: tuple[int, int] | None = None  # the first and last epoch whose test metrics were compared
    log_last: int | None = None  # the log's last epoch

    @property
    def noise(self) -> str:
        """Whose seed noise the log was held to, in words (examiner probe 42: "the seed noise of this config" beside
        a band borrowed from other configs)."""
        return ("the seed noise borrowed from other configs" if self.borrowed else
                "the seed noise of this config")  # fmt: skip

    @property
    def tests(self) -> str:
        """Which epochs' test metrics were compared, in words: "1 epoch(s)" read as epoch 1 where it was the last
        (examiner probe 42: `_test_part` compares only the last common epoch where no seeds of this config measure the
        others)."""
        if self.tested is None or not self.epochs:
            return f"test metrics of {self.epochs} epoch(s)"
        first, last = self.tested
        if self.epochs == 1:
            return (f"test metrics of its last epoch ({last})" if last == self.log_last else
                    f"test metrics of epoch {last} (the last the rerun reached)")  # fmt: skip
        span = f"{first}–{last}" if last - first + 1 == self.epochs else f"from {first} to {last}"
        return f"test metrics of {self.epochs} epochs ({span})"

    @property
    def matches(self) -> bool:  # a log that decides nothing (DROPPED_LAST, NOTHING) matches nothing either
        return (self.lr is None and self.loss is None and self.test is None and self.nonfinite is None
                and self.turns is None and self.scope in (Scope.FULL, Scope.FINITE))  # fmt: skip

    @property
    def parted(self) -> bool:
        """The rerun contradicts the log somewhere (not merely: it could not tell)."""
        return any(x is not None for x in (self.lr, self.loss, self.test, self.nonfinite, self.turns))

    @property
    def parts_at(self) -> int | None:
        """The first step where anything parts (epochs converted at `per_epoch` by the caller)."""
        return min((p.at for p in (self.lr, self.loss) if p), default=self.nonfinite if self.turns is None else
                   self.turns)  # fmt: skip

    def summary(self) -> str:
        """One line for the report."""
        tests = "no test metrics" if not self.epochs else f"the {self.tests}"
        loss = f"train loss over {self.steps} steps" if self.steps else "no train loss"
        span = f"{loss} and {tests} compared"
        tail = f" {self.untold[0].upper() + self.untold[1:]}." if self.untold else ""
        tail += f" {self.blowup}." if self.blowup else ""
        if self.scope is Scope.NOTHING:  # no step or epoch the rerun's (fuzzed logs: "LR table exact" said so)
            return (f"Not compared with the rerun: {self.untold}. The log is neither borne out nor contradicted, and "
                    "decides no claim.")  # fmt: skip
        table = "LR table exact" if self.lr_steps else "no LR logged where the rerun has steps"
        if self.evaluations:
            table = "an evaluation log (each epoch's test metrics; no LR or train loss logged to compare)"
        if self.reading.end_late:  # exact, to the claimed sweep written as the course writes it
            table = (
                "LR table the claimed sweep's, reaching end_lr one step after its last (as `step / N` in the "
                "course's lambda does; the rerun's reaches it on its last step: each LR within one LR step)"
            )
        if self.scope is not Scope.FULL:
            bad = f"; its train loss is not finite from step {self.nonfinite}" if self.nonfinite is not None else ""
            blown = f" {self.blowup}." if self.blowup else ""
            return (f"Not compared with the rerun: {self.untold}. The log is neither borne out nor contradicted; only "
                    f"that its losses are finite was checked{bad}.{blown}")  # fmt: skip
        if self.matches:  # what was compared, said as such: 1 epoch of 30 is no "test metrics within the noise"
            # (examiner probe 40: a quick grade's logs row read as if the log's every epoch had been borne out)
            parts = (f"smoothed train loss over {self.steps} steps" if self.steps else "",
                     self.tests if self.epochs else "")  # fmt: skip
            within = " and ".join(x for x in parts if x)
            if not within:  # the LR table alone: not contradicted, and no more than that
                return f"The log matches the rerun on its LR table only: {table}{self.reading.note} ({span}).{tail}"
            missing = "; no train loss compared" if not self.steps else "; no test metrics compared" if not \
                self.epochs else ""  # fmt: skip
            return (f"The log matches the rerun: {table}{self.reading.note}, {within} within {self.noise} "
                    f"({self.band}{missing}).{tail}")  # fmt: skip
        bits = []
        if self.mixed:  # what parts may be another run's: no cause is read off it (examiner probe 23)
            bits.append(f"{self.mixed}, the one written last read where they share a step, so where it parts from "
                        "the rerun it may be another run's: not judged as this run's log")  # fmt: skip
        if self.lr_constant is not None and not self.mixed:
            bits.append(f"logged LR constant at {self.lr_constant:.4g} from step 0: no scheduler was applied")
        elif self.lr:
            logged, rerun = apart(self.lr.logged, self.lr.rerun)
            mismatch = "" if self.mixed else ": the log does not match the claimed config"
            bits.append(f"logged LR {logged} at step {self.lr.at} where the claimed config gives {rerun}"
                        f"{mismatch}")  # fmt: skip
        if self.nonfinite is not None:
            bits.append(f"logged train loss is not finite from step {self.nonfinite}")
        if self.turns is not None:
            bits.append(
                f"the logged train loss turns back up from step {self.turns} (smoothed, above twice its low) "
                "while the rerun of the claimed config trains on"
            )
        for p in (self.loss, self.test):
            if p:
                allowed = f", allowed ±{p.allowed:.2g}{' (relative)' if p.unit == 'step' else ''}" if p.allowed else ""
                bits.append(f"logged {p.what} {p.logged:.4g} vs {p.versus} {p.rerun:.4g} at {p.unit} {p.at}, outside "
                            f"{p.beyond}{allowed}")  # fmt: skip
        text = "; ".join(bits)
        return text[0].upper() + text[1:] + f" ({span}; {self.band}).{tail}"


def compare(logs: Logs, rerun: dict, n_test: int, band: Band | None = None, epochs: dict | None = None, k: float = 3.5,
            sweep: bool = False, margin: float = 1.0, end_late: bool = False) -> Comparison:  # fmt: skip
    """Logged vs rerun: the LR per step exactly; the smoothed train loss per step within k·√2·σ of log(loss), σ the
    seed spread of this config at that step (`band`; floored at LOG_FLOOR); the test metrics per epoch within
    k·√2·σ, σ the reference seeds' std at that epoch (`epochs`: epoch → {metric: {std}}) floored as
    reference.tolerances floors it. A sweep (`sweep`) is compared up to the rerun's lowest smoothed loss: past it
    seeds fan out towards divergence and no band can tell them apart; its test metrics are not compared (they move
    with the LR). Where the band says fewer than 2 seeds ran, the comparison stops and says so. A sweep's log whose
    LRs are the same sweep reaching end_lr one step after its last (`end_late`: the course's own lambda, examiner
    probe 13) is compared with the rerun as that sweep."""
    index = {s: i for i, s in enumerate(logs.step)}
    steps = [s for s in range(len(rerun["lr"])) if s in index]
    tiny = 1.1754943508222875e-38  # float32's smallest normal: TensorBoard's float32 cannot tell LRs below it apart
    digits = LrDigits.of(logs.lr)  # an LR column a spreadsheet rounded (examiner probe 29): exact to its digits
    exact = lambda a, b: math.isclose(a, b, rel_tol=LR_RTOL, abs_tol=tiny)  # noqa: E731
    same = lambda a, b: exact(a, b) or (digits is not None and digits.any_rounds(a, b))  # noqa: E731
    logged = [s for s in steps if math.isfinite(logs.lr[index[s]])]  # a step whose LR was not logged says nothing

    def unexplained(table: list[float], move: int = 0) -> list[tuple[float, float]]:
        """The logged LRs (with the table's at `move` steps on) not exactly the table's."""
        return [(logs.lr[index[s]], table[s + move]) for s in logged if 0 <= s + move < len(table)
                and not exact(logs.lr[index[s]], table[s + move])]  # fmt: skip

    def fits(table: list[float], move: int = 0) -> bool:  # one reading of the column explains every logged LR
        rest = unexplained(table, move)
        return not rest or (digits is not None and digits.explains(rest) is not None)

    off = [s for s in logged if not exact(logs.lr[index[s]], rerun["lr"][s])]
    parts = [s for s in off if not same(logs.lr[index[s]], rerun["lr"][s])] or off  # where it parts (one reading
    # explains each LR, but none all: the first not exact)
    lr = None if fits(rerun["lr"]) else Part(parts[0], logs.lr[index[parts[0]]], rerun["lr"][parts[0]], "LR")
    rounded = _rounded(logs, rerun, logged, index) if lr is not None else None
    lr = None if rounded else lr
    gap = logs.lr_epoch or 1  # an LR logged once an epoch is one epoch ahead or behind, not one step
    ahead = (
        lr is not None
        and len(logged) > 1
        and fits(rerun["lr"], gap)  # logged after scheduler.step(): the next step's LR (the next epoch's)
    )
    epoch_behind = (  # once an epoch, numbered from 1 (the loss's steps need no shift: grader.logs._epochly); a log
        gap > 1 and lr is not None and not ahead and len(logged) > 1 and logged[0] >= gap  # with an epoch 0 is not
        and fits(rerun["lr"], -gap)  # (examiner probe 17: milestones
    )  # one epoch late passed as "numbered from 1")  # fmt: skip
    lr = None if ahead or epoch_behind else lr
    behind = gap == 1 and lr is not None and len(logged) > 1 and logged[0] > 0 and fits(rerun["lr"], -1)
    if behind:  # steps counted from 1 (examiner probe 9: every 5 steps from step 5; a log from step 1 is read so)
        shifted = replace(logs, step=[s - 1 for s in logs.step])
        read = compare(shifted, rerun, n_test, band, epochs, k, sweep, margin, end_late)
        return replace(read, reading=replace(read.reading, shift=Shift.ONE_BASED))
    if not end_late and (other := _batch_of(logs, rerun, lr is not None, exact, digits)):
        return Comparison(0, 0, band.source if band else "no seed band", untold=other.said, k=k,
                          scope=Scope.OTHER_BATCH, lr_steps=len(logged), batch=other)  # fmt: skip
    if lr is not None and not end_late and len(logged) > 1 and (short := _dropped_last(rerun)) and \
            len(short[1]) - short[0] <= max(logs.step) < len(short[1]) and \
            fits(short[1]):  # fmt: skip
        # (its steps end in the last of its shorter epochs: examiner probe 18 had a per-iteration schedule of 32
        # steps an epoch pass as one)
        untold = (f"the logged LR table is the claimed schedule at {short[0]} steps an epoch, the rerun's at "
                  f"{short[0] + 1} (a DataLoader with drop_last=True drops each epoch's last, partial batch): its "
                  "steps are not the rerun's, so neither its LRs nor its losses are compared step by step")  # fmt: skip
        return Comparison(0, 0, band.source if band else "no seed band", untold=untold, k=k,
                          scope=Scope.DROPPED_LAST, lr_steps=len(logged))  # fmt: skip
    if lr is not None and sweep and not end_late and (late := _end_late(rerun)):
        other = compare(logs, {**rerun, "lr": late}, n_test, band, epochs, k, sweep, margin, end_late=True)
        if other.lr is None and other.lr_constant is None:  # read as that sweep (`reading.end_late`)
            return other
    logged_lrs = [v for v in logs.lr if math.isfinite(v)]
    rerun_moves = len({rerun["lr"][s] for s in steps}) > 1  # at the logged steps (a log may skip steps)
    constant = logged_lrs[0] if logged_lrs and lr and rerun_moves and len(set(logged_lrs)) == 1 else None
    nonfinite = next((s for s, v in zip(logs.step, logs.train_loss, strict=True) if not math.isfinite(v)), None)
    blowup = _blowup(logs, rerun, nonfinite) if sweep and nonfinite is not None else None
    nonfinite = None if blowup else nonfinite  # a sweep run on past its divergence: its blow-up, not a fault
    loss, untold, compared = _loss_part(logs, rerun, steps, index, band, k, sweep, margin)
    test, n_ep = (None, 0) if sweep else _test_part(logs, rerun, n_test, epochs or {}, k, margin)
    source = band.text(compared > 0) if band else f"no seed band: ±{LOG_FLOOR:g} in log(loss), k = {k:g}"
    if sweep and not logs.step and logs.epoch:  # an evaluation log of a sweep: nothing this comparison reads
        untold = ("the log holds each epoch's test metrics only, no LR or train loss, and a sweep is compared by its "
                  "LR table and train loss (its test metrics move with the LR, and no seed band measures "
                  "them)")  # fmt: skip
        return Comparison(0, 0, source, untold=untold, k=k, scope=Scope.NOTHING, lr_steps=0, evaluations=True)
    if sweep and logs.smoothed and not compared and lr is None and nonfinite is None and logs.step:
        # smoother than any LR finder's average (`fitted_ema`): only its LR table would bear it out (examiner probe 28)
        return Comparison(0, 0, source, untold=f"its LR table is the claimed sweep's, but {untold}", k=k,
                          scope=Scope.NOTHING, lr_steps=len(logged))  # fmt: skip
    if not steps and not n_ep and lr is None and nonfinite is None:  # no logged step or epoch is the rerun's
        where = f"steps {min(logs.step)}–{max(logs.step)}" if logs.step else "no steps"
        untold = (f"no logged step or epoch lies where the rerun has one (the log holds {where}; the rerun steps "
                  f"0–{len(rerun['lr']) - 1})")  # fmt: skip
        return Comparison(0, 0, source, untold=untold, k=k, scope=Scope.NOTHING, lr_steps=0)
    shift = Shift.AHEAD if ahead else Shift.ONE_BASED if epoch_behind else Shift.NONE
    mixed = f"the log holds {logs.runs} runs ({logs.how})" if isinstance(logs, Mixed) else None
    move = gap if ahead else -gap if epoch_behind else 0
    rest = unexplained(rerun["lr"], move)
    read = None if lr is not None or rounded or digits is None or not rest else digits.explains(rest)
    printed = None if read is None else LrDigits.text(read)
    ours = {e["epoch"] for e in rerun.get("epochs") or ()}
    common = [e for e in logs.epoch if e in ours]  # as `_test_part` reads them: the last n_ep of them compared
    tested = (common[-n_ep], common[-1]) if n_ep and len(common) >= n_ep else None
    return Comparison(compared, n_ep, source, lr, loss, test, None if mixed else constant, nonfinite, untold, k,
                      reading=Reading(shift, gap > 1, end_late, rounded, printed), lr_steps=len(logged),
                      evaluations=not logs.step, blowup=blowup, mixed=mixed, borrowed=bool(band and band.borrowed),
                      tested=tested, log_last=max(logs.epoch, default=None))  # fmt: skip


def _blowup(logs: Logs, rerun: dict, first: int) -> str | None:
    """One sentence where a sweep log's non-finite train losses, from step `first` on, are its blow-up: a sweep run on
    past its divergence logs `nan` (examiner probe 23: one NaN at the step where the rerun stopped threw an honest
    log away, and its LR claim failed against the rerun). So where the log's own smoothed loss (as the reference
    smooths it, over the finite losses before `first`) has already passed the divergence rule — its sweep's
    `diverge_factor` × its lowest so far, or EXPLODED × its first — or `first` is at or past the step where the rerun
    of the claimed config diverged. A NaN inside a descent meets neither (a descending loss is never 4× its lowest,
    and the rerun is still training there): it is flagged, as in any run. None otherwise."""
    at = logs.step.index(first)
    cfg = rerun.get("config") or {}
    watch = Watch(cfg.get("diverge_factor") or 4.0, cfg.get("smoothing", 0.98))
    own = watch.extend(list(logs.train_loss[:at]))  # all finite: `first` is the first that is not
    stopped = (rerun.get("diverged") or {}).get("step")
    if own is not None:
        why = f"its own smoothed loss had passed the divergence rule at step {logs.step[own[0]]}"
    elif stopped is not None and first >= stopped:
        why = f"the rerun of the claimed config diverged at step {stopped}"
    else:
        return None
    n = len(logs.step) - at
    lr = logs.lr[at] if at < len(logs.lr) and math.isfinite(logs.lr[at]) else None
    where = f"step {first}" + (f", LR {lr:.3g}" if lr is not None else "")
    span = (f"its last logged step ({where}), whose train loss is not finite" if n == 1 else
            f"its last {n} logged steps (from {where}, the first whose train loss is not finite)")  # fmt: skip
    return f"Left out: {span}, the sweep's blow-up past its divergence ({why}), not a fault of the log"


@dataclass(frozen=True)
class LrDigits:
    """How an LR column prints its values where it prints few digits: a spreadsheet's (Excel's Scientific format
    `1,04E-05` and Google Sheets' automatic format show 3 significant digits) or `%.4f` (0.0506, 0.0051, 0.0005).
    Read off the values themselves: the most decimals any logged LR shows (d) and the most significant digits (s), as
    `_reading` reads them. Each is a candidate reading where it shows at least DEC_MIN decimals / SIG_MIN significant
    digits (fewer are no spreadsheet's, and a full-precision table of 0.05, 0.005 shows one digit and 3 decimals) and
    the column shows fewer than FULL_DIGITS digits anywhere: the reading more values show in full first (`_reading`).
    Both are kept, whatever most rows show: a `%.4f` column of SGD 0.107 steps down to 0.0107 and 0.0011 — more rows
    show 3 significant digits than 4 decimals, yet only 4 decimals explain 0.0011 for 0.00107 — and one of Adam 0.003
    shows 0.003, 0.0003, 0.0000 (one significant digit; a zero is an LR below half a unit at 4 decimals: examiner
    probe 30, 5 of 5 honest logs "do not match the claimed config"). A column is the claimed table where ONE reading
    explains every logged LR (`explains`): each equal to the table's LR to that reading's half unit (at either figure),
    never one row by one reading and the next by the other. A table at full precision shows 16 or more digits: exact
    as before, and a different table (another LR, a milestone elsewhere) parts as before. An LR that rounds to the
    same d decimals is beyond any log to tell apart: a full-precision 0.001, 0.0001 reads as 4 decimals, as the `%.4f`
    print of 0.00104 would. Examiner probe 29: such columns were "the log does not match the claimed config", a cause
    "confirmed by the figures themselves", for 24 of 24 honest logs."""

    readings: tuple[tuple[tuple[int, int], bool], ...]  # `_reading`s: ((decimals, digits), significant digits?)

    SIG_MIN = 3
    DEC_MIN = 4

    @classmethod
    def of(cls, values: list[float]) -> LrDigits | None:
        read = _reading([v for v in values if math.isfinite(v) and v > 0])
        if read is None or read[0][1] >= FULL_DIGITS:  # full precision (float64 repr, TensorBoard's float32)
            return None
        (decimals, digits), sig = read
        # a schedule's column of 2 or more LRs printed `%.3f` (0.051, 0.005 for 0.0506's MultiStepLR([15]): examiner
        # probe 30, an honest log "does not match the claimed config", a confirmed cause): its levels all rounding to
        # the table's at once is evidence a constant LR's 0.051 is not
        dec_min = cls.DEC_MIN if len({v for v in values if math.isfinite(v) and v > 0}) < 2 else cls.DEC_MIN - 1
        fits = {True: digits >= cls.SIG_MIN, False: decimals >= dec_min}
        readings = tuple(((decimals, digits), how) for how in (sig, not sig) if fits[how])
        return cls(readings) if readings else None

    @staticmethod
    def rounds(read: tuple[tuple[int, int], bool], logged: float, table: float) -> bool:
        """Whether `logged` is `table` rounded to the printed digits of `read` (a tie either way)."""
        if not (math.isfinite(logged) and math.isfinite(table)) or logged < 0 or table <= 0:
            return False
        half = max(_half(read, table), _half(read, logged) if logged > 0 else 0.0)
        return abs(logged - table) <= half * (1 + 1e-9) + LR_RTOL * table

    def explains(self, pairs: list[tuple[float, float]]) -> tuple[tuple[int, int], bool] | None:
        """The first reading under which every (logged, table) pair is the table's LR so rounded; None if none."""
        return next((r for r in self.readings if all(self.rounds(r, a, b) for a, b in pairs)), None)

    def any_rounds(self, logged: float, table: float) -> bool:
        """Whether some reading explains this one pair (where a column first parts, as no reading of it explains)."""
        return any(self.rounds(r, logged, table) for r in self.readings)

    @staticmethod
    def text(read: tuple[tuple[int, int], bool]) -> str:
        """A reading's printed digits, in words."""
        (decimals, digits), sig = read
        return f"{digits} significant digits" if sig else f"{decimals} decimals"


ROUNDED_LR_RTOL = 0.05  # a stated lr and the logged one may differ by their printed digits, at most 5 %: two
# significant digits of a value whose first is 1 span ±3 % (0.016 ← 0.01642, seed 000's AdamW pick; probe 22)


def _rounded(logs: Logs, rerun: dict, logged: list[int], index: dict[int, int]) -> tuple[str, float, float] | None:
    """(lr or start_lr, the stated value, the logged first LR) where every logged LR is the rerun's times one ratio,
    and the two agree to the printed digits of either (at most ROUNDED_LR_RTOL): a run trained at the 0.01271 read
    off a sweep and written `lr = 0.0127` as the report prints it (examiner probe 21: "the log does not match the
    claimed config (high confidence)", and the claims it held went unjudged), or a log whose LR column is printed
    `%.4f`. Else None."""
    cfg = rerun.get("config") or {}
    stated, first = cfg.get("lr"), next((s for s in logged if rerun["lr"][s] > 0), None)
    if not stated or first is None or not logs.lr[index[first]] > 0:
        return None
    value = logs.lr[index[first]]
    ratio, digits = value / rerun["lr"][first], max(half_unit(stated) / stated, half_unit(value) / value)
    if not abs(ratio - 1) <= min(digits, ROUNDED_LR_RTOL) + LR_RTOL:
        return None
    scaled = all(math.isclose(logs.lr[index[s]], rerun["lr"][s] * ratio, rel_tol=LR_RTOL) for s in logged)
    return ("start_lr" if cfg.get("task") == "range-test" else "lr", stated, value) if scaled else None


BATCH_TIMES = 8  # the most processes (GPUs) `_batch_of` reads a log as run on (a stated count: aliases.MAX_PROCESSES)


@dataclass(frozen=True)
class OtherBatch:
    """A log of the claimed config run at a global batch of `n`× the claimed one: `per` steps an epoch where the
    claimed batch gives `claimed` (`_batch_of`)."""

    n: int
    batch: int
    per: int
    claimed: int
    by: str  # what shows it: "LR table" or "epochs"

    @property
    def said(self) -> str:
        shows = (f"the logged LR table is the claimed schedule at {self.per} steps an epoch" if self.by == "LR table"
                 else f"the log's epochs are {self.per} steps each")  # fmt: skip
        return (f"{shows}, where the claimed batch of {self.batch // self.n} gives "
                f"{self.claimed}: a global batch of {self.batch} ({self.n} processes of {self.batch // self.n} each, "
                "as DDP's per-process DataLoader under torchrun or colossalai run gives?), and the rerun is at batch "
                f"{self.batch // self.n} — its steps are not the rerun's, so neither its LRs nor its losses are "
                f"compared; batch_size = {self.batch} in [setup] ({STEP}) reruns it as it ran")  # fmt: skip


def _batch_of(logs: Logs, rerun: dict, parts: bool, exact, digits: LrDigits | None) -> OtherBatch | None:
    """The claimed config at a global batch of N× the claimed one, N = 2..BATCH_TIMES: the course's scripts gave
    each process's DataLoader BATCH_SIZE, so a student on N GPUs stepped N× fewer times an epoch (examiner probe 31:
    15 of 15 such honest logs were "the log does not match the claimed config", a confirmed cause, as a planted log
    of another LR was). Told by the log's LR table where it `parts` from the claimed one — every logged LR the table
    of the config at batch N·B (one reading of a rounded column, as `compare` reads one), the log within its length
    — or, where the schedule's LR does not move, by its epochs: a log of every step whose last step, + 1, is its last
    epoch × the steps of an epoch at N·B. A sweep counted in steps (`max_steps`) is the same at any batch: None."""
    if "config" not in rerun or not logs.step:
        return None
    try:
        cfg = RunConfig.model_validate(rerun["config"])
    except ValueError:  # a result whose config no run of this version takes (pydantic's ValidationError)
        return None
    if cfg.max_steps:  # a sweep counted in steps: the same table at any batch
        return None
    per = cfg.epoch_steps or steps_per_epoch(cfg.dataset, cfg.batch_size)
    train = (rerun.get("meta") or {}).get("train_size")
    lrs = [(s, v) for s, v in zip(logs.step, logs.lr, strict=False) if math.isfinite(v)]
    last = max(logs.step)
    every = bool(logs.epoch) and len(set(logs.step)) >= last  # every step logged (from 0 or 1): its epochs' length
    for n in range(2, BATCH_TIMES + 1):
        fewer = math.ceil(train / (n * cfg.batch_size)) if train and not cfg.epoch_steps else math.ceil(per / n)
        if fewer >= per:
            continue
        found = OtherBatch(n, n * cfg.batch_size, fewer, per, "LR table")
        if parts and len(lrs) > 1:
            other = cfg.model_copy(update={"batch_size": n * cfg.batch_size,
                                           "epoch_steps": fewer if cfg.epoch_steps else None})  # fmt: skip
            table = lr_table(other, fewer)
            for move in (0, -1):  # steps counted from 0, or from 1
                at = [(s + move, v) for s, v in lrs]
                if not all(0 <= s < len(table) for s, _ in at) or last + move < len(table) - fewer:
                    continue  # past its end, or ending before its last epoch
                if logs.epoch and abs(last + move + 1 - max(logs.epoch) * fewer) > 1:
                    continue  # its epochs are not of that length (a shorter run at the claimed batch: its own table)
                rest = [(v, table[s]) for s, v in at if not exact(v, table[s])]
                if not rest or (digits is not None and digits.explains(rest) is not None):
                    return found
        elif not parts and every and (e := max(logs.epoch)) >= 2 and last + 1 in (e * fewer, e * fewer + 1):
            return replace(found, by="epochs")
    return None


def _dropped_last(rerun: dict) -> tuple[int, list[float]] | None:
    """(P − 1, the LR table of the rerun's config at P − 1 steps an epoch): the run of a DataLoader with
    drop_last=True, where the data's last batch is partial (examiner probe 15: an honest log of it "does not match
    the claimed config (high confidence)"). None where no batch is dropped or an epoch is one step."""
    if "config" not in rerun:
        return None
    cfg = RunConfig.model_validate(rerun["config"])
    per = cfg.epoch_steps or steps_per_epoch(cfg.dataset, cfg.batch_size)
    train = (rerun.get("meta") or {}).get("train_size")
    if per < 2 or (not cfg.epoch_steps and train and train % cfg.batch_size == 0):
        return None
    full = lr_table(cfg, per)  # the rerun's own table, as its config gives it: else its LRs are not its config's
    if any(not math.isclose(a, b, rel_tol=LR_RTOL) for a, b in zip(full, rerun["lr"], strict=False)):
        return None
    fewer = cfg.model_copy(update={"epoch_steps": per - 1})
    return per - 1, lr_table(fewer, per - 1)


def _end_late(rerun: dict) -> list[float] | None:
    """A sweep's LR table as `start · (end/start) ** (step / N)` writes it — the course's own lambda (seed 003's
    `2 ** (low + (high - low) * batch / len(train_dataloader) / NUM_EPOCHS)`, the template's `10 ** (step / 4690 * 6
    - 5)`) — reaching end_lr one step after its last, where the rerun's reaches it on its last step (N − 1): torch's
    own scheduler over one step more, cut to the rerun's length. An honest log of that sweep was "does not match the
    claimed config (high confidence)" by 2e-4 at step 1 (examiner probe 13). None for a training run."""
    cfg = RunConfig.model_validate(rerun["config"])
    if cfg.task != "range-test":
        return None
    per_epoch = cfg.epoch_steps or steps_per_epoch(cfg.dataset, cfg.batch_size)
    n = total_steps(cfg, per_epoch)
    longer = cfg.model_copy(update={"epochs": cfg.epochs + 1, "max_steps": n + 1})
    return lr_table(longer, per_epoch)[: len(rerun["lr"])]


def _loss_part(logs: Logs, rerun: dict, steps: list[int], index: dict, band: Band | None, k: float,
               sweep: bool, margin: float = 1.0) -> tuple[Part | None, str | None, int]:  # fmt: skip
    if not logs.step:  # an evaluation log: nothing of the training steps to compare (the summary says so)
        return None, None, 0
    if logs.running_mean:  # grader.logs._running_mean (examiner probe 19: "outside the seed noise", no cause matched)
        return None, ("the train loss is logged as each epoch's running mean so far (running_loss / (i + 1)), and the "
                      "seed noise is measured on each step's loss, so the train loss is not compared"), 0  # fmt: skip
    contiguous = [s for i, s in enumerate(steps) if s == i]  # smoothing needs the steps from 0 on
    if len(contiguous) < 2:  # every k-th step logged (examiner probe 9): the band is of every step's smoothed loss
        every = f"every {logged_every(steps)} steps" if len(steps) > 1 else "at one step"
        return None, (f"the train loss is logged {every}, and the seed noise is measured on the smoothed loss of every "
                      "step, so the train loss is not compared"), 0  # fmt: skip
    n = len(contiguous)
    skips = (f"the log skips step {n} (its train loss is compared up to there: the smoothed loss needs every step)"
             if n < len(steps) else None)  # fmt: skip
    pre = None
    if logs.smoothed:  # `presmoothed`: the rerun's loss smoothed as the log's was, before both are (examiner probes
        # 26, 28: re-smoothed alone it was "outside the seed noise"; left uncompared, an invented smooth curve with the
        # claimed LR table decided any pick)
        pre = fitted_ema([logs.train_loss[index[s]] for s in contiguous], rerun["train_loss"][: len(contiguous)])
        if pre is None:
            return (
                None,
                (
                    "the train loss is logged smoother than any LR finder's moving average of a per-step loss "
                    f"leaves it (below {SMOOTHEST:g}× the rerun's step-to-step changes; an EMA of β = 0.99 "
                    "leaves more), so it cannot be compared as a run's loss: the log decides no pick"
                ),
                0,
            )
    part, untold, compared = _smoothed_part(logs, rerun, contiguous, index, band, k, sweep, margin, pre)
    if pre is not None:
        said = (f"the train loss is logged already smoothed (as pytorch-lr-finder's history and fastai's recorder hold "
                f"it; nearest: {ema_text(*pre)}): the rerun's loss is smoothed so too, then both as the reference "
                "smooths")  # fmt: skip
        untold = "; ".join(x for x in (said, untold) if x)
    return part, "; ".join(x for x in (untold, skips) if x) or None, compared


EMAS = tuple((beta, debiased) for beta in (0.6, 0.8, 0.9, 0.95, 0.98, 0.99) for debiased in (True, False))


def ema(losses: list[float], beta: float, debiased: bool) -> list[float]:
    """An exponential moving average as LR finders log one: bias-corrected (fastai's recorder, the reference's
    `smooth`), or started at the first value (pytorch-lr-finder's history: smooth_f = 1 − β)."""
    if debiased:
        return smooth(losses, beta)
    out: list[float] = []
    for x in losses:
        out.append(x if not out else beta * out[-1] + (1 - beta) * x)
    return out


def ema_text(beta: float, debiased: bool) -> str:
    return f"an EMA of β = {beta:g}, {'bias-corrected' if debiased else 'started at the first step'}"


SMOOTHEST = 0.003  # a log's roughness (`roughness`) below this is smoother than any EMA of EMAS leaves a per-step loss


def fitted_ema(logged: list[float], raw: list[float]) -> tuple[float, bool] | None:
    """The log's own smoothing, as near as seed noise lets it be told: of the EMAs (EMAS) whose roughness on the
    rerun's per-step loss `raw` is within ×2 of the log's, the one that, applied to `raw`, lies nearest `logged` (the
    median |log ratio| over the steps both hold finite and positive). None where none is that rough: a curve smoother
    than any moving average of a per-step loss (examiner probe 28: a noise-free invented curve, 0.00001–0.002× the
    rerun's changes; an EMA of β = 0.99 left 0.006–0.010× on 12 honest pairs of 100-step mnist-5k sweeps, fastai's
    0.98 0.03–0.05×; SMOOTHEST) is no run's loss to compare. Fitting the curve alone let a heavy EMA's lag absorb an
    invented curve's shift. Applied to the rerun before both curves are smoothed as the reference smooths, the
    difference is seed noise through one more low-pass filter, never more: the band of the reference-smoothed loss
    holds it."""
    own = _roughness(logged, raw)
    if own is None or own < SMOOTHEST:
        return None

    def distance(theirs: list[float]) -> float:
        d = [abs(math.log(a / b)) for a, b in zip(logged, theirs, strict=False)
             if math.isfinite(a) and math.isfinite(b) and a > 0 and b > 0]  # fmt: skip
        return statistics.median(d) if d else math.inf

    near = _as_rough(raw, own)
    return min(near, key=lambda c: distance(c[1]))[0] if near else None


def _roughness(loss: list[float], raw: list[float]) -> float | None:
    """`roughness` of a loss logged at every step from 0."""
    return roughness(Logs(source="", step=list(range(len(loss))), train_loss=list(loss)), raw)


def _as_rough(raw: list[float], own: float) -> list[tuple[tuple[float, bool], list[float]]]:
    """(spec, that EMA of `raw`) for each EMA of EMAS whose roughness on the per-step loss `raw` is within ×2 of a
    log's (`own`): the moving averages the log may be."""
    out = []
    for spec in EMAS:
        theirs = ema(raw, *spec)
        if (r := _roughness(theirs, raw)) is not None and r / 2 <= own <= 2 * r:
            out.append((spec, theirs))
    return out


def _smoothed_part(logs: Logs, rerun: dict, contiguous: list[int], index: dict, band: Band | None, k: float,
                   sweep: bool, margin: float, pre: tuple[float, bool] | None = None,
                   ) -> tuple[Part | None, str | None, int]:  # fmt: skip
    n = len(contiguous)
    logged = smooth([logs.train_loss[index[s]] for s in contiguous], 0.98)
    ours = smooth(ema(rerun["train_loss"][:n], *pre) if pre else rerun["train_loss"][:n], 0.98)
    total, untold = len(rerun["train_loss"]), None
    if sweep and ours:
        # to the lowest loss of the rerun or of the log, the sooner: past either, one seed's sweep is turning up
        # while the other's may still fall (examiner probe 31: an honest log whose own loss turned up 10 steps before
        # the rerun's lowest, at a batch no committed sweep measures, was "outside the seed noise")
        low = min(range(len(rerun["train_loss_smoothed"])), key=rerun["train_loss_smoothed"].__getitem__)
        own = min(range(n), key=logged.__getitem__) if all(math.isfinite(v) for v in logged) else n
        whose = "the rerun's" if low <= own else "the log's"
        low = min(low, own)
        if low + 1 < n:
            n, untold = low + 1, (f"after step {low} ({whose} lowest loss) the LR is past where the loss "
                                  "turns up, and seeds of a sweep fan out there (towards divergence): not "
                                  "compared")  # fmt: skip
    if (cut := _rounded_below([logs.train_loss[index[s]] for s in contiguous], ours, n)) is not None:
        n, untold = cut  # (before a sweep's lowest loss, if it is one)
    if band is not None and band.mean_log is not None and pre is None:  # this config's seeds: the log against them
        return _against_seeds(logged, n, band, k, untold, margin)
    if band is not None and band.unmeasured and not sweep:
        return None, band.unmeasured, 0
    k = max(k, _bonferroni(n))
    for s in range(n):
        a, b = logged[s], ours[s]
        if not math.isfinite(a):
            return Part(s, a, b, "train loss (smoothed)"), untold, s + 1
        if s < BORROWED_FROM:  # a few batches' average, in a descent whose seed spread other configs do not measure
            continue
        if band is not None and band.floor is not None and min(a, b) < band.floor:
            # near-zero losses spread wider between seeds than any committed config's measured (examiner probe 29's
            # follow-up: an honest log at SGD 0.107, 0.006 against the rerun's 0.0019 at step 799, was "outside the
            # seed noise"): past the lowest loss their seeds reached, no σ is known
            return None, (f"after step {s} the loss ({min(a, b):.3g}) is below the lowest any committed seeds "
                          f"measured their spread at ({band.floor:.3g}; near-zero losses spread wider between seeds): "
                          "not compared there"), s  # fmt: skip
        sd = band.at(s, total) if band else LOG_FLOOR
        if sd is None:
            return None, f"after step {s} fewer than 2 seeds of this config are still running: not compared", s
        allowed = margin * k * math.sqrt(2) * max(sd, LOG_FLOOR)
        if a <= 0 or b <= 0 or abs(math.log(a / b)) > allowed:
            return Part(s, a, b, "train loss (smoothed)", allowed=math.expm1(allowed)), untold, s + 1
    return None, untold, n


ROUNDED_LOSS_SHARE = 0.1  # a train-loss column's half unit may be this share of the loss: past it, not compared


def _rounded_below(logged: list[float], ours: list[float], n: int) -> tuple[int, str] | None:
    """(the first step where the log's train-loss column, printed to few digits, rounds by more than
    ROUNDED_LOSS_SHARE of the loss — its half unit (`column_units`) above that share of the rerun's smoothed loss —
    and the sentence that says so), or None where its rounding stays small to step `n` (a column at full precision:
    always). Below that loss the rounded values no longer average to the loss (2 decimals: 0.00 for every loss under
    0.005), and their smoothed curve is the rounding's, not the run's: examiner probe 30's honest `%.2f` log of SGD
    0.0506 was "0.003154 vs the committed seeds' mean 0.005608 at step 872, outside the seed noise". The share, from
    honest runs of the committed configs' own seeds (sgd-constant, -multistep, -cosine, adam-constant; seeds 0–5, 24
    runs) printed to 1, 2 and 3 decimals: where the half unit is at most 10 % of the loss, the rounding moves the
    smoothed loss by at most 0.014 in log (5 % of the band allowed there); at 20 %, 0.032 (16 %); at 50 %, 0.12 (37 %);
    past 100 %, more than the band. At 2 decimals 3 of the 24 were "outside the seed noise" compared to their end, 0 at
    10 % (against their seeds, and against another seed's rerun); a log of another config with the claimed LR table
    (72 pairs) is caught as before where the loss is large (Adam's for SGD's and back, at step 10–14 against the seeds),
    and at 3 decimals as often as at full precision — what 2 decimals cannot show is the SGD schedules that share LR
    0.0506 for 15 epochs and part only below a loss of 0.05. The rerun's loss, not the log's, decides: a log cannot
    move it."""
    units = column_units(logged)
    s = next((s for s in range(min(n, len(ours))) if units[s] > ROUNDED_LOSS_SHARE * ours[s]), None)
    if s is None:
        return None
    digits = _digits_text(units[s], ours[s])
    return s, (f"the train loss is logged to {digits}, and from step {s} on its half unit ({units[s]:.2g}) is over "
               f"{ROUNDED_LOSS_SHARE:.0%} of the loss (the rerun's smoothed loss there {ours[s]:.3g}): "
               f"the train loss is not compared below it")  # fmt: skip


def logged_every(steps: list[int]) -> int:
    """How many optimizer steps apart a log holds its points (the median gap): 1 for a log of every step."""
    gaps = sorted(b - a for a, b in zip(steps, steps[1:], strict=False))
    return gaps[len(gaps) // 2] if gaps else 1


def _bonferroni(comparisons: int) -> float:
    """The |z| one of `comparisons` tests exceeds by chance with probability FAMILY_RATE in all (at most 200: the
    smoothed curve's points are strongly correlated, and a band has 200 of them)."""
    return NormalDist().inv_cdf(1 - FAMILY_RATE / (2 * max(1, min(comparisons, 200))))


def _against_seeds(logged: list[float], n: int, band: Band, k: float, untold: str | None,
                   margin: float = 1.0) -> tuple[Part | None, str | None, int]:  # fmt: skip
    """The smoothed log at the band's steps against the committed seeds of its config: within
    k·σ·√(1 + 1/n) of their mean of log(loss), σ at its upper bound (the log is one more seed; the grader's own
    rerun, one seed, adds nothing the band does not already know)."""
    points = [(i, st) for i, st in enumerate(band.step) if st < n]
    k = max(k, _bonferroni(len(points)))
    for i, st in points:
        a, centre, sd = logged[st], band.mean_log[i], band.std_log[i]
        seeds = band.n[i] if band.n else 2
        if not math.isfinite(a):
            mean = math.exp(centre) if centre is not None else math.nan
            return Part(st, a, mean, "train loss (smoothed)"), untold, st + 1
        if centre is None or sd is None or seeds < 2:
            return None, f"after step {st} fewer than 2 seeds of this config are still running: not compared", st
        allowed = margin * k * math.sqrt(1 + 1 / seeds) * max(sigma_upper(sd, seeds), LOG_FLOOR)
        if a <= 0 or abs(math.log(a) - centre) > allowed:
            return (
                Part(
                    st,
                    a,
                    math.exp(centre),
                    "train loss (smoothed)",
                    allowed=math.expm1(allowed),
                    versus="the committed seeds' mean",
                ),
                untold,
                st + 1,
            )
    return None, untold, n


FAMILY_RATE = 0.005  # the chance that any of a log's per-epoch comparisons strays by seed noise alone


def _test_part(logs: Logs, rerun: dict, n_test: int, epochs: dict, k: float,
               margin: float = 1.0) -> tuple[Part | None, int]:  # fmt: skip
    """Each logged epoch's test metrics within the seed noise of this config. With the committed seeds of this
    config (`epochs`: epoch → {metric: {mean, std, values}}), against their mean, within k·σ·√(1 + 1/n) (the log
    is one more seed), and also each epoch's *change* from the epoch before against the seeds' mean change (σ:
    the seeds' std of that change): an edited epoch — a last accuracy raised by 2 pp — jumps where no seed does,
    though its level may stay inside the spread of levels; and that change again given the log's test-loss change
    (`_given_loss`): a seed whose accuracy jumps has its test loss drop with it, an edited accuracy does not. Without
    them, the last common epoch against the rerun, within k·√2·σ, σ the widest of other committed configs' seed σ
    at that epoch ×FALLBACK_SAFETY where `epochs` holds it (`borrowed_epochs`), else the floors only: early epochs of
    another config's seeds say little of this one's, and their changes nothing. The test loss
    is compared at the last epoch only: its spikes are heavier-tailed than 20 seeds show. σ at its upper bound,
    floored (binomial SE, 5 %); k grows with the number of comparisons so that an honest log strays anywhere with
    probability FAMILY_RATE at most (Bonferroni: half of it to the last epoch's three comparisons, where a claim's
    figures come from, half to the earlier ones)."""
    ours = {e["epoch"]: e for e in rerun["epochs"]}
    common = [(i, e) for i, e in enumerate(logs.epoch) if e in ours]
    own = {e: stats for e, stats in epochs.items() if not stats.get("borrowed")}
    # the log's own rounding (a CSV a spreadsheet re-saved: losses to 3 decimals, accuracy as whole percents): a level
    # is allowed its half unit, a change one unit (two rounded values) — an honestly rounded log is borne out, and one
    # edited by more than its rounding is still caught (examiner probe 29: accuracies rounded to whole percents made
    # an honest log "not borne out", and the full grade and the self-check judged its claims by other evidence)
    units = {"test_accuracy": log_units(logs, "test_accuracy", n_test), "test_loss": log_units(logs, "test_loss")}
    if not own:
        common = common[-1:]
    # past TEST_SOONER_MAX× the committed LR (`borrowed`): no level or change against the rerun's, the run's own line
    unmeasured = any(stats.get("unmeasured") for stats in epochs.values())
    steps = [(i, e) for n, (i, e) in enumerate(common) if n and common[n - 1][1] == e - 1 and e - 1 in own]
    last = common[-1][1] if common else None
    earlier = len(common) - 1 + 2 * sum(e != last for _, e in steps)  # each change is tested twice
    k_last = max(k, NormalDist().inv_cdf(1 - FAMILY_RATE / 2 / (2 * 4)))
    k_rest = max(k, NormalDist().inv_cdf(1 - FAMILY_RATE / 2 / (2 * max(earlier, 1))))
    for i, e in [] if unmeasured else common:
        r = ours[e]
        for metric, logged in (("test_accuracy", logs.test_accuracy), ("test_loss", logs.test_loss)):
            if metric == "test_loss" and e != last:
                continue  # a test loss spikes (Adam's overconfidence) with heavier tails than seeds show: the last only
            if not math.isfinite(logged[i]):  # not logged at this epoch (or logged NaN): not compared, never "outside
                continue  # the seed noise" (examiner probe 19); a diverged log's train loss is not finite, said so
            stats = (epochs.get(e) or {}).get(metric) or {}
            n = len([v for v in stats.get("values") or () if math.isfinite(v)])
            centre, factor = (stats["mean"], math.sqrt(1 + 1 / n)) if n >= 2 else (r[metric], math.sqrt(2))
            std = (sigma_upper(stats.get("std", 0.0), n) if n >= 2 else  # else: the widest of other configs', if any
                   stats.get("borrowed", 0.0) + stats.get("borrowed_rel", 0.0) * abs(centre))  # fmt: skip
            tol = margin * (k_last if e == last else k_rest) * factor * sigma(metric, centre, std, n_test)
            tol += units[metric][i]
            if abs(logged[i] - centre) > tol:
                whose = "the committed seeds' mean" if n >= 2 else "the rerun's"
                return Part(e, logged[i], centre, metric.replace("_", " "), "epoch", allowed=tol,
                            versus=whose), len(common)  # fmt: skip
    if not own and common and (jump := (
            None if unmeasured else _borrowed_change(logs, ours, common[-1], epochs, n_test, margin * k_last, units))
            or _own_change(logs, ours, common[-1], n_test, margin * OWN_K, units)):  # fmt: skip
        return jump, len(common)
    for i, e in steps:
        now, before = epochs[e]["test_accuracy"].get("values"), epochs[e - 1]["test_accuracy"].get("values")
        if not now or not before or len(now) != len(before):
            continue
        changes = [a - b for a, b in zip(now, before, strict=True) if math.isfinite(a) and math.isfinite(b)]
        theirs = logs.test_accuracy[i] - logs.test_accuracy[i - 1]
        if len(changes) < 2 or not math.isfinite(theirs):
            continue
        mean = statistics.fmean(changes)
        sd = max(sigma_upper(statistics.stdev(changes), len(changes)), 1 / n_test)  # one test image
        k_e = margin * (k_last if e == last else k_rest)
        rounding = units["test_accuracy"][i] + units["test_accuracy"][i - 1]  # one unit: two rounded values
        tol = k_e * math.sqrt(1 + 1 / len(changes)) * sd + rounding
        if abs(theirs - mean) > tol:
            return Part(
                e,
                theirs,
                mean,
                f"test accuracy change from epoch {e - 1}",
                "epoch",
                allowed=tol,
                versus=f"the committed seeds' mean change (± {statistics.stdev(changes):.2g})",
            ), len(common)
        given = _given_loss(epochs[e - 1], epochs[e], logs.test_loss[i - 1], logs.test_loss[i], n_test)
        # the log's loss change is rounded too: the prediction moves by the slope times its unit
        slack = rounding + abs(given[2]) * (units["test_loss"][i] + units["test_loss"][i - 1]) if given else 0.0
        if given is not None and abs(theirs - given[0]) > k_e * given[1] + slack:
            moved = logs.test_loss[i] - logs.test_loss[i - 1]
            return Part(e, theirs, given[0], f"test accuracy change from epoch {e - 1}", "epoch",
                        allowed=k_e * given[1] + slack, versus=f"the committed seeds' accuracy change at the log's "
                        f"test-loss change ({moved:+.3g})"), len(common)  # fmt: skip
    return None, 0 if unmeasured else len(common)


def _borrowed_change(logs: Logs, ours: dict, last: tuple[int, int], epochs: dict, n_test: int,
                     k: float, units: dict[str, list[float]] | None = None) -> Part | None:  # fmt: skip
    """Without seeds of its own config, the log's last epoch's change from the epoch before against the rerun's, in
    k·√2·σ, σ the widest committed seed σ of that change ×FALLBACK_SAFETY (`borrowed_epochs`): an edited last
    epoch jumps where the rerun does not, while an honest seed's last epochs move as the rerun's do (examiner probe
    17: a last test loss ×0.7 passed the level check once it was borrowed; ×0.5 jumps past this one). `units`: the
    log's half units (`column_units`) per metric: a change of two rounded values is allowed one unit more."""
    i, e = last
    stats = epochs.get(e) or {}
    if not stats.get("borrowed") or i == 0 or logs.epoch[i - 1] != e - 1 or e - 1 not in ours:
        return None
    for metric, key in (("test_accuracy", "borrowed_change"), ("test_loss", "borrowed_change_log")):
        sd = (stats.get(metric) or {}).get(key)
        x1, x0 = getattr(logs, metric)[i], getattr(logs, metric)[i - 1]
        r1, r0 = ours[e][metric], ours[e - 1][metric]
        if sd is None or not all(math.isfinite(v) for v in (x1, x0, r1, r0)):
            continue
        # floors: the test set's binomial SE at the rerun's accuracy (a jump after a milestone spreads over seeds
        # by more than a committed run without one shows); LOG_FLOOR for the loss's log ratio
        floor = sigma("test_accuracy", r1, 0.0, n_test) if metric == "test_accuracy" else LOG_FLOOR
        us = (units or {}).get(metric) or [0.0] * (i + 1)  # the log's half units (a rounded column)
        u1, u0 = us[i], us[i - 1]
        if metric == "test_loss":
            if min(x1, x0, r1, r0) <= 0:
                continue
            theirs, mine, rounding = math.log(x1 / x0), math.log(r1 / r0), u1 / x1 + u0 / x0
        else:
            theirs, mine, rounding = x1 - x0, r1 - r0, u1 + u0
        tol = k * math.sqrt(2) * max(sd, floor) + rounding
        if abs(theirs - mine) > tol:
            what = "test accuracy change" if metric == "test_accuracy" else "test loss change (log ratio)"
            return Part(e, theirs, mine, f"{what} from epoch {e - 1}", "epoch", allowed=tol,
                        versus="the rerun's change")  # fmt: skip
    return None


OWN_K = 5.0  # `_own_change`'s k: honest logs reach 3.5 (benchmarks/own_change.py), their changes heavy-tailed
OWN_MIN = 8  # changes of the run's second half (the log's and the rerun's) that `_own_change` needs to fit its line
OWN_GAP = 5  # the most epochs between a log's last two that `_own_change` judges a change across


def _own_change(logs: Logs, ours: dict, last: tuple[int, int], n_test: int, k: float,
                units: dict[str, list[float]] | None = None) -> Part | None:  # fmt: skip
    """Without seeds of its own config, the log's last test-accuracy change against the run's own changes from one
    epoch to the next: over the second half of the run, the log's and the rerun's, each change of accuracy against
    the change of log(test loss) that came with it (least squares: an epoch whose accuracy rises has its loss fall),
    and the last change within k prediction σ of that line at the log's own last loss change. An edited last
    accuracy jumps where its loss did not move; an honest one moves as the run's other epochs do, at its loss. Not
    tested where the rerun's own last change is off the line (a milestone at the last epoch: its jump is the
    schedule's) or the log's loss change lies outside the window's (a line says nothing far outside its points).
    `units`: the log's half units per metric (`column_units`): its last accuracy change is allowed one unit more, and
    the line's prediction the slope times its loss change's rounding."""
    i, e = last
    at = {x: j for j, x in enumerate(logs.epoch)}
    # the change from the log's epoch before its last: from e − 1, or across a log's gap (every 5th epoch logged:
    # examiner probe 30 — such edits had no change to judge), each change of the window taken across as many epochs
    gap = e - max((x for x in at if x < e), default=e)

    # an accuracy-only log (no test loss): the changes' mean and σ alone, no line (examiner probe 30)
    plain = len(logs.test_loss) != len(logs.epoch) or not all(math.isfinite(v) for v in logs.test_loss)

    def change(acc: list[float], loss: list[float], j: int, h: int) -> tuple[float, float] | None:
        a1, a0 = acc[j], acc[h]
        if plain:
            return (0.0, a1 - a0) if math.isfinite(a1) and math.isfinite(a0) else None
        l1, l0 = loss[j], loss[h]
        ok = all(math.isfinite(v) for v in (a1, a0, l1, l0)) and l1 > 0 and l0 > 0
        return (math.log(l1 / l0), a1 - a0) if ok else None

    def rerun(x: int) -> tuple[float, float] | None:
        if x not in ours or x - gap not in ours:
            return None
        now, before = ours[x], ours[x - gap]
        return change([before["test_accuracy"], now["test_accuracy"]], [before["test_loss"], now["test_loss"]], 1, 0)

    if not 1 <= gap <= OWN_GAP:
        return None
    points = [c for x in range(e // 2 + gap, e) for c in (
        change(logs.test_accuracy, logs.test_loss, at[x], at[x - gap]) if x in at and x - gap in at else None,
        rerun(x)) if c is not None]  # fmt: skip
    theirs, mine = change(logs.test_accuracy, logs.test_loss, i, at[e - gap]), rerun(e)
    if len(points) < OWN_MIN or theirs is None or mine is None:
        return None
    xs, ys = zip(*points, strict=True)
    n, mx, my, sx = len(xs), statistics.fmean(xs), statistics.fmean(ys), statistics.stdev(xs)
    sxx = sum((x - mx) ** 2 for x in xs)
    if (sxx <= 0 and not plain) or abs(theirs[0] - mx) > 3 * sx:
        return None
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx if not plain else 0.0
    dof = n - 1 if plain else n - 2
    resid = max(math.sqrt(sum((y - my - b * (x - mx)) ** 2 for x, y in zip(xs, ys, strict=True)) / dof),
                1.5 / n_test)  # fmt: skip
    line = lambda x: (my + b * (x - mx), resid * math.sqrt(1 + 1 / n + ((x - mx) ** 2 / sxx if sxx else 0.0)))  # noqa: E731
    if abs(mine[1] - line(mine[0])[0]) > 3 * line(mine[0])[1]:
        return None  # the rerun's last epoch is unlike its others: the schedule's doing, not the log's
    predicted, sd = line(theirs[0])
    ua, ul = (units or {}).get("test_accuracy"), (units or {}).get("test_loss")
    j = at[e - gap]
    rounding = (ua[i] + ua[j] if ua else 0.0) + (abs(b) * (ul[i] / logs.test_loss[i] + ul[j] / logs.test_loss[j])
                                                  if ul and not plain else 0.0)  # fmt: skip
    if abs(theirs[1] - predicted) <= k * sd + rounding:
        return None
    span = f"epochs {e // 2 + gap}–{e - 1} of the log and the rerun" + (f" (changes over {gap} epochs)" if gap > 1
                                                                          else "")  # fmt: skip
    return Part(e, theirs[1], predicted, f"test accuracy change from epoch {e - gap}", "epoch",
                allowed=k * sd + rounding,
                versus=f"the mean change of {span} (no test loss logged)" if plain else
                f"the change its test-loss change ({theirs[0]:+.3g} in log) predicts on the line of {span}",
                beyond=f"what the changes of those epochs allow (×{k:g} their σ about the line)")  # fmt: skip


def _given_loss(before: dict, now: dict, loss_before: float, loss_now: float, n_test: int
                ) -> tuple[float, float, float] | None:  # fmt: skip
    """The test-accuracy change from one epoch to the next that the committed seeds predict at the log's test-loss
    change (least squares over the seeds), the σ of a new seed's change about it (the prediction interval's
    σ, the residual σ at its upper bound over n − 2 degrees of freedom; floored at one test image), and the line's
    slope (accuracy per unit of test loss: how far a rounded loss change moves the prediction). None where
    it cannot say: fewer than 5 seeds with both figures, a non-finite log, or a loss change outside 3 σ of the
    seeds' (a line drawn through seeds says nothing far outside them)."""
    pairs = [(a1 - a0, l1 - l0) for a1, a0, l1, l0 in zip(now["test_accuracy"].get("values") or (),
             before["test_accuracy"].get("values") or (), (now.get("test_loss") or {}).get("values") or (),
             (before.get("test_loss") or {}).get("values") or (), strict=False)
             if all(math.isfinite(v) for v in (a1, a0, l1, l0))]  # fmt: skip
    x = loss_now - loss_before
    if len(pairs) < 5 or not math.isfinite(x):
        return None
    da, dl = zip(*pairs, strict=True)
    n, ma, ml, sl = len(da), statistics.fmean(da), statistics.fmean(dl), statistics.stdev(dl)
    if sl <= 0 or abs(x - ml) > 3 * sl:
        return None
    sxx = sum((v - ml) ** 2 for v in dl)
    beta = sum((u - ml) * (v - ma) for u, v in zip(dl, da, strict=True)) / sxx
    resid = math.sqrt(sum((v - ma - beta * (u - ml)) ** 2 for u, v in zip(dl, da, strict=True)) / (n - 2))
    sd = max(sigma_upper(resid, n - 1), 1 / n_test)  # n − 1 "seeds" = n − 2 degrees of freedom
    return ma + beta * (x - ml), sd * math.sqrt(1 + 1 / n + (x - ml) ** 2 / sxx), beta


# ---------------------------------------------------------------- the logs check


BAND_LR_RTOL = 0.01  # a log is a draw of a committed config's seeds when its LR is within 1 % of theirs


def noise(ctx: Context, p: PlannedRun) -> tuple[Band | None, dict]:
    """The seed noise a log of run `p` is judged within: the committed seed band of its own config (and, for a
    training run, its per-epoch test-metric stats), else the widest band of the committed configs of its kind (and
    their widest per-epoch test-metric σ, `borrowed_epochs`)."""
    baselines = ctx.protocols
    if p.kind == "range-test":
        found = sweep_reference(baselines, p.config)
        if found and found[2]:
            n = len(next(iter((found[0].get("picks") or {}).values()), []))
            return Band.of(found[0], f"the seed band of {n} committed seeds of this sweep"), {}
        sweeps = [rt for b in kin(baselines, p.config) for rt in b.get("range_tests", {}).values()]
        return Band.pooled(sweeps, f"no committed seeds of this sweep: the widest band of {len(sweeps)} committed "
                           f"sweeps ×{FALLBACK_SAFETY:g}"), {}  # fmt: skip
    ref = ctx.reference(p)
    # the seeds of this very config, its LR too: a run within baseline_lr_decades is met by the baseline check as its
    # own config, but a log at 0.0409 is no draw of the seeds at 0.0506 (it trains slower, step by step: examiner
    # probe 6); one at 0.0507 is (BAND_LR_RTOL)
    mine = lr_of(p.config.model_dump(mode="json"))
    if ref and ref.same and math.isclose(lr_of(ref.entry["config"]), mine, rel_tol=BAND_LR_RTOL):
        n = len(ref.entry["final"]["test_accuracy"]["values"])
        epochs = {i + 1: e for i, e in enumerate(ref.entry["epochs"])}
        return Band.of(ref.entry, f"the seed band of {n} committed seeds of this config"), epochs
    # a run the baseline check meets as its own config at a neighbouring LR: said, or the report's two rows read as
    # a contradiction ("met as its own config" beside "no committed seeds of this config": examiner probe 24)
    near = "" if not (ref and ref.same) else (
        f" at its LR (the seeds of {ref.name} are at LR {lr_of(ref.entry['config']):.3g}: a log is held to a "
        f"config's seed band only within {BAND_LR_RTOL * 100:g} % of their LR)")  # fmt: skip
    return borrowed(pool(baselines, p.config), p.config, near)


def pool(baselines: list[dict], cfg: RunConfig) -> list[dict]:
    """The committed runs a training run without committed seeds borrows its noise from: those of its kind, and of
    its length where some are — the same phase of training (examiner probe 32: a 5-epoch Fashion-MNIST run's last
    epoch was held to the σ of a 30-epoch OneCycle's warm-up at its epoch 5, and a +2 pp edit passed within ±17.7 pp).
    """
    runs = [e for b in kin(baselines, cfg) for e in [*b.get("runs", {}).values(), *b.get("grid", {}).values()]]
    return [e for e in runs if e["config"].get("epochs") == cfg.epochs] or runs


def borrowed(runs: list[dict], cfg: RunConfig, near: str = "") -> tuple[Band | None, dict]:
    """The seed noise of a training run no committed seeds measure, borrowed from the committed `runs` of its kind
    (`pool`): the widest band at each step (`sooner` for a run at a higher LR) and the widest σ at each epoch."""
    band = Band.pooled(runs, f"no committed seeds of this config{near}: the widest seed spread of {len(runs)} "
                       f"committed runs at each step and epoch ×{FALLBACK_SAFETY:g}", relative=False)  # fmt: skip
    band = sooner(band, cfg, runs)
    epochs = borrowed_epochs(runs, cfg.epochs)
    if (ratio := lr_ratio(cfg, runs)) is not None and ratio[0] > TEST_SOONER_MAX:
        epochs = {e: {**stats, "unmeasured": True} for e, stats in epochs.items()}
    return band, epochs


SOONER_MAX = 2.0  # a run at more than 2× the committed LR of its optimizer: its train-loss spread is not theirs
# nor, past 6×, its test metrics' (benchmarks/high_lr.py, own_change.py: honest logs at 4–6× — SGD 0.2 and 0.3, Adam
# 0.006 — were within the borrowed σ in 0 flagged of 200 pairs; at 9–27× in 20 of 168 not, and at SGD 0.7 (14×)
# twelve seeds spread ±0.13 in accuracy where it allowed ±0.074: examiner probe 36, 4 of 4 honest logs "outside")
TEST_SOONER_MAX = 6.0


def lr_ratio(cfg: RunConfig, runs: list[dict]) -> tuple[float, float] | None:
    """(r, their LR): the run's peak LR (OneCycle's, CyclicLR's max_lr) as r× the highest LR of the committed
    constant runs of its optimizer among `runs` (`pool`); None where there are none. SGD's step is the LR over
    1 − momentum, each side's own (examiner probe 37: plain SGD at 1.0 trains as momentum 0.9 at 0.1 does, and was
    "20× the committed sgd runs'")."""

    def step(c: dict) -> float:
        m = (c.get("momentum") or 0.0) if c.get("optimizer") == "sgd" else 0.0
        return 1 / (1 - m) if m < 1 else math.inf

    theirs = [(lr_of(e["config"]), step(e["config"])) for e in runs if e["config"].get("optimizer") == cfg.optimizer
              and (e["config"].get("schedule") or {}).get("name", "constant") == "constant"]  # fmt: skip
    if not theirs:
        return None
    lr, scale = max(theirs, key=lambda t: t[0] * t[1])
    peak = max(cfg.lr, cfg.schedule.max_lr or 0.0) * step(cfg.model_dump(mode="json"))
    return peak / (lr * scale), lr


def sooner(band: Band | None, cfg: RunConfig, runs: list[dict]) -> Band | None:
    """A band borrowed from committed runs at a lower LR, for a run at r× their LR (its peak LR against the constant
    runs' of its optimizer): at step s it is where they are at step r·s (training moves ∝ the LR), so its σ comes
    that much sooner. Honest logs at the students' own SGD 0.107 and 0.2 and Adam 0.006 were 'outside the seed
    noise' of the σ at the same step in 64 of their 120 pairs (benchmarks/own_change.py, 6 seeds); a run at their LR
    or below keeps the band as it is. Past SOONER_MAX× their LR no committed seeds measure the spread: honest Adam
    0.006 logs (5.5× the committed 0.0011) part from the rerun by a factor 2.5, SGD 0.2 ones (4×) reach the band's
    edge, and even at 2.1× (SGD 0.107, a CyclicLR peak) the farthest honest pairs reach 0.85–1.0 of it — so the
    train loss is not compared there, and the report says why."""
    if band is None or band.relative or (ratio := lr_ratio(cfg, runs)) is None:
        return band
    r, theirs = ratio
    moms = {e["config"].get("momentum") for e in runs if e["config"].get("optimizer") == "sgd"}
    if cfg.optimizer == "sgd" and moms and cfg.momentum not in moms:  # another momentum: another descent, its
        # train-loss spread unmeasured (examiner probe 37: an honest plain-SGD log at 1.0 against the momentum-0.9 band)
        return replace(band, unmeasured=f"its momentum {cfg.momentum:g} is not the committed sgd runs' "
                       f"({', '.join(f'{m:g}' for m in sorted(moms))}): no committed seeds measure how far its train "
                       "loss spreads, so the train loss is not compared")  # fmt: skip
    if r <= 1:
        return band
    if r > SOONER_MAX:
        what = "the train loss is not compared" if r <= TEST_SOONER_MAX else (
            "neither its train loss nor its test metrics are held to the rerun's (its last accuracy change only to "
            "the run's own epochs)")  # fmt: skip
        return replace(band, unmeasured=f"its LR is {r:.2g}× the committed {cfg.optimizer} runs' ({theirs:.3g}): "
                       f"no committed seeds measure how far runs at such an LR spread, so {what}")  # fmt: skip
    return replace(band, step=tuple(st / r for st in band.step),
                   sooner=f"met {r:.2g}× sooner (its LR is {r:.2g}× theirs)")  # fmt: skip


def borrowed_epochs(runs: list[dict], epochs: int) -> dict[int, dict]:
    """For a run whose config has no committed seeds: at each of its epochs, the widest seed σ of the committed runs
    there (past a run's length, its last epoch), ×FALLBACK_SAFETY — the test accuracy's σ, the test loss's relative
    to its mean — marked `borrowed` (no mean: the log is compared with the rerun). The test-set floors alone
    (k·√2·5 % of a test loss) warned an honest log of a config no seeds measure (examiner probe 14: a OneCycle run
    with momentum cycled, whose seeds spread wider than the floor); so is the σ of each epoch's change from the one
    before, for `_borrowed_change` (the σ of the runs of its scheduler alone warned an honest cycled-momentum
    OneCycle log in diagnosis_power: another config's seeds do not measure this one's noise)."""
    out: dict[int, dict] = {}
    for e in range(1, epochs + 1):
        acc, loss, acc_step, loss_step = [], [], [], []
        for r in runs:
            per = r.get("epochs") or []
            if not per:
                continue
            stats, before = per[min(e, len(per)) - 1], per[min(e, len(per)) - 2] if e > 1 and len(per) > 1 else None
            a, lo = stats.get("test_accuracy") or {}, stats.get("test_loss") or {}
            if len(a.get("values") or ()) >= 2:
                acc.append(a["std"])
            if len(lo.get("values") or ()) >= 2 and lo.get("mean"):
                loss.append(lo["std"] / lo["mean"])
            if before is not None:  # each seed's change into this epoch: accuracy in points, loss as a log ratio
                acc_step.append(_spread(stats, before, "test_accuracy", lambda x, y: x - y))
                loss_step.append(_spread(stats, before, "test_loss", lambda x, y: math.log(x / y) if x > 0 < y
                                         else math.nan))  # fmt: skip
        widest = lambda xs: FALLBACK_SAFETY * max((x for x in xs if x is not None), default=0.0)  # noqa: E731
        if acc or loss:
            out[e] = {
                "borrowed": True,
                "test_accuracy": {"borrowed": widest(acc), "borrowed_change": widest(acc_step)},
                "test_loss": {"borrowed_rel": widest(loss), "borrowed_change_log": widest(loss_step)},
            }
    return out


def _spread(now: dict, before: dict, metric: str, change) -> float | None:
    """The seeds' std of one metric's change from one epoch to the next (None with fewer than 2 seeds)."""
    pairs = zip((now.get(metric) or {}).get("values") or (), (before.get(metric) or {}).get("values") or (),
                strict=False)  # fmt: skip
    changes = [d for x, y in pairs if math.isfinite(d := change(x, y))]
    return statistics.stdev(changes) if len(changes) >= 2 else None


def diverges(logs: Logs) -> int | None:
    """The first logged step where the train loss is not finite, or its smoothed value is back above twice its
    lowest so far (after the first 10 steps) and still is at the log's end: a run that has turned away from
    training. A bump the run recovers from is no divergence (diagnosis_power: an honest OneCycle run at peak LR 0.3
    with momentum cycled rose above twice its low for a while and was given the diverged-log cause)."""
    best, turned, low = math.inf, None, math.inf
    smoothed = smooth([x if math.isfinite(x) else math.inf for x in logs.train_loss], 0.98)
    for i, (s, v) in enumerate(zip(logs.step, smoothed, strict=True)):
        if not math.isfinite(logs.train_loss[i]):
            return s
        if turned is None and i >= 10 and v > 2 * best:
            turned, low = s, best
        best = min(best, v)
    return turned if turned is not None and smoothed[-1] > 2 * low else None


def _epoch_aligned(logs: Logs, claim_epoch: int, rerun: dict) -> Logs:
    """A log of other data whose epochs are longer than the rerun's (an epoch-cadence schedule is rerun with the
    rerun data's own epochs): the first logged step of each epoch, placed at the first step of the rerun's epoch,
    so that LR tables compare epoch by epoch. Logs whose steps already line up are returned as they are."""
    ends = [e["step"] for e in rerun.get("epochs", [])]
    per_epoch = ends[0] if ends else 0
    if not per_epoch or per_epoch == claim_epoch:
        return logs
    index = {st: i for i, st in enumerate(logs.step)}
    keep = [(e, index[e * claim_epoch]) for e in range(len(ends)) if e * claim_epoch in index]
    return replace(logs, step=[e * per_epoch for e, _ in keep], lr=[logs.lr[i] for _, i in keep],
                   train_loss=[logs.train_loss[i] for _, i in keep])  # fmt: skip


def comparison(ctx: Context, p: PlannedRun) -> Comparison | None:
    """The one comparison of run `p`'s logs with its rerun, computed once per grade and kept in the context: the
    logs check, the report and the diagnoses all read this one."""
    if p.name not in ctx.comparisons:
        logs = ctx.logs.get(p.name)
        o = next((o for q, o in ctx.runs if q.name == p.name), None)
        cmp = None
        if isinstance(logs, Logs) and o is not None and o.result is not None:
            band, epochs = noise(ctx, p)
            turns = diverges(logs) if ctx.cond.proxy and p.kind == "train" and not o.result["diverged"] else None
            if ctx.cond.proxy:
                logs = _epoch_aligned(logs, ctx.cond.claim_epoch, o.result)
            cmp = compare(logs, o.result, ctx.n_test, band, epochs, ctx.tol.k_logs, sweep=p.kind == "range-test")
            full = cmp.scope is Scope.FULL  # a log that decides nothing keeps its own reason (drop_last, no step)
            if full and band is None and not ctx.cond.proxy:  # no seeds measure this config's noise: accuse no one
                cmp = replace(  # (steps: none compared — the summary said "within the seed noise" of them)
                    cmp,
                    loss=None,
                    test=None,
                    steps=0,
                    epochs=0,
                    untold=(
                        "no committed seed band measures the seed noise of this config, so only the LR table (exact) "
                        "and finite losses were checked"
                    ),
                )
            if full and ctx.cond.proxy:  # a log of other data: its LR table is comparable, its losses are not
                cmp = replace(
                    cmp,
                    loss=None,
                    test=None,
                    steps=0,
                    epochs=0,
                    turns=turns,
                    untold=(
                        f"the log is of {ctx.cond.claimed}, the rerun of {ctx.cond.rerun}: losses and accuracies are "
                        "not comparable across datasets, so only the LR table (exact), finite losses and whether the "
                        "log diverges where the rerun does not were checked"
                    ),
                )
            if cmp is not None and p.config.schedule.name in OWN_ALGORITHM:  # its LR follows its own losses
                cmp = _own_algorithm(p, cmp)
        ctx.comparisons[p.name] = cmp
    return ctx.comparisons[p.name]


def _own_algorithm(p: PlannedRun, cmp: Comparison) -> Comparison:
    """A log of the automated scheduler (seed 004), which picks each step's LR by comparing trial losses: a log of
    the rerun's own seed (the submission set it) draws the very LRs logged, and is compared as any log; a log of
    another seed draws another LR sequence, and no committed seeds measure how far such runs spread, so neither
    its LRs nor its losses are evidence either way (examiner probe 8: honest logs of other seeds were called
    mismatched, with a diverged-log cause). A log of the stated seed whose LRs part from the rerun's is not accused
    either: the stated seed may be the student's own script's (another random stream), or a near-tie of two trial
    losses that rounding breaks the other way (another engine or device) sent the run another way from there."""
    seeded = "seed" in p.claim.model_fields_set
    if cmp.lr is None:  # the LRs logged are the rerun's (or, logged after scheduler.step(), one ahead): its seed's run
        return cmp  # (an unseeded student may have run the rerun's seed: examiner probe 10)
    if seeded:  # which of the two it is, the log cannot tell: both are said (examiner probe 24 called it a near-tie
        # at step 0, of logs from the seed of the student's own script, printing the two LRs alike)
        logged, rerun = apart(cmp.lr.logged, cmp.lr.rerun)
        n, seed = cmp.lr.at, p.config.seed
        shared = (f"follow the rerun of seed {seed} for their first {n} step{'s' * (n != 1)}, then part" if n else
                  f"differ from the rerun of seed {seed} from their first step")  # fmt: skip
        why = (f"the logged LRs {shared} (logged {logged}, the rerun "
               f"{rerun}): the automated scheduler picks each step's LR by comparing trial losses, so a run of another "
               "random stream — the seed of the student's own script is not this engine's seed — draws another LR "
               "sequence, and so does a near-tie of two trial losses that rounding breaks the other way on another "
               "engine or device; neither is evidence of another config, and no committed seeds measure how far such "
               "runs spread")  # fmt: skip
    else:
        why = (f"the automated scheduler picks each step's LR from the run's own losses, so a log of another seed "
               f"(the submission set none; the rerun is seed {p.config.seed}) has another LR sequence, and no "
               "committed seeds measure how far such runs spread")  # fmt: skip
    return replace(cmp, lr=None, lr_constant=None, loss=None, test=None, epochs=0, turns=None, untold=why,
                   scope=Scope.FINITE)  # fmt: skip


def check_logs(ctx: Context, pts: float) -> list[CheckResult]:
    """Each run's own logs against its rerun (informational: 0 points unless the assignment says otherwise), within
    the seed noise of its config (Context.comparison: computed once, read by this check, the report and the
    diagnoses). A quick grade compares the first quick_epochs epochs: the rerun's length."""
    out = []
    for p, _ in ctx.runs:
        logs = ctx.logs.get(p.name)
        if logs is None:
            continue
        if isinstance(logs, str):
            out.append(CheckResult("logs", p.name, "warn", f"Logs not used: {logs}.", max_points=pts))
            continue
        cmp = comparison(ctx, p)
        if cmp is None:
            out.append(CheckResult("logs", p.name, "skip", "No rerun to compare the logs with."))
            continue
        if cmp.scope is not Scope.FULL:  # nothing but finite losses: no verdict on the log either way
            status = "warn" if cmp.nonfinite is not None else "skip"
            out.append(CheckResult("logs", p.name, status, cmp.summary(), max_points=pts if status == "warn" else 0.0,
                                   pending=0.0 if status == "warn" else pts, why="review"))  # fmt: skip
            continue
        status = "pass" if cmp.matches else "warn"
        msg, ends = cmp.summary(), ends_early(logs, p)
        if ends:  # a run stopped early (or a log cut short): true of the log, not what the assignment's run is
            status, msg = "warn", f"{ends} {msg}"
        out.append(CheckResult("logs", p.name, status, msg, origin=f"LR exact (rel. {LR_RTOL:g}); smoothed "
                               f"train loss and test metrics within {cmp.k:g}·√2·σ of the seed noise ({cmp.band})",
                               points=pts if cmp.matches else 0.0, max_points=pts))  # fmt: skip
    return out


def ends_early(logs: Logs, p: PlannedRun) -> str | None:
    """One sentence where a training run's log ends before the epochs the run claims (an early-stopped run, or a
    log cut short): its figures there are no final figures of the config, so claims are judged as without the log.
    None for a sweep, a log without test metrics, or one that reaches the run's end."""
    last = max(logs.epoch, default=None)
    if p.kind != "train" or last is None or last >= p.config.epochs:
        return None
    # where its train loss diverged, that is why (examiner probe 36: "a run stopped early?" of a run that blew up)
    why = "a run stopped early?" if (at := diverges(logs) if logs.train_loss else None) is None else \
        f"its train loss turns up from step {at} and does not come back: it diverged"  # fmt: skip
    return (  # (examiner probe 18: advice to state the epochs trained turned an honest 100/100 into a refused run)
        f"Your log ends at epoch {last} of the {p.config.epochs} the run claims ({why}): its final "
        f"figures are judged as without the log — against the committed seeds of this config where there are any, "
        f"else the rerun of all {p.config.epochs} epochs — not against the log's epoch {last}."
    )


def record(logs: Logs | str | None, result: dict | None, cmp: Comparison | None,
           counterfactuals: dict | None = None) -> dict:  # fmt: skip
    """What the report draws for a run with logs: the logged curves, where they part from the rerun (`cmp`, the
    context's one comparison), and any counterfactual reruns ({pitfall: result})."""
    if not isinstance(logs, Logs) or result is None or cmp is None:
        return {}
    parts = cmp.parts_at
    if parts is None and cmp.test and result["epochs"]:  # parted only in a test metric: that epoch's last step
        parts = cmp.test.at * result["epochs"][0]["step"]
    return {"logged": logs.curves(), "parts_at": parts, "summary": cmp.summary(),
            "counterfactuals": counterfactuals or {}}  # fmt: skip


# ---------------------------------------------------------------- a train loss logged already smoothed (probe 26)


Pairs = list[tuple[PlannedRun, object]]  # (planned run, its outcome: grader.runner.Outcome)
SMOOTHED_RATIO = 0.2  # a logged loss this much smoother than the rerun's per-step loss is already smoothed (below)
MIN_TRIPLES = 20  # consecutive logged steps (three at a time) the ratio needs


def roughness(logs: Logs, raw: list[float]) -> float | None:
    """How rough the logged train loss is against the rerun's per-step loss `raw` of the same config: the median
    |x[s−1] − 2·x[s] + x[s+1]| of the log over that of `raw`, at the steps s where both hold s − 1, s and s + 1,
    finite. The second difference drops a linear trend (a sweep's descent), so what is left is each step's noise: a
    per-step loss of another seed has the rerun's (≈ 1); an exponential moving average keeps (1 − β) of it
    (pytorch-lr-finder's history, smooth_f = 0.05: ≈ 0.05·√2/√6; fastai's recorder, β = 0.98: less). None where
    fewer than MIN_TRIPLES such steps are logged (a sparse log) or the rerun's loss does not move."""
    index = {s: i for i, s in enumerate(logs.step)}
    mine, theirs = [], []
    for s in range(1, len(raw) - 1):
        at = [index.get(t) for t in (s - 1, s, s + 1)]
        if None in at:
            continue
        a, b = [logs.train_loss[i] for i in at], raw[s - 1 : s + 2]
        if all(math.isfinite(v) for v in (*a, *b)):
            mine.append(abs(a[0] - 2 * a[1] + a[2]))
            theirs.append(abs(b[0] - 2 * b[1] + b[2]))
    if len(mine) < MIN_TRIPLES or not (noise := statistics.median(theirs)) > 0:
        return None
    return statistics.median(mine) / noise


def presmoothed(logs: Logs, raw: list[float]) -> tuple[Logs, float | None]:
    """`logs` marked `smoothed` where its train loss is already smoothed as logged — pytorch-lr-finder's `history`
    (exponential, smooth_f = 0.05, no bias correction), fastai's recorder (β = 0.98, bias-corrected): examiner probe
    26, re-smoothed, moved the rule's pick off 43 of 108 honest claims and warned 11 of 36 logs "outside the seed
    noise". Recognised by its shape against the rerun's per-step loss (`roughness` < SMOOTHED_RATIO), and the ratio.
    Measured on mnist-5k (a log of one seed against a rerun of the next, the same config; tests/test_presmoothed.py
    holds a small case): 61 pairs — 30 sweeps (SGD, Adam, AdamW; 10-epoch and 200-step), 25 training runs of 30 epochs,
    6 of 3 — honest per-step logs 0.67–1.47 (0 of 61 recognised); the same losses as pytorch-lr-finder's history
    0.021–0.040 and as fastai's recorder 0.008–0.027 (61 of 61 each). A running mean (`running_mean`) is said
    apart; a sparse log is not recognised (compared, and read, as before)."""
    if logs.running_mean or logs.smoothed or not logs.step:
        return logs, None
    ratio = roughness(logs, raw)
    # smoother than any LR finder's average leaves a loss: marked, so that it is compared with nothing (fitted_ema)
    if ratio is None or ratio >= SMOOTHED_RATIO or ratio >= SMOOTHEST and not _smoothing_of(logs, raw, ratio):
        return logs, ratio
    return replace(logs, smoothed=True), ratio


LOWEST = 1.5  # how far (×) a smoothed log's lowest loss may be from that of an EMA of the rerun's loss (below)


def _smoothing_of(logs: Logs, raw: list[float], own: float) -> bool:
    """Whether a smooth log is a moving average of this config's loss, not another loss that is smooth on its own: a
    doubled softmax's loss hardly moves from step to step, but never comes below ln(1 + 9/e) ≈ 1.46 where the run's
    falls to 0.05 (diagnosis_power: its 3 sweep logs were read as smoothed, their mismatch went unflagged and one was
    given a wrong cause; their lowest 1.53 against 0.33–0.40 for the EMAs of the rerun as rough as they are; on a
    100-step Adam sweep 1.64 against 0.92). Some EMA (EMAS) as rough as the log (within ×2, `roughness`) comes, on the
    rerun's per-step loss, as low as the log does (within ×LOWEST; honest EMA logs of another seed: within ×1.25, over
    every EMA of EMAS on 100- and 300-step SGD and Adam sweeps of mnist-5k, 3 seeds each, all ordered pairs). `own`:
    the log's `roughness`."""
    index = {s: i for i, s in enumerate(logs.step)}
    steps = [s for s in range(len(raw)) if s in index]
    lowest = _lowest([logs.train_loss[index[s]] for s in steps])
    if lowest is None:
        return True  # nothing to tell by: its roughness alone says
    lows = (_lowest([theirs[s] for s in steps]) for _, theirs in _as_rough(raw, own))
    return any(low is not None and low / LOWEST <= lowest <= LOWEST * low for low in lows)


def _lowest(values: list[float]) -> float | None:
    finite = [v for v in values if math.isfinite(v) and v > 0]
    return min(finite) if finite else None


def read_smoothed(logs: dict[str, Logs | str], runs: Pairs) -> tuple[dict, list[str]]:
    """Each run's logs as `presmoothed` reads them against its rerun (`runs`: (planned run, its outcome)), before the
    checks, and one line for each log recognised."""
    out, notes = dict(logs), []
    for p, o in runs:
        log, result = logs.get(p.name), getattr(o, "result", None)
        if not isinstance(log, Logs) or not result:
            continue
        out[p.name], ratio = presmoothed(log, result.get("train_loss") or [])
        if out[p.name].smoothed:
            notes.append(f"{p.name}: logs {log.source!r}: the train loss is logged already smoothed (its step-to-step "
                         f"changes {ratio:.2f}× the rerun's per-step loss's, as in pytorch-lr-finder's history or "
                         "fastai's recorder): the rule is applied to it as logged, never smoothed again, and it is "
                         "compared with the rerun's loss smoothed the same way")  # fmt: skip
    return out, notes


# ---------------------------------------------------------------- a rule word of two readings (fastai's lr_min)

EITHER = ("min", "min/10")  # the readings of grader.aliases.EITHER_MIN's words


def either_rule(runs: Pairs, seeds: dict) -> tuple[Pairs, list[str]]:
    """Each sweep whose rule the student worded as fastai's `lr_min` or `minimum` (RangeTestClaim.rule_said) judged
    on the reading its claim matches: fastai's, the lowest loss's LR ÷ 10 (`min/10`), or the lowest loss's own
    (`min`) — the nearer, in decades, to that rule's pick on the rerun (`runs`: (planned run, its outcome)), else on
    the committed seeds of the exact sweep (`seeds`: name → grader.context.Seeds) — and one line saying which. The two
    readings are exactly a decade apart: a claim one decade below the minimum's LR passes as fastai's lr_min (that is
    what the word means there), and a wrong claim is judged against the nearer reading, with that rule's tolerance —
    one about half a decade from both fails against either, as before."""
    out, notes = [], []
    for p, o in runs:
        claim = p.claim
        said = claim.rule_said() if isinstance(claim, RangeTestClaim) else None
        if said is None or claim.rule not in EITHER or not isinstance(claim.claimed_lr, float) or claim.curve == "test":
            out.append((p, o))
            continue
        result, entry = getattr(o, "result", None), getattr(seeds.get(p.name), "entry", None)
        picks = {r: _rule_pick(result, entry, r) for r in EITHER}
        dist = {r: abs(math.log10(claim.claimed_lr / v)) for r, v in picks.items() if v}
        if not dist:
            out.append((p, o))
            continue
        rule = min(EITHER, key=lambda r: dist.get(r, math.inf))
        other = next(r for r in EITHER if r != rule)
        out.append((replace(p, claim=claim.model_copy(update={"rule": rule})), o))
        far = f"; {other!r}: {dist[other]:.2f}" if other in dist else ""
        notes.append(f"{p.name}: rule {said!r} judged as {rule!r}, the reading the claim matches ({dist[rule]:.2f} "
                     f"decades from its pick{far}): fastai's lr_min is the LR at the lowest loss ÷ 10 ('min/10'), "
                     "others mean the lowest loss's own ('min'); the two are a decade apart, so a claim near neither "
                     "fails either way")  # fmt: skip
    return out, notes


def _rule_pick(result: dict | None, entry: dict | None, rule: str) -> float | None:
    """`rule`'s pick on the rerun (its result's suggestions), else the geometric mean of the committed seeds' picks."""
    if result and isinstance(v := (result.get("suggestions") or {}).get(rule), float) and v > 0:
        return v
    picks = [x for x in ((entry or {}).get("picks") or {}).get(rule) or [] if isinstance(x, float) and x > 0]
    return math.exp(statistics.fmean(math.log(x) for x in picks)) if picks else None


# ---------------------------------------------------------------- a claim against the student's own log (issue 21)


@dataclass(frozen=True)
class OwnLog:
    """A claim read against the log of the very run it came from: the figure the log gives, how far the claim is
    from it, how far it may be (the claim's printed digits, the log's resolution), and one sentence."""

    ok: bool
    logged: float | list[float]
    distance: float
    allowed: float
    unit: str  # "decades" or "abs"
    message: str
    warn: bool = False  # not what the assignment asks, but a true figure of this run (its best epoch): no points lost


def half_unit(x: float, text: str | None = None) -> float:
    """Half a unit in the last printed digit of `x`: as the student printed it (`text`, from submission.toml:
    "0.9600" → 0.00005) where that reads as `x`, else as Python prints it (0.025 → 0.0005; 0.9612 → 0.00005): how
    far a correctly rounded report may be from the figure it reports."""
    from decimal import Decimal, InvalidOperation

    try:
        exp = Decimal(text).as_tuple().exponent if text and float(Decimal(text)) == x else None
    except (InvalidOperation, ValueError, OverflowError):
        exp = None
    if exp is None:
        exp = Decimal(repr(float(x))).normalize().as_tuple().exponent
    return 0.5 * 10.0 ** int(exp) if isinstance(exp, int) else 0.0


def printed_decades(values: list[float]) -> float:
    """How far, in decades, LRs printed as `values` may be from the LRs they round: the widest half unit of their last
    printed digit (`half_unit`), relative."""
    return max(math.log10(1 + half_unit(v) / v) for v in values)


def _shown(v: float) -> tuple[int, int] | None:
    """(decimals, significant digits) that `v` shows as its shortest text, float noise past 12 significant digits
    aside (96.1 / 100 is 0.9609999999999999, a percentage column read as fractions); None for 0 and non-finite."""
    from decimal import Decimal

    if not math.isfinite(v) or v == 0:
        return None
    t = Decimal(repr(float(f"{v:.12g}"))).normalize().as_tuple()
    return -int(t.exponent), len(t.digits)


def _reading(values: list[float]) -> tuple[tuple[int, int], bool] | None:
    """How a column prints its values: ((the most decimals any shows, the most significant digits), whether it prints
    significant digits rather than decimals). A column of fixed decimals shows them on most values (a trailing zero
    hides one a tenth of the time) and fewer significant digits on its small values; a column of significant digits
    the other way round: the reading more values show in full is the column's (decimals where as many show both, as
    every value in [0.1, 1) does). None for a column of no nonzero finite value. A column at full precision (a value
    showing FULL_DIGITS: TensorBoard's float32, this package's CSVs — the common case) is told by its first such
    value, whose reading is returned: its callers read nothing more of it, and a 4,690-step log is not read whole."""
    shown = []
    for x in map(_shown, values):
        if x is not None and x[1] >= FULL_DIGITS:
            return x, False
        if x is not None:
            shown.append(x)
    if not shown:
        return None
    decimals, digits = max(d for d, _ in shown), max(s for _, s in shown)
    return (decimals, digits), sum(s == digits for _, s in shown) > sum(d == decimals for d, _ in shown)


def _half(read: tuple[tuple[int, int], bool], v: float) -> float:
    """Half a unit of `v`'s last digit as a column of that `_reading` prints it."""
    (decimals, digits), sig = read
    if sig and math.isfinite(v) and v != 0:
        return 0.5 * 10.0 ** (math.floor(math.log10(abs(v))) - digits + 1)
    return 0.5 * 10.0**-decimals


FULL_DIGITS = 10  # a column some value of which shows this many significant digits is not rounded for display: a
# float64's repr shows 15–17, a float32's (TensorBoard) 8–9 digits then its binary tail (cut at 12 by `_shown`)


def column_units(values: list[float], grid: float | None = None) -> list[float]:
    """Half a unit of each value's last digit as its column prints it (0 where it is not finite): a CSV re-saved by a
    spreadsheet with fewer digits (losses to 3 decimals, accuracy as whole percents, LRs to 3 significant digits)
    holds values whose shortest texts show those digits — a value parsed from "0.126" prints '0.126' — while
    TensorBoard's float32 values and this package's own CSVs print long texts (a column that shows FULL_DIGITS
    anywhere is at full precision: 0). A column prints a fixed number of decimals or of significant digits: the most
    either shows over the column (a value's trailing zeros are not shown), the one more values show in full
    (`_reading`). `grid`: the spacing of the values' true figures (an accuracy of n test images is a
    multiple of 1/n): a column on that grid printed to as many decimals as it needs loses nothing: 0."""
    read = _reading(values)
    if read is None:
        return [0.0] * len(values)
    (decimals, digits), _ = read
    if digits >= FULL_DIGITS or (
        grid
        and 10.0**-decimals <= grid * (1 + 1e-9)
        and all(math.isfinite(q := v / grid) and abs(q - round(q)) <= 1e-6 for v in values if math.isfinite(v))
    ):
        return [0.0] * len(values)
    return [_half(read, v) if math.isfinite(v) else 0.0 for v in values]


def _digits_text(unit: float, value: float) -> str:
    """A column's printed digits at `value`, in words: "3 decimals" (or "3 significant digits" where that is what a
    half unit of `unit` at `value` is)."""
    decimals = round(-math.log10(2 * unit))
    if decimals >= 1:
        return f"{decimals} decimal{'s' if decimals > 1 else ''}"
    return f"{max(1, math.floor(math.log10(abs(value))) + 1 - decimals)} significant digits" if value else \
        "whole numbers"  # fmt: skip


def log_units(logs: Logs, metric: str, n_test: int | None = None) -> list[float]:
    """`column_units` of one logged metric's series (the test accuracy on the grid of `n_test` images)."""
    grid = 1 / n_test if metric == "test_accuracy" and n_test else None
    units = column_units(list(getattr(logs, metric)), grid)
    return units + [0.0] * (len(logs.epoch) - len(units))  # a metric not logged: nothing to allow


def lrs_text(v: float | list[float]) -> str:
    """An LR, or a range's pair, to 4 significant digits, as every LR check's message shows it."""
    return ", ".join(f"{x:.4g}" for x in (v if isinstance(v, list) else [v]))


def printed(claimed: float, logged: float, scale: float = 1.0, text: str | None = None, unit: float = 0.0) -> float:
    """How far a claim read off a log may be from the logged figure: the claim's printed digits (`half_unit`, on the
    log's scale: a percentage claim's ÷ 100), the logged figure's (`unit`: half a unit of its last digit as its column
    prints it, `column_units`; two roundings of one figure agree to the coarser of their digits), and float32 as
    TensorBoard stores the figure."""
    return half_unit(claimed, text) / scale + unit + 1e-6 * abs(logged)


def plausible(cmp: Comparison | None) -> bool:
    """Whether a log is the rerun's config within seed noise, as far as the comparison could tell: then the claims
    taken from it are judged against it (issue 21); otherwise they are judged against the rerun."""
    return cmp is not None and cmp.matches


# How a student may have smoothed the logged sweep before applying the rule: as the reference does (pytorch-lr-finder,
# fastai), or as TensorBoard draws it by default (its smoothing slider, a debiased EMA like the reference's).
READINGS = {None: "the reference's smoothing", 0.6: "TensorBoard's default smoothing (0.6)"}
AS_LOGGED = "the loss as logged (no further smoothing)"
FASTAI_VALLEY = "the loss as logged, fastai's valley on lr_find's points [num_it // 10 : -5]"
SMOOTHED_SAID = "as pytorch-lr-finder's history and fastai's recorder hold it"


def _train_readings(claim: RangeTestClaim, logs: Logs) -> dict[str, float | list[float] | None]:
    """The rule's picks on the logged sweep, by how the student may have read it. A per-step loss: smoothed as the
    reference smooths it, or as TensorBoard draws it (READINGS). A loss recognised as already smoothed
    (`logs.smoothed`: an LR finder's own, pytorch-lr-finder's history or fastai's recorder) as logged only — its
    suggestion is the rule on it as it stands; smoothed again, the pick moved (examiner probe 26: 43 of 108 honest
    claims lost their points) — and, for `valley`, also as fastai's `lr_find` applies it (`valley_fastai`). A per-step
    loss is not also read as logged: the rule on its raw noise picks where the noise says (a `min/10` picked on the
    test loss passed against a raw train loss's minimum, tests/test_eval_curve.py)."""
    if not logs.smoothed:
        return {how: logs.pick(claim.rule, beta) for beta, how in READINGS.items()}
    picks = {AS_LOGGED: rule_on(claim.rule, logs.lr, logs.train_loss)}
    if claim.rule == "valley":
        num_it = claim.steps or None  # the iterations asked for (lr_find's num_it): its first tenth left out
        picks[FASTAI_VALLEY] = valley_fastai(logs.lr, logs.train_loss, num_it)
    return picks


def lr_against_log(claim: RangeTestClaim, logs: Logs, eval_lr: dict[int, float] | None = None) -> OwnLog | None:
    """The claimed LR against the claim's rule applied to the logged sweep, smoothed as the reference smooths it, as
    TensorBoard shows it by default (READINGS: a pick read off TensorBoard's plot is honest) — or, a loss recognised as
    already smoothed (an LR finder's own), as logged only (`_train_readings`) —
    the message naming the reading that bore the claim out: allowed one logged LR step (the sweep's resolution) and
    the claim's printed digits. A pick on the test loss (`claim.curve`) reads the
    log's test loss of each epoch against `eval_lr` (epoch → the LR the rerun evaluated it at: the logs check holds
    the log's LR table to the rerun's), raw or as TensorBoard smooths it, allowed one evaluation's LR step."""
    if claim.claimed_lr is None:
        return None
    if claim.curve == "test":
        points = [(eval_lr[e], v) for e, v in zip(logs.epoch, logs.test_loss, strict=False)
                  if e in eval_lr and math.isfinite(v)] if eval_lr else []  # fmt: skip
        lrs, losses = [a for a, _ in points], [b for _, b in points]
        picks = {
            how: rule_on(claim.rule, lrs, ys)
            for how, ys in (("the raw test loss", losses), (READINGS[0.6], smooth(losses, 0.6)))
        }
    else:
        lrs = [v for v in logs.lr if math.isfinite(v) and v > 0]
        picks = _train_readings(claim, logs)
    if len(lrs) < 3:
        return None
    steps = [abs(math.log10(b / a)) for a, b in zip(lrs, lrs[1:], strict=False) if a != b]
    resolution = sorted(steps)[len(steps) // 2] if steps else 0.0
    claimed = list(claim.claimed_lr) if isinstance(claim.claimed_lr, tuple) else [claim.claimed_lr]
    allowed = resolution + printed_decades(claimed) + 1e-9
    readings = []  # (distance, pick, how) per smoothing a student may have read the sweep with
    for how, pick in picks.items():
        if pick is None:
            continue
        logged = pick if isinstance(pick, list) else [pick]
        theirs = claimed if len(claimed) == len(logged) else claimed[-1:] if len(logged) == 1 else claimed * 2
        readings.append((max(abs(math.log10(c / lg)) for c, lg in zip(theirs, logged, strict=True)), pick, how))
    if not readings:
        return None
    dist, pick, how = readings[0]  # the reference's reading, unless only another one bears the claim out
    if dist > allowed:
        dist, pick, how = min(readings, key=lambda r: r[0])
    fmt = lrs_text
    levels = len(steps) + 1  # a staircase holds each LR for a stair: its LRs, not its steps
    where = (f"your log's test loss ({len(lrs)} epochs, {resolution:.2f} decades of LR apart)" if claim.curve == "test"
             else f"your log's sweep ({len(lrs)} logged LRs, {resolution:.4f} decades apart)" if levels == len(lrs) else
             f"your log's sweep ({len(lrs)} logged steps at {levels} LRs, {resolution:.4f} decades apart)")  # fmt: skip
    step = "one evaluation's LR step" if claim.curve == "test" else "one logged LR step"
    msg = (
        f"Rule {claim.rule!r} on {where}, with {how}, picks {fmt(pick)}; the claim {fmt(claimed)} is {dist:.3f} "
        f"decades from it (allowed {allowed:.3f}: {step} and the claim's printed digits)."
    )
    if dist > allowed and len(readings) > 1:
        others = "; ".join(f"with {h}: {fmt(p)}" for _, p, h in readings if h != how)
        msg += f" Read otherwise, it picks {others}."
    if logs.smoothed and claim.curve == "train":
        msg += f" Your log's loss is already smoothed ({SMOOTHED_SAID}): read as logged, not smoothed again."
    if dist > allowed and claim.curve == "train" and logged_every(logs.step) > 1:
        # a log of every k-th step: the student may have read the pick off the whole curve (their LR finder), and a
        # sparse curve's pick strays further than its resolution (examiner probe 9: 0.35 decades at every 10th of 233
        # steps). A miss on it is no evidence: the claim is judged as without logs; a hit still decides.
        return None
    return OwnLog(dist <= allowed, pick, round(dist, 4), round(allowed, 4), "decades", msg)


def eval_lrs(cfg: RunConfig) -> dict[int, float]:
    """Epoch → the LR of the last step before its evaluation, read off the claimed config's own LR table: a sweep
    that diverges early on the rerun's data (mnist-5k's 4,000 images, memorised) may run on in the student's log
    (examiner probe 22: a log of 6 evaluations judged on the rerun's 2, an ERROR)."""
    per = cfg.epoch_steps or steps_per_epoch(cfg.dataset, cfg.batch_size)
    table = lr_table(cfg, per)
    return {e: table[e * per - 1] for e in range(1, cfg.epochs + 1) if e * per <= len(table)}


def checkpoints(logs: Logs) -> dict[int, str]:
    """The epochs a student may keep as the run's best checkpoint and report both figures of: the highest test
    accuracy's and the lowest test loss's (epoch → which)."""
    out: dict[int, str] = {}
    for metric, pick, what in (("test_loss", min, "lowest-test-loss"), ("test_accuracy", max, "highest-accuracy")):
        series = getattr(logs, metric)
        values = [(e, v) for e, v in zip(logs.epoch, series, strict=True) if math.isfinite(v)] \
            if len(series) == len(logs.epoch) else []  # fmt: skip
        if values:
            at = pick(values, key=lambda ev: ev[1])[0]
            out[at] = f"{out[at]} and {what}" if at in out else what  # one epoch both: "lowest-… and highest-…"
    return out


def metric_against_log(metric: str, claimed: float, epochs: int, logs: Logs, text: str | None = None,
                       n_test: int | None = None) -> OwnLog | None:  # fmt: skip
    """A claimed final metric against the log's last epoch, allowed the claim's printed digits (`text`: as
    submission.toml prints it, "0.9600" to four decimals; and float32, as TensorBoard stores it) and the log's own
    (`column_units`: a CSV re-saved by a spreadsheet to 3 decimals holds 0.126 for the run's 0.12641, and the claim
    0.1264 agrees with it to the coarser digits; examiner probe 29: 8 of 8 honest loss claims failed); a percentage
    is read as one; a claim that matches another logged epoch says which."""
    units = dict(zip(logs.epoch, log_units(logs, metric, n_test), strict=False))
    values = [(e, v) for e, v in zip(logs.epoch, getattr(logs, metric), strict=True) if math.isfinite(v)]
    if not values:
        return None
    label = metric.replace("_", " ")
    if values[-1][0] < epochs:  # the log stops before the run's last epoch: it cannot decide the run's final figure
        return None  # (examiner probe 14: a true final claim failed against the log's epoch 3 of 5; probe 15: an
    # early-stopped run's true last figure failed, a figure of no epoch passed): judged as without the log, against
    # the rerun of the epochs claimed, and the logs check says where the log ends
    if values[-1][0] > epochs and epochs in dict(values):  # a log longer than the run: its epoch `epochs`
        values = [(e, v) for e, v in values if e <= epochs]
    last_epoch, last = values[-1]
    scale = 100.0 if metric == "test_accuracy" and claimed > 1 else 1.0
    value = claimed / scale
    allowed = printed(claimed, last, scale, text, units[last_epoch])
    digits = "the claim's printed digits" + (f" and the log's ({_digits_text(units[last_epoch], last)})"
                                             if units[last_epoch] else "")  # fmt: skip
    said = text or f"{claimed:g}"
    said += "%" if scale != 1 else ""
    dist = abs(value - last)
    if dist <= allowed:
        pct = " (reported as a percentage)" if scale != 1 else ""
        msg = f"Your log's last epoch ({last_epoch}): {label} {last:.6g}; the claim: {said}{pct}."
        if dist > printed(claimed, last, scale, text):  # agreed only to the log's own digits: said so
            msg += f" They agree to the log's printed digits ({_digits_text(units[last_epoch], last)})."
        return OwnLog(True, last, round(dist, 6), round(allowed, 6), "abs", msg)
    other = next((e for e, v in reversed(values[:-1]) if abs(value - v) <= allowed), None)
    kept = checkpoints(logs)
    best = next((e for e, v in reversed(values[:-1]) if abs(value - v) <= allowed and e in kept), None)
    if best is not None:  # the run's best checkpoint, reported as the result: a true figure of it
        msg = (
            f"Your claim {said} is your log's epoch {best} ({label} {dict(values)[best]:.6g}), its {kept[best]} "
            f"epoch — a best checkpoint, not the last epoch ({last_epoch}: {last:.6g}): a true figure of this "
            "run, no points lost, but the assignment asks for the final one (report the last epoch's figures)."
        )
        return OwnLog(False, last, round(dist, 6), round(allowed, 6), "abs", msg, warn=True)
    also = f" It matches epoch {other} of your log ({dict(values)[other]:.6g}), not its last." if other else ""
    msg = (
        f"Your log's last epoch ({last_epoch}): {label} {last:.6g}; the claim: {said}, {dist:.4g} away (allowed "
        f"{allowed:.2g}: {digits}).{also}"
    )
    return OwnLog(False, last, round(dist, 6), round(allowed, 6), "abs", msg)
