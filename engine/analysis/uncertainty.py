"""Monte Carlo over a case: every draw of every parameter evaluated at once by the compiled program.

Parameters are the method's inputs, the columns of its row tables, and the knowledge-base
values it reads. Each is drawn as its deterministic value times a random multiplier:

- `normal` (`cv`): multiplier 1 + cv Z, mean 1 (cv at most 1/3; the rare negative draw is 0);
- `lognormal` (`gsd`): exp(ln(gsd) Z - ln(gsd)^2 / 2), mean 1, geometric sd `gsd`;
- `triangular` (`min`, `max`): multipliers, mode 1;
- `uniform` (`min`, `max`): multipliers.

A knowledge-base value is one draw per iteration wherever it is used (the same grid factor
moves every line that reads it together); an input is one draw per iteration; each row of a
table is drawn on its own. GWP values, basis conversions (44/12) and literal numbers of a
formula are definitions, not measurements: they are not drawn.

What `uncertainty.toml` in the case folder does not set comes from the data-quality grades
of the lines a parameter feeds (`DQ_GSD`), or else `DEFAULT_GSD`; see docs/guides/uncertainty.md.
Because the default multipliers have mean 1, the mean of a total that is a sum of products of
parameters tends to the deterministic total as the draws grow.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np

from ..core.errors import Diagnostic, PcfError, did_you_mean, fail
from ..core.keys import COLUMN, INPUT, TABLE, Key
from ..core.source import Span
from ..evaluation.compiled import Program, Rows
from ..evaluation.evaluate import emissions_fed
from ..evaluation.lowering import compile_program
from ..evaluation.result import Result
from ..files.inputfile import checked
from ..files.tomlfile import MAX_TOML_BYTES, read_toml

KINDS = {"normal": ("cv",), "lognormal": ("gsd",), "triangular": ("min", "max"), "uniform": ("min", "max")}
DEFAULT_GSD = 1.10
# cn_report_6_3_1 grade (6 best .. 1 worst) -> geometric standard deviation of the multiplier
DQ_GSD = {6: 1.05, 5: 1.10, 4: 1.15, 3: 1.20, 2: 1.35, 1: 1.50}
# tw_a1a2a3 level (1 best .. 3) -> gsd
TW_GSD = {1: 1.10, 2: 1.20, 3: 1.50}
QUANTILES = (2.5, 50.0, 97.5)


@dataclass(frozen=True)
class Dist:
    kind: str
    params: tuple[float, ...]
    origin: str                 # where it was set: a file position, or the default rule applied
    span: Span | None = None

    def describe(self) -> str:
        names = KINDS[self.kind]
        return f"{self.kind}(" + ", ".join(f"{k}={v:g}" for k, v in zip(names, self.params)) + ")"

    def multipliers(self, rng: np.random.Generator, shape) -> np.ndarray:
        if self.kind == "lognormal":
            s = math.log(self.params[0])
            return np.exp(s * rng.standard_normal(shape) - s * s / 2)
        if self.kind == "normal":
            return np.maximum(1.0 + self.params[0] * rng.standard_normal(shape), 0.0)
        if self.kind == "triangular":
            lo, hi = self.params
            return rng.triangular(lo, 1.0, hi, shape) if hi > lo else np.ones(shape)
        lo, hi = self.params
        return rng.uniform(lo, hi, shape)


@dataclass(frozen=True)
class Spec:
    """What `uncertainty.toml` sets: by input name, by table column, by knowledge-base id."""
    inputs: Mapping[str, Dist]
    columns: Mapping[str, Mapping[str, Dist]]
    factors: Mapping[str, Dist]
    path: str | None = None


EMPTY = Spec({}, {}, {})


@dataclass(frozen=True)
class Summary:
    deterministic: float
    mean: float
    sd: float
    p2_5: float
    median: float
    p97_5: float

    def to_dict(self) -> dict:
        return {"deterministic": self.deterministic, "mean": self.mean, "sd": self.sd, "p2_5": self.p2_5,
                "median": self.median, "p97_5": self.p97_5}


@dataclass(frozen=True)
class ProductSimulation:
    id: str
    total: Summary
    stages: Mapping[str, Summary]
    parameters: tuple[tuple[str, Dist], ...]
    draws: np.ndarray            # (n,) totals per functional unit, for the histogram


@dataclass(frozen=True)
class Simulation:
    draws: int
    seed: int
    products: tuple[ProductSimulation, ...]
    spec_path: str | None

    def to_dict(self) -> dict:
        return {"schema": "pcf-uncertainty/1", "draws": self.draws, "seed": self.seed,
                "unit": "kgCO2e per functional unit", "spec": self.spec_path,
                "products": [{"id": p.id, "total": p.total.to_dict(),
                              "stages": {s: v.to_dict() for s, v in p.stages.items()},
                              "parameters": [{"key": k, "distribution": d.describe(), "origin": d.origin}
                                             for k, d in p.parameters]} for p in self.products]}


def parse_dist(raw, origin: str, span: Span | None) -> tuple[Dist | None, list[tuple[str, str, str | None]]]:
    """A distribution from `{ distribution = ..., <parameters> }`, or the problems: (key, message, hint)."""
    if not isinstance(raw, dict):
        return None, [("", "expected a table such as { distribution = \"lognormal\", gsd = 1.2 }", None)]
    kind = raw.get("distribution")
    if kind not in KINDS:
        return None, [("distribution" if kind is not None else "",
                       f"unknown distribution {kind!r}" if kind is not None else "no `distribution`",
                       did_you_mean(str(kind), KINDS) or f"one of {', '.join(KINDS)}")]
    names = KINDS[kind]
    errs = [(k, f"unknown key for {kind}", f"{kind} takes {', '.join(names)}")
            for k in sorted(set(raw) - set(names) - {"distribution", "note"})]
    vals = []
    for k in names:
        v = raw.get(k)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            return None, errs + [(k if k in raw else "", f"{kind} needs a number `{k}`", None)]
        vals.append(float(v))
    if kind == "lognormal" and vals[0] < 1:
        errs.append(("gsd", "out of range: a geometric standard deviation is at least 1 (1.2 means x/÷ 1.2)", None))
    elif kind == "normal" and not 0 <= vals[0] <= 1 / 3:
        errs.append(("cv", "out of range: a relative standard deviation between 0 and 1/3 (beyond, use lognormal)",
                     None))
    elif kind in ("triangular", "uniform") and not 0 <= vals[0] <= 1 <= vals[1]:
        errs.append(("min", "out of range: multipliers of the value with 0 <= min <= 1 <= max, "
                     "e.g. min = 0.9, max = 1.2", None))
    return (None if errs else Dist(kind, tuple(vals), origin, span)), errs


def load_spec(path: Path) -> Spec:
    """Read `uncertainty.toml`: `[inputs]`, `[columns.<table>]`, `[factors]`, each name = { distribution, ... }."""
    checked(path, None, MAX_TOML_BYTES, "uncertainty spec")   # a FIFO or device is refused, not waited on
    doc = read_toml(path)
    problems: list[Diagnostic] = []

    def dist(key: str, raw) -> Dist | None:
        d, errs = parse_dist(raw, str(doc.span(key)), doc.span(key))
        problems.extend(doc.error("uncertainty", f"{key}.{k}" if k else key, msg, hint) for k, msg, hint in errs)
        return d

    data = doc.data
    for k in sorted(set(data) - {"inputs", "columns", "factors", "note"}):
        problems.append(doc.error("uncertainty", k, "unknown table", did_you_mean(k, ["inputs", "columns", "factors"])))

    def table(obj: dict, key: str) -> dict:
        v = obj.get(key.rsplit(".", 1)[-1], {})
        if not isinstance(v, dict):
            problems.append(doc.error("uncertainty", key, "expected a table"))
            return {}
        return v

    inputs = {k: d for k, v in table(data, "inputs").items() if (d := dist(f"inputs.{k}", v))}
    factors = {k: d for k, v in table(data, "factors").items() if (d := dist(f"factors.{k}", v))}
    columns = {t: {c: d for c, v in table(table(data, "columns"), f"columns.{t}").items()
                   if (d := dist(f"columns.{t}.{c}", v))}
               for t in table(data, "columns")}
    if problems:
        raise PcfError(problems)
    return Spec(inputs, columns, factors, doc.path)


def check_spec(spec: Spec, prog: Program) -> None:
    """Every name in the spec is a parameter of the method: a typo must not silently keep the default."""
    plan = prog.plan
    problems = []
    inputs = {d.name for d in plan.method.inputs}
    tables = {t.name: {c.name for c in t.columns} for t in plan.method.tables}
    factors = {k.name for k in plan.constants}
    for name, d in spec.inputs.items():
        if name not in inputs:
            problems.append(Diagnostic("uncertainty", f"`{name}` is not an input of method `{plan.method.id}`",
                                       d.span, did_you_mean(name, inputs)))
    for t, cols in spec.columns.items():
        for c, d in cols.items():
            if t not in tables or c not in tables[t]:
                problems.append(Diagnostic("uncertainty", f"`{t}.{c}` is not a table column of method "
                                           f"`{plan.method.id}`", d.span,
                                           did_you_mean(c, tables.get(t, ())) or did_you_mean(t, tables)))
    for kid, d in spec.factors.items():
        if kid not in factors:
            problems.append(Diagnostic("uncertainty", f"`{kid}` is not a knowledge-base value this method reads",
                                       d.span, did_you_mean(kid, factors)))
    if problems:
        raise PcfError(problems)


def simulate(result: Result, draws: int = 10_000, seed: int = 0, spec: Spec = EMPTY,
             prog: Program | None = None) -> Simulation:
    """Monte Carlo for every product of an evaluated case."""
    if draws < 2:
        raise fail("uncertainty", f"--draws must be at least 2 (got {draws})", None, path="<args>")
    plan = result.plan
    prog = prog or compile_program(plan)
    check_spec(spec, prog)
    out = []
    for pr in result.products:
        b = pr.trace.bound   # the inventory as the evaluation bound it
        product = b.product
        # one generator per product, seeded from (seed, product index): products are independent
        # of each other's parameter counts, and a seed reproduces every figure
        rng = np.random.default_rng([seed, len(out)])
        dists = _distributions(prog, product, spec)
        inputs: dict[Key, object] = {}
        overrides: dict[Key, object] = {}
        for key, d in dists:
            if key.is_a(INPUT):
                inputs[key] = b.values[key] * d.multipliers(rng, draws)
            elif key.is_a(COLUMN):
                pass
            else:
                overrides[key] = plan.constants[key] * d.multipliers(rng, draws)
        for key, v in b.values.items():
            if key.is_a(TABLE):
                cols = {}
                for c, a in v.items():
                    d = dict(dists).get(Key.column(key.name, c))
                    a2 = np.repeat(np.asarray(a, float)[:, None], draws, axis=1)
                    cols[c] = a2 * d.multipliers(rng, a2.shape) if d is not None else a2
                inputs[key] = Rows(cols, np.ones((len(next(iter(v.values()), ())), draws)))
            elif key not in inputs:
                inputs[key] = np.full(draws, v)
        V = prog.run(inputs, overrides, n=draws)
        prog.check_finite(V, [f"draw {i}" for i in range(draws)])
        _, stages, total = prog.totals(V, b.divisor)
        det = {s: pr.stages[s] for s in plan.stage_ids}
        out.append(ProductSimulation(pr.id, _summary(total, pr.total),
                                     {s: _summary(stages[i], det[s]) for i, s in enumerate(plan.stage_ids)},
                                     tuple(dists), total))
    return Simulation(draws, seed, tuple(out), spec.path)


def _summary(x: np.ndarray, deterministic: float) -> Summary:
    lo, med, hi = np.percentile(x, QUANTILES)
    return Summary(deterministic, float(x.mean()), float(x.std(ddof=1)), float(lo), float(med), float(hi))


def _distributions(prog: Program, product, spec: Spec) -> list[tuple[Key, Dist]]:
    """Each parameter's distribution: as set, else from the grades of the lines it feeds, else the default."""
    plan = prog.plan
    out = []
    grades = product.quality

    def default(key: Key, role: str) -> Dist:
        feeds = sorted(emissions_fed(plan, key))
        best = None
        for line in feeds:
            g = grades.get(line)
            if not g:
                continue
            if set(g) == {"activity", "factor", "calibration"}:
                grade = int(g["activity" if role == "activity" else "factor"])
                gsd, why = DQ_GSD.get(grade, DQ_GSD[1]), f"{role} grade {grade} of `{line}` (cn_report_6_3_1)"
            elif set(g) == {"a1", "a2", "a3"}:
                prod = g["a1"] * g["a2"] * g["a3"]
                level = 1 if prod < 10 else 2 if prod < 19 else 3
                gsd, why = TW_GSD[level], f"level {level} of `{line}` (tw_a1a2a3 = {prod:g})"
            else:
                continue
            if best is None or gsd > best[0]:
                best = (gsd, why)
        if best is None:
            return Dist("lognormal", (DEFAULT_GSD,), "default (no data-quality grade)")
        return Dist("lognormal", (best[0],), f"from the data quality: {best[1]}")

    for d in plan.method.inputs:
        key = Key.input(d.name)
        if d.is_text:   # a word is not drawn
            continue
        # an input in kgCO2e/kWh (a factor the inventory supplies) takes the factor grade
        role = "factor" if _is_factor(plan.dims.get(key, {})) else "activity"
        out.append((key, spec.inputs.get(d.name) or default(key, role)))
    for t in plan.method.tables:
        for c in t.columns:
            if c.is_text:
                continue
            set_ = spec.columns.get(t.name, {}).get(c.name)
            role = "factor" if _is_factor(plan.units.parse(c.unit).dim) else "activity"
            out.append((Key.column(t.name, c.name), set_ or default(Key.table(t.name), role)))
    for key, kn in plan.kb_nodes.items():
        if key not in plan.constants or kn.entry.id.startswith("gwp."):
            continue
        out.append((key, spec.factors.get(kn.entry.id) or _from_entry(kn.entry) or default(key, "factor")))
    return out


def render_text(sim: Simulation) -> str:
    out = [f"Monte Carlo: {sim.draws:,} draws, seed {sim.seed}"
           + (f", distributions from {sim.spec_path}" if sim.spec_path else ", default distributions")
           + " (kgCO2e per functional unit)"]
    for p in sim.products:
        out.append("")
        out.append(f"product {p.id}")
        rows = [(s, v) for s, v in p.stages.items()] + [("total", p.total)]
        w = max(len(s) for s, _ in rows)
        out.append(f"  {'':<{w}}  {'deterministic':>13}  {'mean':>11}  {'median':>11}  {'2.5 %':>11}  {'97.5 %':>11}")
        for s, v in rows:
            out.append(f"  {s:<{w}}  {v.deterministic:>13.6g}  {v.mean:>11.6g}  {v.median:>11.6g}  "
                       f"{v.p2_5:>11.6g}  {v.p97_5:>11.6g}")
        set_ = sum(1 for _, d in p.parameters if not d.origin.startswith(("default", "from the data")))
        graded = sum(1 for _, d in p.parameters if d.origin.startswith("from the data"))
        out.append(f"  {len(p.parameters)} parameters drawn: {set_} as set, {graded} from data-quality grades, "
                   f"{len(p.parameters) - set_ - graded} default lognormal(gsd={DEFAULT_GSD:g}) (--json lists them)")
    return "\n".join(out) + "\n"


def _from_entry(entry) -> Dist | None:
    """The distribution a knowledge-base entry gives itself (`uncertainty = { ... }`)."""
    if entry.uncertainty is None:
        return None
    d, errs = parse_dist(dict(entry.uncertainty), f"kb `{entry.id}` ({entry.span})", entry.span)
    if errs:
        raise PcfError([Diagnostic("uncertainty", f"`{entry.id}`: uncertainty{'.' + k if k else ''}: {msg}",
                                   entry.span, hint) for k, msg, hint in errs])
    return d


def _is_factor(dim) -> bool:
    """A quantity in a substance dimension (kgCO2e/kWh, kgCO2/t ...) is a factor, not an activity."""
    return any(u.startswith("kg") for u in dim)
