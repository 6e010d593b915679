"""A company's own factor list (CSV or XLSX) -> kb/ entries, by a small column mapping file.

    # mapping.toml
    source = "acme_supplier_factors_2024"      # the sources.toml key every entry cites
    sheet = "Factors"                           # optional, for a workbook
    id_prefix = "acme.material."                # id = prefix + the id column, made an id word
    [columns]                                   # field -> column header
    id = "Code"
    value = "kgCO2e per unit"
    unit = "Unit"
    name_en = "Material"
    valid_from = "Year"
    [fixed]                                     # fields every entry has
    basis = "CO2e"
    region = "CN"
    boundary = "cradle-to-gate"

`columns.id`, `columns.value` and `columns.unit` (or `fixed.unit`) are required. Every value
comes from its row; a row that cannot be read is refused with its position, and so is a
mapping that names an unknown field or a column the file does not have.
"""
from __future__ import annotations

from pathlib import Path

from ...core.errors import Diagnostic, PcfError, did_you_mean
from ...core.units import UnitError, load_units
from ...files.tomlfile import read_toml
from ..kb import ID_RE
from .rows import Row, number, read_rows, slug, year
from .tomlout import ORDER, Imported

YEAR_FIELDS = ("valid_from", "valid_to", "data_year")
MAPPING_KEYS = {"source", "sheet", "id_prefix", "columns", "fixed"}
FIELDS = set(ORDER) - {"default"}   # `default` follows from `confidence`


def convert(path: Path, options: dict) -> Imported:
    if "mapping" not in options:
        raise PcfError([Diagnostic("kb-import", "format `mapping` needs `--mapping FILE.toml`", None,
                                   path=str(path))])
    doc = read_toml(Path(options["mapping"]))
    m = doc.data
    problems = [doc.error("kb-import", k, "unknown key", hint=did_you_mean(k, MAPPING_KEYS))
                for k in sorted(set(m) - MAPPING_KEYS)]
    columns, fixed = m.get("columns", {}), m.get("fixed", {})
    for table, keys in (("columns", columns), ("fixed", fixed)):
        for k in sorted(set(keys) - FIELDS):
            problems.append(doc.error("kb-import", f"{table}.{k}", "not an entry field",
                                      hint=did_you_mean(k, FIELDS)))
    for k in ("id", "value"):
        if k not in columns:
            problems.append(doc.error("kb-import", "columns", f"`columns.{k}` is required"))
    if "unit" not in columns and "unit" not in fixed:
        problems.append(doc.error("kb-import", "columns", "a unit is required: `columns.unit` or `fixed.unit`"))
    source = options.get("source") or m.get("source") or fixed.get("source")
    if not source:
        problems.append(doc.error("kb-import", "", "name the source: `source = \"key\"` (a sources.toml key)"))
    if problems:
        raise PcfError(problems)
    rows = read_rows(path, tuple(columns.values()), sheet=options.get("sheet") or m.get("sheet"))
    units = load_units()
    prefix = m.get("id_prefix", "")
    confidence = options.get("confidence") or fixed.get("confidence") or "unconfirmed"
    entries: dict[str, dict] = {}
    for row in rows:
        e = _entry(row, columns, fixed, prefix, units, problems)
        if e is None:
            continue
        e.update(source=source, confidence=confidence,
                 default=False if confidence == "unconfirmed" else None,
                 table=e.get("table") or f"{path.name}:{row.line}")
        if e["id"] in entries:
            problems.append(row.problem(columns["id"], f"a second row for `{e['id']}` "
                                        f"(the first: {entries[e['id']]['table']})"))
            continue
        entries[e["id"]] = e
    if problems:
        raise PcfError(problems)
    return Imported(
        command=f"pcf kb import mapping {path.name} --mapping {Path(options['mapping']).name} -o <file>",
        source_file=path, comment=(f"Factors of {source}, one entry per row of the file.",),
        entries=tuple(entries[k] for k in sorted(entries)))


def _entry(row: Row, columns: dict, fixed: dict, prefix: str, units, problems: list[Diagnostic]) -> dict | None:
    before = len(problems)
    e = {k: v for k, v in fixed.items() if k in FIELDS}
    for field, column in columns.items():
        text = row.cells[column]
        if field == "value":
            value = number(row, column)
            if isinstance(value, Diagnostic):
                problems.append(value)
            elif value < 0:
                problems.append(row.problem(column, f"{column}: a negative factor ({value}) is not a kb value"))
            else:
                e["value"] = value
        elif field in YEAR_FIELDS:
            found = year(row, column)
            if isinstance(found, Diagnostic):
                problems.append(found)
            else:
                e[field] = found
        elif field == "id":
            e["id"] = prefix + (slug(text) if prefix else text)
            if not ID_RE.match(e["id"]):
                problems.append(row.problem(column, f"{column}: `{e['id']}` is not an id (dotted lowercase words)",
                                            "give `id_prefix = \"company.family.\"` to build ids from codes"))
        elif text:
            e[field] = text
    if "unit" not in e:
        problems.append(row.problem(columns.get("unit"), "no unit"))
    else:
        try:
            units.parse(e["unit"])
        except UnitError as exc:
            problems.append(row.problem(columns.get("unit"), f"{columns.get('unit', 'unit')}: {exc}", exc.hint))
    return e if len(problems) == before else None
