"""Bounds and numbers: large, deep and degenerate inputs finish in bounded time and memory,
or stop with a positioned error; numbers that a float cannot hold are errors, never results.

Deep parentheses, long sums and sign chains in formulas are in test_parser.py. Each bound
here runs under `time_limit`, which turns a hang into a failure; the time each took is
printed (pytest -s) so a slowdown shows before it becomes a hang.
"""
from __future__ import annotations

import math
import signal
import textwrap
import time
import tracemalloc
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

import pcf
from pcf import api
from pcf.knowledge import kb as kb_module
from pcf.files import tomlfile
from pcf.language.build import build_method
from pcf.core.errors import PcfError, render
from pcf.inputs.inventory import load_inventory
from pcf.knowledge.kb import check_kb, load_kb

from snippets import HEAD, SOURCES  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def time_limit(seconds: float, what: str):
    """Fail (instead of hanging) when the block runs longer than `seconds`; print its time."""
    def expire(*_):
        raise TimeoutError(f"{what}: not finished after {seconds} s")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    start = time.perf_counter()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        print(f"bound {what}: {time.perf_counter() - start:.2f} s")


def locate(path: str, needle: str) -> tuple[str, int]:
    text = Path(path).read_text(encoding="utf-8")
    return path, text.count("\n", 0, text.index(needle)) + 1


def problems(run) -> tuple:
    with pytest.raises(PcfError) as err:
        run()
    return err.value.diagnostics


def one(diagnostics, code: str):
    found = [d for d in diagnostics if d.code == code]
    assert len(found) == 1, [(d.code, d.message) for d in diagnostics]
    return found[0]


def method(body: str) -> str:
    return HEAD + textwrap.dedent(body) + "}\n"


def evaluate(ws, text: str, products: list[dict], year: int = 2024):
    return ws.evaluate(ws.compile(build_method(text, "m.pcf"), year), pcf.Inventory.build(products))


# --- long lines -------------------------------------------------------------------------------

MB = 1 << 20


def test_a_one_megabyte_line_in_a_method(ws):
    text = method(f'''\
        # {"注" * MB}
        input x : kWh "{"x" * MB}"
        emission e in production = x * 0.5 kgCO2e/kWh
        ''')
    with time_limit(20, "1 MB label and comment"):
        result = evaluate(ws, text, [{"id": "p", "inputs": {"x": "2 kWh"}}])
    assert result.products[0].total == pytest.approx(1.0)


def test_an_error_on_a_one_megabyte_line_shows_a_window_of_it(here):
    Path("m.pcf").write_text(method(f'  input x : kWh "{"x" * MB}" 1 + 2\n'), encoding="utf-8")
    with time_limit(20, "a syntax error after a 1 MB label"):
        d = problems(lambda: pcf.read_method(Path("m.pcf")))[0]
    assert d.code == "syntax" and d.span.line == 6 and d.span.column > MB
    shown = render([d]).split("\n")
    assert len(shown) <= 4 and all(len(line) < 400 for line in shown)
    source, caret = shown[1], shown[2]
    assert source[caret.index("^")] == "1"   # the caret still stands under the mistake


def test_a_one_megabyte_line_in_an_inventory(ws, here):
    Path("inventory.toml").write_text(
        f'[[product]]\nid = "p"\nnote = "{"长" * MB}"\n[product.inputs]\nx = "1.{"0" * 200_000}1 kWh"\n',
        encoding="utf-8")
    text = method("  input x : kWh\n  emission e in production = x * 0.5 kgCO2e/kWh\n")
    with time_limit(20, "1 MB note and a 200 000-digit amount"):
        result = ws.evaluate(ws.compile(build_method(text, "m.pcf"), 2024), load_inventory(Path("inventory.toml")))
    assert result.products[0].total == pytest.approx(0.5)


# --- big methods and inventories -----------------------------------------------------------------

def test_twenty_thousand_lets(ws):
    lets = "".join(f"  let v{i} = v{i - 1} * 1.00001\n" for i in range(1, 20_000))
    text = method(f"  input x : kWh\n  let v0 = x\n{lets}  emission e in production = v19999 * 1 kgCO2e/kWh\n")
    with time_limit(30, "20 000 chained lets: build"):
        m = build_method(text, "m.pcf")
    with time_limit(10, "20 000 chained lets: compile and evaluate"):
        plan = ws.compile(m, 2024)
        total = ws.evaluate(plan, pcf.Inventory.build([{"id": "p", "inputs": {"x": "1 kWh"}}])).products[0].total
    assert total == pytest.approx(1.00001 ** 19_999)


def test_a_circle_of_five_thousand_lets_is_one_short_error(ws):
    lets = "".join(f"  let v{i} = v{(i + 1) % 5000} * 2\n" for i in range(5000))
    text = method(f"  input x : kWh\n{lets}  emission e in production = x * v0 * 1 kgCO2e/kWh\n")
    with time_limit(10, "a circle of 5 000 lets"):
        d = one(problems(lambda: ws.compile(build_method(text, "m.pcf"), 2024)), "cycle")
    assert len(d.message) < 300 and "4990 more" in d.message
    assert len(d.related) == 5000
    assert len(render([d], with_source=False).split("\n")) <= 25   # 20 places, then "... and 4980 more places"


LEGS = method('''\
    input x : kWh
    table legs { mass : t  distance : km }
    emission power in production = x * 0.5 kgCO2e/kWh
    emission freight in production = sum(l in legs: l.mass * l.distance) * 0.1 kgCO2e/(t*km)
    ''')


def test_a_hundred_thousand_rows_evaluate_vectorised(ws):
    plan = ws.compile(build_method(LEGS, "m.pcf"), 2024)
    mass, dist = np.arange(100_000) % 97 + 0.5, np.arange(100_000) % 13 + 1.0
    rows = [{"mass": f"{float(m)!r} t", "distance": f"{float(d)!r} km"} for m, d in zip(mass, dist)]
    with time_limit(20, "100 000 rows: build the inventory"):
        inventory = pcf.Inventory.build([{"id": "p", "inputs": {"x": "1 kWh"}, "legs": rows}])
    with time_limit(10, "100 000 rows: evaluate"):
        total = ws.evaluate(plan, inventory).products[0].total
    assert total == pytest.approx(0.5 + float(np.sum(mass * 1000 * dist * 1000)) * 0.1 / 1e6, rel=1e-12)


def test_ten_thousand_rows_from_toml_in_bounded_memory(ws, here):
    rows = "".join(f'[[product.legs]]\nmass = "{i % 97 + 0.5} t"\ndistance = "{i % 13 + 1} km"\n'
                   for i in range(10_000))
    Path("inventory.toml").write_text(f'[[product]]\nid = "p"\n[product.inputs]\nx = "1 kWh"\n{rows}',
                                      encoding="utf-8")
    plan = ws.compile(build_method(LEGS, "m.pcf"), 2024)
    tracemalloc.start()
    try:
        with time_limit(30, "10 000 rows from TOML"):
            ws.evaluate(plan, load_inventory(Path("inventory.toml")))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    print(f"bound 10 000 rows: peak {peak / 2**20:.1f} MiB")
    assert peak < 10_000 * 4096   # a few kB per row, read and evaluated


def test_ten_thousand_bad_rows_are_all_found_and_shown_briefly(ws):
    plan = ws.compile(build_method(LEGS, "m.pcf"), 2024)
    rows = [{"mass": "1 kWh", "distance": "2 km"} for _ in range(10_000)]
    with time_limit(20, "10 000 bad rows"):
        ds = problems(lambda: ws.evaluate(plan, pcf.Inventory.build([{"id": "p", "inputs": {"x": "1 kWh"},
                                                                          "legs": rows}])))
    assert len(ds) == 10_000 and {d.code for d in ds} == {"unit-mismatch"}
    shown = render(ds).split("\n")
    assert len(shown) < 100 and shown[-1] == "... and 9980 more"


# --- sizes, nesting and chains ---------------------------------------------------------------------

def test_files_over_the_size_limits_are_refused_before_they_are_read(ws, here, monkeypatch):
    # The real limits are 8 MiB (methods) and 64 MiB (TOML): the same code path, with small limits.
    monkeypatch.setattr(api, "MAX_METHOD_BYTES", 1024)
    monkeypatch.setattr(tomlfile, "MAX_TOML_BYTES", 1024)
    monkeypatch.setattr(kb_module, "MAX_TOML_BYTES", 1024)
    Path("m.pcf").write_text(method(f"  # {'x' * 2000}\n"), encoding="utf-8")
    d = one(problems(lambda: pcf.read_method(Path("m.pcf"))), "syntax")
    assert d.location().startswith("m.pcf") and "larger than" in d.message
    Path("inventory.toml").write_text(f'# {"x" * 2000}\n[[product]]\nid = "p"\n', encoding="utf-8")
    d = one(problems(lambda: load_inventory(Path("inventory.toml"))), "toml")
    assert (d.span.path, d.span.line) == ("inventory.toml", 1) and "larger than" in d.message
    Path("kb").mkdir()
    Path("kb/sources.toml").write_text(SOURCES, encoding="utf-8")
    Path("kb/big.toml").write_text(f'# {"x" * 2000}\n', encoding="utf-8")
    d = one(problems(lambda: load_kb(Path("kb"), ws.units, cache=False)), "toml")
    assert d.span.path == "kb/big.toml" and "larger than" in d.message


@pytest.mark.parametrize("where", ["inventory", "kb"])
def test_deeply_nested_toml_is_an_error(ws, here, where):
    deep = "x = " + "[" * 50_000 + "]" * 50_000 + "\n"
    Path("kb").mkdir()
    Path("kb/sources.toml").write_text(SOURCES, encoding="utf-8")
    path = Path("inventory.toml") if where == "inventory" else Path("kb/deep.toml")
    path.write_text(deep, encoding="utf-8")
    run = (lambda: load_inventory(path)) if where == "inventory" else (lambda: load_kb(Path("kb"), ws.units, cache=False))
    with time_limit(20, f"TOML nested 50 000 deep ({where})"):
        d = one(problems(run), "toml")
    assert d.span.path == path.as_posix() and "nested too deeply" in d.message


def test_a_deeply_nested_kb_formula(ws, here):
    shutil_kb = Path("kb")
    shutil_kb.mkdir()
    (shutil_kb / "sources.toml").write_text(SOURCES, encoding="utf-8")
    formula = "(" * 3000 + "kb.t.base * 2" + ")" * 3000
    (shutil_kb / "f.toml").write_text(
        '[[entry]]\nid = "t.base"\nvalue = 0.25\nunit = "kgCO2e/kWh"\nbasis = "CO2e"\nsource = "src"\n\n'
        f'[[entry]]\nid = "t.derived"\nformula = "{formula}"\nunit = "kgCO2e/kWh"\nbasis = "CO2e"\nsource = "src"\n',
        encoding="utf-8")
    with time_limit(20, "a KB formula nested 3 000 deep"):
        kb = load_kb(shutil_kb, ws.units, cache=False)
        check_kb(kb)
        local = pcf.Workspace(ws.units, kb, ws.methods_dir)
        text = method("  input x : kWh\n  emission e in production = x * kb.t.derived\n")
        result = local.evaluate(local.compile(build_method(text, "m.pcf"), 2024),
                                pcf.Inventory.build([{"id": "p", "inputs": {"x": "2 kWh"}}]))
    assert result.products[0].total == pytest.approx(1.0)


def test_a_chain_of_extends_longer_than_the_limit(ws, here):
    lib = Path("lib")
    lib.mkdir()
    (lib / "m0.pcf").write_text(method("  input x : kWh\n  emission e in production = x * 1 kgCO2e/kWh\n")
                                .replace("t.m", "c.m0"), encoding="utf-8")
    for i in range(1, 40):
        (lib / f"m{i}.pcf").write_text(f'method c.m{i} "V" extends c.m{i - 1} {{\n}}\n', encoding="utf-8")
    local = pcf.Workspace(ws.units, ws.kb, lib)
    with time_limit(10, "40 methods extending each other"):
        d = one(problems(lambda: local.method("c.m39")), "override")
    assert "more than 32" in d.message and "circle" not in d.message
    (lib / "m0.pcf").write_text('method c.m0 "V" extends c.m3 {\n}\n', encoding="utf-8")
    d = one(problems(lambda: local.method("c.m3")), "cycle")
    assert "c.m3 -> c.m2 -> c.m1 -> c.m0 -> c.m3" in d.message


@pytest.mark.parametrize("unit", ["kg*10**10**10", "kg**99999", "kg^99999", "kg**(10**10)", "kg**1e999"])
def test_unit_powers_are_refused_not_computed(ws, here, unit):
    with time_limit(5, f"unit {unit}"):
        d = one(problems(lambda: evaluate(ws, method("  input x : kWh\n  emission e in production = x * 1 kgCO2e/kWh\n"),
                                          [{"id": "p", "inputs": {"x": f"1 {unit}"}}])), "unit-unknown")
    assert "a power is a small number" in d.message


# --- numbers ----------------------------------------------------------------------------------------

INVENTORY = '[[product]]\nid = "p"\n\n[product.inputs]\nelectricity = AMOUNT\n'
ONE_INPUT = method('''\
    input electricity : kWh "用电"
    emission power in production = electricity * 0.5 kgCO2e/kWh
    ''')
CASE = 'method = "m.pcf"\ninventory = "inventory.toml"\ndata_year = 2024\n'


def write_case(inventory: str, case: str = CASE, text: str = ONE_INPUT) -> Path:
    d = Path("case")
    d.mkdir(exist_ok=True)
    (d / "m.pcf").write_text(text, encoding="utf-8")
    (d / "inventory.toml").write_text(inventory, encoding="utf-8")
    (d / "case.toml").write_text(case, encoding="utf-8")
    return d


@pytest.mark.parametrize("amount", [
    '"1e999 kWh"', "1e999", "nan", "-inf", '"0e999 kWh"', '"1e-999 kWh"', '{ value = inf, unit = "kWh" }',
    f'"{"9" * 400} kWh"', '"-1e999 kWh"',
])
def test_amounts_a_float_cannot_hold(ws, here, amount):
    d = one(problems(lambda: ws.run_case(write_case(INVENTORY.replace("AMOUNT", amount)))), "bad-number")
    assert (d.span.path, d.span.line) == locate("case/inventory.toml", "electricity =")
    assert "finite" in d.message + (d.hint or "") or "out of range" in d.message


def test_minus_zero_is_zero(ws, here):
    # -0 is accepted as 0 (it is not a negative amount), and never shows as "-0" in a result.
    product = ws.run_case(write_case(INVENTORY.replace("AMOUNT", '"-0 kWh"'))).products[0]
    assert product.total == 0.0 and math.copysign(1.0, product.lines[0].value) == 1.0
    text = ONE_INPUT.replace("electricity * 0.5 kgCO2e/kWh", "electricity * -0 kgCO2e/kWh")
    product = evaluate(ws, text, [{"id": "p", "inputs": {"electricity": "3 kWh"}}]).products[0]
    assert math.copysign(1.0, product.lines[0].value) == 1.0


@pytest.mark.parametrize("quantity", ["-3", "nan", "inf", "1e999", "99999999999999999999999999999" * 20])
def test_quantity_must_be_a_positive_finite_number(ws, here, quantity):
    inv = INVENTORY.replace("AMOUNT", '"1 kWh"').replace('id = "p"', f'id = "p"\namounts = "period"\nquantity = {quantity}')
    d = one(problems(lambda: ws.run_case(write_case(inv))), "bad-number")
    assert "quantity" in d.message and (d.span.path, d.span.line) == locate("case/inventory.toml", "quantity")


@pytest.mark.parametrize("where,text,code", [
    ("kb value", 'value = 1' + "0" * 400, "bad-number"),
    ("quality grade", 'grade = { activity = 1' + "0" * 400 + " }", "inventory"),
    ("allocation key", "inf", "inventory"),
])
def test_numbers_beyond_floats_in_other_places(ws, here, where, text, code):
    if where == "kb value":
        Path("kb").mkdir()
        Path("kb/sources.toml").write_text(SOURCES, encoding="utf-8")
        Path("kb/f.toml").write_text(f'[[entry]]\nid = "t.x"\n{text}\nunit = "kg"\nbasis = "parameter"\n'
                                     'source = "src"\n', encoding="utf-8")
        d = one(problems(lambda: load_kb(Path("kb"), ws.units, cache=False)), code)
        assert (d.span.path, d.span.line) == ("kb/f.toml", 3)
        return
    if where == "quality grade":
        inv = INVENTORY.replace("AMOUNT", '"1 kWh"') + f"\n[product.quality]\n{text}\n"
    else:
        inv = (f'[[shared]]\ninput = "electricity"\namount = "1 kWh"\nbasis = "physical"\nkeys = {{ p = {text}, q = 1 }}\n\n'
               + INVENTORY.replace("AMOUNT", '"1 kWh"').replace("\nelectricity = \"1 kWh\"\n", "\n")
               + '\n[[product]]\nid = "q"\n')
    d = one(problems(lambda: ws.run_case(write_case(inv))), code)
    assert d.span.path == "case/inventory.toml"


def test_a_printed_figure_a_float_cannot_hold(ws, here):
    case = CASE + '\n[reported.p]\ntotal = "1e999 kgCO2e"\n'
    d = one(problems(lambda: ws.run_case(write_case(INVENTORY.replace("AMOUNT", '"1 kWh"'), case))), "bad-number")
    assert (d.span.path, d.span.line) == locate("case/case.toml", "total =")


@pytest.mark.parametrize("formula", [
    "electricity * 1e300 kgCO2e/kWh * 1e300",                         # a float overflows
    "electricity * 0.5 kgCO2e/kWh / 0",                               # a float divides by zero
    "sum(l in legs: l.mass * 1e300 * l.mass * 1e300) * 1 kgCO2e/(t*t)",   # numpy overflows
    "sum(l in legs: 1 t / l.mass) * 1 kgCO2e",                        # numpy divides by zero
])
def test_overflow_and_division_by_zero_are_positioned_errors(ws, formula):
    table = "legs" in formula
    text = method(f'''\
        input electricity : kWh
        {"table legs { mass : t }" if table else ""}
        emission power in production = electricity * 0.5 kgCO2e/kWh
        emission big in production = {formula}
        ''')
    rows = {"legs": [{"mass": "1e100 t"}, {"mass": "0 t"}]} if table else {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # numpy's RuntimeWarning must not leak to the user either
        d = one(problems(lambda: evaluate(ws, text, [{"id": "p", "inputs": {"electricity": "1 kWh"}, **rows}])),
                "bad-number")
    assert d.span.line == next(i for i, l in enumerate(text.split("\n"), 1) if "emission big" in l)
    assert "`big` is not finite" in d.message or "division by zero in `big`" in d.message


REMOVAL = method('''\
    input electricity : kWh
    input uptake : kg "生物质固碳"
    table stores { carbon : kg }
    emission power in production = electricity * 0.5 kgCO2e/kWh
    emission sink in production [removal] = uptake * 1 kgCO2e/kg + sum(s in stores: s.carbon) * 1 kgCO2e/kg
    ''')


def test_negative_amounts_are_allowed_for_removals_only(ws):
    result = evaluate(ws, REMOVAL, [{"id": "p", "inputs": {"electricity": "2 kWh", "uptake": "-0.25 kg"},
                                     "stores": [{"carbon": "-0.5 kg"}]}])
    assert {l.name: l.value for l in result.products[0].lines} == pytest.approx({"power": 1.0, "sink": -0.75})
    ds = problems(lambda: evaluate(ws, REMOVAL, [{"id": "p", "inputs": {"electricity": "-2 kWh", "uptake": "1 kg"},
                                                  "stores": []}]))
    d = one(ds, "bad-number")
    assert "electricity" in d.message and "negative" in d.message and "[removal]" in d.hint


def test_an_input_shared_by_a_removal_and_an_emission_may_not_be_negative(ws):
    text = REMOVAL.replace("emission power in production = electricity * 0.5 kgCO2e/kWh",
                           "emission power in production = electricity * 0.5 kgCO2e/kWh + uptake * 1 kgCO2e/kg")
    d = one(problems(lambda: evaluate(ws, text, [{"id": "p", "inputs": {"electricity": "2 kWh", "uptake": "-1 kg"},
                                                  "stores": []}])), "bad-number")
    assert "uptake" in d.message


@pytest.mark.parametrize("printed,flagged", [
    ("6.93 kgCO2e", False),        # 6.9324 rounded to the printed digits
    ("6.9324 kgCO2e", False),
    ("6.92 kgCO2e", True),         # off by more than half a unit of its last digit
    ("6.9330 kgCO2e", True),       # printed with more digits: rounding no longer covers it
])
def test_the_audit_allows_display_rounding_and_nothing_more(ws, here, printed, flagged):
    inv = INVENTORY.replace("AMOUNT", '"12.0000 kWh"')
    text = ONE_INPUT.replace("0.5 kgCO2e/kWh", "0.5777 kgCO2e/kWh")
    result = ws.run_case(write_case(inv, CASE + f'\n[reported.p]\ntotal = "{printed}"\n', text))
    assert result.products[0].total == pytest.approx(6.9324)
    assert any(f.code == "reported-mismatch" for f in result.findings) == flagged


@pytest.mark.parametrize("key,ref", [("inventory", "x" * 300), ("method", "x" * 300 + ".pcf"),
                                     ("method", "x/" * 3000 + "m.pcf")])
def test_a_path_longer_than_the_file_system_allows(ws, here, key, ref):
    # The operating system refuses the name (ENAMETOOLONG): a missing file, not a crash.
    old = 'method = "m.pcf"' if key == "method" else 'inventory = "inventory.toml"'
    case = write_case(INVENTORY.replace("AMOUNT", '"1 kWh"'), CASE.replace(old, f'{key} = "{ref}"'))
    d = problems(lambda: ws.run_case(case))[0]
    assert d.code in ("case", "method-not-found") and (d.span.path, d.span.line) == locate("case/case.toml", f"{key} =")
