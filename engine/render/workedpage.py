"""The documentation's page of worked cases (examples/worked-*): each case's summary and hand
arithmetic (from its case.toml), its method as written, and its figures computed at build
time, under the case as it is and under each scenario."""
from __future__ import annotations

from pathlib import Path

from ..api import Workspace
from ..core.paths import ROOT
from .escape import markdown_code, markdown_text
from .locale import EN, Locale
from .text import fmt_share, fmt_value


def _cell(s) -> str:
    """User text in a table cell or a line: no raw HTML, no row-breaking `|` or newline."""
    return markdown_text(str(s))


def _block(text: str) -> list[str]:
    """An indented code block: Markdown shows it as written, escaped, whatever it holds."""
    return ["    " + line if line.strip() else "" for line in text.rstrip("\n").split("\n")]


def worked_cases_page(ws: Workspace, examples: Path = ROOT / "examples", t: Locale = EN) -> str:
    out = [f"# {t('Worked cases')}", "",
           t("Product categories and questions the seeds do not cover, each a case folder under `examples/` with its "
           "own method extending the ISO 14067 base. The values are each case's own, illustrative figures "
           "stated in its inventory and method, not knowledge-base entries. The figures below are computed "
           "when the site is built; `tests/test_worked_cases.py` checks them against the hand arithmetic "
           "quoted with each case."), ""]
    for case_dir in sorted(examples.glob("worked-*")):
        r = ws.run_case(case_dir)
        case = r.case
        out += [f"## {_cell(case.title or case_dir.name)}", "",
                f"{markdown_code('examples/' + case_dir.name)} · {t('method')} {markdown_code(r.method.id)} "
                f"({_cell(t.boundary(r.method.boundary_text))}) · " + t("try {commands} on it", commands="`pcf run`, `pcf explain`, "
                "`pcf report`, `pcf uncertainty`, `pcf sensitivity`, `pcf compare --scenarios`"), ""]
        for key in ("summary", "arithmetic"):
            if case.source.get(key):
                out += [markdown_text(case.source[key]) if key == "summary" else "", ""]
                if key == "arithmetic":
                    out[-2:] = [t("Hand arithmetic:"), "", *_block(case.source[key]), ""]
        names = [None] + list(ws.scenario_names(case_dir))
        results = [r] + [ws.run_case(case_dir, scenario=s) for s in names[1:]]
        for i, p in enumerate(r.products):
            fu = _cell(p.functional_unit or t("functional unit"))
            head = [t("stage"), t("as given")] + [_cell(s) for s in names[1:]]
            out += [f"**{_cell(p.name or p.id)}**, " + t("kgCO2e per {fu}", fu=fu), "",
                    "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
            for sid, v in p.stages.items():
                row = [f"{_cell(r.stage_labels.get(sid) or sid)}", f"{fmt_value(v)} ({fmt_share(p.shares[sid])})"]
                row += [fmt_value(x.products[i].stages[sid]) for x in results[1:]]
                out.append("| " + " | ".join(row) + " |")
            out.append(f"| **{t('total')}** | " + " | ".join(f"**{fmt_value(x.products[i].total)}**" for x in results) + " |")
            out.append("")
        for x in results[1:]:
            sc = x.scenario.to_dict()
            sets = ", ".join(f"{k} = {v}" for k, v in sc["sets"].items())
            out += [f"- {t('scenario')} {markdown_code(sc['name'])} {_cell(sc['label'] or '')}: {markdown_code(sets)}"]
        if results[1:]:
            out.append("")
        method_file = case.method_path
        out += [t("The method, {file}:", file=f"`{method_file.name}`"), "",
                *_block(method_file.read_text(encoding='utf-8')), ""]
        for base in _local_bases(method_file):
            out += [t("The product model it extends, {file}:", file=f"`{base.name}`"), "",
                    *_block(base.read_text(encoding='utf-8')), ""]
    return "\n".join(out)


def _local_bases(method_file: Path) -> list[Path]:
    """The method files beside `method_file` that it extends (a product model), in order."""
    from ..language.library import local_method_ids
    from ..api import read_method
    beside = local_method_ids(method_file.parent)
    return [beside[b] for b in read_method(method_file).parents if b in beside]
