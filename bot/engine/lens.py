"""The engine's front door: one loaded model, input limits and a bounded cache of forward passes.

The CLI, the Discord cogs and the benchmark all call this; every method is synchronous and safe to
call from several threads at once (the bot calls it from its executor).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Future

from bot.engine import render
from bot.engine.defaults import DEFAULT_CACHE_MB, DEFAULT_MAX_CHARS, DEFAULT_MAX_TOKENS
from bot.engine.forward import Analysis, analyse
from bot.engine.model import LoadedModel
from bot.engine.query import AttentionQuery, precheck
from bot.engine.results import AttentionResult, attention_result
from bot.engine.similarity import Comparison, compare_word
from bot.engine.tokens import TokenizationReport, check_text, tokenization_report
from bot.engine.words import locate_word
from bot.i18n import EN


class AnalysisCache:
    """Least-recently-used forward passes, bounded by bytes rather than entries (a 128-token sentence
    weighs ~100x a 12-token one). Concurrent requests for the same sentence share one forward pass."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, Analysis] = OrderedDict()
        self._pending: dict[str, Future[Analysis]] = {}
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def nbytes(self) -> int:
        return self._bytes

    def get_or_compute(self, key: str, compute: Callable[[], Analysis]) -> Analysis:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return found
            waiting = self._pending.get(key)
            if waiting is None:
                self.misses += 1
                mine: Future[Analysis] = Future()
                self._pending[key] = mine
        if waiting is not None:
            return waiting.result()
        try:
            value = compute()
        except BaseException as exc:
            mine.set_exception(exc)
            raise
        finally:
            with self._lock:
                self._pending.pop(key, None)
        self._store(key, value)
        mine.set_result(value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def _store(self, key: str, value: Analysis) -> None:
        with self._lock:
            if value.nbytes > self.max_bytes or key in self._entries:
                return
            self._entries[key] = value
            self._bytes += value.nbytes
            while self._bytes > self.max_bytes and self._entries:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= evicted.nbytes


class Lens:
    def __init__(
        self,
        model: LoadedModel,
        *,
        max_chars: int = DEFAULT_MAX_CHARS,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        cache_mb: int = DEFAULT_CACHE_MB,
    ) -> None:
        self.model = model
        self.max_chars = max_chars
        self.max_tokens = max_tokens
        self.cache = AnalysisCache(cache_mb * 1024 * 1024)

    @property
    def name(self) -> str:
        return self.model.name

    def tokenize(self, sentences: Sequence[str]) -> TokenizationReport:
        return tokenization_report(
            self.model, sentences, max_chars=self.max_chars, max_tokens=self.max_tokens
        )

    def precheck_text(self, text: str) -> None:
        check_text(text, max_chars=self.max_chars)

    def precheck(self, text: str, query: AttentionQuery) -> None:
        """Cheap checks (no tokenizer, no model) that can run on an event loop before queueing."""
        precheck(
            text,
            query,
            num_layers=self.model.num_layers,
            num_heads=self.model.num_heads,
            max_chars=self.max_chars,
        )

    def precheck_compare(self, word: str, sentence_a: str, sentence_b: str) -> None:
        for text in (sentence_a, sentence_b):
            check_text(text, max_chars=self.max_chars)
            locate_word(text, word)

    def analyse(self, text: str) -> Analysis:
        # Bad text raises inside the computation (encode checks it) and is never cached.
        return self.cache.get_or_compute(
            text,
            lambda: analyse(self.model, text, max_chars=self.max_chars, max_tokens=self.max_tokens),
        )

    def attention(self, text: str, query: AttentionQuery) -> AttentionResult:
        return attention_result(self.analyse(text), query)

    def attention_png(
        self, text: str, query: AttentionQuery, lang: str = EN
    ) -> tuple[AttentionResult, render.Image]:
        result = self.attention(text, query)
        return result, render.render_attention(result, lang)

    def compare(
        self, word: str, sentence_a: str, sentence_b: str, *, hide_special: bool = False
    ) -> Comparison:
        return compare_word(
            self.analyse(sentence_a), self.analyse(sentence_b), word, hide_special=hide_special
        )

    def compare_png(
        self, word: str, sentence_a: str, sentence_b: str, *, hide_special: bool = False, lang: str = EN
    ) -> tuple[Comparison, render.Image]:
        comparison = self.compare(word, sentence_a, sentence_b, hide_special=hide_special)
        return comparison, render.render_comparison(comparison, lang)
