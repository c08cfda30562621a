"""Self-tests of the fake's rate limits: 429s injected per route or globally, answered as Discord answers
them, retried by the unmodified discord.py client (the stand-in bot of tests/helpers/stand_in_bot.py),
and recorded apart from the requests Discord accepted."""

from __future__ import annotations

import asyncio
import math

import aiohttp
import pytest

from tests.helpers.fake_discord import (
    CALLBACK_ROUTE,
    DEFERRED_CHANNEL_MESSAGE,
    FOLLOWUP_ROUTE,
    GUILD_COMMANDS_SYNC_ROUTE,
    RATE_LIMITED_MESSAGE,
    FakeDiscord,
    RecordedRequest,
)
from tests.helpers.stand_in_bot import HEATMAP, make_bot, running

EARLY = 0.01  # the fake's clock slack before a retry counts as too early


def assert_429(record: RecordedRequest, *, retry_after: float, is_global: bool, scope: str) -> None:
    """The request was answered exactly as Discord answers a rate-limited one."""
    assert record.status == 429 and record.rate_limited and not record.ok
    assert record.response == {
        "message": RATE_LIMITED_MESSAGE,
        "retry_after": retry_after,
        "global": is_global,
    }
    headers = record.response_headers
    assert headers["Via"] == "1.1 google"  # without it discord.py takes the 429 for a Cloudflare ban
    assert headers["Retry-After"] == str(math.ceil(retry_after))
    assert headers["X-RateLimit-Scope"] == scope
    if is_global:
        assert headers["X-RateLimit-Global"] == "true"
        assert "X-RateLimit-Bucket" not in headers
    else:
        assert "X-RateLimit-Global" not in headers
        assert headers["X-RateLimit-Remaining"] == "0"
        assert float(headers["X-RateLimit-Reset-After"]) == pytest.approx(retry_after)
        assert headers["X-RateLimit-Bucket"] and int(headers["X-RateLimit-Limit"]) > 0


@pytest.mark.parametrize("is_global", [False, True], ids=["route", "global"])
async def test_callback_429_is_retried_once_and_answered_once(
    fake_discord: FakeDiscord, is_global: bool
) -> None:
    fake = fake_discord
    limit = fake.rate_limit(CALLBACK_ROUTE, retry_after=0.3, is_global=is_global)
    async with running(make_bot(fake.guild_id), fake):
        handle = fake.push_slash_command("lens", text="The cat sat on the mat")
        callback, followup = await fake.async_wait_for_responses(handle, 2)

    (limited,) = fake.rate_limited
    assert limit.hits == [limited] and limit.remaining == 0
    assert limited.route == CALLBACK_ROUTE and limited.interaction_id == handle.id
    assert limited.json == callback.json  # the same deferral, sent again
    assert_429(limited, retry_after=0.3, is_global=is_global, scope="global" if is_global else "user")
    # The rejected request is not a response: the interaction was acknowledged once, by the retry.
    assert fake.rate_limited_for(handle) == [limited]
    assert [(r.kind, r.callback_type, r.ok) for r in fake.responses_for(handle)] == [
        ("callback", DEFERRED_CHANNEL_MESSAGE, True),
        ("followup", None, True),
    ]
    assert callback.time - limited.time >= 0.3 - EARLY
    (message,) = fake.messages_for(handle)
    assert message.file("heatmap.png") == HEATMAP and followup.file("heatmap.png") == HEATMAP
    assert fake.warnings == [] and fake.unknown_routes == []


async def test_followup_429s_keep_the_files(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    fake.rate_limit(FOLLOWUP_ROUTE, count=2, retry_after=0.1)
    async with running(make_bot(fake.guild_id), fake):
        handle = fake.push_slash_command("lens", text="The bank of the river")
        _, followup = await fake.async_wait_for_responses(handle, 2)

    first, second = fake.rate_limited_for(handle)
    assert [r.route for r in (first, second)] == [FOLLOWUP_ROUTE, FOLLOWUP_ROUTE]
    # discord.py rewinds its files before each attempt: every attempt carried the whole upload.
    for attempt in (first, second, followup):
        assert attempt.file("heatmap.png") == HEATMAP
        assert attempt.file("tokens.txt") == b"The bank of the river"
    assert second.time - first.time >= 0.1 - EARLY and followup.time - second.time >= 0.1 - EARLY
    (message,) = fake.messages_for(handle)
    assert not message.loading and message.file("heatmap.png") == HEATMAP
    assert fake.warnings == []


@pytest.mark.parametrize("is_global", [False, True], ids=["route", "global"])
async def test_command_sync_429_is_retried(is_global: bool) -> None:
    """The bot-token side of discord.py (HTTPClient): a global 429 holds every request for retry_after."""
    with FakeDiscord() as fake:
        fake.rate_limit(GUILD_COMMANDS_SYNC_ROUTE, retry_after=0.2, is_global=is_global)
        async with running(make_bot(fake.guild_id), fake):
            pass

    (limited,) = fake.rate_limited
    assert_429(limited, retry_after=0.2, is_global=is_global, scope="global" if is_global else "user")
    (sync,) = [r for r in fake.requests if r.route == GUILD_COMMANDS_SYNC_ROUTE]
    assert sync.ok and sync.json == limited.json and sync.time - limited.time >= 0.2 - EARLY
    assert [c["name"] for c in fake.commands(fake.guild_id)] == ["lens"]
    assert fake.warnings == []  # nothing with the bot token came during the global wait


async def test_global_429_on_any_route_and_scopes() -> None:
    with FakeDiscord() as fake:
        fake.rate_limit(retry_after=0.2, is_global=True)  # whatever comes first: here logging in
        async with running(make_bot(fake.guild_id), fake):
            pass
    (limited,) = fake.rate_limited
    assert limited.route == "GET /users/@me"
    assert_429(limited, retry_after=0.2, is_global=True, scope="global")
    assert fake.requests[0].route == "GET /users/@me" and fake.requests[0].ok
    assert fake.warnings == []


async def test_answers_carry_rate_limit_headers(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    async with running(make_bot(fake.guild_id), fake):
        handle = fake.push_slash_command("lens", text="headers")
        await fake.async_wait_for_responses(handle, 2)
    assert fake.rate_limited == []
    buckets: dict[str, set[str]] = {}
    for request in fake.requests:
        headers = request.response_headers
        assert headers["Via"] == "1.1 google", request.route
        limit, remaining = int(headers["X-RateLimit-Limit"]), int(headers["X-RateLimit-Remaining"])
        assert limit == fake.bucket_limit and 0 <= remaining < limit
        assert 0 < float(headers["X-RateLimit-Reset-After"]) <= fake.bucket_window
        assert "X-RateLimit-Global" not in headers
        buckets.setdefault(request.route, set()).add(headers["X-RateLimit-Bucket"])
    assert all(len(hashes) == 1 for hashes in buckets.values())  # one bucket hash per route
    assert len({h for hashes in buckets.values() for h in hashes}) == len(buckets)


async def test_limits_match_by_route_interaction_and_count(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    with pytest.raises(ValueError, match="unknown route"):
        fake.rate_limit("POST /nowhere")
    with pytest.raises(ValueError, match="scope"):
        fake.rate_limit(CALLBACK_ROUTE, scope="global")
    with pytest.raises(ValueError, match="count"):
        fake.rate_limit(CALLBACK_ROUTE, count=0)
    assert CALLBACK_ROUTE in fake.routes and FOLLOWUP_ROUTE in fake.routes

    async with running(make_bot(fake.guild_id), fake):
        first = fake.push_slash_command("lens", text="first")
        await fake.async_wait_for_responses(first, 2)
        # Only `first`'s requests match; the next interaction's follow-up goes through.
        shared = fake.rate_limit(FOLLOWUP_ROUTE, retry_after=0.05, scope="shared", interaction=first)
        second = fake.push_slash_command("lens", text="second")
        await fake.async_wait_for_responses(second, 2)
        assert fake.rate_limited == [] and shared.remaining == 1
        fake.clear_rate_limits()
        third = fake.push_slash_command("lens", text="third")
        await fake.async_wait_for_responses(third, 2)
    assert fake.rate_limited == [] and fake.warnings == []


async def test_a_client_that_does_not_wait_is_caught(fake_discord: FakeDiscord) -> None:
    """A retry sooner than retry_after is still served, and listed in warnings (Discord would 429 it)."""
    fake = fake_discord
    url = f"{fake.api_base}/gateway"
    fake.rate_limit("GET /gateway", retry_after=0.5)
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as response:
            assert response.status == 429
            assert response.headers["Content-Type"] == "application/json"
            assert response.headers["Retry-After"] == "1" and response.headers["X-RateLimit-Scope"] == "user"
            assert (await response.json())["retry_after"] == 0.5
        async with session.get(url) as response:
            assert response.status == 200
    (warning,) = fake.warnings
    assert "GET /gateway" in warning and "asked to wait 0.500s" in warning
    assert [r.status for r in fake.requests] == [200] and [r.status for r in fake.rate_limited] == [429]


async def test_a_client_beyond_its_bucket_is_caught() -> None:
    with FakeDiscord(bucket_limit=2, bucket_window=60.0) as fake:
        url = f"{fake.api_base}/gateway"
        remaining = []
        async with aiohttp.ClientSession() as session:
            for _ in range(3):
                async with session.get(url) as response:
                    assert response.status == 200
                    remaining.append(response.headers["X-RateLimit-Remaining"])
        assert remaining == ["1", "0", "0"]
        (warning,) = fake.warnings
        assert "request 3 in a bucket of 2" in warning


async def test_the_3_second_window_still_applies(fake_discord: FakeDiscord) -> None:
    """A retry_after that pushes the acknowledgement past the window loses the interaction, as on Discord."""
    fake = fake_discord
    fake.interaction_timeout = 0.2
    fake.rate_limit(CALLBACK_ROUTE, retry_after=0.3)
    async with running(make_bot(fake.guild_id), fake):
        handle = fake.push_slash_command("lens", text="too slow")
        (callback,) = await fake.async_wait_for_responses(handle, 1)
        await asyncio.sleep(0.1)  # nothing else follows the refused acknowledgement
    assert callback.status == 404 and callback.response["code"] == 10062
    assert len(fake.rate_limited_for(handle)) == 1 and fake.messages_for(handle) == []
