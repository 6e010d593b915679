"""Hypothesis strategies for pcf's inputs: method nodes, inventories and knowledge-base entries.

- `methods()`: any method the grammar can express, as nodes (printed with `pcf.language.format`);
- `compilable_methods(kb_refs)`: methods that pass the compiler's checks (names, units,
  stages), with the inputs and tables an inventory for them must give;
- `inventories(spec)`: inventory data for `pcf.Inventory.build`, and `inventory_toml` writes
  the same data as an inventory file; amounts at times have their digits grouped as
  spreadsheets and pcf print them (`1 056.812 kWh`, `1,234.5 t`: `grouped_number_texts`);
- `input_sheet_habits(products)`: the `inputs` sheet of an XLSX/CSV inventory as people keep
  it, at times with a habit pcf must refuse (a repeated row, a bare number for a `%` input);
- `kb_files()`: the entries of a small knowledge base, and `kb_toml` / `SOURCES_TOML` write
  them as files.

Generated nodes carry one dummy span: tests compare trees with `pcf.language.format.without_spans`.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field

from hypothesis import strategies as st

from pcf.language import nodes as n
from pcf.language.build import BASIS_RATIOS
from pcf.inputs.inventory import PRODUCT_KEYS
from pcf.core.source import Span

SPAN = Span("<generated>", 1, 1)

# --- words ------------------------------------------------------------------------------------

# Words the text of a formula cannot use as a name: `sum(` opens a row sum, and `kb.x`
# is read as a knowledge-base id (so `kb` cannot be a row variable).
NOT_NAMES = {"sum", "kb", "if", "not", "min", "max", "abs", "round"}
KEYWORDS = ["method", "extends", "override", "standard", "boundary", "gwp", "functional_unit",
            "non_co2_negligible", "factor_year", "stage", "excluded", "input", "table", "let", "emission",
            "in", "rule", "verified", "reading", "optional", "per_unit", "period", "sum", "kb",
            "if", "then", "else", "and", "or", "not", "min", "max", "abs", "map", "check", "scenario",
            "error", "warning", "text", "round"]
# Mostly random words, often a keyword or a word that starts like one (`inputs`, `summary`).
names = (st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,11}", fullmatch=True)
         | st.builds(str.__add__, st.sampled_from(KEYWORDS), st.sampled_from(["", "", "s", "2", "_x", "ary"]))
         ).filter(lambda s: s not in NOT_NAMES)
ids = st.from_regex(r"[a-z0-9_]{1,8}(\.[a-z0-9_]{1,8}){0,3}", fullmatch=True)
# Labels: anything on one line without a double quote (and no NUL, which no text file holds).
labels = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters='\u2028\u2029\x85')
                 | st.sampled_from(' \t"\\'), max_size=24)

# Units the grammar reads as one UNIT token and pint knows.
UNITS = ["kWh", "MWh", "万kWh", "kg", "t", "万t", "km", "t·km", "m3", "Nm3", "万Nm3", "GJ", "TJ", "L",
         "kgCO2e", "tCO2e", "kgCO2", "kgC", "tC/TJ", "GJ/t", "kgCO2e/kWh", "tCO2/MWh", "kgCO2e/(t*km)",
         "kgCO2e/(t·km)", "%", "1", "台", "套", "kg/t", "m^3", "t/a",
         "hm²", "kg/hm²", "kg·hm⁻²", "t/hm2", "kgP2O5", "kgK2O/亩", "瓶", "kWh/瓶", "天", "年", "m²·a", "km2"]


@st.composite
def number_texts(draw, max_exp: int = 300) -> str:
    """A NUMBER as written: `12`, `0.5777`, `2.5E-3`, `1e300` ..."""
    kind = draw(st.sampled_from(["int", "dec", "exp"]))
    whole = str(draw(st.integers(0, 10**7)))
    if kind == "int":
        return whole
    frac = draw(st.from_regex(r"[0-9]{1,6}", fullmatch=True))
    if kind == "dec":
        return f"{whole}.{frac}"
    e = draw(st.sampled_from("eE"))
    sign = draw(st.sampled_from(["", "+", "-"]))
    return f"{whole[:2]}.{frac}{e}{sign}{draw(st.integers(0, max_exp))}"


@st.composite
def numbers(draw, units=st.none() | st.sampled_from(UNITS), max_exp: int = 300) -> n.Number:
    text = draw(number_texts(max_exp))
    return n.Number(float(text), text, draw(units), SPAN)


# --- expressions -------------------------------------------------------------------------------

def _bare_int(e) -> int | None:
    return int(e.text) if isinstance(e, n.Number) and e.unit is None and e.text.isdigit() else None


def expressible(expr: n.Expr) -> bool:
    """Whether a text builds back to `expr`: `44/12` as a bare quotient always reads as a basis
    conversion (build.py), so a tree dividing bare 44 by bare 12 has no text of its own."""
    for e in n.walk(expr):
        if isinstance(e, n.BinOp) and e.op == "/" and _bare_int(e.right) is not None:
            left = e.left.right if isinstance(e.left, n.BinOp) and e.left.op == "*" else e.left
            if (_bare_int(left), _bare_int(e.right)) in BASIS_RATIOS:
                return False
    return True


def _leaves(kb_ids):
    conversions = st.sampled_from(sorted(BASIS_RATIOS)).map(lambda r: n.BasisConversion(r[0], r[1], SPAN))
    kb_refs = st.builds(lambda i, y: n.KbRef(i, y, SPAN), kb_ids, st.none() | st.integers(1990, 2100))
    fields = st.builds(lambda v, c: n.Field(v, c, SPAN), names, names)
    texts = labels.map(lambda s: n.Text(s, SPAN))
    return numbers() | names.map(lambda s: n.Ref(s, SPAN)) | kb_refs | conversions | fields | texts


def expressions(kb_ids=ids, max_leaves: int = 12):
    """Formula trees of every node kind, over any names (not checked against declarations)."""
    def extend(inner):
        call = lambda fn, *args: n.Call(fn, tuple(args), SPAN)   # noqa: E731
        return (st.builds(lambda op, a, b: n.BinOp(op, a, b, SPAN), st.sampled_from("+-*/"), inner, inner)
                | inner.map(lambda e: n.Neg(e, SPAN))
                | st.builds(lambda v, t, b: n.RowSum(v, t, b, SPAN), names, names, inner)
                | st.builds(call, st.sampled_from(n.COMPARISONS + ("and", "or", "min", "max", "round")), inner, inner)
                | st.builds(call, st.just("if"), inner, inner, inner)
                | st.builds(call, st.sampled_from(("not", "abs")), inner)
                | st.builds(lambda m, k: n.Lookup(m, k, SPAN), names, inner)
                | st.builds(lambda fn, xs: n.Call(fn, tuple(xs), SPAN), st.sampled_from(("min", "max")),
                            st.lists(inner, min_size=3, max_size=4)))
    return st.recursive(_leaves(kb_ids), extend, max_leaves=max_leaves).filter(expressible)


# --- methods (anything the grammar expresses) ----------------------------------------------------

SETTING_KEYS = ["standard", "boundary", "gwp", "functional_unit", "non_co2_negligible", "factor_year"]
STRING_SETTINGS = {"standard", "functional_unit", "non_co2_negligible"}


@st.composite
def method_settings(draw) -> n.Setting:
    key = draw(st.sampled_from(SETTING_KEYS))
    value = draw(labels if key in STRING_SETTINGS else names)
    args = tuple(draw(st.lists(names, max_size=3))) if key == "boundary" else ()   # partial(use, ...)
    return n.Setting(key, value, SPAN, override=draw(st.booleans()), args=args)


@st.composite
def rules(draw) -> n.Rule:
    args = []
    for i in range(draw(st.integers(0, 3))):
        values = draw(st.lists(names | labels | numbers(), min_size=1, max_size=3))
        args.append((draw(names), values))
    # A unitless number right before the next argument's key reads that key as its unit
    # (`a: 1  b: x` is `1 b`, then a syntax error): the grammar cannot say it, so it is not generated.
    for _, values in args[:-1]:
        if isinstance(values[-1], n.Number) and values[-1].unit is None:
            values.append(draw(names))
    return n.Rule(draw(names), draw(st.sampled_from(["verified", "reading"])), draw(st.none() | labels),
                  tuple(n.RuleArg(k, tuple(v), SPAN) for k, v in args), SPAN, override=draw(st.booleans()))


def declarations(kb_ids=ids):
    opt_label = st.none() | labels
    override = st.booleans()
    stage = st.builds(lambda i, l, x, o: n.Stage(i, l, x, SPAN, override=o), names, opt_label, opt_label, override)
    basis = st.sampled_from([None, None, "per_unit", "period"])
    default = st.none() | numbers() | labels.map(lambda s: n.Text(s, SPAN))
    inp = st.builds(lambda a, u, l, opt, o, b, d: n.Input(a, u, l, opt, SPAN, SPAN, override=o, basis=b, default=d),
                    names, st.sampled_from(UNITS + ["text"]), opt_label, st.booleans(), override, basis, default)
    # a column cannot be called `per_unit` or `period`: after a column, the word is its basis;
    # nor a keyword: after a column's default formula, `let`, `stage` ... start a declaration
    column = st.builds(lambda a, u, l, b, d: n.Column(a, u, l, SPAN, SPAN, b, d),
                       names.filter(lambda s: s not in KEYWORDS), st.sampled_from(UNITS + ["text"]),
                       opt_label, basis, default)
    entry = st.builds(lambda k, e: n.MapEntry(k, e, SPAN), names | labels, expressions(kb_ids, 4))
    map_ = st.builds(lambda a, l, es, o: n.Map(a, l, tuple(es), SPAN, override=o),
                     names, opt_label, st.lists(entry, max_size=3), override)
    check = st.builds(lambda a, c, sev, e, msg, o: n.Check(a, c, sev, e, msg, SPAN, override=o),
                      names, opt_label, st.sampled_from(["error", "warning"]), expressions(kb_ids, 6), labels, override)
    # a scenario cannot set an input named as a keyword (`factor_year = ...` after a formula is
    # read as the setting): the grammar cannot say it, so it is not generated
    scenario = st.builds(lambda a, l, sets, o: n.Scenario(a, l, tuple(n.Assignment(k, e, SPAN) for k, e in sets),
                                                          SPAN, override=o),
                         names, opt_label, st.lists(st.tuples(names.filter(lambda s: s not in KEYWORDS),
                                                              expressions(kb_ids, 4)), max_size=3), override)
    table = st.builds(lambda a, l, cs, o: n.Table(a, l, tuple(cs), SPAN, override=o),
                      names, opt_label, st.lists(column, max_size=3), override)
    let = st.builds(lambda a, l, e, o: n.Let(a, l, e, SPAN, override=o), names, opt_label, expressions(kb_ids), override)
    emission = st.builds(lambda a, l, s, e, t, o: n.Emission(a, l, s, e, SPAN, SPAN, tuple(t), override=o),
                         names, opt_label, names, expressions(kb_ids), st.lists(names, max_size=3), override)
    return stage | inp | table | let | emission | rules() | map_ | check | scenario


@st.composite
def methods(draw, kb_ids=ids) -> n.Method:
    """Any method the grammar can express, names unchecked: for printing and parsing back."""
    return n.Method(draw(ids), draw(st.none() | labels), draw(st.none() | ids),
                    tuple(draw(st.lists(method_settings(), max_size=4))),
                    tuple(draw(st.lists(declarations(kb_ids), max_size=8))), "m.pcf", SPAN)


# --- methods that compile ------------------------------------------------------------------------

# Activity units and the unit of a CO2e factor per unit of each.
ACTIVITY = {"kWh": "kgCO2e/kWh", "MWh": "tCO2e/MWh", "kg": "kgCO2e/kg", "t": "kgCO2e/t", "m3": "kgCO2e/m3",
            "GJ": "kgCO2e/GJ", "km": "kgCO2e/km", "台": "kgCO2e/台"}
# The same dimension in another unit, for inventories: (unit, how many of it one declared unit is).
SAME_DIM = {"kWh": [("MWh", 1e-3), ("万kWh", 1e-4)], "kg": [("t", 1e-3), ("g", 1e3)], "t": [("kg", 1e3)],
            "m3": [("L", 1e3)], "GJ": [("MJ", 1e3)], "km": [("m", 1e3)], "MWh": [("kWh", 1e3)], "台": []}


@dataclass
class MethodSpec:
    """A generated method and what an inventory for it must give."""
    method: n.Method
    inputs: dict[str, tuple[str, bool]] = field(default_factory=dict)    # name -> (unit, optional)
    tables: dict[str, dict[str, str]] = field(default_factory=dict)      # table -> column -> unit
    removal_inputs: set[str] = field(default_factory=set)                # used only by [removal] lines


def kb_factor_refs(kb, year: int) -> dict[str, list[str]]:
    """Activity unit -> ids of real CO2e factors per that unit that a method may use unpinned in `year`."""
    from pcf.core.errors import PcfError
    per = {u: kb.units.parse(f).dim for u, f in ACTIVITY.items()}
    out: dict[str, list[str]] = {u: [] for u in ACTIVITY}
    for ident, versions in kb.by_id.items():
        e = versions[0]
        if e.basis != "CO2e" or e.gwp is not None or e.value is None:
            continue
        try:
            kb.lookup(ident, year)
        except PcfError:
            continue
        for u, dim in per.items():
            if e.spec.dim == dim:
                out[u].append(ident)
    return out


@st.composite
def compilable_methods(draw, kb_refs: dict[str, list[str]] | None = None) -> MethodSpec:
    """A method the compiler accepts: declared names, matching units, stages in the boundary."""
    kb_refs = kb_refs or {}
    pool = iter(draw(st.lists(names.filter(lambda s: s not in PRODUCT_KEYS), min_size=16, max_size=16,
                              unique=True)))
    settings_ = [n.Setting("standard", draw(labels), SPAN),
                 n.Setting("boundary", draw(st.sampled_from(["cradle_to_gate", "cradle_to_grave", "gate_to_gate"])), SPAN),
                 n.Setting("gwp", draw(st.sampled_from(["SAR", "AR4", "AR5", "AR6"])), SPAN)]
    if draw(st.booleans()):
        settings_.append(n.Setting("functional_unit", draw(labels), SPAN))
    stage_ids = [next(pool) for _ in range(draw(st.integers(1, 2)))]
    decls: list = [n.Stage(s, draw(st.none() | labels), None, SPAN) for s in stage_ids]
    if draw(st.booleans()):
        decls.append(n.Stage(next(pool), None, draw(labels), SPAN))   # excluded, with a reason
    spec = MethodSpec(None)
    activities: list[tuple[n.Expr, str]] = []   # (expression, activity unit)
    for _ in range(draw(st.integers(1, 3))):
        name, unit = next(pool), draw(st.sampled_from(sorted(ACTIVITY)))
        optional = draw(st.booleans())
        decls.append(n.Input(name, unit, draw(st.none() | labels), optional, SPAN, SPAN))
        spec.inputs[name] = (unit, optional)
        activities.append((n.Ref(name, SPAN), unit))
    if draw(st.booleans()):
        tname, col = next(pool), next(pool)
        unit = draw(st.sampled_from(sorted(ACTIVITY)))
        decls.append(n.Table(tname, draw(st.none() | labels), (n.Column(col, unit, None, SPAN, SPAN),), SPAN))
        spec.tables[tname] = {col: unit}
        activities.append((n.RowSum("row", tname, n.Field("row", col, SPAN), SPAN), unit))
    if draw(st.booleans()):
        # An activity `let`: scaled by a plain number, keeping its unit.
        expr, unit = activities[0]
        lname = next(pool)
        scale = draw(numbers(units=st.none(), max_exp=6))
        decls.append(n.Let(lname, None, n.BinOp("*", expr, scale, SPAN), SPAN))
        activities.append((n.Ref(lname, SPAN), unit))
    used: set[int] = set()
    emissions = []
    for i, (expr, unit) in enumerate(activities):
        ids_ = kb_refs.get(unit, [])
        if ids_ and draw(st.booleans()):
            factor = n.KbRef(draw(st.sampled_from(ids_)), None, SPAN)
        else:
            factor = draw(numbers(units=st.just(ACTIVITY[unit]), max_exp=6))
        tags = ()
        if isinstance(expr, n.Ref) and expr.name in spec.inputs and draw(st.integers(0, 3)) == 0:
            tags = ("removal",)
        emissions.append(n.Emission(next(pool), draw(st.none() | labels), draw(st.sampled_from(stage_ids)),
                                    n.BinOp("*", expr, factor, SPAN), SPAN, SPAN, tags))
        used.add(i)
    for e in emissions:
        if e.tags == ("removal",):
            name = e.expr.left.name
            users = [x for x in emissions if any(isinstance(r, n.Ref) and r.name == name for r in n.walk(x.expr))]
            if all(x.tags == ("removal",) for x in users) and not any(
                    isinstance(d, n.Let) and any(isinstance(r, n.Ref) and r.name == name for r in n.walk(d.expr))
                    for d in decls):
                spec.removal_inputs.add(name)
    decls.extend(emissions)
    spec.method = n.Method(draw(ids), draw(st.none() | labels), None, tuple(settings_),
                           tuple(draw(st.permutations(decls))), "m.pcf", SPAN)
    return spec


# --- inventories -----------------------------------------------------------------------------

# Digit-group separators people paste from spreadsheets and from pcf's own output (see pcf.inputs.amount).
GROUP_SEPARATORS = [" ", "\u2009", "\u202f", "\u00a0", ","]


def group_digits(text: str, sep: str) -> str:
    """A number's text with its integer part grouped in threes: `1234567.5` -> `1 234 567.5`.
    Exponent forms are left alone; a comma only groups before a decimal point or in two
    groups or more (a lone `1,234` is ambiguous, and refused)."""
    if "e" in text.lower() or "n" in text.lower():
        return text
    whole, dot, frac = text.partition(".")
    grouped = f"{int(whole):,}".replace(",", sep)
    if whole.startswith("-") and not grouped.startswith("-"):
        grouped = "-" + grouped    # -0
    if sep == "," and not dot and grouped.count(",") == 1:
        return text
    return grouped + dot + frac


@st.composite
def grouped_number_texts(draw) -> tuple[str, float]:
    """A number with its digits grouped as spreadsheets and pcf print them: (text, value)."""
    whole = draw(st.integers(-10**12, 10**12))
    frac = draw(st.none() | st.from_regex(r"[0-9]{1,4}", fullmatch=True))
    plain = str(whole) + ("" if frac is None else f".{frac}")
    return group_digits(plain, draw(st.sampled_from(GROUP_SEPARATORS))), float(plain)


@st.composite
def amounts(draw, unit: str, negative: bool = False) -> tuple[str, float]:
    """An amount in `unit` or another unit of its dimension: (text, value in `unit`), its
    digits at times grouped in threes (`1 056.812 kWh`) as spreadsheets and pcf print them."""
    value = draw(st.floats(-1e6 if negative else 0, 1e6, allow_nan=False, allow_infinity=False))
    text = repr(value)
    if draw(st.integers(0, 3)) == 0:
        text = group_digits(text, draw(st.sampled_from(GROUP_SEPARATORS)))
    other = draw(st.sampled_from([(unit, 1.0), *SAME_DIM.get(unit, [])]))
    return f"{text} {other[0]}", value


@dataclass(frozen=True)
class SheetHabit:
    """An `inputs` sheet as people keep it, and the error code pcf must give (None: read it)."""
    rows: list                      # [product, input, amount, unit] rows, header excluded
    expected: str | None            # "duplicate", "unit-mismatch" (a bare number for a % input), None


@st.composite
def input_sheet_habits(draw, products: list[dict], percent_inputs: tuple[str, ...] = ()) -> SheetHabit:
    """The `inputs` sheet of `products` (`inventories()` data): the number and unit in their
    columns, or the whole amount in the amount cell; at times with a habit pcf must refuse:
    a repeated row, or a bare number (no unit) for an input declared in %."""
    rows = []
    for p in products:
        for name, text in p.get("inputs", {}).items():
            number, _, unit = text.rpartition(" ")
            rows.append([p["id"], name, *([number, unit] if draw(st.booleans()) else [text, None])])
    habit = draw(st.sampled_from([None, None, "duplicate", "unit-mismatch"]))
    if habit == "duplicate" and rows:
        i = draw(st.integers(0, len(rows) - 1))
        rows.insert(draw(st.integers(i + 1, len(rows))), list(rows[i]))
        return SheetHabit(rows, "duplicate")
    if habit == "unit-mismatch" and percent_inputs and products:
        value = draw(st.integers(1, 100) | st.floats(0.001, 1.0))
        rows.append([products[0]["id"], draw(st.sampled_from(percent_inputs)), value, None])
        return SheetHabit(rows, "unit-mismatch")
    return SheetHabit(rows, None)


@st.composite
def inventories(draw, spec: MethodSpec | None = None) -> list[dict]:
    """Inventory data (`pcf.Inventory.build`'s argument): for `spec`'s method when given,
    else with arbitrary names and units."""
    products = []
    for i in range(draw(st.integers(1, 3))):
        p: dict = {"id": f"p{i}-{draw(st.from_regex(r'[A-Za-z0-9]{0,6}', fullmatch=True))}"}
        if draw(st.booleans()):
            p["name"] = draw(labels)
        if draw(st.booleans()):
            p["amounts"] = "period"
            p["quantity"] = draw(st.integers(1, 10**6) | st.floats(0.5, 1e6))
        inputs = {}
        wanted = spec.inputs if spec else {draw(names): (draw(st.sampled_from(sorted(ACTIVITY))), False)
                                           for _ in range(draw(st.integers(0, 3)))}
        for name, (unit, optional) in wanted.items():
            if optional and draw(st.booleans()):
                continue
            neg = spec is not None and name in spec.removal_inputs
            inputs[name] = draw(amounts(unit, negative=neg))[0]
        p["inputs"] = inputs
        tables = spec.tables if spec else {draw(names): {draw(names): draw(st.sampled_from(sorted(ACTIVITY)))}
                                          for _ in range(draw(st.integers(0, 2)))}
        for tname, cols in tables.items():
            if tname in PRODUCT_KEYS:
                continue
            p[tname] = [{c: draw(amounts(u))[0] for c, u in cols.items()} for _ in range(draw(st.integers(0, 4)))]
        products.append(p)
    return products


def toml_string(s: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's, but for DEL)."""
    return json.dumps(s, ensure_ascii=False).replace("\x7f", "\\u007f")


def toml_key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else toml_string(k)


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else ("nan" if v != v else ("inf" if v > 0 else "-inf"))
    if isinstance(v, str):
        return toml_string(v)
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(type(v))


def inventory_toml(products: list[dict]) -> str:
    """The inventory file of `products` (as `Inventory.build` takes them)."""
    out = []
    for p in products:
        out.append("[[product]]")
        tables = {}
        for k, v in p.items():
            if isinstance(v, list):
                tables[k] = v
            elif k != "inputs":
                out.append(f"{toml_key(k)} = {toml_value(v)}")
        for t, rows in tables.items():
            if not rows:
                out.append(f"{toml_key(t)} = []")
        out.append("")
        out.append("[product.inputs]")
        out.extend(f"{toml_key(k)} = {toml_value(v)}" for k, v in p.get("inputs", {}).items())
        for t, rows in tables.items():
            for row in rows:
                out.append("")
                out.append(f"[[product.{toml_key(t)}]]")
                out.extend(f"{toml_key(k)} = {toml_value(v)}" for k, v in row.items())
        out.append("")
    return "\n".join(out)


# --- knowledge-base entries ------------------------------------------------------------------------

SOURCES_TOML = '[src_a]\ntitle = "Source A"\nissuer = "Issuer A"\nyear = 2020\n\n' \
               '[src_b]\ntitle = "来源 B"\nissuer = "发布机构"\nyear = 2023\nurl = "https://example.org/b"\n'
# (basis, unit) pairs the loader accepts.
KB_UNITS = [("CO2e", "kgCO2e/kWh"), ("CO2e", "tCO2e/t"), ("CO2e", "kgCO2e/(t·km)"), ("CO2", "tCO2/TJ"),
            ("CO2", "kgCO2/kWh"), ("C", "tC/TJ"), ("parameter", "GJ/t"), ("parameter", "1"),
            ("parameter", "%"), ("CH4", "kgCH4/TJ"), ("GWP", "kgCO2e/kgCH4")]


@st.composite
def kb_files(draw) -> list[dict]:
    """Entries of one knowledge-base file: distinct ids, some an annual series of periods."""
    entries = []
    for ident in draw(st.lists(ids.filter(lambda s: "." in s), min_size=1, max_size=6, unique=True)):
        basis, unit = draw(st.sampled_from(KB_UNITS))
        years = sorted(draw(st.lists(st.integers(1990, 2100), min_size=1, max_size=3, unique=True)))
        for k, y in enumerate(years):
            e = {"id": ident, "value": draw(st.floats(0, 1e9, allow_nan=False, allow_infinity=False)),
                 "unit": unit, "basis": basis, "source": draw(st.sampled_from(["src_a", "src_b"]))}
            if len(years) > 1:
                e["valid_from"] = y
                e["valid_to"] = years[k + 1] - 1 if k + 1 < len(years) else y
            for key in ("name_zh", "name_en", "region", "note"):
                if draw(st.booleans()):
                    e[key] = draw(labels)
            if draw(st.booleans()):
                e["quality"] = draw(st.sampled_from(["measured", "national", "international"]))
            if draw(st.booleans()):
                e["confidence"] = "unconfirmed"
                e["default"] = False
            entries.append(e)
    return entries


def kb_toml(entries: list[dict]) -> str:
    return "\n".join("[[entry]]\n" + "".join(f"{toml_key(k)} = {toml_value(v)}\n" for k, v in e.items())
                     for e in entries)
