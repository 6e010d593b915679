"""Checking a knowledge base's derived entries: what `pcf check kb/` adds to `load_kb`.

An entry may be computed (`formula = "kb.x.ncv * kb.x.carbon_content * kb.x.oxidation * 44/12"`)
instead of given. Loading only stores the text; a method that uses the entry parses it.
Here every formula is parsed with the method language's expression grammar and checked:

- it uses only `kb.` ids, numbers (with units) and the 44/12, 44/28 conversions: a bare
  name would otherwise resolve against whatever method happens to use the entry;
- every id exists, and has a value for a pinned year;
- its dimension equals the entry's unit (`NCV * CC` without 44/12 gives tC/t, not tCO2/t);
- a default entry is not computed from non-defaults (every unpinned use would fail);
- formulas do not depend on each other in a circle.

Problems name the file, the key path (`entry[2].formula`) and the line and column in the
TOML file, and are reported together.
"""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Mapping

from pint.util import UnitsContainer

from . import nodes as n
from .build import build_formula
from .errors import Diagnostic, PcfError, did_you_mean
from .kb import Entry, KnowledgeBase, _periods
from .source import Span
from .units import DIMENSIONLESS, Dim, UnitError, format_dim

# Dimensions of the molar-mass ratios build.py recognises (the same steps plan.py checks).
CONVERSION_DIMS = {(44, 12): ("kgC", "kgCO2"), (12, 44): ("kgCO2", "kgC"),
                   (44, 28): ("kgN2O_N", "kgN2O"), (28, 44): ("kgN2O", "kgN2O_N")}


def check_formulas(kb: KnowledgeBase) -> None:
    """Parse every `formula`, check its references exist and give its unit; raises PcfError."""
    problems: list[Diagnostic] = []
    deps: dict[str, set[str]] = {}
    for e in kb.entries:
        if e.formula is None:
            continue
        where = f"{e.key}.formula ({e.id})"
        found: list[Diagnostic] = []   # positioned in the formula text, moved into the file below
        try:
            expr = build_formula(e.formula, e.span.path, (e.formula_line or e.span.line) - 1)
        except PcfError as exc:
            problems.extend(_in_toml(replace(d, message=f"{where}: {d.message}"), e) for d in exc.diagnostics)
            continue
        for node in n.walk(expr):
            if isinstance(node, n.KbRef):
                _check_ref(kb, e, node, where, found)
                deps.setdefault(e.id, set()).add(node.id)
            elif isinstance(node, (n.Ref, n.Field, n.RowSum)):
                name = getattr(node, "name", None) or getattr(node, "var", None) or getattr(node, "table", "")
                near = did_you_mean(f"kb.{e.id.rsplit('.', 1)[0]}.{name}", [f"kb.{i}" for i in kb.by_id])
                found.append(Diagnostic(
                    "unknown-name", f"{where}: `{name}`: a knowledge-base formula uses only `kb.` ids, numbers "
                    "and 44/12 or 44/28", node.span, hint=near))
        dim = None if found else _formula_dim(expr, kb, where, found)
        problems.extend(_in_toml(d, e) for d in found)
        if dim is not None and dim != e.spec.dim:
            problems.append(Diagnostic(
                "unit-mismatch", f"{where}: the formula gives {format_dim(dim)}, but the unit is `{e.unit}` "
                f"({format_dim(e.spec.dim)})", _formula_span(e), hint=_mismatch_hint(dim, e.spec.dim)))
    problems.extend(_cycles(kb, deps))
    if problems:
        raise PcfError(problems)


def _mismatch_hint(found: Dim, unit: Dim) -> str:
    for (num, den), (src, dst) in CONVERSION_DIMS.items():
        rest = found / UnitsContainer({src: 1})
        if found.get(src) == 1 and unit.get(dst) == 1 and rest == unit / UnitsContainer({dst: 1}):
            return f"the formula gives {src[2:]} where the unit says {dst[2:]}: multiply by {num}/{den}"
    return "check the unit of each entry the formula uses"


def _in_toml(d: Diagnostic, e: Entry) -> Diagnostic:
    """A diagnostic positioned in a formula's text (lines offset to the `formula` key's line,
    columns from the text's start), moved to where the text stands in the TOML file."""
    span = d.span
    if span is None or e.formula_line is None or span.path != e.span.path:
        return d
    line, col = _formula_origin(Path(e.span.path), e.formula_line)
    shift = line - e.formula_line
    first = span.line == e.formula_line   # only the text's first line starts after `formula = "`
    return replace(d, span=replace(
        span, line=span.line + shift, column=span.column + (col - 1 if first else 0),
        end_line=span.end_line + shift if span.end_line else None,
        end_column=(span.end_column + col - 1 if first and span.end_line == span.line and span.end_column
                    else span.end_column)))


def _formula_span(e: Entry) -> Span:
    if e.formula_line is None:
        return e.span
    return Span(e.span.path, *_formula_origin(Path(e.span.path), e.formula_line))


def _formula_origin(path: Path, line: int) -> tuple[int, int]:
    """(line, column) where the formula text starts: after the quote of `formula = "...`."""
    try:
        text = path.read_text(encoding="utf-8-sig").split("\n")[line - 1]
    except (OSError, IndexError, UnicodeDecodeError):
        return line, 1
    m = re.match(r'\s*formula\s*=\s*("""|\'\'\'|"|\')', text)
    if not m:
        return line, 1
    if len(m.group(1)) == 3 and not text[m.end():].strip():
        return line + 1, 1   # a multi-line string starts on the next line
    return line, m.end() + 1


def _check_ref(kb: KnowledgeBase, e: Entry, ref, where: str, problems: list[Diagnostic]) -> None:
    versions = kb.by_id.get(ref.id)
    if not versions:
        problems.append(Diagnostic("kb-unknown", f"{where}: unknown knowledge-base id `kb.{ref.id}`", ref.span,
                                   hint=did_you_mean(ref.id, kb.by_id)))
    elif ref.year is not None and not any(v.valid_in(ref.year) for v in versions):
        problems.append(Diagnostic("kb-year", f"{where}: `kb.{ref.id}` has no value for {ref.year} "
                                   f"(it has {_periods(versions)})", ref.span))
    elif e.default and ref.year is None and not any(v.default for v in versions):
        problems.append(Diagnostic(
            "kb-not-default", f"{where}: a default entry computed from `kb.{ref.id}`, which is not a default",
            ref.span, hint="mark this entry `confidence = \"unconfirmed\"`, `default = false` as well"))


def _formula_dim(expr, kb: KnowledgeBase, where: str, problems: list[Diagnostic]) -> Dim | None:
    """The dimension of a formula, bottom-up without recursion; None after a problem."""
    out: dict[int, Dim | None] = {}
    stack = [(expr, False)]
    while stack:
        e, done = stack.pop()
        kids = [e.left, e.right] if isinstance(e, n.BinOp) else [e.operand] if isinstance(e, n.Neg) else []
        if kids and not done:
            stack.append((e, True))
            stack.extend((k, False) for k in kids)
            continue
        dim: Dim | None = None
        if isinstance(e, n.Number):
            try:
                dim = kb.units.parse(e.unit).dim if e.unit else DIMENSIONLESS
            except UnitError as exc:
                problems.append(Diagnostic("unit-unknown", f"{where}: {exc}", e.span, hint=exc.hint))
        elif isinstance(e, n.KbRef):
            dim = kb.by_id[e.id][0].spec.dim
        elif isinstance(e, n.BasisConversion):
            src, dst = CONVERSION_DIMS[(e.numerator, e.denominator)]
            dim = UnitsContainer({dst: 1, src: -1})
        elif isinstance(e, n.Neg):
            dim = out[id(e.operand)]
        elif isinstance(e, n.BinOp):
            a, b = out[id(e.left)], out[id(e.right)]
            if a is None or b is None:
                dim = None
            elif e.op in "+-":
                dim = a if a == b else None
                if a != b:
                    verb = "add" if e.op == "+" else "subtract"
                    problems.append(Diagnostic("unit-mismatch", f"{where}: cannot {verb} {format_dim(a)} and "
                                               f"{format_dim(b)}", e.span))
            else:
                dim = a * b if e.op == "*" else a / b
        out[id(e)] = dim
    return out[id(expr)]


def _cycles(kb: KnowledgeBase, deps: Mapping[str, set[str]]) -> list[Diagnostic]:
    """Circles among formula entries, by an iterative depth-first search."""
    problems = []
    state: dict[str, int] = {}   # 1 on the current path, 2 done
    for start in sorted(deps):
        if start in state:
            continue
        path, stack = [start], [iter(sorted(deps[start]))]
        state[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                circle = path[path.index(nxt):] + [nxt]
                e = next(v for v in kb.by_id[nxt] if v.formula is not None)
                problems.append(Diagnostic("cycle", f"{e.key}.formula ({e.id}): formulas depend on each other "
                                           f"in a circle: {' -> '.join(circle)}", _formula_span(e)))
            elif nxt not in state and nxt in deps:
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(deps[nxt])))
    return problems
