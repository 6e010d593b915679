"""Conditions and choices on floats in plain Python give numpy's float (issue 25, target 1).

`evaluation/choices.py` takes Python floats through plain Python so that one product without
row tables never imports numpy, and anything else (numpy scalars, arrays) through numpy. The two
must agree to the bit on every float, NaN and signed zeros included: each function is called
once with floats and once with the same numbers as `numpy.float64` (which takes the numpy path),
and the results compared bit for bit.
"""
from __future__ import annotations

import math
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pcf.checks.interval import Interval
from pcf.core.arrays import is_array
from pcf.evaluation import choices

BINARY = sorted(choices.BINARY_CALLS)

# any double, with the awkward ones drawn often: zeros of both signs, infinities, NaN, ties
# (x.5 multiples for round), values a relative 1e-9 apart (the edge of ==)
SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.5, -2.5, 0.01, 1e-300, -1e-300, 5e-324, 1e308, -1e308,
           math.inf, -math.inf, math.nan, 1.0 + 1e-9, 1.0 - 1e-9, 1.0 + 2e-9]
floats = st.one_of(st.sampled_from(SPECIAL), st.floats(allow_nan=True, allow_infinity=True),
                   st.floats(-1e6, 1e6).map(lambda x: round(x, 2)))


def bits(x) -> tuple:
    """A number's exact identity: its 64 bits (NaN's sign and payload aside)."""
    if isinstance(x, Interval):
        return ("interval", bits(x.lo), bits(x.hi))
    assert isinstance(x, (float, bool, np.bool_)), (type(x), x)
    x = float(x)
    return ("nan",) if math.isnan(x) else ("float", struct.pack("<d", x))


def plain(x):
    """The float path's result: Python floats only (a numpy scalar would mean numpy was used)."""
    ends = (x.lo, x.hi) if isinstance(x, Interval) else (x,)
    assert all(type(e) is float for e in ends), x
    return x


def numpy_way(*xs):
    return [np.float64(x) for x in xs]


@settings(max_examples=400, deadline=None)
@given(op=st.sampled_from(BINARY), a=floats, b=floats)
def test_binary_operators_on_floats_give_numpys_float(op, a, b):
    with np.errstate(all="ignore"):
        want = choices.binary(op, *numpy_way(a, b))
    assert bits(plain(choices.binary(op, a, b))) == bits(want)


@settings(max_examples=200, deadline=None)
@given(op=st.sampled_from(choices.UNARY_CALLS), a=floats)
def test_unary_operators_on_floats_give_numpys_float(op, a):
    assert bits(plain(choices.unary(op, a))) == bits(choices.unary(op, np.float64(a)))


@settings(max_examples=200, deadline=None)
@given(c=floats, a=floats, b=floats)
def test_choose_on_floats_is_numpys_choice(c, a, b):
    assert bits(plain(choices.choose(c, a, b))) == bits(float(choices.choose(*numpy_way(c, a, b))))


@settings(max_examples=300, deadline=None)
@given(a=floats, step=floats)
def test_round_on_floats_gives_numpys_float(a, step):
    with np.errstate(all="ignore"):
        want = choices.round_to(*numpy_way(a, step))
    assert bits(plain(choices.round_to(a, step))) == bits(want)


@settings(max_examples=300, deadline=None)
@given(a=floats, b=floats)
def test_equality_on_floats_is_numpy_isclose(a, b):
    want = bool(np.isclose(a, b, rtol=choices.EQUAL_RTOL, atol=0.0))
    assert choices.equal(a, b) is want
    assert choices.not_equal(a, b) is (not want)


intervals = st.tuples(floats, floats).map(lambda t: Interval(min(t), max(t)) if not any(map(math.isnan, t))
                                          else Interval(*t))


@settings(max_examples=400, deadline=None)
@given(op=st.sampled_from(BINARY), a=intervals, b=intervals)
def test_interval_operators_with_float_ends_give_numpys_interval(op, a, b):
    with np.errstate(all="ignore"):
        want = choices.binary(op, Interval(*numpy_way(a.lo, a.hi)), Interval(*numpy_way(b.lo, b.hi)))
    assert bits(plain(choices.binary(op, a, b))) == bits(want)


@settings(max_examples=200, deadline=None)
@given(op=st.sampled_from(choices.UNARY_CALLS), a=intervals)
def test_interval_unary_operators_with_float_ends_give_numpys_interval(op, a):
    assert bits(plain(choices.unary(op, a))) == bits(choices.unary(op, Interval(*numpy_way(a.lo, a.hi))))


@settings(max_examples=300, deadline=None)
@given(c=intervals, a=intervals, b=intervals)
def test_interval_choice_with_float_ends_is_numpys(c, a, b):
    want = choices.choose(*(Interval(*numpy_way(x.lo, x.hi)) for x in (c, a, b)))
    assert bits(plain(choices.choose(c, a, b))) == bits(want)


@pytest.mark.parametrize("a, step, want", [
    (12.345, 0.01, 12.35), (-12.345, 0.01, -12.35), (2.5, 1.0, 3.0), (-2.5, 1.0, -3.0), (0.0, 1.0, 0.0),
])
def test_round_halves_away_from_zero(a, step, want):
    # 12.345 / 0.01 + 0.5 = 1235.0 (to the double), floored, times 0.01: 12.35 (hand arithmetic)
    assert choices.round_to(a, step) == pytest.approx(want, rel=1e-15)


def test_arrays_still_take_numpy():
    a, b = np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 2.0])
    assert choices.binary("<", a, b).tolist() == [1.0, 0.0, 0.0]
    assert choices.binary("min", a, b).tolist() == [1.0, 2.0, 2.0]
    assert choices.choose(np.array([1.0, 0.0, 1.0]), a, b).tolist() == [1.0, 2.0, 3.0]
    assert choices.unary("not", a - 2.0).tolist() == [0.0, 1.0, 0.0]
    assert is_array(a) and not is_array(1.0) and not is_array(np.float64(1.0))


def test_interval_division_by_an_interval_around_zero_says_nothing():
    assert Interval(1.0, 2.0) / Interval(-1.0, 1.0) == Interval(-math.inf, math.inf)
    # [1, 2] / [4, 8] = [1/8, 2/4] (hand arithmetic)
    assert Interval(1.0, 2.0) / Interval(4.0, 8.0) == Interval(0.125, 0.5)
    lo = Interval(np.array([1.0, 1.0]), np.array([2.0, 2.0])) / Interval(np.array([4.0, -1.0]), np.array([8.0, 1.0]))
    assert lo == Interval(-math.inf, math.inf)     # one row's divisor may be zero: as numpy's np.any said
