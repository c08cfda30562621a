"""Several models in one process: each loaded on first use (by the calling thread, which in the bot is
a worker of the pool, never the event loop), kept in a least-recently-used set bounded by memory.

Evicting a model drops its cached forward passes too. A model that fails to load fails that request
with its reason and is tried again after ``retry_seconds``, without touching the others. Tokenizers
alone (no weights) are kept separately, so comparing many models' tokens stays cheap.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

from bot.engine import model as models
from bot.engine.cache import SizedLRU
from bot.engine.defaults import DEFAULT_CACHE_MB, DEFAULT_MAX_CHARS, DEFAULT_MAX_TOKENS
from bot.engine.errors import InvalidChoice, ModelUnavailable
from bot.engine.lens import MIB, AnalysisCache, Lens
from bot.engine.model import LoadedModel
from bot.engine.tokens import Tokenizing

RETRY_SECONDS = 30.0
TOKENIZERS_KEPT = 32


@dataclass(frozen=True)
class ModelInfo:
    """What /about says of a configured model."""

    name: str  # as configured (a Hugging Face id, a folder, or "bundled")
    loaded: LoadedModel | None
    failure: ModelUnavailable | None


class ModelRegistry:
    def __init__(
        self,
        names: Sequence[str],
        *,
        memory_mb: int = 4096,
        max_chars: int = DEFAULT_MAX_CHARS,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        cache_mb: int = DEFAULT_CACHE_MB,
        torch_threads: int | None = None,
        load: Callable[[str], LoadedModel] | None = None,
        load_tokens: Callable[[str], Tokenizing] | None = None,
        retry_seconds: float = RETRY_SECONDS,
        fast_path: str = "off",
        fast_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        if not names:
            raise ValueError("a registry needs at least one model name")
        self.names = tuple(dict.fromkeys(names))
        self.max_chars = max_chars
        self.max_tokens = max_tokens
        self.analyses = AnalysisCache(cache_mb * MIB)
        # Through the module, so a test may stand in for the loader.
        self._load_model = load or (lambda name: models.load_model(name, torch_threads=torch_threads))
        # FAST_PATH (bot/engine/fastpath.py): the fast path is set up where the model loads, in the
        # same worker thread, so an export or a failed self-check never reaches the event loop.
        self.fast_path = fast_path
        self._fast_dir = fast_dir
        self._torch_threads = torch_threads
        self._load_tokens = load_tokens or (lambda name: models.load_tokenizer(name))
        self._retry_seconds = retry_seconds
        # The newest model is kept even when it alone is over the budget: reloading it for every
        # request would be far worse than going over.
        self._lenses: SizedLRU[str, Lens] = SizedLRU(
            memory_mb * MIB, lambda lens: lens.model.nbytes, on_evict=self._forget, keep_oversized=True
        )
        self._tokenizers: SizedLRU[str, Tokenizing] = SizedLRU(TOKENIZERS_KEPT, lambda _: 1)
        self._failures: dict[str, tuple[float, ModelUnavailable]] = {}
        self._lock = threading.Lock()

    @classmethod
    def of(cls, *lenses: Lens) -> ModelRegistry:
        """A registry over models already loaded (tests, the benchmark)."""
        registry = cls([lens.model.spec for lens in lenses], max_chars=lenses[0].max_chars)
        for lens in lenses:
            registry._lenses.get_or_compute(lens.model.spec, lambda lens=lens: lens)  # type: ignore[misc]
        return registry

    @property
    def default(self) -> str:
        return self.names[0]

    def resolve(self, name: str | None) -> str:
        """The configured name meant by ``name`` (None: the default), or a friendly error."""
        if name is None or not name.strip():
            return self.default
        if name in self.names:
            return name
        raise InvalidChoice("model", name, self.names)

    def lens(self, name: str | None = None) -> Lens:
        """The model's lens, loading it now if needed (seconds: call it from a worker thread)."""
        key = self.resolve(name)
        with self._lock:
            failed = self._failures.get(key)
        if failed is not None and time.monotonic() - failed[0] < self._retry_seconds:
            raise failed[1]
        try:
            lens = self._lenses.get_or_compute(key, lambda: self._build(key))
        except ModelUnavailable as exc:
            with self._lock:
                self._failures[key] = (time.monotonic(), exc)
            raise
        with self._lock:
            self._failures.pop(key, None)
        return lens

    def loaded(self, name: str | None = None) -> Lens | None:
        """The model's lens if it is loaded now, without loading it."""
        return self._lenses.peek(self.resolve(name))

    def tokenizer(self, name: str | None = None) -> Tokenizing:
        """The model's tokenizer: the loaded model's own, else the tokenizer alone (no weights)."""
        key = self.resolve(name)
        lens = self.loaded(key)
        if lens is not None:
            return lens.model
        return self._tokenizers.get_or_compute(key, lambda: self._load_tokens(key))

    def info(self) -> list[ModelInfo]:
        with self._lock:
            failures = {name: exc for name, (_, exc) in self._failures.items()}
        return [
            ModelInfo(name, lens.model if (lens := self._lenses.peek(name)) else None, failures.get(name))
            for name in self.names
        ]

    def _load(self, name: str) -> LoadedModel:
        loaded = self._load_model(name)
        if self.fast_path != "off" and loaded.fast is None:
            from bot.engine import fastpath

            fastpath.attach(loaded, self.fast_path, cache_dir=self._fast_dir, threads=self._torch_threads)
        return loaded

    def _build(self, name: str) -> Lens:
        return Lens(
            self._load(name), max_chars=self.max_chars, max_tokens=self.max_tokens, cache=self.analyses
        )

    def _forget(self, name: Hashable, lens: Lens) -> None:
        model_name = lens.model.name
        self.analyses.drop(lambda key: isinstance(key, tuple) and key[0] == model_name)
