"""pint imported for pcf's own command-line process, without the dask import it does not need.

pint 0.25.3 (`pint.compat`) runs `from dask.base import compute, persist, visualize` at import
whenever dask is installed (`pcf[dask]` installs it), which brings yaml, toolz, psutil and
jinja2: 65-100 ms (bench/startup.py; fixed upstream by hgrecco/pint#2265, unreleased). pint uses
those names only for pint quantities that wrap dask arrays. A `pcf` command never makes one (its
`--dask` path splits plain numpy work into partitions), so the command line has pint, whenever it
is imported, imported with dask hidden for that one import: pint then records `HAS_DASK = False`,
and dask stays importable for `--dask` afterwards.

pint is imported late or not at all (core/units.py: only for a unit string the parsed-unit cache
does not hold), so the hiding waits for that import: a finder at the head of `sys.meta_path`
that finds pint as the others do and runs its module with `sys.modules["dask"] = None`, then
steps aside. Only the CLI installs it: `import pcf` in a user's program leaves pint alone (the
program may use pint with dask itself).
"""
from __future__ import annotations

import sys


def import_pint_without_dask() -> None:
    """Have pint, when it is first imported in this process, imported with dask hidden; nothing if
    pint or dask is imported already."""
    if "pint" in sys.modules or "dask" in sys.modules:
        return
    if not any(isinstance(f, _PintWithoutDask) for f in sys.meta_path):
        sys.meta_path.insert(0, _PintWithoutDask())


# A finder and a loader by protocol (find_spec; create_module, exec_module): `importlib.abc` would
# bring importlib.resources and tempfile into every start (~4 ms) for two base classes.
class _PintWithoutDask:
    def find_spec(self, name, path=None, target=None):
        if name != "pint":
            return None
        for finder in sys.meta_path:             # pint as the other finders find it
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                if spec.loader is not None:
                    spec.loader = _HidingDask(spec.loader, self)
                return spec
        return None


class _HidingDask:
    """pint's own loader, running the module with dask hidden; the finder steps aside then (a
    `find_spec` that only asks where pint is, as the caches' keys do, imports nothing)."""

    def __init__(self, loader, finder):
        self._loader, self._finder = loader, finder

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        if self._finder in sys.meta_path:
            sys.meta_path.remove(self._finder)
        hide = "dask" not in sys.modules
        if hide:
            sys.modules["dask"] = None  # find_spec("dask") then fails, and pint's import skips dask
        try:
            self._loader.exec_module(module)
        finally:
            if hide:
                del sys.modules["dask"]

    def __getattr__(self, name):        # resources, source, is_package: the real loader's
        return getattr(self._loader, name)
