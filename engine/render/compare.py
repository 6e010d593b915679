"""A case under several methods, side by side: stage values, totals, and what each rule said."""
from __future__ import annotations

from ..evaluation.result import Result
from .escape import terminal_text as t
from .text import fmt_value, table


def compare_dict(results: list[Result]) -> dict:
    return {"schema": "pcf-compare/1",
            "methods": [r.to_dict()["method"] for r in results],
            "results": [r.to_dict() for r in results]}


def render_compare(results: list[Result]) -> str:
    out = []
    ids = [r.method.id for r in results]
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
    out.append("findings by method")
    for r in results:
        out.append(f"  {r.method.id}")
        keys = {(f.severity, f.code, f.message) for f in r.findings}
        others = [{(f.severity, f.code, f.message) for f in o.findings} for o in results if o is not r]
        for f in r.findings:
            mark = "" if all((f.severity, f.code, f.message) in o for o in others) else "  (not under every method)"
            out.append(f"    {f.severity:<7} {f.code}: {t(f.message)}{mark}")
        if not keys:
            out.append("    (none)")
    return "\n".join(out)
