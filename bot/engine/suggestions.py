"""Words to offer while a word is being typed (Discord's autocomplete): the sentence's words and, for
Korean, its morphemes, matched the way lookup matches them (``bot.engine.words``), with half-typed
Hangul syllables understood."""

from __future__ import annotations

import unicodedata

from bot.engine import morphemes
from bot.engine.chars import has_hangul, is_syllable, without_ignorable
from bot.engine.folding import fold_word, is_wordish, words_with_positions

SUGGESTION_CHARS = 100  # Discord's limit for an autocomplete choice
_SUGGESTION_TEXT = 2000  # autocomplete looks at this much of the sentence


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
    ranked: list[tuple[int, int, str]] = [(start, 0, word) for start, word in words_with_positions(text)]
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
        if folded in seen or len(offer) > SUGGESTION_CHARS or not any(map(is_wordish, folded)):
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
