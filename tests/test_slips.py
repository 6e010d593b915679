"""The catalogue of slips (pcf.checks.slips.SLIPS): every entry planted into clean copies of two cases
is flagged with that entry named, and rounding-consistent reports of clean cases give no
finding at all (no false alarm, no named cause).

A planted figure is the engine's clean figure changed by the slip and printed with six
significant digits; a consistent figure is the clean figure of a case whose inputs lie
anywhere within their printed rounding, printed with 0 to 6 decimals. The `reported-inconsistent`
findings come from the printed-figure entries.
"""
from __future__ import annotations

import math
import random
import re
import shutil
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from pcf.checks.slips import SLIPS, Slip

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "examples"
FERTILISER = ROOT / "tests" / "fixtures" / "cases" / "fertiliser-n2o"


def gas_case(tmp: Path, gas: str, gwp: str, variant: int) -> Path:
    """A small case whose every line is N2O (given as N2O-N) or CH4, in one of two shapes."""
    unit, tail = ("kgN2O_N", " * 44/28 * kb.gwp.n2o") if gas == "n2o" else ("kgCH4", " * kb.gwp.ch4")
    if variant == 0:
        body = (f'  stage field "田间"\n  input area : ha\n  input rate : {unit}/ha\n'
                f'  emission e in field = area * rate{tail}\n')
        inputs = f'area = "12.5 ha"\nrate = "1.40 {unit}/ha"'
    else:
        body = (f'  stage a "阶段 a"\n  stage b "阶段 b"\n  input x : {unit}\n  input y : {unit}\n'
                f'  emission ea in a = x{tail}\n  emission eb in b = y{tail}\n')
        inputs = f'x = "3.70 {unit}"\ny = "1.30 {unit}"'
    tmp.mkdir(parents=True)
    (tmp / "m.pcf").write_text(f'method t.gas "Gas" {{\n  standard "ISO 14067:2018"\n  boundary cradle_to_gate\n'
                               f'  gwp {gwp}\n{body}}}\n', encoding="utf-8")
    (tmp / "inventory.toml").write_text(f'[[product]]\nid = "p"\n\n[product.inputs]\n{inputs}\n', encoding="utf-8")
    (tmp / "case.toml").write_text('method = "m.pcf"\ninventory = "inventory.toml"\ndata_year = 2024\n',
                                   encoding="utf-8")
    return tmp


def copy_case(src: Path, tmp: Path) -> Path:
    """A clean copy: the case's files with case.toml reduced to method, inventory and data year."""
    shutil.copytree(src, tmp)
    d = tomllib.loads((src / "case.toml").read_text(encoding="utf-8"))
    (tmp / "case.toml").write_text(f'method = "{d["method"]}"\ninventory = "{d["inventory"]}"\n'
                                   f'data_year = {d["data_year"]}\n', encoding="utf-8")
    return tmp


def cases_for(slip: Slip) -> list[tuple[str, object]]:
    """Two different cases in which the slip can occur."""
    if slip.gwp or "kgN2O_N" in slip.needs or "kgN2O" in slip.needs:
        gas = "ch4" if "kgCH4" in slip.needs else "n2o"
        return [(f"{gas}-{v}", (gas, slip.gwp or "AR4", v)) for v in (0, 1)]
    if "kgCH4" in slip.needs:
        return [(f"ch4-{v}", ("ch4", slip.gwp, v)) for v in (0, 1)]
    if "kgC" in slip.needs:
        return [(s, SEEDS / s) for s in ("seed-001-screening-equipment", "seed-003-metering-box")]
    if slip.kind in ("omit-line", "double-line"):
        return [(s, SEEDS / s) for s in ("seed-002-feeder-terminal", "seed-003-metering-box")]
    if slip.kind == "rows":   # cases with a table of two amount columns: supplier legs, a bill of materials
        return [(s, SEEDS / s) for s in ("seed-004-distribution-units", "worked-beverage")]
    return [(s, SEEDS / s) for s in ("seed-003-metering-box", "seed-004-distribution-units")]


def fmt(x: float, sig: int = 6) -> str:
    decimals = max(0, sig - 1 - math.floor(math.log10(abs(x)))) if x else 0
    return f"{x:.{decimals}f}"


def plant(slip: Slip, p) -> str:
    """The [reported.<id>] table of product `p` with `slip` planted, every other figure clean."""
    big = max(p.stages, key=lambda s: p.stages[s])
    kgs = lambda x: f'"{fmt(x)} kgCO2e"'   # noqa: E731
    stages = "".join(f"stages.{s} = {kgs(v)}\n" for s, v in p.stages.items())
    if slip.kind == "ratio":
        return f"total = {kgs(p.total * slip.ratio)}\n"
    if slip.kind == "quantity":
        return f"total = {kgs(p.total * p.quantity)}\n"
    if slip.kind == "per-quantity":
        return f"yearly_total = {kgs(p.total)}\n"
    if slip.kind == "omit-stage":
        return f"total = {kgs(p.total - p.stages[big])}\n"
    if slip.kind in ("omit-line", "double-line"):
        stage = next(s for s in p.stages if sum(1 for l in p.lines if l.stage == s and l.value) >= 2)
        line = max((l for l in p.lines if l.stage == stage), key=lambda l: l.value)
        sign = -1 if slip.kind == "omit-line" else 1
        return f"stages.{stage} = {kgs(p.stages[stage] + sign * line.value)}\n"
    if slip.kind == "rows":
        # rows 1 and 2 of the product's first table of amounts, printed with their first column swapped
        table, rows = next((t, rows) for t, rows in p.trace.product.tables.items() if len(rows) >= 2
                           and rows[0].cells and len(rows[0].cells) >= 2)
        cols = list(rows[0].cells)
        i, j = 0, next(k for k in range(1, len(rows)) if rows[k].cells[cols[0]].value != rows[0].cells[cols[0]].value
                       and rows[k].cells[cols[1]].value != rows[0].cells[cols[1]].value)
        def cell(row, col):
            a = row.cells[col]
            return f'{col} = "{a.text} {a.unit}"'
        first = f"{{ {cell(rows[j], cols[0])}, {cell(rows[i], cols[1])} }}"
        second = f"{{ {cell(rows[i], cols[0])}, {cell(rows[j], cols[1])} }}"
        return f"rows.{table} = [{first}, {second}]\n"
    if slip.name == "total-not-sum-of-parts":   # a total printed 0.4 % above the sum of its parts
        return f"total = {kgs(p.total * 1.004)}\n{stages}"
    if slip.name == "shares-not-100":
        return "".join(f'shares.{s} = "{v * 100 + (1.5 if s == big else 0):.2f} %"\n' for s, v in p.shares.items())
    if slip.name == "share-not-part-over-total":
        return f'total = {kgs(p.total)}\n{stages}shares.{big} = "{p.shares[big] * 97:.2f} %"\n'
    raise AssertionError(slip.name)


def clean(ws, tmp: Path, source) -> Path:
    return copy_case(source, tmp) if isinstance(source, Path) else gas_case(tmp, *source)


PLANTS = [(s, label, source) for s in SLIPS for label, source in cases_for(s)]


@pytest.mark.parametrize("slip, label, source", PLANTS, ids=[f"{s.name}@{lbl}" for s, lbl, _ in PLANTS])
def test_each_planted_slip_is_named(ws, tmp_path, slip, label, source):
    case = clean(ws, tmp_path / "case", source)
    p = ws.run_case(case).products[0]
    with (case / "case.toml").open("a", encoding="utf-8") as f:
        f.write(f"\n[reported.{p.id}]\n{plant(slip, p)}")
    found = [f for f in ws.run_case(case).findings if f.code in ("reported-mismatch", "reported-inconsistent")]
    assert found, slip.name
    assert any(f"[slip `{slip.name}`]" in f.message for f in found), [f.message for f in found]


def test_the_catalogue_is_well_formed():
    names = [s.name for s in SLIPS]
    assert len(names) == len(set(names))
    for s in SLIPS:
        assert s.description and s.kind and (s.ratio is not None) == (s.kind == "ratio")
    wanted = {"decimal-shift-up-1", "decimal-shift-down-4", "unit-t-as-kg", "unit-mwh-as-kwh", "unit-gj-as-mj",
              "unit-wan-dropped", "basis-co2-as-c", "basis-12-44-for-44-28", "gwp-n2o-ar5-for-ar4",
              "period-as-per-unit", "stage-left-out", "line-left-out", "total-not-sum-of-parts",
              "shares-not-100", "share-not-part-over-total"}
    assert wanted <= set(names)


# --- no false alarm -----------------------------------------------------------------------------

AMOUNT = re.compile(r'"(-?\d+(?:\.\d+)?) ([^"\d][^"]*)"')
CLEAN = ["seed-001-screening-equipment", "seed-003-metering-box", "seed-004-distribution-units"]


def perturbed(text: str, rnd: random.Random) -> str:
    """The inventory with every printed amount moved anywhere within its printed rounding."""
    def move(m: re.Match) -> str:
        digits = m.group(1)
        half = 0.5 * 10.0 ** -(len(digits.split(".")[1]) if "." in digits else 0)
        value = max(0.0, float(digits) + rnd.uniform(-half, half) * 0.999) if float(digits) else 0.0
        return f'"{value!r} {m.group(2)}"'
    return "\n".join(line if line.lstrip().startswith(("functional_unit", "name")) else AMOUNT.sub(move, line)
                     for line in text.split("\n"))


def printed(p, rnd: random.Random) -> str:
    """Every figure of product `p`, rounded from the exact value to 0-6 decimals (shares: 0-4)."""
    def r(x: float, unit: str, top: int = 6) -> str:
        return f'"{x:.{rnd.randint(0, top)}f} {unit}"'
    out = [f"total = {r(p.total, 'kgCO2e')}"]
    out += [f"stages.{s} = {r(v, 'kgCO2e')}" for s, v in p.stages.items()]
    out += [f"shares.{s} = {r(v * 100, '%', 4)}" for s, v in p.shares.items()]
    out += [f"lines.{l.name} = {r(l.value, 'kgCO2e')}" for l in p.lines]
    if p.quantity:
        out += [f"yearly_total = {r(p.total * p.quantity, 'kgCO2e')}"]
        out += [f"yearly_stages.{s} = {r(v * p.quantity, 'kgCO2e')}" for s, v in p.stages.items()]
    return "\n".join(out) + "\n"


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.sampled_from(CLEAN), salt=st.integers(0, 2 ** 32), exact=st.booleans())
def test_rounding_consistent_reports_raise_nothing(ws, tmp_path_factory, seed, salt, exact):
    """Rounded inputs: the report computed from any values within the printed inputs' rounding.
    Exact inputs (`[audit] inputs = "exact"`): from the printed inputs themselves."""
    rnd = random.Random(salt)
    tmp = tmp_path_factory.mktemp("clean")
    truth = copy_case(SEEDS / seed, tmp / "truth")
    inv = truth / "inventory.toml"
    if not exact:
        inv.write_text(perturbed(inv.read_text(encoding="utf-8"), rnd), encoding="utf-8")
    figures = ws.run_case(truth).products
    case = copy_case(SEEDS / seed, tmp / "case")
    with (case / "case.toml").open("a", encoding="utf-8") as f:
        f.write('\n[audit]\ninputs = "exact"\n' if exact else "")
        for p in figures:
            f.write(f"\n[reported.{p.id}]\n{printed(p, rnd)}")
    found = [f for f in ws.run_case(case).findings if f.code.startswith("reported") and f.severity == "error"]
    assert found == []


# --- documentation ------------------------------------------------------------------------------

def test_the_slips_page_lists_every_entry():
    from pcf.render.docs import all_pages
    page = all_pages()["slips.md"]
    for s in SLIPS:
        assert f"| `{s.name}` | {s.description} |" in page


def test_the_language_reference_example_of_printed_figures_is_a_clean_case(ws, tmp_path):
    """The [reported]/[audit] example of docs/language.md parses, and seed 003 agrees with it."""
    text = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    block = text.split("## Printed figures: [reported] and [audit]", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    case = copy_case(SEEDS / "seed-003-metering-box", tmp_path / "case")
    with (case / "case.toml").open("a", encoding="utf-8") as f:
        f.write("\n" + block)
    result = ws.run_case(case)
    kinds = {f.path.partition(".")[0] for f in result.case.reported}
    assert kinds == {"total", "yearly_total", "stages", "yearly_stages", "shares", "lines", "yearly_lines", "factors",
                     "inputs"}
    steps = {f.path: f.half_width for f in result.case.reported}
    assert steps["lines.production_fuel"] == 0 and steps["yearly_stages.production"] == 0.5
    assert [f for f in result.findings if f.code.startswith("reported")] == []
