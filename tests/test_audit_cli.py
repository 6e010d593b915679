"""`pcf audit`: the verifier's view of every printed figure (golden files for seeds 002 and 004)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pcf.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ["seed-002-feeder-terminal", "seed-004-distribution-units"]


@pytest.fixture
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)   # positions in case.toml print as examples/...: stable in golden files


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("seed", SEEDS)
def test_golden_audit_text(at_root, capsys, golden, seed, lang):
    assert main(["audit", f"examples/{seed}", "--lang", lang]) == 0
    golden(f"audit/{seed}.{lang}.txt", capsys.readouterr().out)


@pytest.mark.parametrize("seed", SEEDS)
def test_golden_audit_json(at_root, capsys, golden, seed):
    assert main(["audit", f"examples/{seed}", "--json"]) == 0
    text = capsys.readouterr().out
    golden(f"audit/{seed}.json", text)
    doc = json.loads(text)
    verdicts = {(r["product"], r["figure"]): r["verdict"] for r in doc["figures"]}
    if seed.startswith("seed-004"):
        assert verdicts[("A", "yearly_total")] == "inconsistent" and verdicts[("A", "total")] == "consistent"
    else:
        assert verdicts[("PMF556", "stages.raw_material_transport")] == "inconsistent"
        assert verdicts[("PMF556", "lines.rm_transport")] == "consistent"
        assert verdicts[("PMF556", "factors.diesel_ef")] == "other-unit"


@pytest.mark.parametrize("seed, fail_on, status", [
    ("seed-002-feeder-terminal", "error", 1), ("seed-002-feeder-terminal", "warning", 1),
    ("seed-003-metering-box", "error", 0), ("seed-003-metering-box", "warning", 0),
    ("seed-004-distribution-units", "error", 1), ("seed-001-screening-equipment", "warning", 0),
])
def test_fail_on_sets_the_exit_status(at_root, capsys, seed, fail_on, status):
    assert main(["audit", f"examples/{seed}", "--fail-on", fail_on]) == status


def test_a_warning_only_audit_fails_on_warning_not_on_error(tmp_path, capsys):
    # seed 002 with only its factors printed: two reported-unit-mismatch warnings, no error
    case = tmp_path / "c"
    case.mkdir()
    src = ROOT / "examples" / "seed-002-feeder-terminal"
    (case / "inventory.toml").write_text((src / "inventory.toml").read_text(encoding="utf-8"), encoding="utf-8")
    (case / "case.toml").write_text('method = "gbt24067.electrical"\ninventory = "inventory.toml"\ndata_year = 2025\n'
                                    '[reported.PMF556.factors]\ndiesel_ef = "0.0726 tCO2/GJ"\n', encoding="utf-8")
    assert main(["audit", str(case), "--fail-on", "error"]) == 0
    assert main(["audit", str(case), "--fail-on", "warning"]) == 1
    assert main(["audit", str(case)]) == 0


def test_the_seed_gallery_marks_each_printed_figure(ws):
    from pcf.render.docs import gallery
    page = gallery(ws)
    assert "| 73867.89 kgCO2e | ✗ inconsistent |" in page        # seed 004, A's yearly total
    assert "| 0.0018 kgCO2e | ✗ inconsistent |" in page          # seed 002, raw-material transport
    assert page.count("✗ inconsistent |") == 2                    # and nothing else
    assert "| 52.6015 kgCO2e | ✓ |" in page                       # seed 003, raw material
