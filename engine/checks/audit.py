"""The audit: every printed figure of a case against the computed one.

The case is evaluated a second time with each printed input widened to half a unit of its
last digit (intervals), or, with `[audit] inputs = "exact"`, with the inputs as points. A
printed figure is a `reported-mismatch` only when its own rounding interval does not meet
the computed interval: the difference cannot come from rounding. The finding then names a
slip of the catalogue (engine/checks/slips.py) only when that slip explains the printed figure
within its own rounding and nothing else does as well (engine/checks/causes.py); otherwise it gives
the value the printed figure implies. Printed figures are also checked against each other
(engine/checks/printedcheck.py).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from ..core.errors import Diagnostic, PcfError, did_you_mean
from ..core.keys import INPUT, LET, Key
from ..core.units import CO2, CO2E, DIMENSIONLESS, UnitError, format_dim
from ..evaluation.evaluate import Bound, as_intervals, run
from ..evaluation.result import Finding, ProductResult
from ..evaluation.totals import totals
from ..inputs.reported import AuditOptions, ReportedFigure
from ..language import nodes
from ..plan import Plan
from .causes import Figure, cause
from .interval import Interval
from .printedcheck import merge, printed_checks, printed_interval

REL_SLACK = 1e-9


@dataclass(frozen=True)
class Check:
    """One printed figure, audited: what `pcf audit` shows a verifier."""
    figure: ReportedFigure
    computed: Interval | None   # in the figure's unit; None for a factor printed in another unit
    point: float | None         # the computed value with the inputs as printed, in the figure's unit
    verdict: str                # consistent | edge | inconsistent | other-unit
    note: str = ""              # the named slip or the implied value, for an inconsistent figure
    trace: object = None        # analysis.explain.Node: how the figure was computed (auditview)


def audit(plan: Plan, bound: Bound, result: ProductResult, figures: list[ReportedFigure],
          options: AuditOptions = AuditOptions()) -> list[Finding]:
    """The findings on one product's printed figures, with the inputs as `options` declare them."""
    return figure_checks(plan, bound, result, figures, options)[1]


def figure_checks(plan: Plan, bound: Bound, result: ProductResult, figures: list[ReportedFigure],
                  options: AuditOptions = AuditOptions()) -> tuple[list[Check], list[Finding]]:
    """Every printed figure of one product with its verdict, and the findings they give."""
    if not figures:
        return [], []
    exact_inputs = options.all_exact
    iv = run(plan, _declared(plan, bound, options))
    d = bound.divisor
    quantity = result.quantity
    lines = {e.name: Interval.of(iv[Key.emission(e.name)]) / d for e in plan.method.emissions}
    t = totals(lines, plan.method.emissions, plan.stage_ids, zero=Interval(0.0, 0.0))
    stages, total = t.stages, t.total
    problems: list[Diagnostic] = []
    findings: list[Finding] = []
    checks: list[Check] = []
    printed = {f.path: f for f in figures}
    for f in figures:
        kind, _, name = f.path.partition(".")
        if kind == "factors":
            finding, check = _factor(plan, result, f, problems)
            if finding is not None:
                findings.append(finding)
            if check is not None:
                checks.append(check)
            continue
        yearly = kind.startswith("yearly")
        if yearly and quantity is None:
            problems.append(Diagnostic("case", f"reported.{f.product}.{f.path}: product `{f.product}` has "
                                       "no quantity, so it has no period figures", f.span))
            continue
        scale = quantity if yearly else 1.0
        base = kind.replace("yearly_", "")
        want = DIMENSIONLESS if base == "shares" else CO2E
        if base == "inputs":   # a printed input against the inventory, as the inventory gives it
            key = Key.input(name)
            if key not in bound.values:
                problems.append(Diagnostic("case", f"reported.{f.product}.{f.path}: no input `{name}` in the "
                                           "method", f.span, hint=did_you_mean(name, [k.name for k in bound.values
                                                                                     if k.is_a(INPUT)])))
                continue
            v, w = bound.values[key], 0.0 if exact_inputs or name in options.exact else bound.widths[key]
            computed, point, want = Interval(v - w, v + w), v, plan.dims[key]
        elif base == "total":
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
        if spec.dim != want and not (want == CO2E and spec.dim == CO2):
            what = {"shares": "a share (%)", "inputs": f"in the input's unit ({format_dim(want)})"}
            problems.append(Diagnostic("unit-mismatch", f"reported.{f.product}.{f.path}: {f.unit} is not "
                                       + what.get(base, "a mass of CO2e"), f.span))
            continue
        rep = Interval.around(spec.to_base(f.value), spec.to_base(f.half_width))
        slack = REL_SLACK * max(abs(rep.mid), 1e-300)
        shown = spec.from_base(point)
        in_unit = Interval(spec.from_base(computed.lo), spec.from_base(computed.hi))
        if computed.overlaps(rep, slack):
            edge = not rep.overlaps(Interval(point, point), slack)
            checks.append(Check(f, in_unit, shown, "edge" if edge else "consistent"))
            continue
        diff = (f.value - shown) / shown * 100 if shown else float("inf")
        msg = (f"reported {f.text} {f.unit}, {'the inventory gives' if base == 'inputs' else 'computed'} "
               f"{fmt_like(shown, f.text)} {f.unit} ({diff:+.1f} %)"
               + (f" [{f.where}]" if f.where else ""))
        note = ""
        if base != "shares":
            fig = Figure(base, name, spec.to_base(f.value), spec.to_base(f.half_width), computed, point, scale)
            note = cause(fig, plan, result, lines, stages, exact_inputs, spec.from_base, f.unit)
            msg += "; " + note + _sum_of_printed(base, kind, rep, stages, printed, plan)
        checks.append(Check(f, in_unit, shown, "inconsistent", note))
        findings.append(Finding("error", "reported-mismatch", f"products.{f.product}.{f.path}", msg))
    if problems:
        raise PcfError(problems)
    return checks, merge(findings, printed_checks(plan, list(stages), figures))


def product_intervals(plan: Plan, bound: Bound, result: ProductResult,
                      options: AuditOptions = AuditOptions()) -> dict[str, Interval]:
    """Every figure path of one product (total, stages.X, shares.X, lines.X, yearly_...) with its
    interval from the inputs as declared: what figures across products are computed from."""
    from .across import operand_intervals
    iv = run(plan, _declared(plan, bound, options))
    lines = {e.name: Interval.of(iv[Key.emission(e.name)]) / bound.divisor for e in plan.method.emissions}
    t = totals(lines, plan.method.emissions, plan.stage_ids, zero=Interval(0.0, 0.0))
    return operand_intervals(lines, t.stages, t.total, result.quantity)


def _declared(plan: Plan, bound: Bound, options: AuditOptions) -> dict[str, object]:
    """The inputs as the case declares them: rounded (intervals) or exact (points), all or by name."""
    if options.all_exact:
        return as_intervals(replace(bound, widths={k: _zero(w) for k, w in bound.widths.items()}))
    # what `exact_inputs` may name: an input, or a table's column as `table.column`
    declared = {i.name for i in plan.method.of_type(nodes.Input)}
    declared |= {f"{t.name}.{c.name}" for t in plan.method.of_type(nodes.Table) for c in t.columns}
    widths = dict(bound.widths)
    unknown = []
    for name in options.exact:
        table, _, column = name.partition(".")
        key = Key.table(table) if column else Key.input(name)
        if name not in declared:
            unknown.append(name)
        elif column and key in widths:
            widths[key] = {**widths[key], column: _zero(widths[key][column])}
        elif key in widths:
            widths[key] = 0.0
    if unknown:
        raise PcfError([Diagnostic("case", f"audit.exact_inputs: no input `{u}` in the method", options.span,
                                   hint=did_you_mean(u, sorted(declared)))
                        for u in unknown])
    return as_intervals(replace(bound, widths=widths))


def _zero(w):
    return {c: x * 0 for c, x in w.items()} if isinstance(w, dict) else w * 0


def _factor(plan: Plan, result: ProductResult, f: ReportedFigure, problems) -> tuple[Finding | None, Check | None]:
    """A printed factor against the value the calculation used, unit included."""
    key = Key.let(f.path.partition('.')[2])
    if key not in plan.dims:
        lets = [k.name for k in plan.dims if k.is_a(LET)]
        problems.append(Diagnostic("case", f"reported.{f.product}.{f.path}: no `let` named "
                                   f"`{key.name}` in the method", f.span, hint=did_you_mean(key.name, lets)))
        return None, None
    try:
        spec = plan.units.parse(f.unit)
    except UnitError as exc:
        problems.append(Diagnostic("unit-unknown", f"reported.{f.product}.{f.path}: {exc}", f.span, hint=exc.hint))
        return None, None
    used = result.values[key]
    dim = plan.dims[key]
    name = key.name
    rep = Interval.around(spec.to_base(f.value), spec.to_base(f.half_width))
    if spec.dim == dim:
        shown = spec.from_base(used)
        if Interval(used, used).overlaps(rep, REL_SLACK * abs(rep.mid)):
            return None, Check(f, Interval(shown, shown), shown, "consistent")
        return (Finding("error", "reported-mismatch", f"products.{f.product}.factors.{name}",
                        f"factor `{name}` printed as {f.text} {f.unit}, the calculation uses "
                        f"{shown:.6g} {f.unit}"),
                Check(f, Interval(shown, shown), shown, "inconsistent",
                      f"the printed factor is {f.value / shown:.4g} × the one the calculation uses" if shown else ""))
    # Different units: find the parameter that turns one into the other (e.g. per GJ vs per kg).
    why = ""
    for kn in plan.kb_nodes.values():
        if kn.expr is None and plan.dims.get(kn.key) is not None and dim / plan.dims[kn.key] == spec.dim:
            if Interval(used / plan.constants[kn.key], used / plan.constants[kn.key]).overlaps(rep):
                why = (f"; {f.text} {f.unit} is the same factor divided by `{kn.entry.id}` "
                       f"({kn.entry.value:g} {kn.entry.unit}): the report prints it per another unit than "
                       "it computes with")
                break
    msg = (f"factor `{name}` printed as {f.text} {f.unit} ({format_dim(spec.dim)}), but the results "
           f"use it in {format_dim(dim)}{why}")
    return (Finding("warning", "reported-unit-mismatch", f"products.{f.product}.factors.{name}", msg),
            Check(f, None, None, "other-unit", msg.split("; ", 1)[-1] if why else msg))


def _sum_of_printed(base, kind, rep: Interval, stages, printed, plan) -> str:
    """A remark when the printed total is the sum of the printed stages: a stage figure is wrong."""
    stage_kind = "yearly_stages" if kind.startswith("yearly") else "stages"
    parts = [printed_interval(plan, p) if p else None for p in (printed.get(f"{stage_kind}.{s}") for s in stages)]
    if base != "total" or not parts or not all(parts):
        return ""   # a part missing, or in a unit its own check reports
    if sum(parts, Interval(0.0, 0.0)).overlaps(rep):
        return "; it equals the sum of the printed stage figures: a stage figure is wrong, not the addition"
    return ""


def fmt_like(x: float, like: str) -> str:
    """The computed value with two more digits than the printed one, to show the gap."""
    decimals = len(like.split(".")[1]) if "." in like else 0
    return f"{x:.{decimals + 2}f}"
