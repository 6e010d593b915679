"""SVG charts: the one matplotlib setup every chart pcf draws shares.

Text stays text (`svg.fonttype: none`), so Chinese labels render with the reader's fonts
whether or not a CJK font is installed here; ids are salted with a constant and the date
left out, so the same chart gives the same bytes. The settings hold for the chart being
drawn only (`rc_context`): nothing global is changed for the caller.
"""
from __future__ import annotations

import io
import warnings
from typing import Callable

from .render.escape import text_block

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
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    with warnings.catch_warnings(), matplotlib.rc_context(_STYLE):
        warnings.simplefilter("ignore")     # a missing CJK font: the text stays text in the SVG anyway
        fig, ax = plt.subplots(figsize=size, dpi=100)
        try:
            draw(ax)
            fig.tight_layout()
            buf = io.StringIO()
            fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": "pcf"})
        finally:
            plt.close(fig)
    # matplotlib escapes `<` and `&` in text but writes control characters as they are (XML forbids them).
    return text_block(buf.getvalue())
