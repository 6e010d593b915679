"""How a figure was computed: a tree from a total down to inventory lines and kb entries.

Every node carries its value and unit, the formula that produced it (as written), and where
it comes from: the method file and line, the inventory file and line, or the knowledge-base
entry with its source and validity.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..core.dimension import CONVERSION_DIMS, CONVERSION_NAMES
from ..core.keys import EMISSION, INPUT, KB, Key
from ..core.units import format_dim
from ..evaluation.result import ProductResult, Result
from ..evaluation.evaluate import _exec
from ..knowledge.layers import describe_hidden
from ..language import nodes as n
from ..language.format import format_expr
from ..plan.code import postfix
from ..plan import Plan, ref_key


@dataclass(frozen=True)
class Node:
    name: str
    kind: str                  # total, stage, emission, let, input, table, kb, conversion, number
    value: float | None        # in `unit`
    unit: str
    label: str | None = None
    formula: str | None = None
    origin: str | None = None  # file:line, and for kb entries the source and validity
    children: tuple["Node", ...] = field(default=())

    def to_dict(self) -> dict:
        d = {"name": self.name, "kind": self.kind, "value": self.value, "unit": self.unit}
        for k in ("label", "formula", "origin"):
            if getattr(self, k) is not None:
                d[k] = getattr(self, k)
        if self.children:
            d["children"] = [c.to_dict() for c in self.children]
        return d


class _Explainer:
    def __init__(self, result: Result, product: ProductResult):
        self.p = product
        self.plan: Plan = result.plan
        self.m = self.plan.method
        self.texts: dict[str, list[str]] = {}
        # what the evaluation recorded: the product as bound, the entries its inputs named
        trace = product.trace
        self.inv = trace.product if trace is not None else None
        self.entries = trace.entries if trace is not None else {}
        self.sources = {**(trace.sources if trace is not None else {}), **self.plan.sources}
        self.kb = result.kb

    def source(self, span) -> str:
        lines = self.texts.get(span.path)
        if lines is None:
            try:
                lines = Path(span.path).read_text(encoding="utf-8-sig").split("\n")
            except OSError:
                lines = []
            self.texts[span.path] = lines
        if not lines or span.end_line is None:
            return ""
        chunk = lines[span.line - 1: span.end_line]
        if not chunk:
            return ""
        if len(chunk) == 1:
            return chunk[0][span.column - 1: span.end_column - 1]
        chunk[0] = chunk[0][span.column - 1:]
        chunk[-1] = chunk[-1][: span.end_column - 1]
        return " ".join(c.strip() for c in chunk)

    def display(self, key: Key, dim) -> tuple[float, str]:
        """A node's value in a readable unit: declared, from its kb entry, or kgCO2e."""
        v = self.p.values.get(key)
        unit = None
        kind = key.kind
        if kind == INPUT:
            unit = next(d.unit for d in self.m.inputs if d.name == key.name)
        elif kind == KB:
            unit = self.plan.kb_nodes[key].entry.unit
        elif kind == EMISSION:
            unit = "kgCO2e" if dim == self.plan.units.parse("kgCO2e").dim else "kgCO2"
        else:
            for kn in self.plan.kb_nodes.values():
                if kn.entry.spec.dim == dim:
                    unit = kn.entry.unit
                    break
            if unit is None:
                for d in self.m.inputs:
                    if not d.is_text and self.plan.units.parse(d.unit).dim == dim:
                        unit = d.unit
                        break
        if unit is None:
            return float(v), format_dim(dim)
        return self.plan.units.parse(unit).from_base(float(v)), unit

    def node(self, key: Key, depth: int | None) -> Node:
        kind, name = key.kind, key.shown
        dim = self.plan.dims.get(key)
        value, unit = self.display(key, dim) if key in self.p.values and not kind == "table" else (None, "")
        if kind == "input" and next(d for d in self.m.inputs if d.name == name).is_text:
            d = next(d for d in self.m.inputs if d.name == name)
            w = self.inv.words.get(name) if self.inv else None
            word = self.word(self.p.values.get(key))
            origin = (f"inventory {w.span}: \"{w.text}\"" if w is not None and w.span else
                      f"the method's default \"{word}\" ({d.span.path}:{d.span.line})" if w is None else f'"{w.text}"')
            return Node(name, "input", None, "", d.label, None, origin)
        if kind == "input":
            d = next(d for d in self.m.inputs if d.name == name)
            a = self.inv.inputs.get(name) if self.inv else None
            if a is None and d.default is not None:
                origin = f"the method's default, {format_expr(d.default)} ({d.span.path}:{d.span.line})"
            elif a is None:
                origin = "not given in the inventory (optional: counted as 0)" if d.optional else None
            elif a.kb:
                origin = f"inventory {a.span}: kb.{a.kb}" if a.span else f"kb.{a.kb}"
            else:
                origin = f"inventory {a.span}: {a.text} {a.unit}" if a.span else f"{a.text} {a.unit}"
                origin += self.rebased(key)
            children = ()
            if a is not None and a.kb and depth != 0:
                children = (self.kb_entry_node(self.entries[key]),)
            return Node(name, "input", value, unit, d.label, None, origin, children)
        if kind == "table":
            t = next(t for t in self.m.tables if t.name == name)
            rows = self.inv.tables.get(name, ()) if self.inv else ()
            where = f"inventory {rows[0].span}" if rows and rows[0].span else None
            return Node(name, "table", None, "", t.label, None,
                        f"{len(rows)} rows" + (f", from {where}" if where else ""))
        if kind == "kb":
            kn = self.plan.kb_nodes[key]
            e = kn.entry
            children = ()
            if kn.expr is not None and depth != 0:
                children = self.expr_children(kn.expr, depth)
            return Node(f"kb.{e.id}", "kb", value, unit, e.name_zh or e.name_en, e.formula, self.kb_origin(e, kn), children)
        decl = next(d for d in self.m.decls if getattr(d, "name", None) == name and not isinstance(d, n.Rule))
        children = () if depth == 0 else self.expr_children(decl.expr, depth)
        return Node(name, kind, value, unit, decl.label, self.source(decl.expr.span),
                    f"{decl.span.path}:{decl.span.line}", children)

    def rebased(self, key) -> str:
        """How an amount on the other basis than its product's was brought to it (see `basis_scale`)."""
        trace = self.p.trace
        k = trace.bound.scales.get(key) if trace is not None else None
        if k is None:
            return ""
        q = self.inv.quantity
        return (f", per unit × quantity {q:g} (the product's amounts are for the period)" if k == q
                else f", for the period ÷ quantity {q:g} (the product's amounts are per unit)")

    def branch(self, e: n.Call) -> Node | None:
        """Which branch of `if` this product took: its condition evaluated on the product's
        values (a condition on a table's rows varies by row, and is not shown)."""
        cond = e.args[0]
        if any(isinstance(x, (n.Field, n.RowSum)) for x in n.walk(cond)):
            return None
        names = {x.name: self.plan.key_of(x.name) for x in n.walk(cond) if isinstance(x, n.Ref)}
        try:
            value = _exec(postfix(cond, names, self.plan.units, self.plan.texts, self.plan.method_maps),
                          self.p.values, None)
        except (KeyError, TypeError, ZeroDivisionError):
            return None
        taken = "then" if float(value) != 0 else "else"
        return Node(f"if {self.source(cond.span) or format_expr(cond)}", "condition", float(value), "",
                    f"{'true' if taken == 'then' else 'false'}: the {taken} branch is taken", None,
                    f"{cond.span.path}:{cond.span.line}")

    def word(self, code) -> str | None:
        """The text a number of the array program stands for (Plan.text_code)."""
        if code is None:
            return None
        for text, c in self.plan.texts.items():
            if c == int(code):
                return text
        w = next((w.text for w in (self.inv.words.values() if self.inv else ())
                  if w.text not in self.plan.texts), None)
        return w

    def lookup(self, e: n.Lookup) -> Node | None:
        """Which value of the map this product took: its key evaluated on the product's values
        (a key read from a table's rows varies by row, and is not shown)."""
        if any(isinstance(x, (n.Field, n.RowSum)) for x in n.walk(e.key)):
            return None
        m = self.plan.method_maps.get(e.map)
        names = {x.name: self.plan.key_of(x.name) for x in n.walk(e.key) if isinstance(x, n.Ref)}
        try:
            code = _exec(postfix(e.key, names, self.plan.units, self.plan.texts, self.plan.method_maps),
                         self.p.values, None)
        except (KeyError, TypeError, ZeroDivisionError):
            return None
        word = self.word(code)
        entry = m.entry(word) if m is not None and word is not None else None
        if entry is None:
            return None
        value = _exec(postfix(entry.expr, {}, self.plan.units, self.plan.texts), {**self.plan.constants,
                                                                                 **self.p.values}, None)
        dim = self.plan.dims.get(Key("map", e.map))
        shown, unit = float(value), format_dim(dim) if dim is not None else ""
        if type(entry.expr) is n.Number and entry.expr.unit:
            unit = entry.expr.unit
            shown = self.plan.units.parse(unit).from_base(float(value))
        return Node(f"{e.map}[\"{word}\"]", "map", shown, unit, m.label, format_expr(entry.expr),
                    f"{entry.span.path}:{entry.span.line}")

    def kb_origin(self, e, kn=None) -> str:
        src = self.plan_kb_source(e)
        parts = [f"valid {e.period}"]
        if kn is not None and kn.fallback_from is not None:
            parts.append(f"fallback: no value for {kn.fallback_from}")
        if src:
            parts.append(src)
        parts.append(f"{e.span.path}:{e.span.line}")
        # a project, case or --kb layer's entry over the library's: say so, and what it hides
        told = describe_hidden(self.kb, e.id, self.plan.data_year) if self.kb is not None else None
        if told:
            parts.append(told)
        return "; ".join(parts)

    def plan_kb_source(self, e) -> str | None:
        src = self.sources.get(e.source)
        if src is None:
            return f"source {e.source}"
        return f"source: {src.title} ({src.issuer}, {src.date or src.year})"

    def kb_entry_node(self, e) -> Node:
        """The entry an input given as `kb.<id>` resolved to when it was bound."""
        return Node(f"kb.{e.id}", "kb", e.value, e.unit, e.name_zh or e.name_en, None, self.kb_origin(e))

    def expr_children(self, expr, depth: int | None) -> tuple[Node, ...]:
        out: list[Node] = []
        seen: set[str] = set()
        nxt = None if depth is None else depth - 1
        for e in n.walk(expr):
            key = None
            if isinstance(e, n.Ref):
                key = self.plan.key_of(e.name)
            elif isinstance(e, n.KbRef):
                key = ref_key(e)
            elif isinstance(e, n.RowSum):
                key = Key.table(e.table)
            elif isinstance(e, n.Call) and e.fn == "if":
                taken = self.branch(e)
                if taken is not None:
                    out.append(taken)
                continue
            elif isinstance(e, n.Lookup):
                looked = self.lookup(e)
                if looked is not None and looked.name not in seen:
                    seen.add(looked.name)
                    out.append(looked)
                continue
            elif isinstance(e, n.BasisConversion):
                label = CONVERSION_NAMES[(e.numerator, e.denominator)]
                if label not in seen:
                    seen.add(label)
                    out.append(Node(f"{e.numerator}/{e.denominator}", "conversion", e.numerator / e.denominator,
                                    format_dim(CONVERSION_DIMS[(e.numerator, e.denominator)]),
                                    f"declared basis conversion {label}", None, f"{e.span.path}:{e.span.line}"))
                continue
            if key is not None and key not in seen:
                seen.add(key)
                out.append(self.node(key, nxt))
        return tuple(out)


def explain(result: Result, name: str | None = None, depth: int | None = None) -> list[Node]:
    """Trees for each product's total, or for `name` (a stage, emission, let, input or kb id)."""
    out = []
    for p in result.products:
        ex = _Explainer(result, p)
        fu = p.functional_unit or "functional unit"
        per = f" (period values ÷ {p.divisor:g})" if p.divisor != 1 else ""
        if name is None or name == "total":
            stages = []
            if depth != 0:
                for sid, v in p.stages.items():
                    lines = tuple(ex.node(Key.emission(e.name), None if depth is None else depth - 2)
                                  for e in result.plan.method.emissions if e.stage == sid) if depth != 1 else ()
                    stages.append(Node(sid, "stage", v, f"kgCO2e/{fu}", result.stage_labels.get(sid), None, None, lines))
            out.append(Node(f"{p.id}.total", "total", p.total, f"kgCO2e/{fu}", p.name, "sum of stages" + per,
                            None, tuple(stages)))
            continue
        kb_key = Key.kb(name.removeprefix("kb."))
        key = result.plan.key_of(name) or (kb_key if kb_key in result.plan.kb_nodes else None)
        if name in p.stages:
            lines = tuple(ex.node(Key.emission(e.name), depth if depth is None else depth - 1)
                          for e in result.plan.method.emissions if e.stage == name)
            out.append(Node(name, "stage", p.stages[name], f"kgCO2e/{fu}", result.stage_labels.get(name),
                            "sum of its emissions" + per, None, lines))
        elif key is not None:
            out.append(ex.node(key, depth))
        else:
            from ..core.errors import did_you_mean, fail
            names = list(p.stages) + [k.shown for k in result.plan.dims] + ["total"]
            raise fail("unknown-name", f"nothing named `{name}` in this case", None,
                       path=str(result.case.dir) if result.case else None,
                       hint=did_you_mean(name, names))
    return out


def render_tree(nodes: list[Node]) -> str:
    from ..render.escape import terminal_text
    from ..render.text import fmt_value
    out: list[str] = []
    stack = [(node, "", "") for node in reversed(nodes)]
    while stack:
        node, prefix, child_prefix = stack.pop()
        # Names, labels and units are user text: each stays on its line, escape sequences shown escaped.
        value = "" if node.value is None else f" = {fmt_value(node.value)} {terminal_text(node.unit)}"
        label = f" {terminal_text(node.label)}" if node.label else ""
        out.append(f"{prefix}{terminal_text(node.name)}{label}{value}  [{node.kind}]")
        if node.formula and node.kind not in ("total",):
            formula = terminal_text(node.formula)
            out.append(f"{child_prefix}│  = {formula}" if node.children else f"{child_prefix}   = {formula}")
        if node.origin:
            out.append(f"{child_prefix}{'│  ' if node.children else '   '}({terminal_text(node.origin)})")
        kids = list(node.children)
        for i, c in reversed(list(enumerate(kids))):
            last = i == len(kids) - 1
            stack.append((c, child_prefix + ("└─ " if last else "├─ "), child_prefix + ("   " if last else "│  ")))
    return "\n".join(out)
