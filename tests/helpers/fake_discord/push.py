"""Pushing interactions: what a user does in the Discord client, sent to the bot over the gateway.

Slash commands (typed from the definitions the bot synced), autocomplete, component clicks and select
choices, and modal submits. Like the Discord client, the helpers refuse what a user could not send:
unknown or missing options, values outside choices, ranges or lengths, disabled components, and commands
the user lacks ``default_member_permissions`` for.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from bot import limits

from .constants import (
    ACTION_ROW,
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    DM_APP_PERMISSIONS,
    LABEL,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    OPT_ATTACHMENT,
    OPT_BOOLEAN,
    OPT_CHANNEL,
    OPT_INTEGER,
    OPT_MENTIONABLE,
    OPT_NUMBER,
    OPT_ROLE,
    OPT_STRING,
    OPT_SUB_COMMAND,
    OPT_SUB_COMMAND_GROUP,
    OPT_USER,
    SELECT_TYPES,
    STRING_SELECT,
    TEXT_INPUT,
    VALID_LOCALES,
)
from .ids import ADMIN_ROLE_ID, BOT_ROLE_ID, GUILD_ID, TEXT_CHANNEL_ID
from .messages import MessagesMixin
from .records import FakeUser, InteractionHandle, StoredMessage
from .state import InteractionState

# Keyword arguments of push_slash_command/push_autocomplete that can shadow option names.
_PUSH_KEYWORDS = frozenset({"user", "locale", "guild", "options", "validate", "focused", "name"})


class PushMixin(MessagesMixin):
    """The push_* helpers; each returns the InteractionHandle of what it sent."""

    def push_slash_command(
        self,
        name: str,
        *,
        user: str | FakeUser = "invoker",
        locale: str = "en-US",
        guild: bool = True,
        options: dict[str, Any] | None = None,
        validate: bool = True,
        **more_options: Any,
    ) -> InteractionHandle:
        """Invoke a synced slash command as ``user``.

        ``name`` may include subcommands ("lens tokens"). Option values are given as Python
        values and typed from the synced definition; pass ``options={...}`` for option names
        that clash with this method's keywords. With ``validate`` the fake refuses what the
        Discord client would not let a user send (unknown or missing options, values outside
        choices/limits, commands the user lacks permissions for).
        """
        values = {**(options or {}), **more_options}
        return self._push_command(name, values, user, locale, guild, validate, focused=None)

    def push_autocomplete(
        self,
        name: str,
        focused: str,
        *,
        user: str | FakeUser = "invoker",
        locale: str = "en-US",
        guild: bool = True,
        options: dict[str, Any] | None = None,
        **more_options: Any,
    ) -> InteractionHandle:
        """Simulate typing into option ``focused``; its value (default "") is the partial text."""
        values = {**(options or {}), **more_options}
        return self._push_command(name, values, user, locale, guild, False, focused=focused)

    def push_component(
        self,
        message: StoredMessage | int,
        custom_id: str | None = None,
        component_type: int | None = None,
        values: list[str] | None = None,
        *,
        label: str | None = None,
        user: str | FakeUser = "invoker",
        locale: str = "en-US",
    ) -> InteractionHandle:
        """Click a button or choose select ``values`` on a message the bot created.

        The component is looked up on the message's latest stored state by ``custom_id``
        (or by ``label``); its type is inferred unless given. Disabled components and
        values outside a string select's options are refused, as in the Discord client.
        """
        with self._cond:
            stored = self._messages[message.id if isinstance(message, StoredMessage) else int(message)]
        if stored.deleted:
            raise LookupError(f"message {stored.id} was deleted")
        component = stored.find_component(custom_id=custom_id, label=label)
        ctype = component_type or component["type"]
        if component.get("disabled"):
            raise ValueError(f"component {component.get('custom_id')!r} is disabled")
        data: dict[str, Any] = {"custom_id": component["custom_id"], "component_type": ctype}
        if ctype in SELECT_TYPES:
            chosen = list(values or [])
            low, high = component.get("min_values", 1), component.get("max_values", 1)
            if not low <= len(chosen) <= high:
                raise ValueError(f"select needs {low}..{high} values, got {chosen}")
            if ctype == STRING_SELECT:
                allowed = [o["value"] for o in component.get("options", [])]
                if unknown := [v for v in chosen if v not in allowed]:
                    raise ValueError(f"values {unknown} not among the select's options {allowed}")
            data["values"] = chosen
        elif values:
            raise ValueError("values only make sense for select menus")
        extra = {"message": self._message_payload(stored)}
        return self._push(
            MESSAGE_COMPONENT,
            data["custom_id"],
            data,
            user,
            locale,
            stored.guild_id is not None,
            extra,
            source_message_id=stored.id,
            channel_id=stored.channel_id,
        )

    def push_modal_submit(
        self,
        opened_by: InteractionHandle,
        values: dict[str, str | list[str]],
        *,
        user: str | FakeUser | None = None,
        locale: str | None = None,
    ) -> InteractionHandle:
        """Submit the modal the bot showed in answer to ``opened_by``; ``values`` by custom_id."""
        with self._cond:
            state = self._interactions[opened_by.id]
            modal = state.modal
        if modal is None:
            raise LookupError(f"interaction {opened_by.id} was not answered with a modal")
        remaining = dict(values)

        def submitted(component: dict[str, Any]) -> dict[str, Any]:
            ctype = component["type"]
            if ctype == ACTION_ROW:
                return {
                    "type": ACTION_ROW,
                    "components": [submitted(c) for c in component.get("components", [])],
                }
            if ctype == LABEL:
                return {"type": LABEL, "component": submitted(component["component"])}
            out: dict[str, Any] = {"type": ctype}
            if "custom_id" in component:
                out["custom_id"] = component["custom_id"]
                value = remaining.pop(component["custom_id"], component.get("value") or "")
                if ctype == TEXT_INPUT:
                    out["value"] = value
                elif ctype in SELECT_TYPES:
                    out["values"] = value if isinstance(value, list) else [value]
            return out

        components = [submitted(c) for c in modal.get("components", [])]
        if remaining:
            raise LookupError(f"modal has no inputs {sorted(remaining)}")
        data = {"custom_id": modal["custom_id"], "components": components}
        extra: dict[str, Any] = {}
        if state.source_message_id is not None:
            extra["message"] = self._message_payload(self.message(state.source_message_id))
        return self._push(
            MODAL_SUBMIT,
            modal["custom_id"],
            data,
            user or opened_by.user,
            locale or opened_by.locale,
            state.guild_id is not None,
            extra,
            source_message_id=state.source_message_id,
            channel_id=state.channel_id,
        )

    def _find_command(self, name: str, guild: bool) -> tuple[dict[str, Any], bool]:
        with self._cond:
            if guild:
                for command in self._guild_commands.get(GUILD_ID, {}).values():
                    if command["name"] == name and command.get("type", 1) == 1:
                        return command, True
            for command in self._global_commands.values():
                if command["name"] == name and command.get("type", 1) == 1:
                    return command, False
            synced = [c["name"] for c in self._global_commands.values()]
            synced += [c["name"] for c in self._guild_commands.get(GUILD_ID, {}).values()]
        raise LookupError(f"slash command {name!r} has not been synced; synced: {sorted(synced)}")

    def _push_command(
        self,
        path: str,
        values: dict[str, Any],
        who: str | FakeUser,
        locale: str,
        guild: bool,
        validate: bool,
        focused: str | None,
    ) -> InteractionHandle:
        if locale not in VALID_LOCALES:
            raise ValueError(f"{locale!r} is not a Discord locale")
        user = self.user(who)
        root, *subs = path.split()
        command, is_guild_command = self._find_command(root, guild)
        if not guild:
            contexts = command.get("contexts")
            if (contexts is not None and 1 not in contexts) or command.get("dm_permission") is False:
                raise PermissionError(f"/{root} is not available in DMs")
        if validate and guild:
            required = command.get("default_member_permissions")
            if required is not None and (self.member_permissions(user) & int(required)) != int(required):
                raise PermissionError(f"{user.key} lacks the permissions /{root} requires ({required})")

        # Walk down "group sub" to the leaf's option definitions...
        chain: list[dict[str, Any]] = []
        level = command.get("options") or []
        for sub in subs:
            match = next(
                (
                    o
                    for o in level
                    if o["name"] == sub and o["type"] in (OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP)
                ),
                None,
            )
            if match is None:
                raise LookupError(f"/{root} has no subcommand {sub!r} at that level")
            chain.append(match)
            level = match.get("options") or []
        if validate and any(o["type"] in (OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP) for o in level):
            raise LookupError(f"/{path} is a group; name one of its subcommands")
        resolved: dict[str, dict[str, Any]] = {}
        options = self._build_options(level, values, resolved, validate, focused, guild)
        # ...then wrap the leaf options the way Discord nests them.
        for match in reversed(chain):
            options = [{"type": match["type"], "name": match["name"], "options": options}]
        data: dict[str, Any] = {"id": command["id"], "name": root, "type": 1, "options": options}
        if is_guild_command:
            data["guild_id"] = str(GUILD_ID)
        if resolved and focused is None:
            data["resolved"] = resolved
        kind = APPLICATION_COMMAND if focused is None else AUTOCOMPLETE
        return self._push(kind, path, data, user, locale, guild, {})

    def _build_options(
        self,
        definitions: list[dict[str, Any]],
        values: dict[str, Any],
        resolved: dict[str, dict[str, Any]],
        validate: bool,
        focused: str | None,
        guild: bool,
    ) -> list[dict[str, Any]]:
        by_name = {
            d["name"]: d for d in definitions if d["type"] not in (OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP)
        }
        unknown = set(values) - set(by_name)
        if focused is not None and focused not in by_name:
            unknown.add(focused)
        if unknown:
            raise LookupError(f"unknown options {sorted(unknown)}; the command has {sorted(by_name)}")
        if validate:
            missing = [n for n, d in by_name.items() if d.get("required") and n not in values]
            if missing:
                hint = ""
                if clashing := [n for n in missing if n in _PUSH_KEYWORDS]:
                    hint = f" ({clashing} clash with push keywords: pass them as options={{...}})"
                raise ValueError(f"required options missing: {missing}{hint}")
        options = []
        # Discord sends options in the order the user filled them; definition order is a fine stand-in.
        for name, definition in by_name.items():
            if name == focused:
                options.append(
                    {
                        "type": definition["type"],
                        "name": name,
                        "value": str(values.get(name, "")),
                        "focused": True,
                    }
                )
            elif name in values:
                value = self._option_value(definition, values[name], resolved, validate, guild)
                options.append({"type": definition["type"], "name": name, "value": value})
        return options

    def _option_value(
        self,
        definition: dict[str, Any],
        value: Any,
        resolved: dict[str, dict[str, Any]],
        validate: bool,
        guild: bool,
    ) -> Any:
        otype, name = definition["type"], definition["name"]
        if otype == OPT_STRING:
            value = str(value)
            if validate:
                low, high = (
                    definition.get("min_length", 0),
                    definition.get("max_length", limits.OPTION_STRING),
                )
                if not low <= len(value) <= high:
                    raise ValueError(f"option {name!r} must be {low}..{high} characters, got {len(value)}")
        elif otype == OPT_INTEGER:
            if isinstance(value, bool) or int(value) != value:
                raise TypeError(f"option {name!r} is an integer, got {value!r}")
            value = int(value)
        elif otype == OPT_NUMBER:
            value = float(value)
        elif otype == OPT_BOOLEAN:
            if not isinstance(value, bool):
                raise TypeError(f"option {name!r} is a boolean, got {value!r}")
        elif otype in (OPT_USER, OPT_MENTIONABLE) and (isinstance(value, FakeUser) or value in self.users):
            user = self.user(value)
            resolved.setdefault("users", {})[str(user.id)] = user.payload()
            if guild:
                member = self._member_payload(user)
                del member["user"]
                member["permissions"] = str(self.member_permissions(user))
                resolved.setdefault("members", {})[str(user.id)] = member
            return str(user.id)
        elif otype in (OPT_ROLE, OPT_MENTIONABLE):
            role_id = int(value)
            if role_id not in self.role_permissions:
                raise LookupError(f"unknown role {value!r}")
            names = {
                GUILD_ID: "@everyone",
                ADMIN_ROLE_ID: "Admin",
                BOT_ROLE_ID: self.bot_user.global_name or "bot",
            }
            resolved.setdefault("roles", {})[str(role_id)] = self._role_payload(role_id, names[role_id], 0)
            return str(role_id)
        elif otype == OPT_CHANNEL:
            channel_id = int(value)
            if channel_id != TEXT_CHANNEL_ID:
                raise LookupError(f"unknown channel {value!r}")
            channel = self._text_channel_payload()
            channel["permissions"] = str(self.member_permissions("invoker"))
            resolved.setdefault("channels", {})[str(channel_id)] = channel
            return str(channel_id)
        elif otype == OPT_ATTACHMENT:
            filename, data, content_type = (
                (*value, None)[:3] if isinstance(value, tuple) else ("upload.bin", value, None)
            )
            attachment = self._make_attachment(
                TEXT_CHANNEL_ID, str(filename), bytes(data), content_type, None
            )
            with self._cond:
                self._uploaded_for_commands[attachment.id] = attachment
            resolved.setdefault("attachments", {})[str(attachment.id)] = attachment.payload()
            return str(attachment.id)
        else:
            raise TypeError(f"option {name!r} of type {otype} cannot take {value!r}")
        if validate and otype in (OPT_INTEGER, OPT_NUMBER):
            low, high = definition.get("min_value"), definition.get("max_value")
            if (low is not None and value < low) or (high is not None and value > high):
                raise ValueError(f"option {name!r} must be within [{low}, {high}], got {value}")
        choices = definition.get("choices")
        if validate and choices and value not in [c["value"] for c in choices]:
            raise ValueError(f"option {name!r} must be one of {[c['value'] for c in choices]}, got {value!r}")
        return value

    def _push(
        self,
        kind: int,
        name: str,
        data: dict[str, Any],
        who: str | FakeUser,
        locale: str,
        guild: bool,
        extra: dict[str, Any],
        *,
        source_message_id: int | None = None,
        channel_id: int | None = None,
    ) -> InteractionHandle:
        user = self.user(who)
        if locale not in VALID_LOCALES:
            raise ValueError(f"{locale!r} is not a Discord locale")
        interaction_id = self._snowflake()
        token = f"aW50ZXJhY3Rpb24.{interaction_id}.{secrets.token_urlsafe(24)}"
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": kind,
            "data": data,
            "token": token,
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": self.attachment_size_limit,
            **extra,
        }
        if guild:
            channel = self._text_channel_payload()
            channel["permissions"] = str(self.member_permissions(user))
            member = self._member_payload(user)
            member["permissions"] = str(self.member_permissions(user))
            payload.update(
                guild_id=str(GUILD_ID),
                guild={"id": str(GUILD_ID), "locale": self.guild_locale, "features": []},
                guild_locale=self.guild_locale,
                channel_id=str(channel_id or TEXT_CHANNEL_ID),
                channel=channel,
                member=member,
                app_permissions=str(self.bot_permissions()),
                authorizing_integration_owners={"0": str(GUILD_ID)},
                context=0,
            )
        else:
            dm_id = channel_id or self._dm_channel_id(user)
            payload.update(
                channel_id=str(dm_id),
                channel=self._dm_channel_payload(user),
                user=user.payload(),
                app_permissions=str(DM_APP_PERMISSIONS),
                authorizing_integration_owners={"0": "0"},
                context=1,
            )
        handle = InteractionHandle(interaction_id, token, kind, name, user, locale, payload)
        state = InteractionState(
            handle,
            time.monotonic(),
            int(payload["channel_id"]),
            GUILD_ID if guild else None,
            source_message_id=source_message_id,
        )
        with self._cond:
            self._interactions[interaction_id] = state
            self._interactions_by_token[token] = state
        session = self._session_for_guild(GUILD_ID if guild else None)
        if session is None:
            raise RuntimeError("no gateway session: start the bot and wait_until_ready() first")
        # Time starts when Discord sends the event, so the 3 s window includes gateway latency.
        state.created = time.monotonic()
        self._run(self._dispatch(session, "INTERACTION_CREATE", payload))
        return handle
