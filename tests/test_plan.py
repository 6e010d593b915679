"""The plan's stages (engine/plan/), each on its own: settings, names, graph and order,
dimensions, emission bases and code; and the ordered list that runs them."""
from __future__ import annotations

import pytest

import pcf
from pcf import plan as P
from pcf.language.build import build_method
from pcf.core.keys import Key
from pcf.plan.resolve import ALIAS


def method(body: str, head: str = '  standard "ISO 14067:2018"\n  boundary cradle_to_gate\n  gwp AR5\n') -> pcf.language.nodes.Method:
    return build_method(f'method t.m "t" {{\n{head}  stage s "S"\n{body}\n}}\n', "m.pcf")


def until(ws, m, last, year=2024):
    """The compilation after the stages up to `last` (by name), without the reports between."""
    c = P.Compilation(m, ws.kb, ws.units, year, False)
    for stage in P.STAGES:
        if stage is not P.report:
            c = stage(c)
        if stage.__name__ == last:
            return c
    raise AssertionError(last)


def test_the_stages_run_in_one_written_order():
    assert [s.__name__ for s in P.STAGES] == ["settings", "rules", "names", "graph", "report", "order", "report",
                                              "dimensions", "report", "bases", "report", "code"]


def test_settings_are_checked_on_their_own():
    m = method("", head='  standard "x"\n  boundary cradle_to_gate\n  boundary gate_to_gravel\n')
    found = {(d.code, d.message) for d in P.settings_problems(m)}
    assert found == {("duplicate", "`boundary` is set twice"),
                     ("bad-setting", "unknown boundary `gate_to_gravel`"),
                     ("missing-setting", "method `t.m` does not set `gwp`")}


def test_names_give_every_declaration_and_kb_value_a_key_and_record_dependencies(ws):
    c = until(ws, method("  input power : kWh\n  let ef = kb.cn.electricity.cfp.national[2024]\n"
                         "  emission e in s = power * ef\n  emission g in s = 1 kgCH4 * kb.gwp.ch4"), "names")
    names = c.names
    assert names.names == {"power": Key.input("power"), "ef": Key.let("ef"), "e": Key.emission("e"),
                           "g": Key.emission("g")}
    kb24 = Key.kb("cn.electricity.cfp.national", 2024)
    # kb.gwp.ch4 follows the method's set (AR5): an alias of kb.gwp.ar5.ch4
    assert names.kinds[Key.kb("gwp.ch4")] == ALIAS and names.kinds[kb24] == "kb"
    assert (kb24, Key.let("ef")) in names.deps and (Key.kb("gwp.ar5.ch4"), Key.kb("gwp.ch4")) in names.deps
    assert (Key.input("power"), Key.emission("e")) in names.deps and not names.problems


def test_unresolved_names_are_collected_not_raised(ws):
    c = until(ws, method("  input power : kWh\n  emission e in s = powr * kb.no.such.id"), "names")
    assert sorted(d.code for d in c.problems) == ["kb-unknown", "unknown-name"]


def test_the_graph_stage_finds_unused_inputs(ws):
    c = until(ws, method("  input power : kWh\n  input spare : kg\n  emission e in s = power * 0.5 kgCO2e/kWh"),
              "graph")
    # a warning, not a problem: a method may declare an input for the record
    assert c.problems == ()
    ((key, span),) = c.unused
    assert key == Key.input("spare") and span.line == 7


def test_order_is_topological_with_ties_by_key_and_names_circles(ws):
    c = until(ws, method("  input x : kWh\n  let b = x * 2\n  let a = b * 3\n  emission e in s = a * 0.5 kgCO2e/kWh"),
              "order")
    assert list(c.exprs) == [Key.let("b"), Key.let("a"), Key.emission("e")]
    circle = until(ws, method("  let a = b\n  let b = a\n  emission e in s = a * 1 kgCO2e"), "order")
    (d,) = circle.problems
    assert d.code == "cycle" and d.message == "formulas depend on each other in a circle: a -> b -> a"


def test_dimensions_check_basis_conversions_against_their_product_chain(ws):
    ok = until(ws, method("  input c : kgC\n  let co2 = c * 44/12\n  emission e in s = co2 * kb.gwp.co2"), "dimensions")
    assert not ok.problems and ok.dims[Key.let("co2")] == ws.units.parse("kgCO2").dim
    bad = until(ws, method("  input c : kgCO2\n  emission e in s = c * 44/12 * kb.gwp.co2"), "dimensions")
    assert [d.code for d in bad.problems] == ["basis-conversion"]


def test_emission_bases_count_co2_as_co2e_only_where_declared(ws):
    body = "  input f : kg\n  emission e in s = f * 3 kgCO2/kg"
    c = until(ws, method(body), "bases")
    assert [d.code for d in c.problems] == ["not-co2e"]
    head = '  standard "ISO 14067:2018"\n  boundary cradle_to_gate\n  gwp AR5\n  non_co2_negligible "test"\n'
    c = until(ws, method(body, head), "bases")
    assert not c.problems and c.co2_as_co2e == ("e",)


def test_code_is_postfix_over_keys_with_constants_in_base_units(ws):
    c = until(ws, method("  input p : kWh\n  emission e in s = (p + 2 kWh) * 0.5 kgCO2e/kWh"), "code")
    # 2 kWh = 2 x 3.6e6 J = 7.2e6 J; 0.5 kgCO2e/kWh = 0.5 / 3.6e6 kgCO2e/J
    assert c.code[Key.emission("e")] == (("load", Key.input("p")), ("const", 7.2e6), ("+",),
                                         ("const", pytest.approx(0.5 / 3.6e6)), ("*",))


def test_compile_method_reports_each_stage_s_problems_together_and_stops(ws):
    with pytest.raises(pcf.PcfError) as e:
        P.compile_method(method("  input p : kWh\n  emission e in s = q * 1 kgCO2e", head='  gwp AR5\n'),
                         ws.kb, ws.units, 2024)
    # settings and names in one report; nothing from the later stages (no order without names)
    assert sorted(d.code for d in e.value.diagnostics) == ["missing-setting", "missing-setting", "unknown-name"]
