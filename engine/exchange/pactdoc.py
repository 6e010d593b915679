"""The fields of one PACT ProductFootprint computed from a result (figures per declared unit as
Decimal strings, boundary, sources, allocation, data quality); `pact.py` checks what the data
owner gives and assembles the document."""
from __future__ import annotations

from decimal import Decimal

from ..core.errors import PcfError
from ..evaluation.result import ProductResult, Result
from .pactcase import DQI_KEYS

DQI_NAMES = {"coverage_percent": "coveragePercent", "technological": "technologicalDQR",
             "temporal": "temporalDQR", "geographical": "geographicalDQR",
             "completeness": "completenessDQR", "reliability": "reliabilityDQR"}


def dec(x: float) -> str:
    """A PACT Decimal: a dotted-decimal string, no exponent, no negative zero."""
    s = format(Decimal(repr(float(x))), "f")
    return s[1:] if s.startswith("-") and Decimal(s) == 0 else s


def document(result, p, pp, pact, name, amount, gwp, mapped, year, exempted, comment, notes) -> dict:
    method = result.plan.method
    tags = {e.name: set(e.tags) for e in method.emissions}

    def tagged(*wanted: str, without: tuple[str, ...] = ()) -> float:
        return sum(l.value for l in p.lines if tags[l.name] & set(wanted) and not tags[l.name] & set(without)
                   and l.name not in p.excluded)

    biogenic = tagged("biogenic")
    withdrawal = sum(l.value for l in p.lines if {"biogenic", "removal"} <= tags[l.name] and l.name not in p.excluded)
    # Subtracted from the total, so that with no tagged lines every figure is the total itself.
    fossil = p.total - tagged("biogenic", "dluc", "removal")
    per = 1.0 / amount
    used, standards, biogenic_method = mapped[1], mapped[2], mapped[3]
    carbon = {}
    for k in ("fossil_carbon_content", "biogenic_carbon_content"):
        v = getattr(pp, k)
        carbon[k] = v if v is not None else 0.0
    unknown = [k for k in carbon if getattr(pp, k) is None]
    if unknown:
        comment.append(f"{' and '.join(camel(k) for k in unknown)} not assessed: exported as 0, as PACT v2 "
                       "requires a value.")
        notes.append(f"{p.id}: {', '.join(camel(k) for k in unknown)} not given in [pact]: exported as 0")
    pcf = {
        "declaredUnit": pp.declared_unit,
        "unitaryProductAmount": dec(amount),
        **({"productMassPerDeclaredUnit": "1"} if pp.declared_unit == "kilogram" else {}),
        "pCfExcludingBiogenic": dec((p.total - biogenic) * per),
        "pCfIncludingBiogenic": dec(p.total * per),
        "fossilGhgEmissions": dec(fossil * per),
        "fossilCarbonContent": dec(carbon["fossil_carbon_content"]),
        "biogenicCarbonContent": dec(carbon["biogenic_carbon_content"]),
        "dLucGhgEmissions": dec(tagged("dluc") * per),
        "landManagementGhgEmissions": dec(0.0),     # no land is managed in these methods
        "otherBiogenicGhgEmissions": dec(tagged("biogenic", without=("dluc", "removal")) * per),
        "biogenicCarbonWithdrawal": dec(min(withdrawal, 0.0) * per),
        "aircraftGhgEmissions": dec(tagged("aircraft") * per),
        "characterizationFactors": gwp,
        "ipccCharacterizationFactorsSources": [gwp],
        "crossSectoralStandardsUsed": list(used),
        "crossSectoralStandards": list(standards),
        # productOrSectorSpecificRules: none; left out (the official schema wants at least one item)
        **({"biogenicAccountingMethodology": biogenic_method} if biogenic_method else {}),
        "boundaryProcessesDescription": boundary_text(result, p),
        "referencePeriodStart": f"{year:04d}-01-01T00:00:00Z",
        "referencePeriodEnd": f"{year + 1:04d}-01-01T00:00:00Z",
        "geographyCountry": pact.geography_country,
        **secondary_sources(result, p),
        "exemptedEmissionsPercent": exempted[0],
        "exemptedEmissionsDescription": exempted[1],
        "packagingEmissionsIncluded": pact.packaging_emissions_included,
        **allocation_fields(result),
        **({"primaryDataShare": pp.primary_data_share} if pp.primary_data_share is not None else {}),
        **({"dqi": {DQI_NAMES[k]: pp.dqi[k] for k in DQI_KEYS if k in pp.dqi}} if pp.dqi else {}),
    }
    if pp.primary_data_share is not None:
        comment.append(f"primaryDataShare: {pp.primary_data_share_source}.")
    if pp.dqi:
        comment.append(f"dqi: {pp.dqi_source}.")
    if biogenic:
        comment.append("Lines the method tags [biogenic] are in pCfIncludingBiogenic only.")
    method_text = (f"Computed by pcf with method `{method.id}` ({method.setting('standard')}, "
                   f"{(method.setting('boundary') or '').replace('_', '-')}, GWP {method.setting('gwp')}) for the "
                   f"functional unit {p.functional_unit or '1 unit'}: {dec(p.total)} kgCO2e per functional unit.")
    if method.setting("gwp") == "AR5_ccfb":
        method_text += " GWP: AR5 with climate-carbon feedback."
    return {"version": pact.version or 0, "status": "Active", "companyName": pact.company_name,
            "companyIds": list(pact.company_ids), "productDescription": pp.description if pp.description
            is not None else f"{name} (footprint study per {p.functional_unit or 'unit'})",
            "productIds": list(pp.product_ids), "productCategoryCpc": pp.cpc, "productNameCompany": name,
            "comment": " ".join([method_text, *comment, *([pact.comment] if pact.comment else [])]), "pcf": pcf}


def camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(w.title() for w in rest)


def boundary_text(result: Result, p: ProductResult) -> str:
    method = result.plan.method
    parts = []
    for s in method.stages:
        if s.excluded is not None:
            continue
        lines = [l.label or l.name for l in p.lines if l.stage == s.id and l.name not in p.excluded]
        parts.append(f"{s.label or s.id} [{s.id}]: {', '.join(lines) or 'no lines'}")
    excluded = [f"{s.label or s.id} [{s.id}] ({s.excluded})" for s in method.stages if s.excluded is not None]
    text = f"{(method.setting('boundary') or '').replace('_', '-')}. Included: " + "; ".join(parts) + "."
    return text + (" Excluded: " + "; ".join(excluded) + "." if excluded else "")


def secondary_sources(result: Result, p: ProductResult) -> dict:
    """The bibliography of the knowledge-base factors the product used (PACT: secondary data)."""
    plan, kb = result.plan, result.kb
    entries = [kn.entry for kn in plan.kb_nodes.values()]
    inv = next(i for i in result.case.inventory.products if i.id == p.id)
    amounts = list(inv.inputs.values()) + [a for rows in inv.tables.values() for r in rows for a in r.cells.values()]
    for a in amounts:
        if a.kb is not None:
            try:
                entries.append(kb.lookup(a.kb, a.kb_year if a.kb_year is not None else plan.data_year, a.span,
                                         pinned=a.kb_year is not None).entry)
            except PcfError:
                continue
    seen = {}
    for e in entries:
        src = kb.sources.get(e.source)
        if e.id.startswith("gwp.") or src is None:
            continue    # GWP values are characterization factors, given apart
        seen[(src.title, src.date or str(src.year))] = None
    return {"secondaryEmissionFactorSources": [{"name": n, "version": v} for n, v in sorted(seen)]} if seen else {}


def allocation_fields(result: Result) -> dict:
    allocations = result.case.inventory.allocations
    if not allocations:
        return {}
    text = "; ".join(f"{a.input} ({a.amount.text} {a.amount.unit}) allocated on a {a.basis} basis between "
                     + ", ".join(f"{pid} {a.share(pid) * 100:.2f} %" for pid in a.keys)
                     + (f" ({a.reason})" if a.reason else "") for a in allocations)
    return {"allocationRulesDescription": text}
