"""Guild settings, quizzes and quiz votes.

Revision ID: 0001
Revises:
Create Date: 2025-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# 64-bit keys that auto-increment: SQLite only does that for a column declared INTEGER.
BIG_SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "guild_settings",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("model", sa.String(length=200), nullable=True),
        sa.Column("view", sa.String(length=32), nullable=True),
        sa.Column("hide_special", sa.Boolean(), nullable=True),
        sa.Column("ephemeral", sa.Boolean(), nullable=True),
        sa.Column("quiz_seconds", sa.Integer(), nullable=True),
        sa.Column("view_anyone", sa.Boolean(), nullable=True),
        sa.Column("channels", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "quiz_seconds IS NULL OR quiz_seconds BETWEEN 10 AND 600",
            name=op.f("ck_guild_settings_quiz_seconds"),
        ),
        sa.PrimaryKeyConstraint("guild_id", name=op.f("pk_guild_settings")),
    )
    op.create_index(op.f("ix_guild_settings_updated_at"), "guild_settings", ["updated_at"])

    op.create_table(
        "quizzes",
        sa.Column("id", BIG_SERIAL, autoincrement=True, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=True),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("sentence", sa.Text(), nullable=False),
        sa.Column("word", sa.Text(), nullable=False),
        sa.Column("occurrence", sa.Integer(), nullable=False),
        sa.Column("layer", sa.Integer(), nullable=False),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.Column("answer", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revealed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("answer >= 0", name=op.f("ck_quizzes_answer")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quizzes")),
    )
    op.create_index(op.f("ix_quizzes_guild_id"), "quizzes", ["guild_id"])
    op.create_index(op.f("ix_quizzes_revealed_at"), "quizzes", ["revealed_at"])

    op.create_table(
        "quiz_votes",
        sa.Column("quiz_id", BIG_SERIAL, autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("choice", sa.Integer(), nullable=False),
        sa.Column("voted_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("choice >= 0", name=op.f("ck_quiz_votes_choice")),
        sa.ForeignKeyConstraint(
            ["quiz_id"], ["quizzes.id"], name=op.f("fk_quiz_votes_quiz_id_quizzes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("quiz_id", "user_id", name=op.f("pk_quiz_votes")),
    )


def downgrade() -> None:
    op.drop_table("quiz_votes")
    op.drop_index(op.f("ix_quizzes_revealed_at"), table_name="quizzes")
    op.drop_index(op.f("ix_quizzes_guild_id"), table_name="quizzes")
    op.drop_table("quizzes")
    op.drop_index(op.f("ix_guild_settings_updated_at"), table_name="guild_settings")
    op.drop_table("guild_settings")
