"""Start-up against a Discord that cannot be reached, and a gateway that drops later: one line and
exit status 1 (never a traceback, never silence), and discord.py's own reconnect with one WARNING per
attempt."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.register_assert_rewrite("tests.helpers.bot_process")

from tests.helpers.bot_process import ROOT, running_bot  # noqa: E402
from tests.helpers.fake_discord import make_bot_token  # noqa: E402

pytest_plugins = ["tests.helpers.bot_process"]


def start_bot(tmp_path: Path, **settings: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISCORD_TOKEN", "DEV_GUILD_ID")}
    env.update(
        PYTHONPATH=str(ROOT),
        MODEL="bundled",
        HF_HUB_OFFLINE="1",
        DISCORD_TOKEN=make_bot_token(),
        **settings,
    )
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *settings.pop("ARGS", "").split()],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def one_line(stderr: str, says: str) -> None:
    """No traceback, and one line that says what is wrong (ordinary INFO log lines aside)."""
    lines = [line for line in stderr.splitlines() if line.strip() and " INFO " not in _plain(line)]
    assert "Traceback" not in stderr, stderr
    assert len(lines) == 1 and says in lines[0], stderr


def _plain(line: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", line)


@pytest.mark.parametrize(
    ("api_base", "why"),
    [
        ("http://discord-unreachable.invalid/api/v10", "discord-unreachable.invalid"),  # no such name
        (f"http://127.0.0.1:{free_port()}/api/v10", "127.0.0.1"),  # connection refused
    ],
)
def test_no_route_to_discord_is_one_line_and_exit_1(tmp_path: Path, api_base: str, why: str) -> None:
    bot = start_bot(tmp_path, DISCORD_API_BASE=api_base, DISCORD_GATEWAY_URL="ws://127.0.0.1:1/")
    _, stderr = bot.communicate(timeout=60)
    assert bot.returncode == 1
    one_line(stderr, f"Cannot reach Discord at {api_base}")
    assert why in stderr


class SilentServer:
    """Accepts connections and never answers: what a broken proxy or firewall looks like."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.held.append(connection)

    def close(self) -> None:
        for connection in self.held:
            connection.close()
        self.socket.close()


def test_a_discord_that_never_answers_times_out_with_one_line(tmp_path: Path) -> None:
    server = SilentServer()
    try:
        api_base = f"http://127.0.0.1:{server.port}/api/v10"
        started = time.monotonic()
        bot = start_bot(tmp_path, DISCORD_API_BASE=api_base, CONNECT_TIMEOUT="2")
        _, stderr = bot.communicate(timeout=60)
        assert bot.returncode == 1
        one_line(stderr, "no answer within 2 s")
        assert time.monotonic() - started < 30  # the timeout, plus starting Python
    finally:
        server.close()


def test_sigterm_while_waiting_for_discord_ends_quietly(tmp_path: Path) -> None:
    server = SilentServer()
    try:
        bot = start_bot(tmp_path, DISCORD_API_BASE=f"http://127.0.0.1:{server.port}/api/v10")
        deadline = time.monotonic() + 30
        while not server.held and time.monotonic() < deadline:  # it is waiting for an answer now
            time.sleep(0.05)
        assert server.held, "the bot never tried to reach Discord"
        bot.send_signal(signal.SIGTERM)
        _, stderr = bot.communicate(timeout=30)
        assert bot.returncode == 0
        assert "Traceback" not in stderr and "ERROR" not in stderr, stderr
    finally:
        server.close()


def test_sync_with_a_rejected_token_is_one_line_and_exit_2(tmp_path: Path) -> None:
    with running_bot(tmp_path / "bot", name="for-sync") as running:
        fake = running.fake
        env = running.environment()
        env["DISCORD_TOKEN"] = make_bot_token(user_id=123456789012345678)  # well formed, but not this bot's
        sync = subprocess.run(
            [sys.executable, "-m", "bot", "sync"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert sync.returncode == 2
        one_line(sync.stderr, "Discord rejected DISCORD_TOKEN")
        assert fake.commands() == [] or all(c.get("guild_id") for c in fake.commands())


def test_a_gateway_that_drops_later_reconnects_with_one_warning_per_attempt(tmp_path: Path) -> None:
    with running_bot(tmp_path, name="dropping") as bot:
        fake = bot.fake
        mark = bot.log_size()
        resumes = fake.resume_count
        fake.drop_connection()
        fake.wait_for(lambda: fake.resume_count > resumes, 30, "the bot resumed")
        log = bot.log(mark)
        assert "Traceback" not in log, log
        warnings = [line for line in log.splitlines() if "WARNING" in line and "reconnect" in line]
        assert len(warnings) == 1, log
        assert all("ERROR" not in line for line in log.splitlines()), log
