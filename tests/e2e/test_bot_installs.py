"""User installs: the commands are synced globally for server and user installs, and a student who
installed BERT Lens to their account uses it in a DM, where there is no server at all."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.register_assert_rewrite("tests.helpers.bot_process")

from tests.helpers.bot_process import BotProcess, assert_clean, attention_reply, wait_answered  # noqa: E402
from tests.helpers.fake_discord import FakeDiscord  # noqa: E402

pytest_plugins = ["tests.helpers.bot_process"]


def test_global_commands_allow_user_installs_and_work_in_a_dm(tmp_path: Path) -> None:
    fake = FakeDiscord(heartbeat_interval=500)
    fake.start()
    bot = BotProcess(fake, tmp_path, name="installs-bot", COOLDOWN_RATE=0)
    try:
        tmp_path.mkdir(parents=True, exist_ok=True)
        synced = subprocess.run(
            [sys.executable, "-m", "bot", "sync"],
            cwd=tmp_path,
            env=bot.environment(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert synced.returncode == 0, synced.stdout + synced.stderr
        commands = {c["name"]: c for c in fake.commands()}
        assert {"attention", "compare", "tokenize", "quiz", "about", "help", "Tokenize message"} <= set(
            commands
        )
        for command in commands.values():
            if command["name"] == "settings":  # a server's own settings: only where it added the bot
                assert (command["integration_types"], command["contexts"]) == ([0], [0])
                continue
            assert command["integration_types"] == [0, 1], command["name"]
            assert command["contexts"] == [0, 1, 2], command["name"]

        bot.start()
        bot.wait_ready()
        handle = fake.push_slash_command(
            "attention", guild=False, sentence="I am eating an apple", word="apple"
        )
        embed, png = attention_reply(fake, handle)
        assert png.startswith(b"\x89PNG") and "apple" in embed["title"]
        tokens = fake.push_slash_command("tokenize", guild=False, sentence="Apple is huge enterprise")
        assert any("6207" in (r.data.get("content") or "") for r in wait_answered(fake, tokens))
        assert_clean(bot)
    finally:
        bot.stop()
        fake.stop()
