"""The audit's run time on the seeds (issue 18: under a second on seed 004).

    .venv/bin/python bench/audit.py            # every seed, median of 20 runs
    .venv/bin/python bench/audit.py --repeat 50

Per seed: `pcf run` without the audit (the case evaluated under its own method given
explicitly, which skips the printed figures), with it, and `pcf audit`'s view (the run plus
a second pass that keeps every figure's interval and verdict). The workspace (units,
knowledge base) is loaded once, outside the timings.
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import pcf
from pcf.checks.auditview import audit_case

ROOT = Path(__file__).resolve().parent.parent


def median_ms(fn, repeat: int) -> float:
    fn()   # warm-up
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    ws = pcf.Workspace.load()
    print("| seed | printed figures | run without audit | run with audit | pcf audit view |")
    print("|---|---|---|---|---|")
    for case in sorted((ROOT / "examples").glob("seed-*")):
        r = ws.run_case(case)
        method = r.method.id
        plain = median_ms(lambda: ws.run_case(case, method), args.repeat)
        audited = median_ms(lambda: ws.run_case(case), args.repeat)
        view = median_ms(lambda: audit_case(ws, case), args.repeat)
        print(f"| {case.name} | {len(r.case.reported)} | {plain:.1f} ms | {audited:.1f} ms | {view:.1f} ms |")


if __name__ == "__main__":
    main()
