"""Method variants (extends / override) and the rules of the standards (issue: method variants)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import pcf
from pcf.language.build import build_method
from pcf.inputs.case import load_case

ROOT = Path(__file__).resolve().parent.parent
SEED_003 = ROOT / "examples" / "seed-003-metering-box"
SEED_004 = ROOT / "examples" / "seed-004-distribution-units"


def library(tmp_path, files: dict[str, str]):
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    units = pcf.Workspace.load().units
    from pcf.knowledge.kb import DEFAULT_KB_DIR, load_kb
    return pcf.Workspace(units, load_kb(DEFAULT_KB_DIR, units), tmp_path)


BASE = '''method t.base "base" {
  standard "ISO 14067:2018"
  boundary cradle_to_gate
  gwp AR5
  stage production "P"
  input power : kWh
  let ef = kb.cn.electricity.cfp.national[2024]
  emission e in production = power * ef
}
'''


def test_a_variant_inherits_and_overrides(tmp_path):
    ws = library(tmp_path, {"base.pcf": BASE, "v.pcf": '''method t.v "variant" extends t.base {
  override let ef = kb.cn.electricity.cfp.national[2023]
  stage transport "T"
  input km : t·km
  emission road in transport = km * kb.cn.cpcd.transport.truck_heavy_diesel_18t
}
'''})
    m = ws.method("t.v")
    assert m.bases == ("t.base",)
    assert [o.key for o in m.overrides] == ["name:ef"]
    plan = ws.compile(m, 2024)
    r = ws.evaluate(plan, pcf.Inventory.build([{"id": "x", "inputs": {"power": "100 kWh", "km": "10 t·km"}}]))
    # 100 kWh x 0.6205 (2023 CFP factor, the override) + 10 t·km x 0.129
    assert r.products[0].total == pytest.approx(100 * 0.6205 + 10 * 0.129)
    assert list(r.products[0].stages) == ["production", "transport"]


def test_an_override_of_nothing_is_an_error(tmp_path):
    ws = library(tmp_path, {"base.pcf": BASE, "v.pcf": 'method t.v "v" extends t.base {\n  override let eff = 1 kgCO2e\n}\n'})
    with pytest.raises(pcf.PcfError) as e:
        ws.method("t.v")
    (d,) = e.value.diagnostics
    assert d.code == "override" and d.span.line == 2 and "did you mean `ef`" in d.hint


def test_redefining_without_override_points_at_both_places(tmp_path):
    ws = library(tmp_path, {"base.pcf": BASE, "v.pcf": 'method t.v "v" extends t.base {\n  let ef = 1 kgCO2e/kWh\n}\n'})
    with pytest.raises(pcf.PcfError) as e:
        ws.method("t.v")
    (d,) = e.value.diagnostics
    assert d.code == "duplicate" and "override" in d.hint
    assert d.related[0][1].path.endswith("base.pcf") and d.related[0][1].line == 7


def test_override_in_a_base_method_is_an_error(tmp_path):
    ws = library(tmp_path, {"b.pcf": BASE.replace("  gwp AR5", "  override gwp AR5")})
    with pytest.raises(pcf.PcfError) as e:
        ws.method("t.base")
    assert e.value.diagnostics[0].code == "override"


def test_extends_cycle(tmp_path):
    ws = library(tmp_path, {"a.pcf": 'method t.a "a" extends t.b {\n}\n', "b.pcf": 'method t.b "b" extends t.a {\n}\n'})
    with pytest.raises(pcf.PcfError) as e:
        ws.method("t.a")
    assert e.value.diagnostics[0].code == "cycle" and "t.a -> t.b -> t.a" in e.value.diagnostics[0].message


def test_unknown_base(tmp_path):
    ws = library(tmp_path, {"a.pcf": 'method t.a "a" extends t.bsae {\n}\n', "b.pcf": BASE})
    with pytest.raises(pcf.PcfError) as e:
        ws.method("t.a")
    assert e.value.diagnostics[0].code == "method-not-found"


def test_seed_003_under_three_standards(ws):
    """The numbers agree (the methods declare the same formulas); the rules differ."""
    results = {m: ws.run_case(SEED_003, m) for m in
               ("gbt24067.electrical", "iso14067.electrical", "pas2050.electrical")}
    totals = {m: r.products[0].total for m, r in results.items()}
    assert len(set(totals.values())) == 1
    assert {m: r.to_dict()["method"]["standard"] for m, r in results.items()} == {
        "gbt24067.electrical": "GB/T 24067-2024", "iso14067.electrical": "ISO 14067:2018",
        "pas2050.electrical": "PAS 2050:2011"}
    sep = {m: r.to_dict()["products"][0].get("reported_separately") for m, r in results.items()}
    assert sep["iso14067.electrical"] == {"biogenic_emissions": 0, "biogenic_removals": 0, "biogenic": 0, "dluc": 0,
                                          "aircraft": 0}
    assert sep["pas2050.electrical"] == {"offset": 0}
    gwp = {m: next(f.message for f in r.findings if f.code == "gwp-set") for m, r in results.items()}
    assert "PAS 2050" in gwp["pas2050.electrical"] and "ISO 14067" in gwp["iso14067.electrical"]


def test_switching_to_a_pas_variant_changes_the_allocation_verdict(ws):
    iso = ws.run_case(SEED_004)
    assert not [f for f in iso.findings if f.code == "allocation-hierarchy"]
    # under PAS 2050 economic allocation comes first: physical allocation needs a reason
    from pcf.api import evaluate
    case = load_case(SEED_004)
    m = ws.resolve(build_method(
        'method t.pas "p" extends iso14067.machinery_transport {\n'
        '  override rule allocation reading "PAS 2050:2011 8.1" { hierarchy: economic }\n}\n', "t.pcf"))
    r = evaluate(ws.compile(m, 2023), case.inventory, ws.kb)
    (f,) = [f for f in r.findings if f.code == "allocation-hierarchy"]
    assert "economic" in f.message and f.severity == "warning"


# --- each rule fires, and stays quiet --------------------------------------------------

def run(ws, body: str, inputs: dict, extra_products: dict | None = None, year=2024, boundary="cradle_to_gate"):
    text = ('method t.r "r" {\n  standard "ISO 14067:2018"\n  boundary ' + boundary + '\n  gwp AR5\n'
            '  non_co2_negligible "test"\n' + body + '\n}\n')
    plan = ws.compile(build_method(text, "r.pcf"), year)
    return ws.evaluate(plan, pcf.Inventory.build([{"id": "x", **inputs}]))


STAGES = '  stage raw_material "R"\n  stage production "P"\n  input power : kWh\n' \
         '  emission e in production = power * kb.cn.electricity.cfp.national[2024]\n'


def codes(result):
    return [f.code for f in result.findings]


def test_boundary_complete_fires_and_is_quiet(ws):
    rule = '  rule boundary_complete reading { cradle_to_gate: raw_material, production ' \
           'cradle_to_grave: raw_material, production, use, end_of_life }\n'
    quiet = run(ws, STAGES + rule, {"inputs": {"power": "1 kWh"}})
    assert "boundary-incomplete" not in codes(quiet)
    fired = run(ws, STAGES + rule, {"inputs": {"power": "1 kWh"}}, boundary="cradle_to_grave")
    (f,) = [f for f in fired.findings if f.code == "boundary-incomplete"]
    assert "use, end_of_life" in f.message
    excluded = STAGES + '  stage use "U" excluded "no energy in use"\n  stage end_of_life "E" excluded "recycled"\n'
    assert "boundary-incomplete" not in codes(run(ws, excluded + rule, {"inputs": {"power": "1 kWh"}},
                                                   boundary="cradle_to_grave"))


def test_cutoff_mass_fires_and_is_quiet(ws):
    body = STAGES + '  table materials "M" { mass : t }\n' \
        '  emission m in raw_material = sum(r in materials: r.mass) * 2 kgCO2e/kg\n' \
        '  rule cutoff reading { basis: mass  per_input: 1 %  total: 5 %  included: materials.mass }\n'
    base = {"inputs": {"power": "1 kWh"}, "materials": [{"mass": "99 t"}]}
    # 0.5 t left out of 99.5 t = 0.50 %: under 1 % each and 5 % in total
    quiet = run(ws, body, {**base, "left_out": [{"name": "screws", "mass": "0.5 t"}]})
    assert "cutoff-exceeded" not in codes(quiet)
    # 2 t of 101 t = 1.98 %: above 1 %
    fired = run(ws, body, {**base, "left_out": [{"name": "paint", "mass": "2 t"}]})
    (f,) = [f for f in fired.findings if f.code == "cutoff-exceeded"]
    assert "paint 2 t (2.0 %)" in f.message
    # six items of 0.9 t each: each under 1 % of 104.4 t (0.86 %), together 5.2 % > 5 %
    many = run(ws, body, {**base, "left_out": [{"name": f"p{i}", "mass": "0.9 t"} for i in range(6)]})
    (f,) = [f for f in many.findings if f.code == "cutoff-exceeded"]
    assert "5.2 % > 5 %" in f.message


def test_cutoff_emission_materiality_fires_and_is_quiet(ws):
    body = STAGES + '  rule cutoff reading { basis: emission  per_input: 1 %  total: 5 % }\n'
    # power: 1000 kWh x 0.5777 = 577.7 kgCO2e; a left-out estimate of 5 kgCO2e is 0.86 %
    quiet = run(ws, body, {"inputs": {"power": "1000 kWh"}, "left_out": [{"name": "glue", "estimate": "5 kgCO2e"}]})
    assert "cutoff-exceeded" not in codes(quiet)
    # 40 kgCO2e is 6.5 % of 617.7: material, and coverage 93.5 % < 95 %
    fired = run(ws, body, {"inputs": {"power": "1000 kWh"}, "left_out": [{"name": "glue", "estimate": "40 kgCO2e"}]})
    (f,) = [f for f in fired.findings if f.code == "cutoff-exceeded"]
    assert "glue" in f.message and "93.5 %" in f.message


def test_seed_004_cutoff_is_broken(ws):
    r = ws.run_case(SEED_004)
    (a,) = [f for f in r.findings if f.code == "cutoff-exceeded" and f.where == "products.A"]
    # 550.1 t of the 553.1 t delivered (legs) have no factor: 99.5 %
    assert "550.1 t of 553.1 t (99.5 % > 5 %)" in a.message


def test_gwp_set_fires_and_is_quiet(ws):
    rule = '  rule gwp_set reading { required: AR5 }\n'
    assert "gwp-set" not in codes(run(ws, STAGES + rule, {"inputs": {"power": "1 kWh"}}))
    rule6 = '  rule gwp_set reading { required: AR6 }\n'
    assert "gwp-set" in codes(run(ws, STAGES + rule6, {"inputs": {"power": "1 kWh"}}))


def test_report_separately_and_offsets(ws):
    body = STAGES + '  input wood : kgCO2e\n  input credit : kgCO2e\n' \
        '  emission burn "biogenic" in production [biogenic] = wood\n' \
        '  emission offset_bought in production [offset] = credit\n' \
        '  rule report_separately reading { tags: biogenic, aircraft }\n'
    p = run(ws, body, {"inputs": {"power": "10 kWh", "wood": "3 kgCO2e", "credit": "100 kgCO2e"}})
    prod = p.products[0]
    # biogenic: 3 kgCO2e emitted, nothing removed, net 3
    assert prod.separately == {"biogenic_emissions": 3.0, "biogenic_removals": 0.0, "biogenic": 3.0, "aircraft": 0.0}
    # the offset is never counted: 10 x 0.5777 + 3
    assert prod.total == pytest.approx(10 * 0.5777 + 3)
    assert "offset-excluded" in codes(p)
    quiet = run(ws, STAGES, {"inputs": {"power": "10 kWh"}})
    assert quiet.products[0].separately is None and "offset-excluded" not in codes(quiet)


def test_avoid_factors_fires_and_is_quiet(ws):
    body = '  stage production "P"\n  input power : kWh\n  input grid : kgCO2/kWh\n' \
           '  emission e in production = power * grid\n' \
           '  rule avoid_factors reading { ids: cn.electricity.co2  use: cn.electricity.cfp }\n'
    fired = run(ws, body, {"inputs": {"power": "1 kWh", "grid": "kb.cn.electricity.co2.province.hunan"}}, year=2022)
    (f,) = [f for f in fired.findings if f.code == "factor-family"]
    assert "kb.cn.electricity.co2.province.hunan" in f.message
    quiet = run(ws, body, {"inputs": {"power": "1 kWh", "grid": "0.5 kgCO2/kWh"}})
    assert "factor-family" not in codes(quiet)


def test_data_quality_reproduces_seed_004(ws):
    r = ws.run_case(SEED_004)
    a, b = r.products
    # A: (3+5+6)/3 x 36.74 % + (3+3+6)/3 x 57.65 % + (6+3+6)/3 x 5.61 % = 4.30 (printed 4.31)
    assert a.data_quality["score"] == pytest.approx(14 / 3 * 42900 / 116767.88 + 4 * 67318.57 / 116767.88
                                                    + 5 * 6549.31 / 116767.88, abs=1e-4)
    assert round(a.data_quality["score"], 2) == 4.30 and a.data_quality["level"] == 2
    assert round(b.data_quality["score"], 2) == 4.52 and b.data_quality["level"] == 2


def test_data_quality_taiwan_scheme(ws):
    body = STAGES + '  rule data_quality reading { scheme: tw_a1a2a3 }\n'
    p = run(ws, body, {"inputs": {"power": "1 kWh"}, "quality": {"e": {"a1": 2, "a2": 2, "a3": 3}}}).products[0]
    assert p.data_quality["score"] == 12 and p.data_quality["level"] == 2      # 2 x 2 x 3 = 12: 10..19
    missing = run(ws, body, {"inputs": {"power": "1 kWh"}})
    assert "data-quality-missing" in codes(missing)


def test_unknown_rule_is_an_error(ws):
    with pytest.raises(pcf.PcfError) as e:
        run(ws, STAGES + '  rule cut_off reading { }\n', {"inputs": {"power": "1 kWh"}})
    assert e.value.diagnostics[0].code == "rule" and "cutoff" in e.value.diagnostics[0].hint


def test_methods_json_lists_the_library(capsys):
    from pcf.cli import main
    assert main(["methods", "--json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert {"pas2050.base", "iso14067.base", "gbt24067.base", "gbt24067.electrical"} <= set(rows)
    assert rows["gbt24067.base"]["extends"] == "iso14067.base"
    assert rows["iso14067.base"]["extends"] is None
    assert rows["pas2050.machinery"]["boundary"] == "cradle-to-gate"


def test_compare_cli(capsys):
    from pcf.cli import main
    assert main(["compare", str(SEED_003), "--method", "gbt24067.electrical", "--method", "pas2050.electrical"]) == 0
    out = capsys.readouterr().out
    assert "gbt24067.electrical" in out and "pas2050.electrical" in out and "PAS 2050:2011 5.3" in out


def test_run_under_another_method_names_it(capsys):
    from pcf.cli import main
    assert main(["run", str(SEED_003), "--method", "pas2050.electrical", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["method"]["id"] == "pas2050.electrical" and doc["method"]["extends"] == "iso14067.electrical"


def test_a_unitless_rule_number_does_not_swallow_the_next_key():
    m = build_method('method t.r "r" {\n  rule cutoff reading { per_input: 1  total: 5 %  basis: mass }\n}\n', "r.pcf")
    (rule,) = m.rules
    assert [a.key for a in rule.args] == ["per_input", "total", "basis"]
    assert rule.arg("per_input").values[0].unit is None and rule.arg("total").values[0].unit == "%"
