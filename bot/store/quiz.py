"""Quiz state and votes for the "guess first" quiz: one button per candidate word, one vote per member
(which they may change), revealed by whoever started it or when the time is up.

Everything here is awaited and may raise ``StoreUnavailable``: unlike settings, a quiz cannot be played
without its database. ``reveal`` is atomic, so when two bot processes both time a quiz out only one of
them gets to announce the answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Delete, and_, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.store.engine import OutageLog
from bot.store.models import QuizRow, VoteRow
from bot.store.schema import SchemaGate

log = logging.getLogger(__name__)


class QuizClosed(Exception):
    """The quiz was revealed, its time is up, or it no longer exists: votes are not taken."""


@dataclass(frozen=True, slots=True)
class Quiz:
    id: int
    guild_id: int | None  # None in direct messages
    channel_id: int
    message_id: int | None  # None until posted
    owner_id: int  # who started it; may reveal early
    model: str
    sentence: str
    word: str
    occurrence: int
    layer: int
    candidates: tuple[str, ...]
    answer: int  # index into candidates
    created_at: datetime
    deadline: datetime
    revealed_at: datetime | None
    language: str | None = None

    @property
    def revealed(self) -> bool:
        return self.revealed_at is not None


@dataclass(frozen=True, slots=True)
class Tally:
    """Who voted for what: ``voters[choice]`` is the user ids for that candidate, in voting order."""

    voters: tuple[tuple[int, ...], ...]

    @property
    def counts(self) -> tuple[int, ...]:
        return tuple(len(users) for users in self.voters)

    @property
    def total(self) -> int:
        return sum(self.counts)

    def choice_of(self, user_id: int) -> int | None:
        return next((choice for choice, users in enumerate(self.voters) if user_id in users), None)


def _quiz(row: QuizRow) -> Quiz:
    return Quiz(
        id=row.id,
        guild_id=row.guild_id,
        channel_id=row.channel_id,
        message_id=row.message_id,
        owner_id=row.owner_id,
        model=row.model,
        sentence=row.sentence,
        word=row.word,
        occurrence=row.occurrence,
        layer=row.layer,
        candidates=tuple(row.candidates),
        answer=row.answer,
        created_at=row.created_at,
        deadline=row.deadline,
        revealed_at=row.revealed_at,
        language=row.language,
    )


def delete_guild_statements(guild_id: int) -> tuple[Delete, Delete]:
    """Delete a server's votes, then its quizzes (votes first: no reliance on ON DELETE CASCADE)."""
    quizzes = select(QuizRow.id).where(QuizRow.guild_id == guild_id)
    return (
        delete(VoteRow).where(VoteRow.quiz_id.in_(quizzes)),
        delete(QuizRow).where(QuizRow.guild_id == guild_id),
    )


class QuizStore:
    def __init__(
        self,
        engine: AsyncEngine,
        *,
        schema: SchemaGate | None = None,
        outage: OutageLog | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._schema = schema
        self._outage = outage or OutageLog(log)
        self._now = now

    async def _ready(self) -> None:
        if self._schema is not None:
            await self._schema.ensure()

    async def create(
        self,
        *,
        guild_id: int | None,
        channel_id: int,
        owner_id: int,
        model: str,
        sentence: str,
        word: str,
        occurrence: int,
        layer: int,
        candidates: Sequence[str],
        answer: int,
        seconds: float,
        language: str | None = None,
    ) -> Quiz:
        """Store a new quiz that closes ``seconds`` from now; post it, then call ``set_message``."""
        if not candidates or not all(isinstance(c, str) for c in candidates):
            raise ValueError("a quiz needs candidate words")
        if isinstance(candidates, str):
            raise ValueError("candidates must be a list of words, not one string")
        if not 0 <= answer < len(candidates):
            raise ValueError(f"answer {answer} is not one of the {len(candidates)} candidates")
        if seconds <= 0:
            raise ValueError("a quiz needs a positive number of seconds")
        now = self._now()
        row = QuizRow(
            guild_id=guild_id,
            channel_id=channel_id,
            owner_id=owner_id,
            model=model,
            sentence=sentence,
            word=word,
            occurrence=occurrence,
            layer=layer,
            candidates=list(candidates),
            answer=answer,
            created_at=now,
            deadline=now + timedelta(seconds=seconds),
            language=language,
        )
        async with self._outage.guard("saving a quiz"):
            await self._ready()
            async with self._sessions.begin() as session:
                session.add(row)
                await session.flush()
                quiz = _quiz(row)
        return quiz

    async def set_message(self, quiz_id: int, message_id: int) -> bool:
        """Record the message that shows the quiz; False if the quiz is gone."""
        async with self._outage.guard("saving a quiz"):
            await self._ready()
            async with self._sessions.begin() as session:
                result = await session.execute(
                    update(QuizRow)
                    .where(QuizRow.id == quiz_id)
                    .values(message_id=message_id)
                    .returning(QuizRow.id)
                )
                return result.first() is not None

    async def get(self, quiz_id: int) -> Quiz | None:
        async with self._outage.guard("reading a quiz"):
            await self._ready()
            async with self._sessions() as session:
                row = await session.get(QuizRow, quiz_id)
                return _quiz(row) if row is not None else None

    async def vote(self, quiz_id: int, user_id: int, choice: int) -> int:
        """Record (or change) the user's vote; returns how many people have voted (on PostgreSQL, votes
        committing at the same moment may not count each other; ``tally`` is always exact).

        Raises QuizClosed once the quiz is revealed or past its deadline, ValueError for a choice that
        is not one of the candidates.
        """
        now = self._now()
        async with self._outage.guard("saving a vote"):
            await self._ready()
            async with self._sessions.begin() as session:
                # FOR SHARE (PostgreSQL): a reveal waits for this vote to commit, and a vote that comes
                # after a reveal sees it; SQLite has one writer at a time anyway.
                found = (
                    await session.execute(
                        select(QuizRow.candidates, QuizRow.deadline)
                        .where(QuizRow.id == quiz_id, QuizRow.revealed_at.is_(None))
                        .with_for_update(read=True)
                    )
                ).first()
                if found is None or now >= found.deadline:
                    raise QuizClosed(quiz_id)
                if isinstance(choice, bool) or not 0 <= choice < len(found.candidates):
                    raise ValueError(
                        f"choice {choice!r} is not one of the {len(found.candidates)} candidates"
                    )
                insert = postgresql.insert if self._engine.dialect.name == "postgresql" else sqlite.insert
                await session.execute(
                    insert(VoteRow)
                    .values(quiz_id=quiz_id, user_id=user_id, choice=choice, voted_at=now)
                    .on_conflict_do_update(
                        index_elements=[VoteRow.quiz_id, VoteRow.user_id],
                        set_={"choice": choice, "voted_at": now},
                    )
                )
                voters = await session.scalar(
                    select(func.count()).select_from(VoteRow).where(VoteRow.quiz_id == quiz_id)
                )
        return int(voters or 0)

    async def tally(self, quiz_id: int) -> Tally:
        """The votes so far, per candidate (all zero for an unknown quiz)."""
        async with self._outage.guard("reading votes"):
            await self._ready()
            async with self._sessions() as session:
                quiz = await session.get(QuizRow, quiz_id)
                rows = (
                    await session.execute(
                        select(VoteRow.user_id, VoteRow.choice)
                        .where(VoteRow.quiz_id == quiz_id)
                        .order_by(VoteRow.voted_at, VoteRow.user_id)
                    )
                ).all()
        voters: list[list[int]] = [[] for _ in (quiz.candidates if quiz is not None else ())]
        for user_id, choice in rows:
            if choice < len(voters):
                voters[choice].append(user_id)
        return Tally(tuple(tuple(users) for users in voters))

    async def open_quizzes(self) -> list[Quiz]:
        """Quizzes not yet revealed, soonest deadline first: re-arm their timers after a restart."""
        async with self._outage.guard("reading quizzes"):
            await self._ready()
            async with self._sessions() as session:
                rows = await session.scalars(
                    select(QuizRow)
                    .where(QuizRow.revealed_at.is_(None))
                    .order_by(QuizRow.deadline, QuizRow.id)
                )
                return [_quiz(row) for row in rows]

    async def reveal(self, quiz_id: int) -> Quiz | None:
        """Close the quiz. Only the first caller, in any process, gets the quiz back; the rest get None
        (already revealed, or gone) and must not announce it again."""
        async with self._outage.guard("revealing a quiz"):
            await self._ready()
            async with self._sessions.begin() as session:
                row = await session.scalar(
                    update(QuizRow)
                    .where(QuizRow.id == quiz_id, QuizRow.revealed_at.is_(None))
                    .values(revealed_at=self._now())
                    .returning(QuizRow)
                    .execution_options(synchronize_session=False)
                )
                return _quiz(row) if row is not None else None

    async def purge(self, older_than: timedelta) -> int:
        """Delete quizzes (and their votes) revealed more than ``older_than`` ago, and those never
        revealed whose deadline passed that long ago (their message is long dead). Returns how many."""
        cutoff = self._now() - older_than
        stale = or_(
            QuizRow.revealed_at < cutoff,
            and_(QuizRow.revealed_at.is_(None), QuizRow.deadline < cutoff),
        )
        async with self._outage.guard("purging quizzes"):
            await self._ready()
            async with self._sessions.begin() as session:
                await session.execute(
                    delete(VoteRow).where(VoteRow.quiz_id.in_(select(QuizRow.id).where(stale)))
                )
                deleted = await session.execute(delete(QuizRow).where(stale).returning(QuizRow.id))
                return len(deleted.all())
