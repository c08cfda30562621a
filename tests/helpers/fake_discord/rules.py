"""Discord's rules for what a bot sends, enforced the way Discord enforces them: an HTTP 400 with
Discord's error code and, for a bad form body, its nested error tree.

The limits come from ``bot.limits``, the module the bot clips to, so a reply that fits here fits on
Discord. Command definitions (checked when synced), interaction callbacks, autocomplete choices, modals, and
messages (content, embeds, attachments, components).
"""

from __future__ import annotations

import re
from typing import Any

from bot import limits

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

# Discord's limits that bot.limits does not have (yet): the bot never comes near them.
MAX_SLASH_COMMANDS = 100  # chat-input commands per scope (global, or one guild)
MAX_COMMAND_OPTIONS = 25  # options (or subcommands) of one command or subcommand
MODAL_TITLE = 45
MODAL_COMPONENTS = 5  # top-level components of a modal
ATTACHMENTS_PER_MESSAGE = 10
SELECT_PLACEHOLDER = 150
SELECT_OPTION_VALUE = 100


def _between(low: int, high: int) -> str:
    return f"Must be between {low} and {high} in length."


def _at_most(limit: int) -> str:
    return f"Must be {limit} or fewer in length."


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
    if len([d for d in definitions if int(d.get("type", 1)) == 1]) > MAX_SLASH_COMMANDS:
        raise DiscordHTTPError(
            400, 30032, f"Maximum number of application commands reached ({MAX_SLASH_COMMANDS})"
        )


def validate_command_names(path: list[Any], item: dict[str, Any], *, slash: bool, errors: FormErrors) -> None:
    def check_name(where: list[Any], name: Any) -> None:
        if not isinstance(name, str) or not 1 <= len(name) <= limits.COMMAND_NAME:
            errors.add(where, "BASE_TYPE_BAD_LENGTH", _between(1, limits.COMMAND_NAME))
        elif slash and (name != name.lower() or not re.fullmatch(r"[-\w]+", name)):
            errors.add(where, "APPLICATION_COMMAND_INVALID_NAME", f"Command name is invalid: {name!r}")

    check_name([*path, "name"], item.get("name"))
    for locale, name in (item.get("name_localizations") or {}).items():
        if locale not in VALID_LOCALES:
            errors.add([*path, "name_localizations", locale], "LOCALE_INVALID", f"Invalid locale {locale!r}")
        else:
            check_name([*path, "name_localizations", locale], name)
    description = item.get("description", "")
    if slash and not 1 <= len(description) <= limits.COMMAND_DESCRIPTION:
        errors.add([*path, "description"], "BASE_TYPE_BAD_LENGTH", _between(1, limits.COMMAND_DESCRIPTION))
    for locale, text in (item.get("description_localizations") or {}).items():
        if locale not in VALID_LOCALES:
            errors.add([*path, "description_localizations", locale], "LOCALE_INVALID", "Invalid locale")
        elif slash and not 1 <= len(text) <= limits.COMMAND_DESCRIPTION:
            errors.add(
                [*path, "description_localizations", locale],
                "BASE_TYPE_BAD_LENGTH",
                _between(1, limits.COMMAND_DESCRIPTION),
            )


def validate_options(path: list[Any], options: list[dict[str, Any]], errors: FormErrors) -> None:
    if len(options) > MAX_COMMAND_OPTIONS:
        errors.add(path, "BASE_TYPE_MAX_LENGTH", _at_most(MAX_COMMAND_OPTIONS))
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
        if len(choices) > limits.CHOICES:
            errors.add([*where, "choices"], "BASE_TYPE_MAX_LENGTH", _at_most(limits.CHOICES))
        for j, choice in enumerate(choices):
            errors.max_length([*where, "choices", j, "name"], choice.get("name"), limits.CHOICE_NAME)


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
    if len(choices) > limits.CHOICES:
        errors.add(["data", "choices"], "BASE_TYPE_MAX_LENGTH", _at_most(limits.CHOICES))
    for i, choice in enumerate(choices):
        name = choice.get("name", "")
        if not 1 <= len(name) <= limits.CHOICE_NAME:
            errors.add(
                ["data", "choices", i, "name"], "BASE_TYPE_BAD_LENGTH", _between(1, limits.CHOICE_NAME)
            )
        if isinstance(choice.get("value"), str):
            errors.max_length(["data", "choices", i, "value"], choice["value"], limits.CHOICE_VALUE)
    errors.raise_if_any()
    return choices


def validate_modal(data: dict[str, Any]) -> None:
    errors = FormErrors()
    title, custom_id, components = (
        data.get("title", ""),
        data.get("custom_id", ""),
        data.get("components") or [],
    )
    if not 1 <= len(title) <= MODAL_TITLE:
        errors.add(["data", "title"], "BASE_TYPE_BAD_LENGTH", _between(1, MODAL_TITLE))
    if not 1 <= len(custom_id) <= limits.CUSTOM_ID:
        errors.add(["data", "custom_id"], "BASE_TYPE_BAD_LENGTH", _between(1, limits.CUSTOM_ID))
    if not 1 <= len(components) <= MODAL_COMPONENTS:
        errors.add(["data", "components"], "BASE_TYPE_BAD_LENGTH", _between(1, MODAL_COMPONENTS))
    errors.raise_if_any()


# ---------------------------------------------------------------------------------------- messages


def validate_message(
    payload: dict[str, Any], attachments: tuple[StoredAttachment, ...], creating: bool, flags: int
) -> None:
    errors = FormErrors()
    content = payload.get("content") or ""
    errors.max_length(["content"], content, limits.CONTENT)
    embeds = payload.get("embeds") or []
    if len(embeds) > limits.EMBEDS_PER_MESSAGE:
        errors.add(["embeds"], "BASE_TYPE_MAX_LENGTH", _at_most(limits.EMBEDS_PER_MESSAGE))
    total = 0
    for i, embed in enumerate(embeds):
        for key, limit in (("title", limits.EMBED_TITLE), ("description", limits.EMBED_DESCRIPTION)):
            errors.max_length(["embeds", i, key], embed.get(key), limit)
            total += len(embed.get(key) or "")
        footer, author = (embed.get("footer") or {}).get("text"), (embed.get("author") or {}).get("name")
        errors.max_length(["embeds", i, "footer", "text"], footer, limits.EMBED_FOOTER)
        errors.max_length(["embeds", i, "author", "name"], author, limits.EMBED_AUTHOR)
        total += len((embed.get("footer") or {}).get("text") or "") + len(
            (embed.get("author") or {}).get("name") or ""
        )
        fields = embed.get("fields") or []
        if len(fields) > limits.EMBED_FIELDS:
            errors.add(["embeds", i, "fields"], "BASE_TYPE_MAX_LENGTH", _at_most(limits.EMBED_FIELDS))
        for j, fld in enumerate(fields):
            for key, limit in (("name", limits.EMBED_FIELD_NAME), ("value", limits.EMBED_FIELD_VALUE)):
                text = fld.get(key)
                if not text:
                    errors.add(
                        ["embeds", i, "fields", j, key], "BASE_TYPE_REQUIRED", "This field is required"
                    )
                else:
                    errors.max_length(["embeds", i, "fields", j, key], text, limit)
                    total += len(text)
    if total > limits.EMBED_TOTAL:
        errors.add(
            ["embeds"], "MAX_EMBED_SIZE_EXCEEDED", f"Embed size exceeds maximum size of {limits.EMBED_TOTAL}"
        )
    if len(attachments) > ATTACHMENTS_PER_MESSAGE:
        errors.add(["attachments"], "BASE_TYPE_MAX_LENGTH", _at_most(ATTACHMENTS_PER_MESSAGE))
    components = payload.get("components") or []
    if not flags & FLAG_COMPONENTS_V2:
        validate_action_rows(components, errors)
    custom_ids = [c["custom_id"] for c in walk_components(components) if "custom_id" in c]
    for custom_id in custom_ids:
        if len(custom_id) > limits.CUSTOM_ID:
            errors.add(
                ["components"],
                "BASE_TYPE_MAX_LENGTH",
                f"custom_id must be {limits.CUSTOM_ID} or fewer in length.",
            )
    if len(custom_ids) != len(set(custom_ids)):
        errors.add(
            ["components"], "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated"
        )
    errors.raise_if_any()
    if creating and not (content or embeds or attachments or components or payload.get("poll")):
        raise DiscordHTTPError(400, 50006, "Cannot send an empty message")


def validate_action_rows(rows: list[dict[str, Any]], errors: FormErrors) -> None:
    if len(rows) > limits.ACTION_ROWS:
        errors.add(["components"], "BASE_TYPE_MAX_LENGTH", _at_most(limits.ACTION_ROWS))
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
        if not 1 <= len(children) <= limits.BUTTONS_PER_ROW or (selects and len(children) > 1):
            errors.add(
                ["components", i, "components"],
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                f"An action row holds 1-{limits.BUTTONS_PER_ROW} buttons or a single select menu",
            )
        for j, child in enumerate(children):
            where: list[str | int] = ["components", i, "components", j]
            errors.max_length([*where, "label"], child.get("label"), limits.BUTTON_LABEL)
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
                if child["type"] == STRING_SELECT and not 1 <= len(options) <= limits.SELECT_OPTIONS:
                    errors.add(
                        [*where, "options"], "BASE_TYPE_BAD_LENGTH", _between(1, limits.SELECT_OPTIONS)
                    )
                errors.max_length([*where, "placeholder"], child.get("placeholder"), SELECT_PLACEHOLDER)
                for k, option in enumerate(options):
                    label, value = option.get("label"), option.get("value")
                    errors.max_length([*where, "options", k, "label"], label, limits.SELECT_OPTION_LABEL)
                    errors.max_length([*where, "options", k, "value"], value, SELECT_OPTION_VALUE)
