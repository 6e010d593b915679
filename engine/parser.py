"""Text -> lark parse tree, with syntax errors translated into positioned diagnostics.

The grammar lives in `grammar/pcf.lark`. Known mistakes (the table in `mistakes.py`)
give friendlier messages through lark's `match_examples`.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

from lark import Lark, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from .errors import Diagnostic, PcfError
from .mistakes import MISTAKES
from .source import Span

GRAMMAR_PATH = Path(__file__).resolve().parent.parent / "grammar" / "pcf.lark"

# Readable names for terminals in "expected ..." messages.
_TERMINAL_NAMES = {
    "NAME": "a name", "DOTTED_ID": "an id", "STRING": 'a "quoted label"', "UNIT": "a unit",
    "NUMBER": "a number", "INT": "a year", "KB_REF": "a kb.<id> reference",
    "LBRACE": "`{`", "RBRACE": "`}`", "LPAR": "`(`", "RPAR": "`)`", "LSQB": "`[`",
    "RSQB": "`]`", "COLON": "`:`", "EQUAL": "`=`", "PLUS": "`+`", "MINUS": "`-`",
    "STAR": "`*`", "SLASH": "`/`", "DOT": "`.`", "OPTIONAL": "`optional`", "$END": "end of file",
}

_FULLWIDTH = str.maketrans("０１２３４５６７８９．，：；（）＝＋－＊／", "0123456789.,:;()=+-*/")


@cache
def _parser() -> Lark:
    # A compiled parser is a constant of the program, safe to share.
    return Lark(GRAMMAR_PATH.read_text(encoding="utf-8"), parser="lalr",
                propagate_positions=True, start=["start", "expr"], maybe_placeholders=False)


def parse(text: str, path: str, start: str = "start", line_offset: int = 0) -> Tree:
    """Parse `text` (a method file, or one formula with start="expr")."""
    if text.startswith("\ufeff"):
        text = text[1:]  # a BOM from Windows editors is not content
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise PcfError([Diagnostic("syntax", "NUL character in the file (is it a binary or UTF-16 file?)",
                                   Span(path, line + line_offset, 1))])
    try:
        return _parser().parse(text, start=start)
    except UnexpectedInput as exc:
        raise PcfError([_diagnose(exc, text, path, start, line_offset)]) from None
    except RecursionError:
        raise PcfError([Diagnostic("syntax", "formula nested too deeply", Span(path, 1 + line_offset, 1))]) from None


def _diagnose(exc: UnexpectedInput, text: str, path: str, start: str, line_offset: int) -> Diagnostic:
    line = getattr(exc, "line", None)
    column = getattr(exc, "column", None)
    if not isinstance(line, int) or line < 1:  # end of file
        line = text.count("\n") + 1
        column = len(text.rsplit("\n", 1)[-1]) + 1
    span = Span(path, line + line_offset, column or 1)
    label = None
    if start == "start":
        try:
            label = exc.match_examples(lambda s: _parser().parse(s, start="start"), MISTAKES,
                                       use_accepts=True)
        except Exception:  # match_examples re-parses examples; never let it mask the real error
            label = None
    hint = None
    if isinstance(exc, UnexpectedCharacters):
        ch = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else ""
        found = f"unexpected character {ch!r}"
        if ch and ch.translate(_FULLWIDTH) != ch:
            hint = f"{ch!r} is a full-width character: write {ch.translate(_FULLWIDTH)!r}"
        message = label or found
    elif isinstance(exc, UnexpectedToken):
        tok = exc.token
        found = "end of file" if tok.type == "$END" else f"`{tok}`"
        expected = sorted({_TERMINAL_NAMES.get(t, f"`{t.lower()}`" if t.isupper() else t)
                           for t in exc.accepts or exc.expected})
        exp = ", ".join(expected[:8]) + (" ..." if len(expected) > 8 else "")
        message = label or f"expected {exp}; found {found}"
        if label:
            hint = f"expected {exp}; found {found}"
    elif isinstance(exc, UnexpectedEOF):
        message = label or "unexpected end of file"
    else:
        message = label or str(exc).splitlines()[0]
    return Diagnostic("syntax", message, span, hint=hint)
