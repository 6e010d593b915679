"""Plan -> array program: compile once, evaluate one inventory or N at a time with numpy.

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

from .errors import Diagnostic, PcfError
from .gcpause import gc_paused
from .keys import INPUT, TABLE, Key, kind_of
from .plan import Plan
from .totals import counts

_BINARY = {"*": np.multiply, "/": np.divide, "+": np.add, "-": np.subtract}


@dataclass(frozen=True)
class Rows:
    """A table's columns for a batch: arrays of shape (rows, scenarios) and a 0/1 mask for
    padding (products of a batch have different row counts)."""
    columns: Mapping[str, np.ndarray]
    mask: np.ndarray


@dataclass(frozen=True)
class Step:
    """One numpy call: `kind` over gathered operand rows, scattered to `out`."""
    kind: str                          # "*", "/", "+", "-", "neg", "sum", "rows"
    out: np.ndarray                    # slot indices written
    a: np.ndarray | None = None        # first operands (binary, neg), or all terms (sum)
    b: np.ndarray | None = None        # second operands (binary), or term signs (sum)
    starts: np.ndarray | None = None   # sum: where each output's terms start in `a`
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
    inputs: tuple[Key, ...]            # input keys, method order: slots 0 .. len - 1
    sorted_lines: object               # emission slots in slot order: a slice when contiguous
    runs: np.ndarray                   # where each run of sorted lines counting in one stage starts
    run_counted: np.ndarray            # (stages, runs) 0/1: which run counts in which stage
    fill: np.ndarray                   # slots a batched live run copies from `base`
    filled: np.ndarray                 # bool per slot: holds its value after a batched live run

    def kernel(self) -> "Program":
        """The program without its plan: small and picklable, for worker processes."""
        return replace(self, plan=None)

    @property
    def parameters(self) -> tuple[Key, ...]:
        """What a scenario may vary: inputs and knowledge-base values."""
        return self.inputs + tuple(self.plan.constants)

    def pack(self, values: Mapping[str, object]) -> np.ndarray:
        """Input values in declared order, (inputs,) or (inputs, n): the fast way into `run`."""
        return np.array([values[k] for k in self.inputs], dtype=float)

    def run(self, inputs: Mapping[str, object] | np.ndarray, overrides: Mapping[str, object] | None = None,
            n: int | None = None, tables: Mapping[str, object] | None = None) -> np.ndarray:
        """Slot values, shape (slots,) for one scenario or (slots, n) for n.

        `inputs`: input keys -> float or (n,) array in base units, and table keys -> {column:
        (rows,) array} shared by every scenario or `Rows` per scenario; or an array from `pack`
        (tables then in `tables`). `overrides`: kb keys -> float or (n,) array (Monte Carlo draws
        of a factor)."""
        if isinstance(inputs, np.ndarray):
            packed, tables = inputs, dict(tables or {})
            if n is None and packed.ndim == 2:
                n = packed.shape[1]
        else:
            packed = None
            tables = {k: v for k, v in inputs.items() if kind_of(k) == TABLE}
            if n is None:
                n = _width(inputs, overrides)
        V = np.empty((self.size,) if n is None else (self.size, n))
        if overrides:
            V[...] = self.raw if n is None else self.raw[:, None]
        elif n is None:
            V[...] = self.base
        else:
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
                _do(step, V, tables)
        return V

    def value(self, V: np.ndarray, key: str):
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
        else:
            stages = self.run_counted @ np.add.reduceat(V[self.sorted_lines], self.runs, axis=0) / divisor
        return stages, stages.sum(axis=0)

    def totals(self, V: np.ndarray, divisor=1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per functional unit: lines (emissions, ...), stages (stages, ...), total (...)."""
        stages, total = self.stage_totals(V, divisor)
        return V[self.emission_slots] / divisor, stages, total

    def check_finite(self, V: np.ndarray, labels=None) -> None:
        """A non-finite line is an error naming the formula (and the scenario when batched)."""
        lines = V[self.emission_slots]
        bad = ~np.isfinite(lines)
        if not bad.any() or self.plan is None:    # a kernel's caller checks the gathered lines
            return
        problems = []
        for i, j in zip(*np.nonzero(bad.reshape(len(self.emissions), -1))):
            e = self.plan.method.emissions[i]
            who = f" for {labels[j]}" if labels is not None else ""
            problems.append(Diagnostic("bad-number", f"`{e.name}` is not finite{who}: overflow or division by zero",
                                       e.span))
            if len(problems) >= 20:
                break
        raise PcfError(problems)


def _width(*maps) -> int | None:
    for m in maps:
        for v in (m or {}).values():
            if isinstance(v, Rows):
                return v.mask.shape[1]
            if isinstance(v, np.ndarray) and v.ndim == 1:
                return len(v)
    return None


def _do(step: Step, V: np.ndarray, tables) -> None:
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
    elif k == "neg":
        r = np.negative(V[step.a])
    else:
        a = V[step.a] if step.a_value is None else _column(step.a_value, V)
        b = V[step.b] if step.b_value is None else _column(step.b_value, V)
        if isinstance(out, slice):      # contiguous outputs: compute straight into V, no scatter
            _BINARY[k](a, b, out=V[out])
            return
        r = _BINARY[k](a, b)
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
        else:
            b = pop()
            st[-1] = _BINARY[op](st[-1], b)
    v = st[0]
    rows = mask.shape[0] if mask is not None else len(next(iter(cols.values())))
    v = np.broadcast_to(v, (rows,) + V.shape[1:])
    if mask is not None:
        v = v * mask
    return v.sum(axis=0)


def compile_program(plan: Plan) -> Program:
    """Translate the plan's postfix code into a depth-scheduled array program."""
    with gc_paused():   # hundreds of thousands of small tuples, lists and ints, none of them cyclic
        return _Builder(plan).build()


class _Builder:
    def __init__(self, plan: Plan):
        self.plan = plan
        # `method.inputs` and `.emissions` scan every declaration: read once
        self.inputs = plan.method.inputs
        self.emissions = plan.method.emissions
        self.slot: dict[Key, int] = {}
        self.init: list[float] = []        # constant value per slot (nan for computed)
        self.depth: list[int] = []
        self.lits: dict[float, int] = {}
        self.instrs: list[tuple] = []      # (kind, out, operands, extra)
        self.varying: list[bool] = []      # depends on the inventory

    def new(self, value=np.nan, depth=0, varying=False) -> int:
        self.init.append(value)
        self.depth.append(depth)
        self.varying.append(varying)
        return len(self.init) - 1

    def lit(self, v: float) -> int:
        key = float(v)
        if key not in self.lits:
            self.lits[key] = self.new(key)
        return self.lits[key]

    def build(self) -> Program:
        p = self.plan
        self.input_keys = tuple(Key.input(d.name) for d in self.inputs)
        self.leaves(list(self.input_keys), [0.0] * len(self.inputs), varying=True)
        self.leaves(list(p.constants), list(p.constants.values()), varying=False)
        for key in p.order:
            self.slot[key] = self.formula(p.code[key])
        return self.schedule()

    def leaves(self, keys: list[str], values: list[float], varying: bool) -> None:
        """A new slot per key (as `new` one at a time), holding its value."""
        first = len(self.init)
        self.init += values
        self.depth += [0] * len(values)
        self.varying += [varying] * len(values)
        self.slot.update(zip(keys, range(first, first + len(values))))

    def formula(self, code: tuple) -> int:
        """The slot of a formula's value. Amount x factor (two loads and an operator), the common
        shape, goes straight to the one instruction `tree` and `emit` would make of it."""
        if len(code) == 3 and code[0][0] == "load" and code[1][0] == "load":
            return self.instr(code[2][0], [self.slot[code[0][1]], self.slot[code[1][1]]])
        return self.emit(self.tree(code))

    def tree(self, code: tuple):
        """Postfix -> small tree; +/- chains flattened into one signed sum; literals folded."""
        st: list = []
        for ins in code:
            op = ins[0]
            if op == "const":
                st.append(("lit", ins[1]))
            elif op == "load":
                st.append(("slot", self.slot[ins[1]]))
            elif op == "sum":
                st.append(("rows", ins[1], ins[2]))
            elif op == "neg":
                t = st.pop()
                st.append(("lit", -t[1]) if t[0] == "lit" else ("neg", t))
            else:
                b, a = st.pop(), st.pop()
                if a[0] == "lit" and b[0] == "lit" and not (op == "/" and b[1] == 0):
                    st.append(("lit", float(_BINARY[op](a[1], b[1]))))
                elif op in "+-":
                    terms = list(a[1]) if a[0] == "add" else [(1.0, a)]
                    sign = 1.0 if op == "+" else -1.0
                    terms += [(sign * s, t) for s, t in b[1]] if b[0] == "add" else [(sign, b)]
                    st.append(("add", terms))
                else:
                    st.append(("bin", op, a, b))
        return st[0]

    def emit(self, t) -> int:
        kind = t[0]
        if kind == "lit":
            return self.lit(t[1])
        if kind == "slot":
            return t[1]
        if kind == "neg":
            return self.instr("neg", [self.emit(t[1])])
        if kind == "bin":
            return self.instr(t[1], [self.emit(t[2]), self.emit(t[3])])
        if kind == "add":
            ops = [self.emit(x) for _, x in t[1]]
            signs = [s for s, _ in t[1]]
            if len(ops) == 2 and signs[0] == 1.0:
                return self.instr("+" if signs[1] == 1.0 else "-", ops)
            return self.instr("sum", ops, signs)
        # rows: the body's loads become slot reads
        code = tuple(("slot", self.slot[i[1]]) if i[0] == "load" else i for i in t[2])
        reads = [i[1] for i in code if i[0] == "slot"]
        return self.instr("rows", reads, (t[1], code), varying=True)

    def instr(self, kind: str, ops: list[int], extra=None, varying=False) -> int:
        out = len(self.init)
        self.init.append(np.nan)
        self.depth.append(1 + max(map(self.depth.__getitem__, ops), default=0))
        self.varying.append(varying or any(map(self.varying.__getitem__, ops)))
        self.instrs.append((kind, out, ops, extra))
        return out

    def renumber(self) -> tuple[list[_Group], np.ndarray]:
        """Slots in the order the steps will use them: leaves (inputs first, then constants and
        literals), then each (depth, operator) group's outputs together, sorted by operands. A
        group's outputs, and often its operands, become contiguous: slices instead of gathers.

        Returns the groups in that order, in new slots, and the old slot of each new one."""
        instrs = self.instrs
        size = len(self.init)
        outs = np.fromiter((i[1] for i in instrs), dtype=np.intp, count=len(instrs))
        is_out = np.zeros(size, dtype=bool)
        is_out[outs] = True
        leaves = np.flatnonzero(~is_out)
        new = np.empty(size, dtype=np.intp)   # old slot -> new slot
        new[leaves] = np.arange(len(leaves))
        members: dict[tuple[int, str], list[int]] = {}
        for j, ins in enumerate(instrs):
            members.setdefault((self.depth[ins[1]], ins[0]), []).append(j)
        varying = np.array(self.varying, dtype=bool)
        groups, pieces, taken = [], [leaves], len(leaves)
        # by depth, then operator, then operands: each depth sorted by (operator, operands)
        for (_, kind), idx in sorted(members.items(), key=lambda kv: kv[0]):
            ops, order = _by_operands([instrs[j][2] for j in idx], new)   # operands: numbered already
            idx = [idx[k] for k in order]
            old = outs[idx]
            new[old] = np.arange(taken, taken + len(idx))
            taken += len(idx)
            pieces.append(old)
            extra = [instrs[j][3] for j in idx]
            if kind == "rows":   # the loads of the bodies, in new slots too
                extra = [(t, tuple(("slot", int(new[i[1]])) if i[0] == "slot" else i for i in code))
                         for t, code in extra]
            groups.append(_Group(kind, new[old], ops, extra, varying[old]))
        fresh = new.tolist()
        self.slot = {k: fresh[v] for k, v in self.slot.items()}
        return groups, np.concatenate(pieces)

    def schedule(self) -> Program:
        groups, old = self.renumber()
        p = self.plan
        size = len(self.init)
        raw = np.array(self.init, dtype=float)[old]
        full = _steps(groups, None)
        # fold what the inventory cannot change
        base = raw.copy()
        with np.errstate(all="ignore"):
            for step in _steps(groups, False):
                _do(step, base, {})
        slot_varying = np.array(self.varying, dtype=bool)[old]
        live = tuple(_fold_operands(step, base, slot_varying) for step in _steps(groups, True))
        emissions = tuple(e.name for e in self.emissions)
        em_slots = np.array([self.slot[Key.emission(e)] for e in emissions], dtype=np.intp)
        counted = np.zeros((len(p.stage_ids), len(emissions)))
        stage_row = {s: i for i, s in enumerate(p.stage_ids)}
        lines = [(stage_row[e.stage], j) for j, e in enumerate(self.emissions)
                 if counts(e, stage_row)]
        if lines:
            counted[tuple(np.array(lines, dtype=np.intp).T)] = 1.0
        tables = tuple(t for g in groups if g.kind == "rows" for t, _ in g.extra)
        perm = np.argsort(em_slots, kind="stable")
        n_inputs = len(self.inputs)
        # A batched live run copies from `base` the slots a live step reads and the lines, but
        # not those a live step writes, nor inputs.
        live_out = np.zeros(size, dtype=bool)
        read = np.zeros(size, dtype=bool)
        for step in live:
            live_out[step.out] = True
            for o in _reads(step):
                read[o] = True
        read[em_slots] = True
        read[:n_inputs] = False
        fill = np.flatnonzero(read & ~live_out)
        filled = live_out.copy()
        filled[:n_inputs] = True
        filled[fill] = True
        return Program(p, dict(self.slot), size, base, raw, live, full, tables, emissions, em_slots, counted,
                       self.input_keys, _index(em_slots[perm]), *_runs(counted[:, perm]),
                       fill, filled)


@dataclass(frozen=True)
class _Group:
    """The instructions of one (depth, operator), in slot order, in new slots."""
    kind: str
    out: np.ndarray                      # output slots: consecutive
    ops: np.ndarray | list[np.ndarray]   # operand slots: (instructions, arity), or each its own (sum, rows)
    extra: list                          # per instruction: signs (sum), (table, body code) (rows)
    varying: np.ndarray                  # per instruction: depends on the inventory


def _by_operands(ops: list[list[int]], new: np.ndarray) -> tuple[np.ndarray | list[np.ndarray], list]:
    """Instructions' operands in new slots, and the stable order that sorts them as tuples."""
    if len({len(o) for o in ops}) == 1 and ops[0]:
        keys = new[np.array(ops, dtype=np.intp)]   # one arity (binary, neg): a lexsort, column 0 first
        order = np.lexsort(keys.T[::-1])
        return keys[order], order
    mapped = [new[np.array(o, dtype=np.intp)] for o in ops]
    order = sorted(range(len(ops)), key=lambda k: tuple(mapped[k].tolist()))
    return [mapped[k] for k in order], order


def _runs(counted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Runs of consecutive columns of `counted` that are equal: their starts and their columns."""
    if not counted.shape[1]:
        return np.zeros(0, dtype=np.intp), counted
    change = np.flatnonzero((counted[:, 1:] != counted[:, :-1]).any(axis=0)) + 1
    starts = np.concatenate(([0], change)).astype(np.intp)
    return starts, counted[:, starts]


def _fold_operands(step: Step, base: np.ndarray, varying: np.ndarray) -> Step:
    """A live binary step with the operands no scenario changes as values (see Step.a_value)."""
    if step.kind not in _BINARY:
        return step
    folded = {f"{side}_value": base[idx] for side, idx in (("a", step.a), ("b", step.b))
              if not varying[idx].any()}
    return replace(step, **folded) if folded else step


def _reads(step: Step) -> list:
    """The slots a step reads from V."""
    if step.kind == "rows":
        return [ins[1] for ins in step.code if ins[0] == "slot"]
    if step.kind in _BINARY:
        return [idx for idx, value in ((step.a, step.a_value), (step.b, step.b_value)) if value is None]
    return [step.a]


def _steps(groups: list[_Group], varying: bool | None) -> tuple[Step, ...]:
    """One numpy call per group: all instructions (`varying` None), or those that depend on the
    inventory (True), or those that do not (False)."""
    steps = []
    for g in groups:
        sel = np.arange(len(g.out)) if varying is None else np.flatnonzero(g.varying == varying)
        if not len(sel):
            continue
        out = g.out[sel]
        if g.kind == "rows":
            steps += [Step("rows", slice(int(o), int(o) + 1), table=g.extra[i][0], code=g.extra[i][1])
                      for o, i in zip(out, sel)]
        elif g.kind == "sum":
            terms = np.concatenate([g.ops[i] for i in sel])
            signs = np.array([s for i in sel for s in g.extra[i]])
            starts = np.cumsum([0] + [len(g.ops[i]) for i in sel[:-1]]).astype(np.intp)
            steps.append(Step("sum", _index(out), _index(terms), None if (signs == 1.0).all() else signs, starts))
        elif g.kind == "neg":
            steps.append(Step("neg", _index(out), _index(g.ops[sel, 0])))
        else:
            steps.append(Step(g.kind, _index(out), _index(g.ops[sel, 0]), _index(g.ops[sel, 1])))
    return tuple(steps)


def _index(ix: np.ndarray):
    """A contiguous run of slots as a slice (a view: no gather, and `out=` without a scatter)."""
    if len(ix) and ix[-1] - ix[0] == len(ix) - 1 and (len(ix) == 1 or (np.diff(ix) == 1).all()):
        return slice(int(ix[0]), int(ix[-1]) + 1)
    return ix
