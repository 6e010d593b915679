"""Suppliers' PACT footprints -> kb/ entries: a purchased part's own PCF as a factor.

Reads what `pcf check FILE.json` reads (a ProductFootprint, an array of them, a ListFootprints or
GetFootprint body; PACT v2.x or v3.x) and refuses the file when that check finds an error: a
footprint whose figures disagree with each other is not a factor. For each Active footprint:

- one entry `supplier.<company>.<product>` (slugs of companyName and of the last part of the first
  productId), its value the PCF excluding biogenic uptake (v3 `pcfExcludingBiogenicUptake`, v2
  `pCfExcludingBiogenic`) in kgCO2e per declared unit (kg, L, m3, kWh, MJ, t·km, m2, item for a
  piece, h); the figure including biogenic uptake, the declared amount and the boundary are in `note`;
- its own source, written beside the entries as `[source.pact_<company>_<product>]`: the supplier
  (companyName, its first companyId) as issuer, the product and reference period as the title, the
  footprint's id, specVersion and version as the document, `created` as the date. The footprint
  states no licence: "supplier's terms: not stated in the footprint". `pcf explain` then shows the
  supplier, the product id and the period as the factor's source;
- validity: from the reference period's first year to the validity period's last (given, or PACT's
  default of three years after referencePeriodEnd), `data_year` the reference period's first year;
- `quality = "manufacturer"` (supplier-specific data) and `confidence = "confirmed-A"` (the
  footprint document itself was read; whether it was verified is in `note`).

A Deprecated footprint is not imported (counted in the file header). Two footprints of one product
with overlapping validity are refused: the KB holds one value per id and period.
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from ...core.errors import Diagnostic, PcfError
from ...exchange.pactcheck import check_footprints
from ...exchange.pactread import Received, parse_time, read_footprints
from .rows import slug
from .tomlout import Imported

UNITS = {"kilogram": "kg", "liter": "L", "cubic meter": "m3", "kilowatt hour": "kWh", "megajoule": "MJ",
         "ton kilometer": "tkm", "square meter": "m2", "piece": "item", "hour": "h"}


def convert(path: Path, options: dict) -> Imported:
    footprints = read_footprints(path)
    errors = [d for d in check_footprints(footprints) if not d.message.startswith("warning: ")]
    if errors:
        raise PcfError([Diagnostic("kb-import", f"not imported: {d.message}", d.span, hint=d.hint) for d in errors])
    entries, sources, problems, deprecated = [], [], [], 0
    confidence = options.get("confidence", "confirmed-A")
    for fp in footprints:
        if fp.get("status") == "Deprecated":
            deprecated += 1
            continue
        made = _entry(fp, path, confidence, problems)
        if made is not None:
            entries.append(made[0])
            sources.append(made[1])
    by_id: dict[str, list[dict]] = {}
    for e in entries:
        by_id.setdefault(e["id"], []).append(e)
    for ident, group in by_id.items():
        group.sort(key=lambda e: e["valid_from"])
        for a, b in zip(group, group[1:]):
            if b["valid_from"] <= a["valid_to"]:
                problems.append(Diagnostic("kb-import", f"two footprints of `{ident}` are valid in the same years "
                                           f"({a['valid_from']}-{a['valid_to']} and {b['valid_from']}-{b['valid_to']})",
                                           b["_span"], hint="keep the newer one; mark the other Deprecated"))
    if problems:
        raise PcfError(problems)
    for e in entries:
        e.pop("_span")
    return Imported(
        command=f"pcf kb import pact {path.name} -o <file>", source_file=path,
        comment=("Suppliers' product carbon footprints received as PACT documents; each entry's source",
                 "is written beside it. Values are the footprints' own figures per declared unit."
                 + (f" {deprecated} Deprecated footprint(s) not imported." if deprecated else "")),
        entries=tuple(sorted(entries, key=lambda e: (e["id"], e["valid_from"]))),
        sources=tuple(sorted(sources, key=lambda s: s["key"])))


def _entry(fp: Received, path: Path, confidence: str, problems: list[Diagnostic]) -> tuple[dict, dict] | None:
    v3 = fp.version == 3
    unit_key = "declaredUnitOfMeasurement" if v3 else "declaredUnit"
    declared = fp.get("pcf", unit_key)
    if declared not in UNITS:
        problems.append(Diagnostic("kb-import", f"declared unit {declared!r} has no pcf unit", fp.span("pcf", unit_key),
                                   hint="pcf maps " + ", ".join(UNITS)))
        return None
    value = fp.decimal("pcf", "pcfExcludingBiogenicUptake" if v3 else "pCfExcludingBiogenic")
    including = fp.decimal("pcf", "pcfIncludingBiogenicUptake" if v3 else "pCfIncludingBiogenic")
    start, end = parse_time(fp.get("pcf", "referencePeriodStart")), parse_time(fp.get("pcf", "referencePeriodEnd"))
    if value is None or start is None or end is None:
        problems.append(Diagnostic("kb-import", "the footprint lacks its PCF or its reference period", fp.span("pcf")))
        return None
    valid_end = parse_time(fp.get("validityPeriodEnd")) or end.replace(year=end.year + 3)
    last_year = (valid_end - timedelta(seconds=1)).year   # an end at 1 January closes the year before
    company, name = fp.get("companyName") or "?", fp.get("productNameCompany") or "?"
    product_ids = fp.get("productIds") or []
    product = slug(str(product_ids[0]).rsplit(":", 1)[-1]) if product_ids else slug(name)
    who = slug(company) or "supplier"
    key = f"pact_{who}_{product}"
    period = f"{start.date().isoformat()} to {end.date().isoformat()}"
    verified = fp.get("pcf", "verification") or fp.get("pcf", "assurance")
    note = [f"PACT {fp.get('specVersion')} footprint per {fp.get('pcf', 'declaredUnitAmount') or '1'} "
            f"{declared}" + ("" if v3 else f" (unitaryProductAmount {fp.get('pcf', 'unitaryProductAmount')})") + "."]
    if including is not None and including != value:
        note.append(f"Including biogenic uptake: {including} kgCO2e per {declared}.")
    if fp.get("pcf", "boundaryProcessesDescription"):
        note.append(f"Boundary: {fp.get('pcf', 'boundaryProcessesDescription')}")
    note.append("Verification: " + ("stated in the footprint" if verified else "none stated in the footprint") + ".")
    line = fp.span().line
    entry = {"id": f"supplier.{who}.{product}", "name_en": f"{name} ({company})", "value": float(value),
             "unit": f"kgCO2e/{UNITS[declared]}", "basis": "CO2e",
             "region": fp.get("pcf", "geographyCountry") or fp.get("pcf", "geographyCountrySubdivision")
             or fp.get("pcf", "geographyRegionOrSubregion"),
             "valid_from": min(start.year, (parse_time(fp.get("validityPeriodStart")) or start).year),
             "valid_to": last_year, "data_year": start.year, "boundary": "as the supplier declares (see note)",
             "quality": "manufacturer", "confidence": confidence,
             "default": False if confidence == "unconfirmed" else None, "source": key,
             "table": f"{path.name}:{line} (ProductFootprint {fp.get('id')})", "note": " ".join(note),
             "_span": fp.span()}
    source = {"key": key, "title": f"PACT ProductFootprint: {name} ({', '.join(map(str, product_ids))}), "
                                  f"reference period {period}",
              "issuer": f"{company} ({(fp.get('companyIds') or ['no company id'])[0]})",
              "document": f"ProductFootprint {fp.get('id')}, specVersion {fp.get('specVersion')}"
                          + (f", version {fp.get('version')}" if fp.get("version") is not None else ""),
              "date": str(fp.get("created") or "")[:10] or None, "year": (parse_time(fp.get("created")) or end).year,
              "licence": "supplier's terms: not stated in the footprint", "confidence": confidence}
    return entry, source
