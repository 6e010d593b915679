"""The method language: parse + build into frozen nodes with spans, and syntax errors.

Every known mistake of engine/language/mistakes.py is checked to still produce its message; every
construct of grammar/pcf.lark is checked to build the right node at the right place.
Expected columns are found by searching the source text (an oracle independent of lark).
"""
from __future__ import annotations

import pytest

import pcf
from pcf.language import nodes as n
from pcf.language.build import build_formula, build_method
from pcf.core.errors import PcfError
from pcf.language.mistakes import MISTAKES
from pcf.core.source import Span

# --- every known mistake keeps its message -------------------------------------------------

KNOWN = [(label, example) for label, examples in MISTAKES.items() for example in examples]


@pytest.mark.parametrize("label,example", KNOWN, ids=[e for _, e in KNOWN])
def test_known_mistake_gives_its_message(label, example):
    with pytest.raises(PcfError) as err:
        build_method(example, "m.pcf")
    d = err.value.diagnostics[0]
    assert d.code == "syntax"
    assert d.message == label
    assert d.span is not None and d.span.path == "m.pcf"
    # The position is inside the example (or just past its end, for a missing `}`).
    lines = example.split("\n")
    assert 1 <= d.span.line <= len(lines)
    assert 1 <= d.span.column <= len(lines[d.span.line - 1]) + 1


def test_a_label_is_not_given_to_a_different_mistake_in_the_same_place():
    # The parser state after `stage a "A"` is the one of the "`{` is never closed" example;
    # a misspelt keyword there is another mistake and must be named as such.
    with pytest.raises(PcfError) as err:
        build_method('method m {\n  stage a "A"\n  emision x in a = 2\n}', "m.pcf")
    d = err.value.diagnostics[0]
    assert "never closed" not in d.message
    assert "found `emision`" in d.message
    assert d.hint == "did you mean `emission`?"
    assert (d.span.line, d.span.column) == (3, 3)


# --- other syntax errors: message, hint, position -------------------------------------------

SYNTAX = [
    # (source, text in the message, text in the hint, line, column)
    ('method m { stage a "A }', "quoted label is not closed", 'close it on the same line', 1, 20),
    ('method m {\n  inptu x : kWh\n}', "found `inptu`", "did you mean `input`?", 2, 3),
    ('method m {\n  inputs x : kWh\n}', "found `x`", "`inputs` was read as `input s`", 2, 10),
    ('method m { let x = a b }', "expected an operator", "is an operator (+ - * /) missing", 1, 22),
    ('method m { let x = 2 *\n  emission e in s = 3 }', "found `e`", "`emission` was read as a name", 2, 12),
    ('method m { stage a “A” }', "unexpected character '“'", "ASCII double quotes", 1, 20),
    ("method m { stage a 'A' }", "unexpected character \"'\"", "double quotes", 1, 20),
    ('method m { let x = 2 ＋ 3 }', "unexpected character '＋'", "full-width character: write '+'", 1, 22),
    ('method m { let x = 2 × 3 }', "unexpected character '×'", "write the ASCII `*`", 1, 22),
    ('method m { let x = 1,5 }', "found `,`", "decimals are written with a point", 1, 21),
    ('method m { let x = .5 }', "found `.`", "`0.5`, not `.5`", 1, 20),
    ('method m { let x = kb.cn.X }', "found `.`", "knowledge-base ids start with `kb.`", 1, 25),
    ('method m { let x = foo(a) }', "found `(", "the functions are `sum(", 1, 23),
    ('method m { let x = foo(a * b) }', "found `(", "the functions are `sum(", 1, 23),
    ('method m { let x = max(a) }', "found `)`", "two or more quantities", 1, 25),
    ('method m {\n  let x = 2\n', "found end of file", "not closed before the end of the file", 2, 12),
    ('method m { let x = 2 * (3 + 4 }', "expected `)`; found `}`", None, 1, 31),
    ('method m { } method n { }', "expected end of file; found `method`", None, 1, 14),
    ('', "expected `method`; found end of file", None, 1, 1),
]


@pytest.mark.parametrize("source,message,hint,line,column", SYNTAX, ids=[s[0] or "<empty>" for s in SYNTAX])
def test_syntax_error(source, message, hint, line, column):
    with pytest.raises(PcfError) as err:
        build_method(source, "m.pcf")
    (d,) = err.value.diagnostics
    assert d.code == "syntax"
    assert message in d.message
    if hint is None:
        assert d.hint is None
    else:
        assert hint in (d.hint or "")
    assert (d.span.path, d.span.line, d.span.column) == ("m.pcf", line, column)


def test_nul_character_is_a_positioned_error():
    with pytest.raises(PcfError) as err:
        build_method('method m {\n  stage a "A"\x00\n}', "m.pcf")
    (d,) = err.value.diagnostics
    assert d.code == "syntax" and "NUL" in d.message and d.span.line == 2


def test_number_too_large_is_an_error_not_a_crash():
    # float("1e400") is inf: the builder refuses it (lark would otherwise wrap it in a VisitError).
    with pytest.raises(PcfError) as err:
        build_method("method m { let x = 1e400 }", "m.pcf")
    (d,) = err.value.diagnostics
    assert d.code == "bad-number" and "1e400" in d.message
    assert (d.span.line, d.span.column) == (1, 20)


def test_formula_errors_are_shifted_to_their_line():
    # Knowledge-base formulas live on a line of a TOML file: positions count from there.
    with pytest.raises(PcfError) as err:
        build_formula("kb.a.b *", "kb/x.toml", line_offset=11)
    (d,) = err.value.diagnostics
    assert (d.span.path, d.span.line) == ("kb/x.toml", 12)


def test_every_single_character_deletion_is_a_method_or_an_error():
    # Deleting characters is how most slips happen; none may end in a traceback.
    text = ('method t.m "T" {\n  standard "S"\n  stage s "S" excluded "r"\n  input x : kWh "l" optional\n'
            '  table t { a : kg "A" }\n  let y "Y" = -(x * 2 kg/t) + kb.a.b[2024] * 44/12\n'
            '  emission e "E" in s = sum(r in t: r.a) * y\n}\n')
    for i in range(len(text)):
        try:
            build_method(text[:i] + text[i + 1:], "m.pcf")
        except PcfError as exc:
            for d in exc.diagnostics:
                assert d.span is not None and d.span.line >= 1 and d.span.column >= 1, (i, d)


# --- every construct builds its node, at its place -------------------------------------------

METHOD = (
    '# a comment line\n'
    'method t.all "全部构造" {\n'
    '  standard "GB/T 24067-2024"   # a comment after a setting\n'
    '  boundary cradle_to_gate\n'
    '  gwp AR5\n'
    '  functional_unit "1 台"\n'
    '  non_co2_negligible "CH4 # N2O 可忽略"\n'
    '  factor_year latest_earlier\n'
    '  stage production "生产"\n'
    '  stage packing\n'
    '  stage use "使用" excluded "不耗能"\n'
    '  input electricity : kWh "用电"\n'
    '  input gas : m3 optional\n'
    '  input steam : t "蒸汽" optional\n'
    '  table legs "运输" {\n'
    '    mass : t "质量"\n'
    '    distance : km\n'
    '  }\n'
    '  let ef "因子" = kb.cn.electricity.cfp.national\n'
    '  let pinned = kb.cn.electricity.cfp.national[2024]\n'
    '  emission power "电力" in production = electricity * ef\n'
    '  emission freight in packing = sum(leg in legs: leg.mass * leg.distance) * 0.129 kgCO2e/(t*km)\n'
    '}\n'
)
LINES = METHOD.split("\n")


def at(line: int, needle: str, nth: int = 1) -> tuple[int, int]:
    """(line, column) of the nth occurrence of `needle` on a 1-based line of METHOD."""
    col = -1
    for _ in range(nth):
        col = LINES[line - 1].index(needle, col + 1)
    return line, col + 1


def pos(span: Span) -> tuple[int, int]:
    return span.line, span.column


@pytest.fixture(scope="module")
def method():
    return build_method(METHOD, "m.pcf")


def test_method_header(method):
    assert (method.id, method.title, method.extends) == ("t.all", "全部构造", None)
    assert method.path == "m.pcf" and pos(method.span) == at(2, "method")
    assert method.text == METHOD


def test_settings(method):
    assert [(s.key, s.value) for s in method.settings] == [
        ("standard", "GB/T 24067-2024"), ("boundary", "cradle_to_gate"), ("gwp", "AR5"),
        ("functional_unit", "1 台"), ("non_co2_negligible", "CH4 # N2O 可忽略"),
        ("factor_year", "latest_earlier")]
    assert [pos(s.span) for s in method.settings] == [
        at(3, "standard"), at(4, "boundary"), at(5, "gwp"), at(6, "functional_unit"),
        at(7, "non_co2_negligible"), at(8, "factor_year")]
    # The span ends after the value, before the comment.
    std = method.settings[0].span
    assert (std.end_line, std.end_column) == (3, at(3, '"GB/T')[1] + len('"GB/T 24067-2024"'))


def test_stages(method):
    assert method.stages == (
        n.Stage("production", "生产", None, method.stages[0].span),
        n.Stage("packing", None, None, method.stages[1].span),
        n.Stage("use", "使用", "不耗能", method.stages[2].span))
    assert [pos(s.span) for s in method.stages] == [at(9, "stage"), at(10, "stage"), at(11, "stage")]


def test_inputs(method):
    got = [(i.name, i.unit, i.label, i.optional) for i in method.inputs]
    assert got == [("electricity", "kWh", "用电", False), ("gas", "m3", None, True), ("steam", "t", "蒸汽", True)]
    assert [pos(i.span) for i in method.inputs] == [at(12, "input"), at(13, "input"), at(14, "input")]
    assert pos(method.inputs[0].unit_span) == at(12, "kWh")
    assert method.inputs[0].unit_span.end_column == at(12, "kWh")[1] + len("kWh")


def test_table_with_columns(method):
    (legs,) = method.tables
    assert (legs.name, legs.label) == ("legs", "运输")
    assert [(c.name, c.unit, c.label) for c in legs.columns] == [("mass", "t", "质量"), ("distance", "km", None)]
    assert pos(legs.span) == at(15, "table")
    assert (legs.span.end_line, legs.span.end_column) == (18, at(18, "}")[1] + 1)
    assert [pos(c.span) for c in legs.columns] == [at(16, "mass"), at(17, "distance")]
    assert pos(legs.columns[1].unit_span) == at(17, "km")


def test_lets_and_kb_refs(method):
    ef, pinned = method.lets
    assert (ef.name, ef.label, pos(ef.span)) == ("ef", "因子", at(19, "let"))
    assert ef.expr == n.KbRef("cn.electricity.cfp.national", None, ef.expr.span)
    assert pos(ef.expr.span) == at(19, "kb.")
    assert pinned.label is None
    assert pinned.expr == n.KbRef("cn.electricity.cfp.national", 2024, pinned.expr.span)
    # A pinned reference spans its year too.
    assert (pinned.expr.span.end_line, pinned.expr.span.end_column) == (20, at(20, "]")[1] + 1)


def test_emissions(method):
    power, freight = method.emissions
    assert (power.name, power.label, power.stage) == ("power", "电力", "production")
    assert pos(power.span) == at(21, "emission") and pos(power.stage_span) == at(21, "production")
    assert power.expr == n.BinOp("*", n.Ref("electricity", power.expr.left.span),
                                 n.Ref("ef", power.expr.right.span), power.expr.span)
    assert pos(power.expr.span) == at(21, "electricity")
    assert pos(power.expr.right.span) == at(21, "ef")
    assert (freight.name, freight.label, freight.stage) == ("freight", None, "packing")


def test_row_sum(method):
    freight = method.emissions[1]
    assert isinstance(freight.expr, n.BinOp) and freight.expr.op == "*"
    rs = freight.expr.left
    assert isinstance(rs, n.RowSum) and (rs.var, rs.table) == ("leg", "legs")
    assert pos(rs.span) == at(22, "sum(")
    body = rs.body
    assert body.op == "*"
    assert body.left == n.Field("leg", "mass", body.left.span) and pos(body.left.span) == at(22, "leg.mass")
    assert body.right == n.Field("leg", "distance", body.right.span)
    assert freight.expr.right == n.Number(0.129, "0.129", "kgCO2e/(t*km)", freight.expr.right.span)
    assert pos(freight.expr.right.span) == at(22, "0.129")


def test_crlf_line_endings_build_the_same_nodes(method):
    assert build_method(METHOD.replace("\n", "\r\n"), "m.pcf") == method


def test_utf8_bom_is_not_content(method):
    assert build_method("\ufeff" + METHOD, "m.pcf") == method
    first_line = build_method('\ufeffmethod m { stage a "A" }', "m.pcf")
    assert pos(first_line.span) == (1, 1) and pos(first_line.stages[0].span) == (1, 12)


def test_read_method_handles_bom_and_crlf(tmp_path, monkeypatch, method):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.pcf").write_bytes(b"\xef\xbb\xbf" + METHOD.replace("\n", "\r\n").encode("utf-8"))
    assert pcf.read_method(tmp_path / "m.pcf") == method


def test_variant_constructs():
    text = ('method t.v "V" extends t.base {\n'
            '  override gwp AR6\n'
            '  override let ef = 2\n'
            '  emission e in s [biogenic, dluc] = x\n'
            '  rule cutoff verified "ISO 14067 6.3.4" { max_share: 1 %, 5 %  mode: mass  note: "n" }\n'
            '}\n')
    m = build_method(text, "m.pcf")
    assert m.extends == "t.base"
    (gwp,) = m.settings
    assert (gwp.key, gwp.value, gwp.override) == ("gwp", "AR6", True)
    ef, e, rule = m.decls
    assert isinstance(ef, n.Let) and ef.override and ef.expr.value == 2.0
    assert isinstance(e, n.Emission) and e.tags == ("biogenic", "dluc") and not e.override
    assert (rule.name, rule.status, rule.citation) == ("cutoff", "verified", "ISO 14067 6.3.4")
    assert [(a.key, a.values) for a in rule.args][1:] == [("mode", ("mass",)), ("note", ("n",))]
    assert [(v.value, v.unit) for v in rule.arg("max_share").values] == [(1.0, "%"), (5.0, "%")]
    assert (rule.span.line, rule.span.column) == (5, 3)


# --- formulas ---------------------------------------------------------------------------------

def formula(text: str):
    return build_formula(text, "f")


@pytest.mark.parametrize("text,value,unit", [
    ("2 kg/t", 2.0, "kg/t"),
    ("0.49 kgCO2/kWh", 0.49, "kgCO2/kWh"),
    ("43.28 万kWh", 43.28, "万kWh"),
    ("0.129 kgCO2e/(t*km)", 0.129, "kgCO2e/(t*km)"),
    ("3.5 t·km", 3.5, "t·km"),
    ("12 m^3", 12.0, "m^3"),
    ("1e3", 1000.0, None),
    ("2.5E-3 GJ", 0.0025, "GJ"),
    ("7", 7.0, None),
    ("81.90 %", 81.9, "%"),
])
def test_number_with_unit(text, value, unit):
    e = formula(text)
    assert e == n.Number(value, text.split()[0], unit, Span("f", 1, 1, 1, len(text) + 1))


def test_precedence_and_associativity():
    one_plus = formula("1 + 2 * 3")
    assert one_plus.op == "+" and one_plus.right.op == "*"
    grouped = formula("(1 + 2) * 3")
    assert grouped.op == "*" and grouped.left.op == "+"
    assert pos(grouped.left.span) == (1, 2)   # the parentheses are not part of the node
    left = formula("8 / 4 / 2")
    assert left.op == "/" and left.left.op == "/" and left.right.value == 2.0
    minus = formula("8 - 4 - 2")
    assert minus.op == "-" and minus.left.op == "-"


def test_unary_minus():
    e = formula("2 - -x")
    assert e.op == "-" and e.right == n.Neg(n.Ref("x", Span("f", 1, 6, 1, 7)), Span("f", 1, 5, 1, 7))
    double = formula("--x")
    assert isinstance(double, n.Neg) and isinstance(double.operand, n.Neg)
    assert formula("-x * y").op == "*"   # the sign binds tighter than the product


def test_basis_conversion_is_recognised():
    e = formula("x * 44/12")
    assert e == n.BinOp("*", n.Ref("x", e.left.span), n.BasisConversion(44, 12, Span("f", 1, 5, 1, 10)), e.span)
    assert formula("x * y * 44/28").right == n.BasisConversion(44, 28, Span("f", 1, 9, 1, 14))
    assert formula("44/12") == n.BasisConversion(44, 12, Span("f", 1, 1, 1, 6))


@pytest.mark.parametrize("text", ["x * 44/13", "x * 44.0/12", "x * 44 kg/12", "x / 44/12"])
def test_other_ratios_are_plain_arithmetic(text):
    e = formula(text)
    assert not any(isinstance(s, n.BasisConversion) for s in n.walk(e))
    assert e.op == "/"


# --- deep formulas: a result or a PcfError, never a RecursionError ------------------------------

HEAD = ('method t.deep "deep" {\n  standard "S"\n  boundary cradle_to_gate\n  gwp AR5\n'
        '  stage s "S"\n  input x : kWh\n')


@pytest.mark.parametrize("expr,total", [
    ("(" * 5000 + "x" + ")" * 5000, 1.0),          # x = 1 kWh, x 1 kgCO2e/kWh
    ("(x" + " + x" * 19999 + ")", 20000.0),        # 20 000 terms of 1
    ("-" * 5000 + "x", 1.0),                       # an even number of signs
])
def test_deep_formulas(ws, expr, total):
    text = HEAD + f"  emission e in s = {expr} * 1 kgCO2e/kWh\n}}\n"
    try:
        plan = ws.compile(build_method(text, "m.pcf"), 2024)
        result = ws.evaluate(plan, pcf.Inventory.build([{"id": "p", "inputs": {"x": "1 kWh"}}]))
    except PcfError as exc:   # a limit is allowed, if it is reported like any other error
        assert all(d.span is not None for d in exc.diagnostics)
    else:
        assert result.products[0].total == pytest.approx(total)


def test_a_label_may_hold_an_escaped_quote_and_backslash():
    from pcf.language.format import format_method
    m = build_method('method m "the \\"A\\" line" {\n  input x : kWh "C:\\\\data \\\\n"\n}\n', "m.pcf")
    assert m.title == 'the "A" line' and m.inputs[0].label == "C:\\data \\n"
    assert build_method(format_method(m), "again.pcf").inputs[0].label == m.inputs[0].label
