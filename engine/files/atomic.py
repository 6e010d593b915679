"""Writing files without ever leaving half a file: a temporary file in the same folder, then a rename.

Modes: `mkstemp` creates its file 0600 whatever the umask, so the mode is set before the
rename. A new output gets `0666 & ~umask` (what `open(path, "w")` would give); a file
replaced keeps its own permission bits; the caches pass `mode=0o600` (owner-only).
"""
from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Callable, Iterable, Iterator

from ..core.errors import Diagnostic, PcfError


def write_atomic(path: Path, data: str | bytes, inputs: Iterable[Path] = ()) -> None:
    """Write `data` to `path` through a temporary file in the same folder and a rename.

    An interrupted run leaves the old file (or none), never a partial one; `inputs` are the
    files the output must not replace (the CLI checks the whole read set with outputs.py first).
    """
    path = Path(path)
    target = _target(path, inputs)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    _replace_checked(path, target, raw)


def write_atomic_stream(path: Path, chunks: Iterable[str | bytes], inputs: Iterable[Path] = (),
                        before_replace: Callable[[], None] | None = None) -> None:
    """`write_atomic` with the data in pieces, never all in memory.

    The pieces go to a temporary file beside `path`, then `before_replace()` runs (a last check,
    e.g. `outputs.check_output`), then the rename. An exception from `chunks` or `before_replace`
    removes the temporary file and leaves `path` as it was. When the folder cannot take a
    temporary file (missing, read-only), the pieces are spooled in the system's temporary
    folder, so the error is the one `write_atomic` gives, after the pieces and the check.
    """
    path = Path(path)
    target = _target(path, inputs)
    try:
        fd, tmp = _tempfile().mkstemp(dir=target.parent, prefix=f".{target.name[:64]}.", suffix=".tmp")
        beside = True
    except OSError:
        fd, tmp = _tempfile().mkstemp(prefix=".pcf-spool.", suffix=".tmp")
        beside = False
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
            if before_replace is not None:
                before_replace()
            if beside:
                fh.flush()
                os.fsync(fh.fileno())
        if beside:
            _replace_checked(path, target, None, tmp)
        else:
            _replace_checked(path, target, _blocks(tmp))
    finally:
        Path(tmp).unlink(missing_ok=True)


def _target(path: Path, inputs: Iterable[Path]) -> Path:
    target = path.resolve()
    for p in inputs:
        if Path(p).resolve() == target:
            raise PcfError([Diagnostic("io", f"refusing to overwrite an input of the case: {path}", None,
                                       path=str(path), hint="write the output to another file")])
    return target


def _replace_checked(path: Path, target: Path, raw, written: str | None = None) -> None:
    """Put `raw` (or the finished temporary file `written`) at `target`, as `write_atomic` does."""
    try:
        if os.path.exists(target) and not stat.S_ISREG(os.stat(target).st_mode):
            # renaming over a device or a FIFO would replace the node itself (as root: /dev/null)
            raise PcfError([Diagnostic("io", f"{path} is not a regular file: not replaced", None, path=str(path))])
        if written is None:
            replace_file(target, raw)
        else:
            os.chmod(written, _mode_for(target))
            os.replace(written, target)
    except OSError as exc:
        raise PcfError([Diagnostic("io", f"cannot write to {path.parent} ({exc.strerror or exc})", None,
                                   path=str(path))]) from None


def _blocks(name: str) -> Iterator[bytes]:
    with open(name, "rb") as fh:
        while block := fh.read(1 << 20):
            yield block


def replace_file(target: Path, raw: bytes | Iterable[bytes], mode: int | None = None) -> None:
    """Put `raw` (bytes, or pieces of them) at `target` atomically with `mode` (default: the
    replaced file's bits, else 0666 & ~umask). Raises OSError; an interrupted or failed write
    removes its temporary file."""
    target = Path(target)
    if mode is None:
        mode = _mode_for(target)
    fd, tmp = _tempfile().mkstemp(dir=target.parent, prefix=f".{target.name[:64]}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), mode)
            for piece in ([raw] if isinstance(raw, (bytes, bytearray)) else raw):
                fh.write(piece)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _mode_for(target: Path) -> int:
    """The replaced file's permission bits, else what `open(path, "w")` would give."""
    try:
        st = os.stat(target)
        if stat.S_ISREG(st.st_mode):
            return stat.S_IMODE(st.st_mode)
    except OSError:
        pass
    return 0o666 & ~current_umask()


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


def _tempfile():
    # imported when a file is written (tempfile brings random and shutil): a run that writes
    # nothing does not pay for it
    import tempfile
    return tempfile
