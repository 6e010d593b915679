"""The documentation: every example of the language reference parses, and the site builds."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import pcf
from pcf.language.build import build_method

ROOT = Path(__file__).resolve().parent.parent
LANGUAGE = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
EXAMPLES = re.findall(r"```pcf\n(.*?)```", LANGUAGE, flags=re.S)


def test_the_reference_has_examples():
    assert len(EXAMPLES) >= 8


@pytest.mark.parametrize("i", range(len(EXAMPLES)))
def test_every_language_example_parses(i):
    m = build_method(EXAMPLES[i], f"language.md#{i}")
    assert m.id.startswith(("demo.", "gbt24067."))


def test_the_formula_example_compiles():
    ws = pcf.Workspace.load()
    (text,) = [e for e in EXAMPLES if "demo.formulas" in e]
    head = 'method demo.formulas "formulas" {\n  standard "ISO 14067:2018"\n  boundary cradle_to_gate\n  gwp AR5\n' \
           '  non_co2_negligible "diesel combustion"\n'
    plan = ws.compile(build_method(text.replace('method demo.formulas "formulas" {\n', head), "f.pcf"), 2024)
    assert {e.name for e in plan.method.emissions} == {"power", "fuel", "road"}


def test_the_variant_example_compiles():
    ws = pcf.Workspace.load()
    (text,) = [e for e in EXAMPLES if "demo.variant" in e]
    plan = ws.compile(ws.resolve(build_method(text, "v.pcf")), 2025)
    assert plan.method.setting("gwp") == "AR6" and "stage:packaging" not in plan.dims


def test_the_rules_example_names_its_unknown_rule():
    ws = pcf.Workspace.load()
    (text,) = [e for e in EXAMPLES if "demo.rules" in e]
    head = 'method demo.rules "rules" {\n  standard "ISO 14067:2018"\n  boundary cradle_to_gate\n  gwp AR5\n'
    with pytest.raises(pcf.PcfError) as e:
        ws.compile(build_method(text.replace('method demo.rules "rules" {\n', head), "r.pcf"), 2024)
    assert [d.code for d in e.value.diagnostics] == ["rule"] and "cutoff" in e.value.diagnostics[0].hint


def test_generated_pages_cover_every_method_and_entry():
    from pcf.render.docs import all_pages
    from pcf.language.library import method_ids
    ws = pcf.Workspace.load()
    pages = all_pages(ws)
    for ident in method_ids():
        assert f"methods/{ident}.md" in pages
    kb_text = "".join(v for k, v in pages.items() if k.startswith("kb/"))
    for ident in ws.kb.by_id:
        assert f"`{ident}`" in kb_text
    page = pages["methods/gbt24067.electrical.md"]
    assert '<pre class="mermaid">' in page and 'class="pcf-math pcf-display"' in page
    assert r"\tfrac{44}{12}" in page                          # the basis conversion as mathematics
    # the base methods as links (they were once escaped into literal Markdown text)
    assert "| extends | [`iso14067.electrical`](iso14067.electrical.md) → [`iso14067.base`](iso14067.base.md) |" in page
    assert "0.5777" in page and "关于发布2024年电力碳足迹因子的公告" in page
    gallery = pages["gallery.md"]
    assert gallery.count("## ") == 5 and "reported-mismatch" in gallery
    # per figure: computed, printed, verdict, and the slip the audit names (seed 004's yearly total
    # leaves out the raw-material stage)
    assert "| figure | computed | printed | verdict | slip named by the audit |" in gallery
    assert any(line.startswith("| yearly total |") and "✗ inconsistent" in line and "stage-left-out" in line
               for line in gallery.split("\n"))
    errors = pages["errors.md"]
    assert "## `basis-conversion`" in errors and "44/12 converts C -> CO2" in errors
    findings = pages["findings.md"]
    assert "| `reported-mismatch` | error | A figure the report printed" in findings


def test_mkdocs_build_strict(tmp_path):
    mkdocs = Path(sys.executable).with_name("mkdocs")
    proc = subprocess.run([str(mkdocs), "build", "--strict", "--quiet", "-d", str(tmp_path / "site")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (tmp_path / "site" / "methods" / "gbt24067.electrical.html").is_file()
    assert (tmp_path / "site" / "kb" / "index.html").is_file()
    assert (tmp_path / "site" / "gallery.html").is_file()
    assert (tmp_path / "site" / "findings.html").is_file()
