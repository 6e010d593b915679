"""IPCC default parameters as the PyPI package bonsai-ipcc holds them -> kb/ entries.

bonsai-ipcc (MIT) ships the IPCC Guidelines' default parameters as one CSV per parameter,
`par_<name>.csv`, columns year, region, product, property, value, unit; `property` is `def` (the
default), `min` and `max` (the lower and upper limits of the IPCC's 95 % confidence interval),
`abs_min` and `abs_max` (physical bounds, not imported). One entry per (product, region, year):
the default as the value, the interval as a triangular uncertainty of multipliers (pcf's choice of
shape: the IPCC gives limits, not a distribution), and the row of the default as `table`.

Only parameters whose meaning pcf knows are read (PARAMETERS: the name, the unit pcf writes and
its basis, and the IPCC table the values belong to as the package documents it); another file is
refused with the list. The package labels the rows with a year (2019 for the generic energy
tables): that year is kept as the entry's `data_year`, not as a validity, since the defaults hold
until the IPCC revises them.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ...core.errors import Diagnostic, PcfError, did_you_mean
from .rows import number, read_rows, slug, year
from .tomlout import Imported


@dataclass(frozen=True)
class Parameter:
    id_part: str        # `ipcc.<family>.<product>.<id_part>`
    family: str
    unit: str           # pcf's unit for the package's
    package_units: tuple[str, ...]
    basis: str
    what_en: str
    what_zh: str
    table: str          # the IPCC table the values are (pcf's attribution, from the parameter and its values)


PARAMETERS = {
    "par_energy_content_per_mass": Parameter(
        "ncv", "fuel", "GJ/t", ("GJ/t",), "parameter", "net calorific value", "低位发热量",
        "2006 IPCC Guidelines Vol. 2 Ch. 1 Table 1.2"),
    "par_carbon_content_per_energy": Parameter(
        "carbon_content", "fuel", "kgC/GJ", ("kg/GJ",), "C", "carbon content per energy", "单位热值含碳量",
        "2006 IPCC Guidelines Vol. 2 Ch. 1 Table 1.3"),
    "par_carbon_content_per_mass": Parameter(
        "carbon_content", "iron_steel", "kgC/kg", ("kg/kg",), "C",
        "carbon content per mass (iron and steel production)", "含碳量（钢铁生产）",
        "2006 IPCC Guidelines Vol. 3 Ch. 4 Table 4.3"),
}
COLUMNS = ("year", "region", "product", "property", "value", "unit")
# pcf's Chinese names for the package's product codes (fixed identifiers, translated here once;
# a code not listed gets no Chinese name, never a machine translation).
PRODUCTS_ZH = {
    "anthracite": "无烟煤", "coking_coal": "炼焦煤", "other_bituminous_coal": "其他烟煤", "sub_bituminous_coal": "次烟煤",
    "lignite": "褐煤", "peat": "泥炭", "coke_oven_lignite_coke": "焦炭（焦炉焦/褐煤焦）", "gas_coke": "煤气焦",
    "coal_tar": "煤焦油", "gas_works_gas": "城市煤气", "coke_oven_gas": "焦炉煤气", "blast_furnace_gas": "高炉煤气",
    "oxygen_steel_furnace_gas": "转炉煤气", "natural_gas": "天然气", "motor_gasoline": "车用汽油",
    "aviation_gasoline": "航空汽油", "jet_gasoline": "喷气汽油", "jet_kerosene": "航空煤油", "other_kerosene": "其他煤油",
    "gas_diesel_oil": "柴油", "residual_fuel_oil": "燃料油", "liquefied_petroleum_gases": "液化石油气",
    "ethane": "乙烷", "naphtha": "石脑油", "bitumen": "沥青", "lubricants": "润滑油", "petroleum_coke": "石油焦",
    "refinery_gas": "炼厂干气", "refinery_feedstocks": "炼厂原料", "paraffin_waxes": "石蜡", "white_spirit_sbp": "溶剂油",
    "shale_oil": "页岩油", "charcoal": "木炭", "biodiesels": "生物柴油", "biogasoline": "生物汽油",
    "landfill_gas": "填埋气", "sludge_gas": "污泥气", "other_biogas": "其他沼气", "black_liquor": "黑液",
    "pig_iron": "生铁", "steel": "钢", "scrap_iron": "废铁", "limestone": "石灰石", "dolomite": "白云石",
    "coke": "焦炭", "natural_gas_liquids": "天然气凝液", "orimulsion": "奥里乳化油",
}


def convert(path: Path, options: dict) -> Imported:
    name = path.stem
    par = PARAMETERS.get(name)
    if par is None:
        raise PcfError([Diagnostic("kb-import", f"`{path.name}` is not a bonsai-ipcc parameter pcf imports", None,
                                   path=str(path), hint=did_you_mean(name, PARAMETERS)
                                   or f"one of: {', '.join(f'{k}.csv' for k in PARAMETERS)}")])
    rows = read_rows(path, COLUMNS, sheet=options.get("sheet"))
    problems: list[Diagnostic] = []
    found: dict[tuple[str, str, int], dict[str, tuple[float, object]]] = {}
    confidence = options.get("confidence", "unconfirmed")
    for row in rows:
        prop = row.cells["property"]
        if prop in ("abs_min", "abs_max"):
            continue   # physical bounds (0, inf), not the IPCC's figures
        if prop not in ("def", "min", "max"):
            problems.append(row.problem("property", f"property `{prop}`: expected def, min, max, abs_min or abs_max"))
            continue
        if row.cells["unit"] not in par.package_units:
            problems.append(row.problem("unit", f"unit `{row.cells['unit']}`: {name} is given in "
                                        f"{' or '.join(par.package_units)}"))
            continue
        value, when = number(row, "value"), year(row, "year")
        if isinstance(value, Diagnostic) or isinstance(when, Diagnostic):
            problems.extend(x for x in (value, when) if isinstance(x, Diagnostic))
            continue
        if value < 0:
            problems.append(row.problem("value", f"a negative {par.what_en} ({value})"))
            continue
        product, region = slug(row.cells["product"]), row.cells["region"] or "World"
        if not product:
            problems.append(row.problem("product", "a row names no product"))
            continue
        cells = found.setdefault((product, region, when), {})
        if prop in cells:
            problems.append(row.problem("property", f"a second `{prop}` row for {product} ({region}, {when}); "
                                        f"the first is at line {cells[prop][1].line}"))
            continue
        cells[prop] = (value, row)
    entries = []
    for (product, region, when), cells in sorted(found.items()):
        if "def" not in cells:
            first = min((r for _, r in cells.values()), key=lambda r: r.line)
            problems.append(first.problem("property", f"{product} ({region}, {when}) has no `def` row: "
                                          "the default is the entry's value"))
            continue
        value, row = cells["def"]
        entry = {
            "id": f"ipcc.{par.family}.{product}.{par.id_part}" + ("" if region == "World" else f".{slug(region)}"),
            "name_zh": f"{PRODUCTS_ZH[product]}{par.what_zh}（IPCC 缺省值）" if product in PRODUCTS_ZH else None,
            "name_en": f"{row.cells['product'].replace('_', ' ')}: {par.what_en} (IPCC default)",
            "value": value, "unit": par.unit, "basis": par.basis,
            "region": None if region == "World" else region, "data_year": when,
            "quality": "international", "confidence": confidence,
            "default": False if confidence == "unconfirmed" else None,
            "source": options.get("source") or "bonsai_ipcc_0_5", "table": f"{path.name}:{row.line} ({par.table}, as pcf attributes it)",
        }
        lo, hi = cells.get("min"), cells.get("max")
        if lo is not None and hi is not None and value > 0 and (lo[0], hi[0]) != (value, value):
            if not lo[0] <= value <= hi[0]:
                problems.append(lo[1].problem("value", f"{product}: the interval {lo[0]:g}-{hi[0]:g} does not hold "
                                              f"the default {value:g}"))
                continue
            entry["uncertainty"] = {"distribution": "triangular", "min": round(lo[0] / value, 6),
                                    "max": round(hi[0] / value, 6)}
            entry["note"] = (f"IPCC 95 % interval {lo[0]:g}-{hi[0]:g} {par.unit} (lines {lo[1].line}, {hi[1].line}), "
                             "kept as a triangular uncertainty of multipliers.")
        entries.append(entry)
    if problems:
        raise PcfError(problems)
    return Imported(
        command=f"pcf kb import ipcc {path.name} -o <file>", source_file=path,
        comment=(f"IPCC default parameter `{name}` ({par.what_en}; {par.table}) as the PyPI package bonsai-ipcc",
                 "holds it (MIT). Values are the package's `def` rows; `min`/`max` (the IPCC's 95 % interval)",
                 "become a triangular uncertainty. name_zh is pcf's translation of the measure."),
        entries=tuple(entries))
