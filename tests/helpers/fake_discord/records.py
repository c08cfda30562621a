"""What the fake records and stores, as tests read it: users, uploaded files, messages, interaction
handles, REST requests and gateway frames. Instances are immutable snapshots, so tests can hold on to
them while the fake keeps changing on its own thread."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .constants import FLAG_EPHEMERAL, FLAG_LOADING


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
        yield from walk_components(self.components)

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
    response_headers: dict[str, str] = field(default_factory=dict, repr=False)

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

    @property
    def rate_limited(self) -> bool:
        """Answered 429: Discord did nothing with it (see FakeDiscord.rate_limited)."""
        return self.status == 429

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


def walk_components(components: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for component in components:
        yield component
        yield from walk_components(component.get("components") or [])
        for key in ("component", "accessory"):
            if isinstance(component.get(key), dict):
                yield from walk_components([component[key]])
