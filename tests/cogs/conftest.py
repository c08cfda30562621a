"""Cog test fixtures: a real ``BertLens`` bot that never connects to Discord, the real cogs loaded as
extensions, and a ``LensService`` over the session's bundled model (``tests/conftest.py``).

Interactions go through discord.py's own dispatch (``CommandTree._call``), so the tree's
``interaction_check``, the per-user cooldown check, option transformers, autocomplete routing and the
tree's ``on_error`` all run for real; see ``tests/helpers/doubles.py`` for the interaction doubles.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from bot.client import BertLens
from bot.engine.lens import Lens
from tests.helpers.doubles import build_bot, close_bot, make_settings

WORKER_PREFIX = "bertlens-worker"


@pytest.fixture
async def make_bot(lens: Lens) -> AsyncIterator[Callable[..., Awaitable[BertLens]]]:
    """``await make_bot(workers=None, queue_limit=None, store=None, **settings)``: a bot with these
    settings (``workers``/``queue_limit`` size its service, ``store`` holds server settings); every bot
    is closed after the test."""
    bots: list[BertLens] = []

    async def factory(
        *, workers: int | None = None, queue_limit: int | None = None, store: Any = None, **settings: Any
    ) -> BertLens:
        bot = await build_bot(
            lens, make_settings(**settings), workers=workers, queue_limit=queue_limit, store=store
        )
        bots.append(bot)
        return bot

    yield factory
    for bot in bots:
        await close_bot(bot)


@pytest.fixture
async def bot(make_bot: Callable[..., Awaitable[BertLens]]) -> BertLens:
    return await make_bot()


@pytest.fixture
def forward_calls(bundled_model: Any, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the model's forward passes (one entry per call, holding the sequence length)."""
    calls: list[int] = []
    real = bundled_model.forward

    def counting(encoded: dict[str, Any]) -> Any:
        calls.append(int(encoded["input_ids"].shape[-1]))
        return real(encoded)

    monkeypatch.setattr(bundled_model, "forward", counting)
    return calls


@pytest.fixture(autouse=True)
def no_leaked_workers() -> Any:
    """Every test must leave no worker thread of its own running."""
    before = {t for t in threading.enumerate() if t.name.startswith(WORKER_PREFIX)}
    yield
    leaked = [t for t in threading.enumerate() if t.name.startswith(WORKER_PREFIX) and t not in before]
    assert not leaked, f"worker threads left running: {leaked}"


@pytest.fixture
async def store(tmp_path: Any) -> AsyncIterator[Any]:
    """A real store for server settings and quizzes on a SQLite file of this test's own."""
    from bot.store import Store, default_url

    started = Store.from_url(default_url(tmp_path / "data"), ttl=1.0)
    await started.start()
    yield started
    await started.close()
