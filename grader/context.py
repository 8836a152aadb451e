"""Context: what every check sees of one submission (its reruns, probe twins, logs, baselines); below the checks,
the evidence and the diagnoses, which all read it, so none of them imports another for it."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

from grader.plan import Conditions, PlannedRun
from grader.runner import Outcome
from grader.schema import Assignment, Submission
from reference.config import RunConfig
from reference.datasets import steps_per_epoch
from reference.outputs import Logs
from reference.protocols import BASELINES, PROTOCOLS
from reference.schedules import SCHEDULES
from reference.tolerances import CHAOS_WINDOW


def _committed(dataset: str) -> list[str]:
    """The protocols of `dataset` whose baseline file is committed."""
    return [n for n, p in PROTOCOLS.items() if p.dataset == dataset and (BASELINES / f"{n}.json").exists()]


def load_baselines(dataset: str) -> list[dict]:
    """Every committed protocol of `dataset` (mnist-5k: the assignment's and the course template's), so that a run is
    compared with the reference of its own config wherever one is committed."""
    return [{**json.loads((BASELINES / f"{n}.json").read_text()), "name": n} for n in _committed(dataset)]


def load_baseline(dataset: str, epochs: int | None = None) -> dict | None:
    """The committed baseline of `dataset`. Where it has several protocols (fashion-mnist: a shortened one and
    the assignment's full one, `fashion-mnist-full`), the one whose runs last `epochs` epochs, else the default."""
    names = _committed(dataset)
    fits = [n for n in names if PROTOCOLS[n].train_epochs == epochs]
    name = (fits or [n for n in names if n == dataset] or [None])[0]
    return json.loads((BASELINES / f"{name}.json").read_text()) if name else None


OWN_ALGORITHM = ("auto", "auto-corrected")  # the automated scheduler (seed 004): not a schedule a constant LR's run
# can stand in for (its faithful rule ends far below any tuned run by design), so only its own reference compares


def baseline_entry(baseline: dict | None, config) -> tuple[str, dict] | None:
    """The reference run with the same optimizer and scheduler, else the optimizer at a constant LR (never for the
    automated scheduler: OWN_ALGORITHM)."""
    runs = (baseline or {}).get("runs", {})
    fallback = () if config.schedule.name in OWN_ALGORITHM else (f"{config.optimizer}-constant",)
    for name in (f"{config.optimizer}-{config.schedule.name}", *fallback):
        if name in runs:
            return name, runs[name]
    return None


# ---------------------------------------------------------------- like with like: which committed reference a run meets

# Schedule arguments that set the LR table themselves, and what they are when left out (reference/schedules.py):
# OneCycle and CyclicLR peak at max_lr (the optimizer's lr when left out), CyclicLR starts at base_lr (lr / 10); the
# optimizer's own lr then sets nothing.
LR_SCALED = {"max_lr": 1.0, "base_lr": 0.1}
PEAKED = ("onecycle", "cyclic")


def lr_of(config: dict) -> float:
    """The LR that sets a run's LR table: OneCycle's and CyclicLR's peak (max_lr, else lr), else lr. Two runs whose
    peak is the same are one config, however their optimizer's lr (which those schedules overwrite) is written."""
    sched = config.get("schedule") or {}
    return (sched.get("max_lr") or config["lr"]) if sched.get("name") in PEAKED else config["lr"]


def _shape(config: dict) -> dict:
    """A config without what seeds and LRs change: what must be equal for two runs to be draws of one config
    (read through RunConfig, so a file written before a field existed gets its default); a schedule's cadence only
    where it has arguments to step. Arguments that move with the LR are kept as ratios to `lr_of`, their defaults
    filled in: max_lr left out is max_lr = lr written out."""
    config = RunConfig(**config).model_dump(mode="json")
    out = {k: v for k, v in config.items() if k not in ("seed", "lr", "init_nudge")}
    sched = dict(out.get("schedule") or {})
    if not SCHEDULES[sched.get("name") or "constant"].args:  # a schedule that reads no argument (constant) sets
        sched.pop("cadence", None)  # one LR table stepped either way (examiner probe 42: the cs5260 preset's
        # constant runs, stepped per iteration, were "another config" than the committed ones, bit-identical)
    for k, default in LR_SCALED.items():
        value = sched.get(k)
        if value is None and sched.get("name") in PEAKED and (k == "max_lr" or sched.get("name") == "cyclic"):
            value = default * config["lr"]
        if value is not None:
            sched[k] = round(value / lr_of(config), 6)
    out["schedule"] = sched
    return out


def differences(a: dict, b: dict) -> str:
    """How run config `a` differs from `b` (RunConfig dumps), in words: "lr 0.0125 (theirs 0.0506), nesterov"."""
    sa, sb = _shape(a), _shape(b)
    flat = lambda s: {**{k: v for k, v in s.items() if k != "schedule"},  # noqa: E731
                      **{f"schedule.{k}": v for k, v in (s.get("schedule") or {}).items()}}  # fmt: skip
    fa, fb = flat(sa), flat(sb)
    keys = sorted(k for k in fa.keys() | fb.keys() if fa.get(k) != fb.get(k))
    if "schedule.name" in keys:  # another scheduler: its arguments differ with it
        keys = [f"schedule {fa.get('schedule.name')} (theirs {fb.get('schedule.name')})",
                *(k for k in keys if not k.startswith("schedule."))]  # fmt: skip
    name = "peak LR" if (a.get("schedule") or {}).get("name") in PEAKED else "lr"  # max_lr: the LR the table peaks at
    same = math.isclose(lr_of(a), lr_of(b), rel_tol=1e-6)
    lr = [] if same else [f"{name} {lr_of(a):.3g} (theirs {lr_of(b):.3g})"]
    return ", ".join([*lr, *(k.removeprefix("schedule.") for k in keys)]) or "nothing"


def length_free(config: dict) -> bool:
    """A run (RunConfig dump) whose LR table does not depend on the run's length (its schedule has no `spans`:
    constant, step, multistep, exponential, cyclic): its first n epochs are an n-epoch run of it."""
    return SCHEDULES[((config.get("schedule") or {}).get("name")) or "constant"].spans is None


def lr_only(a: dict, b: dict) -> bool:
    """`a` and `b` (RunConfig dumps) differ at most in their LR (and seed): one config at two LRs. Where neither's LR
    table depends on the run's length (`length_free`), their lengths may differ too: the shorter is the longer's
    first epochs (checked bit for bit: a 3-epoch adam-constant run is the committed 30-epoch run's first 3 epochs)."""
    sa, sb = _shape(a), _shape(b)
    if length_free(a) and length_free(b):
        sa.pop("epochs"), sb.pop("epochs")
    return sa == sb


def epoch_sized_steps(schedule: dict, epochs: int, per_epoch: int) -> list[int] | None:
    """The milestones (or step size) of a MultiStepLR / StepLR stepped every iteration (cadence "step") when they are
    epoch counts — all inside the first epoch and at most the run's epochs: [15, 25] of a 30-epoch run stepped per
    batch drop the LR by 100 within 25 steps (the course's per-iteration hook). A mistake, not a choice: None
    otherwise (grader.diagnoses.step_milestones names it)."""
    if schedule.get("cadence") != "step" or schedule.get("name") not in ("multistep", "step"):
        return None
    sizes = list(schedule.get("milestones") or ()) if schedule["name"] == "multistep" else \
        [schedule["step_size"]] if schedule.get("step_size") else []  # fmt: skip
    return sizes if sizes and max(sizes) < per_epoch and max(sizes) <= epochs else None


OPTIMIZER_SETTINGS = ("momentum", "nesterov", "weight_decay", "betas")  # the student's to set, as the LR is


def choices_only(a: dict, b: dict) -> bool:
    """`a` and `b` (RunConfig dumps) differ at most in what the assignment leaves to the student: the LR (`lr_only`),
    the optimizer's settings (momentum, Nesterov, weight decay, betas: the course template's SGD has weight decay
    5e-4, the references none) and the scheduler — which one (the assignment asks for six), its arguments (gamma,
    step size, milestones, peak, …) and whether it steps per epoch or per iteration (the course's hook stepped per
    iteration) — but not epoch counts stepped per iteration (`epoch_sized_steps`: a mistake), nor the model, the
    input, the batch size or the data. A rerun of the student's config falls short of a reference of another config
    by that config's doing: no committed run tells a fault from those choices."""
    sa, sb = _shape(a), _shape(b)
    ka = sa.pop("schedule")
    sb.pop("schedule")
    for k in OPTIMIZER_SETTINGS:
        sa.pop(k, None), sb.pop(k, None)
    if length_free(a) and length_free(b):
        sa.pop("epochs"), sb.pop("epochs")
    per_epoch = a.get("epoch_steps") or steps_per_epoch(a["dataset"], a["batch_size"])
    return sa == sb and not epoch_sized_steps(ka, a["epochs"], per_epoch)


def same_config(a: dict, b: dict, lr_decades: float) -> bool:
    """`a` and `b` (RunConfig dumps) are the same config up to the seed — or one is the other's first epochs — their
    LRs within `lr_decades`."""
    return lr_only(a, b) and abs(math.log10(lr_of(a) / lr_of(b))) <= lr_decades


@dataclass(frozen=True)
class Reference:
    """The committed reference a run is compared with, and how it matches the run."""

    name: str  # the entry's name in its baseline file ("sgd-constant", "sgd-constant@0.0316", …)
    entry: dict  # {"config", "epochs": per-epoch {metric: {mean, std, values}}, "final", …}
    match: str  # "same config" (every field but the seed; LR within baseline_lr_decades) or "other config"
    protocol: str  # the baseline file's dataset key (mnist-5k, mnist-5k-course, …)

    @property
    def same(self) -> bool:
        return self.match == "same config"


def run_reference(baselines: list[dict], config, lr_decades: float) -> Reference | None:
    """The committed run that is this run's config at another seed, else (`match` "other config") the one with the
    same optimizer and scheduler, else the optimizer at a constant LR, from a protocol of the run's own input
    pipeline where one has it (the baseline check then compares final epochs only)."""
    dump = config.model_dump(mode="json")
    for b in baselines:
        for name, entry in {**b.get("runs", {}), **b.get("grid", {})}.items():
            if entry.get("config") and same_config(entry["config"], dump, lr_decades):
                return Reference(name, entry, "same config", b.get("dataset", ""))
    found = [(b, f) for b in [*kin(baselines, config), *baselines] if (f := baseline_entry(b, config))]
    # a reference of the run's own input pipeline first, and of one that runs at least as long: a run of another
    # config is compared only where it ends (a 30-epoch MultiStepLR([15, 25]) run at epoch 5, before its first
    # decay, against a 5-epoch reference that has decayed twice: examiner probe 23)
    b, f = next(((b, f) for b, f in found if f[1]["config"]["epochs"] >= config.epochs), found[0] if found else
                (None, None))  # fmt: skip
    return Reference(*f, "other config", b.get("dataset", "")) if f else None


def kin(baselines: list[dict], config) -> list[dict]:
    """The committed protocols whose input pipeline is the run's (`preprocess`): where a tolerance or a band is
    borrowed from other configs, it comes from these (the course template's unnormalised Resize(32) input gives
    flat-starting sweeps whose `min` pick spreads wider over seeds than on normalised input: a tolerance of 0.83
    decades, not 0.44)."""
    same = [b for b in baselines if (b.get("protocol") or {}).get("preprocess", "pad-normalize") == config.preprocess]
    return same or baselines


def sweep_reference(baselines: list[dict], config) -> tuple[dict, str, bool] | None:
    """(the committed range test of this sweep's config, its protocol, True) when one is committed, else (the
    optimizer's range test with the most seeds among the protocols of the sweep's input pipeline, its protocol,
    False)."""
    dump, found = config.model_dump(mode="json"), []
    for b in kin(baselines, config):
        rt = b.get("range_tests", {}).get(config.optimizer)
        if rt:
            cfg = rt.get("config")
            if cfg and _shape(cfg) == _shape(dump) and math.isclose(cfg["lr"], dump["lr"], rel_tol=1e-9):
                return rt, b.get("dataset", ""), True
            found.append((rt, b.get("dataset", "")))
    if not found:
        return None
    rt, name = max(found, key=lambda f: len(next(iter((f[0].get("picks") or {}).values()), [])))
    return rt, name, False


# ---------------------------------------------------------------- the committed seeds of a run's exact config

MIN_SEEDS = 10  # a σ from fewer committed seeds is never used alone (3 seeds give it 2 degrees of freedom)
LR_DIGITS = 3  # a run's LR equals a committed one when both read the same to this many significant digits


@dataclass(frozen=True)
class Seeds:
    """The committed reference seeds of a planned run's exact config (every field but the seed): one rerun would
    be one more draw from the distribution they sample, so the run's claims are judged against them instead."""

    name: str  # the entry's name in its baseline file ("sgd-multistep", a range test's optimizer, …)
    entry: dict  # the committed range test ({config, picks, curve, …}) or run ({config, epochs, final})
    protocol: str  # the baseline file's dataset key
    n: int  # committed seeds

    @property
    def phrase(self) -> str:
        return (f"judged against {self.n} committed reference seeds of this exact config ({self.protocol} "
                f"{self.name}; no rerun needed)")  # fmt: skip


def _same_lr(a: float, b: float) -> bool:
    return f"{a:.{LR_DIGITS - 1}e}" == f"{b:.{LR_DIGITS - 1}e}"


SWEEP_END_RTOL = 0.01  # a sweep ending within 1 % of a committed one's end LR: every step's LR within 1 % of theirs


def _sweep_shape(shape: dict) -> tuple[dict, float | None]:
    """A sweep's shape without its end LR, and that LR: the course's own lambda, 10 ** (step / 4690 * 6 - 5) × 0.1,
    ends at 0.997 on its last step, where the committed sweep of 1e-6 → 1 ends at 1.0 (examiner probe 9: it was rerun,
    4,487 steps, instead of judged against the 10 committed seeds of what is the same sweep to 0.3 % at every step)."""
    sched = dict(shape.get("schedule") or {})
    return {**shape, "schedule": sched}, sched.pop("end_lr", None)


def _same_sweep(a: dict, b: dict) -> bool:
    (sa, ea), (sb, eb) = _sweep_shape(a), _sweep_shape(b)
    return sa == sb and (
        ea == eb or (ea is not None and eb is not None and math.isclose(ea, eb, rel_tol=SWEEP_END_RTOL))
    )


def seed_reference(baselines: list[dict], kind: str, config, rule: str | None = None) -> Seeds | None:
    """The committed seeds of this sweep's or training run's exact config — the same config up to the seed, its LR
    equal to LR_DIGITS significant digits — with at least MIN_SEEDS of them (for a sweep: of `rule`'s picks)."""
    dump = config.model_dump(mode="json")
    shape = _shape(dump)  # once: each committed entry is compared with it
    for b in baselines:
        protocol = b.get("name") or b.get("dataset", "")
        if kind == "range-test":
            rt = b.get("range_tests", {}).get(config.optimizer) or {}
            picks = [x for x in (rt.get("picks") or {}).get(rule) or [] if x is not None]
            cfg = rt.get("config")
            if (
                cfg
                and len(picks) >= MIN_SEEDS
                and _same_lr(lr_of(cfg), lr_of(dump))
                and _same_sweep(_shape(cfg), shape)
            ):
                return Seeds(config.optimizer, rt, protocol, len(picks))
        elif kind == "train":
            for name, entry in {**b.get("runs", {}), **b.get("grid", {})}.items():
                cfg, n = entry.get("config"), len(entry.get("final", {}).get("test_accuracy", {}).get("values", ()))
                if cfg and n >= MIN_SEEDS and _same_lr(lr_of(cfg), lr_of(dump)) and _shape(cfg) == shape:
                    return Seeds(name, entry, protocol, n)
    return None


def by_seeds(planned: list[PlannedRun], committed: list[dict], logs: dict) -> dict[str, Seeds]:
    """The planned sweeps and training runs judged against the committed seeds of their exact config instead of a
    rerun (issue 26; their probe twins are not run either). A run with logs is rerun: its log is borne out by a
    rerun; so is one that claims a divergence, and a sweep picked on the test loss (the seeds hold train-loss picks).
    A log the grader refused (its reason, a str) is no log: the entry is judged as one without (examiner probe 29: an
    unreadable sweep log had its claim judged against a fresh rerun, not the committed seeds)."""
    out = {}
    for p in planned:
        if p.kind not in ("range-test", "train") or isinstance(logs.get(p.name), Logs) or \
                getattr(p.claim, "curve", "train") == "test":  # fmt: skip
            continue
        c = p.claim
        claims = (getattr(c, "claimed_test_accuracy", None), getattr(c, "claimed_test_loss", None))
        if any(v is not None and not math.isfinite(v) for v in claims):
            continue
        if found := seed_reference(committed, p.kind, p.config, getattr(c, "rule", None)):
            out[p.name] = found
    return out


def reference_curve(p: PlannedRun, baseline: dict | None, seeds: Seeds | None = None) -> dict | None:
    """The baseline to draw behind a rerun: the reference sweep, or per-epoch means of the matching run; for a sweep
    judged against its committed seeds, their own sweep (seed 0's curve), drawn in its place."""
    if seeds is not None and p.kind == "range-test" and seeds.entry.get("curve"):
        return {**seeds.entry["curve"], "seed": 0, "seeds": seeds.n}
    if not baseline:
        return None
    if p.kind == "range-test":  # with its config, and whether it is this very sweep's (the plot's label says)
        found = sweep_reference([baseline], p.config)
        return {**found[0]["curve"], "config": found[0].get("config"), "same": found[2]} if found else None
    found = baseline_entry(baseline, p.config)
    if found is None:
        return None
    entry = found[1]
    epochs = [{"epoch": e["epoch"], "step": e["step"], **{m: e[m]["mean"] for m in ("test_loss", "test_accuracy")}}
              for e in entry["epochs"]]  # fmt: skip
    seeds = len(entry["final"]["test_accuracy"]["values"])  # for the plot's label: what the grey curve is
    return {"epochs": epochs, "config": entry["config"], "name": found[0], "seeds": seeds}


@dataclass
class Context:
    sub: Submission
    assignment: Assignment
    runs: list[tuple[PlannedRun, Outcome]]
    baseline: dict | None  # reference/baselines/<dataset>.json, when committed
    quick: bool
    n_test: int  # test-set size, for the binomial floor of accuracy tolerances
    probes: dict[str, Outcome] = field(default_factory=dict)  # training run name → its nudged twin's outcome
    logs: dict = field(default_factory=dict)  # run name → its reference.outputs.Logs, or why they can't be used
    claim_baseline: dict | None = None  # the committed baseline of the data the claims were made on (claimed_on)
    baselines: list[dict] = field(default_factory=list)  # every committed protocol of the rerun's dataset
    comparisons: dict = field(default_factory=dict)  # run name → its logs vs its rerun (grader.evidence.comparison)
    seeds: dict[str, Seeds] = field(default_factory=dict)  # run name → the committed seeds it is judged against
    by_seeds: bool = True  # claims may be judged against committed seeds (False: `--rerun-all`)
    read: set[tuple[str, str]] = field(default_factory=set)  # (run, claimed_* field) taken from its logs, not written
    legacy: bool = False  # read from a course config.py: one config, the assignment's other sections handed in apart

    @property
    def protocols(self) -> list[dict]:
        """The committed protocols a borrowed tolerance or band comes from: `baselines`, else the one `baseline`."""
        return self.baselines or [b for b in (self.baseline,) if b]

    @property
    def cond(self) -> Conditions:
        return Conditions.of(self.sub, self.assignment)

    @property
    def tol(self):
        return self.assignment.tolerances

    def of_kind(self, kind: str) -> list[tuple[PlannedRun, Outcome]]:
        return [(p, o) for p, o in self.runs if p.kind == kind]

    def baseline_run(self, p: PlannedRun) -> tuple[str, dict] | None:
        ref = self.reference(p)
        return (ref.name, ref.entry) if ref else baseline_entry(self.baseline, p.config)

    def reference(self, p: PlannedRun) -> Reference | None:
        """The committed reference this run meets (grader.context.run_reference), over every protocol."""
        return run_reference(self.baselines or [b for b in (self.baseline,) if b], p.config,
                             self.tol.baseline_lr_decades)  # fmt: skip

    def drift(self, p: PlannedRun, o: Outcome) -> tuple[float, int] | None:
        """How far the probe twin's train loss strays from the rerun's (largest relative difference) over the
        twin's steps; infinite when only one of them diverges there. None without both curves."""
        twin = self.probes.get(p.name)
        if twin is None or twin.result is None or o.result is None:
            return None
        a, b = o.result["train_loss"], twin.result["train_loss"]
        if (twin.result["diverged"] and len(a) > len(b)) or (o.result["diverged"] and len(a) < len(b)):
            return math.inf, min(len(a), len(b))
        n = min(len(a), len(b), CHAOS_WINDOW)  # the steps chaos_drift was measured on, whatever the data
        return max((abs(x - y) / max(abs(x), 1e-12) for x, y in zip(a[:n], b[:n], strict=True)), default=0.0), n

    def chaotic(self, p: PlannedRun, o: Outcome) -> bool:
        d = self.drift(p, o)
        return d is not None and d[0] > self.tol.chaos_drift
