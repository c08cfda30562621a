"""The gateway: one websocket per connection, zlib-stream or zstd-stream compressed when asked for.

HELLO, IDENTIFY -> READY + GUILD_CREATE (to the shard that owns the guild), HEARTBEAT -> ACK, RESUME ->
the missed events replayed + RESUMED, INVALID_SESSION, RECONNECT and member chunks (op 8). Every frame
sent or received is recorded; tokens in received payloads are redacted.
"""

from __future__ import annotations

import json
import secrets
import time
import zlib
from typing import Any

from aiohttp import WSMsgType, web

from .constants import (
    OP_DISPATCH,
    OP_HEARTBEAT,
    OP_HEARTBEAT_ACK,
    OP_HELLO,
    OP_IDENTIFY,
    OP_INVALID_SESSION,
    OP_PRESENCE,
    OP_RECONNECT,
    OP_REQUEST_MEMBERS,
    OP_RESUME,
    PRIVILEGED_INTENTS,
)
from .guild import GuildMixin
from .ids import GUILD_ID, token_user_id
from .records import GatewayFrame
from .state import Connection, Session

try:  # discord.py asks for zstd-stream instead of zlib-stream when this is importable
    import zstandard
except ImportError:  # pragma: no cover - depends on the environment
    zstandard = None


class GatewayMixin(GuildMixin):
    """The gateway side of the fake; the guild's payloads come from GuildMixin."""

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
        connection = Connection(next(self._ids), ws, transport, compression)
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

    async def _send(self, connection: Connection, payload: dict[str, Any]) -> bool:
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

    def _record_frame(self, connection: Connection, direction: str, payload: dict[str, Any]) -> None:
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

    async def _on_gateway_message(self, connection: Connection, payload: dict[str, Any]) -> None:
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

    async def _identify(self, connection: Connection, data: dict[str, Any]) -> None:
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
        session = Session(
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

    async def _resume(self, connection: Connection, data: dict[str, Any]) -> None:
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

    async def _request_members(self, connection: Connection, data: dict[str, Any]) -> None:
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

    async def _dispatch(self, session: Session, event: str, data: dict[str, Any]) -> None:
        with self._cond:
            session.seq += 1
            payload = {"op": OP_DISPATCH, "t": event, "s": session.seq, "d": data}
            session.events.append(payload)
            del session.events[:-1000]
            connection = session.connection
        # With no live connection the event waits in the session log for a RESUME.
        if connection is not None:
            await self._send(connection, payload)

    def _session_for_guild(self, guild_id: int | None) -> Session | None:
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
