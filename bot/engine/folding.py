"""How words are compared: folded as an uncased WordPiece tokenizer folds text (lower case, accents
stripped, invisible characters dropped), with every folded character mapped back to where it was
written, so a match in the folded text is a span of the sentence as typed."""

from __future__ import annotations

import functools
import re
import unicodedata

from bot.engine.chars import is_ignorable

# Words as people type them: letters/digits, with inner apostrophes or hyphens ("isn't", "state-of-the-art").
WORD_RE = re.compile(r"\w+(?:['\u2019\-]\w+)*")
RUN_RE = re.compile(r"\w+")


def sentence_words(text: str) -> list[str]:
    """Distinct words of a sentence in order (case-insensitive), as written: for errors and autocomplete."""
    # Split the folded text, as lookups see it, so a decomposed accent ("nai\u0308ve") does not cut a
    # word in two and every listed word can be found again.
    return [written for _, written in words_with_positions(text)]


def words_with_positions(text: str) -> list[tuple[int, str]]:
    haystack, origin = fold(text)
    seen: dict[str, tuple[int, str]] = {}
    for match in WORD_RE.finditer(haystack):
        start, end = origin[match.start()], with_marks(text, origin[match.end() - 1] + 1)
        seen.setdefault(match.group(), (start, text[start:end]))
    return list(seen.values())


def fold(text: str) -> tuple[str, tuple[int, ...]]:
    """Lower-case and strip accents as an uncased WordPiece tokenizer does, and drop the characters it
    deletes (zero-width, controls), remembering where each folded character came from so matches map
    back to the original text's offsets."""
    # Words, morphemes and sentences are folded again at every keystroke of an autocomplete: cached,
    # many short texts and a few sentences (a few MB at most).
    return _fold_short(text) if len(text) <= 64 else _fold_long(text)


def _fold_text(text: str) -> tuple[str, tuple[int, ...]]:
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        if is_ignorable(char):
            continue
        for part in unicodedata.normalize("NFD", char):
            if unicodedata.category(part) == "Mn":
                continue
            for folded in part.casefold():
                chars.append(folded)
                origin.append(index)
    return "".join(chars), tuple(origin)


_fold_short = functools.lru_cache(maxsize=4096)(_fold_text)
_fold_long = functools.lru_cache(maxsize=32)(_fold_text)


def fold_word(text: str) -> str:
    """The form words are compared in: lower-case, accents and invisible characters stripped (for
    autocomplete and lookups)."""
    return fold(text)[0]


def with_marks(text: str, end: int) -> int:
    """Move a span's end past the combining marks that follow it: they belong to its last letter (but
    not past invisible characters, which belong to nothing)."""
    while end < len(text) and not is_ignorable(text[end]) and not fold(text[end])[0]:
        end += 1
    return end


def is_wordish(char: str) -> bool:
    return char.isalnum() or char == "_"


def find_spans(text: str, word: str) -> list[tuple[int, int]]:
    haystack, origin = fold(text)
    needle, _ = fold(word)
    if not needle:
        return []
    spans = []
    at = haystack.find(needle)
    while at != -1:
        end = at + len(needle)
        # Whole words only: "apple" must not match inside "pineapple" or "apples".
        left_ok = not is_wordish(needle[0]) or at == 0 or not is_wordish(haystack[at - 1])
        right_ok = not is_wordish(needle[-1]) or end == len(haystack) or not is_wordish(haystack[end])
        if left_ok and right_ok:
            spans.append((origin[at], with_marks(text, origin[end - 1] + 1)))
            at = haystack.find(needle, end)
        else:
            at = haystack.find(needle, at + 1)
    return spans
