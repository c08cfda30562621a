"""Buttons that outlive a restart: an /attention reply posted by one bot process is paged, exactly as
before, by the next process (a deploy, a crash, or another cluster), through discord.py's own dispatch
of persistent components."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.register_assert_rewrite("tests.helpers.bot_process")

from bot.i18n import STRINGS  # noqa: E402
from tests.helpers.bot_process import BotProcess, assert_clean, decode_png, wait_answered  # noqa: E402
from tests.helpers.fake_discord import DEFERRED_UPDATE_MESSAGE, FakeDiscord  # noqa: E402

pytest_plugins = ["tests.helpers.bot_process"]

EN = STRINGS["en"]
SENTENCE = "I am eating an apple"


def _started(fake: FakeDiscord, workdir: Path, name: str) -> BotProcess:
    bot = BotProcess(fake, workdir, name=name, COOLDOWN_RATE=0)
    bot.start()
    bot.wait_ready()
    return bot


def _button(fake: FakeDiscord, message_id: int, label: str) -> dict:
    stored = fake.message(message_id)
    return next(c for c in stored.iter_components() if c.get("label") == label)


def test_a_click_after_a_restart_pages_exactly_as_before(tmp_path: Path) -> None:
    fake = FakeDiscord(heartbeat_interval=500)
    fake.start()
    try:
        before = _started(fake, tmp_path / "before", "before-restart")
        try:
            handle = fake.push_slash_command(
                "attention", sentence=SENTENCE, word="apple", head=3, hide_special=True
            )
            wait_answered(fake, handle)
            message = fake.original_message(handle)
            assert message is not None
        finally:
            before.stop()
        ready = fake.ready_count

        after = _started(fake, tmp_path / "after", "after-restart")
        try:
            fake.wait_for(lambda: fake.ready_count > ready, 30, "the new process READY")
            previous = _button(fake, message.id, EN["button.prev"])
            click = fake.push_component(message, previous["custom_id"])
            responses = wait_answered(fake, click)
            assert [(r.kind, r.callback_type, r.ok) for r in responses] == [
                ("callback", DEFERRED_UPDATE_MESSAGE, True),
                ("edit", None, True),
            ]
            updated = fake.message(message.id)
            footer = updated.embeds[0]["footer"]["text"]
            assert "layer 5/6" in footer and "head 3 of 12" in footer and "specials hidden" in footer
            assert footer.splitlines()[-1] == (
                f"python -m bot attention '{SENTENCE}' apple "
                "--layer 5 --head 3 --hide-special --model bundled --lang en"
            )
            filename = updated.embeds[0]["image"]["url"].removeprefix("attachment://")
            decode_png(updated.file(filename))
            assert "Ignoring exception" not in after.log()
            assert_clean(after)
        finally:
            after.stop()
    finally:
        fake.stop()
