"""Words as a reader finds them: by characters, folded like an uncased tokenizer folds them, and
mapped to the tokens that carry them through the tokenizer's character offsets."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.engine.errors import EmptyText, OccurrenceOutOfRange, WordNotFound
from bot.engine.tokens import TokenizedSentence

# Words as people type them: letters/digits, with inner apostrophes or hyphens ("isn't", "state-of-the-art").
_WORD_RE = re.compile(r"\w+(?:['\u2019\-]\w+)*")
_QUOTES = "\"'\u201c\u201d\u2018\u2019`"


@dataclass(frozen=True)
class WordSpan:
    """Where a word sits in the sentence, and which tokens carry it."""

    text: str  # as written in the sentence
    start: int
    end: int
    occurrence: int  # 1-based
    occurrences: int
    token_indices: tuple[int, ...]

    @property
    def pieces(self) -> int:
        return len(self.token_indices)


def sentence_words(text: str) -> list[str]:
    """Distinct words of a sentence in order (case-insensitive), as written: for errors and autocomplete."""
    # Split the folded text, as lookups see it, so a decomposed accent ("nai\u0308ve") does not cut a
    # word in two and every listed word can be found again.
    haystack, origin = _fold(text)
    seen: dict[str, str] = {}
    for match in _WORD_RE.finditer(haystack):
        start, end = origin[match.start()], _with_marks(text, origin[match.end() - 1] + 1)
        seen.setdefault(match.group(), text[start:end])
    return list(seen.values())


def _fold(text: str) -> tuple[str, list[int]]:
    """Lower-case and strip accents as an uncased WordPiece tokenizer does, remembering where each
    folded character came from so matches map back to the original text's offsets."""
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        for part in unicodedata.normalize("NFD", char):
            if unicodedata.category(part) == "Mn":
                continue
            for folded in part.casefold():
                chars.append(folded)
                origin.append(index)
    return "".join(chars), origin


def fold_word(text: str) -> str:
    """The form words are compared in: lower-case, accents stripped (for autocomplete and lookups)."""
    return _fold(text)[0]


def _with_marks(text: str, end: int) -> int:
    """Move a span's end past the combining marks that follow it: they belong to its last letter."""
    while end < len(text) and not _fold(text[end])[0]:
        end += 1
    return end


def _is_wordish(char: str) -> bool:
    return char.isalnum() or char == "_"


def _find_spans(text: str, word: str) -> list[tuple[int, int]]:
    haystack, origin = _fold(text)
    needle, _ = _fold(word)
    if not needle:
        return []
    spans = []
    at = haystack.find(needle)
    while at != -1:
        end = at + len(needle)
        # Whole words only: "apple" must not match inside "pineapple" or "apples".
        left_ok = not _is_wordish(needle[0]) or at == 0 or not _is_wordish(haystack[at - 1])
        right_ok = not _is_wordish(needle[-1]) or end == len(haystack) or not _is_wordish(haystack[end])
        if left_ok and right_ok:
            spans.append((origin[at], _with_marks(text, origin[end - 1] + 1)))
            at = haystack.find(needle, end)
        else:
            at = haystack.find(needle, at + 1)
    return spans


def locate_word(text: str, word: str, occurrence: int = 1) -> tuple[str, int, int, int]:
    """Find ``word`` in ``text`` by characters alone (no tokenizer, cheap enough for the event loop).

    Returns ``(word as written, start, end, number of occurrences)`` or raises a friendly error.
    """
    if not isinstance(word, str) or not word.strip():
        raise EmptyText("word")
    query = word.strip()
    spans = _find_spans(text, query)
    if not spans and query.strip(_QUOTES):
        query = query.strip(_QUOTES)  # people type 'apple' or "apple" with the quotes
        spans = _find_spans(text, query)
    if not spans:
        raise WordNotFound(word.strip(), text, sentence_words(text))
    if not 1 <= occurrence <= len(spans):
        raise OccurrenceOutOfRange(text[spans[0][0] : spans[0][1]], occurrence, len(spans))
    start, end = spans[occurrence - 1]
    return text[start:end], start, end, len(spans)


def find_word(sentence: TokenizedSentence, word: str, occurrence: int = 1) -> WordSpan:
    """Locate ``word`` in the sentence by character offsets, not by comparing token strings, so words
    split into several pieces and words with accents or capitals are found like a reader would."""
    written, start, end, count = locate_word(sentence.text, word, occurrence)
    covering = {
        i
        for i, offset in enumerate(sentence.offsets)
        if offset is not None and offset[0] < end and offset[1] > start and offset[1] > offset[0]
    }
    # A bare word-start marker ("▁", "Ġ") just before the word is part of it.
    covering |= {i - 1 for i in covering if i > 0 and sentence.bare_word_start(i - 1)}
    indices = tuple(sorted(covering))
    if not indices:
        # Only characters the tokenizer drops (control characters and the like).
        raise WordNotFound(word.strip(), sentence.text, sentence_words(sentence.text))
    return WordSpan(
        text=written,
        start=start,
        end=end,
        occurrence=occurrence,
        occurrences=count,
        token_indices=indices,
    )


def word_pieces(sentence: TokenizedSentence, span: WordSpan) -> list[str]:
    """The tokens that carry the word, in order ("token", "##ization")."""
    return [sentence.tokens[i] for i in span.token_indices]


def joined_pieces(sentence: TokenizedSentence, span: WordSpan) -> str:
    """The word's tokens as people are shown them: ``token + ##ization``."""
    return " + ".join(word_pieces(sentence, span))
