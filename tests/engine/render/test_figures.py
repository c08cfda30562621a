"""Rendering: every view is a real PNG of the declared size, awkward text is safe, threads are safe."""

from __future__ import annotations

import io
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from PIL import Image as PILImage

from bot.engine import render
from bot.engine.query import AttentionQuery
from bot.engine.render import captions, panels, rows, style
from bot.engine.render.canvas import Canvas
from bot.i18n import t

SEED_A = "Apple is huge enterprise"
SEED_B = "I am eating an apple"
VIEWS = ["word", "heads", "matrix", "grid", "rollout"]
LONG = " ".join(["the quick brown fox jumps over the lazy dog"] * 11)  # 99 words, 101 tokens


def decode(image: render.Image) -> PILImage.Image:
    assert image.png.startswith(b"\x89PNG\r\n\x1a\n")
    picture = PILImage.open(io.BytesIO(image.png))
    picture.load()
    assert picture.format == "PNG"
    return picture


def assert_real_picture(image: render.Image) -> None:
    picture = decode(image)
    assert picture.size == (image.width, image.height)
    assert image.width == 1000
    assert 300 <= image.height <= 4000
    colours = picture.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) >= 100, "looks blank"
    # The heatmap uses many cividis shades, not only text antialiasing over the background.
    pixels = np.asarray(picture.convert("RGB"), dtype=np.int32)
    background = np.array([0x23, 0x24, 0x28])
    assert (np.abs(pixels - background).sum(axis=-1) > 60).mean() > 0.05


@pytest.fixture
def notes(monkeypatch):
    """Every footer line and subtitle line the renderer writes, to check what an image declares."""
    lines: list[str] = []
    real_footer, real_header = panels.footer, panels.header

    def footer(canvas, start_in, footer_lines, command=""):
        lines.extend(footer_lines)
        return real_footer(canvas, start_in, footer_lines, command)

    def header(canvas, title, subtitle):
        lines.append(title)
        lines.extend(subtitle)
        return real_header(canvas, title, subtitle)

    monkeypatch.setattr(panels, "footer", footer)
    monkeypatch.setattr(panels, "header", header)
    return lines


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("hide", [False, True])
def test_every_view_renders_a_real_png(lens, view, hide, notes):
    _result, image = lens.attention_png(SEED_A, AttentionQuery("apple", view=view, hide_special=hide))
    assert_real_picture(image)
    assert image.filename == f"bertlens-{view}.png"
    assert "Apple" in image.alt_text or "apple" in image.alt_text.lower()
    assert len(image.alt_text) <= 1000
    assert any("sentence-transformers/all-MiniLM-L6-v2" in line for line in notes)  # labels its model
    assert not any(line.startswith("Long sentence") for line in notes)


@pytest.mark.parametrize("argv", [{"head": 3}, {"agg": "max"}, {"layer": 1}])
def test_head_choices_render(lens, argv, notes):
    _, image = lens.attention_png(SEED_B, AttentionQuery("apple", **argv))
    assert_real_picture(image)
    label = {"head": "head 3 of 12", "agg": "max over 12 heads", "layer": "layer 1 outlined"}[
        next(iter(argv))
    ]
    assert any(label in line for line in notes), notes


@pytest.mark.parametrize("hide", [False, True])
def test_compare_renders_a_real_png(lens, hide, notes):
    _comparison, image = lens.compare_png("apple", SEED_A, SEED_B, hide_special=hide)
    assert_real_picture(image)
    assert image.filename == "bertlens-compare.png"
    assert "6207" in image.alt_text
    assert any("Token id 6207 in both:" in line for line in notes)


@pytest.mark.parametrize("view", VIEWS)
def test_long_sentence_renders_and_says_what_it_cut(lens, view, notes):
    result, image = lens.attention_png(LONG, AttentionQuery("fox", occurrence=6, view=view))
    assert len(result.analysis.sentence) == 101
    assert_real_picture(image)
    assert any("The sentence is shortened in the subtitle." in line for line in notes)
    if view != "heads":  # every view but heads shows fewer than all 101 tokens and says so
        assert any(line.startswith("Long sentence: showing tokens") and "of 101" in line for line in notes), (
            notes
        )
    # The window is centred on the word: its column is inside the shown range.
    window = next((line for line in notes if line.startswith("Long sentence")), None)
    if window is not None:
        first, last = (int(x) for x in window.split("tokens ")[1].split(" of")[0].split("\u2013"))
        assert first <= result.word.span.token_indices[0] + 1 <= last


def test_long_sentence_wraps_into_panels(lens):
    _, short_image = lens.attention_png(SEED_A, AttentionQuery("apple"))
    result, long_image = lens.attention_png(LONG, AttentionQuery("fox", occurrence=6))
    # 72 shown columns wrap onto three panels of 24: the image is taller by two more panels.
    plan = rows.plan_word_view(result, "en")
    assert [b - a for a, b in plan.panels] == [24, 24, 24]
    assert long_image.height >= short_image.height + 2 * plan.panel_px


def test_long_compare_declares_its_window(lens, notes):
    _, image = lens.compare_png("fox", LONG, "a fox")
    assert_real_picture(image)
    assert any("Long sentence: showing the 24 tokens around the word." in line for line in notes)


AWKWARD = [
    ("It costs $5 and $10", "costs"),
    ("a back\\slash and C:\\path\\to", "slash"),
    ("math $\\alpha$ and $x^2$ here", "math"),
    ("unbalanced $ \\frac{1}{ and }}{{", "unbalanced"),
    ("emoji \U0001f600 \U0001f34e apple", "apple"),
    ("\ud55c\uad6d\uc5b4 \ubb38\uc7a5 \uc0ac\uacfc apple", "apple"),
    ("line one\nline two\r\n\ttabbed apple", "apple"),
    ("<b>bold</b> & %s {0} %(x)d", "bold"),
]


@pytest.mark.parametrize(("text", "word"), AWKWARD, ids=[f"awkward{i}" for i in range(len(AWKWARD))])
def test_awkward_text_renders(lens, text, word):
    _, image = lens.attention_png(text, AttentionQuery(word))
    assert_real_picture(image)


@pytest.mark.parametrize("view", ["heads", "matrix", "grid", "rollout"])
def test_awkward_text_renders_in_every_view(lens, view):
    for text, word in (AWKWARD[2], AWKWARD[6]):
        _, image = lens.attention_png(text, AttentionQuery(word, view=view, hide_special=True))
        assert_real_picture(image)


@pytest.mark.parametrize(
    ("text", "word"), [AWKWARD[1], AWKWARD[2], AWKWARD[5]], ids=["slash", "math", "hangul"]
)
def test_awkward_text_compare_renders(lens, text, word):
    _, image = lens.compare_png(word, text, f"{word} again,\n {word} $")
    assert_real_picture(image)


def test_unknown_characters_are_noted(lens, notes):
    _, image = lens.attention_png("snow \u2603 falls", AttentionQuery("snow"))
    assert_real_picture(image)
    assert any(line.startswith("1 [UNK] token(s)") and "vocabulary" in line for line in notes)


@pytest.mark.parametrize("view", ["word", "matrix", "grid", "compare"])
def test_hangul_taken_apart_is_said_on_every_figure(lens, notes, view):
    """The bundled uncased tokenizer strips accents, which turns 사과 into letters (jamo); an image of
    that must say so and point to a Korean model, in the reader's language."""
    if view == "compare":
        lens.compare_png("사과", "사과를 먹었다", "친구에게 사과를 했다", lang="ko")
    else:
        lens.attention_png("나는 사과를 먹었다", AttentionQuery("사과", view=view), lang="ko")
    assert notes.count(t("ko", "tok.jamo")) == 1


def test_no_hangul_note_for_english(lens, notes):
    lens.attention_png("I am eating an apple", AttentionQuery("apple"))
    assert t("en", "tok.jamo") not in notes


@pytest.mark.parametrize("view", [v for v in VIEWS if v != "rollout"])
@pytest.mark.parametrize("hide", [False, True])
def test_norms_render_in_every_view_and_say_what_they_are(lens, notes, view, hide):
    query = AttentionQuery("apple", view=view, hide_special=hide, values="norms")
    result, image = lens.attention_png("I am eating an apple", query)
    assert_real_picture(image)
    assert t("en", "img.values.norms") in notes
    assert any(line.endswith(t("en", "img.values.short")) for line in notes)  # the subtitle says it too
    if not hide:
        weights = lens.attention("I am eating an apple", AttentionQuery("apple")).word.special_share()
        versus = t(
            "en",
            "img.norms.vs",
            layer=6,
            specials="[CLS]/[SEP]",
            weights=weights,
            norms=result.word.special_share(),
        )
        assert versus in notes


def test_norms_matrix_draws_the_norm_shares(lens):
    result = lens.attention("I am eating an apple", AttentionQuery("apple", view="matrix", values="norms"))
    matrix, keep = result.layer_matrix()
    norms = lens.norms("I am eating an apple")
    np.testing.assert_allclose(matrix, norms.shares()[5][np.ix_(keep, keep)], atol=1e-6)
    plan = render.FIGURES["matrix"][0](result, "en")
    np.testing.assert_allclose(plan.matrix, matrix, atol=1e-6)


def test_occlusion_chart_plots_the_shifts_and_says_what_they_mean(lens, notes):
    result, image = lens.occlusion_png("Apple is huge enterprise", AttentionQuery("apple"))
    assert_real_picture(image)
    plan = render.occlusion.plan_occlusion(result, "en")
    assert plan.chart is not None
    np.testing.assert_allclose(plan.chart.series[0].values, result.top.shift)
    np.testing.assert_allclose(plan.chart.series[1].values, result.least.shift)
    assert plan.chart.hi > max(result.top.shift.max(), result.least.shift.max())  # nothing drawn off the top
    assert t("en", "img.occ.why") in notes
    assert any(f"by {result.top.shift[6]:.3f}" in line for line in notes)


def test_compare_says_where_the_word_stands_against_its_baseline(lens, notes):
    comparison, image = lens.compare_png("apple", "Apple is huge enterprise", "I am eating an apple")
    assert_real_picture(image)
    band = comparison.baseline
    assert comparison.cosine[-1] > band.high[-1]
    expected = t(
        "en",
        "img.compare.above",
        layer=6,
        word="“Apple”",  # as sentence A writes it
        value=comparison.cosine[-1],
        median=band.median[-1],
    )
    assert expected in notes


def test_clip_text_and_short():
    assert captions.clip_lines("a b c", 10, 1) == (["a b c"], False)
    lines, cut = captions.clip_lines("word " * 50, 20, 2)
    assert cut and len(lines) == 2 and lines[-1].endswith("\u2026") and all(len(x) <= 20 for x in lines)
    assert captions.short("enterprise") == "enterprise"
    assert captions.short("internationalization") == "internation\u2026"
    assert len(captions.short("internationalization")) == style.MAX_LABEL_CHARS


def test_concurrent_renders_are_identical_to_sequential(lens):
    jobs = [
        ("attention", SEED_A, AttentionQuery("apple", view="word")),
        ("attention", SEED_B, AttentionQuery("apple", view="heads", hide_special=True)),
        ("attention", SEED_A, AttentionQuery("huge", view="matrix")),
        ("attention", SEED_B, AttentionQuery("eating", view="grid")),
        ("attention", "tokenization is fun", AttentionQuery("tokenization", view="rollout")),
        ("attention", "\ud55c\uad6d\uc5b4 apple $\\alpha$", AttentionQuery("apple", head=4)),
        ("compare", None, None),
        ("attention", LONG, AttentionQuery("fox", occurrence=3, agg="max")),
    ]

    def run(job):
        kind, text, query = job
        if kind == "compare":
            return lens.compare_png("apple", SEED_A, SEED_B)[1].png
        return lens.attention_png(text, query)[1].png

    sequential = [run(job) for job in jobs]
    assert len(set(sequential)) == len(jobs)
    barrier = threading.Barrier(len(jobs))

    def together(job):
        barrier.wait(timeout=30)
        return run(job)

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        concurrent = list(pool.map(together, jobs))
    for index, (a, b) in enumerate(zip(sequential, concurrent, strict=True)):
        assert a == b, f"job {index} rendered differently when run concurrently"


@pytest.mark.parametrize(
    ("view", "label"),
    [("word", "attention weight"), ("rollout", "rollout weight"), ("grid", "attention weight")],
)
def test_colour_bar_says_what_its_colours_mean(lens, monkeypatch, view, label):
    written: list[str] = []
    real = Canvas.vertical_text

    def spy(self, x, y, text, **kwargs):
        written.append(text)
        return real(self, x, y, text, **kwargs)

    monkeypatch.setattr(Canvas, "vertical_text", spy)
    lens.attention_png(SEED_A, AttentionQuery("apple", view=view))
    assert written == [label]


def test_a_long_row_still_labels_its_largest_cells(lens):
    result, _ = lens.attention_png(LONG, AttentionQuery("fox", occurrence=6))
    plan = rows.plan_word_view(result, "en")
    labelled = plan.annotate.sum(axis=1)
    assert (labelled == panels.TOP_CELLS).all()  # each layer's three largest, over the whole row
    start, stop = plan.panels[0][0], plan.panels[-1][1]  # the window of a long sentence
    for layer in range(plan.data.shape[0]):
        row, marked = plan.data[layer, start:stop], plan.annotate[layer, start:stop]
        assert row[marked].min() >= row[~marked].max()


def test_notes_are_wrapped_not_cut(lens, notes):
    _, image = lens.attention_png(SEED_B, AttentionQuery("apple", agg="max", layer=3))
    assert_real_picture(image)
    long_notes = [note for note in notes if len(note) > 100]
    assert long_notes
    for note in long_notes:
        lines = panels.wrapped(note)
        assert len(lines) >= 2 and " ".join(lines) == note  # every word kept


def test_the_sink_tip_quotes_the_number_drawn(lens, notes):
    """A max over heads: the tip gives the largest [CLS]/[SEP] cell, the one the image shows."""
    result, _ = lens.attention_png(SEED_B, AttentionQuery("apple", agg="max", layer=3))
    cell = max(result.word.rows[2][c] for c in result.word.special_columns())
    tip = next(line for line in notes if line.startswith("Tip:"))
    assert f"{cell:.2f}" in tip and "%" not in tip


def test_the_colour_scale_keeps_the_words_apart(lens, notes):
    result, _ = lens.attention_png(SEED_B, AttentionQuery("apple"))
    plan = rows.plan_word_view(result, "en")
    words = [c for c in range(len(result.word.columns)) if c not in result.word.special_columns()]
    assert plan.vmax == pytest.approx(result.word.rows[:, words].max())
    assert any(line.startswith("Colours run from 0 to") for line in notes)
