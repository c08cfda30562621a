"""How every image looks, named once: width, colours, type sizes, margins, and when a figure wraps,
windows or annotates. Figures read these names instead of carrying pixel numbers of their own.

Sizes are fixed (1000 px wide) with large text, readable when a phone scales it down, on a dark
background that also stands out on Discord's light theme.
"""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps

WIDTH = 1000
PNG_COMPRESS_LEVEL = 3  # deflate level; flat heatmaps gain little from more

BACKGROUND = "#232428"
FOREGROUND = "#f2f3f5"
MUTED = "#b5bac1"
GRIDLINE = "#3a3c42"
ACCENT = "#ff8fd0"  # the word's own tokens; distinct from every cividis colour
DARK_TEXT = "#111214"

TITLE_PX = 24
SUBTITLE_PX = 17
LABEL_PX = 17
CELL_PX = 15
FOOTER_PX = 17
SMALL_PX = 14

MARGIN = 35  # left edge of titles, subtitles and notes
LEFT = 125  # room for "layer 12" / token labels
RIGHT = 95  # room for the colour bar
PLOT_WIDTH = WIDTH - LEFT - RIGHT
HEADER = 150  # title and three subtitle lines
LINE = 30
TEXT_WIDTH = WIDTH - 2 * MARGIN

COLUMN_LABELS_PX = 45  # room under a heatmap for level token labels
ROTATED_LABELS_PX = 105  # ... and for labels rising at an angle
COLORBAR_LEFT = WIDTH - 62
COLORBAR_RIGHT = WIDTH - 46

MAX_COLUMNS_PER_ROW = 24  # more tokens than this wrap onto another panel
MAX_WRAPPED_COLUMNS = 72  # beyond this, a window around the word (and the image says so)
MAX_MATRIX_TOKENS = 40
MAX_GRID_TOKENS = 64
MAX_LABEL_CHARS = 12
SENTENCE_CHARS = 90  # characters of the sentence in a subtitle before it is shortened


def rgb(colour: str) -> tuple[int, int, int]:
    value = int(colour.lstrip("#"), 16)
    return (value >> 16) & 255, (value >> 8) & 255, value & 255


# cividis is designed for colour-vision deficiency; 256 steps, and which steps need dark text on top.
LUT = (colormaps["cividis"](np.linspace(0, 1, 256))[:, :3] * 255).round().astype(np.uint8)
LUT_DARK_TEXT = (0.2126 * LUT[:, 0] + 0.7152 * LUT[:, 1] + 0.0722 * LUT[:, 2]) > 128
BG = np.array(rgb(BACKGROUND), dtype=np.uint8)
