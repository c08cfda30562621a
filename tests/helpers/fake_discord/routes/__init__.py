"""The fake's REST routes: the route table, and the handlers per resource (application, interactions,
channels) that ``rest.py`` mixes into FakeDiscord."""

from __future__ import annotations

# Route names (as RecordedRequest.route reports them) tests rate-limit or look for most.
CALLBACK_ROUTE = "POST /interactions/{id}/{token}/callback"  # the initial response, defer included
FOLLOWUP_ROUTE = "POST /webhooks/{app}/{token}"  # interaction.followup.send
WEBHOOK_MESSAGE_EDIT_ROUTE = "PATCH /webhooks/{app}/{token}/messages/{message}"  # edit_original_response
GUILD_COMMANDS_SYNC_ROUTE = "PUT /applications/{app}/guilds/{guild}/commands"  # tree.sync(guild=...)
GLOBAL_COMMANDS_SYNC_ROUTE = "PUT /applications/{app}/commands"  # tree.sync()
CHANNEL_MESSAGE_EDIT_ROUTE = "PATCH /channels/{channel}/messages/{message}"  # message.edit

# (method, path template relative to the API base, handler method, needs the bot's Authorization)
ROUTE_TABLE: list[tuple[str, str, str, bool]] = [
    ("GET", "/users/@me", "_get_me", True),
    ("GET", "/applications/@me", "_get_application", True),
    ("GET", "/oauth2/applications/@me", "_get_application", True),
    ("GET", "/gateway", "_get_gateway", False),
    ("GET", "/gateway/bot", "_get_gateway_bot", True),
    ("GET", "/applications/{app}/commands", "_get_commands", True),
    ("PUT", "/applications/{app}/commands", "_put_commands", True),
    ("POST", "/applications/{app}/commands", "_post_command", True),
    ("DELETE", "/applications/{app}/commands/{cmd}", "_delete_command", True),
    ("GET", "/applications/{app}/guilds/{guild}/commands", "_get_commands", True),
    ("PUT", "/applications/{app}/guilds/{guild}/commands", "_put_commands", True),
    ("POST", "/applications/{app}/guilds/{guild}/commands", "_post_command", True),
    ("DELETE", "/applications/{app}/guilds/{guild}/commands/{cmd}", "_delete_command", True),
    ("POST", "/interactions/{id}/{token}/callback", "_interaction_callback", False),
    ("POST", "/webhooks/{app}/{token}", "_followup", False),
    ("GET", "/webhooks/{app}/{token}/messages/{message}", "_webhook_get", False),
    ("PATCH", "/webhooks/{app}/{token}/messages/{message}", "_webhook_edit", False),
    ("DELETE", "/webhooks/{app}/{token}/messages/{message}", "_webhook_delete", False),
    ("POST", "/users/@me/channels", "_open_dm", True),
    ("GET", "/channels/{channel}", "_get_channel", True),
    ("POST", "/channels/{channel}/typing", "_typing", True),
    ("POST", "/channels/{channel}/messages", "_channel_send", True),
    ("GET", "/channels/{channel}/messages/{message}", "_channel_get_message", True),
    ("PATCH", "/channels/{channel}/messages/{message}", "_channel_edit_message", True),
    ("DELETE", "/channels/{channel}/messages/{message}", "_channel_delete_message", True),
]
