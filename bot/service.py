"""The asynchronous face of the engine: every model or drawing call runs in one bounded thread pool.

The event loop only admits work and awaits it, so heartbeats and other users' clicks are never held
up by a forward pass or by drawing. When the pool and its queue are full, new work is refused at
once (``Busy``) rather than piling up behind requests that will already be late. The cogs, the
paging view and the benchmark all go through this class; none of them reaches into the engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import logging
import statistics
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from bot.engine.lens import Lens
from bot.engine.model import LoadedModel, set_torch_threads
from bot.engine.query import AttentionQuery
from bot.engine.render import Image
from bot.engine.results import AttentionResult
from bot.engine.similarity import Comparison
from bot.engine.tokens import TokenizationReport
from bot.i18n import EN
from bot.settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")

# Set while the current task holds a place taken with LensService.admit().
_ADMITTED: contextvars.ContextVar[bool] = contextvars.ContextVar("bertlens_admitted", default=False)


class Busy(Exception):
    """Every worker is occupied and the queue is full."""


class ShuttingDown(Exception):
    """The bot is stopping and takes no new work."""


def load_lens(settings: Settings) -> Lens:
    """The engine as the settings describe it (loads the model: seconds, so never on an event loop)."""
    from bot.engine.model import load_model

    model = load_model(settings.model, torch_threads=settings.torch_threads)
    return Lens(
        model, max_chars=settings.max_chars, max_tokens=settings.max_tokens, cache_mb=settings.cache_mb
    )


class LensService:
    @classmethod
    def from_settings(cls, settings: Settings) -> LensService:
        """A service whose model loads in its own pool when started (``start``), not before."""
        return cls(
            functools.partial(load_lens, settings),
            workers=settings.workers,
            queue_limit=settings.queue_limit,
            torch_threads=settings.torch_threads,
        )

    def __init__(
        self,
        lens: Lens | Callable[[], Lens],
        *,
        workers: int = 2,
        queue_limit: int = 8,
        torch_threads: int | None = 1,
    ) -> None:
        self._lens: Lens | None = lens if isinstance(lens, Lens) else None
        self._load_lens = None if isinstance(lens, Lens) else lens
        self.workers = workers
        self.capacity = workers + queue_limit
        # torch's thread count is per OS thread (OpenMP): a worker that does not set it runs every
        # matrix product on all cores, and two such workers fight over them instead of scaling.
        self.executor = ThreadPoolExecutor(
            max_workers=workers,
            thread_name_prefix="bertlens-worker",
            initializer=set_torch_threads,
            initargs=(torch_threads,),
        )
        self.accepting = True
        self.started = time.monotonic()
        self.served = 0
        self.latencies: deque[float] = deque(maxlen=1000)
        self._pending = 0
        self._admitted = 0
        self._last_progress = time.monotonic()

    async def start(self) -> None:
        """Load the model in the worker pool (never on the event loop), if it is not loaded yet."""
        if self._lens is None and self._load_lens is not None:
            self._lens = await self.run(self._load_lens)

    @property
    def lens(self) -> Lens:
        if self._lens is None:
            raise RuntimeError("LensService.start() has not loaded the model yet")
        return self._lens

    @property
    def pending(self) -> int:
        """Jobs admitted and not yet finished (running or queued)."""
        return self._pending

    def stalled_for(self) -> float:
        """Seconds since a job last finished while jobs are waiting; 0 when idle. A pool that stays
        stalled for minutes is wedged (a forward pass cannot take that long)."""
        if self._pending == 0:
            return 0.0
        return time.monotonic() - self._last_progress

    def _load(self) -> int:
        # Admitted requests that have not reached the pool yet count, and so do threads still busy
        # with the job of a request that was cancelled.
        return max(self._admitted, self._pending)

    def can_accept(self) -> bool:
        return self.accepting and self._load() < self.capacity

    def ensure_capacity(self) -> None:
        if not self.accepting:
            raise ShuttingDown
        if self._load() >= self.capacity:
            raise Busy

    @contextlib.contextmanager
    def admit(self) -> Iterator[None]:
        """Hold a place from the moment a request is accepted until it is answered.

        Raises Busy/ShuttingDown at once, so a burst of requests is told "busy" before any of them is
        promised an answer (deferred); jobs run inside the block are not checked again, so a request
        accepted before shutdown began is finished.
        """
        self.ensure_capacity()
        self._admitted += 1
        token = _ADMITTED.set(True)
        try:
            yield
        finally:
            _ADMITTED.reset(token)
            self._admitted -= 1

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` in the pool. Only the event loop thread touches the counters."""
        if not _ADMITTED.get():
            self.ensure_capacity()
        loop = asyncio.get_running_loop()
        job = self.executor.submit(fn, *args)
        if self._pending == 0:
            self._last_progress = time.monotonic()
        self._pending += 1
        # Count the job as pending until its thread is done with it, even if the awaiting task is
        # cancelled: the callback sits on the thread's future, not on the asyncio wrapper.
        job.add_done_callback(lambda _: self._call_on_loop(loop, self._finished))
        return await asyncio.wrap_future(job)

    @staticmethod
    def _call_on_loop(loop: asyncio.AbstractEventLoop, callback: Callable[[], None]) -> None:
        # RuntimeError: the loop closed first (process exit), so nobody is counting any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(callback)

    def _finished(self) -> None:
        self._last_progress = time.monotonic()
        self._pending -= 1

    def record(self, seconds: float) -> None:
        """One request answered, end to end, as the user waited for it."""
        self.served += 1
        self.latencies.append(seconds)

    def median_latency(self) -> float | None:
        return statistics.median(self.latencies) if self.latencies else None

    def uptime(self) -> float:
        return time.monotonic() - self.started

    # ---------------------------------------------------------------------- checks and model info

    @property
    def model(self) -> LoadedModel:
        return self.lens.model

    @property
    def max_chars(self) -> int:
        return self.lens.max_chars

    def check_texts(self, *texts: str) -> None:
        """Cheap checks (no tokenizer, no model) that run on the event loop before anything is queued,
        so bad input is answered at once instead of after waiting for a worker."""
        for text in texts:
            self.lens.precheck_text(text)

    def check_attention(self, sentence: str, query: AttentionQuery) -> None:
        self.lens.precheck(sentence, query)

    def check_compare(self, word: str, sentence_a: str, sentence_b: str) -> None:
        self.lens.precheck_compare(word, sentence_a, sentence_b)

    # -------------------------------------------------------------------------------- engine calls

    async def tokenize(self, sentences: Sequence[str]) -> TokenizationReport:
        return await self.run(self.lens.tokenize, list(sentences))

    async def attention(
        self, sentence: str, query: AttentionQuery, lang: str = EN
    ) -> tuple[AttentionResult, Image]:
        return await self.run(self.lens.attention_png, sentence, query, lang)

    async def compare(
        self, word: str, sentence_a: str, sentence_b: str, *, hide_special: bool = False, lang: str = EN
    ) -> tuple[Comparison, Image]:
        return await self.run(
            functools.partial(self.lens.compare_png, hide_special=hide_special, lang=lang),
            word,
            sentence_a,
            sentence_b,
        )

    # ------------------------------------------------------------------------------------ shutdown

    def close(self) -> None:
        self.accepting = False
        self.executor.shutdown(wait=False, cancel_futures=True)
