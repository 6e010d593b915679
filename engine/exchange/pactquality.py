"""Data quality in PACT terms, computed from the graph: the primary data share and the DQRs.

**Primary data share** (PACT v3 `primaryDataShare`: the share of primary data in the PCF excluding
biogenic CO2 uptake). pcf's rule, per emission line of the product:

- a line is *primary* when every factor it is computed with is primary data: a knowledge-base entry
  of quality `measured`, `same_process` or `manufacturer` (a supplier's own figure, such as an
  imported PACT footprint), or a factor the inventory types and marks `primary = true` (an amount
  `{ value = "...", primary = true }`, or a table row with `primary = true`); and every amount of the
  inventory it uses that itself counts a greenhouse gas is marked primary too;
- a factor written in the method (`0.5 kgCO2e/kWh`), an entry of quality `regional`, `national`
  or `international`, or a typed factor not marked, is secondary; so is a line that uses one;
- activity data (kWh, kg, t·km) come from the case's inventory: the company's own records;
- the share is the primary lines' emissions over all lines' emissions, lines below zero (removals,
  biogenic uptake) left out of both, in percent.

A factor is followed through lets and maps to where it is written; a table row sum is primary
only if every row's factors are.

**DQRs** (v3 `dqi`: technological, geographical, temporal, 1 best to 5). They are ratings of each
input against PACT's data quality matrix (its Methodology, which pcf does not hold): the practitioner
rates each emission line in the inventory, `[product.quality] <emission> = { technological = 2,
geographical = 1, temporal = 3 }`, and pcf weights the ratings by each line's share of the emissions
(lines below zero left out), as the specification asks ("weighted average of all inputs").
"""
from __future__ import annotations

from dataclasses import dataclass

from ..checks.literals import counts_ghg
from ..core.errors import PcfError
from ..core.keys import Key
from ..evaluation.result import ProductResult, Result
from ..language import nodes as n
from ..plan.resolve import ref_key
from .pactcase import DQR_KEYS

PRIMARY_QUALITIES = ("measured", "same_process", "manufacturer")


@dataclass(frozen=True)
class LineData:
    name: str
    value: float
    primary: bool
    why: str          # the first secondary factor, or "all factors primary"


def primary_share(result: Result, p: ProductResult) -> tuple[float, tuple[LineData, ...]]:
    """(share in percent, each line with its verdict) under the rule above."""
    inv = next(i for i in result.case.inventory.products if i.id == p.id) if result.case else None
    walker = _Walker(result, p, inv)
    lines = []
    for e in result.plan.method.emissions:
        line = next(l for l in p.lines if l.name == e.name)
        if e.name in p.excluded or line.value <= 0:
            continue
        secondary = walker.secondary(e.expr)
        lines.append(LineData(e.name, line.value, secondary is None, secondary or "all factors primary"))
    total = sum(l.value for l in lines)
    share = 100.0 * sum(l.value for l in lines if l.primary) / total if total else 0.0
    return share, tuple(lines)


def weighted_dqr(result: Result, p: ProductResult) -> tuple[dict[str, float] | None, list[str]]:
    """({indicator: weighted rating}, []) or (None, the lines lacking ratings)."""
    inv = next(i for i in result.case.inventory.products if i.id == p.id)
    weights = {l.name: l.value for l in p.lines if l.value > 0 and l.name not in p.excluded}
    missing = [name for name in weights if not set(DQR_KEYS) <= set(inv.quality.get(name, {}))]
    if missing:
        return None, missing
    total = sum(weights.values())
    return {k: sum(w * inv.quality[name][k] for name, w in weights.items()) / total for k in DQR_KEYS}, []


class _Walker:
    """Finds the first secondary factor an expression is computed with (None: all primary)."""

    def __init__(self, result: Result, p: ProductResult, inv):
        self.r, self.p, self.inv = result, p, inv
        self.plan = result.plan
        self.units = result.plan.units
        self.lets = {l.name: l for l in self.plan.method.lets}
        self.inputs = {d.name: d for d in self.plan.method.inputs}
        self.tables = {t.name: t for t in self.plan.method.tables}
        self.maps = {m.name: m for m in self.plan.method.maps}
        self.entries = p.trace.entries if p.trace is not None else {}

    def secondary(self, expr, rows: dict | None = None) -> str | None:
        for node in n.walk(expr):
            found = None
            if isinstance(node, n.KbRef):
                found = self._entry(self.plan.kb_nodes[ref_key(node)].entry, f"kb.{node.id}")
            elif isinstance(node, n.Number) and node.value and counts_ghg(node.unit, self.units):
                found = f"{node.text} {node.unit} written in the method"
            elif isinstance(node, n.Ref) and node.name in self.lets:
                found = self.secondary(self.lets[node.name].expr)
            elif isinstance(node, n.Ref) and node.name in self.inputs:
                found = self._input(node.name)
            elif isinstance(node, n.Lookup) and node.map in self.maps:
                found = next(filter(None, (self.secondary(e.expr) for e in self.maps[node.map].entries)), None)
            elif isinstance(node, n.RowSum):
                found = self._rows(node)
            if found:
                return found
        return None

    def _entry(self, e, name: str) -> str | None:
        return None if e.quality in PRIMARY_QUALITIES else f"{name} (quality {e.quality or 'not stated'})"

    def _input(self, name: str) -> str | None:
        d = self.inputs[name]
        a = self.inv.inputs.get(name) if self.inv is not None else None
        if a is not None and a.kb is not None:
            return self._entry(self.entries[Key.input(name)], f"kb.{a.kb}")
        if counts_ghg(d.unit, self.units) and not (a is not None and a.primary):
            return f"input `{name}` ({'typed' if a is not None else 'default'}, not marked primary)"
        return None

    def _rows(self, node: n.RowSum) -> str | None:
        t = self.tables.get(node.table)
        if t is None or self.inv is None:
            return None
        used = {f.column for f in n.walk(node.body) if isinstance(f, n.Field) and f.var == node.var}
        ghg = [c.name for c in t.columns if c.name in used and counts_ghg(c.unit, self.units)]
        rest = self.secondary(node.body)   # factors the body names besides the row's own columns
        if rest:
            return rest
        for i, row in enumerate(self.inv.tables.get(node.table, ())):
            marked = row.extra.get("primary") == "true"
            for col in ghg:
                a = row.cells.get(col)
                if a is None:
                    continue
                if a.kb is not None:
                    try:
                        e = self.r.kb.lookup(a.kb, a.kb_year if a.kb_year is not None else self.plan.data_year,
                                             pinned=a.kb_year is not None).entry
                    except PcfError:
                        return f"table `{node.table}` row {i + 1}: kb.{a.kb}"
                    found = self._entry(e, f"table `{node.table}` row {i + 1}: kb.{a.kb}")
                    if found:
                        return found
                elif not (marked or a.primary):
                    return f"table `{node.table}` row {i + 1}, `{col}` (typed, not marked primary)"
        return None
