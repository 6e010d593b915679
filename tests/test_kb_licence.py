"""Licences on knowledge-base sources: validated, filled in for the library, carried by
`pcf kb list --json` and `pcf kb show`, and shown on the docs' KB pages."""
from __future__ import annotations

import json

import pytest

from pcf import cli
from pcf.core.errors import PcfError
from pcf.knowledge.kb import load_kb
from pcf.render.docs import kb_pages

# The library, loaded once, and a private cache folder for the CLI: as in test_kb.py.
from test_kb import kb, private_cache, units  # noqa: F401 (pytest fixtures)


def test_every_library_source_records_its_licence(kb):
    for key, src in kb.sources.items():
        assert isinstance(src.licence, str) and src.licence, key
        assert src.redistribution in (True, False, None), key


def test_desnz_is_ogl_and_chinese_notices_say_terms_not_stated(kb):
    assert (kb.sources["desnz_ghg_cf_2025"].licence, kb.sources["desnz_ghg_cf_2025"].redistribution) \
        == ("OGL-UK-3.0", True)
    # a Chinese government notice states no terms: recorded as such, never guessed
    assert kb.sources["mee_nbs_co2_2023"].licence == "terms not stated"
    assert kb.sources["mee_nbs_co2_2023"].redistribution is None


def test_kb_list_json_carries_licence(capsys):
    assert cli.main(["kb", "list", "--json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    row = rows["uk.desnz.electricity.td"]
    assert (row["licence"], row["redistribution"]) == ("OGL-UK-3.0", True)
    assert rows["cn.cpcd.material.stainless_steel"]["redistribution"] is None


def test_kb_show_prints_licence(capsys):
    assert cli.main(["kb", "show", "uk.desnz.electricity.td"]) == 0
    assert "licence   OGL-UK-3.0 (redistribution allowed)" in capsys.readouterr().out


def test_docs_pages_show_licences(kb):
    pages = kb_pages(kb)
    row = next(line for line in pages["kb/sources.md"].splitlines() if "`desnz_ghg_cf_2025`" in line)
    assert row.endswith("| OGL-UK-3.0 | redistribution allowed |")
    family = next(p for p, text in pages.items() if "desnz_ghg_cf_2025" in text and p != "kb/sources.md")
    assert "(sources.md#desnz_ghg_cf_2025): OGL-UK-3.0, redistribution allowed" in pages[family]


@pytest.mark.parametrize("field, value, message", [
    ("redistribution", '"yes"', "redistribution must be true or false, found 'yes'"),
    ("licence", "3", "licence must be a string, found 3"),
])
def test_bad_licence_fields_are_positioned_errors(tmp_path, units, field, value, message):
    (tmp_path / "sources.toml").write_text(
        f'[s]\ntitle = "t"\nissuer = "i"\nyear = 2024\n{field} = {value}\n', encoding="utf-8")
    with pytest.raises(PcfError) as exc:
        load_kb(tmp_path, units, cache=False)
    [d] = exc.value.diagnostics
    assert (d.code, d.span.line) == ("kb-invalid", 5)
    assert d.message == f"s.{field}: {message}"


def test_a_family_page_shows_every_field_in_two_narrow_tables(kb):
    from pcf.render.docs import kb_anchor, kb_page_of
    pages = kb_pages(kb)
    e = next(x for x in kb.entries if x.parts and x.table and x.region)
    page = pages[kb_page_of(e, kb)]
    values = next(line for line in page.splitlines() if f'<span id="{kb_anchor(e.id)}">' in line)
    details = next(line for line in page.splitlines() if line.startswith(f"| `{e.id}` ({e.period})"))
    assert values.count(" | ") == 5                      # id, name, value, unit, valid, source
    assert details.count(" | ") == 5 and "parts: " in details and e.region in details
    assert "| id | region · boundary | quality | confidence | source row | note |" in page
