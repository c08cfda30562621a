"""Self-tests of the fake's OpenAPI check (tests/helpers/fake_discord/openapi/): the trimmed spec covers every
route, the corrections to it are needed and narrow, and a request the spec refuses is answered 400 and
fails its test unless the test takes it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.helpers.fake_discord import CALLBACK_ROUTE, FOLLOWUP_ROUTE, FakeDiscord
from tests.helpers.fake_discord.openapi import trim
from tests.helpers.fake_discord.openapi.operations import served_operations, spec_operation
from tests.helpers.fake_discord.openapi.validator import CORRECTIONS, SpecChecker, checker
from tests.helpers.fake_discord.rest import compile_template
from tests.helpers.stand_in_bot import make_bot, running

# Discord's full spec, when this machine has it (CI does not: it only has the trimmed copy).
FULL_SPEC = Path(os.environ.get("DISCORD_OPENAPI_SPEC", "/work/shared/discord-openapi.json"))
FOLLOWUP = {"app": "1", "token": "t"}


def test_every_route_of_the_fake_has_its_operation(fake_discord: FakeDiscord) -> None:
    spec = checker().spec
    for method, path in served_operations():
        assert method in spec["paths"][path], f"{method} {path}: run python -m {trim.__name__}"
    for route in fake_discord.routes:
        method, template = route.split(" ", 1)
        params = {name: "1" for name in compile_template(template).groupindex}
        assert spec_operation(route, params) in served_operations()
    assert spec_operation("PATCH /webhooks/{app}/{token}/messages/{message}", {"message": "@original"}) == (
        "patch",
        "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
    )
    source = spec["x-trimmed-from"]
    assert (
        source["repository"] == "https://github.com/discord/discord-api-spec" and len(source["commit"]) == 40
    )
    assert "MIT" in (trim.HERE / "LICENSE").read_text()


@pytest.mark.skipif(not FULL_SPEC.exists(), reason=f"Discord's full spec is not at {FULL_SPEC}")
def test_the_trimmed_copy_is_what_trim_makes(tmp_path: Path) -> None:
    out = tmp_path / "trimmed.json"
    assert trim.main([str(FULL_SPEC), "--output", str(out)]) == 0
    assert json.loads(out.read_text()) == json.loads(trim.TRIMMED.read_text())


@pytest.mark.parametrize(
    ("route", "params", "body"),
    [
        # discord.py's File.to_dict: a new upload's id is its index in files[n].
        (FOLLOWUP_ROUTE, FOLLOWUP, {"attachments": [{"id": 0, "filename": "heatmap.png"}]}),
        # discord.py's HTTPClient.start_private_message.
        ("POST /users/@me/channels", {}, {"recipient_id": 1191168914227200202}),
    ],
    ids=["attachment-id", "recipient-id"],
)
def test_integer_snowflakes_are_corrected_and_nothing_else(
    route: str, params: dict[str, str], body: Any
) -> None:
    assert list(CORRECTIONS) == ["SnowflakeType"]
    assert SpecChecker(corrected=False).check(route, params, {}, body, True), (
        "the spec allows it now: drop it"
    )
    assert checker().check(route, params, {}, body, True) == []
    key = next(iter(body))
    for bad in ("12a", -1, 1.5, True, 2**64):
        value = [{**body[key][0], "id": bad}] if key == "attachments" else bad
        assert checker().check(route, params, {}, {key: value}, True), bad


def test_bodies_and_queries_are_checked() -> None:
    check = checker().check
    callback = {"id": "1", "token": "t"}
    (tts,) = check(CALLBACK_ROUTE, callback, {}, {"type": 4, "data": {"content": "x", "tts": "yes"}}, True)
    assert (tts.where, tts.code) == (["data", "tts"], "BASE_TYPE_BAD_TYPE")
    (title,) = check(
        CALLBACK_ROUTE, callback, {}, {"type": 4, "data": {"embeds": [{"title": "x" * 300}]}}, True
    )
    assert str(title) == "data.embeds[0].title: Must be 256 or fewer in length (got 300)."
    assert check(CALLBACK_ROUTE, callback, {"with_response": "1"}, {"type": 5}, True) == []
    assert (
        check(FOLLOWUP_ROUTE, FOLLOWUP, {"wait": "1", "with_components": "0"}, {"content": "x"}, True) == []
    )
    unknown, maybe = check(
        FOLLOWUP_ROUTE, FOLLOWUP, {"with_response": "1", "wait": "maybe"}, {"content": "x"}, True
    )
    assert unknown.code == "UNKNOWN_QUERY_PARAMETER" and unknown.where == ["?with_response"]
    assert maybe.where == ["?wait"]
    assert (
        check("POST /channels/{channel}/typing", {"channel": "1"}, {}, {"x": 1}, True)[0].code
        == "UNEXPECTED_BODY"
    )
    put = "PUT /applications/{app}/guilds/{guild}/commands"
    assert check(put, {"app": "1", "guild": "2"}, {}, None, False)[0].code == "BASE_TYPE_REQUIRED"


async def test_a_request_the_spec_refuses_is_answered_400_and_recorded(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    async with running(make_bot(fake.guild_id), fake):
        handle = fake.push_slash_command("lens", text="x")
        await fake.async_wait_for_responses(handle, 2)
        url = f"{fake.api_base}/webhooks/{fake.application_id}/{handle.token}?wait=1"
        body = {"content": "late", "embeds": [{"color": -1}]}
        async with aiohttp.ClientSession() as session, session.post(url, json=body) as response:
            assert response.status == 400
            body = await response.json()
    assert body["code"] == 50035 and body["message"] == "Invalid Form Body"
    assert body["errors"]["embeds"]["0"]["color"]["_errors"][0]["code"] == "NUMBER_TYPE_MIN"
    assert len(fake.messages_for(handle)) == 1  # refused: no second message
    (violation,) = fake.spec_violations
    assert violation.startswith(f"{FOLLOWUP_ROUTE} (/webhooks/") and "embeds[0].color" in violation
    # Taken here, so the autouse check of tests/e2e/conftest.py lets this test pass.
    assert fake.take_spec_violations() == [violation] and fake.take_spec_violations() == []
    assert fake.spec_violations == [violation]


async def test_the_stand_in_bot_conforms(fake_discord: FakeDiscord) -> None:
    """discord.py's requests for a slash command, autocomplete, a multipart follow-up with a view and a
    button's message update all pass (with the snowflake correction); the fake checked each one."""
    fake = fake_discord
    async with running(make_bot(fake.guild_id), fake):
        command = fake.push_slash_command("lens", text="The bank of the river")
        await fake.async_wait_for_responses(command, 2)
        autocomplete = fake.push_autocomplete("lens", focused="text", text="the")
        await fake.async_wait_for_responses(autocomplete, 1)
        (message,) = fake.messages_for(command)
        click = fake.push_component(message, "lens:next")
        await fake.async_wait_for_responses(click, 1)
    assert fake.spec_violations == []
    multipart = [r for r in fake.requests if r.files]
    assert {r.route for r in multipart} == {FOLLOWUP_ROUTE, CALLBACK_ROUTE}
    raw = SpecChecker(corrected=False)
    for request in multipart:  # what the correction lets through: integer attachment ids, nothing else
        template = request.route.split(" ", 1)[1]
        params = compile_template(template).match(request.path).groupdict()
        found = raw.check(request.route, params, request.query, request.json, True)
        assert found and {str(v).split(":")[0].rsplit(".", 1)[-1] for v in found} == {"id"}, found
