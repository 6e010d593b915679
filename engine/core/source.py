"""Source positions and the rendering of a source line with a caret.

Every user-facing error points into a file. A `Span` names the file and the 1-based
line and column where the offending text starts (and, where known, ends).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import total_ordering
from pathlib import Path

from ..render.escape import terminal_text


@total_ordering
@dataclass(frozen=True, slots=True)
class Span:
    path: str
    line: int
    column: int
    end_line: int | None = None
    end_column: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"

    def _key(self) -> tuple:
        # An unknown end sorts first: dataclass ordering would compare None with int and fail.
        return (self.path, self.line, self.column, self.end_line or 0, self.end_column or 0)

    def __lt__(self, other: "Span") -> bool:
        if not isinstance(other, Span):
            return NotImplemented
        return self._key() < other._key()


def display_path(path: str | Path) -> str:
    """A path as users should see it: relative to the working directory when inside it. A file
    of pcf's own library (methods/, kb/) is shown relative to the working directory wherever
    it is (`../pcf/methods/iso14067/base.pcf`), never as the installation's absolute path."""
    p = Path(path)
    try:
        resolved, cwd = p.resolve(), Path.cwd().resolve()
    except OSError:
        return str(p)
    try:
        return str(resolved.relative_to(cwd))
    except ValueError:
        pass
    from .paths import ROOT
    if resolved.is_relative_to(ROOT / "methods") or resolved.is_relative_to(ROOT / "kb"):
        try:
            return os.path.relpath(resolved, cwd)
        except ValueError:   # another drive
            pass
    return str(p)


MAX_SHOWN_LINE = 160   # characters of a source line shown under an error


def caret_lines(text: str, span: Span) -> list[str]:
    """The source line of `span` and a caret line under the span (at least one caret)."""
    lines = text.splitlines()
    if not 1 <= span.line <= len(lines):
        return []
    line = lines[span.line - 1].replace("\t", " ")
    start = max(span.column - 1, 0)
    if span.end_line == span.line and span.end_column and span.end_column > span.column:
        width = span.end_column - span.column
    else:
        width = 1
    if len(line) > MAX_SHOWN_LINE:
        # A megabyte on one line: show a window around the span, not the whole line.
        first = max(0, min(start - 40, len(line) - MAX_SHOWN_LINE))
        window = line[first:first + MAX_SHOWN_LINE]
        width = min(width, MAX_SHOWN_LINE - (start - first))
        line = ("…" if first else "") + window + ("…" if first + MAX_SHOWN_LINE < len(line) else "")
        start = start - first + (1 if first else 0)
    # Wide (CJK) characters take two terminal cells, an escaped control character (`\x1b`) four:
    # pad the caret accordingly.
    shown = [terminal_text(ch) for ch in line]
    pad = "".join("  " if _is_wide(ch) else " " * len(s) for ch, s in zip(line[:start], shown))
    under = "".join("^^" if _is_wide(ch) else "^" * len(s)
                    for ch, s in zip(line[start:start + width], shown[start:start + width])) or "^"
    return [f"  {''.join(shown)}", f"  {pad}{under}"]


def _is_wide(ch: str) -> bool:
    return "\u1100" <= ch and (
        ch <= "\u115f" or "\u2e80" <= ch <= "\ua4cf" or "\uac00" <= ch <= "\ud7a3"
        or "\uf900" <= ch <= "\ufaff" or "\ufe30" <= ch <= "\ufe4f" or "\uff00" <= ch <= "\uff60"
        or "\uffe0" <= ch <= "\uffe6"
    )


def strip_bom(text: str) -> str:
    # A BOM from Windows editors is not content.
    return text[1:] if text.startswith("\ufeff") else text
