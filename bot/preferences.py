"""What applies to one request: the server's settings (``/settings``) over the bot's, then the member's
own options over both. Read from memory, never from the database, so no command waits on it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord

from bot.i18n import language

if TYPE_CHECKING:
    from bot.client import BertLens
    from bot.store import GuildSettings


@dataclass(frozen=True)
class Preferences:
    lang: str  # replies and images
    ephemeral: bool  # results only the member sees
    model: str | None  # the server's default model (a name in MODELS); None: the first of MODELS
    view: str
    hide_special: bool
    view_anyone: bool
    quiz_seconds: int
    allowed: bool  # this channel is on the server's allow-list (or there is none)
    channels: tuple[int, ...]


def server_settings(bot: BertLens, guild_id: int | None) -> GuildSettings:
    from bot.store import GuildSettings

    if bot.store is None or guild_id is None:
        return GuildSettings.DEFAULTS
    return bot.store.settings.get(guild_id)


def preferences(bot: BertLens, interaction: discord.Interaction[Any]) -> Preferences:
    server = server_settings(bot, interaction.guild_id)
    lang = language(interaction.locale) if server.language in (None, "auto") else server.language
    model = server.model if server.model in bot.service.models.names else None
    channel = interaction.channel_id
    return Preferences(
        lang=lang,
        ephemeral=bool(server.ephemeral),
        model=model,
        view=server.view or "word",
        hide_special=bool(server.hide_special),
        view_anyone=bot.settings.view_anyone if server.view_anyone is None else server.view_anyone,
        quiz_seconds=server.quiz_seconds or bot.settings.quiz_seconds,
        allowed=channel is None or server.allows(channel),
        channels=server.channels,
    )
