"""The caps of engine/files/limits.py, and linear-time scanning of user text (issue 16).

A file over a cap is refused before the work the cap bounds, with an error naming the cap; a
pathological 1 MB line is scanned in linear time. Each runs under `time_limit` (an alarm, as
in test_bounds.py): the old code took minutes or gigabytes where these bounds allow seconds.
"""
from __future__ import annotations

import io
import re
import shutil
import textwrap
import time
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest

import pcf
from pcf.files import limits
from pcf.core.errors import PcfError
from pcf.inputs.inventory import load_inventory

from test_bounds import MB, time_limit
from test_spreadsheet import SEED_004, xlsx_case

ROOT = Path(__file__).resolve().parent.parent


def problems(run) -> tuple:
    with pytest.raises(PcfError) as err:
        run()
    return err.value.diagnostics


def only(run):
    (d,) = problems(run)
    return d


# --- workbooks: sizes from the zip directory, before parsing ----------------------------------------

def _declare(data: bytes, member: bytes, size: int) -> bytes:
    """The zip `data` with `member`'s unzipped size declared as `size` (local and central headers)."""
    buf = bytearray(data)
    local = buf.find(member) - 30                   # a local header is 30 bytes before the name
    central = buf.rfind(member) - 46                # a central directory entry, 46 bytes before
    assert buf[local:local + 4] == b"PK\x03\x04" and buf[central:central + 4] == b"PK\x01\x02"
    buf[local + 22:local + 26] = size.to_bytes(4, "little")
    buf[central + 24:central + 28] = size.to_bytes(4, "little")
    return bytes(buf)


def test_a_workbook_declaring_one_and_a_half_gib_is_refused_at_once(here):
    book = xlsx_case(here) / "inventory.xlsx"
    book.write_bytes(_declare(book.read_bytes(), b"xl/worksheets/sheet5.xml", 3 * 2 ** 29))   # 1.5 GiB
    tracemalloc.start()
    start = time.perf_counter()
    d = only(lambda: load_inventory(book))
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "XLSX_PART_BYTES" in d.message and "1536 MiB" in d.message and (d.span.line, d.span.column) == (1, 1)
    assert seconds < 0.5 and peak < 4 * MB, (seconds, peak)


@pytest.mark.parametrize("mib, cap", [(2, "XLSX_RATIO"), (65, "XLSX_PART_BYTES")])
def test_a_zip_bomb_part_is_refused_before_parsing(here, mib, cap):
    # Zeros compress about 1 000:1: a 2 MiB part is over the ratio cap, 65 MiB over the part cap.
    book = xlsx_case(here) / "inventory.xlsx"
    with zipfile.ZipFile(book, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/bomb.xml", b"\0" * (mib * MB))
    with time_limit(2, f"a workbook with a {mib} MiB zip bomb"):
        d = only(lambda: load_inventory(book))
    assert cap in d.message and "xl/bomb.xml" in d.message and d.code == "inventory"


def test_a_workbook_over_its_total_unzipped_size(here, monkeypatch):
    monkeypatch.setattr(limits, "XLSX_TOTAL_BYTES", 10_000)    # seed 004's parts unzip to more
    d = only(lambda: load_inventory(xlsx_case(here) / "inventory.xlsx"))
    assert "XLSX_TOTAL_BYTES" in d.message


def test_a_megabyte_cell_names_its_cell_and_the_cap(here):
    # openpyxl cuts what it writes to Excel's 32 767 characters: write the sheet's XML as another writer may
    # (random characters, which compress as text does: a repeated one would be over XLSX_RATIO)
    import random
    from test_spreadsheet import rewrite_sheet
    case = xlsx_case(here)
    text = "".join(random.Random(16).choices("长度质量运输距离电力排放因子", k=MB)).encode()
    rewrite_sheet(case / "inventory.xlsx", b"distance [km]",
                  lambda x: re.sub(rb'(<c r="B3" t="inlineStr"><is><t>)[^<]*', lambda m: m[1] + text, x))
    with time_limit(20, "a workbook with a 1 MB cell"):
        d = only(lambda: load_inventory(case / "inventory.xlsx"))
    assert d.span.path.endswith("inventory.xlsx[legs]") and (d.span.line, d.span.column) == (3, 2)
    assert "CELL_CHARS = 32 767" in d.message


@pytest.mark.parametrize("cap, value", [("CELLS", 100), ("SHEET_ROWS", 10), ("SHEET_COLUMNS", 3)])
def test_rows_columns_and_cells_are_capped(here, monkeypatch, cap, value):
    monkeypatch.setattr(limits, cap, value)
    case = xlsx_case(here)
    d = only(lambda: load_inventory(case / "inventory.xlsx"))
    assert cap in d.message and "inventory.xlsx[" in d.span.path
    shutil.rmtree(case)
    case = _csv_case(here)
    d = only(lambda: load_inventory(case / "inventory"))
    assert cap in d.message and d.span.path.endswith(".csv")


def test_a_row_far_below_the_last_is_capped_not_padded(here, monkeypatch):
    # A cell at row 2 000 000 would have openpyxl pad the sheet with empty rows up to it; the
    # cap stops the padding (a cap of 10 000 rows here: the real one takes 4 s to reach).
    monkeypatch.setattr(limits, "SHEET_ROWS", 10_000)
    book = xlsx_case(here) / "inventory.xlsx"
    from test_spreadsheet import rewrite_sheet
    rewrite_sheet(book, b"distance [km]", lambda x: x.replace(b'<row r="3"', b'<row r="2000000"')
                  .replace(b'r="A3"', b'r="A2000000"'))
    with time_limit(10, "a row numbered 2 000 000"):
        d = only(lambda: load_inventory(book))
    assert "SHEET_ROWS = 10 000" in d.message and d.span.line == 10_001


def test_an_entity_bomb_in_a_sheet_is_a_positioned_error(here):
    # A billion laughs (10 entities of 10 each: 10^10 characters): expat refuses the
    # amplification, and the fault is the sheet's, at its start.
    from test_spreadsheet import rewrite_sheet
    book = xlsx_case(here) / "inventory.xlsx"
    entities = '<!ENTITY a0 "xxxxxxxxxx">' + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10))
    rewrite_sheet(book, b"distance [km]", lambda x: f"<!DOCTYPE worksheet [{entities}]>".encode()
                  + x.replace(b"<t>name</t>", b"<t>&a9;</t>", 1))
    with time_limit(5, "a sheet with an entity bomb"):
        d = only(lambda: load_inventory(book))
    assert d.span.path.endswith("inventory.xlsx[legs]") and "amplification" in d.message


# --- CSV sheets ---------------------------------------------------------------------------------

def _csv_case(here: Path) -> Path:
    import csv
    case = xlsx_case(here)
    wb = openpyxl.load_workbook(case / "inventory.xlsx")
    (case / "inventory").mkdir()
    for sheet in wb.worksheets:
        with (case / "inventory" / f"{sheet.title}.csv").open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)])
    return case


def test_a_csv_sheet_over_its_size_cap(here, monkeypatch):
    monkeypatch.setattr(limits, "CSV_FILE_BYTES", 100)
    d = only(lambda: load_inventory(_csv_case(here) / "inventory"))
    # the safe reader (engine/files/inputfile.py) checks the size before reading a byte
    assert d.code == "input-file" and "is larger than its cap of 100 bytes" in d.message


def test_a_long_csv_cell_names_its_cell(here):
    folder = _csv_case(here) / "inventory"
    legs = folder / "legs.csv"
    lines = legs.read_text(encoding="utf-8").split("\n")
    lines[3] = lines[3].replace(",", "," + "x" * 40_000 + ",", 1).replace(",,", ",", 1)
    legs.write_text("\n".join(lines), encoding="utf-8")
    d = only(lambda: load_inventory(folder))
    assert d.span.path.endswith("legs.csv") and (d.span.line, d.span.column) == (4, 2)
    assert "CELL_CHARS" in d.message


# --- the limits page --------------------------------------------------------------------------------

def test_every_cap_is_on_the_limits_page():
    from pcf.render.docs import all_pages
    page = all_pages(pcf.Workspace.load())["limits.md"]
    for lim in limits.LIMITS:
        assert f"| `{lim.name}` | {limits.shown(lim.value, lim.unit)} |" in page
    assert "## Formula cells" in page and "does not evaluate formulas itself" in page


# --- batch padding -------------------------------------------------------------------------------

def test_batch_padding_is_sized_before_it_is_allocated(ws):
    # The shape: 2 000 products, one with a million legs. Padding every product to a
    # million rows would take 1 000 000 x 2 000 x (2 columns + the mask) = 6e9 cells (44.7 GiB).
    from dataclasses import replace

    import numpy as np

    from pcf.analysis.batch import stack
    from pcf.evaluation.lowering import compile_program
    from pcf.evaluation.evaluate import bind
    case = pcf.inputs.case.load_case(SEED_004)
    plan = ws.compile(ws.resolve(pcf.read_method(case.method_path)), case.data_year)
    prog = compile_program(plan)
    small = [bind(plan, p, ws.kb, "inv") for p in case.inventory.products]
    big = replace(small[0], values={**small[0].values, "table:legs": {c: np.ones(1_000_000)
                                                                        for c in small[0].values["table:legs"]}})
    tracemalloc.start()
    with time_limit(5, "a padded batch of 2 000 products"):
        d = only(lambda: stack(prog, [small[1]] * 1999 + [big], "catalogue.toml"))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # legs 1e6 rows x 2 000 x 3 = 6e9; materials and materials_by_length, 1 row each: 2 x (1 x 2 000 x 3)
    assert "BATCH_TABLE_CELLS" in d.message and "1000000 rows of `legs`" in d.message and "6000012000 cells" in d.message
    assert peak < 64 * MB
    # within the cap, the same products stack (the padding a real catalogue needs)
    assert len(stack(prog, small * 100, "catalogue.toml")) == 200


# --- linear-time scanning of user text ------------------------------------------------------------
#
# Each pattern below was super-linear on these lines (the old `_HEADER` took 44 s on 4 000
# characters; at 1 MB the old code would run for hours). A 5 s alarm bounds each 1 MB run.

BLANKS = " " * MB
WORD = "a" * MB


@pytest.mark.parametrize("line", [
    "[a" + BLANKS + "b",              # the header case: inside a multi-line string
    "[" + BLANKS,
    "[[" + " x" * (MB // 2),
    "a." * (MB // 2),                 # a key path of half a million dots, no `=`
    "a" + " ." * (MB // 2) + " ",
    '"a".' * (MB // 4) + "=",
    '".' * (MB // 2) + " = 1",        # quotes and dots: the old key split looked ahead per dot
    "a." * (MB // 2) + "b = 1",
])
def test_toml_key_and_header_scanning_is_linear(line):
    from pcf.files import tomlfile
    with time_limit(5, f"key_positions on a 1 MB line {line[:12]!r}"):
        tomlfile.key_positions(f'[x]\ny = 1\n{line}\n')


def test_a_megabyte_line_inside_a_multi_line_string_reads(here):
    Path("inventory.toml").write_text(f'[[product]]\nid = "p"\nnote = """\n[a{BLANKS}b\n"""\n'
                                      '[product.inputs]\nx = "1 kWh"\n', encoding="utf-8")
    with time_limit(5, "a TOML file with a 1 MB line in a multi-line string"):
        inv = load_inventory(Path("inventory.toml"))
    assert inv.products[0].inputs["x"].value == 1.0


@pytest.mark.parametrize("text", ["\n" * MB, BLANKS, ("method \n" * (MB // 8)), "\n" * MB + "method a.b {"])
def test_method_ids_scan_library_files_in_linear_time(here, text):
    from pcf.language.library import method_ids
    Path("lib").mkdir()
    Path("lib/big.pcf").write_text(text, encoding="utf-8")
    with time_limit(5, "method_ids over a 1 MB library file"):
        ids = method_ids(Path("lib"))
    assert list(ids) == (["a.b"] if "a.b" in text else ["method"] if "method" in text else [])


@pytest.mark.parametrize("header", [BLANKS, "a" + BLANKS + "b", "a [" + "] " * (MB // 2) + "x", "[" * MB,
                                    "mass" + BLANKS + "[t]"])
def test_sheet_header_units_are_read_in_linear_time(header):
    from pcf.inputs.spreadsheet import HEADER_UNIT
    with time_limit(5, "a 1 MB header cell"):
        m = HEADER_UNIT.match(header)
    assert (m.groups() if m else None) == (("mass", "t") if header.startswith("mass") else None)


@pytest.mark.parametrize("formula, hint", [
    (WORD + " + x.b.c", "a name takes one dot"),                 # the dotted-name hint
    (WORD + " + foo(x)", "reads as a function call"),            # the `word(` hint
    (WORD + " + b c", "two values in a row"),                     # the name-before hint
])
def test_parse_error_hints_scan_back_in_linear_time(here, formula, hint):
    from test_bounds import method
    Path("m.pcf").write_text(method(f"  input x : kWh\n  let v = {formula}\n"), encoding="utf-8")
    with time_limit(10, "a parse error after a 1 MB name"):
        d = problems(lambda: pcf.read_method(Path("m.pcf")))[0]
    assert d.code == "syntax" and hint in (d.hint or ""), (d.message, d.hint)


# --- numbers Python will not parse as an int ---------------------------------------------------------

def test_a_five_thousand_digit_data_year_is_positioned(ws, here):
    case = Path(shutil.copytree(SEED_004, here / "c"))
    text = (case / "case.toml").read_text(encoding="utf-8").replace("data_year = 2023", "data_year = " + "9" * 5000)
    (case / "case.toml").write_text(text, encoding="utf-8")
    d = only(lambda: ws.run_case(Path("c")))
    line = text[:text.index("data_year")].count("\n") + 1
    assert (d.span.path, d.span.line, d.span.column, d.code) == ("c/case.toml", line, 13, "toml")
    assert "4300 digits" in d.message


def test_a_five_thousand_digit_year_pin_is_positioned(ws, here):
    from test_bounds import method
    Path("m.pcf").write_text(method(f"  let f = kb.cn.electricity.cfp.national[{'9' * 5000}]\n"
                                    "  input x : kWh\n  emission e in production = x * f\n"), encoding="utf-8")
    d = only(lambda: pcf.read_method(Path("m.pcf")))
    assert (d.code, d.span.line) == ("kb-year", 6) and "four digits" in d.message


@pytest.mark.parametrize("chars, says", [(40_000, "CELL_CHARS = 32 767"),
                                         (200_000, "field larger than field limit")])   # the csv module's own
def test_a_long_cell_in_a_wide_catalogue(here, capsys, chars, says):
    from pcf.cli import main
    Path("wide.csv").write_text("product,production_electricity [kWh],grid_factor [kgCO2/kWh]\n"
                                f"a,{'x' * chars},0.5\n", encoding="utf-8")
    assert main(["batch", "pas2050.production_energy", "wide.csv", "--data-year", "2022"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("wide.csv:2:") and says in err and "internal error" not in err
