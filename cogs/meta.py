"""/about and /help."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import __version__
from bot.embeds import COLOUR
from bot.i18n import language, t
from bot.interactions import send
from bot.markup import escape
from bot.translator import text

if TYPE_CHECKING:
    from bot.client import BertLens


def _duration(seconds: float) -> str:
    return str(timedelta(seconds=int(seconds)))


class Meta(commands.Cog):
    def __init__(self, bot: BertLens) -> None:
        self.bot = bot

    @app_commands.command(name="about", description=text("about.description"))
    async def about(self, interaction: discord.Interaction) -> None:
        async with self.bot.inflight.track(interaction):
            lang = language(interaction.locale)
            service = self.bot.service
            model = service.model
            embed = discord.Embed(
                title=t(lang, "about.title"), description=t(lang, "about.description"), colour=COLOUR
            )
            name = escape(model.name) + (f"\n{t(lang, 'about.fallback')}" if model.fell_back else "")
            embed.add_field(name=t(lang, "about.model"), value=name, inline=False)
            embed.add_field(
                name="\u200b", value=t(lang, "about.shape", layers=model.num_layers, heads=model.num_heads)
            )
            embed.add_field(name=t(lang, "about.version"), value=__version__)
            embed.add_field(name=t(lang, "about.uptime"), value=_duration(service.uptime()))
            embed.add_field(name=t(lang, "about.requests"), value=str(service.served))
            median = service.median_latency()
            embed.add_field(
                name=t(lang, "about.latency"),
                value=f"{median * 1000:.0f} ms" if median is not None else t(lang, "about.none"),
            )
            await send(interaction, embed=embed, ephemeral=True)

    @app_commands.command(name="help", description=text("help.description"))
    async def help(self, interaction: discord.Interaction) -> None:
        lang = language(interaction.locale)
        embed = discord.Embed(title=t(lang, "help.title"), description=t(lang, "help.body"), colour=COLOUR)
        await send(interaction, embed=embed, ephemeral=True)


async def setup(bot: BertLens) -> None:
    await bot.add_cog(Meta(bot))
