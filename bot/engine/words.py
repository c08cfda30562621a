"""Words as a reader finds them: by characters, folded like an uncased tokenizer folds them, and
mapped to the tokens that carry them through the tokenizer's character offsets.

Korean words carry their particles and endings (``사과를`` is ``사과`` + ``를``), so in a text with
Hangul a word may also be a morpheme of an eojeol, or a run of them: ``사과``, ``를``, ``먹`` (a stem),
``하`` (written ``했`` with ``었``), or a dictionary form (``먹다``). Morphemes come from
``bot.engine.morphemes`` (the optional extra ``bertlens[korean]``); without it, a Hangul word is
guessed by letters, at the start or end of an eojeol, and the result says so.

Characters the tokenizer deletes (zero-width spaces, controls: ``bot.engine.chars``) are ignored the
same way in the sentence and in the typed word, and never echoed raw in an error.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.engine import morphemes
from bot.engine.chars import (
    has_hangul,
    shown,
    without_ignorable,
)
from bot.engine.errors import EmptyText, OccurrenceOutOfRange, WordNotFound
from bot.engine.folding import sentence_words
from bot.engine.tokens import TokenizedSentence
from bot.engine.word_parts import LeftOut, WordPart, matches

_QUOTES = "\"'\u201c\u201d\u2018\u2019`"


@dataclass(frozen=True)
class Located:
    """Where a word sits in the text (no tokens yet)."""

    text: str  # as written in the sentence
    start: int
    end: int
    occurrence: int  # 1-based
    occurrences: int
    part: WordPart | None = None


@dataclass(frozen=True)
class WordSpan:
    """Where a word sits in the sentence, and which tokens carry it."""

    text: str  # as written in the sentence
    start: int
    end: int
    occurrence: int  # 1-based
    occurrences: int
    token_indices: tuple[int, ...]
    part: WordPart | None = None  # set when the word is part of a Korean eojeol (see word_notes)

    @property
    def pieces(self) -> int:
        return len(self.token_indices)

    @property
    def left_out(self) -> str:
        """What of the eojeol was left out: ``를`` for 사과 in 사과를; "" for a whole word."""
        return " ".join(piece.text for piece in self.part.left_out) if self.part else ""


# ------------------------------------------------------------------------------------------ lookup


def _not_found(word: str, text: str) -> WordNotFound:
    """The error, with nothing in it that could act on a terminal or hide in a reply."""
    return WordNotFound(shown(word), shown(text), [shown(w) for w in sentence_words(text)])


def locate(text: str, word: str, occurrence: int = 1, *, wait: bool = True) -> Located:
    """Find ``word`` in ``text`` by characters (and, in Korean, morphemes), without a tokenizer.

    ``wait=False`` never waits for the Korean analyser to load (for the event loop): until it is
    ready, Korean words are guessed from letters. Raises a friendly error when the word is not there.
    """
    if not isinstance(word, str) or not word.strip():
        raise EmptyText("word")
    typed = word.strip()
    query = without_ignorable(typed).strip()
    found = matches(text, query, wait=wait)
    if not found and query.strip(_QUOTES):
        query = query.strip(_QUOTES)  # people type 'apple' or "apple" with the quotes
        found = matches(text, query, wait=wait)
    if not found:
        raise _not_found(typed, text)
    if not 1 <= occurrence <= len(found):
        first = found[0]
        raise OccurrenceOutOfRange(shown(text[first.start : first.end]), occurrence, len(found))
    match = found[occurrence - 1]
    return Located(
        text=text[match.start : match.end],
        start=match.start,
        end=match.end,
        occurrence=occurrence,
        occurrences=len(found),
        part=match.part,
    )


def locate_word(text: str, word: str, occurrence: int = 1, *, wait: bool = True) -> tuple[str, int, int, int]:
    """Find ``word`` in ``text`` by characters alone (no tokenizer, cheap enough for the event loop
    once the Korean analyser is loaded; see ``check_word``).

    Returns ``(word as written, start, end, number of occurrences)`` or raises a friendly error.
    """
    found = locate(text, word, occurrence, wait=wait)
    return found.text, found.start, found.end, found.occurrences


def check_word(text: str, word: str, occurrence: int = 1) -> None:
    """The check to run on the event loop before queueing an analysis: never waits for the Korean
    analyser, and never refuses a Korean word only because the analyser is still loading (the worker,
    which waits for it, decides then)."""
    try:
        locate(text, word, occurrence, wait=False)
    except (WordNotFound, OccurrenceOutOfRange):
        if morphemes.ready() or not morphemes.available() or not has_hangul(text):
            raise


def find_word(sentence: TokenizedSentence, word: str, occurrence: int = 1) -> WordSpan:
    """Locate ``word`` in the sentence by character offsets, not by comparing token strings, so words
    split into several pieces and words with accents or capitals are found like a reader would."""
    found = locate(sentence.text, word, occurrence)
    start, end = found.start, found.end
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
        raise _not_found(word.strip(), sentence.text)
    return WordSpan(
        text=found.text,
        start=start,
        end=end,
        occurrence=occurrence,
        occurrences=found.occurrences,
        token_indices=indices,
        part=found.part,
    )


def word_pieces(sentence: TokenizedSentence, span: WordSpan) -> list[str]:
    """The tokens that carry the word, in order ("token", "##ization")."""
    return [sentence.tokens[i] for i in span.token_indices]


def joined_pieces(sentence: TokenizedSentence, span: WordSpan) -> str:
    """The word's tokens as people are shown them: ``token + ##ization``."""
    return " + ".join(word_pieces(sentence, span))


# ------------------------------------------------------------------------------------------- notes


def word_notes(span: WordSpan | Located, lang: str) -> list[str]:
    """What a reply says about a word taken out of a Korean eojeol: the particle or ending left out,
    morphemes written in one syllable, or that the split was guessed without the analyser."""
    from bot.i18n import t

    part = span.part
    if part is None:
        return []
    word = shown(span.text)
    eojeol = shown(part.eojeol)
    if not part.analysed:
        return [t(lang, "word.guess", word=word, eojeol=eojeol, install=morphemes.INSTALL_HINT)]
    notes = []
    if part.left_out:
        pieces = ", ".join(_piece(piece, lang) for piece in part.left_out)
        notes.append(t(lang, "word.left_out", word=word, eojeol=eojeol, pieces=pieces))
    if part.shares:
        parts = " + ".join(part.shares)
        notes.append(t(lang, "word.shares", written=word, count=len(part.shares), parts=parts))
    elif part.form is not None:
        notes.append(t(lang, "word.form", form=part.form, written=word))
    return notes


def _piece(piece: LeftOut, lang: str) -> str:
    from bot.i18n import t

    kinds = list(dict.fromkeys(morphemes.group_name(tag, lang) for tag in piece.tags))
    if not kinds:
        return t(lang, "word.piece.bare", text=shown(piece.text))
    return t(lang, "word.piece", text=shown(piece.text), kinds="·".join(kinds))
