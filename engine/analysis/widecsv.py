"""A wide catalogue (one row per product) read in chunks: a header `Layout`, then chunks of
checked columns in base units, with today's messages and cell positions, in memory bounded by
the chunk size rather than the catalogue's length.

The problems of a whole catalogue are reported together and in one order whatever the chunk
size: the header's; then the ids (empty, repeated) row by row; then each input column in the
method's declared order, row by row; then the quantity column; at most `MAX_PROBLEMS` in all.
Each phase keeps its first `MAX_PROBLEMS` across chunks, so concatenating the phases gives
what one pass over the whole catalogue gives.

A column of plain decimal cells (ASCII digits and points, as a program writes them) is read
with one numpy conversion; a column with any other cell (grouped digits, a sign, a unit, an
empty cell) is read cell by cell through `inputs.amount.read_number`, the one reading of an
amount. Both give the same floats: a plain cell is a decimal literal of fewer than 309
digits or is refused by both, and `float` and numpy round decimal text alike (correctly).
"""
from __future__ import annotations

import codecs
import csv
import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import numpy as np

from ..core.errors import Diagnostic, PcfError
from ..core.keys import Key
from ..core.source import Span, display_path
from ..core.units import UnitError
from ..evaluation.compiled import Program
from ..evaluation.evaluate import removal_only
from ..evaluation.fit import declared_as, dimension_problem, unknown_input
from ..files import limits
from ..inputs.amount import AmountError, check_unit, is_percent, read_number
from ..inputs.spreadsheet import HEADER_UNIT, check_csv_row

CHUNK_ROWS = 50_000            # products per chunk (`pcf batch --chunk-rows`)
CHUNK_CHARS = 16 * limits.MiB  # a chunk also ends once its rows hold this much text
MAX_PROBLEMS = 50
_BLOCK = limits.MiB


@dataclass(frozen=True)
class Column:
    """A method input read from one column of the catalogue."""
    name: str
    key: Key
    index: int                 # 0-based column
    scale: float               # header unit -> base unit
    unit: str | None           # the header's unit (a "15 %" cell under `[%]` is 15)
    optional: bool
    allow_negative: bool


@dataclass(frozen=True)
class Layout:
    """What a catalogue's header says: where the id, name and quantity are, and each input's column."""
    shown: str
    header: tuple[str, ...]
    id_col: int
    name_col: int | None
    qty_col: int | None
    columns: tuple[Column, ...]      # declared order
    absent: tuple[Key, ...]          # optional inputs with no column: zeros


@dataclass(frozen=True)
class Chunk:
    """Checked products of consecutive rows, inputs in base units."""
    ids: tuple[str, ...]
    names: tuple[str, ...]
    inputs: dict                     # input key -> (n,) array
    divisor: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


# -- the header --------------------------------------------------------------------------------

def layout_of(first_row: Sequence | None, shown: str, prog: Program) -> Layout:
    """The layout of a catalogue whose first row is `first_row`; the header's problems raise together."""
    plan = prog.plan
    problems: list[Diagnostic] = []

    def err(code, msg, col, hint=None):
        if len(problems) < MAX_PROBLEMS:
            problems.append(Diagnostic(code, msg, Span(shown, 1, col), hint=hint))

    if plan.method.tables:
        names = ", ".join(f"`{t.name}`" for t in plan.method.tables)
        raise PcfError([Diagnostic("inventory", f"method `{plan.method.id}` has row tables ({names}): a one-row-"
                                   "per-product table cannot hold them", Span(shown, 1, 1),
                                   hint="give the catalogue as a workbook with `products`, `inputs` and one "
                                        "sheet per table (see `pcf init`)")])
    if not first_row or not any(c not in (None, "") for c in first_row):
        raise PcfError([Diagnostic("inventory", "the catalogue has no header row", Span(shown, 1, 1),
                                   hint="first row: product, quantity, then one `<input> [<unit>]` per input")])
    header = tuple("" if c is None else str(c).strip() for c in first_row)
    declared = {d.name: d for d in plan.method.inputs}
    cols: dict[str, tuple[int, float, str]] = {}
    id_col = name_col = qty_col = None
    for j, h in enumerate(header):
        m = HEADER_UNIT.match(h)
        name, unit = (m.group(1), m.group(2).strip()) if m else (h, None)
        if name in ("product", "id") and id_col is None:
            id_col = j
        elif name == "name" and name_col is None:
            name_col = j
        elif name == "quantity" and qty_col is None:
            qty_col = j
        elif name == "":
            continue
        elif name in ("product", "id", "name", "quantity") and name not in declared:
            # a second id, name or quantity column: which one holds the figures?
            first = {"product": id_col, "id": id_col, "name": name_col, "quantity": qty_col}[name]
            err("duplicate", f"column `{name}` appears twice (first in column {first + 1})", j + 1)
        elif name not in declared:
            message, hint = unknown_input(name, plan.method)
            err("inventory", f"column {message}", j + 1, hint)
        elif name in cols:
            err("duplicate", f"input `{name}` has two columns (first in column {cols[name][0] + 1})", j + 1)
        else:
            want = plan.units.parse(declared[name].unit)
            if unit is None:
                if want.dim or is_percent(declared[name].unit):   # a bare 15 for a % input: 15 % or 1 500 %?
                    err("unit-mismatch", f"column `{name}` gives no unit", j + 1,
                        f"write the header as `{name} [{declared[name].unit}]`")
                    continue
                unit = "1"
            try:
                check_unit(unit)
                spec = plan.units.parse(unit)
            except (UnitError, AmountError) as exc:
                err("unit-unknown", f"column `{name}`: {exc}", j + 1, exc.hint)
                continue
            problem = dimension_problem(unit, spec, declared[name].unit, want)
            if problem:
                err("unit-mismatch", f"column `{name}`: {problem}", j + 1)
                continue
            cols[name] = (j, spec.scale, unit)
    if id_col is None:
        err("inventory", "no `product` column (the product id)", 1, "first column: product")
    for name, d in declared.items():
        if name not in cols and not d.optional and not any(p.message.startswith(f"column `{name}`") for p in problems):
            err("missing-input", f"no column for input {declared_as(d)}",
                len(header) + 1, f"add a column `{name} [{d.unit}]`")
    if problems:
        raise PcfError(problems)
    columns = tuple(Column(name, Key.input(name), *cols[name], d.optional, removal_only(plan, Key.input(name)))
                    for name, d in declared.items() if name in cols)
    absent = tuple(Key.input(name) for name in declared if name not in cols)
    return Layout(shown, header, id_col, name_col, qty_col, columns, absent)


def read_layout(path: Path, prog: Program) -> Layout:
    """The layout of the CSV catalogue at `path` (its first row)."""
    return layout_of(next(stream_csv(path, 1)), display_path(path), prog)


@dataclass(frozen=True)
class Block:
    """Consecutive non-blank rows of a catalogue: cells by column (None where a row is short)
    and each row's number (the header is row 1; blank rows count)."""
    columns: list
    lines: list

    def column(self, j: int) -> list:
        return self.columns[j] if j < len(self.columns) else [None] * len(self.lines)


def blocks_of(rows: Sequence[tuple[Sequence, int]]) -> Block:
    """A `Block` of `(cells, row number)` rows, blank rows left out."""
    rows = [(r, line) for r, line in rows if not blank(r)]
    return Block([list(c) for c in itertools.zip_longest(*(r for r, _ in rows))], [line for _, line in rows])


# -- reading the file --------------------------------------------------------------------------

def stream_csv(path: Path, chunk_rows: int = CHUNK_ROWS, seen: list | None = None) -> Iterator:
    """The header row (None for an empty file), then `Block`s of at most `chunk_rows` rows, every
    row within the caps of `limits` (SHEET_ROWS, SHEET_COLUMNS, CELL_CHARS, a line within
    CSV_FILE_BYTES; CELLS and the text held per block bound each block).

    A file without `"` is split on commas, a block at a time when its lines all have the
    header's width and none is long (what `csv.reader` gives for such lines), else line by line;
    a file with one goes through `csv.reader`. The file is checked as UTF-8 first, so a bad byte
    anywhere is the error, as when the whole file was decoded at once. `seen`, if given, counts
    the characters read (for a progress estimate).
    """
    path = Path(path)
    shown = display_path(path)
    quoted, longest = _scan(path, shown)
    seen = seen if seen is not None else [0]
    with open(path, encoding="utf-8-sig", newline="") as fh:
        lines = fh if longest <= limits.CSV_FILE_BYTES else _bounded_lines(fh, shown)
        if quoted:
            yield from _record_blocks(_csv_records(lines, shown), chunk_rows, shown, seen)
            return
        header = next(lines, None)
        if header is None:
            yield None
            return
        row, = _checked_rows([header], 1, shown)
        yield row
        width, number = len(row), 1
        step = max(1, min(chunk_rows, CHUNK_CHARS // max(longest, 1)))
        while True:
            batch: list[str] = []
            chars = 0
            while len(batch) < chunk_rows and chars < CHUNK_CHARS:
                more = list(itertools.islice(lines, min(step, chunk_rows - len(batch))))
                if not more:
                    break
                chars += sum(map(len, more))
                batch += more
            if not batch:
                return
            seen[0] += chars
            block = _regular(batch, width, number)
            if block is None:
                block = blocks_of(zip(_checked_rows(batch, number + 1, shown), range(number + 1, number + 1 + len(batch))))
            number += len(batch)
            if block.lines:
                yield block


def _regular(lines: list[str], width: int, number: int) -> Block | None:
    """The block of `lines` split at once, when every line has `width` cells, no blank row and
    no cap is near (else None: line by line)."""
    n = len(lines)
    if number + n > limits.SHEET_ROWS or width > limits.SHEET_COLUMNS or \
            max(map(len, lines)) > min(limits.CELL_CHARS, csv.field_size_limit()):
        return None
    text = "".join(lines)
    if "\r" in text:
        return None
    commas = width - 1
    if text.count(",") != n * commas or set(map(str.count, lines, itertools.repeat(","))) != {commas}:
        return None
    if ("," * commas + "\n") in lines or lines[-1] == "," * commas:
        return None                                    # a blank row: line by line
    cells = text[:-1].replace("\n", ",").split(",") if text.endswith("\n") else text.replace("\n", ",").split(",")
    return Block([cells[j::width] for j in range(width)], list(range(number + 1, number + 1 + n)))


def _checked_rows(lines: list[str], first: int, shown: str) -> list[list[str]]:
    """Lines of a file without quotes as csv.reader reads them, each row within the caps."""
    rows = []
    limit = csv.field_size_limit()
    for number, line in enumerate(lines, first):
        if len(line) > limit:       # the csv module refuses a field over its limit: its message
            try:
                next(csv.reader([line]), None)
            except csv.Error as exc:
                raise PcfError([Diagnostic("inventory", f"cannot read CSV ({exc})", Span(shown, number, 1))]) \
                    from None
        row = line.rstrip("\r\n").split(",")
        check_csv_row(row, number, limits.CELLS, Span(shown, number, 1))
        rows.append(row)
    return rows


def _record_blocks(records: Iterator[tuple[list, int]], chunk_rows: int, shown: str, seen: list) -> Iterator:
    """The header, then blocks, from csv.reader's records."""
    number = 0
    for row, start in records:
        number = 1
        check_csv_row(row, number, limits.CELLS, Span(shown, start, 1))
        yield row
        break
    else:
        yield None
        return
    while True:
        chunk, cells, chars = [], 0, 0
        for row, start in records:
            number += 1
            check_csv_row(row, number, limits.CELLS, Span(shown, start, 1))
            chunk.append((row, number))
            cells += len(row)
            chars += sum(map(len, row))
            if len(chunk) >= chunk_rows or cells >= limits.CELLS or chars >= CHUNK_CHARS:
                break
        if not chunk:
            return
        seen[0] += chars
        block = blocks_of(chunk)
        if block.lines:
            yield block


def _scan(path: Path, shown: str) -> tuple[bool, int]:
    """Whether the file holds a `"`, and a bound on its longest line in bytes; a byte that is not
    UTF-8 is the error, at its line."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    quoted, newlines, run, longest = False, 0, 0, 0
    with open(path, "rb") as fh:
        while True:
            block = fh.read(_BLOCK)
            try:
                if not block.isascii() or not block or decoder.getstate()[0]:
                    decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                raw = decoder.getstate()[0]    # the bytes held over from the block before
                bad = (raw + block)[:max(exc.start, 0)]
                line = newlines - raw.count(b"\n") + bad.count(b"\n") + 1
                raise PcfError([Diagnostic("io", "the catalogue is not UTF-8 text", Span(shown, line, 1))]) \
                    from None
            if not block:
                return quoted, max(longest, run)
            quoted = quoted or b'"' in block
            newlines += block.count(b"\n")
            first = block.find(b"\n")
            if first < 0:
                run += len(block)
            else:          # a line inside a block is shorter than the block
                longest = max(longest, run + first + 1, min(len(block), _BLOCK))
                run = len(block) - block.rfind(b"\n") - 1


def _bounded_lines(fh, shown: str) -> Iterator[str]:
    """The file's lines, none longer than CSV_FILE_BYTES (so one row cannot fill the memory)."""
    cap = limits.CSV_FILE_BYTES
    for number in itertools.count(1):
        line = fh.readline(cap + 1)
        if not line:
            return
        if len(line) > cap:
            raise PcfError([Diagnostic("inventory", f"line longer than the cap CSV_FILE_BYTES = "
                                       f"{limits.shown(cap, 'bytes')}", Span(shown, number, 1),
                                       hint="split it into several catalogues")])
        yield line


def _csv_records(lines: Iterator[str], shown: str) -> Iterator[tuple[list, int]]:
    """csv.reader's rows with the line each starts on."""
    reader = csv.reader(lines)
    start = 1
    try:
        for row in reader:
            yield row, start
            start = reader.line_num + 1
    except csv.Error as exc:
        raise PcfError([Diagnostic("inventory", f"cannot read CSV ({exc})",
                                   Span(shown, reader.line_num or 1, 1))]) from None


# -- the body ----------------------------------------------------------------------------------

@dataclass
class Problems:
    """The body's problems by phase (see the module text), each phase capped."""
    ids: list = field(default_factory=list)
    columns: dict = field(default_factory=dict)        # column index -> list
    quantity: list = field(default_factory=list)
    zero: list = field(default_factory=list)
    zeros_seen: int = 0                                # quantities of 0 looked at (the first MAX_PROBLEMS)

    def __bool__(self) -> bool:
        return bool(self.ids or self.quantity or self.zero or any(self.columns.values()))

    def all(self, layout: Layout) -> list[Diagnostic]:
        out = list(self.ids)
        for c in layout.columns:
            out += self.columns.get(c.index, [])
        return (out + self.quantity + self.zero)[:MAX_PROBLEMS]


def _add(phase: list, code: str, message: str, span: Span, hint: str | None = None) -> None:
    if len(phase) < MAX_PROBLEMS:
        phase.append(Diagnostic(code, message, span, hint=hint))


class IdCheck:
    """Product ids unique across chunks, holding 8-byte hashes rather than the ids.

    Hashes of earlier chunks are kept as sorted runs (merged as in a binary counter); a hash
    seen twice marks a suspect. Two equal hashes may come from two different ids, so the
    message (which names the first row) comes from `exact`, run over the ids again for the
    suspect hashes only, when there are any.
    """

    def __init__(self) -> None:
        self.runs: list[np.ndarray] = []
        self.suspects: set[int] = set()

    def add(self, ids: Sequence[str]) -> None:
        if not len(ids):
            return
        h = np.fromiter(map(hash, ids), dtype=np.int64, count=len(ids))
        h.sort()
        repeated = h[1:][h[1:] == h[:-1]]
        for run in self.runs:
            at = np.searchsorted(run, h).clip(max=len(run) - 1)
            repeated = np.concatenate([repeated, h[run[at] == h]])
        if len(repeated):
            self.suspects.update(repeated.tolist())
        self.runs.append(h)
        while len(self.runs) > 1 and len(self.runs[-2]) <= 2 * len(self.runs[-1]):
            b, a = self.runs.pop(), self.runs.pop()
            self.runs.append(np.sort(np.concatenate([a, b]), kind="stable"))

    def exact(self, ids: Iterable[tuple[str, str | None, int]], layout: Layout) -> list[Diagnostic]:
        """The ids phase over `(id, raw cell, row)` of the whole catalogue, as one pass gives it."""
        out: list[Diagnostic] = []
        first: dict[str, int] = {}
        col = layout.id_col + 1
        for pid, raw, line in ids:
            if raw in (None, ""):
                _add(out, "inventory", "empty product id", Span(layout.shown, line, col))
            if hash(pid) not in self.suspects:
                continue
            if pid in first:
                _add(out, "inventory", f"product `{pid}` appears twice (first on row {first[pid]})",
                     Span(layout.shown, line, col))
            first.setdefault(pid, line)
        return out


def ids_of(block: Block, layout: Layout) -> list[tuple[str, object, int]]:
    """`(id, raw cell, row)` of each row: an empty id is `row N`, an id is stripped."""
    raw = block.column(layout.id_col)
    return [(f"row {line}" if c in (None, "") else str(c).strip(), c, line) for c, line in zip(raw, block.lines)]


def read_chunk(block: Block, layout: Layout, problems: Problems, ids: IdCheck) -> Chunk:
    """Check and convert a block's rows; problems go to `problems`."""
    shown = layout.shown
    n = len(block.lines)
    lines = block.lines
    col = block.column(layout.id_col)
    if _untrimmed(col) is False:          # no cell empty or with spaces to strip: the ids as they are
        pids = col
    else:
        triples = ids_of(block, layout)
        pids = [t[0] for t in triples]
        for pid, raw, line in triples:
            if raw in (None, ""):
                _add(problems.ids, "inventory", "empty product id", Span(shown, line, layout.id_col + 1))
    ids.add(pids)
    names = [""] * n if layout.name_col is None else block.column(layout.name_col)
    if None in names or not _all_text(names):
        names = [("" if v is None else str(v)) for v in names]

    def column(j: int, what: str, optional: bool, allow_negative: bool, unit: str | None, phase: list) -> np.ndarray:
        raw = block.column(j)
        fast = _plain(raw)
        if fast is not None:
            return fast
        out = np.zeros(n)
        for i, v in enumerate(raw):
            if v in (None, "") or (isinstance(v, str) and not v.strip()):
                if not optional:
                    _add(phase, "missing-input", f"product `{pids[i]}`: no {what}", Span(shown, lines[i], j + 1))
                continue
            try:
                x = read_number(v, unit).value
            except AmountError as exc:
                _add(phase, "bad-number", f"product `{pids[i]}`, {what}: {exc}", Span(shown, lines[i], j + 1),
                     exc.hint)
                continue
            if not math.isfinite(x):
                _add(phase, "bad-number", f"product `{pids[i]}`, {what}: {v} is not finite",
                     Span(shown, lines[i], j + 1))
            elif x < 0 and not allow_negative:
                _add(phase, "bad-number", f"product `{pids[i]}`, {what}: negative amount {v}",
                     Span(shown, lines[i], j + 1),
                     "an input may be negative only when every emission using it is tagged `[removal]`")
            else:
                out[i] = x
        return out

    inputs: dict = {key: np.zeros(n) for key in layout.absent}
    for c in layout.columns:
        phase = problems.columns.setdefault(c.index, [])
        inputs[c.key] = column(c.index, f"`{c.name}`", c.optional, c.allow_negative, c.unit, phase) * c.scale
    divisor = np.ones(n)
    if layout.qty_col is not None:
        # an empty quantity: that product's amounts are per functional unit already
        j = layout.qty_col
        q = column(j, "quantity", True, False, None, problems.quantity)
        qraw = block.column(j)
        # the first MAX_PROBLEMS zero quantities of the catalogue are looked at (empty ones too)
        for i in np.nonzero(q == 0)[0][:max(0, MAX_PROBLEMS - problems.zeros_seen)]:
            problems.zeros_seen += 1
            if str(qraw[i] or "").strip():
                _add(problems.zero, "bad-number", f"product `{pids[i]}`: quantity is 0", Span(shown, lines[i], j + 1))
        divisor = np.where(q > 0, q, 1.0)
    return Chunk(tuple(pids), tuple(names), inputs, divisor)


_ASCII_SPACE = " \t\r\x0b\x0c\x1c\x1d\x1e\x1f"     # what str.strip takes off, with "\n", in ASCII


def _all_text(cells: list) -> bool:
    try:
        "".join(cells)
    except TypeError:
        return False
    return True


def _untrimmed(cells: list) -> bool | None:
    """False when every cell is non-empty ASCII-or-not text that `str.strip` leaves as it is (no
    cell holds a newline); None when that is not sure (a cell to look at one by one)."""
    if not cells:
        return False
    try:
        text = "\n".join(cells)
    except TypeError:
        return None
    if text.count("\n") != len(cells) - 1 or not text or text[0] == "\n" or text[-1] == "\n" or "\n\n" in text:
        return None
    if not text.isascii() or any(ch in text for ch in _ASCII_SPACE):
        return None
    return False


def _plain(cells: list) -> np.ndarray | None:
    """The column as floats when every cell is plain decimal text (digits and points), else None."""
    if not cells or not all(type(c) is str for c in cells[:1]):
        return None
    try:
        text = "\n".join(cells)
    except TypeError:
        return None
    if not text.isascii() or not text.replace(".", "").replace("\n", "").isdigit():
        return None
    try:
        x = np.array(cells, dtype=float)
    except ValueError:             # "", ".", "1.2.3": read cell by cell for the message
        return None
    if not np.isfinite(x).all():   # 309 digits or more: out of range
        return None
    zero = np.flatnonzero(x == 0)
    if len(zero) and max(map(len, cells)) >= 300 and any(cells[i].strip("0.") for i in zero.tolist()):
        return None                # so small it reads as 0 (300 digits or more): out of range
    return x + 0.0


def blank(row: list) -> bool:
    return not any(c not in (None, "") for c in row)
