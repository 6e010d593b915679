"""`pcf init`: a new case folder with inventory templates listing what a method expects."""
from __future__ import annotations

import datetime
import io
from pathlib import Path

from ..core.errors import fail
from ..files.atomic import write_atomic
from ..files.sheetwrite import append_row
from ..language.nodes import Method
from ..render.escape import toml_string, visible_controls


def inventory_toml(method: Method) -> str:
    # Method text goes into comments (one line, controls shown as \x1b) and strings (escaped).
    lines = [f"# Inventory for method {method.id} ({visible_controls(method.title or '')}).",
             "# Give every required input as \"<amount> <unit>\" (any unit of the same dimension), or a",
             "# knowledge-base factor as \"kb.<id>\". A missing optional input is reported as not given.",
             "", "[[product]]", 'id = "product-1"', 'name = ""',
             f'functional_unit = {toml_string(method.setting("functional_unit") or "1 unit")}',
             "# quantity = 1000          # functional units produced in the period (for the yearly total;"
             + (" required: some amounts are for the period)" if _has_period(method) else ")"),
             'amounts = "per_unit"       # or "period": amounts cover the period, divided by quantity', "",
             "[product.inputs]"]
    for d in method.inputs:
        need = ("optional" if d.optional else _default_note(d) or "required") + _BASIS_NOTE.get(d.basis, "")
        lines.append(f'# {d.name} = "{_placeholder(d)}"    # {visible_controls(d.label or "")} ({need})')
    for t in method.tables:
        lines += ["", f"# {visible_controls(t.label or t.name)}: one [[product.{t.name}]] per row",
                  f"[[product.{t.name}]]", 'name = ""']
        for c in t.columns:
            notes = [n for n in (_BASIS_NOTE[c.basis][2:] if c.basis else "", _default_note(c)) if n]
            lines.append(f'# {c.name} = "{_placeholder(c)}"    # {visible_controls(c.label or "")}'
                         + (f" ({'; '.join(notes)})" if notes else ""))
    return "\n".join(lines) + "\n"


def _placeholder(d) -> str:
    """What the line holds: a word for a `text` input or column, else an amount with its unit."""
    return "<word>" if d.is_text else f"<amount> {d.unit}"


def _default_note(d) -> str:
    from ..language.format import format_expr
    return f"optional: the method's default is {format_expr(d.default)}" if d.default is not None else ""


_BASIS_NOTE = {"per_unit": "; per functional unit", "period": "; for the whole period"}


def _has_period(method: Method) -> bool:
    return any(d.basis == "period" for d in method.inputs) or \
        any(c.basis == "period" for t in method.tables for c in t.columns)


def inventory_xlsx(method: Method) -> bytes:
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "products"
    append_row(ws, ["id", "name", "functional_unit", "quantity", "amounts"])
    append_row(ws, ["product-1", "", method.setting("functional_unit") or "1 unit", None, "per_unit"])
    ws = wb.create_sheet("inputs")
    append_row(ws, ["product", "input", "amount", "unit", "description"])
    for d in method.inputs:
        append_row(ws, ["product-1", d.name, None, d.unit, (d.label or "") + (" (optional)" if d.optional else "")])
    for t in method.tables:
        ws = wb.create_sheet(t.name)
        append_row(ws, ["product", "name", *[c.name if c.is_text else f"{c.name} [{c.unit}]" for c in t.columns]])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# What `pcf export --format pact` needs beyond the result (docs: guide-scripters, "PACT"), commented
# out: a [pact] table is checked when the case is read, and placeholders are not values.
PACT_TEMPLATE = """
# For `pcf export --format pact` (PACT v3; --pact-version 2): what only the data owner knows.
# [pact]
# company_name = "<the data owner, as registered>"
# company_ids = ["urn:pact:<your domain>:company-id:<id>"]
# geography_country = "CN"
# packaging_emissions_included = false
#
# [pact.products.product-1]
# product_ids = ["urn:pact:<your domain>:product-id:<model>"]
# cpc = "<UN CPC v2.1 code>"                  # becomes urn:cpc:<code>
# declared_unit = "piece"                     # kilogram, liter, cubic meter, kilowatt hour, megajoule,
#                                             # ton kilometer, square meter, piece, hour, megabit second
# unitary_product_amount = 1                  # declared units in one functional unit, with its source
# unitary_product_amount_source = "<where it is stated>"
# mass_per_declared_unit = 12.5               # kg, packaging excluded (v3; not for kilogram or energy)
# mass_per_declared_unit_source = "<the document that states the net mass>"
# primary_data_share = 35.0                   # percent, with how it was assessed
# primary_data_share_source = "<how the share was assessed>"
# dqr = { technological = 2, geographical = 1.5, temporal = 3 }   # v3 ratings 1 (best) to 5
# dqi_source = "<who rated the data quality>"
"""


def init_case(folder: Path, method: Method, files: dict[str, bytes] | None = None) -> list[Path]:
    """Write a case folder for `method`; `files` (name -> bytes) are method files to copy in
    (a method given as a path, and the bases beside it it extends): the case then names the
    method by its file and runs as written, whatever folder it is run from."""
    folder = Path(folder)
    try:
        if folder.exists() and any(folder.iterdir()):
            raise fail("io", f"{folder} exists and is not empty: pcf init never overwrites", None,
                       path=str(folder), hint="choose a new folder")
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:   # a name too long, a file in the way, no permission
        raise fail("output", f"cannot make the case folder ({exc.strerror or exc})", None,
                   path=str(folder)[:200], hint="choose a new folder") from None
    year = datetime.date.today().year - 1
    ref = next(iter(files)) if files else method.id
    case = (f'title = ""\nmethod = {toml_string(ref)}\ninventory = "inventory.toml"   # or "inventory.xlsx"\n'
            f"data_year = {year}            # the year the activity data describe\n\n"
            "# Figures a published report printed, digits as printed, e.g.\n"
            '# [reported.product-1]\n# total = "12.34 kgCO2e"\n' + PACT_TEMPLATE)
    written = {folder / name: data for name, data in (files or {}).items()}
    written.update({folder / "case.toml": case, folder / "inventory.toml": inventory_toml(method),
                    folder / "inventory.xlsx": inventory_xlsx(method)})
    for path, data in written.items():
        write_atomic(path, data)
    return list(written)
