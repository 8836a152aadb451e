"""Automated LR scheduling from in-training trial steps: seed 004, faithfully, and a corrected variant.

Seed 004 ("Automated learning rate scheduling with in-training information", Algorithm 1) cheapens ALR
(Takase, Oyama & Kurihara, *Neural Networks* 101:68–78, 2018; a beam search over LRs): at each step, for
each factor f of a list, copy θ, take the trial step θ' = θ − f·η·∇L(θ; B), measure L(θ'; B) on the same
batch, z-score the candidate losses, score each exp(−z), and set η ← η · Π f^(s_f / Σs) (the score-weighted
geometric mean of the factors).

`faithful_update` is that rule as written. Its only addition: a non-finite candidate loss scores 0 (the seed
does not say; without it one overflowing trial turns η into NaN). The z-score uses the population std.
In the faithful run the new η is applied from the *next* step (Algorithm 1 outputs η_{t+1}), and the
trial step is the raw gradient step of line 6, whatever the base optimizer.

`corrected_update` departs from it, each departure for a named reason:

1. Same step, held-out batch: the η chosen for the step on batch B_t is used for that very step (the seed's
   decision is one step late, applied to the next batch's gradient), and its candidates are scored on the
   previous batch B_{t-1}, which the gradient did not see. Scored on B_t itself, the trial losses reward
   fitting B_t's noise and favour large steps: on mnist-5k that variant drifted to η ≈ 0.3–1.3 and lost
   4–10 points of accuracy at 6 epochs against the held-out scoring (η ≈ 0.2–0.4).
2. The trial step follows the base optimizer's real update (SGD momentum: buf' = μ·buf + g, θ' = θ − fη·buf'),
   not the raw gradient, so the candidates are the steps the optimizer would actually take.
3. Temperature from the loss noise, not raw z-scores: z-scoring always spreads the scores by O(1), so even
   indistinguishable candidates (differences far below the batch noise) move η by a full factor. Here
   s_f = exp(−(L_f − min L)/τ), τ = the standard error of the paired per-sample loss differences to the
   f = 1 candidate on B; differences below the noise give near-equal scores.
4. Centred: the log-step is Σ (w_f − 1/K) log f, so equal scores mean no move (the seed's geometric mean of
   an asymmetric list such as [4, 2, 1, 0.5, 0.125] drifts η down even when the losses carry no information).
5. Smoothed and clipped in log η, asymmetrically: a rise is an EMA of log η toward the pick
   (log η ← β·log η + (1 − β)·(log η + step), β = 0.9, at most ×1.105 a step), so single noisy wins of a
   larger factor cannot random-walk η upward; a fall is taken at once (at most ×0.5 a step), because too
   large an η diverges within a few steps while too small only costs time. η stays within [1e-6, 10].
   (An EMA of the *increment*, tried first, acts like momentum on log η and overshot the best LR 5× on the
   quadratic test.)

The controller `AutoLR` evaluates candidates functionally (`torch.func.functional_call` on detached trial
parameters, under `no_grad`): the real parameters, the optimizer state and BatchNorm running statistics
(the trial gets clones of the buffers; BN keeps using batch statistics) are never written. Candidates are
batched with `vmap` when the model has no buffers. Each candidate costs one forward pass; `forward_passes`
counts them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch.func import functional_call, vmap

from reference.schedules import FACTOR_LISTS

DEFAULT_FACTORS = FACTOR_LISTS[3]
EMA_BETA = 0.9  # corrected: smoothing of the log-step
MAX_LOG_STEP = (-0.7, 0.1)  # corrected: Δ log η per step within these (down ×0.5, up ×1.105)
ETA_BOUNDS = (1e-6, 10.0)  # corrected: η is kept inside these


def per_sample_cross_entropy(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(logits, y, reduction="none")


def faithful_update(eta: float, factors: Sequence[float], losses: Sequence[float]) -> tuple[float, list[float]]:
    """Seed 004's rule: z-score the candidate losses, score exp(−z), η × score-weighted geometric mean of f."""
    finite = [i for i, v in enumerate(losses) if math.isfinite(v)]
    if not finite:
        return eta, [0.0] * len(losses)
    vals = [losses[i] for i in finite]
    mean = sum(vals) / len(vals)
    std = math.sqrt(sum((v - mean) ** 2 for v in vals) / len(vals))
    scores = [0.0] * len(losses)
    for i in finite:
        scores[i] = math.exp(-(losses[i] - mean) / std) if std > 0 else 1.0
    log_mean = sum(s * math.log(f) for s, f in zip(scores, factors, strict=True)) / sum(scores)
    return eta * math.exp(log_mean), scores


def corrected_update(
    eta: float, factors: Sequence[float], losses: Sequence[float], tau: float
) -> tuple[float, list[float]]:
    """Noise-tempered, centred, smoothed and clipped update of log η (departures 3–5 in the module docstring)."""
    finite = [v for v in losses if math.isfinite(v)]
    if not finite:
        return max(eta * math.exp(MAX_LOG_STEP[0]), ETA_BOUNDS[0]), [0.0] * len(losses)  # every trial overflowed
    best, tau = min(finite), max(tau, 1e-12)
    scores = [math.exp(-(v - best) / tau) if math.isfinite(v) else 0.0 for v in losses]
    total, k = sum(scores), len(factors)
    step = sum((s / total - 1 / k) * math.log(f) for s, f in zip(scores, factors, strict=True))
    # A fall is taken at once (at most ×e^-0.7): too large an η diverges within a few steps. A rise is an EMA
    # of log η toward the pick, log η ← β·log η + (1 − β)·(log η + step), clipped.
    delta = max(step, MAX_LOG_STEP[0]) if step < 0 else min((1 - EMA_BETA) * step, MAX_LOG_STEP[1])
    new = eta * math.exp(delta)
    return min(max(new, ETA_BOUNDS[0]), ETA_BOUNDS[1]), scores


# ---------------------------------------------------------------- the controller


def sgd_direction(opt: torch.optim.Optimizer, p: torch.Tensor, group: dict) -> torch.Tensor:
    """The direction `torch.optim.SGD.step` would move p by (per unit LR), computed without touching its state."""
    g = p.grad
    if group.get("weight_decay", 0):
        g = g.add(p.detach(), alpha=group["weight_decay"])
    mu = group.get("momentum", 0)
    if not mu:
        return g
    buf = opt.state.get(p, {}).get("momentum_buffer")
    buf = g.clone() if buf is None else buf.mul(mu).add(g, alpha=1 - group.get("dampening", 0))
    return g.add(buf, alpha=mu) if group.get("nesterov") else buf


@dataclass
class AutoLR:
    """Sets the LR of every step from trial updates. `variant`: "faithful" (seed 004) or "corrected"."""

    model: torch.nn.Module
    eta: float
    factors: tuple[float, ...] = DEFAULT_FACTORS
    variant: str = "faithful"
    use_vmap: bool | None = None  # None: vmap when the model has no buffers
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = per_sample_cross_entropy  # (out, y) → (B,)
    forward_passes: int = 0
    history: list[float] = field(default_factory=list)  # η applied at each step
    _previous: tuple[torch.Tensor, torch.Tensor] | None = None  # corrected: the batch candidates are scored on

    def __post_init__(self) -> None:
        if self.variant not in ("faithful", "corrected"):
            raise ValueError(f"unknown auto variant {self.variant!r}")
        if self.use_vmap is None:
            self.use_vmap = not any(True for _ in self.model.buffers())

    def step(self, opt: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor) -> float:
        """Call after `loss.backward()`, before `opt.step()`: sets (and returns) this step's LR."""
        corrected = self.variant == "corrected"
        if corrected:  # departure 1: score on the previous batch (the first step has none: its own)
            (sx, sy), self._previous = self._previous or (x, y), (x, y)
        else:
            sx, sy = x, y
        losses, per_sample = self.trial_losses(opt, sx, sy, optimizer_direction=corrected)
        if corrected:
            self.eta, _ = corrected_update(self.eta, self.factors, losses, self._tau(per_sample))
            applied = self.eta  # departure 1: this step uses the η chosen on its own batch
        else:
            applied = self.eta  # the seed: η_t now, η_{t+1} from this batch next step
            self.eta, _ = faithful_update(self.eta, self.factors, losses)
        for group in opt.param_groups:
            group["lr"] = applied
        self.history.append(applied)
        return applied

    def _tau(self, per_sample: torch.Tensor) -> float:
        """Standard error of the paired per-sample loss differences to the f = 1 candidate (or the middle one)."""
        ref = min(range(len(self.factors)), key=lambda i: abs(math.log(self.factors[i])))
        diff = per_sample - per_sample[ref]
        diff = diff[torch.isfinite(diff).all(dim=1)]
        if len(diff) < 2:
            return 1e-12
        return float(diff.std(dim=1).max()) / math.sqrt(per_sample.shape[1])

    @torch.no_grad()
    def trial_losses(
        self, opt: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor, optimizer_direction: bool
    ) -> tuple[list[float], torch.Tensor]:
        """Mean loss of θ − f·η·d on (x, y) for every factor f, and the per-sample losses (K, B).

        d is the gradient already in `.grad` (of the step's own batch), or with `optimizer_direction` the
        direction SGD's `step()` would take; (x, y) is the batch the candidates are scored on."""
        params, dirs = [], []
        for group in opt.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                dirs.append(sgd_direction(opt, p, group) if optimizer_direction and isinstance(
                    opt, torch.optim.SGD) else p.grad)  # fmt: skip
                params.append(p)
        index = {id(p): n for n, p in self.model.named_parameters()}
        names = [index[id(p)] for p in params]
        steps = torch.tensor([self.eta * f for f in self.factors], device=x.device, dtype=x.dtype)
        self.forward_passes += len(self.factors)
        if self.use_vmap:
            stacked = {
                n: p.detach() - steps.view(-1, *[1] * p.ndim) * d for n, p, d in zip(names, params, dirs, strict=True)
            }

            def one(theta: dict) -> torch.Tensor:
                return self.loss_fn(functional_call(self.model, theta, (x,)), y)

            per_sample = vmap(one)(stacked)
        else:
            rows = []
            for lr in steps.tolist():
                theta = {n: p.detach() - lr * d for n, p, d in zip(names, params, dirs, strict=True)}
                buffers = {n: b.clone() for n, b in self.model.named_buffers()}  # BN may write these: clones
                out = functional_call(self.model, {**theta, **buffers}, (x,))
                rows.append(self.loss_fn(out, y))
            per_sample = torch.stack(rows)
        return per_sample.mean(dim=1).tolist(), per_sample


def controller_for(cfg, model: torch.nn.Module) -> AutoLR | None:
    """The controller a run config asks for (schedule "auto" or "auto-corrected"), else None."""
    name = cfg.schedule.name
    if name not in ("auto", "auto-corrected"):
        return None
    factors = tuple(cfg.schedule.factors or DEFAULT_FACTORS)
    return AutoLR(model, cfg.lr, factors, "corrected" if name == "auto-corrected" else "faithful")
