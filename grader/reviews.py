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
from collections.abc import Iterable
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
    """Check `c` with its pending points decided by `review`: the awarded share earned, the rest lost. Its message
    starts with the decision and keeps the grader's after it, as history ("… what the grader said: …")."""
    given = review.fraction * c.pending
    points, most = c.points + given, c.max_points + c.pending
    status = "pass" if points >= most - 1e-9 else "fail" if points <= 1e-9 else "warn"
    award = {"all": "all of its pending points given", "none": "none of its pending points given"}.get(
        str(review.award), f"{review.fraction:.0%} of its pending points given"
    )
    note = one_line(review.note).rstrip()
    said = f"Reviewed by hand ({award})" + (f": {note}" if note else "")
    message = f"{said}{'' if said.endswith(('.', '!', '?')) else '.'} Before that review, the grader said: " \
        f"{c.message.strip()}"  # fmt: skip
    return replace(c, status=status, points=points, max_points=most, pending=0.0, message=message,
                   review={"award": review.award, "note": review.note, "pending": c.pending, "why": c.why})  # fmt: skip


def _stale(r: Review, c: CheckResult) -> str:
    """Why review `r`, made when its check was pending for another reason or other points (pending.toml records
    both), does not decide `c` as it is pending now; "" where it does (or records neither: written by hand)."""
    same_why = r.why is None or r.why == (c.why or "")
    same_points = r.pending is None or abs(r.pending - c.pending) <= 1e-6 * max(1.0, abs(c.pending))
    if same_why and same_points:
        return ""
    then = f"{shown(r.why or c.why or '?', 40)}, {_raw(r.pending if r.pending is not None else c.pending)} raw points"
    now = f"{shown(c.why or '?', 40)}, {_raw(c.pending)} raw points"
    return f"was pending for {then}, now for {now}: not applied; decide it again in pending.toml"


def resolve(reviews: Reviews, people: list[tuple[str, str]]) -> list[int | None]:
    """The student (an index of `people`, (id, folder name) pairs: this grade's and those --only/--skip left out)
    each review names: the one whose id it is, else the one whose folder name it is, else None. A name two students
    answer to, or two reviews of one student's same check (once by id, once by folder name), is an InputError."""
    by_id: dict[str, list[int]] = {}
    by_folder: dict[str, list[int]] = {}
    for i, (sid, folder) in enumerate(people):
        by_id.setdefault(sid, []).append(i)
        by_folder.setdefault(folder, []).append(i)
    who: list[int | None] = []
    seen: dict[tuple[int, str, str], int] = {}
    for n, r in enumerate(reviews.review):
        found = by_id.get(r.student) or by_folder.get(r.student) or []
        if len(found) > 1:
            names = ", ".join(shown(people[i][0], 40) for i in found[:4])
            raise InputError(line(f"reviews: review[{n}] names {shown(r.student, 40)}, which {len(found)} students "
                                  f"answer to ({names}): name one by its id, as grades.csv shows it"))  # fmt: skip
        i = found[0] if found else None
        if i is not None and (m := seen.setdefault((i, r.check, r.subject), n)) != n:
            other = reviews.review[m].student
            raise InputError(line(f"reviews: review[{n}] decides the same check as review[{m}] ({shown(r.student, 40)}"
                                  f" and {shown(other, 40)} are both the student {shown(people[i][0], 40)}; "
                                  f"{r.check}, {shown(r.subject, 40)}): keep one"))  # fmt: skip
        who.append(i)
    return who


def apply_reviews(students: list[StudentResult], reviews: Reviews, left_out: Iterable[tuple[str, str]] = (),
                  template: Path | None = None) -> tuple[list[StudentResult], dict]:  # fmt: skip
    """`students` with every pending check a review names decided (`decide`), and what happened: {"applied": how
    many, "warnings": one line per review that names no pending check of this grade's students, "unmatched": those
    reviews, as written, "outside": the reviews of students `left_out` ((id, folder name) pairs: --only / --skip), as
    written}. A review names a student by id, else by folder name (`resolve`: a name two students answer to, or two
    reviews of one check, is an InputError). A review whose recorded reason or points pending (`why`, `pending`, as
    pending.toml writes them) are not the check's now decides nothing: a warning (`_stale`). `template`: the
    pending.toml this grade writes, named in the warnings."""
    people = [(s.id, Path(s.folder).name) for s in students] + list(left_out)
    who = resolve(reviews, people)
    mine: dict[int, dict[tuple[str, str], int]] = {}
    for n, i in enumerate(who):
        if i is not None:
            mine.setdefault(i, {})[reviews.review[n].check, reviews.review[n].subject] = n
    used: set[int] = set()
    why_not: dict[int, str] = {}  # reviews naming a check that exists but is not pending, or pending otherwise now
    out = []
    for i, s in enumerate(students):
        checks = []
        for c in s.checks:
            n = mine.get(i, {}).get((c.check, c.subject))
            if n is not None and c.pending > 0 and not (stale := _stale(reviews.review[n], c)):
                checks.append(decide(c, reviews.review[n]))
                used.add(n)
                continue
            if n is not None:
                why_not.setdefault(n, stale if c.pending > 0 else "not pending in this grade (the grader decided it: "
                                   f"{c.status.upper()}, {_raw(c.points)}/{_raw(c.max_points)} points); left as the "
                                   "grader decided")  # fmt: skip
            checks.append(c)
        out.append(replace(s, checks=checks) if checks != s.checks else s)
    named = f"{template}" if template is not None else "the grade's pending.toml"
    warnings, unmatched, outside = [], [], []
    for n, r in enumerate(reviews.review):
        if n in used:
            continue
        written = r.model_dump(mode="json", exclude_none=True)
        if who[n] is not None and who[n] >= len(students):
            outside.append(written)
            continue
        what = f"{shown(r.student, 40)} · {r.check} · {shown(r.subject, 60)}"
        if n in why_not:
            why = why_not[n]
        elif who[n] is None:
            why = "no such student in this grade (an id or folder name of the class)"
        else:
            why = f"that student has no such check (check and subject as {named} names them)"
        warnings.append(f"review of {what}: {why}")
        unmatched.append(written)
    return out, {"applied": len(used), "warnings": warnings, "unmatched": unmatched, "outside": outside}


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
    """reports/pending.toml: one commented [[review]] block per check of the class still pending (with the reason
    and the raw points pending, which the review then applies to only, and the check's figures), after the reviews
    already applied (kept as they are, uncommented, so that saving this file as reviews.toml keeps them), those of
    students this grade left out (--only / --skip: kept uncommented too) and those that named no pending check (kept
    commented, with the grade's warning)."""
    blocks = [HEADER]
    reviewed, pending = [], []
    for s in cls.students:
        for c, share in zip(s.checks, s.pending_shares(), strict=True):
            if c.reviewed:
                reviewed.append((s, c))
            elif c.pending > 0:
                pending.append((s, c, share))
    done = cls.meta.get("reviews") or {}
    if reviewed:
        blocks.append(f"# ---- decided by hand already ({len(reviewed)}): applied by this grade\n")
        for s, c in reviewed:
            review = c.review or {}
            was = review.get("pending", 0)
            blocks.append(_block(s.id, c.check, c.subject, _award_value(review.get("award")), review.get("note", ""),
                                 [f"{s.id} · {c.check} · {c.subject}: {_raw(was)} raw points were pending"
                                  + (f" ({c.why})" if c.why else "")], commented=False,
                                 why=review.get("why", c.why), points=was))  # fmt: skip
    if outside := done.get("outside") or []:
        blocks.append(f"# ---- decisions on students this grade left out (--only / --skip) ({len(outside)}): kept as "
                      "they are, for the grades that include them\n")  # fmt: skip
        for r in outside:
            blocks.append(_written(r, [f"{r['student']} · {r['check']} · {r['subject']}: not in this grade"], False))
    if unmatched := done.get("unmatched") or []:
        blocks.append(f"# ---- reviews that named no pending check ({len(unmatched)}): not applied\n")
        for r in unmatched:
            blocks.append(_written(r, [f"{r['student']} · {r['check']} · {r['subject']}: no pending check of that name "
                                       "and reason in this grade (see the grade's warning)"], True))  # fmt: skip
    blocks.append(f"# ---- pending ({len(pending)})\n" if pending else "# ---- nothing pending\n")
    for s, c, share in pending:
        title = (f"{s.id} · {c.check} · {c.subject}: {share:g} of {s.total_points:g} points pending "
                 f"[{_raw(c.pending)} raw]" + (f" ({c.why})" if c.why else ""))  # fmt: skip
        about = [title, f"grader: {c.message}", *([f"figures: {f}"] if (f := _figures(c)) else [])]
        blocks.append(_block(s.id, c.check, c.subject, '"?"', "", about, commented=True, why=c.why, points=c.pending))
    return "\n".join(blocks)


def _figures(c: CheckResult) -> str:
    """The check's figures to decide by (claimed, logged, rerun, reference, how far apart and how far they may be)."""
    named = (("claimed", c.claimed), ("logged", c.logged), ("rerun", c.rerun), ("reference", c.reference))
    parts = [f"{k} {_value(v)}" for k, v in named if v is not None]
    if c.distance is not None:
        parts.append(f"distance {_raw(c.distance)}{' ' + c.unit if c.unit else ''}")
    if c.tolerance is not None:
        parts.append(f"tolerance {_raw(c.tolerance)}{' ' + c.unit if c.unit else ''}")
    return " · ".join(parts)


def _value(v: object) -> str:
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return _raw(v) if isinstance(v, (int, float)) else str(v)


def _written(r: dict, about: list[str], commented: bool) -> str:
    """A review as the reviews file wrote it (`Review.model_dump`, None left out), as a block."""
    return _block(r["student"], r["check"], r["subject"], _award_value(r["award"]), r.get("note", ""), about,
                  commented=commented, why=r.get("why"), points=r.get("pending"))  # fmt: skip


def _block(student: str, check: str, subject: str, award: str, note: str, about: list[str], commented: bool,
           why: str | None = None, points: float | None = None) -> str:  # fmt: skip
    """A [[review]] block under its comment lines (`about`, one line each, control characters escaped); `why` and
    `points` (the raw points pending) where known: the review then applies only while the check is pending so."""
    head = [f"# {one_line(a, 600)}" for a in about]
    body = ["[[review]]", f"student = {toml_string(student)}", f"check = {toml_string(check)}",
            f"subject = {toml_string(subject)}", f"award = {award}" + ('  # "all", "none" or a fraction from 0 to 1'
                                                                         if commented else ""),
            f"note = {toml_string(note)}"]  # fmt: skip
    if why:
        body.append(f"why = {toml_string(why)}  # the reason it is pending: the review applies only while it is")
    if points is not None:
        body.append(f"pending = {float(points)!r}  # raw points pending: the review applies only while they are")
    return "\n".join([*head, *(("# " + b) if commented else b for b in body)]) + "\n"
