"""engine/files/sheetwrite.py: XLSX cells pcf writes are data, never formulas, and read back unchanged."""
from __future__ import annotations

import io

import openpyxl

from pcf.files.sheetwrite import append_row


def test_strings_are_text_cells_and_formula_like_text_is_marked():
    wb = openpyxl.Workbook()
    append_row(wb.active, ['=HYPERLINK("http://evil.example","x")', "@SUM(A1)", "-0.5", "plain", 2.5, None,
                           "a\x1b[31mb"])
    buf = io.BytesIO()
    wb.save(buf)
    back = openpyxl.load_workbook(io.BytesIO(buf.getvalue()))
    cells = list(back.active.iter_rows())[0]
    # openpyxl.Workbook().append would have stored the first as a formula (data type "f").
    assert [c.data_type for c in cells[:5]] == ["s", "s", "s", "s", "n"]
    assert cells[0].value == '=HYPERLINK("http://evil.example","x")'       # the value is kept as it is
    assert [c.quotePrefix for c in cells[:4]] == [True, True, False, False]   # "-0.5" is a number's text
    assert cells[6].value == "a\\x1b[31mb"          # XML cannot hold ESC: shown, where openpyxl raised


def test_a_converted_inventory_keeps_formula_like_names(tmp_path):
    """write_workbook -> the XLSX reader: a product named like a formula comes back as it was."""
    from pcf.inputs.spreadsheet import write_workbook
    data = write_workbook([{"id": "p1", "name": "=1+1", "functional_unit": "1 unit", "amounts": "per_unit",
                            "inputs": {}}], {})
    book = openpyxl.load_workbook(io.BytesIO(data))
    name = book["products"]["B2"]
    assert (name.value, name.data_type, name.quotePrefix) == ("=1+1", "s", True)
