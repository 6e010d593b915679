"""The hostile-content corpus: a case whose every string is an attack, through every output pcf writes.

tests/fixtures/hostile/ holds a method (case/hostile.pcf), a case and inventory, and one knowledge-base
entry with its source (kb/, laid into a copy of the real kb/). Every user-visible string there -- the
case title, product id, name and functional unit, method title and standard, stage, input, table, let
and emission labels, an exclusion reason, supplier-leg names, the source's title and issuer, the
entry's names and note -- carries the same payload:

- HTML that runs script if it is parsed (`<script>`, `<img onerror>`, `<svg onload>`, `<iframe
  srcdoc>`): every such script sets `document.title = 'PWNED'`; and an `<img>` on another host;
- Markdown: `|` and newlines that would forge table rows, a `javascript:` link;
- a Mermaid `%%{init}%%` directive and a `click` line; KaTeX `\\href` / `\\htmlData`; DOT `\\N];` and
  `"];` breakers;
- a CSV/spreadsheet formula first (`=HYPERLINK(...)`, `=cmd|...`, `@SUM(...)`);
- terminal escape sequences (`ESC[31m`) and newlines followed by a fake `file:line:col:` diagnostic.

Outputs: the terminal table, explain, diagnostics, CSV, JSON and PACT exports, batch CSV, the `pcf init`
XLSX, Mermaid and DOT graphs, the Markdown and HTML reports (zh, en) and the documentation site.
Each output is checked for its own way of failing: no script ran and nothing was requested from
another host (headless Chromium, offline), no forged table row, no formula cell, no raw escape
byte on the terminal, no extra Mermaid/DOT statement -- and the text itself is still all there
(JSON keeps it exactly). Screenshots go to test-artifacts/hostile-*.png.
"""
from __future__ import annotations

import csv
import io
import json
import re
import shutil
import tempfile
from pathlib import Path

import markdown
import pytest

from pcf.cli import main
from test_browser import ARTIFACTS, MERMAID_RE, build_site, chromium_path, load_netlog, run_chromium, serve

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "hostile"
PWNED = "<title>PWNED</title>"        # what every payload script would leave behind
ESC = "\x1b"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    """A folder with kb/ (the real one plus the hostile entry and source), methods/, examples/."""
    root = tmp_path_factory.mktemp("hostile")
    shutil.copytree(ROOT / "kb", root / "kb")
    with open(root / "kb" / "sources.toml", "a", encoding="utf-8") as f:
        f.write("\n" + (FIXTURE / "kb" / "sources.toml").read_text(encoding="utf-8"))
    (root / "kb" / "hostile").mkdir()
    shutil.copy(FIXTURE / "kb" / "hostile.toml", root / "kb" / "hostile" / "hostile.toml")
    shutil.copytree(FIXTURE / "case", root / "examples" / "seed-hostile")
    shutil.copytree(ROOT / "methods", root / "methods")      # the guides link to the real method pages
    shutil.copy(FIXTURE / "case" / "hostile.pcf", root / "methods" / "hostile.pcf")
    return root


def payload() -> str:
    """The payload as the case title carries it (with newlines and ESC)."""
    import tomllib
    return tomllib.loads((FIXTURE / "case" / "case.toml").read_text(encoding="utf-8"))["title"]


def pcf(hostile: Path, capsys, *args: str) -> tuple[int, str, str]:
    code = main(["--library-kb", str(hostile / "kb"), *args])
    out, err = capsys.readouterr()
    return code, out, err


def case(hostile: Path) -> str:
    return str(hostile / "examples" / "seed-hostile")


# --------------------------------------------------------------------------- terminal


def test_terminal_table_shows_escape_sequences_and_newlines_escaped(hostile, capsys):
    code, out, err = pcf(hostile, capsys, "run", case(hostile))
    assert code == 0, err
    assert ESC not in out and ESC not in err
    assert r"\x1b[31mred\x1b[0m" in out                    # shown, not lost
    assert "CO2-only results counted as CO2e (=HYPERLINK(" in out   # a finding quoting the method's text
    lines = out.splitlines()
    assert not any(line.startswith(("methods/fake.pcf", "| forged")) for line in lines)
    # 100 kWh x 0.5 kgCO2e/kWh = 50; (2 t x 50 km + 1 t x 10 km) x 0.1 kgCO2e/(t*km) = 11; total 61.
    assert re.search(r"^  total\s+61\.0000\s+100\.00 %$", out, re.M)


@pytest.mark.parametrize("command", [
    ["explain", "{case}"], ["compare", "{case}", "--method", "{method}"], ["kb", "show", "cn.hostile.grid"],
    ["kb", "search", "hostile"], ["uncertainty", "{case}", "--draws", "200"], ["sensitivity", "{case}"],
    ["graph", "{case}"],
])
def test_other_terminal_outputs_forge_no_line(hostile, capsys, command):
    argv = [a.format(case=case(hostile), method=hostile / "methods" / "hostile.pcf") for a in command]
    code, out, err = pcf(hostile, capsys, *argv)
    assert code == 0, err
    assert ESC not in out and ESC not in err
    assert not any(line.startswith(("methods/fake.pcf", "| forged", '"]; evil')) for line in out.splitlines())


def test_a_newline_in_a_toml_key_forges_no_diagnostic(hostile, capsys, tmp_path):
    bad = tmp_path / "case"
    shutil.copytree(case(hostile), bad)
    inv = bad / "inventory.toml"
    inv.write_text(inv.read_text(encoding="utf-8").replace(
        'electricity = "100 kWh"',
        'electricity = "100 kWh"\n"gas\\nmethods/fake.pcf:1:1: forged diagnostic [syntax]\\u001b[2J" = "1 m3"'),
        encoding="utf-8")
    code, out, err = pcf(hostile, capsys, "run", str(bad))
    assert code == 1
    assert ESC not in err
    located = [line for line in err.splitlines() if re.match(r"^\S+:\d+:\d+: ", line)]
    assert located and all(line.startswith(str(inv)) or "inventory.toml" in line.split(":")[0]
                           for line in located), err
    assert r"gas\nmethods/fake.pcf:1:1: forged diagnostic [syntax]\x1b[2J" in err


# --------------------------------------------------------------------------- data exports


def test_csv_export_neutralises_formulas_and_keeps_numbers(hostile, capsys):
    code, out, err = pcf(hostile, capsys, "export", case(hostile), "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 3                                   # three emission lines, no forged row
    for row in rows:
        for key in ("product", "stage_label", "line_label", "functional_unit"):
            if row[key]:
                assert row[key].startswith("'"), (key, row[key][:40])
                assert row[key][1:2] in "=+-@\t\r"
        float(row["value_per_unit"])                        # numbers stay numbers
    assert rows[0]["product"] == "'" + "=cmd|' /C calc'!A0 <b>id</b>\"'>"
    assert {r["line"]: float(r["value_per_unit"]) for r in rows} == {"power": 50.0, "fuel": 0.0, "road": 11.0}


def test_batch_csv_neutralises_formulas(hostile, capsys):
    code, out, err = pcf(hostile, capsys, "batch", str(hostile / "methods" / "hostile.pcf"),
                         str(hostile / "examples" / "seed-hostile" / "inventory.toml"), "--data-year", "2024")
    assert code == 0, err
    (row,) = list(csv.DictReader(io.StringIO(out)))
    assert row["product"].startswith("'=cmd") and row["name"].startswith("'=HYPERLINK")
    assert float(row["total [kgCO2e]"]) == 61.0


def test_json_export_keeps_every_string_exactly(hostile, capsys):
    code, out, err = pcf(hostile, capsys, "export", case(hostile), "--format", "json")
    assert code == 0, err
    assert ESC not in out
    doc = json.loads(out)
    text = json.dumps(doc, ensure_ascii=False)
    assert json.dumps(payload(), ensure_ascii=False)[1:-1] in text      # nothing lost or altered


def test_pact_export_is_valid_and_keeps_every_string(hostile, capsys):
    from jsonschema import Draft202012Validator

    from pcf.exchange.pact import SCHEMA_PATH
    code, out, err = pcf(hostile, capsys, "export", case(hostile), "--format", "pact", "--pact-version", "2",
                         "--created", "2026-01-01T00:00:00Z")
    assert code == 0, err
    assert ESC not in out and ESC not in err
    (doc,) = json.loads(out)
    validator = Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    assert not [e.message for e in validator.iter_errors(doc)]
    assert doc["companyName"] == payload() and doc["productNameCompany"] == payload()


def test_init_template_xlsx_stores_text_as_text(hostile, capsys, tmp_path):
    import openpyxl
    code, out, err = pcf(hostile, capsys, "init", str(tmp_path / "new"),
                         "--method", str(hostile / "methods" / "hostile.pcf"))
    assert code == 0, err
    book = openpyxl.load_workbook(tmp_path / "new" / "inventory.xlsx")
    formula_like = 0
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    formula_like += 1
                    assert cell.quotePrefix, (ws.title, cell.coordinate)
    assert formula_like >= 2            # the input descriptions carry the payload
    # The TOML template is TOML: the method's text in comments and strings cannot break it.
    import tomllib
    inventory = tomllib.loads((tmp_path / "new" / "inventory.toml").read_text(encoding="utf-8"))
    assert inventory["product"][0]["functional_unit"].startswith("=HYPERLINK(")


# --------------------------------------------------------------------------- graph


def test_mermaid_graph_has_no_directive_click_or_extra_statement(hostile, capsys):
    code, out, err = pcf(hostile, capsys, "graph", case(hostile), "--format", "mermaid")
    assert code == 0, err
    assert "%%" not in out and ESC not in out and "<script" not in out
    lines = out.splitlines()
    assert lines[0] == "flowchart LR"
    node = re.compile(r'^  \w+(\[/|\[\(|\[\[|\(\[|\{\{|\(\(|\()"[^"]*"(/\]|\)\]|\]\]|\]\)|\}\}|\)\)|\))$')
    edge = re.compile(r"^  \w+ --> \w+$")
    assert all(node.match(line) or edge.match(line) for line in lines[1:]), \
        [line[:80] for line in lines[1:] if not (node.match(line) or edge.match(line))]


def test_dot_graph_strings_stay_closed(hostile, capsys):
    code, out, err = pcf(hostile, capsys, "graph", case(hostile), "--format", "dot")
    assert code == 0, err
    # A DOT string is "..." with \" and \\ escapes: every statement line is nodes and attributes only.
    string = r'"(?:[^"\\]|\\.)*"'
    stmt = re.compile(rf"^  {string} \[label={string}, shape=\w+\];$|^  {string} -> {string};$")
    body = out.splitlines()[3:-1]
    assert body and all(stmt.match(line) for line in body), [line[:80] for line in body if not stmt.match(line)]
    assert "evil [label" in out and "\n  evil" not in out
    assert r"\\N]; evil" in out              # the typed backslash is a backslash, not DOT's \N (node name)


# --------------------------------------------------------------------------- reports


def _markdown_html(md: str) -> str:
    return markdown.markdown(md, extensions=["tables"])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_markdown_report_forges_nothing(hostile, capsys, lang):
    code, out, err = pcf(hostile, capsys, "report", case(hostile), "--format", "md", "--lang", lang)
    assert code == 0, err
    assert ESC not in out
    page = _markdown_html(out)
    for tag in ("<script", "<iframe", "<svg", "<a "):
        assert tag not in page, tag
    imgs = re.findall(r"<img [^>]*>", page)
    assert len(imgs) == 1 and 'src="data:image/svg+xml;base64,' in imgs[0]          # the chart only
    # The inventory table: 3 emission lines + 2 supplier legs; the stage table: 2 stages + total.
    tables = re.findall(r"<table>.*?</table>", page, re.S)
    rows = [t.count("<tr>") - 1 for t in tables]
    cells = [(len(re.findall(r"<td[ >]", t)), len(re.findall(r"<th[ >]", t)), t.count("<tr>") - 1) for t in tables]
    inventory = next(i for i, c in enumerate(cells) if c[1] == 7)    # the first 7-column table
    assert rows[inventory:inventory + 2] == [5, 3], rows
    assert all(td == th * tr for td, th, tr in cells), cells           # every row has the header's cells
    assert "forged" in page                                 # the text is shown, in its cell
    # The footer names the method: its title escaped once (shown as typed), not twice (&amp;lt;).
    footer = page.rsplit("<p>", 1)[1]
    assert "hostile.m — =HYPERLINK('http://evil.example/','x') &lt;script&gt;document.title" in footer


def open_page(url: str, name: str, origin: str | None = None) -> str:
    """Load `url` in headless Chromium offline: no payload ran, no request left; keep a screenshot."""
    ARTIFACTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        netlog_path = Path(tmp) / "netlog.json"
        dom = run_chromium(url, f"--log-net-log={netlog_path}", "--dump-dom")
        shot = ARTIFACTS / f"{name}.png"
        shot.unlink(missing_ok=True)
        run_chromium(url, "--window-size=1280,2000", f"--screenshot={shot}")
        netlog = load_netlog(netlog_path)
    (ARTIFACTS / f"{name}.dom.html").write_text(dom, encoding="utf-8")
    assert shot.is_file() and shot.stat().st_size > 1000
    assert "</html>" in dom
    assert PWNED not in dom, f"a payload script ran on {url}"
    start_job = netlog["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    asked = [(e["params"].get("url", ""), e["params"].get("initiator")) for e in netlog["events"]
             if e.get("type") == start_job and (e.get("params") or {}).get("url")]
    # Chromium's own update and account checks have no page as initiator ("not an origin").
    page_asked = [u for u, initiator in asked if initiator != "not an origin"]
    local = ("file:", "data:") + ((origin + "/",) if origin else ())
    foreign = [u for u in page_asked if not u.startswith(local)]
    assert not foreign, f"{url} requested other hosts: {foreign}"
    return dom


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_html_report_runs_no_payload_in_chromium(hostile, capsys, tmp_path, lang):
    chromium_path()
    page = tmp_path / f"hostile.{lang}.html"
    code, out, err = pcf(hostile, capsys, "report", case(hostile), "--format", "html", "--lang", lang,
                         "-o", str(page))
    assert code == 0, err
    html = page.read_text(encoding="utf-8")
    assert ESC not in html and "Content-Security-Policy" in html
    for tag in ("<script", "<img", "<iframe", "<svg onload"):
        assert tag not in html, tag
    dom = open_page(page.as_uri(), f"hostile-report.{lang}")
    assert "&lt;script&gt;document.title='PWNED'&lt;/script&gt;" in dom      # shown as text
    findings = re.search(r'<table class="findings">.*?</table>', dom, re.S).group(0)
    assert "counted as CO2e (=HYPERLINK(" in findings and "&lt;iframe srcdoc=" in findings
    inventory = re.search(r'<table class="inventory">.*?</table>', dom, re.S).group(0)
    assert inventory.count("<tr>") == 1 + 5                                # header, 3 lines, 2 legs
    assert re.search(r'id="product-=cmd\|\' /C calc\'!A0 &lt;b&gt;id&lt;/b&gt;(&#34;|&quot;|")\'&gt;"', dom)


# --------------------------------------------------------------------------- documentation site

HOOK = '''
from pathlib import Path


def on_files(files, config):
    from mkdocs.structure.files import File

    from pcf.api import Workspace
    from pcf.render.docs import all_pages
    root = Path({root!r})
    ws = Workspace.load(root / "kb", root / "methods")
    for path, content in all_pages(ws, root / "examples").items():
        files.append(File.generated(config, path, content=content))
    return files
'''


def test_documentation_site_runs_no_payload(hostile, tmp_path):
    chromium_path()
    (tmp_path / "hook.py").write_text(HOOK.format(root=str(hostile)), encoding="utf-8")
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    theme = "engine/render/templates/docs_theme"
    for old, new in (("docs_dir: docs", f"docs_dir: {ROOT / 'docs'}"),
                     (f"custom_dir: {theme}", f"custom_dir: {ROOT / theme}"),
                     ("  - engine/render/mkdocs_hook.py", f"  - {tmp_path / 'hook.py'}")):
        assert old in config, f"mkdocs.yml has no `{old}`: update this test's copy of the site configuration"
        config = config.replace(old, new)
    (tmp_path / "mkdocs.yml").write_text(config, encoding="utf-8")
    site = build_site(tmp_path / "mkdocs.yml", tmp_path / "site")
    pages = {"methods/hostile.m.html": "hostile-site-method", "kb/hostile-hostile.html": "hostile-site-kb",
             "kb/sources.html": "hostile-site-sources", "gallery.html": "hostile-site-gallery",
             "methods/index.html": "hostile-site-methods"}
    for page in pages:
        html = (site / page).read_text(encoding="utf-8")
        assert "Content-Security-Policy" in html and ESC not in html
        body = html.split('role="main"')[1].split("<footer")[0]       # the generated content
        for tag in ("<script", "<img", "<iframe", "<svg"):
            assert tag not in body, (page, tag)
    with serve(site) as (origin, served):
        for page, name in pages.items():
            dom = open_page(f"{origin}/{page}", name, origin)
            assert re.search(r'<html\b[^>]*\bdata-pcf-render="done"', dom), f"pcf.js did not finish on {page}"
            if page.startswith("methods/hostile"):
                (diagram,) = MERMAID_RE.findall(dom)
                assert "<svg" in diagram and 'aria-roledescription="error"' not in dom
                assert "document.title='PWNED'" in diagram          # the label text, shown
    sources = (site / "kb/sources.html").read_text(encoding="utf-8")
    anchor = '<span id="src%22%3E%3Cimg%20src%3Dx%20onerror%3Ddocument.title%3D%27PWNED%27%3E%7C%60x%60%0A"></span>'
    assert anchor in sources                                   # the hostile source key: one cell, one anchor
    method_page = (site / "methods/hostile.m.html").read_text(encoding="utf-8")
    mermaid_source = MERMAID_RE.search(method_page).group("body")
    assert "%%" not in mermaid_source and "\nclick" not in mermaid_source

    # The Content-Security-Policy, measured: an inline script that escaping had missed does not run,
    # while the site's own scripts still render the page; without the policy the same script runs.
    probe = method_page.replace('role="main">', 'role="main"><script>document.title="PWNED"</script>', 1)
    control = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", probe)
    (site / "methods" / "csp-probe.html").write_text(probe, encoding="utf-8")
    (site / "methods" / "csp-control.html").write_text(control, encoding="utf-8")
    with serve(site) as (origin, served):
        dom = open_page(f"{origin}/methods/csp-probe.html", "hostile-site-csp-probe", origin)
        assert re.search(r'<html\b[^>]*\bdata-pcf-render="done"', dom)
        assert "katex-html" in dom and "<svg" in MERMAID_RE.search(dom).group("body")
        with pytest.raises(AssertionError, match="a payload script ran"):
            open_page(f"{origin}/methods/csp-control.html", "hostile-site-csp-control", origin)


def test_report_content_security_policy_blocks_inline_script(hostile, capsys, tmp_path):
    """Measured offline in Chromium: the report's policy stops a script the escaping might have let in."""
    chromium_path()
    code, out, err = pcf(hostile, capsys, "report", str(ROOT / "examples" / "seed-003-metering-box"),
                         "--format", "html")
    assert code == 0, err
    probe = out.replace("<body>", "<body><script>document.title='PWNED'</script>"
                        "<img src=x onerror=\"document.title='PWNED'\">", 1)
    (tmp_path / "probe.html").write_text(probe, encoding="utf-8")
    (tmp_path / "control.html").write_text(re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "",
                                                  probe), encoding="utf-8")
    dom = open_page((tmp_path / "probe.html").as_uri(), "report-csp-probe")
    assert '<table class="stages">' in dom and "<svg" in dom          # the report itself still renders
    with pytest.raises(AssertionError, match="a payload script ran"):
        open_page((tmp_path / "control.html").as_uri(), "report-csp-control")


def test_word_report_keeps_every_string_as_text(hostile, capsys, tmp_path):
    """The DOCX report: the payload is run text (escaped by python-docx), never a field, a link
    or a formula; terminal escapes are shown escaped; the document opens."""
    import zipfile

    import docx
    out = tmp_path / "r.docx"
    code, _, err = pcf(hostile, capsys, "report", case(hostile), "--format", "docx", "--lang", "en", "-o", str(out))
    assert code == 0, err
    xml = zipfile.ZipFile(out).read("word/document.xml").decode("utf-8")
    assert "<w:fldSimple" not in xml and "<w:instrText" not in xml and "<w:hyperlink" not in xml
    assert ESC not in xml and "&lt;script" in xml            # markup in user text is text
    title = docx.Document(out).paragraphs[0].text
    assert title.startswith(payload().split("\n")[0].replace(ESC, "\\x1b")[:20])
