"""``python -m bot predict``: text, JSON, images, exit codes and one-line refusals.

The masked-LM model is the bert-uncased family's ``*ForMaskedLM`` from ``tests/helpers/families.py``,
given by its folder as ``--model``: its weights are RANDOM, so its guesses mean nothing; the numbers
printed are checked against ``Lens.predictions`` (whose numbers tests/engine/test_predict.py checks
against transformers' fill-mask pipeline). The bundled all-MiniLM-L6-v2 has no masked-LM head.
"""

from __future__ import annotations

import shlex
from typing import Any

import pytest
from PIL import Image as PILImage

from bot.engine.lens import Lens
from bot.engine.model import load_model
from bot.engine.results import predict_command_line
from bot.i18n import KO, t
from bot.text import probability

SENTENCE = "I am [MASK] an apple"
JSON_KEYS = {"model", "sentence", "numbering", "tokens", "num_layers", "k", "reliable", "masks"}


@pytest.fixture(scope="module")
def mlm_dir(family_dir: Any) -> str:
    return str(family_dir("bert-uncased", masked_lm=True))


@pytest.fixture(scope="module")
def mlm(mlm_dir: str) -> Lens:
    """The same folder read by BERT Lens's loader, for the expected numbers. RANDOM weights."""
    return Lens(load_model(mlm_dir, torch_threads=1))


def one_error_line(run: Any) -> str:
    assert run.out == ""
    lines = run.err.splitlines()
    assert len(lines) == 1, run.err
    assert lines[0].startswith("bertlens: ") and "Traceback" not in run.err
    return lines[0]


def test_text_output_lists_the_guesses_and_the_lens_and_writes_the_default_png(cli, mlm, mlm_dir):
    run = cli("predict", SENTENCE, "--model", mlm_dir, "--top", "4")
    assert run.code == 0, run.err
    expected = mlm.predictions(SENTENCE, 4)
    (mask,) = expected.masks
    lines = run.out.splitlines()
    assert lines[:2] == [f"Model:    {expected.analysis.model}", f"Sentence: {SENTENCE}"]
    assert f"[MASK] 1 of 1 (token {mask.index}): \u201cI am [MASK] an apple\u201d" in lines
    start = lines.index("Most probable at the last layer (layer 2), the fill-mask guess:")
    shown = [line.split()[:2] for line in lines[start + 1 : start + 5]]
    assert shown == [[g.display, probability(g.probability)] for g in mask.final]
    lens_at = lines.index(t("en", "cli.predict.lens"))
    rows = lines[lens_at + 1 : lens_at + 4]
    assert [row[1] for row in rows] == [" ", " ", "*"]  # only layer 2, the last third, is starred
    first = mask.final[0]
    assert rows[2].startswith(f" *layer 2     {first.display} {probability(first.probability)}, ")
    assert "Rows without * (the embeddings to layer 1) are unreliable" in run.out
    picture = PILImage.open(cli.cwd / "bertlens-predict.png")
    assert picture.format == "PNG" and picture.size[0] == 1000
    assert f"Wrote bertlens-predict.png (1000\u00d7{picture.size[1]})" in run.out


def test_json_is_to_json_of_the_predictions_and_writes_nothing_unasked(cli, mlm, mlm_dir):
    run = cli("predict", "[MASK] is huge [MASK]", "--model", mlm_dir, "--json", "--top", "3")
    assert run.code == 0, run.err
    data = run.json()
    assert set(data) == JSON_KEYS
    assert data["k"] == 3 and data["num_layers"] == 2 and len(data["masks"]) == 2
    expected = mlm.predictions("[MASK] is huge [MASK]", 3)
    for shown, mask in zip(data["masks"], expected.masks, strict=True):
        assert [(g["id"], g["probability"]) for g in shown["top"]] == [
            (g.token_id, g.probability) for g in mask.final
        ]
        assert [layer["reliable"] for layer in shown["lens"]] == [False, True]
    assert list(cli.cwd.iterdir()) == []
    run = cli("predict", SENTENCE, "--model", mlm_dir, "--json", "--out", "p.png")
    assert set(run.json()) == JSON_KEYS | {"image"}
    assert run.json()["image"]["path"] == "p.png" and (cli.cwd / "p.png").is_file()


@pytest.mark.parametrize(("suffix", "fmt"), [(".png", "PNG"), (".jpg", "JPEG"), (".webp", "WEBP")])
def test_out_writes_the_format_its_suffix_names(cli, mlm_dir, suffix, fmt):
    run = cli("predict", SENTENCE, "--model", mlm_dir, "--out", f"guess{suffix}")
    assert run.code == 0, run.err
    picture = PILImage.open(cli.cwd / f"guess{suffix}")
    assert picture.format == fmt and picture.size[0] == 1000


def test_a_typed_spelling_of_the_mask_is_read_and_said(cli, mlm_dir):
    run = cli("predict", "I am [mask] an <MASK>", "--model", mlm_dir, "--json")
    assert run.json()["sentence"] == "I am [MASK] an [MASK]"
    run = cli("predict", "I am [mask] an apple", "--model", mlm_dir, "--out", "a.png")
    assert "Typed [mask]: read as this model's mask token [MASK]." in run.out.splitlines()


def test_korean_output(cli, mlm_dir):
    run = cli("--lang", "ko", "predict", "나는 [MASK]를 먹었다", "--model", mlm_dir, "--out", "ko.png")
    assert run.code == 0, run.err
    assert "모델:" in run.out and t(KO, "cli.predict.final", layer=2) in run.out
    assert t(KO, "cli.predict.lens") in run.out


def test_the_command_on_the_image_and_in_the_footer_makes_the_same_image(cli, mlm, mlm_dir, printed_commands):
    """What the /predict image and its reply's footer print, run as a command line, writes the very
    same PNG."""
    result, image = mlm.predictions_png("나는 [mask]를 먹었다", 3, KO)
    command = predict_command_line(result, mlm_dir, KO)
    assert printed_commands == [command]
    assert command.startswith("python -m bot predict '나는 [mask]를 먹었다' --top 3 --model ")
    argv = shlex.split(command)[3:]
    run = cli(*argv, "--out", "same.png")
    assert run.code == 0, run.err
    assert (cli.cwd / "same.png").read_bytes() == image.png


# ------------------------------------------------------------------------------------- refusals


def test_a_model_without_a_head_names_models_with_one(cli):
    run = cli("predict", SENTENCE)  # MODEL=bundled: all-MiniLM-L6-v2, a sentence-embedding model
    assert run.code == 2
    line = one_error_line(run)
    assert "has no masked-language-model head" in line
    assert "distilbert-base-uncased, bert-base-uncased, klue/bert-base" in line
    korean = one_error_line(cli("predict", SENTENCE, "--lang", "ko"))
    assert "헤드" in korean and "klue/bert-base" in korean


@pytest.mark.parametrize(
    ("sentence", "needle"),
    [
        ("I am eating an apple", "type [MASK] where the hidden word goes"),
        ("I am ___ an apple", "(___ is ordinary text to the model, not a mask)"),
        ("I am eating an apple?", "type [MASK]"),
    ],
)
def test_a_sentence_without_a_mask_names_the_token_to_type(cli, mlm_dir, sentence, needle):
    run = cli("predict", sentence, "--model", mlm_dir)
    assert run.code == 2
    assert needle in one_error_line(run)
    assert list(cli.cwd.iterdir()) == []


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--top", "0"], "--top must be 1 to 50, got 0"),
        (["--top", "51"], "--top must be 1 to 50, got 51"),
        (["--top", "two"], "invalid int"),
        (["--out", "p.gif"], ".png, .jpg or .webp"),
        (["--out", "nowhere/p.png"], "does not exist"),
    ],
)
def test_bad_options_are_refused_before_any_model_loads(cli, argv, needle):
    run = cli("predict", SENTENCE, *argv)
    assert run.code == 2
    assert needle in one_error_line(run)
    assert cli.loads == []


@pytest.mark.parametrize(
    ("argv", "needle"),
    [(["predict"], "required"), (["predict", "  "], "empty"), (["predict", "x" * 501], "501")],
)
def test_bad_sentences_are_one_line_exit_2(cli, argv, needle):
    run = cli(*argv)
    assert run.code == 2 and needle in one_error_line(run)
    assert cli.loads == []
