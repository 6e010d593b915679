"""Fitting an inventory to a method: the checks every inventory shape shares, said one way.

TOML inventories, sheets and workbooks are bound product by product (`evaluate.bind`); wide
catalogues column by column (`batch._wide`). Both ask the same three questions of what they
read (is it an input of the method, is it in a unit of the declared dimension, is a required
input missing) and answer with the texts below.
"""
from __future__ import annotations

from ..core.errors import did_you_mean
from ..core.units import UnitSpec, format_dim


def unknown_input(name: str, method) -> tuple[str, str | None]:
    """(message, hint) for a name the method does not declare as an input."""
    return (f"`{name}` is not an input of method `{method.id}`",
            did_you_mean(name, [d.name for d in method.inputs]))


def declared_as(d) -> str:
    """An input as its method declares it: `name` (unit, label)."""
    return f"`{d.name}` ({d.unit}{', ' + d.label if d.label else ''})"


def dimension_problem(given: str, spec: UnitSpec, declared_unit: str, want: UnitSpec) -> str | None:
    """None when `spec` has the declared dimension, else what is wrong with `given`."""
    if spec.dim == want.dim:
        return None
    return f"{given} is {format_dim(spec.dim)}, the method expects {declared_unit} ({format_dim(want.dim)})"
