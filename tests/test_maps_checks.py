"""Lookup maps, text inputs and columns, input defaults, checks and scenarios (issue 17 items 4-6).

Each is unit-checked when the graph is built, evaluated on one product, in the array program
(batch) and on intervals (audit), shown by explain, and printed back by the canonical printer.
Figures are hand arithmetic, written next to each test."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pytest

import pcf
from pcf.analysis.batch import evaluate_catalogue, load_catalogue, to_csv
from pcf.analysis.explain import explain, render_tree
from pcf.cli import main
from pcf.core.errors import PcfError
from pcf.evaluation.lowering import compile_program
from pcf.evaluation.scenario import apply_scenario, find_scenario
from pcf.language.build import build_method
from pcf.language.format import format_method, without_spans

METHOD = '''method t.drink "瓶装饮料" {
  standard "ISO 14067:2018"
  boundary cradle_to_grave
  gwp AR5
  functional_unit "1 瓶"
  stage distribution "分销"
  stage end_of_life "废弃"
  input days : d "冷藏天数" = 3 d
  input mode : text "运输方式" = "road"
  input distance : km
  input mass : kg
  input chill_power : kW
  table routes "废弃去向" {
    route : text "去向"
    share : % "比例"
  }
  map transport_ef "运输因子" {
    road: 0.1 kgCO2e/(t*km)
    rail: 0.02 kgCO2e/(t*km)
  }
  map waste_ef "废弃因子" {
    landfill: 0.3 kgCO2e/kg,
    "焚烧": 1.0 kgCO2e/kg
    recycling: 0 kgCO2e/kg
  }
  emission transport "运输" in distribution = mass * distance * transport_ef[mode]
  emission chilling "冷藏" in distribution
    = if days > 2 d then chill_power * days * 0.5 kgCO2e/kWh else 0 kgCO2e
  emission waste "废弃处置" in end_of_life = sum(r in routes: mass * r.share * waste_ef[r.route])
  check shares "ISO 14067:2018 5.7" error = sum(r in routes: r.share) == 100 % "废弃去向比例之和为 100 %"
  check light "case rule" warning = mass <= 1 kg "a bottle weighs at most 1 kg"
  scenario rail "铁路运输" {
    mode: "rail"
    days: 1 d
  }
}
'''
ROUTES = [{"route": "landfill", "share": "60 %"}, {"route": "焚烧", "share": "30 %"},
          {"route": "recycling", "share": "10 %"}]
PRODUCT = {"id": "A", "inputs": {"mass": "0.5 kg", "distance": "200 km", "chill_power": "0.01 kW"}, "routes": ROUTES}
# transport: 0.5 kg = 0.0005 t x 200 km x 0.1 kgCO2e/(t·km) = 0.01
# chilling: 3 d > 2 d: 0.01 kW x 72 h x 0.5 kgCO2e/kWh = 0.36
# waste: 0.5 kg x (0.6 x 0.3 + 0.3 x 1.0 + 0.1 x 0) = 0.5 x 0.48 = 0.24
BASE = {"transport": 0.01, "chilling": 0.36, "waste": 0.24}
# rail, 1 d: 0.0005 x 200 x 0.02 = 0.002; 1 d is not > 2 d: 0; waste 0.24
RAIL = {"transport": 0.002, "chilling": 0.0, "waste": 0.24}


@pytest.fixture(scope="module")
def plan(ws):
    return ws.compile(build_method(METHOD, "drink.pcf"), 2024)


def lines(result, pid="A"):
    return {l.name: l.value for l in result.product(pid).lines}


def compile_text(ws, body: str):
    head = METHOD.split("  stage distribution")[0]
    return ws.compile(build_method(head + "  stage distribution \"d\"\n" + textwrap.dedent(body) + "}\n", "m.pcf"),
                      2024)


def errors(ws, body: str) -> list:
    with pytest.raises(PcfError) as e:
        compile_text(ws, body)
    return e.value.diagnostics


# --- the language ---------------------------------------------------------------------------

def test_the_method_prints_and_parses_back():
    m = build_method(METHOD, "drink.pcf")
    assert [x.key for x in m.maps[1].entries] == ["landfill", "焚烧", "recycling"]
    assert m.inputs[0].default.text == "3" and m.inputs[1].is_text and m.tables[0].columns[0].is_text
    assert (m.checks[0].severity, m.checks[1].severity) == ("error", "warning")
    assert [(a.name) for a in m.scenarios[0].sets] == ["mode", "days"]
    text = format_method(m)
    assert without_spans(build_method(text, "drink.pcf")) == without_spans(m)
    assert 'map waste_ef "废弃因子" {\n    landfill: 0.3 kgCO2e/kg\n    "焚烧": 1.0 kgCO2e/kg' in text
    assert 'scenario rail "铁路运输" {\n    mode: "rail"\n    days: 1 d\n  }' in text


def test_a_map_key_that_is_a_keyword_is_quoted_by_the_printer():
    m = build_method('method m {\n  map ef {\n    "stage": 1 kg\n    road: 2 kg\n  }\n}\n', "m.pcf")
    assert '"stage": 1 kg' in format_method(m)
    assert without_spans(build_method(format_method(m), "m.pcf")) == without_spans(m)


# --- one product -----------------------------------------------------------------------------

def test_maps_text_defaults_and_conditions_give_the_hand_figures(ws, plan):
    r = ws.evaluate(plan, pcf.Inventory.build([PRODUCT]))
    assert lines(r) == pytest.approx(BASE, rel=1e-12)
    assert r.product("A").total == pytest.approx(0.61, rel=1e-12)
    codes = {(f.code, f.at) for f in r.findings}
    assert ("input-default", "products.A.inputs.days") in codes
    assert ("input-default", "products.A.inputs.mode") in codes
    assert not any(f.code in ("check-failed", "check-warning") for f in r.findings)


def test_a_word_from_the_inventory_picks_the_map_value(ws, plan):
    p = {**PRODUCT, "inputs": {**PRODUCT["inputs"], "mode": "rail", "days": "1 d"}}
    r = ws.evaluate(plan, pcf.Inventory.build([p]))
    assert lines(r) == pytest.approx(RAIL, rel=1e-12, abs=1e-15)


def test_checks_fail_with_their_severity_and_position(ws, plan):
    # shares 60 + 30 + 20 = 110 %: the error check fails; 1.5 kg > 1 kg: the warning one
    routes = ROUTES[:2] + [{"route": "recycling", "share": "20 %"}]
    p = {**PRODUCT, "inputs": {**PRODUCT["inputs"], "mass": "1.5 kg"}, "routes": routes}
    r = ws.evaluate(plan, pcf.Inventory.build([p]))
    found = {f.code: f for f in r.findings if f.code.startswith("check")}
    assert found["check-failed"].severity == "error" and found["check-warning"].severity == "warning"
    assert found["check-failed"].at.line == 30 and "ISO 14067:2018 5.7" in found["check-failed"].message
    assert "product `A`: check `light` fails" in found["check-warning"].message


@pytest.mark.parametrize("shares", [("35 %", "65 %", "0 %"), ("10 %", "20 %", "70 %"), ("33.3 %", "33.3 %", "33.4 %")])
def test_shares_that_add_to_100_percent_pass_despite_float_rounding(ws, plan, shares):
    # 0.1 + 0.2 + 0.7 is 0.9999999999999999 in floats: == holds within a relative 1e-9
    routes = [{**row, "share": s} for row, s in zip(ROUTES, shares)]
    r = ws.evaluate(plan, pcf.Inventory.build([{**PRODUCT, "routes": routes}]))
    assert not [f for f in r.findings if f.code == "check-failed"]


def test_explain_shows_the_map_value_taken_and_the_default(ws, plan):
    r = ws.evaluate(plan, pcf.Inventory.build([PRODUCT]))
    text = render_tree(explain(r, "transport"))
    assert 'transport_ef["road"] 运输因子 = 0.1000 kgCO2e/(t*km)  [map]' in text
    assert "the method's default \"road\"" in text
    text = render_tree(explain(r, "chilling"))
    assert "the method's default, 3 d" in text and "the then branch is taken" in text


# --- errors, positioned --------------------------------------------------------------------------

def test_an_inventory_word_outside_the_map_is_refused_with_did_you_mean(ws, plan):
    rows = [{"route": "landfil", "share": "100 %"}]
    with pytest.raises(PcfError) as e:
        ws.evaluate(plan, pcf.Inventory.build([{**PRODUCT, "routes": rows, "inputs": {**PRODUCT["inputs"],
                                                                                     "mode": "air"}}]))
    msgs = {d.code: d for d in e.value.diagnostics}
    assert [d.code for d in e.value.diagnostics] == ["unknown-key", "unknown-key"]
    assert '"air" is not a key of map `transport_ef` (road, rail)' in e.value.diagnostics[0].message
    assert e.value.diagnostics[1].hint == "did you mean `landfill`?"
    assert msgs


def test_a_number_for_a_text_input_and_a_word_for_a_number_are_refused(ws, plan):
    p = {**PRODUCT, "inputs": {**PRODUCT["inputs"], "mode": "3 km", "distance": "far"}}
    with pytest.raises(PcfError) as e:
        ws.evaluate(plan, pcf.Inventory.build([p]))
    text = " | ".join(d.message for d in e.value.diagnostics)
    assert "input `mode` is a text" in text and "inputs.distance" in text


@pytest.mark.parametrize("body, code, says", [
    ('input m : text\nemission e in distribution = m * 1 kgCO2e\n', "unit-mismatch", "cannot compute `*` with a text"),
    ('input m : text\ninput x : kg\nemission e in distribution = if m < "a" then x * 1 kgCO2e/kg else 0 kgCO2e\n',
     "unit-mismatch", "texts are compared with == or !="),
    ('input m : text\ninput x : kg\nemission e in distribution = if m == 1 kg then x * 1 kgCO2e/kg else 0 kgCO2e\n',
     "unit-mismatch", "cannot compare text with kg"),
    ('input x : kg\nmap f { a: 1 kgCO2e/kg, b: 2 kgCO2e/kWh }\nemission e in distribution = x * f["a"]\n',
     "unit-mismatch", "map `f`: `b` is"),
    ('input x : kg\nmap f { a: 1 kgCO2e/kg }\nemission e in distribution = x * f\n', "unknown-name", "is a map"),
    ('input x : kg\nmap f { a: 1 kgCO2e/kg }\nemission e in distribution = x * f[x]\n', "unit-mismatch",
     "keyed by text, not by kg"),
    ('input x : kg\nmap f { a: 1 kgCO2e/kg }\nemission e in distribution = x * g["a"]\n', "unknown-name",
     "unknown map `g`"),
    ('input x : kg\nmap f { a: 1 kgCO2e/kg, a: 2 kgCO2e/kg }\nemission e in distribution = x * f["a"]\n',
     "duplicate", "has the key `a` twice"),
    ('input x : kg = 3 km\nemission e in distribution = x * 1 kgCO2e/kg\n', "unit-mismatch",
     "the default of `x` is"),
    ('input x : kg = "heavy"\nemission e in distribution = x * 1 kgCO2e/kg\n', "bad-default", "a number with its unit"),
    ('input m : text = 3 kg\ninput x : kg\nemission e in distribution = if m == "a" then x * 1 kgCO2e/kg else 0 kgCO2e\n',
     "unit-mismatch", "is a text: write it quoted"),
    ('input x : kg\nemission e in distribution = x * 1 kgCO2e/kg\ncheck c error = x * 2 "m"\n', "unit-mismatch",
     "check `c` is a condition"),
    ('input x : kg\nemission e in distribution = x * 1 kgCO2e/kg\nscenario s { y: 2 kg }\n', "unknown-name",
     "`y` is not an input or a let"),
    ('input x : kg\nemission e in distribution = x * 1 kgCO2e/kg\nscenario s { x: 2 kg, x: 3 kg }\n', "duplicate",
     "sets `x` twice"),
])
def test_misuse_is_an_error_with_its_position(ws, body, code, says):
    found = errors(ws, body)
    assert any(d.code == code and says in d.message and d.span is not None for d in found), \
        [(d.code, d.message) for d in found]


# --- the array program, batch, audit intervals -----------------------------------------------------

def test_the_array_program_gives_the_same_figures_for_a_catalogue(ws, plan, tmp_path):
    inv = tmp_path / "cat.toml"
    inv.write_text(textwrap.dedent('''\
        [[product]]
        id = "A"
        [product.inputs]
        mass = "0.5 kg"
        distance = "200 km"
        chill_power = "0.01 kW"
        [[product.routes]]
        route = "landfill"
        share = "60 %"
        [[product.routes]]
        route = "焚烧"
        share = "30 %"
        [[product.routes]]
        route = "recycling"
        share = "10 %"

        [[product]]
        id = "B"
        [product.inputs]
        mass = "0.5 kg"
        distance = "200 km"
        chill_power = "0.01 kW"
        mode = "rail"
        days = "1 d"
        [[product.routes]]
        route = "recycling"
        share = "100 %"
        '''), encoding="utf-8")
    prog = compile_program(plan)
    out = evaluate_catalogue(prog, load_catalogue(inv, prog, ws.kb))
    # A: 0.01 + 0.36 + 0.24 = 0.61; B: 0.002 + 0 + 0.5 x 1.0 x 0 = 0.002
    assert out.total == pytest.approx([0.61, 0.002], rel=1e-12)
    assert "B," in to_csv(out, prog)


def test_a_wide_catalogue_reads_text_columns_and_defaults(ws, tmp_path):
    method = '''method t.w "w" {
  standard "S"
  boundary cradle_to_gate
  gwp AR5
  stage production "p"
  input mode : text = "road"
  input distance : km
  input mass : t = 2 t
  map ef { road: 0.1 kgCO2e/(t*km), rail: 0.02 kgCO2e/(t*km) }
  emission e in production = mass * distance * ef[mode]
}
'''
    plan = ws.compile(build_method(method, "w.pcf"), 2024)
    prog = compile_program(plan)
    csv_path = tmp_path / "cat.csv"
    csv_path.write_text("product,mode,distance [km],mass [kg]\nP1,rail,100,500\nP2,,100,\nP3,road,10,1000\n",
                        encoding="utf-8")
    out = evaluate_catalogue(prog, load_catalogue(csv_path, prog, ws.kb))
    # P1: 0.5 t x 100 km x 0.02 = 1.0; P2: road (default), 2 t (default) x 100 x 0.1 = 20; P3: 1 t x 10 x 0.1 = 1
    assert out.total == pytest.approx([1.0, 20.0, 1.0], rel=1e-12)
    csv_path.write_text("product,mode,distance [km]\nP1,air,100\n", encoding="utf-8")
    with pytest.raises(PcfError) as e:
        load_catalogue(csv_path, prog, ws.kb)
    assert e.value.diagnostics[0].code == "unknown-key" and "road, rail" in e.value.diagnostics[0].message


def test_a_lookup_on_a_literal_key_folds_into_a_constant(ws):
    plan = compile_text(ws, 'input x : kg\nmap f { a: 1 kgCO2e/kg, b: 3 kgCO2e/kg }\n'
                            'emission e in distribution = x * f["b"]\n')
    prog = compile_program(plan)
    V = prog.run({"input:x": np.array([1.0, 2.0])})
    assert prog.value(V, "emission:e") == pytest.approx([3.0, 6.0])
    assert len(prog.live) == 1   # the choice among the map's values was taken when the program was built


# --- scenarios -----------------------------------------------------------------------------------------

def test_a_method_scenario_sets_inputs_and_the_result_says_so(ws, plan):
    method, inventory = apply_scenario(plan.method, pcf.Inventory.build([PRODUCT]),
                                       find_scenario("rail", plan.method))
    r = ws.evaluate(ws.compile(method, 2024), inventory)
    assert lines(r) == pytest.approx(RAIL, rel=1e-12, abs=1e-15)


def write_case(root: Path, case_extra: str = "") -> Path:
    d = root / "drink"
    d.mkdir()
    (d / "m.pcf").write_text(METHOD.replace("  scenario rail", '  let grid = 0.5 kgCO2e/kWh\n  scenario rail')
                             .replace("chill_power * days * 0.5 kgCO2e/kWh", "chill_power * days * grid"),
                             encoding="utf-8")
    (d / "inventory.toml").write_text(textwrap.dedent('''\
        [[product]]
        id = "A"
        [product.inputs]
        mass = "0.5 kg"
        distance = "200 km"
        chill_power = "0.01 kW"
        [[product.routes]]
        route = "landfill"
        share = "60 %"
        [[product.routes]]
        route = "焚烧"
        share = "30 %"
        [[product.routes]]
        route = "recycling"
        share = "10 %"
        '''), encoding="utf-8")
    (d / "case.toml").write_text('method = "m.pcf"\ninventory = "inventory.toml"\ndata_year = 2024\n' + case_extra,
                                 encoding="utf-8")
    return d


def test_case_scenarios_set_inputs_and_lets(ws, tmp_path):
    d = write_case(tmp_path, '[scenarios.green]\nlabel = "green power"\nset = { grid = "0.1 kgCO2e/kWh", '
                             'mode = "rail" }\n')
    r = ws.run_case(d, scenario="green")
    # chilling 0.01 kW x 72 h x 0.1 = 0.072; transport rail 0.002; waste 0.24
    assert lines(r) == pytest.approx({"transport": 0.002, "chilling": 0.072, "waste": 0.24}, rel=1e-12)
    assert r.to_dict()["scenario"] == {"name": "green", "label": "green power", "origin": "case",
                                       "sets": {"grid": "0.1 kgCO2e/kWh", "mode": "rail"}}
    assert ws.scenario_names(d) == ["rail", "green"]


def test_a_case_scenario_naming_nothing_is_an_error(ws, tmp_path):
    d = write_case(tmp_path, '[scenarios.bad]\nset = { gird = "0.1 kgCO2e/kWh" }\n')
    with pytest.raises(PcfError) as e:
        ws.run_case(d, scenario="bad")
    (diag,) = e.value.diagnostics
    assert diag.code == "unknown-name" and diag.hint == "did you mean `grid`?" and diag.span.line == 5


def test_pcf_compare_scenarios_side_by_side(ws, tmp_path, capsys):
    d = write_case(tmp_path)
    assert main(["compare", str(d), "--scenarios", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["labels"] == ["case", "rail"]
    assert [r["products"][0]["total"] for r in doc["results"]] == pytest.approx([0.61, 0.242], rel=1e-12)
    assert main(["compare", str(d), "--scenarios"]) == 0
    text = capsys.readouterr().out
    assert "scenario rail 铁路运输: mode = \"rail\", days = 1 d" in text
    assert "  total         0.6100    0.2420  *" in text   # 0.61 and 0.002 + 0.24
    assert main(["run", str(d), "--scenario", "rail", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["products"][0]["total"] == pytest.approx(0.242, rel=1e-12)
    assert main(["run", str(d), "--scenario", "rial"]) == 1
    assert "did you mean `rail`?" in capsys.readouterr().err


# --- the documentation's examples ------------------------------------------------------------------

def doc_example(ident: str) -> str:
    import re
    doc = (Path(__file__).resolve().parents[1] / "docs" / "language.md").read_text(encoding="utf-8")
    (text,) = [t for t in re.findall(r"```pcf\n(.*?)```", doc, flags=re.S) if ident in t]
    head = '  standard "ISO 14067:2018"\n  boundary cradle_to_grave\n  gwp AR5\n'
    first, rest = text.split("\n", 1)
    return first + "\n" + head + rest


def test_the_scenario_example_of_the_docs_gives_the_hand_figures(ws):
    method = build_method(doc_example("demo.scenarios"), "s.pcf")
    inv = pcf.Inventory.build([{"id": "P", "inputs": {"mass": "10 kg"}}])
    totals = {}
    for name in (None, "recycled50", "rail"):
        m, i = (method, inv) if name is None else apply_scenario(method, inv, find_scenario(name, method))
        totals[name] = ws.evaluate(ws.compile(m, 2024), i).products[0].total
    # 20 % (default): 10 x (0.2 x 0.6 + 0.8 x 2.2) = 18.8, road 10 x 0.0001 x 300 = 0.3 -> 19.1
    # recycled50: 10 x (0.5 x 0.6 + 0.5 x 2.2) = 14.0 + 0.3 = 14.3; rail: 18.8 + 10 x 0.00002 x 300 = 18.86
    assert totals == pytest.approx({None: 19.1, "recycled50": 14.3, "rail": 18.86}, rel=1e-12)


def test_the_map_and_check_examples_of_the_docs_compile_and_evaluate(ws):
    plan = ws.compile(build_method(doc_example("demo.maps"), "m.pcf"), 2024)
    r = ws.evaluate(plan, pcf.Inventory.build([{"id": "P", "inputs": {"mass": "2 kg", "distance": "50 km"},
                                                "routes": [{"route": "焚烧", "share": "100 %"}]}]))
    # road (default) 0.002 t x 50 km x 0.1 = 0.01; 3 d (default) > 2 d: 3 x 0.05 = 0.15; 2 x 1.0 x 1.0 = 2.0
    assert lines(r, "P") == pytest.approx({"transport": 0.01, "chill": 0.15, "waste": 2.0}, rel=1e-12)
    plan = ws.compile(build_method(doc_example("demo.checks"), "c.pcf"), 2024)
    r = ws.evaluate(plan, pcf.Inventory.build([{"id": "P", "inputs": {"mass": "2 kg"},
                                                "routes": [{"route": "x", "share": "90 %"}]}]))
    assert sorted(f.code for f in r.findings if f.code.startswith("check")) == ["check-failed", "check-warning"]


def test_pcf_check_compiles_each_scenario_of_a_method(here, capsys):
    Path("sc.pcf").write_text('method t.sc "sc" {\n  standard "S"\n  boundary cradle_to_gate\n  gwp AR5\n'
                              '  stage production "p"\n  input x : kg\n  let ef = 2 kgCO2e/kg\n'
                              '  emission e in production = x * ef\n  scenario bad { ef: 3 kgCO2e/kWh }\n}\n',
                              encoding="utf-8")
    assert main(["check", "sc.pcf"]) == 1
    err = capsys.readouterr().err
    # x (kg) x 3 kgCO2e/kWh is not a mass of CO2e: found under the scenario, which is named and placed
    assert "sc.pcf:8:3: under scenario `bad`: emission `e` is" in err and "sc.pcf:9:3" in err


def test_a_workbook_inventory_carries_words(ws, here):
    """`pcf init` writes the template with a text column unlabelled by a unit; words typed in it, and
    a text input's row with unit `text`, reach the method as words."""
    import openpyxl
    from pcf.inputs.scaffold import inventory_xlsx
    Path("t.xlsx").write_bytes(inventory_xlsx(build_method(METHOD, "drink.pcf")))
    wb = openpyxl.load_workbook("t.xlsx")
    assert [c.value for c in wb["routes"][1]] == ["product", "name", "route", "share [%]"]
    for name, amount in (("mass", 0.5), ("distance", 200), ("chill_power", 0.01), ("mode", "rail"), ("days", 1)):
        row = next(r for r in wb["inputs"].iter_rows(min_row=2) if r[1].value == name)
        row[2].value = amount
    for route, share in (("landfill", 60), ("焚烧", 30), ("recycling", 10)):
        wb["routes"].append(["product-1", "", route, share])
    wb.save("t.xlsx")
    from pcf.inputs.inventory import load_inventory
    plan = ws.compile(build_method(METHOD, "drink.pcf"), 2024)
    r = ws.evaluate(plan, load_inventory(Path("t.xlsx")))
    assert lines(r, "product-1") == pytest.approx(RAIL, rel=1e-12, abs=1e-15)   # rail, 1 d: as by hand above


def test_the_recipes_of_the_docs_compile(ws):
    """docs/language.md "Recipes": each pattern compiles under a standard header."""
    import re
    doc = (Path(__file__).resolve().parents[1] / "docs" / "language.md").read_text(encoding="utf-8")
    recipes = [t for t in re.findall(r"```pcf\n(.*?)```", doc, flags=re.S) if "demo.recipe_" in t]
    assert len(recipes) == 5
    for text in recipes:
        first, rest = text.split("\n", 1)
        stages = ", ".join(re.findall(r"^  stage (\w+)", text, flags=re.M))
        head = f'  standard "ISO 14067:2018"\n  boundary partial({stages})\n  gwp AR5\n'
        plan = ws.compile(build_method(first + "\n" + head + rest, "recipe.pcf"), 2024)
        assert plan.method.emissions
