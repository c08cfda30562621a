"""The one error path for slash commands, context menus and view clicks.

Expected problems (bad input, busy, cooldown, shutting down) get a friendly ephemeral explanation in
the user's language. Anything else gets an apology with a short error id that the log line carries,
so a user's report can be matched to its traceback.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import discord
from discord import app_commands

from bot.engine.errors import EngineError
from bot.i18n import error_text, language, t
from bot.replies import escape, fail
from bot.service import Busy, ShuttingDown

log = logging.getLogger("bertlens.errors")


def unwrap(error: BaseException) -> BaseException:
    while isinstance(error, app_commands.CommandInvokeError | app_commands.TransformerError):
        inner = error.__cause__ if isinstance(error, app_commands.TransformerError) else error.original
        if inner is None:
            break
        error = inner
    return error


def describe(interaction: discord.Interaction) -> str:
    if interaction.command is not None:
        command = interaction.command.qualified_name
    else:  # a button or select of a view
        data: dict[str, Any] = dict(interaction.data or {})
        command = f"{interaction.type.name}:{data.get('custom_id', '?')}"
    user = interaction.user.id
    return f"command={command} user={user} guild={interaction.guild_id} interaction={interaction.id}"


async def handle_error(interaction: discord.Interaction, error: BaseException) -> None:
    lang = language(interaction.locale)
    cause = unwrap(error)
    if isinstance(cause, app_commands.CheckFailure) and interaction.response.is_done():
        return  # a check already answered (e.g. "shutting down")
    if isinstance(cause, EngineError):
        log.info("bad input (%s) %s", cause.code, describe(interaction))
        text = error_text(lang, cause, escape=escape)
    elif isinstance(cause, Busy):
        log.info("busy %s", describe(interaction))
        text = t(lang, "busy")
    elif isinstance(cause, ShuttingDown):
        text = t(lang, "shutting_down")
    elif isinstance(cause, app_commands.CommandOnCooldown):
        log.info("cooldown %.1fs %s", cause.retry_after, describe(interaction))
        text = t(lang, "cooldown", seconds=max(1.0, cause.retry_after))
    elif isinstance(cause, app_commands.TransformerError | app_commands.CheckFailure):
        text = t(lang, "err.option")
    else:
        error_id = uuid.uuid4().hex[:8]
        log.error("unexpected error id=%s %s", error_id, describe(interaction), exc_info=cause)
        text = t(lang, "unexpected", error_id=error_id)
    await fail(interaction, text)
