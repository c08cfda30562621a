"""LensService: the bounded pool every cog goes through (admission and counting)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from bot.engine.lens import Lens
from bot.service import Busy, LensService, ShuttingDown


async def until_idle(service: LensService) -> None:
    while service.pending:
        await asyncio.sleep(0.01)


@pytest.fixture
async def service(lens: Lens):
    pool = LensService(lens, workers=1, queue_limit=1)
    yield pool
    pool.close()
    pool.executor.shutdown(wait=True)  # no worker thread may outlive its test


async def test_a_cancelled_wait_keeps_the_job_counted_until_its_thread_ends(service):
    release = threading.Event()
    waiter = asyncio.create_task(service.run(release.wait))
    await asyncio.sleep(0)
    assert service.pending == 1
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    # The thread is still blocked: the slot must not be handed out again yet.
    assert service.pending == 1
    assert service.stalled_for() >= 0.0
    release.set()
    await asyncio.wait_for(until_idle(service), timeout=5)
    assert service.pending == 0 and service.stalled_for() == 0.0


async def test_full_pool_refuses_at_once_and_recovers(service):
    release = threading.Event()
    running = [asyncio.create_task(service.run(release.wait)) for _ in range(service.capacity)]
    await asyncio.sleep(0)
    assert not service.can_accept()
    with pytest.raises(Busy):
        await service.run(lambda: None)
    release.set()
    await asyncio.gather(*running)
    assert service.can_accept()
    assert await service.run(lambda: 42) == 42


async def test_an_admitted_request_holds_its_place_before_its_job_starts(service):
    """A burst is told "busy" before anyone is promised an answer: places are taken at admission,
    not when the job reaches the pool (after the request has already deferred)."""
    with service.admit(), service.admit():
        assert service.pending == 0 and not service.can_accept()
        with pytest.raises(Busy), service.admit():
            pass
        # The admitted request's own job is not refused.
        assert await service.run(lambda: 7) == 7
    assert service.can_accept()


async def test_a_request_admitted_before_shutdown_is_finished(service):
    with service.admit():
        service.accepting = False
        with pytest.raises(ShuttingDown), service.admit():
            pass
        assert await service.run(lambda: "done") == "done"
    with pytest.raises(ShuttingDown):
        await service.run(lambda: None)


def test_the_pool_bounds_numpys_blas_threads_like_torchs(lens: Lens):
    """OpenBLAS's pool is process-wide and torch's setting does not reach it: the pool bounds it, so
    two workers' float64 products (rollout, norms) do not each fan out over every core."""
    from threadpoolctl import threadpool_info

    pool = LensService(lens, workers=2, queue_limit=1, torch_threads=1)
    try:
        blas = [info for info in threadpool_info() if info["user_api"] == "blas"]
        assert blas, "numpy is linked against a BLAS threadpoolctl can see"
        assert all(info["num_threads"] == 1 for info in blas)
    finally:
        pool.close()
        pool.executor.shutdown(wait=True)


async def test_start_loads_the_model_and_the_korean_analyser_side_by_side(lens: Lens, monkeypatch):
    """With two workers the Korean analyser warms up while the model loads, not after it."""
    from bot.engine import morphemes

    both = threading.Barrier(2, timeout=10)
    service = LensService(lens, workers=2, queue_limit=1)
    monkeypatch.setattr(morphemes, "available", lambda: True)
    monkeypatch.setattr(morphemes, "warm_up", lambda: both.wait() >= 0)
    real = service.models.lens
    monkeypatch.setattr(service.models, "lens", lambda *a: (both.wait(), real(*a))[1])
    try:
        await asyncio.wait_for(service.start(), timeout=20)  # a sequential start would break the barrier
        assert service.lens is lens
    finally:
        service.close()
        service.executor.shutdown(wait=True)
