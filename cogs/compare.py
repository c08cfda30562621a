"""/compare: the same word in two sentences, the seed post's lesson side by side."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.embeds import compare_embed, image_file
from bot.interactions import analysis_reply, send
from bot.preferences import preferences
from bot.translator import text
from cogs._common import Sentence, Word, chosen_model, limit_length, model_choices, per_user_cooldown
from cogs.attention import word_choices

if TYPE_CHECKING:
    from bot.client import BertLens


class Compare(commands.Cog):
    def __init__(self, bot: BertLens) -> None:
        self.bot = bot
        limit_length(self.compare, bot.settings.max_chars, "sentence_a", "sentence_b")
        model_choices(self.compare, bot.service.models.names)

    @app_commands.command(name="compare", description=text("compare.description"))
    @app_commands.describe(
        word=text("compare.word"),
        sentence_a=text("compare.sentence_a"),
        sentence_b=text("compare.sentence_b"),
        hide_special=text("compare.hide_special"),
        model=text("compare.model"),
    )
    @per_user_cooldown
    async def compare(
        self,
        interaction: discord.Interaction,
        word: Word,
        sentence_a: Sentence,
        sentence_b: Sentence,
        hide_special: bool | None = None,
        model: str | None = None,
    ) -> None:
        service = self.bot.service
        prefs = preferences(self.bot, interaction)
        name = chosen_model(service.models.names, model) or prefs.model
        hide = prefs.hide_special if hide_special is None else hide_special
        check = lambda: service.check_compare(word, sentence_a, sentence_b, name)  # noqa: E731
        async with analysis_reply(self.bot, interaction, check, prefs=prefs):
            comparison, image = await service.compare(
                word, sentence_a, sentence_b, hide_special=hide, lang=prefs.lang, model=name
            )
            embed = compare_embed(comparison, image, prefs.lang)
            await send(interaction, embed=embed, file=image_file(image), ephemeral=prefs.ephemeral)

    @compare.autocomplete("word")
    async def compare_word(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        namespace = interaction.namespace
        typed = [
            s for s in (getattr(namespace, "sentence_a", None), getattr(namespace, "sentence_b", None)) if s
        ]
        return word_choices(typed, current, self.bot.settings.max_chars)


async def setup(bot: BertLens) -> None:
    await bot.add_cog(Compare(bot))
