"""Stage totals when a method interleaves its stages (issue 25 target 2): 1 000 vectorised
scenarios of N activities assigned to stages at random, pcf's array program against a numpy
floor (lines = amount x factor, stage totals by one matrix product of a 0/1 matrix). Three
layouts of pcf's program: inputs numbered by stage, so that each stage's lines are a slice
(now, `lowering._Builder.inputs_by_stage`); inputs in method order with the lines gathered stage
by stage (gathered, `lowering._line_order`); and the lines read in slot order (slot order).

    .venv/bin/python bench/stage_order.py [--sizes 1000 10000] [--scenarios 1000]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import pcf  # noqa: E402
from pcf.core.keys import Key  # noqa: E402
from pcf.evaluation import lowering  # noqa: E402
from pcf.language.build import build_method  # noqa: E402
from test_stage_order import STAGES, method  # noqa: E402


def best(f, repeat=3):
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        out.append(time.perf_counter() - t)
    return min(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--scenarios", type=int, default=1000)
    args = ap.parse_args()
    ws = pcf.Workspace.load()
    print(f"{'N':>7} {'numpy':>9} {'now':>9} {'gathered':>9} {'slot order':>11} "
          f"{'now/numpy':>10} {'gathered/numpy':>15} {'slot order/numpy':>17}")
    for n in args.sizes:
        plan = ws.compile(build_method(method(n, 7), "o.pcf"), 2024)
        rng = np.random.default_rng(1)
        A = rng.uniform(0, 10, (n, args.scenarios)) * 3.6e6
        inputs = {Key.input(f"a{i}"): A[i] for i in range(n)}
        factors = np.array([float(e.expr.right.value) / 3.6e6 for e in plan.method.emissions])
        stage_of = {s: i for i, s in enumerate(STAGES)}
        M = np.zeros((len(STAGES), n))
        M[[stage_of[e.stage] for e in plan.method.emissions], np.arange(n)] = 1.0

        def floor():
            return M @ (A * factors[:, None])

        times = [best(floor)]
        for variant in ("now", "gathered", "slot order"):
            prog = _compiled(plan, variant)
            packed = prog.pack(inputs)
            times.append(best(lambda: prog.totals(prog.run(packed))))
            assert np.allclose(prog.totals(prog.run(packed))[1], floor(), rtol=1e-9)
        t_np = times[0]
        print(f"{n:>7} " + " ".join(f"{t * 1e3:>7.1f}ms" for t in times) + " "
              f"{times[1] / t_np:>10.2f} {times[2] / t_np:>15.2f} {times[3] / t_np:>17.2f}")


def _compiled(plan, variant: str):
    """The program as built now, or as an earlier layout built it (the builder's choices undone)."""
    Builder, keep_lines, keep_inputs = lowering._Builder, lowering._line_order, lowering._Builder.inputs_by_stage
    try:
        if variant != "now":
            Builder.inputs_by_stage = lambda self, outs, lines, counted: np.arange(len(self.inputs))   # method order
        if variant == "slot order":
            lowering._line_order = lambda slots, counted: np.argsort(slots, kind="stable")
        return lowering.compile_program(plan)
    finally:
        lowering._line_order, Builder.inputs_by_stage = keep_lines, keep_inputs


if __name__ == "__main__":
    main()
