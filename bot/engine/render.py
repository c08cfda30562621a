"""Heatmaps as PNG bytes, composed as pixels: numpy for the cells, Pillow (FreeType) for the text.

Why not matplotlib figures: a labelled heatmap needs 30-150 text artists, and matplotlib spends about
a millisecond on each, which made drawing 5-10x slower than the forward pass itself and held the GIL
long enough to stall the bot's event loop (see ``python -m bench`` and the README's benchmark notes).
Here every cell, separator and outline is one numpy array, text is drawn straight onto the image, and
nothing is shared between threads except read-only tables, so several workers can render at once.
Matplotlib still provides what it is best at: the ``cividis`` colour map (designed for colour-vision
deficiency) and the DejaVu fonts.

Every image labels itself: model, sentence, word, layer/head, aggregation and whether specials are
hidden. Sizes are fixed (1000 px wide) with large text, readable when a phone scales it down, on a dark
background that also stands out on Discord's light theme.
"""

from __future__ import annotations

import math
import os
import struct
import textwrap
import threading
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

import matplotlib
import numpy as np
from matplotlib import colormaps, font_manager
from matplotlib.ft2font import FT2Font
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

from bot.engine.analysis import AttentionResult, Comparison, WordAttention, all_heads, layer_matrix

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

LEFT = 125  # room for "layer 12" / token labels
RIGHT = 95  # room for the colour bar
PLOT_WIDTH = WIDTH - LEFT - RIGHT
HEADER = 150  # title and three subtitle lines
LINE = 30

MAX_COLUMNS_PER_ROW = 24  # more tokens than this wrap onto another panel
MAX_WRAPPED_COLUMNS = 72  # beyond this, a window around the word (and the image says so)
MAX_MATRIX_TOKENS = 40
MAX_GRID_TOKENS = 64
MAX_LABEL_CHARS = 12


def _rgb(colour: str) -> tuple[int, int, int]:
    value = int(colour.lstrip("#"), 16)
    return (value >> 16) & 255, (value >> 8) & 255, value & 255


_LUT = (colormaps["cividis"](np.linspace(0, 1, 256))[:, :3] * 255).round().astype(np.uint8)
_LUT_DARK_TEXT = (0.2126 * _LUT[:, 0] + 0.7152 * _LUT[:, 1] + 0.0722 * _LUT[:, 2]) > 128
_BG = np.array(_rgb(BACKGROUND), dtype=np.uint8)


# ---------------------------------------------------------------------------------------------- fonts


def _font_files() -> list[tuple[str, str]]:
    """(regular, bold) font files in fallback order: DejaVu, then a Hangul/CJK font if installed."""
    ttf = os.path.join(matplotlib.get_data_path(), "fonts", "ttf")
    files = [(os.path.join(ttf, "DejaVuSans.ttf"), os.path.join(ttf, "DejaVuSans-Bold.ttf"))]
    for family in ("Noto Sans CJK KR", "NanumGothic", "Noto Sans KR", "Noto Sans CJK JP"):
        try:
            path = font_manager.findfont(
                font_manager.FontProperties(family=family), fallback_to_default=False
            )
        except ValueError:
            continue
        files.append((path, path))
        break
    return files


FONT_FILES = _font_files()


@cache
def _charmap(path: str) -> frozenset[int]:
    return frozenset(FT2Font(path).get_charmap())


_local = threading.local()


def _font(index: int, size: int, bold: bool) -> ImageFont.FreeTypeFont:
    """Fonts per thread: a FreeType face must not be used by two threads at once."""
    cache: dict[tuple[int, int, bool], ImageFont.FreeTypeFont] = _local.__dict__.setdefault("fonts", {})
    key = (index, size, bold)
    if key not in cache:
        cache[key] = ImageFont.truetype(FONT_FILES[index][1 if bold else 0], size)
    return cache[key]


@lru_cache(maxsize=4096)
def _runs(text: str) -> tuple[tuple[int, str], ...]:
    """Split text into runs for the first font that has each character (DejaVu lacks Hangul)."""
    primary = _charmap(FONT_FILES[0][0])
    if all(ord(char) in primary for char in text):
        return ((0, text),)
    runs: list[tuple[int, str]] = []
    for char in text:
        index = next((i for i, (path, _) in enumerate(FONT_FILES) if ord(char) in _charmap(path)), 0)
        if runs and runs[-1][0] == index:
            runs[-1] = (index, runs[-1][1] + char)
        else:
            runs.append((index, char))
    return tuple(runs)


_PAD = 2  # pixels around a text mask, so antialiased edges are not cut


@dataclass(frozen=True)
class _Glyphs:
    mask: PILImage.Image  # 8-bit coverage, drawn with any colour via ImageDraw.bitmap
    width: float  # advance width of the text
    baseline: int  # from the mask's top
    middle: int  # vertical centre of the font's ascender-descender band, from the mask's top


@lru_cache(maxsize=8192)
def _text_mask(text: str, size: int, bold: bool) -> _Glyphs:
    """Text rasterised once and reused: labels, values and titles repeat across images, and
    FreeType rendering is most of what drawing text costs. Masks are never modified after this."""
    runs = _runs(text)
    fonts = [_font(index, size, bold) for index, _ in runs]
    width = sum(font.getlength(run) for font, (_, run) in zip(fonts, runs, strict=True))
    ascent = max(font.getmetrics()[0] for font in fonts)
    descent = max(font.getmetrics()[1] for font in fonts)
    mask = PILImage.new("L", (math.ceil(width) + 2 * _PAD, ascent + descent + 2 * _PAD), 0)
    draw = ImageDraw.Draw(mask)
    cursor = float(_PAD)
    for font, (_, run) in zip(fonts, runs, strict=True):
        draw.text((cursor, _PAD + ascent), run, font=font, fill=255, anchor="ls")
        cursor += font.getlength(run)
    return _Glyphs(mask, width, _PAD + ascent, _PAD + (ascent + descent) // 2)


@lru_cache(maxsize=2048)
def _turned_mask(text: str, size: int, bold: bool, angle: float) -> PILImage.Image:
    return _text_mask(text, size, bold).mask.rotate(angle, resample=PILImage.Resampling.BICUBIC, expand=True)


# ------------------------------------------------------------------------------------------- helpers


@dataclass(frozen=True)
class Image:
    """A rendered PNG and what a screen reader or a caption should say about it."""

    png: bytes
    width: int
    height: int
    filename: str
    alt_text: str


def short(token: str, limit: int = MAX_LABEL_CHARS) -> str:
    return token if len(token) <= limit else token[: limit - 1] + "\u2026"


def clip_text(text: str, width: int, lines: int) -> tuple[list[str], bool]:
    """Wrap ``text`` to at most ``lines`` lines; return the lines and whether anything was cut."""
    wrapped = textwrap.wrap(" ".join(text.split()), width=width) or [""]
    if len(wrapped) <= lines:
        return wrapped, False
    kept = wrapped[:lines]
    kept[-1] = kept[-1][: width - 1].rstrip() + "\u2026"
    return kept, True


def quoted(text: str) -> str:
    return f"\u201c{text}\u201d"


def _printable(text: str) -> str:
    """Control characters (tabs, newlines, zero-width marks) would draw as boxes or break lines."""
    if text.isprintable():
        return text
    return "".join(" " if not ch.isprintable() else ch for ch in text)


class Canvas:
    """An RGB image with text and heatmap drawing, laid out top to bottom in pixels."""

    def __init__(self, height: int) -> None:
        self.width = WIDTH
        self.height = int(height)
        self.image = PILImage.new("RGB", (self.width, self.height), BACKGROUND)
        self.draw = ImageDraw.Draw(self.image)

    # ---------------------------------------------------------------------------------- text

    def text_width(self, text: str, size: int, bold: bool = False) -> float:
        return _text_mask(_printable(text), size, bold).width

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
        text = _printable(text)
        if max_width is not None and self.text_width(text, size, bold) > max_width:
            text = self._shorten(text, size, bold, max_width)
        glyphs = _text_mask(text, size, bold)
        left = x - (glyphs.width / 2 if align == "m" else glyphs.width if align == "r" else 0)
        top = y - (glyphs.middle if valign == "m" else glyphs.baseline)
        self.draw.bitmap((round(left) - _PAD, round(top)), glyphs.mask, fill=colour)

    def _shorten(self, text: str, size: int, bold: bool, max_width: float) -> str:
        low, high = 0, len(text)
        while low < high:  # the longest prefix that fits with its ellipsis
            middle = (low + high + 1) // 2
            if self.text_width(text[:middle].rstrip() + "\u2026", size, bold) <= max_width:
                low = middle
            else:
                high = middle - 1
        return text[:low].rstrip() + "\u2026"

    def rotated_text(
        self, x: float, y: float, text: str, *, size: int, colour: str, bold: bool = False, angle: float = 50
    ) -> None:
        """Text rising to the right, its end at (x, y): how long token labels fit under narrow columns."""
        turned = _turned_mask(_printable(text), size, bold, angle)
        # The text's end (its right edge) ends up in the top-right corner of the turned box.
        self.draw.bitmap((int(x - turned.width), int(y)), turned, fill=colour)

    def vertical_text(self, x: float, y: float, text: str, *, size: int, colour: str) -> None:
        """Text reading bottom to top, centred on (x, y)."""
        turned = _turned_mask(_printable(text), size, False, 90)
        self.draw.bitmap((int(x - turned.width / 2), int(y - turned.height / 2)), turned, fill=colour)

    # ------------------------------------------------------------------------------ heatmaps

    def heatmap(
        self,
        box: tuple[int, int, int, int],
        data: np.ndarray,
        vmax: float,
        *,
        gamma: float = 1.0,
        separators: bool = True,
        annotate: bool = False,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Fill ``box`` (left, top, right, bottom) with one cell per value of ``data`` (NaN = background).

        Returns the pixel edges of the columns and rows, for labels and outlines.
        """
        left, top, right, bottom = box
        rows, cols = data.shape
        scaled = np.clip(np.nan_to_num(data, nan=0.0) / (vmax or 1.0), 0.0, 1.0) ** gamma
        index = np.rint(scaled * 255).astype(np.intp)
        colours = _LUT[index]
        colours[~np.isfinite(data)] = _BG
        x_edges = np.linspace(left, right, cols + 1).round().astype(int)
        y_edges = np.linspace(top, bottom, rows + 1).round().astype(int)
        pixels = np.repeat(np.repeat(colours, np.diff(y_edges), axis=0), np.diff(x_edges), axis=1)
        if separators and min((right - left) / cols, (bottom - top) / rows) >= 8:
            # Thin background lines keep neighbouring dark cells apart.
            pixels[y_edges[1:-1] - 1 - top] = _BG
            pixels[:, x_edges[1:-1] - 1 - left] = _BG
        self.image.paste(PILImage.fromarray(pixels, "RGB"), (left, top))
        if annotate:
            for r in range(rows):
                for c in range(cols):
                    value = data[r, c]
                    if not np.isfinite(value):
                        continue
                    colour = DARK_TEXT if _LUT_DARK_TEXT[index[r, c]] else FOREGROUND
                    self.text(
                        (x_edges[c] + x_edges[c + 1]) / 2,
                        (y_edges[r] + y_edges[r + 1]) / 2,
                        f"{value:.2f}",
                        size=CELL_PX,
                        colour=colour,
                        align="m",
                        valign="m",
                    )
        return x_edges, y_edges

    def outline(self, box: tuple[float, float, float, float], colour: str, width: int) -> None:
        self.draw.rectangle(box, outline=colour, width=width)

    def colorbar(self, top: int, bottom: int, vmax: float, label: str, *, gamma: float = 1.0) -> None:
        left, right = WIDTH - 62, WIDTH - 46
        height = bottom - top
        if height < 20:
            return
        ramp = np.linspace(1.0, 0.0, height)[:, None]
        index = np.rint(ramp * 255).astype(np.intp)
        strip = np.repeat(_LUT[index[:, 0]][:, None, :], right - left, axis=1)
        self.image.paste(PILImage.fromarray(np.ascontiguousarray(strip), "RGB"), (left, top))
        for tick in _ticks(vmax):
            fraction = (tick / vmax) ** gamma if vmax else 0.0
            y = bottom - fraction * height
            self.draw.line((right, y, right + 4, y), fill=MUTED, width=1)
            tick_text = f"{tick:.3f}".rstrip("0").rstrip(".") or "0"
            self.text(right + 7, y, tick_text, size=SMALL_PX - 2, colour=MUTED, valign="m")
        self.vertical_text(left - 12, (top + bottom) / 2, label, size=SMALL_PX - 1, colour=MUTED)

    def png(self) -> tuple[bytes, int, int]:
        return encode_png(np.asarray(self.image)), self.width, self.height


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(pixels: np.ndarray, level: int = PNG_COMPRESS_LEVEL) -> bytes:
    """An 8-bit RGB PNG with no row filters.

    Pillow's encoder tries all five PNG filters on every row, which costs three times as long as the
    deflate itself and buys nothing on flat heatmap colours (our images come out smaller this way).
    """
    height, width, channels = pixels.shape
    if channels != 3:
        raise ValueError("encode_png takes RGB pixels")
    rows = np.empty((height, 1 + width * 3), dtype=np.uint8)
    rows[:, 0] = 0  # filter type None
    rows[:, 1:] = pixels.reshape(height, width * 3)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8 bits, truecolour, no interlace
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(rows.data, level))
        + _png_chunk(b"IEND", b"")
    )


def _ticks(vmax: float) -> list[float]:
    if vmax <= 0:
        return [0.0]
    raw = vmax / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [i * step for i in range(int(vmax / step + 1e-9) + 1)]


def _header(canvas: Canvas, title: str, subtitle: Sequence[str]) -> None:
    canvas.text(35, 40, title, size=TITLE_PX, bold=True, max_width=WIDTH - 70)
    for i, line in enumerate(subtitle):
        canvas.text(35, 75 + i * LINE, line, size=SUBTITLE_PX, colour=MUTED, max_width=WIDTH - 70)


def _footer_height(lines: Sequence[str]) -> int:
    return 50 + LINE * len(lines)  # the lines, and the "BERT Lens" mark below them


def _footer(canvas: Canvas, start: int, lines: Sequence[str]) -> None:
    for i, line in enumerate(lines):
        canvas.text(35, start + 30 + i * LINE, line, size=FOOTER_PX, max_width=WIDTH - 70)
    canvas.text(WIDTH - 30, canvas.height - 12, "BERT Lens", size=SMALL_PX, colour=MUTED, align="r")


def _labels_fit(labels: Sequence[str], cell: float, size: int) -> bool:
    return max((len(label) for label in labels), default=0) * size * 0.62 <= cell * 0.95


def _column_labels(
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


def _row_labels(
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


def _labelled_heatmap(
    canvas: Canvas,
    box: tuple[int, int, int, int],
    data: np.ndarray,
    vmax: float,
    *,
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    own: Sequence[int],
    highlight_row: int | None,
    rotate: bool,
    annotate: bool,
) -> None:
    """Rows (layers or heads) by tokens: the word's own columns in the accent colour, one row outlined."""
    x_edges, y_edges = canvas.heatmap(box, data, vmax, annotate=annotate)
    _row_labels(canvas, y_edges, LEFT - 10, row_labels, highlight=highlight_row)
    _column_labels(canvas, x_edges, box[3], col_labels, own, rotate)
    if highlight_row is not None:
        canvas.outline(
            (box[0] - 2, y_edges[highlight_row] - 2, box[2] + 1, y_edges[highlight_row + 1] + 1),
            FOREGROUND,
            3,
        )


def _window(count: int, focus: Sequence[int], size: int) -> tuple[int, int]:
    """A run of ``size`` positions out of ``count`` centred on the focus positions."""
    if count <= size:
        return 0, count
    middle = (min(focus) + max(focus)) // 2 if focus else 0
    start = max(0, min(count - size, middle - size // 2))
    return start, start + size


def _chunks(count: int, per_row: int) -> list[tuple[int, int]]:
    panels = max(1, math.ceil(count / per_row))
    size = math.ceil(count / panels)
    return [(i, min(count, i + size)) for i in range(0, count, size)]


def _word_columns(word: WordAttention) -> list[int]:
    own = set(word.span.token_indices)
    return [c for c, index in enumerate(word.columns) if int(index) in own]


def _specials_label(hidden: bool, renormalised: bool) -> str:
    if not hidden:
        return "specials shown"
    return "[CLS]/[SEP] hidden, rows rescaled to sum to 1" if renormalised else "[CLS]/[SEP] hidden"


def _top_line(word: WordAttention, layer_text: str, k: int = 5) -> str:
    top = word.top(k)
    listed = " \u00b7 ".join(f"{short(t.token, 16)} {t.weight:.2f}" for t in top) or "(no other tokens)"
    return f"Most attended in {layer_text} (itself aside): {listed}"


def _sink_tip(word: WordAttention) -> str | None:
    """Say why [CLS]/[SEP] dominate instead of letting them silently wash out the colour scale."""
    share = word.sink_share()
    if share is None:
        return None
    return (
        f"Tip: [CLS]/[SEP] take {share:.0%} of its attention in layer {word.layer + 1} "
        "(an 'attention sink'); hide them to compare the words."
    )


def _pieces_note(word: WordAttention) -> str | None:
    if word.span.pieces < 2:
        return None
    pieces = " + ".join(word.analysis.sentence.tokens[i] for i in word.span.token_indices)
    return (
        f"{quoted(word.span.text)} is {word.span.pieces} tokens ({short(pieces, 60)}): "
        "their rows are averaged."
    )


def _shortening_notes(start: int, stop: int, total: int, sentence_cut: bool) -> list[str]:
    """What the image leaves out, said on the image: a window of a long sentence, a cut subtitle."""
    notes = []
    if (start, stop) != (0, total):
        notes.append(f"Long sentence: showing tokens {start + 1}\u2013{stop} of {total}, around the word.")
    if sentence_cut:
        notes.append("The sentence is shortened in the subtitle.")
    return notes


def _sentence_title(prefix: str, text: str, width: int = 64) -> tuple[str, bool]:
    lines, cut = clip_text(text, width, 1)
    return f"{prefix} {quoted(lines[0])}", cut


def _vmax(data: np.ndarray) -> float:
    finite = data[np.isfinite(data)]
    return float(finite.max()) if finite.size and finite.max() > 0 else 1.0


# ---------------------------------------------------------------------------- layers/heads x tokens


def _rows_figure(
    result: AttentionResult,
    data: np.ndarray,
    row_labels: Sequence[str],
    highlight_row: int | None,
    title: str,
    what: str,
    colour_label: str,
) -> Image:
    word = result.word
    analysis = result.analysis
    labels = [short(t) for t in word.tokens]
    own_cols = _word_columns(word)
    start, stop = _window(len(labels), own_cols, MAX_WRAPPED_COLUMNS)
    chunks = [(start + a, start + b) for a, b in _chunks(stop - start, MAX_COLUMNS_PER_ROW)]
    per_row = max(b - a for a, b in chunks)
    cell = PLOT_WIDTH / per_row
    rotate = not _labels_fit(labels[start:stop], cell, LABEL_PX)
    label_px = 105 if rotate else 45
    row_px = 42 if len(row_labels) <= 8 else 34
    annotate = cell >= 50 and len(row_labels) <= 16

    sentence_line, cut = _sentence_title("in", analysis.sentence.text, width=90)
    subtitle = [
        sentence_line,
        f"{analysis.model} \u00b7 {analysis.num_layers} layers \u00d7 {analysis.num_heads} heads",
        f"{what} \u00b7 {_specials_label(word.hide_special, word.heads.is_distribution)}",
    ]
    notes = [_top_line(word, f"layer {word.layer + 1}, {word.heads.label(analysis.num_heads)}")]
    if (tip := _sink_tip(word)) is not None and result.resolved.view != "rollout":
        notes.append(tip)
    if (piece_note := _pieces_note(word)) is not None:
        notes.append(piece_note)
    notes.extend(_shortening_notes(start, stop, len(labels), cut))
    if analysis.sentence.unknown_count:
        notes.append(
            f"{analysis.sentence.unknown_count} character(s) unknown to this model's vocabulary: [UNK]."
        )

    panel_px = len(row_labels) * row_px + label_px + 25
    height = HEADER + panel_px * len(chunks) + _footer_height(notes)
    canvas = Canvas(height)
    _header(canvas, title, subtitle)
    vmax = _vmax(data[:, start:stop])
    top = HEADER
    for a, b in chunks:
        box = (
            LEFT,
            top + 10,
            LEFT + round(PLOT_WIDTH * (b - a) / per_row),
            top + 10 + len(row_labels) * row_px,
        )
        _labelled_heatmap(
            canvas,
            box,
            data[:, a:b],
            vmax,
            row_labels=row_labels,
            col_labels=labels[a:b],
            own=[c - a for c in own_cols if a <= c < b],
            highlight_row=highlight_row,
            rotate=rotate,
            annotate=annotate,
        )
        top += panel_px
    canvas.colorbar(HEADER + 10, HEADER + 10 + len(row_labels) * row_px, vmax, colour_label)
    _footer(canvas, HEADER + panel_px * len(chunks), notes)
    png, width, height = canvas.png()
    top3 = ", ".join(f"{t.token} {t.weight:.2f}" for t in word.top(3))
    alt = f"{title} {subtitle[0]}. In layer {word.layer + 1} {word.span.text!r} attends most to {top3}."
    return Image(png, width, height, f"bertlens-{result.resolved.view}.png", alt[:1000])


def render_attention(result: AttentionResult) -> Image:
    view = result.resolved.view
    if view == "matrix":
        return _matrix_figure(result)
    if view == "grid":
        return _grid_figure(result)
    word = result.word
    analysis = result.analysis
    if view == "heads":
        layer = word.layer
        highlight = word.heads.head if word.heads.agg == "head" else None
        return _rows_figure(
            result,
            word.per_head[layer],
            [f"head {h + 1}" for h in range(analysis.num_heads)],
            highlight,
            f"Each head's attention from {quoted(word.span.text)}, layer {layer + 1}",
            f"heads view: layer {layer + 1} of {analysis.num_layers}, every head"
            + (", each rescaled" if word.hide_special else ""),
            "attention weight",
        )
    layer_labels = [f"layer {i + 1}" for i in range(analysis.num_layers)]
    if view == "rollout":
        return _rows_figure(
            result,
            word.rows,
            layer_labels,
            word.layer,
            f"Attention rollout from {quoted(word.span.text)}",
            "rollout (Abnar & Zuidema 2020): mean of heads + residual, multiplied through layers",
            "rollout weight",
        )
    return _rows_figure(
        result,
        word.rows,
        layer_labels,
        word.layer,
        f"Where {quoted(word.span.text)} looks, layer by layer",
        f"word view: {word.heads.label(analysis.num_heads)} \u00b7 layer {word.layer + 1} outlined",
        "attention weight" if word.heads.agg != "max" else "max weight over heads",
    )


# ---------------------------------------------------------------------------------- tokens x tokens


def _matrix_figure(result: AttentionResult) -> Image:
    word = result.word
    analysis = result.analysis
    matrix, keep = layer_matrix(analysis, word.layer, word.heads, hide_special=word.hide_special)
    labels = [short(analysis.sentence.tokens[i]) for i in keep]
    own_tokens = set(word.span.token_indices)
    own = [p for p, index in enumerate(keep) if int(index) in own_tokens]
    start, stop = _window(len(labels), own, MAX_MATRIX_TOKENS)
    matrix = matrix[start:stop, start:stop]
    labels = labels[start:stop]
    own = [p - start for p in own if start <= p < stop]
    count = len(labels)
    cell = PLOT_WIDTH / count
    rotate = not _labels_fit(labels, cell, LABEL_PX)
    label_px = 105 if rotate else 45
    heat_px = int(min(PLOT_WIDTH, max(300, count * 42)))
    annotate = cell >= 55 and heat_px / count >= 38

    sentence_line, cut = _sentence_title("in", analysis.sentence.text, width=90)
    subtitle = [
        sentence_line,
        f"{analysis.model} \u00b7 matrix view: layer {word.layer + 1} of {analysis.num_layers}, "
        f"{word.heads.label(analysis.num_heads)}",
        f"rows attend to columns \u00b7 {_specials_label(word.hide_special, word.heads.is_distribution)}",
    ]
    notes = [f"Rows of {quoted(word.span.text)} are outlined; each row sums to 1 before any hiding."]
    notes.extend(_shortening_notes(start, stop, len(keep), cut))
    body = heat_px + label_px + 30
    canvas = Canvas(HEADER + body + _footer_height(notes))
    _header(canvas, f"Who attends to whom, layer {word.layer + 1}", subtitle)
    vmax = _vmax(matrix)
    box = (LEFT, HEADER + 15, LEFT + PLOT_WIDTH, HEADER + 15 + heat_px)
    x_edges, y_edges = canvas.heatmap(box, matrix, vmax, annotate=annotate)
    _row_labels(canvas, y_edges, LEFT - 10, labels, accent=own)
    _column_labels(canvas, x_edges, box[3], labels, own, rotate)
    if own:
        canvas.outline((box[0] - 2, y_edges[min(own)] - 2, box[2] + 1, y_edges[max(own) + 1] + 1), ACCENT, 3)
    canvas.colorbar(box[1], box[3], vmax, "attention weight")
    _footer(canvas, HEADER + body, notes)
    png, width, height = canvas.png()
    alt = f"Attention matrix of layer {word.layer + 1} for {analysis.sentence.text!r}, {analysis.model}."
    return Image(png, width, height, "bertlens-matrix.png", alt[:1000])


def _grid_figure(result: AttentionResult) -> Image:
    """bertviz's model view as a still: every layer x head, each a tokens x tokens thumbnail."""
    word = result.word
    analysis = result.analysis
    matrices, keep = all_heads(analysis, hide_special=word.hide_special)
    own_tokens = set(word.span.token_indices)
    own = [p for p, index in enumerate(keep) if int(index) in own_tokens]
    start, stop = _window(len(keep), own, MAX_GRID_TOKENS)
    matrices = matrices[:, :, start:stop, start:stop]
    own = [p - start for p in own if start <= p < stop]
    layers, heads, count, _ = matrices.shape
    gap = max(1, count // 6)
    # One mosaic, gaps as NaN: each thumbnail is count x count cells, thumbnails gap cells apart.
    step = count + gap
    mosaic = np.full((layers * step - gap, heads * step - gap), np.nan, dtype=np.float32)
    for layer in range(layers):
        for head in range(heads):
            mosaic[layer * step : layer * step + count, head * step : head * step + count] = matrices[
                layer, head
            ]
    heat_px = int(PLOT_WIDTH * mosaic.shape[0] / mosaic.shape[1])

    sentence_line, cut = _sentence_title("in", analysis.sentence.text, width=90)
    subtitle = [
        sentence_line,
        f"{analysis.model} \u00b7 grid view: {layers} layers \u00d7 {heads} heads, tokens \u00d7 tokens each",
        f"{_specials_label(word.hide_special, True)} \u00b7 square-root colour scale",
    ]
    notes = [f"Rows of {quoted(word.span.text)} are outlined in every thumbnail. Rows attend to columns."]
    notes.extend(_shortening_notes(start, stop, len(keep), cut))
    body = heat_px + 75
    canvas = Canvas(HEADER + body + _footer_height(notes))
    _header(canvas, f"Every head at once, for {quoted(word.span.text)}", subtitle)
    box = (LEFT, HEADER + 45, LEFT + PLOT_WIDTH, HEADER + 45 + heat_px)
    x_edges, y_edges = canvas.heatmap(box, mosaic, 1.0, gamma=0.5, separators=False)
    for head in range(heads):
        centre = (x_edges[head * step] + x_edges[head * step + count]) / 2
        canvas.text(centre, box[1] - 12, f"H{head + 1}", size=LABEL_PX - 1, colour=MUTED, align="m")
    for layer in range(layers):
        middle = (y_edges[layer * step] + y_edges[layer * step + count]) / 2
        canvas.text(
            LEFT - 12, middle, f"L{layer + 1}", size=LABEL_PX - 1, colour=MUTED, align="r", valign="m"
        )
        if own:
            for head in range(heads):
                canvas.outline(
                    (
                        x_edges[head * step] - 1,
                        y_edges[layer * step + min(own)] - 1,
                        x_edges[head * step + count],
                        y_edges[layer * step + max(own) + 1],
                    ),
                    ACCENT,
                    1,
                )
    canvas.colorbar(box[1], box[3], 1.0, "attention weight", gamma=0.5)
    _footer(canvas, HEADER + body, notes)
    png, width, height = canvas.png()
    alt = f"All {layers * heads} attention heads of {analysis.model} for {analysis.sentence.text!r}."
    return Image(png, width, height, "bertlens-grid.png", alt[:1000])


# ------------------------------------------------------------------------------------------ compare


def _line_chart(canvas: Canvas, box: tuple[int, int, int, int], values: np.ndarray) -> None:
    """Cosine per layer: drawn at 3x and scaled down, so the line is smooth without a plotting library."""
    left, top, right, bottom = box
    lo = min(0.0, float(values.min()) - 0.05)
    hi = 1.18
    scale = 3
    chart = PILImage.new("RGB", ((right - left) * scale, (bottom - top) * scale), BACKGROUND)
    draw = ImageDraw.Draw(chart)

    def y_of(value: float) -> float:
        return (hi - value) / (hi - lo) * (bottom - top)

    xs = np.linspace(0, right - left, len(values) + 2)[1:-1]
    for tick in (0.0, 0.5, 1.0):
        y = y_of(tick) * scale
        draw.line((0, y, chart.width, y), fill=GRIDLINE, width=scale)
    points = [(float(x) * scale, y_of(float(v)) * scale) for x, v in zip(xs, values, strict=True)]
    draw.line(points, fill=ACCENT, width=3 * scale, joint="curve")
    radius = 4 * scale
    for x, y in points:
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=ACCENT)
    canvas.image.paste(chart.resize((right - left, bottom - top), PILImage.Resampling.LANCZOS), (left, top))
    for tick in (0.0, 0.5, 1.0):
        canvas.text(
            left - 10, top + y_of(tick), f"{tick:.1f}", size=SMALL_PX, colour=MUTED, align="r", valign="m"
        )
    for i, (x, value) in enumerate(zip(xs, values, strict=True)):
        canvas.text(left + x, top + y_of(float(value)) - 12, f"{value:.2f}", size=CELL_PX, align="m")
        canvas.text(
            left + x, bottom + 22, "emb" if i == 0 else str(i), size=LABEL_PX, colour=MUTED, align="m"
        )
    canvas.text((left + right) / 2, bottom + 45, "layer", size=SMALL_PX, colour=MUTED, align="m")


def render_comparison(comparison: Comparison) -> Image:
    a, b = comparison.a, comparison.b
    analysis = a.analysis
    layers = analysis.num_layers
    word_text = a.span.text
    ids = ", ".join(map(str, comparison.ids_a))
    if comparison.same_ids:
        id_line = f"Token id {ids} in both sentences: the same input vector before any context."
    else:
        id_line = f"Token ids differ: {ids} vs {', '.join(map(str, comparison.ids_b))}."
    cos = comparison.cosine
    lesson = (
        f"Cosine similarity of the two {quoted(word_text)} vectors: {cos[0]:.2f} after the embeddings, "
        f"{cos[-1]:.2f} after layer {layers}."
    )
    subtitle = [
        f"{analysis.model} \u00b7 {layers} layers \u00d7 {analysis.num_heads} heads",
        f"word view of each sentence: mean of {analysis.num_heads} heads \u00b7 "
        f"{_specials_label(a.hide_special, True)}",
        id_line,
    ]
    row_px = 42 if layers <= 8 else 32
    panels = []
    for word in (a, b):
        labels = [short(t) for t in word.tokens]
        start, stop = _window(len(labels), _word_columns(word), MAX_COLUMNS_PER_ROW)
        cell = PLOT_WIDTH / (stop - start)
        rotate = not _labels_fit(labels[start:stop], cell, LABEL_PX)
        panels.append((word, labels, start, stop, rotate, cell))
    panel_px = [45 + layers * row_px + (105 if p[4] else 45) + 15 for p in panels]
    chart_px = 230
    notes = [lesson, _top_line(a, f"A, layer {layers}", 3), _top_line(b, f"B, layer {layers}", 3)]
    for word in (a, b):
        if (tip := _sink_tip(word)) is not None:
            notes.append(tip)
            break
    if any((p[2], p[3]) != (0, len(p[1])) for p in panels):
        notes.append(f"Long sentence: showing the {MAX_COLUMNS_PER_ROW} tokens around the word.")
    canvas = Canvas(HEADER + sum(panel_px) + chart_px + _footer_height(notes))
    _header(canvas, f"Same word, different context: {quoted(word_text)}", subtitle)
    vmax = max(_vmax(p[0].rows[:, p[2] : p[3]]) for p in panels)
    offset = HEADER
    for i, (word, labels, start, stop, rotate, cell) in enumerate(panels):
        line, _ = _sentence_title("AB"[i] + ":", word.analysis.sentence.text, width=90)
        canvas.text(35, offset + 22, line, size=SUBTITLE_PX + 1, bold=True, max_width=WIDTH - 70)
        box = (LEFT, offset + 45, LEFT + PLOT_WIDTH, offset + 45 + layers * row_px)
        _labelled_heatmap(
            canvas,
            box,
            word.rows[:, start:stop],
            vmax,
            row_labels=[f"layer {j + 1}" for j in range(layers)],
            col_labels=labels[start:stop],
            own=[c - start for c in _word_columns(word) if start <= c < stop],
            highlight_row=layers - 1,
            rotate=rotate,
            annotate=cell >= 50,
        )
        if i == 0:
            canvas.colorbar(box[1], box[3], vmax, "attention weight")
        offset += panel_px[i]
    canvas.text(
        35,
        offset + 25,
        f"Cosine similarity of {quoted(word_text)} in A vs B, per layer (1 = same vector)",
        size=SUBTITLE_PX,
        bold=True,
    )
    _line_chart(canvas, (LEFT, offset + 55, LEFT + PLOT_WIDTH, offset + chart_px - 55), cos)
    _footer(canvas, offset + chart_px, notes)
    png, width, height = canvas.png()
    alt = f"{quoted(word_text)} in two sentences with {analysis.model}. {id_line} {lesson}"
    return Image(png, width, height, "bertlens-compare.png", alt[:1000])
