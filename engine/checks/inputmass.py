"""The input mass of a product: the mass of the materials that go into one functional unit.

PACT v2 declares a footprint per kilogram (or litre, kWh ...), never per piece; products
counted in pieces (台, 套, 个) need the amount of kilograms in one piece. When no document
states the product's mass, a case may ask for the *input mass* (`unitary_product_amount =
"bom-mass"` in `[pact.products.<id>]`), which this module computes from the inventory. The
rule, in order:

1. The method declares what its input mass is, for its mass cut-off rule: `rule cutoff {
   basis: mass  inputs: legs.mass }` (every material delivered) makes the input mass the sum
   of that column; `included: materials.mass` makes it that column plus the inventory's
   `left_out` rows given by mass.
2. Otherwise the material lines are the rows of the tables that the emissions of the
   raw-material acquisition stage (stage id `raw_material`) read, counted by their column
   of mass dimension, plus the `left_out` rows given by mass. Scalar inputs never count:
   in the method library they are energy carriers (electricity, gas, diesel by mass).

Every row of such a table must give a mass (a table without a mass column, such as cable
by length, makes the rule fail), and the sum must be above zero. The input mass includes
process scrap and offcuts, so it is an upper bound of the product's mass: a footprint per
kilogram of input mass is a lower bound of the footprint per kilogram of product.
"""
from __future__ import annotations

from dataclasses import dataclass


from ..core.keys import TABLE, Key
from ..evaluation.result import ProductResult, Result
from .rules import left_out_amounts

STAGE = "raw_material"


@dataclass(frozen=True)
class InputMass:
    kg: float                          # per functional unit
    rule: str                          # how the lines were chosen, in words
    parts: tuple[tuple[str, float], ...]   # (what, kg per functional unit) in order


class NoInputMass(ValueError):
    """The inventory cannot give an input mass; the message says why."""


def input_mass(result: Result, product: ProductResult) -> InputMass:
    plan = result.plan
    units = plan.units
    inv = product.trace.product
    kg = units.parse("kg").dim
    per_unit = 1.0 / product.divisor

    def column(table: str, col: str) -> float:
        values = product.values.get(Key.table(table), {}).get(col)
        return float(values.sum()) * per_unit if values is not None else 0.0

    def left_out() -> list[tuple[str, float]]:
        return [(f"left out: {name}", v * per_unit) for name, v, _ in left_out_amounts(inv, units, "kg")]

    for r in plan.method.rules:
        basis = r.arg("basis")
        if r.name != "cutoff" or basis is None or "mass" not in basis.values:
            continue
        for key in ("inputs", "included"):
            arg = r.arg(key)
            if arg is None or not isinstance(arg.values[0], str) or "." not in arg.values[0]:
                continue
            table, _, col = arg.values[0].partition(".")
            t = next((t for t in plan.method.tables if t.name == table), None)
            c = next((c for c in t.columns if c.name == col), None) if t else None
            if c is None or units.parse(c.unit).dim != kg:
                raise NoInputMass(f"the mass cut-off rule of `{plan.method.id}` names `{table}.{col}`, "
                                  "which is not a mass column of the method")
            parts = [(f"{table}.{col} ({_rows(len(inv.tables.get(table, ())))})", column(table, col))]
            if key == "included":
                parts += left_out()
            rule = (f"the input mass of the method's mass cut-off rule ({r.citation or 'cutoff'}): "
                    f"`{key}: {table}.{col}`" + (" plus the left-out inputs" if key == "included" else ""))
            return _checked(InputMass(sum(v for _, v in parts), rule, tuple(parts)), product.id)

    import networkx as nx   # a graph walk only for methods with a mass cut-off rule
    emissions = [e for e in plan.method.emissions if e.stage == STAGE]
    tables = sorted({k.name for e in emissions if Key.emission(e.name) in plan.graph
                     for k in nx.ancestors(plan.graph, Key.emission(e.name)) if k.is_a(TABLE)})
    parts: list[tuple[str, float]] = []
    for name in tables:
        t = next(t for t in plan.method.tables if t.name == name)
        cols = [c.name for c in t.columns if units.parse(c.unit).dim == kg]
        rows = inv.tables.get(name, ())
        if not cols and rows:
            raise NoInputMass(f"table `{name}` ({t.label or name}) feeds stage `{STAGE}` but gives no mass "
                              f"({len(rows)} row(s)): the input mass would leave them out")
        parts += [(f"{name}.{c} ({_rows(len(rows))})", column(name, c)) for c in cols]
    parts += left_out()
    rule = (f"the mass columns of the tables read by stage `{STAGE}` "
            f"({', '.join(tables) or 'none'}) plus the left-out inputs given by mass")
    return _checked(InputMass(sum(v for _, v in parts), rule, tuple(parts)), product.id)


def _rows(n: int) -> str:
    return f"{n} row" + ("" if n == 1 else "s")


def _checked(m: InputMass, pid: str) -> InputMass:
    if not m.parts or not m.kg > 0:
        raise NoInputMass(f"product `{pid}` has no material lines with a mass ({m.rule}"
                          + (": they add up to 0 kg" if m.parts else ": none found") + ")")
    return m
