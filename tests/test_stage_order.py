"""Stage totals do not depend on the order a method declares its lines in (issue 25 target 2):
inputs are numbered by stage, so each stage's lines are one slice of the slots, one run per
stage; every total equals the lines' sum by stage."""
from __future__ import annotations

import random

import numpy as np
import pytest

from pcf.core.keys import Key
from pcf.evaluation.lowering import compile_program
from pcf.language.build import build_method

STAGES = ("raw_material", "production", "distribution", "use", "end_of_life")


def method(n: int, seed: int, factor_first: bool = False) -> str:
    rng = random.Random(seed)
    line = "{f} kgCO2e/kWh * a{i}" if factor_first else "a{i} * {f} kgCO2e/kWh"
    lines = [f'  input a{i} : kWh\n  emission e{i} in {rng.choice(STAGES)} = '
             + line.format(i=i, f=rng.randint(1, 9)) for i in range(n)]
    stages = "".join(f'  stage {s} "{s}"\n' for s in STAGES)
    return ('method t.order "order" {\n  standard "ISO 14067:2018"\n  boundary cradle_to_grave\n  gwp AR5\n'
            + stages + "\n".join(lines) + "\n}\n")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_interleaved_stages_are_summed_one_run_per_stage(ws, seed):
    plan = ws.compile(build_method(method(300, seed), "o.pcf"), 2024)
    prog = compile_program(plan)
    assert len(prog.runs) <= len(STAGES)          # not one run per change of stage (~240 of them)
    rng = np.random.default_rng(seed)
    inputs = {Key.input(f"a{i}"): rng.uniform(0, 10, 4) * 3.6e6 for i in range(300)}
    V = prog.run(inputs, n=4)
    lines, stages, total = prog.totals(V)
    by_stage = {s: np.zeros(4) for s in STAGES}
    for e, v in zip(plan.method.emissions, lines):
        by_stage[e.stage] += v
    for i, s in enumerate(plan.stage_ids):
        assert stages[i] == pytest.approx(by_stage[s], rel=1e-12)
    assert total == pytest.approx(sum(by_stage.values()), rel=1e-12)


@pytest.mark.parametrize("seed, factor_first", [(1, False), (2, False), (3, True)])
def test_interleaved_lines_are_slices_of_the_slots_stage_by_stage(ws, seed, factor_first):
    """The inputs take slots by the stage of the line reading each (method order within a stage),
    so a stage's lines follow one another: the totals read a slice, no gather, one run a stage
    (the amount the first operand or the second)."""
    plan = ws.compile(build_method(method(300, seed, factor_first), "o.pcf"), 2024)
    prog = compile_program(plan)
    stage_of = {Key.input(f"a{i}"): e.stage for i, e in enumerate(plan.method.emissions)}
    rank = {s: i for i, s in enumerate(plan.stage_ids)}
    assert [rank[stage_of[k]] for k in prog.inputs] == sorted(rank[stage_of[k]] for k in prog.inputs)
    within = [int(k.name[1:]) for k in prog.inputs if stage_of[k] == "use"]
    assert within == sorted(within)                                  # method order within a stage
    assert [prog.slot[k] for k in prog.inputs] == list(range(300))
    assert isinstance(prog.sorted_lines, slice) and prog.runs_are_stages
    # one scenario as an array in the program's order of inputs, and the same values by key
    rng = np.random.default_rng(seed)
    by_key = {k: float(rng.uniform(0, 10)) * 3.6e6 for k in prog.inputs}
    packed, keyed = prog.run(prog.pack(by_key)), prog.run(by_key)
    # a packed run copies from `base` only the slots it does not write (`Program.kept`): every
    # slot still holds what the run from a copy of all of `base` holds
    assert np.array_equal(packed, keyed, equal_nan=True)
    _, stages, total = prog.totals(packed)
    _, stages_by_key, total_by_key = prog.totals(keyed)
    assert np.array_equal(stages, stages_by_key) and total == total_by_key
    want = {s: 0.0 for s in STAGES}
    for i, e in enumerate(plan.method.emissions):
        factor = e.expr.left if factor_first else e.expr.right
        want[e.stage] += by_key[Key.input(f"a{i}")] / 3.6e6 * float(factor.value)
    assert stages.tolist() == pytest.approx([want[s] for s in plan.stage_ids], rel=1e-12)
