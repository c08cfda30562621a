"""An RGB canvas laid out top to bottom in pixels: text, heatmap cells, outlines, a colour bar.

Every cell, separator and outline is one numpy array and text is pasted from cached masks, so an
image costs a few milliseconds and several worker threads can draw at once (nothing is shared
between them but read-only tables).
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image as PILImage
from PIL import ImageDraw

from bot.engine.render.fonts import PAD, graphemes, printable, text_mask, text_width, turned_mask
from bot.engine.render.png import encode_png
from bot.engine.render.style import (
    BACKGROUND,
    BG,
    CELL_PX,
    COLORBAR_LEFT,
    COLORBAR_RIGHT,
    DARK_TEXT,
    FOREGROUND,
    LUT,
    LUT_DARK_TEXT,
    MUTED,
    SMALL_PX,
    WIDTH,
)
from bot.text import ELLIPSIS

Box = tuple[int, int, int, int]  # left, top, right, bottom


def _cluster_cuts(text: str) -> list[int]:
    """Where ``text`` may be cut without splitting a grapheme cluster: 0, ..., len(text)."""
    cuts = [0]
    for cluster in graphemes(text):
        cuts.append(cuts[-1] + len(cluster))
    return cuts


def ticks(vmax: float) -> list[float]:
    """Four or five round numbers from 0 to ``vmax`` for a colour bar."""
    if vmax <= 0:
        return [0.0]
    raw = vmax / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [i * step for i in range(int(vmax / step + 1e-9) + 1)]


class Canvas:
    def __init__(self, height: int) -> None:
        self.width = WIDTH
        self.height = int(height)
        self.image = PILImage.new("RGB", (self.width, self.height), BACKGROUND)
        self.draw = ImageDraw.Draw(self.image)

    # ---------------------------------------------------------------------------------------- text

    def text_width(self, text: str, size: int, bold: bool = False) -> float:
        return text_width(printable(text), size, bold)

    def text(
        self,
        x: float,
        y: float,
        text: str,
        *,
        size: int,
        colour: str = FOREGROUND,
        bold: bool = False,
        align: str = "l",
        valign: str = "s",
        max_width: float | None = None,
    ) -> None:
        """Draw ``text`` with (x, y) at its left/middle/right ``align`` and baseline/middle ``valign``,
        shortened with an ellipsis if it would be wider than ``max_width`` pixels."""
        text = printable(text)
        if max_width is not None and self.text_width(text, size, bold) > max_width:
            text = self._shorten(text, size, bold, max_width)
        glyphs = text_mask(text, size, bold)
        left = x - (glyphs.width / 2 if align == "m" else glyphs.width if align == "r" else 0)
        top = y - (glyphs.middle if valign == "m" else glyphs.baseline)
        self.draw.bitmap((round(left) - PAD, round(top)), glyphs.mask, fill=colour)

    def _shorten(self, text: str, size: int, bold: bool, max_width: float) -> str:
        # Cut between grapheme clusters, never inside one (an emoji sequence, a jamo syllable).
        cuts = list(range(len(text) + 1)) if text.isascii() else _cluster_cuts(text)
        low, high = 0, len(cuts) - 1
        while low < high:  # the longest prefix that fits with its ellipsis
            middle = (low + high + 1) // 2
            if self.text_width(text[: cuts[middle]].rstrip() + ELLIPSIS, size, bold) <= max_width:
                low = middle
            else:
                high = middle - 1
        return text[: cuts[low]].rstrip() + ELLIPSIS

    def rotated_text(
        self, x: float, y: float, text: str, *, size: int, colour: str, bold: bool = False, angle: float = 50
    ) -> None:
        """Text rising to the right, its end at (x, y): how long token labels fit under narrow columns."""
        turned = turned_mask(printable(text), size, bold, angle)
        # The text's end (its right edge) ends up in the top-right corner of the turned box.
        self.draw.bitmap((int(x - turned.width), int(y)), turned, fill=colour)

    def vertical_text(self, x: float, y: float, text: str, *, size: int, colour: str) -> None:
        """Text reading bottom to top, centred on (x, y)."""
        turned = turned_mask(printable(text), size, False, 90)
        self.draw.bitmap((int(x - turned.width / 2), int(y - turned.height / 2)), turned, fill=colour)

    # ------------------------------------------------------------------------------------ heatmaps

    def heatmap(
        self,
        box: Box,
        data: np.ndarray,
        vmax: float,
        *,
        gamma: float = 1.0,
        separators: bool = True,
        annotate: bool | np.ndarray = False,
        value_px: int = CELL_PX,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Fill ``box`` with one cell per value of ``data`` (NaN = background), writing the value in
        every cell (``annotate=True``) or in the cells a boolean mask of ``data``'s shape picks.

        Returns the pixel edges of the columns and rows, for labels and outlines.
        """
        left, top, right, bottom = box
        rows, cols = data.shape
        scaled = np.clip(np.nan_to_num(data, nan=0.0) / (vmax or 1.0), 0.0, 1.0) ** gamma
        index = np.rint(scaled * 255).astype(np.intp)
        colours = LUT[index]
        colours[~np.isfinite(data)] = BG
        x_edges = np.linspace(left, right, cols + 1).round().astype(int)
        y_edges = np.linspace(top, bottom, rows + 1).round().astype(int)
        pixels = np.repeat(np.repeat(colours, np.diff(y_edges), axis=0), np.diff(x_edges), axis=1)
        if separators and min((right - left) / cols, (bottom - top) / rows) >= 8:
            # Thin background lines keep neighbouring dark cells apart.
            pixels[y_edges[1:-1] - 1 - top] = BG
            pixels[:, x_edges[1:-1] - 1 - left] = BG
        self.image.paste(PILImage.fromarray(pixels, "RGB"), (left, top))
        chosen = np.full(data.shape, bool(annotate)) if isinstance(annotate, bool) else annotate
        if chosen.any():
            for r, c in zip(*np.nonzero(chosen), strict=True):
                value = data[r, c]
                if np.isfinite(value):
                    colour = DARK_TEXT if LUT_DARK_TEXT[index[r, c]] else FOREGROUND
                    self.text(
                        (x_edges[c] + x_edges[c + 1]) / 2,
                        (y_edges[r] + y_edges[r + 1]) / 2,
                        f"{value:.2f}",
                        size=value_px,
                        colour=colour,
                        align="m",
                        valign="m",
                    )
        return x_edges, y_edges

    def outline(self, box: tuple[float, float, float, float], colour: str, width: int) -> None:
        self.draw.rectangle(box, outline=colour, width=width)

    def colorbar(self, top: int, bottom: int, vmax: float, label: str, *, gamma: float = 1.0) -> None:
        left, right = COLORBAR_LEFT, COLORBAR_RIGHT
        height = bottom - top
        if height < 20:
            return
        ramp = np.linspace(1.0, 0.0, height)[:, None]
        index = np.rint(ramp * 255).astype(np.intp)
        strip = np.repeat(LUT[index[:, 0]][:, None, :], right - left, axis=1)
        self.image.paste(PILImage.fromarray(np.ascontiguousarray(strip), "RGB"), (left, top))
        for tick in ticks(vmax):
            fraction = (tick / vmax) ** gamma if vmax else 0.0
            y = bottom - fraction * height
            self.draw.line((right, y, right + 4, y), fill=MUTED, width=1)
            tick_text = f"{tick:.3f}".rstrip("0").rstrip(".") or "0"
            self.text(right + 7, y, tick_text, size=SMALL_PX - 2, colour=MUTED, valign="m")
        self.vertical_text(left - 12, (top + bottom) / 2, label, size=SMALL_PX - 1, colour=MUTED)

    def png(self) -> tuple[bytes, int, int]:
        return encode_png(np.asarray(self.image)), self.width, self.height
