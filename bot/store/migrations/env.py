"""Alembic's entry point. It runs on a connection handed over by ``bot.store.schema`` (the async
connection-sharing recipe): there is no alembic.ini and no URL of its own.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.store.models import Base

# Any 64-bit constant: bot processes starting together take turns at migrating (PostgreSQL).
_MIGRATION_LOCK = int.from_bytes(b"bertlens")


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things: later migrations copy the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        # bot.store.engine begins every SQLite transaction itself, so DDL is transactional there too.
        transactional_ddl=True,
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Held until the transaction ends; DDL is transactional there, so the next process sees
            # the finished schema and has nothing to do.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "bot.store migrations run through bot.store.schema (python -m bot migrate), not the alembic command."
    )
run_on(connection)
