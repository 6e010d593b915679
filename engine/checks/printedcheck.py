"""Printed figures against each other: a total and its printed stages, shares and 100 %, a
share and its printed stage over the printed total.

No computation is involved, so these hold whatever the inputs: each printed figure is an
interval of its printed rounding, and a slip (engine/checks/slips.py, kind `printed`) is named
only when the intervals cannot meet. A figure the audit already found wrong gets the remark
added to its finding; any other gets a `reported-inconsistent` finding.
"""
from __future__ import annotations

from dataclasses import replace

from ..core.units import UnitError
from ..evaluation.result import Finding
from ..inputs.reported import ReportedFigure
from ..plan import Plan
from .interval import Interval
from .slips import by_name

SLACK = 1e-9


def printed_checks(plan: Plan, stage_ids: list[str], figures: list[ReportedFigure]) -> list[tuple[str, str]]:
    """(where, sentence) for each disagreement among one product's printed figures."""
    if not figures:
        return []
    pid = figures[0].product
    iv = {f.path: x for f in figures if (x := printed_interval(plan, f)) is not None}
    out: list[tuple[str, str]] = []
    for total, parts in (("total", "stages"), ("yearly_total", "yearly_stages")):
        keys = [f"{parts}.{s}" for s in stage_ids]
        if total in iv and keys and all(k in iv for k in keys):
            added = sum((iv[k] for k in keys), Interval(0.0, 0.0))
            if not added.overlaps(iv[total], SLACK * abs(iv[total].mid)):
                out.append((total, _say("total-not-sum-of-parts",
                                        f"the printed stage figures add up to {_pct(added, iv[total])}")))
    shares = [f"shares.{s}" for s in stage_ids]
    if shares and all(k in iv for k in shares):
        added = sum((iv[k] for k in shares), Interval(0.0, 0.0))
        if not added.overlaps(Interval(1.0, 1.0), SLACK):
            out.append(("shares", _say("shares-not-100", f"the printed shares add up to {added.mid * 100:.4g} %")))
    for s in stage_ids:
        for total, parts in (("total", "stages"), ("yearly_total", "yearly_stages")):
            share, part = iv.get(f"shares.{s}"), iv.get(f"{parts}.{s}")
            if share is None or part is None or total not in iv:
                continue
            ratio = part / iv[total]
            if not ratio.overlaps(share, SLACK):
                out.append((f"shares.{s}", _say("share-not-part-over-total",
                                                f"printed {parts}.{s} / printed {total} is "
                                                f"{part.mid / iv[total].mid * 100:.4g} %")))
            break   # the per-unit figures when printed, else the period ones
    return [(f"products.{pid}.{where}", sentence) for where, sentence in out]


def merge(findings: list[Finding], checks: list[tuple[str, str]]) -> list[Finding]:
    """The audit's findings with the printed-figure checks added: one finding per figure."""
    out = list(findings)
    for where, sentence in checks:
        i = next((i for i, f in enumerate(out) if f.where == where), None)
        if i is None:
            out.append(Finding("error", "reported-inconsistent", where, sentence[0].upper() + sentence[1:]))
        else:
            out[i] = replace(out[i], message=f"{out[i].message}; also {sentence}")
    return out


def printed_interval(plan: Plan, f: ReportedFigure) -> Interval | None:
    """A printed total, stage or share as the interval of its rounding, in base units."""
    kind = f.path.partition(".")[0]
    if kind not in ("total", "yearly_total", "stages", "yearly_stages", "shares"):
        return None
    try:
        spec = plan.units.parse(f.unit)
    except UnitError:
        return None   # the audit reports the unit
    return Interval.around(spec.to_base(f.value), spec.to_base(f.half_width))


def _say(slip: str, detail: str) -> str:
    return f"{by_name(slip).description}: {detail} [slip `{slip}`]"


def _pct(added: Interval, total: Interval) -> str:
    return f"{added.mid:.6g} kgCO2e, {(total.mid - added.mid) / added.mid * 100:+.2f} % in the printed total" \
        if added.mid else f"{added.mid:.6g} kgCO2e"
