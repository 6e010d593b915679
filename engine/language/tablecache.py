"""The table-driven parse's tables (lalr.Tables) kept between runs, so that parsing well-formed
text needs no lark at all.

The tables are plain data (per state: the actions, the lexer's expression and its retypes;
per rule: what a reduction keeps), derived from lark's analysis of the grammar by
`lalr.tables`, with each lexer's compiled program (core/regexprogram.py: compiling the
expressions took ~15 ms of every start). Getting them from lark took about 50 ms of every
start: importing lark (~35 ms), loading its saved parser from the sealed cache
(grammarcache.py) and deriving the tables. Kept as JSON in pcf's cache folder, sealed with
this user's key like the other caches, they load in about a millisecond; lark is imported
only when a text is refused (for its diagnostics) or the tables are missing. The file name is
a digest of the grammar text, the parser's options, lark's and the table-deriving modules'
source, and the interpreter and its regex engine (`regexprogram.TAG`): any change to what the
tables are made from makes a new file. A cache that cannot be used only makes the start slower.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import re
from functools import cache
from pathlib import Path
from typing import Callable

from ..core import regexprogram
from ..core.paths import GRAMMAR_PATH
from ..files.cachefiles import read_sealed, sealed_folder, write_sealed
from . import lalr

FOLDER = "lalr-sealed"
# lark's options for grammar/pcf.lark (parser.py builds lark's parser with them)
PARSER_OPTIONS = (("parser", "lalr"), ("propagate_positions", True), ("start", ("start", "expr")),
                  ("maybe_placeholders", False))


@cache
def lalr_tables() -> lalr.Tables:
    """The grammar's LALR table and lexers, for the table-driven parse of well-formed text; a
    constant of the program, safe to share."""
    def derive() -> lalr.Tables:
        from .parser import _parser     # lark, only when the cache cannot give the tables
        return lalr.tables(_parser())
    return cached_tables(GRAMMAR_PATH.read_text(encoding="utf-8"), dict(PARSER_OPTIONS), derive)


def cached_tables(grammar: str, options: dict, derive: Callable[[], lalr.Tables],
                  cache_dir: Path | None = None) -> lalr.Tables:
    """The tables of `grammar` under `options`: from the sealed cache, else `derive()` (and kept)."""
    slot = sealed_folder(FOLDER, cache_dir)
    if slot is None:
        return derive()
    folder, key = slot
    path = folder / f"{_digest(grammar, options)}.json"
    payload = read_sealed(path, key)
    if payload is not None:
        try:
            return from_json(json.loads(payload))
        except (ValueError, TypeError, KeyError, IndexError, re.error):   # sealed, another shape: derived again
            pass
    tables = derive()
    write_sealed(path, key, json.dumps(to_json(tables), ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    return tables


def to_json(t: lalr.Tables) -> dict:
    sources = sorted({p.source for first, more, _ in t.lexers for p in (first, *more)})
    index = {s: i for i, s in enumerate(sources)}
    return {
        "actions": list(t.actions),
        "reductions": [[r.size, r.goto, [list(k) for k in r.kept], r.name, r.expand1, r.unit] for r in t.reductions],
        "patterns": sources,
        "programs": [regexprogram.program(s) for s in sources],   # the lexers compiled (core/regexprogram.py)
        "lexers": [[[index[p.source] for p in (first, *more)], retype] for first, more, retype in t.lexers],
        "skip": t.skip.pattern,
        "skip_program": regexprogram.program(t.skip.pattern),
        "starts": {k: list(v) for k, v in t.starts.items()},
    }


def from_json(d: dict) -> lalr.Tables:
    # one pattern per distinct expression, shared by the states that use it, as `lalr.tables`
    # makes them: made from its kept program, else compiled the first time a parse needs it
    sources = [_str(s) for s in d["patterns"]]
    programs = d["programs"]
    if len(programs) != len(sources):
        raise ValueError("a program per pattern")
    patterns = [_pattern(s, kept) for s, kept in zip(sources, programs)]
    # a JSON object's keys are strings: its values are what is checked (a set of types per row,
    # not a call per value: ~5 000 values, ~3 ms of a start)
    actions = tuple(d["actions"])
    if not all(type(row) is dict and set(map(type, row.values())) <= {int} for row in actions):
        raise TypeError("actions")
    reductions = tuple(lalr.Reduction(_int(size), _str(goto), tuple((_int(i), _int(how)) for i, how in kept),
                                      None if name is None else _str(name), bool(expand1), bool(unit))
                       for size, goto, kept, name, expand1, unit in d["reductions"])
    lexers = tuple((patterns[_int(first)], tuple(patterns[_int(i)] for i in more),
                    {_str(k): {_str(a): _str(b) for a, b in v.items()} for k, v in retype.items()})
                   for (first, *more), retype in d["lexers"])
    if len(lexers) != len(actions):
        raise ValueError("a lexer per state")
    starts = {_str(k): (_int(a), _int(b)) for k, (a, b) in d["starts"].items()}
    skip = _pattern(_str(d["skip"]), d["skip_program"])
    return lalr.Tables(actions, reductions, lexers, skip.compiled(), starts)


def _pattern(source: str, kept) -> lalr.LazyPattern:
    if kept is not None:
        try:
            return lalr.LazyPattern.of(regexprogram.from_program(source, kept))
        except ValueError:    # not a program this interpreter takes: compiled from the text
            pass
    return lalr.LazyPattern(source)


def _str(v) -> str:
    if not isinstance(v, str):
        raise TypeError(v)
    return v


def _int(v) -> int:
    if not isinstance(v, int) or isinstance(v, bool):
        raise TypeError(v)
    return v


def _digest(grammar: str, options: dict) -> str:
    h = hashlib.sha256()
    for part in (grammar, repr(sorted(options.items())), regexprogram.TAG):
        h.update(part.encode("utf-8") + b"\0")
    # lark's source (its version is in it) and the module that derives the tables, read, not
    # imported: importing lark is what the cache saves
    spec = importlib.util.find_spec("lark")
    for file in (spec.origin if spec else None, lalr.__file__, regexprogram.__file__, __file__):
        h.update(Path(file).read_bytes() if file else b"no lark")
        h.update(b"\0")
    return h.hexdigest()[:32]
