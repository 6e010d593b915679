"""Printed table rows against the inventory's rows: the slip `rows-paired-wrongly`.

A report often prints one table twice: the suppliers with their masses and distances, then the
calculation with mass × distance per leg. `[reported.<id>.rows] legs = [{...}, ...]` declares
rows as one of them printed them. Each printed row is looked for among the inventory's rows of
that table, every amount within the rounding of both (or exactly, under `[audit] inputs =
"exact"`):

- a row with all its values: consistent;
- each value found, but in different rows: the slip `rows-paired-wrongly`, naming the rows whose
  values were paired (seed 004: a mass with another supplier's distance), and what the product's
  total would be with the printed pairing;
- a value found in no row: inconsistent, with the nearest row.
"""
from __future__ import annotations

import math
from dataclasses import replace

from ..core.errors import Diagnostic, PcfError, did_you_mean
from ..core.keys import Key
from ..core.units import UnitError, format_dim
from ..evaluation.evaluate import Bound, run
from ..evaluation.result import Finding, ProductResult
from ..evaluation.totals import totals
from ..inputs.reported import AuditOptions, PrintedRow, ReportedFigure
from ..plan import Plan
from .slips import by_name

SLIP = "rows-paired-wrongly"
REL_SLACK = 1e-9


def row_checks(plan: Plan, bound: Bound, result: ProductResult, rows: list[PrintedRow],
               options: AuditOptions = AuditOptions()) -> tuple[list, list[Finding]]:
    """(audit.Check per printed row, findings) for one product's printed rows."""
    from .audit import Check
    if not rows:
        return [], []
    import numpy as np   # printed rows are checked against the table's columns, numpy arrays
    problems: list[Diagnostic] = []
    checks, findings = [], []
    tables = {t.name: t for t in plan.method.tables}
    inv_rows = bound.product.tables
    substituted: dict[str, dict[str, np.ndarray]] = {}
    swapped: list[tuple[PrintedRow, str]] = []
    for r in rows:
        figure = ReportedFigure(r.product, f"rows.{r.table}[{r.index}]", math.nan, "", r.text, r.span, r.where)
        t = tables.get(r.table)
        if t is None:
            problems.append(Diagnostic("case", f"reported.{r.product}.rows.{r.table}: no table `{r.table}` in the "
                                       "method", r.span, hint=did_you_mean(r.table, tables)))
            continue
        columns = {c.name: c for c in t.columns if not c.is_text}
        tkey = Key.table(r.table)
        # the amounts as the inventory gives them: a per-unit amount of a period product was
        # multiplied by the quantity when bound (evaluate.basis_scale); the report prints it per unit
        scales = {c: np.array([bound.scales.get((tkey, c, i), 1.0) for i in range(len(a))])
                  for c, a in bound.values[tkey].items()}
        values = {c: a / scales[c] for c, a in bound.values[tkey].items()}
        widths = {c: a / scales[c] for c, a in bound.widths[tkey].items()}
        found: dict[str, set[int]] = {}
        printed: dict[str, float] = {}
        for col, a in r.cells.items():
            c = columns.get(col)
            if c is None:
                problems.append(Diagnostic("case", f"reported.{r.product}.rows.{r.table}[{r.index}]: table "
                                           f"`{r.table}` has no column `{col}`", a.span or r.span,
                                           hint=did_you_mean(col, columns)))
                continue
            try:
                spec, want = plan.units.parse(a.unit), plan.units.parse(c.unit)
            except UnitError as exc:
                problems.append(Diagnostic("unit-unknown", f"reported.{r.product}.rows.{r.table}[{r.index}].{col}: "
                                           f"{exc}", a.span or r.span, hint=exc.hint))
                continue
            if spec.dim != want.dim:
                problems.append(Diagnostic("unit-mismatch", f"reported.{r.product}.rows.{r.table}[{r.index}].{col}: "
                                           f"{a.unit} is not {format_dim(want.dim)} (column `{col}` is in {c.unit})",
                                           a.span or r.span))
                continue
            exact = options.all_exact or f"{r.table}.{col}" in options.exact
            v, w = spec.to_base(a.value), 0.0 if exact else spec.to_base(a.half_width)
            inv_w = np.zeros_like(widths[col]) if exact else widths[col]
            near = np.abs(values[col] - v) <= w + inv_w + REL_SLACK * max(abs(v), 1e-300)
            found[col] = set(np.flatnonzero(near).tolist())
            printed[col] = v
        if len(found) != len(r.cells):
            continue
        everywhere = set.intersection(*found.values()) if found else set()
        if everywhere:
            checks.append(Check(figure, None, None, "consistent"))
            continue
        label = lambda i: _label(inv_rows.get(r.table, ()), i)   # noqa: E731
        where = f" [{r.where}]" if r.where else ""
        pid = r.product
        if all(found.values()):
            # every printed value is some row's, but no row has them all: paired wrongly
            cols = list(found)
            home = min(found[cols[0]])   # the row the first printed value belongs to
            others = [(col, min(found[col])) for col in cols[1:] if home not in found[col]]
            parts = "; ".join(f"its {col} {r.cells[col].text} {r.cells[col].unit} is row {i + 1}'s ({label(i)})"
                              for col, i in others)
            note = (f"{by_name(SLIP).description}: the printed row {r.text} takes its {cols[0]} from row "
                    f"{home + 1} ({label(home)}), but {parts} [slip `{SLIP}`]")
            table = substituted.setdefault(r.table, {c: np.array(a, float) for c, a in bound.values[tkey].items()})
            for col, v in printed.items():
                table[col][home] = v * scales[col][home]
            checks.append(Check(figure, None, None, "inconsistent", note))
            swapped.append((r, f"products.{pid}.rows.{r.table}[{r.index}]"))
            findings.append(Finding("error", "reported-mismatch", f"products.{pid}.rows.{r.table}[{r.index}]",
                                    f"printed row {r.text} of `{r.table}`{where}: {note}"))
            continue
        missing = [col for col, rows_found in found.items() if not rows_found]
        nearest = int(np.argmin(sum(np.abs(values[col] - v) / max(abs(v), 1e-300) for col, v in printed.items())))
        note = (f"no row of `{r.table}` has {', '.join(f'{c} {r.cells[c].text} {r.cells[c].unit}' for c in missing)}; "
                f"the nearest is row {nearest + 1} ({label(nearest)}: "
                + ", ".join(f"{c} {_shown(values[c][nearest], r.cells[c].unit, plan)} {r.cells[c].unit}" for c in printed)
                + ")")
        checks.append(Check(figure, None, None, "inconsistent", note))
        findings.append(Finding("error", "reported-mismatch", f"products.{pid}.rows.{r.table}[{r.index}]",
                                f"printed row {r.text} of `{r.table}`{where}: {note}"))
    if problems:
        raise PcfError(problems)
    if substituted and swapped:
        effect = _effect(plan, bound, result, substituted)
        findings = [replace(f, message=f.message + effect) if f.message.endswith(f"[slip `{SLIP}`]") else f
                    for f in findings]
    return checks, findings


def _effect(plan: Plan, bound: Bound, result: ProductResult, substituted: dict) -> str:
    """What the product's total per unit would be with the printed pairing."""
    values = dict(bound.values)
    for table, cols in substituted.items():
        values[Key.table(table)] = cols
    v = run(plan, values)
    lines = {e.name: float(v[Key.emission(e.name)]) / bound.divisor for e in plan.method.emissions}
    total = totals(lines, plan.method.emissions, plan.stage_ids).total
    diff = total - result.total
    pct = diff / result.total * 100 if result.total else float("inf")
    return (f"; with the printed pairing the total would be {total:.6g} kgCO2e per unit "
            f"({diff:+.6g}, {pct:+.2f} %)")


def _label(rows, i: int) -> str:
    row = rows[i] if i < len(rows) else None
    return (row.label or f"row {i + 1}") if row is not None else f"row {i + 1}"


def _shown(base: float, unit: str, plan: Plan) -> str:
    return f"{plan.units.parse(unit).from_base(float(base)):.6g}"
