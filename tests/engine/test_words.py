"""Finding a word the way a reader would: pieces, repeats, capitals, accents, whole words, quotes."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest

from bot.engine.errors import EmptyText, OccurrenceOutOfRange, WordNotFound
from bot.engine.query import AttentionQuery
from bot.engine.words import find_word, locate_word, sentence_words
from bot.i18n import error_text


def _sentence(lens, text):
    (sentence,) = lens.tokenize([text]).sentences
    return sentence


def test_word_split_into_pieces_takes_all_its_tokens(lens):
    analysis = lens.analyse("tokenization is fun")
    span = find_word(analysis.sentence, "tokenization")
    assert [analysis.sentence.tokens[i] for i in span.token_indices] == ["token", "##ization"]
    assert span.pieces == 2
    assert (span.start, span.end, span.text) == (0, 12, "tokenization")

    result = lens.attention("tokenization is fun", AttentionQuery("tokenization"))
    raw = analysis.attentions.astype(np.float64)
    expected = raw[:, :, [1, 2], :].mean(axis=2).mean(axis=1)  # pieces averaged, heads averaged
    np.testing.assert_allclose(result.word.rows, expected, atol=1e-6)
    np.testing.assert_allclose(result.word.rows.sum(axis=-1), 1.0, atol=1e-5)


def test_repeated_word_occurrences(lens):
    text = "the cat saw the dog and the bird"
    sentence = _sentence(lens, text)
    spans = [find_word(sentence, "the", k) for k in (1, 2, 3)]
    assert [s.start for s in spans] == [0, 12, 24]
    assert all(s.occurrences == 3 for s in spans)
    assert [s.occurrence for s in spans] == [1, 2, 3]
    assert [s.token_indices for s in spans] == [(1,), (4,), (7,)]
    assert len({s.token_indices for s in spans}) == 3


@pytest.mark.parametrize("occurrence", [0, 4, -1])
def test_occurrence_out_of_range(lens, occurrence):
    sentence = _sentence(lens, "the cat saw the dog and the bird")
    with pytest.raises(OccurrenceOutOfRange) as info:
        find_word(sentence, "the", occurrence)
    assert info.value.params == {"word": "the", "occurrence": occurrence, "count": 3}
    assert "3" in str(info.value)


def test_repeated_word_attention_differs_by_occurrence(lens):
    text = "the cat saw the dog"
    first = lens.attention(text, AttentionQuery("the", occurrence=1))
    second = lens.attention(text, AttentionQuery("the", occurrence=2))
    assert first.word.span.token_indices != second.word.span.token_indices
    assert not np.allclose(first.word.rows, second.word.rows)


@pytest.mark.parametrize(
    ("text", "word", "expected"),
    [
        ("Apple is huge enterprise", "APPLE", "Apple"),
        ("Apple is huge enterprise", "apple", "Apple"),
        ("I drank a café au lait", "CAFÉ", "café"),
        ("I drank a café au lait", "cafe", "café"),
        ("I drank a CAFE au lait", "café", "CAFE"),
        ("I drank a cafe\u0301 au lait", "café", "cafe\u0301"),  # decomposed accent in the text
        ("Straße und Weg", "STRASSE", "Straße"),
    ],
)
def test_case_and_accent_insensitive(lens, text, word, expected):
    sentence = _sentence(lens, text)
    span = find_word(sentence, word)
    assert span.text == expected
    assert text[span.start : span.end] == expected
    assert span.token_indices


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("I like pineapple juice", "apple"),
        ("apples are red", "apple"),
        ("an applesauce jar", "apple"),
        ("snapple", "apple"),
    ],
)
def test_whole_words_only(lens, text, word):
    sentence = _sentence(lens, text)
    with pytest.raises(WordNotFound):
        find_word(sentence, word)


def test_whole_word_next_to_punctuation(lens):
    sentence = _sentence(lens, "(apple), apple! apple-pie")
    spans = [find_word(sentence, "apple", k) for k in (1, 2, 3)]
    assert [s.start for s in spans] == [1, 9, 16]


def test_absent_word_lists_the_words_that_are_there(lens):
    sentence = _sentence(lens, "Apple is huge enterprise")
    with pytest.raises(WordNotFound) as info:
        find_word(sentence, "banana")
    assert info.value.params["available"] == ["Apple", "is", "huge", "enterprise"]
    message = str(info.value)
    assert "banana" in message
    for word in ("Apple", "is", "huge", "enterprise"):
        assert word in message


@pytest.mark.parametrize("word", ["'apple'", '"apple"', "\u201capple\u201d", "`apple`", "  apple  "])
def test_quotes_and_spaces_around_the_word_are_tolerated(lens, word):
    sentence = _sentence(lens, "I am eating an apple")
    span = find_word(sentence, word)
    assert span.text == "apple"
    assert span.token_indices == (5,)


def test_quoted_word_in_the_text_is_found_with_its_quote(lens):
    # The quotes are only stripped when the word as typed is not there.
    sentence = _sentence(lens, "he said 'no' twice")
    span = find_word(sentence, "'no'")
    assert span.text == "'no'"
    assert [sentence.tokens[i] for i in span.token_indices] == ["'", "no", "'"]


@pytest.mark.parametrize("word", ["", "   ", "\n"])
def test_empty_word_is_rejected(lens, word):
    sentence = _sentence(lens, "I am eating an apple")
    with pytest.raises(EmptyText) as info:
        find_word(sentence, word)
    assert info.value.params == {"what": "word"}


def test_word_made_only_of_dropped_characters_is_not_found(lens):
    sentence = _sentence(lens, "apple \x07 pie")
    with pytest.raises(WordNotFound):
        find_word(sentence, "\x07")


def test_multi_word_phrase(lens):
    sentence = _sentence(lens, "I live in New York City")
    span = find_word(sentence, "new york")
    assert span.text == "New York"
    assert [sentence.tokens[i] for i in span.token_indices] == ["new", "york"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Apple is huge enterprise", ["Apple", "is", "huge", "enterprise"]),
        ("the cat saw THE dog", ["the", "cat", "saw", "dog"]),
        ("isn't it state-of-the-art?", ["isn't", "it", "state-of-the-art"]),
        ("Café CAFE cafe", ["Café"]),
        ("", []),
        ("!!! ???", []),
    ],
)
def test_sentence_words(text, words):
    assert sentence_words(text) == words


def test_locate_word_needs_no_tokenizer():
    assert locate_word("I am eating an apple", "APPLE") == ("apple", 15, 20, 1)
    with pytest.raises(WordNotFound):
        locate_word("I am eating an apple", "pear")


def test_special_tokens_typed_in_the_sentence_are_the_users_text(lens):
    """The tokenizer reads a typed "[SEP]" as the real [SEP] id; it is still part of the sentence
    (real offsets, found as a word, kept when specials are hidden), unlike the [CLS]/[SEP] it adds."""
    (sentence,) = lens.tokenize(["first [SEP] second"]).sentences
    assert sentence.tokens == ("[CLS]", "first", "[SEP]", "second", "[SEP]")
    assert sentence.input_ids[2] == sentence.input_ids[4] == 102
    assert sentence.framing == (True, False, False, False, True)
    assert sentence.special[2] and sentence.offsets[2] == (6, 11)
    span = find_word(sentence, "SEP")
    assert span.token_indices == (2,)
    result = lens.attention("first [SEP] second", AttentionQuery("second", hide_special=True))
    assert result.word.tokens == ["first", "[SEP]", "second"]


# -------------------------------------------------------------------- invisible and control characters


def _no_control(text):
    return not any(unicodedata.category(c) in ("Cc", "Cf", "Cs") and c not in "\t\n\r" for c in text)


def test_zero_width_space_inside_a_word_is_read_like_the_tokenizer_reads_it(lens):
    sentence = _sentence(lens, "I like app\u200ble pie")
    assert [sentence.tokens[i] for i in range(1, 4)] == ["i", "like", "apple"]  # one token
    span = find_word(sentence, "apple")
    assert span.token_indices == (3,)
    assert (span.text, span.start, span.end) == ("app\u200ble", 7, 13)
    assert sentence_words(sentence.text) == ["I", "like", "app\u200ble", "pie"]
    assert find_word(sentence, "app\u200ble").token_indices == (3,)  # the listed word is found again


@pytest.mark.parametrize(
    "word", ["apple\u200b", "\u200bapple", "apple\ufeff", "'apple'\u200b", "ap\u00adple", "apple\x07"]
)
def test_invisible_characters_in_the_typed_word_are_ignored(lens, word):
    sentence = _sentence(lens, "I am eating an apple")
    span = find_word(sentence, word)
    assert (span.text, span.token_indices) == ("apple", (5,))


def test_invisible_character_after_a_word_is_not_part_of_it(lens):
    sentence = _sentence(lens, "apple\u200b pie and \u2060apple")
    first, second = find_word(sentence, "apple", 1), find_word(sentence, "apple", 2)
    assert (first.text, first.start, first.end, first.occurrences) == ("apple", 0, 5, 2)
    assert (second.text, second.start) == ("apple", 16)


def test_control_characters_inside_words_and_sentences(lens):
    text = "apple\x1b[2J pie a\x1bb"
    sentence = _sentence(lens, text)
    assert find_word(sentence, "apple").token_indices == (1,)
    assert find_word(sentence, "ab").text == "a\x1bb"


def test_errors_never_echo_control_characters(lens):
    sentence = _sentence(lens, "app\x1ble pie \u202eabc a\x1bb")
    with pytest.raises(WordNotFound) as info:
        find_word(sentence, "\x1b[2J\u202e")
    params = info.value.params
    assert params["word"] == "[2J"
    assert params["available"] == ["apple", "pie", "abc", "ab"]
    assert all(_no_control(str(v)) for v in (params["word"], params["sentence"], *params["available"]))
    for lang in ("en", "ko"):
        assert _no_control(error_text(lang, info.value))
    with pytest.raises(OccurrenceOutOfRange) as out:
        find_word(sentence, "ab", 2)
    assert out.value.params["word"] == "ab"
    assert _no_control(str(out.value))


@pytest.mark.parametrize("word", ["\x07", "\u200b", "\x1b"])
def test_a_word_of_invisible_characters_only_is_named_visibly(lens, word):
    sentence = _sentence(lens, "apple \x07 pie")
    with pytest.raises(WordNotFound) as info:
        find_word(sentence, word)
    shown_word = info.value.params["word"]
    assert shown_word and _no_control(shown_word)
    assert shown_word in str(info.value)
