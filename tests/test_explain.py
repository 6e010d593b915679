"""`pcf explain`: every figure traced to its formula, inventory line and knowledge-base entry."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import pcf
from pcf.cli import main
from pcf.analysis.explain import explain, render_tree

ROOT = Path(__file__).resolve().parent.parent
SEED_003 = ROOT / "examples" / "seed-003-metering-box"


@pytest.fixture(scope="module")
def result():
    return pcf.Workspace.load().run_case(SEED_003)


def flatten(node):
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(n.children)


def test_the_total_reaches_every_leaf(result):
    (tree,) = explain(result)
    nodes = list(flatten(tree))
    by_name = {}
    for n in nodes:
        by_name.setdefault(n.name, n)
    cfp = by_name["kb.cn.electricity.cfp.national"]
    assert cfp.value == 0.5777 and cfp.unit == "kgCO2e/kWh"
    assert "电力碳足迹因子" in cfp.origin and "valid 2024" in cfp.origin and "no value for 2025" in cfp.origin
    assert by_name["kb.cn.fuel.gl2015.diesel.ncv"].value == pytest.approx(42.652)
    assert by_name["kb.cn.fuel.gl2015.natural_gas.ncv"].value == pytest.approx(389.31)
    rm = by_name["rm_electricity"]
    assert rm.value == pytest.approx(56.812) and rm.unit == "kWh"
    assert "seed-003-metering-box/inventory.toml:12" in rm.origin
    # the basis conversions are visible as declared steps
    conversions = [n for n in nodes if n.kind == "conversion"]
    assert conversions and all(n.name == "44/12" and "C -> CO2" in n.label for n in conversions)
    # stage values in the tree are the result's
    assert {c.name: c.value for c in tree.children} == result.products[0].stages


def test_explain_one_name_with_depth(capsys):
    assert main(["explain", str(SEED_003), "diesel_ef", "--depth", "1", "--json"]) == 0
    (tree,) = json.loads(capsys.readouterr().out)
    assert tree["name"] == "diesel_ef" and tree["value"] == pytest.approx(3.0959, abs=5e-5)
    assert tree["formula"].endswith("* 44/12")
    names = [c["name"] for c in tree["children"]]
    assert names[:3] == ["kb.cn.fuel.gl2015.diesel.ncv", "kb.cn.fuel.gl2015.diesel.carbon_content",
                         "kb.cn.fuel.gl2015.diesel.oxidation"]
    assert all("children" not in c for c in tree["children"])


def test_explain_unknown_name_is_a_user_error(capsys):
    assert main(["explain", str(SEED_003), "diesel_eff"]) == 1
    assert "did you mean `diesel_ef`" in capsys.readouterr().err


def test_explain_seed_004_period_products(result):
    r = pcf.Workspace.load().run_case(ROOT / "examples" / "seed-004-distribution-units")
    trees = explain(r, "road_transport")
    assert [t.name for t in trees] == ["road_transport", "road_transport"]
    assert "legs" in [c.name for c in trees[0].children]


def test_golden_explain_text(result, golden):
    golden("explain/seed-003-total.txt", render_tree(explain(result)) + "\n")
