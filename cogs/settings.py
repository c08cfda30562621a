"""/settings: a server's defaults for everyone in it (members with Manage Server only).

Language of replies and images, default model and view, hidden specials, private results, quiz length,
who may drive paging buttons, and which channels BERT Lens answers in. Every command reads these
first; a member's own options still win. Saved in the database (``bot.store``); when it is down,
commands keep the defaults and /settings says it cannot save now.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.embeds import COLOUR
from bot.i18n import language, t
from bot.interactions import send
from bot.preferences import server_settings
from bot.store import StoreUnavailable
from bot.translator import text
from cogs._common import VIEW_CHOICES, chosen_model, model_choices

if TYPE_CHECKING:
    from bot.client import BertLens

ANSWERABLE = (
    discord.ChannelType.text,
    discord.ChannelType.voice,
    discord.ChannelType.news,
    discord.ChannelType.news_thread,
    discord.ChannelType.public_thread,
    discord.ChannelType.private_thread,
    discord.ChannelType.stage_voice,
    discord.ChannelType.forum,
)
LANGUAGE_CHOICES = [
    app_commands.Choice(name=text(f"choice.language.{code}"), value=code) for code in ("auto", "ko", "en")
]
CHANNEL_ACTIONS = [
    app_commands.Choice(name=text(f"choice.channels.{action}"), value=action)
    for action in ("add", "remove", "clear")
]


@app_commands.default_permissions(manage_guild=True)
@app_commands.allowed_installs(guilds=True, users=False)  # a server's settings need the bot in the server
@app_commands.allowed_contexts(guilds=True, dms=False, private_channels=False)
class Settings(
    commands.GroupCog,
    group_name="settings",
    group_description=text("settings.description"),
):
    def __init__(self, bot: BertLens) -> None:
        self.bot = bot
        super().__init__()
        model_choices(self.change, bot.service.models.names)
        # Channels a command can be run in: text, voice chat, announcements, threads, stages and forums
        # (not categories; discord.py would offer every type).
        param = self.channels._params["channel"]
        self.channels._params["channel"] = dataclasses.replace(param, channel_types=list(ANSWERABLE))

    async def _allowed(self, interaction: discord.Interaction) -> bool:
        lang = language(interaction.locale)
        if interaction.guild_id is None:
            await send(interaction, t(lang, "settings.guild_only"), ephemeral=True)
            return False
        permissions = interaction.permissions
        if not (permissions.manage_guild or permissions.administrator):
            await send(interaction, t(lang, "settings.refused"), ephemeral=True)
            return False
        return True

    def _embed(self, guild_id: int, lang: str, note: str | None = None) -> discord.Embed:
        server = server_settings(self.bot, guild_id)
        default = t(lang, "settings.default")
        names = self.bot.service.models.names

        def shown(value: Any, fallback: str) -> str:
            return fallback + f" {default}" if value is None else str(value)

        def flag(value: bool | None, fallback: bool) -> str:
            word = t(lang, "settings.yes" if (fallback if value is None else value) else "settings.no")
            return word + (f" {default}" if value is None else "")

        language_value = server.language or "auto"
        rows = [
            (
                "language",
                t(lang, f"settings.language.{language_value}") + ("" if server.language else f" {default}"),
            ),
            ("model", shown(server.model, names[0])),
            ("view", shown(server.view, "word")),
            ("hide_special", flag(server.hide_special, False)),
            ("private", flag(server.ephemeral, False)),
            ("quiz_seconds", shown(server.quiz_seconds, str(self.bot.settings.quiz_seconds))),
            ("anyone_pages", flag(server.view_anyone, self.bot.settings.view_anyone)),
            (
                "channels",
                ", ".join(f"<#{c}>" for c in server.channels[:40]) or t(lang, "settings.everywhere"),
            ),
        ]
        embed = discord.Embed(title=t(lang, "settings.title"), description=note, colour=COLOUR)
        for key, value in rows:
            name = t(lang, f"settings.field.{key}")
            embed.add_field(name=name, value=value[:1024], inline=key != "channels")
        if self.bot.store is None or not self.bot.store.settings.available:
            embed.set_footer(text=t(lang, "settings.unavailable"))
        return embed

    async def _save(self, interaction: discord.Interaction, **changes: Any) -> None:
        lang = language(interaction.locale)
        assert interaction.guild_id is not None
        if self.bot.store is None:
            await send(interaction, t(lang, "settings.unavailable"), ephemeral=True)
            return
        try:
            if changes:
                await self.bot.store.settings.set(interaction.guild_id, **changes)
            else:
                await self.bot.store.settings.reset(interaction.guild_id)
        except StoreUnavailable:
            await send(interaction, t(lang, "settings.unavailable"), ephemeral=True)
            return
        note = t(lang, "settings.saved" if changes else "settings.reset_done")
        await send(interaction, embed=self._embed(interaction.guild_id, lang, note), ephemeral=True)

    # ------------------------------------------------------------------------------------ commands

    @app_commands.command(name="show", description=text("settings.show"))
    async def show(self, interaction: discord.Interaction) -> None:
        async with self.bot.inflight.track(interaction):
            if await self._allowed(interaction):
                assert interaction.guild_id is not None
                embed = self._embed(interaction.guild_id, language(interaction.locale))
                await send(interaction, embed=embed, ephemeral=True)

    @app_commands.command(name="set", description=text("settings.set"))
    @app_commands.describe(
        language=text("set.language"),
        model=text("set.model"),
        view=text("set.view"),
        hide_special=text("set.hide_special"),
        private=text("set.private"),
        quiz_seconds=text("set.quiz_seconds"),
        anyone_pages=text("set.anyone_pages"),
    )
    @app_commands.choices(language=LANGUAGE_CHOICES, view=VIEW_CHOICES)
    async def change(
        self,
        interaction: discord.Interaction,
        language: str | None = None,
        model: str | None = None,
        view: str | None = None,
        hide_special: bool | None = None,
        private: bool | None = None,
        quiz_seconds: app_commands.Range[int, 10, 600] | None = None,
        anyone_pages: bool | None = None,
    ) -> None:
        async with self.bot.inflight.track(interaction):
            if not await self._allowed(interaction):
                return
            names = self.bot.service.models.names
            given = {
                "language": language,
                "model": chosen_model(names, model),
                "view": view,
                "hide_special": hide_special,
                "ephemeral": private,
                "quiz_seconds": quiz_seconds,
                "view_anyone": anyone_pages,
            }
            changes = {name: value for name, value in given.items() if value is not None}
            if not changes:
                lang = language_of(interaction)
                embed = self._embed(interaction.guild_id or 0, lang, t(lang, "settings.nothing"))
                await send(interaction, embed=embed, ephemeral=True)
                return
            await self._save(interaction, **changes)

    @app_commands.command(name="channels", description=text("settings.channels"))
    @app_commands.describe(action=text("channels.action"), channel=text("channels.channel"))
    @app_commands.choices(action=CHANNEL_ACTIONS)
    async def channels(
        self,
        interaction: discord.Interaction,
        action: str,
        channel: app_commands.AppCommandChannel | None = None,
    ) -> None:
        async with self.bot.inflight.track(interaction):
            if not await self._allowed(interaction):
                return
            current = server_settings(self.bot, interaction.guild_id).channels
            if action == "clear":
                chosen: tuple[int, ...] = ()
            elif channel is None:
                await send(interaction, t(language_of(interaction), "settings.which_channel"), ephemeral=True)
                return
            elif action == "add":
                chosen = (*current, channel.id)
            else:
                chosen = tuple(c for c in current if c != channel.id)
            await self._save(interaction, channels=chosen)

    @app_commands.command(name="reset", description=text("settings.reset"))
    async def reset(self, interaction: discord.Interaction) -> None:
        async with self.bot.inflight.track(interaction):
            if await self._allowed(interaction):
                await self._save(interaction)


def language_of(interaction: discord.Interaction) -> str:
    return language(interaction.locale)


async def setup(bot: BertLens) -> None:
    await bot.add_cog(Settings(bot))
