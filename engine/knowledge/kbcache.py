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
  both (git checkout, rsync, an unpacked archive) still rebuilds. The bytes are not read while
  every file's status (size, times, inode) is what the cache recorded (`Store`). Each cached unit is
  re-parsed with the caller's registry and must give the stored scale and dimension.
- Format: JSON (it cannot run code): a header line (the key, units, files, sources, where
  each id's rows lie in the body, and a SHA-256 of each ~64 KiB block of the body), then each
  id's rows as one JSON array. Only the header is sealed and read when the cache is loaded
  (reading and hashing all 6 MB of the library's cache took ~9 ms of every start), and it is
  checked whole. An id's rows are read when the id is first looked up (a run looks up a few
  dozen of ten thousand ids): their block checked against its digest (cachefiles.py,
  `write_sealed_head`), then the rows field by field. Anything unexpected (another format, a
  wrong type, a missing field, a bad seal or digest) means rebuild: from the files at once
  when found in the header, and for the whole knowledge base when found in an id's rows
  (`LazyEntries`).
  Invalid KBs are never cached: their problems are reported on every load.

Only entries and sources are stored: the pint registry in `KnowledgeBase.units` comes from
the caller.
"""
from __future__ import annotations

import bisect
import hashlib
import itertools
import json
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path

from .. import __version__
from ..core.errors import PcfError
from ..core.source import Span, display_path
from ..core.unitcache import pint_stamp
from ..files.cachefiles import (cache_key, default_cache_dir, read_private_range, read_sealed_head,
                                write_sealed_head)
from ..files.inputfile import read_inside
from ..files.tomlfile import MAX_TOML_BYTES

FORMAT = 5   # 3: entries' files relative to the KB folder, per-gas parts, source licences; 4: rows per id;
             # 5: the header sealed alone, with a digest per block of the body
BLOCK = 1 << 16   # the body's blocks close at the first id boundary past this many bytes
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
_ROW = tuple(k for k in _COLUMNS if k != "id")   # a stored row: the id is its group's


def kb_files(root: Path) -> list[Path]:
    """Every file a knowledge-base load reads (sources.toml among them), in load order."""
    return sorted(Path(root).rglob("*.toml"))


class Store:
    """The cache slot of one KB folder. Its key is taken before the KB is parsed, so a file
    edited during a load leaves a stale key behind and the next load rebuilds.

    Reading and hashing every file (8 MB for the library: ~15 ms a start) is skipped when the
    files' status has not changed since the cache was written, the way git trusts its index:
    each file's size, modification and change times, inode and device. The change time (ctime)
    is set by the kernel on every write and every `utime`, so an edit that puts back a file's
    size and modification time still changes it. A file whose times fall within RACY_NS of
    when the status was taken may have changed within one tick of a coarse filesystem clock:
    then, and whenever anything differs, the bytes are hashed as before."""

    def __init__(self, root: Path, cache_dir: Path | None = None, overlay: bool = False):
        self.root = Path(root).resolve()
        self.dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        # One file per KB folder, whatever the working directory: entries' files are stored
        # relative to the folder and shown relative to the working directory when decoded.
        # A folder loaded as a layer is validated differently (layers.py): a slot of its own.
        name = hashlib.sha256(f"{self.root}{' overlay' if overlay else ''}".encode()).hexdigest()[:24]
        self.path = self.dir / f"kb-{name}.json"
        self.overlay = overlay
        self.usable = not _inside(self.dir, self.root)
        self.taken = time.time_ns()
        self.status = _status(self.root, overlay) if self.usable else None
        self._stamp: str | None = None

    @property
    def stamp(self) -> str | None:
        """The content key: a hash of every file's bytes and of what reads them (computed once)."""
        if self._stamp is None and self.usable:
            self._stamp = _stamp(self.root, self.overlay)
        return self._stamp

    def read(self, units, reload) -> tuple[dict, Mapping] | None:
        """(sources, by_id) when the cache matches the files, else None; `reload()` gives by_id
        read from the files, should an id's cached rows turn out damaged when looked up."""
        if not self.usable or self.status is None:
            self.stamp      # taken before the files are parsed (see the class)
            return None
        seal = cache_key(self.dir)
        found = read_sealed_head(self.path, seal) if seal else None
        if found is None:
            self.stamp
            return None
        head, body_at, size = found
        path = self.path

        def body(start: int, end: int) -> bytes | None:
            return read_private_range(path, body_at + start, end - start)
        try:
            loaded = _decode(head, size - body_at, body, self._key_of, units, self.root, reload)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError):
            loaded = None   # well sealed but not what this version writes: rebuilt
        if loaded is None:
            self.stamp
        elif self._stamp is not None and not _racy(self.status, self.taken):
            # valid by content, its recorded status stale (a `touch`, a checkout of the same bytes)
            # or racy when written: record today's, so that the next load need not hash
            self._restatus(seal, head, body(0, size - body_at))
        return loaded

    def _restatus(self, seal: bytes, head: bytes, body: bytes | None) -> None:
        if body is None:
            return
        doc = json.loads(head)
        doc["status"], doc["taken"] = self.status, self.taken
        # the body is copied unread: the blocks' digests in the head still check it
        write_sealed_head(self.path, seal, json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
                          body)

    def _key_of(self, doc: dict) -> str | None:
        """The key the cache must hold: its own, when the files' status is what it recorded and
        not racy (the bytes are not read); else the content key."""
        status, taken = doc.get("status"), doc.get("taken")
        if (TRUSTS_STATUS and status == self.status and type(taken) is int
                and not _racy(self.status, taken)):
            return doc.get("key")
        return self.stamp

    def write(self, sources: dict, by_id: dict) -> None:
        if self.stamp is None:
            return
        seal = cache_key(self.dir)
        if seal is None:
            return
        try:
            head, body = _encode(self.stamp, sources, by_id, self.root, self.status, self.taken)
        except (TypeError, ValueError):   # a value JSON cannot hold (a TOML date in `uncertainty`): uncached
            return
        write_sealed_head(self.path, seal, head, body)


def _encode(stamp: str, sources: dict, by_id: dict, root: Path, status: list | None,
            taken: int) -> tuple[bytes, bytes]:
    """The cache's header line (key, units, files, sources, where each id's rows are in the body,
    and the body's blocks with their digests) and its body: each id's rows as one JSON array,
    ids in sorted order."""
    from .kbmodel import Source
    entries = [e for versions in by_id.values() for e in versions]
    shown = sorted({e.span.path for e in entries})
    index = {p: i for i, p in enumerate(shown)}
    # Stored relative to the KB folder (as shown they depend on the working directory); a
    # file outside it cannot be stored, and the cache is not written (ValueError).
    files = [Path(p).resolve().relative_to(root).as_posix() for p in shown]
    dump = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    ids, ends, body, at = [], [], [], 0
    blocks, block = [], hashlib.sha256()
    for ident in sorted(by_id):
        chunk = dump([_row(e, index) for e in by_id[ident]]).encode("utf-8")
        at += len(chunk)
        ids.append(ident)
        ends.append(at)
        body.append(chunk)
        block.update(chunk)
        if at - (blocks[-1][0] if blocks else 0) >= BLOCK:
            blocks.append([at, block.hexdigest()])
            block = hashlib.sha256()
    if at > (blocks[-1][0] if blocks else 0):
        blocks.append([at, block.hexdigest()])
    specs = {e.unit: e.spec for e in entries}
    units = {text: [spec.scale, sorted(dict(spec.dim).items())] for text, spec in specs.items()}
    names = [f.name for f in fields(Source)]
    header = {"format": FORMAT, "key": stamp, "status": status, "taken": taken, "units": units, "files": files,
              "row": list(_ROW),
              "source_fields": names, "sources": [[getattr(s, n) for n in names] for s in sources.values()],
              "ids": ids, "ends": ends, "blocks": blocks}
    return dump(header).encode("utf-8"), b"".join(body)


def _row(e, index: dict[str, int]) -> list:
    d = e.__dict__     # a dict lookup per field: 3x faster than getattr
    span = e.span
    out = []
    for name in _ROW:
        if name == "uncertainty":
            out.append(None if e.uncertainty is None else [list(kv) for kv in e.uncertainty])
        elif name == "parts":
            out.append(None if e.parts is None else [list(p) for p in e.parts])
        elif name == "span_file":
            out.append(index[span.path])
        elif name.startswith("span_"):
            out.append(getattr(span, name[len("span_"):]))
        else:
            out.append(d[name])
    return out


class Damaged(ValueError):
    """An id's rows are not what this version writes (found when the id is first looked up)."""


def _decode(head: bytes, body_size: int, body, key_of, units, root: Path, reload) -> tuple[dict, Mapping] | None:
    """The header, checked whole (`key_of(header)`: the key it must hold); each id's rows are
    checked when the id is first looked up, after the digest of the block holding them
    (`body(start, end)`: the body's bytes, read when asked for)."""
    from .kbmodel import Source
    doc = json.loads(head)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc["row"] != list(_ROW):
        return None
    key = key_of(doc)
    if key is None or doc.get("key") != key:
        return None
    specs = {}
    for text, (scale, dim) in doc["units"].items():
        spec = units.parse(text)   # the caller's registry decides; a units file that changed rebuilds
        if spec.scale != scale or sorted(dict(spec.dim).items()) != [tuple(d) for d in dim]:
            return None
        specs[text] = spec
    files = doc["files"]
    if not all(type(p) is str for p in files):
        return None
    files = [display_path(root / p) for p in files]
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
    ids, ends, blocks = doc["ids"], doc["ends"], doc["blocks"]
    if (type(ids) is not list or type(ends) is not list or len(ids) != len(ends)
            or not all(type(i) is str for i in ids) or not all(type(e) is int for e in ends)
            or any(a >= b for a, b in zip(ids, itertools.islice(ids, 1, None)))
            or any(a >= b for a, b in zip([0, *ends], ends)) or (ends and ends[-1] != body_size)):
        return None
    if (type(blocks) is not list or not all(type(b) is list and len(b) == 2 and type(b[0]) is int
                                            and type(b[1]) is str for b in blocks)
            or any(a >= b for a, b in zip([0, *(b[0] for b in blocks)], (b[0] for b in blocks)))
            or [b[0] for b in blocks][-1:] != ends[-1:] or not set(b[0] for b in blocks) <= set(ends)):
        return None      # blocks must close at id boundaries and cover the body
    spans = dict(zip(ids, zip([0, *ends], ends)))
    return sources, LazyEntries(spans, _builder(_Blocks(blocks, body), files, specs), reload)


class _Blocks:
    """The body read a block at a time, each block checked against its digest in the sealed
    header before any of it is interpreted (and kept: an id's rows are read once)."""

    def __init__(self, blocks: list[list], read):
        self._ends = [end for end, _ in blocks]
        self._digests = [digest for _, digest in blocks]
        self._read = read
        self._checked: dict[int, bytes] = {}

    def rows(self, ident: str, start: int, end: int) -> bytes:
        """The bytes of the rows at [start, end), which lie in one block (ids never straddle)."""
        i = bisect.bisect_right(self._ends, start)
        first = self._ends[i - 1] if i else 0
        data = self._checked.get(i)
        if data is None:
            data = self._read(first, self._ends[i])
            if data is None or hashlib.sha256(data).hexdigest() != self._digests[i]:
                raise Damaged(ident)
            self._checked[i] = data
        return data[start - first:end - first]


def _builder(body: _Blocks, files: list[str], specs: dict):
    """The function that makes an id's entries from its rows in the body, checking each field."""
    from .kbmodel import Entry
    types = [_COLUMNS[k] for k in _ROW]
    stored = [(i, k) for i, k in enumerate(_ROW) if not k.startswith("span_") and k not in ("uncertainty", "parts")]
    at = {k: i for i, k in enumerate(_ROW)}
    f, line, col, end_line, end_col = (at[k] for k in ("span_file", "span_line", "span_column", "span_end_line",
                                                        "span_end_column"))
    unc_at, parts_at, unit_at = at["uncertainty"], at["parts"], at["unit"]
    new = object.__new__

    def build(ident: str, start: int, end: int) -> tuple[Entry, ...]:
        rows = json.loads(body.rows(ident, start, end))
        if type(rows) is not list or not rows:
            raise Damaged(ident)
        made = []
        for row in rows:
            if (type(row) is not list or len(row) != len(types)
                    or not all(type(v) in t for v, t in zip(row, types))
                    or not 0 <= row[f] < len(files) or row[unit_at] not in specs
                    or not _pairs_ok(row[unc_at]) or not _parts_ok(row[parts_at])):
                raise Damaged(ident)
            # The fields were checked; setting them directly is 4x faster than the frozen constructor.
            e = new(Entry)
            d = e.__dict__
            d["id"] = ident
            d.update((k, row[i]) for i, k in stored)
            d["spec"] = specs[d["unit"]]
            d["span"] = Span(files[row[f]], row[line], row[col], row[end_line], row[end_col])
            unc, ps = row[unc_at], row[parts_at]
            d["uncertainty"] = None if unc is None else tuple((k, v) for k, v in unc)
            d["parts"] = None if ps is None else tuple(tuple(p) for p in ps)
            made.append(e)
        return tuple(made)
    return build


def _pairs_ok(unc) -> bool:
    return unc is None or all(type(kv) is list and len(kv) == 2 and type(kv[0]) is str for kv in unc)


def _parts_ok(parts) -> bool:
    return parts is None or all(type(p) is list and len(p) == 3 and type(p[0]) is str and type(p[1]) is float
                                and type(p[2]) is str for p in parts)


class LazyEntries(Mapping):
    """id -> its entries (sorted by valid_from), made from the cache the first time the id is
    asked for. A run reads a few dozen of the library's ten thousand entries: decoding and
    checking them all took ~50 ms of every command. Iterating keys costs nothing; values make
    what they visit. An id whose rows fail the checks (a cache this version did not write)
    makes the whole knowledge base be read from its files again (`reload`), as a damaged cache
    found at load would: what a lookup returns is what the files say, never a damaged row."""

    def __init__(self, spans: dict[str, tuple[int, int]], build, reload):
        self._spans = spans
        self._build = build
        self._reload = reload
        self._made: dict[str, tuple] = {}

    def __getitem__(self, ident: str) -> tuple:
        made = self._made.get(ident)
        if made is None:
            start, end = self._spans[ident]
            try:
                made = self._made[ident] = self._build(ident, start, end)
            except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError):
                fresh = self._reload()
                self._made = dict(fresh)
                self._spans = dict.fromkeys(fresh, (0, 0))
                made = self._made[ident]
        return made

    def __contains__(self, ident) -> bool:
        return ident in self._spans

    def __iter__(self):
        return iter(self._spans)

    def __len__(self) -> int:
        return len(self._spans)


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


RACY_NS = 2 * 10**9   # a file changed this close to when its status was taken is hashed
# Windows reports a file's creation time as st_ctime, which an edit in place does not change:
# there, a same-size edit with its modification time put back would keep the status; always hash.
TRUSTS_STATUS = os.name != "nt"


def _status(root: Path, overlay: bool) -> list | None:
    """What the fast check compares: the loader's code and versions (as in the content key) and
    each file's path, size, times, inode and device; None when a file cannot be looked at."""
    try:
        code = [(name, (st := (_HERE / name).stat()).st_size, st.st_mtime_ns) for name in _CODE]
        files = []
        for path in kb_files(root):
            st = os.stat(path)
            files.append([path.relative_to(root).as_posix(), st.st_mode, st.st_size, st.st_mtime_ns,
                          st.st_ctime_ns, st.st_ino, st.st_dev])
    except (OSError, ValueError):
        return None
    meta = repr((FORMAT, __version__, str(root), overlay, sys.version_info[:2], pint_stamp(), code))
    return [meta, files]


def _racy(status: list, taken: int) -> bool:
    """A file changed within RACY_NS before (or after) its status was taken."""
    return any(max(f[3], f[4]) >= taken - RACY_NS for f in status[1])


def _inside(path: Path, root: Path) -> bool:
    p = path.resolve()
    return p == root or root in p.parents
