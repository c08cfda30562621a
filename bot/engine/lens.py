"""The engine's front door for one loaded model: input limits and a bounded cache of forward passes.

The CLI, the Discord cogs and the benchmark all call this; every method is synchronous and safe to
call from several threads at once (the bot calls it from its executor).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import replace
from typing import Protocol, TypeVar

from bot.engine import render
from bot.engine.cache import SizedLRU
from bot.engine.defaults import DEFAULT_CACHE_MB, DEFAULT_MAX_CHARS, DEFAULT_MAX_TOKENS
from bot.engine.forward import Analysis, analyse
from bot.engine.model import LoadedModel
from bot.engine.norms import Norms, value_norms
from bot.engine.occlusion import Method, Occlusion, occlusion
from bot.engine.predict import Predictions, mask_token, no_masked_lm_head, predictions, read_masks
from bot.engine.query import AttentionQuery, precheck, resolve_query
from bot.engine.results import Animation, AttentionResult, QuizQuestion, attention_result
from bot.engine.similarity import Comparison, compare_word
from bot.engine.tokens import TokenizationReport, tokenization_report
from bot.engine.words import find_word
from bot.i18n import EN

MIB = 1024 * 1024


class Cached(Protocol):
    @property
    def nbytes(self) -> int: ...


C = TypeVar("C", bound=Cached)


class AnalysisCache(SizedLRU[Hashable, Cached]):
    """Forward passes and what is derived from them (value norms), least recently used first out,
    bounded by bytes together; concurrent requests for the same sentence share one computation. One
    cache may serve several models: keys start with the model's name ((name, text) for a forward pass,
    (name, text, "norms") for its norms), so forgetting a model drops both. A sentence's pass and its
    norms are kept together: at 512 tokens bert-base's pair is ~340 MiB, and with CACHE_MB=256 the
    norms used to evict the pass they were computed from, so every other page ran the model again."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(max_bytes, lambda value: value.nbytes, together=_sentence_of)


def _sentence_of(key: Hashable) -> Hashable:
    """(model, text) for a forward pass and everything derived from it."""
    return key[:2] if isinstance(key, tuple) else key


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

    def _cached(self, key: Hashable, kind: type[C], compute: Callable[[], C]) -> C:
        value = self.cache.get_or_compute(key, compute)
        assert isinstance(value, kind)
        return value

    def analyse(self, text: str) -> Analysis:
        # Bad text raises inside the computation (encode checks it) and is never cached.
        return self._cached(
            (self.model.name, text),
            Analysis,
            lambda: analyse(self.model, text, max_chars=self.max_chars, max_tokens=self.max_tokens),
        )

    def norms(self, text: str) -> Norms:
        """Value-weighted norms of the sentence: computed once from its cached forward pass (no model
        run; 0.25-0.6x the time of one), kept beside it in the cache, so paging never recomputes."""
        analysis = self.analyse(text)
        return self._cached(
            (self.model.name, text, "norms"), Norms, lambda: value_norms(self.model, analysis)
        )

    def occlusion(self, text: str, query: AttentionQuery, *, method: Method = "auto") -> Occlusion:
        """ "Does it matter?" for ``query.word``: the tokens it attends to most and least in the layer
        and head combination of ``query``, each taken out in turn (one forward pass per removal)."""
        analysis = self.analyse(text)
        resolved = resolve_query(query, analysis.num_layers, analysis.num_heads)
        span = find_word(analysis.sentence, query.word, query.occurrence)
        return occlusion(
            self.model,
            analysis,
            span,
            heads=resolved.heads,
            layer=resolved.layer,
            hide_special=query.hide_special,
            method=method,
        )

    def occlusion_png(
        self, text: str, query: AttentionQuery, lang: str = EN, *, method: Method = "auto"
    ) -> tuple[Occlusion, render.Image]:
        result = self.occlusion(text, query, method=method)
        return result, render.render_occlusion(result, lang)

    def predictions(self, text: str, k: int = 5) -> Predictions:
        """Fill-mask guesses for each mask token, and the logit lens, from the cached forward pass.

        A model without a masked-LM head is refused before any forward pass. A sentence without the
        model's own mask token but with [MASK] or <mask> (any case) is read with the model's token in
        their place, and the result says so (``typed``, ``aliases``)."""
        if self.model.head is None:
            raise no_masked_lm_head(self.model.name)
        read = read_masks(text, mask_token(self.model))
        result = predictions(self.model, self.analyse(read.text), k)
        return replace(result, typed=read.typed, aliases=read.aliases) if read.aliases else result

    def predictions_png(self, text: str, k: int = 5, lang: str = EN) -> tuple[Predictions, render.Image]:
        result = self.predictions(text, k)
        return result, render.render_predictions(result, lang)

    def attention(self, text: str, query: AttentionQuery) -> AttentionResult:
        analysis = self.analyse(text)
        norms = self.norms(text) if query.values == "norms" and query.view != "rollout" else None
        return attention_result(analysis, query, norms)

    def animation(self, text: str, query: AttentionQuery) -> Animation:
        """``query`` (``animate`` set, no layer) for every layer in turn, from one forward pass."""
        precheck(text, query, max_chars=self.max_chars)  # the animation's own conflicts, before any work
        analysis = self.analyse(text)
        frames = tuple(
            self.attention(text, replace(query, layer=layer, animate=False))
            for layer in range(1, analysis.num_layers + 1)
        )
        return Animation(query=query, frames=frames)

    def animation_gif(
        self, text: str, query: AttentionQuery, lang: str = EN, *, max_bytes: int | None = None
    ) -> tuple[Animation, render.Image]:
        result = self.animation(text, query)
        return result, render.render_animation(result, lang, max_bytes=max_bytes)

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
