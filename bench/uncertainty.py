"""`pcf uncertainty CASE --draws N` end to end on every seed case: a fresh process each run
(interpreter start, imports, units, knowledge base from its cache, compile, draws, table).

    python bench/uncertainty.py [--draws 10000] [--repeat 5] [--json]

Prints the median wall time of `--repeat` runs per case after one warm-up run (which also
fills the knowledge-base and unit caches), and the import-only time for reference.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PCF = [sys.executable, "-m", "pcf.cli"]


def wall(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = []
    imports = [sys.executable, "-c", "import pcf.cli"]
    wall(imports)
    rows.append({"case": "(import pcf.cli only)", "median_s": statistics.median(wall(imports) for _ in range(args.repeat))})
    for case in sorted((ROOT / "examples").iterdir()):
        cmd = PCF + ["uncertainty", str(case.relative_to(ROOT)), "--draws", str(args.draws), "--json"]
        wall(cmd)
        rows.append({"case": case.name, "median_s": statistics.median(wall(cmd) for _ in range(args.repeat))})
    if args.json:
        print(json.dumps({"draws": args.draws, "results": rows}, indent=2))
        return
    print(f"pcf uncertainty --draws {args.draws:,}: median of {args.repeat} fresh processes")
    for r in rows:
        print(f"  {r['case']:<32} {r['median_s']:.3f} s")


if __name__ == "__main__":
    main()
