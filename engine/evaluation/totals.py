"""Stage totals, the total and shares: which lines a footprint counts, defined once.

A line counts in its stage when the stage is inside the boundary and the line is not an
offset: offsets are never counted in a footprint (PAS 2050 5.8; out of scope in ISO 14067).
The evaluation (floats), the audit (intervals), the compiled program (a 0/1 matrix) and the
sensitivity analysis all ask `counts`, so they cannot disagree about a total.

    >>> from types import SimpleNamespace as E
    >>> ems = [E(name="a", stage="s", tags=()), E(name="o", stage="s", tags=("offset",))]
    >>> t = totals({"a": 5.0, "o": -2.0}, ems, ("s",))
    >>> t.stages, t.total, t.excluded
    ({'s': 5.0}, 5.0, {'o': -2.0})
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Iterable, Mapping, TypeVar

OFFSET = "offset"   # the tag of a line that is reported but never counted

T = TypeVar("T")


def counts(emission, stage_ids) -> bool:
    """Whether an emission line counts in its stage's total (and so in the footprint)."""
    return emission.stage in stage_ids and OFFSET not in emission.tags


def offsets(emissions: Iterable) -> set[str]:
    """The names of the lines that are offsets."""
    return {e.name for e in emissions if OFFSET in e.tags}


@dataclass(frozen=True)
class Totals(Generic[T]):
    stages: dict[str, T]          # per stage inside the boundary, method order
    total: T
    excluded: dict[str, T]        # offset lines, by name: reported, never counted

    def shares(self) -> dict[str, float]:
        """Each stage's share of the total; all 0 when the total is zero."""
        if self.total:
            return {s: v / self.total for s, v in self.stages.items()}
        return {s: 0.0 for s in self.stages}


def totals(values: Mapping[str, T], emissions: Iterable, stage_ids, zero=0) -> Totals[T]:
    """Stage totals and the total of line `values` (by emission name), offsets left out.

    `zero` starts every sum: the int 0 for floats (as `sum` does, so an empty stage stays 0),
    an `Interval(0, 0)` for intervals. Lines are added in method order."""
    parts: dict[str, list] = {s: [] for s in stage_ids}
    excluded = {}
    for e in emissions:
        if OFFSET in e.tags:
            excluded[e.name] = values[e.name]
        elif e.stage in parts:
            parts[e.stage].append(values[e.name])
    # the builtin `sum`, as before this module existed: its float rounding is part of the results
    stages = {s: sum(vs, zero) for s, vs in parts.items()}
    return Totals(stages, sum(stages.values(), zero), excluded)
