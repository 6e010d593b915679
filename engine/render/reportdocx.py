"""The report as a Word document (python-docx): real headings, tables and the chart as an image,
for a verification body to edit and hand to its client.

It reads the same content model as the HTML and Markdown reports (`report_data` and
`study_view`), so the three say the same things in the same order. Text is only ever set as
run text (python-docx escapes it for the XML): nothing a case contains becomes a field, a
hyperlink or a formula in Word.
"""
from __future__ import annotations

import io

from ..evaluation.result import Result
from .escape import terminal_text
from .report import STRINGS, audit_rows, chart, number, percent, report_data
from .reportcontent import study_view


def render_docx(result: Result, lang: str = "zh", simulation=None, audit=None, sensitivity=None) -> bytes:
    from docx import Document
    from docx.shared import Cm, Pt
    s, study = STRINGS[lang], study_view(result, lang)
    w = study.words
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name, style.font.size = "Microsoft YaHei", Pt(10)
    _east_asian(style, "Microsoft YaHei")
    title = (result.case.title if result.case is not None and result.case.title else None) or s["title"]
    doc.add_heading(_t(title), level=0)
    if study.cover:
        _table(doc, None, study.cover)
    doc.add_heading(w["goal_scope"], level=1)
    _table(doc, None, study.goal)
    doc.add_heading(w["boundary_table"], level=2)
    _table(doc, (w["stage"], w["included"], w["content"]),
           [(stage, w["yes"] if inc else w["no"], content) for stage, inc, content in study.boundary])
    m = result.method
    doc.add_heading(s["scope"], level=1)
    _table(doc, None, [(s["method"], f"{m.id} — {m.title or ''}"), (s["standard"], m.standard or ""),
                       (s["boundary"], s["boundaries"].get(m.boundary or "", m.boundary or "")), (s["gwp"], m.gwp or ""),
                       *([(s["data_year"], str(result.data_year))] if result.data_year else [])])
    doc.add_heading(w["ghg"], level=2)
    doc.add_paragraph(_t(study.gases) + ".")
    if study.gwp_values:
        _table(doc, tuple(g for g, _ in study.gwp_values), [tuple(v for _, v in study.gwp_values)])
        if study.gwp_source:
            doc.add_paragraph(f"{w['gwp_values']}: {_t(study.gwp_source)}")
    _table(doc, None, [(w["period"], study.period)] + ([(w["electricity"], study.electricity)] if study.electricity
                                                        else []) +
           ([(w["data_treatment"], study.data_treatment)] if study.data_treatment else []))
    if study.sources:
        doc.add_heading(w["sources"], level=2)
        for src in study.sources:
            doc.add_paragraph(_t(src), style="List Bullet")
    step = f"{sensitivity[0].step * 100:g} %" if sensitivity else ""
    for p in report_data(result, lang, simulation, sensitivity):
        head = f"{s['product']} {p.name or p.id} — {s['fu']} {p.functional_unit}"
        if p.quantity:
            head += f", {s['quantity']} {number(p.quantity, lang, 0)}"
        doc.add_heading(_t(head), level=1)
        doc.add_heading(s["inventory"], level=2)
        _table(doc, (s["emission"], s["stage"], s["activity"], s["amount"], s["factor"], s["source"],
                     f"kgCO2e / {p.functional_unit}"),
               [(r.line, r.stage, r.activity, r.amount, r.factor, r.source,
                 "" if r.emission != r.emission else number(r.emission, lang)) for r in p.rows])
        doc.add_heading(s["results"], level=2)
        rows = [(name, number(v, lang), percent(share, lang)) for name, v, share in p.stages]
        rows.append((s["total"], number(p.total, lang), percent(1.0, lang)))
        if p.yearly_total is not None:
            rows.append((s["yearly"], number(p.yearly_total, lang), ""))
        _table(doc, (s["stage"], f"kgCO2e / {p.functional_unit}", s["share"]), rows)
        if p.separately:
            doc.add_heading(s["separately"], level=2)
            _table(doc, ("", f"kgCO2e / {p.functional_unit}", s["in_total"]),
                   [(name, number(v, lang), s["yes"] if counted else s["no"]) for name, v, counted in p.separately])
        doc.add_heading(s["chart"], level=2)
        doc.add_picture(io.BytesIO(chart(p.stages, lang, png=True)), width=Cm(16))
        if p.hotspots:
            doc.add_heading(s["hotspots"], level=2)
            _table(doc, ("", f"kgCO2e / {p.functional_unit}", s["share"]),
                   [(name, number(v, lang), percent(share, lang)) for name, v, share in p.hotspots])
        if p.data_quality or p.grades:
            doc.add_heading(s["dq"], level=2)
            if p.data_quality:
                _table(doc, None, [(s["score"], number(p.data_quality["score"], lang, 2)),
                                   (s["level"], str(p.data_quality["level"]))])
            if p.grades:
                _table(doc, (s["grades"], ""), p.grades)
        if p.sensitivity:
            doc.add_heading(s["sensitivity"], level=2)
            _table(doc, (s["parameter"], s["low"].format(step=step), s["high"].format(step=step), s["elasticity"]),
                   [(name, number(lo, lang), number(hi, lang), number(el, lang, 3)) for name, lo, hi, el in p.sensitivity])
        if p.uncertainty:
            doc.add_heading(s["uncertainty"], level=2)
            _table(doc, (s["stage"], s["deterministic"], s["mean"], s["median"], s["interval"]),
                   [(n, number(d, lang), number(mn, lang), number(md, lang), f"{number(lo, lang)} – {number(hi, lang)}")
                    for n, d, mn, md, lo, hi in p.uncertainty])
    if audit is not None and audit.checks:
        doc.add_heading(s["audit"], level=1)
        _table(doc, (s["figure"], s["printed"], s["computed"], s["verdict"], s["note"]),
               [(a["figure"], a["printed"], a["computed"], a["mark"], a["note"]) for a in audit_rows(audit, lang)])
    for key, items in (("assumptions", study.assumptions), ("limitations", study.limitations),
                       ("interpretation", study.interpretation), ("improvements", study.improvements)):
        if items:
            doc.add_heading(w[key], level=1)
            for item in items:
                doc.add_paragraph(_t(item), style="List Bullet")
    doc.add_heading(w["completeness"], level=1)
    doc.add_paragraph(w["missing"].format(items=", ".join(study.missing)) if study.missing else w["complete"])
    doc.add_heading(s["findings"], level=1)
    if result.findings:
        _table(doc, (s["severity"], s["code"], s["message"]),
               [(s["severities"][f.severity], f.code, f.message) for f in result.findings])
    else:
        doc.add_paragraph(s["none"])
    doc.core_properties.title = _t(title)[:250]
    doc.core_properties.author = "pcf"
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _t(text) -> str:
    """User text as Word run text: control characters shown escaped (XML forbids most of them)."""
    return terminal_text(str(text))


def _table(doc, header, rows) -> None:
    rows = list(rows)
    ncols = len(header) if header else max((len(r) for r in rows), default=2)
    table = doc.add_table(rows=0, cols=ncols)
    table.style = "Table Grid"
    if header:
        cells = table.add_row().cells
        for cell, text in zip(cells, header):
            cell.text = ""
            cell.paragraphs[0].add_run(_t(text)).bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row):
            cell.text = _t("" if text is None else text)
    doc.add_paragraph()


def _east_asian(style, font: str) -> None:
    """Word picks CJK glyphs from the east-Asian font slot, which python-docx does not expose."""
    from docx.oxml.ns import qn
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), font)
