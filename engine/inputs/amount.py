"""Amounts as people write them: the one reader of `"<number> <unit>"` text from user files.

Every path that reads a figure with a unit from user text (TOML inventories, CSV and XLSX
sheets, wide batch catalogues, the figures printed in case.toml) reads it here, so one text
gives one value, or one error with one hint, everywhere. The syntax, also in docs/language.md:

- digits may be grouped in threes with a space, a thin space (U+2009), a narrow no-break
  space (U+202F) or a no-break space (U+00A0), one kind per number: `1 056.8120 kWh` and
  `77 070.37 kgCO2e`, as pcf prints them;
- a comma groups digits only where no European reader could take it for a decimal comma:
  with two groups or more (`1,234,567`) or before a decimal point (`1,234.5`). A lone
  `1,234` (1234, or 1.234?) and a decimal comma (`1,5`) are refused;
- any other grouping (`1 2345`, `1.234.567`) is refused, as is a unit that starts with a digit
  (`56 812 kWh` must never read as 56 x 812 kWh) other than the pure-number unit `1`;
- `%` is a unit by itself: `15 %`; `15 %%` or `%` inside another unit is refused;
- a unit is at most `MAX_UNIT_CHARS` characters (pint's parsing is quadratic in its length).

The reader keeps the digits as printed (separators removed): they set the rounding the audit
allows for (`1 056.8120` is 1056.8120, exact to 0.00005).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal

from ..core.units import MAX_UNIT_CHARS, UnitError, check_unit_length

# Separators of digit groups that can never be a decimal mark. `,` is handled apart.
SPACES = " \u2009\u202f\u00a0"
# ASCII digits only: Python's \d and float() also take full-width and other scripts' digits,
# which would let "０.５ kWh" through here while the method language and TOML refuse them.
# One kind of separator per number (the back reference); no nested unbounded repeats, so
# matching is linear in the length of the text.
_NUMBER = re.compile(r"[-+]?(?:(?P<grouped>[0-9]{1,3}(?P<sep>[ \u2009\u202f\u00a0,])[0-9]{3}(?:(?P=sep)[0-9]{3})*)"
                     r"(?![0-9])|[0-9]+)?(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?")
_DIGITS = re.compile(r"[0-9]")
_DECIMAL_COMMA = re.compile(r",([0-9]+)")
_FORMAT_LITERAL = re.compile(r'"[^"]*"|\\.')     # quoted text and escaped characters in a number format
_NOT_FINITE = re.compile(r"[-+]?(nan|inf|infinity)\b", re.I)
FORMS = 'write the number, a space and the unit, e.g. "1 056.8 kWh" or "1056.8 kWh"'
CELL = "write the number alone, e.g. \"1 200\" under `electricity [kWh]`"
GROUPING = "group digits in threes (\"12 345.6 kWh\") or not at all (\"12345.6 kWh\")"


class AmountError(ValueError):
    """An amount that cannot be read; `hint` says how to write it."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class Reading:
    """`1 056.8120 kWh` read: the digits as printed without separators, their value, the unit."""
    text: str       # "1056.8120"
    value: float
    unit: str       # "" for a bare number


def read_amount(raw: str) -> Reading:
    """A number followed by an optional unit.

    >>> read_amount("1 056.8120 kWh")
    Reading(text='1056.8120', value=1056.812, unit='kWh')
    >>> read_amount("1,234,567 t").value
    1234567.0
    """
    s = raw.strip()      # str.strip takes every Unicode space: NBSP, thin, ideographic ...
    m = _NUMBER.match(s)
    number = m.group(0) if m else ""
    if not _DIGITS.search(number):
        raise AmountError(f'expected "<number> <unit>", found {_shown(raw)}', _hint_for(s))
    rest = s[m.end():]
    unit = rest.strip()
    sep = m.group("sep")
    decimal = _DECIMAL_COMMA.match(rest)
    if decimal and sep != "," and "." not in number:
        point = f"{_strip_seps(number)}.{decimal.group(1)}"
        raise AmountError(f"{_shown(raw)}: a decimal comma", "write the decimal with a point"
                          + (f': "{point}"' if len(point) <= 40 else ""))
    if rest[:1] in (",", ".") or (unit[:1].isdigit() and unit != "1"):
        raise AmountError(f"{_shown(raw)}: digits grouped wrongly (or a unit that starts with a digit)",
                          GROUPING)
    if sep == "," and "." not in number and number.count(",") == 1:
        raise AmountError(f"`{number}` is ambiguous: 1,234 is 1234 in some countries and 1.234 in others",
                          f'write "{number.replace(",", "")}" for the thousands, '
                          f'"{number.replace(",", ".")}" for the decimal')
    check_unit(unit)
    text = _strip_seps(number).lstrip("+")
    try:
        value = float(text) + 0.0     # + 0.0: -0 is 0
    except ValueError:                # "." or "e5" alone: matched, but not a number
        raise AmountError(f'expected "<number> <unit>", found {_shown(raw)}', FORMS) from None
    if out_of_range(text):
        raise AmountError(f"amount out of range: {text[:40]}",
                          "a float holds about 1e-308 to 1e308: give the amount in a unit that suits it")
    return Reading(text, value, unit)


def out_of_range(text: str) -> bool:
    """Whether a decimal literal has no float of its own: beyond ±1.8e308, so small that it
    would read as 0, or with a last digit past 1e308 (its rounding could not be said)."""
    if len(text) < 300 and "e" not in text and "E" not in text:
        return False   # fewer than 309 digits and no exponent: always a finite float, 0 only if 0
    d = Decimal(text)
    v = float(d)
    return not math.isfinite(v) or (v == 0 and d != 0) or d.as_tuple().exponent > 308


def check_unit(unit: str) -> None:
    """Refuse unit text that pint would read as something else (`%%` is 0.01 %) or too slowly."""
    try:
        check_unit_length(unit)
    except UnitError as exc:
        raise AmountError(str(exc), exc.hint) from None
    if "%" in unit.replace("％", "%") and unit.replace("％", "%") != "%":
        raise AmountError(f"unit `{unit}`: `%` is a unit by itself, as in \"15 %\"",
                          "write a percentage as \"15 %\" (or the fraction, \"0.15 1\")")


def sheet_cell(value, number_format: str | None):
    """A spreadsheet cell's value as people read it. A number formatted as a percentage
    (`0%`, `0.00%`) shows `15%` but holds 0.15: it becomes the text "15 %", so that a unit
    column or header of `%` does not turn it into 0.15 %. (A `%` quoted or escaped in the
    format is a literal sign and does not scale.)"""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) \
            and "%" in _FORMAT_LITERAL.sub("", number_format or ""):
        return f"{_shift(number_text(value), 2)} %"
    return value


def read_number(raw, header_unit: str | None = None) -> Reading:
    """A cell whose unit is given elsewhere (a column header): a number, or text of one
    with no unit (or with the header's own unit, as a percentage cell has). `True`/`False`
    are not numbers."""
    if isinstance(raw, bool):
        raise AmountError(f"expected a number, found {str(raw).lower()}")
    if isinstance(raw, (int, float)):
        try:
            return Reading(number_text(raw), float(raw) + 0.0, "")
        except OverflowError:    # an int beyond any float
            raise AmountError(f"amount out of range: {number_text(raw)[:40]}") from None
    if not looks_like_number(str(raw)):
        raise AmountError(f"`{_clip(str(raw).strip())}` is not a number", CELL)
    r = read_amount(str(raw))
    if r.unit and r.unit != header_unit:
        raise AmountError(f"`{_clip(str(raw).strip())}`: a cell holds a number; its unit is in the column header",
                          CELL)
    return r


def number_text(v: int | float) -> str:
    """The digits of a number cell or TOML number: repr for a float keeps every digit."""
    return repr(v) if isinstance(v, float) else str(v)


def bare_percent(unit_given: str, text: str, value: float | None, declared_unit: str) -> str | None:
    """The hint when a bare number is given for an input declared in `%`, else None.

    `15` for a `%` input could be 15 % or, read as a pure number, 1 500 %; `0.5` could be
    0.5 % or 50 %. Only a unit says which, so any bare number but 0 (the same either way)
    is refused: `"15 %"` is a percentage, `"0.15 1"` the fraction.

    >>> bare_percent("", "15", 15.0, "%")
    'write "15 %" or "0.15 1"'
    """
    if unit_given or value in (None, 0) or not is_percent(declared_unit):
        return None
    if abs(value) > 1:
        return f'write "{text} %" or "{_shift(text, -2)} 1"'
    return f'write "{text} %" for {text} percent, or "{text} 1" for the fraction ({_shift(text, 2)} %)'


def is_percent(unit: str) -> bool:
    return unit.strip().replace("％", "%") == "%"


def looks_like_number(text: str) -> bool:
    """Whether text starts like a number (so a malformed amount is an error, not a label)."""
    s = text.strip()
    return bool(s[:1].isdigit() or (s[:1] in "+-.．" and s[1:2].isdigit()) or _NOT_FINITE.match(s))


def _shift(text: str, places: int) -> str:
    """`text` times 10**places, in decimal (`15` -> `0.15`, with no float's 0.07 * 100 = 7.000000000000001)."""
    return format(Decimal(text).scaleb(places), "f")


def _strip_seps(number: str) -> str:
    return number.translate({ord(c): None for c in SPACES + ","})


def _clip(text: str) -> str:
    return text if len(text) <= 60 else f"{text[:60]} ... ({len(text)} characters)"


def _shown(raw: str) -> str:
    return repr(_clip(raw))


def _hint_for(s: str) -> str:
    if any(c.isdigit() and not c.isascii() or c in "．，" for c in s):
        return "full-width digits or punctuation: write ASCII 0-9 and ."
    if _NOT_FINITE.match(s):
        return "an amount is a finite number: give the measured value"
    return FORMS


__all__ = ["AmountError", "MAX_UNIT_CHARS", "Reading", "bare_percent", "check_unit", "is_percent",
           "looks_like_number", "number_text", "out_of_range", "read_amount", "read_number", "sheet_cell"]
