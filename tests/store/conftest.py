"""Store fixtures: a real database per test, never a mock.

``db`` is parametrized over SQLite (a file in the test's ``tmp_path``) and PostgreSQL (a database made
for the test on the server at BERTLENS_TEST_POSTGRES_URL and dropped afterwards; ``bash .ci/postgres
start`` runs one). The PostgreSQL cases carry the ``postgres`` mark and are skipped when that variable is
not set. ``db.break_()`` and ``db.heal()`` come from tests/helpers/databases.py.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.helpers.databases import (
    SKIP_REASON,
    Database,
    postgres_admin_url,
    postgres_database,
    sqlite_database,
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """An empty database (no tables), SQLite or PostgreSQL."""
    if request.param == "sqlite":
        async with sqlite_database(tmp_path / "data") as database:
            yield database
        return
    admin = postgres_admin_url()
    if not admin:
        pytest.skip(SKIP_REASON)
    async with postgres_database(admin) as database:
        yield database


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
