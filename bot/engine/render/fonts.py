"""Fonts and rasterised text: which font draws each character, and text masks drawn once and reused.

FreeType rendering is most of what drawing text costs, and labels, values and titles repeat across
images, so every (text, size, weight) is rasterised once into an 8-bit coverage mask and cached.
"""

from __future__ import annotations

import math
import os
import threading
from dataclasses import dataclass
from functools import cache, lru_cache

import matplotlib
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont


def _font_files() -> list[tuple[str, str]]:
    """(regular, bold) font files in fallback order: DejaVu, then a Hangul/CJK font if installed."""
    ttf = os.path.join(matplotlib.get_data_path(), "fonts", "ttf")
    files = [(os.path.join(ttf, "DejaVuSans.ttf"), os.path.join(ttf, "DejaVuSans-Bold.ttf"))]
    for family in ("Noto Sans CJK KR", "NanumGothic", "Noto Sans KR", "Noto Sans CJK JP"):
        try:
            path = font_manager.findfont(
                font_manager.FontProperties(family=family), fallback_to_default=False
            )
        except ValueError:
            continue
        files.append((path, path))
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


@lru_cache(maxsize=4096)
def _runs(text: str) -> tuple[tuple[int, str], ...]:
    """Split text into runs for the first font that has each character (DejaVu lacks Hangul)."""
    primary = _charmap(FONT_FILES[0][0])
    if all(ord(char) in primary for char in text):
        return ((0, text),)
    runs: list[tuple[int, str]] = []
    for char in text:
        index = next((i for i, (path, _) in enumerate(FONT_FILES) if ord(char) in _charmap(path)), 0)
        if runs and runs[-1][0] == index:
            runs[-1] = (index, runs[-1][1] + char)
        else:
            runs.append((index, char))
    return tuple(runs)


PAD = 2  # pixels around a text mask, so antialiased edges are not cut


@dataclass(frozen=True)
class Glyphs:
    mask: PILImage.Image  # 8-bit coverage, drawn with any colour via ImageDraw.bitmap
    width: float  # advance width of the text
    baseline: int  # from the mask's top
    middle: int  # vertical centre of the font's ascender-descender band, from the mask's top


@lru_cache(maxsize=8192)
def text_mask(text: str, size: int, bold: bool) -> Glyphs:
    """Text rasterised once and reused. Masks are never modified after this."""
    runs = _runs(text)
    fonts = [_font(index, size, bold) for index, _ in runs]
    width = sum(font.getlength(run) for font, (_, run) in zip(fonts, runs, strict=True))
    ascent = max(font.getmetrics()[0] for font in fonts)
    descent = max(font.getmetrics()[1] for font in fonts)
    mask = PILImage.new("L", (math.ceil(width) + 2 * PAD, ascent + descent + 2 * PAD), 0)
    draw = ImageDraw.Draw(mask)
    cursor = float(PAD)
    for font, (_, run) in zip(fonts, runs, strict=True):
        draw.text((cursor, PAD + ascent), run, font=font, fill=255, anchor="ls")
        cursor += font.getlength(run)
    return Glyphs(mask, width, PAD + ascent, PAD + (ascent + descent) // 2)


@lru_cache(maxsize=2048)
def turned_mask(text: str, size: int, bold: bool, angle: float) -> PILImage.Image:
    return text_mask(text, size, bold).mask.rotate(angle, resample=PILImage.Resampling.BICUBIC, expand=True)
