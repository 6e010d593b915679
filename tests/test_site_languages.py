"""The site in two languages (issue 24): the English site (mkdocs.yml) and the Chinese one
(mkdocs.zh.yml, built into the English site's zh/ folder) both build strictly, hold the same
pages, and link each page to its counterpart; the Chinese method page computes its worked case
in the browser as pcf does, and nothing overflows. Screenshots of the Chinese method page and
gallery are kept in test-artifacts/ (the English ones: tests/test_live_pages.py)."""
from __future__ import annotations

import posixpath
import re
from pathlib import Path

import pytest

from test_browser import ARTIFACTS, build_site, chromium_path, run_chromium, serve
from test_live_pages import PAGE, SET_TWO, total_after_setting_two, total_in

ROOT = Path(__file__).resolve().parents[1]
LANG_LINK = re.compile(r'<a class="nav-link pcf-lang"[^>]*\bhref="([^"]+)"[^>]*>([^<]+)</a>')


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    chromium_path()
    root = build_site(ROOT / "mkdocs.yml", tmp_path_factory.mktemp("sites") / "site")
    build_site(ROOT / "mkdocs.zh.yml", root / "zh")      # after the English build, which empties its folder
    return root


def pages_of(folder: Path, skip: str | None = None) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*.html")
            if skip is None or not p.relative_to(folder).as_posix().startswith(skip)}


def test_both_sites_hold_the_same_pages_and_link_each_to_its_counterpart(site):
    en, zh = pages_of(site, skip="zh/"), pages_of(site / "zh")
    assert en == zh and "methods/gbt24067.electrical.html" in zh and "kb/sources.html" in zh
    for lang, folder, other, label in (("en", site, "zh/", "中文"), ("zh", site / "zh", "", "English")):
        for page in sorted(en - {"404.html"}):      # served at any path: it links nowhere relative
            text = (folder / page).read_text(encoding="utf-8")
            links = LANG_LINK.findall(text)
            assert len(links) == 1 and links[0][1] == label, f"{lang}/{page}: language link {links}"
            target = posixpath.normpath(posixpath.join(posixpath.dirname((folder / page).relative_to(site).as_posix()),
                                                       links[0][0]))
            assert target == other + page, f"{lang}/{page} links to {target}"
            assert (site / target).is_file()


def test_the_chinese_pages_are_in_chinese(site):
    zh = site / "zh"
    gallery = (zh / "gallery.html").read_text(encoding="utf-8")
    assert "<h1" in gallery and "种子案例展示" in gallery and "审核指出的差错" in gallery
    assert '<html lang="zh"' in gallery and "搜索" in gallery     # the theme's own words in Chinese too
    method = (zh / PAGE).read_text(encoding="utf-8")
    assert "实时：一个计算实例" in method and "使用的排放因子" in method and 'id="live-a-worked-case"' in method
    index = (zh / "index.html").read_text(encoding="utf-8")
    assert "一个计算结果" in index and f'href="{PAGE}#live-a-worked-case"' in index
    # the Chinese guides' headings keep the English anchors that pages link to
    assert 'id="amounts-in-inventories"' in (zh / "language.html").read_text(encoding="utf-8")


def test_the_chinese_method_page_computes_as_pcf_does(site, tmp_path):
    with serve(site) as (origin, _served):
        dom = run_chromium(f"{origin}/zh/{PAGE}{SET_TWO}", "--window-size=1280,2400", "--dump-dom")
    assert re.search(r'<html\b[^>]*\bdata-pcf-live="done"', dom), "live.js did not finish"
    assert total_in(dom) == pytest.approx(total_after_setting_two(tmp_path), rel=1e-9)
    tree = dom[dom.index('class="pcf-explain"'):]
    assert "<details" in tree and "cn.electricity.cfp.national" in tree
    formulas = re.findall(r'<div class="pcf-math pcf-display"[^>]*>', dom)
    assert formulas and all('data-pcf-math="done"' in f for f in formulas)
    assert not [f for f in formulas if "data-pcf-overflow" in f], "a formula overflows its box at 1280 px"


def test_screenshots_of_the_chinese_site(site):
    ARTIFACTS.mkdir(exist_ok=True)
    shots = {"browser-live-method-page-zh.png": (f"zh/{PAGE}#pcf-set=production_electricity=1000", "1280,3200"),
             "browser-gallery-zh.png": ("zh/gallery.html", "1280,4000"),
             "browser-home-zh.png": ("zh/index.html", "1280,1600")}
    with serve(site) as (origin, _served):
        for name, (page, size) in shots.items():
            run_chromium(f"{origin}/{page}", f"--window-size={size}", f"--screenshot={ARTIFACTS / name}")
    for name in shots:
        assert (ARTIFACTS / name).stat().st_size > 10_000, name
