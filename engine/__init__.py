"""pcf: product carbon footprint methods as code.

The pipeline, one folder per stage (README "Layout" lists every module)::

    language/  text -> tree -> nodes (parser, lalr, build; inherit merges `extends`)
    plan/      nodes + knowledge/ -> a checked plan (its stages in order in plan.STAGES:
               settings, names and knowledge base, graph, dimensions, code)
    inputs/    a case folder -> inventory and printed figures (case, inventory, amount)
    evaluation/ plan + inventory -> values -> result (evaluate, totals, trace; compiled and
               lowering: the same plan as an array program)
    checks/    result -> findings (rules of the standards, audit of printed figures)
    analysis/  many evaluations (batch, uncertainty, sensitivity) and explain
    exchange/, render/  result -> what leaves pcf (CSV, JSON, PACT; terminal, reports, site)

`core/` holds what every stage shares (errors, keys, units, spans), `files/` reading and
writing files safely. `api.py` is the pipeline in one screen; the public API is there and
re-exported here; `cli.py` is the command line over it.
"""
__version__ = "0.1.0"

from .api import Workspace, evaluate, read_method, run_case  # noqa: E402
from .core.errors import Diagnostic, PcfError  # noqa: E402
from .inputs.inventory import Amount, Inventory, Product, Row  # noqa: E402
from .evaluation.result import Finding, ProductResult, Result  # noqa: E402

__all__ = ["Workspace", "evaluate", "read_method", "run_case", "Diagnostic", "PcfError", "Amount",
           "Inventory", "Product", "Row", "Finding", "ProductResult", "Result"]
