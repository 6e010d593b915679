"""docs/tutorial-first-method.md as a reader follows it: its files (the code blocks starting with
`# file: NAME`) written into an empty folder, its commands run, its printed figures checked."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from pcf.cli import main

ROOT = Path(__file__).resolve().parents[1]
PAGE = (ROOT / "docs" / "tutorial-first-method.md").read_text(encoding="utf-8")


def files_of(page: str) -> dict[str, str]:
    out = {}
    for body in re.findall(r"```(?:pcf|toml)\n(.*?)```", page, flags=re.S):
        m = re.match(r"# file: (\S+)\n", body)
        if m:
            out[m.group(1)] = body
    return out


def test_the_tutorial_runs_as_written(tmp_path, monkeypatch, capsys):
    files = files_of(PAGE)
    assert set(files) == {"mug.pcf", "inventory.toml", "case.toml"}
    for name, body in files.items():
        (tmp_path / name).write_text(body, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "mug.pcf"]) == 0
    assert capsys.readouterr().out.strip() == "ok: 1 checked"
    assert main(["run", "."]) == 0
    out = capsys.readouterr().out
    # the page's printed lines are what pcf prints
    for line in re.search(r"```text\n(.*?)```", PAGE, flags=re.S).group(1).strip().split("\n"):
        assert line.strip() in out, line
    assert main(["explain", ".", "firing"]) == 0
    assert "kb.cn.fuel.gl2015.natural_gas.ncv" in capsys.readouterr().out
    assert main(["report", ".", "--format", "html", "-o", "report.html"]) == 0
    assert "0.4049" in (tmp_path / "report.html").read_text(encoding="utf-8")


def test_the_hand_arithmetic_on_the_page(ws, tmp_path):
    files = files_of(PAGE)
    for name, body in files.items():
        (tmp_path / name).write_text(body, encoding="utf-8")
    r = ws.run_case(tmp_path)
    lines = {l.name: l.value for l in r.products[0].lines}
    # 0.35 x 0.25 + 0.02 x 1.8; 0.05 m3 x (389.31 GJ/1e4 m3 x 15.3 tC/TJ x 0.99 x 44/12); 0.3 x 0.5777
    gas_ef = 389.31 / 1e4 * 15.3e-3 * 1000 * 0.99 * 44 / 12
    assert lines["materials_in"] == pytest.approx(0.1235, rel=1e-12)
    assert lines["firing"] == pytest.approx(0.05 * gas_ef, rel=1e-12)
    assert lines["power"] == pytest.approx(0.3 * 0.5777, rel=1e-12)
    assert r.products[0].total == pytest.approx(0.1235 + 0.05 * gas_ef + 0.3 * 0.5777, rel=1e-12)
    # the language check the page promises: gas x an electricity factor is not an emission
    bad = files["mug.pcf"].replace("kiln_gas * kb.cn.fuel.gl2015.natural_gas.ef", "kiln_gas * grid")
    (tmp_path / "mug.pcf").write_text(bad, encoding="utf-8")
    from pcf.core.errors import PcfError
    with pytest.raises(PcfError) as exc:
        ws.run_case(tmp_path)
    (d,) = exc.value.diagnostics
    assert d.code == "not-co2e" and "not a mass of CO2e" in d.message
