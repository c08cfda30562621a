"""Quiz state and votes: create, post, vote and change one's vote, tally, reveal exactly once across
processes, re-arm open quizzes, purge old ones."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.store import Quiz, QuizClosed, QuizStore, StoreUnavailable, Tally
from bot.store.engine import create_engine
from bot.store.models import QuizRow, VoteRow

GUILD = 1_100_000_000_000_000_001
CHANNEL = 1_100_000_000_000_000_002
OWNER = 1_100_000_000_000_000_003
USERS = [1_200_000_000_000_000_000 + n for n in range(40)]
CANDIDATES = ["[CLS]", "나는", "사과를", "먹는다", "[SEP]"]


class Now:
    """A settable clock for deadlines and purges."""

    def __init__(self) -> None:
        self.value = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.value

    def advance(self, **delta: float) -> None:
        self.value += timedelta(**delta)


@pytest.fixture
def now() -> Now:
    return Now()


@pytest.fixture
def quizzes(engine, now) -> QuizStore:
    return QuizStore(engine, now=now)


async def new_quiz(
    store: QuizStore, *, guild_id: int | None = GUILD, seconds: float = 60, **overrides
) -> Quiz:
    fields = dict(
        guild_id=guild_id,
        channel_id=CHANNEL,
        owner_id=OWNER,
        model="bundled",
        sentence="나는 사과를 먹는다",
        word="사과를",
        occurrence=1,
        layer=5,
        candidates=CANDIDATES,
        answer=3,
        seconds=seconds,
    )
    fields.update(overrides)
    return await store.create(**fields)


async def test_create_and_get(quizzes, now):
    quiz = await new_quiz(quizzes)
    assert quiz.id > 0 and quiz.guild_id == GUILD and quiz.message_id is None
    assert quiz.candidates == tuple(CANDIDATES) and quiz.answer == 3
    assert quiz.sentence == "나는 사과를 먹는다" and quiz.word == "사과를"
    assert quiz.created_at == now.value and quiz.deadline == now.value + timedelta(seconds=60)
    assert quiz.revealed_at is None and not quiz.revealed
    assert await quizzes.get(quiz.id) == quiz
    assert await quizzes.get(quiz.id + 1000) is None

    dm = await new_quiz(quizzes, guild_id=None)
    assert dm.guild_id is None and dm.id != quiz.id


@pytest.mark.parametrize(
    "bad",
    [{"candidates": []}, {"candidates": "word"}, {"answer": 5}, {"answer": -1}, {"seconds": 0}],
)
async def test_create_rejects_a_quiz_that_cannot_be_played(quizzes, bad):
    with pytest.raises(ValueError):
        await new_quiz(quizzes, **bad)


async def test_set_message(quizzes):
    quiz = await new_quiz(quizzes)
    assert await quizzes.set_message(quiz.id, 1_300_000_000_000_000_000) is True
    found = await quizzes.get(quiz.id)
    assert found is not None and found.message_id == 1_300_000_000_000_000_000
    assert await quizzes.set_message(quiz.id + 1000, 1) is False


async def test_votes_are_one_per_user_and_can_change(quizzes):
    quiz = await new_quiz(quizzes)
    assert await quizzes.vote(quiz.id, USERS[0], 1) == 1
    assert await quizzes.vote(quiz.id, USERS[1], 3) == 2
    assert await quizzes.vote(quiz.id, USERS[0], 3) == 2  # changed, not added
    assert await quizzes.vote(quiz.id, USERS[0], 3) == 2  # same vote again
    tally = await quizzes.tally(quiz.id)
    assert tally.counts == (0, 0, 0, 2, 0)
    assert set(tally.voters[3]) == {USERS[0], USERS[1]}
    assert tally.total == 2
    assert tally.choice_of(USERS[0]) == 3 and tally.choice_of(USERS[2]) is None
    assert await quizzes.tally(quiz.id + 1000) == Tally(())


async def test_a_vote_for_no_candidate_is_refused(quizzes):
    quiz = await new_quiz(quizzes)
    for choice in (-1, len(CANDIDATES), True):
        with pytest.raises(ValueError):
            await quizzes.vote(quiz.id, USERS[0], choice)
    assert (await quizzes.tally(quiz.id)).total == 0


async def test_votes_close_at_the_deadline_and_on_reveal(quizzes, now):
    timed = await new_quiz(quizzes, seconds=30)
    now.advance(seconds=29)
    assert await quizzes.vote(timed.id, USERS[0], 0) == 1
    now.advance(seconds=1)
    with pytest.raises(QuizClosed):
        await quizzes.vote(timed.id, USERS[1], 0)

    revealed = await new_quiz(quizzes)
    await quizzes.reveal(revealed.id)
    with pytest.raises(QuizClosed):
        await quizzes.vote(revealed.id, USERS[0], 0)
    with pytest.raises(QuizClosed):
        await quizzes.vote(revealed.id + 1000, USERS[0], 0)


async def test_many_people_voting_at_once(db, quizzes):
    quiz = await new_quiz(quizzes)
    counts = await asyncio.gather(*(quizzes.vote(quiz.id, user, n % 5) for n, user in enumerate(USERS)))
    if db.kind == "sqlite":  # one writer at a time: every vote sees all before it
        assert sorted(counts) == list(range(1, len(USERS) + 1))
    else:  # votes committing at the same moment may not count each other; the tally is exact
        assert all(1 <= count <= len(USERS) for count in counts)
    assert (await quizzes.tally(quiz.id)).counts == (8, 8, 8, 8, 8)


async def test_reveal_happens_once_even_with_two_processes(db, engine, now):
    here, there = QuizStore(engine, now=now), QuizStore(db.engine(), now=now)
    quiz = await new_quiz(here)
    await here.vote(quiz.id, USERS[0], 3)
    results = await asyncio.gather(*(store.reveal(quiz.id) for store in (here, there, here, there)))
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    assert winners[0].revealed_at == now.value and winners[0].id == quiz.id
    assert await here.reveal(quiz.id) is None
    assert await here.reveal(quiz.id + 1000) is None
    assert (await there.tally(quiz.id)).counts == (0, 0, 0, 1, 0)  # votes stay until purged


async def test_open_quizzes_are_the_unrevealed_ones_soonest_first(quizzes):
    late = await new_quiz(quizzes, seconds=300)
    soon = await new_quiz(quizzes, seconds=30)
    done = await new_quiz(quizzes, seconds=10)
    await quizzes.reveal(done.id)
    assert [q.id for q in await quizzes.open_quizzes()] == [soon.id, late.id]


async def test_purge_deletes_old_quizzes_and_their_votes(engine, quizzes, now):
    old_revealed = await new_quiz(quizzes)
    abandoned = await new_quiz(quizzes, seconds=10)  # never revealed (its message was deleted, say)
    await quizzes.vote(old_revealed.id, USERS[0], 1)
    await quizzes.vote(abandoned.id, USERS[0], 1)
    await quizzes.reveal(old_revealed.id)
    now.advance(hours=25)
    recent_revealed = await new_quiz(quizzes)
    await quizzes.vote(recent_revealed.id, USERS[1], 2)
    await quizzes.reveal(recent_revealed.id)
    still_open = await new_quiz(quizzes, seconds=600)

    assert await quizzes.purge(timedelta(hours=24)) == 2
    assert await quizzes.get(old_revealed.id) is None and await quizzes.get(abandoned.id) is None
    assert await quizzes.get(recent_revealed.id) is not None and await quizzes.get(still_open.id) is not None
    async with engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(VoteRow)) == 1
        assert await conn.scalar(select(func.count()).select_from(QuizRow)) == 2
    assert await quizzes.purge(timedelta(hours=24)) == 0


async def test_every_quiz_call_says_store_unavailable_when_the_database_is_down(unreachable_url):
    engine = create_engine(unreachable_url, timeout=1.0)
    store = QuizStore(engine)
    try:
        calls = [
            new_quiz(store),
            store.set_message(1, 2),
            store.get(1),
            store.vote(1, USERS[0], 0),
            store.tally(1),
            store.open_quizzes(),
            store.reveal(1),
            store.purge(timedelta(days=1)),
        ]
        for call in calls:
            with pytest.raises(StoreUnavailable):
                await call
    finally:
        await engine.dispose()
