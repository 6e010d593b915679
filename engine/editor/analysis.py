"""What an editor asks about a method file, answered by the engine itself (no second parser).

Pure functions over the text of a `.pcf` file and a loaded `Workspace` (units, knowledge base,
method library), so they are tested without a protocol: `lsp.py` only wires them to the Language
Server Protocol. Positions are 0-based (line, character), as LSP counts them; pcf's spans are
1-based and converted here.

- `diagnostics`: the same errors and warnings as `pcf check FILE.pcf` (parse, names, units, the
  knowledge base, the bases it extends, its scenarios), each with its code, span and hint;
- `hover`: a `kb.` id's value, unit, validity, source and licence; a name's declaration (an
  input's unit and label, a let's formula, an emission's stage, a base method's file);
- `definition`: where a name is declared (in this file or a base), where a kb entry is written
  (its TOML file and line), the file of an `extends` base;
- `references`: every use of a name in the file; `rename_edits` there and in the variants beside it that
  extend the method;
- `formatted`: the canonical layout (refused for a file with comments: the printer drops them);
- `semantic_tokens`: names coloured by what they declare;
- `completions`: `kb.` ids by prefix (value and source in the detail), else the names in scope and
  the keywords;
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
    from ..evaluation.evaluate import plan_findings
    from ..plan import compile_method
    try:
        method = ws.resolve(build_method(text, path))
        plan = compile_method(method, ws.kb, ws.units, None, latest_when_no_year=True)
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
    if isinstance(decl, n.Emission):
        return head + f"\n\nstage `{decl.stage}`" + (f", tags {', '.join(decl.tags)}" if decl.tags else "")
    if isinstance(decl, n.Stage) and decl.excluded:
        return head + f"\n\nexcluded: {decl.excluded}"
    return head + f"\n\n{decl.span.path}:{decl.span.line}"


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
    base = re.search(r"\bextends\s+([a-z0-9_]+(?:\.[a-z0-9_]+)*)", row) if re.match(r"^\s*method\b", row) else None
    if base is not None and base.start(1) <= character <= base.end(1):
        from ..language.library import find_method
        try:
            return Place(str(find_method(base.group(1), None, ws.methods_dir, near=Path(path).parent)), 0, 0)
        except PcfError:
            return None
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
    """The file in pcf's canonical layout (language/format.py), or None: when it does not parse, or
    when it has comments, which the printer does not keep (formatting would delete them)."""
    if "#" in _code_only(text):
        return None
    try:
        method = build_method(text, path)
    except PcfError:
        return None
    from ..language.format import format_method
    out = format_method(method)
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
        if variant.extends == me:
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
    names = [(name, KIND.get(type(d), "name"), getattr(d, "label", None) or "")
             for name, d in _declarations(ws, text, path).items()]
    return names + [(k, "keyword", "") for k in KEYWORDS]


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
