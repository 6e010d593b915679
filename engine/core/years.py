"""Years: what counts as one (of a case's data, of a knowledge-base value's validity, of a
source), and how the periods of a series are named in messages.

One range for all of them, wide enough for long-term scenarios; a wider number is a typo
(20231), not a year.
"""
from __future__ import annotations

YEARS = range(1900, 2201)


def periods(versions) -> str:
    """The periods of an id's versions (anything with a `period`), as messages name them."""
    shown = [e.period for e in versions]
    if len(shown) > 8:  # a long annual series: its ends say enough
        shown = shown[:3] + [f"… {len(shown) - 6} more …"] + shown[-3:]
    return ", ".join(shown)


def is_year(value: object) -> bool:
    """An integer (not a bool, which Python counts as one) in `YEARS`."""
    return isinstance(value, int) and not isinstance(value, bool) and value in YEARS
