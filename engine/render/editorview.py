"""What an editor shows for `pcf lsp`'s answers, as one HTML page: the file with its semantic
colours, squiggles under the diagnostics, a hover box or a completion list, and the problems
panel. The documentation's "Editing method files" screenshots are this page in headless
Chromium (scripts/editor_screens.py): VS Code itself does not run on the machines pcf is built on,
so the pictures show the server's real answers drawn the way VS Code's light theme draws them.

Everything from the file and the server is escaped; the page has no script.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .escape import html_text

# VS Code's "Light+" colours for the semantic token types pcf's server sends.
COLOURS = {"keyword": "#0000ff", "variable": "#001080", "function": "#795e26", "type": "#267f99",
           "number": "#098658", "string": "#a31515", "comment": "#008000", "namespace": "#267f99",
           "property": "#0070c1", "enumMember": "#0070c1"}
SEVERITY = {1: ("error", "#e51400"), 2: ("warning", "#bf8803"), 3: ("info", "#1a85ff"), 4: ("hint", "#6c6c6c")}


@dataclass(frozen=True)
class Popup:
    """A hover (markdown) or a completion list (label, detail) shown under a position."""
    line: int
    character: int
    markdown: str | None = None
    items: tuple[tuple[str, str], ...] = ()


def decode_tokens(data: list[int], legend: list[str]) -> list[tuple[int, int, int, str]]:
    """LSP's relative semantic tokens (5 integers each) as (line, start, length, type)."""
    out, line, start = [], 0, 0
    for i in range(0, len(data) - 4, 5):
        dl, ds, length, kind = data[i:i + 4]
        line += dl
        start = start + ds if dl == 0 else ds
        out.append((line, start, length, legend[kind]))
    return out


def editor_html(file_name: str, text: str, tokens: list[tuple[int, int, int, str]], diagnostics: list[dict],
                popup: Popup | None = None) -> str:
    rows = text.rstrip("\n").split("\n")
    colour: dict[tuple[int, int], str] = {}
    for line, start, length, kind in tokens:
        for ch in range(start, start + length):
            colour[(line, ch)] = COLOURS.get(kind, "#000000")
    squiggle: dict[tuple[int, int], str] = {}
    for d in sorted(diagnostics, key=lambda d: -d.get("severity", 1)):   # errors drawn over warnings
        s, e = d["range"]["start"], d["range"]["end"]
        for line in range(s["line"], e["line"] + 1):
            if line >= len(rows):
                continue
            a = s["character"] if line == s["line"] else 0
            b = e["character"] if line == e["line"] else len(rows[line])
            for ch in range(a, max(b, a + 1)):
                squiggle[(line, ch)] = SEVERITY.get(d.get("severity", 1), SEVERITY[1])[1]
    body = []
    for i, row in enumerate(rows):
        cells = []
        for j, ch in enumerate(row or " "):
            style = []
            if (i, j) in colour:
                style.append(f"color:{colour[(i, j)]}")
            if (i, j) in squiggle:
                style.append(f"text-decoration:underline wavy {squiggle[(i, j)]};text-decoration-skip-ink:none")
            cells.append((";".join(style), ch))
        line_html = _runs(cells)
        if popup is not None and popup.line == i:
            line_html = _with_popup(cells, popup)
        body.append(f'<div class="row"><span class="no">{i + 1}</span><span class="code">{line_html}</span></div>')
    problems = "".join(
        f'<li><span class="sev" style="color:{SEVERITY.get(d.get("severity", 1), SEVERITY[1])[1]}">'
        f'{SEVERITY.get(d.get("severity", 1), SEVERITY[1])[0]}</span> {html_text(d["message"].split(chr(10))[0])} '
        f'<span class="dim">pcf({html_text(d.get("code", ""))}) [Ln {d["range"]["start"]["line"] + 1}, '
        f'Col {d["range"]["start"]["character"] + 1}]</span></li>' for d in diagnostics)
    return PAGE.format(name=html_text(file_name), body="\n".join(body),
                       count=len(diagnostics), problems=problems or '<li class="dim">No problems.</li>')


def _runs(cells: list[tuple[str, str]]) -> str:
    out, k = [], 0
    while k < len(cells):
        style = cells[k][0]
        m = k
        while m < len(cells) and cells[m][0] == style:
            m += 1
        chars = html_text("".join(ch for _, ch in cells[k:m]))
        out.append(f'<span style="{style}">{chars}</span>' if style else str(chars))
        k = m
    return "".join(out)


def _with_popup(cells: list[tuple[str, str]], popup: Popup) -> str:
    at = min(popup.character, len(cells))
    if popup.markdown is not None:
        box = f'<div class="popup hover">{markdown_html(popup.markdown)}</div>'
    else:
        box = '<div class="popup list">' + "".join(
            f'<div class="item{" sel" if n == 0 else ""}"><span>{html_text(label)}</span>'
            f'<span class="dim">{html_text(detail)}</span></div>' for n, (label, detail) in enumerate(popup.items)) + "</div>"
    return _runs(cells[:at]) + f'<span class="anchor">{box}</span>' + _runs(cells[at:])


def markdown_html(md: str) -> str:
    """The little markdown pcf's hovers use: paragraphs, line breaks, **bold** and `code`."""
    out = []
    for para in re.split(r"\n\s*\n", md.strip()):
        text = str(html_text(para))
        text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
        text = re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", text)
        out.append("<p>" + text.replace("\n", "<br>") + "</p>")
    return "".join(out)


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>{name}</title>
<style>
body {{ margin: 0; background: #ffffff; font: 13px/1.5 "DejaVu Sans", "Noto Sans CJK SC", sans-serif; }}
.tabs {{ background: #f3f3f3; border-bottom: 1px solid #e5e5e5; }}
.tab {{ display: inline-block; padding: 6px 14px; background: #fff; border-right: 1px solid #e5e5e5; }}
.editor {{ padding: 6px 0; font: 14px/20px "DejaVu Sans Mono", "Noto Sans Mono CJK SC", monospace; }}
.row {{ white-space: pre; }}
.no {{ display: inline-block; width: 3.5em; padding-right: 1.2em; text-align: right; color: #237893; }}
.anchor {{ position: relative; }}
.popup {{ position: absolute; top: 20px; left: 0; z-index: 2; white-space: normal; background: #f8f8f8;
          border: 1px solid #c8c8c8; box-shadow: 0 2px 8px rgba(0,0,0,.16); font: 13px/1.45 "DejaVu Sans", "Noto Sans CJK SC", sans-serif; }}
.hover {{ width: 560px; padding: 4px 10px; }}
.hover p {{ margin: 6px 0; }}
.hover code {{ font: 12px "DejaVu Sans Mono", monospace; background: #eaeaea; padding: 0 3px; }}
.list {{ width: 600px; padding: 2px 0; font: 13px/22px "DejaVu Sans Mono", "Noto Sans Mono CJK SC", monospace; }}
.item {{ display: flex; justify-content: space-between; gap: 16px; padding: 0 8px; white-space: pre; }}
.item span:first-child {{ flex-shrink: 0; }}
.item .dim {{ overflow: hidden; text-overflow: ellipsis; min-width: 0; }}
.item.sel {{ background: #d6ebff; }}
.panel {{ border-top: 1px solid #e5e5e5; margin-top: 8px; padding: 4px 12px; }}
.panel h2 {{ font-size: 11px; letter-spacing: .05em; margin: 4px 0; font-weight: normal; }}
.panel ul {{ list-style: none; margin: 0; padding: 0; }}
.sev {{ font-weight: bold; }}
.dim {{ color: #717171; }}
</style></head>
<body>
<div class="tabs"><span class="tab">{name}</span></div>
<div class="editor">
{body}
</div>
<div class="panel"><h2>PROBLEMS ({count})</h2><ul>{problems}</ul></div>
</body></html>
"""
