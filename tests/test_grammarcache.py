"""The sealed cache of lark's parser (grammarcache.py): a loaded parser is the built one.

The rest of the suite parses with the parser its process built (the session cache starts
empty); these tests load one from the cache and compare it with a freshly built one.
"""
from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from lark.exceptions import UnexpectedInput

from pcf.language import lalr
from pcf.language.grammarcache import FOLDER, cached_lark
from pcf.language.parser import GRAMMAR_PATH

ROOT = Path(__file__).resolve().parent.parent
GRAMMAR = GRAMMAR_PATH.read_text(encoding="utf-8")
OPTIONS = dict(parser="lalr", propagate_positions=True, start=["start", "expr"], maybe_placeholders=False)
METHODS = sorted((ROOT / "methods").rglob("*.pcf"))
BROKEN = ["method x {", "method m { input a: kg\n emission e = a * * 2 }", 'method m { title = "x }',
          "method m { stage s { } }}", "", "= 3", "method m { let x = 3 kg kg }"]


def _files(cache: Path) -> list[Path]:
    return sorted((cache / FOLDER).glob("*.lark"))


def _error(parser, text: str):
    try:
        parser.parse(text, start="start")
    except UnexpectedInput as exc:
        return type(exc), exc.line, exc.column, sorted(getattr(exc, "expected", None) or ())
    return None


@pytest.fixture(scope="module")
def built_and_loaded(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    built = cached_lark(GRAMMAR, OPTIONS, cache)        # a miss: built and written
    assert len(_files(cache)) == 1
    loaded = cached_lark(GRAMMAR, OPTIONS, cache)       # a hit
    assert loaded.source_path == "<deserialized>" and built.source_path != "<deserialized>"
    return built, loaded


def test_a_loaded_parser_parses_every_method_as_the_built_one(built_and_loaded):
    built, loaded = built_and_loaded
    assert METHODS
    for path in METHODS:
        text = path.read_text(encoding="utf-8")
        assert loaded.parse(text, start="start") == built.parse(text, start="start"), path


def test_a_loaded_parser_reports_the_same_syntax_errors(built_and_loaded):
    built, loaded = built_and_loaded
    for text in BROKEN:
        assert _error(built, text) is not None, text
        assert _error(loaded, text) == _error(built, text), text


def test_a_loaded_parser_gives_the_same_tables(built_and_loaded):
    # the table-driven parse (lalr.py) reads lark's table: the same states, actions and lexers
    built, loaded = built_and_loaded
    assert lalr.tables(loaded) == lalr.tables(built)


def test_another_grammar_text_never_meets_the_old_table(tmp_path):
    cached_lark(GRAMMAR, OPTIONS, tmp_path)
    cached_lark(GRAMMAR + "\n// edited\n", OPTIONS, tmp_path)
    assert len(_files(tmp_path)) == 2


class _Plant:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):   # unpickling this creates the marker file: it must never happen
        return (Path.touch, (self.marker,))


def test_a_planted_file_is_never_unpickled(tmp_path):
    cached_lark(GRAMMAR, OPTIONS, tmp_path)
    (path,) = _files(tmp_path)
    marker = tmp_path / "ran"
    path.write_bytes(b"\0" * 32 + pickle.dumps(_Plant(marker)))   # the right name, a forged seal
    path.chmod(0o600)
    parser = cached_lark(GRAMMAR, OPTIONS, tmp_path)
    assert not marker.exists()
    assert parser.source_path != "<deserialized>"                 # rebuilt
    assert cached_lark(GRAMMAR, OPTIONS, tmp_path).source_path == "<deserialized>"   # and re-sealed


def test_diagnostics_through_a_loaded_parser_are_the_same(built_and_loaded, monkeypatch):
    # pcf's messages (parser.py: expected tokens, hints, the known-mistakes table through
    # lark's match_examples) come from the same parser object, built or loaded
    from pcf.language import parser as parser_mod
    from pcf.core.errors import PcfError, render
    from pcf.language.mistakes import MISTAKES
    texts = BROKEN[:-1] + [ex for examples in MISTAKES.values() for ex in examples]

    def messages(which):
        monkeypatch.setattr(parser_mod, "_parser", lambda: which)
        for memo in (parser_mod._literals, parser_mod._declaration_starts, parser_mod._value_starts,
                     parser_mod._mistake_kinds):
            memo.cache_clear()   # facts read from the parser: read again from this one
        out = []
        for text in texts:
            with pytest.raises(PcfError) as exc:
                parser_mod.parse(text, "m.pcf")
            out.append(render(exc.value.diagnostics))
        return out

    built, loaded = built_and_loaded
    assert messages(loaded) == messages(built)
