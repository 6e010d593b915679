"""Fuzzing every input path: a result or positioned errors, never a traceback.

1. Round trips (hypothesis): generated methods print (pcf.language.format) and parse back to equal
   nodes; generated compilable methods evaluate generated inventories; generated
   inventories and knowledge-base entries written as TOML load back to the same values.
2. Mutation fuzzing: the seed cases, every method of methods/, every file of kb/ and seed
   004's inventory as a folder of CSV sheets are mutated (delete, insert, duplicate, swap,
   truncate, NUL, BOM, CRLF, full-width digits and punctuation, 1e999, -0, NaN ...) and
   run through the API in process. Each mutation either succeeds or raises PcfError whose
   every diagnostic renders as `file:line:col: message [code]` (or `file: key.path:
   message [code]`) inside a file that exists; anything else fails, naming the mutation and
   how to reproduce it.

Mutations are deterministic (mutation i of file f uses `random.Random(f"{f}#{i}")`) and
bounded per file by a count and a time budget: PCF_FUZZ_MUTATIONS (default 300) and
PCF_FUZZ_SECONDS (default 1.2 s per file); CI may raise both, and PCF_FUZZ_START (default 0)
runs other mutations than the usual ones.
"""
from __future__ import annotations

import math
import os
import random
import re
import shutil
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import pcf
from pcf.language.build import build_method
from pcf.inputs.case import load_case
from pcf.cli import main
from pcf.core.errors import CATALOGUE, PcfError, render
from pcf.language.format import format_method, without_spans
from pcf.inputs.inventory import load_inventory
from pcf.knowledge.kb import check_kb, load_kb
from pcf.plan import compile_method
from pcf.core.units import load_units

import strategies as gen

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted(p for p in (ROOT / "examples").iterdir() if (p / "case.toml").is_file())
METHOD_FILES = sorted((ROOT / "methods").rglob("*.pcf"))
KB_FILES = sorted((ROOT / "kb").rglob("*.toml"))
MAX_MUTATIONS = int(os.environ.get("PCF_FUZZ_MUTATIONS", "300"))
FIRST = int(os.environ.get("PCF_FUZZ_START", "0"))   # explore other mutations than CI's
SECONDS = float(os.environ.get("PCF_FUZZ_SECONDS", "1.2"))

POSITIONED = re.compile(r"^(?P<path>[^\s:][^:\n]*):(?P<line>\d+):(?P<col>\d+): \S.* \[(?P<code>[a-z0-9-]+)\]$")
KEYED = re.compile(r"^(?P<path>[^\s:][^:\n]*): (?P<key>[\w.\[\]-]+): \S.* \[(?P<code>[a-z0-9-]+)\]$")
MIN_MUTATIONS = 20   # run even on a slow machine, whatever the time budget


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)   # diagnostics show paths relative to the working directory
    return tmp_path


# --- the mutator -----------------------------------------------------------------------------

FULL_WIDTH = str.maketrans("0123456789.,:;()=+-*/\"[]{}", "０１２３４５６７８９．，：；（）＝＋－＊／＂［］｛｝")
SPECIAL_NUMBERS = ["1e999", "-1e999", "1e-999", "-0", "-0.0", "nan", "NaN", "inf", "-inf", "+inf", "0", "-1",
                   "1e308", "1.7976931348623157e308", "5e-324", "０.５７７７", "1,000", "1_000", "0x10", "1e",
                   ".5", "5.", "00012", "+5", "9" * 400, "1e+999999999", "-", "٣"]
TOKENS = ["{", "}", "[", "]", "[[", "]]", "(", ")", "=", ":", ",", ".", '"', "'", '"""', "#", "\\", "kb.",
          "kb.cn.electricity.cfp.national", "kb.x.y[1]", "sum(", "sum(r in t: r.x)", "44/12", "44/28",
          "override ", "extends ", "method ", "stage ", "input ", "table ", "let ", "emission ", "rule ", " in ",
          " optional", " excluded ", "[2024]", "[removal]", "万", "kWh", "万kWh", "万 kWh", "kgCO2e/kWh", "t·km",
          "%", "kg^99999", "10**10**10", " * ", " / 0", " - ", "--", "\n", "\n\n", "[[product]]", "[[entry]]",
          "[product.inputs]", "[reported.x]", "id = ", 'unit = "kg"', "value = ", 'x = "1 kWh"', "= 1e999",
          "= nan", "= -0", "= -1", "= inf", "= true", "= []", "= {}", "= 1979-05-27", "__import__('os').getcwd()",
          "../../etc/passwd", "/etc/passwd", "${HOME}", "；", "：", "，", "（", "）", "＝", "“", "”", "×", "−",
          "\u200b", "\xa0", "\u3000", "\u2028", "\ufeff", "\t", "\r", "\r\n", "é", "𝟙", "😀"]
NUMBER_RE = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w.])")
WORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Mutation:
    file: str      # the file's path relative to the repository
    index: int
    ops: tuple[str, ...]
    data: bytes

    def __str__(self) -> str:
        return (f"mutation #{self.index} of {self.file}: {' + '.join(self.ops)}\n"
                f"  reproduce: mutate(original_text, random.Random({f'{self.file}#{self.index}'!r}))")


def _line_bounds(text: str, rng: random.Random) -> tuple[int, int]:
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    a = rng.choice(starts)
    b = text.find("\n", a)
    return a, (len(text) if b < 0 else b + 1)


def _one(text: str, rng: random.Random, raw: bool = True) -> tuple[str | bytes, str]:
    """One random edit: (new text, or bytes for an encoding mutation unless not `raw`; what was done)."""
    op = rng.choice(["delete_char", "delete_span", "delete_line", "insert_char", "insert_token",
                     "insert_token", "duplicate_line", "swap_lines", "swap_words", "truncate", "nul", "bom",
                     "crlf", "lone_cr", "full_width", "full_width_line", "number", "number", "number",
                     "word", "repeat_line", "bad_utf8", "quote"])
    pos = rng.randrange(len(text) + 1)
    if op == "delete_char" and text:
        p = min(pos, len(text) - 1)
        return text[:p] + text[p + 1:], f"delete char {p} {text[p]!r}"
    if op == "delete_span":
        k = rng.randint(1, 40)
        return text[:pos] + text[pos + k:], f"delete {pos}:{pos + k} {text[pos:pos + k]!r}"
    if op == "delete_line":
        a, b = _line_bounds(text, rng)
        return text[:a] + text[b:], f"delete line {text[a:b]!r}"
    if op == "insert_char":
        ch = rng.choice('{}[]()=.,:;#\'"\\\n\t -+*/%0123456789eE万_xX０．，＂' + "\x01\x7f\u0300")
        return text[:pos] + ch + text[pos:], f"insert {ch!r} at {pos}"
    if op == "insert_token":
        tok = rng.choice(TOKENS + SPECIAL_NUMBERS)
        return text[:pos] + tok + text[pos:], f"insert {tok!r} at {pos}"
    if op in ("duplicate_line", "repeat_line"):
        a, b = _line_bounds(text, rng)
        line = text[a:b] if text[a:b].endswith("\n") else text[a:b] + "\n"
        times = 1 if op == "duplicate_line" else rng.choice([2, 50, 500])
        at = rng.choice([b, pos]) if op == "duplicate_line" else b
        return text[:at] + line * times + text[at:], f"{op} {text[a:b]!r} x{times} at {at}"
    if op == "swap_lines":
        lines = text.split("\n")
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
        return "\n".join(lines), f"swap lines {i + 1} and {j + 1}"
    if op == "swap_words":
        words = list(WORD_RE.finditer(text))
        if len(words) >= 2:
            a, b = sorted(rng.sample(words, 2), key=lambda m: m.start())
            return (text[:a.start()] + b.group() + text[a.end():b.start()] + a.group() + text[b.end():],
                    f"swap words {a.group()!r}@{a.start()} and {b.group()!r}@{b.start()}")
    if op == "truncate":
        return text[:pos], f"truncate at {pos}"
    if op == "nul":
        return text[:pos] + "\x00" + text[pos:], f"insert NUL at {pos}"
    if op == "bom":
        at = rng.choice([0, 0, pos])
        return text[:at] + "\ufeff" + text[at:], f"insert BOM at {at}"
    if op == "crlf":
        return text.replace("\n", "\r\n"), "CRLF line ends"
    if op == "lone_cr":
        return text[:pos] + "\r" + text[pos:], f"insert CR at {pos}"
    if op == "full_width":
        spots = [i for i, c in enumerate(text) if c.translate(FULL_WIDTH) != c]
        if spots:
            i = rng.choice(spots)
            return text[:i] + text[i].translate(FULL_WIDTH) + text[i + 1:], f"full-width {text[i]!r} at {i}"
    if op == "full_width_line":
        a, b = _line_bounds(text, rng)
        return text[:a] + text[a:b].translate(FULL_WIDTH) + text[b:], f"full-width line {text[a:b]!r}"
    if op == "number":
        nums = list(NUMBER_RE.finditer(text))
        if nums:
            m, new = rng.choice(nums), rng.choice(SPECIAL_NUMBERS)
            return text[:m.start()] + new + text[m.end():], f"number {m.group()!r}@{m.start()} -> {new!r}"
    if op == "word":
        words = list(WORD_RE.finditer(text))
        if words:
            m, new = rng.choice(words), rng.choice(words).group()
            new = rng.choice([new, new + "x", new[:-1], new.upper(), "kb", "sum", "in", "method", "product"])
            return text[:m.start()] + new + text[m.end():], f"word {m.group()!r}@{m.start()} -> {new!r}"
    if op == "bad_utf8" and raw:
        raw = text.encode("utf-8")
        p = rng.randrange(len(raw) + 1)
        junk = rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xb2\xfa\xc6\xb7", b"\xfe\xff"])
        return raw[:p] + junk + raw[p:], f"bytes {junk!r} at byte {p}"
    if op == "quote":
        quotes = [i for i, c in enumerate(text) if c == '"']
        if quotes:
            i = rng.choice(quotes)
            return text[:i] + text[i + 1:], f"drop the quote at {i}"
    return text[:pos] + "\x00" + text[pos:], f"insert NUL at {pos}"


def mutate(text: str, rng: random.Random, raw: bool = True) -> tuple[bytes, tuple[str, ...]]:
    """One to three edits of `text`, as the bytes to write (invalid UTF-8 only if `raw`)."""
    ops = []
    data: str | bytes = text
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        if isinstance(data, bytes):
            break
        data, what = _one(data, rng, raw)
        ops.append(what)
    return (data if isinstance(data, bytes) else data.encode("utf-8", errors="surrogatepass")), tuple(ops)


def mutations(path: Path, base: Path = ROOT, seconds: float = SECONDS, raw: bool = True):
    """The mutations of one file, deterministic, bounded by count and time."""
    rel = path.relative_to(base).as_posix()
    text = path.read_text(encoding="utf-8")
    deadline = time.monotonic() + seconds
    for i in range(FIRST, FIRST + MAX_MUTATIONS):
        if i - FIRST >= MIN_MUTATIONS and time.monotonic() > deadline:
            return
        data, ops = mutate(text, random.Random(f"{rel}#{i}"), raw)
        yield Mutation(rel, i, ops, data)


# --- the property ---------------------------------------------------------------------------

def check_diagnostics(exc: PcfError, mutation: Mutation) -> None:
    """Every diagnostic renders with a position (or file and key path) in an existing file."""
    assert exc.diagnostics, mutation
    for d in exc.diagnostics:
        assert d.code in CATALOGUE, (d.code, str(mutation))
        first = render([d]).split("\n")[0]
        m = POSITIONED.match(first)
        if m:
            line, col = int(m["line"]), int(m["col"])
            path, sheet = _sheet(m["path"])
            assert path.is_file(), (first, str(mutation))
            if sheet is None:   # a sheet counts rows, not lines (a quoted line break, a lone CR)
                # \r\n, \n and a lone \r all end a line (as for the csv module and splitlines)
                lines = len(re.findall(rb"\r\n|\r|\n", path.read_bytes())) + 1
                assert 1 <= line <= lines and col >= 1, (first, lines, str(mutation))
            continue
        m = KEYED.match(first)
        assert m and (Path(m["path"]).is_file() or m["path"] == "<inventory>"), (first, str(mutation))


def _sheet(shown: str) -> tuple[Path, str | None]:
    """`inventory.xlsx[legs]` -> the workbook and its sheet; `inventory[legs]` (a folder of CSV
    sheets) -> `inventory/legs.csv`; any other path -> itself."""
    m = re.fullmatch(r"(.+)\[([^\[\]]+)\]", shown)
    if m is None:
        return Path(shown), None
    base = Path(m[1])
    return (base / f"{m[2]}.csv" if base.is_dir() else base), m[2]


def attempt(mutation: Mutation, run) -> str:
    """Run `run()`; 'ok' or 'error', or fail the test with the mutation and the traceback."""
    try:
        run()
    except PcfError as exc:
        check_diagnostics(exc, mutation)
        return "error"
    except Exception:
        pytest.fail(f"{mutation}\n{traceback.format_exc()}", pytrace=False)
    return "ok"


def report(kind: str, name: str, outcomes: list[str], start: float) -> None:
    print(f"fuzz {kind} {name}: {len(outcomes)} mutations ({outcomes.count('ok')} ok, "
          f"{outcomes.count('error')} errors) in {time.monotonic() - start:.2f} s")


# --- seed cases -------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS, ids=[s.name for s in SEEDS])
@pytest.mark.parametrize("file", ["case.toml", "inventory.toml"])
def test_mutated_seed_cases(ws, here, seed, file):
    case = here / seed.name
    shutil.copytree(seed, case)
    target = case / file
    outcomes, start = [], time.monotonic()
    for m in mutations(seed / file):
        target.write_bytes(m.data)
        outcomes.append(attempt(m, lambda: ws.run_case(case.relative_to(here))))
    report("case", f"{seed.name}/{file}", outcomes, start)
    assert "error" in outcomes


# --- the method library --------------------------------------------------------------------------

def _dependents(ws) -> dict[str, list[Path]]:
    """Method file -> the seed cases whose method is it or extends it."""
    out: dict[str, list[Path]] = {}
    for seed in SEEDS:
        m = ws.resolve(pcf.read_method(load_case(seed).method_path))
        for ident in (m.id, *m.bases):
            out.setdefault(ident, []).append(seed)
    return out


@pytest.mark.parametrize("method", METHOD_FILES, ids=[p.relative_to(ROOT / "methods").as_posix() for p in METHOD_FILES])
def test_mutated_methods(ws, here, method):
    library = here / "methods"
    shutil.copytree(ROOT / "methods", library)
    lib_ws = pcf.Workspace(ws.units, ws.kb, library)
    ident = pcf.read_method(method).id
    cases = [shutil.copytree(s, here / s.name) for s in _dependents(ws).get(ident, [])]
    target = library / method.relative_to(ROOT / "methods")
    outcomes, start = [], time.monotonic()
    for m in mutations(method):
        target.write_bytes(m.data)

        def run():
            # as `pcf check FILE` does, then a seed case that uses the method, if any
            compile_method(lib_ws.resolve(pcf.read_method(target.relative_to(here))), ws.kb, ws.units, None,
                           latest_when_no_year=True)
            if cases:
                lib_ws.run_case(cases[m.index % len(cases)].relative_to(here))
        outcomes.append(attempt(m, run))
    report("method", ident, outcomes, start)
    assert "error" in outcomes


# --- the knowledge base ------------------------------------------------------------------------

@pytest.mark.parametrize("file", KB_FILES, ids=[p.relative_to(ROOT / "kb").as_posix() for p in KB_FILES])
def test_mutated_kb_files(ws, here, file):
    kb_dir = here / "kb"
    # The imported series (DESNZ 6 MiB, Electricity Maps 1 MiB, the IFI and IPCC files) stay out
    # unless one of them is the file mutated: the seeds use none of them, and reparsing them for
    # every mutation would spend the time budget on tomli instead of on mutations.
    shutil.copytree(ROOT / "kb", kb_dir, ignore=lambda folder, names: [
        n for n in names if (n.startswith(("desnz_flat_", "electricity_maps_", "ifi_marginal_")) or n == "ipcc")
        and Path(folder, n) != file and file.parent != Path(folder, n)])
    cases = [shutil.copytree(s, here / s.name) for s in SEEDS]
    target = kb_dir / file.relative_to(ROOT / "kb")
    outcomes, start = [], time.monotonic()
    for m in mutations(file):
        target.write_bytes(m.data)

        def run():
            kb = load_kb(Path("kb"), ws.units, cache=False)
            check_kb(kb)
            pcf.Workspace(ws.units, kb, ws.methods_dir).run_case(cases[m.index % len(cases)].relative_to(here))
        outcomes.append(attempt(m, run))
    report("kb", file.name, outcomes, start)
    assert "error" in outcomes


# --- spreadsheet inventories (a folder of CSV sheets) ------------------------------------------------

SHEET_TABLES = {"materials": ["mass [t]", "factor"], "materials_by_length": ["length [m]", "factor"],
                "legs": ["mass [t]", "distance [km]"]}


def _csv_case(folder: Path) -> Path:
    """Seed 004 with its inventory as a folder of CSV sheets."""
    import csv
    import io

    import openpyxl
    import tomli

    from pcf.inputs.spreadsheet import write_workbook
    seed = ROOT / "examples" / "seed-004-distribution-units"
    case = shutil.copytree(seed, folder)
    data = tomli.loads((seed / "inventory.toml").read_text(encoding="utf-8"))
    book = openpyxl.load_workbook(io.BytesIO(write_workbook(data["product"], SHEET_TABLES, data.get("shared", []))))
    (case / "inventory").mkdir()
    for sheet in book.worksheets:
        with (case / "inventory" / f"{sheet.title}.csv").open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)])
    (case / "inventory.toml").unlink()
    toml = (case / "case.toml").read_text(encoding="utf-8")
    (case / "case.toml").write_text(toml.replace('"inventory.toml"', '"inventory"'), encoding="utf-8")
    return case


def test_mutated_csv_inventories(ws, here):
    pytest.importorskip("openpyxl")
    case = _csv_case(here / "csv-case")
    ws.run_case(case.relative_to(here))   # the unmutated folder evaluates
    outcomes, start = [], time.monotonic()
    for sheet in sorted((case / "inventory").glob("*.csv")):
        original = sheet.read_bytes()
        # Text edits only: a CSV sheet that is not UTF-8 is test_a_csv_sheet_that_is_not_utf8.
        for m in mutations(sheet, here, seconds=SECONDS / 2, raw=False):
            sheet.write_bytes(m.data)
            outcomes.append(attempt(m, lambda: ws.run_case(case.relative_to(here))))
        sheet.write_bytes(original)
    report("csv", "seed-004 sheets", outcomes, start)
    assert "error" in outcomes


def test_a_csv_sheet_that_is_not_utf8(ws, here):
    pytest.importorskip("openpyxl")
    case = _csv_case(here / "csv-case")
    legs = case / "inventory" / "legs.csv"
    legs.write_bytes(legs.read_bytes() + "\n".encode() + "运输".encode("gbk") + b",1,2\n")
    with pytest.raises(PcfError) as err:
        ws.run_case(case.relative_to(here))
    assert err.value.diagnostics[0].span.line == legs.read_bytes().count(b"\n")


def test_mutated_unit_definitions(here):
    # Loading pint's registry takes a quarter of a second: a few mutations only.
    units = ROOT / "kb" / "units.txt"
    target = here / "units.txt"
    outcomes = []
    for i in range(8):
        data, ops = mutate(units.read_text(encoding="utf-8"), random.Random(f"kb/units.txt#{i}"))
        target.write_bytes(data)
        outcomes.append(attempt(Mutation("kb/units.txt", i, ops, data),
                                lambda: load_units(Path("units.txt")).parse("kgCO2e/kWh")))
    assert len(outcomes) == 8


# --- the command line on mutated cases ---------------------------------------------------------

def test_cli_on_mutated_cases_exits_0_or_1(here, capsys):
    seed = ROOT / "examples" / "seed-003-metering-box"
    codes = []
    for i in range(12):
        case = here / f"case{i}"
        shutil.copytree(seed, case)
        file = "inventory.toml" if i % 2 else "case.toml"
        data, ops = mutate((seed / file).read_text(encoding="utf-8"), random.Random(f"cli#{i}"))
        (case / file).write_bytes(data)
        code = main(["run", case.name] + (["--json"] if i % 3 == 0 else []))
        out, err = capsys.readouterr()
        assert code in (0, 1), (i, ops, err)
        assert "Traceback" not in err and "internal error" not in err, (i, ops, err)
        if code == 1:
            assert all(POSITIONED.match(line) or KEYED.match(line) for line in err.split("\n")
                       if line and not line.startswith(("  ", "..."))), err
        codes.append(code)
    assert 1 in codes


# --- round trips (hypothesis) -------------------------------------------------------------------

ROUND_TRIP = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def kb_ids(ws):
    return st.sampled_from(sorted(ws.kb.by_id))


@pytest.fixture(scope="module")
def factor_refs(ws):
    return gen.kb_factor_refs(ws.kb, 2024)


def test_generated_methods_print_and_parse_back(kb_ids):
    @ROUND_TRIP
    @given(gen.methods(kb_ids))
    def prop(method):
        text = format_method(method)
        back = build_method(text, "m.pcf")
        assert without_spans(back) == without_spans(method), text
        assert format_method(back) == text   # canonical: printing is idempotent
    prop()


def test_library_methods_print_and_parse_back():
    for path in METHOD_FILES:
        method = pcf.read_method(path)
        text = format_method(method)
        assert without_spans(build_method(text, method.path)) == without_spans(method), path


def test_generated_compilable_methods_evaluate(ws, factor_refs):
    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def prop(data):
        spec = data.draw(gen.compilable_methods(factor_refs))
        method = build_method(format_method(spec.method), "m.pcf")
        plan = ws.compile(method, 2024)
        result = ws.evaluate(plan, pcf.Inventory.build(data.draw(gen.inventories(spec))))
        for p in result.products:
            assert math.isfinite(p.total)
            assert sum(p.stages.values()) == pytest.approx(p.total, rel=1e-9, abs=1e-300)
    prop()


def test_generated_inventories_read_back_from_toml(here):
    @ROUND_TRIP
    @given(gen.inventories())
    def prop(products):
        Path("inventory.toml").write_text(gen.inventory_toml(products), encoding="utf-8")
        built = pcf.Inventory.build(products)
        read = load_inventory(Path("inventory.toml"))
        assert without_spans(read.products) == without_spans(built.products)
    prop()


def test_generated_kb_entries_read_back_from_toml(ws, here):
    kb_dir = here / "kb"
    kb_dir.mkdir()
    (kb_dir / "sources.toml").write_text(gen.SOURCES_TOML, encoding="utf-8")

    @ROUND_TRIP
    @given(gen.kb_files())
    def prop(entries):
        (kb_dir / "f.toml").write_text(gen.kb_toml(entries), encoding="utf-8")
        kb = load_kb(kb_dir, ws.units, cache=False)
        check_kb(kb)
        fields = ("id", "value", "unit", "basis", "source", "valid_from", "valid_to", "name_zh", "name_en",
                  "region", "note", "quality", "confidence", "default")
        defaults = {"default": True}
        want = sorted((tuple(e.get(f, defaults.get(f)) for f in fields) for e in entries),
                      key=lambda t: (t[0], t[5] or 0))
        assert [tuple(getattr(e, f) for f in fields) for e in kb.entries] == want
    prop()


# --- what fuzzing found, kept as plain tests ------------------------------------------------------

def test_an_unknown_cutoff_basis_is_a_rule_error_not_a_crash(ws, here):
    # A swapped word made `basis: The`; the rule failed with a KeyError when the case was evaluated.
    text = (ROOT / "methods/iso14067/machinery_transport.pcf").read_text(encoding="utf-8")
    assert "basis: mass" in text
    Path("m.pcf").write_text(text.replace("basis: mass", "basis: mas"), encoding="utf-8")
    with pytest.raises(PcfError) as err:
        ws.compile(ws.method("m.pcf"), 2023)
    (d,) = err.value.diagnostics
    assert d.code == "rule" and "`mas`" in d.message and d.hint == "did you mean `mass`?"
    assert d.span.path == "m.pcf" and "basis: mas" in text.replace("basis: mass", "basis: mas").split("\n")[d.span.line - 1]


@pytest.mark.parametrize("edit,line", [
    (lambda t: t.replace("kgCO2e = [co2e]", "kgCO2e = [co2e"), "kgCO2e = [co2e"),
    (lambda t: t.replace("tCO2e = 1000 * kgCO2e", "tCO2e = 1000 *"), "tCO2e = 1000 *"),
    (lambda t: t + "\nkgCO2e = [other]\n", "kgCO2e = [other]"),
    (lambda t: t + "\n\x00\n", "\x00"),
    (lambda t: t + "\n@defaults\n", "@defaults"),
])
def test_a_broken_unit_definitions_file_is_a_positioned_error(here, edit, line):
    # pint raised its own errors (and a TypeError for a line it could not classify) unpositioned.
    text = edit((ROOT / "kb" / "units.txt").read_text(encoding="utf-8"))
    Path("units.txt").write_text(text, encoding="utf-8")
    with pytest.raises(PcfError) as err:
        load_units(Path("units.txt"))
    (d,) = err.value.diagnostics
    assert d.code == "kb-invalid" and d.span.path == "units.txt" and d.message.startswith("unit definitions: ")
    assert text.split("\n")[d.span.line - 1] == line
