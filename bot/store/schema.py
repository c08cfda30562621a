"""The database schema: brought up to date by the Alembic migrations kept in ``migrations/`` (shipped in
the wheel). Tables are only ever made here, never with ``create_all``.

``migrate(url)`` is what ``python -m bot migrate`` calls; start-up uses ``SchemaGate``, which migrates on
the engine it already has once the database answers. Processes starting together are safe: on
PostgreSQL they take turns on an advisory lock, on SQLite on the write lock (BEGIN IMMEDIATE).

For developers, a new migration is drafted against a scratch SQLite database at head:

    python -m bot.store.schema revision "add a column"
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import weakref
from collections.abc import Sequence
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.engine import SQLITE, StoreUnavailable, create_engine, describe, is_unavailable

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

# Alembic keeps the running migration in module globals (alembic.context, alembic.op): two migrations
# interleaving on one event loop would trample each other, so they take turns.
_turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


def _turn() -> asyncio.Lock:
    return _turns.setdefault(asyncio.get_running_loop(), asyncio.Lock())


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head() -> str:
    """The newest revision in ``migrations/versions``."""
    revision = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert revision is not None
    return revision


def _upgrade(connection: Connection, revision: str) -> None:
    command.upgrade(alembic_config(connection), revision)


def _downgrade(connection: Connection, revision: str) -> None:
    command.downgrade(alembic_config(connection), revision)


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Run the migrations up to ``revision`` on ``engine``, in one transaction."""
    async with _turn(), engine.begin() as conn:
        await conn.run_sync(_upgrade, revision)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    async with _turn(), engine.begin() as conn:
        await conn.run_sync(_downgrade, revision)


async def current(engine: AsyncEngine) -> str | None:
    """The revision the database is at, None before the first migration."""
    async with engine.connect() as conn:
        return await conn.run_sync(_current)


class SchemaGate:
    """Migrates ``engine`` on first use, so a bot that started while the database was down migrates once
    it answers; every later call returns at once."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._lock = asyncio.Lock()
        self.done = False

    async def ensure(self) -> None:
        if self.done:
            return
        async with self._lock:
            if not self.done:
                await upgrade(self._engine)
                self.done = True


async def migrate(url: str) -> None:
    """Bring the database at ``url`` up to the newest schema (``python -m bot migrate``).

    Raises StoreConfigError for a URL that cannot work and StoreUnavailable when the database cannot
    be reached; both messages are one line, without the password.
    """
    engine = create_engine(url)
    try:
        await upgrade(engine)
    except Exception as error:
        if is_unavailable(error):
            raise StoreUnavailable(f"cannot reach the database: {describe(error)}") from error
        raise
    finally:
        await engine.dispose()


async def draft_revision(message: str, *, autogenerate: bool = True) -> Path:
    """Write migrations/versions/NNNN_slug.py with what changed in models.py since the newest one."""
    number = int(head()) + 1
    with tempfile.TemporaryDirectory() as scratch:
        engine = create_engine(f"{SQLITE}:///{Path(scratch) / 'draft.db'}")
        try:
            await upgrade(engine)
            async with _turn(), engine.begin() as conn:
                script = await conn.run_sync(
                    lambda sync: command.revision(
                        alembic_config(sync),
                        message=message,
                        autogenerate=autogenerate,
                        rev_id=f"{number:04d}",
                    )
                )
        finally:
            await engine.dispose()
    assert script is not None and not isinstance(script, list)
    return Path(script.path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.store.schema", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("upgrade", help="migrate the database at URL to the newest schema")
    up.add_argument("url")
    rev = sub.add_parser("revision", help="draft a new migration from the changes in models.py")
    rev.add_argument("message")
    rev.add_argument("--empty", action="store_true", help="an empty migration to fill in by hand")
    args = parser.parse_args(argv)
    if args.command == "upgrade":
        asyncio.run(migrate(args.url))
    else:
        path = asyncio.run(draft_revision(args.message, autogenerate=not args.empty))
        print(f"Wrote {path}; review it, then run ruff format on it.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
