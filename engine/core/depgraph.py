"""Dependency graphs: a stable order, and the circles that prevent one.

Edges run from a dependency to its user. Used for a method's plan (inputs, lets, emissions,
knowledge-base values) and for the derived entries of a knowledge base (`pcf check kb/`).
"""
from __future__ import annotations

import heapq
from itertools import groupby
from operator import itemgetter
from typing import TYPE_CHECKING, Hashable, Iterable, Mapping

if TYPE_CHECKING:   # imported where a graph algorithm runs: a `pcf run` needs none (issue 25)
    import networkx as nx


def users_of(kinds: Mapping[Hashable, str], deps: Iterable[tuple]) -> dict[Hashable, dict[Hashable, None]]:
    """Each node's users without repeats, nodes and users in the order networkx's graph of the
    same nodes and edges lists them (`build_graph(...).adjacency()`): what ordering and the
    unused-input check need, without networkx."""
    users: dict[Hashable, dict[Hashable, None]] = {k: {} for k in kinds}
    for u, v in deps:
        users.setdefault(u, {})[v] = None
        users.setdefault(v, {})
    return users


def build_graph(kinds: Mapping[Hashable, str], deps: list[tuple]) -> "nx.DiGraph":
    """The dependency graph: the same nodes, `kind` attributes and adjacency order as adding
    each node and edge as it arises, in far fewer networkx calls (one per run of declarations
    of one kind, and methods declare in blocks; one for all edges)."""
    import networkx as nx
    g = nx.DiGraph()
    for kind, run in groupby(kinds.items(), key=itemgetter(1)):
        g.add_nodes_from((key for key, _ in run), kind=kind)
    g.add_edges_from(deps)
    return g


def lexicographic_order(g) -> list | None:
    """The nodes of `g` in `nx.lexicographical_topological_sort` order, or None if `g` has a cycle.
    `g` is a networkx graph or its adjacency as `users_of` gives it.

    The same algorithm (Kahn's, always taking the smallest ready key), without the per-node
    tuples and views networkx builds for arbitrary keys: graph keys are distinct strings, so
    the heap compares the keys themselves and the sequence is identical. A node on a cycle
    never becomes ready, which makes this the cheap acyclicity check as well."""
    users = g if isinstance(g, dict) else dict(g.adjacency())
    # In-degrees counted here: `g.in_degree` would cache a view on `g` that refers back to it, a
    # reference cycle that keeps every plan's graph in memory until a full garbage collection.
    waiting = dict.fromkeys(users, 0)   # node -> how many of its dependencies are still to come
    for targets in users.values():
        for w in targets:
            waiting[w] += 1
    ready = [v for v, d in waiting.items() if not d]
    heapq.heapify(ready)
    pop, push = heapq.heappop, heapq.heappush
    out: list = []
    while ready:
        v = pop(ready)
        out.append(v)
        for w in users[v]:
            left = waiting[w] - 1
            waiting[w] = left
            if not left:
                push(ready, w)
    return out if len(out) == len(users) else None


def find_cycles(g: "nx.DiGraph") -> list[tuple[set, list]]:
    """Each strongly connected component that holds a circle, with one circle in it as a path
    that reads "a depends on b depends on ... a" (edges walked backwards, as formulas are
    written) from the component's smallest node. Components in networkx's order."""
    import networkx as nx
    out = []
    for comp in nx.strongly_connected_components(g):
        if len(comp) == 1:
            (k,) = comp
            if not g.has_edge(k, k):
                continue
        sub = g.subgraph(comp).reverse(copy=False)
        cyc = nx.find_cycle(sub, source=min(comp))
        out.append((comp, [u for u, _ in cyc] + [cyc[0][0]]))
    return out
