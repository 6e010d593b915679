"""Loading an inventory of N inputs right after compiling its method, as bench/compare.py's
pcf worker does, with the collector running during the load or paused (engine/gcpause.py).

    python bench/inventory_load.py [--sizes 10000 100000]

Issue 25, target 4: `Inventory.build` and the inventory load were garbage-collector bound at
100 000 formulas. Compiling pauses the collector, so its millions of objects are still young
when the load starts, and each collection the load triggers rescans them. Each size and mode
and step runs in a fresh process (the bench model of models.py: one product, N inputs), the
step being the first thing after the compile: wall and CPU time, and the time spent inside
the collector (gc.callbacks).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

WORKER = r'''
import contextlib, gc, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, sys.argv[3])
import models, tomli
import pcf
from pcf.inputs import inventory as inv
from pcf.evaluation.evaluate import bind
n, mode, step = int(sys.argv[1]), sys.argv[2], int(sys.argv[4])
if mode == "running":   # the code before: no pause in inventory loading
    inv.gc_paused = contextlib.nullcontext
m = models.generate(n)
d = Path(tempfile.mkdtemp())
(d / "inventory.toml").write_text(models.pcf_inventory(m), encoding="utf-8")
(d / "model.pcf").write_text(models.pcf_method(m), encoding="utf-8")
data = tomli.loads((d / "inventory.toml").read_text(encoding="utf-8"))["product"]
ws = pcf.Workspace.load()
plan = ws.compile(ws.method(d / "model.pcf"), None)
spent, started = [0.0, 0], [0.0]
def watch(phase, info):
    if phase == "start":
        started[0] = time.perf_counter()
    else:
        spent[0] += time.perf_counter() - started[0]; spent[1] += 1
gc.callbacks.append(watch)
f = (lambda: inv.load_inventory(d / "inventory.toml"),
     lambda: inv.Inventory.build(data),
     lambda: bind(plan, inv.load_inventory(d / "inventory.toml").products[0], ws.kb, "i"))[step]
w, c = time.perf_counter(), time.process_time()
f()
print(f"{time.perf_counter() - w:.2f} s ({time.process_time() - c:.2f} s CPU, collector {spent[0]:.2f} s)")
'''


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = ap.parse_args()
    print("| N | collector while loading | load_inventory | Inventory.build | load + bind |")
    print("|---|---|---|---|---|")
    for n in args.sizes:
        for mode in ("running", "paused"):
            cells = [subprocess.run([sys.executable, "-c", WORKER, str(n), mode, str(HERE), str(step)], check=True,
                                    capture_output=True, text=True).stdout.strip() for step in range(3)]
            print(f"| {n:,} | {mode} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
