"""The guess-first question: candidates, their weights and the answer, from /attention's own rows."""

from __future__ import annotations

import pytest

from bot.engine.json_forms import to_json
from bot.engine.query import AttentionQuery
from bot.engine.quiz import MAX_CANDIDATES, NoCandidates

LONG = " ".join(f"word{n}" for n in range(40)) + " apple pie " + " ".join(f"tail{n}" for n in range(20))


def test_a_long_sentence_offers_the_nearest_words_with_the_answer_among_them(lens):
    question = lens.quiz(LONG, "apple")
    assert len(question.candidates) == MAX_CANDIDATES
    full = lens.quiz(LONG, "apple")  # same forward pass: same numbers
    assert question == full
    positions = [LONG.index(c) for c in question.candidates]
    assert positions == sorted(positions)  # sentence order
    everything = lens.attention(LONG, AttentionQuery("apple", hide_special=True))
    assert question.right in LONG and question.weights[question.answer] == max(question.weights)
    assert everything.word.layer == question.layer


def test_a_sentence_with_no_other_word_is_a_friendly_error(lens):
    with pytest.raises(NoCandidates):
        lens.quiz("apple apple", "apple")


def test_repeated_words_are_one_button(lens):
    question = lens.quiz("the cat saw the dog and the apple", "apple")
    assert question.candidates.count("the") == 1


def test_quiz_json(cli):
    data = cli("quiz", "I am eating an apple", "apple", "--json", "--layer", "2").json()
    assert data["layer"] == 2 and [c["word"] for c in data["candidates"]] == ["I", "am", "eating", "an"]
    assert data["answer_word"] == data["candidates"][data["answer"]]["word"]
    assert set(data) == {
        "model",
        "sentence",
        "word",
        "numbering",
        "layer",
        "question",
        "candidates",
        "answer",
        "answer_word",
    }


def test_quiz_text_marks_the_answer(cli):
    out = cli("quiz", "I am eating an apple", "apple").out
    marked = [line for line in out.splitlines() if line.startswith(" *")]
    assert len(marked) == 1 and "Answer (*):" in out


def test_json_round_trip_of_the_question(lens):
    data = to_json(lens.quiz("I am eating an apple", "apple", layer=1))
    assert data["layer"] == 1
