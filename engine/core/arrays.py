"""Whether a value is a numpy array, asked without importing numpy.

One product's values are floats; arrays arrive with row tables, batches and Monte Carlo draws,
whose code imports numpy first. So where numpy is not imported yet no value can be an array,
and the modules that handle both kinds ask here instead of importing numpy to ask: a run of a
case without row tables never imports it (~60 ms of every command: bench/startup.py).
"""
from __future__ import annotations

import sys


def is_array(x) -> bool:
    """`isinstance(x, numpy.ndarray)`, False while numpy is not imported."""
    np = sys.modules.get("numpy")
    return np is not None and isinstance(x, np.ndarray)


def numpy_if_imported():
    """The numpy module if some code imported it already, else None."""
    return sys.modules.get("numpy")
