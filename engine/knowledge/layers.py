"""Layered knowledge bases: the library, then folders that add entries or override them by id.

A company keeps its own factors (a supplier's measured figure, a licensed database's value)
without copying or editing the library. Layers, lowest first:

1. the library (`kb/` of pcf, or the folder `--library-kb` names);
2. each `--kb DIR` given on the command line, in order;
3. the project's: a `kb/` folder beside a parent of the case folder (as the project's `methods/`
   folder is found: up to three levels, the farthest first so the nearest wins), the library's
   own folder excepted;
4. the case's: the folders `kb = [...]` in case.toml names, then `<case>/kb/`.

A later layer's entries for an id replace every period of that id below: an override is a whole
series, so a year the company did not give never falls through to the library's value. Nothing
is hidden: `KnowledgeBase.origin` names the layer of each id a layer above the first gave and
`shadowed` keeps what it hides, which `pcf kb show`, `explain`, `report` and the finding
`kb-override` show. A layer's entries may cite its own sources.toml or any layer's below; an
override must measure what it replaces (one dimension), or a method written for the library's
entry would silently compute something else.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..core.errors import Diagnostic, PcfError, did_you_mean
from ..core.paths import DEFAULT_KB_DIR
from ..core.source import display_path
from ..core.units import Units, format_dim
from .kb import load_kb
from .kbmodel import Entry, KnowledgeBase, Layer, Shadow

PROJECT_LEVELS = 3   # as the project `methods/` folder: project/cases/<case>


@dataclass(frozen=True)
class KbChoice:
    """Which knowledge bases a command reads: the library folder and the `--kb` layers above it."""
    library: Path
    extra: tuple[Path, ...] = ()


def load_layered(choice: KbChoice, units: Units) -> KnowledgeBase:
    """The library with the `--kb` layers over it (a single-folder KB when there are none)."""
    kb = load_kb(choice.library, units)
    return overlay_all(kb, [("--kb", p) for p in choice.extra], units)


def overlay_all(kb: KnowledgeBase, folders: Sequence[tuple[str, Path]], units: Units) -> KnowledgeBase:
    """`kb` with each (kind, folder) laid over it in order; a folder already in the stack is skipped."""
    seen = {Path(kb.root).resolve(), *(Path(l.root).resolve() for l in kb.layers)}
    for kind, folder in folders:
        folder = Path(folder)
        if not folder.is_dir():
            raise PcfError([Diagnostic("io", f"knowledge base folder not found: {display_path(folder)}", None,
                                       path=display_path(folder))])
        if folder.resolve() in seen:
            continue
        seen.add(folder.resolve())
        kb = overlay(kb, load_kb(folder, units, overlay=True), Layer(kind, display_path(folder)))
    return kb


def overlay(base: KnowledgeBase, top: KnowledgeBase, layer: Layer) -> KnowledgeBase:
    """`top`'s entries over `base`'s, by id; raises PcfError for a citation of no layer's source or
    an override of another dimension."""
    first = base.layers[0] if base.layers else Layer("library", display_path(Path(base.root)))
    sources = {**base.sources, **top.sources}
    problems: list[Diagnostic] = []
    by_id = dict(base.by_id)
    origin = dict(base.origin)
    shadowed = dict(base.shadowed)
    for ident, versions in top.by_id.items():
        for e in versions:
            if e.source not in sources:
                problems.append(Diagnostic("kb-invalid", f"{e.key} ({e.id}): unknown source `{e.source}`", e.span,
                                           hint=did_you_mean(e.source, sources)
                                           or "add it to this layer's sources.toml or to a layer below"))
        below = by_id.get(ident)
        if below:
            if below[0].spec.dim != versions[0].spec.dim:
                problems.append(Diagnostic(
                    "kb-invalid", f"{versions[0].key} ({ident}) overrides an entry in {below[0].unit} with one in "
                    f"{versions[0].unit} ({format_dim(versions[0].spec.dim)})", versions[0].span,
                    related=(("the entry it overrides", below[0].span),),
                    hint="an override measures what it replaces; give a new id for another quantity"))
            shadowed[ident] = (*shadowed.get(ident, ()), Shadow(origin.get(ident, first), below))
        by_id[ident] = versions
        origin[ident] = layer
    if problems:
        raise PcfError(problems)
    return KnowledgeBase(base.root, sources, {k: by_id[k] for k in sorted(by_id)}, base.units,
                         layers=(*(base.layers or (first,)), layer), origin=origin, shadowed=shadowed)


def hidden_entry(kb: KnowledgeBase, ident: str, year: int | None) -> tuple[Shadow, Entry] | None:
    """What the layer just below the top one held for `ident`: its entry valid in `year`, else its
    latest; None when no layer hides anything for `ident`."""
    hidden = kb.shadowed.get(ident)
    if not hidden:
        return None
    below = hidden[-1]
    valid = [e for e in below.versions if year is not None and e.valid_in(year)]
    return below, (valid or list(below.versions))[-1]


def describe_hidden(kb: KnowledgeBase, ident: str, year: int | None) -> str | None:
    """`case layer case/kb, overriding the library entry 0.5777 kgCO2e/kWh (kb/….toml:189)`."""
    found = hidden_entry(kb, ident, year)
    if found is None:
        return None
    below, old = found
    layer = kb.layer_of(ident)
    was = f"{old.value:g} {old.unit}" if old.value is not None else f"= {old.formula}"
    return (f"{layer.kind} layer {layer.root}, overriding the {below.layer.kind} entry {was} "
            f"[{old.period}] ({old.span.path}:{old.span.line})")


def case_folders(case_dir: Path, named: Sequence[Path], library: Path) -> list[tuple[str, Path]]:
    """The project and case layers of a case folder, lowest first (`named`: case.toml's `kb`)."""
    case_dir = Path(case_dir)
    out: list[tuple[str, Path]] = []
    try:
        start = case_dir.resolve()
    except OSError:
        return out
    # Neither the library in use nor pcf's own library (a case beside pcf's source tree, read with
    # another library through --library-kb) is a project's layer.
    libraries = {Path(library).resolve(), DEFAULT_KB_DIR.resolve()}
    for parent in reversed(start.parents[:PROJECT_LEVELS]):
        folder = parent / "kb"
        if folder.is_dir() and folder.resolve() not in libraries and _holds_toml(folder):
            out.append(("project", folder))
    out.extend(("case", p) for p in named)
    own = case_dir / "kb"
    if own.is_dir() and _holds_toml(own):
        out.append(("case", own))
    return out


def _holds_toml(folder: Path) -> bool:
    """A `kb/` folder is a layer when it holds TOML (a folder of notes by that name is not)."""
    try:
        return next(folder.rglob("*.toml"), None) is not None
    except OSError:
        return False
