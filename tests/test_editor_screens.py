"""The "Editing method files" screenshots (scripts/editor_screens.py): the real server's answers,
drawn by engine/render/editorview.py and photographed in headless Chromium. The pages and
pictures are kept in test-artifacts/editor/; the documentation's copies are in docs/assets/editor/."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from pcf.render.editorview import Popup, decode_tokens, editor_html, markdown_html

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "editor"


def _script():
    spec = importlib.util.spec_from_file_location("editor_screens", ROOT / "scripts" / "editor_screens.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_screenshots_show_what_the_server_said():
    said = _script().capture(ARTIFACTS)
    (d,) = said["diagnostics"]["diagnostics"]
    assert d["code"] == "unit-mismatch" and d["range"]["start"]["line"] == 7
    page = (ARTIFACTS / "diagnostics.html").read_text(encoding="utf-8")
    assert "cannot add kgCO2e/J and kg" in page and "underline wavy #e51400" in page and "[Ln 8, Col 9]" in page
    hover = said["hover"]["markdown"]
    assert hover.startswith("**kb.cn.electricity.cfp.national**") and "licence" in hover
    page = (ARTIFACTS / "hover.html").read_text(encoding="utf-8")
    assert "<b>kb.cn.electricity.cfp.national</b>" in page and "0.5777 kgCO2e/kWh" in page
    labels = [i["label"] for i in said["completion"]["items"]]
    assert labels and all(label.startswith("cn.electricity.") for label in labels)
    assert "cn.electricity.cfp.national" in labels
    assert labels[0] in (ARTIFACTS / "completion.html").read_text(encoding="utf-8")
    for name in ("diagnostics", "hover", "completion"):
        shot = ARTIFACTS / f"{name}.png"
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000, shot
        assert (ROOT / "docs" / "assets" / "editor" / f"{name}.png").is_file()   # the docs' copy exists


def test_semantic_tokens_are_decoded_from_lsp_deltas():
    # two tokens on line 0 (at 2 and 2 + 5), one on line 3 at 4: deltas relative to the previous
    data = [0, 2, 3, 0, 0, 0, 5, 4, 1, 0, 3, 4, 2, 2, 0]
    assert decode_tokens(data, ["keyword", "variable", "number"]) == [
        (0, 2, 3, "keyword"), (0, 7, 4, "variable"), (3, 4, 2, "number")]


def test_everything_from_the_file_and_the_server_is_escaped():
    text = 'method m "<script>alert(1)</script>" {\n}\n'
    diag = {"range": {"start": {"line": 0, "character": 9}, "end": {"line": 0, "character": 20}},
            "severity": 1, "code": "<b>x</b>", "message": "<img src=x onerror=alert(1)>"}
    page = editor_html("<f>.pcf", text, [], [diag], Popup(0, 3, markdown="**<i>bold</i>** `<u>`"))
    assert "<script>" not in page and "<img" not in page and "<b>x</b>" not in page and "<f>" not in page
    assert "&lt;script&gt;" in page and "<b>&lt;i&gt;bold&lt;/i&gt;</b>" in page and "<code>&lt;u&gt;</code>" in page
    assert markdown_html("a\n\nb\nc") == "<p>a</p><p>b<br>c</p>"
