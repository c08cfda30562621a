"""Settings: defaults, every problem reported at once, token checks, and no token in reprs."""

from __future__ import annotations

import os
from dataclasses import fields
from pathlib import Path

import pytest

from bot.engine.defaults import DEFAULT_MODEL
from bot.settings import ConfigError, Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]
# The shape of a bot token (three dot-separated base64url parts); not a real token.
TOKEN_SHAPED = "MTA" + "x" * 21 + ".Gabcde." + "y" * 30


def settings(tmp_path, **env: str) -> Settings:
    return load_settings(env, dotenv_path=tmp_path / "absent.env")


def test_defaults(tmp_path):
    s = settings(tmp_path)
    cpus = os.cpu_count() or 1
    assert s.model == DEFAULT_MODEL == "distilbert-base-uncased"
    assert s.discord_token is None and s.dev_guild_id is None
    assert s.workers == max(1, min(cpus, 4))
    assert s.torch_threads == max(1, cpus // s.workers)
    assert (s.queue_limit, s.cache_mb, s.cooldown_rate, s.cooldown_seconds) == (8, 256, 5, 30.0)
    assert (s.view_timeout, s.view_anyone, s.max_chars, s.max_tokens) == (600.0, False, 500, 512)
    assert s.log_level == "INFO" and s.sync_commands is True
    assert s.discord_api_base is None and s.discord_gateway_url is None
    assert s.shard_count is None and s.shard_ids is None
    assert s.health_port is None and s.health_file is None


def test_values_are_parsed(tmp_path):
    s = settings(
        tmp_path,
        MODEL=" bundled ",
        WORKERS="3",
        TORCH_THREADS="2",
        MAX_CHARS="1000",
        COOLDOWN_SECONDS="2.5",
        VIEW_ANYONE="Yes",
        SYNC_COMMANDS="off",
        LOG_LEVEL="debug",
        DISCORD_API_BASE="http://127.0.0.1:8080/api/v10/",
        DISCORD_GATEWAY_URL="ws://127.0.0.1:8080/gateway",
        SHARD_COUNT="4",
        SHARD_IDS="3, 1,1",
        DEV_GUILD_ID="123456789012345678",
        CACHE_MB="0",
        COOLDOWN_RATE="0",
    )
    assert s.model == "bundled"
    assert (s.workers, s.torch_threads, s.max_chars, s.cooldown_seconds) == (3, 2, 1000, 2.5)
    assert s.view_anyone is True and s.sync_commands is False and s.log_level == "DEBUG"
    assert s.discord_api_base == "http://127.0.0.1:8080/api/v10"
    assert s.discord_gateway_url == "ws://127.0.0.1:8080/gateway"
    assert s.shard_count == 4 and s.shard_ids == (1, 3)
    assert s.dev_guild_id == 123456789012345678
    assert s.cache_mb == 0 and s.cooldown_rate == 0


def test_empty_values_mean_defaults(tmp_path):
    s = settings(tmp_path, MODEL="", WORKERS="  ", MAX_CHARS="", DISCORD_TOKEN="")
    assert s.model == DEFAULT_MODEL and s.max_chars == 500 and s.discord_token is None


def test_every_problem_is_reported_in_one_error(tmp_path):
    with pytest.raises(ConfigError) as info:
        settings(
            tmp_path,
            WORKERS="many",
            MAX_CHARS="5",
            COOLDOWN_SECONDS="soon",
            VIEW_TIMEOUT="5",
            VIEW_ANYONE="perhaps",
            LOG_LEVEL="LOUD",
            DISCORD_API_BASE="discord.example",
            HEALTH_PORT="70000",
            SHARD_IDS="0,x",
        )
    message = str(info.value)
    assert message.startswith("Settings problems: ")
    for name in (
        "WORKERS",
        "MAX_CHARS",
        "COOLDOWN_SECONDS",
        "VIEW_TIMEOUT",
        "VIEW_ANYONE",
        "LOG_LEVEL",
        "DISCORD_API_BASE",
        "HEALTH_PORT",
        "SHARD_IDS",
    ):
        assert name in message, name
    assert "'many'" in message and "got 5" in message and "70000" in message
    assert "\n" not in message


def test_one_problem_is_singular(tmp_path):
    with pytest.raises(ConfigError) as info:
        settings(tmp_path, MAX_TOKENS="4")
    assert str(info.value) == "Settings problem: MAX_TOKENS must be between 8 and 512, got 4."


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"SHARD_IDS": "0,1"}, "SHARD_IDS needs SHARD_COUNT"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "0,2"}, "SHARD_IDS must be between 0 and SHARD_COUNT-1 (1)"),
        ({"DISCORD_GATEWAY_URL": "http://x"}, "DISCORD_GATEWAY_URL must start with ws:// or wss://"),
        ({"TORCH_THREADS": "0"}, "TORCH_THREADS must be between 1 and 256"),
        ({"DEV_GUILD_ID": "-5"}, "DEV_GUILD_ID"),
        ({"COOLDOWN_SECONDS": "nan"}, "COOLDOWN_SECONDS"),
    ],
)
def test_specific_problems(tmp_path, env, needle):
    with pytest.raises(ConfigError) as info:
        settings(tmp_path, **env)
    assert needle in str(info.value)


def test_token_is_required_to_run_the_bot(tmp_path):
    with pytest.raises(ConfigError) as info:
        settings(tmp_path).require_token()
    assert "DISCORD_TOKEN is not set" in str(info.value)
    assert ".env.example" in str(info.value) and "python -m bot tokenize" in str(info.value)


@pytest.mark.parametrize(
    "token",
    [
        "abc",
        "not a token at all",
        "only.two",
        "a" * 70,
        "MTA.Gab.xyz",
        TOKEN_SHAPED + ".extra",
        TOKEN_SHAPED + " x",
    ],
)
def test_malformed_tokens_are_rejected_without_echoing_them(tmp_path, token):
    with pytest.raises(ConfigError) as info:
        settings(tmp_path, DISCORD_TOKEN=token).require_token()
    assert "does not look like a bot token" in str(info.value)
    assert token.strip() not in str(info.value)


def test_token_shaped_value_is_accepted(tmp_path):
    assert settings(tmp_path, DISCORD_TOKEN=f"  {TOKEN_SHAPED}\n").require_token() == TOKEN_SHAPED


def test_repr_and_str_hide_the_token(tmp_path):
    s = settings(tmp_path, DISCORD_TOKEN=TOKEN_SHAPED)
    for shown in (repr(s), str(s), f"{s!r}", f"{s}", repr([s]), repr({"settings": s})):
        assert TOKEN_SHAPED not in shown
        assert "x" * 21 not in shown and "y" * 30 not in shown
    assert "discord_token=set" in repr(s)
    assert "discord_token=unset" in repr(settings(tmp_path))


def test_settings_are_immutable(tmp_path):
    s = settings(tmp_path)
    with pytest.raises(AttributeError):
        s.model = "other"  # type: ignore[misc]


def test_dotenv_file_is_read_and_the_environment_wins(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("MODEL=from-dotenv\nMAX_CHARS=300\n# a comment\nWORKERS=\n")
    s = load_settings({"MODEL": "from-environment"}, dotenv_path=dotenv)
    assert s.model == "from-environment"
    assert s.max_chars == 300


def test_dotenv_problems_are_reported_too(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("QUEUE_LIMIT=zero\n")
    with pytest.raises(ConfigError, match="QUEUE_LIMIT must be a whole number"):
        load_settings({}, dotenv_path=dotenv)


def test_env_example_is_valid_and_lists_every_setting():
    example = ROOT / ".env.example"
    if not example.is_file():
        pytest.skip(".env.example not present")
    s = load_settings({}, dotenv_path=example)
    assert s.model == DEFAULT_MODEL and s.discord_token is None
    text = example.read_text()
    for field in fields(Settings):
        name = field.name.upper()
        assert f"\n{name}=" in text or f"\n# {name}=" in text, field.name


def test_fast_path_is_auto_by_default_and_checked(tmp_path):
    assert load_settings({}, dotenv_path=tmp_path / "none.env").fast_path == "auto"
    assert load_settings({"FAST_PATH": "ONNX"}, dotenv_path=tmp_path / "none.env").fast_path == "onnx"
    with pytest.raises(ConfigError) as info:
        load_settings({"FAST_PATH": "fast"}, dotenv_path=tmp_path / "none.env")
    assert str(info.value) == "Settings problem: FAST_PATH must be one of auto, onnx, off, got 'fast'."


def test_the_command_line_runs_eager_whatever_fast_path_says(tmp_path):
    from bot.service import registry_from_settings

    settings = load_settings({"FAST_PATH": "onnx", "DATA_DIR": str(tmp_path)}, dotenv_path=tmp_path / "x")
    assert registry_from_settings(settings).fast_path == "onnx"
    assert registry_from_settings(settings, fast=False).fast_path == "off"
