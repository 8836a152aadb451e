"""Output safety: every string a student may control passes through one of these before it is written.

HTML is escaped by Jinja's autoescape and JSON by `json.dumps`; this module covers the rest: spreadsheet
cells (OWASP CSV injection), the terminal (control characters and bidi overrides), Markdown, and length.
"""

from __future__ import annotations

import json
import math
import re

# C0 and C1 control characters (but not \n), DEL, and the Unicode bidi/format controls that reorder text
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")  # a cell starting with one of these is a formula to a spreadsheet
_MARKDOWN = re.compile(r"([\\`*_\[\]<>|~&])")  # inline syntax; "(" matters only after "]", escaped already
SHOWN = 60  # characters of a student's quoted value in a message
LINE = 400  # characters of a whole error line
_LEADING = re.compile(r"^(\d*)([-+#.)])(?=\s|$)")  # a list item or heading if it opens a line: "- ", "# ", "1. "


def _escape(match: re.Match) -> str:
    return _code(match.group())


def terminal(text: object, limit: int | None = None) -> str:
    """Text safe to print: control characters shown as escapes (ESC as \\x1b), newlines kept; cut to `limit`."""
    out = _CONTROL.sub(_escape, str(text))
    return truncate(out, limit) if limit else out


def one_line(text: object, limit: int | None = None) -> str:
    """`terminal`, on one line: runs of whitespace (newlines included) become one space."""
    return terminal(re.sub(r"\s+", " ", str(text)).strip(), limit)


def truncate(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary where there is one, ending with … when cut."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "…"


def csv_cell(value: object) -> str:
    """A spreadsheet cell that is never a formula (text starting with = + - @ TAB CR gets a leading quote) and holds no
    control character (shown as `\\x1b`: `cat grades.csv` prints it, never acts on it)."""
    text = "" if value is None else terminal(value)
    return "'" + text if text.startswith(_FORMULA) else text


def markdown(text: object) -> str:
    """Text shown literally inside Markdown (a table cell, a list item): one line, punctuation that Markdown
    or inline HTML would interpret backslash-escaped (CommonMark), control characters escaped."""
    return _LEADING.sub(r"\1\\\2", _MARKDOWN.sub(r"\\\1", one_line(text)))


_UNESCAPE = re.compile(r"\\([\\`*_\[\]<>|~&()#.+-])")  # what `markdown` (and CommonMark) backslash-escape


def plain(markdown_text: str) -> str:
    """A Markdown report as plain text — PrairieLearn shows a result's `output` HTML-escaped in a <pre>, where a
    backslash escape would show: `markdown`'s escapes undone, control characters still escaped (`\\x1b`)."""
    return _UNESCAPE.sub(r"\1", markdown_text)


# ---------------------------------------------------------------- messages about input


class InputError(ValueError):
    """The grader's own error for unreadable input: one line, in the grader's voice, safe to show."""


def escape(text: str) -> str:
    """Control and other non-printable characters (terminal escapes, bidi overrides, NUL) as `\\x1b`-style escapes."""
    if text.isprintable():
        return text
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    return "".join(c if c.isprintable() else named.get(c) or _code(c) for c in text)


def _code(c: str) -> str:
    n = ord(c)
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}" if n < 0x10000 else f"\\U{n:08x}"


def shown(value: object, width: int = SHOWN) -> str:
    """A student's value as TOML would write it, escaped and truncated: `"0.1"`, `true`, `-0.01`, `[1, 2]`."""
    if isinstance(value, str):
        text = '"' + escape(value[: width * 4]) + '"'
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float) and not math.isfinite(value):
        text = "nan" if math.isnan(value) else "inf" if value > 0 else "-inf"
    elif isinstance(value, float):
        text = f"{value:.6g}"
    elif isinstance(value, int):
        text = str(value) if value.bit_length() <= 64 else f"an integer of {value.bit_length()} bits"
    else:
        try:
            text = escape(json.dumps(value, default=str, allow_nan=True)[: width * 4])
        except (TypeError, ValueError, RecursionError):
            text = type(value).__name__
    return text if len(text) <= width else text[: width - 1] + "…"


def line(text: str, limit: int = LINE) -> str:
    """A one-line message for a report: escaped (`escape`) and cut at `limit` (LINE) characters."""
    text = escape(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
