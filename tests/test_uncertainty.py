"""Monte Carlo (`pcf uncertainty`) and sensitivity (`pcf sensitivity`).

Statistical assertions use bounds that a correct sampler meets with overwhelming
probability for the fixed seeds used (five standard errors), and that a wrong one (a
biased multiplier, independent draws of a shared factor) misses by far.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from pcf.language.build import build_method
from pcf.cli import main
from pcf.inputs.inventory import Inventory
from pcf.analysis.sensitivity import sensitivity
from pcf.analysis.uncertainty import DQ_GSD, EMPTY, Spec, load_spec, simulate

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted(p for p in (ROOT / "examples").iterdir() if (p / "case.toml").is_file())
# Cases whose total is linear in every drawn value: the mean of the draws tends to the
# deterministic total. The battery divides by its drawn lifetime (1 / (capacity x cycles x
# depth)): its mean is above the deterministic figure (Jensen), tested with its own spec below.
LINEAR = [p for p in SEEDS if p.name != "worked-battery"]

SHARED = """method m {
  standard "ISO 14067:2018"
  boundary cradle_to_gate
  gwp AR6
  stage a
  stage b
  input e1 : kWh
  input e2 : kWh
  emission one in a = e1 * kb.cn.electricity.cfp.national
  emission two in b = e2 * kb.cn.electricity.cfp.national
}
"""


def case_with(here, method: str, inventory: str, spec: str | None = None) -> Path:
    d = here / "case"
    d.mkdir()
    (d / "m.pcf").write_text(method, encoding="utf-8")
    (d / "inventory.toml").write_text(inventory, encoding="utf-8")
    (d / "case.toml").write_text('method = "m.pcf"\ninventory = "inventory.toml"\ndata_year = 2024\n', encoding="utf-8")
    if spec is not None:
        (d / "uncertainty.toml").write_text(spec, encoding="utf-8")
    return d


SHARED_INV = '[[product]]\nid = "p"\n[product.inputs]\ne1 = "100 kWh"\ne2 = "300 kWh"\n'
FIXED_INPUTS = ('[inputs]\ne1 = { distribution = "uniform", min = 1, max = 1 }\n'
                'e2 = { distribution = "uniform", min = 1, max = 1 }\n')


@pytest.mark.parametrize("case", LINEAR, ids=lambda p: p.name)
def test_reproducible_and_mean_tends_to_the_deterministic_total(ws, case):
    result = ws.run_case(case)
    a, b = simulate(result, 20_000, seed=11), simulate(result, 20_000, seed=11)
    other = simulate(result, 20_000, seed=12)
    for pa, pb, po, pr in zip(a.products, b.products, other.products, result.products):
        assert pa.total == pb.total and np.array_equal(pa.draws, pb.draws)
        assert pa.total != po.total
        errors = []
        for n in (2_000, 200_000):
            t = simulate(result, n, seed=5).products[[p.id for p in result.products].index(pr.id)].total
            se = t.sd / math.sqrt(n)
            assert abs(t.mean - pr.total) < 5 * se, (n, t.mean, pr.total, se)
            errors.append(se)
        assert errors[1] < errors[0] / 5      # the standard error falls like 1/sqrt(n): 10x here
        assert pa.total.p2_5 < pa.total.median < pa.total.p97_5


def test_a_shared_factor_is_one_draw(ws, here):
    """Both lines read the same grid factor; with the inputs held, total / deterministic is the
    factor's multiplier itself, so ln(total) has the factor's sd ln(1.1) = 0.0953. Drawn
    independently per line it would be ln(1.1) sqrt(1^2 + 3^2) / 4 = 0.0754."""
    d = case_with(here, SHARED, SHARED_INV, FIXED_INPUTS)
    result = ws.run_case(d)
    sim = simulate(result, 50_000, seed=1, spec=load_spec(d / "uncertainty.toml"))
    p = sim.products[0]
    sd = np.log(p.draws).std()
    assert abs(sd - math.log(1.1)) < 0.002, sd
    kinds = dict(p.parameters)
    assert kinds["kb:cn.electricity.cfp.national"].origin == "default (no data-quality grade)"


def test_uniform_spec_by_hand(ws, here):
    """Only e2 moves, uniform on [0.9, 1.1] x 300 kWh; the total is 100 f + 300 f m with
    f = the 2024 national CFP factor (held: gsd 1). Quantiles of m: 0.905 and 1.095."""
    spec = ('[inputs]\ne1 = { distribution = "uniform", min = 1, max = 1 }\n'
            'e2 = { distribution = "uniform", min = 0.9, max = 1.1 }\n'
            '[factors]\n"cn.electricity.cfp.national" = { distribution = "lognormal", gsd = 1 }\n')
    d = case_with(here, SHARED, SHARED_INV, spec)
    result = ws.run_case(d)
    f = result.products[0].total / 400          # the factor, kgCO2e per kWh
    sim = simulate(result, 100_000, seed=3, spec=load_spec(d / "uncertainty.toml"))
    t = sim.products[0].total
    assert t.p2_5 == pytest.approx(100 * f + 300 * f * 0.905, rel=2e-3)
    assert t.p97_5 == pytest.approx(100 * f + 300 * f * 1.095, rel=2e-3)
    assert sim.products[0].draws.min() >= 100 * f + 300 * f * 0.9 - 1e-9
    assert sim.products[0].draws.max() <= 100 * f + 300 * f * 1.1 + 1e-9


def test_defaults_follow_the_data_quality_grades(ws):
    result = ws.run_case(ROOT / "examples" / "seed-004-distribution-units")
    sim = simulate(result, 100, seed=0)
    a = dict(sim.products[0].parameters)
    # seed 004 A: materials_by_mass has activity grade 3 -> 1.20; electricity activity 6 -> 1.05,
    # and the grid factor the inventory supplies takes electricity's factor grade 3 -> 1.20
    assert a["column:materials.mass"].params == (DQ_GSD[3],)
    assert a["input:production_electricity"].params == (DQ_GSD[6],)
    assert a["input:grid_factor"].params == (DQ_GSD[3],)
    assert "activity grade 3 of `materials_by_mass`" in a["column:materials.mass"].origin


@pytest.mark.parametrize("spec, expected", [
    ('[inputs]\ne1 = { distribution = "lognormall", gsd = 1.2 }\n',
     ["uncertainty.toml:2:", "unknown distribution 'lognormall'", "did you mean `lognormal`?"]),
    ('[inputs]\ne1 = { distribution = "lognormal", gsd = 0.8 }\n', ["at least 1"]),
    ('[inputs]\ne1 = { distribution = "normal", cv = 0.5 }\n', ["between 0 and 1/3"]),
    ('[inputs]\ne1 = { distribution = "triangular", min = 1.1, max = 1.2 }\n', ["0 <= min <= 1 <= max"]),
    ('[inputs]\ne1 = { distribution = "uniform", min = 0.9 }\n', ["uniform needs a number `max`"]),
    ('[input]\n', ["unknown table", "did you mean `inputs`?"]),
    ('[inputs]\nee1 = { distribution = "normal", cv = 0.1 }\n',
     ["uncertainty.toml:2:1: `ee1` is not an input of method `m`", "did you mean `e1`?"]),
    ('[factors]\n"cn.electricity.cfp.nation" = { distribution = "normal", cv = 0.1 }\n',
     ["is not a knowledge-base value this method reads", "did you mean `cn.electricity.cfp.national`?"]),
])
def test_spec_errors_point_at_the_file(ws, here, capsys, spec, expected):
    d = case_with(here, SHARED, SHARED_INV, spec)
    assert main(["uncertainty", str(d)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for e in expected:
        assert e in err, err


def test_cli_json_and_histogram(ws, here, capsys):
    case = ROOT / "examples" / "seed-003-metering-box"
    assert main(["uncertainty", str(case), "--draws", "5000", "--seed", "2", "--json", "--svg", "h.svg"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == "pcf-uncertainty/1" and doc["draws"] == 5000 and doc["seed"] == 2
    p = doc["products"][0]
    assert set(p["stages"]) == {"raw_material", "raw_material_transport", "production", "distribution", "end_of_life"}
    assert p["total"]["p2_5"] < p["total"]["median"] < p["total"]["p97_5"]
    svg = Path("h.svg").read_text(encoding="utf-8")
    assert svg.startswith("<?xml") and "5,000 draws, seed 2" in svg


def test_cli_rejects_too_few_draws(ws, capsys):
    assert main(["uncertainty", str(ROOT / "examples" / "seed-000-sensors"), "--draws", "1"]) == 1
    assert "--draws must be at least 2" in capsys.readouterr().err


# -- sensitivity -----------------------------------------------------------------------------

def test_sensitivity_elasticities_are_shares_for_linear_lines(ws):
    """Seed 003 is linear in each parameter: a parameter's elasticity is the share of the lines
    it multiplies. rm_electricity feeds rm_power alone: 32.8203 / 64.2253 = 0.5110; the
    national CFP factor feeds rm_power, production_power and eol_power:
    (32.8203 + 7.6237 + 1.3720) / 64.2253 = 0.6511."""
    result = ws.run_case(ROOT / "examples" / "seed-003-metering-box")
    found = sensitivity(result)[0]
    swing = {s.parameter: s for s in found.swings}
    assert swing["input:rm_electricity"].elasticity == pytest.approx(32.8203 / 64.2253, abs=1e-4)
    assert swing["kb:cn.electricity.cfp.national"].elasticity == pytest.approx(
        (32.8203 + 7.6237 + 1.3720) / 64.2253, abs=1e-4)
    assert found.swings[0].parameter == "kb:cn.electricity.cfp.national"    # the largest swing first
    assert sum(c.share for c in found.contributions) == pytest.approx(1.0, rel=1e-12)
    assert swing["input:rm_electricity"].low == pytest.approx(found.total - 0.1 * 32.8203, abs=1e-3)


@pytest.mark.parametrize("case", SEEDS, ids=lambda p: p.name)
def test_contributions_add_to_one(ws, case):
    for found in sensitivity(ws.run_case(case)):
        assert sum(c.share for c in found.contributions) == pytest.approx(1.0, rel=1e-12)


def test_sensitivity_text_golden_and_tornado(ws, here, capsys, golden):
    case = ROOT / "examples" / "seed-003-metering-box"
    assert main(["sensitivity", str(case), "--top", "6", "--svg", "t.svg"]) == 0
    golden("sensitivity/seed-003.txt", capsys.readouterr().out)
    svg = Path("t.svg").read_text(encoding="utf-8")
    assert "kb:cn.electricity.cfp.national" in svg and "one-at-a-time sensitivity" in svg


def test_sensitivity_step_must_be_a_percent(ws, capsys):
    assert main(["sensitivity", str(ROOT / "examples" / "seed-000-sensors"), "--step", "0"]) == 2
    assert "--step" in capsys.readouterr().err


def test_a_nonlinear_case_with_its_lifetime_fixed_tends_to_the_deterministic_total(ws):
    """The battery's side spec (examples/worked-battery/uncertainty.toml) fixes the pack's
    lifetime parameters, which are specifications, not measurements: what is drawn then enters
    the total linearly, and the mean tends to it."""
    case = ROOT / "examples" / "worked-battery"
    result = ws.run_case(case)
    spec = load_spec(case / "uncertainty.toml")
    t = simulate(result, 200_000, seed=5, spec=spec).products[0].total
    assert abs(t.mean - result.products[0].total) < 5 * t.sd / math.sqrt(200_000)
    # with default draws for the lifetime too, the mean is above it: E[1/X] > 1/E[X]
    assert simulate(result, 200_000, seed=5).products[0].total.mean > result.products[0].total
