"""The matrix view: tokens × tokens for one layer, the word's rows outlined."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.engine.render import captions, panels, rows
from bot.engine.render.image import Image
from bot.engine.render.style import (
    ACCENT,
    COLUMN_LABELS_PX,
    HEADER,
    LABEL_PX,
    LEFT,
    MAX_MATRIX_TOKENS,
    PLOT_WIDTH,
    ROTATED_LABELS_PX,
)
from bot.engine.results import AttentionResult
from bot.i18n import t

TOP_GAP = 15
CELL_PX = 42  # preferred cell height; the square shrinks to fit the plot width
MIN_HEAT_PX = 300


@dataclass(frozen=True, eq=False, kw_only=True)
class MatrixPlan(panels.Figure):
    matrix: np.ndarray  # [from, to] over the shown tokens
    labels: list[str]
    own: list[int]
    heat_px: int
    rotate: bool
    annotate: bool
    vmax: float
    colour_label: str

    @property
    def body_px(self) -> int:
        return self.heat_px + (ROTATED_LABELS_PX if self.rotate else COLUMN_LABELS_PX) + 30


def plan_matrix(result: AttentionResult, lang: str, *, scale: tuple[float, bool] | None = None) -> MatrixPlan:
    """``scale``: the top of the colour scale and whether a [CLS]/[SEP] cell goes above it, when it is
    decided for several layers at once (an animation's frames share one scale); else this layer's."""
    word = result.word
    analysis = result.analysis
    matrix, keep = result.layer_matrix()
    labels = [captions.short(analysis.sentence.tokens[i]) for i in keep]
    own_tokens = set(word.span.token_indices)
    own = [p for p, index in enumerate(keep) if int(index) in own_tokens]
    start, stop = panels.window(len(labels), own, MAX_MATRIX_TOKENS)
    matrix = matrix[start:stop, start:stop]
    labels = labels[start:stop]
    own = [p - start for p in own if start <= p < stop]
    count = len(labels)
    cell = PLOT_WIDTH / count
    heat_px = int(min(PLOT_WIDTH, max(MIN_HEAT_PX, count * CELL_PX)))

    sentence_line, cut = captions.sentence_title(t(lang, "img.in"), analysis.sentence.text)
    heads = captions.heads(lang, word.heads, analysis.num_heads, result.values)
    norms = result.values == "norms"
    subtitle = [
        sentence_line,
        t(
            lang,
            "img.matrix.what",
            model=analysis.model,
            layer=word.layer + 1,
            layers=analysis.num_layers,
            heads=heads,
        ),
        t(
            lang,
            "img.matrix.axes_norms" if norms else "img.matrix.axes",
            specials=captions.specials(
                lang, word.hide_special, word.heads.is_distribution, analysis.sentence
            ),
        ),
    ]
    if result.values == "norms":
        subtitle[-1] += " \u00b7 " + t(lang, "img.values.short")
    notes = [t(lang, "img.matrix.note", word=captions.quoted(word.span.text))]
    framing = analysis.sentence.framing
    top, clipped = scale or panels.words_vmax(
        matrix, [p for p, i in enumerate(keep[start:stop]) if framing[int(i)]]
    )
    if clipped:
        notes.append(t(lang, "img.scale.words", vmax=top, specials=analysis.sentence.family.framing))
    notes.extend(captions.shortening_notes(lang, start, stop, len(keep), cut))
    notes.extend(captions.norms_notes(lang, result))
    notes.extend(captions.tokenizer_notes(lang, analysis.sentence))
    alt = t(
        lang,
        "img.matrix.alt_norms" if norms else "img.matrix.alt",
        layer=word.layer + 1,
        sentence=analysis.sentence.text,
        model=analysis.model,
    )
    return MatrixPlan(
        title=t(lang, "img.matrix.title_norms" if norms else "img.matrix.title", layer=word.layer + 1),
        subtitle=subtitle,
        notes=notes,
        matrix=matrix,
        labels=labels,
        own=own,
        heat_px=heat_px,
        rotate=not panels.labels_fit(labels, cell, LABEL_PX),
        annotate=cell >= 55 and heat_px / count >= 38,
        vmax=top,
        colour_label=rows.colour_label(result, lang),
        filename="bertlens-matrix.png",
        alt_text=alt,
    )


def shown_peaks(result: AttentionResult) -> tuple[float, float]:
    """The top of this layer's colour scale over the words the matrix shows, and its largest
    [CLS]/[SEP] cell (0 if none is shown): what a scale shared by several layers is made of."""
    word = result.word
    analysis = result.analysis
    matrix, keep = result.layer_matrix()
    own_tokens = set(word.span.token_indices)
    own = [p for p, index in enumerate(keep) if int(index) in own_tokens]
    start, stop = panels.window(len(keep), own, MAX_MATRIX_TOKENS)
    framing = analysis.sentence.framing
    specials = [p for p, i in enumerate(keep[start:stop]) if framing[int(i)]]
    shown = matrix[start:stop, start:stop]
    top, _ = panels.words_vmax(shown, specials)
    cells = shown[:, specials]
    cells = cells[np.isfinite(cells)]
    return top, float(cells.max()) if cells.size else 0.0


def draw_matrix(plan: MatrixPlan) -> Image:
    return panels.encoded(paint_matrix(plan), plan)


def paint_matrix(plan: MatrixPlan) -> panels.Canvas:
    canvas = panels.begin(plan)
    box = (LEFT, HEADER + TOP_GAP, LEFT + PLOT_WIDTH, HEADER + TOP_GAP + plan.heat_px)
    count = max(len(plan.labels), 1)
    cells, value_px = panels.annotation(plan.matrix, PLOT_WIDTH / count, plan.heat_px / count, plan.annotate)
    x_edges, y_edges = canvas.heatmap(box, plan.matrix, plan.vmax, annotate=cells, value_px=value_px)
    panels.row_labels(canvas, y_edges, LEFT - 10, plan.labels, accent=plan.own)
    panels.column_labels(canvas, x_edges, box[3], plan.labels, plan.own, plan.rotate)
    if plan.own:
        top, bottom = y_edges[min(plan.own)], y_edges[max(plan.own) + 1]
        canvas.outline((box[0] - 2, top - 2, box[2] + 1, bottom + 1), ACCENT, 3)
    canvas.colorbar(box[1], box[3], plan.vmax, plan.colour_label)
    return panels.painted(canvas, plan)
