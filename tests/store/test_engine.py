"""Database URLs, the default SQLite file, short timeouts, and the rate-limited outage warning."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time

import pytest
from sqlalchemy import text

from bot.store import StoreConfigError, check_url, default_url, url_from_env
from bot.store.engine import OutageLog, create_engine, is_unavailable


def test_default_url_is_an_absolute_sqlite_file_in_a_created_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    url = default_url("data")
    assert url == f"sqlite+aiosqlite:///{tmp_path / 'data' / 'bertlens.db'}"
    assert (tmp_path / "data").is_dir()
    assert default_url(tmp_path / "nested" / "dir").endswith("/nested/dir/bertlens.db")


def test_url_from_env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert url_from_env({}) == f"sqlite+aiosqlite:///{tmp_path / 'data' / 'bertlens.db'}"
    assert url_from_env({"DATA_DIR": str(tmp_path / "elsewhere")}).endswith("/elsewhere/bertlens.db")
    pg = url_from_env({"DATABASE_URL": "postgresql://bot:s3cret@db:5432/bertlens"})
    assert pg == "postgresql+asyncpg://bot:s3cret@db:5432/bertlens"


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("sqlite:///x.db", "sqlite+aiosqlite"),
        ("sqlite+aiosqlite:////abs/x.db", "sqlite+aiosqlite"),
        ("postgres://u@h/d", "postgresql+asyncpg"),
        ("postgresql://u@h/d", "postgresql+asyncpg"),
        ("postgresql+asyncpg://u:p@h:5433/d", "postgresql+asyncpg"),
    ],
)
def test_known_schemes_get_their_async_driver(given, driver):
    assert check_url(given).drivername == driver


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("mysql://root:hunter2@db/bertlens", "must start with sqlite+aiosqlite:// or postgresql+asyncpg://"),
        ("postgresql+psycopg2://u:hunter2@h/d", "got postgresql+psycopg2://"),
        ("not a url", "is not a database URL"),
        ("sqlite+aiosqlite://", "names no SQLite file"),
        ("sqlite:///:memory:", "names no SQLite file"),
        ("postgresql://u:hunter2@h", "names no PostgreSQL database"),
    ],
)
def test_bad_urls_fail_with_one_line_that_never_shows_the_password(given, says):
    with pytest.raises(StoreConfigError) as raised:
        check_url(given)
    message = str(raised.value)
    assert says in message
    assert "\n" not in message
    assert "hunter2" not in message
    assert isinstance(raised.value, ValueError)


def test_bad_database_url_in_env_raises_config_error():
    with pytest.raises(StoreConfigError):
        url_from_env({"DATABASE_URL": "redis://localhost"})


async def test_sqlite_engine_makes_its_folder_and_uses_wal(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'a' / 'b' / 'x.db'}")
    try:
        async with engine.connect() as conn:
            assert (await conn.scalar(text("PRAGMA journal_mode"))) == "wal"
            assert (await conn.scalar(text("PRAGMA foreign_keys"))) == 1
        assert (tmp_path / "a" / "b" / "x.db").is_file()
    finally:
        await engine.dispose()


async def test_sqlite_waits_for_a_locked_database_no_longer_than_the_timeout(tmp_path):
    path = tmp_path / "x.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN EXCLUSIVE")
    engine = create_engine(f"sqlite+aiosqlite:///{path}", timeout=0.3)
    try:
        started = time.monotonic()
        with pytest.raises(Exception) as raised:
            async with engine.begin() as conn:
                await conn.execute(text("INSERT INTO t VALUES (1)"))
        assert 0.25 < time.monotonic() - started < 5
        assert is_unavailable(raised.value)
    finally:
        holder.close()
        await engine.dispose()


async def test_a_server_that_never_answers_times_out():
    """A TCP peer that accepts and then says nothing (a hung server, a black-holed network)."""
    stalled: list[asyncio.StreamWriter] = []

    async def silent(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        stalled.append(writer)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    engine = create_engine(f"postgresql+asyncpg://bot@127.0.0.1:{port}/bertlens", timeout=0.5)
    try:
        started = time.monotonic()
        with pytest.raises(Exception) as raised:
            async with engine.connect():
                pass
        assert time.monotonic() - started < 5
        assert is_unavailable(raised.value)
    finally:
        await engine.dispose()
        for writer in stalled:
            writer.close()
        server.close()
        await server.wait_closed()


def test_outage_log_warns_at_most_once_per_minute_then_says_when_it_is_back(caplog):
    now = [1000.0]
    outage = OutageLog(logging.getLogger("test.outage"), clock=lambda: now[0])
    caplog.set_level(logging.DEBUG, logger="test.outage")
    for _ in range(5):
        outage.failed("reading settings", ConnectionRefusedError(111, "Connection refused"))
        now[0] += 10
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "ConnectionRefusedError" in warnings[0].getMessage()
    now[0] += 20  # 70 s after the first warning
    outage.failed("reading settings", TimeoutError())
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 2
    outage.ok()
    outage.ok()
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.INFO] == [
        "Database reachable again."
    ]


def test_is_unavailable_separates_outages_from_bugs():
    from sqlalchemy import exc

    assert is_unavailable(ConnectionRefusedError())
    assert is_unavailable(TimeoutError())
    assert is_unavailable(exc.OperationalError("x", {}, Exception("unable to open database file")))
    assert not is_unavailable(exc.IntegrityError("x", {}, Exception("UNIQUE constraint failed")))
    assert not is_unavailable(exc.ProgrammingError("x", {}, Exception("syntax error")))
    assert not is_unavailable(ValueError("bad value"))
