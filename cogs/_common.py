"""What every cog shares: the per-user cooldown and option limits that follow the settings."""

from __future__ import annotations

import dataclasses
from typing import Any

from discord import app_commands

from bot.limits import OPTION_STRING

# The text options are declared as long as Discord allows; each cog then lowers them to MAX_CHARS.
Sentence = app_commands.Range[str, 1, OPTION_STRING]
Word = app_commands.Range[str, 1, 100]


def cooldown(interaction: Any) -> app_commands.Cooldown | None:
    """Per-user cooldown from the settings (COOLDOWN_RATE requests per COOLDOWN_SECONDS); 0 disables it."""
    settings = interaction.client.settings
    if settings.cooldown_rate <= 0 or settings.cooldown_seconds <= 0:
        return None
    return app_commands.Cooldown(settings.cooldown_rate, settings.cooldown_seconds)


def user_key(interaction: Any) -> int:
    return int(interaction.user.id)


# One bucket per user shared by every analysing command: the limit is on analyses, whichever command.
per_user_cooldown = app_commands.checks.dynamic_cooldown(cooldown, key=user_key)


def limit_length(command: app_commands.Command[Any, ..., Any], max_chars: int, *names: str) -> None:
    """Make Discord's client stop users at MAX_CHARS in these options (the settings' limit, not a
    constant). discord.py has no public setter, and a cog's command copy shares its parameter objects
    with the class, so each is replaced rather than changed in place."""
    for name in names:
        param = command._params[name]
        command._params[name] = dataclasses.replace(param, max_value=max_chars)
