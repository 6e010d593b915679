"""The shared SVG chart setup: text kept as text, the same bytes each time, nothing global changed."""
from __future__ import annotations

import matplotlib

from pcf.render.charts import svg_chart


def _bars(ax):
    ax.barh(["生产", "运输"], [2.0, 1.0])
    ax.set_title("阶段")


def test_a_chart_is_svg_with_its_text_as_text_and_the_same_bytes_each_time():
    first = svg_chart((4, 2), _bars)
    assert first.startswith("<?xml") and "<svg" in first
    assert "生产" in first and "阶段" in first      # not paths: readable, searchable, any font
    assert svg_chart((4, 2), _bars) == first


def test_drawing_a_chart_leaves_matplotlibs_settings_as_they_were():
    svg_chart((4, 2), _bars)    # the first chart selects the Agg backend, once per process
    before = dict(matplotlib.rcParams)
    svg_chart((4, 2), _bars)
    assert dict(matplotlib.rcParams) == before
