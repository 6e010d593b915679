"""An .xlsx workbook read as written: every row, formula cells by their stored values, in
bounded work, every fault positioned.

- Sizes first: the zip directory gives each part's zipped and unzipped size, checked against
  the caps of `limits.py` before any XML is parsed (a zip bomb costs milliseconds).
- Every row: openpyxl's read-only mode stops at the sheet's declared `<dimension>`, which
  some writers leave wrong; `reset_dimensions()` makes it read the rows as they are.
- Formulas: a formula cell counts by the value the spreadsheet program stored when it saved
  the file. A workbook written by a script has none (openpyxl writes `=A1*2` without a
  value): that is an error naming the cell, never an empty cell. pcf does not evaluate
  spreadsheet formulas (docs/limits.md says why).
- openpyxl parses a sheet's XML lazily, while its rows are iterated: a fault there is an
  error at the sheet and row it reached, like a fault in the zip or the workbook part
  (`inventory.xlsx:1:1`).
"""
from __future__ import annotations

import warnings
import zipfile
from pathlib import Path

from ..core.errors import Diagnostic, PcfError
from ..core.source import Span, display_path
from ..inputs.amount import sheet_cell
from . import limits

MAX_FORMULA_ERRORS = 20   # cells named when a workbook has formulas without stored values
_SHEET_NAME_BAD = set("[]:\n\r\t")


def read_workbook(path: Path) -> dict[str, list[list]]:
    """Sheet name -> rows of cell values (row 1 first), as the spreadsheet program shows them."""
    path = Path(path)
    shown = display_path(path)
    check_zip(path, shown)
    import openpyxl
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")      # openpyxl warns about styles and extensions it drops
        values = _open(openpyxl, path, shown, data_only=False)
        try:
            sheets: dict[str, list[list]] = {}
            formulas: dict[int, dict[int, list[int]]] = {}    # sheet index -> row -> columns
            labels: list[str] = []
            budget = [limits.CELLS]
            for i, ws in enumerate(values.worksheets):
                label = sheet_label(ws.title, i)
                if label in sheets:   # Excel refuses it; openpyxl reads it, and the second would win
                    raise PcfError([Diagnostic("inventory", f"two sheets are named `{label}`", Span(shown, 1, 1),
                                               hint="give each sheet its own name")])
                labels.append(label)
                sheets[label], formulas[i] = _read_sheet(ws, f"{shown}[{label}]", budget)
        finally:
            values.close()
        if any(formulas.values()):
            _stored_values(openpyxl, path, shown, sheets, labels, formulas)
    return sheets


def sheet_names(path: Path) -> list[str]:
    """The sheets of a workbook, in order (zip sizes checked; no sheet is parsed)."""
    path = Path(path)
    shown = display_path(path)
    check_zip(path, shown)
    import openpyxl
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = _open(openpyxl, path, shown, data_only=True)
        try:
            return [sheet_label(ws.title, i) for i, ws in enumerate(wb.worksheets)]
        finally:
            wb.close()


def sheet_label(title, index: int) -> str:
    """The sheet's title, or `#<n>` for a title a `file[sheet]:row:col` position cannot show."""
    if isinstance(title, str) and title.strip() and len(title) <= 31 and not _SHEET_NAME_BAD & set(title) \
            and title.isprintable():
        return title
    return f"#{index + 1}"


def check_zip(path: Path, shown: str) -> None:
    """Refuse a workbook over the size caps from its zip directory alone."""
    def refuse(message: str, hint: str | None = None):
        raise PcfError([Diagnostic("inventory", message, Span(shown, 1, 1), hint=hint)])

    try:
        size = path.stat().st_size
    except OSError as exc:
        raise PcfError([Diagnostic("io", f"cannot read file ({exc.strerror or exc})", None, path=shown)]) from None
    if size > limits.XLSX_FILE_BYTES:
        refuse(f"workbook of {limits.shown(size, 'bytes')} is over the cap XLSX_FILE_BYTES = "
               f"{limits.shown(limits.XLSX_FILE_BYTES, 'bytes')}", "split the inventory, or give it as CSV sheets")
    try:
        with zipfile.ZipFile(path) as z:
            parts = z.infolist()
    except Exception as exc:   # BadZipFile, NotImplementedError (a version or method it lacks), OSError ...
        refuse(f"not an .xlsx workbook: the file is not a readable zip ({_said(exc)})",
               "save it as .xlsx (Excel workbook) from Excel or LibreOffice")
    if len(parts) > limits.XLSX_PARTS:
        refuse(f"workbook of {len(parts)} parts is over the cap XLSX_PARTS = {limits.shown(limits.XLSX_PARTS)}")
    total = 0
    for p in parts:
        if p.file_size > limits.XLSX_PART_BYTES:
            refuse(f"part `{_said(p.filename)}` unzips to {limits.shown(p.file_size, 'bytes')}, over the cap "
                   f"XLSX_PART_BYTES = {limits.shown(limits.XLSX_PART_BYTES, 'bytes')}",
                   "split the inventory over several sheets or files")
        if p.file_size > limits.XLSX_RATIO_FROM and p.file_size > limits.XLSX_RATIO * max(p.compress_size, 1):
            refuse(f"part `{_said(p.filename)}` unzips {p.file_size // max(p.compress_size, 1)} times larger "
                   f"than it is stored, over the cap XLSX_RATIO = {limits.XLSX_RATIO}:1",
                   "a workbook written by a spreadsheet program compresses far less: re-save it")
        total += p.file_size
    if total > limits.XLSX_TOTAL_BYTES:
        refuse(f"workbook unzips to {limits.shown(total, 'bytes')}, over the cap XLSX_TOTAL_BYTES = "
               f"{limits.shown(limits.XLSX_TOTAL_BYTES, 'bytes')}", "split the inventory over several files")


def _open(openpyxl, path: Path, shown: str, data_only: bool):
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=data_only)
    except Exception as exc:   # openpyxl, zipfile and the XML parser raise many kinds for a damaged file
        raise PcfError([Diagnostic("inventory", f"cannot read workbook ({type(exc).__name__}: {_said(exc)})",
                                   Span(shown, 1, 1), hint="save it as .xlsx from Excel or LibreOffice")]) from None


def _read_sheet(ws, where: str, budget: list[int]) -> tuple[list[list], dict[int, list[int]]]:
    """The rows of one sheet, and the (row, columns) of its formula cells; caps checked as it goes."""
    rows: list[list] = []
    formulas: dict[int, list[int]] = {}
    r = 0

    def refuse(message: str, col: int = 1, hint: str | None = None):
        raise PcfError([Diagnostic("inventory", message, Span(where, max(r, 1), col), hint=hint)])

    try:
        ws.reset_dimensions()     # read the rows there are, not the ones `<dimension>` declares
        for r, row in enumerate(ws.iter_rows(), start=1):
            if r > limits.SHEET_ROWS:
                refuse(f"sheet has more than SHEET_ROWS = {limits.shown(limits.SHEET_ROWS)} rows")
            if len(row) > limits.SHEET_COLUMNS:
                refuse(f"row has {len(row)} columns, over the cap SHEET_COLUMNS = {limits.shown(limits.SHEET_COLUMNS)}",
                       limits.SHEET_COLUMNS + 1)
            budget[0] -= len(row)
            if budget[0] < 0:
                refuse(f"the workbook has more than CELLS = {limits.shown(limits.CELLS)} cells",
                       hint="split the inventory over several files")
            values = []
            for c, cell in enumerate(row, start=1):
                v = sheet_cell(cell.value, getattr(cell, "number_format", None))
                if cell.data_type == "f":
                    formulas.setdefault(r, []).append(c)
                    v = None
                elif isinstance(v, str) and len(v) > limits.CELL_CHARS:
                    refuse(f"cell of {len(v)} characters is over the cap CELL_CHARS = {limits.shown(limits.CELL_CHARS)}",
                           c)
                values.append(v)
            rows.append(values)
    except PcfError:
        raise
    except Exception as exc:   # the sheet's XML is parsed here, lazily: any fault is this sheet's
        raise PcfError([Diagnostic("inventory", f"cannot read sheet ({type(exc).__name__}: {_said(exc)})",
                                   Span(where, r + 1, 1), hint="save it as .xlsx from Excel or LibreOffice")]) \
            from None
    return rows, formulas


def _stored_values(openpyxl, path: Path, shown: str, sheets: dict[str, list[list]], labels: list[str],
                   formulas: dict[int, dict[int, list[int]]]) -> None:
    """Put the value stored for each formula cell in place; no value is an error naming the cell."""
    from openpyxl.utils import get_column_letter
    wb = _open(openpyxl, path, shown, data_only=True)
    problems = []
    try:
        for i, ws in enumerate(wb.worksheets):
            wanted = formulas.get(i)
            if not wanted:
                continue
            label, last = labels[i], max(wanted)
            where = f"{shown}[{label}]"
            r = 0
            try:
                ws.reset_dimensions()
                for r, row in enumerate(ws.iter_rows(max_row=last), start=1):
                    for c in wanted.get(r, ()):
                        cell = row[c - 1] if c <= len(row) else None
                        v = None if cell is None else cell.value
                        # `t="str"` with an empty value is a formula whose stored result is ""
                        if v is None and (cell is None or cell.data_type != "str"):
                            problems.append(Diagnostic(
                                "inventory", f"cell {get_column_letter(c)}{r} holds a formula with no stored value",
                                Span(where, r, c),
                                hint="open the file in a spreadsheet program and save it, to store the computed "
                                     "values (workbooks written by scripts have none; pcf reads stored values, "
                                     "it does not evaluate formulas)"))
                        elif isinstance(v, str) and len(v) > limits.CELL_CHARS:
                            problems.append(Diagnostic("inventory", f"cell of {len(v)} characters is over the cap "
                                                       f"CELL_CHARS = {limits.shown(limits.CELL_CHARS)}", Span(where, r, c)))
                        else:
                            sheets[label][r - 1][c - 1] = sheet_cell(v, getattr(cell, "number_format", None))
            except Exception as exc:   # as in _read_sheet
                raise PcfError([Diagnostic("inventory", f"cannot read sheet ({type(exc).__name__}: {_said(exc)})",
                                           Span(where, r + 1, 1))]) from None
    finally:
        wb.close()
    if problems:
        raise PcfError(problems)


def _said(exc) -> str:
    """A library's message on one line, at most 200 characters (it may quote the file)."""
    text = " ".join(str(exc).split())
    return text if len(text) <= 200 else text[:197] + "..."
