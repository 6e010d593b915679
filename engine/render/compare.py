"""A case under several methods, side by side: stage values, totals, and what each rule said."""
from __future__ import annotations

from ..evaluation.result import Result
from ..language import nodes as n
from ..language.format import format_expr
from .escape import terminal_text as t
from .text import fmt_value, table


def method_traits(r: Result) -> dict[str, str]:
    """What a method decides that can change a figure or a finding, in words: standard, boundary
    (and the stages it does not count), GWP set, functional unit, what the standard reports
    separately, and the rules it applies."""
    m = r.plan.method if r.plan is not None else None
    traits = {"standard": r.method.standard or "", "boundary": r.method.boundary_text, "gwp": r.method.gwp or ""}
    if m is None:
        return traits
    counted = set(r.plan.stage_ids)
    left = [(s.id, s.excluded) for s in m.stages if s.id not in counted]
    if left:
        traits["not counted"] = "; ".join(f"{sid} ({why})" if why else f"{sid} (outside the boundary)"
                                         for sid, why in left)
    traits["functional unit"] = m.setting("functional_unit") or ""
    sep = next((x for x in m.rules if x.name == "report_separately"), None)
    arg = sep.arg("tags") if sep is not None else None
    traits["reported separately"] = ", ".join(v for v in arg.values if isinstance(v, str)) if arg else "nothing"
    traits["rules"] = ", ".join(sorted(x.name for x in m.rules))
    traits["extends"] = ", ".join(m.parents)
    for d in m.decls:   # each formula, so that one written differently shows (a recycling module's)
        if isinstance(d, (n.Let, n.Emission)):
            traits[f"formula of {d.name}"] = format_expr(d.expr)
    return traits


def differences(results: list[Result], labels: list[str]) -> list[tuple[str, list[tuple[str, str]]]]:
    """(trait, [(label, value)]) for each trait the methods do not all share."""
    traits = [method_traits(r) for r in results]
    order = ("standard", "boundary", "not counted", "gwp", "functional unit", "reported separately", "rules",
             "extends")
    keys = [k for k in order if any(k in t for t in traits)]
    keys += sorted({k for t in traits for k in t if k.startswith("formula of ")})
    return [(k, [(label, t.get(k, "—")) for label, t in zip(labels, traits)])
            for k in keys if len({t.get(k, "—") for t in traits}) > 1]


def compare_dict(results: list[Result], labels: list[str] | None = None) -> dict:
    """Side by side: under several methods, or the case beside its scenarios (`labels` names
    each column; `scenarios` is there when any result is a scenario's)."""
    out = {"schema": "pcf-compare/1",
           "methods": [r.to_dict()["method"] for r in results],
           "results": [r.to_dict() for r in results]}
    if not any(r.scenario is not None for r in results):
        out["differences"] = {k: dict(v) for k, v in differences(results, [r.method.id for r in results])}
    if any(r.scenario is not None for r in results):
        out["scenarios"] = [None if r.scenario is None else r.scenario.to_dict() for r in results]
        out["labels"] = labels or [r.method.id for r in results]
    return out


def render_compare(results: list[Result], labels: list[str] | None = None) -> str:
    out = []
    ids = [t(x) for x in labels] if labels else [r.method.id for r in results]
    by_scenario = any(r.scenario is not None for r in results)
    if by_scenario:
        out.append(f"method: {results[0].method.id} ({t(results[0].method.standard)}, {results[0].method.gwp})")
        for r in results:
            if r.scenario is not None:
                sets = ", ".join(f"{t(k)} = {t(v)}" for k, v in r.scenario.to_dict()["sets"].items())
                label = f" {t(r.scenario.label)}" if r.scenario.label else ""
                out.append(f"scenario {t(r.scenario.name)}{label}: {sets}")
    else:
        out.append("methods: " + " | ".join(f"{r.method.id} ({t(r.method.standard)}, {r.method.gwp})" for r in results))
    for i, p in enumerate(results[0].products):
        out.append("")
        out.append(f"product {t(p.id)}  ·  kgCO2e per {t(p.functional_unit or 'functional unit')}")
        stages = []
        for r in results:
            for s in r.products[i].stages:
                if s not in stages:
                    stages.append(s)
        rows = [["stage", *ids, "differs"]]
        for s in stages:
            vals = [r.products[i].stages.get(s) for r in results]
            cells = ["—" if v is None else fmt_value(v) for v in vals]
            rows.append([s, *cells, "" if len(set(cells)) == 1 else "*"])
        totals = [fmt_value(r.products[i].total) for r in results]
        rows.append(["total", *totals, "" if len(set(totals)) == 1 else "*"])
        out.extend("  " + line for line in table(rows, right=set(range(1, len(ids) + 1))))
    if not by_scenario:
        diff = differences(results, ids)
        out.append("")
        out.append("how the methods differ" if diff else "the methods differ in nothing that sets a figure")
        for key, values in diff:
            out.append(f"  {key}")
            out.extend(f"    {name}: {t(value)}" for name, value in values)
    out.append("")
    out.append("findings by scenario" if by_scenario else "findings by method")
    for r, name in zip(results, ids):
        out.append(f"  {name}")
        keys = {(f.severity, f.code, f.message) for f in r.findings}
        others = [{(f.severity, f.code, f.message) for f in o.findings} for o in results if o is not r]
        for f in r.findings:
            every = "scenario" if by_scenario else "method"
            mark = "" if all((f.severity, f.code, f.message) in o for o in others) else f"  (not under every {every})"
            out.append(f"    {f.severity:<7} {f.code}: {t(f.message)}{mark}")
        if not keys:
            out.append("    (none)")
    return "\n".join(out)
