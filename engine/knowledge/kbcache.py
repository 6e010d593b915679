"""The compiled knowledge-base cache: the validated entries as sealed JSON, reused while the KB's bytes are unchanged.

Parsing and validating 50 000 entries of TOML takes over a second (tomli alone is most of
it); reading them back from JSON takes a fraction of that. `load_kb` asks a `Store` for
the entries before parsing and hands it the result after a successful load.

- Where: `$XDG_CACHE_HOME/pcf` (else `~/.cache/pcf`), one `kb-<hash of the folder>.json`
  per KB folder, never inside the KB (cachefiles.py: owner-only folder, sealed files).
- Valid while its key matches: a SHA-256 over every `*.toml` under the KB (relative path
  and bytes), the loader's own modules (size and mtime), pcf's version, the Python minor
  version, pint's version and the KB folder (entries' files are stored relative to the KB
  folder and shown relative to the working directory when read back). Content, not size and mtime: an edit that keeps
  both (git checkout, rsync, an unpacked archive) still rebuilds. Each cached unit is
  re-parsed with the caller's registry and must give the stored scale and dimension.
- Format: JSON (it cannot run code), columns of plain values checked field by field
  before the frozen `Entry`, `Span` and `Source` objects are rebuilt; anything unexpected
  (another format, a wrong type, a missing column, a bad seal) means rebuild. Invalid KBs
  are never cached: their problems are reported on every load.

Only entries and sources are stored: the pint registry in `KnowledgeBase.units` comes from
the caller.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import sys
from collections.abc import Mapping
from dataclasses import fields
from operator import itemgetter
from pathlib import Path

from .. import __version__
from ..core.errors import PcfError
from ..core.source import Span, display_path
from ..core.unitcache import pint_stamp
from ..files.cachefiles import cache_key, default_cache_dir, read_sealed, write_sealed
from ..files.inputfile import read_inside
from ..files.tomlfile import MAX_TOML_BYTES

FORMAT = 3   # 3: entries' files relative to the KB folder, per-gas parts, source licences
_HERE = Path(__file__).resolve().parents[1]   # engine/
# Modules whose code decides what a load returns: editing one invalidates every cache.
_CODE = ("knowledge/kb.py", "knowledge/kbparts.py", "knowledge/kbcache.py", "files/cachefiles.py", "files/tomlfile.py", "core/units.py", "core/source.py")
# Entry fields as stored (the rest, spec and span, are rebuilt from `unit` and the span columns),
# each with the JSON types it may hold.
_STR, _OPT_STR, _OPT_INT, _OPT_FLOAT = (str,), (str, type(None)), (int, type(None)), (float, type(None))
_COLUMNS = {"id": _STR, "unit": _STR, "basis": _STR, "source": _STR, "key": _STR, "value": _OPT_FLOAT,
            "formula": _OPT_STR, "formula_line": _OPT_INT, "name_zh": _OPT_STR, "name_en": _OPT_STR,
            "region": _OPT_STR, "valid_from": _OPT_INT, "valid_to": _OPT_INT, "data_year": _OPT_INT,
            "boundary": _OPT_STR, "quality": _OPT_STR, "confidence": _OPT_STR, "default": (bool,),
            "table": _OPT_STR, "note": _OPT_STR, "gwp": _OPT_STR, "uncertainty": (list, type(None)), "parts": (list, type(None)),
            "span_file": (int,), "span_line": (int,), "span_column": (int,), "span_end_line": _OPT_INT,
            "span_end_column": _OPT_INT}


def kb_files(root: Path) -> list[Path]:
    """Every file a knowledge-base load reads (sources.toml among them), in load order."""
    return sorted(Path(root).rglob("*.toml"))


class Store:
    """The cache slot of one KB folder. Its key is taken before the KB is parsed, so a file
    edited during a load leaves a stale key behind and the next load rebuilds."""

    def __init__(self, root: Path, cache_dir: Path | None = None, overlay: bool = False):
        self.root = Path(root).resolve()
        self.dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        # One file per KB folder, whatever the working directory: entries' files are stored
        # relative to the folder and shown relative to the working directory when decoded.
        # A folder loaded as a layer is validated differently (layers.py): a slot of its own.
        name = hashlib.sha256(f"{self.root}{' overlay' if overlay else ''}".encode()).hexdigest()[:24]
        self.path = self.dir / f"kb-{name}.json"
        self.stamp = None if _inside(self.dir, self.root) else _stamp(self.root, overlay)

    def read(self, units) -> tuple[dict, dict] | None:
        """(sources, by_id) when the cache matches the files, else None."""
        if self.stamp is None:
            return None
        seal = cache_key(self.dir)
        payload = read_sealed(self.path, seal) if seal else None
        if payload is None:
            return None
        try:
            return _decode(json.loads(payload), self.stamp, units, self.root)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError):
            return None   # well sealed but not what this version writes: rebuilt

    def write(self, sources: dict, by_id: dict) -> None:
        if self.stamp is None:
            return
        seal = cache_key(self.dir)
        if seal is None:
            return
        try:
            payload = json.dumps(_encode(self.stamp, sources, by_id, self.root), ensure_ascii=False,
                                 separators=(",", ":")).encode("utf-8")
        except (TypeError, ValueError):   # a value JSON cannot hold (a TOML date in `uncertainty`): uncached
            return
        write_sealed(self.path, seal, payload)


def _encode(stamp: str, sources: dict, by_id: dict, root: Path) -> dict:
    from .kbmodel import Source
    entries = [e for versions in by_id.values() for e in versions]
    values = [e.__dict__ for e in entries]   # a dict lookup per field: 3x faster than getattr
    shown = sorted({e.span.path for e in entries})
    index = {p: i for i, p in enumerate(shown)}
    # Stored relative to the KB folder (as shown they depend on the working directory); a
    # file outside it cannot be stored, and the cache is not written (ValueError).
    files = [Path(p).resolve().relative_to(root).as_posix() for p in shown]
    cols: dict[str, list] = {}
    for name in _COLUMNS:
        if name == "uncertainty":
            cols[name] = [None if e.uncertainty is None else [list(kv) for kv in e.uncertainty] for e in entries]
        elif name == "parts":
            cols[name] = [None if e.parts is None else [list(p) for p in e.parts] for e in entries]
        elif name == "span_file":
            cols[name] = [index[e.span.path] for e in entries]
        elif name.startswith("span_"):
            attr = name[len("span_"):]
            cols[name] = [getattr(e.span, attr) for e in entries]
        else:
            cols[name] = list(map(itemgetter(name), values))
    specs = {e.unit: e.spec for e in entries}
    units = {text: [spec.scale, sorted(dict(spec.dim).items())] for text, spec in specs.items()}
    names = [f.name for f in fields(Source)]
    return {"format": FORMAT, "key": stamp, "units": units, "files": files, "columns": cols,
            "source_fields": names, "sources": [[getattr(s, n) for n in names] for s in sources.values()]}


def _decode(doc: dict, stamp: str, units, root: Path) -> tuple[dict, Mapping] | None:
    from .kbmodel import Source
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc.get("key") != stamp:
        return None
    specs = {}
    for text, (scale, dim) in doc["units"].items():
        spec = units.parse(text)   # the caller's registry decides; a units file that changed rebuilds
        if spec.scale != scale or sorted(dict(spec.dim).items()) != [tuple(d) for d in dim]:
            return None
        specs[text] = spec
    files = doc["files"]
    cols = doc["columns"]
    n = len(cols["id"])
    if not all(type(p) is str for p in files) or set(cols) != set(_COLUMNS):
        return None
    files = [display_path(root / p) for p in files]
    for name, types in _COLUMNS.items():
        col = cols[name]
        if type(col) is not list or len(col) != n or not set(map(type, col)) <= set(types):
            return None
    if n and (min(cols["span_file"]) < 0 or max(cols["span_file"]) >= len(files)) or not set(cols["unit"]) <= specs.keys():
        return None
    for unc in cols["uncertainty"]:
        if unc is not None and not all(type(kv) is list and len(kv) == 2 and type(kv[0]) is str for kv in unc):
            return None
    for parts in cols["parts"]:
        if parts is not None and not all(type(p) is list and len(p) == 3 and type(p[0]) is str
                                         and type(p[1]) is float and type(p[2]) is str for p in parts):
            return None
    names = [f.name for f in fields(Source)]
    if doc["source_fields"] != names:
        return None
    sources = {}
    for row in doc["sources"]:
        s = Source(**dict(zip(names, row, strict=True)))
        if not (type(s.key) is str and type(s.title) is str and type(s.issuer) is str and type(s.year) is int
                and all(v is None or type(v) is (bool if n == "redistribution" else str)
                        for n, v in zip(names[4:], row[4:]))):
            return None
        sources[s.key] = s
    ids = cols["id"]
    if any(a > b for a, b in zip(ids, itertools.islice(ids, 1, None))):
        return None       # written id by id in sorted order: each id's rows are one run
    rows: dict[str, range] = {}
    at = 0
    for ident, group in itertools.groupby(ids):
        size = sum(1 for _ in group)
        rows[ident] = range(at, at + size)
        at += size
    return sources, LazyEntries(rows, _builder(cols, files, specs))


def _builder(cols: dict, files: list[str], specs: dict):
    """The function that makes the entry of row i of the (checked) columns."""
    from .kbmodel import Entry
    stored = [k for k in _COLUMNS if not k.startswith("span_") and k not in ("uncertainty", "parts")]
    stored_cols = [cols[k] for k in stored]
    new = object.__new__

    def build(i: int) -> Entry:
        # The fields were checked; setting them directly is 4x faster than the frozen constructor.
        e = new(Entry)
        d = e.__dict__
        d.update(zip(stored, [c[i] for c in stored_cols]))
        unc, ps = cols["uncertainty"][i], cols["parts"][i]
        d["spec"] = specs[d["unit"]]
        d["span"] = Span(files[cols["span_file"][i]], cols["span_line"][i], cols["span_column"][i],
                         cols["span_end_line"][i], cols["span_end_column"][i])
        d["uncertainty"] = None if unc is None else tuple((k, v) for k, v in unc)
        d["parts"] = None if ps is None else tuple(tuple(p) for p in ps)
        return e
    return build


class LazyEntries(Mapping):
    """id -> its entries (sorted by valid_from), made from the cache's columns the first time the
    id is asked for. A run reads a few dozen of the library's ten thousand entries: making them
    all took ~40 ms of every command. Iterating keys costs nothing; values make what they visit.
    The columns were checked whole when the cache was read, so making an entry cannot fail."""

    def __init__(self, rows: dict[str, range], build):
        self._rows = rows
        self._build = build
        self._made: dict[str, tuple] = {}

    def __getitem__(self, ident: str) -> tuple:
        made = self._made.get(ident)
        if made is None:
            made = self._made[ident] = tuple(map(self._build, self._rows[ident]))
        return made

    def __contains__(self, ident) -> bool:
        return ident in self._rows

    def __iter__(self):
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


def _stamp(root: Path, overlay: bool = False) -> str | None:
    """The cache key of the KB under `root`: a hash of every file's bytes and of what reads them
    (the loader's modules by size and mtime, as Python tells .pyc files apart)."""
    h = hashlib.sha256()
    try:
        code = [(name, (st := (_HERE / name).stat()).st_size, st.st_mtime_ns) for name in _CODE]
        h.update(repr((FORMAT, __version__, str(root), overlay, sys.version_info[:2], pint_stamp(),
                       code)).encode())
        for path in kb_files(root):
            data = read_inside(path, None, MAX_TOML_BYTES, "knowledge-base file")
            h.update(f"\0{path.relative_to(root).as_posix()}\0{len(data)}\0".encode())
            h.update(data)
    except (OSError, ValueError, PcfError):  # a file vanished, cannot be read, is a FIFO: the loader reports it
        return None
    return h.hexdigest()


def _inside(path: Path, root: Path) -> bool:
    p = path.resolve()
    return p == root or root in p.parents
