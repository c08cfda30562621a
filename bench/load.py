"""Bursts of concurrent /attention requests through the bot's own LensService and WorkerPool.

Ideal throughput is cores / CPU time of one request: the CPU seconds (every thread of the process) one
request takes through the same service when it runs alone, median over lone requests taken before,
between and after the bursts (on a VM even CPU seconds drift with the host's load). A burst
that keeps every core busy with useful work reaches it; time lost to the GIL, to threads waiting on one
another, or to other processes on shared cores shows as a shortfall. The last one is not the bot's:
the worker threads' run-queue waits (schedstat) are recorded so it can be told apart.
"""

from __future__ import annotations

import asyncio
import gc
import os
import statistics
import threading
import time
from dataclasses import dataclass

from bench.latency import MAX_CHARS, MAX_TOKENS
from bench.texts import TARGET, exact_text
from bench.timing import run_queue_seconds
from bot.engine.lens import Lens
from bot.engine.model import LoadedModel
from bot.engine.query import AttentionQuery
from bot.service import LensService, freeze_start_up_objects

BURST = 32
TICK = 0.010  # the loop-lag probe's period


@dataclass
class BurstResult:
    shape: str
    tokens: int
    requests: int  # counted, after one uncounted burst
    rounds: int
    cpu_one: float  # s, CPU time of one request alone
    throughput: float  # requests/s, median over rounds
    p50: float  # s
    p95: float  # s
    worst_lag: float  # s
    cpu_per_request: float  # s, CPU time per request during the bursts (all threads)
    run_queue_share: float  # of the workers' busy time, spent waiting for a core held by someone else
    gc_pause: float  # s, the longest garbage collection during the counted bursts (it holds the GIL)

    @property
    def cores(self) -> int:
        return os.cpu_count() or 1

    @property
    def ideal(self) -> float:
        return self.cores / self.cpu_one

    @property
    def share(self) -> float:
        return self.throughput / self.ideal

    @property
    def projected_share(self) -> float:
        """The share had no other process taken the cores: burst time less the workers' run-queue wait."""
        return self.share / max(1e-9, 1 - self.run_queue_share)


def _texts(model: LoadedModel, tokens: int, start: int, count: int) -> list[str]:
    with model.tokenizing() as tokenizer:
        return [exact_text(tokenizer, tokens, variant=start + i) for i in range(count)]


async def _bursts(
    service: LensService, texts: list[str], rounds: int, warm: int, singles: int
) -> dict[str, float]:
    worst_lag = 0.0
    lag_on = False
    stop = asyncio.Event()

    async def ticker() -> None:
        nonlocal worst_lag
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            expected = loop.time() + TICK
            await asyncio.sleep(TICK)
            if lag_on:
                worst_lag = max(worst_lag, loop.time() - expected)

    latencies: list[float] = []
    pending = iter(texts)
    query = AttentionQuery(TARGET)

    async def one() -> None:
        text = next(pending)  # distinct sentences: every request pays for its own forward pass
        started = time.perf_counter()
        await service.attention(text, query)
        latencies.append(time.perf_counter() - started)

    async def alone() -> float:
        """CPU seconds (all threads) of one request with nothing else running: the same path as a
        burst's requests, one at a time, between bursts, so it meets the same machine."""
        started = time.process_time()
        await service.attention(next(pending), query)
        return time.process_time() - started

    pauses: list[float] = []

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            on_gc.started = time.perf_counter()  # type: ignore[attr-defined]
        elif lag_on:
            pauses.append(time.perf_counter() - on_gc.started)  # type: ignore[attr-defined]

    gc.callbacks.append(on_gc)
    tick = asyncio.create_task(ticker())
    # Not counted: new worker threads pay once for their allocator arenas and kernels.
    await asyncio.gather(*(one() for _ in range(warm)))
    latencies.clear()
    workers = [t for t in threading.enumerate() if t.name.startswith("bertlens-worker")]
    cpu_one: list[float] = []
    throughputs, busy, cpu, waited = [], 0.0, 0.0, 0.0
    for _ in range(rounds):
        cpu_one += [await alone() for _ in range(singles)]
        waits_before = run_queue_seconds(workers)
        cpu_before = time.process_time()
        lag_on = True
        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(BURST)))
        elapsed = time.perf_counter() - started
        lag_on = False
        cpu += time.process_time() - cpu_before
        waits_after = run_queue_seconds(workers)
        waits = [waits_after[tid] - waits_before[tid] for tid in waits_after if tid in waits_before]
        waited += statistics.mean(waits) if waits else 0.0
        throughputs.append(BURST / elapsed)
        busy += elapsed
    cpu_one += [await alone() for _ in range(singles)]
    stop.set()
    await tick
    gc.callbacks.remove(on_gc)
    latencies.sort()
    return {
        "cpu_one": statistics.median(cpu_one),
        "throughput": statistics.median(throughputs),
        "p50": statistics.median(latencies),
        "p95": latencies[max(0, round(0.95 * len(latencies)) - 1)],
        "worst_lag": worst_lag,
        "cpu_per_request": cpu / (BURST * rounds),
        "run_queue_share": waited / busy,
        "gc_pause": max(pauses, default=0.0),
    }


def measure_bursts(
    shape: str,
    model: LoadedModel,
    tokens: int,
    *,
    rounds: int,
    singles: int,
    warm: int,
    workers: int,
    torch_threads: int,
    cache_mb: int,
) -> BurstResult:
    """``rounds`` counted bursts, with ``singles`` lone requests before, between and after them."""
    # The queue admits the whole burst (the bot's default QUEUE_LIMIT of 8 would answer most "busy").
    service = LensService(
        Lens(model, max_chars=MAX_CHARS, max_tokens=MAX_TOKENS, cache_mb=cache_mb),
        workers=workers,
        queue_limit=2 * BURST,
        torch_threads=torch_threads,
    )
    freeze_start_up_objects()  # as the bot does once its service is ready (bot/client.py)
    try:
        texts = _texts(model, tokens, 0, warm + (BURST + singles) * rounds + singles)
        stats = asyncio.run(_bursts(service, texts, rounds, warm, singles))
    finally:
        service.close()
    return BurstResult(
        shape=shape,
        tokens=tokens,
        requests=BURST * rounds,
        rounds=rounds,
        cpu_one=stats["cpu_one"],
        throughput=stats["throughput"],
        p50=stats["p50"],
        p95=stats["p95"],
        worst_lag=stats["worst_lag"],
        cpu_per_request=stats["cpu_per_request"],
        run_queue_share=stats["run_queue_share"],
        gc_pause=stats["gc_pause"],
    )
