"""One object for the bot to hold: the engine, the settings cache, the quiz store, and the clean-up the
bot runs when it leaves a server.

    store = Store.from_url(url_from_env())
    await store.start()          # migrates and loads settings; never raises for an unreachable database
    store.settings.get(guild_id) # from memory
    ...
    await store.close()
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.store.engine import TIMEOUT_SECONDS, OutageLog, create_engine
from bot.store.quiz import QuizStore, delete_guild_statements
from bot.store.schema import SchemaGate
from bot.store.settings import (
    FULL_RELOAD_SECONDS,
    TTL_SECONDS,
    SettingsCache,
    check_guild_id,
    delete_statement,
)

log = logging.getLogger("bertlens.store")


class Store:
    def __init__(
        self, engine: AsyncEngine, *, ttl: float = TTL_SECONDS, full_every: float = FULL_RELOAD_SECONDS
    ) -> None:
        self.engine = engine
        self.schema = SchemaGate(engine)
        self.outage = OutageLog(log)  # one rate limit for every "database unavailable" warning
        self.settings = SettingsCache(
            engine, ttl=ttl, full_every=full_every, schema=self.schema, outage=self.outage
        )
        self.quizzes = QuizStore(engine, schema=self.schema, outage=self.outage)
        self._sessions = async_sessionmaker(engine)

    @classmethod
    def from_url(cls, url: str, *, ttl: float = TTL_SECONDS, timeout: float = TIMEOUT_SECONDS) -> Store:
        """Raises StoreConfigError for a URL that cannot work; connects only in ``start``."""
        return cls(create_engine(url, timeout=timeout), ttl=ttl)

    async def start(self) -> None:
        """Migrate, load every server's settings and start refreshing them. An unreachable database
        is logged, not raised: settings are then the defaults until it answers."""
        await self.settings.start()

    async def close(self) -> None:
        await self.settings.close()
        await self.engine.dispose()

    async def delete_guild(self, guild_id: int) -> None:
        """Remove everything stored about a server: settings, quizzes and votes (on GUILD_DELETE).
        Raises StoreUnavailable; memory forgets the server only once the database has."""
        check_guild_id(guild_id)
        async with self.outage.guard("deleting a server's data"):
            await self.schema.ensure()
            async with self._sessions.begin() as session:
                for statement in (*delete_guild_statements(guild_id), delete_statement(guild_id)):
                    await session.execute(statement)
        self.settings.forget(guild_id)

    async def purge_quizzes(self, older_than: timedelta = timedelta(days=1)) -> int:
        return await self.quizzes.purge(older_than)
