"""Per-server settings and quiz state in a database: SQLite by default, PostgreSQL for several bot
processes. What is stored, and for how long: README.md beside this file.
"""

from __future__ import annotations

from bot.store.engine import (
    StoreConfigError,
    StoreUnavailable,
    check_url,
    create_engine,
    default_url,
    url_from_env,
)
from bot.store.quiz import Quiz, QuizClosed, QuizStore, Tally
from bot.store.schema import migrate
from bot.store.settings import LANGUAGES, GuildSettings, InvalidSetting, SettingsCache
from bot.store.store import Store

__all__ = [
    "LANGUAGES",
    "GuildSettings",
    "InvalidSetting",
    "Quiz",
    "QuizClosed",
    "QuizStore",
    "SettingsCache",
    "Store",
    "StoreConfigError",
    "StoreUnavailable",
    "Tally",
    "check_url",
    "create_engine",
    "default_url",
    "migrate",
    "url_from_env",
]
