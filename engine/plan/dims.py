"""Stage: dimensions. Every computed node's formula gets a dimension (units checked, basis
conversions checked against their product chains); derived kb entries must give their unit;
every emission must be a mass of CO2e (or CO2 where the method declares other gases negligible)."""
from __future__ import annotations

from typing import Mapping

from ..core.dimension import infer_dim, number_dim
from ..core.errors import Diagnostic
from ..core.keys import CHECK, KB, MAP, Key
from ..core.units import CO2, CO2E, TEXT, Dim, Units, format_dim
from ..language import nodes as n
from .resolve import ALIAS, Names, ref_key
from .settings import GWP_SETS


def formula_of(names: Names, key: Key, deps_of) -> n.Expr:
    """The formula computing `key`; an alias is a reference to the entry it stands for."""
    if names.kinds.get(key) == ALIAS:
        target = next(iter(deps_of(key)))
        return n.KbRef(target.name, target.year, names.decl_span[key])
    if key.is_a(KB):
        return names.kb_nodes[key].expr
    return names.formulas[key]


def formula_dims(names: Names, units: Units, exprs: Mapping[Key, n.Expr]) -> tuple[dict[Key, Dim], list[Diagnostic]]:
    """Every node's dimension: those `names` knows, and those of the formulas."""
    problems: list[Diagnostic] = []
    dims = dict(names.dims)
    columns, lookup = names.columns, names.names

    def leaf_dim(e, sc):
        t = type(e)
        if t is n.Ref:
            return dims.get(lookup.get(e.name, ""))
        if t is n.Number:
            return number_dim(e, units.parse, problems.append)
        if t is n.KbRef:
            return dims.get(ref_key(e))
        if t is n.Text:
            return TEXT
        if t is n.Lookup:
            return dims.get(Key(MAP, e.map))
        col = columns.get(sc.get(e.var, ""), {}).get(e.column)
        return None if col is None else col[1]

    products: dict = {}   # per compile: the same few dimension pairs recur (see dimension._binop)
    for m in (names.maps or {}).values():
        # a map's values have one dimension, its own: known before any formula reads it
        found = [(entry, infer_dim(entry.expr, leaf_dim, problems.append, products)) for entry in m.entries]
        found = [(entry, d) for entry, d in found if d is not None]
        if found and len(found) == len(m.entries):
            first = found[0][1]
            odd = next(((entry, d) for entry, d in found if d != first), None)
            if odd is not None:
                problems.append(Diagnostic("unit-mismatch", f"map `{m.name}`: `{odd[0].key}` is {format_dim(odd[1])}, "
                                           f"`{found[0][0].key}` is {format_dim(first)}", odd[0].span,
                                           hint="a map's values are of one dimension: give each in one unit"))
            elif first == TEXT:
                problems.append(Diagnostic("bad-map", f"map `{m.name}` holds texts: a map's values are quantities",
                                           m.span))
            else:
                dims[Key(MAP, m.name)] = first
    for key, expr in exprs.items():
        dim = infer_dim(expr, leaf_dim, problems.append, products)
        if dim is None:
            continue
        if key.is_a(CHECK) and not (type(expr) is n.Call and expr.fn in n.CONDITIONS):
            problems.append(Diagnostic("unit-mismatch", f"check `{key.name}` is a condition (a comparison such "
                                       "as `x <= 100 %`, or conditions joined by and, or, not), not a quantity",
                                       expr.span))
            continue
        if key.is_a(KB):
            kn = names.kb_nodes[key]
            if dim != kn.entry.spec.dim:
                problems.append(Diagnostic("unit-mismatch", f"`kb.{kn.entry.id}`: its formula gives {format_dim(dim)} "
                                           f"but its unit is `{kn.entry.unit}` ({format_dim(kn.entry.spec.dim)})",
                                           kn.entry.span))
                continue
        dims[key] = dim
    return dims, problems


def emission_bases(method: n.Method, names: Names, dims: Mapping[Key, Dim]) -> tuple[tuple[str, ...], list[Diagnostic]]:
    """The emissions whose CO2-only result counts as CO2e, and the emissions that are no CO2e."""
    co2, problems = [], []
    negligible = method.setting("non_co2_negligible") is not None
    # The same few dimension objects recur (see dimension._binop): compare each once.
    basis: dict[int, str | None] = {}   # id(dim) -> "CO2e", "CO2" or None
    for e in method.emissions:
        dim = dims.get(names.names[e.name])   # names are unique by now: the emission's key
        if dim is None:
            continue
        b = basis.get(id(dim), "")
        if b == "":
            b = basis[id(dim)] = "CO2e" if dim == CO2E else "CO2" if dim == CO2 else None
        if b == "CO2e":
            continue
        if b == "CO2" and negligible:
            co2.append(e.name)
            continue
        hint = None
        if b == "CO2":
            hint = ('a CO2-only result counts as CO2e only where the method declares other gases '
                    'negligible: `non_co2_negligible "reason"`')
        elif len(dim) == 1 and next(iter(dim)).startswith("kg") and next(iter(dim.values())) == 1:
            gas = next(iter(dim))[2:].lower()
            gwp = GWP_SETS.get(method.setting("gwp") or "", "ar5")
            hint = f"convert with the method's GWP set, e.g. `* kb.gwp.{gwp}.{gas}`"
        elif dim.get("kgCO2e", 0) == 1 or dim.get("kgCO2", 0) == 1:
            hint = "an activity amount is missing or in the wrong place: amount x factor gives kgCO2e"
        problems.append(Diagnostic("not-co2e", f"emission `{e.name}` is {format_dim(dim)}, not a mass of CO2e",
                                   e.span, hint=hint))
    return tuple(co2), problems
