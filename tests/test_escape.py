"""engine/render/escape.py: one function per output target, each keeping user text inert there."""
from __future__ import annotations

import csv
import io
import json

import markdown
import pytest

from pcf.render.escape import csv_cell, dot_string, html_text, json_text, markdown_code, markdown_text, mermaid_label, terminal_text, tex_text, text_block, toml_string, url_fragment, url_path, visible_controls


def test_visible_controls_names_every_control_character():
    assert visible_controls("a\x1b[31mb\n\t\r\x00\x7f\x9b\u202e") == r"a\x1b[31mb\n\t\r\x00\x7f\x9b\u202e"
    assert visible_controls("生产 rm_power") == "生产 rm_power"        # text is left alone


def test_terminal_text_is_one_line_without_escape_sequences():
    shown = terminal_text("name\nsrc/x.pcf:1:1: fake error [syntax]\x1b]0;title\x07")
    assert "\n" not in shown and "\x1b" not in shown and "\x07" not in shown
    assert shown == r"name\nsrc/x.pcf:1:1: fake error [syntax]\x1b]0;title\x07"


def test_text_block_keeps_lines_and_tabs_only():
    assert text_block("a\tb\nc\x1b[2Jd\r\n") == "a\tb\nc\\x1b[2Jd\\r\n"


def test_json_text_is_the_same_json_value():
    doc = json.dumps({"name": "a\x9b31m\u202eb\x7f"}, ensure_ascii=False)
    out = json_text(doc)
    assert "\x9b" not in out and "\u202e" not in out and "\x7f" not in out
    assert json.loads(out) == json.loads(doc)


def test_html_text_escapes_markup_and_quotes():
    assert str(html_text('<script>x</script> & "q" \'s\'')) == \
        "&lt;script&gt;x&lt;/script&gt; &amp; &#34;q&#34; &#39;s&#39;"
    assert str(html_text("a\x1bb")) == "a\\x1bb"


@pytest.mark.parametrize("payload", [
    "<script>document.title='pwned'</script>", "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))", "![i](http://evil.example/x.png)", "<http://evil.example>",
    "a | b\n| forged | row |", "`code` *bold* _em_ \\| x", "&lt;script&gt;",
])
def test_markdown_text_in_a_table_cell_stays_text(payload):
    """Through Python-Markdown (the site's renderer): one cell, no tag, no link, the text as typed."""
    page = markdown.markdown(f"| a | b |\n|---|---|\n| {markdown_text(payload)} | z |", extensions=["tables"])
    assert page.count("<tr>") == 2 and page.count("<td>") == 2          # no forged row or cell
    for tag in ("<script", "<img", "<a ", "<code", "<strong", "<em"):
        assert tag not in page, (tag, page)
    cell_html = page.split("<td>")[1].split("</td>")[0]
    shown = cell_html.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert shown == payload.replace("\n", " ")


def test_markdown_keeps_intraword_underscores_readable():
    assert markdown_text("rm_power 生产") == "rm_power 生产"
    assert markdown_text("_x_") == r"\_x\_"


def test_markdown_code_only_for_plain_identifiers():
    assert markdown_code("ipcc_ar5_2013") == "`ipcc_ar5_2013`"
    assert markdown_code("a`b<i>") == r"a\`b&lt;i&gt;"


def test_url_path_keeps_folders_and_cannot_end_a_link():
    assert url_path("kb/a) <b>(.md") == "kb/a%29%20%3Cb%3E%28.md"


def test_url_fragment_cannot_end_a_link():
    assert url_fragment('x) "y"<z>') == "x%29%20%22y%22%3Cz%3E"


def test_mermaid_label_cannot_leave_its_quotes_or_hold_a_directive():
    label = mermaid_label('a"]\nclick n call x()\n%%{init: {"theme":"dark"}}%% <b>`m`</b> #x;')
    assert '"' not in label and "\n" not in label and "%" not in label and "<" not in label
    assert "`" not in label and "click n" in label            # the text is still there, on the same line
    assert label.startswith("a#quot;]")


def test_dot_string_cannot_leave_its_quotes():
    assert dot_string('a"]; b -> c; x="\\') == 'a\\"]; b -> c; x=\\"\\\\'
    assert dot_string("two\nlines") == "two\\nlines"
    assert dot_string("a\x1bb") == "a\\\\x1bb"          # the shown escape's backslash is a backslash too


def test_toml_string_round_trips_through_toml():
    import tomllib
    value = 'a"b\\N \x1b[31m\n\x7f\t 生产'
    assert tomllib.loads(f"x = {toml_string(value)}")["x"] == value


def test_tex_text_shows_every_special_character():
    assert tex_text(r"\href{javascript:x}{y} $ & # % _ ^ ~") == \
        r"\backslash href\{javascript:x\}\{y\} \$ \& \# \% \_ \^{} \sim "
    assert tex_text("rm_power") == r"rm\_power"


@pytest.mark.parametrize("value,expected", [
    ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
    ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("-0.5", "-0.5"), ("+3e-2", "+3e-2"), ("1.5", "1.5"), ("plain", "plain"), ("", ""),
    (2.5, 2.5), (None, None),
])
def test_csv_cell_neutralises_formulas_only(value, expected):
    assert csv_cell(value) == expected


def test_csv_cell_round_trip_through_csv():
    buf = io.StringIO()
    csv.writer(buf).writerow([csv_cell('=1+1'), csv_cell("-1.25")])
    assert next(csv.reader(io.StringIO(buf.getvalue()))) == ["'=1+1", "-1.25"]
