"""The grid view, bertviz's model view as a still: every layer × head, each a tokens × tokens
thumbnail, on a square-root colour scale so the faint heads still show."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.engine.render import captions, panels
from bot.engine.render.image import Image
from bot.engine.render.style import ACCENT, HEADER, LABEL_PX, LEFT, MAX_GRID_TOKENS, MUTED, PLOT_WIDTH
from bot.engine.results import AttentionResult
from bot.i18n import t

GAMMA = 0.5  # square-root colour scale
TOP_GAP = 45  # room for the head numbers above the mosaic


@dataclass(frozen=True, eq=False, kw_only=True)
class GridPlan(panels.Figure):
    mosaic: np.ndarray  # every thumbnail in one array, gaps as NaN
    layers: int
    heads: int
    count: int  # tokens per thumbnail side
    step: int  # thumbnail side plus the gap
    own: list[int]
    layer_labels: list[str]
    head_labels: list[str]
    colour_label: str

    @property
    def heat_px(self) -> int:
        return int(PLOT_WIDTH * self.mosaic.shape[0] / self.mosaic.shape[1])

    @property
    def body_px(self) -> int:
        return self.heat_px + 75


def plan_grid(result: AttentionResult, lang: str) -> GridPlan:
    word = result.word
    analysis = result.analysis
    norms = result.values == "norms"
    matrices, keep = result.all_heads()
    own_tokens = set(word.span.token_indices)
    own = [p for p, index in enumerate(keep) if int(index) in own_tokens]
    start, stop = panels.window(len(keep), own, MAX_GRID_TOKENS)
    matrices = matrices[:, :, start:stop, start:stop]
    own = [p - start for p in own if start <= p < stop]
    layers, heads, count, _ = matrices.shape
    gap = max(1, count // 6)
    step = count + gap
    mosaic = np.full((layers * step - gap, heads * step - gap), np.nan, dtype=np.float32)
    for layer in range(layers):
        for head in range(heads):
            mosaic[layer * step : layer * step + count, head * step : head * step + count] = matrices[
                layer, head
            ]

    sentence_line, cut = captions.sentence_title(t(lang, "img.in"), analysis.sentence.text)
    subtitle = [
        sentence_line,
        t(lang, "img.grid.what", model=analysis.model, layers=layers, heads=heads),
        t(
            lang,
            "img.grid.scale",
            specials=captions.specials(lang, word.hide_special, True, analysis.sentence),
        ),
    ]
    if result.values == "norms":
        subtitle[-1] += " \u00b7 " + t(lang, "img.values.short")
    tokens = " ".join(analysis.sentence.display[int(i)] for i in keep[start:stop])
    notes = [
        t(lang, "img.grid.note_norms" if norms else "img.grid.note", word=captions.quoted(word.span.text)),
        t(lang, "img.grid.tokens", tokens=tokens),
        t(lang, "img.grid.sqrt"),
    ]
    notes.extend(captions.shortening_notes(lang, start, stop, len(keep), cut))
    notes.extend(captions.norms_notes(lang, result))
    notes.extend(captions.tokenizer_notes(lang, analysis.sentence))
    alt = t(
        lang,
        "img.grid.alt_norms" if norms else "img.grid.alt",
        count=layers * heads,
        model=analysis.model,
        sentence=analysis.sentence.text,
    )
    return GridPlan(
        title=t(
            lang, "img.grid.title_norms" if norms else "img.grid.title", word=captions.quoted(word.span.text)
        ),
        subtitle=subtitle,
        notes=notes,
        mosaic=mosaic,
        layers=layers,
        heads=heads,
        count=count,
        step=step,
        own=own,
        layer_labels=[t(lang, "img.layer_short", n=i + 1) for i in range(layers)],
        head_labels=[t(lang, "img.head_short", n=i + 1) for i in range(heads)],
        colour_label=t(lang, "img.norm_share" if norms else "img.weight"),
        filename="bertlens-grid.png",
        alt_text=alt,
    )


def draw_grid(plan: GridPlan) -> Image:
    canvas = panels.begin(plan)
    box = (LEFT, HEADER + TOP_GAP, LEFT + PLOT_WIDTH, HEADER + TOP_GAP + plan.heat_px)
    x_edges, y_edges = canvas.heatmap(box, plan.mosaic, 1.0, gamma=GAMMA, separators=False)
    step, count = plan.step, plan.count
    for head, label in enumerate(plan.head_labels):
        centre = (x_edges[head * step] + x_edges[head * step + count]) / 2
        canvas.text(centre, box[1] - 12, label, size=LABEL_PX - 1, colour=MUTED, align="m")
    for layer, label in enumerate(plan.layer_labels):
        middle = (y_edges[layer * step] + y_edges[layer * step + count]) / 2
        canvas.text(LEFT - 12, middle, label, size=LABEL_PX - 1, colour=MUTED, align="r", valign="m")
        if plan.own:
            for head in range(plan.heads):
                canvas.outline(
                    (
                        x_edges[head * step] - 1,
                        y_edges[layer * step + min(plan.own)] - 1,
                        x_edges[head * step + count],
                        y_edges[layer * step + max(plan.own) + 1],
                    ),
                    ACCENT,
                    1,
                )
    canvas.colorbar(box[1], box[3], 1.0, plan.colour_label, gamma=GAMMA)
    return panels.finish(canvas, plan)
