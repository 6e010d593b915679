"""Which lines and which parameters move the footprint: contribution and one-at-a-time analysis.

Contribution is each line's share of the total. The one-at-a-time analysis moves every
parameter (each input, each table column as a whole, each knowledge-base value the method
reads) down and up by `step` (10 %) with the others held, and records the total: all 2 x P
scenarios are evaluated as one batch by the compiled program. A parameter's elasticity is
the relative change of the total over the relative change of the parameter.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.keys import TABLE, Key
from ..evaluation.compiled import Program, Rows
from ..evaluation.lowering import compile_program
from ..evaluation.result import Result
from ..evaluation.totals import counts


@dataclass(frozen=True)
class Contribution:
    line: str
    stage: str
    value: float                 # kgCO2e per functional unit
    share: float


@dataclass(frozen=True)
class Swing:
    parameter: Key               # input:x, column:table.col, kb:id
    low: float                   # total with the parameter at (1 - step)
    high: float                  # total at (1 + step)
    elasticity: float            # (high - low) / total / (2 step)


@dataclass(frozen=True)
class ProductSensitivity:
    id: str
    total: float
    step: float
    contributions: tuple[Contribution, ...]
    swings: tuple[Swing, ...]    # largest |high - low| first; parameters that move nothing are left out


def sensitivity(result: Result, step: float = 0.10, prog: Program | None = None) -> tuple[ProductSensitivity, ...]:
    plan = result.plan
    prog = prog or compile_program(plan)
    out = []
    for pr in result.products:
        b = pr.trace.bound   # the inventory as the evaluation bound it
        # a word (a text input or column) is not a quantity: it is never moved
        words = {Key.input(d.name) for d in plan.method.inputs if d.is_text} | \
                {Key.column(t.name, c.name) for t in plan.method.tables for c in t.columns if c.is_text}
        params = [k for k in prog.inputs if k not in words] + \
                 [Key.column(k.name, c) for k, v in b.values.items() if k.is_a(TABLE) for c in v
                  if Key.column(k.name, c) not in words] + \
                 list(plan.constants)
        n = 2 * len(params)
        scale = np.ones((len(params), n))
        for i in range(len(params)):
            scale[i, 2 * i], scale[i, 2 * i + 1] = 1 - step, 1 + step
        row = {p: i for i, p in enumerate(params)}
        unmoved = np.ones(n)

        def moved(k):
            return scale[row[k]] if k in row else unmoved

        inputs: dict[Key, object] = {}
        for key, v in b.values.items():
            if key.is_a(TABLE):
                rows = len(next(iter(v.values()), ()))
                inputs[key] = Rows({c: np.asarray(a, float)[:, None] * moved(Key.column(key.name, c))[None, :]
                                    for c, a in v.items()}, np.ones((rows, n)))
            else:
                inputs[key] = v * moved(key)
        overrides = {k: v * scale[row[k]] for k, v in plan.constants.items()}
        V = prog.run(inputs, overrides, n=n)
        _, _, totals = prog.totals(V, b.divisor)
        swings = []
        for i, p in enumerate(params):
            low, high = float(totals[2 * i]), float(totals[2 * i + 1])
            if low == high == pr.total or (abs(high - low) <= 1e-12 * abs(pr.total)):
                continue
            swings.append(Swing(p, low, high, (high - low) / pr.total / (2 * step) if pr.total else 0.0))
        swings.sort(key=lambda s: (-abs(s.high - s.low), s.parameter))
        counted = {e.name for e in plan.method.emissions if counts(e, plan.stage_ids)}
        contributions = tuple(sorted((Contribution(l.name, l.stage, l.value, l.value / pr.total if pr.total else 0.0)
                                      for l in pr.lines if l.name in counted),
                                     key=lambda c: (-abs(c.value), c.line)))
        out.append(ProductSensitivity(pr.id, pr.total, step, contributions, tuple(swings)))
    return tuple(out)


def to_dict(found: tuple[ProductSensitivity, ...]) -> dict:
    return {"schema": "pcf-sensitivity/1", "unit": "kgCO2e per functional unit",
            "products": [{"id": p.id, "total": p.total, "step": p.step,
                          "contributions": [{"line": c.line, "stage": c.stage, "value": c.value, "share": c.share}
                                            for c in p.contributions],
                          "one_at_a_time": [{"parameter": s.parameter, "low": s.low, "high": s.high,
                                             "elasticity": s.elasticity} for s in p.swings]}
                         for p in found]}


def render_text(found: tuple[ProductSensitivity, ...], top: int = 15) -> str:
    out = []
    for p in found:
        out.append(f"product {p.id}: total {p.total:.6g} kgCO2e per functional unit")
        out.append("  contribution (share of the total)")
        w = max((len(c.line) for c in p.contributions), default=4)
        for c in p.contributions:
            out.append(f"    {c.line:<{w}}  {c.stage:<24} {c.value:>12.6g}  {c.share * 100:7.2f} %")
        pct = f"{p.step * 100:g} %"
        out.append(f"  one at a time (each parameter -{pct} / +{pct}; total at each; elasticity)")
        w = max((len(s.parameter) for s in p.swings[:top]), default=9)
        for s in p.swings[:top]:
            out.append(f"    {s.parameter:<{w}}  {s.low:>12.6g}  {s.high:>12.6g}  {s.elasticity:>7.3f}")
        if len(p.swings) > top:
            out.append(f"    ... {len(p.swings) - top} more (--top to show them, --json for all)")
        out.append("")
    return "\n".join(out).rstrip() + "\n"
