"""Every setting, one row each (variable, parser, default, meaning), read from the environment and a
``.env`` file and validated in one loop at start-up.

Problems are collected and reported together in plain sentences, so a newcomer fixes them in one go
instead of one traceback at a time. An empty value means the default. ``.env.example`` lists every
row with its meaning (a test keeps the two in step).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from bot.engine.defaults import (
    DEFAULT_CACHE_MB,
    DEFAULT_MAX_CHARS,
    DEFAULT_MAX_TOKENS,
    DEFAULT_MODEL,
)

# Three dot-separated base64url parts; checked before anything slow happens so a typo fails fast.
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
CPUS = os.cpu_count() or 1
MAX_MODELS = 24  # Discord offers 25 choices; /tokenize adds "all"


class ConfigError(Exception):
    """Settings that cannot work; the message says what to change."""


# ------------------------------------------------------------------------------------------- parsers
# Each takes the stripped, non-empty text and returns the value, or raises ValueError with the rest
# of the sentence after the variable's name.

Parser = Callable[[str], Any]


def text(raw: str) -> str:
    return raw


def _ranged(kind: type, minimum: float, maximum: float) -> Parser:
    what = "a whole number" if kind is int else "a number"

    def parse(raw: str) -> Any:
        try:
            value = kind(raw)
        except ValueError:
            raise ValueError(f"must be {what}, got {raw!r}") from None
        if not minimum <= value <= maximum:  # also rejects nan
            raise ValueError(f"must be between {minimum:g} and {maximum:g}, got {value:g}")
        return value

    return parse


def whole(minimum: int, maximum: int) -> Parser:
    return _ranged(int, minimum, maximum)


def number(minimum: float, maximum: float) -> Parser:
    return _ranged(float, minimum, maximum)


def flag(raw: str) -> bool:
    lowered = raw.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"must be true or false, got {raw!r}")


def url(*schemes: str) -> Parser:
    prefixes = tuple(f"{s}://" for s in schemes)

    def parse(raw: str) -> str:
        if not raw.startswith(prefixes):
            raise ValueError(f"must start with {' or '.join(prefixes)}, got {raw!r}")
        return raw.rstrip("/")

    return parse


FAST_PATHS = ("auto", "onnx", "off")  # bot/engine/fastpath.MODES (not imported: it needs numpy)


def fast_path(raw: str) -> str:
    mode = raw.lower()
    if mode not in FAST_PATHS:
        raise ValueError(f"must be one of {', '.join(FAST_PATHS)}, got {raw!r}")
    return mode


def log_level(raw: str) -> str:
    level = raw.upper()
    if level not in LOG_LEVELS:
        raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}, got {level!r}")
    return level


def name_list(raw: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))
    if not names:
        raise ValueError(f"must name at least one model, got {raw!r}")
    if len(names) > MAX_MODELS:
        raise ValueError(f"can name at most {MAX_MODELS} models (a Discord menu's limit), got {len(names)}")
    return names


def database_url(raw: str) -> str:
    from bot.store import StoreConfigError
    from bot.store.engine import check_url

    try:
        return check_url(raw).render_as_string(hide_password=False)
    except StoreConfigError as exc:  # its message never echoes a password
        raise ValueError(str(exc).removeprefix("DATABASE_URL ").rstrip(".")) from None


def id_list(raw: str) -> tuple[int, ...]:
    try:
        return tuple(sorted({int(part) for part in raw.replace(" ", "").split(",") if part}))
    except ValueError:
        raise ValueError(f"must be comma-separated whole numbers like 0,1, got {raw!r}") from None


# ---------------------------------------------------------------------------------------------- rows

Default = Any  # a value, or a function of the values read so far (rows are read in order)


@dataclass(frozen=True)
class Setting:
    name: str  # the environment variable
    parse: Parser
    default: Default
    help: str

    @property
    def field(self) -> str:
        return self.name.lower()


ROWS: tuple[Setting, ...] = (
    Setting("DISCORD_TOKEN", text, None, "Bot token; required to run the bot, not for the CLI."),
    Setting("DEV_GUILD_ID", whole(1, 2**63 - 1), None, "Guild to sync commands to at start-up."),
    Setting("SYNC_COMMANDS", flag, True, "Set false to skip that dev-guild sync."),
    Setting("MODEL", text, DEFAULT_MODEL, "Hugging Face id, local directory, or `bundled`."),
    Setting(
        "MODELS",
        name_list,
        (),
        "Comma-separated models users may choose from; the first is the default (replaces MODEL).",
    ),
    Setting(
        "MODEL_MEMORY_MB",
        whole(64, 1_000_000),
        4096,
        "Memory for loaded models, MiB; the least recently used is unloaded beyond it.",
    ),
    Setting("MAX_CHARS", whole(10, 4000), DEFAULT_MAX_CHARS, "Longest sentence accepted, in characters."),
    Setting(
        "MAX_TOKENS",
        whole(8, 512),
        DEFAULT_MAX_TOKENS,
        "Longest sentence accepted, in tokens (8-512); a model with fewer positions "
        "(max_position_embeddings, less RoBERTa's 2) caps it lower.",
    ),
    Setting(
        "WORKERS",
        whole(1, 64),
        lambda _: max(1, min(CPUS, 4)),
        "Threads for tokenizing, forward passes and drawing (default: cores, at most 4).",
    ),
    Setting(
        "TORCH_THREADS",
        whole(1, 256),
        # Each worker runs its own forward pass; more torch threads than cores per worker only adds
        # contention.
        lambda values: max(1, CPUS // values["workers"]),
        "Torch intra-op threads per forward pass (default: cores / WORKERS).",
    ),
    Setting(
        "FAST_PATH",
        fast_path,
        "auto",
        # bot/engine/fastpath.py. auto: ONNX Runtime when `bertlens[fast]` is installed, the
        # architecture is a checked one and the self-check against eager transformers passes (every
        # attention weight and hidden state within 2e-4 at 8, 33 and 130 tokens), else eager with one
        # WARNING saying why; onnx: the same, but a failure stops the start-up; off: eager only. The
        # export is kept in DATA_DIR/onnx/ (seconds once per model; later starts load it). The bot
        # only: the command line always runs eager (one forward pass never repays a session).
        "Forward pass through ONNX Runtime: auto (when installed and checked), onnx (required) or off.",
    ),
    Setting("QUEUE_LIMIT", whole(1, 10_000), 8, "Requests that may wait for a worker before 'busy'."),
    Setting("CACHE_MB", whole(0, 1_000_000), DEFAULT_CACHE_MB, "Memory for cached forward passes, MiB."),
    Setting("COOLDOWN_RATE", whole(0, 1000), 5, "Analyses per user per COOLDOWN_SECONDS; 0 disables."),
    Setting("COOLDOWN_SECONDS", number(0.0, 86_400.0), 30.0, "The cooldown window, in seconds."),
    Setting("VIEW_TIMEOUT", number(10.0, 900.0), 600.0, "Seconds before paging buttons disable."),
    Setting("VIEW_ANYONE", flag, False, "Let anyone drive the paging buttons, not only the invoker."),
    Setting("SHUTDOWN_GRACE", number(0.0, 600.0), 20.0, "Seconds a stopping bot waits for requests."),
    Setting("CONNECT_TIMEOUT", number(1.0, 600.0), 30.0, "Seconds to reach Discord at start-up."),
    Setting("LOG_LEVEL", log_level, "INFO", "DEBUG, INFO, WARNING, ERROR or CRITICAL."),
    Setting("DISCORD_API_BASE", url("http", "https"), None, "Another Discord-compatible REST base."),
    Setting("DISCORD_GATEWAY_URL", url("ws", "wss"), None, "Another Discord-compatible gateway."),
    Setting("SHARD_COUNT", whole(1, 10_000), None, "Total shards across all processes."),
    Setting("SHARD_IDS", id_list, None, "The shards this process runs, comma-separated."),
    Setting("QUIZ_SECONDS", whole(10, 600), 60, "Seconds before a /quiz reveals itself."),
    Setting("DATA_DIR", text, "data", "Folder for the SQLite database of server settings and quizzes."),
    Setting(
        "DATABASE_URL",
        database_url,
        None,
        "sqlite+aiosqlite:///… (default: a file in DATA_DIR) or postgresql+asyncpg://… shared by clusters.",
    ),
    Setting("SETTINGS_TTL", number(1.0, 3600.0), 30.0, "Seconds before another cluster's change is seen."),
    Setting("HEALTH_PORT", whole(1, 65535), None, "Port for GET /healthz; off unless set."),
    Setting("HEALTH_FILE", text, None, "Status file refreshed while healthy; off unless set."),
)


def _cross_checks(values: Mapping[str, Any]) -> list[str]:
    """Problems that involve two settings at once."""
    ids, count = values["shard_ids"], values["shard_count"]
    if ids is None:
        return []
    if count is None:
        return ["SHARD_IDS needs SHARD_COUNT too (the total number of shards)."]
    if any(not 0 <= i < count for i in ids):
        return [f"SHARD_IDS must be between 0 and SHARD_COUNT-1 ({count - 1})."]
    return []


def _resolve(env: Mapping[str, str], problems: list[str]) -> dict[str, Any]:
    """The one loop: every row parsed (or defaulted), every problem collected."""
    values: dict[str, Any] = {}
    for row in ROWS:
        raw = env.get(row.name, "").strip()
        default = row.default(values) if callable(row.default) else row.default
        if not raw:
            values[row.field] = default
            continue
        try:
            values[row.field] = row.parse(raw)
        except ValueError as exc:
            problems.append(f"{row.name} {exc}.")
            values[row.field] = default
    return values


DEFAULTS = _resolve({}, [])


# -------------------------------------------------------------------------------------------- values


@dataclass(frozen=True)
class Settings:
    """The values of ``ROWS`` (field = variable name in lower case); defaults come from the rows."""

    discord_token: str | None = DEFAULTS["discord_token"]
    dev_guild_id: int | None = DEFAULTS["dev_guild_id"]
    sync_commands: bool = DEFAULTS["sync_commands"]
    model: str = DEFAULTS["model"]
    models: tuple[str, ...] = DEFAULTS["models"]
    model_memory_mb: int = DEFAULTS["model_memory_mb"]
    max_chars: int = DEFAULTS["max_chars"]
    max_tokens: int = DEFAULTS["max_tokens"]
    workers: int = DEFAULTS["workers"]
    torch_threads: int = DEFAULTS["torch_threads"]
    fast_path: str = DEFAULTS["fast_path"]
    queue_limit: int = DEFAULTS["queue_limit"]
    cache_mb: int = DEFAULTS["cache_mb"]
    cooldown_rate: int = DEFAULTS["cooldown_rate"]
    cooldown_seconds: float = DEFAULTS["cooldown_seconds"]
    view_timeout: float = DEFAULTS["view_timeout"]
    view_anyone: bool = DEFAULTS["view_anyone"]
    shutdown_grace: float = DEFAULTS["shutdown_grace"]
    connect_timeout: float = DEFAULTS["connect_timeout"]
    log_level: str = DEFAULTS["log_level"]
    discord_api_base: str | None = DEFAULTS["discord_api_base"]
    discord_gateway_url: str | None = DEFAULTS["discord_gateway_url"]
    shard_count: int | None = DEFAULTS["shard_count"]
    shard_ids: tuple[int, ...] | None = DEFAULTS["shard_ids"]
    quiz_seconds: int = DEFAULTS["quiz_seconds"]
    data_dir: str = DEFAULTS["data_dir"]
    database_url: str | None = DEFAULTS["database_url"]
    settings_ttl: float = DEFAULTS["settings_ttl"]
    health_port: int | None = DEFAULTS["health_port"]
    health_file: str | None = DEFAULTS["health_file"]

    def __post_init__(self) -> None:
        # MODELS, when set, names the default too; otherwise MODEL is the only model.
        if not self.models:
            object.__setattr__(self, "models", (self.model,))
        elif self.model != self.models[0]:
            object.__setattr__(self, "model", self.models[0])

    def with_models(self, *names: str) -> Settings:
        """These settings with other models (the CLI's --model); the first is the default."""
        return replace(self, model=names[0], models=tuple(dict.fromkeys(names)))

    def store_url(self) -> str:
        """DATABASE_URL, or the SQLite file in DATA_DIR (the folder is created)."""
        from bot.store import default_url

        return self.database_url or default_url(self.data_dir)

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
    problems: list[str] = []
    values = _resolve(_env(os.environ if environ is None else environ, dotenv_path), problems)
    problems.extend(_cross_checks(values))
    if problems:
        raise ConfigError("Settings problem" + ("s" if len(problems) > 1 else "") + ": " + " ".join(problems))
    return Settings(**values)
