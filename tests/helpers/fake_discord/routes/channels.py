"""REST routes for channels: reading a channel, opening a DM, typing, and the bot's own channel messages
(send, fetch, edit, delete), with the permissions Discord checks."""

from __future__ import annotations

from typing import Any

from ..constants import (
    ADMINISTRATOR,
    ATTACH_FILES,
    FLAG_EPHEMERAL,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    VIEW_CHANNEL,
)
from ..errors import DiscordHTTPError
from ..ids import GUILD_ID, TEXT_CHANNEL_ID
from ..messages import MessagesMixin
from ..records import StoredMessage
from ..state import Request


class ChannelRoutes(MessagesMixin):
    """Channels and the bot's own channel messages."""

    def _check_channel(self, req: Request, *needed: int) -> tuple[int, int | None]:
        """(channel id, guild id) of the addressed channel, if the bot may do this there."""
        channel_id = int(req.params["channel"]) if req.params["channel"].isdigit() else 0
        if self._dm_recipient(channel_id) is not None:
            return channel_id, None
        if channel_id != TEXT_CHANNEL_ID:
            raise DiscordHTTPError(404, 10003, "Unknown Channel")
        perms = self.bot_permissions()
        if not perms & ADMINISTRATOR and any(not perms & p for p in (VIEW_CHANNEL, *needed)):
            raise DiscordHTTPError(403, 50013, "Missing Permissions")
        return channel_id, GUILD_ID

    def _channel_message(self, req: Request) -> StoredMessage:
        message_id = req.params["message"]
        with self._cond:
            message = self._messages.get(int(message_id)) if message_id.isdigit() else None
        if (
            message is None
            or message.deleted
            or str(message.channel_id) != req.params["channel"]
            or message.ephemeral
        ):
            raise DiscordHTTPError(404, 10008, "Unknown Message")
        return message

    async def _get_channel(self, req: Request) -> tuple[int, Any]:
        channel_id, _ = self._check_channel(req)
        recipient = self._dm_recipient(channel_id)
        return 200, self._dm_channel_payload(recipient) if recipient else self._text_channel_payload()

    async def _open_dm(self, req: Request) -> tuple[int, Any]:
        recipient_id = str((req.json or {}).get("recipient_id"))
        user = next((u for u in self.users.values() if str(u.id) == recipient_id), None)
        if user is None:
            raise DiscordHTTPError(400, 50007, "Cannot send messages to this user")
        return 200, self._dm_channel_payload(user)

    async def _typing(self, req: Request) -> tuple[int, Any]:
        self._check_channel(req, SEND_MESSAGES)
        return 204, None

    async def _channel_send(self, req: Request) -> tuple[int, Any]:
        payload = req.json if isinstance(req.json, dict) else {}
        channel_id, guild_id = self._check_channel(req, SEND_MESSAGES, *([ATTACH_FILES] if req.files else []))
        message = self._new_message(
            {**payload, "flags": int(payload.get("flags") or 0) & ~FLAG_EPHEMERAL},
            req.files,
            None,
            message_type=0,
            channel=(channel_id, guild_id),
        )
        await self._announce("MESSAGE_CREATE", message)
        return 200, self._message_payload(message)

    async def _channel_get_message(self, req: Request) -> tuple[int, Any]:
        self._check_channel(req, READ_MESSAGE_HISTORY)
        return 200, self._message_payload(self._channel_message(req))

    async def _channel_edit_message(self, req: Request) -> tuple[int, Any]:
        self._check_channel(req)
        message = self._channel_message(req)
        if message.author_id != self.bot_user.id or message.webhook_id is not None:
            raise DiscordHTTPError(403, 50005, "Cannot edit a message authored by another user")
        message = self._edit_message(message, req.json if isinstance(req.json, dict) else {}, req.files)
        await self._announce("MESSAGE_UPDATE", message)
        return 200, self._message_payload(message)

    async def _channel_delete_message(self, req: Request) -> tuple[int, Any]:
        self._check_channel(req)
        message = self._channel_message(req)
        await self._delete(message)
        return 204, None
