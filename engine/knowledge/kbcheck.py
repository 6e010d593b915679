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

from typing import TYPE_CHECKING


from ..core.depgraph import find_cycles
from ..core.dimension import infer_dim, missing_conversion_hint, number_dim
from ..core.errors import Diagnostic, PcfError, did_you_mean
from ..core.source import Span
from ..core.units import Dim, format_dim
from ..core.years import periods
from ..language import nodes as n
from ..language.build import build_formula

if TYPE_CHECKING:   # kb.py calls this module: importing it back would be a circle
    from .kbmodel import Entry, KnowledgeBase


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
            elif isinstance(node, (n.Ref, n.Field, n.RowSum, n.Lookup, n.Text)):
                name = getattr(node, "name", None) or getattr(node, "var", None) or getattr(node, "table", "") \
                    or getattr(node, "map", None) or getattr(node, "value", "")
                near = did_you_mean(f"kb.{e.id.rsplit('.', 1)[0]}.{name}", [f"kb.{i}" for i in kb.by_id])
                found.append(Diagnostic(
                    "unknown-name", f"{where}: `{name}`: a knowledge-base formula uses only `kb.` ids, numbers "
                    "and 44/12 or 44/28", node.span, hint=near))
        dim = None if found else _formula_dim(expr, kb, where, found)
        problems.extend(_in_toml(d, e) for d in found)
        if dim is not None and dim != e.spec.dim:
            problems.append(Diagnostic(
                "unit-mismatch", f"{where}: the formula gives {format_dim(dim)}, but the unit is `{e.unit}` "
                f"({format_dim(e.spec.dim)})", _formula_span(e), hint=missing_conversion_hint(dim, e.spec.dim)))
    problems.extend(_cycles(kb, deps))
    if problems:
        raise PcfError(problems)


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
                                   f"(it has {periods(versions)})", ref.span))
    elif e.default and ref.year is None and not any(v.default for v in versions):
        problems.append(Diagnostic(
            "kb-not-default", f"{where}: a default entry computed from `kb.{ref.id}`, which is not a default",
            ref.span, hint="mark this entry `confidence = \"unconfirmed\"`, `default = false` as well"))


def _formula_dim(expr, kb: KnowledgeBase, where: str, problems: list[Diagnostic]) -> Dim | None:
    """The dimension of a formula (the method language's inference: dimension.py); None after a problem."""
    before = len(problems)

    def err(d: Diagnostic):
        problems.append(replace(d, message=f"{where}: {d.message}"))

    def leaf_dim(e, row):
        if isinstance(e, n.Number):
            return number_dim(e, kb.units.parse, err)
        return kb.by_id[e.id][0].spec.dim   # a kb reference: the only other leaf left here

    dim = infer_dim(expr, leaf_dim, err)
    return dim if len(problems) == before else None


def _cycles(kb: KnowledgeBase, deps: Mapping[str, set[str]]) -> list[Diagnostic]:
    """Circles among formula entries (edges from a dependency to the entry computed from it)."""
    import networkx as nx   # only here: a `pcf run` needs no graph library
    g = nx.DiGraph()
    g.add_edges_from((used, ident) for ident in sorted(deps) for used in sorted(deps[ident]))
    problems = []
    for _, circle in find_cycles(g):
        e = next(v for v in kb.by_id[circle[0]] if v.formula is not None)
        problems.append(Diagnostic("cycle", f"{e.key}.formula ({e.id}): formulas depend on each other "
                                   f"in a circle: {' -> '.join(circle)}", _formula_span(e)))
    return problems
