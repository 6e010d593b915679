"""Reading TOML at the edge: parsed data plus the line of every key, for positioned errors.

tomli gives values but no positions. `key_positions` recovers the place of each key path
(`product[0].inputs.electricity`) by scanning the text, which is enough to point a
user at the line of a bad value; a span covers the whole `key = value` (or `[header]`),
so the caret fits both a wrong key and a wrong value.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import tomli

from .errors import Diagnostic, fail
from .source import Span, display_path

MAX_TOML_BYTES = 64 * 1024 * 1024

_HEADER = re.compile(r'^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$')
_KEY = re.compile(r'^\s*("[^"]*"|[A-Za-z0-9_\-]+(?:\s*\.\s*(?:"[^"]*"|[A-Za-z0-9_\-]+))*)\s*=')


@dataclass(frozen=True)
class TomlDoc:
    path: str            # as shown to users
    data: dict
    lines: dict = field(repr=False)  # key path -> line number
    columns: dict = field(repr=False, default_factory=dict)  # key path -> (first, past-last) column

    def span(self, key: str) -> Span:
        """The span of a key path, or of its nearest enclosing table that has a line."""
        k = key
        while k:
            if k in self.lines:
                line = self.lines[k]
                first, end = self.columns.get(k, (1, None))
                return Span(self.path, line, first, line if end else None, end)
            k = k.rsplit(".", 1)[0] if "." in k else ""
        return Span(self.path, 1, 1)

    def error(self, code: str, key: str, message: str, hint: str | None = None) -> Diagnostic:
        return Diagnostic(code, f"{key}: {message}" if key else message, self.span(key), hint=hint)


def read_toml(path: Path) -> TomlDoc:
    shown = display_path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise fail("io", f"cannot read file ({exc.strerror or exc})", None, path=shown) from None
    if len(raw) > MAX_TOML_BYTES:
        raise fail("toml", f"file larger than {MAX_TOML_BYTES // 2**20} MiB", Span(shown, 1, 1))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise fail("toml", "file is not UTF-8 text", Span(shown, line, 1),
                   hint="save the file as UTF-8") from None
    text = text.replace("\r\n", "\n")
    try:
        data = tomli.loads(text)
    except tomli.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _line_from_message(str(exc))[0]
        col = getattr(exc, "colno", None) or _line_from_message(str(exc))[1]
        msg = getattr(exc, "msg", None) or re.sub(r"\s*\(at .*\)$", "", str(exc))
        msg, hint = _toml_message(msg, text, line)
        raise fail("toml", f"invalid TOML: {msg}", Span(shown, line or 1, col or 1),
                   hint=hint) from None
    except RecursionError:
        raise fail("toml", "TOML nested too deeply", Span(shown, 1, 1)) from None
    positions = key_positions(text)
    return TomlDoc(shown, data, {k: v[0] for k, v in positions.items()},
                   {k: v[1:] for k, v in positions.items()})


def _line_from_message(msg: str) -> tuple[int | None, int | None]:
    m = re.search(r"line (\d+), column (\d+)", msg)
    return (int(m.group(1)), int(m.group(2))) if m else (None, None)


def _toml_message(msg: str, text: str, line: int | None) -> tuple[str, str | None]:
    """tomli's message in the user's terms, and a hint for the usual slips."""
    twice = re.match(r"Cannot declare \((.*)\) twice", msg)
    if twice:
        name = ".".join(p.strip().strip("'\"") for p in twice.group(1).split(",") if p.strip())
        return f"table [{name}] is declared twice", "a list of tables is written [[...]] for every item"
    if msg.startswith("Cannot overwrite a value"):
        return msg, "this key is already given above: give each key once"
    if not line:
        return msg, None
    lines = text.split("\n")
    src = lines[line - 1] if 0 < line <= len(lines) else ""
    if any(ch in src for ch in "０１２３４５６７８９．，＝“”"):
        return msg, "the line has full-width characters (０-９ ． ， ＝ “ ”): write ASCII digits and punctuation"
    if msg.startswith("Unterminated string") or (msg.startswith("Illegal character") and src.count('"') % 2):
        return msg, 'a string is not closed: end it with `"` on the same line'
    if re.search(r"=\s*[-+]?[0-9]+,[0-9]", src):
        return msg, "decimals are written with a point (1.5), and numbers have no thousands separator"
    if re.search(r"=\s*[0-9.]+\s*[^\s\d.,\]}#\"]", src):
        return msg, 'a number with a unit is a string: write `amount = "43.28 万kWh"`'
    if msg.startswith("Invalid value") and re.search(r"=\s*[^\s\d\"'\[{+\-.]", src):
        return msg, 'text is quoted: `key = "..."`'
    return msg, None


def key_lines(text: str) -> dict[str, int]:
    """Key path -> line, for plain `key = value` lines under `[table]` / `[[array]]` headers."""
    return {k: v[0] for k, v in key_positions(text).items()}


def key_positions(text: str) -> dict[str, tuple[int, int, int]]:
    """Key path -> (line, first column, column past the end) of its `key = value` or header."""
    out: dict[str, tuple[int, int, int]] = {}
    counts: dict[str, int] = {}
    prefix = ""
    for no, line in enumerate(text.split("\n"), 1):
        h = _HEADER.match(line)
        if h and not _KEY.match(line):
            resolved = _with_indices(_clean(h.group(2)), counts)
            if h.group(1) == "[[":
                idx = counts.get(resolved, 0)
                counts[resolved] = idx + 1
                prefix = f"{resolved}[{idx}]"
            else:
                prefix = resolved
            out.setdefault(prefix, (no, h.start(1) + 1, _value_end(line, h.start(1)) + 1))
            continue
        k = _KEY.match(line)
        if k:
            key = _clean(k.group(1))
            out.setdefault(f"{prefix}.{key}" if prefix else key,
                           (no, k.start(1) + 1, _value_end(line, k.end()) + 1))
    return out


def _value_end(line: str, start: int) -> int:
    """Index just past the last character of `line` before a comment, from `start`."""
    quote = None
    i = start
    while i < len(line):
        ch = line[i]
        if quote:
            if ch == "\\" and quote == '"':
                i += 1
            elif ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            break
        i += 1
    return len(line[:i].rstrip())


def _clean(key: str) -> str:
    return ".".join(p.strip().strip('"') for p in re.split(r'\.(?=(?:[^"]*"[^"]*")*[^"]*$)', key))


def _with_indices(name: str, counts: dict[str, int]) -> str:
    """`product.legs` -> `product[1].legs` when the current product is the second one."""
    parts = name.split(".")
    resolved = ""
    for i, part in enumerate(parts):
        resolved = f"{resolved}.{part}" if resolved else part
        if i < len(parts) - 1 and resolved in counts:
            resolved += f"[{counts[resolved] - 1}]"
    return resolved
