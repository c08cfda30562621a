"""The engine's front door for one loaded model: input limits and a bounded cache of forward passes.

The CLI, the Discord cogs and the benchmark all call this; every method is synchronous and safe to
call from several threads at once (the bot calls it from its executor).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from bot.engine import render
from bot.engine.cache import SizedLRU
from bot.engine.defaults import DEFAULT_CACHE_MB, DEFAULT_MAX_CHARS, DEFAULT_MAX_TOKENS
from bot.engine.forward import Analysis, analyse
from bot.engine.model import LoadedModel
from bot.engine.query import AttentionQuery, precheck
from bot.engine.results import AttentionResult, QuizQuestion, attention_result
from bot.engine.similarity import Comparison, compare_word
from bot.engine.tokens import TokenizationReport, tokenization_report
from bot.i18n import EN

MIB = 1024 * 1024


class AnalysisCache(SizedLRU[Hashable, Analysis]):
    """Forward passes, least recently used first out, bounded by bytes; concurrent requests for the
    same sentence share one forward pass. One cache may serve several models (keys name the model)."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(max_bytes, lambda analysis: analysis.nbytes)


class Lens:
    def __init__(
        self,
        model: LoadedModel,
        *,
        max_chars: int = DEFAULT_MAX_CHARS,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        cache_mb: int = DEFAULT_CACHE_MB,
        cache: AnalysisCache | None = None,
    ) -> None:
        self.model = model
        self.max_chars = max_chars
        self.max_tokens = max_tokens
        self.cache = cache if cache is not None else AnalysisCache(cache_mb * MIB)

    @property
    def name(self) -> str:
        return self.model.name

    def tokenize(self, sentences: Sequence[str]) -> TokenizationReport:
        return tokenization_report(
            self.model, sentences, max_chars=self.max_chars, max_tokens=self.max_tokens
        )

    def precheck(self, text: str, query: AttentionQuery) -> None:
        """Cheap checks (no tokenizer, no model) that can run on an event loop before queueing."""
        precheck(
            text,
            query,
            num_layers=self.model.num_layers,
            num_heads=self.model.num_heads,
            max_chars=self.max_chars,
        )

    def analyse(self, text: str) -> Analysis:
        # Bad text raises inside the computation (encode checks it) and is never cached.
        return self.cache.get_or_compute(
            (self.model.name, text),
            lambda: analyse(self.model, text, max_chars=self.max_chars, max_tokens=self.max_tokens),
        )

    def attention(self, text: str, query: AttentionQuery) -> AttentionResult:
        return attention_result(self.analyse(text), query)

    def quiz(self, text: str, word: str, occurrence: int = 1, layer: int | None = None) -> QuizQuestion:
        """The guess-first question for ``word`` in ``layer`` (1-based; default the last), from the
        same cached forward pass and the same rows as /attention (specials hidden)."""
        from bot.engine.quiz import quiz_question

        query = AttentionQuery(word, occurrence=occurrence, layer=layer, hide_special=True)
        return quiz_question(self.attention(text, query))

    def attention_png(
        self, text: str, query: AttentionQuery, lang: str = EN
    ) -> tuple[AttentionResult, render.Image]:
        result = self.attention(text, query)
        return result, render.render_attention(result, lang)

    def compare(
        self, word: str, sentence_a: str, sentence_b: str, *, hide_special: bool = False, occurrence: int = 1
    ) -> Comparison:
        return compare_word(
            self.analyse(sentence_a),
            self.analyse(sentence_b),
            word,
            occurrence_a=occurrence,
            occurrence_b=occurrence,
            hide_special=hide_special,
        )

    def compare_png(
        self,
        word: str,
        sentence_a: str,
        sentence_b: str,
        *,
        hide_special: bool = False,
        occurrence: int = 1,
        lang: str = EN,
    ) -> tuple[Comparison, render.Image]:
        comparison = self.compare(
            word, sentence_a, sentence_b, hide_special=hide_special, occurrence=occurrence
        )
        return comparison, render.render_comparison(comparison, lang)
