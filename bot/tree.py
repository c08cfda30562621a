"""The command tree: the check every interaction passes (is the bot still taking work?) and the one
error path for slash commands, context menus and view clicks.

Expected problems (bad input, busy, cooldown, shutting down) get a friendly ephemeral explanation in
the user's language. Anything else gets an apology with a short error id that the log line carries,
so a user's report can be matched to its traceback.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.engine.errors import EngineError
from bot.i18n import error_text, language, t
from bot.interactions import Refusal, describe, fail
from bot.markup import NO_MENTIONS, escape
from bot.service import Busy, ShuttingDown

if TYPE_CHECKING:
    from bot.client import BertLens

log = logging.getLogger("bertlens.errors")


def unwrap(error: BaseException) -> BaseException:
    while isinstance(error, app_commands.CommandInvokeError | app_commands.TransformerError):
        inner = error.__cause__ if isinstance(error, app_commands.TransformerError) else error.original
        if inner is None:
            break
        error = inner
    return error


def explain(lang: str, cause: BaseException, interaction: discord.Interaction) -> str:
    """What to tell the user about ``cause``, logging it at the level it deserves."""
    if isinstance(cause, EngineError):
        log.info("bad input (%s) %s", cause.code, describe(interaction))
        return error_text(lang, cause, escape=escape)
    if isinstance(cause, Busy):
        log.info("busy %s", describe(interaction))
        return t(lang, "busy")
    if isinstance(cause, ShuttingDown):
        return t(lang, "shutting_down")
    if isinstance(cause, Refusal):
        return t(lang, cause.key, **cause.params)
    if isinstance(cause, app_commands.CommandOnCooldown):
        log.info("cooldown %.1fs %s", cause.retry_after, describe(interaction))
        return t(lang, "cooldown", seconds=max(1.0, cause.retry_after))
    if isinstance(cause, app_commands.TransformerError | app_commands.CheckFailure):
        return t(lang, "err.option")
    error_id = uuid.uuid4().hex[:8]
    log.error("unexpected error id=%s %s", error_id, describe(interaction), exc_info=cause)
    return t(lang, "unexpected", error_id=error_id)


async def handle_error(interaction: discord.Interaction, error: BaseException) -> None:
    cause = unwrap(error)
    if isinstance(cause, app_commands.CheckFailure) and interaction.response.is_done():
        return  # a check already answered (e.g. "shutting down")
    await fail(interaction, explain(language(interaction.locale), cause, interaction))


class BertLensTree(app_commands.CommandTree["BertLens"]):
    async def interaction_check(self, interaction: discord.Interaction[BertLens]) -> bool:
        if interaction.client.service.accepting:
            return True
        if interaction.type != discord.InteractionType.autocomplete:
            await interaction.response.send_message(
                t(language(interaction.locale), "shutting_down"), ephemeral=True, allowed_mentions=NO_MENTIONS
            )
        return False

    async def on_error(
        self, interaction: discord.Interaction[BertLens], error: app_commands.AppCommandError
    ) -> None:
        await handle_error(interaction, error)
