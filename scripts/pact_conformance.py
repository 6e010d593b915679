"""Validate pcf's PACT exports against the schemas derived from PACT's official OpenAPI files.

    .venv/bin/python scripts/pact_conformance.py --v3 path/to/spec/v3/openapi.yaml --v2 path/to/spec/v2/openapi.yaml

pcf does not ship the OpenAPI files (the WBCSD licence forbids sharing parts or derivatives of
the specification): fetch them from github.com/wbcsd/data-exchange-protocol (`spec/v3/openapi.yaml`,
`spec/v2/openapi.yaml`) and name them here. For every seed case the script makes a temporary copy
whose [pact] table gets test values for what the seed's report does not state (a primary data
share of 0, a product amount of 10 declared units, exempted emissions of 5 %: marked "test value",
never real data), exports it in v3 and v2, validates each ProductFootprint against the schema
derived in memory (engine/exchange/pactschema.py) and runs `pcf check` on the file. It prints one
row per seed and version; it exits 1 if any footprint fails. pcf writes v2 as 2.3.0 (the version
its v2 exporter was written for); the current v2 file is 2.3.3, which no longer lists PAS2050 and
wants a non-empty crossSectoralStandardsUsed: PAS 2050 footprints fail it, and are the reason to
exchange v3.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEST = {   # per seed and product: what its report leaves out, filled with test values
    "seed-000-sensors": {"sensor": ["amount", "share"]},
    "seed-001-screening-equipment": {"screening_equipment": ["share"]},
    "seed-002-feeder-terminal": {"PMF556": ["amount", "share"]},
    "seed-003-metering-box": {"BXS2": ["amount", "share"]},
    "seed-004-distribution-units": {"A": ["share", "exempted"], "B": ["share", "exempted"]},
}
LINES = {"amount": 'unitary_product_amount = 10.0\nunitary_product_amount_source = "test value"',
         "share": 'primary_data_share = 0.0\nprimary_data_share_source = "test value"',
         "exempted": 'exempted_emissions_percent = 5.0\nexempted_emissions_description = "test value"'}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--v3", type=Path, required=True, help="PACT spec/v3/openapi.yaml")
    ap.add_argument("--v2", type=Path, required=True, help="PACT spec/v2/openapi.yaml")
    args = ap.parse_args(argv)
    from jsonschema import Draft202012Validator

    from pcf.api import Workspace
    from pcf.core.errors import PcfError
    from pcf.exchange.pact import to_pact
    from pcf.exchange.pactcheck import check_file
    from pcf.exchange.pactschema import derive, load_openapi, spec_version
    ws = Workspace.load()
    specs = {3: load_openapi(args.v3), 2: load_openapi(args.v2)}
    validators = {v: Draft202012Validator(derive(doc), format_checker=Draft202012Validator.FORMAT_CHECKER)
                  for v, doc in specs.items()}
    created = datetime(2026, 1, 1, tzinfo=timezone.utc)
    failed = 0
    print(f"{'seed':<32} {'PACT':<7} {'footprints':>10}  schema errors  pcf check")
    with tempfile.TemporaryDirectory() as tmp:
        for seed, products in TEST.items():
            case = Path(tmp) / seed
            shutil.copytree(ROOT / "examples" / seed, case)
            text = (case / "case.toml").read_text(encoding="utf-8")
            for pid, keys in products.items():
                head = f"[pact.products.{pid}]\n"
                text = text.replace(head, head + "\n".join(LINES[k] for k in keys) + "\n", 1)
            (case / "case.toml").write_text(text, encoding="utf-8")
            result = ws.run_case(case)
            for version in (3, 2):
                try:
                    docs = to_pact(result, created, version).documents
                except PcfError as exc:   # v2 asks for more than v3 for some periods (dqi from 2025)
                    print(f"{seed:<32} {spec_version(specs[version]):<7} {'refused':>10}  "
                          f"{exc.diagnostics[0].message[:70]}")
                    continue
                errors = [e for d in docs for e in validators[version].iter_errors(d)]
                out = Path(tmp) / f"{seed}-v{version}.json"
                out.write_text(json.dumps(list(docs), ensure_ascii=False), encoding="utf-8")
                found = [d for d in check_file(out) if not d.message.startswith("warning: ")]
                failed += bool(errors or found)
                print(f"{seed:<32} {spec_version(specs[version]):<7} {len(docs):>10}  {len(errors):>13}  "
                      f"{'ok' if not found else f'{len(found)} problem(s)'}")
                for e in errors[:5]:
                    print(f"    {'/'.join(map(str, e.absolute_path))}: {e.message}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
