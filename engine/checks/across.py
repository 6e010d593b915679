"""Figures a report prints across its products (issue 18): a grand total over several products,
the difference or ratio of two, a share averaged over products.

    [across.grand_total]
    value = "74980.73 kgCO2e"
    of = "sum(A.yearly_total, B.yearly_total)"
    where = "summary"

`of` is one of `sum(...)`, `mean(...)` (two or more operands), `difference(a, b)` (a - b) and
`ratio(a, b)` (a / b); an operand is `PRODUCT.total`, `.yearly_total`, `.stages.X`,
`.yearly_stages.X`, `.shares.X`, `.lines.X` or `.yearly_lines.X`. The figure is audited as
every other: the computed interval (each operand's, from the inputs as declared by `[audit]`)
against the printed value's rounding.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

from ..core.errors import Diagnostic, PcfError, did_you_mean
from ..core.source import Span
from ..core.units import CO2, CO2E, DIMENSIONLESS, UnitError
from ..evaluation.result import Finding, ProductResult
from ..files.tomlfile import TomlDoc
from ..inputs.amount import AmountError, looks_like_number, read_amount
from ..inputs.reported import ReportedFigure
from .interval import Interval

FUNCTIONS = {"sum": (2, None), "mean": (2, None), "difference": (2, 2), "ratio": (2, 2)}
PATHS = ("total", "yearly_total", "stages", "yearly_stages", "shares", "lines", "yearly_lines")
ACROSS_KEYS = {"value", "of", "where"}
_CALL = re.compile(r"^\s*([a-z]+)\s*\((.*)\)\s*$", re.S)
REL_SLACK = 1e-9


@dataclass(frozen=True)
class AcrossFigure:
    name: str
    fn: str
    operands: tuple[tuple[str, str], ...]   # (product id, path)
    figure: ReportedFigure                   # the printed value (product "*", path "across.<name>")


def read_across(doc: TomlDoc, product_ids: list[str], problems: list[Diagnostic]) -> tuple[AcrossFigure, ...]:
    raw = doc.data.get("across", {})
    if not isinstance(raw, dict):
        problems.append(doc.error("case", "across", "figures across products are tables: [across.<name>]"))
        return ()
    out = []
    for name, body in raw.items():
        key = f"across.{name}"
        if not isinstance(body, dict):
            problems.append(doc.error("case", key, "a table with `value` and `of`"))
            continue
        for k in sorted(set(body) - ACROSS_KEYS):
            problems.append(doc.error("case", f"{key}.{k}", "unknown key", did_you_mean(k, ACROSS_KEYS)))
        value, of = body.get("value"), body.get("of")
        try:
            r = read_amount(value) if isinstance(value, str) and looks_like_number(value) else None
        except AmountError as exc:
            problems.append(doc.error("bad-number", f"{key}.value", str(exc), exc.hint))
            continue
        if r is None:
            problems.append(doc.error("case", f"{key}.value", 'the printed figure with its unit, e.g. "74980.73 kgCO2e" '
                                      f'or "57.65 %" (a ratio may be a bare number, "3.26"); found {value!r}'))
            continue
        parsed = _parse_of(of, product_ids, doc, f"{key}.of", problems)
        if parsed is None:
            continue
        fn, operands = parsed
        where = body.get("where")
        fig = ReportedFigure("*", key, r.value, r.unit, r.text, doc.span(key),
                             where if isinstance(where, str) else None)
        out.append(AcrossFigure(name, fn, operands, fig))
    return tuple(out)


def _parse_of(of, product_ids: list[str], doc: TomlDoc, key: str, problems: list[Diagnostic]):
    hint = 'e.g. of = "sum(A.yearly_total, B.yearly_total)", "ratio(A.total, B.total)"'
    m = _CALL.match(of) if isinstance(of, str) else None
    if m is None:
        problems.append(doc.error("case", key, f"`of` is a function of printed-figure paths; found {of!r}", hint))
        return None
    fn, args = m.group(1), [a.strip() for a in m.group(2).split(",") if a.strip()]
    if fn not in FUNCTIONS:
        problems.append(doc.error("case", key, f"unknown function `{fn}`",
                                  did_you_mean(fn, FUNCTIONS) or f"one of {', '.join(FUNCTIONS)}"))
        return None
    least, most = FUNCTIONS[fn]
    if len(args) < least or (most is not None and len(args) > most):
        problems.append(doc.error("case", key, f"`{fn}` takes {'two' if most == 2 else 'two or more'} operands, "
                                  f"found {len(args)}", hint))
        return None
    operands = []
    for a in args:
        pid, _, path = a.partition(".")
        kind = path.partition(".")[0]
        if pid not in product_ids:
            problems.append(doc.error("case", key, f"no product `{pid}` in the inventory",
                                      did_you_mean(pid, product_ids)))
            return None
        if kind not in PATHS or (kind in ("total", "yearly_total")) != ("." not in path):
            problems.append(doc.error("case", key, f"`{a}`: not a figure of a product",
                                      did_you_mean(kind, PATHS) or f"one of {', '.join(PATHS)} (stages.X ...)"))
            return None
        operands.append((pid, path))
    return fn, tuple(operands)


def across_checks(across: tuple[AcrossFigure, ...], products: Mapping[str, ProductResult],
                  intervals: Mapping[str, Mapping[str, Interval]], plan) -> tuple[list, list[Finding]]:
    """(audit.Check per figure, findings): each figure's computed interval from its operands'."""
    from .audit import Check, fmt_like
    checks, findings, problems = [], [], []
    for a in across:
        f = a.figure
        values, ivs = [], []
        for pid, path in a.operands:
            p = products.get(pid)
            iv = intervals.get(pid, {}).get(path)
            point = _point(p, path) if p is not None else None
            if point is None or iv is None:
                problems.append(Diagnostic("case", f"across.{a.name}: `{pid}.{path}` is not a figure of product "
                                           f"`{pid}`", f.span, hint=did_you_mean(path.partition(".")[2],
                                                                                   list(p.stages) if p else [])))
                break
            values.append(point)
            ivs.append(iv)
        else:
            computed, point = _apply(a.fn, ivs), _apply(a.fn, values)
            shares = all(path.partition(".")[0] == "shares" for _, path in a.operands)
            want = DIMENSIONLESS if a.fn == "ratio" or shares else CO2E
            try:
                spec = plan.units.parse(f.unit or "1")
            except UnitError as exc:
                problems.append(Diagnostic("unit-unknown", f"across.{a.name}: {exc}", f.span, hint=exc.hint))
                continue
            if spec.dim != want and not (want == CO2E and spec.dim == CO2):
                what = "a ratio or share (%, or a bare number)" if want == DIMENSIONLESS else "a mass of CO2e"
                problems.append(Diagnostic("unit-mismatch", f"across.{a.name}: {f.unit} is not {what}", f.span))
                continue
            rep = Interval.around(spec.to_base(f.value), spec.to_base(f.half_width))
            shown = spec.from_base(point)
            in_unit = Interval(spec.from_base(computed.lo), spec.from_base(computed.hi))
            slack = REL_SLACK * max(abs(rep.mid), 1e-300)
            if computed.overlaps(rep, slack):
                edge = not rep.overlaps(Interval(point, point), slack)
                checks.append(Check(f, in_unit, shown, "edge" if edge else "consistent"))
                continue
            diff = (f.value - shown) / shown * 100 if shown else float("inf")
            note = (f"{a.fn} of {', '.join(f'{pid}.{path}' for pid, path in a.operands)} is "
                    f"{fmt_like(shown, f.text)} {f.unit}")
            checks.append(Check(f, in_unit, shown, "inconsistent", note))
            findings.append(Finding("error", "reported-mismatch", f"across.{a.name}",
                                    f"reported {f.text} {f.unit}, computed {fmt_like(shown, f.text)} {f.unit} "
                                    f"({diff:+.1f} %): {note}" + (f" [{f.where}]" if f.where else "")))
    if problems:
        raise PcfError(problems)
    return checks, findings


def _point(p: ProductResult, path: str):
    kind, _, name = path.partition(".")
    yearly = kind.startswith("yearly")
    if yearly and p.quantity is None:
        return None
    scale = p.quantity if yearly else 1.0
    base = kind.replace("yearly_", "")
    if base == "total":
        return p.total * scale
    if base == "shares":
        return p.shares.get(name)
    if base == "stages":
        return None if name not in p.stages else p.stages[name] * scale
    line = next((l for l in p.lines if l.name == name), None)
    return None if line is None else line.value * scale


def _apply(fn: str, xs: list):
    if fn == "sum":
        return sum(xs[1:], xs[0])
    if fn == "mean":
        return sum(xs[1:], xs[0]) / float(len(xs))
    if fn == "difference":
        return xs[0] - xs[1]
    return xs[0] / xs[1]


def operand_intervals(lines: Mapping[str, Interval], stages: Mapping[str, Interval], total: Interval,
                      quantity: float | None) -> dict[str, Interval]:
    """Every figure path of one product with its computed interval (from the audit's run)."""
    out: dict[str, Interval] = {"total": total}
    for s, v in stages.items():
        out[f"stages.{s}"] = v
        out[f"shares.{s}"] = v / total
    for n, v in lines.items():
        out[f"lines.{n}"] = v
    if quantity is not None:
        for k, v in list(out.items()):
            if not k.startswith("shares"):
                out["yearly_" + k] = v * quantity
    return out


def no_span() -> Span:
    return Span("case.toml", 1, 1)
