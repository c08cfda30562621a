"""The Store the bot holds: start-up that survives a database that is down, and delete_guild."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.store import GuildSettings, Store, StoreConfigError, StoreUnavailable
from bot.store.models import GuildSettingsRow, QuizRow, VoteRow
from bot.store.schema import current, head

GONE = 1_500_000_000_000_000_001  # the server the bot leaves
KEPT = 1_500_000_000_000_000_002
USER = 1_600_000_000_000_000_000


async def add_quiz(store: Store, guild_id: int | None, voters: int = 2) -> int:
    quiz = await store.quizzes.create(
        guild_id=guild_id,
        channel_id=1,
        owner_id=USER,
        model="bundled",
        sentence="the bank of the river",
        word="bank",
        occurrence=1,
        layer=0,
        candidates=["the", "bank", "river"],
        answer=2,
        seconds=60,
    )
    for n in range(voters):
        await store.quizzes.vote(quiz.id, USER + n, n % 3)
    return quiz.id


async def counts(store: Store) -> tuple[int, int, int]:
    async with store.engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            [
                await conn.scalar(select(func.count()).select_from(t))
                for t in (GuildSettingsRow, QuizRow, VoteRow)
            ]
        )


async def test_start_migrates_an_empty_database_and_loads_settings(db):
    store = Store.from_url(db.url)
    try:
        await store.start()
        assert await current(store.engine) == head()
        assert store.settings.loaded and store.settings.available
        await store.settings.set(KEPT, language="ko")
    finally:
        await store.close()

    again = Store.from_url(db.url)
    try:
        await again.start()
        assert again.settings.get(KEPT).language == "ko"
    finally:
        await again.close()


def test_a_bad_url_fails_before_anything_starts():
    with pytest.raises(StoreConfigError, match="must start with"):
        Store.from_url("mongodb://localhost/bertlens")


async def test_delete_guild_removes_its_settings_quizzes_and_votes_only(db):
    store = Store.from_url(db.url)
    await store.start()
    try:
        await store.settings.set(GONE, language="ko", channels=[5])
        await store.settings.set(KEPT, language="en")
        gone_quiz = await add_quiz(store, GONE, voters=3)
        kept_quiz = await add_quiz(store, KEPT)
        dm_quiz = await add_quiz(store, None)
        assert await counts(store) == (2, 3, 7)

        await store.delete_guild(GONE)
        assert store.settings.get(GONE) is GuildSettings.DEFAULTS
        assert store.settings.get(KEPT).language == "en"
        assert await store.quizzes.get(gone_quiz) is None
        assert (await store.quizzes.tally(gone_quiz)).total == 0
        assert await store.quizzes.get(kept_quiz) is not None and await store.quizzes.get(dm_quiz) is not None
        assert await counts(store) == (1, 2, 4)
        await store.delete_guild(GONE)  # again: nothing left, no error
    finally:
        await store.close()


async def test_start_with_the_database_down_then_it_comes_back(db, caplog):
    store = Store.from_url(db.url, timeout=1.0)
    caplog.set_level(logging.WARNING, logger="bertlens.store")
    await db.break_()
    try:
        await store.start()  # no exception: the bot runs on defaults
        assert not store.settings.loaded
        assert store.settings.get(KEPT) is GuildSettings.DEFAULTS
        with pytest.raises(StoreUnavailable):
            await store.settings.set(KEPT, language="ko")
        with pytest.raises(StoreUnavailable):
            await store.delete_guild(KEPT)
        with pytest.raises(StoreUnavailable):
            await add_quiz(store, KEPT)
        assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1  # one limit for all

        await db.heal()
        assert await store.settings.refresh() is True  # what the background task does every TTL
        assert store.schema.done and await current(store.engine) == head()
        assert (await store.settings.set(KEPT, language="ko")).language == "ko"
        assert await add_quiz(store, KEPT) > 0
    finally:
        await store.close()


async def test_purge_quizzes(db):
    store = Store.from_url(db.url)
    await store.start()
    try:
        quiz = await add_quiz(store, KEPT)
        await store.quizzes.reveal(quiz)
        assert await store.purge_quizzes(timedelta(days=1)) == 0
        assert await store.purge_quizzes(timedelta(0)) == 1
    finally:
        await store.close()
