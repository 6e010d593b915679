"""The knowledge base: kb/ content, time-aware lookup, `pcf check` on broken KBs, the cache.

Expected factor values are those of the research notes (shared/reference/factor-data.md),
which kb/ encodes; derived values are recomputed by hand in the comments.
"""
from __future__ import annotations

import json
import operator
import os
import re
import shutil
from pathlib import Path

import pytest

from pcf import cli
from pcf.commands import library as library_commands
from pcf.knowledge import kb as kbmod, kbcache
from pcf.language import nodes as n
from pcf.language.build import build_formula
from pcf.core.errors import PcfError
from pcf.knowledge.kb import DEFAULT_KB_DIR, check_kb, load_kb
from pcf.core.units import load_units

FIXTURES = Path(__file__).parent / "fixtures" / "kb_invalid"
HUNAN = "cn.electricity.co2.province.hunan"


@pytest.fixture(scope="module")
def units():
    return load_units()


@pytest.fixture(scope="module")
def kb(units):
    return load_kb(DEFAULT_KB_DIR, units, cache=False)


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch, units):
    """Every test gets its own cache folder, and the CLI reuses the loaded unit registry
    (0.14 s a load; loading it is tested elsewhere) so the fixture runs stay fast."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setattr(library_commands, "load_units", lambda: units)
    return tmp_path / "xdg-cache" / "pcf"


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- pcf check on deliberately broken knowledge bases --------------------------------
# rule folder -> (code, file, key path in the message, line:column, problems the folder holds)
BROKEN = {
    "unit_unknown": ("unit-unknown", "entries.toml", "entry[0].unit", "7:1", 1),
    "unit_malformed": ("unit-unknown", "entries.toml", "entry[0].unit", "7:1", 1),
    "unknown_source": ("kb-invalid", "entries.toml", "entry[0].source", "11:1", 1),
    "missing_source": ("kb-invalid", "entries.toml", "entry[0].source", "3:1", 1),
    "source_missing_year": ("kb-invalid", "sources.toml", "test_source", "3:1", 1),
    "overlapping_periods": ("kb-invalid", "entries.toml", "entry[1]", "13:1", 1),
    "duplicate_id_same_period": ("kb-invalid", "entries.toml", "entry[1]", "13:1", 1),
    "periods_different_units": ("kb-invalid", "entries.toml", "entry[1]", "13:1", 1),
    "value_nan": ("bad-number", "entries.toml", "entry[0].value", "6:1", 1),
    "value_inf": ("bad-number", "entries.toml", "entry[0].value", "6:1", 1),
    "value_negative": ("bad-number", "entries.toml", "entry[0].value", "6:1", 1),
    "value_string": ("kb-invalid", "entries.toml", "entry[0].value", "6:1", 1),
    "missing_unit": ("kb-invalid", "entries.toml", "entry[0].unit", "3:1", 1),
    "value_and_formula": ("kb-invalid", "entries.toml", "entry[0]", "3:1", 1),
    "neither_value_nor_formula": ("kb-invalid", "entries.toml", "entry[0]", "3:1", 1),
    "bad_id": ("kb-invalid", "entries.toml", "entry[0].id", "4:1", 1),
    # `vaule`: the typo, and so also an entry without a value
    "unknown_field": ("kb-invalid", "entries.toml", "entry[0].vaule", "11:1", 2),
    "unknown_top_level_key": ("kb-invalid", "entries.toml", "entries", "3:1", 1),
    "unconfirmed_default": ("kb-invalid", "entries.toml", "entry[0].default", "12:1", 1),
    "valid_to_before_from": ("kb-invalid", "entries.toml", "entry[0].valid_to", "10:1", 1),
    "year_not_integer": ("kb-invalid", "entries.toml", "entry[0].valid_from", "9:1", 1),
    "bad_quality": ("kb-invalid", "entries.toml", "entry[0].quality", "12:1", 1),
    "bad_confidence": ("kb-invalid", "entries.toml", "entry[0].confidence", "12:1", 1),
    "bad_basis": ("kb-invalid", "entries.toml", "entry[0].basis", "8:1", 1),
    "basis_unit_mismatch": ("kb-invalid", "entries.toml", "entry[0].basis", "8:1", 1),
    "invalid_toml": ("toml", "entries.toml", None, "6:13", 1),
    "formula_bad_syntax": ("syntax", "entries.toml", "entry[2].formula", "28:31", 1),
    "formula_unknown_ref": ("kb-unknown", "entries.toml", "entry[2].formula", "28:31", 1),
    "formula_unit_mismatch": ("unit-mismatch", "entries.toml", "entry[2].formula", "28:12", 1),
    "formula_bare_name": ("unknown-name", "entries.toml", "entry[2].formula", "28:12", 1),
    "formula_cycle": ("cycle", "entries.toml", "entry[0].formula", "10:12", 1),
    "formula_default_from_unconfirmed": ("kb-not-default", "entries.toml", "entry[2].formula", "30:31", 1),
}


def test_every_fixture_folder_has_an_expectation():
    assert {p.name for p in FIXTURES.iterdir() if p.is_dir()} == set(BROKEN)


@pytest.mark.parametrize("rule", sorted(BROKEN))
def test_check_reports_broken_kb(rule, capsys):
    code, file, key, where, _ = BROKEN[rule]
    status, out, err = run_cli(capsys, "check", str(FIXTURES / rule))
    assert status == 1, out
    head = re.compile(rf"{rule}/{re.escape(file)}:{where}: (?P<msg>.*) \[{code}\]$")
    hits = [m["msg"] for m in map(head.search, err.splitlines()) if m]
    assert hits, err
    if key is not None:
        assert any(msg.startswith(f"{key}") for msg in hits), err
    assert "Traceback" not in err


@pytest.mark.parametrize("rule", sorted(BROKEN))
def test_each_fixture_breaks_only_its_rule(rule, units):
    code, _, _, _, count = BROKEN[rule]
    with pytest.raises(PcfError) as exc:
        check_kb(load_kb(FIXTURES / rule, units, cache=False))
    assert [d.code for d in exc.value.diagnostics] == [code] * count


def test_check_real_kb_passes(capsys):
    status, out, err = run_cli(capsys, "check", str(DEFAULT_KB_DIR))
    assert (status, err) == (0, "")
    assert out.startswith("ok")


def test_check_a_file_checks_its_whole_kb(capsys):
    # cn_co2.toml alone has no sources.toml beside it: it is checked as part of kb/
    status, _, err = run_cli(capsys, "check", str(DEFAULT_KB_DIR / "electricity" / "cn_co2.toml"))
    assert (status, err) == (0, "")


# --- the content of kb/ ----------------------------------------------------------------

def test_kb_has_enough_entries_each_with_a_source(kb):
    assert len(kb.entries) >= 250
    for e in kb.entries:
        src = kb.sources[e.source]
        assert src.title.strip() and src.issuer.strip(), e.id
        assert isinstance(src.year, int) and 1900 <= src.year <= 2100, e.id


# factor-data.md §1: GWP100, kgCO2e per kg of gas
GWP = {
    "ar4": {"ch4": 25, "n2o": 298, "sf6": 22_800},
    "ar5": {"ch4": 28, "ch4_fossil": 30, "n2o": 265, "sf6": 23_500},
    "ar6": {"ch4": 27.9, "ch4_fossil": 29.8, "ch4_nonfossil": 27.0, "n2o": 273, "sf6": 25_200},
}


@pytest.mark.parametrize("gwp_set,gas", [(s, g) for s, gases in GWP.items() for g in gases])
def test_gwp_values(kb, gwp_set, gas):
    e = kb.lookup(f"gwp.{gwp_set}.{gas}", 2024).entry
    assert e.value == GWP[gwp_set][gas]
    assert e.basis == "GWP" and e.unit.startswith("kgCO2e/kg")


PROVINCES = ("anhui beijing chongqing fujian gansu guangdong guangxi guizhou hainan hebei heilongjiang "
             "henan hubei hunan jiangsu jiangxi jilin liaoning neimenggu ningxia qinghai shaanxi "
             "shandong shanghai shanxi sichuan tianjin xinjiang yunnan zhejiang").split()


def test_thirty_provinces_for_2021_to_2023(kb):
    ids = {i for i in kb.by_id if i.startswith("cn.electricity.co2.province.")}
    assert ids == {f"cn.electricity.co2.province.{p}" for p in PROVINCES}
    for ident in ids:
        assert [(e.valid_from, e.valid_to) for e in kb.by_id[ident]] == [(2021, 2021), (2022, 2022), (2023, 2023)]
        assert {e.unit for e in kb.by_id[ident]} == {"kgCO2/kWh"}


@pytest.mark.parametrize("province,year,value", [
    ("hunan", 2022, 0.49), ("beijing", 2021, 0.5688), ("yunnan", 2022, 0.1073), ("xinjiang", 2023, 0.6021),
])
def test_provincial_values(kb, province, year, value):  # factor-data.md §2.2
    assert kb.lookup(f"cn.electricity.co2.province.{province}", year).entry.value == value


def test_cfp_national_2024(kb):  # factor-data.md §2.3
    e = kb.lookup("cn.electricity.cfp.national", 2024).entry
    assert (e.value, e.unit, e.basis) == (0.5777, "kgCO2e/kWh", "CO2e")


def test_spans_point_at_entries(kb):
    """Entry lines come from a one-pass scan: each must be its `[[entry]]` header (and
    `formula = ...` line), or every error and `pcf kb show` would point elsewhere."""
    texts: dict[str, list[str]] = {}
    for e in kb.entries:
        if e.span.path not in texts:   # shown relative to the working directory
            texts[e.span.path] = Path(e.span.path).resolve().read_text(encoding="utf-8").split("\n")
        lines = texts[e.span.path]
        assert lines[e.span.line - 1].strip() == "[[entry]]", (e.id, e.span)
        assert re.fullmatch(r"entry\[\d+\]", e.key)
        if e.formula is not None:
            assert lines[e.formula_line - 1].startswith("formula ="), e.id


# --- time-aware lookup -------------------------------------------------------------------

def test_lookup_by_data_year(kb):
    assert kb.lookup(HUNAN, 2023).entry.value == 0.4976
    assert kb.lookup(HUNAN, 2022).entry.value == 0.4900
    assert kb.lookup(HUNAN, 2022).fallback_from is None


def test_lookup_without_a_value_names_the_nearest_years(kb):
    with pytest.raises(PcfError) as exc:
        kb.lookup(HUNAN, 2030)
    d = exc.value.diagnostics[0]
    assert d.code == "kb-year"
    assert "no value for 2030; nearest: 2023 (it has 2021, 2022, 2023)" in d.message
    assert f"kb.{HUNAN}[2023]" in d.hint and "latest_earlier" in d.hint
    with pytest.raises(PcfError) as exc:
        kb.lookup(HUNAN, 2019, fallback=True)   # nothing earlier to fall back to
    assert "nearest: 2021" in exc.value.diagnostics[0].message


def test_lookup_falls_back_to_the_latest_earlier_value(kb):
    found = kb.lookup(HUNAN, 2030, fallback=True)
    assert (found.entry.value, found.entry.valid_from, found.fallback_from) == (0.4976, 2023, 2030)


def test_pinned_year_never_falls_back(kb):
    with pytest.raises(PcfError) as exc:
        kb.lookup(HUNAN, 2030, pinned=True, fallback=True)
    assert exc.value.diagnostics[0].code == "kb-year"


def test_unconfirmed_entry_needs_a_pinned_year(kb):
    # the 2023 coal generation factor is CPCD-only (factor-data.md §2.3): unconfirmed
    assert kb.lookup("cn.electricity.cfp.coal", 2023, pinned=True).entry.value == 0.944
    with pytest.raises(PcfError) as exc:
        kb.lookup("cn.electricity.cfp.coal", 2023)
    assert exc.value.diagnostics[0].code == "kb-not-default"
    assert "cn.electricity.cfp.coal[2023]" in exc.value.diagnostics[0].hint
    assert kb.lookup("cn.electricity.cfp.coal", 2024).entry.value == 0.924


def test_lookup_without_a_year(kb):
    assert kb.lookup("gwp.ar5.ch4", None).entry.value == 28   # one open-ended entry
    with pytest.raises(PcfError) as exc:
        kb.lookup(HUNAN, None)
    assert exc.value.diagnostics[0].code == "kb-year"


def test_unknown_id_suggests_a_near_one(kb):
    with pytest.raises(PcfError) as exc:
        kb.lookup("cn.electricity.co2.province.hunna", 2022)
    assert exc.value.diagnostics[0].code == "kb-unknown"
    assert HUNAN in exc.value.diagnostics[0].hint


# --- derived entries ----------------------------------------------------------------------

def derived(kb, ident: str, year: int) -> float:
    """A derived entry's value in its own unit: its formula over the values it names."""
    e = kb.lookup(ident, year).entry
    ops = {"*": operator.mul, "/": operator.truediv, "+": operator.add, "-": operator.sub}
    stack: list[float] = []
    # walk() is pre-order (node, left, right): reversed, every node comes after its operands
    for node in reversed(list(n.walk(build_formula(e.formula, e.span.path)))):
        if isinstance(node, n.KbRef):
            stack.append(kb.lookup(node.id, year).entry.base_value)
        elif isinstance(node, n.BasisConversion):
            stack.append(node.numerator / node.denominator)
        elif isinstance(node, n.Number):
            stack.append(kb.units.parse(node.unit).to_base(node.value) if node.unit else node.value)
        elif isinstance(node, n.BinOp):
            left, right = stack.pop(), stack.pop()
            stack.append(ops[node.op](left, right))
        else:
            raise AssertionError(f"unexpected {node}")
    return e.spec.from_base(stack.pop())


def test_diesel_factor(kb):
    # 42.652 GJ/t x 20.2 tC/TJ = 0.8615704 tC/t; x 0.98 = 0.84433899; x 44/12 = 3.0959096 tCO2/t
    assert round(derived(kb, "cn.fuel.gl2015.diesel.ef", 2024), 4) == 3.0959
    # 20.2 tC/TJ x 0.98 x 44/12 = 72.5853 tCO2/TJ = 0.0725853 tCO2/GJ
    assert round(derived(kb, "cn.fuel.gl2015.diesel.ef_per_gj", 2024), 6) == 0.072585


def test_natural_gas_factor(kb):
    # 389.31 GJ/万Nm3 = 0.038931 GJ/Nm3; x 15.3 tC/TJ = 0.5956443 kgC/Nm3; x 0.99 = 0.5896879;
    # x 44/12 = 2.1621888 kgCO2/Nm3
    assert round(derived(kb, "cn.fuel.gl2015.natural_gas.ef", 2024), 4) == 2.1622


# --- the kb commands ----------------------------------------------------------------------

def test_kb_list_json(capsys):
    status, out, _ = run_cli(capsys, "kb", "list", "--json")
    assert status == 0
    rows = json.loads(out)
    assert len(rows) >= 250
    for r in rows:
        assert {"id", "value", "unit", "source", "valid_from", "valid_to"} <= set(r)
        assert r["source"] and r["unit"] and (r["value"] is not None or r["formula"])
    have = {(r["id"], r["valid_from"]) for r in rows}
    assert {("gwp.ar4.ch4", 2007), ("gwp.ar5.ch4", 2013), ("gwp.ar6.ch4", 2021)} <= have
    assert {(f"cn.electricity.co2.province.{p}", y) for p in PROVINCES for y in (2021, 2022, 2023)} <= have
    assert ("cn.electricity.cfp.national", 2024) in have


def test_kb_show(capsys):
    status, out, _ = run_cli(capsys, "kb", "show", HUNAN)
    assert status == 0
    assert [line.split()[1] for line in out.splitlines() if line.startswith("kb.")] == ["[2021]", "[2022]", "[2023]"]
    assert "0.49 kgCO2/kWh" in out and "关于发布2022年电力二氧化碳排放因子的公告" in out
    status, _, err = run_cli(capsys, "kb", "show", "cn.electricity.co2.province.hunna")
    assert status == 1 and "[kb-unknown]" in err and HUNAN in err


@pytest.mark.parametrize("text", ["湖南", "hunan", "HUNAN"])
def test_kb_search(capsys, text):
    status, out, _ = run_cli(capsys, "kb", "search", text, "--json")
    assert status == 0
    assert [r["valid_from"] for r in json.loads(out) if r["id"] == HUNAN] == [2021, 2022, 2023]


# --- the compiled cache ---------------------------------------------------------------------

@pytest.fixture
def small_kb(tmp_path) -> Path:
    root = tmp_path / "kb"
    shutil.copytree(DEFAULT_KB_DIR / "gwp", root / "gwp")
    shutil.copy(DEFAULT_KB_DIR / "sources.toml", root)
    return root


def no_parsing(monkeypatch):
    def fail(*_):
        raise AssertionError("parsed the TOML although the cache is valid")
    monkeypatch.setattr(kbmod, "_load", fail)


def test_cached_load_equals_uncached(units, tmp_path, monkeypatch):
    root = tmp_path / "kb"   # a copy: an edit in kb/ during the test would rightly invalidate the cache
    shutil.copytree(DEFAULT_KB_DIR, root)
    cache = tmp_path / "c"
    uncached = load_kb(root, units, cache=False)
    fresh = load_kb(root, units, cache_dir=cache)
    assert len(list(cache.glob("kb-*.json"))) == 1
    no_parsing(monkeypatch)
    cached = load_kb(root, units, cache_dir=cache)
    assert cached == uncached == fresh
    assert cached.entries == uncached.entries and cached.sources == uncached.sources
    assert cached.lookup(HUNAN, 2022).entry.span == uncached.lookup(HUNAN, 2022).entry.span


def test_a_cached_load_makes_only_the_entries_asked_for(units, tmp_path, monkeypatch):
    """A run reads a few dozen entries of the library: from the cache, an id's entries are made when
    it is first looked up (kbcache.LazyEntries), each once, equal to the parsed ones."""
    root = tmp_path / "kb"
    shutil.copytree(DEFAULT_KB_DIR, root)
    cache = tmp_path / "c"
    uncached = load_kb(root, units, cache=False)
    load_kb(root, units, cache_dir=cache)
    made = []
    real = kbcache.LazyEntries.__init__

    def counting(self, spans, build, reload):
        def build_counting(ident, start, end):
            entries = build(ident, start, end)
            made.extend(entries)
            return entries
        real(self, spans, build_counting, reload)
    monkeypatch.setattr(kbcache.LazyEntries, "__init__", counting)
    cached = load_kb(root, units, cache_dir=cache)
    assert isinstance(cached.by_id, kbcache.LazyEntries) and made == []
    assert list(cached.by_id) == list(uncached.by_id) and len(cached.by_id) == len(uncached.by_id)
    assert HUNAN in cached and "no.such.id" not in cached and made == []     # ids cost nothing
    first = cached.lookup(HUNAN, 2022).entry
    assert first == uncached.lookup(HUNAN, 2022).entry and len(made) == len(uncached.by_id[HUNAN])
    assert cached.lookup(HUNAN, 2022).entry is first and len(made) == len(uncached.by_id[HUNAN])   # made once
    assert cached.by_id == uncached.by_id and len(made) == len(uncached.entries)


def test_changing_a_file_invalidates_the_cache(units, small_kb, tmp_path):
    cache = tmp_path / "c"
    assert load_kb(small_kb, units, cache_dir=cache).lookup("gwp.ar5.ch4", 2024).entry.value == 28
    path = small_kb / "gwp" / "ipcc.toml"
    text = path.read_text(encoding="utf-8")
    st = path.stat()
    # same size, and a modification time 1 s later: only mtime_ns tells the edit apart
    edited = text.replace("value = 28.0\n", "value = 29.0\n", 1)
    assert edited != text
    path.write_text(edited, encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert path.stat().st_size == st.st_size
    assert load_kb(small_kb, units, cache_dir=cache).lookup("gwp.ar5.ch4", 2024).entry.value == 29


def test_a_new_file_invalidates_the_cache(units, small_kb, tmp_path):
    cache = tmp_path / "c"
    load_kb(small_kb, units, cache_dir=cache)
    shutil.copy(DEFAULT_KB_DIR / "heat" / "cn.toml", small_kb / "gwp" / "heat.toml")
    assert "cn.heat.gl2015.purchased" in load_kb(small_kb, units, cache_dir=cache)


def test_a_corrupt_cache_is_rebuilt(units, small_kb, tmp_path, monkeypatch):
    cache = tmp_path / "c"
    good = load_kb(small_kb, units, cache_dir=cache)
    (blob,) = cache.glob("kb-*.json")
    blob.write_bytes(b"not a cache file")
    assert load_kb(small_kb, units, cache_dir=cache) == good
    no_parsing(monkeypatch)   # rewritten: the next load needs no parsing
    assert load_kb(small_kb, units, cache_dir=cache) == good


def test_paths_follow_the_working_directory(units, small_kb, tmp_path, monkeypatch):
    """Entries carry their file as shown to users (relative to the working directory): a
    cache written from one directory must not lend its paths to a load from another."""
    cache = tmp_path / "c"
    monkeypatch.chdir(small_kb)
    here = load_kb(small_kb, units, cache_dir=cache)
    monkeypatch.chdir(tmp_path)
    there = load_kb(small_kb, units, cache_dir=cache)
    assert here.lookup("gwp.ar5.ch4", 2024).entry.span.path == "gwp/ipcc.toml"
    assert there.lookup("gwp.ar5.ch4", 2024).entry.span.path == "kb/gwp/ipcc.toml"
    assert there == load_kb(small_kb, units, cache=False)
    assert len(list(cache.glob("kb-*.json"))) == 1   # replaced, not piled up


def test_cache_is_never_written_inside_the_kb(units, small_kb):
    load_kb(small_kb, units, cache_dir=small_kb / "cache")
    assert not (small_kb / "cache").exists()


def test_an_invalid_kb_is_not_cached(units, tmp_path):
    cache = tmp_path / "c"
    for _ in range(2):   # reported on every load
        with pytest.raises(PcfError):
            load_kb(FIXTURES / "value_nan", units, cache_dir=cache)
    assert not list(cache.glob("kb-*.json"))


def test_entries_written_inline_load_too(units, tmp_path):
    """An `entry = [{...}]` array has no `[[entry]]` headers: positions then come from the
    full key scan, and errors still name the file and key path (the line is the file's
    first: the key scan has no lines for the items of an inline array)."""
    root = tmp_path / "kb"
    root.mkdir()
    (root / "sources.toml").write_text('[s]\ntitle = "t"\nissuer = "i"\nyear = 2024\n', encoding="utf-8")
    (root / "inline.toml").write_text(
        '# inline\nentry = [\n  { id = "t.a", value = 1.0, unit = "1", basis = "parameter", source = "s" },\n'
        '  { id = "t.b", value = -1.0, unit = "1", basis = "parameter", source = "s" },\n]\n', encoding="utf-8")
    with pytest.raises(PcfError) as exc:
        load_kb(root, units, cache=False)
    (d,) = exc.value.diagnostics
    assert d.code == "bad-number" and d.message.startswith("entry[1].value (t.b)")
    assert d.span.path.endswith("inline.toml")
