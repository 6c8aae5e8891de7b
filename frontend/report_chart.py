"""The PDF report's probability chart, drawn on reportlab's canvas: all seven classes, most
probable on top, malignant ones in red and tagged in words (a grey printout keeps the tag)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.colors import HexColor
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from frontend.charts import MUTED_COLOURS, TICKS, TYPE_COLOURS

LABEL_GAP = 6  # points between a class's name and its bar
FIGURE_WIDTH = 36  # points for "100.0%" right of the longest bar
TAG_WIDTH = 40  # points for "malignant" right of the figures
BAR_HEIGHT = 15
BAR_GAP = 5
AXIS_HEIGHT = 30  # tick labels and the axis title under the bars
FONT = "Helvetica"
FONT_SIZE = 8
GRID = HexColor("#dddddd")
INK = HexColor("#333333")
MUTED_INK = HexColor("#999999")


@dataclass(frozen=True)
class Bar:
    """One class's bar: its label, its probability in %, and whether the class is malignant."""

    label: str
    percent: float
    malignant: bool


def chart_height(count: int, bar_height: float = BAR_HEIGHT) -> float:
    """Return the points a chart of `count` bars of `bar_height` takes, axis included."""
    return count * (bar_height + BAR_GAP) + AXIS_HEIGHT


def draw_chart(
    canvas: Canvas,
    bars: Sequence[Bar],
    x: float,
    top: float,
    width: float,
    muted: bool = False,
    bar_height: float = BAR_HEIGHT,
) -> float:
    """Draw `bars` in the given order, top down from `top`, on a fixed 0–100 % axis `width` points
    wide in all (labels included); `muted` greys them out (an answer the input check calls
    unreliable). Return the y of the chart's bottom."""
    palette = MUTED_COLOURS if muted else TYPE_COLOURS
    colours = {kind: HexColor(colour) for kind, colour in palette.items()}
    ink = MUTED_INK if muted else INK
    left = x + max(stringWidth(bar.label, FONT, FONT_SIZE) for bar in bars) + LABEL_GAP
    span = width - (left - x) - FIGURE_WIDTH - TAG_WIDTH
    bottom = top - len(bars) * (bar_height + BAR_GAP)
    canvas.saveState()
    canvas.setLineWidth(0.5)
    canvas.setFont(FONT, FONT_SIZE)
    for tick in TICKS:
        tick_x = left + span * tick / 100
        canvas.setStrokeColor(GRID)
        canvas.line(tick_x, bottom, tick_x, top)
        canvas.setFillColor(INK)
        canvas.drawCentredString(tick_x, bottom - 10, f"{tick}")
    canvas.drawCentredString(left + span / 2, bottom - 22, "Probability (%)")
    for row, bar in enumerate(bars):
        y = top - row * (bar_height + BAR_GAP) - bar_height
        kind = "malignant" if bar.malignant else "benign"
        baseline = y + (bar_height - FONT_SIZE) / 2 + 1.5
        canvas.setFillColor(ink)
        canvas.setFont(FONT, FONT_SIZE)
        canvas.drawRightString(left - LABEL_GAP, baseline, bar.label)
        canvas.setFillColor(colours[kind])
        length = span * max(0.0, min(bar.percent, 100.0)) / 100
        canvas.rect(left, y, length, bar_height, stroke=0, fill=1)
        canvas.setFillColor(ink)
        canvas.drawString(left + length + 3, baseline, f"{bar.percent:.1f}%")
        canvas.setFillColor(colours[kind])
        canvas.setFont(f"{FONT}-Bold" if bar.malignant else FONT, FONT_SIZE - 1)
        canvas.drawString(left + span + FIGURE_WIDTH, baseline, kind)
    canvas.setStrokeColor(INK)
    canvas.line(left, bottom, left + span, bottom)
    canvas.restoreState()
    return bottom - AXIS_HEIGHT
