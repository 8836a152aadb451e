"""The instructor's reviews by hand of pending checks (docs/reviews.md): `reviews.toml` read and applied after the
checks, and `pending.toml`, the template of the decisions a class grade leaves to them.

A check "pending review by hand" (a baseline shortfall at the student's own LR, a chaotic rerun's miss, a claim no
rerun decides, …) has its points neither earned nor lost. A `[[review]]` naming it (student, check, subject) gives
`award` of them — "all", "none" or a fraction — and the check is decided: its points earned as reviewed, pending 0,
PASS (all of its points earned) / WARN (some) / FAIL (none), its message keeping the grader's and ending with the
review and its note. Every output (reports, grades.csv, results.json, the exports, the pending lines) reads the
decided check, so none still counts it pending. A review that names no pending check (a regrade decided it, a typo)
is one warning line, never an error and never dropped silently."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from grader.load import parse_toml, read_text, validate
from grader.results import CheckResult, ClassResult, StudentResult
from grader.safe import InputError, escape, line, one_line, shown
from grader.schema import Review, Reviews

REVIEWS_FILE = "reviews.toml"  # in the class folder, beside assignment.toml
PENDING_FILE = "pending.toml"  # in a class grade's --out folder: the template of reviews.toml
REVIEWS_CAP = 4 * 1024 * 1024  # bytes: 10,000 [[review]] blocks with notes of a few hundred characters
WARNINGS_SHOWN = 20  # warning lines a grade prints (the rest counted in one more line)


def load_reviews(path: Path) -> Reviews:
    """The reviews at `path` (the instructor's file: a link is followed), bounded and validated; InputError (a
    ValueError): one line naming the file, the entry and the fix."""
    label = path.name if path.name == REVIEWS_FILE else f"reviews file {path.name}"
    if not os.path.lexists(path):
        raise InputError(f"no such reviews file: {escape(str(path))[:200]}")
    try:
        return validate(Reviews, parse_toml(read_text(path, REVIEWS_CAP, label, follow=True, fix=""), label), label)
    except InputError as err:
        raise InputError(line(str(err))) from None


def decide(c: CheckResult, review: Review) -> CheckResult:
    """Check `c` with its pending points decided by `review`: the awarded share earned, the rest lost."""
    given = review.fraction * c.pending
    points, most = c.points + given, c.max_points + c.pending
    status = "pass" if points >= most - 1e-9 else "fail" if points <= 1e-9 else "warn"
    award = {"all": "all of its pending points given", "none": "none of its pending points given"}.get(
        str(review.award), f"{review.fraction:.0%} of its pending points given"
    )
    note = one_line(review.note)
    message = f"{c.message.rstrip()} Reviewed by hand ({award})" + (f": {note}" if note else ".")
    return replace(c, status=status, points=points, max_points=most, pending=0.0, message=message,
                   review={"award": review.award, "note": review.note, "pending": c.pending})  # fmt: skip


def apply_reviews(students: list[StudentResult], reviews: Reviews) -> tuple[list[StudentResult], dict]:
    """`students` with every pending check a review names decided (`decide`), and what happened: {"applied": how
    many, "warnings": one line per review that names no pending check, "unmatched": those reviews, as written}."""
    by_key = {r.key: r for r in reviews.review}
    used: set[tuple[str, str, str]] = set()
    decided: dict[tuple[str, str, str], str] = {}  # reviews naming a check that exists but is not pending
    out = []
    for s in students:
        names = list(dict.fromkeys((s.id, Path(s.folder).name)))
        checks = []
        for c in s.checks:
            key = next(((n, c.check, c.subject) for n in names if (n, c.check, c.subject) in by_key), None)
            if key is not None and c.pending > 0:
                checks.append(decide(c, by_key[key]))
                used.add(key)
                continue
            if key is not None:
                decided.setdefault(key, f"{c.status.upper()}, {_raw(c.points)}/{_raw(c.max_points)} points")
            checks.append(c)
        out.append(replace(s, checks=checks) if checks != s.checks else s)
    students_known = {n for s in students for n in (s.id, Path(s.folder).name)}
    warnings, unmatched = [], []
    for r in reviews.review:
        if r.key in used:
            continue
        what = f"{shown(r.student, 40)} · {r.check} · {shown(r.subject, 60)}"
        if r.key in decided:
            why = f"not pending in this grade (the grader decided it: {decided[r.key]}); left as the grader decided"
        elif r.student not in students_known:
            why = "no such student in this grade (an id or folder name of the class)"
        else:
            why = "that student has no such check (check and subject as reports/pending.toml names them)"
        warnings.append(f"review of {what}: {why}")
        unmatched.append(r.model_dump(mode="json"))
    return out, {"applied": len(used), "warnings": warnings, "unmatched": unmatched}


def _raw(x: float) -> str:
    return f"{x:.4g}"


def toml_string(text: str) -> str:
    """`text` as a TOML basic string: quotes and backslashes escaped, every character that is not printable (control
    characters, bidi overrides, line separators) as a \\u escape — TOML reads back exactly `text`."""
    named = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b", "\f": "\\f"}
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch in named:
            out.append(named[ch])
        elif ch.isprintable() and ch not in "\u2028\u2029":
            out.append(ch)
        else:
            n = ord(ch)
            out.append(f"\\u{n:04x}" if n < 0x10000 else f"\\U{n:08x}")
    return '"' + "".join(out) + '"'


def _award_value(award: object) -> str:
    return toml_string(award) if isinstance(award, str) else f"{award:g}"


HEADER = """\
# Checks whose points this grade left pending, one [[review]] block each: decide each by hand (its report shows the
# run's curves beside the reference's, the grader's reason and figures), then uncomment its block (the lines starting
# "# " below its title), replace award's "?" with your decision, add a `note` if you like, save this file as
# reviews.toml in the class folder (beside assignment.toml) and grade again: the cache makes it seconds, and every
# regrade applies the file again.
#   award = "all"   all of the check's pending points given (PASS)
#   award = "none"  none of them (FAIL, the pending points lost)
#   award = 0.5     a fraction from 0 to 1 of them (WARN where some are lost)
#   note = "…"      shown to the student in the check's message ("Reviewed by hand (…): …")
# Points below are on the rubric total's scale (what grades.csv shows), raw rubric points in brackets.
# Blocks left commented are not read. A review whose check is not pending any more (a regrade decided it) is a
# warning line of the grade, never applied. Format: docs/reviews.md.
"""


def pending_template(cls: ClassResult) -> str:
    """reports/pending.toml: one commented [[review]] block per check of the class still pending, after the reviews
    already applied (kept as they are, uncommented, so that saving this file as reviews.toml keeps them) and those
    that named no pending check (kept commented, with the grade's warning)."""
    blocks = [HEADER]
    reviewed, pending = [], []
    for s in cls.students:
        for c, share in zip(s.checks, s.pending_shares(), strict=True):
            if c.reviewed:
                reviewed.append((s, c))
            elif c.pending > 0:
                pending.append((s, c, share))
    if reviewed:
        blocks.append(f"# ---- decided by hand already ({len(reviewed)}): applied by this grade\n")
        for s, c in reviewed:
            review = c.review or {}
            blocks.append(_block(s.id, c.check, c.subject, _award_value(review.get("award")), review.get("note", ""),
                                 [f"{s.id} · {c.check} · {c.subject}: {_raw(review.get('pending', 0))} raw points "
                                  "were pending"], commented=False))  # fmt: skip
    unmatched = (cls.meta.get("reviews") or {}).get("unmatched") or []
    if unmatched:
        blocks.append(f"# ---- reviews that named no pending check ({len(unmatched)}): not applied\n")
        for r in unmatched:
            blocks.append(_block(r["student"], r["check"], r["subject"], _award_value(r["award"]), r.get("note", ""),
                                 [f"{r['student']} · {r['check']} · {r['subject']}: no pending check of that name in "
                                  "this grade (see the grade's warning)"], commented=True))  # fmt: skip
    blocks.append(f"# ---- pending ({len(pending)})\n" if pending else "# ---- nothing pending\n")
    for s, c, share in pending:
        title = (f"{s.id} · {c.check} · {c.subject}: {share:g} of {s.total_points:g} points pending "
                 f"[{_raw(c.pending)} raw]" + (f" ({c.why})" if c.why else ""))  # fmt: skip
        blocks.append(_block(s.id, c.check, c.subject, '"?"', "", [title, f"grader: {c.message}"], commented=True))
    return "\n".join(blocks)


def _block(student: str, check: str, subject: str, award: str, note: str, about: list[str], commented: bool) -> str:
    """A [[review]] block under its comment lines (`about`, one line each, control characters escaped)."""
    head = [f"# {one_line(a, 600)}" for a in about]
    body = ["[[review]]", f"student = {toml_string(student)}", f"check = {toml_string(check)}",
            f"subject = {toml_string(subject)}", f"award = {award}" + ('  # "all", "none" or a fraction from 0 to 1'
                                                                         if commented else ""),
            f"note = {toml_string(note)}"]  # fmt: skip
    return "\n".join([*head, *(("# " + b) if commented else b for b in body)]) + "\n"
