"""A small but faithful fake of Discord's gateway and REST API for end-to-end tests.

The unmodified discord.py client talks to it over real sockets on 127.0.0.1: point the
library at :attr:`FakeDiscord.api_base` and :attr:`FakeDiscord.gateway_url` with
``bot.discord_endpoints.use_discord_endpoints`` and log in with :attr:`FakeDiscord.token`.

The fake runs its own event loop in its own thread, so it neither depends on nor blocks the
test's loop, and works the same whether the bot runs in-process or as a subprocess.

It mirrors the parts of Discord a slash-command bot depends on, including the rules that
bite in production: an interaction must be acknowledged within 3 seconds and only once,
the first follow-up after a "thinking" defer edits the loading message instead of
creating a new one, embed-referenced ``attachment://`` files leave ``attachments``, and
message/embed/component/autocomplete limits are enforced with Discord-style 400 errors.

Everything the bot sends is recorded (see :class:`RecordedRequest`); authorization header
values never are.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import dataclasses
import itertools
import json
import mimetypes
import re
import secrets
import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from aiohttp import BodyPartReader, WSCloseCode, WSMsgType, web

try:  # discord.py asks for zstd-stream instead of zlib-stream when this is importable
    import zstandard
except ImportError:  # pragma: no cover - depends on the environment
    zstandard = None

T = TypeVar("T")

API_PREFIX = "/api/v10"
DISCORD_EPOCH_MS = 1420070400000

# Gateway opcodes.
OP_DISPATCH, OP_HEARTBEAT, OP_IDENTIFY, OP_PRESENCE, OP_RESUME = 0, 1, 2, 3, 6
OP_RECONNECT, OP_REQUEST_MEMBERS, OP_INVALID_SESSION, OP_HELLO, OP_HEARTBEAT_ACK = 7, 8, 9, 10, 11

# Interaction types.
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5

# Interaction callback types.
CHANNEL_MESSAGE = 4
DEFERRED_CHANNEL_MESSAGE = 5
DEFERRED_UPDATE_MESSAGE = 6
UPDATE_MESSAGE = 7
AUTOCOMPLETE_RESULT = 8
MODAL = 9

# Which callback types Discord accepts for each interaction type.
_ALLOWED_CALLBACKS = {
    APPLICATION_COMMAND: {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, MODAL},
    MESSAGE_COMPONENT: {
        CHANNEL_MESSAGE,
        DEFERRED_CHANNEL_MESSAGE,
        DEFERRED_UPDATE_MESSAGE,
        UPDATE_MESSAGE,
        MODAL,
    },
    AUTOCOMPLETE: {AUTOCOMPLETE_RESULT},
    MODAL_SUBMIT: {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE},
}

# Message flags.
FLAG_SUPPRESS_EMBEDS = 1 << 2
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7
FLAG_SUPPRESS_NOTIFICATIONS = 1 << 12
FLAG_COMPONENTS_V2 = 1 << 15
_SETTABLE_FLAGS = FLAG_SUPPRESS_EMBEDS | FLAG_EPHEMERAL | FLAG_SUPPRESS_NOTIFICATIONS | FLAG_COMPONENTS_V2

# Permission bits (https://discord.com/developers/docs/topics/permissions).
CREATE_INSTANT_INVITE = 1 << 0
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
USE_EXTERNAL_EMOJIS = 1 << 18
CHANGE_NICKNAME = 1 << 26
USE_APPLICATION_COMMANDS = 1 << 31
SEND_MESSAGES_IN_THREADS = 1 << 38
USE_EXTERNAL_APPS = 1 << 50
ALL_PERMISSIONS = (1 << 51) - 1

EVERYONE_PERMISSIONS = (
    CREATE_INSTANT_INVITE
    | ADD_REACTIONS
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_EXTERNAL_EMOJIS
    | CHANGE_NICKNAME
    | USE_APPLICATION_COMMANDS
    | SEND_MESSAGES_IN_THREADS
    | USE_EXTERNAL_APPS
)
# What an app gets in its own DM channel.
DM_APP_PERMISSIONS = (
    VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES | READ_MESSAGE_HISTORY | ADD_REACTIONS
)

# Gateway intents that matter to the fake.
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT

VALID_LOCALES = frozenset(
    [
        "id",
        "da",
        "de",
        "en-GB",
        "en-US",
        "es-ES",
        "es-419",
        "fr",
        "hr",
        "it",
        "lt",
        "hu",
        "nl",
        "no",
        "pl",
        "pt-BR",
        "ro",
        "fi",
        "sv-SE",
        "vi",
        "tr",
        "cs",
        "el",
        "bg",
        "ru",
        "uk",
        "hi",
        "th",
        "zh-CN",
        "ja",
        "zh-TW",
        "ko",
    ]
)

# Application command option types.
OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP, OPT_STRING, OPT_INTEGER, OPT_BOOLEAN = 1, 2, 3, 4, 5
OPT_USER, OPT_CHANNEL, OPT_ROLE, OPT_MENTIONABLE, OPT_NUMBER, OPT_ATTACHMENT = 6, 7, 8, 9, 10, 11

# Component types.
ACTION_ROW, BUTTON, STRING_SELECT, TEXT_INPUT = 1, 2, 3, 4
USER_SELECT, ROLE_SELECT, MENTIONABLE_SELECT, CHANNEL_SELECT = 5, 6, 7, 8
LABEL = 18
_SELECTS = {STRING_SELECT, USER_SELECT, ROLE_SELECT, MENTIONABLE_SELECT, CHANNEL_SELECT}
LINK_BUTTON_STYLE = 5
PREMIUM_BUTTON_STYLE = 6

# Keyword arguments of push_slash_command/push_autocomplete that can shadow option names.
_PUSH_KEYWORDS = frozenset({"user", "locale", "guild", "options", "validate", "focused", "name"})

# Fixed ids keep test output readable and assertions stable across runs. They are valid
# snowflakes dated 2024-01-01 so discord.py's snowflake_time() gives sensible values.
_FIXED_BASE = (1704067200000 - DISCORD_EPOCH_MS) << 22


def _fixed_id(n: int) -> int:
    return _FIXED_BASE + n


BOT_USER_ID = _fixed_id(1)
APPLICATION_ID = BOT_USER_ID  # new applications share their bot user's id
GUILD_ID = _fixed_id(100)
TEXT_CHANNEL_ID = _fixed_id(101)
ADMIN_ROLE_ID = _fixed_id(102)
BOT_ROLE_ID = _fixed_id(103)
OWNER_ID = _fixed_id(200)


def make_bot_token(user_id: int = BOT_USER_ID) -> str:
    """A well-formed bot token: base64(user id) . base64(timestamp) . base64(random HMAC-like part).

    Real tokens have this shape; the fake accepts any token whose first part decodes to
    its bot user's id, so a bot configured from the environment can use one made here.
    """

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return ".".join(
        (
            b64(str(user_id).encode()),
            b64(struct.pack(">I", int(time.time()) & 0xFFFFFFFF)),
            b64(secrets.token_bytes(20)),
        )
    )


def token_user_id(token: str) -> int | None:
    """The user id a token claims, or None when it is not shaped like a bot token."""
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        return None
    first = parts[0] + "=" * (-len(parts[0]) % 4)
    try:
        return int(base64.urlsafe_b64decode(first).decode())
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


# --------------------------------------------------------------------------------------
# Public data model. Instances are immutable snapshots so tests can hold on to them while
# the fake keeps changing on its own thread.
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FakeUser:
    key: str
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    role_ids: tuple[int, ...] = ()

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "username": self.username,
            "global_name": self.global_name,
            "discriminator": "0",
            "avatar": None,
            "public_flags": 0,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request, exactly as received."""

    field: str
    filename: str
    content_type: str | None
    data: bytes


@dataclass(frozen=True)
class StoredAttachment:
    id: int
    filename: str
    content_type: str | None
    data: bytes
    url: str
    description: str | None = None
    width: int | None = None
    height: int | None = None

    @property
    def size(self) -> int:
        return len(self.data)

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "filename": self.filename,
            "size": self.size,
            "url": self.url,
            "proxy_url": self.url,
            "content_type": self.content_type,
        }
        if self.description is not None:
            data["description"] = self.description
        if self.width is not None:
            data["width"], data["height"] = self.width, self.height
        return data


@dataclass(frozen=True)
class StoredMessage:
    """A message as the fake holds it. ``embeds`` and ``components`` are what the bot sent."""

    id: int
    channel_id: int
    guild_id: int | None
    author_id: int
    type: int
    content: str
    embeds: tuple[dict[str, Any], ...]
    components: tuple[dict[str, Any], ...]
    attachments: tuple[StoredAttachment, ...]
    flags: int
    allowed_mentions: dict[str, Any] | None
    tts: bool
    created_at: float
    edited_at: float | None = None
    edit_count: int = 0
    deleted: bool = False
    interaction_id: int | None = None
    webhook_id: int | None = None

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & FLAG_EPHEMERAL)

    @property
    def loading(self) -> bool:
        """True while this is a deferred "thinking" message nobody has filled in yet."""
        return bool(self.flags & FLAG_LOADING)

    def file(self, filename: str) -> bytes:
        for attachment in self.attachments:
            if attachment.filename == filename:
                return attachment.data
        raise KeyError(f"{filename!r} not attached; have {[a.filename for a in self.attachments]}")

    @property
    def filenames(self) -> list[str]:
        return [a.filename for a in self.attachments]

    def iter_components(self) -> Iterator[dict[str, Any]]:
        """Every component, depth first (action rows, their children, v2 containers...)."""
        yield from _walk_components(self.components)

    def find_component(self, *, custom_id: str | None = None, label: str | None = None) -> dict[str, Any]:
        for component in self.iter_components():
            if custom_id is not None and component.get("custom_id") == custom_id:
                return component
            if custom_id is None and label is not None and component.get("label") == label:
                return component
        known = [(c.get("custom_id"), c.get("label")) for c in self.iter_components() if "custom_id" in c]
        raise LookupError(f"no component {custom_id or label!r} on message {self.id}; have {known}")


@dataclass(frozen=True)
class InteractionHandle:
    """What a push_* call returns: the interaction as Discord sent it."""

    id: int
    token: str
    type: int
    name: str  # command name (with subcommands), or the component/modal custom_id
    user: FakeUser
    locale: str
    payload: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class RecordedRequest:
    """One REST request and the fake's answer. ``json`` includes multipart ``payload_json``."""

    index: int
    time: float  # time.monotonic()
    method: str
    path: str  # relative to the API base, e.g. "/interactions/1/tok/callback"
    route: str  # the matched template, e.g. "POST /interactions/{id}/{token}/callback"
    query: dict[str, str]
    json: Any
    files: tuple[UploadedFile, ...]
    had_authorization: bool  # whether an Authorization header was sent; its value is never kept
    status: int
    response: Any
    interaction_id: int | None = None

    @property
    def kind(self) -> str:
        """callback, followup, edit, fetch or delete for interaction traffic; otherwise "rest"."""
        if self.interaction_id is None:
            return "rest"
        if self.route.endswith("/callback"):
            return "callback"
        return {"POST": "followup", "PATCH": "edit", "GET": "fetch", "DELETE": "delete"}.get(
            self.method, "rest"
        )

    @property
    def callback_type(self) -> int | None:
        if self.kind == "callback" and isinstance(self.json, dict):
            return self.json.get("type")
        return None

    @property
    def data(self) -> dict[str, Any]:
        """The message-ish body: callback ``data``, or the whole JSON for webhook calls."""
        if not isinstance(self.json, dict):
            return {}
        if self.kind == "callback":
            return self.json.get("data") or {}
        return self.json

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def file(self, filename: str) -> bytes:
        for uploaded in self.files:
            if uploaded.filename == filename:
                return uploaded.data
        raise KeyError(f"{filename!r} not uploaded; have {[f.filename for f in self.files]}")


@dataclass(frozen=True)
class GatewayFrame:
    """A gateway payload sent or received. Tokens in received payloads are redacted."""

    time: float
    connection: int
    direction: str  # "sent" or "received"
    op: int | None
    event: str | None
    seq: int | None
    data: Any = field(repr=False)


class DiscordHTTPError(Exception):
    def __init__(self, status: int, code: int, message: str, errors: dict[str, Any] | None = None):
        super().__init__(f"{status} {code} {message}")
        self.status, self.code, self.message, self.errors = status, code, message, errors

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return body


class _FormErrors:
    """Collects Discord's nested "Invalid Form Body" errors."""

    def __init__(self) -> None:
        self.tree: dict[str, Any] = {}

    def add(self, path: Iterable[str | int], code: str, message: str) -> None:
        node = self.tree
        for part in path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def max_length(self, path: list[str | int], value: Any, limit: int) -> None:
        if value is not None and len(value) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def raise_if_any(self) -> None:
        if self.tree:
            raise DiscordHTTPError(400, 50035, "Invalid Form Body", self.tree)


def _walk_components(components: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for component in components:
        yield component
        yield from _walk_components(component.get("components") or [])
        for key in ("component", "accessory"):
            if isinstance(component.get(key), dict):
                yield from _walk_components([component[key]])


def _png_size(data: bytes) -> tuple[int, int] | None:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        return struct.unpack(">II", data[16:24])
    return None


# --------------------------------------------------------------------------------------
# Internal state.
# --------------------------------------------------------------------------------------


@dataclass
class _Connection:
    id: int
    ws: web.WebSocketResponse
    transport: Any
    compression: str | None
    compressor: Any = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    session: _Session | None = None
    closed: bool = False


@dataclass
class _Session:
    id: str
    shard: tuple[int, int]
    intents: int
    seq: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    connection: _Connection | None = None


@dataclass
class _Interaction:
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
class _Route:
    method: str
    pattern: re.Pattern[str]
    template: str
    handler: Callable[..., Any]
    auth: bool


@dataclass
class _Request:
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


class FakeDiscord:
    """Fake Discord gateway + REST API. See tests/e2e/README.md for a tour."""

    def __init__(
        self,
        *,
        heartbeat_interval: int = 500,
        shards: int = 1,
        compression: bool = True,
        interaction_timeout: float | None = 3.0,
        attachment_size_limit: int = 10 * 1024 * 1024,
        guild_locale: str = "en-US",
        app_permissions: int | None = None,
        allowed_privileged_intents: int = PRIVILEGED_INTENTS,
        dispatch_message_events: bool = True,
        bot_name: str = "BERT Lens",
    ) -> None:
        self.heartbeat_interval = heartbeat_interval
        self.shard_count = shards
        self.compression = compression
        self.interaction_timeout = interaction_timeout
        self.attachment_size_limit = attachment_size_limit
        self.guild_locale = guild_locale
        self.allowed_privileged_intents = allowed_privileged_intents
        self.dispatch_message_events = dispatch_message_events

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
        self.invoker = FakeUser("invoker", _fixed_id(201), "invoker", "Invoker")
        self.other = FakeUser("other", _fixed_id(202), "other", "Other User")
        self.admin = FakeUser("admin", _fixed_id(203), "admin", "Admin", role_ids=(ADMIN_ROLE_ID,))
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
        self._unknown_routes: list[str] = []
        self._warnings: list[str] = []
        self._frames: list[GatewayFrame] = []
        self._heartbeats: list[tuple[int, float]] = []
        self._identifies: list[dict[str, Any]] = []
        self._resumes: list[dict[str, Any]] = []
        self._presences: list[dict[str, Any]] = []
        self._messages: dict[int, StoredMessage] = {}
        self._global_commands: dict[tuple[str, int], dict[str, Any]] = {}
        self._guild_commands: dict[int, dict[tuple[str, int], dict[str, Any]]] = {}
        self._interactions: dict[int, _Interaction] = {}
        self._interactions_by_token: dict[str, _Interaction] = {}
        self._sessions: dict[str, _Session] = {}
        self._connections: dict[int, _Connection] = {}
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

    def _run(self, coro: Any, timeout: float = 10.0) -> Any:
        """Run a coroutine on the fake's loop from any other thread and wait for it."""
        if self._loop is None or self._thread is None:
            raise RuntimeError("FakeDiscord is not running; call start() first")
        if threading.current_thread() is self._thread:
            raise RuntimeError("cannot block the fake's own loop")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    # ----------------------------------------------------------------------------------
    # Addresses and identity
    # ----------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def api_base(self) -> str:
        return f"{self.base_url}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self._port}/gateway"

    def user(self, who: str | FakeUser) -> FakeUser:
        if isinstance(who, FakeUser):
            return who
        try:
            return self.users[who]
        except KeyError:
            raise KeyError(f"unknown user {who!r}; have {sorted(self.users)}") from None

    def member_permissions(self, who: str | FakeUser) -> int:
        user = self.user(who)
        perms = self.role_permissions[GUILD_ID]
        for role_id in user.role_ids:
            perms |= self.role_permissions.get(role_id, 0)
        if user.id == OWNER_ID or perms & ADMINISTRATOR:
            return ALL_PERMISSIONS
        return perms

    def bot_permissions(self) -> int:
        if self.app_permissions is not None:
            return self.app_permissions
        return self.member_permissions(self.bot_user)

    def _snowflake(self) -> int:
        with self._cond:
            value = max(int(time.time() * 1000 - DISCORD_EPOCH_MS) << 22, self._last_snowflake + 1)
            self._last_snowflake = value
            return value

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
            f"unknown_routes={self.unknown_routes} last requests={recent}"
        )

    def _notify(self) -> None:
        with self._cond:
            self._cond.notify_all()
            waiters = list(self._async_waiters)
        for loop, event in waiters:
            # RuntimeError: that loop has closed, and its waiter with it.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(event.set)

    # ----------------------------------------------------------------------------------
    # Gateway
    # ----------------------------------------------------------------------------------

    async def _gateway_handler(self, request: web.Request) -> web.StreamResponse:
        # A short close timeout: a client whose loop is blocked or gone must not stall stop().
        ws = web.WebSocketResponse(max_msg_size=0, autoclose=True, timeout=1.0)
        transport = request.transport
        await ws.prepare(request)
        wanted = request.query.get("compress")
        compression: str | None = None
        if self.compression and wanted == "zlib-stream":
            compression = "zlib-stream"
        elif self.compression and wanted == "zstd-stream" and zstandard is not None:
            compression = "zstd-stream"
        connection = _Connection(next(self._ids), ws, transport, compression)
        if compression == "zlib-stream":
            connection.compressor = zlib.compressobj()
        elif compression == "zstd-stream":
            connection.compressor = zstandard.ZstdCompressor().compressobj()
        with self._cond:
            self._connections[connection.id] = connection
            self._connection_log.append(
                {"id": connection.id, "query": dict(request.query), "compression": compression}
            )
        self._notify()
        try:
            if request.query.get("encoding", "json") != "json":
                await ws.close(code=4002, message=b"only json encoding is supported")
                return ws
            await self._send(
                connection, {"op": OP_HELLO, "d": {"heartbeat_interval": self.heartbeat_interval}}
            )
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    await self._on_gateway_message(connection, json.loads(msg.data))
                elif msg.type is WSMsgType.BINARY:
                    await ws.close(code=4002, message=b"binary frames are not accepted")
        finally:
            connection.closed = True
            with self._cond:
                self._connections.pop(connection.id, None)
                if connection.session is not None and connection.session.connection is connection:
                    connection.session.connection = None
            self._notify()
        return ws

    async def _send(self, connection: _Connection, payload: dict[str, Any]) -> bool:
        text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
        async with connection.lock:
            if connection.closed or connection.ws.closed:
                return False
            try:
                if connection.compression == "zlib-stream":
                    compressor = connection.compressor
                    raw = compressor.compress(text.encode()) + compressor.flush(zlib.Z_SYNC_FLUSH)
                    await connection.ws.send_bytes(raw)
                elif connection.compression == "zstd-stream":
                    compressor = connection.compressor
                    raw = compressor.compress(text.encode()) + compressor.flush(
                        zstandard.COMPRESSOBJ_FLUSH_BLOCK
                    )
                    await connection.ws.send_bytes(raw)
                else:
                    await connection.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                connection.closed = True
                return False
        self._record_frame(connection, "sent", payload)
        return True

    def _record_frame(self, connection: _Connection, direction: str, payload: dict[str, Any]) -> None:
        data: Any = payload.get("d")
        if direction == "received" and isinstance(data, dict) and "token" in data:
            data = {**data, "token": "<redacted>"}
        frame = GatewayFrame(
            time.monotonic(),
            connection.id,
            direction,
            payload.get("op"),
            payload.get("t"),
            payload.get("s"),
            data,
        )
        with self._cond:
            self._frames.append(frame)
        self._notify()

    async def _on_gateway_message(self, connection: _Connection, payload: dict[str, Any]) -> None:
        op: Any = payload.get("op")
        data: Any = payload.get("d")
        if op == OP_HEARTBEAT:
            with self._cond:
                self._heartbeats.append((connection.id, time.monotonic()))
            self._record_frame(connection, "received", payload)
            await self._send(connection, {"op": OP_HEARTBEAT_ACK})
            return
        self._record_frame(connection, "received", payload)
        if op == OP_IDENTIFY:
            await self._identify(connection, data)
        elif op == OP_RESUME:
            await self._resume(connection, data)
        elif op == OP_PRESENCE:
            with self._cond:
                self._presences.append(data)
        elif op == OP_REQUEST_MEMBERS:
            await self._request_members(connection, data)
        elif connection.session is None:
            await connection.ws.close(code=4003, message=b"Not authenticated.")

    async def _identify(self, connection: _Connection, data: dict[str, Any]) -> None:
        if connection.session is not None:
            await connection.ws.close(code=4005, message=b"Already authenticated.")
            return
        if token_user_id(str(data.get("token", ""))) != self.bot_user.id:
            await connection.ws.close(code=4004, message=b"Authentication failed.")
            return
        intents = int(data.get("intents", 0))
        if intents & PRIVILEGED_INTENTS & ~self.allowed_privileged_intents:
            await connection.ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        shard = tuple(data.get("shard") or (0, 1))
        if len(shard) != 2 or not 0 <= shard[0] < shard[1]:
            await connection.ws.close(code=4010, message=b"Invalid shard.")
            return
        session = _Session(
            secrets.token_hex(16), (int(shard[0]), int(shard[1])), intents, connection=connection
        )
        connection.session = session
        with self._cond:
            self._identifies.append({k: v for k, v in data.items() if k != "token"})
            self._sessions[session.id] = session
        owns_guild = (GUILD_ID >> 22) % session.shard[1] == session.shard[0]
        ready = {
            "v": 10,
            "user": {
                **self.bot_user.payload(),
                "verified": True,
                "mfa_enabled": False,
                "flags": 0,
                "email": None,
            },
            "guilds": [{"id": str(GUILD_ID), "unavailable": True}] if owns_guild else [],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "shard": list(session.shard),
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "presences": [],
            "relationships": [],
            "user_settings": {},
            "geo_ordered_rtc_regions": [],
            "_trace": ["fake-discord"],
        }
        await self._dispatch(session, "READY", ready)
        if owns_guild:
            await self._dispatch(session, "GUILD_CREATE", self._guild_payload())
        with self._cond:
            self._ready_count += 1
        self._notify()

    async def _resume(self, connection: _Connection, data: dict[str, Any]) -> None:
        with self._cond:
            session = self._sessions.get(str(data.get("session_id")))
        if token_user_id(str(data.get("token", ""))) != self.bot_user.id:
            await connection.ws.close(code=4004, message=b"Authentication failed.")
            return
        if session is None:
            # d=false: not resumable, the client must IDENTIFY afresh.
            await self._send(connection, {"op": OP_INVALID_SESSION, "d": False})
            return
        with self._cond:
            old = session.connection
            session.connection = connection
            connection.session = session
            self._resumes.append({k: v for k, v in data.items() if k != "token"})
            missed = [e for e in session.events if e["s"] > int(data.get("seq") or 0)]
        if old is not None and old is not connection and not old.closed:
            old.closed = True
            await old.ws.close(code=4000)
        # Replay what the client missed in order, exactly like Discord does after a resume.
        for event in missed:
            await self._send(connection, event)
        await self._dispatch(session, "RESUMED", {"_trace": ["fake-discord"]})
        self._notify()

    async def _request_members(self, connection: _Connection, data: dict[str, Any]) -> None:
        if connection.session is None:
            return
        members = self._members()
        user_ids = {str(u) for u in data.get("user_ids") or []}
        query = (data.get("query") or "").lower()
        if user_ids:
            members = [m for m in members if m["user"]["id"] in user_ids]
        elif query:
            members = [m for m in members if m["user"]["username"].lower().startswith(query)]
        chunk = {
            "guild_id": str(data.get("guild_id")),
            "members": members[: int(data.get("limit") or 0) or None],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        await self._dispatch(connection.session, "GUILD_MEMBERS_CHUNK", chunk)

    async def _dispatch(self, session: _Session, event: str, data: dict[str, Any]) -> None:
        with self._cond:
            session.seq += 1
            payload = {"op": OP_DISPATCH, "t": event, "s": session.seq, "d": data}
            session.events.append(payload)
            del session.events[:-1000]
            connection = session.connection
        # With no live connection the event waits in the session log for a RESUME.
        if connection is not None:
            await self._send(connection, payload)

    def _session_for_guild(self, guild_id: int | None) -> _Session | None:
        with self._cond:
            sessions = list(self._sessions.values())
        for session in reversed(sessions):  # newest wins, like a re-IDENTIFYing client
            shard_id, shard_count = session.shard
            if guild_id is None and shard_id == 0:
                return session
            if guild_id is not None and (guild_id >> 22) % shard_count == shard_id:
                return session
        return None

    def drop_connection(self, close_code: int | None = None) -> None:
        """Break every gateway connection so the client has to reconnect.

        ``close_code=None`` aborts the TCP connection with no close frame (a network
        failure); an int sends that close code instead. Either way the client RESUMEs; after
        4007 (invalid seq) or 4009 (session timed out) Discord has dropped the session, so
        that RESUME is answered with INVALID_SESSION and the client must IDENTIFY again.
        """
        self._run(self._drop(close_code))

    async def _drop(self, close_code: int | None) -> None:
        for connection in list(self._connections.values()):
            connection.closed = True
            if close_code in (4007, 4009) and connection.session is not None:
                with self._cond:
                    self._sessions.pop(connection.session.id, None)
            if close_code is None:
                connection.transport.abort()
            else:
                await connection.ws.close(code=close_code, message=b"dropped by test")

    def invalidate_session(self, resumable: bool = False) -> None:
        """Send INVALID_SESSION (op 9). With ``resumable=False`` the session is forgotten and
        the client has to IDENTIFY again (discord.py then waits 5 s in before_identify_hook)."""

        async def invalidate() -> None:
            for connection in list(self._connections.values()):
                if not resumable and connection.session is not None:
                    with self._cond:
                        self._sessions.pop(connection.session.id, None)
                await self._send(connection, {"op": OP_INVALID_SESSION, "d": resumable})

        self._run(invalidate())

    def send_reconnect(self) -> None:
        """Ask the client to reconnect and resume (gateway op 7), as Discord does on deploys."""

        async def reconnect() -> None:
            for connection in list(self._connections.values()):
                await self._send(connection, {"op": OP_RECONNECT, "d": None})

        self._run(reconnect())

    # ----------------------------------------------------------------------------------
    # Guild fixtures
    # ----------------------------------------------------------------------------------

    def _member_payload(self, user: FakeUser) -> dict[str, Any]:
        return {
            "user": user.payload(),
            "nick": None,
            "avatar": None,
            "roles": [str(r) for r in user.role_ids],
            "joined_at": _iso(1704067200),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
        }

    def _members(self) -> list[dict[str, Any]]:
        return [self._member_payload(u) for u in (self.bot_user, *self.users.values())]

    def _text_channel_payload(self) -> dict[str, Any]:
        return {
            "id": str(TEXT_CHANNEL_ID),
            "type": 0,
            "guild_id": str(GUILD_ID),
            "name": "general",
            "position": 0,
            "permission_overwrites": [],
            "topic": None,
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "parent_id": None,
            "flags": 0,
        }

    def _role_payload(self, role_id: int, name: str, position: int) -> dict[str, Any]:
        return {
            "id": str(role_id),
            "name": name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": position,
            "permissions": str(self.role_permissions[role_id]),
            "managed": role_id == BOT_ROLE_ID,
            "mentionable": False,
            "flags": 0,
        }

    def _guild_payload(self) -> dict[str, Any]:
        members = self._members()
        return {
            "id": str(GUILD_ID),
            "name": "BERT Lens Test Guild",
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(OWNER_ID),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [
                self._role_payload(GUILD_ID, "@everyone", 0),
                self._role_payload(ADMIN_ROLE_ID, "Admin", 1),
                self._role_payload(BOT_ROLE_ID, self.bot_user.global_name or "bot", 2),
            ],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": str(TEXT_CHANNEL_ID),
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": self.guild_locale,
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "joined_at": _iso(1704067200),
            "large": False,
            "unavailable": False,
            "member_count": len(members),
            "voice_states": [],
            "members": members,
            "channels": [self._text_channel_payload()],
            "threads": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    def _dm_channel_id(self, user: FakeUser) -> int:
        return user.id + 1_000_000

    # ----------------------------------------------------------------------------------
    # Pushing interactions
    # ----------------------------------------------------------------------------------

    def push_slash_command(
        self,
        name: str,
        *,
        user: str | FakeUser = "invoker",
        locale: str = "en-US",
        guild: bool = True,
        options: dict[str, Any] | None = None,
        validate: bool = True,
        **more_options: Any,
    ) -> InteractionHandle:
        """Invoke a synced slash command as ``user``.

        ``name`` may include subcommands ("lens tokens"). Option values are given as Python
        values and typed from the synced definition; pass ``options={...}`` for option names
        that clash with this method's keywords. With ``validate`` the fake refuses what the
        Discord client would not let a user send (unknown or missing options, values outside
        choices/limits, commands the user lacks permissions for).
        """
        values = {**(options or {}), **more_options}
        return self._push_command(name, values, user, locale, guild, validate, focused=None)

    def push_autocomplete(
        self,
        name: str,
        focused: str,
        *,
        user: str | FakeUser = "invoker",
        locale: str = "en-US",
        guild: bool = True,
        options: dict[str, Any] | None = None,
        **more_options: Any,
    ) -> InteractionHandle:
        """Simulate typing into option ``focused``; its value (default "") is the partial text."""
        values = {**(options or {}), **more_options}
        return self._push_command(name, values, user, locale, guild, False, focused=focused)

    def push_component(
        self,
        message: StoredMessage | int,
        custom_id: str | None = None,
        component_type: int | None = None,
        values: list[str] | None = None,
        *,
        label: str | None = None,
        user: str | FakeUser = "invoker",
        locale: str = "en-US",
    ) -> InteractionHandle:
        """Click a button or choose select ``values`` on a message the bot created.

        The component is looked up on the message's latest stored state by ``custom_id``
        (or by ``label``); its type is inferred unless given. Disabled components and
        values outside a string select's options are refused, as in the Discord client.
        """
        with self._cond:
            stored = self._messages[message.id if isinstance(message, StoredMessage) else int(message)]
        if stored.deleted:
            raise LookupError(f"message {stored.id} was deleted")
        component = stored.find_component(custom_id=custom_id, label=label)
        ctype = component_type or component["type"]
        if component.get("disabled"):
            raise ValueError(f"component {component.get('custom_id')!r} is disabled")
        data: dict[str, Any] = {"custom_id": component["custom_id"], "component_type": ctype}
        if ctype in _SELECTS:
            chosen = list(values or [])
            low, high = component.get("min_values", 1), component.get("max_values", 1)
            if not low <= len(chosen) <= high:
                raise ValueError(f"select needs {low}..{high} values, got {chosen}")
            if ctype == STRING_SELECT:
                allowed = [o["value"] for o in component.get("options", [])]
                if unknown := [v for v in chosen if v not in allowed]:
                    raise ValueError(f"values {unknown} not among the select's options {allowed}")
            data["values"] = chosen
        elif values:
            raise ValueError("values only make sense for select menus")
        extra = {"message": self._message_payload(stored)}
        return self._push(
            MESSAGE_COMPONENT,
            data["custom_id"],
            data,
            user,
            locale,
            stored.guild_id is not None,
            extra,
            source_message_id=stored.id,
            channel_id=stored.channel_id,
        )

    def push_modal_submit(
        self,
        opened_by: InteractionHandle,
        values: dict[str, str | list[str]],
        *,
        user: str | FakeUser | None = None,
        locale: str | None = None,
    ) -> InteractionHandle:
        """Submit the modal the bot showed in answer to ``opened_by``; ``values`` by custom_id."""
        with self._cond:
            state = self._interactions[opened_by.id]
            modal = state.modal
        if modal is None:
            raise LookupError(f"interaction {opened_by.id} was not answered with a modal")
        remaining = dict(values)

        def submitted(component: dict[str, Any]) -> dict[str, Any]:
            ctype = component["type"]
            if ctype == ACTION_ROW:
                return {
                    "type": ACTION_ROW,
                    "components": [submitted(c) for c in component.get("components", [])],
                }
            if ctype == LABEL:
                return {"type": LABEL, "component": submitted(component["component"])}
            out: dict[str, Any] = {"type": ctype}
            if "custom_id" in component:
                out["custom_id"] = component["custom_id"]
                value = remaining.pop(component["custom_id"], component.get("value") or "")
                if ctype == TEXT_INPUT:
                    out["value"] = value
                elif ctype in _SELECTS:
                    out["values"] = value if isinstance(value, list) else [value]
            return out

        components = [submitted(c) for c in modal.get("components", [])]
        if remaining:
            raise LookupError(f"modal has no inputs {sorted(remaining)}")
        data = {"custom_id": modal["custom_id"], "components": components}
        extra: dict[str, Any] = {}
        if state.source_message_id is not None:
            extra["message"] = self._message_payload(self.message(state.source_message_id))
        return self._push(
            MODAL_SUBMIT,
            modal["custom_id"],
            data,
            user or opened_by.user,
            locale or opened_by.locale,
            state.guild_id is not None,
            extra,
            source_message_id=state.source_message_id,
            channel_id=state.channel_id,
        )

    def _find_command(self, name: str, guild: bool) -> tuple[dict[str, Any], bool]:
        with self._cond:
            if guild:
                for command in self._guild_commands.get(GUILD_ID, {}).values():
                    if command["name"] == name and command.get("type", 1) == 1:
                        return command, True
            for command in self._global_commands.values():
                if command["name"] == name and command.get("type", 1) == 1:
                    return command, False
            synced = [c["name"] for c in self._global_commands.values()]
            synced += [c["name"] for c in self._guild_commands.get(GUILD_ID, {}).values()]
        raise LookupError(f"slash command {name!r} has not been synced; synced: {sorted(synced)}")

    def _push_command(
        self,
        path: str,
        values: dict[str, Any],
        who: str | FakeUser,
        locale: str,
        guild: bool,
        validate: bool,
        focused: str | None,
    ) -> InteractionHandle:
        if locale not in VALID_LOCALES:
            raise ValueError(f"{locale!r} is not a Discord locale")
        user = self.user(who)
        root, *subs = path.split()
        command, is_guild_command = self._find_command(root, guild)
        if not guild:
            contexts = command.get("contexts")
            if (contexts is not None and 1 not in contexts) or command.get("dm_permission") is False:
                raise PermissionError(f"/{root} is not available in DMs")
        if validate and guild:
            required = command.get("default_member_permissions")
            if required is not None and (self.member_permissions(user) & int(required)) != int(required):
                raise PermissionError(f"{user.key} lacks the permissions /{root} requires ({required})")

        # Walk down "group sub" to the leaf's option definitions...
        chain: list[dict[str, Any]] = []
        level = command.get("options") or []
        for sub in subs:
            match = next(
                (
                    o
                    for o in level
                    if o["name"] == sub and o["type"] in (OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP)
                ),
                None,
            )
            if match is None:
                raise LookupError(f"/{root} has no subcommand {sub!r} at that level")
            chain.append(match)
            level = match.get("options") or []
        if validate and any(o["type"] in (OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP) for o in level):
            raise LookupError(f"/{path} is a group; name one of its subcommands")
        resolved: dict[str, dict[str, Any]] = {}
        options = self._build_options(level, values, resolved, validate, focused, guild)
        # ...then wrap the leaf options the way Discord nests them.
        for match in reversed(chain):
            options = [{"type": match["type"], "name": match["name"], "options": options}]
        data: dict[str, Any] = {"id": command["id"], "name": root, "type": 1, "options": options}
        if is_guild_command:
            data["guild_id"] = str(GUILD_ID)
        if resolved and focused is None:
            data["resolved"] = resolved
        kind = APPLICATION_COMMAND if focused is None else AUTOCOMPLETE
        return self._push(kind, path, data, user, locale, guild, {})

    def _build_options(
        self,
        definitions: list[dict[str, Any]],
        values: dict[str, Any],
        resolved: dict[str, dict[str, Any]],
        validate: bool,
        focused: str | None,
        guild: bool,
    ) -> list[dict[str, Any]]:
        by_name = {
            d["name"]: d for d in definitions if d["type"] not in (OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP)
        }
        unknown = set(values) - set(by_name)
        if focused is not None and focused not in by_name:
            unknown.add(focused)
        if unknown:
            raise LookupError(f"unknown options {sorted(unknown)}; the command has {sorted(by_name)}")
        if validate:
            missing = [n for n, d in by_name.items() if d.get("required") and n not in values]
            if missing:
                hint = ""
                if clashing := [n for n in missing if n in _PUSH_KEYWORDS]:
                    hint = f" ({clashing} clash with push keywords: pass them as options={{...}})"
                raise ValueError(f"required options missing: {missing}{hint}")
        options = []
        # Discord sends options in the order the user filled them; definition order is a fine stand-in.
        for name, definition in by_name.items():
            if name == focused:
                options.append(
                    {
                        "type": definition["type"],
                        "name": name,
                        "value": str(values.get(name, "")),
                        "focused": True,
                    }
                )
            elif name in values:
                value = self._option_value(definition, values[name], resolved, validate, guild)
                options.append({"type": definition["type"], "name": name, "value": value})
        return options

    def _option_value(
        self,
        definition: dict[str, Any],
        value: Any,
        resolved: dict[str, dict[str, Any]],
        validate: bool,
        guild: bool,
    ) -> Any:
        otype, name = definition["type"], definition["name"]
        if otype == OPT_STRING:
            value = str(value)
            if validate:
                low, high = definition.get("min_length", 0), definition.get("max_length", 6000)
                if not low <= len(value) <= high:
                    raise ValueError(f"option {name!r} must be {low}..{high} characters, got {len(value)}")
        elif otype == OPT_INTEGER:
            if isinstance(value, bool) or int(value) != value:
                raise TypeError(f"option {name!r} is an integer, got {value!r}")
            value = int(value)
        elif otype == OPT_NUMBER:
            value = float(value)
        elif otype == OPT_BOOLEAN:
            if not isinstance(value, bool):
                raise TypeError(f"option {name!r} is a boolean, got {value!r}")
        elif otype in (OPT_USER, OPT_MENTIONABLE) and (isinstance(value, FakeUser) or value in self.users):
            user = self.user(value)
            resolved.setdefault("users", {})[str(user.id)] = user.payload()
            if guild:
                member = self._member_payload(user)
                del member["user"]
                member["permissions"] = str(self.member_permissions(user))
                resolved.setdefault("members", {})[str(user.id)] = member
            return str(user.id)
        elif otype in (OPT_ROLE, OPT_MENTIONABLE):
            role_id = int(value)
            if role_id not in self.role_permissions:
                raise LookupError(f"unknown role {value!r}")
            names = {
                GUILD_ID: "@everyone",
                ADMIN_ROLE_ID: "Admin",
                BOT_ROLE_ID: self.bot_user.global_name or "bot",
            }
            resolved.setdefault("roles", {})[str(role_id)] = self._role_payload(role_id, names[role_id], 0)
            return str(role_id)
        elif otype == OPT_CHANNEL:
            channel_id = int(value)
            if channel_id != TEXT_CHANNEL_ID:
                raise LookupError(f"unknown channel {value!r}")
            channel = self._text_channel_payload()
            channel["permissions"] = str(self.member_permissions("invoker"))
            resolved.setdefault("channels", {})[str(channel_id)] = channel
            return str(channel_id)
        elif otype == OPT_ATTACHMENT:
            filename, data, content_type = (
                (*value, None)[:3] if isinstance(value, tuple) else ("upload.bin", value, None)
            )
            attachment = self._make_attachment(
                TEXT_CHANNEL_ID, str(filename), bytes(data), content_type, None
            )
            with self._cond:
                self._uploaded_for_commands[attachment.id] = attachment
            resolved.setdefault("attachments", {})[str(attachment.id)] = attachment.payload()
            return str(attachment.id)
        else:
            raise TypeError(f"option {name!r} of type {otype} cannot take {value!r}")
        if validate and otype in (OPT_INTEGER, OPT_NUMBER):
            low, high = definition.get("min_value"), definition.get("max_value")
            if (low is not None and value < low) or (high is not None and value > high):
                raise ValueError(f"option {name!r} must be within [{low}, {high}], got {value}")
        choices = definition.get("choices")
        if validate and choices and value not in [c["value"] for c in choices]:
            raise ValueError(f"option {name!r} must be one of {[c['value'] for c in choices]}, got {value!r}")
        return value

    def _push(
        self,
        kind: int,
        name: str,
        data: dict[str, Any],
        who: str | FakeUser,
        locale: str,
        guild: bool,
        extra: dict[str, Any],
        *,
        source_message_id: int | None = None,
        channel_id: int | None = None,
    ) -> InteractionHandle:
        user = self.user(who)
        if locale not in VALID_LOCALES:
            raise ValueError(f"{locale!r} is not a Discord locale")
        interaction_id = self._snowflake()
        token = f"aW50ZXJhY3Rpb24.{interaction_id}.{secrets.token_urlsafe(24)}"
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": kind,
            "data": data,
            "token": token,
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": self.attachment_size_limit,
            **extra,
        }
        if guild:
            channel = self._text_channel_payload()
            channel["permissions"] = str(self.member_permissions(user))
            member = self._member_payload(user)
            member["permissions"] = str(self.member_permissions(user))
            payload.update(
                guild_id=str(GUILD_ID),
                guild={"id": str(GUILD_ID), "locale": self.guild_locale, "features": []},
                guild_locale=self.guild_locale,
                channel_id=str(channel_id or TEXT_CHANNEL_ID),
                channel=channel,
                member=member,
                app_permissions=str(self.bot_permissions()),
                authorizing_integration_owners={"0": str(GUILD_ID)},
                context=0,
            )
        else:
            dm_id = channel_id or self._dm_channel_id(user)
            payload.update(
                channel_id=str(dm_id),
                channel=self._dm_channel_payload(user),
                user=user.payload(),
                app_permissions=str(DM_APP_PERMISSIONS),
                authorizing_integration_owners={"0": "0"},
                context=1,
            )
        handle = InteractionHandle(interaction_id, token, kind, name, user, locale, payload)
        state = _Interaction(
            handle,
            time.monotonic(),
            int(payload["channel_id"]),
            GUILD_ID if guild else None,
            source_message_id=source_message_id,
        )
        with self._cond:
            self._interactions[interaction_id] = state
            self._interactions_by_token[token] = state
        session = self._session_for_guild(GUILD_ID if guild else None)
        if session is None:
            raise RuntimeError("no gateway session: start the bot and wait_until_ready() first")
        # Time starts when Discord sends the event, so the 3 s window includes gateway latency.
        state.created = time.monotonic()
        self._run(self._dispatch(session, "INTERACTION_CREATE", payload))
        return handle

    # ----------------------------------------------------------------------------------
    # REST
    # ----------------------------------------------------------------------------------

    def _build_routes(self) -> list[_Route]:
        table = [
            ("GET", "/users/@me", self._get_me, True),
            ("GET", "/applications/@me", self._get_application, True),
            ("GET", "/oauth2/applications/@me", self._get_application, True),
            ("GET", "/gateway", self._get_gateway, False),
            ("GET", "/gateway/bot", self._get_gateway_bot, True),
            ("GET", "/applications/{app}/commands", self._get_commands, True),
            ("PUT", "/applications/{app}/commands", self._put_commands, True),
            ("POST", "/applications/{app}/commands", self._post_command, True),
            ("DELETE", "/applications/{app}/commands/{cmd}", self._delete_command, True),
            ("GET", "/applications/{app}/guilds/{guild}/commands", self._get_commands, True),
            ("PUT", "/applications/{app}/guilds/{guild}/commands", self._put_commands, True),
            ("POST", "/applications/{app}/guilds/{guild}/commands", self._post_command, True),
            ("DELETE", "/applications/{app}/guilds/{guild}/commands/{cmd}", self._delete_command, True),
            ("POST", "/interactions/{id}/{token}/callback", self._interaction_callback, False),
            ("POST", "/webhooks/{app}/{token}", self._followup, False),
            ("GET", "/webhooks/{app}/{token}/messages/{message}", self._webhook_get, False),
            ("PATCH", "/webhooks/{app}/{token}/messages/{message}", self._webhook_edit, False),
            ("DELETE", "/webhooks/{app}/{token}/messages/{message}", self._webhook_delete, False),
            ("POST", "/users/@me/channels", self._open_dm, True),
            ("GET", "/channels/{channel}", self._get_channel, True),
            ("POST", "/channels/{channel}/typing", self._typing, True),
            ("POST", "/channels/{channel}/messages", self._channel_send, True),
            ("GET", "/channels/{channel}/messages/{message}", self._channel_get_message, True),
            ("PATCH", "/channels/{channel}/messages/{message}", self._channel_edit_message, True),
            ("DELETE", "/channels/{channel}/messages/{message}", self._channel_delete_message, True),
        ]
        routes = []
        for method, template, handler, auth in table:
            regex = re.sub(r"\\\{(\w+)\\\}", lambda m: f"(?P<{m.group(1)}>[^/]+)", re.escape(template))
            routes.append(_Route(method, re.compile(f"^{regex}$"), f"{method} {template}", handler, auth))
        return routes

    async def _http_handler(self, request: web.Request) -> web.StreamResponse:
        if request.path.startswith("/attachments/") and request.method == "GET":
            return self._serve_attachment(request)
        sub = request.path[len(API_PREFIX) :] if request.path.startswith(API_PREFIX + "/") else None
        route, params = None, {}
        if sub is not None:
            for candidate in self._routes:
                match = candidate.pattern.match(sub)
                if match and candidate.method == request.method:
                    route, params = candidate, match.groupdict()
                    break
        payload, files = await self._read_body(request)
        auth_header = request.headers.get("Authorization")
        authorized = bool(
            auth_header
            and auth_header.startswith("Bot ")
            and token_user_id(auth_header[4:]) == self.bot_user.id
        )
        parsed = _Request(
            request.method, sub or request.path, dict(request.query), payload, files, params, authorized
        )
        interaction_id: int | None = None
        try:
            if route is None:
                with self._cond:
                    self._unknown_routes.append(f"{request.method} {request.path}")
                raise DiscordHTTPError(404, 0, "404: Not Found")
            interaction_id = self._interaction_id_for(params)
            if route.auth and not authorized:
                raise DiscordHTTPError(401, 0, "401: Unauthorized")
            status, body = await route.handler(parsed)
        except DiscordHTTPError as error:
            status, body = error.status, error.body()
        self._record(
            parsed,
            route.template if route else f"{request.method} <unknown>",
            bool(auth_header),
            status,
            body,
            interaction_id,
        )
        if body is None:
            return web.Response(status=status)
        # Exactly "application/json": discord.py's json_or_text() treats anything else (even
        # with "; charset=utf-8") as text and then fails on the string.
        return web.Response(
            body=json.dumps(body).encode(), status=status, headers={"Content-Type": "application/json"}
        )

    def _interaction_id_for(self, params: dict[str, str]) -> int | None:
        with self._cond:
            if "id" in params and params["id"].isdigit():
                state = self._interactions.get(int(params["id"]))
                return state.handle.id if state else None
            if "token" in params:
                state = self._interactions_by_token.get(params["token"])
                return state.handle.id if state else None
        return None

    async def _read_body(self, request: web.Request) -> tuple[Any, list[UploadedFile]]:
        files: list[UploadedFile] = []
        if not request.body_exists:
            return None, files
        if request.content_type.startswith("multipart/"):
            payload: Any = None
            form: dict[str, str] = {}
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if not isinstance(part, BodyPartReader):  # discord.py never nests multiparts
                    continue
                raw = await part.read(decode=True)
                if part.filename is not None:
                    files.append(
                        UploadedFile(
                            part.name or "", part.filename, part.headers.get("Content-Type"), bytes(raw)
                        )
                    )
                elif part.name == "payload_json":
                    payload = json.loads(raw.decode())
                else:
                    form[part.name or ""] = raw.decode()
            return (payload if payload is not None else form or None), files
        text = await request.text()
        try:
            return json.loads(text), files
        except ValueError:
            return text, files

    def _record(
        self, req: _Request, route: str, had_auth: bool, status: int, body: Any, interaction_id: int | None
    ) -> None:
        with self._cond:
            self._requests.append(
                RecordedRequest(
                    len(self._requests),
                    time.monotonic(),
                    req.method,
                    req.path,
                    route,
                    req.query,
                    req.json,
                    tuple(req.files),
                    had_auth,
                    status,
                    body,
                    interaction_id,
                )
            )
        self._notify()

    def _serve_attachment(self, request: web.Request) -> web.StreamResponse:
        parts = request.path.split("/")
        with self._cond:
            candidates = [a for m in self._messages.values() for a in m.attachments]
            candidates += self._uploaded_for_commands.values()
        for attachment in candidates:
            if len(parts) >= 4 and parts[3] == str(attachment.id):
                return web.Response(
                    body=attachment.data, content_type=attachment.content_type or "application/octet-stream"
                )
        return web.Response(status=404)

    # -- identity and gateway discovery

    async def _get_me(self, req: _Request) -> tuple[int, Any]:
        return 200, {
            **self.bot_user.payload(),
            "verified": True,
            "mfa_enabled": False,
            "flags": 0,
            "email": None,
            "locale": "en-US",
            "premium_type": 0,
        }

    async def _get_application(self, req: _Request) -> tuple[int, Any]:
        return 200, {
            "id": str(self.application_id),
            "name": self.bot_user.global_name,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "owner": self.owner.payload(),
            "team": None,
            "flags": 0,
            "bot": self.bot_user.payload(),
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "integration_types_config": {"0": {}},
        }

    async def _get_gateway(self, req: _Request) -> tuple[int, Any]:
        return 200, {"url": self.gateway_url}

    async def _get_gateway_bot(self, req: _Request) -> tuple[int, Any]:
        return 200, {
            "url": self.gateway_url,
            "shards": self.shard_count,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 86_400_000,
                "max_concurrency": 1,
            },
        }

    # -- application commands

    def _command_store(self, req: _Request) -> dict[tuple[str, int], dict[str, Any]]:
        if req.params["app"] != str(self.application_id):
            raise DiscordHTTPError(403, 50001, "Missing Access")
        if "guild" not in req.params:
            return self._global_commands
        if req.params["guild"] != str(GUILD_ID):
            raise DiscordHTTPError(403, 50001, "Missing Access")
        return self._guild_commands.setdefault(GUILD_ID, {})

    def _store_command(
        self, store: dict[tuple[str, int], dict[str, Any]], definition: dict[str, Any], guild: bool
    ) -> dict[str, Any]:
        key = (definition["name"], int(definition.get("type", 1)))
        previous = store.get(key)
        command = {
            "id": previous["id"] if previous else str(self._snowflake()),  # Discord keeps ids across re-syncs
            "application_id": str(self.application_id),
            "version": str(self._snowflake()),
            "type": key[1],
            "description": definition.get("description", ""),
            "default_member_permissions": definition.get("default_member_permissions"),
            "nsfw": definition.get("nsfw", False),
            "contexts": definition.get("contexts"),
            "integration_types": definition.get("integration_types") or [0],
            **definition,
        }
        if guild:
            command["guild_id"] = str(GUILD_ID)
        store[key] = command
        return command

    def _validate_commands(self, definitions: list[dict[str, Any]]) -> None:
        errors = _FormErrors()
        seen: set[tuple[str, int]] = set()
        for i, command in enumerate(definitions):
            ctype = int(command.get("type", 1))
            key = (command.get("name", ""), ctype)
            if key in seen:
                errors.add(
                    [i, "name"],
                    "APPLICATION_COMMANDS_DUPLICATE_NAME",
                    f"Command name {key[0]!r} is already used",
                )
            seen.add(key)
            self._validate_command_names([i], command, slash=ctype == 1, errors=errors)
            if ctype == 1:
                self._validate_options([i, "options"], command.get("options") or [], errors)
        errors.raise_if_any()

    def _validate_command_names(
        self, path: list[Any], item: dict[str, Any], *, slash: bool, errors: _FormErrors
    ) -> None:
        def check_name(where: list[Any], name: Any) -> None:
            if not isinstance(name, str) or not 1 <= len(name) <= 32:
                errors.add(where, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")
            elif slash and (name != name.lower() or not re.fullmatch(r"[-\w]+", name)):
                errors.add(where, "APPLICATION_COMMAND_INVALID_NAME", f"Command name is invalid: {name!r}")

        check_name([*path, "name"], item.get("name"))
        for locale, name in (item.get("name_localizations") or {}).items():
            if locale not in VALID_LOCALES:
                errors.add(
                    [*path, "name_localizations", locale], "LOCALE_INVALID", f"Invalid locale {locale!r}"
                )
            else:
                check_name([*path, "name_localizations", locale], name)
        description = item.get("description", "")
        if slash and not 1 <= len(description) <= 100:
            errors.add([*path, "description"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        for locale, text in (item.get("description_localizations") or {}).items():
            if locale not in VALID_LOCALES:
                errors.add([*path, "description_localizations", locale], "LOCALE_INVALID", "Invalid locale")
            elif slash and not 1 <= len(text) <= 100:
                errors.add(
                    [*path, "description_localizations", locale],
                    "BASE_TYPE_BAD_LENGTH",
                    "Must be between 1 and 100 in length.",
                )

    def _validate_options(self, path: list[Any], options: list[dict[str, Any]], errors: _FormErrors) -> None:
        if len(options) > 25:
            errors.add(path, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        optional_seen = False
        for i, option in enumerate(options):
            where = [*path, i]
            self._validate_command_names(where, option, slash=True, errors=errors)
            if option["type"] in (OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP):
                self._validate_options([*where, "options"], option.get("options") or [], errors)
                continue
            if option.get("required"):
                if optional_seen:
                    errors.add(
                        [*where, "required"],
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "Required options must be placed before non-required options",
                    )
            else:
                optional_seen = True
            choices = option.get("choices") or []
            if choices and option.get("autocomplete"):
                errors.add(
                    [*where, "autocomplete"],
                    "AUTOCOMPLETE_CHOICES_INVALID",
                    "Autocomplete cannot be set with choices",
                )
            if len(choices) > 25:
                errors.add([*where, "choices"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
            for j, choice in enumerate(choices):
                errors.max_length([*where, "choices", j, "name"], choice.get("name"), 100)

    async def _get_commands(self, req: _Request) -> tuple[int, Any]:
        with self._cond:
            return 200, [dict(c) for c in self._command_store(req).values()]

    async def _put_commands(self, req: _Request) -> tuple[int, Any]:
        definitions = req.json or []
        if len([d for d in definitions if int(d.get("type", 1)) == 1]) > 100:
            raise DiscordHTTPError(400, 30032, "Maximum number of application commands reached (100)")
        self._validate_commands(definitions)
        with self._cond:
            store = self._command_store(req)
            previous = dict(store)
            store.clear()
            for definition in definitions:
                key = (definition["name"], int(definition.get("type", 1)))
                if key in previous:
                    store[key] = previous[key]
                self._store_command(store, definition, "guild" in req.params)
            return 200, [dict(c) for c in store.values()]

    async def _post_command(self, req: _Request) -> tuple[int, Any]:
        self._validate_commands([req.json])
        with self._cond:
            store = self._command_store(req)
            existed = (req.json["name"], int(req.json.get("type", 1))) in store
            return (200 if existed else 201), dict(
                self._store_command(store, req.json, "guild" in req.params)
            )

    async def _delete_command(self, req: _Request) -> tuple[int, Any]:
        with self._cond:
            store = self._command_store(req)
            for key, command in list(store.items()):
                if command["id"] == req.params["cmd"]:
                    del store[key]
                    return 204, None
        raise DiscordHTTPError(404, 10063, "Unknown application command")

    # -- interactions

    def _interaction_state(self, req: _Request) -> _Interaction:
        with self._cond:
            if "id" in req.params:
                state = self._interactions.get(int(req.params["id"])) if req.params["id"].isdigit() else None
                if state is None or state.handle.token != req.params["token"]:
                    raise DiscordHTTPError(404, 10062, "Unknown interaction")
                return state
            state = self._interactions_by_token.get(req.params["token"])
            if state is None or req.params["app"] != str(self.application_id):
                raise DiscordHTTPError(404, 10015, "Unknown Webhook")
            return state

    async def _interaction_callback(self, req: _Request) -> tuple[int, Any]:
        state = self._interaction_state(req)
        kind = state.handle.type
        if not isinstance(req.json, dict) or "type" not in req.json:
            raise DiscordHTTPError(
                400,
                50035,
                "Invalid Form Body",
                {"type": {"_errors": [{"code": "BASE_TYPE_REQUIRED", "message": "This field is required"}]}},
            )
        cb_type, data = int(req.json["type"]), req.json.get("data") or {}
        with self._cond:
            if state.response_type is not None:
                raise DiscordHTTPError(400, 40060, "Interaction has already been acknowledged.")
            if (
                self.interaction_timeout is not None
                and time.monotonic() - state.created > self.interaction_timeout
            ):
                # Discord forgets interactions nobody acknowledged in time.
                raise DiscordHTTPError(404, 10062, "Unknown interaction")
            if cb_type not in _ALLOWED_CALLBACKS.get(kind, set()):
                raise DiscordHTTPError(
                    400,
                    50035,
                    "Invalid Form Body",
                    {
                        "type": {
                            "_errors": [
                                {
                                    "code": "INTERACTION_RESPONSE_TYPE_INVALID",
                                    "message": f"Callback {cb_type} is invalid for interaction type {kind}",
                                }
                            ]
                        }
                    },
                )
            if cb_type in (UPDATE_MESSAGE, DEFERRED_UPDATE_MESSAGE) and state.source_message_id is None:
                raise DiscordHTTPError(
                    400,
                    50035,
                    "Invalid Form Body",
                    {
                        "type": {
                            "_errors": [
                                {
                                    "code": "INTERACTION_RESPONSE_TYPE_INVALID",
                                    "message": "No message to update",
                                }
                            ]
                        }
                    },
                )

        message: StoredMessage | None = None
        if cb_type == CHANNEL_MESSAGE:
            message = self._new_message(
                data, req.files, state, message_type=self._response_message_type(state)
            )
        elif cb_type == DEFERRED_CHANNEL_MESSAGE:
            flags = FLAG_LOADING | (int(data.get("flags") or 0) & FLAG_EPHEMERAL)
            message = self._new_message(
                {"flags": flags},
                [],
                state,
                message_type=self._response_message_type(state),
                allow_empty=True,
                extra_flags=FLAG_LOADING,
            )
        elif cb_type == UPDATE_MESSAGE:
            message = self._edit_message(self.message(state.source_message_id), data, req.files)  # type: ignore[arg-type]
        elif cb_type == DEFERRED_UPDATE_MESSAGE:
            message = self.message(state.source_message_id)  # type: ignore[arg-type]
        elif cb_type == AUTOCOMPLETE_RESULT:
            choices = self._validate_choices(data)
        elif cb_type == MODAL:
            self._validate_modal(data)

        with self._cond:
            state.response_type = cb_type
            if message is not None:
                state.original_message_id = message.id
            if cb_type == AUTOCOMPLETE_RESULT:
                state.autocomplete_choices = choices
            if cb_type == MODAL:
                state.modal = data
        if message is not None and cb_type in (CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE):
            await self._announce("MESSAGE_CREATE", message)
        elif message is not None and cb_type == UPDATE_MESSAGE:
            await self._announce("MESSAGE_UPDATE", message)

        if not req.with_response:
            return 204, None
        body: dict[str, Any] = {
            "interaction": {
                "id": str(state.handle.id),
                "type": kind,
                "response_message_loading": cb_type == DEFERRED_CHANNEL_MESSAGE,
                "response_message_ephemeral": bool(message and message.ephemeral),
            },
            "resource": {"type": cb_type},
        }
        if message is not None:
            body["interaction"]["response_message_id"] = str(message.id)
            body["resource"]["message"] = self._message_payload(message)
        return 200, body

    def _response_message_type(self, state: _Interaction) -> int:
        # CHAT_INPUT_COMMAND for slash command replies, a plain reply otherwise.
        return 20 if state.handle.type == APPLICATION_COMMAND else 19

    def _validate_choices(self, data: dict[str, Any]) -> list[dict[str, Any]]:
        choices = data.get("choices")
        errors = _FormErrors()
        if not isinstance(choices, list):
            errors.add(["data", "choices"], "BASE_TYPE_REQUIRED", "This field is required")
            raise DiscordHTTPError(400, 50035, "Invalid Form Body", errors.tree)
        if len(choices) > 25:
            errors.add(["data", "choices"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        for i, choice in enumerate(choices):
            name = choice.get("name", "")
            if not 1 <= len(name) <= 100:
                errors.add(
                    ["data", "choices", i, "name"],
                    "BASE_TYPE_BAD_LENGTH",
                    "Must be between 1 and 100 in length.",
                )
            if isinstance(choice.get("value"), str):
                errors.max_length(["data", "choices", i, "value"], choice["value"], 100)
        errors.raise_if_any()
        return choices

    def _validate_modal(self, data: dict[str, Any]) -> None:
        errors = _FormErrors()
        title, custom_id, components = (
            data.get("title", ""),
            data.get("custom_id", ""),
            data.get("components") or [],
        )
        if not 1 <= len(title) <= 45:
            errors.add(["data", "title"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 45 in length.")
        if not 1 <= len(custom_id) <= 100:
            errors.add(["data", "custom_id"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        if not 1 <= len(components) <= 5:
            errors.add(["data", "components"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
        errors.raise_if_any()

    async def _followup(self, req: _Request) -> tuple[int, Any]:
        state = self._interaction_state(req)
        if state.response_type not in (
            CHANNEL_MESSAGE,
            DEFERRED_CHANNEL_MESSAGE,
            DEFERRED_UPDATE_MESSAGE,
            UPDATE_MESSAGE,
        ):
            raise DiscordHTTPError(404, 10015, "Unknown Webhook")
        payload = req.json if isinstance(req.json, dict) else {}
        with self._cond:
            original = self._messages.get(state.original_message_id) if state.original_message_id else None
        if (
            state.response_type == DEFERRED_CHANNEL_MESSAGE
            and original is not None
            and original.loading
            and not original.deleted
        ):
            # Discord's compatibility rule: the first follow-up after a "thinking" defer edits the
            # loading message (keeping its ephemerality) instead of creating a new message. Once
            # that message is deleted, a follow-up is a new message (discord-api-docs#2739).
            message = self._edit_message(original, payload, req.files, followup_fill=True)
            await self._announce("MESSAGE_UPDATE", message)
        else:
            message = self._new_message(payload, req.files, state, message_type=0)
            await self._announce("MESSAGE_CREATE", message)
        return (200, self._message_payload(message)) if req.wait else (204, None)

    def _webhook_message(self, req: _Request, state: _Interaction) -> StoredMessage:
        target = req.params["message"]
        with self._cond:
            if target == "@original":
                if state.response_type is None:
                    raise DiscordHTTPError(404, 10015, "Unknown Webhook")
                message = self._messages.get(state.original_message_id) if state.original_message_id else None
            else:
                message = self._messages.get(int(target)) if target.isdigit() else None
                # A webhook can only touch its own messages: here, the app's interaction messages.
                if message is not None and (
                    message.webhook_id != self.application_id or message.channel_id != state.channel_id
                ):
                    message = None
        if message is None or message.deleted:
            raise DiscordHTTPError(404, 10008, "Unknown Message")
        return message

    async def _webhook_get(self, req: _Request) -> tuple[int, Any]:
        return 200, self._message_payload(self._webhook_message(req, self._interaction_state(req)))

    async def _webhook_edit(self, req: _Request) -> tuple[int, Any]:
        message = self._webhook_message(req, self._interaction_state(req))
        message = self._edit_message(
            message, req.json if isinstance(req.json, dict) else {}, req.files, followup_fill=message.loading
        )
        await self._announce("MESSAGE_UPDATE", message)
        return 200, self._message_payload(message)

    async def _webhook_delete(self, req: _Request) -> tuple[int, Any]:
        message = self._webhook_message(req, self._interaction_state(req))
        await self._delete(message)
        return 204, None

    # -- channels

    def _dm_recipient(self, channel_id: int) -> FakeUser | None:
        return next((u for u in self.users.values() if self._dm_channel_id(u) == channel_id), None)

    def _check_channel(self, req: _Request, *needed: int) -> tuple[int, int | None]:
        """(channel id, guild id) of the addressed channel, if the bot may do this there."""
        channel_id = int(req.params["channel"]) if req.params["channel"].isdigit() else 0
        if self._dm_recipient(channel_id) is not None:
            return channel_id, None
        if channel_id != TEXT_CHANNEL_ID:
            raise DiscordHTTPError(404, 10003, "Unknown Channel")
        perms = self.bot_permissions()
        if not perms & ADMINISTRATOR and any(not perms & p for p in (VIEW_CHANNEL, *needed)):
            raise DiscordHTTPError(403, 50013, "Missing Permissions")
        return channel_id, GUILD_ID

    def _dm_channel_payload(self, user: FakeUser) -> dict[str, Any]:
        channel_id = self._dm_channel_id(user)
        return {
            "id": str(channel_id),
            "type": 1,
            "last_message_id": None,
            "flags": 0,
            "recipients": [user.payload()],
        }

    def _channel_message(self, req: _Request) -> StoredMessage:
        message_id = req.params["message"]
        with self._cond:
            message = self._messages.get(int(message_id)) if message_id.isdigit() else None
        if (
            message is None
            or message.deleted
            or str(message.channel_id) != req.params["channel"]
            or message.ephemeral
        ):
            raise DiscordHTTPError(404, 10008, "Unknown Message")
        return message

    async def _get_channel(self, req: _Request) -> tuple[int, Any]:
        channel_id, _ = self._check_channel(req)
        recipient = self._dm_recipient(channel_id)
        return 200, self._dm_channel_payload(recipient) if recipient else self._text_channel_payload()

    async def _open_dm(self, req: _Request) -> tuple[int, Any]:
        recipient_id = str((req.json or {}).get("recipient_id"))
        user = next((u for u in self.users.values() if str(u.id) == recipient_id), None)
        if user is None:
            raise DiscordHTTPError(400, 50007, "Cannot send messages to this user")
        return 200, self._dm_channel_payload(user)

    async def _typing(self, req: _Request) -> tuple[int, Any]:
        self._check_channel(req, SEND_MESSAGES)
        return 204, None

    async def _channel_send(self, req: _Request) -> tuple[int, Any]:
        payload = req.json if isinstance(req.json, dict) else {}
        channel_id, guild_id = self._check_channel(req, SEND_MESSAGES, *([ATTACH_FILES] if req.files else []))
        message = self._new_message(
            {**payload, "flags": int(payload.get("flags") or 0) & ~FLAG_EPHEMERAL},
            req.files,
            None,
            message_type=0,
            channel=(channel_id, guild_id),
        )
        await self._announce("MESSAGE_CREATE", message)
        return 200, self._message_payload(message)

    async def _channel_get_message(self, req: _Request) -> tuple[int, Any]:
        self._check_channel(req, READ_MESSAGE_HISTORY)
        return 200, self._message_payload(self._channel_message(req))

    async def _channel_edit_message(self, req: _Request) -> tuple[int, Any]:
        self._check_channel(req)
        message = self._channel_message(req)
        if message.author_id != self.bot_user.id or message.webhook_id is not None:
            raise DiscordHTTPError(403, 50005, "Cannot edit a message authored by another user")
        message = self._edit_message(message, req.json if isinstance(req.json, dict) else {}, req.files)
        await self._announce("MESSAGE_UPDATE", message)
        return 200, self._message_payload(message)

    async def _channel_delete_message(self, req: _Request) -> tuple[int, Any]:
        self._check_channel(req)
        message = self._channel_message(req)
        await self._delete(message)
        return 204, None

    # ----------------------------------------------------------------------------------
    # Messages
    # ----------------------------------------------------------------------------------

    def _make_attachment(
        self, channel_id: int, filename: str, data: bytes, content_type: str | None, description: str | None
    ) -> StoredAttachment:
        attachment_id = self._snowflake()
        guessed = mimetypes.guess_type(filename)[0]
        # Discord sniffs the type itself; discord.py always uploads as application/octet-stream.
        if guessed and (content_type in (None, "application/octet-stream")):
            content_type = guessed
        size = _png_size(data)
        return StoredAttachment(
            id=attachment_id,
            filename=filename,
            content_type=content_type,
            data=data,
            url=f"{self.base_url}/attachments/{channel_id}/{attachment_id}/{filename}",
            description=description,
            width=size[0] if size else None,
            height=size[1] if size else None,
        )

    def _attachments_for(
        self,
        payload: dict[str, Any],
        files: list[UploadedFile],
        channel_id: int,
        existing: tuple[StoredAttachment, ...],
    ) -> tuple[StoredAttachment, ...]:
        too_big = [f.filename for f in files if len(f.data) > self.attachment_size_limit]
        if too_big:
            raise DiscordHTTPError(413, 40005, "Request entity too large")
        uploads: dict[int, UploadedFile] = {}
        for position, upload in enumerate(files):
            match = re.fullmatch(r"files\[(\d+)\]", upload.field)
            uploads[int(match.group(1)) if match else position] = upload
        if "attachments" not in payload:
            # Without an attachments list, existing files stay and uploads are added.
            new = [
                self._make_attachment(channel_id, u.filename, u.data, u.content_type, None)
                for _, u in sorted(uploads.items())
            ]
            return (*existing, *new)
        by_id = {a.id: a for a in existing}
        result: list[StoredAttachment] = []
        used: set[int] = set()
        for entry in payload.get("attachments") or []:
            entry_id = int(entry["id"])
            if entry_id in by_id:
                result.append(by_id[entry_id])
            elif entry_id in uploads:
                upload = uploads[entry_id]
                used.add(entry_id)
                result.append(
                    self._make_attachment(
                        channel_id,
                        entry.get("filename") or upload.filename,
                        upload.data,
                        upload.content_type,
                        entry.get("description"),
                    )
                )
            else:
                raise DiscordHTTPError(
                    400,
                    50035,
                    "Invalid Form Body",
                    {
                        "attachments": {
                            "_errors": [
                                {"code": "ATTACHMENT_NOT_FOUND", "message": f"Unknown attachment {entry_id}"}
                            ]
                        }
                    },
                )
        for index in set(uploads) - used:
            # API v10: uploads missing from "attachments" are dropped.
            self._warn(f"uploaded {uploads[index].filename!r} is not listed in attachments and was dropped")
        return tuple(result)

    def _validate_message(
        self, payload: dict[str, Any], attachments: tuple[StoredAttachment, ...], creating: bool, flags: int
    ) -> None:
        errors = _FormErrors()
        content = payload.get("content") or ""
        errors.max_length(["content"], content, 2000)
        embeds = payload.get("embeds") or []
        if len(embeds) > 10:
            errors.add(["embeds"], "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
        total = 0
        for i, embed in enumerate(embeds):
            limits = (("title", 256), ("description", 4096))
            for key, limit in limits:
                errors.max_length(["embeds", i, key], embed.get(key), limit)
                total += len(embed.get(key) or "")
            errors.max_length(["embeds", i, "footer", "text"], (embed.get("footer") or {}).get("text"), 2048)
            errors.max_length(["embeds", i, "author", "name"], (embed.get("author") or {}).get("name"), 256)
            total += len((embed.get("footer") or {}).get("text") or "") + len(
                (embed.get("author") or {}).get("name") or ""
            )
            fields = embed.get("fields") or []
            if len(fields) > 25:
                errors.add(["embeds", i, "fields"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
            for j, fld in enumerate(fields):
                for key, limit in (("name", 256), ("value", 1024)):
                    text = fld.get(key)
                    if not text:
                        errors.add(
                            ["embeds", i, "fields", j, key], "BASE_TYPE_REQUIRED", "This field is required"
                        )
                    else:
                        errors.max_length(["embeds", i, "fields", j, key], text, limit)
                        total += len(text)
        if total > 6000:
            errors.add(["embeds"], "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
        if len(attachments) > 10:
            errors.add(["attachments"], "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
        components = payload.get("components") or []
        if not flags & FLAG_COMPONENTS_V2:
            self._validate_action_rows(components, errors)
        custom_ids = [c["custom_id"] for c in _walk_components(components) if "custom_id" in c]
        for custom_id in custom_ids:
            if len(custom_id) > 100:
                errors.add(
                    ["components"], "BASE_TYPE_MAX_LENGTH", "custom_id must be 100 or fewer in length."
                )
        if len(custom_ids) != len(set(custom_ids)):
            errors.add(
                ["components"], "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated"
            )
        errors.raise_if_any()
        if creating and not (content or embeds or attachments or components or payload.get("poll")):
            raise DiscordHTTPError(400, 50006, "Cannot send an empty message")

    def _validate_action_rows(self, rows: list[dict[str, Any]], errors: _FormErrors) -> None:
        if len(rows) > 5:
            errors.add(["components"], "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
        for i, row in enumerate(rows):
            if row.get("type") != ACTION_ROW:
                errors.add(
                    ["components", i, "type"],
                    "UNION_TYPE_CHOICES",
                    "Top-level components must be action rows unless IS_COMPONENTS_V2 is set",
                )
                continue
            children = row.get("components") or []
            selects = [c for c in children if c.get("type") in _SELECTS]
            if not 1 <= len(children) <= 5 or (selects and len(children) > 1):
                errors.add(
                    ["components", i, "components"],
                    "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                    "An action row holds 1-5 buttons or a single select menu",
                )
            for j, child in enumerate(children):
                where: list[str | int] = ["components", i, "components", j]
                errors.max_length([*where, "label"], child.get("label"), 80)
                if child.get("type") == BUTTON:
                    link = child.get("style") in (LINK_BUTTON_STYLE, PREMIUM_BUTTON_STYLE)
                    if link == ("custom_id" in child):
                        errors.add(
                            [*where, "custom_id"],
                            "BUTTON_COMPONENT_INVALID",
                            "Link buttons need a url and no custom_id; other buttons need a custom_id",
                        )
                elif child.get("type") in _SELECTS:
                    options = child.get("options") or []
                    if child["type"] == STRING_SELECT and not 1 <= len(options) <= 25:
                        errors.add(
                            [*where, "options"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 25 in length."
                        )
                    errors.max_length([*where, "placeholder"], child.get("placeholder"), 150)
                    for k, option in enumerate(options):
                        errors.max_length([*where, "options", k, "label"], option.get("label"), 100)
                        errors.max_length([*where, "options", k, "value"], option.get("value"), 100)

    def _new_message(
        self,
        payload: dict[str, Any],
        files: list[UploadedFile],
        state: _Interaction | None,
        *,
        message_type: int,
        allow_empty: bool = False,
        extra_flags: int = 0,
        channel: tuple[int, int | None] = (TEXT_CHANNEL_ID, GUILD_ID),
    ) -> StoredMessage:
        channel_id, guild_id = (state.channel_id, state.guild_id) if state else channel
        flags = (int(payload.get("flags") or 0) & _SETTABLE_FLAGS) | extra_flags
        attachments = self._attachments_for(payload, files, channel_id, ())
        self._validate_message(payload, attachments, creating=not allow_empty, flags=flags)
        message = StoredMessage(
            id=self._snowflake(),
            channel_id=channel_id,
            guild_id=guild_id,
            author_id=self.bot_user.id,
            type=message_type,
            content=payload.get("content") or "",
            embeds=tuple(payload.get("embeds") or ()),
            components=tuple(payload.get("components") or ()),
            attachments=attachments,
            flags=flags,
            allowed_mentions=payload.get("allowed_mentions"),
            tts=bool(payload.get("tts")),
            created_at=time.time(),
            interaction_id=state.handle.id if state else None,
            webhook_id=self.application_id if state else None,
        )
        self._check_attachment_refs(message)
        with self._cond:
            self._messages[message.id] = message
        return message

    def _edit_message(
        self,
        message: StoredMessage,
        payload: dict[str, Any],
        files: list[UploadedFile],
        *,
        followup_fill: bool = False,
    ) -> StoredMessage:
        attachments = self._attachments_for(payload, files, message.channel_id, message.attachments)
        flags = message.flags
        if "flags" in payload and payload["flags"] is not None:
            # Only SUPPRESS_EMBEDS (and COMPONENTS_V2, one way) can change on edit.
            flags = (flags & ~FLAG_SUPPRESS_EMBEDS) | (
                int(payload["flags"]) & (FLAG_SUPPRESS_EMBEDS | FLAG_COMPONENTS_V2)
            )
        if followup_fill:
            flags &= ~FLAG_LOADING
        merged = {
            "content": payload.get("content", message.content),
            "embeds": payload["embeds"] if "embeds" in payload else list(message.embeds),
            "components": payload["components"] if "components" in payload else list(message.components),
        }
        self._validate_message(merged, attachments, creating=followup_fill, flags=flags)
        updated = dataclasses.replace(
            message,
            content=merged["content"] or "",
            embeds=tuple(merged["embeds"] or ()),
            components=tuple(merged["components"] or ()),
            attachments=attachments,
            flags=flags,
            allowed_mentions=payload.get("allowed_mentions", message.allowed_mentions),
            edited_at=None if followup_fill else time.time(),
            edit_count=message.edit_count + (0 if followup_fill else 1),
        )
        self._check_attachment_refs(updated)
        with self._cond:
            self._messages[message.id] = updated
        return updated

    async def _delete(self, message: StoredMessage) -> None:
        with self._cond:
            self._messages[message.id] = dataclasses.replace(message, deleted=True)
        session = self._message_event_session(message)
        if session is not None:
            data = {"id": str(message.id), "channel_id": str(message.channel_id)}
            if message.guild_id:
                data["guild_id"] = str(message.guild_id)
            await self._dispatch(session, "MESSAGE_DELETE", data)

    def _warn(self, text: str) -> None:
        with self._cond:
            self._warnings.append(text)

    def _check_attachment_refs(self, message: StoredMessage) -> None:
        names = set(message.filenames)
        for ref in self._embed_refs(message.embeds):
            if ref not in names:
                self._warn(
                    f"message {message.id}: embed references attachment://{ref} but no such file is attached"
                )

    @staticmethod
    def _embed_refs(embeds: Iterable[dict[str, Any]]) -> Iterator[str]:
        for embed in embeds:
            for key, url_key in (
                ("image", "url"),
                ("thumbnail", "url"),
                ("author", "icon_url"),
                ("footer", "icon_url"),
            ):
                url = (embed.get(key) or {}).get(url_key) or ""
                if url.startswith("attachment://"):
                    yield url[len("attachment://") :]

    def _message_payload(self, message: StoredMessage) -> dict[str, Any]:
        by_name = {a.filename: a for a in message.attachments}
        referenced = set(self._embed_refs(message.embeds))
        embeds = []
        for embed in message.embeds:
            embed = json.loads(json.dumps(embed))
            embed.setdefault("type", "rich")
            for key, url_key in (
                ("image", "url"),
                ("thumbnail", "url"),
                ("author", "icon_url"),
                ("footer", "icon_url"),
            ):
                part = embed.get(key)
                url = (part or {}).get(url_key) or ""
                if url.startswith("attachment://") and url[13:] in by_name:
                    target = by_name[url[13:]]
                    part[url_key] = target.url
                    part["proxy_" + url_key] = target.url
                    if key in ("image", "thumbnail") and target.width:
                        part["width"], part["height"] = target.width, target.height
            embeds.append(embed)
        data: dict[str, Any] = {
            "id": str(message.id),
            "type": message.type,
            "channel_id": str(message.channel_id),
            "author": self.bot_user.payload(),
            "content": message.content,
            "timestamp": _iso(message.created_at),
            "edited_timestamp": _iso(message.edited_at) if message.edited_at else None,
            "tts": message.tts,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            # Files shown inside an embed via attachment:// are not listed as attachments.
            "attachments": [a.payload() for a in message.attachments if a.filename not in referenced],
            "embeds": embeds,
            "components": list(message.components),
            "pinned": False,
            "flags": message.flags,
        }
        if message.guild_id is not None:
            data["guild_id"] = str(message.guild_id)
        if message.webhook_id is not None:
            data["webhook_id"] = str(message.webhook_id)
            data["application_id"] = str(self.application_id)
        if message.interaction_id is not None:
            with self._cond:
                state = self._interactions.get(message.interaction_id)
            if state is not None:
                data["interaction_metadata"] = {
                    "id": str(state.handle.id),
                    "type": state.handle.type,
                    "user": state.handle.user.payload(),
                    "authorizing_integration_owners": state.handle.payload.get(
                        "authorizing_integration_owners", {}
                    ),
                }
        return data

    def _message_event_session(self, message: StoredMessage) -> _Session | None:
        if not self.dispatch_message_events or message.ephemeral:
            return None
        session = self._session_for_guild(message.guild_id)
        needed = INTENT_GUILD_MESSAGES if message.guild_id else INTENT_DIRECT_MESSAGES
        if session is None or not session.intents & needed:
            return None
        return session

    async def _announce(self, event: str, message: StoredMessage) -> None:
        session = self._message_event_session(message)
        if session is None:
            return
        data = self._message_payload(message)
        if message.guild_id is not None:
            member = self._member_payload(self.bot_user)
            del member["user"]
            data["member"] = member
        await self._dispatch(session, event, data)
