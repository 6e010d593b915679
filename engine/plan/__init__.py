"""Method + knowledge base -> a checked, compiled `Plan`.

This is where a method meets the world. The stages, in order (`STAGES`), each a function
from one frozen `Compilation` to the next:

    settings -> rules -> names (declarations, references, kb lookup) -> graph -> report
    -> order (topological; circles named) -> report -> dimensions -> report
    -> emission bases -> report -> code

Problems of one kind are collected and reported together (`report` raises them, sorted by
place). What comes out is a plan that evaluates on plain floats: every constant is already
in base units, formulas are postfix code in a stable topological order.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Callable, Mapping


from ..checks.rules import check_rules
from ..core.depgraph import build_graph, lexicographic_order, users_of
from ..core.errors import Diagnostic, PcfError
from ..core.gcpause import gc_paused
from ..core.keys import EMISSION, INPUT, LET, TABLE, Key
from ..core.source import Span
from ..core.units import Dim, Units
from ..knowledge.kbmodel import KnowledgeBase, Source
from ..language import nodes as n
from .code import postfix
from .dims import emission_bases, formula_dims, formula_of
from .order import computed, cycle_problems, unused_inputs
from .resolve import KbNode, Names, ref_key, resolve_names
from .settings import BOUNDARIES, FACTOR_YEAR, GWP_SETS, is_model, outside_stages, settings_problems

if TYPE_CHECKING:   # built on first use (Plan.graph)
    import networkx as nx

__all__ = ["Plan", "KbNode", "compile_method", "ref_key", "STAGES", "BOUNDARIES", "FACTOR_YEAR", "GWP_SETS"]

# The name tests and benchmarks have known the order function by.
_lexicographic_order = lexicographic_order


@dataclass(frozen=True)
class Plan:
    method: n.Method
    data_year: int | None
    kinds: Mapping[Key, str] = field(repr=False, compare=False)         # graph node -> kind
    deps: tuple[tuple[Key, Key], ...] = field(repr=False, compare=False)  # edges (dependency, user)
    order: tuple[Key, ...]                   # computed nodes (lets, emissions, derived kb), sorted topologically
    code: Mapping[Key, tuple]                # postfix code per computed node
    dims: Mapping[Key, Dim]
    kb_nodes: Mapping[Key, KbNode]
    constants: Mapping[Key, float]           # kb values in base units
    stage_ids: tuple[str, ...]               # stages inside the boundary, in method order
    co2_as_co2e: tuple[str, ...]             # emissions whose CO2-only result counts as CO2e
    units: Units = field(repr=False, compare=False)
    sources: Mapping[str, Source] = field(default_factory=dict, repr=False, compare=False)   # of the kb entries
    unused: tuple[tuple[Key, Span], ...] = ()   # inputs and tables no formula uses (a warning finding)
    texts: Mapping[str, int] = field(default_factory=dict)   # every quoted text and map key -> its number
    # input name or (table, column) -> the maps whose key it is: a value outside them is refused
    text_keys: Mapping[object, frozenset] = field(default_factory=dict)
    defaults: Mapping[object, float] = field(default_factory=dict)   # input or (table, column) -> base value

    def text_code(self, word: str, extra: dict[str, int]) -> float:
        """The number `word` stands for; a word the method never names gets a fresh one in
        `extra` (the bind's own), so equal words stay equal and differ from every other."""
        code = self.texts.get(word)
        if code is None:
            code = extra.setdefault(word, len(self.texts) + len(extra))
        return float(code)

    def key_of(self, name: str) -> Key | None:
        for kind in (INPUT, LET, EMISSION, TABLE):
            key = Key(kind, name)
            if key in self.dims or key in self.kinds:
                return key
        return None

    @cached_property
    def method_maps(self) -> dict[str, n.Map]:
        return {m.name: m for m in self.method.maps}

    @cached_property
    def graph(self) -> "nx.DiGraph":
        """The dependency graph as a frozen networkx graph, built on first use (explain, `pcf
        graph`, the input-mass rule): importing networkx and building it cost more than a whole
        `pcf run`, which needs neither (issue 25)."""
        import networkx as nx
        return nx.freeze(build_graph(self.kinds, list(self.deps)))


@dataclass(frozen=True)
class Compilation:
    """What the stages know so far; each stage returns a new one."""
    method: n.Method
    kb: KnowledgeBase = field(repr=False)
    units: Units = field(repr=False)
    data_year: int | None
    latest: bool                                      # no data year: annual series at their latest
    problems: tuple[Diagnostic, ...] = ()
    names: Names | None = None
    users: dict | None = field(default=None, repr=False)   # node -> its users (depgraph.users_of)
    exprs: Mapping[Key, n.Expr] | None = None         # computed nodes, topological order
    dims: Mapping[Key, Dim] | None = None
    co2_as_co2e: tuple[str, ...] = ()
    code: Mapping[Key, tuple] | None = None
    unused: tuple[tuple[Key, Span], ...] = ()


def settings(c: Compilation) -> Compilation:
    return replace(c, problems=c.problems + tuple(settings_problems(c.method)))


def rules(c: Compilation) -> Compilation:
    try:
        check_rules(c.method, c.units)
    except PcfError as exc:
        return replace(c, problems=c.problems + exc.diagnostics)
    return c


def names(c: Compilation) -> Compilation:
    found = resolve_names(c.method, c.kb, c.units, c.data_year, c.latest)
    return replace(c, names=found, problems=c.problems + found.problems)


def graph(c: Compilation) -> Compilation:
    users = users_of(c.names.kinds, c.names.deps)
    # an optional input, or one with a default, may be declared for the record (a module's
    # parameters that one approach does not use): only a required one no formula uses is flagged
    recorded = {Key(INPUT, d.name) for d in c.method.decls
                if isinstance(d, n.Input) and (d.optional or d.default is not None)}
    return replace(c, users=users, unused=tuple(u for u in unused_inputs(c.names, users) if u[0] not in recorded))


def report(c: Compilation) -> Compilation:
    """Raise every problem found so far, in the order of their places."""
    if c.problems:
        raise PcfError(sorted(c.problems, key=lambda d: (d.span or Span("", 0, 0))))
    return c


def order(c: Compilation) -> Compilation:
    topo = lexicographic_order(c.users)
    if topo is None:   # only a graph with a cycle has no order: find and name the cycles
        return replace(c, problems=c.problems + tuple(cycle_problems(c.names)))
    dependencies: dict[Key, list[Key]] = {}
    for u, v in c.names.deps:
        dependencies.setdefault(v, []).append(u)
    return replace(c, exprs={k: formula_of(c.names, k, lambda key: dependencies.get(key, ()))
                             for k in computed(c.names, topo)})


def dimensions(c: Compilation) -> Compilation:
    dims, problems = formula_dims(c.names, c.units, c.exprs)
    return replace(c, dims=dims, problems=c.problems + tuple(problems))


def bases(c: Compilation) -> Compilation:
    co2, problems = emission_bases(c.method, c.names, c.dims)
    return replace(c, co2_as_co2e=co2, problems=c.problems + tuple(problems))


def code(c: Compilation) -> Compilation:
    texts, maps = c.names.texts, c.names.maps
    return replace(c, code={k: postfix(e, c.names.names, c.units, texts, maps) for k, e in c.exprs.items()})


# The pipeline, in order (as sqlglot's optimizer RULES): read it to know what compiling does.
STAGES: tuple[Callable[[Compilation], Compilation], ...] = (
    settings, rules, names, graph, report,
    order, report,
    dimensions, report,
    bases, report,
    code,
)


def compile_method(method: n.Method, kb: KnowledgeBase, units: Units,
                   data_year: int | None, latest_when_no_year: bool = False) -> Plan:
    """Check and compile `method` for a case of `data_year`.

    `latest_when_no_year` is for checking a method on its own (no case, so no year):
    annual series then resolve to their latest period.
    """
    with gc_paused():
        c = Compilation(method, kb, units, data_year, latest_when_no_year)
        for stage in STAGES:
            c = stage(c)
        return to_plan(c)


def compile_model(method: n.Method, kb: KnowledgeBase, units: Units) -> Plan:
    """Compile a method to check it or show it: a product model or a module (no standard:
    settings.is_model) as if it had one, since it only ever runs under a standard's base;
    a data year is not needed (annual series at their latest)."""
    if is_model(method):
        span = method.span
        method = replace(method, settings=(*method.settings, n.Setting("standard", "(model)", span),
                                           n.Setting("boundary", "cradle_to_grave", span),
                                           n.Setting("gwp", "AR6", span)))
    return compile_method(method, kb, units, None, latest_when_no_year=True)


def to_plan(c: Compilation) -> Plan:
    kb_nodes = dict(c.names.kb_nodes)
    constants = {k: kn.entry.base_value for k, kn in kb_nodes.items() if kn.expr is None and k == kn.key}
    outside = outside_stages(c.method)
    stages = tuple(s.id for s in c.method.stages if s.id not in outside)
    sources = {kn.entry.source: c.kb.sources[kn.entry.source] for kn in kb_nodes.values()
               if kn.entry.source in c.kb.sources}
    return Plan(c.method, c.data_year, dict(c.names.kinds), tuple(c.names.deps), tuple(c.exprs), c.code, dict(c.dims), kb_nodes,
                constants, stages, c.co2_as_co2e, c.units, sources, c.unused, dict(c.names.texts),
                dict(c.names.text_keys), dict(c.names.defaults))
