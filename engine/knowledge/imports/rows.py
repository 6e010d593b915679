"""Rows of a CSV or XLSX file, each with the position of its cells, for the importers.

A CSV row is numbered by its physical line (1-based, a quoted cell with a newline counts its
lines) and a cell by column number; an XLSX row by sheet, row and column. Both render as a
`Span` whose path names the file (and sheet), so problems print as `file:line:col` or
`file.xlsx:Sheet:row:col`.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from ...core.errors import Diagnostic, PcfError
from ...core.source import Span, display_path
from ...files.csvstream import numbered_csv_rows


@dataclass(frozen=True)
class Row:
    where: str                   # the file as shown (and `:Sheet` for a workbook)
    line: int                    # CSV line or sheet row, 1-based
    cells: dict[str, str]        # header -> text of the cell ('' when empty)
    columns: dict[str, int]      # header -> column number, 1-based

    def span(self, column: str | None = None) -> Span:
        return Span(self.where, self.line, self.columns.get(column, 1) if column else 1)

    def problem(self, column: str | None, message: str, hint: str | None = None) -> Diagnostic:
        return Diagnostic("kb-import", message, self.span(column), hint=hint)


def read_rows(path: Path, required: tuple[str, ...], sheet: str | None = None,
              aliases: dict[str, tuple[str, ...]] | None = None) -> list[Row]:
    """Every data row under the header row: the first row holding all `required` columns
    (or one of each column's `aliases`); rows whose cells are all empty are skipped."""
    shown = display_path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        tables = _xlsx(path, shown, sheet)
    else:
        tables = [(shown, _csv(path, shown))]
    wanted = [(name, (name, *(aliases or {}).get(name, ()))) for name in required]
    for where, lines in tables:
        header = None
        rows: list[Row] = []
        for line, values in lines:
            texts = [_text(v) for v in values]
            if header is None:
                present = {t.strip(): i for i, t in enumerate(texts) if t.strip()}
                if all(any(a in present for a in names) for _, names in wanted):
                    header = dict(present)
                    for name, names in wanted:   # the canonical name points at the alias found
                        header.setdefault(name, next(present[a] for a in names if a in present))
                continue
            if not any(t.strip() for t in texts):
                continue
            rows.append(Row(where, line, {h: (texts[i].strip() if i < len(texts) else "") for h, i in header.items()},
                            {h: i + 1 for h, i in header.items()}))
        if header is not None:
            return rows
    raise PcfError([Diagnostic("kb-import", f"no header row with the columns {', '.join(required)}",
                               Span(tables[0][0] if tables else shown, 1, 1),
                               hint="is this the right format for the file?")])


def _csv(path: Path, shown: str) -> Iterator[tuple[int, list]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PcfError([Diagnostic("kb-import", "file is not UTF-8 text", Span(shown, 1, 1),
                                   hint="save the CSV as UTF-8")]) from None
    for values, start in numbered_csv_rows(io.StringIO(text, newline=""), shown, "kb-import", "malformed CSV: {}"):
        yield start, values


def _xlsx(path: Path, shown: str, sheet: str | None) -> list[tuple[str, Iterator]]:
    import openpyxl   # only workbooks need it
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise PcfError([Diagnostic("kb-import", f"not a readable .xlsx workbook ({type(exc).__name__})",
                                   Span(shown, 1, 1))]) from None
    names = wb.sheetnames if sheet is None else [sheet]
    if sheet is not None and sheet not in wb.sheetnames:
        raise PcfError([Diagnostic("kb-import", f"no sheet `{sheet}`", Span(shown, 1, 1),
                                   hint=f"sheets: {', '.join(wb.sheetnames)}")])
    return [(f"{shown}:{name}", ((i, list(r)) for i, r in enumerate(wb[name].iter_rows(values_only=True), 1)))
            for name in names]


def _text(value) -> str:
    """A cell as text; numbers keep their shortest exact form (3033.38067, not 3033.3806700000001)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def number(row: Row, column: str) -> float | Diagnostic:
    """The cell as a finite number, or the problem to report (thousands separators allowed)."""
    text = row.cells.get(column, "")
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        return row.problem(column, f"{column}: expected a number, found {text!r}")
    if value != value or value in (float("inf"), float("-inf")):
        return row.problem(column, f"{column}: expected a finite number, found {text!r}")
    return value


def slug(text: str) -> str:
    """Lowercase words joined by `_`, for id parts: `HGV (all diesel)` -> `hgv_all_diesel`."""
    out, word = [], []
    for ch in text.lower():
        if ch.isascii() and ch.isalnum():
            word.append(ch)
        elif word:
            out.append("".join(word))
            word = []
    if word:
        out.append("".join(word))
    return "_".join(out)


def year(row: Row, column: str) -> int | Diagnostic:
    """The cell as a year (1900-2100), or the problem to report."""
    text = row.cells.get(column, "")
    if text.endswith(".0"):   # a workbook stores a year typed as a number as a float
        text = text[:-2]
    if not (text.isascii() and text.isdigit() and 1900 <= int(text) <= 2100):
        return row.problem(column, f"{column}: expected a year, found {text!r}")
    return int(text)
