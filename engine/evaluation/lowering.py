"""Plan -> array program (`compiled.Program`): slots numbered, postfix code lowered to
three-address steps, folded, scheduled by depth and grouped by operator (see compiled.py)."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..core.gcpause import gc_paused
from ..core.keys import Key
from ..plan import Plan
from .compiled import BINARY, UNARY, Program, Step, run_step
from .totals import counts

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
        self.first_ops: tuple[list[int], list[int]] = ([], [])   # each instruction's first two operands (or -1)
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
            elif op in UNARY:   # not, abs
                t = st.pop()
                st.append(("lit", float(UNARY[op](t[1]))) if t[0] == "lit" else ("un", op, t))
            elif op == "if":
                b, a, c = st.pop(), st.pop(), st.pop()
                st.append((a if c[1] != 0 else b) if c[0] == "lit" else ("if", c, a, b))
            else:
                b, a = st.pop(), st.pop()
                if a[0] == "lit" and b[0] == "lit" and not (op == "/" and b[1] == 0):
                    st.append(("lit", float(BINARY[op](a[1], b[1]))))
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
        if kind == "un":
            return self.instr(t[1], [self.emit(t[2])])
        if kind == "if":
            return self.instr("if", [self.emit(t[1]), self.emit(t[2]), self.emit(t[3])])
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
        self.first_ops[0].append(ops[0] if ops else -1)
        self.first_ops[1].append(ops[1] if len(ops) > 1 else -1)
        return out

    def inputs_by_stage(self, outs: np.ndarray, em_slots: np.ndarray, counted: np.ndarray) -> np.ndarray:
        """The inputs' order in the slots: by the earliest stage among the lines that read each
        directly (an operand of the line's own instruction: amount x factor), then in method
        order; inputs read directly only by lines counted in no stage, then those no line reads
        directly, come last. A group's outputs follow their operands' slots (`renumber`), so the
        lines of one stage sit together and the stage totals read slices, however the method
        interleaves its stages; for a method declared stage by stage this is the method order.
        (Array operations: a loop over the lines' code took ~0.2 s of a 100 000-line compile.)

        `outs`: each instruction's output slot; `em_slots`: each line's slot, method order."""
        k = len(self.inputs)
        stages = len(counted)
        instr_of = np.full(len(self.init), -1, dtype=np.intp)
        instr_of[outs] = np.arange(len(outs))
        made = instr_of[em_slots]
        line = made >= 0                     # a line its own instruction makes (not a bare input or let)
        stage = np.where(counted.any(axis=0), counted.argmax(axis=0), stages)[line]
        first = np.full(k + 1, stages + 1, dtype=np.intp)       # [k]: where other operands go
        for ops in self.first_ops:
            read = np.asarray(ops, dtype=np.intp)[made[line]]
            np.minimum.at(first, np.where((read >= 0) & (read < k), read, k), stage)
        first = first[:k]
        if (first[:-1] <= first[1:]).all():
            return np.arange(k)
        return np.argsort(first, kind="stable")

    def renumber(self, outs: np.ndarray, input_order: np.ndarray) -> tuple[list[_Group], np.ndarray, np.ndarray]:
        """Slots in the order the steps will use them: leaves (the inputs first, in `input_order`,
        then constants and literals), then each (depth, operator) group's outputs together,
        sorted by operands. A group's outputs, and often its operands, become contiguous:
        slices instead of gathers.

        `outs`: each instruction's output slot. Returns the groups in that order, in new slots,
        the old slot of each new one, and the new slot of each old one."""
        instrs = self.instrs
        size = len(self.init)
        is_out = np.zeros(size, dtype=bool)
        is_out[outs] = True
        leaves = np.flatnonzero(~is_out)
        k = len(input_order)
        leaves[:k] = input_order     # the inputs are the first k slots, all leaves
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
        return groups, np.concatenate(pieces), new

    def schedule(self) -> Program:
        p = self.plan
        emissions = tuple(e.name for e in self.emissions)
        em_old = np.array([self.slot[Key.emission(e)] for e in emissions], dtype=np.intp)
        counted = np.zeros((len(p.stage_ids), len(emissions)))
        stage_row = {s: i for i, s in enumerate(p.stage_ids)}
        lines = [(stage_row[e.stage], j) for j, e in enumerate(self.emissions)
                 if counts(e, stage_row)]
        if lines:
            counted[tuple(np.array(lines, dtype=np.intp).T)] = 1.0
        outs = np.fromiter((i[1] for i in self.instrs), dtype=np.intp, count=len(self.instrs))
        order = self.inputs_by_stage(outs, em_old, counted)
        self.input_keys = tuple(self.input_keys[i] for i in order)
        groups, old, new = self.renumber(outs, order)
        size = len(self.init)
        raw = np.array(self.init, dtype=float)[old]
        full = _steps(groups, None)
        # fold what the inventory cannot change
        base = raw.copy()
        with np.errstate(all="ignore"):
            for step in _steps(groups, False):
                run_step(step, base, {})
        slot_varying = np.array(self.varying, dtype=bool)[old]
        live = tuple(_fold_operands(step, base, slot_varying) for step in _steps(groups, True))
        em_slots = new[em_old]
        tables = tuple(t for g in groups if g.kind == "rows" for t, _ in g.extra)
        perm = _line_order(em_slots, counted)
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
        # A single live run writes the inputs and the live steps' outputs and copies the rest
        kept = live_out.copy()
        kept[:n_inputs] = True
        kept = _index(np.flatnonzero(~kept))
        filled[fill] = True
        runs, run_counted = _runs(counted[:, perm])
        identity = run_counted.shape[0] == run_counted.shape[1] and bool((run_counted == np.eye(len(runs))).all())
        return Program(p, dict(self.slot), size, base, raw, live, full, tables, emissions, em_slots, counted,
                       self.input_keys, _index(em_slots[perm]), runs, run_counted,
                       fill, filled, kept, tuple(c.name for c in p.method.checks), identity)


@dataclass(frozen=True)
class _Group:
    """The instructions of one (depth, operator), in slot order, in new slots."""
    kind: str
    out: np.ndarray                      # output slots: consecutive
    ops: np.ndarray | list[np.ndarray]   # operand slots: (instructions, arity), or each its own (sum, rows)
    extra: list                          # per instruction: signs (sum), (table, body code) (rows)
    varying: np.ndarray                  # per instruction: depends on the inventory


def _by_operands(ops: list[list[int]], new: np.ndarray) -> tuple[np.ndarray | list[np.ndarray], list]:
    """Instructions' operands in new slots, and the stable order that sorts them by their
    operands, each instruction's lowest slot first: the inputs hold the lowest slots, so a
    group of amount x factor lines follows its amounts' order, whichever side the amount is
    written on (`inputs_by_stage`), and that operand is read as a slice."""
    if len({len(o) for o in ops}) == 1 and ops[0]:
        keys = new[np.array(ops, dtype=np.intp)]   # one arity (binary, neg): a lexsort, lowest first
        order = np.lexsort(np.sort(keys, axis=1).T[::-1])
        return keys[order], order
    mapped = [new[np.array(o, dtype=np.intp)] for o in ops]
    order = sorted(range(len(ops)), key=lambda k: tuple(mapped[k].tolist()))
    return [mapped[k] for k in order], order


def _line_order(em_slots: np.ndarray, counted: np.ndarray) -> np.ndarray:
    """The order the stage totals read the lines in. Slot order makes the read a slice, and
    the lines of one stage usually sit together in it. A method that interleaves its stages
    (activities assigned to stages in any order) would make thousands of one-line runs, each
    a step of the reduceat (issue 25: 5-13x numpy); its lines are then gathered stage by stage
    instead, one run per stage, whatever the declaration order."""
    perm = np.argsort(em_slots, kind="stable")
    starts, _ = _runs(counted[:, perm])
    if len(starts) <= 2 * counted.shape[0] + 8:
        return perm
    stage = np.where(counted.any(axis=0), counted.argmax(axis=0), -1)
    return np.lexsort((em_slots, stage))


def _runs(counted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Runs of consecutive columns of `counted` that are equal: their starts and their columns."""
    if not counted.shape[1]:
        return np.zeros(0, dtype=np.intp), counted
    change = np.flatnonzero((counted[:, 1:] != counted[:, :-1]).any(axis=0)) + 1
    starts = np.concatenate(([0], change)).astype(np.intp)
    return starts, counted[:, starts]


def _fold_operands(step: Step, base: np.ndarray, varying: np.ndarray) -> Step:
    """A live binary step with the operands no scenario changes as values (see Step.a_value)."""
    if step.kind not in BINARY:
        return step
    folded = {f"{side}_value": base[idx] for side, idx in (("a", step.a), ("b", step.b))
              if not varying[idx].any()}
    return replace(step, **folded) if folded else step


def _reads(step: Step) -> list:
    """The slots a step reads from V."""
    if step.kind == "rows":
        return [ins[1] for ins in step.code if ins[0] == "slot"]
    if step.kind in BINARY:
        return [idx for idx, value in ((step.a, step.a_value), (step.b, step.b_value)) if value is None]
    if step.kind == "if":
        return [step.a, step.b, step.c]
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
        elif g.kind in UNARY:
            steps.append(Step(g.kind, _index(out), _index(g.ops[sel, 0])))
        elif g.kind == "if":
            steps.append(Step("if", _index(out), _index(g.ops[sel, 0]), _index(g.ops[sel, 1]),
                              c=_index(g.ops[sel, 2])))
        else:
            steps.append(Step(g.kind, _index(out), _index(g.ops[sel, 0]), _index(g.ops[sel, 1])))
    return tuple(steps)


def _index(ix: np.ndarray):
    """A contiguous run of slots as a slice (a view: no gather, and `out=` without a scatter)."""
    if len(ix) and ix[-1] - ix[0] == len(ix) - 1 and (len(ix) == 1 or (np.diff(ix) == 1).all()):
        return slice(int(ix[0]), int(ix[-1]) + 1)
    return ix
