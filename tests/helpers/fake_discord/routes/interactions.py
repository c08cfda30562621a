"""REST routes for interactions: the callback (the one initial response, within the 3 s window), and
the interaction webhook: follow-ups and the @original or follow-up messages (fetch, edit, delete)."""

from __future__ import annotations

import time
from typing import Any

from ..constants import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE,
    DEFERRED_CHANNEL_MESSAGE,
    DEFERRED_UPDATE_MESSAGE,
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    MODAL,
    UPDATE_MESSAGE,
)
from ..errors import DiscordHTTPError
from ..messages import MessagesMixin
from ..records import StoredMessage
from ..rules import callback_type, check_callback, validate_choices, validate_modal
from ..state import InteractionState, Request


class InteractionRoutes(MessagesMixin):
    """The interaction callback and the interaction's webhook."""

    def _interaction_state(self, req: Request) -> InteractionState:
        with self._cond:
            if "id" in req.params:
                state = self._interactions.get(int(req.params["id"])) if req.params["id"].isdigit() else None
                if state is None or state.handle.token != req.params["token"]:
                    raise DiscordHTTPError(404, 10062, "Unknown interaction")
                return state
            state = self._interactions_by_token.get(req.params["token"])
            if state is None or req.params["app"] != str(self.application_id):
                raise DiscordHTTPError(404, 10015, "Unknown Webhook")
            return state

    async def _interaction_callback(self, req: Request) -> tuple[int, Any]:
        state = self._interaction_state(req)
        kind = state.handle.type
        cb_type = callback_type(req.json)
        data = req.json.get("data") or {}
        with self._cond:
            if state.response_type is not None:
                raise DiscordHTTPError(400, 40060, "Interaction has already been acknowledged.")
            if (
                self.interaction_timeout is not None
                and time.monotonic() - state.created > self.interaction_timeout
            ):
                # Discord forgets interactions nobody acknowledged in time.
                raise DiscordHTTPError(404, 10062, "Unknown interaction")
            check_callback(kind, cb_type, state.source_message_id is not None)

        message: StoredMessage | None = None
        if cb_type == CHANNEL_MESSAGE:
            message = self._new_message(
                data, req.files, state, message_type=self._response_message_type(state)
            )
        elif cb_type == DEFERRED_CHANNEL_MESSAGE:
            flags = FLAG_LOADING | (int(data.get("flags") or 0) & FLAG_EPHEMERAL)
            message = self._new_message(
                {"flags": flags},
                [],
                state,
                message_type=self._response_message_type(state),
                allow_empty=True,
                extra_flags=FLAG_LOADING,
            )
        elif cb_type == UPDATE_MESSAGE:
            message = self._edit_message(self.message(state.source_message_id), data, req.files)  # type: ignore[arg-type]
        elif cb_type == DEFERRED_UPDATE_MESSAGE:
            message = self.message(state.source_message_id)  # type: ignore[arg-type]
        elif cb_type == AUTOCOMPLETE_RESULT:
            choices = validate_choices(data)
        elif cb_type == MODAL:
            validate_modal(data)

        with self._cond:
            state.response_type = cb_type
            if message is not None:
                state.original_message_id = message.id
            if cb_type == AUTOCOMPLETE_RESULT:
                state.autocomplete_choices = choices
            if cb_type == MODAL:
                state.modal = data
        if message is not None and cb_type in (CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE):
            await self._announce("MESSAGE_CREATE", message)
        elif message is not None and cb_type == UPDATE_MESSAGE:
            await self._announce("MESSAGE_UPDATE", message)

        if not req.with_response:
            return 204, None
        body: dict[str, Any] = {
            "interaction": {
                "id": str(state.handle.id),
                "type": kind,
                "response_message_loading": cb_type == DEFERRED_CHANNEL_MESSAGE,
                "response_message_ephemeral": bool(message and message.ephemeral),
            },
            "resource": {"type": cb_type},
        }
        if message is not None:
            body["interaction"]["response_message_id"] = str(message.id)
            body["resource"]["message"] = self._message_payload(message)
        return 200, body

    def _response_message_type(self, state: InteractionState) -> int:
        # CHAT_INPUT_COMMAND for slash command replies, a plain reply otherwise.
        return 20 if state.handle.type == APPLICATION_COMMAND else 19

    async def _followup(self, req: Request) -> tuple[int, Any]:
        state = self._interaction_state(req)
        if state.response_type not in (
            CHANNEL_MESSAGE,
            DEFERRED_CHANNEL_MESSAGE,
            DEFERRED_UPDATE_MESSAGE,
            UPDATE_MESSAGE,
        ):
            raise DiscordHTTPError(404, 10015, "Unknown Webhook")
        payload = req.json if isinstance(req.json, dict) else {}
        with self._cond:
            original = self._messages.get(state.original_message_id) if state.original_message_id else None
        if (
            state.response_type == DEFERRED_CHANNEL_MESSAGE
            and original is not None
            and original.loading
            and not original.deleted
        ):
            # Discord's compatibility rule: the first follow-up after a "thinking" defer edits the
            # loading message (keeping its ephemerality) instead of creating a new message. Once
            # that message is deleted, a follow-up is a new message (discord-api-docs#2739).
            message = self._edit_message(original, payload, req.files, followup_fill=True)
            await self._announce("MESSAGE_UPDATE", message)
        else:
            message = self._new_message(payload, req.files, state, message_type=0)
            await self._announce("MESSAGE_CREATE", message)
        return (200, self._message_payload(message)) if req.wait else (204, None)

    def _webhook_message(self, req: Request, state: InteractionState) -> StoredMessage:
        target = req.params["message"]
        with self._cond:
            if target == "@original":
                if state.response_type is None:
                    raise DiscordHTTPError(404, 10015, "Unknown Webhook")
                message = self._messages.get(state.original_message_id) if state.original_message_id else None
            else:
                message = self._messages.get(int(target)) if target.isdigit() else None
                # A webhook can only touch its own messages: here, the app's interaction messages.
                if message is not None and (
                    message.webhook_id != self.application_id or message.channel_id != state.channel_id
                ):
                    message = None
        if message is None or message.deleted:
            raise DiscordHTTPError(404, 10008, "Unknown Message")
        return message

    async def _webhook_get(self, req: Request) -> tuple[int, Any]:
        return 200, self._message_payload(self._webhook_message(req, self._interaction_state(req)))

    async def _webhook_edit(self, req: Request) -> tuple[int, Any]:
        message = self._webhook_message(req, self._interaction_state(req))
        message = self._edit_message(
            message, req.json if isinstance(req.json, dict) else {}, req.files, followup_fill=message.loading
        )
        await self._announce("MESSAGE_UPDATE", message)
        return 200, self._message_payload(message)

    async def _webhook_delete(self, req: Request) -> tuple[int, Any]:
        message = self._webhook_message(req, self._interaction_state(req))
        await self._delete(message)
        return 204, None
