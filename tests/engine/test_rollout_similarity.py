"""The seed post's lesson, attention rollout against a reference implementation, and similarity."""

from __future__ import annotations

import numpy as np
import pytest

from bot.engine.attention import rollout
from bot.engine.query import AttentionQuery
from bot.engine.results import to_json

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


# --------------------------------------------------------------------------------------------- rollout


def reference_rollout(attentions: np.ndarray) -> np.ndarray:
    """Abnar & Zuidema (2020), written out plainly: A~_l = rownorm(mean_heads(A_l) + I),
    R_1 = A~_1, R_l = A~_l . R_{l-1}. Returns [layer, from, to]."""
    layers, heads, n, _ = attentions.shape
    out = []
    previous = None
    for layer in range(layers):
        mixed = [[0.0] * n for _ in range(n)]
        for i in range(n):
            for j in range(n):
                mixed[i][j] = sum(float(attentions[layer, h, i, j]) for h in range(heads)) / heads
                mixed[i][j] += 1.0 if i == j else 0.0
            total = sum(mixed[i])
            mixed[i] = [v / total for v in mixed[i]]
        if previous is None:
            current = mixed
        else:
            current = [
                [sum(mixed[i][k] * previous[k][j] for k in range(n)) for j in range(n)] for i in range(n)
            ]
        out.append(current)
        previous = current
    return np.array(out)


@pytest.mark.parametrize("text", [SEED_A, SEED_B, "tokenization is fun"])
def test_rollout_matches_reference(lens, text):
    analysis = lens.analyse(text)
    ours = rollout(analysis.attentions)
    expected = reference_rollout(analysis.attentions)
    assert ours.shape == expected.shape == (6, len(analysis.sentence), len(analysis.sentence))
    np.testing.assert_allclose(ours, expected, atol=1e-9)
    np.testing.assert_allclose(ours.sum(axis=-1), 1.0, atol=1e-9)


def test_rollout_of_uniform_and_identity_attention():
    # Identity attention (every token looks at itself) rolls out to the identity.
    eye = np.broadcast_to(np.eye(4), (3, 2, 4, 4)).astype(np.float32)
    np.testing.assert_allclose(rollout(eye), np.broadcast_to(np.eye(4), (3, 4, 4)))
    # One layer of uniform attention: (U + I) / 2.
    uniform = np.full((1, 2, 4, 4), 0.25, dtype=np.float32)
    np.testing.assert_allclose(rollout(uniform)[0], (np.full((4, 4), 0.25) + np.eye(4)) / 2)


@pytest.mark.parametrize("hide", [False, True])
def test_word_rollout_rows(lens, hide):
    analysis = lens.analyse("tokenization is fun")
    result = lens.attention(
        "tokenization is fun", AttentionQuery("tokenization", view="rollout", hide_special=hide)
    )
    assert result.is_rollout and to_json(result)["values"] == "rollout"
    rolled = reference_rollout(analysis.attentions)[:, [1, 2], :].mean(axis=1)  # the word's two pieces
    columns = list(result.word.columns)
    expected = rolled[:, columns]
    if hide:
        assert columns == [1, 2, 3, 4]
        expected = expected / expected.sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(result.word.rows, expected, atol=1e-6)
    np.testing.assert_allclose(result.word.rows.sum(axis=-1), 1.0, atol=1e-5)


def test_cli_rollout_json(cli, lens):
    data = cli("attention", SEED_B, "apple", "--view", "rollout", "--json").json()
    assert data["values"] == "rollout" and data["view"] == "rollout"
    expected = reference_rollout(lens.analyse(SEED_B).attentions)[:, 5, :]
    np.testing.assert_allclose(np.array(data["attention"]), expected, atol=1e-6)
