"""Country grid carbon intensity by year (Ember, via Our World in Data's energy data) -> kb/ entries.

Reads `owid-energy-data.csv` (columns country, year, iso_code, carbon_intensity_elec in
gCO2e/kWh): one entry per country and year with a value; rows without one are not imported
(counted in the file header). Id: `intl.electricity.ember.<iso code>` (the country or
aggregate name when it has no ISO code, e.g. `asean_ember`), an annual series. Ember's
figure is "greenhouse gases emitted per unit of generated electricity": generation, not
consumption, and neither T&D losses nor imports; `boundary` says so.
"""
from __future__ import annotations

from pathlib import Path

from ...core.errors import Diagnostic, PcfError
from .rows import number, read_rows, slug, year
from .tomlout import Imported

COLUMN = "carbon_intensity_elec"


def convert(path: Path, options: dict) -> Imported:
    rows = read_rows(path, ("country", "year", "iso_code", COLUMN), sheet=options.get("sheet"))
    problems: list[Diagnostic] = []
    entries: dict[str, dict] = {}
    skipped = 0
    confidence = options.get("confidence", "unconfirmed")
    for row in rows:
        if not row.cells[COLUMN]:
            skipped += 1
            continue
        value, when = number(row, COLUMN), year(row, "year")
        if isinstance(value, Diagnostic) or isinstance(when, Diagnostic):
            problems.extend(x for x in (value, when) if isinstance(x, Diagnostic))
            continue
        if value < 0:
            problems.append(row.problem(COLUMN, f"{COLUMN}: a negative intensity ({value}) is not a kb value"))
            continue
        country, iso = row.cells["country"], row.cells["iso_code"]
        key = slug(iso or country)
        if not key:
            problems.append(row.problem("country", "a row names no country and no ISO code"))
            continue
        ident = f"intl.electricity.ember.{key}"
        if (ident, when) in entries:
            problems.append(row.problem("year", f"a second row for {country} {when} "
                                        f"(the first: {entries[ident, when]['table']})"))
            continue
        entries[ident, when] = {
            "id": ident, "name_zh": f"{country} 发电碳强度", "value": value,
            "name_en": f"{country}: carbon intensity of electricity generation (Ember via OWID)",
            "unit": "gCO2e/kWh", "basis": "CO2e", "region": iso or country, "valid_from": when,
            "valid_to": when, "boundary": "generation (Ember: emissions per kWh generated)",
            "quality": "national", "confidence": confidence,
            "default": False if confidence == "unconfirmed" else None,
            "source": options.get("source") or "owid_energy_ember", "table": f"{path.name}:{row.line} ({COLUMN})",
        }
    if problems:
        raise PcfError(problems)
    return Imported(
        command=f"pcf kb import owid-grid {path.name} -o <file>", source_file=path,
        comment=("Carbon intensity of electricity generation by country and year (Ember, via Our World in",
                 f"Data's energy data; CC BY 4.0). {skipped} rows without a value are not imported.",
                 "name_zh is pcf's translation of the measure; country names stay as the source writes them."),
        entries=tuple(entries[k] for k in sorted(entries)))
