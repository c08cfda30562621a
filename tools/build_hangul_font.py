"""Rebuild the Hangul fonts in ``bot/engine/render/font_files/`` from the PyPI wheel ``manimgx-fonts-cjk``.

DejaVu Sans, the renderer's first font, has no Hangul. The renderer falls back to a Hangul subset of
Noto Sans CJK KR (SIL Open Font License 1.1), which ships in the package data, so Korean renders on a
machine without any system font. This script makes that subset from the unmodified Noto Sans CJK
variable font inside a pinned, hash-checked wheel from PyPI:

1. download ``manimgx-fonts-cjk==VERSION`` with pip (or take ``--wheel``) and check its sha256;
2. take the face whose family is "Noto Sans CJK KR" out of ``NotoSansCJK-VF.otf.ttc``;
3. keep only the code points in ``CODEPOINTS`` (Hangul syllables, conjoining and compatibility jamo, CJK
   punctuation, full-width forms...), with every layout feature, every name record (copyright,
   licence, trademark) and the ``.notdef`` outline;
4. instance the ``wght`` axis at 400 (Regular) and 700 (Bold) as static fonts;
5. write the two OTF files and ``OFL.txt`` (the wheel's licence text), keeping the source's timestamp
   so that a rebuild gives byte-identical files.

The only Reserved Font Name of the source is "Source", so the subset keeps its family name (OFL-1.1 §3).

Usage, from the repository root (about 3-4 minutes on 2 cores; needs fontTools, a matplotlib dependency):

    python tools/build_hangul_font.py [--wheel PATH] [--out DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont
from fontTools.varLib import instancer

PACKAGE = "manimgx-fonts-cjk"
VERSION = "2026.9.26.post1"
WHEEL_SHA256 = "05d5584c73877f37427cf0ca8067f5bacea2b596c7be79e8aedd634bb9f2b666"
COLLECTION = "manimgx_fonts_cjk/NotoSansCJK-VF.otf.ttc"
FAMILY = "Noto Sans CJK KR"
OUT = Path(__file__).resolve().parents[1] / "bot" / "engine" / "render" / "font_files"
WEIGHTS = {"Regular": 400, "Bold": 700}
OUTPUT_NAME = "NotoSansCJKkr-Hangul-{style}.otf"


def _span(first: int, last: int) -> range:
    return range(first, last + 1)


# What the subset keeps. DejaVu Sans draws Latin and most symbols first; these are what it lacks for
# Korean text, plus neighbours that come with it (CJK brackets and punctuation, full-width forms).
CODEPOINTS: list[range] = [
    _span(0x0020, 0x007E),  # ASCII: the font stays usable on its own (and the proof tests use it)
    _span(0x00A0, 0x00FF),  # Latin-1 punctuation and letters
    _span(0x1100, 0x11FF),  # Hangul Jamo: conjoining jamo, what NFD and uncased WordPiece tokens contain
    _span(0x2000, 0x206F),  # general punctuation: curly quotes, ellipsis, reference mark
    _span(0x2190, 0x21FF),  # arrows
    _span(0x25A0, 0x25FF),  # geometric shapes: □ ■ ○ ● ◇ ◆ ◌ (the dotted circle HarfBuzz may use)
    _span(0x3000, 0x303F),  # CJK punctuation and brackets, the ideographic space
    _span(0x30FB, 0x30FB),  # katakana middle dot ・, common in Korean text
    _span(0x3130, 0x318F),  # Hangul Compatibility Jamo: ㄱ ㅏ ㅋㅋ ㅠㅠ
    _span(0x3200, 0x32FF),  # enclosed CJK letters: ㈜ ㉠ ㉮
    _span(0xA960, 0xA97F),  # Hangul Jamo Extended-A (old Hangul initials)
    _span(0xAC00, 0xD7A3),  # the 11,172 precomposed syllables
    _span(0xD7B0, 0xD7FF),  # Hangul Jamo Extended-B (old Hangul medials and finals)
    _span(0xFF00, 0xFFEF),  # half-width and full-width forms, half-width Hangul
]


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download_wheel(folder: Path) -> Path:
    spec = f"{PACKAGE}=={VERSION}"
    command = [sys.executable, "-m", "pip", "download", spec, "--no-deps", "--only-binary=:all:"]
    subprocess.run([*command, "--dest", str(folder)], check=True)
    (wheel,) = folder.glob("*.whl")
    return wheel


def kr_face(collection: Path) -> TTFont:
    for face in TTCollection(str(collection), recalcTimestamp=False).fonts:
        if face["name"].getDebugName(1) == FAMILY:
            face.recalcTimestamp = False
            return face
    raise SystemExit(f"no face named {FAMILY!r} in {collection.name}")


def hangul_subset(face: TTFont) -> None:
    options = subset.Options()
    options.layout_features = ["*"]  # ljmo/vjmo/tjmo compose old-Hangul jamo; locl, kern, palt...
    options.name_IDs = ["*"]  # copyright (0), trademark (7), licence (13, 14) and the rest
    options.name_languages = ["*"]
    options.name_legacy = True
    options.notdef_outline = True  # FreeType draws the source's own .notdef box, not an empty glyph
    options.glyph_names = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[code for span in CODEPOINTS for code in span])
    subsetter.subset(face)


def static_instance(variable: TTFont, weight: int) -> TTFont:
    # CFF2 stays CFF2: fontTools 4.68's CFF2 -> CFF conversion fails on this CID-keyed font. FreeType
    # (Pillow's and matplotlib's) reads static CFF2.
    font = instancer.instantiateVariableFont(variable, {"wght": weight}, static=True, updateFontNames=True)
    font.recalcTimestamp = False
    return font


def licence_text(wheel: zipfile.ZipFile) -> str:
    """The wheel's LICENSE without its first line (which describes the wheel): the copyright line with
    the Reserved Font Name, then the SIL Open Font License 1.1."""
    (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/licenses/LICENSE")]
    lines = wheel.read(name).decode("utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Copyright"))
    body = "\n".join(lines[start:]).strip() + "\n"
    if "SIL OPEN FONT LICENSE Version 1.1" not in body:
        raise SystemExit("the wheel's LICENSE is not the SIL Open Font License 1.1")
    return body


def build(wheel_path: Path, out: Path) -> None:
    found = sha256(wheel_path)
    if found != WHEEL_SHA256:
        raise SystemExit(f"{wheel_path.name}: sha256 {found}, expected {WHEEL_SHA256} ({PACKAGE} {VERSION})")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(wheel_path) as wheel:
        collection = Path(wheel.extract(COLLECTION, tmp))
        print(f"{wheel_path.name} (sha256 {found[:12]}…): {COLLECTION}, sha256 {sha256(collection)}")
        started = time.monotonic()
        face = kr_face(collection)
        hangul_subset(face)
        glyphs = len(face.getGlyphOrder())
        print(f"subset of {FAMILY}: {glyphs:,} glyphs ({time.monotonic() - started:.0f} s)")
        for style, weight in WEIGHTS.items():
            target = out / OUTPUT_NAME.format(style=style)
            static_instance(face, weight).save(str(target))
            print(f"{target.name}: wght {weight}, {target.stat().st_size:,} bytes, sha256 {sha256(target)}")
        (out / "OFL.txt").write_text(licence_text(wheel), encoding="utf-8")
    print(f"done in {time.monotonic() - started:.0f} s -> {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--wheel", type=Path, help=f"a downloaded {PACKAGE}-{VERSION} wheel (default: pip download)"
    )
    parser.add_argument(
        "--out", type=Path, default=OUT, help="where to write the fonts (default: %(default)s)"
    )
    args = parser.parse_args()
    if args.wheel is not None:
        build(args.wheel, args.out)
        return
    with tempfile.TemporaryDirectory() as tmp:
        build(download_wheel(Path(tmp)), args.out)


if __name__ == "__main__":
    main()
