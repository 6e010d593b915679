"""Conditions and choices in formulas (issue 17 item 4): comparisons, and/or/not,
if/then/else, min/max/abs. Unit-checked when the graph is built, evaluated on one product, on
arrays (batch, Monte Carlo: per draw) and on intervals (the audit). Hand arithmetic in each test."""
from __future__ import annotations

import numpy as np
import pytest

import pcf
from pcf.analysis.explain import explain, render_tree
from pcf.checks.interval import Interval
from pcf.core.keys import Key
from pcf.evaluation import choices
from pcf.evaluation.lowering import compile_program
from pcf.language.build import build_formula, build_method
from pcf.language.format import format_expr, format_method

METHOD = '''method t.cold "冷链饮料" {
  standard "ISO 14067:2018"
  boundary cradle_to_grave
  gwp AR5
  functional_unit "1 瓶"
  stage use "使用"
  stage end_of_life "废弃"
  input refrigerated : d "冷藏天数"
  input fridge_power : kWh/d "冷藏用电"
  input mass : kg "瓶重"
  input recycled : % "回收率"
  let cooling = if refrigerated > 0 d then max(refrigerated * fridge_power, 0.1 kWh) else 0 kWh
  emission use_power "冷藏" in use = cooling * 0.5 kgCO2e/kWh
  emission eol "废弃" in end_of_life = mass
    * (if recycled >= 50 % and not (mass > 1 kg) then 0.2 kgCO2e/kg else abs(-0.9 kgCO2e/kg))
}
'''
PRODUCTS = [
    {"id": "A", "inputs": {"refrigerated": "3 d", "fridge_power": "0.02 kWh/d", "mass": "0.5 kg", "recycled": "60 %"}},
    {"id": "B", "inputs": {"refrigerated": "0 d", "fridge_power": "0.02 kWh/d", "mass": "0.5 kg", "recycled": "30 %"}},
    {"id": "C", "inputs": {"refrigerated": "10 d", "fridge_power": "0.02 kWh/d", "mass": "0.5 kg", "recycled": "30 %"}},
]
# A: 3 d x 0.02 = 0.06 kWh, max with 0.1 -> 0.1 kWh x 0.5 = 0.05; 60 % >= 50 %, 0.5 kg -> 0.2 x 0.5 = 0.1
# B: not refrigerated -> 0; 30 % -> |-0.9| x 0.5 = 0.45
# C: 10 d x 0.02 = 0.2 kWh x 0.5 = 0.1; 0.45
EXPECTED = {"A": (0.05, 0.1), "B": (0.0, 0.45), "C": (0.1, 0.45)}


@pytest.fixture(scope="module")
def plan(ws):
    return ws.compile(build_method(METHOD, "cold.pcf"), 2024)


@pytest.fixture(scope="module")
def result(ws, plan):
    return ws.evaluate(plan, pcf.Inventory.build(PRODUCTS))


def test_each_product_takes_its_branch(result):
    for p in result.products:
        use, eol = EXPECTED[p.id]
        assert p.stages["use"] == pytest.approx(use, rel=1e-12, abs=1e-15)
        assert p.stages["end_of_life"] == pytest.approx(eol, rel=1e-12)


def test_the_array_program_takes_each_column_s_branch(ws, plan, result):
    from pcf.analysis.batch import stack
    from pcf.evaluation.evaluate import bind
    prog = compile_program(plan)
    cat = stack(prog, [bind(plan, p, ws.kb, "<inv>") for p in pcf.Inventory.build(PRODUCTS).products])
    V = prog.run(cat.inputs, n=len(cat))
    _, stages, total = prog.totals(V, cat.divisor)
    assert total == pytest.approx([p.total for p in result.products], rel=1e-12)


def test_a_condition_on_a_drawn_value_is_decided_per_draw(ws, plan):
    prog = compile_program(plan)
    # four draws of refrigerated days around zero: 0 d, 1 d, 0 d, 8 d (in seconds, base units)
    days = np.array([0.0, 1.0, 0.0, 8.0]) * 86400
    inputs = {Key.input("refrigerated"): days,
              Key.input("fridge_power"): np.full(4, 0.02 * 3.6e6 / 86400),
              Key.input("mass"): np.full(4, 0.5), Key.input("recycled"): np.full(4, 0.6)}
    V = prog.run(inputs, n=4)
    use = V[prog.slot[Key.emission("use_power")]]
    # 0 -> 0; 1 d: max(0.02, 0.1) = 0.1 kWh -> 0.05; 8 d: 0.16 kWh -> 0.08
    assert use == pytest.approx([0.0, 0.05, 0.0, 0.08], rel=1e-12, abs=1e-15)


def test_explain_shows_the_branch_taken(result):
    text = render_tree(explain(result, "use_power"))
    assert "if refrigerated > 0 d" in text
    assert text.count("true: the then branch is taken") == 2 and text.count("false: the else branch is taken") == 1


@pytest.mark.parametrize("formula, message", [
    ("if refrigerated > 1 kg then 1 kgCO2e else 0 kgCO2e", "cannot compare"),
    ("if refrigerated > 0 d then 1 kgCO2e else 0 kWh", "the branches of `if` differ"),
    ("if refrigerated then 1 kgCO2e else 0 kgCO2e", "`if` tests a condition"),
    ("max(mass, 1 kWh) * 1 kgCO2e/kg", "the arguments of `max` differ"),
    ("(refrigerated > 0 d and mass) * 1 kgCO2e", "`and` takes a condition"),
])
def test_a_misused_condition_is_a_unit_error_at_its_place(ws, formula, message):
    text = METHOD.replace("emission use_power \"冷藏\" in use = cooling * 0.5 kgCO2e/kWh",
                          f"emission use_power \"冷藏\" in use = {formula}")
    with pytest.raises(pcf.PcfError) as e:
        ws.compile(build_method(text, "cold.pcf"), 2024)
    d = next(d for d in e.value.diagnostics if message in d.message)
    assert d.code == "unit-mismatch" and d.span.line == 13 and d.hint


@pytest.mark.parametrize("text", [
    "if a > b then a else b",
    "if a > 0 kWh and not b < 1 kWh or c == d then min(a, b, c) else abs(a - b)",
    "(if a > b then a else b) * 2",
    "-(if a != b then a else 0 kWh)",
    "sum(r in t: if r.x >= 1 t then r.x else 0 t)",
    "max(a, if b > c then b else c)",
])
def test_conditions_round_trip_through_the_printer(text):
    e = build_formula(text, "f")
    assert build_formula(format_expr(e), "g") == build_formula(text, "g") or \
        format_expr(build_formula(format_expr(e), "g")) == format_expr(e)
    assert format_expr(e) == text


def test_an_undecided_condition_on_intervals_takes_the_hull_of_both_branches():
    c = choices.binary(">", Interval(0.9, 1.1), 1.0)       # 0.9 .. 1.1 > 1: undecided
    assert (c.lo, c.hi) == (0.0, 1.0)
    r = choices.choose(c, Interval(2.0, 3.0), Interval(5.0, 6.0))
    assert (r.lo, r.hi) == (2.0, 6.0)
    sure = choices.choose(choices.binary(">", Interval(1.2, 1.3), 1.0), Interval(2.0, 3.0), 5.0)
    assert (sure.lo, sure.hi) == (2.0, 3.0)
    assert (choices.unary("abs", Interval(-2.0, 1.0)).lo, choices.unary("abs", Interval(-2.0, 1.0)).hi) == (0.0, 2.0)


def test_the_audit_of_a_case_with_conditions(ws, plan, tmp_path):
    """A printed total checked through an `if`: computed on intervals of the printed inputs."""
    from pcf.language.format import format_method as _f
    (tmp_path / "m.pcf").write_text(_f(plan.method), encoding="utf-8")
    (tmp_path / "inventory.toml").write_text(
        '[[product]]\nid = "A"\ninputs = { refrigerated = "3 d", fridge_power = "0.02 kWh/d", mass = "0.5 kg", '
        'recycled = "60 %" }\n', encoding="utf-8")
    (tmp_path / "case.toml").write_text('method = "m.pcf"\ninventory = "inventory.toml"\ndata_year = 2024\n'
                                        '[reported.A]\ntotal = "0.15 kgCO2e"\n', encoding="utf-8")
    assert not [f for f in ws.run_case(tmp_path).findings if f.code.startswith("reported")]
    text = (tmp_path / "case.toml").read_text(encoding="utf-8").replace("0.15 kgCO2e", "0.45 kgCO2e")
    (tmp_path / "case.toml").write_text(text, encoding="utf-8")
    assert [f for f in ws.run_case(tmp_path).findings if f.code == "reported-mismatch"]


def test_the_method_round_trips(plan):
    text = format_method(build_method(METHOD, "cold.pcf"))
    assert format_method(build_method(text, "again.pcf")) == text


def test_the_language_reference_example_compiles(ws):
    import re
    from pathlib import Path
    doc = (Path(__file__).resolve().parent.parent / "docs" / "language.md").read_text(encoding="utf-8")
    (text,) = [t for t in re.findall(r"```pcf\n(.*?)```", doc, flags=re.S) if "demo.choices" in t]
    head = 'method demo.choices "冷链饮料" {\n'
    plan = ws.compile(build_method(text.replace(head, head + '  standard "ISO 14067:2018"\n'
                                                '  boundary cradle_to_grave\n  gwp AR5\n'), "d.pcf"), 2024)
    p = ws.evaluate(plan, pcf.Inventory.build(PRODUCTS[:1])).products[0]
    # as product A above: 0.05 + 0.1
    assert p.total == pytest.approx(0.15, rel=1e-12)


def test_round_to_a_step_of_the_quantitys_unit(ws):
    """`round(x, step)` (issue 17 item 4): to the nearest multiple of a step of x's unit, halves away
    from zero as the standards round; unit-checked; on floats, arrays and intervals."""
    text = METHOD.replace('  emission use_power "冷藏" in use = cooling * 0.5 kgCO2e/kWh',
                          '  emission use_power "冷藏" in use = round(cooling * 0.5 kgCO2e/kWh, 0.01 kgCO2e)')
    plan = ws.compile(build_method(text, "cold.pcf"), 2024)
    r = ws.evaluate(plan, pcf.Inventory.build(PRODUCTS))
    # A: 0.05 -> 0.05; C: 0.1 -> 0.1; and 0.125 kgCO2e would be 0.13 (half away from zero)
    assert [p.stages["use"] for p in r.products] == pytest.approx([0.05, 0.0, 0.1], abs=1e-15)
    assert choices.round_to(0.125, 0.01) == pytest.approx(0.13) and choices.round_to(-0.125, 0.01) == pytest.approx(-0.13)
    assert choices.round_to(12.345, 0.01) == pytest.approx(12.35)
    assert choices.binary("round", Interval(0.124, 0.126), 0.01) == Interval(pytest.approx(0.12), pytest.approx(0.13))
    prog = compile_program(plan)
    V = prog.run({"input:refrigerated": np.array([3.0, 10.0]) * 86400, "input:fridge_power": 0.02 / 86400 * 3.6e6,
                  "input:mass": 0.5, "input:recycled": 0.6})
    assert prog.value(V, "emission:use_power") == pytest.approx([0.05, 0.1])
    with pytest.raises(pcf.PcfError) as e:
        ws.compile(build_method(text.replace("0.01 kgCO2e)", "0.01 kWh)"), "cold.pcf"), 2024)
    assert "the arguments of `round` differ" in e.value.diagnostics[0].message
    assert format_expr(build_formula("round(x, 0.1 kg)", "f")) == "round(x, 0.1 kg)"
