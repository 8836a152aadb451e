"""The assignment's reference protocol → committed baselines (mean ± std over seeds), and `verify` against them."""

from __future__ import annotations

import math
import shlex
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tabulate import tabulate

from reference.config import RunConfig, ScheduleConfig, range_test_config
from reference.rules import DEFAULT_RULE, RULES, spread_decades
from reference.tolerances import check_metric, lr_tolerance

BASELINES = Path(__file__).parent / "baselines"
METRICS = ("test_accuracy", "test_loss", "train_loss")


@dataclass(frozen=True)
class Protocol:
    """The assignment, per dataset: range tests per optimizer, then one run per schedule at the picked LR."""

    dataset: str
    sweep: dict[str, tuple[float, float]]  # optimizer -> (start LR, end LR), swept exponentially per step
    range_epochs: int
    train_epochs: int
    schedules: tuple[str, ...]  # run with SGD; Adam and AdamW run with a constant LR
    seeds: tuple[int, ...] = (0, 1, 2)
    quick_epochs: int = 3  # `verify --quick` compares this prefix of seed 0's runs
    note: str = ""


SWEEP = {"sgd": (1e-5, 10.0), "adam": (1e-6, 1.0), "adamw": (1e-6, 1.0)}
FULL_SIZE = ("constant", "multistep", "onecycle", "cosine")  # four of the eight schedules: a 2-core CPU budget
PROTOCOLS: dict[str, Protocol] = {
    "mnist-5k": Protocol("mnist-5k", SWEEP, range_epochs=10, train_epochs=30,
                         schedules=("constant", "step", "multistep", "exponential", "onecycle", "cyclic",
                                    "linear-decay", "cosine")),
    # Fashion-MNIST twice: shortened (1-epoch sweeps, 5-epoch runs) and the assignment's full protocol on 60,000
    # images (fashion-mnist-full: 10-epoch sweeps, 30-epoch runs; ~40 CPU-minutes). mnist: where a machine has it.
    "fashion-mnist": Protocol("fashion-mnist", SWEEP, range_epochs=1, train_epochs=5, quick_epochs=1,
                              schedules=FULL_SIZE, note="60,000 training images: sweep over 1 epoch (469 steps) "
                              "and train 5 epochs, to fit a 2-core CPU budget"),
    **{name: Protocol(data, SWEEP, range_epochs=10, train_epochs=30, quick_epochs=1, schedules=FULL_SIZE,
                      note="full size, the assignment's protocol: 60,000 images, 10-epoch (4,690-step) sweeps, "
                      "30-epoch runs")
       for name, data in (("fashion-mnist-full", "fashion-mnist"), ("mnist", "mnist"))},
}  # fmt: skip


def schedule_for(name: str, lr: float, epochs: int, steps_per_epoch: int) -> ScheduleConfig:
    """The protocol's arguments for each schedule, scaled to the epoch budget (course values at 30 epochs)."""
    args = {
        "constant": {},
        "step": {"step_size": max(epochs // 3, 1), "gamma": 0.1},
        "multistep": {"milestones": (max(epochs // 2, 1), max(epochs * 5 // 6, 2)), "gamma": 0.1},
        "exponential": {"gamma": 0.9},
        "onecycle": {"max_lr": lr},
        "cyclic": {"base_lr": lr / 10, "max_lr": lr, "step_size_up": 2 * steps_per_epoch},
        "linear-decay": {"end_factor": 0.0},
        "cosine": {"eta_min": 0.0},
    }[name]
    return ScheduleConfig(name=name, **args)


def protocol_configs(p: Protocol, lrs: dict[str, float], steps_per_epoch: int) -> dict[str, RunConfig]:
    runs = {f"sgd-{s}": RunConfig(dataset=p.dataset, optimizer="sgd", lr=lrs["sgd"], epochs=p.train_epochs,
                                  schedule=schedule_for(s, lrs["sgd"], p.train_epochs, steps_per_epoch))
            for s in p.schedules}  # fmt: skip
    for opt in ("adam", "adamw"):
        runs[f"{opt}-constant"] = RunConfig(dataset=p.dataset, optimizer=opt, lr=lrs[opt], epochs=p.train_epochs)
    return runs


def stats(values: list[float]) -> dict:
    finite = [v for v in values if v is not None and math.isfinite(v)]
    return {"mean": statistics.fmean(finite) if finite else None,
            "std": statistics.stdev(finite) if len(finite) > 1 else 0.0, "values": values}  # fmt: skip


def summarise_runs(results: list[dict]) -> dict:
    """Mean/std over seeds of every per-epoch metric and of the final metrics."""
    n_epochs = min(len(r["epochs"]) for r in results)
    epochs = [{"epoch": i + 1, "step": results[0]["epochs"][i]["step"],
               **{m: stats([r["epochs"][i][m] for r in results]) for m in METRICS}}
              for i in range(n_epochs)]  # fmt: skip
    final = {m: stats([r["final"][m] if r["final"] else math.nan for r in results]) for m in METRICS}
    return {"epochs": epochs, "final": final, "diverged": [r["diverged"] for r in results],
            "wall_time_s": stats([r["meta"]["wall_time_s"] for r in results])}  # fmt: skip


def summarise_range_tests(results: list[dict]) -> dict:
    picks = {rule: [r["suggestions"][rule] for r in results] for rule in RULES}
    tops = {rule: [v[1] if isinstance(v, list) else v for v in vals] for rule, vals in picks.items()}
    first = results[0]
    return {
        "picks": picks,
        "spread_decades": {rule: round(spread_decades(v), 3) for rule, v in tops.items()},
        "suggested_lr": math.exp(statistics.fmean(math.log(v) for v in tops[DEFAULT_RULE])),
        "diverged_at": [r["diverged"]["step"] if r["diverged"] else None for r in results],
        "curve": {"lr": first["lr"], "train_loss_smoothed": first["train_loss_smoothed"]},  # seed 0, for plots
    }


def spread_table(results: list[dict]) -> str:
    s = summarise_range_tests(results)
    rows = [[rule, ", ".join(f"{v:.3g}" if not isinstance(v, list) else f"[{v[0]:.3g}, {v[1]:.3g}]" for v in vals),
             s["spread_decades"][rule]] for rule, vals in s["picks"].items()]  # fmt: skip
    return tabulate(rows, headers=["rule", "picks by seed", "spread (decades)"])


# ---------------------------------------------------------------- build


def _run_seeds(cfgs: dict[str, RunConfig], seeds: tuple[int, ...], device, jobs: int, progress: bool,
               data_root: str | None = None) -> dict[str, list[dict]]:  # fmt: skip
    """Each config once per seed, in this process or all together on `jobs` worker processes (one torch thread
    each); results by name, in seed order."""
    from reference.data import load_data
    from reference.loop import run

    todo = [(name, cfg.model_copy(update={"seed": s})) for name, cfg in cfgs.items() for s in seeds]
    if jobs <= 1:
        data = {c.dataset: load_data(c.dataset, device, data_root) for _, c in todo}
        done = [run(c, data=data[c.dataset], device=device, progress=progress) for _, c in todo]
    else:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=jobs) as pool:
            done = list(pool.map(_run_one, [c.model_dump(mode="json") for _, c in todo], [device.type] * len(todo),
                                 [data_root] * len(todo)))
    out: dict[str, list[dict]] = {name: [] for name in cfgs}
    for (name, _), result in zip(todo, done, strict=True):
        out[name].append(result)
    return out


def _run_one(cfg: dict, device: str, data_root: str | None) -> dict:
    import torch

    from reference.loop import run

    torch.set_num_threads(1)
    return run(RunConfig(**cfg), device=device, data_root=data_root)


def build(dataset: str, device: str = "auto", progress: bool = False, log=print, jobs: int = 1,
          data_root: str | None = None) -> dict:  # fmt: skip
    """Run the protocol for `dataset` on every seed (the seeds of a run on `jobs` processes) and summarise it."""
    from reference.data import steps_per_epoch
    from reference.loop import pick_device

    p, started = PROTOCOLS[dataset], time.perf_counter()
    dev = pick_device(device)
    range_tests, runs = {}, {}
    sweeps = {opt: range_test_config(start_lr=lo, end_lr=hi, epochs=p.range_epochs, dataset=p.dataset,
                                   optimizer=opt) for opt, (lo, hi) in p.sweep.items()}  # fmt: skip
    for opt, results in _run_seeds(sweeps, p.seeds, dev, jobs, progress, data_root).items():
        range_tests[opt] = {"config": results[0]["config"], **summarise_range_tests(results)}
        log(f"range test {opt}: {DEFAULT_RULE} → {range_tests[opt]['suggested_lr']:.3g}")
    lrs = {opt: float(f"{rt['suggested_lr']:.3g}") for opt, rt in range_tests.items()}
    cfgs = protocol_configs(p, lrs, steps_per_epoch(p.dataset, 128))
    for name, results in _run_seeds(cfgs, p.seeds, dev, jobs, progress, data_root).items():
        runs[name] = {"config": results[0]["config"], **summarise_runs(results)}
        cfg = cfgs[name]
        f = runs[name]["final"]["test_accuracy"]
        log(f"{name} @ {cfg.lr:.3g}: final test accuracy {f['mean']:.4f} ± {f['std']:.4f}")
    meta = {k: v for k, v in results[0]["meta"].items() if k not in ("seed", "wall_time_s", "compiled")}
    return {
        "dataset": dataset,
        "command": f"reference baselines --dataset {dataset} --device {dev.type}",
        "protocol": asdict(p),
        "default_rule": DEFAULT_RULE,
        "lrs": lrs,
        "range_tests": range_tests,
        "runs": runs,
        "meta": {**meta, "seeds": list(p.seeds), "total_wall_time_s": round(time.perf_counter() - started, 1)},
    }


# ---------------------------------------------------------------- verify


@dataclass
class Row:
    what: str
    metric: str
    expected: float
    observed: float
    tolerance: float
    ok: bool
    note: str = field(default="")


def verify(dataset: str, quick: bool, device: str = "auto", progress: bool = False, data_root: str | None = None,
           ) -> list[Row]:  # fmt: skip
    """Rerun a committed baseline (quick: seed 0, a prefix of each run) and compare within tolerance."""
    import json

    from reference.data import load_data
    from reference.loop import pick_device, run
    from reference.tolerances import decades

    base = json.loads((BASELINES / f"{dataset}.json").read_text())
    dev = pick_device(device)
    data = load_data(base["protocol"]["dataset"], dev, data_root)  # raises DataUnavailable: the caller reports it
    seeds = base["protocol"]["seeds"][:1] if quick else base["protocol"]["seeds"]
    rule, rows = base["default_rule"], []
    for opt, rt in base["range_tests"].items():
        for s in seeds:
            res = run(RunConfig(**{**rt["config"], "seed": s}), data=data, device=dev, progress=progress)
            pick = res["suggestions"][rule]
            tol = lr_tolerance(rt["spread_decades"][rule])
            dist = decades(pick, rt["suggested_lr"])
            rows.append(Row(f"range test {opt} seed {s}", f"{rule} LR", rt["suggested_lr"], pick, tol, dist <= tol,
                            f"{dist:.2f} decades"))  # fmt: skip
    for name, entry in base["runs"].items():
        until = base["protocol"]["quick_epochs"] if quick else None
        for s in seeds:
            res = run(RunConfig(**{**entry["config"], "seed": s}), data=data, device=dev, until_epoch=until,
                      progress=progress)  # fmt: skip
            epoch = len(res["epochs"])
            for m in METRICS:
                ref = entry["epochs"][epoch - 1][m]
                ok, tol, z = check_metric(m, res["epochs"][-1][m], ref["mean"], ref["std"], len(data.test))
                rows.append(Row(f"{name} seed {s} epoch {epoch}", m, ref["mean"], res["epochs"][-1][m], tol, ok,
                                f"z = {z:+.2f}"))  # fmt: skip
    return rows


# ---------------------------------------------------------------- CLI


def add_commands(sub) -> None:
    b = sub.add_parser("baselines", help="run the reference protocol and write reference/baselines/DATASET.json")
    b.add_argument("--dataset", default="mnist-5k", choices=list(PROTOCOLS), help="the protocol's dataset")
    b.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"], help="auto: cuda if present")
    b.add_argument("--out", type=Path, help="default: reference/baselines/DATASET[-cuda].json")
    b.add_argument("--quiet", action="store_true", help="no progress bars")
    b.add_argument("--jobs", type=int, default=1, help="runs on this many processes, one torch thread each")
    b.add_argument("--data-root", help="the dataset's folder (mnist: torchvision's layout, DIR/MNIST/raw)")
    b.set_defaults(func=_baselines_cmd)
    v = sub.add_parser("verify", help="rerun committed baselines; exit 1 if any result is out of tolerance")
    v.add_argument("--dataset", action="append", choices=list(PROTOCOLS), help="default: every committed one")
    v.add_argument("--quick", action="store_true", help="seed 0 only, a short prefix of each training run")
    v.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"], help="auto: cuda if present")
    v.add_argument("--quiet", action="store_true", help="no progress bars")
    v.add_argument("--data-root", help="the dataset's folder (mnist: torchvision's layout, DIR/MNIST/raw)")
    v.set_defaults(func=_verify_cmd)


def _baselines_cmd(a) -> int:
    from reference.outputs import write_json_atomic

    result = build(a.dataset, a.device, progress=sys.stderr.isatty() and not a.quiet, jobs=a.jobs,
                   data_root=a.data_root)  # fmt: skip
    result["command"] = "reference " + shlex.join(sys.argv[1:])
    suffix = "" if result["meta"]["device"] == "cpu" else f"-{result['meta']['device']}"
    out = a.out or BASELINES / f"{a.dataset}{suffix}.json"
    write_json_atomic(result, out)
    print(f"wrote {out} in {result['meta']['total_wall_time_s']:.0f} s")
    return 0


def _verify_cmd(a) -> int:
    from reference.data import DataUnavailable  # torch: not imported for `reference --help`

    datasets = a.dataset or [d for d in PROTOCOLS if (BASELINES / f"{d}.json").exists()]
    failed = 0
    for d in datasets:
        try:
            rows = verify(d, a.quick, a.device, progress=sys.stderr.isatty() and not a.quiet, data_root=a.data_root)
        except DataUnavailable as err:
            print(f"SKIPPED {d}: {err}")
            continue
        table = [[r.what, r.metric, f"{r.expected:.4g}", f"{r.observed:.4g}", f"±{r.tolerance:.3g}", r.note,
                  "ok" if r.ok else "FAIL"] for r in rows]  # fmt: skip
        print(f"\n{d} ({'quick' if a.quick else 'full'})")
        print(tabulate(table, headers=["run", "metric", "baseline", "rerun", "tolerance", "distance", ""]))
        failed += sum(not r.ok for r in rows)
    print(f"\nverify: {'FAILED, ' + str(failed) + ' result(s) out of tolerance' if failed else 'all within tolerance'}")
    return 1 if failed else 0
