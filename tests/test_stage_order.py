"""Stage totals do not depend on the order a method declares its lines in (issue 25 target 2):
interleaved stages are gathered one run per stage; every total equals the lines' sum by stage."""
from __future__ import annotations

import random

import numpy as np
import pytest

from pcf.core.keys import Key
from pcf.evaluation.lowering import compile_program
from pcf.language.build import build_method

STAGES = ("raw_material", "production", "distribution", "use", "end_of_life")


def method(n: int, seed: int) -> str:
    rng = random.Random(seed)
    lines = [f'  input a{i} : kWh\n  emission e{i} in {rng.choice(STAGES)} = a{i} * {rng.randint(1, 9)} kgCO2e/kWh'
             for i in range(n)]
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
