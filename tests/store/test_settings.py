"""Guild settings: the immutable value, saving and resetting, reads served from memory, other processes'
changes seen within the TTL, and an unreachable database."""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import logging
import time
from collections.abc import Callable

import pytest
from sqlalchemy import event, func, select

from bot.store import GuildSettings, InvalidSetting, SettingsCache, StoreUnavailable
from bot.store.engine import OutageLog, create_engine
from bot.store.models import GuildSettingsRow

GUILD = 1_234_567_890_123_456_789  # snowflake-sized
OTHER = 987_654_321_098_765_432
BIGGEST = 2**63 - 1


async def eventually(check: Callable[[], bool], within: float = 5.0) -> float:
    """Seconds until ``check()`` held; fails after ``within``."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > within:
            pytest.fail(f"not seen within {within} s")
        await asyncio.sleep(0.02)
    return time.monotonic() - started


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


# ------------------------------------------------------------------------------ the value itself
def test_defaults_are_all_unset():
    empty = GuildSettings.DEFAULTS
    assert empty == GuildSettings()
    assert empty.is_default
    assert all(getattr(empty, name) is None for name in GuildSettings.NAMES if name != "channels")
    assert empty.channels == ()
    assert GuildSettings.NAMES == (
        "language",
        "model",
        "view",
        "hide_special",
        "ephemeral",
        "quiz_seconds",
        "view_anyone",
        "channels",
    )


def test_apply_checks_and_normalises():
    settings = GuildSettings.DEFAULTS.apply(
        language=" KO ", model="bundled", view="Heads", quiz_seconds=45, ephemeral=True, channels=[3, 1, 3]
    )
    assert (settings.language, settings.view, settings.quiz_seconds) == ("ko", "heads", 45)
    assert settings.channels == (1, 3)
    assert settings.apply(language=None).language is None
    assert settings.apply(channels=None).channels == ()
    assert GuildSettings.DEFAULTS.is_default and not settings.is_default
    assert settings.apply(view="future-view_2").view == "future-view_2"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("language", "fr"),
        ("language", 1),
        ("view", ""),
        ("view", "has space"),
        ("view", "x" * 40),
        ("model", ""),
        ("model", "m" * 201),
        ("quiz_seconds", 9),
        ("quiz_seconds", 601),
        ("quiz_seconds", 30.0),
        ("quiz_seconds", True),
        ("hide_special", 1),
        ("ephemeral", "yes"),
        ("view_anyone", 0),
        ("channels", "123"),
        ("channels", [0]),
        ("channels", [2**63]),
        ("channels", [True]),
        ("channels", list(range(1, 502))),
    ],
)
def test_apply_rejects_values_a_setting_cannot_take(name, value):
    with pytest.raises(InvalidSetting) as raised:
        GuildSettings.DEFAULTS.apply(**{name: value})
    assert raised.value.field == name


def test_unknown_settings_and_mutation_are_errors():
    with pytest.raises(TypeError, match="unknown setting 'colour'"):
        GuildSettings.DEFAULTS.apply(colour="blue")
    with pytest.raises(dataclasses.FrozenInstanceError):
        GuildSettings.DEFAULTS.language = "ko"  # type: ignore[misc]


def test_channel_allow_list():
    assert GuildSettings.DEFAULTS.allows(42)
    limited = GuildSettings.DEFAULTS.apply(channels=[7, 8])
    assert limited.allows(7) and not limited.allows(42)


# --------------------------------------------------------------------------- saving and reading
async def test_set_get_and_reset(engine):
    cache = SettingsCache(engine)
    await cache.start()
    try:
        assert cache.get(GUILD) is GuildSettings.DEFAULTS
        saved = await cache.set(GUILD, language="ko", view="grid", channels=[BIGGEST, 5], quiz_seconds=600)
        assert saved == GuildSettings(language="ko", view="grid", channels=(5, BIGGEST), quiz_seconds=600)
        assert saved.updated_at is not None and saved.updated_at.tzinfo is not None
        assert cache.get(GUILD) == saved
        assert cache.get(OTHER) is GuildSettings.DEFAULTS
        assert cache.get(None) is GuildSettings.DEFAULTS  # direct messages

        again = await cache.set(GUILD, view=None, hide_special=False)
        assert (again.language, again.view, again.hide_special) == ("ko", None, False)
        assert await cache.set(GUILD) == again  # nothing to change: no write

        # Another process starting now reads the same from the database.
        fresh = SettingsCache(create_engine(str(engine.url.render_as_string(hide_password=False))))
        await fresh.refresh()
        assert fresh.get(GUILD) == again and len(fresh) == 1
        await fresh._engine.dispose()

        await cache.reset(GUILD)
        assert cache.get(GUILD) is GuildSettings.DEFAULTS
        async with engine.connect() as conn:
            assert await conn.scalar(select(func.count()).select_from(GuildSettingsRow)) == 0
        await cache.reset(GUILD)  # resetting twice is fine
    finally:
        await cache.close()


async def test_invalid_values_never_reach_the_database(engine):
    cache = SettingsCache(engine)
    with pytest.raises(InvalidSetting):
        await cache.set(GUILD, quiz_seconds=5)
    with pytest.raises(ValueError, match="not a Discord id"):
        await cache.set(0, language="en")
    async with engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(GuildSettingsRow)) == 0


async def test_two_processes_changing_different_settings_keep_both(db, engine):
    first, second = SettingsCache(engine), SettingsCache(db.engine())
    await first.refresh()
    await second.refresh()
    await first.set(GUILD, language="en")
    saved = await second.set(GUILD, ephemeral=True)  # second's memory never saw the language
    assert (saved.language, saved.ephemeral) == ("en", True)


def test_get_is_synchronous():
    assert not inspect.iscoroutinefunction(SettingsCache.get)


async def test_reads_come_from_memory_even_with_the_database_gone(db, engine):
    cache = SettingsCache(engine)
    await cache.set(GUILD, language="ko")
    await db.break_()
    statements: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    started = time.perf_counter()
    for _ in range(10_000):
        assert cache.get(GUILD).language == "ko"
    assert time.perf_counter() - started < 1.0
    assert statements == []
    await db.heal()


# ------------------------------------------------------------------------ other processes, TTL
async def test_changes_by_another_process_are_seen_within_the_ttl(db, engine):
    reader = SettingsCache(engine, ttl=0.2)
    writer = SettingsCache(db.engine())
    await reader.start()
    try:
        await writer.set(GUILD, view="matrix")
        await eventually(lambda: reader.get(GUILD).view == "matrix", within=3)
        await writer.set(GUILD, view="rollout")
        await writer.set(OTHER, language="en")
        await eventually(lambda: reader.get(GUILD).view == "rollout" and reader.get(OTHER).language == "en")
        # A deleted row is noticed too (the row count no longer matches memory).
        await writer.reset(GUILD)
        await eventually(lambda: reader.get(GUILD) is GuildSettings.DEFAULTS, within=3)
        assert reader.get(OTHER).language == "en"
    finally:
        await reader.close()


async def test_refresh_reads_only_changed_rows(db, engine):
    writer = SettingsCache(db.engine())
    for guild in range(1, 21):
        await writer.set(guild, language="en")
    reader = SettingsCache(engine)
    statements: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    await reader.refresh()  # the first load: every row, one query
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1 and "WHERE" not in selects[0].upper()
    assert len(reader) == 20

    statements.clear()
    await writer.set(3, language="ko")
    await reader.refresh()
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert any("updated_at >" in s for s in selects)
    assert not any("WHERE" not in s.upper() and "count" not in s.lower() for s in selects)  # no full reload
    assert reader.get(3).language == "ko"


async def test_full_reload_happens_on_its_own_schedule(engine):
    clock = Clock()
    cache = SettingsCache(engine, full_every=600, monotonic=clock)
    await cache.set(GUILD, language="en")
    await cache.refresh()
    full = [0]

    def count(_conn, _cursor, statement, *_rest):
        if "SELECT" in statement.upper() and "WHERE" not in statement.upper() and "count" not in statement:
            full[0] += 1

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    await cache.refresh()
    assert full == [0]
    clock.now += 601
    await cache.refresh()
    assert full == [1]


async def test_a_refresh_that_read_before_a_local_write_does_not_undo_it(engine):
    """The refresh's query ran before the write; its result arrives after it."""
    cache = SettingsCache(engine)
    await cache.set(OTHER, language="en")
    merge = cache._merge
    held: list[tuple] = []
    cache._merge = lambda rows, began, *, full: held.append((rows, began, full))  # type: ignore[method-assign]
    cache._last_full = None  # a full reload, which replaces memory
    await cache.refresh()
    cache._merge = merge  # type: ignore[method-assign]
    await cache.set(GUILD, language="ko")
    await cache.reset(OTHER)
    ((rows, began, full),) = held
    cache._merge(rows, began, full=full)  # the stale result lands now
    assert cache.get(GUILD).language == "ko"
    assert cache.get(OTHER) is GuildSettings.DEFAULTS
    await cache.refresh()  # and the next refresh agrees
    assert (cache.get(GUILD).language, cache.get(OTHER)) == ("ko", GuildSettings.DEFAULTS)


# ---------------------------------------------------------------------------- an unreachable database
async def test_unreachable_at_start_serves_defaults_warns_once_a_minute_and_refuses_writes(
    unreachable_url, caplog
):
    clock = Clock()
    logger = logging.getLogger("bot.store.settings")
    engine = create_engine(unreachable_url, timeout=1.0)
    cache = SettingsCache(engine, ttl=0.05, outage=OutageLog(logger, clock=clock))
    caplog.set_level(logging.INFO, logger="bot.store.settings")
    try:
        started = time.monotonic()
        await cache.start()  # does not raise
        assert time.monotonic() - started < 5
        assert not cache.loaded and not cache.available
        assert cache.get(GUILD) is GuildSettings.DEFAULTS
        caplog.set_level(logging.DEBUG, logger="bot.store.settings")
        # The background task keeps retrying, quietly: one WARNING, then DEBUG lines.
        await eventually(
            lambda: len([r for r in caplog.records if "still unavailable" in r.getMessage()]) >= 3
        )
        with pytest.raises(StoreUnavailable):
            await cache.set(GUILD, language="ko")
        with pytest.raises(StoreUnavailable):
            await cache.reset(GUILD)
        assert cache.get(GUILD) is GuildSettings.DEFAULTS
        assert len(warnings(caplog)) == 1
        assert "Database unavailable" in warnings(caplog)[0]
        clock.now += 61
        await cache.refresh()
        assert len(warnings(caplog)) == 2
    finally:
        await cache.close()
        await engine.dispose()


async def test_outage_later_serves_last_known_values_then_recovers(db, engine, caplog):
    clock = Clock()
    logger = logging.getLogger("bot.store.settings")
    cache = SettingsCache(engine, outage=OutageLog(logger, clock=clock))
    caplog.set_level(logging.INFO, logger="bot.store.settings")
    await cache.refresh()
    await cache.set(GUILD, language="ko", ephemeral=True)

    await db.break_()
    assert await cache.refresh() is False
    assert await cache.refresh() is False
    assert cache.get(GUILD).language == "ko" and cache.get(GUILD).ephemeral is True
    with pytest.raises(StoreUnavailable):
        await cache.set(GUILD, language="en")
    assert cache.get(GUILD).language == "ko"
    assert len(warnings(caplog)) == 1

    await db.heal()
    assert await cache.refresh() is True
    assert "Database reachable again." in [r.getMessage() for r in caplog.records]
    assert (await cache.set(GUILD, language="en")).language == "en"
