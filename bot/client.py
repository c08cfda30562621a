"""The bot: one class for a single process and for a cluster of shards. It receives its service and
the extensions to load (as discord.py's ``examples/advanced_startup.py`` passes its pool and
``initial_extensions``), loads the model in the service's pool before the gateway connects, syncs
commands by policy and shuts down gracefully."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.health import HealthReporter
from bot.interactions import Inflight
from bot.markup import NO_MENTIONS
from bot.service import LensService, freeze_start_up_objects
from bot.settings import Settings
from bot.store import Store, StoreUnavailable
from bot.translator import BertLensTranslator
from bot.tree import BertLensTree

log = logging.getLogger("bertlens")


def _shard_options(settings: Settings) -> dict[str, Any]:
    options: dict[str, Any] = {"shard_count": settings.shard_count}
    if settings.shard_ids is not None:
        options["shard_ids"] = list(settings.shard_ids)
    return options


class BertLens(commands.AutoShardedBot):
    """``AutoShardedBot`` throughout: without SHARD_COUNT it runs the shard count Discord recommends
    (one for a bot in fewer than 2,500 servers), with it the shards in SHARD_IDS."""

    def __init__(
        self,
        settings: Settings,
        service: LensService,
        *,
        store: Store | None = None,
        initial_extensions: Sequence[str] = (),
        sync_only: bool = False,
        **options: Any,
    ) -> None:
        intents = discord.Intents.none()
        intents.guilds = True  # slash commands and components need nothing else, not even message content
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            tree_cls=BertLensTree,
            allowed_mentions=NO_MENTIONS,
            help_command=None,
            # Every command works where the bot was added to a server and, installed to a user's
            # account, in DMs and in servers that never added it (Discord may make replies private there).
            allowed_installs=app_commands.AppInstallationType(guild=True, user=True),
            allowed_contexts=app_commands.AppCommandContext(
                guild=True, dm_channel=True, private_channel=True
            ),
            **_shard_options(settings),
            **options,
        )
        self.settings = settings
        self.service = service
        self.store = store  # server settings and quizzes; None: built-in defaults only
        self.initial_extensions = tuple(initial_extensions)
        self.sync_only = sync_only
        self.inflight = Inflight(service.record)
        self.synced = asyncio.Event()
        self.health = HealthReporter(self, settings)

    # ------------------------------------------------------------------------------------ start-up

    async def setup_hook(self) -> None:
        await self.tree.set_translator(BertLensTranslator())
        for extension in self.initial_extensions:
            await self.load_extension(extension)
        if not self.sync_only:
            # Before the gateway connects, so no interaction can arrive ahead of the model and the
            # servers' settings. An unreachable database is logged and the defaults apply meanwhile.
            await self.service.start()
            if self.store is not None:
                await self.store.start()
            await self.health.start()
            freeze_start_up_objects()  # the model and libraries stay for good: keep them out of GC
        await self.sync_commands()

    def syncs_commands(self) -> bool:
        """Only one process of a sharded deployment talks to the command endpoints: the one with shard 0."""
        ids = self.settings.shard_ids
        return ids is None or 0 in ids

    async def sync_commands(self) -> None:
        if self.sync_only:
            synced = await self.tree.sync()
            log.info(
                "Synced %d global command(s); they can take up to an hour to appear everywhere", len(synced)
            )
        elif not self.syncs_commands():
            log.info("Not syncing commands: this cluster does not hold shard 0")
        elif self.settings.dev_guild_id and self.settings.sync_commands:
            guild = discord.Object(id=self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("Synced %d command(s) to the dev guild %s", len(synced), self.settings.dev_guild_id)
        else:
            log.info("Commands are not synced at start-up; run `python -m bot sync` once after changing them")
        self.synced.set()

    async def on_ready(self) -> None:
        await self.health.refresh()
        user = self.user
        log.info("Connected as %s (id %s) to %d guild(s)", user, getattr(user, "id", "?"), len(self.guilds))

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Removed from a server: forget everything stored about it."""
        if self.store is None:
            return
        try:
            await self.store.delete_guild(guild.id)
            log.info("Removed from guild %s: its settings and quizzes are deleted", guild.id)
        except StoreUnavailable:
            log.warning(
                "Removed from guild %s, but the database is unavailable: its rows stay for now", guild.id
            )

    async def on_shard_disconnect(self, shard_id: int) -> None:
        # discord.py reconnects (or resumes) on its own, often without a word; say so once per drop.
        if not self.is_closed() and self.service.accepting:
            log.warning("Lost the gateway connection of shard %s; reconnecting", shard_id)

    async def on_shard_resumed(self, shard_id: int) -> None:
        log.info("Shard %s resumed its gateway session", shard_id)

    # ------------------------------------------------------------------------------------ shutdown

    async def shutdown(self, grace: float = 20.0) -> None:
        """Stop taking work, let in-flight commands finish (or tell their users), then disconnect."""
        self.service.accepting = False
        pending = self.inflight.pending()
        if pending:
            log.info("Shutting down: waiting for %d request(s) in flight", len(pending))
            _, late = await asyncio.wait(pending, timeout=grace)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late, timeout=5)
        await self.close()
        self.service.close()

    async def close(self) -> None:
        await self.health.stop()
        if not hasattr(self, "_AutoShardedClient__queue"):
            # discord.py creates the shards' event queue in connect(), so closing a bot that never
            # connected (a rejected token, a start-up error, a test) would raise AttributeError.
            self._AutoShardedClient__queue: asyncio.PriorityQueue[Any] = asyncio.PriorityQueue()
        # The store closes last: super().close() unloads the cogs, whose quiz timers read it until
        # they stop (closed first, a timer's query never finished and close() hung).
        await super().close()
        if self.store is not None:
            await self.store.close()
