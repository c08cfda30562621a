"""Per-server settings: the immutable ``GuildSettings`` callers get, and the ``SettingsCache`` that serves
them from memory.

Reads (``cache.get``) never touch the database: every row is loaded at start in one query, and a
background task re-reads the rows changed since the newest ``updated_at`` it has seen every ``ttl``
seconds, so a change made by another bot process shows up within ``ttl``. Deleted rows are noticed by
comparing row counts, and a full reload every ``full_every`` seconds catches anything else. Writes go to
the database first and update memory as soon as it has them. When the database is unreachable, reads
go on serving the last known values (or the defaults), writes raise ``StoreUnavailable``, and the
task keeps retrying.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from sqlalchemy import Delete, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.store.engine import OutageLog, describe, is_unavailable
from bot.store.models import QUIZ_SECONDS_MAX, QUIZ_SECONDS_MIN, GuildSettingsRow
from bot.store.schema import SchemaGate

log = logging.getLogger(__name__)

LANGUAGES = ("auto", "ko", "en")  # 'auto': the member's Discord client locale
MAX_CHANNELS = 500  # Discord's own limit of channels in a server
TTL_SECONDS = 30.0
FULL_RELOAD_SECONDS = 600.0
# Rows changed this long before the newest one seen are read again: another process's clock may lag a
# little, and a transaction that started earlier may commit later. Re-reading a row costs nothing.
OVERLAP = timedelta(seconds=60)
_VIEW = re.compile(r"[a-z][a-z0-9_-]{0,31}")
_SNOWFLAKE_MAX = 2**63 - 1


class InvalidSetting(ValueError):
    """A value a setting cannot take; ``field`` names the setting."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True, slots=True)
class GuildSettings:
    """A server's settings. ``None`` (and an empty ``channels``) means "use the built-in default"."""

    language: str | None = None  # 'auto' | 'ko' | 'en'
    model: str | None = None  # a name from the bot's MODELS list (checked by the caller)
    view: str | None = None  # 'word', 'heads', 'matrix', 'grid', 'rollout', ...
    hide_special: bool | None = None
    ephemeral: bool | None = None  # results only the invoker sees
    quiz_seconds: int | None = None  # QUIZ_SECONDS_MIN..QUIZ_SECONDS_MAX
    view_anyone: bool | None = None  # anyone may press the paging buttons
    channels: tuple[int, ...] = ()  # allow-list of channel ids, sorted; empty = every channel
    updated_at: datetime | None = field(default=None, compare=False)

    DEFAULTS: ClassVar[GuildSettings]
    NAMES: ClassVar[tuple[str, ...]]  # the settings apply() and SettingsCache.set() take

    def apply(self, **changes: Any) -> GuildSettings:
        """A copy with ``changes`` checked and applied; ``name=None`` puts a setting back to its default."""
        return replace(self, **{name: _checked(name, value) for name, value in changes.items()})

    @property
    def is_default(self) -> bool:
        return self == GuildSettings.DEFAULTS

    def allows(self, channel_id: int) -> bool:
        """May the bot answer in this channel? True everywhere unless an allow-list is set."""
        return not self.channels or channel_id in self.channels


GuildSettings.DEFAULTS = GuildSettings()
GuildSettings.NAMES = tuple(f.name for f in fields(GuildSettings) if f.name != "updated_at")


def _checked(name: str, value: Any) -> Any:
    if name not in GuildSettings.NAMES:
        raise TypeError(f"unknown setting {name!r}; settings are {', '.join(GuildSettings.NAMES)}")
    if name == "channels":
        return _channels(value)
    if value is None:
        return None
    if name == "language":
        if not isinstance(value, str) or value.strip().lower() not in LANGUAGES:
            raise InvalidSetting(name, f"must be one of {', '.join(LANGUAGES)}, got {value!r}")
        return value.strip().lower()
    if name == "model":
        if not isinstance(value, str) or not value.strip() or len(value.strip()) > 200:
            raise InvalidSetting(name, f"must be a model name, got {value!r}")
        return value.strip()
    if name == "view":
        if not isinstance(value, str) or not _VIEW.fullmatch(value.strip().lower()):
            raise InvalidSetting(name, f"must be a view name like 'word' or 'heads', got {value!r}")
        return value.strip().lower()
    if name == "quiz_seconds":
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidSetting(name, f"must be a whole number of seconds, got {value!r}")
        if not QUIZ_SECONDS_MIN <= value <= QUIZ_SECONDS_MAX:
            raise InvalidSetting(
                name, f"must be between {QUIZ_SECONDS_MIN} and {QUIZ_SECONDS_MAX}, got {value}"
            )
        return value
    if not isinstance(value, bool):  # hide_special, ephemeral, view_anyone
        raise InvalidSetting(name, f"must be true or false, got {value!r}")
    return value


def _channels(value: Iterable[int] | None) -> tuple[int, ...]:
    if value is None:
        return ()
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidSetting("channels", f"must be a list of channel ids, got {value!r}")
    ids = set()
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int) or not 0 < item <= _SNOWFLAKE_MAX:
            raise InvalidSetting("channels", f"must be channel ids, got {item!r}")
        ids.add(item)
    if len(ids) > MAX_CHANNELS:
        raise InvalidSetting("channels", f"at most {MAX_CHANNELS} channels, got {len(ids)}")
    return tuple(sorted(ids))


def check_guild_id(guild_id: int) -> int:
    if isinstance(guild_id, bool) or not isinstance(guild_id, int) or not 0 < guild_id <= _SNOWFLAKE_MAX:
        raise ValueError(f"not a Discord id: {guild_id!r}")
    return guild_id


# ------------------------------------------------------------------------------- rows <-> settings
_COLUMNS = (GuildSettingsRow.guild_id, *(getattr(GuildSettingsRow, n) for n in GuildSettings.NAMES))
_SELECT = select(*_COLUMNS, GuildSettingsRow.updated_at)


def _from_row(row: Any) -> tuple[int, GuildSettings]:  # a Row of _SELECT's columns
    values = row._mapping
    return values["guild_id"], GuildSettings(
        **{name: values[name] for name in GuildSettings.NAMES if name != "channels"},
        channels=tuple(sorted(values["channels"] or ())),
        updated_at=values["updated_at"],
    )


def _column_value(name: str, value: Any) -> Any:
    if name == "channels":
        return list(value) or None  # NULL, not [], for "every channel"
    return value


def delete_statement(guild_id: int) -> Delete:
    return delete(GuildSettingsRow).where(GuildSettingsRow.guild_id == guild_id)


# ------------------------------------------------------------------------------------------ cache
class SettingsCache:
    """Every server's settings in memory, kept fresh from the database; see the module docstring."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        ttl: float = TTL_SECONDS,
        full_every: float = FULL_RELOAD_SECONDS,
        schema: SchemaGate | None = None,
        outage: OutageLog | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self.ttl = ttl
        self._full_every = full_every
        self._schema = schema
        self._outage = outage or OutageLog(log)
        self._now = now
        self._monotonic = monotonic
        self._settings: dict[int, GuildSettings] = {}
        self._newest: datetime | None = None  # newest updated_at read from the database
        self._last_full: float | None = None
        # Local writes, numbered: a refresh that began before a write must not undo it in memory.
        self._writes = 0
        self._written: dict[int, int] = {}
        self._refreshing = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    # ----------------------------------------------------------------------------------- reads
    def get(self, guild_id: int | None) -> GuildSettings:
        """The server's settings from memory, never waiting on the database; DMs (None) get defaults."""
        if guild_id is None:
            return GuildSettings.DEFAULTS
        return self._settings.get(guild_id, GuildSettings.DEFAULTS)

    def __len__(self) -> int:
        return len(self._settings)

    @property
    def loaded(self) -> bool:
        """Has the database answered at least once since start?"""
        return self._last_full is not None

    @property
    def available(self) -> bool:
        """Did the last database call succeed?"""
        return self.loaded and not self._outage.down

    # ---------------------------------------------------------------------------------- writes
    async def set(self, guild_id: int, **changes: Any) -> GuildSettings:
        """Save ``changes`` (``name=None`` restores a default) and return the server's new settings.

        Only the named settings are written, so two processes changing different settings of one
        server at once both keep their change. Raises InvalidSetting, or StoreUnavailable.
        """
        check_guild_id(guild_id)
        checked = GuildSettings.DEFAULTS.apply(**changes)
        if not changes:
            return self.get(guild_id)
        values = {name: _column_value(name, getattr(checked, name)) for name in changes}
        values["updated_at"] = self._now()
        insert = postgresql.insert if self._engine.dialect.name == "postgresql" else sqlite.insert
        statement = (
            insert(GuildSettingsRow)
            .values(guild_id=guild_id, **values)
            .on_conflict_do_update(index_elements=[GuildSettingsRow.guild_id], set_=values)
            .returning(*_COLUMNS, GuildSettingsRow.updated_at)
        )
        async with self._outage.guard("saving settings"):
            if self._schema is not None:
                await self._schema.ensure()
            async with self._sessions.begin() as session:
                row = (await session.execute(statement)).one()
        _, settings = _from_row(row)
        self._remember(guild_id, settings)
        return settings

    async def reset(self, guild_id: int) -> None:
        """Forget every setting of the server (delete its row). Raises StoreUnavailable."""
        check_guild_id(guild_id)
        async with self._outage.guard("resetting settings"):
            if self._schema is not None:
                await self._schema.ensure()
            async with self._sessions.begin() as session:
                await session.execute(delete_statement(guild_id))
        self._remember(guild_id, None)

    def forget(self, guild_id: int) -> None:
        """Drop the server from memory after its row was deleted elsewhere (``Store.delete_guild``)."""
        self._remember(guild_id, None)

    def _remember(self, guild_id: int, settings: GuildSettings | None) -> None:
        self._writes += 1
        self._written[guild_id] = self._writes
        if settings is None:
            self._settings.pop(guild_id, None)
        else:
            self._settings[guild_id] = settings

    # ------------------------------------------------------------------------------- refreshing
    async def start(self) -> None:
        """Load every row (one query) and start refreshing every ``ttl`` seconds.

        Never raises for an unreachable database: reads then serve the defaults until it answers.
        """
        await self.refresh()
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="bertlens-settings-refresh")

    async def close(self, grace: float = 10.0) -> None:
        """Stop the background refresh, letting a refresh under way finish (its waits are bounded by
        the engine's timeouts) for up to ``grace`` seconds. The engine is the caller's to dispose of."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping.set()
        try:
            await asyncio.wait_for(task, grace)
        except TimeoutError:
            pass  # wait_for has cancelled it
        finally:
            self._stopping.clear()

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.ttl)
            if self._stopping.is_set():
                return
            await self.refresh()

    async def refresh(self) -> bool:
        """Read what changed since the last refresh (everything, the first time or when rows were
        deleted elsewhere). True if the database answered; never raises for an outage."""
        async with self._refreshing:
            began = self._writes
            try:
                if self._schema is not None:
                    await self._schema.ensure()
                await self._refresh(began)
            except Exception as error:
                if not is_unavailable(error):
                    log.error("Refreshing guild settings failed: %s", describe(error), exc_info=error)
                self._outage.failed("reading settings", error)
                return False
            finally:
                # Writes numbered up to `began` are in what any later refresh reads.
                self._written = {g: n for g, n in self._written.items() if n > began}
        self._outage.ok()
        return True

    async def _refresh(self, began: int) -> None:
        due = self._last_full is None or self._monotonic() - self._last_full >= self._full_every
        if not due:
            since = self._newest - OVERLAP if self._newest is not None else None
            query = _SELECT if since is None else _SELECT.where(GuildSettingsRow.updated_at > since)
            async with self._sessions() as session:
                rows = (await session.execute(query)).all()
                count = await session.scalar(select(func.count()).select_from(GuildSettingsRow))
            self._merge(rows, began, full=False)
            # After the merge memory holds every row there is; more in memory means some were deleted.
            if count == len(self._settings):
                return
        async with self._sessions() as session:
            rows = (await session.execute(_SELECT)).all()
        self._merge(rows, began, full=True)
        self._last_full = self._monotonic()

    def _merge(self, rows: Sequence[Any], began: int, *, full: bool) -> None:
        fresh = dict(_from_row(row) for row in rows)
        merged = dict(self._settings) if not full else {}
        merged.update(fresh)
        for guild_id, number in self._written.items():
            if number > began:  # written here after this refresh began: memory is newer
                if guild_id in self._settings:
                    merged[guild_id] = self._settings[guild_id]
                else:
                    merged.pop(guild_id, None)
        self._settings = merged
        newest = max((s.updated_at for s in fresh.values() if s.updated_at is not None), default=None)
        if full or (newest is not None and (self._newest is None or newest > self._newest)):
            self._newest = newest
