"""Guess first: "Which word does «word» attend to most in layer L (itself and specials aside)?"

The question and its answer come from the same numbers ``/attention`` shows: the word's row in layer L,
the mean over heads, with [CLS]/[SEP] hidden (rows rescaled over the words, which does not change the
order). A candidate word's weight is the sum over its tokens; a word written several times counts by its
strongest occurrence, so a button stands for one written form.
"""

from __future__ import annotations

from bot.engine.errors import EngineError
from bot.engine.folding import fold_word, sentence_words
from bot.engine.results import AttentionResult, QuizQuestion
from bot.engine.words import find_word

MAX_CANDIDATES = 24  # five rows of five buttons, one of them Reveal


class NoCandidates(EngineError):
    """A sentence with no other word to guess."""

    code = "quiz_no_candidates"

    def __init__(self, word: str) -> None:
        super().__init__(word=word)


def quiz_question(result: AttentionResult, limit: int = MAX_CANDIDATES) -> QuizQuestion:
    """The question for the word and layer of ``result`` (an /attention result with specials hidden)."""
    word = result.word
    sentence = word.analysis.sentence
    row = word.rows[word.layer]
    column_of = {int(index): c for c, index in enumerate(word.columns)}
    own = fold_word(word.span.text)
    best: dict[str, tuple[int, str, float]] = {}  # folded form -> (position, as written, weight)
    for written in sentence_words(sentence.text):
        form = fold_word(written)
        if form == own:
            continue
        occurrence = 1
        while True:
            try:
                span = find_word(sentence, written, occurrence)
            except EngineError:
                break
            if set(span.token_indices) & set(word.span.token_indices):
                break  # the word itself (or the eojeol it is part of)
            weight = float(sum(row[column_of[i]] for i in span.token_indices if i in column_of))
            if form not in best or weight > best[form][2]:
                best[form] = (span.start if form not in best else best[form][0], span.text, weight)
            if occurrence >= span.occurrences:
                break
            occurrence += 1
    if not best:
        raise NoCandidates(word.span.text)
    ranked = sorted(best.values(), key=lambda item: item[0])  # sentence order
    answer = max(range(len(ranked)), key=lambda i: ranked[i][2])
    if len(ranked) > limit:
        ranked, answer = _nearest(ranked, answer, word.span.start, limit)
    return QuizQuestion(
        model=word.analysis.model,
        sentence=sentence.text,
        word=word.span.text,
        layer=word.layer,
        candidates=tuple(written for _, written, _ in ranked),
        weights=tuple(weight for _, _, weight in ranked),
        answer=answer,
    )


def _nearest(
    ranked: list[tuple[int, str, float]], answer: int, target: int, limit: int
) -> tuple[list[tuple[int, str, float]], int]:
    """The ``limit`` words nearest the target, the right answer always among them, in sentence order:
    which one is right is not given away by being the odd one out far away."""
    by_distance = sorted(range(len(ranked)), key=lambda i: (abs(ranked[i][0] - target), i))
    chosen = set(by_distance[:limit])
    if answer not in chosen:
        chosen.remove(max(chosen, key=lambda i: (abs(ranked[i][0] - target), i)))
        chosen.add(answer)
    kept = sorted(chosen)
    return [ranked[i] for i in kept], kept.index(answer)
