"""How often the grader's borrowed-σ review docks honest LR claims on short sweeps, and what it still catches.

An LR claim on a sweep with fewer than MIN_SEEDS committed seeds of its own is judged with a σ borrowed from other
sweeps (`grader.checks.lr_tolerance_for`: the largest σ of the rule over the optimizer's committed sweeps of the same
input pipeline), and a miss within the rule's BORROWED_REVIEW ratio × the tolerance is pending review (no points
lost), beyond it judged by `banded` (WARN: partial credit, FAIL). Its first ratio, 2.5 for every rule, came from an
uncommitted probe (145 honest claims, the farthest 1.99× the tolerance); this measured it with the grader's own
functions (valley's honest picks reach 3.41×: valley's ratio is 3.5 since), and measures the grader as it is:

1. honest sweeps of the kinds students hand in, none with MIN_SEEDS committed seeds of its own: exponential sweeps of
   64 steps (2 epochs of the embedded mnist-5k; the template's 1e-6 → 1 for SGD momentum 0.9, Adam, AdamW, and SGD
   over the reference's 1e-5 → 10), 100 steps (fastai lr_find's 1e-7 → 10) and 200 steps (1e-6 → 1), seeds 0 and
   401..420 (the grader reruns seed 0 for a student who sets no seed); and, with `--fashion-seeds N`, full-size
   Fashion-MNIST's 10-epoch (4,690-step) sweeps, whose 3 committed seeds are too few, at seeds 0 and 401..400+N.
   Each config is built by the grader itself (the student's [[range_test]] through `grader.load.validate_submission`
   and `grader.plan.plan`, which goes through `grader.plan.sweep_lrs` → `reference.config.range_test_config`), run
   with `reference.loop.run` on one CPU thread, one process; results cached as JSON under `--cache`, keyed by config
   and package version, so a rerun of this script is free; a run whose config a grader runs store (`--reuse`, read
   only) already holds is taken from there;
2. per config and rule: σ of the log10 picks over the seeds (`reference.tolerances.lr_sigma`) against the borrowed σ the
   grader uses, the tolerance (`lr_tolerance_for`, the committed baselines `grader.context.load_baselines` loads), and
   over all ordered pairs (student seed i claims its pick written to 4 significant digits, rerun seed j, i ≠ j) the
   share that PASS / are pending review (within the rule's BORROWED_REVIEW ratio × tol) / lose points (WARN or FAIL
   beyond it) / are pending because the rerun's lowest point is its edge (a min-based rule: check_lr_claims's
   "Unconfirmed"), each verdict through check_lr_claims's own helpers in its order; Wilson 95 % intervals (the pairs
   share seeds: read them as optimistic); the largest honest distance / tolerance and its 99th percentile; planted
   errors (claim = the student's pick ×2, ×3, ×10): docked / pending / passing; and the same at other review ratios;
3. end to end: 20 unseeded students (seeds 401..420) graded as a class by `grader.grade.grade_class` (quick mode;
   the bundled `submissions/assignment.toml`), honest and with every claim ×2 and ×10, on the mnist-5k sweeps (each
   student in two folders: max_entries is 32): lr_claim statuses tallied against the pairwise model's verdicts for
   the same claims against seed 0;
4. a summary: the honest docked rate at the grader's BORROWED_REVIEW ratios (target ≤ 1 %), the ratio ≤ 1 % needs
   (the 99th percentile of honest distance / tolerance), and the power it leaves against ×10.

Students of the course template (`preset = "cs5260"`) are not measured: the preset says claimed_on = "mnist", so
their claims take check_lr_claims's other-data path (`_proxy_lr`), which comes before the borrowed-σ review.

    nice -n 10 python benchmarks/borrowed_sigma.py --fashion-seeds 12
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import shutil
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from tabulate import tabulate

import reference
from reference.tolerances import wilson_text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from staircase_power import toml_entry  # noqa: E402 - one [[range_test]] writer (benchmarks/fuzz.py's toml_value)

RULES = ("min", "min/10", "steepest", "valley", "range")
FACTORS = (2, 3, 10)
RATIOS = (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0)  # review ratios to compare (1.0: no review band)
POINTS = 2.0  # lr_claim's points in submissions/assignment.toml
STATUSES = ("pass", "review", "warn", "fail", "edge")  # review, edge: pending (skip) for two different reasons


@dataclass(frozen=True)
class Sweep:
    """One exponential sweep config as a student writes it: start_lr → end_lr over `epochs` or `steps`."""

    name: str
    optimizer: str
    start_lr: float
    end_lr: float
    epochs: int | None = None
    steps: int | None = None
    dataset: str = "mnist-5k"
    preprocess: str | None = None  # "resize": the course's Resize(32) input, which borrows the course sweeps' σ

    def entry(self, rule: str) -> dict:
        """The student's [[range_test]] entry, without its claim."""
        length = {"steps": self.steps} if self.steps else {"epochs": self.epochs}
        return {"name": f"{self.name}-{rule.replace('/', '')}", "optimizer": self.optimizer,
                "start_lr": self.start_lr, "end_lr": self.end_lr, **length, "rule": rule}  # fmt: skip

    def setup(self) -> dict:
        """The submission's [setup]: its dataset and input pipeline."""
        return {"dataset": self.dataset, **({"preprocess": self.preprocess} if self.preprocess else {})}

    def describe(self) -> str:
        from reference.datasets import steps_per_epoch

        total = self.steps or self.epochs * steps_per_epoch(self.dataset, 128)
        pipeline = f", {self.preprocess} input" if self.preprocess else ""
        return f"{self.dataset}, {self.optimizer} {self.start_lr:g} → {self.end_lr:g} over {total:,} steps{pipeline}"


SWEEPS = {
    s.name: s
    for s in (
        Sweep("sgd-64", "sgd", 1e-6, 1.0, epochs=2),  # the template's sweep, 2 epochs of mnist-5k
        Sweep("adam-64", "adam", 1e-6, 1.0, epochs=2),
        Sweep("adamw-64", "adamw", 1e-6, 1.0, epochs=2),
        Sweep("sgd-64-hi", "sgd", 1e-5, 10.0, epochs=2),  # the reference's SGD sweep (probe 23's)
        Sweep("sgd-100", "sgd", 1e-7, 10.0, steps=100),  # fastai lr_find's defaults
        Sweep("adam-100", "adam", 1e-7, 10.0, steps=100),
        Sweep("adamw-100", "adamw", 1e-7, 10.0, steps=100),
        Sweep("sgd-200", "sgd", 1e-6, 1.0, steps=200),
        Sweep("adam-200", "adam", 1e-6, 1.0, steps=200),
        Sweep("adamw-200", "adamw", 1e-6, 1.0, steps=200),
        # the course's Resize(32) input (examiner probe 41): these borrow the committed course sweeps' σ
        Sweep("sgd-64-rs", "sgd", 1e-6, 1.0, epochs=2, preprocess="resize"),
        Sweep("adam-64-rs", "adam", 1e-6, 1.0, epochs=2, preprocess="resize"),
        Sweep("adamw-64-rs", "adamw", 1e-6, 1.0, epochs=2, preprocess="resize"),
        Sweep("sgd-200-rs", "sgd", 1e-6, 1.0, steps=200, preprocess="resize"),
        Sweep("adam-200-rs", "adam", 1e-6, 1.0, steps=200, preprocess="resize"),
    )
}
FASHION = {
    s.name: s
    for s in (  # the committed fashion-mnist-full sweeps (3 seeds each): the assignment's protocol
        Sweep("fmnist-sgd", "sgd", 1e-5, 10.0, epochs=10, dataset="fashion-mnist"),
        Sweep("fmnist-adam", "adam", 1e-6, 1.0, epochs=10, dataset="fashion-mnist"),
        Sweep("fmnist-adamw", "adamw", 1e-6, 1.0, epochs=10, dataset="fashion-mnist"),
    )
}


# ---------------------------------------------------------------- runs: one per (sweep, seed), cached as JSON


def assignment(dataset: str):
    from grader.load import load_assignment

    return load_assignment(ROOT / "submissions").model_copy(update={"dataset": dataset})


def config(sw: Sweep, seed: int):
    """The rerun config of a student's sweep at `seed`, built by the grader's own loader and planner."""
    from grader.load import validate_submission
    from grader.plan import plan

    data = {"student": {"id": "probe", "name": "probe"}, "setup": sw.setup(),
            "range_test": [sw.entry("min") | {"claimed_lr": 0.1, "seed": seed}]}  # fmt: skip
    sub, _, _ = validate_submission(data, sw.name)
    planned = plan(sub, assignment(sw.dataset), quick=True)
    if len(planned) != 1:
        raise SystemExit(f"{sw.name}: the grader plans {len(planned)} runs for it")
    return planned[0].config


def cache_path(cache: Path, cfg) -> Path:
    blob = json.dumps({"config": cfg.model_dump(mode="json"), "version": reference.__version__}, sort_keys=True)
    return cache / "runs" / f"{hashlib.sha256(blob.encode()).hexdigest()[:20]}.json"


def reusable(store: Path | None) -> dict[str, Path]:
    """Range-test results in a grader runs store (read only), by their config's canonical JSON."""
    out = {}
    if store is None or not store.is_dir():
        return out
    for path in sorted(store.glob("**/*.json")):
        try:
            cfg = json.loads(path.read_text()).get("config") or {}
        except (OSError, ValueError, AttributeError):
            continue
        if cfg.get("task") == "range-test":
            out[json.dumps(cfg, sort_keys=True)] = path
    return out


def ensure_runs(plan: list[tuple[Sweep, list[int]]], cache: Path, store: Path | None) -> tuple[dict, float, int, int]:
    """(sweep name, seed) → (RunConfig, result); the run time of the runs made now, how many, how many reused."""
    import torch

    from reference.data import load_data
    from reference.loop import run
    from reference.outputs import write_json_atomic

    torch.set_num_threads(1)
    out, todo, reused, found = {}, [], 0, reusable(store)
    for sw, seeds in plan:
        for s in seeds:
            cfg = config(sw, s)
            path = cache_path(cache, cfg)
            if not path.exists() and (src := found.get(json.dumps(cfg.model_dump(mode="json"), sort_keys=True))):
                result = json.loads(src.read_text())
                if result.get("suggestions"):
                    path.parent.mkdir(parents=True, exist_ok=True)
                    write_json_atomic(result, path)
                    reused += 1
            if path.exists():
                out[(sw.name, s)] = (cfg, json.loads(path.read_text()))
            else:
                todo.append((sw, s, cfg, path))
    # the cheap ones first; the costly seed by seed, so that a cut-short run leaves every optimizer the same seeds
    todo.sort(key=lambda t: (t[0].dataset != "mnist-5k", t[1] if t[0].dataset != "mnist-5k" else 0))
    print(f"runs: {len(out) + len(todo)} distinct, {len(todo)} to run, {reused} taken from {store}",
          file=sys.stderr, flush=True)  # fmt: skip
    spent, data = 0.0, {}
    for n, (sw, s, cfg, path) in enumerate(todo, 1):
        if sw.dataset not in data:
            data[sw.dataset] = load_data(sw.dataset, torch.device("cpu"))
        t = time.perf_counter()
        result = run(cfg, device="cpu", data=data[sw.dataset])
        spent += time.perf_counter() - t
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(result, path)
        out[(sw.name, s)] = (cfg, result)
        if n % 10 == 0 or n == len(todo) or sw.dataset != "mnist-5k":
            print(f"  {n}/{len(todo)} runs, {spent:.0f} s ({sw.name} seed {s})", file=sys.stderr, flush=True)
    return out, spent, len(todo), reused


# ---------------------------------------------------------------- one claim judged as check_lr_claims judges it


def written(x):
    """A claim as the student writes it: 4 significant digits (a `range` claim: both ends)."""
    return tuple(float(f"{v:.4g}") for v in x) if isinstance(x, list | tuple) else float(f"{x:.4g}")


def scaled(x, f: float):
    return [v * f for v in x] if isinstance(x, list | tuple) else x * f


@dataclass(frozen=True)
class Rerun:
    """What check_lr_claims reads off one rerun for one rule: its pick, its tolerance, whether its lowest point is its
    edge (min-based rules), and how many committed seeds this very sweep has (the borrowed-σ review's condition)."""

    pick: float | list[float]
    tol: float
    origin: str
    edge: bool
    n_ref: int


def rerun_facts(baselines: list[dict], cfg, result: dict, rule: str, tolerances) -> Rerun:
    """As check_lr_claims computes them (grader/checks.py: lr_tolerance_for, sweep_reference → _reference_pick,
    lowest_at_edge for min, min/10 and range)."""
    from grader.checks import _reference_pick, lr_tolerance_for
    from grader.context import sweep_reference
    from reference.rules import lowest_at_edge

    tol, origin = lr_tolerance_for(baselines, cfg, rule, result, tolerances)
    found = sweep_reference(baselines, cfg)
    _, n_ref = _reference_pick(found[0] if found and found[2] else None, rule)
    edge = rule in ("min", "min/10", "range") and lowest_at_edge(result) is not None
    return Rerun(result["suggestions"][rule], tol, origin, edge, n_ref)


def judge(claim, r: Rerun, band: float, review: float) -> tuple[str, float]:
    """(verdict, distance / tolerance) of one claim against one rerun, in check_lr_claims's order for an exponential
    sweep without logs or seeds of its exact config: banded; a pass stands; a miss on a rerun whose lowest point is its
    edge is pending ("edge"); a miss within `review` × tol on a sweep with < MIN_SEEDS committed seeds of its own is
    pending ("review"); else banded's WARN / FAIL. (No printed digits: the grader adds them only on staircases.)"""
    from grader.checks import _lr_distance, banded
    from grader.context import MIN_SEEDS

    _, _, _, dist = _lr_distance(claim, r.pick)
    status, _ = banded(dist, r.tol, band, POINTS)
    ratio = dist / r.tol
    if status == "pass":
        return "pass", ratio
    if r.edge:
        return "edge", ratio
    if dist <= review * r.tol and r.n_ref < MIN_SEEDS:
        return "review", ratio
    return status, ratio


@dataclass
class Cell:
    """Every ordered pair (i claims, j reruns) of one sweep × rule, honest and with planted errors."""

    sweep: Sweep
    rule: str
    seeds: list[int]
    picks: dict[int, object]
    reruns: dict[int, Rerun]
    sigma_own: float  # lr_sigma of the picks over the seeds
    sigma_used: float  # the σ lr_tolerance_for takes (k·√2·σ before the resolution floor, / k√2)
    honest: list[tuple[str, float]] = field(default_factory=list)  # (verdict, dist / tol) at the grader's ratio
    planted: dict[int, list[tuple[str, float]]] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.honest)

    def count(self, f: int | None = None, ratio: float | None = None) -> Counter:
        """Verdicts at review ratio `ratio` (None: the grader's), honest (f None) or planted ×f."""
        pairs = self.honest if f is None else self.planted[f]
        if ratio is None:
            return Counter(s for s, _ in pairs)
        return Counter(regrade(s, x, ratio) for s, x in pairs)

    def edges(self) -> int:
        return sum(r.edge for r in self.reruns.values())


def regrade(status: str, ratio: float, review: float) -> str:
    """A verdict at another review ratio: only the review band moves (pass and edge stand)."""
    if status in ("pass", "edge"):
        return status
    if ratio <= review:
        return "review"
    from grader.checks import banded

    return banded(ratio, 1.0, TOL.partial_band, POINTS)[0]


TOL = None  # the assignment's tolerances (set in main)


def docked(c: Counter) -> int:
    return c["warn"] + c["fail"]


def pending(c: Counter) -> int:
    return c["review"] + c["edge"]


def cells(plan: list[tuple[Sweep, list[int]]], runs: dict, tolerances) -> list[Cell]:
    from grader.checks import borrowed_review, lr_tolerance_for
    from grader.context import load_baselines
    from reference.tolerances import lr_sigma

    out, band = [], tolerances.partial_band
    for sw, seeds in plan:
        baselines = load_baselines(sw.dataset)
        for rule in RULES:
            picks = {s: runs[(sw.name, s)][1]["suggestions"].get(rule) for s in seeds}
            if any(p is None for p in picks.values()):
                print(f"note: {sw.name} {rule}: seeds without a pick left out "
                      f"({[s for s, p in picks.items() if p is None]})")  # fmt: skip
            have = [s for s in seeds if picks[s] is not None]
            reruns = {j: rerun_facts(baselines, *runs[(sw.name, j)], rule, tolerances) for j in have}
            cfg0 = runs[(sw.name, have[0])][0]
            unfloored, _ = lr_tolerance_for(baselines, cfg0, rule, {"lr": []}, tolerances)  # resolution 0: no floor
            review = borrowed_review(rule)[0]
            cell = Cell(sw, rule, have, {s: picks[s] for s in have}, reruns,
                        lr_sigma([picks[s] for s in have]), unfloored / (tolerances.k_lr * math.sqrt(2)),
                        planted={f: [] for f in FACTORS})  # fmt: skip
            for j in have:
                for i in have:
                    if i == j:
                        continue
                    cell.honest.append(judge(written(picks[i]), reruns[j], band, review))
                    for f in FACTORS:
                        cell.planted[f].append(judge(written(scaled(picks[i], f)), reruns[j], band, review))
            out.append(cell)
    return out


# ---------------------------------------------------------------- end to end: a class graded by the grader


def end_to_end(sweeps: list[Sweep], students: list[int], runs: dict, cache: Path) -> tuple[dict, float, dict]:
    """(variant, sweep, rule) → Counter of lr_claim statuses, grade wall time, and the same → [(claimed, rerun)];
    the class graded by grade_class. Each student hands in two folders (max_entries = 32 entries a submission)."""
    import grader.diagnoses
    from grader.grade import grade_class

    # diagnoses explain failures and never change points: their counterfactual reruns are not run here
    grader.diagnoses.counterfactual_runs = lambda items: {}
    root = cache / "class"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    shutil.copy(ROOT / "submissions" / "assignment.toml", root / "assignment.toml")
    variants = {"honest": 1, **{f"x{f}": f for f in (2, 10)}}
    half = math.ceil(len(sweeps) / 2)
    for v, f in variants.items():
        for s in students:
            for part, group in (("a", sweeps[:half]), ("b", sweeps[half:])):
                if not group:
                    continue
                folder = root / f"{v}-{s}{part}"
                folder.mkdir()
                text = f'[student]\nid = "{v}-{s}{part}"\nname = "{v} student {s}{part}"\n\n'
                for sw in group:
                    for rule in RULES:
                        pick = runs[(sw.name, s)][1]["suggestions"].get(rule)
                        if pick is not None:
                            claim = written(scaled(pick, f))
                            text += toml_entry(sw.entry(rule) | {"claimed_lr": claim}) + "\n"
                (folder / "submission.toml").write_text(text)
    started = time.perf_counter()
    result = grade_class(root, out=None, quick=True, cache_dir=cache / "grader", device="cpu", engine="sequential",
                         jobs=1, progress=False)  # fmt: skip
    wall = time.perf_counter() - started
    by_entry = {sw.entry(rule)["name"]: (sw.name, rule) for sw in sweeps for rule in RULES}
    tally, figures = defaultdict(Counter), defaultdict(list)
    for st in result.students:
        if st.status != "graded":
            raise SystemExit(f"{st.folder}: {st.error}")
        variant = st.id.split("-")[0]
        for c in st.checks:
            if c.check == "lr_claim" and c.subject in by_entry:
                key = (variant, *by_entry[c.subject])
                status = c.status
                if status == "skip":  # which pending: the edge's (its message says so; a review's never does)
                    status = "edge" if "lies at the sweep's edge" in c.message else "review"
                tally[key][status] += 1
                figures[key].append((c.claimed, c.rerun))
    return tally, wall, figures


# ---------------------------------------------------------------- the report


def quantile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[max(0, math.ceil(q * len(xs)) - 1)] if xs else float("nan")


def main() -> None:
    global TOL
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cache", type=Path, default=Path("/tmp/borrowed-sigma"), help="runs and the grader's cache")
    p.add_argument("--reuse", type=Path, default=Path("/tmp/probe23/cache"),
                   help="a grader runs store to take runs of the same config from (read only)")  # fmt: skip
    p.add_argument("--students", type=int, default=20, help="honest unseeded students: seeds 401..400+N")
    p.add_argument("--sweeps", nargs="+", default=list(SWEEPS), choices=list(SWEEPS))
    p.add_argument("--fashion-seeds", type=int, default=0,
                   help="full-size Fashion-MNIST sweeps at seeds 0 and 401..400+N (0: none; ~150 s a run)")  # fmt: skip
    p.add_argument("--fashion", nargs="+", default=list(FASHION), choices=list(FASHION))
    p.add_argument("--jobs", type=int, default=1, choices=[1], help="one process (the runs are sequential)")
    p.add_argument("--skip-e2e", action="store_true", help="no end-to-end grade")
    p.add_argument("--runs-only", action="store_true", help="make the runs, report nothing")
    args = p.parse_args()

    import torch

    from grader.checks import BORROWED_REVIEW, borrowed_review
    from grader.context import MIN_SEEDS

    grader = ", ".join(f"{'other rules' if r == '*' else r} {v[0]:g}" for r, v in
                       sorted(BORROWED_REVIEW.items(), key=lambda kv: kv[0] == "*"))  # fmt: skip

    started = time.perf_counter()
    TOL = tolerances = assignment("mnist-5k").tolerances
    students = list(range(401, 401 + args.students))
    seeds = [0, *students]
    sweeps = [SWEEPS[n] for n in args.sweeps]
    plan = [(sw, seeds) for sw in sweeps]
    if args.fashion_seeds:
        plan += [(FASHION[n], [0, *range(401, 401 + args.fashion_seeds)]) for n in args.fashion]
    niced = f"nice -n {os.nice(0)} " if os.nice(0) > 0 else ""
    print(f"$ {niced}{' '.join(['python', *sys.argv])}   # {platform.node() or 'this machine'}: {platform.machine()}, "
          f"{os.cpu_count()} CPUs, load average {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"at start; {date.today().isoformat()}; torch {torch.__version__}, lr-grader {reference.__version__}, "
          f"python {platform.python_version()}")  # fmt: skip
    runs, spent, made, reused = ensure_runs(plan, args.cache, args.reuse)
    if args.runs_only:
        print(f"{made} runs made ({spent:.0f} s), {reused} reused, {len(runs)} in all")
        return
    print(f"borrowed σ: {made} runs made now ({spent:.0f} s of run time, one torch thread), {reused} taken from "
          f"{args.reuse} (same config), {len(runs) - made - reused} from {args.cache}")  # fmt: skip
    print(f"tolerances: k_lr = {tolerances.k_lr:g}, partial_band = {tolerances.partial_band:g} (pass within tol, "
          f"partial credit up to {tolerances.partial_band:g}·tol, fail beyond); BORROWED_REVIEW: "
          f"{grader} (a miss within it × tol on a sweep with < {MIN_SEEDS} committed seeds of its own is "
          f"pending review); lr_claim = {POINTS:g} points")  # fmt: skip
    print("sweeps (exponential per step; SGD momentum 0.9; Adam betas 0.9, 0.999; AdamW weight decay 0.01; LeNet5 "
          "tanh/avg-pool, batch 128, pad-normalize, as the grader plans a file without a preset):")  # fmt: skip
    for sw, ss in plan:
        print(f"  {sw.name}: {sw.describe()}; seeds {ss[0]}, {ss[1]}..{ss[-1]} ({len(ss)})")

    stats = cells(plan, runs, tolerances)
    print("\nPer sweep × rule, all ordered pairs (student seed i claims its pick to 4 significant digits, rerun "
          "seed j, i ≠ j): σ_own = std of log10 picks over the seeds (lr_sigma); σ_used = the σ lr_tolerance_for "
          "borrows (upper 95 % bound, pooled floor); tol = its tolerance (decades, floored at the sweep's resolution); "
          "n_ref = committed seeds of this very sweep; edge = reruns whose lowest point is the sweep's edge (a miss "
          "there is pending whatever its distance, for min, min/10, range); pass / review (pending, within "
          f"the grader's ratio × tol: {grader}) / docked (WARN+FAIL beyond it, Wilson 95 %) / edge-pending; max "
          "and p99 of honest distance / tol over the pairs not edge-pending")  # fmt: skip
    rows = []
    for c in stats:
        h = c.count()
        ratios = [x for s, x in c.honest if s != "edge"]
        rows.append([c.sweep.name, c.rule, len(c.seeds), f"{c.sigma_own:.3f}", f"{c.sigma_used:.3f}",
                     f"{c.sigma_own / c.sigma_used:.2f}" if c.sigma_used else "-", f"{c.reruns[c.seeds[0]].tol:.3f}",
                     c.reruns[c.seeds[0]].n_ref, f"{c.edges()}/{len(c.seeds)}", h["pass"], h["review"],
                     wilson_text(docked(h), c.n, 1), h["edge"], f"{max(ratios, default=0):.2f}",
                     f"{quantile(ratios, 0.99):.2f}"])  # fmt: skip
    print(tabulate(rows, headers=["sweep", "rule", "seeds", "σ_own", "σ_used", "own/used", "tol", "n_ref", "edge",
                                  "pass", "review", "docked", "edge-pend", "max d/tol", "p99 d/tol"]))  # fmt: skip
    tols = {(c.sweep.name, c.rule): {round(r.tol, 9) for r in c.reruns.values()} for c in stats}
    if varied := [k for k, v in tols.items() if len(v) > 1]:
        print(f"note: the tolerance differs between reruns on {varied} (resolution floors)")

    print(f"\nPlanted errors over the same pairs (claim = student i's pick × f, to 4 digits), at the grader's "
          f"{grader}: docked (WARN+FAIL) / pending (review + edge) / pass")  # fmt: skip
    rows = []
    for c in stats:
        row = [c.sweep.name, c.rule]
        for f in FACTORS:
            k = c.count(f)
            row.append(f"{docked(k) / c.n:.0%} / {pending(k) / c.n:.0%} / {k['pass'] / c.n:.0%}")
        rows.append(row)
    print(tabulate(rows, headers=["sweep", "rule", *(f"×{f}" for f in FACTORS)]))

    print("\nWhere each tolerance comes from (the first seed's rerun, the grader's origin text, one per sweep):")
    for c in stats:
        if c.rule == "min":
            print(f"  {c.sweep.name}: {c.reruns[c.seeds[0]].origin}")

    groups = {"mnist-5k short sweeps": [c for c in stats if c.sweep.dataset == "mnist-5k"],
              "full-size Fashion-MNIST": [c for c in stats if c.sweep.dataset != "mnist-5k"]}  # fmt: skip
    groups = {k: v for k, v in groups.items() if v}
    if len(groups) > 1:
        groups["all"] = stats
    print("\nPooled over sweep × rule: honest pairs docked and planted errors docked at each review ratio (1.0 = no "
          "review band: the tolerance alone); pending = review + edge; worst = the sweep × rule with the most honest "
          "pairs docked")  # fmt: skip
    rows = []
    for g, cs in groups.items():
        n = sum(c.n for c in cs)
        for ratio in (None, *RATIOS):
            h = sum((c.count(None, ratio) for c in cs), Counter())
            worst = max(cs, key=lambda c, r=ratio: docked(c.count(None, r)) / c.n)
            row = [g if ratio is None else "", f"the grader's: {grader}" if ratio is None else f"{ratio:g}",
                   wilson_text(docked(h), n, 2), f"{docked(worst.count(None, ratio)) / worst.n:.1%} "
                   f"({worst.sweep.name} {worst.rule})", f"{pending(h) / n:.1%}"]  # fmt: skip
            for f in FACTORS:
                k = sum((c.count(f, ratio) for c in cs), Counter())
                row.append(f"{docked(k) / n:.1%} / {pending(k) / n:.1%}")
            rows.append(row)
    print(tabulate(rows, headers=["pairs", "review ratio", "honest docked", "worst", "honest pending",
                                  *(f"×{f} docked / pending" for f in FACTORS)]))  # fmt: skip

    print("\nPer rule, pooled over the sweeps: honest distance / tol (pairs not edge-pending) and honest / ×10 docked "
          "at review ratios 2, 2.5, 3, 4")  # fmt: skip
    rows = []
    for g, cs in groups.items():
        for rule in RULES:
            rc = [c for c in cs if c.rule == rule]
            n = sum(c.n for c in rc)
            ratios = [x for c in rc for st, x in c.honest if st != "edge"]
            row = [g if rule == RULES[0] else "", rule, n, f"{max(ratios, default=0):.2f}",
                   f"{quantile(ratios, 0.99):.2f}"]  # fmt: skip
            for ratio in (2.0, 2.5, 3.0, 4.0):
                h = sum((c.count(None, ratio) for c in rc), Counter())
                x10 = sum((c.count(10, ratio) for c in rc), Counter())
                row.append(f"{docked(h) / n:.2%} / {docked(x10) / n:.0%}")
            rows.append(row)
    print(tabulate(rows, headers=["group", "rule", "pairs", "max d/tol", "p99 d/tol",
                                  *(f"at {r:g}: honest / ×10" for r in (2, 2.5, 3, 4))]))  # fmt: skip
    if tolerances.partial_band <= min(v[0] for v in BORROWED_REVIEW.values()):
        print(f"note: BORROWED_REVIEW ({grader}) ≥ partial_band ({tolerances.partial_band:g}): banded's "
              f"partial credit (WARN, tol..{tolerances.partial_band:g}·tol) lies inside the review band, so a "
              "borrowed-σ miss is PASS, pending or FAIL with 0 points — never WARN")  # fmt: skip

    if not args.skip_e2e:
        tally, wall, figures = end_to_end(sweeps, students, runs, args.cache)
        same = all(math.isclose(_top(r), _top(c.picks[0]), rel_tol=1e-9) for c in stats if c.sweep in sweeps
                   for _, r in figures[("honest", c.sweep.name, c.rule)])  # fmt: skip
        print(f"\nEnd to end: grader.grade.grade_class (quick, jobs 1, sequential CPU, submissions/assignment.toml) on "
              f"{3 * len(students)} unseeded students ({len(students)} honest, the same with every claim ×2, ×10; "
              f"each in two folders of ≤ 25 entries), {len(sweeps) * len(RULES)} [[range_test]] entries each, claims "
              f"to 4 significant digits; graded in {wall:.0f} s; the grader's seed-0 reruns pick what this script's "
              f"seed-0 runs pick: {'yes' if same else 'NO'}. lr_claim statuses pass/review/warn/fail/edge "
              "(review, edge: pending) from the grader; model = this script's verdicts on the same claims against "
              "seed 0")  # fmt: skip
        rows, agree, total = [], 0, 0
        for c in stats:
            if c.sweep not in sweeps:
                continue
            row = [c.sweep.name, c.rule]
            r0 = c.reruns[0]
            for variant, f in (("honest", 1), ("x2", 2), ("x10", 10)):
                got = tally[(variant, c.sweep.name, c.rule)]
                model = Counter(judge(written(scaled(c.picks[i], f)), r0, TOL.partial_band,
                                      borrowed_review(c.rule)[0])[0]
                                for i in students if i in c.picks)  # fmt: skip
                agree += sum((got & model).values())
                total += sum(model.values())
                row.append("/".join(str(got[s]) for s in STATUSES) + ("" if got == model else
                           " (model " + "/".join(str(model[s]) for s in STATUSES) + ")"))  # fmt: skip
            rows.append(row)
        print(tabulate(rows, headers=["sweep", "rule", "honest", "×2", "×10"]))
        print(f"the grader's verdicts agree with the pairwise model's on {agree}/{total} claims")
        for variant in ("honest", "x2", "x10"):
            k = sum((tally[(variant, c.sweep.name, c.rule)] for c in stats if c.sweep in sweeps), Counter())
            n = sum(k.values())
            print(f"  {variant}: {n} lr_claim checks: pass {k['pass']}, pending {pending(k)} (review "
                  f"{k['review']}, edge {k['edge']}), warn {k['warn']}, fail {k['fail']}; docked "
                  f"{wilson_text(docked(k), n, 1)}")  # fmt: skip

    print("\nSummary")
    for g, cs in groups.items():
        n = sum(c.n for c in cs)
        h = sum((c.count() for c in cs), Counter())
        ratios = [x for c in cs for s, x in c.honest if s != "edge"]
        p99 = quantile(ratios, 0.99)
        need = min((r for r in (*RATIOS, p99) if docked(sum((c.count(None, r) for c in cs), Counter())) <= 0.01 * n),
                   default=float("nan"))  # fmt: skip
        x10 = sum((c.count(10) for c in cs), Counter())
        x10_at = sum((c.count(10, p99) for c in cs), Counter())
        worst = max(cs, key=lambda c: docked(c.count()) / c.n)
        every = max(quantile([x for st, x in c.honest if st != "edge"], 0.99) for c in cs)
        x10_every = sum((c.count(10, every) for c in cs), Counter())
        print(f"  {g}: honest pairs docked at the grader's ratios ({grader}): {wilson_text(docked(h), n, 2)} "
              f"(target ≤ 1 %; worst sweep × rule {worst.sweep.name} {worst.rule}: "
              f"{wilson_text(docked(worst.count()), worst.n, 1)}); honest distance / tol: max "
              f"{max(ratios):.2f}, 99th percentile {p99:.2f} ({len(ratios)} pairs not edge-pending); the smallest "
              f"ratio of {', '.join(f'{r:g}' for r in RATIOS)} and p99 with ≤ 1 % docked: {need:.2f}; ×10 docked at "
              f"the grader's: {docked(x10) / n:.1%} (pending {pending(x10) / n:.1%}), at p99 {p99:.2f}: "
              f"{docked(x10_at) / n:.1%}; every sweep × rule ≤ 1 % needs {every:.2f} (the largest p99 of one), "
              f"×10 docked there {docked(x10_every) / n:.1%}")  # fmt: skip
    print(f"\n(wall time {time.perf_counter() - started:.0f} s)")


def _top(x) -> float:
    return x[-1] if isinstance(x, list | tuple) else x


if __name__ == "__main__":
    main()
