"""Compile time by phase at a given size (issue 25, target 4): parse and build the nodes, plan
(`Workspace.compile`: names, order, units), program (`compile_program`), and the peak memory the
compile added. One size per process, so that sizes do not share a heap.

    .venv/bin/python bench/compile_phases.py 10000
    .venv/bin/python bench/compile_phases.py 100000
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import models  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("size", type=int, help="formulas (activities) in the generated model")
    n = ap.parse_args(argv).size
    import pcf
    from pcf.evaluation.lowering import compile_program
    from pcf.language.build import build_method
    text = models.pcf_method(models.generate(n))
    ws = pcf.Workspace.load()
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    method = build_method(text, "m.pcf")
    t1 = time.perf_counter()
    plan = ws.compile(method, 2024)
    t2 = time.perf_counter()
    compile_program(plan)
    t3 = time.perf_counter()
    added = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024
    print(f"| {n:,} | {t1 - t0:.2f} s | {t2 - t1:.2f} s | {t3 - t2:.2f} s | {t3 - t0:.2f} s | {added:.0f} MB |"
          .replace(",", " "))
    return 0


if __name__ == "__main__":
    sys.exit(main())
