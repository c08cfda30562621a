"""A small line chart over the layers (embeddings, 1, 2, ...), drawn as pixels like everything else:
/compare's cosine with its baseline band, and "does it matter?"'s shifts after a token is removed.

Lines are drawn at 3x and scaled down, so they are smooth without a plotting library.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image as PILImage
from PIL import ImageDraw

from bot.engine.render.canvas import Box, Canvas
from bot.engine.render.style import BACKGROUND, CELL_PX, GRIDLINE, LABEL_PX, MUTED, SMALL_PX, rgb

SCALE = 3
BAND = "#4b5563"  # the baseline band: a quiet grey that the lines stand out from
LEGEND_GAP = 26  # the legend's middle, above the drawing area (value labels may rise into the area's top)
SECOND = "#7dd3fc"  # a second line, told apart from ACCENT by hue and lightness


@dataclass(frozen=True)
class Series:
    values: np.ndarray  # one per point
    colour: str
    label: str | None = None  # in the legend
    numbers: bool = (
        True  # each point's value written beside it (above, or below where another line is higher)
    )


@dataclass(frozen=True)
class Band:
    low: np.ndarray
    high: np.ndarray
    median: np.ndarray
    label: str


@dataclass(frozen=True)
class LineChart:
    series: tuple[Series, ...]
    axis: list[str]  # under each point
    axis_label: str
    lo: float
    hi: float  # the top of the drawing area (room above the last tick for the value labels)
    ticks: tuple[float, ...]
    band: Band | None = None
    digits: int = 2


def draw_line_chart(canvas: Canvas, box: Box, chart: LineChart) -> None:
    left, top, right, bottom = box
    width, height = right - left, bottom - top
    image = PILImage.new("RGB", (width * SCALE, height * SCALE), BACKGROUND)
    draw = ImageDraw.Draw(image)

    def y_of(value: float) -> float:
        return (chart.hi - value) / (chart.hi - chart.lo) * height

    xs = np.linspace(0, width, len(chart.axis) + 2)[1:-1]

    def points(values: np.ndarray) -> list[tuple[float, float]]:
        return [(float(x) * SCALE, y_of(float(v)) * SCALE) for x, v in zip(xs, values, strict=True)]

    for tick in chart.ticks:
        y = y_of(tick) * SCALE
        draw.line((0, y, image.width, y), fill=GRIDLINE, width=SCALE)
    if chart.band is not None:
        draw.polygon(points(chart.band.high) + points(chart.band.low)[::-1], fill=rgb(BAND))
        draw.line(points(chart.band.median), fill=rgb(MUTED), width=SCALE)
    radius = 4 * SCALE
    for series in chart.series:
        line = points(series.values)
        draw.line(line, fill=series.colour, width=3 * SCALE, joint="curve")
        for x, y in line:
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=series.colour)
    canvas.image.paste(image.resize((width, height), PILImage.Resampling.LANCZOS), (left, top))

    step = chart.ticks[1] - chart.ticks[0] if len(chart.ticks) > 1 else 1.0
    tick_digits = max(1, len(f"{step:g}".partition(".")[2]))
    for tick in chart.ticks:
        text = f"{tick:.{tick_digits}f}"
        canvas.text(left - 10, top + y_of(tick), text, size=SMALL_PX, colour=MUTED, align="r", valign="m")
    for i, series in enumerate(chart.series):
        if not series.numbers:
            continue
        others = [(j, s.values) for j, s in enumerate(chart.series) if j != i]
        for p, (x, value) in enumerate(zip(xs, series.values, strict=True)):
            # The lower of two lines writes its numbers underneath; on a tie the later line does.
            below = any(
                float(o[p]) > float(value) or (float(o[p]) == float(value) and j < i) for j, o in others
            )
            canvas.text(
                left + x,
                top + y_of(float(value)) + (14 if below else -12),
                f"{value:.{chart.digits}f}",
                size=CELL_PX,
                colour=series.colour,
                align="m",
                valign="m",
            )
    for x, label in zip(xs, chart.axis, strict=True):
        canvas.text(left + x, bottom + 22, label, size=LABEL_PX, colour=MUTED, align="m")
    canvas.text((left + right) / 2, bottom + 45, chart.axis_label, size=SMALL_PX, colour=MUTED, align="m")
    _legend(canvas, right, top, chart)


def _legend(canvas: Canvas, right: int, top: int, chart: LineChart) -> None:
    """Swatches and names, right-aligned above the chart, for every line (and the band) that has one."""
    entries = [(s.colour, s.label) for s in chart.series if s.label]
    if chart.band is not None:
        entries.append((BAND, chart.band.label))
    x = float(right)
    for colour, label in reversed(entries):
        assert label is not None
        width = canvas.text_width(label, SMALL_PX)
        canvas.text(x, top - LEGEND_GAP, label, size=SMALL_PX, colour=MUTED, align="r", valign="m")
        x -= width + 8
        y = top - LEGEND_GAP
        canvas.draw.rectangle((x - 14, y - 5, x, y + 5), fill=colour)
        x -= 14 + 18
