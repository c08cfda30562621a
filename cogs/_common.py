"""What every cog shares: the per-user cooldown, and options that follow the settings (text length,
the models to choose from)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from discord import app_commands

from bot.engine.query import ANIMATIONS, VIEWS
from bot.limits import CHOICE_NAME, OPTION_STRING
from bot.text import clip
from bot.translator import text

# The text options are declared as long as Discord allows; each cog then lowers them to MAX_CHARS.
Sentence = app_commands.Range[str, 1, OPTION_STRING]
Word = app_commands.Range[str, 1, 100]
# /attention's view option and the server default in /settings offer the same views.
VIEW_CHOICES = [
    app_commands.Choice(name=text(f"choice.{name}"), value=name) for name in (*VIEWS, *ANIMATIONS)
]


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


def model_choices(
    command: app_commands.Command[Any, ..., Any],
    names: Sequence[str],
    *,
    option: str = "model",
    extra: Sequence[app_commands.Choice[Any]] = (),
) -> None:
    """Offer the configured models as the option's choices (the value is the model's place in
    MODELS, short enough for a button's custom_id); with one model there is nothing to choose, so
    the option is not shown at all."""
    if len(names) < 2:
        del command._params[option]
        return
    choices = [
        app_commands.Choice(name=clip(name, CHOICE_NAME), value=str(i)) for i, name in enumerate(names)
    ]
    param = command._params[option]
    command._params[option] = dataclasses.replace(param, choices=choices + list(extra))


def chosen_model(names: Sequence[str], value: str | None) -> str | None:
    """The model a choice value names (None: the default)."""
    if value is None or not value.isdigit() or int(value) >= len(names):
        return None
    return names[int(value)]
