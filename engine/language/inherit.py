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
    """`method` with its `extends` chain merged in; `load(id, span)` reads a base method."""
    chain = [method]
    while chain[-1].extends is not None:
        ident = chain[-1].extends
        if ident in [m.id for m in chain]:
            path = " -> ".join([m.id for m in chain] + [ident])
            raise fail("cycle", f"methods extend each other in a circle: {path}", chain[-1].span)
        if len(chain) > MAX_DEPTH:
            raise fail("override", f"method `{method.id}` extends a chain of more than {MAX_DEPTH} "
                       f"methods (at `{chain[-1].id}`, which extends `{ident}`)", chain[-1].span,
                       hint="a variant extends a base method, rarely more than three deep")
        chain.append(load(ident, chain[-1].span))
    base = chain[-1]
    problems: list[Diagnostic] = []
    for d in (*base.settings, *base.decls):
        if d.override:
            problems.append(Diagnostic("override", f"`override` of {_show(decl_key(d))}, but method `{base.id}` "
                                       "extends nothing", d.span, hint="remove `override`"))
    merged = base
    for child in reversed(chain[:-1]):
        merged = _merge(merged, child, problems)
    if problems:
        raise PcfError(problems)
    return merged


def _merge(base: n.Method, child: n.Method, problems: list[Diagnostic]) -> n.Method:
    settings = {decl_key(s): s for s in base.settings}
    decls = {decl_key(d): d for d in base.decls}
    overrides = list(base.overrides)
    for d in (*child.settings, *child.decls):
        key = decl_key(d)
        table = settings if isinstance(d, n.Setting) else decls
        old = table.get(key)
        if old is not None and not d.override:
            problems.append(Diagnostic(
                "duplicate", f"{_show(key)} is already defined by base method `{base.id}`", d.span,
                related=(("defined", old.span),),
                hint=f"write `override {_keyword(d)} ...` to replace it, or choose another name"))
        elif old is None and d.override:
            names = [k.name for k in table if k.kind == key.kind]
            problems.append(Diagnostic(
                "override", f"`override` of {_show(key)}, but base method `{base.id}` has no such declaration",
                d.span, hint=did_you_mean(key.name, names) or "remove `override` to add it"))
        else:
            if old is not None:
                overrides.append(n.Override(key, base.id, d.span, old.span))
            table[key] = d  # dict keeps the base's position for a replaced key
    return replace(child, extends=child.extends, settings=tuple(settings.values()), decls=tuple(decls.values()),
                   bases=(base.id, *base.bases), overrides=tuple(overrides))


def _keyword(d) -> str:
    if isinstance(d, n.Setting):
        return d.key
    return type(d).__name__.lower()
