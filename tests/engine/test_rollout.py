"""Attention rollout (Abnar & Zuidema 2020) against a plainly written reference implementation."""

from __future__ import annotations

import numpy as np
import pytest

from bot.engine.attention import rollout
from bot.engine.json_forms import to_json
from bot.engine.query import AttentionQuery

SEED_A = "Apple is huge enterprise"
SEED_B = "I am eating an apple"


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


def test_rollout_computed_once_per_analysis(lens, monkeypatch):
    """Paging the rollout view (layer, specials) reuses the pass's rollout instead of recomputing it."""
    import bot.engine.attention as attention

    calls = []

    def counted(attentions):
        calls.append(attentions.shape)
        return rollout(attentions)

    monkeypatch.setattr(attention, "rollout", counted)
    query = AttentionQuery("apple", view="rollout")
    first = lens.attention(SEED_B, query)
    for change in ({"layer": 2}, {"hide_special": True}, {"layer": 4, "hide_special": True}):
        lens.attention(SEED_B, AttentionQuery("apple", view="rollout", **change))
    assert len(calls) == 1
    again = lens.attention(SEED_B, query)
    np.testing.assert_array_equal(again.word.rows, first.word.rows)
    with pytest.raises(ValueError):  # shared by every page: nobody may change it
        lens.analyse(SEED_B).rollout()[0, 0, 0] = 1.0
