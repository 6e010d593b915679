"""The table-driven parse (`pcf.language.lalr`) against lark's own parse of the same grammar.

Both must accept the same texts and, through the same handlers, build equal nodes with
equal spans: lark's runtime is the reference, the table-driven loop is the fast path.
"""
from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from lark.exceptions import UnexpectedInput

from pcf.language import lalr
from pcf.language.build import _Builder, build_formula, build_method
from pcf.language.fromtree import build_from_tree
from pcf.core.errors import PcfError
from pcf.language.format import format_method
from pcf.language.parser import _parser
from pcf.language.tablecache import lalr_tables

import strategies as gen

ROOT = Path(__file__).resolve().parent.parent
METHOD_FILES = sorted((ROOT / "methods").rglob("*.pcf")) + sorted((ROOT / "tests").rglob("*.pcf"))


def both(text: str, start: str = "start"):
    """(table-driven result or None, lark-tree result or None) for `text`."""
    try:
        fast = lalr.run(lalr_tables(), text, start, _Builder(text, "m.pcf").handlers())
    except lalr.Refused:
        fast = None
    try:
        tree = _parser().parse(text, start=start)
    except UnexpectedInput:
        return fast, None
    return fast, build_from_tree(_Builder(text, "m.pcf"), tree)


def agree(text: str, start: str = "start") -> bool:
    """Whether lark accepted `text`; fails when the two parses disagree."""
    fast, ref = both(text, start)
    assert (fast is None) == (ref is None), f"only {'lark' if fast is None else 'the table'} accepts {text!r}"
    assert fast == ref, text
    return ref is not None


def test_every_library_method_builds_the_same_nodes():
    assert METHOD_FILES
    for path in METHOD_FILES:
        assert agree(path.read_text(encoding="utf-8")), path


def test_the_benchmark_model_builds_the_same_nodes():
    import sys
    sys.path.insert(0, str(ROOT / "bench"))
    import models
    assert agree(models.pcf_method(models.generate(300)))


@pytest.mark.parametrize("text", [
    # keywords are not reserved: where a name stands, `in`, `stage`, `sum` are names
    'method m { input in : kg\n let stage = in * 2 \n emission sum in in = stage }',
    'method m { table t { in : kg } emission e in s = sum(in in t: in.in) }',
    # units against names: `kg` after a number is a unit, alone it is a name
    'method m { input kg : kg\n let x = 2 kg * kg }',
    'method m { let x = 2 kgCO2e/(t*km) * 3 t/km - 4 1 }',
    # comments, blank text, CRLF, a comment at the very end without a newline
    '# head\r\nmethod m {\r\n  # inside\r\n  gwp AR5 # after\r\n}\r\n# tail',
    '\n\n   method m{}   ',
    # every optional part present and absent
    'method m "T" extends b { override let x "X" = -(-1) \n emission e "E" in s [a, b] = x }',
    'rule_like',
    'method m { rule mass_cutoff verified "cite" { max: 5 %, 1 kg, x.y, "s" } }',
    'method m { stage s "S" excluded "r" \n input x : kWh "l" optional \n let y = kb.a.b[2024] * 44/12 }',
])
def test_hand_picked_texts_agree(text):
    agree(text)


def test_a_formula_alone_agrees():
    for text in ("1", "a * (b + c) / 2 kg", "-sum(r in t: r.a * kb.x.y[2020]) - 44/12", "x *"):
        agree(text, start="expr")


def test_every_single_character_deletion_agrees():
    # One character less is the commonest slip: the table-driven lexer and parser must
    # accept and refuse exactly what lark does, wherever the character was.
    text = (ROOT / "methods" / "iso14067" / "base.pcf").read_text(encoding="utf-8")[:3000]
    for i in range(len(text)):
        agree(text[:i] + text[i + 1:])


def test_random_token_mutations_agree():
    text = (ROOT / "methods" / "iso14067" / "machinery_transport.pcf").read_text(encoding="utf-8")
    pieces = ["in", "stage", " ", "\n", "kg", "1", "(", ")", "*", "/", "-", "+", ".", "kb.a", "[2024]",
              '"x"', ":", "{", "}", "#", "sum", "t*km", "2e3", "optional", "override", ","]
    rng = random.Random(8)
    accepted = 0
    for _ in range(400):
        i = rng.randrange(len(text))
        j = min(len(text), i + rng.randrange(0, 6))
        accepted += agree(text[:i] + rng.choice(pieces) + text[j:])
    assert 0 < accepted < 400   # both kinds were exercised


def test_generated_methods_agree():
    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(gen.methods())
    def prop(method):
        assert agree(format_method(method))
    prop()


def test_a_long_run_of_spaces_before_a_bad_character_is_refused_at_once():
    # the skipping of ignored text is possessive: were it not, this would backtrack through
    # 2**n ways of splitting the spaces and never finish
    assert not agree("method m {" + " " * 5000 + "\u00a7 }")
    assert not agree("method m {" + " \n" * 3000 + "# c\n" * 100 + "let x = ; }")


def test_a_refused_text_gets_larks_diagnostic():
    with pytest.raises(PcfError) as err:
        build_method('method m {\n  let x = 2 *\n}\n', "m.pcf")
    (d,) = err.value.diagnostics
    assert d.code == "syntax" and (d.span.line, d.span.column) == (3, 1)


def test_spans_count_lines_and_columns_from_the_offsets():
    m = build_method('method m {\n  let x = 1\n\n    emission e in s = x * 2 kg\n}\n', "m.pcf")
    let, emission = m.decls
    assert (let.span.line, let.span.column, let.span.end_line, let.span.end_column) == (2, 3, 2, 12)
    assert (emission.expr.span.line, emission.expr.span.column) == (4, 23)
    # `    emission e in s = x * 2 kg`: x at column 23, kg at 29-30, the end one past it
    assert (emission.expr.span.end_line, emission.expr.span.end_column) == (4, 31)
    assert build_formula("a +\n b", "kb/x.toml", line_offset=4).span.end_line == 6


def test_a_large_methods_nodes_share_their_names_and_line_numbers():
    # Memory at 100 000 formulas (issue 25, target 4): a name's text is one string object however
    # often it is written, and the spans on one line hold one int object for its number (numbers
    # past 256 are objects of their own). Line 300 holds `emission a in s = mass * mass + mass`
    # (a longer name than one letter: Python keeps one object per one-letter string anyway).
    lines = ["method m {", '  stage s "S"', "  input mass : kg"] + ["  let pad%d = 1" % i for i in range(296)]
    text = "\n".join(lines + ["  emission a in s = mass * mass + mass", "}"]) + "\n"
    method = build_method(text, "m.pcf")
    emission = method.decls[-1]
    assert emission.span.line == 300
    refs = [emission.expr.left.left, emission.expr.left.right, emission.expr.right]
    assert [r.name for r in refs] == ["mass", "mass", "mass"]
    assert all(r.name is method.decls[1].name for r in refs)          # the input's own string
    spans = [emission.span, emission.stage_span, emission.expr.span] + [r.span for r in refs]
    assert all(s.line is emission.span.line and s.end_line is emission.span.line for s in spans)
