"""PACT v3.0 ProductFootprints (Technical Specifications for PCF Data Exchange 3.0.3, 2025-11-18).

What changed from v2.3 and how pcf fills it:

- `declaredUnitOfMeasurement` (v2 `declaredUnit`) may also be `piece`, `hour`, `megabit second`;
  `declaredUnitAmount` is written as "1": every figure is per one declared unit, which reads the
  same whether a reader takes the figures per declared unit or per declaredUnitAmount (the spec's
  text allows both readings: data-exchange-protocol issue 94).
- `productMassPerDeclaredUnit` is required: 1 for `kilogram`; 0 for energy, transport and service
  units (the spec's rule); otherwise the case's `mass_per_declared_unit` with its source (a
  document), or `"bom-mass"`, the inventory's input mass, said in the comment to be an upper bound.
- Numbers are decimal strings; the data-quality ratings are 1-5 and only technological,
  geographical and temporal remain (the case's `dqr`); `primaryDataShare` is required.
- Biogenic figures are split by gas and source (`biogenicCO2Uptake`, `biogenicNonCO2Emissions`,
  land management ...). pcf knows lines by tag: `dluc` -> landUseChangeGhgEmissions, `biogenic` +
  `removal` -> biogenicCO2Uptake, `aircraft` -> aircraftGhgEmissions; a plain `biogenic` line does
  not say whether it is CO2 (not counted in v3's PCF) or CH4/N2O (counted), so a case with one is
  refused rather than guessed. A figure of a kind the method never tags is left out (blank:
  "unknown or unavailable"), not written as 0.
- `productCategoryCpc` is gone: the CPC code becomes `urn:cpc:<code>` in productClassifications.

pcfExcludingBiogenicUptake = fossil + land-use change (+ biogenic non-CO2, land management, CCS:
0 here), pcfIncludingBiogenicUptake = that + biogenicCO2Uptake: the relations `pcf check FILE.json`
checks on a received footprint (pactcheck.py).
"""
from __future__ import annotations

import math

from ..checks.inputmass import NoInputMass, input_mass
from ..core.errors import Diagnostic
from ..evaluation.result import ProductResult, Result
from .pactcase import BOM_MASS, DQR_KEYS, PACT_PRODUCT_KEYS, PactInfo, PactProduct
from .pactdoc import allocation_fields, boundary_text, dec, secondary_sources

SPEC_VERSION = "3.0.3"
# The method's `gwp` setting -> ipccCharacterizationFactors (v3: any `AR<n>`; SAR is AR2).
GWP = {"SAR": "AR2", "AR4": "AR4", "AR5": "AR5", "AR5_ccfb": "AR5", "AR6": "AR6"}
# Standard (prefix of the method's `standard`) -> crossSectoralStandards value. v3 recommends
# these and says a host system MUST accept others: GB/T 24067-2024 is named as itself (it draws
# on ISO 14067 but is not published as an identical adoption).
STANDARDS = (("ISO 14067", "ISO14067"), ("GB/T 24067", "GB/T24067-2024"), ("PAS 2050", "PAS2050"),
             ("GHG Protocol Product", "GHGP-Product"), ("ISO 14044", "ISO14040-44"), ("ISO 14083", "ISO14083"))
MASS_ONE = ("kilogram",)
MASS_ZERO = ("kilowatt hour", "megajoule", "ton kilometer", "hour", "megabit second")   # energy, logistics, service
REQUIRED = ("company_name", "company_ids", "geography_country", "packaging_emissions_included")
REQUIRED_PRODUCT = ("product_ids", "declared_unit", "unitary_product_amount")


def check_method(result: Result, problems: list[Diagnostic], span_of) -> tuple[str | None, str | None]:
    """(ipcc factors, cross-sectoral standard) of the method, or None each with a problem."""
    method = result.plan.method
    gwp = GWP.get(method.setting("gwp") or "")
    if gwp is None:
        problems.append(Diagnostic("pact", f"method `{method.id}` characterises with GWP set {method.setting('gwp')}: "
                                   "PACT v3 names an IPCC assessment report (AR2 ... AR6)", span_of("gwp")))
    standard = method.setting("standard") or ""
    mapped = next((v for prefix, v in STANDARDS if standard.startswith(prefix)), None)
    if mapped is None:
        problems.append(Diagnostic("pact", f"standard `{standard}` of method `{method.id}` has no PACT v3 "
                                   "cross-sectoral standard", span_of("standard"),
                                   hint="pcf maps " + ", ".join(p for p, _ in STANDARDS)))
    return gwp, mapped


def product_v3(result: Result, p: ProductResult, pp: PactProduct, pact: PactInfo, name: str, gwp: str,
               standard: str, year: int, exempted: tuple[float, str], missing, problems: list[Diagnostic],
               notes: list[str]) -> dict | None:
    """The v3 ProductFootprint fields (without id and created), or None with problems added."""
    key = f"pact.products.{p.id}"
    before = len(problems)
    tags = {e.name: set(e.tags) for e in result.plan.method.emissions}
    plain_biogenic = [l.name for l in p.lines if "biogenic" in tags[l.name] and not tags[l.name] & {"removal", "dluc"}
                      and l.value and l.name not in p.excluded]
    if plain_biogenic:
        problems.append(Diagnostic(
            "pact", f"products.{p.id}: lines tagged `biogenic` ({', '.join(plain_biogenic)}) do not say whether they "
            "are biogenic CO2 (outside PACT v3's PCF) or CH4/N2O (biogenicNonCO2Emissions, inside it)",
            pact.span(key), hint="tag biogenic CO2 uptake `[biogenic, removal]`; split the others by gas in the "
                                 "method, or export PACT v2 (--pact-version 2)"))
    amount = pp.unitary_product_amount
    comment: list[str] = []
    if isinstance(amount, float) and pp.unitary_product_amount_source is None:
        missing(f"{key}.unitary_product_amount_source", f"{key}.unitary_product_amount",
                " (say where the amount is stated)")
    elif isinstance(amount, float):
        comment.append(f"One product is {dec(amount)} {pp.declared_unit}: {pp.unitary_product_amount_source}.")
    elif amount == BOM_MASS:
        if pp.declared_unit != "kilogram":
            problems.append(Diagnostic("pact", f"{key}.unitary_product_amount: \"{BOM_MASS}\" is a mass in kg: "
                                       f"declared_unit must be \"kilogram\", not {pp.declared_unit!r}",
                                       pact.span(f"{key}.declared_unit")))
        else:
            amount = _bom_mass(result, p, key, pact, problems)
            if amount is not None:
                comment.append(f"Figures per kilogram of input mass ({dec(amount)} kg per product, process scrap "
                               "included): an upper bound of the product's mass, so a lower bound per kilogram.")
    mass = _mass(result, p, pp, key, pact, missing, problems, comment)
    if pp.primary_data_share is None:
        missing(f"{key}.primary_data_share", key, " (PACT v3 requires it)")
    elif pp.primary_data_share_source is None:
        missing(f"{key}.primary_data_share_source", f"{key}.primary_data_share", " (say how the share was assessed)")
    if pp.dqr is not None and pp.dqi_source is None:
        missing(f"{key}.dqi_source", f"{key}.dqr", " (say who rated the data quality)")
    if pp.dqr is not None and set(pp.dqr) != set(DQR_KEYS):
        missing(f"{key}.dqr ({', '.join(k for k in DQR_KEYS if k not in pp.dqr)})", f"{key}.dqr",
                " (PACT v3 rates all three)", PACT_PRODUCT_KEYS["dqr"][1])
    if pp.dqi is not None:
        problems.append(Diagnostic("pact", f"{key}.dqi: PACT v2's ratings (1-3, six indicators) do not carry over to "
                                   "v3 (1-5, technological, geographical and temporal)", pact.span(f"{key}.dqi"),
                                   hint=f"rate the data for v3: `{PACT_PRODUCT_KEYS['dqr'][1]}`"))
    if len(problems) > before or not isinstance(amount, float) or mass is None:
        return None
    if not math.isfinite(p.total / amount):
        problems.append(Diagnostic("pact", f"{key}.unitary_product_amount: {amount!r} is too small: the footprint "
                                   "per declared unit is not a finite number", pact.span(f"{key}.unitary_product_amount")))
        return None

    def tagged(*wanted: str) -> float:
        return sum(l.value for l in p.lines if tags[l.name] & set(wanted) and l.name not in p.excluded)

    def has(*wanted: str) -> bool:
        return any(tags[e] & set(wanted) for e in tags)

    per = 1.0 / amount
    uptake = sum(l.value for l in p.lines if {"biogenic", "removal"} <= tags[l.name] and l.name not in p.excluded)
    luc = tagged("dluc")
    fossil = p.total - tagged("biogenic", "dluc", "removal")
    if fossil < 0:
        problems.append(Diagnostic("pact", f"products.{p.id}: the fossil emissions come out negative "
                                   f"({fossil:.6g} kgCO2e): PACT v3 requires fossilGhgEmissions >= 0", pact.span(key)))
        return None
    excluding = fossil + luc
    carbon = pp.fossil_carbon_content
    if carbon is None:
        comment.append("fossilCarbonContent not assessed: exported as 0, as PACT v3 requires a value.")
        notes.append(f"{p.id}: fossil_carbon_content not given in [pact]: exported as 0")
    pcf = {
        "declaredUnitOfMeasurement": pp.declared_unit,
        "declaredUnitAmount": "1",
        "productMassPerDeclaredUnit": dec(mass),
        "referencePeriodStart": f"{year:04d}-01-01T00:00:00Z",
        "referencePeriodEnd": f"{year + 1:04d}-01-01T00:00:00Z",
        "geographyCountry": pact.geography_country,
        "boundaryProcessesDescription": boundary_text(result, p),
        "pcfExcludingBiogenicUptake": dec(excluding * per),
        "pcfIncludingBiogenicUptake": dec((excluding + min(uptake, 0.0)) * per),
        "fossilCarbonContent": dec(carbon or 0.0),
        **({"biogenicCarbonContent": dec(pp.biogenic_carbon_content)} if pp.biogenic_carbon_content is not None
           else {}),
        "fossilGhgEmissions": dec(fossil * per),
        **({"landUseChangeGhgEmissions": dec(luc * per)} if has("dluc") else {}),
        **({"biogenicCO2Uptake": dec(min(uptake, 0.0) * per)} if has("removal") else {}),
        **({"aircraftGhgEmissions": dec(tagged("aircraft") * per)} if has("aircraft") else {}),
        "packagingEmissionsIncluded": pact.packaging_emissions_included,
        "ipccCharacterizationFactors": [gwp],
        "crossSectoralStandards": [standard],
        "exemptedEmissionsPercent": dec(exempted[0]),
        **({"exemptedEmissionsDescription": exempted[1]} if exempted[1] else {}),
        **allocation_fields(result),
        **secondary_sources(result, p),
        "primaryDataShare": dec(pp.primary_data_share),
        **({"dqi": {f"{k}DQR": dec(pp.dqr[k]) for k in DQR_KEYS}} if pp.dqr else {}),
    }
    comment.append(f"primaryDataShare: {pp.primary_data_share_source}.")
    if pp.dqr:
        comment.append(f"dqi: {pp.dqi_source}.")
    method = result.plan.method
    text = (f"Computed by pcf with method `{method.id}` ({method.setting('standard')}, "
            f"{(method.setting('boundary') or '').replace('_', '-')}, GWP {method.setting('gwp')}) for the functional "
            f"unit {p.functional_unit or '1 unit'}: {dec(p.total)} kgCO2e per functional unit; figures per one "
            f"{pp.declared_unit} (declaredUnitAmount 1).")
    classifications = [*(pp.classifications or ()), *([f"urn:cpc:{pp.cpc}"] if pp.cpc else [])]
    return {"status": "Active", "companyName": pact.company_name, "companyIds": list(pact.company_ids),
            "productDescription": pp.description if pp.description is not None
            else f"{name} (footprint study per {p.functional_unit or 'unit'})",
            "productIds": list(pp.product_ids),
            **({"productClassifications": list(dict.fromkeys(classifications))} if classifications else {}),
            "productNameCompany": name,
            "comment": " ".join([text, *comment, *([pact.comment] if pact.comment else [])]), "pcf": pcf}


def _bom_mass(result, p, key, pact, problems) -> float | None:
    try:
        return input_mass(result, p).kg
    except NoInputMass as exc:
        problems.append(Diagnostic("pact", f"{key}: \"{BOM_MASS}\" cannot be computed: {exc}", pact.span(key),
                                   hint="give the mass from a document that states it"))
        return None


def _mass(result, p, pp: PactProduct, key, pact, missing, problems, comment: list[str]) -> float | None:
    """productMassPerDeclaredUnit (kg): fixed by the unit, or the case's, said where it comes from."""
    if pp.declared_unit in MASS_ONE:
        return 1.0
    if pp.declared_unit in MASS_ZERO:
        return 0.0
    given = pp.mass_per_declared_unit
    if given is None:
        missing(f"{key}.mass_per_declared_unit", key,
                f" (PACT v3: the product's mass in kg per {pp.declared_unit or 'declared unit'}, packaging excluded)")
        return None
    if given == BOM_MASS:
        if pp.declared_unit != "piece" or not (isinstance(pp.unitary_product_amount, float)
                                               and pp.unitary_product_amount == 1.0):
            problems.append(Diagnostic("pact", f"{key}.mass_per_declared_unit: \"{BOM_MASS}\" is the input mass of "
                                       "one product: it needs declared_unit \"piece\" with unitary_product_amount = 1",
                                       pact.span(f"{key}.mass_per_declared_unit")))
            return None
        kg = _bom_mass(result, p, key, pact, problems)
        if kg is not None:
            comment.append(f"productMassPerDeclaredUnit is the input mass of one product, {dec(kg)} kg (process scrap "
                           "included, packaging as the inventory has it): an upper bound of the product's mass.")
        return kg
    if pp.mass_per_declared_unit_source is None:
        missing(f"{key}.mass_per_declared_unit_source", f"{key}.mass_per_declared_unit",
                " (the document that states the mass)")
        return None
    comment.append(f"productMassPerDeclaredUnit {dec(given)} kg: {pp.mass_per_declared_unit_source}.")
    return given
