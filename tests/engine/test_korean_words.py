# ruff: noqa: RUF001  (Korean typography: the expected notes quote words with U+2018 and U+2019)
"""Korean words by stem: 사과 in 사과를 selects the tokens of 사과 and says the particle was left out;
particles, verb stems and dictionary forms are found too; without the analyser a guess by letters, said
to be one. Real tokenizations from the bundled model and real kiwipiepy analyses."""

from __future__ import annotations

import importlib.util
import itertools
import os
import statistics
import threading
import time
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.engine import morphemes
from bot.engine.errors import EngineError, OccurrenceOutOfRange, WordNotFound
from bot.engine.query import AttentionQuery
from bot.engine.suggestions import word_suggestions
from bot.engine.words import (
    check_word,
    find_word,
    locate,
    locate_word,
    word_notes,
)
from bot.i18n import EN, KO, t

needs_kiwi = pytest.mark.skipif(
    importlib.util.find_spec("kiwipiepy") is None, reason="needs the extra bertlens[korean] (kiwipiepy)"
)
SAGWA_IDS = [1461, 30006, 29991, 30012]  # ᄉ ##ᅡ ##ᄀ ##ᅪ in the bundled uncased vocabulary


def _sentence(lens, text):
    (sentence,) = lens.tokenize([text]).sentences
    return sentence


def _ids(sentence, span):
    return [sentence.input_ids[i] for i in span.token_indices]


def _tokens(sentence, span):
    return [sentence.display[i] for i in span.token_indices]


# ----------------------------------------------------------------------------------- with the analyser


@needs_kiwi
@pytest.mark.parametrize(("text", "start"), [("나는 사과를 먹었다", 3), ("친구에게 사과를 했다", 5)])
def test_a_noun_without_its_particle(lens, text, start):
    sentence = _sentence(lens, text)
    span = find_word(sentence, "사과")
    assert (span.text, span.start, span.end, span.occurrences) == ("사과", start, start + 2, 1)
    assert _ids(sentence, span) == SAGWA_IDS  # the same ids in both sentences, 를 not among them
    assert _tokens(sentence, span) == ["ᄉ", "##ᅡ", "##ᄀ", "##ᅪ"]
    assert span.left_out == "를"
    assert span.part is not None and span.part.analysed
    assert (span.part.eojeol, span.part.tag, span.part.left_out[0].tags) == ("사과를", "NNG", ("JKO",))
    assert word_notes(span, KO) == ["‘사과를’에서 ‘를’(조사) 부분은 빼고 ‘사과’만 봤습니다."]
    assert word_notes(span, EN) == ["Only ‘사과’ of ‘사과를’ is looked at, leaving out ‘를’ (particle)."]


@needs_kiwi
def test_the_particle_asked_directly(lens):
    sentence = _sentence(lens, "나는 사과를 먹었다")
    span = find_word(sentence, "를")
    assert _tokens(sentence, span) == ["##ᄅ", "##ᅳ", "##ᆯ"]
    assert (span.start, span.end, span.left_out) == (5, 6, "사과")
    assert span.part is not None and span.part.tag == "JKO"
    assert t(KO, "pos.noun") in word_notes(span, KO)[0]


@needs_kiwi
def test_a_verb_stem_and_its_dictionary_form(lens):
    sentence = _sentence(lens, "나는 사과를 먹었다")
    stem = find_word(sentence, "먹")
    assert (stem.text, stem.start, stem.end, stem.left_out) == ("먹", 7, 8, "었다")
    assert _tokens(sentence, stem) == ["[UNK]"]  # the model reads 먹었다 as one unknown token
    assert stem.part is not None and stem.part.tag == "VV"
    assert word_notes(stem, KO) == ["‘먹었다’에서 ‘었다’(어미) 부분은 빼고 ‘먹’만 봤습니다."]
    lemma = find_word(sentence, "먹다")
    assert (lemma.start, lemma.end) == (7, 8)
    assert lemma.part is not None and lemma.part.form == "먹다"
    assert t(KO, "word.form", form="먹다", written="먹") in word_notes(lemma, KO)


@needs_kiwi
def test_two_morphemes_in_one_syllable(lens):
    sentence = _sentence(lens, "친구에게 사과를 했다")
    span = find_word(sentence, "하")
    assert (span.text, span.start, span.end, span.left_out) == ("했", 9, 10, "다")
    assert span.part is not None and span.part.shares == ("하", "었")
    assert t(KO, "word.shares", written="했", count=2, parts="하 + 었") in word_notes(span, KO)
    assert find_word(sentence, "했").start == 9
    assert find_word(sentence, "했다").part is None  # a whole eojeol is a plain word


@needs_kiwi
def test_a_whole_eojeol_is_a_plain_word(lens):
    sentence = _sentence(lens, "나는 사과를 먹었다")
    span = find_word(sentence, "사과를")
    assert span.part is None and span.left_out == "" and word_notes(span, KO) == []
    assert _tokens(sentence, span) == ["ᄉ", "##ᅡ", "##ᄀ", "##ᅪ", "##ᄅ", "##ᅳ", "##ᆯ"]


@needs_kiwi
def test_no_part_of_a_syllable_or_of_a_morpheme(lens):
    sentence = _sentence(lens, "나는 사과를 먹었다")
    for word in ("사", "과", "과를", "ᄉ", "먹었다다"):
        with pytest.raises(WordNotFound):
            find_word(sentence, word)


@needs_kiwi
def test_occurrences_count_every_eojeol_the_word_is_in(lens):
    text = "사과를 샀는데 사과가 썩었다"
    sentence = _sentence(lens, text)
    first, second = find_word(sentence, "사과", 1), find_word(sentence, "사과", 2)
    assert (first.start, second.start) == (0, 8)
    assert first.occurrences == second.occurrences == 2
    assert (first.left_out, second.left_out) == ("를", "가")
    assert _ids(sentence, first) == _ids(sentence, second) == SAGWA_IDS
    assert set(first.token_indices).isdisjoint(second.token_indices)
    with pytest.raises(OccurrenceOutOfRange) as info:
        find_word(sentence, "사과", 3)
    assert info.value.params == {"word": "사과", "occurrence": 3, "count": 2}
    assert find_word(sentence, "사").text == "샀"  # the verb 사다, fused with 었


@needs_kiwi
def test_occurrences_mix_whole_words_and_parts():
    text = "사과 사과를 사과했다"
    found = [locate(text, "사과", k) for k in (1, 2, 3)]
    assert [(f.start, f.end, f.occurrences) for f in found] == [(0, 2, 3), (3, 5, 3), (7, 9, 3)]
    assert [f.part is None for f in found] == [True, False, False]
    assert locate_word(text, "사과", 2) == ("사과", 3, 5, 3)


@needs_kiwi
def test_korean_text_with_english_words(lens):
    sentence = _sentence(lens, "Apple은 큰 기업이다. BERT는 토큰을 나눈다")
    apple = find_word(sentence, "apple")
    assert (apple.text, apple.left_out) == ("Apple", "은")
    assert _ids(sentence, apple) == [6207]  # the same id as "apple" in English sentences
    bert = find_word(sentence, "BERT")
    assert _tokens(sentence, bert) == ["bert"] and bert.left_out == "는"
    big = find_word(sentence, "크")
    assert big.text == "큰" and big.part is not None and big.part.shares == ("크", "ᆫ")
    with pytest.raises(WordNotFound):
        find_word(_sentence(lens, "pineapple은 맛있다"), "apple")
    english = _sentence(lens, "I am eating an apple")
    assert find_word(english, "apple").part is None


@needs_kiwi
def test_zero_width_and_control_characters_in_korean(lens):
    sentence = _sentence(lens, "사과\u200b를 먹\x1b었다")
    span = find_word(sentence, "사과")
    assert _ids(sentence, span) == SAGWA_IDS and span.left_out == "를"
    particle = find_word(sentence, "를\u200b")
    assert (particle.start, particle.end) == (3, 4)
    assert find_word(sentence, "먹").left_out == "었다"
    with pytest.raises(WordNotFound) as info:
        find_word(sentence, "\x1b[2J배")
    assert info.value.params["available"] == ["사과를", "먹었다"]


@needs_kiwi
def test_decomposed_hangul_is_found(lens):
    text = unicodedata.normalize("NFD", "나는 사과를 먹었다")
    sentence = _sentence(lens, text)
    span = find_word(sentence, "사과")
    assert text[span.start : span.end] == unicodedata.normalize("NFD", "사과")
    assert _ids(sentence, span) == SAGWA_IDS and span.left_out == unicodedata.normalize("NFD", "를")


@needs_kiwi
def test_attention_of_a_stem(lens):
    result = lens.attention("나는 사과를 먹었다", AttentionQuery("사과"))
    assert result.word.span.left_out == "를"
    assert result.word.span.token_indices == (6, 7, 8, 9)


# ---------------------------------------------------------------------------------- without it


def test_without_the_analyser_a_guess_by_letters(lens, no_analyser):
    sentence = _sentence(lens, "나는 사과를 먹었다")
    span = find_word(sentence, "사과")
    assert _ids(sentence, span) == SAGWA_IDS
    assert span.left_out == "를"
    assert span.part is not None and not span.part.analysed and span.part.tag is None
    (note,) = word_notes(span, KO)
    assert "kiwipiepy" in note and "pip install 'bertlens[korean]'" in note and "‘사과를’" in note
    assert "pip install 'bertlens[korean]'" in word_notes(span, EN)[0]
    assert find_word(sentence, "를").left_out == "사과"  # the end of an eojeol
    assert find_word(sentence, "먹").left_out == "었다"  # the start of an eojeol
    assert not morphemes.ready()


def test_without_the_analyser_whole_words_stay_whole(lens, no_analyser):
    with pytest.raises(WordNotFound):
        find_word(_sentence(lens, "pineapple은 맛있다"), "apple")
    with pytest.raises(WordNotFound):
        find_word(_sentence(lens, "I like pineapple juice"), "apple")
    with pytest.raises(WordNotFound):
        find_word(_sentence(lens, "나는 사과를 먹었다"), "과")  # not at either end of its eojeol
    assert find_word(_sentence(lens, "Apple은 크다"), "apple").left_out == "은"
    assert find_word(_sentence(lens, "Apple is huge"), "apple").part is None


def test_without_the_analyser_occurrences_are_counted_alike(no_analyser):
    text = "사과를 샀는데 사과가 썩었다"
    assert [locate(text, "사과", k).start for k in (1, 2)] == [0, 8]
    assert locate(text, "사과").occurrences == 2


# --------------------------------------------------------------------------- the event-loop check


def test_check_word_does_not_refuse_korean_while_the_analyser_loads(monkeypatch):
    release = threading.Event()

    def slow() -> object:
        release.wait(10)
        raise ModuleNotFoundError("kiwipiepy")

    loading = morphemes.Analyser(loader=slow, installed=lambda: True)
    monkeypatch.setattr(morphemes, "ANALYSER", loading)
    try:
        started = time.perf_counter()
        check_word("친구에게 사과를 했다", "하")  # letters alone do not find it: the worker decides
        check_word("나는 사과를 먹었다", "사과")
        with pytest.raises(WordNotFound):
            check_word("I am eating an apple", "pear")  # no Hangul: nothing to wait for
        assert time.perf_counter() - started < 1
    finally:
        release.set()


def test_check_word_refuses_what_is_not_there(no_analyser):
    with pytest.raises(WordNotFound):
        check_word("나는 사과를 먹었다", "배")
    with pytest.raises(OccurrenceOutOfRange):
        check_word("나는 사과를 먹었다", "사과", 2)


@needs_kiwi
def test_check_word_with_the_analyser_ready():
    assert morphemes.warm_up()
    check_word("친구에게 사과를 했다", "하")
    with pytest.raises(WordNotFound):
        check_word("친구에게 사과를 했다", "과")


# ------------------------------------------------------------------------------------ autocomplete


@needs_kiwi
def test_suggestions_offer_morphemes_and_eojeol():
    assert morphemes.warm_up()
    text = "친구에게 사과를 했다. 나는 Apple 사과를 먹었다"
    everything = word_suggestions(text, "")
    assert everything[:8] == ["친구에게", "친구", "사과를", "사과", "했다", "하", "나는", "나"]
    assert {"Apple", "먹었다", "먹", "에게", "를", "었", "다"} <= set(everything)
    assert everything.index("를") > everything.index("먹")  # particles and endings last
    assert "." not in everything and len(everything) == len(set(everything))
    assert word_suggestions(text, "사") == ["사과를", "사과"]
    assert word_suggestions(text, "를") == ["를", "사과를"]  # prefix matches first
    assert word_suggestions(text, "app") == ["Apple"]
    for typed in ("ㅅ", "삭", "사ㄱ", "사\u200b"):  # an input method halfway through 사과
        assert word_suggestions(text, typed) == ["사과를", "사과"], typed
    assert word_suggestions(text, "", limit=3) == everything[:3]


@needs_kiwi
@pytest.mark.parametrize(
    "text",
    [
        "친구에게 사과를 했다. 나는 Apple 사과를 먹었다",
        "난 추워서 텍스트네 이걸 먹다",
        "사과\u200b를 먹\x1b었다 café",
        unicodedata.normalize("NFD", "나는 사과를 먹었다"),
    ],
)
def test_every_suggestion_is_found_again(text):
    assert morphemes.warm_up()
    for word in word_suggestions(text, ""):
        assert locate(text, word).occurrences >= 1, word
        assert len(word) <= 100 and not any(unicodedata.category(c) in ("Cc", "Cf") for c in word)


def test_suggestions_for_english_are_the_sentence_words():
    text = "Apple is huge enterprise and apple pie"
    assert word_suggestions(text, "") == ["Apple", "is", "huge", "enterprise", "and", "pie"]
    assert word_suggestions(text, "e") == ["enterprise", "Apple", "huge", "pie"]  # starts, then contains
    assert word_suggestions("x" * 150 + " y", "") == ["y"]  # too long to be a choice


def test_suggestions_never_wait_for_the_analyser(no_analyser):
    assert word_suggestions("나는 사과를 먹었다", "사") == ["사과를"]


@needs_kiwi
def test_suggestions_are_cheap():
    assert morphemes.warm_up()
    text = "친구에게 사과를 했다. 나는 사과를 먹었다. 날씨가 추워서 집에 있었다. " * 4
    word_suggestions(text, "")
    timings = []
    for typed in ["", "사", "사ㄱ", "먹", "친구", "ㅈ", "x"] * 10:
        started = time.perf_counter()
        word_suggestions(text, typed)
        timings.append(time.perf_counter() - started)
    assert statistics.median(timings) < 0.02  # about 1 ms here; generous for a busy machine


# ------------------------------------------------------------------------------------- properties

KOREAN = [
    *"사과를먹었다했친구에게나는큰이걸추워서",
    "Apple",
    "pie",
    " ",
    " ",
    "\u200b",
    "\x1b",
    ".",
    "e\u0301",
]
korean_texts = st.lists(st.sampled_from(KOREAN), min_size=1, max_size=14).map("".join)
PROPERTY = settings(
    max_examples=int(os.environ.get("BERTLENS_PROPERTY_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@needs_kiwi
@PROPERTY
@given(text=korean_texts, data=st.data())
def test_lookups_in_korean_text_are_consistent(text, data):
    assert morphemes.warm_up()
    words = word_suggestions(text, "", limit=100)
    start = data.draw(st.integers(0, len(text) - 1))
    candidates = [*words, text[start : data.draw(st.integers(start + 1, len(text)))]]
    for word in candidates:
        try:
            first = locate(text, word)
        except EngineError:
            assert word not in words  # every suggestion is found
            continue
        spans = [locate(text, word, k) for k in range(1, first.occurrences + 1)]
        for found in spans:
            assert text[found.start : found.end] == found.text and found.text
            assert found.occurrences == first.occurrences
        # Occurrences are in text order and never overlap.
        assert all(a.end <= b.start for a, b in itertools.pairwise(spans))
        with pytest.raises(OccurrenceOutOfRange):
            locate(text, word, first.occurrences + 1)
