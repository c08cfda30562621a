"""Discord's limits, written once: the bot clips to them and the test doubles and the fake Discord
enforce them, so a reply that fits in the tests fits on Discord.

Values from Discord's API documentation (and its OpenAPI spec, discord/discord-api-spec).
"""

from __future__ import annotations

CONTENT = 2000  # characters of message content
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
EMBED_FIELD_NAME = 256
EMBED_FIELD_VALUE = 1024
EMBED_FOOTER = 2048
EMBED_AUTHOR = 256
EMBED_TOTAL = 6000  # all text of all embeds of one message
EMBEDS_PER_MESSAGE = 10

CHOICES = 25  # autocomplete results and static option choices
CHOICE_NAME = 100
CHOICE_VALUE = 100
OPTION_STRING = 6000  # longest string option a user can type
SELECT_OPTIONS = 25
SELECT_OPTION_LABEL = 100
BUTTONS_PER_ROW = 5
ACTION_ROWS = 5
CUSTOM_ID = 100
BUTTON_LABEL = 80
ATTACHMENT_DESCRIPTION = 1024

COMMAND_NAME = 32
COMMAND_DESCRIPTION = 100

# An interaction's upload limit without server boosts (Interaction.filesize_limit tells the real one).
FILESIZE_DEFAULT = 10 * 1024 * 1024

ACK_SECONDS = 3.0  # an interaction must be answered or deferred this soon
TOKEN_SECONDS = 15 * 60  # follow-ups and edits work this long after the interaction
