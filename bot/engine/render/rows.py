"""Rows by tokens: the word view (layers × tokens), the heads view (heads × tokens) and rollout.

``plan_rows`` decides everything from the result (which columns, how many panels, label angle,
sizes, colour scale, every caption); ``draw_rows`` only paints the plan.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.engine.render import captions, panels
from bot.engine.render.image import Image
from bot.engine.render.style import (
    COLUMN_LABELS_PX,
    HEADER,
    LABEL_PX,
    LEFT,
    MAX_COLUMNS_PER_ROW,
    MAX_WRAPPED_COLUMNS,
    PLOT_WIDTH,
    ROTATED_LABELS_PX,
)
from bot.engine.results import AttentionResult
from bot.i18n import t
from bot.text import weighted_list

ANNOTATED_CELL_PX = 50  # narrower cells carry no numbers
ANNOTATED_ROWS = 16


@dataclass(frozen=True, eq=False, kw_only=True)
class RowsPlan(panels.Figure):
    data: np.ndarray  # [row, column] over every shown column
    rows: list[str]
    columns: list[str]
    own: list[int]  # the word's columns
    highlight_row: int | None
    panels: list[tuple[int, int]]  # column ranges, one panel each
    per_row: int
    rotate: bool
    annotate: np.ndarray  # the cells that carry their number
    value_px: int
    row_px: int
    vmax: float
    colour_label: str

    @property
    def panel_px(self) -> int:
        labels_px = ROTATED_LABELS_PX if self.rotate else COLUMN_LABELS_PX
        return len(self.rows) * self.row_px + labels_px + 25

    @property
    def body_px(self) -> int:
        return self.panel_px * len(self.panels)


def plan_rows(
    result: AttentionResult,
    data: np.ndarray,
    rows: list[str],
    highlight_row: int | None,
    title: str,
    what: str,
    colour_label: str,
    lang: str,
) -> RowsPlan:
    word = result.word
    analysis = result.analysis
    labels = [captions.short(token) for token in word.tokens]
    own = panels.word_columns(word)
    start, stop = panels.window(len(labels), own, MAX_WRAPPED_COLUMNS)
    ranges = [(start + a, start + b) for a, b in panels.chunks(stop - start, MAX_COLUMNS_PER_ROW)]
    per_row = max(b - a for a, b in ranges)
    cell = PLOT_WIDTH / per_row

    sentence_line, cut = captions.sentence_title(t(lang, "img.in"), analysis.sentence.text)
    subtitle = [
        sentence_line,
        captions.model_shape(lang, analysis.model, analysis.num_layers, analysis.num_heads),
        f"{what} \u00b7 "
        + captions.specials(lang, word.hide_special, word.heads.is_distribution, analysis.sentence),
    ]
    if result.values == "norms":
        subtitle[-1] += " \u00b7 " + t(lang, "img.values.short")
    where = t(
        lang,
        "img.top.where",
        layer=word.layer + 1,
        heads=captions.heads(lang, word.heads, analysis.num_heads, result.values),
    )
    notes = [captions.top_line(lang, word, where, values=result.values)]
    if result.values == "weights" and (tip := captions.sink_tip(lang, word)) is not None:
        notes.append(tip)
    notes.extend(captions.norms_notes(lang, result))
    if (piece_note := captions.pieces_note(lang, word)) is not None:
        notes.append(piece_note)
    shown_specials = [c - start for c in word.special_columns() if start <= c < stop]
    top, clipped = panels.words_vmax(data[:, start:stop], shown_specials)
    if clipped:
        framing = analysis.sentence.family.framing
        notes.append(t(lang, "img.scale.words", vmax=top, specials=framing))
    notes.extend(captions.shortening_notes(lang, start, stop, len(labels), cut))
    notes.extend(captions.tokenizer_notes(lang, analysis.sentence))

    row_px = 42 if len(rows) <= 8 else 34
    every = cell >= ANNOTATED_CELL_PX and len(rows) <= ANNOTATED_ROWS
    shown, value_px = panels.annotation(data[:, start:stop], cell, row_px, every)
    annotate = np.zeros(data.shape, dtype=bool)
    annotate[:, start:stop] = shown

    alt = t(
        lang,
        "img.rows.alt",
        title=title,
        sentence=subtitle[0],
        layer=word.layer + 1,
        word=word.span.text,
        top=weighted_list(word.top(3)),
    )
    return RowsPlan(
        title=title,
        subtitle=subtitle,
        notes=notes,
        data=data,
        rows=rows,
        columns=labels,
        own=own,
        highlight_row=highlight_row,
        panels=ranges,
        per_row=per_row,
        rotate=not panels.labels_fit(labels[start:stop], cell, LABEL_PX),
        annotate=annotate,
        value_px=value_px,
        row_px=row_px,
        vmax=top,
        colour_label=colour_label,
        filename=f"bertlens-{result.resolved.view}.png",
        alt_text=alt,
    )


def draw_rows(plan: RowsPlan) -> Image:
    return panels.encoded(paint_rows(plan), plan)


def paint_rows(plan: RowsPlan) -> panels.Canvas:
    canvas = panels.begin(plan)
    heat_px = len(plan.rows) * plan.row_px
    top = HEADER
    for a, b in plan.panels:
        box = (LEFT, top + 10, LEFT + round(PLOT_WIDTH * (b - a) / plan.per_row), top + 10 + heat_px)
        panels.labelled_heatmap(
            canvas,
            box,
            plan.data[:, a:b],
            plan.vmax,
            rows=plan.rows,
            columns=plan.columns[a:b],
            own=[c - a for c in plan.own if a <= c < b],
            highlight_row=plan.highlight_row,
            rotate=plan.rotate,
            annotate=plan.annotate[:, a:b],
            value_px=plan.value_px,
        )
        top += plan.panel_px
    canvas.colorbar(HEADER + 10, HEADER + 10 + heat_px, plan.vmax, plan.colour_label)
    return panels.painted(canvas, plan)


def plan_word_view(result: AttentionResult, lang: str) -> RowsPlan:
    """word view: every layer for the word, its selected layer outlined."""
    word = result.word
    analysis = result.analysis
    return plan_rows(
        result,
        word.rows,
        [t(lang, "img.layer", n=i + 1) for i in range(analysis.num_layers)],
        word.layer,
        t(lang, _norms_key("img.word.title", result), word=captions.quoted(word.span.text)),
        t(
            lang,
            "img.word.what",
            heads=captions.heads(lang, word.heads, analysis.num_heads, result.values),
            layer=word.layer + 1,
        ),
        colour_label(result, lang),
        lang,
    )


def _norms_key(key: str, result: AttentionResult) -> str:
    return f"{key}_norms" if result.values == "norms" else key


def colour_label(result: AttentionResult, lang: str) -> str:
    """What a colour means: an attention weight, or a share of the value norms (max: over heads)."""
    peak = result.word.heads.agg == "max"
    if result.values == "norms":
        return t(lang, "img.norm_share_max" if peak else "img.norm_share")
    return t(lang, "img.weight_max" if peak else "img.weight")


def plan_heads_view(result: AttentionResult, lang: str) -> RowsPlan:
    """heads view: every head of one layer, the chosen head outlined."""
    word = result.word
    analysis = result.analysis
    layer = word.layer
    what = t(lang, "img.heads.what", layer=layer + 1, layers=analysis.num_layers)
    if word.hide_special:
        what += t(lang, "img.heads.rescaled")
    return plan_rows(
        result,
        word.per_head[layer],
        [t(lang, "img.head", n=h + 1) for h in range(analysis.num_heads)],
        word.heads.head if word.heads.agg == "head" else None,
        t(lang, _norms_key("img.heads.title", result), word=captions.quoted(word.span.text), layer=layer + 1),
        what,
        t(lang, "img.norm_share" if result.values == "norms" else "img.weight"),
        lang,
    )


def plan_rollout_view(result: AttentionResult, lang: str) -> RowsPlan:
    """rollout: the word's rollout row after each layer."""
    word = result.word
    return plan_rows(
        result,
        word.rows,
        [t(lang, "img.layer", n=i + 1) for i in range(result.analysis.num_layers)],
        word.layer,
        t(lang, "img.rollout.title", word=captions.quoted(word.span.text)),
        t(lang, "img.rollout.what"),
        t(lang, "img.weight_rollout"),
        lang,
    )
