"""How often the logs check flags an edited last epoch of a run at a student's own LR — a config no committed seeds
measure — and how often it flags an honest one (issue 21).

Honest logs: every committed config's seeds (each seed's epochs as a log, each other seed as the grader's rerun), and
runs at LRs students pick themselves (their own `min/10`, `valley`, a CyclicLR or OneCycle peak of their own, a
milestone at the last epochs), seeds 0..N−1, each seed the log of every other's rerun. Both are judged as a log of a
config without committed seeds is (`grader.evidence._test_part` with the borrowed per-epoch σ of the committed
configs of the dataset, `noise`): the last epoch's level and change against the rerun's, and the last accuracy change
against the run's own epochs (`_own_change`). Edited logs: the same logs with the last test accuracy raised by 2 and
by 1 percentage points.

    python benchmarks/own_change.py --seeds 9 --jobs 2          # ~15 min on 2 cores from a cold store, then seconds
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import pickle
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
from tabulate import tabulate  # noqa: E402

from grader.context import kin, load_baselines  # noqa: E402
from grader.evidence import OWN_K, Band, _own_change, borrowed, compare  # noqa: E402
from grader.grade import DEFAULT_CACHE  # noqa: E402
from grader.schema import Tolerances  # noqa: E402
from reference.config import RunConfig  # noqa: E402
from reference.datasets import DATASETS  # noqa: E402
from reference.loop import run  # noqa: E402
from reference.outputs import Logs  # noqa: E402
from reference.tolerances import wilson_text  # noqa: E402

# Runs at LRs of students' own: none is a committed config (mnist-5k's are SGD 0.0506 and Adam 0.0011).
OWN = {
    "sgd 0.107 constant (min/10)": dict(optimizer="sgd", lr=0.107),
    "sgd 0.2 constant": dict(optimizer="sgd", lr=0.2),
    "sgd 0.0131 constant (valley)": dict(optimizer="sgd", lr=0.0131),
    "adam 0.003 constant": dict(optimizer="adam", lr=0.003),
    "adam 0.006 constant": dict(optimizer="adam", lr=0.006),
    "sgd cyclic 0.0107-0.107, up 160": dict(optimizer="sgd", lr=0.0107, schedule=dict(
        name="cyclic", base_lr=0.0107, max_lr=0.107, step_size_up=160)),
    "sgd cyclic 0.0107-0.107, up 320": dict(optimizer="sgd", lr=0.0107, schedule=dict(
        name="cyclic", base_lr=0.0107, max_lr=0.107, step_size_up=320)),
    "adam onecycle 0.004": dict(optimizer="adam", lr=0.004, schedule=dict(name="onecycle", max_lr=0.004)),
    "sgd 0.107 StepLR(5, 0.5)": dict(optimizer="sgd", lr=0.107, schedule=dict(name="step", step_size=5, gamma=0.5)),
    "sgd 0.107 MultiStepLR([29])": dict(optimizer="sgd", lr=0.107, schedule=dict(
        name="multistep", milestones=[29], gamma=0.1)),
    "adam 0.003 MultiStepLR([28])": dict(optimizer="adam", lr=0.003, schedule=dict(
        name="multistep", milestones=[28], gamma=0.1)),
}  # fmt: skip
# (last accuracy raised by, test metrics logged every n-th epoch: SummaryWriter under `if epoch % 5 == 0`, and
# whether the test loss is logged: an `epoch,test_accuracy` log has none)
EDITS = {"honest": (0.0, 1), "last accuracy +2pp": (0.02, 1), "last accuracy +1pp": (0.01, 1),
         "honest, every 5th epoch": (0.0, 5), "+2pp, every 5th epoch": (0.02, 5),
         "honest, accuracy only": (0.0, 1, False), "+2pp, accuracy only": (0.02, 1, False)}  # fmt: skip


def committed(dataset: str) -> dict[str, tuple[RunConfig, list[tuple[list[float], list[float]]]]]:
    """Each committed config of `dataset` with ≥ 2 seeds: its config and its seeds' (test accuracy, test loss) per
    epoch, named by its protocol's input pipeline (the course template's `resize`, or `pad-normalize`)."""
    out = {}
    for b in load_baselines(dataset):
        for name, entry in (b.get("runs") or {}).items():
            per = entry.get("epochs") or []
            n = len(per[0]["test_accuracy"]["values"]) if per else 0
            if n >= 2:
                cfg = RunConfig(**entry["config"])
                out[f"committed {cfg.preprocess} {name}"] = (
                    cfg,
                    [
                        ([e["test_accuracy"]["values"][s] for e in per], [e["test_loss"]["values"][s] for e in per])
                        for s in range(n)
                    ],
                )
    return out


def _run(cfg: RunConfig) -> dict:
    torch.set_num_threads(1)
    r = run(cfg, device="cpu")
    return {"epochs": r["epochs"], "lr": r["lr"], "train_loss": r["train_loss"]}


def stored(table: dict[str, dict], dataset: str, seeds: int, epochs: int, jobs: int, store: Path,
           run_one=_run) -> dict[str, tuple[RunConfig, list[dict]]]:  # fmt: skip
    """Each config of `table` (name → RunConfig fields), seeds 0..seeds−1, as `run_one` returns it, from `store` (a
    pickle of config JSON → run) or run now, `jobs` processes of one torch thread."""
    done = pickle.loads(store.read_bytes()) if store.exists() else {}
    cfgs = [RunConfig(dataset=dataset, epochs=epochs, seed=s, **kw) for kw in table.values() for s in range(seeds)]
    todo = [c for c in cfgs if c.model_dump_json() not in done]
    if todo:
        t = time.time()
        with multiprocessing.get_context("spawn").Pool(jobs) as pool:
            for c, r in zip(todo, pool.imap(run_one, todo), strict=True):
                done[c.model_dump_json()] = r
                store.parent.mkdir(parents=True, exist_ok=True)
                store.write_bytes(pickle.dumps(done))
        print(f"({len(todo)} runs in {time.time() - t:.0f} s)")
    out = {}
    for name, kw in table.items():
        cfg = RunConfig(dataset=dataset, epochs=epochs, **kw)
        out[name] = cfg, [done[cfg.model_copy(update={"seed": s}).model_dump_json()] for s in range(seeds)]
    return out


def own(dataset: str, seeds: int, epochs: int, jobs: int, store: Path) -> dict[str, tuple[RunConfig, list[dict]]]:
    """The runs of OWN (their per-epoch test metrics, per-step LR and train loss): `stored`."""
    return stored(OWN, dataset, seeds, epochs, jobs, store)


def as_log(run: dict, edit: float, every: int = 1, loss: bool = True) -> Logs:
    """A run as its student's log: a CSV of every step's LR and train loss and the test metrics of every `every`-th
    epoch (an evaluation log where the run holds epochs only), its last test accuracy raised by `edit`."""
    kept = [e for e in run["epochs"] if e["epoch"] % every == 0]
    acc = [e["test_accuracy"] for e in kept]
    return Logs("log.csv", step=list(range(len(run.get("lr", [])))), lr=list(run.get("lr", [])),
                train_loss=list(run.get("train_loss", [])), epoch=[e["epoch"] for e in kept],
                test_accuracy=[*acc[:-1], min(1.0, acc[-1] + edit)],
                test_loss=[e["test_loss"] if loss else math.nan for e in kept])  # fmt: skip


def judged(log: dict, rerun: dict, edit: tuple, n_test: int, band: Band | None, borrowed: dict,
           k: float) -> str | None:  # fmt: skip
    """What the logs check finds in `log` against `rerun` as in a grade of a config without committed seeds
    (`grader.evidence.compare`): None, or the part that parts."""
    return flagged(compare(as_log(log, *edit), {"lr": [], **rerun}, n_test, band, borrowed, k))


def flagged(cmp) -> str | None:
    """The part of a log a comparison flags (None: none): its LR table, a non-finite or parting train loss, a test
    metric's level or change against the rerun ("test accuracy", …), or the run's own epochs."""
    if cmp.lr is not None:
        return "LR"
    if cmp.nonfinite is not None:
        return "not finite"
    if cmp.loss is not None:
        return "train loss"
    if cmp.test is None:
        return None
    return "own epochs" if " of epochs " in cmp.test.versus else cmp.test.what.split(" from")[0]


def own_distance(log: dict, rerun: dict, n_test: int) -> float | None:
    """How far an honest log's last accuracy change lies from the line of the run's own epochs, as a fraction of
    what `_own_change` allows (None where it does not test)."""
    logs, tiny = as_log(log, 0.0), 1e-12
    ours = {e["epoch"]: e for e in rerun["epochs"]}
    part = _own_change(logs, ours, (len(logs.epoch) - 1, logs.epoch[-1]), n_test, tiny)
    return None if part is None else abs(part.logged - part.rerun) / (part.allowed / tiny) / OWN_K


def committed_runs(seeds: list[tuple[list, list]]) -> list[dict]:
    """Committed seeds' (accuracy, loss) per epoch as runs of their epochs alone."""
    return [{"epochs": [{"epoch": e + 1, "test_accuracy": a, "test_loss": lo} for e, (a, lo) in
                        enumerate(zip(acc, loss, strict=True))]} for acc, loss in seeds]  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", default="mnist-5k")
    p.add_argument("--seeds", type=int, default=9, help="seeds of each own-LR config (each pair is a log and a rerun)")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--cache", type=Path, default=DEFAULT_CACHE / "own_change")
    a = p.parse_args()
    n_test = DATASETS[a.dataset].test_size
    configs = {**committed(a.dataset), **own(a.dataset, a.seeds, a.epochs, a.jobs, a.cache / "runs.pkl")}
    baselines, k = load_baselines(a.dataset), Tolerances().k_logs
    print(f"own-LR logs check: {a.dataset}, {n_test} test images; each seed's log against each other seed's rerun, "
          f"judged as a config without committed seeds (the per-epoch σ borrowed from the committed runs of its input "
          f"pipeline, grader.evidence.noise; k = {k:g}, own epochs k = {OWN_K:g})\n")  # fmt: skip
    rows, totals, by_what, distances = [], {e: [0, 0, 0] for e in EDITS}, {}, []
    for name, (cfg, seeds) in configs.items():
        if len(seeds) < 2 or len(seeds[0][0] if isinstance(seeds[0], tuple) else seeds[0]["epochs"]) < 10:
            continue  # too few epochs for a run's second half to say anything (a 5-epoch protocol)
        runs = [e for b in kin(baselines, cfg) for e in (b.get("runs") or {}).values()]
        seeds = committed_runs(seeds) if isinstance(seeds[0], tuple) else seeds
        band, epochs = borrowed(runs, cfg.model_copy(update={"epochs": len(seeds[0]["epochs"])}))
        logs_flagged = {}
        row = [name, len(seeds)]
        for edit, delta in EDITS.items():
            flagged = pairs = 0
            for i, log in enumerate(seeds):
                hits = [judged(log, r, delta, n_test, band, epochs, k) for j, r in enumerate(seeds) if j != i]
                pairs += len(hits)
                flagged += sum(h is not None for h in hits)
                if delta == (0.0, 1):
                    distances += [d for j, r in enumerate(seeds) if j != i and
                                  (d := own_distance(log, r, n_test)) is not None]  # fmt: skip
                for h in hits:
                    if h is not None:
                        by_what.setdefault((edit, h), 0)
                        by_what[(edit, h)] += 1
                logs_flagged[(edit, i)] = any(h is not None for h in hits)
            totals[edit][0] += flagged
            totals[edit][1] += pairs
            totals[edit][2] += sum(v for (e, _), v in logs_flagged.items() if e == edit)
            row.append(f"{flagged}/{pairs}")
        rows.append(row)

    print(tabulate(rows, ["config", "seeds", *[f"{e}: flagged pairs" for e in EDITS]]))
    print()
    for edit, (flagged, pairs, logs) in totals.items():
        print(f"{edit:20s} pairs flagged {wilson_text(flagged, pairs, 1)}; logs flagged against some rerun: {logs}")
    distances.sort()
    if distances:
        q = lambda f: distances[min(len(distances) - 1, int(f * len(distances)))]  # noqa: E731
        print(
            f"\nhonest pairs the run's own epochs test ({len(distances)}): the farthest at {distances[-1]:.2f} of "
            f"the allowance (median {q(0.5):.2f}, 90th percentile {q(0.9):.2f}, 99th {q(0.99):.2f})"
        )
    print("\nwhat flagged them:", ", ".join(f"{e} — {w}: {n}" for (e, w), n in sorted(by_what.items())))


if __name__ == "__main__":
    main()
