"""The dimension of a quantity: exponents of base units (`{"kgCO2e": 1, "meter": -2}`).

pint's `UnitsContainer` did this job; the static check only multiplies, divides, raises and
compares dimensions, which needs no unit registry. With this type, a run whose units are all in
the parsed-unit cache (core/unitcache.py) never imports pint (issue 25: about 0.1 s of every
command). Semantics follow `UnitsContainer`: zero exponents are dropped, so `m/m` is the empty
dimension; equality and hashing go by the exponents (`2 == 2.0`); the exponent of a base unit
the dimension lacks is 0 (`dim["kgC"]`, `dim.get("kgC")`), though `"kgC" in dim` is false.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Iterable, Iterator


class Dim(Mapping):
    __slots__ = ("_exp", "_hash")

    def __init__(self, exponents: Mapping[str, float] | Iterable[tuple[str, float]] = ()):
        items = exponents.items() if isinstance(exponents, Mapping) else exponents
        self._exp = {str(k): v for k, v in items if v}
        self._hash = None

    def __getitem__(self, name: str) -> float:
        return self._exp.get(name, 0)

    def get(self, name: str, default=0) -> float:
        return self._exp.get(name, 0)

    def __contains__(self, name) -> bool:
        return name in self._exp

    def __iter__(self) -> Iterator[str]:
        return iter(self._exp)

    def __len__(self) -> int:
        return len(self._exp)

    def __eq__(self, other) -> bool:
        if isinstance(other, Dim):
            return self._exp == other._exp
        if isinstance(other, Mapping):
            return self._exp == {k: v for k, v in other.items() if v}
        return NotImplemented

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset(self._exp.items()))
        return self._hash

    def __mul__(self, other: "Dim") -> "Dim":
        out = dict(self._exp)
        for k, v in other.items():
            out[k] = out.get(k, 0) + v
        return Dim(out)

    def __truediv__(self, other: "Dim") -> "Dim":
        out = dict(self._exp)
        for k, v in other.items():
            out[k] = out.get(k, 0) - v
        return Dim(out)

    def __rtruediv__(self, other) -> "Dim":
        if other == 1:
            return Dim({k: -v for k, v in self._exp.items()})
        return NotImplemented

    def __pow__(self, power: float) -> "Dim":
        return Dim({k: v * power for k, v in self._exp.items()})

    def __repr__(self) -> str:
        return f"<Dim({self._exp!r})>"

    def __reduce__(self):
        return (Dim, (self._exp,))
