"""Matplotlib figures of a run: range-test loss vs LR (log axis), or train/test curves. No global state."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # files only, no display
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import LogFormatter  # noqa: E402

MARKS = ("tab:red", "tab:green", "tab:purple", "tab:orange", "tab:brown")


def plot_range_test(
    result: dict,
    reference: dict | None = None,
    marks: dict[str, float] | None = None,
    title: str = "",
) -> Figure:
    """Smoothed train loss against LR on a log axis, optional reference curve, vertical lines at `marks`."""
    fig = Figure(figsize=(6.4, 3.6))
    ax = fig.subplots()
    if reference is not None:
        ax.plot(reference["lr"], reference["train_loss_smoothed"], color="0.6", lw=1.2, label="reference")
    ax.plot(result["lr"], result["train_loss_smoothed"], color="tab:blue", lw=1.5, label="rerun")
    for (label, lr), color in zip((marks or {}).items(), MARKS, strict=False):
        ax.axvline(lr, color=color, ls="--", lw=1, label=f"{label}: {lr:.3g}")
    _log(ax, "x")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("train loss (smoothed)")
    _cap_y(ax, result["train_loss_smoothed"])
    ax.legend(fontsize=7)
    ax.set_title(title or "LR range test", fontsize=9)
    fig.tight_layout()
    return fig


def plot_training(result: dict, reference: dict | None = None, title: str = "") -> Figure:
    """Left: train loss per step and test loss per epoch. Right: test accuracy per epoch."""
    fig = Figure(figsize=(8.4, 3.2))
    loss_ax, acc_ax = fig.subplots(1, 2)
    for res, color, who in ((reference, "0.6", "reference"), (result, "tab:blue", "rerun")):
        if res is None:
            continue
        steps = [e["step"] for e in res["epochs"]]
        if res.get("train_loss_smoothed"):  # a baseline summary has per-epoch means only
            loss_ax.plot(range(1, len(res["train_loss_smoothed"]) + 1), res["train_loss_smoothed"], color=color,
                         lw=1, alpha=0.7, label=f"{who} train")  # fmt: skip
        loss_ax.plot(steps, [e["test_loss"] for e in res["epochs"]], "o-", color=color, ms=2.5, label=f"{who} test")
        acc_ax.plot([e["epoch"] for e in res["epochs"]], [e["test_accuracy"] for e in res["epochs"]], "o-",
                    color=color, ms=2.5, label=who)  # fmt: skip
    loss_ax.set_xlabel("step")
    loss_ax.set_ylabel("loss")
    _log(loss_ax, "y")
    acc_ax.set_xlabel("epoch")
    acc_ax.set_ylabel("test accuracy")
    loss_ax.legend(fontsize=7)
    acc_ax.legend(fontsize=7)
    fig.suptitle(title or "training", fontsize=9)
    fig.tight_layout()
    return fig


def plot_run(result: dict) -> Figure:
    if result["config"]["task"] == "range-test":
        marks = {k: v for k, v in result.get("suggestions", {}).items() if isinstance(v, float)}
        return plot_range_test(result, marks=marks)
    return plot_training(result)


def _log(ax, which: str) -> None:
    """A log scale labelled in plain text (1e-05, 0.2): mathtext tick labels are slow to lay out."""
    getattr(ax, f"set_{which}scale")("log")
    axis = getattr(ax, f"{which}axis")
    axis.set_major_formatter(LogFormatter())
    axis.set_minor_formatter(LogFormatter(labelOnlyBase=False, minor_thresholds=(2, 0.4)))


def _cap_y(ax, losses: Sequence[float]) -> None:
    """Keep a diverging tail from flattening the interesting part of the curve."""
    finite = [v for v in losses if v == v]
    if finite:
        ax.set_ylim(min(finite) * 0.9, min(max(finite), 4 * finite[0]) * 1.05)
