"""Units a field user types (issue 17 item 8): superscript powers, hm² and 亩, nutrient bases,
Chinese counting and time units, in method files and inventories alike."""
from __future__ import annotations

import pytest

import pcf
from pcf.core.units import normalise
from pcf.language.build import build_method
from pcf.language.format import format_method


@pytest.mark.parametrize("text, scale", [
    ("hm²", 1e4), ("hm2", 1e4),           # a hectometre squared is a hectare, 100 m x 100 m
    ("km2", 1e6), ("cm2", 1e-4), ("mm2", 1e-6),   # never pint's prefix on a `m2` unit (km2 was 1000 m²)
    ("cm3", 1e-6), ("dm3", 1e-3), ("m3", 1.0), ("万m3", 1e4),
    ("亩", 1e4 / 15), ("mu", 1e4 / 15),   # 1 亩 = 1/15 hm² = 666.67 m²
    ("kg/hm²", 1e-4), ("kg·hm⁻²", 1e-4), ("t/hm2", 1000 / 1e4), ("kg/亩", 15 / 1e4),
    ("瓶", 1.0), ("袋", 1.0), ("箱", 1.0), ("件", 1.0),
    ("天", 86400.0), ("年", 365.25 * 86400), ("月", 365.25 * 86400 / 12),
])
def test_field_units_have_their_scale(ws, text, scale):
    assert ws.units.parse(text).scale == pytest.approx(scale, rel=1e-12)


def test_superscripts_read_as_powers():
    assert normalise("kg·hm⁻²") == "kg*hm**-2"
    assert normalise("m³") == "m**3" and normalise("Nm³") == "Nm3"


def test_a_nutrient_is_a_dimension_of_its_own(ws):
    assert ws.units.parse("kgP2O5").dim != ws.units.parse("kg").dim
    assert ws.units.parse("tK2O").scale == pytest.approx(1000.0)
    assert ws.units.parse("kgP2O5").dim != ws.units.parse("kgK2O").dim


METHOD = '''method t.field "田间" {
  standard "ISO 14067:2018"
  boundary cradle_to_gate
  gwp AR5
  functional_unit "1 袋"
  stage field "种植"
  input area : hm² "播种面积"
  input n_rate : kg·hm⁻² "施氮量"
  input p_rate : kgP2O5/hm2 "磷肥用量"
  input days : 天 "灌溉天数"
  emission fert "化肥" in field = area * n_rate * 5 kgCO2e/kg + area * p_rate * 1.5 kgCO2e/kgP2O5
  emission pump "灌溉" in field = days * 2 kgCO2e/天
}
'''


def test_a_method_in_field_units_computes_by_hand(ws):
    plan = ws.compile(build_method(METHOD, "field.pcf"), 2024)
    inv = pcf.Inventory.build([{"id": "F", "inputs": {
        "area": "30 亩", "n_rate": "150 kg/hm²", "p_rate": "6 kgP2O5/亩", "days": "2 月"}}])
    p = ws.evaluate(plan, inv).products[0]
    # area 30 亩 = 2 hm²; N 2 hm² x 150 kg/hm² x 5 = 1500; P 6 kgP2O5/亩 = 90 kgP2O5/hm², x 2 x 1.5 = 270
    # pump: 2 月 = 365.25 x 2 / 12 = 60.875 天, x 2 = 121.75
    assert p.lines[0].value == pytest.approx(1770.0, rel=1e-12)
    assert p.lines[1].value == pytest.approx(121.75, rel=1e-12)


def test_field_units_round_trip_through_the_printer():
    m = build_method(METHOD, "field.pcf")
    assert [i.unit for i in m.inputs] == ["hm²", "kg·hm⁻²", "kgP2O5/hm2", "天"]
    assert format_method(build_method(format_method(m), "again.pcf")) == format_method(m)


def test_a_nutrient_factor_on_a_product_mass_is_a_unit_error(ws):
    text = METHOD.replace("area * p_rate * 1.5 kgCO2e/kgP2O5", "area * p_rate * 1.5 kgCO2e/kg")
    with pytest.raises(pcf.PcfError) as e:
        ws.compile(build_method(text, "field.pcf"), 2024)
    assert "unit-mismatch" in {d.code for d in e.value.diagnostics}
