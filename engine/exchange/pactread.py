"""Reading a received PACT document: the footprints in it, their version and where each value is.

A supplier sends one of: a ProductFootprint (an object with `pcf`), a JSON array of them (what
`pcf export --format pact` writes), a ListFootprints response (`{"data": [...]}`) or a
GetFootprint response (`{"data": {...}}`), in PACT v2.x or v3.x (by `specVersion`; v3 renamed
most figures, so the two are told apart before anything is read). Every value keeps the line and
column it was written at, so a problem points into the file.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ..core.errors import Diagnostic, PcfError
from ..core.source import Span, display_path
from ..files.inputfile import read_inside
from ..files.jsonpos import load_with_positions

MAX_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Received:
    """One ProductFootprint of a received document."""
    doc: dict
    path: tuple                        # its path in the file: (0,), ("data", 3), ()
    version: int                       # 3 or 2 (the major of specVersion)
    file: str = ""
    positions: dict = field(default_factory=dict, repr=False, compare=False)

    def span(self, *keys) -> Span:
        """Where the value at `keys` (below this footprint) is written, or its nearest parent."""
        full = (*self.path, *keys)
        while full not in self.positions and full:
            full = full[:-1]
        line, col = self.positions.get(full, (1, 1))
        return Span(self.file, line, col)

    def get(self, *keys):
        node = self.doc
        for k in keys:
            if not isinstance(node, dict) or k not in node:
                return None
            node = node[k]
        return node

    def decimal(self, *keys) -> Decimal | None:
        """A PACT decimal at `keys` (a string in v3; v2 also writes some as JSON numbers), or None."""
        v = self.get(*keys)
        if isinstance(v, bool) or v is None:
            return None
        try:
            return Decimal(str(v)) if isinstance(v, (str, int, float)) else None
        except InvalidOperation:
            return None


def read_footprints(path: Path) -> list[Received]:
    """The footprints of a received file; a positioned PcfError when it is none of the shapes."""
    shown = display_path(path)
    raw = read_inside(path, None, MAX_BYTES, "PACT document")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PcfError([Diagnostic("pact-check", "not UTF-8 text", Span(shown, 1, 1))]) from None
    try:
        value, positions = load_with_positions(text)
    except ValueError as exc:
        line, col = getattr(exc, "lineno", 1), getattr(exc, "colno", 1)
        raise PcfError([Diagnostic("pact-check", f"not JSON: {getattr(exc, 'msg', exc)}", Span(shown, line, col))]) \
            from None
    if isinstance(value, dict) and "data" in value and "pcf" not in value:
        items = value["data"]
        found = [(("data", i), d) for i, d in enumerate(items)] if isinstance(items, list) else [(("data",), items)]
    elif isinstance(value, list):
        found = [((i,), d) for i, d in enumerate(value)]
    else:
        found = [((), value)]
    out, problems = [], []
    for where, doc in found:
        line, col = positions.get(where, (1, 1))
        span = Span(shown, line, col)
        if not isinstance(doc, dict) or "pcf" not in doc:
            problems.append(Diagnostic("pact-check", "not a ProductFootprint (an object with `pcf`)", span))
            continue
        spec = doc.get("specVersion")
        major = spec.split(".")[0] if isinstance(spec, str) else None
        if major not in ("2", "3"):
            problems.append(Diagnostic("pact-check", f"specVersion {spec!r}: pcf reads PACT 2.x and 3.x", span,
                                       hint="a ProductFootprint names its version, e.g. \"specVersion\": \"3.0.3\""))
            continue
        out.append(Received(doc, where, int(major), shown, positions))
    if problems:
        raise PcfError(problems)
    if not out:
        raise PcfError([Diagnostic("pact-check", "no ProductFootprint in the document", Span(shown, 1, 1))])
    return out


def parse_time(v) -> datetime | None:
    """A PACT date-time (ISO 8601 with a zone, `Z` allowed), or None when it is not one."""
    if not isinstance(v, str):
        return None
    try:
        t = datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo is not None else None
