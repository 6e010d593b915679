"""Boundaries as data (issue 17 item 3): gate_to_grave, and partial studies of named stages
(GHG Protocol scope 3 categories 11 and 12 are a use stage and an end of life on their own)."""
from __future__ import annotations

import pytest

import pcf
from pcf.language.build import build_method
from pcf.language.format import format_method


def method(boundary: str, body: str, extends: str = " extends iso14067.base") -> str:
    return (f'method t.b "b"{extends} {{\n  override boundary {boundary}\n  override gwp AR5\n'
            f'  functional_unit "1 瓶"\n{body}}}\n')


USE = '  stage use "使用"\n  input power : kWh\n  emission cooling "冷藏" in use = power * 0.5 kgCO2e/kWh\n'


def run(ws, text: str, **inputs):
    plan = ws.compile(ws.resolve(build_method(text, "b.pcf")), 2024)
    return ws.evaluate(plan, pcf.Inventory.build([{"id": "A", "inputs": inputs}]))


def test_a_use_stage_study_on_its_own(ws):
    r = run(ws, method("partial(use)", USE), power="12 kWh")
    # 12 kWh x 0.5 = 6 kgCO2e, all of it in the use stage
    assert r.products[0].stages == {"use": 6.0} and r.products[0].total == 6.0
    (f,) = [f for f in r.findings if f.code == "boundary-partial"]
    assert f.severity == "info" and "leaves out raw_material, production, distribution, end_of_life" in f.message
    assert r.method.to_dict()["boundary"] == "partial" and r.method.to_dict()["boundary_stages"] == ["use"]


def test_gate_to_grave_asks_for_its_stages(ws):
    body = USE + '  stage production "生产"\n  stage distribution "分销"\n'
    r = run(ws, method("gate_to_grave", body), power="12 kWh")
    (f,) = [f for f in r.findings if f.code == "boundary-incomplete"]
    assert "gate-to-grave footprint covers production, distribution, use, end_of_life" in f.message
    assert "end_of_life" in f.message.split("excludes (with a reason)")[1]
    full = body + '  stage end_of_life "废弃"\n'
    assert not [f for f in run(ws, method("gate_to_grave", full), power="12 kWh").findings
                if f.code == "boundary-incomplete"]


def test_a_line_outside_the_partial_boundary_is_an_error(ws):
    body = USE + '  stage production "生产"\n  emission made "生产" in production = power * 1 kgCO2e/kWh\n'
    with pytest.raises(pcf.PcfError) as e:
        run(ws, method("partial(use)", body), power="1 kWh")
    (d,) = e.value.diagnostics
    assert d.code == "unknown-stage" and "outside the partial boundary (use)" in d.message


@pytest.mark.parametrize("boundary, code, text", [
    ("partial(uses)", "unknown-stage", "did you mean `use`?"),
    ("partial", "bad-setting", "partial(use)"),
    ("cradle_to_grave(use)", "bad-setting", "partial(use)"),
    ("partial(use, use)", "duplicate", None),
])
def test_a_partial_boundary_misused(ws, boundary, code, text):
    with pytest.raises(pcf.PcfError) as e:
        run(ws, method(boundary, USE), power="1 kWh")
    d = next(d for d in e.value.diagnostics if d.code == code)
    assert text is None or text in (d.hint or "") + d.message


def test_a_partial_boundary_round_trips():
    m = build_method(method("partial(use, end_of_life)", USE), "b.pcf")
    assert m.boundary_stages() == ("use", "end_of_life")
    assert "override boundary partial(use, end_of_life)" in format_method(m)
    assert build_method(format_method(m), "again.pcf").boundary_stages() == ("use", "end_of_life")
