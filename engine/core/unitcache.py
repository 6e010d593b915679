"""Parsed units kept between runs: unit text -> (scale to base units, dimension).

A unit string means the same thing as long as the unit definitions file, pint and pcf's own
reading of units (normalisation, ambiguity checks: core/units.py) are the same; those make the
key. A run whose unit strings are all here needs no pint registry, and so does not import pint
(issue 25: pint's import and its registry were about 0.1 s of every command). A string not here
is parsed with pint, loaded then, and added.

The file is sealed with the user's key and written atomically (files/cachefiles.py), like the
knowledge-base cache: a planted, foreign or corrupt file counts as missing.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import math
from pathlib import Path

from .. import __version__
from .basedims import Dim

_HERE = Path(__file__).resolve().parent
_CODE = ("units.py", "basedims.py", "unitcache.py")
MAX_ENTRIES = 100_000      # a runaway file (a program parsing generated unit strings) stops growing


def pint_origin() -> Path | None:
    """pint's package file (`.../pint/__init__.py`), found without importing pint."""
    spec = importlib.util.find_spec("pint")
    return Path(spec.origin).resolve() if spec is not None and spec.origin else None


def pint_stamp() -> tuple:
    """Where pint is installed and its package file's size and time."""
    origin = pint_origin()
    if origin is None:
        return ("no pint",)
    st = origin.stat()
    return (str(origin), st.st_size, st.st_mtime_ns)


class UnitCache:
    """The parsed units of one definitions file, in the user's cache folder."""

    def __init__(self, units_file: Path, folder: Path, seal: bytes):
        self.units_file = Path(units_file).resolve()
        h = hashlib.sha256()
        code = [(name, (st := (_HERE / name).stat()).st_size, st.st_mtime_ns) for name in _CODE]
        h.update(repr((__version__, str(self.units_file), pint_stamp(), code)).encode())
        h.update(self.units_file.read_bytes())
        self.key = h.hexdigest()
        self.path = folder / f"units-{self.key[:24]}.json"
        self.seal = seal

    def read(self) -> dict[str, tuple[float, Dim]] | None:
        """The parsed units stored for this key, or None (no file, or not one of ours)."""
        from ..files.cachefiles import read_sealed
        payload = read_sealed(self.path, self.seal)
        if payload is None:
            return None
        try:
            doc = json.loads(payload)
            if doc.get("key") != self.key:
                return None
            out = {}
            for text, (scale, exps) in doc["units"].items():
                if not (type(text) is str and type(scale) is float and math.isfinite(scale) and scale != 0
                        and all(type(k) is str and type(v) in (int, float) for k, v in exps)):
                    return None
                out[text] = (scale, Dim(exps))
            return out
        except (ValueError, TypeError, KeyError, AttributeError):
            return None

    def write(self, parsed: dict[str, tuple[float, Dim]]) -> None:
        """Store `parsed` (all of this key's units, the old ones with the new)."""
        from ..files.cachefiles import write_sealed
        if len(parsed) > MAX_ENTRIES:
            return
        doc = {"key": self.key, "units": {t: [s, sorted(d.items())] for t, (s, d) in parsed.items()}}
        write_sealed(self.path, self.seal, json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode())


def unit_cache(units_file: Path) -> UnitCache | None:
    """The cache of `units_file` in the user's cache folder, or None when none can be had."""
    from ..files.cachefiles import cache_key, default_cache_dir, private_dir
    base = default_cache_dir()
    seal = cache_key(base)
    folder = base / "units"
    if seal is None or not private_dir(folder):
        return None
    try:
        return UnitCache(units_file, folder, seal)
    except OSError:
        return None
