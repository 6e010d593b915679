"""Inventories as spreadsheets: an XLSX workbook, or a folder of CSV files, one per sheet.

Sheets (or `<sheet>.csv` files):

- `products`: `id, name, functional_unit, quantity, amounts` — one row per product;
- `inputs`: `product, input, amount, unit` — one row per activity (`amount` may name a
  knowledge-base factor, `kb.<id>`, with no unit);
- one sheet per table of the method (`legs`, `materials` ...): `product`, then one column per
  table column with its unit in the header (`mass [t]`, `distance [km]`, `factor` for
  `kb.<id>` cells), plus free text columns such as `name`;
- optional `left_out` (`product, name, mass [t]`) and `shared` (`input, amount, unit, basis, keys`).

The workbook becomes the same data as a TOML inventory, with every value's sheet, row and
column kept, so an error reads `inventory.xlsx[legs]:5:3: ...`.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import Diagnostic, PcfError
from ..core.source import Span, display_path
from ..files import limits
from ..files.inputfile import checked, read_inside, sheet_files
from ..files.sheetwrite import append_row
from ..files.workbook import read_workbook
from .amount import read_amount

# `name [unit]`. The name starts and ends with a non-blank, so no two quantifiers compete for
# the same blanks (`\s*([^\[\]]+?)\s*\[` was cubic on a header cell of blanks).
HEADER_UNIT = re.compile(r"\s*([^\[\]\s](?:[^\[\]]*[^\[\]\s])?)\s*\[(.+)\]\s*\Z")
META_SHEETS = {"products", "inputs", "left_out", "shared", "quality"}


@dataclass(frozen=True)
class SheetDoc:
    """The interface of `tomlfile.TomlDoc` over a workbook: data plus the span of each key path."""
    path: str
    data: dict
    spans: dict = field(repr=False)

    def span(self, key: str) -> Span:
        k = key
        while k:
            if k in self.spans:
                return self.spans[k]
            k = k.rsplit(".", 1)[0] if "." in k else ""
        return Span(self.path, 1, 1)

    def error(self, code: str, key: str, message: str, hint: str | None = None) -> Diagnostic:
        return Diagnostic(code, f"{key}: {message}" if key else message, self.span(key), hint=hint)


def read_sheets(path: Path) -> tuple[dict[str, list[list]], dict[str, list[int]]]:
    """Sheet name -> rows of cell values (first row = header), and for CSV sheets the line on
    which each row starts (a quoted cell may span lines)."""
    path = Path(path)
    if path.is_dir():
        sheets, starts = {}, {}
        cells = limits.CELLS
        for f in sheet_files(path):
            raw = read_inside(f, path, limits.CSV_FILE_BYTES, f"CSV sheet `{f.name}`")
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                line = raw[:exc.start].count(b"\n") + 1
                raise PcfError([Diagnostic("inventory", "CSV sheet is not UTF-8 text", Span(display_path(f), line, 1),
                                           hint="save it as CSV UTF-8 (Excel: 'CSV UTF-8 (comma delimited)')")]) from None
            reader = csv.reader(io.StringIO(text, newline=""))
            rows, lines, last = [], [], 0
            try:
                for row in reader:
                    cells -= len(row)
                    check_csv_row(row, len(rows) + 1, cells, Span(display_path(f), last + 1, 1))
                    rows.append(row)
                    lines.append(last + 1)
                    last = reader.line_num
            except csv.Error as exc:
                raise PcfError([Diagnostic("inventory", f"cannot read CSV sheet ({exc})",
                                           Span(display_path(f), reader.line_num or 1, 1))]) from None
            sheets[f.stem], starts[f.stem] = rows, lines
        return sheets, starts
    checked(path, None, limits.XLSX_FILE_BYTES, "workbook")   # a FIFO would block openpyxl
    return read_workbook(path), {}


def check_csv_row(row: list[str], number: int, cells_left: int, span: Span) -> None:
    """The caps of `limits.py` on one CSV row (`number` counts rows; `span` is where it starts)."""
    problem = None
    if number > limits.SHEET_ROWS:
        problem = f"sheet has more than SHEET_ROWS = {limits.shown(limits.SHEET_ROWS)} rows"
    elif len(row) > limits.SHEET_COLUMNS:
        problem = f"row has {len(row)} columns, over the cap SHEET_COLUMNS = {limits.shown(limits.SHEET_COLUMNS)}"
    elif cells_left < 0:
        problem = f"the sheets have more than CELLS = {limits.shown(limits.CELLS)} cells"
    else:
        long = next((c for c, v in enumerate(row, 1) if len(v) > limits.CELL_CHARS), None)
        if long is not None:
            problem = f"cell of {len(row[long - 1])} characters is over the cap CELL_CHARS = {limits.shown(limits.CELL_CHARS)}"
            span = Span(span.path, span.line, long)    # a CSV sheet's column is the cell's, as elsewhere
    if problem:
        raise PcfError([Diagnostic("inventory", problem, span)])


def load_sheets(path: Path) -> SheetDoc:
    shown = display_path(path)
    sheets, starts = read_sheets(path)
    spans: dict[str, Span] = {}
    problems: list[Diagnostic] = []

    folder = Path(path).is_dir()

    def where(sheet: str, row: int, col: int) -> Span:
        # a CSV sheet is a real file (its lines show under the error); a workbook sheet is named in brackets
        if folder:
            lines = starts.get(sheet, [])
            return Span(f"{shown}/{sheet}.csv", lines[row - 1] if 0 < row <= len(lines) else row, col)
        return Span(f"{shown}[{sheet}]", row, col)

    def records(sheet: str):
        rows = sheets.get(sheet, [])
        if not rows:
            return []
        header = [("" if h is None else str(h)).strip() for h in rows[0]]
        out = []
        for r, row in enumerate(rows[1:], start=2):
            if all(v is None or str(v).strip() == "" for v in row):
                continue
            out.append((r, {header[c]: (row[c], c + 1) for c in range(min(len(header), len(row)))
                            if header[c] and row[c] is not None and str(row[c]).strip() != ""}))
        return out

    if "products" not in sheets:
        raise PcfError([Diagnostic("inventory", f"no `products` sheet (sheets: {', '.join(sheets) or 'none'})",
                                   Span(shown, 1, 1), hint="see `pcf init` for a template")])
    products: list[dict] = []
    index: dict[str, int] = {}
    for r, rec in records("products"):
        i = len(products)
        p: dict = {"inputs": {}}
        for key, (value, c) in rec.items():
            p[key] = _typed(key, value)
            spans[f"product[{i}].{key}"] = where("products", r, c)
        spans[f"product[{i}]"] = where("products", r, 1)
        if isinstance(p.get("id"), str):
            index[p["id"]] = i
        products.append(p)

    def product_of(sheet, r, rec) -> int | None:
        pid = rec.get("product", (None, 1))[0]
        if pid is None:
            problems.append(Diagnostic("inventory", f"row {r}: the `product` cell is empty; products: "
                                       f"{', '.join(index)}", where(sheet, r, 1)))
            return None
        if str(pid) not in index:
            problems.append(Diagnostic("inventory", f"row {r}: unknown product {pid!r}; products: {', '.join(index)}",
                                       where(sheet, r, rec.get("product", (None, 1))[1])))
            return None
        return index[str(pid)]

    given: dict[tuple[int, str], tuple[int, int]] = {}
    for r, rec in records("inputs"):
        i = product_of("inputs", r, rec)
        if i is None:
            continue
        name, c = rec.get("input", (None, 2))
        if not name:
            problems.append(Diagnostic("inventory", f"row {r}: no `input` name", where("inputs", r, 2)))
            continue
        amount, ac = rec.get("amount", (None, 3))
        if amount is None:
            continue          # a template row left empty: the input is not given
        first = given.setdefault((i, str(name)), (r, c))
        if first != (r, c):   # TOML refuses a repeated key; a repeated row must not silently win either
            problems.append(Diagnostic("duplicate", f"input `{name}` of product `{products[i].get('id')}` is given "
                                       f"twice: here and at {where('inputs', *first)}", where("inputs", r, c),
                                       related=(("first given", where("inputs", *first)),),
                                       hint="keep one row per product and input (add the amounts up if both count)"))
            continue
        unit = rec.get("unit", ("", 4))[0] or ""
        products[i]["inputs"][str(name)] = _amount(amount, unit)
        spans[f"product[{i}].inputs.{name}"] = where("inputs", r, ac)
    for sheet in sheets:
        if sheet in META_SHEETS - {"left_out"}:
            continue
        for r, rec in records(sheet):
            i = product_of(sheet, r, rec)
            if i is None:
                continue
            rows = products[i].setdefault(sheet, [])
            j = len(rows)
            cells = {}
            for header, (value, c) in rec.items():
                if header == "product":
                    continue
                m = HEADER_UNIT.match(header)
                col = m.group(1) if m else header
                cells[col] = _amount(value, m.group(2)) if m else _typed(col, value)
                spans[f"product[{i}].{sheet}[{j}].{col}"] = where(sheet, r, c)
            spans[f"product[{i}].{sheet}[{j}]"] = where(sheet, r, 1)
            rows.append(cells)
    # tables a product has no rows for still exist, empty (the method's tables are all listed)
    for sheet in sheets:
        if sheet not in META_SHEETS:
            for p in products:
                p.setdefault(sheet, [])
    for r, rec in records("quality"):
        i = product_of("quality", r, rec)
        line = rec.get("line", (None, 2))[0]
        if i is None or not line:
            continue
        if str(line) in products[i].get("quality", {}):
            first = spans[f"product[{i}].quality.{line}"]
            problems.append(Diagnostic("duplicate", f"grades for line `{line}` of product `{products[i].get('id')}` "
                                       f"are given twice: here and at {first}", where("quality", r, 2),
                                       related=(("first given", first),)))
            continue
        products[i].setdefault("quality", {})[str(line)] = {k: _number(v) for k, (v, _) in rec.items()
                                                            if k not in ("product", "line")}
        spans[f"product[{i}].quality.{line}"] = where("quality", r, 2)
    shared = []
    for r, rec in records("shared"):
        item = {k: _typed(k, v) for k, (v, _) in rec.items()}
        if "amount" in item:
            item["amount"] = _amount(rec["amount"][0], item.pop("unit", ""))
        spans[f"shared[{len(shared)}]"] = where("shared", r, 1)
        shared.append(item)
    if problems:
        raise PcfError(problems)
    data = {"product": products}
    if shared:
        data["shared"] = shared
    return SheetDoc(shown, data, spans)


def _number(value):
    """A grade typed in a CSV cell is text: read it as a number where it is one."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _typed(key: str, value):
    return value.strip() if isinstance(value, str) else value   # a quantity "1 200" is read with the product


def _amount(value, unit: str):
    """A cell as inventory data: `kb.<id>`, or a number with the unit of its header or unit column
    (a word for the unit `text`: a route, a mode)."""
    if unit.strip() == "text":
        return str(value).strip()
    if isinstance(value, str) and value.strip().startswith("kb."):
        return value.strip()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = repr(value) if isinstance(value, float) else str(value)
        return f"{text} {unit}".strip()
    return f"{value} {unit}".strip() if unit and not str(value).strip().endswith(unit) else str(value).strip()


def write_workbook(products: list[dict], tables: dict[str, list[str]], shared: list[dict] = ()) -> bytes:
    """An XLSX inventory (see the module docstring) from TOML-shaped product data; returns its bytes."""
    import io

    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "products"
    append_row(ws, ["id", "name", "functional_unit", "quantity", "amounts"])
    for p in products:
        append_row(ws, [p.get("id"), p.get("name"), p.get("functional_unit"), p.get("quantity"), p.get("amounts")])
    ws = wb.create_sheet("inputs")
    append_row(ws, ["product", "input", "amount", "unit"])
    for p in products:
        for name, v in p.get("inputs", {}).items():
            text = str(v)
            if text.startswith("kb."):
                append_row(ws, [p.get("id"), name, text, None])
            else:
                num, unit = _split(text)
                append_row(ws, [p.get("id"), name, num, unit])
    for table, columns in tables.items():
        ws = wb.create_sheet(table)
        append_row(ws, ["product", "name", *columns])
        for p in products:
            for row in p.get(table, []):
                cells = []
                for header in columns:
                    col = HEADER_UNIT.match(header).group(1) if HEADER_UNIT.match(header) else header
                    v = str(row.get(col, ""))
                    cells.append(v if v.startswith("kb.") or not HEADER_UNIT.match(header) else _split(v)[0])
                append_row(ws, [p.get("id"), row.get("name"), *cells])
    left = [(p.get("id"), row) for p in products for row in p.get("left_out", [])]
    if left:
        ws = wb.create_sheet("left_out")
        units = sorted({_split(str(v))[1] for _, row in left for k, v in row.items() if k != "name"})
        append_row(ws, ["product", "name", *[f"amount [{u}]" for u in units]])
        for pid, row in left:
            amount = next((str(v) for k, v in row.items() if k != "name"), "")
            append_row(ws, [pid, row.get("name"), *[_split(amount)[0] if _split(amount)[1] == u else None
                                               for u in units]])
    grades = [(p.get("id"), line, g) for p in products for line, g in p.get("quality", {}).items()]
    if grades:
        ws = wb.create_sheet("quality")
        keys = list(dict.fromkeys(k for _, _, g in grades for k in g))
        append_row(ws, ["product", "line", *keys])
        for pid, line, g in grades:
            append_row(ws, [pid, line, *[g.get(k) for k in keys]])
    if shared:
        ws = wb.create_sheet("shared")
        append_row(ws, ["input", "amount", "unit", "basis", "keys", "reason"])
        for item in shared:
            num, unit = _split(str(item["amount"]))
            append_row(ws, [item["input"], num, unit, item.get("basis"), item.get("keys"), item.get("reason")])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _split(text: str) -> tuple[str, str]:
    """An amount's number and unit cells: `"1 056.8 kWh"` -> ("1056.8", "kWh") (a text the
    reader refuses is split at its first space, and refused again when the workbook is read)."""
    try:
        r = read_amount(text)
    except ValueError:
        number, _, unit = text.partition(" ")
        return number, unit
    return r.text, r.unit
