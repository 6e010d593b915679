"""`pcf export`: calculation lines as CSV, the result as JSON, both consistent with `pcf run`."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from pcf.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "examples").glob("seed-*"))


@pytest.mark.parametrize("case", SEEDS, ids=lambda p: p.name)
def test_csv_lines_add_up_to_the_totals(case, capsys):
    assert main(["run", str(case), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert main(["export", str(case), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    for p in doc["products"]:
        mine = [r for r in rows if r["product"] == p["id"]]
        assert sum(float(r["value_per_unit"]) for r in mine) == pytest.approx(p["total"], rel=1e-12)
        for stage, value in p["stages"].items():
            assert sum(float(r["value_per_unit"]) for r in mine if r["stage"] == stage) == pytest.approx(value)
        if p["quantity"] is not None:
            assert sum(float(r["period_value"]) for r in mine) == pytest.approx(p["yearly_total"], rel=1e-12)


def test_json_export_is_the_run_document(capsys, tmp_path):
    case = ROOT / "examples" / "seed-002-feeder-terminal"
    assert main(["run", str(case), "--json"]) == 0
    run_doc = json.loads(capsys.readouterr().out)
    out = tmp_path / "r.json"
    assert main(["export", str(case), "--format", "json", "-o", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8")) == run_doc
