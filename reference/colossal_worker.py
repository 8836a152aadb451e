"""One rank of a `colossalai` engine run, started by `reference.colossal.run_colossalai` under torchrun.

`python -m reference.colossal_worker DIR`: reads `DIR/job.json`; rank 0 writes `DIR/result.json` (the dict
`reference.loop.run` returns) and, when asked, `DIR/progress`; a rank that fails writes `DIR/error.<rank>.json`
(exception type and one line) and exits 1, and torchrun then stops the others. The training follows
`reference.loop.run` step for step; only the batch is split over the ranks (see `reference.colossal`).
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
    from reference.outputs import write_json_atomic

    write_json_atomic(obj, path)


def _colossalai():
    """Import ColossalAI quietly, or say how to install it."""
    try:
        import colossalai
        from colossalai.booster import Booster
        from colossalai.booster.plugin import LowLevelZeroPlugin, TorchDDPPlugin
    except ImportError as err:
        from reference.colossal import INSTALL_HINT, EngineUnavailable

        raise EngineUnavailable(f"{INSTALL_HINT} (import failed: {err})") from None
    return colossalai, Booster, TorchDDPPlugin, LowLevelZeroPlugin


def train(job: dict, tmp: Path, rank: int) -> dict | None:
    """Train as `reference.loop.run` does, batch split over the ranks; the result dict on rank 0, else None."""
    import torch.distributed as dist
    import torch.nn.functional as F

    from reference.config import RunConfig
    from reference.data import load_data
    from reference.loop import (
        StepPlan,
        TimeLimitExceeded,
        _divergence,
        _eval_point,
        _result,
        evaluate,
        make_deterministic,
        smooth,
    )
    from reference.models import init_model
    from reference.schedules import build_optimizer, build_schedule

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
    world = dist.get_world_size()
    make_deterministic(device)

    if job["download"] and rank != 0:
        dist.barrier()  # rank 0 downloads first
    data = load_data(cfg.dataset, device, job["data_root"], job["download"] and rank == 0, cfg.preprocess)
    if job["download"] and rank == 0:
        dist.barrier()

    model = init_model(cfg, data.channels).to(device, memory_format=torch.channels_last)  # same on every rank
    order = torch.Generator().manual_seed(cfg.seed)  # data order: the same permutation on every rank
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
    inner = boosted.unwrap()
    evaluated = _EvalView(inner, next(inner.parameters()).dtype)  # rank 0 evaluates the plain module

    deadline = job["deadline"]

    lrs, losses, evals, diverged = [], [], [], None
    pending = torch.empty(plan.eval_every, device=device)  # this rank's share of each step's batch-mean loss
    stream = data.train.index_stream(cfg.batch_size, order)
    step = 0
    for epoch in range(1, plan.last_epoch + 1):
        for _ in range(plan.steps_in(epoch)):
            idx = next(stream)
            x, y = data.train.x[idx], data.train.y[idx]
            if deadline is not None and time.time() > deadline:
                raise TimeLimitExceeded(f"run stopped after {job['time_limit']:g} s (step {step} of {plan.total})")
            xs, ys = x.tensor_split(world)[rank], y.tensor_split(world)[rank]
            # Σ over ranks of (slice sum × world / B), averaged by DDP → the global batch mean, as in loop.run.
            loss = F.cross_entropy(boosted(xs).float(), ys, reduction="sum") * (world / len(y))
            bopt.zero_grad(set_to_none=True)
            booster.backward(loss, bopt)
            lrs.append(opt.param_groups[0]["lr"])
            bopt.step()
            if cfg.schedule.cadence == "step":
                sched.step()
            pending[step % plan.eval_every] = loss.detach().float()
            step += 1
            if plan.evaluates_after(step):
                shares = pending[plan.unread(len(losses), step)].clone()
                dist.all_reduce(shares)  # every rank gets the same losses, so all stop at the same step
                losses += (shares / world).tolist()
                diverged = _divergence(losses, smooth(losses, cfg.smoothing), cfg.diverge_factor)
                if diverged:
                    break
                if rank == 0:
                    evals.append(_eval_point(*evaluate(evaluated, data.test), step, epoch, losses, plan.eval_every))
            if rank == 0 and job["progress"]:
                _write_progress(tmp, step, plan.last_epoch * plan.per_epoch)
        if diverged:
            break
        if cfg.schedule.cadence == "epoch":
            sched.step()
        if rank == 0:
            evals[-1]["epoch_end"] = True
    if rank != 0:
        return None
    passes = {"forward": step, "backward": step, "auto_forward": 0}  # global batches
    result = _result(cfg, device, data, lrs, losses, evals, diverged, started, False, passes)
    dtype = {"fp32": "float32", "fp16": "float16", "bf16": "bfloat16"}[precision]
    result["meta"].update(engine="colossalai", plugin=plugin_name, precision=precision, dtype=dtype,
                          world_size=world, backend=dist.get_backend(), colossalai_version=colossalai.__version__,
                          batch_semantics="global")  # fmt: skip
    return result


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
