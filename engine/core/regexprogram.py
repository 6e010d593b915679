"""Regular expressions kept compiled between runs, as the regex engine's own programs.

CPython compiles an expression in two steps: its compiler, written in Python (`re._compiler`),
turns the text into a program for the regex engine, a list of integers, and `_sre.compile`
makes a Pattern of that program. The first step is what costs: the grammar's lexers took
~15 ms of every start, 7 of them for UNIT's CJK ranges, whose every code point the compiler
visits. A program is plain data: kept in a sealed cache (language/tablecache.py), it becomes
a Pattern again in microseconds.

Both steps are CPython's internals, not its API, so nothing here is trusted further than it
is checked: `program` returns None where the internals are not there (the caller then keeps
the text alone and compiles it); `TAG` names the interpreter and the engine's program format
(`_sre.MAGIC`), and a cache keyed by it never hands a program to another interpreter; and
`_sre.compile` validates every program it is given (a malformed one raises, it never runs).
A Pattern made from a program equals the one `re.compile` makes of the text: Pattern
equality compares the text, the flags and the program (tests/test_tablecache.py).
"""
from __future__ import annotations

import re
import sys

try:
    import _sre
except ImportError:      # not CPython: there are no programs to keep
    _sre = None

TAG = f"{sys.implementation.name} {sys.version} sre {getattr(_sre, 'MAGIC', None)} {getattr(_sre, 'CODESIZE', None)}"


def program(source: str) -> list | None:
    """The engine's program for `source` as JSON-able data (flags, code, group count, group
    names both ways), or None where CPython's compiler is not there."""
    if _sre is None:
        return None
    try:
        from re import _compiler, _parser
        parsed = _parser.parse(source, 0)
        code = _compiler._code(parsed, 0)
        state = parsed.state
        names: list[str | None] = [None] * state.groups
        for name, index in state.groupdict.items():
            names[index] = name
        return [state.flags, list(code), state.groups - 1, dict(state.groupdict), names]
    except (ImportError, AttributeError, TypeError):
        return None


def from_program(source: str, kept) -> re.Pattern:
    """The Pattern of `source` from its kept program; ValueError when none can be made of it."""
    if _sre is None:
        raise ValueError("no regex engine to load programs into")
    try:
        flags, code, groups, groupindex, names = kept
        return _sre.compile(source, flags, code, groups, groupindex, tuple(names))
    except (TypeError, ValueError, RuntimeError, OverflowError) as exc:   # RuntimeError: invalid SRE code
        raise ValueError(f"no pattern from this program ({exc})") from None
