"""The assignment's reference protocol → committed baselines (mean ± std over seeds), and `verify` against them."""

from __future__ import annotations

import json
import math
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from tabulate import tabulate

from reference.config import RunConfig
from reference.data import load_data
from reference.datasets import steps_per_epoch
from reference.engines import run_many
from reference.loop import pick_device, run
from reference.optim import lr_table
from reference.protocols import BASELINES, METRICS, PROTOCOLS, protocol_configs
from reference.rules import DEFAULT_RULE, RULES, smooth, spread_decades
from reference.tolerances import check_metric, decades, lr_tolerance


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
    todo = [(name, cfg.model_copy(update={"seed": s})) for name, cfg in cfgs.items() for s in seeds]
    # one optimizer per batched group: mixed groups update their rows through indexed writes, which torch's
    # deterministic mode makes slow on CUDA
    if jobs > 1:
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
        threads = torch.get_num_threads()
        if device.type == "cpu":  # one thread, as each of --jobs N's processes and each grader rerun: a CPU run's
            torch.set_num_threads(1)  # float sums, so its curves, depend on the thread count (2 threads: course
            # sweeps parted from the committed 1-thread ones by step 41)
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
        torch.set_num_threads(threads)
    results: dict[str, list[dict]] = {name: [] for name in cfgs}
    for (name, _), result in zip(todo, done, strict=True):
        results[name].append(result)
    return results


def _run_one(cfg: dict, device: str, data_root: str | None) -> dict:

    torch.set_num_threads(1)
    return run(RunConfig(**cfg), device=device, data_root=data_root)


def build(dataset: str, device: str = "auto", progress: bool = False, log=print, jobs: int = 1,
          data_root: str | None = None, seeds: tuple[int, ...] | None = None, engine: str = "sequential",
          raw: Path | None = None) -> dict:  # fmt: skip
    """Run the protocol for `dataset` on every seed (on `jobs` processes, or batched) and summarise it; `raw`:
    also save every run's curves (`save_raw`), from which `summarise` rebuilds the same file."""
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
