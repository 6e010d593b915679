"""Amounts as people write them (`pcf.inputs.amount`): one reading, or one refusal, on every path.

One table of texts drives the reader's own tests and the same text through each path that
reads figures from user files (TOML inventory, folder of CSV sheets, XLSX workbook, wide
batch catalogue, a figure printed in case.toml): each gives the same value or the same
message and hint. Every row below was read wrongly, or differently by two paths, before
`pcf.inputs.amount` (e.g. TOML read `1 056.8120 kWh` as 56.8120 kWh, `56 812 kWh` as 56 x 812 kWh).
"""
from __future__ import annotations

import csv
import doctest
import math
import re
import signal
from contextlib import contextmanager
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pcf
import pcf.inputs.amount
from pcf.inputs.amount import MAX_UNIT_CHARS, AmountError, read_amount
from pcf.analysis.batch import evaluate_catalogue, load_catalogue
from pcf.inputs.case import load_case
from pcf.evaluation.lowering import compile_program
from pcf.core.errors import PcfError
from pcf.render.text import fmt_share, fmt_value
from pcf.render.report import number as report_number

import strategies as gen
from strategies import grouped_number_texts

METHOD = '''method t.m "T" {
  standard "S"
  boundary cradle_to_gate
  gwp AR5
  stage production "生产"
  input electricity : kWh
  input share : % optional
  emission e in production = electricity * 0.5 kgCO2e/kWh * (1 + share)
}
'''

# text -> value read. Spaces of every kind group digits in threes; a comma only where no
# reader could take it for a decimal comma.
READ = [
    ("1 056.8120", 1056.812),
    ("56 812", 56812.0),
    ("77 070.37", 77070.37),              # as `pcf run` prints a total
    ("1\u2009056.8", 1056.8),             # thin space
    ("1\u202f056.8", 1056.8),             # narrow no-break space (French typography)
    ("1\u00a0056.8", 1056.8),             # no-break space (Excel's "1 056,8" in some locales)
    ("12 345 678", 12345678.0),
    ("1,234,567", 1234567.0),
    ("1,234.5", 1234.5),                  # as `pcf report` prints 1234.5
    ("1056.8120", 1056.812),
]
# text -> (message part, hint part): the same on every path.
REFUSED = [
    ("1,234", "`1,234` is ambiguous", 'write "1234" for the thousands, "1.234" for the decimal'),
    ("1 2345", "digits grouped wrongly", "group digits in threes"),
    ("12345 678", "digits grouped wrongly", "group digits in threes"),
    ("1  056", "digits grouped wrongly", "group digits in threes"),          # two spaces
    ("1 056\u2009234", "digits grouped wrongly", "group digits in threes"),  # two kinds of space
    ("1.234.567", "digits grouped wrongly", "group digits in threes"),
    ("1,234,56", "digits grouped wrongly", "group digits in threes"),
    ("1,5", "a decimal comma", 'write the decimal with a point: "1.5"'),
    ("1 056,8", "a decimal comma", 'write the decimal with a point: "1056.8"'),
]


@contextmanager
def alarm(seconds: int, what: str):
    """Fail instead of hanging: a bound on time, not an assertion on speed."""
    def expire(*_):
        raise TimeoutError(f"{what}: not finished after {seconds} s")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# --- the reader ----------------------------------------------------------------------------------

def test_the_examples_in_the_module_hold():
    assert doctest.testmod(pcf.inputs.amount).failed == 0


@pytest.mark.parametrize("text,value", READ)
def test_reader_reads_grouped_digits(text, value):
    r = read_amount(f"{text} kWh")
    assert (r.value, r.unit) == (value, "kWh")
    assert r.text == text.translate({ord(c): None for c in " \u2009\u202f\u00a0,"})   # the digits as printed


@pytest.mark.parametrize("text,message,hint", REFUSED)
def test_reader_refuses_ambiguous_or_malformed_grouping(text, message, hint):
    with pytest.raises(AmountError) as e:
        read_amount(f"{text} kWh")
    assert message in str(e.value) and hint in e.value.hint


@pytest.mark.parametrize("text", ["15 %%", "15 %/t", "15 kg%", "15 ％％"])
def test_percent_is_a_unit_by_itself(text):
    with pytest.raises(AmountError) as e:
        read_amount(text)
    assert "`%` is a unit by itself" in str(e.value) and '"15 %"' in e.value.hint


def test_unit_starting_with_a_digit_is_refused_but_the_pure_number_unit_is_read():
    assert read_amount("0.15 1").unit == "1"
    for text in ["5 2/a", "1 10**10**10", "3 10km"]:
        with pytest.raises(AmountError, match="digits grouped wrongly"):
            read_amount(text)


@given(grouped_number_texts())
def test_grouped_numbers_read_as_their_digits(case):
    text, expected = case
    assert read_amount(f"{text} t").value == expected


@settings(max_examples=500)
@given(st.text(st.sampled_from("0123456789 ,.-+eE%\u2009\u202f\u00a0kWh1/\u3000") | st.characters(), max_size=30))
def test_any_text_is_read_or_refused_never_crashes(text):
    try:
        r = read_amount(text)
    except AmountError as exc:
        assert str(exc)
        return
    assert math.isfinite(r.value) and r.value == float(r.text)
    assert not r.unit[:1].isdigit() or r.unit == "1"          # never 56 x 812 kWh
    assert "%" not in r.unit or r.unit in ("%", "％")


# pcf's own printed figures read back: `pcf run` (fmt_value, space-grouped) and `pcf report`
# (comma-grouped with a decimal point from 1 000 up). Equal to the printed digits, i.e. to the
# float rounded as printed.
finite = st.floats(min_value=-1e15, max_value=1e15, allow_nan=False).filter(lambda v: abs(v) >= 1e-9 or v == 0)


@given(finite)
def test_printed_figures_round_trip(v):
    for printed in (fmt_value(v), report_number(v, "en"), report_number(v, "zh")):
        r = read_amount(f"{printed} kgCO2e")
        assert r.unit == "kgCO2e"
        assert r.value == float(printed.replace(",", "").replace(" ", ""))
        assert math.isclose(r.value, v, rel_tol=1e-3, abs_tol=0.006)   # rounded to what was printed
    share = read_amount(fmt_share(v))          # a share as `pcf run` prints it: "81.90 %"
    assert share.unit == "%" and math.isclose(share.value / 100, v, abs_tol=0.00005)


DOCS = (Path(__file__).resolve().parent.parent / "docs" / "language.md").read_text(encoding="utf-8")
SECTION = DOCS.split("## Amounts in inventories")[1].split("\n## ")[0]
DOC_ROWS = [re.findall(r"`([^`]+)`", first) + [read]
            for first, read in re.findall(r"^\| (`[^|]+) \| ([^|]+) \|", SECTION, re.M) if "for an input" not in first]


def test_the_documented_amount_table_is_true():
    assert len(DOC_ROWS) >= 10
    for *texts, read in DOC_ROWS:
        for text in texts:
            if read == "refused":
                with pytest.raises(AmountError):
                    read_amount(text)
            else:
                number, unit = read.split(" ")
                assert (read_amount(text).value, read_amount(text).unit) == (float(number), unit), text


# --- every path: the same value, or the same message and hint ----------------------------------

def _toml(number: str, unit: str = "kWh") -> Path:
    Path("inventory.toml").write_text(f'[[product]]\nid = "p"\n\n[product.inputs]\nelectricity = "{number} {unit}"\n',
                                      encoding="utf-8")
    return Path("inventory.toml")


def _sheets(rows: list[list], xlsx: bool, products=(("id",), ("p",))) -> Path:
    sheets = {"products": [list(r) for r in products], "inputs": [["product", "input", "amount", "unit"], *rows]}
    if xlsx:
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for name, rs in sheets.items():
            sheet = wb.create_sheet(name)
            for r in rs:
                sheet.append(r)
        wb.save("inventory.xlsx")
        return Path("inventory.xlsx")
    folder = Path("inventory")
    folder.mkdir(exist_ok=True)
    for name, rs in sheets.items():
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(rs)
    return folder


def _wide(number: str) -> Path:
    with Path("cat.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["product", "electricity [kWh]"], ["p", number]])
    return Path("cat.csv")


def _paths(number: str) -> dict[str, Path]:
    return {"toml": _toml(number), "csv": _sheets([["p", "electricity", number, "kWh"]], False),
            "xlsx": _sheets([["p", "electricity", number, "kWh"]], True), "wide": _wide(number)}


def _total(ws, plan, path: Path) -> float:
    if path.suffix == ".csv":
        prog = compile_program(plan)
        return float(evaluate_catalogue(prog, load_catalogue(path, prog, ws.kb)).total[0])
    return ws.evaluate(plan, pcf.inputs.inventory.load_inventory(path)).products[0].total


def _reported(number: str):
    Path("m.pcf").write_text(METHOD, encoding="utf-8")
    _toml("1")
    Path("case.toml").write_text('method = "m.pcf"\ninventory = "inventory.toml"\n\n[reported.p]\n'
                                 f'total = "{number} kgCO2e"\n', encoding="utf-8")
    return load_case(Path("."))


@pytest.fixture
def plan(ws, here):
    Path("m.pcf").write_text(METHOD, encoding="utf-8")
    return ws.compile(ws.method("m.pcf"))


@pytest.mark.parametrize("text,value", READ)
def test_every_path_reads_the_same_value(ws, plan, text, value):
    for name, path in _paths(text).items():
        assert _total(ws, plan, path) == pytest.approx(value * 0.5, rel=1e-12), name   # 0.5 kgCO2e/kWh
    assert _reported(text).reported[0].value == value


@pytest.mark.parametrize("text,message,hint", REFUSED)
def test_every_path_refuses_the_same_way(ws, plan, text, message, hint):
    for name, path in _paths(text).items():
        with pytest.raises(PcfError) as e:
            _total(ws, plan, path)
        d = e.value.diagnostics[0]
        assert d.code == "bad-number" and message in d.message and hint in (d.hint or ""), (name, d)
        assert name == "toml" or d.span.line == 2, (name, d)    # the row of the figure
    with pytest.raises(PcfError) as e:
        _reported(text)
    d = e.value.diagnostics[0]
    assert message in d.message and hint in d.hint and d.span.line == 5


@pytest.mark.parametrize("xlsx", [False, True])
def test_a_grouped_quantity_in_a_products_sheet(ws, plan, xlsx):
    products = [["id", "quantity", "amounts"], ["p", "1 200", "period"]]
    path = _sheets([["p", "electricity", "2 400", "kWh"]], xlsx, products)
    # 2 400 kWh over 1 200 units = 2 kWh per unit, x 0.5 kgCO2e/kWh = 1 kgCO2e
    assert ws.evaluate(plan, pcf.inputs.inventory.load_inventory(path)).products[0].total == pytest.approx(1.0, rel=1e-12)
    path = _sheets([["p", "electricity", "2 400", "kWh"]], xlsx, [products[0], ["p", "1,200", "period"]])
    with pytest.raises(PcfError) as e:
        pcf.inputs.inventory.load_inventory(path)
    d = e.value.diagnostics[0]
    assert d.code == "bad-number" and "quantity must be a positive number" in d.message
    assert d.hint.startswith('write "1200" for the thousands') and d.span.line == 2


def test_a_workbook_written_from_grouped_amounts_reads_back(ws, plan):
    from pcf.inputs.spreadsheet import write_workbook
    products = [{"id": "p", "inputs": {"electricity": "1 056.8120 kWh", "share": "12.5 %"}}]
    Path("inventory.xlsx").write_bytes(write_workbook(products, {}))
    # 1056.8120 kWh x 0.5 kgCO2e/kWh x (1 + 12.5 %) = 594.4568 kgCO2e (it was split into "1" and "056.8120 kWh")
    total = ws.evaluate(plan, pcf.inputs.inventory.load_inventory(Path("inventory.xlsx"))).products[0].total
    assert total == pytest.approx(1056.812 * 0.5 * 1.125, rel=1e-12)


# --- percentages -------------------------------------------------------------------------------

@pytest.mark.parametrize("given,hint", [
    ('"15"', 'write "15 %" or "0.15 1"'),
    ("15", 'write "15 %" or "0.15 1"'),
    ("0.5", 'write "0.5 %" for 0.5 percent, or "0.5 1" for the fraction (50 %)'),
    ('"7"', 'write "7 %" or "0.07 1"'),        # in decimal: no 0.07 * 100 = 7.000000000000001
])
def test_a_bare_number_for_a_percent_input_is_refused(ws, plan, given, hint):
    Path("inventory.toml").write_text(f'[[product]]\nid = "p"\n\n[product.inputs]\nelectricity = "1 kWh"\n'
                                      f'share = {given}\n', encoding="utf-8")
    with pytest.raises(PcfError) as e:
        ws.evaluate(plan, pcf.inputs.inventory.load_inventory(Path("inventory.toml")))
    d = e.value.diagnostics[0]
    assert d.code == "unit-mismatch" and "a bare number could be a percentage or a fraction" in d.message
    assert d.hint == hint and d.span.line == 6


@pytest.mark.parametrize("xlsx", [False, True])
def test_a_numeric_percent_cell_without_unit_is_refused(ws, plan, xlsx):
    path = _sheets([["p", "electricity", 1, "kWh"], ["p", "share", 15, None]], xlsx)
    with pytest.raises(PcfError) as e:
        ws.evaluate(plan, pcf.inputs.inventory.load_inventory(path))
    d = e.value.diagnostics[0]
    assert d.code == "unit-mismatch" and d.hint.startswith('write "15 %"') and d.span.line == 3


@pytest.mark.parametrize("share,total", [
    ('"15 %"', 0.575),       # 1 kWh x 0.5 x (1 + 0.15)
    ('"0.15 1"', 0.575),     # the fraction, with the pure-number unit
    ("0", 0.5),              # a bare 0 is 0 % and 0 alike
])
def test_a_percent_input_with_its_unit_is_read(ws, plan, share, total):
    Path("inventory.toml").write_text(f'[[product]]\nid = "p"\n\n[product.inputs]\nelectricity = "1 kWh"\n'
                                      f'share = {share}\n', encoding="utf-8")
    assert ws.evaluate(plan, pcf.inputs.inventory.load_inventory(Path("inventory.toml"))).products[0].total \
        == pytest.approx(total, rel=1e-12)


@pytest.mark.parametrize("unit", ["%", None])
def test_a_cell_formatted_as_a_percentage_reads_as_it_shows(ws, plan, unit):
    # Excel shows 0.15 formatted `0%` as "15%": with a unit column of % it was read as 0.15 %
    _sheets([["p", "electricity", 1, "kWh"], ["p", "share", 0.15, unit]], True)
    wb = openpyxl.load_workbook("inventory.xlsx")
    wb["inputs"]["C3"].number_format = "0%"
    wb.save("inventory.xlsx")
    total = ws.evaluate(plan, pcf.inputs.inventory.load_inventory(Path("inventory.xlsx"))).products[0].total
    assert total == pytest.approx(0.575, rel=1e-12)     # 1 kWh x 0.5 kgCO2e/kWh x (1 + 15 %)


@pytest.mark.parametrize("header,total", [("share [%]", 0.575), ("share [1]", None)])
def test_a_wide_cell_formatted_as_a_percentage(ws, plan, header, total):
    wb = openpyxl.Workbook()
    wb.active.append(["product", "electricity [kWh]", header])
    wb.active.append(["p", 1, 0.15])
    wb.active["C2"].number_format = "0.0%"
    wb.save("cat.xlsx")
    prog = compile_program(plan)
    if total is None:     # a cell showing 15% under a header of 1: which one is meant?
        with pytest.raises(PcfError) as e:
            load_catalogue(Path("cat.xlsx"), prog, ws.kb)
        assert "`15 %`: a cell holds a number; its unit is in the column header" in e.value.diagnostics[0].message
    else:
        assert float(evaluate_catalogue(prog, load_catalogue(Path("cat.xlsx"), prog, ws.kb)).total[0]) \
            == pytest.approx(total, rel=1e-12)


def test_a_wide_percent_column_needs_its_unit(ws, plan):
    prog = compile_program(plan)
    Path("cat.csv").write_text("product,electricity [kWh],share\np,1,15\n", encoding="utf-8")
    with pytest.raises(PcfError) as e:
        load_catalogue(Path("cat.csv"), prog, ws.kb)
    assert "column `share` gives no unit" in e.value.diagnostics[0].message
    Path("cat.csv").write_text("product,electricity [kWh],share [%%]\np,1,15\n", encoding="utf-8")
    with pytest.raises(PcfError) as e:
        load_catalogue(Path("cat.csv"), prog, ws.kb)
    assert "`%` is a unit by itself" in e.value.diagnostics[0].message


def test_doubled_percent_is_refused_in_a_toml_inventory(ws, plan):
    Path("inventory.toml").write_text('[[product]]\nid = "p"\n\n[product.inputs]\nelectricity = "1 kWh"\n'
                                      'share = "15 %%"\n', encoding="utf-8")
    with pytest.raises(PcfError) as e:
        pcf.inputs.inventory.load_inventory(Path("inventory.toml"))
    d = e.value.diagnostics[0]
    assert d.code == "bad-number" and "`%` is a unit by itself" in d.message and d.span.line == 6


# --- repeated rows -------------------------------------------------------------------------------

@pytest.mark.parametrize("xlsx", [False, True])
def test_a_repeated_input_row_names_both_rows(ws, plan, xlsx):
    path = _sheets([["p", "electricity", 1, "kWh"], ["p", "share", "5 %", None], ["p", "electricity", 2, "kWh"]],
                   xlsx)
    with pytest.raises(PcfError) as e:
        pcf.inputs.inventory.load_inventory(path)
    d = e.value.diagnostics[0]
    sheet = "inventory.xlsx[inputs]" if xlsx else "inventory/inputs.csv"
    assert d.code == "duplicate" and "input `electricity` of product `p` is given twice" in d.message
    assert f"{sheet}:2:2" in d.message and str(d.span) == f"{sheet}:4:2"
    assert [str(s) for _, s in d.related] == [f"{sheet}:2:2"]


@pytest.mark.parametrize("header,message", [
    ("product,electricity [kWh],electricity [MWh]", "input `electricity` has two columns (first in column 2)"),
    ("product,quantity,electricity [kWh],quantity", "column `quantity` appears twice (first in column 2)"),
    ("product,electricity [kWh],product", "column `product` appears twice (first in column 1)"),
])
def test_a_repeated_wide_column_is_refused(ws, plan, header, message):
    Path("cat.csv").write_text(f"{header}\np,1,1,1\n", encoding="utf-8")
    with pytest.raises(PcfError) as e:
        load_catalogue(Path("cat.csv"), compile_program(plan), ws.kb)
    d = e.value.diagnostics[0]
    assert d.code == "duplicate" and d.message == message and (d.span.line, d.span.column) == (1, header.count(",") + 1)


def test_a_repeated_shared_input_is_refused(ws, plan):
    Path("inventory.toml").write_text(
        '[[product]]\nid = "p"\nquantity = 1\n\n[product.inputs]\nshare = "1 %"\n\n'
        '[[shared]]\ninput = "electricity"\namount = "1 kWh"\nbasis = "physical"\nkeys = "quantity"\n\n'
        '[[shared]]\ninput = "electricity"\namount = "2 kWh"\nbasis = "physical"\nkeys = "quantity"\n',
        encoding="utf-8")
    with pytest.raises(PcfError) as e:
        pcf.inputs.inventory.load_inventory(Path("inventory.toml"))
    d = e.value.diagnostics[0]
    assert d.code == "duplicate" and "`electricity` is shared twice" in d.message and d.span.line == 15


# --- bounded work ---------------------------------------------------------------------------------

MB = 1 << 20


@pytest.mark.parametrize("where", ["inventory", "case", "method", "kb", "wide"])
def test_a_one_megabyte_unit_is_refused_at_once(ws, here, where):
    unit = "k" * MB
    with alarm(10, f"1 MB unit in {where}"), pytest.raises(PcfError) as e:
        if where == "inventory":
            pcf.inputs.inventory.load_inventory(_toml("1", unit))
        elif where == "case":
            _reported(f"1 {unit}")
        elif where == "method":
            Path("m.pcf").write_text(METHOD.replace("0.5 kgCO2e/kWh", f"0.5 kgCO2e/{unit}"), encoding="utf-8")
            ws.compile(ws.method("m.pcf"))
        elif where == "kb":
            Path("kb").mkdir()
            Path("kb/sources.toml").write_text('[src]\ntitle = "t"\nyear = 2024\n', encoding="utf-8")
            Path("kb/x.toml").write_text(f'[[entry]]\nid = "t.x"\nvalue = 1.0\nunit = "{unit}"\n'
                                         'basis = "parameter"\nsource = "src"\n', encoding="utf-8")
            pcf.knowledge.kb.load_kb(Path("kb"), ws.units, cache=False)
        else:
            Path("m.pcf").write_text(METHOD, encoding="utf-8")
            prog = compile_program(ws.compile(ws.method("m.pcf")))
            # 20 000 characters: under the sheet's cell cap (CELL_CHARS, 32 767), which would refuse
            # the header first; pint alone would take seconds on it (40 000 characters took 17.5 s)
            Path("cat.csv").write_text(f"product,electricity [{unit[:20_000]}]\np,1\n", encoding="utf-8")
            load_catalogue(Path("cat.csv"), prog, ws.kb)
    d = next(d for d in e.value.diagnostics if "characters" in d.message)
    cap = f"pcf reads units of at most {MAX_UNIT_CHARS}"
    assert re.search(rf"a unit of (2\d{{4}}|{MB // 1000}\d{{3,}}) characters: {cap}\b", d.message), d.message
    assert len(d.message) < 300          # the unit itself is not echoed


# --- fuzzing the habits -------------------------------------------------------------------------

@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())   # the fixtures: a compiled method and a working folder each example overwrites
def test_sheet_habits_read_as_toml_or_are_refused(ws, plan, data):
    products = data.draw(st.lists(st.builds(lambda i, a: {"id": f"p{i}", "inputs": {"electricity": a[0]}},
                                            st.integers(0, 99), gen.amounts("kWh")),
                                  min_size=1, max_size=3, unique_by=lambda p: p["id"]))
    habit = data.draw(gen.input_sheet_habits(products, ("share",)))
    path = _sheets(habit.rows, data.draw(st.booleans()), [["id"], *[[p["id"]] for p in products]])
    if habit.expected is None:
        want = ws.evaluate(plan, pcf.Inventory.build(products))
        got = ws.evaluate(plan, pcf.inputs.inventory.load_inventory(path))
        assert [p.total for p in got.products] == [p.total for p in want.products]
    else:
        with pytest.raises(PcfError) as e:
            ws.evaluate(plan, pcf.inputs.inventory.load_inventory(path))
        assert [d.code for d in e.value.diagnostics] == [habit.expected]
