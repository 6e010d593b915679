"""`pcf init`: a new case folder with inventory templates listing what a method expects."""
from __future__ import annotations

import datetime
import io
from pathlib import Path

from .atomic import write_atomic
from .errors import fail
from .nodes import Method


def inventory_toml(method: Method) -> str:
    lines = [f"# Inventory for method {method.id} ({method.title or ''}).",
             "# Give every required input as \"<amount> <unit>\" (any unit of the same dimension), or a",
             "# knowledge-base factor as \"kb.<id>\". A missing optional input is reported as not given.",
             "", "[[product]]", 'id = "product-1"', 'name = ""',
             f'functional_unit = "{method.setting("functional_unit") or "1 unit"}"',
             "# quantity = 1000          # units produced in the period (for the yearly total)",
             'amounts = "per_unit"       # or "period": amounts cover the period, divided by quantity', "",
             "[product.inputs]"]
    for d in method.inputs:
        need = "optional" if d.optional else "required"
        lines.append(f'# {d.name} = "<amount> {d.unit}"    # {d.label or ""} ({need})')
    for t in method.tables:
        lines += ["", f"# {t.label or t.name}: one [[product.{t.name}]] per row", f"[[product.{t.name}]]",
                  'name = ""']
        lines += [f'# {c.name} = "<amount> {c.unit}"    # {c.label or ""}' for c in t.columns]
    return "\n".join(lines) + "\n"


def inventory_xlsx(method: Method) -> bytes:
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "products"
    ws.append(["id", "name", "functional_unit", "quantity", "amounts"])
    ws.append(["product-1", "", method.setting("functional_unit") or "1 unit", None, "per_unit"])
    ws = wb.create_sheet("inputs")
    ws.append(["product", "input", "amount", "unit", "description"])
    for d in method.inputs:
        ws.append(["product-1", d.name, None, d.unit, (d.label or "") + (" (optional)" if d.optional else "")])
    for t in method.tables:
        ws = wb.create_sheet(t.name)
        ws.append(["product", "name", *[f"{c.name} [{c.unit}]" for c in t.columns]])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def init_case(folder: Path, method: Method) -> list[Path]:
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise fail("io", f"{folder} exists and is not empty: pcf init never overwrites", None,
                   path=str(folder), hint="choose a new folder")
    folder.mkdir(parents=True, exist_ok=True)
    year = datetime.date.today().year - 1
    case = (f'title = ""\nmethod = "{method.id}"\ninventory = "inventory.toml"   # or "inventory.xlsx"\n'
            f"data_year = {year}            # the year the activity data describe\n\n"
            "# Figures a published report printed, digits as printed, e.g.\n"
            '# [reported.product-1]\n# total = "12.34 kgCO2e"\n')
    files = {folder / "case.toml": case, folder / "inventory.toml": inventory_toml(method),
             folder / "inventory.xlsx": inventory_xlsx(method)}
    for path, data in files.items():
        write_atomic(path, data)
    return list(files)
