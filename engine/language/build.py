"""Method text -> frozen nodes. The only module that knows the shapes of the grammar's rules.

Each rule of `grammar/pcf.lark` has a handler here taking the rule's children as lark's
parse tree would hold them, and the rule's start and end offsets in the text. The
table-driven parse (`lalr.py`) calls them as it reduces; lark's tree is walked through
the same handlers when lark's parse is needed (an error to explain).
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import replace

from ..core.dimension import CONVERSIONS
from ..core.errors import fail
from ..core.gcpause import gc_paused
from ..core.source import Span, strip_bom
from . import lalr
from . import nodes as n
from .tablecache import lalr_tables

# Molar-mass ratios that are basis conversions when written as a literal `a/b`.
BASIS_RATIOS = frozenset(CONVERSIONS)


def build_method(text: str, path: str) -> n.Method:
    """Parse and build a method file; raises PcfError with positioned diagnostics."""
    with gc_paused():
        text = strip_bom(text)
        method = _build(text, path, "start", 0)
        return replace(method, text=text)


def build_formula(text: str, path: str, line_offset: int = 0) -> n.Expr:
    """Parse one formula (as used by knowledge-base entries with `formula = "..."`)."""
    return _build(strip_bom(text), path, "expr", line_offset)


def _build(text: str, path: str, start: str, line_offset: int):
    builder = _Builder(text, path, line_offset)
    try:
        return lalr.run(lalr_tables(), text, start, builder.handlers())
    except lalr.Refused:
        # lark's own parse of the same text explains the error (and, should the two ever
        # disagree, its tree still gives the right nodes); lark is imported here only
        from .fromtree import build_from_tree
        from .parser import parse
        return build_from_tree(builder, parse(text, path, start=start, line_offset=line_offset))


def _label(tok: lalr.Word | None) -> str | None:
    """A STRING's text: `\\"` is a quote, `\\\\` a backslash; any other backslash stays as written."""
    if tok is None:
        return None
    text = tok.text[1:-1]
    return _ESCAPE.sub(r"\1", text) if "\\" in text else text


_ESCAPE = re.compile(r'\\(["\\])')


class _Builder:
    """One handler per grammar rule: (start offset, end offset, children) -> node."""

    def __init__(self, text: str, path: str, line_offset: int = 0):
        self.text = text
        self.path = path
        self.offset = line_offset
        self._line_starts: list[int] | None = None
        self._numbers: list[int] = []      # line numbers as shown (offset added), by line

    def handlers(self) -> dict:
        return {name: getattr(self, name) for name in _RULES}

    # --- positions ---
    def _span(self, start: int | None, end: int | None) -> Span:
        if start is None:
            return Span(self.path, 1 + self.offset, 1)
        lines = self._line_starts
        if lines is None:   # built on the first span asked for, once per text
            lines = self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
            # one int object per line number, shared by every span on that line: numbers past
            # 256 are objects of their own (28 bytes each), and a large method has millions of spans
            self._numbers = list(range(self.offset, self.offset + len(lines) + 1))
        line, end_line = bisect_right(lines, start), bisect_right(lines, end)
        numbers = self._numbers
        return Span(self.path, numbers[line], start - lines[line - 1] + 1,
                    numbers[end_line], end - lines[end_line - 1] + 1)

    def _tspan(self, tok: lalr.Word) -> Span:
        return self._span(tok.start, tok.end)

    # --- file ---
    def start(self, start, end, children):
        return children[0]

    def method(self, start, end, children):
        ident = children[0]
        title = extends = None
        also: tuple[str, ...] = ()
        settings, decls = [], []
        for c in children[1:]:
            if isinstance(c, lalr.Word) and c.type == "STRING":
                title = _label(c)
            elif isinstance(c, tuple) and c[0] == "extends":
                extends, also = c[1][0], c[1][1:]
            elif isinstance(c, n.Setting):
                settings.append(c)
            else:
                decls.append(c)
        return n.Method(ident.text, title, extends, tuple(settings), tuple(decls),
                        self.path, self._span(start, end), also_extends=also)

    def override(self, start, end, children):
        return replace(children[0], override=True)

    def extends(self, start, end, children):
        return ("extends", tuple(c.text for c in children))

    def _setting(key):
        def handler(self, start, end, children):
            tok = children[0]
            value = _label(tok) if tok.type == "STRING" else tok.text
            return n.Setting(key, value, self._span(start, end))
        return handler

    standard = _setting("standard")
    def boundary(self, start, end, children):
        args = children[1] if len(children) > 1 else ()
        return n.Setting("boundary", children[0].text, self._span(start, end), args=args)

    def boundary_stages(self, start, end, children):
        return tuple(c.text for c in children)
    gwp = _setting("gwp")
    functional_unit = _setting("functional_unit")
    non_co2_negligible = _setting("non_co2_negligible")
    factor_year = _setting("factor_year")

    def stage(self, start, end, children):
        name, rest = children[0], children[1:]
        label = excluded = None
        for c in rest:
            if isinstance(c, tuple):
                excluded = c[1]
            else:
                label = _label(c)
        return n.Stage(name.text, label, excluded, self._span(start, end))

    def excluded(self, start, end, children):
        return ("excluded", _label(children[0]))

    def input(self, start, end, children):
        name, unit, rest, default = _split_default(children)
        label = next((_label(c) for c in rest if c.type == "STRING"), None)
        optional = any(c.type == "OPTIONAL" for c in rest)
        basis = next((c.text for c in rest if c.type in _BASES), None)
        return n.Input(name.text, unit.text, label, optional, self._span(start, end), self._tspan(unit),
                       basis=basis, default=default)

    def default(self, start, end, children):
        return ("default", children[0])

    def table(self, start, end, children):
        name = children[0]
        label = None
        columns = []
        for c in children[1:]:
            if isinstance(c, lalr.Word):
                label = _label(c)
            else:
                columns.append(c)
        return n.Table(name.text, label, tuple(columns), self._span(start, end))

    def column(self, start, end, children):
        name, unit, rest, default = _split_default(children)
        label = next((_label(c) for c in rest if c.type == "STRING"), None)
        basis = next((c.text for c in rest if c.type in _BASES), None)
        return n.Column(name.text, unit.text, label, self._span(start, end), self._tspan(unit), basis, default)

    def map(self, start, end, children):
        name, rest = children[0], children[1:]
        label = _label(rest[0]) if rest and isinstance(rest[0], lalr.Word) else None
        entries = tuple(c for c in rest if isinstance(c, n.MapEntry))
        return n.Map(name.text, label, entries, self._span(start, end))

    def map_entry(self, start, end, children):
        key, expr = children
        return n.MapEntry(_label(key) if key.type == "STRING" else key.text, expr, self._span(start, end))

    def check(self, start, end, children):
        name, message = children[0], children[-1]
        citation = _label(children[1]) if children[1].__class__ is lalr.Word and children[1].type == "STRING" \
            else None
        severity = next(c.text for c in children if isinstance(c, lalr.Word) and c.type == "SEVERITY")
        expr = children[-2]
        return n.Check(name.text, citation, severity, expr, _label(message), self._span(start, end))

    def scenario(self, start, end, children):
        name, rest = children[0], children[1:]
        label = _label(rest[0]) if rest and isinstance(rest[0], lalr.Word) else None
        sets = tuple(c for c in rest if isinstance(c, n.Assignment))
        return n.Scenario(name.text, label, sets, self._span(start, end))

    def assignment(self, start, end, children):
        return n.Assignment(children[0].text, children[1], self._span(start, end))

    def let(self, start, end, children):
        name, expr = children[0], children[-1]
        label = _label(children[1]) if len(children) == 3 else None
        return n.Let(name.text, label, expr, self._span(start, end))

    def emission(self, start, end, children):
        name, expr = children[0], children[-1]
        tags = ()
        if isinstance(children[-2], tuple):
            tags = children[-2]
            children = children[:-2] + children[-1:]
        label = _label(children[1]) if len(children) == 4 else None
        stage = children[-2]
        return n.Emission(name.text, label, stage.text, expr, self._span(start, end), self._tspan(stage), tags)

    def tags(self, start, end, children):
        return tuple(c.text for c in children)

    def rule(self, start, end, children):
        name, status = children[0].text, children[1].text
        citation = None
        args = []
        for c in children[2:]:
            if isinstance(c, lalr.Word):
                citation = _label(c)
            else:
                args.append(c)
        return n.Rule(name, status, citation, tuple(args), self._span(start, end))

    def rule_arg(self, start, end, children):
        return n.RuleArg(children[0].text, tuple(children[1:]), self._span(start, end))

    def rule_name(self, start, end, children):
        return children[0].text

    def rule_string(self, start, end, children):
        return _label(children[0])

    def rule_number(self, start, end, children):
        return self.number(start, end, children)

    # --- expressions ---
    def number(self, start, end, children):
        tok = children[0]
        unit = children[1].text if len(children) > 1 else None
        try:
            value = float(tok.text)
        except ValueError:  # pragma: no cover - the lexer only admits decimal literals
            raise fail("bad-number", f"not a number: {tok}", self._tspan(tok))
        if value != value or value in (float("inf"), float("-inf")):
            raise fail("bad-number", f"number out of range: {tok}", self._tspan(tok))
        return n.Number(value, tok.text, unit, self._span(start, end))

    def ref(self, start, end, children):
        return n.Ref(children[0].text, self._span(start, end))

    def field(self, start, end, children):
        return n.Field(children[0].text, children[1].text, self._span(start, end))

    def lookup(self, start, end, children):
        return n.Lookup(children[0].text, children[1], self._span(start, end))

    def text_lit(self, start, end, children):
        return n.Text(_label(children[0]), self._span(start, end))

    def kb_ref(self, start, end, children):
        ident = children[0].text[len("kb."):]
        year = children[1] if len(children) > 1 else None
        return n.KbRef(ident, year, self._span(start, end))

    def year(self, start, end, children):
        text = children[0].text
        if len(text) > 4:   # int() of 4 300 digits or more raises; no year has five
            raise fail("kb-year", f"a pinned year has four digits, found {len(text)}", self._span(start, end),
                       hint="pin a year such as `[2024]`")
        return int(text)

    def row_sum(self, start, end, children):
        var, table, body = children
        return n.RowSum(var.text, table.text, body, self._span(start, end))

    def neg(self, start, end, children):
        return n.Neg(children[0], self._span(start, end))

    def add(self, start, end, children):
        return n.BinOp("+", children[0], children[1], self._span(start, end))

    def sub(self, start, end, children):
        return n.BinOp("-", children[0], children[1], self._span(start, end))

    def mul(self, start, end, children):
        return n.BinOp("*", children[0], children[1], self._span(start, end))

    def div(self, start, end, children):
        left, right = children
        span = self._span(start, end)
        # `x * 44/12` parses as (x * 44) / 12: recognise the ratio as one basis conversion.
        if _bare_int(right) is not None:
            if _bare_int(left) is not None and (_bare_int(left), _bare_int(right)) in BASIS_RATIOS:
                return n.BasisConversion(_bare_int(left), _bare_int(right), span)
            if isinstance(left, n.BinOp) and left.op == "*" and _bare_int(left.right) is not None \
                    and (_bare_int(left.right), _bare_int(right)) in BASIS_RATIOS:
                ratio_span = Span(self.path, left.right.span.line, left.right.span.column,
                                  right.span.end_line, right.span.end_column)
                conv = n.BasisConversion(_bare_int(left.right), _bare_int(right), ratio_span)
                return n.BinOp("*", left.left, conv, span)
        return n.BinOp("/", left, right, span)


def _call(fn: str):
    def handler(self, start, end, children):
        return n.Call(fn, tuple(children), self._span(start, end))
    return handler


for _fn, _rule in (("if", "cond"), ("or", "or_"), ("and", "and_"), ("not", "not_"), ("min", "min_"),
                   ("max", "max_"), ("abs", "abs_"), ("round", "round_")):
    setattr(_Builder, _rule, _call(_fn))


def _compare(self, start, end, children):
    left, op, right = children
    return n.Call(op.text, (left, right), self._span(start, end))


_Builder.compare = _compare

# Every rule and alias of the grammar: the handlers the parse may call.
_RULES = ("start", "method", "override", "extends", "standard", "boundary", "gwp", "functional_unit",
          "non_co2_negligible", "factor_year", "boundary_stages", "stage", "excluded", "input", "table", "column", "let",
          "emission", "tags", "rule", "rule_arg", "rule_name", "rule_string", "rule_number", "number",
          "ref", "field", "kb_ref", "year", "row_sum", "neg", "add", "sub", "mul", "div",
          "cond", "or_", "and_", "not_", "compare", "min_", "max_", "abs_", "round_",
          "default", "map", "map_entry", "check", "scenario", "assignment", "lookup", "text_lit")


_BASES = ("PER_UNIT", "PERIOD")   # an amount's basis, after an input's or a column's unit


def _split_default(children):
    """An input's or column's name, unit, the words after it, and its default (None)."""
    default = None
    if isinstance(children[-1], tuple) and children[-1][0] == "default":
        default = children[-1][1]
        children = children[:-1]
    return children[0], children[1], children[2:], default


def _bare_int(e) -> int | None:
    if isinstance(e, n.Number) and e.unit is None and e.text.isdigit():
        return int(e.text)
    return None
