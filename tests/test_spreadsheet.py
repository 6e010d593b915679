"""Inventories from spreadsheets: XLSX and CSV give the result the TOML inventory gives."""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

import openpyxl
import pytest
import tomli

import pcf
from pcf.spreadsheet import write_workbook

ROOT = Path(__file__).resolve().parent.parent
SEED_004 = ROOT / "examples" / "seed-004-distribution-units"
TABLES = {"materials": ["mass [t]", "factor"], "materials_by_length": ["length [m]", "factor"],
          "legs": ["mass [t]", "distance [km]"]}


def xlsx_case(tmp_path: Path) -> Path:
    case = tmp_path / "case"
    shutil.copytree(SEED_004, case)
    data = tomli.loads((SEED_004 / "inventory.toml").read_text(encoding="utf-8"))
    (case / "inventory.xlsx").write_bytes(write_workbook(data["product"], TABLES, data.get("shared", [])))
    text = (case / "case.toml").read_text(encoding="utf-8").replace('inventory = "inventory.toml"',
                                                                      'inventory = "inventory.xlsx"')
    (case / "case.toml").write_text(text, encoding="utf-8")
    (case / "inventory.toml").unlink()
    return case


def test_seed_004_from_xlsx_equals_toml(ws, tmp_path):
    case = xlsx_case(tmp_path)
    wb = openpyxl.load_workbook(case / "inventory.xlsx")
    assert wb["legs"].max_row - 1 == 20                       # both products' 20 supplier legs
    from_xlsx = ws.run_case(case)
    from_toml = ws.run_case(SEED_004)
    for a, b in zip(from_xlsx.products, from_toml.products):
        assert (a.id, a.total, dict(a.stages)) == (b.id, b.total, dict(b.stages))
        assert a.data_quality["score"] == b.data_quality["score"]
    assert [f.code for f in from_xlsx.findings] == [f.code for f in from_toml.findings]


def test_a_wrong_unit_names_sheet_row_and_column(ws, tmp_path):
    case = xlsx_case(tmp_path)
    wb = openpyxl.load_workbook(case / "inventory.xlsx")
    wb["legs"]["D5"] = "km"                 # header cells stay; a distance cell becomes text
    wb["legs"]["C1"] = "mass [kWh]"          # the mass column declared in kWh
    wb.save(case / "inventory.xlsx")
    with pytest.raises(pcf.PcfError) as e:
        ws.run_case(case)
    d = e.value.diagnostics[0]
    assert d.span.path.endswith("inventory.xlsx[legs]") and d.span.line == 2 and d.span.column == 3
    assert "kWh" in d.message and d.code == "unit-mismatch"


def test_an_unknown_factor_names_its_cell(ws, tmp_path):
    case = xlsx_case(tmp_path)
    wb = openpyxl.load_workbook(case / "inventory.xlsx")
    ws_ = wb["materials"]
    ws_["D2"] = "kb.cn.cpcd.material.aluminum_product"
    wb.save(case / "inventory.xlsx")
    with pytest.raises(pcf.PcfError) as e:
        ws.run_case(case)
    d = e.value.diagnostics[0]
    assert d.code == "kb-unknown" and d.span.path.endswith("[materials]") and (d.span.line, d.span.column) == (2, 4)
    assert "aluminium_product" in d.hint


def test_a_folder_of_csv_sheets(ws, tmp_path):
    case = xlsx_case(tmp_path)
    wb = openpyxl.load_workbook(case / "inventory.xlsx")
    folder = case / "inventory"
    folder.mkdir()
    for sheet in wb.worksheets:
        with (folder / f"{sheet.title}.csv").open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)])
    text = (case / "case.toml").read_text(encoding="utf-8").replace('"inventory.xlsx"', '"inventory"')
    (case / "case.toml").write_text(text, encoding="utf-8")
    r = ws.run_case(case)
    assert [round(p.total, 4) for p in r.products] == [11.0502, 3.3928]


def test_init_writes_templates_that_name_every_input(tmp_path, capsys):
    from pcf.cli import main
    case = tmp_path / "new-case"
    assert main(["init", str(case), "--method", "gbt24067.electrical"]) == 0
    assert {p.name for p in case.iterdir()} == {"case.toml", "inventory.toml", "inventory.xlsx"}
    toml_text = (case / "inventory.toml").read_text(encoding="utf-8")
    method = pcf.Workspace.load().method("gbt24067.electrical")
    for d in method.inputs:
        assert f"# {d.name} = \"<amount> {d.unit}\"" in toml_text
    sheet = openpyxl.load_workbook(case / "inventory.xlsx")["inputs"]
    assert [r[1] for r in sheet.iter_rows(min_row=2, values_only=True)] == [d.name for d in method.inputs]
    # an empty template is a case whose errors list what to fill in
    capsys.readouterr()
    assert main(["run", str(case)]) == 1
    err = capsys.readouterr().err
    assert "rm_electricity" in err and "missing-input" in err
    # never over an existing case
    assert main(["init", str(case), "--method", "gbt24067.electrical"]) == 1


def test_filled_xlsx_template_runs(tmp_path):
    from pcf.cli import main
    case = tmp_path / "c"
    assert main(["init", str(case), "--method", "pas2050.production_energy"]) == 0
    wb = openpyxl.load_workbook(case / "inventory.xlsx")
    sheet = wb["inputs"]
    for row in sheet.iter_rows(min_row=2):
        row[2].value = {"production_electricity": 1000, "grid_factor": "kb.cn.electricity.co2.province.hunan"}[row[1].value]
    wb.save(case / "inventory.xlsx")
    text = (case / "case.toml").read_text(encoding="utf-8")
    text = text.replace('inventory = "inventory.toml"', 'inventory = "inventory.xlsx"')
    text = text.replace("data_year = ", "data_year = 2022  # ")
    (case / "case.toml").write_text(text, encoding="utf-8")
    r = pcf.Workspace.load().run_case(case)
    assert r.products[0].total == pytest.approx(1000 * 0.49)        # 1000 kWh x 0.4900 kgCO2/kWh (Hunan 2022)
