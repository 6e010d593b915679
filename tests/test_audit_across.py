"""Figures printed across products (issue 18): `[across.<name>]` with sum, mean, difference and
ratio of products' figures, audited against the computed intervals."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pcf.cli import main
from pcf.core.errors import PcfError

ROOT = Path(__file__).resolve().parents[1]
SEED_004 = ROOT / "examples" / "seed-004-distribution-units"


def case_with(tmp: Path, across: str) -> Path:
    case = shutil.copytree(SEED_004, tmp / "seed-004")
    with (case / "case.toml").open("a", encoding="utf-8") as f:
        f.write("\n" + across)
    return case


# seed 004, computed: A 11.0502 per unit x 10 567 = 116 767.88, B 3.3928 x 328 = 1112.85 kgCO2e a year
# (tests/test_seeds pins them); A / B = 3.2570; production shares 5.6088 % and 18.2675 %, mean 11.94 %
CLEAN = '''[across.grand_total]
value = "117880.73 kgCO2e"
of = "sum(A.yearly_total, B.yearly_total)"

[across.a_over_b]
value = "3.26"
of = "ratio(A.total, B.total)"

[across.gap]
value = "7.66 kgCO2e"
of = "difference(A.total, B.total)"

[across.mean_production_share]
value = "11.94 %"
of = "mean(A.shares.production, B.shares.production)"
'''


def test_figures_across_products_are_audited(ws, tmp_path):
    r = ws.run_case(case_with(tmp_path, CLEAN))
    assert not [f for f in r.findings if f.where.startswith("across.")]
    p = {x.id: x for x in r.products}
    # the hand figures the printed values are rounded from
    assert p["A"].yearly_total + p["B"].yearly_total == pytest.approx(117880.73, abs=0.01)
    assert p["A"].total / p["B"].total == pytest.approx(3.257, abs=5e-4)
    assert (p["A"].shares["production"] + p["B"].shares["production"]) / 2 == pytest.approx(0.1194, abs=5e-5)


def test_a_wrong_figure_across_products_is_a_mismatch(ws, tmp_path):
    across = '[across.grand_total]\nvalue = "74980.73 kgCO2e"\nof = "sum(A.yearly_total, B.yearly_total)"\n' \
             'where = "summary"\n'
    r = ws.run_case(case_with(tmp_path, across))
    (f,) = [f for f in r.findings if f.where == "across.grand_total"]
    # 117 880.73 computed: 74 980.73 is 36.4 % below
    assert f.severity == "error" and "computed 117880.73" in f.message and "(-36.4 %)" in f.message
    assert "[summary]" in f.message


@pytest.mark.parametrize("across, says", [
    ('[across.x]\nvalue = "1 kgCO2e"\nof = "sum(A.total, C.total)"\n', "no product `C`"),
    ('[across.x]\nvalue = "1 kgCO2e"\nof = "add(A.total, B.total)"\n', "unknown function `add`"),
    ('[across.x]\nvalue = "1 kgCO2e"\nof = "ratio(A.total)"\n', "`ratio` takes two operands"),
    ('[across.x]\nvalue = "1 kgCO2e"\nof = "sum(A.totl, B.total)"\n', "`A.totl`: not a figure"),
    ('[across.x]\nvalue = "1 kgCO2e"\nof = "sum(A.stages.transport, B.total)"\n', "is not a figure of product"),
    ('[across.x]\nvalue = "1 kWh"\nof = "sum(A.total, B.total)"\n', "kWh is not a mass of CO2e"),
    ('[across.x]\nvalue = "many"\nof = "sum(A.total, B.total)"\n', "the printed figure with its unit"),
])
def test_misdeclared_figures_across_products_are_errors_with_their_place(ws, tmp_path, across, says):
    with pytest.raises(PcfError) as e:
        ws.run_case(case_with(tmp_path, across))
    (d,) = e.value.diagnostics
    assert says in d.message and d.span is not None and d.span.path.endswith("case.toml"), d.message


def test_pcf_audit_shows_figures_across_products(tmp_path, capsys):
    case = case_with(tmp_path, CLEAN)
    assert main(["audit", str(case), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    across = {f["figure"]: f for f in doc["figures"] if f["product"] == "*"}
    assert across["across.grand_total"]["verdict"] in ("consistent", "edge")
    assert across["across.a_over_b"]["printed"] == "3.26"


def test_the_docs_examples_of_rows_and_across_are_clean_on_seed_004(ws, tmp_path):
    """docs/language.md: the [reported.A.rows] and [across] examples parse and audit as described."""
    doc = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    rows = doc.split("### Printed table rows", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    across = doc.split("### Figures across products", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    case = shutil.copytree(SEED_004, tmp_path / "seed-004")
    text = (case / "case.toml").read_text(encoding="utf-8").split("[reported.A.rows]")[0]
    (case / "case.toml").write_text(text + rows + "\n" + across, encoding="utf-8")
    r = ws.run_case(case)
    mine = [f for f in r.findings if f.where.startswith(("across.", "products.A.rows"))]
    # the first printed row is one of the three transposed legs; the second, and the figures across, agree
    assert [f.where for f in mine] == ["products.A.rows.legs[0]"]
    assert "[slip `rows-paired-wrongly`]" in mine[0].message
