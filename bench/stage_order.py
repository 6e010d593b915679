"""Stage totals when a method interleaves its stages (issue 25 target 2): 1 000 vectorised
scenarios of N activities assigned to stages at random, pcf's array program against a numpy
floor (lines = amount x factor, stage totals by one matrix product of a 0/1 matrix), with
the lines read in slot order (before) and gathered stage by stage (now).

    .venv/bin/python bench/stage_order.py [--sizes 1000 10000] [--scenarios 1000]
"""
from __future__ import annotations

import argparse
import random
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
    print(f"{'N':>7} {'numpy':>9} {'pcf now':>9} {'pcf before':>11} {'now/numpy':>10} {'before/numpy':>13}")
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

        now = lowering.compile_program(plan)
        keep = lowering._line_order
        lowering._line_order = lambda slots, counted: np.argsort(slots, kind="stable")
        before = lowering.compile_program(plan)
        lowering._line_order = keep
        packed = now.pack(inputs)
        t_np = best(floor)
        t_now = best(lambda: now.totals(now.run(packed)))
        t_before = best(lambda: before.totals(before.run(packed)))
        assert np.allclose(now.totals(now.run(packed))[1], floor(), rtol=1e-9)
        print(f"{n:>7} {t_np * 1e3:>7.1f}ms {t_now * 1e3:>7.1f}ms {t_before * 1e3:>9.1f}ms "
              f"{t_now / t_np:>10.2f} {t_before / t_np:>13.2f}")


if __name__ == "__main__":
    main()
