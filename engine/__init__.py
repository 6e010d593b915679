"""pcf: product carbon footprint methods as code.

The pipeline, one module per stage::

    parser -> build (nodes) -> plan (settings, names and kb, graph, dimensions, code; see
    plan.STAGES) -> evaluate -> totals -> audit -> result

The public API is in `pcf.api` and re-exported here.
"""
__version__ = "0.1.0"

from .api import Workspace, evaluate, read_method, run_case  # noqa: E402
from .errors import Diagnostic, PcfError  # noqa: E402
from .inventory import Amount, Inventory, Product, Row  # noqa: E402
from .result import Finding, ProductResult, Result  # noqa: E402

__all__ = ["Workspace", "evaluate", "read_method", "run_case", "Diagnostic", "PcfError", "Amount",
           "Inventory", "Product", "Row", "Finding", "ProductResult", "Result"]
