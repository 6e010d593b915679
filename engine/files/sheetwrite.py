"""Rows written into an XLSX sheet as data: text stays text and is never stored as a formula.

openpyxl stores a string starting with `=` as a formula. Every workbook pcf writes (the `pcf init`
template, converted inventories) goes through `append_row`, which stores strings as strings
(data type `s`) and marks text a spreadsheet would read as a formula once edited (`= + - @`, tab,
CR: the OWASP "CSV injection" rule) with Excel's quote prefix, which keeps the value itself
unchanged. Numbers stay numbers. Control characters XML cannot hold are written visibly (`\x1b`).
"""
from __future__ import annotations

from typing import Iterable

from ..render.escape import csv_cell, text_block


def append_row(ws, values: Iterable) -> None:
    """`ws.append(values)`, with every string cell stored as text."""
    # XML (so XLSX) cannot hold most control characters: openpyxl refuses them. Shown as `\x1b` instead.
    values = [text_block(v) if isinstance(v, str) else v for v in values]
    ws.append(values)
    for cell, value in zip(ws[ws.max_row], values):
        if isinstance(value, str):
            cell.data_type = "s"
            cell.quotePrefix = csv_cell(value) != value
