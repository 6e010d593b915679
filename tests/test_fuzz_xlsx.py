"""Byte-mutation fuzzing of XLSX inventories: a result or positioned errors, never exit 70.

Seed 004 as a workbook (`test_spreadsheet.xlsx_case`, with a formula cell and its stored
value so that the formula path is fuzzed too) is mutated at two levels: the zip's bytes
(flips, inserts, deletions, truncation: mostly the zip and deflate layers), and the bytes of
one part's XML, re-zipped (the sheet parser, which openpyxl runs lazily while rows are read).
Each mutated case runs in process as `pcf run` does; an exception other than PcfError is
what the CLI reports as exit 70, and fails the test naming the mutation.

Mutation i uses `random.Random(f"xlsx#{i}")`. The suite runs PCF_XLSX_FUZZ mutations (default
500, about 4 s of CPU); bench/fuzz_xlsx.py runs 2 000 and other ranges (bench/README.md).
"""
from __future__ import annotations

import io
import os
import random
import time
import traceback
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from pcf.core.errors import PcfError

from test_fuzz import Mutation, check_diagnostics
from test_spreadsheet import rewrite_sheet, xlsx_case

COUNT = int(os.environ.get("PCF_XLSX_FUZZ", "500"))
XML_TOKENS = [b"<", b">", b"</c>", b"</row>", b"<row>", b'<row r="0">', b'<row r="1048577">', b'<row r="x">',
              b'<c r="ZZZZZ9">', b'<c r="A0">', b'<c r="A1048577">', b'<c r="XFE2">', b"<v>1e999</v>", b"<v>nan</v>",
              b"<v></v>", b"<f>1+1</f>", b"<f>1+1</f><v></v>", b't="s"', b't="b"', b't="d"', b't="e"', b't="n"',
              b't="str"', b't="inlineStr"', b"<is><t>x</t></is>", b"&amp;", b"&#0;", b"&#xD800;", b"&bogus;",
              b"<!DOCTYPE x [<!ENTITY a 'aaaaaaaa'>]>", b"<![CDATA[x]]>", b's="99999"', b'r="A1"', b"\x00",
              b"\xff", b"\xef\xbb\xbf", "长".encode(), b"<dimension ref=\"A1\"/>", b"<sheetData/>",
              b"<mergeCells><mergeCell ref=\"A1:B2\"/></mergeCells>", b'<col min="1" max="16385"/>']


@dataclass(frozen=True)
class WorkbookMutation(Mutation):
    """test_fuzz's mutation of a file, told how to reproduce a workbook's."""

    def __str__(self) -> str:
        return (f"{self.file} mutation #{self.index}: {' + '.join(self.ops)}\n"
                f"  reproduce: mutate_workbook(seed_bytes, random.Random('{self.file}#{self.index}'))")


def seed_workbook(here: Path) -> Path:
    """Seed 004 as a workbook case, the first leg's mass a formula with its stored value."""
    case = xlsx_case(here)
    book = case / "inventory.xlsx"
    wb = openpyxl.load_workbook(book)
    wb["legs"]["C2"] = "=13*5"
    wb.save(book)
    rewrite_sheet(book, b"distance [km]", lambda x: x.replace(b"<f>13*5</f><v></v>", b"<f>13*5</f><v>65</v>")
                  .replace(b"<f>13*5</f><v /></c>", b"<f>13*5</f><v>65</v></c>"))
    return case


def _edit(data: bytes, rng: random.Random, tokens: list[bytes]) -> tuple[bytes, str]:
    op = rng.choice(["flip", "byte", "insert", "delete", "duplicate", "truncate", "zero", "token", "token"])
    pos = rng.randrange(len(data) + 1)
    if op == "flip" and data:
        p = min(pos, len(data) - 1)
        bit = 1 << rng.randrange(8)
        return data[:p] + bytes([data[p] ^ bit]) + data[p + 1:], f"flip bit {bit} of byte {p}"
    if op == "byte" and data:
        p, b = min(pos, len(data) - 1), rng.randrange(256)
        return data[:p] + bytes([b]) + data[p + 1:], f"byte {p} = {b}"
    if op == "insert":
        junk = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        return data[:pos] + junk + data[pos:], f"insert {junk!r} at {pos}"
    if op == "delete":
        k = rng.randint(1, 64)
        return data[:pos] + data[pos + k:], f"delete {pos}:{pos + k}"
    if op == "duplicate":
        k = rng.randint(1, 256)
        return data[:pos] + data[pos:pos + k] * rng.choice([2, 10]) + data[pos + k:], f"duplicate {pos}:{pos + k}"
    if op == "truncate":
        return data[:pos], f"truncate at {pos}"
    if op == "zero":
        k = rng.randint(1, 32)
        return data[:pos] + b"\0" * len(data[pos:pos + k]) + data[pos + k:], f"zero {pos}:{pos + k}"
    tok = rng.choice(tokens)
    return data[:pos] + tok + data[pos:], f"insert {tok!r} at {pos}"


def mutate_workbook(seed: bytes, rng: random.Random) -> tuple[bytes, tuple[str, ...]]:
    """The zip's bytes edited (a third of the time), or one part's XML edited and re-zipped."""
    edits = rng.choice([1, 1, 2, 3])
    if rng.random() < 1 / 3:
        data, ops = seed, []
        for _ in range(edits):
            data, what = _edit(data, rng, [b"PK\x03\x04", b"PK\x01\x02", b"\xff" * 4, b"\0" * 4])
            ops.append("zip: " + what)
        return data, tuple(ops)
    with zipfile.ZipFile(io.BytesIO(seed)) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    # sheets most of the time: their XML is parsed lazily, where exit 70 came from
    names = sorted(parts)
    sheets = [n for n in names if n.startswith("xl/worksheets/")]
    name = rng.choice(sheets if rng.random() < 0.7 else names)
    data, ops = parts[name], []
    for _ in range(edits):
        data, what = _edit(data, rng, XML_TOKENS)
        ops.append(f"{name}: {what}")
    parts[name] = data
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for n in names:
            z.writestr(n, parts[n])
    return buf.getvalue(), tuple(ops)


def exit_code(run, mutation: Mutation) -> int:
    """The exit code `pcf run` gives: 0, 1 for PcfError (every diagnostic checked as positioned),
    70 for anything else; 70 fails the test with the mutation and the traceback."""
    try:
        run()
    except PcfError as exc:
        check_diagnostics(exc, mutation)
        return 1
    except Exception:
        pytest.fail(f"{mutation}\n{traceback.format_exc()}", pytrace=False)
    return 0


def fuzz(ws, here: Path, count: int, first: int = 0) -> dict[int, int]:
    """Run `count` mutations of the seed case's workbook (`pcf run`); exit code -> how many."""
    case = seed_workbook(here)
    rel = case.relative_to(here)
    return _fuzz(case / "inventory.xlsx", lambda: ws.run_case(rel), count, first, "xlsx")


def _fuzz(book: Path, run, count: int, first: int, name: str) -> dict[int, int]:
    seed = book.read_bytes()
    run()        # the unmutated workbook evaluates
    codes: dict[int, int] = {}
    for i in range(first, first + count):
        data, ops = mutate_workbook(seed, random.Random(f"{name}#{i}"))
        book.write_bytes(data)
        code = exit_code(run, WorkbookMutation(name, i, ops, data))
        codes[code] = codes.get(code, 0) + 1
    book.write_bytes(seed)
    return codes


def test_byte_mutated_workbooks_exit_0_or_1_with_positions(ws, here):
    start = time.monotonic()
    codes = fuzz(ws, here, COUNT)
    print(f"fuzz xlsx: {COUNT} mutations, exit codes {codes}, {time.monotonic() - start:.1f} s")
    assert set(codes) <= {0, 1} and codes.get(1, 0) > COUNT // 4


def test_byte_mutated_wide_catalogues(ws, here):
    # `pcf batch` reads a wide workbook (one row per product) through the same reader.
    from pcf.analysis.batch import evaluate_catalogue, load_catalogue
    from pcf.evaluation.lowering import compile_program
    wb = openpyxl.Workbook()
    wb.active.append(["product", "name", "quantity", "production_electricity [kWh]", "grid_factor [kgCO2/kWh]"])
    for k in range(20):
        wb.active.append([f"p{k}", f"产品{k}", 10 + k, 1000.5 * k, 0.5])
    wb.save("cat.xlsx")
    prog = compile_program(ws.compile(ws.method("pas2050.production_energy"), 2024))
    codes = _fuzz(here / "cat.xlsx", lambda: evaluate_catalogue(prog, load_catalogue(Path("cat.xlsx"), prog, ws.kb)),
                  COUNT // 5, 0, "wide-xlsx")
    assert set(codes) <= {0, 1} and codes.get(1, 0) > COUNT // 20


def test_the_cli_on_mutated_workbooks(here, capsys):
    # The same mutations through `pcf run` itself: its exit code and what it prints.
    from pcf.cli import main

    from test_fuzz import KEYED, POSITIONED
    case = seed_workbook(here)
    seed = (case / "inventory.xlsx").read_bytes()
    codes = []
    for i in range(24):
        data, ops = mutate_workbook(seed, random.Random(f"xlsx#{i}"))
        (case / "inventory.xlsx").write_bytes(data)
        code = main(["run", "case"])
        out, err = capsys.readouterr()
        assert code in (0, 1) and "Traceback" not in err and "internal error" not in err, (i, ops, err)
        if code == 1:
            assert all(POSITIONED.match(line) or KEYED.match(line) for line in err.split("\n")
                       if line and not line.startswith(("  ", "..."))), (i, ops, err)
        codes.append(code)
    assert 1 in codes
