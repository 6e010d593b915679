"""`pcf fmt`'s layout (engine/language/layout.py): the canonical printing with the file's comments
and blank lines kept, long lines broken, and a check that nothing was lost."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from pcf.cli import main
from pcf.language import layout
from pcf.language.build import build_method
from pcf.language.format import format_method, without_spans
from pcf.language.layout import LayoutError, columns, comments_of, format_file

import strategies as gen

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted([*(ROOT / "methods").rglob("*.pcf"), *(ROOT / "examples").rglob("*.pcf")])

MESSY = '''# header comment


# second
method acme.box "a box" {   # the box
  # stages first
  stage production   "production"


  input power:kWh   # metered
  # grid factor below
  let grid = 0.5 kgCO2e/kWh  # illustrative "quoted # not a comment"
  table parts {
    # mass of each part
    mass : kg   # weighed
    # last
  }
  emission e "a # in a label" in production = power *
     grid
  # goes with the setting below
  functional_unit "1 box"
}
'''

# By hand: settings first (the comment above one moves with it), then a blank line; runs of blank
# lines become one; the comment before `}` of the table stays inside it; a trailing comment keeps
# its column where the code before it still ends earlier (`# weighed`, `# the box`), else two
# spaces; `#` inside strings is text; the emission's two lines are joined.
TIDY = '''# header comment

# second
method acme.box "a box" {   # the box
  # goes with the setting below
  functional_unit "1 box"

  # stages first
  stage production "production"

  input power : kWh  # metered
  # grid factor below
  let grid = 0.5 kgCO2e/kWh  # illustrative "quoted # not a comment"
  table parts {
    # mass of each part
    mass : kg   # weighed
    # last
  }
  emission e "a # in a label" in production = power * grid
}
'''


def test_comments_and_blank_lines_are_kept_where_they_belong():
    assert format_file(MESSY, "m.pcf") == TIDY
    assert format_file(TIDY, "m.pcf") == TIDY


def test_comments_of_skips_strings():
    found = comments_of('let x "a # b" = 1  # real\n  # alone\nlet y = "\\"#" # two\n')
    assert [(c.line, c.column, c.text, c.alone) for c in found] == [
        (1, 19, "# real", False), (2, 2, "# alone", True), (3, 14, "# two", False)]


def test_display_width_counts_cjk_as_two():
    assert columns("kWh") == 3 and columns("电力") == 4 and columns("（C）") == 5


def test_long_formulas_are_broken_before_the_weakest_outermost_operator():
    text = ('method m {\n  stage s "s"\n  input a : kg\n  input b : kg\n'
            '  emission e in s = a * 2 kgCO2e/kg + b * 3 kgCO2e/kg + (a + b) * 4 kgCO2e/kg\n}\n')
    # width 40: the `=` alone does not make the formula fit (57 columns after 6 of indent); the
    # `+`s do: the greedy cut keeps as much as fits on each line.
    assert format_file(text, "m.pcf", width=40).split("\n")[4:8] == [
        "  emission e in s = a * 2 kgCO2e/kg",
        "      + b * 3 kgCO2e/kg",
        "      + (a + b) * 4 kgCO2e/kg",
        "}"]
    # inside parentheses when nothing outside makes it fit: `else` at depth 1
    text = ('method m {\n  stage s "s"\n  input k : text\n  input a : kg\n'
            '  emission e in s = a * (if k == "x" then 1 kgCO2e/kg else if k == "y" then 2 kgCO2e/kg else 0 kgCO2e/kg)\n}\n')
    # (greedy: the two `else`s share the second line, 58 columns)
    assert format_file(text, "m.pcf", width=60).split("\n")[4:7] == [
        '  emission e in s = a * (if k == "x" then 1 kgCO2e/kg',
        '      else if k == "y" then 2 kgCO2e/kg else 0 kgCO2e/kg)',
        "}"]
    assert format_file(text, "m.pcf") == format_method(build_method(text, "m.pcf"))  # fits in 120


def test_a_rule_on_one_line_stays_on_one_line():
    text = 'method m {\n  rule cutoff reading "x" { basis: mass  per_input: 1 %  total: 5 % }\n}\n'
    assert format_file(text, "m.pcf") == text
    spread = 'method m {\n  rule cutoff reading "x" {\n    basis: mass  per_input: 1 %\n  }\n}\n'
    assert format_file(spread, "m.pcf") == 'method m {\n  rule cutoff reading "x" {\n    basis: mass\n    per_input: 1 %\n  }\n}\n'


def test_the_check_refuses_a_layout_that_loses_a_comment():
    method = build_method(MESSY, "m.pcf")
    with pytest.raises(LayoutError, match="comment"):
        layout._verify(method, comments_of(MESSY), TIDY.replace("  # metered", ""), "m.pcf")
    with pytest.raises(LayoutError, match="another method"):
        layout._verify(method, comments_of(MESSY), TIDY.replace("0.5 kgCO2e", "0.6 kgCO2e"), "m.pcf")


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_repository_method_is_in_layout(path):
    """The library and the worked cases are kept formatted (`pcf fmt --check` passes on them), and
    formatting them keeps their nodes and every comment, in order."""
    text = path.read_text(encoding="utf-8")
    out = format_file(text, str(path))
    assert out == text, f"run: pcf fmt {path.relative_to(ROOT)}"
    assert [c.text for c in comments_of(out)] == [c.text for c in comments_of(text)]


def test_pcf_fmt_check_on_the_repository(capsys):
    assert main(["fmt", "--check", str(ROOT / "methods"), str(ROOT / "examples")]) == 0
    assert "0 to reformat" in capsys.readouterr().out


def test_generated_methods_with_comments_keep_them(ws):
    kb_ids = st.sampled_from(sorted(ws.kb.by_id))

    @settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
    @given(gen.methods(kb_ids), st.data())
    def prop(method, data):
        lines = format_method(method).split("\n")
        # a comment after a random set of lines, alone on a line before others, blank lines
        out = [lines[0]]
        for i, line in enumerate(lines[1:-1], start=1):
            if data.draw(st.booleans()):
                out.append("")
            if data.draw(st.booleans()):
                out.append(f"  # before {i}")
            out.append(line + (f"   # after {i}" if data.draw(st.booleans()) else ""))
        out.append(lines[-1])
        text = "\n".join(out)
        width = data.draw(st.sampled_from([40, 80, 120]))
        result = format_file(text, "m.pcf", width=width)
        assert without_spans(build_method(result, "m.pcf")) == without_spans(method)
        assert sorted(c.text for c in comments_of(result)) == sorted(c.text for c in comments_of(text))
        assert format_file(result, "m.pcf", width=width) == result     # idempotent
    prop()
