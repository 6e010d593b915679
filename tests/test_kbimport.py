"""Importers (engine/knowledge/imports/): each on a small hand-written fixture in its source's format,
malformed rows refused with their positions, re-imports byte-identical, and the output a
valid knowledge base."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from pcf import cli
from pcf.core.errors import PcfError, render
from pcf.knowledge.kb import load_kb
from pcf.knowledge.imports import convert
from pcf.core.units import load_units

FIX = Path(__file__).parent / "fixtures" / "kbimport"


@pytest.fixture(scope="module")
def units():
    return load_units()


def as_kb(tmp_path: Path, units, text: str, source: str):
    """The imported text as a one-file knowledge base, validated by the loader."""
    root = tmp_path / "kb"
    root.mkdir(exist_ok=True)
    (root / "sources.toml").write_text(f'[{source}]\ntitle = "t"\nissuer = "i"\nyear = 2024\n', encoding="utf-8")
    (root / "imported.toml").write_text(text, encoding="utf-8")
    return load_kb(root, units, cache=False)


def problems(fmt: str, name: str, **options) -> list[str]:
    with pytest.raises(PcfError) as exc:
        convert(fmt, FIX / name, options)
    return render(exc.value.diagnostics, with_source=False).splitlines()


def where(shown: list[str]) -> list[str]:
    """`file:line:col` of each rendered problem, the file by its name."""
    return [f"{Path(m[1]).name}:{m[2]}:{m[3]}" for m in (re.match(r"^(.+?):(\d+):(\d+): ", s) for s in shown) if m]


# --- DESNZ flat files ------------------------------------------------------------------------

def test_desnz_entries_with_parts_scopes_and_wtt_apart(tmp_path, units):
    kb = as_kb(tmp_path, units, convert("desnz", FIX / "desnz_flat.csv", {"confidence": "confirmed-A"}),
               "desnz_ghg_cf_flat_2023")
    diesel = kb.lookup("uk.desnz.fuels.liquid_fuels.diesel_average_biofuel_blend.per_l", 2023).entry
    # rows 1_101_1011_8_1 to _4: 2.47887 + 0.00029 + 0.0329 = 2.51206
    assert (diesel.value, diesel.unit, diesel.boundary) == (2.51206, "kgCO2e/L", "scope 1")
    assert diesel.parts == (("ch4", 0.00029, "kgCO2e/L"), ("co2", 2.47887, "kgCO2e/L"), ("n2o", 0.0329, "kgCO2e/L"))
    assert diesel.table == "desnz_flat.csv:2 (ID 1_101_1011_8_1); gas rows at lines 3, 4, 5"
    wtt = kb.lookup("uk.desnz.wtt_fuels.liquid_fuels.diesel_average_biofuel_blend.per_l", 2023).entry
    assert (wtt.value, wtt.boundary, wtt.parts) == (0.61101, "well-to-tank", None)
    # the calorific basis, given only in the unit, keeps the two kWh rows apart
    assert kb.lookup("uk.desnz.fuels.gaseous_fuels.butane.net_cv.per_kwh", 2023).entry.value == 0.24107
    assert kb.lookup("uk.desnz.fuels.gaseous_fuels.butane.gross_cv.per_kwh", 2023).entry.value == 0.22241
    pet = kb.lookup("uk.desnz.material_use.plastic.plastics_pet_incl_forming.primary_material_production.per_t",
                    2023).entry
    assert pet.value == 4018.48341 and "塑料" in pet.name_zh           # thousands separator read
    landfill = kb.lookup("uk.desnz.waste_disposal.plastic.plastics_pet_incl_forming.landfill.per_t", 2023).entry
    assert landfill.value == 8.88413 and "填埋" in landfill.name_zh
    # the fuel-property row (kWh (Net CV) per tonne) and the empty cell are not factors
    assert len(kb.entries) == 6


def test_desnz_reimport_is_byte_identical(tmp_path, capsys):
    out = tmp_path / "kb" / "uk" / "desnz.toml"
    written = []
    for _ in range(2):
        assert cli.main(["kb", "import", "desnz", str(FIX / "desnz_flat.csv"), "-o", str(out)]) == 0
        written.append(out.read_bytes())
    assert written[0] == written[1]
    assert "wrote 6 entries" in capsys.readouterr().out


def test_desnz_unconfirmed_by_default_is_not_a_default():
    text = convert("desnz", FIX / "desnz_flat.csv", {})
    assert text.count('confidence = "unconfirmed"\ndefault = false') == text.count("[[entry]]") == 6


def test_desnz_refuses_unreadable_rows_with_positions():
    shown = problems("desnz", "desnz_bad.csv")
    assert where(shown) == ["desnz_bad.csv:2:10", "desnz_bad.csv:3:8", "desnz_bad.csv:4:9", "desnz_bad.csv:5:2",
                  "desnz_bad.csv:7:9"]
    assert "expected a number, found 'n/a'" in shown[0] and "[kb-import]" in shown[0]
    assert any("unknown unit 'furlongs'" in s for s in shown)
    assert any("unknown gas 'kg CO2e of SF6 per unit'" in s for s in shown)
    assert any("unknown scope 'Scope 4'" in s for s in shown)
    assert any("a second CO2e row for this activity (the first is at" in s for s in shown)


def test_xlsx_positions_name_the_sheet(tmp_path):
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Factors by Category"
    ws.append(["UK Government GHG Conversion Factors for Company Reporting"])   # a title row above the header
    ws.append(["ID", "Scope", "Level 1", "Level 2", "Level 3", "Level 4", "Column Text", "UOM", "GHG/Unit",
               "GHG Conversion Factor 2023"])
    ws.append(["1_1", "Scope 1", "Fuels", "Liquid fuels", "Diesel", None, None, "litres", "kg CO2e", 2.5])
    ws.append(["1_2", "Scope 1", "Fuels", "Liquid fuels", "Petrol", None, None, "litres", "kg CO2e", "lots"])
    wb.save(tmp_path / "flat.xlsx")
    with pytest.raises(PcfError) as exc:
        convert("desnz", tmp_path / "flat.xlsx", {})
    [d] = exc.value.diagnostics
    assert str(d.span).endswith("flat.xlsx:Factors by Category:4:10")


# --- OWID / Ember grid series ----------------------------------------------------------------

def test_owid_grid_series(tmp_path, units):
    kb = as_kb(tmp_path, units, convert("owid-grid", FIX / "owid_grid.csv", {}), "owid_energy_ember")
    france = kb.by_id["intl.electricity.ember.fra"]
    assert [(e.valid_from, e.value, e.unit) for e in france] == [(2022, 85.0, "gCO2e/kWh"), (2023, 56.0, "gCO2e/kWh")]
    assert france[1].table == "owid_grid.csv:4 (carbon_intensity_elec)" and not france[1].default
    assert kb.by_id["intl.electricity.ember.asean_ember"][0].value == 568.73   # an aggregate without ISO code
    assert "intl.electricity.ember.ken" not in kb.by_id                        # no value: not imported


def test_owid_refuses_unreadable_rows():
    shown = problems("owid-grid", "owid_bad.csv")
    assert where(shown) == ["owid_bad.csv:2:2", "owid_bad.csv:3:4",
                                                                "owid_bad.csv:4:4"]


# --- a company's own list, by mapping --------------------------------------------------------

def test_mapping_import(tmp_path, units):
    text = convert("mapping", FIX / "own_factors.csv", {"mapping": FIX / "own_mapping.toml"})
    kb = as_kb(tmp_path, units, text, "acme_factors_2024")
    al = kb.lookup("acme.material.al_6061", 2024, pinned=True).entry
    assert (al.value, al.unit, al.name_zh, al.region, al.table) == (9.5, "kgCO2e/kg", "铝板", "CN", "own_factors.csv:2")
    assert convert("mapping", FIX / "own_factors.csv", {"mapping": FIX / "own_mapping.toml"}) == text


def test_mapping_refuses_bad_rows_and_a_bad_mapping(tmp_path):
    shown = problems("mapping", "own_factors_bad.csv", mapping=FIX / "own_mapping.toml")
    assert where(shown) == ["own_factors_bad.csv:2:4", "own_factors_bad.csv:3:6",
                                                                "own_factors_bad.csv:5:1", "own_factors_bad.csv:6:5"]
    assert any("unknown unit `widget`" in s for s in shown)
    bad = tmp_path / "m.toml"
    bad.write_text('source = "s"\n[columns]\nid = "Code"\nvalue = "V"\nunit = "U"\nvaleu_from = "Year"\n',
                   encoding="utf-8")
    with pytest.raises(PcfError) as exc:
        convert("mapping", FIX / "own_factors.csv", {"mapping": bad})
    [d] = exc.value.diagnostics
    assert (d.span.line, d.code) == (6, "kb-import") and "not an entry field" in d.message


# --- CPCD (importer only: the export states no licence) ----------------------------------------

def test_cpcd_import_is_never_a_default(tmp_path, units):
    kb = as_kb(tmp_path, units, convert("cpcd", FIX / "cpcd.csv", {}), "cpcd")
    pp = kb.by_id["cn.cpcd.product.99999x0012024a"][0]
    assert (pp.value, pp.unit, pp.boundary, pp.confidence, pp.default) == \
        (1.8, "tCO2e/t", "cradle-to-gate", "unconfirmed", False)
    assert kb.by_id["cn.cpcd.product.99999x0032024a"][0].unit == "gCO2e/tkm"
    assert kb.by_id["cn.cpcd.product.99999x0062024a"][0].unit == "kgCO2e/m2"     # 平方米
    shown = problems("cpcd", "cpcd_bad.csv")
    assert where(shown) == ["cpcd_bad.csv:2:4", "cpcd_bad.csv:3:6"]


def test_unknown_format_suggests_one():
    [line, hint] = problems("desnzz", "desnz_flat.csv")
    assert "unknown import format `desnzz`" in line and "did you mean `desnz`?" in hint
