"""Matplotlib figures of a run: range-test loss vs LR (log axis), or train/test curves. No global state."""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # files only, no display
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import LogFormatter, LogLocator, MaxNLocator  # noqa: E402

MARKS = ("tab:red", "tab:green", "tab:purple", "tab:orange", "tab:brown")
CLAIM = "tab:red"


def plot_range_test(
    result: dict,
    reference: dict | None = None,
    marks: dict[str, float] | None = None,
    title: str = "",
    reference_label: str = "reference",
    run_label: str = "rerun",
) -> Figure:
    """Smoothed train loss against LR on a log axis, optional reference curve, vertical lines at `marks`.
    The axes fit the reference and the sane part of the run, so a diverging tail cannot squash either."""
    fig = Figure(figsize=(6.4, 3.6))
    ax = fig.subplots()
    curves = [(result["lr"], result["train_loss_smoothed"])]
    if reference is not None:
        ax.plot(reference["lr"], reference["train_loss_smoothed"], color="0.6", lw=1.2, label=reference_label)
        curves.append((reference["lr"], reference["train_loss_smoothed"]))
    ax.plot(result["lr"], result["train_loss_smoothed"], color="tab:blue", lw=1.5, label=run_label)
    for (label, lr), color in zip((marks or {}).items(), MARKS, strict=False):
        ax.axvline(lr, color=color, ls="--", lw=1, label=f"{label}: {lr:.3g}")
    _log(ax, "x")
    _fit_x(ax, [lr for lrs, _ in curves for lr in lrs] + list((marks or {}).values()))
    ax.set_xlabel("learning rate")
    ax.set_ylabel("train loss (smoothed)")
    _cap_y(ax, [losses for _, losses in curves])
    ax.legend(fontsize=7)
    ax.set_title(title or "LR range test", fontsize=9)
    fig.tight_layout()
    return fig


def plot_training(
    result: dict,
    reference: dict | None = None,
    title: str = "",
    reference_label: str = "reference",
    run_label: str = "rerun",
    claims: dict[str, float] | None = None,
) -> Figure:
    """Left: train loss per step and test loss per epoch. Right: test accuracy per epoch. `claims` (test_loss,
    test_accuracy) are drawn as markers at the run's last evaluation: what was claimed against what was run."""
    fig = Figure(figsize=(8.4, 3.2))
    loss_ax, acc_ax = fig.subplots(1, 2)
    for res, color, who in ((reference, "0.6", reference_label), (result, "tab:blue", run_label)):
        if res is None:
            continue
        steps = [e["step"] for e in res["epochs"]]
        if res.get("train_loss_smoothed"):  # a baseline summary has per-epoch means only
            loss_ax.plot(range(1, len(res["train_loss_smoothed"]) + 1), res["train_loss_smoothed"], color=color,
                         lw=1, alpha=0.7, label=f"{who}: train")  # fmt: skip
        loss_ax.plot(steps, [e["test_loss"] for e in res["epochs"]], "o-", color=color, ms=2.5, label=f"{who}: test")
        acc_ax.plot([e["epoch"] for e in res["epochs"]], [e["test_accuracy"] for e in res["epochs"]], "o-",
                    color=color, ms=2.5, label=who)  # fmt: skip
    last = result["epochs"][-1] if result.get("epochs") else None
    for ax, metric, where in ((loss_ax, "test_loss", "step"), (acc_ax, "test_accuracy", "epoch")):
        value = (claims or {}).get(metric)
        if value is not None and last is not None and math.isfinite(value):
            ax.plot([last[where]], [value], marker="*", ms=11, color=CLAIM, ls="none", label=f"claimed: {value:.4g}")
    loss_ax.set_xlabel("step")
    loss_ax.set_ylabel("loss")
    _log(loss_ax, "y")
    acc_ax.set_xlabel("epoch")
    acc_ax.set_ylabel("test accuracy")
    acc_ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
    loss_ax.legend(fontsize=7)
    acc_ax.legend(fontsize=7)
    fig.suptitle(title or "training", fontsize=9)
    fig.tight_layout()
    return fig


def plot_run(result: dict) -> Figure:
    """A standalone run (`reference train` / `range-test`): the curves of one run, no reference."""
    if result["config"]["task"] == "range-test":
        marks = {k: v for k, v in result.get("suggestions", {}).items() if isinstance(v, float)}
        return plot_range_test(result, marks=marks, run_label="run")
    return plot_training(result, run_label="run")


def _log(ax, which: str) -> None:
    """A log scale labelled in plain text (1e-05, 0.2): mathtext tick labels are slow to lay out. Minor ticks
    are labelled only when the axis spans less than a decade or so, so labels never crowd."""
    getattr(ax, f"set_{which}scale")("log")
    axis = getattr(ax, f"{which}axis")
    axis.set_major_locator(LogLocator(base=10, numticks=8))
    axis.set_major_formatter(LogFormatter())
    axis.set_minor_formatter(LogFormatter(labelOnlyBase=False, minor_thresholds=(1, 0.5)))


def _fit_x(ax, lrs: Sequence[float]) -> None:
    finite = [v for v in lrs if v > 0 and math.isfinite(v)]
    if finite:
        ax.set_xlim(min(finite) / 1.2, max(finite) * 1.2)


def _cap_y(ax, curves: Sequence[Sequence[float]]) -> None:
    """y from the lowest loss to 1.5 × the largest initial loss: a diverging tail (of the run or the reference)
    can't flatten the interesting part, and every curve's start stays in view."""
    finite = [[v for v in c if math.isfinite(v)] for c in curves]
    finite = [c for c in finite if c]
    if finite:
        low = min(min(c) for c in finite)
        high = 1.5 * max(c[0] for c in finite)
        ax.set_ylim(low * 0.9 if low > 0 else low - 0.05, max(high, low * 1.1 + 1e-6))
