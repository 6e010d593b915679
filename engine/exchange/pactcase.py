"""The [pact] table of case.toml: the data owner's side of a PACT ProductFootprint, checked
when the case is read (types only) and used by `pact.py` for the export."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Mapping

from ..core.errors import Diagnostic, did_you_mean
from ..core.source import Span
from ..files.tomlfile import TomlDoc
from ..inputs.inventory import Inventory

# --- [pact]: the data owner's side of a PACT ProductFootprint ---------------------------------
#
# Only the types of the keys given are checked here, so that `pcf run` is not held up by an
# unfinished table; which keys a PACT export requires is decided by `pact.py`, which names each
# missing one. Every key: (kind, an example line for hints).

DECLARED_UNITS_V2 = ("liter", "kilogram", "cubic meter", "kilowatt hour", "megajoule", "ton kilometer",
                     "square meter")
DECLARED_UNITS = DECLARED_UNITS_V2 + ("piece", "hour", "megabit second")   # v3 adds these
BOM_MASS = "bom-mass"
COMPUTED = "computed"   # primary_data_share, dqr: from the graph (pactquality.py)
# RFC 8141: urn:<NID>:<NSS>, the NSS in URI path characters (no spaces, no raw non-ASCII).
URN_RE = re.compile(r"^[Uu][Rr][Nn]:[A-Za-z0-9][A-Za-z0-9-]{0,30}[A-Za-z0-9]:"
                    r"(?:[A-Za-z0-9._~!$&'()*+,;=:@/-]|%[0-9A-Fa-f]{2})+$")
DQR_KEYS = ("technological", "geographical", "temporal")   # PACT v3: ratings 1 (best) to 5
DQI_KEYS = {"coverage_percent": (0, 100), "technological": (1, 3), "temporal": (1, 3), "geographical": (1, 3),
            "completeness": (1, 3), "reliability": (1, 3)}
PACT_KEYS = {
    "company_name": ("text", 'company_name = "<the data owner, as registered>"'),
    "company_ids": ("urns", 'company_ids = ["urn:pact:company:customcode:vendor-assigned:<unified social credit code>"]'),
    "geography_country": ("country", 'geography_country = "CN"'),
    "packaging_emissions_included": ("bool", "packaging_emissions_included = false"),
    "comment": ("string", 'comment = "..."'),
    "version": ("version", "version = 0"),
    "products": ("products", "[pact.products.<product id>]"),
}
PACT_PRODUCT_KEYS = {
    "product_ids": ("urns", 'product_ids = ["urn:pathfinder:product:customcode:vendor-assigned:<model>"]'),
    "name": ("text", 'name = "<trade name of the product>"'),
    "description": ("string", 'description = "<what the product is, its technology, packaging>"'),
    "cpc": ("cpc", 'cpc = "<UN CPC v2.1 code>"'),
    "declared_unit": ("unit", 'declared_unit = "kilogram"'),
    "unitary_product_amount": ("amount", 'unitary_product_amount = "bom-mass"'),
    "unitary_product_amount_source": ("text", 'unitary_product_amount_source = "<where the amount is stated>"'),
    "primary_data_share": ("percent", 'primary_data_share = 35.0   # or "computed"'),
    "primary_data_share_source": ("text", 'primary_data_share_source = "<how the share was assessed>"'),
    "dqi": ("dqi", "dqi = { coverage_percent = 95, technological = 2, temporal = 2, geographical = 2, "
                   "completeness = 2, reliability = 2 }"),
    "dqi_source": ("text", 'dqi_source = "<who rated the data quality, against PACT Table 9>"'),
    "exempted_emissions_percent": ("exempted", "exempted_emissions_percent = 1.5"),
    "exempted_emissions_description": ("string", 'exempted_emissions_description = "<what was left out, why>"'),
    "dqr": ("dqr", 'dqr = { technological = 2, geographical = 1.5, temporal = 3 }   # or "computed"'),  # v3, 1..5
    "mass_per_declared_unit": ("mass", "mass_per_declared_unit = 12.5"),      # kg, packaging excluded (v3)
    "mass_per_declared_unit_source": ("text", 'mass_per_declared_unit_source = "<the document stating the net mass>"'),
    "classifications": ("urns", 'classifications = ["urn:pact:cas.org:substance-number:13463-67-7"]'),
    "fossil_carbon_content": ("nonneg", "fossil_carbon_content = 0.12"),     # kgC per declared unit
    "biogenic_carbon_content": ("nonneg", "biogenic_carbon_content = 0.0"),
}


@dataclass(frozen=True)
class PactProduct:
    """`[pact.products.<id>]`: one product's identity and the figures only its owner knows."""
    id: str
    product_ids: tuple[str, ...] | None = None
    name: str | None = None
    description: str | None = None
    cpc: str | None = None
    declared_unit: str | None = None
    unitary_product_amount: float | str | None = None   # declared units per product, or "bom-mass"
    unitary_product_amount_source: str | None = None
    primary_data_share: float | str | None = None        # percent, or "computed"
    primary_data_share_source: str | None = None
    dqi: Mapping[str, float] | None = None
    dqi_source: str | None = None
    exempted_emissions_percent: float | None = None
    exempted_emissions_description: str | None = None
    fossil_carbon_content: float | None = None
    biogenic_carbon_content: float | None = None
    dqr: Mapping[str, float] | str | None = None          # v3 ratings, or "computed"
    mass_per_declared_unit: float | str | None = None     # kg per declared unit, or "bom-mass" (v3)
    mass_per_declared_unit_source: str | None = None
    classifications: tuple[str, ...] | None = None        # v3 productClassifications besides the CPC


@dataclass(frozen=True)
class PactInfo:
    """`[pact]`: the data owner (company, ids, country) and a table per product."""
    company_name: str | None
    company_ids: tuple[str, ...] | None
    geography_country: str | None
    packaging_emissions_included: bool | None
    comment: str | None
    version: int | None
    products: Mapping[str, PactProduct]
    doc: TomlDoc = field(repr=False, compare=False)

    def span(self, key: str) -> Span:
        """Where `key` (a path under [pact]) is written, or the nearest table that is."""
        return self.doc.span(key)


def read_pact_table(doc: TomlDoc, inventory: Inventory, problems: list[Diagnostic]) -> PactInfo | None:
    raw = doc.data.get("pact")
    if not isinstance(raw, dict):
        problems.append(doc.error("case", "pact", "`pact` is a table: [pact]", PACT_KEYS["company_name"][1]))
        return None
    top = _pact_values(doc, "pact", raw, {k: v for k, v in PACT_KEYS.items() if k != "products"}, problems)
    products: dict[str, PactProduct] = {}
    raw_products = raw.get("products", {})
    ids = [p.id for p in inventory.products]
    if not isinstance(raw_products, dict):
        problems.append(doc.error("case", "pact.products", "a table per product id: [pact.products.<id>]"))
        raw_products = {}
    for pid, table in raw_products.items():
        key = f"pact.products.{pid}"
        if pid not in ids:
            problems.append(doc.error("case", key, f"no product `{pid}` in the inventory", did_you_mean(pid, ids)))
            continue
        if not isinstance(table, dict):
            problems.append(doc.error("case", key, f"a table: [{key}]"))
            continue
        products[pid] = PactProduct(pid, **_pact_values(doc, key, table, PACT_PRODUCT_KEYS, problems))
    return PactInfo(top.get("company_name"), top.get("company_ids"), top.get("geography_country"),
                    top.get("packaging_emissions_included"), top.get("comment"), top.get("version"),
                    products, doc)


def _pact_values(doc: TomlDoc, prefix: str, raw: dict, keys: dict, problems: list[Diagnostic]) -> dict:
    out = {}
    for k, v in raw.items():
        key = f"{prefix}.{k}"
        if k not in keys:
            if not (prefix == "pact" and k == "products"):
                problems.append(doc.error("case", key, "unknown key", did_you_mean(k, keys)
                                          or f"one of {', '.join(sorted(keys))}"))
            continue
        kind, example = keys[k]
        value, expected = _pact_value(kind, v)
        if expected:
            problems.append(doc.error("case", key, f"expected {expected}, found {_shown(v)}", f"e.g. `{example}`"))
        else:
            out[k] = value
    return out


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _pact_value(kind: str, v) -> tuple[object, str | None]:
    """(the value to keep, None) or (None, what was expected)."""
    if kind in ("text", "string"):
        ok = isinstance(v, str) and (kind == "string" or v.strip())
        return (v, None) if ok else (None, "a non-empty text" if kind == "text" else "a text")
    if kind == "urns":
        if not isinstance(v, list) or not v or not all(isinstance(x, str) and URN_RE.match(x) for x in v):
            return None, "a non-empty list of URNs (RFC 8141: urn:<namespace>:<id>, ASCII, no spaces)"
        if len(set(v)) != len(v):
            return None, "a list of URNs without duplicates"
        return tuple(v), None
    if kind == "country":
        ok = isinstance(v, str) and re.fullmatch(r"[A-Z]{2}", v)
        return (v, None) if ok else (None, "an ISO 3166-1 alpha-2 country code such as \"CN\"")
    if kind == "bool":
        return (v, None) if isinstance(v, bool) else (None, "true or false")
    if kind == "version":
        ok = isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2 ** 31
        return (v, None) if ok else (None, "an integer from 0 to 2147483647")
    if kind == "cpc":
        ok = isinstance(v, str) and re.fullmatch(r"[0-9]{1,5}", v)
        return (v, None) if ok else (None, "a UN CPC v2.1 code as a quoted string of 1 to 5 digits")
    if kind == "unit":
        ok = v in DECLARED_UNITS
        return (v, None) if ok else (None, "a PACT declared unit: " + ", ".join(DECLARED_UNITS))
    if kind == "mass":
        if v == BOM_MASS or (_number(v) and v >= 0):
            return (v if v == BOM_MASS else float(v)), None
        return None, f'a mass in kg (0 or more), or "{BOM_MASS}"'
    if kind == "dqr":
        if v == COMPUTED:
            return v, None
        if isinstance(v, dict) and set(v) <= set(DQR_KEYS) and all(_number(x) and 1 <= x <= 5 for x in v.values()):
            return {k: float(x) for k, x in v.items()}, None
        return None, "a table of " + ", ".join(f"{k} (1..5)" for k in DQR_KEYS) + f', or "{COMPUTED}"'
    if kind == "amount":
        if v == BOM_MASS or (_number(v) and v > 0):
            return (v if v == BOM_MASS else float(v)), None
        return None, f'a number of declared units per product (greater than 0), or "{BOM_MASS}"'
    if kind == "percent" and v == COMPUTED:
        return v, None
    if kind in ("percent", "exempted", "nonneg"):
        top = {"percent": 100, "exempted": 100, "nonneg": math.inf}[kind]   # v2's 5 % bound: pact.py
        if _number(v) and 0 <= v <= top:
            return float(v), None
        return None, {"percent": f'a percentage from 0 to 100, or "{COMPUTED}"', "exempted": "a percentage from 0 to 100",
                      "nonneg": "a number of 0 or more"}[kind]
    if kind == "dqi":
        if isinstance(v, dict) and set(v) <= set(DQI_KEYS) and all(
                _number(x) and DQI_KEYS[k][0] <= x <= DQI_KEYS[k][1] for k, x in v.items()):
            return {k: float(x) for k, x in v.items()}, None
        return None, ("a table of " + ", ".join(f"{k} ({lo}..{hi})" for k, (lo, hi) in DQI_KEYS.items()))
    raise AssertionError(kind)


def _shown(v) -> str:
    text = repr(v) if not isinstance(v, bool) else str(v).lower()
    return text if len(text) <= 60 else text[:57] + "..."
