"""The fake's fixed snowflakes (bot, guild, channel, roles, owner), bot tokens, and timestamps."""

from __future__ import annotations

import base64
import binascii
import secrets
import struct
import time
from datetime import UTC, datetime

from .constants import DISCORD_EPOCH_MS

# Fixed ids keep test output readable and assertions stable across runs. They are valid
# snowflakes dated 2024-01-01 so discord.py's snowflake_time() gives sensible values.
_FIXED_BASE = (1704067200000 - DISCORD_EPOCH_MS) << 22


def fixed_id(n: int) -> int:
    return _FIXED_BASE + n


BOT_USER_ID = fixed_id(1)
APPLICATION_ID = BOT_USER_ID  # new applications share their bot user's id
GUILD_ID = fixed_id(100)
TEXT_CHANNEL_ID = fixed_id(101)
ADMIN_ROLE_ID = fixed_id(102)
BOT_ROLE_ID = fixed_id(103)
OWNER_ID = fixed_id(200)


def make_bot_token(user_id: int = BOT_USER_ID) -> str:
    """A well-formed bot token: base64(user id) . base64(timestamp) . base64(random HMAC-like part).

    Real tokens have this shape; the fake accepts any token whose first part decodes to
    its bot user's id, so a bot configured from the environment can use one made here.
    """

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return ".".join(
        (
            b64(str(user_id).encode()),
            b64(struct.pack(">I", int(time.time()) & 0xFFFFFFFF)),
            b64(secrets.token_bytes(20)),
        )
    )


def token_user_id(token: str) -> int | None:
    """The user id a token claims, or None when it is not shaped like a bot token."""
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        return None
    first = parts[0] + "=" * (-len(parts[0]) % 4)
    try:
        return int(base64.urlsafe_b64decode(first).decode())
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()
