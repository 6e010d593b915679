"""Nodes -> canonical method text: the printer that `build` inverts.

`format_method(build_method(text, path))` is a method file in canonical layout (settings
first, one declaration per line, two-space indents, minimal parentheses) that builds back
to equal nodes, spans aside:

    >>> from pcf.language.build import build_method
    >>> m = build_method('method m { let x = (a + b) * 44/12 }', "m.pcf")
    >>> print(format_expr(m.lets[0].expr))
    (a + b) * 44/12
    >>> without_spans(build_method(format_method(m), "m.pcf")) == without_spans(m)
    True

Both the printer and `without_spans` work without recursion, so a formula nested five
thousand deep prints like a flat one. A node the language cannot express (a label holding
a `"` or a line end, a number that is not finite) raises ValueError.
"""
from __future__ import annotations

import dataclasses
import math
import re
from typing import Any

from ..core.source import Span
from . import nodes as n

INDENT = "  "
# The settings whose value is a quoted string; the others are bare names.
STRING_SETTINGS = frozenset({"standard", "functional_unit", "non_co2_negligible"})
_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?\Z")
_RULE_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*\Z")
# Binding strength: a sum, a product, a sign, an atom (grammar/pcf.lark: expr, term, factor, atom).
# binding strengths, weakest first: if, or, and, not, a comparison, + -, * /, a sign, an atom
_IF, _OR, _AND, _NOT, _COMPARE, _SUM, _PRODUCT, _SIGN, _ATOM = range(-4, 5)


def format_method(method: n.Method) -> str:
    """The canonical text of `method` (as built from one file: `extends` is kept, not merged)."""
    head = f"method {method.id}"
    if method.title is not None:
        head += f" {_quote(method.title)}"
    if method.extends is not None:
        head += f" extends {', '.join(method.parents)}"
    lines = [head + " {"]
    for s in method.settings:
        lines.extend(INDENT + line for line in _declaration(s))
    if method.settings and method.decls:
        lines.append("")
    for d in method.decls:
        lines.extend(INDENT + line for line in _declaration(d))
    lines.append("}")
    return "\n".join(lines) + "\n"


def format_expr(expr: n.Expr) -> str:
    """A formula with the parentheses its tree needs, and no others."""
    out: list[str] = []
    # Work items: a node to print at a minimum binding strength, or text to emit as is.
    stack: list[tuple[n.Expr, int] | str] = [(expr, _IF)]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
            continue
        e, need = item
        parts = _parts(e)
        if _strength(e) < need:
            parts = ["(", *parts, ")"]
        stack.extend(reversed(parts))
    return "".join(out)


def without_spans(obj: Any) -> tuple:
    """`obj` flattened, spans and uncompared fields left out: equal for trees built from
    different texts of the same method (or for inventories read from TOML and built in code). A pre-order list of type names, field names and
    leaf values (flat, so that comparing two deep formulas needs no recursion either)."""
    out: list = []
    stack = [obj]
    while stack:
        o = stack.pop()
        if isinstance(o, (tuple, list)):
            out.append(("(", len(o)))
            stack.extend(reversed(o))
        elif isinstance(o, dict):
            out.append(("{", len(o)))
            for k in sorted(o, reverse=True):
                stack.extend((o[k], k))
        elif dataclasses.is_dataclass(o) and not isinstance(o, type):
            kept = [f.name for f in dataclasses.fields(o) if f.compare and not _is_span(f, getattr(o, f.name))]
            out.append((type(o).__name__, tuple(kept)))
            stack.extend(getattr(o, k) for k in reversed(kept))
        else:
            out.append(o)
    return tuple(out)


# --- declarations -------------------------------------------------------------------------

def _declaration(d) -> list[str]:
    o = _override(d)
    if isinstance(d, n.Setting):
        value = _quote(d.value) if d.key in STRING_SETTINGS else d.value
        if d.args:
            value += f"({', '.join(d.args)})"
        return [f"{o}{d.key} {value}"]
    if isinstance(d, n.Stage):
        text = f"{o}stage {d.id}{_label(d.label)}"
        if d.excluded is not None:
            text += f" excluded {_quote(d.excluded)}"
        return [text]
    if isinstance(d, n.Input):
        return [f"{o}input {d.name} : {d.unit}{_label(d.label)}{_basis(d.basis)}"
                + (" optional" if d.optional else "") + _default(d.default)]
    if isinstance(d, n.Table):
        cols = [f"{INDENT}{c.name} : {c.unit}{_label(c.label)}{_basis(c.basis)}{_default(c.default)}"
                for c in d.columns]
        return [f"{o}table {d.name}{_label(d.label)} {{", *cols, "}"]
    if isinstance(d, n.Map):
        entries = [f"{INDENT}{_map_key(e.key)}: {format_expr(e.expr)}" for e in d.entries]
        return [f"{o}map {d.name}{_label(d.label)} {{", *entries, "}"]
    if isinstance(d, n.Check):
        return [f"{o}check {d.name}{_label(d.citation)} {d.severity} = {format_expr(d.expr)} {_quote(d.message)}"]
    if isinstance(d, n.Scenario):
        sets = [f"{INDENT}{a.name}: {format_expr(a.expr)}" for a in d.sets]
        return [f"{o}scenario {d.name}{_label(d.label)} {{", *sets, "}"]
    if isinstance(d, n.Let):
        return [f"{o}let {d.name}{_label(d.label)} = {format_expr(d.expr)}"]
    if isinstance(d, n.Emission):
        tags = f" [{', '.join(d.tags)}]" if d.tags else ""
        return [f"{o}emission {d.name}{_label(d.label)} in {d.stage}{tags} = {format_expr(d.expr)}"]
    if isinstance(d, n.Rule):
        head = f"{o}rule {d.name} {d.status}{_label(d.citation)} {{"
        if not d.args:
            return [head + " }"]
        args = [f"{INDENT}{a.key}: " + ", ".join(_rule_value(v) for v in a.values) for a in d.args]
        return [head, *args, "}"]
    raise ValueError(f"not a declaration: {type(d).__name__}")


def _default(expr) -> str:
    return "" if expr is None else f" = {format_expr(expr)}"


_KEY_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# words the lexer reads as keywords where a map key may stand: quoted, they stay keys
_KEYWORDS = frozenset({"if", "then", "else", "and", "or", "not", "sum", "min", "max", "abs", "in", "method",
                       "extends", "override", "standard", "boundary", "gwp", "functional_unit",
                       "non_co2_negligible", "factor_year", "stage", "excluded", "input", "table", "let",
                       "emission", "rule", "verified", "reading", "optional", "per_unit", "period", "map",
                       "check", "scenario", "error", "warning", "round"})


def _map_key(key: str) -> str:
    return key if _KEY_WORD.match(key) and key not in _KEYWORDS else _quote(key)


def _basis(basis: str | None) -> str:
    return f" {basis}" if basis else ""


def _override(d) -> str:
    return "override " if getattr(d, "override", False) else ""


def _label(text: str | None) -> str:
    return "" if text is None else f" {_quote(text)}"


def _quote(text: str) -> str:
    if "\n" in text or "\r" in text:
        raise ValueError(f"a label cannot hold a line end: {text!r}")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _rule_value(v) -> str:
    if isinstance(v, n.Number):
        return _number(v)
    # Names and strings both build to str: a word is printed bare, anything else quoted.
    return v if _RULE_WORD.match(v) else _quote(v)


# --- expressions ----------------------------------------------------------------------------

def _strength(e) -> int:
    if isinstance(e, n.BinOp):
        return _SUM if e.op in "+-" else _PRODUCT
    if isinstance(e, n.BasisConversion):
        return _PRODUCT   # `44/12` is a quotient in the text
    if isinstance(e, n.Neg):
        return _SIGN
    if isinstance(e, n.Call):
        return _CALL_STRENGTH.get(e.fn, _ATOM)
    return _ATOM


_CALL_STRENGTH = {"if": _IF, "or": _OR, "and": _AND, "not": _NOT,
                  **{op: _COMPARE for op in n.COMPARISONS}}


def _parts(e) -> list:
    """The pieces of `e`'s text: strings, and (child, binding strength it needs) pairs."""
    if isinstance(e, n.Number):
        return [_number(e)]
    if isinstance(e, n.Ref):
        return [e.name]
    if isinstance(e, n.Field):
        return [f"{e.var}.{e.column}"]
    if isinstance(e, n.KbRef):
        return [f"kb.{e.id}" + (f"[{e.year}]" if e.year is not None else "")]
    if isinstance(e, n.BasisConversion):
        return [f"{e.numerator}/{e.denominator}"]
    if isinstance(e, n.Text):
        return [_quote(e.value)]
    if isinstance(e, n.Lookup):
        return [f"{e.map}[", (e.key, _IF), "]"]
    if isinstance(e, n.Neg):
        return ["-", (e.operand, _SIGN)]
    if isinstance(e, n.RowSum):
        return [f"sum({e.var} in {e.table}: ", (e.body, _IF), ")"]
    if isinstance(e, n.Call):
        return _call_parts(e)
    if isinstance(e, n.BinOp):
        # Left-associative: the left operand may be as weak as the operator, the right one
        # must bind tighter. `x * 44/12` reads back as x times one conversion, so a
        # conversion right of `*` needs no parentheses (right of `/` it does).
        left = _SUM if e.op in "+-" else _PRODUCT
        right = _PRODUCT if e.op in "+-" else _SIGN
        if e.op == "*" and isinstance(e.right, n.BasisConversion):
            right = _PRODUCT
        return [(e.left, left), f" {e.op} ", (e.right, right)]
    raise ValueError(f"not an expression: {type(e).__name__}")


def _call_parts(e: n.Call) -> list:
    a = e.args
    if e.fn == "if":
        return ["if ", (a[0], _OR), " then ", (a[1], _IF), " else ", (a[2], _IF)]
    if e.fn in ("or", "and"):
        own = _OR if e.fn == "or" else _AND
        return [(a[0], own), f" {e.fn} ", (a[1], own + 1)]
    if e.fn == "not":
        return ["not ", (a[0], _NOT)]
    if e.fn in n.COMPARISONS:   # not associative: both sides are sums
        return [(a[0], _SUM), f" {e.fn} ", (a[1], _SUM)]
    parts: list = [f"{e.fn}("]
    for i, x in enumerate(a):
        parts += ([", "] if i else []) + [(x, _IF)]
    return parts + [")"]


def _number(e: n.Number) -> str:
    text = e.text if _NUMBER.match(e.text) else None
    if text is None:
        if not math.isfinite(e.value) or e.value < 0:
            raise ValueError(f"no literal for the number {e.value!r}")
        text = repr(float(e.value))
    return text if e.unit is None else f"{text} {e.unit}"


def _is_span(f: dataclasses.Field, value) -> bool:
    # `span: Span | None` fields too: an inventory built in code has no spans, one read from TOML has.
    return isinstance(value, Span) or "Span" in str(f.type)
