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
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import jinja2
import markupsafe
from matplotlib.figure import Figure
from tabulate import tabulate

from grader import safe
from grader.bundle import templates_dir
from grader.diagnoses import PITFALLS
from grader.results import (
    STATUS_ORDER,
    UPLOAD,
    VERDICT_ORDER,
    CheckResult,
    ClassResult,
    RunRecord,
    StudentResult,
    pending_share,
    withheld,
    withheld_line,
)
from grader.reviews import PENDING_FILE, pending_template
from reference.config import SWEEPS
from reference.datasets import steps_per_epoch
from reference.plots import plot_logged_vs_rerun, plot_range_test, plot_training
from reference.schedules import SCHEDULES

TEMPLATES = templates_dir()  # templates/ in a checkout, else the installed wheel's copy (package lr_grader_templates)


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


TEXT_LIMIT = 3000  # characters of any one text (message, error, warning) shown in a report


def md(value: object) -> str:
    """Text shown literally in Markdown (a table cell, a list item): one line, Markdown punctuation escaped."""
    return safe.markdown(safe.truncate(fmt(value), TEXT_LIMIT))


def cut(value: object) -> str:
    """Text for the HTML report (autoescaped there), at most TEXT_LIMIT characters."""
    return safe.truncate(str(value), TEXT_LIMIT)


def code(value: object) -> markupsafe.Markup:
    """Text for the HTML report with its `…` spans set as <code> (escaped first: nothing else becomes markup)."""
    return markupsafe.Markup(re.sub(r"`([^`<>]+)`", r"<code>\1</code>", str(markupsafe.escape(cut(value)))))


def figure(value: object, unit: str = "") -> str:
    """A tolerance or distance with its unit: 0.45 decades, 2.2σ, 12×; "abs" figures are bare numbers."""
    if value is None:
        return "—"
    text = fmt(value, 3)
    if unit in ("", "abs"):
        return text
    return f"{text}{unit}" if unit in ("σ", "×") else f"{text} {unit}"


def _visible(value: object) -> object:
    """Every value a template writes: control characters (a terminal escape in a student's name) shown as `\\x1b`,
    never written raw into a report that `cat` or a browser would act on; safe markup stays markup."""
    if isinstance(value, markupsafe.Markup):
        return markupsafe.Markup(safe.terminal(str(value)))
    return safe.terminal(value) if isinstance(value, str) else value


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
        finalize=_visible,
    )
    env.filters.update(fmt=fmt, pct=pct, md=md, figure=figure, cut=cut, code=code)
    env.globals.update(STATUS_ORDER=STATUS_ORDER, VERDICT_ORDER=VERDICT_ORDER)
    return env


def figure_png(fig: Figure, dpi: int = 100) -> str:
    """A Matplotlib figure as a `data:image/png;base64,...` URI (no pyplot, no files)."""
    buf = io.BytesIO()
    with warnings.catch_warnings():  # a glyph the font lacks (a student's emoji) is drawn as a box, not warned of
        warnings.filterwarnings("ignore", message="Glyph .* missing from")
        fig.savefig(buf, format="png", dpi=dpi, facecolor="white")  # laid out by the plot itself (fixed margins)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def drawn(make: Callable[[], Figure]) -> str | None:
    """`figure_png(make())`, or None where the figure cannot be drawn: a report goes out without that one plot, and
    the class's reports are written (examiner probe 16: one student's entry name stopped every report)."""
    try:
        return figure_png(make())
    except Exception:  # noqa: BLE001 — a figure is an illustration; the checks and their messages are the report
        return None


def _values(value: object) -> list[float]:
    """A check's figure as a list of positive finite floats (an LR, or several)."""
    vals = value if isinstance(value, list | tuple) else [value]
    return [float(v) for v in vals if isinstance(v, int | float) and not isinstance(v, bool)
            and math.isfinite(v) and v > 0]  # fmt: skip


def _check(student: StudentResult, check: str, subject: str) -> CheckResult | None:
    return next((c for c in student.checks if c.check == check and c.subject == subject), None)


def _marks(student: StudentResult, subject: str, reference: str | None = None) -> dict[str, float]:
    """Claimed LR(s) and the rule's pick(s) on the rerun (or, named `reference`, the committed seeds' mean pick),
    from the student's lr_claim check on this range test."""
    check = _check(student, "lr_claim", subject)
    if check is None:
        return {}
    marks = {}
    picks = ((reference, check.reference),) if reference else (("rerun's pick", check.rerun),)
    for who, value in (("claimed", check.claimed), *picks):
        vals = _values(value)
        labels = [who] if len(vals) == 1 else [f"{who} {i + 1}" for i in range(len(vals))]
        marks.update(zip(labels, vals, strict=True))
    return marks


def _claims(student: StudentResult, subject: str) -> dict[str, float]:
    """The final test accuracy / loss the student claimed for this training run, from the claim checks."""
    out = {}
    for check, metric in (("accuracy_claim", "test_accuracy"), ("loss_claim", "test_loss")):
        c = _check(student, check, subject)
        if c is not None and _values(c.claimed):
            out[metric] = _values(c.claimed)[0]
    return out


def _training_reference(ref: dict | None) -> dict | None:
    """The part of a reference plot_training can draw: per-epoch test metrics, per-step train loss if any."""
    keys = ("step", "epoch", "test_loss", "test_accuracy")
    epochs = [e for e in (ref or {}).get("epochs") or [] if all(e.get(k) is not None for k in keys)]
    return {"epochs": epochs, "train_loss_smoothed": ref.get("train_loss_smoothed")} if epochs else None


def _range_reference(ref: dict | None) -> dict | None:
    return ref if ref and ref.get("lr") and ref.get("train_loss_smoothed") else None


def reference_label(r: RunRecord) -> str:
    """What the grey curve is: the tuned-LR reference baseline, not a rerun at the student's LR."""
    ref = r.reference or {}
    if r.kind == "range-test":
        label = f"reference {r.config.get('optimizer', '')} sweep, seed {ref.get('seed', 0)}".replace("  ", " ")
        theirs = ref.get("config") or {}
        if theirs and not ref.get("same", True):  # not this sweep (grader.context.sweep_reference): say which it is
            end, per = (theirs.get("schedule") or {}).get("end_lr"), theirs.get("epoch_steps")
            try:
                steps = theirs["epochs"] * (per or steps_per_epoch(theirs["dataset"], theirs["batch_size"]))
                label += f" (another sweep: {theirs['lr']:.0e}→{end:g} in {steps:,} steps)"
            except (KeyError, TypeError, ValueError):
                label += " (another sweep config)"
        return label
    config = ref.get("config") or {}
    parts = [f"reference {ref.get('name') or config.get('optimizer', '')}".rstrip()]
    if isinstance(config.get("lr"), int | float):
        parts.append(f"lr {config['lr']:.3g}")
    if ref.get("seeds"):
        parts.append(f"mean of {ref['seeds']} seeds")
    return ", ".join(parts)


def plots_for(student: StudentResult) -> dict[str, str]:
    """One plot per run that produced a result: {run name: data URI}."""
    plots = {}
    for r in student.runs:
        res = r.result or {}
        if r.seeds and r.kind == "range-test" and _range_reference(r.reference):
            ref = r.reference
            plots[r.name] = drawn(lambda r=r, ref=ref: plot_range_test(
                ref, marks=_marks(student, r.name, "seeds' mean pick"), title=f"{r.name}: LR range test",
                run_label=f"committed seed 0 of {ref.get('seeds')} (not rerun)"))  # fmt: skip
            continue
        if not (res.get("lr") if r.kind == "range-test" else res.get("epochs") or res.get("train_loss_smoothed")):
            continue  # no result, or it diverged before a single point: nothing to draw
        if r.kind == "range-test":
            plots[r.name] = drawn(lambda r=r: plot_range_test(
                r.result, reference=_range_reference(r.reference), marks=_marks(student, r.name),
                title=f"{r.name}: LR range test", reference_label=reference_label(r)))  # fmt: skip
        else:
            plots[r.name] = drawn(lambda r=r: plot_training(
                r.result, reference=_training_reference(r.reference), title=f"{r.name}: training",
                reference_label=reference_label(r), claims=_claims(student, r.name)))  # fmt: skip
    return plots


def _schedule(config: dict) -> str:
    s = config.get("schedule") or {}
    name = s.get("name", "constant")
    shown = SCHEDULES[name].args if name in SCHEDULES else ()
    args = [f"{k}={_short(s[k])}" for k in shown if s.get(k) is not None]
    cadence = {"step": "per step", "epoch": "per epoch"}.get(s.get("cadence") or "", "")
    return name + (f" ({', '.join(args)})" if args else "") + (f" · {cadence}" if cadence else "")


def _short(value: object, most: int = 8) -> str:
    """A schedule argument as a report shows it: a long table (a tabulated LambdaLR: one factor per step) as its
    length and range, not 14,070 numbers."""
    if isinstance(value, list | tuple) and len(value) > most:
        numbers = _values(list(value))
        span = f", {fmt(min(numbers))} … {fmt(max(numbers))}" if numbers else ""
        return f"[{len(value):,} values{span}]"
    return fmt(value)


def _flat(values: object) -> list[float]:
    if isinstance(values, dict):
        values = list(values.values())
    if isinstance(values, list | tuple):
        return [x for v in values for x in _flat(v)]
    return _values(values)


def _ending(r: RunRecord, student: StudentResult) -> dict | None:
    """How a rerun ended early: {step, lr, reason, expected}. A range test that stops by the divergence criterion
    past every pick (claimed, the rule's on the rerun) ended as every sweep does: `expected` is then true."""
    res = r.result or {}
    d = res.get("diverged")
    if not d:
        return None
    lrs = res.get("lr") or []
    stop = lrs[-1] if lrs and isinstance(lrs[-1], int | float) else None
    expected = False
    if r.kind == "range-test" and stop is not None:
        c = _check(student, "lr_claim", r.name)
        picks = (_values(c.claimed) + _values(c.rerun)) if c else []
        picks = picks or _flat(res.get("suggestions") or {})
        expected = bool(picks) and max(picks) <= stop
    return {"step": d.get("step"), "lr": stop, "reason": d.get("reason", ""), "expected": expected}


def _check_view(c: CheckResult, points: float, max_points: float) -> dict:
    """A check as the report's table shows it: fixed columns claimed / rerun / reference, scaled points."""
    d = c.diagnosis or {}
    diagnosis = None
    if d.get("cause"):
        how = ", ".join(x for x in (f"{d['confidence']} confidence" if d.get("confidence") else "",
                                    _confirmed(d) if d.get("confirmed") else "") if x)  # fmt: skip
        diagnosis = f"{d['cause']}" + (f" ({how})" if how else "") + (f": {d['evidence']}" if d.get("evidence") else "")
    return {"check": c.check, "subject": c.subject, "status": c.status, "message": cut(c.message),
            "claimed": fmt(c.claimed), "rerun": fmt(c.rerun), "reference": fmt(c.reference),
            "tolerance": figure(c.tolerance, c.unit), "distance": figure(c.distance, c.unit), "origin": c.origin,
            "points": points, "max_points": max_points, "pending": c.not_checked, "note": c.note,
            "partly": pending_part(c, max_points), "diagnosis": diagnosis, "reviewed": c.reviewed}  # fmt: skip


def _confirmed(d: dict) -> str:
    """How a diagnosis was confirmed: by a counterfactual rerun where its pitfall has one, else by its figures."""
    pitfall = PITFALLS.get(d.get("pitfall") or "")
    return "confirmed by a rerun" if pitfall and pitfall.counterfactual else "confirmed by the figures themselves"


def pending_part(c: CheckResult, max_points: float) -> float | None:
    """The points still pending, on the scale of `max_points`, of a check that was also given some (a chaotic rerun's
    miss), else None: such a check shows its status and "earned / max (x pending)", not NOT CHECKED."""
    return pending_share(c, max_points) if c.pending and c.max_points else None


def _run_view(r: RunRecord, plot: str | None, student: StudentResult) -> dict:
    c, res = r.config, r.result or {}
    lr = f"{fmt(c.get('lr'))} → {fmt((c.get('schedule') or {}).get('end_lr'))}" if r.kind == "range-test" \
        else fmt(c.get("lr"))  # fmt: skip
    seed = c.get("seed") if r.seed_given else f"{c.get('seed')} (the rerun's: the submission set none)"
    if r.seeds:  # not rerun: judged against the committed seeds of its config
        seed = f"{c.get('seed') if r.seed_given else 'none set'} — not rerun (the committed seeds below judge it)"
    schedule = _schedule(c)
    if r.kind == "range-test" and SWEEPS.get((c.get("schedule") or {}).get("name")) == "staircase":
        schedule = "a staircase sweep: " + schedule  # the rules read one point per stair (reference/rules.py)
    config = {"optimizer": c.get("optimizer"), "learning rate": lr, "scheduler": schedule,
              "epochs": c.get("epochs"), "batch size": c.get("batch_size"), "seed": seed}  # fmt: skip
    ran, epochs = len(res.get("epochs") or []), c.get("epochs")
    final = "final" if not ran or ran == epochs else f"at epoch {ran} of {epochs} (this grade's rerun stops there)"
    suggestions = {k: fmt(v) for k, v in (res.get("suggestions") or {}).items()}
    return {"name": r.name, "kind": r.kind, "key": r.key, "cached": r.cached, "error": r.error, "config": config,
            "ok": bool(r.result), "final": res.get("final"), "final_label": final, "best": res.get("best"),
            "ending": _ending(r, student),
            "suggestions": suggestions, "steps": len(res.get("lr") or []), "plot": plot,
            "wall": (res.get("meta") or {}).get("wall_time_s"), "evidence": _evidence_view(r),
            "conditions": r.conditions, "preprocess": c.get("preprocess"), "seeds": r.seeds,
            "deferred": r.deferred, "withheld": False}  # fmt: skip


def _evidence_view(r: RunRecord) -> dict | None:
    """The student's log against this rerun (and its counterfactual reruns): one plot and one line."""
    ev = r.evidence or {}
    if not ev.get("logged") or not r.result:
        return None
    plot = drawn(lambda: plot_logged_vs_rerun(ev["logged"], r.result, ev.get("parts_at"), ev.get("counterfactuals"),
                                              title=f"{r.name}: your log vs the rerun"))  # fmt: skip
    return {"plot": plot, "summary": ev.get("summary", ""), "source": ev["logged"].get("source", ""),
            "counterfactuals": sorted(ev.get("counterfactuals") or {})}  # fmt: skip


def pitfall_counts(cls: ClassResult) -> list[tuple[str, str, int]]:
    """The class summary's "students per pitfall": (pitfall, its title, students with a check it explains)."""
    seen = Counter(k for s in cls.students for k in {(c.diagnosis or {}).get("pitfall") for c in s.checks} if k)
    return [(k, p.title, seen[k]) for k, p in PITFALLS.items() if seen[k]]


def _footer(student: StudentResult, meta: dict) -> dict:
    run_meta = [r.result["meta"] for r in student.runs if r.result and r.result.get("meta")]
    first = run_meta[0] if run_meta else {}
    get = lambda k: meta.get(k) or first.get(k) or "?"  # noqa: E731
    # the seeds of the runs rerun, as their results are stamped; not of those the committed seeds judged (probe 23)
    seeds = sorted({m["seed"] for m in run_meta if m.get("seed") is not None})
    names = sorted({m["device_name"] for m in run_meta if m.get("device_name") not in (None, get("device"))})
    engines = sorted({m.get("engine", "sequential") for m in run_meta}) or [meta.get("engine") or "?"]
    return {"package_version": get("package_version"), "torch_version": get("torch_version"), "device": get("device"),
            "device_name": ", ".join(names), "engine": ", ".join(engines), "seeds": ", ".join(map(str, seeds)) or "—",
            "graded_at": meta.get("graded_at"), "quick": bool(meta.get("quick"))}  # fmt: skip


def score_view(s: StudentResult, command: str | None = None) -> dict:
    """A score as every report shows it: earned, pending and lost, each out of the rubric total, in points and as
    a share of the bar (earned + lost + pending = the total), and the claims checked of those made; what would
    check the rest extends `command` where one is given (a self-check's)."""
    total = s.total_points or 1.0
    checked, made = s.claims
    return {"earned": s.total, "pending": s.pending, "lost": s.lost,
            "earned_pct": round(min(max(100 * s.total / total, 0.0), 100.0), 2),
            "pending_pct": round(min(max(100 * s.pending / total, 0.0), 100.0), 2),
            "lost_pct": round(min(100 * s.lost / total, 100.0), 2),
            "claims_checked": checked, "claims_made": made, "claims_unstated": s.unstated, "coverage": s.coverage,
            "unchecked": s.unchecked(command)}  # fmt: skip


def _counts(checks: list[CheckResult]) -> list[tuple[str, str, int]]:
    """(status, its label, how many) for the report's headline, in the order of STATUS_ORDER."""
    listed = {c.subject for c in checks if c.check == "plausibility" and c.subject != "submission"}
    # the plausibility check's summary row restates its figures' rows: one implausible figure is one fail
    # a skipped check with points pending reads "not checked", a note (CheckResult.note) "note", as in the table
    counts = Counter((c.status, "not checked" if c.not_checked else "note" if c.note else c.status)
                     for c in checks if not (c.check == "plausibility" and c.subject == "submission"
                                             and c.status == "fail" and listed))  # fmt: skip
    return sorted(((*k, n) for k, n in counts.items()), key=lambda t: (STATUS_ORDER.index(t[0]), t[1]))


def student_context(student: StudentResult, assignment: dict, meta: dict, command: str | None = None) -> dict:
    """What report.md/report.html render. An upload's grade (meta budget_s) tells the student what their instructor's
    grade checks, not commands to run, and names no report.html (the platform shows this Markdown alone)."""
    plots = plots_for(student)
    upload = meta.get("budget_s") is not None
    command = command or (UPLOAD if upload else None)
    return {"s": student, "assignment": assignment, "meta": meta, "footer": _footer(student, meta), "upload": upload,
            "score": score_view(student, command),
            "folder": Path(student.folder).name,  # not the instructor's path: the report goes to the student
            "counts": _counts(student.checks), "withheld": "",
            "checks": [_check_view(c, p, m) for c, (p, m) in zip(student.checks, student.scaled(), strict=True)],
            "runs": [_run_view(r, plots.get(r.name), student) for r in student.runs]}  # fmt: skip


_RUN_FIGURES = {"ok": False, "final": None, "best": None, "suggestions": {}, "steps": 0, "ending": None,
                "evidence": None}  # fmt: skip


def visible_markdown(student: StudentResult, assignment: dict, meta: dict,
                     visibility: dict[str, str] | None) -> str:  # fmt: skip
    """The Markdown report as a student may see it now on Gradescope: a check whose [autograder] visibility is not
    "visible" is left out — its row, and the figures of the runs it is about (a sweep's picks, a run's final
    accuracy, its log against the rerun); with it the verdict, the total score and the claims' coverage, which count
    it, give way to one line naming what is withheld. Every check may be shown: the report as written."""
    ctx = student_context(student, assignment, meta)
    held = withheld(student.checks, visibility)
    if held:
        keep = [c.check not in held for c in student.checks]
        about = {c.subject for c in student.checks if c.check in held}
        ctx["checks"] = [v for v, k in zip(ctx["checks"], keep, strict=True) if k]
        ctx["counts"] = _counts([c for c, k in zip(student.checks, keep, strict=True) if k])
        ctx["withheld"] = withheld_line(held)
        ctx["runs"] = [{**r, **_RUN_FIGURES, "withheld": True} if r["name"] in about else r for r in ctx["runs"]]
    return environment().get_template("report.md.j2").render(ctx)


def _finite(x: object) -> object:
    """NaN/inf to null, so results.json stays valid JSON for every reader."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    return [_finite(v) for v in x] if isinstance(x, list | tuple) else x


def write_json(path: Path, data: object) -> None:
    """JSON for every reader: NaN and inf as null."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_finite(data), indent=1) + "\n")


def render_student(student: StudentResult, out_dir: Path, assignment: dict, meta: dict,
                   command: str | None = None) -> None:  # fmt: skip
    """out_dir/report.md, out_dir/report.html (self-contained) and out_dir/results.json (Gradescope); `command`: the
    command line whose extension checks what is pending (see `render_class`)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    env, ctx = environment(), student_context(student, assignment, meta, command)
    (out_dir / "report.md").write_text(env.get_template("report.md.j2").render(ctx))
    (out_dir / "report.html").write_text(env.get_template("report.html.j2").render(ctx))
    write_json(out_dir / "results.json", student.to_gradescope())


def _num(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def report_folders(students: list[StudentResult]) -> list[str]:
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


FIRST_PROBLEM = 160  # characters of a student's first problem shown in class tables


def grade_rows(cls: ClassResult) -> list[list[str]]:
    """grades.csv: header, the points-possible row, then one row per student, every cell spreadsheet-safe.

    `total` is the score on the rubric total (POSSIBLE: that total, the same for every student, as in the reports
    and Gradescope's max_score); a check's column is the share of that check's points earned, in percent, over
    the entries of it this grade checked, their pending rest included (half given and half pending reads 50, not
    100; POSSIBLE 100; empty where nothing of it was checked or it carried no points for that student)."""
    keys = [k for k in dict.fromkeys(c.check for s in cls.students for c in s.checks)
            if any(c.max_points or c.pending for s in cls.students for c in s.checks if c.check == k)]  # fmt: skip
    total = cls.students[0].total_points if cls.students else float(cls.assignment.get("total_points", 100))
    rows = [["id", "name", "folder", "total", "percent", "status", "verdict", "pending", "claims checked",
             "claims made", "claims not stated", *(f"{k} %" for k in keys), "first problem"],
            ["POSSIBLE", "", "", _num(total), "100", "", "", "", "", "", "", *("100" for _ in keys), ""]]  # fmt: skip
    for s in cls.students:
        shares = []
        for k in keys:
            of_k = [c for c in s.checks if c.check == k and c.max_points]  # those this grade checked (some of)
            got, of = sum(c.points for c in of_k), sum(c.max_points + c.pending for c in of_k)
            shares.append(_num(100 * got / of) if of else "")  # of all their points: half given, half pending = 50
        problem = safe.truncate(safe.one_line(s.first_problem), FIRST_PROBLEM)
        checked, made = s.claims
        rows.append([s.id, s.name, Path(s.folder).name, _num(s.total), _num(s.percent), s.status, s.verdict,
                     _num(s.pending), str(checked), str(made), str(s.unstated), *shares, problem])  # fmt: skip
    return [[safe.csv_cell(cell) for cell in row] for row in rows]


def _claim_cell(s: StudentResult) -> str:
    checked, made = s.claims
    return f"{checked} of {made}" if made else "—"


def render_class(cls: ClassResult, out_dir: Path, command: str | None = None) -> None:
    """Per student out_dir/<id>/…, plus index.html, summary.md, grades.csv and results.json. `command`: the command
    line that graded them, where running it again with `--full` (or `--data-root DIR`) checks what is pending (a
    self-check, quick by default); else the reports name a full grade (`--full`)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    folders = report_folders(cls.students)
    for s, folder in zip(cls.students, folders, strict=True):
        render_student(s, out_dir / folder, cls.assignment, cls.meta, command)
    verdicts = Counter(s.verdict for s in cls.students)
    graded = [s for s in cls.students if s.status == "graded"]
    # every verdict's first problem, as the terminal and grades.csv show it (examiner probe 12: an UNVERIFIED row's
    # warning was on neither page)
    problems = [safe.truncate(safe.one_line(s.first_problem), FIRST_PROBLEM) for s in cls.students]
    ctx = {"cls": cls, "assignment": cls.assignment, "meta": cls.meta,
           "rows": list(zip(cls.students, folders, problems, [score_view(s, command) for s in cls.students],
                            strict=True)),
           "verdicts": [(k, verdicts[k]) for k in VERDICT_ORDER if verdicts[k]],
           "pending_lines": cls.pending_lines(command),
           "n_error": len(cls.students) - len(graded),
           "total_points": cls.students[0].total_points if cls.students else None,
           "mean_percent": sum(s.percent for s in graded) / len(graded) if graded else None,
           "pitfalls": pitfall_counts(cls)}  # fmt: skip
    table = [[md(s.id), md(s.name), s.verdict, s.status, _num(s.total), _num(s.pending), _num(s.possible),
              _num(s.percent), _claim_cell(s), md(p)] for s, p in zip(cls.students, problems, strict=True)]  # fmt: skip
    headers = [
        "id",
        "name",
        "verdict",
        "status",
        "total",
        "pending",
        "possible",
        "percent",
        "claims checked",
        "first problem",
    ]
    env = environment()
    (out_dir / "index.html").write_text(env.get_template("index.html.j2").render(ctx))
    summary = tabulate(table, headers, tablefmt="github", disable_numparse=True)
    (out_dir / "summary.md").write_text(env.get_template("summary.md.j2").render(ctx, table=summary))
    with (out_dir / "grades.csv").open("w", newline="") as f:
        csv.writer(f).writerows(grade_rows(cls))
    write_json(out_dir / "results.json", cls.to_dict())
    if command is None and cls.meta.get("budget_s") is None:  # a class grade's: the instructor's template of reviews
        (out_dir / PENDING_FILE).write_text(pending_template(cls), encoding="utf-8")
