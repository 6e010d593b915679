"""Opening the files a case brings: regular files inside their folder, never blocking, size-capped.

A case folder may come from anyone (a supplier's archive, a shared drive), so its CSV
sheets and side files (`uncertainty.toml`) are read only when

- the path, links resolved, stays inside its root (the inventory folder for sheets, the
  case folder for side files): a sheet linked to `/etc/passwd` is refused by name, and
  its content is never read, so it cannot be echoed in an error;
- it is a regular file: a FIFO, a device (`/dev/zero`), a socket or a folder is refused
  from `stat`, and the file is opened with O_NONBLOCK, so nothing waits on a writer;
- it is at most its cap (`limits.CSV_FILE_BYTES` for a CSV sheet, `tomlfile.MAX_TOML_BYTES` for
  TOML), checked from its size and again while reading, so a file cannot grow past it.

Refusals are `input-file` diagnostics naming the file (no line: the file was not read).
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from ..core.errors import Diagnostic, PcfError
from ..core.source import display_path

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a device"),
          (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


def sheet_files(folder: Path) -> list[Path]:
    """The CSV sheets of an inventory folder, in reading order (one per `<sheet>.csv`)."""
    return sorted(Path(folder).glob("*.csv"))


def read_inside(path: Path, root: Path | None, cap: int, what: str) -> bytes:
    """The bytes of `path`, checked as the module says (`root` None: anywhere)."""
    real = checked(path, root, cap, what)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(real, flags)
    except OSError as exc:
        raise _refuse(path, f"cannot read {what} ({exc.strerror or exc})") from None
    try:
        st = os.fstat(fd)
        _check_stat(path, st, cap, what)   # the file opened is the file checked
        data = read_limited(fd, cap + 1, st.st_size)
    finally:
        os.close(fd)
    if len(data) > cap:
        raise _too_large(path, cap, what)
    return data


def read_limited(fd: int, limit: int, size: int | None = None) -> bytes:
    """At most `limit` bytes from an open file descriptor (a file that grows stops there). With
    the file's `size` (its fstat) the first read asks for all of it and one byte more, so a file
    that did not change is read in one call, without joining pieces (8 MB of knowledge base and
    6 MB of its cache a run: ~6 ms of copying)."""
    chunks, total = [], 0
    step = min(limit, size + 1) if size is not None else 1 << 20
    while total < limit:
        chunk = os.read(fd, min(step, limit - total))
        step = 1 << 20
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def checked(path: Path, root: Path | None, cap: int | None, what: str) -> Path:
    """`path` resolved, once it is a regular file of at most `cap` bytes (None: the reader caps
    it) inside `root` (None: anywhere)."""
    try:
        real = Path(path).resolve(strict=True)
        if root is not None and not real.is_relative_to(Path(root).resolve()):
            raise _refuse(path, f"{what} is a link to a file outside {display_path(root)}; "
                          "a case reads only files inside its folder",
                          "copy the file into the folder instead of linking to it")
        _check_stat(path, os.stat(real), cap, what)
    except OSError as exc:
        raise _refuse(path, f"cannot read {what} ({exc.strerror or exc})") from None
    return real


def side_file(case_dir: Path, name: str, cap: int) -> Path | None:
    """A case's optional side file (`uncertainty.toml`): None when absent, else checked."""
    path = Path(case_dir) / name
    if not os.path.lexists(path):
        return None
    checked(path, case_dir, cap, name)
    return path


def _check_stat(path: Path, st: os.stat_result, cap: int | None, what: str) -> None:
    if not stat.S_ISREG(st.st_mode):
        kind = next((label for test, label in _KINDS if test(st.st_mode)), "not a regular file")
        raise _refuse(path, f"{what} is {kind}, not a regular file", "give a file saved by a program")
    if cap is not None and st.st_size > cap:
        raise _too_large(path, cap, what)


def _too_large(path: Path, cap: int, what: str) -> PcfError:
    shown = f"{cap // 2**20} MiB" if cap % 2**20 == 0 else f"{cap} bytes"
    return _refuse(path, f"{what} is larger than its cap of {shown}",
                   "split it, or check that it is the file you meant")


def _refuse(path: Path, message: str, hint: str | None = None) -> PcfError:
    # The link itself is named (display_path would resolve it to where it leads).
    shown = str(Path(display_path(Path(path).parent)) / Path(path).name)
    return PcfError([Diagnostic("input-file", message, None, path=shown, hint=hint)])
