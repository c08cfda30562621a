"""Across layers, animated: the GIF as a reader's software decodes it (frames, timing, loop), and each
frame showing its own layer, on one colour scale, under the upload limit or refused in words."""

from __future__ import annotations

import io
import itertools
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image as PILImage

from bot.engine.errors import AnimationTooLarge, OptionConflict
from bot.engine.query import AttentionQuery
from bot.engine.render import animation, captions, matrix, render_animation, render_attention
from bot.engine.render.style import ACCENT, HEADER, rgb
from bot.i18n import EN, KO, error_text, t

SENTENCE = "I am eating an apple"
WORD = AttentionQuery("apple", animate=True)
MATRIX = AttentionQuery("apple", view="matrix", animate=True)


def frames_of(data: bytes) -> tuple[PILImage.Image, list[np.ndarray]]:
    gif = PILImage.open(io.BytesIO(data))
    assert gif.format == "GIF"
    pictures = []
    for n in range(gif.n_frames):
        gif.seek(n)
        pictures.append(np.asarray(gif.convert("RGB")))
    gif.seek(0)
    return gif, pictures


def durations(gif: PILImage.Image) -> list[int]:
    out = []
    for n in range(gif.n_frames):
        gif.seek(n)
        out.append(gif.info["duration"])
    gif.seek(0)
    return out


@pytest.fixture
def word_gif(lens):
    return lens.animation_gif(SENTENCE, WORD, EN)


def test_one_frame_per_layer_looping_with_a_pause_on_the_last(word_gif):
    result, image = word_gif
    assert image.format == "GIF" and image.filename == "bertlens-animation.gif"
    assert image.png.startswith(b"GIF89a")
    gif, pictures = frames_of(image.png)
    assert gif.n_frames == image.frames == len(result.frames) == len(pictures) == 6
    assert gif.info["loop"] == 0  # forever
    assert durations(gif) == [animation.FRAME_MS] * 5 + [animation.LAST_FRAME_MS]
    assert gif.size == (image.width, image.height) and image.width == 1000
    assert [frame.word.layer for frame in result.frames] == list(range(6))
    assert image.alt_text.startswith(t(EN, "img.anim.alt", layers=6, alt="")[:20])


def test_each_frame_is_the_still_word_view_of_its_layer(lens, word_gif):
    """Below the band with the layer number, frame L is the still word view of layer L (the same
    pixels once that image is put through the animation's palette), down to the end of its body."""
    _, image = word_gif
    _, pictures = frames_of(image.png)
    for layer, picture in enumerate(pictures, start=1):
        _, still = lens.attention_png(SENTENCE, AttentionQuery("apple", layer=layer), EN)
        expected = np.asarray(
            PILImage.open(io.BytesIO(still.png))
            .convert("RGB")
            .quantize(palette=animation.palette(), dither=PILImage.Dither.NONE)
            .convert("RGB")
        )
        plan = animation.plan_animation(lens.animation(SENTENCE, WORD), EN)
        top = HEADER + plan.frames[0].body_px  # title, subtitles and heatmap; the notes differ
        shown = picture[animation.BAND_PX : animation.BAND_PX + top]
        same = (shown == expected[:top]).all(axis=2)
        assert same.mean() > 0.999, f"layer {layer}: {1 - same.mean():.4%} of pixels differ"


def test_the_band_names_the_layer_and_marks_it_among_all(lens, word_gif):
    _, image = word_gif
    _, pictures = frames_of(image.png)
    plan = animation.plan_animation(lens.animation(SENTENCE, WORD), EN)
    assert plan.labels == [(f"Layer {n}", "of 6") for n in range(1, 7)]
    cells = animation.strip(6)
    middle = (animation.STRIP_TOP + animation.STRIP_BOTTOM) // 2
    for index, picture in enumerate(pictures):
        lit = [n for n, (a, b) in enumerate(cells) if tuple(picture[middle, (a + b) // 2]) == rgb(ACCENT)]
        assert lit == [index]  # the strip lights this frame's layer only


@pytest.mark.parametrize("layers", [2, 6, 12, 24, 48])
def test_the_strip_fits_beside_the_layer_number(layers):
    cells = animation.strip(layers)
    assert len(cells) == layers and cells[-1][1] <= 1000 - 35
    assert cells[0][0] >= 1000 - 35 - animation.STRIP_PX  # clear of "Layer 48 of 48" on the left
    assert all(b > a and b < c for (a, b), (c, _) in itertools.pairwise(cells))


def test_each_frames_notes_tell_its_own_layer_and_the_shared_scale(lens):
    result = lens.animation(SENTENCE, WORD)
    plan = animation.plan_animation(result, EN, "python -m bot attention x --gif")
    vmax = plan.frames[0].vmax
    for frame, drawn in zip(result.frames, plan.frames, strict=True):
        where = t(EN, "img.top.where", layer=frame.word.layer + 1, heads="mean of 12 heads")
        assert drawn.notes[0] == captions.top_line(EN, frame.word, where)
        assert t(EN, "img.anim.scale", vmax=vmax) in drawn.notes
        assert drawn.vmax == vmax and drawn.highlight_row == frame.word.layer
        assert drawn.command == "python -m bot attention x --gif"
    assert len({d.height for d in plan.frames}) == 1  # padded notes: same size, the command stays put


def test_the_matrix_frames_share_one_colour_scale(lens):
    result = lens.animation(SENTENCE, MATRIX)
    plan = animation.plan_animation(result, KO)
    tops = [matrix.shown_peaks(frame)[0] for frame in result.frames]
    assert len(set(tops)) > 1  # each layer alone would have its own scale ...
    assert {p.vmax for p in plan.frames} == {max(tops)}  # ... the animation has one
    assert [p.title for p in plan.frames] == [t(KO, "img.matrix.title", layer=n) for n in range(1, 7)]
    assert plan.labels[2] == ("\ub808\uc774\uc5b4 3", "/ 6")  # "레이어 3"
    assert all(t(KO, "img.anim.scale", vmax=max(tops)) in p.notes for p in plan.frames)
    image = animation.draw_animation(plan)
    assert image.filename == "bertlens-animation-matrix.gif"
    assert PILImage.open(io.BytesIO(image.png)).n_frames == 6


def test_norms_animate_too(lens):
    result, image = lens.animation_gif(SENTENCE, replace(WORD, values="norms"), EN)
    assert all(frame.values == "norms" for frame in result.frames)
    assert PILImage.open(io.BytesIO(image.png)).n_frames == 6


def test_one_palette_for_every_frame(word_gif):
    """Colours never change between frames: every pixel of every frame is one of the fixed palette's
    colours (the colour map and the text colours), whatever the frame shows."""
    _, image = word_gif
    _, pictures = frames_of(image.png)
    entries = np.array(animation.palette().getpalette()[: 256 * 3], dtype=np.uint8).reshape(-1, 3)
    allowed = {tuple(int(v) for v in colour) for colour in entries}
    for picture in pictures:
        used = {tuple(int(v) for v in colour) for colour in np.unique(picture.reshape(-1, 3), axis=0)}
        assert used <= allowed


def test_over_the_limit_the_frames_get_smaller(lens):
    result = lens.animation(SENTENCE, WORD)
    full = render_animation(result, EN)
    smaller = render_animation(result, EN, max_bytes=len(full.png) - 1)
    assert len(smaller.png) < len(full.png) and smaller.width == 750  # the first smaller size fits
    gif = PILImage.open(io.BytesIO(smaller.png))
    assert gif.n_frames == 6 and gif.size == (smaller.width, smaller.height)


@pytest.mark.parametrize("lang", [EN, KO])
def test_too_large_even_at_the_smallest_is_refused_in_words(lens, lang):
    with pytest.raises(AnimationTooLarge) as caught:
        render_animation(lens.animation(SENTENCE, WORD), lang, max_bytes=1024)
    text = error_text(lang, caught.value)
    assert "1.0 MB" not in text and "{" not in text
    assert text == t(lang, "err.animation_too_large", **caught.value.params)
    if lang == KO:
        assert "\uc560\ub2c8\uba54\uc774\uc158" in text  # "애니메이션"


@pytest.mark.parametrize(
    ("query", "case"),
    [
        (AttentionQuery("apple", view="heads", animate=True), "animation_view"),
        (AttentionQuery("apple", view="grid", animate=True), "animation_view"),
        (AttentionQuery("apple", view="rollout", animate=True), "animation_view"),
        (AttentionQuery("apple", layer=2, animate=True), "animation_layer"),
    ],
)
def test_what_an_animation_cannot_show_is_refused(lens, query, case):
    with pytest.raises(OptionConflict) as caught:
        lens.animation(SENTENCE, query)
    assert caught.value.params == {"case": case}


def test_a_still_image_is_unchanged_by_the_animation(lens):
    """The still views paint through the same code: the command and pixels of a still are its own."""
    result = lens.attention(SENTENCE, AttentionQuery("apple", layer=3))
    image = render_attention(result, EN)
    assert image.format == "PNG" and image.png.startswith(b"\x89PNG")


def test_a_random_weight_family_model_animates_each_of_its_layers(family_model):
    """RANDOM weights (tests/helpers/families.py): plumbing, not meaning."""
    from bot.engine.lens import Lens

    family = Lens(family_model("roberta"))
    result, image = family.animation_gif("I am eating an apple", MATRIX, EN)
    layers = family.model.num_layers
    assert len(result.frames) == layers
    assert PILImage.open(io.BytesIO(image.png)).n_frames == layers
