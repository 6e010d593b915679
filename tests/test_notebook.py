"""A result in a notebook (issue 24 item 4, in part): `_repr_html_` and pandas frames."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_a_result_shows_itself_in_a_notebook(ws):
    r = ws.run_case(ROOT / "examples" / "worked-steel-part")
    html = r._repr_html_()
    # 2.002 + 0.87 = 2.872 kgCO2e per kg (tests/test_worked_cases.py)
    assert "<b>2.8720</b>" in html and "kgCO2e / 1 kg" in html and "原材料获取" in html
    assert "<code>input-default</code>" in html


def test_user_text_in_the_html_is_escaped(ws, tmp_path):
    case = shutil.copytree(ROOT / "examples" / "worked-steel-part", tmp_path / "c")
    inv = case / "inventory.toml"
    inv.write_text(inv.read_text(encoding="utf-8").replace('name = "支架"', 'name = "<script>alert(1)</script>"'),
                   encoding="utf-8")
    html = ws.run_case(case)._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_results_as_pandas_frames(ws):
    r = ws.run_case(ROOT / "examples" / "worked-floor-tile")
    df = r.to_frame()
    assert list(df["stage"]) == ["production", "distribution", "end_of_life"]
    # 4.332 + 0.4 + 0.148 = 4.88 kgCO2e per m² (tests/test_worked_cases.py)
    assert df["kgCO2e per functional unit"].sum() == pytest.approx(4.88, rel=1e-12)
    assert set(df["functional unit"]) == {"1 m²"}
    lines = r.products[0].lines_frame()
    assert dict(zip(lines["line"], lines["kgCO2e per functional unit"])) == pytest.approx(
        {"kiln": 2.592, "electricity": 1.74, "freight": 0.4, "landfill": 0.148}, rel=1e-12)
