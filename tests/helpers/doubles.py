"""Interaction doubles for cog tests: just enough of ``discord.Interaction`` for the real callbacks.

``FakeInteraction`` is not a ``discord.Interaction`` subclass; it carries the attributes and coroutines
BERT Lens and discord.py's own dispatch code (``CommandTree._call``, ``View._scheduled_task``,
``Namespace``, cooldown checks) read:

* ``response``: ``send_message``, ``defer(ephemeral=, thinking=)``, ``edit_message``, ``autocomplete``,
  ``is_done()`` and ``type``, with Discord's rule that the initial response happens once
  (a second one raises ``discord.InteractionResponded``) and discord.py's choice of defer type
  (``deferred_channel_message`` for commands, ``deferred_message_update`` for a component click
  unless ``thinking=True``);
* ``followup.send(..., wait=True)`` returning a ``FakeMessage`` (a follow-up before any initial
  response fails with 404 Unknown Webhook, as on Discord);
* ``edit_original_response``, ``delete_original_response``, ``original_response``, ``is_expired()``;
* ``id``/``created_at`` (a real snowflake of "now", so cooldowns see real timestamps), ``type``,
  ``locale``, ``user``, ``guild_id``, ``guild``, ``data``, ``extras``, ``client``, ``command`` and
  ``namespace`` (the last two as discord.py fills them: from ``_cs_command``/``_cs_namespace``).

Every call is recorded in ``interaction.calls`` (one list, in order, across response, follow-ups,
original-response edits and message edits) as a ``Call`` with its keyword arguments; files are read
when "uploaded" and kept as ``SentFile`` (filename + bytes), so a test can decode the PNG the user got.

Discord's limits (``bot.limits``) are enforced the way Discord enforces them, with an HTTP 400 (413 for
uploads): content over 2,000 characters, embed title/description/field/footer/total sizes, more than 25
fields or 25 autocomplete choices, a ``discord.File`` sent twice (its buffer is consumed by the first
upload).
Rejected calls raise ``discord.HTTPException`` and are listed in ``interaction.rejected``.

Builders make interactions as Discord sends them (``command_interaction``, ``autocomplete_interaction``,
``message_command_interaction``, ``component_interaction``); ``dispatch`` hands one to the bot's
``CommandTree._call`` and ``click`` to ``View._scheduled_task``, so discord.py's own routing, checks
and error handlers run. ``build_bot``/``close_bot`` make a real ``BertLens`` that never logs in.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import discord
from discord import app_commands

from bot import limits

MISSING: Any = discord.utils.MISSING

_ids = itertools.count(1)
_UPLOADED: dict[int, discord.File] = {}  # every File any double has uploaded (discord.File has __slots__)


def snowflake() -> int:
    """A fresh snowflake for "now" (unique within the test run)."""
    return discord.utils.time_snowflake(discord.utils.utcnow()) + next(_ids) % 4096


def http_error(status: int, message: str, code: int = 50035) -> discord.HTTPException:
    reasons = {
        400: "Bad Request",
        401: "Unauthorized",
        403: "Forbidden",
        404: "Not Found",
        413: "Payload Too Large",
    }
    response = SimpleNamespace(status=status, reason=reasons.get(status, "Error"))
    cls = discord.NotFound if status == 404 else discord.HTTPException
    return cls(response, {"code": code, "message": message})


# ---------------------------------------------------------------------------------------- records


@dataclass
class SentFile:
    """A file as Discord received it."""

    filename: str
    data: bytes
    description: str | None = None


@dataclass
class Call:
    """One recorded call: ``method`` is e.g. ``response.send_message``, ``followup.send``,
    ``edit_original_response``, ``message.edit``; ``kwargs`` as passed (files also decoded in ``files``)."""

    method: str
    kwargs: dict[str, Any]
    files: list[SentFile] = field(default_factory=list)

    # conveniences -----------------------------------------------------------------------------

    @property
    def content(self) -> str | None:
        value = self.kwargs.get("content")
        return None if value is MISSING else value

    @property
    def embeds(self) -> list[discord.Embed]:
        embeds = []
        if self.kwargs.get("embed") not in (None, MISSING):
            embeds.append(self.kwargs["embed"])
        if self.kwargs.get("embeds") not in (None, MISSING):
            embeds.extend(self.kwargs["embeds"])
        return embeds

    @property
    def embed(self) -> discord.Embed | None:
        return self.embeds[0] if self.embeds else None

    @property
    def view(self) -> discord.ui.View | None:
        value = self.kwargs.get("view")
        return None if value is MISSING else value

    @property
    def ephemeral(self) -> bool:
        return bool(self.kwargs.get("ephemeral", False))

    @property
    def allowed_mentions(self) -> discord.AllowedMentions | None:
        value = self.kwargs.get("allowed_mentions")
        return None if value is MISSING else value

    def texts(self) -> list[str]:
        """Every piece of text a user can read in this call where Discord renders markdown and mentions:
        content and embed text, but not embed footers, which Discord shows as plain text."""
        out = [self.content] if self.content else []
        for embed in self.embeds:
            out.extend(embed_texts(embed))
        return out

    def footers(self) -> list[str]:
        """Embed footers: plain text on Discord (no markdown, no mentions)."""
        return [embed.footer.text for embed in self.embeds if embed.footer.text]


def embed_texts(embed: discord.Embed) -> list[str]:
    out = [embed.title, embed.description, embed.author.name]
    for f in embed.fields:
        out.extend([f.name, f.value])
    return [s for s in out if s]


def _embed_size_problem(embed: discord.Embed) -> str | None:
    if embed.title and len(embed.title) > limits.EMBED_TITLE:
        return f"embed title longer than {limits.EMBED_TITLE}"
    if embed.description and len(embed.description) > limits.EMBED_DESCRIPTION:
        return f"embed description longer than {limits.EMBED_DESCRIPTION}"
    if len(embed.fields) > limits.EMBED_FIELDS:
        return f"more than {limits.EMBED_FIELDS} embed fields"
    for f in embed.fields:
        if not f.name or not f.value:
            return "embed field name/value must be non-empty"
        if len(f.name) > limits.EMBED_FIELD_NAME or len(f.value) > limits.EMBED_FIELD_VALUE:
            return "embed field too long"
    if embed.footer.text and len(embed.footer.text) > limits.EMBED_FOOTER:
        return f"embed footer longer than {limits.EMBED_FOOTER}"
    if embed.author.name and len(embed.author.name) > limits.EMBED_AUTHOR:
        return f"embed author name longer than {limits.EMBED_AUTHOR}"
    if len(embed) > limits.EMBED_TOTAL:
        return f"embed larger than {limits.EMBED_TOTAL} characters"
    return None


# ---------------------------------------------------------------------------------------- message


class FakeMessage:
    """A message the bot sent (follow-up or original response) or one a user wrote (context menu)."""

    def __init__(
        self,
        interaction: FakeInteraction | None = None,
        *,
        content: str = "",
        embeds: Sequence[discord.Embed] = (),
        attachments: Sequence[SentFile] = (),
        view: discord.ui.View | None = None,
        ephemeral: bool = False,
        author: Any = None,
        id: int | None = None,
    ) -> None:
        self.id = id or snowflake()
        self._interaction = interaction
        self.content = content
        self.embeds = list(embeds)
        self.attachments = list(attachments)
        self.view = view
        self.ephemeral = ephemeral
        self.author = author
        self.edited = asyncio.Event()
        self.deleted = False

    async def edit(self, **kwargs: Any) -> FakeMessage:
        if self._interaction is None:
            raise http_error(403, "Cannot edit a message authored by another user", 50005)
        call = self._interaction._record("message.edit", kwargs)
        self._apply(call)
        self.edited.set()
        return self

    async def delete(self, *, delay: float | None = None) -> None:
        self.deleted = True

    def _apply(self, call: Call) -> None:
        if "content" in call.kwargs and call.content is not None:
            self.content = call.content
        if call.embeds:
            self.embeds = call.embeds
        if "attachments" in call.kwargs:
            self.attachments = list(call.files)
        if "view" in call.kwargs:
            self.view = call.view


# ---------------------------------------------------------------------------------------- response


class FakeResponse:
    """``discord.InteractionResponse``: one initial response per interaction."""

    def __init__(self, interaction: FakeInteraction) -> None:
        self._parent = interaction
        self._response_type: discord.InteractionResponseType | None = None

    def is_done(self) -> bool:
        return self._response_type is not None

    @property
    def type(self) -> discord.InteractionResponseType | None:
        return self._response_type

    def _start(self) -> None:
        if self.is_done():
            raise discord.InteractionResponded(self._parent)  # type: ignore[arg-type]
        if self._parent.is_expired():
            raise http_error(404, "Unknown interaction", 10062)

    async def defer(self, *, ephemeral: bool = False, thinking: bool = False) -> None:
        self._start()
        parent = self._parent
        if parent.type in (discord.InteractionType.component, discord.InteractionType.modal_submit):
            kind = (
                discord.InteractionResponseType.deferred_channel_message
                if thinking
                else discord.InteractionResponseType.deferred_message_update
            )
        elif parent.type is discord.InteractionType.application_command:
            kind = discord.InteractionResponseType.deferred_channel_message
        else:
            raise TypeError(f"cannot defer a {parent.type} interaction")
        parent._record("response.defer", {"ephemeral": ephemeral, "thinking": thinking})
        self._response_type = kind
        if kind is discord.InteractionResponseType.deferred_message_update:
            # The "original response" of a deferred click is the message the component is on.
            parent._original, parent._original_filled = parent.message, True
        else:
            # A "thinking..." placeholder; the first follow-up replaces it.
            parent._original = FakeMessage(parent, ephemeral=ephemeral)

    async def send_message(
        self,
        content: Any = None,
        *,
        embed: Any = MISSING,
        embeds: Any = MISSING,
        file: Any = MISSING,
        files: Any = MISSING,
        view: Any = MISSING,
        tts: bool = False,
        ephemeral: bool = False,
        allowed_mentions: Any = MISSING,
        suppress_embeds: bool = False,
        silent: bool = False,
        delete_after: float | None = None,
    ) -> None:
        self._start()
        kwargs = _given(
            content=content,
            embed=embed,
            embeds=embeds,
            file=file,
            files=files,
            view=view,
            ephemeral=ephemeral,
            allowed_mentions=allowed_mentions,
        )
        call = self._parent._record("response.send_message", kwargs)
        self._response_type = discord.InteractionResponseType.channel_message
        self._parent._original_filled = True
        self._parent._original = FakeMessage(
            self._parent,
            content=call.content or "",
            embeds=call.embeds,
            attachments=call.files,
            view=call.view,
            ephemeral=ephemeral,
        )

    async def edit_message(
        self,
        *,
        content: Any = MISSING,
        embed: Any = MISSING,
        embeds: Any = MISSING,
        attachments: Any = MISSING,
        view: Any = MISSING,
        allowed_mentions: Any = MISSING,
        delete_after: float | None = None,
    ) -> None:
        if self._parent.type is not discord.InteractionType.component:
            raise TypeError("edit_message is only for component interactions")
        self._start()
        kwargs = _given(
            content=content,
            embed=embed,
            embeds=embeds,
            attachments=attachments,
            view=view,
            allowed_mentions=allowed_mentions,
        )
        call = self._parent._record("response.edit_message", kwargs)
        self._response_type = discord.InteractionResponseType.message_update
        if self._parent.message is not None:
            self._parent.message._apply(call)

    async def autocomplete(self, choices: Sequence[app_commands.Choice[Any]]) -> None:
        if self._parent.type is not discord.InteractionType.autocomplete:
            raise TypeError("autocomplete is only for autocomplete interactions")
        self._start()
        choices = list(choices)
        if len(choices) > limits.CHOICES:
            self._parent._reject(http_error(400, f"Must be {limits.CHOICES} or fewer in length."))
        for choice in choices:
            if not 1 <= len(choice.name) <= limits.CHOICE_NAME:
                self._parent._reject(
                    http_error(400, f"Choice name must be 1-{limits.CHOICE_NAME} characters.")
                )
        self._parent._record("response.autocomplete", {"choices": choices})
        self._response_type = discord.InteractionResponseType.autocomplete_result


def _given(**kwargs: Any) -> dict[str, Any]:
    """Keep what the caller actually passed (MISSING means "not passed")."""
    return {k: v for k, v in kwargs.items() if v is not MISSING}


class FakeFollowup:
    """``interaction.followup`` (a ``discord.Webhook``): only ``send``."""

    def __init__(self, interaction: FakeInteraction) -> None:
        self._parent = interaction

    async def send(
        self,
        content: Any = MISSING,
        *,
        embed: Any = MISSING,
        embeds: Any = MISSING,
        file: Any = MISSING,
        files: Any = MISSING,
        view: Any = MISSING,
        tts: bool = False,
        ephemeral: bool = False,
        allowed_mentions: Any = MISSING,
        suppress_embeds: bool = False,
        silent: bool = False,
        wait: bool = False,
    ) -> FakeMessage | None:
        parent = self._parent
        if not parent.response.is_done():
            parent._reject(http_error(404, "Unknown Webhook", 10015))
        if parent.is_expired():
            parent._reject(http_error(401, "Invalid Webhook Token", 50027))
        kwargs = _given(
            content=content,
            embed=embed,
            embeds=embeds,
            file=file,
            files=files,
            view=view,
            ephemeral=ephemeral,
            allowed_mentions=allowed_mentions,
            wait=wait,
        )
        call = parent._record("followup.send", kwargs)
        message = FakeMessage(
            parent,
            content=call.content or "",
            embeds=call.embeds,
            attachments=call.files,
            view=call.view,
            ephemeral=ephemeral,
        )
        # The first follow-up after a "thinking" defer replaces the placeholder, as on Discord.
        if parent._original is not None and not parent._original_filled:
            parent._original_filled = True
            parent._original = message
        parent.messages.append(message)
        return message if wait else None


# ---------------------------------------------------------------------------------------- users


class FakeUser:
    def __init__(self, id: int | None = None, name: str = "tester") -> None:
        self.id = id or snowflake()
        self.name = name
        self.display_name = name
        self.global_name = name
        self.bot = False

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def __repr__(self) -> str:
        return f"<FakeUser id={self.id}>"


# ---------------------------------------------------------------------------------------- interaction


class FakeInteraction:
    """See the module docstring. Build one with ``command``/``autocomplete``/``component``."""

    def __init__(
        self,
        client: Any,
        *,
        type: discord.InteractionType = discord.InteractionType.application_command,
        user: FakeUser | None = None,
        locale: discord.Locale = discord.Locale.american_english,
        guild_id: int | None = 111_111_111_111_111_111,
        data: dict[str, Any] | None = None,
        message: FakeMessage | None = None,
        namespace: Any = None,
        command: Any = None,
        filesize_limit: int = limits.FILESIZE_DEFAULT,
        channel_id: int = 222_222_222_222_222_222,
        permissions: discord.Permissions | None = None,
    ) -> None:
        self.client = client
        self._client = client
        self._state = getattr(client, "_connection", None)
        self.id = snowflake()
        self.type = type
        self.user = user or FakeUser()
        self.locale = locale
        self.guild_locale = discord.Locale.american_english if guild_id else None
        self.guild_id = guild_id
        self.guild = None
        self.channel = None
        self.channel_id = channel_id
        # What the member may do where they run the command (Discord sends it as app_permissions and
        # member permissions; interaction.permissions is the member's).
        self.permissions = permissions if permissions is not None else discord.Permissions.none()
        self.data = data or {}
        self.message = message
        self.extras: dict[Any, Any] = {}
        self.command_failed = False
        self.filesize_limit = filesize_limit
        self.token = "fake-token"
        self.application_id = 333_333_333_333_333_333
        self.response = FakeResponse(self)
        self.followup = FakeFollowup(self)
        self.calls: list[Call] = []
        self.rejected: list[discord.HTTPException] = []
        self.messages: list[FakeMessage] = []  # follow-ups, in order
        self._original: FakeMessage | None = None
        self._original_filled = False
        self._original_deleted = False
        self.expired = False
        if namespace is not None:
            self._cs_namespace = namespace
        if command is not None:
            self._cs_command = command

    # discord.py fills these two caches while dispatching (tree._call pre-fills them) -------------

    @property
    def namespace(self) -> Any:
        return getattr(self, "_cs_namespace", None) or app_commands.Namespace(self, {}, [])  # type: ignore[arg-type]

    @namespace.setter
    def namespace(self, value: Any) -> None:
        self._cs_namespace = value

    @property
    def command(self) -> Any:
        return getattr(self, "_cs_command", None)

    @command.setter
    def command(self, value: Any) -> None:
        self._cs_command = value

    # time ----------------------------------------------------------------------------------------

    @property
    def created_at(self) -> dt.datetime:
        return discord.utils.snowflake_time(self.id)

    @property
    def expires_at(self) -> dt.datetime:
        return self.created_at + dt.timedelta(seconds=limits.TOKEN_SECONDS)

    def is_expired(self) -> bool:
        return self.expired or discord.utils.utcnow() >= self.expires_at

    # original response ---------------------------------------------------------------------------

    async def original_response(self) -> FakeMessage:
        if not self.response.is_done() or self._original is None or self._original_deleted:
            raise http_error(404, "Unknown Message", 10008)
        self._record("original_response", {})
        return self._original

    async def edit_original_response(
        self,
        *,
        content: Any = MISSING,
        embed: Any = MISSING,
        embeds: Any = MISSING,
        attachments: Any = MISSING,
        view: Any = MISSING,
        allowed_mentions: Any = MISSING,
    ) -> FakeMessage:
        if not self.response.is_done():
            self._reject(http_error(404, "Unknown Webhook", 10015))
        target = self._original or self.message
        if target is None or self._original_deleted:
            self._reject(http_error(404, "Unknown Message", 10008))
        kwargs = _given(
            content=content,
            embed=embed,
            embeds=embeds,
            attachments=attachments,
            view=view,
            allowed_mentions=allowed_mentions,
        )
        call = self._record("edit_original_response", kwargs)
        assert target is not None
        target._apply(call)
        return target

    async def delete_original_response(self) -> None:
        if not self.response.is_done() or self._original_deleted:
            self._reject(http_error(404, "Unknown Message", 10008))
        self._record("delete_original_response", {})
        self._original_deleted = True

    # recording -----------------------------------------------------------------------------------

    def _reject(self, error: discord.HTTPException) -> None:
        self.rejected.append(error)
        raise error

    def _record(self, method: str, kwargs: dict[str, Any]) -> Call:
        call = Call(method, dict(kwargs))
        content = call.content
        if content is not None and len(str(content)) > limits.CONTENT:
            self._reject(http_error(400, f"content: Must be {limits.CONTENT} or fewer in length."))
        if len(call.embeds) > limits.EMBEDS_PER_MESSAGE:
            self._reject(http_error(400, f"embeds: Must be {limits.EMBEDS_PER_MESSAGE} or fewer in length."))
        for embed in call.embeds:
            problem = _embed_size_problem(embed)
            if problem:
                self._reject(http_error(400, f"Invalid Form Body: {problem}"))
        uploads: list[Any] = []
        for key in ("file", "files", "attachments"):
            value = kwargs.get(key)
            if value in (None, MISSING):
                continue
            uploads.extend(value if isinstance(value, list | tuple) else [value])
        for item in uploads:
            if isinstance(item, discord.File):
                call.files.append(self._upload(item))
            elif isinstance(item, SentFile):  # keeping an attachment that is already there
                call.files.append(item)
        self.calls.append(call)
        return call

    def _upload(self, file: discord.File) -> SentFile:
        if id(file) in _UPLOADED:
            self._reject(
                http_error(400, f"discord.File {file.filename!r} was already sent once (single use)")
            )
        file.fp.seek(0)
        data = file.fp.read()
        _UPLOADED[id(file)] = file  # kept alive so its id is never reused
        if len(data) > self.filesize_limit:
            self._reject(http_error(413, "Request entity too large", 40005))
        return SentFile(file.filename, data, file.description)

    # queries -------------------------------------------------------------------------------------

    def named(self, *methods: str) -> list[Call]:
        return [c for c in self.calls if c.method in methods]

    @property
    def sends(self) -> list[Call]:
        """Calls that put a message (or message edit) in front of the user."""
        return self.named(
            "response.send_message",
            "followup.send",
            "edit_original_response",
            "response.edit_message",
            "message.edit",
        )

    @property
    def deferred(self) -> bool:
        return bool(self.named("response.defer"))

    def only_send(self) -> Call:
        sends = [c for c in self.sends if c.method in ("response.send_message", "followup.send")]
        assert len(sends) == 1, f"expected one message, got {[c.method for c in self.calls]}"
        return sends[0]

    def texts(self) -> list[str]:
        return [text for call in self.sends for text in call.texts()]

    def footers(self) -> list[str]:
        return [text for call in self.sends for text in call.footers()]


# ---------------------------------------------------------------------------------------- builders


def _option(name: str, value: Any, focused: bool = False) -> dict[str, Any]:
    if isinstance(value, bool):
        kind = 5
    elif isinstance(value, int):
        kind = 4
    elif isinstance(value, float):
        kind = 10
    else:
        kind = 3
    option: dict[str, Any] = {"name": name, "type": kind, "value": value}
    if focused:
        option["focused"] = True
    return option


def command_interaction(
    client: Any,
    name: str,
    *,
    user: FakeUser | None = None,
    locale: discord.Locale = discord.Locale.american_english,
    subcommand: str | None = None,
    guild_id: int | None = 111_111_111_111_111_111,
    channel_id: int = 222_222_222_222_222_222,
    permissions: discord.Permissions | None = None,
    **options: Any,
) -> FakeInteraction:
    """A slash command invocation as Discord sends it (``data.options``, string/int/bool only);
    options given as None are left out, as Discord leaves out options the user did not fill. A
    ``subcommand`` of a group carries the options itself, as Discord nests them."""
    given = [_option(k, v) for k, v in options.items() if v is not None]
    if subcommand is not None:
        given = [{"name": subcommand, "type": 1, "options": given}]
    data = {"id": str(snowflake()), "name": name, "type": 1, "options": given}
    return FakeInteraction(
        client,
        user=user,
        locale=locale,
        data=data,
        guild_id=guild_id,
        channel_id=channel_id,
        permissions=permissions,
    )


def autocomplete_interaction(
    client: Any,
    name: str,
    focused: str,
    current: str,
    *,
    user: FakeUser | None = None,
    locale: discord.Locale = discord.Locale.american_english,
    **options: Any,
) -> FakeInteraction:
    """An autocomplete request: the focused option holds the text typed so far."""
    opts = [_option(k, v) for k, v in options.items() if v is not None]
    opts.append(_option(focused, current, focused=True))
    data = {"id": str(snowflake()), "name": name, "type": 1, "options": opts}
    return FakeInteraction(
        client, type=discord.InteractionType.autocomplete, user=user, locale=locale, data=data
    )


def component_interaction(
    client: Any,
    item: discord.ui.Item[Any],
    *,
    user: FakeUser,
    message: FakeMessage | None = None,
    values: Iterable[str] | None = None,
    locale: discord.Locale = discord.Locale.american_english,
) -> FakeInteraction:
    """A click on ``item`` (a button, or a select with ``values`` chosen) of a message."""
    data: dict[str, Any] = {"custom_id": item.custom_id, "component_type": item.type.value}  # type: ignore[attr-defined]
    if values is not None:
        data["values"] = list(values)
    return FakeInteraction(
        client, type=discord.InteractionType.component, user=user, locale=locale, data=data, message=message
    )


def message_command_interaction(
    client: Any,
    name: str,
    content: str,
    *,
    user: FakeUser | None = None,
    locale: discord.Locale = discord.Locale.american_english,
) -> FakeInteraction:
    """A message context-menu invocation; discord.py builds a real ``discord.Message`` from
    ``data.resolved.messages`` as it does for Discord's payload."""
    author = FakeUser(name="author")
    target = snowflake()
    channel_id = 222_222_222_222_222_222
    message = {
        "id": str(target),
        "channel_id": str(channel_id),
        "author": {"id": str(author.id), "username": author.name, "discriminator": "0", "avatar": None},
        "content": content,
        "timestamp": discord.utils.utcnow().isoformat(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "type": 0,
    }
    data = {
        "id": str(snowflake()),
        "name": name,
        "type": 3,
        "target_id": str(target),
        "resolved": {"messages": {str(target): message}},
    }
    return FakeInteraction(client, user=user, locale=locale, data=data)


# ---------------------------------------------------------------------------------------- driving


async def dispatch(interaction: FakeInteraction) -> None:
    """Hand the interaction to discord.py's command tree exactly as the gateway handler does:
    tree ``interaction_check``, command lookup, namespace, checks (cooldown), transformers, the
    callback or the autocomplete, and ``on_error`` for whatever the callback raised."""
    await interaction.client.tree._call(interaction)


async def click(view: discord.ui.View, item: discord.ui.Item[Any], interaction: FakeInteraction) -> None:
    """What discord.py's view store does with a component interaction: refresh the item's state
    from ``interaction.data`` (select values), run ``interaction_check``, then the callback, with
    errors routed to ``view.on_error``."""
    await view._scheduled_task(item, interaction)  # type: ignore[arg-type]


async def click_control(client: Any, message: Any, custom_id: str, interaction: FakeInteraction) -> None:
    """What discord.py's view store does with a click on a persistent (``DynamicItem``) control: match
    the custom_id against the registered templates, rebuild the item from it and from the message's
    component, refresh its state from ``interaction.data``, run ``interaction_check``, then the
    callback. Nothing of the view object that sent the message is used, as after a restart."""
    if len(custom_id) > limits.CUSTOM_ID:
        raise http_error(400, f"custom_id: Must be {limits.CUSTOM_ID} or fewer in length.")
    store = client._connection._view_store
    found = [(f, m) for p, f in store._dynamic_items.items() if (m := p.fullmatch(custom_id)) is not None]
    assert found, f"no persistent control answers custom_id {custom_id!r}"
    factory, match = found[0]
    sent = next(
        child for child in message.view.walk_children() if getattr(child, "custom_id", None) == custom_id
    )
    base = sent.item if isinstance(sent, discord.ui.DynamicItem) else sent
    item = await factory.from_custom_id(interaction, base, match)
    item._refresh_state(interaction, interaction.data)  # type: ignore[arg-type]
    if await item.interaction_check(interaction):  # type: ignore[arg-type]
        await item.callback(interaction)  # type: ignore[arg-type]


def decode_png(data: bytes) -> Any:
    """Decode (and fully load) a PNG with Pillow; fails if the bytes are not a valid PNG."""
    import io

    from PIL import Image

    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.format == "PNG"
    assert image.width > 100 and image.height > 100
    return image


def assert_no_mentions(interaction: FakeInteraction) -> None:
    """Every message the bot sent or edited carried ``AllowedMentions.none()``."""
    for call in interaction.sends:
        if call.method == "message.edit":
            continue  # a view-only edit of an existing message (timeout) pings nobody either way
        am = call.allowed_mentions
        assert am is not None, f"{call.method} without allowed_mentions"
        assert (am.everyone, am.users, am.roles, am.replied_user) == (False, False, False, False), call.method
        assert am.to_dict() == {"parse": []}, call.method


# ---------------------------------------------------------------------------------------- the bot


def make_settings(**overrides: Any) -> Any:
    """Settings as a test wants them: bundled model, no cooldown unless asked for."""
    from bot.settings import Settings

    values: dict[str, Any] = {
        "model": "bundled",
        "workers": 2,
        "queue_limit": 8,
        "cooldown_rate": 0,
        "cooldown_seconds": 30.0,
        "view_timeout": 600.0,
    }
    values.update(overrides)
    return Settings(**values)


async def build_bot(
    lens: Any,
    settings: Any = None,
    *,
    workers: int | None = None,
    queue_limit: int | None = None,
    store: Any = None,
    load: Any = None,
) -> Any:
    """A real ``BertLens`` that never logs in: the translator and every cog loaded as extensions,
    around a ``LensService`` holding ``lens`` (what ``setup_hook`` does, minus the model load and sync).
    ``store``: a started ``bot.store.Store`` for server settings (None: built-in defaults only).
    ``load``: with several MODELS, ``load(name)`` gives each name's ``LoadedModel`` (default: ``lens``'s)."""
    from bot.app import EXTENSIONS
    from bot.client import BertLens
    from bot.engine.registry import ModelRegistry
    from bot.service import LensService
    from bot.translator import BertLensTranslator

    settings = settings or make_settings()
    # Several MODELS: every name reads with the session's model (the choices are what is tested).
    models = (
        ModelRegistry(settings.models, load=load or (lambda name: lens.model))
        if len(settings.models) > 1
        else lens
    )
    service = LensService(
        models,
        workers=settings.workers if workers is None else workers,
        queue_limit=settings.queue_limit if queue_limit is None else queue_limit,
    )
    bot = BertLens(settings, service, store=store)
    await bot.tree.set_translator(BertLensTranslator())
    for module in EXTENSIONS:
        await bot.load_extension(module)
    return bot


async def close_bot(bot: Any) -> None:
    """Stop the bot's worker threads (waiting for them) and close the client; safe to repeat."""
    bot.service.close()
    bot.service.executor.shutdown(wait=True)
    await bot.close()
