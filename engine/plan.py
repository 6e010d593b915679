"""Method + knowledge base -> a checked, compiled `Plan`.

This is where a method meets the world: names are resolved, knowledge-base ids are looked
up for the case's data year (derived entries bring their own formulas), the dependency
graph is built with networkx, and every formula's unit is checked. Problems of one kind
are collected and reported together. What comes out is a plan that evaluates on plain
floats: every constant is already in base units, formulas are postfix code in a stable
topological order.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from typing import Mapping

import networkx as nx
from pint.util import UnitsContainer

from . import nodes as n
from .build import build_formula
from .gcpause import gc_paused
from .keys import EMISSION, INPUT, KB, LET, TABLE, Key
from .errors import Diagnostic, PcfError, did_you_mean
from .kb import Entry, KnowledgeBase
from .rules import check_rules
from .source import Span
from .units import CO2, CO2E, DIMENSIONLESS, Dim, UnitError, Units, format_dim

BOUNDARIES = {"cradle_to_gate", "cradle_to_grave", "gate_to_gate"}
GWP_SETS = {"SAR": "sar", "AR4": "ar4", "AR5": "ar5", "AR5_ccfb": "ar5_ccfb", "AR6": "ar6"}
FACTOR_YEAR = {"exact", "latest_earlier"}

# basis conversions: (numerator, denominator) -> (from unit, to unit)
CONVERSIONS = {
    (44, 12): ("kgC", "kgCO2"), (12, 44): ("kgCO2", "kgC"),
    (44, 28): ("kgN2O_N", "kgN2O"), (28, 44): ("kgN2O", "kgN2O_N"),
}
CONVERSION_NAMES = {(44, 12): "C -> CO2", (12, 44): "CO2 -> C", (44, 28): "N2O-N -> N2O",
                    (28, 44): "N2O -> N2O-N"}

# Graph key prefix of each declaration that names a value.
_KINDS = {n.Input: INPUT, n.Table: TABLE, n.Let: LET, n.Emission: EMISSION}
# Expression leaves. A basis conversion is checked against the product chain around it (see
# _Compiler.dim_of); the dimension of the others needs nothing beyond the row scope.
_PLAIN_LEAVES = frozenset({n.Ref, n.Number, n.KbRef, n.Field})
_LEAVES = _PLAIN_LEAVES | {n.BasisConversion}
# What a conversion contributes: built once, shared (dimensions are never mutated).
_CONVERSION_DIMS = {k: UnitsContainer({dst: 1, src: -1}) for k, (src, dst) in CONVERSIONS.items()}


@dataclass(frozen=True)
class KbNode:
    key: Key                   # graph key: kb:<id> or kb:<id>@<year>
    entry: Entry
    expr: n.Expr | None        # parsed formula of a derived entry
    pinned: bool
    fallback_from: int | None  # the year asked when an earlier entry stood in
    span: Span                 # first use in the method


@dataclass(frozen=True)
class Plan:
    method: n.Method
    data_year: int | None
    graph: nx.DiGraph = field(repr=False, compare=False)
    order: tuple[Key, ...]                   # computed nodes (lets, emissions, derived kb), sorted topologically
    code: Mapping[Key, tuple]                # postfix code per computed node
    dims: Mapping[Key, Dim]
    kb_nodes: Mapping[Key, KbNode]
    constants: Mapping[Key, float]           # kb values in base units
    stage_ids: tuple[str, ...]               # stages inside the boundary, in method order
    co2_as_co2e: tuple[str, ...]             # emissions whose CO2-only result counts as CO2e
    units: Units = field(repr=False, compare=False)

    def key_of(self, name: str) -> Key | None:
        for kind in (INPUT, LET, EMISSION, TABLE):
            key = Key(kind, name)
            if key in self.dims or key in self.graph:
                return key
        return None


def compile_method(method: n.Method, kb: KnowledgeBase, units: Units,
                   data_year: int | None, latest_when_no_year: bool = False) -> Plan:
    """Check and compile `method` for a case of `data_year`.

    `latest_when_no_year` is for checking a method on its own (no case, so no year):
    annual series then resolve to their latest period.
    """
    with gc_paused():
        return _Compiler(method, kb, units, data_year, latest_when_no_year).run()


class _Compiler:
    def __init__(self, method: n.Method, kb: KnowledgeBase, units: Units, data_year: int | None,
                 latest_when_no_year: bool = False):
        self.m, self.kb, self.units, self.year = method, kb, units, data_year
        self.latest = latest_when_no_year
        self.deliberate = 0   # > 0 while linking the formula of a pinned derived entry
        self.problems: list[Diagnostic] = []
        self.names: dict[str, str] = {}        # name -> graph key
        self.decl_span: dict[str, Span] = {}   # graph key -> span
        self.kb_nodes: dict[str, KbNode] = {}
        self.kinds: dict[str, str] = {}         # graph key -> kind, in the order nodes arise
        self.deps: list[tuple[str, str]] = []   # graph edges (dependency, user), in the order they arise
        self.g = nx.DiGraph()                   # built from kinds and deps by link()
        self.dims: dict[str, Dim] = {}
        self.columns: dict[str, dict[str, tuple[n.Column, Dim, float]]] = {}
        self.formulas: dict[str, n.Expr] = {}   # let/emission graph key -> formula
        self.products: dict[tuple, tuple] = {}  # (op, id(a), id(b)) -> (dim, a, b): see _dim_binop

    def err(self, code, message, span, hint=None, related=()):
        self.problems.append(Diagnostic(code, message, span, hint=hint, related=tuple(related)))

    def check(self):
        if self.problems:
            raise PcfError(sorted(self.problems, key=lambda d: (d.span or Span("", 0, 0))))

    # ------------------------------------------------------------------------------
    def run(self) -> Plan:
        self.settings()
        try:
            check_rules(self.m, self.units)
        except PcfError as exc:
            self.problems.extend(exc.diagnostics)
        self.declare()
        self.link()        # declarations and references are both name resolution: report together
        self.check()
        topo = _lexicographic_order(self.g)
        if topo is None:   # only a graph with a cycle has no order: find and name the cycles
            self.cycles()
            self.check()
        order = self.order(topo)
        exprs = {k: self.expr_of(k) for k in order}
        self.typecheck(exprs)
        self.check()
        co2 = self.emission_units()
        self.check()
        code = {k: _postfix(e, self) for k, e in exprs.items()}
        constants = {k: kn.entry.base_value for k, kn in self.kb_nodes.items()
                     if kn.expr is None and k == kn.key}
        stages = tuple(s.id for s in self.m.stages if s.excluded is None)
        return Plan(self.m, self.year, nx.freeze(self.g), tuple(order), code, dict(self.dims),
                    dict(self.kb_nodes), constants, stages, co2, self.units)

    # --- settings ---------------------------------------------------------------------
    def settings(self):
        seen: dict[str, n.Setting] = {}
        for s in self.m.settings:
            if s.key in seen:
                self.err("duplicate", f"`{s.key}` is set twice", s.span,
                         related=[("first set", seen[s.key].span)])
            seen[s.key] = s
        allowed = {"boundary": BOUNDARIES, "gwp": set(GWP_SETS), "factor_year": FACTOR_YEAR}
        for key, values in allowed.items():
            s = seen.get(key)
            if s is not None and s.value not in values:
                self.err("bad-setting", f"unknown {key} `{s.value}`", s.span,
                         hint=did_you_mean(s.value, values) or f"one of {', '.join(sorted(values))}")
        for key in ("standard", "boundary", "gwp"):
            if key not in seen:
                self.err("missing-setting", f"method `{self.m.id}` does not set `{key}`", self.m.span,
                         hint={"standard": 'e.g. `standard "GB/T 24067-2024"`',
                               "boundary": "one of cradle_to_gate, cradle_to_grave, gate_to_gate",
                               "gwp": "e.g. `gwp AR5`"}[key])

    # --- declarations -----------------------------------------------------------------
    def declare(self):
        stages: dict[str, n.Stage] = {}
        for s in self.m.stages:
            if s.id in stages:
                self.err("duplicate", f"stage `{s.id}` is declared twice", s.span,
                         related=[("first declared", stages[s.id].span)])
            stages[s.id] = s
        self.stages = stages
        names, decl_span, kinds = self.names, self.decl_span, self.kinds
        for d in self.m.decls:
            t = type(d)
            kind = _KINDS.get(t)
            if kind is None:   # stages (above) and rules (checked by check_rules)
                continue
            key = Key(kind, d.name)
            if d.name in names:
                self.err("duplicate", f"`{d.name}` is declared twice", d.span,
                         related=[("first declared", decl_span[names[d.name]])],
                         hint="one name, one definition: rename one of them")
                continue
            names[d.name] = key
            decl_span[key] = d.span
            kinds[key] = kind
            if t is n.Let:
                self.formulas[key] = d.expr
                continue
            if t is n.Input:
                spec = self._unit(d.unit, d.unit_span)
                if spec is not None:
                    self.dims[key] = spec.dim
            elif t is n.Table:
                cols = {}
                for col in d.columns:
                    if col.name in cols:
                        self.err("duplicate", f"column `{col.name}` is declared twice", col.span)
                    spec = self._unit(col.unit, col.unit_span)
                    if spec is not None:
                        cols[col.name] = (col, spec.dim, spec.scale)
                self.columns[d.name] = cols
            elif t is n.Emission:
                self.formulas[key] = d.expr
                st = stages.get(d.stage)
                if st is None:
                    self.err("unknown-stage", f"unknown stage `{d.stage}`", d.stage_span,
                             hint=did_you_mean(d.stage, stages) or "declare it: `stage <id> \"label\"`")
                elif st.excluded is not None:
                    self.err("unknown-stage", f"stage `{d.stage}` is excluded from the boundary "
                             f"({st.excluded}); no emission may be assigned to it", d.stage_span,
                             related=[("excluded", st.span)])

    def _unit(self, text: str, span: Span):
        try:
            return self.units.parse(text)
        except UnitError as exc:
            self.err("unit-unknown", str(exc), span, hint=exc.hint)
            return None

    # --- references -------------------------------------------------------------------
    def link(self):
        for d in self.m.decls:
            kind = _KINDS.get(type(d))
            if kind == "let" or kind == "emission":
                self._link_expr(Key(kind, d.name), d.expr)
        self.g = _graph(self.kinds, self.deps)
        for key, users in self.g.adjacency():
            if not users and key.is_a(INPUT, TABLE):
                self.err("unused-input", f"{key.kind} `{key.name}` is declared but no formula uses it",
                         self.decl_span[key], hint="remove it, or use it in an emission")

    def _link_expr(self, owner: str, expr: n.Expr, scope: dict[str, str] | None = None):
        # `scope` maps row variables to their tables inside row sums.
        sc = scope or {}
        if _leaf_pair(expr, _LEAVES):
            # amount x factor, the common shape, without the walk: right first, as in the walk
            self._link_leaf(owner, expr.right, sc)
            self._link_leaf(owner, expr.left, sc)
            return
        stack = [(expr, sc)]
        while stack:
            e, sc = stack.pop()
            t = type(e)
            if t is n.BinOp:
                stack.append((e.left, sc))
                stack.append((e.right, sc))
            elif t in _LEAVES:
                self._link_leaf(owner, e, sc)
            elif t is n.RowSum:
                tkey = self.names.get(e.table)
                if tkey is None or not tkey.is_a(TABLE):
                    self.err("unknown-table", f"unknown table `{e.table}`", e.span,
                             hint=did_you_mean(e.table, [k for k, v in self.names.items() if v.is_a(TABLE)]))
                    continue
                self.deps.append((tkey, owner))
                stack.append((e.body, {**sc, e.var: e.table}))
            elif t is n.Neg:
                stack.append((e.operand, sc))

    def _link_leaf(self, owner: str, e, sc: dict[str, str]):
        t = type(e)
        if t is n.Ref:
            if e.name in sc:
                self.err("unknown-name", f"`{e.name}` is a row of `{sc[e.name]}`: use one of its "
                         f"columns, e.g. `{e.name}.{next(iter(self.columns.get(sc[e.name], {'x': 0})))}`",
                         e.span)
                return
            key = self.names.get(e.name)
            if key is None or key.is_a(TABLE):
                hint = did_you_mean(e.name, [k for k, v in self.names.items() if not v.is_a(TABLE)])
                if key is not None:
                    hint = f"`{e.name}` is a table: sum over it, `sum(row in {e.name}: row.<column>)`"
                self.err("unknown-name", f"unknown name `{e.name}`", e.span, hint=hint)
            else:
                self.deps.append((key, owner))
        elif t is n.KbRef:
            key = self._kb(e)
            if key is not None:
                self.deps.append((key, owner))
        elif t is n.Field:
            table = sc.get(e.var)
            if table is None:
                self.err("unknown-name", f"`{e.var}` is not a row variable here", e.span,
                         hint="fields are read inside `sum(row in table: row.column)`")
            elif e.column not in self.columns.get(table, {}):
                self.err("unknown-column", f"table `{table}` has no column `{e.column}`", e.span,
                         hint=did_you_mean(e.column, self.columns.get(table, {})))

    def _kb(self, ref: n.KbRef) -> str | None:
        key = ref_key(ref)
        if key in self.kb_nodes:
            return key
        gwp = self.m.setting("gwp")
        if ref.id.count(".") == 1 and ref.id.startswith("gwp."):
            # `kb.gwp.ch4` follows the method's GWP set: a variant switches AR5 -> AR6 in one line.
            if gwp not in GWP_SETS:
                self.err("missing-setting", f"`kb.{ref.id}` needs the method's `gwp` set", ref.span)
                return None
            ref = n.KbRef(f"gwp.{GWP_SETS[gwp]}.{ref.id[4:]}", ref.year, ref.span)
            alias = key
            key = self._kb(ref)
            if key is not None:
                self.kb_nodes[alias] = self.kb_nodes[key]
                self.dims[alias] = self.dims[key]
                self.kinds[alias] = "alias"
                self.deps.append((key, alias))
                self.decl_span[alias] = ref.span
            return alias if key is not None else None
        if ref.id.startswith("gwp.") and gwp in GWP_SETS:
            ref_set = ref.id.split(".")[1]
            if ref_set != GWP_SETS[gwp] and ref_set in GWP_SETS.values():
                self.err("bad-setting", f"the method uses {gwp} but `kb.{ref.id}` is from another GWP set",
                         ref.span, hint=f"write `kb.gwp.{GWP_SETS[gwp]}.{'.'.join(ref.id.split('.')[2:])}`")
                return None
        year = ref.year if ref.year is not None else self.year
        if year is None and self.latest and ref.id in self.kb.by_id:
            last = self.kb.by_id[ref.id][-1]
            year = last.valid_to if last.valid_to is not None else last.valid_from
        try:
            found = self.kb.lookup(ref.id, year, ref.span,
                                   pinned=ref.year is not None or self.deliberate > 0,
                                   fallback=self.m.setting("factor_year") == "latest_earlier")
        except PcfError as exc:
            self.problems.extend(exc.diagnostics)
            return None
        entry = found.entry
        if entry.basis == "CO2e" and entry.gwp and gwp in GWP_SETS and entry.gwp != gwp:
            # kgCO2e under one GWP set is not kgCO2e under another.
            self.err("gwp-mismatch", f"`kb.{ref.id}` is CO2e under {entry.gwp}, the method uses {gwp}",
                     ref.span, hint="use a factor characterised with the method's GWP set, or a variant "
                                    f"of the method with `gwp {entry.gwp}`")
            return None
        expr = None
        if entry.formula is not None:
            try:
                expr = build_formula(entry.formula, entry.span.path, (entry.formula_line or entry.span.line) - 1)
            except PcfError as exc:
                self.problems.extend(exc.diagnostics)
                return None
        self.kb_nodes[key] = KbNode(key, entry, expr, ref.year is not None, found.fallback_from, ref.span)
        self.kinds[key] = KB
        self.decl_span[key] = entry.span
        self.dims[key] = entry.spec.dim
        if expr is not None:
            # A pinned derived entry is a deliberate choice: so are the parameters it is made of.
            self.deliberate += ref.year is not None or self.deliberate > 0
            try:
                self._link_expr(key, expr)
            finally:
                self.deliberate -= ref.year is not None or self.deliberate > 0
        return key

    # --- graph ------------------------------------------------------------------------
    def cycles(self):
        for comp in nx.strongly_connected_components(self.g):
            if len(comp) == 1:
                (k,) = comp
                if not self.g.has_edge(k, k):
                    continue
            # Edges run from a dependency to its user; walk them backwards so the path reads
            # "a depends on b depends on c", as the formulas are written.
            sub = self.g.subgraph(comp).reverse(copy=False)
            cyc = nx.find_cycle(sub, source=min(comp))
            path = [u for u, _ in cyc] + [cyc[0][0]]
            shown = [p.shown for p in path]
            if len(shown) > 12:   # a circle of thousands: its start and end say where to look
                shown = shown[:6] + [f"... {len(shown) - 11} more ..."] + shown[-5:]
            names = " -> ".join(shown)
            first = min(comp, key=lambda k: self.decl_span.get(k) or Span("", 0, 0))
            self.err("cycle", f"formulas depend on each other in a circle: {names}",
                     self.decl_span.get(first),
                     related=[(f"`{u.shown}` defined", self.decl_span[u]) for u, _ in cyc
                              if u in self.decl_span])

    def order(self, topo: list[str]) -> list[str]:
        """The computed nodes of `topo` (lets, emissions, derived and aliased kb entries)."""
        kinds = self.kinds
        return [k for k in topo if kinds.get(k) in (LET, EMISSION, "alias")
                or (kinds.get(k) == KB and self.kb_nodes[k].expr is not None)]

    def expr_of(self, key: str) -> n.Expr:
        if key.is_a(KB):   # an alias key is a kb key too
            if self.kinds.get(key) == "alias":
                target = next(iter(self.g.predecessors(key)))
                return n.KbRef(target.name, target.year, self.decl_span[key])
            return self.kb_nodes[key].expr
        return self.formulas[key]

    # --- units ------------------------------------------------------------------------
    def typecheck(self, exprs: Mapping[str, n.Expr]):
        for key, expr in exprs.items():
            dim = self.dim_of(expr)
            if dim is None:
                continue
            if key.is_a(KB):
                kn = self.kb_nodes[key]
                if dim != kn.entry.spec.dim:
                    self.err("unit-mismatch", f"`kb.{kn.entry.id}`: its formula gives {format_dim(dim)} "
                             f"but its unit is `{kn.entry.unit}` ({format_dim(kn.entry.spec.dim)})",
                             kn.entry.span)
                    continue
            self.dims[key] = dim

    def dim_of(self, expr: n.Expr, row: dict[str, str] | None = None) -> Dim | None:
        """The dimension of `expr`, iteratively; records problems and returns None on failure."""
        sc = row or {}
        t = type(expr)
        # The common shapes, a value or amount x factor, without the walk's bookkeeping.
        if t in _PLAIN_LEAVES:
            return self._leaf_dim(expr, sc)
        if _leaf_pair(expr, _PLAIN_LEAVES):
            b = self._leaf_dim(expr.right, sc)   # right first, as in the walk
            return self._dim_binop(expr, self._leaf_dim(expr.left, sc), b)
        # Post-order over (node, row scope, root of the product chain the node is in, children
        # done), right subtree first; finished dimensions go on `dims`, a value stack.
        dims: list[Dim | None] = []
        stack: list[tuple] = [(expr, sc, expr, False)]
        conversions: list[tuple[n.BasisConversion, n.Expr]] = []
        chain_dims: dict[int, Dim | None] = {}   # id of a product chain holding a conversion -> its dim
        while stack:
            e, sc, chain, done = stack.pop()
            t = type(e)
            if t in _PLAIN_LEAVES:
                dim = self._leaf_dim(e, sc)
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
                dim = self._dim_binop(e, a, dims[-1])
                dims[-1] = dim
            elif t is n.BasisConversion:
                dim = _CONVERSION_DIMS[(e.numerator, e.denominator)]
                conversions.append((e, chain))
                chain_dims[id(chain)] = None
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
            self._check_conversion(conv, chain_dims[id(chain)])
        return dims[0]

    def _leaf_dim(self, e, sc: dict[str, str]) -> Dim | None:
        """A name, number, knowledge-base value or row field (see _PLAIN_LEAVES)."""
        t = type(e)
        if t is n.Ref:
            return self.dims.get(self.names.get(e.name, ""))
        if t is n.Number:
            if e.unit is None:
                return DIMENSIONLESS
            spec = self._unit(e.unit, e.span)
            return None if spec is None else spec.dim
        if t is n.KbRef:
            return self.dims.get(ref_key(e))
        col = self.columns.get(sc.get(e.var, ""), {}).get(e.column)
        return None if col is None else col[1]

    def _dim_binop(self, e: n.BinOp, a: Dim | None, b: Dim | None) -> Dim | None:
        if a is None or b is None:
            return None
        if e.op == "+" or e.op == "-":
            if a is not b and a != b:
                verb = "add" if e.op == "+" else "subtract"
                self.err("unit-mismatch", f"cannot {verb} {format_dim(a)} and {format_dim(b)}", e.span,
                         hint=_mismatch_hint(a, b))
                return None
            return a
        # The same few dimensions meet again and again (amount x factor): one product per pair.
        # Keyed by identity, exact whatever pint's equality; a and b are kept so ids stay theirs.
        key = (e.op, id(a), id(b))
        hit = self.products.get(key)
        if hit is None:
            hit = self.products[key] = (a * b if e.op == "*" else a / b, a, b)
        return hit[0]

    def _check_conversion(self, conv: n.BasisConversion, dim: Dim | None):
        # The conversion applies to the whole product chain around it (`NCV * CC * OF * 44/12`):
        # `dim` is that chain's.
        if dim is None:
            return
        src, dst = CONVERSIONS[(conv.numerator, conv.denominator)]
        if dim[src] < 0:
            others = dim / UnitsContainer({dst: 1, src: -1})
            what = {"kgC": "carbon (C)", "kgCO2": "CO2", "kgN2O_N": "N2O-N", "kgN2O": "N2O"}[src]
            self.err("basis-conversion",
                     f"{conv.numerator}/{conv.denominator} converts {CONVERSION_NAMES[(conv.numerator, conv.denominator)]}, "
                     f"but what it multiplies has no {what} basis (it is {format_dim(others)})", conv.span,
                     hint="remove the conversion, or start from a quantity of "
                          f"{what} (e.g. a carbon content in tC/TJ)")

    def emission_units(self) -> tuple[str, ...]:
        co2 = []
        negligible = self.m.setting("non_co2_negligible") is not None
        # The same few dimension objects recur (see _dim_binop): compare each once.
        basis: dict[int, str | None] = {}   # id(dim) -> "CO2e", "CO2" or None
        for e in self.m.emissions:
            dim = self.dims.get(Key.emission(e.name))
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
                gwp = GWP_SETS.get(self.m.setting("gwp") or "", "ar5")
                hint = f"convert with the method's GWP set, e.g. `* kb.gwp.{gwp}.{gas}`"
            elif dim.get("kgCO2e", 0) == 1 or dim.get("kgCO2", 0) == 1:
                hint = "an activity amount is missing or in the wrong place: amount x factor gives kgCO2e"
            self.err("not-co2e", f"emission `{e.name}` is {format_dim(dim)}, not a mass of CO2e", e.span,
                     hint=hint)
        return tuple(co2)


def ref_key(ref: n.KbRef) -> Key:
    """The graph key of a knowledge-base reference: `kb:<id>` or `kb:<id>@<year>`."""
    return Key.kb(ref.id, ref.year)


def _mismatch_hint(a: Dim, b: Dim) -> str | None:
    pair = {frozenset(a.keys()) & {"kgCO2", "kgCO2e"}, frozenset(b.keys()) & {"kgCO2", "kgCO2e"}}
    if frozenset({"kgCO2"}) in pair and frozenset({"kgCO2e"}) in pair:
        return "a CO2-only factor (kgCO2/...) and a CO2e factor are different families; do not mix them"
    return None


def _leaf_pair(e, leaves: frozenset) -> bool:
    """Amount x factor and its kin: one operator over two leaves, the commonest formula, which
    linking, unit checking and postfix code take without their general walks."""
    return type(e) is n.BinOp and type(e.left) in leaves and type(e.right) in leaves


def _graph(kinds: Mapping[str, str], deps: list[tuple[str, str]]) -> nx.DiGraph:
    """The dependency graph: the same nodes, `kind` attributes and adjacency order as adding
    each node and edge as it arises, in far fewer networkx calls (one per run of declarations
    of one kind, and methods declare in blocks; one for all edges)."""
    g = nx.DiGraph()
    for kind, run in groupby(kinds.items(), key=itemgetter(1)):
        g.add_nodes_from((key for key, _ in run), kind=kind)
    g.add_edges_from(deps)
    return g


def _lexicographic_order(g: nx.DiGraph) -> list[str] | None:
    """The nodes of `g` in `nx.lexicographical_topological_sort` order, or None if `g` has a cycle.

    The same algorithm (Kahn's, always taking the smallest ready key), without the per-node
    tuples and views networkx builds for arbitrary keys: graph keys are distinct strings, so
    the heap compares the keys themselves and the sequence is identical. A node on a cycle
    never becomes ready, which makes this the cheap acyclicity check as well."""
    users = dict(g.adjacency())
    # In-degrees counted here: `g.in_degree` would cache a view on `g` that refers back to it, a
    # reference cycle that keeps every plan's graph in memory until a full garbage collection.
    waiting = dict.fromkeys(users, 0)   # node -> how many of its dependencies are still to come
    for targets in users.values():
        for w in targets:
            waiting[w] += 1
    ready = [v for v, d in waiting.items() if not d]
    heapq.heapify(ready)
    pop, push = heapq.heappop, heapq.heappush
    out: list[str] = []
    while ready:
        v = pop(ready)
        out.append(v)
        for w in users[v]:
            left = waiting[w] - 1
            waiting[w] = left
            if not left:
                push(ready, w)
    return out if len(out) == len(users) else None


def _postfix(expr: n.Expr, c: _Compiler) -> tuple:
    """Postfix code: evaluation needs no recursion however deep the formula."""
    t = type(expr)
    if t in _LEAVES:   # the common shapes, a value or amount x factor, without the walk
        return (_leaf_code(expr, c),)
    if _leaf_pair(expr, _LEAVES):
        return _leaf_code(expr.left, c), _leaf_code(expr.right, c), (expr.op,)
    code: list = []
    stack: list[tuple[n.Expr, bool]] = [(expr, False)]
    while stack:
        e, done = stack.pop()
        t = type(e)
        if t in _LEAVES:
            code.append(_leaf_code(e, c))
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
            code.append(("sum", Key.table(e.table), _postfix(e.body, c)))
        else:
            raise TypeError(f"not an expression: {e!r}")
    return tuple(code)


def _leaf_code(e, c: _Compiler) -> tuple:
    """The instruction of a leaf (see _LEAVES)."""
    t = type(e)
    if t is n.Ref:
        return "load", c.names[e.name]
    if t is n.Number:
        scale = c.units.parse(e.unit).scale if e.unit else 1.0
        return "const", e.value * scale
    if t is n.KbRef:
        return "load", ref_key(e)
    if t is n.BasisConversion:
        return "const", e.numerator / e.denominator
    return "field", e.column
