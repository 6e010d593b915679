"""The knowledge base as data: sources, entries (one id may hold an annual series of
non-overlapping validity periods) and the `KnowledgeBase` that looks an id up for a year,
as openfisca's dated parameters do. Loading and validation are kb.py's."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Mapping

from ..core.errors import did_you_mean, fail
from ..core.source import Span
from ..core.units import Units, UnitSpec
from ..core.years import periods


@dataclass(frozen=True)
class Source:
    key: str
    title: str
    issuer: str
    year: int
    title_en: str | None = None
    document: str | None = None
    date: str | None = None
    table: str | None = None
    url: str | None = None
    confidence: str | None = None
    note: str | None = None
    licence: str | None = None          # SPDX id, or the source's own terms ("terms not stated")
    redistribution: bool | None = None  # None: the terms do not say


@dataclass(frozen=True)
class Entry:
    id: str
    unit: str
    spec: UnitSpec
    basis: str
    source: str
    span: Span                      # file and line of the entry's [[entry]] header
    value: float | None = None
    formula: str | None = None
    formula_line: int | None = None
    name_zh: str | None = None
    name_en: str | None = None
    region: str | None = None
    valid_from: int | None = None
    valid_to: int | None = None
    data_year: int | None = None
    boundary: str | None = None
    quality: str | None = None
    confidence: str | None = None
    default: bool = True
    table: str | None = None
    note: str | None = None
    gwp: str | None = None
    uncertainty: tuple[tuple[str, object], ...] | None = None
    parts: tuple[tuple[str, float, str], ...] | None = None   # (gas, value, unit): kbparts.py
    key: str = ""                   # TOML key path in its file, e.g. `entry[3]`

    def valid_in(self, year: int) -> bool:
        return (self.valid_from is None or self.valid_from <= year) and \
               (self.valid_to is None or year <= self.valid_to)

    @property
    def period(self) -> str:
        a = "…" if self.valid_from is None else str(self.valid_from)
        b = "…" if self.valid_to is None else str(self.valid_to)
        return a if a == b else f"{a}–{b}"

    @property
    def base_value(self) -> float | None:
        return None if self.value is None else self.spec.to_base(self.value)


@dataclass(frozen=True)
class Lookup:
    entry: Entry
    fallback_from: int | None = None   # the year asked, when an earlier entry stood in


@dataclass(frozen=True)
class Layer:
    """One folder of a layered knowledge base (layers.py): `kind` says where it came from."""
    kind: str     # library | --kb | project | case
    root: str     # the folder, as shown


@dataclass(frozen=True)
class Shadow:
    """What a later layer hid: the versions an id had in an earlier layer."""
    layer: Layer
    versions: tuple[Entry, ...]


@dataclass(frozen=True)
class KnowledgeBase:
    root: str
    sources: Mapping[str, Source]
    by_id: Mapping[str, tuple[Entry, ...]]   # ids in sorted order; each tuple sorted by valid_from
    units: Units = field(repr=False, compare=False)
    # Layers (layers.py), lowest first; empty for a single folder. `origin`: the layer an id's
    # entries come from, for ids a layer above the first gave; `shadowed`: what they hide.
    layers: tuple[Layer, ...] = ()
    origin: Mapping[str, Layer] = field(default_factory=dict)
    shadowed: Mapping[str, tuple[Shadow, ...]] = field(default_factory=dict)

    def layer_of(self, ident: str) -> Layer | None:
        """The layer an id's entries come from (None for a single-folder knowledge base)."""
        return self.origin.get(ident) or (self.layers[0] if self.layers else None)

    @cached_property
    def entries(self) -> tuple[Entry, ...]:
        return tuple(e for k in sorted(self.by_id) for e in self.by_id[k])

    def __contains__(self, ident: str) -> bool:
        return ident in self.by_id

    def lookup(self, ident: str, year: int | None, span: Span | None = None,
               pinned: bool = False, fallback: bool = False) -> Lookup:
        """The entry of `ident` valid in `year`.

        No entry for that year: an error naming the nearest years, unless `fallback` allows
        the latest earlier entry (the caller reports that as a `factor-year-fallback`
        warning). A pinned year never falls back. An entry that is not a default
        (`confidence = "unconfirmed"`) is only returned when its year is pinned.
        """
        versions = self.by_id.get(ident)
        if not versions:
            raise fail("kb-unknown", f"unknown knowledge-base id `kb.{ident}`", span,
                       hint=did_you_mean(ident, self.by_id))
        if year is None:
            if len(versions) == 1:
                return Lookup(_check_default(versions[0], span, pinned))
            raise fail("kb-year", f"`kb.{ident}` has values for {periods(versions)}: "
                       "the case gives no data year", span,
                       hint=f"pin one, e.g. `kb.{ident}[{_pin_year(versions[-1])}]`, "
                            "or set `data_year` in case.toml")
        for e in versions:
            if e.valid_in(year):
                return Lookup(_check_default(e, span, pinned))
        earlier = [e for e in versions if e.valid_to is not None and e.valid_to < year]
        if fallback and earlier and not pinned:
            return Lookup(_check_default(earlier[-1], span, pinned), fallback_from=year)
        later = [e for e in versions if e.valid_from is not None and e.valid_from > year]
        nearest = ([earlier[-1]] if earlier else []) + ([later[0]] if later else [])
        hint = f"pin a year, e.g. `kb.{ident}[{_pin_year(min(nearest, key=lambda e: _distance(e, year)))}]`"
        if earlier and not pinned:
            hint += ", or allow the latest earlier value with `factor_year latest_earlier` in the method"
        raise fail(
            "kb-year", f"`kb.{ident}` has no value for {year}; nearest: "
            f"{' and '.join(e.period for e in nearest)} (it has {periods(versions)})", span, hint=hint)

    def search(self, text: str) -> list[Entry]:
        """Entries whose id, names, note, region or source (key, titles, issuer) contain `text`,
        those where it stands as a whole word first (`PET` before `petrol`)."""
        t = text.lower()
        word = re.compile(rf"(?<![a-z0-9]){re.escape(t)}(?![a-z0-9])")
        out, partial = [], []
        for e in self.entries:
            src = self.sources.get(e.source)
            hay = " ".join(filter(None, [e.id, e.name_zh, e.name_en, e.note, e.region, e.source,
                                         src and src.title, src and src.title_en, src and src.issuer,
                                         src and src.document]))
            hay = hay.lower()
            if t in hay:
                (out if word.search(hay) else partial).append(e)
        return out + partial


def _check_default(e: Entry, span: Span | None, pinned: bool) -> Entry:
    if not e.default and not pinned:
        raise fail(
            "kb-not-default", f"`kb.{e.id}` ({e.period}) is marked `{e.confidence}` and is not "
            "a default", span, hint=f"check its source first; to use it deliberately pin its year: "
            f"`kb.{e.id}[{_pin_year(e)}]`")
    return e


def _pin_year(e: Entry) -> int | str:
    return next((y for y in (e.valid_to, e.valid_from, e.data_year) if y is not None), "YEAR")


def _distance(e: Entry, year: int) -> int:
    return min(abs(y - year) for y in (e.valid_from, e.valid_to) if y is not None)
