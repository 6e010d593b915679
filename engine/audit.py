"""The audit: every printed figure of a case against the computed one.

The case is evaluated a second time with each printed input widened to half a unit of its
last digit (intervals). A printed figure is a `reported-mismatch` only when its own
rounding interval does not meet the computed interval: the difference cannot come from
rounding. The finding then names the likely slip where one fits (a stage left out, a basis
or unit factor such as 44/12 or 1000).
"""
from __future__ import annotations

from itertools import combinations

from .case import ReportedFigure
from .errors import Diagnostic, PcfError, did_you_mean
from .evaluate import Bound, as_intervals, run
from .interval import Interval
from .keys import LET, Key
from .plan import Plan
from .result import Finding, ProductResult
from .totals import totals
from .units import CO2, CO2E, DIMENSIONLESS, UnitError

# Ratios a printed figure may be off by, the slip each suggests, and the substances a method
# must involve for the slip to be possible there.
SLIPS = [
    (44 / 12, "carbon (C) reported as CO2: ×44/12 applied twice, or C multiplied by 44/12 where CO2 was given", {"kgC"}),
    (12 / 44, "CO2 reported as carbon (C): the 44/12 conversion is missing", {"kgC"}),
    (44 / 28, "N2O converted twice (×44/28 applied to N2O)", {"kgN2O_N"}),
    (28 / 44, "N2O reported as N2O-N: the 44/28 conversion is missing", {"kgN2O_N"}),
    (1000.0, "a factor of 1000: kg and t (or kWh and MWh) mixed up", set()),
    (1 / 1000, "a factor of 1/1000: t and kg (or MWh and kWh) mixed up", set()),
    (10000.0, "a factor of 10 000: 万 (10^4) applied twice", set()),
    (1 / 10000, "a factor of 1/10 000: a 万 (10^4) amount taken as units", set()),
    (298 / 265, "N2O characterised with AR4 (298) instead of AR5 (265)", {"kgN2O"}),
    (265 / 298, "N2O characterised with AR5 (265) instead of AR4 (298)", {"kgN2O"}),
    (28 / 25, "CH4 characterised with AR5 (28) instead of AR4 (25)", {"kgCH4"}),
    (25 / 28, "CH4 characterised with AR4 (25) instead of AR5 (28)", {"kgCH4"}),
]
REL_SLACK = 1e-9


def audit(plan: Plan, bound: Bound, result: ProductResult, figures: list[ReportedFigure]) -> list[Finding]:
    if not figures:
        return []
    iv = run(plan, as_intervals(bound))
    d = bound.divisor
    quantity = result.quantity
    lines = {e.name: Interval.of(iv[Key.emission(e.name)]) / d for e in plan.method.emissions}
    t = totals(lines, plan.method.emissions, plan.stage_ids, zero=Interval(0.0, 0.0))
    stages, total = t.stages, t.total
    problems: list[Diagnostic] = []
    findings: list[Finding] = []
    printed = {f.path: f for f in figures}
    for f in figures:
        kind, _, name = f.path.partition(".")
        if kind == "factors":
            finding = _factor(plan, result, f, problems)
            if finding is not None:
                findings.append(finding)
            continue
        yearly = kind.startswith("yearly")
        if yearly and quantity is None:
            problems.append(Diagnostic("case", f"reported.{f.product}.{f.path}: product `{f.product}` has "
                                       "no quantity, so it has no period figures", f.span))
            continue
        scale = quantity if yearly else 1.0
        base = kind.replace("yearly_", "")
        if base == "total":
            computed, point = total, result.total
        elif base in ("stages", "shares"):
            if name not in stages:
                problems.append(Diagnostic("case", f"reported.{f.product}.{f.path}: no stage `{name}` "
                                           "inside the boundary", f.span, hint=did_you_mean(name, stages)))
                continue
            computed, point = stages[name], result.stages[name]
            if base == "shares":
                computed, point = computed / total, result.shares[name]
        else:  # lines
            if name not in lines:
                problems.append(Diagnostic("case", f"reported.{f.product}.{f.path}: no emission `{name}`",
                                           f.span, hint=did_you_mean(name, lines)))
                continue
            computed, point = lines[name], next(l.value for l in result.lines if l.name == name)
        if base != "shares":
            computed, point = computed * scale, point * scale
        try:
            spec = plan.units.parse(f.unit)
        except UnitError as exc:
            problems.append(Diagnostic("unit-unknown", f"reported.{f.product}.{f.path}: {exc}", f.span, hint=exc.hint))
            continue
        want = DIMENSIONLESS if base == "shares" else CO2E
        if spec.dim != want and not (want == CO2E and spec.dim == CO2):
            problems.append(Diagnostic("unit-mismatch", f"reported.{f.product}.{f.path}: {f.unit} is not "
                                       + ("a share (%)" if base == "shares" else "a mass of CO2e"), f.span))
            continue
        rep = Interval.around(spec.to_base(f.value), spec.to_base(f.half_width))
        slack = REL_SLACK * max(abs(rep.mid), 1e-300)
        if computed.overlaps(rep, slack):
            continue
        shown = spec.from_base(point)
        diff = (f.value - shown) / shown * 100 if shown else float("inf")
        msg = (f"reported {f.text} {f.unit}, computed {_fmt(shown, f.text)} {f.unit} ({diff:+.1f} %)"
               + (f" [{f.where}]" if f.where else ""))
        why = None if base == "shares" else _explain(base, name, rep, computed, stages, total * scale if base == "total" else None,
                       printed, kind, plan, scale)
        if why:
            msg += f"; {why}"
        findings.append(Finding("error", "reported-mismatch", f"products.{f.product}.{f.path}", msg))
    if problems:
        raise PcfError(problems)
    return findings


def _factor(plan: Plan, result: ProductResult, f: ReportedFigure, problems) -> Finding | None:
    """A printed factor against the value the calculation used, unit included."""
    key = Key.let(f.path.partition('.')[2])
    if key not in plan.dims:
        lets = [k.name for k in plan.dims if k.is_a(LET)]
        problems.append(Diagnostic("case", f"reported.{f.product}.{f.path}: no `let` named "
                                   f"`{key.name}` in the method", f.span, hint=did_you_mean(key.name, lets)))
        return None
    try:
        spec = plan.units.parse(f.unit)
    except UnitError as exc:
        problems.append(Diagnostic("unit-unknown", f"reported.{f.product}.{f.path}: {exc}", f.span, hint=exc.hint))
        return None
    used = result.values[key]
    dim = plan.dims[key]
    name = key.name
    rep = Interval.around(spec.to_base(f.value), spec.to_base(f.half_width))
    from .units import format_dim
    if spec.dim == dim:
        if Interval(used, used).overlaps(rep, REL_SLACK * abs(rep.mid)):
            return None
        return Finding("error", "reported-mismatch", f"products.{f.product}.factors.{name}",
                       f"factor `{name}` printed as {f.text} {f.unit}, the calculation uses "
                       f"{spec.from_base(used):.6g} {f.unit}")
    # Different units: find the parameter that turns one into the other (e.g. per GJ vs per kg).
    why = ""
    for kn in plan.kb_nodes.values():
        if kn.expr is None and plan.dims.get(kn.key) is not None and dim / plan.dims[kn.key] == spec.dim:
            if Interval(used / plan.constants[kn.key], used / plan.constants[kn.key]).overlaps(rep):
                why = (f"; {f.text} {f.unit} is the same factor divided by `{kn.entry.id}` "
                       f"({kn.entry.value:g} {kn.entry.unit}): the report prints it per another unit than "
                       "it computes with")
                break
    return Finding("warning", "reported-unit-mismatch", f"products.{f.product}.factors.{name}",
                   f"factor `{name}` printed as {f.text} {f.unit} ({format_dim(spec.dim)}), but the results "
                   f"use it in {format_dim(dim)}{why}")


def _explain(base, name, rep: Interval, computed: Interval, stages, total, printed, kind, plan, scale) -> str | None:
    labels = {s.id: s.label or s.id for s in plan.method.stages}
    if base == "total" and total is not None:
        ids = list(stages)
        for k in range(1, len(ids)):
            for left_out in combinations(ids, k):
                rest = total - sum((stages[s] * scale for s in left_out), Interval(0.0, 0.0))
                if rest.overlaps(rep, REL_SLACK * abs(rep.mid)):
                    names = ", ".join(f"`{s}` ({labels[s]})" for s in left_out)
                    return f"it equals the total without stage {names}: the printed total leaves it out"
        stage_kind = "yearly_stages" if kind.startswith("yearly") else "stages"
        parts = [printed.get(f"{stage_kind}.{s}") for s in ids]
        if all(parts):
            lo = sum(p.value - p.half_width for p in parts)
            hi = sum(p.value + p.half_width for p in parts)
            spec = plan.units.parse(parts[0].unit)
            if Interval(spec.to_base(lo), spec.to_base(hi)).overlaps(rep):
                return "it equals the sum of the printed stage figures: a stage figure is wrong, not the addition"
    # Name a slip only when the method involves its substances and no other ratio fits too.
    present = {k for d in plan.dims.values() for k in d}
    fits = [slip for ratio, slip, needs in SLIPS
            if needs <= present and (computed * ratio).overlaps(rep, REL_SLACK * abs(rep.mid))]
    return f"likely slip: {fits[0]}" if len(fits) == 1 else None


def _fmt(x: float, like: str) -> str:
    """The computed value with two more digits than the printed one, to show the gap."""
    decimals = len(like.split(".")[1]) if "." in like else 0
    return f"{x:.{decimals + 2}f}"
