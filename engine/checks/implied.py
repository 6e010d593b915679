"""The factor a printed line implies: for a line that is amounts times one emission factor,
the factor that would give the printed figure (`the printed line implies 0.0021
kgCO2e/(t·km) where the calculation uses 0.0034`).

Only a product of names, knowledge-base references and numbers is read, and only when
exactly one of its terms carries CO2 or CO2e: otherwise no single factor is implied.
"""
from __future__ import annotations

from ..core.keys import Key
from ..core.units import format_dim
from ..language import nodes as n
from ..plan import Plan, ref_key

GHG = ("kgCO2e", "kgCO2")


def implied_factor(plan: Plan, values, line: str, ratio: float) -> str | None:
    """`the printed line implies <factor> = x unit where the calculation uses y`, or None."""
    emission = next((e for e in plan.method.emissions if e.name == line), None)
    terms = _terms(emission.expr) if emission is not None else None
    if not terms:
        return None
    factors = [(t, k) for t in terms if (k := _key(plan, t)) is not None and any(g in plan.dims.get(k, {}) for g in GHG)]
    if len(factors) != 1:
        return None
    term, key = factors[0]
    lets = {d.name: d.expr for d in plan.method.of_type(n.Let)}
    kb = term if isinstance(term, n.KbRef) else lets.get(term.name) if isinstance(term, n.Ref) else None
    if isinstance(kb, n.KbRef) and plan.kb_nodes[ref_key(kb)].expr is None:   # a factor read from the kb
        entry = plan.kb_nodes[ref_key(kb)].entry
        name = f"kb.{entry.id}" if term is kb else f"`{term.name}` (kb.{entry.id})"
        used, unit = entry.value, entry.unit
    else:
        inputs = {i.name: i.unit for i in plan.method.of_type(n.Input)}
        unit = inputs.get(term.name) if isinstance(term, n.Ref) else None
        base = values[key]
        if unit is None:
            name, used, unit = f"`{term.name}`", base, format_dim(plan.dims[key])
        else:
            name, used = f"`{term.name}`", plan.units.parse(unit).from_base(base)
    digits = next((d for d in range(4, 10) if f"{used * ratio:.{d}g}" != f"{used:.{d}g}"), 10)
    return (f"the printed line implies {name} = {used * ratio:.{digits}g} {unit} where the calculation uses "
            f"{used:.{digits}g}")


def _terms(expr) -> list | None:
    """The factors of a product, or None when the expression is not a plain product."""
    if isinstance(expr, n.BinOp) and expr.op == "*":
        left, right = _terms(expr.left), _terms(expr.right)
        return None if left is None or right is None else left + right
    if isinstance(expr, (n.Ref, n.KbRef, n.Number, n.BasisConversion)):
        return [expr]
    return None


def _key(plan: Plan, term) -> str | None:
    """The graph key of a term: a kb reference, an input or a let."""
    if isinstance(term, n.KbRef):
        return ref_key(term)
    if isinstance(term, n.Ref):
        return next((k for k in (Key.input(term.name), Key.let(term.name)) if k in plan.dims), None)
    return None
