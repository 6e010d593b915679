"""A method file in canonical layout with its comments and blank lines kept: what `pcf fmt` writes.

`format.format_method` prints nodes, which hold no comments. This module puts the file's comments
back around that printing, anchored by the source lines the nodes' spans name:

- a comment alone on its line goes before the printed line of the code that follows it in the
  source (a declaration, a table column, a map entry, a closing brace), at that line's indent;
- a comment after code goes at the end of the printed line of the code it followed (two spaces
  before the `#`); several joined lines' comments follow one another;
- the comments and blank lines above `method` stay as they are (runs of blank lines become one);
- one blank line is kept where the source had blank lines before a declaration or its comments;
- a line wider than `WIDTH` is broken before its outermost operators, continued 4 spaces deeper.

The result is checked before it is returned: it builds back to the same nodes (spans aside) and
holds the same comments, in the same order unless `format_method` moved a declaration (settings
come first). Anything else raises `LayoutError`, and the caller keeps the file as it is.
"""
from __future__ import annotations

import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from . import nodes as n
from .build import build_method
from .format import INDENT, _declaration, format_method, without_spans

WIDTH = 120      # display columns
CONTINUATION = "    "


class LayoutError(ValueError):
    """The comments could not be placed without losing or changing one."""


@dataclass(frozen=True)
class Comment:
    line: int        # 1-based source line
    column: int      # 0-based index of the `#` in its line
    text: str        # from the `#`, trailing blanks removed
    alone: bool      # nothing but blanks before it on its line


@dataclass(frozen=True)
class Printed:
    text: str        # without indent
    depth: int       # indent levels
    anchor: int      # the 1-based source line it prints
    head: bool       # the first line of a declaration (a blank line may go before it)
    gap: bool = False  # a blank line always goes before it (between the settings and the rest)


def comments_of(text: str) -> list[Comment]:
    """Every `#` comment of the text, outside strings."""
    out = []
    for i, row in enumerate(text.split("\n"), start=1):
        at = _comment_start(row)
        if at is not None:
            out.append(Comment(i, at, row[at:].rstrip(), not row[:at].strip()))
    return out


def _outside_strings(row: str):
    """(index, character) of each character of `row` outside double-quoted strings (whose `\\"`
    does not end them); the quotes themselves are yielded."""
    quoted = escaped = False
    for i, ch in enumerate(row):
        if quoted:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                quoted = False
                yield i, ch
            continue
        if ch == '"':
            quoted = True
        yield i, ch


def _comment_start(row: str) -> int | None:
    return next((i for i, ch in _outside_strings(row) if ch == "#"), None)


def format_file(text: str, path: str, width: int = WIDTH) -> str:
    """The canonical text of a method file, comments and blank lines kept. Raises PcfError when
    the text does not parse, LayoutError when the comments cannot be kept."""
    method = build_method(text, path)
    text = method.text or text
    rows = text.split("\n")
    comments = comments_of(text)
    printed = _printed(method, width)
    head_line = method.span.line
    before: dict[int, list[Comment]] = {}     # index of a printed line -> comments alone before it
    after: dict[int, list[Comment]] = {}      # index of a printed line -> comments at its end
    out: list[str] = _preamble(rows, head_line)
    code_lines = _code_lines(rows, comments)
    nearest = _nearest_index(printed)
    for c in comments:
        if c.line < head_line:
            continue
        if c.alone:
            k = bisect_right(code_lines, c.line)
            nxt = code_lines[k] if k < len(code_lines) else (method.span.end_line or c.line)
            before.setdefault(nearest(nxt), []).append(c)
        else:
            after.setdefault(nearest(c.line), []).append(c)
    previous_printed = None
    for i, p in enumerate(printed):
        indent = INDENT * p.depth
        lead = before.get(i, [])
        first_source = lead[0].line if lead else p.anchor
        if p.gap or (p.head and previous_printed is not None and previous_printed.depth <= p.depth
                     and not previous_printed.text.endswith("{") and _blank_before(rows, first_source)):
            out.append("")
        # a comment before a closing brace belongs to the block's inside
        lead_indent = INDENT * (p.depth + 1) if p.text == "}" else indent
        out.extend(lead_indent + c.text for c in lead)
        lines = _wrap(p.text, width - columns(indent))
        lines = [indent + line for line in lines]
        trail = after.get(i, [])
        if trail:
            # at the column it had when the code before it still ends before that (aligned
            # comments stay aligned), else two spaces after the code
            code = lines[-1] + "  "
            lines[-1] = code.ljust(trail[0].column) + " ".join(c.text for c in trail)
        out.extend(lines)
        previous_printed = p
    result = "\n".join(out) + "\n"
    _verify(method, comments, result, path)
    return result


def _preamble(rows: list[str], head_line: int) -> list[str]:
    """The lines above `method`: comments as written, runs of blank lines as one."""
    out: list[str] = []
    for row in rows[:head_line - 1]:
        row = row.rstrip()
        if row or (out and out[-1]):
            out.append(row)
    return out


def _code_lines(rows: list[str], comments: list[Comment]) -> list[int]:
    alone = {c.line for c in comments if c.alone}
    return [i for i, row in enumerate(rows, start=1) if row.strip() and i not in alone]


def _blank_before(rows: list[str], line: int) -> bool:
    return line >= 2 and not rows[line - 2].strip()


def _nearest_index(printed: list[Printed]):
    """A function: source line -> the printed line for it: the first one printing it, else the
    last one printing the nearest earlier line (a formula's continuation), else the first."""
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for i, p in enumerate(printed):
        first.setdefault(p.anchor, i)
        last[p.anchor] = i
    anchors = sorted(first)

    def nearest(line: int) -> int:
        if line in first:
            return first[line]
        k = bisect_left(anchors, line)
        return last[anchors[k - 1]] if k else 0
    return nearest


def _printed(method: n.Method, width: int) -> list[Printed]:
    """format_method's lines, each with the source line it prints."""
    out = [Printed(format_method(method).split("\n", 1)[0], 0, method.span.line, True)]
    for d in (*method.settings, *method.decls):
        gap = bool(method.settings) and d is (method.decls[0] if method.decls else None)
        lines = _declaration(d)
        children = _children(d)
        if isinstance(d, n.Rule) and len(lines) > 1 and d.span.line == d.span.end_line:
            # a rule written on one line stays on one line (when it fits)
            one = lines[0] + " " + "  ".join(line.strip() for line in lines[1:-1]) + " }"
            if columns(INDENT + one) <= width:
                lines = [one]
        out.append(Printed(lines[0], 1, d.span.line, True, gap))
        if len(lines) == 1:
            continue
        # a block: its head, one line per child, its closing brace (format._declaration's shape)
        for line, child in zip(lines[1:-1], children):
            out.append(Printed(line.removeprefix(INDENT), 2, child.span.line, False))
        out.append(Printed(lines[-1], 1, d.span.end_line or d.span.line, False))
    out.append(Printed("}", 0, method.span.end_line or out[-1].anchor, False))
    return out


def _children(d) -> tuple:
    if isinstance(d, n.Table):
        return d.columns
    if isinstance(d, n.Map):
        return d.entries
    if isinstance(d, n.Scenario):
        return d.sets
    if isinstance(d, n.Rule):
        return d.args
    return ()


def _wrap(line: str, width: int) -> list[str]:
    """The line broken until each piece fits `width` display columns (a CJK character is two).
    The places: a declaration's `=`, then binary operators, weakest binding first (`else`, `or`,
    `and`, `+ -`, `* /`), outermost parentheses first. The first of these that makes every piece
    fit is taken; when none does, the first that breaks at all, and each piece is broken again.
    Each piece after the first continues 4 spaces deeper. A line with no such place stays as is."""
    if columns(line) <= width:
        return [line]
    cuts = _operator_cuts(line)
    options = []
    for depth in sorted({d for _, _, d in cuts}):
        for ops in (("=",), ("else",), ("or",), ("and",), ("+", "-"), ("*", "/")):
            at = [i for i, op, d in cuts if d == depth and op in ops]
            pieces = _greedy(line, at, width) if at else []
            if len(pieces) > 1:
                options.append(pieces)
    if not options:
        return [line]
    fits = lambda pieces: columns(pieces[0]) <= width and all(    # noqa: E731
        columns(p) <= width - len(CONTINUATION) for p in pieces[1:])
    pieces = next((p for p in options if fits(p)), options[0])
    out = _wrap(pieces[0], width)
    for piece in pieces[1:]:
        out.extend(CONTINUATION + p for p in _wrap(piece, width - len(CONTINUATION)))
    return out


def _greedy(line: str, at: list[int], width: int) -> list[str]:
    """The line cut at the last of `at` that keeps each piece within the width (or the first cut
    past it when none does)."""
    pieces, start, limit = [], 0, width
    while columns(line[start:]) > limit:
        fits = [i for i in at if start < i and columns(line[start:i]) <= limit]
        cut = fits[-1] if fits else next((i for i in at if i > start), None)
        if cut is None:
            break
        pieces.append(line[start:cut].rstrip())
        start, limit = cut + 1, width - len(CONTINUATION)
    pieces.append(line[start:])
    return pieces


def columns(text: str) -> int:
    """Display width: East Asian wide and full-width characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _operator_cuts(line: str) -> list[tuple[int, str, int]]:
    """(index of the space before it, operator, parenthesis depth) of each place the line may be
    broken: a binary operator with a space on each side, `else`, and the `=` of a declaration."""
    out = []
    depth = 0
    for i, ch in _outside_strings(line):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == " ":
            for op in ("else", "or", "and", "+", "-", "*", "/", "="):
                if line.startswith(f" {op} ", i):
                    out.append((i, op, depth))
    return out


def _verify(method: n.Method, comments: list[Comment], result: str, path: str) -> None:
    try:
        again = build_method(result, path)
    except Exception as exc:  # noqa: BLE001 - any failure means the layout is wrong, keep the file
        raise LayoutError(f"the formatted text does not build ({exc})") from None
    if without_spans(again) != without_spans(method):
        raise LayoutError("the formatted text builds to another method")
    kept = [c.text for c in comments_of(result)]
    if sorted(kept) != sorted(c.text for c in comments):
        raise LayoutError("a comment would be lost or changed")
