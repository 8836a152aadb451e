"""How often the grader's LR tolerance docks honest students of a staircase range test, and what it catches.

A staircase sweep (`shape = "staircase"`, seed 000's MultiStepLR ×1.5 every half epoch) holds the LR for
`stair_steps` optimizer steps, then multiplies it by `gamma`; the rules read one point per stair, so picks are whole
stairs apart. No staircase seeds are committed, so the grader's tolerance for one (`grader.checks.lr_tolerance_for`)
takes σ from the committed *exponential* sweeps of the same optimizer and rounds k·√2·σ (unfloored) up to whole
stairs, ⌊k·√2·σ / stair⌋ + 1 of them (commit b5bec63); `check_lr_claims` adds the claim's printed digits (half a unit
in its last digit). This measures the grader as it is (results/staircase_power_before_cpu.txt: the same runs judged
by the grader before b5bec63, whose tolerance was k·√2·σ floored at one stair, not rounded to stairs):

1. honest staircase sweeps on the embedded mnist-5k, seeds 0 and 401..420 (the grader reruns seed 0 for a student who
   sets no seed), every config below, built as the grader builds them (`grader.plan.sweep_lrs` →
   `reference.config.range_test_config`) and run with `reference.loop.run` on one CPU thread, one process; results
   cached as JSON under `--cache`, keyed by config and package version, so a rerun of this script is free;
2. per config and rule: σ of the log10 picks over the seeds, the tolerance the grader uses for that sweep (its own
   function, the committed baselines it loads) in decades and in whole stairs, and over all ordered pairs (student
   seed i claims its pick written to 4 significant digits, rerun seed j, i ≠ j; allowed that tolerance plus the
   claim's printed digits, as check_lr_claims adds them) the share of honest pairs that pass / lose points (WARN:
   partial credit, FAIL) / are pending (a min-based miss on a rerun whose lowest point is its edge: "Unconfirmed", as
   the grader does), with Wilson 95 % intervals (the pairs share seeds, so the intervals are narrower than the data
   warrant), and the detection of planted errors (claim = the student's pick ×2, ×3, ×10);
3. end to end: the 20 unseeded students (seeds 401..420) graded as a class by `grader.grade.grade_class` (quick mode;
   the bundled `submissions/assignment.toml`), honest and with every claim ×2 and ×10: lr_claim checks not PASS;
4. a summary: σ_staircase against the σ the grader uses, the tolerance (decades, whole stairs), the honest rates and
   detection, and whether honest staircase students lose points ≤ 1 % of the time.

    nice -n 10 python benchmarks/staircase_power.py
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import shutil
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from statistics import NormalDist

from tabulate import tabulate

import reference
from reference.tolerances import wilson_text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from fuzz import toml_value  # noqa: E402 - one TOML writer for the benchmarks (benchmarks/fuzz.py)

RULES = ("min", "min/10", "steepest", "valley")
FACTORS = (2, 3, 10)
GAMMA = 1.5
POINTS = 2.0  # lr_claim's points in submissions/assignment.toml: a WARN's partial credit is computed on them


@dataclass(frozen=True)
class Sweep:
    """One staircase sweep config: start_lr ×GAMMA every `stair_steps` optimizer steps, `epochs` of mnist-5k (32
    steps each) or `steps` optimizer steps."""

    name: str
    optimizer: str
    start_lr: float
    stair_steps: int
    epochs: int = 10
    steps: int | None = None

    @property
    def total(self) -> int:
        return self.steps or self.epochs * 32

    def entry(self, rule: str) -> dict:
        """The student's [[range_test]] entry, without its claim."""
        length = {"steps": self.steps} if self.steps else {"epochs": self.epochs}
        return {"name": f"{self.name}-{rule.replace('/', '')}", "optimizer": self.optimizer,
                "start_lr": self.start_lr, "shape": "staircase", "gamma": GAMMA, "stair_steps": self.stair_steps,
                **length, "rule": rule}  # fmt: skip

    def describe(self) -> str:
        stairs = self.total // self.stair_steps - (self.total % self.stair_steps == 0) + 1
        return (f"{self.optimizer} from {self.start_lr:g}, ×{GAMMA:g} every {self.stair_steps} steps, "
                f"{self.total} steps ({stairs} stairs)")  # fmt: skip


SWEEPS = {
    s.name: s
    for s in (
        Sweep("sgd-s16", "sgd", 1e-3, 16),  # seed 000's half-epoch stairs: 1e-3 → 2.2 over 20 stairs
        Sweep("adam-s16", "adam", 1e-4, 16),  # 1e-4 → 0.22
        Sweep("sgd-s32", "sgd", 1e-3, 32),  # once an epoch, 10 epochs: 1e-3 → 0.038 (10 stairs: no minimum)
        Sweep("adam-s32", "adam", 1e-4, 32),  # 1e-4 → 0.0038
        Sweep("sgd-s32x640", "sgd", 1e-3, 32, steps=640),  # once an epoch over s16's 20 stairs (`steps`: 640 ≤ 20,000)
        Sweep("adam-s32x640", "adam", 1e-4, 32, steps=640),
    )
}


# ---------------------------------------------------------------- runs: one per (sweep, seed), cached as JSON


def config(sw: Sweep, seed: int):
    from grader.plan import sweep_lrs
    from grader.schema import RangeTestClaim
    from reference.config import range_test_config

    lrs = sweep_lrs(RangeTestClaim.model_validate(sw.entry("min")), sw.total)
    if isinstance(lrs, str):
        raise SystemExit(f"{sw.name}: {lrs}")
    epochs = math.ceil(sw.steps / 32) if sw.steps else sw.epochs  # as grader.plan: `steps` overrides epochs
    return range_test_config(**lrs, epochs=epochs, steps=sw.steps, seed=seed, optimizer=sw.optimizer)


def cache_path(cache: Path, cfg) -> Path:
    blob = json.dumps({"config": cfg.model_dump(mode="json"), "version": reference.__version__}, sort_keys=True)
    return cache / "runs" / f"{hashlib.sha256(blob.encode()).hexdigest()[:20]}.json"


def ensure_runs(sweeps: list[Sweep], seeds: list[int], cache: Path) -> tuple[dict, float, int]:
    """(sweep name, seed) → (RunConfig, result); the run time of the runs made now, and how many."""
    import torch

    from reference.data import load_data
    from reference.loop import run
    from reference.outputs import write_json_atomic

    torch.set_num_threads(1)
    out, todo = {}, []
    for sw in sweeps:
        for s in seeds:
            cfg = config(sw, s)
            path = cache_path(cache, cfg)
            if path.exists():
                out[(sw.name, s)] = (cfg, json.loads(path.read_text()))
            else:
                todo.append((sw, s, cfg, path))
    print(f"runs: {len(out) + len(todo)} distinct, {len(todo)} to run", file=sys.stderr, flush=True)
    spent, data = 0.0, load_data("mnist-5k", torch.device("cpu")) if todo else None
    for n, (sw, s, cfg, path) in enumerate(todo, 1):
        t = time.perf_counter()
        result = run(cfg, device="cpu", data=data)
        spent += time.perf_counter() - t
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(result, path)
        out[(sw.name, s)] = (cfg, result)
        if n % 10 == 0 or n == len(todo):
            print(f"  {n}/{len(todo)} runs, {spent:.0f} s", file=sys.stderr, flush=True)
    return out, spent, len(todo)


# ---------------------------------------------------------------- all ordered pairs through the grader's own functions


def written(x: float) -> float:
    """A claim as the student writes it: 4 significant digits."""
    return float(f"{x:.4g}")


def allowed(tol: float, claim: float) -> float:
    """What check_lr_claims allows a staircase claim: lr_tolerance_for's tolerance (whole stairs) plus the claim's
    printed digits, log10(1 + half a unit in its last digit / the claim), its digits as Python prints the float (as
    submission.toml holds it)."""
    from grader.evidence import half_unit

    return tol + math.log10(1 + half_unit(claim) / claim)


@dataclass
class Verdicts:
    """Statuses of every ordered pair (i claims, j reruns) of one sweep × rule, honest and with planted errors."""

    sweep: str
    rule: str
    sigma_stair: float  # std of the log10 picks over the seeds
    sigma_exp: float  # the σ the grader takes from the committed exponential sweeps (at its upper 95 % bound)
    stair: float  # one stair in decades (×GAMMA)
    raw: float  # k·√2·σ_exp, unfloored: what lr_tolerance_for rounds up to whole stairs
    tol: float  # lr_tolerance_for's tolerance (per rerun; the same for every seed here, checked), before the digits
    digits: float  # the most printed digits check_lr_claims adds to it for an honest claim, decades
    origin: str
    picks: dict[int, float]
    edge: int  # reruns whose lowest point is the sweep's edge (min-based rules: a miss is pending, not failed)
    honest: Counter
    planted: dict[int, Counter]
    points_lost: float  # points lost over all honest pairs (of POINTS each)
    d99: float  # the 99th percentile of honest pairs' distances, decades

    @property
    def stairs(self) -> int:
        """The tolerance in whole stairs."""
        return round(self.tol / self.stair)

    @property
    def n(self) -> int:
        return sum(self.honest.values())

    def lost(self, c: Counter | None = None) -> int:
        c = c or self.honest
        return c["warn"] + c["fail"]

    def model(self) -> float:
        """P(an honest pair loses points) if log10 picks were normal with σ_stair (no lattice, no edge, no digits)."""
        if self.sigma_stair <= 0:
            return 0.0
        return 2 * (1 - NormalDist().cdf(self.tol / (math.sqrt(2) * self.sigma_stair)))


def judge(dist: float, tol: float, band: float, edge: bool) -> tuple[str, float]:
    """The grader's verdict on one LR claim against one rerun (grader.checks.check_lr_claims, without logs):
    banded; a min-based miss on a rerun whose lowest point is the sweep's edge is pending ("skip")."""
    from grader.checks import banded

    status, points = banded(dist, tol, band, POINTS)
    if edge and status != "pass":
        return "skip", 0.0
    return status, points


def pair_stats(sweeps: list[Sweep], seeds: list[int], runs: dict, tolerances) -> list[Verdicts]:
    from grader.checks import lr_tolerance_for
    from grader.context import load_baselines
    from reference.rules import lowest_at_edge
    from reference.tolerances import decades

    baselines, band, out = load_baselines("mnist-5k"), tolerances.partial_band, []
    for sw in sweeps:
        for rule in RULES:
            picks = {s: runs[(sw.name, s)][1]["suggestions"][rule] for s in seeds}
            if any(p is None for p in picks.values()):
                raise SystemExit(f"{sw.name} {rule}: a seed without a pick")
            tols = {}
            for j in seeds:
                cfg, result = runs[(sw.name, j)]
                tols[j] = lr_tolerance_for(baselines, cfg, rule, result, tolerances)
            tol, origin = tols[0]
            if len({round(t, 9) for t, _ in tols.values()}) != 1:
                print(f"note: {sw.name} {rule}: the tolerance differs between reruns "
                      f"({min(t for t, _ in tols.values()):.3f}..{max(t for t, _ in tols.values()):.3f})")  # fmt: skip
            cfg0 = runs[(sw.name, 0)][0]
            unfloored, _ = lr_tolerance_for(baselines, cfg0, rule, {"lr": []}, tolerances)  # resolution 0: no floor
            stair = math.log10(GAMMA)
            if round(tol / stair) != math.floor(unfloored / stair) + 1 or abs(tol / stair - round(tol / stair)) > 1e-6:
                print(f"note: {sw.name} {rule}: the tolerance {tol:.3f} is not ⌊k·√2·σ / stair⌋ + 1 = "
                      f"{math.floor(unfloored / stair) + 1} whole stairs")  # fmt: skip
            edges = {j: rule in ("min", "min/10") and lowest_at_edge(runs[(sw.name, j)][1]) is not None for j in seeds}
            honest, planted, lost, dists, digits = Counter(), defaultdict(Counter), 0.0, [], 0.0
            for j in seeds:
                for i in seeds:
                    if i == j:
                        continue
                    claim = written(picks[i])
                    dist = decades(claim, picks[j])
                    dists.append(dist)
                    digits = max(digits, allowed(tols[j][0], claim) - tols[j][0])
                    status, points = judge(dist, allowed(tols[j][0], claim), band, edges[j])
                    honest[status] += 1
                    lost += POINTS - points if status != "skip" else 0.0
                    for f in FACTORS:
                        wrong = written(picks[i] * f)
                        planted[f][judge(decades(wrong, picks[j]), allowed(tols[j][0], wrong), band, edges[j])[0]] += 1
            dists.sort()
            out.append(Verdicts(
                sw.name, rule, statistics.stdev(math.log10(p) for p in picks.values()),
                unfloored / (tolerances.k_lr * math.sqrt(2)), stair, unfloored, tol, digits, origin, picks,
                sum(edges.values()), honest, dict(planted), lost, dists[math.ceil(0.99 * len(dists)) - 1],
            ))  # fmt: skip
    return out


# ---------------------------------------------------------------- end to end: a class graded by the grader


def toml_entry(e: dict) -> str:
    """One [[range_test]] entry as TOML (benchmarks/borrowed_sigma.py writes its students with it too)."""
    return "[[range_test]]\n" + "".join(f"{k} = {toml_value(v)}\n" for k, v in e.items())


def end_to_end(sweeps: list[Sweep], students: list[int], runs: dict, cache: Path) -> tuple[dict, dict, float, dict]:
    """(variant, sweep, rule) → Counter of lr_claim statuses, the same → points lost, grade wall time, and the same →
    [(claimed, the grader's rerun pick)] — the class graded by grade_class."""
    import grader.diagnoses
    from grader.grade import grade_class

    # diagnoses explain failures and never change points: their counterfactual reruns are not run here
    grader.diagnoses.counterfactual_runs = lambda items: {}
    root = cache / "class"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    shutil.copy(ROOT / "submissions" / "assignment.toml", root / "assignment.toml")
    variants = {"honest": 1, **{f"x{f}": f for f in (2, 10)}}
    for v, f in variants.items():
        for s in students:
            folder = root / f"{v}-{s}"
            folder.mkdir()
            text = f'[student]\nid = "{v}-{s}"\nname = "{v} student {s}"\n\n'
            for sw in sweeps:
                for rule in RULES:
                    pick = runs[(sw.name, s)][1]["suggestions"][rule]
                    text += toml_entry(sw.entry(rule) | {"claimed_lr": written(pick * f)}) + "\n"
            (folder / "submission.toml").write_text(text)
    started = time.perf_counter()
    result = grade_class(root, out=None, quick=True, cache_dir=cache / "grader", device="cpu", engine="sequential",
                         jobs=1, progress=False)  # fmt: skip
    wall = time.perf_counter() - started
    by_entry = {sw.entry(rule)["name"]: (sw.name, rule) for sw in sweeps for rule in RULES}
    tally, lost, figures = defaultdict(Counter), defaultdict(float), defaultdict(list)
    for st in result.students:
        if st.status != "graded":
            raise SystemExit(f"{st.folder}: {st.error}")
        variant = st.id.split("-")[0]
        for c in st.checks:
            if c.check == "lr_claim" and c.subject in by_entry:
                key = (variant, *by_entry[c.subject])
                tally[key][c.status] += 1
                lost[key] += c.max_points - c.points
                figures[key].append((c.claimed, c.rerun))
    return tally, lost, wall, figures


# ---------------------------------------------------------------- the report


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cache", type=Path, default=Path("/tmp/staircase-power"), help="runs and the grader's cache")
    p.add_argument("--students", type=int, default=20, help="honest unseeded students: seeds 401..400+N")
    p.add_argument("--sweeps", nargs="+", default=list(SWEEPS), choices=list(SWEEPS))
    p.add_argument("--jobs", type=int, default=1, choices=[1], help="one process (the runs are sequential)")
    p.add_argument("--skip-e2e", action="store_true", help="no end-to-end grade")
    args = p.parse_args()

    import torch

    from grader.load import load_assignment

    started = time.perf_counter()
    tolerances = load_assignment(ROOT / "submissions").tolerances
    students = list(range(401, 401 + args.students))
    seeds = [0, *students]
    sweeps = [SWEEPS[n] for n in args.sweeps]
    niced = f"nice -n {os.nice(0)} " if os.nice(0) > 0 else ""
    print(f"$ {niced}{' '.join(['python', *sys.argv])}   # {platform.node() or 'this machine'}: {platform.machine()}, "
          f"{os.cpu_count()} CPUs, load average {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"at start; {date.today().isoformat()}; torch {torch.__version__}, lr-grader {reference.__version__}, "
          f"python {platform.python_version()}")  # fmt: skip
    runs, spent, made = ensure_runs(sweeps, seeds, args.cache)
    print(f"staircase power: mnist-5k (4,000 train images, 32 steps an epoch at batch 128), seeds 0 and "
          f"{students[0]}..{students[-1]} ({len(seeds)}; the grader reruns seed 0 for an unseeded student); "
          f"{made} runs made now ({spent:.0f} s of run time, one torch thread), {len(runs) - made} from "
          f"{args.cache}")  # fmt: skip
    print(f"tolerances: k_lr = {tolerances.k_lr:g}, partial_band = {tolerances.partial_band:g} (pass within tol, "
          f"partial credit up to {tolerances.partial_band:g}·tol, fail beyond); lr_claim = {POINTS:g} "
          "points")  # fmt: skip
    print("sweeps (SGD momentum 0.9; Adam betas 0.9, 0.999; LeNet5 tanh/avg-pool, batch 128):")
    for sw in sweeps:
        print(f"  {sw.name}: {sw.describe()}")

    stats = pair_stats(sweeps, seeds, runs, tolerances)
    print("\nPicks over the seeds (LR; stairs are ×1.5 = 0.176 decades): how many seeds pick each stair")
    rows = []
    for v in stats:
        c = Counter(round(p, 12) for p in v.picks.values())
        rows.append([v.sweep, v.rule, f"{v.picks[0]:.4g}", "  ".join(f"{lr:.3g}×{n}" for lr, n in sorted(c.items())),
                     f"{v.edge}/{len(v.picks)}" if v.rule in ("min", "min/10") else ""])  # fmt: skip
    print(tabulate(rows, headers=["sweep", "rule", "seed 0", "picks (LR × seeds)", "edge reruns"]))

    print("\nAll ordered pairs (student seed i claims its pick to 4 digits, rerun seed j, i ≠ j; "
          f"{len(seeds) * (len(seeds) - 1)} pairs): σ_stair = std of log10 picks over the {len(seeds)} seeds; "
          "σ_grader = the σ lr_tolerance_for takes from the committed exponential sweeps (upper 95 % bound); "
          "k·√2·σ = its tolerance before the rounding, in stairs; tol = what lr_tolerance_for returns, ⌊k·√2·σ / "
          "stair⌋ + 1 whole stairs (stairs), to which each claim's printed digits are added as check_lr_claims adds "
          f"them (at most {max(v.digits for v in stats):.5f} decades on these honest claims); lose points = WARN or "
          "FAIL; pending = a min-based miss on a rerun whose lowest point is its edge (Unconfirmed); model = P(lose) "
          "if picks were normal with σ_stair; d99 = the 99th percentile of honest distances; Wilson 95 % intervals "
          "(pairs share seeds: read them as optimistic)")  # fmt: skip
    rows = []
    for v in stats:
        rows.append([v.sweep, v.rule, f"{v.sigma_stair:.3f}", f"{v.sigma_exp:.3f}",
                     f"{v.sigma_stair / v.sigma_exp:.2f}", f"{v.raw / v.stair:.2f}", f"{v.tol:.3f}", v.stairs,
                     f"{v.d99:.3f}", wilson_text(v.lost(), v.n, 1), wilson_text(v.honest["fail"], v.n, 1),
                     f"{v.honest['skip']}", f"{v.points_lost / (POINTS * v.n):.2%}", f"{v.model():.2%}"])  # fmt: skip
    print(tabulate(rows, headers=["sweep", "rule", "σ_stair", "σ_grader", "ratio", "k·√2·σ", "tol", "stairs", "d99",
                                  "lose points", "fail", "pending", "points lost", "model"]))  # fmt: skip
    print("\nDetection over the same pairs (claim = student i's pick × f, to 4 digits; the same tolerance plus its "
          "printed digits): fail / fail or warn / pending")  # fmt: skip
    rows = []
    for v in stats:
        row = [v.sweep, v.rule]
        for f in FACTORS:
            c = v.planted[f]
            row.append(f"{c['fail'] / v.n:.0%} / {v.lost(c) / v.n:.0%} / {c['skip'] / v.n:.0%}")
        rows.append(row)
    print(tabulate(rows, headers=["sweep", "rule", *(f"×{f}" for f in FACTORS)]))
    print("\nWhere each tolerance comes from (seed 0's rerun, the grader's origin text):")
    for v in stats:
        print(f"  {v.sweep} {v.rule}: {v.origin}")

    e2e = None
    if not args.skip_e2e:
        tally, lost, wall, figures = end_to_end(sweeps, students, runs, args.cache)
        e2e = tally
        same = all(math.isclose(r, v.picks[0], rel_tol=1e-9) for v in stats
                   for _, r in figures[("honest", v.sweep, v.rule)])  # fmt: skip
        print(f"\nEnd to end: grader.grade.grade_class (quick, jobs 1, sequential CPU, submissions/assignment.toml) on "
              f"{3 * len(students)} unseeded students ({len(students)} honest, the same with every claim ×2, ×10), "
              f"{len(sweeps) * len(RULES)} staircase [[range_test]] entries each, claims to 4 significant digits; "
              f"graded in {wall:.0f} s; the grader's seed-0 reruns pick what this script's seed-0 runs pick: "
              f"{'yes' if same else 'NO'}. lr_claim statuses (pass/warn/fail/skip = pending), honest students losing "
              f"points (warn or fail) with Wilson 95 %")  # fmt: skip
        rows = []
        for v in stats:
            row = [v.sweep, v.rule]
            for variant in ("honest", "x2", "x10"):
                c = tally[(variant, v.sweep, v.rule)]
                row.append("/".join(str(c[s]) for s in ("pass", "warn", "fail", "skip")))
            c = tally[("honest", v.sweep, v.rule)]
            row.append(wilson_text(c["warn"] + c["fail"], sum(c.values()), 1))
            rows.append(row)
        print(tabulate(rows, headers=["sweep", "rule", "honest", "×2", "×10", "honest lose points"]))
        total = sum(tally[("honest", v.sweep, v.rule)][s] for v in stats for s in ("warn", "fail"))
        n = sum(sum(tally[("honest", v.sweep, v.rule)].values()) for v in stats)
        not_pass = sum(sum(tally[("honest", v.sweep, v.rule)].values()) - tally[("honest", v.sweep, v.rule)]["pass"]
                       for v in stats)  # fmt: skip
        docked = sum(lost[("honest", v.sweep, v.rule)] for v in stats)
        print(f"honest lr_claim checks not PASS: {not_pass}/{n}; losing points: {total}/{n} ({docked:.2f} points "
              f"lost of {POINTS * n:g})")  # fmt: skip

    print("\nSummary (pairs: all ordered seed pairs; e2e: the 20 unseeded students against the grader's seed-0 rerun)")
    rows = []
    for v in stats:
        row = [v.sweep, v.rule, f"{v.sigma_stair:.3f}", f"{v.sigma_exp:.3f}", f"{v.tol:.3f}", v.stairs,
               f"{v.lost() / v.n:.1%}", f"{v.honest['skip'] / v.n:.0%}"]  # fmt: skip
        if e2e is not None:
            c = e2e[("honest", v.sweep, v.rule)]
            row.append(f"{c['warn'] + c['fail']}/{sum(c.values())}")
        row += [f"{v.lost(v.planted[f]) / v.n:.0%}" for f in FACTORS]
        rows.append(row)
    heads = ["sweep", "rule", "σ_stair", "σ_grader", "tol", "stairs", "honest lose (pairs)", "pending (pairs)"]
    heads += ["honest lose (e2e)"] if e2e is not None else []
    print(tabulate(rows, headers=[*heads, *(f"caught ×{f}" for f in FACTORS)]))
    over = [v for v in stats if v.lost() / v.n > 0.01]
    if over:
        print(f"\nHonest staircase students lose points MORE than 1 % of the time on {len(over)} of {len(stats)} "
              "sweep × rule (pairs):")  # fmt: skip
        for v in sorted(over, key=lambda v: -v.lost() / v.n):
            print(f"  {v.sweep} {v.rule}: {v.lost()}/{v.n} = {v.lost() / v.n:.1%} "
                  f"({v.lost() / v.n / 0.01:.1f}× the 1 % target; fail {v.honest['fail'] / v.n:.1%}); "
                  f"σ_stair {v.sigma_stair:.3f} = {v.sigma_stair / v.sigma_exp:.2f}× the σ used ({v.sigma_exp:.3f}); "
                  f"tol {v.tol:.3f} ({v.stairs} stairs), "
                  f"the 99th percentile of honest distances {v.d99:.3f} ({v.d99 / v.stair:.1f} stairs)")  # fmt: skip
    else:
        print("\nHonest staircase students lose points ≤ 1 % of the time on every sweep × rule (pairs).")
    if e2e is not None:
        n = sum(sum(e2e[("honest", v.sweep, v.rule)].values()) for v in stats)
        docked = sum(e2e[("honest", v.sweep, v.rule)][s] for v in stats for s in ("warn", "fail"))
        print(f"End to end, honest lr_claim checks losing points: {wilson_text(docked, n, 1)}")
    print(f"\n(wall time {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
