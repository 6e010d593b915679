"""Case folders: `case.toml` names the method, the inventory, the data year and the
figures a published report printed.

    title = "..."
    method = "gbt24067.electrical"      # a method id from methods/, or a .pcf file in the case
    inventory = "inventory.toml"
    data_year = 2025

    [reported.BXS2]                      # per product id
    total = "64.2254 kgCO2e"             # per functional unit, as printed (keep the digits)
    yearly_total = "..."                 # the period total
    stages.raw_material = "52.6015 kgCO2e"
    shares.raw_material = "81.90 %"
    lines.rm_transport = { value = "0.0012 kgCO2e", where = "table 4.2.1" }
    lines.rm_power = { value = "30.0699 kgCO2e", exact = true }      # printed without rounding
    lines.eol_gas = { value = "0.08 kgCO2e", precision = "0.05" }    # printed to the nearest 0.05
    factors.diesel_ef = "0.0726 tCO2/GJ"  # a `let` of the method, as the report prints it
    inputs.rm_electricity = "56.8120 kWh" # an input as printed, against the inventory

    [audit]
    inputs = "rounded"                   # or "exact": the printed inputs are the values used

    [pact]                               # what a PACT export needs beyond the result (pact.py)
    company_name = "..."
    company_ids = ["urn:pact:company:customcode:vendor-assigned:<code>"]
    geography_country = "CN"
    packaging_emissions_included = false

    [pact.products.BXS2]
    product_ids = ["urn:pathfinder:product:customcode:vendor-assigned:BXS2"]
    cpc = "462"
    declared_unit = "kilogram"
    unitary_product_amount = "bom-mass" # or a number of declared units per product, with
                                         # unitary_product_amount_source = "..."

A case reads only files inside its folder and the method library: paths are confined.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from .errors import Diagnostic, PcfError, did_you_mean
from .inputfile import checked
from .inventory import Inventory, load_inventory
from .reported import AuditOptions, ReportedFigure, read_audit, read_reported  # noqa: F401 (re-exported)
from .source import Span, display_path
from .tomlfile import MAX_TOML_BYTES, TomlDoc, read_toml

DEFAULT_METHODS_DIR = Path(__file__).resolve().parent.parent / "methods"
CASE_KEYS = {"title", "method", "inventory", "data_year", "reported", "note", "source", "pact", "audit"}
# Leading blanks within the line only: `^\s*` crossed line ends, so every line start of a run of
# blank lines rescanned the rest of the run (quadratic in a library file); the first match is the same.
_METHOD_ID = re.compile(r"^[^\S\n]*method\s+([a-z0-9_]+(?:\.[a-z0-9_]+)*)", re.M)


@dataclass(frozen=True)
class Case:
    dir: str
    title: str | None
    method_path: Path
    inventory: Inventory
    data_year: int | None
    reported: tuple[ReportedFigure, ...]
    source: Mapping[str, str]
    pact: "PactInfo | None" = None     # the [pact] table, for `pcf export --format pact`
    audit: AuditOptions = AuditOptions()


def find_method(ref: str, case_dir: Path | None = None, library: Path = DEFAULT_METHODS_DIR,
                span: Span | None = None) -> Path:
    """A method by id (from the library) or by path (inside the case folder or the library)."""
    if ref.endswith(".pcf") or "/" in ref:
        bases = [b for b in (case_dir, library) if b is not None]
        for base in bases:
            p = (base / ref).resolve()
            if _is(p, "file") and any(_inside(p, b) for b in bases):
                return p
        outside = any(not _inside((b / ref).resolve(), b) for b in bases)
        raise PcfError([Diagnostic("method-not-found", f"no method file `{ref}`"
                                   + (" inside the case folder or the method library" if outside else ""),
                                   span)])
    ids = method_ids(library)
    if ref in ids:
        return ids[ref]
    raise PcfError([Diagnostic("method-not-found", f"no method with id `{ref}` in {display_path(library)}",
                               span, hint=did_you_mean(ref, ids))])


def method_ids(library: Path = DEFAULT_METHODS_DIR) -> dict[str, Path]:
    out = {}
    for p in sorted(Path(library).rglob("*.pcf")):
        try:
            m = _METHOD_ID.search(p.read_text(encoding="utf-8-sig", errors="replace"))
        except OSError:
            continue
        if m:
            out.setdefault(m.group(1), p.resolve())
    return out


def _is(p: Path, kind: str) -> bool:
    """`p.is_file()` / `p.is_dir()`, false for a path the system refuses (a name too long ...)."""
    try:
        return p.is_file() if kind == "file" else p.is_dir()
    except OSError:
        return False


def _inside(p: Path, base: Path) -> bool:
    try:
        p.resolve().relative_to(base.resolve())
        return True
    except ValueError:
        return False


def load_case(case_dir: Path, library: Path = DEFAULT_METHODS_DIR) -> Case:
    case_dir = Path(case_dir)
    toml_path = case_dir / "case.toml"
    if not toml_path.is_file():
        raise PcfError([Diagnostic("case", f"not a case folder: {display_path(case_dir)} has no case.toml",
                                   None, path=display_path(case_dir))])
    if not _inside(toml_path, case_dir):
        raise PcfError([Diagnostic("case", "case.toml is a link to a file outside the case folder; "
                                   "a case reads only files inside the case folder", None,
                                   path=display_path(toml_path))])
    checked(toml_path, case_dir, MAX_TOML_BYTES, "case.toml")
    doc = read_toml(toml_path)
    d = doc.data
    problems: list[Diagnostic] = []
    for k in sorted(set(d) - CASE_KEYS):
        problems.append(doc.error("case", k, "unknown key", did_you_mean(k, CASE_KEYS)))
    for k in ("method", "inventory"):
        if not isinstance(d.get(k), str):
            problems.append(doc.error("case", k, f"`{k}` is required (a string)"))
    year = d.get("data_year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2200):
        problems.append(doc.error("case", "data_year", f"data_year must be a year, found {year!r}"))
        year = None
    if problems:
        raise PcfError(problems)
    method_path = find_method(d["method"], case_dir, library, doc.span("method"))
    inv_path = (case_dir / d["inventory"]).resolve()
    if not _inside(inv_path, case_dir):
        raise PcfError([doc.error("case", "inventory", "the inventory must be a file inside the case folder")])
    if not (_is(inv_path, "file") or (_is(inv_path, "dir") and inv_path != case_dir.resolve())):
        raise PcfError([doc.error("case", "inventory", f"no file `{d['inventory']}` in the case folder")])
    inventory = load_inventory(inv_path)
    reported = read_reported(doc, inventory, problems)
    pact = _pact(doc, inventory, problems) if "pact" in d else None
    options = read_audit(doc, problems)
    if problems:
        raise PcfError(problems)
    source = d.get("source") if isinstance(d.get("source"), dict) else {}
    return Case(str(case_dir), d.get("title"), method_path, inventory, year, tuple(reported),
                {str(k): str(v) for k, v in source.items()}, pact, options)


# --- [pact]: the data owner's side of a PACT ProductFootprint ---------------------------------
#
# Only the types of the keys given are checked here, so that `pcf run` is not held up by an
# unfinished table; which keys a PACT export requires is decided by `pact.py`, which names each
# missing one. Every key: (kind, an example line for hints).

DECLARED_UNITS = ("liter", "kilogram", "cubic meter", "kilowatt hour", "megajoule", "ton kilometer",
                  "square meter")
BOM_MASS = "bom-mass"
# RFC 8141: urn:<NID>:<NSS>, the NSS in URI path characters (no spaces, no raw non-ASCII).
URN_RE = re.compile(r"^[Uu][Rr][Nn]:[A-Za-z0-9][A-Za-z0-9-]{0,30}[A-Za-z0-9]:"
                    r"(?:[A-Za-z0-9._~!$&'()*+,;=:@/-]|%[0-9A-Fa-f]{2})+$")
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
    "primary_data_share": ("percent", "primary_data_share = 35.0"),
    "primary_data_share_source": ("text", 'primary_data_share_source = "<how the share was assessed>"'),
    "dqi": ("dqi", "dqi = { coverage_percent = 95, technological = 2, temporal = 2, geographical = 2, "
                   "completeness = 2, reliability = 2 }"),
    "dqi_source": ("text", 'dqi_source = "<who rated the data quality, against PACT Table 9>"'),
    "exempted_emissions_percent": ("exempted", "exempted_emissions_percent = 1.5"),
    "exempted_emissions_description": ("string", 'exempted_emissions_description = "<what was left out, why>"'),
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
    primary_data_share: float | None = None
    primary_data_share_source: str | None = None
    dqi: Mapping[str, float] | None = None
    dqi_source: str | None = None
    exempted_emissions_percent: float | None = None
    exempted_emissions_description: str | None = None
    fossil_carbon_content: float | None = None
    biogenic_carbon_content: float | None = None


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


def _pact(doc: TomlDoc, inventory: Inventory, problems: list[Diagnostic]) -> PactInfo | None:
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
        return (v, None) if ok else (None, "a PACT v2 declared unit: " + ", ".join(DECLARED_UNITS))
    if kind == "amount":
        if v == BOM_MASS or (_number(v) and v > 0):
            return (v if v == BOM_MASS else float(v)), None
        return None, f'a number of declared units per product (greater than 0), or "{BOM_MASS}"'
    if kind in ("percent", "exempted", "nonneg"):
        top = {"percent": 100, "exempted": 5, "nonneg": math.inf}[kind]
        if _number(v) and 0 <= v <= top:
            return float(v), None
        return None, {"percent": "a percentage from 0 to 100", "exempted": "a percentage from 0 to 5 "
                      "(the PACT v2 bound)", "nonneg": "a number of 0 or more"}[kind]
    if kind == "dqi":
        if isinstance(v, dict) and set(v) <= set(DQI_KEYS) and all(
                _number(x) and DQI_KEYS[k][0] <= x <= DQI_KEYS[k][1] for k, x in v.items()):
            return {k: float(x) for k, x in v.items()}, None
        return None, ("a table of " + ", ".join(f"{k} ({lo}..{hi})" for k, (lo, hi) in DQI_KEYS.items()))
    raise AssertionError(kind)


def _shown(v) -> str:
    text = repr(v) if not isinstance(v, bool) else str(v).lower()
    return text if len(text) <= 60 else text[:57] + "..."
