"""The dimension of a formula, and the substance-basis conversions (44/12, 44/28) it may hold.

One inference for every formula: a method's lets and emissions (plan), and the formulas of
derived knowledge-base entries (plan when a method uses them, kbcheck for `pcf check kb/`).
A basis conversion is checked against the whole product chain around it
(`NCV * CC * OF * 44/12`): what it multiplies must have the basis it converts from.

    >>> from .basedims import Dim as U
    >>> from . import nodes as n
    >>> from .source import Span
    >>> s = Span("x", 1, 1)
    >>> e = n.BinOp("*", n.Ref("c", s), n.BasisConversion(44, 12, s), s)
    >>> infer_dim(e, lambda leaf, row: U({"kgC": 1}), print)
    <Dim({'kgCO2': 1})>
"""
from __future__ import annotations

from typing import Callable, Mapping

from ..language import nodes as n
from .errors import Diagnostic
from .units import DIMENSIONLESS, TEXT, Dim, UnitError, format_dim

# basis conversions: (numerator, denominator) -> (from unit, to unit)
# Written with whole molar masses as the guidelines write them (C 12, N 14, O 16, P 31, K 39):
# fertiliser statistics give P and K as their oxides, element balances as the elements.
CONVERSIONS = {
    (44, 12): ("kgC", "kgCO2"), (12, 44): ("kgCO2", "kgC"),
    (44, 28): ("kgN2O_N", "kgN2O"), (28, 44): ("kgN2O", "kgN2O_N"),
    (62, 142): ("kgP2O5", "kgP"), (142, 62): ("kgP", "kgP2O5"),
    (78, 94): ("kgK2O", "kgK"), (94, 78): ("kgK", "kgK2O"),
}
CONVERSION_NAMES = {(44, 12): "C -> CO2", (12, 44): "CO2 -> C", (44, 28): "N2O-N -> N2O",
                    (28, 44): "N2O -> N2O-N", (62, 142): "P2O5 -> P", (142, 62): "P -> P2O5",
                    (78, 94): "K2O -> K", (94, 78): "K -> K2O"}
# What a conversion contributes: built once, shared (dimensions are never mutated).
CONVERSION_DIMS = {k: Dim({dst: 1, src: -1}) for k, (src, dst) in CONVERSIONS.items()}
_SUBSTANCE = {"kgC": "carbon (C)", "kgCO2": "CO2", "kgN2O_N": "N2O-N", "kgN2O": "N2O",
              "kgP2O5": "phosphate (P2O5)", "kgP": "phosphorus (P)", "kgK2O": "potash (K2O)", "kgK": "potassium (K)"}

# Expression leaves. A basis conversion is checked against the product chain around it; the
# dimension of the others needs nothing beyond the row scope.
PLAIN_LEAVES = frozenset({n.Ref, n.Number, n.KbRef, n.Field, n.Text})
LEAVES = PLAIN_LEAVES | {n.BasisConversion}

# leaf_dim(leaf, row scope) -> its dimension or None (a problem already recorded)
LeafDim = Callable[[object, Mapping[str, str]], "Dim | None"]
# err(problem): records a problem
Err = Callable[[Diagnostic], None]


def leaf_pair(e, leaves: frozenset) -> bool:
    """Amount x factor and its kin: one operator over two leaves, the commonest formula, which
    linking, unit checking and postfix code take without their general walks."""
    return type(e) is n.BinOp and type(e.left) in leaves and type(e.right) in leaves


def infer_dim(expr: n.Expr, leaf_dim: LeafDim, err: Err, products: dict | None = None,
              row: Mapping[str, str] | None = None) -> Dim | None:
    """The dimension of `expr`, iteratively; reports problems through `err` and returns None
    on failure. `products` caches dimension products across calls (see `_binop`)."""
    products = {} if products is None else products
    sc = row or {}
    t = type(expr)
    # The common shapes, a value or amount x factor, without the walk's bookkeeping.
    if t in PLAIN_LEAVES:
        return leaf_dim(expr, sc)
    if leaf_pair(expr, PLAIN_LEAVES):
        b = leaf_dim(expr.right, sc)   # right first, as in the walk
        return _binop(expr, leaf_dim(expr.left, sc), b, err, products)
    # Post-order over (node, row scope, root of the product chain the node is in, children
    # done), right subtree first; finished dimensions go on `dims`, a value stack.
    dims: list[Dim | None] = []
    stack: list[tuple] = [(expr, sc, expr, False)]
    conversions: list[tuple[n.BasisConversion, n.Expr]] = []
    chain_dims: dict[int, Dim | None] = {}   # id of a product chain holding a conversion -> its dim
    while stack:
        e, sc, chain, done = stack.pop()
        t = type(e)
        if t in PLAIN_LEAVES:
            dim = leaf_dim(e, sc)
            dims.append(dim)
        elif t is n.BinOp:
            if not done:
                stack.append((e, sc, chain, True))
                # A `*`/`/` operand belongs to its parent's chain; anything else starts one.
                if e.op == "*" or e.op == "/":
                    stack.append((e.left, sc, chain, False))
                    stack.append((e.right, sc, chain, False))
                else:
                    stack.append((e.left, sc, e.left, False))
                    stack.append((e.right, sc, e.right, False))
                continue
            a = dims.pop()
            dim = _binop(e, a, dims[-1], err, products)
            dims[-1] = dim
        elif t is n.BasisConversion:
            dim = CONVERSION_DIMS[(e.numerator, e.denominator)]
            conversions.append((e, chain))
            chain_dims[id(chain)] = None
            dims.append(dim)
        elif t is n.Call:
            if not done:
                stack.append((e, sc, chain, True))
                stack.extend((a, sc, a, False) for a in e.args)   # each argument its own chain
                continue
            args = [dims.pop() for _ in e.args]   # the first argument's dimension was pushed last
            dim = _call(e, args, err)
            dims.append(dim)
        elif t is n.Lookup:
            if not done:
                stack.append((e, sc, chain, True))
                stack.append((e.key, sc, e.key, False))
                continue
            key_dim = dims.pop()
            dim = None
            if key_dim is not None and key_dim != TEXT:
                err(Diagnostic("unit-mismatch", f"map `{e.map}` is keyed by text, not by {format_dim(key_dim)}",
                               e.key.span, hint='give a text input or column (`route : text`), or a quoted '
                                                'key: `waste_ef["landfill"]`'))
            elif key_dim is not None:
                dim = leaf_dim(e, sc)
            dims.append(dim)
        elif t is n.Neg or t is n.RowSum:
            if not done:
                stack.append((e, sc, chain, True))
                if t is n.Neg:
                    stack.append((e.operand, sc, e.operand, False))
                else:
                    stack.append((e.body, {**sc, e.var: e.table}, e.body, False))
                continue
            dim = dims[-1]
        else:
            raise TypeError(f"not an expression: {e!r}")
        if chain_dims and id(e) in chain_dims:
            chain_dims[id(e)] = dim
    for conv, chain in conversions:
        _check_conversion(conv, chain_dims[id(chain)], err)
    return dims[0]


def number_dim(e: n.Number, parse, err: Err) -> Dim | None:
    """A number's dimension: dimensionless, or its unit's (`parse` raises UnitError)."""
    if e.unit is None:
        return DIMENSIONLESS
    try:
        return parse(e.unit).dim
    except UnitError as exc:
        err(Diagnostic("unit-unknown", str(exc), e.span, hint=exc.hint))
        return None


def _binop(e: n.BinOp, a: Dim | None, b: Dim | None, err: Err, products: dict) -> Dim | None:
    if a is None or b is None:
        return None
    if a == TEXT or b == TEXT:
        err(Diagnostic("unit-mismatch", f"cannot compute `{e.op}` with a text", e.span,
                       hint='a text is compared (`route == "landfill"`) or used as a map\'s key '
                            '(`waste_ef[route]`)'))
        return None
    if e.op == "+" or e.op == "-":
        if a is not b and a != b:
            verb = "add" if e.op == "+" else "subtract"
            err(Diagnostic("unit-mismatch", f"cannot {verb} {format_dim(a)} and {format_dim(b)}", e.span,
                           hint=mismatch_hint(a, b)))
            return None
        return a
    # The same few dimensions meet again and again (amount x factor): one product per pair.
    # Keyed by identity, exact whatever pint's equality; a and b are kept so ids stay theirs.
    key = (e.op, id(a), id(b))
    hit = products.get(key)
    if hit is None:
        hit = products[key] = (a * b if e.op == "*" else a / b, a, b)
    return hit[0]


def _call(e: n.Call, dims: list, err: Err) -> Dim | None:
    """The dimension of a condition (a pure number, 1 or 0) or a choice (its arguments' one)."""
    if any(d is None for d in dims):
        return None
    fn = e.fn
    conditions = {"if": e.args[:1], "and": e.args, "or": e.args, "not": e.args}.get(fn, ())
    for c in conditions:
        if not (type(c) is n.Call and c.fn in n.CONDITIONS):
            what = "`if` tests" if fn == "if" else f"`{fn}` takes"
            err(Diagnostic("unit-mismatch", f"{what} a condition (a comparison such as `x > 0 kWh`, or "
                           "conditions joined by and, or, not), not a quantity", c.span,
                           hint="compare the quantity with a bound of its unit, e.g. `refrigerated > 0 d`"))
            return None
    if fn in n.COMPARISONS:
        a, b = dims
        if (a == TEXT or b == TEXT) and a == b and fn not in ("==", "!="):
            err(Diagnostic("unit-mismatch", f"texts are compared with == or !=, not `{fn}`", e.span))
            return None
        if a != b:
            err(Diagnostic("unit-mismatch", f"cannot compare {format_dim(a)} with {format_dim(b)}", e.span,
                           hint="compare quantities of one dimension (give the bound its unit: `x > 0 kWh`)"))
            return None
        return DIMENSIONLESS
    if fn in n.LOGIC:
        return DIMENSIONLESS
    values = dims[1:] if fn == "if" else dims
    if fn != "if" and TEXT in values:
        err(Diagnostic("unit-mismatch", f"`{fn}` takes quantities, not a text", e.span))
        return None
    first = values[0]
    for other in values[1:]:
        if other != first:
            what = "the branches of `if` differ" if fn == "if" else f"the arguments of `{fn}` differ"
            err(Diagnostic("unit-mismatch", f"{what}: {format_dim(first)} and {format_dim(other)}", e.span,
                           hint="both sides give one quantity: give each in the same dimension"))
            return None
    return first


def _check_conversion(conv: n.BasisConversion, dim: Dim | None, err: Err) -> None:
    # The conversion applies to the whole product chain around it: `dim` is that chain's.
    if dim is None:
        return
    ratio = (conv.numerator, conv.denominator)
    src, dst = CONVERSIONS[ratio]
    if dim[src] < 0:
        others = dim / CONVERSION_DIMS[ratio]
        what = _SUBSTANCE[src]
        err(Diagnostic("basis-conversion",
                       f"{conv.numerator}/{conv.denominator} converts {CONVERSION_NAMES[ratio]}, "
                       f"but what it multiplies has no {what} basis (it is {format_dim(others)})", conv.span,
                       hint="remove the conversion, or start from a quantity of "
                            f"{what} (e.g. a carbon content in tC/TJ)"))


def mismatch_hint(a: Dim, b: Dim) -> str | None:
    pair = {frozenset(a.keys()) & {"kgCO2", "kgCO2e"}, frozenset(b.keys()) & {"kgCO2", "kgCO2e"}}
    if frozenset({"kgCO2"}) in pair and frozenset({"kgCO2e"}) in pair:
        return "a CO2-only factor (kgCO2/...) and a CO2e factor are different families; do not mix them"
    return None


def missing_conversion_hint(found: Dim, unit: Dim) -> str:
    """When a formula gives one basis where its unit says another: the conversion to write."""
    for (num, den), (src, dst) in CONVERSIONS.items():
        rest = found / Dim({src: 1})
        if found.get(src) == 1 and unit.get(dst) == 1 and rest == unit / Dim({dst: 1}):
            return f"the formula gives {src[2:]} where the unit says {dst[2:]}: multiply by {num}/{den}"
    return "check the unit of each entry the formula uses"
