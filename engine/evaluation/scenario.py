"""Scenarios: a method or case evaluated with some inputs and lets set to other values.

A scenario is declared in the method (`scenario rail "rail instead of road" { mode: "rail" }`:
an input set to a constant, a let to a formula) or in case.toml (`[scenarios.<name>]` with
`set = { recycled_share = "50 %" }`: an input or a let set to an amount or a word). Applying
one gives a new method (lets replaced) and a new inventory (inputs replaced in every product):
everything downstream, compile, evaluate, explain, report, batch, uncertainty, is the
ordinary path, so a scenario's figures are computed exactly as the baseline's are.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping

from ..core.errors import Diagnostic, PcfError, did_you_mean, fail
from ..core.source import Span
from ..files.tomlfile import TomlDoc
from ..inputs.inventory import Amount, Inventory, Word, looks_like_amount
from ..language import nodes as n

SCENARIO_KEYS = {"label", "set"}


@dataclass(frozen=True)
class Scenario:
    name: str
    label: str | None
    sets: Mapping[str, object]     # name -> n.Expr (a method's) or Amount / Word (a case's)
    span: Span | None
    origin: str                    # "method" | "case"

    def to_dict(self) -> dict:
        return {"name": self.name, "label": self.label, "origin": self.origin,
                "sets": {k: _shown(v) for k, v in self.sets.items()}}


def _shown(v) -> str:
    from ..language.format import format_expr
    if isinstance(v, Amount):
        return f"{v.text} {v.unit}".strip()
    if isinstance(v, Word):
        return v.text
    return format_expr(v)


def read_case_scenarios(doc: TomlDoc, problems: list[Diagnostic]) -> tuple[Scenario, ...]:
    """`[scenarios.<name>]` of case.toml: `label`, and `set = { name = "amount" | "word" }`."""
    raw = doc.data.get("scenarios", {})
    if not isinstance(raw, dict):
        problems.append(doc.error("case", "scenarios", "scenarios are tables: [scenarios.<name>]",
                                  'e.g. [scenarios.rail] set = { mode = "rail" }'))
        return ()
    out = []
    for name, body in raw.items():
        where = f"scenarios.{name}"
        if not isinstance(body, dict):
            problems.append(doc.error("case", where, "a scenario is a table with `label` and `set`"))
            continue
        for k in sorted(set(body) - SCENARIO_KEYS):
            problems.append(doc.error("case", f"{where}.{k}", "unknown key",
                                      did_you_mean(k, SCENARIO_KEYS) or "a scenario has `label` and `set`"))
        sets = body.get("set", {})
        if not isinstance(sets, dict) or not sets:
            problems.append(doc.error("case", f"{where}.set", "`set` names the inputs and lets the scenario "
                                      "changes", 'e.g. set = { recycled_share = "50 %", mode = "rail" }'))
            continue
        values: dict[str, object] = {}
        for k, v in sets.items():
            span = doc.span(f"{where}.set.{k}")
            if isinstance(v, str) and not looks_like_amount(v) and v.strip():
                values[k] = Word(v, span)
                continue
            try:
                values[k] = Amount.parse(v, span)
            except ValueError as exc:
                problems.append(doc.error("bad-number", f"{where}.set.{k}", str(exc), getattr(exc, "hint", None)))
        label = body.get("label")
        out.append(Scenario(name, label if isinstance(label, str) else None, values, doc.span(where), "case"))
    return tuple(out)


def scenarios_of(method: n.Method, case_scenarios: tuple[Scenario, ...] = ()) -> dict[str, Scenario]:
    """Every scenario a run may name: the method's, then the case's (a case's replaces a
    method's of the same name: the case is the more specific)."""
    out = {s.name: Scenario(s.name, s.label, {a.name: a.expr for a in s.sets}, s.span, "method")
           for s in method.scenarios}
    out.update({s.name: s for s in case_scenarios})
    return out


def find_scenario(name: str, method: n.Method, case_scenarios: tuple[Scenario, ...] = ()) -> Scenario:
    known = scenarios_of(method, case_scenarios)
    if name not in known:
        hint = did_you_mean(name, known) or (f"the scenarios: {', '.join(known)}" if known else
                                             "declare one in the method (`scenario name { input: value }`) "
                                             "or in case.toml ([scenarios.name] set = {...})")
        raise fail("unknown-name", f"no scenario `{name}`", None, hint=hint)
    return known[name]


def apply_scenario(method: n.Method, inventory: Inventory, sc: Scenario) -> tuple[n.Method, Inventory]:
    """The method and inventory with the scenario's values in place."""
    problems: list[Diagnostic] = []
    inputs = {d.name: d for d in method.inputs}
    lets = {d.name: d for d in method.lets}
    new_lets: dict[str, n.Expr] = {}
    amounts: dict[str, Amount] = {}
    words: dict[str, Word] = {}
    for name, v in sc.sets.items():
        span = getattr(v, "span", None)
        if name in lets:
            expr = v if not isinstance(v, (Amount, Word)) else _as_expr(v, name, problems)
            if expr is not None:
                new_lets[name] = expr
        elif name in inputs:
            value = v if isinstance(v, (Amount, Word)) else _as_value(v)
            if value is None:
                problems.append(Diagnostic("bad-scenario", f"scenario `{sc.name}`: input `{name}` is set to a "
                                           "constant (a number with its unit, or a quoted text)", span))
            elif isinstance(value, Word):
                words[name] = value
            else:
                amounts[name] = value
        else:
            hint = did_you_mean(name, [*inputs, *lets]) or "a scenario sets inputs and lets"
            problems.append(Diagnostic("unknown-name", f"scenario `{sc.name}`: `{name}` is not an input or a "
                                       f"let of method `{method.id}`", span, hint=hint))
    if problems:
        raise PcfError(problems)
    decls = tuple(replace(d, expr=new_lets[d.name]) if isinstance(d, n.Let) and d.name in new_lets else d
                  for d in method.decls)
    products = tuple(replace(p, inputs={**{k: a for k, a in p.inputs.items() if k not in words}, **amounts},
                             words={**{k: w for k, w in p.words.items() if k not in amounts}, **words})
                     for p in inventory.products)
    return replace(method, decls=decls), replace(inventory, products=products)


def _as_value(e: n.Expr):
    """A method scenario's constant for an input: an Amount or a Word."""
    if isinstance(e, n.Text):
        return Word(e.value, e.span)
    sign = 1.0
    if isinstance(e, n.Neg):
        sign, e = -1.0, e.operand
    if isinstance(e, n.Number):
        text = e.text if sign > 0 else f"-{e.text}"
        return Amount(sign * e.value, e.unit or "", text, e.span)
    return None


def _as_expr(v, name: str, problems: list[Diagnostic]) -> n.Expr | None:
    """A case scenario's amount for a let: the constant it sets the let to."""
    span = v.span or Span("case.toml", 1, 1)
    if isinstance(v, Word):
        return n.Text(v.text, span)
    if v.kb is not None:
        return n.KbRef(v.kb, v.kb_year, span)
    number = n.Number(abs(v.value), v.text.lstrip("-"), v.unit or None, span)
    return n.Neg(number, span) if v.value < 0 else number
