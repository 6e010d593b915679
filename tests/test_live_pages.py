"""Live method pages (issue 24): a method page computes its worked case in the reader's browser
(engine/render/live.py writes the plan's code, docs/assets/live.js interprets it). In headless
Chromium, offline: changing an input gives the total `pcf run` gives for the changed inventory
(to 1e-9 relative), the explanation tree reaches knowledge-base entries, and no display formula
is wider than its box at 1 280 px. A screenshot of the page is kept in test-artifacts/."""
from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest

import pcf
from pcf.render.live import explanation_html, json_for_html, live_data
from test_browser import ARTIFACTS, build_site, chromium_path, run_chromium, serve

ROOT = Path(__file__).resolve().parents[1]
PAGE = "methods/gbt24067.electrical.html"
CASE = ROOT / "examples" / "seed-002-feeder-terminal"    # the first example case run under it


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    chromium_path()
    return build_site(ROOT / "mkdocs.yml", tmp_path_factory.mktemp("live") / "site")


def dom_of(site: Path, page: str, fragment: str = "", size: str = "1280,2400") -> str:
    with serve(site) as (origin, _served):
        return run_chromium(f"{origin}/{page}{fragment}", f"--window-size={size}", "--dump-dom")


def total_in(dom: str) -> float:
    m = re.search(r'class="pcf-live-total" data-value="([^"]+)"', dom)
    assert m, "no live total in the page"
    return float(m.group(1))


def test_the_page_computes_the_case_as_pcf_does(site):
    dom = dom_of(site, PAGE)
    assert re.search(r'<html\b[^>]*\bdata-pcf-live="done"', dom), "live.js did not finish"
    expected = pcf.Workspace.load().run_case(CASE).products[0].total
    assert total_in(dom) == pytest.approx(expected, rel=1e-12)


def test_changing_an_input_recomputes_the_total_to_pcfs_value(site, tmp_path):
    dom = dom_of(site, PAGE, SET_TWO)
    assert re.search(r'<html\b[^>]*\bdata-pcf-live="done"', dom)
    assert total_in(dom) == pytest.approx(total_after_setting_two(tmp_path), rel=1e-9)


SET_TWO = "#pcf-set=production_electricity=1000,eol_electricity=12.5"


def total_after_setting_two(tmp_path: Path) -> float:
    """What `pcf run` gives for the worked case with the two inputs SET_TWO changes, changed in its
    inventory (and a check that the change changes the total)."""
    case = shutil.copytree(CASE, tmp_path / "case")
    inv = case / "inventory.toml"
    text = inv.read_text(encoding="utf-8")
    text = text.replace('production_electricity = "0.2553 kWh"', 'production_electricity = "1000 kWh"', 1)
    text = text.replace('eol_electricity = "0.7500 kWh"', 'eol_electricity = "12.5 kWh"', 1)
    inv.write_text(text, encoding="utf-8")
    expected = pcf.Workspace.load().run_case(case).products[0].total
    assert expected != pytest.approx(pcf.Workspace.load().run_case(CASE).products[0].total)   # it did change
    return expected


def test_the_explanation_tree_reaches_knowledge_base_entries(site):
    dom = dom_of(site, PAGE)
    tree = dom[dom.index('class="pcf-explain"'):]
    assert "<details" in tree and "cn.electricity.cfp.national" in tree and "[kb]" in tree
    # each formula's value links to its node of the tree
    assert re.search(r'<a href="#explain-electricity_ef"><span class="pcf-live-value"', dom)
    assert 'id="explain-electricity_ef"' in tree


def test_no_display_formula_is_wider_than_its_box(site):
    dom = dom_of(site, PAGE)
    assert re.search(r'<html\b[^>]*\bdata-pcf-render="done"', dom)
    formulas = re.findall(r'<div class="pcf-math pcf-display"[^>]*>', dom)
    assert formulas and all('data-pcf-math="done"' in f for f in formulas)
    assert not [f for f in formulas if "data-pcf-overflow" in f], "a formula overflows its box at 1280 px"
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "browser-live-method-page.png"
    with serve(site) as (origin, _served):
        run_chromium(f"{origin}/{PAGE}#pcf-set=production_electricity=1000", "--window-size=1280,3200",
                     f"--screenshot={shot}")
    assert shot.stat().st_size > 10_000


def test_the_page_data_is_an_escaped_attribute(ws):
    r = ws.run_case(CASE)
    data = live_data(r)
    data["editable"][0]["label"] = '"></div><script>alert(1)</script>&amp; 电'
    text = json_for_html(data)
    assert not set(text) & set('<>"') and all(ord(c) < 128 for c in text)
    import json
    assert json.loads(html.unescape(text))["editable"][0]["label"] == data["editable"][0]["label"]
    from pcf.analysis.explain import Node
    hostile = Node("<img src=x onerror=alert(1)>", "let", 1.0, "kg", "<b>label</b>", "a < b", "f.pcf:1",
                   (Node("k", "kb", 2.0, "kg"),))
    out = explanation_html([hostile])
    assert "<img" not in out and "<b>label" not in out and html.escape("<img src=x onerror=alert(1)>") in out


def test_the_home_page_shows_one_worked_result(site):
    page = (site / "index.html").read_text(encoding="utf-8")
    r = pcf.Workspace.load().run_case(CASE)
    from pcf.render.text import fmt_value
    assert "One worked result" in page and f"<strong>{fmt_value(r.products[0].total)}</strong>" in page
    assert 'href="methods/gbt24067.electrical.html#live-a-worked-case"' in page


def test_formulas_read_with_short_names_and_say_what_each_is(ws):
    from pcf.render.docs import method_page
    from pcf.render.tex import short_kb_names
    page = method_page(ws, ws.method("gbt24067.electrical"))
    formula = next(line for line in page.split("\n") if line.startswith('<div class="pcf-math pcf-display">\\mathrm{diesel\\_ef}'))
    assert "kb." not in formula and r"\mathrm{diesel.ncv} \times" in formula
    assert "`diesel.ncv` is [`kb.cn.fuel.gl2015.diesel.ncv`](../kb/" in page
    # two ids that would read the same get as many parts as tell them apart
    assert short_kb_names(["a.x.ef", "b.x.ef", "c.y.ncv"]) == {"a.x.ef": "a.x.ef", "b.x.ef": "b.x.ef", "c.y.ncv": "y.ncv"}


def test_the_gallery_page_in_the_browser(site):
    """The seed gallery as a reader sees it (screenshot kept): the verdict and slip columns render."""
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "browser-gallery.png"
    with serve(site) as (origin, _served):
        dom = run_chromium(f"{origin}/gallery.html", "--window-size=1280,2400", "--dump-dom")
        run_chromium(f"{origin}/gallery.html", "--window-size=1280,4000", f"--screenshot={shot}")
    assert "slip named by the audit" in dom and "stage-left-out" in dom and "✗ inconsistent" in dom
    assert shot.stat().st_size > 10_000
