"""Store fixtures: a real database per test, never a mock.

``db`` is parametrized over SQLite (a file in the test's ``tmp_path``) and PostgreSQL (a database made
for the test on the server at BERTLENS_TEST_POSTGRES_URL and dropped afterwards; ``bash .ci/postgres
start`` runs one). The PostgreSQL cases carry the ``postgres`` mark and are skipped when that variable is
not set. ``db.break_()`` and ``db.heal()`` make the database unreachable and reachable again, the way a
server going down or a volume going away does.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import threading
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.engine import create_engine
from bot.store.schema import upgrade

POSTGRES_ENV = "BERTLENS_TEST_POSTGRES_URL"
SKIP_REASON = f"{POSTGRES_ENV} is not set; `bash .ci/postgres start` prints a URL for a throwaway server"


def _asyncpg_dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


class Database:
    """One test's database, its URL, and the engines opened on it (disposed at the end)."""

    def __init__(self, kind: str, url: str, folder: Path | None = None, admin: str | None = None) -> None:
        self.kind = kind
        self.url = url
        self._folder = folder
        self._admin = admin
        self.engines: list[AsyncEngine] = []

    @property
    def name(self) -> str:
        database = make_url(self.url).database
        assert database is not None
        return database

    def engine(self, timeout: float = 5.0) -> AsyncEngine:
        """A new engine on this database: another bot process, as far as the store can tell."""
        engine = create_engine(self.url, timeout=timeout)
        self.engines.append(engine)
        return engine

    async def migrated_engine(self) -> AsyncEngine:
        engine = self.engine()
        await upgrade(engine)
        return engine

    async def _admin_execute(self, *statements: str) -> None:
        assert self._admin is not None
        conn = await asyncpg.connect(_asyncpg_dsn(self._admin), timeout=10)
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()

    async def break_(self) -> None:
        """Make the database unreachable for new connections and drop the pooled ones."""
        if self.kind == "sqlite":
            assert self._folder is not None
            self._folder.rename(self._folder.with_name(self._folder.name + "-gone"))
            for engine in self.engines:
                await engine.dispose()  # an open SQLite connection would keep the moved file
        else:
            await self._admin_execute(
                f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false',
                f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{self.name}'",
            )

    async def heal(self) -> None:
        if self.kind == "sqlite":
            assert self._folder is not None
            self._folder.with_name(self._folder.name + "-gone").rename(self._folder)
        else:
            await self._admin_execute(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true')

    async def close(self) -> None:
        for engine in self.engines:
            await engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """An empty database (no tables), SQLite or PostgreSQL."""
    if request.param == "sqlite":
        folder = tmp_path / "data"
        database = Database("sqlite", f"sqlite+aiosqlite:///{folder / 'bertlens.db'}", folder=folder)
        try:
            yield database
        finally:
            await database.close()
            shutil.rmtree(folder.with_name("data-gone"), ignore_errors=True)
        return

    admin = os.environ.get(POSTGRES_ENV, "").strip()
    if not admin:
        pytest.skip(SKIP_REASON)
    name = f"bertlens_test_{uuid.uuid4().hex[:16]}"
    conn = await asyncpg.connect(_asyncpg_dsn(admin), timeout=10)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    url = make_url(_asyncpg_dsn(admin, name)).set(drivername="postgresql+asyncpg")
    database = Database("postgres", url.render_as_string(hide_password=False), admin=admin)
    try:
        yield database
    finally:
        await database.close()
        await database._admin_execute(
            f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true',
            f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
        )


@pytest.fixture
async def engine(db: Database) -> AsyncEngine:
    """An engine on ``db`` with every migration applied."""
    return await db.migrated_engine()


@pytest.fixture(params=["sqlite", "postgres"])
async def unreachable_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database that cannot be reached: a SQLite file under a regular file, or a closed local port.
    Neither needs a PostgreSQL server."""
    if request.param == "postgres":
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        yield f"postgresql+asyncpg://bertlens@127.0.0.1:{port}/bertlens"
        return
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    yield f"sqlite+aiosqlite:///{blocker / 'bertlens.db'}"
    # After a failed connect aiosqlite stops its worker thread, which then reports back to the event
    # loop; let it do so before the test's loop closes.
    for _ in range(200):
        if not any("_connection_worker_thread" in t.name for t in threading.enumerate()):
            break
        await asyncio.sleep(0.01)
