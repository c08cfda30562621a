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

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from bot.engine import morphemes
from bot.engine.chars import (
    has_hangul,
    is_hangul,
    is_ignorable,
    is_syllable,
    shown,
    without_ignorable,
)
from bot.engine.errors import EmptyText, OccurrenceOutOfRange, WordNotFound
from bot.engine.tokens import TokenizedSentence

# Words as people type them: letters/digits, with inner apostrophes or hyphens ("isn't", "state-of-the-art").
_WORD_RE = re.compile(r"\w+(?:['\u2019\-]\w+)*")
_RUN_RE = re.compile(r"\w+")
_QUOTES = "\"'\u201c\u201d\u2018\u2019`"
SUGGESTION_CHARS = 100  # Discord's limit for an autocomplete choice
_SUGGESTION_TEXT = 2000  # autocomplete looks at this much of the sentence


@dataclass(frozen=True)
class LeftOut:
    """Part of an eojeol outside the word asked for (``를`` of ``사과를``), with its morphemes' tags
    (empty when the analyser is not available and the split was guessed from letters)."""

    text: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class WordPart:
    """A word asked for inside a Korean eojeol: what was left out and how it was found."""

    eojeol: str  # the whole eojeol as written (invisible characters dropped): 사과를
    left_out: tuple[LeftOut, ...] = ()  # before and/or after the word: (LeftOut("를", ("JKO",)),)
    tag: str | None = None  # the morpheme's tag when the word is one morpheme: NNG
    form: str | None = None  # the form asked for when the sentence writes it otherwise: 하 (했), 먹다 (먹)
    shares: tuple[str, ...] = ()  # morphemes written together in these characters: (하, 었) for 했
    analysed: bool = True  # False: guessed from letters, the morphological analyser is not available


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


def sentence_words(text: str) -> list[str]:
    """Distinct words of a sentence in order (case-insensitive), as written: for errors and autocomplete."""
    # Split the folded text, as lookups see it, so a decomposed accent ("nai\u0308ve") does not cut a
    # word in two and every listed word can be found again.
    return [written for _, written in _words_with_positions(text)]


def _words_with_positions(text: str) -> list[tuple[int, str]]:
    haystack, origin = _fold(text)
    seen: dict[str, tuple[int, str]] = {}
    for match in _WORD_RE.finditer(haystack):
        start, end = origin[match.start()], _with_marks(text, origin[match.end() - 1] + 1)
        seen.setdefault(match.group(), (start, text[start:end]))
    return list(seen.values())


def _fold(text: str) -> tuple[str, tuple[int, ...]]:
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
    return _fold(text)[0]


def _with_marks(text: str, end: int) -> int:
    """Move a span's end past the combining marks that follow it: they belong to its last letter (but
    not past invisible characters, which belong to nothing)."""
    while end < len(text) and not is_ignorable(text[end]) and not _fold(text[end])[0]:
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


# ------------------------------------------------------------------------------------ Korean parts


@dataclass(frozen=True)
class _Match:
    start: int
    end: int
    part: WordPart | None = None


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """A span without invisible characters at its ends."""
    while start < end and is_ignorable(text[start]):
        start += 1
    while end > start and is_ignorable(text[end - 1]):
        end -= 1
    return start, end


def _core(text: str, start: int, end: int) -> tuple[int, int]:
    """An eojeol without the punctuation around it: 사과를 of “사과를,”."""
    while start < end and not _is_wordish(text[start]):
        start += 1
    while end > start and not (_is_wordish(text[end - 1]) or unicodedata.category(text[end - 1]) == "Mn"):
        end -= 1
    return start, end


def _morpheme_matches(
    text: str, needle: str, analysis: morphemes.Analysis
) -> tuple[list[_Match], list[_Match]]:
    """Spans of morphemes (or runs of them within one eojeol) written ``needle``, or whose form is
    ``needle`` (하 in 했); and, apart, those whose dictionary form is ``needle`` (먹다 for 먹)."""
    found: list[_Match] = []
    by_lemma: list[_Match] = []
    for index, eojeol in enumerate(analysis.eojeols):
        if not has_hangul(text[eojeol[0] : eojeol[1]]):
            continue  # words without Hangul keep the whole-word rule
        core = _core(text, *eojeol)
        inside = analysis.in_eojeol(index)
        written = [m for m in inside if m.written]
        cuts = sorted(
            {p for m in written for p in (m.start, m.end) if not any(o.start < p < o.end for o in written)}
        )
        spans: set[tuple[int, int]] = set()
        for i, a in enumerate(cuts):
            for b in cuts[i + 1 :]:
                if fold_word(text[a:b]) == needle:
                    spans.add(_trim(text, a, b))
        spans |= {(m.start, m.end) for m in written if fold_word(m.surface) == needle}
        found.extend(_Match(a, b, _part(text, core, inside, a, b)) for a, b in sorted(spans))
        for m in written:
            if fold_word(m.form) == needle and fold_word(m.surface) != needle:
                found.append(_Match(m.start, m.end, _part(text, core, inside, m.start, m.end, m)))
            elif fold_word(m.lemma) == needle and m.lemma != m.form:
                by_lemma.append(_Match(m.start, m.end, _part(text, core, inside, m.start, m.end, m, m.lemma)))
    return found, by_lemma


def _part(
    text: str,
    core: tuple[int, int],
    inside: Sequence[morphemes.Morpheme],
    start: int,
    end: int,
    asked: morphemes.Morpheme | None = None,
    form: str | None = None,
) -> WordPart | None:
    """What to tell about ``text[start:end]`` inside its eojeol ``core``: the rest left out, and, when
    one morpheme was asked for (``asked``, by its form or dictionary form) or a morpheme is only
    partly inside, the morphemes written in the same letters."""
    overlapping = [m for m in inside if m.written and m.start < end and m.end > start]
    partly = any(m.start < start or m.end > end for m in overlapping)
    shares = tuple(m.form for m in overlapping) if (partly or asked) and len(overlapping) > 1 else ()
    tag: str | None
    if asked is not None:
        tag = asked.tag
        form = form or asked.form
    else:
        exact = [m for m in overlapping if (m.start, m.end) == (start, end)]
        tag = exact[0].tag if len(exact) == 1 else None
    left_out = []
    for side_start, side_end in ((core[0], start), (end, core[1])):
        piece = without_ignorable(text[side_start:side_end]) if side_start < side_end else ""
        if not piece.strip():
            continue
        tags = tuple(
            m.tag
            for m in inside
            if (m.written and m.start < side_end and m.end > side_start)
            or (not m.written and side_start <= m.start <= side_end)
        )
        left_out.append(LeftOut(piece, tags))
    if not left_out and not shares and form is None:
        return None
    return WordPart(
        eojeol=without_ignorable(text[core[0] : core[1]]),
        left_out=tuple(left_out),
        tag=tag,
        form=form,
        shares=shares,
    )


def _guessed_matches(text: str, needle: str) -> list[_Match]:
    """Without the analyser: a Hangul word at the start or the end of an eojeol (사과 or 를 of 사과를),
    cut between characters, with Hangul on one side of the cut at least ("apple" stays out of
    "pineapple" and "apples", but is found in "Apple은")."""
    haystack, origin = _fold(text)
    found = []
    for run in _RUN_RE.finditer(haystack):
        first, last = run.span()
        word = run.group()
        if len(needle) >= len(word) or not has_hangul(word):
            continue
        cuts = []
        if word.startswith(needle):
            cuts.append((first, first + len(needle), first + len(needle)))
        if word.endswith(needle):
            cuts.append((last - len(needle), last, last - len(needle)))
        for a, b, cut in cuts:
            between_characters = origin[cut - 1] != origin[cut]
            if between_characters and (is_hangul(haystack[cut - 1]) or is_hangul(haystack[cut])):
                start, end = origin[a], _with_marks(text, origin[b - 1] + 1)
                core = (origin[first], _with_marks(text, origin[last - 1] + 1))
                rest = [(core[0], start), (end, core[1])]
                left_out = tuple(
                    LeftOut(without_ignorable(text[s:e])) for s, e in rest if without_ignorable(text[s:e])
                )
                part = WordPart(
                    eojeol=without_ignorable(text[core[0] : core[1]]), left_out=left_out, analysed=False
                )
                found.append(_Match(start, end, part))
    return found


def _matches(text: str, query: str, *, wait: bool) -> list[_Match]:
    needle = fold_word(query)
    if not needle:
        return []
    found = [_Match(start, end) for start, end in _find_spans(text, query)]
    if has_hangul(text):
        analysis = morphemes.analyse(text, wait=wait)
        if analysis is not None:
            parts, by_lemma = _morpheme_matches(text, needle, analysis)
            found += parts
            if not found:
                found = by_lemma  # 먹다 for 먹었다's 먹, only when nothing is written 먹다
        else:
            found += _guessed_matches(text, needle)
    return _distinct(found)


def _distinct(found: list[_Match]) -> list[_Match]:
    """One match per place: the same span found twice keeps what is known about it; a span inside or
    across another is dropped, so occurrences never overlap."""
    best: dict[tuple[int, int], _Match] = {}
    for match in found:
        key = (match.start, match.end)
        if key not in best or (best[key].part is None and match.part is not None):
            best[key] = match
    kept: list[_Match] = []
    for match in sorted(best.values(), key=lambda m: (m.start, m.start - m.end)):
        if all(match.start >= k.end or match.end <= k.start for k in kept):
            kept.append(match)
    return sorted(kept, key=lambda m: m.start)


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
    found = _matches(text, query, wait=wait)
    if not found and query.strip(_QUOTES):
        query = query.strip(_QUOTES)  # people type 'apple' or "apple" with the quotes
        found = _matches(text, query, wait=wait)
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


# ------------------------------------------------------------------------------------ autocomplete


def word_suggestions(sentence: str, typed: str, limit: int = 25) -> list[str]:
    """Words to offer while ``typed`` is being typed: the sentence's words (eojeol and English words)
    and, for Korean, its morphemes (nouns and stems first, particles and endings last). Prefix matches
    come first, then words containing what is typed; case, accents and invisible characters do not
    count, and a half-typed Hangul syllable (사ㄱ, 삭 on the way to 사과) matches. Each suggestion
    is found again by ``locate``, is at most 100 characters, and appears once.

    Cheap enough for every keystroke on the event loop: it never waits for the Korean analyser
    (until it is loaded, only whole words are offered) and analyses are cached per sentence.
    """
    text = sentence[:_SUGGESTION_TEXT]
    ranked: list[tuple[int, int, str]] = [(start, 0, word) for start, word in _words_with_positions(text)]
    analysis = morphemes.analyse(text, wait=False)
    if analysis is not None:
        korean = [has_hangul(text[start:end]) for start, end in analysis.eojeols]
        for m in analysis.morphemes:
            eojeol = analysis.eojeol_of(m.start)
            if not m.written or eojeol is None or not korean[eojeol]:
                continue  # outside Korean eojeols, words are whole words (as lookups find them)
            offer = m.surface if fold_word(m.surface) == fold_word(m.form) else m.form
            ranked.append((m.start, 1 if m.group in morphemes.CONTENT_GROUPS else 2, offer))
    candidates = [word for _, _, word in sorted(ranked, key=lambda r: (r[1] == 2, r[0], r[1]))]
    typed_forms = _typed_forms(typed)
    starts: list[str] = []
    contains: list[str] = []
    seen: set[str] = set()
    for candidate in candidates:
        offer = without_ignorable(candidate)
        folded = fold_word(offer)
        if folded in seen or len(offer) > SUGGESTION_CHARS or not any(map(_is_wordish, folded)):
            continue
        if any(folded.startswith(form) for form in typed_forms):
            starts.append(offer)
        elif any(form in folded for form in typed_forms):
            contains.append(offer)
        else:
            continue
        seen.add(folded)
    return (starts + contains)[:limit]


# Compatibility jamo, as an input method shows a letter being typed, -> the initial or the vowel.
_COMPAT_INITIALS = dict(zip("ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ", range(0x1100, 0x1113), strict=True))
_COMPAT_VOWELS = {chr(0x314F + i): chr(0x1161 + i) for i in range(21)}
# A final consonant typed last may be the next syllable's initial (삭 on the way to 사과).
_FINAL_TO_INITIAL = {
    0x11A8: "\u1100", 0x11A9: "\u1101", 0x11AB: "\u1102", 0x11AE: "\u1103", 0x11AF: "\u1105",
    0x11B7: "\u1106", 0x11B8: "\u1107", 0x11BA: "\u1109", 0x11BB: "\u110a", 0x11BC: "\u110b",
    0x11BD: "\u110c", 0x11BE: "\u110e", 0x11BF: "\u110f", 0x11C0: "\u1110", 0x11C1: "\u1111",
    0x11C2: "\u1112",
    # two-letter finals: the second letter moves (닭 on the way to 달과 is 달 + ᄀ)
    0x11AA: "\u11a8\u1109", 0x11AC: "\u11ab\u110c", 0x11AD: "\u11ab\u1112", 0x11B0: "\u11af\u1100",
    0x11B1: "\u11af\u1106", 0x11B2: "\u11af\u1107", 0x11B3: "\u11af\u1109", 0x11B4: "\u11af\u1110",
    0x11B5: "\u11af\u1111", 0x11B6: "\u11af\u1112", 0x11B9: "\u11b8\u1109",
}  # fmt: skip


def _typed_forms(typed: str) -> list[str]:
    """What is typed, folded, and the forms a half-typed last syllable may still become."""
    text = without_ignorable(typed).strip()
    if not text:
        return [""]
    last = text[-1]
    head = fold_word(text[:-1])
    if last in _COMPAT_INITIALS:
        return [head + chr(_COMPAT_INITIALS[last])]
    if last in _COMPAT_VOWELS:
        return [head + _COMPAT_VOWELS[last]]
    forms = [fold_word(text)]
    if is_syllable(last):
        jamo = unicodedata.normalize("NFD", last)
        if len(jamo) == 3 and (moved := _FINAL_TO_INITIAL.get(ord(jamo[2]))) is not None:
            # 삭 -> 사 + ᄀ; 닭 -> 달 + ᄀ (the kept final is written as a conjoining final)
            forms.append(head + jamo[:2] + moved)
    return forms
