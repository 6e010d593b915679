"""Amount basis: per functional unit or for the period, per input, per column and per line
(issue 17: with `amounts = "period"` a per-bottle use-stage amount was divided by the year's
production, silently). Hand arithmetic in each test."""
from __future__ import annotations

import pytest

import pcf
from pcf.analysis.explain import explain, render_tree
from pcf.language.build import build_method
from pcf.language.format import format_method

METHOD = '''method t.basis "basis" {
  standard "ISO 14067:2018"
  boundary cradle_to_grave
  gwp AR5
  functional_unit "1 瓶"
  stage production "生产"
  stage use "使用"
  input electricity : kWh "生产用电" period
  input use_power : kWh "每瓶冷藏用电" per_unit
  input water : kg "用水"
  table bom "物料" {
    mass : kg "质量" per_unit
    distance : km "运距"
  }
  emission p "生产" in production = electricity * 0.5 kgCO2e/kWh + water * 0.001 kgCO2e/kg
  emission u "使用" in use = use_power * 0.5 kgCO2e/kWh
    + sum(r in bom: r.mass * r.distance) * 0.0001 kgCO2e/(kg*km)
}
'''


@pytest.fixture(scope="module")
def plan(ws):
    return ws.compile(build_method(METHOD, "basis.pcf"), 2024)


def run(ws, plan, **product):
    base = {"id": "A", "inputs": {"electricity": "200 kWh", "use_power": "0.1 kWh", "water": "500 kg"},
            "bom": [{"mass": "0.03 kg", "distance": "100 km"}]}
    base.update(product)
    return ws.evaluate(plan, pcf.Inventory.build([base])).products[0]


def test_a_period_product_keeps_per_unit_amounts_per_unit(ws, plan):
    p = run(ws, plan, quantity=1000, amounts="period")
    # production: 200 kWh / 1000 x 0.5 = 0.1; water is the product's basis (period): 500 kg / 1000
    # x 0.001 = 0.0005. use: 0.1 kWh x 0.5 = 0.05 per bottle, NOT 0.05 / 1000; bom 0.03 kg x 100 km
    # x 0.0001 = 0.0003 per bottle. Total 0.1 + 0.0005 + 0.05 + 0.0003 = 0.1508
    assert p.stages["production"] == pytest.approx(0.1005, rel=1e-12)
    assert p.stages["use"] == pytest.approx(0.0503, rel=1e-12)
    assert p.total == pytest.approx(0.1508, rel=1e-12)
    assert p.yearly_total == pytest.approx(150.8, rel=1e-12)


def test_a_per_unit_product_divides_only_its_period_amounts(ws, plan):
    p = run(ws, plan, quantity=1000, inputs={"electricity": "200 kWh", "use_power": "0.1 kWh",
                                             "water": "0.5 kg"})
    # electricity is fixed as a period amount: 200 / 1000 x 0.5 = 0.1; water per unit 0.5 x 0.001
    assert p.total == pytest.approx(0.1508, rel=1e-12)


def test_the_inventory_line_may_state_the_basis_of_an_unfixed_input(ws, plan):
    p = run(ws, plan, quantity=1000, amounts="period",
            inputs={"electricity": "200 kWh", "use_power": "0.1 kWh",
                    "water": {"value": 0.5, "unit": "kg", "basis": "per_unit"}})
    # water 0.5 kg per bottle in a period product: x 1000 then / 1000, 0.0005 as above
    assert p.total == pytest.approx(0.1508, rel=1e-12)


def test_a_line_contradicting_the_method_is_an_error(ws, plan):
    with pytest.raises(pcf.PcfError) as e:
        run(ws, plan, quantity=1000, inputs={"electricity": {"value": 0.2, "unit": "kWh", "basis": "per_unit"},
                                             "use_power": "0.1 kWh", "water": "0.5 kg"})
    (d,) = e.value.diagnostics
    assert d.code == "basis-conflict" and "fixes this amount as \"period\"" in d.message
    assert "for the whole period" in d.hint


def test_a_period_amount_without_a_quantity_is_an_error(ws, plan):
    with pytest.raises(pcf.PcfError) as e:
        run(ws, plan, inputs={"electricity": "200 kWh", "use_power": "0.1 kWh", "water": "0.5 kg"})
    (d,) = e.value.diagnostics
    assert d.code == "missing-input" and "input `electricity`" in d.message and "`quantity`" in d.message


def test_an_unknown_basis_word_in_the_inventory_is_an_error():
    with pytest.raises(pcf.PcfError) as e:
        pcf.Inventory.build([{"id": "A", "inputs": {"water": {"value": 1, "unit": "kg", "basis": "yearly"}}}])
    assert "`basis` is \"per_unit\" or \"period\"" in e.value.diagnostics[0].message


def test_explain_says_how_an_amount_was_rebased(ws, plan):
    p = run(ws, plan, quantity=1000, amounts="period")
    r = ws.evaluate(plan, pcf.Inventory.build([{"id": "A", "quantity": 1000, "amounts": "period",
                                                 "inputs": {"electricity": "200 kWh", "use_power": "0.1 kWh",
                                                            "water": "500 kg"},
                                                 "bom": [{"mass": "0.03 kg", "distance": "100 km"}]}]))
    text = render_tree(explain(r, "u"))
    assert "per unit × quantity 1000" in text
    assert p.total == r.products[0].total


def test_the_basis_round_trips_through_the_printer():
    m = build_method(METHOD, "basis.pcf")
    text = format_method(m)
    assert "input electricity : kWh \"生产用电\" period" in text and "mass : kg \"质量\" per_unit" in text
    again = build_method(text, "again.pcf")
    assert [i.basis for i in again.inputs] == ["period", "per_unit", None]
    assert [c.basis for c in again.tables[0].columns] == ["per_unit", None]


def test_the_language_reference_example_runs_as_documented(ws):
    """docs/language.md "Per functional unit or for the period": its method and inventory."""
    import re
    import tomllib
    from pathlib import Path
    doc = (Path(__file__).resolve().parent.parent / "docs" / "language.md").read_text(encoding="utf-8")
    section = doc.split("## Per functional unit or for the period", 1)[1].split("\n## ", 1)[0]
    method, inventory = re.findall(r"```(?:pcf|toml)\n(.*?)```", section, flags=re.S)
    head = 'method demo.basis "per unit and per period" {\n'
    method = method.replace(head, head + '  standard "ISO 14067:2018"\n  boundary cradle_to_grave\n  gwp AR5\n'
                            '  emission p in production = electricity * 0.5 kgCO2e/kWh + water * 0.001 kgCO2e/kg\n'
                            '  emission u in use = use_power * 0.5 kgCO2e/kWh\n'
                            '    + sum(r in bom: r.mass * r.distance) * 0.0001 kgCO2e/(kg*km)\n')
    plan = ws.compile(build_method(method, "demo.pcf"), 2024)
    raw = tomllib.loads(inventory)["product"]
    raw[0]["bom"] = []
    p = ws.evaluate(plan, pcf.Inventory.build(raw)).products[0]
    # 200 kWh / 1000 x 0.5 = 0.1; 0.5 kg x 0.001 = 0.0005; use 0.1 kWh x 0.5 = 0.05 per bottle
    assert p.total == pytest.approx(0.1505, rel=1e-12)


def test_a_wide_catalogue_applies_the_method_s_basis(ws, tmp_path):
    """pcf batch: a row with a quantity is for the period; a per-unit input is kept per unit."""
    from pcf.analysis.batch import load_catalogue
    from pcf.evaluation.lowering import compile_program
    method = METHOD.replace('  table bom "物料" {\n    mass : kg "质量" per_unit\n    distance : km "运距"\n  }\n', "")
    method = method.replace("\n    + sum(r in bom: r.mass * r.distance) * 0.0001 kgCO2e/(kg*km)", "")
    prog = compile_program(ws.compile(build_method(method, "basis.pcf"), 2024))
    path = tmp_path / "c.csv"
    path.write_text("product,quantity,electricity [kWh],use_power [kWh],water [kg]\nA,1000,200,0.1,500\n"
                    "B,,200,0.1,0.5\n", encoding="utf-8")
    with pytest.raises(pcf.PcfError) as e:
        load_catalogue(path, prog, ws.kb)
    (d,) = e.value.diagnostics
    assert d.code == "missing-input" and "product `B`, `electricity`" in d.message and d.span.line == 3
    path.write_text("product,quantity,electricity [kWh],use_power [kWh],water [kg]\nA,1000,200,0.1,500\n",
                    encoding="utf-8")
    cat = load_catalogue(path, prog, ws.kb)
    V = prog.run(cat.inputs, n=len(cat))
    _, _, total = prog.totals(V, cat.divisor)
    # as the first test without the table: 0.1 + 0.0005 + 0.05 = 0.1505 per bottle
    assert total[0] == pytest.approx(0.1505, rel=1e-12)
