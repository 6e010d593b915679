"""Printed table rows against the inventory (issue 18): `[reported.<id>.rows]`, and the slip
`rows-paired-wrongly` that seed 004's supplier table and calculation table show."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pcf.cli import main
from pcf.core.errors import PcfError

ROOT = Path(__file__).resolve().parents[1]
SEED_004 = ROOT / "examples" / "seed-004-distribution-units"


def case_with(tmp: Path, rows: str) -> Path:
    case = shutil.copytree(SEED_004, tmp / "seed-004")
    text = (case / "case.toml").read_text(encoding="utf-8").split("[reported.A.rows]")[0]
    (case / "case.toml").write_text(text + "[reported.A.rows]\n" + rows, encoding="utf-8")
    return case


def test_seed_004s_transposed_supplier_legs_are_named(ws):
    r = ws.run_case(SEED_004)
    found = [f for f in r.findings if f.where.startswith("products.A.rows.legs")]
    assert [f.where for f in found] == [f"products.A.rows.legs[{k}]" for k in range(3)]
    assert all("[slip `rows-paired-wrongly`]" in f.message for f in found)
    # printed 60 t x 1048 km: 60 t is the calculation table's 弹簧机构 leg (row 11, 1326 km),
    # 1048 km its 散件 leg (row 13, 10.4 t)
    assert "takes its mass from row 11 (弹簧机构), but its distance 1048 km is row 13's (散件)" in found[0].message
    # with the supplier table's pairing: 60 x 1048 + 75 x 1326 + 10.4 x 1328 = 176 141.2 t·km instead of
    # 60 x 1326 + 75 x 1328 + 10.4 x 1048 = 190 059.2 t·km: 13 918 t·km less, the note's 1795.4 kg a year
    # (13 918 x 0.129 kgCO2e/t·km), / 10 567 units = -0.169908 kgCO2e per unit
    per_unit = -13918 * 0.129 / 10567
    assert f"({per_unit:+.6g}, " in found[0].message


def test_rows_printed_rounded_from_the_inventory_are_consistent(ws, tmp_path):
    # every leg with its mass and distance printed to fewer digits: within both roundings
    rows = ('legs = [{ mass = "65 t", distance = "561 km" }, { mass = "36 t", distance = "35 km" },\n'
            '  { mass = "19 t", distance = "1043 km" }, { mass = "9 t", distance = "1319 km" }]\n')
    r = ws.run_case(case_with(tmp_path, rows))
    assert not [f for f in r.findings if ".rows." in f.where]


def test_a_value_in_no_row_is_inconsistent_with_the_nearest_row(ws, tmp_path):
    r = ws.run_case(case_with(tmp_path, 'legs = [{ mass = "65 t", distance = "570 km" }]\n'))
    (f,) = [f for f in r.findings if ".rows." in f.where]
    assert "no row of `legs` has distance 570 km; the nearest is row 1 (真空灭弧室: mass 65 t, distance 561 km)" \
        in f.message and "[slip" not in f.message


@pytest.mark.parametrize("rows, says", [
    ('leg = [{ mass = "65 t" }]\n', "no table `leg` in the method"),
    ('legs = [{ mas = "65 t" }]\n', "table `legs` has no column `mas`"),
    ('legs = [{ mass = "65 km" }]\n', "km is not kg (column `mass` is in t)"),
])
def test_misnamed_rows_are_errors_with_their_place(ws, tmp_path, rows, says):
    with pytest.raises(PcfError) as e:
        ws.run_case(case_with(tmp_path, rows))
    (d,) = e.value.diagnostics
    assert says in d.message and d.span.path.endswith("case.toml"), d.message
    assert d.hint in (None, "did you mean `legs`?", "did you mean `mass`?")


def test_pcf_audit_lists_each_printed_row_with_its_verdict(capsys):
    assert main(["audit", str(SEED_004), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    rows = {f["figure"]: f for f in doc["figures"] if f["figure"].startswith("rows.")}
    assert [rows[f"rows.legs[{k}]"]["verdict"] for k in range(4)] == ["inconsistent"] * 3 + ["consistent"]
    assert rows["rows.legs[0]"]["printed"] == "60 t × 1048 km"


def test_an_inconsistent_figure_carries_the_trace_to_its_inventory_line_and_factor(capsys):
    seed_002 = ROOT / "examples" / "seed-002-feeder-terminal"
    assert main(["audit", str(seed_002), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    fig = next(f for f in doc["figures"] if f["figure"] == "stages.raw_material_transport")
    assert fig["verdict"] == "inconsistent"
    stage = fig["trace"]
    (line,) = stage["children"]
    inputs = {c["name"]: c for c in line["children"]}
    # 0.0004 kg of diesel (inventory line 13) x 3.0959 kgCO2/kg (the method's diesel_ef)
    assert "inventory.toml:13:1: 0.0004 kg" in inputs["rm_transport_diesel"]["origin"]
    assert inputs["diesel_ef"]["value"] == pytest.approx(3.0959, abs=5e-5)
    assert not [f for f in doc["figures"] if f["verdict"] == "consistent" and "trace" in f]
    assert main(["audit", str(seed_002), "--lang", "en"]) == 0
    text = capsys.readouterr().out
    assert "    how it was computed:\n      raw_material_transport 原材料运输 = 0.001238" in text


@pytest.mark.parametrize("source, table", [(SEED_004, "legs"), (ROOT / "examples" / "worked-beverage", "bom")])
def test_no_false_alarm_on_rows_printed_rounded(ws, tmp_path, source, table):
    """Printed rows re-rounded from the inventory's own (any number of decimals a report might
    print, each cell on its own) are consistent: zero findings, zero named slips."""
    import random
    import re
    import tomllib
    from decimal import Decimal
    rng = random.Random(18)
    inv = tomllib.loads((source / "inventory.toml").read_text(encoding="utf-8"))
    product = inv["product"][0]
    rows = product[table]
    for trial in range(40):
        printed = []
        for row in rng.sample(rows, k=min(len(rows), rng.randint(1, 4))):
            cells = []
            for col, v in row.items():
                if not (isinstance(v, str) and re.fullmatch(r"[0-9.]+ \S+", v)):
                    continue   # a label, not an amount
                number, unit = v.split(" ", 1)
                places = rng.randint(0, 3)
                rounded = Decimal(number).quantize(Decimal(1).scaleb(-places)) if places else Decimal(number).quantize(1)
                cells.append(f'{col} = "{rounded} {unit}"')
            printed.append("{ " + ", ".join(cells) + " }")
        case = shutil.copytree(source, tmp_path / f"c{trial}")
        text = (case / "case.toml").read_text(encoding="utf-8").split("[reported.")[0]
        (case / "case.toml").write_text(text + f"[reported.{product['id']}.rows]\n{table} = [{', '.join(printed)}]\n",
                                        encoding="utf-8")
        r = ws.run_case(case)
        bad = [f.message for f in r.findings if ".rows." in f.where]
        assert not bad, (printed, bad)
