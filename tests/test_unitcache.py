"""Units without pint at run time (issue 25): dimensions are pcf's own `Dim` (core/basedims.py),
with pint's `UnitsContainer` algebra; parsed units are kept between runs (core/unitcache.py), so
a run whose unit strings were all met before imports no pint; what pint would say is what the
cache says; a planted, foreign or stale cache file is ignored; a changed definitions file is read
(and refused when broken) at once."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, strategies as st
from pint.util import UnitsContainer

from pcf.core.basedims import Dim
from pcf.core.errors import PcfError
from pcf.core.units import load_units

ROOT = Path(__file__).resolve().parents[1]
UNITS = ROOT / "kb" / "units.txt"
TEXTS = ["kWh", "kgCO2e/kWh", "GJ/万Nm3", "t·km", "kgCO2e/(t·km)", "万kWh", "%", "hm2", "kgC", "kgN2O_N/kgN",
         "台", "m3", "Nm3", "MJ/kg", "tC/TJ", "text"]

names = st.sampled_from(["kilogram", "meter", "second", "kgCO2e", "kgC", "item"])
exponents = st.dictionaries(names, st.sampled_from([-3, -2, -1, 1, 2, 3, 0.5, -0.5]), max_size=4)


def plain(d) -> dict:
    return {k: v for k, v in dict(d).items() if v}


@given(exponents, exponents, st.sampled_from([-2, -1, 0.5, 1, 2, 3]))
def test_dim_has_the_algebra_of_pints_units_container(a, b, p):
    assert plain(Dim(a) * Dim(b)) == plain(UnitsContainer(a) * UnitsContainer(b))
    assert plain(Dim(a) / Dim(b)) == plain(UnitsContainer(a) / UnitsContainer(b))
    assert plain(Dim(a) ** p) == plain(UnitsContainer(a) ** p)
    assert (Dim(a) == Dim(b)) == (UnitsContainer(a) == UnitsContainer(b))
    assert hash(Dim(a)) == hash(Dim(dict(a))) and Dim(a) * Dim(b) == Dim(b) * Dim(a)
    assert (Dim(a) / Dim(a)) == Dim() and not Dim(a) / Dim(a)
    for k in ("kilogram", "kgC"):                    # a base unit the dimension lacks has exponent 0
        assert Dim(a)[k] == UnitsContainer(a)[k] and Dim(a).get(k) == UnitsContainer(a).get(k)


def test_the_cache_says_what_pint_says(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    reference = load_units(cache=False)
    first = load_units()
    assert first._state.get("registry") is not None          # a new definitions file: read at once
    for text in TEXTS:
        assert first.parse(text) == reference.parse(text)
    second = load_units()
    assert second._state.get("registry") is None             # every string known: no registry
    for text in TEXTS:
        assert second.parse(text) == reference.parse(text)
    assert second._state.get("registry") is None
    second.parse("g/km")                                     # a new string: pint, then kept
    assert second._state.get("registry") is not None
    assert load_units().parse("g/km") == reference.parse("g/km")


def test_an_unknown_unit_is_refused_each_time_and_never_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    load_units().parse("kWh")
    for _ in range(2):
        units = load_units()
        with pytest.raises(ValueError, match="unknown unit `kwh`"):
            units.parse("kwh")
    (cache,) = (tmp_path / "xdg" / "pcf" / "units").glob("units-*.json")
    assert "kwh" not in cache.read_text(encoding="utf-8", errors="replace") and units.parse("kWh").scale == 3.6e6


@pytest.mark.parametrize("damage", ["garbage", "unsealed JSON", "another key"])
def test_a_damaged_or_planted_cache_is_ignored(tmp_path, monkeypatch, damage):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    reference = load_units(cache=False)
    load_units().parse("kWh")
    (cache,) = (tmp_path / "xdg" / "pcf" / "units").glob("units-*.json")
    lie = json.dumps({"key": "x", "units": {"kWh": [1.0, [["kilogram", 1]]]}}).encode()
    if damage == "garbage":
        cache.write_bytes(b"\x00" * 64)
    elif damage == "unsealed JSON":
        cache.write_bytes(lie)
    else:   # sealed by us but for another key: read as missing
        from pcf.core.unitcache import unit_cache
        c = unit_cache(UNITS)
        c.key = "another"
        c.write({"kWh": (1.0, Dim({"kilogram": 1}))})
    units = load_units()
    assert units._state.get("registry") is not None          # nothing usable kept: pint read the file
    assert units.parse("kWh") == reference.parse("kWh")


def test_a_changed_definitions_file_is_read_and_a_broken_one_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    path = tmp_path / "units.txt"
    path.write_text(UNITS.read_text(encoding="utf-8"), encoding="utf-8")
    load_units(path).parse("kWh")
    assert load_units(path)._state.get("registry") is None
    path.write_text(UNITS.read_text(encoding="utf-8") + "\nwidget = [widget]\n", encoding="utf-8")
    units = load_units(path)
    assert units._state.get("registry") is not None and units.parse("widget").dim == Dim({"widget": 1})
    path.write_text("this is = not = a unit line\n", encoding="utf-8")
    with pytest.raises(PcfError) as e:
        load_units(path)
    assert e.value.diagnostics[0].code == "kb-invalid"


def test_a_warm_command_imports_no_pint(tmp_path):
    """The first run of a new cache folder parses its units with pint (imported without dask); the
    next run finds them all kept and imports neither."""
    probe = ("import json, sys; from pcf.cli import main; code = main(sys.argv[1:]); "
             "print(json.dumps([code, 'pint' in sys.modules, 'dask' in sys.modules]))")
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("PCF_")}
    env["XDG_CACHE_HOME"] = str(tmp_path / "xdg")
    runs = []
    for _ in range(2):
        proc = subprocess.run([sys.executable, "-c", probe, "run", "examples/seed-003-metering-box"], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=120)
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    assert runs == [[0, True, False], [0, False, False]], runs
