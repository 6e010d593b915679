"""`pcf check FOOTPRINT.json`: a received PACT footprint, checked before anyone uses it.

Published footprints are not always right: PACT's own v3 example 6 prints
pcfIncludingBiogenicUptake 1.63 where its pcfExcludingBiogenicUptake 1.85 and biogenicCO2Uptake
-1.5 give 0.35 (github.com/wbcsd/data-exchange-protocol issue 148). Checked, each problem at its
line and column in the file:

- **the schema**, when the official OpenAPI file of the version is given (`--pact-spec`; pcf
  does not ship it, pactschema.py says why); without it, what pcf's own reading of the data model
  needs: the required properties, decimals written as decimal strings (v3), the declared unit;
- **the biogenic balance** (v3): pcfIncludingBiogenicUptake = pcfExcludingBiogenicUptake +
  biogenicCO2Uptake, within the rounding of the printed digits (half a unit of the last digit of
  each figure) - an error;
- **the parts of pcfExcludingBiogenicUptake** (v3): fossil, land-use change, land-management
  biogenic CO2 emissions and removals, technological removals, CCS capture and biogenic non-CO2
  emissions, blanks counted as 0; a warning only when they miss the total under both readings of
  landManagementFossilGhgEmissions (inside fossilGhgEmissions, or beside it), since the
  specification's text allows both;
- **periods** in order (reference, validity); **shares** in range (exempted: 0-100 in v3, at most
  5 in v2; primary data 0-100; data-quality ratings 1-5 in v3, 1-3 in v2);
- **the declared unit against the mass**: 1 kg per kilogram, 0 for energy, transport and service
  units, more than 0 for a piece (v3).

The outcome is a list of `Diagnostic`s: errors make `pcf check` exit 1, warnings do not.
"""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from ..core.errors import Diagnostic
from .pactread import Received, parse_time, read_footprints

REQUIRED_V3 = ("id", "specVersion", "created", "status", "companyName", "companyIds", "productDescription",
               "productIds", "productNameCompany", "pcf")
REQUIRED_PCF_V3 = ("declaredUnitOfMeasurement", "declaredUnitAmount", "productMassPerDeclaredUnit",
                   "referencePeriodStart", "referencePeriodEnd", "pcfExcludingBiogenicUptake",
                   "pcfIncludingBiogenicUptake", "fossilGhgEmissions", "fossilCarbonContent",
                   "ipccCharacterizationFactors", "crossSectoralStandards", "exemptedEmissionsPercent")
REQUIRED_V2 = ("id", "specVersion", "version", "created", "status", "comment", "companyName", "companyIds",
               "productDescription", "productIds", "productCategoryCpc", "productNameCompany", "pcf")
REQUIRED_PCF_V2 = ("declaredUnit", "unitaryProductAmount", "referencePeriodStart", "referencePeriodEnd",
                   "pCfExcludingBiogenic", "fossilGhgEmissions", "fossilCarbonContent", "biogenicCarbonContent",
                   "characterizationFactors", "ipccCharacterizationFactorsSources", "crossSectoralStandardsUsed",
                   "boundaryProcessesDescription", "exemptedEmissionsPercent", "exemptedEmissionsDescription",
                   "packagingEmissionsIncluded")
UNITS_V3 = ("liter", "kilogram", "cubic meter", "kilowatt hour", "megajoule", "ton kilometer", "square meter",
            "piece", "hour", "megabit second")
UNITS_V2 = UNITS_V3[:7]
NO_MASS = ("kilowatt hour", "megajoule", "ton kilometer", "hour", "megabit second")
# v3 figures that are decimal strings (kgCO2e or kgC per declared unit, percentages, ratings)
DECIMALS_V3 = ("declaredUnitAmount", "productMassPerDeclaredUnit", "pcfExcludingBiogenicUptake",
               "pcfIncludingBiogenicUptake", "fossilCarbonContent", "biogenicCarbonContent", "recycledCarbonContent",
               "fossilGhgEmissions", "landUseChangeGhgEmissions", "landCarbonLeakage",
               "landManagementFossilGhgEmissions", "landManagementBiogenicCO2Emissions",
               "landManagementBiogenicCO2Removals", "biogenicCO2Uptake", "biogenicNonCO2Emissions",
               "landAreaOccupation", "aircraftGhgEmissions", "packagingGhgEmissions", "packagingBiogenicCarbonContent",
               "outboundLogisticsGhgEmissions", "ccsTechnologicalCO2Capture", "technologicalCO2Removals",
               "ccuCarbonContent", "exemptedEmissionsPercent", "primaryDataShare")
_DECIMAL = re.compile(r"[+-]?\d+(\.\d+)?")
PARTS_V3 = ("fossilGhgEmissions", "landUseChangeGhgEmissions", "landManagementBiogenicCO2Emissions",
            "landManagementBiogenicCO2Removals", "technologicalCO2Removals", "ccsTechnologicalCO2Capture",
            "biogenicNonCO2Emissions")


def check_file(path: Path, spec: Path | None = None) -> list[Diagnostic]:
    """Every problem of every footprint in `path` (errors and warnings, by position)."""
    return check_footprints(read_footprints(path), spec)


def check_footprints(footprints: list[Received], spec: Path | None = None) -> list[Diagnostic]:
    """Every problem of footprints already read (the importer reads the file once)."""
    out: list[Diagnostic] = []
    validators = {}
    for fp in footprints:
        if spec is not None:
            if fp.version not in validators:
                validators[fp.version] = _validator(spec, fp)
            out.extend(_schema(fp, validators[fp.version]))
        else:
            out.extend(_structure(fp))
        out.extend(_consistency(fp))
    return out


def _validator(spec: Path, fp: Received):
    from jsonschema import Draft202012Validator
    from .pactschema import derive, load_openapi, spec_version
    openapi = load_openapi(spec)
    major = spec_version(openapi).split(".")[0]
    if major != str(fp.version):
        from ..core.errors import PcfError
        raise PcfError([Diagnostic("pact-spec", f"the OpenAPI file is PACT {spec_version(openapi)}, the footprint "
                                   f"PACT {fp.get('specVersion')}", fp.span("specVersion"),
                                   hint="give the OpenAPI file of the footprint's version")])
    return Draft202012Validator(derive(openapi), format_checker=Draft202012Validator.FORMAT_CHECKER)


def _schema(fp: Received, validator) -> list[Diagnostic]:
    return [Diagnostic("pact-check", f"schema: {'/'.join(map(str, e.absolute_path)) or 'the footprint'}: "
                       f"{_short(e.message)}", fp.span(*e.absolute_path)) for e in validator.iter_errors(fp.doc)]


def _structure(fp: Received) -> list[Diagnostic]:
    out = []
    top, inner = (REQUIRED_V3, REQUIRED_PCF_V3) if fp.version == 3 else (REQUIRED_V2, REQUIRED_PCF_V2)
    for k in top:
        if k not in fp.doc:
            out.append(Diagnostic("pact-check", f"`{k}` is missing (required)", fp.span()))
    pcf = fp.get("pcf")
    if not isinstance(pcf, dict):
        return out + [Diagnostic("pact-check", "`pcf` is not an object", fp.span("pcf"))]
    for k in inner:
        if k not in pcf:
            out.append(Diagnostic("pact-check", f"pcf.{k} is missing (required)", fp.span("pcf")))
    unit_key = "declaredUnitOfMeasurement" if fp.version == 3 else "declaredUnit"
    units = UNITS_V3 if fp.version == 3 else UNITS_V2
    if unit_key in pcf and pcf[unit_key] not in units:
        out.append(Diagnostic("pact-check", f"pcf.{unit_key} {pcf[unit_key]!r} is not a PACT {fp.version} declared unit",
                              fp.span("pcf", unit_key), hint="one of " + ", ".join(units)))
    if fp.version == 3:
        for k in DECIMALS_V3:
            v = pcf.get(k)
            if v is not None and not (isinstance(v, str) and _is_decimal(v)):
                out.append(Diagnostic("pact-check", f"pcf.{k}: a v3 decimal is a string of digits, found {v!r}",
                                      fp.span("pcf", k), hint=f'"{v}"' if isinstance(v, (int, float)) else None))
    return out


def _consistency(fp: Received) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    if fp.version == 3:
        excl, incl = fp.decimal("pcf", "pcfExcludingBiogenicUptake"), fp.decimal("pcf", "pcfIncludingBiogenicUptake")
        uptake = fp.decimal("pcf", "biogenicCO2Uptake") or Decimal(0)
        if excl is not None and incl is not None:
            tol = _half(fp, "pcfExcludingBiogenicUptake") + _half(fp, "pcfIncludingBiogenicUptake") + \
                _half(fp, "biogenicCO2Uptake")
            if abs(incl - (excl + uptake)) > tol:
                out.append(Diagnostic(
                    "pact-check", f"biogenic balance: pcfIncludingBiogenicUptake {incl} is not pcfExcludingBiogenicUptake "
                    f"{excl} + biogenicCO2Uptake {uptake} = {excl + uptake}", fp.span("pcf", "pcfIncludingBiogenicUptake"),
                    hint="PACT v3: the PCF including biogenic CO2 uptake is the PCF excluding it plus the uptake "
                         "(a negative figure)"))
        parts = [fp.decimal("pcf", k) for k in PARTS_V3]
        if excl is not None and parts[0] is not None:
            total = sum((p or Decimal(0)) for p in parts)
            lm_fossil = fp.decimal("pcf", "landManagementFossilGhgEmissions") or Decimal(0)
            tol = _half(fp, "pcfExcludingBiogenicUptake") + sum(_half(fp, k) for k in PARTS_V3) + \
                _half(fp, "landManagementFossilGhgEmissions")
            if abs(excl - total) > tol and abs(excl - total - lm_fossil) > tol:
                given = ", ".join(f"{k} {p}" for k, p in zip(PARTS_V3, parts) if p is not None)
                out.append(Diagnostic(
                    "pact-check", f"warning: pcfExcludingBiogenicUptake {excl} is not the sum of its parts ({given}; "
                    f"blanks as 0): {total}" + (f", or {total + lm_fossil} with landManagementFossilGhgEmissions"
                                                 if lm_fossil else ""),
                    fp.span("pcf", "pcfExcludingBiogenicUptake")))
    out.extend(_periods(fp))
    out.extend(_ranges(fp))
    if fp.version == 3:
        out.extend(_mass(fp))
    return out


def _periods(fp: Received) -> list[Diagnostic]:
    out = []
    for where, a, b in ((("pcf",), "referencePeriodStart", "referencePeriodEnd"),
                        ((), "validityPeriodStart", "validityPeriodEnd")):
        start, end = parse_time(fp.get(*where, a)), parse_time(fp.get(*where, b))
        if start is not None and end is not None and not start < end:
            out.append(Diagnostic("pact-check", f"{b} {fp.get(*where, b)} is not after {a} {fp.get(*where, a)}",
                                  fp.span(*where, b)))
    return out


def _ranges(fp: Received) -> list[Diagnostic]:
    out = []
    top = Decimal(100) if fp.version == 3 else Decimal(5)
    checks = [("exemptedEmissionsPercent", Decimal(0), top), ("primaryDataShare", Decimal(0), Decimal(100))]
    if fp.version == 3:
        checks += [(("dqi", k), Decimal(1), Decimal(5)) for k in ("technologicalDQR", "geographicalDQR", "temporalDQR")]
    else:
        checks += [(("dqi", k), Decimal(1), Decimal(3)) for k in ("technologicalDQR", "temporalDQR", "geographicalDQR",
                                                                  "completenessDQR", "reliabilityDQR")]
    for key, lo, hi in checks:
        keys = key if isinstance(key, tuple) else (key,)
        v = fp.decimal("pcf", *keys)
        if v is not None and not lo <= v <= hi:
            out.append(Diagnostic("pact-check", f"pcf.{'.'.join(keys)} {v} is outside {lo}-{hi} (PACT {fp.version})",
                                  fp.span("pcf", *keys)))
    return out


def _mass(fp: Received) -> list[Diagnostic]:
    unit, mass = fp.get("pcf", "declaredUnitOfMeasurement"), fp.decimal("pcf", "productMassPerDeclaredUnit")
    amount = fp.decimal("pcf", "declaredUnitAmount") or Decimal(1)
    where = fp.span("pcf", "productMassPerDeclaredUnit")
    if mass is None:
        return []
    if unit == "kilogram" and mass not in (Decimal(1), amount):
        return [Diagnostic("pact-check", f"warning: productMassPerDeclaredUnit {mass} for the declared unit kilogram "
                           "(a kilogram of product weighs 1 kg)", where)]
    if unit in NO_MASS and mass != 0:
        return [Diagnostic("pact-check", f"warning: productMassPerDeclaredUnit {mass} for the declared unit {unit}: "
                           "PACT v3 asks for 0 where the mass is not relevant (energy, logistics, service)", where)]
    if unit == "piece" and mass <= 0:
        return [Diagnostic("pact-check", f"productMassPerDeclaredUnit {mass} for the declared unit piece: PACT v3 asks "
                           "for the mass of the pieces", where)]
    return []


def _half(fp: Received, key: str) -> Decimal:
    """Half a unit of the last printed digit of pcf.<key> (0 when the figure is absent)."""
    v = fp.get("pcf", key)
    if v is None or isinstance(v, bool):
        return Decimal(0)
    d = fp.decimal("pcf", key)
    if d is None:
        return Decimal(0)
    exp = d.as_tuple().exponent
    return Decimal(5).scaleb(exp - 1) if isinstance(exp, int) else Decimal(0)


def _is_decimal(s: str) -> bool:
    return _DECIMAL.fullmatch(s) is not None



def _short(message: str) -> str:
    return message if len(message) <= 160 else message[:157] + "..."
