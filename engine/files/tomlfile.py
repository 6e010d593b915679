"""Reading TOML at the edge: parsed data plus the line of every key, for positioned errors.

tomli gives values but no positions. `key_positions` recovers the place of each key path
(`product[0].inputs.electricity`) by scanning the text, which is enough to point a
user at the line of a bad value; a span covers the whole `key = value` (or `[header]`),
so the caret fits both a wrong key and a wrong value.
"""
from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import tomli

from ..core.errors import Diagnostic, fail
from ..core.source import Span, display_path
from .inputfile import checked

MAX_TOML_BYTES = 64 * 1024 * 1024

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
    if os.path.exists(path):   # a FIFO or a device would block or never end: refused (inputfile.py)
        checked(path, None, None, "TOML file")
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
        msg = getattr(exc, "msg", None) or _without_position(str(exc))
        msg, hint = _toml_message(msg, text, line)
        raise fail("toml", f"invalid TOML: {msg}", Span(shown, line or 1, col or 1),
                   hint=hint) from None
    except RecursionError:
        raise fail("toml", "TOML nested too deeply", Span(shown, 1, 1)) from None
    except ValueError:   # tomli's int() of an integer of 4 300 digits or more (Python's cap on int parsing)
        line, col = _long_integer(text)
        raise fail("toml", f"integer of more than {sys.get_int_max_str_digits()} digits",
                   Span(shown, line, col), hint="a year or a count has a few digits: check this number") from None
    positions = key_positions(text)
    return TomlDoc(shown, data, {k: v[0] for k, v in positions.items()},
                   {k: v[1:] for k, v in positions.items()})


def _long_integer(text: str) -> tuple[int, int]:
    """Line and column of the first run of digits longer than Python parses as an int."""
    cap = sys.get_int_max_str_digits()
    for m in re.finditer(r"[0-9_]+", text):    # maximal runs: each character is scanned once
        if m.end() - m.start() > cap:
            line = text.count("\n", 0, m.start()) + 1
            return line, m.start() - text.rfind("\n", 0, m.start())
    return 1, 1


def _without_position(text: str) -> str:
    """tomli's message without its `(at line 3, column 5)` (found by a scan, not a `\\s*`-led search)."""
    head, sep, tail = text.rpartition(" (at ")
    return head.rstrip() if sep and tail.endswith(")") else text


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
        h = _header(line)
        if h and not _KEY.match(line):
            brackets, name, first = h
            resolved = _with_indices(_clean(name), counts)
            if brackets == "[[":
                idx = counts.get(resolved, 0)
                counts[resolved] = idx + 1
                prefix = f"{resolved}[{idx}]"
            else:
                prefix = resolved
            out.setdefault(prefix, (no, first + 1, _value_end(line, first) + 1))
            continue
        k = _KEY.match(line)
        if k:
            key = _clean(k.group(1))
            out.setdefault(f"{prefix}.{key}" if prefix else key,
                           (no, k.start(1) + 1, _value_end(line, k.end()) + 1))
    return out


def _header(line: str) -> tuple[str, str, int] | None:
    """`[name]` or `[[name]]`, then a comment or nothing: (brackets, name, index of the first
    bracket), else None. A scan, not a regex: the pattern it replaces backtracked cubically
    over a long line inside a multi-line string (4 000 characters: 44 s)."""
    first = len(line) - len(line.lstrip())
    if not line.startswith("[", first):
        return None
    brackets = "[[" if line.startswith("[[", first) else "["
    close = line.find("]", first + len(brackets))
    if close < 0:
        return None
    name = line[first + len(brackets):close]
    if not name and brackets == "[[":     # `[[]`: the name is `[` inside one bracket
        brackets, name = "[", "["
    if not name:
        return None
    rest = line[close + 1:]
    rest = (rest[1:] if rest.startswith("]") else rest).lstrip()
    return (brackets, name.strip(), first) if not rest or rest.startswith("#") else None


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
    """`a."b.c" . d` -> `a.b.c.d`: split at the dots followed by an even number of quotes (outside
    quoted parts), counted from the end in one pass (a look-ahead per dot was quadratic)."""
    parts, end, quotes = [], len(key), 0
    for i in range(len(key) - 1, -1, -1):
        if key[i] == '"':
            quotes += 1
        elif key[i] == "." and quotes % 2 == 0:
            parts.append(key[i + 1:end])
            end = i
    parts.append(key[:end])
    return ".".join(p.strip().strip('"') for p in reversed(parts))


def _with_indices(name: str, counts: dict[str, int]) -> str:
    """`product.legs` -> `product[1].legs` when the current product is the second one."""
    parts = name.split(".")
    resolved = ""
    for i, part in enumerate(parts):
        resolved = f"{resolved}.{part}" if resolved else part
        if i < len(parts) - 1 and resolved in counts:
            resolved += f"[{counts[resolved] - 1}]"
    return resolved
