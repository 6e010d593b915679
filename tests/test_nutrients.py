"""Fertiliser nutrients as their oxides and as the elements (issue 17 item 8): kgP2O5 / kgP and
kgK2O / kgK are dimensions of their own, and 62/142, 78/94 (and back) are checked basis
conversions written with whole molar masses, as 44/12 is."""
from __future__ import annotations

import pytest

import pcf
from pcf.core.errors import PcfError
from pcf.language.build import build_method

HEAD = 'method t.n "N" {\n  standard "S"\n  boundary cradle_to_gate\n  gwp AR5\n  stage cultivation "种植"\n'


def run(ws, body: str, inputs: dict):
    plan = ws.compile(build_method(HEAD + body + "}\n", "n.pcf"), 2024)
    return ws.evaluate(plan, pcf.Inventory.build([{"id": "F", "inputs": inputs}])).products[0]


def test_oxide_to_element_conversions_give_the_molar_mass_ratios(ws):
    body = ('  input p2o5 : kgP2O5\n  input k2o : kgK2O\n'
            '  let p = p2o5 * 62/142\n  let k = k2o * 78/94\n'
            '  emission p_line in cultivation = p * 0.5 kgCO2e/kgP\n'
            '  emission k_line in cultivation = k * 1 kgCO2e/kgK\n'
            '  emission back in cultivation = p * 142/62 * 0.1 kgCO2e/kgP2O5\n')
    p = run(ws, body, {"p2o5": "142 kgP2O5", "k2o": "94 kgK2O"})
    lines = {l.name: l.value for l in p.lines}
    # 142 kg P2O5 x 62/142 = 62 kg P x 0.5 = 31; 94 kg K2O x 78/94 = 78 kg K x 1 = 78;
    # 62 kg P x 142/62 = 142 kg P2O5 x 0.1 = 14.2
    assert lines == pytest.approx({"p_line": 31.0, "k_line": 78.0, "back": 14.2}, rel=1e-12)


@pytest.mark.parametrize("body, says", [
    ('  input fert : kg\n  emission e in cultivation = fert * 62/142 * 1 kgCO2e/kgP\n',
     "62/142 converts P2O5 -> P, but what it multiplies has no phosphate (P2O5) basis"),
    ('  input k : kgK\n  emission e in cultivation = k * 78/94 * 1 kgCO2e/kgK\n',
     "78/94 converts K2O -> K, but what it multiplies has no potash (K2O) basis"),
    ('  input a : kgP2O5\n  input b : kgP\n  let s = a + b\n  emission e in cultivation = s * 1 kgCO2e/kgP\n',
     "cannot add"),
])
def test_a_nutrient_on_the_wrong_basis_is_an_error(ws, body, says):
    with pytest.raises(PcfError) as e:
        ws.compile(build_method(HEAD + body + "}\n", "n.pcf"), 2024)
    assert any(says in d.message for d in e.value.diagnostics), [d.message for d in e.value.diagnostics]
