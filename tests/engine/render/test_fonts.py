"""Fonts: Hangul is drawn with real glyphs on a machine without any system font, characters no font has
are visible placeholders, and the texts the bot draws (the i18n tables) are all drawable.

"Real glyph" is proven through the project's own drawing path (``fonts.text_mask``), the way the font
would fail: a character a font does not map is drawn as that font's ``.notdef`` glyph (glyph 0), which
has ink, so ink proves nothing. Each check below compares against the ``.notdef`` mask itself, and the
negative controls show the same checks failing with DejaVu alone (today's only other font).
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator, Sequence
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image as PILImage

from bot.engine.render import canvas, fonts, panels
from bot.engine.render.canvas import Canvas, printable
from bot.engine.render.style import BACKGROUND, FOREGROUND, LABEL_PX, MARGIN, SMALL_PX, TITLE_PX, rgb
from bot.i18n import STRINGS

ROOT = Path(__file__).resolve().parents[3]
DEJAVU = fonts.FONT_FILES[0]
HANGUL = fonts.HANGUL_FONT
SHIPPED = [DEJAVU, HANGUL]  # what pip installs; a system CJK font, if any, is left out for determinism

SYLLABLES = [chr(c) for c in range(0xAC00, 0xD7A4)]  # all 11,172
CONJOINING = [chr(c) for c in range(0x1100, 0x1200)]  # all 256 conjoining jamo
MODERN_L = [chr(c) for c in range(0x1100, 0x1113)]  # the 19 initial consonants of modern syllables
MODERN_V = [chr(c) for c in range(0x1161, 0x1176)]  # 21 vowels
MODERN_T = [chr(c) for c in range(0x11A8, 0x11C3)]  # 27 final consonants
COMPATIBILITY = [chr(c) for c in range(0x3131, 0x318F)]  # the 94 compatibility jamo (ㄱ, ㅏ, ㅋㅋ)
FILLERS = {"\u115f", "\u1160", "\u3164"}  # Hangul fillers: blank by design
PROBE = "\U0010fffd"  # a private-use code point no font maps: drawn as .notdef if forced into a font
APPLE = "\U0001f34e"  # 🍎
GREEN_APPLE = "\U0001f34f"
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # man ZWJ woman ZWJ girl: one grapheme cluster


CACHED = (
    fonts._runs,
    fonts.text_width,
    fonts.text_mask,
    fonts.turned_mask,
    fonts.placeholder,
)  # even while one is patched


def clear_caches() -> None:
    for cached in CACHED:
        cached.cache_clear()
    fonts._local.__dict__.clear()  # this thread's FreeType faces, keyed by position in FONT_FILES


@pytest.fixture
def use_fonts(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Sequence[tuple[str, str]]], None]]:
    """Point the renderer at a font chain; every cache is dropped now and after the test."""

    def use(files: Sequence[tuple[str, str]]) -> None:
        monkeypatch.setattr(fonts, "FONT_FILES", list(files))
        clear_caches()

    yield use
    clear_caches()


def ink(mask: PILImage.Image) -> bytes:
    """The inked part of a mask with its size: equal for equal drawings wherever they sit."""
    box = mask.getbbox()
    if box is None:
        return b""
    cropped = mask.crop(box)
    return repr(cropped.size).encode() + cropped.tobytes()


def notdef_ink(index: int, size: int, bold: bool, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """Font ``index``'s .notdef glyph as ``text_mask`` draws it: a run forced into that font for a code
    point it does not map (what the renderer did for Hangul before the shipped font)."""
    assert ord(PROBE) not in fonts._charmap(fonts.FONT_FILES[index][int(bold)])
    with monkeypatch.context() as patch:
        patch.setattr(fonts, "_runs", lambda text, bold=False: ((index, text),))
        return ink(fonts.text_mask.__wrapped__(PROBE, size, bold).mask)


def glyph_failures(
    chars: Sequence[str], size: int, bold: bool, monkeypatch: pytest.MonkeyPatch
) -> dict[str, list[str]]:
    """For each character, drawn alone through ``text_mask`` with the current chain: is it in a font's
    character map, is it drawn by a font (not a placeholder), is its ink not a .notdef glyph, has it ink."""
    notdefs = {notdef_ink(i, size, bold, monkeypatch) for i in range(len(fonts.FONT_FILES))}
    failures: dict[str, list[str]] = {"not in a cmap": [], "placeholder": [], ".notdef": [], "blank": []}
    for char in chars:
        if not any(ord(char) in fonts._charmap(files[int(bold)]) for files in fonts.FONT_FILES):
            failures["not in a cmap"].append(char)
        if any(index == fonts.NO_FONT for index, _ in fonts._runs(char, bold)):
            failures["placeholder"].append(char)
        drawn = ink(fonts.text_mask(char, size, bold).mask)
        if drawn in notdefs:
            failures[".notdef"].append(char)
        if not drawn and char not in FILLERS:
            failures["blank"].append(char)
    return {check: chars for check, chars in failures.items() if chars}


def distinct_masks(chars: Sequence[str], size: int, bold: bool) -> int:
    masks = {hashlib.blake2b(ink(fonts.text_mask(c, size, bold).mask)).digest() for c in chars}
    return len(masks)


# ------------------------------------------------------------------------------ the shipped font


def test_the_hangul_font_ships_in_the_package_and_is_the_second_font():
    folder = resources.files("bot.engine.render") / "font_files"
    for name in ("NotoSansCJKkr-Hangul-Regular.otf", "NotoSansCJKkr-Hangul-Bold.otf", "OFL.txt", "README.md"):
        assert (folder / name).is_file(), name
    assert Path(HANGUL[0]).parent == Path(str(folder))
    assert fonts.FONT_FILES[:2] == SHIPPED
    assert Path(DEJAVU[0]).name == "DejaVuSans.ttf"


def test_a_system_cjk_font_comes_third(monkeypatch):
    """An installed CJK font (hanja, kana) is used after the shipped one; DejaVu Serif stands in for it."""
    serif = tuple(
        str(Path(DEJAVU[0]).with_name(name)) for name in ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf")
    )
    found = {("NanumGothic", "normal"): serif[0], ("NanumGothic", "bold"): serif[1]}
    monkeypatch.setattr(fonts, "_system_font", lambda family, weight: found.get((family, weight)))
    assert fonts._font_files() == [*SHIPPED, serif]
    monkeypatch.setattr(fonts, "_system_font", lambda family, weight: None)
    assert fonts._font_files() == SHIPPED


def test_licence_and_readme_match_the_files():
    folder = Path(HANGUL[0]).parent
    licence = (folder / "OFL.txt").read_text()
    assert licence.startswith(
        "Copyright 2014-2021 Adobe (http://www.adobe.com/), with Reserved Font Name 'Source'."
    )
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    readme = (folder / "README.md").read_text()
    build = (ROOT / "tools" / "build_hangul_font.py").read_text()
    for constant in ("PACKAGE", "VERSION", "WHEEL_SHA256"):
        value = re.search(rf'^{constant} = "([^"]+)"', build, re.M)
        assert value and value.group(1) in readme, f"the README names the build's {constant}"
    assert "python tools/build_hangul_font.py" in readme
    for path in HANGUL:
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        assert f"`{Path(path).name}`" in readme and digest in readme, (
            f"README lists {Path(path).name}'s sha256"
        )


def test_the_wheel_ships_the_fonts_and_their_licence(tmp_path):
    """`pip install .` (not only -e) must contain the fonts, and OFL.txt among the wheel's licences."""
    pytest.importorskip("setuptools", minversion="77")  # PEP 639: the licence expression, license-files
    source = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("bot", "cogs"):
        shutil.copytree(ROOT / name, source / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
    subprocess.run([*command, "-w", str(tmp_path), "."], check=True, cwd=source, capture_output=True)
    (wheel,) = tmp_path.glob("bertlens-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("NotoSansCJKkr-Hangul-Regular.otf", "NotoSansCJKkr-Hangul-Bold.otf", "OFL.txt", "README.md"):
        assert f"bot/engine/render/font_files/{name}" in names
    assert any(re.search(r"\.dist-info/licenses/.*OFL\.txt$", name) for name in names), sorted(names)
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    assert "License-Expression: MIT AND OFL-1.1" in zipfile.ZipFile(wheel).read(metadata).decode()


def test_every_hangul_code_point_is_in_the_shipped_font_and_none_in_dejavu():
    for path in HANGUL:
        cmap = fonts._charmap(path)
        for chars in (SYLLABLES, CONJOINING, COMPATIBILITY):
            assert all(ord(c) in cmap for c in chars), Path(path).name
    dejavu = fonts._charmap(DEJAVU[0]) | fonts._charmap(DEJAVU[1])
    assert not any(ord(c) in dejavu for c in SYLLABLES + CONJOINING + COMPATIBILITY)


# ---------------------------------------------------------------------- real glyphs, not .notdef


@pytest.mark.parametrize(("size", "bold", "step"), [(LABEL_PX, False, 7), (SMALL_PX, True, 29)])
def test_hangul_syllables_are_drawn_as_distinct_real_glyphs(use_fonts, monkeypatch, size, bold, step):
    use_fonts(SHIPPED)
    sample = SYLLABLES[::step]
    assert glyph_failures(sample, size, bold, monkeypatch) == {}
    assert all(fonts._runs(c, bold) == ((1, c),) for c in sample)
    assert distinct_masks(sample, size, bold) == len(sample)


@pytest.mark.parametrize("bold", [False, True])
def test_jamo_are_drawn_as_real_glyphs(use_fonts, monkeypatch, bold):
    use_fonts(SHIPPED)
    assert glyph_failures(CONJOINING + COMPATIBILITY, LABEL_PX, bold, monkeypatch) == {}
    # Initial, medial and final jamo each have their own shapes; the compatibility letters too.
    for group in (MODERN_L, MODERN_V, MODERN_T, [c for c in COMPATIBILITY if c not in FILLERS]):
        assert distinct_masks(group, LABEL_PX, bold) == len(group)


def test_uncased_wordpiece_jamo_tokens_are_drawn(use_fonts, monkeypatch, bundled_model):
    """The bundled (uncased) tokenizer splits Hangul into conjoining jamo: 사과 -> ᄉ ##ᅡ ##ᄀ ##ᅪ."""
    use_fonts(SHIPPED)
    tokens = bundled_model.tokenizer.tokenize("\uc0ac\uacfc \ub098\ub294")  # 사과 나는
    assert tokens[:4] == ["\u1109", "##\u1161", "##\u1100", "##\u116a"]
    for bold in (False, True):
        for token in tokens:
            jamo = token.removeprefix("##")
            runs = fonts._runs(token, bold)
            assert runs[-1] == (1, jamo) and all(index in (0, 1) for index, _ in runs), (token, runs)
            assert glyph_failures([jamo], LABEL_PX, bold, monkeypatch) == {}
        assert ink(fonts.text_mask(" ".join(tokens), LABEL_PX, bold).mask)


def test_the_fallback_draws_what_the_hangul_font_draws_alone(use_fonts):
    words = ["\ub098\ub294", "\uc0ac\uacfc\ub97c", "\uba39\uc5c8\ub2e4", "\u1109", "\u314b\u314b"]
    drawn = {}
    for chain in (SHIPPED, [HANGUL], [DEJAVU]):
        use_fonts(chain)
        drawn[len(chain), chain[0] == HANGUL] = [
            fonts.text_mask(w, size, bold).mask.tobytes()
            for w in words
            for size in (14, 17, 24)
            for bold in (False, True)
        ]
    assert drawn[2, False] == drawn[1, True], "DejaVu first, then the Hangul font = the Hangul font alone"
    assert all(a != b for a, b in zip(drawn[2, False], drawn[1, False], strict=True)), "DejaVu alone differs"


def test_negative_control_dejavu_alone_fails_every_check(use_fonts, monkeypatch):
    """The checks above can fail: with DejaVu alone no Hangul is in a cmap (placeholders are drawn), and
    forced into DejaVu as the renderer used to do, every syllable is the .notdef box, all identical."""
    use_fonts([DEJAVU])
    sample = SYLLABLES[::97] + MODERN_L[:5] + COMPATIBILITY[:5]
    failures = glyph_failures(sample, LABEL_PX, False, monkeypatch)
    assert failures["not in a cmap"] == sample and failures["placeholder"] == sample
    clear_caches()
    monkeypatch.setattr(fonts, "_runs", lambda text, bold=False: ((0, text),))
    failures = glyph_failures(sample, LABEL_PX, False, monkeypatch)
    assert failures[".notdef"] == sample
    assert distinct_masks(sample, LABEL_PX, False) == 1


# --------------------------------------------------------------------- characters no font draws


@pytest.mark.parametrize("bold", [False, True])
def test_an_emoji_is_a_visible_placeholder_with_its_code_point(use_fonts, monkeypatch, bold):
    use_fonts(SHIPPED)
    assert fonts._runs(APPLE, bold) == ((fonts.NO_FONT, APPLE),)
    apple = fonts.text_mask(APPLE, LABEL_PX, bold)
    assert apple.width > LABEL_PX / 2 and np.asarray(apple.mask).max() == 255, "visible, not blank"
    assert glyph_failures([APPLE], LABEL_PX, bold, monkeypatch) == {
        "not in a cmap": [APPLE],
        "placeholder": [APPLE],
    }, "not the .notdef box of any font"
    # The box carries the code point: another emoji gives another box, the same label the same box.
    assert ink(apple.mask) != ink(fonts.text_mask(GREEN_APPLE, LABEL_PX, bold).mask)
    assert fonts.placeholder_label(APPLE) == "1F34E"
    assert ink(apple.mask) == ink(fonts.placeholder(APPLE, LABEL_PX, bold).mask)
    # In a sentence, the Hangul and the box are side by side, and the box has the width it takes.
    sentence = "\ub098\ub294 " + APPLE + " \uc0ac\uacfc"  # 나는 🍎 사과
    runs = fonts._runs(sentence, bold)
    assert [index for index, _ in runs] == [1, fonts.NO_FONT, 0, 1]  # the space after Hangul joins its run
    assert fonts.text_mask(sentence, LABEL_PX, bold).width == pytest.approx(
        sum(fonts.text_mask(part, LABEL_PX, bold).width for _, part in runs)
    )


def test_a_zwj_sequence_is_one_placeholder_not_three(use_fonts):
    """printable() used to turn the zero-width joiners into spaces, splitting 👨‍👩‍👧 into three boxes."""
    use_fonts(SHIPPED)
    text = "a " + FAMILY + " b"
    assert printable(text) == text
    runs = fonts._runs(printable(text), False)
    assert [run for index, run in runs if index == fonts.NO_FONT] == [FAMILY]
    assert fonts.placeholder_label(FAMILY) == "1F468+"
    assert fonts.undrawable([text]) == [FAMILY]
    assert fonts.describe(FAMILY).startswith("U+1F468 U+200D U+1F469 U+200D U+1F467 (MAN, ZERO WIDTH JOINER")
    # Other clusters: a flag, a skin tone, a keycap-less heart with its variation selector.
    flag, thumb, heart = "\U0001f1f0\U0001f1f7", "\U0001f44d\U0001f3fd", "\u2764\ufe0f"
    assert fonts.undrawable([f"{flag} {thumb} {heart}"]) == [flag, thumb]  # DejaVu draws the heart


def test_control_and_format_characters_draw_neither_boxes_nor_line_breaks(use_fonts):
    use_fonts(SHIPPED)
    assert printable("a\tb\nc\r\nd\u2028e") == "a b c  d e"
    assert printable("\u200b") == " " and printable("x\u200ey") == "x y"  # lone: a space, as before
    joined = printable("a\u200db")  # inside a cluster: kept, and drawn as nothing
    assert joined == "a\u200db"
    assert (
        fonts.text_mask(joined, LABEL_PX, False).mask.tobytes()
        == fonts.text_mask("ab", LABEL_PX, False).mask.tobytes()
    )
    for text in ("tab\there", "line\nbreak", "\x00\x1b[31m", "\u200b\u200b", "\ufeffbom"):
        clean = printable(text)
        assert clean.isprintable() or all(c.isprintable() or c in "\u200d\u200c" for c in clean)
        assert all(index != fonts.NO_FONT for index, _ in fonts._runs(clean, False)), text
    # An undrawable mark that draws nothing is dropped, a visible one is a box of its own.
    assert fonts._runs("x\U000e0100", False) == ((0, "x"),)
    assert (
        fonts._runs("\U000e0100", False) == ((0, ""),) and fonts.text_mask("\U000e0100", 17, False).width == 0
    )
    assert fonts._runs("\U0001f3fb", False) == ((fonts.NO_FONT, "\U0001f3fb"),)  # a lone skin tone shows
    assert fonts._runs("e\u1ab0", False) == ((0, "e"), (fonts.NO_FONT, "\u1ab0"))


TRICKY = [
    APPLE,
    FAMILY,
    "\u200d",
    "\ufe0f",
    "\U0001f3fd",
    "\U0001f1f0",
    "\t",
    "\n",
    "\u200b",
    "\u0301",
    "\u1109",
    "\u1161",
    "\u11ab",
    "\uac00",
    "\u3131",
    "\u6f22",
    "a",
    " ",
    "#",
]


@settings(max_examples=150, deadline=None)
@given(text=st.one_of(st.text(max_size=30), st.lists(st.sampled_from(TRICKY), max_size=20).map("".join)))
def test_no_text_is_ever_drawn_with_a_glyph_its_font_lacks(text):
    """Whatever the text, every character handed to a font is in that font's character map (so no
    .notdef box), anything else is a placeholder or an invisible mark, and nothing breaks a line."""
    clean = printable(text)
    assert "\n" not in clean and "\t" not in clean
    for bold in (False, True):
        runs = fonts._runs(clean, bold)
        for index, run in runs:
            if index != fonts.NO_FONT:
                cmap = fonts._charmap(fonts.FONT_FILES[index][int(bold)])
                assert all(ord(c) in cmap for c in run), (text, runs)
        drawn = "".join(run for _, run in runs)
        assert all(c in drawn or fonts._invisible(c) for c in clean)  # nothing visible is lost
        heads = [cluster[0] for cluster in fonts.graphemes(clean)]
        assert all(c in drawn for c in heads if not fonts._invisible(c, alone=True))
        glyphs = fonts.text_mask(clean, SMALL_PX, bold)
        assert glyphs.width == pytest.approx(fonts.text_width(clean, SMALL_PX, bold))


def test_shortening_never_cuts_a_cluster(use_fonts):
    use_fonts(SHIPPED)
    picture = Canvas(100)
    text = FAMILY * 30
    short = picture._shorten(text, LABEL_PX, False, 200)
    assert short.endswith("\u2026") and len(short) < len(text)
    assert set(fonts.graphemes(short[:-1])) == {FAMILY}
    assert picture._shorten("abcdefghij" * 20, LABEL_PX, False, 100) == picture._shorten(
        "abcdefghij" * 20 + FAMILY, LABEL_PX, False, 100
    )


# -------------------------------------------------------------------------- the start-up check


def test_every_character_of_the_english_and_korean_tables_is_drawable(use_fonts):
    texts = [text for lang in ("en", "ko") for text in STRINGS[lang].values()]
    use_fonts(SHIPPED)
    assert fonts.undrawable(texts) == []
    # Negative control: without the shipped font the Korean table is full of undrawable syllables.
    use_fonts([DEJAVU])
    missing = fonts.undrawable(STRINGS["ko"].values())
    assert len(missing) > 100 and "\ub808" in missing  # 레
    english = fonts.undrawable(STRINGS["en"].values())  # only its Korean example (the jamo note)
    assert english and all(re.fullmatch("[\uac00-\ud7a3\u1100-\u11ff]", c) for c in english)


def test_warn_undrawable_logs_one_warning(use_fonts, caplog):
    use_fonts(SHIPPED)
    log = logging.getLogger("bertlens.test_fonts")
    with caplog.at_level(logging.WARNING, logger=log.name):
        assert fonts.warn_undrawable(STRINGS["ko"].values(), log) == []
        assert not caplog.records
        assert fonts.warn_undrawable(["ok " + APPLE, APPLE, "\uc0ac\uacfc"], log) == [APPLE]
    (record,) = caplog.records
    assert record.levelno == logging.WARNING and "U+1F34E RED APPLE" in record.getMessage()
    caplog.clear()
    use_fonts([DEJAVU])
    with caplog.at_level(logging.WARNING, logger=log.name):
        assert len(fonts.warn_undrawable(STRINGS["ko"].values(), log, limit=3)) > 100
    (record,) = caplog.records
    assert "shipped Hangul font is missing" in record.getMessage() and "more" in record.getMessage()


# ----------------------------------------------------------------------- a Korean image, end to end


def korean_image(lens, monkeypatch) -> tuple[PILImage.Image, str, list[str]]:
    """The attention image with Korean captions, its title, and every text drawn on it."""
    from bot.engine.query import AttentionQuery

    drawn: list[str] = []
    titles: list[str] = []
    real_text_mask, real_turned_mask, real_header = canvas.text_mask, canvas.turned_mask, panels.header

    def text_mask(text, size, bold):
        drawn.append(text)
        return real_text_mask(text, size, bold)

    def turned_mask(text, size, bold, angle):
        drawn.append(text)
        return real_turned_mask(text, size, bold, angle)

    def header(picture, title, subtitle):
        titles.append(title)
        return real_header(picture, title, subtitle)

    with monkeypatch.context() as patch:
        patch.setattr(canvas, "text_mask", text_mask)
        patch.setattr(canvas, "turned_mask", turned_mask)
        patch.setattr(panels, "header", header)
        _, image = lens.attention_png(
            "\ub098\ub294 \uc0ac\uacfc\ub97c \uba39\uc5c8\ub2e4", AttentionQuery("\ub098\ub294"), "ko"
        )
    picture = PILImage.open(io.BytesIO(image.png)).convert("RGB")
    return picture, titles[0], drawn


def test_a_korean_image_draws_its_hangul(use_fonts, monkeypatch, lens):
    use_fonts(SHIPPED)
    picture, title, drawn = korean_image(lens, monkeypatch)
    hangul = [text for text in drawn if re.search("[\uac00-\ud7a3\u1100-\u11ff]", text)]
    assert title.startswith("\u201c\ub098\ub294\u201d") and title in hangul  # “나는”의 ...
    assert len(hangul) >= 10  # title, subtitles, row labels, jamo column labels, footer
    for text in hangul:  # every Hangul character of every text is drawn by the Hangul font, no box
        for bold in (False, True):
            runs = fonts._runs(text, bold)
            assert all(index != fonts.NO_FONT for index, _ in runs), text
            assert all(index == 1 for index, run in runs for c in run if "\uac00" <= c <= "\ud7a3")
    # The title's pixels are exactly the Hangul glyphs of its mask (proven real glyphs above).
    glyphs = fonts.text_mask(title, TITLE_PX, True)
    left, top = MARGIN - fonts.PAD, 40 - glyphs.baseline
    alpha = np.asarray(glyphs.mask, dtype=float)[..., None] / 255
    expected = np.array(rgb(BACKGROUND)) * (1 - alpha) + np.array(rgb(FOREGROUND)) * alpha
    region = np.asarray(picture, dtype=float)[top : top + alpha.shape[0], left : left + alpha.shape[1]]
    assert np.abs(region - expected).max() <= 1.5
    assert glyph_failures([c for c in title if "\uac00" <= c <= "\ud7a3"], TITLE_PX, True, monkeypatch) == {}

    # Counterfactual: without the Hangul font the same image differs exactly where text is.
    use_fonts([DEJAVU])
    without, _, _ = korean_image(lens, monkeypatch)
    assert picture.size == without.size
    changed = np.abs(np.asarray(picture, dtype=int) - np.asarray(without, dtype=int)).sum(axis=-1) > 0
    assert changed[top : top + alpha.shape[0]].any(), "the title"
    rows = np.flatnonzero(changed.any(axis=1))
    assert rows.min() < 45 and rows.max() > picture.height - 140, "title to footer"
    heatmap = np.asarray(picture)[200:380, 300:900]  # cells (their numbers are ASCII): unchanged
    assert not changed[200:380, 300:900].any() and len(np.unique(heatmap.reshape(-1, 3), axis=0)) > 10
