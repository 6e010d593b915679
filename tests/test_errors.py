"""Bad methods, inventories, case folders and TOML: positioned diagnostics, never tracebacks.

Each test writes small files into a temporary folder (the working directory, so paths in
diagnostics are short) and goes through the public API, as a script would. Expected
positions are found by searching the written text.
"""
from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

import pcf
from pcf.core.errors import CATALOGUE, PcfError
from pcf.core.units import UnitError

HEAD = '''method t.m "T" {
  standard "S"
  boundary cradle_to_gate
  gwp AR5
  stage production "生产"
'''


def locate(path: str, needle: str, nth: int = 1) -> tuple[str, int, int]:
    """(path, line, column) of the nth occurrence of `needle` in a written file."""
    text = Path(path).read_text(encoding="utf-8")
    at = -1
    for _ in range(nth):
        at = text.index(needle, at + 1)
    line = text.count("\n", 0, at) + 1
    return path, line, at - (text.rfind("\n", 0, at) + 1) + 1


def where(d) -> tuple[str, int, int]:
    return d.span.path, d.span.line, d.span.column


def compile_problems(ws, body: str, year: int | None = 2024, head: str = HEAD):
    Path("m.pcf").write_text(head + textwrap.dedent(body) + "}\n", encoding="utf-8")
    with pytest.raises(PcfError) as err:
        ws.compile(ws.method("m.pcf"), year)
    diagnostics = err.value.diagnostics
    assert all(d.code in CATALOGUE for d in diagnostics)
    return diagnostics


def one(diagnostics, code: str):
    found = [d for d in diagnostics if d.code == code]
    assert len(found) == 1, [(d.code, d.message) for d in diagnostics]
    return found[0]


# --- methods: names -----------------------------------------------------------------------

def test_unknown_name_suggests_the_close_one(ws, here):
    ds = compile_problems(ws, """\
        input electricity : kWh
        emission e in production = electricty * kb.cn.electricity.cfp.national
        """)
    d = one(ds, "unknown-name")
    assert d.message == "unknown name `electricty`"
    assert d.hint == "did you mean `electricity`?"
    assert where(d) == locate("m.pcf", "electricty")
    assert (d.span.end_line, d.span.end_column) == (d.span.line, d.span.column + len("electricty"))


def test_unknown_stage(ws, here):
    ds = compile_problems(ws, """\
        input electricity : kWh
        emission e in prodution = electricity * kb.cn.electricity.cfp.national
        """)
    d = one(ds, "unknown-stage")
    assert "`prodution`" in d.message and d.hint == "did you mean `production`?"
    assert where(d) == locate("m.pcf", "prodution")


def test_unknown_table_and_column(ws, here):
    ds = compile_problems(ws, """\
        table legs { mass : t  distance : km }
        emission a in production = sum(l in leg: l.mass * l.distance) * 0.1 kgCO2e/(t*km)
        emission b in production = sum(l in legs: l.mass * l.distanse) * 0.1 kgCO2e/(t*km)
        """)
    table = one(ds, "unknown-table")
    assert "`leg`" in table.message and table.hint == "did you mean `legs`?"
    assert where(table) == locate("m.pcf", "sum(")
    column = one(ds, "unknown-column")
    assert "`distanse`" in column.message and column.hint == "did you mean `distance`?"
    assert where(column) == locate("m.pcf", "l.distanse")


def test_duplicate_name(ws, here):
    ds = compile_problems(ws, """\
        input electricity : kWh
        let electricity = 2 kWh
        emission e in production = electricity * kb.cn.electricity.cfp.national
        """)
    d = one(ds, "duplicate")
    assert "`electricity`" in d.message
    assert where(d) == locate("m.pcf", "let electricity")
    ((label, first),) = d.related
    assert (first.path, first.line, first.column) == locate("m.pcf", "input electricity")


def test_duplicate_stage(ws, here):
    ds = compile_problems(ws, """\
        stage production "again"
        input electricity : kWh
        emission e in production = electricity * kb.cn.electricity.cfp.national
        """)
    d = one(ds, "duplicate")
    assert "stage `production`" in d.message
    assert where(d) == locate("m.pcf", 'stage production "again"')
    assert [(s.line, s.column) for _, s in d.related] == [locate("m.pcf", "stage production")[1:]]


def test_duplicate_setting(ws, here):
    ds = compile_problems(ws, """\
        gwp AR6
        input electricity : kWh
        emission e in production = electricity * kb.cn.electricity.cfp.national
        """)
    d = one(ds, "duplicate")
    assert "`gwp`" in d.message and where(d) == locate("m.pcf", "gwp AR6")
    assert [(s.line, s.column) for _, s in d.related] == [locate("m.pcf", "gwp AR5")[1:]]


CYCLE = """\
    input x : kWh
    let a = b
    let b = c
    let c = a
    emission e in production = x * a * 1 kgCO2e/kWh
    """


def test_cycle_names_its_members_and_points_at_each(ws, here):
    d = one(compile_problems(ws, CYCLE), "cycle")
    assert where(d) == locate("m.pcf", "let a")
    circle = d.message.split(": ", 1)[1].split(" -> ")
    assert len(circle) == 4 and circle[0] == circle[-1] and set(circle) == {"a", "b", "c"}
    assert sorted((s.line, s.column) for _, s in d.related) == \
        [locate("m.pcf", f"let {name}")[1:] for name in "abc"]


def test_cycle_path_follows_the_dependencies(ws, here):
    d = one(compile_problems(ws, CYCLE), "cycle")
    assert "a -> b -> c -> a" in d.message


def test_unused_input_is_a_warning_at_its_declaration(ws, here):
    from pcf.evaluation.evaluate import plan_findings
    Path("m.pcf").write_text(HEAD + textwrap.dedent("""\
        input electricity : kWh
        input gas : m3 "天然气"
        emission e in production = electricity * kb.cn.electricity.cfp.national
        """) + "}\n", encoding="utf-8")
    plan = ws.compile(ws.method("m.pcf"), 2024)   # compiles: declaring an input for the record is allowed
    (f,) = [f for f in plan_findings(plan) if f.code == "unused-input"]
    assert f.severity == "warning" and "`gas`" in f.message
    assert (f.at.path, f.at.line, f.at.column) == locate("m.pcf", "input gas")


# --- methods: units -----------------------------------------------------------------------

def test_adding_kwh_and_kg_points_at_the_sum(ws, here):
    ds = compile_problems(ws, """\
        input electricity : kWh
        input coal : kg
        emission e in production = (electricity + coal) * kb.cn.electricity.cfp.national
        """)
    d = one(ds, "unit-mismatch")
    assert d.message.startswith("cannot add ") and "kg" in d.message
    assert where(d) == locate("m.pcf", "electricity + coal")
    assert d.span.end_column == d.span.column + len("electricity + coal")


def test_emission_in_kwh_is_not_co2e(ws, here):
    ds = compile_problems(ws, """\
        input electricity : kWh
        emission e in production = electricity
        """)
    d = one(ds, "not-co2e")
    assert "emission `e`" in d.message and "not a mass of CO2e" in d.message
    assert where(d) == locate("m.pcf", "emission e")


def test_co2_only_emission_needs_the_non_co2_setting(ws, here):
    body = """\
        input electricity : kWh
        emission e in production = electricity * 0.5 kgCO2/kWh
        """
    d = one(compile_problems(ws, body), "not-co2e")
    assert "kgCO2" in d.message and "non_co2_negligible" in d.hint
    # The same formula is accepted once the method says the other gases are negligible.
    Path("m.pcf").write_text(HEAD + '  non_co2_negligible "燃烧仅核算 CO2"\n' + textwrap.dedent(body) + "}\n",
                             encoding="utf-8")
    assert ws.compile(ws.method("m.pcf"), 2024).co2_as_co2e == ("e",)


def test_44_12_on_co2_is_a_basis_error(ws, here):
    ds = compile_problems(ws, """\
        non_co2_negligible "r"
        input coal : kg
        emission e in production = coal * 2.5 kgCO2/kg * 44/12
        """)
    d = one(ds, "basis-conversion")
    assert d.message.startswith("44/12 converts C -> CO2") and "kgCO2" in d.message
    assert where(d) == locate("m.pcf", "44/12")


def test_unknown_unit_of_an_input(ws, here):
    ds = compile_problems(ws, """\
        input offsets : kgCO2eq
        emission e in production = offsets * 1 kgCO2e/kgCO2e
        """)
    d = one(ds, "unit-unknown")
    assert "`kgCO2eq`" in d.message and d.hint == "did you mean `kgCO2e`?"
    assert where(d) == locate("m.pcf", "kgCO2eq")


def test_unknown_unit_with_wrong_case_gets_a_hint(ws, here):
    ds = compile_problems(ws, """\
        input electricity : kwh
        emission e in production = electricity * kb.cn.electricity.cfp.national
        """)
    assert "kWh" in (one(ds, "unit-unknown").hint or "")


# --- methods: knowledge base ----------------------------------------------------------------

def test_unknown_kb_id_suggests_the_close_one(ws, here):
    ds = compile_problems(ws, """\
        input electricity : kWh
        emission e in production = electricity * kb.cn.electricity.cfp.natonal
        """)
    d = one(ds, "kb-unknown")
    assert "`kb.cn.electricity.cfp.natonal`" in d.message
    assert d.hint == "did you mean `cn.electricity.cfp.national`?"
    assert where(d) == locate("m.pcf", "kb.cn")


def test_kb_year_that_does_not_exist_names_the_years_there_are(ws, here):
    ds = compile_problems(ws, """\
        input electricity : kWh
        emission e in production = electricity * kb.cn.electricity.cfp.national[2030]
        """)
    d = one(ds, "kb-year")
    years = [e.period for e in ws.kb.by_id["cn.electricity.cfp.national"]]
    assert "2030" in d.message and years and all(y in d.message for y in years)
    assert where(d) == locate("m.pcf", "kb.cn")
    assert "[2024]" in d.hint or "factor_year" in d.hint


# --- methods: several problems, reported together -------------------------------------------

def test_three_mistakes_are_reported_together(ws, here):
    ds = compile_problems(ws, """\
        input electricity : kWh
        table legs { mass : t }
        emission a in production = electricty * kb.cn.electricity.cfp.national
        emission b in production = electricity * kb.cn.electricity.cfp.natonal
        emission c in production = sum(l in leg: l.mass) * 1 kgCO2e/t
        """)
    assert len(ds) >= 3
    assert {"unknown-name", "kb-unknown", "unknown-table"} <= {d.code for d in ds}
    assert [d.span.line for d in ds] == sorted(d.span.line for d in ds)   # in file order


def test_mistakes_of_declarations_and_formulas_are_reported_together(ws, here):
    ds = compile_problems(ws, """\
        input electricity : kWh
        emission a in prodution = electricity * kb.cn.electricity.cfp.national
        emission b in production = electricty * kb.cn.electricity.cfp.national
        emission c in production = electricity * kb.cn.electricity.cfp.natonal
        """)
    assert {"unknown-stage", "unknown-name", "kb-unknown"} <= {d.code for d in ds}


def test_syntax_error_in_a_method_file_names_the_file(ws, here):
    Path("m.pcf").write_text(HEAD + "  input electricity : kWh\n  emision e in production = 1\n}\n", encoding="utf-8")
    with pytest.raises(PcfError) as err:
        ws.method("m.pcf")
    (d,) = err.value.diagnostics
    assert d.code == "syntax" and d.hint == "did you mean `emission`?"
    assert where(d) == locate("m.pcf", "emision")


# --- inventories and case folders ------------------------------------------------------------

METHOD = HEAD + '''  non_co2_negligible "燃烧仅核算 CO2"
  input electricity : kWh "用电"
  input gas : m3 "天然气" optional
  table legs "运输" { mass : t  distance : km }
  emission power in production = electricity * kb.cn.electricity.cfp.national
  emission fuel in production = gas * kb.cn.fuel.gl2015.natural_gas.ef
  emission transport in production = sum(l in legs: l.mass * l.distance) * kb.cn.cpcd.transport.truck_heavy_diesel_18t[2019]
}
'''
INVENTORY = '''[[product]]
id = "p"
amounts = "per_unit"

[product.inputs]
electricity = "12 kWh"

[[product.legs]]
mass = "2 t"
distance = "100 km"
'''
CASE = 'method = "m.pcf"\ninventory = "inventory.toml"\ndata_year = 2024\n'


def write_case(inventory: str = INVENTORY, case: str = CASE, method: str = METHOD) -> Path:
    d = Path("case")
    d.mkdir(exist_ok=True)
    (d / "m.pcf").write_text(method, encoding="utf-8")
    (d / "inventory.toml").write_text(inventory, encoding="utf-8")
    (d / "case.toml").write_text(case, encoding="utf-8")
    return d


def case_problems(ws, **files):
    with pytest.raises(PcfError) as err:
        ws.run_case(write_case(**files))
    assert all(d.code in CATALOGUE for d in err.value.diagnostics)
    return err.value.diagnostics


def test_the_case_used_below_is_valid(ws, here):
    # 12 kWh x 0.5777 (2024 CFP) + 2 t x 100 km x 0.129 kgCO2e/(t·km); no gas given
    product = ws.run_case(write_case()).products[0]
    assert product.total == pytest.approx(12 * 0.5777 + 2 * 100 * 0.129)


INV = "case/inventory.toml"


def test_missing_required_input(ws, here):
    d = one(case_problems(ws, inventory=INVENTORY.replace('electricity = "12 kWh"\n', 'gas = "1 m3"\n')),
            "missing-input")
    assert "`electricity`" in d.message and "kWh" in d.message
    assert 'electricity = "<amount> kWh"' in d.hint
    assert where(d) == locate(INV, "[[product]]")


def test_unknown_input_suggests_the_close_one(ws, here):
    d = one(case_problems(ws, inventory=INVENTORY.replace('[product.inputs]\n', '[product.inputs]\nelectricty = "3 kWh"\n')),
            "inventory")
    assert "`electricty`" in d.message and d.hint == "did you mean `electricity`?"
    assert where(d) == locate(INV, "electricty")


@pytest.mark.parametrize("amount,code,message,hint", [
    ('"12 kg"', "unit-mismatch", "the method expects kWh", "give it in kWh"),
    ("12", "unit-mismatch", "(no unit)", 'an amount carries its unit: "12 kWh"'),
    ('"-12 kWh"', "bad-number", "negative amount -12 kWh", "removals and credits"),
    ('"nan kWh"', "bad-number", "found 'nan kWh'", "finite number"),
    ('"０.５ kWh"', "bad-number", "found '０.５ kWh'", "full-width"),
    ('"1,200 kWh"', "bad-number", "`1,200` is ambiguous", 'write "1200" for the thousands'),
    ('"12 kwh"', "unit-unknown", "unknown unit `kwh`", None),
])
def test_bad_amount(ws, here, amount, code, message, hint):
    ds = case_problems(ws, inventory=INVENTORY.replace('"12 kWh"', amount))
    d = one(ds, code)
    assert message in d.message
    if hint is not None:
        assert hint in d.hint
    assert where(d) == locate(INV, "electricity =")
    # The span covers `key = value`, so the caret underlines the whole assignment.
    assert d.span.end_column == d.span.column + len(f"electricity = {amount}")


def test_quantity_zero(ws, here):
    inv = INVENTORY.replace('amounts = "per_unit"', 'amounts = "period"\nquantity = 0')
    d = one(case_problems(ws, inventory=inv), "bad-number")
    assert "quantity" in d.message and "found 0" in d.message
    assert where(d) == locate(INV, "quantity")


def test_period_amounts_need_a_quantity(ws, here):
    inv = INVENTORY.replace('amounts = "per_unit"', 'amounts = "period"')
    d = one(case_problems(ws, inventory=inv), "inventory")
    assert "quantity" in d.message and "period" in d.message
    assert where(d) == locate(INV, "[[product]]")


def test_full_width_table_cell_is_an_error_not_a_text_column(ws, here):
    ds = case_problems(ws, inventory=INVENTORY.replace('"2 t"', '"２ t"'))
    d = one(ds, "bad-number")
    assert "full-width" in d.hint and where(d) == locate(INV, "mass =")


def test_unknown_table_column(ws, here):
    ds = case_problems(ws, inventory=INVENTORY.replace('distance = "100 km"', 'distanse = "100 km"'))
    d = one(ds, "unknown-column")
    assert d.hint == "did you mean `distance`?" and where(d) == locate(INV, "distanse")
    assert "no `distance` (km)" in one(ds, "missing-input").message


@pytest.mark.parametrize("old,new,message,hint", [
    ('electricity = "12 kWh"', 'electricity = 12 kWh', "Expected newline", "a number with a unit is a string"),
    ('id = "p"', 'id = "p', "Illegal character", "a string is not closed"),
    ('electricity = "12 kWh"', 'electricity = 1,5', "Expected newline", "decimals are written with a point"),
    ('electricity = "12 kWh"', 'electricity = "12 kWh"\nelectricity = "13 kWh"', "Cannot overwrite",
     "give each key once"),
    ('[product.inputs]', '[product.inputs]\nx = 1\n[product.inputs]', "table [product.inputs] is declared twice",
     "[[...]]"),
])
def test_invalid_toml(ws, here, old, new, message, hint):
    assert old in INVENTORY
    d = one(case_problems(ws, inventory=INVENTORY.replace(old, new)), "toml")
    assert d.message.startswith("invalid TOML: ") and message in d.message
    assert hint in d.hint
    # tomli's position is on a line of the new text, past its start.
    line = Path(INV).read_text(encoding="utf-8").split("\n")[d.span.line - 1]
    assert d.span.path == INV and line in new.split("\n") and d.span.column > 1


def test_invalid_toml_position(ws, here):
    inv = INVENTORY.replace('electricity = "12 kWh"', 'electricity = 12 kWh')
    d = one(case_problems(ws, inventory=inv), "toml")
    assert where(d) == locate(INV, "kWh")   # tomli stops where the statement should have ended


def test_case_inventory_outside_the_case_folder_is_refused(ws, here):
    Path("secret.toml").write_text(INVENTORY, encoding="utf-8")   # a real file: refused for where it is
    for ref in ("../../etc/passwd", "../secret.toml", "/etc/passwd"):
        d = one(case_problems(ws, case=CASE.replace("inventory.toml", ref)), "case")
        assert "inside the case folder" in d.message
        assert where(d) == locate("case/case.toml", "inventory =")


def test_case_method_outside_the_case_folder_is_refused(ws, here):
    Path("m.pcf").write_text(METHOD, encoding="utf-8")   # exists, but outside the case folder
    for ref in ("../m.pcf", "../../m.pcf", "/etc/passwd"):
        d = one(case_problems(ws, case=CASE.replace('"m.pcf"', f'"{ref}"')), "method-not-found")
        assert f"`{ref}`" in d.message and "inside the case folder or the method library" in d.message
        assert where(d) == locate("case/case.toml", "method =")


def test_case_toml_problems_are_reported_together(ws, here):
    ds = case_problems(ws, case='methd = "m.pcf"\ninventory = 3\ndata_year = "2024"\n')
    assert {d.message.split(":")[0] for d in ds} >= {"methd", "method", "inventory", "data_year"}
    unknown = next(d for d in ds if d.message.startswith("methd"))
    assert unknown.hint == "did you mean `method`?" and where(unknown) == locate("case/case.toml", "methd")


def test_left_out_row_with_an_unreadable_unit(ws, here):
    seed = Path(__file__).resolve().parent.parent / "examples" / "seed-004-distribution-units"
    case = Path("case")
    shutil.copytree(seed, case)
    inv = (case / "inventory.toml").read_text(encoding="utf-8")
    assert 'mass = "13.5 t"' in inv
    (case / "inventory.toml").write_text(inv.replace('mass = "13.5 t"', 'mass = "13.5]t"', 1), encoding="utf-8")
    with pytest.raises(PcfError) as err:
        ws.run_case(case)
    assert err.value.diagnostics[0].span.path == "case/inventory.toml"


def test_inventory_built_in_code_names_the_key(ws):
    with pytest.raises(PcfError) as err:
        pcf.Inventory.build([{"id": "p", "inputs": {"electricity": "nan kWh"}}])
    (d,) = err.value.diagnostics
    assert d.code == "bad-number" and d.span is None
    assert d.location() == "<inventory>" and d.message.startswith("product[0].inputs.electricity: ")


# --- knowledge-base folders ------------------------------------------------------------------

def test_kb_folder_problems_are_reported_together_with_positions(here):
    kb = Path("kb")
    kb.mkdir()
    (kb / "sources.toml").write_text('[src]\ntitle = "T"\nissuer = "I"\nyear = 2024\n', encoding="utf-8")
    (kb / "a.toml").write_text(textwrap.dedent('''\
        [[entry]]
        id = "x.good"
        value = 1.0
        unit = "kgCO2e/kWh"
        basis = "CO2e"
        source = "src"

        [[entry]]
        id = "x.bad"
        value = -1.0
        unit = "kgCO2e/kwh"
        basis = "CO2e"
        source = "srcs"
        '''), encoding="utf-8")
    (kb / "b.toml").write_text('[[entry]]\nid = "x.broken\n', encoding="utf-8")
    with pytest.raises(PcfError) as err:
        pcf.Workspace.load(kb_dir=kb)
    ds = err.value.diagnostics
    by_file = {(d.span.path, d.span.line) for d in ds if d.span}
    assert locate("kb/a.toml", "value = -1.0")[:2] in by_file
    assert locate("kb/a.toml", 'source = "srcs"')[:2] in by_file
    assert any(d.code == "toml" and d.span.path == "kb/b.toml" and d.span.line == 2 for d in ds)
    assert all(d.span is None or d.span.path != "kb/a.toml" or d.span.line > 7 for d in ds)


@pytest.mark.parametrize("unit, hint", [("ton", "short ton"), ("tons", "short ton"), ("mt", "millitonne")])
def test_ambiguous_units_are_refused(ws, here, unit, hint):
    ds = compile_problems(ws, f"""\
        input mass : {unit}
        emission e in production = mass * kb.cn.cpcd.material.stainless_steel
        """)
    assert hint in (one(ds, "unit-unknown").hint or "")


def test_normal_cubic_metre_written_with_a_power(ws):
    assert ws.units.parse("Nm^3").scale == ws.units.parse("Nm3").scale == 1.0
    assert ws.units.parse("GJ/(10^4 Nm^3)").scale == ws.units.parse("GJ/万Nm3").scale


def test_full_width_digits_in_a_method_are_refused(ws):
    from pcf.language.build import build_method
    with pytest.raises(PcfError) as e:
        build_method('method m "m" {\n  let x = ０.５７７７\n}\n', "m.pcf")
    d = e.value.diagnostics[0]
    assert d.code == "syntax" and (d.span.line, d.span.column) == (2, 11) and "full-width" in d.hint
