"""REST routes for the application: who the bot is, where the gateway is, and its commands (global
and per guild; ids stay the same across re-syncs, as on Discord)."""

from __future__ import annotations

from typing import Any

from ..errors import DiscordHTTPError
from ..ids import GUILD_ID
from ..messages import MessagesMixin
from ..rules import validate_command_count, validate_commands
from ..state import Request


class ApplicationRoutes(MessagesMixin):
    """/users/@me, the application, gateway discovery and application commands."""

    async def _get_me(self, req: Request) -> tuple[int, Any]:
        return 200, {
            **self.bot_user.payload(),
            "verified": True,
            "mfa_enabled": False,
            "flags": 0,
            "email": None,
            "locale": "en-US",
            "premium_type": 0,
        }

    async def _get_application(self, req: Request) -> tuple[int, Any]:
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

    async def _get_gateway(self, req: Request) -> tuple[int, Any]:
        return 200, {"url": self.gateway_url}

    async def _get_gateway_bot(self, req: Request) -> tuple[int, Any]:
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

    def _command_store(self, req: Request) -> dict[tuple[str, int], dict[str, Any]]:
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

    async def _get_commands(self, req: Request) -> tuple[int, Any]:
        with self._cond:
            return 200, [dict(c) for c in self._command_store(req).values()]

    async def _put_commands(self, req: Request) -> tuple[int, Any]:
        definitions = req.json or []
        validate_command_count(definitions)
        validate_commands(definitions)
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

    async def _post_command(self, req: Request) -> tuple[int, Any]:
        validate_commands([req.json])
        with self._cond:
            store = self._command_store(req)
            existed = (req.json["name"], int(req.json.get("type", 1))) in store
            return (200 if existed else 201), dict(
                self._store_command(store, req.json, "guild" in req.params)
            )

    async def _delete_command(self, req: Request) -> tuple[int, Any]:
        with self._cond:
            store = self._command_store(req)
            for key, command in list(store.items()):
                if command["id"] == req.params["cmd"]:
                    del store[key]
                    return 204, None
        raise DiscordHTTPError(404, 10063, "Unknown application command")
