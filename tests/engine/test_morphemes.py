"""The Korean morphological analyser: loaded once and lazily, offsets into the text as given, shared
by threads. Real kiwipiepy analyses (the extra bertlens[korean]); the loader tests use stand-in
loaders only to count and time loading."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import threading
import time
import unicodedata
from pathlib import Path

import pytest

from bot.engine import morphemes
from bot.engine.chars import clean, composed, shown, visible
from bot.i18n import EN, KO, STRINGS, t

ROOT = Path(__file__).resolve().parents[2]
needs_kiwi = pytest.mark.skipif(
    importlib.util.find_spec("kiwipiepy") is None, reason="needs the extra bertlens[korean] (kiwipiepy)"
)


def rows(text):
    analysis = morphemes.analyse(text)
    assert analysis is not None
    return [(m.form, m.tag, m.start, m.end, m.surface) for m in analysis.morphemes]


# ------------------------------------------------------------------------------------ real analyses


@needs_kiwi
def test_particles_stems_and_endings():
    assert rows("나는 사과를 먹었다") == [
        ("나", "NP", 0, 1, "나"),
        ("는", "JX", 1, 2, "는"),
        ("사과", "NNG", 3, 5, "사과"),
        ("를", "JKO", 5, 6, "를"),
        ("먹", "VV", 7, 8, "먹"),
        ("었", "EP", 8, 9, "었"),
        ("다", "EF", 9, 10, "다"),
    ]


@needs_kiwi
def test_two_morphemes_in_one_syllable():
    # 했 is 하 (the verb 하다, not the suffix of 사과하다: there is a particle in between) + 었.
    assert rows("친구에게 사과를 했다")[-3:] == [
        ("하", "VV", 9, 10, "했"),
        ("었", "EP", 9, 10, "했"),
        ("다", "EF", 10, 11, "다"),
    ]
    assert ("하", "XSV", 7, 8, "했") in rows("친구에게 사과했다")


@needs_kiwi
def test_overlapping_zero_length_and_jamo_morphemes():
    analysis = morphemes.analyse("난 추워서 텍스트네 이걸")
    assert analysis is not None
    by_form = {m.form: m for m in analysis.morphemes}
    assert (by_form["ᆫ"].start, by_form["ᆫ"].end, by_form["ᆫ"].tag) == (0, 1, "JX")  # 난 = 나 + ᆫ
    assert (by_form["춥"].start, by_form["춥"].end, by_form["춥"].tag) == (2, 4, "VA-I")  # irregular
    assert (by_form["어서"].start, by_form["어서"].end) == (3, 5)  # overlaps 춥 on 워
    copula = by_form["이"]
    assert (copula.start, copula.end, copula.written, copula.tag) == (9, 9, False, "VCP")
    assert by_form["ᆯ"].surface == "걸"
    assert morphemes.group("VA-I") == "adjective"
    assert analysis.eojeols == ((0, 1), (2, 5), (6, 10), (11, 13))


@needs_kiwi
def test_offsets_are_into_the_text_as_given():
    # A zero-width space and a control character are removed before Kiwi reads the text (it would
    # call them nouns), and decomposed Hangul (as macOS writes it) is composed: offsets stay right.
    assert rows("사과\u200b를 먹었다")[:2] == [("사과", "NNG", 0, 2, "사과"), ("를", "JKO", 3, 4, "를")]
    assert rows("사과\x1b를 먹었다")[1] == ("를", "JKO", 3, 4, "를")
    decomposed = unicodedata.normalize("NFD", "사과를 먹었다")
    assert [(m[0], m[1], m[2], m[3]) for m in rows(decomposed)][:2] == [
        ("사과", "NNG", 0, 4),
        ("를", "JKO", 4, 7),
    ]
    mixed = "\ud800사과를 e\u0301 \U0001f34e 먹었다\x00"
    for form, _, start, end, surface in rows(mixed):
        assert mixed[start:end] == surface
        assert 0 <= start <= end <= len(mixed), form


@needs_kiwi
def test_analyses_are_cached_per_text():
    first = morphemes.analyse("사과를 먹었다")
    assert first is morphemes.analyse("사과를 먹었다")
    assert morphemes.analyse("apple pie") is None  # no Hangul: nothing to analyse


@needs_kiwi
def test_one_analyser_shared_by_threads():
    kiwi = morphemes.current().kiwi()
    texts = [f"친구에게 사과를 {n}번 했다" for n in range(40)] + [
        f"나는 사과를 {n}개 먹었다" for n in range(40)
    ]
    serial = {text: morphemes._analyse(kiwi, text) for text in texts}
    mismatches: list[str] = []

    def work(offset: int) -> None:
        for i in range(240):
            text = texts[(i + offset) % len(texts)]
            if morphemes._analyse(kiwi, text) != serial[text]:
                mismatches.append(text)

    threads = [threading.Thread(target=work, args=(k * 7,)) for k in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert mismatches == []


# -------------------------------------------------------------------------------------------- loading


def test_nothing_is_loaded_at_import_or_for_text_without_hangul():
    code = (
        "import sys\n"
        "import bot.tables, bot.engine.morphemes as m\n"
        "from bot.engine.suggestions import word_suggestions\n"
        "from bot.engine.words import locate\n"
        "assert locate('I am eating an apple', 'APPLE').text == 'apple'\n"
        "assert word_suggestions('I am eating an apple', 'ap') == ['apple']\n"
        "assert 'kiwipiepy' not in sys.modules and not m.ready()\n"
        "print('ok')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


class CountingLoader:
    """Stands in for Kiwi's construction: slow, and counted."""

    def __init__(self, seconds: float = 0.2) -> None:
        self.calls = 0
        self.seconds = seconds

    def __call__(self) -> object:
        self.calls += 1
        time.sleep(self.seconds)
        return object()


def test_loaded_once_whichever_threads_ask():
    loader = CountingLoader()
    analyser = morphemes.Analyser(loader=loader, installed=lambda: True)
    got: list[object] = []
    threads = [threading.Thread(target=lambda: got.append(analyser.kiwi())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert loader.calls == 1
    assert len(got) == 4 and len({id(k) for k in got}) == 1
    assert analyser.ready and analyser.load_seconds is not None


def test_without_waiting_loading_starts_in_the_background():
    loader = CountingLoader(0.3)
    analyser = morphemes.Analyser(loader=loader, installed=lambda: True)
    started = time.perf_counter()
    assert analyser.kiwi(wait=False) is None
    assert analyser.kiwi(wait=False) is None  # asking again starts nothing more
    assert time.perf_counter() - started < 0.2
    assert analyser._thread is not None
    analyser._thread.join(5)
    assert analyser.ready and loader.calls == 1
    assert analyser.kiwi(wait=False) is not None


def test_text_without_hangul_loads_nothing():
    loader = CountingLoader(0)
    analyser = morphemes.Analyser(loader=loader, installed=lambda: True)
    assert analyser.analyse("I am eating an apple, café") is None
    assert loader.calls == 0 and not analyser.ready


def test_a_failed_load_is_remembered_and_logged(caplog):
    def broken() -> object:
        raise OSError("model file damaged")

    analyser = morphemes.Analyser(loader=broken, installed=lambda: True)
    assert analyser.analyse("사과를 먹었다") is None
    assert not analyser.available and not analyser.ready
    assert "model file damaged" in caplog.text
    assert analyser.analyse("사과를 먹었다") is None  # not retried on every call


def test_absent_package_is_known_without_importing(no_analyser):
    assert not morphemes.available()
    assert morphemes.analyse("사과를 먹었다") is None
    assert not morphemes.warm_up()
    with pytest.raises(ModuleNotFoundError):
        morphemes.not_installed()


# --------------------------------------------------------------------------------- tags and characters


def test_every_tag_group_is_named_in_both_languages():
    for group in morphemes.GROUPS:
        assert f"pos.{group}" in STRINGS[EN] and f"pos.{group}" in STRINGS[KO]
    assert morphemes.group_name("JKO", KO) == "조사"
    assert morphemes.group_name("VV-R", KO) == "동사"
    assert morphemes.group_name("EP", KO) == "어미"
    assert morphemes.group_name("NNP", EN) == t(EN, "pos.noun") == "noun"
    assert morphemes.group("W_EMOJI") == "other"


def test_invisible_characters_are_dropped_with_their_positions():
    assert clean("app\u200ble\x07 \u00adx") == ("apple x", [0, 1, 2, 4, 5, 7, 9])
    text, spans = composed(*clean(unicodedata.normalize("NFD", "사과")))
    assert text == "사과" and spans == [(0, 2), (2, 4)]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("\x1b[2J", "\u241b[2J"),  # ESC as ␛: a terminal never sees the escape code
        ("a\x7fb", "a\u2421b"),
        ("\u202eabc", "<U+202E>abc"),  # a right-to-left override cannot reorder the message
        ("\u200b", "<U+200B>"),
        ("\x85", "<U+0085>"),
        ("\ud800", "<U+D800>"),
        ("사과\tapple", "사과\tapple"),
    ],
)
def test_visible_never_returns_a_control_character(raw, expected):
    assert visible(raw) == expected


def test_shown_drops_what_lookups_ignore():
    assert shown("app\u200ble") == "apple"
    assert shown("\x1b[2J") == "[2J"
    assert shown("\x07") == "\u2407"  # only invisible characters: named, not an empty quote


def test_an_analysis_that_fails_falls_back_to_letters(monkeypatch, caplog):
    class Unreadable:
        def tokenize(self, text: str) -> list[object]:
            raise RuntimeError("cannot read this")

    failing = morphemes.Analyser(loader=Unreadable, installed=lambda: True)
    monkeypatch.setattr(morphemes, "ANALYSER", failing)
    assert morphemes.analyse("사과를 먹었다") is None
    assert "cannot read this" in caplog.text
    from bot.engine.words import locate

    found = locate("나는 사과를 먹었다", "사과")
    assert found.part is not None and not found.part.analysed and found.part.left_out[0].text == "를"
