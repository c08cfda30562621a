"""The asynchronous face of the engine: every model call and every drawing runs in the worker pool,
for the model a request names (``ModelRegistry``). The cogs, the paging view and the benchmark all go
through this class; none of them reaches into the engine.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Awaitable, Sequence
from pathlib import Path

from bot.engine import morphemes
from bot.engine.lens import Lens
from bot.engine.occlusion import Occlusion
from bot.engine.predict import Predictions
from bot.engine.query import AttentionQuery, precheck
from bot.engine.registry import ModelInfo, ModelRegistry
from bot.engine.render import Image
from bot.engine.results import Animation, AttentionResult, QuizQuestion
from bot.engine.similarity import Comparison
from bot.engine.tokens import TokenizationReport, check_text, tokenization_report
from bot.engine.words import check_word
from bot.i18n import EN
from bot.pool import Busy, ShuttingDown, WorkerPool
from bot.settings import Settings

__all__ = ["Busy", "LensService", "ShuttingDown", "registry_from_settings"]

log = logging.getLogger(__name__)


def registry_from_settings(settings: Settings, *, fast: bool = True) -> ModelRegistry:
    """The models the settings name (nothing is loaded yet). ``fast=False``: eager transformers
    whatever FAST_PATH says (the command line: one forward pass never repays opening a session)."""
    return ModelRegistry(
        settings.models,
        memory_mb=settings.model_memory_mb,
        max_chars=settings.max_chars,
        max_tokens=settings.max_tokens,
        cache_mb=settings.cache_mb,
        torch_threads=settings.torch_threads,
        fast_path=settings.fast_path if fast else "off",
        fast_dir=Path(settings.data_dir) / "onnx",
    )


def freeze_start_up_objects() -> None:
    """Exempt everything alive now (torch's, transformers' and the model's ~0.5 million start-up
    objects) from later garbage collections: a full collection over them took ~250 ms and holds the
    GIL, so the event loop stalled that long whenever one fell due (docs/bench.md). Called once the
    service is ready. No collection first: it would cost the same ~250 ms of cold start, and what
    start-up garbage it would free is a one-off few objects kept for good."""
    gc.freeze()


class LensService(WorkerPool):
    @classmethod
    def from_settings(cls, settings: Settings) -> LensService:
        """A service whose models load in its own pool, on first use or ``start`` (not before)."""
        return cls(
            registry_from_settings(settings),
            workers=settings.workers,
            queue_limit=settings.queue_limit,
            torch_threads=settings.torch_threads,
        )

    def __init__(
        self,
        models: ModelRegistry | Lens,
        *,
        workers: int = 2,
        queue_limit: int = 8,
        torch_threads: int | None = 1,
    ) -> None:
        super().__init__(workers=workers, queue_limit=queue_limit, torch_threads=torch_threads)
        self.models = models if isinstance(models, ModelRegistry) else ModelRegistry.of(models)

    async def start(self) -> None:
        """Load the default model in the pool (never on the event loop) before users arrive; a default
        that cannot load stops the start-up with its reason. The Korean analyser, when installed, too:
        loading it later would hold up the first Korean request by seconds. The two load side by side
        in two workers (the analyser took 0.7 s of a 5.4 s cold start after the model, docs/bench.md);
        the model's failure is raised once both are done."""
        jobs: list[Awaitable[object]] = [self.run(self.models.lens)]
        if morphemes.available():
            jobs.append(self.run(morphemes.warm_up))
        for outcome in await asyncio.gather(*jobs, return_exceptions=True):  # the model's first
            if isinstance(outcome, BaseException):
                raise outcome

    @property
    def lens(self) -> Lens:
        """The default model's lens (loaded by ``start``)."""
        lens = self.models.loaded()
        if lens is None:
            raise RuntimeError("LensService.start() has not loaded the default model yet")
        return lens

    def model_info(self) -> list[ModelInfo]:
        return self.models.info()

    # ------------------------------------------------------------------------------------- checks
    # Cheap checks (no tokenizer, no model) on the event loop before anything is queued, so bad input
    # is answered at once instead of after waiting for a worker. A model not loaded yet has its layer
    # and head numbers checked in the worker instead.

    def check_texts(self, *texts: str, model: str | None = None) -> None:
        self.models.resolve(model)
        for n, text in enumerate(texts, start=1):
            check_text(text, max_chars=self.models.max_chars, label=str(n) if len(texts) > 1 else None)

    def check_attention(self, sentence: str, query: AttentionQuery, model: str | None = None) -> None:
        lens = self.models.loaded(model)
        precheck(
            sentence,
            query,
            max_chars=self.models.max_chars,
            num_layers=lens.model.num_layers if lens else None,
            num_heads=lens.model.num_heads if lens else None,
        )

    def check_compare(self, word: str, sentence_a: str, sentence_b: str, model: str | None = None) -> None:
        self.models.resolve(model)
        for label, text in (("A", sentence_a), ("B", sentence_b)):
            check_text(text, max_chars=self.models.max_chars, label=label)
            check_word(text, word)

    # -------------------------------------------------------------------------------- engine calls

    async def tokenize(self, sentences: Sequence[str], model: str | None = None) -> TokenizationReport:
        def job() -> TokenizationReport:
            for sentence in sentences:
                morphemes.analyse(sentence)  # Korean morphemes for the reply's table, cached here
            return self.models.lens(model).tokenize(list(sentences))

        return await self.run(job)

    async def tokenize_models(
        self, sentences: Sequence[str], names: Sequence[str]
    ) -> list[TokenizationReport]:
        """The sentences through several models' tokenizers (tokenizers only: no weights load)."""

        def job() -> list[TokenizationReport]:
            return [
                tokenization_report(
                    self.models.tokenizer(name),
                    sentences,
                    max_chars=self.models.max_chars,
                    max_tokens=self.models.max_tokens,
                )
                for name in names
            ]

        return await self.run(job)

    async def attention(
        self, sentence: str, query: AttentionQuery, lang: str = EN, *, model: str | None = None
    ) -> tuple[AttentionResult, Image]:
        return await self.run(lambda: self.models.lens(model).attention_png(sentence, query, lang))

    async def animation(
        self,
        sentence: str,
        query: AttentionQuery,
        lang: str = EN,
        *,
        model: str | None = None,
        max_bytes: int | None = None,
    ) -> tuple[Animation, Image]:
        """Every layer in turn as a GIF no larger than ``max_bytes`` (the interaction's upload limit)."""
        return await self.run(
            lambda: self.models.lens(model).animation_gif(sentence, query, lang, max_bytes=max_bytes)
        )

    async def occlusion(
        self, sentence: str, query: AttentionQuery, lang: str = EN, *, model: str | None = None
    ) -> tuple[Occlusion, Image]:
        return await self.run(lambda: self.models.lens(model).occlusion_png(sentence, query, lang))

    async def quiz(
        self,
        sentence: str,
        word: str,
        *,
        occurrence: int = 1,
        layer: int | None = None,
        model: str | None = None,
    ) -> QuizQuestion:
        return await self.run(lambda: self.models.lens(model).quiz(sentence, word, occurrence, layer))

    async def compare(
        self,
        word: str,
        sentence_a: str,
        sentence_b: str,
        *,
        hide_special: bool = False,
        lang: str = EN,
        model: str | None = None,
    ) -> tuple[Comparison, Image]:
        def job() -> tuple[Comparison, Image]:
            lens = self.models.lens(model)
            return lens.compare_png(word, sentence_a, sentence_b, hide_special=hide_special, lang=lang)

        return await self.run(job)

    async def predictions(
        self, sentence: str, *, top: int = 5, lang: str = EN, model: str | None = None
    ) -> tuple[Predictions, Image]:
        """Each mask's guesses and the logit lens, and their figure (a model without a masked-LM head
        is refused before its forward pass; [MASK] or <mask> is read as the model's own token)."""
        return await self.run(lambda: self.models.lens(model).predictions_png(sentence, top, lang))
