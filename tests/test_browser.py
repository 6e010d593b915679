"""The documentation site in a real browser, offline.

The site renders formulas (KaTeX) and diagrams (Mermaid) in the reader's browser from assets
shipped with it (docs/assets/vendor/). These tests build a site with mkdocs, serve it on
127.0.0.1, load a page in Debian's headless Chromium with every other host unresolvable, and
check that

- every formula (`.pcf-math`) was turned into KaTeX's markup and every diagram
  (`pre.mermaid`) into an SVG, with no raw Mermaid source left as text and no renderer errors;
- the page asked no host but the local server for anything (Chromium's network log), and the
  local server answered every request (no missing font or script);
- no script or style sheet of the built site is linked from another host, and no style sheet
  imports one or points a `url()` at one.

A screenshot and the rendered DOM of each page are kept in test-artifacts/ at the repository
root. Chromium is installed by .ci/run; without it the tests fail, they do not skip.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ASSETS = ROOT / "docs" / "assets"
ARTIFACTS = ROOT / "test-artifacts"
REAL_PAGE = "methods/gbt24067.electrical.html"

# The files mkdocs.yml must list (extra_css / extra_javascript), relative to docs/.
EXTRA_CSS = ["assets/vendor/katex/katex.min.css", "assets/pcf.css"]
EXTRA_JS = [
    "assets/vendor/katex/katex.min.js",
    "assets/vendor/mermaid/mermaid.min.js",
    "assets/pcf.js",
    "assets/live.js",
]

CHROMIUM_MISSING = "install Debian's chromium (apt-get install chromium): .ci/run does"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    # Offline: no name but 127.0.0.1 resolves, so any request to another host fails.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--virtual-time-budget=15000",
]
CHROMIUM_TIMEOUT = 180  # seconds, per run (a run takes about 2 s here)


# --------------------------------------------------------------------------- helpers


def chromium_path() -> str:
    exe = shutil.which("chromium")
    if exe is None and os.access("/usr/bin/chromium", os.X_OK):
        exe = "/usr/bin/chromium"
    if exe is None:
        pytest.fail(CHROMIUM_MISSING, pytrace=False)
    return exe


def build_site(config: Path, dest: Path) -> Path:
    """`mkdocs build --strict` with the mkdocs of the interpreter running the tests."""
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(dest)],
        cwd=config.parent,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, (
        f"mkdocs build --strict -f {config} failed ({proc.returncode}):\n"
        f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    )
    return dest


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the site and records (path, status) of every request instead of logging."""

    requests: list  # set per server

    def log_request(self, code="-", size="-"):
        self.requests.append((self.path, int(code) if isinstance(code, int) else code))

    def log_message(self, format, *args):  # noqa: A002 - silence stderr
        pass


@contextlib.contextmanager
def serve(site: Path):
    """Serve `site` on 127.0.0.1 at a free port, in a thread; yields (origin, requests)."""
    requests: list = []
    handler = functools.partial(
        type("Handler", (_Handler,), {"requests": requests}), directory=str(site)
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def run_chromium(url: str, *extra: str) -> str:
    """One headless Chromium run with a fresh profile; returns its stdout."""
    exe = chromium_path()
    with tempfile.TemporaryDirectory(prefix="pcf-chromium-", ignore_cleanup_errors=True) as prof:
        cmd = [exe, *CHROMIUM_FLAGS, f"--user-data-dir={prof}", *extra, url]
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group, to end all of it on a time-out
        )
        try:
            out, err = proc.communicate(timeout=CHROMIUM_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            pytest.fail(f"chromium did not finish in {CHROMIUM_TIMEOUT} s: {' '.join(cmd)}")
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)  # any helper process of this run left behind
    assert proc.returncode == 0, f"chromium exited {proc.returncode}:\n{err[-3000:]}"
    return out


def load_netlog(path: Path) -> dict:
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        return json.loads(text)
    except json.JSONDecodeError:  # a log cut short at exit lacks its closing brackets
        return json.loads(text.rstrip().rstrip(",") + "]}")


def page_requests(netlog: dict, origin: str) -> list[str]:
    """URLs of the requests the page made (initiator: the page's origin).

    Chromium's own traffic (update checks, accounts) has no page origin as initiator; it
    fails anyway under --host-resolver-rules and is not the page's doing.
    """
    start_job = netlog["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for event in netlog["events"]:
        params = event.get("params") or {}
        if event.get("type") == start_job and params.get("initiator") == origin:
            urls.append(params.get("url", ""))
    return urls


def strip_tags(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S | re.I)
    return re.sub(r"<[^>]+>", " ", html)


MATH_RE = re.compile(
    r"""<(span|div)\b[^>]*\bclass="(?P<cls>[^"]*\bpcf-math\b[^"]*)"[^>]*>""", re.I
)
MERMAID_RE = re.compile(
    r"""<pre\b[^>]*\bclass="[^"]*\bmermaid\b[^"]*"[^>]*>(?P<body>.*?)</pre>""", re.S | re.I
)
TEX_ANNOTATION_RE = re.compile(r'<annotation encoding="application/x-tex">(.*?)</annotation>', re.S)
# `\mathrm{rm_power}`: an identifier whose `\_` was lost (Markdown eats backslash escapes in
# inline HTML), rendered as rm subscript p + "ower".
BARE_UNDERSCORE_RE = re.compile(r"\\(?:mathrm|text|operatorname)\{[^{}]*(?<!\\)_[^{}]*\}")


def check_static_offline(site: Path) -> None:
    """No script/style sheet from another host; no style sheet importing or using one."""
    remote = re.compile(r"""^\s*(?:[a-z][a-z0-9+.-]*:)?//""", re.I)
    tag_re = re.compile(r"<(script|link)\b[^>]*>", re.I)
    attr_re = re.compile(r"""\b(src|href)\s*=\s*["']?([^"'\s>]+)""", re.I)
    # <link rel="canonical|alternate|..."> only names a page; these are fetched:
    fetched_rel = re.compile(
        r"""\brel\s*=\s*["']?[^"'>]*\b(stylesheet|icon|preload|modulepreload|prefetch|"""
        r"""preconnect|dns-prefetch|manifest)\b""",
        re.I,
    )
    remote_tags: dict[str, list[str]] = {}  # tag -> pages
    for page in sorted(site.rglob("*.html")):
        for tag in tag_re.finditer(page.read_text(encoding="utf-8", errors="replace")):
            if tag.group(1).lower() == "link" and not fetched_rel.search(tag.group(0)):
                continue
            if any(remote.match(value) for _, value in attr_re.findall(tag.group(0))):
                remote_tags.setdefault(tag.group(0)[:200], []).append(str(page.relative_to(site)))
    problems = [
        f"{tag}  (in {len(pages)} pages: {', '.join(pages[:3])}{', ...' if len(pages) > 3 else ''})"
        for tag, pages in remote_tags.items()
    ]
    css_remote = re.compile(
        r"""@import\s+(?:url\()?\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//""", re.I
    )
    for sheet in sorted(site.rglob("*.css")):
        for m in css_remote.finditer(sheet.read_text(encoding="utf-8", errors="replace")):
            problems.append(f"{sheet.relative_to(site)}: {m.group(0)}")
    assert not problems, (
        "the built site links scripts/style sheets from other hosts (the site must work "
        "offline; for the mkdocs theme's highlight.js from cdnjs set `theme: {name: mkdocs, "
        "highlightjs: false}` in mkdocs.yml):\n  " + "\n  ".join(problems)
    )


def check_page_in_browser(site: Path, page: str, name: str) -> str:
    """Load `page` of `site` in headless Chromium, offline; check rendering; keep artifacts."""
    assert (site / page).is_file(), f"{page} is not in the built site"
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(site) as (origin, served), tempfile.TemporaryDirectory() as tmp:
        url = f"{origin}/{page}"
        netlog_path = Path(tmp) / "netlog.json"
        dom = run_chromium(url, f"--log-net-log={netlog_path}", "--dump-dom")
        (ARTIFACTS / f"{name}.dom.html").write_text(dom, encoding="utf-8")
        shot = ARTIFACTS / f"{name}.png"
        shot.unlink(missing_ok=True)
        run_chromium(url, "--window-size=1280,2000", f"--screenshot={shot}")
        netlog = load_netlog(netlog_path)

    assert shot.is_file() and shot.stat().st_size > 1000, f"no screenshot at {shot}"
    assert "</html>" in dom, f"chromium dumped no page for {url}:\n{dom[:500]}"

    # The page asked only the local server, and the server had every file it asked for.
    asked = page_requests(netlog, origin)
    assert any(u.endswith("/assets/pcf.js") for u in asked), (
        "the network log shows no request for assets/pcf.js; requests seen:\n  "
        + "\n  ".join(asked)
    )
    foreign = [u for u in asked if not u.startswith(origin + "/")]
    assert not foreign, "the page requested other hosts:\n  " + "\n  ".join(foreign)
    missing = [f"{path} -> {code}" for path, code in served if code not in (200, 304)]
    assert not missing, "the local server could not serve:\n  " + "\n  ".join(missing)

    # pcf.js ran to the end.
    state = re.search(r'<html\b[^>]*\bdata-pcf-render="(\w+)"', dom)
    assert state, "pcf.js did not finish (no data-pcf-render on <html>): scripts not loaded?"
    assert state.group(1) == "done", "pcf.js reported a rendering error (see the browser console)"

    # Formulas: every .pcf-math element holds KaTeX's markup, none is an error.
    maths = MATH_RE.findall(dom)
    assert maths, f"{page} has no .pcf-math element"
    rendered = dom.count('data-pcf-math="done"')
    assert rendered == len(maths), f"{len(maths)} .pcf-math elements, {rendered} rendered"
    assert "katex-error" not in dom, "KaTeX could not parse a formula:\n" + "\n".join(
        re.findall(r'<span class="katex-error"[^>]*>.*?</span>', dom)[:5]
    )
    assert 'class="katex-html"' in dom, "KaTeX produced no markup"
    katex_count = dom.count('class="katex"')
    assert katex_count >= len(maths), f"{len(maths)} formulas, {katex_count} KaTeX renderings"
    sources = [re.sub(r"\s+", " ", t) for t in TEX_ANNOTATION_RE.findall(dom)]
    bare = [s for s in sources if BARE_UNDERSCORE_RE.search(s.replace("&amp;", "&"))]
    assert not bare, (
        "identifiers render with subscripts: TeX reached the browser as \\mathrm{a_b}, not "
        "\\mathrm{a\\_b} (Markdown removes backslash escapes inside inline HTML; write the "
        "backslash as &#92; or insert the math after Markdown):\n  " + "\n  ".join(bare[:5])
    )

    # Diagrams: each pre.mermaid holds an SVG and no Mermaid source text; no error diagram.
    diagrams = MERMAID_RE.findall(dom)
    assert diagrams, f"{page} has no pre.mermaid element"
    for body in diagrams:
        assert "<svg" in body, "a pre.mermaid was not rendered:\n" + strip_tags(body)[:300]
    text = strip_tags(dom)
    assert not re.search(r"\b(flowchart|graph)\s+(LR|RL|TB|TD|BT)\b", text), (
        "raw Mermaid source is still shown as text"
    )
    assert "Syntax error in text" not in text and 'aria-roledescription="error"' not in dom, (
        "Mermaid rendered an error diagram"
    )
    return dom


# --------------------------------------------------------------------------- tests

FIXTURE_PAGE = textwrap.dedent(
    r"""
    # A method

    An inline formula,
    <span class="pcf-math">\mathrm{rm&#92;_power} = \mathrm{rm&#92;_electricity} \times \mathrm{electricity&#92;_ef}</span>,
    in a sentence.

    <div class="pcf-math pcf-display">\mathrm{diesel\_ef} = \mathrm{ncv} \times \mathrm{carbon\_content} \times \mathrm{oxidation} \times \frac{44}{12}</div>

    <pre class="mermaid">flowchart LR
      rm_electricity[&quot;rm_electricity (kWh)&quot;] --&gt; rm_power
      electricity_ef[&quot;electricity_ef (kgCO2e/kWh)&quot;] --&gt; rm_power
      rm_power --&gt; raw_material((raw_material))
    </pre>

    | factor | value | unit |
    |---|---|---|
    | `electricity_ef` | 0.5366 | kgCO2e/kWh |
    """
)


def test_fixture_site_renders_offline(tmp_path):
    """The assets alone, on a site of one page with every element the generator emits."""
    chromium_path()
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copytree(ASSETS, docs / "assets")
    (docs / "method.md").write_text(FIXTURE_PAGE, encoding="utf-8")
    lines = ["extra_css:", *[f"  - {p}" for p in EXTRA_CSS], "extra_javascript:"]
    lines += [f"  - {p}" for p in EXTRA_JS]
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: fixture\n"
        "docs_dir: docs\n"
        "use_directory_urls: false\n"
        "theme:\n  name: mkdocs\n  highlightjs: false\n"
        "nav:\n  - Method: method.md\n" + "\n".join(lines) + "\n",
        encoding="utf-8",
    )
    site = build_site(tmp_path / "mkdocs.yml", tmp_path / "site")
    check_static_offline(site)
    dom = check_page_in_browser(site, "method.html", "browser-fixture")
    # the display formula: set in KaTeX's inline mode inside its block (so that it can wrap),
    # in display style, and not wider than its box
    assert re.search(r'<div class="pcf-math pcf-display"[^>]*data-pcf-math="done"', dom)
    assert 'data-pcf-overflow' not in dom
    assert len(MERMAID_RE.findall(dom)) == 1


def test_method_page_renders_offline(tmp_path):
    """The real site: the GB/T 24067 electrical method page, as the generator writes it."""
    chromium_path()
    site = build_site(ROOT / "mkdocs.yml", tmp_path / "site")
    if not (site / REAL_PAGE).is_file():
        pages = sorted(str(p.relative_to(site)) for p in site.rglob("*.html"))
        pytest.fail(
            f"{REAL_PAGE} is not in the built site: the page generator (the mkdocs hook under "
            f"docs/) must write the method pages. Pages built: {', '.join(pages)}",
            pytrace=False,
        )
    html = (site / REAL_PAGE).read_text(encoding="utf-8")
    unlinked = [p for p in EXTRA_CSS + EXTRA_JS if p not in html]
    assert not unlinked, (
        f"{REAL_PAGE} does not load {', '.join(unlinked)}: list them in mkdocs.yml "
        "(extra_css / extra_javascript)"
    )
    check_static_offline(site)
    check_page_in_browser(site, REAL_PAGE, "browser-gbt24067.electrical")


def test_worked_cases_page_renders_offline(tmp_path):
    """The worked cases (issue 17): figures computed at build time, methods shown as written."""
    chromium_path()
    site = build_site(ROOT / "mkdocs.yml", tmp_path / "site")
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(site) as (origin, served), tempfile.TemporaryDirectory() as tmp:
        url = f"{origin}/worked.html"
        netlog_path = Path(tmp) / "netlog.json"
        dom = run_chromium(url, f"--log-net-log={netlog_path}", "--dump-dom")
        (ARTIFACTS / "browser-worked-cases.dom.html").write_text(dom, encoding="utf-8")
        shot = ARTIFACTS / "browser-worked-cases.png"
        shot.unlink(missing_ok=True)
        run_chromium(url, "--window-size=1280,2400", f"--screenshot={shot}")
        asked = page_requests(load_netlog(netlog_path), origin)
    assert shot.is_file() and shot.stat().st_size > 1000
    assert not [u for u in asked if not u.startswith(origin + "/")], asked
    assert re.search(r'<html\b[^>]*\bdata-pcf-render="done"', dom), "pcf.js did not finish"
    # the battery's total per kWh delivered (7743 / 144 000) and the steel part's scenarios
    assert "<strong>0.05377</strong>" in dom and "<strong>1.9040</strong>" in dom and "<strong>3.4000</strong>" in dom
    # a method's text is code, escaped: its quotes and arrows are text, not markup
    assert "method worked.battery &quot;" in dom or 'method worked.battery "' in dom
    assert "<code>examples/worked-floor-tile</code>" in dom
