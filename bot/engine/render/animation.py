"""Across layers, animated: the word view or the matrix view for each layer in turn, one frame per
layer, the layer number drawn large above each frame.

GIF, not APNG: Discord animates a GIF attachment shown in an embed in every client, while APNG
attachments are not reliably animated (several clients show only the first frame, as a still PNG).
GIF's 256 colours are enough here: every frame is quantised to one fixed palette made from the colour
map and the few text colours, so a colour never changes index between frames (no flicker) and Pillow
writes each frame after the first as the rectangle that changed.

A frame is the view's own plan and painting for layer L (``rows.paint_rows``, ``matrix.paint_matrix``)
with three differences: the printed command is the animation's (``--gif``), every frame has the same
colour scale (the word view's already spans every layer; the matrix's top is the largest over all
layers) and a note says so, and the notes are padded to the same number of lines so frames are the same
size and the command does not jump.

Measured on a shared 2-core machine under load (load average about 4.5), drawing, quantising and
encoding every frame, median of 5 runs with the text cache warm (a first call costs ~0.15 s more);
word view / matrix view:
  6 layers (bundled), "I am eating an apple":     84 KB / 145 KB in 0.15 s / 0.19 s
  6 layers, a 23-word sentence:                   153 KB / 401 KB in 0.28 s / 0.28 s
  12 layers (random weights), the 5 words:        147 KB / 225 KB in 0.32 s / 0.21 s
  12 layers, the 23 words:                        250 KB / 626 KB in 0.61 s / 0.48 s
Far below Discord's 10 MB, so the smaller sizes below are for deep models and small limits.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

import numpy as np
from PIL import Image as PILImage

from bot.engine.errors import AnimationTooLarge
from bot.engine.render import matrix, panels, rows
from bot.engine.render.canvas import Canvas
from bot.engine.render.image import Image
from bot.engine.render.style import (
    ACCENT,
    BACKGROUND,
    DARK_TEXT,
    FOREGROUND,
    GRIDLINE,
    LUT,
    MARGIN,
    MUTED,
    WIDTH,
    rgb,
)
from bot.engine.results import Animation
from bot.i18n import t

FRAME_MS = 1400  # long enough to read a frame's top tokens
LAST_FRAME_MS = 3000  # a pause on the last layer before it starts again
BAND_PX = 78  # the band above each frame with the layer number
LAYER_PX = 46  # the layer number: the largest type on any BERT Lens image
# Sizes tried in turn when a GIF is over the upload limit. Fewer colours would not help: GIF's LZW
# already packs the flat cells, and what costs bytes is text and edges, which shrink with the size.
# Shrunk with a box filter: Lanczos' ringing made new colours at every edge and a 0.75 GIF larger than
# the full one (223 KB against 160 KB for 12 layers); box makes 125 KB, and 74 KB at 0.5.
SCALES = (1.0, 0.75, 0.5)
MB = 1024 * 1024


@dataclass(frozen=True, eq=False)
class AnimationPlan:
    frames: list[Any]  # each layer's plan (rows.RowsPlan or matrix.MatrixPlan), in order
    paint: Callable[[Any], Canvas]
    layers: int
    labels: list[tuple[str, str]]  # ("Layer 3", "of 6") for each frame
    durations: list[int]  # milliseconds per frame
    filename: str
    alt_text: str


def plan_animation(animation: Animation, lang: str, command: str = "") -> AnimationPlan:
    frames = animation.frames
    layers = len(frames)
    if animation.view == "matrix":
        peaks = [matrix.shown_peaks(frame) for frame in frames]
        top = max(words for words, _ in peaks)
        scale = (top, any(specials > top + 1e-9 for _, specials in peaks))
        plans: list[Any] = [matrix.plan_matrix(frame, lang, scale=scale) for frame in frames]
        paint: Callable[[Any], Canvas] = matrix.paint_matrix
    else:
        plans = [rows.plan_word_view(frame, lang) for frame in frames]
        paint = rows.paint_rows
    note = t(lang, "img.anim.scale", vmax=plans[0].vmax)
    plans = [replace(plan, notes=[*plan.notes, note], command=command) for plan in plans]
    lines = [len(panels.footer_lines(plan.notes)) for plan in plans]
    plans = [
        replace(plan, notes=[*plan.notes, *[""] * (max(lines) - count)])
        for plan, count in zip(plans, lines, strict=True)
    ]
    view = "matrix" if animation.view == "matrix" else "word"
    return AnimationPlan(
        frames=plans,
        paint=paint,
        layers=layers,
        labels=[
            (t(lang, "img.anim.layer", n=n), t(lang, "img.anim.of", layers=layers))
            for n in range(1, layers + 1)
        ],
        durations=[FRAME_MS] * (layers - 1) + [LAST_FRAME_MS],
        filename="bertlens-animation.gif" if view == "word" else "bertlens-animation-matrix.gif",
        alt_text=t(lang, "img.anim.alt", layers=layers, alt=plans[-1].alt_text),
    )


def draw_animation(plan: AnimationPlan, max_bytes: int | None = None) -> Image:
    """The GIF, at the largest of ``SCALES`` that fits in ``max_bytes`` (None: full size)."""
    pictures = [_frame(plan, i) for i in range(len(plan.frames))]
    smallest = 0
    for scale in SCALES:
        data, width, height = _gif(pictures, plan.durations, scale)
        if max_bytes is None or len(data) <= max_bytes:
            return Image(
                data, width, height, plan.filename, plan.alt_text[: panels.ALT_CHARS], "GIF", len(pictures)
            )
        smallest = len(data)
    assert max_bytes is not None
    raise AnimationTooLarge(size=smallest / MB, limit=max_bytes / MB)


def _frame(plan: AnimationPlan, index: int) -> PILImage.Image:
    """One layer's figure under a band with its layer number and a strip of every layer."""
    figure = plan.paint(plan.frames[index]).image
    band = Canvas(BAND_PX)
    label, of = plan.labels[index]
    band.text(MARGIN, 58, label, size=LAYER_PX, bold=True, colour=FOREGROUND)
    band.text(MARGIN + band.text_width(label, LAYER_PX, True) + 14, 58, of, size=24, colour=MUTED)
    # Where this layer stands among all of them: one cell per layer, this one in the accent colour.
    for n, (left, right) in enumerate(strip(plan.layers)):
        colour = ACCENT if n == index else (MUTED if n < index else GRIDLINE)
        band.draw.rectangle((left, STRIP_TOP, right, STRIP_BOTTOM), fill=colour)
    band.draw.line((MARGIN, BAND_PX - 2, WIDTH - MARGIN, BAND_PX - 2), fill=GRIDLINE, width=2)
    frame = PILImage.new("RGB", (figure.width, BAND_PX + figure.height), BACKGROUND)
    frame.paste(band.image, (0, 0))
    frame.paste(figure, (0, BAND_PX))
    return frame


STRIP_TOP, STRIP_BOTTOM = 30, 52
STRIP_PX = 560  # at most, right-aligned: 48 layers still leave room for "Layer 48 of 48"


def strip(layers: int) -> list[tuple[int, int]]:
    """The left and right pixel of each layer's cell in the band's strip, right-aligned."""
    step = min(32, STRIP_PX // max(layers, 1))
    gap = max(2, step // 5)
    first = WIDTH - MARGIN - layers * step + gap
    return [(first + n * step, first + n * step + step - gap - 1) for n in range(layers)]


def _gif(pictures: list[PILImage.Image], durations: list[int], scale: float) -> tuple[bytes, int, int]:
    if scale != 1.0:
        size = (round(pictures[0].width * scale), round(pictures[0].height * scale))
        pictures = [picture.resize(size, PILImage.Resampling.BOX) for picture in pictures]
    frames = [picture.quantize(palette=palette(), dither=PILImage.Dither.NONE) for picture in pictures]
    out = io.BytesIO()
    frames[0].save(
        out,
        format="GIF",
        save_all=True,
        append_images=frames[1:],
        duration=durations,
        loop=0,  # forever
        disposal=1,  # each frame is drawn over the last (only the changed rectangle is stored)
    )
    return out.getvalue(), frames[0].width, frames[0].height


@cache
def palette() -> PILImage.Image:
    """One palette for every frame: the text and background colours, ramps from the background to the
    text colours (anti-aliased edges), and the rest of the 256 entries spread over cividis."""
    base = [rgb(c) for c in (BACKGROUND, FOREGROUND, MUTED, GRIDLINE, ACCENT, DARK_TEXT)]
    ramps = []
    for colour, steps in ((FOREGROUND, 24), (MUTED, 12), (ACCENT, 10), (DARK_TEXT, 4)):
        start, end = np.array(rgb(BACKGROUND), float), np.array(rgb(colour), float)
        ramps += [tuple(int(v) for v in np.rint(start + (end - start) * k / steps)) for k in range(1, steps)]
    cividis = 256 - len(base) - len(ramps)
    spread = np.rint(np.linspace(0, 255, cividis)).astype(int)
    colours = base + ramps + [tuple(int(v) for v in LUT[i]) for i in spread]
    assert len(colours) == 256
    image = PILImage.new("P", (1, 1))
    image.putpalette([v for colour in colours for v in colour])
    return image
