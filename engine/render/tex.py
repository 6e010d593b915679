"""Formulas as TeX, for the documentation's mathematics."""
from __future__ import annotations

from ..language import nodes as n
from .escape import tex_text

PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 3}


def _name(s: str) -> str:
    return r"\mathrm{" + tex_text(s) + "}"


def _unit(u: str) -> str:
    u = u.replace("·", r"\cdot ").replace("%", r"\%").replace("_", r"\_")
    return r"\,\mathrm{" + u + "}"


def to_tex(e: n.Expr, depth: int = 0) -> str:
    if depth > 200:
        return r"\ldots"
    d = depth + 1
    if isinstance(e, n.Number):
        return e.text + (_unit(e.unit) if e.unit else "")
    if isinstance(e, n.Ref):
        return _name(e.name)
    if isinstance(e, n.Field):
        return _name(e.var) + "." + _name(e.column)
    if isinstance(e, n.KbRef):
        text = r"\mathtt{kb." + tex_text(e.id) + "}"
        return text + (f"_{{[{e.year}]}}" if e.year is not None else "")
    if isinstance(e, n.BasisConversion):
        return rf"\tfrac{{{e.numerator}}}{{{e.denominator}}}"
    if isinstance(e, n.Neg):
        inner = to_tex(e.operand, d)
        return "-" + (f"({inner})" if isinstance(e.operand, n.BinOp) else inner)
    if isinstance(e, n.Call):
        return _call(e, d)
    if isinstance(e, n.Text):
        return r"\text{“" + tex_text(e.value) + r"”}"
    if isinstance(e, n.Lookup):
        return _name(e.map) + r"\left[ " + to_tex(e.key, d) + r" \right]"
    if isinstance(e, n.RowSum):
        return rf"\sum_{{{_name(e.var)} \in {_name(e.table)}}} \left( {to_tex(e.body, d)} \right)"
    if e.op == "/":
        return rf"\frac{{{to_tex(e.left, d)}}}{{{to_tex(e.right, d)}}}"
    left, right = to_tex(e.left, d), to_tex(e.right, d)
    if isinstance(e.left, n.BinOp) and PRECEDENCE[e.left.op] < PRECEDENCE[e.op]:
        left = rf"\left( {left} \right)"
    if isinstance(e.right, n.BinOp) and (PRECEDENCE[e.right.op] < PRECEDENCE[e.op]
                                         or (e.op == "-" and e.right.op in "+-")):
        right = rf"\left( {right} \right)"
    op = {"*": r"\times", "+": "+", "-": "-"}[e.op]
    return f"{left} {op} {right}"


_RELATIONS = {"<": "<", "<=": r"\le", ">": ">", ">=": r"\ge", "==": "=", "!=": r"\ne"}


def _call(e: n.Call, d: int) -> str:
    args = [to_tex(a, d) for a in e.args]
    if e.fn == "if":
        return (rf"\begin{{cases}} {args[1]} & \text{{if }} {args[0]} \\ {args[2]} & \text{{otherwise}}"
                r" \end{cases}")
    if e.fn in _RELATIONS:
        return f"{args[0]} {_RELATIONS[e.fn]} {args[1]}"
    if e.fn in ("and", "or"):
        word = r"\land" if e.fn == "and" else r"\lor"
        return rf"\left( {args[0]} \right) {word} \left( {args[1]} \right)"
    if e.fn == "not":
        return rf"\lnot \left( {args[0]} \right)"
    if e.fn == "abs":
        return rf"\left| {args[0]} \right|"
    if e.fn == "round":
        return rf"\operatorname{{round}}\left( {args[0]}, {args[1]} \right)"
    return rf"\{e.fn}\left( {', '.join(args)} \right)"
