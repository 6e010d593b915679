"""Writing files without ever leaving half a file: a temporary file in the same folder, then a rename.

Modes: `mkstemp` creates its file 0600 whatever the umask, so the mode is set before the
rename. A new output gets `0666 & ~umask` (what `open(path, "w")` would give); a file
replaced keeps its own permission bits; the caches pass `mode=0o600` (owner-only).
"""
from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import Iterable

from ..core.errors import Diagnostic, PcfError


def write_atomic(path: Path, data: str | bytes, inputs: Iterable[Path] = ()) -> None:
    """Write `data` to `path` through a temporary file in the same folder and a rename.

    An interrupted run leaves the old file (or none), never a partial one; `inputs` are the
    files the output must not replace (the CLI checks the whole read set with outputs.py first).
    """
    path = Path(path)
    target = path.resolve()
    for p in inputs:
        if Path(p).resolve() == target:
            raise PcfError([Diagnostic("io", f"refusing to overwrite an input of the case: {path}", None,
                                       path=str(path), hint="write the output to another file")])
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        if os.path.exists(target) and not stat.S_ISREG(os.stat(target).st_mode):
            # renaming over a device or a FIFO would replace the node itself (as root: /dev/null)
            raise PcfError([Diagnostic("io", f"{path} is not a regular file: not replaced", None, path=str(path))])
        replace_file(target, raw)
    except OSError as exc:
        raise PcfError([Diagnostic("io", f"cannot write to {path.parent} ({exc.strerror or exc})", None,
                                   path=str(path))]) from None


def replace_file(target: Path, raw: bytes, mode: int | None = None) -> None:
    """Put `raw` at `target` atomically with `mode` (default: the replaced file's bits, else
    0666 & ~umask). Raises OSError; an interrupted or failed write removes its temporary file."""
    target = Path(target)
    if mode is None:
        try:
            st = os.stat(target)
            mode = stat.S_IMODE(st.st_mode) if stat.S_ISREG(st.st_mode) else None
        except OSError:
            mode = None
    if mode is None:
        mode = 0o666 & ~current_umask()
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name[:64]}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), mode)
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def current_umask() -> int:
    """The process umask. Linux shows it in /proc/self/status (read without changing it);
    elsewhere it is read by setting and restoring it, which another thread creating a file
    at that instant could observe (pcf writes from one thread)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    old = os.umask(0o022)
    os.umask(old)
    return old
