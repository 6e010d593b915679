"""Each table row's part of an emission: the supplier leg, the bill-of-material line a report lists.

An emission written as a row sum scaled by the rest of its formula (`sum(leg in legs: leg.mass *
leg.distance) * truck_ef`, `sum(m in bom: m.mass * m.ef)`) is the sum of one figure per row. The
emission's own postfix code is run with the row sum left unsummed: what comes out is the array of
the rows' parts, which add up to the emission. A formula that is not linear in its one row sum
(the sum added to something else, divided by, inside a min or a condition, or two row sums) has no
such parts, and None is returned rather than a split that would not add up.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.keys import Key
from ..evaluation.evaluate import _exec
from ..evaluation.result import ProductResult
from ..plan import Plan

if TYPE_CHECKING:
    import numpy as np


def row_parts(plan: Plan, p: ProductResult, emission: str) -> tuple[str, np.ndarray] | None:
    """(table name, kgCO2e per functional unit of each row), or None (see above)."""
    code = plan.code.get(Key.emission(emission))
    if code is None or p.values is None:
        return None
    sums = [i for i, ins in enumerate(code) if ins[0] == "sum"]
    if len(sums) != 1 or not _linear(code, sums[0]):
        return None
    at = sums[0]
    _, table_key, body = code[at]
    table = p.values.get(table_key)
    if not isinstance(table, dict) or not table:
        return None
    import numpy as np   # only a product with a row table gets here: its columns are arrays
    n_rows = len(next(iter(table.values())))
    per_row = np.broadcast_to(np.asarray(_exec(body, p.values, table), dtype=float), (n_rows,))
    parts = _exec((*code[:at], ("const", per_row), *code[at + 1:]), p.values, None)
    parts = np.broadcast_to(np.asarray(parts, dtype=float), (n_rows,)) / p.divisor
    return table_key.name, parts


def _linear(code: tuple, at: int) -> bool:
    """Whether the value is (row sum) x (things that do not depend on it): a stack of flags."""
    st: list[bool] = []
    for i, ins in enumerate(code):
        op = ins[0]
        if i == at:
            st.append(True)
        elif op in ("load", "const", "field", "sum"):
            st.append(False)
        elif op == "neg":
            pass
        elif op in ("*", "/", "+", "-"):
            b, a = st.pop(), st.pop()
            if op == "*" and not (a and b):
                st.append(a or b)
            elif op == "/" and not b:
                st.append(a)
            elif not (a or b):
                st.append(False)
            else:
                return False
        else:   # a call (min, max, if, comparisons, round ...): linear only if it does not touch the sum
            arity = 3 if op == "if" else (1 if op in ("abs", "not") else 2)
            args = [st.pop() for _ in range(arity)]
            if any(args):
                return False
            st.append(False)
    return st == [True]
