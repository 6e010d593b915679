"""Inventories: the activity data of one or more products, with units and printed precision.

An inventory is data, independent of any method: per product, named amounts
(`"56.8120 kWh"`, or `"kb.<id>"` for a knowledge-base factor chosen by the case) and
tables of repeated rows (supplier legs, bill-of-material lines). `evaluate.bind` fits it
to a method. Inventories can be read from TOML or built in code with `Inventory.build`.

Each amount keeps the digits it was printed with: the audit widens it by half a unit of
its last digit to tell rounding from error.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Mapping

from ..core.errors import Diagnostic, PcfError
from ..core.gcpause import gc_paused
from ..core.source import Span
from ..files.tomlfile import TomlDoc, read_toml
from .amount import AmountError, looks_like_number, number_text, out_of_range, read_amount

KB_RE = re.compile(r"^kb\.([a-z0-9_]+(?:\.[a-z0-9_]+)+)(?:\[([0-9]{4})\])?$")
BASES = ("per_unit", "period")
PRODUCT_KEYS = {"id", "name", "name_en", "functional_unit", "quantity", "amounts", "inputs", "note", "period",
                "left_out", "quality"}
ALLOCATION_BASES = ("physical", "mass", "economic")


def _finite(x) -> bool:
    try:
        return math.isfinite(x)
    except OverflowError:   # an int beyond any float
        return False


def looks_like_amount(text: str) -> bool:
    """Whether a text cell was meant as an amount (so a malformed one is an error, not a label)."""
    return bool(KB_RE.match(text.strip()) or looks_like_number(text))


@dataclass(frozen=True)
class Amount:
    value: float | None          # None for a knowledge-base reference
    unit: str                    # as written ("" for a bare number)
    text: str                    # the number as printed, e.g. "0.7500"
    span: Span | None = None
    kb: str | None = None        # knowledge-base id, when the amount names a factor
    kb_year: int | None = None
    rounding: float | None = None  # half-width when the amount is derived (an allocated share)
    basis: str | None = None       # "per_unit" | "period" when the line says; else the product's `amounts`
    note: str | None = None        # where a typed factor comes from ({value, unit, note}): checks/literals.py
    primary: bool | None = None    # {value, primary = true}: measured in the product's own chain (PACT's
                                   # primary data share, exchange/pactquality.py); None: not said

    @property
    def half_width(self) -> float:
        """Half a unit of the last printed digit: the rounding the printed value hides."""
        if self.rounding is not None:
            return self.rounding
        if self.value is None:
            return 0.0
        try:
            exp = Decimal(self.text).as_tuple().exponent
        except InvalidOperation:
            return 0.0
        return 0.5 * 10.0 ** exp if isinstance(exp, int) else 0.0

    @staticmethod
    def parse(raw, span: Span | None = None) -> "Amount":
        """`"43.28 万kWh"`, `{value = 43.28, unit = "万kWh", basis = "period"}`, `"kb.<id>"` or a
        bare number."""
        if isinstance(raw, dict):
            if set(raw) - {"value", "unit", "basis", "note", "source", "primary"} or "value" not in raw:
                raise AmountError(f"expected an amount, found a table with {', '.join(sorted(raw)) or 'no keys'}",
                                  'write an amount as "43.28 kWh" or {value = 43.28, unit = "kWh"} '
                                  '(with `basis`, or a `note` naming its source)')
            note = raw.get("note", raw.get("source"))
            if note is not None and not (isinstance(note, str) and note.strip()):
                raise AmountError("`note` names where the amount comes from, as text",
                                  'e.g. note = "supplier EPD S-P-01234 (2024)"')
            basis = raw.get("basis")
            if basis is not None and basis not in BASES:
                raise AmountError(f"`basis` is \"per_unit\" or \"period\", found {basis!r}",
                                  "per_unit: per functional unit; period: for the production period "
                                  "(divided by the product's quantity)")
            v = raw["value"]
            text = v if isinstance(v, str) else number_text(v)
            a = Amount.parse(f"{text} {raw.get('unit', '')}", span)
            if basis is not None and a.kb is not None:
                raise AmountError("a knowledge-base factor has no basis; `basis` is for amounts",
                                  "remove `basis`, or give the amount itself")
            primary = raw.get("primary")
            if primary is not None and not isinstance(primary, bool):
                raise AmountError(f"`primary` is true or false, found {primary!r}",
                                  "primary = true: the amount was measured in the product's own supply chain")
            if primary is not None:
                a = replace(a, primary=primary)
            if note is not None:
                if a.kb is not None:
                    raise AmountError("a knowledge-base factor carries its own source; `note` is for amounts",
                                      "remove `note`")
                a = replace(a, note=note)
            return a if basis is None else replace(a, basis=basis)
        if isinstance(raw, bool):
            raise AmountError(f"expected an amount, found {str(raw).lower()}", 'write an amount as "12.5 kWh"')
        if isinstance(raw, (int, float)):
            if not _finite(raw) or out_of_range(number_text(raw)):
                raise AmountError(f"amount must be finite, found {raw}",
                                  "an amount is a finite number: give the measured value")
            return Amount(float(raw) + 0.0, "", number_text(raw), span)   # + 0.0: -0 is 0
        if not isinstance(raw, str):
            raise AmountError(f'expected an amount like "12.5 kWh", found {type(raw).__name__}')
        s = raw.strip()
        k = KB_RE.match(s)
        if k:
            return Amount(None, "", "", span, k.group(1), int(k.group(2)) if k.group(2) else None)
        r = read_amount(raw)
        return Amount(r.value, r.unit, r.text, span)


@dataclass(frozen=True)
class Row:
    cells: Mapping[str, Amount]
    label: str | None = None
    span: Span | None = None
    extra: Mapping[str, str] = field(default_factory=dict)   # descriptive text columns


@dataclass(frozen=True)
class Product:
    id: str
    inputs: Mapping[str, Amount]
    tables: Mapping[str, tuple[Row, ...]]
    name: str | None = None
    functional_unit: str | None = None
    quantity: float | None = None  # functional units produced in the period (a count)
    amounts: str = "per_unit"     # "period": amounts cover the period and are divided by quantity
    span: Span | None = None
    left_out: tuple[Row, ...] = ()                       # inputs cut off, with their mass or energy
    quality: Mapping[str, Mapping[str, float]] = field(default_factory=dict)  # data-quality grades per emission
    # the quantity as given with a unit (`"10000 t"`): `bind` counts it in functional units
    quantity_amount: Amount | None = None
    # what the period is, when it is not a year: "1 hm²·a" (a field's hectare-year). With a
    # functional unit "1 t grain", the period total is then the footprint per hm²·a
    period: str | None = None
    # inputs given as a word, not an amount (`mode = "rail"`): for a method's `text` inputs
    words: Mapping[str, "Word"] = field(default_factory=dict)


@dataclass(frozen=True)
class Word:
    """A text an inventory gives for an input (a transport mode, a waste route)."""
    text: str
    span: Span | None = None


@dataclass(frozen=True)
class Allocation:
    """A shared input split between products: by a physical quantity, by mass or by economic value."""
    input: str
    amount: Amount
    basis: str                      # physical | mass | economic
    keys: Mapping[str, float]       # product id -> allocation key (units produced, kg, yuan ...)
    reason: str | None = None
    span: Span | None = None

    def share(self, pid: str) -> float:
        return self.keys[pid] / sum(self.keys.values())


@dataclass(frozen=True)
class Inventory:
    products: tuple[Product, ...]
    path: str = "<inventory>"
    allocations: tuple[Allocation, ...] = ()

    @staticmethod
    def build(products: list[dict], path: str = "<inventory>") -> "Inventory":
        """An inventory from plain data, as scripts build it::

            Inventory.build([{"id": "A", "quantity": 100, "amounts": "period",
                              "inputs": {"electricity": "1200 kWh"},
                              "legs": [{"mass": "3 t", "distance": "120 km"}]}])
        """
        problems: list[Diagnostic] = []
        with gc_paused():   # 100 000 inputs after a compile: 2.2 s, 0.5 s paused (bench/inventory_load.py)
            out = tuple(_product(p, f"product[{i}]", None, path, problems) for i, p in enumerate(products))
        if problems:
            raise PcfError(problems)
        return Inventory(out, path)


def load_inventory(path: Path) -> Inventory:
    """A TOML inventory, an XLSX workbook, or a folder of CSV sheets (see `spreadsheet.py`)."""
    with gc_paused():   # as `Inventory.build`: 100 000 inputs 3.0 s, 1.2 s paused (no cyclic garbage is made)
        return _load_inventory(Path(path))


def _load_inventory(path: Path) -> Inventory:
    if path.suffix.lower() == ".toml":
        doc = read_toml(path)
    else:
        from .spreadsheet import load_sheets
        doc = load_sheets(path)
    problems: list[Diagnostic] = []
    raw = doc.data.get("product")
    unknown = set(doc.data) - {"product", "note", "title", "shared"}
    for k in sorted(unknown):
        problems.append(doc.error("inventory", k, "unknown key; products are `[[product]]` tables"))
    if not isinstance(raw, list) or not raw:
        problems.append(doc.error("inventory", "product", "an inventory lists its products as `[[product]]` tables"))
        raise PcfError(problems)
    products = tuple(_product(p, f"product[{i}]", doc, doc.path, problems) for i, p in enumerate(raw))
    ids = [p.id for p in products]
    for i, pid in enumerate(ids):
        if pid in ids[:i]:
            problems.append(doc.error("duplicate", f"product[{i}].id", f"product id `{pid}` appears twice"))
    allocations = _allocations(doc, products, problems)
    if problems:
        raise PcfError(problems)
    return Inventory(_allocate(products, allocations), doc.path, allocations)


def _allocations(doc: TomlDoc, products, problems: list[Diagnostic]) -> tuple[Allocation, ...]:
    raw = doc.data.get("shared", [])
    out = []
    ids = [p.id for p in products]
    if not isinstance(raw, list):
        problems.append(doc.error("inventory", "shared", "shared inputs are `[[shared]]` tables"))
        return ()
    for i, r in enumerate(raw):
        key = f"shared[{i}]"
        if not isinstance(r, dict) or not isinstance(r.get("input"), str) or "amount" not in r:
            problems.append(doc.error("inventory", key, "a shared input needs `input`, `amount`, `basis` and `keys`"))
            continue
        basis = r.get("basis")
        if basis not in ALLOCATION_BASES:
            problems.append(doc.error("inventory", f"{key}.basis", f"allocation basis is one of "
                                      f"{', '.join(ALLOCATION_BASES)}; found {basis!r}"))
            continue
        keys = r.get("keys")
        if keys == "quantity":
            with_unit = [p.id for p in products if p.quantity_amount is not None]
            if with_unit:
                problems.append(doc.error("inventory", f"{key}.keys", "allocation by \"quantity\" needs quantities "
                                          f"counted in functional units; product `{with_unit[0]}` gives its "
                                          "quantity with a unit", ))
                continue
            keys = {p.id: p.quantity for p in products}
        if not isinstance(keys, dict) or set(keys) != set(ids) or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and _finite(v) and v >= 0 for v in keys.values()) \
                or not sum(keys.values()):
            problems.append(doc.error("inventory", f"{key}.keys", "allocation keys give a non-negative number per "
                                      f"product ({', '.join(ids)}), or \"quantity\" for the units produced"))
            continue
        try:
            amount = Amount.parse(r["amount"], doc.span(f"{key}.amount"))
        except ValueError as exc:
            problems.append(doc.error("bad-number", f"{key}.amount", str(exc)))
            continue
        first = next((j for j, a in enumerate(out) if a.input == r["input"]), None)
        if first is not None:
            problems.append(doc.error("duplicate", f"{key}.input", f"`{r['input']}` is shared twice (also "
                                      f"shared[{first}], at {doc.span(f'shared[{first}]')})"))
            continue
        for p in products:
            if r["input"] in p.inputs:
                problems.append(doc.error("inventory", f"{key}.input", f"`{r['input']}` is shared, but product "
                                          f"`{p.id}` also gives it: give it once"))
        out.append(Allocation(r["input"], amount, basis, {k: float(v) for k, v in keys.items()},
                              r.get("reason"), doc.span(key)))
    return tuple(out)


def _allocate(products: tuple[Product, ...], allocations: tuple[Allocation, ...]) -> tuple[Product, ...]:
    """Each product receives its share of every shared input as an ordinary input."""
    out = []
    for p in products:
        extra = {}
        for a in allocations:
            share = a.share(p.id)
            value = a.amount.value * share if a.amount.value is not None else None
            extra[a.input] = Amount(value, a.amount.unit, repr(value), a.amount.span,
                                    rounding=a.amount.half_width * share, basis=a.amount.basis)
        out.append(replace(p, inputs={**p.inputs, **extra}) if extra else p)
    return tuple(out)


def _product(raw, key: str, doc: TomlDoc | None, path: str, problems: list[Diagnostic]) -> Product:
    def where(k: str) -> Span | None:
        return doc.span(k) if doc else None

    def err(k: str, msg: str, hint: str | None = None, code: str = "inventory"):
        problems.append(Diagnostic(code, f"{k}: {msg}", where(k), hint=hint, path=path if not doc else None,
                                   key=None))

    if not isinstance(raw, dict):
        err(key, "a product is a table")
        return Product("?", {}, {})
    pid = raw.get("id")
    if not isinstance(pid, str) or not pid.strip():
        err(f"{key}.id", "each product needs an `id` (a short text)")
        pid = f"#{key}"
    amounts = raw.get("amounts", "per_unit")
    if amounts not in BASES:
        err(f"{key}.amounts", f"`amounts` is \"per_unit\" or \"period\", found {amounts!r}",
            "period: the amounts cover the production period and are divided by `quantity`")
        amounts = "per_unit"
    quantity = raw.get("quantity")
    quantity_amount = None
    hint = None
    if isinstance(quantity, str):   # a sheet cell "1 200", or an amount "10000 t" of the functional unit's kind
        try:
            r = read_amount(quantity)
            if r.unit:
                quantity_amount = Amount(r.value, r.unit, r.text, where(f"{key}.quantity"))
            quantity = r.value
        except AmountError as exc:
            hint = exc.hint
    if quantity is not None:
        if isinstance(quantity, bool) or not isinstance(quantity, (int, float)) or not _finite(quantity) \
                or quantity <= 0:
            err(f"{key}.quantity", f"quantity must be a positive number of units, found {quantity!r}", hint,
                code="bad-number")
            quantity = None
            quantity_amount = None
    elif amounts == "period":
        err(f"{key}.quantity", "amounts cover a period, so the product needs the `quantity` produced in it")
    inputs: dict[str, Amount] = {}
    raw_inputs = raw.get("inputs", {})
    if not isinstance(raw_inputs, dict):
        err(f"{key}.inputs", "inputs is a table of name = \"amount unit\"")
        raw_inputs = {}
    words: dict[str, Word] = {}
    for name, v in raw_inputs.items():
        k = f"{key}.inputs.{name}"
        if isinstance(v, str) and not looks_like_amount(v) and v.strip():
            words[name] = Word(v, where(k))   # a method's `text` input; `bind` refuses it elsewhere
            continue
        try:
            inputs[name] = Amount.parse(v, where(k))
        except ValueError as exc:
            err(k, str(exc), getattr(exc, "hint", None), code="bad-number")
    tables: dict[str, tuple[Row, ...]] = {}
    for tname, rows in raw.items():
        if tname in PRODUCT_KEYS and tname != "left_out":
            continue
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            err(f"{key}.{tname}", "unknown product field; tables of rows are written `[[product.<table>]]`")
            continue
        out = []
        for j, r in enumerate(rows):
            cells, extra = {}, {}
            for col, v in r.items():
                k = f"{key}.{tname}[{j}].{col}"
                if col == "primary" and isinstance(v, bool):
                    extra[col] = "true" if v else "false"   # the row's typed factors are primary data
                    continue
                if isinstance(v, str) and not looks_like_amount(v):
                    extra[col] = v      # a descriptive column such as the material name
                    continue
                try:
                    cells[col] = Amount.parse(v, where(k))
                except ValueError as exc:
                    err(k, str(exc), getattr(exc, "hint", None), code="bad-number")
            label = extra.get("name") or extra.get("material") or extra.get("label")
            out.append(Row(cells, label, where(f"{key}.{tname}[{j}]"), extra))
        tables["__left_out__" if tname == "left_out" else tname] = tuple(out)
    left_out = tables.pop("__left_out__", ())
    quality: dict[str, dict[str, float]] = {}
    raw_q = raw.get("quality", {})
    if not isinstance(raw_q, dict):
        err(f"{key}.quality", "quality is a table: emission = { activity = 6, factor = 3, calibration = 6 }")
        raw_q = {}
    for name, grades in raw_q.items():
        if not isinstance(grades, dict) or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                   and _finite(v) for v in grades.values()):
            err(f"{key}.quality.{name}", "grades are numbers: { activity = 6, factor = 3, calibration = 6 }")
            continue
        quality[name] = {k: float(v) for k, v in grades.items()}
    fu = raw.get("functional_unit")
    if quantity_amount is not None:
        quantity = None   # a count only once `bind` knows the functional unit
    period = raw.get("period")
    if period is not None and (not isinstance(period, str) or not period.strip()):
        err(f"{key}.period", "period names what the period amounts cover, as text: \"1 hm²·a\", \"2024\"")
        period = None
    return Product(pid, inputs, tables, raw.get("name"), fu if isinstance(fu, str) else None,
                   float(quantity) if quantity is not None else None, amounts, where(key),
                   tuple(left_out), quality, quantity_amount, period, words)
