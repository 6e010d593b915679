"""Where an output may go: a new path or a regular file, never over anything the run read.

The files a run read are gathered from what it returns (`reads_of_case`, `reads_of_batch`):
case.toml, the inventory (a file, or a folder and each of its sheets), side files such as
uncertainty.toml, the method and the bases it extends, every knowledge-base file, and the
unit definitions. The knowledge base, the method library and a CSV inventory folder are
read whole (a file added there is read by the next run), so nothing is written inside them.

`check_output` refuses, as an `output` diagnostic naming the path:
- a path that is, or links to, or is a hard link of, a file the run read;
- a path inside a folder read whole;
- anything that exists and is not a regular file: a folder, a device (`/dev/null`), a FIFO;
- a name the system cannot hold (over 255 bytes), a missing folder.
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable

from ..core.errors import Diagnostic, PcfError
from ..core.source import display_path
from ..knowledge.kbcache import kb_files
from .inputfile import sheet_files

NAME_MAX = 255    # bytes in one file name (Linux, macOS, Windows)
_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a device"),
          (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


@dataclass(frozen=True)
class ReadSet:
    """The files a run read, and the folders it reads whole."""
    files: tuple[Path, ...]
    folders: tuple[Path, ...]


def reads_of_case(ws, result, extra: Iterable[Path] = ()) -> ReadSet:
    """What `ws.run_case` read to give `result` (plus `extra`, e.g. an uncertainty spec)."""
    case = result.case
    files = [Path(case.dir) / "case.toml", case.method_path, *extra]
    inv_files, inv_folders = _inventory(Path(case.inventory.path))
    if result.kb is not None:   # with the case's own knowledge-base layers
        ws = replace(ws, kb=result.kb)
    return _merge(ReadSet(tuple(files) + inv_files, inv_folders), _method_reads(ws, result.plan.method),
                  _workspace(ws))


def reads_of_batch(ws, method, inventories: Path) -> ReadSet:
    """What `pcf batch` read: the method and its bases, the catalogue, the workspace."""
    inv_files, inv_folders = _inventory(Path(inventories))
    return _merge(ReadSet(inv_files, inv_folders), _method_reads(ws, method), _workspace(ws))


def check_output(path: Path, reads: ReadSet) -> None:
    """Raise an `output` PcfError unless `path` may be written (see the module docstring)."""
    path = Path(path)
    shown = str(path)
    if not path.name or len(os.fsencode(path.name)) > NAME_MAX:
        raise _refuse(shown, f"the output file name is {len(os.fsencode(path.name))} bytes long; "
                      f"file names hold at most {NAME_MAX}", "choose a shorter name")
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise _refuse(shown, f"cannot write the output ({exc.strerror or exc})") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        kind = next((label for test, label in _KINDS if test(st.st_mode)), "not a regular file")
        raise _refuse(shown, f"the output is {kind}: only a regular file is replaced",
                      "give the path of a file to write")
    target = path.resolve()
    if not target.parent.is_dir():
        raise _refuse(shown, f"cannot write the output: no folder {display_path(target.parent)}")
    for f in reads.files:
        if _same(target, st, Path(f)):
            raise _refuse(shown, f"the output would replace {display_path(f)}, which this run read",
                          "write the output to another file")
    for d in reads.folders:
        if target.is_relative_to(Path(d).resolve()):
            raise _refuse(shown, f"the output is inside {display_path(d)}, which this run reads whole",
                          "write the output outside it")


def per_product_paths(path: Path, ids: list[str]) -> list[Path]:
    """One file per product: `path` itself for one product, `<stem>.<id><suffix>` for several."""
    if len(ids) == 1:
        return [Path(path)]
    out = []
    for i in ids:
        if "/" in i or "\\" in i or "\0" in i or i in (".", ".."):
            raise _refuse(str(path), f"product id `{i}` cannot be part of a file name",
                          "give the case one product, or ids without `/`")
        out.append(Path(path).with_name(f"{Path(path).stem}.{i}{Path(path).suffix or '.svg'}"))
    return out


def _same(target: Path, st: os.stat_result | None, read: Path) -> bool:
    try:
        if target == read.resolve():
            return True
        if st is None:
            return False
        rs = os.stat(read)
        return (rs.st_dev, rs.st_ino) == (st.st_dev, st.st_ino)   # a hard link of an input
    except OSError:
        return False


def _inventory(path: Path) -> tuple[tuple[Path, ...], tuple[Path, ...]]:
    if path.is_dir():
        return (path, *sheet_files(path)), (path,)
    return (path,), ()


def _method_reads(ws, method) -> ReadSet:
    from ..language.library import find_method
    near = Path(method.path).parent     # bases beside the method (a product model) come first, as in resolve
    files = [Path(method.path)] + [find_method(b, None, ws.methods_dir, near=near) for b in method.bases]
    return ReadSet(tuple(files), ())


def _workspace(ws) -> ReadSet:
    roots = [Path(ws.kb.root), *(Path(layer.root) for layer in ws.kb.layers[1:])]   # every kb layer is input
    files = [f for root in roots for f in kb_files(root)]
    if ws.units.path is not None:
        files.append(ws.units.path)
    return ReadSet(tuple(files), (*roots, Path(ws.methods_dir)))


def _merge(*sets: ReadSet) -> ReadSet:
    return ReadSet(tuple(f for s in sets for f in s.files), tuple(d for s in sets for d in s.folders))


def _refuse(shown: str, message: str, hint: str | None = None) -> PcfError:
    return PcfError([Diagnostic("output", message, None, path=shown, hint=hint)])
