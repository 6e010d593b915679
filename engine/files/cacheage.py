"""How long pcf's cache files live: a file no run has used for `STALE_SECONDS` is removed.

Every cache is keyed on where and what it was made from (the knowledge base's folder, the
units file's place, pcf's, pint's, lark's and Python's versions), so a clone, a worktree, a moved
project or an upgrade starts new files and leaves the old ones behind: on a working machine the
folder grew by one 6 MB knowledge-base cache per checkout. Nothing else would ever delete them.

- A sealed read that succeeds marks its file used: its modification time is set to now when it
  is more than a day old (so a run costs one `lstat`, and a write at most once a day).
- Each time a cache file is written, the cache folder (the one holding `key`, three levels deep at
  most) is swept: regular files of this user, other than the key, untouched for 30 days, are
  removed, and then the empty folders as old. Links are neither followed nor removed; a file or
  folder of another user is left alone. Removing a file a running process still reads is safe:
  its reads fail the checks of cachefiles.py and it rebuilds, as for any damaged cache.
"""
from __future__ import annotations

import os
import stat
import time
from contextlib import suppress
from pathlib import Path

STALE_SECONDS = 30 * 24 * 3600
USED_EVERY = 24 * 3600          # a used file's time is refreshed at most this often
KEY_NAME = "key"
DEPTH = 3                       # `pint-sealed/<where>/<file>`: the deepest a cache file lies


def mark_used(path: Path, now: float | None = None) -> None:
    """Set `path`'s modification time to now if it is older than a day (never through a link)."""
    now = time.time() if now is None else now
    with suppress(OSError, NotImplementedError):
        if now - os.lstat(path).st_mtime > USED_EVERY:
            os.utime(path, follow_symlinks=False)


def prune_stale(written: Path, now: float | None = None) -> int:
    """Sweep the cache folder that holds `written` (see above); the number of files removed."""
    base = cache_base(written)
    if base is None:
        return 0
    return _sweep(base, time.time() if now is None else now, DEPTH, top=True)


def cache_base(path: Path) -> Path | None:
    """The nearest folder above `path` that holds the sealing key: the cache's own folder."""
    for folder in list(path.parents)[:DEPTH]:
        with suppress(OSError):
            if stat.S_ISREG(os.lstat(folder / KEY_NAME).st_mode):
                return folder
    return None


def _sweep(folder: Path, now: float, depth: int, top: bool = False) -> int:
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    uid = os.geteuid()
    for entry in entries:
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if st.st_uid != uid or (top and entry.name == KEY_NAME):
            continue
        stale = now - st.st_mtime > STALE_SECONDS
        if stat.S_ISREG(st.st_mode) and stale:
            with suppress(OSError):
                os.unlink(entry.path)
                removed += 1
        elif stat.S_ISDIR(st.st_mode) and depth > 1:
            removed += _sweep(Path(entry.path), now, depth - 1)
            if stale:
                with suppress(OSError):
                    os.rmdir(entry.path)     # only when empty
    return removed
