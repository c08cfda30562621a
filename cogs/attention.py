"""/attention (with its paging view and word autocomplete) and /compare."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.engine.analysis import DEFAULT_MAX_CHARS, AttentionQuery, fold_word, sentence_words
from bot.i18n import language
from bot.replies import attention_embed, compare_embed, image_file, send
from bot.translator import text
from bot.views import AttentionView
from cogs._common import per_user_cooldown

if TYPE_CHECKING:
    from bot.client import BertLens

Sentence = app_commands.Range[str, 1, DEFAULT_MAX_CHARS]
Word = app_commands.Range[str, 1, 100]
MAX_CHOICES = 25

VIEW_CHOICES = [
    app_commands.Choice(name=text(f"choice.{name}"), value=name)
    for name in ("word", "heads", "matrix", "grid", "rollout")
]


def word_choices(sentences: list[str], current: str) -> list[app_commands.Choice[str]]:
    """Words of the typed sentence(s) matching what is typed so far: prefix matches first."""
    folded: dict[str, str] = {}
    for sentence in sentences:
        for word in sentence_words(sentence[: DEFAULT_MAX_CHARS * 2]):
            folded.setdefault(fold_word(word), word)
    typed = fold_word(current.strip())
    starts = [w for f, w in folded.items() if f.startswith(typed)]
    contains = [w for f, w in folded.items() if typed and typed in f and w not in starts]
    return [app_commands.Choice(name=w[:100], value=w[:100]) for w in (starts + contains)[:MAX_CHOICES]]


class Attention(commands.Cog):
    def __init__(self, bot: BertLens) -> None:
        self.bot = bot

    @app_commands.command(name="attention", description=text("attention.description"))
    @app_commands.describe(
        sentence=text("attention.sentence"),
        word=text("attention.word"),
        occurrence=text("attention.occurrence"),
        layer=text("attention.layer"),
        head=text("attention.head"),
        view=text("attention.view"),
        hide_special=text("attention.hide_special"),
    )
    @app_commands.choices(view=VIEW_CHOICES)
    @per_user_cooldown
    async def attention(
        self,
        interaction: discord.Interaction,
        sentence: Sentence,
        word: Word,
        occurrence: app_commands.Range[int, 1, 50] = 1,
        layer: app_commands.Range[int, 1, 48] | None = None,
        head: app_commands.Range[int, 1, 64] | None = None,
        view: str = "word",
        hide_special: bool = False,
    ) -> None:
        async with self.bot.track(interaction):
            service = self.bot.service
            query = AttentionQuery(
                word=word, occurrence=occurrence, layer=layer, head=head, view=view, hide_special=hide_special
            )
            # Answer bad input and overload at once, before promising an answer with defer().
            service.lens.precheck(sentence, query)
            with service.admit():
                await interaction.response.defer(thinking=True)
                result, image = await service.attention(sentence, query)
                lang = language(interaction.locale)
                paging = AttentionView(
                    self.bot,
                    owner_id=interaction.user.id,
                    lang=lang,
                    sentence=sentence,
                    query=query,
                    num_layers=result.analysis.num_layers,
                    num_heads=result.analysis.num_heads,
                )
                paging.message = await send(
                    interaction,
                    embed=attention_embed(result, image, lang),
                    file=image_file(image),
                    view=paging,
                )

    @attention.autocomplete("word")
    async def attention_word(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return word_choices([getattr(interaction.namespace, "sentence", None) or ""], current)

    @app_commands.command(name="compare", description=text("compare.description"))
    @app_commands.describe(
        word=text("compare.word"),
        sentence_a=text("compare.sentence_a"),
        sentence_b=text("compare.sentence_b"),
        hide_special=text("compare.hide_special"),
    )
    @per_user_cooldown
    async def compare(
        self,
        interaction: discord.Interaction,
        word: Word,
        sentence_a: Sentence,
        sentence_b: Sentence,
        hide_special: bool = False,
    ) -> None:
        async with self.bot.track(interaction):
            service = self.bot.service
            service.lens.precheck_compare(word, sentence_a, sentence_b)
            with service.admit():
                await interaction.response.defer(thinking=True)
                comparison, image = await service.compare(
                    word, sentence_a, sentence_b, hide_special=hide_special
                )
                lang = language(interaction.locale)
                await send(interaction, embed=compare_embed(comparison, image, lang), file=image_file(image))

    @compare.autocomplete("word")
    async def compare_word(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        namespace = interaction.namespace
        typed = [
            s for s in (getattr(namespace, "sentence_a", None), getattr(namespace, "sentence_b", None)) if s
        ]
        return word_choices(typed, current)


async def setup(bot: BertLens) -> None:
    await bot.add_cog(Attention(bot))
