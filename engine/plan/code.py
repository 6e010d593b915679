"""Stage: code. Each computed node's formula becomes postfix code over keys, constants in base
units: evaluation needs no recursion however deep the formula."""
from __future__ import annotations

from typing import Mapping

from ..core.dimension import LEAVES, leaf_pair
from ..core.keys import Key
from ..core.units import Units
from ..language import nodes as n
from .resolve import ref_key


def postfix(expr: n.Expr, names: Mapping[str, Key], units: Units) -> tuple:
    """Postfix code: ("load", key), ("const", value), (operator,), ("neg",), ("sum", table, body);
    operators are + - * /, comparisons, and, or, min, max (two operands), not, abs (one) and
    if (three: condition, then, else)."""
    t = type(expr)
    if t in LEAVES:   # the common shapes, a value or amount x factor, without the walk
        return (_leaf_code(expr, names, units),)
    if leaf_pair(expr, LEAVES):
        return _leaf_code(expr.left, names, units), _leaf_code(expr.right, names, units), (expr.op,)
    code: list = []
    stack: list[tuple[n.Expr, bool]] = [(expr, False)]
    while stack:
        e, done = stack.pop()
        t = type(e)
        if t in LEAVES:
            code.append(_leaf_code(e, names, units))
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
            code.append(("sum", Key.table(e.table), postfix(e.body, names, units)))
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


def _leaf_code(e, names: Mapping[str, Key], units: Units) -> tuple:
    """The instruction of a leaf (see dimension.LEAVES)."""
    t = type(e)
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
