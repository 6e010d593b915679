"""Stage: the dependency graph. Unused inputs are found, and the computed nodes get a stable
topological order; a graph without one has circles, which are named."""
from __future__ import annotations

from ..core.depgraph import build_graph, find_cycles
from ..core.errors import Diagnostic
from ..core.keys import CHECK, EMISSION, INPUT, KB, LET, TABLE, Key
from ..core.source import Span
from .resolve import ALIAS, Names

MAX_SHOWN = 12   # a circle of thousands: its start and end say where to look


def unused_inputs(names: Names, users: dict) -> tuple[tuple[Key, Span], ...]:
    """Inputs and tables no formula uses, with their places: a warning, not an error (a method
    may declare an input for the record, as a recycled share under the cut-off approach)."""
    return tuple((key, names.decl_span[key]) for key, used_by in users.items()
                 if not used_by and key.is_a(INPUT, TABLE))


def cycle_problems(names: Names) -> list[Diagnostic]:
    g = build_graph(names.kinds, list(names.deps))   # networkx only for a method with a circle
    out = []
    span = names.decl_span
    for comp, path in find_cycles(g):
        shown = [p.shown for p in path]
        if len(shown) > MAX_SHOWN:
            shown = shown[:6] + [f"... {len(shown) - 11} more ..."] + shown[-5:]
        first = min(comp, key=lambda k: span.get(k) or Span("", 0, 0))
        out.append(Diagnostic("cycle", f"formulas depend on each other in a circle: {' -> '.join(shown)}",
                              span.get(first),
                              related=tuple((f"`{u.shown}` defined", span[u]) for u in path[:-1] if u in span)))
    return out


def computed(names: Names, topo: list[Key]) -> list[Key]:
    """The computed nodes of `topo` (lets, emissions, derived and aliased kb entries)."""
    kinds = names.kinds
    return [k for k in topo if kinds.get(k) in (LET, EMISSION, ALIAS, CHECK)
            or (kinds.get(k) == KB and names.kb_nodes[k].expr is not None)]
