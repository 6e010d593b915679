"""SVG charts: the one matplotlib setup every chart pcf draws shares.

Text stays text (`svg.fonttype: none`), so Chinese labels render with the reader's fonts
whether or not a CJK font is installed here; ids are salted with a constant and the date
left out, so the same chart gives the same bytes. The settings hold for the chart being
drawn only (`rc_context`): nothing global is changed for the caller.
"""
from __future__ import annotations

import io
import warnings
from typing import TYPE_CHECKING, Callable

from .escape import text_block

if TYPE_CHECKING:   # the charts draw these results; the analyses do not draw
    from ..analysis.sensitivity import ProductSensitivity
    from ..analysis.uncertainty import ProductSimulation, Simulation

_STYLE = {
    "svg.fonttype": "none",
    "svg.hashsalt": "pcf",
    # Labels are user text: `$...$` in a stage label is text, never mathtext (which could fail to parse).
    "text.parse_math": False,
    "font.family": ["sans-serif"],
    "font.sans-serif": ["WenQuanYi Micro Hei", "Noto Sans CJK SC", "DejaVu Sans"],
}


def svg_chart(size: tuple[float, float], draw: Callable[[object], None]) -> str:
    """An SVG document of one axes of `size` inches, which `draw(ax)` fills."""
    buf = io.StringIO()
    _draw(size, draw, buf, "svg")
    # matplotlib escapes `<` and `&` in text but writes control characters as they are (XML forbids them).
    return text_block(buf.getvalue())


def png_chart(size: tuple[float, float], draw: Callable[[object], None]) -> bytes:
    """The same chart as a PNG (150 dpi), for documents that take no SVG (Word); CJK text needs a
    CJK font here (WenQuanYi or Noto Sans CJK), which .ci/browser-deps installs."""
    buf = io.BytesIO()
    _draw(size, draw, buf, "png")
    return buf.getvalue()


def _draw(size, draw, buf, fmt: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    with warnings.catch_warnings(), matplotlib.rc_context(_STYLE):
        warnings.simplefilter("ignore")     # a missing CJK font: the text stays text in the SVG anyway
        fig, ax = plt.subplots(figsize=size, dpi=150 if fmt == "png" else 100)
        try:
            draw(ax)
            fig.tight_layout()
            meta = {"Date": None, "Creator": "pcf"} if fmt == "svg" else {"Software": "pcf"}
            fig.savefig(buf, format=fmt, metadata=meta)
        finally:
            plt.close(fig)


def histogram_svg(p: "ProductSimulation", sim: "Simulation", lang: str = "en") -> str:
    """The distribution of the total, with the deterministic value and the 95 % interval marked."""
    words = {"en": ("total, kgCO2e per functional unit (line: deterministic; dashed: 2.5 % and 97.5 %)", "draws",
                    f"{p.id}: {sim.draws:,} draws, seed {sim.seed}"),
             "zh": ("合计，kgCO2e/功能单位（实线：确定值；虚线：2.5% 与 97.5% 分位数）", "抽样次数",
                    f"{p.id}：抽样 {sim.draws:,} 次，随机种子 {sim.seed}")}[lang]

    def draw(ax):
        ax.hist(p.draws, bins=60, color="#4c72b0", alpha=0.85)
        ax.axvline(p.total.deterministic, color="black", linewidth=1)
        for x in (p.total.p2_5, p.total.p97_5):
            ax.axvline(x, color="#dd8452", linestyle="--", linewidth=1)
        ax.set_xlabel(words[0])
        ax.set_ylabel(words[1])
        ax.set_title(words[2])

    return svg_chart((7, 3.2), draw)


def tornado_svg(p: "ProductSensitivity", top: int = 15) -> str:
    """A tornado chart: the `top` parameters by swing, bars from the low to the high total."""
    swings = list(p.swings[:top])[::-1]

    def draw(ax):
        for i, s in enumerate(swings):
            ax.barh(i, s.low - p.total, left=p.total, color="#4c72b0")
            ax.barh(i, s.high - p.total, left=p.total, color="#dd8452")
        ax.axvline(p.total, color="black", linewidth=0.8)
        ax.set_yticks(range(len(swings)), [s.parameter for s in swings], fontsize=8)
        ax.set_xlabel(f"total, kgCO2e per functional unit (parameter -{p.step:.0%} blue, +{p.step:.0%} orange)")
        ax.set_title(f"{p.id}: one-at-a-time sensitivity")

    return svg_chart((7, 0.4 * len(swings) + 1.2), draw)
