"""Layered knowledge bases (engine/knowledge/layers.py): a company's factors over the library.

The case is self-made: 100 kWh of grid electricity per unit under the library's national
electricity carbon-footprint factor for 2024 (kb/electricity/cn_cfp.toml: 0.5777 kgCO2e/kWh,
so 100 x 0.5777 = 57.77 kgCO2e), and a company layer that gives 0.5 kgCO2e/kWh for the same id
(100 x 0.5 = 50 kgCO2e)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pcf.api import Workspace
from pcf.cli import main
from pcf.core.errors import PcfError

ID = "cn.electricity.cfp.national"
METHOD = """method acme.power "one input" {
  standard "ISO 14067:2018"
  boundary cradle_to_gate
  gwp AR5
  stage production "production"
  input electricity : kWh "grid electricity"
  let grid_ef "grid" = kb.cn.electricity.cfp.national
  emission power "electricity" in production = electricity * grid_ef
}
"""
INVENTORY = """[[product]]
id = "A"
functional_unit = "1 piece"
[product.inputs]
electricity = "100 kWh"
"""
LAYER = f"""[[entry]]
id = "{ID}"
name_en = "Grid electricity under the plant's supply contract"
value = 0.5
unit = "kgCO2e/kWh"
basis = "CO2e"
valid_from = 2024
valid_to = 2025
source = "acme_contract_2024"
"""
SOURCES = """[acme_contract_2024]
title = "Electricity supply contract, annex 3"
issuer = "ACME Power"
year = 2024
licence = "company confidential"
redistribution = false
"""


def make_case(folder: Path, extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "m.pcf").write_text(METHOD, encoding="utf-8")
    (folder / "inventory.toml").write_text(INVENTORY, encoding="utf-8")
    (folder / "case.toml").write_text('method = "m.pcf"\ninventory = "inventory.toml"\ndata_year = 2024\n' + extra,
                                      encoding="utf-8")
    return folder


def make_layer(folder: Path, entries: str = LAYER, sources: str | None = SOURCES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "company.toml").write_text(entries, encoding="utf-8")
    if sources is not None:
        (folder / "sources.toml").write_text(sources, encoding="utf-8")
    return folder


def total(result) -> float:
    (p,) = result.products
    return p.total


def test_without_a_layer_the_library_factor_is_used(tmp_path, ws):
    case = make_case(tmp_path / "case")
    result = ws.run_case(case)
    assert total(result) == pytest.approx(57.77, rel=1e-12)   # 100 kWh x 0.5777
    assert not [f for f in result.findings if f.code == "kb-override"]


def test_a_case_layer_overrides_the_library_and_says_so(tmp_path, ws):
    case = make_case(tmp_path / "case")
    make_layer(case / "kb")
    result = ws.run_case(case)
    assert total(result) == pytest.approx(50.0, rel=1e-12)    # 100 kWh x 0.5
    (f,) = [f for f in result.findings if f.code == "kb-override"]
    assert f.severity == "info" and f.at.path.endswith("company.toml") and f.at.line == 1
    # the library's value for the data year, and where it stands
    assert "0.5777 kgCO2e/kWh [2024]" in f.message and "kb/electricity/cn_cfp.toml:" in f.message
    assert "case layer" in f.message
    # the workspace the command loaded is untouched: the library still answers 0.5777
    assert ws.kb.lookup(ID, 2024).entry.value == 0.5777


def test_explain_and_report_show_the_override(tmp_path, ws):
    from pcf.analysis.explain import explain, render_tree
    from pcf.render.report import render_report
    case = make_case(tmp_path / "case")
    make_layer(case / "kb")
    result = ws.run_case(case)
    text = render_tree(explain(result, "power"))
    assert "Electricity supply contract, annex 3 (ACME Power, 2024)" in text
    assert "overriding the library entry 0.5777 kgCO2e/kWh [2024]" in text
    html = render_report(result, "html", "en")
    assert "Electricity supply contract, annex 3 (2024) [case layer, replacing the library value 0.5777 kgCO2e/kWh]" \
        in html
    zh = render_report(result, "md", "zh")
    assert "［案例层因子，替代因子库中的 0.5777 kgCO2e/kWh］" in zh


def test_kb_show_names_the_layer_and_what_it_shadows(tmp_path, capsys):
    case = make_case(tmp_path / "case")
    make_layer(case / "kb")
    assert main(["kb", "show", ID, "--case", str(case)]) == 0
    out = capsys.readouterr().out
    assert "value     0.5 kgCO2e/kWh" in out
    assert f"layer       case: {case / 'kb'}" in out
    assert "overrides   library (kb): [2024] 0.5777 kgCO2e/kWh, source mee_nbs_nea_cfp_2024" in out
    assert main(["kb", "show", ID, "--case", str(case), "--json"]) == 0
    (doc,) = json.loads(capsys.readouterr().out)
    assert doc["value"] == 0.5 and doc["layer"]["kind"] == "case"
    (hidden,) = doc["overrides"]
    assert hidden["layer"]["kind"] == "library"
    assert [e["value"] for e in hidden["entries"]] == [0.6205, 0.5777]   # 2023 and 2024 in the library
    # without the case, the library's entries only
    assert main(["kb", "show", ID]) == 0
    assert "0.5777" in capsys.readouterr().out


def test_kb_flag_adds_a_layer_and_library_kb_replaces(tmp_path, capsys):
    layer = make_layer(tmp_path / "company")
    assert main(["kb", "list", "--json"]) == 0
    library = json.loads(capsys.readouterr().out)
    assert main(["--kb", str(layer), "kb", "list", "--json"]) == 0
    layered = json.loads(capsys.readouterr().out)
    assert len(layered) == len(library) - 2 + 1        # the id's two library periods replaced by one
    (e,) = [e for e in layered if e["id"] == ID]
    assert e["value"] == 0.5 and e["layer"] == {"kind": "--kb", "folder": str(layer)}
    # --library-kb: only that folder (the company layer is a whole KB with its own sources)
    assert main(["--library-kb", str(layer), "kb", "list", "--json"]) == 0
    assert [e["id"] for e in json.loads(capsys.readouterr().out)] == [ID]


def test_a_project_layer_and_the_nearest_layer_wins(tmp_path, ws):
    project = tmp_path / "project"
    make_layer(project / "kb")                         # 0.5
    case = make_case(project / "cases" / "c1")
    assert total(ws.run_case(case)) == pytest.approx(50.0, rel=1e-12)
    make_layer(case / "kb", LAYER.replace("value = 0.5", "value = 0.4"), sources=None)   # cites the project's source
    result = ws.run_case(case)
    assert total(result) == pytest.approx(40.0, rel=1e-12)   # 100 x 0.4: the case layer is above the project's
    kinds = [layer.kind for layer in result.kb.layers]
    assert kinds == ["library", "project", "case"]
    (f,) = [f for f in result.findings if f.code == "kb-override"]
    assert "overriding the project entry 0.5 kgCO2e/kWh" in f.message


def test_case_toml_names_a_layer_inside_its_project(tmp_path, ws):
    project = tmp_path / "project"
    make_layer(project / "factors")
    case = make_case(project / "cases" / "c1", 'kb = "../../factors"\n')
    assert total(ws.run_case(case)) == pytest.approx(50.0, rel=1e-12)
    far = make_case(tmp_path / "a" / "b" / "c" / "d" / "case", f'kb = "{tmp_path / "project" / "factors"}"\n')
    with pytest.raises(PcfError) as exc:
        ws.run_case(far)
    (d,) = exc.value.diagnostics
    assert d.code == "case" and "outside the case's project" in d.message and d.span.line == 4


def test_an_override_replaces_the_whole_series(tmp_path, ws):
    """A year the layer does not give never falls through to the library's value."""
    case = make_case(tmp_path / "case")
    make_layer(case / "kb", LAYER.replace("valid_from = 2024", "valid_from = 2025"))
    with pytest.raises(PcfError) as exc:
        ws.run_case(case)
    assert exc.value.diagnostics[0].code == "kb-year" and "no value for 2024" in exc.value.diagnostics[0].message


def test_layer_errors_are_positioned(tmp_path, ws):
    case = make_case(tmp_path / "case")
    make_layer(case / "kb", LAYER.replace("acme_contract_2024", "acme_contract"), sources=SOURCES)
    with pytest.raises(PcfError) as exc:
        ws.run_case(case)
    (d,) = exc.value.diagnostics
    assert d.code == "kb-invalid" and "unknown source `acme_contract`" in d.message
    assert d.span.path.endswith("company.toml") and d.span.line == 1 and "acme_contract_2024" in d.hint
    make_layer(case / "kb", LAYER.replace('"kgCO2e/kWh"', '"kgCO2e/kg"'))
    with pytest.raises(PcfError) as exc:
        ws.run_case(case)
    (d,) = exc.value.diagnostics
    assert d.code == "kb-invalid" and "overrides an entry in kgCO2e/kWh with one in kgCO2e/kg" in d.message
    assert d.related[0][1].path.endswith("cn_cfp.toml")


def test_pcf_check_checks_a_layer_over_the_library(tmp_path, capsys):
    layer = make_layer(tmp_path / "kb", LAYER.replace("acme_contract_2024", "cpcd"), sources=None)
    assert main(["check", str(layer)]) == 0
    make_layer(layer, LAYER.replace("acme_contract_2024", "cpcdx"), sources=None)
    assert main(["check", str(layer)]) == 1
    err = capsys.readouterr().err
    assert "company.toml:1:1: entry[0] (cn.electricity.cfp.national): unknown source `cpcdx` [kb-invalid]" in err


def test_outputs_never_overwrite_a_layer_file(tmp_path, capsys, monkeypatch):
    case = make_case(tmp_path / "case")
    make_layer(case / "kb")
    monkeypatch.chdir(tmp_path)
    assert main(["report", "case", "-o", "case/kb/company.toml"]) == 1
    assert "which this run read" in capsys.readouterr().err
    assert (case / "kb" / "company.toml").read_text(encoding="utf-8") == LAYER


def test_workspace_without_layers_is_unchanged(ws):
    """The library alone: one layer, nothing shadowed (what every seed runs on)."""
    assert ws.kb.layers == () and ws.kb.shadowed == {}
    assert Workspace.load().kb.by_id.keys() == ws.kb.by_id.keys()
