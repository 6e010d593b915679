"""Documentation pages generated from methods/, kb/, the seed cases and the error catalogue.

Called by the mkdocs hook (`engine/render/mkdocs_hook.py`) at build time: no page here is
written by hand, so the site cannot drift from the method files and the knowledge base.
"""
from __future__ import annotations

import html
from collections import defaultdict
from pathlib import Path

from ..api import Workspace, read_method
from ..checks.auditview import MARKS, audit_case
from ..core.errors import CATALOGUE, PcfError, render
from ..core.findings import FINDINGS
from ..core.paths import ROOT
from ..files.limits import limits_page
from ..knowledge.kbmodel import Entry, KnowledgeBase
from ..language import nodes as n
from ..language.library import method_ids
from ..plan import compile_model
from ..core.keys import Key
from ..language.standards import load_registers
from .locale import EN, Locale
from .escape import markdown_code, markdown_text, url_fragment, url_path
from .graph import method_graph, to_mermaid
from .live import explanation_section, formula_value, LIVE_ANCHOR, live_data, live_section
from .slipspage import slips_page
from .standardspage import citation_links
from .tex import short_kb_names, to_tex
from .text import fmt_share, fmt_value



def rel(path: str) -> str:
    """A source path as the repository names it, whatever directory the site is built from."""
    p = Path(path)
    try:
        return p.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return p.as_posix()


def math(tex: str, display: bool = False) -> str:
    cls = "pcf-math pcf-display" if display else "pcf-math"
    tag = "div" if display else "span"
    return f'<{tag} class="{cls}">{html.escape(tex)}</{tag}>'


def cell(s) -> str:
    """User text in a Markdown table cell or line: no raw HTML, no row-breaking `|` or newline."""
    return "" if s is None else markdown_text(s)


def kb_anchor(ident: str) -> str:
    return ident.replace(".", "-")


def kb_page_of(e: Entry, kb: KnowledgeBase) -> str:
    rel = Path(e.span.path)
    try:
        rel = rel.resolve().relative_to(Path(kb.root).resolve())
    except ValueError:
        pass
    return "kb/" + str(rel.with_suffix("")).replace("/", "-") + ".md"


# --- methods ----------------------------------------------------------------------------

def method_page(ws: Workspace, method: n.Method, live: tuple | None = None, registers=None, t: Locale = EN) -> str:
    """A method's page; with `live` = (result, case folder) of a worked case, the page computes it
    in the reader's browser (render/live.py): formula values, inputs to change, the explanation.
    `registers` (standards/*.toml, loaded once for the site) links each rule to its clause."""
    m = method
    plan = compile_model(m, ws.kb, ws.units)
    out = [f"# {cell(m.title or m.id)}", "", f"`{m.id}` · {t('source')} {markdown_code(rel(m.path))}", ""]
    rows = [(t("standard"), m.setting("standard")), (t("boundary"), t.boundary((m.setting("boundary") or "").replace("_", "-"))),
            (t("GWP set"), m.setting("gwp")), (t("functional unit"), m.setting("functional_unit")),
            (t("factor year"), m.setting("factor_year") or t("exact (the case's data year)")),
            (t("CO2 counted as CO2e"), m.setting("non_co2_negligible") or t("no"))]
    out += ["| | |", "|---|---|"] + [f"| {k} | {cell(v)} |" for k, v in rows if v]
    if m.bases:   # links built here from escaped parts, so not passed through `cell` again
        out.append(f"| {t('extends')} | " + " → ".join(f"[{markdown_code(b)}]({url_path(b + '.md')})"
                                                     for b in m.bases) + " |")
    out += [""]
    if m.overrides:
        out += [f"## {t('Overrides')}", "", f"| {t('replaces')} | {t('from')} | {t('at')} |", "|---|---|---|"]
        out += [f"| `{o.key.name}` ({t(o.key.kind)}) | `{o.base}` | {rel(o.span.path)}:{o.span.line} |"
                for o in m.overrides] + [""]
    out += [f"## {t('Stages')}", "", f"| id | {t('label')} | |", "|---|---|---|"]
    out += [f"| `{s.id}` | {cell(s.label)} | {(t('excluded: ') + cell(s.excluded)) if s.excluded else ''} |"
            for s in m.stages]
    out += [""]
    if m.inputs or m.tables:
        out += [f"## {t('Inputs')}", "", f"| {t('name')} | {t('unit')} | {t('description')} | |", "|---|---|---|---|"]
        out += [f"| `{d.name}` | {cell(d.unit)} | {cell(d.label)} | {t('optional') if d.optional else ''} |"
                for d in m.inputs]
        for tb in m.tables:
            cols = ", ".join(f"`{c.name}` ({cell(c.unit)})" for c in tb.columns)
            out.append(f"| `{tb.name}` ({t('table')}) | {t('rows')} | {cell(tb.label)} | {t('columns:')} {cols} |")
        out += [""]
    if live is not None:
        data = live_data(live[0])      # once: the inputs' fields and the page's data
        out += [live_section(live[0], data, live[1], ROOT, t)]
    if m.lets or m.emissions:
        out += [f"## {t('Formulas')}", ""]
        for d in (*m.lets, *m.emissions):
            short = short_kb_names(x.id for x in n.walk(d.expr) if isinstance(x, n.KbRef))
            where = t("in stage {stage}", stage=f"`{d.stage}`") if isinstance(d, n.Emission) else t("intermediate value")
            tags = (" · " + t("reported separately as {tags}", tags=", ".join(d.tags))
                    if isinstance(d, n.Emission) and d.tags else "")
            out += [f"**`{d.name}`** {cell(d.label) or ''} — {where}{tags} ({rel(d.span.path)}:{d.span.line})",
                    "", math(f"{to_tex(n.Ref(d.name, d.span))} = {to_tex(d.expr, kb_names=short)}", display=True),
                    ""]
            if short:   # what each short name stands for, linked to its entry
                links = {ident: (f"[`kb.{ident}`](../{url_path(kb_page_of(ws.kb.by_id[ident][-1], ws.kb))}"
                                 f"#{kb_anchor(ident)})" if ident in ws.kb.by_id else f"`kb.{ident}`")
                         for ident in short}
                out += [t("where {names}", names=t("; ").join(
                    t("{short} is {entry}", short=markdown_code(s), entry=links[ident]) for ident, s in short.items())), ""]
            if live is not None:
                key = Key.emission(d.name) if isinstance(d, n.Emission) else Key.let(d.name)
                value = formula_value(live[0], key, t)
                out += [value, ""] if value else []
    kbs = sorted({kn.entry.id: kn for kn in plan.kb_nodes.values()}.values(), key=lambda k: k.entry.id)
    if kbs:
        out += [f"## {t('Factors used')}", "", t("Resolved for the latest period; a case uses its data year."), "",
                f"| id | {t('value')} | {t('unit')} | {t('valid')} | {t('source')} |", "|---|---|---|---|---|"]
        for kn in kbs:
            e = kn.entry
            src = ws.kb.sources.get(e.source)
            value = f"= {e.formula}" if e.formula else f"{e.value:g}"
            out.append(f"| [`{e.id}`](../{url_path(kb_page_of(e, ws.kb))}#{kb_anchor(e.id)}) | {cell(value)} "
                       f"| {cell(e.unit)} "
                       f"| {e.period} | {cell(src.title if src else e.source)} ({cell(src.issuer if src else '')}, "
                       f"{src.year if src else ''}) |")
        out += [""]
    if m.rules:
        registers = registers if registers is not None else load_registers()
        out += [f"## {t('Rules')}", "", f"| {t('rule')} | {t('status')} | {t('cites')} | {t('clause')} | {t('arguments')} |",
                "|---|---|---|---|---|"]
        for r in m.rules:
            args = "; ".join(f"{a.key}: " + ", ".join(v if isinstance(v, str) else f"{v.text} {v.unit or ''}".strip()
                                                      for v in a.values) for a in r.args)
            status = t("verified against the text") if r.status == "verified" else t("common reading")
            out.append(f"| `{r.name}` | {status} | {cell(r.citation)} | {citation_links(r.citation, registers, '../')} "
                       f"| {cell(args)} |")
        out += [""]
    if m.stages and (m.emissions or m.lets):
        out += [f"## {t('Dependency diagram')}", "", '<pre class="mermaid">'
                + html.escape(to_mermaid(method_graph(plan, "stage"))) + "</pre>", ""]
    if live is not None:
        out += [explanation_section(live[0], data, t)]
    return "\n".join(out)


HOME_CASE = "seed-002-feeder-terminal"


def home_result(ws: Workspace | None = None, examples: Path = ROOT / "examples", t: Locale = EN) -> str:
    """One worked result for the home page: seed 002 as pcf computes it, stage by stage, with a
    link to its method's page, where the same case is computed live."""
    ws = ws or Workspace.load()
    case_dir = Path(examples) / HOME_CASE
    r = ws.run_case(case_dir)
    p = r.products[0]
    fu = cell(p.functional_unit or t("functional unit"))
    out = [f"## {t('One worked result')}", "",
           t("Seed 002, {product}, under {method} ({standard}, {boundary}, GWP {gwp}), kgCO2e per {fu}, as {command} "
             "prints it:", product=cell(p.name or p.id), method=f"[`{r.method.id}`](methods/{url_path(r.method.id)}.md)",
             standard=cell(r.method.standard), boundary=cell(t.boundary(r.method.boundary_text)), gwp=cell(r.method.gwp), fu=fu,
             command=f"`pcf run examples/{HOME_CASE}`"), "",
           f"| {t('stage')} | kgCO2e | {t('share')} |", "|---|---:|---:|"]
    out += [f"| {cell(r.stage_labels.get(s) or s)} `{s}` | {fmt_value(v)} | {fmt_share(p.shares[s])} |"
            for s, v in p.stages.items()]
    out += [f"| **{t('total')}** | **{fmt_value(p.total)}** | 100 % |", "",
            t("Change its inputs on the {link}: the page recomputes the case in your browser and explains every "
              "figure down to its inventory line and its factor's source.",
              link=f"[{t('method page')}](methods/{url_path(r.method.id)}.md#{LIVE_ANCHOR})"), ""]
    return "\n".join(out)


def worked_cases_by_method(ws: Workspace, examples: Path) -> dict[str, tuple]:
    """Method id -> (result, case folder) of the first example case (in folder order) run under it."""
    out: dict[str, tuple] = {}
    for case_dir in sorted(p.parent for p in Path(examples).glob("*/case.toml")):
        try:
            r = ws.run_case(case_dir)
        except PcfError:
            continue
        if r.products and r.method.id not in out:
            out[r.method.id] = (r, case_dir)
    return out


# --- knowledge base -----------------------------------------------------------------------

REDISTRIBUTION = {True: "redistribution allowed", False: "no redistribution", None: "redistribution not stated"}


def kb_pages(kb: KnowledgeBase, t: Locale = EN) -> dict[str, str]:
    groups: dict[str, list[Entry]] = defaultdict(list)
    for e in kb.entries:
        groups[kb_page_of(e, kb)].append(e)
    pages = {}
    index = [f"# {t('Knowledge base')}", "",
             t("{entries} entries under {ids} ids, from {sources} sources. Use the search box for an id, a Chinese "
               "or English name, or a source.", entries=len(kb.entries), ids=len(kb.by_id), sources=len(kb.sources)),
             "", f"| {t('family')} | {t('entries')} |", "|---|---|"]
    for path in sorted(groups):
        entries = sorted(groups[path], key=lambda e: (e.id, e.valid_from or 0))
        title = path[3:-3]
        index.append(f"| [{cell(title)}]({url_fragment(Path(path).name)}) | {len(entries)} |")
        # Two tables, so that neither runs past the page: the values, then every other field of
        # the entries that have one (region, boundary, grades, confidence, source row, note, parts).
        out = [f"# {cell(title)}", "", f"| id | {t('name')} | {t('value')} | {t('unit')} | {t('valid')} | {t('source')} |",
               "|---|---|---|---|---|---|"]
        details = []
        for e in entries:
            value = f"= {e.formula}" if e.formula else f"{e.value:g}"
            name = " / ".join(x for x in (e.name_zh, e.name_en) if x)
            conf = (e.confidence or "") + ("" if e.default else " " + t("(not a default)"))
            where = " · ".join(x for x in (e.region, e.boundary) if x)
            parts = t("parts:") + " " + ", ".join(f"{g} {v:g} {u}" for g, v, u in e.parts) if e.parts else ""
            note = "; ".join(x for x in (e.note, parts) if x)
            out.append(f'| <span id="{kb_anchor(e.id)}"></span>`{e.id}` | {cell(name)} | {cell(value)} | {cell(e.unit)} '
                       f"| {e.period} | [{cell(e.source)}](sources.md#{url_fragment(e.source)}) |")
            details.append(f"| `{e.id}` ({e.period}) | {cell(where)} | {cell(e.quality)} | {cell(conf)} "
                           f"| {cell(e.table)} | {cell(note)} |")
        out += ["", t("Every other field of each entry:"), "",
                f"| id | {t('region · boundary')} | {t('quality')} | {t('confidence')} | {t('source row')} | {t('note')} |",
                "|---|---|---|---|---|---|", *details]
        used = sorted({e.source for e in entries})
        out += ["", t("Sources on this page and their licences:"), ""]
        out += [f"- [{cell(k)}](sources.md#{url_fragment(k)}): {cell(kb.sources[k].licence or t('licence not recorded'))}, "
                f"{t(REDISTRIBUTION[kb.sources[k].redistribution])}" for k in used if k in kb.sources]
        pages[path] = "\n".join(out) + "\n"
    index += ["", f"[{t('All sources')}](sources.md)"]
    pages["kb/index.md"] = "\n".join(index) + "\n"
    src = [f"# {t('Sources')}", "", f"| {t('key')} | {t('title')} | {t('issuer')} | {t('document')} | {t('date')} "
           f"| {t('licence')} | {t('redistribution')} |", "|---|---|---|---|---|---|---|"]
    for key in sorted(kb.sources):
        s = kb.sources[key]
        title = s.title + (f" ({s.title_en})" if s.title_en else "")
        # The anchor is the key as the links write it (percent-encoded): a browser matches the fragment as is.
        src.append(f'| <span id="{url_fragment(key)}"></span>{markdown_code(key)} | {cell(title)} | {cell(s.issuer)} | {cell(s.document)} '
                   f"| {cell(s.date or s.year)} | {cell(s.licence or t('not recorded'))} "
                   f"| {cell(t(REDISTRIBUTION[s.redistribution]))} |")
    pages["kb/sources.md"] = "\n".join(src) + "\n"
    return pages


# --- seed gallery --------------------------------------------------------------------------

def gallery(ws: Workspace, examples: Path = ROOT / "examples", t: Locale = EN) -> str:
    out = [f"# {t('Seed gallery')}", "", t("The five published reports as cases: computed figures beside the printed "
           "ones, and what the audit found (each printed figure marked ✓ consistent or ✗ inconsistent, as `pcf audit` "
           "shows it). Generated at build time by running each case."), ""]
    for case_dir in sorted(examples.glob("seed-*")):
        r = ws.run_case(case_dir)
        case = r.case
        out += [f"## {cell(case.title or case_dir.name)}", "",
                f"{markdown_code(case_dir.name)} · {t('method')} [`{r.method.id}`](methods/{r.method.id}.md) · "
                f"{t('data year')} {r.data_year}", ""]
        printed = defaultdict(dict)
        for c in audit_case(ws, case_dir).checks:   # each printed figure with the audit's verdict and slip
            printed[c.figure.product][c.figure.path] = (f"{c.figure.text} {c.figure.unit}", t(MARKS[c.verdict]), c.note)

        def row(figure: str, computed: str, key: str, pid: str) -> str:
            text, mark, slip = printed[pid].get(key, ("", "", ""))
            return f"| {figure} | {computed} | {cell(text)} | {cell(mark)} | {cell(slip)} |"
        for p in r.products:
            out += [f"**{cell(p.name or p.id)}** — " + t("per {fu}", fu=cell(p.functional_unit or t('unit'))), "",
                    f"| {t('figure')} | {t('computed')} | {t('printed')} | {t('verdict')} | {t('slip named by the audit')} |",
                    "|---|---|---|---|---|"]
            out.append(row(t("total"), f"{fmt_value(p.total)} kgCO2e", "total", p.id))
            for s, v in p.stages.items():
                out.append(row(cell(r.stage_labels.get(s) or s), f"{fmt_value(v)} kgCO2e ({fmt_share(p.shares[s])})",
                               "stages." + s, p.id))
            if p.yearly_total is not None:
                out.append(row(t("yearly total"), f"{fmt_value(p.yearly_total)} kgCO2e", "yearly_total", p.id))
            out += [""]
        if r.findings:
            out += [t("Findings of the run:"), "", f"| {t('severity')} | {t('code')} | {t('where')} | {t('message')} |",
                    "|---|---|---|---|"]
            out += [f"| {t(f.severity)} | `{f.code}` | {cell(f.where)} | {cell(f.message)} |" for f in r.findings]
            out += [""]
    return "\n".join(out)


# --- error catalogue -------------------------------------------------------------------------

SKELETON = 'method demo.m "demo" {{\n  standard "ISO 14067:2018"\n  boundary cradle_to_gate\n  gwp AR5\n' \
           '  stage production "生产"\n{body}\n}}\n'
EXAMPLES = {
    "syntax": ("  emission production += electricity", "`emission NAME \"label\" in STAGE = formula`"),
    "unknown-name": ("  input electricity : kWh\n  emission e in production = electricty * kb.cn.electricity.cfp.national",
                     "correct the name (the hint suggests the closest)"),
    "unknown-stage": ("  input electricity : kWh\n  emission e in prodution = electricity * kb.cn.electricity.cfp.national",
                      "declare the stage or correct its id"),
    "duplicate": ("  input x : kWh\n  input x : kg\n  emission e in production = x * kb.cn.electricity.cfp.national",
                  "one name, one definition"),
    "cycle": ("  let a = b\n  let b = a\n  emission e in production = a", "break the circle"),
    "unit-unknown": ("  input electricity : kwh\n  emission e in production = electricity * kb.cn.electricity.cfp.national",
                     "write a unit of the vocabulary (units are case-sensitive)"),
    "unit-mismatch": ("  input electricity : kWh\n  input steel : kg\n  let x = electricity + steel\n"
                      "  emission e in production = x * 1 kgCO2e/kWh", "add quantities of one dimension only"),
    "basis-conversion": ('  input d : kg\n  emission e in production = d * kb.cn.fuel.gl2015.diesel.ef * 44/12',
                         "apply 44/12 to a carbon quantity only"),
    "not-co2e": ("  input electricity : kWh\n  emission e in production = electricity",
                 "multiply the activity by a factor in kgCO2e per unit"),
    "kb-unknown": ("  input electricity : kWh\n  emission e in production = electricity * kb.cn.electricity.cfp.nationl",
                   "use an id of the knowledge base (`pcf kb search`)"),
    "kb-year": ("  input electricity : kWh\n  emission e in production = electricity * kb.cn.electricity.cfp.national[2030]",
                "pin a year the entry has, or allow `factor_year latest_earlier`"),
    "kb-not-default": ("  input t_ : t\n  emission e in production = t_ * kb.cn.fuel.gl2015.kerosene.ef",
                       "check the source, then pin the year to use it deliberately"),
    "bad-setting": None, "missing-setting": None,
}


def error_catalogue(ws: Workspace, t: Locale = EN) -> str:
    out = [f"# {t('Error catalogue')}", "", t("Every error pcf reports has a stable code. Generated from "
           "`engine/core/errors.py`; the examples are compiled at build time, so their messages are the real ones."), ""]
    for code, meaning in sorted(CATALOGUE.items()):
        meaning = t.meaning("errors", code, meaning)
        out += [f"## `{code}`", "", meaning[0].upper() + meaning[1:] + t("."), ""]
        ex = EXAMPLES.get(code)
        if ex:
            body, fix = ex
            text = SKELETON.format(body=body)
            try:
                ws.compile(ws.resolve(__import__("pcf.language.build", fromlist=["build_method"])
                                                      .build_method(text, "example.pcf")), 2024)
                message = "(no error)"
            except PcfError as exc:
                message = render([d for d in exc.diagnostics if d.code == code] or exc.diagnostics, with_source=False)
            out += ["```", text.rstrip(), "```", "", "```", message, "```", "", t("Fix: {fix}.", fix=t(fix)), ""]
    return "\n".join(out)


def findings_catalogue(t: Locale = EN) -> str:
    out = [f"# {t('Findings catalogue')}", "", t("Findings do not stop a run: they stand next to the figures in every "
           "output (`pcf run`, the JSON result, reports). Each has a stable code and one severity. Generated from "
           "`engine/core/findings.py`."), "", f"| {t('code')} | {t('severity')} | {t('meaning')} |", "|---|---|---|"]
    for code, (severity, meaning) in sorted(FINDINGS.items()):
        meaning = t.meaning("findings", code, meaning)
        out.append(f"| `{code}` | {t(severity)} | {meaning[0].upper() + meaning[1:]}{t('.')} |")
    return "\n".join(out) + "\n"


def all_pages(ws: Workspace | None = None, examples: Path = ROOT / "examples", t: Locale = EN) -> dict[str, str]:
    """Every generated page, in the language of `t`."""
    ws = ws or Workspace.load()
    pages = {}
    methods_index = [f"# {t('Methods')}", "", f"| id | {t('standard')} | {t('boundary')} | GWP | {t('extends')} |",
                     "|---|---|---|---|---|"]
    worked = worked_cases_by_method(ws, examples)
    registers = load_registers()
    for ident, path in sorted(method_ids(ws.methods_dir).items()):
        m = ws.resolve(read_method(path))
        pages[f"methods/{ident}.md"] = method_page(ws, m, worked.get(ident), registers, t)
        methods_index.append(f"| [`{ident}`]({ident}.md) | {cell(m.setting('standard'))} | "
                             f"{cell(t.boundary((m.setting('boundary') or '').replace('_', '-')))} | {cell(m.setting('gwp'))} | "
                             f"{cell(m.extends or '')} |")
    pages["methods/index.md"] = "\n".join(methods_index) + "\n"
    pages.update(kb_pages(ws.kb, t))
    pages["gallery.md"] = gallery(ws, examples, t)
    from .workedpage import worked_cases_page
    pages["worked.md"] = worked_cases_page(ws, examples, t)
    pages["errors.md"] = error_catalogue(ws, t)
    pages["findings.md"] = findings_catalogue(t)
    pages["slips.md"] = slips_page(t)
    from .standardspage import standards_page
    pages["standards.md"] = standards_page(sorted(ws.methods_dir.rglob("*.pcf")), ROOT, t)
    pages["limits.md"] = limits_page(t)
    from .notebookpage import notebook_page
    pages["notebook.md"] = notebook_page(ROOT / "docs" / "notebook.ipynb", t)
    return pages
