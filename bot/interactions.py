"""The one way to answer and log a request: ``send`` and ``fail`` whatever state the interaction is
in (not yet answered, deferred, or already followed up), ``Inflight.track`` for one log line per
request that shutdown can wait for, and ``analysis_reply``, the sequence every analysing command
and the paging view follow (track, check, admit, defer, answer)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

import discord

from bot.i18n import language, t
from bot.markup import NO_MENTIONS
from bot.preferences import Preferences, preferences

if TYPE_CHECKING:
    from bot.client import BertLens

log = logging.getLogger("bertlens")

ANSWERED = "bertlens_answered"
DEFERRING = "bertlens_deferring"  # a defer has been sent (its answer may not have come back)


def describe(interaction: discord.Interaction) -> str:
    """Who asked for what, for the log: never the text they typed, never a token."""
    if interaction.command is not None:
        command = interaction.command.qualified_name
    else:  # a button or select of a view
        data: dict[str, Any] = dict(interaction.data or {})
        command = f"{interaction.type.name}:{data.get('custom_id', '?')}"
    user = interaction.user.id
    return f"command={command} user={user} guild={interaction.guild_id} interaction={interaction.id}"


def _drop_missing(**kwargs: Any) -> dict[str, Any]:
    return {k: v for k, v in kwargs.items() if v is not None}


async def send(
    interaction: discord.Interaction,
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    file: discord.File | None = None,
    view: discord.ui.View | None = None,
    ephemeral: bool = False,
) -> discord.Message | None:
    """Answer through the initial response if it is still free, else through a follow-up.

    Returns the message when a view needs it later (to disable itself on timeout).
    """
    kwargs = _drop_missing(content=content, embed=embed, file=file, view=view)
    if not interaction.response.is_done():
        await interaction.response.send_message(**kwargs, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS)
        interaction.extras[ANSWERED] = True
        return await interaction.original_response() if view is not None else None
    message = await interaction.followup.send(
        **kwargs, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS, wait=True
    )
    interaction.extras[ANSWERED] = True
    return message


async def fail(interaction: discord.Interaction, text: str) -> None:
    """Tell only this user what went wrong, whatever state the interaction is in; never raise."""
    try:
        if interaction.is_expired():
            log.info("interaction %s expired before we could answer: %s", interaction.id, text)
            return
        if interaction.response.is_done():
            thinking = interaction.response.type == discord.InteractionResponseType.deferred_channel_message
        elif interaction.extras.get(DEFERRING):
            # A defer was sent but its answer never came back (the request was cancelled in flight):
            # Discord most likely has it, so follow up; if it had not, the follow-up is refused
            # (Unknown Webhook) and the initial response is still free.
            thinking = interaction.type == discord.InteractionType.application_command
        else:
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        if thinking and not interaction.extras.get(ANSWERED):
            # The public "is thinking..." placeholder would otherwise stay forever, or turn into the error.
            with contextlib.suppress(discord.HTTPException):
                await interaction.delete_original_response()
        try:
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
        except discord.NotFound:
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
        interaction.extras[ANSWERED] = True
    except discord.HTTPException:
        log.warning("could not deliver an error message for interaction %s", interaction.id, exc_info=True)


class Inflight:
    """Requests being answered: one log line each, their latency recorded, and shutdown waits for them
    (or tells their users the bot is restarting)."""

    def __init__(self, record: Callable[[float], None]) -> None:
        self._record = record
        self._tasks: set[asyncio.Task[Any]] = set()

    def pending(self) -> set[asyncio.Task[Any]]:
        return {task for task in self._tasks if not task.done()}

    @contextlib.asynccontextmanager
    async def track(self, interaction: discord.Interaction) -> AsyncIterator[None]:
        started = time.perf_counter()
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        outcome = "ok"
        try:
            yield
        except asyncio.CancelledError:
            outcome = "cancelled"
            await asyncio.shield(fail(interaction, t(language(interaction.locale), "shutting_down")))
            raise
        except Exception as exc:
            outcome = type(exc).__name__
            raise
        finally:
            if task is not None:
                self._tasks.discard(task)
            elapsed = time.perf_counter() - started
            if outcome == "ok":
                self._record(elapsed)
            log.info("%s outcome=%s latency=%.3fs", describe(interaction), outcome, elapsed)


class Refusal(Exception):
    """A polite no, told only to the member in their language: ``key`` names the i18n text."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@contextlib.asynccontextmanager
async def analysis_reply(
    bot: BertLens,
    interaction: discord.Interaction,
    check: Callable[[], object] | None = None,
    *,
    update: bool = False,
    prefs: Preferences | None = None,
) -> AsyncIterator[Preferences]:
    """The request sequence, written once: track it, apply the server's settings, answer a channel
    the server did not allow, bad input (``check``) and overload at once, before promising an answer,
    then defer (a new "thinking" reply, private if the server wants results private, or an update of
    the message a button is on) and hand the block what applies to this request. Errors go to the
    tree's one error handler."""
    async with bot.inflight.track(interaction):
        prefs = prefs or preferences(bot, interaction)
        if not update and not prefs.allowed:  # the server limits BERT Lens to other channels
            raise Refusal("not_here", channels=", ".join(f"<#{c}>" for c in prefs.channels[:20]))
        if check is not None:
            check()
        with bot.service.admit():
            interaction.extras[DEFERRING] = True
            if update:
                await interaction.response.defer()
            else:
                await interaction.response.defer(thinking=True, ephemeral=prefs.ephemeral)
            yield prefs
