"""The REST side of the fake: the route table, and one aiohttp handler that matches a request to its
route, reads its JSON or multipart body, checks authorization, calls the route's handler and records
the request with the answer. Discord's errors are raised as DiscordHTTPError and answered as Discord
answers them; a request no route matches gets a Discord-style 404 and is listed in ``unknown_routes``.

Before a request reaches its handler, an injected rate limit may answer it 429 instead
(``ratelimits.py``); every other answer carries Discord's ``X-RateLimit-*`` and ``Via`` headers. Then
the body and query are checked against Discord's OpenAPI spec (``openapi/``): a request the spec does
not allow is answered 400 with Discord's "Invalid Form Body" and listed in ``spec_violations``.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web

from .constants import API_PREFIX
from .errors import DiscordHTTPError, FormErrors
from .ids import token_user_id
from .openapi.validator import checker
from .ratelimits import RateLimit, RateLimitMixin
from .records import RecordedRequest, UploadedFile
from .routes import ROUTE_TABLE
from .routes.application import ApplicationRoutes
from .routes.channels import ChannelRoutes
from .routes.interactions import InteractionRoutes
from .state import Request

# Every answer passes Google's load balancer on Discord; discord.py retries a 429 only if it says so.
VIA = "1.1 google"


@dataclass
class Route:
    method: str
    pattern: re.Pattern[str]
    template: str  # "METHOD /path/{param}", as RecordedRequest.route reports it
    handler: Callable[..., Any]
    auth: bool


def compile_template(template: str) -> re.Pattern[str]:
    regex = re.sub(r"\\\{(\w+)\\\}", lambda m: f"(?P<{m.group(1)}>[^/]+)", re.escape(template))
    return re.compile(f"^{regex}$")


class RestMixin(ApplicationRoutes, InteractionRoutes, ChannelRoutes, RateLimitMixin):
    """Routing, body parsing, authorization and recording for every REST request."""

    def _build_routes(self) -> list[Route]:
        return [
            Route(method, compile_template(template), f"{method} {template}", getattr(self, handler), auth)
            for method, template, handler, auth in ROUTE_TABLE
        ]

    @property
    def routes(self) -> list[str]:
        """The name of every route the fake serves, e.g. "POST /webhooks/{app}/{token}"."""
        return [route.template for route in self._routes]

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
        parsed = Request(
            request.method, sub or request.path, dict(request.query), payload, files, params, authorized
        )
        interaction_id: int | None = None
        headers = {"Via": VIA}
        try:
            if route is None:
                with self._cond:
                    self._unknown_routes.append(f"{request.method} {request.path}")
                raise DiscordHTTPError(404, 0, "404: Not Found")
            interaction_id = self._interaction_id_for(params)
            if route.auth and not authorized:
                raise DiscordHTTPError(401, 0, "401: Unauthorized")
            self._check_holds(route.template, params, bool(auth_header), parsed.path)
            limit = self._take_rate_limit(route.template, interaction_id)
            if limit is not None:
                body, limited = self._rate_limited_answer(limit, route.template, params)
                headers.update(limited)
                self._record(
                    parsed, route.template, bool(auth_header), 429, body, interaction_id, headers, limit
                )
                return self._respond(429, body, headers)
            headers.update(self._bucket_headers(route.template, params, parsed.path))
            self._check_spec(route.template, parsed, has_body=payload is not None or bool(files))
            status, body = await route.handler(parsed)
        except DiscordHTTPError as error:
            status, body = error.status, error.body()
        record = self._record(
            parsed,
            route.template if route else f"{request.method} <unknown>",
            bool(auth_header),
            status,
            body,
            interaction_id,
            headers,
        )
        if route is not None:
            await self._stall(route.template)
        return self._respond(record.status, body, headers)

    def stall_answers(self, route: str, until: threading.Event, *, count: int = 1_000_000) -> None:
        """Handle the next ``count`` requests to ``route`` at once (they are recorded and take effect)
        but hold each HTTP answer until ``until`` is set: the client cannot know what happened, as when
        a slow network delays Discord's reply."""
        if route not in {r.template for r in self._routes}:
            raise ValueError(f"unknown route {route!r}")
        with self._cond:
            self._stalls.append([route, count, until])

    async def _stall(self, route: str) -> None:
        with self._cond:
            stall = next((s for s in self._stalls if s[0] == route and s[1] > 0), None)
            if stall is not None:
                stall[1] -= 1
        if stall is not None:
            event: threading.Event = stall[2]
            while not event.is_set():
                await asyncio.sleep(0.02)

    def _check_spec(self, route: str, req: Request, *, has_body: bool) -> None:
        """Answer 400, as Discord would, a request its OpenAPI spec does not allow; and remember it."""
        if not self.spec_check:
            return
        violations = checker().check(route, req.params, req.query, req.json, has_body)
        if not violations:
            return
        errors = FormErrors()
        for violation in violations:
            errors.add(violation.where, violation.code, violation.message)
        with self._cond:
            self._spec_violations.extend(f"{route} ({req.path}) {violation}" for violation in violations)
        raise DiscordHTTPError(400, 50035, "Invalid Form Body", errors.tree)

    @property
    def spec_violations(self) -> list[str]:
        """Every request that broke Discord's OpenAPI spec: "route (path) where: what", oldest first."""
        with self._cond:
            return list(self._spec_violations)

    def take_spec_violations(self) -> list[str]:
        """The spec violations nobody has taken yet; a test that provokes one on purpose takes it."""
        with self._cond:
            taken = self._spec_violations[self._spec_violations_taken :]
            self._spec_violations_taken = len(self._spec_violations)
            return taken

    @staticmethod
    def _respond(status: int, body: Any, headers: dict[str, str]) -> web.Response:
        if body is None:
            return web.Response(status=status, headers=headers)
        # Exactly "application/json": discord.py's json_or_text() treats anything else (even
        # with "; charset=utf-8") as text and then fails on the string.
        return web.Response(
            body=json.dumps(body).encode(),
            status=status,
            headers={**headers, "Content-Type": "application/json"},
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
        self,
        req: Request,
        route: str,
        had_auth: bool,
        status: int,
        body: Any,
        interaction_id: int | None,
        headers: dict[str, str],
        rate_limit: RateLimit | None = None,
    ) -> RecordedRequest:
        """Keep the request and its answer: in ``requests``, or if it was answered 429 in ``rate_limited``."""
        with self._cond:
            target = self._requests if rate_limit is None else self._rate_limited
            record = RecordedRequest(
                len(target),
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
                dict(headers),
            )
            target.append(record)
            if rate_limit is not None:
                rate_limit.hits.append(record)
        self._notify()
        return record

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
