"""The compiled knowledge-base cache: a validated KB, pickled, reused while its files are unchanged.

Parsing and validating 50 000 entries of TOML takes over a second (tomli alone is most of
it); unpickling the validated entries takes a fraction of that. `load_kb` asks a `Store`
for the entries before parsing and hands it the result after a successful load.

- Where: `$XDG_CACHE_HOME/pcf` (else `~/.cache/pcf`), one file per KB folder. Never inside
  the KB.
- Valid while: every `*.toml` under the KB has the same relative path, size and mtime_ns,
  and so do the loader's own modules, the Python minor version and pint's version (the
  same test Python applies to .pyc files), and the working directory is the same (entries
  carry their file as shown to users, relative to it). Unit specs are re-parsed with the
  caller's registry, so a different units file also rebuilds.
- Written atomically (temp file + os.replace); a missing, corrupt or unreadable cache is
  rebuilt, and one that cannot be written only makes the next load slower. Invalid KBs are
  never cached: their problems are reported on every load.

Only entries and sources are stored: the pint registry in `KnowledgeBase.units` comes from
the caller. The pickle is read from the user's own cache folder, trusted as their code is.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from contextlib import suppress
from pathlib import Path

import pint

FORMAT = 1
_HERE = Path(__file__).resolve().parent
# Modules whose code decides what a load returns: editing one invalidates every cache.
_CODE = ("kb.py", "kbcache.py", "kbparts.py", "tomlfile.py", "units.py", "source.py")


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME", "")
    return (Path(base) if os.path.isabs(base) else Path.home() / ".cache") / "pcf"


class Store:
    """The cache slot of one KB folder. Its stamp is taken before the KB is read, so a file
    edited during a load leaves a stale stamp behind and the next load rebuilds."""

    def __init__(self, root: Path, cache_dir: Path | None = None):
        self.root = Path(root).resolve()
        self.dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        # One file per KB folder, whatever the working directory: the stamp holds that
        # directory, so a load from elsewhere rebuilds and replaces it instead of piling up.
        key = hashlib.sha256(str(self.root).encode()).hexdigest()[:24]
        self.path = self.dir / f"kb-{key}.pickle"
        self.stamp = None if _inside(self.dir, self.root) else _stamp(self.root)

    def read(self, units) -> tuple[dict, dict] | None:
        """(sources, by_id) when the cache matches the files, else None."""
        if self.stamp is None:
            return None
        try:
            with open(self.path, "rb") as f:
                stamp, specs, sources, by_id = pickle.load(f)
            if stamp != self.stamp or any(units.parse(text) != spec for text, spec in specs.items()):
                return None
        except Exception:  # missing, truncated, corrupt, from another version, units that no longer parse
            return None
        return sources, by_id

    def write(self, sources: dict, by_id: dict) -> None:
        if self.stamp is None:
            return
        specs = {e.unit: e.spec for versions in by_id.values() for e in versions}
        tmp = None
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".kb-", suffix=".tmp", dir=self.dir)
            with os.fdopen(fd, "wb") as f:
                pickle.dump((self.stamp, specs, sources, by_id), f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.path)
            tmp = None
        except Exception:  # read-only home, full disk, ...: the KB loaded fine, only uncached
            pass
        finally:
            if tmp is not None:
                with suppress(OSError):
                    os.unlink(tmp)


def _stamp(root: Path) -> tuple | None:
    try:
        files = tuple((p.relative_to(root).as_posix(), *_stat(p)) for p in sorted(root.rglob("*.toml")))
        code = tuple((name, *_stat(_HERE / name)) for name in _CODE)
    except OSError:  # a file vanished or cannot be read: load without the cache
        return None
    return (FORMAT, str(root), os.getcwd(), sys.version_info[:2], pint.__version__, files, code)


def _stat(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def _inside(path: Path, root: Path) -> bool:
    p = path.resolve()
    return p == root or root in p.parents
