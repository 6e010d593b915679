"""Human-readable renderings for the terminal: the result table, method and KB listings.

Columns are aligned by display width, so Chinese labels (two cells per character) line up.
"""
from __future__ import annotations

import math
import unicodedata

from ..evaluation.result import Result
from .escape import terminal_text as t


def width(s: str) -> int:
    if s.isascii():     # no ASCII character is wide: a long listing is mostly ids and numbers
        return len(s)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def pad(s: str, w: int, right: bool = False) -> str:
    gap = " " * max(w - width(s), 0)
    return gap + s if right else s + gap


def fmt_value(v: float) -> str:
    """Display rounding: 2 decimals from 1000 up, 4 decimals from 1, 4 significant digits below."""
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1000:
        return f"{v:,.2f}".replace(",", " ")
    if a >= 1:
        return f"{v:.4f}"
    return f"{v:.{min(-math.floor(math.log10(a)) + 3, 12)}f}"


def fmt_share(s: float) -> str:
    return f"{s * 100:.2f} %"


def table(rows: list[list[str]], right: set[int] = frozenset()) -> list[str]:
    """Aligned columns; each cell is shown on one line, control characters escaped (`\\x1b`, `\\n`)."""
    rows = [[t(c) for c in r] for r in rows]
    widths = [max(width(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(pad(c, widths[i], i in right) for i, c in enumerate(r)).rstrip() for r in rows]


SEPARATELY_EN = {"biogenic": "biogenic net", "biogenic_emissions": "biogenic emissions",
                 "biogenic_removals": "biogenic removals", "dluc": "dLUC", "aircraft": "aircraft",
                 "offset": "offsets (not counted)"}


def render_result(result: Result, title: str | None = None) -> str:
    m = result.method
    out = []
    if title:
        out.append(t(title))
    out.append(f"method  {m.id} — {t(m.title or '')}".rstrip(" —"))
    out.append(f"        {t(m.standard)}, {t(m.boundary_text)}, GWP {m.gwp}"
               + (f", data year {result.data_year}" if result.data_year else ""))
    if result.scenario is not None:
        sc = result.scenario.to_dict()
        sets = ", ".join(f"{t(k)} = {t(v)}" for k, v in sc["sets"].items())
        out.append(f"scenario {t(sc['name'])}" + (f" — {t(sc['label'])}" if sc["label"] else "") + f": {sets}")
    for p in result.products:
        out.append("")
        fu = t(p.functional_unit or "functional unit")
        head = f"product {t(p.id)}" + (f"  {t(p.name)}" if p.name and p.name != p.id else "")
        given = f"{t(p.quantity_given)} = " if p.quantity_given else ""
        out.append(head + f"  ·  per {fu}" + (f"  ·  quantity {given}{p.quantity:g}" if p.quantity else ""))
        rows = [["stage", "", f"kgCO2e / {fu}", "share"]]
        for sid, v in p.stages.items():
            rows.append([result.stage_labels.get(sid) or "", sid, fmt_value(v), fmt_share(p.shares[sid])])
        rows.append(["total", "", fmt_value(p.total), fmt_share(sum(p.shares.values())) if p.total else "-"])
        lines = table(rows, right={2, 3})
        rule = "─" * max(width(l) for l in lines)
        out.extend(["  " + lines[0], "  " + rule, *("  " + l for l in lines[1:-1]), "  " + rule, "  " + lines[-1]])
        if p.yearly_total is not None:
            if p.period:           # a second functional unit: the period is "1 hm²·a"
                out.append(f"  per {t(p.period)} ({given}{p.quantity:g} × {fu}): {fmt_value(p.yearly_total)} kgCO2e")
            elif p.quantity_given:   # the reference flow, not necessarily a year's: say what it is
                out.append(f"  period total ({given}{p.quantity:g} × {fu}): {fmt_value(p.yearly_total)} kgCO2e")
            else:
                out.append(f"  yearly total ({p.quantity:g} × {fu}): {fmt_value(p.yearly_total)} kgCO2e")
        if p.separately:   # what the standard reports apart (the method's report_separately rule)
            out.append("  reported separately (kgCO2e / " + fu + "): " + ", ".join(
                f"{SEPARATELY_EN.get(k, k)} {fmt_value(v)}" for k, v in p.separately.items()))
    if result.findings:
        out.append("")
        out.append("findings")
        for f in result.findings:
            out.append(f"  {f.severity:<7} {f.code}  {t(f.where)}")
            out.append(f"          {t(f.message)}")
    return "\n".join(out)
