"""``python -m bench``: how long users wait, against the seed-style baseline and the physical floor.

Everything runs in one process, on the same machine, on the same sentences, so the ratios are
meaningful even where absolute times are not. Medians over repeated runs throughout.

    python -m bench [--repeats N] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import platform
import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch

from bench.baseline import baseline_attention_png
from bench.floor import decoded_pixels, floor_request
from bot import __version__
from bot.engine import render
from bot.engine.lens import Lens
from bot.engine.model import load_model
from bot.engine.query import AttentionQuery
from bot.engine.render.png import encode_png
from bot.engine.results import attention_result
from bot.service import LensService
from bot.settings import load_settings

# (sentence, word): 7 to 30 tokens, as in a study server.
SENTENCES: list[tuple[str, str]] = [
    ("Apple is huge enterprise", "apple"),
    ("I am eating an apple", "apple"),
    ("The bank raised interest rates while we sat on the river bank", "bank"),
    ("She read the book that her grandmother had written before the war", "book"),
    ("Transformers changed natural language processing when attention replaced recurrence", "attention"),
    (
        "After the long meeting the tired engineers finally shipped the new release to every customer",
        "engineers",
    ),
]

PAGING = [
    {"layer": 3},
    {"head": 5},
    {"view": "heads"},
    {"view": "matrix"},
    {"view": "grid"},
    {"view": "rollout"},
    {"hide_special": True},
]


@dataclass
class Row:
    name: str
    ms: float
    note: str = ""


def median_ms(fn: Callable[[], Any], repeats: int, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def per_sentence(fn: Callable[[str, str], Any], repeats: int) -> float:
    """Median over repeats of the mean time per request across all sentences."""
    return median_ms(lambda: [fn(s, w) for s, w in SENTENCES], repeats) / len(SENTENCES)


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


async def load_test(service: LensService, requests: int, rounds: int) -> dict[str, float]:
    """Bursts of concurrent /attention requests through the bot's real service, with a 10 ms
    loop-lag ticker running throughout."""
    worst_lag = 0.0
    stop = asyncio.Event()

    async def ticker() -> None:
        nonlocal worst_lag
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            expected = loop.time() + 0.010
            await asyncio.sleep(0.010)
            worst_lag = max(worst_lag, loop.time() - expected)

    latencies: list[float] = []
    counter = iter(range(10**9))

    async def one() -> None:
        i = next(counter)
        sentence, word = SENTENCES[i % len(SENTENCES)]
        # Distinct sentences, so every request pays for its own forward pass (no cache hits).
        text = f"{sentence} number {i}"
        started = time.perf_counter()
        await service.attention(text, AttentionQuery(word))
        latencies.append(time.perf_counter() - started)

    tick = asyncio.create_task(ticker())
    # One burst, not counted: new worker threads pay once for their allocator arenas and kernels.
    await asyncio.gather(*(one() for _ in range(requests)))
    latencies.clear()
    throughputs = []
    for _ in range(rounds):
        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(requests)))
        throughputs.append(requests / (time.perf_counter() - started))
    stop.set()
    await tick
    latencies.sort()
    return {
        "throughput": statistics.median(throughputs),
        "p50": statistics.median(latencies),
        "p95": latencies[max(0, round(0.95 * len(latencies)) - 1)],
        "worst_lag": worst_lag,
    }


def single_request_cpu(lens: Lens, repeats: int) -> float:
    """CPU seconds (all threads) of one first /attention request, measured sequentially."""
    times = []
    for r in range(repeats):
        for i, (sentence, word) in enumerate(SENTENCES):
            text = f"{sentence} cpu {r} {i}"
            started = time.process_time()
            lens.attention_png(text, AttentionQuery(word))
            times.append(time.process_time() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="repeats per measurement (median)")
    parser.add_argument("--quick", action="store_true", help="fewer repeats and requests, for a smoke run")
    args = parser.parse_args()
    repeats = 3 if args.quick else args.repeats
    leak_requests = 100 if args.quick else 500
    bench_started = time.perf_counter()

    settings = load_settings()
    model = load_model("bundled", torch_threads=settings.torch_threads)
    lens = Lens(model, cache_mb=settings.cache_mb)
    tokenizer, hf_model = model.tokenizer, model.model

    print(
        f"BERT Lens {__version__} benchmark - {model.name}, "
        f"{model.num_layers} layers x {model.num_heads} heads\n"
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, torch {torch.__version__}, workers={settings.workers}, "
        f"torch threads={settings.torch_threads}\n"
    )

    # Pixels of the images BERT Lens sends, for the floor's "encode without drawing".
    pixels = {s: decoded_pixels(lens.attention_png(s, AttentionQuery(w))[1].png) for s, w in SENTENCES}
    encode = encode_png

    rows: list[Row] = []
    baseline = per_sentence(lambda s, w: baseline_attention_png(tokenizer, hf_model, s, w), repeats)
    rows.append(
        Row("baseline: seed-style pyplot pipeline", baseline, "forward + pyplot, cell labels, tight bbox")
    )
    floor = per_sentence(lambda s, w: floor_request(tokenizer, hf_model, s, pixels[s], encode), repeats)
    rows.append(Row("floor: forward pass + PNG encode only", floor, "same pixels, no drawing"))

    def first(s: str, w: str) -> None:
        lens.cache.clear()
        lens.attention_png(s, AttentionQuery(w))

    lens_first = per_sentence(first, repeats)
    rows.append(
        Row("BERT Lens /attention, first request", lens_first, "tokenize, forward, analyse, draw, encode")
    )
    lens_repeat = per_sentence(lambda s, w: lens.attention_png(s, AttentionQuery(w)), repeats)
    rows.append(Row("BERT Lens /attention, repeated (cache hit)", lens_repeat, "no forward pass"))

    results = {(s, w): lens.attention(s, AttentionQuery(w)) for s, w in SENTENCES}
    paging_queries = [(s, replace(AttentionQuery(w), **change)) for s, w in SENTENCES for change in PAGING]
    paging_results = [(s, q, attention_result(lens.analyse(s), q)) for s, q in paging_queries]
    render_only = median_ms(lambda: [render.render_attention(r) for _, _, r in paging_results], repeats)
    render_only /= len(paging_results)
    paging = median_ms(lambda: [lens.attention_png(s, q) for s, q in paging_queries], repeats)
    paging /= len(paging_queries)
    rows.append(Row("paging: other layer/head/view (cached)", paging, "layer, head, 5 views, hide specials"))
    rows.append(Row("rendering alone, same images", render_only, "render_attention on ready results"))
    tokenize = per_sentence(lambda s, w: lens.tokenize([s]), repeats)
    rows.append(Row("BERT Lens /tokenize", tokenize, "tokenizer + report"))
    del results

    # Under load, through the bot's own executor and asyncio code.
    cpu = single_request_cpu(lens, 1 if args.quick else 2)
    service = LensService(
        Lens(model, cache_mb=settings.cache_mb),
        workers=settings.workers,
        queue_limit=64,
        torch_threads=settings.torch_threads,
    )
    load = asyncio.run(load_test(service, 32, rounds=1 if args.quick else 3))
    service.close()
    cores = os.cpu_count() or 1
    ideal = cores / cpu

    # Memory: peak RSS, and growth over many requests once the cache is warm.
    leak_lens = Lens(model, cache_mb=settings.cache_mb)
    for s, w in SENTENCES:
        for change in PAGING:
            leak_lens.attention_png(s, replace(AttentionQuery(w), **change))
    gc.collect()
    rss_before = rss_mb()
    for i in range(leak_requests):
        s, w = SENTENCES[i % len(SENTENCES)]
        leak_lens.attention_png(s, replace(AttentionQuery(w), **PAGING[i % len(PAGING)]))
    gc.collect()
    rss_after = rss_mb()
    growth = (rss_after - rss_before) / rss_before
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # --------------------------------------------------------------------------------- report
    width = max(len(r.name) for r in rows)
    print(f"{'step':<{width}}  {'median ms':>9}  note")
    for row in rows:
        print(f"{row.name:<{width}}  {row.ms:>9.1f}  {row.note}")
    speedup = baseline / lens_first
    over_floor = lens_first / floor
    paging_ratio = paging / render_only
    throughput_share = load["throughput"] / ideal
    print()
    print(f"baseline / BERT Lens first request   {speedup:6.2f}x   (target >= 5x)")
    print(f"BERT Lens first request / floor      {over_floor:6.2f}x   (target <= 2x)")
    print(f"paging / rendering alone             {paging_ratio:6.2f}x   (target <= 1.2x)")
    print(
        f"under load (bursts of 32 concurrent): {load['throughput']:.1f} req/s = {throughput_share:.0%} "
        f"of cores / single-request CPU ({ideal:.1f} req/s; target >= 80%)"
    )
    print(
        f"  latency p50 {load['p50'] * 1000:.0f} ms, p95 {load['p95'] * 1000:.0f} ms; "
        f"worst event-loop lag {load['worst_lag'] * 1000:.1f} ms (target <= 50 ms)"
    )
    print(
        f"memory: peak RSS {peak:.0f} MiB; RSS {rss_before:.0f} -> {rss_after:.0f} MiB after {leak_requests} "
        f"requests = {growth:+.1%} (target <= 5%)"
    )
    met = [
        speedup >= 5,
        over_floor <= 2,
        paging_ratio <= 1.2,
        throughput_share >= 0.8,
        load["worst_lag"] <= 0.050,
        growth <= 0.05,
    ]
    print()
    print(
        f"SUMMARY: {speedup:.1f}x faster than baseline, {over_floor:.2f}x floor, "
        f"paging {paging_ratio:.2f}x render, load {throughput_share:.0%} of ideal, "
        f"loop lag {load['worst_lag'] * 1000:.0f} ms, RSS {growth:+.1%}; "
        f"{sum(met)}/{len(met)} targets met in {time.perf_counter() - bench_started:.0f}s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
