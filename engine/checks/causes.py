"""The cause of a printed figure that does not match: a catalogued slip, or the implied value.

A slip of the catalogue (engine/checks/slips.py) is a candidate value for the printed figure, as an
interval (the inputs as the case declares them) and as a point (the inputs as printed). A
candidate explains the figure only when both hold:

- its interval meets the printed figure's rounding interval, and
- its point lies within the printed figure's own rounding: half a unit of the last printed
  digit with exact inputs; with rounded inputs one more half unit at most, since the report
  computed from unrounded inputs. Wide input rounding (a factor printed with one significant
  digit is ±50 %) never stretches a cause: a cause must give the printed digits.

A figure printed with too few digits (a cause window over 1 % of it) names no cause. The
cause is named only when the candidates that explain the figure all give one value
(entries with the same ratio, such as ×1000 for kg/t and for a decimal shift, are named
together) and the computation without any slip does not explain it as well. Otherwise the
finding gives the value the printed figure implies, never a guess.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Callable, Mapping

from ..evaluation.result import ProductResult
from ..plan import Plan
from .implied import implied_factor
from .interval import Interval
from .slips import Slip, applicable

REL = 1e-9
MAX_LEFT_OUT = 3   # stages left out together: more is not a slip but another calculation
# A cause window wider than this share of the figure would let some of the ~100 candidates fit
# by chance (a figure printed with one or two significant digits): no cause is named then.
MAX_WINDOW = 0.01


@dataclass(frozen=True)
class Figure:
    """A printed figure in base units, with what the calculation gives for it."""
    base: str             # total | stages | lines
    name: str             # the stage or line name ("" for a total)
    value: float
    half: float           # half-width of the printed rounding
    computed: Interval    # inputs as declared, times `scale`
    point: float          # inputs as printed, times `scale`
    scale: float          # 1, or the quantity for a period figure


@dataclass(frozen=True)
class Candidate:
    slip: Slip
    detail: str           # which stages or line, or "" for a ratio
    interval: Interval
    point: float


def cause(fig: Figure, plan: Plan, result: ProductResult, lines: Mapping[str, Interval],
          stages: Mapping[str, Interval], exact: bool, shown: Callable[[float], float], unit: str) -> str:
    """The sentence that names the slip, or the implied value when no slip is certain."""
    window = fig.half * (1 if exact else 2) + REL * abs(fig.value)
    rep = Interval.around(fig.value, fig.half)

    def explains(iv: Interval, pt: float) -> bool:
        return iv.overlaps(rep, REL * abs(fig.value)) and abs(pt - fig.value) <= window

    values: list[float] = []
    if not fig.value:
        because = "no cause is named for a printed 0; "
    elif window > MAX_WINDOW * abs(fig.value):
        because = (f"no cause is named: the printed digits (±{window / abs(fig.value) * 100:.2g} %) are too few "
                   "to tell the catalogued slips apart; ")
    else:
        fits = [c for c in candidates(fig, plan, result, lines, stages) if explains(c.interval, c.point)]
        values = sorted({round(c.point, 9 - _mag(c.point)) for c in fits})
        if len(values) == 1 and not abs(fig.point - fig.value) <= window:
            return _named(fits, plan)
        because = (f"{len(values)} catalogued slips would each give it, so none is named; " if len(values) > 1
                   else "no catalogued slip explains it; ")
    if not fig.point:
        return because + "the computed value is 0"
    ratio = fig.value / fig.point
    factor = implied_factor(plan, result.values, fig.name, ratio) if fig.base == "lines" else None
    return (because + f"the printed figure implies {ratio:.4g} × the computed value "
            f"({shown(fig.value) - shown(fig.point):+.4g} {unit})" + (f": {factor}" if factor else ""))


def candidates(fig: Figure, plan: Plan, result: ProductResult, lines: Mapping[str, Interval],
               stages: Mapping[str, Interval]) -> list[Candidate]:
    present = {k for d in plan.dims.values() for k in d}
    q = result.quantity
    out: list[Candidate] = []
    for slip in applicable(present, plan.method.setting("gwp")):
        if slip.kind == "ratio":
            out.append(Candidate(slip, "", fig.computed * slip.ratio, fig.point * slip.ratio))
        elif slip.kind == "quantity" and q:
            out.append(Candidate(slip, "", fig.computed * q, fig.point * q))
        elif slip.kind == "per-quantity" and q:
            out.append(Candidate(slip, "", fig.computed / q, fig.point / q))
        elif slip.kind == "omit-stage" and fig.base == "total":
            ids = list(stages)
            for k in range(1, min(len(ids), MAX_LEFT_OUT + 1)):
                for left_out in combinations(ids, k):
                    iv = fig.computed - sum((stages[s] * fig.scale for s in left_out), Interval(0.0, 0.0))
                    pt = fig.point - sum(result.stages[s] for s in left_out) * fig.scale
                    out.append(Candidate(slip, ", ".join(left_out), iv, pt))
        elif slip.kind in ("omit-line", "double-line") and fig.base in ("total", "stages"):
            sign = -1 if slip.kind == "omit-line" else 1
            for ln in result.lines:
                if ln.value and (fig.base == "total" or ln.stage == fig.name):
                    out.append(Candidate(slip, ln.name, fig.computed + lines[ln.name] * (sign * fig.scale),
                                         fig.point + sign * ln.value * fig.scale))
    return out


def _named(fits: list[Candidate], plan: Plan) -> str:
    first = fits[0]
    if first.slip.kind == "omit-stage":
        labels = {s.id: s.label or s.id for s in plan.method.stages}
        names = ", ".join(f"`{s}` ({labels[s]})" for s in first.detail.split(", "))
        return f"it equals the total without stage {names}: the printed total leaves it out [slip `stage-left-out`]"
    if first.slip.kind in ("omit-line", "double-line"):
        how = "without" if first.slip.kind == "omit-line" else "with a second count of"
        return f"it equals the computed figure {how} line `{first.detail}` [slip `{first.slip.name}`]"
    seen = []
    for c in fits:
        if c.slip not in seen:
            seen.append(c.slip)
    return "likely slip: " + "; or ".join(f"{s.description} [slip `{s.name}`]" for s in seen)


def _mag(x: float) -> int:
    """The decimal exponent of x, to compare candidate points relatively."""
    from math import floor, log10
    return floor(log10(abs(x))) if x else 0
