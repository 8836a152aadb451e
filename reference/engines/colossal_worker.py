"""One rank of a `colossalai` engine run, started by `reference.engines.colossal.run_colossalai` under torchrun.

`python -m reference.engines.colossal_worker DIR`: reads `DIR/job.json`; rank 0 writes `DIR/result.json` (the dict
`reference.loop.run` returns) and, when asked, `DIR/progress`; a rank that fails writes `DIR/error.<rank>.json`
(exception type and one line) and exits 1, and torchrun then stops the others. The training follows
`reference.loop.run` step for step; only the batch is split over the ranks (see `reference.engines.colossal`).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import warnings
from pathlib import Path

import torch

from reference.config import RunConfig
from reference.data import load_data
from reference.engines.colossal import INSTALL_HINT, EngineUnavailable
from reference.loop import StepPlan, drive, evaluate, make_deterministic, result_of
from reference.models import init_model
from reference.optim import build_optimizer, build_schedule
from reference.outputs import write_json_atomic


def main(argv: list[str] | None = None) -> int:
    tmp = Path((argv if argv is not None else sys.argv[1:])[0])
    rank = int(os.environ.get("RANK", "0"))
    warnings.filterwarnings("ignore")  # ColossalAI's import warnings (apex, tensornvme, ...): not the user's problem
    logging.disable(logging.WARNING)
    try:
        result = train(json.loads((tmp / "job.json").read_text()), tmp, rank)
        if result is not None:
            _write(tmp / "result.json", result)
        return 0
    except Exception as err:
        msg = str(err).strip().splitlines()[0] if str(err).strip() else ""
        _write(tmp / f"error.{rank}.json", {"rank": rank, "type": type(err).__name__, "message": msg})
        return 1
    finally:
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()


def _write(path: Path, obj: object) -> None:
    write_json_atomic(obj, path)


def _colossalai():
    """Import ColossalAI quietly, or say how to install it."""
    try:
        import colossalai
        from colossalai.booster import Booster
        from colossalai.booster.plugin import LowLevelZeroPlugin, TorchDDPPlugin
    except ImportError as err:
        raise EngineUnavailable(f"{INSTALL_HINT} (import failed: {err})") from None
    return colossalai, Booster, TorchDDPPlugin, LowLevelZeroPlugin


def train(job: dict, tmp: Path, rank: int) -> dict | None:
    """Train as `reference.loop.run` does, batch split over the ranks; the result dict on rank 0, else None."""
    import torch.distributed as dist

    started = time.perf_counter()
    colossalai, Booster, TorchDDPPlugin, LowLevelZeroPlugin = _colossalai()
    from colossalai.accelerator import set_accelerator

    cfg = RunConfig(**job["config"])
    device = torch.device(job["device"])
    if device.type == "cuda":
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(device)
    set_accelerator("cuda" if device.type == "cuda" else "cpu")  # launch() picks the backend from this
    colossalai.launch_from_torch(backend="nccl" if device.type == "cuda" else "gloo", seed=cfg.seed, verbose=False)
    make_deterministic(device)

    if job["download"] and rank != 0:
        dist.barrier()  # rank 0 downloads first
    data = load_data(cfg.dataset, device, job["data_root"], job["download"] and rank == 0, cfg.preprocess)
    if job["download"] and rank == 0:
        dist.barrier()

    model = init_model(cfg, data.channels).to(device, memory_format=torch.channels_last)  # same on every rank
    opt = build_optimizer(cfg, model.parameters())
    plan = StepPlan.of(cfg, len(data.train), job["until_epoch"])
    sched = build_schedule(opt, cfg, plan.per_epoch)
    plugin_name, precision = job["plugin"], job["precision"]
    if plugin_name == "low_level_zero":
        plugin, mixed = LowLevelZeroPlugin(stage=2, precision=precision), None
    else:
        plugin, mixed = TorchDDPPlugin(), (None if precision == "fp32" else precision)
    booster = Booster(plugin=plugin, mixed_precision=mixed)
    boosted, bopt, *_ = booster.boost(model, opt)
    ranked = _Ranked(cfg, data, booster, boosted, bopt, opt, sched, rank)

    # the job's deadline (set when it was launched) as the loop's time limit, counted from the job's start
    limit, deadline = job["time_limit"], job["deadline"]
    since = time.perf_counter() - (time.time() - (deadline - limit)) if deadline is not None else None
    total = plan.stop
    progress = (lambda step: _write_progress(tmp, step, total)) if rank == 0 and job["progress"] else None
    (track,) = drive([cfg], plan, ranked, device, time_limit=limit, started=since, on_step=progress)
    if rank != 0:
        return None
    steps = len(ranked.lrs)
    passes = {"forward": steps, "backward": steps, "auto_forward": 0}  # global batches
    result = result_of(cfg, device, data, ranked.lrs, track, started, False, passes)
    dtype = {"fp32": "float32", "fp16": "float16", "bf16": "bfloat16"}[precision]
    result["meta"].update(engine="colossalai", plugin=plugin_name, precision=precision, dtype=dtype,
                          world_size=ranked.world, backend=dist.get_backend(),
                          colossalai_version=colossalai.__version__, batch_semantics="global")  # fmt: skip
    return result


class _Ranked:
    """The colossalai engine's step on one rank: its slice of every global batch, through the Booster."""

    def __init__(self, cfg, data, booster, boosted, bopt, opt, sched, rank: int) -> None:
        import torch.distributed as dist

        self.cfg, self.data, self.booster, self.boosted, self.bopt = cfg, data, booster, boosted, bopt
        self.opt, self.sched, self.rank, self.world = opt, sched, rank, dist.get_world_size()
        order = torch.Generator().manual_seed(cfg.seed)  # data order: the same permutation on every rank
        self.stream = data.train.index_stream(cfg.batch_size, order)
        inner = boosted.unwrap()
        self.evaluated = _EvalView(inner, next(inner.parameters()).dtype)  # rank 0 evaluates the plain module
        self.lrs: list[float] = []

    def step(self, step: int) -> torch.Tensor:
        import torch.nn.functional as F

        idx = next(self.stream)
        x, y = self.data.train.x[idx], self.data.train.y[idx]
        xs, ys = x.tensor_split(self.world)[self.rank], y.tensor_split(self.world)[self.rank]
        # Σ over ranks of (slice sum × world / B), averaged by DDP → the global batch mean, as in loop.run.
        loss = F.cross_entropy(self.boosted(xs).float(), ys, reduction="sum") * (self.world / len(y))
        self.bopt.zero_grad(set_to_none=True)
        self.booster.backward(loss, self.bopt)
        self.lrs.append(self.opt.param_groups[0]["lr"])
        self.bopt.step()
        if self.cfg.schedule.cadence == "step":
            self.sched.step()
        return loss.detach().float().view(1)  # this rank's share of the batch-mean loss

    def losses(self, pending: torch.Tensor) -> torch.Tensor:
        import torch.distributed as dist

        shares = pending.clone()
        dist.all_reduce(shares)  # every rank gets the same losses, so all stop at the same step
        return shares / self.world

    def evaluate(self) -> list[tuple[float, float]] | None:
        return [evaluate(self.evaluated, self.data.test)] if self.rank == 0 else None

    def keep(self, rows: list[int]) -> None:
        pass  # one row: when it leaves, the loop ends on every rank

    def end_epoch(self) -> None:
        if self.cfg.schedule.cadence == "epoch":
            self.sched.step()


def _write_progress(tmp: Path, step: int, total: int) -> None:
    part = tmp / "progress.tmp"
    part.write_text(f"{step} {total}")
    os.replace(part, tmp / "progress")


class _EvalView(torch.nn.Module):
    """The trained module for `loop.evaluate`: inputs cast to its parameters' dtype, logits back to fp32."""

    def __init__(self, inner: torch.nn.Module, dtype: torch.dtype) -> None:
        super().__init__()
        self.inner, self.dtype = inner, dtype

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner(x.to(self.dtype)).float()


if __name__ == "__main__":
    sys.exit(main())
