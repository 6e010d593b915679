"""Compile once, evaluate many: the array program, the catalogue batch, and Dask partitions.

Every figure of the batch path is checked against the single-case path (`pcf run`), which
the seed tests pin to hand arithmetic; the wide-catalogue figures below are worked by hand.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import pcf
import strategies as gen
from pcf.analysis.batch import evaluate_catalogue, load_catalogue, stack, to_csv
from pcf.language.build import build_method
from pcf.cli import main
from pcf.core.keys import TABLE
from pcf.evaluation.lowering import _runs, compile_program
from pcf.evaluation.evaluate import bind, run
from pcf.language.format import format_method

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted(p for p in (ROOT / "examples").iterdir() if (p / "case.toml").is_file())
METHOD = "pas2050.production_energy"      # inputs: production_electricity [kWh], grid_factor [kgCO2/kWh]


def close(a, b, rel=1e-12):
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-300)


@pytest.mark.parametrize("case", SEEDS, ids=lambda p: p.name)
def test_batch_equals_single_case_on_every_seed(ws, case):
    result = ws.run_case(case)
    prog = compile_program(result.plan)
    cat = load_catalogue(Path(result.case.inventory.path), prog, ws.kb)
    batch = evaluate_catalogue(prog, cat)
    assert batch.ids == tuple(p.id for p in result.products)
    for j, p in enumerate(result.products):
        assert close(batch.total[j], p.total), (p.id, batch.total[j], p.total)
        for i, s in enumerate(result.plan.stage_ids):
            assert close(batch.stages[i, j], p.stages[s])
        for i, line in enumerate(p.lines):
            assert close(batch.lines[i, j], line.value)


@pytest.mark.parametrize("case", SEEDS, ids=lambda p: p.name)
def test_program_equals_interpreter_with_and_without_overrides(ws, case):
    """Folded constants (inventory-independent formulas computed once) and the full schedule
    (knowledge-base values passed as overrides) give the interpreter's node values."""
    result = ws.run_case(case)
    plan = result.plan
    prog = compile_program(plan)
    for p in result.case.inventory.products:
        b = bind(plan, p, ws.kb, "inv")
        expected = run(plan, b.values)
        tables = {k: v for k, v in b.values.items() if k.is_a(TABLE)}
        packed = prog.run(prog.pack(b.values), tables=tables)   # copies only the slots it does not write
        for V in (prog.run(b.values), prog.run(b.values, overrides=dict(plan.constants)), packed):
            for key in plan.order:
                assert close(float(prog.value(V, key)), expected[key]), key


def test_stage_sum_of_many_terms_is_one_instruction(ws, here):
    """A 2 000-term sum must not become a chain 2 000 deep: depth stays small, result exact."""
    terms = " + ".join(f"x{i}" for i in range(2000))
    inputs = "\n".join(f"  input x{i} : kWh" for i in range(2000))
    text = (f'method m {{\n  standard "ISO 14067:2018"\n  boundary gate_to_gate\n  gwp AR6\n  stage s\n{inputs}\n'
            f"  let all = {terms}\n  emission e in s = all * 0.5 kgCO2e/kWh\n}}\n")
    plan = ws.compile(build_method(text, "m.pcf"), 2024)
    prog = compile_program(plan)
    assert len(prog.live) <= 3
    values = {f"input:x{i}": i * 3.6e6 for i in range(2000)}     # base units: 1 kWh = 3.6e6 J
    V = prog.run(values)
    # sum 0..1999 = 1999 * 2000 / 2 = 1 999 000 kWh; x 0.5 = 999 500 kgCO2e
    assert prog.totals(V)[2] == pytest.approx(999_500.0, rel=1e-15)


def test_generated_methods_batch_equals_one_by_one(ws):
    refs = gen.kb_factor_refs(ws.kb, 2024)

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def prop(data):
        spec = data.draw(gen.compilable_methods(refs))
        plan = ws.compile(build_method(format_method(spec.method), "m.pcf"), 2024)
        inv = pcf.Inventory.build(data.draw(gen.inventories(spec)))
        single = ws.evaluate(plan, inv)
        prog = compile_program(plan)
        batch = evaluate_catalogue(prog, stack(prog, [bind(plan, p, ws.kb, "inv") for p in inv.products]))
        for j, p in enumerate(single.products):
            assert batch.total[j] == pytest.approx(p.total, rel=1e-12, abs=1e-300)
    prop()


def test_doubling_an_activity_doubles_its_emission(ws):
    plan = ws.compile(ws.method(METHOD), 2024)
    prog = compile_program(plan)

    @settings(max_examples=50, deadline=None)
    # normal floats: a product in the subnormal range loses digits, and then 2x is not exact
    @given(st.just(0.0) | st.floats(1e-100, 1e9), st.just(0.0) | st.floats(1e-100, 10))
    def prop(kwh, factor):
        V = prog.run({"input:production_electricity": np.array([kwh, 2 * kwh]),
                      "input:grid_factor": np.array([factor, factor])}, n=2)
        total = prog.totals(V)[2]
        assert total[1] == 2 * total[0]
    prop()


# -- the wide catalogue ----------------------------------------------------------------------

CATALOGUE = """product,name,quantity,production_electricity [万kWh],grid_factor [kgCO2/kWh]
a,甲,1000,2,0.5
b,,,300,0.6
"""


def test_wide_catalogue_by_hand(ws, here):
    Path("cat.csv").write_text(CATALOGUE, encoding="utf-8")
    code = main(["batch", METHOD, "cat.csv", "-o", "out.csv", "--data-year", "2024"])
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(Path("out.csv").read_text(encoding="utf-8"))))
    # a: 2 万kWh = 20 000 kWh x 0.5 kgCO2/kWh = 10 000 kg, over 1 000 units = 10 kgCO2e per unit
    # b: no quantity, amounts per unit: 300 万kWh = 3 000 000 kWh x 0.6 = 1 800 000 kgCO2e
    assert [r["product"] for r in rows] == ["a", "b"]
    assert float(rows[0]["total [kgCO2e]"]) == pytest.approx(10.0, rel=1e-15)
    assert float(rows[1]["total [kgCO2e]"]) == pytest.approx(1_800_000.0, rel=1e-15)
    assert float(rows[0]["production [kgCO2e]"]) == float(rows[0]["total [kgCO2e]"])
    assert rows[0]["name"] == "甲"


def test_wide_catalogue_from_xlsx_equals_csv(ws, here):
    import openpyxl
    wb = openpyxl.Workbook()
    for r in csv.reader(io.StringIO(CATALOGUE)):
        wb.active.append([float(c) if c.replace(".", "").isdigit() else (c or None) for c in r])
    wb.save("cat.xlsx")
    Path("cat.csv").write_text(CATALOGUE, encoding="utf-8")
    assert main(["batch", METHOD, "cat.xlsx", "-o", "x.csv", "--data-year", "2024"]) == 0
    assert main(["batch", METHOD, "cat.csv", "-o", "c.csv", "--data-year", "2024"]) == 0
    assert Path("x.csv").read_text() == Path("c.csv").read_text()


@pytest.mark.parametrize("text, expected", [
    ("product,production_electricity [kWh],grid_factr [kgCO2/kWh]\na,1,1\n",
     ["cat.csv:1:3: column `grid_factr` is not an input of method `pas2050.production_energy` [inventory]",
      "did you mean `grid_factor`?"]),
    ("product,production_electricity [kg],grid_factor [kgCO2/kWh]\na,1,1\n",
     ["cat.csv:1:2: column `production_electricity`: kg is kg, the method expects kWh (J)"]),
    ("product,production_electricity,grid_factor [kgCO2/kWh]\na,1,1\n",
     ["cat.csv:1:2: column `production_electricity` gives no unit", "production_electricity [kWh]"]),
    ("product,grid_factor [kgCO2/kWh]\na,1\n",
     ["no column for input `production_electricity`"]),
    ("product,production_electricity [kWh],grid_factor [kgCO2/kWh]\na,1,x\na,-2,1\n",
     ["cat.csv:2:3: product `a`, `grid_factor`: `x` is not a number [bad-number]",
      "cat.csv:3:1: product `a` appears twice (first on row 2)",
      "cat.csv:3:2: product `a`, `production_electricity`: negative amount -2"]),
    ("product,quantity,production_electricity [kWh],grid_factor [kgCO2/kWh]\na,0,1,1\n",
     ["cat.csv:2:2: product `a`: quantity is 0"]),
])
def test_wide_catalogue_errors_point_at_cells(ws, here, capsys, text, expected):
    Path("cat.csv").write_text(text, encoding="utf-8")
    assert main(["batch", METHOD, "cat.csv", "--data-year", "2024"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for e in expected:
        assert e in err, err


def test_wide_catalogue_refuses_methods_with_tables(ws, here, capsys):
    Path("cat.csv").write_text("product\na\n", encoding="utf-8")
    assert main(["batch", "iso14067.machinery_transport", "cat.csv", "--data-year", "2024"]) == 1
    err = capsys.readouterr().err
    assert "has row tables" in err and "pcf init" in err


def test_batch_of_seed_inventory_from_cli_equals_run(ws, here, capsys):
    case = ROOT / "examples" / "seed-004-distribution-units"
    assert main(["batch", "iso14067.machinery_transport", str(case / "inventory.toml"), "--data-year", "2024",
                 "--lines"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    result = ws.run_case(case)
    assert [r["product"] for r in rows] == ["A", "B"]
    for r, p in zip(rows, result.products):
        assert float(r["total [kgCO2e]"]) == pytest.approx(p.total, rel=1e-12)
        for line in p.lines:
            assert float(r[f"{line.name} [kgCO2e]"]) == pytest.approx(line.value, rel=1e-12, abs=1e-300)


def test_progress_line_when_asked(ws, here, capsys):
    Path("cat.csv").write_text(CATALOGUE, encoding="utf-8")
    assert main(["batch", METHOD, "cat.csv", "-o", "out.csv", "--data-year", "2024", "--progress"]) == 0
    err = capsys.readouterr().err
    assert "evaluating: [##############################] 2/2" in err


def test_batch_never_overwrites_its_catalogue(ws, here, capsys):
    Path("cat.csv").write_text(CATALOGUE, encoding="utf-8")
    assert main(["batch", METHOD, "cat.csv", "-o", "cat.csv", "--data-year", "2024"]) == 1
    assert Path("cat.csv").read_text(encoding="utf-8") == CATALOGUE
    assert "cat.csv: the output would replace cat.csv, which this run read [output]" in capsys.readouterr().err


# -- Dask ------------------------------------------------------------------------------------

def test_dask_local_cluster_gives_the_single_process_numbers(ws, here):
    from dask.distributed import Client, LocalCluster

    from pcf.analysis.distributed import evaluate_dask, partitions_of
    rng = np.random.default_rng(3)
    n = 5000
    lines = ["product,quantity,production_electricity [kWh],grid_factor [kgCO2/kWh]"]
    lines += [f"p{i},{rng.integers(1, 1000)},{rng.uniform(0, 1e5):.3f},{rng.uniform(0.3, 0.9):.4f}" for i in range(n)]
    Path("cat.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    plan = ws.compile(ws.method(METHOD), 2024)
    prog = compile_program(plan)
    cat = load_catalogue(Path("cat.csv"), prog, ws.kb)
    assert sum(len(p) for p in partitions_of(cat, 7)) == n
    single = evaluate_catalogue(prog, cat)
    import warnings

    import dask
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0",
                      silence_logs=40) as cluster, Client(cluster) as client, \
            dask.config.set({"distributed.admin.large-graph-warning-threshold": "20kB"}), \
            warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert len(client.scheduler_info()["workers"]) == 2
        parted = evaluate_dask(prog, cat, partitions=7, client=client)
    # the catalogue (5 000 rows, ~160 kB of numbers) travels as scattered data, not in the graph
    assert not [w for w in caught if "large graph" in str(w.message)]
    assert parted.ids == single.ids
    assert np.array_equal(parted.total, single.total)
    assert np.array_equal(parted.stages, single.stages)
    assert to_csv(parted, prog) == to_csv(single, prog)


def test_non_finite_line_names_the_product(ws, here, capsys):
    text = ('method m {\n  standard "ISO 14067:2018"\n  boundary gate_to_gate\n  gwp AR6\n  stage s\n'
            '  input a : kWh\n  input b : kWh\n  emission e in s = a / b * 1 kgCO2e\n}\n')
    Path("m.pcf").write_text(text, encoding="utf-8")
    Path("cat.csv").write_text("product,a [kWh],b [kWh]\nok,1,2\nbad,1,0\n", encoding="utf-8")
    assert main(["batch", "m.pcf", "cat.csv", "--data-year", "2024"]) == 1
    err = capsys.readouterr().err
    assert "`e` is not finite for product `bad`" in err and "m.pcf:8:" in err


def test_stage_totals_sum_runs_of_lines_of_one_stage():
    # lines in slot order: two of stage 0, one of stage 1, one offset (counted nowhere), one of stage 0
    counted = np.array([[1., 1., 0., 0., 1.], [0., 0., 1., 0., 0.]])
    starts, columns = _runs(counted)
    assert starts.tolist() == [0, 2, 3, 4]
    assert columns.tolist() == [[1., 0., 0., 1.], [0., 1., 0., 0.]]
    lines = np.array([[1., 10.], [2., 20.], [4., 40.], [8., 80.], [16., 160.]])   # 2 scenarios
    stages = columns @ np.add.reduceat(lines, starts, axis=0)
    assert stages.tolist() == [[1 + 2 + 16, 10 + 20 + 160], [4, 40]]
    assert _runs(np.zeros((2, 0)))[0].size == 0


# (stage, input) per line; the lines follow their inputs' slots, inputs numbered by the stage of
# the first line reading them: a0 feeding lines of s1 and s2 puts an s2 line between two of s1
@pytest.mark.parametrize("order, identity", [((("s1", 0), ("s1", 1), ("s2", 2)), True),
                                             ((("s2", 0), ("s1", 1), ("s2", 2)), True),
                                             ((("s1", 0), ("s2", 0), ("s1", 1)), False)])
def test_stage_totals_skip_the_product_only_when_runs_are_the_stages(ws, order, identity):
    from dataclasses import replace
    lines = "\n".join(f"  emission e{i} in {st} = a{a} * {i + 1} kgCO2e/kWh" for i, (st, a) in enumerate(order))
    n_inputs = 1 + max(a for _, a in order)
    inputs = "\n".join(f"  input a{i} : kWh" for i in range(n_inputs))
    text = (f'method m {{\n  standard "ISO 14067:2018"\n  boundary gate_to_gate\n  gwp AR6\n  stage s1\n  stage s2\n'
            f'{inputs}\n{lines}\n}}\n')
    prog = compile_program(ws.compile(build_method(text, "m.pcf"), None))
    assert prog.runs_are_stages is identity
    product = replace(prog, runs_are_stages=False)       # the general path: runs into stages by a product
    rng = np.random.default_rng(7)
    for shape in ((), (5,)):
        x = rng.normal(size=(n_inputs,) + shape)
        x[-1] = -0.0                                     # (s1, s1, s2): a stage of -0.0 lines shows 0
        for divisor in (1.0, 3.0):
            got, want = prog.stage_totals(prog.run(x), divisor), product.stage_totals(prog.run(x), divisor)
            assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
            assert not np.signbit(got[0][got[0] == 0]).any()
