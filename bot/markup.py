"""User text made safe for Discord: no markdown, no mentions, no code block that closes early.

Nothing a user types may ping anyone or break formatting: every message also goes out with
``AllowedMentions.none()`` (``NO_MENTIONS``), and user text is escaped here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import discord

NO_MENTIONS = discord.AllowedMentions.none()

# discord.utils.escape_mentions only defuses ids of 17-20 digits; Discord's client renders any
# <@digits>, <@&digits> or <#digits> as a mention pill, so break every such tag open.
_MENTION_TAG = re.compile(r"<(?=[@#])")


def escape(text: str) -> str:
    """User text for normal message content or embeds: no markdown, no mentions, one line."""
    flat = " ".join(str(text).split())
    escaped = discord.utils.escape_mentions(discord.utils.escape_markdown(flat, as_needed=False))
    return _MENTION_TAG.sub("<\u200b", escaped)


def code_safe(text: str) -> str:
    """User text inside a code block: a zero-width space after each backtick keeps ``` from closing it."""
    return text.replace("`", "`\u200b")


def code_block(lines: Sequence[str]) -> str:
    return "```\n" + "\n".join(code_safe(line) for line in lines) + "\n```"
