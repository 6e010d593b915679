"""The four worked cases of issue 17 (examples/worked-*), each with its own method extending
the ISO 14067 base, through run, explain, report, uncertainty, sensitivity, batch and compare.

Every figure below is hand arithmetic on the values the cases state as their own (illustrative,
not knowledge-base entries); the comments show it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pcf.analysis.batch import evaluate_catalogue, load_catalogue
from pcf.analysis.explain import explain, render_tree
from pcf.analysis.sensitivity import sensitivity
from pcf.analysis.uncertainty import load_spec, simulate
from pcf.cli import main
from pcf.evaluation.lowering import compile_program
from pcf.render.report import render_report

ROOT = Path(__file__).resolve().parents[1]
CASES = {name: ROOT / "examples" / f"worked-{name}" for name in ("beverage", "battery", "floor-tile", "steel-part",
                                                                  "can")}

# (a) per bottle, 2 000 000 bottles a year:
#   raw_material  500 g x 0.0003 + 25 g x 0.9 + 20 g x 2.5 + 2 g x 2.0 (kg x kgCO2e/kg)
#                 = 0.00015 + 0.0225 + 0.05 + 0.004 = 0.07665
#   production    120 000 kWh x 0.58 / 2 000 000 = 0.0348
#   distribution  547 g = 0.000547 t x 300 km x 0.08 = 0.013128
#   use           2 d (default) x 0.02 kWh/d x 0.58 = 0.0232
#   end_of_life   22 g x (0.5 x 0.05 + 0.3 x 2.0 + 0.2 x 0) = 0.022 x 0.625 = 0.01375
#   biogenic      the sugar's carbon, 25 g x 144/342 kgC/kg x 44/12 x GWP 1 = 0.0385965 kgCO2e,
#                 taken up in raw_material (-) and released in use (+): the total is unchanged
# (b) per kWh delivered: one pack delivers 60 kWh x 3000 x 80 % = 144 000 kWh over its life;
#   per pack: cells 300 x 12 + housing 40 x 8.6 = 3600 + 344 = 3944; assembly 200 x 0.58 = 116;
#   transport 0.35 t x 1000 km x 0.08 = 28; losses 144 000 x (1/0.96 - 1) = 6000 kWh x 0.58 = 3480;
#   recycling 350 x 0.5 = 175; each / 144 000
# (c) per m²: kiln 1.2 x 2.16 = 2.592 + power 3 x 0.58 = 1.74 -> 4.332;
#   freight 20 kg = 0.02 t x (150 km x 0.08 road + 800 km x 0.01 rail) = 0.02 x 20 = 0.4;
#   end of life 20 x 0.005 + 0.02 t x 30 km (default) x 0.08 = 0.1 + 0.048 = 0.148
# (d) per kg: steel 1.1 kg x (30 % x 0.7 + 70 % x 2.3) = 1.1 x 1.82 = 2.002; machining 1.5 x 0.58 = 0.87
# (e) per kg of can aluminium, CFF (the default): material 0.5 x 8.6 + 0.5 x (0.2 x 0.6 + 0.8 x 8.6) = 7.8;
#   end of life 0.8 x 0.7 x (0.6 - 8.6) + 0.3 x 0.05 = -4.48 + 0.015 = -4.465; total 3.335
SUGAR_CO2 = 0.025 * 144 / 342 * 44 / 12
STAGES = {
    "beverage": {"raw_material": 0.07665 - SUGAR_CO2, "production": 0.0348, "distribution": 0.013128,
                 "use": 0.0232 + SUGAR_CO2, "end_of_life": 0.01375},
    "battery": {"raw_material": 3944 / 144000, "production": 116 / 144000, "distribution": 28 / 144000,
                "use": 3480 / 144000, "end_of_life": 175 / 144000},
    "floor-tile": {"production": 4.332, "distribution": 0.4, "end_of_life": 0.148},
    "steel-part": {"raw_material": 2.002, "production": 0.87},
    "can": {"raw_material": 7.8, "end_of_life": -4.465},
}
TOTALS = {"beverage": 0.161528, "battery": 7743 / 144000, "floor-tile": 4.88, "steel-part": 2.872, "can": 3.335}


@pytest.fixture(scope="module")
def results(ws):
    return {name: ws.run_case(path) for name, path in CASES.items()}


@pytest.mark.parametrize("name", CASES)
def test_run_gives_the_hand_figures(results, name):
    (p,) = results[name].products
    assert dict(p.stages) == pytest.approx(STAGES[name], rel=1e-12)
    assert p.total == pytest.approx(TOTALS[name], rel=1e-12)
    assert not [f for f in results[name].findings if f.severity == "error"]


def test_the_beverage_divides_only_the_plants_year(results):
    (p,) = results["beverage"].products
    # a period product: the yearly total is the per-bottle total x 2 000 000 = 323 056 kgCO2e
    assert p.quantity == 2_000_000 and p.yearly_total == pytest.approx(323_056.0, rel=1e-12)
    assert p.trace.bound.scales[("table:bom", "mass", 0)] == 2_000_000   # per bottle x the year's bottles


@pytest.mark.parametrize("name, figure, shown", [
    ("beverage", "disposal", 'waste_ef'),   # read per row: the rows are shown, not one value
    ("beverage", "cooling", "the method's default, 2 d"),
    ("battery", "cell_material", "reference_flow 每 kWh 交付电量所需电池包"),
    ("battery", "delivered", "capacity 额定容量 = 60.0000 kWh"),
    ("floor-tile", "landfill", 'freight_ef["road"] 货运排放因子（案例数据） = 0.08000 kgCO2e/(t*km)  [map]'),
    ("steel-part", "steel", "steel_ef 钢材加权排放因子 = 1.8200 kgCO2e/kg"),
])
def test_explain_traces_each_figure(results, name, figure, shown):
    text = render_tree(explain(results[name], figure))
    if figure == "disposal":
        assert "routes 包装废弃去向" in text and "3 rows" in text
    else:
        assert shown in text, text


@pytest.mark.parametrize("name", CASES)
def test_the_report_prints_the_total(results, name):
    md = render_report(results[name], "md")
    assert f"**{TOTALS[name]:.4f}**" in md


@pytest.mark.parametrize("name, parameter, low, high", [
    # plant electricity -/+10 %: 0.161528 -/+ 0.0348 x 0.1
    ("beverage", "input:plant_power", 0.161528 - 0.00348, 0.161528 + 0.00348),
    # capacity -/+10 %: losses per kWh delivered do not change (0.0241667); the rest, 4263 per
    # pack, is divided by 0.9 or 1.1 x 144 000 kWh
    ("battery", "input:capacity", 4263 / 129600 + 3480 / 144000, 4263 / 158400 + 3480 / 144000),
    # mass -/+10 %: freight 0.4 and end of life 0.148 move by 10 % of 0.548
    ("floor-tile", "input:mass", 4.88 - 0.0548, 4.88 + 0.0548),
    # primary steel -/+10 %: 1.1 x 70 % x 0.23 = 0.1771
    ("steel-part", "input:primary_ef", 2.872 - 0.1771, 2.872 + 0.1771),
])
def test_sensitivity_moves_each_parameter_by_the_hand_amount(results, name, parameter, low, high):
    (p,) = sensitivity(results[name])
    swing = next(s for s in p.swings if s.parameter == parameter)
    assert (swing.low, swing.high) == pytest.approx((low, high), rel=1e-12)


def test_text_inputs_and_columns_are_neither_moved_nor_drawn(results):
    (p,) = sensitivity(results["floor-tile"])
    assert "column:legs.mode" not in {s.parameter for s in p.swings}
    sim = simulate(results["floor-tile"], 200, 0)
    assert "column:legs.mode" not in {k for k, _ in sim.products[0].parameters}


def test_uncertainty_of_one_factor_stays_within_its_hand_bounds(results, tmp_path):
    # every input fixed but primary steel, uniform x 0.9 .. 1.1: the total runs from
    # 2.872 - 0.1771 = 2.6949 to 2.872 + 0.1771 = 3.0491, and its mean is 2.872
    spec = tmp_path / "u.toml"
    fixed = ["steel_in", "recycled", "secondary_ef", "machining_power", "grid_ef"]
    spec.write_text("[inputs]\nprimary_ef = { distribution = \"uniform\", min = 0.9, max = 1.1 }\n"
                    + "".join(f'{k} = {{ distribution = "uniform", min = 1, max = 1 }}\n' for k in fixed),
                    encoding="utf-8")
    sim = simulate(results["steel-part"], 10_000, 3, load_spec(spec))
    total = sim.to_dict()["products"][0]["total"]
    assert total["deterministic"] == pytest.approx(2.872, rel=1e-12)
    assert 2.6949 - 1e-9 <= total["p2_5"] < total["p97_5"] <= 3.0491 + 1e-9
    # the mean of 10 000 draws: within 5 standard errors (0.3542 / sqrt(12) / 100 = 0.001)
    assert total["mean"] == pytest.approx(2.872, abs=0.005)


@pytest.mark.parametrize("name", CASES)
def test_batch_gives_the_same_figures(ws, results, name):
    plan = results[name].plan
    prog = compile_program(plan)
    out = evaluate_catalogue(prog, load_catalogue(CASES[name] / "inventory.toml", prog, ws.kb))
    assert float(out.total[0]) == pytest.approx(TOTALS[name], rel=1e-12)


def test_the_steel_parts_scenarios_side_by_side(capsys):
    assert main(["compare", str(CASES["steel-part"]), "--scenarios", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    # 85 %: 1.1 x (0.85 x 0.7 + 0.15 x 2.3) = 1.1 x 0.94 = 1.034 + 0.87 = 1.904
    # 0 %: 1.1 x 2.3 = 2.53 + 0.87 = 3.4
    assert doc["labels"] == ["case", "high_recycled", "virgin"]
    assert [r["products"][0]["total"] for r in doc["results"]] == pytest.approx([2.872, 1.904, 3.4], rel=1e-12)


def test_the_beverage_case_scenario_of_green_power(ws):
    r = ws.run_case(CASES["beverage"], scenario="green_power")
    # grid 0.1: production 120 000 x 0.1 / 2 000 000 = 0.006; use 2 x 0.02 x 0.1 = 0.004
    # 0.07665 + 0.006 + 0.013128 + 0.004 + 0.01375 = 0.113528
    assert r.products[0].total == pytest.approx(0.113528, rel=1e-12)


def test_the_beverage_check_keeps_the_routes_at_100_percent(ws, tmp_path):
    import shutil
    case = shutil.copytree(CASES["beverage"], tmp_path / "beverage")
    inv = case / "inventory.toml"
    inv.write_text(inv.read_text(encoding="utf-8").replace('share = "20 %"', 'share = "55 %"'), encoding="utf-8")
    r = ws.run_case(case)
    (f,) = [f for f in r.findings if f.code == "check-failed"]
    # 50 + 30 + 55 = 135 %: the shares that passed silently before issue 17
    check_line = 1 + (case / "beverage.pcf").read_text(encoding="utf-8").split("\n").index(
        '  check routes_complete "ISO 14067:2018 5.7 (完整性)" error')
    assert f.severity == "error" and "包装废弃去向的比例之和应为 100 %" in f.message and f.at.line == check_line


def test_batch_names_the_checks_each_product_fails(ws, results, tmp_path):
    """`pcf batch` evaluates the method's checks on every product: a `failed checks` column,
    only for a method that has checks (other methods' output is unchanged)."""
    from pcf.analysis.batch import batch_wide_csv, to_csv
    plan = results["steel-part"].plan
    prog = compile_program(plan)
    cat = tmp_path / "parts.csv"
    cat.write_text("product,steel_in [kg],recycled [%],primary_ef [kgCO2e/kg],secondary_ef [kgCO2e/kg],"
                   "machining_power [kWh],grid_ef [kgCO2e/kWh]\n"
                   "ok,1.1,30,2.3,0.7,1.5,0.58\nbad,1.1,150,2.3,0.7,1.5,0.58\n", encoding="utf-8")
    text = "".join(batch_wide_csv(cat, prog))
    head, ok, bad = text.splitlines()
    assert head.endswith(",failed checks")
    # ok: 2.872 as by hand, no check failed; bad: 150 % recycled fails share_in_range
    assert ok.startswith("ok,,2.872") and ok.endswith(",")
    assert bad.endswith(",share_in_range")
    assert text == to_csv(evaluate_catalogue(prog, load_catalogue(cat, prog, ws.kb)), prog)
    tile = compile_program(results["floor-tile"].plan)   # no checks: no column
    assert "failed checks" not in to_csv(evaluate_catalogue(tile, load_catalogue(CASES["floor-tile"] / "inventory.toml",
                                                                                 tile, ws.kb)), tile)


def test_biogenic_emissions_and_removals_apart(results, capsys):
    """ISO 14067 7.3: the beverage's biogenic emissions and removals are reported as two figures
    (text, JSON, report), not only their net."""
    from pcf.render.text import render_result
    (p,) = results["beverage"].products
    assert p.separately["biogenic_emissions"] == pytest.approx(SUGAR_CO2, rel=1e-12)
    assert p.separately["biogenic_removals"] == pytest.approx(-SUGAR_CO2, rel=1e-12)
    assert abs(p.separately["biogenic"]) < 1e-15
    assert main(["run", str(CASES["beverage"]), "--json"]) == 0
    sep = json.loads(capsys.readouterr().out)["products"][0]["reported_separately"]
    assert sep["biogenic_emissions"] == pytest.approx(SUGAR_CO2) and sep["biogenic_removals"] == pytest.approx(-SUGAR_CO2)
    assert "biogenic emissions 0.03860, biogenic removals -0.03860" in render_result(results["beverage"])
    html = render_report(results["beverage"], "html", "en")
    assert "<td>Biogenic emissions</td><td class=\"num\">0.0386</td><td>yes</td>" in html.replace("\n", "")
    assert "生物源清除" in render_report(results["beverage"], "md", "zh")


def test_the_three_recycling_approaches(ws):
    """(e) under its scenarios: cut-off (recycled content, nothing at end of life but landfill),
    avoided burden (the full credit of recycling), the CFF (the default)."""
    case = CASES["can"]
    totals = {name: ws.run_case(case, scenario=name).products[0] for name in ("cut_off", "avoided_burden")}
    # cut-off: material (1 - 0.5) x 8.6 + 0.5 x 0.6 = 4.6; end of life (1 - 0.7) x 0.05 = 0.015
    assert dict(totals["cut_off"].stages) == pytest.approx({"raw_material": 4.6, "end_of_life": 0.015}, rel=1e-12)
    # avoided burden: material 4.6; end of life 0.7 x (0.6 - 8.6) + 0.3 x 0.05 = -5.585; total -0.985
    assert totals["avoided_burden"].total == pytest.approx(-0.985, rel=1e-12)
    assert totals["cut_off"].total == pytest.approx(4.615, rel=1e-12)
