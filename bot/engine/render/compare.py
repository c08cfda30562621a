"""/compare: the word's attention in sentence A and in sentence B, and the cosine similarity of its
two contextual vectors layer by layer (a small line chart)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.engine.attention import WordAttention
from bot.engine.render import captions, panels
from bot.engine.render.chart import Band, LineChart, Series, draw_line_chart
from bot.engine.render.image import Image
from bot.engine.render.style import (
    ACCENT,
    COLUMN_LABELS_PX,
    HEADER,
    LABEL_PX,
    LEFT,
    MARGIN,
    MAX_COLUMNS_PER_ROW,
    PLOT_WIDTH,
    ROTATED_LABELS_PX,
    SUBTITLE_PX,
    TEXT_WIDTH,
)
from bot.engine.similarity import Comparison
from bot.i18n import t

CHART_PX = 265
ROW_PX, ROW_PX_MANY = 42, 32  # a layer's row, for up to 8 layers and for more
CHART_TOP = 1.18  # room above 1.0 for the value labels


@dataclass(frozen=True, eq=False)
class SentencePanel:
    word: WordAttention
    heading: str  # "A: “…”"
    labels: list[str]
    start: int
    stop: int
    rotate: bool
    annotate: np.ndarray  # the cells that carry their number
    value_px: int

    @property
    def own(self) -> list[int]:
        return [c - self.start for c in panels.word_columns(self.word) if self.start <= c < self.stop]


@dataclass(frozen=True, eq=False, kw_only=True)
class ComparePlan(panels.Figure):
    sentences: tuple[SentencePanel, SentencePanel]
    rows: list[str]
    highlight_row: int
    row_px: int
    vmax: float
    colour_label: str
    chart: LineChart
    chart_title: str

    def panel_px(self, panel: SentencePanel) -> int:
        labels_px = ROTATED_LABELS_PX if panel.rotate else COLUMN_LABELS_PX
        return 45 + len(self.rows) * self.row_px + labels_px + 15

    @property
    def body_px(self) -> int:
        return sum(self.panel_px(p) for p in self.sentences) + CHART_PX


def _sentence_panel(word: WordAttention, label: str) -> SentencePanel:
    labels = [captions.short(token) for token in word.tokens]
    start, stop = panels.window(len(labels), panels.word_columns(word), MAX_COLUMNS_PER_ROW)
    cell = PLOT_WIDTH / (stop - start)
    heading, _ = captions.sentence_title(f"{label}:", word.analysis.sentence.text)
    layers = word.analysis.num_layers
    annotate, value_px = panels.annotation(
        word.rows[:, start:stop], cell, ROW_PX if layers <= 8 else ROW_PX_MANY, cell >= 50
    )
    return SentencePanel(
        word=word,
        heading=heading,
        labels=labels,
        start=start,
        stop=stop,
        rotate=not panels.labels_fit(labels[start:stop], cell, LABEL_PX),
        annotate=annotate,
        value_px=value_px,
    )


def plan_comparison(comparison: Comparison, lang: str) -> ComparePlan:
    a, b = comparison.a, comparison.b
    analysis = a.analysis
    layers = analysis.num_layers
    word = captions.quoted(a.span.text)
    ids = ", ".join(map(str, comparison.ids_a))
    if comparison.same_ids:
        id_line = t(lang, "img.compare.same_ids", ids=ids)
    else:
        id_line = t(lang, "img.compare.diff_ids", a=ids, b=", ".join(map(str, comparison.ids_b)))
    cos = comparison.cosine
    lesson = t(lang, "img.compare.lesson", word=word, first=cos[0], last=cos[-1], layers=layers)
    subtitle = [
        captions.model_shape(lang, analysis.model, layers, analysis.num_heads),
        t(
            lang,
            "img.compare.what",
            heads=captions.heads(lang, a.heads, analysis.num_heads),
            specials=captions.specials(lang, a.hide_special, True, analysis.sentence),
        ),
        id_line,
    ]
    sentences = (_sentence_panel(a, "A"), _sentence_panel(b, "B"))
    notes = [
        lesson,
        captions.top_line(lang, a, t(lang, "img.compare.where", label="A", layer=layers), 3),
        captions.top_line(lang, b, t(lang, "img.compare.where", label="B", layer=layers), 3),
    ]
    tip = next(
        (tip for label, w in (("A", a), ("B", b)) if (tip := captions.sink_tip(lang, w, label)) is not None),
        None,
    )
    if tip is not None:
        notes.append(tip)
    scales = [
        panels.words_vmax(
            p.word.rows[:, p.start : p.stop],
            [c - p.start for c in p.word.special_columns() if p.start <= c < p.stop],
        )
        for p in sentences
    ]
    top = max(scale for scale, _ in scales)
    if any(clipped for _, clipped in scales):
        notes.append(t(lang, "img.scale.words", vmax=top, specials=analysis.sentence.family.framing))
    if any((p.start, p.stop) != (0, len(p.labels)) for p in sentences):
        notes.append(t(lang, "img.compare.window", count=MAX_COLUMNS_PER_ROW))
    notes.extend(_band_notes(comparison, word, lang))
    notes.extend(captions.tokenizer_notes(lang, a.analysis.sentence, b.analysis.sentence))
    alt = t(lang, "img.compare.alt", word=word, model=analysis.model, ids=id_line, lesson=lesson)
    return ComparePlan(
        title=t(lang, "img.compare.title", word=word),
        subtitle=subtitle,
        notes=notes,
        sentences=sentences,
        rows=[t(lang, "img.layer", n=j + 1) for j in range(layers)],
        highlight_row=layers - 1,
        row_px=ROW_PX if layers <= 8 else ROW_PX_MANY,
        vmax=top,
        colour_label=t(lang, "img.weight"),
        chart=_cosine_chart(comparison, word, lang),
        chart_title=t(lang, "img.compare.chart", word=word),
        filename="bertlens-compare.png",
        alt_text=alt,
    )


def _cosine_chart(comparison: Comparison, word: str, lang: str) -> LineChart:
    """The word's cosine across A and B per layer, over the band of its cosines with other tokens."""
    cos = np.asarray(comparison.cosine)
    band = comparison.baseline
    lows = [float(cos.min())] + ([float(band.low.min())] if band is not None else [])
    return LineChart(
        series=(Series(cos, ACCENT, t(lang, "img.compare.this_word", word=word)),),
        axis=[t(lang, "img.compare.embeddings")] + [str(i) for i in range(1, len(cos))],
        axis_label=t(lang, "img.compare.layer_axis"),
        lo=min(0.0, min(lows) - 0.05),
        hi=CHART_TOP,
        ticks=(0.0, 0.5, 1.0),
        band=None if band is None else Band(band.low, band.high, band.median, t(lang, "img.compare.band")),
    )


def band_standing(comparison: Comparison, word: str, lang: str) -> str | None:
    """Where the word's last-layer cosine stands against the band of its cosines with other tokens."""
    band = comparison.baseline
    if band is None:
        return None
    value, low, high = comparison.cosine[-1], band.low[-1], band.high[-1]
    where = "above" if value > high else "below" if value < low else "inside"
    layer = len(comparison.cosine) - 1
    return t(lang, f"img.compare.{where}", layer=layer, word=word, value=value, median=band.median[-1])


def _band_notes(comparison: Comparison, word: str, lang: str) -> list[str]:
    """What the band is, and where the word stands against it."""
    band, standing = comparison.baseline, band_standing(comparison, word, lang)
    if band is None or standing is None:
        return []
    framing = comparison.a.analysis.sentence.family.framing
    return [t(lang, "img.compare.band_note", word=word, count=band.tokens, specials=framing), standing]


def draw_comparison(plan: ComparePlan) -> Image:
    canvas = panels.begin(plan)
    heat_px = len(plan.rows) * plan.row_px
    offset = HEADER
    for i, panel in enumerate(plan.sentences):
        canvas.text(MARGIN, offset + 22, panel.heading, size=SUBTITLE_PX + 1, bold=True, max_width=TEXT_WIDTH)
        box = (LEFT, offset + 45, LEFT + PLOT_WIDTH, offset + 45 + heat_px)
        panels.labelled_heatmap(
            canvas,
            box,
            panel.word.rows[:, panel.start : panel.stop],
            plan.vmax,
            rows=plan.rows,
            columns=panel.labels[panel.start : panel.stop],
            own=panel.own,
            highlight_row=plan.highlight_row,
            rotate=panel.rotate,
            annotate=panel.annotate,
            value_px=panel.value_px,
        )
        if i == 0:
            canvas.colorbar(box[1], box[3], plan.vmax, plan.colour_label)
        offset += plan.panel_px(panel)
    canvas.text(MARGIN, offset + 25, plan.chart_title, size=SUBTITLE_PX, bold=True)
    draw_line_chart(canvas, (LEFT, offset + 90, LEFT + PLOT_WIDTH, offset + CHART_PX - 55), plan.chart)
    return panels.finish(canvas, plan)
