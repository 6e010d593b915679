"""Regular expressions kept as the regex engine's programs (core/regexprogram.py): a pattern made
from a kept program is the one `re.compile` makes, and nothing but a valid program is taken."""
from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings, strategies as st

from pcf.core.regexprogram import from_program, program

EXPRESSIONS = [
    r"[A-Za-z%\u4e00-\u9fff][A-Za-z0-9_\u4e00-\u9fff]*",     # UNIT's costly class
    r"(?P<NAME>[a-z_]\w*)|(?P<NUMBER>\d+(?:\.\d+)?)",           # named groups: both ways of naming
    r"(?i)kwh|(?<![\w.])m³(?![ \t]*:)", r"(?:#[^\n]*|[ \t])*+", r"^\s*$", r"(a)(b)?(?P<c>c)\2",
]


@pytest.mark.parametrize("source", EXPRESSIONS)
def test_a_pattern_from_its_program_is_the_compiled_pattern(source):
    kept = json.loads(json.dumps(program(source)))          # as the cache keeps it: JSON
    made = from_program(source, kept)
    assert made == re.compile(source)     # Pattern equality: text, flags and the program itself
    assert made.groupindex == re.compile(source).groupindex and made.groups == re.compile(source).groups


@pytest.mark.filterwarnings("ignore::FutureWarning")   # "possible nested set": the expression is still valid
@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"[ab.\-*+?|()\[\]^$\\dw]{1,12}", fullmatch=True), st.text("ab- \n", max_size=12))
def test_any_expression_matches_alike(source, text):
    try:
        compiled = re.compile(source)
    except re.error:
        return
    made = from_program(source, program(source))
    assert made == compiled
    assert [m.span() for m in made.finditer(text)] == [m.span() for m in compiled.finditer(text)]


@pytest.mark.parametrize("damage", [
    lambda k: [k[0], [17, 99, 99, 1], *k[2:]],          # not a program: the engine's check refuses it
    lambda k: [k[0], k[1][: len(k[1]) // 2], *k[2:]],   # cut short
    lambda k: [k[0], ["x"] * 4, *k[2:]],                # not integers
    lambda k: k[:3],                                     # another shape
    lambda k: [k[0], [2**70] * 4, *k[2:]],              # integers the engine cannot hold
])
def test_a_damaged_program_is_refused(damage):
    source = EXPRESSIONS[1]
    with pytest.raises(ValueError):
        from_program(source, damage(program(source)))
