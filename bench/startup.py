"""How long the everyday commands take from a fresh process, against `python -c 'import numpy'`.

    python bench/startup.py [--repeat 9] [--json]

Issue 25, target 1: `pcf --help` within 1.5x of importing numpy; `pcf run`, `pcf check FILE` and
`pcf explain` within 2x; `pcf report --format html` within 3x. Each command runs once to warm
the caches (pint's definitions, the knowledge base; pcf's bytecode is compiled first), then `--repeat` times in
round-robin order, so that a busy moment on a shared machine slows every command alike;
the table shows the median wall time of each and its ratio to numpy's import. Two rows are
for reference: importing numpy, pint and lark (what every command but `--help` loaded before a
warm run stopped needing pint), and a cold-units run: pint loaded as when a unit string is new.
"""
from __future__ import annotations

import argparse
import compileall
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The console script's own entry point, without the `-m` double import of pcf.cli.
MAIN = "import sys; from pcf.cli import main; sys.exit(main(sys.argv[1:]))"
PCF = [sys.executable, "-c", MAIN]
# For reference: a run that meets a unit string the parsed-unit cache does not hold (the first
# after a change to kb/units.txt) loads pint and its registry, as every run did before.
WITH_PINT = [sys.executable, "-c", "import pcf.core.pintimport as p; p.import_pint_without_dask(); import pint; "
             "from pcf.core.units import _load_registry, _pint_disk_cache; from pcf.core.paths import DEFAULT_UNITS_FILE; "
             "_load_registry(DEFAULT_UNITS_FILE, _pint_disk_cache(DEFAULT_UNITS_FILE)); " + MAIN]
SEED = "examples/seed-003-metering-box"


def commands(out: Path) -> list[tuple[str, list[str], float | None]]:
    """(label, argv, target ratio to numpy's import)."""
    return [
        ("python -c 'import numpy'", [sys.executable, "-c", "import numpy"], None),
        ("python -c 'import numpy, pint, lark'", [sys.executable, "-c", "import numpy, pint, lark"], None),
        ("pcf --help", PCF + ["--help"], 1.5),
        (f"pcf run {SEED}", PCF + ["run", SEED], 2.0),
        (f"pcf run {SEED} (loading pint, as for a new unit)", WITH_PINT + ["run", SEED], None),
        ("pcf check methods/gbt24067/electrical.pcf", PCF + ["check", "methods/gbt24067/electrical.pcf"], 2.0),
        (f"pcf explain {SEED}", PCF + ["explain", SEED], 2.0),
        (f"pcf report {SEED} --format html -o {out}", PCF + ["report", SEED, "--format", "html", "-o", str(out)], 3.0),
    ]


def wall(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    # "Bytecode compiled", as after `pip install`: an editable install writes pcf's .pyc files on
    # first import, unless PYTHONDONTWRITEBYTECODE is set (it is on some machines, this one among
    # them), when every command compiled pcf's ~150 modules from source, ~70 ms a start.
    compileall.compile_dir(ROOT / "engine", quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        cmds = commands(Path(tmp) / "r.html")
        for _, cmd, _ in cmds:
            wall(cmd)
        times: list[list[float]] = [[] for _ in cmds]
        for _ in range(args.repeat):
            for i, (_, cmd, _) in enumerate(cmds):
                times[i].append(wall(cmd))
    base = statistics.median(times[0])
    rows = [{"command": label, "median_s": statistics.median(t), "ratio": statistics.median(t) / base,
             "target": target} for (label, _, target), t in zip(cmds, times)]
    if args.json:
        print(json.dumps({"repeat": args.repeat, "results": rows}, indent=2))
        return
    print(f"median of {args.repeat} fresh processes, round-robin, after one warm-up each")
    print("| command | wall time | × numpy import | target |")
    print("|---|---|---|---|")
    for r in rows:
        target = f"≤ {r['target']:g}×" if r["target"] else "—"
        met = "" if r["target"] is None else (" (met)" if r["ratio"] <= r["target"] else " (missed)")
        print(f"| `{r['command']}` | {r['median_s'] * 1000:.0f} ms | {r['ratio']:.2f} | {target}{met} |")


if __name__ == "__main__":
    main()
