"""The typed model of a method file: frozen nodes, each with its source span.

`build.py` is the only module that turns lark trees into these; everything downstream
(resolve, graph, units, evaluate, docs) reads nodes only.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from ..core.source import Span


# --- expressions ------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Number:
    value: float
    text: str            # the literal as written, e.g. "0.49"
    unit: str | None     # unit as written, e.g. "kgCO2/kWh"; None = dimensionless
    span: Span


@dataclass(frozen=True, slots=True)
class Ref:
    """A name: an input, a let, an emission (or, inside a row sum, the row variable)."""
    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class Field:
    """`row.column` inside a row sum."""
    var: str
    column: str
    span: Span


@dataclass(frozen=True, slots=True)
class KbRef:
    id: str               # without the `kb.` prefix
    year: int | None      # pinned year, or None for the case's data year
    span: Span


@dataclass(frozen=True, slots=True)
class BinOp:
    op: str               # one of + - * /
    left: "Expr"
    right: "Expr"
    span: Span


@dataclass(frozen=True, slots=True)
class Neg:
    operand: "Expr"
    span: Span


@dataclass(frozen=True, slots=True)
class BasisConversion:
    """A molar-mass ratio written in a formula (`44/12`, `44/28`): a declared basis change."""
    numerator: int
    denominator: int
    span: Span


@dataclass(frozen=True, slots=True)
class RowSum:
    var: str
    table: str
    body: "Expr"
    span: Span


@dataclass(frozen=True, slots=True)
class Call:
    """A condition or a choice: `if` (condition, then, else), a comparison (`<` `<=` `>` `>=`
    `==` `!=`), `and`, `or`, `not`, or a function `min`, `max`, `abs`, `round`, over its arguments."""
    fn: str
    args: tuple["Expr", ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Text:
    """A quoted text in a formula (`"landfill"`): compared with a text input or column, or a
    map's key. Never computed with."""
    value: str
    span: Span


@dataclass(frozen=True, slots=True)
class Lookup:
    """`waste_ef[row.route]`: the value of map `map` under the text `key` evaluates to."""
    map: str
    key: "Expr"
    span: Span


COMPARISONS = ("<", "<=", ">", ">=", "==", "!=")
LOGIC = ("and", "or", "not")
CONDITIONS = COMPARISONS + LOGIC          # what gives a truth value (1 or 0)
FUNCTIONS = ("min", "max", "abs", "round")

Expr = Union[Number, Ref, Field, KbRef, BinOp, Neg, BasisConversion, RowSum, Call, Text, Lookup]

TEXT_UNIT = "text"   # the unit of an input or column holding a word


# --- declarations -------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Setting:
    key: str
    value: str
    span: Span
    override: bool = False
    args: tuple[str, ...] = ()   # `boundary partial(use, end_of_life)`: the stages named


@dataclass(frozen=True, slots=True)
class Stage:
    id: str
    label: str | None
    excluded: str | None  # reason, when the method excludes the stage
    span: Span
    override: bool = False


@dataclass(frozen=True, slots=True)
class Input:
    name: str
    unit: str
    label: str | None
    optional: bool
    span: Span
    unit_span: Span
    override: bool = False
    basis: str | None = None   # "per_unit" | "period" when the method fixes it; None: the inventory's
    default: Expr | None = None   # `= 3 d`: the amount when the inventory gives none

    @property
    def is_text(self) -> bool:
        return self.unit == TEXT_UNIT


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    unit: str
    label: str | None
    span: Span
    unit_span: Span
    basis: str | None = None   # as Input.basis
    default: Expr | None = None   # as Input.default, for a row that leaves the cell out

    @property
    def is_text(self) -> bool:
        return self.unit == TEXT_UNIT


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    label: str | None
    columns: tuple[Column, ...]
    span: Span
    override: bool = False


@dataclass(frozen=True, slots=True)
class Let:
    name: str
    label: str | None
    expr: Expr
    span: Span
    override: bool = False


@dataclass(frozen=True, slots=True)
class Emission:
    name: str
    label: str | None
    stage: str
    expr: Expr
    span: Span
    stage_span: Span
    tags: tuple[str, ...] = ()   # biogenic, dluc, aircraft, offset, removal ...
    override: bool = False


@dataclass(frozen=True, slots=True)
class RuleArg:
    key: str
    values: tuple          # str (names, strings) and Number nodes
    span: Span


@dataclass(frozen=True, slots=True)
class Rule:
    name: str              # the rule kind: boundary_complete, cutoff, gwp_set ...
    status: str            # "verified" against the standard's text, or a common "reading"
    citation: str | None
    args: tuple[RuleArg, ...]
    span: Span
    override: bool = False

    def arg(self, key: str) -> RuleArg | None:
        return next((a for a in self.args if a.key == key), None)


@dataclass(frozen=True, slots=True)
class MapEntry:
    key: str
    expr: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Map:
    """A lookup map keyed by text; every value has one dimension."""
    name: str
    label: str | None
    entries: tuple[MapEntry, ...]
    span: Span
    override: bool = False

    def entry(self, key: str) -> MapEntry | None:
        return next((e for e in self.entries if e.key == key), None)


@dataclass(frozen=True, slots=True)
class Check:
    """A condition every product must meet: a finding of `severity` with `message` where it
    does not."""
    name: str
    citation: str | None
    severity: str          # "error" | "warning"
    expr: Expr
    message: str
    span: Span
    override: bool = False


@dataclass(frozen=True, slots=True)
class Assignment:
    name: str
    expr: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Scenario:
    """Named other values for inputs (a constant) and lets (a formula)."""
    name: str
    label: str | None
    sets: tuple[Assignment, ...]
    span: Span
    override: bool = False


Decl = Union[Stage, Input, Table, Let, Emission, Rule, Map, Check, Scenario]


@dataclass(frozen=True, slots=True)
class Override:
    """A declaration of a variant that replaces one of its base method."""
    key: str            # a keys.Key: name:electricity_ef, setting:gwp, stage:use ...
    base: str           # id of the base method whose declaration is replaced
    span: Span          # the overriding declaration
    replaced: Span      # the replaced one


@dataclass(frozen=True, slots=True)
class Method:
    id: str
    title: str | None
    extends: str | None
    settings: tuple[Setting, ...]
    decls: tuple[Decl, ...]
    path: str
    span: Span
    text: str = field(repr=False, compare=False, default="")
    bases: tuple[str, ...] = ()                 # the methods this one extends, nearest first
    overrides: tuple["Override", ...] = ()      # what this method replaced in its bases
    also_extends: tuple[str, ...] = ()          # `extends a, b`: the bases after the first

    @property
    def parents(self) -> tuple[str, ...]:
        """Every method named after `extends`, in order (empty for a base method)."""
        return () if self.extends is None else (self.extends, *self.also_extends)

    def setting(self, key: str) -> str | None:
        for s in self.settings:
            if s.key == key:
                return s.value
        return None

    def boundary_stages(self) -> tuple[str, ...] | None:
        """The stages a partial boundary names (`boundary partial(use)`); None for the others."""
        for s in self.settings:
            if s.key == "boundary":
                return s.args if s.value == "partial" else None
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

    @property
    def rules(self) -> tuple[Rule, ...]:
        return self.of_type(Rule)

    @property
    def maps(self) -> tuple[Map, ...]:
        return self.of_type(Map)

    @property
    def checks(self) -> tuple[Check, ...]:
        return self.of_type(Check)

    @property
    def scenarios(self) -> tuple[Scenario, ...]:
        return self.of_type(Scenario)


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
        elif isinstance(e, Call):
            stack.extend(reversed(e.args))
        elif isinstance(e, Lookup):
            stack.append(e.key)
