"""The tables. Only Discord ids, per-server settings and quiz data are stored (see README.md here).

Changing a table means a new migration in ``migrations/versions``; the tests check that these classes
and the migrations describe the same schema.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Discord ids are 64-bit snowflakes.
Snowflake = BigInteger
# An auto-incrementing 64-bit key: SQLite only auto-increments a column declared INTEGER.
BigSerial = BigInteger().with_variant(Integer(), "sqlite")

QUIZ_SECONDS_MIN = 10
QUIZ_SECONDS_MAX = 600


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out on both backends (SQLite keeps no time zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; pass an aware one (datetime.now(UTC))")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    # Named constraints, so later migrations can alter them on both backends.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class GuildSettingsRow(Base):
    """One row per server that changed a setting; NULL in a column means "the built-in default"."""

    __tablename__ = "guild_settings"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    language: Mapped[str | None] = mapped_column(String(8))
    model: Mapped[str | None] = mapped_column(String(200))
    view: Mapped[str | None] = mapped_column(String(32))
    hide_special: Mapped[bool | None] = mapped_column(Boolean)
    ephemeral: Mapped[bool | None] = mapped_column(Boolean)
    quiz_seconds: Mapped[int | None] = mapped_column(Integer)
    view_anyone: Mapped[bool | None] = mapped_column(Boolean)
    # Allow-list of channel ids as a JSON array of integers; NULL = every channel.
    channels: Mapped[list[int] | None] = mapped_column(JSON(none_as_null=True))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    __table_args__ = (
        CheckConstraint(
            f"quiz_seconds IS NULL OR quiz_seconds BETWEEN {QUIZ_SECONDS_MIN} AND {QUIZ_SECONDS_MAX}",
            name="quiz_seconds",
        ),
        Index(None, "updated_at"),
    )


class QuizRow(Base):
    """A "guess first" quiz: which candidate word does this word attend to most?"""

    __tablename__ = "quizzes"

    id: Mapped[int] = mapped_column(BigSerial, primary_key=True, autoincrement=True)
    guild_id: Mapped[int | None] = mapped_column(Snowflake)  # NULL in direct messages
    channel_id: Mapped[int] = mapped_column(Snowflake, nullable=False)
    message_id: Mapped[int | None] = mapped_column(Snowflake)  # NULL until the quiz is posted
    owner_id: Mapped[int] = mapped_column(Snowflake, nullable=False)
    model: Mapped[str] = mapped_column(String(200), nullable=False)
    sentence: Mapped[str] = mapped_column(Text, nullable=False)
    word: Mapped[str] = mapped_column(Text, nullable=False)
    occurrence: Mapped[int] = mapped_column(Integer, nullable=False)
    layer: Mapped[int] = mapped_column(Integer, nullable=False)
    candidates: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    answer: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    revealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    language: Mapped[str | None] = mapped_column(String(8))  # the asker's: the reveal speaks it too

    __table_args__ = (
        CheckConstraint("answer >= 0", name="answer"),
        Index(None, "guild_id"),
        Index(None, "revealed_at"),
    )


class VoteRow(Base):
    """One vote per user per quiz; changing one's vote updates the row."""

    __tablename__ = "quiz_votes"

    quiz_id: Mapped[int] = mapped_column(
        BigSerial, ForeignKey("quizzes.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    user_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    choice: Mapped[int] = mapped_column(Integer, nullable=False)
    voted_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    __table_args__ = (CheckConstraint("choice >= 0", name="choice"),)
