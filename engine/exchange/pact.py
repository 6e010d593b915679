"""PACT ProductFootprints of an evaluated case: `pcf export CASE --format pact [--pact-version 3|2]`.

Version 3 (3.0.3, the default since PACT deprecated v2.x on 2026-04-01) is pactv3.py; this
module checks the data owner's table for both and writes version 2. The v2 data model is that
of the WBCSD PACT Technical Specifications for PCF Data Exchange, version 2.3.0 (https://wbcsd.github.io/tr/2024/data-exchange-protocol-20241024/); the JSON
schema written from it is `schemas/pact-v2-productfootprint.schema.json`. The export is a
JSON array with one ProductFootprint per product of the case (wrap it as `{"data": [...]}`
for the body of a PACT ListFootprints response).

What the result gives (figures per declared unit, the boundary, the GWP set, the standard,
the reference period, the factor sources) is computed; what only the data owner knows
(company and product identifiers, the CPC category, the declared unit and the amount of it
in one product, primary data share and data quality ratings, exempted emissions) comes from
the `[pact]` table of case.toml (see `case.py`). A missing or unusable item is an error that
names it; nothing is guessed. Numbers are written as PACT Decimal strings at full float
precision, without exponents.

The document `id` must be a UUID v4. It is derived, not drawn: 122 bits of the SHA-256 of
the document without `id` and `created`, with the version and variant bits of a v4 UUID, so
that an unchanged footprint keeps its id. `created` is the time given (`--created`, or
SOURCE_DATE_EPOCH, or now): with it fixed, two exports are byte-identical.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Mapping

from ..checks.inputmass import NoInputMass, input_mass
from ..checks.rules import left_out_amounts
from ..core.errors import Diagnostic, PcfError
from ..core.source import Span, display_path
from ..evaluation.result import ProductResult, Result
from .pactcase import BOM_MASS, COMPUTED, DECLARED_UNITS_V2, DQI_KEYS, PACT_KEYS, PACT_PRODUCT_KEYS, PactInfo, PactProduct
from .pactdoc import dec, document
from .pactv3 import REQUIRED_PRODUCT as REQUIRED_PRODUCT_V3, SPEC_VERSION as SPEC_VERSION_V3, check_method, product_v3

SPEC_VERSION = "2.3.0"
SPEC_URL = "https://wbcsd.github.io/tr/2024/data-exchange-protocol-20241024/"
SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "pact-v2-productfootprint.schema.json"

# The method's `gwp` setting -> PACT characterization factors (v2 knows AR5 and AR6 only).
GWP = {"AR5": "AR5", "AR5_ccfb": "AR5", "AR6": "AR6"}
# Standard (prefix of the method's `standard`) -> (crossSectoralStandardsUsed (deprecated
# enumeration), crossSectoralStandards, biogenicAccountingMethodology or None).
# GB/T 24067-2024 draws on ISO 14067:2018 (the seed reports print "GB/T 24067-2024/ISO 14067:2018";
# no public source calls it an identical adoption) and v2's lists have no value of its own, so
# v2 names ISO 14067 (v3 names GB/T24067-2024, pactv3.py). PAS 2050 is not in the deprecated
# enumeration, whose set is then empty; it has no PACT biogenic accounting methodology.
STANDARDS = (
    ("ISO 14067", ("ISO Standard 14067",), ("ISO14067",), "ISO"),
    ("GB/T 24067", ("ISO Standard 14067",), ("ISO14067",), "ISO"),
    ("PAS 2050", (), ("PAS2050",), None),
    ("GHG Protocol Product", ("GHG Protocol Product standard",), ("GHGP Product",), None),
    ("ISO 14044", ("ISO Standard 14044",), ("ISO14040-44",), None),
)
REQUIRED = ("company_name", "company_ids", "geography_country", "packaging_emissions_included")
REQUIRED_PRODUCT = ("product_ids", "cpc", "declared_unit", "unitary_product_amount")
FULL_FROM = 2025   # reference periods reaching into 2025 or later: the O* properties are mandatory


@dataclass(frozen=True)
class PactExport:
    documents: tuple[dict, ...]     # one ProductFootprint per product
    notes: tuple[str, ...]          # what a reader of the export should know (printed on stderr)

    def to_json(self) -> str:
        return json.dumps(list(self.documents), ensure_ascii=False, indent=2) + "\n"


def created_time(option: str | None, environ: Mapping[str, str] = os.environ) -> datetime:
    """`--created` (ISO 8601, UTC), else SOURCE_DATE_EPOCH (seconds), else now; ValueError if malformed."""
    if option is not None:
        try:
            t = datetime.fromisoformat(option.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"--created: not an ISO 8601 time: {option!r} (e.g. 2026-01-01T00:00:00Z)") from None
        if t.tzinfo is None or t.utcoffset().total_seconds() != 0:
            raise ValueError(f"--created: give the time in UTC, ending in Z: {option!r}")
        return t.astimezone(timezone.utc).replace(microsecond=0)
    epoch = environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None:
        try:
            return datetime.fromtimestamp(int(epoch), timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise ValueError(f"SOURCE_DATE_EPOCH must be a number of seconds since 1970, found {epoch!r}") from None
    return datetime.now(timezone.utc).replace(microsecond=0)


def to_pact(result: Result, created: datetime, version: int = 3) -> PactExport:
    """The ProductFootprints of `result` (a case's result) in PACT `version` 3 (3.0.3, pactv3.py)
    or 2 (2.3.0), or a PcfError naming what is missing."""
    if version not in (2, 3):
        raise ValueError(f"PACT version {version}: pcf writes 3 and 2")
    case = result.case
    if case is None:
        raise PcfError([Diagnostic("pact", "a PACT export needs a case (case.toml with a [pact] table)", None,
                                   path="pcf")])
    toml = display_path(Path(case.dir) / "case.toml")
    pact: PactInfo | None = case.pact
    if pact is None:
        example = "; ".join(PACT_KEYS[k][1] for k in REQUIRED)
        raise PcfError([Diagnostic(
            "pact", f"no [pact] table: a PACT export needs {', '.join(REQUIRED)} and a "
            f"[pact.products.<id>] table per product ({', '.join(p.id for p in result.products)})",
            Span(toml, 1, 1), hint=f"add [pact] with {example}; then [pact.products.<id>] with "
            + "; ".join(PACT_PRODUCT_KEYS[k][1] for k in REQUIRED_PRODUCT))])
    problems: list[Diagnostic] = []

    def missing(key: str, where: str, why: str = "", example: str | None = None) -> None:
        name = key.rsplit(".", 1)[-1]
        ex = example or PACT_PRODUCT_KEYS.get(name, PACT_KEYS.get(name, ("", None)))[1]
        problems.append(Diagnostic("pact", f"{key}: missing{why}", pact.span(where),
                                   hint=f"add `{ex}`" if ex else None))

    method = result.plan.method
    if version == 3:
        gwp, mapped = check_method(result, problems, lambda key: _setting_span(method, key))
    else:
        gwp, mapped = _check_method_v2(result, problems)
    year = result.data_year
    if year is None:
        problems.append(Diagnostic("pact", "data_year: missing: the PACT reference period is the case's data "
                                   "year", pact.span("data_year"), hint="add `data_year = 2025` to case.toml"))
    for key in REQUIRED:
        if getattr(pact, key) is None:
            missing(f"pact.{key}", "pact")
    docs, notes = [], []
    for p in result.products:
        pp = pact.products.get(p.id)
        required = REQUIRED_PRODUCT if version == 2 else REQUIRED_PRODUCT_V3
        if pp is None:
            missing(f"pact.products.{p.id}", "pact.products", " (a table per product)",
                    f"[pact.products.{p.id}] with " + "; ".join(PACT_PRODUCT_KEYS[k][1] for k in required))
            continue
        pp = computed_quality(result, p, pp, version, pact, problems)
        if pp is None:
            continue
        if version == 2:
            doc = _product(result, p, pp, pact, gwp, mapped, year, missing, problems, notes)
        else:
            doc = _product_v3(result, p, pp, pact, gwp, mapped, year, missing, problems, notes)
        if doc is not None:
            docs.append((p.id, {"specVersion": SPEC_VERSION if version == 2 else SPEC_VERSION_V3, **doc}))
    if problems:
        raise PcfError(problems)
    errors = [f for f in result.findings if f.severity == "error"]
    if errors:
        notes.append(f"the case has {len(errors)} error finding(s) ({', '.join(sorted({f.code for f in errors}))}): "
                     "the export carries the computed figures; see `pcf run`")
    stamp = created.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    out = []
    for pid, d in docs:
        # The id is the content's: the product id and the document without `id` and `created`.
        digest = hashlib.sha256(json.dumps([pid, d], ensure_ascii=False, sort_keys=True).encode("utf-8")).digest()
        out.append({"id": str(_uuid4(digest)), **d, "created": stamp})
    return PactExport(tuple(_ordered(d) for d in out), tuple(notes))


def computed_quality(result: Result, p: ProductResult, pp: PactProduct, version: int, pact: PactInfo,
                     problems: list[Diagnostic]) -> PactProduct | None:
    """`pp` with "computed" shares and ratings replaced by their values (pactquality.py), or None."""
    from dataclasses import replace
    from .pactquality import primary_share, weighted_dqr
    key = f"pact.products.{p.id}"
    if pp.primary_data_share == COMPUTED:
        share, lines = primary_share(result, p)
        kept = [l for l in lines if l.primary]
        pp = replace(pp, primary_data_share=share, primary_data_share_source=(
            f"computed by pcf: lines whose factors are all primary data ({', '.join(l.name for l in kept) or 'none'}) "
            f"over all lines of the PCF excluding biogenic uptake; the rule: docs, guide-scripters, PACT"))
    if pp.dqr == COMPUTED and version == 3:
        ratings, missing = weighted_dqr(result, p)
        if ratings is None:
            problems.append(Diagnostic("pact", f"{key}.dqr: \"computed\" needs technological, geographical and temporal "
                                       f"ratings for every line in the inventory's [product.quality] (missing: "
                                       f"{', '.join(missing)})", pact.span(f"{key}.dqr"),
                                       hint=f"[product.quality] {missing[0]} = {{ technological = 2, geographical = 1, "
                                            "temporal = 3 }"))
            return None
        pp = replace(pp, dqr=ratings, dqi_source=pp.dqi_source or "weighted by pcf from the inventory's ratings per "
                     "line ([product.quality]), each line by its share of the emissions")
    elif pp.dqr == COMPUTED:
        pp = replace(pp, dqr=None)
    return pp


def _check_method_v2(result: Result, problems: list[Diagnostic]):
    method = result.plan.method
    gwp = GWP.get(method.setting("gwp") or "")
    if gwp is None:
        problems.append(Diagnostic("pact", f"method `{method.id}` characterises with GWP set "
                                   f"{method.setting('gwp')}: PACT v2 declares AR5 or AR6 characterization "
                                   "factors only", _setting_span(method, "gwp"),
                                   hint="export the case under a variant with `override gwp AR6` (--method)"))
    standard = method.setting("standard") or ""
    mapped = next((m for m in STANDARDS if standard.startswith(m[0])), None)
    if mapped is None:
        problems.append(Diagnostic("pact", f"standard `{standard}` of method `{method.id}` has no PACT "
                                   "cross-sectoral standard", _setting_span(method, "standard"),
                                   hint="PACT v2.3 knows " + ", ".join(m[0] for m in STANDARDS)))
    year = result.data_year
    if mapped is not None and mapped[3] is None and year is not None and year >= FULL_FROM:
        problems.append(Diagnostic("pact", f"standard `{standard}` has no PACT biogenic accounting methodology, "
                                   f"which PACT v2 requires for reference periods from {FULL_FROM} on",
                                   _setting_span(method, "standard"),
                                   hint="PACT v2.3 knows PEF, ISO (14067), GHGP and Quantis"))
    return gwp, mapped


ORDER = ("id", "specVersion", "version", "created", "status", "companyName", "companyIds", "productDescription",
         "productIds", "productClassifications", "productCategoryCpc", "productNameCompany", "comment", "pcf")


def _ordered(d: dict) -> dict:
    return {k: d[k] for k in ORDER if k in d}


def _uuid4(digest: bytes) -> uuid.UUID:
    b = bytearray(digest[:16])
    b[6] = (b[6] & 0x0F) | 0x40     # version 4
    b[8] = (b[8] & 0x3F) | 0x80     # RFC 4122 / 9562 variant
    return uuid.UUID(bytes=bytes(b))


def _setting_span(method, key: str) -> Span | None:
    return next((s.span for s in method.settings if s.key == key), method.span)


def _product(result: Result, p: ProductResult, pp: PactProduct, pact: PactInfo, gwp, mapped, year,
             missing, problems: list[Diagnostic], notes: list[str]) -> dict | None:
    key = f"pact.products.{p.id}"
    before = len(problems)
    inv = next(i for i in result.case.inventory.products if i.id == p.id)
    for k in REQUIRED_PRODUCT:
        if getattr(pp, k) is None and k == "unitary_product_amount":
            missing(f"{key}.{k}", key, f" (the amount of {pp.declared_unit or 'declared units'} in one product)",
                    f'{k} = "{BOM_MASS}"` for the input mass of the inventory, or the amount stated by a '
                    f'document with `unitary_product_amount_source = "..."')
        elif getattr(pp, k) is None:
            missing(f"{key}.{k}", key)
    name = pp.name or inv.name
    if not name:
        missing(f"{key}.name", key, " (the inventory gives no product name either)")
    if pp.declared_unit is not None and pp.declared_unit not in DECLARED_UNITS_V2:
        problems.append(Diagnostic("pact", f"{key}.declared_unit: \"{pp.declared_unit}\" is a PACT v3 declared unit; "
                                   "v2 knows " + ", ".join(DECLARED_UNITS_V2), pact.span(f"{key}.declared_unit"),
                                   hint="export PACT v3 (--pact-version 3)"))
    comment = []
    amount = pp.unitary_product_amount
    if isinstance(amount, float) and pp.unitary_product_amount_source is None:
        missing(f"{key}.unitary_product_amount_source", f"{key}.unitary_product_amount",
                " (say where the amount is stated)")
    elif isinstance(amount, float):
        comment.append(f"unitaryProductAmount {dec(amount)} {pp.declared_unit or ''}: "
                       f"{pp.unitary_product_amount_source}.")
    elif amount == BOM_MASS and pp.declared_unit not in (None, "kilogram"):
        problems.append(Diagnostic("pact", f"{key}.unitary_product_amount: \"{BOM_MASS}\" is a mass in kg: "
                                   f"declared_unit must be \"kilogram\", not {pp.declared_unit!r}",
                                   pact.span(f"{key}.declared_unit")))
    elif amount == BOM_MASS:
        try:
            m = input_mass(result, p)
        except NoInputMass as exc:
            problems.append(Diagnostic("pact", f"{key}.unitary_product_amount: \"{BOM_MASS}\" cannot be computed: "
                                       f"{exc}", pact.span(f"{key}.unitary_product_amount"),
                                       hint="give the product's mass from a document that states it: "
                                       "`unitary_product_amount = 12.5` with `unitary_product_amount_source = "
                                       "\"...\"`"))
        else:
            amount = m.kg
            parts = "; ".join(f"{what} {dec(v)} kg" for what, v in m.parts)
            comment.append(f"unitaryProductAmount is the input mass of one product, {dec(m.kg)} kg ({m.rule}: "
                           f"{parts}). Input mass includes process scrap: it is an upper bound of the product's "
                           "mass, and the footprint per kilogram a lower bound; pCfExcludingBiogenic x "
                           "unitaryProductAmount is the footprint of one product.")
            notes.append(f"{p.id}: unitaryProductAmount = input mass {m.kg:.6g} kg per {p.functional_unit or 'unit'} "
                         f"({m.rule}), an upper bound of the product's mass")
    share = pp.primary_data_share
    if share is not None and pp.primary_data_share_source is None:
        missing(f"{key}.primary_data_share_source", f"{key}.primary_data_share", " (say how the share was assessed)")
    if pp.dqi is not None and pp.dqi_source is None:
        missing(f"{key}.dqi_source", f"{key}.dqi", " (say who rated the data quality)")
    if year is not None and year >= FULL_FROM:
        why = f" (PACT v2 requires it for reference periods from {FULL_FROM} on)"
        if share is None:
            missing(f"{key}.primary_data_share", key, why)
        if pp.dqi is None or set(pp.dqi) != set(DQI_KEYS):
            missing(f"{key}.dqi" + (f" ({', '.join(k for k in DQI_KEYS if k not in pp.dqi)})" if pp.dqi else ""),
                    f"{key}.dqi" if pp.dqi else key, why, PACT_PRODUCT_KEYS["dqi"][1])
    elif share is None and not pp.dqi:
        missing(f"{key}.primary_data_share (or dqi)", key, ": PACT v2 requires at least one",
                f"{PACT_PRODUCT_KEYS['primary_data_share'][1]}` with `{PACT_PRODUCT_KEYS['primary_data_share_source'][1]}")
    exempted = _exempted(result, p, inv, pp, key, pact, problems)
    tags = {e.name: set(e.tags) for e in result.plan.method.emissions}
    if p.total - sum(l.value for l in p.lines if "biogenic" in tags[l.name]) < 0:
        problems.append(Diagnostic("pact", f"products.{p.id}: the footprint without biogenic lines is negative; "
                                   "PACT v2 requires pCfExcludingBiogenic >= 0", pact.span(key)))
    if isinstance(amount, float) and not math.isfinite(p.total / amount):
        problems.append(Diagnostic("pact", f"{key}.unitary_product_amount: {amount!r} is too small: the footprint "
                                   "per declared unit is not a finite number", pact.span(f"{key}.unitary_product_amount")))
    if len(problems) > before or gwp is None or mapped is None or year is None or not isinstance(amount, float):
        return None
    return document(result, p, pp, pact, name, amount, gwp, mapped, year, exempted, comment, notes)


def _product_v3(result: Result, p: ProductResult, pp: PactProduct, pact: PactInfo, gwp, standard, year,
                missing, problems: list[Diagnostic], notes: list[str]) -> dict | None:
    key = f"pact.products.{p.id}"
    before = len(problems)
    inv = next(i for i in result.case.inventory.products if i.id == p.id)
    for k in REQUIRED_PRODUCT_V3:
        if getattr(pp, k) is None:
            missing(f"{key}.{k}", key)
    name = pp.name or inv.name
    if not name:
        missing(f"{key}.name", key, " (the inventory gives no product name either)")
    exempted = _exempted(result, p, inv, pp, key, pact, problems, bound=None)
    if len(problems) > before or gwp is None or standard is None or year is None or exempted is None:
        return None
    return product_v3(result, p, pp, pact, name, gwp, standard, year, exempted, missing, problems, notes)


def _exempted(result, p, inv, pp: PactProduct, key, pact, problems, bound: float | None = 5.0
              ) -> tuple[float, str] | None:
    """(exemptedEmissionsPercent, exemptedEmissionsDescription), or None with a problem."""
    if pp.exempted_emissions_percent is not None:
        if bound is not None and pp.exempted_emissions_percent > bound:
            problems.append(Diagnostic("pact", f"{key}.exempted_emissions_percent: PACT v2 allows at most {bound:g} % "
                                       "exempted", pact.span(f"{key}.exempted_emissions_percent")))
            return None
        if not pp.exempted_emissions_description:
            problems.append(Diagnostic("pact", f"{key}.exempted_emissions_description: missing (say what was left "
                                       "out and why)", pact.span(f"{key}.exempted_emissions_percent"),
                                       hint=f"add `{PACT_PRODUCT_KEYS['exempted_emissions_description'][1]}`"))
            return None
        return pp.exempted_emissions_percent, pp.exempted_emissions_description
    if not inv.left_out:
        return 0.0, ""
    units = result.plan.units
    estimates = left_out_amounts(inv, units, "kgCO2e")
    if len(estimates) < len(inv.left_out):
        names = ", ".join(r.label or "?" for r in inv.left_out[:6]) + (" ..." if len(inv.left_out) > 6 else "")
        problems.append(Diagnostic(
            "pact", f"{key}.exempted_emissions_percent: missing: the inventory leaves out {len(inv.left_out)} "
            f"input(s) without an emission estimate ({names}), so the share of emissions exempted is not known",
            pact.span(key), hint="estimate it and add `exempted_emissions_percent = ...` with "
            "`exempted_emissions_description = \"...\"`, or give the left-out inputs factors"))
        return None
    left = sum(v for _, v, _ in estimates) / p.divisor
    percent = 100 * left / (p.total + left) if p.total + left else 0.0
    if bound is not None and percent > bound:
        problems.append(Diagnostic("pact", f"products.{p.id}: left-out inputs are {percent:.2f} % of the "
                                   f"emissions; PACT v2 allows at most {bound:g} % exempted", pact.span(key)))
        return None
    return percent, "left out (inventory `left_out`, estimated): " + ", ".join(n for n, _, _ in estimates)
