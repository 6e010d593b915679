"""A methods search path (issue 17 item 7): methods beside a case or beside the method that
extends them find each other by id, the library last; `pcf init --method PATH` writes a case
that runs as written; no absolute path in the messages."""
from __future__ import annotations

from pathlib import Path

import pytest

import pcf
from pcf.cli import main

BASE = '''method my.beverage_base "饮料 base" extends iso14067.base {
  override gwp AR5
  functional_unit "1 瓶"
  stage production "生产"
  input power : kWh "用电" period
  emission power_use "用电" in production = power * 0.5 kgCO2e/kWh
}
'''
JUICE = '''method my.juice "果汁" extends my.beverage_base {
  override boundary partial(production)
}
'''
INVENTORY = '[[product]]\nid = "J"\nquantity = 1000\n[product.inputs]\npower = "200 kWh"\n'


def write(folder: Path, **files: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name.replace("_pcf", ".pcf").replace("_toml", ".toml")).write_text(text, encoding="utf-8")
    return folder


def test_a_case_s_method_extends_a_method_beside_it(ws, here):
    case = write(here / "case", base_pcf=BASE, juice_pcf=JUICE, inventory_toml=INVENTORY,
                 case_toml='method = "juice.pcf"\ninventory = "inventory.toml"\ndata_year = 2024\n')
    r = ws.run_case(case)
    # 200 kWh for the year / 1000 bottles x 0.5 kgCO2e/kWh = 0.1 kgCO2e per bottle
    assert r.products[0].total == pytest.approx(0.1, rel=1e-12)
    assert r.method.boundary_stages == ("production",)


def test_a_case_names_a_method_beside_it_by_id(ws, here):
    case = write(here / "case", base_pcf=BASE, juice_pcf=JUICE, inventory_toml=INVENTORY,
                 case_toml='method = "my.juice"\ninventory = "inventory.toml"\ndata_year = 2024\n')
    assert ws.run_case(case).method.id == "my.juice"


def test_an_unknown_base_names_the_folder_relative_and_suggests(ws, here):
    case = write(here / "case", juice_pcf=JUICE.replace("my.beverage_base", "my.beverage_bas"),
                 base_pcf=BASE, inventory_toml=INVENTORY,
                 case_toml='method = "juice.pcf"\ninventory = "inventory.toml"\ndata_year = 2024\n')
    with pytest.raises(pcf.PcfError) as e:
        ws.run_case(case)
    (d,) = e.value.diagnostics
    assert d.code == "method-not-found" and d.hint == "did you mean `my.beverage_base`?"
    assert "folder `case`" in d.message and str(here) not in d.message


def test_an_unknown_library_id_prints_no_absolute_path(ws, here):
    case = write(here / "case", inventory_toml=INVENTORY,
                 case_toml='method = "gbt24067.electricl"\ninventory = "inventory.toml"\ndata_year = 2024\n')
    with pytest.raises(pcf.PcfError) as e:
        ws.run_case(case)
    (d,) = e.value.diagnostics
    assert "/" not in d.message.split("`gbt24067.electricl`")[1]


def test_init_with_a_method_file_writes_a_case_that_runs(here, capsys):
    write(here / "lib", base_pcf=BASE, juice_pcf=JUICE)
    assert main(["init", "new-case", "--method", "lib/juice.pcf"]) == 0
    case = here / "new-case"
    assert sorted(p.name for p in case.iterdir()) == ["base.pcf", "case.toml", "inventory.toml",
                                                      "inventory.xlsx", "juice.pcf"]
    assert 'method = "juice.pcf"' in (case / "case.toml").read_text(encoding="utf-8")
    template = (case / "inventory.toml").read_text(encoding="utf-8")
    assert "(required; for the whole period)" in template and "required: some amounts are for the period" in template
    (case / "inventory.toml").write_text(INVENTORY, encoding="utf-8")
    capsys.readouterr()
    assert main(["run", str(case), "--json"]) == 0
    import json
    assert json.loads(capsys.readouterr().out)["products"][0]["total"] == pytest.approx(0.1, rel=1e-12)


def test_library_files_in_findings_are_shown_relative_to_the_working_directory(ws, here, capsys):
    """Run from a folder outside the checkout: the library's method files in findings are
    `../…/methods/…`, not the installation's absolute path (issue 17 item 7)."""
    import os
    root = Path(__file__).resolve().parents[1]
    assert not Path.cwd().resolve().is_relative_to(root)   # `here` is a temporary folder
    assert main(["run", str(root / "examples" / "seed-004-distribution-units")]) == 0
    text = capsys.readouterr().out
    shown = os.path.relpath(root / "methods" / "iso14067" / "base.pcf", Path.cwd())
    assert f"gwp-set  {shown}:17:3" in text and shown.startswith("..")
    assert f" {root / 'methods'}" not in text


def test_a_project_methods_folder_is_searched_between_the_case_and_the_library(ws, here, capsys):
    """project/methods/*.pcf serve every case under project/ (issue 17 item 7)."""
    root = Path(__file__).resolve().parents[1]
    project = Path("project")
    (project / "methods").mkdir(parents=True)
    (project / "methods" / "juice.pcf").write_text(
        'method proj.juice "juice" extends iso14067.base {\n  functional_unit "1 L"\n  stage raw_material "r"\n'
        '  stage production "p"\n  stage distribution "d"\n  stage use "u" excluded "none"\n'
        '  stage end_of_life "e"\n  input power : kWh\n  emission e in production = power * 0.5 kgCO2e/kWh\n}\n',
        encoding="utf-8")
    (project / "methods" / "juice_green.pcf").write_text(
        'method proj.juice_green "green" extends proj.juice {\n  override gwp AR6\n}\n', encoding="utf-8")
    case = project / "cases" / "a"
    case.mkdir(parents=True)
    (case / "inventory.toml").write_text('[[product]]\nid = "J"\n[product.inputs]\npower = "2 kWh"\n',
                                         encoding="utf-8")
    (case / "case.toml").write_text('method = "proj.juice_green"\ninventory = "inventory.toml"\ndata_year = 2024\n',
                                    encoding="utf-8")
    r = ws.run_case(case)
    # 2 kWh x 0.5 kgCO2e/kWh = 1.0, through a project method extending another one and the library's base
    assert r.products[0].total == pytest.approx(1.0, rel=1e-12) and r.method.id == "proj.juice_green"
    (case / "case.toml").write_text('method = "proj.juise"\ninventory = "inventory.toml"\n', encoding="utf-8")
    assert main(["run", str(case)]) == 1
    err = capsys.readouterr().err
    assert "did you mean `proj.juice`?" in err and str(root) not in err
