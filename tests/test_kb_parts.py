"""Per-gas parts of CO2e entries (engine/knowledge/kbparts.py): read, shown, and checked to add up."""
from __future__ import annotations

from pathlib import Path

import pytest

from pcf.core.errors import PcfError
from pcf.knowledge.kb import load_kb
from pcf.core.units import load_units

SOURCES = '[s]\ntitle = "t"\nissuer = "i"\nyear = 2024\n'
# AR5 GWP100 (IPCC AR5 WG1 Table 8.7, as in kb/gwp/ipcc.toml): CO2 1, CH4 28, N2O 265.
GWP = """
[[entry]]
id = "gwp.ar5.co2"
value = 1
unit = "kgCO2e/kgCO2"
basis = "GWP"
source = "s"

[[entry]]
id = "gwp.ar5.ch4"
value = 28
unit = "kgCO2e/kgCH4"
basis = "GWP"
source = "s"

[[entry]]
id = "gwp.ar5.n2o"
value = 265
unit = "kgCO2e/kgN2O"
basis = "GWP"
source = "s"
"""


@pytest.fixture(scope="module")
def units():
    return load_units()


def kb_with(tmp_path: Path, units, entry: str):
    (tmp_path / "sources.toml").write_text(SOURCES, encoding="utf-8")
    (tmp_path / "gwp.toml").write_text(GWP, encoding="utf-8")
    (tmp_path / "f.toml").write_text(entry, encoding="utf-8")
    return load_kb(tmp_path, units, cache=False)


def entry(value: str, parts: str, extra: str = "") -> str:
    return (f'\n[[entry]]\nid = "x.fuel.diesel"\nvalue = {value}\nunit = "kgCO2e/L"\nbasis = "CO2e"\n'
            f'source = "s"\n{extra}{parts}')


CO2E_PARTS = ('parts.co2_fossil = { value = 2.6, unit = "kgCO2e/L" }\n'
              'parts.ch4_fossil = { value = 0.028, unit = "kgCO2e/L" }\n'
              'parts.n2o = { value = 0.053, unit = "kgCO2e/L" }\n')


def test_parts_in_co2e_add_up(tmp_path, units):
    # 2.6 + 0.028 + 0.053 = 2.681
    kb = kb_with(tmp_path, units, entry("2.681", CO2E_PARTS))
    [e] = kb.by_id["x.fuel.diesel"]
    assert e.parts == (("ch4_fossil", 0.028, "kgCO2e/L"), ("co2_fossil", 2.6, "kgCO2e/L"), ("n2o", 0.053, "kgCO2e/L"))


def test_parts_in_gas_mass_are_characterised_with_the_entry_gwp_set(tmp_path, units):
    # 2.6 kgCO2 x 1 + 0.001 kgCH4 x 28 + 0.0002 kgN2O x 265 = 2.6 + 0.028 + 0.053 = 2.681
    parts = ('parts.co2 = { value = 2.6, unit = "kgCO2/L" }\nparts.ch4 = { value = 0.001, unit = "kgCH4/L" }\n'
             'parts.n2o = { value = 0.0002, unit = "kgN2O/L" }\n')
    kb = kb_with(tmp_path, units, entry("2.681", parts, 'gwp = "AR5"\n'))
    assert len(kb.by_id["x.fuel.diesel"][0].parts) == 3
    with pytest.raises(PcfError) as exc:   # the same parts against 2.7: 0.7 % off
        kb_with(tmp_path, units, entry("2.7", parts, 'gwp = "AR5"\n'))
    [d] = exc.value.diagnostics
    assert "entry[0] (x.fuel.diesel): its parts add up to 2.681 kgCO2e/L, not its value 2.7 kgCO2e/L" in d.message
    assert (d.span.path.endswith("f.toml"), d.span.line) == (True, 2)


def test_gas_mass_without_a_known_gwp_set_is_an_error(tmp_path, units):
    parts = 'parts.ch4 = { value = 0.001, unit = "kgCH4/L" }\n'
    for extra, says in (("", "names no `gwp` set"), ('gwp = "AR9"\n', "`AR9` is not in the knowledge base")):
        with pytest.raises(PcfError) as exc:
            kb_with(tmp_path, units, entry("0.028", parts, extra))
        [d] = exc.value.diagnostics
        assert "parts ch4 are in mass of gas" in d.message and says in d.message


@pytest.mark.parametrize("value, ok", [
    ("2.68103", True),    # 0.00003 off: within 0.00005 (rounding of five printed decimals)
    ("2.683", True),      # 0.002 off: within 0.1 % of 2.683 (0.0027)
    ("2.685", False),     # 0.004 off: over 0.1 % (0.0027)
])
def test_tolerance(tmp_path, units, value, ok):
    if ok:
        kb_with(tmp_path, units, entry(value, CO2E_PARTS))
    else:
        with pytest.raises(PcfError, match="parts add up to 2.681"):
            kb_with(tmp_path, units, entry(value, CO2E_PARTS))


@pytest.mark.parametrize("parts, extra, message", [
    ('parts.methane = { value = 1, unit = "kgCO2e/L" }\n', "", "entry[0].parts.methane (x.fuel.diesel): unknown part"),
    ('parts.co2 = { value = 1, unit = "kgCO2e/kg" }\n', "", "`kgCO2e/kg` is not CO2e or kgCO2 per the entry's activity"),
    ('parts.n2o = { value = -1, unit = "kgCO2e/L" }\n', "", "not negative"),
    ('parts.n2o = 1\n', "", "a part is `{ value = <number>, unit"),
    ('parts.other = { value = 1, unit = "kgSF6/L" }\n', "", "`kgSF6/L` is not CO2e per the entry's activity"),
])
def test_malformed_parts(tmp_path, units, parts, extra, message):
    with pytest.raises(PcfError) as exc:
        kb_with(tmp_path, units, entry("1", parts, extra))
    assert any(message in d.message for d in exc.value.diagnostics), exc.value.diagnostics


def test_parts_only_on_a_co2e_value(tmp_path, units):
    text = ('\n[[entry]]\nid = "x.elec"\nvalue = 0.5\nunit = "kgCO2/kWh"\nbasis = "CO2"\nsource = "s"\n'
            'parts.co2 = { value = 0.5, unit = "kgCO2/kWh" }\n')
    with pytest.raises(PcfError, match="only a CO2e entry with a `value` has per-gas parts"):
        kb_with(tmp_path, units, text)
