"""/compare's baseline band (anisotropy, Ethayarajh 2019): what any other token's cosine with the word
looks like, layer by layer, computed by hand from transformers' hidden states."""

from __future__ import annotations

import numpy as np
import pytest

from bot.engine.forward import analyse
from bot.engine.similarity import baseline_band, compare_word
from bot.engine.words import find_word
from tests.helpers import families

SEED_A = "Apple is huge enterprise"
SEED_B = "I am eating an apple"


def direct_band(reference, text_a: str, text_b: str, word: str) -> tuple[np.ndarray, int]:
    """[3, layer 0..L] (10th, 50th, 90th percentiles) and the number of tokens, by hand."""
    tokens_a, _, hidden_a = reference.run(text_a)
    tokens_b, _, hidden_b = reference.run(text_b)
    apple_a, apple_b = tokens_a.index(word), tokens_b.index(word)
    vector = hidden_a[:, apple_a]  # one piece: the word's vector is that token's
    others = [hidden_a[:, j] for j in range(1, len(tokens_a) - 1) if j != apple_a]
    others += [hidden_b[:, j] for j in range(1, len(tokens_b) - 1) if j != apple_b]
    cosines = np.stack(
        [
            (o * vector).sum(-1) / (np.linalg.norm(o, axis=-1) * np.linalg.norm(vector, axis=-1))
            for o in others
        ],
        axis=1,
    )
    return np.percentile(cosines, [10, 50, 90], axis=1), len(others)


def test_the_band_equals_a_direct_computation(lens, reference):
    comparison = lens.compare("apple", SEED_A, SEED_B)
    band = comparison.baseline
    assert band is not None
    expected, count = direct_band(reference, SEED_A, SEED_B, "apple")
    assert band.tokens == count == 3 + 4  # is huge enterprise; i am eating an
    np.testing.assert_allclose(band.low, expected[0], atol=2e-4)
    np.testing.assert_allclose(band.median, expected[1], atol=2e-4)
    np.testing.assert_allclose(band.high, expected[2], atol=2e-4)
    assert (band.low <= band.median).all() and (band.median <= band.high).all()


def test_the_seed_s_cosine_stands_above_the_band(lens):
    """The seed's lesson read right: 'apple' in the two sentences is closer than 'apple' is to the
    other tokens, at every layer (trained bundled model)."""
    comparison = lens.compare("apple", SEED_A, SEED_B)
    assert comparison.baseline is not None
    assert (comparison.cosine > comparison.baseline.high).all()


def test_pieces_are_averaged_for_the_word_and_left_out_of_the_band(bundled_model):
    a = analyse(bundled_model, "The tokenization of words")
    b = analyse(bundled_model, "tokenization matters")
    span_a, span_b = find_word(a.sentence, "tokenization"), find_word(b.sentence, "tokenization")
    assert len(span_a.token_indices) > 1
    band = baseline_band(a, span_a, b, span_b)
    assert band is not None
    word = a.hidden_states[:, list(span_a.token_indices)].astype(np.float64).mean(axis=1)
    rest = [j for j in range(1, len(a.sentence) - 1) if j not in span_a.token_indices]
    rest_b = [j for j in range(1, len(b.sentence) - 1) if j not in span_b.token_indices]
    others = np.concatenate([a.hidden_states[:, rest], b.hidden_states[:, rest_b]], axis=1).astype(np.float64)
    cosines = np.einsum("ltd,ld->lt", others, word) / (
        np.linalg.norm(others, axis=-1) * np.linalg.norm(word, axis=-1)[:, None]
    )
    assert band.tokens == len(rest) + len(rest_b)
    np.testing.assert_allclose(band.median, np.median(cosines, axis=1), atol=1e-9)


def test_no_other_token_no_band(bundled_model):
    a = analyse(bundled_model, "apple")
    assert compare_word(a, a, "apple").baseline is None


@pytest.mark.parametrize("name", families.FAMILIES)
def test_every_family_has_a_band(family_model, name):
    """RANDOM weights: shapes and bounds only."""
    lm = family_model(name)
    comparison = compare_word(analyse(lm, SEED_A), analyse(lm, SEED_B), "apple")
    band = comparison.baseline
    assert band is not None and band.low.shape == (lm.num_layers + 1,)
    assert (np.abs(band.low) <= 1 + 1e-9).all() and (np.abs(band.high) <= 1 + 1e-9).all()
