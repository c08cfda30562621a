"""Deployment behaviour of the real bot process: the container health check, and sharded clusters.

Health: with HEALTH_FILE and HEALTH_PORT set (the Docker image sets HEALTH_FILE), the bot reports
itself healthy once connected, and ``python -m bot health`` (the image's HEALTHCHECK) agrees.
Sharding: two clusters of one shard each against the same Discord; only the one holding shard 0
syncs commands.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

pytest.register_assert_rewrite("tests.helpers.bot_process")

from tests.helpers.bot_process import ROOT, BotProcess, assert_clean, running_bot  # noqa: E402
from tests.helpers.fake_discord import FakeDiscord  # noqa: E402

pytest_plugins = ["tests.helpers.bot_process"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def health_command(**settings: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("HEALTH_FILE", "HEALTH_PORT")}
    env.update(settings, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "bot", "health"], env=env, capture_output=True, text=True, timeout=60
    )


def test_health_file_endpoint_and_command(tmp_path: Path) -> None:
    status_file = tmp_path / "state" / "health.json"
    port = free_port()
    with running_bot(tmp_path / "bot", name="health-bot", HEALTH_FILE=status_file, HEALTH_PORT=port) as bot:
        fake = bot.fake
        # Refreshed on READY, so the container turns healthy without waiting for the next tick.
        fake.wait_for(lambda: status_file.exists() and json.loads(status_file.read_text())["ok"], 10)
        status = json.loads(status_file.read_text())
        assert status["connected"] and status["reason"] == "ok" and status["pending"] == 0
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as reply:
            assert reply.status == 200
            served = json.load(reply)
        assert served["ok"] and served["connected"]
        assert served["heartbeat_age"] is not None and served["heartbeat_age"] < 5

        by_file = health_command(HEALTH_FILE=str(status_file))
        assert by_file.returncode == 0 and by_file.stdout.strip() == "bertlens: healthy: ok", by_file
        by_port = health_command(HEALTH_PORT=str(port))
        assert by_port.returncode == 0, by_port
        assert_clean(bot)
    # A stopped bot leaves no stale "healthy" file behind, and the check says so.
    assert not status_file.exists()
    stopped = health_command(HEALTH_FILE=str(status_file))
    assert stopped.returncode == 1 and "no health file" in stopped.stdout


def test_health_is_off_unless_configured() -> None:
    run = health_command()
    assert run.returncode == 1
    assert run.stdout.strip() == "bertlens: unhealthy: health checks are off: set HEALTH_FILE or HEALTH_PORT"


def test_two_clusters_share_the_shards_and_only_shard_zero_syncs(tmp_path: Path) -> None:
    fake = FakeDiscord(shards=2).start()
    clusters = [
        BotProcess(fake, tmp_path / f"cluster-{i}", name=f"cluster-{i}", SHARD_COUNT=2, SHARD_IDS=i)
        for i in (0, 1)
    ]
    try:
        for cluster in clusters:
            cluster.start()
        fake.wait_for(lambda: fake.ready_count >= 2, 90, "both clusters READY")
        shards = sorted(tuple(identify["shard"]) for identify in fake.identifies)
        assert shards == [(0, 2), (1, 2)]
        for cluster in clusters:
            cluster.check_alive()
        clusters[1].wait_for_log("this cluster does not hold shard 0")
        syncs = [r for r in fake.requests if r.method == "PUT" and r.path.endswith("/commands")]
        assert len(syncs) == 1 and f"/guilds/{fake.guild_id}/" in syncs[0].path
        assert {c["name"] for c in fake.commands(fake.guild_id)} >= {"attention", "tokenize", "compare"}
        assert fake.unknown_routes == []
        for cluster in clusters:
            assert_clean(cluster)
    finally:
        for cluster in clusters:
            cluster.stop()
        fake.stop()
    assert [cluster.returncode for cluster in clusters] == [0, 0]


@pytest.mark.parametrize(
    ("token", "says"),
    [(None, "DISCORD_TOKEN is not set"), ("not-a-token", "does not look like a bot token")],
)
def test_no_usable_token_ends_start_up_with_one_line_before_any_model_loads(tmp_path, token, says):
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    # A model that cannot load: reaching it would end with a different error and exit status 1.
    env.update(PYTHONPATH=str(ROOT), MODEL=str(tmp_path / "no-such-model"), HF_HUB_OFFLINE="1")
    if token is not None:
        env["DISCORD_TOKEN"] = token
    run = subprocess.run(
        [sys.executable, "-m", "bot"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 2, run
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0] and "Traceback" not in run.stderr, run.stderr
    assert "not-a-token" not in run.stderr, "the token is never echoed"
    assert run.stdout == ""
