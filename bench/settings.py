"""A server's settings on a command's hot path: what reading them costs next to the /attention request
it precedes, with the database up and with it gone (issue: no command waits on the database).

Commands read a server's settings from the store's in-memory cache (``SettingsCache.get``, refreshed in
the background every SETTINGS_TTL); this measures that read on a real SQLite store holding one
server's settings, then again after the database file's engine is disposed and the file deleted, where
a read that touched the database would fail or wait for its timeout."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

GUILD = 111_111_111_111_111_111
READS = 20_000


@dataclass(frozen=True)
class SettingsRead:
    up_us: float  # median microseconds per read, database up
    down_us: float  # the same with the database gone
    language: str | None  # what the reads returned (the saved setting, both times)


def _per_read_us(read: object, rounds: int = 5) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(READS):
            read()  # type: ignore[operator]
        samples.append((time.perf_counter() - start) / READS * 1e6)
    return statistics.median(samples)


async def _measure(folder: Path) -> SettingsRead:
    from bot.store import Store, default_url

    store = Store.from_url(default_url(folder), ttl=1.0)
    await store.start()
    try:
        await store.settings.set(GUILD, language="ko")
        up = _per_read_us(lambda: store.settings.get(GUILD))
        await store.engine.dispose()
        for path in folder.glob("*.db*"):
            path.unlink()
        down = _per_read_us(lambda: store.settings.get(GUILD))
        language = store.settings.get(GUILD).language
    finally:
        await store.close()
    return SettingsRead(up, down, language)


def measure_settings_read() -> SettingsRead:
    with tempfile.TemporaryDirectory() as folder:
        return asyncio.run(_measure(Path(folder)))
