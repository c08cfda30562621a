"""Scenario 10 of issue 4: SIGTERM while a real bot process (``python -m bot``) has work in flight.

Its own bot, since the test ends it. One worker (WORKERS=1) so the /attention requests queue up
behind each other and are surely still in flight when the signal arrives; no cooldown, since one
user sends them all. The bot must answer every request it had taken (with its result, or the
shutting-down text if the grace period ran out), refuse new work politely, and exit with status 0.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator

import pytest

pytest.register_assert_rewrite("tests.helpers.bot_process")

from bot.i18n import STRINGS  # noqa: E402
from tests.helpers.bot_process import (  # noqa: E402
    BotProcess,
    answered,
    assert_clean,
    assert_no_mentions,
    decode_png,
    fresh_sentence,
    running_bot,
)
from tests.helpers.fake_discord import (  # noqa: E402
    CALLBACK_ROUTE,
    CHANNEL_MESSAGE,
    DEFERRED_CHANNEL_MESSAGE,
    FLAG_EPHEMERAL,
)

pytest_plugins = ["tests.helpers.bot_process"]

SHUTTING_DOWN = STRINGS["en"]["shutting_down"]
IN_FLIGHT = 8  # ~0.1-0.2 s each on one worker
GRACE = 20  # SHUTDOWN_GRACE, the default
EXIT_BOUND = GRACE + 10  # the grace period, then disconnecting


@pytest.fixture
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    with running_bot(
        tmp_path_factory.mktemp("shutdown-bot"),
        name="shutdown-bot",
        WORKERS=1,
        COOLDOWN_RATE=0,
        SHUTDOWN_GRACE=GRACE,
    ) as process:
        yield process


@pytest.fixture
def impatient_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    with running_bot(
        tmp_path_factory.mktemp("impatient-bot"),
        name="impatient-bot",
        WORKERS=1,
        COOLDOWN_RATE=0,
        SHUTDOWN_GRACE=0,
    ) as process:
        yield process


def test_sigterm_answers_work_in_flight_refuses_new_work_and_exits_0(bot: BotProcess) -> None:
    """Scenario 10: several /attention in flight, then SIGTERM."""
    fake = bot.fake
    handles = [
        fake.push_slash_command("attention", sentence=fresh_sentence(1000 + n), word="zebra")
        for n in range(IN_FLIGHT)
    ]
    fake.wait_for(lambda: all(fake.responses_for(h) for h in handles), 10, "every request deferred")
    assert all(fake.response_type(h) == DEFERRED_CHANNEL_MESSAGE for h in handles)

    mark = bot.log_size()
    signalled = time.monotonic()
    bot.send_signal(signal.SIGTERM)
    bot.wait_for_log("Signal received", since=mark)
    # The bot now takes no new work. While it still has requests to finish it is connected, and
    # must say so to anyone who asks; once it has disconnected, nothing reaches it at all.
    still_running = [h for h in handles if not answered(fake, h)]
    late = fake.push_slash_command("attention", sentence=fresh_sentence(2000), word="zebra")

    assert bot.wait_exit(EXIT_BOUND) == 0
    took = time.monotonic() - signalled

    results = 0
    for handle in handles:
        responses = fake.responses_for(handle)
        shape = [(r.kind, r.callback_type, r.status) for r in responses]
        assert all(r.ok for r in responses), shape
        followups = [r for r in responses if r.kind == "followup"]
        assert responses[0].callback_type == DEFERRED_CHANNEL_MESSAGE and len(followups) == 1, shape
        data = followups[0].data
        if data.get("content") == SHUTTING_DOWN:  # cut off by the grace period: told so, privately
            assert data["flags"] & FLAG_EPHEMERAL, data
            continue
        (embed,) = data["embeds"]
        assert "zebra" in embed["title"]
        decode_png(followups[0].files[0].data)
        results += 1

    late_responses = fake.responses_for(late)
    shape = [(r.kind, r.callback_type, r.status) for r in late_responses]
    print(
        f"\nshutdown: {len(still_running)} of {IN_FLIGHT} requests still in flight at SIGTERM, "
        f"{results} answered with results; exit 0 after {took:.2f}s; new request after the signal: {shape}"
    )
    # The shutdown waited for work in flight, rather than dropping it.
    assert len(still_running) >= 2, "too little work in flight to test anything"
    finished_after = [h for h in handles if fake.responses_for(h)[-1].time > signalled]
    assert len(finished_after) >= len(still_running)
    # Work was still running when the late request came, so the bot was connected and answered it:
    # at once, only to that user, with no deferral and no result.
    assert [(r.kind, r.callback_type) for r in late_responses] == [("callback", CHANNEL_MESSAGE)], shape
    data = late_responses[0].data
    assert data["content"] == SHUTTING_DOWN and data["flags"] & FLAG_EPHEMERAL, data
    assert [m.ephemeral for m in fake.messages_for(late)] == [True]

    log = bot.log(mark)
    assert "Shutting down: waiting for" in log and "in flight" in log
    assert "Closed cleanly" in log
    assert took < EXIT_BOUND
    assert assert_no_mentions(fake) >= IN_FLIGHT
    assert_clean(bot, running=False)


def test_work_cut_off_by_the_grace_period_is_told_so(impatient_bot: BotProcess) -> None:
    """SHUTDOWN_GRACE=0: nothing in flight is waited for, and every user still waiting is told,
    privately, that the bot is restarting instead of being left with "thinking..." forever."""
    bot = impatient_bot
    fake = bot.fake
    # The race that once made this flaky, made certain: the first requests' defers reach Discord but
    # their answers are held back, so the signal cancels them while the bot cannot know the outcome.
    released = threading.Event()
    stalled = IN_FLIGHT // 2
    fake.stall_answers(CALLBACK_ROUTE, released, count=stalled)
    try:
        handles = [
            fake.push_slash_command("attention", sentence=fresh_sentence(3000 + n), word="zebra")
            for n in range(IN_FLIGHT)
        ]
        fake.wait_for(lambda: all(fake.responses_for(h) for h in handles), 10, "every request deferred")
        bot.send_signal(signal.SIGTERM)
        assert bot.wait_exit(15) == 0
    finally:
        released.set()

    told = results = 0
    for handle in handles:
        responses = fake.responses_for(handle)
        shape = [(r.kind, r.callback_type, r.status) for r in responses]
        assert all(r.ok for r in responses), shape
        assert responses[0].callback_type == DEFERRED_CHANNEL_MESSAGE, shape
        followups = [r for r in responses if r.kind == "followup"]
        assert len(followups) == 1, f"every deferred request gets exactly one answer: {shape}"
        data = followups[0].data
        if data.get("content") == SHUTTING_DOWN:
            assert data["flags"] & FLAG_EPHEMERAL, data
            # The public "thinking..." placeholder is gone; only the user sees the notice.
            visible = [m for m in fake.messages_for(handle) if not m.deleted]
            assert [(m.content, m.ephemeral) for m in visible] == [(SHUTTING_DOWN, True)], visible
            told += 1
        else:
            decode_png(followups[0].files[0].data)
            results += 1
    print(f"\nimpatient shutdown: {results} results, {told} told the bot is restarting")
    assert told >= stalled, "every request whose defer was still in flight is told the bot is restarting"
    assert "Closed cleanly" in bot.log()
    assert_clean(bot, running=False)
