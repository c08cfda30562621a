"""Discord's rules for what a bot sends, enforced the way Discord enforces them: an HTTP 400 with
Discord's error code and, for a bad form body, its nested error tree.

Command definitions (checked when synced), interaction callbacks, autocomplete choices, modals, and
messages (content, embeds, attachments, components).
"""

from __future__ import annotations

import re
from typing import Any

from .constants import (
    ACTION_ROW,
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    AUTOCOMPLETE_RESULT,
    BUTTON,
    CHANNEL_MESSAGE,
    DEFERRED_CHANNEL_MESSAGE,
    DEFERRED_UPDATE_MESSAGE,
    FLAG_COMPONENTS_V2,
    LINK_BUTTON_STYLE,
    MESSAGE_COMPONENT,
    MODAL,
    MODAL_SUBMIT,
    OPT_SUB_COMMAND,
    OPT_SUB_COMMAND_GROUP,
    PREMIUM_BUTTON_STYLE,
    SELECT_TYPES,
    STRING_SELECT,
    UPDATE_MESSAGE,
    VALID_LOCALES,
)
from .errors import DiscordHTTPError, FormErrors
from .records import StoredAttachment, walk_components

# Which callback types Discord accepts for each interaction type.
ALLOWED_CALLBACKS = {
    APPLICATION_COMMAND: {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, MODAL},
    MESSAGE_COMPONENT: {
        CHANNEL_MESSAGE,
        DEFERRED_CHANNEL_MESSAGE,
        DEFERRED_UPDATE_MESSAGE,
        UPDATE_MESSAGE,
        MODAL,
    },
    AUTOCOMPLETE: {AUTOCOMPLETE_RESULT},
    MODAL_SUBMIT: {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE},
}


# ---------------------------------------------------------------------------------------- commands


def validate_commands(definitions: list[dict[str, Any]]) -> None:
    errors = FormErrors()
    seen: set[tuple[str, int]] = set()
    for i, command in enumerate(definitions):
        ctype = int(command.get("type", 1))
        key = (command.get("name", ""), ctype)
        if key in seen:
            errors.add(
                [i, "name"],
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                f"Command name {key[0]!r} is already used",
            )
        seen.add(key)
        validate_command_names([i], command, slash=ctype == 1, errors=errors)
        if ctype == 1:
            validate_options([i, "options"], command.get("options") or [], errors)
    errors.raise_if_any()


def validate_command_count(definitions: list[dict[str, Any]]) -> None:
    if len([d for d in definitions if int(d.get("type", 1)) == 1]) > 100:
        raise DiscordHTTPError(400, 30032, "Maximum number of application commands reached (100)")


def validate_command_names(path: list[Any], item: dict[str, Any], *, slash: bool, errors: FormErrors) -> None:
    def check_name(where: list[Any], name: Any) -> None:
        if not isinstance(name, str) or not 1 <= len(name) <= 32:
            errors.add(where, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")
        elif slash and (name != name.lower() or not re.fullmatch(r"[-\w]+", name)):
            errors.add(where, "APPLICATION_COMMAND_INVALID_NAME", f"Command name is invalid: {name!r}")

    check_name([*path, "name"], item.get("name"))
    for locale, name in (item.get("name_localizations") or {}).items():
        if locale not in VALID_LOCALES:
            errors.add([*path, "name_localizations", locale], "LOCALE_INVALID", f"Invalid locale {locale!r}")
        else:
            check_name([*path, "name_localizations", locale], name)
    description = item.get("description", "")
    if slash and not 1 <= len(description) <= 100:
        errors.add([*path, "description"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    for locale, text in (item.get("description_localizations") or {}).items():
        if locale not in VALID_LOCALES:
            errors.add([*path, "description_localizations", locale], "LOCALE_INVALID", "Invalid locale")
        elif slash and not 1 <= len(text) <= 100:
            errors.add(
                [*path, "description_localizations", locale],
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 100 in length.",
            )


def validate_options(path: list[Any], options: list[dict[str, Any]], errors: FormErrors) -> None:
    if len(options) > 25:
        errors.add(path, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    optional_seen = False
    for i, option in enumerate(options):
        where = [*path, i]
        validate_command_names(where, option, slash=True, errors=errors)
        if option["type"] in (OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP):
            validate_options([*where, "options"], option.get("options") or [], errors)
            continue
        if option.get("required"):
            if optional_seen:
                errors.add(
                    [*where, "required"],
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            optional_seen = True
        choices = option.get("choices") or []
        if choices and option.get("autocomplete"):
            errors.add(
                [*where, "autocomplete"],
                "AUTOCOMPLETE_CHOICES_INVALID",
                "Autocomplete cannot be set with choices",
            )
        if len(choices) > 25:
            errors.add([*where, "choices"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        for j, choice in enumerate(choices):
            errors.max_length([*where, "choices", j, "name"], choice.get("name"), 100)


# ------------------------------------------------------------------------------------ interactions


def callback_type(body: Any) -> int:
    """The ``type`` of a callback body (400 when missing)."""
    if not isinstance(body, dict) or "type" not in body:
        errors = FormErrors()
        errors.add(["type"], "BASE_TYPE_REQUIRED", "This field is required")
        errors.raise_if_any()
    return int(body["type"])


def check_callback(kind: int, cb_type: int, has_source_message: bool) -> None:
    """An interaction of type ``kind`` may answer with ``cb_type``; updates need a message to update."""
    errors = FormErrors()
    if cb_type not in ALLOWED_CALLBACKS.get(kind, set()):
        errors.add(
            ["type"],
            "INTERACTION_RESPONSE_TYPE_INVALID",
            f"Callback {cb_type} is invalid for interaction type {kind}",
        )
    elif cb_type in (UPDATE_MESSAGE, DEFERRED_UPDATE_MESSAGE) and not has_source_message:
        errors.add(["type"], "INTERACTION_RESPONSE_TYPE_INVALID", "No message to update")
    errors.raise_if_any()


def validate_choices(data: dict[str, Any]) -> list[dict[str, Any]]:
    choices = data.get("choices")
    errors = FormErrors()
    if not isinstance(choices, list):
        errors.add(["data", "choices"], "BASE_TYPE_REQUIRED", "This field is required")
        raise DiscordHTTPError(400, 50035, "Invalid Form Body", errors.tree)
    if len(choices) > 25:
        errors.add(["data", "choices"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    for i, choice in enumerate(choices):
        name = choice.get("name", "")
        if not 1 <= len(name) <= 100:
            errors.add(
                ["data", "choices", i, "name"],
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 100 in length.",
            )
        if isinstance(choice.get("value"), str):
            errors.max_length(["data", "choices", i, "value"], choice["value"], 100)
    errors.raise_if_any()
    return choices


def validate_modal(data: dict[str, Any]) -> None:
    errors = FormErrors()
    title, custom_id, components = (
        data.get("title", ""),
        data.get("custom_id", ""),
        data.get("components") or [],
    )
    if not 1 <= len(title) <= 45:
        errors.add(["data", "title"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 45 in length.")
    if not 1 <= len(custom_id) <= 100:
        errors.add(["data", "custom_id"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    if not 1 <= len(components) <= 5:
        errors.add(["data", "components"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
    errors.raise_if_any()


# ---------------------------------------------------------------------------------------- messages


def validate_message(
    payload: dict[str, Any], attachments: tuple[StoredAttachment, ...], creating: bool, flags: int
) -> None:
    errors = FormErrors()
    content = payload.get("content") or ""
    errors.max_length(["content"], content, 2000)
    embeds = payload.get("embeds") or []
    if len(embeds) > 10:
        errors.add(["embeds"], "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    total = 0
    for i, embed in enumerate(embeds):
        limits = (("title", 256), ("description", 4096))
        for key, limit in limits:
            errors.max_length(["embeds", i, key], embed.get(key), limit)
            total += len(embed.get(key) or "")
        errors.max_length(["embeds", i, "footer", "text"], (embed.get("footer") or {}).get("text"), 2048)
        errors.max_length(["embeds", i, "author", "name"], (embed.get("author") or {}).get("name"), 256)
        total += len((embed.get("footer") or {}).get("text") or "") + len(
            (embed.get("author") or {}).get("name") or ""
        )
        fields = embed.get("fields") or []
        if len(fields) > 25:
            errors.add(["embeds", i, "fields"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        for j, fld in enumerate(fields):
            for key, limit in (("name", 256), ("value", 1024)):
                text = fld.get(key)
                if not text:
                    errors.add(
                        ["embeds", i, "fields", j, key], "BASE_TYPE_REQUIRED", "This field is required"
                    )
                else:
                    errors.max_length(["embeds", i, "fields", j, key], text, limit)
                    total += len(text)
    if total > 6000:
        errors.add(["embeds"], "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
    if len(attachments) > 10:
        errors.add(["attachments"], "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    components = payload.get("components") or []
    if not flags & FLAG_COMPONENTS_V2:
        validate_action_rows(components, errors)
    custom_ids = [c["custom_id"] for c in walk_components(components) if "custom_id" in c]
    for custom_id in custom_ids:
        if len(custom_id) > 100:
            errors.add(["components"], "BASE_TYPE_MAX_LENGTH", "custom_id must be 100 or fewer in length.")
    if len(custom_ids) != len(set(custom_ids)):
        errors.add(
            ["components"], "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated"
        )
    errors.raise_if_any()
    if creating and not (content or embeds or attachments or components or payload.get("poll")):
        raise DiscordHTTPError(400, 50006, "Cannot send an empty message")


def validate_action_rows(rows: list[dict[str, Any]], errors: FormErrors) -> None:
    if len(rows) > 5:
        errors.add(["components"], "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
    for i, row in enumerate(rows):
        if row.get("type") != ACTION_ROW:
            errors.add(
                ["components", i, "type"],
                "UNION_TYPE_CHOICES",
                "Top-level components must be action rows unless IS_COMPONENTS_V2 is set",
            )
            continue
        children = row.get("components") or []
        selects = [c for c in children if c.get("type") in SELECT_TYPES]
        if not 1 <= len(children) <= 5 or (selects and len(children) > 1):
            errors.add(
                ["components", i, "components"],
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "An action row holds 1-5 buttons or a single select menu",
            )
        for j, child in enumerate(children):
            where: list[str | int] = ["components", i, "components", j]
            errors.max_length([*where, "label"], child.get("label"), 80)
            if child.get("type") == BUTTON:
                link = child.get("style") in (LINK_BUTTON_STYLE, PREMIUM_BUTTON_STYLE)
                if link == ("custom_id" in child):
                    errors.add(
                        [*where, "custom_id"],
                        "BUTTON_COMPONENT_INVALID",
                        "Link buttons need a url and no custom_id; other buttons need a custom_id",
                    )
            elif child.get("type") in SELECT_TYPES:
                options = child.get("options") or []
                if child["type"] == STRING_SELECT and not 1 <= len(options) <= 25:
                    errors.add(
                        [*where, "options"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 25 in length."
                    )
                errors.max_length([*where, "placeholder"], child.get("placeholder"), 150)
                for k, option in enumerate(options):
                    errors.max_length([*where, "options", k, "label"], option.get("label"), 100)
                    errors.max_length([*where, "options", k, "value"], option.get("value"), 100)
