"""What an editor asks about a method file, answered by the engine itself (no second parser).

Pure functions over the text of a `.pcf` file and a loaded `Workspace` (units, knowledge base,
method library), so they are tested without a protocol: `lsp.py` only wires them to the Language
Server Protocol. Positions are 0-based (line, character), as LSP counts them; pcf's spans are
1-based and converted here.

- `diagnostics`: the same errors and warnings as `pcf check FILE.pcf` (parse, names, units, the
  knowledge base, the bases it extends, its scenarios), each with its code, span and hint;
- `hover`: a `kb.` id's value, unit, validity, source and licence; a name's declaration (an
  input's unit and label, a let's or an emission's formula and computed unit, an emission's stage,
  what an override replaces);
- `definition`: where a name is declared (in this file or a base), where a kb entry is written
  (its TOML file and line), the file of an `extends` base, what an `override` line replaces;
- `references`: every use of a name in the file; `rename_edits` there and in the variants beside it that
  extend the method;
- `formatted`: the canonical layout, comments and blank lines kept;
- `semantic_tokens`: names coloured by what they declare;
- `completions`: `kb.` ids by prefix (value and source in the detail), units where a unit is typed
  (after `name :` or a number), else the names in scope and the keywords;
- `symbols`: the stages, inputs, tables, maps, lets, emissions, checks and scenarios of the file.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import Diagnostic, PcfError
from ..language import nodes as n
from ..language.build import build_method

KB_TOKEN = re.compile(r"kb(?:\.[a-z0-9_]+)+")
NAME_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
KEYWORDS = ("method", "extends", "standard", "boundary", "gwp", "functional_unit", "non_co2_negligible",
            "factor_year", "stage", "excluded", "input", "table", "let", "emission", "in", "rule", "map",
            "check", "scenario", "override", "optional", "per_unit", "period", "if", "then", "else", "and",
            "or", "not", "sum", "min", "max", "abs", "round", "verified", "reading", "error", "warning")
KIND = {n.Stage: "stage", n.Input: "input", n.Table: "table", n.Map: "map", n.Let: "let", n.Emission: "emission",
        n.Check: "check", n.Scenario: "scenario", n.Rule: "rule"}


@dataclass(frozen=True)
class Place:
    path: str
    line: int       # 0-based
    character: int  # 0-based


@dataclass(frozen=True)
class Symbol:
    name: str
    kind: str
    line: int
    character: int


def toml_diagnostics(ws, path: str) -> list[Diagnostic]:
    """A case's case.toml or inventory (the whole case is run, as `pcf check CASE` does), or an
    inventory outside a case, as saved on disk: the problems positioned in that file."""
    from ..inputs.inventory import load_inventory
    file = Path(path)
    case = next((d for d in (file.parent, file.parent.parent) if (d / "case.toml").is_file()), None)
    try:
        if case is not None:   # the whole case, so that an amount is checked against the method too
            ws.run_case(case)
        else:
            load_inventory(file)
    except PcfError as exc:
        return [d for d in exc.diagnostics if d.span is not None and Path(d.span.path).resolve() == file.resolve()]
    return []


def diagnostics(ws, text: str, path: str) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """(errors, warnings) of the method text, as `pcf check` reports them."""
    from ..commands.library import check_scenarios
    from ..plan import compile_model
    from ..evaluation.evaluate import plan_findings
    try:
        method = ws.resolve(build_method(text, path))
        plan = compile_model(method, ws.kb, ws.units)
        check_scenarios(method, ws.kb, ws.units)
    except PcfError as exc:
        return list(exc.diagnostics), []
    warnings = [Diagnostic(f.code, f.message, f.at) for f in plan_findings(plan) if f.code == "unused-input"]
    return [], warnings


def token_at(text: str, line: int, character: int) -> str | None:
    """The `kb.` id or the name under the cursor."""
    lines = text.split("\n")
    if not 0 <= line < len(lines):
        return None
    row = lines[line]
    for pattern in (KB_TOKEN, NAME_TOKEN):
        for m in pattern.finditer(row):
            if m.start() <= character <= m.end():
                return m.group(0)
    return None


def hover(ws, text: str, path: str, line: int, character: int) -> str | None:
    token = token_at(text, line, character)
    if token is None:
        return None
    if token.startswith("kb."):
        return _kb_hover(ws, token[3:])
    decl = _declarations(ws, text, path).get(token)
    if decl is None:
        return None
    kind = KIND.get(type(decl), "declaration")
    label = getattr(decl, "label", None)
    head = f"**{kind}** `{token}`" + (f" — {label}" if label else "")
    if isinstance(decl, n.Input):
        return head + f"\n\nunit `{decl.unit}`" + (", optional" if decl.optional else "")
    where = _overridden(ws, text, path, decl)
    tail = f"\n\noverrides {where.path}:{where.line}" if where else ""
    if isinstance(decl, (n.Let, n.Emission)):
        unit = computed_unit(ws, text, path, decl)
        body = f"unit `{unit}` (computed, base units)" if unit else ""
        if isinstance(decl, n.Emission):
            body = f"stage `{decl.stage}`" + (f", tags {', '.join(decl.tags)}" if decl.tags else "") \
                + (f"; {body}" if body else "")
        from ..language.format import format_expr
        return head + f"\n\n{body}\n\n`= {format_expr(decl.expr)}`".replace("\n\n\n\n", "\n\n") + tail
    if isinstance(decl, n.Stage) and decl.excluded:
        return head + f"\n\nexcluded: {decl.excluded}"
    return head + f"\n\n{decl.span.path}:{decl.span.line}" + tail


def computed_unit(ws, text: str, path: str, decl) -> str | None:
    """The unit the graph computes for a let or an emission (in base units: `kgCO2e/J` for a
    factor per kWh), or None while the method does not compile."""
    from ..core.units import format_dim
    from ..plan import compile_model
    from ..core.keys import EMISSION, LET, Key
    try:
        plan = compile_model(ws.resolve(build_method(text, path)), ws.kb, ws.units)
    except PcfError:
        return None
    dim = plan.dims.get(Key(EMISSION if isinstance(decl, n.Emission) else LET, decl.name))
    return None if dim is None else format_dim(dim)


def _overridden(ws, text: str, path: str, decl) -> Place | None:
    """Where the base method declares what `decl` (an `override` in this file) replaces."""
    if not getattr(decl, "override", False) or decl.span.path != path:
        return None
    return _replaced_at(ws, text, path, decl.span.line)


def _replaced_at(ws, text: str, path: str, line: int) -> Place | None:
    """Where a base declares what the `override` on (1-based) `line` of this file replaces."""
    try:
        method = ws.resolve(build_method(text, path))
    except PcfError:
        return None
    for o in method.overrides:
        if o.span.path == path and o.span.line == line:
            return Place(str(Path(o.replaced.path).resolve()), o.replaced.line - 1, max(o.replaced.column - 1, 0))
    return None


def _kb_hover(ws, ident: str) -> str | None:
    versions = ws.kb.by_id.get(ident)
    if not versions:
        return None
    e = versions[-1]
    src = ws.kb.sources.get(e.source)
    lines = [f"**kb.{ident}** — {e.name_zh or e.name_en or ''}".rstrip(" —"),
             "", f"{e.value if e.value is not None else '= ' + (e.formula or '')} {e.unit} ({e.basis}), "
                 f"{', '.join(v.period for v in versions)}"]
    if src is not None:
        lines.append(f"source: {src.title} — {src.issuer}, {src.year}; licence: {src.licence or 'not recorded'}")
    if e.confidence:
        lines.append(f"confidence: {e.confidence}" + ("" if e.default else ", not a default (pin a year)"))
    return "\n".join(lines)


def definition(ws, text: str, path: str, line: int, character: int) -> Place | None:
    token = token_at(text, line, character)
    if token is None:
        return None
    if token.startswith("kb."):
        versions = ws.kb.by_id.get(token[3:])
        if not versions:
            return None
        span = versions[-1].span
        return Place(str(Path(span.path).resolve()), span.line - 1, 0)
    row = text.split("\n")[line]
    listed = re.search(r"\bextends\s+([a-z0-9_.,\s]+)", row) if re.match(r"^\s*method\b", row) else None
    for base in re.finditer(r"[a-z0-9_]+(?:\.[a-z0-9_]+)*", listed.group(1)) if listed else ():
        if listed.start(1) + base.start() <= character <= listed.start(1) + base.end():   # one of `extends a, b`
            from ..language.library import find_method
            try:
                return Place(str(find_method(base.group(0), None, ws.methods_dir, near=Path(path).parent)), 0, 0)
            except PcfError:
                return None
    if re.match(r"^\s*override\b", row):
        # from an override to what it replaces (a setting, a stage, a let ... of a base method)
        place = _replaced_at(ws, text, path, line + 1)
        if place is not None:
            return place
    decl = _declarations(ws, text, path).get(token)
    if decl is None:
        return None
    return Place(str(Path(decl.span.path).resolve()) if decl.span.path != path else path,
                 decl.span.line - 1, max(decl.span.column - 1, 0))


def references(text: str, path: str, line: int, character: int) -> list[Place]:
    """Every use of the name under the cursor in this file (outside strings and comments)."""
    token = token_at(text, line, character)
    if token is None or token.startswith("kb.") or token in KEYWORDS:
        return []
    return _word_places(text, path, token)


def formatted(text: str, path: str) -> str | None:
    """The file in pcf's canonical layout, comments and blank lines kept (language/layout.py), or
    None: when it is already so, does not parse, or its comments cannot be placed."""
    from ..language.layout import LayoutError, format_file
    try:
        out = format_file(text, path)
    except (PcfError, LayoutError):
        return None
    return out if out != text else None


def rename_edits(ws, text: str, path: str, line: int, character: int, new: str) -> dict[str, list[Place]] | None:
    """Where to write `new` for the input, let, emission, table or map under the cursor: this file,
    and the methods beside it that extend this one (they may use or override the name). None when
    the cursor is on no renamable name or `new` is not a name."""
    token = token_at(text, line, character)
    decl = _declarations(ws, text, path).get(token) if token else None
    if decl is None or not isinstance(decl, (n.Input, n.Let, n.Emission, n.Table, n.Map)) \
            or not NAME_TOKEN.fullmatch(new) or new in KEYWORDS:
        return None
    out = {path: references(text, path, line, character)}
    try:
        me = build_method(text, path).id
    except PcfError:
        return out
    from ..language.library import local_method_ids
    for other in local_method_ids(Path(path).parent).values():
        if str(other) == str(Path(path).resolve()) or other.resolve() == Path(path).resolve():
            continue
        try:
            body = other.read_text(encoding="utf-8")
            variant = build_method(body, str(other))
        except (OSError, UnicodeDecodeError, PcfError):
            continue
        if me in variant.parents:
            found = [p for p in _word_places(body, str(other), token)]
            if found:
                out[str(other)] = found
    return out


def _word_places(text: str, path: str, token: str) -> list[Place]:
    word = re.compile(rf"(?<![A-Za-z0-9_.]){re.escape(token)}(?![A-Za-z0-9_])")
    return [Place(path, i, m.start()) for i, row in enumerate(_code_only(text).split("\n"))
            for m in word.finditer(row.split("#", 1)[0])]


def _code_only(text: str) -> str:
    """The text with strings blanked (a `#` or a name inside quotes is not code)."""
    return re.sub(r'"(?:[^"\\\n]|\\.)*"', lambda m: " " * len(m.group(0)), text)


SEMANTIC_TYPES = ("keyword", "variable", "function", "type", "number", "string", "comment", "namespace",
                  "enumMember", "property")


def semantic_tokens(ws, text: str, path: str) -> list[tuple[int, int, int, str]]:
    """(line, start, length, type) of each token, by what it is: a kb id, a number, a unit, a
    keyword, and each name by its declaration (inputs and lets as variables, emissions as functions,
    tables and maps as types, stages as namespaces)."""
    kinds = {n.Input: "variable", n.Let: "variable", n.Emission: "function", n.Table: "type", n.Map: "type",
             n.Stage: "namespace", n.Check: "enumMember", n.Scenario: "enumMember"}
    decls = {name: kinds.get(type(d)) for name, d in _declarations(ws, text, path).items()}
    token = re.compile(r'(?P<comment>#.*)|(?P<string>"(?:[^"\\]|\\.)*")|(?P<kb>kb(?:\.[a-z0-9_]+)+)'
                       r"|(?P<number>[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)")
    out = []
    for i, row in enumerate(text.split("\n")):
        for m in token.finditer(row):
            kind = m.lastgroup
            word = m.group(0)
            if kind == "kb":
                t = "property"
            elif kind == "name":
                t = "keyword" if word in KEYWORDS else decls.get(word)
            else:
                t = kind
            if t is not None:
                out.append((i, m.start(), len(word), t))
    return out


def completions(ws, text: str, path: str, line: int, character: int, limit: int = 200) -> list[tuple[str, str, str]]:
    """(label, kind, detail) for what may be typed at the cursor."""
    row = text.split("\n")[line][:character] if line < len(text.split("\n")) else ""
    m = re.search(r"kb\.([a-z0-9_.]*)$", row)
    if m:
        prefix = m.group(1)
        out = []
        for ident, versions in ws.kb.by_id.items():
            if ident.startswith(prefix):
                e = versions[-1]
                src = ws.kb.sources.get(e.source)
                detail = f"{e.value if e.value is not None else '='} {e.unit} · {src.title if src else e.source}"
                out.append((ident, "kb", detail))
                if len(out) >= limit:
                    break
        return out
    m = UNIT_PLACE.search(row)
    if m:
        prefix = m.group("unit") or ""
        return [(u, "unit", detail) for u, detail in unit_choices(ws) if u.startswith(prefix)][:limit]
    names = [(name, KIND.get(type(d), "name"), getattr(d, "label", None) or "")
             for name, d in _declarations(ws, text, path).items()]
    return names + [(k, "keyword", "") for k in KEYWORDS]


# Where a unit is typed: after `name :` (an input or a table column) or after a number.
UNIT_PLACE = re.compile(r"(?:^\s*(?:override\s+)?(?:input\s+)?[A-Za-z_][A-Za-z0-9_]*\s*:\s*"
                        r"|(?<![A-Za-z_.])[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?\s+)(?P<unit>[A-Za-z][A-Za-z0-9_]*)?$")
_UNIT_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
# pint knows thousands of units; these everyday ones are offered even when no entry uses them.
COMMON_UNITS = ("g", "kg", "t", "mg", "J", "kJ", "MJ", "GJ", "Wh", "kWh", "MWh", "L", "m3", "m2", "m", "km",
                "tkm", "h", "day", "year", "item")


def unit_choices(ws) -> list[tuple[str, str]]:
    """(unit, its dimension) for the units this workplace uses: each one named in the unit
    definitions (kb/units.txt) and each word of a knowledge-base entry's unit, sorted."""
    from ..core.units import format_dim
    words = set(COMMON_UNITS)
    path = getattr(ws.units, "path", None)
    if path is not None:
        for row in Path(path).read_text(encoding="utf-8").splitlines():
            m = re.match(r"\s*([A-Za-z][A-Za-z0-9_]*)\s*=", row)
            if m:
                words.add(m.group(1))
    for unit in {versions[-1].unit for versions in ws.kb.by_id.values()}:
        words.update(_UNIT_WORD.findall(unit or ""))
    out = []
    for w in sorted(words, key=str.lower):
        try:
            out.append((w, "base unit " + format_dim(ws.units.parse(w).dim)))
        except Exception:   # noqa: BLE001 - a word that is not a unit on its own (a prefix of one) is left out
            continue
    return out


def symbols(text: str, path: str) -> list[Symbol]:
    """The declarations of this file (not of its bases), in order; [] while it does not parse."""
    try:
        method = build_method(text, path)
    except PcfError:
        return []
    out = []
    for d in method.decls:
        name = getattr(d, "name", None) or getattr(d, "id", None)
        if name is not None and d.span.path == path:
            out.append(Symbol(name, KIND.get(type(d), "declaration"), d.span.line - 1, max(d.span.column - 1, 0)))
    return out


def _declarations(ws, text: str, path: str) -> dict:
    """Name -> declaration, the base methods' included (the nearest wins); {} while it does not parse."""
    try:
        method = build_method(text, path)
    except PcfError:
        return {}
    try:
        method = ws.resolve(method)
    except PcfError:
        pass
    out = {}
    for d in method.decls:
        name = getattr(d, "name", None) or getattr(d, "id", None)
        if name is not None:
            out[name] = d
    return out
