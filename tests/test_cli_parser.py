"""The command line is parsed by a parser holding only the named command's arguments (cli.py):
it must read every command line exactly as the parser holding all of them does."""
from __future__ import annotations

import argparse
import contextlib
import io

import pytest
from hypothesis import given, settings, strategies as st

from pcf.cli import COMMANDS, _command_word, _parser


def _full() -> argparse.ArgumentParser:
    return _parser(["--no-such-command-word"])    # no command word: every command's arguments


def _read(parser: argparse.ArgumentParser, argv: list[str]):
    """What a parser makes of `argv`: its namespace (the handler by what it runs), or its exit."""
    try:
        ns = parser.parse_args(argv)
    except SystemExit as exc:
        return ("exit", exc.code)
    d = vars(ns).copy()
    if "func" in d:
        d["func"] = d["func"].command
    return d


LINES = [
    ["run", "case"], ["run", "case", "--json", "--scenario", "s"], ["--kb", "layer", "run", "c"],
    ["--kb", "run", "check", "m.pcf"],            # a layer folder named like a command
    ["--k", "run", "check", "m.pcf"], ["--library-kb", "explain", "run", "c"],
    ["--lib", "explain", "run", "c"], ["--kb=run", "check", "m.pcf"],
    ["check", "a.pcf", "b.pcf", "--json"], ["explain", "c", "total", "--depth", "2"],
    ["report", "c", "--format", "md", "--lang", "en", "--sensitivity"],
    ["batch", "m", "inv.csv", "--chunk-rows", "10", "--lines"], ["kb", "show", "grid.cn", "--json"],
    ["kb", "import", "desnz", "f.csv", "-o", "x.toml"], ["methods", "--json"], ["lsp"],
    ["fmt", "--check", "a.pcf"], ["compare", "c", "--method", "a", "--method", "b"],
    ["run"], ["run", "c", "--bogus"], ["runn", "c"], [], ["--", "run", "c"], ["run", "--", "-c"],
]


@pytest.mark.parametrize("argv", LINES, ids=" ".join)
def test_the_command_parser_reads_a_line_as_the_full_parser_does(argv, capsys):
    assert _read(_parser(argv), argv) == _read(_full(), argv)


def test_only_the_named_command_gets_its_arguments():
    p = _parser(["run", "case"])
    sub = next(a for a in p._actions if isinstance(a, argparse._SubParsersAction))
    assert [name for name, _, _ in COMMANDS] == list(sub.choices)      # every command is listed
    built = [name for name, parser in sub.choices.items() if len(parser._actions) > 1]   # beyond -h
    assert built == ["run"]


@pytest.mark.parametrize("argv, word", [
    (["run", "c"], "run"), (["--kb", "run", "check"], "check"), (["--kb=x", "audit"], "audit"),
    (["--lib", "x", "run"], "run"), (["--version"], None), (["-h", "run"], "run"), ([], None),
    (["--", "kb"], "kb"),
])
def test_the_command_word_skips_options_and_their_values(argv, word):
    assert _command_word(argv) == word


WORDS = st.sampled_from([name for name, _, _ in COMMANDS] + [
    "--kb", "--k", "--kb=run", "--library-kb", "--lib", "--json", "-h", "--", "c", "x.pcf", "--method", "m",
    "--scenario", "s", "--format", "md", "-o", "out", "--depth", "2", "show", "list", "total"])


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, max_size=6))
def test_any_line_of_known_words_reads_the_same(argv):
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        assert _read(_parser(argv), argv) == _read(_full(), argv)
