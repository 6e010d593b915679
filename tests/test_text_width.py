"""Display widths of the terminal tables (`pcf.render.text.width`): a wide (CJK) character takes two
cells, every other one cell; ASCII text is counted by its length without looking at each character
(a `pcf kb search` listing is thousands of ids and numbers)."""
from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from pcf.render.text import pad, width


def cells(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


@given(st.text(alphabet=st.characters(codec="utf-8")))
def test_width_counts_wide_characters_twice(s):
    assert width(s) == cells(s)


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_is_one_cell_a_character(s):
    assert width(s) == len(s)


def test_columns_line_up_with_chinese_labels():
    # 原材料 is three wide characters: six cells, padded with four spaces to ten
    assert width("原材料") == 6 and pad("原材料", 10) == "原材料    "
    assert width("kgCO2e/kWh") == 10 and pad("kWh", 5, right=True) == "  kWh"
