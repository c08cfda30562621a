"""Rate limits against the real bot process (``python -m bot``): Discord answers 429 to the /attention
deferral, to the follow-up that carries its heatmap, and to the paging buttons' acknowledgement and
edit, with a route-level and a global limit each.

Every reply must still arrive exactly once, with the same PNG bytes as without the 429; the bot's event
loop must keep running while discord.py waits out ``retry_after`` (gateway heartbeats keep coming, and
another user's command is answered during the wait); and nothing is retried sooner than Discord asked
(the fake lists an early retry in its warnings, which ``assert_clean`` checks).

All three routes are served by discord.py's webhook adapter (``AsyncWebhookAdapter.request`` in
``discord/webhook/async_.py``): it sleeps ``retry_after`` and retries, up to five attempts, holding only
that interaction's requests. It ignores ``"global": true`` (only the bot-token ``HTTPClient`` pauses every
request on a global 429), which is what Discord intends: interaction endpoints are not bound by the
global rate limit.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator

import pytest

pytest.register_assert_rewrite("tests.helpers.bot_process")

from bot.i18n import STRINGS  # noqa: E402
from tests.helpers.bot_process import (  # noqa: E402
    BotProcess,
    assert_clean,
    decode_png,
    running_bot,
    wait_answered,
)
from tests.helpers.fake_discord import (  # noqa: E402
    CALLBACK_ROUTE,
    CHANNEL_MESSAGE,
    DEFERRED_CHANNEL_MESSAGE,
    DEFERRED_UPDATE_MESSAGE,
    FOLLOWUP_ROUTE,
    WEBHOOK_MESSAGE_EDIT_ROUTE,
    FakeDiscord,
    InteractionHandle,
    RecordedRequest,
    StoredMessage,
)

pytest_plugins = ["tests.helpers.bot_process"]

SENTENCE, WORD = "I am eating an apple", "apple"
PREVIOUS = STRINGS["en"]["button.prev"]
HEARTBEAT = 0.5  # seconds: running_bot's default heartbeat_interval
DEADLINE = 3.0  # Discord's: an interaction must be acknowledged within 3 s
EARLY = 0.01  # clock slack: a retry is never sooner than retry_after minus this
KINDS = pytest.mark.parametrize("is_global", [False, True], ids=["route", "global"])


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    workdir = tmp_path_factory.mktemp("rate-limited-bot")
    with running_bot(workdir, name="rate-limited-bot", COOLDOWN_RATE=0) as process:
        yield process


@pytest.fixture
def fake(bot: BotProcess) -> Iterator[FakeDiscord]:
    yield bot.fake
    bot.fake.clear_rate_limits()  # a limit a failing test left unused must not hit the next test


def attention(fake: FakeDiscord) -> tuple[InteractionHandle, list[RecordedRequest], bytes]:
    """/attention SENTENCE WORD, answered by a deferral and one follow-up; its requests and PNG."""
    handle = fake.push_slash_command("attention", sentence=SENTENCE, word=WORD)
    responses = wait_answered(fake, handle)
    assert [(r.kind, r.callback_type, r.ok) for r in responses] == [
        ("callback", DEFERRED_CHANNEL_MESSAGE, True),
        ("followup", None, True),
    ]
    (png,) = [f.data for f in responses[1].files]
    return handle, responses, png


def previous_layer(
    fake: FakeDiscord, message: StoredMessage
) -> tuple[InteractionHandle, list[RecordedRequest]]:
    """Click "previous layer" on an /attention reply; the click's requests (acknowledgement, edit)."""
    button = message.find_component(label=PREVIOUS)
    click = fake.push_component(message, button["custom_id"])
    responses = wait_answered(fake, click)
    assert [(r.kind, r.callback_type, r.ok) for r in responses] == [
        ("callback", DEFERRED_UPDATE_MESSAGE, True),
        ("edit", None, True),
    ]
    return click, responses


def only_message(fake: FakeDiscord, handle: InteractionHandle) -> StoredMessage:
    (message,) = fake.messages_for(handle)
    assert not message.loading and not message.deleted and not message.ephemeral
    return message


def assert_429(limited: RecordedRequest, route: str, retry_after: float, is_global: bool) -> None:
    assert limited.route == route and limited.status == 429
    assert limited.response["retry_after"] == retry_after and limited.response["global"] is is_global
    assert (limited.response_headers.get("X-RateLimit-Global") == "true") is is_global


@pytest.fixture(scope="module")
def unlimited(bot: BotProcess) -> tuple[bytes, bytes]:
    """The heatmaps without any 429: the /attention reply, and the page after "previous layer"."""
    fake = bot.fake
    handle, _, png = attention(fake)
    _, responses = previous_layer(fake, only_message(fake, handle))
    (paged,) = [f.data for f in responses[1].files]
    assert png != paged
    decode_png(png)
    decode_png(paged)
    return png, paged


# ------------------------------------------------------------------------------ the deferral


@KINDS
def test_deferral_429_is_retried_in_time_and_answered_once(
    bot: BotProcess, fake: FakeDiscord, unlimited: tuple[bytes, bytes], is_global: bool
) -> None:
    mark = bot.log_size()
    limit = fake.rate_limit(CALLBACK_ROUTE, retry_after=0.5, is_global=is_global)
    pushed = time.monotonic()
    handle, (callback, followup), png = attention(fake)

    (limited,) = fake.rate_limited_for(handle)
    assert limit.hits == [limited]
    assert_429(limited, CALLBACK_ROUTE, 0.5, is_global)
    assert limited.json == callback.json  # the same deferral, sent again after retry_after
    assert callback.time - limited.time >= 0.5 - EARLY
    assert callback.time - pushed < DEADLINE  # and still inside Discord's window
    # One message, filled by the one follow-up, with the same heatmap as without the 429.
    assert png == unlimited[0]
    assert only_message(fake, handle).filenames == [f.filename for f in followup.files]
    assert "is rate limited. Retrying in 0.50 seconds" in bot.log(mark)  # discord.py's own retry
    assert_clean(bot)


# ------------------------------------------------------------------------------ the follow-up


@KINDS
def test_followup_429_keeps_the_heatmap_while_the_bot_keeps_serving(
    bot: BotProcess, fake: FakeDiscord, unlimited: tuple[bytes, bytes], is_global: bool
) -> None:
    retry_after = 1.0
    limit = fake.rate_limit(FOLLOWUP_ROUTE, retry_after=retry_after, is_global=is_global)
    handle = fake.push_slash_command("attention", sentence=SENTENCE, word=WORD)
    (limited,) = fake.wait_for(lambda: fake.rate_limited_for(handle), 20, "the follow-up's 429")

    # While discord.py waits out the 429, another user's command is answered.
    other = fake.push_slash_command("help", user="other")
    (help_reply,) = wait_answered(fake, other, timeout=5)
    assert help_reply.callback_type == CHANNEL_MESSAGE

    responses = wait_answered(fake, handle)
    assert [(r.kind, r.ok) for r in responses] == [("callback", True), ("followup", True)]
    followup = responses[1]
    assert limit.hits == [limited]
    assert_429(limited, FOLLOWUP_ROUTE, retry_after, is_global)
    assert followup.time - limited.time >= retry_after - EARLY
    assert limited.time < help_reply.time < followup.time, "the other command waited for the 429"

    # The event loop ran all along: heartbeats kept their rhythm through the wait.
    beats = sorted(at for _, at in fake.heartbeats)
    around = [at for at in beats if limited.time - HEARTBEAT <= at <= followup.time + HEARTBEAT]
    inside = [at for at in around if limited.time < at < followup.time]
    gaps = [b - a for a, b in itertools.pairwise(around)]
    print(f"\nheartbeats during the {retry_after}s wait: {len(inside)}, worst gap {max(gaps):.3f}s")
    assert inside, "no heartbeat while discord.py waited: the event loop was blocked"
    assert max(gaps) < HEARTBEAT + retry_after

    # The image was not lost: the retry carried the same bytes, and they are on the one message.
    (name,) = [f.filename for f in followup.files]
    assert limited.file(name) == followup.file(name) == unlimited[0]
    assert only_message(fake, handle).file(name) == unlimited[0]
    decode_png(only_message(fake, handle).file(name))
    assert_clean(bot)


# ------------------------------------------------------------------------------ the paging buttons


@KINDS
@pytest.mark.parametrize("route", [CALLBACK_ROUTE, WEBHOOK_MESSAGE_EDIT_ROUTE], ids=["ack", "edit"])
def test_paging_429_edits_the_message_once(
    bot: BotProcess, fake: FakeDiscord, unlimited: tuple[bytes, bytes], route: str, is_global: bool
) -> None:
    handle, _, _ = attention(fake)
    message = only_message(fake, handle)
    limit = fake.rate_limit(route, retry_after=0.5, is_global=is_global)
    pushed = time.monotonic()
    click, (ack, edit) = previous_layer(fake, message)

    (limited,) = fake.rate_limited_for(click)
    assert limit.hits == [limited]
    assert_429(limited, route, 0.5, is_global)
    retried = ack if route == CALLBACK_ROUTE else edit
    assert retried.route == route and retried.time - limited.time >= 0.5 - EARLY
    assert ack.time - pushed < DEADLINE

    updated = fake.message(message.id)
    assert updated.edit_count == message.edit_count + 1  # one edit, not two
    assert fake.messages_for(handle) == [updated] and fake.messages_for(click) == []
    (name,) = [f.filename for f in edit.files]
    assert updated.filenames == [name] and updated.file(name) == edit.file(name) == unlimited[1]
    if route == WEBHOOK_MESSAGE_EDIT_ROUTE:
        assert limited.file(name) == unlimited[1]
    assert_clean(bot)
