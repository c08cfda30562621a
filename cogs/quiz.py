"""/quiz: guess first. The channel votes on which word a word attends to most; Reveal shows the heatmap,
the right answer, the tally and who was right."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.interactions import Refusal, analysis_reply, send
from bot.preferences import preferences
from bot.quiz import QuizButton, QuizTimers, buttons, question_embed
from bot.store import StoreUnavailable
from bot.translator import text
from cogs._common import Sentence, Word, chosen_model, limit_length, model_choices, per_user_cooldown

if TYPE_CHECKING:
    from bot.client import BertLens


class Quiz(commands.Cog):
    def __init__(self, bot: BertLens) -> None:
        self.bot = bot
        self.timers = QuizTimers(bot)
        limit_length(self.quiz, bot.settings.max_chars, "sentence")
        model_choices(self.quiz, bot.service.models.names)
        bot.add_dynamic_items(QuizButton)  # votes and Reveal work on any quiz, even after a restart

    async def cog_load(self) -> None:
        # Quizzes left open by the last process are revealed on time by this one (after login,
        # which is when extensions load, the bot can already edit its messages).
        self._rearming = asyncio.create_task(self.timers.rearm(), name="quiz-rearm")
        self._purging = asyncio.create_task(self.timers.purge_forever(), name="quiz-purge")

    async def cog_unload(self) -> None:
        tasks = [self._rearming, self._purging, *self.timers.cancel()]
        for task in tasks:
            task.cancel()
        # Waited for, so no timer is half-way through a query when the store closes after this.
        await asyncio.gather(*tasks, return_exceptions=True)

    @app_commands.command(name="quiz", description=text("quiz.description"))
    @app_commands.describe(
        sentence=text("quiz.sentence"),
        word=text("quiz.word"),
        layer=text("quiz.layer"),
        occurrence=text("quiz.occurrence"),
        model=text("quiz.model"),
    )
    @per_user_cooldown
    async def quiz(
        self,
        interaction: discord.Interaction,
        sentence: Sentence,
        word: Word,
        layer: app_commands.Range[int, 1, 48] | None = None,
        occurrence: app_commands.Range[int, 1, 50] = 1,
        model: str | None = None,
    ) -> None:
        service = self.bot.service
        prefs = preferences(self.bot, interaction)
        name = chosen_model(service.models.names, model) or prefs.model
        store = self.bot.store

        def check() -> None:
            if store is None or not store.settings.available:
                raise Refusal("quiz.unavailable")  # votes live in the database
            from bot.engine.query import AttentionQuery

            service.check_attention(sentence, AttentionQuery(word, occurrence=occurrence, layer=layer), name)

        async with analysis_reply(self.bot, interaction, check, prefs=prefs):
            assert store is not None
            lang = prefs.lang
            question = await service.quiz(sentence, word, occurrence=occurrence, layer=layer, model=name)
            try:
                stored = await store.quizzes.create(
                    guild_id=interaction.guild_id,
                    channel_id=interaction.channel_id or 0,
                    owner_id=interaction.user.id,
                    model=name or service.models.default,
                    sentence=sentence,
                    word=question.word,
                    occurrence=occurrence,
                    layer=question.layer + 1,
                    candidates=question.candidates,
                    answer=question.answer,
                    seconds=prefs.quiz_seconds,
                    language=lang,
                )
            except StoreUnavailable:
                raise Refusal("quiz.unavailable") from None
            framing = service.models.lens(name).model.family.framing
            message = await send(
                interaction,
                embed=question_embed(stored, lang, 0, framing),
                view=buttons(stored, lang),
            )
            if message is not None:
                await store.quizzes.set_message(stored.id, message.id)
            self.timers.arm(stored, interaction)


async def setup(bot: BertLens) -> None:
    await bot.add_cog(Quiz(bot))
