"""The editor's questions (engine/editor/analysis.py) and `pcf lsp` over stdio (engine/editor/lsp.py)."""
from __future__ import annotations

import json
from pathlib import Path


from pcf.editor import analysis
from pcf.editor.client import LspClient

ROOT = Path(__file__).resolve().parents[1]
METHOD = """method acme.box "a box" extends iso14067.base {
  functional_unit "1 box"
  stage production "production"
  input power : kWh "electricity bought"
  input spare : kg "declared, unused"
  let grid "grid" = kb.cn.electricity.cfp.national
  emission electricity "electricity" in production = power * grid
}
"""


def test_diagnostics_are_pcf_checks(ws):
    errors, warnings = analysis.diagnostics(ws, METHOD, "box.pcf")
    assert errors == [] and [w.code for w in warnings] == ["unused-input"]
    bad = METHOD.replace("power * grid", "powr * grid")
    errors, _ = analysis.diagnostics(ws, bad, "box.pcf")
    (d,) = errors
    assert d.code == "unknown-name" and (d.span.line, d.span.column) == (7, 54) and "power" in d.hint


def test_hover(ws):
    line = METHOD.split("\n").index("  let grid \"grid\" = kb.cn.electricity.cfp.national")
    text = analysis.hover(ws, METHOD, "box.pcf", line, 30)
    assert text.startswith("**kb.cn.electricity.cfp.national**") and "kgCO2e/kWh" in text and "licence" in text
    text = analysis.hover(ws, METHOD, "box.pcf", 6, 55)      # `power` in the emission
    assert text == "**input** `power` — electricity bought\n\nunit `kWh`"


def test_definition(ws):
    place = analysis.definition(ws, METHOD, "box.pcf", 6, 55)          # power -> its input line
    assert (place.path, place.line, place.character) == ("box.pcf", 3, 2)
    kb = analysis.definition(ws, METHOD, "box.pcf", 5, 30)            # the kb id -> its TOML entry
    assert kb.path.endswith("kb/electricity/cn_cfp.toml") and kb.line > 0
    base = analysis.definition(ws, METHOD, "box.pcf", 0, 40)          # extends iso14067.base
    assert base.path.endswith("methods/iso14067/base.pcf")


def test_hover_shows_a_formula_and_its_computed_unit(ws):
    # kgCO2e/kWh in base units: kWh is 3.6e6 J, so the factor's dimension is kgCO2e per joule
    text = analysis.hover(ws, METHOD, "box.pcf", 5, 7)                 # `grid`
    assert text == ('**let** `grid` — grid\n\nunit `kgCO2e/J` (computed, base units)\n\n'
                    '`= kb.cn.electricity.cfp.national`')
    text = analysis.hover(ws, METHOD, "box.pcf", 6, 12)                # `electricity` (power x grid)
    assert "stage `production`; unit `kgCO2e` (computed, base units)" in text and "`= power * grid`" in text
    broken = METHOD.replace("power * grid", "power + grid")            # a unit error: no unit to show
    assert "unit" not in analysis.hover(ws, broken, "box.pcf", 6, 12).split("\n\n")[1]


def test_definition_and_hover_of_an_override(ws, tmp_path):
    variant = tmp_path / "green.pcf"
    text = ('method acme.green extends iso14067.electrical {\n'
            '  override gwp AR6\n'
            '  override let electricity_ef "green power" = 0.1 kgCO2e/kWh\n}\n')
    variant.write_text(text, encoding="utf-8")
    base = (Path(__file__).resolve().parents[1] / "methods" / "iso14067").resolve()
    gwp = analysis.definition(ws, text, str(variant), 1, 12)           # -> the gwp setting it replaces
    assert Path(gwp.path) == base / "electrical.pcf"
    assert (base / "electrical.pcf").read_text(encoding="utf-8").split("\n")[gwp.line].lstrip().startswith("override gwp AR5")
    let = analysis.definition(ws, text, str(variant), 2, 16)           # -> the base's let
    assert Path(let.path) == base / "electrical.pcf"
    assert "let electricity_ef" in (base / "electrical.pcf").read_text(encoding="utf-8").split("\n")[let.line]
    assert f"overrides {let.path}:{let.line}" in analysis.hover(ws, text, str(variant), 2, 16)


def test_unit_completion(ws):
    text = "method m {\n  input x : kW\n  let y = 2 M\n}\n"
    items = analysis.completions(ws, text, "m.pcf", 1, 14)            # after `input x : kW`
    assert [(u, k) for u, k, _ in items] == [("kWh", "unit")] and items[0][2] == "base unit J"
    after_number = {u for u, _, _ in analysis.completions(ws, text, "m.pcf", 2, 13)}
    assert {"MJ", "MWh", "ML"} <= after_number and all(u.startswith("M") for u in after_number)
    names = {u for u, _, _ in analysis.completions(ws, text, "m.pcf", 2, 10)}   # `let y = ` : names, not units
    assert "method" in names and "kWh" not in names


def test_completions(ws):
    items = analysis.completions(ws, "  let g = kb.cn.electricity.cfp.nat", "box.pcf", 0, 35)
    assert [i[0] for i in items] == ["cn.electricity.cfp.national"] and "kgCO2e/kWh" in items[0][2]
    names = {label: kind for label, kind, _ in analysis.completions(ws, METHOD, "box.pcf", 6, 0)}
    assert names["power"] == "input" and names["grid"] == "let" and names["emission"] == "keyword"


def test_symbols():
    assert [(s.name, s.kind, s.line) for s in analysis.symbols(METHOD, "box.pcf")] == [
        ("production", "stage", 2), ("power", "input", 3), ("spare", "input", 4), ("grid", "let", 5),
        ("electricity", "emission", 6)]
    assert analysis.symbols("method {", "box.pcf") == []


def test_pcf_lsp_over_stdio(tmp_path):
    path = tmp_path / "box.pcf"
    bad = METHOD.replace("power * grid", "powr * grid")
    path.write_text(bad, encoding="utf-8")
    uri = path.as_uri()
    c = LspClient()
    try:
        caps = c.initialize()
        assert caps["hoverProvider"] and caps["definitionProvider"] and caps["documentSymbolProvider"]
        assert caps["referencesProvider"] and caps["renameProvider"] and caps["documentFormattingProvider"]
        assert caps["semanticTokensProvider"]["legend"]["tokenTypes"] == list(analysis.SEMANTIC_TYPES)
        c.send("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "pcf", "version": 1,
                                                          "text": bad}}, request=False)
        diag = c.wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics")
        (d,) = diag["params"]["diagnostics"]
        assert d["code"] == "unknown-name" and d["range"]["start"] == {"line": 6, "character": 53}
        assert d["severity"] == 1 and d["source"] == "pcf" and "hint:" in d["message"]
        rid = c.send("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 5, "character": 30}})
        hover = c.wait_for(lambda m: m.get("id") == rid)
        assert "kb.cn.electricity.cfp.national" in hover["result"]["contents"]["value"]
        # fixed by an edit: the debounced check publishes an empty error list (one unused-input warning)
        c.send("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                          "contentChanges": [{"text": METHOD}]}, request=False)
        diag = c.wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics")
        assert [x["code"] for x in diag["params"]["diagnostics"]] == ["unused-input"]
        rid = c.send("textDocument/semanticTokens/full", {"textDocument": {"uri": uri}})
        data = c.wait_for(lambda m: m.get("id") == rid)["result"]["data"]
        assert len(data) % 5 == 0 and len(data) > 20     # (delta line, delta start, length, type, modifiers)
        rid = c.send("shutdown", {})
        c.wait_for(lambda m: m.get("id") == rid)
        c.send("exit", {}, request=False)
        assert c.proc.wait(timeout=30) == 0
    finally:
        if c.proc.poll() is None:
            c.proc.kill()


def test_the_vscode_extension_files_agree_with_the_engine():
    """The TextMate grammar highlights the keywords the analysis knows, the manifest names files
    that exist, and the client starts `pcf lsp`."""
    import re
    root = ROOT / "editors" / "vscode"
    manifest = json.loads((root / "package.json").read_text(encoding="utf-8"))
    grammar = json.loads((root / "syntaxes" / "pcf.tmLanguage.json").read_text(encoding="utf-8"))
    keywords = re.search(r"\\b\((.*)\)\\b", grammar["repository"]["keyword"]["match"]).group(1).split("|")
    assert keywords == list(analysis.KEYWORDS)
    for path in (manifest["main"], manifest["contributes"]["grammars"][0]["path"],
                 manifest["contributes"]["languages"][0]["configuration"]):
        assert (root / path).is_file(), path
    assert manifest["contributes"]["languages"][0]["extensions"] == [".pcf"]
    assert '"lsp"' in (root / "extension.js").read_text(encoding="utf-8")
    # the grammar's kb pattern matches what the parser reads as a kb reference
    kb = re.compile(grammar["repository"]["kb"]["match"].replace("\\\\", "\\"))
    assert kb.search("let x = kb.cn.electricity.cfp.national[2024] * 2").group(0) == "kb.cn.electricity.cfp.national[2024]"


def test_references():
    # `power`: declared on line 3, used on line 6; a string or a comment naming it does not count
    text = METHOD.replace('"a box"', '"power box"') + "# power again\n"
    assert [(p.line, p.character) for p in analysis.references(text, "box.pcf", 3, 9)] == [(3, 8), (6, 53)]


def test_rename_reaches_the_variants_beside(ws, tmp_path):
    base = tmp_path / "box.pcf"
    base.write_text(METHOD, encoding="utf-8")
    variant = tmp_path / "box_green.pcf"
    variant.write_text('method acme.box_green "green" extends acme.box {\n'
                       '  override emission electricity "electricity" in production = power * 0.1 kgCO2e/kWh\n}\n',
                       encoding="utf-8")
    edits = analysis.rename_edits(ws, METHOD, str(base), 3, 9, "electricity_kwh")
    assert {Path(k).name: [(p.line, p.character) for p in v] for k, v in edits.items()} == {
        "box.pcf": [(3, 8), (6, 53)], "box_green.pcf": [(1, 62)]}
    assert analysis.rename_edits(ws, METHOD, str(base), 3, 9, "emission") is None        # a keyword
    assert analysis.rename_edits(ws, METHOD, str(base), 2, 10, "x") is None              # a stage: not renamed


def test_formatting_and_semantic_tokens(ws):
    messy = METHOD.replace("  input power : kWh", "input   power :   kWh")
    out = analysis.formatted(messy, "box.pcf")
    assert out is not None and "  input power : kWh" in out
    noted = analysis.formatted(messy.replace("  stage production", "  # a note\n  stage production"), "box.pcf")
    assert "  # a note\n  stage production" in noted                     # comments are kept
    assert analysis.formatted(out, "box.pcf") is None                        # already in layout
    toks = {(line, start): kind for line, start, _, kind in analysis.semantic_tokens(ws, METHOD, "box.pcf")}
    assert toks[(6, 53)] == "variable" and toks[(6, 11)] == "function" and toks[(5, 20)] == "property"
    assert toks[(3, 2)] == "keyword"


def test_case_and_inventory_files(ws, tmp_path):
    import shutil
    case = tmp_path / "case"
    shutil.copytree(ROOT / "examples" / "seed-003-metering-box", case)
    assert analysis.toml_diagnostics(ws, str(case / "case.toml")) == []
    inv = case / "inventory.toml"
    inv.write_text(inv.read_text(encoding="utf-8").replace('rm_electricity = "56.8120 kWh"',
                                                           'rm_electricity = "56.8120 kWhh"'), encoding="utf-8")
    (d,) = analysis.toml_diagnostics(ws, str(inv))          # found when the case binds it, shown in its file
    assert d.code == "unit-unknown" and d.span.line == 12
    assert analysis.toml_diagnostics(ws, str(case / "case.toml")) == []   # not case.toml's problem
    toml = case / "case.toml"
    toml.write_text("methd = 1\n" + toml.read_text(encoding="utf-8"), encoding="utf-8")
    (d,) = analysis.toml_diagnostics(ws, str(toml))
    assert d.code == "case" and d.span.line == 1 and "did you mean `method`?" in d.hint


def test_the_grammar_covers_every_library_method():
    """The TextMate grammar on every method of the repository: each `kb.` reference the parser reads is
    one kb token of the grammar, each number with a unit is a number token, and no string runs past its
    line (an unterminated string would colour the rest of the file)."""
    import re
    from pcf.language.build import build_method
    grammar = json.loads((ROOT / "editors" / "vscode" / "syntaxes" / "pcf.tmLanguage.json").read_text(encoding="utf-8"))
    kb_re = re.compile(grammar["repository"]["kb"]["match"])
    num_re = re.compile(grammar["repository"]["number"]["match"])
    files = sorted([*(ROOT / "methods").rglob("*.pcf"), *(ROOT / "examples").rglob("*.pcf")])
    assert len(files) >= 10
    for path in files:
        text = path.read_text(encoding="utf-8")
        lines = text.split("\n")
        method = build_method(text, str(path))
        from pcf.language import nodes as nd
        for d in method.decls:
            for expr in [getattr(d, "expr", None), getattr(d, "default", None),
                         *[e.expr for e in getattr(d, "entries", ())]]:
                for node in nd.walk(expr) if expr is not None else ():
                    row = lines[node.span.line - 1]
                    if isinstance(node, nd.KbRef):
                        found = [m.group(0) for m in kb_re.finditer(row)]
                        assert any(f.split("[")[0] == f"kb.{node.id}" for f in found), (path, node.id)
                    elif isinstance(node, nd.Number) and node.unit:
                        assert any(m.group(1) == node.text for m in num_re.finditer(row)), (path, node.text)
        for i, row in enumerate(lines):
            code = row.split("#", 1)[0] if row.count('"') % 2 == 0 else row
            assert code.count('"') % 2 == 0, f"{path}:{i + 1}: a string does not end on its line"


def test_pcf_fmt(tmp_path, capsys):
    from pcf.cli import main
    messy = tmp_path / "box.pcf"
    messy.write_text(METHOD.replace("  input power : kWh", "input   power :   kWh"), encoding="utf-8")
    noted = tmp_path / "noted.pcf"
    noted.write_text("# a note\n" + METHOD.replace("acme.box", "acme.noted"), encoding="utf-8")
    assert main(["fmt", "--check", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"would reformat {messy}" in out and f"would reformat {noted}" in out
    assert main(["fmt", str(noted)]) == 0
    assert noted.read_text(encoding="utf-8").startswith("# a note\nmethod acme.noted")   # the comment kept
    assert main(["fmt", str(messy)]) == 0
    assert "  input power : kWh" in messy.read_text(encoding="utf-8")
    assert main(["fmt", "--check", str(messy)]) == 0
