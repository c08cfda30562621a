"""Scenario 8 of issue 4: 40 interactions at once against a real bot process (``python -m bot``).

Its own bot, without the per-user cooldown (COOLDOWN_RATE=0), otherwise .env.example's settings:
2 workers and 8 queued requests, so most of the 40 are refused with the busy message. Every
interaction must be answered exactly once, with a result or that message, and the bot's event loop
must keep heartbeating: the worst gap between heartbeats is printed (run with ``-s``) and bounded.
"""

from __future__ import annotations

import signal
import time
from collections import Counter
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
    running_bot,
)
from tests.helpers.fake_discord import (  # noqa: E402
    CHANNEL_MESSAGE,
    DEFERRED_CHANNEL_MESSAGE,
    FLAG_EPHEMERAL,
    OP_HEARTBEAT_ACK,
    FakeDiscord,
    InteractionHandle,
    RecordedRequest,
)

pytest_plugins = ["tests.helpers.bot_process"]

HEARTBEAT_MS = 500
GAP_BOUND = 3 * HEARTBEAT_MS / 1000 + 1.0  # generous: a loaded CI machine, not a blocked loop
BUSY = STRINGS["en"]["busy"]
# Long enough (~100 tokens each) that the admitted requests keep both workers busy for a while.
SENTENCES = [
    " ".join([s] * 4)
    for s in (
        "I am eating an apple while the bank of the river floods slowly after a long and heavy rain.",
        "Apple is huge enterprise and its new phones sell well in every market around the world today.",
        "The cat sat on the mat because the sun was warm and the house behind it was very quiet.",
        "Attention is all you need, said the paper that changed how machines read and write language.",
    )
]
WORDS = ["apple", "apple", "cat", "attention"]
VIEWS = ["word", "heads", "matrix", "rollout"]


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    with running_bot(
        tmp_path_factory.mktemp("load-bot"), name="load-bot", heartbeat_interval=HEARTBEAT_MS, COOLDOWN_RATE=0
    ) as process:
        yield process


def push_mix(fake: FakeDiscord, count: int) -> list[InteractionHandle]:
    handles = []
    for n in range(count):
        s = n % len(SENTENCES)
        if n % 4 == 3:
            handles.append(
                fake.push_slash_command("tokenize", sentence=SENTENCES[s], sentence2=SENTENCES[s - 1])
            )
        else:
            view = VIEWS[(n // 4) % len(VIEWS)]
            handles.append(
                fake.push_slash_command("attention", sentence=SENTENCES[s], word=WORDS[s], view=view)
            )
    return handles


def outcome(fake: FakeDiscord, handle: InteractionHandle, responses: list[RecordedRequest]) -> str:
    """ "result" or "busy"; fails on anything else (a lost, doubled or wrong answer)."""
    callbacks = [r for r in responses if r.kind == "callback"]
    followups = [r for r in responses if r.kind == "followup"]
    shape = [(r.kind, r.callback_type, r.status) for r in responses]
    assert len(callbacks) == 1 and callbacks[0].ok, shape
    assert all(r.ok for r in responses), shape
    assert not [r for r in responses if r.kind == "edit"], shape
    if callbacks[0].callback_type == CHANNEL_MESSAGE:  # refused before deferring
        assert len(responses) == 1, shape
        data = callbacks[0].data
        assert data["content"] == BUSY and data["flags"] & FLAG_EPHEMERAL, data
        return "busy"
    assert callbacks[0].callback_type == DEFERRED_CHANNEL_MESSAGE, shape
    assert len(followups) == 1, shape
    data = followups[0].data
    # A place in the pool is held from admission on, so nobody is told "busy" after being promised
    # an answer (a public "thinking..." message that then disappears).
    assert data.get("content") != BUSY, shape
    message = fake.original_message(handle)
    assert message is not None and not message.loading and not message.ephemeral
    if handle.name == "attention":
        (embed,) = data["embeds"]
        assert embed["image"]["url"] == f"attachment://{followups[0].files[0].filename}"
        decode_png(followups[0].files[0].data)
    else:  # the token table, in the message or, when too long for one, in an attached text file
        table = data["content"] + "".join(f.data.decode() for f in followups[0].files)
        assert "input_ids" in table, data
    return "result"


def test_forty_interactions_at_once_are_each_answered_once(bot: BotProcess) -> None:
    """Scenario 8: a mix of /attention and /tokenize, 40 pushed at once."""
    fake = bot.fake
    # A heartbeat before the burst and one after it: the worst gap then covers the whole burst.
    fake.wait_for(lambda: fake.heartbeats, 5, "a first heartbeat")
    started = time.monotonic()
    handles = push_mix(fake, 40)
    pushed = time.monotonic() - started
    fake.wait_for(lambda: all(answered(fake, h) for h in handles), 60, "answers to all 40 interactions")
    done = time.monotonic()
    # Heartbeats go on after the burst, on the same connection (no reconnect was needed).
    fake.wait_for(lambda: any(at > done for _, at in fake.heartbeats), 5, "a heartbeat after the burst")
    worst = fake.max_heartbeat_gap()
    during = [at for _, at in fake.heartbeats if started <= at <= done]

    # Stop the bot so nothing more can arrive, then count: none lost, none doubled.
    stopping = time.monotonic()
    bot.send_signal(signal.SIGTERM)
    assert bot.wait_exit(30) == 0
    outcomes = Counter(outcome(fake, h, fake.responses_for(h)) for h in handles)

    busy = outcomes["busy"]
    print(
        f"\nload: 40 interactions pushed in {pushed:.2f}s, all answered after {done - started:.2f}s: "
        f"{outcomes['result']} results, {busy} busy (all before deferring); "
        f"{len(during)} heartbeats meanwhile; "
        f"worst heartbeat gap {worst:.3f}s (interval {HEARTBEAT_MS / 1000:.1f}s, bound {GAP_BOUND:.1f}s)"
    )
    assert sum(outcomes.values()) == 40
    assert outcomes["result"] >= 2 and busy >= 1, outcomes
    assert worst < GAP_BOUND, f"worst heartbeat gap {worst:.3f}s: the event loop was blocked"

    # Every heartbeat was acknowledged, and the bot never had to reconnect.
    frames = fake.frames
    beats = [f for f in frames if f.direction == "received" and f.op == 1]
    acks = [f for f in frames if f.direction == "sent" and f.op == OP_HEARTBEAT_ACK]
    assert len(beats) >= 2 and len(acks) >= len([b for b in beats if b.time < stopping])
    assert fake.identify_count == 1 and fake.resume_count == 0 and len(fake.connection_log) == 1
    assert "Closed cleanly" in bot.log()
    assert assert_no_mentions(fake) >= 40
    assert_clean(bot, running=False)
