"""The method library: method files found by id (the `method a.b` line of each .pcf file under
`methods/`) or by path inside a case folder or the library, never outside them."""
from __future__ import annotations

import re
from pathlib import Path

from ..core.errors import Diagnostic, PcfError, did_you_mean
from ..core.paths import DEFAULT_METHODS_DIR
from ..core.source import Span, display_path

# Leading blanks within the line only: `^\s*` crossed line ends, so every line start of a run of
# blank lines rescanned the rest of the run (quadratic in a library file); the first match is the same.
_METHOD_ID = re.compile(r"^[^\S\n]*method\s+([a-z0-9_]+(?:\.[a-z0-9_]+)*)", re.M)


def find_method(ref: str, case_dir: Path | None = None, library: Path = DEFAULT_METHODS_DIR,
                span: Span | None = None, near: Path | None = None) -> Path:
    """A method by id or by path (inside the case folder or the library).

    An id is looked for first among the method files of `near` (the folder of the method that
    extends it, or the case folder), then in the `methods/` folder of the project around it
    (beside a parent folder, nearest first), then in the library: methods that sit together in
    a case or a project find each other, and the library comes last."""
    if ref.endswith(".pcf") or "/" in ref:
        bases = [b for b in (case_dir, library) if b is not None]
        for base in bases:
            p = (base / ref).resolve()
            if is_kind(p, "file") and any(inside(p, b) for b in bases):
                return p
        outside = any(not inside((b / ref).resolve(), b) for b in bases)
        raise PcfError([Diagnostic("method-not-found", f"no method file `{ref}`"
                                   + (" inside the case folder or the method library" if outside else ""),
                                   span)])
    local = local_method_ids(near) if near is not None else {}
    if ref in local:
        return local[ref]
    for folder in project_method_folders(near, library):
        project = method_ids(folder)
        if ref in project:
            return project[ref]
        local = {**project, **local}
    ids = method_ids(library)
    if ref in ids:
        return ids[ref]
    where = "the method library" if near is None else f"{_shown_folder(near)} or the method library"
    raise PcfError([Diagnostic("method-not-found", f"no method with id `{ref}` in {where}",
                               span, hint=did_you_mean(ref, {**ids, **local}) or (
                                   "a method file beside the case (or beside the method that extends it) "
                                   "is found by its id" if near is not None else None))])


PROJECT_LEVELS = 3   # a case two folders below its project: project/cases/<case>


def project_method_folders(near: Path | None, library: Path = DEFAULT_METHODS_DIR) -> list[Path]:
    """The `methods` folders of the project a case (or method) sits in: `methods/` beside each of
    its first PROJECT_LEVELS parent folders, nearest first, the library itself excepted."""
    if near is None:
        return []
    out = []
    try:
        start = Path(near).resolve()
    except OSError:
        return []
    for parent in [start, *start.parents][1:PROJECT_LEVELS + 1]:
        folder = parent / "methods"
        if is_kind(folder, "dir") and folder.resolve() != Path(library).resolve():
            out.append(folder)
    return out


def local_method_ids(folder: Path) -> dict[str, Path]:
    """The method files directly in `folder` (not its subfolders: a method given on the command
    line may sit in a large folder), by id; regular files only, never a link leading out."""
    folder = Path(folder)
    if not is_kind(folder, "dir") or folder.resolve() == Path(DEFAULT_METHODS_DIR).resolve():
        return {}
    out = {}
    try:
        paths = sorted(folder.glob("*.pcf"))
    except OSError:
        return {}
    for p in paths:
        if not is_kind(p, "file") or not inside(p, folder):
            continue
        try:
            with open(p, "rb") as f:
                head = f.read(64 * 1024).decode("utf-8-sig", errors="replace")
        except OSError:
            continue
        m = _METHOD_ID.search(head)
        if m:
            out.setdefault(m.group(1), p.resolve())
    return out


def _shown_folder(folder: Path) -> str:
    """A folder as users see it: relative to the working directory, or its name alone (no
    absolute path of the user's machine in a message)."""
    shown = display_path(folder)
    return f"folder `{shown}`" if not Path(shown).is_absolute() else f"folder `{Path(folder).name}`"


def method_ids(library: Path = DEFAULT_METHODS_DIR) -> dict[str, Path]:
    out = {}
    base = Path(library).resolve()
    for p in sorted(Path(library).rglob("*.pcf")):
        if not is_kind(p, "file") or not _resolves_inside(p, base):   # never a link leading out
            continue
        try:
            m = _METHOD_ID.search(p.read_text(encoding="utf-8-sig", errors="replace"))
        except OSError:
            continue
        if m:
            out.setdefault(m.group(1), p.resolve())
    return out


def is_kind(p: Path, kind: str) -> bool:
    """`p.is_file()` / `p.is_dir()`, false for a path the system refuses (a name too long ...)."""
    try:
        return p.is_file() if kind == "file" else p.is_dir()
    except OSError:
        return False


def _resolves_inside(p: Path, resolved_base: Path) -> bool:
    return p.resolve().is_relative_to(resolved_base)


def inside(p: Path, base: Path) -> bool:
    try:
        p.resolve().relative_to(base.resolve())
        return True
    except ValueError:
        return False
