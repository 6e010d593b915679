"""pint's definitions cache, made safe: written atomically, read only when sealed with this user's key.

pint (through flexcache) pickles each parsed definitions file and its unit tables into a
cache folder, saving ~0.11 s a start. Its own writer opens the final file and writes into
it: a full disk or two cold starts at once leave a truncated pickle, which the next run
fails on (a false `kb/units.txt:1:1: ... Ran out of input`); and it unpickles whatever file
has the right name. Here each file is pickled to memory, sealed (cachefiles.py) and
written with a temporary file and a rename; a file whose seal does not verify - truncated,
corrupt, planted, from another machine - is never unpickled: it counts as missing and is
rebuilt. The cache lives in `$XDG_CACHE_HOME/pcf/pint-sealed` (else `~/.cache/pcf/pint-sealed`): a
folder of its own, so that an older pcf, which reads `pcf/pint` unsealed, never meets these files.
"""
from __future__ import annotations

import pickle
from pathlib import Path

import pint
from pint.delegates import build_disk_cache_class

from ..files.cachefiles import read_sealed, write_sealed


class SealedDiskCache(build_disk_cache_class(float)):
    """pint's disk cache (same names and headers) with sealed, atomic files."""

    _store_header = False   # pint's side files of headers are informational; not written

    def __init__(self, folder: Path, key: bytes):
        super().__init__(folder)
        self._key = key

    def rawload(self, header, cache_path: Path | None = None):
        payload = read_sealed(cache_path or self.cache_path_for(header), self._key)
        if payload is None:
            return None
        try:
            return pickle.loads(payload)   # sealed by this user's pcf: written by `rawsave` below
        except Exception:   # sealed but unreadable (another pint version's classes): rebuilt
            return None

    def rawsave(self, header, converted_object, cache_path: Path | None = None) -> Path:
        cache_path = cache_path or self.cache_path_for(header)
        try:
            payload = pickle.dumps(converted_object, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:   # nothing to cache: the load itself went fine
            return cache_path
        write_sealed(cache_path, self._key, payload)
        return cache_path


class CachedRegistry(pint.UnitRegistry):
    """A `pint.UnitRegistry` whose definitions go through a `SealedDiskCache`.

    pint builds its own cache class in `__init__` and loads the default definitions right
    after it (`_after_init`, called by its metaclass), so the cache is swapped in between.
    """

    def __init__(self, disk_cache: SealedDiskCache, **kwargs):
        super().__init__(cache_folder=None, **kwargs)
        self._diskcache = disk_cache
        self._def_parser._diskcache = disk_cache
