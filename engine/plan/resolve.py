"""Stage: names. Declarations get keys, every reference in a formula is resolved to the key it
names (declared names, row fields, `kb.` ids looked up for the case's data year, derived
entries bringing their own formulas), and the dependencies between keys are recorded."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from ..core.dimension import LEAVES, leaf_pair
from ..core.errors import Diagnostic, PcfError, did_you_mean
from ..core.keys import CHECK, EMISSION, INPUT, KB, LET, MAP, TABLE, Key
from ..core.source import Span
from ..core.units import TEXT, Dim, UnitError, Units
from ..knowledge.kbmodel import Entry, KnowledgeBase
from ..language import nodes as n
from ..language.build import build_formula
from .settings import GWP_SETS, OUTSIDE

# Graph key kind of each declaration that names a value.
KINDS = {n.Input: INPUT, n.Table: TABLE, n.Let: LET, n.Emission: EMISSION, n.Map: MAP}
# What a map's value and an input's default may be made of: constants only.
_CONSTANT = (n.Number, n.KbRef, n.BasisConversion, n.BinOp, n.Neg)
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
    formulas: Mapping[Key, n.Expr]            # lets, emissions and checks
    problems: tuple[Diagnostic, ...]
    maps: Mapping[str, n.Map] = None                      # name -> map
    texts: Mapping[str, int] = None                       # every quoted text and map key -> its code
    text_keys: Mapping[object, frozenset] = None          # input name or (table, column) -> maps it keys
    defaults: Mapping[object, float] = None               # input name or (table, column) -> base value


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
        t = type(d)
        if t is n.Let or t is n.Emission or t is n.Check:
            r.link_expr(key, d.expr)
        elif t is n.Map and key is not None:
            for entry in d.entries:
                r.link_expr(key, entry.expr)
    r.scenarios()
    return Names(r.names, r.decl_span, r.kinds, tuple(r.deps), r.kb_nodes, r.dims, r.columns, r.formulas,
                 tuple(r.problems), r.maps, r.texts, {k: frozenset(v) for k, v in r.text_keys.items()},
                 r.defaults)


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
        self.maps: dict[str, n.Map] = {}
        self.texts: dict[str, int] = {}
        self.text_keys: dict[object, set[str]] = {}
        self.defaults: dict[object, float] = {}

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
        boundary = next((s for s in self.m.settings if s.key == "boundary"), None)
        left = OUTSIDE.get(boundary.value, ()) if boundary is not None else ()
        names, decl_span, kinds = self.names, self.decl_span, self.kinds
        checks: dict[str, n.Check] = {}
        for d in self.m.decls:
            t = type(d)
            if t is n.Check:
                key = Key(CHECK, d.name)
                out.append(key)
                if d.name in checks:
                    self.err("duplicate", f"check `{d.name}` is declared twice", d.span,
                             related=[("first declared", checks[d.name].span)])
                    continue
                checks[d.name] = d
                decl_span[key] = d.span
                kinds[key] = CHECK
                self.formulas[key] = d.expr
                continue
            kind = KINDS.get(t)
            if kind is None:   # stages (above), rules (checked by check_rules), scenarios
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
                spec = self.declared_unit(d)
                if spec is not None:
                    self.dims[key] = spec[0]
                    self.default(d, spec, d.name)
            elif t is n.Table:
                cols = {}
                for col in d.columns:
                    if col.name in cols:
                        self.err("duplicate", f"column `{col.name}` is declared twice", col.span)
                    spec = self.declared_unit(col)
                    if spec is not None:
                        cols[col.name] = (col, *spec)
                        self.default(col, spec, (d.name, col.name))
                self.columns[d.name] = cols
            elif t is n.Map:
                self.maps[d.name] = d
                self.map_keys(d)
            elif t is n.Emission:
                self.formulas[key] = d.expr
                st = stages.get(d.stage)
                if st is None:
                    self.err("unknown-stage", f"unknown stage `{d.stage}`", d.stage_span,
                             hint=did_you_mean(d.stage, stages) or "declare it: `stage <id> \"label\"`")
                # A line in a stage its own file leaves out is a contradiction (an error); a stage
                # left out by another file (a standard's base over a product model, a variant) is
                # that file's choice: the line is computed and not counted (finding outside-boundary).
                elif st.excluded is not None and st.span.path == d.span.path:
                    self.err("unknown-stage", f"stage `{d.stage}` is excluded from the boundary "
                             f"({st.excluded}); no emission may be assigned to it", d.stage_span,
                             related=[("excluded", st.span)])
                elif partial is not None and d.stage not in partial and boundary.span.path == d.span.path:
                    self.err("unknown-stage", f"stage `{d.stage}` is outside the partial boundary "
                             f"({', '.join(partial)}); no emission may be assigned to it", d.stage_span,
                             hint=f"add it to `boundary partial(...)`, or leave the line to a method "
                                  "whose boundary holds it")
                elif d.stage in left and boundary.span.path == d.span.path:
                    self.err("unknown-stage", f"stage `{d.stage}` is outside a {boundary.value.replace('_', '-')} "
                             "boundary; no emission may be assigned to it", d.stage_span,
                             related=[("boundary", boundary.span)],
                             hint="a cradle-to-gate footprint ends at the factory gate: choose another boundary, "
                                  "or leave the line to a method whose boundary holds it")
        return out

    def declared_unit(self, d) -> tuple[Dim, float] | None:
        """(dimension, scale to base units) of an input or column; a text has no unit."""
        if d.is_text:
            return TEXT, 1.0
        spec = unit_dim(self.units, d.unit, d.unit_span, self.problems)
        return None if spec is None else (spec.dim, spec.scale)

    def default(self, d, spec: tuple[Dim, float], place) -> None:
        """The base value of `= <default>`: a number of the declared dimension, or a quoted text."""
        e = d.default
        if e is None:
            return
        what = f"the default of `{d.name}`"
        if d.is_text:
            if type(e) is not n.Text:
                self.err("unit-mismatch", f"{what} is a text: write it quoted", e.span, hint=f'e.g. `= "road"`')
                return
            self.defaults[place] = self.text_code(e.value)
            return
        sign, num = 1.0, e
        if type(e) is n.Neg:
            sign, num = -1.0, e.operand
        if type(num) is not n.Number:
            self.err("bad-default", f"{what} is a number with its unit", e.span,
                     hint=f"e.g. `= 3 {d.unit}`; a formula belongs in a `let`")
            return
        unit = unit_dim(self.units, num.unit or "1", num.span, self.problems)
        if unit is None:
            return
        if unit.dim != spec[0]:
            from ..core.units import format_dim
            self.err("unit-mismatch", f"{what} is {format_dim(unit.dim)}, but `{d.name}` is in {d.unit} "
                     f"({format_dim(spec[0])})", e.span, hint=f"give the default in {d.unit}")
            return
        self.defaults[place] = sign * num.value * unit.scale

    def text_code(self, text: str) -> int:
        """The number a text stands for in the array program (equal texts, equal numbers)."""
        return self.texts.setdefault(text, len(self.texts))

    def map_keys(self, m: n.Map) -> None:
        seen: dict[str, n.MapEntry] = {}
        for entry in m.entries:
            if entry.key in seen:
                self.err("duplicate", f"map `{m.name}` has the key `{entry.key}` twice", entry.span,
                         related=[("first", seen[entry.key].span)])
            seen[entry.key] = entry
            self.text_code(entry.key)
            for e in n.walk(entry.expr):
                if not isinstance(e, _CONSTANT):
                    self.err("bad-map", f"map `{m.name}`, key `{entry.key}`: a map's values are constants "
                             "(numbers with units, `kb.` factors)", e.span,
                             hint="compute with the looked-up value in a `let` instead")
                    break
        if not m.entries:
            self.err("bad-map", f"map `{m.name}` has no entries", m.span,
                     hint="`map name { key: 0.3 kgCO2e/kg, other: 1.0 kgCO2e/kg }`")

    def scenarios(self) -> None:
        """Each scenario sets declared inputs (to a constant) and lets (to a formula)."""
        seen: dict[str, n.Scenario] = {}
        for sc in self.m.scenarios:
            if sc.name in seen:
                self.err("duplicate", f"scenario `{sc.name}` is declared twice", sc.span,
                         related=[("first declared", seen[sc.name].span)])
            seen[sc.name] = sc
            named: set[str] = set()
            for a in sc.sets:
                key = self.names.get(a.name)
                if a.name in named:
                    self.err("duplicate", f"scenario `{sc.name}` sets `{a.name}` twice", a.span)
                named.add(a.name)
                if key is None or not key.is_a(INPUT, LET):
                    hint = did_you_mean(a.name, [k for k, v in self.names.items() if v.is_a(INPUT, LET)])
                    self.err("unknown-name", f"scenario `{sc.name}`: `{a.name}` is not an input or a let of "
                             "the method", a.span, hint=hint or "a scenario sets inputs and lets")
                elif key.is_a(INPUT) and not isinstance(a.expr, (n.Number, n.Text, n.Neg)):
                    self.err("bad-scenario", f"scenario `{sc.name}`: input `{a.name}` is set to a constant "
                             "(a number with its unit, or a quoted text)", a.expr.span,
                             hint=f"to compute it, make `{a.name}` a let")
                for e in n.walk(a.expr):
                    if type(e) is n.Text:
                        self.text_code(e.value)

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
            elif t is n.Lookup:
                self.link_lookup(owner, e, sc)
                stack.append((e.key, sc))

    def link_lookup(self, owner: Key, e: n.Lookup, sc: dict[str, str]) -> None:
        m = self.maps.get(e.map)
        if m is None:
            self.err("unknown-name", f"unknown map `{e.map}`", e.span,
                     hint=did_you_mean(e.map, self.maps) or "declare it: `map name { key: value, ... }`")
            return
        self.deps.append((Key(MAP, e.map), owner))
        k = e.key
        keys = [x.key for x in m.entries]
        if type(k) is n.Text and k.value not in keys:
            self.err("unknown-key", f"map `{e.map}` has no key \"{k.value}\"", k.span,
                     hint=did_you_mean(k.value, keys) or f"its keys: {', '.join(keys)}")
        elif type(k) is n.Ref and k.name not in sc:
            self.text_keys.setdefault(k.name, set()).add(e.map)
        elif type(k) is n.Field and k.var in sc:
            self.text_keys.setdefault((sc[k.var], k.column), set()).add(e.map)

    def link_leaf(self, owner: Key, e, sc: dict[str, str]):
        t = type(e)
        if t is n.Text:
            self.text_code(e.value)
        elif t is n.Ref:
            if e.name in sc:
                self.err("unknown-name", f"`{e.name}` is a row of `{sc[e.name]}`: use one of its "
                         f"columns, e.g. `{e.name}.{next(iter(self.columns.get(sc[e.name], {'x': 0})))}`",
                         e.span)
                return
            key = self.names.get(e.name)
            if key is None or self.kinds[key] in (TABLE, MAP):
                hint = did_you_mean(e.name, [k for k, v in self.names.items() if not v.is_a(TABLE, MAP)])
                if key is not None and key.is_a(TABLE):
                    hint = f"`{e.name}` is a table: sum over it, `sum(row in {e.name}: row.<column>)`"
                elif key is not None:
                    keys = self.maps[e.name].entries
                    hint = f"`{e.name}` is a map: look a value up, `{e.name}[{keys[0].key if keys else 'key'}]`"
                what = f"`{e.name}` is a map, not a value" if key is not None and key.is_a(MAP) \
                    else f"unknown name `{e.name}`"
                self.err("unknown-name", what, e.span, hint=hint)
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
