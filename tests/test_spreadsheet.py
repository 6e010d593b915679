"""Inventories from spreadsheets: XLSX and CSV give the result the TOML inventory gives."""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

import openpyxl
import pytest
import tomli

import pcf
from pcf.inputs.spreadsheet import write_workbook

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


# --- read as written (issue 16) ----------------------------------------------------------------

def rewrite_sheet(book: Path, marker: bytes, edit) -> None:
    """Rewrite the XML of the sheet containing `marker` with `edit(bytes) -> bytes`."""
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(book) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.startswith("xl/worksheets/") and marker in data:
                data = edit(data)
            zout.writestr(info, data)
    book.write_bytes(buf.getvalue())


def test_rows_past_the_declared_dimension_are_read(ws, tmp_path):
    # Some writers leave `<dimension>` wrong; openpyxl's read-only mode trusted it and read the
    # legs sheet's first row only: A 4.68 and B 2.33 instead of the seed's 11.05 and 3.39.
    import re
    case = xlsx_case(tmp_path)
    rewrite_sheet(case / "inventory.xlsx", b"distance [km]",
                  lambda x: re.sub(rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1"/>', x))
    assert b'<dimension ref="A1"/>' in __import__("zipfile").ZipFile(case / "inventory.xlsx").read("xl/worksheets/sheet5.xml")
    r = ws.run_case(case)
    assert [round(p.total, 2) for p in r.products] == [11.05, 3.39]


def formula_case(tmp_path: Path) -> Path:
    """Seed 004 whose first leg's mass (C2, 65 t in the seed) is the formula =13*5, as a script writes it."""
    case = xlsx_case(tmp_path)
    wb = openpyxl.load_workbook(case / "inventory.xlsx")
    assert wb["legs"]["C2"].value == "65"
    wb["legs"]["C2"] = "=13*5"
    wb.save(case / "inventory.xlsx")
    return case


def test_a_formula_without_a_stored_value_is_an_error_naming_its_cell(ws, tmp_path):
    case = formula_case(tmp_path)
    with pytest.raises(pcf.PcfError) as e:
        ws.run_case(case)
    (d,) = e.value.diagnostics
    assert str(d.span) == f"{d.span.path}:2:3" and d.span.path.endswith("inventory.xlsx[legs]")
    assert "C2" in d.message and "formula" in d.message
    assert "spreadsheet program" in d.hint and "save" in d.hint


@pytest.mark.parametrize("stored", ["65", "0"])
def test_a_formula_counts_by_its_stored_value(ws, tmp_path, stored):
    # As Excel saves it: the formula and the value it computed. The stored value counts, even
    # one the formula would not give (0): the same result as that value typed into the cell.
    case = formula_case(tmp_path / "formula")
    rewrite_sheet(case / "inventory.xlsx", b"distance [km]",
                  lambda x: x.replace(b"<f>13*5</f><v></v>", b"<f>13*5</f><v>%s</v>" % stored.encode())
                  .replace(b"<f>13*5</f><v /></c>", b"<f>13*5</f><v>%s</v></c>" % stored.encode()))
    typed = xlsx_case(tmp_path / "typed")
    wb = openpyxl.load_workbook(typed / "inventory.xlsx")
    wb["legs"]["C2"] = stored
    wb.save(typed / "inventory.xlsx")
    assert [p.total for p in ws.run_case(case).products] == [p.total for p in ws.run_case(typed).products]
    if stored == "65":
        assert [round(p.total, 2) for p in ws.run_case(case).products] == [11.05, 3.39]   # the seed's


@pytest.mark.parametrize("edit, where", [
    (lambda x: x[:len(x) // 2], "[legs]"),                                # the sheet's XML cut in half
    (lambda x: x.replace(b'<row r="3"', b'<row r="x3"'), "[legs]:3:1"),   # a row number that is not one
    (lambda x: x.replace(b'r="C4"', b'r="C@4"'), "[legs]:4:1"),            # a cell reference that is not one
])
def test_a_damaged_sheet_is_a_positioned_error_not_exit_70(tmp_path, capsys, edit, where):
    from pcf.cli import main
    case = xlsx_case(tmp_path)
    rewrite_sheet(case / "inventory.xlsx", b"distance [km]", edit)
    assert main(["run", str(case)]) == 1
    err = capsys.readouterr().err
    assert f"inventory.xlsx{where}" in err and "[inventory]" in err and "Traceback" not in err


def test_a_file_that_is_not_a_workbook_is_positioned_at_its_start(tmp_path, capsys):
    from pcf.cli import main
    case = xlsx_case(tmp_path)
    (case / "inventory.xlsx").write_bytes(b"product,input\nA,x\n")
    assert main(["run", str(case)]) == 1
    err = capsys.readouterr().err
    assert "inventory.xlsx:1:1: not an .xlsx workbook" in err and "product,input" not in err


def test_a_zip_version_python_cannot_read_is_positioned(tmp_path, capsys):
    # Found by bench/fuzz_xlsx.py (mutation #2135): zipfile raises NotImplementedError for a
    # central directory entry that needs zip version 19.7 to extract.
    from pcf.cli import main
    case = xlsx_case(tmp_path)
    data = bytearray((case / "inventory.xlsx").read_bytes())
    entry = data.find(b"PK\x01\x02")
    data[entry + 6:entry + 8] = (197).to_bytes(2, "little")
    (case / "inventory.xlsx").write_bytes(bytes(data))
    assert main(["run", str(case)]) == 1
    assert "inventory.xlsx:1:1: not an .xlsx workbook" in capsys.readouterr().err


def test_two_sheets_of_one_name_are_an_error(tmp_path):
    from pcf.inputs.inventory import load_inventory
    # Excel refuses it; openpyxl reads both, and the second `legs` (the quality grades) would
    # have replaced the first.
    import io
    import zipfile
    case = xlsx_case(tmp_path)
    book = case / "inventory.xlsx"
    with zipfile.ZipFile(book) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    assert b'name="quality"' in parts["xl/workbook.xml"]
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b'name="quality"', b'name="legs"')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    book.write_bytes(buf.getvalue())
    with pytest.raises(pcf.PcfError) as e:
        load_inventory(book)
    (d,) = e.value.diagnostics
    assert "two sheets are named `legs`" in d.message and (d.span.line, d.span.column) == (1, 1)


def test_a_wide_catalogue_past_its_declared_dimension(tmp_path, capsys):
    # `pcf batch` reads wide workbooks through the same reader: all 30 products, not the first.
    import re

    from pcf.cli import main
    wb = openpyxl.Workbook()
    wb.active.append(["product", "production_electricity [kWh]", "grid_factor [kgCO2/kWh]"])
    for k in range(30):
        wb.active.append([f"p{k}", 1000, 0.5])
    wb.save(tmp_path / "cat.xlsx")
    rewrite_sheet(tmp_path / "cat.xlsx", b"<sheetData",
                  lambda x: re.sub(rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1:C2"/>', x))
    assert main(["batch", "pas2050.production_energy", str(tmp_path / "cat.xlsx"), "--data-year", "2024"]) == 0
    rows = capsys.readouterr().out.strip().split("\n")[1:]
    assert len(rows) == 30 and all(float(r.split(",")[2]) == pytest.approx(500) for r in rows)   # 1000 kWh x 0.5
