"""The seed post's lesson: the same ids, different contextual vectors, and /compare's similarity."""

from __future__ import annotations

import numpy as np
import pytest

from bot.engine.query import AttentionQuery

SEED_A = "Apple is huge enterprise"
SEED_B = "I am eating an apple"


# ------------------------------------------------------------------------------------ the seed lesson


@pytest.mark.parametrize(("text", "seed_says"), [(SEED_A, "enterprise"), (SEED_B, "eating")])
def test_seed_lesson_apple_looks_at_its_context(lens, reference, text, seed_says):
    """The seed post: 'Apple' attends to 'enterprise' in the first sentence and to 'eating' in the second.

    The top token is computed by the engine (last layer, specials hidden, the word itself aside) and by
    a direct transformers computation here; both must agree with each other and with the post.
    """
    result = lens.attention(text, AttentionQuery("apple", hide_special=True))
    engine_top = result.word.top(1)[0]

    tokens, attentions, _ = reference.run(text)
    apple = tokens.index("apple")
    row = attentions[-1, :, apple, :].mean(axis=0)
    candidates = [j for j, t in enumerate(tokens) if t not in ("[CLS]", "[SEP]") and j != apple]
    direct_top = max(candidates, key=lambda j: row[j])
    shown = [j for j, t in enumerate(tokens) if t not in ("[CLS]", "[SEP]")]
    direct_weight = row[direct_top] / row[shown].sum()

    assert engine_top.index == direct_top
    assert engine_top.token == tokens[direct_top]
    assert engine_top.weight == pytest.approx(direct_weight, abs=1e-6)
    assert engine_top.token == seed_says


def test_seed_lesson_same_id_different_vectors(lens):
    comparison = lens.compare("apple", SEED_A, SEED_B)
    assert comparison.same_ids and comparison.ids_a == comparison.ids_b == (6207,)
    assert comparison.cosine.shape == (7,)
    # Same id, but context makes the contextual vectors differ after the layers.
    assert comparison.cosine[-1] < 0.999
    assert (np.abs(comparison.cosine) <= 1.0 + 1e-9).all()


def test_compare_same_sentence_is_identical(lens):
    comparison = lens.compare("apple", SEED_A, SEED_A)
    np.testing.assert_allclose(comparison.cosine, 1.0, atol=1e-6)


def test_compare_folds_case_and_accents(lens):
    comparison = lens.compare("café", "café au lait", "I like this CAFE")
    assert comparison.ids_a == comparison.ids_b  # accents and case fold to the same WordPiece
    comparison = lens.compare("run", "run home", "we run far")
    assert comparison.same_ids
