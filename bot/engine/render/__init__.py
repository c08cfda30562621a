"""Heatmaps as PNG bytes, composed as pixels: numpy for the cells, Pillow (FreeType) for the text.

Why not matplotlib figures: a labelled heatmap needs 30-150 text artists, and matplotlib spends about
a millisecond on each, which made drawing 5-10x slower than the forward pass itself and held the GIL
long enough to stall the bot's event loop (see ``python -m bench`` and the README's benchmark notes).
Matplotlib still provides what it is best at: the ``cividis`` colour map and the DejaVu fonts.

Each figure module plans everything from the result (``plan_*``: sizes, labels, colour scale, every
caption in the reader's language) and then only paints the plan (``draw_*``). Every image labels
itself: model, sentence, word, layer/head, aggregation and whether specials are hidden.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from bot.engine.occlusion import Occlusion
from bot.engine.predict import Predictions
from bot.engine.render import animation, compare, grid, matrix, occlusion, predict, rows
from bot.engine.render.image import Image
from bot.engine.results import (
    Animation,
    AttentionResult,
    command_line,
    compare_command_line,
    occlusion_command_line,
    predict_command_line,
)
from bot.engine.similarity import Comparison
from bot.i18n import EN

__all__ = [
    "FIGURES",
    "Image",
    "render_animation",
    "render_attention",
    "render_comparison",
    "render_occlusion",
    "render_predictions",
]

# view name -> (plan, draw): a new view is one module and one line here.
FIGURES: dict[str, tuple[Callable[[AttentionResult, str], Any], Callable[[Any], Image]]] = {
    "word": (rows.plan_word_view, rows.draw_rows),
    "heads": (rows.plan_heads_view, rows.draw_rows),
    "rollout": (rows.plan_rollout_view, rows.draw_rows),
    "matrix": (matrix.plan_matrix, matrix.draw_matrix),
    "grid": (grid.plan_grid, grid.draw_grid),
}


# Every image ends with the command line that makes it again (issue: reproducible cards).


def render_attention(result: AttentionResult, lang: str = EN) -> Image:
    plan, draw = FIGURES[result.resolved.view]
    return draw(replace(plan(result, lang), command=command_line(result, lang=lang)))


def render_animation(result: Animation, lang: str = EN, *, max_bytes: int | None = None) -> Image:
    """The GIF of every layer in turn, no larger than ``max_bytes`` (smaller frames if it must be;
    ``AnimationTooLarge`` if even the smallest is over)."""
    plan = animation.plan_animation(result, lang, command_line(result, lang=lang))
    return animation.draw_animation(plan, max_bytes)


def render_occlusion(result: Occlusion, lang: str = EN) -> Image:
    plan = occlusion.plan_occlusion(result, lang)
    return occlusion.draw_occlusion(replace(plan, command=occlusion_command_line(result, lang=lang)))


def render_comparison(comparison: Comparison, lang: str = EN) -> Image:
    plan = compare.plan_comparison(comparison, lang)
    return compare.draw_comparison(replace(plan, command=compare_command_line(comparison, lang=lang)))


def render_predictions(predictions: Predictions, lang: str = EN) -> Image:
    plan = predict.plan_predictions(predictions, lang)
    return predict.draw_predictions(replace(plan, command=predict_command_line(predictions, lang=lang)))
