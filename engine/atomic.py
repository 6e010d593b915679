"""Writing output files without ever leaving half a file, and never over an input."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Iterable

from .errors import Diagnostic, PcfError


def write_atomic(path: Path, data: str | bytes, inputs: Iterable[Path] = ()) -> None:
    """Write `data` to `path` through a temporary file in the same folder and a rename.

    An interrupted run leaves the old file (or none), never a partial one; `inputs` are the
    files the output must not replace.
    """
    path = Path(path)
    target = path.resolve()
    for p in inputs:
        if Path(p).resolve() == target:
            raise PcfError([Diagnostic("io", f"refusing to overwrite an input of the case: {path}", None,
                                       path=str(path), hint="write the output to another file")])
    if target.is_dir():
        raise PcfError([Diagnostic("io", f"{path} is a folder", None, path=str(path))])
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise PcfError([Diagnostic("io", f"cannot write to {path.parent} ({exc.strerror or exc})", None,
                                   path=str(path))]) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
