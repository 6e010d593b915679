"""A result in a notebook: `Result._repr_html_` (per product: stages with units, shares, total;
the findings) and pandas frames (`to_frame`, `lines_frame`; pandas is imported only when asked).

Every text a case supplies (product names, labels, messages) is escaped: a notebook renders
this HTML as trusted output."""
from __future__ import annotations

from .escape import html_text
from .text import fmt_share, fmt_value


def result_html(result) -> str:
    m = result.method
    out = [f"<div class=\"pcf-result\"><p><b>{html_text(m.id)}</b> — {html_text(m.title or '')}<br>"
           f"{html_text(m.standard or '')}, {html_text(m.boundary_text)}, GWP {html_text(m.gwp or '')}"
           + (f", data year {result.data_year}" if result.data_year else "") + "</p>"]
    for p in result.products:
        fu = p.functional_unit or "functional unit"
        out.append(f"<p><b>{html_text(p.id)}</b> {html_text(p.name or '')} · per {html_text(fu)}</p>")
        out.append(f"<table><thead><tr><th>stage</th><th></th><th>kgCO2e / {html_text(fu)}</th><th>share</th>"
                   "</tr></thead><tbody>")
        for sid, v in p.stages.items():
            out.append(f"<tr><td>{html_text(result.stage_labels.get(sid) or '')}</td><td>{html_text(sid)}</td>"
                       f"<td style=\"text-align:right\">{fmt_value(v)}</td>"
                       f"<td style=\"text-align:right\">{fmt_share(p.shares[sid])}</td></tr>")
        out.append(f"<tr><td><b>total</b></td><td></td><td style=\"text-align:right\"><b>{fmt_value(p.total)}</b></td>"
                   f"<td></td></tr></tbody></table>")
    if result.findings:
        out.append("<table><thead><tr><th>severity</th><th>code</th><th>where</th><th>message</th></tr></thead><tbody>")
        for f in result.findings:
            out.append(f"<tr><td>{html_text(f.severity)}</td><td><code>{html_text(f.code)}</code></td>"
                       f"<td>{html_text(f.where)}</td><td>{html_text(f.message)}</td></tr>")
        out.append("</tbody></table>")
    out.append("</div>")
    return "\n".join(out)


def _pandas():
    try:
        import pandas
    except ImportError:
        raise ImportError("Result.to_frame needs pandas: pip install pandas (or pcf[notebook])") from None
    return pandas


def result_frame(result):
    """One row per product and stage: product, stage, label, value [kgCO2e per FU], share, and the
    product's functional unit (the unit is in the column name)."""
    pd = _pandas()
    rows = [{"product": p.id, "stage": sid, "label": result.stage_labels.get(sid),
             "kgCO2e per functional unit": v, "share": p.shares[sid], "functional unit": p.functional_unit}
            for p in result.products for sid, v in p.stages.items()]
    return pd.DataFrame(rows, columns=["product", "stage", "label", "kgCO2e per functional unit", "share",
                                       "functional unit"])


def lines_frame(product):
    """One row per emission line of a product: line, label, stage, kgCO2e per functional unit."""
    pd = _pandas()
    return pd.DataFrame([{"line": l.name, "label": l.label, "stage": l.stage, "kgCO2e per functional unit": l.value}
                         for l in product.lines],
                        columns=["line", "label", "stage", "kgCO2e per functional unit"])
