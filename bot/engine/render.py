"""Heatmaps as PNG bytes, drawn on ``matplotlib.figure.Figure`` objects (never pyplot, whose global
state is not thread-safe), so several executor threads can render at once.

Every image labels itself: model, sentence, word, layer/head, aggregation and whether specials are
hidden. Sizes are fixed in inches (no tight bounding box) so layout is cheap and predictable, and text
is large enough to read on a phone. Colours: ``cividis`` (designed for colour-vision deficiency) on a
dark background that also stands out on Discord's light theme.
"""

from __future__ import annotations

import io
import math
import textwrap
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib
import numpy as np
from matplotlib import colormaps
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import Normalize, PowerNorm
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from bot.engine.analysis import AttentionResult, Comparison, WordAttention, all_heads, layer_matrix

matplotlib.use("Agg", force=False)
# Sentences may hold characters no installed font has; a box is drawn, a warning per glyph is noise.
warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font", category=UserWarning)
warnings.filterwarnings("ignore", message=r"Matplotlib currently does not support", category=UserWarning)

DPI = 100
WIDTH_IN = 10.0  # 1000 px: sharp on desktop, and text stays readable when a phone scales it down

BACKGROUND = "#232428"
FOREGROUND = "#f2f3f5"
MUTED = "#b5bac1"
ACCENT = "#ff8fd0"  # the word's own tokens; distinct from every cividis colour
CMAP = colormaps["cividis"].with_extremes(bad=BACKGROUND)

TITLE_PT = 17
SUBTITLE_PT = 12.5
LABEL_PT = 12
CELL_PT = 11
FOOTER_PT = 12

MAX_COLUMNS_PER_ROW = 24  # more tokens than this wrap onto another panel
MAX_WRAPPED_COLUMNS = 72  # beyond this, a window around the word (and the image says so)
MAX_MATRIX_TOKENS = 40
MAX_GRID_TOKENS = 64
MAX_LABEL_CHARS = 12


def _font_families() -> list[str]:
    # Prefer fonts with Hangul/CJK glyphs when the machine has them (the Docker image installs one).
    wanted = ["DejaVu Sans", "Noto Sans CJK KR", "NanumGothic", "Noto Sans KR"]
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return [name for name in wanted if name in installed] or ["sans-serif"]


FONT_FAMILIES = _font_families()


@dataclass(frozen=True)
class Image:
    """A rendered PNG and what a screen reader or a caption should say about it."""

    png: bytes
    width: int
    height: int
    filename: str
    alt_text: str


# ------------------------------------------------------------------------------------------ helpers


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


def _luminance(rgba: np.ndarray) -> np.ndarray:
    return 0.2126 * rgba[..., 0] + 0.7152 * rgba[..., 1] + 0.0722 * rgba[..., 2]


class Canvas:
    """A figure laid out top to bottom in inches, so the size is known before anything is drawn."""

    LEFT_IN = 1.25
    RIGHT_IN = 0.95

    def __init__(self, blocks_in: Sequence[float]) -> None:
        self.height_in = sum(blocks_in)
        self.fig = Figure(figsize=(WIDTH_IN, self.height_in), dpi=DPI, facecolor=BACKGROUND)
        FigureCanvasAgg(self.fig)
        self._tops: list[float] = []
        top = self.height_in
        for block in blocks_in:
            self._tops.append(top)
            top -= block
        self._blocks = list(blocks_in)

    def y(self, inches_from_top: float) -> float:
        return 1.0 - inches_from_top / self.height_in

    def axes(self, block: int, *, pad_top: float = 0.0, pad_bottom: float = 0.0, left: float | None = None,
             right: float | None = None):  # noqa: ANN201 - matplotlib Axes
        left_in = self.LEFT_IN if left is None else left
        right_in = self.RIGHT_IN if right is None else right
        top = self._tops[block] - pad_top
        height = self._blocks[block] - pad_top - pad_bottom
        ax = self.fig.add_axes(
            (left_in / WIDTH_IN, (top - height) / self.height_in, (WIDTH_IN - left_in - right_in) / WIDTH_IN,
             height / self.height_in)
        )
        ax.set_facecolor(BACKGROUND)
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.tick_params(length=0, colors=MUTED, labelsize=LABEL_PT)
        return ax

    def text(self, x_in: float, y_in_from_top: float, text: str, **kwargs: object) -> None:
        kwargs.setdefault("color", FOREGROUND)
        kwargs.setdefault("va", "top")
        kwargs.setdefault("family", FONT_FAMILIES)
        self.fig.text(x_in / WIDTH_IN, self.y(y_in_from_top), text, parse_math=False, **kwargs)

    def colorbar(self, block: int, norm: Normalize, label: str, *, pad_top: float, pad_bottom: float) -> None:
        top = self._tops[block] - pad_top
        height = self._blocks[block] - pad_top - pad_bottom
        cax = self.fig.add_axes(
            ((WIDTH_IN - 0.62) / WIDTH_IN, (top - height) / self.height_in, 0.16 / WIDTH_IN,
             height / self.height_in)
        )
        bar = self.fig.colorbar(matplotlib.cm.ScalarMappable(norm=norm, cmap=CMAP), cax=cax)
        bar.outline.set_visible(False)
        cax.tick_params(length=0, colors=MUTED, labelsize=LABEL_PT - 2)
        bar.set_label(label, color=MUTED, fontsize=LABEL_PT - 2, family=FONT_FAMILIES, parse_math=False)

    def png(self) -> tuple[bytes, int, int]:
        buffer = io.BytesIO()
        self.fig.savefig(buffer, format="png", dpi=DPI, facecolor=BACKGROUND)
        width, height = self.fig.canvas.get_width_height()
        return buffer.getvalue(), width, height


HEADER_IN = 1.2
LINE_IN = 0.3


def _header(canvas: Canvas, title: str, subtitle: Sequence[str]) -> None:
    canvas.text(0.35, 0.2, _fit(title, 80), fontsize=TITLE_PT, fontweight="bold")
    for i, line in enumerate(subtitle):
        canvas.text(0.35, 0.62 + i * LINE_IN, _fit(line), fontsize=SUBTITLE_PT, color=MUTED)


def _footer(canvas: Canvas, start_in: float, lines: Sequence[str]) -> None:
    for i, line in enumerate(lines):
        canvas.text(0.35, start_in + 0.12 + i * LINE_IN, _fit(line, 104), fontsize=FOOTER_PT)
    canvas.text(WIDTH_IN - 0.3, canvas.height_in - 0.1, "BERT Lens", fontsize=10, color=MUTED, ha="right",
                va="bottom")


def _labels_fit(labels: Sequence[str], cell_in: float, fontsize: float) -> bool:
    char_in = fontsize * 0.62 / 72  # DejaVu Sans average advance, generous
    return max((len(label) for label in labels), default=0) * char_in <= cell_in * 0.95


def _heatmap(
    ax,  # noqa: ANN001 - matplotlib Axes
    data: np.ndarray,
    norm: Normalize,
    *,
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    highlight_cols: Sequence[int] = (),
    highlight_row: int | None = None,
    annotate: bool,
    rotate: bool,
) -> None:
    rows, cols = data.shape
    ax.imshow(data, cmap=CMAP, norm=norm, aspect="auto", interpolation="nearest")
    ax.set_xlim(-0.5, cols - 0.5)
    ax.set_ylim(rows - 0.5, -0.5)
    ax.set_yticks(range(rows), row_labels, family=FONT_FAMILIES, parse_math=False)
    ax.set_xticks(
        range(cols),
        col_labels,
        family=FONT_FAMILIES,
        parse_math=False,
        rotation=50 if rotate else 0,
        ha="right" if rotate else "center",
        rotation_mode="anchor",
    )
    # Thin separators in the background colour keep neighbouring dark cells apart.
    ax.set_xticks(np.arange(-0.5, cols, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, rows, 1), minor=True)
    ax.grid(which="minor", color=BACKGROUND, linewidth=1.5)
    ax.tick_params(which="minor", length=0)
    for index, label in enumerate(ax.get_xticklabels()):
        if index in highlight_cols:
            label.set_color(ACCENT)
            label.set_fontweight("bold")
    if highlight_row is not None:
        ax.add_patch(Rectangle((-0.5, highlight_row - 0.5), cols, 1, fill=False, edgecolor=FOREGROUND,
                               linewidth=2.5, clip_on=False))
        ax.get_yticklabels()[highlight_row].set_color(FOREGROUND)
        ax.get_yticklabels()[highlight_row].set_fontweight("bold")
    if annotate:
        colours = CMAP(norm(data))
        dark = _luminance(colours) > 0.5
        for r in range(rows):
            for c in range(cols):
                value = data[r, c]
                if not np.isfinite(value):
                    continue
                ax.text(c, r, f"{value:.2f}", ha="center", va="center", fontsize=CELL_PT, parse_math=False,
                        color="#111214" if dark[r, c] else FOREGROUND)


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


def _token_labels(word: WordAttention) -> list[str]:
    return [short(t) for t in word.tokens]


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
        f"Tip: [CLS]/[SEP] take {share:.0%} of this word's attention in layer {word.layer + 1} "
        "(an 'attention sink'); hide specials to compare the words."
    )


def _fit(line: str, chars: int = 96) -> str:
    return line if len(line) <= chars else line[: chars - 1].rstrip() + "\u2026"


def _pieces_note(word: WordAttention) -> str | None:
    if word.span.pieces < 2:
        return None
    pieces = " + ".join(word.analysis.sentence.tokens[i] for i in word.span.token_indices)
    return f"{quoted(word.span.text)} is {word.span.pieces} tokens ({short(pieces, 60)}): their rows are averaged."


def _sentence_title(prefix: str, text: str, width: int = 64) -> tuple[str, bool]:
    lines, cut = clip_text(text, width, 1)
    return f"{prefix} {quoted(lines[0])}", cut


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
    labels = _token_labels(word)
    own_cols = _word_columns(word)
    start, stop = _window(len(labels), own_cols, MAX_WRAPPED_COLUMNS)
    chunks = [(start + a, start + b) for a, b in _chunks(stop - start, MAX_COLUMNS_PER_ROW)]
    per_row = max(b - a for a, b in chunks)
    plot_in = WIDTH_IN - Canvas.LEFT_IN - Canvas.RIGHT_IN
    cell_in = plot_in / per_row
    rotate = not _labels_fit(labels[start:stop], cell_in, LABEL_PT)
    label_in = 1.05 if rotate else 0.45
    row_in = 0.42 if len(row_labels) <= 8 else 0.34
    annotate = cell_in >= 0.5 and len(row_labels) <= 16

    sentence_line, cut = _sentence_title("in", analysis.sentence.text)
    subtitle = [
        f"{analysis.model} \u00b7 {what}",
        f"{_specials_label(word.hide_special, word.heads.is_distribution)} \u00b7 "
        f"{analysis.num_layers} layers \u00d7 {analysis.num_heads} heads \u00b7 {sentence_line}",
    ]
    notes = [_top_line(word, f"layer {word.layer + 1}, {word.heads.label(analysis.num_heads)}")]
    if (tip := _sink_tip(word)) is not None and result.resolved.view != "rollout":
        notes.append(tip)
    if (piece_note := _pieces_note(word)) is not None:
        notes.append(piece_note)
    if (start, stop) != (0, len(labels)):
        notes.append(f"Long sentence: showing tokens {start + 1}\u2013{stop} of {len(labels)}, around the word.")
    if cut:
        notes.append("The sentence is shortened in the subtitle.")
    if word.analysis.sentence.unknown_count:
        notes.append(f"{word.analysis.sentence.unknown_count} character(s) unknown to this model's vocabulary: [UNK].")

    panel_in = [len(row_labels) * row_in + label_in + 0.25 for _ in chunks]
    canvas = Canvas([HEADER_IN, *panel_in, 0.25 + LINE_IN * len(notes)])
    _header(canvas, title, subtitle)
    finite = data[:, start:stop]
    vmax = float(np.nanmax(finite)) if finite.size and np.nanmax(finite) > 0 else 1.0
    norm = Normalize(vmin=0.0, vmax=vmax)
    for i, (a, b) in enumerate(chunks):
        ax = canvas.axes(1 + i, pad_top=0.1, pad_bottom=label_in + 0.15)
        _heatmap(
            ax,
            data[:, a:b],
            norm,
            row_labels=row_labels,
            col_labels=labels[a:b],
            highlight_cols=[c - a for c in own_cols if a <= c < b],
            highlight_row=highlight_row,
            annotate=annotate,
            rotate=rotate,
        )
    canvas.colorbar(1, norm, colour_label, pad_top=0.1, pad_bottom=label_in + 0.15)
    _footer(canvas, HEADER_IN + sum(panel_in), notes)
    png, width, height = canvas.png()
    top = ", ".join(f"{t.token} {t.weight:.2f}" for t in word.top(3))
    alt = (
        f"{title} {subtitle[0]}. In layer {word.layer + 1} {word.span.text!r} attends most to {top}."
    )
    return Image(png, width, height, f"bertlens-{result.resolved.view}.png", alt[:1000])


def render_attention(result: AttentionResult) -> Image:
    view = result.resolved.view
    if view == "matrix":
        return _matrix_figure(result)
    if view == "grid":
        return _grid_figure(result)
    word = result.word
    analysis = result.analysis
    heads_text = word.heads.label(analysis.num_heads)
    if view == "heads":
        layer = word.layer
        data = word.per_head[layer]
        highlight = word.heads.head if word.heads.agg == "head" else None
        return _rows_figure(
            result,
            data,
            [f"head {h + 1}" for h in range(analysis.num_heads)],
            highlight,
            f"Each head's attention from {quoted(word.span.text)}, layer {layer + 1}",
            f"heads view: layer {layer + 1} of {analysis.num_layers}, every head"
            + (", each rescaled" if word.hide_special else ""),
            "attention weight",
        )
    if view == "rollout":
        return _rows_figure(
            result,
            word.rows,
            [f"layer {i + 1}" for i in range(analysis.num_layers)],
            word.layer,
            f"Attention rollout from {quoted(word.span.text)}",
            "rollout (Abnar & Zuidema 2020): mean of heads + residual, multiplied through layers",
            "rollout weight",
        )
    return _rows_figure(
        result,
        word.rows,
        [f"layer {i + 1}" for i in range(analysis.num_layers)],
        word.layer,
        f"Where {quoted(word.span.text)} looks, layer by layer",
        f"word view: {heads_text} \u00b7 layer {word.layer + 1} outlined",
        "attention weight" if word.heads.agg != "max" else "max weight over heads",
    )


# ---------------------------------------------------------------------------------- tokens x tokens


def _matrix_figure(result: AttentionResult) -> Image:
    word = result.word
    analysis = result.analysis
    matrix, keep = layer_matrix(analysis, word.layer, word.heads, hide_special=word.hide_special)
    labels = [short(analysis.sentence.tokens[i]) for i in keep]
    own = [p for p, index in enumerate(keep) if int(index) in set(word.span.token_indices)]
    start, stop = _window(len(labels), own, MAX_MATRIX_TOKENS)
    matrix = matrix[start:stop, start:stop]
    labels = labels[start:stop]
    own = [p - start for p in own if start <= p < stop]
    count = len(labels)
    plot_in = WIDTH_IN - Canvas.LEFT_IN - Canvas.RIGHT_IN
    cell_in = plot_in / count
    rotate = not _labels_fit(labels, cell_in, LABEL_PT)
    label_in = 1.05 if rotate else 0.45
    heat_in = min(plot_in, max(3.0, count * 0.42))
    annotate = cell_in >= 0.55 and heat_in / count >= 0.38

    sentence_line, cut = _sentence_title("in", analysis.sentence.text)
    subtitle = [
        f"{analysis.model} \u00b7 matrix view: layer {word.layer + 1} of {analysis.num_layers}, "
        f"{word.heads.label(analysis.num_heads)}",
        f"rows attend to columns \u00b7 {_specials_label(word.hide_special, word.heads.is_distribution)} \u00b7 "
        f"{sentence_line}",
    ]
    notes = [f"Rows of {quoted(word.span.text)} are outlined; each row sums to 1 before any hiding."]
    if (start, stop) != (0, len(keep)):
        notes.append(f"Long sentence: showing tokens {start + 1}\u2013{stop} of {len(keep)}, around the word.")
    if cut:
        notes.append("The sentence is shortened in the subtitle.")
    canvas = Canvas([HEADER_IN, heat_in + label_in + 0.3, 0.25 + LINE_IN * len(notes)])
    _header(canvas, f"Who attends to whom, layer {word.layer + 1}", subtitle)
    vmax = float(matrix.max()) if matrix.size and matrix.max() > 0 else 1.0
    norm = Normalize(0.0, vmax)
    ax = canvas.axes(1, pad_top=0.15, pad_bottom=label_in + 0.15)
    _heatmap(ax, matrix, norm, row_labels=labels, col_labels=labels, highlight_cols=own, annotate=annotate,
             rotate=rotate)
    for label_index, label in enumerate(ax.get_yticklabels()):
        if label_index in own:
            label.set_color(ACCENT)
            label.set_fontweight("bold")
    if own:
        ax.add_patch(Rectangle((-0.5, min(own) - 0.5), count, max(own) - min(own) + 1, fill=False,
                               edgecolor=ACCENT, linewidth=2.5, clip_on=False))
    canvas.colorbar(1, norm, "attention weight", pad_top=0.15, pad_bottom=label_in + 0.15)
    _footer(canvas, HEADER_IN + heat_in + label_in + 0.3, notes)
    png, width, height = canvas.png()
    alt = f"Attention matrix of layer {word.layer + 1} for {analysis.sentence.text!r}, {analysis.model}."
    return Image(png, width, height, "bertlens-matrix.png", alt[:1000])


def _grid_figure(result: AttentionResult) -> Image:
    """bertviz's model view as a still: every layer x head, each a tokens x tokens thumbnail."""
    word = result.word
    analysis = result.analysis
    matrices, keep = all_heads(analysis, hide_special=word.hide_special)
    own = [p for p, index in enumerate(keep) if int(index) in set(word.span.token_indices)]
    start, stop = _window(len(keep), own, MAX_GRID_TOKENS)
    matrices = matrices[:, :, start:stop, start:stop]
    own = [p - start for p in own if start <= p < stop]
    layers, heads, count, _ = matrices.shape
    gap = max(1, count // 6)
    # One mosaic image instead of layers*heads axes: one artist to draw instead of a hundred.
    cell = count + gap
    mosaic = np.full((layers * cell - gap, heads * cell - gap), np.nan, dtype=np.float32)
    for layer in range(layers):
        for head in range(heads):
            mosaic[layer * cell : layer * cell + count, head * cell : head * cell + count] = matrices[layer, head]
    plot_in = WIDTH_IN - Canvas.LEFT_IN - Canvas.RIGHT_IN
    heat_in = plot_in * mosaic.shape[0] / mosaic.shape[1]

    sentence_line, cut = _sentence_title("in", analysis.sentence.text)
    subtitle = [
        f"{analysis.model} \u00b7 grid view: {layers} layers \u00d7 {heads} heads, tokens \u00d7 tokens each",
        f"{_specials_label(word.hide_special, True)} \u00b7 square-root colour scale \u00b7 {sentence_line}",
    ]
    notes = [f"Rows of {quoted(word.span.text)} are outlined in every thumbnail. Rows attend to columns."]
    if (start, stop) != (0, len(keep)):
        notes.append(f"Long sentence: showing tokens {start + 1}\u2013{stop} of {len(keep)}, around the word.")
    if cut:
        notes.append("The sentence is shortened in the subtitle.")
    canvas = Canvas([HEADER_IN, heat_in + 0.75, 0.25 + LINE_IN * len(notes)])
    _header(canvas, f"Every head at once, for {quoted(word.span.text)}", subtitle)
    norm = PowerNorm(gamma=0.5, vmin=0.0, vmax=1.0)
    ax = canvas.axes(1, pad_top=0.55, pad_bottom=0.2)
    ax.imshow(mosaic, cmap=CMAP, norm=norm, aspect="auto", interpolation="nearest")
    centres = [i * cell + (count - 1) / 2 for i in range(max(layers, heads))]
    ax.set_xticks(centres[:heads], [f"H{h + 1}" for h in range(heads)], family=FONT_FAMILIES, parse_math=False)
    ax.set_yticks(centres[:layers], [f"L{layer + 1}" for layer in range(layers)], family=FONT_FAMILIES,
                  parse_math=False)
    ax.xaxis.tick_top()
    ax.tick_params(length=0, colors=MUTED, labelsize=LABEL_PT - 1)
    if own:
        from matplotlib.collections import PatchCollection

        boxes = [
            Rectangle((h * cell - 0.5, layer * cell + min(own) - 0.5), count, max(own) - min(own) + 1)
            for layer in range(layers)
            for h in range(heads)
        ]
        ax.add_collection(PatchCollection(boxes, facecolor="none", edgecolor=ACCENT, linewidth=0.9))
    canvas.colorbar(1, norm, "attention weight", pad_top=0.55, pad_bottom=0.2)
    _footer(canvas, HEADER_IN + heat_in + 0.75, notes)
    png, width, height = canvas.png()
    alt = f"All {layers * heads} attention heads of {analysis.model} for {analysis.sentence.text!r}."
    return Image(png, width, height, "bertlens-grid.png", alt[:1000])


# ------------------------------------------------------------------------------------------ compare


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
        f"Cosine similarity of {quoted(word_text)}'s vectors: {cos[0]:.2f} after the embeddings, "
        f"{cos[-1]:.2f} after layer {layers}."
    )
    subtitle = [
        f"{analysis.model} \u00b7 mean of {analysis.num_heads} heads \u00b7 {_specials_label(a.hide_special, True)}",
        id_line,
    ]
    row_in = 0.42 if layers <= 8 else 0.32
    panels = []
    for word in (a, b):
        labels = _token_labels(word)
        plot_in = WIDTH_IN - Canvas.LEFT_IN - Canvas.RIGHT_IN
        start, stop = _window(len(labels), _word_columns(word), MAX_COLUMNS_PER_ROW)
        cell_in = plot_in / (stop - start)
        rotate = not _labels_fit(labels[start:stop], cell_in, LABEL_PT)
        panels.append((word, labels, start, stop, rotate, cell_in))
    panel_in = [0.45 + layers * row_in + (1.05 if p[4] else 0.45) + 0.15 for p in panels]
    chart_in = 2.3
    notes = [lesson, _top_line(a, f"A, layer {layers}", 3), _top_line(b, f"B, layer {layers}", 3)]
    if any((p[2], p[3]) != (0, len(p[1])) for p in panels):
        notes.append(f"Long sentence: showing the {MAX_COLUMNS_PER_ROW} tokens around the word.")
    canvas = Canvas([HEADER_IN, *panel_in, chart_in, 0.25 + LINE_IN * len(notes)])
    _header(canvas, f"Same word, different context: {quoted(word_text)}", subtitle)
    vmax = max(float(p[0].rows[:, p[2] : p[3]].max()) for p in panels) or 1.0
    norm = Normalize(0.0, vmax)
    offset = HEADER_IN
    for i, (word, labels, start, stop, rotate, cell_in) in enumerate(panels):
        line, _ = _sentence_title("AB"[i] + ":", word.analysis.sentence.text, width=70)
        canvas.text(0.35, offset + 0.08, line, fontsize=SUBTITLE_PT + 0.5, fontweight="bold")
        label_in = 1.05 if rotate else 0.45
        ax = canvas.axes(1 + i, pad_top=0.45, pad_bottom=label_in + 0.15)
        own = [c - start for c in _word_columns(word) if start <= c < stop]
        _heatmap(ax, word.rows[:, start:stop], norm, row_labels=[f"layer {j + 1}" for j in range(layers)],
                 col_labels=labels[start:stop], highlight_cols=own, highlight_row=layers - 1,
                 annotate=cell_in >= 0.5, rotate=rotate)
        offset += panel_in[i]
    canvas.colorbar(1, norm, "attention weight", pad_top=0.45, pad_bottom=0.6)
    ax = canvas.axes(3, pad_top=0.45, pad_bottom=0.5)
    x = np.arange(layers + 1)
    ax.plot(x, cos, color=ACCENT, marker="o", linewidth=2.5, markersize=7)
    for xi, value in zip(x, cos, strict=True):
        ax.annotate(f"{value:.2f}", (xi, value), textcoords="offset points", xytext=(0, 9), ha="center",
                    color=FOREGROUND, fontsize=CELL_PT, parse_math=False)
    ax.set_ylim(min(0.0, float(cos.min()) - 0.05), 1.18)
    ax.set_xlim(-0.4, layers + 0.4)
    ax.set_xticks(x, ["emb"] + [str(i) for i in range(1, layers + 1)], parse_math=False)
    ax.set_yticks([0, 0.5, 1.0])
    ax.grid(axis="y", color="#3a3c42", linewidth=1)
    ax.set_xlabel("layer", color=MUTED, fontsize=LABEL_PT - 1)
    canvas.text(0.35, HEADER_IN + sum(panel_in) + 0.05,
                f"Cosine similarity of {quoted(word_text)} in A vs B, per layer (1 = same vector)",
                fontsize=SUBTITLE_PT, fontweight="bold")
    _footer(canvas, HEADER_IN + sum(panel_in) + chart_in, notes)
    png, width, height = canvas.png()
    alt = f"{quoted(word_text)} in two sentences with {analysis.model}. {id_line} {lesson}"
    return Image(png, width, height, "bertlens-compare.png", alt[:1000])

