"""A case under several methods, side by side: stage values, totals, and what each rule said."""
from __future__ import annotations

from ..evaluation.result import Result
from .escape import terminal_text as t
from .text import fmt_value, table


def compare_dict(results: list[Result], labels: list[str] | None = None) -> dict:
    """Side by side: under several methods, or the case beside its scenarios (`labels` names
    each column; `scenarios` is there when any result is a scenario's)."""
    out = {"schema": "pcf-compare/1",
           "methods": [r.to_dict()["method"] for r in results],
           "results": [r.to_dict() for r in results]}
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
