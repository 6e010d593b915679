"""The CLI for machines (issue 23 item 3): `pcf check --json` and `pcf run --fail-on`."""
from __future__ import annotations

import json
from pathlib import Path

from pcf.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_check_json_gives_each_diagnostic_with_its_place(here, capsys):
    Path("m.pcf").write_text('method t.m "m" {\n  standard "S"\n  boundary cradle_to_gate\n  gwp AR5\n'
                             '  stage production "p"\n  input power : kWh\n  input unused : kg\n'
                             '  emission e in production = powr * 0.5 kgCO2e/kWh\n}\n', encoding="utf-8")
    assert main(["check", "m.pcf", "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == "pcf-check/1" and doc["ok"] is False
    (d,) = [d for d in doc["diagnostics"] if d["severity"] == "error"]
    assert (d["code"], d["file"], d["line"], d["column"], d["end_column"]) == ("unknown-name", "m.pcf", 8, 30, 34)
    assert d["hint"] == "did you mean `power`?" and d["message"] == "unknown name `powr`"


def test_check_json_of_the_repository_is_clean(capsys):
    assert main(["check", str(ROOT / "methods"), str(ROOT / "examples"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is True and doc["checked"] >= 18
    assert all(d["severity"] == "warning" for d in doc["diagnostics"])


def test_run_fail_on_error_exits_1_when_the_result_has_an_error_finding(capsys):
    seed_004 = str(ROOT / "examples" / "seed-004-distribution-units")   # A's yearly total is misprinted
    assert main(["run", seed_004]) == 0
    assert main(["run", seed_004, "--fail-on", "error"]) == 1
    assert main(["run", str(ROOT / "examples" / "worked-floor-tile"), "--fail-on", "warning"]) == 0
