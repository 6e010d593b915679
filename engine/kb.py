"""The factor knowledge base: TOML files under kb/ -> a frozen, validated `KnowledgeBase`.

Layout: `kb/sources.toml` is the bibliography (one table per source key); every other
`kb/**/*.toml` holds `[[entry]]` items. One id may have several entries for
non-overlapping validity periods (an annual series); `lookup` picks the one valid for a
year, as openfisca's dated parameters do.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from .errors import Diagnostic, PcfError, did_you_mean
from .source import Span
from .tomlfile import TomlDoc, read_toml
from .units import UnitError, Units, UnitSpec

DEFAULT_KB_DIR = Path(__file__).resolve().parent.parent / "kb"

ID_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
BASES = {"CO2e", "CO2", "C", "CH4", "N2O", "N2O-N", "GWP", "parameter"}
QUALITIES = {"measured", "same_process", "manufacturer", "regional", "national", "international"}
CONFIDENCES = {"confirmed-A", "confirmed-B", "unconfirmed"}
ENTRY_KEYS = {"id", "name_zh", "name_en", "value", "formula", "unit", "basis", "region",
              "valid_from", "valid_to", "data_year", "boundary", "quality", "confidence",
              "default", "source", "table", "note", "uncertainty", "gwp"}
SOURCE_KEYS = {"title", "title_en", "issuer", "document", "date", "year", "table", "url",
               "confidence", "note"}


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
class KnowledgeBase:
    root: str
    sources: Mapping[str, Source]
    by_id: Mapping[str, tuple[Entry, ...]]   # each sorted by valid_from
    units: Units = field(repr=False, compare=False)

    @property
    def entries(self) -> tuple[Entry, ...]:
        return tuple(e for k in sorted(self.by_id) for e in self.by_id[k])

    def __contains__(self, ident: str) -> bool:
        return ident in self.by_id

    def lookup(self, ident: str, year: int | None, span: Span | None = None,
               pinned: bool = False, fallback: bool = False) -> Lookup:
        """The entry of `ident` valid in `year`.

        No entry for that year: an error naming the years there are, unless `fallback`
        allows the latest earlier entry (the caller reports that as a warning).
        """
        versions = self.by_id.get(ident)
        if not versions:
            raise PcfError([Diagnostic("kb-unknown", f"unknown knowledge-base id `kb.{ident}`", span,
                                       hint=did_you_mean(ident, self.by_id))])
        if year is None:
            if len(versions) == 1:
                return Lookup(self._check_default(versions[0], span, pinned))
            raise PcfError([Diagnostic("kb-year", f"`kb.{ident}` has values for {_periods(versions)}: "
                                       "the case gives no data year", span,
                                       hint=f"pin one, e.g. `kb.{ident}[{versions[-1].valid_from}]`, "
                                            "or set `data_year` in case.toml")])
        for e in versions:
            if e.valid_in(year):
                return Lookup(self._check_default(e, span, pinned))
        earlier = [e for e in versions if e.valid_to is not None and e.valid_to < year]
        if fallback and earlier and not pinned:
            return Lookup(self._check_default(earlier[-1], span, pinned), fallback_from=year)
        raise PcfError([Diagnostic(
            "kb-year", f"`kb.{ident}` has no value for {year}; it has {_periods(versions)}", span,
            hint=(f"pin a year, e.g. `kb.{ident}[{_nearest(versions, year)}]`, or allow the latest "
                  "earlier value with `factor_year latest_earlier` in the method"))])

    def _check_default(self, e: Entry, span: Span | None, pinned: bool) -> Entry:
        if not e.default and not pinned:
            raise PcfError([Diagnostic(
                "kb-not-default", f"`kb.{e.id}` ({e.period}) is marked `{e.confidence}` and is not "
                "a default", span, hint=f"check its source first; to use it deliberately pin its year: "
                f"`kb.{e.id}[{e.valid_from or e.data_year}]`")])
        return e

    def search(self, text: str) -> list[Entry]:
        t = text.lower()
        out = []
        for e in self.entries:
            src = self.sources.get(e.source)
            hay = " ".join(filter(None, [e.id, e.name_zh, e.name_en, e.note, e.source,
                                         src and src.title, src and src.title_en, src and src.issuer]))
            if t in hay.lower():
                out.append(e)
        return out


def _periods(versions) -> str:
    return ", ".join(e.period for e in versions)


def _nearest(versions, year: int) -> int:
    ys = [y for e in versions for y in (e.valid_from, e.valid_to) if y is not None]
    return min(ys, key=lambda y: (abs(y - year), -y)) if ys else year


# --- loading --------------------------------------------------------------------------

def load_kb(root: Path, units: Units) -> KnowledgeBase:
    """Load and validate every file under `root`; all problems are reported together."""
    root = Path(root)
    problems: list[Diagnostic] = []
    if not root.is_dir():
        raise PcfError([Diagnostic("io", f"knowledge base folder not found: {root}", None, path=str(root))])
    sources: dict[str, Source] = {}
    src_path = root / "sources.toml"
    if src_path.exists():
        sources = _load_sources(read_toml(src_path), problems)
    else:
        problems.append(Diagnostic("kb-invalid", "kb/sources.toml is missing", None, path=str(src_path)))
    entries: list[Entry] = []
    for path in sorted(root.rglob("*.toml")):
        if path == src_path:
            continue
        try:
            doc = read_toml(path)
        except PcfError as exc:
            problems.extend(exc.diagnostics)
            continue
        entries.extend(_load_entries(doc, units, sources, problems))
    by_id: dict[str, list[Entry]] = {}
    for e in entries:
        by_id.setdefault(e.id, []).append(e)
    for ident, versions in by_id.items():
        versions.sort(key=lambda e: (e.valid_from if e.valid_from is not None else -10**9))
        for a, b in zip(versions, versions[1:]):
            a_end = a.valid_to if a.valid_to is not None else 10**9
            b_start = b.valid_from if b.valid_from is not None else -10**9
            if b_start <= a_end:
                problems.append(Diagnostic(
                    "kb-invalid", f"`{ident}`: validity {b.period} overlaps {a.period}", b.span,
                    related=(("the other entry", a.span),),
                    hint="one id has one value per period: close the earlier period with `valid_to`"))
        dims = {e.spec.dim for e in versions}
        if len(dims) > 1:
            problems.append(Diagnostic("kb-invalid", f"`{ident}`: its periods have different dimensions "
                                       f"({', '.join(sorted(e.unit for e in versions))})", versions[-1].span))
    if problems:
        raise PcfError(problems)
    return KnowledgeBase(str(root), sources, {k: tuple(v) for k, v in by_id.items()}, units)


def _load_sources(doc: TomlDoc, problems: list[Diagnostic]) -> dict[str, Source]:
    out = {}
    for key, raw in doc.data.items():
        if not isinstance(raw, dict):
            problems.append(doc.error("kb-invalid", key, "a source is a table: `[key]` with title, issuer, year"))
            continue
        unknown = set(raw) - SOURCE_KEYS
        if unknown:
            problems.append(doc.error("kb-invalid", f"{key}.{sorted(unknown)[0]}", "unknown field",
                                      hint=did_you_mean(sorted(unknown)[0], SOURCE_KEYS)))
        missing = [k for k in ("title", "issuer", "year") if k not in raw]
        if missing:
            problems.append(doc.error("kb-invalid", key, f"source lacks {', '.join(missing)}"))
            continue
        if not isinstance(raw["year"], int):
            problems.append(doc.error("kb-invalid", f"{key}.year", "year must be an integer"))
            continue
        out[key] = Source(key, str(raw["title"]), str(raw["issuer"]), raw["year"],
                          **{k: (str(raw[k]) if k in raw else None)
                             for k in ("title_en", "document", "date", "table", "url", "confidence", "note")})
    return out


def _load_entries(doc: TomlDoc, units: Units, sources: Mapping[str, Source],
                  problems: list[Diagnostic]) -> list[Entry]:
    raw_entries = doc.data.get("entry", [])
    extra = set(doc.data) - {"entry"}
    if extra:
        k = sorted(extra)[0]
        problems.append(doc.error("kb-invalid", k, "unknown top-level key; entries are `[[entry]]` items"))
    if not isinstance(raw_entries, list):
        problems.append(doc.error("kb-invalid", "entry", "`entry` must be an array of tables: `[[entry]]`"))
        return []
    out = []
    for i, raw in enumerate(raw_entries):
        key = f"entry[{i}]"
        before = len(problems)
        e = _entry(doc, key, raw, units, sources, problems)
        if e is not None and len(problems) == before:
            out.append(e)
    return out


def _entry(doc: TomlDoc, key: str, raw: dict, units: Units, sources, problems) -> Entry | None:
    def err(k: str, msg: str, hint: str | None = None):
        label = f"{key}.{k}" if k else key
        ident = raw.get("id") if isinstance(raw.get("id"), str) else None
        problems.append(Diagnostic("kb-invalid", f"{label}{f' ({ident})' if ident else ''}: {msg}",
                                   doc.span(label), hint=hint))

    for k in sorted(set(raw) - ENTRY_KEYS):
        err(k, "unknown field", did_you_mean(k, ENTRY_KEYS))
    ident = raw.get("id")
    if not isinstance(ident, str) or not ID_RE.match(ident):
        err("id", f"id must be dotted lowercase words like `cn.electricity.cfp.national`, found {ident!r}")
        return None
    for k in ("unit", "basis", "source"):
        if not isinstance(raw.get(k), str):
            err(k, f"`{k}` is required (a string)")
    has_value, has_formula = "value" in raw, "formula" in raw
    if has_value == has_formula:
        err("", "an entry has exactly one of `value` or `formula`")
    value = raw.get("value")
    if has_value:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            err("value", f"value must be a number, found {value!r}",
                'a unit goes in `unit = "..."`' if isinstance(value, str) else None)
            value = None
        elif not math.isfinite(value):
            err("value", f"value must be finite, found {value}")
        elif value < 0:
            err("value", f"value must not be negative, found {value} (removals are declared in methods)")
    if has_formula and not isinstance(raw.get("formula"), str):
        err("formula", "formula must be a string")
    basis = raw.get("basis")
    if isinstance(basis, str) and basis not in BASES:
        err("basis", f"unknown basis `{basis}`", f"one of {', '.join(sorted(BASES))}")
    src = raw.get("source")
    if isinstance(src, str) and src not in sources:
        err("source", f"unknown source `{src}`", did_you_mean(src, sources) or "add it to kb/sources.toml")
    for k, allowed in (("quality", QUALITIES), ("confidence", CONFIDENCES)):
        if k in raw and raw[k] not in allowed:
            err(k, f"unknown {k} `{raw[k]}`", f"one of {', '.join(sorted(allowed))}")
    for k in ("valid_from", "valid_to", "data_year"):
        if k in raw and (isinstance(raw[k], bool) or not isinstance(raw[k], int)):
            err(k, f"{k} must be a year (integer), found {raw[k]!r}")
    vf, vt = raw.get("valid_from"), raw.get("valid_to")
    if isinstance(vf, int) and isinstance(vt, int) and vt < vf:
        err("valid_to", f"valid_to {vt} is before valid_from {vf}")
    if "default" in raw and not isinstance(raw["default"], bool):
        err("default", "default must be true or false")
    if raw.get("confidence") == "unconfirmed" and raw.get("default", True):
        err("default", "an unconfirmed entry must not be a default", "add `default = false`")
    spec = None
    if isinstance(raw.get("unit"), str):
        try:
            spec = units.parse(raw["unit"])
        except UnitError as exc:
            err("unit", str(exc), exc.hint)
    unc = raw.get("uncertainty")
    if unc is not None and not isinstance(unc, dict):
        err("uncertainty", "uncertainty must be a table, e.g. `{ distribution = \"lognormal\", gsd = 1.2 }`")
    if spec is None or not isinstance(raw.get("basis"), str) or not isinstance(src, str):
        return None
    header = doc.span(key)
    return Entry(
        id=ident, unit=raw["unit"], spec=spec, basis=raw["basis"], source=src, span=header,
        value=float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None,
        formula=raw.get("formula") if isinstance(raw.get("formula"), str) else None,
        formula_line=doc.span(f"{key}.formula").line if "formula" in raw else None,
        name_zh=raw.get("name_zh"), name_en=raw.get("name_en"), region=raw.get("region"),
        valid_from=vf if isinstance(vf, int) else None, valid_to=vt if isinstance(vt, int) else None,
        data_year=raw.get("data_year") if isinstance(raw.get("data_year"), int) else None,
        boundary=raw.get("boundary"), quality=raw.get("quality"), confidence=raw.get("confidence"),
        default=raw.get("default", True) is not False, table=raw.get("table"), note=raw.get("note"),
        gwp=raw.get("gwp"),
        uncertainty=tuple(sorted(unc.items())) if isinstance(unc, dict) else None,
    )
