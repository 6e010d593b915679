"""The factor knowledge base: TOML files under kb/ -> a frozen, validated `KnowledgeBase`.

Layout: `kb/sources.toml` is the bibliography (one table per source key); every other
`kb/**/*.toml` holds `[[entry]]` items. One id may have several entries for
non-overlapping validity periods (an annual series); `lookup` picks the one valid for a
year, as openfisca's dated parameters do:

    >>> kb = load_kb(DEFAULT_KB_DIR, load_units())
    >>> kb.lookup("cn.electricity.co2.province.hunan", 2022).entry.value
    0.49

`load_kb` validates every entry (schema, units, sources, periods) and reports all problems
together; `check_kb` also parses every derived entry's formula and checks its references
and unit (what `pcf check kb/` runs). Parsing 50 000 entries of TOML takes over a second,
so a successful load is cached in compiled form (kbcache.py), keyed by the files' content;
the result is the same KnowledgeBase either way.
"""
from __future__ import annotations

import math
import re
from pathlib import Path
from sys import intern
from typing import Iterator, Mapping

import tomli

from ..core.errors import Diagnostic, PcfError, did_you_mean, fail
from ..core.gcpause import gc_paused
from ..core.source import Span, display_path
from ..core.units import Dim, UnitError, Units, format_dim
from ..core.years import YEARS, is_year
from ..files.inputfile import checked
from ..files.tomlfile import MAX_TOML_BYTES, TomlDoc, key_positions, read_toml
from . import kbcache
from .kbmodel import Entry, KnowledgeBase, Source
from .kbparts import check_all as check_parts, read_parts
from ..core.paths import DEFAULT_KB_DIR  # noqa: F401  (the library's folder, as callers name it)


ID_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
BASES = {"CO2e", "CO2", "C", "CH4", "N2O", "N2O-N", "GWP", "parameter"}
QUALITIES = {"measured", "same_process", "manufacturer", "regional", "national", "international"}
CONFIDENCES = {"confirmed-A", "confirmed-B", "unconfirmed"}
ENTRY_KEYS = {"id", "name_zh", "name_en", "value", "formula", "unit", "basis", "region",
              "valid_from", "valid_to", "data_year", "boundary", "quality", "confidence",
              "default", "source", "table", "note", "uncertainty", "gwp", "parts"}
TEXT_KEYS = ("name_zh", "name_en", "region", "boundary", "table", "note", "gwp")
SOURCE_KEYS = {"title", "title_en", "issuer", "document", "date", "year", "table", "url",
               "confidence", "note", "licence", "redistribution"}
# The substance a basis counts per unit of activity: its unit must carry it once, in the numerator.
BASIS_SUBSTANCES = {"CO2e": {"kgCO2e"}, "CO2": {"kgCO2"}, "C": {"kgC"}, "N2O": {"kgN2O"},
                    "N2O-N": {"kgN2O_N"}, "CH4": {"kgCH4", "kgCH4_fossil", "kgCH4_nonfossil"}}


# --- loading --------------------------------------------------------------------------

def load_kb(root: Path, units: Units, *, cache: bool = True, cache_dir: Path | None = None,
            overlay: bool = False) -> KnowledgeBase:
    """Load and validate every file under `root`; all problems are reported together.

    An `overlay` is a layer over other knowledge bases (layers.py): its sources.toml is
    optional and its entries may cite the sources of the layers below, which the merge checks.

    With `cache` (the default) a valid knowledge base is stored in compiled form under
    `cache_dir` (default `$XDG_CACHE_HOME/pcf`, else `~/.cache/pcf`) and reused while no
    file under `root` changes; the result is equal either way.
    """
    root = Path(root)
    if not root.is_dir():
        raise fail("io", f"knowledge base folder not found: {root}", None, path=str(root))
    with gc_paused():
        store = kbcache.Store(root, cache_dir, overlay) if cache else None

        def reload() -> dict[str, tuple[Entry, ...]]:
            # an id's cached rows turned out damaged when looked up: the files decide, and the cache is
            # rewritten (its key taken before they are read: a file edited meanwhile leaves it stale)
            store.stamp
            fresh = _load(root, units, overlay)
            store.write(*fresh)
            return fresh[1]
        loaded = store.read(units, reload) if store else None
        if loaded is None:
            loaded = _load(root, units, overlay)
            if store:
                store.write(*loaded)
    sources, by_id = loaded
    return KnowledgeBase(str(root), sources, by_id, units)




def _load(root: Path, units: Units, overlay: bool = False) -> tuple[dict[str, Source], dict[str, tuple[Entry, ...]]]:
    problems: list[Diagnostic] = []
    sources: dict[str, Source] = {}
    source_keys: set[str] | None = None   # None: no bibliography to check against (reported once)
    src_path = root / "sources.toml"
    if src_path.is_file():
        try:
            sources, source_keys = _load_sources(_read(src_path)[0], problems)
        except PcfError as exc:
            problems.extend(exc.diagnostics)
        if overlay:
            source_keys = None   # the merge checks citations against every layer's sources
    elif not overlay:
        problems.append(Diagnostic("kb-invalid", "sources.toml is missing: every knowledge base has a "
                                   "bibliography beside its entry folders", None, path=display_path(src_path)))
    entries: list[Entry] = []
    basis_memo: dict[tuple[str, str], str | None] = {}   # few distinct (basis, unit) pairs
    for path in kbcache.kb_files(root):
        if path == src_path:
            continue
        try:
            doc, text = _read(path)
        except PcfError as exc:
            problems.extend(exc.diagnostics)
            continue
        keys = source_keys
        if "source" in doc.data:   # `[source.<key>]` tables: the sources of this file's entries
            own = _file_sources(doc, problems)
            for k in sorted(own.keys() & sources.keys()):
                problems.append(doc.error("kb-invalid", f"source.{k}", f"source `{k}` is defined twice "
                                          f"(also in {display_path(src_path) if k in (source_keys or ()) else 'another file'})"))
            sources.update(own)
            keys = None if source_keys is None else source_keys | own.keys()
        entries.extend(_load_entries(doc, text, units, keys, basis_memo, problems))
    grouped: dict[str, list[Entry]] = {}
    for e in entries:
        grouped.setdefault(e.id, []).append(e)
    for versions in grouped.values():
        versions.sort(key=lambda e: (e.valid_from if e.valid_from is not None else -10**9))
        _check_periods(versions, problems)
    check_parts(grouped, units, problems)
    if problems:
        raise PcfError(problems)
    return sources, {k: tuple(grouped[k]) for k in sorted(grouped)}


def _read(path: Path) -> tuple[TomlDoc, str]:
    """A TOML file whose key lines are found only when an error needs them (they cost more
    than the parse); any failure is reported by tomlfile.read_toml with its position."""
    checked(path, None, None, "knowledge-base file")   # a FIFO or a device is refused, not waited on
    try:
        raw = path.read_bytes()
        if len(raw) > MAX_TOML_BYTES:
            raise ValueError("too large")
        text = raw.decode("utf-8-sig").replace("\r\n", "\n")
        data = tomli.loads(text)
    except (OSError, ValueError, RecursionError):  # TOMLDecodeError and UnicodeDecodeError are ValueErrors
        read_toml(path)   # the same read again, raising its positioned diagnostic
        raise
    positions = _KeyPositions(text)
    return TomlDoc(display_path(path), data, _Lazy(positions, 0), _Lazy(positions, 1)), text


class _KeyPositions:
    """Where each key path of a TOML text is, scanned on first use: only errors need it."""

    def __init__(self, text: str):
        self._text: str | None = text
        self._found: dict[str, tuple[int, int, int]] = {}

    def get(self) -> dict[str, tuple[int, int, int]]:
        if self._text is not None:
            self._found, self._text = key_positions(self._text), None
        return self._found


class _Lazy(Mapping):
    """Key path -> line (`part` 0) or (first, past-last) column (`part` 1), as TomlDoc holds them."""

    def __init__(self, positions: _KeyPositions, part: int):
        self._positions, self._part = positions, part

    def __getitem__(self, key: str):
        found = self._positions.get()[key]
        return found[0] if self._part == 0 else found[1:]

    def __iter__(self) -> Iterator[str]:
        return iter(self._positions.get())

    def __len__(self) -> int:
        return len(self._positions.get())


# Led by a literal newline, the pattern is found by a fast scan (`^` with re.M tries every offset).
_ENTRY_LINE = re.compile(r"\n[ \t]*(\[\[[ \t]*entry[ \t]*\]\]|formula[ \t]*=)")


def _entry_lines(path: str, text: str, count: int) -> tuple[list[Span], dict[int, int]] | None:
    """Spans of the `[[entry]]` headers and lines of each entry's `formula`, in one regex
    pass; None when the file is not written that plain way (the full key scan then decides)."""
    headers: list[Span] = []
    formulas: dict[int, int] = {}
    text = "\n" + text   # so that the first line, too, follows a newline
    line, pos = 0, 0
    for m in _ENTRY_LINE.finditer(text):
        line += text.count("\n", pos, m.start() + 1)
        pos = m.start() + 1
        if m.group(1)[0] == "[":
            col = m.start(1) - m.start()
            headers.append(Span(path, line, col, line, col + len(m.group(1))))
        elif headers:
            formulas.setdefault(len(headers) - 1, line)
    return (headers, formulas) if len(headers) == count else None


def _load_sources(doc: TomlDoc, problems: list[Diagnostic]) -> tuple[dict[str, Source], set[str]]:
    out = {}
    for key, raw in doc.data.items():
        if not isinstance(raw, dict):
            problems.append(doc.error("kb-invalid", key,
                                      "a source is a table: `[key]` with title, issuer, year"))
            continue
        for k in sorted(set(raw) - SOURCE_KEYS):
            problems.append(doc.error("kb-invalid", f"{key}.{k}", "unknown field",
                                      hint=did_you_mean(k, SOURCE_KEYS)))
        missing = [k for k in ("title", "issuer", "year") if k not in raw]
        if missing:
            problems.append(doc.error("kb-invalid", key, f"source lacks {', '.join(f'`{k}`' for k in missing)}",
                                      hint="every source names its title, issuing body and year"))
            continue
        bad = [k for k in sorted(raw) if k not in ("year", "redistribution") and not isinstance(raw[k], str)]
        for k in bad:
            problems.append(doc.error("kb-invalid", f"{key}.{k}", f"{k} must be a string, found {raw[k]!r}"))
        if "redistribution" in raw and not isinstance(raw["redistribution"], bool):
            bad.append("redistribution")
            problems.append(doc.error("kb-invalid", f"{key}.redistribution",
                                      f"redistribution must be true or false, found {raw['redistribution']!r}",
                                      hint="leave it out where the source's terms do not say"))
        if not is_year(raw["year"]):
            problems.append(doc.error("kb-invalid", f"{key}.year",
                                      f"year must be a year (an integer), found {raw['year']!r}"))
            continue
        if not bad:
            out[key] = Source(key, raw["title"], raw["issuer"], raw["year"],
                              **{k: raw.get(k) for k in ("title_en", "document", "date", "table", "url",
                                                         "confidence", "note", "licence", "redistribution")})
    return out, set(doc.data)


def _file_sources(doc: TomlDoc, problems: list[Diagnostic]) -> dict[str, Source]:
    """The `[source.<key>]` tables of an entries file (an imported supplier footprint carries its
    own bibliography), read as sources.toml's tables are, positioned at `source.<key>`."""
    raw = doc.data["source"]
    if not isinstance(raw, dict):
        problems.append(doc.error("kb-invalid", "source", "`source` holds tables: [source.<key>] with title, issuer, year"))
        return {}
    sub = TomlDoc(doc.path, raw, _Prefixed(doc.lines, "source."), _Prefixed(doc.columns, "source."))
    return _load_sources(sub, problems)[0]


class _Prefixed(Mapping):
    """A key-position mapping seen from inside a table: `k` -> the parent's `prefix + k`."""

    def __init__(self, inner: Mapping, prefix: str):
        self._inner, self._prefix = inner, prefix

    def __getitem__(self, key: str):
        return self._inner[self._prefix + key]

    def __iter__(self):
        return (k[len(self._prefix):] for k in self._inner if k.startswith(self._prefix))

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _load_entries(doc: TomlDoc, text: str, units: Units, source_keys: set[str] | None,
                  basis_memo: dict, problems: list[Diagnostic]) -> list[Entry]:
    raw_entries = doc.data.get("entry", [])
    for k in sorted(set(doc.data) - {"entry", "source"}):
        at = k if k in doc.lines else f"{k}[0]"   # an array of tables has lines per item
        problems.append(Diagnostic("kb-invalid", f"{k}: unknown top-level key; entries are `[[entry]]` items",
                                   doc.span(at), hint=did_you_mean(k, ["entry"])))
    if not isinstance(raw_entries, list):
        problems.append(doc.error("kb-invalid", "entry", "`entry` must be an array of tables: `[[entry]]`"))
        return []
    lines = _entry_lines(doc.path, text, len(raw_entries))
    out = []
    for i, raw in enumerate(raw_entries):
        key = f"entry[{i}]"
        if lines:
            header, formula_line = lines[0][i], lines[1].get(i)
        else:
            header, formula_line = doc.span(key), doc.span(f"{key}.formula").line
        e = _entry(doc, key, raw, units, source_keys, basis_memo, problems, header, formula_line)
        if e is not None:
            out.append(e)
    return out


def _entry(doc: TomlDoc, key: str, raw, units: Units, source_keys: set[str] | None, basis_memo: dict,
           problems: list[Diagnostic], header: Span, formula_line: int | None) -> Entry | None:
    """One validated entry, or None after recording its problems."""
    if not isinstance(raw, dict):
        problems.append(doc.error("kb-invalid", key, "an entry is a table: `[[entry]]` with id, value, unit, ..."))
        return None
    before = len(problems)
    ident = raw.get("id")

    def err(k: str, msg: str, hint: str | None = None, code: str = "kb-invalid", at: str | None = None):
        label = f"{key}.{k}" if k else key
        shown = f" ({ident})" if isinstance(ident, str) else ""
        problems.append(Diagnostic(code, f"{label}{shown}: {msg}", doc.span(f"{key}.{at}" if at else label),
                                   hint=hint))

    for k in sorted(raw.keys() - ENTRY_KEYS):
        err(k, "unknown field", did_you_mean(k, ENTRY_KEYS))
    if not isinstance(ident, str) or not ID_RE.match(ident):
        err("id", f"id must be dotted lowercase words like `cn.electricity.cfp.national`, found {ident!r}")
    for k in ("unit", "basis", "source"):
        if not isinstance(raw.get(k), str):
            err(k, f"`{k}` is required (a string)" if k not in raw else f"{k} must be a string, found {raw[k]!r}")
    for k in TEXT_KEYS:
        if k in raw and not isinstance(raw[k], str):
            err(k, f"{k} must be a string, found {raw[k]!r}")
    has_value, has_formula = "value" in raw, "formula" in raw
    if has_value == has_formula:
        err("", "an entry has exactly one of `value` or `formula`")
    value = raw.get("value")
    if has_value:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            err("value", f"value must be a number, found {value!r}",
                'a unit goes in `unit = "..."`' if isinstance(value, str) else None)
        elif not _finite(value):
            err("value", f"value must be finite, found {value}", code="bad-number")
        elif value < 0:
            err("value", f"value must not be negative, found {value} (removals are declared in methods)",
                code="bad-number")
    if has_formula and not isinstance(raw["formula"], str):
        err("formula", "formula must be a string")
    basis = raw.get("basis")
    if isinstance(basis, str) and basis not in BASES:
        err("basis", f"unknown basis `{basis}`", f"one of {', '.join(sorted(BASES))}")
    src = raw.get("source")
    if isinstance(src, str) and source_keys is not None and src not in source_keys:
        err("source", f"unknown source `{src}`", did_you_mean(src, source_keys) or "add it to sources.toml")
    for k, allowed in (("quality", QUALITIES), ("confidence", CONFIDENCES)):
        if k in raw and raw[k] not in allowed:
            err(k, f"unknown {k} `{raw[k]}`", f"one of {', '.join(sorted(allowed))}")
    for k in ("valid_from", "valid_to", "data_year"):
        if k in raw and not is_year(raw[k]):
            err(k, f"{k} must be a year (an integer from {YEARS[0]} to {YEARS[-1]}), found {raw[k]!r}")
    vf, vt = raw.get("valid_from"), raw.get("valid_to")
    if isinstance(vf, int) and isinstance(vt, int) and vt < vf:
        err("valid_to", f"valid_to {vt} is before valid_from {vf}")
    if "default" in raw and not isinstance(raw["default"], bool):
        err("default", "default must be true or false")
    if raw.get("confidence") == "unconfirmed" and raw.get("default", True) is not False:
        err("default", "an unconfirmed entry must not be a default", "add `default = false`",
            at=None if "default" in raw else "confidence")
    unc = raw.get("uncertainty")
    if unc is not None and not isinstance(unc, dict):
        err("uncertainty", "uncertainty must be a table, e.g. `{ distribution = \"lognormal\", gsd = 1.2 }`")
    spec = None
    if isinstance(raw.get("unit"), str):
        try:
            spec = units.parse(raw["unit"])
        except UnitError as exc:
            err("unit", str(exc), exc.hint, code="unit-unknown")
    if spec is not None and basis in BASES:
        memo_key = (basis, raw["unit"])
        if memo_key not in basis_memo:
            basis_memo[memo_key] = _basis_problem(basis, spec.dim)
        problem = basis_memo[memo_key]
        if problem:
            err("basis", f"basis `{basis}` {problem}, but `{raw['unit']}` is {format_dim(spec.dim)}",
                "check the unit (kgCO2 and kgCO2e are different families) or the basis")
    parts = None
    if "parts" in raw:
        if basis != "CO2e" or not has_value:
            err("parts", "only a CO2e entry with a `value` has per-gas parts")
        elif spec is not None:
            parts = read_parts(raw["parts"], units, spec.dim, err)
    if len(problems) > before:
        return None
    # Interned, the texts many entries repeat (unit, source, notes ...) are stored once in memory.
    return Entry(
        id=ident, unit=intern(raw["unit"]), spec=spec, basis=intern(basis), source=intern(src), span=header,
        key=key, value=float(value) if has_value else None, formula=raw.get("formula"),
        formula_line=formula_line if has_formula else None,
        name_zh=raw.get("name_zh"), name_en=raw.get("name_en"), region=_intern(raw.get("region")),
        valid_from=vf, valid_to=vt, data_year=raw.get("data_year"),
        boundary=_intern(raw.get("boundary")), quality=_intern(raw.get("quality")),
        confidence=_intern(raw.get("confidence")), default=raw.get("default", True),
        table=_intern(raw.get("table")), note=_intern(raw.get("note")), gwp=_intern(raw.get("gwp")),
        uncertainty=tuple(sorted(unc.items())) if unc is not None else None, parts=parts,
    )


def _finite(value: int | float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:   # TOML readers accept integers beyond any float
        return False


def _intern(text: str | None) -> str | None:
    return None if text is None else intern(text)


def _basis_problem(basis: str, dim: Dim) -> str | None:
    d = dict(dim)
    if basis in BASIS_SUBSTANCES:
        if not any(d.get(s) == 1 for s in BASIS_SUBSTANCES[basis]):
            return f"needs a unit of {basis} mass per activity (e.g. kg{basis}/kWh)"
    elif basis == "GWP":
        gas = [s for s, p in d.items() if s != "kgCO2e"]
        if d.get("kgCO2e") != 1 or len(gas) != 1 or d[gas[0]] != -1:
            return "needs kgCO2e per mass of one gas (e.g. kgCO2e/kgCH4)"
    return None


def _check_periods(versions: list[Entry], problems: list[Diagnostic]) -> None:
    """One id, one entry per year: report each entry starting before an earlier one ends."""
    reach = versions[0]   # the entry whose period ends last so far
    for b in versions[1:]:
        a_end = reach.valid_to if reach.valid_to is not None else 10**9
        b_start = b.valid_from if b.valid_from is not None else -10**9
        if b_start <= a_end:
            what = (f"a second entry for {b.period}" if b.period == reach.period
                    else f"validity {b.period} overlaps {reach.period} ({reach.key})")
            problems.append(Diagnostic(
                "kb-invalid", f"{b.key} ({b.id}): {what}", b.span, related=(("the other entry", reach.span),),
                hint="one id has one value per period: close the earlier period with `valid_to`, "
                     "or give the new value a new id"))
        if b.valid_to is None or (reach.valid_to is not None and b.valid_to > reach.valid_to):
            reach = b
    if len({e.spec.dim for e in versions}) > 1:
        last = versions[-1]
        problems.append(Diagnostic("kb-invalid", f"{last.key} ({last.id}): its periods have different "
                                   f"dimensions ({', '.join(sorted({e.unit for e in versions}))})", last.span,
                                   hint="one id measures one thing in every year"))


def kb_root(path: Path) -> Path:
    """The knowledge-base folder `path` belongs to: the nearest folder holding sources.toml
    (`kb/electricity/cn_co2.toml` -> `kb`), or the folder itself, to be reported as lacking one."""
    start = path if path.is_dir() else path.parent
    for d in (start, *start.resolve().parents):
        if (d / "sources.toml").is_file():
            return d
    return start


def check_kb(kb: KnowledgeBase) -> None:
    """What `pcf check kb/` adds to loading: every derived entry's formula is parsed and its
    references and unit checked (kbcheck.py); raises PcfError with every problem."""
    from .kbcheck import check_formulas  # imports the method parser, which loading never needs
    check_formulas(kb)
