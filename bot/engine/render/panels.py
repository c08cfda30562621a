"""Pieces every figure is made of: the header and footer, token and row labels, a labelled heatmap,
and the arithmetic of windows and wrapped panels for long sentences."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from bot.engine.attention import WordAttention
from bot.engine.render.canvas import Box, Canvas
from bot.engine.render.fonts import text_width
from bot.engine.render.image import Image
from bot.engine.render.style import (
    ACCENT,
    CELL_PX,
    FOOTER_PX,
    FOREGROUND,
    HEADER,
    LABEL_PX,
    LEFT,
    LINE,
    MARGIN,
    MUTED,
    SMALL_PX,
    SUBTITLE_PX,
    TEXT_WIDTH,
    TITLE_PX,
    WIDTH,
)

BRAND = "BERT Lens"
ALT_CHARS = 1000  # what a screen reader is given, at most


@dataclass(frozen=True, eq=False, kw_only=True)
class Figure:
    """What every image says about itself: a title, subtitle lines, notes under the picture, its file
    name and the text a screen reader reads. Each figure's plan says how tall its body is."""

    title: str
    subtitle: list[str]
    notes: list[str]
    filename: str
    alt_text: str
    command: str = ""  # the command line that makes this image again, printed small at the bottom

    @property
    def body_px(self) -> int:
        raise NotImplementedError

    @property
    def height(self) -> int:
        return HEADER + self.body_px + footer_height(self.notes, self.command)


def begin(figure: Figure) -> Canvas:
    """A canvas of the figure's height with its title and subtitle drawn."""
    canvas = Canvas(figure.height)
    header(canvas, figure.title, figure.subtitle)
    return canvas


def finish(canvas: Canvas, figure: Figure) -> Image:
    """The notes under the body, the command that remakes the image, the brand mark, and the PNG."""
    return encoded(painted(canvas, figure), figure)


def painted(canvas: Canvas, figure: Figure) -> Canvas:
    """The notes under the body, the command that remakes the image and the brand mark, drawn (an
    animation takes the pixels of each frame from here, before any PNG is made)."""
    footer(canvas, HEADER + figure.body_px, figure.notes, figure.command)
    return canvas


def encoded(canvas: Canvas, figure: Figure) -> Image:
    png, width, height = canvas.png()
    return Image(png, width, height, figure.filename, figure.alt_text[:ALT_CHARS])


def header(canvas: Canvas, title: str, subtitle: Sequence[str]) -> None:
    canvas.text(MARGIN, 40, title, size=TITLE_PX, bold=True, max_width=TEXT_WIDTH)
    for i, line in enumerate(subtitle):
        canvas.text(MARGIN, 75 + i * LINE, line, size=SUBTITLE_PX, colour=MUTED, max_width=TEXT_WIDTH)


NOTE_LINES = 3  # a note longer than this is shortened visibly


@lru_cache(maxsize=1024)
def wrapped(note: str) -> tuple[str, ...]:
    """A note broken at spaces into lines that fit the image; said whole, not cut at the edge."""
    return tuple(_broken(note, FOOTER_PX, split_words=False)[:NOTE_LINES])


def footer_lines(notes: Sequence[str]) -> list[str]:
    return [line for note in notes for line in wrapped(note)]


COMMAND_LINE = 20  # line height of the small command text


@lru_cache(maxsize=256)
def command_lines(command: str) -> tuple[str, ...]:
    """The command broken at spaces to fit the image; a piece too long for a line is split anywhere
    (it is for reading and retyping, not for copying out of a picture byte for byte)."""
    return tuple(line for line in _broken(command, SMALL_PX, split_words=True) if line)


def _broken(text: str, px: int, *, split_words: bool) -> list[str]:
    """``text`` broken at spaces into lines as wide as the image's text at ``px``; a word wider than a
    line is cut anywhere with ``split_words``, else it stands alone on a line of its own."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        while split_words and text_width(word, px, False) > TEXT_WIDTH:
            cut = len(word)
            while cut > 1 and text_width(word[:cut], px, False) > TEXT_WIDTH:
                cut = cut * 3 // 4
            lines.extend([current] if current else [])
            lines.append(word[:cut])
            current, word = "", word[cut:]
        candidate = f"{current} {word}" if current else word
        if current and text_width(candidate, px, False) > TEXT_WIDTH:
            lines.append(current)
            current = word
        else:
            current = candidate
    lines.append(current)
    return lines


def footer_height(notes: Sequence[str], command: str = "") -> int:
    # the notes, the command that remakes the image, and the brand mark below them
    commands = len(command_lines(command)) if command else 0
    return 50 + LINE * len(footer_lines(notes)) + (COMMAND_LINE * commands + 10 if commands else 0)


def footer(canvas: Canvas, start: int, notes: Sequence[str], command: str = "") -> None:
    lines = footer_lines(notes)
    for i, line in enumerate(lines):
        canvas.text(MARGIN, start + 30 + i * LINE, line, size=FOOTER_PX, max_width=TEXT_WIDTH)
    top = start + 30 + len(lines) * LINE + 6
    for i, line in enumerate(command_lines(command) if command else ()):
        canvas.text(MARGIN, top + i * COMMAND_LINE, line, size=SMALL_PX, colour=MUTED)
    canvas.text(WIDTH - 30, canvas.height - 12, BRAND, size=SMALL_PX, colour=MUTED, align="r")


def labels_fit(labels: Sequence[str], cell: float, size: int = LABEL_PX) -> bool:
    """Whether level labels fit under columns ``cell`` pixels wide (else they are drawn rising)."""
    return max((len(label) for label in labels), default=0) * size * 0.62 <= cell * 0.95


def column_labels(
    canvas: Canvas, x_edges: np.ndarray, y: int, labels: Sequence[str], highlight: Sequence[int], rotate: bool
) -> None:
    for c, label in enumerate(labels):
        centre = (x_edges[c] + x_edges[c + 1]) / 2
        own = c in highlight
        colour, bold = (ACCENT, True) if own else (MUTED, False)
        if rotate:
            canvas.rotated_text(centre + 6, y + 4, label, size=LABEL_PX - 1, colour=colour, bold=bold)
        else:
            canvas.text(centre, y + 22, label, size=LABEL_PX, colour=colour, bold=bold, align="m")


def row_labels(
    canvas: Canvas,
    y_edges: np.ndarray,
    x: int,
    labels: Sequence[str],
    *,
    highlight: int | None = None,
    accent: Sequence[int] = (),
    size: int = LABEL_PX,
) -> None:
    for r, label in enumerate(labels):
        middle = (y_edges[r] + y_edges[r + 1]) / 2
        if r in accent:
            colour, bold = ACCENT, True
        elif r == highlight:
            colour, bold = FOREGROUND, True
        else:
            colour, bold = MUTED, False
        canvas.text(x, middle, label, size=size, colour=colour, bold=bold, align="r", valign="m")


def labelled_heatmap(
    canvas: Canvas,
    box: Box,
    data: np.ndarray,
    vmax: float,
    *,
    rows: Sequence[str],
    columns: Sequence[str],
    own: Sequence[int],
    highlight_row: int | None,
    rotate: bool,
    annotate: np.ndarray,
    value_px: int = CELL_PX,
) -> None:
    """Rows (layers or heads) by tokens: the word's own columns in the accent colour, one row outlined;
    ``annotate`` marks the cells that carry their number."""
    x_edges, y_edges = canvas.heatmap(box, data, vmax, annotate=annotate, value_px=value_px)
    row_labels(canvas, y_edges, LEFT - 10, rows, highlight=highlight_row)
    column_labels(canvas, x_edges, box[3], columns, own, rotate)
    if highlight_row is not None:
        canvas.outline(
            (box[0] - 2, y_edges[highlight_row] - 2, box[2] + 1, y_edges[highlight_row + 1] + 1),
            FOREGROUND,
            3,
        )


TOP_CELLS = 3  # labelled in each row when not every number fits
TOP_CELL_MIN_PX = 28  # "0.34" in SMALL_PX - 2 fits a cell this wide


def annotation(
    data: np.ndarray, cell_width: float, cell_height: float, every: bool
) -> tuple[np.ndarray, int]:
    """Which cells carry their number: all of them when they fit, else each row's largest few (over
    the whole row, however many panels it is drawn in) in a smaller type, so a long sentence is not a
    wall of colour with no numbers; else none."""
    if every:
        return np.isfinite(data), CELL_PX
    if data.shape[1] == 0 or cell_width < TOP_CELL_MIN_PX or cell_height < 14:
        return np.zeros(data.shape, dtype=bool), CELL_PX
    values = np.nan_to_num(data, nan=-1.0)
    top = np.argsort(-values, axis=1, kind="stable")[:, :TOP_CELLS]
    mask = np.zeros(data.shape, dtype=bool)
    np.put_along_axis(mask, top, True, axis=1)
    return mask & np.isfinite(data), SMALL_PX - 2


def window(count: int, focus: Sequence[int], size: int) -> tuple[int, int]:
    """A run of ``size`` positions out of ``count`` centred on the focus positions."""
    if count <= size:
        return 0, count
    middle = (min(focus) + max(focus)) // 2 if focus else 0
    start = max(0, min(count - size, middle - size // 2))
    return start, start + size


def chunks(count: int, per_row: int) -> list[tuple[int, int]]:
    """Split ``count`` columns into panels of at most ``per_row``, as even as possible."""
    panels = max(1, math.ceil(count / per_row))
    size = math.ceil(count / panels)
    return [(i, min(count, i + size)) for i in range(0, count, size)]


def word_columns(word: WordAttention) -> list[int]:
    """Positions, among the shown columns, of the word's own tokens."""
    own = set(word.span.token_indices)
    return [c for c, index in enumerate(word.columns) if int(index) in own]


def words_vmax(data: np.ndarray, special: Sequence[int]) -> tuple[float, bool]:
    """The top of the colour scale over the words' columns only, and whether a [CLS]/[SEP] column goes
    above it: a sink at 0.86 would otherwise draw every word in the same dark colour."""
    words = np.delete(data, list(special), axis=1) if special else data
    if words.size == 0:
        return vmax(data), False
    top = vmax(words)
    return top, bool(special) and bool((data[:, list(special)] > top + 1e-9).any())


def vmax(data: np.ndarray) -> float:
    """The top of the colour scale: the largest value shown (1 if there is none)."""
    finite = data[np.isfinite(data)]
    return float(finite.max()) if finite.size and finite.max() > 0 else 1.0
