"""Byte-mutation fuzzing of XLSX inventories beyond the suite's range (tests/test_fuzz_xlsx.py).

    .venv/bin/python bench/fuzz_xlsx.py                       # mutations 0..1999, as the suite
    .venv/bin/python bench/fuzz_xlsx.py --first 2000 --count 20000

Prints the exit codes `pcf run` would give (0 or 1; a 70 stops with the mutation and its
traceback) and the time taken.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--count", type=int, default=2000)
    args = ap.parse_args()
    import pcf
    from test_fuzz_xlsx import fuzz
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_CACHE_HOME"] = str(Path(tmp) / "cache")   # the KB cache stays private
        os.chdir(tmp)                                             # positions are relative, as in the suite
        ws = pcf.Workspace.load()
        start = time.perf_counter()
        codes = fuzz(ws, Path(tmp), args.count, args.first)
        took = time.perf_counter() - start
    print(f"mutations {args.first}..{args.first + args.count - 1}: exit codes "
          f"{dict(sorted(codes.items()))} in {took:.1f} s ({1000 * took / args.count:.1f} ms each)")


if __name__ == "__main__":
    main()
