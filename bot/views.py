"""The paging view under an /attention reply: previous/next layer, heads, view and specials.

A click edits the same message with a new image. The forward pass is cached by the engine, so paging
only re-renders. Only the person who ran the command may drive it (unless VIEW_ANYONE is set), and it
disables itself when it times out.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.embeds import attention_embed, image_file
from bot.engine.query import VIEWS, AttentionQuery, for_view
from bot.i18n import language, t
from bot.interactions import analysis_reply
from bot.limits import SELECT_OPTIONS
from bot.markup import NO_MENTIONS
from bot.tree import handle_error

if TYPE_CHECKING:
    from bot.client import BertLens

log = logging.getLogger(__name__)


class AttentionView(discord.ui.View):
    def __init__(
        self,
        bot: BertLens,
        *,
        owner_id: int,
        lang: str,
        sentence: str,
        query: AttentionQuery,
        model: str | None = None,
        framing: str = "[CLS]/[SEP]",
        num_layers: int,
        num_heads: int,
    ) -> None:
        super().__init__(timeout=bot.settings.view_timeout)
        self.bot = bot
        self.owner_id = owner_id
        self.lang = lang
        self.sentence = sentence
        self.query = replace(query, layer=query.layer or num_layers)
        self.model = model
        self.framing = framing
        self.num_layers = num_layers
        self.num_heads = num_heads
        self.message: discord.Message | None = None
        self.prev_layer.label = t(lang, "button.prev")
        self.next_layer.label = t(lang, "button.next")
        self._selects()[0].placeholder = t(lang, "select.heads")
        self._selects()[1].placeholder = t(lang, "select.view")
        self._sync_items()

    # ------------------------------------------------------------------------------------- state

    def _selects(self) -> tuple[discord.ui.Select[Any], discord.ui.Select[Any]]:
        # The decorators leave the selects' type parameters unsolved for type checkers.
        return cast("discord.ui.Select[Any]", self.heads_select), cast(
            "discord.ui.Select[Any]", self.view_select
        )

    def _heads_value(self) -> str:
        return str(self.query.head) if self.query.head is not None else self.query.agg

    def _sync_items(self) -> None:
        """Make every control reflect the current query (labels, defaults, what is possible)."""
        layer = self.query.layer or self.num_layers
        layered = self.query.view != "grid"  # the grid shows every layer at once
        self.prev_layer.disabled = not layered or layer <= 1
        self.next_layer.disabled = not layered or layer >= self.num_layers
        self.toggle_specials.label = t(
            self.lang, "button.show" if self.query.hide_special else "button.hide", specials=self.framing
        )
        heads_select, view_select = self._selects()
        current = self._heads_value()
        options = [
            discord.SelectOption(label=t(self.lang, "option.mean"), value="mean"),
            discord.SelectOption(label=t(self.lang, "option.max"), value="max"),
        ]
        for head in range(1, min(self.num_heads, SELECT_OPTIONS - 2) + 1):
            options.append(discord.SelectOption(label=t(self.lang, "option.head", n=head), value=str(head)))
        for option in options:
            option.default = option.value == current
        heads_select.options = options
        heads_select.disabled = self.query.view == "rollout"  # rollout always mixes every head
        view_select.options = [
            discord.SelectOption(
                label=t(self.lang, f"view.{name}"), value=name, default=name == self.query.view
            )
            for name in VIEWS
        ]

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if self.bot.settings.view_anyone or interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            t(language(interaction.locale), "not_yours", user=f"<@{self.owner_id}>"),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )
        return False

    async def _update(self, interaction: discord.Interaction, **changes: Any) -> None:
        query = replace(self.query, **changes)
        # "Busy" at once, not after a promise to update; then acknowledge before rendering, since under
        # load the render may take longer than Discord's 3 s.
        async with analysis_reply(self.bot, interaction, update=True):
            result, image = await self.bot.service.attention(
                self.sentence, for_view(query), self.lang, model=self.model
            )
            self.query = query
            self._sync_items()
            await interaction.edit_original_response(
                embed=attention_embed(result, image, self.lang),
                attachments=[image_file(image)],
                view=self,
                allowed_mentions=NO_MENTIONS,
            )
        log.debug("view update %s", changes)

    # ----------------------------------------------------------------------------------- controls

    @discord.ui.button(emoji="\u25c0", style=discord.ButtonStyle.secondary, row=0)
    async def prev_layer(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await self._update(interaction, layer=max(1, (self.query.layer or self.num_layers) - 1))

    @discord.ui.button(emoji="\u25b6", style=discord.ButtonStyle.secondary, row=0)
    async def next_layer(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await self._update(interaction, layer=min(self.num_layers, (self.query.layer or self.num_layers) + 1))

    @discord.ui.button(style=discord.ButtonStyle.primary, row=0)
    async def toggle_specials(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await self._update(interaction, hide_special=not self.query.hide_special)

    @discord.ui.select(row=1, min_values=1, max_values=1, options=[discord.SelectOption(label="mean")])
    async def heads_select(self, interaction: discord.Interaction, select: discord.ui.Select[Any]) -> None:
        value = select.values[0]
        if value in ("mean", "max"):
            await self._update(interaction, agg=value, head=None)
        else:
            await self._update(interaction, agg="mean", head=int(value))

    @discord.ui.select(row=2, min_values=1, max_values=1, options=[discord.SelectOption(label="word")])
    async def view_select(self, interaction: discord.Interaction, select: discord.ui.Select[Any]) -> None:
        await self._update(interaction, view=select.values[0])

    # ---------------------------------------------------------------------------------- lifecycle

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button | discord.ui.Select):
                item.disabled = True
        if self.message is not None:
            try:
                await self.message.edit(view=self)
            except discord.HTTPException:
                log.debug("could not disable an expired view", exc_info=True)

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        await handle_error(interaction, error)
