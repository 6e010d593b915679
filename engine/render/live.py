"""A method page's live part: a worked case of the method, its inputs a reader can change, the
value of every formula, the total recomputed in the page, and the explanation tree of the total.

The page does not run Python. The plan's postfix code (plan/code.py: what `run` executes) is
written into the page as JSON data, and `docs/assets/live.js`, a 150-line interpreter of that
code, evaluates it in the reader's browser: + - * / and the comparisons, `if`, min, max, round,
abs, not, row sums over tables, in the plan's order, on values in base units, with stage totals
added in the method's order as `evaluation/totals.py` adds them. So a changed input gives the
figure `pcf run` gives for the same inventory (the tests compare them to 1e-9 relative). The
alternative, Pyodide, would weigh about 10 MB per site and need the engine's dependencies in
the browser; the interpreter and a method's data weigh a few kilobytes.

Everything from the method, the case and the knowledge base enters the page escaped: names and
labels as HTML text, the data as ASCII JSON in an attribute of a hidden element, HTML-escaped
(the generated pages hold no <script> element at all).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

from ..analysis.explain import Node, explain
from ..core.keys import INPUT, Key
from ..core.units import format_dim
from ..evaluation.result import Result
from .escape import html_text
from .locale import EN, Locale
from .text import fmt_value

ENERGY = 3.6e6     # joules in a kWh: a factor per joule is shown per kWh


def _h(s) -> str:
    """User text as HTML text inside a Markdown HTML block: escaped, control characters shown,
    and on one line (a blank line would end the block and hand the rest to Markdown)."""
    return str(html_text("" if s is None else s)).replace("\r", " ").replace("\n", " ")


def show_unit(dim) -> tuple[str, float]:
    """(unit text, scale from base) for showing a value of dimension `dim`: base units, except
    that energy is shown in kWh (a factor of 1.6e-7 kgCO2e/J reads as 0.5777 kgCO2e/kWh)."""
    text = format_dim(dim)
    if text.endswith("/J"):
        return text[:-2] + "/kWh", ENERGY
    if text == "J":
        return "kWh", 1 / ENERGY
    return text, 1.0


def live_data(result: Result) -> dict:
    """What live.js needs for the first product of `result`: the code, the values, the inputs a
    reader may change (in their declared units), and how each formula's value is shown."""
    plan = result.plan
    p = result.products[0]
    values = {}
    for key, v in p.values.items():
        if key in plan.code:
            continue
        values[str(key)] = _plain(v)
    editable = []
    units = plan.units
    for d in plan.method.inputs:
        key = Key(INPUT, d.name)
        v = p.values.get(key)
        if d.is_text or not isinstance(v, float):
            continue
        scale = units.parse(d.unit).scale
        editable.append({"key": str(key), "name": d.name, "label": d.label or "", "unit": d.unit,
                         "scale": scale, "value": v / scale})
    show = {}
    for key in plan.order:
        if key.kind in ("let", "emission") and key in plan.dims:
            unit, scale = show_unit(plan.dims[key])
            if key.kind == "emission":
                unit, scale = f"kgCO2e/{p.functional_unit or 'functional unit'}", 1.0
            show[str(key)] = {"unit": unit, "scale": scale}
    from ..evaluation.totals import counts
    emissions = [{"key": str(Key.emission(e.name)), "stage": e.stage, "counts": counts(e, plan.stage_ids)}
                 for e in plan.method.emissions]
    return {"order": [str(k) for k in plan.order], "code": {str(k): _code(c) for k, c in plan.code.items()},
            "values": values, "divisor": p.divisor, "stages": list(plan.stage_ids), "emissions": emissions,
            "editable": editable, "show": show, "total": p.total}


def _code(code: tuple) -> list:
    out = []
    for ins in code:
        if ins[0] == "sum":
            out.append(["sum", str(ins[1]), _code(ins[2])])
        elif ins[0] == "const":
            out.append(["const", _number(ins[1])])
        elif ins[0] in ("load", "field"):
            out.append([ins[0], str(ins[1])])
        else:
            out.append([ins[0]])
    return out


def _number(v: float):
    return v if math.isfinite(v) else repr(v)     # JSON has no NaN: "nan", read back by live.js


def _plain(v):
    if isinstance(v, dict):   # a table: column -> its rows
        return {str(k): [_number(float(x)) for x in col] for k, col in v.items()}
    try:
        return _number(float(v))
    except (TypeError, ValueError):
        return None


def json_for_html(data: dict) -> str:
    """The data as an HTML attribute value: ASCII JSON (every other character a \\u escape), with
    `&`, `<`, `>` and quotes escaped for the attribute; the browser's getAttribute gives the JSON
    back. An attribute, not a <script> element: the generated pages hold no script at all."""
    import html
    return html.escape(json.dumps(data, ensure_ascii=True, separators=(",", ":")), quote=True)


LIVE_ANCHOR = "live-a-worked-case"   # the English heading's anchor, kept by every language's page


def live_section(result: Result, data: dict, case_dir: Path, root: Path, t: Locale = EN) -> str:
    """The page section (Markdown with HTML blocks) before the formulas: the case, its inputs as
    fields, the stage totals and the total, live (`data`: live_data of `result`)."""
    p = result.products[0]
    fu = _h(p.functional_unit or t("functional unit"))
    try:
        where = case_dir.resolve().relative_to(root).as_posix()
    except ValueError:
        where = case_dir.name
    rows = "".join(
        f'<tr><td><code>{_h(e["name"])}</code></td><td>{_h(e["label"])}</td>'
        f'<td><input class="pcf-live-input" type="number" step="any" data-key="{_h(e["key"])}" '
        f'value="{e["value"]!r}" aria-label="{_h(e["name"])}"></td><td>{_h(e["unit"])}</td></tr>'
        for e in data["editable"])
    stages = "".join(
        f'<tr><td>{_h(result.stage_labels.get(s) or s)} <code>{_h(s)}</code></td>'
        f'<td class="num"><span class="pcf-live-stage" data-stage="{_h(s)}">{fmt_value(p.stages[s])}</span></td></tr>'
        for s in data["stages"])
    out = ([] if t.lang == "en" else [f'<a id="{LIVE_ANCHOR}"></a>', ""]) + [f"## {t('Live: a worked case')}", "",
           "<p>" + t("The case {case} ({product}), computed in this page from the method's own code: change an "
                     "input and every value below follows (the page runs no Python and asks no server). The "
                     "explanation at the end of the page is the case as given.",
                     case=f"<code>{_h(where)}</code>", product=_h(p.name or p.id)) + "</p>", "",
           '<div class="pcf-live" id="pcf-live">',
           f'<table class="pcf-live-inputs"><tr><th>{t("input")}</th><th>{t("label")}</th><th>{t("value")}</th>'
           f'<th>{t("unit")}</th></tr>' + rows + "</table>",
           f'<table class="pcf-live-totals"><tr><th>{t("stage")}</th><th>{t("kgCO2e per {fu}", fu=fu)}</th></tr>{stages}'
           f'<tr><th>{t("total")}</th><th class="num"><strong class="pcf-live-total" data-value="{p.total!r}">'
           f'{fmt_value(p.total)}</strong></th></tr></table>',
           f'<p><button type="button" class="pcf-live-reset">{t("reset to the case")}</button></p>',
           "</div>", ""]
    return "\n".join(out)


def explanation_section(result: Result, data: dict, t: Locale = EN) -> str:
    """The end of the page: the explanation tree of the worked case's total (the values each
    formula's value links to) and the data live.js reads."""
    return "\n".join([f"## {t('Explanation of the worked case')}", "",
                      '<div class="pcf-explain">' + explanation_html(explain(result)[:1]) + "</div>", "",
                      f'<div id="pcf-live-data" hidden data-pcf="{json_for_html(data)}"></div>',
                      ""])


def formula_value(result: Result, key: Key, t: Locale = EN) -> str:
    """The value of a let or emission for the live case, as an HTML element live.js updates."""
    data_key = str(key)
    plan = result.plan
    p = result.products[0]
    if key not in plan.dims or key not in p.values:
        return ""
    if key.kind == "emission":
        unit, scale = f"kgCO2e/{p.functional_unit or t('functional unit')}", 1.0
        v = p.values[key] / p.divisor
    else:
        unit, scale = show_unit(plan.dims[key])
        v = p.values[key] * scale
    if not isinstance(v, float):
        return ""
    anchor = f"explain-{key.name}"
    return (f'<p class="pcf-live-formula">= <a href="#{_h(anchor)}"><span class="pcf-live-value" '
            f'data-key="{_h(data_key)}">{fmt_value(v)}</span></a> {_h(unit)} '
            f'<span class="pcf-live-note">({t("worked case")})</span></p>')


def explanation_html(nodes: list[Node]) -> str:
    """The tree of `pcf explain` as nested, collapsible HTML (<details>), the first two levels open."""
    out: list[str] = []
    stack: list = [("node", n, 0) for n in reversed(nodes)]
    while stack:
        kind, item, depth = stack.pop()
        if kind == "close":
            out.append(item)
            continue
        node = item
        value = "" if node.value is None else f" = {_h(fmt_value(node.value))} {_h(node.unit)}"
        label = f" <em>{_h(node.label)}</em>" if node.label else ""
        name = node.name.split(".")[-1] if node.kind in ("emission", "let", "input", "table") else node.name
        ident = f' id="explain-{_h(name)}"' if node.kind in ("emission", "let") else ""
        detail = ""
        if node.formula and node.kind != "total":
            detail += f'<div class="pcf-explain-formula">= {_h(node.formula)}</div>'
        if node.origin:
            detail += f'<div class="pcf-explain-origin">{_h(node.origin)}</div>'
        head = f"<code>{_h(node.name)}</code>{label}{value} <small>[{_h(node.kind)}]</small>"
        if not node.children:
            out.append(f'<div class="pcf-explain-leaf"{ident}>{head}{detail}</div>')
            continue
        out.append(f'<details{ident}{" open" if depth < 2 else ""}><summary>{head}</summary>{detail}'
                   '<div class="pcf-explain-children">')
        stack.append(("close", "</div></details>", depth))
        stack.extend(("node", c, depth + 1) for c in reversed(node.children))
    return "".join(out)
