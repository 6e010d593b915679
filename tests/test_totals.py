"""Stage totals, the total and shares, defined once (engine/evaluation/totals.py) and used by the
evaluation and the audit alike: an offset line is never counted, by either."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from pcf.checks.interval import Interval
from pcf.evaluation.totals import counts, totals


def line(name, stage, *tags):
    return SimpleNamespace(name=name, stage=stage, tags=tags)


EMISSIONS = [line("a", "raw"), line("b", "prod"), line("c", "prod"), line("off", "prod", "offset"),
             line("use", "use_phase")]
VALUES = {"a": 1.0, "b": 2.0, "c": 5.0, "off": 100.0, "use": 40.0}


def test_offsets_and_stages_outside_the_boundary_are_left_out():
    t = totals(VALUES, EMISSIONS, ("raw", "prod"))
    # raw: 1; prod: 2 + 5 (the offset's 100 and the use phase's 40 are not counted); total 8
    assert t.stages == {"raw": 1.0, "prod": 7.0}
    assert t.total == 8.0
    assert t.excluded == {"off": 100.0}
    assert t.shares() == {"raw": 1 / 8, "prod": 7 / 8}
    assert [e.name for e in EMISSIONS if counts(e, ("raw", "prod"))] == ["a", "b", "c"]


def test_a_zero_total_has_zero_shares_and_an_empty_stage_stays_the_integer_zero():
    t = totals({"a": 0.0}, [line("a", "raw")], ("raw", "empty"))
    assert t.shares() == {"raw": 0.0, "empty": 0.0}
    assert t.stages["empty"] == 0 and type(t.stages["empty"]) is int   # printed `0` in JSON, as always


def test_intervals_sum_like_floats():
    t = totals({k: Interval(v, v + 1) for k, v in VALUES.items()}, EMISSIONS, ("raw", "prod"),
               zero=Interval(0.0, 0.0))
    # lo: 1 + 2 + 5 = 8; hi: 2 + 3 + 6 = 11
    assert t.total == Interval(8.0, 11.0)


METHOD = '''method t.offsets "offsets" {
  standard "PAS 2050:2011"
  boundary cradle_to_gate
  gwp AR5
  stage production "P"
  input made : kgCO2e
  input credit : kgCO2e
  emission e in production = made
  emission bought in production [offset] = credit
}
'''


@pytest.mark.parametrize("printed, flagged", [("5.0 kgCO2e", False), ("7.0 kgCO2e", True)])
def test_the_audit_leaves_offsets_out_of_the_total_too(ws, tmp_path, printed, flagged):
    (tmp_path / "method.pcf").write_text(METHOD, encoding="utf-8")
    (tmp_path / "inventory.toml").write_text('[[product]]\nid = "p"\nfunctional_unit = "1 unit"\n'
                                             'amounts = "per_unit"\n[product.inputs]\n'
                                             'made = "5 kgCO2e"\ncredit = "2 kgCO2e"\n', encoding="utf-8")
    (tmp_path / "case.toml").write_text('method = "method.pcf"\ninventory = "inventory.toml"\ndata_year = 2024\n'
                                        f'[reported.p]\ntotal = "{printed}"\n', encoding="utf-8")
    r = ws.run_case(tmp_path)
    # the footprint is 5 kgCO2e (made); the 2 kgCO2e credit is an offset, never counted: 5, not 5 + 2 = 7
    assert r.products[0].total == pytest.approx(5.0)
    errors = [f for f in r.findings if f.code == "reported-mismatch"]
    assert bool(errors) == flagged
    if flagged:
        assert "reported 7.0 kgCO2e, computed 5.000 kgCO2e" in errors[0].message
