"""The findings catalogue (pcf.core.findings.FINDINGS): every code the engine emits is catalogued
with the severity it is emitted with, and every catalogued code is emitted by some input."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from pcf.core.findings import FINDINGS, SEVERITIES

ROOT = Path(__file__).resolve().parents[1]


def emitted() -> dict[str, set[str]]:
    """code -> severities, from a static scan of engine/: `Finding("severity", "code", ...)`."""
    out: dict[str, set[str]] = {}
    for path in sorted((ROOT / "engine").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Finding"):
                continue
            severity, code = (a.value if isinstance(a, ast.Constant) else None for a in node.args[:2])
            assert isinstance(code, str), f"{path.name}:{node.lineno}: a finding code must be a literal"
            out.setdefault(code, set()).add(severity)
    return out


def test_every_emitted_code_is_catalogued_with_its_severity():
    found = emitted()
    assert len(found) >= 15   # the scan finds the calls at all
    for code, severities in found.items():
        assert code in FINDINGS, f"finding `{code}` is emitted but not in pcf.core.findings.FINDINGS"
        assert severities == {FINDINGS[code][0]}, (code, severities, FINDINGS[code][0])
    assert set(FINDINGS) == set(found), f"catalogued but never emitted: {set(FINDINGS) - set(found)}"


def test_catalogue_entries_are_well_formed():
    for code, (severity, meaning) in FINDINGS.items():
        assert severity in SEVERITIES and meaning and not meaning.endswith("."), code


@pytest.fixture(scope="module")
def seed_codes(ws):
    return {f.code for case in sorted((ROOT / "examples").iterdir()) for f in ws.run_case(case).findings}


# Codes the seeds do not produce are produced by the tests named here (each asserts the code).
ELSEWHERE = {
    "unconfirmed-factor": "tests/test_basis.py",
    "allocation-hierarchy": "tests/test_methods.py", "boundary-incomplete": "tests/test_methods.py",
    "offset-excluded": "tests/test_methods.py", "outside-boundary": "tests/test_bases.py", "factor-family": "tests/test_methods.py",
    "data-quality-missing": "tests/test_methods.py", "zero-total": "tests/test_findings.py",
    "reported-inconsistent": "tests/test_slips.py", "unused-input": "tests/test_errors.py",
    "boundary-partial": "tests/test_boundaries.py",
    "input-default": "tests/test_maps_checks.py", "check-failed": "tests/test_maps_checks.py",
    "check-warning": "tests/test_maps_checks.py",
    "kb-override": "tests/test_kb_layers.py",
    "literal-factor": "tests/test_literal_factors.py",
}


@pytest.mark.parametrize("code", sorted(FINDINGS))
def test_every_catalogued_code_is_produced_by_an_input(seed_codes, code):
    if code in seed_codes:
        return
    assert code in ELSEWHERE, f"`{code}`: no seed produces it and no test is named for it"
    text = (ROOT / ELSEWHERE[code]).read_text(encoding="utf-8")
    assert f'"{code}"' in text


def test_zero_total(ws, tmp_path):
    """A product whose only activity is 0 kWh: total 0, shares 0, and a zero-total warning."""
    import pcf
    from pcf.language.build import build_method
    from snippets import HEAD
    method = build_method(HEAD + '  input power : kWh\n'
                          '  emission e in production = power * 0.5 kgCO2e/kWh\n}\n', "m.pcf")
    plan = ws.compile(method, 2024)
    inv = pcf.Inventory.build([{"id": "p", "inputs": {"power": "0 kWh"}}])
    r = ws.evaluate(plan, inv)
    (p,) = r.products
    assert p.total == 0 and set(p.shares.values()) == {0.0}
    (f,) = [f for f in r.findings if f.code == "zero-total"]
    assert f.severity == "warning" and f.where == "products.p.total"
