"""/attention: a heatmap of where a word attends, with its paging view and word autocomplete."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.embeds import animation_embed, attention_embed, image_file
from bot.engine.folding import fold_word
from bot.engine.query import VALUES, AttentionQuery, animation_query
from bot.engine.suggestions import word_suggestions
from bot.interactions import analysis_reply, send
from bot.limits import CHOICES
from bot.preferences import preferences
from bot.translator import text
from bot.views import ITEMS, PagingView, Shape, first_state
from cogs._common import (
    VIEW_CHOICES,
    Sentence,
    Word,
    chosen_model,
    limit_length,
    model_choices,
    per_user_cooldown,
)

if TYPE_CHECKING:
    from bot.client import BertLens

# The still views, then every layer in turn as an animated GIF (the word view, and the matrix).
VALUE_CHOICES = [app_commands.Choice(name=text(f"choice.{name}"), value=name) for name in VALUES]


def word_choices(sentences: list[str], current: str, max_chars: int) -> list[app_commands.Choice[str]]:
    """Words (and, for Korean, morphemes such as 사과 in 사과를) of the typed sentence(s) matching what
    is typed so far: prefix matches first, one of each across sentences."""
    offered: dict[str, str] = {}
    for sentence in sentences:
        for word in word_suggestions(sentence[: max_chars * 2], current, CHOICES):
            offered.setdefault(fold_word(word), word)
    return [app_commands.Choice(name=w, value=w) for w in list(offered.values())[:CHOICES]]


class Attention(commands.Cog):
    def __init__(self, bot: BertLens) -> None:
        self.bot = bot
        limit_length(self.attention, bot.settings.max_chars, "sentence")
        model_choices(self.attention, bot.service.models.names)
        bot.add_dynamic_items(*ITEMS)  # paging controls answer clicks on any reply, even after a restart

    @app_commands.command(name="attention", description=text("attention.description"))
    @app_commands.describe(
        sentence=text("attention.sentence"),
        word=text("attention.word"),
        occurrence=text("attention.occurrence"),
        layer=text("attention.layer"),
        head=text("attention.head"),
        view=text("attention.view"),
        hide_special=text("attention.hide_special"),
        values=text("attention.values"),
        model=text("attention.model"),
    )
    @app_commands.choices(view=VIEW_CHOICES, values=VALUE_CHOICES)
    @per_user_cooldown
    async def attention(
        self,
        interaction: discord.Interaction,
        sentence: Sentence,
        word: Word,
        occurrence: app_commands.Range[int, 1, 50] = 1,
        layer: app_commands.Range[int, 1, 48] | None = None,
        head: app_commands.Range[int, 1, 64] | None = None,
        view: str | None = None,
        hide_special: bool | None = None,
        values: str = "weights",
        model: str | None = None,
    ) -> None:
        service = self.bot.service
        prefs = preferences(self.bot, interaction)  # the server's defaults, under the member's options
        name = chosen_model(service.models.names, model) or prefs.model
        asked = AttentionQuery(
            word=word,
            occurrence=occurrence,
            layer=layer,
            head=head,
            hide_special=prefs.hide_special if hide_special is None else hide_special,
            values=values,
        )
        query = animation_query(asked, view or prefs.view)
        check = lambda: service.check_attention(sentence, query, name)  # noqa: E731
        async with analysis_reply(self.bot, interaction, check, prefs=prefs):
            lang = prefs.lang
            shown = name or service.models.default
            if query.animate:
                # No larger than this interaction may upload; smaller frames, or a friendly no, if not.
                animation, image = await service.animation(
                    sentence, query, lang, model=name, max_bytes=interaction.filesize_limit
                )
                result: Any = animation
                embed = animation_embed(animation, image, lang, model=shown)
            else:
                result, image = await service.attention(sentence, query, lang, model=name)
                embed = attention_embed(result, image, lang, model=shown)
            state = first_state(self.bot, interaction, result, name, lang)
            controls = PagingView(state, Shape.of(result), self.bot.settings.view_timeout)
            controls.message = await send(
                interaction,
                embed=embed,
                file=image_file(image),
                view=controls,
                ephemeral=prefs.ephemeral,
            )

    @attention.autocomplete("word")
    async def attention_word(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        typed = getattr(interaction.namespace, "sentence", None) or ""
        return word_choices([typed], current, self.bot.settings.max_chars)


async def setup(bot: BertLens) -> None:
    await bot.add_cog(Attention(bot))
