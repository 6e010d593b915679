"""The sealed cache of the table-driven parse's tables (language/tablecache.py): loaded tables are
the derived ones, and a file pcf did not seal is never used."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pcf.language import lalr
from pcf.language.build import _Builder
from pcf.language.parser import _parser
from pcf.language.tablecache import FOLDER, PARSER_OPTIONS, cached_tables, from_json, to_json

ROOT = Path(__file__).resolve().parent.parent
GRAMMAR = (ROOT / "grammar" / "pcf.lark").read_text(encoding="utf-8")
METHODS = sorted((ROOT / "methods").rglob("*.pcf"))


def _derive_counting(calls: list[int]):
    def derive() -> lalr.Tables:
        calls.append(1)
        return lalr.tables(_parser())
    return derive


def _parse_all(tables: lalr.Tables) -> list:
    out = []
    for path in METHODS:
        text = path.read_text(encoding="utf-8").lstrip("\ufeff")
        out.append(lalr.run(tables, text, "start", _Builder(text, str(path)).handlers()))
    return out


@pytest.fixture(scope="module")
def derived_and_loaded(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    calls: list[int] = []
    derived = cached_tables(GRAMMAR, dict(PARSER_OPTIONS), _derive_counting(calls), cache)   # a miss
    loaded = cached_tables(GRAMMAR, dict(PARSER_OPTIONS), _derive_counting(calls), cache)    # a hit
    assert calls == [1] and len(list((cache / FOLDER).glob("*.json"))) == 1
    return derived, loaded, cache


def test_loaded_tables_equal_the_derived_ones(derived_and_loaded):
    derived, loaded, _ = derived_and_loaded
    assert to_json(loaded) == to_json(derived)
    assert loaded.actions == derived.actions and loaded.reductions == derived.reductions
    assert loaded.starts == derived.starts and loaded.skip.pattern == derived.skip.pattern
    # equal expressions are one pattern, compiled once, as lalr.tables makes them
    def patterns(t):
        return [p for first, more, _ in t.lexers for p in (first, *more)]
    assert len({id(p) for p in patterns(loaded)}) == len({p.source for p in patterns(derived)})
    assert len({id(p) for p in patterns(derived)}) == len({p.source for p in patterns(derived)})


def test_loaded_tables_parse_every_method_into_the_same_nodes(derived_and_loaded):
    derived, loaded, _ = derived_and_loaded
    assert METHODS
    assert _parse_all(loaded) == _parse_all(derived)


def test_loaded_tables_refuse_where_the_derived_ones_do(derived_and_loaded):
    derived, loaded, _ = derived_and_loaded
    for text in ["method x {", "method m { input a: kg\n emission e = a * * 2 }", "= 3", "method m { stage s { } }}"]:
        where = []
        for t in (derived, loaded):
            with pytest.raises(lalr.Refused) as exc:
                lalr.run(t, text, "start", _Builder(text, "m.pcf").handlers())
            where.append(exc.value.pos)
        assert where[0] == where[1], text


@pytest.mark.parametrize("damage", ["unsealed", "wrong shape", "truncated"])
def test_a_planted_or_damaged_file_is_derived_again(tmp_path, damage):
    calls: list[int] = []
    good = cached_tables(GRAMMAR, dict(PARSER_OPTIONS), _derive_counting(calls), tmp_path)
    [path] = (tmp_path / FOLDER).glob("*.json")
    raw = path.read_bytes()
    if damage == "unsealed":     # tables of someone's choosing, without this user's seal
        data = json.loads(raw[32:])
        data["patterns"] = ["(?P<NAME>x)"] * len(data["patterns"])
        path.write_bytes(b"\0" * 32 + json.dumps(data).encode())
    elif damage == "wrong shape":
        from pcf.files.cachefiles import cache_key, write_sealed
        write_sealed(path, cache_key(tmp_path), json.dumps({"actions": [{"A": "not a state"}]}).encode())
    else:
        path.write_bytes(raw[: len(raw) // 2])
    again = cached_tables(GRAMMAR, dict(PARSER_OPTIONS), _derive_counting(calls), tmp_path)
    assert calls == [1, 1] and to_json(again) == to_json(good)


def test_from_json_refuses_a_table_of_another_shape():
    with pytest.raises(TypeError):
        from_json({"patterns": [1], "actions": [], "reductions": [], "lexers": [], "skip": "", "starts": {}})


def test_the_unit_lexer_is_one_pattern_whatever_the_state(derived_and_loaded):
    # UNIT's CJK ranges make its expression slow to compile (~7 ms): the states that accept a unit
    # share one pattern for it, tried after the state's own alternatives that lark orders first
    derived, loaded, _ = derived_and_loaded
    for t in (derived, loaded):
        units = {id(p) for first, more, _ in t.lexers for p in (first, *more) if "(?P<UNIT>" in p.source}
        states = [i for i, row in enumerate(t.actions) if "UNIT" in row]
        assert len(states) > 1 and len(units) == 1


def test_from_json_refuses_an_action_that_is_not_a_state(derived_and_loaded):
    derived, _, _ = derived_and_loaded
    d = json.loads(json.dumps(to_json(derived)))     # a copy: to_json shares the tables' rows
    row = next(r for r in d["actions"] if r)
    row[next(iter(row))] = "3"
    with pytest.raises(TypeError):
        from_json(d)


def _patterns(t: lalr.Tables) -> list[lalr.LazyPattern]:
    return [p for first, more, _ in t.lexers for p in (first, *more)]


def test_loaded_lexers_come_compiled_from_their_kept_programs(derived_and_loaded):
    # compiling the lexers' expressions took ~15 ms of every start: the cache keeps each one's
    # program for the regex engine (core/regexprogram.py), and the pattern made of it is the
    # pattern `re.compile` makes of the text
    _, loaded, _ = derived_and_loaded
    for p in _patterns(loaded):
        assert isinstance(getattr(p.match, "__self__", None), re.Pattern), p.source[:60]  # no compile left
        assert p.compiled() == re.compile(p.source)
    assert loaded.skip == re.compile(loaded.skip.pattern)


def test_a_program_the_engine_refuses_leaves_its_text_to_be_compiled(derived_and_loaded):
    derived, _, _ = derived_and_loaded
    d = json.loads(json.dumps(to_json(derived)))
    d["programs"] = [[kept[0], [17, 99, 99, 1], *kept[2:]] for kept in d["programs"]]
    d["skip_program"] = None
    tables = from_json(d)
    assert all(not isinstance(getattr(p.match, "__self__", None), re.Pattern) for p in _patterns(tables))
    assert _parse_all(tables) == _parse_all(derived)
    assert all(p.compiled() == re.compile(p.source) for p in _patterns(tables))
