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
    factors.diesel_ef = "0.0726 tCO2/GJ"  # a `let` of the method, as the report prints it

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

A case reads only files inside its folder and the method library: paths are confined. The
method library is `library.py`; the [reported] and [audit] tables are read by `reported.py`,
the [pact] table's schema is `pactcase.py`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from ..core.errors import Diagnostic, PcfError, did_you_mean
from ..core.source import display_path
from ..core.years import is_year
from ..exchange.pactcase import PactInfo, read_pact_table
from ..files.inputfile import checked
from ..files.tomlfile import MAX_TOML_BYTES, read_toml
from ..language.library import DEFAULT_METHODS_DIR, find_method, inside, is_kind
from .inventory import Inventory, load_inventory
from .study import Study, read_study
from .reported import AuditOptions, PrintedRow, ReportedFigure, read_audit, read_printed_rows, read_reported

CASE_KEYS = {"title", "method", "inventory", "data_year", "reported", "note", "source", "pact", "audit",
             "scenarios", "across", "kb", "factor_notes", "study"}


@dataclass(frozen=True)
class Case:
    dir: str
    title: str | None
    method_path: Path
    inventory: Inventory
    data_year: int | None
    reported: tuple[ReportedFigure, ...]
    source: Mapping[str, str]
    pact: PactInfo | None = None     # the [pact] table, for `pcf export --format pact`
    audit: AuditOptions = AuditOptions()   # [audit]: inputs exact or rounded
    scenarios: tuple = ()                  # [scenarios.<name>]: evaluation.scenario.Scenario
    rows: tuple[PrintedRow, ...] = ()      # [reported.<id>.rows]: table rows as a report printed them
    across: tuple = ()                     # [across.<name>]: checks.across.AcrossFigure
    kb: tuple[Path, ...] = ()              # `kb = [...]`: knowledge-base layers the case names (layers.py)
    study: Study = field(default_factory=Study)   # [study]: what the report states (study.py)
    factor_notes: Mapping[str, str] = field(default_factory=dict)  # [factor_notes]: sources of typed factors (checks/literals.py)


def load_case(case_dir: Path, library: Path = DEFAULT_METHODS_DIR) -> Case:
    case_dir = Path(case_dir)
    toml_path = case_dir / "case.toml"
    if not toml_path.is_file():
        raise PcfError([Diagnostic("case", f"not a case folder: {display_path(case_dir)} has no case.toml",
                                   None, path=display_path(case_dir))])
    if not inside(toml_path, case_dir):
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
    if year is not None and not is_year(year):
        problems.append(doc.error("case", "data_year", f"data_year must be a year, found {year!r}"))
        year = None
    if problems:
        raise PcfError(problems)
    method_path = find_method(d["method"], case_dir, library, doc.span("method"), near=case_dir)
    inv_path = (case_dir / d["inventory"]).resolve()
    if not inside(inv_path, case_dir):
        raise PcfError([doc.error("case", "inventory", "the inventory must be a file inside the case folder")])
    if not (is_kind(inv_path, "file") or (is_kind(inv_path, "dir") and inv_path != case_dir.resolve())):
        raise PcfError([doc.error("case", "inventory", f"no file `{d['inventory']}` in the case folder")])
    inventory = load_inventory(inv_path)
    reported = read_reported(doc, inventory, problems)
    rows = read_printed_rows(doc, inventory, problems)
    from ..checks.across import read_across
    across = read_across(doc, [p.id for p in inventory.products], problems)
    pact = read_pact_table(doc, inventory, problems) if "pact" in d else None
    options = read_audit(doc, problems)
    from ..evaluation.scenario import read_case_scenarios
    scenarios = read_case_scenarios(doc, problems)
    kb = _kb_layers(doc, case_dir, problems)
    study = read_study(doc, problems)
    notes = d.get("factor_notes", {})
    if not isinstance(notes, dict) or not all(isinstance(v, str) and v.strip() for v in notes.values()):
        problems.append(doc.error("case", "factor_notes", "[factor_notes] gives each typed factor's source as text: "
                                  "name = \"DESNZ 2023, waste disposal, landfill\""))
        notes = {}
    if problems:
        raise PcfError(problems)
    source = d.get("source") if isinstance(d.get("source"), dict) else {}
    return Case(str(case_dir), d.get("title"), method_path, inventory, year, tuple(reported),
                {str(k): str(v) for k, v in source.items()}, pact, options, scenarios, tuple(rows), across, kb, study,
                {str(k): v for k, v in notes.items()})


def _kb_layers(doc, case_dir: Path, problems: list[Diagnostic]) -> tuple[Path, ...]:
    """`kb = "factors"` or a list: folders of the case, or of its project (a parent at most
    PROJECT_LEVELS up), laid over the library in the order given."""
    from ..knowledge.layers import PROJECT_LEVELS
    raw = doc.data.get("kb")
    if raw is None:
        return ()
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not all(isinstance(x, str) and x.strip() for x in items):
        problems.append(doc.error("case", "kb", "`kb` names knowledge-base folders: \"factors\" or "
                                  "[\"../company-kb\", \"kb-2024\"]"))
        return ()
    root = case_dir.resolve()
    project = root.parents[PROJECT_LEVELS - 1] if len(root.parents) >= PROJECT_LEVELS else root.parents[-1]
    out = []
    for rel in items:
        key = "kb"
        path = (case_dir / rel).resolve()
        if not inside(path, project):
            problems.append(doc.error("case", key, f"`{rel}` is outside the case's project (the case folder and "
                                      f"{PROJECT_LEVELS} parents up)", "keep the company's factors beside the cases"))
        elif not is_kind(path, "dir"):
            problems.append(doc.error("case", key, f"no folder `{rel}` beside case.toml",
                                      "a layer is a folder of kb TOML files (sources.toml optional)"))
        else:
            out.append(path)
    return tuple(out)
