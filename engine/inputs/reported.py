"""The printed figures of a case (`[reported]`) and how to audit them (`[audit]`), read from
case.toml into frozen values; the keys are documented in docs/language.md (Printed figures).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..core.errors import Diagnostic, did_you_mean
from ..core.source import Span
from ..files.tomlfile import TomlDoc
from .amount import AmountError, looks_like_number, read_amount
from .inventory import Inventory

FIGURE_KEYS = {"value", "where", "exact", "precision"}
AUDIT_INPUTS = ("rounded", "exact")
AUDIT_KEYS = {"inputs", "exact_inputs"}
FIGURE_KINDS = {"total", "yearly_total", "stages", "yearly_stages", "shares", "lines", "yearly_lines",
                "factors", "inputs", "rows"}
ROW_TEXT_KEYS = {"name", "where"}   # what a printed row may say beside its amounts


@dataclass(frozen=True)
class ReportedFigure:
    product: str
    path: str            # "total", "stages.production", "shares.production", "lines.<name>" ...
    value: float
    unit: str
    text: str            # the digits as printed
    span: Span | None
    where: str | None = None   # where in the report it is printed
    step: float | None = None  # stated rounding step in `unit` (0: exact); None: the last printed digit

    @property
    def half_width(self) -> float:
        if self.step is not None:
            return self.step / 2
        from .inventory import Amount
        return Amount(self.value, self.unit, self.text).half_width


@dataclass(frozen=True)
class AuditOptions:
    """`[audit]`: whether the printed inputs are the values used ("exact") or rounded from them,
    and the inputs (`name`, or `table.column`) taken as exact whatever `inputs` says."""
    inputs: str = "rounded"
    exact: tuple[str, ...] = ()
    span: Span | None = None       # where `exact_inputs` is written, for an unknown name

    @property
    def all_exact(self) -> bool:
        return self.inputs == "exact"


def read_audit(doc: TomlDoc, problems: list[Diagnostic]) -> AuditOptions:
    raw = doc.data.get("audit", {})
    if not isinstance(raw, dict):
        problems.append(doc.error("case", "audit", "`audit` is a table: [audit]", 'inputs = "exact"'))
        return AuditOptions()
    for k in sorted(set(raw) - AUDIT_KEYS):
        problems.append(doc.error("case", f"audit.{k}", "unknown key", did_you_mean(k, AUDIT_KEYS)
                                  or f"one of {', '.join(sorted(AUDIT_KEYS))}"))
    exact = raw.get("exact_inputs", [])
    if not (isinstance(exact, list) and all(isinstance(x, str) for x in exact)):
        problems.append(doc.error("case", "audit.exact_inputs", "a list of input names (or table.column)",
                                  'e.g. exact_inputs = ["steel_ef", "legs.distance"]'))
        exact = []
    inputs = raw.get("inputs", "rounded")
    if inputs not in AUDIT_INPUTS:
        problems.append(doc.error("case", "audit.inputs", f'expected "rounded" or "exact", found {inputs!r}',
                                  '"exact": the printed inputs are the values used (a paper, a guidance '
                                  'example); "rounded": they are rounded from them (a spreadsheet report)'))
        return AuditOptions()
    return AuditOptions(inputs, tuple(exact), doc.span("audit.exact_inputs"))


def read_reported(doc: TomlDoc, inventory: Inventory, problems: list[Diagnostic]) -> list[ReportedFigure]:
    raw = doc.data.get("reported", {})
    out: list[ReportedFigure] = []
    if not isinstance(raw, dict):
        problems.append(doc.error("case", "reported", "`reported` is a table per product id"))
        return out
    ids = [p.id for p in inventory.products]
    for pid, figs in raw.items():
        if pid not in ids:
            problems.append(doc.error("case", f"reported.{pid}", f"no product `{pid}` in the inventory",
                                      did_you_mean(pid, ids)))
            continue
        if not isinstance(figs, dict):
            problems.append(doc.error("case", f"reported.{pid}", "a table of printed figures"))
            continue
        for kind, v in figs.items():
            if kind == "rows":   # read_printed_rows
                continue
            if kind not in FIGURE_KINDS:
                problems.append(doc.error("case", f"reported.{pid}.{kind}", "unknown figure",
                                          did_you_mean(kind, FIGURE_KINDS) or f"one of {', '.join(sorted(FIGURE_KINDS))}"))
                continue
            if kind in ("total", "yearly_total"):
                items = [(kind, v)]
            elif isinstance(v, dict):
                items = [(f"{kind}.{k}", x) for k, x in v.items()]
            else:
                problems.append(doc.error("case", f"reported.{pid}.{kind}", "a table of name = \"value unit\""))
                continue
            for path, x in items:
                key = f"reported.{pid}.{path}"
                where = step = None
                if isinstance(x, dict):
                    step = _step(doc, key, x, problems)
                    where = x.get("where")
                    x = x.get("value")
                try:
                    r = read_amount(x) if isinstance(x, str) and looks_like_number(x) else None
                except AmountError as exc:
                    problems.append(doc.error("bad-number", key, f"printed figure: {exc}", exc.hint))
                    continue
                if r is None or not r.unit:
                    problems.append(doc.error("case", key, f'a printed figure is a string with its unit, '
                                              f'e.g. "64.2254 kgCO2e" or "81.90 %"; found {x!r}',
                                              "keep the digits exactly as printed: they set the rounding allowed"))
                    continue
                out.append(ReportedFigure(pid, path, r.value, r.unit, r.text, doc.span(key), where, step))
    return out


def _step(doc: TomlDoc, key: str, x: dict, problems: list[Diagnostic]) -> float | None:
    """A figure's stated rounding step: `exact = true` (0) or `precision = "0.05"` (in its unit)."""
    for k in sorted(set(x) - FIGURE_KEYS):
        problems.append(doc.error("case", f"{key}.{k}", "unknown key",
                                  did_you_mean(k, FIGURE_KEYS) or f"one of {', '.join(sorted(FIGURE_KEYS))}"))
    exact, precision = x.get("exact"), x.get("precision")
    if exact is not None and not isinstance(exact, bool):
        problems.append(doc.error("case", f"{key}.exact", f"expected true or false, found {exact!r}"))
        return None
    if exact and precision is not None:
        problems.append(doc.error("case", f"{key}.precision", "a figure is either exact or has a precision",
                                  "drop `exact = true` or `precision`"))
        return None
    if precision is None:
        return 0.0 if exact else None
    try:
        r = read_amount(precision) if isinstance(precision, str) and looks_like_number(precision) else None
    except AmountError:
        r = None
    if r is None or r.unit or not r.value > 0:
        problems.append(doc.error("case", f"{key}.precision", f"a precision is the rounding step as a "
                                  f"string of a number above 0, in the figure's unit; found {precision!r}",
                                  'e.g. precision = "0.05" for a figure printed to the nearest 0.05'))
        return None
    return r.value


@dataclass(frozen=True)
class PrintedRow:
    """A row of a table as a report printed it (`[reported.<id>.rows] legs = [{...}, ...]`): the
    audit pairs it with the inventory's rows of that table (engine/checks/rows.py)."""
    product: str
    table: str
    index: int                       # its place in the printed list, from 0
    cells: dict                      # column -> Amount, as printed
    name: str | None
    where: str | None
    span: Span | None

    @property
    def text(self) -> str:
        return " × ".join(f"{a.text} {a.unit}".strip() for a in self.cells.values())


def read_printed_rows(doc: TomlDoc, inventory: Inventory, problems: list[Diagnostic]) -> list[PrintedRow]:
    """`[reported.<id>.rows]`: per table, the rows as printed, each cell "value unit"."""
    from .inventory import Amount
    out: list[PrintedRow] = []
    raw = doc.data.get("reported", {})
    ids = {p.id for p in inventory.products}
    if not isinstance(raw, dict):
        return out
    for pid, figs in raw.items():
        rows = figs.get("rows") if isinstance(figs, dict) and pid in ids else None
        if rows is None:
            continue
        key = f"reported.{pid}.rows"
        if not isinstance(rows, dict) or not all(isinstance(v, list) and all(isinstance(r, dict) for r in v)
                                                  for v in rows.values()):
            problems.append(doc.error("case", key, "printed rows are lists of tables per inventory table",
                                      'e.g. legs = [{ name = "弹簧机构", mass = "60 t", distance = "1048 km" }]'))
            continue
        for table, listed in rows.items():
            for k, r in enumerate(listed):
                where = f"{key}.{table}[{k}]"
                cells = {}
                for col, v in r.items():
                    if col in ROW_TEXT_KEYS:
                        if not isinstance(v, str):
                            problems.append(doc.error("case", f"{where}.{col}", "a text"))
                        continue
                    try:
                        a = Amount.parse(v, doc.span(f"{where}.{col}"))
                    except ValueError as exc:
                        problems.append(doc.error("bad-number", f"{where}.{col}", f"printed cell: {exc}",
                                                  getattr(exc, "hint", None)))
                        continue
                    if a.kb is not None or not a.unit:
                        problems.append(doc.error("case", f"{where}.{col}", "a printed cell is a string with its "
                                                  f'unit, e.g. "60 t"; found {v!r}'))
                        continue
                    cells[col] = a
                if not cells:
                    problems.append(doc.error("case", where, "a printed row gives at least one amount"))
                    continue
                name, place = r.get("name"), r.get("where")
                out.append(PrintedRow(pid, table, k, cells, name if isinstance(name, str) else None,
                                      place if isinstance(place, str) else None, doc.span(where)))
    return out
