"""Rate limits: Discord's ``X-RateLimit-*`` headers on every answer, and HTTP 429s that tests inject.

Discord answers a request over a limit with 429, a JSON body
``{"message": "You are being rate limited.", "retry_after": 0.5, "global": false}`` and the headers
``Retry-After`` (whole seconds), ``X-RateLimit-Limit``, ``-Remaining`` (0), ``-Reset`` (epoch seconds),
``-Reset-After``, ``-Bucket`` and ``-Scope`` (``user``, ``shared`` or ``global``), plus
``X-RateLimit-Global: true`` when the bot's global limit was hit. Every answer comes through Google's
load balancer, so it carries ``Via: 1.1 google``: discord.py takes a 429 *without* ``Via`` for a
Cloudflare ban and raises instead of retrying.

The fake does not invent 429s; a test asks for them::

    limit = fake.rate_limit(FOLLOWUP_ROUTE, retry_after=0.5)  # the next follow-up POST gets a 429
    fake.rate_limit(CALLBACK_ROUTE, count=2, is_global=True, retry_after=0.2)
    fake.rate_limit(retry_after=0.3, is_global=True)  # the next request to any route

A rejected request never reaches its route's handler: it creates, edits or acknowledges nothing. It is
recorded in ``fake.rate_limited`` (and ``limit.hits``), not in ``fake.requests``/``responses_for``,
so what those list is what Discord accepted. A client must wait ``retry_after`` before retrying in
the same bucket (and, after a global 429, before any request made with the bot token); a request that
comes sooner is listed in ``fake.warnings``.

Delivered requests carry plausible headers from a fixed-window bucket per route and major parameter
(``bucket_limit`` requests per ``bucket_window`` seconds, 50 per second by default, Discord's global
rate); a request beyond a bucket's limit is also a warning, since Discord would have answered it 429.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass, field

from .records import InteractionHandle, RecordedRequest
from .state import FakeState

RATE_LIMITED_MESSAGE = "You are being rate limited."
SCOPES = ("user", "shared", "global")
# Path parameters that select a bucket of their own on Discord ("major parameters"); for interaction
# and webhook routes the token, for the rest the channel or guild.
_MAJOR_PARAMETERS = ("channel", "guild", "id", "app", "token")
_EARLY = 0.01  # seconds of clock slack before a retry counts as too early


@dataclass
class RateLimit:
    """An injected rate limit: the next ``count`` requests it matches are answered 429.

    ``route`` is a route name as ``RecordedRequest.route`` reports it ("POST /webhooks/{app}/{token}"),
    or None for every route; ``interaction_id`` narrows it to one interaction's requests. ``hits``
    lists the requests it rejected.
    """

    route: str | None
    count: int
    retry_after: float
    is_global: bool
    scope: str
    interaction_id: int | None = None
    used: int = 0
    hits: list[RecordedRequest] = field(default_factory=list)

    @property
    def remaining(self) -> int:
        return self.count - self.used

    def matches(self, route: str, interaction_id: int | None) -> bool:
        return (
            self.remaining > 0
            and self.route in (None, route)
            and self.interaction_id in (None, interaction_id)
        )


@dataclass
class _Bucket:
    hash: str
    used: int = 0
    resets_at: float = 0.0  # time.monotonic()


@dataclass
class _Hold:
    """What a 429 asked for: nothing more in its bucket (or, global, with the bot token) before ``until``."""

    until: float
    retry_after: float
    route: str


def bucket_key(route: str, params: dict[str, str]) -> str:
    major = [f"{name}={params[name]}" for name in _MAJOR_PARAMETERS if name in params]
    return " ".join([route, *major])


def bucket_hash(route: str) -> str:
    """A stable opaque id per route, shaped like Discord's bucket hashes."""
    return hashlib.sha1(route.encode()).hexdigest()[:32]


def _epoch_after(seconds: float) -> str:
    return f"{time.time() + seconds:.3f}"


class RateLimitMixin(FakeState):
    """Injecting 429s, answering them as Discord does, and the X-RateLimit-* headers of every answer."""

    _buckets: dict[str, _Bucket]
    _holds: dict[str, _Hold]

    def rate_limit(
        self,
        route: str | None = None,
        *,
        count: int = 1,
        retry_after: float = 0.5,
        is_global: bool = False,
        scope: str | None = None,
        interaction: InteractionHandle | None = None,
    ) -> RateLimit:
        """Answer the next ``count`` requests to ``route`` (every route if None) with HTTP 429.

        ``retry_after`` is the seconds Discord asks the client to wait. ``is_global`` makes it the
        bot's global limit (``"global": true``, ``X-RateLimit-Global``). ``scope`` is the
        ``X-RateLimit-Scope`` header: "user" (default), "shared" or, for global ones, "global".
        ``interaction`` limits it to that interaction's requests (callback, follow-ups, edits).
        """
        known = {r.template for r in self._routes}
        if route is not None and route not in known:
            raise ValueError(f"unknown route {route!r}; the fake serves {sorted(known)}")
        if count < 1 or retry_after < 0:
            raise ValueError(f"count must be >= 1 and retry_after >= 0, got {count}, {retry_after}")
        scope = scope or ("global" if is_global else "user")
        if scope not in SCOPES or (scope == "global") != is_global:
            raise ValueError(f"scope {scope!r} with is_global={is_global}: global limits have scope 'global'")
        limit = RateLimit(
            route, count, retry_after, is_global, scope, interaction.id if interaction is not None else None
        )
        with self._cond:
            self._rate_limits.append(limit)
        return limit

    def clear_rate_limits(self) -> None:
        """Forget every injected rate limit that has not fired yet."""
        with self._cond:
            self._rate_limits.clear()

    @property
    def rate_limited(self) -> list[RecordedRequest]:
        """Every request answered 429, in order. They are not in ``requests``: nothing happened."""
        with self._cond:
            return list(self._rate_limited)

    def rate_limited_for(self, handle: InteractionHandle) -> list[RecordedRequest]:
        """The requests made for this interaction that were answered 429."""
        with self._cond:
            return [r for r in self._rate_limited if r.interaction_id == handle.id]

    # ----------------------------------------------------------------------------- during a request

    def _take_rate_limit(self, route: str, interaction_id: int | None) -> RateLimit | None:
        with self._cond:
            for limit in self._rate_limits:
                if limit.matches(route, interaction_id):
                    limit.used += 1
                    return limit
        return None

    def _rate_limited_answer(
        self, limit: RateLimit, route: str, params: dict[str, str]
    ) -> tuple[dict[str, object], dict[str, str]]:
        """The 429's body and headers; remembers how long the client must now wait."""
        now = time.monotonic()
        retry_after = limit.retry_after
        headers = {"Retry-After": str(math.ceil(retry_after)), "X-RateLimit-Scope": limit.scope}
        if limit.is_global:
            headers["X-RateLimit-Global"] = "true"
        else:
            headers.update(
                {
                    "X-RateLimit-Limit": str(self.bucket_limit),
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": _epoch_after(retry_after),
                    "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                    "X-RateLimit-Bucket": bucket_hash(route),
                }
            )
        hold = _Hold(now + retry_after, retry_after, route)
        with self._cond:
            self._holds[bucket_key(route, params)] = hold
            if limit.is_global:
                self._holds["global"] = hold
        body = {"message": RATE_LIMITED_MESSAGE, "retry_after": retry_after, "global": limit.is_global}
        return body, headers

    def _check_holds(self, route: str, params: dict[str, str], bot_token: bool, path: str) -> None:
        """Warn about a request that did not wait as long as a 429 asked."""
        now = time.monotonic()
        with self._cond:
            holds = [self._holds.get(bucket_key(route, params))]
            if bot_token:
                holds.append(self._holds.get("global"))
        for hold in holds:
            if hold is not None and now < hold.until - _EARLY:
                waited = hold.retry_after - (hold.until - now)
                self._warn(
                    f"{route} ({path}) came {waited:.3f}s after a 429 on {hold.route} that asked to wait "
                    f"{hold.retry_after:.3f}s"
                )

    def _bucket_headers(self, route: str, params: dict[str, str], path: str) -> dict[str, str]:
        """Count a delivered request in its bucket; the X-RateLimit-* headers Discord would send."""
        now = time.monotonic()
        key = bucket_key(route, params)
        with self._cond:
            bucket = self._buckets.setdefault(key, _Bucket(bucket_hash(route)))
            if now >= bucket.resets_at:
                bucket.used, bucket.resets_at = 0, now + self.bucket_window
            bucket.used += 1
            used, reset_after = bucket.used, bucket.resets_at - now
        if used > self.bucket_limit:
            self._warn(
                f"{route} ({path}): request {used} in a bucket of {self.bucket_limit} per "
                f"{self.bucket_window}s; Discord would have answered 429"
            )
        return {
            "X-RateLimit-Limit": str(self.bucket_limit),
            "X-RateLimit-Remaining": str(max(0, self.bucket_limit - used)),
            "X-RateLimit-Reset": _epoch_after(reset_after),
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": bucket_hash(route),
        }
