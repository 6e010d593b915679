"""A product model under several standards: `extends model, standard.base`, stages a standard
leaves out (computed, not counted: finding outside-boundary), the GHG Protocol, PACT and EU
battery bases, and `pcf compare` of the worked battery under all six standards."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pcf.cli import main
from pcf.core.errors import PcfError
from pcf.language.build import build_method
from pcf.language.format import format_method, without_spans

ROOT = Path(__file__).resolve().parents[1]
BATTERY = ROOT / "examples" / "worked-battery"
SIX = ["battery.pcf", "battery_pas2050.pcf", "battery_gbt24067.pcf", "battery_ghgp.pcf", "battery_pact.pcf",
       "battery_eu.pcf"]

MODEL = '''method acme.model "a product model" {
  functional_unit "1 box"
  stage raw_material "raw"
  stage production "made"
  stage use "used"
  input steel : kg
  input power : kWh
  input use_power : kWh
  emission material in raw_material = steel * 2 kgCO2e/kg
  emission making in production = power * 0.5 kgCO2e/kWh
  emission using in use = use_power * 0.5 kgCO2e/kWh
}
'''
INVENTORY = '[[product]]\nid = "box"\n\n[product.inputs]\nsteel = "3 kg"\npower = "4 kWh"\nuse_power = "10 kWh"\n'


def case(tmp_path: Path, method_text: str, name: str = "m.pcf") -> Path:
    folder = tmp_path / "case"
    folder.mkdir(exist_ok=True)
    (folder / "model.pcf").write_text(MODEL, encoding="utf-8")
    (folder / name).write_text(method_text, encoding="utf-8")
    (folder / "inventory.toml").write_text(INVENTORY, encoding="utf-8")
    (folder / "case.toml").write_text(f'method = "{name}"\ninventory = "inventory.toml"\n', encoding="utf-8")
    return folder


def test_a_model_and_a_standard_base_together(ws, tmp_path):
    folder = case(tmp_path, 'method acme.iso extends acme.model, iso14067.base {\n}\n')
    r = ws.run_case(folder)
    # by hand: 3 x 2 + 4 x 0.5 + 10 x 0.5 = 6 + 2 + 5 = 13
    assert r.products[0].total == pytest.approx(13.0, rel=1e-12)
    assert r.method.standard == "ISO 14067:2018" and r.method.gwp == "AR6"
    assert r.plan.method.bases == ("acme.model", "iso14067.base")


def test_a_cradle_to_gate_base_leaves_the_use_stage_out(ws, tmp_path):
    r = ws.run_case(case(tmp_path, 'method acme.pact extends acme.model, pact.base {\n}\n'))
    # 6 + 2 counted; `using` (5) computed, named, not counted
    assert r.products[0].total == pytest.approx(8.0, rel=1e-12) and "use" not in r.products[0].stages
    assert {l.name: l.value for l in r.products[0].lines}["using"] == pytest.approx(5.0)
    (f,) = [f for f in r.findings if f.code == "outside-boundary"]
    assert f.severity == "info" and "`using` in use 5 kgCO2e" in f.message and "cradle-to-gate" in f.message


def test_a_stage_its_own_file_leaves_out_is_still_an_error(ws, tmp_path):
    # one file that says cradle to gate and counts a use stage contradicts itself
    text = MODEL.replace('"a product model" {', '"a product model" {\n  standard "x"\n  boundary cradle_to_gate\n  gwp AR6')
    folder = case(tmp_path, text.replace("acme.model", "acme.self"))
    with pytest.raises(PcfError) as exc:
        ws.run_case(folder)
    (d,) = exc.value.diagnostics
    assert d.code == "unknown-stage" and "outside a cradle-to-gate boundary" in d.message


def test_two_bases_declaring_one_thing_must_be_chosen_between(ws, tmp_path):
    # the model and the EU battery base both set a functional unit
    text = 'method acme.eu extends acme.model, eubattery.base {\n}\n'
    with pytest.raises(PcfError) as exc:
        ws.run_case(case(tmp_path, text))
    (d,) = exc.value.diagnostics
    assert d.code == "duplicate" and "declared by both `acme.model` and `eubattery.base`" in d.message
    assert len(d.related) == 2 and "override it" in d.hint
    fixed = text.replace("{\n}", '{\n  override functional_unit "1 box"\n}')
    r = ws.run_case(case(tmp_path, fixed))
    assert r.products[0].functional_unit == "1 box" and r.products[0].total == pytest.approx(13.0)


def test_a_declaration_both_bases_inherit_is_no_conflict(ws, tmp_path):
    # gbt24067.base extends iso14067.base: both bring iso14067.base's rules, the same declarations
    text = 'method acme.both extends acme.model, gbt24067.base, iso14067.base {\n  override standard "GB/T 24067-2024"\n}\n'
    r = ws.run_case(case(tmp_path, text))
    assert r.products[0].total == pytest.approx(13.0)


def test_a_cycle_through_a_second_base(ws, tmp_path):
    folder = case(tmp_path, 'method acme.loop extends acme.model, acme.loop2 {\n}\n')
    (folder / "loop2.pcf").write_text('method acme.loop2 extends acme.loop {\n}\n', encoding="utf-8")
    with pytest.raises(PcfError) as exc:
        ws.run_case(folder)
    assert exc.value.diagnostics[0].code == "cycle" and "acme.loop -> acme.loop2 -> acme.loop" in exc.value.diagnostics[0].message


def test_extends_with_several_bases_prints_and_parses_back():
    m = build_method('method a.b extends x.model,   y.base { }', "m.pcf")
    assert m.parents == ("x.model", "y.base") and m.extends == "x.model"
    text = format_method(m)
    assert text.startswith("method a.b extends x.model, y.base {")
    assert without_spans(build_method(text, "m.pcf")) == without_spans(m)


def test_a_product_model_is_checked_without_a_standard(capsys, tmp_path):
    model = tmp_path / "model.pcf"
    model.write_text(MODEL, encoding="utf-8")
    assert main(["check", str(model)]) == 0
    bad = tmp_path / "bad.pcf"
    bad.write_text(MODEL.replace("acme.model", "acme.bad").replace("steel * 2", "steal * 2"), encoding="utf-8")
    assert main(["check", str(bad)]) == 1
    assert "[unknown-name]" in capsys.readouterr().err       # everything but the settings is checked
    # run as is, it says what it is and how to run it
    folder = case(tmp_path, MODEL.replace("acme.model", "acme.alone"))
    assert main(["run", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "a product model, to be run under a standard" in err and "extends acme.alone, iso14067.base" in err


def test_the_battery_under_six_standards(ws):
    results = {name: ws.run_case(BATTERY, str(BATTERY / name)) for name in SIX}
    totals = {name: r.products[0].total for name, r in results.items()}
    # By hand (case.toml's arithmetic): per pack raw 3944, production 116, distribution 28, use
    # 3480, end of life 175; 144 000 kWh delivered over the life.
    for name in SIX[:4]:   # ISO 14067, PAS 2050, GB/T 24067, GHG Protocol: cradle to grave
        assert totals[name] == pytest.approx(7743 / 144000, rel=1e-12), name
    assert totals["battery_pact.pcf"] == pytest.approx((3944 + 116) / 144000, rel=1e-12)     # to the gate
    assert totals["battery_eu.pcf"] == pytest.approx((7743 - 3480) / 144000, rel=1e-12)      # no use stage
    assert results["battery_eu.pcf"].products[0].functional_unit == "1 kWh（使用寿命内提供的总电量）"
    assert not [f for f in results["battery.pcf"].findings if f.code == "outside-boundary"]


def test_compare_explains_what_differs(capsys):
    args = ["compare", str(BATTERY), *[x for name in SIX for x in ("--method", str(BATTERY / name))]]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "how the methods differ" in text
    assert "worked.battery_pact: distribution (outside the boundary); use (outside the boundary)" in text
    assert "worked.battery_eu: use (Regulation (EU) 2023/1542 Annex II" in text
    assert "worked.battery_pas2050: nothing" in text          # PAS 2050 reports nothing separately
    assert main([*args, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    diff = doc["differences"]
    assert diff["boundary"]["worked.battery_pact"] == "cradle-to-gate"
    assert diff["standard"]["worked.battery_ghgp"] == "GHG Protocol Product Standard (2011)"
    assert "gwp" not in diff                                 # all six characterise with AR6
    assert [r["products"][0]["total"] for r in doc["results"]][-2:] == pytest.approx(
        [4060 / 144000, 4263 / 144000], rel=1e-12)


def test_the_new_registers_hold_what_the_bases_cite():
    from pcf.language.standards import cited_clauses, load_registers
    reg = load_registers()
    assert reg["GHG Protocol Product Standard (2011)"].clause("9").title == "Allocation"
    assert reg["GHG Protocol Product Standard (2011)"].clause("1").confidence.startswith("verified")
    assert reg["GHG Protocol Product Standard (2011)"].clause("7").confidence.startswith("unverified")
    assert cited_clauses("Regulation (EU) 2023/1542 Annex II (a reading)", reg) == ("Regulation (EU) 2023/1542", ["Annex II"])
    assert cited_clauses("PAS 2050:2011 5.3 / Annex A", reg) == ("PAS 2050:2011", ["5.3", "Annex A"])


def test_the_editor_goes_to_each_base(ws):
    from pcf.editor import analysis
    path = BATTERY / "battery_eu.pcf"
    text = path.read_text(encoding="utf-8")
    row = next(i for i, r in enumerate(text.split("\n")) if r.startswith("method "))
    head = text.split("\n")[row]
    model = analysis.definition(ws, text, str(path), row, head.index("worked.battery_model") + 3)
    standard = analysis.definition(ws, text, str(path), row, head.index("eubattery.base") + 3)
    assert Path(model.path) == BATTERY / "model.pcf"
    assert Path(standard.path) == ROOT / "methods" / "eubattery" / "base.pcf"


CAN = ROOT / "examples" / "worked-can"


def test_the_recycling_modules_give_the_worked_can_figures(ws):
    # By hand (examples/worked-can/case.toml), per kg: Ev 8.6, Erec 0.6, ErecEoL 0.6, ED 0.05,
    # R1 50 %, R2 70 %, A 20 %, Qs/Qp 1:
    #   cut-off          4.6 + (1 - 0.7) x 0.05                    = 4.615
    #   avoided burden   4.6 + 0.7 x (0.6 - 8.6) + 0.3 x 0.05       = -0.985
    #   CFF              7.8 + 0.8 x 0.7 x (0.6 - 8.6) + 0.015     = 3.335
    expected = {"can_cut_off.pcf": 4.615, "can_avoided_burden.pcf": -0.985, "can_cff.pcf": 3.335}
    for name, total in expected.items():
        r = ws.run_case(CAN, str(CAN / name))
        assert r.products[0].total == pytest.approx(total, rel=1e-12), name
        # the single-method case with its `approach` input and scenarios agrees
    by_scenario = {s: ws.run_case(CAN, scenario=s).products[0].total for s in ("cut_off", "avoided_burden")}
    assert by_scenario == pytest.approx({"cut_off": 4.615, "avoided_burden": -0.985}, rel=1e-12)


def test_the_chosen_module_is_named_in_the_report_and_the_comparison(tmp_path, capsys):
    out = tmp_path / "r.md"
    assert main(["report", str(CAN), "--method", str(CAN / "can_cff.pcf"), "--format", "md", "-o", str(out)]) == 0
    assert "worked.can_model, recycling.cff, iso14067.base" in out.read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["compare", str(CAN), "--method", str(CAN / "can_cut_off.pcf"), "--method",
                 str(CAN / "can_cff.pcf"), "--json"]) == 0
    diff = json.loads(capsys.readouterr().out)["differences"]
    assert diff["formula of end_of_life_ef"] == {"worked.can_cut_off": "(1 - R2) * Ed",
                                                 "worked.can_cff": "(1 - A) * R2 * (Erec_eol - Ev * q_out) + (1 - R2) * Ed"}
    assert diff["extends"]["worked.can_cff"] == "worked.can_model, recycling.cff, iso14067.base"


def test_a_module_override_wins_over_the_declaration_it_replaces(ws):
    # worked.can_model inherits recycling.cut_off's end_of_life_ef; recycling.cff (also over
    # recycling.cut_off) overrides it: the override is the more specific one, no conflict
    r = ws.run_case(CAN, str(CAN / "can_cff.pcf"))
    (let,) = [d for d in r.plan.method.lets if d.name == "end_of_life_ef"]
    assert let.span.path.endswith("methods/recycling/cff.pcf")


def test_an_override_two_levels_down_still_wins(ws, tmp_path):
    import shutil
    folder = shutil.copytree(CAN, tmp_path / "can")
    (folder / "cff2.pcf").write_text('method my.cff2 extends recycling.cff {\n'
                                     '  override let end_of_life_ef "none" = 0 kgCO2e/kg\n}\n', encoding="utf-8")
    (folder / "run.pcf").write_text('method my.run extends worked.can_model, my.cff2, iso14067.base {\n}\n',
                                    encoding="utf-8")
    r = ws.run_case(folder, str(folder / "run.pcf"))
    # the CFF's material 7.8 (see above) and an end of life of 0
    assert r.products[0].total == pytest.approx(7.8, rel=1e-12)


def test_an_override_names_the_base_it_replaces(ws):
    r = ws.run_case(BATTERY, str(BATTERY / "battery_eu.pcf"))
    found = {o.key.name: o.base for o in r.plan.method.overrides}
    # the functional unit is set by both bases (the model's wins the table: it comes first); the use
    # stage comes from the product model, not from the standard's base listed second
    assert found["use"] == "worked.battery_model"
    assert found["functional_unit"] == "worked.battery_model"
