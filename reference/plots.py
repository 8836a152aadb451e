"""Matplotlib figures of a run: range-test loss vs LR (log axis), or train/test curves. No global state."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # files only, no display
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogFormatter, LogLocator, MaxNLocator, NullFormatter  # noqa: E402

from reference.rules import smooth  # noqa: E402

MARKS = ("tab:red", "tab:green", "tab:purple", "tab:orange", "tab:brown")
CLAIM = "tab:red"
LABEL_CHARS = 90  # a legend label; a title is cut to fit its figure's width in wide glyphs (44 "W"s in 640 px)


def plain(text: str, most: int = LABEL_CHARS) -> str:
    """Text as a figure shows it, whoever wrote it: no control or format characters (Matplotlib warns with them
    raw on the terminal), `$` escaped (Matplotlib parses `$…$` as math: a student's `$\\foo$` raised and stopped a
    class's reports, examiner probe 16), at most `most` characters."""
    text = "".join(ch for ch in str(text) if unicodedata.category(ch)[0] != "C" or ch == " ")
    text = text if len(text) <= most else text[: most - 1] + "…"
    return text.replace("$", r"\$")


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
    title, reference_label, run_label = plain(title, 44), plain(reference_label), plain(run_label)
    marks = {plain(k, 40): v for k, v in (marks or {}).items()}
    fig = Figure(figsize=(6.4, 3.6))
    fig.subplots_adjust(left=0.11, right=0.98, bottom=0.14, top=0.91)  # fixed: tight_layout lays it out twice
    ax = fig.subplots()
    curves = [(result["lr"], result["train_loss_smoothed"])]
    if reference is not None:
        ax.plot(reference["lr"], reference["train_loss_smoothed"], color="0.6", lw=1.2, label=reference_label)
        curves.append((reference["lr"], reference["train_loss_smoothed"]))
    ax.plot(result["lr"], result["train_loss_smoothed"], color="tab:blue", lw=1.5, label=run_label)
    for (label, lr), color in zip((marks or {}).items(), MARKS, strict=False):
        ax.axvline(lr, color=color, ls="--", lw=1, label=f"{label}: {lr:.3g}")
    ax.set_xscale("log")
    _fit_x(ax, [lr for lrs, _ in curves for lr in lrs] + list((marks or {}).values()))
    _log(ax, "x")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("train loss (smoothed)")
    _cap_y(ax, [losses for _, losses in curves])
    ax.legend(fontsize=7)
    ax.set_title(title or "LR range test", fontsize=9)
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
    title, reference_label, run_label = plain(title, 58), plain(reference_label), plain(run_label)
    fig = Figure(figsize=(8.4, 3.2))
    fig.subplots_adjust(left=0.08, right=0.99, bottom=0.15, top=0.89, wspace=0.22)  # fixed, as above
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
    _mark_claims(loss_ax, acc_ax, result, claims or {})
    loss_ax.set_xlabel("step")
    loss_ax.set_ylabel("loss")
    _log(loss_ax, "y")
    acc_ax.set_xlabel("epoch")
    acc_ax.set_ylabel("test accuracy")
    acc_ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))  # epochs are whole numbers
    loss_ax.legend(fontsize=7)
    acc_ax.legend(fontsize=7)
    fig.suptitle(title or "training", fontsize=9)
    return fig


def _mark_claims(loss_ax, acc_ax, result: dict, claims: dict[str, float]) -> None:
    """A star per claimed final metric at the configured last epoch (beyond a quick rerun's prefix, if so)."""
    last = result["epochs"][-1] if result.get("epochs") else None
    if last is None or not last.get("epoch"):
        return
    epoch = (result.get("config") or {}).get("epochs") or last["epoch"]
    where = {"test_loss": (loss_ax, epoch * last["step"] / last["epoch"]), "test_accuracy": (acc_ax, epoch)}
    for metric, (ax, x) in where.items():
        value = claims.get(metric)
        if value is not None and math.isfinite(value):
            ax.plot([x], [value], marker="*", ms=11, color=CLAIM, ls="none", label=f"claimed: {value:.4g}")


def plot_run(result: dict) -> Figure:
    """A standalone run (`reference train` / `range-test`): the curves of one run, no reference."""
    if result["config"]["task"] == "range-test":
        marks = {k: v for k, v in result.get("suggestions", {}).items() if isinstance(v, float)}
        return plot_range_test(result, marks=marks, run_label="run")
    return plot_training(result, run_label="run")


def _log(ax, which: str) -> None:
    """A log scale labelled in plain text (1e-05, 0.2): mathtext tick labels are slow to lay out. Call it after
    plotting and setting limits: minor ticks (2, 3, 5 × 10^k; 2 and 5 beyond a decade) are labelled only when
    the axis spans under two decades, so labels never crowd."""
    getattr(ax, f"set_{which}scale")("log")
    axis = getattr(ax, f"{which}axis")
    low, high = getattr(ax, f"get_{which}lim")()
    decades = math.log10(high / low) if low > 0 and high > 0 else math.inf
    plain = FuncFormatter(lambda x, _: f"{x:g}")
    axis.set_major_locator(LogLocator(base=10, numticks=8))
    axis.set_major_formatter(plain)
    if decades < 2:
        axis.set_minor_locator(LogLocator(base=10, subs=(2.0, 3.0, 5.0) if decades < 1 else (2.0, 5.0)))
        axis.set_minor_formatter(plain)
    else:
        axis.set_minor_formatter(NullFormatter())


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


def plot_logged_vs_rerun(logged: dict, rerun: dict, parts_at: int | None = None,
                         counterfactuals: dict[str, dict] | None = None, title: str = "") -> Figure:  # fmt: skip
    """A student's own log against the rerun (and any counterfactual reruns) on shared axes: LR per step, smoothed
    train loss per step with test loss per epoch (markers at the epoch's last step), test accuracy per epoch; a
    dotted line where the log parts from the rerun.
    `logged`: reference.outputs.Logs.curves(); `rerun`, counterfactuals: reference.loop.run results."""
    from matplotlib.ticker import NullLocator

    title, counterfactuals = plain(title, 66), {plain(k, 40): v for k, v in (counterfactuals or {}).items()}
    fig = Figure(figsize=(9.6, 3.0))
    fig.subplots_adjust(left=0.08, right=0.99, bottom=0.17, top=0.88, wspace=0.4)  # fixed: tight_layout is slow
    lr_ax, loss_ax, acc_ax = fig.subplots(1, 3)
    finite = lambda xs: [x if isinstance(x, int | float) and math.isfinite(x) else math.nan for x in xs]  # noqa: E731
    curves = [("log", "tab:red", logged["step"], logged["lr"], logged["train_loss"], logged["epoch"],
               logged["test_loss"], logged["test_accuracy"])]  # fmt: skip
    for (label, res), color in zip({"rerun": rerun, **(counterfactuals or {})}.items(), ("tab:blue", *MARKS[1:]),
                                   strict=False):  # fmt: skip
        epochs = res.get("epochs") or []
        curves.append((label, color, list(range(len(res["lr"]))), res["lr"], res["train_loss"],
                       [e["epoch"] for e in epochs], [e["test_loss"] for e in epochs],
                       [e["test_accuracy"] for e in epochs]))  # fmt: skip
    per_epoch = rerun["epochs"][0]["step"] if rerun.get("epochs") else 1
    for label, color, steps, lrs, losses, epochs, test_losses, accs in curves:
        style = {
            "color": color,
            "lw": 1.8 if label == "log" else 1.1,
            "ls": "-" if label != "log" else "--",
            "zorder": 3 if label == "log" else 2,
        }  # the log on top: a matching counterfactual lies under it
        lr_ax.plot(steps, finite(lrs), label=label, **style)
        clean = finite(losses)
        n = next((i for i, x in enumerate(clean) if not math.isfinite(x)), len(clean))  # up to a NaN/inf
        loss_ax.plot(steps[:n], smooth(clean[:n], 0.98), label=label, **style)
        loss_ax.plot([e * per_epoch for e in epochs], finite(test_losses), marker="s", ms=3, ls="none", color=color)
        acc_ax.plot(epochs, finite(accs), marker="o", ms=3, label=label, **style)
    for ax in (lr_ax, loss_ax):
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(base=10, numticks=5))
        ax.yaxis.set_major_formatter(LogFormatter())  # plain-text labels: mathtext is slow to lay out
        ax.yaxis.set_minor_locator(NullLocator())  # minor ticks: most of a log axis's drawing time
        ax.set_xlabel("step")
        if parts_at is not None:
            ax.axvline(parts_at, color="0.3", ls=":", lw=1)
    lr_ax.set_ylabel("learning rate", fontsize=8)
    loss_ax.set_ylabel("train loss (line), test loss (squares)", fontsize=8)
    acc_ax.set_xlabel("epoch")
    acc_ax.set_ylabel("test accuracy", fontsize=8)
    acc_ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    acc_ax.legend(fontsize=7)
    parted = f" · parts at step {parts_at}" if parts_at is not None else ""
    fig.suptitle((title or "logged vs rerun") + parted, fontsize=9)
    return fig
