"""The fake's internal state, shared by its parts (gateway, pushes, REST routes, message store).

``FakeState`` is the base of every part of :class:`~tests.helpers.fake_discord.server.FakeDiscord`: it
declares the attributes ``FakeDiscord.__init__`` sets up and the few primitives they all use (the
condition that guards the state and wakes waiters, snowflakes, running a coroutine on the fake's loop).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .constants import API_PREFIX, DISCORD_EPOCH_MS
from .records import (
    FakeUser,
    GatewayFrame,
    InteractionHandle,
    RecordedRequest,
    StoredAttachment,
    StoredMessage,
    UploadedFile,
)

if TYPE_CHECKING:
    from .ratelimits import RateLimit
    from .rest import Route


@dataclass
class Connection:
    """One gateway websocket."""

    id: int
    ws: web.WebSocketResponse
    transport: Any
    compression: str | None
    compressor: Any = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    session: Session | None = None
    closed: bool = False


@dataclass
class Session:
    """A gateway session: outlives its connection, so a client can RESUME it."""

    id: str
    shard: tuple[int, int]
    intents: int
    seq: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    connection: Connection | None = None


@dataclass
class InteractionState:
    """What Discord knows about one interaction it sent."""

    handle: InteractionHandle
    created: float
    channel_id: int
    guild_id: int | None
    source_message_id: int | None = None  # the message a component lives on
    response_type: int | None = None
    original_message_id: int | None = None
    autocomplete_choices: list[dict[str, Any]] | None = None
    modal: dict[str, Any] | None = None


@dataclass
class Request:
    """One REST request as a route handler sees it."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: list[UploadedFile]
    params: dict[str, str]
    authorized: bool

    @property
    def with_response(self) -> bool:
        return self.query.get("with_response", "").lower() in {"1", "true"}

    @property
    def wait(self) -> bool:
        return self.query.get("wait", "").lower() in {"1", "true"}


class FakeState:
    """Attributes and primitives shared by every part of the fake; ``FakeDiscord.__init__`` fills them."""

    # Configuration (constructor arguments; see FakeDiscord).
    heartbeat_interval: int
    shard_count: int
    compression: bool
    interaction_timeout: float | None
    attachment_size_limit: int
    guild_locale: str
    allowed_privileged_intents: int
    dispatch_message_events: bool
    app_permissions: int | None
    bucket_limit: int
    bucket_window: float
    spec_check: bool

    # The guild and its people.
    application_id: int
    guild_id: int
    channel_id: int
    admin_role_id: int
    bot_role_id: int
    bot_user: FakeUser
    token: str
    owner: FakeUser
    invoker: FakeUser
    other: FakeUser
    admin: FakeUser
    users: dict[str, FakeUser]
    role_permissions: dict[int, int]

    # Everything below is guarded by _cond.
    _cond: threading.Condition
    _async_waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]
    _ids: Iterator[int]  # gateway connection numbers
    _last_snowflake: int
    _requests: list[RecordedRequest]
    _rate_limited: list[RecordedRequest]
    _rate_limits: list[RateLimit]
    _unknown_routes: list[str]
    _warnings: list[str]
    _spec_violations: list[str]
    _spec_violations_taken: int
    _frames: list[GatewayFrame]
    _heartbeats: list[tuple[int, float]]
    _identifies: list[dict[str, Any]]
    _resumes: list[dict[str, Any]]
    _presences: list[dict[str, Any]]
    _messages: dict[int, StoredMessage]
    _global_commands: dict[tuple[str, int], dict[str, Any]]
    _guild_commands: dict[int, dict[tuple[str, int], dict[str, Any]]]
    _interactions: dict[int, InteractionState]
    _interactions_by_token: dict[str, InteractionState]
    _sessions: dict[str, Session]
    _connections: dict[int, Connection]
    _ready_count: int
    _connection_log: list[dict[str, Any]]
    _uploaded_for_commands: dict[int, StoredAttachment]

    _routes: list[Route]
    _loop: asyncio.AbstractEventLoop | None
    _runner: web.AppRunner | None
    _thread: threading.Thread | None
    _port: int | None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def api_base(self) -> str:
        return f"{self.base_url}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self._port}/gateway"

    def _snowflake(self) -> int:
        with self._cond:
            value = max(int(time.time() * 1000 - DISCORD_EPOCH_MS) << 22, self._last_snowflake + 1)
            self._last_snowflake = value
            return value

    def _run(self, coro: Coroutine[Any, Any, Any], timeout: float = 10.0) -> Any:
        """Run a coroutine on the fake's loop from any other thread and wait for it."""
        if self._loop is None or self._thread is None:
            coro.close()
            raise RuntimeError("FakeDiscord is not running; call start() first")
        if threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError("cannot block the fake's own loop")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def _notify(self) -> None:
        """Wake everything waiting on the fake's state (wait_for and async_wait_for)."""
        with self._cond:
            self._cond.notify_all()
            waiters = list(self._async_waiters)
        for loop, event in waiters:
            # RuntimeError: that loop has closed, and its waiter with it.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(event.set)

    def _warn(self, text: str) -> None:
        with self._cond:
            self._warnings.append(text)
        self._notify()
