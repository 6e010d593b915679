"""The report's stage chart written as SVG (render/barchart.py): bars to scale, text escaped, looked at."""
from __future__ import annotations

import math
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from hypothesis import assume, given
from hypothesis import strategies as st

from pcf.render.barchart import nice_ticks, stage_bars, text_width

ROOT = Path(__file__).resolve().parent.parent
NS = {"s": "http://www.w3.org/2000/svg"}
HOSTILE = 'credit </text><script>alert(1)</script> & "q" \x1b[31m'


def _svg(stages):
    return ET.fromstring(stage_bars(stages, lambda v: f"{v:.4f}"))


def _bars(root):
    return [(float(r.get("x")), float(r.get("width"))) for r in root.iterfind(".//s:rect", NS)]


def _zero(root) -> float:
    # the axis at zero: the one vertical line drawn in black
    lines = [ln for ln in root.iterfind("s:line", NS) if ln.get("stroke") == "#222" and ln.get("x1") == ln.get("x2")]
    assert len(lines) == 1
    return float(lines[0].get("x1"))


def test_bars_are_to_scale_from_zero_with_a_negative_stage_left_of_it():
    root = _svg([("a", 30.0), ("b", 10.0), ("c", -5.0)])
    (xa, wa), (xb, wb), (xc, wc) = _bars(root)
    zero = _zero(root)
    # widths 30 : 10 : 5, to the 0.1 px the coordinates are written with
    assert math.isclose(wa / wb, 3.0, rel_tol=0.01) and math.isclose(wb / wc, 2.0, rel_tol=0.01)
    assert math.isclose(xa, zero, abs_tol=0.05) and math.isclose(xb, zero, abs_tol=0.05)
    assert math.isclose(xc + wc, zero, abs_tol=0.1)          # ends at zero: drawn left of it
    assert xc > 0


def test_two_stages_with_one_label_are_two_bars_in_the_given_order():
    root = _svg([("废弃处置", 1.0), ("废弃处置", 2.0)])
    bars = _bars(root)
    assert len(bars) == 2 and bars[1][1] > bars[0][1]
    ys = [float(r.get("y")) for r in root.iterfind(".//s:rect", NS)]
    assert ys[0] < ys[1]                                     # first stage on top


def test_user_text_is_escaped_and_a_long_label_is_shortened_with_its_whole_text_in_the_tooltip():
    label = HOSTILE + "x" * 200
    svg = stage_bars([(label, 1.0)], lambda v: "1")
    root = ET.fromstring(svg)                                # well-formed: nothing closed early
    assert root.find(".//s:script", NS) is None and "<script" not in svg
    assert "\x1b" not in svg and "\\x1b[31m" in svg         # controls shown, never written
    title = root.find(".//s:title", NS).text
    assert title.startswith('credit </text><script>alert(1)</script> & "q" \\x1b[31m') and "x" * 200 in title
    shown = [t.text for t in root.iterfind("s:text", NS) if t.get("text-anchor") == "end"]
    assert len(shown) == 1 and shown[0].endswith("…") and len(shown[0]) < len(label)


def test_the_same_stages_give_the_same_bytes_and_all_zero_stages_still_draw():
    stages = [("a", 0.0), ("b", 0.0)]
    assert stage_bars(stages, str) == stage_bars(stages, str)
    root = ET.fromstring(stage_bars(stages, str))
    assert [w for _, w in _bars(root)] == [0.0, 0.0]


def test_text_width_counts_a_wide_character_as_a_full_em():
    assert text_width("原材料", 10) == 30 and text_width("abc", 10) == 18


@given(st.floats(-1e9, 0), st.floats(0, 1e9))
def test_ticks_cover_the_range_in_round_steps(lo, hi):
    # the chart's range always holds zero (bars start there)
    span = hi - lo
    assume(span > 1e-6)
    ticks = nice_ticks(lo, hi)
    assert ticks[0] <= lo + span * 1e-9 and ticks[-1] >= hi - span * 1e-9
    step = ticks[1] - ticks[0]
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert any(math.isclose(mantissa, m, rel_tol=1e-6) for m in (1, 2, 5, 10))
    assert len(ticks) <= 9


def test_the_chart_renders_in_chromium(tmp_path):
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    assert Path(chromium).exists(), "install Debian's chromium (apt-get install chromium): .ci/run does"
    stages = [("原材料获取", 52.6015), ("原材料运输", 0.4805), ("产品生产", 7.6237), ("产品运输（分销）", 1.8907),
              (HOSTILE + " recycling, a long label", -12.5), ("废弃处置", 3.2)]
    page = tmp_path / "chart.html"
    page.write_text('<!doctype html><meta charset="utf-8"><body style="margin:8px">'
                    + stage_bars(stages, lambda v: f"{v:,.4f}") + "</body>", encoding="utf-8")
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             f"--user-data-dir={tmp_path / 'profile'}", "--host-resolver-rules=MAP * ~NOTFOUND"]
    shot = artifacts / "chart-stages.png"
    subprocess.run([chromium, *flags, "--window-size=760,300", f"--screenshot={shot}", page.as_uri()],
                   capture_output=True, timeout=120)
    dom = subprocess.run([chromium, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=120).stdout
    assert shot.is_file() and shot.stat().st_size > 5_000
    assert dom.count("<rect") == len(stages) and "<script>" not in dom and "产品运输（分销）" in dom


def test_a_huge_label_is_shortened_in_one_pass_and_fits_its_column():
    from pcf.render.barchart import LABEL_MAX, WIDTH, _shortened
    short = _shortened("原" * 200_000, WIDTH * LABEL_MAX)     # quadratic trimming would take minutes
    assert short.endswith("…") and text_width(short) <= WIDTH * LABEL_MAX < text_width(short[:-1] + "原…")
