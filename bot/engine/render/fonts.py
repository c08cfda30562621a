"""Fonts and rasterised text: which font draws each character, and text masks drawn once and reused.

FreeType rendering is most of what drawing text costs, and labels, values and titles repeat across
images, so every (text, size, weight) is rasterised once into an 8-bit coverage mask and cached.

Fonts, in fallback order (a character is drawn by the first font whose character map has it):

1. DejaVu Sans, from matplotlib: Latin, Greek, Cyrillic, most symbols;
2. the Hangul subset of Noto Sans CJK KR shipped in ``font_files/`` (OFL-1.1, see its README): all
   11,172 syllables, conjoining jamo (what an uncased WordPiece tokenizer makes of Hangul) and
   compatibility jamo, CJK punctuation and full-width forms. It comes with ``pip install``, so Korean
   renders on machines without any system font;
3. a system CJK font if one is installed (hanja, kana), optional.

A grapheme cluster that no font can draw (an emoji, a hanja without a system CJK font) becomes a small
box with its code point in hex (``1F34E``, ``1F468+`` for a sequence), never a font's anonymous
``.notdef`` box. ``undrawable()`` tells ahead of time which characters of some texts would be boxes.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

import matplotlib
import regex
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

log = logging.getLogger("bertlens")

FONT_DIR = str(resources.files("bot.engine.render") / "font_files")
HANGUL_FONT = (
    os.path.join(FONT_DIR, "NotoSansCJKkr-Hangul-Regular.otf"),
    os.path.join(FONT_DIR, "NotoSansCJKkr-Hangul-Bold.otf"),
)
# Installed CJK families that add what the shipped subset lacks (hanja, kana), best coverage first.
SYSTEM_CJK_FAMILIES = ("Noto Sans CJK KR", "Noto Sans CJK JP", "Noto Sans KR", "NanumGothic")


def _system_font(family: str, weight: str) -> str | None:
    try:
        props = font_manager.FontProperties(family=family, weight=weight)
        return str(font_manager.findfont(props, fallback_to_default=False))
    except ValueError:
        return None


def _font_files() -> list[tuple[str, str]]:
    """(regular, bold) font files in fallback order: DejaVu, the shipped Hangul font, a system CJK font."""
    ttf = os.path.join(matplotlib.get_data_path(), "fonts", "ttf")
    files = [(os.path.join(ttf, "DejaVuSans.ttf"), os.path.join(ttf, "DejaVuSans-Bold.ttf"))]
    if all(os.path.isfile(path) for path in HANGUL_FONT):
        files.append(HANGUL_FONT)
    for family in SYSTEM_CJK_FAMILIES:
        regular = _system_font(family, "normal")
        if regular is not None:
            files.append((regular, _system_font(family, "bold") or regular))
            break
    return files


FONT_FILES = _font_files()


@cache
def _charmap(path: str) -> frozenset[int]:
    return frozenset(FT2Font(path).get_charmap())


_local = threading.local()


def _font(index: int, size: int, bold: bool) -> ImageFont.FreeTypeFont:
    """Fonts per thread: a FreeType face must not be used by two threads at once."""
    fonts: dict[tuple[int, int, bool], ImageFont.FreeTypeFont] = _local.__dict__.setdefault("fonts", {})
    key = (index, size, bold)
    if key not in fonts:
        fonts[key] = ImageFont.truetype(FONT_FILES[index][1 if bold else 0], size)
    return fonts[key]


NO_FONT = -1  # the run index of a grapheme cluster that no font has: drawn as a placeholder box
_GRAPHEMES = regex.compile(r"\X")
# Characters that draw nothing: joiners, variation selectors (the U+FE0F of ❤️), tag characters.
_IGNORABLE = regex.compile(r"\p{Default_Ignorable_Code_Point}")


def graphemes(text: str) -> list[str]:
    """User-perceived characters: 👨‍👩‍👧 (five code points), 🇰🇷 (two) and ᄉ+ᅡ are one each."""
    return _GRAPHEMES.findall(text)


def _invisible(char: str, *, alone: bool = False) -> bool:
    """Marks that may be dropped when no font has them: default-ignorables, and skin-tone modifiers
    inside a cluster (alone, a modifier shows as a colour swatch)."""
    return bool(_IGNORABLE.match(char)) or (not alone and 0x1F3FB <= ord(char) <= 0x1F3FF)


def _font_for(char: str, bold: bool) -> int:
    code = ord(char)
    side = 1 if bold else 0
    return next((i for i, files in enumerate(FONT_FILES) if code in _charmap(files[side])), NO_FONT)


@lru_cache(maxsize=4096)
def _runs(text: str, bold: bool = False) -> tuple[tuple[int, str], ...]:
    """Split text into runs for the first font that has each character (DejaVu lacks Hangul).

    Grapheme clusters stay in their first character's font where it can draw the rest. A cluster whose
    first character no font has is one ``NO_FONT`` run of its own (one placeholder box); marks that
    draw nothing and that no font has are dropped; any other character no font has is a box of its own.
    A space after a run of a fallback font stays in that run (Korean words: one run, not one per word).
    """
    primary = _charmap(FONT_FILES[0][1 if bold else 0])
    if all(ord(char) in primary for char in text):
        return ((0, text),)
    side = 1 if bold else 0
    runs: list[tuple[int, str]] = []
    for cluster in graphemes(text):
        base = _font_for(cluster[0], bold)
        if base == NO_FONT and not _invisible(cluster[0], alone=True):
            runs.append((NO_FONT, cluster))
            continue
        for char in cluster:
            index = base if base != NO_FONT and ord(char) in _charmap(FONT_FILES[base][side]) else None
            if (
                char == " "
                and runs
                and runs[-1][0] > 0
                and ord(char) in _charmap(FONT_FILES[runs[-1][0]][side])
            ):
                index = runs[-1][0]  # a space after Hangul stays in its run: half as many runs to draw
            if index is None:
                index = _font_for(char, bold)
            if index == NO_FONT:
                if not _invisible(char):
                    runs.append((NO_FONT, char))
                continue
            if runs and runs[-1][0] == index:
                runs[-1] = (index, runs[-1][1] + char)
            else:
                runs.append((index, char))
    return tuple(runs) or ((0, ""),)  # only marks that draw nothing


def printable(text: str) -> str:
    """Text as it is drawn. Control characters (tabs, newlines), line separators and lone format
    characters (a zero-width space, direction marks) would draw as boxes or break lines: they become
    spaces. Format characters inside a grapheme cluster stay: the zero-width joiners of 👨‍👩‍👧 keep the
    family one cluster (one placeholder box, not three), and fonts draw them as nothing."""
    if text.isprintable():
        return text
    chars: list[str] = []
    for cluster in graphemes(text):
        chars.append(cluster[0] if cluster[0].isprintable() else " ")
        chars.extend(c if c.isprintable() or unicodedata.category(c) == "Cf" else " " for c in cluster[1:])
    return "".join(chars)


def undrawable(texts: Iterable[str]) -> list[str]:
    """The grapheme clusters of ``texts`` that no font draws, in regular or bold, each once, in order.

    They would appear as placeholder boxes. For a start-up check of the texts the bot draws (the i18n
    tables), cleaned up as for drawing (``printable``: control characters are spaces).
    """
    found: dict[str, None] = {}
    for text in texts:
        clean = printable(text)
        for bold in (False, True):
            found.update((run, None) for index, run in _runs(clean, bold) if index == NO_FONT)
    return list(found)


def describe(cluster: str) -> str:
    """``U+1F34E RED APPLE``; ``U+1F468 U+200D U+1F469 (MAN, ZERO WIDTH JOINER, WOMAN)`` for a sequence."""
    codes = " ".join(f"U+{ord(char):04X}" for char in cluster)
    names = ", ".join(unicodedata.name(char, "unnamed") for char in cluster)
    return f"{codes} {names}" if len(cluster) == 1 else f"{codes} ({names})"


def warn_undrawable(texts: Iterable[str], logger: logging.Logger = log, limit: int = 20) -> list[str]:
    """Log one WARNING if some of ``texts`` would draw placeholder boxes (or the shipped Hangul font is
    missing); return the undrawable clusters. Meant for start-up, over the texts the bot draws."""
    missing = undrawable(texts)
    problems = []
    if HANGUL_FONT not in FONT_FILES:
        problems.append(f"the shipped Hangul font is missing ({HANGUL_FONT[0]}): reinstall bertlens")
    if missing:
        shown = "; ".join(describe(cluster) for cluster in missing[:limit])
        more = f"; and {len(missing) - limit} more" if len(missing) > limit else ""
        problems.append(f"{len(missing)} characters no font draws appear as code-point boxes: {shown}{more}")
    if problems:
        logger.warning("Fonts: %s", ". ".join(problems))
    return missing


PAD = 2  # pixels around a text mask, so antialiased edges are not cut


@dataclass(frozen=True)
class Glyphs:
    mask: PILImage.Image  # 8-bit coverage, drawn with any colour via ImageDraw.bitmap
    width: float  # advance width of the text
    baseline: int  # from the mask's top
    middle: int  # vertical centre of the font's ascender-descender band, from the mask's top


@dataclass(frozen=True)
class Placeholder:
    mask: PILImage.Image  # the box and its label, 8-bit coverage
    width: int  # advance: the box and one pixel either side
    baseline: int  # from the mask's top


def placeholder_label(cluster: str) -> str:
    """``1F34E`` for one code point, ``1F468+`` for a cluster of several."""
    return f"{ord(cluster[0]):04X}" + ("+" if len(cluster) > 1 else "")


@lru_cache(maxsize=1024)
def placeholder(cluster: str, size: int, bold: bool) -> Placeholder:
    """A cluster no font draws: an outlined box as tall as a capital, with its code point in small hex
    digits, so the image says which character it could not draw instead of showing a blank box."""
    small = _font(0, max(8, round(size * 0.55)), bold)
    label = placeholder_label(cluster)
    ascent, descent = _font(0, size, bold).getmetrics()
    top = ascent - round(size * 0.76)  # DejaVu's capitals are 0.73 em tall
    right = math.ceil(small.getlength(label)) + 5  # the box spans x = 1 .. right
    mask = PILImage.new("L", (right + 2, ascent + descent), 0)
    draw = ImageDraw.Draw(mask)
    draw.rectangle((1, top, right, ascent), outline=255, width=1)
    draw.text(((right + 1) / 2, (top + ascent + 1) / 2), label, font=small, fill=255, anchor="mm")
    return Placeholder(mask, right + 2, ascent)


def _advances(runs: tuple[tuple[int, str], ...], size: int, bold: bool) -> list[float]:
    return [
        placeholder(run, size, bold).width if index == NO_FONT else _font(index, size, bold).getlength(run)
        for index, run in runs
    ]


@lru_cache(maxsize=8192)
def text_width(text: str, size: int, bold: bool) -> float:
    """The advance width of ``text``, without rasterising it (shortening text to fit tries many)."""
    return sum(_advances(_runs(text, bold), size, bold))


@lru_cache(maxsize=8192)
def text_mask(text: str, size: int, bold: bool) -> Glyphs:
    """Text rasterised once and reused. Masks are never modified after this."""
    runs = _runs(text, bold)
    fonts = [_font(max(index, 0), size, bold) for index, _ in runs]
    widths = _advances(runs, size, bold)
    width = sum(widths)
    ascent = max(font.getmetrics()[0] for font in fonts)
    descent = max(font.getmetrics()[1] for font in fonts)
    mask = PILImage.new("L", (math.ceil(width) + 2 * PAD, ascent + descent + 2 * PAD), 0)
    draw = ImageDraw.Draw(mask)
    cursor = float(PAD)
    for font, (index, run), advance in zip(fonts, runs, widths, strict=True):
        if index == NO_FONT:
            box = placeholder(run, size, bold)
            mask.paste(255, (round(cursor), PAD + ascent - box.baseline), box.mask)
        else:
            draw.text((cursor, PAD + ascent), run, font=font, fill=255, anchor="ls")
        cursor += advance
    return Glyphs(mask, width, PAD + ascent, PAD + (ascent + descent) // 2)


@lru_cache(maxsize=2048)
def turned_mask(text: str, size: int, bold: bool, angle: float) -> PILImage.Image:
    return text_mask(text, size, bold).mask.rotate(angle, resample=PILImage.Resampling.BICUBIC, expand=True)
