"""Container health: is the bot connected, is the gateway heartbeat recent, is the worker pool moving?

Off unless HEALTH_FILE or HEALTH_PORT is set (the Docker image sets HEALTH_FILE). The bot refreshes
the status every few seconds; ``python -m bot health`` (the image's HEALTHCHECK) reads it and exits 0
when healthy, 1 otherwise.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bot.settings import Settings

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 10.0
HEARTBEAT_STALE_SECONDS = 120.0  # Discord asks for a heartbeat every ~41 s; three missed acks is dead
WEDGED_SECONDS = 120.0
FILE_STALE_SECONDS = 3 * INTERVAL_SECONDS


@dataclass(frozen=True)
class Status:
    ok: bool
    connected: bool
    heartbeat_age: float | None
    pending: int
    stalled_for: float
    time: float
    reason: str


def _heartbeat_age(bot: Any) -> float | None:
    """Seconds since the gateway last acknowledged a heartbeat (the oldest across shards)."""
    sockets = [getattr(bot, "ws", None)]
    shards = getattr(bot, "shards", None)
    if isinstance(shards, dict) and shards:
        sockets = [getattr(getattr(info, "_parent", None), "ws", None) for info in shards.values()]
    ages = []
    for ws in sockets:
        keep_alive = getattr(ws, "_keep_alive", None)
        last_ack = getattr(keep_alive, "_last_ack", None)
        if last_ack is None:
            return None
        ages.append(time.perf_counter() - last_ack)  # discord.py stamps acks with perf_counter
    return max(ages) if ages else None


def check(bot: Any) -> Status:
    connected = bool(bot.is_ready()) and not bot.is_closed()
    age = _heartbeat_age(bot) if connected else None
    pending = bot.service.pending
    stalled = bot.service.stalled_for()
    reasons = []
    if not connected:
        reasons.append("not connected to the gateway")
    elif age is None or age > HEARTBEAT_STALE_SECONDS:
        reasons.append("no recent heartbeat acknowledgement")
    if stalled > WEDGED_SECONDS:
        reasons.append(f"worker pool made no progress for {stalled:.0f}s")
    return Status(
        ok=not reasons,
        connected=connected,
        heartbeat_age=age,
        pending=pending,
        stalled_for=stalled,
        time=time.time(),
        reason="; ".join(reasons) or "ok",
    )


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, prefix=".health-") as handle:
        handle.write(text)
    os.replace(handle.name, path)


class HealthReporter:
    """Refreshes HEALTH_FILE and serves GET /healthz on HEALTH_PORT while the bot runs."""

    def __init__(self, bot: Any, settings: Settings) -> None:
        self.bot = bot
        self.file = Path(settings.health_file) if settings.health_file else None
        self.port = settings.health_port
        self._task: asyncio.Task[None] | None = None
        self._runner: Any = None

    @property
    def enabled(self) -> bool:
        return self.file is not None or self.port is not None

    async def start(self) -> None:
        if not self.enabled:
            return
        if self.port is not None:
            from aiohttp import web

            app = web.Application()
            app.router.add_get("/healthz", self._serve)
            self._runner = web.AppRunner(app, access_log=None)
            await self._runner.setup()
            await web.TCPSite(self._runner, "0.0.0.0", self.port).start()
            log.info("Health endpoint on port %d", self.port)
        self._task = asyncio.create_task(self._refresh(), name="health")

    async def _serve(self, request: Any) -> Any:
        from aiohttp import web

        status = check(self.bot)
        return web.json_response(asdict(status), status=200 if status.ok else 503)

    async def refresh(self) -> None:
        """Write the current status now (also called on READY, so a container turns healthy at once)."""
        if self.file is None:
            return
        status = check(self.bot)
        try:
            await asyncio.to_thread(_write_atomically, self.file, json.dumps(asdict(status)))
        except OSError:
            log.warning("cannot write health file %s", self.file, exc_info=True)

    async def _refresh(self) -> None:
        while True:
            await self.refresh()
            await asyncio.sleep(INTERVAL_SECONDS)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
        if self.file is not None:
            self.file.unlink(missing_ok=True)


def probe(settings: Settings) -> tuple[bool, str]:
    """What ``python -m bot health`` reports: (healthy, one line saying why)."""
    if settings.health_port is not None:
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{settings.health_port}/healthz", timeout=5
            ) as reply:
                data = json.load(reply)
        except OSError as exc:  # HTTPError (503) is an OSError too
            return False, f"health endpoint: {exc}"
        return bool(data.get("ok")), str(data.get("reason"))
    if settings.health_file:
        path = Path(settings.health_file)
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            return False, f"no health file yet ({exc.__class__.__name__})"
        age = time.time() - float(data.get("time", 0))
        if age > FILE_STALE_SECONDS:
            return False, f"health file is {age:.0f}s old: the bot is not refreshing it"
        return bool(data.get("ok")), str(data.get("reason"))
    return False, "health checks are off: set HEALTH_FILE or HEALTH_PORT"
