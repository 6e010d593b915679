"""The Chinese guides (docs/zh/) say what the English ones say: for each English page there is
a Chinese one with the same code blocks (byte for byte: the commands and method files the English
page's tests run), the same link targets, and every English heading's anchor, so that a link
written for the English page (`language.md#amounts-in-inventories`) lands on the same section
of the Chinese one. The generated pages' words come from engine/render/locales/zh.toml, checked
complete here without building the site."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from markdown.extensions.toc import slugify

from pcf.core.errors import CATALOGUE
from pcf.core.findings import FINDINGS
from pcf.render.locale import EN, Locale, MissingTranslation, load_locale

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
GUIDES = sorted(p.name for p in DOCS.glob("*.md"))

FENCE = re.compile(r"^(`{3,}|~{3,})[^\n]*\n.*?^\1[ \t]*$", re.S | re.M)
LINK = re.compile(r"\]\(([^)\s]+)\)")
HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$", re.M)
ANCHOR = re.compile(r'<a id="([^"]+)"></a>')


def code_blocks(text: str) -> list[str]:
    return [m.group(0) for m in FENCE.finditer(text)]


def without_code(text: str) -> str:
    return FENCE.sub("", text)


def heading_anchors(text: str) -> list[str]:
    """The anchors Python-Markdown's toc gives the page's headings (duplicates get _1, _2)."""
    seen: Counter = Counter()
    out = []
    for m in HEADING.finditer(without_code(text)):
        title = re.sub(r"`([^`]*)`", r"\1", m.group(2))
        title = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", title)
        title = re.sub(r"<[^>]*>", "", title)          # `<id>` in a heading's code: dropped as a tag
        slug = slugify(title, "-")
        out.append(slug if not seen[slug] else f"{slug}_{seen[slug]}")
        seen[slug] += 1
    return out


def test_every_english_guide_has_a_chinese_page():
    missing = [g for g in GUIDES if not (DOCS / "zh" / g).is_file()]
    assert not missing, f"docs/zh/ lacks {missing}"
    extra = sorted(p.name for p in (DOCS / "zh").glob("*.md") if p.name not in GUIDES)
    assert not extra, f"docs/zh/ has pages the English site has not: {extra}"


@pytest.mark.parametrize("name", GUIDES)
def test_the_chinese_page_keeps_code_links_and_anchors(name):
    en = (DOCS / name).read_text(encoding="utf-8")
    zh = (DOCS / "zh" / name).read_text(encoding="utf-8")
    assert code_blocks(zh) == code_blocks(en), f"docs/zh/{name}: code blocks differ from docs/{name}"
    en_links = Counter(LINK.findall(without_code(en)))
    zh_links = Counter(LINK.findall(without_code(zh)))
    assert zh_links == en_links, f"docs/zh/{name}: links differ (missing {en_links - zh_links}, extra {zh_links - en_links})"
    missing = [a for a in heading_anchors(en) if a not in set(ANCHOR.findall(zh))]
    assert not missing, f'docs/zh/{name}: put <a id="..."></a> before the headings for {missing}'
    assert re.search(r"[\u4e00-\u9fff]", without_code(zh)), f"docs/zh/{name} is not in Chinese"


CJK = "[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"


@pytest.mark.parametrize("name", GUIDES)
def test_no_line_break_inside_a_chinese_sentence(name):
    """Markdown shows a line break as a space: between two Chinese characters it is a stray gap."""
    zh = without_code((DOCS / "zh" / name).read_text(encoding="utf-8"))
    broken = re.findall(f"{CJK}\n[ \t]*{CJK}", zh)
    assert not broken, f"docs/zh/{name}: join the lines at {broken[:5]}"


def test_heading_anchors_follow_the_toc():
    text = "# A\n\n## 1. The report, for the client\n\n```\n## not a heading\n```\n\n## `pcf run` twice\n\n## 1. The report, for the client\n"
    assert heading_anchors(text) == ["a", "1-the-report-for-the-client", "pcf-run-twice", "1-the-report-for-the-client_1"]


def test_the_generated_pages_words_are_all_translated():
    """Every string the generated pages ask for has a Chinese translation (the build would fail
    naming the first one missing), and every error and finding code a Chinese meaning."""
    from pcf.render.docs import all_pages, home_result
    zh = load_locale("zh")
    assert set(zh.errors) == set(CATALOGUE), set(CATALOGUE) ^ set(zh.errors)
    assert set(zh.findings) == set(FINDINGS), set(FINDINGS) ^ set(zh.findings)
    pages = all_pages(t=zh)
    home = home_result(t=zh)
    assert "一个计算结果" in home and "methods/gbt24067.electrical.md#live-a-worked-case" in home
    page = pages["methods/gbt24067.electrical.md"]
    assert "## 生命周期阶段" in page and "## 公式" in page and '<a id="live-a-worked-case"></a>' in page
    assert "| 数字 | 计算值 | 报告值 | 结论 | 审核指出的差错 |" in pages["gallery.md"]
    assert "✗ 不一致" in pages["gallery.md"]
    assert "| 系统边界 | 摇篮到坟墓 |" in page and "摇篮到坟墓" in home      # the boundary's keyword too
    assert "## `unit-mismatch`\n\n不同量纲的量被相加、比较或赋值。" in pages["errors.md"]
    # the English pages are unchanged by the locale machinery
    en = all_pages()
    assert "## Stages" in en["methods/gbt24067.electrical.md"] and "生命周期阶段" not in en["findings.md"]


def test_every_kind_an_override_can_name_has_a_chinese_name():
    from pcf.core import keys
    zh = load_locale("zh")
    kinds = (keys.INPUT, keys.TABLE, keys.LET, keys.EMISSION, keys.COLUMN, keys.STAGE, keys.MAP, keys.SETTING,
             keys.RULE, keys.CHECK, keys.SCENARIO)
    assert all(zh(k) != k for k in kinds)


def test_every_boundary_has_a_chinese_name():
    from pcf.plan.settings import BOUNDARIES
    zh = load_locale("zh")
    assert all(zh.boundary(b.replace("_", "-")) != b.replace("_", "-") for b in BOUNDARIES)
    assert zh.boundary("partial (use, end_of_life)") == "部分 (use, end_of_life)" and EN.boundary("") == ""


def test_a_missing_translation_is_an_error_naming_it():
    t = Locale("zh", {"Stages": "阶段"})
    assert t("Stages") == "阶段" and EN("Stages") == "Stages"
    with pytest.raises(MissingTranslation, match="'Formulas'.*locales/zh.toml"):
        t("Formulas")
    with pytest.raises(MissingTranslation, match="`cycle`"):
        t.meaning("errors", "cycle", "formulas depend on each other in a circle")
    assert Locale("zh", {"{n} entries": "{n} 个条目"})("{n} entries", n=3) == "3 个条目"
    with pytest.raises(ValueError, match="no language 'fr'"):
        load_locale("fr")
