"""A quiz round end to end: the channel votes, the bot restarts, the votes are still there, the next
press still counts, and Reveal shows the heatmap, the tally and who was right."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.register_assert_rewrite("tests.helpers.bot_process")

from bot.i18n import STRINGS  # noqa: E402
from tests.helpers.bot_process import BotProcess, assert_clean, decode_png, wait_answered  # noqa: E402
from tests.helpers.fake_discord import FakeDiscord  # noqa: E402

pytest_plugins = ["tests.helpers.bot_process"]

EN = STRINGS["en"]


def _started(fake: FakeDiscord, workdir: Path, name: str, data: Path) -> BotProcess:
    bot = BotProcess(fake, workdir, name=name, COOLDOWN_RATE=0, DATA_DIR=str(data))
    bot.start()
    bot.wait_ready()
    return bot


def _press(fake: FakeDiscord, message_id: int, label: str, user: str) -> None:
    stored = fake.message(message_id)
    button = next(c for c in stored.iter_components() if c.get("label", "").split(" · ")[0] == label)
    wait_answered(fake, fake.push_component(stored, button["custom_id"], user=user))


def test_a_quiz_round_survives_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"  # the SQLite file both processes share
    fake = FakeDiscord(heartbeat_interval=500)
    fake.start()
    try:
        before = _started(fake, tmp_path / "before", "quiz-before", data)
        try:
            handle = fake.push_slash_command("quiz", sentence="I am eating an apple", word="apple")
            wait_answered(fake, handle)
            message = fake.original_message(handle)
            assert message is not None and message.embeds[0]["title"] == EN["quiz.title"]
            _press(fake, message.id, "eating", "other")
            _press(fake, message.id, "am", "admin")
            assert fake.message(message.id).embeds[0]["fields"][0]["value"] == "2"
        finally:
            before.stop()
        ready = fake.ready_count

        after = _started(fake, tmp_path / "after", "quiz-after", data)
        try:
            fake.wait_for(lambda: fake.ready_count > ready, 30, "the new process READY")
            _press(fake, message.id, "eating", "owner")  # a vote after the restart counts
            assert fake.message(message.id).embeds[0]["fields"][0]["value"] == "3"
            _press(fake, message.id, EN["quiz.reveal"], "invoker")  # who asked
            revealed = fake.message(message.id)
            embed = revealed.embeds[0]
            assert embed["title"].startswith("apple attends most to ")
            assert "(3)" in embed["fields"][0]["name"]
            filename = embed["image"]["url"].removeprefix("attachment://")
            decode_png(revealed.file(filename))
            assert all(c.get("disabled") for c in revealed.iter_components() if c["type"] == 2)  # buttons
            assert_clean(after)
        finally:
            after.stop()
    finally:
        fake.stop()
