"""Method variants: a method that `extends` another inherits its declarations.

A declaration of the variant either adds something new or, written `override ...`,
replaces the base's declaration of the same name (setting, stage, or input/table/let/
emission, which share one namespace). Redefining without `override`, and an override of
something the base does not have, are errors that point at both places.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable

from ..core.errors import Diagnostic, PcfError, did_you_mean, fail
from ..core.keys import CHECK, NAME, RULE, SCENARIO, SETTING, STAGE, Key
from ..core.source import Span
from . import nodes as n

MAX_DEPTH = 32


def decl_key(d) -> Key:
    if isinstance(d, n.Setting):
        return Key(SETTING, d.key)
    if isinstance(d, n.Stage):
        return Key(STAGE, d.id)
    if isinstance(d, n.Rule):
        return Key(RULE, d.name)
    if isinstance(d, n.Check):
        return Key(CHECK, d.name)
    if isinstance(d, n.Scenario):
        return Key(SCENARIO, d.name)
    return Key(NAME, d.name)


def _show(key: Key) -> str:
    name = key.name
    return {SETTING: f"setting `{name}`", STAGE: f"stage `{name}`", RULE: f"rule `{name}`",
            CHECK: f"check `{name}`", SCENARIO: f"scenario `{name}`"}.get(key.kind, f"`{name}`")


def resolve(method: n.Method, load: Callable[[str, Span], n.Method]) -> n.Method:
    """`method` with its bases merged in; `load(id, span)` reads a base method.

    A method may name several bases (`extends battery.model, pas2050.base`: a product model and
    a standard): each is resolved on its own, then they are put together; a declaration two of
    them make (not one they both inherit) is an error unless `method` overrides it."""
    problems: list[Diagnostic] = []
    merged = _resolve(method, load, (), problems)
    if problems:
        raise PcfError(problems)
    return merged


def _resolve(method: n.Method, load, below: tuple[str, ...], problems: list[Diagnostic]) -> n.Method:
    path = (*below, method.id)
    if not method.parents:
        for d in (*method.settings, *method.decls):
            if d.override:
                problems.append(Diagnostic("override", f"`override` of {_show(decl_key(d))}, but method "
                                           f"`{method.id}` extends nothing", d.span, hint="remove `override`"))
        return method
    if len(path) > MAX_DEPTH:
        raise fail("override", f"method `{path[0]}` extends a chain of more than {MAX_DEPTH} "
                   f"methods (at `{method.id}`, which extends `{method.parents[0]}`)", method.span,
                   hint="a variant extends a base method, rarely more than three deep")
    bases = []
    for ident in method.parents:
        if ident in path:
            raise fail("cycle", f"methods extend each other in a circle: {' -> '.join((*path, ident))}", method.span)
        bases.append(_resolve(load(ident, method.span), load, path, problems))
    base, origin = bases[0], {}
    if len(bases) > 1:
        chosen = {decl_key(d) for d in (*method.settings, *method.decls) if d.override}
        base, origin = _together(bases, chosen, method, problems)
    return _merge(base, method, problems, origin)


def _together(bases: list[n.Method], chosen: set, child: n.Method,
              problems: list[Diagnostic]) -> tuple[n.Method, dict]:
    """Several resolved bases as one, and which base each declaration comes from: every
    declaration of each; one that two bases make differently (not the same declaration inherited
    by both) must be overridden by `child`."""
    settings: dict = {}
    decls: dict = {}
    origin: dict = {}
    # A base's override of a declaration another base inherits unchanged is the more specific one,
    # and wins (`extends can.model, recycling.cff`: both extend recycling.cut_off, and recycling.cff
    # overrides its formulas); through several overrides too (replaced_by is followed to its end).
    replaced_by = {o.replaced: o.span for b in bases for o in b.overrides}

    def overrides(new: Span, old: Span) -> bool:
        seen = set()
        while old in replaced_by and old not in seen:
            seen.add(old)
            old = replaced_by[old]
            if old == new:
                return True
        return False

    for b in bases:
        for d in (*b.settings, *b.decls):
            key = decl_key(d)
            table = settings if isinstance(d, n.Setting) else decls
            old = table.get(key)
            if old is None:
                table[key] = d
                origin[key] = b.id
            elif old.span == d.span or overrides(old.span, d.span):
                continue
            elif overrides(d.span, old.span):
                table[key] = d
                origin[key] = b.id
            elif key not in chosen:
                problems.append(Diagnostic(
                    "duplicate", f"{_show(key)} is declared by both `{origin[key]}` and `{b.id}`, which "
                    f"`{child.id}` extends", child.span, related=(("declared", old.span), ("declared", d.span)),
                    hint=f"override it in `{child.id}` to choose, or remove it from one of them"))
    first = bases[0]
    also = tuple(x for b in bases[1:] for x in (b.id, *b.bases))
    return (replace(first, settings=tuple(settings.values()), decls=tuple(decls.values()),
                    bases=(*first.bases, *also), overrides=tuple(o for b in bases for o in b.overrides)), origin)


def _merge(base: n.Method, child: n.Method, problems: list[Diagnostic], origin: dict | None = None) -> n.Method:
    """`child` over `base`; `origin` names the base each key comes from when there are several."""
    origin = origin or {}
    settings = {decl_key(s): s for s in base.settings}
    decls = {decl_key(d): d for d in base.decls}
    overrides = list(base.overrides)
    for d in (*child.settings, *child.decls):
        key = decl_key(d)
        table = settings if isinstance(d, n.Setting) else decls
        old = table.get(key)
        if old is not None and not d.override:
            problems.append(Diagnostic(
                "duplicate", f"{_show(key)} is already defined by base method `{origin.get(key, base.id)}`", d.span,
                related=(("defined", old.span),),
                hint=f"write `override {_keyword(d)} ...` to replace it, or choose another name"))
        elif old is None and d.override:
            names = [k.name for k in table if k.kind == key.kind]
            problems.append(Diagnostic(
                "override", f"`override` of {_show(key)}, but {_bases_text(child, base)} no such declaration",
                d.span, hint=did_you_mean(key.name, names) or "remove `override` to add it"))
        else:
            if old is not None:
                overrides.append(n.Override(key, origin.get(key, base.id), d.span, old.span))
            table[key] = d  # dict keeps the base's position for a replaced key
    return replace(child, extends=child.extends, settings=tuple(settings.values()), decls=tuple(decls.values()),
                   bases=(base.id, *base.bases), overrides=tuple(overrides))


def _bases_text(child: n.Method, base: n.Method) -> str:
    if len(child.parents) > 1:
        return "its bases " + ", ".join(f"`{p}`" for p in child.parents) + " have"
    return f"base method `{base.id}` has"


def _keyword(d) -> str:
    if isinstance(d, n.Setting):
        return d.key
    return type(d).__name__.lower()
