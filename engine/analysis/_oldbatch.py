"""A catalogue of products through one compiled method, column-wise.

Two ways in:

- a **wide table** (`.csv`, or an `.xlsx` whose first sheet is not `products`): one row per
  product, `product`, optional `name` and `quantity`, then one column per method input with
  its unit in the header (`electricity [kWh]`). Columns are converted to base units as whole
  arrays, so 100 000 products cost one pass per column. Methods with row tables need the
  long form;
- any **inventory** the single-case path reads (TOML, XLSX workbook with a `products` sheet,
  folder of CSV sheets): each product is bound as in `pcf run`, then stacked.

Either way the program runs over chunks of products (a chunk's slots x products array stays
near 32 MiB), and each product's figures equal the single-case path's to rounding.
"""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np

from ..core.errors import Diagnostic, PcfError
from ..core.keys import TABLE, Key
from ..core.source import Span, display_path
from ..core.units import UnitError
from ..evaluation.compiled import Program, Rows
from ..evaluation.evaluate import Bound, bind, removal_only
from ..evaluation.fit import declared_as, dimension_problem, unknown_input
from ..files import limits
from ..files.workbook import read_workbook, sheet_names
from ..inputs.amount import AmountError, check_unit, is_percent, read_number
from ..inputs.inventory import load_inventory
from ..inputs.spreadsheet import HEADER_UNIT, check_csv_row
from ..knowledge.kbmodel import KnowledgeBase
from ..render.escape import csv_cell

CHUNK_CELLS = 2 ** 22          # slots x products per evaluation chunk (32 MiB of floats)
MAX_PROBLEMS = 50


@dataclass(frozen=True)
class Catalogue:
    """Products as columns: ids, base-unit inputs, the per-unit divisor of each product."""
    ids: tuple[str, ...]
    names: tuple[str, ...]
    inputs: Mapping[str, object]          # input key -> (n,) array; table key -> Rows
    divisor: np.ndarray                   # (n,)
    path: str

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class BatchResult:
    ids: tuple[str, ...]
    names: tuple[str, ...]
    lines: np.ndarray                     # (emissions, n), kgCO2e per functional unit
    stages: np.ndarray                    # (stages, n)
    total: np.ndarray                     # (n,)


def load_catalogue(path: Path, prog: Program, kb: KnowledgeBase,
                   progress: Callable[[int, int], None] | None = None) -> Catalogue:
    """Read products from a wide table or an inventory (see the module text)."""
    path = Path(path)
    if path.suffix.lower() == ".csv" and path.is_file():
        return _wide(path, _csv_rows(path), display_path(path), prog)
    if path.suffix.lower() == ".xlsx" and path.is_file():
        sheets = _xlsx_sheet_names(path)
        if "products" not in sheets:
            return _wide(path, _xlsx_rows(path, sheets[0]), f"{display_path(path)}[{sheets[0]}]", prog)
    inv = load_inventory(path)
    bounds, problems = [], []
    for i, p in enumerate(inv.products):
        try:
            bounds.append(bind(prog.plan, p, kb, inv.path))
        except PcfError as exc:
            problems.extend(exc.diagnostics)
        if progress is not None:
            progress(i + 1, len(inv.products))
    if problems:
        raise PcfError(problems)
    return stack(prog, bounds, inv.path)


def stack(prog: Program, bounds: Sequence[Bound], path: str = "<inventory>") -> Catalogue:
    """Bound products side by side: scalars become (n,) arrays, tables padded `Rows`."""
    n = len(bounds)
    inputs: dict[str, object] = {}
    for key in prog.inputs:
        inputs[key] = np.array([b.values[key] for b in bounds], dtype=float)
    keys = sorted({k for b in bounds for k in b.values if k.is_a(TABLE)})
    _check_padding(keys, bounds, path)
    for key in keys:
        tables = [b.values[key] for b in bounds]
        rows = max((len(next(iter(t.values()), ())) for t in tables), default=0)
        mask = np.zeros((rows, n))
        cols = {c: np.zeros((rows, n)) for c in tables[0]} if tables else {}
        for j, t in enumerate(tables):
            r = len(next(iter(t.values()), ()))
            mask[:r, j] = 1.0
            for c, a in t.items():
                cols[c][:r, j] = a
        inputs[key] = Rows(cols, mask)
    return Catalogue(tuple(b.product.id for b in bounds), tuple(b.product.name or "" for b in bounds),
                     inputs, np.array([b.divisor for b in bounds], dtype=float), path)


def _check_padding(keys: list[str], bounds: Sequence[Bound], path: str) -> None:
    """Refuse, before allocating, tables whose padding to the longest product would exceed
    BATCH_TABLE_CELLS: one product with a million rows pads every other product to a million."""
    n, cells, worst = len(bounds), 0, None
    for key in keys:
        counts = [len(next(iter(b.values[key].values()), ())) for b in bounds]
        rows = max(counts, default=0)
        cells += rows * n * (len(bounds[0].values[key]) + 1)      # the columns and the mask
        if rows and (worst is None or rows > worst[1]):
            worst = (key, rows, bounds[counts.index(rows)].product.id)
    if cells > limits.BATCH_TABLE_CELLS:
        table, rows, pid = worst
        raise PcfError([Diagnostic(
            "inventory", f"product `{pid}` has {rows} rows of `{table.removeprefix('table:')}`: padding all {n} products "
            f"to it takes {cells} cells, over the cap BATCH_TABLE_CELLS = {limits.shown(limits.BATCH_TABLE_CELLS)} "
            f"({limits.shown(limits.BATCH_TABLE_CELLS * 8, 'bytes')} of floats)", Span(path, 1, 1),
            hint="run the products with many rows with `pcf run`, or split the catalogue by row count")])


def evaluate_catalogue(prog: Program, cat: Catalogue,
                       progress: Callable[[int, int], None] | None = None) -> BatchResult:
    n = len(cat)
    # a table sum's temporaries are rows x products: count the padded rows with the slots
    rows = sum(v.mask.shape[0] for v in cat.inputs.values() if isinstance(v, Rows))
    chunk = max(1, min(n, CHUNK_CELLS // max(prog.size + rows, 1)))
    E, S = len(prog.emissions), prog.counted.shape[0]
    lines, stages, total = np.empty((E, n)), np.empty((S, n)), np.empty(n)
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        part = {k: (Rows({c: a[:, lo:hi] for c, a in v.columns.items()}, v.mask[:, lo:hi])
                    if isinstance(v, Rows) else v[lo:hi]) for k, v in cat.inputs.items()}
        V = prog.run(part, n=hi - lo)
        prog.check_finite(V, [f"product `{i}`" for i in cat.ids[lo:hi]])
        lines[:, lo:hi], stages[:, lo:hi], total[lo:hi] = prog.totals(V, cat.divisor[lo:hi])
        if progress is not None:
            progress(hi, n)
    return BatchResult(cat.ids, cat.names, lines, stages, total)


def to_csv(result: BatchResult, prog: Program, with_lines: bool = False) -> str:
    """One row per product: total and stages (and lines) in kgCO2e per functional unit.

    Ids and names a spreadsheet would run as formulas start with `'` (see `render.escape.csv_cell`).
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    stages = prog.plan.stage_ids
    head = ["product", "name", "total [kgCO2e]"] + [f"{s} [kgCO2e]" for s in stages]
    if with_lines:
        head += [f"{e} [kgCO2e]" for e in prog.emissions]
    w.writerow([csv_cell(h) for h in head])
    for j, pid in enumerate(result.ids):
        row = [csv_cell(pid), csv_cell(result.names[j]), repr(float(result.total[j]) + 0.0)]
        row += [repr(float(v) + 0.0) for v in result.stages[:, j]]
        if with_lines:
            row += [repr(float(v) + 0.0) for v in result.lines[:, j]]
        w.writerow(row)
    return buf.getvalue()


# -- the wide form ---------------------------------------------------------------------------

def _csv_rows(path: Path) -> list[list]:
    if path.stat().st_size > limits.CSV_FILE_BYTES:
        raise PcfError([Diagnostic("inventory", f"catalogue of {limits.shown(path.stat().st_size, 'bytes')} is over "
                                   f"the cap CSV_FILE_BYTES = {limits.shown(limits.CSV_FILE_BYTES, 'bytes')}",
                                   Span(display_path(path), 1, 1), hint="split it into several catalogues")])
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise PcfError([Diagnostic("io", "the catalogue is not UTF-8 text", Span(display_path(path), line, 1))]) \
            from None
    reader = csv.reader(io.StringIO(text, newline=""))
    rows, cells, start = [], limits.CELLS, 1
    try:
        for row in reader:
            cells -= len(row)
            check_csv_row(row, len(rows) + 1, cells, Span(display_path(path), start, 1))
            rows.append(row)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise PcfError([Diagnostic("inventory", f"cannot read CSV ({exc})",
                                   Span(display_path(path), reader.line_num or 1, 1))]) from None
    return rows


def _xlsx_sheet_names(path: Path) -> list[str]:
    return sheet_names(path)


def _xlsx_rows(path: Path, sheet: str) -> list[list]:
    return read_workbook(path)[sheet]


def _wide(path: Path, rows: list[list], shown: str, prog: Program) -> Catalogue:
    plan = prog.plan
    problems: list[Diagnostic] = []

    def err(code, msg, row, col, hint=None):
        if len(problems) < MAX_PROBLEMS:
            problems.append(Diagnostic(code, msg, Span(shown, row, col), hint=hint))

    if plan.method.tables:
        names = ", ".join(f"`{t.name}`" for t in plan.method.tables)
        raise PcfError([Diagnostic("inventory", f"method `{plan.method.id}` has row tables ({names}): a one-row-"
                                   "per-product table cannot hold them", Span(shown, 1, 1),
                                   hint="give the catalogue as a workbook with `products`, `inputs` and one "
                                        "sheet per table (see `pcf init`)")])
    if not rows or not any(c not in (None, "") for c in rows[0]):
        raise PcfError([Diagnostic("inventory", "the catalogue has no header row", Span(shown, 1, 1),
                                   hint="first row: product, quantity, then one `<input> [<unit>]` per input")])
    header = ["" if c is None else str(c).strip() for c in rows[0]]
    body = [r for r in rows[1:] if any(c not in (None, "") for c in r)]
    lines = [i + 2 for i, r in enumerate(rows[1:]) if any(c not in (None, "") for c in r)]
    declared = {d.name: d for d in plan.method.inputs}
    cols: dict[str, tuple[int, float]] = {}     # input name -> (column index, scale to base)
    header_units: dict[int, str] = {}           # column index -> unit of its header (a "15 %" cell under [%])
    id_col = name_col = qty_col = None
    for j, h in enumerate(header):
        m = HEADER_UNIT.match(h)
        name, unit = (m.group(1), m.group(2).strip()) if m else (h, None)
        if name in ("product", "id") and id_col is None:
            id_col = j
        elif name == "name" and name_col is None:
            name_col = j
        elif name == "quantity" and qty_col is None:
            qty_col = j
        elif name == "":
            continue
        elif name in ("product", "id", "name", "quantity") and name not in declared:
            # a second id, name or quantity column: which one holds the figures?
            first = {"product": id_col, "id": id_col, "name": name_col, "quantity": qty_col}[name]
            err("duplicate", f"column `{name}` appears twice (first in column {first + 1})", 1, j + 1)
        elif name not in declared:
            message, hint = unknown_input(name, plan.method)
            err("inventory", f"column {message}", 1, j + 1, hint)
        elif name in cols:
            err("duplicate", f"input `{name}` has two columns (first in column {cols[name][0] + 1})", 1, j + 1)
        else:
            want = plan.units.parse(declared[name].unit)
            if unit is None:
                if want.dim or is_percent(declared[name].unit):   # a bare 15 for a % input: 15 % or 1 500 %?
                    err("unit-mismatch", f"column `{name}` gives no unit", 1, j + 1,
                        f"write the header as `{name} [{declared[name].unit}]`")
                    continue
                unit = "1"
            try:
                check_unit(unit)
                spec = plan.units.parse(unit)
            except (UnitError, AmountError) as exc:
                err("unit-unknown", f"column `{name}`: {exc}", 1, j + 1, exc.hint)
                continue
            problem = dimension_problem(unit, spec, declared[name].unit, want)
            if problem:
                err("unit-mismatch", f"column `{name}`: {problem}", 1, j + 1)
                continue
            cols[name] = (j, spec.scale)
            header_units[j] = unit
    if id_col is None:
        err("inventory", "no `product` column (the product id)", 1, 1, "first column: product")
    for name, d in declared.items():
        if name not in cols and not d.optional and not any(p.message.startswith(f"column `{name}`") for p in problems):
            err("missing-input", f"no column for input {declared_as(d)}",
                1, len(header) + 1, f"add a column `{name} [{d.unit}]`")
    if problems:
        raise PcfError(problems)

    n = len(body)
    ids = []
    seen: dict[str, int] = {}
    for i, r in enumerate(body):
        pid = _cell(r, id_col)
        if pid in (None, ""):
            err("inventory", "empty product id", lines[i], id_col + 1)
            pid = f"row {lines[i]}"
        pid = str(pid).strip()
        if pid in seen:
            err("inventory", f"product `{pid}` appears twice (first on row {seen[pid]})", lines[i], id_col + 1)
        seen.setdefault(pid, lines[i])
        ids.append(pid)
    names = tuple("" if name_col is None or _cell(r, name_col) is None else str(_cell(r, name_col)) for r in body)

    def column(j: int, what: str, optional: bool, allow_negative: bool) -> np.ndarray:
        out = np.zeros(n)
        for i, r in enumerate(body):
            v = _cell(r, j)
            if v in (None, "") or (isinstance(v, str) and not v.strip()):
                if not optional:
                    err("missing-input", f"product `{ids[i]}`: no {what}", lines[i], j + 1)
                continue
            try:
                x = read_number(v, header_units.get(j)).value
            except AmountError as exc:
                err("bad-number", f"product `{ids[i]}`, {what}: {exc}", lines[i], j + 1, exc.hint)
                continue
            if not math.isfinite(x):
                err("bad-number", f"product `{ids[i]}`, {what}: {v} is not finite", lines[i], j + 1)
            elif x < 0 and not allow_negative:
                err("bad-number", f"product `{ids[i]}`, {what}: negative amount {v}", lines[i], j + 1,
                    "an input may be negative only when every emission using it is tagged `[removal]`")
            else:
                out[i] = x
        return out

    inputs: dict[str, object] = {}
    for name, d in declared.items():
        key = Key.input(name)
        if name not in cols:
            inputs[key] = np.zeros(n)
            continue
        j, scale = cols[name]
        inputs[key] = column(j, f"`{name}`", d.optional, removal_only(plan, key)) * scale
    divisor = np.ones(n)
    if qty_col is not None:
        # an empty quantity: that product's amounts are per functional unit already
        q = column(qty_col, "quantity", True, False)
        for i in np.nonzero(q == 0)[0][:MAX_PROBLEMS]:
            if str(_cell(body[i], qty_col) or "").strip():
                err("bad-number", f"product `{ids[i]}`: quantity is 0", lines[i], qty_col + 1)
        divisor = np.where(q > 0, q, 1.0)
    if problems:
        raise PcfError(problems)
    return Catalogue(tuple(ids), names, inputs, divisor, shown)


def _cell(row: list, j: int):
    return row[j] if j < len(row) else None
