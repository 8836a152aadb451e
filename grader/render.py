"""Render: per student a Markdown + self-contained HTML report and Gradescope's results.json; per class an index,
a Markdown summary, a gradebook CSV and the full results.json. Plots are inlined as base64 PNGs (no network)."""

from __future__ import annotations

import base64
import csv
import functools
import io
import json
import math
import re
from collections import Counter
from pathlib import Path

import jinja2
from matplotlib.figure import Figure
from tabulate import tabulate

from grader.results import STATUS_ORDER, ClassResult, StudentResult
from reference.plots import plot_range_test, plot_training
from reference.schedules import SCHEDULES

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def fmt(value: object, digits: int = 4) -> str:
    """Numbers to `digits` significant digits, None to an em dash, lists joined; anything else as text."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    if isinstance(value, list | tuple):
        return ", ".join(fmt(v, digits) for v in value)
    return str(value)


def pct(value: float | None, digits: int = 1) -> str:
    """A fraction (0.78) as a percentage ("78.0%")."""
    return "—" if value is None else f"{100 * value:.{digits}f}%"


def md(value: object) -> str:
    """Text safe inside a Markdown table cell: one line, no pipes, no raw HTML."""
    text = fmt(value)
    return re.sub(r"\s+", " ", text).replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


@functools.cache
def environment() -> jinja2.Environment:
    """Templates from the top-level templates/ folder; HTML autoescaped, Markdown not; undefined names fail."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "htm", "html.j2"), default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(fmt=fmt, pct=pct, md=md)
    env.globals["STATUS_ORDER"] = STATUS_ORDER
    return env


def figure_png(fig: Figure, dpi: int = 100) -> str:
    """A Matplotlib figure as a `data:image/png;base64,...` URI (no pyplot, no files)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")  # laid out by the plot itself (tight_layout)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _lrs(value: object) -> list[float]:
    """Positive finite LRs from a check's expected/observed: a float, or text such as "0.01" or "0.001, 0.1"."""
    if isinstance(value, bool) or value is None:
        return []
    try:
        vals = [float(value)] if isinstance(value, int | float) else [float(v) for v in str(value).split(",")]
    except ValueError:
        return []
    return [v for v in vals if math.isfinite(v) and v > 0]


def _marks(student: StudentResult, subject: str) -> dict[str, float]:
    """Claimed LR(s) and the rerun's pick(s) from the student's lr_claim check on this range test."""
    check = next((c for c in student.checks if c.check == "lr_claim" and c.subject == subject), None)
    if check is None:
        return {}
    marks = {}
    for who, value in (("claimed", check.observed), ("rerun", check.expected)):
        vals = _lrs(value)
        labels = [who] if len(vals) == 1 else [f"{who} {i + 1}" for i in range(len(vals))]
        marks.update(zip(labels, vals, strict=True))
    return marks


def _training_reference(ref: dict | None) -> dict | None:
    """The part of a reference plot_training can draw: per-epoch test metrics, per-step train loss if any."""
    keys = ("step", "epoch", "test_loss", "test_accuracy")
    epochs = [e for e in (ref or {}).get("epochs") or [] if all(e.get(k) is not None for k in keys)]
    return {"epochs": epochs, "train_loss_smoothed": ref.get("train_loss_smoothed")} if epochs else None


def _range_reference(ref: dict | None) -> dict | None:
    return ref if ref and ref.get("lr") and ref.get("train_loss_smoothed") else None


def plots_for(student: StudentResult) -> dict[str, str]:
    """One plot per run that produced a result: {run name: data URI}."""
    plots = {}
    for r in student.runs:
        res = r.result or {}
        if not (res.get("lr") if r.kind == "range-test" else res.get("epochs") or res.get("train_loss_smoothed")):
            continue  # no result, or it diverged before a single point: nothing to draw
        if r.kind == "range-test":
            fig = plot_range_test(r.result, reference=_range_reference(r.reference),
                                  marks=_marks(student, r.name), title=f"{r.name}: LR range test")  # fmt: skip
        else:
            fig = plot_training(r.result, reference=_training_reference(r.reference), title=f"{r.name}: training")
        plots[r.name] = figure_png(fig)
    return plots


def _schedule(config: dict) -> str:
    s = config.get("schedule") or {}
    name = s.get("name", "constant")
    shown = SCHEDULES[name].args if name in SCHEDULES else ()
    args = [f"{k}={fmt(s[k])}" for k in shown if s.get(k) is not None]
    cadence = {"step": "per step", "epoch": "per epoch"}.get(s.get("cadence") or "", "")
    return name + (f" ({', '.join(args)})" if args else "") + (f" · {cadence}" if cadence else "")


def _run_view(r, plot: str | None) -> dict:
    c, res = r.config, r.result or {}
    lr = f"{fmt(c.get('lr'))} → {fmt((c.get('schedule') or {}).get('end_lr'))}" if r.kind == "range-test" \
        else fmt(c.get("lr"))  # fmt: skip
    config = {"optimizer": c.get("optimizer"), "learning rate": lr, "scheduler": _schedule(c),
              "epochs": c.get("epochs"), "batch size": c.get("batch_size"), "seed": c.get("seed")}  # fmt: skip
    suggestions = {k: fmt(v) for k, v in (res.get("suggestions") or {}).items()}
    return {"name": r.name, "kind": r.kind, "key": r.key, "cached": r.cached, "error": r.error, "config": config,
            "ok": bool(r.result), "final": res.get("final"), "best": res.get("best"), "diverged": res.get("diverged"),
            "suggestions": suggestions, "steps": len(res.get("lr") or []), "plot": plot,
            "wall": (res.get("meta") or {}).get("wall_time_s")}  # fmt: skip


def _footer(student: StudentResult, meta: dict) -> dict:
    run_meta = [r.result["meta"] for r in student.runs if r.result and r.result.get("meta")]
    first = run_meta[0] if run_meta else {}
    get = lambda k: meta.get(k) or first.get(k) or "?"  # noqa: E731
    seeds = sorted({r.config["seed"] for r in student.runs if r.config.get("seed") is not None})
    names = sorted({m["device_name"] for m in run_meta if m.get("device_name") not in (None, get("device"))})
    engines = sorted({m.get("engine", "sequential") for m in run_meta}) or [meta.get("engine") or "?"]
    return {"package_version": get("package_version"), "torch_version": get("torch_version"), "device": get("device"),
            "device_name": ", ".join(names), "engine": ", ".join(engines), "seeds": ", ".join(map(str, seeds)) or "—",
            "graded_at": meta.get("graded_at"), "quick": bool(meta.get("quick"))}  # fmt: skip


def student_context(student: StudentResult, assignment: dict, meta: dict) -> dict:
    plots = plots_for(student)
    counts = Counter(c.status for c in student.checks)
    return {"s": student, "assignment": assignment, "meta": meta, "footer": _footer(student, meta),
            "counts": [(k, counts[k]) for k in STATUS_ORDER if counts[k]],
            "runs": [_run_view(r, plots.get(r.name)) for r in student.runs]}  # fmt: skip


def _finite(x: object) -> object:
    """NaN/inf to null, so results.json stays valid JSON for every reader."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    return [_finite(v) for v in x] if isinstance(x, list | tuple) else x


def _write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(_finite(data), indent=1) + "\n")


def render_student(student: StudentResult, out_dir: Path, assignment: dict, meta: dict) -> None:
    """out_dir/report.md, out_dir/report.html (self-contained) and out_dir/results.json (Gradescope)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    env, ctx = environment(), student_context(student, assignment, meta)
    (out_dir / "report.md").write_text(env.get_template("report.md.j2").render(ctx))
    (out_dir / "report.html").write_text(env.get_template("report.html.j2").render(ctx))
    _write_json(out_dir / "results.json", student.to_gradescope())


def _num(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _folders(students: list[StudentResult]) -> list[str]:
    """A safe, unique folder name per student (the id, unless it holds path characters or repeats)."""
    seen: set[str] = set()
    out = []
    for s in students:
        base = re.sub(r"[^\w.-]", "_", s.id).strip(".") or "student"
        name, i = base, 1
        while name in seen:
            i += 1
            name = f"{base}-{i}"
        seen.add(name)
        out.append(name)
    return out


def grade_rows(cls: ClassResult) -> list[list[str]]:
    """grades.csv: header, the points-possible row, then one row per student (points summed per check key)."""
    keys = list(dict.fromkeys(c.check for s in cls.students for c in s.checks))
    per = [{k: (sum(c.points for c in s.checks if c.check == k), sum(c.max_points for c in s.checks if c.check == k))
            for k in keys} for s in cls.students]  # fmt: skip
    possible = [max((p[k][1] for p in per), default=0.0) for k in keys]
    top = max((s.possible for s in cls.students), default=0.0)
    rows = [["id", "name", *keys, "total", "percent", "status"],
            ["POSSIBLE", "", *map(_num, possible), _num(top), "100", ""]]  # fmt: skip
    for s, p in zip(cls.students, per, strict=True):
        rows.append([s.id, s.name, *(_num(p[k][0]) for k in keys), _num(s.total), _num(s.percent), s.status])
    return rows


def render_class(cls: ClassResult, out_dir: Path) -> None:
    """Per student out_dir/<id>/…, plus index.html, summary.md, grades.csv and results.json."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    folders = _folders(cls.students)
    for s, folder in zip(cls.students, folders, strict=True):
        render_student(s, out_dir / folder, cls.assignment, cls.meta)
    verdicts = Counter(s.verdict for s in cls.students)
    graded = [s for s in cls.students if s.status == "graded"]
    ctx = {"cls": cls, "assignment": cls.assignment, "meta": cls.meta,
           "rows": list(zip(cls.students, folders, strict=True)),
           "verdicts": [(k, verdicts[k]) for k in STATUS_ORDER if verdicts[k]],
           "n_error": len(cls.students) - len(graded),
           "mean_percent": sum(s.percent for s in graded) / len(graded) if graded else None}  # fmt: skip
    table = [[md(s.id), md(s.name), s.verdict, s.status, _num(s.total), _num(s.possible), _num(s.percent),
              md(s.error or "")] for s in cls.students]  # fmt: skip
    headers = ["id", "name", "verdict", "status", "total", "possible", "percent", "error"]
    env = environment()
    (out_dir / "index.html").write_text(env.get_template("index.html.j2").render(ctx))
    summary = tabulate(table, headers, tablefmt="github", disable_numparse=True)
    (out_dir / "summary.md").write_text(env.get_template("summary.md.j2").render(ctx, table=summary))
    with (out_dir / "grades.csv").open("w", newline="") as f:
        csv.writer(f).writerows(grade_rows(cls))
    _write_json(out_dir / "results.json", cls.to_dict())
