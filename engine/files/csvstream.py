"""A CSV file read in blocks of rows, within the caps of `limits`, in memory bounded by the
block: what `csv.reader` gives for the whole file, with each row's number.

Used by `pcf batch` for a wide catalogue (`analysis/widecsv.py`). A file without `"` is split on
commas, a block of lines at once when they all have the header's width; a file with one goes
through `csv.reader`. Before any row, the file is checked as UTF-8, so a bad byte anywhere is the
error, at its line, as when the whole file was decoded at once.
"""
from __future__ import annotations

import codecs
import csv
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from ..core.errors import Diagnostic, PcfError
from ..core.source import Span, display_path
from ..inputs.spreadsheet import check_csv_row
from . import limits

BLOCK_ROWS = 10_000            # rows per block unless asked otherwise
BLOCK_CHARS = 16 * limits.MiB  # a block also ends once its rows hold this much text
_READ = limits.MiB             # bytes per read while scanning


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


def stream_csv(path: Path, block_rows: int = BLOCK_ROWS, seen: list | None = None) -> Iterator:
    """The header row (None for an empty file), then `Block`s of at most `block_rows` rows, every
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
            yield from _record_blocks(_csv_records(lines, shown), block_rows, shown, seen)
            return
        header = next(lines, None)
        if header is None:
            yield None
            return
        row, = _checked_rows([header], 1, shown)
        yield row
        width, number = len(row), 1
        step = max(1, min(block_rows, BLOCK_CHARS // max(longest, 1)))
        while True:
            batch: list[str] = []
            chars = 0
            while len(batch) < block_rows and chars < BLOCK_CHARS:
                more = list(itertools.islice(lines, min(step, block_rows - len(batch))))
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


def _record_blocks(records: Iterator[tuple[list, int]], block_rows: int, shown: str, seen: list) -> Iterator:
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
            if len(chunk) >= block_rows or cells >= limits.CELLS or chars >= BLOCK_CHARS:
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
            block = fh.read(_READ)
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
                longest = max(longest, run + first + 1, min(len(block), _READ))
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
    return numbered_csv_rows(lines, shown, "inventory", "cannot read CSV ({})")


def numbered_csv_rows(lines, shown: str, code: str, message: str) -> Iterator[tuple[list, int]]:
    """csv.reader's rows of `lines` (an iterable of text lines) with the line each starts on; a
    malformed file is a `code` error at the line the reader stopped on, `message` formatted with
    csv's own words."""
    reader = csv.reader(lines)
    start = 1
    try:
        for row in reader:
            yield row, start
            start = reader.line_num + 1
    except csv.Error as exc:
        raise PcfError([Diagnostic(code, message.format(exc), Span(shown, reader.line_num or 1, 1))]) from None


def blank(row: list) -> bool:
    return not any(c not in (None, "") for c in row)
