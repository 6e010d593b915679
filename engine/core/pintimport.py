"""pint imported for pcf's own command-line process, without the dask import it does not need.

pint 0.25.3 (`pint.compat`) runs `from dask.base import compute, persist, visualize` at import
whenever dask is installed (`pcf[dask]` installs it), which brings yaml, toolz, psutil and
jinja2: 65-100 ms of every command (bench/startup.py; fixed upstream by hgrecco/pint#2265,
unreleased). pint uses those names only for pint quantities that wrap dask arrays. A `pcf`
command never makes one (its `--dask` path splits plain numpy work into partitions), so the
command line imports pint with dask hidden for that one import: pint then records
`HAS_DASK = False`, and dask stays importable for `--dask` afterwards.

Only the CLI does this, before it runs a command: `import pcf` in a user's program leaves pint
alone (the program may use pint with dask itself).
"""
from __future__ import annotations

import sys


def import_pint_without_dask() -> None:
    """Import pint with dask hidden, unless pint or dask is already imported (then nothing)."""
    if "pint" in sys.modules or "dask" in sys.modules:
        return
    sys.modules["dask"] = None      # find_spec("dask") then fails, and pint's import skips dask
    try:
        import pint  # noqa: F401
    finally:
        del sys.modules["dask"]
