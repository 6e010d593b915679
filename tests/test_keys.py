"""Graph keys (engine/core/keys.py): one type names every plan node; its text is what outputs show."""
from __future__ import annotations

import copy
import json
import pickle

import pytest

from pcf.core.keys import Key


def test_parts_and_text():
    k = Key.kb("cn.electricity.grid", 2024)
    assert (k, k.kind, k.name, k.year, k.shown) == ("kb:cn.electricity.grid@2024", "kb", "cn.electricity.grid",
                                                     2024, "cn.electricity.grid@2024")
    assert (Key.kb("gwp.ch4").year, Key.kb("gwp.ch4").name) == (None, "gwp.ch4")
    assert Key.column("materials", "mass") == "column:materials.mass"
    assert Key.input("power").is_a("input", "table") and not Key.let("x").is_a("input")


@pytest.mark.parametrize("text", ["input:power", "kb:cn.grid@2024", "kb:gwp.ch4", "column:t.c", "emission:e"])
def test_parse_is_the_inverse_of_the_text(text):
    k = Key.parse(text)
    assert type(k) is Key and k == text and Key(k.kind, k.name, k.year) == k


@pytest.mark.parametrize("text", ["power", ":x", "input:"])
def test_parse_refuses_what_is_not_a_key(text):
    with pytest.raises(ValueError):
        Key.parse(text)


def test_a_plain_string_finds_a_keyed_value_and_outputs_show_the_text():
    values = {Key.input("power"): 1.0}
    assert values["input:power"] == 1.0                # callers of Program.run pass plain strings
    assert json.dumps({"p": Key.kb("x", 2020)}) == '{"p": "kb:x@2020"}'
    assert sorted([Key.kb("x.y"), Key.kb("x", 2024)]) == ["kb:x.y", "kb:x@2024"]   # ordered as the text


def test_keys_survive_pickling_for_worker_processes():
    k = Key.kb("cn.grid", 2024)
    for back in (pickle.loads(pickle.dumps(k)), copy.deepcopy(k)):
        assert type(back) is Key and back == k and back.year == 2024
