"""Plan + inventory -> values. Postfix code runs on floats, numpy arrays or intervals alike.

`bind` fits one product's inventory to the plan: every input found, in a unit of the
declared dimension, converted to base units (knowledge-base references are looked up).
`run` then evaluates each computed node in topological order.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Mapping

from ..checks.interval import Interval
from ..core.arrays import is_array, numpy_if_imported
from ..core.errors import Diagnostic, PcfError, did_you_mean, fail
from ..core.keys import CHECK, EMISSION, INPUT, KB, Key
from ..core.source import Span
from ..core.funit import count_of, read_functional_unit
from ..core.units import UnitError, format_dim
from ..inputs.amount import bare_percent
from ..inputs.inventory import Amount, Product
from ..knowledge.kbmodel import Entry, KnowledgeBase
from ..plan import Plan
from .choices import BINARY_CALLS, UNARY_CALLS, binary, choose, unary
from .fit import declared_as, dimension_problem, unknown_input
from .result import Finding


@dataclass(frozen=True)
class Bound:
    """One product's inventory in base units: values, and half-widths of printed rounding."""
    product: Product
    values: Mapping[Key, object]        # input:x -> float; table:t -> {column: ndarray}
    widths: Mapping[Key, object]        # same keys: half a printed digit, in base units
    not_given: tuple[str, ...]          # optional inputs the inventory did not give
    divisor: float                      # period -> per functional unit
    kb_used: Mapping[Key, str]          # input key -> kb id, for inputs given as kb refs
    kb_entries: Mapping[Key, Entry] = field(default_factory=dict)   # input key -> the entry it resolved to
    # input key (or (table key, column, row)) -> the factor its amount was multiplied by to reach
    # the product's basis: the quantity for a per-unit amount in a period product, 1/quantity
    # for a period amount in a per-unit product (`basis_scale`)
    scales: Mapping[object, float] = field(default_factory=dict)
    defaulted: tuple[str, ...] = ()     # inputs the inventory left out, taken at the method's default


def bind(plan: Plan, product: Product, kb: KnowledgeBase, inv_path: str) -> Bound:
    product = counted(plan, product)
    problems: list[Diagnostic] = []
    values: dict[Key, object] = {}
    widths: dict[Key, object] = {}
    kb_used: dict[Key, str] = {}
    kb_entries: dict[Key, Entry] = {}
    scales: dict[object, float] = {}
    not_given = []
    defaulted: list[str] = []
    where = f"product `{product.id}`"

    def err(code, msg, span, hint=None):
        problems.append(Diagnostic(code, msg, span, hint=hint, path=inv_path if span is None else None))

    def amount(a: Amount, unit: str, what: str, key: Key, declared_basis: str | None = None, place=None):
        """(base value, base half-width) of an amount declared in `unit` for input or table `key`,
        on the product's basis (`basis_scale`); `place` names it in `scales`."""
        r = _amount(a, unit, what, key)
        if r is None or a.kb is not None:
            return r
        try:
            k = basis_scale(product, a, declared_basis, what)
        except PcfError as exc:
            problems.extend(exc.diagnostics)
            return None
        if k != 1.0:
            scales[place if place is not None else key] = k
        return r[0] * k, r[1] * k

    def _amount(a: Amount, unit: str, what: str, key: Key):
        want = plan.units.parse(unit)
        if a.kb is not None:
            try:
                found = kb.lookup(a.kb, a.kb_year if a.kb_year is not None else plan.data_year, a.span,
                                  pinned=a.kb_year is not None)
            except PcfError as exc:
                problems.extend(exc.diagnostics)
                return None
            e = found.entry
            if e.value is None:
                err("inventory", f"{what}: `kb.{a.kb}` is a derived entry; name it in the method", a.span)
                return None
            if e.spec.dim != want.dim:
                err("unit-mismatch", f"{what}: `kb.{a.kb}` is in {e.unit}, the method expects {unit} "
                    f"({format_dim(want.dim)})", a.span)
                return None
            if key.is_a(INPUT):
                kb_entries[key] = e
            return e.base_value, 0.0
        try:
            spec = plan.units.parse(a.unit) if a.unit else plan.units.parse("1")
        except UnitError as exc:
            err("unit-unknown", f"{what}: {exc}", a.span, _wan_hint(a) or exc.hint)
            return None
        problem = dimension_problem(f"{a.text} {a.unit or '(no unit)'}", spec, unit, want)
        if problem:
            hint = f"give it in {unit}" if a.unit else f'an amount carries its unit: "{a.text} {unit}"'
            err("unit-mismatch", f"{what}: {problem}", a.span, hint)
            return None
        hint = bare_percent(a.unit, a.text, a.value, unit)   # 15 for a % input: 15 %, or 1 500 %?
        if hint:
            err("unit-mismatch", f"{what}: {a.text} (no unit), the method expects %: a bare number could be "
                "a percentage or a fraction", a.span, hint)
            return None
        if a.value < 0 and not removal_only(plan, key):
            err("bad-number", f"{what}: negative amount {a.text} {a.unit}", a.span,
                "removals and credits must be declared by the method: an input may be negative only "
                "when every emission using it is tagged `[removal]`")
            return None
        return spec.to_base(a.value), spec.to_base(a.half_width)

    extra_words: dict[str, int] = {}   # words the method never names: numbered for this product

    def word(text: str, span, what: str, place) -> float | None:
        """The number of a text input's or column's word; a word keying a map must be one of its keys."""
        for m in sorted(plan.text_keys.get(place, ())):
            keys = [e.key for e in plan.method_maps[m].entries]
            if text not in keys:
                err("unknown-key", f"{what}: \"{text}\" is not a key of map `{m}` ({', '.join(keys)})", span,
                    did_you_mean(text, keys) or f"one of: {', '.join(keys)}")
                return None
        return plan.text_code(text, extra_words)

    declared = {d.name: d for d in plan.method.inputs}
    for name, a in (*product.inputs.items(), *product.words.items()):
        if name not in declared:
            message, hint = unknown_input(name, plan.method)
            err("inventory", f"{where}: {message}", a.span, hint)
    for name, d in declared.items():
        key = Key.input(name)
        a = product.inputs.get(name)
        w = product.words.get(name)
        what = f"{where}, input `{name}`"
        if d.is_text:
            if a is not None:
                err("unit-mismatch", f"{what} is a text (a word such as a route or a mode), found {a.text} {a.unit}",
                    a.span, f'give it quoted: `{name} = "..."`')
                continue
            if w is None and name in plan.defaults:
                values[key], widths[key] = plan.defaults[name], 0.0
                defaulted.append(name)
            elif w is None:
                err("missing-input", f"{where}: the inventory gives no {declared_as(d)}", product.span,
                    f'add `{name} = "<word>"` under [product.inputs]')
            else:
                code = word(w.text, w.span, what, name)
                if code is not None:
                    values[key], widths[key] = code, 0.0
            continue
        if w is not None:
            try:
                Amount.parse(w.text)
            except ValueError as exc:
                err("bad-number", f"{where}: inputs.{name}: {exc}", w.span, getattr(exc, "hint", None))
            continue
        if a is None and name in plan.defaults:
            values[key], widths[key] = plan.defaults[name], 0.0
            defaulted.append(name)
            continue
        if a is None:
            if d.optional:
                values[key], widths[key] = 0.0, 0.0
                not_given.append(name)
            else:
                err("missing-input", f"{where}: the inventory gives no {declared_as(d)}", product.span,
                    f'add `{name} = "<amount> {d.unit}"` under [product.inputs]')
            continue
        r = amount(a, d.unit, f"{where}, input `{name}`", key, d.basis)
        if r is not None:
            values[key], widths[key] = r
            if a.kb:
                kb_used[key] = a.kb
    tables = {t.name: t for t in plan.method.tables}
    for tname in product.tables:
        if tname not in tables:
            rows = product.tables[tname]
            err("inventory", f"{where}: `{tname}` is not a table of method `{plan.method.id}`",
                rows[0].span if rows else product.span, did_you_mean(tname, tables))
    for tname, t in tables.items():
        key = Key.table(tname)
        rows = product.tables.get(tname)
        if rows is None:
            err("missing-input", f"{where}: the inventory gives no rows for table `{tname}`", product.span,
                f"add `[[product.{tname}]]` rows, or `{tname} = []` for none")
            continue
        cols = {c.name: c for c in t.columns}
        import numpy as np   # a table's columns are arrays, one number per row
        vals = {c: np.zeros(len(rows)) for c in cols}
        wids = {c: np.zeros(len(rows)) for c in cols}
        for i, row in enumerate(rows):
            for cname in row.cells:
                if cname not in cols:
                    err("unknown-column", f"{where}, table `{tname}` row {i + 1}: unknown column `{cname}`",
                        row.cells[cname].span or row.span, did_you_mean(cname, cols))
            for cname, c in cols.items():
                a = row.cells.get(cname)
                what = f"{where}, table `{tname}` row {i + 1}, `{cname}`"
                if c.is_text:
                    text = row.extra.get(cname)
                    if a is not None:
                        err("unit-mismatch", f"{what} is a text, found {a.text} {a.unit}", a.span or row.span)
                    elif text is None and (tname, cname) in plan.defaults:
                        vals[cname][i] = plan.defaults[(tname, cname)]
                    elif text is None:
                        err("missing-input", f"{where}, table `{tname}` row {i + 1}: no `{cname}` (a text)", row.span)
                    else:
                        code = word(text, row.span, what, (tname, cname))
                        if code is not None:
                            vals[cname][i] = code
                    continue
                if a is None and cname in row.extra:
                    err("bad-number", f"{what}: expected an amount in {c.unit}, found \"{row.extra[cname]}\"",
                        row.span, f'write it as "<number> {c.unit}"')
                    continue
                if a is None and (tname, cname) in plan.defaults:
                    vals[cname][i] = plan.defaults[(tname, cname)]
                    continue
                if a is None:
                    err("missing-input", f"{where}, table `{tname}` row {i + 1}: no `{cname}` ({c.unit})", row.span)
                    continue
                r = amount(a, c.unit, f"{where}, table `{tname}` row {i + 1}, `{cname}`", key, c.basis,
                           (key, cname, i))
                if r is not None:
                    vals[cname][i], wids[cname][i] = r
        values[key], widths[key] = vals, wids
    for i, row in enumerate(product.left_out):
        # left-out inputs are read by the cut-off rule: their units must be readable now
        for cname, a in row.cells.items():
            if a.kb is not None:
                err("inventory", f"{where}, left_out row {i + 1}: `{cname}` gives an amount, not a factor", a.span)
                continue
            try:
                plan.units.parse(a.unit or "1")
            except UnitError as exc:
                err("unit-unknown", f"{where}, left_out row {i + 1}, `{cname}`: {exc}", a.span or row.span, exc.hint)
    divisor = 1.0
    if product.amounts == "period":
        divisor = product.quantity or 1.0
    if problems:
        raise PcfError(problems)
    return Bound(product, values, widths, tuple(not_given), divisor, kb_used, kb_entries, scales, tuple(defaulted))


def counted(plan: Plan, product: Product) -> Product:
    """`product` with its quantity counted in functional units, when the inventory gave it with a
    unit (`quantity = "10000 t"` for `functional_unit "1 t grain"`: 10000)."""
    q = product.quantity_amount
    if q is None:
        return product
    fu = read_functional_unit(product.functional_unit or plan.method.setting("functional_unit"), plan.units)
    try:
        n = count_of(fu, q.value, q.unit, plan.units)
    except UnitError as exc:
        code = "unit-mismatch" if fu is not None and fu.measured else "inventory"
        raise fail(code, f"product `{product.id}`, quantity {q.text} {q.unit}: {exc}", q.span or product.span,
                   hint=exc.hint) from None
    if not (math.isfinite(n) and n > 0):
        raise fail("bad-number", f"product `{product.id}`: quantity {q.text} {q.unit} is {n!r} functional units",
                   q.span or product.span)
    return replace(product, quantity=n)


def basis_scale(product: Product, a: Amount, declared: str | None, what: str) -> float:
    """The factor that puts amount `a` on its product's basis (`product.amounts`).

    A product's figures are computed on one basis: per functional unit, or for the period
    and then divided by the quantity. An amount may stand on the other one: the method fixes
    it for an input (`input use_power : kWh per_unit`), or the inventory line says so
    (`{value = 3, unit = "kWh", basis = "per_unit"}`). A per-unit amount in a period product
    is multiplied by the quantity, a period amount in a per-unit product divided by it, so a
    use stage given per bottle is never divided by the year's production. A line that
    contradicts the method is an error, and so is a period amount with no quantity."""
    if declared and a.basis and a.basis != declared:
        raise fail("basis-conflict", f"{what}: the line says basis \"{a.basis}\", but the method fixes "
                   f"this amount as \"{declared}\"", a.span,
                   hint=f"give the amount {_BASIS_WORDS[declared]}, and drop `basis` or write "
                        f"`basis = \"{declared}\"`")
    basis = a.basis or declared or product.amounts
    if basis == product.amounts:
        return 1.0
    if product.quantity is None:
        raise fail("missing-input", f"{what}: an amount for the period needs the product's `quantity` "
                   "(the functional units produced in the period)", a.span or product.span,
                   hint=f"add `quantity = <units produced>` to product `{product.id}`")
    return product.quantity if basis == "per_unit" else 1.0 / product.quantity


_BASIS_WORDS = {"per_unit": "per functional unit", "period": "for the whole period"}


def emissions_fed(plan: Plan, key: Key) -> set[str]:
    """The emission names a plan node (input, table, kb value) flows into."""
    if key not in plan.graph:
        return set()
    import networkx as nx   # only here: a `pcf run` needs no graph library
    return {k.name for k in nx.descendants(plan.graph, key) if k.is_a(EMISSION)}


def removal_only(plan: Plan, key: Key) -> bool:
    """Whether every emission `key` feeds is tagged [removal]: the method declares it a removal,
    so its amounts may be negative."""
    users = emissions_fed(plan, key)
    return bool(users) and all("removal" in e.tags for e in plan.method.emissions if e.name in users)


def _wan_hint(a: Amount) -> str | None:
    """`43.28 万 kWh`: the 万 (10^4) written apart from its unit, said with the amount's own digits."""
    m = re.fullmatch(r"万\s+(\S+)", a.unit)
    if m is None:
        return None
    unit, times = m.group(1), format(Decimal(a.text).scaleb(4).normalize(), "f")
    return f"万{unit} is 10^4 {unit}: write `{a.text} 万{unit}` or `{times} {unit}`"


def run(plan: Plan, inputs: Mapping[str, object]) -> dict[str, object]:
    """Evaluate every computed node; `inputs` holds input/table values (floats or intervals)."""
    values: dict[str, object] = dict(plan.constants)
    values.update(inputs)
    np = numpy_if_imported()    # not imported: no value is an array, and floats need no errstate
    if np is None:
        return _run(plan, values)
    # numpy warns on overflow in row tables; the value is checked in `_run` instead.
    with np.errstate(all="ignore"):
        return _run(plan, values)


def _run(plan: Plan, values: dict[str, object]) -> dict[str, object]:
    for key in plan.order:
        try:
            v = _exec(plan.code[key], values, None)
        except ZeroDivisionError:
            raise fail("bad-number", f"division by zero in `{key.shown}`",
                       _span_of(plan, key)) from None
        if isinstance(v, float):
            if not math.isfinite(v):
                raise fail("bad-number", f"`{key.shown}` is not finite ({v}): "
                           "overflow or division by zero", _span_of(plan, key))
            v += 0.0   # -0 is 0: a result never shows as "-0"
        values[key] = v
    return values


def _span_of(plan: Plan, key: Key) -> Span | None:
    if key.is_a(KB):
        return plan.kb_nodes[key].entry.span
    name = key.name
    for d in plan.method.decls:
        if getattr(d, "name", None) == name:
            return d.span
    return None


def _exec(code: tuple, values: Mapping[str, object], row: Mapping[str, object] | None):
    st: list = []
    push, pop = st.append, st.pop
    for ins in code:
        op = ins[0]
        if op == "load":
            push(values[ins[1]])
        elif op == "const":
            push(ins[1])
        elif op == "*":
            b = pop(); st[-1] = st[-1] * b
        elif op == "+":
            b = pop(); st[-1] = st[-1] + b
        elif op == "/":
            b = pop(); st[-1] = st[-1] / b
        elif op == "-":
            b = pop(); st[-1] = st[-1] - b
        elif op == "neg":
            st[-1] = -st[-1]
        elif op == "field":
            push(row[ins[1]])
        elif op in BINARY_CALLS:
            b = pop(); st[-1] = binary(op, st[-1], b)
        elif op in UNARY_CALLS:
            st[-1] = unary(op, st[-1])
        elif op == "if":
            b = pop(); a = pop(); st[-1] = choose(st[-1], a, b)
        elif op == "sum":
            table = values[ins[1]]
            first = next(iter(table.values()), None)
            n_rows = 0 if first is None else len(first.lo if isinstance(first, Interval) else first)
            push(_total(_exec(ins[2], values, table), n_rows))
    return st[0]


def _total(v, n_rows: int):
    if isinstance(v, Interval):
        if is_array(v.lo):
            return v.sum()
        return v * float(n_rows)
    if is_array(v):
        return float(v.sum())
    return v * n_rows


def as_intervals(bound: Bound) -> dict[Key, object]:
    """The bound inputs widened to the rounding of their printed digits."""
    out: dict[Key, object] = {}
    for key, v in bound.values.items():
        w = bound.widths[key]
        if isinstance(v, dict):
            out[key] = {c: Interval(v[c] - w[c], v[c] + w[c]) for c in v}
        else:
            out[key] = Interval(v - w, v + w)
    return out


def unused_finding(key: Key, span: Span) -> Finding:
    return Finding("warning", "unused-input", span, f"{key.kind} `{key.name}` is declared but no formula uses "
                   "it: it is read from the inventory and counts in no figure")


def check_findings(plan: Plan, pid: str, values: Mapping[Key, object]) -> list[Finding]:
    """A finding for each check of the method that product `pid` fails (a check on intervals,
    in the audit, fails only where it is false for every rounding)."""
    out = []
    for c in plan.method.checks:
        v = values.get(Key(CHECK, c.name))
        if v is None:
            continue
        hi = v.hi if isinstance(v, Interval) else v
        if float(hi.max() if is_array(hi) else hi) == 0.0:
            cite = f" ({c.citation})" if c.citation else ""
            message = f"product `{pid}`: check `{c.name}` fails: {c.message}{cite}"
            if c.severity == "error":
                out.append(Finding("error", "check-failed", c.span, message))
            else:
                out.append(Finding("warning", "check-warning", c.span, message))
    return out


def plan_findings(plan: Plan) -> list[Finding]:
    """What the plan itself tells the reader: unused inputs, fallbacks, CO2 counted as CO2e."""
    out = [unused_finding(key, span) for key, span in plan.unused]
    for kn in plan.kb_nodes.values():
        if kn.fallback_from is not None:
            out.append(Finding("warning", "factor-year-fallback", kn.span,
                               f"`kb.{kn.entry.id}` has no value for {kn.fallback_from}; "
                               f"used {kn.entry.period} ({kn.entry.value} {kn.entry.unit})"))
        if kn.pinned and not kn.entry.default:
            out.append(Finding("warning", "unconfirmed-factor", kn.span,
                               f"`kb.{kn.entry.id}` is marked {kn.entry.confidence}: check its source"))
    if plan.co2_as_co2e:
        reason = plan.method.setting("non_co2_negligible")
        names = ", ".join(plan.co2_as_co2e)
        out.append(Finding("info", "co2-counted-as-co2e", plan.method.span,
                           f"CO2-only results counted as CO2e ({reason}): {names}"))
    return out
