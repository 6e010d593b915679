"""`pcf export --format pact`: PACT v2.3 ProductFootprints, checked against the JSON schema
written from the specification (engine/exchange/schemas/pact-v2-productfootprint.schema.json).

The seed reports do not state everything PACT requires (a product mass for seeds 000, 002 and
003, a primary data share or data-quality ratings for all, the emissions left out by seed 004):
their real export names each missing key. To check the document of every seed's method and
inventory against the schema, the tests complete a copy of each case with values marked as
test values (`TEST_VALUES`), never written into examples/.
"""
from __future__ import annotations

import json
import re
import shutil
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from pcf.cli import main
from pcf.exchange.pact import SCHEMA_PATH, SPEC_URL, SPEC_VERSION

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "examples").glob("seed-*"))
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
CREATED = "2026-01-01T00:00:00Z"
POSITIONED = re.compile(r"^[^\s:][^:\n]*:\d+:\d+: \S.* \[pact\]$")

# What each seed's report leaves out (the keys its real export names as missing).
GAPS = {
    "seed-000-sensors": {"sensor": ["unitary_product_amount", "primary_data_share (or dqi)"]},
    "seed-001-screening-equipment": {"screening_equipment": ["primary_data_share (or dqi)"]},
    "seed-002-feeder-terminal": {"PMF556": ["unitary_product_amount", "primary_data_share", "dqi"]},
    "seed-003-metering-box": {"BXS2": ["unitary_product_amount", "primary_data_share", "dqi"]},
    "seed-004-distribution-units": {"A": ["primary_data_share (or dqi)", "exempted_emissions_percent"],
                                    "B": ["primary_data_share (or dqi)", "exempted_emissions_percent"]},
}
# Test values for those keys: NOT from the reports.
TEST_VALUES = {
    "unitary_product_amount": 'unitary_product_amount = 10.0\nunitary_product_amount_source = "test value"',
    "primary_data_share (or dqi)": 'primary_data_share = 0.0\nprimary_data_share_source = "test value"',
    "primary_data_share": 'primary_data_share = 0.0\nprimary_data_share_source = "test value"',
    "dqi": 'dqi = { coverage_percent = 100, technological = 2, temporal = 1, geographical = 2, completeness = 2, '
           'reliability = 2 }\ndqi_source = "test value"',
    "exempted_emissions_percent": 'exempted_emissions_percent = 5.0\nexempted_emissions_description = "test value"',
}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def failing(capsys, *argv: str) -> list[str]:
    code, out, err = run(capsys, *argv)
    assert code == 1, (out, err)
    assert out == "" and "Traceback" not in err and "internal error" not in err
    return [line for line in err.splitlines() if not line.startswith(" ")]


def export(capsys, case, *more: str) -> list[dict]:
    code, out, err = run(capsys, "export", str(case), "--format", "pact", "--pact-version", "2", "--created", CREATED, *more)
    assert code == 0, err
    return json.loads(out)


def add_to_table(case: Path, header: str, lines: str) -> None:
    """Insert `lines` right under `[header]` in case.toml."""
    path = case / "case.toml"
    text = path.read_text(encoding="utf-8")
    assert f"[{header}]\n" in text, header
    path.write_text(text.replace(f"[{header}]\n", f"[{header}]\n{lines}\n", 1), encoding="utf-8")


def completed(seed: Path, tmp_path: Path, gaps: dict = GAPS) -> Path:
    """A copy of `seed` whose [pact] gets the test values for what the report leaves out."""
    case = tmp_path / seed.name
    shutil.copytree(seed, case)
    for pid, keys in gaps[seed.name].items():
        add_to_table(case, f"pact.products.{pid}", "\n".join(TEST_VALUES[k] for k in keys))
    return case


def valid(doc: dict) -> None:
    errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in VALIDATOR.iter_errors(doc)]
    assert not errors, errors
    for t in (doc["created"], doc["pcf"]["referencePeriodStart"], doc["pcf"]["referencePeriodEnd"]):
        assert datetime.fromisoformat(t.replace("Z", "+00:00")).utcoffset().total_seconds() == 0
    assert uuid.UUID(doc["id"]).version == 4


def test_the_schema_is_draft_2020_12_and_names_its_specification():
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SPEC_VERSION in SCHEMA["title"] and SPEC_URL in SCHEMA["description"]


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name)
def test_each_seed_names_what_its_report_leaves_out(seed, capsys):
    lines = failing(capsys, "export", str(seed), "--format", "pact", "--pact-version", "2")
    assert lines and all(POSITIONED.match(line) for line in lines), lines
    named = {(m.group(1), m.group(2)) for m in (re.search(r"pact\.products\.(\w+)\.(\S+(?: \(or dqi\))?): missing",
                                                          line) for line in lines) if m}
    assert named == {(pid, k) for pid, keys in GAPS[seed.name].items() for k in keys}, lines


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name)
def test_every_seed_export_validates_against_the_schema(seed, tmp_path, capsys):
    case = completed(seed, tmp_path)
    docs = export(capsys, case)
    assert main(["run", str(case), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [d["productNameCompany"] for d in docs] and len(docs) == len(result["products"])
    for doc, p in zip(docs, result["products"]):
        valid(doc)
        pcf = doc["pcf"]
        assert doc["specVersion"] == SPEC_VERSION and pcf["characterizationFactors"] == result["method"]["gwp"]
        # pCfExcludingBiogenic is the result's total per declared unit (no seed tags biogenic lines)
        assert float(pcf["pCfExcludingBiogenic"]) * float(pcf["unitaryProductAmount"]) == \
            pytest.approx(p["total"], rel=1e-12)
        assert pcf["pCfIncludingBiogenic"] == pcf["pCfExcludingBiogenic"] == pcf["fossilGhgEmissions"]


def test_seed_001_per_kilogram_by_hand(tmp_path, capsys):
    (doc,) = export(capsys, completed(ROOT / "examples" / "seed-001-screening-equipment", tmp_path))
    # 2023, 6401 sets: stainless steel 808.435 t x 6.8 tCO2e/t = 5497.358 t; in-plant diesel
    # 16.04 t x (42.652 GJ/t x 20.2 tC/TJ x 0.98 x 44/12) = 49.658 t; electricity 1328.92 MWh x
    # 0.5703 t/MWh = 757.883 t; total 6304.899 tCO2e = 984.99 kg per set. The input mass is the
    # stainless steel: 808 435 kg / 6401 = 126.298 kg per set, so per kg: 6304.899 / 808.435
    # = 7.7989 kgCO2e.
    diesel_ef = 42.652 * 20.2e-3 * 0.98 * 44 / 12
    total = 808.435 * 6.8 + 16.04 * diesel_ef + 1328.92 * 0.5703           # tCO2e in 2023
    assert float(doc["pcf"]["unitaryProductAmount"]) == pytest.approx(808435 / 6401, rel=1e-12)
    assert float(doc["pcf"]["pCfExcludingBiogenic"]) == pytest.approx(total / 808.435, rel=1e-9)
    assert float(doc["pcf"]["pCfExcludingBiogenic"]) == pytest.approx(7.7989, abs=5e-5)
    assert doc["pcf"]["crossSectoralStandards"] == ["PAS2050"] and doc["pcf"]["crossSectoralStandardsUsed"] == []
    assert "upper bound" in doc["comment"] and "biogenicAccountingMethodology" not in doc["pcf"]


def test_seed_004_per_kilogram_by_hand(tmp_path, capsys):
    a, b = export(capsys, completed(ROOT / "examples" / "seed-004-distribution-units", tmp_path))
    # The method's input mass is its cut-off rule's `inputs: legs.mass`, every material delivered:
    # A 65 + 25 + 18 + 13.5 + 36 + 18.9 + 13 + 104 + 36 + 9.3 + 60 + 75 + 10.4 + 3 + 18 + 48 = 553.1 t
    # for 10 567 units; B 2.82 + 0.06 + 0.204 + 2 = 5.084 t for 328 units (15.5 kg each).
    legs_a = [(65, 561), (25, 498), (18, 1262), (13.5, 1324), (36, 35.3), (18.9, 1043), (13, 1054), (104, 849),
              (36, 1225), (9.3, 1319), (60, 1326), (75, 1328), (10.4, 1048), (3, 1323), (18, 908), (48, 888)]
    legs_b = [(2.82, 914), (0.06, 1095), (0.204, 38), (2, 29.4)]
    # Yearly kgCO2e: materials (A aluminium 3 t x 14.3; B cable 4000 m x 0.14), road transport
    # t·km x 0.129, and the plant's 11.84044 MWh x 570.3 kg/MWh split by units produced.
    power = 11.84044 * 570.3
    total_a = 3000 * 14.3 + sum(m * d for m, d in legs_a) * 0.129 + power * 10567 / 10895
    total_b = 4000 * 0.14 + sum(m * d for m, d in legs_b) * 0.129 + power * 328 / 10895
    for doc, legs, total, n in ((a, legs_a, total_a, 10567), (b, legs_b, total_b, 328)):
        mass = sum(m for m, _ in legs) * 1000
        assert float(doc["pcf"]["unitaryProductAmount"]) == pytest.approx(mass / n, rel=1e-12)
        assert float(doc["pcf"]["pCfExcludingBiogenic"]) == pytest.approx(total / mass, rel=1e-9)
    assert float(b["pcf"]["unitaryProductAmount"]) == pytest.approx(15.5)
    assert "allocated on a physical basis" in a["pcf"]["allocationRulesDescription"]


def test_golden_seed_004(tmp_path, capsys, golden):
    case = completed(ROOT / "examples" / "seed-004-distribution-units", tmp_path)
    code, out, err = run(capsys, "export", str(case), "--format", "pact", "--pact-version", "2", "--created", CREATED)
    assert code == 0, err
    golden("pact/seed-004-distribution-units.json", out)


def test_reproducible_with_created_or_source_date_epoch(tmp_path, capsys, monkeypatch):
    case = completed(ROOT / "examples" / "seed-003-metering-box", tmp_path)
    one, two = tmp_path / "1.json", tmp_path / "2.json"
    assert main(["export", str(case), "--format", "pact", "--pact-version", "2", "--created", CREATED, "-o", str(one)]) == 0
    epoch = int(datetime(2026, 1, 1, tzinfo=timezone.utc).timestamp())
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch))
    assert main(["export", str(case), "--format", "pact", "--pact-version", "2", "-o", str(two)]) == 0
    assert one.read_bytes() == two.read_bytes()
    code, out, _ = run(capsys, "export", str(case), "--format", "pact", "--pact-version", "2")   # stdout: the same text
    assert code == 0 and out.encode("utf-8") == one.read_bytes()
    # The id is the content's: another `created` keeps it, another figure changes it.
    (later,) = export(capsys, case, "--created", "2027-06-30T12:00:00Z")
    (first,) = json.loads(one.read_text(encoding="utf-8"))
    assert later["id"] == first["id"] and later["created"] == "2027-06-30T12:00:00Z"
    add_to_table(case, "pact", "version = 1")
    (changed,) = export(capsys, case)
    assert changed["id"] != first["id"]


@pytest.mark.parametrize("argv, message", [
    (["--created", "yesterday"], "not an ISO 8601 time"),
    (["--created", "2026-01-01T08:00:00+08:00"], "in UTC"),
    (["--format", "csv", "--created", CREATED], "--format pact only"),
])
def test_created_is_checked(argv, message, capsys):
    argv = argv if "--format" in argv else ["--format", "pact", "--pact-version", "2", *argv]
    code, out, err = run(capsys, "export", str(SEEDS[0]), *argv)
    assert code == 2 and message in err and out == ""


def test_bad_source_date_epoch(capsys, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "soon")
    code, _, err = run(capsys, "export", str(SEEDS[0]), "--format", "pact", "--pact-version", "2")
    assert code == 2 and "SOURCE_DATE_EPOCH" in err


# --- a small case of its own: positions, the mass rule, refusals -----------------------------

METHOD = '''method t.m "T" {
  standard "ISO 14067:2018"
  boundary cradle_to_gate
  gwp AR5
  stage raw_material "原材料"
  stage production "生产"
  table materials "原材料" { mass : kg  factor : kgCO2e/kg }
  input electricity : kWh "用电"
  emission rm in raw_material = sum(m in materials: m.mass * m.factor)
  emission power in production = electricity * 0.5 kgCO2e/kWh
}
'''
INVENTORY = '''[[product]]
id = "p"
name = "Box"
functional_unit = "1 台"

[product.inputs]
electricity = "12 kWh"

[[product.materials]]
name = "steel"
mass = "3 kg"
factor = "2 kgCO2e/kg"
'''
CASE = 'method = "m.pcf"\ninventory = "inventory.toml"\ndata_year = 2024\n'
PACT = '''
[pact]
company_name = "T"
company_ids = ["urn:pact:company:customcode:vendor-assigned:t"]
geography_country = "CN"
packaging_emissions_included = false

[pact.products.p]
product_ids = ["urn:pathfinder:product:customcode:vendor-assigned:p"]
cpc = "462"
declared_unit = "kilogram"
unitary_product_amount = "bom-mass"
primary_data_share = 20.0
primary_data_share_source = "test value"
'''


def small_case(pact: str = PACT, method: str = METHOD, case: str = CASE) -> str:
    d = Path("case")
    d.mkdir(exist_ok=True)
    (d / "m.pcf").write_text(method, encoding="utf-8")
    (d / "inventory.toml").write_text(INVENTORY, encoding="utf-8")
    (d / "case.toml").write_text(case + pact, encoding="utf-8")
    return str(d)


def test_small_case_by_hand(here, capsys):
    (doc,) = export(capsys, small_case())
    valid(doc)
    # 3 kg x 2 kgCO2e/kg + 12 kWh x 0.5 kgCO2e/kWh = 12 kgCO2e per 台; input mass 3 kg: 4 per kg
    assert doc["pcf"]["unitaryProductAmount"] == "3.0"
    assert float(doc["pcf"]["pCfExcludingBiogenic"]) == pytest.approx(4.0, rel=1e-12)
    assert doc["pcf"]["biogenicAccountingMethodology"] == "ISO"
    assert doc["pcf"]["crossSectoralStandardsUsed"] == ["ISO Standard 14067"]


def test_no_pact_table(here, capsys):
    (line,) = failing(capsys, "export", small_case(pact=""), "--format", "pact", "--pact-version", "2")
    assert line.startswith("case/case.toml:1:1: no [pact] table") and POSITIONED.match(line)


def test_each_missing_key_is_named_where_its_table_is(here, capsys):
    pact = '\n[pact]\ncompany_name = "T"\n\n[pact.products.p]\ncpc = "462"\n'
    lines = failing(capsys, "export", small_case(pact=pact), "--format", "pact", "--pact-version", "2")
    assert all(POSITIONED.match(line) for line in lines), lines
    at = {re.search(r": (\S+(?: \(or dqi\))?): missing", l).group(1): l.split(": ")[0] for l in lines}
    assert at == {"pact.company_ids": "case/case.toml:5:1", "pact.geography_country": "case/case.toml:5:1",
                  "pact.packaging_emissions_included": "case/case.toml:5:1",
                  "pact.products.p.product_ids": "case/case.toml:8:1",
                  "pact.products.p.declared_unit": "case/case.toml:8:1",
                  "pact.products.p.unitary_product_amount": "case/case.toml:8:1",
                  "pact.products.p.primary_data_share (or dqi)": "case/case.toml:8:1"}, lines


def test_bad_values_are_case_errors_at_their_key(here, capsys):
    pact = PACT.replace('cpc = "462"', "cpc = 462").replace('"kilogram"', '"pieces"') \
        .replace('"urn:pact:company:customcode:vendor-assigned:t"', '"company t"')
    lines = failing(capsys, "export", small_case(pact=pact), "--format", "pact", "--pact-version", "2")
    assert [l.split(": ", 1)[0] for l in lines] == ["case/case.toml:7:1", "case/case.toml:13:1",
                                                    "case/case.toml:14:1"], lines
    assert all(l.endswith("[case]") for l in lines) and "pieces" in lines[2]


def test_a_v3_declared_unit_is_refused_by_v2(here, capsys):
    pact = PACT.replace('"kilogram"', '"piece"').replace('"bom-mass"', '1\nunitary_product_amount_source = "one piece"')
    (line,) = failing(capsys, "export", small_case(pact=pact), "--format", "pact", "--pact-version", "2")
    assert line.startswith("case/case.toml:14:1: pact.products.p.declared_unit: \"piece\" is a PACT v3 declared unit")


def test_number_amount_needs_its_source(here, capsys):
    pact = PACT.replace('"bom-mass"', "2.5")
    (line,) = failing(capsys, "export", small_case(pact=pact), "--format", "pact", "--pact-version", "2")
    assert line.startswith("case/case.toml:15:1: pact.products.p.unitary_product_amount_source: missing")
    (doc,) = export(capsys, small_case(pact=pact + 'unitary_product_amount_source = "datasheet"\n'))
    assert float(doc["pcf"]["pCfExcludingBiogenic"]) == pytest.approx(12 / 2.5) and "datasheet" in doc["comment"]


def test_bom_mass_without_material_lines(tmp_path, capsys):
    case = tmp_path / "c"
    shutil.copytree(ROOT / "examples" / "seed-003-metering-box", case)
    add_to_table(case, "pact.products.BXS2", 'unitary_product_amount = "bom-mass"')
    lines = failing(capsys, "export", str(case), "--format", "pact", "--pact-version", "2")
    (line,) = [l for l in lines if "bom-mass" in l]
    assert re.match(r"^\S+case\.toml:41:1: pact\.products\.BXS2\.unitary_product_amount: \"bom-mass\" cannot be "
                    r"computed: product `BXS2` has no material lines with a mass", line), line


def test_bom_mass_needs_kilograms(here, capsys):
    (line,) = failing(capsys, "export", small_case(pact=PACT.replace('"kilogram"', '"liter"')), "--format", "pact", "--pact-version", "2")
    assert line.startswith("case/case.toml:14:1:") and '"bom-mass" is a mass in kg' in line


def test_ar4_is_refused(here, capsys):
    (line,) = failing(capsys, "export", small_case(method=METHOD.replace("gwp AR5", "gwp AR4")), "--format", "pact", "--pact-version", "2")
    assert line.startswith("case/m.pcf:4:3: method `t.m` characterises with GWP set AR4: PACT v2 declares AR5 "
                           "or AR6"), line


def test_unknown_standard_is_refused(here, capsys):
    (line,) = failing(capsys, "export", small_case(method=METHOD.replace("ISO 14067:2018", "Company rules")),
                      "--format", "pact", "--pact-version", "2")
    assert line.startswith("case/m.pcf:2:3: standard `Company rules`") and "cross-sectoral" in line


def test_2025_needs_data_quality_and_a_biogenic_methodology(capsys):
    # Seed 003 under PAS 2050: a 2025 reference period needs biogenicAccountingMethodology,
    # which PAS 2050 has none of in PACT v2.
    lines = failing(capsys, "export", str(SEEDS[3]), "--method", "pas2050.electrical", "--format", "pact", "--pact-version", "2")
    assert any("methods/pas2050/electrical.pcf:5:12" in l and "no PACT biogenic accounting methodology" in l for l in lines), lines


def test_notes_say_what_the_export_assumes(here, capsys):
    code, _, err = run(capsys, "export", small_case(), "--format", "pact", "--pact-version", "2", "--created", CREATED)
    assert code == 0
    assert "note: p: unitaryProductAmount = input mass 3 kg" in err and "upper bound" in err
    assert "fossilCarbonContent, biogenicCarbonContent not given in [pact]: exported as 0" in err
