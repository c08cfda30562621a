"""The message store: messages the bot creates, edits and deletes, their attachments, how Discord
serialises them, and the MESSAGE_* gateway events it sends about them."""

from __future__ import annotations

import dataclasses
import json
import mimetypes
import re
import struct
import time
from collections.abc import Iterable, Iterator
from typing import Any

from .constants import (
    FLAG_COMPONENTS_V2,
    FLAG_LOADING,
    FLAG_SUPPRESS_EMBEDS,
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MESSAGES,
    SETTABLE_FLAGS,
)
from .errors import DiscordHTTPError
from .gateway import GatewayMixin
from .ids import GUILD_ID, TEXT_CHANNEL_ID, iso
from .records import StoredAttachment, StoredMessage, UploadedFile
from .rules import validate_message
from .state import InteractionState, Session


def png_size(data: bytes) -> tuple[int, int] | None:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        return struct.unpack(">II", data[16:24])
    return None


class MessagesMixin(GatewayMixin):
    """Creating, editing and deleting messages as Discord does, and announcing them on the gateway."""

    def _make_attachment(
        self, channel_id: int, filename: str, data: bytes, content_type: str | None, description: str | None
    ) -> StoredAttachment:
        attachment_id = self._snowflake()
        guessed = mimetypes.guess_type(filename)[0]
        # Discord sniffs the type itself; discord.py always uploads as application/octet-stream.
        if guessed and (content_type in (None, "application/octet-stream")):
            content_type = guessed
        size = png_size(data)
        return StoredAttachment(
            id=attachment_id,
            filename=filename,
            content_type=content_type,
            data=data,
            url=f"{self.base_url}/attachments/{channel_id}/{attachment_id}/{filename}",
            description=description,
            width=size[0] if size else None,
            height=size[1] if size else None,
        )

    def _attachments_for(
        self,
        payload: dict[str, Any],
        files: list[UploadedFile],
        channel_id: int,
        existing: tuple[StoredAttachment, ...],
    ) -> tuple[StoredAttachment, ...]:
        too_big = [f.filename for f in files if len(f.data) > self.attachment_size_limit]
        if too_big:
            raise DiscordHTTPError(413, 40005, "Request entity too large")
        uploads: dict[int, UploadedFile] = {}
        for position, upload in enumerate(files):
            match = re.fullmatch(r"files\[(\d+)\]", upload.field)
            uploads[int(match.group(1)) if match else position] = upload
        if "attachments" not in payload:
            # Without an attachments list, existing files stay and uploads are added.
            new = [
                self._make_attachment(channel_id, u.filename, u.data, u.content_type, None)
                for _, u in sorted(uploads.items())
            ]
            return (*existing, *new)
        by_id = {a.id: a for a in existing}
        result: list[StoredAttachment] = []
        used: set[int] = set()
        for entry in payload.get("attachments") or []:
            entry_id = int(entry["id"])
            if entry_id in by_id:
                result.append(by_id[entry_id])
            elif entry_id in uploads:
                upload = uploads[entry_id]
                used.add(entry_id)
                result.append(
                    self._make_attachment(
                        channel_id,
                        entry.get("filename") or upload.filename,
                        upload.data,
                        upload.content_type,
                        entry.get("description"),
                    )
                )
            else:
                raise DiscordHTTPError(
                    400,
                    50035,
                    "Invalid Form Body",
                    {
                        "attachments": {
                            "_errors": [
                                {"code": "ATTACHMENT_NOT_FOUND", "message": f"Unknown attachment {entry_id}"}
                            ]
                        }
                    },
                )
        for index in set(uploads) - used:
            # API v10: uploads missing from "attachments" are dropped.
            self._warn(f"uploaded {uploads[index].filename!r} is not listed in attachments and was dropped")
        return tuple(result)

    def _new_message(
        self,
        payload: dict[str, Any],
        files: list[UploadedFile],
        state: InteractionState | None,
        *,
        message_type: int,
        allow_empty: bool = False,
        extra_flags: int = 0,
        channel: tuple[int, int | None] = (TEXT_CHANNEL_ID, GUILD_ID),
    ) -> StoredMessage:
        channel_id, guild_id = (state.channel_id, state.guild_id) if state else channel
        flags = (int(payload.get("flags") or 0) & SETTABLE_FLAGS) | extra_flags
        attachments = self._attachments_for(payload, files, channel_id, ())
        validate_message(payload, attachments, creating=not allow_empty, flags=flags)
        message = StoredMessage(
            id=self._snowflake(),
            channel_id=channel_id,
            guild_id=guild_id,
            author_id=self.bot_user.id,
            type=message_type,
            content=payload.get("content") or "",
            embeds=tuple(payload.get("embeds") or ()),
            components=tuple(payload.get("components") or ()),
            attachments=attachments,
            flags=flags,
            allowed_mentions=payload.get("allowed_mentions"),
            tts=bool(payload.get("tts")),
            created_at=time.time(),
            interaction_id=state.handle.id if state else None,
            webhook_id=self.application_id if state else None,
        )
        self._check_attachment_refs(message)
        with self._cond:
            self._messages[message.id] = message
        return message

    def _edit_message(
        self,
        message: StoredMessage,
        payload: dict[str, Any],
        files: list[UploadedFile],
        *,
        followup_fill: bool = False,
    ) -> StoredMessage:
        attachments = self._attachments_for(payload, files, message.channel_id, message.attachments)
        flags = message.flags
        if "flags" in payload and payload["flags"] is not None:
            # Only SUPPRESS_EMBEDS (and COMPONENTS_V2, one way) can change on edit.
            flags = (flags & ~FLAG_SUPPRESS_EMBEDS) | (
                int(payload["flags"]) & (FLAG_SUPPRESS_EMBEDS | FLAG_COMPONENTS_V2)
            )
        if followup_fill:
            flags &= ~FLAG_LOADING
        merged = {
            "content": payload.get("content", message.content),
            "embeds": payload["embeds"] if "embeds" in payload else list(message.embeds),
            "components": payload["components"] if "components" in payload else list(message.components),
        }
        validate_message(merged, attachments, creating=followup_fill, flags=flags)
        updated = dataclasses.replace(
            message,
            content=merged["content"] or "",
            embeds=tuple(merged["embeds"] or ()),
            components=tuple(merged["components"] or ()),
            attachments=attachments,
            flags=flags,
            allowed_mentions=payload.get("allowed_mentions", message.allowed_mentions),
            edited_at=None if followup_fill else time.time(),
            edit_count=message.edit_count + (0 if followup_fill else 1),
        )
        self._check_attachment_refs(updated)
        with self._cond:
            self._messages[message.id] = updated
        return updated

    async def _delete(self, message: StoredMessage) -> None:
        with self._cond:
            self._messages[message.id] = dataclasses.replace(message, deleted=True)
        session = self._message_event_session(message)
        if session is not None:
            data = {"id": str(message.id), "channel_id": str(message.channel_id)}
            if message.guild_id:
                data["guild_id"] = str(message.guild_id)
            await self._dispatch(session, "MESSAGE_DELETE", data)

    def _check_attachment_refs(self, message: StoredMessage) -> None:
        names = set(message.filenames)
        for ref in self._embed_refs(message.embeds):
            if ref not in names:
                self._warn(
                    f"message {message.id}: embed references attachment://{ref} but no such file is attached"
                )

    @staticmethod
    def _embed_refs(embeds: Iterable[dict[str, Any]]) -> Iterator[str]:
        for embed in embeds:
            for key, url_key in (
                ("image", "url"),
                ("thumbnail", "url"),
                ("author", "icon_url"),
                ("footer", "icon_url"),
            ):
                url = (embed.get(key) or {}).get(url_key) or ""
                if url.startswith("attachment://"):
                    yield url[len("attachment://") :]

    def _message_payload(self, message: StoredMessage) -> dict[str, Any]:
        by_name = {a.filename: a for a in message.attachments}
        referenced = set(self._embed_refs(message.embeds))
        embeds = []
        for embed in message.embeds:
            embed = json.loads(json.dumps(embed))
            embed.setdefault("type", "rich")
            for key, url_key in (
                ("image", "url"),
                ("thumbnail", "url"),
                ("author", "icon_url"),
                ("footer", "icon_url"),
            ):
                part = embed.get(key)
                url = (part or {}).get(url_key) or ""
                if url.startswith("attachment://") and url[13:] in by_name:
                    target = by_name[url[13:]]
                    part[url_key] = target.url
                    part["proxy_" + url_key] = target.url
                    if key in ("image", "thumbnail") and target.width:
                        part["width"], part["height"] = target.width, target.height
            embeds.append(embed)
        data: dict[str, Any] = {
            "id": str(message.id),
            "type": message.type,
            "channel_id": str(message.channel_id),
            "author": self.bot_user.payload(),
            "content": message.content,
            "timestamp": iso(message.created_at),
            "edited_timestamp": iso(message.edited_at) if message.edited_at else None,
            "tts": message.tts,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            # Files shown inside an embed via attachment:// are not listed as attachments.
            "attachments": [a.payload() for a in message.attachments if a.filename not in referenced],
            "embeds": embeds,
            "components": list(message.components),
            "pinned": False,
            "flags": message.flags,
        }
        if message.guild_id is not None:
            data["guild_id"] = str(message.guild_id)
        if message.webhook_id is not None:
            data["webhook_id"] = str(message.webhook_id)
            data["application_id"] = str(self.application_id)
        if message.interaction_id is not None:
            with self._cond:
                state = self._interactions.get(message.interaction_id)
            if state is not None:
                data["interaction_metadata"] = {
                    "id": str(state.handle.id),
                    "type": state.handle.type,
                    "user": state.handle.user.payload(),
                    "authorizing_integration_owners": state.handle.payload.get(
                        "authorizing_integration_owners", {}
                    ),
                }
        return data

    def _message_event_session(self, message: StoredMessage) -> Session | None:
        if not self.dispatch_message_events or message.ephemeral:
            return None
        session = self._session_for_guild(message.guild_id)
        needed = INTENT_GUILD_MESSAGES if message.guild_id else INTENT_DIRECT_MESSAGES
        if session is None or not session.intents & needed:
            return None
        return session

    async def _announce(self, event: str, message: StoredMessage) -> None:
        session = self._message_event_session(message)
        if session is None:
            return
        data = self._message_payload(message)
        if message.guild_id is not None:
            member = self._member_payload(self.bot_user)
            del member["user"]
            data["member"] = member
        await self._dispatch(session, event, data)
