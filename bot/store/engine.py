"""Where the database is and how to reach it: the URL, the engine with short timeouts, and what counts
as "the database is unavailable right now".

Two drivers: SQLite through aiosqlite (one bot process, the default) and PostgreSQL through asyncpg
(several bot processes, e.g. shard clusters, sharing one set of settings).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

DB_FILE = "bertlens.db"
DEFAULT_DATA_DIR = "data"
TIMEOUT_SECONDS = 5.0  # connecting, one statement, waiting for a pooled connection or a SQLite lock
WARN_EVERY_SECONDS = 60.0

SQLITE = "sqlite+aiosqlite"
POSTGRES = "postgresql+asyncpg"
# What people paste, mapped to the async driver that serves it.
_DRIVERS = {
    "sqlite": SQLITE,
    SQLITE: SQLITE,
    "postgres": POSTGRES,
    "postgresql": POSTGRES,
    POSTGRES: POSTGRES,
}


class StoreConfigError(ValueError):
    """A DATABASE_URL that cannot work; the message is one line that says what to change."""


class StoreUnavailable(Exception):
    """The database cannot be reached right now; the caller says "cannot be saved right now"."""


def default_url(data_dir: str | os.PathLike[str] = DEFAULT_DATA_DIR) -> str:
    """The SQLite file in ``data_dir`` (created if missing), as an absolute URL."""
    directory = Path(data_dir).expanduser().resolve()
    directory.mkdir(parents=True, exist_ok=True)
    return f"{SQLITE}:///{directory / DB_FILE}"


def url_from_env(environ: Mapping[str, str] | None = None) -> str:
    """DATABASE_URL if set, else the SQLite file in DATA_DIR (default ./data); checked either way."""
    env = os.environ if environ is None else environ
    raw = env.get("DATABASE_URL", "").strip()
    if raw:
        return check_url(raw).render_as_string(hide_password=False)
    return default_url(env.get("DATA_DIR", "").strip() or DEFAULT_DATA_DIR)


def check_url(url: str | URL) -> URL:
    """The URL with its async driver filled in, or a StoreConfigError (never echoing a password)."""
    try:
        parsed = make_url(url)
    except (exc.ArgumentError, ValueError):
        raise StoreConfigError(
            "DATABASE_URL is not a database URL; use sqlite+aiosqlite:///path/to/bertlens.db or "
            "postgresql+asyncpg://user:password@host:5432/dbname."
        ) from None
    driver = _DRIVERS.get(parsed.drivername)
    if driver is None:
        raise StoreConfigError(
            f"DATABASE_URL must start with sqlite+aiosqlite:// or postgresql+asyncpg://, "
            f"got {parsed.drivername}://."
        )
    parsed = parsed.set(drivername=driver)
    if driver == SQLITE and parsed.database in (None, "", ":memory:"):
        raise StoreConfigError(
            "DATABASE_URL names no SQLite file (an in-memory database would lose every setting); "
            "use sqlite+aiosqlite:///path/to/bertlens.db."
        )
    if driver == POSTGRES and not parsed.database:
        raise StoreConfigError("DATABASE_URL names no PostgreSQL database; add /dbname after the host.")
    return parsed


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


def create_engine(url: str | URL, *, timeout: float = TIMEOUT_SECONDS) -> AsyncEngine:
    """An engine whose every wait is bounded by ``timeout`` seconds, so nothing hangs on a dead server."""
    parsed = check_url(url)
    if parsed.drivername == SQLITE:
        assert parsed.database is not None
        # A missing folder is made; one that cannot be (a volume gone) fails on connect, not here.
        with contextlib.suppress(OSError):
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            parsed,
            connect_args={"timeout": timeout},  # sqlite3's busy timeout: waiting for another writer
            pool_timeout=timeout,
        )
        event.listen(engine.sync_engine, "connect", _sqlite_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    return create_async_engine(
        parsed,
        connect_args={
            "timeout": timeout,  # asyncpg: connecting
            "command_timeout": timeout,  # asyncpg: every statement, BEGIN and COMMIT included
            "server_settings": {"application_name": "bertlens"},
        },
        pool_size=5,
        max_overflow=5,
        pool_timeout=timeout,
        pool_pre_ping=True,  # a server restart costs one reconnect, not one failed command
        pool_recycle=1800,
    )


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling starts transactions late and never for DDL; _sqlite_begin
    # starts every one instead (SQLAlchemy's documented recipe for aiosqlite).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        # Readers never wait for a writer, and two processes may share the file.
        cursor.execute("PRAGMA journal_mode=WAL")
    finally:
        cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # The write lock up front (waiting up to the busy timeout): a transaction that reads, then writes
    # never fails on a snapshot another process has changed, and migrations are one transaction each.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def is_unavailable(error: BaseException) -> bool:
    """True for "cannot reach or use the database right now"; False for bugs (bad SQL, constraint errors)."""
    if isinstance(error, exc.DBAPIError):
        if error.connection_invalidated:
            return True
        return not isinstance(
            error, exc.IntegrityError | exc.ProgrammingError | exc.DataError | exc.NotSupportedError
        )
    return isinstance(error, OSError | TimeoutError | exc.TimeoutError | sqlite3.OperationalError)


def describe(error: BaseException) -> str:
    """One line about what went wrong, without the SQL or its parameters."""
    cause = error.orig if isinstance(error, exc.DBAPIError) and error.orig is not None else error
    text = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
    name = type(cause).__name__
    return f"{name}: {text}" if text else name


class OutageLog:
    """Logs "database unavailable" as a WARNING at most once per ``every`` seconds, and once when it is
    back, so an outage of an hour is 60 lines, not one per read."""

    def __init__(
        self,
        logger: logging.Logger,
        *,
        every: float = WARN_EVERY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._log = logger
        self._every = every
        self._clock = clock
        self._last_warning: float | None = None
        self.down = False

    def failed(self, what: str, error: BaseException) -> None:
        now = self._clock()
        self.down = True
        if self._last_warning is None or now - self._last_warning >= self._every:
            self._last_warning = now
            self._log.warning(
                "Database unavailable (%s): %s. Settings come from memory until it is back.",
                what,
                describe(error),
            )
        else:
            self._log.debug("Database still unavailable (%s): %s", what, describe(error))

    @contextlib.asynccontextmanager
    async def guard(self, what: str) -> AsyncIterator[None]:
        """Turn "the database is unavailable" into StoreUnavailable (logged, rate-limited); other errors
        pass through as they are."""
        try:
            yield
        except Exception as error:
            if not is_unavailable(error):
                raise
            self.failed(what, error)
            raise StoreUnavailable(f"{what}: {describe(error)}") from error
        self.ok()

    def ok(self) -> None:
        if self.down:
            self.down = False
            self._last_warning = None
            self._log.info("Database reachable again.")
