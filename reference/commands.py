"""What each `reference` command does once parsed (reference/cli.py parses, without torch): run a range test or a
training run, build or verify the committed baselines, compare the schedulers."""

from __future__ import annotations

import argparse
import shlex
import sys
from dataclasses import asdict, replace
from pathlib import Path

import torch
from tabulate import tabulate

from reference import baselines, compare
from reference.config import RunConfig
from reference.datasets import DataUnavailable
from reference.engines import run_many
from reference.outputs import number, write_json_atomic, write_run
from reference.protocols import BASELINES, COMPARE_QUICK, COMPARISONS, GRID, PROTOCOLS, CompareProtocol
from reference.rules import lowest_at_edge


def run_configs(args: argparse.Namespace) -> int:
    """`reference range-test` / `reference train`: the configs the CLI built (`args.configs`), run by the chosen
    engine."""
    cfgs: list[RunConfig] = args.configs
    progress = sys.stderr.isatty() and not args.quiet
    torch.set_num_threads(args.threads)
    kw = dict(engine=args.engine, device=args.device, data_root=args.data_root, download=args.download,
              progress=progress, compile=args.compile, nproc=args.nproc)  # fmt: skip
    results = run_many(cfgs, **kw)  # with --engine batched, a range test's K seeds train together
    kind = "train" if args.command == "train" else "range_test"
    for cfg, result in zip(cfgs, results, strict=True):
        out = args.out if len(cfgs) == 1 else args.out / f"seed_{cfg.seed}"
        _summarise(result, write_run(result, out, kind))
    if len(results) > 1:
        print(baselines.spread_table(results))
    return 0


def _summarise(result: dict, path: Path) -> None:
    rows = [[k, f"[{', '.join(map(number, v))}]" if isinstance(v, list) else number(v)]
            for k, v in result.get("suggestions", {}).items()]  # fmt: skip
    if result["final"]:
        f = result["final"]
        rows += [["final test accuracy", f"{f['test_accuracy']:.4g}"], ["final test loss", f"{f['test_loss']:.4g}"]]
    if result["diverged"]:
        rows.append(["diverged", result["diverged"]["reason"]])
    if result["config"]["task"] == "range-test" and (low := lowest_at_edge(result)) is not None:
        rows.append(["caution", f"the lowest loss is the sweep's edge (step {low + 1} of {len(result['lr'])}): no "
                     "minimum inside it, so min, min/10 and range pick the edge; sweep further or longer"])  # fmt: skip
    rows.append(["wall time", f"{result['meta']['wall_time_s']:.1f} s on {result['meta']['device']}"])
    print(tabulate(rows, tablefmt="simple"))
    print(f"wrote {path} (+ CSV, TensorBoard events, PNG)")


def build_baselines(a: argparse.Namespace) -> int:
    """`reference baselines`: run the protocol on every seed (or summarise a --raw file) and write its JSON."""
    if a.from_raw:
        dataset, sweeps, runs, wall = baselines.load_raw_results(a.from_raw)
        engine = next(iter(runs.values()))[0]["meta"].get("engine", "sequential")
        result = baselines.summarise(dataset, sweeps, runs, wall, engine)
    else:
        if a.grid:
            PROTOCOLS[a.dataset] = replace(PROTOCOLS[a.dataset], grid=GRID)
        result = baselines.build(a.dataset, a.device, progress=sys.stderr.isatty() and not a.quiet, jobs=a.jobs,
                       data_root=a.data_root, seeds=tuple(range(a.seeds)) if a.seeds else None, engine=a.engine,
                       raw=a.raw)  # fmt: skip
        result["command"] = "reference " + shlex.join(sys.argv[1:])
    suffix = "" if result["meta"]["device"] == "cpu" or a.out else f"-{result['meta']['device']}"
    out = a.out or BASELINES / f"{result['dataset']}{suffix}.json"
    write_json_atomic(result, out)
    print(f"wrote {out} ({result['meta']['total_wall_time_s']:.0f} s of runs)")
    return 0


def verify_baselines(a: argparse.Namespace) -> int:
    """`reference verify`: rerun the committed baselines; 1 if any result is out of tolerance."""
    datasets = a.dataset or [d for d in PROTOCOLS if (BASELINES / f"{d}.json").exists()]
    failed = 0
    for d in datasets:
        try:
            rows = baselines.verify(
                d, a.quick, a.device, progress=sys.stderr.isatty() and not a.quiet, data_root=a.data_root
            )
        except DataUnavailable as err:
            print(f"SKIPPED {d}: {err}")
            continue
        table = [[r.what, r.metric, f"{r.expected:.4g}", f"{r.observed:.4g}", f"±{r.tolerance:.3g}", r.note,
                  "ok" if r.ok else "FAIL"] for r in rows]  # fmt: skip
        print(f"\n{d} ({'quick' if a.quick else 'full'})")
        print(tabulate(table, headers=["run", "metric", "baseline", "rerun", "tolerance", "distance", "verdict"]))
        failed += sum(not r.ok for r in rows)
    print(f"\nverify: {'FAILED, ' + str(failed) + ' result(s) out of tolerance' if failed else 'all within tolerance'}")
    return 1 if failed else 0


def compare_schedulers(a: argparse.Namespace) -> int:
    """`reference compare-schedulers`: tuned baselines vs the auto schedulers; writes JSON, Markdown, a plot."""
    p = COMPARISONS[a.dataset]
    if a.quick:
        p = CompareProtocol(**{**asdict(p), **COMPARE_QUICK, "note": "quick (CI) run"})
    out = a.out_dir or (Path("runs") if a.quick else BASELINES)
    res = compare.build(p, a.device)
    args = ["compare-schedulers", "--dataset", a.dataset] + ["--quick"] * a.quick
    args += ["--device", a.device] * (a.device != "auto") + ["--out-dir", str(a.out_dir)] * bool(a.out_dir)
    res["command"] = "reference " + shlex.join(args)
    write_json_atomic(res, out / f"compare-{a.dataset}.json")
    (out / f"compare-{a.dataset}.md").write_text(compare.markdown(res))
    compare.plot_eta(res, out / f"compare-{a.dataset}-eta.png")
    print(compare.table(res))
    print(f"wrote {out}/compare-{a.dataset}.{{json,md}} and -eta.png in {res['meta']['total_wall_time_s']:.0f} s")
    return 0


COMMANDS = {
    "range-test": run_configs,
    "train": run_configs,
    "baselines": build_baselines,
    "verify": verify_baselines,
    "compare-schedulers": compare_schedulers,
}
