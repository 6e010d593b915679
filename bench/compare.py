"""pcf against its peers on the same generated models (issue 8, part 5).

    .venv/bin/python bench/compare.py                          # sizes 100 1000 10000, every engine
    .venv/bin/python bench/compare.py --sizes 100 1000 10000 --json
    .venv/bin/python bench/compare.py --sizes 100000 --engines pcf numpy
    .venv/bin/python bench/compare.py --repeat 3 --budget 20   # quicker, rougher

For every size, bench/models.py generates one carbon-footprint-shaped model (N activities over
six stages, N/10 shared factors, a third of them fuel factors derived as NCV x CC x OF x 44/12,
stage sums, total, per unit, shares) and writes it for each engine into a temporary folder:
a pcf method + inventory, bw2parameters parameters, publicodes rules, and the lists a
hand-written numpy plan is built from. Each (engine, size) is then measured in a fresh
process (this script with --worker, or node for publicodes), after one warm-up, as the
median of --repeat runs:

- compile_s: from the model's text to something that evaluates. pcf: parse + build +
  Workspace.compile (names, graph, unit check) + compile_program. bw2parameters: ParameterSet
  (validation, every formula parsed for its references, evaluation order). publicodes:
  new Engine(rules). numpy: the factor vector (fuel factors derived) and index arrays.
- eval_s: one evaluation of the per-unit total and the six stage shares.
- evals1000_s: 1 000 scenarios, every amount times a lognormal draw (sigma 0.2, fixed seed):
  one vectorised call for pcf and numpy; a loop of 1 000 evaluations with changed inputs for
  bw2parameters and publicodes, or fewer (20) when 1 000 would take over --budget seconds,
  scaled linearly and marked "extrapolated" (the loop runs once, not --repeat times).
  A build whose warm-up takes over --budget/6 seconds (bw2parameters at 10 000, pcf at
  100 000) is timed once more instead of --repeat times (compile_runs says how many).
- peak_mb: peak resident memory of the worker process (Python: resource.getrusage ru_maxrss;
  node: process.resourceUsage().maxRSS), which includes the interpreter and, for pcf and
  numpy, the 1 000-scenario arrays.
- total: the per-unit total. Every engine's total, and its scenario totals, must equal the
  numpy reference to 1e-9 relative, or the script stops with exit status 1.

Extra keys: base_mb (resident memory before the model was read), peak_single_mb (peak before
the scenarios), scenarios_measured, extrapolated; pcf: bind_s (reading the inventory TOML
and converting it to base units, once per inventory); bw2parameters: evals1000_mc_s (the same
1 000 scenarios through ParameterSet.evaluate_monte_carlo, its own vectorised path).

openfisca-core (issue 25) computes the model its own way: the activities are the persons of a
population and the stages its groups, four variables (amount, factor index, emission, stage
total) vectorised over the activities, float variables stored as float64 so that its totals
agree with numpy's to 1e-9 (openfisca's default is float32). Its compile is building that
tax-benefit system and the simulation's population; one evaluation sets the amounts and
computes the stage totals; its 1 000 scenarios are a loop, as for bw2parameters.

Requirements: the `bench` extra (`pip install -e '.[bench]'`, for bw2parameters and
openfisca-core) and, for
publicodes, `npm ci --prefix bench` (node >= 18). A missing peer is skipped with a note.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import models  # noqa: E402  (bench/models.py, next to this script)

ENGINES = ("pcf", "numpy", "bw2parameters", "publicodes", "openfisca")
DEFAULT_SIZES = (100, 1000, 10000)
# Sizes above a cap are skipped with a note: bw2parameters orders its parameters with a
# quadratic scan (ParameterSet.get_order), about 25 s at 10 000 activities and so ~40 min at
# 100 000; publicodes would need several minutes and GBs at 100 000. --cap ENGINE=N overrides.
CAPS = {"bw2parameters": 10000, "publicodes": 10000}
TOLERANCE = 1e-9
RUNNER = HERE / "publicodes_runner.mjs"


# --- measuring, inside a worker ---------------------------------------------------------

def rss_mb() -> float:
    """Current resident memory of this process."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # KiB on Linux


def timed(fn, repeat: int, setup=lambda: None, slow: float | None = None):
    """(median seconds of `repeat` runs after one warm-up, the last run's value, runs timed).
    When the warm-up took longer than `slow` seconds, one run is timed instead of `repeat`.
    When it took less than SHORT seconds, each timed run is a batch of calls lasting about
    BATCH seconds, divided by its count (as `timeit` does): a single call of a few microseconds
    timed alone measures the timer and a cold cache as much as the call."""
    times = []
    value = None
    r = 0
    batch = 1
    while r <= repeat:
        args = [setup() for _ in range(batch)]
        t = time.perf_counter()
        for arg in args:
            value = fn(arg)
        dt = (time.perf_counter() - t) / batch
        if r == 0 and slow is not None and dt > slow:
            repeat = 1
        elif r == 0 and dt < SHORT:
            batch = max(1, int(BATCH / max(dt, 1e-7)))
        elif r:
            times.append(dt)
        r += 1
    return statistics.median(times), value, len(times)


SHORT, BATCH = 200e-6, 2e-3


def scenario_inputs(n: int, amounts, k: int = models.SCENARIOS):
    """(n, k) scenario amounts, one contiguous row per input: amount x draw."""
    import numpy as np
    return np.ascontiguousarray((models.draws(n, k) * np.asarray(amounts)).T)


def scenario_loop(evaluate, S, budget: float) -> tuple[float, list[float], int]:
    """For an engine without scenario vectorisation: (seconds, totals, k) of evaluating the first k
    scenario rows of S one by one, k = all of them unless that would take over `budget` seconds
    (estimated from two), else 20 (the caller scales the time to 1 000)."""
    t = time.perf_counter()
    evaluate(S[0]), evaluate(S[1])
    est = (time.perf_counter() - t) / 2
    k = models.SCENARIOS if est * models.SCENARIOS <= budget else 20
    t = time.perf_counter()
    totals = [float(evaluate(S[j])) for j in range(k)]
    return time.perf_counter() - t, totals, k


def work_pcf(folder: Path, repeat: int, budget: float) -> dict:
    import numpy as np
    import pcf
    from pcf.evaluation.lowering import compile_program
    from pcf.evaluation.evaluate import bind
    from pcf.inputs.inventory import load_inventory
    from pcf.core.keys import Key
    ws = pcf.Workspace.load()        # units, kb, method library: once per process, not compile time
    base = rss_mb()

    def compile_once(_):
        method = ws.method(folder / "model.pcf")
        plan = ws.compile(method, None)
        return plan, compile_program(plan)

    compile_s, (plan, prog), runs = timed(compile_once, repeat, slow=budget / 6)
    bind_s, b, _ = timed(lambda _: bind(plan, load_inventory(folder / "inventory.toml").products[0], ws.kb,
                                        "inventory.toml"), repeat, slow=budget / 6)

    def evaluate(x):
        # x: the inputs as one array in the program's order (`prog.pack`, `prog.inputs`), as a
        # scenario generator produces them; stages and total per unit, then the shares
        stages, total = prog.stage_totals(prog.run(x), b.divisor)
        stages / total
        return total

    x = prog.pack(b.values)           # bound inventory -> one vector (part of binding, not timed)
    eval_s, total, _ = timed(lambda _: evaluate(x), repeat)
    single = peak_mb()
    # (inputs, scenarios), base units, as bind gives them: each activity's draws are those the
    # other engines give it (drawn in declared order), in the program's order of inputs
    declared = [Key.input(d.name) for d in plan.method.inputs]
    row = {k: i for i, k in enumerate(declared)}
    S = scenario_inputs(len(declared), [b.values[k] for k in declared])[[row[k] for k in prog.inputs]]
    many_s, totals, _ = timed(lambda _: evaluate(S), repeat)
    return {"compile_s": compile_s, "compile_runs": runs, "eval_s": eval_s, "evals1000_s": many_s, "bind_s": bind_s,
            "total": float(total), "scenario_totals": [float(x) for x in np.asarray(totals)],
            "scenarios_measured": models.SCENARIOS, "base_mb": base, "peak_single_mb": single}


def work_numpy(folder: Path, repeat: int, budget: float) -> dict:
    import numpy as np
    spec = json.loads((folder / "numpy.json").read_text())
    base = rss_mb()

    def build(_):
        fnum = np.array([f["ncv"] * f["cc"] * f["of"] * 44 / 12 if f["kind"] == "fuel" else f["value"]
                         for f in spec["factors"]])
        order = spec.get("order")
        fidx = np.array(spec["factor_of"], dtype=np.intp)
        amounts = np.array(spec["amounts"])
        if order is not None:   # interleaved stages: the activities gathered stage by stage once, here
            order = np.array(order, dtype=np.intp)
            fidx, amounts = fidx[order], amounts[order]
        return (amounts, fnum, fidx, np.array(spec["stage_starts"], dtype=np.intp), float(spec["quantity"]),
                order)

    compile_s, (amounts, fnum, fidx, starts, q, order), runs = timed(build, repeat)

    def once(_):
        lines = amounts * fnum[fidx]
        stages = np.add.reduceat(lines, starts)
        total = stages.sum()
        stages / total
        return total / q

    def many(A):
        lines = A * fnum[fidx][:, None]
        stages = np.add.reduceat(lines, starts, axis=0)
        total = stages.sum(axis=0)
        stages / total
        return total / q

    eval_s, total, _ = timed(once, repeat)
    single = peak_mb()
    A = scenario_inputs(len(amounts), spec["amounts"])
    if order is not None:
        A = A[order]   # the scenarios' rows in the floor's stage order (as the amounts above)
    many_s, totals, _ = timed(lambda _: many(A), repeat)
    return {"compile_s": compile_s, "compile_runs": runs, "eval_s": eval_s, "evals1000_s": many_s, "total": float(total),
            "scenario_totals": [float(x) for x in totals], "scenarios_measured": models.SCENARIOS,
            "base_mb": base, "peak_single_mb": single}


def work_bw2parameters(folder: Path, repeat: int, budget: float) -> dict:
    import copy

    import numpy as np
    from bw2parameters import ParameterSet
    data = json.loads((folder / "bw2.json").read_text())
    base = rss_mb()
    shares = [k for k in data["params"] if k.startswith("share_")]
    fresh = lambda: (copy.deepcopy(data["params"]), dict(data["global_params"]))  # noqa: E731
    compile_s, ps, runs = timed(lambda a: ParameterSet(*a), repeat, fresh, slow=budget / 6)

    def results():
        r = ps.evaluate()
        [r[s] for s in shares]
        return r["per_unit"]

    eval_s, total, _ = timed(lambda _: results(), repeat)
    single = peak_mb()
    names = sorted((k for k in data["global_params"] if k != "quantity"), key=lambda k: int(k[1:]))
    n = len(names)

    def scenario(row):
        g = ps.global_params
        for name, v in zip(names, row):
            g[name] = v
        return results()

    S = scenario_inputs(n, [data["global_params"][k] for k in names]).T.tolist()   # (scenarios, n)
    loop_s, totals, k = scenario_loop(scenario, S, budget)
    # bw2parameters' own vectorised path: every input an array of the 1 000 scenario values
    Sa = np.array(S).T
    mc_inputs = {name: Sa[i] for i, name in enumerate(names)}
    mc_inputs["quantity"] = np.full(models.SCENARIOS, float(data["global_params"]["quantity"]))
    ps.global_params = mc_inputs
    mc_s, mc, _ = timed(lambda _: ps.evaluate_monte_carlo(models.SCENARIOS)["per_unit"], repeat,
                        slow=budget / 6)
    return {"compile_s": compile_s, "compile_runs": runs, "eval_s": eval_s,
            "evals1000_s": loop_s * models.SCENARIOS / k,
            "extrapolated": k < models.SCENARIOS, "scenarios_measured": k, "total": float(total),
            "scenario_totals": totals, "evals1000_mc_s": mc_s, "mc_scenario_totals": [float(x) for x in mc],
            "base_mb": base, "peak_single_mb": single}


def work_openfisca(folder: Path, repeat: int, budget: float) -> dict:
    """The model the way openfisca-core computes: activities are the persons of a population,
    the stages its groups (each activity a member of its stage's group), a variable per
    quantity, vectorised over the activities (openfisca's own vectorisation is over entities,
    not scenarios). A scenario is a new `amount` array: the computed variables are deleted and
    the total computed again (a loop, as for bw2parameters)."""
    import numpy as np
    from openfisca_core.entities import build_entity
    from openfisca_core.periods import DateUnit
    from openfisca_core.simulations import SimulationBuilder
    from openfisca_core.taxbenefitsystems import TaxBenefitSystem
    from openfisca_core.variables import Variable
    spec = json.loads((folder / "numpy.json").read_text())
    base = rss_mb()
    n = len(spec["amounts"])
    order = np.array(spec["order"] if spec.get("order") is not None else range(n), dtype=np.intp)
    stage_of = np.empty(n, dtype=np.intp)
    starts = list(spec["stage_starts"]) + [n]
    for k in range(len(starts) - 1):
        stage_of[order[starts[k]:starts[k + 1]]] = k
    q = float(spec["quantity"])

    def build(_):
        fnum = np.array([f["ncv"] * f["cc"] * f["of"] * 44 / 12 if f["kind"] == "fuel" else f["value"]
                         for f in spec["factors"]])
        activity = build_entity(key="activity", plural="activities", label="activity", is_person=True)
        stage = build_entity(key="stage", plural="stages", label="stage",
                             roles=[{"key": "line", "plural": "lines", "label": "line"}])
        tbs = TaxBenefitSystem([activity, stage])

        class amount(Variable):
            value_type, entity, definition_period, label = float, activity, DateUnit.YEAR, "amount"

        class factor_index(Variable):
            value_type, entity, definition_period, label = int, activity, DateUnit.YEAR, "factor"

        class emission(Variable):
            value_type, entity, definition_period, label = float, activity, DateUnit.YEAR, "emission"

            def formula(activity, period):
                return activity("amount", period) * fnum[activity("factor_index", period)]

        class stage_emission(Variable):
            value_type, entity, definition_period, label = float, stage, DateUnit.YEAR, "stage total"

            def formula(stage, period):
                return stage.sum(stage.members("emission", period))

        for v in (amount, factor_index, emission, stage_emission):
            tbs.add_variable(v)
        for name in ("amount", "emission", "stage_emission"):
            # openfisca stores `float` variables as float32; the others compute in float64, and so
            # must this one for its totals to agree with numpy's to 1e-9 (the same work, compared)
            tbs.variables[name].dtype = np.float64
        sb = SimulationBuilder()
        sb.create_entities(tbs)
        sb.declare_person_entity("activity", [f"a{i}" for i in range(n)])
        groups = sb.declare_entity("stage", [f"s{k}" for k in range(len(starts) - 1)])
        sb.join_with_persons(groups, [f"s{k}" for k in stage_of], ["line"] * n)
        sim = sb.build(tbs)
        sim.set_input("factor_index", "2024", np.array(spec["factor_of"]))
        return sim

    compile_s, sim, runs = timed(build, repeat, slow=budget / 6)

    def evaluate(amounts):
        for name in ("amount", "emission", "stage_emission"):
            sim.delete_arrays(name)
        sim.set_input("amount", "2024", amounts)
        stages = sim.calculate("stage_emission", "2024")
        total = stages.sum()
        stages / total
        return total / q

    amounts = np.array(spec["amounts"])
    eval_s, total, _ = timed(lambda _: evaluate(amounts), repeat)
    single = peak_mb()
    loop_s, totals, k = scenario_loop(evaluate, scenario_inputs(n, amounts).T, budget)
    return {"compile_s": compile_s, "compile_runs": runs, "eval_s": eval_s,
            "evals1000_s": loop_s * models.SCENARIOS / k, "extrapolated": k < models.SCENARIOS,
            "scenarios_measured": k, "total": float(total), "scenario_totals": totals,
            "base_mb": base, "peak_single_mb": single}


WORKERS = {"pcf": work_pcf, "numpy": work_numpy, "bw2parameters": work_bw2parameters, "openfisca": work_openfisca}


def worker(engine: str, folder: Path, repeat: int, budget: float) -> None:
    out = WORKERS[engine](folder, repeat, budget)
    out.update(engine=engine, size=len(json.loads((folder / "numpy.json").read_text())["amounts"]),
               peak_mb=peak_mb(), memory="peak RSS of the worker process (resource.getrusage ru_maxrss)")
    out.setdefault("extrapolated", False)
    sys.stdout.write(json.dumps(out) + "\n")


# --- the driver -----------------------------------------------------------------------------

def missing(engine: str) -> str | None:
    """Why `engine` cannot run here, or None."""
    if engine == "bw2parameters":
        try:
            import bw2parameters  # noqa: F401
        except ImportError:
            return "bw2parameters is not installed: .venv/bin/pip install -e '.[bench]'"
    if engine == "openfisca":
        try:
            import openfisca_core  # noqa: F401
        except ImportError:
            return "openfisca-core is not installed: .venv/bin/pip install -e '.[bench]'"
    if engine == "publicodes":
        if shutil.which("node") is None:
            return "node is not installed (publicodes runs on node >= 18)"
        if not (HERE / "node_modules" / "publicodes").is_dir():
            return "publicodes is not installed: npm ci --prefix bench"
    return None


def measure(engine: str, folder: Path, repeat: int, budget: float) -> dict:
    if engine == "publicodes":
        cmd = ["node", str(RUNNER), str(folder), str(repeat), str(budget)]
    else:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", engine, "--dir", str(folder),
               "--repeat", str(repeat), "--budget", str(budget)]
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"compare: the {engine} worker failed (exit {proc.returncode}): {' '.join(cmd)}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["wall_s"] = time.perf_counter() - t
    return out


def check(result: dict, ref_total: float, ref_scenarios: list[float]) -> None:
    """Totals (single and scenarios) must equal numpy's to 1e-9 relative: fail loudly."""
    bad = []

    def rel(a, b):
        return abs(a - b) / abs(b)

    if rel(result["total"], ref_total) > TOLERANCE:
        bad.append(f"total {result['total']!r} != numpy {ref_total!r} (rel {rel(result['total'], ref_total):.2e})")
    for key in ("scenario_totals", "mc_scenario_totals"):
        got = result.get(key, [])
        for j, v in enumerate(got):
            if rel(v, ref_scenarios[j]) > TOLERANCE:
                bad.append(f"{key}[{j}] {v!r} != numpy {ref_scenarios[j]!r} (rel {rel(v, ref_scenarios[j]):.2e})")
                break
    if bad:
        raise SystemExit(f"compare: {result['engine']} at size {result['size']} disagrees with numpy:\n  "
                         + "\n  ".join(bad))


def fmt_s(s: float | None) -> str:
    if s is None:
        return "-"
    if s < 1e-3:
        return f"{s * 1e6:.0f} µs"
    if s < 1:
        return f"{s * 1e3:.3g} ms"
    return f"{s:.3g} s"


def fmt_ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or b is None or b == 0 else f"{a / b:.3g}"


def table(results: list[dict]) -> str:
    lines = [f"{'size':>7}  {'engine':<20} {'compile':>9} {'eval':>9} {'1000 evals':>11} {'peak MB':>8}"
             f"  {'total per unit':>20}"]
    by = {(r["engine"], r["size"]): r for r in results}
    for size in sorted({r["size"] for r in results}):
        for e in ENGINES:
            r = by.get((e, size))
            if r is None:
                continue
            many = fmt_s(r["evals1000_s"]) + ("*" if r.get("extrapolated") else " ")
            lines.append(f"{size:>7}  {e:<20} {fmt_s(r['compile_s']):>9} {fmt_s(r['eval_s']):>9} {many:>11}"
                         f" {r['peak_mb']:>8.0f}  {r['total']:>20.12g}")
        p = by.get(("pcf", size))
        for e in ENGINES[1:]:
            r = by.get((e, size))
            if p is None or r is None:
                continue
            lines.append(f"{'':>7}  {'pcf / ' + e:<20} {fmt_ratio(p['compile_s'], r['compile_s']):>9}"
                         f" {fmt_ratio(p['eval_s'], r['eval_s']):>9} {fmt_ratio(p['evals1000_s'], r['evals1000_s']):>10}"
                         f"  {fmt_ratio(p['peak_mb'], r['peak_mb']):>8}")
    if any(r.get("extrapolated") for r in results):
        lines.append("* a loop of fewer scenarios (scenarios_measured), scaled to 1 000")
    extra = [r for r in results if "evals1000_mc_s" in r]
    for r in extra:
        lines.append(f"bw2parameters evaluate_monte_carlo (vectorised), size {r['size']}: "
                     f"1000 evals {fmt_s(r['evals1000_mc_s'])}")
    for r in (r for r in results if r["engine"] == "pcf"):
        lines.append(f"pcf at size {r['size']}: reading + binding the inventory {fmt_s(r['bind_s'])} (once per inventory)")
    return "\n".join(lines)


def targets(results: list[dict]) -> str:
    """The issue's targets, checked on what was measured."""
    by = {(r["engine"], r["size"]): r for r in results}
    out = []
    p10 = by.get(("pcf", 10000))
    if p10:
        peers = [by[(e, 10000)]["compile_s"] for e in ("bw2parameters", "publicodes") if (e, 10000) in by]
        ok = p10["compile_s"] <= 1 and all(p10["compile_s"] <= c for c in peers)
        out.append(f"compile 10 000 formulas <= 1 s and no slower than the peers: {fmt_s(p10['compile_s'])} "
                   f"(peers {', '.join(fmt_s(c) for c in peers) or 'not measured'}): {'met' if ok else 'MISSED'}")
        for e in ("bw2parameters", "publicodes"):
            r = by.get((e, 10000))
            if r:
                x = r["eval_s"] / p10["eval_s"]
                out.append(f"single evaluation at 10 000 >= 100x faster than {e}: {x:.0f}x: {'met' if x >= 100 else 'MISSED'}")
    for size in sorted({r["size"] for r in results}):
        p, nref = by.get(("pcf", size)), by.get(("numpy", size))
        if p and nref:
            x = p["evals1000_s"] / nref["evals1000_s"]
            out.append(f"1 000 evaluations within 2x of numpy at {size}: {x:.2f}x: {'met' if x <= 2 else 'MISSED'}")
    sizes = sorted(s for (e, s) in by if e == "pcf")
    for a, b in zip(sizes, sizes[1:]):
        ca, cb = by[("pcf", a)]["compile_s"], by[("pcf", b)]["compile_s"]
        out.append(f"pcf compile growth {a} -> {b}: x{cb / ca:.1f} for x{b / a:.0f} formulas")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    ap.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    ap.add_argument("--repeat", type=int, default=5, help="timed runs per measurement, after one warm-up")
    ap.add_argument("--budget", type=float, default=60.0,
                    help="seconds a peer's loop of 1 000 scenarios may take before it is cut to 20 and scaled")
    ap.add_argument("--cap", action="append", default=[], metavar="ENGINE=N",
                    help="largest size for an engine (defaults: bw2parameters=10000 publicodes=10000)")
    ap.add_argument("--json", action="store_true", help='print {"results": [...]} only')
    ap.add_argument("--keep", type=Path, help="write the generated models here and keep them")
    ap.add_argument("--shape", choices=("blocks", "interleaved"), default="blocks",
                    help="activities of a stage together (blocks) or assigned to stages at random (interleaved)")
    ap.add_argument("--worker", choices=tuple(WORKERS), help=argparse.SUPPRESS)
    ap.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(args.worker, args.dir, args.repeat, args.budget)
        return 0
    if min(args.sizes) < len(models.STAGES):
        ap.error(f"sizes must be at least {len(models.STAGES)}")
    caps = dict(CAPS)
    for c in args.cap:
        e, _, v = c.partition("=")
        if e not in ENGINES or not v.isdigit():
            ap.error(f"--cap takes ENGINE=N, found {c!r}")
        caps[e] = int(v)

    def note(msg: str) -> None:
        print(f"note: {msg}", file=sys.stderr if args.json else sys.stdout, flush=True)

    engines = []
    for e in args.engines:
        why = missing(e)
        if why:
            note(f"skipping {e}: {why}")
        else:
            engines.append(e)
    started = time.perf_counter()
    root = args.keep or Path(tempfile.mkdtemp(prefix="pcf-bench-"))
    results = []
    try:
        for size in args.sizes:
            folder = root / str(size)
            m = models.generate(size, shape=args.shape)
            models.write(m, folder)
            ref_total, ref_scenarios = models.reference(m, models.SCENARIOS)
            for e in engines:
                if size > caps.get(e, size):
                    note(f"skipping {e} at {size}: above its size cap {caps[e]} (--cap {e}=N to change)")
                    continue
                if e == "publicodes" and not (folder / "scenarios.f64").exists():
                    (models.draws(size) * m.amounts).astype("<f8").tofile(folder / "scenarios.f64")
                note(f"measuring {e} at {size} ...")
                r = measure(e, folder, args.repeat, args.budget)
                check(r, ref_total, ref_scenarios)
                results.append(r)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    slim = [{k: v for k, v in r.items() if not k.endswith("scenario_totals")} for r in results]
    report = (f"\n{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
              f"{platform.python_version()}, repeat {args.repeat} (median), {time.perf_counter() - started:.0f} s in all\n"
              f"{table(slim)}\n\n{targets(slim)}\n"
              "ratios are pcf / peer times (below 1: pcf is faster); every total equals numpy's to 1e-9")
    if args.json:
        print(report, file=sys.stderr)     # the table for people; stdout is the JSON alone
        print(json.dumps({"results": slim}, indent=1))
    else:
        print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
