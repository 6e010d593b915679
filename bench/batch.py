"""`pcf batch` of a million-row wide CSV catalogue against a hand-written numpy floor (issue 25,
target 3): time, peak memory and whether the two wrote the same bytes.

    .venv/bin/python bench/batch.py                      # 1 000 000 rows, seed 003's method
    .venv/bin/python bench/batch.py --rows 100000 --chunk-rows 50000 --repeat 3   # another chunk size

The catalogue (deterministic, fixed seed) has one row per product in the shape of seed 003
(`gbt24067.electrical`, eight inputs, three of them optional, a quantity per row), with amounts
written as an inventory gives them (`56.8120`). Each run is a fresh process, so each peak RSS
(`VmHWM`) is that run's own; the table also gives the RSS after imports, before the work.

The floor (two variants: the whole file at once, and `--chunk-rows` lines at a time) reads
with `str.split`, converts each column with one numpy call,
checks what pcf checks on such a file (plain numbers, finite, not negative, ids unique, quantity
not 0), computes the lines, stages and total as pcf's program does (amount x base-unit scale x
factor, stages summed line by line, divided by the quantity) and writes the same CSV (`repr` of
each float). The factors and scales come from pcf's compiled program, read once: the floor is
the per-row work only. Both outputs are compared byte for byte.
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
METHOD = "gbt24067.electrical"
YEAR = 2024
UNITS = {"rm_electricity": "kWh", "rm_natural_gas": "m3", "rm_transport_diesel": "kg",
         "production_electricity": "kWh", "production_diesel": "kg", "product_transport_diesel": "kg",
         "eol_electricity": "kWh", "eol_natural_gas": "m3"}


def generate(path: Path, rows: int, seed: int = 25) -> None:
    """A wide catalogue of `rows` products, written 100 000 rows at a time."""
    import numpy as np
    rng = np.random.default_rng(seed)
    names = list(UNITS)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(["product", "name", "quantity"] + [f"{n} [{u}]" for n, u in UNITS.items()]) + "\n")
        for lo in range(0, rows, 100_000):
            m = min(rows, lo + 100_000) - lo
            cols = [[f"BXS-{i:07d}" for i in range(lo, lo + m)],
                    [f"box {i % 97}" for i in range(lo, lo + m)],
                    [str(q) for q in rng.integers(1, 20_000, m).tolist()]]
            for n in names:
                x = np.round(rng.uniform(0, 100, m), 4)
                if n in ("rm_natural_gas", "production_diesel", "eol_natural_gas"):
                    x[rng.random(m) < 0.5] = 0
                cols.append([f"{v:.4f}" for v in x.tolist()])
            fh.write("\n".join(map(",".join, zip(*cols))) + "\n")


def constants():
    """What the floor takes from pcf once: each input's scale to base units and slot, each
    emission's factor, the stages' lines in order."""
    import numpy as np
    import pcf
    from pcf.evaluation.lowering import compile_program
    from pcf.plan import compile_method
    ws = pcf.Workspace.load()
    prog = compile_program(compile_method(ws.method(METHOD), ws.kb, ws.units, YEAR))
    plan = prog.plan
    scales = {n: plan.units.parse(u).scale for n, u in UNITS.items()}
    keys = list(prog.inputs)
    factors, uses = [0.0] * len(prog.emissions), [None] * len(prog.emissions)
    for k in keys:                 # one input at 1 (base units), the others 0: its lines are its factors
        V = prog.run({j: np.full(1, 1.0 if j == k else 0.0) for j in keys}, n=1)
        for i, v in enumerate(V[prog.emission_slots][:, 0].tolist()):
            if v:
                factors[i], uses[i] = v, k.removeprefix("input:")
    stage_of = [e.stage for e in plan.method.emissions]
    stages = list(plan.stage_ids)
    assert None not in uses, "each line of the bench method is one input times a factor"
    return dict(scales=scales, factors=factors, uses=uses, stage_of=stage_of, stages=stages)


def floor(cat: Path, out: Path, k: dict, chunk_rows: int | None = None) -> None:
    """Read, check, compute, write: numpy on whole columns, nothing else. The whole file at
    once, or `chunk_rows` lines at a time (ids kept in a set across chunks)."""
    import itertools
    seen: set[str] = set()
    with open(cat, encoding="utf-8", newline="") as src, open(out, "w", encoding="utf-8", newline="") as dst:
        header = src.readline().rstrip("\n").split(",")
        dst.write(",".join(["product", "name", "total [kgCO2e]"] + [f"{s} [kgCO2e]" for s in k["stages"]]) + "\n")
        while True:
            body = src.read() if chunk_rows is None else "".join(itertools.islice(src, chunk_rows))
            if not body:
                return
            dst.write(_floor_rows(body, header, k, seen))
            if chunk_rows is None:
                return


def _floor_rows(body: str, header: list[str], k: dict, seen: set) -> str:
    import numpy as np
    width = len(header)
    if body.endswith("\n"):
        body = body[:-1]
    cells = body.replace("\n", ",").split(",")
    n = len(cells) // width
    if len(cells) != n * width or body.count("\n") != n - 1:
        raise SystemExit("ragged rows")
    ids, names = cells[0::width], cells[1::width]
    before = len(seen)
    seen.update(ids)
    if len(seen) != before + n:
        raise SystemExit("duplicate ids")
    q = np.array(cells[2::width], dtype=float)
    amounts = {}
    for j, h in enumerate(header[3:], 3):
        x = np.array(cells[j::width], dtype=float)
        if not (np.isfinite(x).all() and (x >= 0).all()):
            raise SystemExit(f"bad column {h}")
        amounts[h.split(" [")[0]] = x * k["scales"][h.split(" [")[0]]
    if (q == 0).any():
        raise SystemExit("quantity 0")
    div = np.where(q > 0, q, 1.0)
    lines = [amounts[u] * f for u, f in zip(k["uses"], k["factors"])]
    stages = []
    for s in k["stages"]:
        acc = None
        for line, st in zip(lines, k["stage_of"]):
            if st == s:
                acc = line.copy() if acc is None else acc + line
        stages.append((acc if acc is not None else np.zeros(n)) / div)
    total = np.sum(stages, axis=0)

    def fmt(a):
        a = a + 0.0
        if (a == a[0]).all():
            return [repr(float(a[0]))] * n
        return repr(a.tolist())[1:-1].split(", ")
    cols = [ids, names] + [fmt(a) for a in [total, *stages]]
    return "\n".join(map(",".join, zip(*cols))) + "\n"


def _status(field: str) -> float:
    """A /proc/self/status figure in MiB (VmHWM: this process's peak RSS, reset by exec, unlike
    ru_maxrss, which a child inherits from the parent that forked it)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(args) -> None:
    """One measured run (a fresh process): prints time, RSS after imports and peak RSS."""
    import numpy  # noqa: F401  (both sides import numpy before the clock)
    if args.child.startswith("floor"):
        k = json.loads(Path(args.consts).read_text())
        rss0 = _status("VmRSS")
        t = time.perf_counter()
        floor(Path(args.cat), Path(args.out), k, args.chunk_rows if args.child == "floor-chunked" else None)
    else:
        from pcf.cli import main
        rss0 = _status("VmRSS")
        t = time.perf_counter()
        code = main(["batch", METHOD, args.cat, "--data-year", str(YEAR), "-o", args.out,
                     "--chunk-rows", str(args.chunk_rows)])
        assert code == 0, code
    dt = time.perf_counter() - t
    print(json.dumps({"time": dt, "rss0": rss0, "peak": _status("VmHWM")}))


def measure(kind: str, cat: Path, out: Path, args, consts: Path) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, "--cat", str(cat), "--out", str(out),
           "--consts", str(consts), "--chunk-rows", str(args.chunk_rows)]
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if res.returncode:
        raise SystemExit(f"{kind} failed:\n{res.stderr}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--chunk-rows", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="folder to keep the catalogue and outputs in")
    ap.add_argument("--child"), ap.add_argument("--cat"), ap.add_argument("--out"), ap.add_argument("--consts")
    args = ap.parse_args()
    if args.child:
        return child(args)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="pcf-bench-batch-"))
    folder.mkdir(parents=True, exist_ok=True)
    cat, consts = folder / "catalogue.csv", folder / "constants.json"
    t = time.perf_counter()
    generate(cat, args.rows)
    print(f"catalogue: {args.rows:,} rows, {cat.stat().st_size / 2**20:.1f} MiB, "
          f"generated in {time.perf_counter() - t:.1f} s ({cat})")
    consts.write_text(json.dumps(constants()))
    runs: dict[str, list[dict]] = {"floor": [], "floor-chunked": [], "pcf": []}
    for _ in range(args.repeat):          # alternated, so a busy moment slows both alike
        for kind in runs:
            runs[kind].append(measure(kind, cat, folder / f"{kind}.csv", args, consts))
    want = (folder / "pcf.csv").read_bytes()
    same = all((folder / f"{k}.csv").read_bytes() == want for k in runs)
    med = {k: statistics.median(r["time"] for r in v) for k, v in runs.items()}
    best = min(("floor", "floor-chunked"), key=med.get)
    print(f"\n| run | time (median of {args.repeat}) | all times | RSS after imports | peak RSS |")
    print("|---|---|---|---|---|")
    for k, v in runs.items():
        times = ", ".join(f"{r['time']:.2f}" for r in v)
        print(f"| {k} | {med[k]:.2f} s | {times} | "
              f"{v[0]['rss0']:.0f} MiB | {max(r['peak'] for r in v):.0f} MiB |")
    print(f"\npcf / the faster floor ({best}): {med['pcf'] / med[best]:.2f}x (target <= 1.5x); "
          f"outputs byte-identical: {'yes' if same else 'NO'}")
    if not args.keep:
        for f in folder.iterdir():
            f.unlink()
        folder.rmdir()
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
