"""Stage: names. Declarations get keys, every reference in a formula is resolved to the key it
names (declared names, row fields, `kb.` ids looked up for the case's data year, derived
entries bringing their own formulas), and the dependencies between keys are recorded."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from ..core.dimension import LEAVES, leaf_pair
from ..core.errors import Diagnostic, PcfError, did_you_mean
from ..core.keys import EMISSION, INPUT, KB, LET, TABLE, Key
from ..core.source import Span
from ..core.units import Dim, UnitError, Units
from ..knowledge.kbmodel import Entry, KnowledgeBase
from ..language import nodes as n
from ..language.build import build_formula
from .settings import GWP_SETS

# Graph key kind of each declaration that names a value.
KINDS = {n.Input: INPUT, n.Table: TABLE, n.Let: LET, n.Emission: EMISSION}
ALIAS = "alias"   # the kind of `kb.gwp.x`, which stands for the method's GWP set's entry


@dataclass(frozen=True)
class KbNode:
    key: Key                   # graph key: kb:<id> or kb:<id>@<year>
    entry: Entry
    expr: n.Expr | None        # parsed formula of a derived entry
    pinned: bool
    fallback_from: int | None  # the year asked when an earlier entry stood in
    span: Span                 # first use in the method


@dataclass(frozen=True)
class Names:
    """What name resolution found: every key, its kind and where it is declared, the
    dependencies between keys, and the dimensions known before any formula is checked."""
    names: Mapping[str, Key]                  # declared name -> key
    decl_span: Mapping[Key, Span]
    kinds: Mapping[Key, str]                  # key -> kind, in the order keys arose
    deps: tuple[tuple[Key, Key], ...]         # (dependency, user), in the order they arose
    kb_nodes: Mapping[Key, KbNode]
    dims: Mapping[Key, Dim]                   # inputs and knowledge-base values
    columns: Mapping[str, Mapping[str, tuple[n.Column, Dim, float]]]   # table -> column -> (decl, dim, scale)
    formulas: Mapping[Key, n.Expr]            # lets and emissions
    problems: tuple[Diagnostic, ...]


def ref_key(ref: n.KbRef) -> Key:
    """The graph key of a knowledge-base reference: `kb:<id>` or `kb:<id>@<year>`."""
    return Key.kb(ref.id, ref.year)


def unit_dim(units: Units, text: str, span: Span, problems: list[Diagnostic]):
    """The unit spec of `text`, or None with the problem recorded."""
    try:
        return units.parse(text)
    except UnitError as exc:
        problems.append(Diagnostic("unit-unknown", str(exc), span, hint=exc.hint))
        return None


def resolve_names(method: n.Method, kb: KnowledgeBase, units: Units, data_year: int | None,
                  latest_when_no_year: bool) -> Names:
    r = _Resolver(method, kb, units, data_year, latest_when_no_year)
    keys = r.declare()
    for d, key in zip(method.decls, keys):
        if type(d) is n.Let or type(d) is n.Emission:
            r.link_expr(key, d.expr)
    return Names(r.names, r.decl_span, r.kinds, tuple(r.deps), r.kb_nodes, r.dims, r.columns, r.formulas,
                 tuple(r.problems))


class _Resolver:
    """The accumulators of this one stage (a derived kb entry's formula is linked recursively
    when it is first met, so lookups and links interleave)."""

    def __init__(self, method: n.Method, kb: KnowledgeBase, units: Units, year: int | None, latest: bool):
        self.m, self.kb, self.units, self.year, self.latest = method, kb, units, year, latest
        self.gwp = method.setting("gwp")
        self.fallback = method.setting("factor_year") == "latest_earlier"
        self.deliberate = 0   # > 0 while linking the formula of a pinned derived entry
        self.problems: list[Diagnostic] = []
        self.names: dict[str, Key] = {}
        self.decl_span: dict[Key, Span] = {}
        self.kinds: dict[Key, str] = {}
        self.deps: list[tuple[Key, Key]] = []
        self.kb_nodes: dict[Key, KbNode] = {}
        self.dims: dict[Key, Dim] = {}
        self.columns: dict[str, dict[str, tuple[n.Column, Dim, float]]] = {}
        self.formulas: dict[Key, n.Expr] = {}

    def err(self, code, message, span, hint=None, related=()):
        self.problems.append(Diagnostic(code, message, span, hint=hint, related=tuple(related)))

    # --- declarations -----------------------------------------------------------------
    def declare(self) -> list[Key | None]:
        """Keys and dimensions of the declarations; returns each declaration's key (None for
        stages and rules), a duplicate's too."""
        out: list[Key | None] = []
        stages: dict[str, n.Stage] = {}
        for s in self.m.stages:
            if s.id in stages:
                self.err("duplicate", f"stage `{s.id}` is declared twice", s.span,
                         related=[("first declared", stages[s.id].span)])
            stages[s.id] = s
        partial = self.m.boundary_stages()   # a partial study: only these stages are inside
        names, decl_span, kinds = self.names, self.decl_span, self.kinds
        for d in self.m.decls:
            t = type(d)
            kind = KINDS.get(t)
            if kind is None:   # stages (above) and rules (checked by check_rules)
                out.append(None)
                continue
            key = Key(kind, d.name)
            out.append(key)
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
            elif t is n.Input:
                spec = unit_dim(self.units, d.unit, d.unit_span, self.problems)
                if spec is not None:
                    self.dims[key] = spec.dim
            elif t is n.Table:
                cols = {}
                for col in d.columns:
                    if col.name in cols:
                        self.err("duplicate", f"column `{col.name}` is declared twice", col.span)
                    spec = unit_dim(self.units, col.unit, col.unit_span, self.problems)
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
                elif partial is not None and d.stage not in partial:
                    self.err("unknown-stage", f"stage `{d.stage}` is outside the partial boundary "
                             f"({', '.join(partial)}); no emission may be assigned to it", d.stage_span,
                             hint=f"add it to `boundary partial(...)`, or leave the line to a method "
                                  "whose boundary holds it")
        return out

    # --- references -------------------------------------------------------------------
    def link_expr(self, owner: Key, expr: n.Expr, scope: dict[str, str] | None = None):
        # `scope` maps row variables to their tables inside row sums.
        sc = scope or {}
        if leaf_pair(expr, LEAVES):
            # amount x factor, the common shape, without the walk: right first, as in the walk
            self.link_leaf(owner, expr.right, sc)
            self.link_leaf(owner, expr.left, sc)
            return
        stack = [(expr, sc)]
        while stack:
            e, sc = stack.pop()
            t = type(e)
            if t is n.BinOp:
                stack.append((e.left, sc))
                stack.append((e.right, sc))
            elif t in LEAVES:
                self.link_leaf(owner, e, sc)
            elif t is n.RowSum:
                tkey = self.names.get(e.table)
                if tkey is None or self.kinds[tkey] != TABLE:
                    self.err("unknown-table", f"unknown table `{e.table}`", e.span,
                             hint=did_you_mean(e.table, [k for k, v in self.names.items() if v.is_a(TABLE)]))
                    continue
                self.deps.append((tkey, owner))
                stack.append((e.body, {**sc, e.var: e.table}))
            elif t is n.Neg:
                stack.append((e.operand, sc))
            elif t is n.Call:
                stack.extend((a, sc) for a in e.args)

    def link_leaf(self, owner: Key, e, sc: dict[str, str]):
        t = type(e)
        if t is n.Ref:
            if e.name in sc:
                self.err("unknown-name", f"`{e.name}` is a row of `{sc[e.name]}`: use one of its "
                         f"columns, e.g. `{e.name}.{next(iter(self.columns.get(sc[e.name], {'x': 0})))}`",
                         e.span)
                return
            key = self.names.get(e.name)
            if key is None or self.kinds[key] == TABLE:
                hint = did_you_mean(e.name, [k for k, v in self.names.items() if not v.is_a(TABLE)])
                if key is not None:
                    hint = f"`{e.name}` is a table: sum over it, `sum(row in {e.name}: row.<column>)`"
                self.err("unknown-name", f"unknown name `{e.name}`", e.span, hint=hint)
            else:
                self.deps.append((key, owner))
        elif t is n.KbRef:
            key = self.kb_ref(e)
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

    # --- the knowledge base -----------------------------------------------------------
    def kb_ref(self, ref: n.KbRef) -> Key | None:
        key = ref_key(ref)
        if key in self.kb_nodes:
            return key
        gwp = self.gwp
        if ref.id.count(".") == 1 and ref.id.startswith("gwp."):
            return self.gwp_alias(ref, key)
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
            found = self.kb.lookup(ref.id, year, ref.span, pinned=ref.year is not None or self.deliberate > 0,
                                   fallback=self.fallback)
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
                self.link_expr(key, expr)
            finally:
                self.deliberate -= ref.year is not None or self.deliberate > 0
        return key

    def gwp_alias(self, ref: n.KbRef, alias: Key) -> Key | None:
        """`kb.gwp.ch4` follows the method's GWP set: a variant switches AR5 -> AR6 in one line."""
        if self.gwp not in GWP_SETS:
            self.err("missing-setting", f"`kb.{ref.id}` needs the method's `gwp` set", ref.span)
            return None
        key = self.kb_ref(n.KbRef(f"gwp.{GWP_SETS[self.gwp]}.{ref.id[4:]}", ref.year, ref.span))
        if key is None:
            return None
        self.kb_nodes[alias] = self.kb_nodes[key]
        self.dims[alias] = self.dims[key]
        self.kinds[alias] = ALIAS
        self.deps.append((key, alias))
        self.decl_span[alias] = ref.span
        return alias
