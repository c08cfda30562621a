"""Value-weighted norms (Kobayashi et al., 2020) against a plain computation with transformers.

The reference here is written out term by term: for every layer, head, i and j the vector
``A^h_ij ((x_j W_V^h + b_V^h) W_O^h)`` from the module weights of a model loaded straight through
transformers and the attention probabilities it returns, and its norm; over heads the norm of the sum
of those vectors. The family models have RANDOM weights (plumbing, not meaning); the bundled
all-MiniLM-L6-v2 is trained, and its norms must show what the paper shows: [CLS]/[SEP] take far less
in norms than in weights.
"""

from __future__ import annotations

import inspect
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import torch

from bot.engine.attention import renormalise
from bot.engine.errors import InvalidChoice
from bot.engine.lens import Lens
from bot.engine.norms import SUPPORTED, norms_matrix, special_share, value_norms, word_norms
from bot.engine.query import HeadChoice
from bot.engine.words import find_word
from tests.helpers import families

SEED_A = "Apple is huge enterprise"
SEED_B = "I am eating an apple"


def value_and_output(model: Any, layer: int) -> tuple[Any, Any]:
    """The attention's value and output projections of one layer, read off each architecture."""
    kind = model.config.model_type
    if kind == "distilbert":
        attention = model.transformer.layer[layer].attention
        return attention.v_lin, attention.out_lin
    if kind == "albert":  # one shared layer in these configs (and in every released ALBERT)
        attention = model.encoder.albert_layer_groups[0].albert_layers[0].attention
        return attention.value, attention.dense
    block = model.encoder.layer[layer].attention
    if kind == "mpnet":
        return block.attn.v, block.attn.o
    if kind == "deberta-v2":
        return block.self.value_proj, block.output.dense
    return block.self.value, block.output.dense  # BERT, RoBERTa, XLM-R, ELECTRA


def run(tokenizer: Any, model: Any, text: str) -> tuple[dict[str, Any], Any]:
    encoded = tokenizer(text, return_tensors="pt")
    accepted = set(inspect.signature(model.forward).parameters)
    inputs = {k: v for k, v in encoded.items() if k in accepted}
    with torch.no_grad():
        out = model(**inputs, output_attentions=True, output_hidden_states=True)
    return inputs, out


@torch.no_grad()
def reference_norms(model: Any, out: Any) -> tuple[np.ndarray, np.ndarray]:
    """[layer, head, from, to] and [layer, from, to], term by term in float64."""
    layers = len(out.attentions)
    heads = out.attentions[0].shape[1]
    tokens = out.attentions[0].shape[-1]
    per_head = np.zeros((layers, heads, tokens, tokens))
    combined = np.zeros((layers, tokens, tokens))
    for layer in range(layers):
        value, output = value_and_output(model, layer)
        x = out.hidden_states[layer][0].double()
        wv, bv, wo = value.weight.double(), value.bias.double(), output.weight.double()
        size = wv.shape[0] // heads
        alpha = out.attentions[layer][0].double()
        for i in range(tokens):
            for j in range(tokens):
                total = torch.zeros(wo.shape[0], dtype=torch.float64)
                for h in range(heads):
                    cut = slice(h * size, (h + 1) * size)
                    f = (x[j] @ wv[cut].T + bv[cut]) @ wo[:, cut].T
                    vector = alpha[h, i, j] * f
                    per_head[layer, h, i, j] = float(vector.norm())
                    total += vector
                combined[layer, i, j] = float(total.norm())
    return per_head, combined


# ------------------------------------------------------------------------------ equal to transformers


@pytest.mark.parametrize("text", [SEED_A, SEED_B])
def test_bundled_norms_equal_a_term_by_term_computation(lens, reference, text):
    norms = value_norms(lens.model, lens.analyse(text))
    per_head, combined = reference_norms(reference.model, run(reference.tokenizer, reference.model, text)[1])
    assert norms.per_head.dtype == np.float32 and norms.per_head.shape == per_head.shape
    np.testing.assert_allclose(norms.per_head, per_head, atol=2e-4)
    np.testing.assert_allclose(norms.combined, combined, atol=2e-4)


@pytest.mark.parametrize("name", families.FAMILIES)
def test_every_family_equals_a_term_by_term_computation(family_model, family_dir, name):
    """RANDOM weights: the plumbing (which modules, which slices, which hidden state) is what is checked."""
    lm = family_model(name)
    tokenizer, model = families.load(name, root=family_dir(name).parent)
    for text in (SEED_B, "나는 사과를 먹었다"):
        norms = value_norms(lm, Lens(lm).analyse(text))
        per_head, combined = reference_norms(model, run(tokenizer, model, text)[1])
        np.testing.assert_allclose(norms.per_head, per_head, atol=2e-4)
        np.testing.assert_allclose(norms.combined, combined, atol=2e-4)


@pytest.mark.parametrize("name", families.FAMILIES)
def test_the_layer_input_is_the_recorded_hidden_state_and_the_vectors_add_up(family_dir, name):
    """Checks the premise, on the real forward pass with hooks: each layer's value projection reads
    hidden_states[l] as recorded (every architecture here is post-LayerNorm), and the heads' vectors
    summed over j, plus b_O, are exactly what the output projection returns. RANDOM weights."""
    tokenizer, model = families.load(name, root=family_dir(name).parent)
    layers = families.LAYERS
    seen_in: list[torch.Tensor] = []
    seen_out: list[torch.Tensor] = []
    modules = {id(m): m for layer in range(layers) for m in value_and_output(model, layer)}
    value_ids = {id(value_and_output(model, layer)[0]) for layer in range(layers)}
    hooks = []
    for key, module in modules.items():  # once per module: ALBERT's layers share theirs
        if key in value_ids:
            hooks.append(module.register_forward_hook(lambda m, a, o: seen_in.append(a[0][0].clone())))
        else:
            hooks.append(module.register_forward_hook(lambda m, a, o: seen_out.append(o[0].clone())))
    try:
        _, out = run(tokenizer, model, SEED_A)
    finally:
        for hook in hooks:
            hook.remove()
    assert len(seen_in) == len(seen_out) == len(out.attentions)
    heads = out.attentions[0].shape[1]
    for layer in range(len(out.attentions)):
        x = out.hidden_states[layer][0]
        torch.testing.assert_close(seen_in[layer], x, atol=1e-6, rtol=0)
        value, output = value_and_output(model, layer)
        with torch.no_grad():
            v = value(x)
            size = v.shape[-1] // heads
            f = torch.einsum("thk,dhk->htd", v.view(-1, heads, size), output.weight.view(-1, heads, size))
            summed = torch.einsum("hij,hjd->id", out.attentions[layer][0], f) + output.bias
        torch.testing.assert_close(summed, seen_out[layer], atol=1e-5, rtol=1e-5)


def test_every_family_is_supported():
    assert {families.family(name).model_type for name in families.FAMILIES} <= set(SUPPORTED)


def test_an_unknown_architecture_is_named_in_the_error():
    model = SimpleNamespace(config=SimpleNamespace(model_type="gpt2"))
    lm = SimpleNamespace(model=model)
    with pytest.raises(InvalidChoice) as info:
        value_norms(lm, None)  # type: ignore[arg-type]
    assert info.value.params["value"] == "gpt2" and "bert" in info.value.params["choices"]
    assert "gpt2" in str(info.value) and "value norms" in str(info.value)


# ------------------------------------------------------------------------------------------ meaning


def test_specials_take_far_less_in_norms_than_in_weights(lens):
    """Kobayashi et al.'s finding on the trained bundled model: in the middle layers [CLS]/[SEP] take
    most of the attention weight of the other tokens, but little of the norm. Measured (layers 1-6):
      Apple is huge enterprise  weights .566 .725 .741 .703 .761 .540   norms .260 .271 .199 .233 .197 .088
      I am eating an apple      weights .492 .662 .709 .695 .678 .576   norms .183 .235 .171 .182 .146 .108
    """
    for text in (SEED_A, SEED_B):
        analysis = lens.analyse(text)
        norms = value_norms(lens.model, analysis)
        weights = special_share(analysis.attentions.mean(axis=1), analysis.sentence)
        shares = special_share(norms.combined, analysis.sentence)
        middle = slice(1, 5)  # layers 2-5 of 6
        assert (weights[middle] > 0.6).all()
        assert (shares[middle] < 0.5 * weights[middle]).all(), (weights, shares)


# -------------------------------------------------------------------------------------- for display


def test_shares_sum_to_one_and_raw_stays_raw(lens):
    analysis = lens.analyse(SEED_B)
    norms = value_norms(lens.model, analysis)
    for heads in (HeadChoice(), HeadChoice("head", 3)):
        np.testing.assert_allclose(norms.shares(heads).sum(axis=-1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(norms.raw(HeadChoice("head", 3)), norms.per_head[:, 3])
    np.testing.assert_array_equal(norms.raw(HeadChoice("max")), norms.per_head.max(axis=1))
    np.testing.assert_allclose(
        norms.shares(HeadChoice("max")), renormalise(norms.per_head).max(axis=1), atol=1e-6
    )
    span = find_word(analysis.sentence, "apple")
    shown = word_norms(analysis, norms, span, hide_special=True)
    assert [analysis.sentence.tokens[i] for i in shown.columns] == ["i", "am", "eating", "an", "apple"]
    np.testing.assert_allclose(shown.rows.sum(axis=-1), 1.0, atol=1e-5)
    np.testing.assert_allclose(shown.per_head.sum(axis=-1), 1.0, atol=1e-5)
    np.testing.assert_allclose(shown.raw, norms.combined[:, 5, 1:6], atol=1e-6)  # raw: never rescaled
    expected = renormalise(renormalise(norms.combined[:, 5, :].astype(np.float64))[:, 1:6])
    np.testing.assert_allclose(shown.rows, expected, atol=1e-6)
    top = shown.top(2)
    assert [r.index for r in top] == [int(i) for i in shown.columns[np.argsort(-shown.rows[-1])] if i != 5][
        :2
    ]
    assert top[0].norm == pytest.approx(float(norms.combined[-1, 5, top[0].index]), abs=1e-6)
    matrix, keep = norms_matrix(analysis, norms, 2, HeadChoice(), hide_special=True)
    assert matrix.shape == (5, 5) and list(keep) == [1, 2, 3, 4, 5]
    np.testing.assert_allclose(matrix.sum(axis=-1), 1.0, atol=1e-5)


def test_a_word_of_several_pieces_averages_its_pieces_shares(lens):
    text = "The tokenization of words"
    analysis = lens.analyse(text)
    norms = value_norms(lens.model, analysis)
    span = find_word(analysis.sentence, "tokenization")
    assert len(span.token_indices) > 1
    shown = word_norms(analysis, norms, span)
    pieces = list(span.token_indices)
    expected = renormalise(norms.combined[:, pieces, :].astype(np.float64)).mean(axis=1)
    np.testing.assert_allclose(shown.rows, expected, atol=1e-6)
    np.testing.assert_allclose(shown.raw, norms.combined[:, pieces, :].mean(axis=1), atol=1e-6)
