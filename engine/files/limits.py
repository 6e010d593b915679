"""The caps on what pcf reads: spreadsheets, CSV sheets and batch padding.

Each cap is checked before the work it bounds (a workbook's sizes from its zip directory,
before any XML is parsed; a batch's padded arrays before they are allocated), and an input
over a cap is an error that names the cap, so a hostile or mistaken file costs
milliseconds, never gigabytes. The docs page `limits.md` is generated from `LIMITS`.

Excel's own limits are used where a spreadsheet has them (a cell holds at most 32 767
characters; a sheet at most 1 048 576 rows and 16 384 columns): a file within them opens in
a spreadsheet program, so a cap there never refuses a file Excel wrote.
"""
from __future__ import annotations

from dataclasses import dataclass

MiB = 2 ** 20

XLSX_FILE_BYTES = 64 * MiB            # the .xlsx file on disk (compressed)
XLSX_PART_BYTES = 64 * MiB            # one part (a sheet, the shared strings) once unzipped
XLSX_TOTAL_BYTES = 256 * MiB          # all parts once unzipped
XLSX_RATIO = 100                      # unzipped / zipped size of a part over 1 MiB
XLSX_RATIO_FROM = 1 * MiB             # small parts compress far better than 100:1 and cost nothing
XLSX_PARTS = 10_000                   # members of the zip
CSV_FILE_BYTES = 64 * MiB             # one CSV sheet
CELL_CHARS = 32_767                   # Excel's own limit for one cell
SHEET_ROWS = 1_048_576                # Excel's own limit
SHEET_COLUMNS = 16_384                # Excel's own limit (column XFD)
CELLS = 4_000_000                     # cells of all sheets of one inventory, padding included
BATCH_TABLE_CELLS = 2 ** 26           # a batch's padded table arrays (rows x products x columns), 512 MiB


@dataclass(frozen=True)
class Limit:
    name: str          # as errors name it
    value: int
    unit: str
    what: str


LIMITS: tuple[Limit, ...] = (
    Limit("XLSX_FILE_BYTES", XLSX_FILE_BYTES, "bytes", "size of an .xlsx workbook file"),
    Limit("XLSX_PART_BYTES", XLSX_PART_BYTES, "bytes", "unzipped size of one part of a workbook (a sheet, "
          "the shared strings), read from the zip directory before parsing"),
    Limit("XLSX_TOTAL_BYTES", XLSX_TOTAL_BYTES, "bytes", "unzipped size of all parts of a workbook"),
    Limit("XLSX_RATIO", XLSX_RATIO, ":1", f"compression ratio of a part larger than {XLSX_RATIO_FROM // MiB} MiB "
          "unzipped (a zip bomb is over 1 000:1)"),
    Limit("XLSX_PARTS", XLSX_PARTS, "parts", "members of a workbook's zip"),
    Limit("CSV_FILE_BYTES", CSV_FILE_BYTES, "bytes", "size of one CSV sheet; a wide CSV catalogue for `pcf batch` "
          "is read in chunks and may be longer, but no line of it"),
    Limit("CELL_CHARS", CELL_CHARS, "characters", "text of one cell (Excel's limit)"),
    Limit("SHEET_ROWS", SHEET_ROWS, "rows", "rows of one sheet (Excel's limit)"),
    Limit("SHEET_COLUMNS", SHEET_COLUMNS, "columns", "columns of one sheet (Excel's limit)"),
    Limit("CELLS", CELLS, "cells", "cells of all sheets of an inventory or a workbook catalogue, counting the "
          "empty cells a row skips (a wide CSV catalogue: of one chunk, which ends before it)"),
    Limit("BATCH_TABLE_CELLS", BATCH_TABLE_CELLS, "cells", "a batch's table arrays: every product is padded "
          "to the largest product's row count, times the columns (8 bytes a cell)"),
)


def shown(value: int, unit: str = "") -> str:
    """`67108864, "bytes"` -> `64 MiB`; other numbers with thin spaces between thousands."""
    if unit == "bytes" and value % MiB == 0:
        return f"{value // MiB} MiB"
    text = f"{value:,}".replace(",", " ")
    return f"{text} {unit}".strip() if unit != ":1" else f"{text}:1"


def limits_page(t=None) -> str:
    """The docs page listing every cap (docs/limits.md, generated); `t` a render.locale.Locale."""
    if t is None:
        from ..render.locale import EN as t
    out = [f"# {t('Limits')}", "",
           t("pcf refuses an input over one of these caps with an error naming the cap, before doing "
           "the work the cap bounds: a workbook's sizes are read from its zip directory before any "
           "XML is parsed, and a batch's padded arrays are sized before they are allocated. Where a "
           "spreadsheet program has a limit of its own, the cap is that limit."), "",
           f"| {t('cap')} | {t('value')} | {t('what it bounds')} |", "|---|---|---|"]
    out += [f"| `{lim.name}` | {shown(lim.value, lim.unit)} | {t(lim.what)} |" for lim in LIMITS]
    from ..api import MAX_METHOD_BYTES
    from ..language.inherit import MAX_DEPTH
    from .tomlfile import MAX_TOML_BYTES
    out += ["", t("Other caps: a method file is at most {method}, a TOML file at most {toml}, an `extends` chain at "
              "most {depth} methods deep.", method=shown(MAX_METHOD_BYTES, 'bytes'), toml=shown(MAX_TOML_BYTES, 'bytes'),
              depth=MAX_DEPTH), "",
            t("The scans of TOML keys and headers, sheet header units, method ids in the library and the "
            "text before a syntax error run in time linear in the line's length (tests/test_limits.py "
            "runs each on a pathological 1 MB line under an alarm)."), "",
            f"## {t('Formula cells')}", "",
            t("A formula cell counts by the value the spreadsheet program stored with it when it last "
            "saved the file (its cached value). A formula cell without one (a workbook written by a "
            "script, e.g. openpyxl writing `=A1*2`) is an error naming the cell; open the file in a "
            "spreadsheet program and save it to store the values."), "",
            t("pcf does not evaluate formulas itself. The Python libraries that do (pycel, formulas) "
            "implement a part of Excel's function library, with its own edge cases; volatile "
            "functions (NOW, RAND, INDIRECT, OFFSET) and links to other workbooks give a different "
            "number per run or none. A footprint computed from a number Excel never showed the user "
            "would be a silent difference; the stored value is the one they saw."), ""]
    return "\n".join(out)
