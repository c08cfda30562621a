"""Attention numbers: rows are distributions, and the CLI's JSON equals a direct transformers computation."""

from __future__ import annotations

import numpy as np
import pytest

from bot.engine.attention import all_heads, layer_matrix, renormalise
from bot.engine.errors import InvalidChoice, OutOfRange
from bot.engine.json_forms import to_json
from bot.engine.query import AttentionQuery, HeadChoice
from bot.engine.similarity import cosine_per_layer
from bot.engine.words import sentence_words

SEED_A = "Apple is huge enterprise"
SEED_B = "I am eating an apple"
TEXTS = [SEED_A, SEED_B, "tokenization of unbelievably long words", "The café was CLOSED, sadly."]


# ------------------------------------------------------------------------------ rows are distributions


@pytest.mark.parametrize("text", TEXTS)
def test_every_layer_head_row_sums_to_one(lens, text):
    analysis = lens.analyse(text)
    tokens = len(analysis.sentence)
    assert analysis.attentions.shape == (6, 12, tokens, tokens)
    assert analysis.hidden_states.shape == (7, tokens, 384)
    assert analysis.attentions.dtype == np.float32
    assert (analysis.attentions >= 0).all()
    np.testing.assert_allclose(analysis.attentions.sum(axis=-1), 1.0, atol=1e-5)
    assert not analysis.attentions.flags.writeable


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("hide", [False, True])
@pytest.mark.parametrize("head", [None, 1, 7, 12])
def test_word_rows_sum_to_one_for_mean_and_single_head(lens, text, hide, head):
    word = sentence_words(text)[0]
    result = lens.attention(text, AttentionQuery(word, head=head, hide_special=hide))
    assert result.word.rows.shape == (6, len(result.word.columns))
    np.testing.assert_allclose(result.word.rows.sum(axis=-1), 1.0, atol=1e-5)
    np.testing.assert_allclose(result.word.per_head.sum(axis=-1), 1.0, atol=1e-5)


def test_hidden_special_columns_are_dropped(lens):
    result = lens.attention(SEED_A, AttentionQuery("apple", hide_special=True))
    assert result.word.tokens == ["apple", "is", "huge", "enterprise"]
    assert list(result.word.columns) == [1, 2, 3, 4]
    shown = lens.attention(SEED_A, AttentionQuery("apple"))
    assert shown.word.tokens == ["[CLS]", "apple", "is", "huge", "enterprise", "[SEP]"]


def test_max_over_heads_is_not_renormalised(lens):
    analysis = lens.analyse(SEED_A)
    raw = analysis.attentions.astype(np.float64)[:, :, 1, :]  # "apple" is token 1: [layer, head, to]
    for hide in (False, True):
        result = lens.attention(SEED_A, AttentionQuery("apple", agg="max", hide_special=hide))
        columns = [1, 2, 3, 4] if hide else list(range(6))
        np.testing.assert_allclose(result.word.rows, raw.max(axis=1)[:, columns], atol=1e-7)
        assert not result.word.heads.is_distribution


@pytest.mark.parametrize("hide", [False, True])
@pytest.mark.parametrize("heads", [HeadChoice("mean"), HeadChoice("head", 3)])
def test_layer_matrix_rows_are_distributions(lens, hide, heads):
    analysis = lens.analyse(SEED_B)
    for layer in range(analysis.num_layers):
        matrix, keep = layer_matrix(analysis, layer, heads, hide_special=hide)
        assert matrix.shape == (len(keep), len(keep))
        np.testing.assert_allclose(matrix.sum(axis=-1), 1.0, atol=1e-5)


def test_all_heads_rows_are_distributions_when_hidden(lens):
    analysis = lens.analyse(SEED_B)
    matrices, keep = all_heads(analysis, hide_special=True)
    assert list(keep) == [1, 2, 3, 4, 5]
    assert matrices.shape == (6, 12, 5, 5)
    np.testing.assert_allclose(matrices.sum(axis=-1), 1.0, atol=1e-5)


def test_renormalise_keeps_zero_rows_zero():
    rows = np.array([[0.0, 0.0], [1.0, 3.0]])
    np.testing.assert_array_equal(renormalise(rows), [[0.0, 0.0], [0.25, 0.75]])


def test_special_share_is_the_cls_sep_part_of_the_mean_row(lens):
    analysis = lens.analyse(SEED_A)
    result = lens.attention(SEED_A, AttentionQuery("apple"))
    mean_row = analysis.attentions[-1, :, 1, :].astype(np.float64).mean(axis=0)
    assert result.word.special_share() == pytest.approx(mean_row[0] + mean_row[5], abs=1e-6)


def test_top_excludes_the_word_itself_and_is_sorted(lens):
    result = lens.attention(SEED_A, AttentionQuery("apple"))
    top = result.word.top(10)
    assert [t.index for t in top] == sorted({0, 2, 3, 4, 5}, key=lambda i: -result.word.rows[-1][i])
    assert 1 not in [t.index for t in top]
    weights = [t.weight for t in top]
    assert weights == sorted(weights, reverse=True)


# ---------------------------------------------------------------------------------------- query checks


@pytest.mark.parametrize(
    ("query", "error", "params"),
    [
        (AttentionQuery("apple", layer=0), OutOfRange, {"what": "layer", "value": 0, "maximum": 6}),
        (AttentionQuery("apple", layer=7), OutOfRange, {"what": "layer", "value": 7, "maximum": 6}),
        (AttentionQuery("apple", head=0), OutOfRange, {"what": "head", "value": 0, "maximum": 12}),
        (AttentionQuery("apple", head=13), OutOfRange, {"what": "head", "value": 13, "maximum": 12}),
        (AttentionQuery("apple", agg="median"), InvalidChoice, None),
        (AttentionQuery("apple", view="3d"), InvalidChoice, None),
        (AttentionQuery("apple", agg="head"), InvalidChoice, None),
    ],
)
def test_bad_query_numbers(lens, query, error, params):
    with pytest.raises(error) as info:
        lens.attention(SEED_A, query)
    if params is not None:
        assert info.value.params == params
    with pytest.raises(error):
        lens.precheck(SEED_A, query)


def test_layer_numbers_are_one_based(lens):
    for layer in range(1, 7):
        result = lens.attention(SEED_A, AttentionQuery("apple", layer=layer))
        assert result.word.layer == layer - 1
        assert to_json(result)["layer"] == layer
    assert lens.attention(SEED_A, AttentionQuery("apple")).word.layer == 5


# ------------------------------------------------------------------ CLI JSON vs a direct computation


def _direct_rows(reference, text, word_token_indices, combine, hide):
    tokens, attentions, _ = reference.run(text)
    per_head = attentions[:, :, list(word_token_indices), :].mean(axis=2)  # [layer, head, to]
    rows = combine(per_head)  # [layer, to]
    columns = list(range(len(tokens)))
    if hide:
        columns = [j for j, t in enumerate(tokens) if t not in ("[CLS]", "[SEP]")]
        rows = rows[:, columns]
        rows = rows / rows.sum(axis=-1, keepdims=True)
    return tokens, columns, rows


@pytest.mark.parametrize(
    ("argv", "combine", "hide"),
    [
        ([], lambda a: a.mean(axis=1), False),
        (["--hide-special"], lambda a: a.mean(axis=1), True),
        (["--head", "1"], lambda a: a[:, 0], False),
        (["--head", "12", "--hide-special"], lambda a: a[:, 11], True),
        (["--head", "5", "--layer", "2"], lambda a: a[:, 4], False),
    ],
    ids=["mean", "mean-hidden", "head1", "head12-hidden", "head5-layer2"],
)
@pytest.mark.parametrize(
    ("text", "word", "pieces"),
    [
        (SEED_A, "apple", ["apple"]),
        (SEED_B, "apple", ["apple"]),
        ("tokenization of unbelievably long words", "tokenization", ["token", "##ization"]),
    ],
)
def test_cli_attention_json_equals_direct_transformers(
    cli, reference, argv, combine, hide, text, word, pieces
):
    run = cli("attention", text, word, "--json", "--top", "3", *argv)
    assert run.code == 0, run.err
    data = run.json()
    tokens, _, _ = reference.run(text)
    indices = [i for i, t in enumerate(tokens) if t in pieces]
    assert data["word"]["token_indices"] == indices
    assert data["word"]["pieces"] == pieces
    tokens, columns, rows = _direct_rows(reference, text, indices, combine, hide)
    assert data["columns"] == columns
    assert data["tokens"] == [tokens[j] for j in columns]
    np.testing.assert_allclose(np.array(data["attention"]), rows, atol=2e-6, rtol=0)
    assert data["num_layers"] == 6 and data["num_heads"] == 12
    assert data["hide_special"] is hide
    if "--head" in argv:
        assert data["head"] == int(argv[argv.index("--head") + 1])
        assert data["aggregation"] == "head"
    else:
        assert data["head"] is None and data["aggregation"] == "mean"
    layer = int(argv[argv.index("--layer") + 1]) if "--layer" in argv else 6
    assert data["layer"] == layer
    # The listed top tokens are the largest weights of that layer, the word's own pieces aside.
    row = rows[layer - 1]
    others = [(row[c], columns[c]) for c in range(len(columns)) if columns[c] not in indices]
    expected = [index for _, index in sorted(others, key=lambda x: -x[0])[:3]]
    assert [t["index"] for t in data["top"]] == expected
    assert [t["token"] for t in data["top"]] == [tokens[i] for i in expected]


@pytest.mark.parametrize("hide", [False, True])
def test_cli_attention_json_max_equals_direct_transformers(cli, reference, hide):
    run = cli("attention", SEED_B, "eating", "--json", "--agg", "max", *(["--hide-special"] if hide else []))
    assert run.code == 0, run.err
    data = run.json()
    tokens, attentions, _ = reference.run(SEED_B)
    index = tokens.index("eating")
    rows = attentions[:, :, index, :].max(axis=1)
    columns = [j for j, t in enumerate(tokens) if not hide or t not in ("[CLS]", "[SEP]")]
    assert data["aggregation"] == "max"
    assert data["columns"] == columns
    # A max over heads is shown as is: dropping columns does not rescale it.
    np.testing.assert_allclose(np.array(data["attention"]), rows[:, columns], atol=2e-6, rtol=0)


def test_cli_attention_json_occurrence(cli, reference):
    text = "the cat saw the dog"
    data = cli("attention", text, "the", "--occurrence", "2", "--json").json()
    _tokens, attentions, _ = reference.run(text)
    assert data["word"]["token_indices"] == [4]
    assert data["word"]["occurrence"] == 2
    np.testing.assert_allclose(np.array(data["attention"]), attentions[:, :, 4, :].mean(axis=1), atol=2e-6)


def test_cli_attention_json_shape_and_image(cli):
    run = cli("attention", SEED_A, "Apple", "--json", "--out", "x.png")
    data = run.json()
    assert set(data) == {
        "model",
        "sentence",
        "numbering",
        "tokens",
        "columns",
        "word",
        "num_layers",
        "num_heads",
        "layer",
        "view",
        "values",
        "aggregation",
        "head",
        "hide_special",
        "attention",
        "top",
        "image",
    }
    assert data["model"] == "sentence-transformers/all-MiniLM-L6-v2 (bundled)"
    assert data["sentence"] == SEED_A
    assert data["word"]["text"] == "Apple"
    assert data["values"] == "weights" and data["view"] == "word"
    assert len(data["top"]) == 5
    assert data["image"]["path"] == "x.png" and data["image"]["width"] == 1000
    assert (cli.cwd / "x.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def _cosine(a, b):
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


@pytest.mark.parametrize(
    ("word", "a", "b"),
    [("apple", SEED_A, SEED_B), ("tokenization", "tokenization matters", "we studied tokenization")],
)
def test_cli_compare_cosine_equals_direct_hidden_states(cli, reference, word, a, b):
    data = cli("compare", word, a, b, "--json").json()
    tok_a, _, hid_a = reference.run(a)
    tok_b, _, hid_b = reference.run(b)
    pieces = [t for t in reference.tokenizer.tokenize(word)]
    idx_a = [i for i, t in enumerate(tok_a) if t in pieces]
    idx_b = [i for i, t in enumerate(tok_b) if t in pieces]
    assert [s["token_indices"] for s in data["sentences"]] == [idx_a, idx_b]
    vec_a = hid_a[:, idx_a].mean(axis=1)
    vec_b = hid_b[:, idx_b].mean(axis=1)
    expected = [_cosine(vec_a[layer], vec_b[layer]) for layer in range(7)]
    assert data["cosine_embeddings"] == pytest.approx(expected[0], abs=1e-6)
    assert data["cosine"] == pytest.approx(expected[1:], abs=1e-6)
    assert len(data["cosine"]) == data["num_layers"] == 6
    assert data["same_ids"] is True
    ids = reference.tokenizer.convert_tokens_to_ids(pieces)
    assert [s["token_ids"] for s in data["sentences"]] == [ids, ids]


def test_compare_json_keys_and_seed_ids(cli):
    data = cli("compare", "apple", SEED_A, SEED_B, "--json", "--out", "cmp.png").json()
    assert set(data) == {
        "model",
        "word",
        "numbering",
        "sentences",
        "same_ids",
        "num_layers",
        "hide_special",
        "cosine_embeddings",
        "cosine",
        "baseline",
        "image",
    }
    assert [s["token_ids"] for s in data["sentences"]] == [[6207], [6207]]
    assert [s["word"] for s in data["sentences"]] == ["Apple", "apple"]


def test_cosine_per_layer_handles_zero_vectors():
    a = np.array([[1.0, 0.0], [0.0, 0.0], [1.0, 1.0]])
    b = np.array([[1.0, 0.0], [1.0, 0.0], [-1.0, -1.0]])
    np.testing.assert_allclose(cosine_per_layer(a, b), [1.0, 0.0, -1.0])


@pytest.mark.parametrize("k", [0, -1, 1, 3, 100])
def test_top_returns_at_most_k(lens, k):
    result = lens.attention(SEED_A, AttentionQuery("apple"))
    top = result.word.top(k)
    assert len(top) == max(0, min(k, 5))  # 5 tokens besides "apple" itself
    run_top = to_json(result, top_k=k)["top"]
    assert [t["index"] for t in run_top] == [t.index for t in top]
