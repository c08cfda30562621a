"""The discord.py client: loads the model once in ``setup_hook``, discovers cogs, owns the worker pool
and the command tree's error handler, syncs commands by policy and shuts down gracefully."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import pkgutil
import time
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

import cogs
from bot.config import Settings
from bot.engine.lens import Lens
from bot.error_handler import describe, handle_error
from bot.health import HealthReporter
from bot.i18n import language, t
from bot.replies import NO_MENTIONS, fail
from bot.service import LensService
from bot.translator import BertLensTranslator

log = logging.getLogger("bertlens")


class BertLensTree(app_commands.CommandTree):
    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        bot = interaction.client
        service = getattr(bot, "service", None)
        if service is not None and not service.accepting:
            if interaction.type == discord.InteractionType.autocomplete:
                return False
            await interaction.response.send_message(
                t(language(interaction.locale), "shutting_down"), ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return False
        return True

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        await handle_error(interaction, error)


def cog_modules() -> list[str]:
    """Every module in the cogs package, skipping private ones (``_name``)."""
    return [
        f"{cogs.__name__}.{info.name}"
        for info in pkgutil.iter_modules(cogs.__path__)
        if not info.name.startswith("_")
    ]


class BertLensMixin:
    """Shared by the single-process bot and the sharded one (see ``create_bot``)."""

    settings: Settings
    service: LensService
    if TYPE_CHECKING:  # provided by discord.py's Bot, which every user of the mixin also derives from

        @property
        def tree(self) -> app_commands.CommandTree[Any]: ...

    def _init_lens(self, settings: Settings, lens_factory: Callable[[], Lens] | None) -> None:
        self.settings = settings
        self._lens_factory = lens_factory
        self._inflight: set[asyncio.Task[Any]] = set()
        self.sync_only = False
        self.synced = asyncio.Event()
        self.health = HealthReporter(self, settings)

    # --------------------------------------------------------------------------------- start-up

    async def setup_hook(self) -> None:
        await self.tree.set_translator(BertLensTranslator())
        for module in cog_modules():
            await self.load_extension(module)  # type: ignore[attr-defined]
        if not self.sync_only:
            # Before the gateway connects, so no interaction can arrive ahead of the model.
            lens = await asyncio.to_thread(self._lens_factory or self._default_lens)
            self.service = LensService(
                lens,
                workers=self.settings.workers,
                queue_limit=self.settings.queue_limit,
                torch_threads=self.settings.torch_threads,
            )
            await self.health.start()
        await self.sync_commands()

    def _default_lens(self) -> Lens:
        from bot.engine.model import load_model

        model = load_model(self.settings.model, torch_threads=self.settings.torch_threads)
        return Lens(
            model,
            max_chars=self.settings.max_chars,
            max_tokens=self.settings.max_tokens,
            cache_mb=self.settings.cache_mb,
        )

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
        user = self.user  # type: ignore[attr-defined]
        log.info("Connected as %s (id %s) to %d guild(s)", user, getattr(user, "id", "?"), len(self.guilds))  # type: ignore[attr-defined]

    # ----------------------------------------------------------------------------- per command

    @contextlib.asynccontextmanager
    async def track(self, interaction: discord.Interaction) -> AsyncIterator[None]:
        """Log one line per command, count it, and let shutdown wait for it (or tell the user)."""
        started = time.perf_counter()
        task = asyncio.current_task()
        if task is not None:
            self._inflight.add(task)
        outcome = "ok"
        try:
            yield
        except asyncio.CancelledError:
            outcome = "cancelled"
            await asyncio.shield(fail(interaction, t(language(interaction.locale), "shutting_down")))
            raise
        except Exception as exc:
            outcome = type(exc).__name__
            raise
        finally:
            if task is not None:
                self._inflight.discard(task)
            elapsed = time.perf_counter() - started
            if outcome == "ok" and getattr(self, "service", None) is not None:
                self.service.record(elapsed)
            log.info("%s outcome=%s latency=%.3fs", describe(interaction), outcome, elapsed)

    # -------------------------------------------------------------------------------- shutdown

    async def shutdown(self, grace: float = 20.0) -> None:
        """Stop taking work, let in-flight commands finish (or tell their users), then disconnect."""
        service = getattr(self, "service", None)
        if service is not None:
            service.accepting = False
        pending = {task for task in self._inflight if not task.done()}
        if pending:
            log.info("Shutting down: waiting for %d request(s) in flight", len(pending))
            _, late = await asyncio.wait(pending, timeout=grace)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late, timeout=5)
        await self.close()
        if service is not None:
            service.close()

    async def close(self) -> None:
        await self.health.stop()
        await super().close()  # type: ignore[misc]


class BertLens(BertLensMixin, commands.Bot):
    def __init__(self, settings: Settings, *, lens_factory: Callable[[], Lens] | None = None, **kwargs: Any):
        self._init_lens(settings, lens_factory)
        super().__init__(**_client_options(), **kwargs)


class ShardedBertLens(BertLensMixin, commands.AutoShardedBot):
    def __init__(self, settings: Settings, *, lens_factory: Callable[[], Lens] | None = None, **kwargs: Any):
        self._init_lens(settings, lens_factory)
        super().__init__(**_client_options(), **kwargs)


def _client_options() -> dict[str, Any]:
    intents = discord.Intents.none()
    intents.guilds = True  # slash commands and components need nothing else, not even message content
    return {
        "command_prefix": commands.when_mentioned,
        "intents": intents,
        "tree_cls": BertLensTree,
        "allowed_mentions": NO_MENTIONS,
        "help_command": None,
    }


def create_bot(
    settings: Settings, *, lens_factory: Callable[[], Lens] | None = None
) -> BertLens | ShardedBertLens:
    """A plain bot, or a cluster of shards when SHARD_COUNT is set (one process per cluster)."""
    if settings.shard_count is None:
        return BertLens(settings, lens_factory=lens_factory)
    shard_ids = list(settings.shard_ids) if settings.shard_ids is not None else None
    return ShardedBertLens(
        settings, lens_factory=lens_factory, shard_count=settings.shard_count, shard_ids=shard_ids
    )
