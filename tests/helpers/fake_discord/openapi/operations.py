"""Which operation of Discord's OpenAPI spec each of the fake's routes is.

The fake names its path parameters briefly (``/webhooks/{app}/{token}``); the spec spells them out
(``/webhooks/{webhook_id}/{webhook_token}``). One webhook route of the fake covers two paths of the spec:
``messages/@original`` and ``messages/{message_id}``.
"""

from __future__ import annotations

from ..routes import ROUTE_TABLE

# The fake's path template -> the spec's path.
SPEC_PATHS = {
    "/users/@me": "/users/@me",
    "/applications/@me": "/applications/@me",
    "/oauth2/applications/@me": "/oauth2/applications/@me",
    "/gateway": "/gateway",
    "/gateway/bot": "/gateway/bot",
    "/applications/{app}/commands": "/applications/{application_id}/commands",
    "/applications/{app}/commands/{cmd}": "/applications/{application_id}/commands/{command_id}",
    "/applications/{app}/guilds/{guild}/commands": (
        "/applications/{application_id}/guilds/{guild_id}/commands"
    ),
    "/applications/{app}/guilds/{guild}/commands/{cmd}": (
        "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}"
    ),
    "/interactions/{id}/{token}/callback": "/interactions/{interaction_id}/{interaction_token}/callback",
    "/webhooks/{app}/{token}": "/webhooks/{webhook_id}/{webhook_token}",
    "/webhooks/{app}/{token}/messages/{message}": (
        "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"
    ),
    "/users/@me/channels": "/users/@me/channels",
    "/channels/{channel}": "/channels/{channel_id}",
    "/channels/{channel}/typing": "/channels/{channel_id}/typing",
    "/channels/{channel}/messages": "/channels/{channel_id}/messages",
    "/channels/{channel}/messages/{message}": "/channels/{channel_id}/messages/{message_id}",
}
_ORIGINAL = {
    "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}": (
        "/webhooks/{webhook_id}/{webhook_token}/messages/@original"
    ),
}


def spec_operation(route: str, params: dict[str, str]) -> tuple[str, str]:
    """(method, spec path) of a request the fake routed to ``route`` ("PATCH /webhooks/...")."""
    method, template = route.split(" ", 1)
    if template not in SPEC_PATHS:
        raise LookupError(f"{route} has no operation of the spec: map it in {__name__}.SPEC_PATHS")
    path = SPEC_PATHS[template]
    if params.get("message") == "@original" and path in _ORIGINAL:
        path = _ORIGINAL[path]
    return method.lower(), path


def served_operations() -> list[tuple[str, str]]:
    """Every (method, spec path) the fake serves, in route-table order."""
    operations: list[tuple[str, str]] = []
    for method, template, _, _ in ROUTE_TABLE:
        for path in (SPEC_PATHS[template], _ORIGINAL.get(SPEC_PATHS[template])):
            if path is not None and (method.lower(), path) not in operations:
                operations.append((method.lower(), path))
    return operations
