"""/predict: for each mask token, what the masked-LM head makes of every layer's output (a "logit
lens"): rows are the embeddings and layers 1..L, columns the k most probable tokens in order, each cell
the token's text on its probability's colour. Rows the engine does not mark reliable (everything
before the last third) are dimmed and set apart by a labelled gap; the last row, the model's own
fill-mask guess, is outlined."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.engine.predict import LayerGuesses, Predictions
from bot.engine.render import captions, panels
from bot.engine.render.canvas import Box, Canvas
from bot.engine.render.image import Image
from bot.engine.render.style import (
    CELL_PX,
    DARK_TEXT,
    FOREGROUND,
    HEADER,
    LABEL_PX,
    LUT_DARK_TEXT,
    MARGIN,
    MUTED,
    SMALL_PX,
    SUBTITLE_PX,
    TEXT_WIDTH,
    WIDTH,
)
from bot.i18n import t
from bot.text import one_line, probability

MAX_MASKS = 3  # masks drawn; the image says when there are more
MAX_GUESSES = 10  # columns; the image says when more were asked for
LEFT = 150  # room for "embeddings" and "layer 24" (wider than the heatmaps' row labels)
RIGHT = WIDTH - 95  # the colour bar's room, as on every figure
ROW_PX, ROW_PX_MANY = 44, 34  # a layer's row, for up to 13 rows and for more
HEADING_PX = 40  # the mask's heading line
COLUMNS_PX = 26  # the rank labels above the columns
GAP_PX = 30  # between the unreliable rows and the reliable ones, with its label
BOTTOM_PX = 24
CONTEXT_CHARS = 36  # of the sentence on each side of the mask in its heading
DIM = "#7d828b"  # labels of rows not marked reliable


@dataclass(frozen=True, eq=False)
class MaskPanel:
    heading: str
    tokens: list[list[str]]  # [row][rank]: the guesses as people read them
    probabilities: np.ndarray  # [row, rank]


@dataclass(frozen=True, eq=False, kw_only=True)
class PredictPlan(panels.Figure):
    masks: list[MaskPanel]
    rows: list[str]  # embeddings, layer 1, ..., layer L
    split: int  # the first row marked reliable
    columns: list[str]  # #1, #2, ...
    row_px: int
    vmax: float
    colour_label: str
    gap_label: str

    @property
    def panel_px(self) -> int:
        gap = GAP_PX if 0 < self.split < len(self.rows) else 0
        return HEADING_PX + COLUMNS_PX + len(self.rows) * self.row_px + gap + BOTTOM_PX

    @property
    def body_px(self) -> int:
        return 10 + len(self.masks) * self.panel_px


def _shown(text: str) -> str:
    """A guess as drawn: whitespace made visible (a lone space token would be an empty cell)."""
    return text if text.strip() else "\u2423"


def mask_context(predictions: Predictions, index: int) -> str:
    """The sentence around the mask, as written, in quotes (ellipses where it was cut)."""
    sentence = predictions.analysis.sentence
    offsets = sentence.offsets[index]
    text = sentence.text
    if offsets is None:
        return captions.quoted(one_line(text, 2 * CONTEXT_CHARS))
    start, end = offsets
    left, right = max(0, start - CONTEXT_CHARS), min(len(text), end + CONTEXT_CHARS)
    shown = " ".join(text[left:right].split())
    return captions.quoted(("\u2026" if left > 0 else "") + shown + ("\u2026" if right < len(text) else ""))


def first_reliable(layers: tuple[LayerGuesses, ...]) -> int:
    """The first row (0 = embeddings) the engine marks reliable; ``len(layers)`` if none is."""
    return next((layer.layer for layer in layers if layer.reliable), len(layers))


def unreliable_rows(lang: str, layers: tuple[LayerGuesses, ...]) -> str | None:
    """The rows not marked reliable, in words ("the embeddings to layer 4"), or None."""
    split = first_reliable(layers)
    if split == 0:
        return None
    if split == 1:
        return t(lang, "img.predict.rows_emb")
    return t(lang, "img.predict.rows_to", last=split - 1)


def reliable_notes(lang: str, layers: tuple[LayerGuesses, ...]) -> list[str]:
    """What the figure says about reliability, from the rows the engine marked: which rows are
    unreliable and why, which are marked reliable."""
    split, last = first_reliable(layers), len(layers) - 1
    notes = []
    rows = unreliable_rows(lang, layers)
    if rows is not None:
        notes.append(t(lang, "img.predict.unreliable", rows=rows))
    if split <= last:
        key = "img.predict.reliable_last" if split == last else "img.predict.reliable"
        notes.append(t(lang, key, first=split, last=last))
    return notes


def plan_predictions(predictions: Predictions, lang: str) -> PredictPlan:
    analysis = predictions.analysis
    layers = analysis.num_layers
    count = len(predictions.masks)
    shown_masks = predictions.masks[:MAX_MASKS]
    k = min(predictions.k, MAX_GUESSES)
    mask = predictions.mask
    panels_: list[MaskPanel] = []
    for n, guesses in enumerate(shown_masks, start=1):
        heading = t(
            lang,
            "img.predict.heading",
            mask=mask,
            n=n,
            count=count,
            index=guesses.index,
            context=mask_context(predictions, guesses.index),
        )
        tokens = [[_shown(g.display) for g in layer.guesses[:k]] for layer in guesses.layers]
        values = np.array([[g.probability for g in layer.guesses[:k]] for layer in guesses.layers])
        panels_.append(MaskPanel(heading=heading, tokens=tokens, probabilities=values))
    first = predictions.masks[0].layers
    split = first_reliable(first)
    top = panels.vmax(np.concatenate([p.probabilities for p in panels_]))

    sentence_line, cut = captions.sentence_title(t(lang, "img.in"), analysis.sentence.text)
    subtitle = [
        sentence_line,
        captions.model_shape(lang, analysis.model, layers, analysis.num_heads),
        t(lang, "img.predict.what", k=k),
    ]
    notes = []
    if predictions.aliases:
        notes.append(t(lang, "img.predict.alias", typed=", ".join(predictions.aliases), mask=mask))
    notes += reliable_notes(lang, first)
    notes.append(t(lang, "img.predict.colour", vmax=probability(top)))
    if count > len(shown_masks):
        notes.append(t(lang, "img.predict.masks", shown=len(shown_masks), count=count))
    if predictions.k > k:
        notes.append(t(lang, "img.predict.k", shown=k, k=predictions.k))
    notes.extend(captions.tokenizer_notes(lang, analysis.sentence))
    if cut:
        notes.append(t(lang, "img.sentence_cut"))
    final = predictions.masks[0].final[:3]
    alt = t(
        lang,
        "img.predict.alt",
        model=analysis.model,
        mask=mask,
        sentence=analysis.sentence.text,
        top=", ".join(f"{g.display.strip() or g.token} {probability(g.probability)}" for g in final),
    )
    return PredictPlan(
        title=t(lang, "img.predict.title", mask=mask),
        subtitle=subtitle,
        notes=notes,
        masks=panels_,
        rows=[t(lang, "img.predict.embeddings")] + [t(lang, "img.layer", n=n) for n in range(1, layers + 1)],
        split=split,
        columns=[t(lang, "img.predict.rank", n=n) for n in range(1, k + 1)],
        row_px=ROW_PX if layers + 1 <= 13 else ROW_PX_MANY,
        vmax=top,
        colour_label=t(lang, "img.predict.probability"),
        gap_label=t(lang, "img.predict.gap"),
        filename="bertlens-predict.png",
        alt_text=alt,
    )


def _cells(
    canvas: Canvas, box: Box, tokens: list[list[str]], values: np.ndarray, vmax: float, row_px: int
) -> list[tuple[float, float]]:
    """One block of rows: the colours, then each guess and its probability on its cell. Returns each
    row's top and bottom in pixels."""
    x_edges, y_edges = canvas.heatmap(box, values, vmax)
    shades = np.rint(np.clip(values / (vmax or 1.0), 0.0, 1.0) * 255).astype(np.intp)
    two_lines = row_px >= 34
    for r, row in enumerate(tokens):
        middle = (y_edges[r] + y_edges[r + 1]) / 2
        for c, token in enumerate(row):
            centre = (x_edges[c] + x_edges[c + 1]) / 2
            width = x_edges[c + 1] - x_edges[c] - 8
            colour = DARK_TEXT if LUT_DARK_TEXT[shades[r, c]] else FOREGROUND
            token_y = middle - 8 if two_lines else middle
            canvas.text(
                centre, token_y, token, size=CELL_PX, colour=colour, align="m", valign="m", max_width=width
            )
            if two_lines:
                text = probability(float(values[r, c]))
                canvas.text(
                    centre, middle + 10, text, size=SMALL_PX - 3, colour=colour, align="m", valign="m"
                )
    return [(float(y_edges[r]), float(y_edges[r + 1])) for r in range(len(tokens))]


def _panel(canvas: Canvas, plan: PredictPlan, panel: MaskPanel, offset: int) -> tuple[int, int]:
    """One mask's heading, rank labels and rows; returns the top and bottom of its rows."""
    canvas.text(MARGIN, offset + 26, panel.heading, size=SUBTITLE_PX + 1, bold=True, max_width=TEXT_WIDTH)
    x_edges = np.linspace(LEFT, RIGHT, len(plan.columns) + 1)
    top = offset + HEADING_PX + COLUMNS_PX
    for c, label in enumerate(plan.columns):
        canvas.text(
            (x_edges[c] + x_edges[c + 1]) / 2, top - 8, label, size=LABEL_PX - 2, colour=MUTED, align="m"
        )
    rows = len(plan.rows)
    split = plan.split if 0 < plan.split < rows else 0
    spans: list[tuple[float, float]] = []
    y = top
    for start, stop in [(0, split), (split, rows)] if split else [(0, rows)]:
        box = (LEFT, y, RIGHT, y + (stop - start) * plan.row_px)
        tokens, values = panel.tokens[start:stop], panel.probabilities[start:stop]
        spans += _cells(canvas, box, tokens, values, plan.vmax, plan.row_px)
        y = box[3]
        if stop == split:
            canvas.text(
                (LEFT + RIGHT) / 2,
                y + GAP_PX / 2,
                plan.gap_label,
                size=SMALL_PX - 1,
                colour=MUTED,
                align="m",
                valign="m",
                max_width=RIGHT - LEFT,
            )
            y += GAP_PX
    for r, (label, (row_top, row_bottom)) in enumerate(zip(plan.rows, spans, strict=True)):
        colour = FOREGROUND if r >= plan.split else DIM
        canvas.text(
            LEFT - 10,
            (row_top + row_bottom) / 2,
            label,
            size=LABEL_PX - 1,
            colour=colour,
            bold=r == rows - 1,
            align="r",
            valign="m",
        )
    # The last row: the model's own fill-mask guess.
    last_top, bottom = spans[-1]
    canvas.outline((LEFT - 2, last_top - 2, RIGHT + 1, bottom + 1), FOREGROUND, 3)
    return top, int(bottom)


def draw_predictions(plan: PredictPlan) -> Image:
    canvas = panels.begin(plan)
    offset = HEADER + 10
    for i, panel in enumerate(plan.masks):
        top, bottom = _panel(canvas, plan, panel, offset)
        if i == 0:
            canvas.colorbar(top, bottom, plan.vmax, plan.colour_label)
        offset += plan.panel_px
    return panels.finish(canvas, plan)
