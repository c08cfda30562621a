""" "Does it matter?": how far the word's vector moves, layer by layer, when the token it attends to most,
and the one it attends to least, are taken out of the sentence. A weight says where a head looks, not
what the word needs (Jain & Wallace 2019); this chart is the experiment that tells them apart."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.engine.occlusion import Occlusion, Removal
from bot.engine.render import captions, panels
from bot.engine.render.canvas import ticks
from bot.engine.render.chart import SECOND, LineChart, Series, draw_line_chart
from bot.engine.render.image import Image
from bot.engine.render.style import ACCENT, HEADER, LEFT, MARGIN, PLOT_WIDTH, SUBTITLE_PX
from bot.i18n import t

CHART_PX = 320
CLEAR = 1.5  # one shift this many times the other is "matters more"; closer than that, "about as much"


@dataclass(frozen=True, eq=False, kw_only=True)
class OcclusionPlan(panels.Figure):
    chart: LineChart | None  # None: nothing could be taken out
    chart_title: str

    @property
    def body_px(self) -> int:
        return CHART_PX if self.chart is not None else 20


def occlusion_lesson(result: Occlusion, lang: str) -> str:
    """One line with the two shifts at the layer the tokens were chosen in, and what they say."""
    top, least = result.top, result.least
    word = captions.quoted(result.span.text)
    if top is None or least is None:
        return t(lang, "img.occ.none", word=word)
    layer = result.layer + 1
    moved_top, moved_least = float(top.shift[layer]), float(least.shift[layer])
    if moved_top > CLEAR * moved_least:
        key = "img.occ.lesson.top"
    elif moved_least > CLEAR * moved_top:
        key = "img.occ.lesson.least"
    else:
        key = "img.occ.lesson.same"
    return t(
        lang,
        key,
        layer=layer,
        word=word,
        top=captions.quoted(captions.short(top.token)),
        top_weight=top.weight,
        top_shift=moved_top,
        least=captions.quoted(captions.short(least.token)),
        least_weight=least.weight,
        least_shift=moved_least,
    )


def _series(removal: Removal, colour: str, lang: str) -> Series:
    token = captions.quoted(captions.short(removal.token))
    label = t(lang, "img.occ.without", token=token, weight=removal.weight)
    return Series(np.asarray(removal.shift), colour, label)


def plan_occlusion(result: Occlusion, lang: str) -> OcclusionPlan:
    analysis = result.analysis
    word = captions.quoted(result.span.text)
    sentence_line, cut = captions.sentence_title(t(lang, "img.in"), analysis.sentence.text)
    how = (
        t(lang, "img.occ.masked", mask=analysis.sentence.family.mask or "")
        if result.method == "masked"
        else t(lang, "img.occ.deleted")
    )
    where = t(
        lang,
        "img.top.where",
        layer=result.layer + 1,
        heads=captions.heads(lang, result.heads, analysis.num_heads),
    )
    subtitle = [
        sentence_line,
        captions.model_shape(lang, analysis.model, analysis.num_layers, analysis.num_heads),
        t(lang, "img.occ.what", where=where, specials=analysis.sentence.family.framing),
    ]
    chart = None
    if result.top is not None and result.least is not None:
        shifts = np.concatenate([result.top.shift, result.least.shift])
        peak = max(float(shifts.max()), 1e-3)
        steps = ticks(peak)
        chart = LineChart(
            series=(
                _series(result.top, ACCENT, lang),
                _series(result.least, SECOND, lang),
            ),
            axis=[t(lang, "img.compare.embeddings")] + [str(i) for i in range(1, analysis.num_layers + 1)],
            axis_label=t(lang, "img.compare.layer_axis"),
            lo=-steps[-1] * 0.12,
            hi=max(peak, steps[-1]) * 1.2,
            ticks=tuple(steps),
            digits=3,
        )
    notes = [occlusion_lesson(result, lang), t(lang, "img.occ.how", how=how), t(lang, "img.occ.why")]
    notes.extend(captions.shortening_notes(lang, 0, 0, 0, cut))
    notes.extend(captions.tokenizer_notes(lang, analysis.sentence))
    return OcclusionPlan(
        title=t(lang, "img.occ.title", word=word),
        subtitle=subtitle,
        notes=notes,
        chart=chart,
        chart_title=t(lang, "img.occ.chart", word=word),
        filename="bertlens-occlusion.png",
        alt_text=notes[0],
    )


def draw_occlusion(plan: OcclusionPlan) -> Image:
    canvas = panels.begin(plan)
    if plan.chart is not None:
        canvas.text(MARGIN, HEADER + 25, plan.chart_title, size=SUBTITLE_PX, bold=True)
        box = (LEFT, HEADER + 90, LEFT + PLOT_WIDTH, HEADER + CHART_PX - 60)
        draw_line_chart(canvas, box, plan.chart)
    return panels.finish(canvas, plan)
