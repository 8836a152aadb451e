"""The training loop shared by training runs and LR range tests: config in, curves and metadata out."""

from __future__ import annotations

import math
import os
import platform
import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F

import reference
from reference.auto import controller_for
from reference.config import RunConfig
from reference.data import Data, DeviceData, load_data
from reference.models import init_model
from reference.rules import suggest_all
from reference.schedules import build_optimizer, build_schedule, total_steps


class TimeLimitExceeded(RuntimeError):
    """A run took longer than its wall-time limit."""


def pick_device(device: str = "auto") -> torch.device:
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda asked for, but torch sees no CUDA device")
    return torch.device(device)


def make_deterministic(device: torch.device) -> None:
    """Same seed, same device, same torch → bit-identical curves."""
    if device.type == "cuda":
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cudnn.benchmark = False
    torch.use_deterministic_algorithms(True, warn_only=False)


@torch.inference_mode()
def evaluate(model, split: DeviceData, batch_size: int = 500) -> tuple[float, float]:
    """(mean cross-entropy, accuracy as a fraction) over the whole split; one host sync."""
    model.eval()
    loss_sum = torch.zeros((), device=split.x.device)
    correct = torch.zeros((), device=split.x.device, dtype=torch.long)
    for x, y in split.batches(batch_size):
        logits = model(x)
        loss_sum += F.cross_entropy(logits, y, reduction="sum")
        correct += (logits.argmax(1) == y).sum()
    model.train()
    return loss_sum.item() / len(split), correct.item() / len(split)


def smooth(losses: list[float], beta: float) -> list[float]:
    """Bias-corrected exponential moving average (as in pytorch-lr-finder / fastai)."""
    avg, out = 0.0, []
    for i, loss in enumerate(losses):
        avg = beta * avg + (1 - beta) * loss
        out.append(avg / (1 - beta ** (i + 1)))
    return out


@dataclass(frozen=True)
class StepPlan:
    """How a run's optimizer steps fall into epochs and evaluations; every engine's loop follows it."""

    per_epoch: int  # optimizer steps per epoch: a pass over the data, or `cfg.epoch_steps`
    total: int  # optimizer steps the full run takes
    last_epoch: int  # the epoch this run (or its `until_epoch` prefix) stops after
    eval_every: int  # steps between test evaluations (an epoch's end and the run's end evaluate too)

    @classmethod
    def of(cls, cfg: RunConfig, n_train: int, until_epoch: int | None = None) -> StepPlan:
        per_epoch = cfg.epoch_steps or math.ceil(n_train / cfg.batch_size)
        total = total_steps(cfg, per_epoch)
        n_epochs = math.ceil(total / per_epoch)
        return cls(per_epoch, total, min(n_epochs, until_epoch or n_epochs), cfg.eval_every or per_epoch)

    def steps_in(self, epoch: int) -> int:
        """Optimizer steps taken in `epoch` (1-based): a full epoch, or what is left of the run."""
        return max(0, min(self.per_epoch, self.total - (epoch - 1) * self.per_epoch))

    def evaluates_after(self, step: int) -> bool:
        """After `step` steps taken: the end of an evaluation window, of an epoch, or of the run."""
        return step % self.eval_every == 0 or step % self.per_epoch == 0 or step == self.total

    def unread(self, read: int, step: int) -> slice:
        """Where steps `read`…`step`−1 sit in a ring buffer of `eval_every` per-step losses (slot = step %
        eval_every). An evaluation at every multiple of `eval_every` keeps the span from wrapping."""
        start = read % self.eval_every
        return slice(start, start + step - read)


EXPLODED = 10.0  # any run: smoothed loss above 10× the first step's loss has diverged


def _divergence(raw: list[float], smoothed: list[float], factor: float | None) -> tuple[int, str] | None:
    """First step where the loss is NaN/inf or exploded, or (range tests) the smoothed loss > factor × best."""
    best = math.inf
    for i, (loss, s) in enumerate(zip(raw, smoothed, strict=True)):
        if not math.isfinite(loss):
            return i, f"loss became {loss} at step {i}"
        if s > EXPLODED * raw[0]:
            return i, f"loss exploded: smoothed {s:.3g} > {EXPLODED:g}× the first step's {raw[0]:.3g} at step {i}"
        best = min(best, s)
        if factor is not None and s > factor * best:
            return i, f"smoothed loss {s:.3g} > {factor:g}× best {best:.3g} at step {i}"
    return None


def run(
    cfg: RunConfig,
    *,
    device: str | torch.device = "auto",
    data: Data | None = None,
    data_root: str | None = None,
    download: bool = False,
    until_epoch: int | None = None,
    progress: bool = False,
    compile: bool = False,
    time_limit: float | None = None,
) -> dict:
    """Train (or sweep) as `cfg` says and return the result dict written to `train.json`/`range_test.json`.

    `until_epoch` stops early without changing the schedule, so the result is an exact prefix of the full
    run (the grader's quick mode and `reference verify --quick` compare such prefixes). Divergence is
    recorded in `result["diverged"]`, never raised; going over `time_limit` seconds raises `TimeLimitExceeded`.
    """
    started = time.perf_counter()
    device = pick_device(device) if isinstance(device, str) else device
    make_deterministic(device)
    data = data or load_data(cfg.dataset, device, data_root, download, cfg.preprocess)
    model = init_model(cfg, data.channels).to(device, memory_format=torch.channels_last)
    order = torch.Generator().manual_seed(cfg.seed)  # data order, independent of the init draws
    step_fn = torch.compile(model, dynamic=False) if compile else model
    opt = build_optimizer(cfg, model.parameters())
    plan = StepPlan.of(cfg, len(data.train), until_epoch)
    sched = build_schedule(opt, cfg, plan.per_epoch)
    auto = controller_for(cfg, model)  # schedules "auto*": trial steps set each step's LR

    lrs, losses, evals, diverged = [], [], [], None
    pending = torch.empty(plan.eval_every, device=device)  # losses stay on device until the next evaluation
    bar = _progress(progress, plan.last_epoch * plan.per_epoch, cfg)
    stream = data.train.index_stream(cfg.batch_size, order)
    step = 0
    for epoch in range(1, plan.last_epoch + 1):
        for _ in range(plan.steps_in(epoch)):
            if time_limit is not None and time.perf_counter() - started > time_limit:
                raise TimeLimitExceeded(f"run stopped after {time_limit:g} s (step {step} of {plan.total})")
            idx = next(stream)
            x, y = data.train.x[idx], data.train.y[idx]
            loss = F.cross_entropy(step_fn(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if auto is not None:
                auto.step(opt, x, y)
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            if cfg.schedule.cadence == "step":
                sched.step()
            pending[step % plan.eval_every] = loss.detach()
            step += 1
            if plan.evaluates_after(step):
                losses += pending[plan.unread(len(losses), step)].tolist()
                diverged = _divergence(losses, smooth(losses, cfg.smoothing), cfg.diverge_factor)
                if diverged:
                    break
                evals.append(_eval_point(*evaluate(step_fn, data.test), step, epoch, losses, plan.eval_every))
            bar.update(1)
        if diverged:
            break
        if cfg.schedule.cadence == "epoch":
            sched.step()
        evals[-1]["epoch_end"] = True
    bar.close()
    extra = auto.forward_passes if auto else 0
    passes = {"forward": step + extra, "backward": step, "auto_forward": extra}
    return _result(cfg, device, data, lrs, losses, evals, diverged, started, compile, passes)


def _eval_point(test_loss: float, test_acc: float, step: int, epoch: int, losses: list[float], window: int) -> dict:
    recent = losses[-window:]
    return {"step": step, "epoch": epoch, "train_loss": sum(recent) / len(recent),
            "test_loss": test_loss, "test_accuracy": test_acc, "epoch_end": False}  # fmt: skip


def _progress(enabled: bool, total: int, cfg: RunConfig):
    if not enabled:
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=f"{cfg.task} {cfg.optimizer} {cfg.schedule.name}", unit="step", leave=False)


class _NoBar:
    def update(self, n: int) -> None: ...
    def close(self) -> None: ...


def _result(cfg, device, data, lrs, losses, evals, diverged, started, compiled, passes) -> dict:
    if diverged:  # keep the curve up to (not including) the step that diverged
        lrs, losses = lrs[: diverged[0]], losses[: diverged[0]]
    smoothed = smooth(losses, cfg.smoothing)
    epochs = [e for e in evals if e["epoch_end"]]
    result = {
        "config": cfg.model_dump(mode="json"),
        "lr": lrs,
        "train_loss": losses,
        "train_loss_smoothed": smoothed,
        "evals": evals,
        "epochs": epochs,
        "final": _pick(evals[-1]) if evals else None,
        "best": _pick(max(evals, key=lambda e: e["test_accuracy"])) if evals else None,
        "diverged": {"step": diverged[0], "reason": diverged[1]} if diverged else None,
        "passes": passes,  # training batches through the model: forward (incl. auto trials) and backward
        "meta": meta(cfg, device, data, time.perf_counter() - started, compiled),
    }
    if cfg.task == "range-test":
        result["suggestions"] = {k: s.value for k, s in suggest_all(lrs, smoothed).items()} if len(lrs) > 2 else {}
    return result


def _pick(e: dict) -> dict:
    return {k: e[k] for k in ("step", "epoch", "train_loss", "test_loss", "test_accuracy")}


def meta(cfg: RunConfig, device: torch.device, data: Data, wall: float, compiled: bool) -> dict:
    """What a figure needs to be reproduced: versions, device, seed, determinism, wall time."""
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor() or "cpu"
    return {
        "package_version": reference.__version__,
        "torch_version": torch.__version__,
        "device": device.type,
        "device_name": name,
        "threads": torch.get_num_threads(),
        "dtype": "float32",
        "seed": cfg.seed,
        "deterministic": torch.are_deterministic_algorithms_enabled(),
        "compiled": compiled,
        "engine": "sequential",
        "dataset": data.name,
        "data_source": data.source,
        "train_size": len(data.train),
        "test_size": len(data.test),
        "wall_time_s": round(wall, 3),
    }
