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
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Mapping

from .errors import Diagnostic, PcfError
from .source import Span
from .tomlfile import TomlDoc, read_toml

AMOUNT_RE = re.compile(r"^\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")
KB_RE = re.compile(r"^kb\.([a-z0-9_]+(?:\.[a-z0-9_]+)+)(?:\[(\d{4})\])?$")
BASES = ("per_unit", "period")
PRODUCT_KEYS = {"id", "name", "name_en", "functional_unit", "quantity", "amounts", "inputs", "note",
                "allocation", "left_out"}


@dataclass(frozen=True)
class Amount:
    value: float | None          # None for a knowledge-base reference
    unit: str                    # as written ("" for a bare number)
    text: str                    # the number as printed, e.g. "0.7500"
    span: Span | None = None
    kb: str | None = None        # knowledge-base id, when the amount names a factor
    kb_year: int | None = None

    @property
    def half_width(self) -> float:
        """Half a unit of the last printed digit: the rounding the printed value hides."""
        if self.value is None:
            return 0.0
        try:
            exp = Decimal(self.text).as_tuple().exponent
        except InvalidOperation:
            return 0.0
        return 0.5 * 10.0 ** exp if isinstance(exp, int) else 0.0

    @staticmethod
    def parse(raw, span: Span | None = None) -> "Amount":
        """`"43.28 万kWh"`, `{value = 43.28, unit = "万kWh"}`, `"kb.<id>"` or a bare number."""
        if isinstance(raw, dict):
            if set(raw) - {"value", "unit"} or "value" not in raw:
                raise ValueError('write an amount as "43.28 kWh" or {value = 43.28, unit = "kWh"}')
            v = raw["value"]
            text = v if isinstance(v, str) else _num_text(v)
            return Amount.parse(f"{text} {raw.get('unit', '')}", span)
        if isinstance(raw, bool):
            raise ValueError(f"expected an amount, found {str(raw).lower()}")
        if isinstance(raw, (int, float)):
            if not math.isfinite(raw):
                raise ValueError(f"amount must be finite, found {raw}")
            return Amount(float(raw), "", _num_text(raw), span)
        if not isinstance(raw, str):
            raise ValueError(f'expected an amount like "12.5 kWh", found {type(raw).__name__}')
        s = raw.strip()
        k = KB_RE.match(s)
        if k:
            return Amount(None, "", "", span, k.group(1), int(k.group(2)) if k.group(2) else None)
        m = AMOUNT_RE.match(s)
        if not m:
            hint = ""
            if any(c in s for c in "０１２３４５６７８９．"):
                hint = " (full-width digits: write ASCII 0-9 and .)"
            elif s.lower().lstrip("+-") in ("nan", "inf", "infinity"):
                hint = " (not a finite number)"
            raise ValueError(f'expected "<number> <unit>", found {raw!r}{hint}')
        value = float(m.group(1))
        if not math.isfinite(value):
            raise ValueError(f"amount out of range: {m.group(1)}")
        return Amount(value, m.group(2), m.group(1).lstrip("+"), span)


def _num_text(v) -> str:
    return repr(v) if isinstance(v, float) else str(v)


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
    quantity: float | None = None
    amounts: str = "per_unit"     # "period": amounts cover the period and are divided by quantity
    span: Span | None = None


@dataclass(frozen=True)
class Inventory:
    products: tuple[Product, ...]
    path: str = "<inventory>"

    @staticmethod
    def build(products: list[dict], path: str = "<inventory>") -> "Inventory":
        """An inventory from plain data, as scripts build it::

            Inventory.build([{"id": "A", "quantity": 100, "amounts": "period",
                              "inputs": {"electricity": "1200 kWh"},
                              "legs": [{"mass": "3 t", "distance": "120 km"}]}])
        """
        problems: list[Diagnostic] = []
        out = tuple(_product(p, f"product[{i}]", None, path, problems) for i, p in enumerate(products))
        if problems:
            raise PcfError(problems)
        return Inventory(out, path)


def load_inventory(path: Path) -> Inventory:
    doc = read_toml(path)
    problems: list[Diagnostic] = []
    raw = doc.data.get("product")
    unknown = set(doc.data) - {"product", "note", "title"}
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
    if problems:
        raise PcfError(problems)
    return Inventory(products, doc.path)


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
    if quantity is not None:
        if isinstance(quantity, bool) or not isinstance(quantity, (int, float)) or not math.isfinite(quantity) \
                or quantity <= 0:
            err(f"{key}.quantity", f"quantity must be a positive number of units, found {quantity!r}",
                code="bad-number")
            quantity = None
    elif amounts == "period":
        err(f"{key}.quantity", "amounts cover a period, so the product needs the `quantity` produced in it")
    inputs: dict[str, Amount] = {}
    raw_inputs = raw.get("inputs", {})
    if not isinstance(raw_inputs, dict):
        err(f"{key}.inputs", "inputs is a table of name = \"amount unit\"")
        raw_inputs = {}
    for name, v in raw_inputs.items():
        k = f"{key}.inputs.{name}"
        try:
            inputs[name] = Amount.parse(v, where(k))
        except ValueError as exc:
            err(k, str(exc), code="bad-number")
    tables: dict[str, tuple[Row, ...]] = {}
    for tname, rows in raw.items():
        if tname in PRODUCT_KEYS:
            continue
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            err(f"{key}.{tname}", "unknown product field; tables of rows are written `[[product.<table>]]`")
            continue
        out = []
        for j, r in enumerate(rows):
            cells, extra = {}, {}
            for col, v in r.items():
                k = f"{key}.{tname}[{j}].{col}"
                if isinstance(v, str) and not AMOUNT_RE.match(v) and not KB_RE.match(v.strip()):
                    extra[col] = v      # a descriptive column such as the material name
                    continue
                try:
                    cells[col] = Amount.parse(v, where(k))
                except ValueError as exc:
                    err(k, str(exc), code="bad-number")
            label = extra.get("name") or extra.get("material") or extra.get("label")
            out.append(Row(cells, label, where(f"{key}.{tname}[{j}]"), extra))
        tables[tname] = tuple(out)
    fu = raw.get("functional_unit")
    return Product(pid, inputs, tables, raw.get("name"), fu if isinstance(fu, str) else None,
                   float(quantity) if quantity is not None else None, amounts, where(key))
