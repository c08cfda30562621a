"""/about and /help."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.embeds import COLOUR, about_embed
from bot.i18n import language, t
from bot.interactions import send
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
            service = self.bot.service
            embed = about_embed(
                service.model_info(),
                uptime=_duration(service.uptime()),
                served=service.served,
                median=service.median_latency(),
                lang=language(interaction.locale),
            )
            await send(interaction, embed=embed, ephemeral=True)

    @app_commands.command(name="help", description=text("help.description"))
    async def help(self, interaction: discord.Interaction) -> None:
        lang = language(interaction.locale)
        embed = discord.Embed(title=t(lang, "help.title"), description=t(lang, "help.body"), colour=COLOUR)
        await send(interaction, embed=embed, ephemeral=True)


async def setup(bot: BertLens) -> None:
    await bot.add_cog(Meta(bot))
