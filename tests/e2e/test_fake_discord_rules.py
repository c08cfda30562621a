"""The fake's Discord rules (tests/helpers/fake_discord/rules.py) hold exactly bot.limits: a message at a
limit is accepted, one character or item over it is refused with Discord's error."""

from __future__ import annotations

from typing import Any

import pytest

from bot import limits
from tests.helpers.fake_discord import DiscordHTTPError
from tests.helpers.fake_discord.rules import validate_choices, validate_commands, validate_message


def refused(payload: dict[str, Any]) -> dict[str, Any]:
    with pytest.raises(DiscordHTTPError) as caught:
        validate_message(payload, (), creating=True, flags=0)
    assert (caught.value.status, caught.value.code) == (400, 50035)
    return caught.value.errors or {}


def embed(**fields: Any) -> dict[str, Any]:
    return {"title": "t", **fields}


@pytest.mark.parametrize(
    ("at_limit", "over", "where"),
    [
        (
            {"content": "x" * limits.CONTENT},
            {"content": "x" * (limits.CONTENT + 1)},
            ["content"],
        ),
        (
            {"embeds": [embed(title="x" * limits.EMBED_TITLE)]},
            {"embeds": [embed(title="x" * (limits.EMBED_TITLE + 1))]},
            ["embeds", "0", "title"],
        ),
        (
            {"embeds": [embed(description="x" * limits.EMBED_DESCRIPTION)]},
            {"embeds": [embed(description="x" * (limits.EMBED_DESCRIPTION + 1))]},
            ["embeds", "0", "description"],
        ),
        (
            {"embeds": [embed(footer={"text": "x" * limits.EMBED_FOOTER})]},
            {"embeds": [embed(footer={"text": "x" * (limits.EMBED_FOOTER + 1)})]},
            ["embeds", "0", "footer", "text"],
        ),
        (
            {"embeds": [embed(fields=[{"name": "n", "value": "v"}] * limits.EMBED_FIELDS)]},
            {"embeds": [embed(fields=[{"name": "n", "value": "v"}] * (limits.EMBED_FIELDS + 1))]},
            ["embeds", "0", "fields"],
        ),
        (
            {"embeds": [embed(fields=[{"name": "n", "value": "x" * limits.EMBED_FIELD_VALUE}])]},
            {"embeds": [embed(fields=[{"name": "n", "value": "x" * (limits.EMBED_FIELD_VALUE + 1)}])]},
            ["embeds", "0", "fields", "0", "value"],
        ),
        (
            {"embeds": [embed()] * limits.EMBEDS_PER_MESSAGE},
            {"embeds": [embed()] * (limits.EMBEDS_PER_MESSAGE + 1)},
            ["embeds"],
        ),
        (
            {"embeds": [embed(title=None, description="x" * limits.EMBED_DESCRIPTION)] * 1},
            {
                "embeds": [
                    embed(title=None, description="x" * limits.EMBED_DESCRIPTION),
                    embed(title=None, description="x" * (limits.EMBED_TOTAL - limits.EMBED_DESCRIPTION + 1)),
                ]
            },
            ["embeds"],
        ),
    ],
    ids=["content", "title", "description", "footer", "fields", "field-value", "embeds", "embed-total"],
)
def test_messages_are_held_to_bot_limits(
    at_limit: dict[str, Any], over: dict[str, Any], where: list[str]
) -> None:
    validate_message(at_limit, (), creating=True, flags=0)
    node = refused(over)
    for key in where:
        node = node[key]
    assert node["_errors"], node


def test_buttons_selects_and_choices_are_held_to_bot_limits() -> None:
    button = {"type": 2, "style": 1, "label": "x" * limits.BUTTON_LABEL, "custom_id": "c" * limits.CUSTOM_ID}
    validate_message({"components": [{"type": 1, "components": [button]}]}, (), creating=True, flags=0)
    too_long = {**button, "label": "x" * (limits.BUTTON_LABEL + 1)}
    assert refused({"components": [{"type": 1, "components": [too_long]}]})

    row = {"type": 1, "components": [{**button, "custom_id": f"b{n}"} for n in range(limits.BUTTONS_PER_ROW)]}
    rows = [
        {**row, "components": [{**b, "custom_id": f"{r}-{b['custom_id']}"} for b in row["components"]]}
        for r in range(limits.ACTION_ROWS)
    ]
    validate_message({"components": rows}, (), creating=True, flags=0)
    assert refused({"components": [*rows, rows[0]]})["components"]

    choices = [{"name": "x" * limits.CHOICE_NAME, "value": "v" * limits.CHOICE_VALUE}] * limits.CHOICES
    assert validate_choices({"choices": choices}) == choices
    with pytest.raises(DiscordHTTPError):
        validate_choices({"choices": [*choices, choices[0]]})


def test_command_definitions_are_held_to_bot_limits() -> None:
    ok = {"name": "n" * limits.COMMAND_NAME, "description": "d" * limits.COMMAND_DESCRIPTION, "type": 1}
    validate_commands([ok])
    for bad in ({**ok, "name": "n" * (limits.COMMAND_NAME + 1)}, {**ok, "description": ""}):
        with pytest.raises(DiscordHTTPError) as caught:
            validate_commands([bad])
        assert caught.value.code == 50035
