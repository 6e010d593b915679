"""The grammar's lark parser, and its syntax errors translated into positioned diagnostics.

Well-formed text is parsed by `lalr.run` over this parser's table (`tablecache.lalr_tables`), straight
into nodes (build.py); lark's own `parse` runs when that refuses the text, for the exception
the diagnostics below are made from.

The grammar lives in `grammar/pcf.lark`. Known mistakes (the table in `mistakes.py`)
give friendlier messages through lark's `match_examples`; every other syntax error says
what the grammar expected there and what it found, with a hint where a likely cause is
recognisable (a misspelt keyword, a missing operator, a typographic quote ...).
"""
from __future__ import annotations

import re
from functools import cache

from lark import Lark, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from ..core.errors import Diagnostic, PcfError, did_you_mean, fail
from ..core.paths import GRAMMAR_PATH
from ..core.source import Span, strip_bom
from .grammarcache import cached_lark
from .tablecache import PARSER_OPTIONS
from .mistakes import MISTAKES


# Readable names for pattern terminals in "expected ..." messages; keywords and
# punctuation are shown as written in the grammar.
_TERMINAL_NAMES = {
    "NAME": "a name", "DOTTED_ID": "an id", "STRING": 'a "quoted label"', "UNIT": "a unit",
    "NUMBER": "a number", "INT": "a year", "KB_REF": "a kb.<id> reference",
    "RULE_STATUS": "`verified` or `reading`", "$END": "end of file",
}
_OPERATORS = frozenset({"PLUS", "MINUS", "STAR", "SLASH"})
# LALR reports an error after the reductions its lookahead allows, so after `2 * 3` it may
# accept only `+ -` where the text would allow any operator: both signs stand for all four.
_ADDITIVE = frozenset({"PLUS", "MINUS"})
# Tokens a lexer may read a stray word as, depending on its letters: one kind of mistake.
_WORDS = frozenset({"NAME", "DOTTED_ID", "UNIT"})

_FULLWIDTH = str.maketrans("０１２３４５６７８９．，：；（）＝＋－＊／", "0123456789.,:;()=+-*/")
_LOOKALIKES = {"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "×": "*", "÷": "/", "−": "-",
               "–": "-", "—": "-"}


@cache
def _parser() -> Lark:
    # A compiled parser is a constant of the program, safe to share.
    options = dict(PARSER_OPTIONS)
    options["start"] = list(options["start"])     # as lark keeps it (its saved parser is keyed on these)
    return cached_lark(GRAMMAR_PATH.read_text(encoding="utf-8"), options)


def parse(text: str, path: str, start: str = "start", line_offset: int = 0) -> Tree:
    """Parse `text` (a method file, or one formula with start="expr")."""
    text = strip_bom(text)
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise fail("syntax", "NUL character in the file (is it a binary or UTF-16 file?)",
                   Span(path, line + line_offset, 1))
    try:
        return _parser().parse(text, start=start)
    except UnexpectedInput as exc:
        raise PcfError([_diagnose(exc, text, path, start, line_offset)]) from None
    except RecursionError:
        raise fail("syntax", "formula nested too deeply", Span(path, 1 + line_offset, 1)) from None


# --- what the grammar expects, in words -------------------------------------------------

@cache
def _literals() -> dict[str, str]:
    """Terminal name -> its text, for keywords and punctuation (`STAGE` -> `stage`)."""
    return {t.name: t.pattern.value for t in _parser().terminals if t.pattern.type == "str"}


def _accepts_after(prefix: str) -> frozenset[str]:
    try:
        _parser().parse(prefix, start="start")
    except UnexpectedToken as exc:
        return frozenset(exc.accepts or exc.expected)
    return frozenset()  # pragma: no cover - the prefixes below are incomplete by construction


@cache
def _declaration_starts() -> frozenset[str]:
    """Keywords that may open a declaration, read from the grammar (not listed by hand)."""
    return _accepts_after("method m {") - {"RBRACE"}


@cache
def _value_starts() -> frozenset[str]:
    """Tokens that may open a value in a formula."""
    return _accepts_after("method m { let x = }")


def _show(terminal: str) -> str:
    if terminal in _TERMINAL_NAMES:
        return _TERMINAL_NAMES[terminal]
    lit = _literals().get(terminal)
    return f"`{lit}`" if lit is not None else terminal.lower()


def _expected(accepts: frozenset[str]) -> str:
    """`accepts` in words: whole groups (an operator, a value, a declaration) named once."""
    parts, rest = [], set(accepts)
    if _ADDITIVE <= accepts:
        parts.append("an operator (+ - * /)")
        rest -= _OPERATORS
    if _value_starts() and _value_starts() <= accepts:
        parts.append("a value (a number, a name, a kb.<id> reference, `sum(...)`, `(` or a sign `-`)")
        rest -= _value_starts()
    if _declaration_starts() and _declaration_starts() <= accepts:
        parts.append("a declaration (stage, input, table, let, emission ...)")
        rest -= _declaration_starts()
    last = [t for t in ("RBRACE", "$END") if t in rest]
    parts += sorted(_show(t) for t in rest - set(last)) + [_show(t) for t in last]
    if not parts:
        return "nothing more"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]


# --- known mistakes ----------------------------------------------------------------------

def _kind(exc: UnexpectedInput) -> str:
    """What went wrong, coarsely: a label from the table applies only to the same kind.

    lark's `match_examples` also accepts an example that merely stopped in the same parser
    state; without this filter `stage a "A"` followed by a misspelt keyword would be told
    its `{` is never closed, the label of an example that ended the file there.
    """
    if isinstance(exc, UnexpectedToken):
        t = exc.token.type
        if t in _declaration_starts() or t == "RBRACE":
            return "next declaration"   # the text moved on to the next declaration or the end
        return "word" if t in _WORDS else t
    if isinstance(exc, UnexpectedCharacters):
        return f"character {exc.char}"
    return type(exc).__name__


@cache
def _mistake_kinds() -> tuple[tuple[str, str, str], ...]:
    """(label, example, kind of its error) for every example of the table."""
    out = []
    for label, examples in MISTAKES.items():
        for example in examples:
            try:
                _parser().parse(example, start="start")
            except UnexpectedInput as exc:
                out.append((label, example, _kind(exc)))
    return tuple(out)


def _known_mistake(exc: UnexpectedInput) -> str | None:
    kind = _kind(exc)
    same: dict[str, list[str]] = {}
    for label, example, k in _mistake_kinds():
        if k == kind:
            same.setdefault(label, []).append(example)
    if not same:
        return None
    try:
        return exc.match_examples(lambda s: _parser().parse(s, start="start"), same, use_accepts=True)
    except Exception:  # match_examples re-parses examples; never let it mask the real error
        return None


# --- the diagnostic ----------------------------------------------------------------------

def _diagnose(exc: UnexpectedInput, text: str, path: str, start: str, line_offset: int) -> Diagnostic:
    line = getattr(exc, "line", None)
    column = getattr(exc, "column", None)
    tok = getattr(exc, "token", None)
    if tok is not None and tok.type == "$END" and isinstance(getattr(tok, "end_line", None), int):
        # lark places the end of file on the last token; point just past it instead.
        line, column = tok.end_line, tok.end_column
    if not isinstance(line, int) or line < 1:  # end of an empty file
        line = text.count("\n") + 1
        column = len(text.rsplit("\n", 1)[-1]) + 1
    span = Span(path, line + line_offset, column or 1)
    if tok is not None and tok.type != "$END" and tok.end_line == tok.line and tok.end_column:
        span = Span(path, line + line_offset, column or 1, line + line_offset, tok.end_column)
    label = _known_mistake(exc) if start == "start" else None
    hint = None
    if isinstance(exc, UnexpectedCharacters):
        ch = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else ""
        message, hint = _unexpected_character(ch)
    elif isinstance(exc, UnexpectedToken):
        accepts = frozenset(exc.accepts or exc.expected)
        found = "end of file" if tok.type == "$END" else f"`{tok}`"
        message = f"expected {_expected(accepts)}; found {found}"
        hint = _token_hint(tok, accepts, text)
        if hint is not None and hint.startswith("two values in a row") and "PLUS" not in accepts:
            message = f"expected an operator (+ - * /) or the end of the formula; found {found}"
    elif isinstance(exc, UnexpectedEOF):  # pragma: no cover - LALR reports the end as a $END token
        message = "unexpected end of file"
    else:  # pragma: no cover - lark raises only the kinds above
        message = str(exc).splitlines()[0]
    if label:
        # The table's message leads; what the grammar saw stays visible as the hint (the
        # end-of-file hint would only repeat a label about an unclosed `{`).
        extra = hint if hint and not (tok is not None and tok.type == "$END") else None
        hint, message = (f"{message} ({extra})" if extra else message), label
    return Diagnostic("syntax", message, span, hint=hint)


def _unexpected_character(ch: str) -> tuple[str, str | None]:
    if ch == '"':
        # A label may not run over a line end: an unmatched quote is a label left open.
        return ('a quoted label is not closed: the `"` here has no closing `"` on its line',
                'close it on the same line: `"label"`')
    message = f"unexpected character {ch!r}"
    if ch and ch.translate(_FULLWIDTH) != ch:
        return message, f"{ch!r} is a full-width character: write {ch.translate(_FULLWIDTH)!r}"
    if ch in _LOOKALIKES:
        if _LOOKALIKES[ch] in "\"'":
            return message, 'a typographic quote: labels are written between ASCII double quotes `"..."`'
        return message, f"write the ASCII `{_LOOKALIKES[ch]}`"
    if ch == "'":
        return message, 'labels are written between double quotes: `"..."`'
    return message, None


# The words before an error, found by scanning back from it: a regex search for `\w+$` restarts
# at every character of an earlier long word and scans it to its end (quadratic on a 1 MB line).

def _word_before(text: str, end: int) -> str:
    """The run of word characters (`\\w`: letters, digits, `_`) that ends at `end` (or before a
    line end there, as `$` matches)."""
    return _word_run(text, end - (end > 0 and text[end - 1] == "\n"))


def _word_run(text: str, end: int) -> str:
    i = end
    while i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_"):
        i -= 1
    return text[i:end]


def _dotted_before(text: str, end: int) -> bool:
    """Whether `name.word` ends at `end` (the name with an ASCII letter or `_` in it)."""
    end -= end > 0 and text[end - 1] == "\n"
    last = _word_run(text, end)
    dot = end - len(last) - 1
    if not last or dot < 0 or text[dot] != ".":
        return False
    return any(c.isascii() and (c.isalpha() or c == "_") for c in _word_run(text, dot))


def _name_before(text: str, end: int) -> str | None:
    """The ASCII name (`[A-Za-z_][A-Za-z0-9_]*`) that ends at `end`, blanks after it allowed."""
    while end > 0 and text[end - 1].isspace():
        end -= 1
    i = end
    while i > 0 and text[i - 1].isascii() and (text[i - 1].isalnum() or text[i - 1] == "_"):
        i -= 1
    while i < end and text[i].isdigit():
        i += 1
    return text[i:end] or None


def _token_hint(tok, accepts: frozenset[str], text: str) -> str | None:
    if tok.type == "$END":
        return "a `{` is not closed before the end of the file" if "RBRACE" in accepts else None
    glued = re.search(r"(?:^|[\n{}\"])[ \t]*([A-Za-z_]\w*)[ \t]*$", text[:tok.start_pos or 0])
    if glued:
        # The lexer takes a keyword where it fits, word boundary or not: `stagee x` is `stage e x`.
        word = glued.group(1)
        for kw in sorted((_literals()[t] for t in _declaration_starts()), key=len, reverse=True):
            if word.startswith(kw) and word != kw:
                return f"`{word}` was read as `{kw} {word[len(kw):]}`: did you mean `{kw}`?"
    keywords = [lit for t, lit in _literals().items() if t in accepts and lit.isidentifier()]
    if tok.type in _WORDS or tok.type in _literals():
        close = did_you_mean(str(tok), keywords)
        if close:
            return close
    if tok.type == "COMMA" and tok.start_pos and text[tok.start_pos - 1:tok.start_pos].isdigit() \
            and text[tok.start_pos + 1:tok.start_pos + 2].isdigit():
        return "decimals are written with a point (`1.5`), and numbers have no thousands separator"
    if tok.type == "DOT" and "NUMBER" in accepts and text[tok.end_pos:tok.end_pos + 1].isdigit():
        return "write a leading zero: `0.5`, not `.5`"
    if tok.type == "DOT" and _dotted_before(text, tok.start_pos or 0):
        return "a name takes one dot (`row.column`); knowledge-base ids start with `kb.`, in lowercase"
    # `max(a)` may lex `(a)` as a parenthesised unit: either way a word is followed by `(`.
    if str(tok).startswith("(") and re.search(r"\w$", text[:tok.start_pos or 0]):
        word = _word_before(text, tok.start_pos)
        if word not in ("sum", "min", "max", "abs", "round"):
            return (f"`{word}(` reads as a function call: the functions are `sum(row in table: formula)`, "
                    "`min(a, b, ...)`, `max(a, b, ...)`, `abs(x)` and `round(x, step)`")
    before = text[max(0, (tok.start_pos or 0) - 4000):tok.start_pos or 0]   # a bounded look back
    if str(tok) == ")" and re.search(r"\b(min|max)\([^()]*$", before):
        return "min and max choose among two or more quantities: `max(x, 1 kWh)`"
    if _ADDITIVE <= accepts and tok.type in _value_starts() | _WORDS:
        before = _name_before(text, tok.start_pos or 0)
        if before in {_literals()[t] for t in _declaration_starts()}:
            # Keywords are not reserved: after an operator, `emission` reads as a name.
            return (f"`{before}` was read as a name, so the formula before it is unfinished: "
                    "does it end with an operator?")
        return "two values in a row: is an operator (+ - * /) missing between them?"
    if _declaration_starts() and _declaration_starts() <= accepts and tok.type in _WORDS:
        # A formula may end where a map key or a scenario's name could follow, so `a + b c`
        # ends the formula at `b`: a word after a value on the line of a formula is two values.
        before = _name_before(text, tok.start_pos or 0)
        if before in {_literals()[t] for t in _declaration_starts()}:
            return (f"`{before}` was read as a name, so the formula before it is unfinished: "
                    "does it end with an operator?")
        line = text[text.rfind("\n", 0, tok.start_pos or 0) + 1:tok.start_pos or 0]
        if "=" in line and re.search(r"[\w)\"]\s*$", line) and ":" not in line.split("=")[0]:
            return "two values in a row: is an operator (+ - * /) missing between them?"
        starts = sorted(_literals()[t] for t in _declaration_starts())
        return f"a declaration starts with one of: {', '.join(starts)}"
    return None
