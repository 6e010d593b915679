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


def short_kb_names(ids) -> dict[str, str]:
    """A readable name for each knowledge-base id of one formula: its last two dotted parts
    (`diesel.ncv` for cn.fuel.gl2015.diesel.ncv), more where two ids would read the same."""
    ids = sorted(set(ids))
    out = {}
    for ident in ids:
        parts = ident.split(".")
        k = min(2, len(parts))
        while k < len(parts) and any(o != ident and o.split(".")[-k:] == parts[-k:] for o in ids):
            k += 1
        out[ident] = ".".join(parts[-k:])
    return out


def to_tex(e: n.Expr, depth: int = 0, kb_names=None) -> str:
    """TeX of a formula; `kb_names` (id -> short name) writes knowledge-base references by their
    short names (the page lists what each stands for), else by their full ids."""
    if depth > 200:
        return r"\ldots"
    d = depth + 1
    if kb_names is not None:
        return _with_names(e, d - 1, kb_names)
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


def _with_names(e: n.Expr, depth: int, kb_names) -> str:
    """to_tex with each KbRef replaced by a name (a Ref prints as upright text): the formula's
    structure, parentheses and operators stay to_tex's own."""
    from dataclasses import replace

    def swap(x):
        if isinstance(x, n.KbRef):
            name = kb_names.get(x.id, "kb." + x.id) + (f"[{x.year}]" if x.year is not None else "")
            return n.Ref(name, x.span)
        if isinstance(x, (n.BinOp,)):
            return replace(x, left=swap(x.left), right=swap(x.right))
        if isinstance(x, n.Neg):
            return replace(x, operand=swap(x.operand))
        if isinstance(x, n.Call):
            return replace(x, args=tuple(swap(a) for a in x.args))
        if isinstance(x, n.RowSum):
            return replace(x, body=swap(x.body))
        if isinstance(x, n.Lookup):
            return replace(x, key=swap(x.key))
        return x
    return to_tex(swap(e), depth)
