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

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from ..core.errors import Diagnostic, PcfError, did_you_mean
from ..core.keys import Key
from ..core.source import Span, display_path
from ..core.funit import count_of, read_functional_unit
from ..core.units import UnitError
from ..evaluation.compiled import Program
from ..evaluation.evaluate import removal_only
from ..evaluation.fit import declared_as, dimension_problem, unknown_input
from ..files.csvstream import BLOCK_ROWS, Block, stream_csv
from ..inputs.amount import AmountError, check_unit, is_percent, read_number
from ..inputs.spreadsheet import HEADER_UNIT

CHUNK_ROWS = BLOCK_ROWS        # products per chunk (`pcf batch --chunk-rows`)
MAX_PROBLEMS = 50


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
    basis: str | None = None   # the method's: per_unit, period, or None (the row's: period with a quantity)
    default: float | None = None   # the method's default, in base units, for an empty cell
    words: tuple | None = None     # a text input: (the method's numbering of texts, the keys a word must be among)


@dataclass(frozen=True)
class Layout:
    """What a catalogue's header says: where the id, name and quantity are, and each input's column."""
    shown: str
    header: tuple[str, ...]
    id_col: int
    name_col: int | None
    qty_col: int | None
    columns: tuple[Column, ...]      # declared order
    absent: tuple[tuple[Key, float], ...]   # inputs with no column: their default, or 0 (optional)
    qty_scale: float = 1.0           # `quantity [kg]` for a functional unit "1 t grain": 0.001 per kg


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
    qty_scale = 1.0
    for j, h in enumerate(header):
        m = HEADER_UNIT.match(h)
        name, unit = (m.group(1), m.group(2).strip()) if m else (h, None)
        if name in ("product", "id") and id_col is None:
            id_col = j
        elif name == "name" and name_col is None:
            name_col = j
        elif name == "quantity" and qty_col is None:
            qty_col = j
            fu = read_functional_unit(plan.method.setting("functional_unit"), plan.units)
            # a quantity in a unit: counted in functional units (core/funit.py), as in an inventory;
            # under a descriptive functional unit the header's unit stays a label, as before
            if unit and fu is not None and fu.measured:
                try:
                    check_unit(unit)
                    qty_scale = count_of(fu, 1.0, unit, plan.units)
                except (UnitError, AmountError) as exc:
                    err("unit-mismatch", f"column `quantity`: {exc}", j + 1, exc.hint)
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
        elif declared[name].is_text:
            cols[name] = (j, 1.0, None)
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
        if name not in cols and not d.optional and name not in plan.defaults and not any(p.message.startswith(f"column `{name}`") for p in problems):
            err("missing-input", f"no column for input {declared_as(d)}",
                len(header) + 1, f"add a column `{name} [{d.unit}]`")
    if problems:
        raise PcfError(problems)
    columns = tuple(Column(name, Key.input(name), *cols[name], d.optional, removal_only(plan, Key.input(name)),
                           d.basis, plan.defaults.get(name), _words(plan, name) if d.is_text else None)
                    for name, d in declared.items() if name in cols)
    absent = tuple((Key.input(name), plan.defaults.get(name, 0.0)) for name in declared if name not in cols)
    return Layout(shown, header, id_col, name_col, qty_col, columns, absent, qty_scale)


def _words(plan, name: str) -> tuple:
    """How a text input's words become numbers: the plan's numbering, and the keys of every map
    the input keys (a word outside them is refused)."""
    keys = None
    for m in sorted(plan.text_keys.get(name, ())):
        ks = [e.key for e in plan.method_maps[m].entries]
        keys = ks if keys is None else [k for k in keys if k in ks]
    return plan.texts, tuple(keys) if keys is not None else None


def read_layout(path: Path, prog: Program) -> Layout:
    """The layout of the CSV catalogue at `path` (its first row)."""
    return layout_of(next(stream_csv(path, 1)), display_path(path), prog)


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

    def words(j: int, what: str, c: Column, phase: list) -> np.ndarray:
        texts, keys = c.words
        extra: dict[str, int] = {}
        out = np.zeros(n)
        for i, v in enumerate(block.column(j)):
            w = "" if v is None else str(v).strip()
            if not w:
                if c.default is None:
                    _add(phase, "missing-input", f"product `{pids[i]}`: no {what}", Span(shown, lines[i], j + 1))
                else:
                    out[i] = c.default
            elif keys is not None and w not in keys:
                _add(phase, "unknown-key", f"product `{pids[i]}`, {what}: \"{w}\" is not among {', '.join(keys)}",
                     Span(shown, lines[i], j + 1), did_you_mean(w, keys))
            else:
                out[i] = texts[w] if w in texts else extra.setdefault(w, len(texts) + len(extra))
        return out

    def column(j: int, what: str, optional: bool, allow_negative: bool, unit: str | None, phase: list,
               default: float | None = None) -> np.ndarray:
        raw = block.column(j)
        fast = _plain(raw)
        if fast is not None:
            return fast
        out = np.zeros(n)
        for i, v in enumerate(raw):
            if v in (None, "") or (isinstance(v, str) and not v.strip()):
                if default is not None:
                    out[i] = default
                elif not optional:
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

    inputs: dict = {key: np.full(n, value) for key, value in layout.absent}
    for c in layout.columns:
        phase = problems.columns.setdefault(c.index, [])
        if c.words is not None:
            inputs[c.key] = words(c.index, f"`{c.name}`", c, phase)
            continue
        default = None if c.default is None else c.default / c.scale
        inputs[c.key] = column(c.index, f"`{c.name}`", c.optional, c.allow_negative, c.unit, phase, default) * c.scale
    divisor = np.ones(n)
    if layout.qty_col is not None:
        # an empty quantity: that product's amounts are per functional unit already
        j = layout.qty_col
        q = column(j, "quantity", True, False, None, problems.quantity) * layout.qty_scale
        qraw = block.column(j)
        # the first MAX_PROBLEMS zero quantities of the catalogue are looked at (empty ones too)
        for i in np.nonzero(q == 0)[0][:max(0, MAX_PROBLEMS - problems.zeros_seen)]:
            problems.zeros_seen += 1
            if str(qraw[i] or "").strip():
                _add(problems.zero, "bad-number", f"product `{pids[i]}`: quantity is 0", Span(shown, lines[i], j + 1))
        divisor = np.where(q > 0, q, 1.0)
    # a row with a quantity gives amounts for the period, one without per unit (evaluate.basis_scale):
    # an input the method fixes on the other basis is brought to the row's
    for c in layout.columns:
        if c.basis == "per_unit" and layout.qty_col is not None:
            inputs[c.key] = inputs[c.key] * divisor
        elif c.basis == "period":
            no_qty = np.ones(n, dtype=bool) if layout.qty_col is None else ~(q > 0)
            for i in np.flatnonzero(no_qty & (inputs[c.key] != 0))[:MAX_PROBLEMS]:
                _add(problems.quantity, "missing-input", f"product `{pids[i]}`, `{c.name}`: an amount for the "
                     "period needs the product's quantity", Span(shown, lines[i], c.index + 1),
                     "give the quantity (functional units produced in the period) in the `quantity` column")
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
