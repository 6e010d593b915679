"""Deterministic carbon-footprint-shaped models for bench/compare.py, and the same model written
for each engine: a pcf method + inventory, bw2parameters parameters, publicodes rules, numpy arrays.

    >>> m = generate(100)
    >>> len(m.activities), len(m.factors), m.stages[0]
    (100, 10, 'raw_material')

A model of size N has N activities spread over six life-cycle stages in contiguous blocks
(activity i is in stage i*6//N), and max(3, N//10) shared factors. Every third factor
(0, 3, 6, ...) is a fuel factor derived as NCV x carbon content x oxidation x 44/12, the way
the Chinese accounting guidelines derive it; the others are plain emission factors for
electricity, materials, road transport or gas. Each activity is amount x one factor; the
model's results are the stage sums, the total, the total per unit (divided by a production
quantity) and each stage's share of the total.

Numbers are decimals with few digits, written identically for every engine, so the engines
see the same inputs. Values are synthetic: they are not factors and never leave bench/.

Units: pcf reads every amount and factor with its unit and computes in base units (the fuel
factor GJ/t x tC/TJ is 1e-3 tC/t); the peers and numpy compute on plain numbers in kgCO2e per
the activity's unit. For a fuel, (NCV GJ/t)(CC tC/TJ)(OF)(44/12) per tonne of fuel is
NCV*CC*OF*44/12 kgCO2 per tonne after the 1e-3 (GJ/TJ) and 1e3 (kg/t) cancel, so both forms
give the same number.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

SEED = 20240808
STAGES = ("raw_material", "transport", "production", "distribution", "use", "end_of_life")
SCENARIOS = 1000
BW2_CHUNK = 1000          # terms per bw2parameters sum (see bw2_parameters)
DRAW_SIGMA = 0.2          # lognormal sigma of the scenario draws on every amount

# plain factor kinds: (activity unit in pcf, factor unit in pcf, low, high)
KINDS = {
    "electricity": ("kWh", "kgCO2e/kWh", 0.3, 1.1),
    "material": ("kg", "kgCO2e/kg", 0.5, 20.0),
    "transport": ("t·km", "kgCO2e/(t·km)", 0.03, 0.2),
    "gas": ("m3", "kgCO2e/m3", 1.8, 2.4),
}
PLAIN = tuple(KINDS)


@dataclass(frozen=True)
class Factor:
    name: str                 # f0, f1, ...
    kind: str                 # "fuel" or a key of KINDS
    unit_in: str              # the unit of the activities that use it (pcf spelling)
    value: float | None       # plain factor: kgCO2e per unit_in
    ncv: float | None = None  # fuel: GJ/t
    cc: float | None = None   # fuel: tC/TJ
    of: float | None = None   # fuel: oxidation, 1

    @property
    def number(self) -> float:
        """kgCO2e (kgCO2 for a fuel) per unit_in, as the peers and numpy compute it."""
        if self.kind == "fuel":
            return self.ncv * self.cc * self.of * 44 / 12
        return self.value


@dataclass(frozen=True)
class Model:
    n: int
    stages: tuple[str, ...]
    factors: tuple[Factor, ...]
    amounts: tuple[float, ...]   # activity i: amounts[i] in factors[factor_of[i]].unit_in
    factor_of: tuple[int, ...]
    stage_of: tuple[int, ...]    # "blocks": non-decreasing, stages contiguous; "interleaved": at random
    quantity: int                # units produced in the period; results are per unit
    shape: str = "blocks"

    @property
    def order(self) -> list[int] | None:
        """The activities sorted by stage (stable): None when they already are (blocks)."""
        if self.shape == "blocks":
            return None
        return sorted(range(self.n), key=lambda i: self.stage_of[i])

    @property
    def stage_starts(self) -> list[int]:
        """Where each stage starts among the activities in stage order."""
        ordered = sorted(self.stage_of)
        return [ordered.index(s) for s in range(len(self.stages))]


def _dec(x: float, digits: int) -> float:
    """A decimal with `digits` places, as printed in a report (repr round-trips it exactly)."""
    return float(f"{x:.{digits}f}")


def generate(n: int, seed: int = SEED, shape: str = "blocks") -> Model:
    """The model of `n` activities (n >= 6: every stage gets at least one). `shape`: "blocks"
    puts the activities of a stage together (the first n/6 in the first stage ...);
    "interleaved" assigns each to a stage at random, as real methods interleave them (issue 25
    target 2): the same factors and amounts, only the stage of each activity differs."""
    if shape not in ("blocks", "interleaved"):
        raise ValueError(f"shape is blocks or interleaved, not {shape!r}")
    if n < len(STAGES):
        raise ValueError(f"a model needs at least {len(STAGES)} activities, one per stage")
    rng = random.Random(seed * 1_000_003 + n)
    factors = []
    for k in range(max(3, n // 10)):
        if k % 3 == 0:
            factors.append(Factor(f"f{k}", "fuel", "t", None, ncv=_dec(rng.uniform(20, 50), 3),
                                  cc=_dec(rng.uniform(13, 30), 2), of=_dec(rng.uniform(0.9, 1.0), 2)))
        else:
            kind = PLAIN[rng.randrange(len(PLAIN))]
            unit_in, _, lo, hi = KINDS[kind]
            factors.append(Factor(f"f{k}", kind, unit_in, _dec(rng.uniform(lo, hi), 4)))
    # every factor used at least once, then at random
    factor_of = [i if i < len(factors) else rng.randrange(len(factors)) for i in range(n)]
    amounts = [_dec(rng.uniform(1, 1000), 3) for _ in range(n)]
    stage_of = [i * len(STAGES) // n for i in range(n)]
    quantity = 1000 + rng.randrange(9000)
    if shape == "interleaved":   # its own generator: every other value stays the blocks model's
        mix = random.Random(seed * 7_000_003 + n)
        stage_of = list(range(len(STAGES))) + [mix.randrange(len(STAGES)) for _ in range(n - len(STAGES))]
        mix.shuffle(stage_of)
    return Model(n, STAGES, tuple(factors), tuple(amounts), tuple(factor_of), tuple(stage_of),
                 quantity=quantity, shape=shape)


# --- pcf ------------------------------------------------------------------------------

def pcf_method(m: Model) -> str:
    """One `input` and one `emission` per activity, one `let` per factor (literal numbers with
    units; fuel factors as NCV x CC x OF x 44/12)."""
    out = [f'method bench.m{m.n} "synthetic benchmark model, {m.n} activities" {{',
           '  standard "ISO 14067:2018"', "  boundary cradle_to_grave", "  gwp AR5",
           '  non_co2_negligible "synthetic model: fuel combustion counted as CO2 only"']
    out += [f'  stage {s} "{s}"' for s in m.stages]
    for f in m.factors:
        if f.kind == "fuel":
            out.append(f"  let {f.name} = {f.ncv!r} GJ/t * {f.cc!r} tC/TJ * {f.of!r} * 44/12")
        else:
            out.append(f"  let {f.name} = {f.value!r} {KINDS[f.kind][1]}")
    for i, k in enumerate(m.factor_of):
        out.append(f"  input x{i} : {m.factors[k].unit_in}")
    for i, (k, s) in enumerate(zip(m.factor_of, m.stage_of)):
        out.append(f"  emission a{i} in {m.stages[s]} = x{i} * f{k}")
    out.append("}")
    return "\n".join(out) + "\n"


def pcf_inventory(m: Model) -> str:
    """One product: the period's amounts, divided by the quantity produced."""
    out = ["[[product]]", 'id = "p"', f"quantity = {m.quantity}", 'amounts = "period"', "",
           "[product.inputs]"]
    out += [f'x{i} = "{a!r} {m.factors[k].unit_in}"' for i, (a, k) in enumerate(zip(m.amounts, m.factor_of))]
    return "\n".join(out) + "\n"


# --- bw2parameters ----------------------------------------------------------------------

def bw2_parameters(m: Model) -> tuple[dict, dict]:
    """(params, global_params) for `bw2parameters.ParameterSet`: inputs are global parameters
    (named numbers a scenario changes), everything else a formula.

    Stage sums are `sum([...], axis=0)` (asteval's `sum` is numpy's: without the axis a Monte
    Carlo run would add the scenarios together), over chunks of at most BW2_CHUNK terms: asteval
    refuses statements over 50 000 characters, and a chain `a0 + a1 + ...` of thousands of
    terms is an AST it walks recursively, past Python's recursion limit."""
    params: dict[str, dict] = {}
    for f in m.factors:
        params[f.name] = {"formula": f"{f.ncv!r} * {f.cc!r} * {f.of!r} * 44 / 12" if f.kind == "fuel"
                          else repr(f.value)}
    for i, k in enumerate(m.factor_of):
        params[f"a{i}"] = {"formula": f"x{i} * f{k}"}
    for s, name in enumerate(m.stages):
        members = [f"a{i}" for i, t in enumerate(m.stage_of) if t == s]
        if len(members) > BW2_CHUNK:
            parts = [members[j:j + BW2_CHUNK] for j in range(0, len(members), BW2_CHUNK)]
            for c, part in enumerate(parts):
                params[f"s_{name}_{c}"] = {"formula": f"sum([{', '.join(part)}], axis=0)"}
            members = [f"s_{name}_{c}" for c in range(len(parts))]
        params[f"s_{name}"] = {"formula": f"sum([{', '.join(members)}], axis=0)"}
    params["total"] = {"formula": " + ".join(f"s_{s}" for s in m.stages)}
    params["per_unit"] = {"formula": "total / quantity"}
    for s in m.stages:
        params[f"share_{s}"] = {"formula": f"s_{s} / total"}
    global_params = {f"x{i}": a for i, a in enumerate(m.amounts)}
    global_params["quantity"] = m.quantity
    return params, global_params


# --- publicodes ------------------------------------------------------------------------

def publicodes_rules(m: Model) -> dict:
    """A flat rule set (no dotted namespaces): inputs are rules with a default value that a
    situation overrides; stage sums use the `somme` mechanism."""
    rules: dict[str, object] = {}
    for i, a in enumerate(m.amounts):
        rules[f"x{i}"] = repr(a)
    rules["quantity"] = str(m.quantity)
    for f in m.factors:
        rules[f.name] = f"{f.ncv!r} * {f.cc!r} * {f.of!r} * 44 / 12" if f.kind == "fuel" else repr(f.value)
    for i, k in enumerate(m.factor_of):
        rules[f"a{i}"] = f"x{i} * f{k}"
    for s, name in enumerate(m.stages):
        rules[f"s_{name}"] = {"somme": [f"a{i}" for i, t in enumerate(m.stage_of) if t == s]}
    rules["total"] = {"somme": [f"s_{s}" for s in m.stages]}
    rules["per_unit"] = "total / quantity"
    for s in m.stages:
        rules[f"share_{s}"] = f"s_{s} / total"
    return rules


# --- numpy -----------------------------------------------------------------------------

def numpy_spec(m: Model) -> dict:
    """What the hand-written numpy plan is built from (plain lists, JSON-ready)."""
    return {"amounts": list(m.amounts), "factor_of": list(m.factor_of), "stage_starts": m.stage_starts,
            "order": m.order, "quantity": m.quantity,
            "factors": [{"kind": f.kind, "value": f.value, "ncv": f.ncv, "cc": f.cc, "of": f.of}
                        for f in m.factors]}


def draws(n: int, scenarios: int = SCENARIOS, seed: int = SEED):
    """(scenarios, n) lognormal multipliers on the amounts, one row per scenario."""
    return next(iter_draws(n, scenarios, scenarios, seed))


def iter_draws(n: int, scenarios: int = SCENARIOS, chunk: int = 100, seed: int = SEED):
    """The rows of `draws(n, scenarios)` in blocks of `chunk` rows: the generator fills rows in
    order, so blocks drawn one after another are the rows of one big draw, and the first k
    rows are the same whatever `scenarios` is."""
    import numpy as np
    rng = np.random.default_rng([seed, n])
    for start in range(0, scenarios, chunk):
        yield rng.lognormal(0.0, DRAW_SIGMA, size=(min(chunk, scenarios - start), n))


def reference(m: Model, scenarios: int = 0) -> tuple[float, list[float]]:
    """numpy's per-unit total, and the per-unit totals of the first `scenarios` scenarios
    (drawn in blocks, so that 100 000 activities x 1 000 scenarios need not fit in memory)."""
    import numpy as np
    fv = np.array([f.number for f in m.factors])[np.array(m.factor_of)]
    lines = np.array(m.amounts) * fv
    out: list[float] = []
    for d in iter_draws(m.n, scenarios):
        out += [float(x) for x in (d * lines).sum(axis=1) / m.quantity]
    return float(lines.sum() / m.quantity), out


def write(m: Model, folder: Path) -> dict[str, Path]:
    """Every engine's form of `m` under `folder`: model.pcf, inventory.toml, bw2.json,
    publicodes.json, numpy.json."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"method": folder / "model.pcf", "inventory": folder / "inventory.toml",
             "bw2": folder / "bw2.json", "publicodes": folder / "publicodes.json",
             "numpy": folder / "numpy.json"}
    paths["method"].write_text(pcf_method(m), encoding="utf-8")
    paths["inventory"].write_text(pcf_inventory(m), encoding="utf-8")
    params, global_params = bw2_parameters(m)
    paths["bw2"].write_text(json.dumps({"params": params, "global_params": global_params}), encoding="utf-8")
    paths["publicodes"].write_text(json.dumps(publicodes_rules(m), ensure_ascii=False), encoding="utf-8")
    paths["numpy"].write_text(json.dumps(numpy_spec(m)), encoding="utf-8")
    return paths
