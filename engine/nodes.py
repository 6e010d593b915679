"""The typed model of a method file: frozen nodes, each with its source span.

`build.py` is the only module that turns lark trees into these; everything downstream
(resolve, graph, units, evaluate, docs) reads nodes only.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from .source import Span


# --- expressions ------------------------------------------------------------------

@dataclass(frozen=True)
class Number:
    value: float
    text: str            # the literal as written, e.g. "0.49"
    unit: str | None     # unit as written, e.g. "kgCO2/kWh"; None = dimensionless
    span: Span


@dataclass(frozen=True)
class Ref:
    """A name: an input, a let, an emission (or, inside a row sum, the row variable)."""
    name: str
    span: Span


@dataclass(frozen=True)
class Field:
    """`row.column` inside a row sum."""
    var: str
    column: str
    span: Span


@dataclass(frozen=True)
class KbRef:
    id: str               # without the `kb.` prefix
    year: int | None      # pinned year, or None for the case's data year
    span: Span


@dataclass(frozen=True)
class BinOp:
    op: str               # one of + - * /
    left: "Expr"
    right: "Expr"
    span: Span


@dataclass(frozen=True)
class Neg:
    operand: "Expr"
    span: Span


@dataclass(frozen=True)
class BasisConversion:
    """A molar-mass ratio written in a formula (`44/12`, `44/28`): a declared basis change."""
    numerator: int
    denominator: int
    span: Span


@dataclass(frozen=True)
class RowSum:
    var: str
    table: str
    body: "Expr"
    span: Span


Expr = Union[Number, Ref, Field, KbRef, BinOp, Neg, BasisConversion, RowSum]


# --- declarations -------------------------------------------------------------------

@dataclass(frozen=True)
class Setting:
    key: str
    value: str
    span: Span


@dataclass(frozen=True)
class Stage:
    id: str
    label: str | None
    excluded: str | None  # reason, when the method excludes the stage
    span: Span


@dataclass(frozen=True)
class Input:
    name: str
    unit: str
    label: str | None
    optional: bool
    span: Span
    unit_span: Span


@dataclass(frozen=True)
class Column:
    name: str
    unit: str
    label: str | None
    span: Span
    unit_span: Span


@dataclass(frozen=True)
class Table:
    name: str
    label: str | None
    columns: tuple[Column, ...]
    span: Span


@dataclass(frozen=True)
class Let:
    name: str
    label: str | None
    expr: Expr
    span: Span


@dataclass(frozen=True)
class Emission:
    name: str
    label: str | None
    stage: str
    expr: Expr
    span: Span
    stage_span: Span


Decl = Union[Stage, Input, Table, Let, Emission]


@dataclass(frozen=True)
class Method:
    id: str
    title: str | None
    extends: str | None
    settings: tuple[Setting, ...]
    decls: tuple[Decl, ...]
    path: str
    span: Span
    text: str = field(repr=False, compare=False, default="")

    def setting(self, key: str) -> str | None:
        for s in self.settings:
            if s.key == key:
                return s.value
        return None

    def of_type(self, kind: type) -> tuple:
        return tuple(d for d in self.decls if isinstance(d, kind))

    @property
    def stages(self) -> tuple[Stage, ...]:
        return self.of_type(Stage)

    @property
    def inputs(self) -> tuple[Input, ...]:
        return self.of_type(Input)

    @property
    def tables(self) -> tuple[Table, ...]:
        return self.of_type(Table)

    @property
    def lets(self) -> tuple[Let, ...]:
        return self.of_type(Let)

    @property
    def emissions(self) -> tuple[Emission, ...]:
        return self.of_type(Emission)


def walk(expr: Expr):
    """Every sub-expression of `expr`, depth first, without recursion limits."""
    stack = [expr]
    while stack:
        e = stack.pop()
        yield e
        if isinstance(e, BinOp):
            stack.append(e.right)
            stack.append(e.left)
        elif isinstance(e, Neg):
            stack.append(e.operand)
        elif isinstance(e, RowSum):
            stack.append(e.body)
