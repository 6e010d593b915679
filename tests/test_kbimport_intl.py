"""The IPCC (bonsai-ipcc CSV) and CO2.js (grid intensity modules) importers: small self-made
fixtures written in each source's format, malformed rows refused with positions, byte-identical
re-imports, and spot checks of the shipped kb files against the rows of the sources themselves."""
from __future__ import annotations

from pathlib import Path

import pytest
import tomli

from pcf.cli import main
from pcf.core.errors import PcfError
from pcf.core.units import load_units
from pcf.knowledge.imports import convert
from pcf.knowledge.kb import DEFAULT_KB_DIR, load_kb

IPCC_NCV = """year,region,product,property,value,unit
2019,World,gas_diesel_oil,def,43.0,GJ/t
2019,World,gas_diesel_oil,min,41.4,GJ/t
2019,World,gas_diesel_oil,max,43.3,GJ/t
2019,World,gas_diesel_oil,abs_min,0.0,GJ/t
2019,World,gas_diesel_oil,abs_max,inf,GJ/t
2019,World,natural_gas,def,48.0,GJ/t
"""
EMAPS = ('const data = { "CN": { "zone": { "zoneName": "China" }, "carbonIntensity": { "value": 552, "unit": '
         '"gCO2eq/kWh" } },\n "AX": { "zone": { "zoneName": "\\xC5land Islands" }, "carbonIntensity": '
         '{ "value": 17, "unit": "gCO2eq/kWh" } },\n "XX": { "zone": { "zoneName": "No data" }, '
         '"carbonIntensity": { "value": null, "unit": "gCO2eq/kWh" } } };\n'
         'const methodology = "https://www.electricitymaps.com/data/methodology";\n')
MARGINAL = ('const data = { "CHN": "899", "GBR": "380", "MEMO:  EU 27": "409" };\n'
            'const type = "marginal";\nconst year = "2021";\n')


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def entries(text: str) -> list[dict]:
    return tomli.loads(text)["entry"]


def test_ipcc_default_with_its_interval(tmp_path):
    path = write(tmp_path, "par_energy_content_per_mass.csv", IPCC_NCV)
    diesel, gas = entries(convert("ipcc", path, {}))
    assert diesel["id"] == "ipcc.fuel.gas_diesel_oil.ncv" and diesel["value"] == 43.0 and diesel["unit"] == "GJ/t"
    assert diesel["name_zh"] == "柴油低位发热量（IPCC 缺省值）"
    # multipliers of the default: 41.4 / 43.0 = 0.962791 (6 places), 43.3 / 43.0 = 1.006977
    assert diesel["uncertainty"] == {"distribution": "triangular", "min": 0.962791, "max": 1.006977}
    assert diesel["table"].startswith("par_energy_content_per_mass.csv:2 (2006 IPCC Guidelines Vol. 2 Ch. 1 Table 1.2")
    assert diesel["confidence"] == "unconfirmed" and diesel["default"] is False and diesel["data_year"] == 2019
    assert "uncertainty" not in gas and gas["value"] == 48.0   # no interval rows: no uncertainty


def test_ipcc_refuses_bad_rows_and_unknown_parameters(tmp_path):
    bad = IPCC_NCV.replace("41.4,GJ/t", "41.4,TJ/Gg").replace("natural_gas,def,48.0", "natural_gas,mean,48.0")
    path = write(tmp_path, "par_energy_content_per_mass.csv", bad + "2019,World,coal,def,-3,GJ/t\n")
    with pytest.raises(PcfError) as exc:
        convert("ipcc", path, {})
    got = [(d.span.line, d.span.column, d.message.split(":")[0]) for d in exc.value.diagnostics]
    assert got == [(3, 6, "unit `TJ/Gg`"), (7, 4, "property `mean`"), (8, 5, "a negative net calorific value (-3.0)")]
    other = write(tmp_path, "par_ef_ch4.csv", IPCC_NCV)
    with pytest.raises(PcfError) as exc:
        convert("ipcc", other, {})
    assert "is not a bonsai-ipcc parameter pcf imports" in exc.value.diagnostics[0].message


def test_co2js_electricity_maps_and_marginal(tmp_path):
    emaps = entries(convert("co2js", write(tmp_path, "yearly_2021.js", EMAPS), {}))
    assert [(e["id"], e["value"], e["valid_from"], e["region"]) for e in emaps] == [
        ("intl.electricity.emaps.ax", 17.0, 2021, "AX"), ("intl.electricity.emaps.cn", 552.0, 2021, "CN")]
    assert emaps[0]["name_en"].startswith("Åland Islands")     # the \xC5 escape of JavaScript, read
    assert emaps[1]["table"] == "yearly_2021.js:1:16 (CN)" and emaps[1]["unit"] == "gCO2e/kWh"
    marginal = entries(convert("co2js", write(tmp_path, "marginal-intensities-2021.min.js", MARGINAL), {}))
    assert [(e["id"], e["value"], e["basis"]) for e in marginal] == [
        ("intl.electricity.ifi_marginal.chn", 899.0, "CO2"), ("intl.electricity.ifi_marginal.gbr", 380.0, "CO2")]


def test_co2js_refuses_what_it_cannot_read(tmp_path):
    with pytest.raises(PcfError) as exc:
        convert("co2js", write(tmp_path, "average-intensities.min.js", 'const data = { "CHN": 557.5 };\n'), {})
    assert "state no year" in exc.value.diagnostics[0].message
    broken = EMAPS.replace('"value": 17,', '"value": -17,').replace('"zoneName": "China" },', '"name": "China" },')
    with pytest.raises(PcfError) as exc:
        convert("co2js", write(tmp_path, "yearly_2022.js", broken), {})
    got = [(d.span.line, d.message) for d in exc.value.diagnostics]
    assert got == [(1, "zone `CN`: expected zone.zoneName and carbonIntensity {value, unit}"),
                   (2, "zone `AX`: expected a non-negative gCO2eq/kWh figure, found -17 'gCO2eq/kWh'")]
    with pytest.raises(PcfError) as exc:
        convert("co2js", write(tmp_path, "yearly_2023.js", "const data = { \"CN\": ,\n};"), {})
    d = exc.value.diagnostics[0]
    assert "not a JSON-like literal" in d.message and (d.span.line, d.span.column) == (1, 22)


@pytest.mark.parametrize("fmt,name,text", [("ipcc", "par_energy_content_per_mass.csv", IPCC_NCV),
                                           ("co2js", "yearly_2021.js", EMAPS),
                                           ("co2js", "marginal-intensities-2021.min.js", MARGINAL)])
def test_reimport_is_byte_identical_and_loads(tmp_path, capsys, fmt, name, text):
    src = write(tmp_path / "src", name, text)
    out1, out2 = tmp_path / "kb" / "a.toml", tmp_path / "kb" / "b.toml"
    assert main(["kb", "import", fmt, str(src), "-o", str(out1)]) == 0
    assert main(["kb", "import", fmt, str(src), "-o", str(out2)]) == 0
    assert out1.read_bytes() == out2.read_bytes()
    out2.unlink()
    # the file loads as a layer over the library (its entries cite the library's sources)
    assert main(["check", str(tmp_path / "kb")]) == 0


# Spot checks of the shipped files against the sources' own rows:
#   bonsai-ipcc 0.5.3 par_energy_content_per_mass.csv:47  2019,World,gas_diesel_oil,def,43.0,GJ/t (48: min 41.4, 49: max 43.3)
#   bonsai-ipcc 0.5.3 par_carbon_content_per_energy.csv:47 2019,World,gas_diesel_oil,def,20.2,kg/GJ
#   bonsai-ipcc 0.5.3 par_carbon_content_per_mass.csv:32   2019,World,coke,def,0.83,kg/kg
#   @tgwf/co2 0.19.0 electricity-maps/yearly_2021.js  "CN" ... "carbonIntensity": { "value": 552 }; yearly_2025.js "GB" 176
#   @tgwf/co2 0.19.0 marginal-intensities-2021.min.js  "CHN": "899"
SPOT = [("ipcc.fuel.gas_diesel_oil.ncv", None, 43.0, "GJ/t", "par_energy_content_per_mass.csv:47"),
        ("ipcc.fuel.gas_diesel_oil.carbon_content", None, 20.2, "kgC/GJ", "par_carbon_content_per_energy.csv:47"),
        ("ipcc.iron_steel.coke.carbon_content", None, 0.83, "kgC/kg", "par_carbon_content_per_mass.csv:32"),
        ("intl.electricity.emaps.cn", 2021, 552.0, "gCO2e/kWh", "yearly_2021.js:1"),
        ("intl.electricity.emaps.gb", 2025, 176.0, "gCO2e/kWh", "yearly_2025.js:1"),
        ("intl.electricity.ifi_marginal.chn", 2021, 899.0, "gCO2/kWh", "marginal-intensities-2021.min.js:1")]


@pytest.fixture(scope="module")
def library():
    return load_kb(DEFAULT_KB_DIR, load_units())


@pytest.mark.parametrize("ident,year,value,unit,row", SPOT)
def test_shipped_values_match_the_source_rows(library, ident, year, value, unit, row):
    e = library.lookup(ident, year, pinned=True).entry
    assert (e.value, e.unit) == (value, unit) and e.table.startswith(row)
    assert e.confidence == "unconfirmed" and e.default is False
    src = library.sources[e.source]
    assert src.licence and src.redistribution is True


def test_grid_series_cover_more_regions(library):
    """At least one more region than CN and the UK, in every year 2021-2025 (Electricity Maps)."""
    for year in range(2021, 2026):
        assert library.lookup("intl.electricity.emaps.de", year, pinned=True).entry.region == "DE"
        assert library.lookup("intl.electricity.emaps.us_cal_ciso", year, pinned=True).entry.quality == "regional"
