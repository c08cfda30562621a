"""``FakeDiscord``: the fake Discord's public face. It runs the gateway and the REST API on one
127.0.0.1 port, in its own thread with its own event loop, and offers thread-safe views of everything
that happened and ways to wait for it. See tests/e2e/README.md for a tour.

The parts live in their own modules and are mixed in here: the guild and its people (``guild.py``), the
gateway (``gateway.py``), the message store (``messages.py``), pushing interactions (``push.py``) and
the REST routes (``rest.py`` and ``routes/``), with Discord's rules in ``rules.py``, rate limits in
``ratelimits.py`` and the check against Discord's OpenAPI spec in ``openapi/``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import socket
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from aiohttp import WSCloseCode, web

from bot import limits

from .constants import ADMINISTRATOR, EVERYONE_PERMISSIONS, MANAGE_MESSAGES, PRIVILEGED_INTENTS
from .ids import (
    ADMIN_ROLE_ID,
    APPLICATION_ID,
    BOT_ROLE_ID,
    BOT_USER_ID,
    GUILD_ID,
    OWNER_ID,
    TEXT_CHANNEL_ID,
    fixed_id,
    make_bot_token,
)
from .push import PushMixin
from .ratelimits import RateLimit
from .records import (
    FakeUser,
    GatewayFrame,
    InteractionHandle,
    RecordedRequest,
    StoredAttachment,
    StoredMessage,
)
from .rest import RestMixin
from .state import Connection, InteractionState, Session

T = TypeVar("T")

# Started fakes whose spec violations may not all have been taken yet (see take_all_spec_violations).
_UNCHECKED: list[FakeDiscord] = []


class FakeDiscord(PushMixin, RestMixin):
    """Fake Discord gateway + REST API. See tests/e2e/README.md for a tour."""

    def __init__(
        self,
        *,
        heartbeat_interval: int = 500,
        shards: int = 1,
        compression: bool = True,
        interaction_timeout: float | None = limits.ACK_SECONDS,
        attachment_size_limit: int = limits.FILESIZE_DEFAULT,
        guild_locale: str = "en-US",
        app_permissions: int | None = None,
        allowed_privileged_intents: int = PRIVILEGED_INTENTS,
        dispatch_message_events: bool = True,
        bot_name: str = "BERT Lens",
        bucket_limit: int = 50,
        bucket_window: float = 1.0,
        spec_check: bool = True,
    ) -> None:
        self.heartbeat_interval = heartbeat_interval
        self.shard_count = shards
        self.compression = compression
        self.interaction_timeout = interaction_timeout
        self.attachment_size_limit = attachment_size_limit
        self.guild_locale = guild_locale
        self.allowed_privileged_intents = allowed_privileged_intents
        self.dispatch_message_events = dispatch_message_events
        # Every route's rate-limit bucket, as the X-RateLimit-* headers describe it (see ratelimits.py).
        self.bucket_limit = bucket_limit
        self.bucket_window = bucket_window
        # Check every request against Discord's OpenAPI spec (openapi/); False only to test the fake.
        self.spec_check = spec_check

        self.application_id = APPLICATION_ID
        self.guild_id = GUILD_ID
        self.channel_id = TEXT_CHANNEL_ID
        self.admin_role_id = ADMIN_ROLE_ID
        self.bot_role_id = BOT_ROLE_ID
        self.bot_user = FakeUser(
            "bot", BOT_USER_ID, bot_name.lower().replace(" ", ""), bot_name, True, (BOT_ROLE_ID,)
        )
        self.token = make_bot_token(self.bot_user.id)
        self.owner = FakeUser("owner", OWNER_ID, "owner", "Owner")
        self.invoker = FakeUser("invoker", fixed_id(201), "invoker", "Invoker")
        self.other = FakeUser("other", fixed_id(202), "other", "Other User")
        self.admin = FakeUser("admin", fixed_id(203), "admin", "Admin", role_ids=(ADMIN_ROLE_ID,))
        self.users: dict[str, FakeUser] = {
            u.key: u for u in (self.invoker, self.other, self.admin, self.owner)
        }
        self.role_permissions: dict[int, int] = {
            GUILD_ID: EVERYONE_PERMISSIONS,  # @everyone shares the guild's id
            ADMIN_ROLE_ID: ADMINISTRATOR,
            BOT_ROLE_ID: MANAGE_MESSAGES,
        }
        # None: computed from the bot's roles. Set an int to simulate a bot missing permissions.
        self.app_permissions = app_permissions

        self._cond = threading.Condition(threading.RLock())
        self._async_waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._ids = itertools.count(1)
        self._last_snowflake = 0

        self._requests: list[RecordedRequest] = []
        self._rate_limited: list[RecordedRequest] = []
        self._rate_limits: list[RateLimit] = []
        self._buckets = {}
        self._holds = {}
        self._stalls: list[list[Any]] = []  # [route, count left, threading.Event]
        self._unknown_routes: list[str] = []
        self._warnings: list[str] = []
        self._spec_violations: list[str] = []
        self._spec_violations_taken = 0
        self._frames: list[GatewayFrame] = []
        self._heartbeats: list[tuple[int, float]] = []
        self._identifies: list[dict[str, Any]] = []
        self._resumes: list[dict[str, Any]] = []
        self._presences: list[dict[str, Any]] = []
        self._messages: dict[int, StoredMessage] = {}
        self._global_commands: dict[tuple[str, int], dict[str, Any]] = {}
        self._guild_commands: dict[int, dict[tuple[str, int], dict[str, Any]]] = {}
        self._interactions: dict[int, InteractionState] = {}
        self._interactions_by_token: dict[str, InteractionState] = {}
        self._sessions: dict[str, Session] = {}
        self._connections: dict[int, Connection] = {}
        self._ready_count = 0
        self._connection_log: list[dict[str, Any]] = []
        self._uploaded_for_commands: dict[int, StoredAttachment] = {}

        self._routes = self._build_routes()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # ----------------------------------------------------------------------------------
    # Lifecycle
    # ----------------------------------------------------------------------------------

    def start(self) -> FakeDiscord:
        if self._thread is not None:
            raise RuntimeError("FakeDiscord already started")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        started = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._serve(sock))
            except BaseException as exc:  # surfaced to start()'s caller below
                failure.append(exc)
                started.set()
                loop.close()
                return
            started.set()
            loop.run_forever()
            loop.run_until_complete(self._teardown())
            loop.close()

        _UNCHECKED.append(self)
        self._thread = threading.Thread(target=run, name=f"fake-discord-{self._port}", daemon=True)
        self._thread.start()
        started.wait(10)
        if failure:
            self._thread.join()
            raise RuntimeError("FakeDiscord failed to start") from failure[0]
        return self

    def stop(self) -> None:
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        if not loop.is_closed():
            loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        self._thread = None

    @staticmethod
    def take_all_spec_violations() -> list[str]:
        """The spec violations not taken yet of every fake started in this process (stopped ones are then
        forgotten): tests/e2e/conftest.py fails the test during which a request broke the spec."""
        violations = [v for fake in _UNCHECKED for v in fake.take_spec_violations()]
        _UNCHECKED[:] = [fake for fake in _UNCHECKED if fake._thread is not None]
        return violations

    def __enter__(self) -> FakeDiscord:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _serve(self, sock: socket.socket) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway_handler)
        app.router.add_route("*", "/{tail:.*}", self._http_handler)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()

    async def _teardown(self) -> None:
        for connection in list(self._connections.values()):
            connection.closed = True
            await connection.ws.close(code=WSCloseCode.GOING_AWAY, message=b"fake discord stopping")
        if self._runner is not None:
            await self._runner.cleanup()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # ----------------------------------------------------------------------------------
    # Thread-safe views of what happened
    # ----------------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._cond:
            return list(self._requests)

    @property
    def unknown_routes(self) -> list[str]:
        """ "METHOD /path" for every request no route matched (answered 404)."""
        with self._cond:
            return list(self._unknown_routes)

    @property
    def warnings(self) -> list[str]:
        """Things real Discord would silently do differently, e.g. a dangling attachment:// ref."""
        with self._cond:
            return list(self._warnings)

    @property
    def frames(self) -> list[GatewayFrame]:
        with self._cond:
            return list(self._frames)

    @property
    def messages(self) -> list[StoredMessage]:
        """Every message the bot created, oldest first, in its latest state (deleted ones too)."""
        with self._cond:
            return sorted(self._messages.values(), key=lambda m: m.id)

    def message(self, message_id: int) -> StoredMessage:
        with self._cond:
            return self._messages[int(message_id)]

    @property
    def identifies(self) -> list[dict[str, Any]]:
        """IDENTIFY payloads (token removed); ``shard`` is there when the client sent one."""
        with self._cond:
            return list(self._identifies)

    @property
    def identify_count(self) -> int:
        with self._cond:
            return len(self._identifies)

    @property
    def resume_count(self) -> int:
        with self._cond:
            return len(self._resumes)

    @property
    def ready_count(self) -> int:
        """How many READY + GUILD_CREATE sequences have been sent."""
        with self._cond:
            return self._ready_count

    @property
    def presences(self) -> list[dict[str, Any]]:
        with self._cond:
            return list(self._presences)

    @property
    def heartbeats(self) -> list[tuple[int, float]]:
        """(connection number, monotonic arrival time) for every HEARTBEAT received."""
        with self._cond:
            return list(self._heartbeats)

    def heartbeat_gaps(self) -> list[float]:
        """Seconds between consecutive heartbeats on the same connection."""
        by_connection: dict[int, list[float]] = {}
        for connection, at in self.heartbeats:
            by_connection.setdefault(connection, []).append(at)
        gaps: list[float] = []
        for times in by_connection.values():
            gaps.extend(b - a for a, b in itertools.pairwise(times))
        return gaps

    def max_heartbeat_gap(self) -> float:
        """The worst gap between heartbeats: how long the bot's event loop stalled, plus one interval."""
        return max(self.heartbeat_gaps(), default=0.0)

    @property
    def connection_log(self) -> list[dict[str, Any]]:
        """One entry per gateway connection: its id, query string and the compression used."""
        with self._cond:
            return [dict(c) for c in self._connection_log]

    @property
    def connected(self) -> bool:
        with self._cond:
            return any(s.connection is not None and not s.connection.closed for s in self._sessions.values())

    def commands(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        """Commands as synced by the bot (with the ids the fake assigned). None: global ones."""
        with self._cond:
            store = self._global_commands if guild_id is None else self._guild_commands.get(guild_id, {})
            return [dict(c) for c in store.values()]

    def responses_for(self, handle: InteractionHandle) -> list[RecordedRequest]:
        """Every callback, follow-up, edit, fetch and delete made for this interaction, in order."""
        with self._cond:
            return [r for r in self._requests if r.interaction_id == handle.id]

    def messages_for(self, handle: InteractionHandle) -> list[StoredMessage]:
        """Messages created for this interaction (original response first, then follow-ups)."""
        with self._cond:
            return sorted(
                (m for m in self._messages.values() if m.interaction_id == handle.id), key=lambda m: m.id
            )

    def original_message(self, handle: InteractionHandle) -> StoredMessage | None:
        """The message @original refers to: the response, or for components the clicked message."""
        with self._cond:
            state = self._interactions[handle.id]
            if state.original_message_id is None:
                return None
            return self._messages.get(state.original_message_id)

    def autocomplete_choices(self, handle: InteractionHandle) -> list[dict[str, Any]] | None:
        with self._cond:
            return self._interactions[handle.id].autocomplete_choices

    def modal_for(self, handle: InteractionHandle) -> dict[str, Any] | None:
        with self._cond:
            return self._interactions[handle.id].modal

    def response_type(self, handle: InteractionHandle) -> int | None:
        """The callback type the bot acknowledged with, or None if it has not (yet)."""
        with self._cond:
            return self._interactions[handle.id].response_type

    # ----------------------------------------------------------------------------------
    # Waiting
    # ----------------------------------------------------------------------------------

    def wait_for(self, predicate: Callable[[], T | None], timeout: float = 5.0, description: str = "") -> T:
        """Block until ``predicate()`` is truthy and return its value.

        The predicate is re-checked whenever the fake records something, so it should depend
        on the fake's state. Do not call this from a coroutine: if the bot runs in the same
        loop it could never answer. Use :meth:`async_wait_for` there.
        """
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise RuntimeError("wait_for() would block the running event loop; use `await async_wait_for()`")
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                result = predicate()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(self._timeout_message(timeout, description or predicate))
                self._cond.wait(remaining)

    async def async_wait_for(
        self, predicate: Callable[[], T | None], timeout: float = 5.0, description: str = ""
    ) -> T:
        """Like :meth:`wait_for` but yields to the caller's event loop while waiting."""
        loop = asyncio.get_running_loop()
        event = asyncio.Event()
        waiter = (loop, event)
        with self._cond:
            self._async_waiters.add(waiter)
        try:
            deadline = loop.time() + timeout
            while True:
                event.clear()
                result = predicate()
                if result:
                    return result
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise TimeoutError(self._timeout_message(timeout, description or predicate))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), remaining)
        finally:
            with self._cond:
                self._async_waiters.discard(waiter)

    def wait_until_ready(self, count: int = 1, timeout: float = 10.0) -> None:
        self.wait_for(lambda: self.ready_count >= count, timeout, f"{count} READY + GUILD_CREATE")

    async def async_wait_until_ready(self, count: int = 1, timeout: float = 10.0) -> None:
        await self.async_wait_for(lambda: self.ready_count >= count, timeout, f"{count} READY + GUILD_CREATE")

    def _responses_at_least(self, handle: InteractionHandle, count: int) -> list[RecordedRequest] | None:
        responses = self.responses_for(handle)
        return responses if len(responses) >= count else None

    def wait_for_responses(
        self, handle: InteractionHandle, count: int = 1, timeout: float = 5.0
    ) -> list[RecordedRequest]:
        return self.wait_for(
            lambda: self._responses_at_least(handle, count), timeout, f"{count} responses to {handle}"
        )

    async def async_wait_for_responses(
        self, handle: InteractionHandle, count: int = 1, timeout: float = 5.0
    ) -> list[RecordedRequest]:
        return await self.async_wait_for(
            lambda: self._responses_at_least(handle, count), timeout, f"{count} responses to {handle}"
        )

    def _timeout_message(self, timeout: float, what: Any) -> str:
        recent = [f"{r.method} {r.path} -> {r.status}" for r in self.requests[-8:]]
        return (
            f"timed out after {timeout}s waiting for {what}; connected={self.connected} "
            f"unknown_routes={self.unknown_routes} last requests={recent} "
            f"rate_limited={[f'{r.method} {r.path}' for r in self.rate_limited[-4:]]}"
        )
