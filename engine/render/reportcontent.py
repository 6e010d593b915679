"""The study chapters of a report, as one content model every renderer reads (HTML, Markdown, DOCX).

What a report for a client states besides the calculation: who made it for whom (the cover), the
goal and the product, the system boundary as a table (each stage included with its lines, or
excluded with its reason), the greenhouse gases and the GWP values in full (from the knowledge
base), the time period, how electricity and missing data were treated, the data sources
(primary and secondary), assumptions and limitations. The study's own words come from case.toml
`[study]` (inputs/study.py); the rest from the method, the knowledge base and the result.

`missing` lists what a report following ISO 14067:2018 clause 7, as pcf reads it (the standard's
text was not available: a reading, not a quotation), still lacks: the report shows it in its
completeness section and `pcf report` prints it on stderr.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..evaluation.result import Result
from ..inputs.study import Study

# The items a clause-7 report states that only the case can give (key of [study], label en, zh).
REQUIRED = (("report_number", "report number", "报告编号"), ("client", "client", "委托方"),
            ("practitioner", "practitioner", "核算机构"), ("issue_date", "issue date", "报告日期"),
            ("company_description", "company description", "企业简介"),
            ("product_description", "product description", "产品描述"), ("goal", "goal of the study", "研究目的"),
            ("intended_use", "intended use and audience", "预期用途"),
            ("electricity", "treatment of electricity", "电力的处理"),
            ("data_treatment", "treatment of missing data", "数据缺失的处理"),
            ("assumptions", "assumptions", "假设"), ("limitations", "limitations", "局限性"),
            ("interpretation", "interpretation of the results", "结果解释"))
WORDS = {
    "en": {"contents": "Contents", "cover": "Report", "report_number": "Report number", "client": "Client", "practitioner": "Practitioner",
           "verifier": "Verifier", "issue_date": "Issue date", "goal_scope": "Goal and scope", "goal": "Goal",
           "intended_use": "Intended use", "company": "Company", "product": "Product",
           "fu": "Functional unit and reference flow", "boundary_table": "System boundary", "stage": "Stage",
           "included": "Included", "content": "Processes / reason", "yes": "yes", "no": "no",
           "outside": "outside the {boundary} boundary: {lines} computed, not counted",
           "ghg": "Greenhouse gases and characterisation", "gwp_values": "GWP100 values",
           "period": "Time period", "electricity": "Electricity", "data": "Data and data quality",
           "data_treatment": "Missing data", "sources": "Secondary data sources",
           "assumptions": "Assumptions", "limitations": "Limitations", "completeness": "Completeness of this report",
           "interpretation": "Interpretation", "improvements": "Improvement suggestions",
           "missing": "Not stated in the case (case.toml [study]): {items}.",
           "complete": "Every item pcf checks for (ISO 14067:2018 clause 7, as pcf reads it) is stated.",
           "fu_text": "{fu}; reference flow: {flow}", "per_unit": "the inventory's amounts per functional unit",
           "per_period": "{q} functional units produced in the period",
           "period_default": "the data year {y} (1 January to 31 December)", "gases": "CO2, CH4, N2O and the "
           "other gases the knowledge base holds factors for, characterised with {set}"},
    "zh": {"contents": "目录", "cover": "报告信息", "report_number": "报告编号", "client": "委托方", "practitioner": "核算机构",
           "verifier": "核查机构", "issue_date": "报告日期", "goal_scope": "目的与范围", "goal": "研究目的",
           "intended_use": "预期用途", "company": "企业简介", "product": "产品描述", "fu": "功能单位与基准流",
           "boundary_table": "系统边界", "stage": "阶段", "included": "是否纳入", "content": "过程 / 排除理由",
           "yes": "是", "no": "否", "outside": "不在{boundary}边界内：{lines} 已计算，不计入",
           "ghg": "温室气体与特征化", "gwp_values": "GWP100 值", "period": "时间范围",
           "electricity": "电力", "data": "数据与数据质量", "data_treatment": "数据缺失的处理",
           "sources": "次级数据来源", "assumptions": "假设", "limitations": "局限性",
           "interpretation": "结果解释", "improvements": "改进建议",
           "completeness": "报告完整性", "missing": "案例未说明（case.toml [study]）：{items}。",
           "complete": "pcf 检查的各项（按 pcf 对 ISO 14067:2018 第 7 章的理解）均已说明。",
           "fu_text": "{fu}；基准流：{flow}", "per_unit": "清单数据按功能单位给出",
           "per_period": "核算期内生产 {q} 个功能单位", "period_default": "数据年份 {y}（1 月 1 日至 12 月 31 日）",
           "gases": "CO2、CH4、N2O 及因子库中有因子的其他温室气体，特征化采用 {set}"},
}
GASES = (("co2", "CO2", "CO2"), ("ch4", "CH4", "CH4"), ("ch4_fossil", "CH4 (fossil)", "CH4（化石）"),
         ("ch4_nonfossil", "CH4 (non-fossil)", "CH4（非化石）"), ("n2o", "N2O", "N2O"))


@dataclass(frozen=True)
class StudyView:
    words: dict
    cover: tuple[tuple[str, str], ...]
    goal: tuple[tuple[str, str], ...]
    boundary: tuple[tuple[str, bool, str], ...]     # stage, included, its lines or the reason it is excluded
    gases: str
    gwp_values: tuple[tuple[str, str], ...]         # gas, value
    gwp_source: str | None
    period: str
    electricity: str | None
    data_treatment: str | None
    sources: tuple[str, ...]
    assumptions: tuple[str, ...]
    limitations: tuple[str, ...]
    interpretation: tuple[str, ...]
    improvements: tuple[str, ...]
    missing: tuple[str, ...]


def study_view(result: Result, lang: str) -> StudyView:
    w = WORDS[lang]
    study = result.case.study if result.case is not None else Study()
    cover = tuple((w[k], getattr(study, k)) for k in ("report_number", "client", "practitioner", "verifier",
                                                       "issue_date") if getattr(study, k))
    fus = []
    for p in result.products:
        flow = w["per_period"].format(q=f"{p.quantity:g}") if p.quantity and p.divisor != 1 else w["per_unit"]
        fus.append(w["fu_text"].format(fu=f"{p.name or p.id}: {p.functional_unit or '1'}", flow=flow))
    goal = tuple((w[k], v) for k, v in (("goal", study.goal), ("intended_use", study.intended_use),
                                          ("company", study.company_description),
                                          ("product", study.product_description)) if v) + \
        ((w["fu"], "; ".join(fus)),)
    method = result.plan.method
    boundary = []
    counted = set(result.plan.stage_ids)
    for s in method.stages:
        label = (s.label or s.id) if lang == "zh" else s.id.replace("_", " ")
        names = [(e.label or e.name) if lang == "zh" else e.name for e in method.emissions if e.stage == s.id]
        if s.excluded is not None:
            boundary.append((label, False, s.excluded))
        elif s.id not in counted:    # left out by the boundary (a standard's base over a model)
            from .report import STRINGS     # the boundaries' names in the report's language
            b = STRINGS[lang]["boundaries"].get(method.setting("boundary") or "", method.setting("boundary") or "")
            boundary.append((label, False, w["outside"].format(boundary=b, lines=", ".join(names) or "—")))
        else:
            boundary.append((label, True, ", ".join(names)))
    gwp = (method.setting("gwp") or "").lower()
    values, source = [], None
    kb = result.kb
    for suffix, gas_en, gas_zh in GASES:
        gas = gas_en if lang == "en" else gas_zh
        versions = kb.by_id.get(f"gwp.{gwp}.{suffix}") if kb is not None else None
        if versions:
            values.append((gas, f"{versions[-1].value:g}"))
            src = kb.sources.get(versions[-1].source)
            source = source or (f"{_title(src, lang)} ({src.issuer}, {src.year})" if src else versions[-1].source)
    period = study.period or (w["period_default"].format(y=result.data_year) if result.data_year else "")
    sources = sorted({f"{_title(s, lang)} ({s.year})" for p in result.products if p.trace is not None
                      for s in p.trace.sources.values()} | _plan_sources(result, lang))
    missing = tuple(en if lang == "en" else zh for key, en, zh in REQUIRED if not getattr(study, key))
    return StudyView(w, cover, goal, tuple(boundary), w["gases"].format(set=method.setting("gwp") or "?"),
                     tuple(values), source, period, study.electricity, study.data_treatment, tuple(sources),
                     study.assumptions, study.limitations, study.interpretation, study.improvements, missing)


def _title(src, lang: str) -> str:
    return (src.title_en or src.title) if lang == "en" else src.title


def _plan_sources(result: Result, lang: str) -> set[str]:
    kb = result.kb
    out = set()
    for kn in result.plan.kb_nodes.values():
        if kn.entry.id.startswith("gwp."):
            continue   # characterisation factors are named apart
        src = kb.sources.get(kn.entry.source) if kb is not None else None
        if src is not None:
            out.add(f"{_title(src, lang)} ({src.year})")
    return out
