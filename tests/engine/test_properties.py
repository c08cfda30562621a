"""Property-based tests: whatever people type, the engine answers or raises one of its own errors."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.engine.errors import EngineError
from bot.engine.folding import fold_word
from bot.engine.json_forms import to_json
from bot.engine.lens import Lens
from bot.engine.query import VIEWS, AttentionQuery
from bot.engine.words import find_word, locate_word, sentence_words

# Characters that have tripped up tokenizers and word matching: accents (composed and decomposed),
# case folds that change length, dotted I, ligatures, apostrophes, hyphens, quotes, controls, zero
# width, CJK, Hangul, emoji, combining marks alone, RTL text, and lone surrogates (what undecodable
# bytes on a command line, or a "\\ud800" escape in JSON from Discord, turn into).
TRICKY = list(
    "aAeE\u00e9\u00c9e\u0301\u0301\u0308\u00df\u1e9e\u0130\u0131\ufb01'\u2019-\"\u201c`_ \t\n\r\x00\x07\u200b"
    "\u00a0\u4e2d\u6587\ud55c\uae00\U0001f600\u05e9\u05dc\u0627\u0644\u0939\u093f\u094d0123.\ud800\udce9\ufffd"
)
words = st.sampled_from(
    ["apple", "Apple", "caf\u00e9", "isn't", "state-of-the-art", "\u00dfe", "tokenization"]
)
texts = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.sampled_from(TRICKY), max_size=40),
    st.lists(st.one_of(words, st.text(alphabet=st.sampled_from(TRICKY), max_size=4)), max_size=12).map(
        " ".join
    ),
)

# Modest by default to keep the suite fast; BERTLENS_PROPERTY_EXAMPLES=2000 for a long hunt.
PROPERTY = settings(
    max_examples=int(os.environ.get("BERTLENS_PROPERTY_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def small_lens(bundled_model):
    # Small limits so the too-long paths are reached by short generated texts too.
    return Lens(bundled_model, max_chars=120, max_tokens=48, cache_mb=16)


@st.composite
def text_and_word(draw):
    text = draw(texts)
    choice = draw(st.integers(0, 3))
    if choice == 0 and sentence_words(text):
        word = draw(st.sampled_from(sentence_words(text)))
    elif choice == 1 and text:
        start = draw(st.integers(0, len(text) - 1))
        word = text[start : draw(st.integers(start + 1, len(text)))]
    elif choice == 2:
        word = draw(words)
    else:
        word = draw(st.text(max_size=8))
    return text, word


queries = st.fixed_dictionaries(
    {
        "occurrence": st.integers(-1, 3),
        "layer": st.one_of(st.none(), st.integers(-1, 8)),
        "head": st.one_of(st.none(), st.integers(-1, 14)),
        "agg": st.sampled_from(["mean", "max", "head", "median"]),
        "hide_special": st.booleans(),
        "view": st.sampled_from([*VIEWS, "pie"]),
    }
)


@PROPERTY
@given(sentences=st.lists(texts, min_size=0, max_size=3))
def test_tokenize_never_raises_anything_else(small_lens, sentences):
    try:
        report = small_lens.tokenize(sentences)
    except EngineError as exc:
        assert str(exc)  # every engine error has a readable message
        return
    lengths = {len(s) for s in report.sentences}
    assert len(lengths) == 1  # padded together
    for sentence in report.sentences:
        n = len(sentence)
        assert len(sentence.input_ids) == len(sentence.attention_mask) == len(sentence.special) == n
        assert len(sentence.framing) == len(sentence.subword) == len(sentence.offsets) == n
        real = sum(sentence.attention_mask)
        assert 3 <= real <= 48
        assert sentence.tokens[0] == "[CLS]" and sentence.tokens[real - 1] == "[SEP]"
        assert all(t == "[PAD]" for t in sentence.tokens[real:])
        for offset in sentence.offsets:
            if offset is not None:
                assert 0 <= offset[0] <= offset[1] <= len(sentence.text)
        assert not any(s and f for s, f in zip(sentence.subword, sentence.framing, strict=True))
    for shared in report.shared:
        assert len({s for s, _ in shared.positions}) >= 2


@PROPERTY
@given(pair=text_and_word(), query=queries)
def test_attention_never_raises_anything_else(small_lens, pair, query):
    text, word = pair
    try:
        result = small_lens.attention(text, AttentionQuery(word, **query))
    except EngineError as exc:
        assert str(exc)
        return
    analysis = result.analysis
    n = len(analysis.sentence)
    span = result.word.span
    assert span.token_indices and all(0 <= i < n for i in span.token_indices)
    assert not any(analysis.sentence.framing[i] for i in span.token_indices)
    assert 0 <= span.start < span.end <= len(text)
    assert 1 <= span.occurrence <= span.occurrences
    assert all(0 <= c < n for c in result.word.columns)
    rows = result.word.rows
    assert rows.shape == (analysis.num_layers, len(result.word.columns))
    assert np.isfinite(rows).all() and (rows >= 0).all() and (rows <= 1 + 1e-6).all()
    if result.word.heads.is_distribution:
        np.testing.assert_allclose(rows.sum(axis=-1), 1.0, atol=1e-4)
    np.testing.assert_allclose(analysis.attentions.sum(axis=-1), 1.0, atol=1e-4)
    top = result.word.top(5)
    assert all(t.index not in span.token_indices for t in top)
    data = to_json(result)
    assert data["layer"] == result.word.layer + 1


@PROPERTY
@given(text=texts)
def test_every_listed_word_is_found(text):
    listed = sentence_words(text)
    folded = [fold_word(w) for w in listed]
    assert len(set(folded)) == len(folded)  # distinct, case- and accent-insensitively
    for word in listed:
        assert word and word in text
        written, start, end, count = locate_word(text, word)
        assert count >= 1
        assert text[start:end] == written
        assert fold_word(written) == fold_word(word)


@PROPERTY
@given(text=texts)
def test_every_listed_word_has_tokens(small_lens, text):
    # Includes a literal "[CLS]" typed in the text: the tokenizer reads it as the special id, but it
    # keeps its offsets, so the word "CLS" is found in that token.
    try:
        (sentence,) = small_lens.tokenize([text]).sentences
    except EngineError:
        assume(False)
    for word in sentence_words(text):
        span = find_word(sentence, word)
        assert span.token_indices


@PROPERTY
@given(text=texts, word=st.text(max_size=10), occurrence=st.integers(-2, 4))
def test_locate_word_never_raises_anything_else(text, word, occurrence):
    try:
        written, start, end, count = locate_word(text, word, occurrence)
    except EngineError:
        return
    assert 1 <= occurrence <= count
    assert text[start:end] == written and written
