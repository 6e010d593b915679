"""The report templates' compiled code, kept between runs in pcf's sealed cache.

jinja2 compiles a template to Python source and then to bytecode each time a process loads it:
about 45 ms of every `pcf report`, as long as the rest of the rendering. jinja2's own
`FileSystemBytecodeCache` unmarshals whatever file sits in its folder (a planted file runs code:
issue 15), so the code goes through pcf's cache folder as lark's parser does
(language/grammarcache.py): sealed with this user's key, written atomically, loaded only when the
seal verifies. jinja2 checks the template source's checksum and its own format before using
what it loads, so an edited template is compiled afresh; the file name holds the environment's
settings and jinja2's version, which change the code compiled. A cache that cannot be used only
makes the start slower.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import jinja2
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket

from ..files.cachefiles import read_sealed, sealed_folder, write_sealed

FOLDER = "jinja-sealed"


class SealedBytecodeCache(BytecodeCache):
    """jinja2's bytecode cache on pcf's sealed files; `settings` names what else the compiled
    code depends on: the environment's options, and whatever its filters depend on, since jinja2
    folds a filter applied to a constant when it compiles (`{{ 1.0 | pct }}` is compiled to the
    figure in the report's language)."""

    def __init__(self, settings: str, cache_dir: Path | None = None):
        self.settings = settings
        self.cache_dir = cache_dir

    def _where(self, bucket: Bucket) -> tuple[bytes, Path] | None:
        slot = sealed_folder(FOLDER, self.cache_dir)
        if slot is None:
            return None
        name = hashlib.sha256(f"{bucket.key}\0{self.settings}\0{jinja2.__version__}".encode()).hexdigest()[:32]
        return slot[1], slot[0] / f"{name}.jinja"

    def load_bytecode(self, bucket: Bucket) -> None:
        where = self._where(bucket)
        payload = read_sealed(where[1], where[0]) if where else None
        if payload is None:
            return
        try:
            bucket.bytecode_from_string(payload)    # sealed by this user's pcf: written below
        except Exception:   # sealed but unreadable (another Python's code objects): compiled afresh
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        where = self._where(bucket)
        if where is not None:
            write_sealed(where[1], where[0], bucket.bytecode_to_string())
