"""UK BEIS/DESNZ "GHG conversion factors for company reporting", flat file -> kb/ entries.

Reads the flat-file layout (one row per factor and gas: Scope, Level 1-4, Column Text, UOM,
GHG/Unit, "GHG Conversion Factor <year>") from DESNZ's own .xlsx or a CSV with those columns
(also the TEC-Toolkit/cfkg CSVs, whose `emission_target_formula` names the gas). One entry
per activity: the kg CO2e row is the value; the source's kg CO2e of CO2 / CH4 / N2O rows of
the same activity are its parts (`co2`, `ch4`, `n2o`: the flat file does not say fossil or
biogenic). An activity with only one gas row (the "outside of scopes" biogenic CO2 rows) is
that row as value and part.

Id: `uk.desnz.<level 1>.<level 2>.<level 3>.<level 4>.<column text>.per_<unit>` (empty labels
left out), so each year of a series shares the id. `region` is GB, the country of the set:
a hotel stay abroad names its country in Level 3, as DESNZ's own file does (the cfkg CSVs'
derived `region` columns are not used).
Level 1 keeps scopes and well-to-tank apart ("WTT- fuels" is its own family), and `boundary`
says which. Labels are normalised where the files differ in spelling only: Column Text
"Energy - Gross CV" (older files), "Gross CV" (newer), or empty with UOM "kWh (Gross CV)"
(DESNZ 2023) are one label; a Level label "0" (a formula's output for an empty cell on some
gas rows of the 2017-2020 files) is empty. The loader's check that the parts add up to the
total guards each grouping.
"""
from __future__ import annotations

import re
from pathlib import Path

from ...core.errors import Diagnostic, PcfError
from .names_zh import load_terms, name_zh
from .rows import Row, number, read_rows, slug
from .tomlout import Imported

LEVELS = ("Level 1", "Level 2", "Level 3", "Level 4")
# The flat files' units of activity, as written in UOM / "UOM simple" (any case) -> pcf unit.
UNITS = {"kilometre": "km", "km": "km", "mile": "mi", "miles": "mi", "tonne.km": "tkm",
         "kilogram": "kg", "kg": "kg", "tonne": "t", "tonnes": "t", "kilowatt hour": "kWh", "kwh": "kWh",
         "kwh (gross cv)": "kWh", "kwh (net cv)": "kWh", "passenger.km": "pkm", "litre": "L", "litres": "L",
         "gigajoule": "GJ", "gj": "GJ", "room per night": "room_night", "cubic metre": "m3",
         "cubic metres": "m3", "per fte working hour": "FTE_hour", "million litres": "ML"}
# Column Text labels that older files spell differently for the same thing.
COLUMN_TEXT = {"energy - gross cv": "Gross CV", "energy - net cv": "Net CV", "tonnes": "", "volume": ""}
SCOPES = {"scope1": "scope 1", "scope2": "scope 2", "scope3": "scope 3", "outsideofscopes": "outside of scopes"}
_GAS = re.compile(r"^(?:kg )?(CO2e|CO2|CH4|N2O)(?: of (CO2|CH4|N2O))?(?: per unit)?$")
_GHG_LIKE = re.compile(r"^(kg\b|CO2e$|CO2$|CH4$|N2O$)", re.I)   # a gas column naming a gas, well formed or not


def convert(path: Path, options: dict) -> Imported:
    rows = read_rows(path, ("Scope", *LEVELS, "Column Text"), sheet=options.get("sheet"))
    problems: list[Diagnostic] = []
    value_col = next((c for c in (rows[0].cells if rows else {}) if c.startswith("GHG Conversion Factor ")), None)
    if value_col is None or not re.fullmatch(r"GHG Conversion Factor (\d{4})", value_col):
        raise PcfError([Diagnostic("kb-import", "no `GHG Conversion Factor <year>` column",
                                   rows[0].span() if rows else None, path=str(path))])
    year = int(value_col[-4:])
    groups: dict[tuple, dict[str, tuple[Row, float]]] = {}
    skipped = not_ghg = 0
    for row in rows:
        if row.cells.get(value_col, "").replace(" ", "") in ("", "<1"):
            skipped += 1   # the file gives no factor here ("< 1": below the precision it prints)
            continue
        gas_col = _gas_column(row)
        if gas_col and not _GHG_LIKE.match(row.cells[gas_col]):
            not_ghg += 1   # a fuel property (e.g. GHG/Unit "kWh (Net CV)"), not an emission factor
            continue
        read = _read(row, value_col, problems)
        if read is None:
            continue
        key, gas, value = read
        found = groups.setdefault(key, {})
        if gas in found:
            problems.append(row.problem(_gas_column(row), f"a second {gas} row for this activity "
                                        f"(the first is at {found[gas][0].span()})"))
            continue
        found[gas] = (row, value)
    entries, terms = [], load_terms()
    for key, gases in groups.items():
        e = _entry(key, gases, year, options, terms, problems)
        if e is not None:
            entries.append(e)
    seen: dict[str, dict] = {}
    for e in entries:
        if e["id"] in seen:
            problems.append(Diagnostic("kb-import", f"two activities map to the id `{e['id']}`: "
                                       f"{e['table']} and {seen[e['id']]['table']}", None, path=str(path),
                                       hint="their labels differ only in punctuation"))
        seen[e["id"]] = e
    if problems:
        raise PcfError(problems)
    return Imported(
        command=f"pcf kb import desnz {path.name} -o <file>",
        source_file=path,
        comment=(f"UK government GHG conversion factors for company reporting, {year}: one entry per",
                 "activity, kg CO2e per unit with the source's per-gas parts (kg CO2e of CO2, CH4, N2O).",
                 "Level 1 keeps scopes and well-to-tank (WTT-) apart; `boundary` names the scope.",
                 f"Not imported: {skipped} rows giving no factor (an empty cell or '< 1') and {not_ghg} rows",
                 "of fuel properties (GHG/Unit not a gas, e.g. 'kWh (Net CV)').",
                 "name_zh is pcf's translation of plain terms (kbimport/terms_zh.toml), not the source's."),
        entries=tuple(sorted(entries, key=lambda e: e["id"])))


def _gas_column(row: Row) -> str | None:
    return next((c for c in ("emission_target_formula", "GHG/Unit", "GHG") if c in row.cells), None)


def _read(row: Row, value_col: str, problems: list[Diagnostic]):
    """(activity key, gas, value) of one row, or None after reporting it."""
    gas_col = _gas_column(row)
    if gas_col is None:
        problems.append(row.problem(None, "no GHG/Unit column"))
        return None
    m = _GAS.match(row.cells[gas_col])
    if not m or (m.group(2) and m.group(1) != "CO2e"):
        problems.append(row.problem(gas_col, f"{gas_col}: unknown gas {row.cells[gas_col]!r}",
                                    "expected kg CO2e, or kg CO2e of CO2 / CH4 / N2O"))
        return None
    gas = m.group(2) or m.group(1)
    unit_col = next(c for c in ("UOM", "UOM simple", "UOM (simple)") if c in row.cells)
    unit = UNITS.get(row.cells[unit_col].lower())
    if unit is None:
        problems.append(row.problem(unit_col, f"{unit_col}: unknown unit {row.cells[unit_col]!r}",
                                    f"known: {', '.join(sorted(set(UNITS)))}"))
        return None
    scope = SCOPES.get(row.cells["Scope"].replace(" ", "").lower())
    if scope is None:
        problems.append(row.problem("Scope", f"Scope: unknown scope {row.cells['Scope']!r}"))
        return None
    value = number(row, value_col)
    if isinstance(value, Diagnostic):
        problems.append(value)
        return None
    if value < 0:
        problems.append(row.problem(value_col, f"{value_col}: a negative factor ({value}) is not a kb value"))
        return None
    text = row.cells["Column Text"]
    text = COLUMN_TEXT.get(text.lower(), text)
    cv = re.search(r"\((Gross|Net) CV\)", row.cells[unit_col])
    if cv and not text:   # newer files say the calorific basis only in the unit: kWh (Net CV)
        text = f"{cv.group(1)} CV"
    # Some files print 0 for an empty label (a formula's output), on some gas rows only.
    labels = tuple("" if row.cells[c] == "0" else row.cells[c] for c in LEVELS)
    return (scope, labels, text, unit, row.cells[unit_col]), gas, value


def _entry(key, gases: dict, year: int, options: dict, terms, problems: list[Diagnostic]) -> dict | None:
    scope, labels, text, unit, uom = key
    total = gases.get("CO2e")
    parts = [(g.lower(), v, f"kgCO2e/{unit}") for g, (_, v) in sorted(gases.items()) if g != "CO2e"]
    if total is None and len(parts) != 1:
        row = next(iter(gases.values()))[0]
        problems.append(row.problem(None, f"{len(parts)} gas rows and no kg CO2e row for this activity",
                                    "the total is not in the file, and an importer never computes one"))
        return None
    first, value = total or next(iter(gases.values()))
    words = [w for w in (*labels, text) if w]
    ident = ".".join(["uk", "desnz", *filter(None, (slug(w) for w in words)), f"per_{slug(unit)}"])
    where = f"{Path(first.where).name}:{first.line}"
    row_id = first.cells.get("id_original") or first.cells.get("ID")
    others = sorted(r.line for r, _ in gases.values() if r is not first)
    table = where + (f" (ID {row_id})" if row_id else "") + \
        (f"; gas rows at lines {', '.join(map(str, others))}" if others else "")
    confidence = options.get("confidence", "unconfirmed")
    wtt = labels[0].upper().startswith("WTT")
    note = f"{scope}; per {uom}" + ("" if total else f"; the source gives only its {parts[0][0].upper()} row")
    return {
        "id": ident, "name_zh": name_zh(words, terms), "name_en": " > ".join(words) + f" (per {uom})", "value": value,
        "unit": f"kgCO2e/{unit}", "basis": "CO2e", "region": "GB", "valid_from": year, "valid_to": year,
        "boundary": "well-to-tank" if wtt else scope, "quality": "national", "confidence": confidence,
        "default": False if confidence == "unconfirmed" else None, "gwp": options.get("gwp"),
        "source": options.get("source") or f"desnz_ghg_cf_flat_{year}", "table": table, "note": note,
        "parts": tuple(parts) if parts else None,
    }
