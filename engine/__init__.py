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
re-exported here (resolved on first use, PEP 562, so that `pcf --help` loads no pint,
numpy or lark); `cli.py` is the command line over it.
"""
from __future__ import annotations

from importlib import import_module

__version__ = "0.1.0"

# name -> the module that defines it
_EXPORTS = {"Workspace": "api", "evaluate": "api", "read_method": "api", "run_case": "api",
            "Diagnostic": "core.errors", "PcfError": "core.errors",
            "Amount": "inputs.inventory", "Inventory": "inputs.inventory", "Product": "inputs.inventory",
            "Row": "inputs.inventory",
            "Finding": "evaluation.result", "ProductResult": "evaluation.result", "Result": "evaluation.result"}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'pcf' has no attribute {name!r}")
    return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
