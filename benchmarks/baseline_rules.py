"""How often the `baseline` check docks an honest student whose final run trains at their own rule's pick.

The course lets a student pick the LR by a stated rule (min, one decade below it, steepest slope, valley); the
committed references train at the `steepest` pick. An honest student who follows another rule trains at another LR,
and the `baseline` check then compares their rerun with a reference of another config. This measures what that
costs honest students, end to end with `grader.grade.grade_class`: N seeded students per rule (seeds 101..100+N,
declared, so the rerun is their very run), each with their own sweep (its pick by their rule, claimed to 3 digits)
and one 30-epoch final run at that pick (`role = "final"`): SGD constant and MultiStepLR [15, 25], Adam constant,
and SGD with scheduler arguments of the student's own (ExponentialLR γ 0.8, StepLR every 5 epochs γ 0.5,
MultiStepLR stepped per iteration at iterations 320 and 640), and optimizer settings and a scheduler of their own
(SGD with the course template's weight decay 5e-4 and those per-iteration milestones; AdamW with ExponentialLR
γ 0.85, where the only AdamW reference is constant). `--runs` grades only some of these final runs.
Graded in full and `--quick`; printed per (run, rule): the pick's range, the final accuracies, and the share of
students the baseline check fails, warns (partial credit) or leaves pending.

    python benchmarks/baseline_rules.py --students 10 --jobs 2 --cache /tmp/br
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from tabulate import tabulate

from reference.tolerances import wilson

RULES = ("min", "min/10", "steepest", "valley")
MULTISTEP = {"name": "multistep", "milestones": [15, 25], "gamma": 0.1, "cadence": "epoch"}
RUNS = {"sgd-constant": ("sgd", {"name": "constant"}), "sgd-multistep": ("sgd", MULTISTEP),
        "adam-constant": ("adam", {"name": "constant"}),
        # the student's own scheduler arguments too (the references: exponential γ 0.9; step 10 epochs, γ 0.1)
        "sgd-exponential-g0.8": ("sgd", {"name": "exponential", "gamma": 0.8, "cadence": "epoch"}),
        "sgd-step-5-g0.5": ("sgd", {"name": "step", "step_size": 5, "gamma": 0.5, "cadence": "epoch"}),
        # stepped per iteration, milestones in iterations (epochs 10, 20 of mnist-5k's 32 steps), as the course ran it
        "sgd-multistep-iter": ("sgd", {"name": "multistep", "milestones": [320, 640], "gamma": 0.1,
                                       "cadence": "step"}),
        # optimizer settings and a scheduler of the student's own (examiner probe 5): the course template's weight
        # decay (the references: none) with per-iteration milestones; AdamW with a decay no AdamW reference runs
        "sgd-wd5e-4-multistep-iter": ("sgd", {"name": "multistep", "milestones": [320, 640], "gamma": 0.1,
                                              "cadence": "step"}, {"weight_decay": 5e-4}),
        "adamw-exponential-g0.85": ("adamw", {"name": "exponential", "gamma": 0.85, "cadence": "epoch"})}  # fmt: skip
SWEEP = {"sgd": (1e-5, 10.0), "adam": (1e-6, 1.0), "adamw": (1e-6, 1.0)}  # the mnist-5k protocol's sweeps (committed
# seeds: no rerun)


def picks(students: range, cache: Path, only: set[str] | None = None) -> dict[tuple[str, int], dict]:
    """(optimizer, seed) → the rules' picks of that seed's 10-epoch sweep (run once, kept in `cache`); `only`: these
    optimizers' sweeps."""
    import torch

    from reference.config import range_test_config
    from reference.data import load_data
    from reference.loop import run

    path, data = cache / "picks.json", None
    known = json.loads(path.read_text()) if path.exists() else {}
    for opt, (lo, hi) in SWEEP.items():
        if only and opt not in only:
            continue
        for s in students:
            if f"{opt}-{s}" not in known:
                data = data or load_data("mnist-5k", torch.device("cpu"))
                cfg = range_test_config(start_lr=lo, end_lr=hi, epochs=10, optimizer=opt, seed=s)
                known[f"{opt}-{s}"] = run(cfg, data=data, device="cpu")["suggestions"]
                path.write_text(json.dumps(known))
    return {(opt, s): known[f"{opt}-{s}"] for opt in SWEEP for s in students if f"{opt}-{s}" in known}


def three(x: float) -> float:
    return float(f"{x:.3g}")


def toml_value(v) -> str:
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(x)}" for k, x in v.items()) + " }"
    return repr(v)


def submission(s: int, rule: str, run: str, pick: float, claims: dict | None = None) -> str:
    """Student s's submission: seeded (their seed declared), or with `claims` (the final run's accuracy and loss as
    their own seeded run printed them, to 4 digits) and no seed: the grader reruns seed 0."""
    opt, schedule, *settings = RUNS[run]
    lo, hi = SWEEP[opt]
    seed = {} if claims is not None else {"seed": s}
    sweep = {"name": f"{opt}-sweep", "optimizer": opt, "start_lr": lo, "end_lr": hi, "epochs": 10, "rule": rule,
             "claimed_lr": three(pick), **seed}  # fmt: skip
    final = {"name": run, "role": "final", "optimizer": opt, "lr": three(pick), **(settings[0] if settings else {}),
             "schedule": schedule, "epochs": 30, **seed, **(claims or {})}  # fmt: skip
    body = [f'[student]\nid = "s{s}-{rule.replace("/", "")}-{run}"\nname = "honest, rule {rule}"\n']
    for part, entry in (("range_test", sweep), ("run", final)):
        body.append(f"[[{part}]]\n" + "".join(f"{k} = {toml_value(v)}\n" for k, v in entry.items()))
    return "\n".join(body)


def grade(students: range, found: dict, quick: bool, args, claims: dict | None = None) -> dict:
    """(run, rule) → the graded students' checks (check name → its results); `claims`: folder → the final run's
    claimed figures, graded unseeded (else seeded, no metric claims)."""
    import grader.diagnoses
    from grader.grade import grade_class

    grader.diagnoses.counterfactual_runs = lambda items: {}  # causes never change points: not rerun here
    with tempfile.TemporaryDirectory() as tmp:
        root, where = Path(tmp), {}
        (root / "assignment.toml").write_text('required = ["range_test", "run"]\noptimizers = ["sgd", "adam", '
                                              '"adamw"]\n')  # fmt: skip
        for run, (opt, *_) in RUNS.items():
            if args.runs and run not in args.runs:
                continue
            for rule in RULES:
                for s in students:
                    folder = root / f"s{s}-{rule.replace('/', '')}-{run}"
                    folder.mkdir()
                    pick = found[(opt, s)][rule]
                    text = submission(s, rule, run, pick, None if claims is None else claims[folder.name])
                    (folder / "submission.toml").write_text(text)
                    where[folder.name] = (run, rule)
        result = grade_class(root, out=None, jobs=args.jobs, cache_dir=args.cache / "grader", engine="sequential",
                             device="cpu", quick=quick)  # fmt: skip
    out: dict[tuple[str, str], dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for st in result.students:
        if st.status != "graded":
            raise SystemExit(f"{st.folder}: {st.error}")
        for c in st.checks:
            out[where[st.folder]][c.check].append(c)
            if c.check == "baseline" and claims is None:  # the seeded rerun is the student's own run
                out[where[st.folder]]["own"].append((st.folder, st.runs))
    return out


def own_claims(checks: dict) -> dict[str, dict]:
    """folder → what the student's own (seeded) final run printed: its test accuracy and loss to 4 digits."""
    out = {}
    for per in checks.values():
        for folder, runs in per["own"]:
            result = next(r.result for r in runs if r.kind == "train" and r.result)
            final = result["final"]
            if result["diverged"]:  # an honest report of a run that blew up: its loss is nan
                out[folder] = {"claimed_test_loss": float("nan")}
            else:
                out[folder] = {"claimed_test_accuracy": round(final["test_accuracy"], 4),
                               "claimed_test_loss": round(final["test_loss"], 4)}  # fmt: skip
    return out


def unseeded(students: range, found: dict, args) -> None:
    """The same students, no seed declared, claiming their own run's final accuracy and loss: the grader reruns seed
    0 at their LR, and the claim checks compare one seed with another at a config no committed seeds sample."""
    claims = own_claims(grade(students, found, False, args))
    checks = grade(students, found, False, args, claims)
    rows, lost, total = [], 0, 0
    for (run, rule), per in checks.items():
        for check in ("accuracy_claim", "loss_claim", "baseline"):
            cs = per[check]
            rows.append([run, rule, check, rate(sum(c.status == "fail" for c in cs), len(cs)),
                         rate(sum(c.points < c.max_points for c in cs), len(cs)),
                         rate(sum(c.pending > 0 for c in cs), len(cs)),
                         f"{max((c.distance or 0) / c.tolerance for c in cs if c.tolerance):.2f}"
                         if any(c.tolerance for c in cs) else "—"])  # fmt: skip
            if check != "baseline":
                lost += sum(c.points < c.max_points for c in cs)
                total += len(cs)
    print(
        f"\nfull (30 epochs), unseeded: the claim checks of {len(students)} honest students per row, each claiming "
        "its own run's final accuracy and loss (4 digits); the grader reruns seed 0 at the student's LR"
    )
    print(tabulate(rows, headers=["final run", "rule", "check", "fail", "lost points", "pending (some or all)",
                                  "largest distance / allowed"]))  # fmt: skip
    print(f"honest metric claims losing any points: {rate(lost, total)}")


def rate(k: int, n: int) -> str:
    lo, hi = wilson(k, n)
    return f"{k}/{n} [{lo:.0%}, {hi:.0%}]"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--students", type=int, default=10)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "baseline-rules")
    p.add_argument("--runs", nargs="+", choices=list(RUNS), help="only these final runs (default: all)")
    p.add_argument(
        "--unseeded",
        action="store_true",
        help="the same students without a seed, claiming their own "
        "run's final accuracy and loss: the grader reruns seed 0 (the claim checks at their picks)",
    )
    args = p.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    students = range(101, 101 + args.students)
    t0 = time.perf_counter()
    found = picks(students, args.cache, {RUNS[r][0] for r in args.runs} if args.runs else None)
    if args.unseeded:
        unseeded(students, found, args)
        print(f"({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
        return
    for quick in (False, True):
        checks = {k: v["baseline"] for k, v in grade(students, found, quick, args).items()}
        rows = []
        for (run, rule), cs in checks.items():
            opt = RUNS[run][0]
            lrs = [three(found[(opt, s)][rule]) for s in students]
            accs = [c.rerun for c in cs if c.rerun is not None]
            rows.append([run, rule, f"{min(lrs):.3g}–{max(lrs):.3g}",
                         f"{min(accs):.3f}–{max(accs):.3f}" if accs else "—",
                         cs[0].reference if cs[0].reference is not None else "—",
                         rate(sum(c.status == "fail" for c in cs), len(cs)),
                         rate(sum(c.points < c.max_points for c in cs), len(cs)),
                         rate(sum(c.pending > 0 for c in cs), len(cs))])  # fmt: skip
        mode = "--quick (3 epochs)" if quick else "full (30 epochs)"
        print(f"\n{mode}: the baseline check of {len(students)} honest seeded students per row, mnist-5k")
        print(tabulate(rows, headers=["final run", "rule", "LR (their picks)", "rerun accuracy", "reference",
                                      "fail", "lost points", "pending (some or all)"]))  # fmt: skip
        count = lambda col, rs: (sum(int(r[col].split("/")[0]) for r in rs),  # noqa: E731
                                 sum(int(r[col].split("/")[1].split()[0]) for r in rs))  # fmt: skip
        others = [r for r in rows if r[1] != "min"]
        docked, spared, pending = rate(*count(6, rows)), rate(*count(6, others)), rate(*count(7, rows))
        print(f"honest students losing points in the baseline check: {docked} (rules other than min: "
              f"{spared}); left pending review: {pending}")  # fmt: skip
    print(f"({time.perf_counter() - t0:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
