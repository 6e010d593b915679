"""The result of an evaluation: per product totals, stages, shares, lines and findings.

`Result.to_dict()` is the contract's JSON document (`pcf-result/1`). All values are in
kgCO2e per functional unit unless the name says `yearly` (the production period).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Mapping

from ..core.source import Span
from .trace import Trace

if TYPE_CHECKING:   # back-references only: the modules that make these import this one
    from ..inputs.case import Case
    from ..knowledge.kbmodel import KnowledgeBase
    from ..plan import Plan

SCHEMA = "pcf-result/1"


@dataclass(frozen=True)
class Finding:
    """A finding (findings.py catalogues the codes). `at` is where it points: a position in a
    method or inventory file, or a key path of the case and result (`products.A.total`);
    `where` is that place as text, as the JSON result and the tables print it."""
    severity: str      # error | warning | info
    code: str
    at: Span | str
    message: str

    @property
    def where(self) -> str:
        return str(self.at)

    def to_dict(self) -> dict:
        return {"severity": self.severity, "code": self.code, "where": self.where, "message": self.message}


@dataclass(frozen=True)
class MethodInfo:
    id: str
    title: str | None
    standard: str | None
    boundary: str | None
    gwp: str | None
    path: str
    extends: str | None = None
    boundary_stages: tuple[str, ...] | None = None   # a partial boundary's stages

    def to_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "standard": self.standard,
                "boundary": self.boundary.replace("_", "-") if self.boundary else None,
                **({"boundary_stages": list(self.boundary_stages)} if self.boundary_stages is not None else {}),
                "gwp": self.gwp, "extends": self.extends}

    @property
    def boundary_text(self) -> str:
        """`cradle-to-grave`, or `partial (use, end_of_life)`."""
        text = (self.boundary or "").replace("_", "-")
        return f"{text} ({', '.join(self.boundary_stages)})" if self.boundary_stages is not None else text


@dataclass(frozen=True)
class Line:
    """One emission of one product: its stage and value per functional unit."""
    name: str
    label: str | None
    stage: str
    value: float


@dataclass(frozen=True)
class ProductResult:
    id: str
    name: str | None
    functional_unit: str | None
    quantity: float | None
    total: float
    stages: Mapping[str, float]
    shares: Mapping[str, float]
    lines: tuple[Line, ...]
    values: Mapping[str, object] = field(repr=False)   # every graph node, base units, for the period
    divisor: float = 1.0                                # period values / divisor = per functional unit
    separately: Mapping[str, float] | None = None       # figures the standard reports separately (tags)
    data_quality: Mapping[str, object] | None = None
    excluded: Mapping[str, float] = field(default_factory=dict)  # lines never counted (offsets)
    trace: Trace | None = field(default=None, repr=False, compare=False)   # what computing it used
    quantity_given: str | None = None    # the quantity as the inventory gave it with a unit ("10000 t")
    period: str | None = None            # what the period is, when the inventory says ("1 hm²·a")

    def lines_frame(self):
        """A pandas DataFrame, one row per emission line (pandas is needed only here)."""
        from ..render.notebook import lines_frame
        return lines_frame(self)

    @property
    def yearly_total(self) -> float | None:
        return None if self.quantity is None else self.total * self.quantity

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "functional_unit": self.functional_unit,
                "quantity": _num(self.quantity), "total": self.total, "stages": dict(self.stages),
                "shares": dict(self.shares), "yearly_total": self.yearly_total,
                "lines": [{"name": l.name, "label": l.label, "stage": l.stage, "value": l.value}
                          for l in self.lines],
                **({"quantity_given": self.quantity_given} if self.quantity_given is not None else {}),
                **({"period": self.period} if self.period is not None else {}),
                **({"reported_separately": dict(self.separately)} if self.separately is not None else {}),
                **({"data_quality": {k: v for k, v in self.data_quality.items() if k != "lines"}}
                   if self.data_quality is not None else {})}


def _num(x):
    return int(x) if isinstance(x, float) and x.is_integer() else x


@dataclass(frozen=True)
class Result:
    method: MethodInfo
    products: tuple[ProductResult, ...]
    findings: tuple[Finding, ...]
    stage_labels: Mapping[str, str | None]
    data_year: int | None = None
    plan: Plan | None = field(default=None, repr=False, compare=False)   # the compiled plan
    case: Case | None = field(default=None, repr=False, compare=False)
    kb: KnowledgeBase | None = field(default=None, repr=False, compare=False)
    scenario: object | None = None      # evaluation.scenario.Scenario the figures were computed under

    def product(self, pid: str) -> ProductResult:
        for p in self.products:
            if p.id == pid:
                return p
        raise KeyError(pid)

    def _repr_html_(self) -> str:
        """A notebook's view: per product, stages with units, shares and total; the findings."""
        from ..render.notebook import result_html
        return result_html(self)

    def to_frame(self):
        """A pandas DataFrame, one row per product and stage (pandas is needed only here)."""
        from ..render.notebook import result_frame
        return result_frame(self)

    def to_dict(self) -> dict:
        return {"schema": SCHEMA, "method": self.method.to_dict(), "unit": "kgCO2e",
                "data_year": self.data_year,
                **({"scenario": self.scenario.to_dict()} if self.scenario is not None else {}),
                "products": [p.to_dict() for p in self.products],
                "findings": [f.to_dict() for f in self.findings]}
