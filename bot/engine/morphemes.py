"""Korean morphemes from Kiwi (``kiwipiepy``, the optional extra ``bertlens[korean]``, Apache-2.0 from
0.24): ``사과를`` is the noun ``사과`` and the object particle ``를``.

The analyser is loaded once per process, lazily, the first time a text with Hangul needs it, never at
import. Loading takes 1-5 s (up to 12 s with a cold disk) and about 240 MB of memory, with Kiwi's
three extra dictionaries off (they changed nothing on our test sentences and cost 270 MB more).
Then a short sentence takes 0.2-0.6 ms. One ``Kiwi`` is shared by every thread: its calls hold the
GIL, so they run one at a time, and nothing here changes its dictionaries after loading.

Callers on the event loop pass ``wait=False``: they get ``None`` while the analyser is not loaded yet,
and loading starts in a background thread. Analyses are cached per text.

Offsets are Python ``str`` indices into the text as given (also when the text holds zero-width or
control characters, which are removed before Kiwi reads it, or decomposed Hangul, which is composed).
"""

from __future__ import annotations

import bisect
import functools
import importlib.util
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.engine.chars import clean, composed, has_hangul

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'bertlens[korean]'"

# Kiwi's tags (Sejong-based) -> the group students learn ("pos.<group>" in bot/i18n).
TAG_GROUPS: dict[str, str] = {
    "NNG": "noun",
    "NNP": "noun",
    "NNB": "noun",
    "NR": "numeral",
    "NP": "pronoun",
    "VV": "verb",
    "VA": "adjective",
    "VX": "auxiliary",
    "VCP": "copula",
    "VCN": "copula",
    "MM": "determiner",
    "MAG": "adverb",
    "MAJ": "adverb",
    "IC": "interjection",
    **dict.fromkeys(["JKS", "JKC", "JKG", "JKO", "JKB", "JKV", "JKQ", "JX", "JC"], "particle"),
    **dict.fromkeys(["EP", "EF", "EC", "ETN", "ETM"], "ending"),
    "XPN": "prefix",
    **dict.fromkeys(["XSN", "XSV", "XSA", "XSM"], "suffix"),
    "XR": "root",
    **dict.fromkeys(["SF", "SP", "SS", "SSO", "SSC", "SE", "SO"], "punctuation"),
    "SW": "symbol",
    "SB": "symbol",
    "SL": "foreign",
    "SH": "hanja",
    "SN": "number",
    "UN": "unknown",
}
GROUPS = (*dict.fromkeys(TAG_GROUPS.values()), "other")

# Morphemes a reader asks about on their own: nouns, verb and adjective stems, roots, foreign words.
CONTENT_GROUPS = frozenset(
    {
        "noun",
        "pronoun",
        "numeral",
        "verb",
        "adjective",
        "auxiliary",
        "determiner",
        "adverb",
        "interjection",
        "root",
        "foreign",
        "hanja",
        "number",
    }
)


def base_tag(tag: str) -> str:
    """``VV-I`` (irregular conjugation) and ``VA-R`` (regular) are still ``VV`` and ``VA``."""
    return tag.split("-")[0]


def group(tag: str) -> str:
    return TAG_GROUPS.get(base_tag(tag), "other")


def group_name(tag: str, lang: str) -> str:
    """The name students use for a tag's group: 명사, 조사, 동사, 어미 ... (``noun`` ... in English)."""
    from bot.i18n import t

    return t(lang, f"pos.{group(tag)}")


@dataclass(frozen=True)
class Morpheme:
    form: str  # as the dictionary writes it: 하 in 했, ᆫ in 큰
    tag: str  # Kiwi's tag: NNG, JKO, VV, VA-I ...
    start: int  # the characters it is written in: text[start:end]
    end: int  # == start for a morpheme not written at all (the 이 of 텍스트네)
    surface: str  # text[start:end]: 했 for 하, 추워 for 춥
    lemma: str  # 먹다 for the stem 먹

    @property
    def group(self) -> str:
        return group(self.tag)

    @property
    def written(self) -> bool:
        return self.end > self.start


@dataclass(frozen=True)
class Analysis:
    text: str
    morphemes: tuple[Morpheme, ...]  # in text order
    eojeols: tuple[tuple[int, int], ...]  # the whitespace-separated words, as spans of the text
    by_eojeol: tuple[tuple[Morpheme, ...], ...] = ()  # the morphemes of each eojeol

    def eojeol_of(self, position: int) -> int | None:
        """The eojeol a character belongs to (None for whitespace)."""
        index = bisect.bisect_right(self._starts, position) - 1
        if index >= 0 and position < self.eojeols[index][1]:
            return index
        return None

    @functools.cached_property
    def _starts(self) -> list[int]:
        return [start for start, _ in self.eojeols]

    def in_eojeol(self, index: int) -> tuple[Morpheme, ...]:
        """The morphemes written in an eojeol, and those not written at all inside or at its end."""
        return self.by_eojeol[index]


def _by_eojeol(
    found: tuple[Morpheme, ...], eojeols: tuple[tuple[int, int], ...]
) -> tuple[tuple[Morpheme, ...], ...]:
    groups: list[list[Morpheme]] = [[] for _ in eojeols]
    starts = [start for start, _ in eojeols]
    for m in found:
        index = bisect.bisect_right(starts, m.start) - 1
        if index < 0:
            continue
        end = eojeols[index][1]
        if m.start < end or (not m.written and m.start == end):
            groups[index].append(m)
    return tuple(tuple(g) for g in groups)


def eojeol_spans(text: str) -> tuple[tuple[int, int], ...]:
    spans = []
    start = None
    for index, char in enumerate(text):
        if char.isspace():
            if start is not None:
                spans.append((start, index))
                start = None
        elif start is None:
            start = index
    if start is not None:
        spans.append((start, len(text)))
    return tuple(spans)


def _import_kiwi() -> Any:
    """A Kiwi with the three extra dictionaries off (240 MB instead of 510), warmed up."""
    from kiwipiepy import Kiwi

    kiwi = Kiwi(load_default_dict=False, load_typo_dict=False, load_multi_dict=False)
    kiwi.tokenize("")  # finish Kiwi's own lazy initialisation now, not on the first sentence
    return kiwi


def _kiwi_installed() -> bool:
    return importlib.util.find_spec("kiwipiepy") is not None


def not_installed() -> Any:
    """A loader for a machine without the extra (tests use it to take the fallback path)."""
    raise ModuleNotFoundError("No module named 'kiwipiepy'", name="kiwipiepy")


class Analyser:
    """One shared Kiwi, loaded on first use (once, whichever thread asks first), and a cache of
    analyses by text. ``loader`` builds the Kiwi; ``installed`` says whether it can, without importing."""

    def __init__(
        self,
        loader: Callable[[], Any] = _import_kiwi,
        installed: Callable[[], bool] | None = None,
        cache_size: int = 512,
    ) -> None:
        self._loader = loader
        self._installed_check = installed or (_kiwi_installed if loader is _import_kiwi else lambda: True)
        self._is_installed: bool | None = None
        self._kiwi: Any = None
        self._failed: str | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._cache: OrderedDict[str, Analysis] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._cache_size = cache_size
        self.load_seconds: float | None = None

    def _installed(self) -> bool:
        if self._is_installed is None:
            self._is_installed = self._installed_check()
        return self._is_installed

    @property
    def ready(self) -> bool:
        return self._kiwi is not None

    @property
    def available(self) -> bool:
        """Installed and not failed to load (it may still be loading)."""
        return self._failed is None and (self._kiwi is not None or self._installed())

    def kiwi(self, *, wait: bool = True) -> Any | None:
        """The Kiwi, loading it first if needed. None when it cannot be had: not installed, failed to
        load, or (``wait=False``) not loaded yet, in which case loading starts in the background."""
        if self._kiwi is not None:
            return self._kiwi
        if not self.available:
            return None
        if not wait:
            self.start_loading()
            return None
        with self._lock:
            if self._kiwi is None and self._failed is None:
                started = time.perf_counter()
                try:
                    kiwi = self._loader()
                except Exception as exc:  # a missing package, a broken model file, no memory
                    self._failed = f"{type(exc).__name__}: {exc}"
                    log.warning("Korean morphological analyser unavailable: %s", self._failed)
                else:
                    self.load_seconds = time.perf_counter() - started
                    log.info("Korean morphological analyser loaded in %.1f s", self.load_seconds)
                    self._kiwi = kiwi
        return self._kiwi

    def start_loading(self) -> None:
        """Load in a background thread unless loaded, loading or unavailable. Kiwi holds the GIL for
        up to about 0.7 s at a time while it builds, so other threads pause briefly, once."""
        with self._cache_lock:
            if self._kiwi is not None or not self.available or self._thread is not None:
                return
            self._thread = threading.Thread(target=self.kiwi, name="kiwi-loader", daemon=True)
        self._thread.start()

    def analyse(self, text: str, *, wait: bool = True) -> Analysis | None:
        """The morphemes of ``text``; None when it has no Hangul (nothing is loaded for it) or the
        analyser cannot be had (see ``kiwi``)."""
        if not has_hangul(text):
            return None
        with self._cache_lock:
            if (cached := self._cache.get(text)) is not None:
                self._cache.move_to_end(text)
                return cached
        kiwi = self.kiwi(wait=wait)
        if kiwi is None:
            return None
        try:
            analysis = _analyse(kiwi, text)
        except Exception:  # text Kiwi cannot read: lookups fall back to letters rather than fail
            log.exception("Korean morphological analysis failed for a text of %d characters", len(text))
            return None
        with self._cache_lock:
            self._cache[text] = analysis
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return analysis


def _analyse(kiwi: Any, text: str) -> Analysis:
    kept, origin = clean(text)
    # Lone surrogates would make Kiwi raise; one replacement character each keeps every offset.
    kept = "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in kept)
    read, spans = composed(kept, origin)
    morphemes = []
    for token in kiwi.tokenize(read):
        first, length = int(token.start), int(token.len)
        if length:
            start, end = spans[first][0], spans[first + length - 1][1]
        else:  # written nowhere: placed where the next character starts
            start = end = spans[first][0] if first < len(spans) else len(text)
        morphemes.append(
            Morpheme(
                form=str(token.form),
                tag=str(token.tag),
                start=start,
                end=end,
                surface=text[start:end],
                lemma=str(getattr(token, "lemma", token.form) or token.form),
            )
        )
    found, eojeols = tuple(morphemes), eojeol_spans(text)
    return Analysis(text=text, morphemes=found, eojeols=eojeols, by_eojeol=_by_eojeol(found, eojeols))


ANALYSER = Analyser()


def current() -> Analyser:
    """The process's analyser (a module attribute, so tests can swap it)."""
    return ANALYSER


def analyse(text: str, *, wait: bool = True) -> Analysis | None:
    return current().analyse(text, wait=wait)


def available() -> bool:
    """kiwipiepy is installed (or loaded) and has not failed to load. Imports nothing."""
    return current().available


def ready() -> bool:
    return current().ready


def warm_up() -> bool:
    """Load the analyser now if it is installed (blocking: call it in the worker pool at start-up).
    Returns whether Korean morphemes are available."""
    return current().kiwi(wait=True) is not None


def start_loading() -> None:
    current().start_loading()
