"""A report for a client (issue 22): the study chapters from case.toml [study], the method and the
knowledge base; the completeness section; Word (python-docx) and PDF (headless Chromium) outputs.

Seed 003 is the case; its [study] table is written by the tests from the seed report's cover where
the report states it, and marked as a test value where it does not."""
from __future__ import annotations

import io
import os
import shutil
import stat
from pathlib import Path

import pytest

from pcf.cli import main
from pcf.core.errors import PcfError
from pcf.render.report import render_report

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "seed-003-metering-box"
ARTIFACTS = ROOT / "test-artifacts"
STUDY = '''
[study]
report_number = "T410267-4 (test value)"
client = "杭州聚昕科技有限公司"
practitioner = "test practitioner"
verifier = "test verifier"
issue_date = 2025-03-01
company_description = "test value"
product_description = "三相多表位金属电能计量箱"
goal = "test value: the goal of the study"
intended_use = "test value: for the client's customers"
electricity = "national average electricity carbon-footprint factor (test value)"
data_treatment = "test value"
assumptions = ["test assumption <b>one</b>", "test assumption two"]
limitations = "test limitation"
interpretation = ["test value: raw materials dominate"]
improvements = ["test value: a greener electricity contract"]
'''


@pytest.fixture
def case(tmp_path) -> Path:
    c = tmp_path / "case"
    shutil.copytree(SEED, c)
    return c


def with_study(case: Path, text: str = STUDY) -> Path:
    path = case / "case.toml"
    body = path.read_text(encoding="utf-8")
    head, sep, rest = body.partition("\n[")
    path.write_text(head + "\n" + text + sep + rest, encoding="utf-8")
    return case


def test_the_study_chapters_come_from_the_method_and_the_kb(ws, case):
    html = render_report(ws.run_case(case), "html", "en")
    # the boundary table: every stage, included with its lines or excluded with its reason
    assert "<tr><td>use</td><td>no</td><td>产品使用阶段不直接消耗能源，报告未核算</td></tr>" in html
    assert "<tr><td>raw material</td><td>yes</td><td>rm_power, rm_gas</td></tr>" in html
    # the GWP values in full, from the knowledge base's AR5 entries: CH4 28, N2O 265
    assert "<th>CH4</th>" in html and "<td class=\"num\">28</td>" in html and "<td class=\"num\">265</td>" in html
    assert "the data year 2025 (1 January to 31 December)" in html
    # nothing of [study]: the completeness section names every item
    assert ("Not stated in the case (case.toml [study]): report number, client, practitioner, issue date, company "
            "description, product description, goal of the study, intended use and audience, treatment of "
            "electricity, treatment of missing data, assumptions, limitations, interpretation of the results.") in html


def test_a_complete_study(ws, case):
    result = ws.run_case(with_study(case))
    html = render_report(result, "html", "zh")
    assert "<tr><th>委托方</th><td>杭州聚昕科技有限公司</td></tr>" in html
    assert "<tr><th>报告日期</th><td>2025-03-01</td></tr>" in html
    assert "pcf 检查的各项（按 pcf 对 ISO 14067:2018 第 7 章的理解）均已说明。" in html
    assert "<li>test assumption &lt;b&gt;one&lt;/b&gt;</li>" in html       # user text escaped
    md = render_report(result, "md", "en")
    assert "| Client | 杭州聚昕科技有限公司 |" in md and "## Limitations" in md and "- test limitation" in md
    assert "## Improvement suggestions" in md and "- test value: a greener electricity contract" in md
    # the hotspots: the electricity of raw material acquisition leads (32.8203 of 64.2253, 51.10 %)
    assert "| rm_power | 32.8203 | 51.10 % |" in md


def test_study_errors_are_positioned(ws, case):
    with_study(case, '[study]\nclient = 3\nissue_date = "2025-03-01"\ngoals = "x"\n')
    with pytest.raises(PcfError) as exc:
        ws.run_case(case)
    got = [(d.span.line, d.message.split(":")[0]) for d in exc.value.diagnostics]
    assert [m for _, m in got] == ["study.client", "study.issue_date", "study.goals"]
    assert "did you mean `goal`?" in exc.value.diagnostics[2].hint


def test_word_report(case, capsys, monkeypatch):
    import docx
    monkeypatch.chdir(case.parent)
    os.umask(0o022)
    assert main(["report", "case", "--format", "docx", "--lang", "zh", "-o", "report.docx"]) == 0
    mode = stat.S_IMODE(os.stat("report.docx").st_mode)
    assert mode == 0o644                      # the umask's mode, not mkstemp's 0600
    d = docx.Document("report.docx")
    heads = [(p.style.name, p.text) for p in d.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert heads[0][0] == "Title" and ("Heading 1", "目的与范围") in heads and ("Heading 2", "系统边界") in heads
    assert ("Heading 1", "产品 三相计量箱 BXS2 — 功能单位 1 台, 核算期产量 1,200") in heads
    assert [h for h in heads if h[1] in ("报告数字核查", "报告完整性", "核查发现")] == [
        ("Heading 1", "报告数字核查"), ("Heading 1", "报告完整性"), ("Heading 1", "核查发现")]
    texts = [[c.text for c in row.cells] for t in d.tables for row in t.rows]
    assert ["合计", "64.2253", "100.00%"] in texts and len(d.inline_shapes) == 1   # the stage chart
    assert main(["report", "case", "--format", "docx"]) == 2
    assert "give -o REPORT.docx" in capsys.readouterr().err


@pytest.mark.parametrize("seed,lang,total,contents", [("seed-003-metering-box", "zh", "64.2253", "目录"),
                                                       ("seed-004-distribution-units", "en", "11.0502", "Contents")])
def test_pdf_report_pages(tmp_path, monkeypatch, seed, lang, total, contents):
    from pypdf import PdfReader
    case = tmp_path / "case"
    shutil.copytree(ROOT / "examples" / seed, case)
    monkeypatch.chdir(tmp_path)
    with_study(case)
    assert main(["report", "case", "--format", "pdf", "--lang", lang, "-o", "report.pdf"]) == 0
    reader = PdfReader("report.pdf")
    pages = [p.extract_text() for p in reader.pages]
    n = len(pages)
    assert n >= 3
    assert all(f"{i} / {n}" in text for i, text in enumerate(pages, 1))    # page numbers, from @page
    assert contents in pages[0] and "杭州聚昕科技有限公司" in pages[0]
    assert total in "".join(pages)
    import pypdfium2 as pdfium
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = pdfium.PdfDocument("report.pdf")
    for i in range(min(n, 3)):   # kept for a reader to look at
        image = pdf[i].render(scale=1.2).to_pil()
        assert image.width > 600
        image.save(ARTIFACTS / f"report-{seed}-{lang}-page-{i + 1}.png")


def test_word_report_of_seed_004_in_english(tmp_path, monkeypatch):
    import docx
    monkeypatch.chdir(tmp_path)
    assert main(["report", str(ROOT / "examples" / "seed-004-distribution-units"), "--format", "docx", "--lang", "en",
                 "-o", "r.docx"]) == 0
    d = docx.Document("r.docx")
    heads = [p.text for p in d.paragraphs if p.style.name.startswith("Heading 1")]
    assert heads[:2] == ["Goal and scope", "Method and standard"] and "Audit of the printed figures" in heads
    texts = [[c.text for c in row.cells] for t in d.tables for row in t.rows]
    assert ["Total", "11.0502", "100.00 %"] in texts and len(d.inline_shapes) == 2   # a chart per product


@pytest.mark.parametrize("seed", ["seed-003-metering-box", "seed-004-distribution-units"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_content_model_golden(ws, golden, seed, lang):
    """What every renderer (HTML, Markdown, Word, PDF) reads: the study chapters, pinned."""
    import dataclasses
    import json
    from pcf.render.reportcontent import study_view
    view = dataclasses.asdict(study_view(ws.run_case(ROOT / "examples" / seed), lang))
    view.pop("words")
    golden(f"report/content-{seed}-{lang}.json", json.dumps(view, ensure_ascii=False, indent=2) + "\n")


def test_sensitivity_in_the_report(case, capsys, monkeypatch):
    monkeypatch.chdir(case.parent)
    assert main(["report", "case", "--format", "md", "--lang", "en", "--sensitivity"]) == 0
    md = capsys.readouterr().out
    # the grid factor: 72.3837 kWh x 0.5777 kgCO2e/kWh = 41.8161 of the 64.2253 total; +/-10 % moves the
    # total by 4.1816 (60.0437 .. 68.4069), an elasticity of 41.8161 / 64.2253 = 0.651
    assert "| `kb:cn.electricity.cfp.national` | 60.0437 | 68.4069 | 0.651 |" in md
    assert "Total at -10 %" in md and "![Sensitivity (one parameter at a time)](data:image/svg+xml;base64," in md
    assert main(["report", "case", "--sensitivity", "150"]) == 2
