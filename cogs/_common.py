"""Small pieces every cog uses."""

from __future__ import annotations

from discord import app_commands


def cooldown(interaction: object) -> app_commands.Cooldown | None:
    """Per-user cooldown from the settings (COOLDOWN_RATE requests per COOLDOWN_SECONDS); 0 disables it."""
    settings = interaction.client.settings  # type: ignore[attr-defined]
    if settings.cooldown_rate <= 0 or settings.cooldown_seconds <= 0:
        return None
    return app_commands.Cooldown(settings.cooldown_rate, settings.cooldown_seconds)


def user_key(interaction: object) -> int:
    return interaction.user.id  # type: ignore[attr-defined]


# One bucket per user shared by every analysing command: the limit is on analyses, whichever command.
per_user_cooldown = app_commands.checks.dynamic_cooldown(cooldown, key=user_key)
