"""The assignment's reference protocol → committed baselines (mean ± std over seeds), and `verify` against them."""

from __future__ import annotations

import math
import shlex
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from tabulate import tabulate

from reference.config import RunConfig, ScheduleConfig, range_test_config, step_counted
from reference.rules import DEFAULT_RULE, RULES, spread_decades
from reference.tolerances import check_metric, lr_tolerance

BASELINES = Path(__file__).parent / "baselines"
METRICS = ("test_accuracy", "test_loss", "train_loss")


SEEDS = tuple(range(20))  # ≥ 10 seeds give each σ 19 degrees of freedom (3 seeds gave 2; issue 25)


def log_grid(low: float, high: float, per_decade: int = 4) -> tuple[float, ...]:
    """LRs from `low` to `high`, `per_decade` a decade, rounded to 3 significant digits."""
    n = round(math.log10(high / low) * per_decade)
    return tuple(float(f"{low * 10 ** (i / per_decade):.3g}") for i in range(n + 1))


@dataclass(frozen=True)
class Protocol:
    """The assignment, per dataset: range tests per optimizer, then one run per schedule at the picked LR, and
    (`grid`) constant-LR runs at fixed LRs around the picks, every one at every seed."""

    dataset: str
    sweep: dict[str, tuple[float, float]]  # optimizer -> (start LR, end LR), swept exponentially per step
    range_epochs: int
    train_epochs: int
    schedules: tuple[str, ...]  # run with SGD; Adam and AdamW run with a constant LR
    seeds: tuple[int, ...] = SEEDS
    quick_epochs: int = 3  # `verify --quick` compares this prefix of seed 0's runs
    note: str = ""
    # optimizer -> constant LRs: what a run at another LR than the pick reaches, epoch by epoch (the baseline
    # check compares a student's run with the reference at its own LR; grader/checks.py)
    grid: dict[str, tuple[float, ...]] = field(default_factory=dict)
    epoch_steps: int | None = None  # sweeps and step-counted schedules take another dataset's steps an epoch
    preprocess: str = "pad-normalize"
    sgd: dict = field(default_factory=dict)  # SGD fields other than RunConfig's defaults (the course's wd 5e-4)

    def fields(self, optimizer: str) -> dict:
        """RunConfig fields every run of `optimizer` shares."""
        return {"dataset": self.dataset, "preprocess": self.preprocess, **(self.sgd if optimizer == "sgd" else {})}

    def sweeps(self) -> dict[str, RunConfig]:
        return {opt: range_test_config(start_lr=lo, end_lr=hi, epochs=self.range_epochs, epoch_steps=self.epoch_steps,
                                       optimizer=opt, **self.fields(opt))
                for opt, (lo, hi) in self.sweep.items()}  # fmt: skip

    def grid_configs(self) -> dict[str, RunConfig]:
        return {grid_name(opt, lr): RunConfig(optimizer=opt, lr=lr, epochs=self.train_epochs, **self.fields(opt))
                for opt, lrs in self.grid.items() for lr in lrs}  # fmt: skip


def grid_name(optimizer: str, lr: float) -> str:
    return f"{optimizer}-constant@{lr:g}"


SWEEP = {"sgd": (1e-5, 10.0), "adam": (1e-6, 1.0), "adamw": (1e-6, 1.0)}
COURSE_SWEEP = {"sgd": (1e-6, 1.0), "adam": (1e-6, 1.0), "adamw": (1e-6, 1.0)}  # the course template's, 10 epochs
# `reference baselines --grid`: constant-LR runs from a decade below the lowest pick a student makes to a decade above
# the highest (quarter decades), every seed; the baseline check then meets a constant run at any of these LRs with
# the reference of its own config (13 LRs × 3 optimizers × 20 seeds: ~6 CPU-hours on mnist-5k, minutes on a GPU)
GRID = {"sgd": log_grid(1e-3, 1.0), "adam": log_grid(1e-5, 1e-2), "adamw": log_grid(1e-5, 1e-2)}
FULL_SIZE = ("constant", "multistep", "onecycle", "cosine")  # four of the eight schedules: a 2-core CPU budget
PROTOCOLS: dict[str, Protocol] = {
    "mnist-5k": Protocol("mnist-5k", SWEEP, range_epochs=10, train_epochs=30,
                         schedules=("constant", "step", "multistep", "exponential", "onecycle", "cyclic",
                                    "linear-decay", "cosine")),
    # The course's template (grader/presets.py cs5260) on mnist-5k with full MNIST's step schedule: 4,690-step
    # sweeps 1e-6 → 1, Resize(32) input, SGD momentum 0.9 weight decay 5e-4 — the sweeps a template student runs,
    # judged against these seeds without a rerun (issue 26) — and constant / per-epoch MultiStep runs at the picks.
    # 10 seeds: ~1 CPU-hour on 2 cores (the sweeps); per-iteration schedules (14,070 steps a run) take a GPU.
    "mnist-5k-course": Protocol("mnist-5k", COURSE_SWEEP, range_epochs=10, train_epochs=30,
                                schedules=("constant", "multistep"), epoch_steps=469, seeds=tuple(range(10)),
                                preprocess="resize", sgd={"weight_decay": 5e-4},
                                note="the cs5260 template on mnist-5k with MNIST's 469 steps an epoch for sweeps"),
    # Fashion-MNIST twice: shortened (1-epoch sweeps, 5-epoch runs) and the assignment's full protocol on 60,000
    # images (fashion-mnist-full: 10-epoch sweeps, 30-epoch runs; ~40 CPU-min a seed). mnist: where a machine has it.
    "fashion-mnist": Protocol("fashion-mnist", SWEEP, range_epochs=1, train_epochs=5, quick_epochs=1,
                              schedules=FULL_SIZE, seeds=tuple(range(10)),
                              note="60,000 training images: sweep over 1 epoch (469 steps) and train 5 epochs, to fit "
                              "a 2-core CPU budget"),
    # 3 seeds: ~45 CPU-minutes a seed (the grader never uses their σ alone: checks floor it at the other
    # protocols' measured spread); 20 seeds take a GPU (benchmarks/gpu_session.sh)
    **{name: Protocol(data, SWEEP, range_epochs=10, train_epochs=30, quick_epochs=1, schedules=FULL_SIZE,
                      seeds=(0, 1, 2), note="full size, the assignment's protocol: 60,000 images, 10-epoch "
                      "(4,690-step) sweeps, 30-epoch runs")
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
    """The protocol's training runs at the picked LRs (`steps_per_epoch`: the epochs its schedules count; a
    schedule named "name:step" is stepped per iteration with its epoch arguments in steps)."""
    per_epoch = p.epoch_steps or steps_per_epoch

    def config(opt: str, name: str) -> RunConfig:
        name, _, cadence = name.partition(":")  # "multistep:step": stepped per iteration, milestones in steps
        sched = schedule_for(name, lrs[opt], p.train_epochs, per_epoch)
        if cadence == "step":
            steps = {"milestones": tuple(m * per_epoch for m in sched.milestones or ()) or None,
                     "step_size": sched.step_size * per_epoch if sched.step_size else None}  # fmt: skip
            sched = sched.model_copy(update={"cadence": "step", **{k: v for k, v in steps.items() if v}})
        return RunConfig(optimizer=opt, lr=lrs[opt], epochs=p.train_epochs, schedule=sched, **p.fields(opt),
                         epoch_steps=p.epoch_steps if step_counted(sched) else None)  # fmt: skip

    runs = {f"sgd-{s}": config("sgd", s) for s in p.schedules}
    for opt in ("adam", "adamw"):
        runs[f"{opt}-constant"] = config(opt, "constant")
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
               data_root: str | None = None, engine: str = "sequential",
               max_batch: int = 256) -> dict[str, list[dict]]:  # fmt: skip
    """Each config once per seed: in this process (the sequential engine, or the batched one in groups of at most
    `max_batch` runs), or on `jobs` worker processes (one torch thread each); results by name, in seed order."""
    from reference.data import load_data
    from reference.engines import run_many

    todo = [(name, cfg.model_copy(update={"seed": s})) for name, cfg in cfgs.items() for s in seeds]
    # one optimizer per batched group: mixed groups update their rows through indexed writes, which torch's
    # deterministic mode makes slow on CUDA
    if jobs > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=jobs) as pool:
            done = list(
                pool.map(
                    _run_one,
                    [c.model_dump(mode="json") for _, c in todo],
                    [device.type] * len(todo),
                    [data_root] * len(todo),
                )
            )
    else:
        done, data = [None] * len(todo), {}
        optimizers = sorted({c.optimizer for _, c in todo})
        chunks = [[i for i in range(len(todo)) if todo[i][1].optimizer == opt] for opt in optimizers]
        for i, idxs in ((i, ids) for ids in chunks for i in range(0, len(ids), max_batch)):
            at = idxs[i : i + max_batch]
            chunk = [todo[j][1] for j in at]
            for c in chunk:
                if (c.dataset, c.preprocess) not in data:
                    data[c.dataset, c.preprocess] = load_data(c.dataset, device, data_root, preprocess=c.preprocess)
            by_data: dict[tuple, list[int]] = {}
            for j, c in enumerate(chunk):
                by_data.setdefault((c.dataset, c.preprocess), []).append(j)
            out: list[dict | None] = [None] * len(chunk)
            for key, idx in by_data.items():
                results = run_many([chunk[j] for j in idx], engine=engine, device=device, data=data[key],
                                   progress=progress)  # fmt: skip
                for j, r in zip(idx, results, strict=True):
                    out[j] = r
            for j, r in zip(at, out, strict=True):
                done[j] = r
    results: dict[str, list[dict]] = {name: [] for name in cfgs}
    for (name, _), result in zip(todo, done, strict=True):
        results[name].append(result)
    return results


def _run_one(cfg: dict, device: str, data_root: str | None) -> dict:
    import torch

    from reference.loop import run

    torch.set_num_threads(1)
    return run(RunConfig(**cfg), device=device, data_root=data_root)


def build(dataset: str, device: str = "auto", progress: bool = False, log=print, jobs: int = 1,
          data_root: str | None = None, seeds: tuple[int, ...] | None = None, engine: str = "sequential",
          raw: Path | None = None) -> dict:  # fmt: skip
    """Run the protocol for `dataset` on every seed (on `jobs` processes, or batched) and summarise it; `raw`:
    also save every run's curves (`save_raw`), from which `summarise` rebuilds the same file."""
    from reference.data import steps_per_epoch
    from reference.loop import pick_device

    p, started = PROTOCOLS[dataset], time.perf_counter()
    dev, seeds = pick_device(device), tuple(seeds or p.seeds)
    kw = dict(seeds=seeds, device=dev, jobs=jobs, progress=progress, data_root=data_root, engine=engine)
    sweeps = _run_seeds(p.sweeps(), **kw)
    lrs = picked_lrs(sweeps)
    log("range tests: " + ", ".join(f"{opt} {DEFAULT_RULE} → {lr:.3g}" for opt, lr in lrs.items()))
    runs = _run_seeds({**protocol_configs(p, lrs, steps_per_epoch(p.dataset, 128)), **p.grid_configs()}, **kw)
    wall = round(time.perf_counter() - started, 1)
    if raw is not None:
        save_raw(raw, dataset, sweeps, runs, wall)
    return summarise(dataset, sweeps, runs, wall, engine)


def picked_lrs(sweeps: dict[str, list[dict]]) -> dict[str, float]:
    """The LR each optimizer's runs train at: the default rule's geometric mean pick over seeds, 3 digits."""
    return {opt: float(f"{summarise_range_tests(results)['suggested_lr']:.3g}") for opt, results in sweeps.items()}


def summarise(dataset: str, sweeps: dict[str, list[dict]], runs: dict[str, list[dict]], wall: float,
              engine: str = "sequential") -> dict:  # fmt: skip
    """The committed file: per sweep the rules' picks over seeds, per run its per-epoch metrics over seeds (`runs`:
    the protocol's schedules at the picks; `grid`: constant LRs around them), and each curve's seed band."""
    p = PROTOCOLS[dataset]
    range_tests = {opt: {"config": results[0]["config"], **summarise_range_tests(results),
                         "band": seed_band(results)} for opt, results in sweeps.items()}  # fmt: skip
    grid = {name for name in runs if "@" in name}  # grid_name's: optimizer-constant@lr
    summaries = {name: {"config": results[0]["config"], **summarise_runs(results), "band": seed_band(results)}
                 for name, results in runs.items()}  # fmt: skip
    first = next(iter(sweeps.values()))[0]
    meta = {k: v for k, v in first["meta"].items() if k not in ("seed", "wall_time_s", "compiled", "batch_runs",
                                                                "batch_wall_time_s")}  # fmt: skip
    seeds = [r["meta"]["seed"] for r in next(iter(sweeps.values()))]
    return {
        "dataset": dataset,
        "command": f"reference baselines --dataset {dataset} --seeds {len(seeds)} --device {meta['device']}"
        + (f" --engine {engine}" if engine != "sequential" else ""),
        "protocol": asdict(p),
        "default_rule": DEFAULT_RULE,
        "lrs": picked_lrs(sweeps),
        "range_tests": range_tests,
        "runs": {k: v for k, v in summaries.items() if k not in grid},
        "grid": {k: v for k, v in summaries.items() if k in grid},
        "meta": {**meta, "engine": engine, "seeds": seeds, "total_wall_time_s": wall},
    }


BAND_POINTS = 200  # steps at which a curve's seed band is kept (evenly spaced, the last step included)


def seed_band(results: list[dict]) -> dict:
    """How far seeds' smoothed train-loss curves spread, step by step: at BAND_POINTS steps, the mean and std
    over seeds of log(smoothed loss) and how many seeds are still running there (a sweep's seeds diverge one by
    one). A student's log is judged against it (grader/evidence.py): the seed noise of this very config."""
    curves = [r["train_loss_smoothed"] for r in results]
    longest = max(len(c) for c in curves)
    if longest == 0:
        return {"step": [], "mean_log": [], "std_log": [], "n": []}
    at = sorted({round(i * (longest - 1) / (BAND_POINTS - 1)) for i in range(BAND_POINTS)})
    out = {"step": at, "mean_log": [], "std_log": [], "n": []}
    for s in at:
        logs = [math.log(c[s]) for c in curves if s < len(c) and c[s] > 0 and math.isfinite(c[s])]
        out["mean_log"].append(round(statistics.fmean(logs), 5) if logs else None)
        out["std_log"].append(round(statistics.stdev(logs), 5) if len(logs) > 1 else None)
        out["n"].append(len(logs))
    return out


# ---------------------------------------------------------------- raw curves (the build's every run, compact)


def save_raw(path: Path, dataset: str, sweeps: dict[str, list[dict]], runs: dict[str, list[dict]],
             wall: float) -> None:  # fmt: skip
    """Every run's result, its per-step curves as float32 arrays (the losses are float32 on any device), in one
    compressed .npz; `load_raw_results` gives the result dicts back."""
    import json

    import numpy as np

    arrays, index = {}, []
    for part, named in (("sweeps", sweeps), ("runs", runs)):
        for name, results in named.items():
            for r in results:
                i = len(index)
                arrays[f"loss{i}"] = np.asarray(r["train_loss"], dtype=np.float32)
                if r["config"]["task"] == "range-test":
                    arrays[f"lr{i}"] = np.asarray(r["lr"], dtype=np.float64)
                rest = {k: v for k, v in r.items() if k not in ("train_loss", "train_loss_smoothed", "lr")}
                index.append({"part": part, "name": name, **rest})
    arrays["index"] = np.frombuffer(json.dumps({"dataset": dataset, "wall": wall, "runs": index}).encode(), np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)


def load_raw_results(path: Path) -> tuple[str, dict[str, list[dict]], dict[str, list[dict]], float]:
    """(dataset, sweeps, runs, wall time) as `build` had them, from a `save_raw` file."""
    import json

    import numpy as np

    from reference.loop import smooth
    from reference.schedules import lr_table

    z = np.load(path)
    head = json.loads(z["index"].tobytes())
    parts: dict[str, dict[str, list[dict]]] = {"sweeps": {}, "runs": {}}
    for i, r in enumerate(head["runs"]):
        cfg = RunConfig(**r["config"])
        loss = z[f"loss{i}"].tolist()
        lr = z[f"lr{i}"].tolist() if f"lr{i}" in z else lr_table(cfg, r["epochs"][0]["step"] if r["epochs"] else
                                                                  len(loss))[: len(loss)]  # fmt: skip
        result = {**{k: v for k, v in r.items() if k not in ("part", "name")}, "train_loss": loss, "lr": lr,
                  "train_loss_smoothed": smooth(loss, cfg.smoothing)}  # fmt: skip
        parts[r["part"]].setdefault(r["name"], []).append(result)
    return head["dataset"], parts["sweeps"], parts["runs"], head["wall"]


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


QUICK_SWEEP_STEPS = 2000  # `verify --quick` reruns one sweep of a protocol whose sweeps are this long


def verify(dataset: str, quick: bool, device: str = "auto", progress: bool = False, data_root: str | None = None,
           ) -> list[Row]:  # fmt: skip
    """Rerun a committed baseline (quick: seed 0, a prefix of each run, every sweep — only the first where sweeps are
    QUICK_SWEEP_STEPS or longer) and compare within tolerance."""
    import json

    from reference.data import load_data
    from reference.loop import pick_device, run
    from reference.tolerances import decades

    base = json.loads((BASELINES / f"{dataset}.json").read_text())
    dev = pick_device(device)
    cache: dict[str, object] = {}

    def data(cfg: RunConfig):  # raises DataUnavailable: the caller reports it
        if cfg.preprocess not in cache:
            cache[cfg.preprocess] = load_data(cfg.dataset, dev, data_root, preprocess=cfg.preprocess)
        return cache[cfg.preprocess]

    seeds = base["meta"]["seeds"][:1] if quick else base["meta"]["seeds"]
    rule, rows = base["default_rule"], []
    for i, (opt, rt) in enumerate(base["range_tests"].items()):
        if quick and i and len(rt["curve"]["lr"]) >= QUICK_SWEEP_STEPS:
            continue  # quick: one long sweep stands for the rest (4,690 steps each; the full verify reruns them)
        for s in seeds:
            cfg = RunConfig(**{**rt["config"], "seed": s})
            res = run(cfg, data=data(cfg), device=dev, progress=progress)
            pick = res["suggestions"][rule]
            tol = lr_tolerance(rt["spread_decades"][rule])
            dist = decades(pick, rt["suggested_lr"])
            rows.append(Row(f"range test {opt} seed {s}", f"{rule} LR", rt["suggested_lr"], pick, tol, dist <= tol,
                            f"{dist:.2f} decades"))  # fmt: skip
    for name, entry in {**base["runs"], **base.get("grid", {})}.items():
        until = base["protocol"]["quick_epochs"] if quick else None
        for s in seeds:
            cfg = RunConfig(**{**entry["config"], "seed": s})
            res = run(cfg, data=data(cfg), device=dev, until_epoch=until, progress=progress)
            epoch = len(res["epochs"])
            for m in METRICS:
                ref = entry["epochs"][epoch - 1][m]
                ok, tol, z = check_metric(m, res["epochs"][-1][m], ref["mean"], ref["std"], len(data(cfg).test))
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
    b.add_argument("--seeds", type=int, help="seeds 0…N−1 (default: the protocol's, 20)")
    b.add_argument(
        "--engine",
        default="sequential",
        choices=["sequential", "batched"],
        help="batched: a protocol's runs of one length trained together (for GPUs)",
    )
    b.add_argument("--raw", type=Path, help="also save every run's curves here (.npz), for --from-raw")
    b.add_argument("--grid", action="store_true", help="also constant-LR runs at quarter-decade LRs around the picks")
    b.add_argument("--from-raw", type=Path, help="no runs: summarise a --raw file of an earlier build")
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

    if a.from_raw:
        dataset, sweeps, runs, wall = load_raw_results(a.from_raw)
        engine = next(iter(runs.values()))[0]["meta"].get("engine", "sequential")
        result = summarise(dataset, sweeps, runs, wall, engine)
    else:
        if a.grid:
            PROTOCOLS[a.dataset] = replace(PROTOCOLS[a.dataset], grid=GRID)
        result = build(a.dataset, a.device, progress=sys.stderr.isatty() and not a.quiet, jobs=a.jobs,
                       data_root=a.data_root, seeds=tuple(range(a.seeds)) if a.seeds else None, engine=a.engine,
                       raw=a.raw)  # fmt: skip
        result["command"] = "reference " + shlex.join(sys.argv[1:])
    suffix = "" if result["meta"]["device"] == "cpu" or a.out else f"-{result['meta']['device']}"
    out = a.out or BASELINES / f"{result['dataset']}{suffix}.json"
    write_json_atomic(result, out)
    print(f"wrote {out} ({result['meta']['total_wall_time_s']:.0f} s of runs)")
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
