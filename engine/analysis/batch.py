"""A catalogue of products through one compiled method, column-wise.

Two ways in:

- a **wide table** (`.csv`, or an `.xlsx` whose first sheet is not `products`): one row per
  product, `product`, optional `name` and `quantity`, then one column per method input with
  its unit in the header (`electricity [kWh]`). Columns are converted to base units as whole
  arrays, so 100 000 products cost one pass per column. Methods with row tables need the
  long form;
- any **inventory** the single-case path reads (TOML, XLSX workbook with a `products` sheet,
  folder of CSV sheets): each product is bound as in `pcf run`, then stacked.

Either way the program runs over chunks of products (a chunk's slots x products array stays
near 32 MiB), and each product's figures equal the single-case path's to rounding.

A wide CSV is also streamed (`batch_wide_csv`, what `pcf batch` runs): read, checked
(`widecsv`), evaluated and written a chunk of rows at a time, with the same output bytes and
the same errors as `to_csv(evaluate_catalogue(load_catalogue(...)))`.
"""
from __future__ import annotations

import csv
import io
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np

from ..core.errors import Diagnostic, PcfError
from ..core.keys import TABLE, Key
from ..core.source import Span, display_path
from ..evaluation.compiled import Program, Rows
from ..evaluation.evaluate import Bound, bind
from ..files import limits
from ..files.workbook import read_workbook, sheet_names
from ..inputs.inventory import load_inventory
from ..knowledge.kbmodel import KnowledgeBase
from ..render.escape import _FORMULA_START, csv_cell
from ..files.csvstream import blocks_of, stream_csv
from .widecsv import CHUNK_ROWS, Chunk, IdCheck, Problems, ids_of, layout_of, read_chunk

CHUNK_CELLS = 2 ** 22          # slots x products per evaluation chunk (32 MiB of floats)


@dataclass(frozen=True)
class Catalogue:
    """Products as columns: ids, base-unit inputs, the per-unit divisor of each product."""
    ids: tuple[str, ...]
    names: tuple[str, ...]
    inputs: Mapping[str, object]          # input key -> (n,) array; table key -> Rows
    divisor: np.ndarray                   # (n,)
    path: str

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class BatchResult:
    ids: tuple[str, ...]
    names: tuple[str, ...]
    lines: np.ndarray                     # (emissions, n), kgCO2e per functional unit
    stages: np.ndarray                    # (stages, n)
    total: np.ndarray                     # (n,)
    checks: np.ndarray | None = None      # (checks, n): 1 where the method's check holds, 0 where it fails


def load_catalogue(path: Path, prog: Program, kb: KnowledgeBase,
                   progress: Callable[[int, int], None] | None = None) -> Catalogue:
    """Read products from a wide table or an inventory (see the module text)."""
    path = Path(path)
    if path.suffix.lower() == ".csv" and path.is_file():
        return _wide([], display_path(path), prog, wide_csv_chunks(path, prog))
    if path.suffix.lower() == ".xlsx" and path.is_file():
        sheets = _xlsx_sheet_names(path)
        if "products" not in sheets:
            return _wide(_xlsx_rows(path, sheets[0]), f"{display_path(path)}[{sheets[0]}]", prog)
    inv = load_inventory(path)
    bounds, problems = [], []
    for i, p in enumerate(inv.products):
        try:
            bounds.append(bind(prog.plan, p, kb, inv.path))
        except PcfError as exc:
            problems.extend(exc.diagnostics)
        if progress is not None:
            progress(i + 1, len(inv.products))
    if problems:
        raise PcfError(problems)
    return stack(prog, bounds, inv.path)


def stack(prog: Program, bounds: Sequence[Bound], path: str = "<inventory>") -> Catalogue:
    """Bound products side by side: scalars become (n,) arrays, tables padded `Rows`."""
    n = len(bounds)
    inputs: dict[str, object] = {}
    for key in prog.inputs:
        inputs[key] = np.array([b.values[key] for b in bounds], dtype=float)
    keys = sorted({k for b in bounds for k in b.values if k.is_a(TABLE)})
    _check_padding(keys, bounds, path)
    for key in keys:
        tables = [b.values[key] for b in bounds]
        rows = max((len(next(iter(t.values()), ())) for t in tables), default=0)
        mask = np.zeros((rows, n))
        cols = {c: np.zeros((rows, n)) for c in tables[0]} if tables else {}
        for j, t in enumerate(tables):
            r = len(next(iter(t.values()), ()))
            mask[:r, j] = 1.0
            for c, a in t.items():
                cols[c][:r, j] = a
        inputs[key] = Rows(cols, mask)
    return Catalogue(tuple(b.product.id for b in bounds), tuple(b.product.name or "" for b in bounds),
                     inputs, np.array([b.divisor for b in bounds], dtype=float), path)


def _check_padding(keys: list[str], bounds: Sequence[Bound], path: str) -> None:
    """Refuse, before allocating, tables whose padding to the longest product would exceed
    BATCH_TABLE_CELLS: one product with a million rows pads every other product to a million."""
    n, cells, worst = len(bounds), 0, None
    for key in keys:
        counts = [len(next(iter(b.values[key].values()), ())) for b in bounds]
        rows = max(counts, default=0)
        cells += rows * n * (len(bounds[0].values[key]) + 1)      # the columns and the mask
        if rows and (worst is None or rows > worst[1]):
            worst = (key, rows, bounds[counts.index(rows)].product.id)
    if cells > limits.BATCH_TABLE_CELLS:
        table, rows, pid = worst
        raise PcfError([Diagnostic(
            "inventory", f"product `{pid}` has {rows} rows of `{table.removeprefix('table:')}`: padding all {n} products "
            f"to it takes {cells} cells, over the cap BATCH_TABLE_CELLS = {limits.shown(limits.BATCH_TABLE_CELLS)} "
            f"({limits.shown(limits.BATCH_TABLE_CELLS * 8, 'bytes')} of floats)", Span(path, 1, 1),
            hint="run the products with many rows with `pcf run`, or split the catalogue by row count")])


def evaluate_catalogue(prog: Program, cat: Catalogue,
                       progress: Callable[[int, int], None] | None = None) -> BatchResult:
    n = len(cat)
    # a table sum's temporaries are rows x products: count the padded rows with the slots
    rows = sum(v.mask.shape[0] for v in cat.inputs.values() if isinstance(v, Rows))
    chunk = max(1, min(n, CHUNK_CELLS // max(prog.size + rows, 1)))
    E, S = len(prog.emissions), prog.counted.shape[0]
    lines, stages, total = np.empty((E, n)), np.empty((S, n)), np.empty(n)
    checks = np.empty((len(prog.checks), n))
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        part = {k: (Rows({c: a[:, lo:hi] for c, a in v.columns.items()}, v.mask[:, lo:hi])
                    if isinstance(v, Rows) else v[lo:hi]) for k, v in cat.inputs.items()}
        V = prog.run(part, n=hi - lo)
        prog.check_finite(V, [f"product `{i}`" for i in cat.ids[lo:hi]])
        lines[:, lo:hi], stages[:, lo:hi], total[lo:hi] = prog.totals(V, cat.divisor[lo:hi])
        checks[:, lo:hi] = prog.check_values(V)
        if progress is not None:
            progress(hi, n)
    return BatchResult(cat.ids, cat.names, lines, stages, total, checks)


def to_csv(result: BatchResult, prog: Program, with_lines: bool = False) -> str:
    """One row per product: total and stages (and lines) in kgCO2e per functional unit.

    Ids and names a spreadsheet would run as formulas start with `'` (see `render.escape.csv_cell`).
    """
    return csv_header(prog, with_lines) + csv_rows(result.ids, result.names, result.total, result.stages,
                                                   result.lines if with_lines else None,
                                                   failed_checks(prog, result.checks))


def csv_header(prog: Program, with_lines: bool = False) -> str:
    """The first row of `to_csv`."""
    head = ["product", "name", "total [kgCO2e]"] + [f"{s} [kgCO2e]" for s in prog.plan.stage_ids]
    if with_lines:
        head += [f"{e} [kgCO2e]" for e in prog.emissions]
    if prog.checks:   # only a method with checks: other methods' output is byte for byte as before
        head.append("failed checks")
    return _csv_text([[csv_cell(h) for h in head]])


def failed_checks(prog: Program, checks: np.ndarray | None) -> list[str] | None:
    """Per product, the names of the method's checks it fails, joined by `;` (empty: none)."""
    if not prog.checks or checks is None:
        return None
    fails = checks == 0
    return [";".join(c for c, f in zip(prog.checks, col) if f) for col in fails.T.tolist()]


def csv_rows(ids: Sequence[str], names: Sequence[str], total: np.ndarray, stages: np.ndarray,
             lines: np.ndarray | None = None, checks: list[str] | None = None) -> str:
    """The rows of `to_csv` for these products: the bytes the row-by-row writer gives, built a
    column at a time. A number is `repr` of the float (every digit, `-0.0` as `0.0`); a column
    equal across the rows is formatted once. `checks`: the failed checks' column, if any."""
    n = len(ids)
    if not n:
        return ""
    numbers = [total, *stages, *(lines if lines is not None else ())]
    texts = [_plain_text(ids), _plain_text(names)]
    if texts[0] is None or texts[1] is None:
        # a text cell to escape or quote: the csv module's writer, row by row
        cols = [[_fmt(float(v)) for v in a] for a in numbers]
        return _csv_text([csv_cell(ids[j]), csv_cell(names[j]), *(c[j] for c in cols),
                          *([checks[j]] if checks is not None else [])] for j in range(n))
    cols = texts + [_numbers(np.asarray(a, dtype=float), n) for a in numbers]
    if checks is not None:
        cols.append(checks)   # check names are method names: no comma, quote or formula start
    return "\n".join(map(",".join, zip(*cols))) + "\n"


def _fmt(v: float) -> str:
    return repr(v + 0.0)


def _numbers(a: np.ndarray, n: int) -> list[str]:
    a = a + 0.0                                   # -0.0 -> 0.0, as `_fmt`
    if n > 1 and a[0] == a[0] and (a == a[0]).all():
        return [_fmt(float(a[0]))] * n
    return repr(a.tolist())[1:-1].split(", ")     # the list's repr is each float's repr


def _plain_text(values: Sequence[str]) -> Sequence[str] | None:
    """`values` when no cell needs `csv_cell`'s `'` or the writer's quotes, else None."""
    joined = "\n".join(values)
    if joined.count("\n") != len(values) - 1 or any(ch in joined for ch in ',"\r'):
        return None
    if values[0][:1] in _FORMULA_START or any(f"\n{ch}" in joined for ch in _FORMULA_START):
        return None
    return values


def _csv_text(rows) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


# -- a wide CSV catalogue, chunk by chunk ----------------------------------------------------------

def wide_chunks(parts: Iterable, shown: str, prog: Program, again: Callable[[], Iterable]) -> Iterator[Chunk]:
    """Checked chunks of a wide catalogue given as its header row, then `Block`s of rows.

    Chunks are yielded while the catalogue has no problem so far; the rows after a problem are
    still read and checked, and all problems raise together at the end (see `widecsv`), so the
    error is the one the whole catalogue gives. `again()` gives the header and blocks once more,
    read only when two ids share a hash (see `widecsv.IdCheck`).
    """
    it = iter(parts)
    try:
        layout = layout_of(next(it), shown, prog)
    except PcfError:
        for _ in it:          # a fault further in the file is reported first, as when it was read whole
            pass
        raise
    problems, ids = Problems(), IdCheck()
    for block in it:
        chunk = read_chunk(block, layout, problems, ids)
        if not problems:
            yield chunk
    if ids.suspects:
        rest = itertools.islice(again(), 1, None)
        problems.ids = ids.exact((t for block in rest for t in ids_of(block, layout)), layout)
    if problems:
        raise PcfError(problems.all(layout))


def wide_csv_chunks(path: Path, prog: Program, chunk_rows: int = CHUNK_ROWS, seen: list | None = None) -> Iterator[Chunk]:
    """`wide_chunks` of the CSV catalogue at `path`, read `chunk_rows` rows at a time."""
    return wide_chunks(stream_csv(path, chunk_rows, seen), display_path(path), prog,
                       lambda: stream_csv(path, chunk_rows))


def batch_wide_csv(path: Path, prog: Program, chunk_rows: int = CHUNK_ROWS, with_lines: bool = False,
                   progress: Callable[[int, int], None] | None = None, count: list | None = None,
                   outcomes: Callable[[Iterator[tuple[Chunk, int]]], Iterator["Outcome"]] | None = None
                   ) -> Iterator[str]:
    """The text of `to_csv` for the CSV catalogue at `path`, in pieces, `chunk_rows` products at
    a time: memory follows the chunk, not the catalogue. Raises PcfError, after the last piece,
    with the error `load_catalogue` and `evaluate_catalogue` give (a problem in the catalogue
    first, then a line that is not finite); `count`, if given, gets the number of products.

    `outcomes` evaluates the chunks elsewhere (`distributed.dask_outcomes`): given the chunks with
    their offsets, it yields each chunk's `Outcome` (`evaluate_chunk`) in the same order."""
    yield csv_header(prog, with_lines)
    size = max(Path(path).stat().st_size, 1)
    seen, finite, done = [0], FiniteCheck(prog), 0

    def numbered() -> Iterator[tuple[Chunk, int]]:
        offset = 0
        for chunk in wide_csv_chunks(path, prog, chunk_rows, seen):
            yield chunk, offset
            offset += len(chunk)

    if outcomes is None:
        results = ((len(chunk), finite.evaluate(chunk, offset)) for chunk, offset in numbered())
    else:
        results = ((o.size, finite.take(o)) for o in outcomes(numbered()))
    for n, result in results:
        done += n
        if result is not None:
            yield csv_rows(result.ids, result.names, result.total, result.stages,
                           result.lines if with_lines else None, failed_checks(prog, result.checks))
        if progress is not None:
            progress(done, max(done, round(done * size / max(seen[0], 1))))
    if progress is not None:
        progress(done, done)
    finite.check()
    if count is not None:
        count.append(done)


@dataclass(frozen=True)
class Outcome:
    """One chunk evaluated on its own (`evaluate_chunk`): its figures, or where it first had a
    line that is not finite (the window, as `FiniteCheck` counts them) and that window's lines."""
    size: int
    result: BatchResult | None
    failed: int | None = None
    bad: tuple = ()                   # ((lines of the bad products, their names), ...)


def evaluate_chunk(prog: Program, chunk: Chunk, offset: int, only: int | None = None) -> Outcome:
    """The chunk at `offset` of the catalogue, evaluated as `evaluate_catalogue` would (in slices
    of at most `window` products starting at multiples of it), up to its first window with a line
    that is not finite; with `only`, that window alone (a window begun in an earlier chunk)."""
    n, w = len(chunk), max(1, CHUNK_CELLS // max(prog.size, 1))
    parts, lo = [], 0
    while lo < n:
        at = offset + lo
        hi = min(n, lo + w - at % w)
        if only is not None and at // w != only:
            return Outcome(n, None)
        V = prog.run({k: v[lo:hi] for k, v in chunk.inputs.items()}, n=hi - lo)
        lines = V[prog.emission_slots].reshape(len(prog.emissions), -1)
        bad = ~np.isfinite(lines).all(axis=0)
        if bad.any():
            cols = np.flatnonzero(bad)
            return Outcome(n, None, at // w, ((lines[:, cols], [f"product `{chunk.ids[lo + j]}`" for j in cols.tolist()]),))
        if only is None:
            parts.append((*prog.totals(V, chunk.divisor[lo:hi]), prog.check_values(V)))
        lo = hi
    if only is not None:
        return Outcome(n, None)
    if len(parts) == 1:
        (lines, stages, total, checks), = parts
    else:
        lines, stages, total, checks = (np.concatenate([p[i] for p in parts], axis=-1) for i in range(4))
    return Outcome(n, BatchResult(chunk.ids, chunk.names, lines, stages, total, checks))


class FiniteCheck:
    """Chunks in catalogue order, and the error `evaluate_catalogue` gives for a line that is not
    finite: the first 20 of the first window with one, emission by emission. After that window
    nothing more is written."""

    def __init__(self, prog: Program) -> None:
        self.prog = prog
        self.failed: int | None = None          # the window with the first non-finite line
        self.bad: list[tuple[np.ndarray, list[str]]] = []

    def evaluate(self, chunk: Chunk, offset: int) -> BatchResult | None:
        """The chunk's figures (None once a line was not finite: nothing more is written)."""
        return self.take(evaluate_chunk(self.prog, chunk, offset, self.failed))

    def take(self, outcome: Outcome) -> BatchResult | None:
        """The next chunk's outcome, wherever it was evaluated: its figures, or None."""
        if self.failed is None:
            if outcome.failed is None:
                return outcome.result
            self.failed = outcome.failed
        if outcome.failed == self.failed:     # the failed window, or its part in a later chunk
            self.bad.extend(outcome.bad)
        return None

    def check(self) -> None:
        if self.failed is not None:
            lines = np.concatenate([b[0] for b in self.bad], axis=1)
            raise PcfError(self.prog.finite_problems(lines, [x for b in self.bad for x in b[1]]))


# -- a wide workbook ---------------------------------------------------------------------------

def _xlsx_sheet_names(path: Path) -> list[str]:
    return sheet_names(path)


def _xlsx_rows(path: Path, sheet: str) -> list[list]:
    return read_workbook(path)[sheet]


def _wide(rows: list[list], shown: str, prog: Program, chunks: Iterable[Chunk] | None = None) -> Catalogue:
    """A catalogue from a whole wide table in memory (or its checked chunks)."""
    if chunks is None:
        parts = [rows[0] if rows else None, blocks_of(list(zip(rows[1:], itertools.count(2))))]
        chunks = wide_chunks(parts, shown, prog, lambda: parts)
    parts = list(chunks)
    keys = parts[0].inputs if parts else {Key.input(d.name): None for d in prog.plan.method.inputs}
    inputs = {k: np.concatenate([p.inputs[k] for p in parts]) if parts else np.zeros(0) for k in keys}
    return Catalogue(tuple(i for p in parts for i in p.ids), tuple(x for p in parts for x in p.names), inputs,
                     np.concatenate([p.divisor for p in parts]) if parts else np.ones(0), shown)
