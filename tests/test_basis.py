"""Substance bases: kg C, kg CO2, kg N2O-N, kg N2O, kg CH4 and CO2e under a GWP set (issue 9)."""
from __future__ import annotations

from pathlib import Path

import pytest

import pcf
from pcf.language.build import build_method

HERE = Path(__file__).resolve().parent


def method(body: str, gwp: str = "AR5", extra: str = "") -> str:
    return (f'method t.m "t" {{\n  standard "ISO 14067:2018"\n  boundary cradle_to_gate\n  gwp {gwp}\n{extra}'
            f'  stage s "S"\n{body}\n}}\n')


def compile_(ws, text, year=2024):
    return ws.compile(build_method(text, "m.pcf"), year)


def codes(ws, text):
    with pytest.raises(pcf.PcfError) as e:
        compile_(ws, text)
    return [d.code for d in e.value.diagnostics]


def evaluate(ws, text, inputs):
    plan = compile_(ws, text)
    return ws.evaluate(plan, pcf.Inventory.build([{"id": "x", "inputs": inputs}])).products[0]


def test_carbon_to_co2_is_a_declared_step(ws):
    # 2 kgC x 44/12 = 7.3333 kgCO2, counted as CO2e where the method says other gases are negligible
    text = method("  input c : kgC\n  emission e in s = c * 44/12", extra='  non_co2_negligible "test"\n')
    assert evaluate(ws, text, {"c": "2 kgC"}).total == pytest.approx(2 * 44 / 12)


def test_44_12_on_co2_is_an_error(ws):
    text = method("  input f : kg\n  emission e in s = f * kb.cn.fuel.gl2015.diesel.ef * 44/12",
                  extra='  non_co2_negligible "test"\n')
    assert "basis-conversion" in codes(ws, text)


def test_44_28_on_n2o_is_an_error(ws):
    text = method("  input x : kgN2O\n  emission e in s = x * 44/28 * kb.gwp.n2o")
    assert "basis-conversion" in codes(ws, text)


def test_the_fuel_factor_reads_as_the_guideline_writes_it(ws):
    # NCV [GJ/t] x CC [tC/TJ] x OF x 44/12 is tCO2/t because 44/12 is the C -> CO2 step
    text = method("  input d : t\n  let ef = kb.cn.fuel.gl2015.diesel.ncv * kb.cn.fuel.gl2015.diesel.carbon_content"
                  " * kb.cn.fuel.gl2015.diesel.oxidation * 44/12\n  emission e in s = d * ef",
                  extra='  non_co2_negligible "combustion CH4/N2O negligible"\n')
    p = evaluate(ws, text, {"d": "1 t"})
    assert p.total == pytest.approx(42.652 * 20.2 * 0.98 * 44 / 12)   # kgCO2 per t = 3095.9 kg


def test_without_44_12_the_fuel_factor_is_carbon_not_co2(ws):
    text = method("  input d : t\n  emission e in s = d * kb.cn.fuel.gl2015.diesel.ncv"
                  " * kb.cn.fuel.gl2015.diesel.carbon_content * kb.cn.fuel.gl2015.diesel.oxidation",
                  extra='  non_co2_negligible "x"\n')
    assert codes(ws, text) == ["not-co2e"]


def test_co2_plus_co2e_is_an_error(ws):
    text = method("  input a : kWh\n  let x = a * kb.cn.electricity.co2.national + a * kb.cn.electricity.cfp.national\n"
                  "  emission e in s = x")
    with pytest.raises(pcf.PcfError) as e:
        compile_(ws, text, 2023)
    (d,) = e.value.diagnostics
    assert d.code == "unit-mismatch" and "different families" in d.hint


def test_co2_only_emission_needs_the_declaration(ws):
    text = method("  input a : kWh\n  emission e in s = a * kb.cn.electricity.co2.national")
    with pytest.raises(pcf.PcfError) as e:
        compile_(ws, text, 2023)
    assert e.value.diagnostics[0].code == "not-co2e"
    assert "non_co2_negligible" in e.value.diagnostics[0].hint


def test_co2_counted_as_co2e_is_recorded(ws):
    text = method("  input a : kWh\n  emission e in s = a * kb.cn.electricity.co2.national",
                  extra='  non_co2_negligible "grid CH4/N2O negligible"\n')
    plan = compile_(ws, text, 2023)
    r = ws.evaluate(plan, pcf.Inventory.build([{"id": "x", "inputs": {"a": "1000 kWh"}}]))
    assert r.products[0].total == pytest.approx(1000 * 0.5306)      # 2023 national CO2 factor
    (f,) = [f for f in r.findings if f.code == "co2-counted-as-co2e"]
    assert "grid CH4/N2O negligible" in f.message and f.severity == "info"


def test_a_gas_needs_its_gwp(ws):
    text = method("  input m : kgCH4\n  emission e in s = m")
    with pytest.raises(pcf.PcfError) as e:
        compile_(ws, text)
    d = e.value.diagnostics[0]
    assert d.code == "not-co2e" and "kb.gwp.ar5.ch4" in d.hint


def test_gwp_of_another_set_is_an_error(ws):
    text = method("  input m : kgCH4\n  emission e in s = m * kb.gwp.ar6.ch4")
    assert codes(ws, text) == ["bad-setting"]


@pytest.mark.parametrize("gwp, ch4, n2o", [("AR4", 25, 298), ("AR5", 28, 265), ("AR6", 27.9, 273)])
def test_switching_the_gwp_set_changes_the_result_by_the_tables(ws, gwp, ch4, n2o):
    text = method("  input m : kgCH4\n  input n : kgN2O\n  emission a in s = m * kb.gwp.ch4\n"
                  "  emission b in s = n * kb.gwp.n2o", gwp=gwp)
    p = evaluate(ws, text, {"m": "10 kgCH4", "n": "2 kgN2O"})
    assert p.total == pytest.approx(10 * ch4 + 2 * n2o)


def test_fossil_and_non_fossil_methane_are_distinct_under_ar6(ws):
    text = method("  input f : kgCH4_fossil\n  input b : kgCH4_nonfossil\n"
                  "  emission a in s = f * kb.gwp.ch4_fossil\n  emission c in s = b * kb.gwp.ch4_nonfossil", gwp="AR6")
    p = evaluate(ws, text, {"f": "1 kgCH4_fossil", "b": "1 kgCH4_nonfossil"})
    assert p.total == pytest.approx(29.8 + 27.0)
    # adding fossil to non-fossil methane before characterisation is a unit error
    bad = method("  input f : kgCH4_fossil\n  input b : kgCH4_nonfossil\n"
                 "  emission a in s = (f + b) * kb.gwp.ch4_fossil", gwp="AR6")
    assert "unit-mismatch" in codes(ws, bad)


def test_field_n2o_given_as_n2o_n_per_hectare(ws):
    r = ws.run_case(HERE / "fixtures" / "cases" / "fertiliser-n2o")
    # 10 ha x 1.5 kgN2O-N/ha x 44/28 x 298 (AR4) = 7024.2857 kgCO2e
    assert r.products[0].total == pytest.approx(10 * 1.5 * 44 / 28 * 298)


def test_printed_n2o_n_times_gwp_is_flagged_with_the_slip_named(ws):
    r = ws.run_case(HERE / "fixtures" / "cases" / "fertiliser-n2o")
    (f,) = [f for f in r.findings if f.code == "reported-mismatch"]
    assert f.where == "products.wheat.total"
    assert "44/28 conversion is missing" in f.message


def test_audit_names_a_tonne_kilogram_slip(ws, tmp_path):
    # a printed 1000x too small figure (t printed as kg) is named as such
    case = HERE / "fixtures" / "cases" / "fertiliser-n2o"
    for name in ("method.pcf", "inventory.toml"):
        (tmp_path / name).write_text((case / name).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "case.toml").write_text('method = "method.pcf"\ninventory = "inventory.toml"\n'
                                        'data_year = 2024\n[reported.wheat]\ntotal = "7.024 kgCO2e"\n',
                                        encoding="utf-8")
    (f,) = [f for f in ws.run_case(tmp_path).findings if f.code == "reported-mismatch"]
    assert "[slip `unit-t-as-kg`]" in f.message


def test_a_pinned_unconfirmed_derived_factor_is_a_deliberate_choice(ws):
    body = "  input kero : t\n  emission e in s = kero * kb.cn.fuel.gl2015.kerosene.ef{pin}"
    extra = '  non_co2_negligible "combustion"\n'
    with pytest.raises(pcf.PcfError) as e:
        compile_(ws, method(body.format(pin=""), extra=extra))
    assert e.value.diagnostics[0].code == "kb-not-default"
    plan = compile_(ws, method(body.format(pin="[2015]"), extra=extra))
    r = ws.evaluate(plan, pcf.Inventory.build([{"id": "x", "inputs": {"kero": "1 t"}}]))
    # 43.070 GJ/t x 19.5 tC/TJ x 0.98 x 44/12 = 3017.9 kgCO2/t (kerosene CC unconfirmed: 19.5 vs 19.6)
    assert r.products[0].total == pytest.approx(43.070 * 19.5 * 0.98 * 44 / 12)
    assert "unconfirmed-factor" in [f.code for f in r.findings]
