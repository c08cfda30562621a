"""Fill-mask guesses and the logit lens against transformers' fill-mask pipeline and a direct run.

The masked-LM models come from ``tests/helpers/families.py``: ``*ForMaskedLM`` with RANDOM weights,
so their guesses mean nothing; what is checked is the plumbing: the loader keeps a trained head and
drops an untrained one, the head is the model's own, and every probability equals transformers'.
The bundled all-MiniLM-L6-v2 has no head weights and must say so.
"""

from __future__ import annotations

import inspect
import logging
from typing import Any

import numpy as np
import pytest
import torch
from transformers import pipeline

from bot.engine.errors import InvalidChoice, WordNotFound
from bot.engine.forward import analyse
from bot.engine.model import load_model
from bot.engine.predict import MODELS_WITH_HEAD, predictions, problem, read_masks, reliable
from tests.helpers import families

PIPELINE_FAMILIES = ["bert-uncased", "distilbert", "roberta"]


@pytest.fixture(scope="session")
def masked_lm(family_dir: Any) -> Any:
    """``masked_lm("roberta")``: the family's *ForMaskedLM read by BERT Lens's loader. RANDOM weights."""
    loaded: dict[str, Any] = {}

    def load(name: str) -> Any:
        if name not in loaded:
            loaded[name] = load_model(str(family_dir(name, masked_lm=True)), torch_threads=1)
        return loaded[name]

    return load


def masked(name: str, template: str) -> str:
    return template.replace("[MASK]", families.family(name).specials["mask_token"])


def direct_lens(name: str, root: Any, text: str) -> tuple[list[int], np.ndarray]:
    """Mask positions and [layer 0..L, mask, vocab] probabilities, from the masked-LM model run by
    transformers: each hidden state is put in place of the base model's output by a hook, so the
    model's own forward applies its own head to it."""
    tokenizer, model = families.load(name, masked_lm=True, root=root)
    encoded = tokenizer(text, return_tensors="pt")
    accepted = set(inspect.signature(model.forward).parameters)
    inputs = {k: v for k, v in encoded.items() if k in accepted}
    positions = (encoded["input_ids"][0] == tokenizer.mask_token_id).nonzero()[:, 0].tolist()
    with torch.no_grad():
        hidden = model.base_model(**inputs, output_hidden_states=True).hidden_states
        probabilities = []
        for state in hidden:

            def swap(module: Any, args: Any, output: Any, state: Any = state) -> Any:
                output["last_hidden_state"] = state
                return output

            hook = model.base_model.register_forward_hook(swap)
            try:
                logits = model(**inputs).logits[0, positions]
            finally:
                hook.remove()
            probabilities.append(logits.softmax(dim=-1).numpy())
    return positions, np.stack(probabilities)


# ------------------------------------------------------------------------------------------- loading


def test_a_masked_lm_checkpoint_loads_with_its_head_and_weights_once(masked_lm, family_dir):
    lm = masked_lm("bert-uncased")
    assert lm.head is not None and lm.head.architecture == "BertForMaskedLM"
    assert type(lm.model).__name__ == "BertModel" and lm.head.model.base_model is lm.model
    # The head's decoder is the model's own word embeddings (tied), counted once in the model's size.
    assert lm.head.model.cls.predictions.decoder.weight is lm.model.embeddings.word_embeddings.weight
    whole = {id(t): t for t in [*lm.head.model.parameters(), *lm.head.model.buffers()]}
    assert lm.nbytes == sum(t.numel() * t.element_size() for t in whole.values())


@pytest.mark.parametrize("name", families.FAMILIES)
def test_a_checkpoint_without_head_weights_has_no_head(family_model, name):
    """The families' base models: transformers would give them a random head; BERT Lens keeps none."""
    assert family_model(name).head is None


def test_the_bundled_model_loads_without_a_head_and_without_warnings(caplog):
    caplog.set_level(logging.INFO)
    lm = load_model("bundled", torch_threads=1)
    assert lm.head is None
    assert type(lm.model).__name__ == "BertModel"
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_model_without_a_head_names_models_with_one(bundled_model):
    analysis = analyse(bundled_model, "I am [MASK] an apple")
    with pytest.raises(InvalidChoice) as info:
        predictions(bundled_model, analysis)
    message = str(info.value)
    assert "masked-LM head" in message and "all-MiniLM-L6-v2" in message
    assert all(name in message for name in ("distilbert-base-uncased", "bert-base-uncased", "klue/bert-base"))
    assert tuple(info.value.params["choices"]) == MODELS_WITH_HEAD


# ------------------------------------------------------------------------------ equal to transformers


@pytest.mark.parametrize("name", PIPELINE_FAMILIES)
@pytest.mark.parametrize("template", ["I am [MASK] an apple", "[MASK] is huge [MASK]"])
def test_the_last_layer_equals_the_fill_mask_pipeline(masked_lm, family_dir, name, template):
    """RANDOM weights: same tokens, same order, same scores as ``pipeline("fill-mask")``."""
    text = masked(name, template)
    lm = masked_lm(name)
    result = predictions(lm, analyse(lm, text), k=5)
    tokenizer, model = families.load(name, masked_lm=True, root=family_dir(name).parent)
    fill = pipeline("fill-mask", model=model, tokenizer=tokenizer, device="cpu")
    expected = fill(text, top_k=5)
    if isinstance(expected[0], dict):  # one mask: a flat list
        expected = [expected]
    assert len(result.masks) == len(expected) == template.count("[MASK]")
    for mask, guesses in zip(result.masks, expected, strict=True):
        assert [g.token_id for g in mask.final] == [e["token"] for e in guesses]
        np.testing.assert_allclose(
            [g.probability for g in mask.final], [e["score"] for e in guesses], atol=2e-4
        )
        assert [g.token for g in mask.final] == tokenizer.convert_ids_to_tokens([e["token"] for e in guesses])
        assert mask.layers[-1].guesses == mask.final


@pytest.mark.parametrize("name", families.MASKED_LM_FAMILIES)
def test_every_layer_equals_the_model_s_own_head_on_that_hidden_state(masked_lm, family_dir, name):
    """The logit lens for every family with a masked-LM head, against the model's own forward with
    each hidden state swapped in for the last. RANDOM weights."""
    text = masked(name, "I am [MASK] an [MASK]")
    lm = masked_lm(name)
    result = predictions(lm, analyse(lm, text), k=3)
    positions, probabilities = direct_lens(name, family_dir(name).parent, text)
    assert [m.index for m in result.masks] == positions
    for m, mask in enumerate(result.masks):
        assert [layer.layer for layer in mask.layers] == list(range(families.LAYERS + 1))
        for layer in mask.layers:
            row = probabilities[layer.layer, m]
            ids = [g.token_id for g in layer.guesses]
            np.testing.assert_allclose([g.probability for g in layer.guesses], row[ids], atol=2e-4)
            # The k most probable, in order (ties aside).
            np.testing.assert_allclose(sorted(row, reverse=True)[:3], row[ids], atol=2e-4)


def test_guesses_are_shown_as_people_read_them(masked_lm):
    lm = masked_lm("roberta")
    result = predictions(lm, analyse(lm, "I am <mask> an apple"), k=5)
    for guess in result.masks[0].final:
        assert guess.display == lm.family.display(guess.token)
        assert "\u0120" not in guess.display


# ------------------------------------------------------------------------------------ rules and errors


def test_only_the_last_third_of_the_layers_is_reliable():
    def marked(layers: int) -> list[int]:
        return [n for n in range(layers + 1) if reliable(n, layers)]

    assert marked(2) == [2]
    assert marked(6) == [5, 6]
    assert marked(12) == [9, 10, 11, 12]
    assert marked(24) == list(range(17, 25))
    assert not reliable(0, 1) and reliable(1, 1)


def test_the_lens_marks_its_layers(masked_lm):
    lm = masked_lm("distilbert")
    result = predictions(lm, analyse(lm, "I am [MASK] an apple"))
    assert [layer.reliable for layer in result.masks[0].layers] == [False, False, True]


def test_a_sentence_without_the_mask_token_says_which_token_to_type(masked_lm):
    lm = masked_lm("roberta")
    with pytest.raises(WordNotFound) as info:
        predictions(lm, analyse(lm, "I am eating an apple"))
    assert info.value.params["word"] == "<mask>"
    assert "'<mask>'" in str(info.value) and "eating" in str(info.value)


@pytest.mark.parametrize("k", [0, 51])
def test_k_is_checked(masked_lm, k):
    lm = masked_lm("bert-uncased")
    with pytest.raises(InvalidChoice):
        predictions(lm, analyse(lm, "I am [MASK] an apple"), k=k)


def test_predictions_read_the_forward_pass_they_are_given(masked_lm, monkeypatch):
    lm = masked_lm("bert-uncased")
    analysis = analyse(lm, "I am [MASK] an apple")
    monkeypatch.setattr(lm, "forward", lambda *a: pytest.fail("predictions ran the model again"))
    first = predictions(lm, analysis, k=5)
    assert first.masks == predictions(lm, analysis, k=5).masks  # deterministic


# ---------------------------------------------------------------------------------- typing the mask


@pytest.mark.parametrize(
    ("text", "mask", "read", "aliases"),
    [
        ("I am [MASK] an apple", "[MASK]", "I am [MASK] an apple", ()),
        ("I am [mask] an apple", "[MASK]", "I am [MASK] an apple", ("[mask]",)),
        ("I am <mask> an [Mask]", "[MASK]", "I am [MASK] an [MASK]", ("<mask>", "[Mask]")),
        ("I am [MASK] an apple", "<mask>", "I am <mask> an apple", ("[MASK]",)),
        ("I am <MASK> an <Mask>", "<mask>", "I am <mask> an <mask>", ("<MASK>", "<Mask>")),
        # The model's own token is there: read exactly as typed, another spelling stays text.
        ("<mask> and [MASK]", "<mask>", "<mask> and [MASK]", ()),
        # Blanks and question marks are ordinary text, never a mask.
        ("I am ___ an apple?", "[MASK]", "I am ___ an apple?", ()),
        ("나는 \uff3f\uff3f를 먹었다", "[MASK]", "나는 \uff3f\uff3f를 먹었다", ()),
        ("[MASK ] and mask", "[MASK]", "[MASK ] and mask", ()),
    ],
)
def test_the_two_spellings_of_a_mask_are_read_as_the_model_s_token(text, mask, read, aliases):
    masked = read_masks(text, mask)
    assert (masked.text, masked.typed, masked.aliases) == (read, text, aliases)


def test_problems_say_what_predict_needs():
    from bot.engine.predict import no_masked_lm_head

    key, params = problem(no_masked_lm_head("m"), "x")
    assert key == "predict.no_head" and params["models"] == ", ".join(MODELS_WITH_HEAD)
    missing = WordNotFound("<mask>", "I am eating", ["I", "am", "eating"])
    assert problem(missing, "I am eating") == ("predict.no_mask", {"mask": "<mask>"})
    assert problem(missing, "I am ___ an apple") == (
        "predict.no_mask_blank",
        {"mask": "<mask>", "blank": "___"},
    )
    assert problem(InvalidChoice("view", "3d", ["word"]), "x") is None
    assert problem(ValueError("x"), "x") is None
