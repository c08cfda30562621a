"""The fake's one guild as Discord describes it: its people and their permissions, and the payloads for
members, roles, the #general text channel, the guild itself and DM channels."""

from __future__ import annotations

from typing import Any

from .constants import ADMINISTRATOR, ALL_PERMISSIONS
from .ids import ADMIN_ROLE_ID, BOT_ROLE_ID, GUILD_ID, OWNER_ID, TEXT_CHANNEL_ID, iso
from .records import FakeUser
from .state import FakeState


class GuildMixin(FakeState):
    """Who is who in the guild, what they may do, and how Discord serialises it."""

    def user(self, who: str | FakeUser) -> FakeUser:
        if isinstance(who, FakeUser):
            return who
        try:
            return self.users[who]
        except KeyError:
            raise KeyError(f"unknown user {who!r}; have {sorted(self.users)}") from None

    def member_permissions(self, who: str | FakeUser) -> int:
        user = self.user(who)
        perms = self.role_permissions[GUILD_ID]
        for role_id in user.role_ids:
            perms |= self.role_permissions.get(role_id, 0)
        if user.id == OWNER_ID or perms & ADMINISTRATOR:
            return ALL_PERMISSIONS
        return perms

    def bot_permissions(self) -> int:
        if self.app_permissions is not None:
            return self.app_permissions
        return self.member_permissions(self.bot_user)

    def _member_payload(self, user: FakeUser) -> dict[str, Any]:
        return {
            "user": user.payload(),
            "nick": None,
            "avatar": None,
            "roles": [str(r) for r in user.role_ids],
            "joined_at": iso(1704067200),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
        }

    def _members(self) -> list[dict[str, Any]]:
        return [self._member_payload(u) for u in (self.bot_user, *self.users.values())]

    def _text_channel_payload(self) -> dict[str, Any]:
        return {
            "id": str(TEXT_CHANNEL_ID),
            "type": 0,
            "guild_id": str(GUILD_ID),
            "name": "general",
            "position": 0,
            "permission_overwrites": [],
            "topic": None,
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "parent_id": None,
            "flags": 0,
        }

    def _role_payload(self, role_id: int, name: str, position: int) -> dict[str, Any]:
        return {
            "id": str(role_id),
            "name": name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": position,
            "permissions": str(self.role_permissions[role_id]),
            "managed": role_id == BOT_ROLE_ID,
            "mentionable": False,
            "flags": 0,
        }

    def _guild_payload(self) -> dict[str, Any]:
        members = self._members()
        return {
            "id": str(GUILD_ID),
            "name": "BERT Lens Test Guild",
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(OWNER_ID),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [
                self._role_payload(GUILD_ID, "@everyone", 0),
                self._role_payload(ADMIN_ROLE_ID, "Admin", 1),
                self._role_payload(BOT_ROLE_ID, self.bot_user.global_name or "bot", 2),
            ],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": str(TEXT_CHANNEL_ID),
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": self.guild_locale,
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "joined_at": iso(1704067200),
            "large": False,
            "unavailable": False,
            "member_count": len(members),
            "voice_states": [],
            "members": members,
            "channels": [self._text_channel_payload()],
            "threads": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    def _dm_channel_id(self, user: FakeUser) -> int:
        return user.id + 1_000_000

    def _dm_recipient(self, channel_id: int) -> FakeUser | None:
        return next((u for u in self.users.values() if self._dm_channel_id(u) == channel_id), None)

    def _dm_channel_payload(self, user: FakeUser) -> dict[str, Any]:
        channel_id = self._dm_channel_id(user)
        return {
            "id": str(channel_id),
            "type": 1,
            "last_message_id": None,
            "flags": 0,
            "recipients": [user.payload()],
        }
