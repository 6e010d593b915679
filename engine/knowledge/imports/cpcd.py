"""CPCD (中国产品全生命周期温室气体排放系数库) export rows -> kb/ entries, never defaults.

Reads the CPCD export layout (产品ID, 产品名称, 核算边界, 碳足迹 such as "7.4tCO2e / 公吨",
数据年份, 数据类型). The export states no licence, so its entries are `confidence =
"unconfirmed"`, `default = false` whatever is asked, and the data is not shipped in kb/:
only this importer and a self-made sample are. Id: `cn.cpcd.product.<CPCD ID>`.
"""
from __future__ import annotations

import re
from pathlib import Path

from ...core.errors import Diagnostic, PcfError
from .rows import read_rows, slug, year
from .tomlout import Imported

# CPCD's unit words -> pcf units (kb/units.txt)
UNITS = {"公吨": "t", "吨": "t", "千克": "kg", "立方米": "m3", "平方米": "m2", "千瓦时": "kWh", "兆瓦时": "MWh",
         "台": "台", "个": "个", "件": "件", "公吨·公里": "tkm", "人·千米": "pkm", "房·晚": "room_night"}
BOUNDARIES = {"摇篮到大门": "cradle-to-gate", "摇篮到坟墓": "cradle-to-grave", "大门到大门": "gate-to-gate"}
_FOOTPRINT = re.compile(r"^([0-9]+(?:\.[0-9]+)?)\s*(g|kg|t)CO2e\s*/\s*(.+)$")


def convert(path: Path, options: dict) -> Imported:
    rows = read_rows(path, ("产品ID", "产品名称", "核算边界", "碳足迹", "数据年份"), sheet=options.get("sheet"))
    problems: list[Diagnostic] = []
    entries: dict[str, dict] = {}
    for row in rows:
        cpcd_id = row.cells["产品ID"]
        m = _FOOTPRINT.match(row.cells["碳足迹"])
        if not re.fullmatch(r"[0-9A-Za-z]+", cpcd_id):
            problems.append(row.problem("产品ID", f"产品ID: expected a CPCD ID, found {cpcd_id!r}"))
            continue
        if not m or m.group(3).strip() not in UNITS:
            problems.append(row.problem("碳足迹", f"碳足迹: expected e.g. '7.4tCO2e / 公吨', found {row.cells['碳足迹']!r}",
                                        f"known units: {', '.join(UNITS)}"))
            continue
        when = year(row, "数据年份")
        if isinstance(when, Diagnostic):
            problems.append(when)
            continue
        ident = f"cn.cpcd.product.{slug(cpcd_id)}"
        if ident in entries:
            problems.append(row.problem("产品ID", f"a second row for CPCD {cpcd_id} (the first: {entries[ident]['table']})"))
            continue
        boundary = row.cells["核算边界"]
        kind = row.cells.get("数据类型", "")
        entries[ident] = {
            "id": ident, "name_zh": row.cells["产品名称"], "value": float(m.group(1)),
            "unit": f"{m.group(2)}CO2e/{UNITS[m.group(3).strip()]}", "basis": "CO2e", "region": "CN",
            "valid_from": when, "data_year": when, "boundary": BOUNDARIES.get(boundary, boundary),
            "quality": "national", "confidence": "unconfirmed", "default": False,
            "source": options.get("source") or "cpcd",
            "table": f"CPCD {cpcd_id}" + (f" ({kind})" if kind else "") + f"; {path.name}:{row.line}",
            "note": f"CPCD boundary label {boundary}; footprint as printed: {row.cells['碳足迹']}",
        }
    if problems:
        raise PcfError(problems)
    return Imported(
        command=f"pcf kb import cpcd {path.name} -o <file>", source_file=path,
        comment=("CPCD product factors (中国产品全生命周期温室气体排放系数库), from an export that states no",
                 "licence: unconfirmed, never defaults; do not ship the imported file (see kb/sources.toml cpcd)."),
        entries=tuple(entries[k] for k in sorted(entries)))
