"""/tokenize and the "Tokenize message" context menu: the seed post's token walk-through."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.embeds import tokenize_reply
from bot.i18n import language, t
from bot.interactions import analysis_reply, fail, send
from bot.preferences import preferences
from bot.translator import text
from cogs._common import Sentence, chosen_model, limit_length, model_choices, per_user_cooldown

if TYPE_CHECKING:
    from bot.client import BertLens


class Tokenize(commands.Cog):
    def __init__(self, bot: BertLens) -> None:
        self.bot = bot
        limit_length(self.tokenize, bot.settings.max_chars, "sentence", "sentence2", "sentence3")
        every = app_commands.Choice(name=text("choice.all"), value="all")
        model_choices(self.tokenize, bot.service.models.names, option="models", extra=[every])
        self.menu = app_commands.ContextMenu(name=text("context.tokenize"), callback=self.tokenize_message)
        bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    async def _reply(
        self, interaction: discord.Interaction, sentences: list[str], models: str | None = None
    ) -> None:
        service = self.bot.service
        prefs = preferences(self.bot, interaction)
        names = service.models.names
        one = chosen_model(names, models) or prefs.model
        chosen = list(names) if models == "all" else [one] if one is not None else []
        check = lambda: service.check_texts(*sentences)  # noqa: E731
        async with analysis_reply(self.bot, interaction, check, prefs=prefs):
            if len(chosen) > 1:
                reports = await service.tokenize_models(sentences, chosen)
            else:
                reports = [await service.tokenize(sentences, chosen[0] if chosen else None)]
            content, file = tokenize_reply(reports, prefs.lang)
            await send(interaction, content, file=file, ephemeral=prefs.ephemeral)

    @app_commands.command(name="tokenize", description=text("tokenize.description"))
    @app_commands.describe(
        sentence=text("tokenize.sentence"),
        sentence2=text("tokenize.sentence2"),
        sentence3=text("tokenize.sentence3"),
        models=text("tokenize.models"),
    )
    @per_user_cooldown
    async def tokenize(
        self,
        interaction: discord.Interaction,
        sentence: Sentence,
        sentence2: Sentence | None = None,
        sentence3: Sentence | None = None,
        models: str | None = None,
    ) -> None:
        typed = [s for s in (sentence, sentence2, sentence3) if s is not None]
        await self._reply(interaction, typed, models)

    @per_user_cooldown
    async def tokenize_message(self, interaction: discord.Interaction, message: discord.Message) -> None:
        if not message.content.strip():
            await fail(interaction, t(language(interaction.locale), "context.empty"))
            return
        await self._reply(interaction, [message.content])


async def setup(bot: BertLens) -> None:
    await bot.add_cog(Tokenize(bot))
