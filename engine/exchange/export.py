"""Machine-readable exports of an evaluated case: calculation lines as CSV, the result as JSON."""
from __future__ import annotations

import csv
import io
import json

from ..evaluation.result import Result
from ..render.escape import csv_cell

CSV_COLUMNS = ["product", "stage", "stage_label", "line", "line_label", "value_per_unit", "period_value",
               "unit", "functional_unit", "method", "data_year"]


def to_csv(result: Result) -> str:
    """One row per emission line and product: per functional unit and, with a quantity, per period.

    A text cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) starts with `'`.
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for p in result.products:
        for line in p.lines:
            period = line.value * p.quantity if p.quantity is not None else None
            row = [p.id, line.stage, result.stage_labels.get(line.stage) or "", line.name, line.label or "",
                   repr(line.value), "" if period is None else repr(period), "kgCO2e",
                   p.functional_unit or "", result.method.id, result.data_year or ""]
            w.writerow([csv_cell(c) for c in row])
    return buf.getvalue()


def to_json(result: Result) -> str:
    return json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n"
