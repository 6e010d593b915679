"""The benchmark's model generator (bench/models.py): deterministic, and the pcf form of a model
computes what the numpy form and a hand calculation compute. The peers are not run here (they
are the `bench` extra and npm packages; bench/compare.py checks them on every run)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from pcf.evaluation.lowering import compile_program
from pcf.evaluation.evaluate import bind
from pcf.inputs.inventory import load_inventory

_spec = importlib.util.spec_from_file_location(
    "bench_models", Path(__file__).resolve().parent.parent / "bench" / "models.py")
models = importlib.util.module_from_spec(_spec)
sys.modules["bench_models"] = models   # dataclasses look their module up by name
_spec.loader.exec_module(models)


def run_pcf(ws, m, folder: Path):
    """(per-unit total, per-unit stage sums) of model `m` through the compiled pcf path."""
    paths = models.write(m, folder)
    plan = ws.compile(ws.method(paths["method"]), None)
    prog = compile_program(plan)
    b = bind(plan, load_inventory(paths["inventory"]).products[0], ws.kb, "inventory.toml")
    _, stages, total = prog.totals(prog.run(b.values), b.divisor)
    return float(total), stages


def test_generator_is_deterministic():
    a, b = models.generate(100), models.generate(100)
    assert a == b
    assert models.pcf_method(a) == models.pcf_method(b)
    assert models.pcf_inventory(a) == models.pcf_inventory(b)
    assert models.publicodes_rules(a) == models.publicodes_rules(b)
    assert models.bw2_parameters(a) == models.bw2_parameters(b)
    assert models.generate(1000) != a
    assert (models.draws(100, 5) == models.draws(100, 1000)[:5]).all()   # first rows do not depend on the count
    # the shape the spec asks for: six contiguous stages, N/10 factors, every third a fuel factor
    assert a.stage_of == tuple(sorted(a.stage_of)) and set(a.stage_of) == set(range(6))
    assert len(a.factors) == 10 and [f.kind == "fuel" for f in a.factors] == [k % 3 == 0 for k in range(10)]
    assert len(models.generate(6).factors) == 3


def test_pcf_equals_numpy_at_100(ws, tmp_path):
    m = models.generate(100)
    total, stages = run_pcf(ws, m, tmp_path)
    ref, _ = models.reference(m)
    assert total == pytest.approx(ref, rel=1e-9)
    fv = np.array([f.number for f in m.factors])[list(m.factor_of)]
    by_stage = np.add.reduceat(np.array(m.amounts) * fv, m.stage_starts) / m.quantity
    np.testing.assert_allclose(stages, by_stage, rtol=1e-9)


def test_tiny_model_by_hand(ws, tmp_path):
    m = models.generate(6)   # one activity per stage, three factors
    # The generated numbers, pinned (a change to the generator shows up here first):
    assert [(f.kind, f.value, f.ncv, f.cc, f.of) for f in m.factors] == [
        ("fuel", None, 27.726, 29.91, 0.95), ("transport", 0.1471, None, None, None), ("gas", 2.1326, None, None, None)]
    assert m.amounts == (404.723, 894.553, 328.497, 454.674, 530.451, 669.982)
    assert m.factor_of == (0, 1, 2, 1, 2, 1) and m.quantity == 4555
    # By hand:
    #   f0 = 27.726 GJ/t * 29.91 tC/TJ * 0.95 * 44/12
    #      = 787.820427 GJ·tC/(t·TJ) = 0.787820427 tC/t, * 44/12 = 2.888674899 tCO2/t = 2888.674899 kgCO2/t
    #   a0 (raw_material)  404.723 t      * 2888.674899 = 1 169 113.171147977
    #   a1 (transport)     894.553 t·km   * 0.1471      =       131.5887463
    #   a2 (production)    328.497 m3     * 2.1326      =       700.5527022
    #   a3 (distribution)  454.674 t·km   * 0.1471      =        66.8825454
    #   a4 (use)           530.451 m3     * 2.1326      =     1 131.2398026
    #   a5 (end_of_life)   669.982 t·km   * 0.1471      =        98.5543522
    #   total = 1 171 241.989296677 kgCO2e; per unit / 4555 = 257.13325780388...
    total, stages = run_pcf(ws, m, tmp_path)
    assert total == pytest.approx(1171241.989296677 / 4555, rel=1e-12)
    assert float(stages[0]) == pytest.approx(1169113.171147977 / 4555, rel=1e-12)
    assert models.reference(m)[0] == pytest.approx(257.1332578038808, rel=1e-12)


def test_the_interleaved_shape_changes_only_the_stages(ws, tmp_path):
    """bench/compare.py --shape interleaved (issue 25 target 2): the same factors, amounts and
    quantity as the blocks model, each activity in a stage at random (every stage used), and the
    pcf path equals numpy's stage sums."""
    a, b = models.generate(300), models.generate(300, shape="interleaved")
    assert (a.factors, a.amounts, a.factor_of, a.quantity) == (b.factors, b.amounts, b.factor_of, b.quantity)
    assert b.stage_of != tuple(sorted(b.stage_of)) and set(b.stage_of) == set(range(6))
    assert b == models.generate(300, shape="interleaved")
    total, stages = run_pcf(ws, b, tmp_path)
    fv = np.array([f.number for f in b.factors])[list(b.factor_of)]
    lines = np.array(b.amounts) * fv / b.quantity
    by_stage = np.bincount(np.array(b.stage_of), weights=lines, minlength=6)
    np.testing.assert_allclose(stages, by_stage, rtol=1e-9)
    assert total == pytest.approx(models.reference(a)[0], rel=1e-9)   # the total does not depend on the shape
    spec = models.numpy_spec(b)
    ordered = np.array(spec["order"])
    np.testing.assert_allclose(np.add.reduceat(lines[ordered], spec["stage_starts"]), by_stage, rtol=1e-12)
