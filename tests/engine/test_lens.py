"""The Lens cache: hits return the same analysis, concurrent misses share one forward pass,
and its bytes are bounded."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest

from bot.engine.errors import EmptyText, TextTooLong, WordNotFound
from bot.engine.lens import AnalysisCache, Lens
from bot.engine.query import VIEWS, AttentionQuery, for_view

SEED_A = "Apple is huge enterprise"
SEED_B = "I am eating an apple"


@pytest.fixture
def counted(bundled_model, monkeypatch):
    """The shared model with its forward pass counted (and slowed, so concurrent calls overlap)."""
    calls = []
    real_forward = bundled_model.forward
    delay = {"seconds": 0.0}

    def forward(encoded):
        calls.append(threading.get_ident())
        time.sleep(delay["seconds"])
        return real_forward(encoded)

    monkeypatch.setattr(bundled_model, "forward", forward)
    return SimpleNamespace(model=bundled_model, calls=calls, delay=delay)


def test_repeated_analyse_is_a_cache_hit(counted):
    lens = Lens(counted.model)
    first = lens.analyse(SEED_A)
    second = lens.analyse(SEED_A)
    assert second is first
    assert len(counted.calls) == 1
    assert (lens.cache.hits, lens.cache.misses) == (1, 1)
    lens.analyse(SEED_B)
    assert len(counted.calls) == 2 and len(lens.cache) == 2
    assert lens.cache.nbytes == first.nbytes + lens.analyse(SEED_B).nbytes


def test_paging_through_layers_heads_and_views_reuses_one_forward_pass(counted):
    lens = Lens(counted.model)
    for layer in range(1, 7):
        for view in VIEWS:
            lens.attention(SEED_B, for_view(AttentionQuery("apple", layer=layer, view=view)))
    lens.attention(SEED_B, AttentionQuery("eating", head=3, hide_special=True))
    lens.compare("apple", SEED_A, SEED_B)
    assert len(counted.calls) == 2  # one per sentence


def test_different_texts_are_different_entries(counted):
    lens = Lens(counted.model)
    a = lens.analyse("apple pie")
    b = lens.analyse("Apple pie")
    c = lens.analyse("apple pie ")
    assert a is not b and a is not c
    assert len(counted.calls) == 3


def test_concurrent_analyse_of_the_same_text_runs_the_model_once(counted):
    lens = Lens(counted.model)
    counted.delay["seconds"] = 0.3
    threads = 8
    barrier = threading.Barrier(threads)

    def analyse(_):
        barrier.wait(timeout=30)
        return lens.analyse(SEED_A)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(analyse, range(threads)))
    assert len(counted.calls) == 1
    assert all(r is results[0] for r in results)
    assert lens.cache.misses == 1 and lens.cache.hits + lens.cache.misses <= threads


def test_concurrent_analyse_of_different_texts_runs_each_once(counted):
    lens = Lens(counted.model)
    counted.delay["seconds"] = 0.1
    texts = [SEED_A, SEED_B, "tokenization is fun"] * 4

    with ThreadPoolExecutor(max_workers=len(texts)) as pool:
        results = list(pool.map(lens.analyse, texts))
    assert len(counted.calls) == 3
    for text, result in zip(texts, results, strict=True):
        assert result is results[texts.index(text)]
        assert result.sentence.text == text


def test_a_failed_computation_is_shared_with_waiters_and_not_cached():
    cache = AnalysisCache(max_bytes=1000)
    started, release = threading.Event(), threading.Event()
    second_compute = []

    def failing():
        started.set()
        release.wait(timeout=30)
        raise RuntimeError("simulated failure")

    with ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(cache.get_or_compute, "k", failing)
        assert started.wait(timeout=30)
        waiter = pool.submit(cache.get_or_compute, "k", lambda: second_compute.append(1))
        time.sleep(0.1)  # the waiter is now blocked on the first computation
        release.set()
        with pytest.raises(RuntimeError, match="simulated"):
            first.result(timeout=30)
        with pytest.raises(RuntimeError, match="simulated"):
            waiter.result(timeout=30)
    assert second_compute == []
    assert len(cache) == 0 and cache.nbytes == 0
    # Nothing is remembered about the failure: the next request computes afresh.
    value = cache.get_or_compute("k", lambda: SimpleNamespace(nbytes=10))
    assert value.nbytes == 10 and len(cache) == 1


def test_bad_input_is_rejected_before_the_cache(counted):
    lens = Lens(counted.model, max_chars=30)
    with pytest.raises(EmptyText):
        lens.analyse("   ")
    with pytest.raises(TextTooLong):
        lens.analyse("x" * 31)
    with pytest.raises(WordNotFound):
        lens.attention(SEED_A, AttentionQuery("banana"))
    assert len(counted.calls) == 1  # only the valid sentence ran
    assert len(lens.cache) == 1


def test_bounded_bytes_evict_the_oldest(counted):
    lens = Lens(counted.model, cache_mb=1)
    limit = lens.cache.max_bytes
    assert limit == 1024 * 1024
    texts = [f"sentence number {i} is about apples and pears" for i in range(40)]
    sizes = []
    for text in texts:
        sizes.append(lens.analyse(text).nbytes)
        assert lens.cache.nbytes <= limit
    assert sum(sizes) > 2 * limit  # the test really overflows the cache
    assert lens.cache.nbytes == sum(sizes[-len(lens.cache) :])
    calls = len(counted.calls)
    lens.analyse(texts[-1])  # newest: still cached
    assert len(counted.calls) == calls
    lens.analyse(texts[0])  # oldest: evicted, computed again
    assert len(counted.calls) == calls + 1


def test_least_recently_used_is_evicted_first():
    cache = AnalysisCache(max_bytes=300)

    def entry(size):
        return SimpleNamespace(nbytes=size)

    a = cache.get_or_compute("a", lambda: entry(100))
    cache.get_or_compute("b", lambda: entry(100))
    cache.get_or_compute("c", lambda: entry(100))
    assert cache.get_or_compute("a", lambda: entry(999)) is a  # touch "a": now "b" is the oldest
    cache.get_or_compute("d", lambda: entry(100))
    assert set(cache._entries) == {"a", "c", "d"}
    assert cache.nbytes == 300
    cache.get_or_compute("e", lambda: entry(250))
    assert set(cache._entries) == {"e"} and cache.nbytes == 250


def test_an_entry_larger_than_the_cache_is_returned_but_not_kept():
    cache = AnalysisCache(max_bytes=100)
    big = cache.get_or_compute("big", lambda: SimpleNamespace(nbytes=101))
    assert big.nbytes == 101
    assert len(cache) == 0 and cache.nbytes == 0


def test_zero_cache_still_answers(counted):
    lens = Lens(counted.model, cache_mb=0)
    assert lens.analyse(SEED_A).sentence.text == SEED_A
    assert lens.analyse(SEED_A).sentence.text == SEED_A
    assert len(counted.calls) == 2 and len(lens.cache) == 0


def test_a_sentence_s_norms_never_evict_the_pass_they_were_computed_from():
    """At 512 tokens bert-base's forward pass (~190 MiB) and its norms (~160 MiB) together exceed
    CACHE_MB=256: the pair is kept over budget (other sentences go first), so paging between weights
    and norms does not run the model again."""
    cache = AnalysisCache(max_bytes=300)

    def entry(size):
        return SimpleNamespace(nbytes=size)

    cache.get_or_compute(("m", "other"), lambda: entry(50))
    cache.get_or_compute(("m", "long"), lambda: entry(190))
    cache.get_or_compute(("m", "long", "norms"), lambda: entry(160))
    assert set(cache._entries) == {("m", "long"), ("m", "long", "norms")}  # the other sentence went
    assert cache.nbytes == 350  # over budget by the pair, not by anything else
    cache.get_or_compute(("m", "next"), lambda: entry(100))  # another sentence: least recent first
    assert set(cache._entries) == {("m", "long", "norms"), ("m", "next")} and cache.nbytes == 260


def test_paging_between_weights_and_norms_runs_the_model_once_in_a_cache_too_small_for_both(counted):
    """The bundled model's real pass and norms in a cache smaller than the two together."""
    lens = Lens(counted.model, cache_mb=1)
    text = " ".join(["apple"] * 80)
    both = lens.analyse(text).nbytes + lens.norms(text).nbytes
    lens.cache.max_bytes = both - 1
    lens.cache.clear()
    calls = len(counted.calls)
    for _ in range(3):
        lens.attention(text, AttentionQuery("apple", values="weights"))
        lens.attention(text, AttentionQuery("apple", values="norms"))
    assert len(counted.calls) == calls + 1
