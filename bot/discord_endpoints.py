"""Point discord.py at a Discord-compatible server instead of discord.com.

The bot's settings DISCORD_API_BASE and DISCORD_GATEWAY_URL feed this, so the same bot code
can run against the real Discord, a self-hosted compatible server, or the fake used by the
end-to-end tests (tests/e2e/fake_discord.py) without patching discord.py anywhere else.

discord.py keeps these addresses in class attributes rather than per-client options:

* ``discord.http.Route.BASE``: every REST call, including interaction callbacks, follow-ups
  and webhook edits, because ``discord.webhook.async_`` (and ``webhook.sync``) import that
  same ``Route`` class.
* ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY``: the websocket ``Client.connect`` opens
  first, and the one it falls back to after an INVALID_SESSION.

``AutoShardedClient`` without an explicit ``shard_count`` instead asks ``GET /gateway/bot``
for the URL, which goes through ``Route.BASE`` and so reaches the same server; a
compatible server must answer that with its own websocket URL. After READY the client
follows the server's ``resume_gateway_url`` on its own.

Because these are process-wide, the function is idempotent and ``None`` restores the
discord.com default, which is how tests put things back afterwards.
"""

from __future__ import annotations

import discord.gateway
import discord.http
import discord.webhook.async_
import discord.webhook.sync
import yarl

DEFAULT_API_BASE = f"https://discord.com/api/v{discord.http.INTERNAL_API_VERSION}"
DEFAULT_GATEWAY_URL = "wss://gateway.discord.gg/"


def use_discord_endpoints(api_base: str | None, gateway_url: str | None) -> None:
    """Send REST calls to ``api_base`` (e.g. ``http://127.0.0.1:8080/api/v10``) and open the
    gateway at ``gateway_url`` (e.g. ``ws://127.0.0.1:8080/gateway``); None means discord.com."""
    base = (api_base or DEFAULT_API_BASE).rstrip("/")
    routes = {discord.http.Route, discord.webhook.async_.Route, discord.webhook.sync.Route}
    for route in routes:  # one class today; stay correct if a release splits them
        route.BASE = base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url or DEFAULT_GATEWAY_URL)
