"""Characters a reader cannot see, and Hangul: shared by word lookup, morphemes and tables.

*Ignorable* characters are the ones an uncased BERT tokenizer deletes before it reads anything
(``BertNormalizer(clean_text=True)``): control characters other than tab, newline and carriage
return, and format characters (zero-width space U+200B, soft hyphen, byte order mark, bidi marks).
``app\\u200ble`` is one token ``apple``, so lookups drop the same characters from the sentence and
from the typed word, remembering where every kept character came from.

``visible`` is the one way to echo user text that may hold such characters in an error message:
nothing it returns can move a terminal's cursor, clear its screen or reorder the text around it.
"""

from __future__ import annotations

import unicodedata

_KEPT_CONTROLS = "\t\n\r"

# Hangul syllables, the conjoining jamo (and their extensions) and the compatibility jamo an input
# method shows while a syllable is being typed.
_HANGUL_RANGES = (
    (0xAC00, 0xD7A3),
    (0x1100, 0x11FF),
    (0xA960, 0xA97F),
    (0xD7B0, 0xD7FF),
    (0x3131, 0x318E),
)
SYLLABLE_FIRST, SYLLABLE_LAST = 0xAC00, 0xD7A3


def is_ignorable(char: str) -> bool:
    """A character the tokenizer deletes: a control other than tab/newline/CR, or a format character."""
    category = unicodedata.category(char)
    return (category == "Cc" and char not in _KEPT_CONTROLS) or category == "Cf"


def clean(text: str) -> tuple[str, list[int]]:
    """``text`` without ignorable characters, and for each kept character its index in ``text``."""
    kept: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        if not is_ignorable(char):
            kept.append(char)
            origin.append(index)
    return "".join(kept), origin


def without_ignorable(text: str) -> str:
    return clean(text)[0]


def visible(text: str) -> str:
    """User text made safe to echo: C0 controls as their control pictures (ESC as ␛), DEL as ␡, other
    controls, format characters and lone surrogates as ``<U+200B>``. Tab, newline and carriage return
    are left to ``one_line``, which every error message applies."""
    out = []
    for char in text:
        code = ord(char)
        if char in _KEPT_CONTROLS:
            out.append(char)
        elif code < 0x20:
            out.append(chr(0x2400 + code))
        elif code == 0x7F:
            out.append("\u2421")
        elif unicodedata.category(char) in ("Cc", "Cf", "Cs"):
            out.append(f"<U+{code:04X}>")
        else:
            out.append(char)
    return "".join(out)


def shown(text: str) -> str:
    """A word or sentence as an error message shows it: invisible characters dropped (lookups ignore
    them), and anything left that could act on a terminal made visible. A text made only of such
    characters is shown by their names rather than as nothing."""
    kept = without_ignorable(text)
    return visible(kept if kept.strip() else text)


def is_hangul(char: str) -> bool:
    code = ord(char)
    return any(first <= code <= last for first, last in _HANGUL_RANGES)


def has_hangul(text: str) -> bool:
    return any(is_hangul(char) for char in text)


def is_syllable(char: str) -> bool:
    return SYLLABLE_FIRST <= ord(char) <= SYLLABLE_LAST


def is_final_jamo(char: str) -> bool:
    """A conjoining final consonant (ᆫ ᆯ ᆷ ᆸ ...): Kiwi writes endings fused into a syllable this way."""
    return 0x11A8 <= ord(char) <= 0x11FF or 0xD7CB <= ord(char) <= 0xD7FB


def composed(text: str, origin: list[int]) -> tuple[str, list[tuple[int, int]]]:
    """``text`` in NFC (what a morphological analyser expects: decomposed Hangul, as macOS writes
    it, reads as letters otherwise), and for each composed character the span ``[start, end)`` of the
    original text it came from. ``origin`` maps ``text``'s characters to the original (``clean``)."""
    if unicodedata.is_normalized("NFC", text):
        return text, [(at, at + 1) for at in origin]
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    start = 0
    for end in range(1, len(text) + 1):
        if end < len(text) and _continues(text[end]):
            continue
        cluster = unicodedata.normalize("NFC", text[start:end])
        span = (origin[start], origin[end - 1] + 1)
        out.append(cluster)
        spans.extend([span] * len(cluster))
        start = end
    return "".join(out), spans


def _continues(char: str) -> bool:
    """A character that composes with the one before it: a combining mark, or a vowel or final jamo."""
    return unicodedata.combining(char) != 0 or 0x1160 <= ord(char) <= 0x11FF or 0xD7B0 <= ord(char) <= 0xD7FF
