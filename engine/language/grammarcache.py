"""lark's analysis of the grammar (terminals, rules, the LALR table), cached between runs.

Building the `Lark` parser of grammar/pcf.lark takes about 50 ms, a tenth of a `pcf run`;
loading its saved form takes about 6 ms. lark's own `cache=` option unpickles whatever file
sits at its path, which pcf never does (a planted pickle runs code: issue 15), so the saved
parser (`Lark.save`) goes through pcf's cache folder the way pint's definitions do
(core/pintcache.py): sealed with this user's key, written atomically, and unpickled only when the
seal verifies. The file name is a digest of everything the parser depends on (grammar text,
options, lark and Python versions), so an edited grammar or upgraded lark never meets an old
table. A cache that cannot be used only makes the start slower.
"""
from __future__ import annotations

import hashlib
import io
import sys
from pathlib import Path

import lark
from lark import Lark

from ..files.cachefiles import read_sealed, sealed_folder, write_sealed

FOLDER = "lark-sealed"


def cached_lark(grammar: str, options: dict, cache_dir: Path | None = None) -> Lark:
    """`Lark(grammar, **options)` (an LALR parser), from the sealed cache when it holds one."""
    slot = sealed_folder(FOLDER, cache_dir)
    if slot is None:
        return Lark(grammar, **options)
    folder, key = slot
    path = folder / f"{_digest(grammar, options)}.lark"
    payload = read_sealed(path, key)
    if payload is not None:
        try:
            return Lark.load(io.BytesIO(payload))   # sealed by this user's pcf: written below
        except Exception:   # sealed but unreadable (another lark's classes): rebuilt
            pass
    parser = Lark(grammar, **options)
    buf = io.BytesIO()
    parser.save(buf)
    write_sealed(path, key, buf.getvalue())
    return parser


def _digest(grammar: str, options: dict) -> str:
    h = hashlib.sha256()
    for part in (grammar, repr(sorted(options.items())), lark.__version__, sys.version.split()[0]):
        h.update(part.encode("utf-8") + b"\0")
    return h.hexdigest()[:32]
