"""`pcf report`: the calculation chapters in Chinese and English, Markdown and one-file HTML."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import pcf
from pcf.cli import main
from pcf.render.report import render_report

ROOT = Path(__file__).resolve().parent.parent
SEED_003 = ROOT / "examples" / "seed-003-metering-box"
SEED_004 = ROOT / "examples" / "seed-004-distribution-units"


def strip_chart(text: str) -> str:
    # the chart is checked on its own; keep golden files readable
    text = re.sub(r"data:image/svg\+xml;base64,[A-Za-z0-9+/=]+", "data:image/svg+xml;base64,…", text)
    return re.sub(r"<svg.*?</svg>", "<svg>…</svg>", text, flags=re.S)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_golden_markdown_report(ws, golden, lang):
    md = render_report(ws.run_case(SEED_003), "md", lang)
    golden(f"report/seed-003.{lang}.md", strip_chart(md))


def test_html_report_is_one_file_with_tables_and_chart(ws):
    html = render_report(ws.run_case(SEED_004), "html", "en")
    assert html.count('<table class="inventory">') == 2 and html.count('<table class="stages">') == 2
    assert html.count("<svg") == 2                      # one chart per product, inline
    assert not re.search(r'(src|href)="(https?:)?//', html)   # nothing fetched: one self-contained file
    assert "11.0502" in html and "4.30" in html        # total and data-quality score of product A
    assert "真空灭弧室" in html and "561 km" in html      # supplier legs listed


def test_numbers_follow_the_locale(ws):
    r = ws.run_case(SEED_003)
    assert "81.90%" in render_report(r, "md", "zh") and "81.90 %" in render_report(r, "md", "en")
    assert "77,070.37" in render_report(r, "md", "en")     # 64.2253 x 1200 units, grouped


def test_report_written_atomically_and_never_over_an_input(tmp_path, capsys):
    case = tmp_path / "case"
    shutil.copytree(SEED_003, case)
    out = tmp_path / "report.html"
    assert main(["report", str(case), "--format", "html", "--lang", "en", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".report.html.")]   # no temp file left
    before = (case / "inventory.toml").read_bytes()
    assert main(["report", str(case), "-o", str(case / "inventory.toml")]) == 1
    assert "inventory.toml, which this run read [output]" in capsys.readouterr().err
    assert (case / "inventory.toml").read_bytes() == before


def test_an_interrupted_write_leaves_the_old_file(tmp_path, monkeypatch):
    from pcf.files import atomic
    target = tmp_path / "r.md"
    target.write_text("old", encoding="utf-8")

    def boom(*a, **k):
        raise KeyboardInterrupt
    monkeypatch.setattr(atomic.os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        atomic.write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "old" and [p.name for p in tmp_path.iterdir()] == ["r.md"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_html_report_renders_in_chromium(ws, tmp_path, lang):
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    assert Path(chromium).exists(), "install Debian's chromium (apt-get install chromium): .ci/run does"
    page = tmp_path / f"report.{lang}.html"
    page.write_text(render_report(ws.run_case(SEED_003), "html", lang), encoding="utf-8")
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--host-resolver-rules=MAP * ~NOTFOUND"]
    shot = artifacts / f"report-seed-003.{lang}.png"
    subprocess.run([chromium, *flags, "--window-size=1280,2400", f"--screenshot={shot}", page.as_uri()],
                   capture_output=True, timeout=120)
    dom = subprocess.run([chromium, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=120).stdout
    assert shot.is_file() and shot.stat().st_size > 10_000
    assert '<table class="inventory">' in dom and '<table class="stages">' in dom and "<svg" in dom
    assert ("原材料获取" if lang == "zh" else "raw material") in dom


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_with_uncertainty_has_table_and_histogram(ws, golden, lang):
    from pcf.analysis.uncertainty import simulate
    result = ws.run_case(SEED_003)
    sim = simulate(result, 4000, seed=9)
    html = render_report(result, "html", lang, sim)
    assert html.count('<table class="uncertainty">') == 1 and html.count("<svg") == 2   # stage chart + histogram
    assert ("抽样 4,000 次" if lang == "zh" else "4,000 draws, seed 9") in html
    t = sim.products[0].total
    from pcf.render.report import number
    for x in (t.mean, t.p2_5, t.p97_5):
        assert number(x, lang) in html
    md = strip_chart(render_report(result, "md", lang, sim))
    # the layout is pinned; Monte Carlo figures are checked above, not frozen across numpy versions
    head, _, tail = md.partition("### " + ("不确定性分析" if lang == "zh" else "Uncertainty"))
    golden(f"report/seed-003.uncertainty.{lang}.md", head + "### " + re.sub(r"\d[\d,]*\.\d+", "#", tail))


def test_report_cli_draws(tmp_path, capsys):
    out = tmp_path / "r.html"
    assert main(["report", str(SEED_003), "--lang", "en", "--draws", "1000", "--seed", "4", "-o", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "Uncertainty (Monte Carlo)" in html and "1,000 draws, seed 4" in html


def test_the_report_has_an_audit_chapter_with_each_verdict(tmp_path):
    """`pcf report` of a case with printed figures: a chapter with every printed figure, its
    computed interval and verdict (issue 18); a row label planted with markup is shown as text."""
    from pcf.cli import main
    case = shutil.copytree(ROOT / "examples" / "seed-004-distribution-units", tmp_path / "seed-004")
    inv = case / "inventory.toml"
    inv.write_text(inv.read_text(encoding="utf-8").replace('name = "散件"\nmass = "75 t"',
                                                           'name = "<img src=x onerror=alert(1)>"\nmass = "75 t"'),
                   encoding="utf-8")
    page = tmp_path / "report.html"
    assert main(["report", str(case), "--lang", "en", "-o", str(page)]) == 0
    html = page.read_text(encoding="utf-8")
    assert html.count('<table class="audit">') == 1
    assert html.count('<tr class="verdict-inconsistent">') == 4   # A's yearly total and three supplier legs
    assert "[slip `rows-paired-wrongly`]" in html and "[slip `stage-left-out`]" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--host-resolver-rules=MAP * ~NOTFOUND"]
    shot = artifacts / "report-seed-004-audit.en.png"
    subprocess.run([chromium, *flags, "--window-size=1280,5600", f"--screenshot={shot}", page.as_uri()],
                   capture_output=True, timeout=120)
    assert shot.is_file() and shot.stat().st_size > 10_000
    md = tmp_path / "report.md"
    assert main(["report", str(ROOT / "examples" / "seed-003-metering-box"), "--format", "md", "-o", str(md)]) == 0
    chapter = md.read_text(encoding="utf-8").split("## 报告数字核查", 1)[1].split("## 核查发现", 1)[0]
    assert "| BXS2.total | 64.2254 kgCO2e |" in chapter and "| 不一致 |" not in chapter   # seed 003 is clean
