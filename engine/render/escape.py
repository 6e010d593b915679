"""User text made inert for each output target: one function per target, applied where text is inserted.

Every string a case, a method or the knowledge base supplies (titles, names, labels, source titles,
findings) passes through the function of the target it is written into, so that it is shown as
text and never read as markup, a directive, a formula, a table row or a terminal command:

>>> str(html_text('<img src=x onerror=alert(1)>'))
'&lt;img src=x onerror=alert(1)&gt;'
>>> markdown_text('a | b\\n| 1 |')
'a \\\\| b \\\\| 1 \\\\|'
>>> terminal_text('\\x1b[31mred')
'\\\\x1b[31mred'
>>> csv_cell('=HYPERLINK("http://x")')
'\\'=HYPERLINK("http://x")'

Control characters are shown as `\\xNN` (`\\n`, `\\r`, `\\t` for those three) wherever a target
cannot carry them as text; the Unicode bidirectional overrides, which reorder what a terminal or
a page shows ("Trojan Source"), are shown as `\\u202e` and the like.
"""
from __future__ import annotations

import html
import json
import re
from urllib.parse import quote

from markupsafe import Markup, escape

# C0 controls, DEL, C1 controls (0x9b is a one-byte CSI on some terminals), and the bidirectional
# embedding/override/isolate characters plus the line and paragraph separators.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_CONTROL_BUT_NEWLINE_TAB = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _shown(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible_controls(s: str) -> str:
    """Every control character (newlines and tabs included) as a visible escape, e.g. `\\x1b`."""
    return _CONTROL.sub(lambda m: _shown(m.group()), s)


def terminal_text(s: object) -> str:
    """One field of terminal output (a name in a table, a message): one line, no control sequences."""
    return visible_controls(str(s))


def text_block(s: str) -> str:
    """A whole text (terminal output, an SVG document): its lines and tabs kept, every other control escaped."""
    return _CONTROL_BUT_NEWLINE_TAB.sub(lambda m: _shown(m.group()), s)


def json_text(s: str) -> str:
    """JSON text with DEL, the C1 controls and the bidi overrides written as `\\u` escapes.

    `json.dumps(..., ensure_ascii=False)` already escapes U+0000-U+001F; these others it leaves raw,
    and they can only stand inside JSON strings, where `\\uXXXX` means the same character.
    """
    return _CONTROL_BUT_NEWLINE_TAB.sub(lambda m: f"\\u{ord(m.group()):04x}", s)


def html_text(s: object) -> Markup:
    """Text for HTML element content or a quoted attribute: `& < > " '` escaped, controls visible.

    Newlines and tabs stay: in HTML they are white space, and can end nothing.
    """
    if isinstance(s, Markup):
        return s
    return escape(text_block(str(s)))


_MD_SPECIAL = re.compile(r"[\\`*\[\]|]")
_MD_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")


def markdown_text(s: object) -> str:
    """Inline Markdown text (a table cell, a heading, a paragraph): shown as typed, never as markup.

    Raw HTML is escaped as entities (`<` -> `&lt;`; Markdown keeps inline HTML otherwise), a newline
    becomes a space and `|` is escaped so that no text can end a table cell or start a row, and
    the characters that open links, images, code or emphasis (`[ ] ` * _ \\`) are backslash-escaped.
    No user text starts a line (it follows a `|` or a heading's `#`), so line-start syntax needs
    nothing. An underscore inside a word (`rm_power`) opens no emphasis in Python-Markdown or
    CommonMark, so it is kept as it is, for readable source.
    """
    text = html.escape(str(s), quote=False)
    text = re.sub(r"\r\n?|\n|\u2028|\u2029", " ", text)
    text = visible_controls(text)
    text = _MD_SPECIAL.sub(lambda m: "\\" + m.group(), text)
    return _MD_UNDERSCORE.sub(r"\\_", text)


_PLAIN_CODE = re.compile(r"^[A-Za-z0-9_.:/-]+$")


def markdown_code(s: object) -> str:
    """An identifier as a Markdown code span; anything but plain identifier characters as escaped text."""
    text = str(s)
    return f"`{text}`" if _PLAIN_CODE.match(text) else markdown_text(text)


def url_path(s: str) -> str:
    """A relative path as a link target: percent-encoded but for `/`, so a file name cannot end the link."""
    return quote(s, safe="/")


def url_fragment(s: str) -> str:
    """A key as the `#fragment` of a link (percent-encoded, so it cannot end the link)."""
    return quote(s, safe="")


_MERMAID = {"#": "#35;", '"': "#quot;", "%": "#37;", "<": "#lt;", ">": "#gt;", "&": "#amp;", "`": "#96;",
            "\\": "#92;"}


def mermaid_label(s: object) -> str:
    """The text of a quoted Mermaid node label.

    Mermaid entity codes (`#quot;`, `#37;` ...) stand for every character that could end the quotes,
    open a `%%{init}%%` directive or a `%%` comment (Mermaid finds those anywhere in the text, quotes
    or not), form HTML or a Markdown string; a newline becomes a space, so no label can start a
    `click` line.
    """
    text = re.sub(r"\r\n?|\n|\u2028|\u2029", " ", str(s))
    text = "".join(_MERMAID.get(ch, ch) for ch in text)
    return visible_controls(text)


def dot_string(s: object) -> str:
    """The inside of a double-quoted DOT string: `\\` and `"` escaped, a newline as DOT's `\\n`."""
    lines = re.split(r"\r\n?|\n", str(s))
    return r"\n".join(visible_controls(line).replace("\\", "\\\\").replace('"', '\\"') for line in lines)


def toml_string(s: object) -> str:
    """A TOML basic string, quotes included: `"` `\\` and every control character escaped.

    JSON's string escapes are TOML's; DEL, which TOML also requires escaped, is added.
    """
    return json.dumps(str(s), ensure_ascii=False).replace("\x7f", "\\u007f")


_TEX = {"\\": r"\backslash ", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#", "%": r"\%",
        "_": r"\_", "^": r"\^{}", "~": r"\sim "}


def tex_text(s: object) -> str:
    """Text inside `\\mathrm{...}` (KaTeX): every TeX special character shown as itself."""
    return "".join(_TEX.get(ch, ch) for ch in visible_controls(str(s)))


# OWASP "CSV injection": a spreadsheet reads a cell starting with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$")


def csv_cell(value: object) -> object:
    """A cell for CSV or a spreadsheet: text that a spreadsheet would run as a formula gets a leading `'`.

    Numbers, and text that is exactly a number (`-0.5`, `+3e-2`), are kept as they are.
    """
    if not isinstance(value, str) or not value.startswith(_FORMULA_START) or _NUMBER.match(value):
        return value
    return "'" + value
