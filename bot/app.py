"""Start-up of the Discord bot: settings, token check, model, client."""

from __future__ import annotations

import sys

from bot.config import ConfigError, Settings


def run_bot(settings: Settings, *, sync_only: bool = False) -> int:
    try:
        settings.require_token()
    except ConfigError as exc:
        print(f"bertlens: {exc}", file=sys.stderr)
        return 2
    raise NotImplementedError("the Discord client arrives with the bot issue")
