"""The report's stage chart, written as SVG directly: one bar per stage from zero, its value beside it.

matplotlib drew it before; importing matplotlib took about 0.35 s of every `pcf report`, half
of the command's time, for a chart of a few rectangles and labels. Written here, the chart also
shows what matplotlib's version did not: a negative stage (a removal, a recycling credit) as a
bar left of zero (the axis started at zero and cut it off), and two stages with the same label
as two bars (a category axis merged them). The Word report still draws its PNG with matplotlib
(`report.chart(..., png=True)`): Word takes no SVG.

Text stays text in the reader's fonts, so Chinese labels need no font here; a label too long
for its column is shortened with "…" and shown whole as the bar's tooltip (`<title>`). Every
piece of user text is XML-escaped with its control characters made visible; the same stages
give the same bytes.
"""
from __future__ import annotations

import math
import unicodedata
from typing import Callable, Sequence

from .escape import html_text, visible_controls

WIDTH = 700            # px, as matplotlib's 7 in at 100 dpi; the SVG scales to its container
ROW = 30               # px per stage
TOP, AXIS = 12, 46     # px above the first bar; below the last bar for the axis, its ticks and its title
FONT = 12              # px
LABEL_MAX = 0.34       # of the width: the widest label column
BAR_COLOR = "#2f7fc1"
FONTS = "'WenQuanYi Micro Hei', 'Noto Sans CJK SC', 'DejaVu Sans', sans-serif"


def text_width(s: str, size: float = FONT) -> float:
    """An estimate of `s`'s width in px: wide (CJK) characters a full em, others about 0.6 em.
    No font is measured: the reader's fonts draw the text; the estimate only sizes the columns."""
    return size * sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.6 for c in s)


def _shortened(s: str, room: float) -> str:
    """`s`, or as much of it as fits with "…" after it (one pass: a label may be very long)."""
    if text_width(s) <= room:
        return s
    used, end = text_width("…"), 0
    for ch in s:
        w = text_width(ch)
        if used + w > room:
            break
        used += w
        end += 1
    return s[:end] + "…"


def nice_ticks(lo: float, hi: float, most: int = 6) -> list[float]:
    """Round tick values (1, 2 or 5 times a power of ten apart), the first at or below `lo`, the
    last at or above `hi` (lo < hi): the axis ends on a tick, so the longest bar has room."""
    raw = (hi - lo) / most
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw * (1 - 1e-12))
    first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    return [k * step if k else 0.0 for k in range(first, last + 1)]


def _tick_text(t: float, ticks: Sequence[float]) -> str:
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    return f"{t:,.{decimals}f}"


def stage_bars(stages: Sequence[tuple[str, float]], number: Callable[[float], str], unit: str = "kgCO2e") -> str:
    """An SVG document: a horizontal bar per (label, value), in the order given, top to bottom;
    `number` formats the value written beside each bar (the report's own number format)."""
    labels = [visible_controls(str(label)) for label, _ in stages]
    shown = [number(v) for _, v in stages]
    values = [float(v) if math.isfinite(v) else 0.0 for _, v in stages]    # a result is finite; never a broken chart
    room = WIDTH * LABEL_MAX
    short = [_shortened(s, room) for s in labels]
    label_w = max((text_width(s) for s in short), default=0.0)
    lo, hi = min([0.0, *values]), max([0.0, *values])
    if hi == lo:
        hi = 1.0
    ticks = nice_ticks(lo, hi)
    lo, hi = ticks[0], ticks[-1]
    # Room for the value texts: right of the longest positive bar, left of the longest negative one.
    right = max((text_width(s) for s, v in zip(shown, values) if v >= 0), default=0.0) + 10
    left = max((text_width(s) for s, v in zip(shown, values) if v < 0), default=0.0) + (10 if lo < 0 else 0)
    x0 = 8 + label_w + 10 + left
    x1 = WIDTH - max(right, 14)

    def x(v: float) -> float:
        return x0 + (v - lo) / (hi - lo) * (x1 - x0)

    height = TOP + ROW * len(values) + AXIS
    base = TOP + ROW * len(values)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
           f'height="{height}" role="img" font-family="{FONTS}" font-size="{FONT}">']
    for t in ticks:
        out.append(f'<line x1="{x(t):.1f}" y1="{TOP}" x2="{x(t):.1f}" y2="{base}" stroke="#e3e3e3"/>')
        out.append(f'<text x="{x(t):.1f}" y="{base + 16}" text-anchor="middle" fill="#333">'
                   f'{_tick_text(t, ticks)}</text>')
    out.append(f'<text x="{(x0 + x1) / 2:.1f}" y="{base + 36}" text-anchor="middle" fill="#333">'
               f'{html_text(unit)}</text>')
    for i, (label, full, v, text) in enumerate(zip(short, labels, values, shown)):
        top = TOP + ROW * i
        mid = top + ROW / 2 + FONT * 0.35
        a, b = sorted((x(0.0), x(v)))
        out.append(f'<g><title>{html_text(full)}: {html_text(text)} {html_text(unit)}</title>'
                   f'<rect x="{a:.1f}" y="{top + 5}" width="{b - a:.1f}" height="{ROW - 10}" fill="{BAR_COLOR}"/></g>')
        out.append(f'<text x="{8 + label_w:.1f}" y="{mid:.1f}" text-anchor="end" fill="#222">{html_text(label)}</text>')
        if v >= 0:
            out.append(f'<text x="{b + 4:.1f}" y="{mid:.1f}" fill="#222">{html_text(text)}</text>')
        else:
            out.append(f'<text x="{a - 4:.1f}" y="{mid:.1f}" text-anchor="end" fill="#222">{html_text(text)}</text>')
    out.append(f'<line x1="{x(0.0):.1f}" y1="{TOP}" x2="{x(0.0):.1f}" y2="{base}" stroke="#222"/>')
    out.append(f'<line x1="{x0:.1f}" y1="{base}" x2="{x1:.1f}" y2="{base}" stroke="#222"/>')
    out.append("</svg>")
    return "\n".join(out)
