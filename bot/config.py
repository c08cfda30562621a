"""One settings object, read from the environment and a ``.env`` file and validated once at start-up.

Every setting is listed, with its meaning, in ``.env.example``. Problems are collected and reported
together in plain sentences, so a newcomer fixes them in one go instead of one traceback at a time.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

DEFAULT_MODEL = "distilbert-base-uncased"
BUNDLED_MODEL = "bundled"

# Three dot-separated base64url parts; checked before anything slow happens so a typo fails fast.
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(Exception):
    """Settings that cannot work; the message says what to change."""


@dataclass(frozen=True)
class Settings:
    discord_token: str | None = None
    model: str = DEFAULT_MODEL
    dev_guild_id: int | None = None
    workers: int = 2
    torch_threads: int = 1
    queue_limit: int = 8
    cache_mb: int = 256
    cooldown_rate: int = 5
    cooldown_seconds: float = 30.0
    view_timeout: float = 600.0
    view_anyone: bool = False
    shutdown_grace: float = 20.0
    max_chars: int = 500
    max_tokens: int = 128
    log_level: str = "INFO"
    discord_api_base: str | None = None
    discord_gateway_url: str | None = None
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    sync_commands: bool = True
    health_port: int | None = None
    health_file: str | None = None

    def require_token(self) -> str:
        """The Discord token, or a ConfigError that tells a newcomer exactly what to set."""
        token = self.discord_token
        if not token:
            raise ConfigError(
                "DISCORD_TOKEN is not set. Copy .env.example to .env and paste your bot token from "
                "https://discord.com/developers/applications (Bot > Reset Token), or run the offline "
                'mode instead: python -m bot tokenize "Apple is huge enterprise" "I am eating an apple"'
            )
        if not _TOKEN_RE.match(token):
            raise ConfigError(
                "DISCORD_TOKEN does not look like a bot token (three parts separated by dots). "
                "Copy it again from the Bot page of your application; don't paste the client secret "
                "or the application id."
            )
        return token

    def __repr__(self) -> str:  # keeps the token out of logs and tracebacks
        token = "set" if self.discord_token else "unset"
        return f"Settings(model={self.model!r}, discord_token={token}, workers={self.workers})"


def _env(environ: Mapping[str, str], dotenv_path: str | os.PathLike[str] | None) -> dict[str, str]:
    # The real environment wins over .env, as python-dotenv's load_dotenv does by default.
    merged: dict[str, str] = {}
    path = Path(dotenv_path) if dotenv_path is not None else Path(".env")
    if path.is_file():
        merged.update({k: v for k, v in dotenv_values(path).items() if v is not None})
    merged.update(environ)
    return merged


def load_settings(
    environ: Mapping[str, str] | None = None, *, dotenv_path: str | os.PathLike[str] | None = None
) -> Settings:
    """Read and validate every setting; raise ConfigError listing all problems at once."""
    env = _env(os.environ if environ is None else environ, dotenv_path)
    problems: list[str] = []

    def text(name: str) -> str | None:
        value = env.get(name, "").strip()
        return value or None

    def parsed(name: str, default: Any, minimum: float, maximum: float, kind: type) -> Any:
        raw = text(name)
        if raw is None:
            return default
        what = "a whole number" if kind is int else "a number"
        try:
            value = kind(raw)
        except ValueError:
            problems.append(f"{name} must be {what}, got {raw!r}.")
            return default
        if not minimum <= value <= maximum:
            problems.append(f"{name} must be between {minimum:g} and {maximum:g}, got {value:g}.")
            return default
        return value

    def integer(name: str, default: int | None, minimum: int, maximum: int) -> int | None:
        return parsed(name, default, minimum, maximum, int)

    def number(name: str, default: float, minimum: float, maximum: float) -> float:
        return parsed(name, default, minimum, maximum, float)

    def boolean(name: str, default: bool) -> bool:
        raw = text(name)
        if raw is None:
            return default
        lowered = raw.lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        problems.append(f"{name} must be true or false, got {raw!r}.")
        return default

    def url(name: str, schemes: tuple[str, ...]) -> str | None:
        raw = text(name)
        if raw is not None and not raw.startswith(tuple(f"{s}://" for s in schemes)):
            problems.append(f"{name} must start with {' or '.join(s + '://' for s in schemes)}, got {raw!r}.")
            return None
        return raw.rstrip("/") if raw else None

    cpus = os.cpu_count() or 1
    workers = integer("WORKERS", max(1, min(cpus, 4)), 1, 64) or 1
    # Each worker runs its own forward pass; more torch threads than cores per worker only adds contention.
    torch_threads = integer("TORCH_THREADS", max(1, cpus // workers), 1, 256) or 1

    log_level = (text("LOG_LEVEL") or "INFO").upper()
    if log_level not in _LOG_LEVELS:
        problems.append(f"LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)}, got {log_level!r}.")
        log_level = "INFO"

    shard_count = integer("SHARD_COUNT", None, 1, 10_000)
    shard_ids: tuple[int, ...] | None = None
    raw_ids = text("SHARD_IDS")
    if raw_ids is not None:
        try:
            shard_ids = tuple(sorted({int(part) for part in raw_ids.replace(" ", "").split(",") if part}))
        except ValueError:
            problems.append(f"SHARD_IDS must be comma-separated whole numbers like 0,1, got {raw_ids!r}.")
        else:
            if shard_count is None:
                problems.append("SHARD_IDS needs SHARD_COUNT too (the total number of shards).")
            elif any(not 0 <= i < shard_count for i in shard_ids):
                problems.append(f"SHARD_IDS must be between 0 and SHARD_COUNT-1 ({shard_count - 1}).")

    health_port = integer("HEALTH_PORT", None, 1, 65535)

    settings = Settings(
        discord_token=text("DISCORD_TOKEN"),
        model=text("MODEL") or DEFAULT_MODEL,
        dev_guild_id=integer("DEV_GUILD_ID", None, 1, 2**63 - 1),
        workers=workers,
        torch_threads=torch_threads,
        queue_limit=integer("QUEUE_LIMIT", 8, 1, 10_000) or 8,
        cache_mb=integer("CACHE_MB", 256, 0, 1_000_000) or 0,
        cooldown_rate=integer("COOLDOWN_RATE", 5, 0, 1000) or 0,
        cooldown_seconds=number("COOLDOWN_SECONDS", 30.0, 0.0, 86_400.0),
        view_timeout=number("VIEW_TIMEOUT", 600.0, 10.0, 900.0),
        view_anyone=boolean("VIEW_ANYONE", False),
        shutdown_grace=number("SHUTDOWN_GRACE", 20.0, 0.0, 600.0),
        max_chars=integer("MAX_CHARS", 500, 10, 4000) or 500,
        max_tokens=integer("MAX_TOKENS", 128, 8, 512) or 128,
        log_level=log_level,
        discord_api_base=url("DISCORD_API_BASE", ("http", "https")),
        discord_gateway_url=url("DISCORD_GATEWAY_URL", ("ws", "wss")),
        shard_count=shard_count,
        shard_ids=shard_ids,
        sync_commands=boolean("SYNC_COMMANDS", True),
        health_port=health_port,
        health_file=text("HEALTH_FILE"),
    )
    if problems:
        raise ConfigError("Settings problem" + ("s" if len(problems) > 1 else "") + ": " + " ".join(problems))
    return settings
