"""`pcf kb import pact FILE`: suppliers' PACT footprints as knowledge-base entries, with their own
sources written beside them, usable in a method like any factor."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pcf.analysis.explain import explain, render_tree
from pcf.cli import main
from pcf.core.errors import PcfError
from pcf.knowledge.imports import convert
from test_pact_v3 import ISSUE_148


def supplier_v3(product="ETH-98", value="0.8", start="2024-01-01T00:00:00Z", end="2025-01-01T00:00:00Z",
                status="Active", **more) -> dict:
    doc = json.loads(json.dumps(ISSUE_148))
    doc.update(companyName="Acme Chemicals", productNameCompany="Bioethanol 98", status=status,
               productIds=[f"urn:pact:acme.example:product-id:{product}"], **more)
    doc["pcf"].update(declaredUnitOfMeasurement="kilogram", productMassPerDeclaredUnit="1",
                      pcfExcludingBiogenicUptake=value, pcfIncludingBiogenicUptake=value, fossilGhgEmissions=value,
                      referencePeriodStart=start, referencePeriodEnd=end, geographyCountry="DE")
    for k in ("landManagementBiogenicCO2Emissions", "landManagementBiogenicCO2Removals", "biogenicCO2Uptake"):
        doc["pcf"].pop(k)
    return doc


SUPPLIER_V2 = {
    "id": "d9be4477-e351-45b3-acd9-e1da05e6f633", "specVersion": "2.3.0", "version": 1,
    "created": "2024-03-01T00:00:00Z", "status": "Active", "comment": "", "companyName": "Bolt Works",
    "companyIds": ["urn:pact:boltworks.example:company-id:7"], "productDescription": "M8 bolt",
    "productIds": ["urn:pact:boltworks.example:product-id:M8"], "productCategoryCpc": "4291",
    "productNameCompany": "M8 bolt",
    "pcf": {"declaredUnit": "kilogram", "unitaryProductAmount": "1", "pCfExcludingBiogenic": "3.1",
            "pCfIncludingBiogenic": "3.1", "fossilGhgEmissions": "3.1", "fossilCarbonContent": "0",
            "biogenicCarbonContent": "0", "characterizationFactors": "AR6", "ipccCharacterizationFactorsSources": ["AR6"],
            "crossSectoralStandardsUsed": ["ISO Standard 14067"], "boundaryProcessesDescription": "cradle to gate",
            "referencePeriodStart": "2023-01-01T00:00:00Z", "referencePeriodEnd": "2024-01-01T00:00:00Z",
            "exemptedEmissionsPercent": 0, "exemptedEmissionsDescription": "", "packagingEmissionsIncluded": False}}

METHOD = """method acme.bottle "a purchased material" {
  standard "ISO 14067:2018"
  boundary cradle_to_gate
  gwp AR6
  stage raw_material "materials"
  input ethanol : kg "bioethanol bought"
  input bolts : kg "bolts bought"
  emission bought "ethanol" in raw_material = ethanol * kb.supplier.acme_chemicals.eth_98
  emission fasteners "bolts" in raw_material = bolts * kb.supplier.bolt_works.m8
}
"""


def write(path: str, doc) -> Path:
    p = Path(path)
    p.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return p


def test_imported_footprints_are_factors_with_their_supplier_as_source(here, ws, capsys):
    write("acme.json", {"data": [supplier_v3()]})
    write("bolts.json", SUPPLIER_V2)
    case = Path("case")
    (case / "kb").mkdir(parents=True)
    assert main(["kb", "import", "pact", "acme.json", "-o", "case/kb/acme.toml"]) == 0
    assert main(["kb", "import", "pact", "bolts.json", "-o", "case/kb/bolts.toml"]) == 0
    capsys.readouterr()
    (case / "m.pcf").write_text(METHOD, encoding="utf-8")
    (case / "inventory.toml").write_text('[[product]]\nid = "B"\nfunctional_unit = "1 bottle"\n[product.inputs]\n'
                                         'ethanol = "0.5 kg"\nbolts = "0.02 kg"\n', encoding="utf-8")
    (case / "case.toml").write_text('method = "m.pcf"\ninventory = "inventory.toml"\ndata_year = 2024\n',
                                    encoding="utf-8")
    result = ws.run_case(case)
    (p,) = result.products
    # 0.5 kg x 0.8 kgCO2e/kg + 0.02 kg x 3.1 kgCO2e/kg = 0.4 + 0.062 = 0.462
    assert p.total == pytest.approx(0.462, rel=1e-12)
    text = render_tree(explain(result, "bought"))
    assert ("source: PACT ProductFootprint: Bioethanol 98 (urn:pact:acme.example:product-id:ETH-98), reference "
            "period 2024-01-01 to 2025-01-01 (Acme Chemicals (urn:pact:example.com:company-id:1), 2025-04-30)") in text
    # the v2 footprint: reference period 2023, valid three more years (to the end of 2026)
    e = result.kb.lookup("supplier.bolt_works.m8", 2024).entry
    assert (e.valid_from, e.valid_to, e.data_year, e.unit) == (2023, 2026, 2023, "kgCO2e/kg")
    assert "specVersion 2.3.0, version 1" in result.kb.sources[e.source].document


def test_reimport_is_byte_identical_and_overlaps_are_refused(here, capsys):
    write("acme.json", [supplier_v3(), supplier_v3(product="ETH-99", value="0.9")])
    first = convert("pact", Path("acme.json"), {})
    assert convert("pact", Path("acme.json"), {}) == first
    assert first.count("[[entry]]") == 2 and first.count("[source.") == 2
    write("two.json", [supplier_v3(), supplier_v3(value="0.7", start="2025-01-01T00:00:00Z",
                                                   end="2026-01-01T00:00:00Z")])
    with pytest.raises(PcfError) as exc:
        convert("pact", Path("two.json"), {})
    assert "two footprints of `supplier.acme_chemicals.eth_98` are valid in the same years (2024-2027 and " \
           "2025-2028)" in exc.value.diagnostics[0].message
    write("dep.json", [supplier_v3(), supplier_v3(value="0.7", status="Deprecated")])
    assert convert("pact", Path("dep.json"), {}).count("[[entry]]") == 1


def test_an_inconsistent_footprint_is_not_imported(here):
    write("bad.json", ISSUE_148)
    with pytest.raises(PcfError) as exc:
        convert("pact", Path("bad.json"), {})
    (d,) = exc.value.diagnostics
    assert d.code == "kb-import" and d.message.startswith("not imported: biogenic balance") and d.span.line == 22
