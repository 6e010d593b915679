"""Conditions and choices on every kind of value the engine evaluates: floats (one product),
numpy arrays (row tables, batches, Monte Carlo draws) and intervals (the audit's rounding).

A truth value is the number 1 or 0, so a condition on a drawn value is decided draw by draw
(`np.where`), and an `if` compiles into the array program like any other operator. On
intervals a comparison is true, false, or undecided ([0, 1]) where the two overlap; an `if`
whose condition is undecided takes the hull of both branches, so the audit never claims
more precision than the rounding of the printed inputs allows.
"""
from __future__ import annotations

import numpy as np

from ..checks.interval import Interval

# `==` holds within a relative 1e-9: shares 35 % + 65 % sum to 100 % whatever the float rounding
# of the sum (a check `sum(...) == 100 %` must not fail on the 16th digit). Texts are whole
# numbers (see Plan.text_code), equal or at least 1 apart.
EQUAL_RTOL = 1e-9


def equal(a, b, out=None):
    r = np.isclose(a, b, rtol=EQUAL_RTOL, atol=0.0)
    if out is None:
        return r
    out[...] = r
    return out


def not_equal(a, b, out=None):
    r = ~np.isclose(a, b, rtol=EQUAL_RTOL, atol=0.0)
    if out is None:
        return r
    out[...] = r
    return out


def round_to(a, step):
    """`round(x, step)`: x to the nearest multiple of `step`, halves away from zero (四舍五入, as the
    standards round), e.g. round(12.345 kgCO2e, 0.01 kgCO2e) = 12.35 kgCO2e."""
    with np.errstate(all="ignore"):
        r = np.sign(a) * np.floor(np.abs(a) / step + 0.5) * step
    return float(r) if np.ndim(r) == 0 else r


COMPARE = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
           "==": equal, "!=": not_equal}
# operators of the postfix code and the array program, by arity
BINARY_CALLS = {**COMPARE, "and": np.logical_and, "or": np.logical_or, "min": np.minimum, "max": np.maximum,
                "round": round_to}
UNARY_CALLS = ("not", "abs")
TERNARY_CALLS = ("if",)


def truth(x):
    """1.0 / 0.0 (or an array of them) from a numpy comparison or a Python bool."""
    if isinstance(x, np.ndarray):
        return x.astype(float)
    return 1.0 if x else 0.0


def binary(op: str, a, b):
    if isinstance(a, Interval) or isinstance(b, Interval):
        return _interval_binary(op, Interval.of(a), Interval.of(b))
    if op in COMPARE or op in ("and", "or"):
        if op == "and":
            return truth(np.logical_and(a != 0, b != 0))
        if op == "or":
            return truth(np.logical_or(a != 0, b != 0))
        return truth(COMPARE[op](a, b))
    r = BINARY_CALLS[op](a, b)
    return float(r) if isinstance(r, np.floating) else r


def unary(op: str, a):
    if isinstance(a, Interval):
        if op == "not":
            return Interval(1.0 - a.hi, 1.0 - a.lo)
        lo, hi = np.asarray(a.lo, float), np.asarray(a.hi, float)
        out_lo = np.where(lo >= 0, lo, np.where(hi <= 0, -hi, 0.0))
        out_hi = np.maximum(np.abs(lo), np.abs(hi))
        return Interval(_plain(out_lo), _plain(out_hi))
    if op == "not":
        return truth(np.equal(a, 0))
    r = np.abs(a)
    return float(r) if isinstance(r, np.floating) else r


def choose(c, a, b):
    """`if c then a else b`."""
    if isinstance(c, Interval) or isinstance(a, Interval) or isinstance(b, Interval):
        c, a, b = Interval.of(c), Interval.of(a), Interval.of(b)
        sure_true = np.asarray(c.lo) > 0          # [1, 1]
        sure_false = np.asarray(c.hi) == 0        # [0, 0]
        lo = np.where(sure_true, a.lo, np.where(sure_false, b.lo, np.minimum(a.lo, b.lo)))
        hi = np.where(sure_true, a.hi, np.where(sure_false, b.hi, np.maximum(a.hi, b.hi)))
        return Interval(_plain(lo), _plain(hi))
    if isinstance(c, np.ndarray) or isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.where(np.asarray(c) != 0, a, b)
    return a if c != 0 else b


def _interval_binary(op: str, a: Interval, b: Interval) -> Interval:
    if op == "round":   # monotonic in x for a fixed step: the ends rounded (the step's own rounding aside)
        step = b.mid
        return Interval(round_to(a.lo, step), round_to(a.hi, step))
    if op == "min":
        return Interval(_plain(np.minimum(a.lo, b.lo)), _plain(np.minimum(a.hi, b.hi)))
    if op == "max":
        return Interval(_plain(np.maximum(a.lo, b.lo)), _plain(np.maximum(a.hi, b.hi)))
    if op == "and":
        return Interval(_plain(np.minimum(a.lo, b.lo)), _plain(np.minimum(a.hi, b.hi)))
    if op == "or":
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


def _plain(x):
    """A 0-d array back to a float (intervals of one product hold floats)."""
    x = np.asarray(x)
    return float(x) if x.ndim == 0 else x
