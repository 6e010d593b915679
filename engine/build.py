"""Parse tree -> frozen nodes. The only module that knows the shapes of lark's trees."""
from __future__ import annotations

from lark import Token, Tree
from lark.exceptions import VisitError
from lark.visitors import Transformer_NonRecursive, v_args

from . import nodes as n
from .gcpause import gc_paused
from .errors import Diagnostic, PcfError
from .parser import parse
from .source import Span

# Molar-mass ratios that are basis conversions when written as a literal `a/b`.
BASIS_RATIOS = {(44, 12), (12, 44), (44, 28), (28, 44)}


def build_method(text: str, path: str) -> n.Method:
    """Parse and build a method file; raises PcfError with positioned diagnostics."""
    with gc_paused():
        tree = parse(text, path)
        method = _transform(_Builder(path), tree)
        return _replace_text(method, text)


def build_formula(text: str, path: str, line_offset: int = 0) -> n.Expr:
    """Parse one formula (as used by knowledge-base entries with `formula = "..."`)."""
    return _transform(_Builder(path, line_offset), parse(text, path, start="expr", line_offset=line_offset))


def _transform(builder: "_Builder", tree: Tree):
    try:
        return builder.transform(tree)
    except VisitError as exc:
        # lark wraps whatever a builder method raises; a PcfError is the user's, not a crash.
        if isinstance(exc.orig_exc, PcfError):
            raise exc.orig_exc from None
        raise


def _replace_text(method: n.Method, text: str) -> n.Method:
    from dataclasses import replace
    return replace(method, text=text)


def _label(tok: Token | None) -> str | None:
    return None if tok is None else str(tok)[1:-1]


@v_args(meta=True)
class _Builder(Transformer_NonRecursive):
    def __init__(self, path: str, line_offset: int = 0):
        super().__init__()
        self.path = path
        self.offset = line_offset

    # --- positions ---
    def _span(self, meta) -> Span:
        if getattr(meta, "empty", False):
            return Span(self.path, 1 + self.offset, 1)
        return Span(self.path, meta.line + self.offset, meta.column,
                    meta.end_line + self.offset, meta.end_column)

    def _tspan(self, tok: Token) -> Span:
        return Span(self.path, tok.line + self.offset, tok.column,
                    (tok.end_line or tok.line) + self.offset, tok.end_column)

    # --- file ---
    def start(self, meta, children):
        return children[0]

    def method(self, meta, children):
        ident = children[0]
        title = extends = None
        settings, decls = [], []
        for c in children[1:]:
            if isinstance(c, Token) and c.type == "STRING":
                title = _label(c)
            elif isinstance(c, tuple) and c[0] == "extends":
                extends = c[1]
            elif isinstance(c, n.Setting):
                settings.append(c)
            else:
                decls.append(c)
        return n.Method(str(ident), title, extends, tuple(settings), tuple(decls),
                        self.path, self._span(meta))

    def override(self, meta, children):
        from dataclasses import replace
        return replace(children[0], override=True)

    def extends(self, meta, children):
        return ("extends", str(children[0]))

    def _setting(key):
        def handler(self, meta, children):
            tok = children[0]
            value = _label(tok) if tok.type == "STRING" else str(tok)
            return n.Setting(key, value, self._span(meta))
        return handler

    standard = _setting("standard")
    boundary = _setting("boundary")
    gwp = _setting("gwp")
    functional_unit = _setting("functional_unit")
    non_co2_negligible = _setting("non_co2_negligible")
    factor_year = _setting("factor_year")

    def stage(self, meta, children):
        name, rest = children[0], children[1:]
        label = excluded = None
        for c in rest:
            if isinstance(c, tuple):
                excluded = c[1]
            else:
                label = _label(c)
        return n.Stage(str(name), label, excluded, self._span(meta))

    def excluded(self, meta, children):
        return ("excluded", _label(children[0]))

    def input(self, meta, children):
        name, unit, rest = children[0], children[1], children[2:]
        label = next((_label(c) for c in rest if c.type == "STRING"), None)
        optional = any(c.type == "OPTIONAL" for c in rest)
        return n.Input(str(name), str(unit), label, optional, self._span(meta), self._tspan(unit))

    def table(self, meta, children):
        name = children[0]
        label = None
        columns = []
        for c in children[1:]:
            if isinstance(c, Token):
                label = _label(c)
            else:
                columns.append(c)
        return n.Table(str(name), label, tuple(columns), self._span(meta))

    def column(self, meta, children):
        name, unit = children[0], children[1]
        label = _label(children[2]) if len(children) > 2 else None
        return n.Column(str(name), str(unit), label, self._span(meta), self._tspan(unit))

    def let(self, meta, children):
        name, expr = children[0], children[-1]
        label = _label(children[1]) if len(children) == 3 else None
        return n.Let(str(name), label, expr, self._span(meta))

    def emission(self, meta, children):
        name, expr = children[0], children[-1]
        tags = ()
        if isinstance(children[-2], tuple):
            tags = children[-2]
            children = children[:-2] + children[-1:]
        label = _label(children[1]) if len(children) == 4 else None
        stage = children[-2]
        return n.Emission(str(name), label, str(stage), expr, self._span(meta), self._tspan(stage), tags)

    def tags(self, meta, children):
        return tuple(str(c) for c in children)

    def rule(self, meta, children):
        name, status = str(children[0]), str(children[1])
        citation = None
        args = []
        for c in children[2:]:
            if isinstance(c, Token):
                citation = _label(c)
            else:
                args.append(c)
        return n.Rule(name, status, citation, tuple(args), self._span(meta))

    def rule_arg(self, meta, children):
        return n.RuleArg(str(children[0]), tuple(children[1:]), self._span(meta))

    def rule_name(self, meta, children):
        return str(children[0])

    def rule_string(self, meta, children):
        return _label(children[0])

    def rule_number(self, meta, children):
        return self.number(meta, children)

    # --- expressions ---
    def number(self, meta, children):
        tok = children[0]
        unit = str(children[1]) if len(children) > 1 else None
        try:
            value = float(tok)
        except ValueError:  # pragma: no cover - the lexer only admits decimal literals
            raise PcfError([Diagnostic("bad-number", f"not a number: {tok}", self._tspan(tok))])
        if value != value or value in (float("inf"), float("-inf")):
            raise PcfError([Diagnostic("bad-number", f"number out of range: {tok}", self._tspan(tok))])
        return n.Number(value, str(tok), unit, self._span(meta))

    def ref(self, meta, children):
        return n.Ref(str(children[0]), self._span(meta))

    def field(self, meta, children):
        return n.Field(str(children[0]), str(children[1]), self._span(meta))

    def kb_ref(self, meta, children):
        ident = str(children[0])[len("kb."):]
        year = children[1] if len(children) > 1 else None
        return n.KbRef(ident, year, self._span(meta))

    def year(self, meta, children):
        return int(children[0])

    def row_sum(self, meta, children):
        var, table, body = children
        return n.RowSum(str(var), str(table), body, self._span(meta))

    def neg(self, meta, children):
        return n.Neg(children[0], self._span(meta))

    def add(self, meta, children):
        return n.BinOp("+", children[0], children[1], self._span(meta))

    def sub(self, meta, children):
        return n.BinOp("-", children[0], children[1], self._span(meta))

    def mul(self, meta, children):
        return n.BinOp("*", children[0], children[1], self._span(meta))

    def div(self, meta, children):
        left, right = children
        span = self._span(meta)
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


def _bare_int(e) -> int | None:
    if isinstance(e, n.Number) and e.unit is None and e.text.isdigit():
        return int(e.text)
    return None
