"""Rules of the standards, checked on an evaluated case.

A method declares its rules (`rule cutoff reading "PAS 2050:2011 6.3" { ... }`); each kind
below reads its arguments, looks at the evaluated products and the inventory, and returns
findings. A rule marked `reading` encodes a common reading of the standard, not wording
checked against its text; findings say which.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

from ..core.errors import Diagnostic, PcfError, did_you_mean
from ..core.keys import Key
from ..evaluation.result import Finding, ProductResult
from ..inputs.inventory import Inventory, Product
from ..language import nodes as n

KINDS = ("boundary_complete", "cutoff", "gwp_set", "report_separately", "allocation", "data_quality",
         "avoid_factors")
SEPARATE_TAGS = {"biogenic", "dluc", "aircraft", "offset", "removal", "delayed"}
DQ_SCHEMES = ("cn_report_6_3_1", "tw_a1a2a3")
CUTOFF_BASES = ("mass", "energy", "emission")


@dataclass(frozen=True)
class RuleOutcome:
    findings: tuple[Finding, ...] = ()
    separately: Mapping[str, Mapping[str, float]] = field(default_factory=dict)   # product -> tag -> kgCO2e/FU
    data_quality: Mapping[str, Mapping[str, object]] = field(default_factory=dict)


def check_rules(method: n.Method, units) -> None:
    """Static checks of rule declarations (kinds and arguments), at compile time."""
    problems = []
    for r in method.rules:
        if r.name not in KINDS:
            problems.append(Diagnostic("rule", f"unknown rule `{r.name}`", r.span,
                                       hint=did_you_mean(r.name, KINDS) or f"one of {', '.join(KINDS)}"))
            continue
        for a in r.args:
            for v in a.values:
                if isinstance(v, n.Number) and v.unit:
                    try:
                        units.parse(v.unit)
                    except Exception as exc:  # UnitError, with its own message
                        problems.append(Diagnostic("unit-unknown", str(exc), v.span))
        if r.name == "data_quality":
            scheme = _names(r, "scheme")
            if len(scheme) != 1 or scheme[0] not in DQ_SCHEMES:
                problems.append(Diagnostic("rule", f"data_quality needs `scheme: {DQ_SCHEMES[0]}` or "
                                           f"`scheme: {DQ_SCHEMES[1]}`", r.span))
        if r.name == "cutoff":
            basis = _names(r, "basis")
            if basis and basis[0] not in CUTOFF_BASES:
                problems.append(Diagnostic("rule", f"unknown cut-off basis `{basis[0]}`", r.arg("basis").span,
                                           hint=did_you_mean(basis[0], CUTOFF_BASES) or
                                           f"one of {', '.join(CUTOFF_BASES)}"))
        if r.name == "report_separately":
            for tag in _names(r, "tags"):
                if tag not in SEPARATE_TAGS:
                    problems.append(Diagnostic("rule", f"unknown tag `{tag}`", r.span,
                                               hint=did_you_mean(tag, SEPARATE_TAGS)))
    for e in method.emissions:
        for tag in e.tags:
            if tag not in SEPARATE_TAGS:
                problems.append(Diagnostic("rule", f"unknown emission tag `{tag}`", e.span,
                                           hint=did_you_mean(tag, SEPARATE_TAGS) or
                                           f"one of {', '.join(sorted(SEPARATE_TAGS))}"))
    if problems:
        raise PcfError(problems)


def apply_rules(method: n.Method, inventory: Inventory, products: list[ProductResult], units,
                kb_ids: Mapping[str, set[str]] | None = None) -> RuleOutcome:
    """Findings of every rule of `method`; `kb_ids` gives the knowledge-base ids each product used."""
    findings: list[Finding] = []
    separately: dict[str, dict[str, float]] = {}
    dq: dict[str, dict[str, object]] = {}
    by_id = {p.id: p for p in inventory.products}
    for r in method.rules:
        where = str(r.span)
        note = "" if r.status == "verified" else " (rule encodes a common reading of the standard)"
        if r.name == "boundary_complete":
            findings += _boundary(method, r, where, note)
        elif r.name == "gwp_set":
            required = _names(r, "required")
            gwp = method.setting("gwp")
            if required and gwp not in required:
                findings.append(Finding("warning", "gwp-set", where,
                                        f"{r.citation or method.setting('standard')} asks for GWP100 from "
                                        f"{' or '.join(required)}; the method uses {gwp}{note}"))
        for p in products:
            inv = by_id[p.id]
            if r.name == "cutoff":
                findings += _cutoff(r, p, inv, units, note)
            elif r.name == "report_separately":
                separately[p.id] = _separately(method, r, p)
            elif r.name == "data_quality":
                result, fs = _data_quality(method, r, p, inv)
                dq[p.id] = result
                findings += fs
        if r.name == "allocation":
            findings += _allocation(r, inventory, note)
        elif r.name == "avoid_factors":
            findings += _avoid(r, kb_ids or {}, note)
    return RuleOutcome(tuple(findings), separately, dq)


def _names(r: n.Rule, key: str) -> list[str]:
    a = r.arg(key)
    return [v for v in a.values if isinstance(v, str)] if a else []


def _percent(r: n.Rule, key: str) -> float | None:
    a = r.arg(key)
    if not a or not isinstance(a.values[0], n.Number):
        return None
    v = a.values[0]
    return v.value / 100 if v.unit == "%" else v.value


# --- boundary ---------------------------------------------------------------------------

def _boundary(method: n.Method, r: n.Rule, where: str, note: str) -> list[Finding]:
    boundary = method.setting("boundary")
    partial = method.boundary_stages()
    if partial is not None:   # its stages are declared (the compile checks it); say what it is not
        full = _names(r, "cradle_to_grave")
        left = [s for s in full if s not in partial]
        return [Finding("info", "boundary-partial", where,
                        f"a partial footprint of {', '.join(partial)}"
                        + (f": it leaves out {', '.join(left)}, so it is not a cradle-to-grave footprint of the "
                           "product" if left else "") + note)]
    required = _names(r, boundary or "")
    declared = {s.id for s in method.stages}
    missing = [s for s in required if s not in declared]
    if not missing:
        return []
    return [Finding("error", "boundary-incomplete", where,
                    f"a {boundary.replace('_', '-')} footprint covers {', '.join(required)}; the method neither "
                    f"has nor excludes (with a reason) {', '.join(missing)}{note}")]


# --- cut-off ----------------------------------------------------------------------------

def _cutoff(r: n.Rule, p: ProductResult, inv: Product, units, note: str) -> list[Finding]:
    basis = (_names(r, "basis") or ["mass"])[0]
    per_input, total_max = _percent(r, "per_input"), _percent(r, "total")
    if not inv.left_out:
        return []
    if basis == "emission":
        return _cutoff_emission(r, p, inv, units, per_input, total_max, note)
    items = left_out_amounts(inv, units, {"mass": "kg", "energy": "kWh"}[basis])
    left = sum(v for _, v, _ in items)
    # The input total: a column of all inputs (`inputs: legs.mass`), or the included ones
    # (`included: materials.mass`) plus what was left out.
    if r.arg("inputs") is not None:
        total = _column_sum(p, r.arg("inputs"))
    else:
        total = _column_sum(p, r.arg("included")) + left
    if not total:
        return []
    shown = "t" if basis == "mass" else "kWh"
    scale = units.parse(shown).scale
    over = [(name, v / total, text) for name, v, text in items if per_input is not None and v / total >= per_input]
    problems = []
    if over:
        listed = ", ".join(f"{name} {text} ({share * 100:.1f} %)" for name, share, text in over[:6])
        more = f" and {len(over) - 6} more" if len(over) > 6 else ""
        problems.append(f"{len(over)} left-out input(s) reach {per_input * 100:g} % of the input {basis} each: "
                        f"{listed}{more}")
    if total_max is not None and left / total > total_max:
        problems.append(f"left out in total {left / scale:,.1f} {shown} of {total / scale:,.1f} {shown} "
                        f"({left / total * 100:.1f} % > {total_max * 100:g} %)")
    return _cutoff_finding(p, r, "cut-off rule", problems, note)


def left_out_amounts(inv: Product, units, unit: str) -> list[tuple[str, float, str]]:
    """(name, amount in base units, as printed) of each left-out row giving an amount of `unit`'s kind."""
    dim = units.parse(unit).dim
    out = []
    for row in inv.left_out:
        a = next((a for a in row.cells.values() if a.value is not None and units.parse(a.unit or "1").dim == dim),
                 None)
        if a is not None:
            out.append((row.label or "?", units.parse(a.unit or "1").to_base(a.value), f"{a.text} {a.unit}"))
    return out


def _column_sum(p: ProductResult, arg: n.RuleArg | None) -> float:
    if arg is None or not isinstance(arg.values[0], str) or "." not in arg.values[0]:
        return 0.0
    table, _, column = arg.values[0].partition(".")
    col = p.values.get(Key.table(table), {}).get(column)
    return float(col.sum()) if col is not None else 0.0


def _cutoff_emission(r, p, inv, units, materiality, coverage_gap, note) -> list[Finding]:
    est = [(name, v / p.divisor) for name, v, _ in left_out_amounts(inv, units, "kgCO2e")]
    if not est:
        return []
    left = sum(v for _, v in est)
    anticipated = p.total + left
    problems = []
    material = [(nm, v / anticipated) for nm, v in est if materiality is not None and v / anticipated > materiality]
    if material:
        problems.append("material sources left out: " + ", ".join(f"{nm} ({s * 100:.1f} %)" for nm, s in material))
    if coverage_gap is not None and p.total / anticipated < 1 - coverage_gap:
        problems.append(f"the footprint covers {p.total / anticipated * 100:.1f} % of anticipated emissions, "
                        f"less than {(1 - coverage_gap) * 100:g} %")
    return _cutoff_finding(p, r, "materiality rule", problems, note)


def _cutoff_finding(p: ProductResult, r: n.Rule, what: str, problems: list[str], note: str) -> list[Finding]:
    if not problems:
        return []
    return [Finding("error", "cutoff-exceeded", f"products.{p.id}",
                    f"{what} ({r.citation or 'method'}) broken: " + "; ".join(problems) + note)]


# --- separate reporting ---------------------------------------------------------------

def _separately(method: n.Method, r: n.Rule, p: ProductResult) -> dict[str, float]:
    """kgCO2e per unit of each tag the rule names; for `biogenic`, also its emissions and its removals
    apart (ISO 14067 7.3 documents them separately; the net alone hides both)."""
    tags = _names(r, "tags")
    tagged = {e.name: e.tags for e in method.emissions}
    out = {}
    for t in tags:
        if t == "biogenic":
            bio = [(l.value, "removal" in tagged.get(l.name, ())) for l in p.lines if t in tagged.get(l.name, ())]
            out["biogenic_emissions"] = sum(v for v, removal in bio if not removal)
            out["biogenic_removals"] = sum(v for v, removal in bio if removal)
        out[t] = sum(l.value for l in p.lines if t in tagged.get(l.name, ()))
    return out


# --- allocation -------------------------------------------------------------------------

def _allocation(r: n.Rule, inventory: Inventory, note: str) -> list[Finding]:
    hierarchy = _names(r, "hierarchy")
    out = []
    for a in inventory.allocations:
        shares = ", ".join(f"{pid} {a.share(pid) * 100:.2f} %" for pid in a.keys)
        out.append(Finding("info", "allocation", a.span or "inventory",
                           f"`{a.input}` ({a.amount.text} {a.amount.unit}) allocated on a {a.basis} basis: {shares}"))
        basis = "physical" if a.basis == "mass" else a.basis   # mass is a physical relationship
        if hierarchy and basis in hierarchy and hierarchy.index(basis) > 0 and not a.reason:
            out.append(Finding("warning", "allocation-hierarchy", a.span or "inventory",
                               f"{r.citation or 'the standard'} prefers {hierarchy[0]} allocation before "
                               f"{a.basis}; give the reason for `{a.input}` (`reason = \"...\"`){note}"))
        elif hierarchy and basis not in hierarchy:
            out.append(Finding("warning", "allocation-hierarchy", a.span or "inventory",
                               f"{r.citation or 'the standard'} allocates by {', then '.join(hierarchy)}; "
                               f"`{a.input}` is allocated by {a.basis}{note}"))
    return out


# --- factor families --------------------------------------------------------------------

def _avoid(r: n.Rule, kb_ids: Mapping[str, set[str]], note: str) -> list[Finding]:
    avoid, use = _names_dotted(r, "ids"), _names_dotted(r, "use")
    out = []
    for pid, ids in kb_ids.items():
        bad = sorted(i for i in ids if any(i == a or i.startswith(a + ".") for a in avoid))
        if bad:
            out.append(Finding("warning", "factor-family", f"products.{pid}",
                               f"{r.citation or 'the standard'} asks for "
                               + (f"`{', '.join(use)}` factors" if use else "other factors")
                               + f"; the case uses {', '.join(f'`kb.{b}`' for b in bad)}{note}"))
    return out


def _names_dotted(r: n.Rule, key: str) -> list[str]:
    a = r.arg(key)
    return [v for v in a.values if isinstance(v, str)] if a else []


# --- data quality -----------------------------------------------------------------------

CN_LEVELS = ((5.0, 1), (4.0, 2), (3.0, 3), (2.0, 4))          # score >= bound -> level; else 5
TW_LEVELS = ((10.0, 1), (19.0, 2))                             # grade < bound -> level; else 3
SCHEMES: dict[str, tuple[tuple[str, ...], Callable[[dict], float]]] = {
    # seed 004's scheme: activity data 6/3/1, factor 6..1, calibration 6/3/1, averaged (higher is better)
    "cn_report_6_3_1": (("activity", "factor", "calibration"), lambda g: sum(g.values()) / 3),
    # the Taiwan inventory table: A1 x A2 x A3, 1..27 (lower is better)
    "tw_a1a2a3": (("a1", "a2", "a3"), lambda g: g["a1"] * g["a2"] * g["a3"]),
}


def _data_quality(method: n.Method, r: n.Rule, p: ProductResult, inv: Product):
    scheme = _names(r, "scheme")[0]
    keys, grade = SCHEMES[scheme]
    findings = []
    score = 0.0
    parts = []
    for line in p.lines:
        weight = line.value / p.total if p.total else 0.0
        g = inv.quality.get(line.name)
        if g is None:
            if line.value:
                findings.append(Finding("warning", "data-quality-missing", f"products.{p.id}.quality.{line.name}",
                                        f"no data-quality grades for `{line.name}` ({weight * 100:.2f} % of the total); "
                                        f"give {{ {', '.join(f'{k} = ...' for k in keys)} }}"))
            continue
        if set(g) != set(keys):
            findings.append(Finding("warning", "data-quality-missing", f"products.{p.id}.quality.{line.name}",
                                    f"scheme {scheme} grades {', '.join(keys)}; found {', '.join(sorted(g))}"))
            continue
        value = grade(g)
        parts.append({"line": line.name, "grades": dict(g), "value": value, "weight": weight})
        score += weight * value
    if scheme == "cn_report_6_3_1":
        level = next((lv for bound, lv in CN_LEVELS if score >= bound), 5)
    else:
        level = next((lv for bound, lv in TW_LEVELS if score < bound), 3)
    findings.append(Finding("info", "data-quality", f"products.{p.id}",
                            f"data-quality score {score:.2f}, level {level} ({scheme}, weighted by emission share)"))
    return {"scheme": scheme, "score": score, "level": level, "lines": parts}, findings
