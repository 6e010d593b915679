"""Functional units with units (issue 17 item 2): "1 t grain", "1 hm²·a", "1 kWh delivered";
a product's quantity given in any unit of the functional unit's dimension is counted in
functional units. Hand arithmetic in each test."""
from __future__ import annotations

import json

import pytest

import pcf
from pcf.core.funit import read_functional_unit
from pcf.language.build import build_method

METHOD = '''method t.grain "小麦 每吨" {
  standard "ISO 14067:2018"
  boundary cradle_to_gate
  gwp AR5
  functional_unit "1 t grain"
  stage field "种植"
  input n : kg "施氮量" period
  input drying : kWh "每吨烘干用电" per_unit
  emission fert "化肥" in field = n * 5 kgCO2e/kg
  emission dry "烘干" in field = drying * 0.5 kgCO2e/kWh
}
'''


@pytest.mark.parametrize("text, value, unit, description", [
    ("1 台", 1.0, "台", None),
    ("1 t grain", 1.0, "t", "grain"),
    ("1 hm²·a", 1.0, "hm²·a", None),
    ("1 kWh delivered", 1.0, "kWh", "delivered"),
    ("1000 kg 水泥熟料", 1000.0, "kg", "水泥熟料"),
    ("一套系统", None, None, None),          # descriptive: no number
    ("1 份 套餐", None, None, None),          # 份 is not a unit pcf knows
])
def test_a_functional_unit_reads_as_number_unit_description(ws, text, value, unit, description):
    fu = read_functional_unit(text, ws.units)
    assert (fu.value, fu.unit, fu.description) == (value, unit, description)
    assert fu.text == text


@pytest.fixture(scope="module")
def plan(ws):
    return ws.compile(build_method(METHOD, "grain.pcf"), 2024)


def run(ws, plan, quantity, **extra):
    product = {"id": "W", "quantity": quantity, "amounts": "period",
               "inputs": {"n": "150 kg", "drying": "20 kWh"}, **extra}
    return ws.evaluate(plan, pcf.Inventory.build([product])).products[0]


def test_a_quantity_in_kg_is_counted_in_tonnes_of_grain(ws, plan):
    p = run(ws, plan, "6 500 kg")
    # 6500 kg = 6.5 t = 6.5 functional units. fert 150 kg x 5 = 750 kgCO2e for the field, / 6.5;
    # drying 20 kWh per t x 0.5 = 10 per t. Total 750 / 6.5 + 10 = 125.3846...; period 750 + 65 = 815
    assert p.quantity == pytest.approx(6.5, rel=1e-12)
    assert p.total == pytest.approx(750 / 6.5 + 10, rel=1e-12)
    assert p.yearly_total == pytest.approx(815.0, rel=1e-12)
    assert p.quantity_given == "6500 kg"


def test_a_quantity_in_the_functional_unit_s_own_unit_and_a_plain_count_agree(ws, plan):
    assert run(ws, plan, "6.5 t").total == pytest.approx(run(ws, plan, 6.5).total, rel=1e-12)


def test_a_quantity_of_another_dimension_is_an_error_at_its_place(ws, plan, tmp_path):
    (tmp_path / "inv.toml").write_text('[[product]]\nid = "W"\nquantity = "2 hm²"\namounts = "period"\n'
                                       'inputs.n = "150 kg"\ninputs.drying = "20 kWh"\n', encoding="utf-8")
    from pcf.inputs.inventory import load_inventory
    inv = load_inventory(tmp_path / "inv.toml")
    with pytest.raises(pcf.PcfError) as e:
        ws.evaluate(plan, inv)
    (d,) = e.value.diagnostics
    assert d.code == "unit-mismatch" and 'functional units of "1 t grain"' in d.message
    assert d.span.line == 3 and d.hint == "give the quantity in t, or as a number of functional units"


def test_a_quantity_with_a_unit_needs_a_functional_unit_with_one(ws, plan):
    with pytest.raises(pcf.PcfError) as e:
        run(ws, plan, "6500 kg", functional_unit="一批小麦")
    (d,) = e.value.diagnostics
    assert d.code == "inventory" and '"一批小麦"' in d.message


def test_the_period_total_names_the_reference_flow(ws, plan, tmp_path):
    from pcf.render.text import render_result
    r = ws.evaluate(plan, pcf.Inventory.build([{"id": "W", "quantity": "6 500 kg", "amounts": "period",
                                                 "inputs": {"n": "150 kg", "drying": "20 kWh"}}]))
    text = render_result(r)
    assert "quantity 6500 kg = 6.5" in text
    assert "period total (6500 kg = 6.5 × 1 t grain): 815.0000 kgCO2e" in text
    doc = json.loads(json.dumps(r.to_dict()))
    assert doc["products"][0]["quantity"] == 6.5 and doc["products"][0]["quantity_given"] == "6500 kg"


def test_a_battery_per_kwh_delivered(ws):
    """Worked case (b) in miniature: the reference flow is capacity x cycles x depth of discharge."""
    text = '''method t.battery "电池包 每 kWh 交付电量" {
  standard "ISO 14067:2018"
  boundary cradle_to_gate
  gwp AR5
  functional_unit "1 kWh delivered"
  stage production "生产"
  input cells : kg "电芯" period
  emission cell_making "电芯制造" in production = cells * 12 kgCO2e/kg
}
'''
    plan = ws.compile(build_method(text, "battery.pcf"), 2024)
    # one pack: 60 kWh x 3000 cycles x 0.8 depth of discharge = 144 000 kWh delivered over its life
    inv = pcf.Inventory.build([{"id": "P", "quantity": "144 MWh", "amounts": "period",
                                "inputs": {"cells": "300 kg"}}])
    p = ws.evaluate(plan, inv).products[0]
    # 300 kg x 12 = 3600 kgCO2e per pack / 144 000 kWh = 0.025 kgCO2e per kWh delivered
    assert p.quantity == pytest.approx(144000.0, rel=1e-12)
    assert p.total == pytest.approx(0.025, rel=1e-12)


def test_a_period_named_by_the_inventory_gives_a_second_functional_unit(ws, plan):
    """Per tonne of grain and per hectare-year: the inventory covers 1 hm²·a, which yields 6.5 t."""
    from pcf.render.text import render_result
    r = ws.evaluate(plan, pcf.Inventory.build([{"id": "W", "quantity": "6.5 t", "amounts": "period",
                                                 "period": "1 hm²·a",
                                                 "inputs": {"n": "150 kg", "drying": "20 kWh"}}]))
    p = r.products[0]
    # per hm²·a: 150 x 5 + 6.5 t x 20 kWh x 0.5 = 750 + 65 = 815 kgCO2e
    assert p.period == "1 hm²·a" and p.yearly_total == pytest.approx(815.0, rel=1e-12)
    assert "per 1 hm²·a (6.5 t = 6.5 × 1 t grain): 815.0000 kgCO2e" in render_result(r)
    assert r.to_dict()["products"][0]["period"] == "1 hm²·a"


def test_a_wide_catalogue_counts_a_quantity_column_in_its_header_unit(ws, plan, tmp_path):
    """pcf batch reads `quantity [kg]` as an inventory reads "6500 kg": 6.5 tonnes of grain."""
    from pcf.analysis.batch import load_catalogue
    from pcf.evaluation.lowering import compile_program
    prog = compile_program(plan)
    path = tmp_path / "c.csv"
    path.write_text("product,quantity [kg],n [kg],drying [kWh]\nW,6500,150,20\n", encoding="utf-8")
    cat = load_catalogue(path, prog, ws.kb)
    _, _, total = prog.totals(prog.run(cat.inputs, n=len(cat)), cat.divisor)
    # as above: 750 / 6.5 + 10
    assert cat.divisor[0] == pytest.approx(6.5, rel=1e-12)
    assert total[0] == pytest.approx(750 / 6.5 + 10, rel=1e-12)
    path.write_text("product,quantity [hm2],n [kg],drying [kWh]\nW,2,150,20\n", encoding="utf-8")
    with pytest.raises(pcf.PcfError) as e:
        load_catalogue(path, prog, ws.kb)
    assert e.value.diagnostics[0].code == "unit-mismatch" and "column `quantity`" in e.value.diagnostics[0].message
