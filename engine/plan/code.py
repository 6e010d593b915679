"""Stage: code. Each computed node's formula becomes postfix code over keys, constants in base
units: evaluation needs no recursion however deep the formula."""
from __future__ import annotations

import math
from typing import Mapping

from ..core.dimension import LEAVES, leaf_pair
from ..core.keys import Key
from ..core.units import Units
from ..language import nodes as n
from .resolve import ref_key


def postfix(expr: n.Expr, names: Mapping[str, Key], units: Units, texts: Mapping[str, int] | None = None,
            maps: Mapping[str, n.Map] | None = None) -> tuple:
    """Postfix code: ("load", key), ("const", value), (operator,), ("neg",), ("sum", table, body);
    operators are + - * /, comparisons, and, or, min, max, round (two operands), not, abs (one) and
    if (three: condition, then, else). A text is the constant `texts` numbers it with; a map
    lookup is the choice among the map's values by its key (`lookup_choice`)."""
    texts = texts or {}
    t = type(expr)
    if t in LEAVES:   # the common shapes, a value or amount x factor, without the walk
        return (_leaf_code(expr, names, units, texts),)
    if leaf_pair(expr, LEAVES):
        return _leaf_code(expr.left, names, units, texts), _leaf_code(expr.right, names, units, texts), (expr.op,)
    code: list = []
    stack: list[tuple[n.Expr, bool]] = [(expr, False)]
    while stack:
        e, done = stack.pop()
        t = type(e)
        if t in LEAVES:
            code.append(_leaf_code(e, names, units, texts))
        elif t is n.Lookup:
            stack.append((lookup_choice(e, maps[e.map]), False))
        elif t is n.BinOp:
            if done:
                code.append((e.op,))
            else:
                stack.append((e, True))
                stack.append((e.right, False))
                stack.append((e.left, False))
        elif t is n.Neg:
            if done:
                code.append(("neg",))
            else:
                stack.append((e, True))
                stack.append((e.operand, False))
        elif t is n.RowSum:
            code.append(("sum", Key.table(e.table), postfix(e.body, names, units, texts, maps)))
        elif t is n.Call:
            # min/max of several: a chain of binary ones; `if` pops else, then, condition
            if done:
                code.extend([(e.fn,)] * (len(e.args) - 1 if e.fn in ("min", "max") else 1))
            else:
                stack.append((e, True))
                stack.extend((a, False) for a in reversed(e.args))
        else:
            raise TypeError(f"not an expression: {e!r}")
    return tuple(code)


def lookup_choice(e: n.Lookup, m: n.Map) -> n.Expr:
    """`m[key]` as the choice it is: `if key == "k1" then v1 else if key == "k2" then v2 ... else
    not-a-number` (a key outside the map is refused when the inventory is bound, so the last
    branch is never taken by a bound product). Runs on floats, arrays and intervals alike."""
    out: n.Expr = n.Number(math.nan, "nan", None, e.span)
    for entry in reversed(m.entries):
        test = n.Call("==", (e.key, n.Text(entry.key, entry.span)), e.span)
        out = n.Call("if", (test, entry.expr, out), e.span)
    return out


def _leaf_code(e, names: Mapping[str, Key], units: Units, texts: Mapping[str, int]) -> tuple:
    """The instruction of a leaf (see dimension.LEAVES)."""
    t = type(e)
    if t is n.Text:
        return "const", float(texts[e.value])
    if t is n.Ref:
        return "load", names[e.name]
    if t is n.Number:
        scale = units.parse(e.unit).scale if e.unit else 1.0
        return "const", e.value * scale
    if t is n.KbRef:
        return "load", ref_key(e)
    if t is n.BasisConversion:
        return "const", e.numerator / e.denominator
    return "field", e.column
