"""Knowledge-base scale benchmark: load and look up in a generated 50 000-entry KB.

    .venv/bin/python bench/kb_scale.py                 # 50 000 entries, prints a table
    .venv/bin/python bench/kb_scale.py --entries 5000  # smaller
    .venv/bin/python bench/kb_scale.py --keep /tmp/kb50k   # keep the generated folder
    .venv/bin/python bench/kb_scale.py --real kb           # the library itself, and a seed run

The generated KB is deterministic (fixed seed) and shaped like the real one: annual series
of grid-style factors (one entry per id and year, several files) plus fuel parameter sets
with derived `formula` entries. Values are synthetic and only ever live in a temporary
folder: they are not factors and must never be copied into kb/.

Rows: units registry load (pint, paid once per process, not part of the KB); cold load
(TOML parse + validation, no cache); first cached load (cold + writing the cache);
warm load (cache hit); `check_kb` (formulas parsed, references and units checked);
lookups per call; compiling a method with 100 kb references against the big KB; a new
Python process up to its first lookup, the cache warm (what a `pcf` command waits for).
Targets (issue 5): cold load under 1 s, lookups in microseconds.

`--real KB` measures a real knowledge-base folder instead (issue 19): `load_kb` without the
cache, `Workspace.load()` with an empty cache folder (parse, validate, write the cache) and
with the cache warm, and `pcf run CASE` (default examples/seed-003-metering-box) in a fresh
process with an empty and with a warm cache folder (XDG_CACHE_HOME pointed at a temporary
folder, so pint's registry cache is cold too in the cold run). Best of `--repeat`.
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pcf.core.errors import PcfError
from pcf.knowledge.kb import check_kb, load_kb
from pcf.core.units import load_units

YEARS = (2019, 2020, 2021, 2022, 2023)
PER_FILE = 1000
FUEL_PARTS = 4   # ncv, carbon_content, oxidation, ef (derived)
UNITS = ("kgCO2e/kWh", "kgCO2/kWh", "tCO2/MWh", "kgCO2e/(t·km)", "kgCO2e/kg", "gCO2e/(t·km)",
         "kgCO2e/m3", "kgCO2e/L")
BASIS = {"kgCO2/kWh": "CO2", "tCO2/MWh": "CO2"}
REGIONS = ("north", "south", "east", "west", "central", "northeast", "northwest", "southwest")


def generate(root: Path, entries: int = 50_000, seed: int = 20240101) -> dict:
    """Write a KB of `entries` entries under `root`; returns what a lookup benchmark needs."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    sources = [f"bench_source_{i}" for i in range(10)]
    with open(root / "sources.toml", "w", encoding="utf-8") as f:
        for i, key in enumerate(sources):
            f.write(f'[{key}]\ntitle = "合成基准数据 {i}"\ntitle_en = "Synthetic benchmark data {i}"\n'
                    f'issuer = "pcf benchmark (synthetic, not a factor source)"\nyear = {2015 + i}\n\n')
    n_fuels = entries // 10 // FUEL_PARTS
    n_series = (entries - n_fuels * FUEL_PARTS) // len(YEARS)
    n_single = entries - n_fuels * FUEL_PARTS - n_series * len(YEARS)
    blocks: list[str] = []
    series_ids = []
    for i in range(n_series):
        unit = UNITS[i % len(UNITS)]
        ident = f"bench.grid.{REGIONS[i % len(REGIONS)]}.g{i:05d}"
        series_ids.append(ident)
        for year in YEARS:
            blocks.append(_entry(ident, rng.uniform(0.01, 2.0), unit, BASIS.get(unit, "CO2e"),
                                 rng.choice(sources), year, year, f"合成因子 {i} {year}年",
                                 f"synthetic factor {i} ({year})"))
    for i in range(n_single):
        ident = f"bench.single.s{i:05d}"
        blocks.append(_entry(ident, rng.uniform(0.01, 2.0), "kgCO2e/kg", "CO2e", rng.choice(sources),
                             2020, None, f"合成材料 {i}", f"synthetic material {i}"))
    fuel_ids = []
    for i in range(n_fuels):
        base = f"bench.fuel.f{i:04d}"
        fuel_ids.append(f"{base}.ef")
        src = rng.choice(sources)
        for part, value, unit in (("ncv", rng.uniform(20, 50), "GJ/t"),
                                  ("carbon_content", rng.uniform(13, 30), "tC/TJ"),
                                  ("oxidation", rng.uniform(0.9, 1.0), "1")):
            blocks.append(_entry(f"{base}.{part}", value, unit, "parameter", src, 2015, None,
                                 f"燃料 {i} {part}", f"fuel {i} {part}"))
        blocks.append(_entry(f"{base}.ef", None, "tCO2/t", "CO2", src, 2015, None, f"燃料 {i} 排放因子",
                             f"fuel {i} CO2 factor",
                             formula=f"kb.{base}.ncv * kb.{base}.carbon_content * kb.{base}.oxidation * 44/12"))
    rng.shuffle(blocks)  # an id's periods end up in different files, as in a real KB
    for n, start in enumerate(range(0, len(blocks), PER_FILE)):
        folder = root / f"family_{n % 7}"
        folder.mkdir(exist_ok=True)
        with open(folder / f"part_{n:03d}.toml", "w", encoding="utf-8") as f:
            f.write("# synthetic benchmark entries (not factors)\n\n")
            f.write("\n".join(blocks[start:start + PER_FILE]))
    return {"series": series_ids, "fuels": fuel_ids, "entries": len(blocks)}


def _entry(ident, value, unit, basis, source, valid_from, valid_to, name_zh, name_en, formula=None) -> str:
    lines = ["[[entry]]", f'id = "{ident}"', f'name_zh = "{name_zh}"', f'name_en = "{name_en}"']
    lines.append(f'formula = "{formula}"' if formula else f"value = {value:.6g}")
    lines += [f'unit = "{unit}"', f'basis = "{basis}"', 'region = "CN"', f"valid_from = {valid_from}"]
    if valid_to is not None:
        lines.append(f"valid_to = {valid_to}")
    lines += ['quality = "national"', 'confidence = "confirmed-B"', f'source = "{source}"',
              'note = "synthetic benchmark entry"', ""]
    return "\n".join(lines)


def _time(fn, repeat: int = 3) -> tuple[float, object]:
    """Best of `repeat` wall times (s) and the last result."""
    best, out = float("inf"), None
    for _ in range(repeat):
        out = None   # free the previous result outside the timed call
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--entries", type=int, default=50_000)
    ap.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    ap.add_argument("--lookups", type=int, default=100_000)
    ap.add_argument("--real", type=Path, metavar="KB", help="measure this knowledge-base folder instead")
    ap.add_argument("--case", type=Path, default=Path("examples/seed-003-metering-box"))
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    if args.real:
        return _report(real(args.real, args.case, args.repeat))

    with tempfile.TemporaryDirectory(prefix="pcf-kb-bench-") as tmp:
        root = args.keep or Path(tmp) / "kb"
        cache_dir = Path(tmp) / "cache"
        t = time.perf_counter()
        info = generate(root, args.entries)
        t_gen = time.perf_counter() - t
        files = sorted(root.rglob("*.toml"))
        size = sum(p.stat().st_size for p in files)

        t_units, units = _time(load_units, 1)
        t_cold, kb = _time(lambda: load_kb(root, units, cache=False))
        t_first, _ = _time(lambda: load_kb(root, units, cache=True, cache_dir=cache_dir), 1)
        t_warm, kb_warm = _time(lambda: load_kb(root, units, cache=True, cache_dir=cache_dir))
        assert kb_warm == kb, "a cached load must equal an uncached one"
        t_check, _ = _time(lambda: check_kb(kb))

        rng = random.Random(7)
        asks = [(rng.choice(info["series"]), rng.choice(YEARS)) for _ in range(args.lookups)]
        late = [(i, YEARS[-1] + 3) for i, _ in asks[: args.lookups // 10]]
        fuels = [(rng.choice(info["fuels"]), 2024) for _ in range(args.lookups // 10)]

        def run(pairs, **kw):
            look = kb.lookup
            for ident, year in pairs:
                look(ident, year, **kw)

        per = {}
        for label, pairs, kw in (("lookup, data year", asks, {}),
                                 ("lookup, open-ended entry", fuels, {}),
                                 ("lookup, latest-earlier fallback", late, {"fallback": True})):
            runs = []
            for _ in range(5):
                s = time.perf_counter()
                run(pairs, **kw)
                runs.append((time.perf_counter() - s) / len(pairs))
            per[label] = statistics.median(runs)

        t_plan = _compile(kb, units, info)
        t_process = _new_process(root, cache_dir, info["series"][0])

    rows = [("entries", f"{info['entries']:,}"), ("files", f"{len(files)} ({size / 2**20:.1f} MiB)"),
            ("generate", f"{t_gen:.2f} s"), ("units registry (pint, once per process)", f"{t_units * 1e3:.0f} ms"),
            ("cold load: parse + validate, no cache", f"{t_cold:.2f} s"),
            ("first load with cache (cold + write cache)", f"{t_first:.2f} s"),
            ("warm load (cache hit)", f"{t_warm * 1e3:.0f} ms"),
            ("check_kb (formulas, references, units)", f"{t_check * 1e3:.0f} ms")]
    rows += [(k, f"{v * 1e6:.2f} µs/call") for k, v in per.items()]
    rows.append(("compile a method with 100 kb refs", t_plan))
    rows.append(("new process: import, units, cached load, 1 lookup", f"{t_process:.2f} s"))
    return _report(rows)


def _report(rows: list[tuple[str, str]]) -> int:
    w = max(len(k) for k, _ in rows)
    print(f"pcf knowledge-base scale benchmark — {_machine()}")
    for k, v in rows:
        print(f"  {k:<{w}}  {v}")
    return 0


def real(root: Path, case: Path, repeat: int) -> list[tuple[str, str]]:
    """Timings of a real KB folder and of one case run against it (see the module docstring)."""
    from pcf.api import Workspace
    files = sorted(Path(root).rglob("*.toml"))
    size = sum(p.stat().st_size for p in files)
    units = load_units()
    t_cold, kb = _time(lambda: load_kb(root, units, cache=False), repeat)
    saved = os.environ.get("XDG_CACHE_HOME")
    with tempfile.TemporaryDirectory(prefix="pcf-kb-real-") as tmp:
        def fresh_cache() -> Workspace:
            os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(dir=tmp)
            return Workspace.load(root)
        try:
            t_ws_cold, _ = _time(fresh_cache, repeat)
            t_ws_warm, _ = _time(lambda: Workspace.load(root), repeat)   # the last fresh cache, now warm
        finally:
            if saved is None:
                os.environ.pop("XDG_CACHE_HOME", None)
            else:
                os.environ["XDG_CACHE_HOME"] = saved

        def run_case(cache: str) -> float:
            env = {**os.environ, "XDG_CACHE_HOME": cache}
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "pcf.cli", "--kb", str(root), "run", str(case)], env=env,
                           check=True, stdout=subprocess.DEVNULL)
            return time.perf_counter() - t
        cold_runs = [run_case(tempfile.mkdtemp(dir=tmp)) for _ in range(repeat)]
        warm = tempfile.mkdtemp(dir=tmp)
        run_case(warm)
        warm_runs = [run_case(warm) for _ in range(repeat)]
    return [("knowledge base", f"{root}: {len(kb.entries):,} entries, {len(files)} files ({size / 2**20:.1f} MiB)"),
            ("load_kb, no cache (units loaded)", f"{t_cold:.2f} s"),
            ("Workspace.load(), empty cache folder", f"{t_ws_cold:.2f} s"),
            ("Workspace.load(), cache warm", f"{t_ws_warm * 1e3:.0f} ms"),
            (f"pcf run {case}, new process, empty cache", f"{min(cold_runs):.2f} s"),
            (f"pcf run {case}, new process, cache warm", f"{min(warm_runs):.2f} s")]


def _compile(kb, units, info) -> str:
    """Compile a method using 100 generated ids; plan.py is another module's, so failures are shown."""
    try:
        from pcf.language.build import build_method
        from pcf.plan import compile_method
    except ImportError as exc:  # pragma: no cover
        return f"n/a ({exc})"
    refs = [i for i in info["series"] if ".g" in i and kb.by_id[i][0].unit == "kgCO2e/kWh"][:100]
    lets = "\n".join(f"  let f{n} = kb.{r}" for n, r in enumerate(refs))
    total = " + ".join(f"f{n}" for n in range(len(refs)))
    text = (f'method bench.scale "benchmark" {{\n  standard "ISO 14067:2018"\n  boundary gate_to_gate\n'
            f'  gwp AR5\n  stage production "生产"\n  input electricity : kWh "用电"\n{lets}\n'
            f'  emission power "用电" in production = electricity * ({total})\n}}\n')
    try:
        method = build_method(text, "<bench>")
        t, _ = _time(lambda: compile_method(method, kb, units, 2022))
    except PcfError as exc:
        return f"n/a ({exc})"
    return f"{t * 1e3:.1f} ms"


def _new_process(root: Path, cache_dir: Path, ident: str) -> float:
    """What a user waits for: a fresh interpreter up to its first lookup, the cache warm."""
    code = ("from pcf.knowledge.kb import load_kb; from pcf.core.units import load_units; "
            f"load_kb({str(root)!r}, load_units(), cache_dir={str(cache_dir)!r}).lookup({ident!r}, 2022)")
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        best = min(best, time.perf_counter() - t)
    return best


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {sys.platform}"


if __name__ == "__main__":
    sys.exit(main())
