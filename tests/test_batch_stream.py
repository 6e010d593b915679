"""`pcf batch` streams a wide CSV catalogue (analysis/widecsv.py, batch.batch_wide_csv): the
output and the errors do not depend on the chunk size, and equal what one pass over the whole
catalogue gives (a reference reader here, cell by cell with the csv module and `read_number`,
and the row-by-row writer the command used before).

The catalogues: the seed cases whose methods have no row tables, written as wide CSVs, and
generated catalogues with bad rows (bad numbers, repeated and empty ids, missing cells, short
rows, blank rows, formula-like text, quoted cells, CRLF line ends).
"""
from __future__ import annotations

import csv
import io
import math
import random
import tomllib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from pcf.analysis import widecsv
from pcf.files import csvstream
from pcf.analysis.batch import (BatchResult, batch_wide_csv, csv_rows, evaluate_catalogue, load_catalogue,
                                to_csv)
from pcf.cli import main
from pcf.core.errors import PcfError
from pcf.evaluation.lowering import compile_program
from pcf.files.atomic import write_atomic_stream
from pcf.plan import compile_method
from pcf.render.escape import csv_cell

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ["seed-000-sensors", "seed-002-feeder-terminal", "seed-003-metering-box"]   # methods without tables
CHUNKS = (1, 7, 10 ** 6)


@pytest.fixture(scope="module")
def progs(ws):
    out = {}
    for m in ("pas2050.production_energy", "gbt24067.electrical"):
        out[m] = compile_program(compile_method(ws.method(m), ws.kb, ws.units, 2024))
    return out


def streamed(path: Path, prog, chunk_rows: int, lines: bool = False):
    """("ok", text) or ("error", [(code, message, position, hint)])."""
    try:
        return "ok", "".join(batch_wide_csv(path, prog, chunk_rows, lines))
    except PcfError as exc:
        return "error", [(d.code, d.message, str(d.span), d.hint) for d in exc.diagnostics]


def row_by_row(result: BatchResult, prog, with_lines: bool) -> str:
    """The writer `pcf batch` used before: csv.writer, one row at a time, repr of each float."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    head = ["product", "name", "total [kgCO2e]"] + [f"{s} [kgCO2e]" for s in prog.plan.stage_ids]
    if with_lines:
        head += [f"{e} [kgCO2e]" for e in prog.emissions]
    w.writerow([csv_cell(h) for h in head])
    for j, pid in enumerate(result.ids):
        row = [csv_cell(pid), csv_cell(result.names[j]), repr(float(result.total[j]) + 0.0)]
        row += [repr(float(v) + 0.0) for v in result.stages[:, j]]
        if with_lines:
            row += [repr(float(v) + 0.0) for v in result.lines[:, j]]
        w.writerow(row)
    return buf.getvalue()


def seed_catalogue(ws, prog, seed: str, copies: int) -> str:
    """The seed's products as a wide CSV, repeated `copies` times with new ids; an amount in the
    inventory's own unit, a knowledge-base reference as its value in the declared unit."""
    from pcf.evaluation.evaluate import bind
    inv_path = ROOT / "examples" / seed / "inventory.toml"
    data = tomllib.loads(inv_path.read_text(encoding="utf-8"))
    result = ws.run_case(ROOT / "examples" / seed)
    declared = [d for d in prog.plan.method.inputs]
    rows = [["product", "name", "quantity"] + [f"{d.name} [{d.unit}]" for d in declared]]
    for k in range(copies):
        for p, raw in zip(result.case.inventory.products, data["product"]):
            b = bind(prog.plan, p, ws.kb, str(inv_path))
            cells = [f"{p.id}-{k}", p.name or "", str(raw["quantity"]) if raw.get("amounts") == "period" else ""]
            for d in declared:
                given = raw.get("inputs", {}).get(d.name)
                if isinstance(given, str) and not given.startswith("kb."):
                    number, _, unit = given.partition(" ")
                    rows[0][3 + declared.index(d)] = f"{d.name} [{unit}]"
                    cells.append(number)
                else:
                    cells.append(repr(b.values[f"input:{d.name}"] / ws.units.parse(d.unit).scale))
            rows.append(cells)
    return "\n".join(",".join(r) for r in rows) + "\n"


@pytest.mark.parametrize("seed", SEEDS)
def test_seed_catalogues_stream_as_one_pass(ws, progs, here, seed):
    method = {"seed-000-sensors": "pas2050.production_energy"}.get(seed, "gbt24067.electrical")
    prog = progs[method]
    Path("cat.csv").write_text(seed_catalogue(ws, prog, seed, 9), encoding="utf-8")
    for lines in (False, True):
        want = row_by_row(evaluate_catalogue(prog, reference_catalogue(Path("cat.csv"), prog)), prog, lines)
        for chunk in CHUNKS:
            assert streamed(Path("cat.csv"), prog, chunk, lines) == ("ok", want)
    # and the figures are the seed's own (the first copy of each product)
    result = ws.run_case(ROOT / "examples" / seed)
    rows = list(csv.DictReader(io.StringIO(streamed(Path("cat.csv"), prog, 7)[1])))
    for p in result.products:
        row = next(r for r in rows if r["product"] == f"{p.id}-0")
        assert float(row["total [kgCO2e]"]) == pytest.approx(p.total, rel=1e-12)


def reference_catalogue(path: Path, prog):
    """A valid wide CSV read the simple way: csv module, `read_number` per cell, whole columns."""
    from pcf.analysis.batch import Catalogue
    from pcf.core.keys import Key
    from pcf.inputs.amount import read_number
    from pcf.inputs.spreadsheet import HEADER_UNIT
    rows = [r for r in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")) if any(r)]
    header, body = rows[0], rows[1:]
    units = prog.plan.units
    inputs, qty = {}, np.ones(len(body))
    for d in prog.plan.method.inputs:
        inputs[Key.input(d.name)] = np.zeros(len(body))
    for j, h in enumerate(header):
        m = HEADER_UNIT.match(h)
        name, unit = (m.group(1), m.group(2)) if m else (h, None)
        col = [r[j] if j < len(r) else "" for r in body]
        if name == "quantity":
            q = np.array([read_number(c).value if c.strip() else 0.0 for c in col])
            qty = np.where(q > 0, q, 1.0)
        elif unit is not None:
            x = np.array([read_number(c, unit).value if c.strip() else 0.0 for c in col])
            inputs[Key.input(name)] = x * units.parse(unit).scale
    names = tuple(r[header.index("name")] for r in body) if "name" in header else ("",) * len(body)
    return Catalogue(tuple(r[0].strip() for r in body), names, inputs, qty, str(path))


# -- generated catalogues, with bad rows ---------------------------------------------------------

GOOD = ["12.5", "0", "3", "1 200", "0.0001", "56.8120", "1e3", "7", "1,234,567", "99999.75"]
BAD = ["", " ", "x", "-3", "1,234", "1e400", "inf", "nan", "1 kWh", "1.2.3", ".", "+4", "１２", "0." + "0" * 330 + "1",
       "1" * 320, "-0", "1e-5"]
NAMES = ["", "甲", "box", "=SUM(A1)", "box, big", 'x"y', "+1", "-2", "@x", "\tt", "a\nb", "-0.5"]
IDS = ["", " ", "=HYPERLINK()", "-x", "@a", "a,b", '"q"', "row 3", "p1", "p2"]


def generated(rng: random.Random, prog, rows: int, bad: float) -> str:
    declared = list(prog.plan.method.inputs)
    head = ["product", "name", "quantity"] + [f"{d.name} [{d.unit}]" for d in declared
                                             if not (d.optional and rng.random() < 0.3)]
    if rng.random() < 0.3:
        rng.shuffle(head)
    out = [head]
    for i in range(rows):
        if rng.random() < bad / 4:
            out.append([""] * rng.choice([0, len(head)]))        # a blank row
            continue
        r = []
        for h in head:
            if h == "product":
                r.append(rng.choice(IDS) if rng.random() < bad else f"p{i}")
            elif h == "name":
                r.append(rng.choice(NAMES) if rng.random() < bad else rng.choice(["", "甲", "box"]))
            elif h == "quantity":
                r.append(rng.choice(["", "0", "-1", "x", "12.5"]) if rng.random() < bad else rng.choice(["", "1000"]))
            else:
                r.append(rng.choice(BAD) if rng.random() < bad else rng.choice(GOOD))
        if rng.random() < bad / 4:
            r = r[:rng.randrange(len(r) + 1)]                   # a short row
        out.append(r)
    buf = io.StringIO()
    quoting = csv.QUOTE_ALL if rng.random() < 0.2 else csv.QUOTE_MINIMAL
    csv.writer(buf, lineterminator=rng.choice(["\n", "\r\n"]), quoting=quoting).writerows(out)
    return buf.getvalue()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10 ** 6), rows=st.integers(0, 40), bad=st.sampled_from([0.0, 0.02, 0.2]),
       chunk=st.integers(1, 12), method=st.sampled_from(["pas2050.production_energy", "gbt24067.electrical"]))
def test_any_chunk_size_gives_the_one_pass_outcome(progs, tmp_path, seed, rows, bad, chunk, method):
    prog = progs[method]
    path = tmp_path / "cat.csv"
    path.write_text(generated(random.Random(seed), prog, rows, bad), encoding="utf-8")
    whole = streamed(path, prog, 10 ** 6, lines=True)
    assert streamed(path, prog, chunk, lines=True) == whole
    if whole[0] == "ok":      # and equal to the reference reader and the row-by-row writer
        assert whole[1] == row_by_row(evaluate_catalogue(prog, load_catalogue(path, prog, None)), prog, True)


BAD_CATALOGUE = ("product,name,quantity,production_electricity [kWh],grid_factor [kgCO2/kWh]\n"
                 "a,=cmd(),10,1,0.5\n"
                 "b,,0,x,0.5\n"
                 "a,,,2,\n"
                 ",+x,5,-1,0.5\n"
                 'c,"q, ""r""",1e400,3,1 kWh\n')

# the messages and positions of the code before streaming, on BAD_CATALOGUE
BAD_EXPECTED = [
    ("inventory", "product `a` appears twice (first on row 2)", "cat.csv:4:1"),
    ("inventory", "empty product id", "cat.csv:5:1"),
    ("bad-number", "product `b`, `production_electricity`: `x` is not a number", "cat.csv:3:4"),
    ("bad-number", "product `row 5`, `production_electricity`: negative amount -1", "cat.csv:5:4"),
    ("missing-input", "product `a`: no `grid_factor`", "cat.csv:4:5"),
    ("bad-number", "product `c`, `grid_factor`: `1 kWh`: a cell holds a number; its unit is in the column header",
     "cat.csv:6:5"),
    ("bad-number", "product `c`, quantity: amount out of range: 1e400", "cat.csv:6:3"),
    ("bad-number", "product `b`: quantity is 0", "cat.csv:3:3"),
    ("bad-number", "product `c`: quantity is 0", "cat.csv:6:3"),
]


@pytest.mark.parametrize("chunk", CHUNKS)
def test_bad_rows_give_the_messages_of_one_pass(progs, here, chunk):
    Path("cat.csv").write_text(BAD_CATALOGUE, encoding="utf-8")
    kind, got = streamed(Path("cat.csv"), progs["pas2050.production_energy"], chunk)
    assert kind == "error"
    assert [(c, m, s) for c, m, s, _ in got] == BAD_EXPECTED


def test_repeated_hashes_are_checked_on_the_ids_themselves(progs, here, monkeypatch):
    # every id of the same length shares a hash: the ids are compared once more, exactly
    rng = random.Random(5)
    prog = progs["gbt24067.electrical"]
    for bad in (0.0, 0.2):
        Path("cat.csv").write_text(generated(rng, prog, 60, bad), encoding="utf-8")
        honest = [streamed(Path("cat.csv"), prog, c) for c in CHUNKS]
        with monkeypatch.context() as m:
            m.setattr(widecsv, "hash", len, raising=False)
            assert [streamed(Path("cat.csv"), prog, c) for c in CHUNKS] == honest


def test_a_fault_late_in_the_file_wins_over_earlier_problems(progs, here):
    # as when the whole file was read first: a bad byte, then a cap, before the cells' problems
    head = "product,production_electricity [kWh],grid_factor [kgCO2/kWh]\n"
    Path("cat.csv").write_bytes((head + "a,x,1\n" * 20 + "b,1,1\n").encode() + b"c,\xff,1\n")
    assert streamed(Path("cat.csv"), progs["pas2050.production_energy"], 3) == \
        ("error", [("io", "the catalogue is not UTF-8 text", "cat.csv:23:1", None)])
    Path("cat.csv").write_text("bogus\n" + "a,1,1\n" * 20 + f"b,{'1' * 40_000},1\n", encoding="utf-8")
    kind, got = streamed(Path("cat.csv"), progs["pas2050.production_energy"], 3)
    assert got[0][1:3] == ("cell of 40000 characters is over the cap CELL_CHARS = 32 767", "cat.csv:22:2")


def test_non_finite_lines_name_the_products_whatever_the_chunk(progs, here):
    prog = progs["gbt24067.electrical"]
    head = "product," + ",".join(f"{d.name} [{d.unit}]" for d in prog.plan.method.inputs)
    rows = [f"p{i}," + ",".join("1e305" if (i * 7 + j) % 11 == 0 else "1" for j in range(8)) for i in range(30)]
    Path("cat.csv").write_text(head + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with np.errstate(over="ignore"):
        outcomes = [streamed(Path("cat.csv"), prog, c) for c in CHUNKS]
    assert outcomes[0][0] == "error" and outcomes[0][1][0][1].endswith("for product `p0`: overflow or division by zero")
    assert outcomes[1:] == outcomes[:1] * 2


# -- the output ----------------------------------------------------------------------------------

floats = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0.0, -0.0, 5e-324, 1e16, 1e-5, 0.1])


@given(values=st.lists(st.tuples(floats, floats), min_size=1, max_size=12),
       texts=st.lists(st.tuples(st.sampled_from(IDS + NAMES + ["p", "甲乙"]) | st.text(max_size=6),
                                st.sampled_from(NAMES) | st.text(max_size=6)), min_size=12, max_size=12),
       same=st.booleans())
def test_column_wise_rows_are_the_row_by_row_bytes(values, texts, same):
    n = len(values)
    ids, names = [t[0] for t in texts[:n]], [t[1] for t in texts[:n]]
    total = np.array([v[0] for v in values])
    stages = np.array([[v[1] for v in values], [values[0][1]] * n if same else [v[0] for v in values]])
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for j in range(n):
        w.writerow([csv_cell(ids[j]), csv_cell(names[j]), repr(float(total[j]) + 0.0),
                    *(repr(float(v) + 0.0) for v in stages[:, j])])
    assert csv_rows(ids, names, total, stages) == buf.getvalue()


def test_to_csv_of_a_whole_result_is_the_streamed_text(progs, here):
    prog = progs["pas2050.production_energy"]
    Path("cat.csv").write_text(generated(random.Random(3), prog, 50, 0.0), encoding="utf-8")
    cat = load_catalogue(Path("cat.csv"), prog, None)
    assert to_csv(evaluate_catalogue(prog, cat), prog, True) == streamed(Path("cat.csv"), prog, 7, True)[1]


def test_cli_stdout_and_file_are_the_same_and_an_error_writes_nothing(ws, here, capsys):
    prog_method = "pas2050.production_energy"
    Path("cat.csv").write_text(generated(random.Random(8), compile_program(compile_method(
        ws.method(prog_method), ws.kb, ws.units, 2024)), 30, 0.0), encoding="utf-8")
    assert main(["batch", prog_method, "cat.csv", "--data-year", "2024", "--chunk-rows", "4"]) == 0
    out = capsys.readouterr().out
    assert main(["batch", prog_method, "cat.csv", "--data-year", "2024", "-o", "out.csv", "--chunk-rows", "4"]) == 0
    assert Path("out.csv").read_text(encoding="utf-8") == out
    assert "(30 products)" in capsys.readouterr().err
    Path("bad.csv").write_text(Path("cat.csv").read_text() + "zz,,,x,1\n", encoding="utf-8")
    assert main(["batch", prog_method, "bad.csv", "--data-year", "2024", "-o", "out.csv", "--chunk-rows", "4"]) == 1
    assert Path("out.csv").read_text(encoding="utf-8") == out               # the old file, untouched
    assert sorted(p.name for p in Path(".").iterdir()) == ["bad.csv", "cat.csv", "out.csv"]   # no temporary file
    assert main(["batch", prog_method, "bad.csv", "--data-year", "2024"]) == 1
    assert capsys.readouterr().out == ""
    assert main(["batch", prog_method, "cat.csv", "--chunk-rows", "0"]) == 2


def test_write_atomic_stream_leaves_the_old_file_when_the_pieces_fail(here):
    Path("out.txt").write_text("old", encoding="utf-8")

    def pieces():
        yield "new "
        raise PcfError([])
    with pytest.raises(PcfError):
        write_atomic_stream(Path("out.txt"), pieces())
    assert Path("out.txt").read_text(encoding="utf-8") == "old"
    assert [p.name for p in Path(".").iterdir()] == ["out.txt"]
    write_atomic_stream(Path("out.txt"), iter(["a", b"b"]))
    assert Path("out.txt").read_text(encoding="utf-8") == "ab"


def test_memory_follows_the_chunk(progs, tmp_path):
    # the rows held at once: at most one chunk of them, however long the catalogue
    prog = progs["pas2050.production_energy"]
    path = tmp_path / "cat.csv"
    path.write_text("product,production_electricity [kWh],grid_factor [kgCO2/kWh]\n"
                    + "".join(f"p{i},{i},0.5\n" for i in range(1000)), encoding="utf-8")
    sizes = [len(b.lines) for b in list(csvstream.stream_csv(path, 64))[1:]]
    assert max(sizes) == 64 and sum(sizes) == 1000
    assert math.isclose(len("".join(batch_wide_csv(path, prog, 64)).splitlines()), 1001)
