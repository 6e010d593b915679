"""Laws that hold for every inventory: linearity, shares, order independence, unit round trips."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

import pcf

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def plan(ws):
    return ws.compile(ws.method("gbt24067.electrical"), data_year=2024)


INPUTS = {"rm_electricity": "kWh", "rm_natural_gas": "m3", "rm_transport_diesel": "kg",
          "production_electricity": "kWh", "production_diesel": "kg", "product_transport_diesel": "kg",
          "eol_electricity": "kWh", "eol_natural_gas": "m3"}
LINE_OF = {"rm_electricity": "rm_power", "rm_natural_gas": "rm_gas", "rm_transport_diesel": "rm_transport",
           "production_electricity": "production_power", "production_diesel": "production_fuel",
           "product_transport_diesel": "product_transport", "eol_electricity": "eol_power",
           "eol_natural_gas": "eol_gas"}

amounts = st.fixed_dictionaries({k: st.floats(0.001, 1e6, allow_nan=False) for k in INPUTS})


def inventory(values):
    return pcf.Inventory.build([{"id": "x", "inputs": {k: f"{v!r} {INPUTS[k]}" for k, v in values.items()}}])


@settings(max_examples=60, deadline=None)
@given(values=amounts, which=st.sampled_from(sorted(INPUTS)))
def test_doubling_an_activity_doubles_its_emission(ws, plan, values, which):
    base = ws.evaluate(plan, inventory(values)).products[0]
    doubled = ws.evaluate(plan, inventory({**values, which: values[which] * 2})).products[0]
    lines = {l.name: l.value for l in base.lines}
    lines2 = {l.name: l.value for l in doubled.lines}
    assert lines2[LINE_OF[which]] == pytest.approx(2 * lines[LINE_OF[which]], rel=1e-12)
    for name in lines:
        if name != LINE_OF[which]:
            assert lines2[name] == lines[name]


@settings(max_examples=60, deadline=None)
@given(values=amounts)
def test_shares_add_to_one_and_stages_to_the_total(ws, plan, values):
    p = ws.evaluate(plan, inventory(values)).products[0]
    assert sum(p.shares.values()) == pytest.approx(1.0, rel=1e-12)
    assert sum(p.stages.values()) == pytest.approx(p.total, rel=1e-12)
    assert all(0 <= s <= 1 for s in p.shares.values())


@settings(max_examples=40, deadline=None)
@given(values=amounts)
def test_amount_units_are_interchangeable(ws, plan, values):
    # the same electricity in kWh, MWh and 万kWh gives the same result
    a = ws.evaluate(plan, inventory(values)).products[0].total
    v = dict(values)
    inv = {k: f"{x!r} {INPUTS[k]}" for k, x in v.items()}
    inv["rm_electricity"] = f"{v['rm_electricity'] / 1000!r} MWh"
    inv["eol_electricity"] = f"{v['eol_electricity'] / 1e4!r} 万kWh"
    inv["rm_transport_diesel"] = f"{v['rm_transport_diesel'] / 1000!r} t"
    b = ws.evaluate(plan, pcf.Inventory.build([{"id": "x", "inputs": inv}])).products[0].total
    assert b == pytest.approx(a, rel=1e-12)


@settings(max_examples=100, deadline=None)
@given(x=st.floats(1e-9, 1e12, allow_nan=False),
       unit=st.sampled_from(["kWh", "MWh", "万kWh", "GJ", "TJ", "t", "kg", "km", "t·km", "m3", "万Nm3",
                             "tCO2e", "kgCO2e/kWh", "tCO2/MWh", "tC/TJ", "GJ/万Nm3", "kgCO2e/(t·km)"]))
def test_unit_round_trip_is_exact(ws, x, unit):
    spec = ws.units.parse(unit)
    assert spec.from_base(spec.to_base(x)) == pytest.approx(x, rel=1e-15)


def test_declaration_order_does_not_matter(ws):
    """Same inputs, same outputs, whatever the order of the method's declarations."""
    path = ROOT / "methods" / "iso14067" / "electrical.pcf"
    text = path.read_text(encoding="utf-8")
    head, body = text.split("{", 1)
    body, tail = body.rsplit("}", 1)
    # one declaration per statement start; reverse them
    stmts = re.split(r"\n(?=  (?:stage|input|let|emission|table|standard|boundary|gwp|functional_unit"
                     r"|factor_year|non_co2_negligible)\b)", body)
    reordered = head + "{" + "\n".join(reversed([s for s in stmts if s.strip()])) + "\n}" + tail
    from pcf.language.build import build_method
    m2 = ws.resolve(build_method(reordered, "reordered.pcf"))
    case = ROOT / "examples" / "seed-003-metering-box"
    r1 = ws.run_case(case, "iso14067.electrical")
    from pcf.inputs.case import load_case
    c = load_case(case)
    r2 = ws.evaluate(ws.compile(m2, c.data_year), c.inventory)
    assert r2.products[0].total == r1.products[0].total
    assert set(r2.products[0].stages) == set(r1.products[0].stages)
