"""Factors typed as numbers without a source get the warning `literal-factor` (checks/literals.py);
a note beside the amount, a `note` column or case.toml [factor_notes] names the source, silences
it, and the report prints it as the factor's source."""
from __future__ import annotations

import pytest

from pcf.render.report import render_report

METHOD = """method acme.part "typed factors" {
  standard "ISO 14067:2018"
  boundary cradle_to_gate
  gwp AR5
  stage raw_material "materials"
  stage production "production"
  input steel : kg "steel"
  input steel_ef : kgCO2e/kg "steel factor"
  input electricity : kWh "electricity"
  table parts "purchased parts" {
    mass : kg
    ef : kgCO2e/kg
  }
  let grid_ef "grid" = 0.58 kgCO2e/kWh
  let nothing "a zero is not a factor" = 0 kgCO2e/kWh
  emission steel_use "steel" in raw_material = steel * steel_ef
  emission bought "parts" in raw_material = sum(p in parts: p.mass * p.ef)
  emission power "electricity" in production = electricity * (grid_ef + nothing)
}
"""
STEEL = 'steel_ef = "2.3 kgCO2e/kg"'
ROW = '[[product.parts]]\nname = "bolt"\nmass = "0.1 kg"\nef = "3 kgCO2e/kg"\n'


def make_case(folder, steel=STEEL, row=ROW, extra=""):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "m.pcf").write_text(METHOD, encoding="utf-8")
    (folder / "inventory.toml").write_text(
        f'[[product]]\nid = "A"\nfunctional_unit = "1 piece"\n[product.inputs]\nsteel = "2 kg"\n{steel}\n'
        f'electricity = "10 kWh"\n{row}', encoding="utf-8")
    (folder / "case.toml").write_text(f'method = "m.pcf"\ninventory = "inventory.toml"\n{extra}', encoding="utf-8")
    return folder


def literal(result):
    return sorted((str(f.at), f.message) for f in result.findings if f.code == "literal-factor")


def test_typed_factors_are_named(tmp_path, ws):
    result = ws.run_case(make_case(tmp_path / "c"))
    (p,) = result.products
    # 2 kg x 2.3 + 0.1 kg x 3 + 10 kWh x (0.58 + 0) = 4.6 + 0.3 + 5.8 = 10.7: the warning changes no figure
    assert p.total == pytest.approx(10.7, rel=1e-12)
    found = literal(result)
    assert [w for w, _ in found] == [f"{tmp_path / 'c' / 'inventory.toml'}:11:1",
                                     f"{tmp_path / 'c' / 'inventory.toml'}:6:1",
                                     f"{tmp_path / 'c' / 'm.pcf'}:14:24"]
    assert all(f.severity == "warning" for f in result.findings if f.code == "literal-factor")
    messages = [m for _, m in found]
    assert "table `parts` row 1, `ef`: the factor 3 kgCO2e/kg is typed in the inventory with no source" in messages[0]
    assert "input `steel_ef`: the factor 2.3 kgCO2e/kg" in messages[1]
    assert messages[2].startswith("let `grid_ef` uses the factor 0.58 kgCO2e/kWh, typed in the method")
    assert not any("nothing" in m for m in messages)   # 0 kgCO2e/kWh is no factor


def test_a_note_silences_and_the_report_prints_it(tmp_path, ws):
    case = make_case(tmp_path / "c", steel='steel_ef = { value = "2.3 kgCO2e/kg", note = "supplier EPD S-P-0042 (2024)" }',
                     row=ROW + 'note = "supplier declaration 2024-03"\n',
                     extra='[factor_notes]\ngrid_ef = "DESNZ 2023 UK electricity generation (illustrative)"\n')
    result = ws.run_case(case)
    assert literal(result) == []
    html = render_report(result, "html", "en")
    assert "supplier EPD S-P-0042 (2024)" in html
    assert "supplier declaration 2024-03" in html
    assert "DESNZ 2023 UK electricity generation (illustrative)" in html


def test_factor_notes_cover_an_input_and_a_table(tmp_path, ws):
    case = make_case(tmp_path / "c", extra='[factor_notes]\nsteel_ef = "mill certificate"\nparts = "supplier list"\n')
    assert [m.split(",")[0] for _, m in literal(ws.run_case(case))] == ["let `grid_ef` uses the factor 0.58 kgCO2e/kWh"]


def test_a_knowledge_base_factor_is_never_a_literal(tmp_path, ws):
    case = make_case(tmp_path / "c", steel='steel_ef = "kb.cn.cpcd.material.aluminium_product"')
    assert not any("steel_ef" in m for _, m in literal(ws.run_case(case)))


def test_bad_notes_are_positioned_errors(tmp_path, ws):
    from pcf.core.errors import PcfError
    case = make_case(tmp_path / "c", steel='steel_ef = { value = "2.3 kgCO2e/kg", note = "" }')
    with pytest.raises(PcfError) as exc:
        ws.run_case(case)
    (d,) = exc.value.diagnostics
    assert d.code == "bad-number" and "`note` names where the amount comes from" in d.message and d.span.line == 6
    case = make_case(tmp_path / "d", extra="[factor_notes]\ngrid_ef = 3\n")
    with pytest.raises(PcfError) as exc:
        ws.run_case(case)
    (d,) = exc.value.diagnostics
    assert d.code == "case" and "factor_notes" in d.message and d.span.line == 3
