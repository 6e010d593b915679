"""The dependency graph of a method as Mermaid or Graphviz DOT, at stage level or in full.

Output is stable: nodes and edges are sorted, ids are derived from names, so the text only
changes when the method does (golden-tested).
"""
from __future__ import annotations

import re

import networkx as nx

from ..core.keys import Key
from ..plan import Plan
from .escape import dot_string, mermaid_label

KIND_SHAPE = {  # mermaid brackets, dot shape
    "input": ("[/", "/]", "parallelogram"), "table": ("[(", ")]", "cylinder"),
    "kb": ("[[", "]]", "box3d"), "let": ("(", ")", "ellipse"), "emission": ("([", "])", "box"),
    "stage": ("{{", "}}", "hexagon"), "total": ("((", "))", "doublecircle"),
}


def method_graph(plan: Plan, level: str = "full") -> nx.DiGraph:
    """Nodes keyed like the plan (`input:x`, `kb:id` ...) plus `stage:<id>` and `total`."""
    g = nx.DiGraph()
    m = plan.method
    labels = {Key.input(d.name): d.label for d in m.inputs} | {Key.table(t.name): t.label for t in m.tables} \
        | {Key.let(d.name): d.label for d in m.lets} | {Key.emission(e.name): e.label for e in m.emissions}
    for key, kind in plan.graph.nodes(data="kind"):
        if kind == "alias":
            continue
        g.add_node(key, kind=kind, label=key.shown, note=labels.get(key))
    for u, v in plan.graph.edges:
        if u in g and v in g:
            g.add_edge(u, v)
        elif plan.graph.nodes[v].get("kind") == "alias":      # kb.gwp.x -> the set's entry
            for w in plan.graph.successors(v):
                g.add_edge(u, w)
    stages = {s.id: s for s in m.stages if s.excluded is None}
    for sid, s in stages.items():
        g.add_node(Key.stage(sid), kind="stage", label=sid, note=s.label)
    g.add_node("total", kind="total", label="total", note=None)
    for e in m.emissions:
        g.add_edge(Key.emission(e.name), Key.stage(e.stage))
    for sid in stages:
        g.add_edge(Key.stage(sid), "total")
    if level == "full":
        return g
    # Stage level: the data a stage is computed from (inputs, tables, kb entries) -> stages -> total.
    s = nx.DiGraph()
    for key, data in g.nodes(data=True):
        if data["kind"] in ("stage", "total"):
            s.add_node(key, **data)
    for sid in stages:
        for anc in nx.ancestors(g, Key.stage(sid)):
            kind = g.nodes[anc]["kind"]
            if kind in ("input", "table") or (kind == "kb" and not any(
                    g.nodes[p]["kind"] == "kb" for p in g.successors(anc) if p in g)):
                s.add_node(anc, **g.nodes[anc])
                s.add_edge(anc, Key.stage(sid))
    s.add_edges_from((Key.stage(sid), "total") for sid in stages)
    return s


def _id(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", key)


def _lines(data) -> list[str]:
    """A node's name, and its label (the method's note) when it has one: one label line each."""
    return [data["label"]] + ([data["note"]] if data.get("note") else [])


def to_mermaid(g: nx.DiGraph) -> str:
    out = ["flowchart LR"]
    for key in sorted(g.nodes):
        data = g.nodes[key]
        a, b, _ = KIND_SHAPE.get(data["kind"], ("[", "]", "box"))
        out.append(f'  {_id(key)}{a}"{"<br/>".join(mermaid_label(t) for t in _lines(data))}"{b}')
    for u, v in sorted(g.edges):
        out.append(f"  {_id(u)} --> {_id(v)}")
    return "\n".join(out) + "\n"


def to_dot(g: nx.DiGraph, name: str = "method") -> str:
    out = [f'digraph "{dot_string(name)}" {{', "  rankdir=LR;", '  node [fontname="Noto Sans CJK SC,sans-serif"];']
    for key in sorted(g.nodes):
        data = g.nodes[key]
        shape = KIND_SHAPE.get(data["kind"], ("", "", "box"))[2]
        label = "\\n".join(dot_string(t) for t in _lines(data))
        out.append(f'  "{dot_string(key)}" [label="{label}", shape={shape}];')
    for u, v in sorted(g.edges):
        out.append(f'  "{dot_string(u)}" -> "{dot_string(v)}";')
    out.append("}")
    return "\n".join(out) + "\n"
