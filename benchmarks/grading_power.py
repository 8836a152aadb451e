"""Every check's rate of docking honest students, and its power, measured end to end with the grader (issue 17, 25).

N honest *unseeded* students: each made their claims from one sweep and one final run at seed s (101..100+N, none
of them a committed reference seed), as a student who set no seed does; their files say nothing about the seed, so
the grader reruns seed 0. The same students with planted errors: LR claims ×f, accuracy claims −d pp, loss claims
×f, and the wrong rule (the `min` pick claimed while stating `steepest` or `min/10`). Planted errors change only the
claimed numbers, so every student's runs are run once (seeds 0 and 101..100+N), kept in a store keyed by config
(not by code version, so edits to `reference/` do not invalidate them), copied into the grader's cache, and graded
by `grader.grade.grade_class`. The `baseline` check compares the rerun, not the claims: it is measured on *seeded*
students (seed s declared, rerun s), one per seed. By default, as the grader does, runs whose exact config has committed
seeds (these students' sweeps and runs are the protocol's) are judged against those seeds, not rerun (issue 26);
`--rerun-all` measures the rerun path.

What matters for fairness is points: a WARN costs partial credit. Printed: per check and (optimizer, rule): the
share of honest students who lose any points (fail or warn) and who fail, detection rates per planted error, each
with a 95% Wilson interval; then the same from all ordered pairs of seeds (student i, rerun j: N(N+1) pairs, not
independent, for a finer estimate); the seed σ measured on N+1 seeds against the σ the grader uses (the committed
baseline's, floored), the `k` that keeps false fails ≤ 1 %, and each check's minimum detectable error. Last lines:
the worst rate of honest students losing points, and the worst false-fail rate.

    python benchmarks/grading_power.py --dataset mnist-5k --students 20 --jobs 2
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist

from tabulate import tabulate

import reference
from grader.context import load_baseline, load_baselines
from grader.grade import DEFAULT_CACHE
from reference.datasets import steps_per_epoch
from reference.protocols import schedule_for
from reference.tolerances import (
    FALSE_FAIL_TARGET,
    Z_DETECT,
    Derived,
    baseline_tolerance,
    false_fail_rate,
    k_for,
    lr_claim_tolerance,
    metric_claim_tolerance,
    pooled_lr_sigma,
    pooled_rel_sigma,
    wilson_text,
)

RANGE_RULES = ("steepest", "min/10")
LR_FACTORS, ACC_PP, LOSS_FACTORS = (1.5, 2.0, 3.0), (0.5, 1.0, 2.0), (1.1, 1.3, 1.5)
TRAIN_SCHEDULE = {"sgd": "multistep", "adam": "constant", "adamw": "constant"}  # the baseline's runs


# ---------------------------------------------------------------- the class: submissions as data


def _slug(rule: str) -> str:
    return rule.replace("/", "")


def submission(s: int, seeded: bool, base: dict, args, claims: dict) -> dict:
    """Student s's submission.toml as a dict: every optimizer's sweep (one entry per rule) and final run."""
    seed = {"seed": s} if seeded else {}
    rt = base["range_tests"]
    sweeps = [{"name": f"{opt}-{_slug(rule)}", "optimizer": opt, "start_lr": rt[opt]["config"]["lr"],
               "end_lr": rt[opt]["config"]["schedule"]["end_lr"], "epochs": args.sweep_epochs, "rule": rule,
               **({"claimed_lr": claims[f"{opt}-{_slug(rule)}"]} if f"{opt}-{_slug(rule)}" in claims else {}), **seed}
              for opt in args.optimizers for rule in args.rules]  # fmt: skip
    runs = []
    for opt in args.optimizers:
        lr = base["lrs"][opt]
        sched = schedule_for(TRAIN_SCHEDULE[opt], lr, args.epochs, steps_per_epoch(args.dataset, 128))
        run = {
            "name": f"{opt}-{TRAIN_SCHEDULE[opt]}",
            "optimizer": opt,
            "lr": lr,
            "epochs": args.epochs,
            "schedule": sched.model_dump(exclude_defaults=True, mode="json") | {"name": sched.name},
            **seed,
        }
        for m in ("test_accuracy", "test_loss"):
            if (v := claims.get(f"{run['name']}:{m}")) is not None:
                run[f"claimed_{m}"] = v
        runs.append(run)
    kind = "seeded" if seeded else "unseeded"
    return {"student": {"id": f"{kind}-{s:03d}", "name": f"{kind} student {s}"},
            "setup": {"dataset": args.dataset}, "range_test": sweeps, "run": runs}  # fmt: skip


class Figure(float):
    """A claimed figure as a student copies it from a printout to four decimals: "0.9650", "0.9600", trailing zeros
    kept (a plain float is written as Python prints it: 0.96)."""


def figure(v: float) -> Figure:
    return Figure(round(v, 4))


def toml(d: dict) -> str:
    """The few TOML shapes a submission needs (tables, arrays of tables, inline tables, scalars, lists)."""

    def val(v) -> str:
        if isinstance(v, Figure) and math.isfinite(v):
            return f"{v:.4f}"
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, float):
            return repr(v)
        if isinstance(v, list | tuple):
            return "[" + ", ".join(val(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {val(x)}" for k, x in v.items()) + " }"
        return str(v)

    lines = []
    for key, v in d.items():
        if isinstance(v, dict):
            lines += [f"[{key}]", *(f"{k} = {val(x)}" for k, x in v.items()), ""]
        else:
            for item in v:
                lines += [f"[[{key}]]", *(f"{k} = {val(x)}" for k, x in item.items()), ""]
    return "\n".join(lines)


# ---------------------------------------------------------------- runs: once per seed, stored by config


def store_key(p) -> str:
    blob = json.dumps({"config": p.config.model_dump(mode="json", exclude_defaults=True), "until": p.until_epoch,
                       "version": reference.__version__}, sort_keys=True)  # fmt: skip
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


def ensure_runs(subs: list[dict], args, cache: Path) -> dict[str, dict]:
    """Every planned run of `subs` (probes included) from the store, running the missing ones with the grader's
    own runner (`--jobs` processes, one torch thread each); returns store key → result."""
    from grader.plan import plan
    from grader.runner import Cache, Rerunner, run_key
    from grader.schema import Assignment, Submission
    from reference.outputs import write_json_atomic

    assignment = Assignment(**assignment_fields(args))
    store = cache / "store"
    planned = {store_key(p): p for sub in subs for p in plan(Submission.model_validate(sub), assignment, False)}
    missing = [p for k, p in planned.items() if not (store / f"{k}.json").exists()]
    print(f"runs: {len(planned)} distinct, {len(missing)} to run", file=sys.stderr, flush=True)
    if missing:
        by_key = {run_key(p, "cpu", "sequential", data=args.data_root): store_key(p) for p in missing}

        class Store(Cache):  # each result lands in the store as it finishes: a killed run resumes
            def put(self, key: str, result: dict) -> None:
                write_json_atomic(result, store / f"{by_key[key]}.json")

        runner = Rerunner(Store(cache / "scratch"), "cpu", "sequential", jobs=args.jobs, progress=True,
                          data_root=args.data_root, time_limit=1e9)  # fmt: skip
        done = runner.run(missing)
        if failed := [o.error for o in done.values() if o.result is None]:
            raise SystemExit(f"{len(failed)} run(s) failed: {failed[0]}")
    return {k: json.loads((store / f"{k}.json").read_text()) for k in planned}


def prefill(subs: list[dict], args, cache: Path, results: dict[str, dict]) -> None:
    """Copy the stored results into the grader's cache under its own keys (which hash the current code)."""
    from grader.plan import plan
    from grader.runner import Cache, run_key
    from grader.schema import Assignment, Submission

    assignment, grader_cache = Assignment(**assignment_fields(args)), Cache(cache / "grader")
    for sub in subs:
        for p in plan(Submission.model_validate(sub), assignment, False):
            key = run_key(p, "cpu", "sequential", data=args.data_root)
            if not grader_cache.path(key).exists():
                grader_cache.put(key, results[store_key(p)])


def assignment_fields(args) -> dict:
    return {"dataset": args.dataset, "train_epochs": args.epochs, "max_epochs": args.epochs,
            "max_sweep_epochs": max(args.sweep_epochs, 10), "optimizers": tuple(args.optimizers)}  # fmt: skip


# ---------------------------------------------------------------- per-seed figures → claims


@dataclass
class Seed:
    picks: dict[str, dict[str, float]]  # optimizer → rule → pick
    final: dict[str, dict[str, float]]  # run name → metric → final value
    resolution: dict[str, float]  # optimizer → decades per sweep step
    epochs: dict[str, int]  # run name → epochs run
    sweeps: dict[str, tuple]  # optimizer → (its RunConfig, its result): what the grader's LR tolerance reads


def seed_figures(s: int, args, base: dict, results: dict[str, dict]) -> Seed:
    from grader.plan import plan
    from grader.schema import Assignment, Submission

    sub = Submission.model_validate(submission(s, True, base, args, {}))
    picks, final, resolution, epochs, sweeps = {}, {}, {}, {}, {}
    for p in plan(sub, Assignment(**assignment_fields(args)), False):
        r = results[store_key(p)]
        if p.kind == "range-test":
            picks[p.config.optimizer] = r["suggestions"]
            resolution[p.config.optimizer] = math.log10(r["lr"][-1] / r["lr"][0]) / (len(r["lr"]) - 1)
            sweeps[p.config.optimizer] = (p.config, r)
        elif p.kind == "train":
            final[p.name], epochs[p.name] = r["final"], len(r["epochs"])
    return Seed(picks, final, resolution, epochs, sweeps)


def honest_claims(fig: Seed, args) -> dict:
    claims = {f"{opt}-{_slug(rule)}": fig.picks[opt][rule] for opt in args.optimizers for rule in args.rules}
    for name, f in fig.final.items():
        claims |= {f"{name}:{m}": round(f[m], 4) for m in ("test_accuracy", "test_loss")}
    return claims


def planted(fig: Seed, args) -> dict[str, dict]:
    """Error name → claims carrying that error (only the claims the error touches are changed)."""
    honest, out = honest_claims(fig, args), {}
    for f in LR_FACTORS:
        out[f"lr x{f:g}"] = {k: v * f if ":" not in k else v for k, v in honest.items()}
    for d in ACC_PP:
        out[f"accuracy -{d:g}pp"] = {k: round(v - d / 100, 4) if k.endswith(":test_accuracy") else v
                                     for k, v in honest.items()}  # fmt: skip
    for f in LOSS_FACTORS:
        out[f"loss x{f:g}"] = {k: round(v * f, 4) if k.endswith(":test_loss") else v for k, v in honest.items()}
    out["wrong rule"] = honest | {f"{opt}-{_slug(rule)}": fig.picks[opt]["min"] for opt in args.optimizers
                                  for rule in args.rules}  # fmt: skip
    return out


# ---------------------------------------------------------------- grading and tallies


CHECKED = {"lr_claim": "lr x", "accuracy_claim": "accuracy -", "loss_claim": "loss x"}


def grade_all(subs: list[tuple], args, cache: Path) -> dict[tuple[str, str, str], list[str]]:
    """(check, subject, variant) → the statuses over students. A submission may come with its logs (variant, sub,
    {entry name: reference.outputs.Logs}): written as CSV beside it and named by its entries."""
    import grader.diagnoses
    from grader.grade import grade_class
    from reference.outputs import write_csv

    # diagnoses explain failures and never change points: their counterfactual reruns are not run here
    grader.diagnoses.counterfactual_runs = lambda items: {}
    tally: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        a = assignment_fields(args)
        (root / "assignment.toml").write_text(
            toml({"_": {}}).replace("[_]", "")
            + "\n".join(f"{k} = {json.dumps(list(v) if isinstance(v, tuple) else v)}" for k, v in a.items())
        )
        variant_of = {}
        for i, (variant, sub, *logs) in enumerate(subs):
            folder = root / f"{i:04d}"
            folder.mkdir()
            sub = sub | {"student": {"id": f"{sub['student']['id']}-{i:04d}", "name": variant}}
            for name, log in (logs[0] if logs else {}).items():
                write_csv(log, folder / "logs" / f"{name}.csv")
                for part in ("range_test", "run"):
                    sub[part] = [e | {"logs": f"logs/{name}.csv"} if e["name"] == name else e for e in sub[part]]
            (folder / "submission.toml").write_text(toml(sub))
            variant_of[folder.name] = variant
        result = grade_class(root, out=None, jobs=args.jobs, cache_dir=cache / "grader", engine="sequential",
                             device="cpu", data_root=args.data_root, rerun_all=args.rerun_all)  # fmt: skip
    for st in result.students:
        if st.status != "graded":
            raise SystemExit(f"{st.folder}: {st.error}")
        for c in st.checks:
            tally[(c.check, c.subject, variant_of[st.folder])].append(c.status)
    return tally


def rate(statuses: list[str], which: tuple[str, ...]) -> str:
    return wilson_text(sum(s in which for s in statuses), len(statuses))


# ---------------------------------------------------------------- the report


@dataclass
class Pairs:
    """One check on one subject, from the N+1 seeds' own figures: the σ the grader uses against the σ measured."""

    check: str
    subject: str
    unit: str
    tol: float
    sigma_used: float
    sigma_true: float
    factor: float  # σ_d / σ
    fails: int
    flags: int
    n: int
    two_sided: bool = True
    z: tuple[float, ...] = ()  # |difference| / σ_d as the grader computes σ_d, per pair
    pairs: tuple[tuple[float, float, float], ...] = ()  # (claim, rerun, tolerance) per ordered pair

    def detection(self, plant, band: float) -> tuple[float, float]:
        """Share of pairs failed / flagged once `plant` (claim → claim with the error) is applied."""
        d = [(abs(plant(c) - r), t) for c, r, t in self.pairs]
        return sum(x > band * t for x, t in d) / len(d), sum(x > t for x, t in d) / len(d)

    def k_pairs(self, band: float) -> float:
        """The k that fails ≤ FALSE_FAIL_TARGET of these pairs (their upper quantile of |d|/σ_d, over band)."""
        z = sorted(self.z)
        return z[min(len(z) - 1, math.ceil((1 - FALSE_FAIL_TARGET) * len(z)) - 1)] / band if z else math.nan

    @property
    def ratio(self) -> float:
        return self.sigma_true / self.sigma_used if self.sigma_used else math.inf

    def mde(self, band: float = 1.0) -> float:
        """Smallest error flagged (band 1) or failed (band 2) 95 % of the time, with the measured σ."""
        return band * self.tol + Z_DETECT * self.factor * self.sigma_true


def pair_stats(figs: dict[int, Seed], base: dict, args, tol) -> list[Pairs]:
    """Every ordered pair of seeds (i claims, j reruns) through the grader's own tolerance functions."""
    from grader.checks import lr_tolerance_for

    out, seeds, band = [], sorted(figs), tol.partial_band
    for opt in args.optimizers:
        for rule in args.rules:
            logs = {s: math.log10(figs[s].picks[opt][rule]) for s in seeds}
            cfg, result = figs[0].sweeps[opt]
            t, _ = lr_tolerance_for(load_baselines(args.dataset), cfg, rule, result, tol)
            sd = t / (tol.k_lr * math.sqrt(2))  # the σ the grader used (its floors included)
            d = Derived(t, tol.k_lr, sd, math.sqrt(2))
            dist = [abs(logs[i] - logs[j]) for i in seeds for j in seeds if i != j]
            pairs = tuple((logs[i], logs[j], d.tol) for i in seeds for j in seeds if i != j)
            out.append(
                Pairs(
                    "lr_claim",
                    f"{opt}-{_slug(rule)}",
                    "decades",
                    d.tol,
                    d.sigma,
                    statistics.stdev(logs.values()),
                    d.factor,
                    sum(x > band * d.tol for x in dist),
                    sum(x > d.tol for x in dist),
                    len(dist),
                    z=tuple(x / d.sigma_d for x in dist),
                    pairs=pairs,
                )
            )
    n_test = base["meta"]["test_size"]
    for name in figs[0].final:
        ref = base["runs"].get(name) or base["runs"][f"{name.split('-')[0]}-constant"]
        stats = ref["epochs"][figs[0].epochs[name] - 1]
        for check, metric in (("accuracy_claim", "test_accuracy"), ("loss_claim", "test_loss")):
            vals = {s: figs[s].final[name][metric] for s in seeds}
            rel = (
                0.0
                if metric == "test_accuracy"
                else pooled_rel_sigma([r["final"][metric] for r in base["runs"].values()])
            )
            fails = flags = 0
            z, pairs = [], []
            for j in seeds:  # j: the rerun, whose value the σ floor is taken at
                d = metric_claim_tolerance(metric, vals[j], stats[metric]["std"], n_test, tol.k_claim, rel,
                                           len(stats[metric]["values"]))  # fmt: skip
                for i in seeds:
                    if i != j:
                        fails += abs(vals[i] - vals[j]) > band * d.tol
                        flags += abs(vals[i] - vals[j]) > d.tol
                        z.append(abs(vals[i] - vals[j]) / d.sigma_d)
                        pairs.append((vals[i], vals[j], d.tol))
            d = metric_claim_tolerance(metric, statistics.fmean(vals.values()), stats[metric]["std"], n_test,
                                       tol.k_claim, rel, len(stats[metric]["values"]))  # fmt: skip
            out.append(Pairs(check, name, "abs", d.tol, d.sigma, statistics.stdev(vals.values()), d.factor, fails,
                             flags, len(seeds) * (len(seeds) - 1), z=tuple(z), pairs=tuple(pairs)))  # fmt: skip
        acc = stats["test_accuracy"]
        d = baseline_tolerance(acc["mean"], acc["std"], len(acc["values"]), n_test, tol.k_claim)
        short = [acc["mean"] - figs[s].final[name]["test_accuracy"] for s in seeds]
        out.append(
            Pairs(
                "baseline",
                name,
                "abs",
                d.tol,
                d.sigma,
                statistics.stdev(figs[s].final[name]["test_accuracy"] for s in seeds),
                d.factor,
                sum(x > band * d.tol for x in short),
                sum(x > d.tol for x in short),
                len(short),
                False,
                tuple(max(x, 0.0) / d.sigma_d for x in short),
            )
        )
    return out


def size(check: str, x: float, loss: float) -> str:
    """An error size in the check's own terms: decades and factor, percentage points, share of the loss."""
    if check == "lr_claim":
        return f"{x:.2f} decades (×{10**x:.2f})"
    if check == "loss_claim":
        return f"{x / loss:.0%} of the loss (×{1 + x / loss:.2f})"
    return f"{x * 100:.1f} pp"


def report(tally: dict, figs: dict[int, Seed], base: dict, args, timing: str) -> None:
    from grader.schema import Assignment

    tol = Assignment(**assignment_fields(args)).tolerances
    n = args.students
    judge = ("the grader reruns seed 0" if args.rerun_all else "the grader judges them against the committed "
             "seeds of their exact configs, no rerun (issue 26; --rerun-all: against a rerun of seed 0)")  # fmt: skip
    print(
        f"grading power: {args.dataset}, {n} honest unseeded students (claims from seeds 101..{100 + n}, {judge}) "
        f"and {n + 1} seeded ones (seeds 0, 101..{100 + n}); optimizers "
        f"{', '.join(args.optimizers)}, rules "
        f"{', '.join(args.rules)}; {args.sweep_epochs}-epoch sweeps, {args.epochs}-epoch runs "
        f"({', '.join(f'{o} {TRAIN_SCHEDULE[o]}' for o in args.optimizers)}); lr-grader {reference.__version__}"
    )
    print(
        f"tolerances: k_lr = {tol.k_lr:g}, k_claim = {tol.k_claim:g}, partial_band = {tol.partial_band:g} "
        f"(pass within k·σ_d, fail beyond band·k·σ_d); target: false fails ≤ {FALSE_FAIL_TARGET:.0%} per check\n"
    )
    rows, worst, lost = [], (-1.0, ""), (-1.0, "")
    subjects = sorted({(c, subj) for c, subj, _ in tally})
    for check, subj in subjects:
        variant = "seeded" if check == "baseline" else "honest"
        honest = [x for x in tally.get((check, subj, variant), []) if x != "skip"]
        if not honest:
            continue
        fails = sum(x == "fail" for x in honest)
        if fails / len(honest) > worst[0]:
            worst = (fails / len(honest), f"{rate(honest, ('fail',))} ({check} {subj})")
        flagged = sum(x in ("fail", "warn") for x in honest)
        if flagged / len(honest) > lost[0]:
            lost = (flagged / len(honest), f"{rate(honest, ('fail', 'warn'))} ({check} {subj})")
        rows.append([check, subj, f"{variant} (false)", rate(honest, ("fail",)), rate(honest, ("fail", "warn"))])
        for v in sorted(
            {
                v
                for c, s_, v in tally
                if c == check
                and s_ == subj
                and v.startswith(CHECKED.get(check, "~"))
                or (c, s_) == (check, subj)
                and v == "wrong rule"
                and check == "lr_claim"
            }
        ):
            st = tally[(check, subj, v)]
            rows.append(["", "", v, rate(st, ("fail",)), rate(st, ("fail", "warn"))])
    print("End to end (grader.grade.grade_class): rate [95% Wilson interval]")
    print(tabulate(rows, headers=["check", "subject", "students", "fail", "fail or warn"]))
    pairs = pair_stats(figs, base, args, tol)
    print(
        f"\nAll ordered pairs of seeds 0, 101..{100 + n} (student i, rerun j; baseline: each seed against the "
        "reference mean), the grader's tolerance functions; σ_used = the σ the grader takes from the committed "
        f"baseline (floored), σ_true = the std over these {n + 1} seeds; model = P(fail) if the difference is "
        "normal with σ_true; k needed = the k giving ≤ 1 % false fails with σ_true; k (pairs) = the k failing "
        "≤ 1 % of these pairs"
    )
    prow, need = [], defaultdict(float)
    for p in pairs:
        knob = "k_lr" if p.check == "lr_claim" else "k_claim"
        model = false_fail_rate(getattr(tol, knob), tol.partial_band, p.ratio, p.two_sided)
        k, kp = k_for(FALSE_FAIL_TARGET, tol.partial_band, p.ratio, p.two_sided), p.k_pairs(tol.partial_band)
        need[knob] = max(need[knob], k, kp)
        prow.append([p.check, p.subject, f"{p.tol:.4g}", f"{p.sigma_used:.3g}", f"{p.sigma_true:.3g}",
                     f"{p.ratio:.2f}", f"{p.fails}/{p.n} = {p.fails / p.n:.1%}", f"{p.flags / p.n:.1%}",
                     f"{model:.2%}", f"{k:.2f}", f"{kp:.2f}"])  # fmt: skip
    print(tabulate(prow, headers=["check", "subject", "tol", "σ_used", "σ_true", "ratio", "fail", "fail or warn",
                                  "model fail", "k needed", "k (pairs)"]))  # fmt: skip
    plants = {
        "lr_claim": [(f"lr x{f:g}", lambda c, f=f: c + math.log10(f)) for f in LR_FACTORS],
        "accuracy_claim": [(f"accuracy -{d:g}pp", lambda c, d=d: c - d / 100) for d in ACC_PP],
        "loss_claim": [(f"loss x{f:g}", lambda c, f=f: c * f) for f in LOSS_FACTORS],
    }
    drows = [
        [p.check, p.subject, name, *(f"{x:.0%}" for x in p.detection(plant, tol.partial_band))]
        for p in pairs
        for name, plant in plants.get(p.check, [])
    ]
    print("\nDetection over all ordered pairs (the planted error on student i's claim, rerun j)")
    print(tabulate(drows, headers=["check", "subject", "error", "fail", "fail or warn"]))
    print(
        f"\nk needed for ≤ {FALSE_FAIL_TARGET:.0%} false fails on every measured check: "
        + ", ".join(f"{knob} ≥ {k:.2f}" for knob, k in need.items())
        + f" (in use: k_lr = {tol.k_lr:g}, k_claim = {tol.k_claim:g})"
    )
    print(
        f"\nMinimum detectable error ({args.dataset}, {base['meta']['test_size']:,} test images): the smallest "
        "error flagged (warn or fail) / failed 95 % of the time, with the tolerances in use and σ_true"
    )
    mrows = []
    for p in pairs:
        finals = [f.final[p.subject]["test_loss"] for f in figs.values() if p.subject in f.final]
        loss = statistics.fmean(finals) if finals else 1.0
        flag, fail = p.mde(1.0), p.mde(tol.partial_band)
        mrows.append([p.check, p.subject, size(p.check, flag, loss), size(p.check, fail, loss)])
    print(tabulate(mrows, headers=["check", "subject", "flagged 95 %", "failed 95 %"], tablefmt="github"))
    print(f"\n({timing})")
    model = max(
        pairs,
        key=lambda p: false_fail_rate(
            getattr(tol, "k_lr" if p.check == "lr_claim" else "k_claim"), tol.partial_band, p.ratio, p.two_sided
        ),
    )
    rate_of = false_fail_rate(
        getattr(tol, "k_lr" if model.check == "lr_claim" else "k_claim"), tol.partial_band, model.ratio, model.two_sided
    )
    pair = max(pairs, key=lambda p: p.fails / p.n)
    flag_pair = max(pairs, key=lambda p: p.flags / p.n)
    flag_model = 2 * (1 - NormalDist().cdf(min(getattr(tol, "k_lr" if p.check == "lr_claim" else "k_claim") / p.ratio
                                                for p in pairs)))  # fmt: skip
    e2e = worst[1] if worst[0] > 0 else f"0/{n} on every check"
    e2e_lost = lost[1] if lost[0] > 0 else f"0/{n} on every check"
    print(
        f"honest students losing any points (fail or warn), worst check: {e2e_lost} end to end; "
        f"{flag_pair.flags}/{flag_pair.n} = {flag_pair.flags / flag_pair.n:.1%} over all pairs ({flag_pair.check} "
        f"{flag_pair.subject}); {flag_model:.2%} by the normal model (two-sided, worst σ ratio)"
    )
    print(
        f"worst false-fail rate: {e2e} end to end; {pair.fails}/{pair.n} = {pair.fails / pair.n:.1%} over "
        f"all pairs ({pair.check} {pair.subject}); {rate_of:.2%} by the normal model ({model.check} {model.subject})"
    )


def predict(base: dict, args) -> None:
    """Minimum detectable errors from the committed baseline alone (its 3 seeds' σ, floored, taken as the true σ):
    no runs, every optimizer, rule and run of the baseline. A prediction, not a measurement."""
    from grader.schema import Assignment

    tol, band, n_test = Assignment().tolerances, Assignment().tolerances.partial_band, base["meta"]["test_size"]
    rows = []
    for opt, rt in base["range_tests"].items():
        steps = len(rt["curve"]["lr"])
        resolution = math.log10(rt["config"]["schedule"]["end_lr"] / rt["config"]["lr"]) / max(steps - 1, 1)
        for rule, picks in rt["picks"].items():
            d = lr_claim_tolerance(picks, tol.k_lr, resolution, pooled_lr_sigma(base["range_tests"]))
            rows.append(["lr_claim", f"{opt} {rule}", f"σ = {d.sigma:.3f} dec", size("lr_claim", d.min_detectable(), 1),
                         size("lr_claim", d.min_detectable(band), 1)])  # fmt: skip
    rel = pooled_rel_sigma([r["final"]["test_loss"] for r in base["runs"].values()])
    for name, run in base["runs"].items():
        f = run["final"]
        for check, metric in (("accuracy_claim", "test_accuracy"), ("loss_claim", "test_loss")):
            d = metric_claim_tolerance(metric, f[metric]["mean"], f[metric]["std"], n_test, tol.k_claim, rel)
            rows.append([check, name, f"σ = {d.sigma:.3g}", size(check, d.min_detectable(), f[metric]["mean"]),
                         size(check, d.min_detectable(band), f[metric]["mean"])])  # fmt: skip
        acc = f["test_accuracy"]
        d = baseline_tolerance(acc["mean"], acc["std"], len(acc["values"]), n_test, tol.k_claim)
        rows.append(["baseline", name, f"σ = {d.sigma:.3g}", size("baseline", d.min_detectable(), 1),
                     size("baseline", d.min_detectable(band), 1)])  # fmt: skip
    print(
        f"Predicted minimum detectable errors, {args.dataset} ({n_test:,} test images), from the committed baseline "
        f"({len(base['meta']['seeds'])} seeds; σ floored as the grader floors it; k_lr = {tol.k_lr:g}, k_claim = "
        f"{tol.k_claim:g}): the smallest error flagged (warn or fail) / failed 95 % of the time. Not measured."
    )
    print(tabulate(rows, headers=["check", "subject", "σ used", "flagged 95 %", "failed 95 %"], tablefmt="github"))


# ---------------------------------------------------------------- with logs (issue 21)


ROUNDED = "accuracy -0.5pp, written as Python prints it (0.96)"  # the planted error with its trailing zeros dropped
EDITED = ("log: last accuracy +2pp", "log: sweep loss -20% at its minimum")


def student_logs(s: int, args, base: dict, results: dict[str, dict]) -> dict:
    """Student s's honest logs: what the course framework logged for each of its runs (entry name → Logs)."""
    from grader.plan import plan
    from grader.schema import Assignment, Submission
    from reference.outputs import logs_from_result

    sub = Submission.model_validate(submission(s, True, base, args, {}))
    out = {}
    for p in plan(sub, Assignment(**assignment_fields(args)), False):
        if p.kind in ("range-test", "train"):
            out[p.name] = logs_from_result(results[store_key(p)])
    return out


def sparse(logs: dict, every: int, first: int = 0, one_based: bool = False) -> dict:
    """The same logs as a student writes them who logs every `every`-th iteration from `first` (SummaryWriter in an
    `if step % 10 == 0:`), numbering the steps from 1 where `one_based` (examiner probe 9); test metrics as before."""
    from dataclasses import replace

    out = {}
    for name, log in logs.items():
        keep = [i for i, s in enumerate(log.step) if s >= first and (s - first) % every == 0]
        out[name] = replace(log, step=[log.step[i] + one_based for i in keep], lr=[log.lr[i] for i in keep],
                            train_loss=[log.train_loss[i] for i in keep])  # fmt: skip
    return out


def _is_sweep(name: str, args) -> bool:
    return any(name.endswith(f"-{_slug(r)}") for r in args.rules)


def edit(logs: dict, how: str, args) -> dict:
    """Logs with one edit: each run's last-epoch accuracy raised 2 pp, or each sweep's loss lowered 20 % around
    its smoothed minimum (a tenth of the sweep either side)."""
    from dataclasses import replace

    from reference.rules import smooth

    out = {}
    for name, log in logs.items():
        if how == EDITED[0] and not _is_sweep(name, args) and log.test_accuracy:
            out[name] = replace(log, test_accuracy=[*log.test_accuracy[:-1], min(1.0, log.test_accuracy[-1] + 0.02)])
        elif how == EDITED[1] and _is_sweep(name, args):
            low = min(range(len(log.train_loss)), key=smooth(log.train_loss, 0.98).__getitem__)
            w = len(log.train_loss) // 10
            out[name] = replace(log, train_loss=[v * 0.8 if abs(i - low) <= w else v
                                                 for i, v in enumerate(log.train_loss)])  # fmt: skip
        else:
            out[name] = log
    return out


def claims_from_logs(logs: dict, args, beta: float = 0.98, best: bool = False, checkpoint: bool = False) -> dict:
    """What a student reads off (possibly edited) logs: each sweep's pick by its rule on the loss smoothed with
    `beta` (0.98: the reference's; 0.6: TensorBoard's default slider), each run's last epoch (`best`: its best
    epoch, the highest accuracy and the lowest loss, as some reports give; `checkpoint`: both figures of its
    highest-accuracy epoch, the checkpoint a student keeps)."""
    from reference.rules import RULES, smooth

    claims = {}
    for name, log in logs.items():
        rule = next((r for r in args.rules if name.endswith(f"-{_slug(r)}")), None)
        if rule:
            claims[name] = RULES[rule](log.lr, smooth(log.train_loss, beta)).value
        else:
            at = max(range(len(log.test_accuracy)), key=log.test_accuracy.__getitem__) if checkpoint else -1
            accuracy, loss = (max(log.test_accuracy), min(log.test_loss)) if best else \
                (log.test_accuracy[at], log.test_loss[at])  # fmt: skip
            claims |= {f"{name}:test_accuracy": figure(accuracy), f"{name}:test_loss": figure(loss)}
    return claims


def rounding_covers(subs: list[tuple]) -> tuple[int, int]:
    """(planted accuracy claims whose printed digits cover their own log's last figure, planted accuracy claims): a
    claim of 0.96 against a log's 0.965 is what an honest student rounding to two decimals prints too, so no grader
    can tell such a planted error from honest rounding."""
    from grader.evidence import half_unit

    covered = total = 0
    for variant, sub, logs in subs:
        if variant != ROUNDED:
            continue
        for run in sub["run"]:
            claimed, log = run.get("claimed_test_accuracy"), logs.get(run["name"])
            if claimed is None or log is None:
                continue
            total += 1
            covered += abs(claimed - log.test_accuracy[-1]) <= half_unit(claimed) + 1e-6 * abs(claimed)
    return covered, total


def sweep_edit_size(subs: list[tuple], base: dict, args) -> str:
    """Why no check can flag the sweep edit: the edited window up to the minimum (where the logs check compares a
    sweep; past it seeds fan out to divergence) against the committed seeds of the sweep's config, as the mean over
    the band's points there of z = (log(smoothed loss) − the seeds' mean) / the seeds' σ. Honest logs give the
    null distribution; the best test of that mean at ≤ 1 % honest flags (one-sided, normal) catches
    Φ(shift / σ_honest − z₀.₉₉) of the edits."""
    from reference.rules import smooth

    per = {"honest+logs": [], EDITED[1]: []}
    for variant, _, logs in subs:
        if variant not in per:
            continue
        for name, log in logs.items():
            band = (base["range_tests"].get(name.split("-")[0]) or {}).get("band") or {}
            if not _is_sweep(name, args) or not band.get("mean_log"):
                continue
            sm = smooth(log.train_loss, 0.98)
            low, w = min(range(len(sm)), key=sm.__getitem__), len(log.train_loss) // 10
            z = [(math.log(sm[st]) - m) / sd for st, m, sd in zip(band["step"], band["mean_log"], band["std_log"],
                 strict=True) if low - w <= st <= low and m is not None and sd]  # fmt: skip
            if z:
                per[variant].append(statistics.fmean(z))
    honest, edited = per["honest+logs"], per[EDITED[1]]
    if len(honest) < 3 or not edited:
        return ""
    spread, shift = statistics.stdev(honest), statistics.fmean(edited) - statistics.fmean(honest)
    best = NormalDist().cdf(abs(shift) / spread - NormalDist().inv_cdf(0.99))
    return (
        f"sweep loss -20% at its minimum: over the edited window up to the minimum the edited logs sit {shift:+.2f} σ "
        f"of the committed seeds' spread from where honest logs sit (the mean over the band's points there of "
        f"z = (log(smoothed loss) − the seeds' mean) / their σ; honest logs spread ±{spread:.2f} σ, {len(honest)} "
        f"logs): a test of that mean at ≤ 1 % honest flags, told where the edit is, would catch {best:.0%} of such "
        f"edits; the logs check compares every band point with Bonferroni's k and σ at its 95 % upper bound (an "
        f"honest log from any seed must pass it): its rate is on the line above; whether the picks read off the "
        f"edited logs still pass: the lr_claim row of this edit in the table"
    )


def logs_report(tally: dict, args, timing: str, covered: tuple[int, int] = (0, 0), why: str = "") -> None:
    n = args.students
    print(
        f"grading power with logs: {args.dataset}, {n} unseeded students who hand in the logs of their runs "
        f"(seeds 101..{100 + n}; the grader reruns seed 0); claims judged against the student's own log while "
        "the rerun bears the log out within the seed noise of its config, else against the rerun (issue 21)\n"
    )
    rows = []
    variants = sorted({v for _, _, v in tally})
    for check in ("lr_claim", "accuracy_claim", "loss_claim", "logs"):
        for v in variants:
            st = [x for (c, _, v_), xs in tally.items() if c == check and v_ == v for x in xs if x != "skip"]
            if st:
                rows.append([check, v, rate(st, ("fail",)), rate(st, ("fail", "warn"))])
    print(tabulate(rows, headers=["check", "students", "fail", "fail or warn"]))
    honest = [x for (c, _, v), xs in tally.items() if v == "honest+logs" and c != "logs" for x in xs if x != "skip"]
    # an edit touches runs (the last accuracy) or sweeps (the loss around the minimum): the logs it left alone are not
    # "edited logs" (sweeps have no test accuracy; runs are not swept)
    edited = {v: [x for (c, name, v_), xs in tally.items() if v_ == v and c == "logs" and
                  _is_sweep(name, args) == (v == EDITED[1]) for x in xs] for v in EDITED}  # fmt: skip
    print(f"\n({timing})")
    print(
        f"honest students with logs losing any points: {rate(honest, ('fail', 'warn'))} of their checks; edited "
        f"logs flagged by the logs check: {rate([x for xs in edited.values() for x in xs], ('warn', 'fail'))} — "
        + "; ".join(f"{v.removeprefix('log: ')}: {rate(xs, ('warn', 'fail'))}" for v, xs in edited.items())
    )
    for v in sorted({v for _, _, v in tally if v.startswith("honest+logs, ")}):
        xs = [x for (c, _, v_), xs in tally.items() if v_ == v and c != "logs" for x in xs if x != "skip"]
        print(f"{v.removeprefix('honest+logs, ')}: {rate(xs, ('fail',))} of their claim checks fail"
              + (" (a best epoch or checkpoint is a WARN that costs no points)" if "best" in v else ""))  # fmt: skip
    acc = [x for (c, _, v), xs in tally.items() if c == "accuracy_claim" and v == ROUNDED for x in xs
           if x != "skip"]  # fmt: skip
    if covered[1]:
        caught = sum(x == "fail" for x in acc)
        print(f"{ROUNDED}: {covered[0]}/{covered[1]} planted claims print as a rounding of their own log's figure "
              f"(0.96 for a logged 0.965, what two decimals of an honest report print too): no grader can tell them "
              f"from honest rounding; caught {caught} of the {covered[1] - covered[0]} that differ from their log "
              f"beyond their printed digits. Every other figure here is written to four decimals (\"0.9600\"), the "
              f"digits the grader reads from the file")  # fmt: skip
    if why:
        print(why)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dataset", default="mnist-5k")
    p.add_argument("--students", type=int, default=20, help="honest unseeded students (seeds 1..N)")
    p.add_argument("--optimizers", nargs="+", default=["sgd", "adam"])
    p.add_argument("--rules", nargs="+", default=list(RANGE_RULES))
    p.add_argument("--epochs", type=int, help="final-run epochs (default: the baseline protocol's)")
    p.add_argument("--sweep-epochs", type=int, help="range-test epochs (default: the baseline protocol's)")
    p.add_argument("--jobs", type=int, default=2, help="rerun processes, one torch thread each")
    p.add_argument("--data-root", help="the dataset's folder, where not embedded (fashion-mnist)")
    p.add_argument("--cache", type=Path, default=DEFAULT_CACHE / "power", help="runs store and grader cache")
    p.add_argument("--runs-only", action="store_true", help="run (or find) every seed's runs, then stop")
    p.add_argument("--predict", action="store_true", help="no runs: minimum detectable errors from the baseline")
    p.add_argument("--logs", action="store_true", help="students hand in their logs: claims against their own logs")
    p.add_argument("--rerun-all", action="store_true", help="rerun every run (the grader's --rerun-all): without it, "
                   "runs of a committed config are judged against its seeds")  # fmt: skip
    args = p.parse_args()
    base = load_baseline(args.dataset)
    if base is None:
        raise SystemExit(f"no committed baseline for {args.dataset}")
    if args.predict:
        return predict(base, args)
    args.epochs = args.epochs or base["protocol"]["train_epochs"]
    args.sweep_epochs = args.sweep_epochs or base["protocol"]["range_epochs"]
    seeds = [0, *range(101, 101 + args.students)]  # 0: the grader's rerun of an unseeded student; 101…: students
    seeded = [submission(s, True, base, args, {}) for s in seeds]
    results = ensure_runs(seeded, args, args.cache)
    if args.runs_only:
        return
    figs = {s: seed_figures(s, args, base, results) for s in seeds}
    if args.logs:
        subs = []
        for s in seeds[1:]:
            logs = student_logs(s, args, base, results)
            honest = claims_from_logs(logs, args)
            subs.append(("honest+logs", submission(s, False, base, args, honest), logs))
            scale = lambda v, f: [x * f for x in v] if isinstance(v, list) else v * f  # noqa: E731
            planted_errors = {
                "lr x1.25": {k: scale(v, 1.25) if ":" not in k else v for k, v in honest.items()},
                "accuracy -0.5pp": {k: figure(v - 0.005) if k.endswith(":test_accuracy") else v
                                    for k, v in honest.items()},
                ROUNDED: {k: round(v - 0.005, 4) if k.endswith(":test_accuracy") else v for k, v in honest.items()},
                "loss x1.1": {k: figure(v * 1.1) if k.endswith(":test_loss") else v for k, v in honest.items()},
            }  # fmt: skip
            subs += [(name, submission(s, False, base, args, c), logs) for name, c in planted_errors.items()]
            # honest readings other than the reference's (examiner probe 2), and the LR error on one of them
            tensorboard = claims_from_logs(logs, args, beta=0.6)
            subs.append(("honest+logs, TensorBoard-smoothed picks", submission(s, False, base, args, tensorboard),
                         logs))  # fmt: skip
            tb_off = {k: scale(v, 1.25) if ":" not in k else v for k, v in tensorboard.items()}
            subs.append(("lr x1.25 of a TensorBoard-smoothed pick", submission(s, False, base, args, tb_off), logs))
            best = claims_from_logs(logs, args, best=True)
            subs.append(("honest+logs, best epoch reported", submission(s, False, base, args, best), logs))
            kept = claims_from_logs(logs, args, checkpoint=True)
            subs.append(("honest+logs, best-accuracy checkpoint reported", submission(s, False, base, args, kept),
                         logs))  # fmt: skip
            # sparse logs (examiner probe 9), the claims read off the whole curve as the student's LR finder drew it
            every10, every5 = sparse(logs, 10), sparse(logs, 5, first=4, one_based=True)
            subs.append(("honest+logs, every 10th step logged", submission(s, False, base, args, honest), every10))
            subs.append(("honest+logs, every 5th step logged, counted from 1", submission(s, False, base, args, honest),
                         every5))  # fmt: skip
            subs.append(
                (
                    "lr x1.25, every 10th step logged",
                    submission(s, False, base, args, planted_errors["lr x1.25"]),
                    every10,
                )
            )
            for how in EDITED:
                edited = edit(logs, how, args)
                subs.append((how, submission(s, False, base, args, claims_from_logs(edited, args)), edited))
        prefill([sub for _, sub, _ in subs], args, args.cache, results)
        graded = time.perf_counter()
        tally = grade_all(subs, args, args.cache)
        timing = f"{len(subs)} submissions with logs graded from the cache in {time.perf_counter() - graded:.0f} s"
        return logs_report(tally, args, timing, rounding_covers(subs), sweep_edit_size(subs, base, args))
    subs = [("honest", submission(s, True, base, args, honest_claims(figs[s], args))) for s in seeds]
    subs = [("seeded", sub) for _, sub in subs]
    for s in seeds[1:]:
        subs.append(("honest", submission(s, False, base, args, honest_claims(figs[s], args))))
        subs += [(name, submission(s, False, base, args, c)) for name, c in planted(figs[s], args).items()]
    prefill([sub for _, sub in subs], args, args.cache, results)
    graded = time.perf_counter()
    tally = grade_all(subs, args, args.cache)
    run_s = sum(r["meta"]["wall_time_s"] for r in results.values())
    timing = (
        f"{len(results)} runs, {run_s:.0f} s of run time summed over runs (--jobs {args.jobs}, shared machine); "
        f"{len(subs)} submissions graded from the cache in {time.perf_counter() - graded:.0f} s"
    )
    report(tally, figs, base, args, timing)


if __name__ == "__main__":
    main()
