"""Functional units with units: `"1 台"`, `"1 t grain"`, `"1 hm²·a"`, `"1 kWh delivered"`.

A functional unit is text a report prints; when it opens with a number and a unit pcf knows
(`1 t`, `1 hm²·a`, `1 kWh`) it is also a quantity, and a product's `quantity` (its reference
flow, what the period produced) may be given in any unit of that dimension (`"10000 t"`,
`"3500 kWh"`): it is converted to a count of functional units, the divisor of every period
figure. A functional unit without a unit (`"一套系统"`) stays a description, and its quantity
a plain count.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .units import UnitError, Units, format_dim

_HEAD = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)\s+(\S+)(?:\s+(.*\S))?\s*$")


@dataclass(frozen=True)
class FunctionalUnit:
    text: str                       # as written: "1 t grain"
    value: float | None = None      # 1.0, when it opens with a number and a known unit
    unit: str | None = None         # "t"
    description: str | None = None  # "grain": what the unit is of

    @property
    def measured(self) -> bool:
        return self.unit is not None


def read_functional_unit(text: str | None, units: Units) -> FunctionalUnit | None:
    """`text` read as a number, a unit and a description; descriptive only when it does not
    open with a positive number and a unit pcf knows."""
    if text is None:
        return None
    m = _HEAD.match(text)
    if m is None:
        return FunctionalUnit(text)
    value, unit, rest = float(m.group(1)), m.group(2), m.group(3)
    try:
        units.parse(unit)
    except UnitError:
        return FunctionalUnit(text)
    if not value > 0:
        return FunctionalUnit(text)
    return FunctionalUnit(text, value, unit, rest)


def count_of(fu: FunctionalUnit | None, value: float, unit: str, units: Units) -> float:
    """How many functional units `value unit` is (`10000 t` of `1 t grain`: 10000).
    Raises UnitError with a message and hint when it cannot be said."""
    if fu is None or not fu.measured:
        shown = f'"{fu.text}"' if fu is not None else "(none given)"
        raise UnitError(f"a quantity in {unit} needs a functional unit with a unit; the functional unit is {shown}",
                        'give the quantity as a number of functional units (`quantity = 1200`), or a functional '
                        'unit that opens with a number and a unit (`functional_unit = "1 t grain"`)')
    q, per = units.parse(unit), units.parse(fu.unit)
    if q.dim != per.dim:
        raise UnitError(f"a quantity in {unit} ({format_dim(q.dim)}) cannot be counted in functional units of "
                        f'"{fu.text}" ({format_dim(per.dim)})',
                        f"give the quantity in {fu.unit}, or as a number of functional units")
    return value * q.scale / (fu.value * per.scale)
