"""Batched engine: K runs of one architecture trained together, parameters stacked along a leading run axis.

Each run keeps what makes it itself — its seed's initialisation and data order, its optimizer and
hyperparameters, its LR table (read off torch's own scheduler, `lr_table`) — so a batched run equals the
same run done alone by `reference.loop.run` up to floating-point rounding. The model is evaluated with
`torch.func.vmap(functional_call)` (convolutions become grouped convolutions, linears batched matmuls),
gradients come from `torch.func.grad`, and SGD/Adam/AdamW are applied functionally with per-run
hyperparameters, following torch's own update rules line by line. Losses stay on the device and are read
once per evaluation; a run that diverges is reported and dropped from the batch, the others go on.
"""

from __future__ import annotations

import copy
import time

import torch
import torch.nn.functional as F
from torch.func import functional_call, stack_module_state, vmap

from reference.config import RunConfig
from reference.data import Data, load_data
from reference.loop import StepPlan, drive, make_deterministic, pick_device, result_of, run, step_bar
from reference.models import init_model
from reference.optim import lr_table

# Runs that can share one batched program agree on these: architecture, data, batch size, length, evaluations.
GROUP_FIELDS = ("dataset", "preprocess", "model", "activation", "pooling", "batch_size", "epochs", "epoch_steps",
                "max_steps", "eval_every", "mistake")  # fmt: skip


def group_key(cfg: RunConfig, until_epoch: float | None = None) -> tuple:
    """Runs with equal keys may share one batched program; `batchable` says whether they can."""
    return (*(getattr(cfg, f) for f in GROUP_FIELDS), until_epoch, not_batchable(cfg) is None)


def not_batchable(cfg: RunConfig) -> str | None:
    """Why this run cannot be in a batched program at all, or None."""
    if cfg.schedule.name.startswith("auto"):
        return "auto schedules take trial steps per run"
    if cfg.schedule.cycle_momentum:
        return "cycle_momentum moves each run's momentum per step"
    if cfg.optimizer not in _UPDATES:
        return f"the batched engine has no stacked update for {cfg.optimizer}"
    if cfg.model != "lenet5":
        return f"{cfg.model} has batch-norm buffers; batched only for lenet5"
    return None


def batchable(cfgs: list[RunConfig]) -> str | None:
    """Why these runs cannot share one batched program, or None if they can."""
    if diff := [f for f in GROUP_FIELDS if any(getattr(c, f) != getattr(cfgs[0], f) for c in cfgs[1:])]:
        return f"runs differ in {', '.join(diff)}"
    return next(filter(None, map(not_batchable, cfgs)), None)


def run_batched(
    cfgs: list[RunConfig],
    *,
    device: str | torch.device = "auto",
    data: Data | None = None,
    data_root: str | None = None,
    download: bool = False,
    until_epoch: float | None = None,
    progress: bool = False,
    compile: bool = False,
    time_limit: float | None = None,
    nproc: int = 1,  # the colossalai engine's; one process here
) -> list[dict]:
    """Train `cfgs` together; one result dict per config, as `reference.loop.run` returns them."""
    device = pick_device(device) if isinstance(device, str) else device
    data = data or load_data(cfgs[0].dataset, device, data_root, download, cfgs[0].preprocess)
    if batchable(cfgs) is not None:  # not one program: run them one after another
        kw = dict(device=device, data=data, until_epoch=until_epoch, progress=progress, time_limit=time_limit)
        return [run(c, compile=compile, **kw) for c in cfgs]
    started = time.perf_counter()
    make_deterministic(device)
    plan = StepPlan.of(cfgs[0], len(data.train), until_epoch)  # the same for every run of the group
    stacked = _Stacked(cfgs, data, plan, device, compile)
    bar = step_bar(progress, plan, cfgs[0])
    try:
        tracks = drive(cfgs, plan, stacked, device, time_limit=time_limit, started=started,
                       on_step=lambda _: bar.update(1))  # fmt: skip
    finally:
        bar.close()
    wall, k = time.perf_counter() - started, len(cfgs)
    results = []
    for c, track, lrs in zip(cfgs, tracks, stacked.opt.lr_tables, strict=True):
        n = len(track.losses)  # a diverged run's steps end where it was dropped
        passes = {"forward": n, "backward": n, "auto_forward": 0}
        r = result_of(c, device, data, lrs[:n], track, started, compile, passes)
        # wall time amortised over the batch (what one run cost), and the whole batch's
        r["meta"].update(
            engine="batched", batch_runs=k, wall_time_s=round(wall / k, 3), batch_wall_time_s=round(wall, 3)
        )
        results.append(r)
    return results


class _Stacked:
    """The batched engine's step: K models stacked along a leading run axis, each row its own run."""

    def __init__(self, cfgs: list[RunConfig], data: Data, plan: StepPlan, device: torch.device, compile: bool):
        # model: K initialisations, each from its own seed exactly as loop.run draws it, stacked
        models = [init_model(c, data.channels).to(device) for c in cfgs]
        params, _ = stack_module_state(models)
        self.params = {n: p.detach().requires_grad_() for n, p in params.items()}
        base = copy.deepcopy(models[0]).to("meta")
        # K models in one call: convolutions become grouped convolutions, linears batched matmuls
        self.forward = vmap(lambda p, x: functional_call(base, p, (x,)))  # (K, B, ...) images → (K, B, classes)
        self.test_forward = vmap(lambda p, x: functional_call(base, p, (x,)), in_dims=(0, None))  # one batch, K models
        if compile:
            self.forward = torch.compile(self.forward, dynamic=False)
        self.opt = StackedOptimizer(cfgs, self.params, plan.per_epoch, device)
        self.data, self.device = data, device
        self.orders = _Orders(data.train, cfgs[0].batch_size, [torch.Generator().manual_seed(c.seed) for c in cfgs])

    def step(self, step: int) -> torch.Tensor:
        idx = self.orders.next()
        x, y = self.data.train.x[idx], self.data.train.y[idx]
        # per run: mean cross-entropy on its own batch; runs are independent, so the gradient of the summed
        # losses holds each run's own gradient in its row
        logits = self.forward(self.params, x)
        loss = F.cross_entropy(logits.flatten(0, 1), y.flatten(), reduction="none").view(len(x), -1).mean(1)
        grads = torch.autograd.grad(loss.sum(), list(self.params.values()))
        self.params = self.opt.step(self.params, dict(zip(self.params, grads, strict=True)), step)
        return loss.detach()

    def losses(self, pending: torch.Tensor) -> torch.Tensor:
        return pending

    def evaluate(self) -> list[tuple[float, float]]:
        return list(zip(*_evaluate(self.test_forward, self.params, self.data), strict=True))

    def keep(self, rows: list[int]) -> None:
        """Drop diverged runs from every stacked tensor."""
        self.orders.keep(rows)
        if not rows:
            return
        index = torch.tensor(rows, dtype=torch.long, device=self.device)
        self.params = {n: p.detach()[index].requires_grad_() for n, p in self.params.items()}
        self.opt.keep(index)

    def end_epoch(self) -> None:
        pass  # LRs come from per-step tables


class _Orders:
    """Each run's data order, as `DeviceData.index_stream` draws it from the run's own generator, for K runs at
    once: at the start of every pass the K permutations are stacked into one (K, n) matrix, and a step's
    (K, batch) indices are one slice of it (not K generator calls and a stack per step)."""

    def __init__(self, split, batch_size: int, generators: list[torch.Generator]):
        self.split, self.batch_size, self.generators = split, batch_size, generators
        self.matrix: torch.Tensor | None = None
        self.at = 0

    def next(self) -> torch.Tensor:
        if self.matrix is None or self.at >= len(self.split):
            self.matrix, self.at = torch.stack([self.split.permutation(g) for g in self.generators]), 0
        idx = self.matrix[:, self.at : self.at + self.batch_size]
        self.at += self.batch_size
        return idx

    def keep(self, rows: list[int]) -> None:
        self.generators = [self.generators[r] for r in rows]
        if self.matrix is not None and rows:
            self.matrix = self.matrix[torch.tensor(rows, device=self.matrix.device)]


@torch.inference_mode()
def _evaluate(forward, params: dict, data: Data, images: int = 16384) -> tuple[list[float], list[float]]:
    """Per alive run: (mean test cross-entropy, test accuracy); chunks keep K × batch ≤ `images`."""
    k = next(iter(params.values())).shape[0]
    batch = max(1, min(1000, images // k))
    loss_sum = torch.zeros(k, device=data.test.x.device)
    correct = torch.zeros(k, device=data.test.x.device, dtype=torch.long)
    for x, y in data.test.batches(batch):
        logits = forward(params, x)  # (K, B, classes)
        loss_sum += F.cross_entropy(logits.flatten(0, 1), y.repeat(k), reduction="none").view(k, -1).sum(1)
        correct += (logits.argmax(-1) == y).sum(1)
    n = len(data.test)
    return [v / n for v in loss_sum.tolist()], [c / n for c in correct.tolist()]


class StackedOptimizer:
    """torch's SGD / Adam / AdamW (single-tensor code paths, same operation order) over stacked parameters.

    Every hyperparameter is a per-run column; LR (and Adam's bias corrections) are per-step tables built
    up front from torch's scheduler, so a step needs no host sync. Mixed optimizers in one batch are fine:
    each kind updates its own rows.
    """

    def __init__(self, cfgs: list[RunConfig], params: dict, steps_per_epoch: int, device: torch.device):
        self.lr_tables = [lr_table(c, steps_per_epoch) for c in cfgs]
        steps = len(self.lr_tables[0])
        lr = torch.tensor(self.lr_tables, dtype=torch.float64).T  # (steps, K)
        col = lambda f: torch.tensor([f(c) for c in cfgs], dtype=torch.float64)  # (K,) hyperparameter column
        t = torch.arange(1, steps + 1, dtype=torch.float64)[:, None]
        b1, b2, wd = col(lambda c: c.betas[0]), col(lambda c: c.betas[1]), col(lambda c: c.weight_decay)
        f32 = lambda v: v.to(device=device, dtype=torch.float32)
        self.tables = {
            "lr": f32(lr),
            "step_size": f32(lr / (1 - b1**t)),  # Adam: lr / bias_correction1
            "bc2_sqrt": f32((1 - b2**t).sqrt()),  # Adam: sqrt(bias_correction2)
            "decay": f32(1 - lr * wd),  # AdamW: decoupled weight decay factor
        }
        self.cols = {
            "momentum": f32(col(lambda c: c.momentum)),
            "nesterov": col(lambda c: c.nesterov).bool().to(device),
            "wd": f32(wd),
            "one_minus_b1": f32(1 - b1),
            "b2": f32(b2),
            "one_minus_b2": f32(1 - b2),
        }
        self.state = {n: {"buf": torch.zeros_like(p), "m": torch.zeros_like(p), "v": torch.zeros_like(p)}
                      for n, p in params.items()}  # fmt: skip
        self.columns = torch.arange(len(cfgs), device=device)  # each alive row's column in the step tables
        self._group([c.optimizer for c in cfgs])

    def _group(self, kinds: list[str]) -> None:
        self.kinds = kinds
        where = {kind: [i for i, x in enumerate(kinds) if x == kind] for kind in sorted(set(kinds))}
        device = self.columns.device
        self.rows = {kind: None if len(where) == 1 else torch.tensor(r, device=device) for kind, r in where.items()}

    def keep(self, rows: torch.Tensor) -> None:
        """Drop the rows of runs that left the batch."""
        self.cols = {n: v[rows] for n, v in self.cols.items()}
        self.state = {n: {s: v[rows] for s, v in st.items()} for n, st in self.state.items()}
        self.columns = self.columns[rows]
        self._group([self.kinds[r] for r in rows.tolist()])

    @torch.no_grad()
    def step(self, params: dict, grads: dict, step: int) -> dict:
        """The updated parameters (new leaf tensors) after one optimizer step of every run."""
        h = {**self.cols, **{n: v[step, self.columns] for n, v in self.tables.items()}}
        out = {}
        for n, p in params.items():
            shape = (-1,) + (1,) * (p.ndim - 1)  # a per-run column broadcast over the parameter
            p = p.detach()
            out[n] = p if len(self.rows) == 1 else p.clone()
            for kind, r in self.rows.items():
                pick = (lambda v: v) if r is None else (lambda v, r=r: v[r])
                hp = {name: pick(v).view(shape) for name, v in h.items()}
                new, state = _UPDATES[kind](pick(p), pick(grads[n]), {s: pick(v) for s, v in self.state[n].items()},
                                            hp, step)  # fmt: skip
                if r is None:  # one optimizer kind: whole tensors
                    out[n] = new
                    self.state[n].update(state)
                else:  # mixed kinds: this kind's rows
                    out[n][r] = new
                    for s, v in state.items():
                        self.state[n][s][r] = v
        return {n: p.requires_grad_() for n, p in out.items()}


def _sgd(p, g, st, h, step):
    # torch.optim.SGD, dampening 0: d_p = g + wd·p; buf = m·buf + d_p (first step: buf = d_p); nesterov
    d_p = g.add(p * h["wd"])
    buf = d_p.clone() if step == 0 else st["buf"].mul(h["momentum"]).add_(d_p)
    d_p = torch.where(h["nesterov"], d_p + buf * h["momentum"], torch.where(h["momentum"] > 0, buf, d_p))
    return p - d_p * h["lr"], {"buf": buf}


def _adam(p, g, st, h, step, decoupled: bool = False):
    # torch.optim.Adam / AdamW (single tensor): m.lerp_(g, 1-β1); v = β2·v + (1-β2)·g²;
    # p -= lr/bc1 · m / (sqrt(v)/sqrt(bc2) + eps); AdamW first scales p by 1 - lr·wd, Adam adds wd·p to g
    if decoupled:
        p = p * h["decay"]
    else:
        g = g.add(p * h["wd"])
    m = st["m"].lerp(g, h["one_minus_b1"])
    v = torch.addcmul(st["v"] * h["b2"], g * h["one_minus_b2"], g)
    denom = (v.sqrt() / h["bc2_sqrt"]).add_(1e-8)
    return p - (m / denom) * h["step_size"], {"m": m, "v": v}


_UPDATES = {"sgd": _sgd, "adam": _adam, "adamw": lambda p, g, st, h, step: _adam(p, g, st, h, step, True)}
