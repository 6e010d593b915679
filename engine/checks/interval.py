"""Closed intervals [lo, hi] with the arithmetic of the four operations.

The audit evaluates a case twice: once with the printed inputs as numbers, once with each
printed input widened to half a unit of its last printed digit. A printed result that lies
outside the widened result cannot be explained by rounding. Works on floats and on numpy
arrays (row tables) alike; numpy is imported only where an array is there.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..core.arrays import is_array


@dataclass(frozen=True)
class Interval:
    lo: float
    hi: float

    @staticmethod
    def of(x) -> "Interval":
        return x if isinstance(x, Interval) else Interval(x, x)

    @staticmethod
    def around(value: float, half_width: float) -> "Interval":
        return Interval(value - half_width, value + half_width)

    @property
    def mid(self):
        return (self.lo + self.hi) / 2

    def overlaps(self, other: "Interval", slack: float = 0.0) -> bool:
        return self.lo <= other.hi + slack and other.lo <= self.hi + slack

    def __add__(self, other):
        o = Interval.of(other)
        return Interval(self.lo + o.lo, self.hi + o.hi)

    __radd__ = __add__

    def __sub__(self, other):
        o = Interval.of(other)
        return Interval(self.lo - o.hi, self.hi - o.lo)

    def __rsub__(self, other):
        return Interval.of(other) - self

    def __neg__(self):
        return Interval(-self.hi, -self.lo)

    def __mul__(self, other):
        o = Interval.of(other)
        c = (self.lo * o.lo, self.lo * o.hi, self.hi * o.lo, self.hi * o.hi)
        return Interval(_min(c), _max(c))

    __rmul__ = __mul__

    def __truediv__(self, other):
        o = Interval.of(other)
        if _anywhere(o.lo, lambda x: x <= 0) and _anywhere(o.hi, lambda x: x >= 0):
            return Interval(-math.inf, math.inf)  # divisor may be zero: nothing can be said
        return self * Interval(1 / o.hi, 1 / o.lo)

    def __rtruediv__(self, other):
        return Interval.of(other) / self

    def sum(self) -> "Interval":
        """The sum over a row table's rows (ends that are arrays)."""
        import numpy as np
        return Interval(float(np.sum(self.lo)), float(np.sum(self.hi)))


def _anywhere(x, test) -> bool:
    if is_array(x):
        return bool(test(x).any())
    return bool(test(x))


def _min(c):
    if is_array(c[0]):
        import numpy as np
        return np.minimum.reduce(c)
    return min(c)


def _max(c):
    if is_array(c[0]):
        import numpy as np
        return np.maximum.reduce(c)
    return max(c)
