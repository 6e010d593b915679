"""What counts as a year: of a case's data, of a knowledge-base value's validity, of a source.

One range for all of them, wide enough for long-term scenarios; a wider number is a typo
(20231), not a year.
"""
from __future__ import annotations

YEARS = range(1900, 2201)


def is_year(value: object) -> bool:
    """An integer (not a bool, which Python counts as one) in `YEARS`."""
    return isinstance(value, int) and not isinstance(value, bool) and value in YEARS
