"""What `pcf check PATH` checks, by kind: a method, a case, a knowledge base, an inventory or a
received PACT footprint (a `.json` file).

A folder that is a case (it holds case.toml) or part of a knowledge base (a folder at or
above it holds sources.toml, or it lies inside `--kb`) is checked as that. Any other folder
is searched: every knowledge base (a folder holding sources.toml), every case folder and
every method file (`*.pcf`) under it, in path order, so that `pcf check methods/` or
`pcf check .` check a whole library. The search does not enter a knowledge base or a case
(their files are checked as part of them) nor hidden folders (`.git`, `.venv`), and does
not follow links to folders. A folder with none of these is checked as a knowledge base,
which reports what it lacks.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from ..knowledge.kb import kb_root

Kind = Literal["case", "kb", "method", "inventory", "pact"]


def check_targets(path: Path, kb_dir: Path) -> list[tuple[Kind, Path]] | None:
    """(kind, path) pairs to check for a command-line `path`, or None when it is no kind pcf
    checks. A missing `path` is classified by its name (reading it reports the error)."""
    if path.is_dir():
        if (path / "case.toml").is_file():
            return [("case", path)]
        if _inside(path, kb_dir) or (kb_root(path) / "sources.toml").is_file():
            return [("kb", path)]
        return _search(path) or [("kb", path)]
    # A file of a knowledge base is checked as part of its whole KB: ids and sources span files.
    if path.name == "sources.toml" or _inside(path, kb_dir):
        return [("kb", path)]
    if path.suffix == ".pcf":
        return [("method", path)]
    if path.name == "case.toml":
        return [("case", path.parent)]
    if path.suffix in (".toml", ".xlsx"):
        return [("inventory", path)]
    if path.suffix == ".json":
        return [("pact", path)]
    return None


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def _search(folder: Path) -> list[tuple[Kind, Path]]:
    found: list[tuple[Kind, Path]] = []
    for here, dirs, files in os.walk(folder):   # links to folders are not followed
        d = Path(here)
        if "sources.toml" in files:
            found.append(("kb", d))
            dirs[:] = []
            continue
        if "case.toml" in files:
            found.append(("case", d))
            dirs[:] = []
            continue
        dirs[:] = sorted(x for x in dirs if not x.startswith("."))
        found.extend(("method", d / f) for f in sorted(files) if f.endswith(".pcf"))
    return found
