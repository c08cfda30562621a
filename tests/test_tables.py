"""The alignment table for Korean text: eojeol -> morphemes (with the names students learn) -> the
model's tokens, aligned by display width. Real kiwipiepy analyses and the bundled tokenizer."""

from __future__ import annotations

import importlib.util

import pytest

from bot.engine import morphemes
from bot.i18n import EN, KO, t
from bot.tables import alignment_lines, report_alignment_lines
from bot.text import display_width

needs_kiwi = pytest.mark.skipif(
    importlib.util.find_spec("kiwipiepy") is None, reason="needs the extra bertlens[korean] (kiwipiepy)"
)


def _sentence(lens, text):
    (sentence,) = lens.tokenize([text]).sentences
    return sentence


def _rows(lines, lang):
    """The table's rows as cells: header first, notes after the last row left out."""
    header = t(lang, "align.columns").split("|")
    start = next(i for i, line in enumerate(lines) if line.split()[:1] == header[:1])
    rows = []
    for line in lines[start:]:
        if line.startswith("*") or "=" in line or line.startswith(t(lang, "align.zero", form="x")[:4]):
            break
        rows.append(line)
    return rows


def _column_starts(row, cells):
    """The display column where each of ``cells`` begins in ``row``."""
    starts, at = [], 0
    for cell in cells:
        at = row.index(cell, at)
        starts.append(display_width(row[:at]))
        at += len(cell)
    return starts


@needs_kiwi
@pytest.mark.parametrize("lang", [KO, EN])
def test_eojeol_morphemes_and_tokens_line_up(lens, lang):
    lines = alignment_lines(_sentence(lens, "나는 사과를 먹었다"), lang)
    assert lines[0] == t(lang, "align.title")
    rows = _rows(lines, lang)
    noun, particle, verb = t(lang, "pos.noun"), t(lang, "pos.particle"), t(lang, "pos.verb")
    assert rows[3].split() == ["사과를", "사과", *noun.split(), "NNG", "ᄉ", "##ᅡ", "##ᄀ", "##ᅪ"]
    assert rows[4].split() == ["를", *particle.split(), "JKO", "##ᄅ", "##ᅳ", "##ᆯ"]
    assert rows[5].split() == ["먹었다", "먹", *verb.split(), "VV", "[UNK]*"]  # one token, three morphemes
    assert rows[6].split()[0] == "었" and rows[6].endswith("[UNK]*")
    assert t(lang, "align.cross") in lines
    # Every column starts at the same display position on every row (Hangul is two columns wide).
    header = t(lang, "align.columns").split("|")
    expected = _column_starts(rows[0], header)
    for row, cells in [
        (rows[3], ["사과를", "사과", f"{noun} NNG", "ᄉ"]),
        (rows[4], ["를", f"{particle} JKO", "##ᄅ"]),
        (rows[5], ["먹었다", "먹", f"{verb} VV", "[UNK]"]),
    ]:
        starts = _column_starts(row, cells)
        assert starts == expected[-len(cells) :], (row, rows[0])


@needs_kiwi
def test_fused_syllables_jamo_endings_and_unwritten_morphemes(lens):
    lines = alignment_lines(_sentence(lens, "Apple은 큰 기업이다. 텍스트네 했다"), KO)
    text = "\n".join(lines)
    rows = {line.split()[0]: line for line in _rows(lines, KO)[1:] if line.split()}
    assert rows["Apple은"].split()[-1] == "apple"
    # 큰 = 크 + ᆫ: the jamo piece ending in ᆫ is the ending's, the rest the stem's.
    assert rows["큰"].split()[-2:] == ["ᄏ", "##ᅳ"]
    assert any(line.split()[:2] == ["ᆫ", "(큰)"] and line.split()[-1] == "##ᆫ" for line in lines)
    assert "‘큰’ = 크 + ᆫ" in text  # noqa: RUF001
    assert "‘했’ = 하 + 었" in text  # noqa: RUF001
    assert any(line.split()[:1] == ["(이)"] and line.endswith("\u2014") for line in lines)
    assert t(KO, "align.zero", form="이") in lines


def test_nothing_without_hangul_or_without_the_analyser(lens, monkeypatch):
    assert alignment_lines(_sentence(lens, "I am eating an apple"), KO) == []
    absent = morphemes.Analyser(loader=morphemes.not_installed, installed=lambda: False)
    monkeypatch.setattr(morphemes, "ANALYSER", absent)
    assert alignment_lines(_sentence(lens, "나는 사과를 먹었다"), KO) == []
    assert report_alignment_lines(lens.tokenize(["나는 사과를 먹었다"]), KO) == []


def test_not_waiting_for_the_analyser_on_the_event_loop(lens, monkeypatch):
    loading = morphemes.Analyser(loader=lambda: pytest.fail("must not load here"), installed=lambda: True)
    monkeypatch.setattr(loading, "start_loading", lambda: None)
    monkeypatch.setattr(morphemes, "ANALYSER", loading)
    assert alignment_lines(_sentence(lens, "나는 사과를 먹었다"), KO, wait=False) == []


@needs_kiwi
def test_a_report_aligns_each_korean_sentence(lens):
    report = lens.tokenize(["나는 사과를 먹었다", "I am eating an apple", "사과\u200b를 샀다"])
    lines = report_alignment_lines(report, EN)
    assert lines[0] == t(EN, "align.title")
    assert lines.count(t(EN, "align.title")) == 1
    assert lines[1] == t(EN, "tok.sentence", n=1, text="나는 사과를 먹었다")
    assert not any(line.startswith(t(EN, "tok.sentence", n=2, text="")) for line in lines)
    assert any(line.startswith(t(EN, "tok.sentence", n=3, text="")) for line in lines)
    assert any(line.split()[:2] == ["사과를", "사과"] for line in lines)  # the zero-width space dropped
