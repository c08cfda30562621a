"""Real databases for tests, never mocks: a SQLite file in a folder, or a database made on the PostgreSQL
server at BERTLENS_TEST_POSTGRES_URL (``bash .ci/postgres start`` runs one) and dropped afterwards.
``Database.break_()`` and ``heal()`` make one unreachable and reachable again, the way a server going
down or a volume going away does."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
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


def postgres_admin_url() -> str:
    """The configured server's URL, or "" when none is (callers skip with SKIP_REASON)."""
    return os.environ.get(POSTGRES_ENV, "").strip()


@asynccontextmanager
async def sqlite_database(folder: Path) -> AsyncIterator[Database]:
    """A SQLite database file in ``folder`` (made on first connect)."""
    database = Database("sqlite", f"sqlite+aiosqlite:///{folder / 'bertlens.db'}", folder=folder)
    try:
        yield database
    finally:
        await database.close()
        shutil.rmtree(folder.with_name(folder.name + "-gone"), ignore_errors=True)


@asynccontextmanager
async def postgres_database(admin: str) -> AsyncIterator[Database]:
    """A new, empty database on the server at ``admin``, dropped afterwards."""
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
