"""`pcf audit` as text, in Chinese or English: one line per printed figure, then the findings."""
from __future__ import annotations

from ..checks.audit import fmt_like
from ..checks.auditview import AuditView
from ..analysis.explain import render_tree
from .text import pad, width

WORDS = {
    "en": {"title": "audit of printed figures", "inputs": {"rounded": "inputs rounded (each ± half its last digit)",
                                                            "exact": "inputs exact (as printed)"},
           "head": ("figure", "printed", "computed (interval)", "verdict"), "findings": "findings", "trace": "how it was computed",
           "none": "no finding: every printed figure agrees with the calculation",
           "verdict": {"consistent": "consistent", "edge": "consistent at the edge of rounding",
                       "inconsistent": "inconsistent", "other-unit": "printed in another unit"}},
    "zh": {"title": "报告数字核查", "inputs": {"rounded": "输入按舍入处理（各 ± 末位半个单位）",
                                                "exact": "输入按精确值处理（即印刷值）"},
           "head": ("数字", "报告值", "计算值（区间）", "结论"), "findings": "发现", "trace": "计算过程",
           "none": "无发现：每个报告数字都与计算一致",
           "verdict": {"consistent": "一致", "edge": "仅在舍入边缘一致", "inconsistent": "不一致",
                       "other-unit": "以其他单位印刷"}},
}


def render_audit(view: AuditView, lang: str = "zh") -> str:
    w = WORDS[lang]
    out = [f"{w['title']}: {view.title or ''}".rstrip(), w["inputs"][view.inputs], ""]
    rows = [(*w["head"], "", None)]
    for c in view.checks:
        f = c.figure
        computed = "" if c.computed is None else (
            f"{fmt_like(c.point, f.text)} ({fmt_like(c.computed.lo, f.text)} .. {fmt_like(c.computed.hi, f.text)})")
        rows.append((f"{f.product}.{f.path}", f"{f.text} {f.unit}".rstrip(), computed, w["verdict"][c.verdict],
                     c.note if c.verdict == "inconsistent" else "",
                     c.trace if c.verdict == "inconsistent" else None))
    widths = [max(width(r[i]) for r in rows) for i in range(3)]
    for r in rows:
        out.append("  ".join(pad(r[i], widths[i]) for i in range(3)) + "  " + r[3])
        if r[4]:
            out.append(f"    -> {r[4]}")
        if r[5] is not None:   # how the figure was computed: down to the inventory line and the factor
            out.append(f"    {w['trace']}:")
            out.extend("      " + line for line in render_tree([r[5]]).split("\n"))
    out += ["", w["findings"]]
    if not view.findings:
        out.append(f"  {w['none']}")
    for f in view.findings:
        out += [f"  {f.severity:<7} {f.code}  {f.where}", f"          {f.message}"]
    return "\n".join(out) + "\n"
