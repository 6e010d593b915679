"""Conditions and choices on every kind of value the engine evaluates: floats (one product),
numpy arrays (row tables, batches, Monte Carlo draws) and intervals (the audit's rounding).

A truth value is the number 1 or 0, so a condition on a drawn value is decided draw by draw
(`np.where`), and an `if` compiles into the array program like any other operator. On
intervals a comparison is true, false, or undecided ([0, 1]) where the two overlap; an `if`
whose condition is undecided takes the hull of both branches, so the audit never claims
more precision than the rounding of the printed inputs allows.

Each function takes Python floats through plain Python, written to give the float numpy gives
(NaN and signed zeros included: tests/test_choices.py compares the two on generated floats),
and anything else through numpy, imported there: one product without row tables is all floats,
so `pcf run`, `check` and `explain` of such a case never import numpy (bench/startup.py).
"""
from __future__ import annotations

import math

from ..checks.interval import Interval

# `==` holds within a relative 1e-9: shares 35 % + 65 % sum to 100 % whatever the float rounding
# of the sum (a check `sum(...) == 100 %` must not fail on the 16th digit). Texts are whole
# numbers (see Plan.text_code), equal or at least 1 apart.
EQUAL_RTOL = 1e-9

COMPARISONS = ("<", "<=", ">", ">=", "==", "!=")
# operators of the postfix code and the array program, by arity
BINARY_CALLS = frozenset(COMPARISONS + ("and", "or", "min", "max", "round"))
UNARY_CALLS = ("not", "abs")
TERNARY_CALLS = ("if",)


def _floats(*xs) -> bool:
    return all(type(x) is float for x in xs)


def equal(a, b, out=None):
    if out is None and _floats(a, b):
        # numpy.isclose's test: |a - b| <= atol + rtol·|b| with b finite, or a == b (atol is 0)
        return (abs(a - b) <= EQUAL_RTOL * abs(b) and math.isfinite(b)) or a == b
    import numpy as np
    r = np.isclose(a, b, rtol=EQUAL_RTOL, atol=0.0)
    if out is None:
        return r
    out[...] = r
    return out


def not_equal(a, b, out=None):
    if out is None and _floats(a, b):
        return not equal(a, b)
    import numpy as np
    r = ~np.isclose(a, b, rtol=EQUAL_RTOL, atol=0.0)
    if out is None:
        return r
    out[...] = r
    return out


def round_to(a, step):
    """`round(x, step)`: x to the nearest multiple of `step`, halves away from zero (四舍五入, as the
    standards round), e.g. round(12.345 kgCO2e, 0.01 kgCO2e) = 12.35 kgCO2e."""
    if _floats(a, step) and step != 0.0:
        q = abs(a) / step + 0.5
        if math.isfinite(q):    # math.floor refuses inf and NaN; numpy's floor keeps them
            sign = 1.0 if a > 0 else -1.0 if a < 0 else 0.0
            return sign * float(math.floor(q)) * step
    import numpy as np
    with np.errstate(all="ignore"):
        r = np.sign(a) * np.floor(np.abs(a) / step + 0.5) * step
    return float(r) if np.ndim(r) == 0 else r


def truth(x):
    """1.0 / 0.0 (or an array of them) from a comparison: a bool, numpy's bool or an array."""
    if type(x) is bool:
        return 1.0 if x else 0.0
    import numpy as np
    if isinstance(x, np.ndarray):
        return x.astype(float)
    return 1.0 if x else 0.0


def _least(a: float, b: float) -> float:
    """numpy.minimum of two floats: NaN wins, and of equal values the second (-0.0 vs 0.0)."""
    if a != a:
        return a
    return a if a < b else b


def _most(a: float, b: float) -> float:
    """numpy.maximum of two floats (as `_least`)."""
    if a != a:
        return a
    return a if a > b else b


_FLOAT_BINARY = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b, "==": equal, "!=": not_equal,
    "and": lambda a, b: a != 0 and b != 0, "or": lambda a, b: a != 0 or b != 0,
}


def binary(op: str, a, b):
    if isinstance(a, Interval) or isinstance(b, Interval):
        return _interval_binary(op, Interval.of(a), Interval.of(b))
    if _floats(a, b):
        if op in _FLOAT_BINARY:
            return 1.0 if _FLOAT_BINARY[op](a, b) else 0.0
        if op == "min":
            return _least(a, b)
        if op == "max":
            return _most(a, b)
        return round_to(a, b)
    import numpy as np
    if op == "and":
        return truth(np.logical_and(a != 0, b != 0))
    if op == "or":
        return truth(np.logical_or(a != 0, b != 0))
    compare = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
               "==": equal, "!=": not_equal}
    if op in compare:
        return truth(compare[op](a, b))
    r = {"min": np.minimum, "max": np.maximum, "round": round_to}[op](a, b)
    return float(r) if isinstance(r, np.floating) else r


def unary(op: str, a):
    if isinstance(a, Interval):
        if op == "not":
            return Interval(1.0 - a.hi, 1.0 - a.lo)
        if _floats(a.lo, a.hi):
            lo, hi = a.lo, a.hi
            out_lo = lo if lo >= 0 else -hi if hi <= 0 else 0.0
            return Interval(out_lo, _most(abs(lo), abs(hi)))
        import numpy as np
        lo, hi = np.asarray(a.lo, float), np.asarray(a.hi, float)
        out_lo = np.where(lo >= 0, lo, np.where(hi <= 0, -hi, 0.0))
        out_hi = np.maximum(np.abs(lo), np.abs(hi))
        return Interval(_plain(out_lo), _plain(out_hi))
    if type(a) is float:
        return (1.0 if a == 0 else 0.0) if op == "not" else abs(a)
    import numpy as np
    if op == "not":
        return truth(np.equal(a, 0))
    r = np.abs(a)
    return float(r) if isinstance(r, np.floating) else r


def choose(c, a, b):
    """`if c then a else b`."""
    if isinstance(c, Interval) or isinstance(a, Interval) or isinstance(b, Interval):
        c, a, b = Interval.of(c), Interval.of(a), Interval.of(b)
        if _floats(c.lo, c.hi, a.lo, a.hi, b.lo, b.hi):
            if c.lo > 0:          # [1, 1]
                return Interval(a.lo, a.hi)
            if c.hi == 0:         # [0, 0]
                return Interval(b.lo, b.hi)
            return Interval(_least(a.lo, b.lo), _most(a.hi, b.hi))
        import numpy as np
        sure_true = np.asarray(c.lo) > 0
        sure_false = np.asarray(c.hi) == 0
        lo = np.where(sure_true, a.lo, np.where(sure_false, b.lo, np.minimum(a.lo, b.lo)))
        hi = np.where(sure_true, a.hi, np.where(sure_false, b.hi, np.maximum(a.hi, b.hi)))
        return Interval(_plain(lo), _plain(hi))
    if _floats(c, a, b):
        return a if c != 0 else b
    import numpy as np
    if isinstance(c, np.ndarray) or isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.where(np.asarray(c) != 0, a, b)
    return a if c != 0 else b


def _interval_binary(op: str, a: Interval, b: Interval) -> Interval:
    if op == "round":   # monotonic in x for a fixed step: the ends rounded (the step's own rounding aside)
        step = b.mid
        return Interval(round_to(a.lo, step), round_to(a.hi, step))
    if _floats(a.lo, a.hi, b.lo, b.hi):
        return _float_interval_binary(op, a.lo, a.hi, b.lo, b.hi)
    import numpy as np
    if op in ("min", "and"):
        return Interval(_plain(np.minimum(a.lo, b.lo)), _plain(np.minimum(a.hi, b.hi)))
    if op in ("max", "or"):
        return Interval(_plain(np.maximum(a.lo, b.lo)), _plain(np.maximum(a.hi, b.hi)))
    # a comparison: true where every point of a and b satisfies it, false where none does
    lo, hi = (np.asarray(x, float) for x in (a.lo, a.hi))
    blo, bhi = (np.asarray(x, float) for x in (b.lo, b.hi))
    if op in ("<", "<="):
        yes, no = (hi < blo, lo >= bhi) if op == "<" else (hi <= blo, lo > bhi)
    elif op in (">", ">="):
        yes, no = (lo > bhi, hi <= blo) if op == ">" else (lo >= bhi, hi < blo)
    else:
        point = (lo == hi) & (blo == bhi) & equal(lo, blo)
        apart = (hi < blo) | (bhi < lo)
        yes, no = (point, apart) if op == "==" else (apart, point)
    return Interval(_plain(np.where(yes, 1.0, 0.0)), _plain(np.where(no, 0.0, 1.0)))


def _float_interval_binary(op: str, lo: float, hi: float, blo: float, bhi: float) -> Interval:
    """`_interval_binary` on intervals with float ends, in plain Python."""
    if op in ("min", "and"):
        return Interval(_least(lo, blo), _least(hi, bhi))
    if op in ("max", "or"):
        return Interval(_most(lo, blo), _most(hi, bhi))
    if op in ("<", "<="):
        yes, no = (hi < blo, lo >= bhi) if op == "<" else (hi <= blo, lo > bhi)
    elif op in (">", ">="):
        yes, no = (lo > bhi, hi <= blo) if op == ">" else (lo >= bhi, hi < blo)
    else:
        point = lo == hi and blo == bhi and equal(lo, blo)
        apart = hi < blo or bhi < lo
        yes, no = (point, apart) if op == "==" else (apart, point)
    return Interval(1.0 if yes else 0.0, 0.0 if no else 1.0)


def _plain(x):
    """A 0-d array back to a float (intervals of one product hold floats)."""
    import numpy as np
    x = np.asarray(x)
    return float(x) if x.ndim == 0 else x
