"""Factors typed as numbers: a greenhouse-gas figure in a method or an inventory that names no source.

A factor from the knowledge base carries its source document, issuer, year and licence into the
report. One typed as a literal (`factor = "2.7 kgCO2e/kg"` in an inventory, `= 0.3 kgCO2e/kg` in a
method's let or map) carries nothing, and the report would print an empty source beside it. Such a
figure gets the warning `literal-factor`, naming it, unless the case says where it comes from:

- in the inventory, the amount as a table with a note: `ef = { value = "2.7 kgCO2e/kg",
  note = "supplier EPD S-P-01234, 2024" }` (`source = "..."` is read the same), or a `note` or
  `source` text column in the table row;
- in case.toml, `[factor_notes]` keyed by the input, table or method declaration (let, map,
  emission, input default) the figure belongs to: `waste_ef = "DESNZ 2023, waste disposal"`.

A figure is a factor when its unit counts a greenhouse gas or carbon (kgCO2e, kgCO2, kgCH4, kgN2O,
kgC ...); zero is not a factor.
"""
from __future__ import annotations

from typing import Iterable, Mapping

from ..core.units import UnitError, Units
from ..evaluation.result import Finding
from ..inputs.inventory import Amount, Product
from ..language import nodes as n
from ..language.nodes import Method

GHG_BASES = frozenset({"kgCO2e", "kgCO2", "kgC", "kgCH4", "kgCH4_fossil", "kgCH4_nonfossil", "kgN2O", "kgN2O_N"})
NOTE_COLUMNS = ("note", "source")


def counts_ghg(unit: str | None, units: Units) -> bool:
    """Whether a unit counts a greenhouse gas or carbon (per anything)."""
    if not unit:
        return False
    try:
        return any(base in GHG_BASES for base in dict(units.parse(unit).dim))
    except UnitError:
        return False


def method_literals(method: Method, units: Units, notes: Mapping[str, str]) -> list[Finding]:
    """Literal greenhouse-gas figures in the method's formulas, maps and defaults, by declaration."""
    out = []
    for name, kind, expr in _declarations(method):
        if name in notes:
            continue
        for node in n.walk(expr):
            if isinstance(node, n.Number) and node.value != 0 and counts_ghg(node.unit, units):
                out.append(Finding("warning", "literal-factor", node.span,
                                   f"{kind} `{name}` uses the factor {node.text} {node.unit}, typed in the method "
                                   f"with no source: take it from the knowledge base, or name its source in "
                                   f"case.toml `[factor_notes] {name} = \"...\"`"))
    return out


def inventory_literals(method: Method, product: Product, units: Units, notes: Mapping[str, str]) -> list[Finding]:
    """Factors the inventory gives as numbers for inputs and table columns that count a greenhouse gas."""
    out = []
    for d in method.inputs:
        a = product.inputs.get(d.name)
        if a is not None and d.name not in notes and _literal(a) and counts_ghg(d.unit, units):
            out.append(_finding(product, f"input `{d.name}`", a, d.name))
    for t in method.tables:
        if t.name in notes:
            continue
        ghg = [c.name for c in t.columns if counts_ghg(c.unit, units)]
        for i, row in enumerate(product.tables.get(t.name, ())):
            if any(row.extra.get(k, "").strip() for k in NOTE_COLUMNS):
                continue
            for col in ghg:
                a = row.cells.get(col)
                if a is not None and _literal(a):
                    out.append(_finding(product, f"table `{t.name}` row {i + 1}, `{col}`", a, t.name, row=True))
    return out


def _literal(a: Amount) -> bool:
    return a.kb is None and not a.note and bool(a.value)


def _finding(product: Product, what: str, a: Amount, name: str, row: bool = False) -> Finding:
    where = "a `note` column in the row" if row else f'`{{ value = "{a.text} {a.unit}", note = "..." }}`'
    return Finding("warning", "literal-factor", a.span or f"products.{product.id}",
                   f"product `{product.id}`, {what}: the factor {a.text} {a.unit} is typed in the inventory with no "
                   f"source; name it with {where} or case.toml `[factor_notes] {name} = \"...\"`, or use a kb entry")


def _declarations(method: Method) -> Iterable[tuple[str, str, n.Expr]]:
    for let in method.lets:
        yield let.name, "let", let.expr
    for e in method.emissions:
        yield e.name, "emission", e.expr
    for m in method.maps:
        for entry in m.entries:
            yield m.name, "map", entry.expr
    for d in method.inputs:
        if d.default is not None:
            yield d.name, "input default", d.default
    for t in method.tables:
        for c in t.columns:
            if c.default is not None:
                yield t.name, "column default", c.default
