"""The array program: compile once (`lowering.compile_program`), evaluate one inventory or N at a
time with numpy.

Every value lives in one array `V`, one row per slot (inputs, knowledge-base constants,
literals, formulas, temporaries) and one column per scenario. Formulas become three-address
instructions; `+`/`-` chains become one n-ary sum (a stage total of 10 000 terms is one
instruction, not a chain 10 000 deep). Instructions are scheduled by depth, and those of one
depth and one operator run as a single numpy call (gather, operate, scatter): a method of
10 000 formulas costs a few dozen numpy calls, however many scenarios are evaluated at once.

Whatever does not depend on the inventory (derived factors such as NCV x CC x OF x 44/12,
literal arithmetic) is computed once, when the program is built. A Monte Carlo run that
varies knowledge-base values passes them as `overrides`, and the full schedule runs.

`sum(row in table: ...)` bodies are evaluated column-wise on the table (rows x scenarios,
padded rows masked out), one numpy expression per table sum.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping

import numpy as np

from ..core.errors import Diagnostic, PcfError
from ..core.keys import INPUT, TABLE, Key, kind_of
from ..plan import Plan
from .choices import equal, not_equal, round_to


def _round(a, b, out=None):
    r = round_to(a, b)
    if out is None:
        return r
    out[...] = r
    return out

BINARY = {"*": np.multiply, "/": np.divide, "+": np.add, "-": np.subtract,
          # conditions and choices (choices.py): a truth value is 1.0 or 0.0
          "<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal, "==": equal,
          "!=": not_equal, "round": _round, "and": np.logical_and, "or": np.logical_or, "min": np.minimum, "max": np.maximum}
UNARY = {"neg": np.negative, "abs": np.abs, "not": lambda a: np.equal(a, 0).astype(float)}


@dataclass(frozen=True)
class Rows:
    """A table's columns for a batch: arrays of shape (rows, scenarios) and a 0/1 mask for
    padding (products of a batch have different row counts)."""
    columns: Mapping[str, np.ndarray]
    mask: np.ndarray


@dataclass(frozen=True)
class Step:
    """One numpy call: `kind` over gathered operand rows, scattered to `out`."""
    kind: str                          # a BINARY or UNARY operator, "if", "sum", "rows"
    out: np.ndarray                    # slot indices written
    a: np.ndarray | None = None        # first operands (binary, neg), or all terms (sum)
    b: np.ndarray | None = None        # second operands (binary), or term signs (sum)
    starts: np.ndarray | None = None   # sum: where each output's terms start in `a`
    c: np.ndarray | None = None        # if: the else operands (a: conditions, b: then operands)
    table: Key | None = None           # rows: the table key
    code: tuple = ()                   # rows: postfix body, loads rewritten to slot indices
    # live steps only: operand values the inventory cannot change, taken once from `base` and
    # broadcast over scenarios instead of copied into every scenario's column and gathered
    a_value: np.ndarray | None = None
    b_value: np.ndarray | None = None


@dataclass(frozen=True)
class Program:
    plan: Plan | None                  # None in a kernel shipped to other processes (see `kernel`)
    slot: Mapping[Key, int]            # plan key (input:, kb:, let:, emission:) -> slot
    size: int
    base: np.ndarray                   # slot values before the inventory: constants and folded formulas
    raw: np.ndarray                    # constants and literals only (for runs with overrides)
    live: tuple[Step, ...]             # the steps that depend on the inventory
    full: tuple[Step, ...]             # every step (when knowledge-base values are overridden)
    tables: tuple[Key, ...]            # table keys the program reads
    emissions: tuple[str, ...]         # emission names, method order
    emission_slots: np.ndarray
    counted: np.ndarray                # (stages, emissions) 0/1: which line counts in which stage
    inputs: tuple[Key, ...]            # input keys in slot order (0 .. len - 1): by stage, then method order
                                       # (lowering._Builder.inputs_by_stage); `pack` and batches follow it
    sorted_lines: object               # emission slots in slot order: a slice when contiguous
    runs: np.ndarray                   # where each run of sorted lines counting in one stage starts
    run_counted: np.ndarray            # (stages, runs) 0/1: which run counts in which stage
    fill: np.ndarray                   # slots a batched live run copies from `base`
    filled: np.ndarray                 # bool per slot: holds its value after a batched live run
    kept: object                       # slots a single live run copies from `base`: all but the inputs
                                       # and the live steps' outputs (a slice when contiguous)
    checks: tuple[str, ...] = ()       # the method's checks, method order (their keys: check:<name>)
    runs_are_stages: bool = False      # run_counted is the identity: run i is stage i, no product needed

    def check_values(self, V: np.ndarray) -> np.ndarray:
        """Each check's truth (1 holds, 0 fails) per scenario: (checks, n), or (checks,) for one."""
        if not self.checks:
            return np.zeros((0,) + V.shape[1:])
        return np.array([np.broadcast_to(self.value(V, Key("check", c)), V.shape[1:]) for c in self.checks],
                        dtype=float)

    def kernel(self) -> "Program":
        """The program without its plan: small and picklable, for worker processes."""
        return replace(self, plan=None)

    @property
    def parameters(self) -> tuple[Key, ...]:
        """What a scenario may vary: inputs and knowledge-base values."""
        return self.inputs + tuple(self.plan.constants)

    def pack(self, values: Mapping[str, object]) -> np.ndarray:
        """Input values in the order of `inputs`, (inputs,) or (inputs, n): the fast way into `run`."""
        return np.array([values[k] for k in self.inputs], dtype=float)

    def run(self, inputs: Mapping[str, object] | np.ndarray, overrides: Mapping[str, object] | None = None,
            n: int | None = None, tables: Mapping[str, object] | None = None) -> np.ndarray:
        """Slot values, shape (slots,) for one scenario or (slots, n) for n.

        `inputs`: input keys -> float or (n,) array in base units, and table keys -> {column:
        (rows,) array} shared by every scenario or `Rows` per scenario; or an array from `pack`
        (tables then in `tables`). `overrides`: kb keys -> float or (n,) array (Monte Carlo draws
        of a factor)."""
        if isinstance(inputs, np.ndarray):
            packed, tables = inputs, tables or {}
            if n is None and packed.ndim == 2:
                n = packed.shape[1]
        else:
            packed = None
            tables = {k: v for k, v in inputs.items() if kind_of(k) == TABLE}
            if n is None:
                n = _width(inputs, overrides)
        if n is None and (overrides or packed is None):
            V = (self.raw if overrides else self.base).copy()
        elif n is None:
            # the packed inputs and the live steps write their slots: only the others are copied
            # (copying all of `base` was half of a 100 000-line evaluation)
            V = np.empty(self.size)
            V[self.kept] = self.base[self.kept]
        elif overrides:
            V = np.empty((self.size, n))
            V[...] = self.raw[:, None]
        else:
            V = np.empty((self.size, n))
            # only what the live steps read and the lines that no live step writes
            V[self.fill] = self.base[self.fill, None]
        k = len(self.inputs)
        if packed is not None:
            V[:k] = packed
        else:
            for key, v in inputs.items():
                if kind_of(key) == INPUT:
                    V[self.slot[key]] = v
        for key, v in (overrides or {}).items():
            V[self.slot[key]] = v
        with np.errstate(all="ignore"):
            for step in (self.full if overrides else self.live):
                run_step(step, V, tables)
        return V

    def value(self, V: np.ndarray, key: str):
        """A node's value in V from `run` without overrides: a batched live run leaves the slots
        it does not need unwritten, and their value (folded, the same in every scenario) is
        `base`'s. After a run with overrides every slot of V holds its own value: read `V[slot]`
        (`base` does not know the overridden factors)."""
        i = self.slot[key]
        if V.ndim == 2 and not self.filled[i]:
            return np.broadcast_to(self.base[i], V.shape[1:])   # folded: the same in every scenario
        return V[i]

    def stage_totals(self, V: np.ndarray, divisor=1.0) -> tuple[np.ndarray, np.ndarray]:
        """Per functional unit: stages (stages, ...) and total (...), without materialising lines.

        Lines are summed run by run in place (a reduceat over the slot slice), then runs into
        stages: a matrix product over all lines would call a threaded BLAS, slower on few cores."""
        if not len(self.runs):
            stages = np.zeros((len(self.run_counted),) + V.shape[1:])
        elif self.runs_are_stages:
            # the product with the identity, without its cost (about 1 us of a 1 000-line evaluation);
            # + 0.0 as the product gives a stage of -0.0 lines: 0, never "-0". In place: the sums
            # are a new array, and two fewer allocations are a tenth of a 1 000-line evaluation
            stages = np.add.reduceat(V[self.sorted_lines], self.runs, axis=0)
            stages += 0.0
            stages /= divisor
        else:
            stages = self.run_counted @ np.add.reduceat(V[self.sorted_lines], self.runs, axis=0) / divisor
        return stages, np.add.reduce(stages, axis=0)    # `.sum` is this behind a Python wrapper (0.3 us)

    def totals(self, V: np.ndarray, divisor=1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per functional unit: lines (emissions, ...), stages (stages, ...), total (...)."""
        stages, total = self.stage_totals(V, divisor)
        return V[self.emission_slots] / divisor, stages, total

    def check_finite(self, V: np.ndarray, labels=None) -> None:
        """A non-finite line is an error naming the formula (and the scenario when batched)."""
        problems = self.finite_problems(V[self.emission_slots], labels)
        if problems:
            raise PcfError(problems)

    def finite_problems(self, lines: np.ndarray, labels=None) -> list[Diagnostic]:
        """The first 20 non-finite `lines` (emissions, ...), emission by emission."""
        bad = ~np.isfinite(lines)
        if not bad.any() or self.plan is None:    # a kernel's caller checks the gathered lines
            return []
        problems = []
        for i, j in zip(*np.nonzero(bad.reshape(len(self.emissions), -1))):
            e = self.plan.method.emissions[i]
            who = f" for {labels[j]}" if labels is not None else ""
            problems.append(Diagnostic("bad-number", f"`{e.name}` is not finite{who}: overflow or division by zero",
                                       e.span))
            if len(problems) >= 20:
                break
        return problems


def _width(*maps) -> int | None:
    for m in maps:
        for v in (m or {}).values():
            if isinstance(v, Rows):
                return v.mask.shape[1]
            if isinstance(v, np.ndarray) and v.ndim == 1:
                return len(v)
    return None


def run_step(step: Step, V: np.ndarray, tables) -> None:
    k = step.kind
    out = step.out
    if k == "rows":
        V[out.start] = _rows(step, V, tables[step.table])
        return
    if k == "sum":
        terms = V[step.a]
        if step.b is not None:
            terms = terms * step.b.reshape((-1,) + (1,) * (V.ndim - 1))
        r = np.add.reduceat(terms, step.starts, axis=0)
    elif k in UNARY:
        r = UNARY[k](V[step.a])
    elif k == "if":
        r = np.where(V[step.a] != 0, V[step.b], V[step.c])
    else:
        a = V[step.a] if step.a_value is None else _column(step.a_value, V)
        b = V[step.b] if step.b_value is None else _column(step.b_value, V)
        if isinstance(out, slice):      # contiguous outputs: compute straight into V, no scatter
            BINARY[k](a, b, out=V[out])
            return
        r = BINARY[k](a, b)
    V[out] = r


def _column(values: np.ndarray, V: np.ndarray) -> np.ndarray:
    return values if V.ndim == 1 else values[:, None]


def _rows(step: Step, V: np.ndarray, table) -> np.ndarray:
    """`sum(row in table: body)` for every scenario at once."""
    if isinstance(table, Rows):
        cols, mask = table.columns, table.mask
    else:
        cols = {c: np.asarray(a, float).reshape((-1,) + (1,) * (V.ndim - 1)) for c, a in table.items()}
        first = next(iter(cols.values()), None)
        mask = None if first is not None else np.zeros((0,) + V.shape[1:])
    st: list = []
    push, pop = st.append, st.pop
    for ins in step.code:
        op = ins[0]
        if op == "slot":
            push(V[ins[1]])
        elif op == "const":
            push(ins[1])
        elif op == "field":
            push(cols[ins[1]])
        elif op == "neg":
            st[-1] = -st[-1]
        elif op in UNARY:
            st[-1] = UNARY[op](st[-1])
        elif op == "if":
            b = pop(); a = pop()
            st[-1] = np.where(np.asarray(st[-1]) != 0, a, b)
        else:
            b = pop()
            st[-1] = BINARY[op](st[-1], b)
    v = st[0]
    rows = mask.shape[0] if mask is not None else len(next(iter(cols.values())))
    v = np.broadcast_to(v, (rows,) + V.shape[1:])
    if mask is not None:
        # padding rows hold no data: a value there (a map's not-a-number for no key) counts nothing
        v = np.where(mask != 0, v, 0.0)
    return v.sum(axis=0)
