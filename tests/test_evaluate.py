"""Binding an inventory to a plan and running the plan (engine/evaluation/evaluate.py), on their own."""
from __future__ import annotations

import pytest

import pcf
from pcf.language.build import build_method
from pcf.evaluation.evaluate import as_intervals, bind, emissions_fed, removal_only, run
from pcf.checks.interval import Interval
from pcf.core.keys import Key

BODY = ('  input power : kWh\n  input gas : m3 optional\n  input credit : kgCO2e\n'
        '  table legs { mass : t  distance : km }\n'
        '  let freight = sum(leg in legs: leg.mass * leg.distance)\n'
        '  emission e in s = power * 0.5 kgCO2e/kWh + gas * 2 kgCO2e/m3\n'
        '  emission t in s = freight * 0.1 kgCO2e/(t*km)\n'
        '  emission r in s [removal] = credit')


@pytest.fixture(scope="module")
def plan(ws):
    text = ('method t.e "t" {\n  standard "ISO 14067:2018"\n  boundary cradle_to_gate\n  gwp AR5\n'
            f'  stage s "S"\n{BODY}\n}}\n')
    return ws.compile(build_method(text, "e.pcf"), 2024)


def product(**inputs):
    legs = inputs.pop("legs", [{"mass": "2 t", "distance": "100 km"}])
    return pcf.Inventory.build([{"id": "p", "inputs": inputs, "legs": legs}]).products[0]


def test_bind_puts_amounts_in_base_units_and_counts_an_optional_input_not_given(ws, plan):
    b = bind(plan, product(power="10 kWh", credit="-3 kgCO2e"), ws.kb, "<inv>")
    assert b.values[Key.input("power")] == pytest.approx(10 * 3.6e6)     # 1 kWh = 3.6e6 J
    assert b.values[Key.input("gas")] == 0.0 and b.not_given == ("gas",)
    assert list(b.values[Key.table("legs")]["mass"]) == [2000.0]          # 2 t = 2000 kg
    # printed "10 kWh": half a unit of the last digit, 0.5 kWh = 1.8e6 J
    assert b.widths[Key.input("power")] == pytest.approx(0.5 * 3.6e6)


def test_bind_collects_every_problem_of_a_product(ws, plan):
    with pytest.raises(pcf.PcfError) as e:
        bind(plan, product(power="10 kg", credit="1 kgCO2e", extra="1 kg"), ws.kb, "<inv>")
    assert sorted(d.code for d in e.value.diagnostics) == ["inventory", "unit-mismatch"]


def test_a_negative_amount_only_where_every_emission_it_feeds_is_a_removal(ws, plan):
    assert removal_only(plan, Key.input("credit")) and not removal_only(plan, Key.input("power"))
    assert emissions_fed(plan, Key.table("legs")) == {"t"}
    with pytest.raises(pcf.PcfError) as e:
        bind(plan, product(power="-1 kWh", credit="1 kgCO2e"), ws.kb, "<inv>")
    assert [d.code for d in e.value.diagnostics] == ["bad-number"]


def test_run_computes_every_node_from_the_bound_values(ws, plan):
    b = bind(plan, product(power="10 kWh", gas="4 m3", credit="-3 kgCO2e"), ws.kb, "<inv>")
    v = run(plan, b.values)
    # e = 10 kWh x 0.5 + 4 m3 x 2 = 5 + 8 = 13 kgCO2e; freight = 2 t x 100 km = 200 t km, in base units
    # 2000 kg x 100 000 m = 2e8 kg m; t = 200 t km x 0.1 = 20 kgCO2e; r = -3 kgCO2e
    assert v[Key.emission("e")] == pytest.approx(13.0)
    assert v[Key.let("freight")] == pytest.approx(2e8)
    assert v[Key.emission("t")] == pytest.approx(20.0)
    assert v[Key.emission("r")] == -3.0


def test_run_on_intervals_widens_by_the_printed_digits(ws, plan):
    b = bind(plan, product(power="10 kWh", credit="3 kgCO2e"), ws.kb, "<inv>")
    iv = run(plan, as_intervals(b))[Key.emission("e")]
    # power in [9.5, 10.5] kWh, gas not given (0): e in [4.75, 5.25] kgCO2e
    assert isinstance(iv, Interval) and (iv.lo, iv.hi) == (pytest.approx(4.75), pytest.approx(5.25))


def test_a_division_by_zero_names_the_formula(ws):
    text = ('method t.z "t" {\n  standard "ISO 14067:2018"\n  boundary cradle_to_gate\n  gwp AR5\n'
            '  stage s "S"\n  input a : kgCO2e\n  input b : kg\n  let per = 1 kg / b\n'
            '  emission e in s = a * per\n}\n')
    plan = ws.compile(build_method(text, "z.pcf"), 2024)
    b = bind(plan, pcf.Inventory.build([{"id": "p", "inputs": {"a": "1 kgCO2e", "b": "0 kg"}}]).products[0],
             ws.kb, "<inv>")
    with pytest.raises(pcf.PcfError) as e:
        run(plan, b.values)
    (d,) = e.value.diagnostics
    assert (d.code, d.message) == ("bad-number", "division by zero in `per`")
