"""/predict: what a masked-LM model would put in place of [MASK], at the last layer and layer by layer."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.embeds import image_file, predict_embed
from bot.engine.errors import EngineError
from bot.engine.predict import problem
from bot.engine.render.predict import MAX_GUESSES
from bot.interactions import Refusal, analysis_reply, send
from bot.markup import escape
from bot.preferences import preferences
from bot.translator import text
from cogs._common import Sentence, chosen_model, limit_length, model_choices, per_user_cooldown

if TYPE_CHECKING:
    from bot.client import BertLens

# Guesses per mask in a reply: as many as the figure draws (the command line goes to 50).
MAX_TOP = MAX_GUESSES


class Predict(commands.Cog):
    def __init__(self, bot: BertLens) -> None:
        self.bot = bot
        limit_length(self.predict, bot.settings.max_chars, "sentence")
        model_choices(self.predict, bot.service.models.names)

    @app_commands.command(name="predict", description=text("predict.description"))
    @app_commands.describe(
        sentence=text("predict.sentence"), top=text("predict.top"), model=text("predict.model")
    )
    @per_user_cooldown
    async def predict(
        self,
        interaction: discord.Interaction,
        sentence: Sentence,
        top: app_commands.Range[int, 1, MAX_TOP] = 5,
        model: str | None = None,
    ) -> None:
        service = self.bot.service
        prefs = preferences(self.bot, interaction)  # the server's defaults, under the member's options
        name = chosen_model(service.models.names, model) or prefs.model
        check = lambda: service.check_texts(sentence, model=name)  # noqa: E731
        async with analysis_reply(self.bot, interaction, check, prefs=prefs):
            try:
                result, image = await service.predictions(sentence, top=top, lang=prefs.lang, model=name)
            except EngineError as exc:
                # No masked-LM head, or no mask token: said for what it is, naming what to do.
                explained = problem(exc, sentence)
                if explained is None:
                    raise
                key, params = explained
                if "model" in params:  # a folder name may hold markdown (my_model_dir)
                    params["model"] = escape(str(params["model"]))
                raise Refusal(key, **params) from exc
            embed = predict_embed(result, image, prefs.lang, model=name or service.models.default)
            await send(interaction, embed=embed, file=image_file(image), ephemeral=prefs.ephemeral)


async def setup(bot: BertLens) -> None:
    await bot.add_cog(Predict(bot))
