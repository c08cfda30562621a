"""The paging controls under an /attention reply: previous/next layer, specials, weights or norms, "does
it matter?", heads and view. An animation (every layer in turn) has no layer to page and no one layer
to take tokens out of, so it shows only the specials and values toggles and the two menus.

They are persistent components (discord.py's ``DynamicItem``): each ``custom_id`` carries the whole
state (owner, layer, head, view, specials, model, language, values), and the sentence and word are read back
from the message the control is on (its footer holds the command line that reproduces it). So a click
pages exactly as before after a restart, a deploy, or on another cluster. A click edits the same
message with a new image; the forward pass is cached, so paging only re-renders. Only the person who
ran the command may drive them (unless VIEW_ANYONE is set); in the process that posted them they
disable themselves after VIEW_TIMEOUT, and a click on an older message is told to run it again.
"""

from __future__ import annotations

import logging
import re
import shlex
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import discord

from bot.embeds import animation_embed, attention_embed, image_file, occlusion_embed
from bot.engine.query import for_view, menu_view
from bot.engine.results import COMMAND_PREFIX, Animation, AttentionResult
from bot.i18n import language, t
from bot.interactions import analysis_reply, fail, send
from bot.limits import SELECT_OPTIONS
from bot.markup import NO_MENTIONS
from bot.page_state import MENU_VIEWS, STATE_PATTERN, PageState, Shape, custom_id
from bot.preferences import preferences
from bot.tree import handle_error

if TYPE_CHECKING:
    from bot.client import BertLens

log = logging.getLogger(__name__)

# ------------------------------------------------------------------------------------ the controls


class PageButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"bertlens:page:(?P<action>prev|next|specials|values|occlusion):{STATE_PATTERN}",
):
    def __init__(self, action: str, state: PageState, shape: Shape | None = None) -> None:
        lang = state.lang
        if action == "values":
            norms = state.values == "norms"
            button: discord.ui.Button[Any] = discord.ui.Button(
                label=t(lang, "button.weights" if norms else "button.norms"),
                style=discord.ButtonStyle.primary,
                custom_id=custom_id(action, state),
                row=0,
                disabled=state.view == "rollout",  # rollout multiplies weights; it has no norms form
            )
        elif action == "occlusion":
            button = discord.ui.Button(
                label=t(lang, "button.occlusion"),
                style=discord.ButtonStyle.success,
                custom_id=custom_id(action, state),
                row=0,
            )
        elif action == "specials":
            key = "button.show" if state.hide_special else "button.hide"
            label = t(lang, key, specials=shape.framing if shape else "[CLS]/[SEP]")
            button = discord.ui.Button(
                label=label, style=discord.ButtonStyle.primary, custom_id=custom_id(action, state), row=0
            )
        else:
            button = discord.ui.Button(
                label=t(lang, f"button.{action}"),
                emoji="\u25c0" if action == "prev" else "\u25b6",
                style=discord.ButtonStyle.secondary,
                custom_id=custom_id(action, state),
                row=0,
            )
            layered = state.view != "grid"  # the grid shows every layer at once
            edge = 1 if action == "prev" else (shape.layers if shape else state.layer)
            button.disabled = not layered or state.layer == edge
        super().__init__(button)
        self.action = action
        self.state = state

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PageButton:
        return cls(match["action"], PageState.decode(match["state"]))

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await _may_drive(interaction, self.state)

    async def callback(self, interaction: discord.Interaction) -> None:
        state = self.state
        if self.action == "occlusion":
            await does_it_matter(interaction, state)
            return
        if self.action == "values":
            changed = replace(state, values="weights" if state.values == "norms" else "norms")
        elif self.action == "specials":
            changed = replace(state, hide_special=not state.hide_special)
        else:
            changed = replace(state, layer=max(1, state.layer + (-1 if self.action == "prev" else 1)))
        await page(interaction, changed)


class PageSelect(
    discord.ui.DynamicItem[discord.ui.Select[Any]],
    template=rf"bertlens:page:(?P<action>heads|view):{STATE_PATTERN}",
):
    def __init__(self, action: str, state: PageState, shape: Shape | None = None) -> None:
        lang = state.lang
        if action == "heads":
            current = str(state.head) if state.head is not None else state.agg
            options = [
                discord.SelectOption(label=t(lang, "option.mean"), value="mean"),
                discord.SelectOption(label=t(lang, "option.max"), value="max"),
            ]
            for head in range(1, min(shape.heads if shape else 0, SELECT_OPTIONS - 2) + 1):
                options.append(discord.SelectOption(label=t(lang, "option.head", n=head), value=str(head)))
            row, placeholder = 1, t(lang, "select.heads")
        else:
            current = state.view
            options = [discord.SelectOption(label=t(lang, f"view.{name}"), value=name) for name in MENU_VIEWS]
            row, placeholder = 2, t(lang, "select.view")
        for option in options:
            option.default = option.value == current
        select: discord.ui.Select[Any] = discord.ui.Select(
            custom_id=custom_id(action, state),
            placeholder=placeholder,
            options=options or [discord.SelectOption(label=t(lang, "option.mean"), value="mean")],
            row=row,
            disabled=action == "heads" and state.view == "rollout",  # rollout always mixes every head
        )
        super().__init__(select)
        self.action = action
        self.state = state

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PageSelect:
        made = cls(match["action"], PageState.decode(match["state"]))
        if isinstance(item, discord.ui.Select):
            made.item.options = item.options  # the values a click chose are checked against these
        return made

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await _may_drive(interaction, self.state)

    async def callback(self, interaction: discord.Interaction) -> None:
        value = self.item.values[0]
        state = self.state
        if self.action == "view":
            view = value if value in MENU_VIEWS else state.view
            # Rollout has no norms form: it shows weights, and the toggle waits for another view.
            changed = replace(state, view=view, values="weights" if view == "rollout" else state.values)
        elif value in ("mean", "max"):
            changed = replace(state, agg=value, head=None)
        else:
            changed = replace(state, agg="mean", head=int(value))
        await page(interaction, changed)


ITEMS = (PageButton, PageSelect)


class PagingView(discord.ui.View):
    """The controls for one state, as a view to send; in this process it disables itself after
    VIEW_TIMEOUT (the dynamic items answer clicks anywhere, any time)."""

    def __init__(self, state: PageState, shape: Shape, timeout: float | None) -> None:
        super().__init__(timeout=timeout)
        # An animation shows every layer: no layer to page, and none to take tokens out of.
        buttons = (
            ("specials", "values") if state.animated else ("prev", "next", "specials", "values", "occlusion")
        )
        for action in buttons:
            self.add_item(PageButton(action, state, shape))
        for action in ("heads", "view"):
            self.add_item(PageSelect(action, state, shape))
        self.message: discord.Message | None = None

    async def on_timeout(self) -> None:
        for child in self.walk_children():
            if isinstance(child, discord.ui.DynamicItem):
                child.item.disabled = True
        if self.message is not None:
            try:
                await self.message.edit(view=self)
            except discord.HTTPException:
                log.debug("could not disable expired controls", exc_info=True)


# --------------------------------------------------------------------------------------- a click


async def _may_drive(interaction: discord.Interaction, state: PageState) -> bool:
    bot: BertLens = interaction.client  # type: ignore[assignment]
    if interaction.user.id == state.owner or preferences(bot, interaction).view_anyone:
        return True
    await interaction.response.send_message(
        t(language(interaction.locale), "not_yours", user=f"<@{state.owner}>"),
        ephemeral=True,
        allowed_mentions=NO_MENTIONS,
    )
    return False


def read_command(message: discord.Message | None) -> tuple[str, str, int] | None:
    """The sentence, word and occurrence of the reply a control is on, from its footer's command line."""
    embeds = getattr(message, "embeds", None) or []
    footer = embeds[0].footer.text if embeds and embeds[0].footer else None
    line = next((x for x in (footer or "").splitlines() if x.startswith(COMMAND_PREFIX)), None)
    if line is None:
        return None
    from bot.cli import build_parser

    try:
        args, _ = build_parser().parse_known_args(shlex.split(line[len("python -m bot ") :]))
    except (ValueError, SystemExit):
        return None  # a footer cut short (a very long sentence) cannot be read back
    if getattr(args, "command", None) != "attention":
        return None
    return args.sentence, args.word, args.occurrence


def _expired(bot: BertLens, message: discord.Message | None) -> bool:
    last = getattr(message, "edited_at", None) or getattr(message, "created_at", None)
    return last is not None and (discord.utils.utcnow() - last).total_seconds() > bot.settings.view_timeout


def _model(bot: BertLens, state: PageState) -> str | None:
    names = bot.service.models.names
    return names[state.model] if state.model is not None and state.model < len(names) else None


async def _recovered(bot: BertLens, interaction: discord.Interaction) -> tuple[str, str, int] | None:
    """The reply's sentence, word and occurrence, or None after telling the user it expired."""
    recovered = read_command(interaction.message)
    if recovered is None or _expired(bot, interaction.message):
        await fail(interaction, t(language(interaction.locale), "expired"))
        return None
    return recovered


async def page(interaction: discord.Interaction, state: PageState) -> None:
    """Show ``state`` on the message the control is on; every error gets the friendly reply."""
    bot: BertLens = interaction.client  # type: ignore[assignment]
    try:
        if (recovered := await _recovered(bot, interaction)) is None:
            return
        sentence, word, occurrence = recovered
        names = bot.service.models.names
        model = _model(bot, state)
        query = state.query(word, occurrence)
        # "Busy" at once, not after a promise to update; then acknowledge before rendering, since
        # under load the render may take longer than Discord's 3 s.
        async with analysis_reply(bot, interaction, update=True):
            if query.animate:
                limit = interaction.filesize_limit
                shown: AttentionResult | Animation
                shown, image = await bot.service.animation(
                    sentence, for_view(query), state.lang, model=model, max_bytes=limit
                )
                embed = animation_embed(shown, image, state.lang, model=model or names[0])
            else:
                shown, image = await bot.service.attention(sentence, for_view(query), state.lang, model=model)
                embed = attention_embed(shown, image, state.lang, model=model or names[0])
            controls = PagingView(state, Shape.of(shown), bot.settings.view_timeout)
            await interaction.edit_original_response(
                embed=embed,
                attachments=[image_file(image)],
                view=controls,
                allowed_mentions=NO_MENTIONS,
            )
            controls.message = interaction.message
    except Exception as exc:  # discord.py only logs what a dynamic item raises; users get an answer
        await handle_error(interaction, exc)


async def does_it_matter(interaction: discord.Interaction, state: PageState) -> None:
    """Take out the token the word attends to most, then the one it attends to least (in the layer
    and heads on show), and post the chart of how far the word moves, as a new message."""
    bot: BertLens = interaction.client  # type: ignore[assignment]
    try:
        if (recovered := await _recovered(bot, interaction)) is None:
            return
        sentence, word, occurrence = recovered
        model = _model(bot, state)
        # The choice is made from attention weights in one layer: the grid's and rollout's own
        # settings (every layer, mixed heads) fall back to the last layer shown and the mean of heads.
        query = replace(for_view(state.query(word, occurrence)), view="word", values="weights", animate=False)
        prefs = preferences(bot, interaction)
        async with analysis_reply(bot, interaction, prefs=prefs):
            result, image = await bot.service.occlusion(sentence, query, state.lang, model=model)
            await send(
                interaction,
                embed=occlusion_embed(result, image, state.lang, model=model or bot.service.models.names[0]),
                file=image_file(image),
                ephemeral=prefs.ephemeral,
            )
    except Exception as exc:
        await handle_error(interaction, exc)


def first_state(
    bot: BertLens,
    interaction: discord.Interaction,
    result: AttentionResult | Animation,
    model: str | None,
    lang: str,
) -> PageState:
    """The controls' state right after /attention (after an animation: the last layer, for the way
    back to a still view)."""
    query = result.query
    names = bot.service.models.names
    return PageState(
        owner=interaction.user.id,
        layer=query.layer or result.analysis.num_layers,
        head=query.head,
        agg=query.agg if query.head is None else "mean",
        view=menu_view(query),
        hide_special=query.hide_special,
        model=names.index(model) if model in names else None,
        lang=lang,
        values=result.values if result.values != "rollout" else "weights",
    )
