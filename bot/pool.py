"""One bounded thread pool for every model or drawing call, and admission to it.

The event loop only admits work and awaits it, so heartbeats and other users' clicks are never held
up by a forward pass or by drawing. When the pool and its queue are full, new work is refused at
once (``Busy``) rather than piling up behind requests that will already be late.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import statistics
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from bot.engine.model import set_torch_threads

T = TypeVar("T")

# Set while the current task holds a place taken with WorkerPool.admit().
_ADMITTED: contextvars.ContextVar[bool] = contextvars.ContextVar("bertlens_admitted", default=False)


def limit_blas_threads(threads: int | None) -> None:
    """Bound numpy's BLAS (OpenBLAS) to ``threads`` per call, as torch is bounded by TORCH_THREADS.

    OpenBLAS keeps one process-wide pool sized to the cores and ``torch.set_num_threads`` does not
    reach it, so each worker's float64 products (rollout, norms) fanned out over every core while the
    other worker was busy too: rollout at 512 tokens took 253 ms of CPU with the default vs 124 ms
    with one thread (docs/bench.md). threadpoolctl sets it at run time, after numpy is imported
    (OPENBLAS_NUM_THREADS only counts before); it is the scikit-learn project's small, pure-Python
    library for exactly this."""
    if not threads:
        return
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads, user_api="blas")


class Busy(Exception):
    """Every worker is occupied and the queue is full."""


class ShuttingDown(Exception):
    """The bot is stopping and takes no new work."""


class WorkerPool:
    """A fixed set of worker threads, a bounded queue, and the counters health and /about read."""

    def __init__(self, *, workers: int = 2, queue_limit: int = 8, torch_threads: int | None = 1) -> None:
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
        limit_blas_threads(torch_threads)
        self.accepting = True
        self.started = time.monotonic()
        self.served = 0
        self.latencies: deque[float] = deque(maxlen=1000)
        self._pending = 0
        self._admitted = 0
        self._last_progress = time.monotonic()

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

    def close(self) -> None:
        self.accepting = False
        self.executor.shutdown(wait=False, cancel_futures=True)
