"""The clause registers (standards/*.toml) and every citation of the method library against them."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from pcf.language.build import build_method
from pcf.language import nodes as n
from pcf.language.standards import cited_clauses, load_registers

ROOT = Path(__file__).resolve().parents[1]
METHOD_FILES = sorted([*(ROOT / "methods").rglob("*.pcf"), *(ROOT / "examples").rglob("*.pcf")])
# Standards cited without a register, and why (a register needs evidence for its clause numbers).
UNREGISTERED = {"ISO 14044:2006": "cited for its allocation procedure (4.3.4.2); its text was not available"}


def citations():
    for path in METHOD_FILES:
        m = build_method(path.read_text(encoding="utf-8"), str(path))
        for d in m.decls:
            text = getattr(d, "citation", None)
            if isinstance(d, (n.Rule, n.Check)) and text:
                yield path.relative_to(ROOT).as_posix(), d.name, text


@pytest.fixture(scope="module")
def registers():
    return load_registers()


def test_the_registers_load(registers):
    assert {"PAS 2050:2011", "ISO 14067:2018", "GB/T 24067-2024", "PACT Methodology 3.0"} <= set(registers)
    for r in registers.values():
        assert r.clauses and r.evidence and r.confidence
        numbered = [c.number for c in r.clauses if c.number != "—"]
        assert len(numbered) == len(set(numbered)), r.standard
    assert registers["PAS 2050:2011"].clause("5.3").title == "Global warming potential (GWP)"
    assert registers["PAS 2050:2011"].clause("5.8").title == "Offsetting"


@pytest.mark.parametrize("where,name,text", list(citations()), ids=lambda x: x if isinstance(x, str) else "")
def test_every_citation_names_registered_clauses(registers, where, name, text):
    std, clauses = cited_clauses(text, registers)
    if std is None:
        cited = re.match(r"^(ISO \d+:\d{4}|PAS \d+:\d{4}|GB/T \d+-\d{4})", text)
        assert cited is None or cited.group(1) in UNREGISTERED, f"{where} {name}: {text!r} cites an unregistered standard"
        return
    missing = [c for c in clauses if registers[std].clause(c) is None]
    assert not missing, f"{where}: `{name}` cites {std} {', '.join(missing)}, not in standards/"


def test_the_corrected_citations(registers):
    texts = {(w, nm): t for w, nm, t in citations()}
    assert texts[("methods/pas2050/base.pcf", "gwp_set")].startswith("PAS 2050:2011 5.3")
    assert texts[("methods/pas2050/electrical.pcf", "report_separately")] == "PAS 2050:2011 5.8"
    assert "6.4.9.4" not in texts[("methods/iso14067/base.pcf", "gwp_set")]
    # the parser of citations: a note and a parenthesis are not clauses
    assert cited_clauses("ISO 14067:2018 3.1.1.1 Note 1, Table 1 and 7.2 (numbering not verified)", registers) == (
        "ISO 14067:2018", ["3.1.1.1", "Table 1", "7.2"])


def test_each_rule_on_a_method_page_links_to_its_clause(ws):
    import re as _re
    from pcf.render.docs import method_page
    from pcf.render.standardspage import standards_page
    page = method_page(ws, ws.method("pas2050.electrical"))
    anchors = _re.findall(r"\]\(\.\./standards\.md#([a-z0-9-]+)\)", page)
    assert "clause-pas-2050-2011-5-3" in anchors and "clause-pas-2050-2011-5-8" in anchors
    standards = standards_page(METHOD_FILES, ROOT)
    for a in anchors:
        assert f'<a id="{a}"></a>' in standards, a


def test_a_clause_row_names_the_factors_its_rules_act_on(tmp_path):
    from pcf.render.standardspage import standards_page
    m = tmp_path / "m.pcf"
    m.write_text('method x.y {\n  rule avoid_factors reading "PAS 2050:2011 7.9" {\n'
                 '    ids: cn.electricity.co2\n    use: cn.electricity.cfp\n  }\n}\n', encoding="utf-8")
    page = standards_page([m], tmp_path)
    row = next(line for line in page.split("\n") if "clause-pas-2050-2011-7-9" in line)
    assert "rule `avoid_factors` (x.y) on factors kb.cn.electricity.co2, kb.cn.electricity.cfp" in row.replace("\\", "")


def test_the_standards_page_tabulates_each_base():
    from pcf.render.standardspage import standards_page
    page = standards_page(METHOD_FILES, ROOT)
    rows = {line.split(" | ")[0].strip("| `"): line for line in page.splitlines() if line.startswith("| `") and ".base`" in line}
    assert set(rows) >= {"iso14067.base", "gbt24067.base", "pas2050.base", "ghgp.base", "pact.base", "eubattery.base"}
    assert "| cradle-to-gate | AR6 | biogenic, dluc, aircraft |" in rows["pact.base"]
    assert rows["pas2050.base"].endswith("| nothing |")
    assert "| biogenic, dluc, aircraft |" in rows["gbt24067.base"]   # inherited from iso14067.base
