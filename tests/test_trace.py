"""The trace an evaluation records while computing (engine/evaluation/trace.py), and explain reading it."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pcf.analysis.explain import explain, render_tree
from pcf.core.keys import Key

SEED_000 = Path(__file__).resolve().parent.parent / "examples" / "seed-000-sensors"


def test_binding_records_the_entry_an_input_named(ws):
    r = ws.run_case(SEED_000)
    p = r.products[0]
    given = {name: a for name, a in p.trace.product.inputs.items() if a.kb}
    assert given   # the seed gives some inputs as `kb.<id>`
    for name, a in given.items():
        e = p.trace.entries[Key.input(name)]
        assert e.id == a.kb and e.valid_in(a.kb_year if a.kb_year is not None else r.data_year)
        assert p.trace.sources[e.source].key == e.source


def test_explain_reads_the_trace_not_the_case_or_the_knowledge_base(ws):
    r = ws.run_case(SEED_000)
    alone = replace(r, case=None, kb=None)   # nothing to re-read or look up again
    assert render_tree(explain(alone)) == render_tree(explain(r))
    text = render_tree(explain(alone))
    assert "inventory " in text and "source: " in text   # inventory places and kb sources still shown


def test_the_analyses_vary_the_bound_inventory_without_binding_it_again(ws):
    from pcf.analysis.sensitivity import sensitivity, to_dict
    from pcf.analysis.uncertainty import simulate
    r = ws.run_case(SEED_000)
    alone = replace(r, case=None, kb=None)   # no inventory to fit again, no kb to look up in
    assert to_dict(sensitivity(alone)) == to_dict(sensitivity(r))
    a, b = simulate(alone, draws=50, seed=1), simulate(r, draws=50, seed=1)
    assert a.to_dict() == b.to_dict()
    assert r.products[0].trace.bound.values[Key.input("grid_factor")] > 0   # the value in base units
