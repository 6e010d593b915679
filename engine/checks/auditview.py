"""`pcf audit`: every printed figure of a case with its computed interval and verdict.

The verifier's view of the audit (engine/checks/audit.py): the case is run as `pcf run` runs it,
then each product's printed figures are checked again to keep, per figure, the computed
interval, the value with the inputs as printed, and the verdict: consistent (the value with
the printed inputs rounds to the printed figure), edge (consistent only thanks to the
rounding of the inputs), inconsistent (a `reported-mismatch`), or other-unit (a factor
printed per another unit).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from ..api import Workspace
from ..core.errors import PcfError
from ..evaluation.evaluate import bind
from ..evaluation.result import Finding, Result
from .across import across_checks
from .audit import Check, figure_checks, product_intervals
from .rows import row_checks

VERDICTS = ("consistent", "edge", "inconsistent", "other-unit")
MARKS = {"consistent": "✓", "edge": "✓ (at the edge of rounding)", "inconsistent": "✗ inconsistent",
         "other-unit": "≠ printed in another unit"}   # the seed gallery's mark per printed figure


@dataclass(frozen=True)
class AuditView:
    title: str | None
    inputs: str                      # rounded | exact
    checks: tuple[Check, ...]
    findings: tuple[Finding, ...]    # the audit's findings (reported-*)

    def failed(self, severity: str | None) -> bool:
        """Whether a finding of `severity` or worse exists (`--fail-on`)."""
        worse = {"error": {"error"}, "warning": {"error", "warning"}}.get(severity or "", set())
        return any(f.severity in worse for f in self.findings)

    def to_dict(self) -> dict:
        return {"schema": "pcf-audit/1", "title": self.title, "inputs": self.inputs,
                "figures": [_row(c) for c in self.checks], "findings": [f.to_dict() for f in self.findings]}


def audit_case(ws: Workspace, case_dir: Path | str, result: Result | None = None) -> AuditView:
    """The audit chapter of a case; `result`, the case's run as it stands (no other method or
    scenario), when the caller has it already: a report ran it once, not twice."""
    result = result if result is not None else ws.run_case(case_dir)
    case = result.case
    checks: list[Check] = []
    by_id = {p.id: p for p in result.products}
    for p in case.inventory.products:
        figures = [f for f in case.reported if f.product == p.id]
        rows = [r for r in case.rows if r.product == p.id]
        if (figures or rows) and p.id in by_id:
            bound = bind(result.plan, p, ws.kb, case.inventory.path)
            checks += figure_checks(result.plan, bound, by_id[p.id], figures, case.audit)[0]
            checks += row_checks(result.plan, bound, by_id[p.id], rows, case.audit)[0]
    if case.across:
        bounds = {p.id: bind(result.plan, p, ws.kb, case.inventory.path) for p in case.inventory.products
                  if p.id in by_id}
        checks += across_checks(case.across, by_id, {pid: product_intervals(result.plan, b, by_id[pid], case.audit)
                                                     for pid, b in bounds.items()}, result.plan)[0]
    findings = tuple(f for f in result.findings if f.code.startswith("reported"))
    order = [p.id for p in result.products]
    checks = [replace(c, trace=_trace(result, order, c)) if c.verdict in ("inconsistent", "edge") else c
              for c in checks]
    return AuditView(case.title, case.audit.inputs, tuple(checks), findings)


TRACE_DEPTH = 3   # a figure, what it is made of, and what those are made of: the verifier's first look


def _trace(result, order: list[str], c: Check):
    """How the computed figure was made (explain's tree, cut at TRACE_DEPTH), for a figure the
    verifier has to look at: the inventory line and the factor behind it."""
    from ..analysis.explain import explain
    f = c.figure
    if f.product not in order:
        return None   # a figure across products: its operands are figures of their own
    kind, _, name = f.path.partition(".")
    base = kind.replace("yearly_", "")
    if base == "rows":
        name = name.partition("[")[0]
    target = None if base == "total" else name
    try:
        return explain(result, target, TRACE_DEPTH)[order.index(f.product)]
    except PcfError:
        return None


def _row(c: Check) -> dict:
    f = c.figure
    return {"product": f.product, "figure": f.path, "printed": f"{f.text} {f.unit}".rstrip(), "where": f.where,
            "at": str(f.span) if f.span else None,
            "computed": None if c.computed is None else {"lo": c.computed.lo, "value": c.point, "hi": c.computed.hi,
                                                         "unit": f.unit},
            "verdict": c.verdict, "note": c.note or None,
            **({"trace": c.trace.to_dict()} if c.trace is not None else {})}
