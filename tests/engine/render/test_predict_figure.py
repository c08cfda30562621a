"""The /predict figure: a real PNG whose every line is true of it, in English and Korean.

The masked-LM model is the bert-uncased family's ``*ForMaskedLM`` from ``tests/helpers/families.py``:
its weights are RANDOM, so its guesses mean nothing; what is checked is what the image draws and says
(rows, columns, numbers, reliability marking, notes), against ``Lens.predictions``.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from PIL import Image as PILImage

from bot.engine.lens import Lens
from bot.engine.model import load_model
from bot.engine.render import fonts, panels
from bot.engine.render import predict as figure
from bot.i18n import EN, KO, t
from bot.text import probability

HANGUL = "\uac00-\ud7a3"


@pytest.fixture(scope="module")
def mlm(family_dir: Any) -> Lens:
    """bert-uncased as a masked-LM (2 layers, RANDOM weights)."""
    return Lens(load_model(str(family_dir("bert-uncased", masked_lm=True)), torch_threads=1))


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every title, subtitle and footer line the renderer writes."""
    lines: list[str] = []
    real_footer, real_header = panels.footer, panels.header

    def footer(canvas: Any, start: int, notes: Any, *command: Any) -> None:
        # panels.footer also takes the command that remakes the image (a command line, not a
        # sentence in the reader's language), since main's merge: passed through, not collected.
        lines.extend(notes)
        real_footer(canvas, start, notes, *command)

    def header(canvas: Any, title: str, subtitle: Any) -> None:
        lines.extend([title, *subtitle])
        real_header(canvas, title, subtitle)

    monkeypatch.setattr(panels, "footer", footer)
    monkeypatch.setattr(panels, "header", header)
    return lines


def decode(png: bytes) -> PILImage.Image:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    picture = PILImage.open(io.BytesIO(png))
    picture.load()
    assert picture.format == "PNG"
    return picture


def test_the_figure_is_a_real_png_that_labels_itself(mlm, drawn):
    result, image = mlm.predictions_png("I am [MASK] an apple", 5, EN)
    picture = decode(image.png)
    assert picture.size == (image.width, image.height) and image.width == 1000
    assert 400 <= image.height <= 4000
    colours = picture.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) >= 100, "looks blank"
    assert image.filename == "bertlens-predict.png"
    assert drawn[:4] == [
        "What goes in place of [MASK], layer by layer",
        "in \u201cI am [MASK] an apple\u201d",
        f"{result.analysis.model} \u00b7 2 layers \u00d7 4 heads",
        t(EN, "img.predict.what", k=5),
    ]
    notes = drawn[4:]
    assert notes[0].startswith(
        "Rows above the gap, labels dimmed (the embeddings to layer 1), are unreliable: the head"
    )
    assert notes[1] == t(EN, "img.predict.reliable_last", last=2)
    top = max(g.probability for layer in result.masks[0].layers for g in layer.guesses)
    assert notes[2] == t(EN, "img.predict.colour", vmax=probability(top))
    assert not any("Typed" in line or "image shows" in line for line in notes)
    first = result.masks[0].final[0]
    assert image.alt_text.startswith(
        f"{result.analysis.model}'s guesses for [MASK] in 'I am [MASK] an apple'"
    )
    assert f"{first.display} {probability(first.probability)}" in image.alt_text


def test_the_plan_draws_the_engine_s_numbers(mlm):
    """Rows: embeddings and every layer; columns: the k guesses in order; cells: Lens.predictions."""
    result = mlm.predictions("[MASK] is huge [MASK]", 4)
    plan = figure.plan_predictions(result, EN)
    assert plan.rows == ["embeddings", "layer 1", "layer 2"]
    assert plan.columns == ["#1", "#2", "#3", "#4"]
    assert plan.split == 2  # layer 2, the last third, is the first row marked reliable
    assert [layer.reliable for layer in result.masks[0].layers] == [False, False, True]
    assert len(plan.masks) == 2
    for panel, mask, n in zip(plan.masks, result.masks, (1, 2), strict=True):
        assert panel.heading.startswith(f"[MASK] {n} of 2 \u00b7 token {mask.index} \u00b7 \u201c")
        np.testing.assert_array_equal(
            panel.probabilities, [[g.probability for g in layer.guesses] for layer in mask.layers]
        )
        assert panel.tokens == [[g.display or "\u2423" for g in layer.guesses] for layer in mask.layers]
    assert plan.vmax == pytest.approx(max(float(p.probabilities.max()) for p in plan.masks))


def test_a_typed_spelling_of_the_mask_is_said_on_the_image(mlm, drawn):
    mlm.predictions_png("I am [mask] an <MASK>", 3, EN)
    assert "Typed [mask], <MASK>: read as this model's mask token [MASK]." in drawn
    assert "in \u201cI am [MASK] an [MASK]\u201d" in drawn  # the sentence as the model read it


def test_more_masks_and_guesses_than_drawn_are_said(mlm, drawn):
    result, image = mlm.predictions_png(" ".join(["[MASK]"] * 5) + " apple", 20, EN)
    decode(image.png)
    plan = figure.plan_predictions(result, EN)
    assert len(plan.masks) == figure.MAX_MASKS == 3 and len(plan.columns) == figure.MAX_GUESSES == 10
    assert "The image shows the first 3 of 5 masks." in drawn
    assert "The image shows the 10 most probable guesses of the 20 asked for." in drawn
    assert image.height <= 4000


def test_in_korean_every_line_is_korean_and_hangul_draws(mlm, drawn):
    result, image = mlm.predictions_png("나는 [MASK]를 먹었다", 5, KO)
    decode(image.png)
    assert drawn[0] == t(KO, "img.predict.title", mask="[MASK]")
    assert any(line.startswith("문장: \u201c나는 [MASK]를 먹었다\u201d") for line in drawn)
    notes = drawn[4:]
    assert notes[0] == t(KO, "img.predict.unreliable", rows=t(KO, "img.predict.rows_to", last=1))
    assert t(KO, "tok.jamo") in notes  # the uncased WordPiece takes Hangul apart, and the image says so
    plan = figure.plan_predictions(result, KO)
    assert plan.rows == ["임베딩", "레이어 1", "레이어 2"] and plan.columns[0] == "1위"
    texts = [*drawn, *plan.rows, *plan.columns, plan.gap_label, plan.colour_label, plan.masks[0].heading]
    assert fonts.undrawable(texts) == []  # the bundled Noto Hangul font draws every syllable


@pytest.mark.parametrize("lang", [EN, KO])
def test_every_sentence_on_the_image_formats_in_both_languages(mlm, lang):
    result = mlm.predictions("I am [mask] an apple", 5)
    plan = figure.plan_predictions(result, lang)
    for line in [plan.title, *plan.subtitle, *plan.notes, plan.gap_label, plan.alt_text]:
        assert "{" not in line and "}" not in line
    assert any(c >= "\uac00" and c <= "\ud7a3" for c in plan.title) == (lang == KO)


def test_reliable_notes_follow_the_engine_s_marking():
    from bot.engine.predict import LayerGuesses, reliable

    def layers(count: int) -> tuple[LayerGuesses, ...]:
        return tuple(LayerGuesses(n, reliable(n, count), ()) for n in range(count + 1))

    assert figure.reliable_notes(EN, layers(12))[1] == t(EN, "img.predict.reliable", first=9, last=12)
    assert "(the embeddings to layer 8)" in figure.reliable_notes(EN, layers(12))[0]
    assert "(the embeddings)" in figure.reliable_notes(EN, layers(1))[0]
    assert figure.reliable_notes(EN, layers(1))[1] == t(EN, "img.predict.reliable_last", last=1)
