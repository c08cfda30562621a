"""/quiz: guess first, vote together, reveal; votes in a real (SQLite) store, buttons persistent."""

from __future__ import annotations

import asyncio
import datetime

import discord
import numpy as np

from bot.i18n import EN, t
from bot.quiz import QuizTimers
from tests.helpers.doubles import (
    FakeUser,
    assert_no_mentions,
    click_control,
    command_interaction,
    component_interaction,
    decode_png,
    dispatch,
)

SENTENCE = "I am eating an apple"


async def start_quiz(bot, owner: FakeUser, **options):
    interaction = command_interaction(bot, "quiz", user=owner, sentence=SENTENCE, word="apple", **options)
    await dispatch(interaction)
    assert not interaction.rejected, interaction.rejected
    return interaction, interaction.messages[0]


def button(message, label: str):
    return next(c.item for c in message.view.children if c.item.label.split(" · ")[0] == label)


async def press(bot, message, label: str, user: FakeUser, permissions=None):
    item = button(message, label)
    interaction = component_interaction(bot, item, user=user, message=message)
    if permissions is not None:
        interaction.permissions = permissions
    await click_control(bot, message, item.custom_id, interaction)
    assert not interaction.rejected, interaction.rejected
    for edit in interaction.named("edit_original_response"):
        message._apply(edit)
    assert_no_mentions(interaction)
    return interaction


async def test_the_question_shows_candidates_in_order_and_no_answer(make_bot, store):
    bot = await make_bot(store=store)
    _, message = await start_quiz(bot, FakeUser(), layer=6)
    embed = message.embeds[0]
    assert embed.title == t(EN, "quiz.title") and "**apple**" in embed.description
    assert "layer 6" in embed.description and not message.attachments  # no heatmap before the reveal
    labels = [c.item.label for c in message.view.children]
    assert labels == ["I", "am", "eating", "an", t(EN, "quiz.reveal")]
    assert all(len(c.item.custom_id) <= 100 for c in message.view.children)
    assert embed.fields[0].value == "0"
    question = embed.description.split("\n\n", 1)[1]
    assert "eating" not in question and "eating" not in str(embed.fields)  # the answer is not given away


async def test_votes_count_once_per_member_and_can_change(make_bot, store):
    bot = await make_bot(store=store)
    owner, ana, ben = FakeUser(), FakeUser(), FakeUser()
    _, message = await start_quiz(bot, owner)
    await press(bot, message, "am", ana)
    await press(bot, message, "eating", ben)
    changed = await press(bot, message, "eating", ana)  # Ana changes her mind
    assert message.embeds[0].fields[0].value == "2"  # two members, not three votes
    (note,) = changed.named("followup.send")
    assert note.ephemeral and note.content == t(EN, "quiz.voted", word="eating")


async def test_reveal_shows_the_heatmap_answer_tally_and_who_was_right(make_bot, store, lens):
    bot = await make_bot(store=store)
    owner, ana, ben = FakeUser(), FakeUser(), FakeUser()
    _, message = await start_quiz(bot, owner, layer=6)
    await press(bot, message, "eating", ana)
    await press(bot, message, "an", ben)
    await press(bot, message, t(EN, "quiz.reveal"), owner)
    embed = message.embeds[0]
    expected = lens.quiz(SENTENCE, "apple", layer=6)
    assert embed.title == t(EN, "quiz.revealed", word="apple", answer=expected.right)
    tally = embed.fields[0].value
    assert f"**{expected.right}**" in tally
    assert embed.fields[1].value == (f"<@{ana.id}>" if expected.right == "eating" else t(EN, "quiz.nobody"))
    decode_png(message.attachments[0].data)
    assert all(c.item.disabled for c in message.view.children)  # voting is over
    assert t(EN, "quiz.reveal") not in [c.item.label for c in message.view.children]


async def test_only_the_asker_or_a_moderator_reveals(make_bot, store):
    bot = await make_bot(store=store)
    owner, stranger = FakeUser(), FakeUser()
    _, message = await start_quiz(bot, owner)
    refused = await press(bot, message, t(EN, "quiz.reveal"), stranger)
    (call,) = refused.calls
    assert call.ephemeral and call.content == t(EN, "quiz.not_yours", user=f"<@{owner.id}>")
    moderator = discord.Permissions(manage_messages=True)
    await press(bot, message, t(EN, "quiz.reveal"), stranger, permissions=moderator)
    assert message.embeds[0].title.startswith("apple")


async def test_after_a_restart_votes_and_reveal_carry_on(make_bot, store):
    first = await make_bot(store=store)
    owner, ana = FakeUser(), FakeUser()
    _, message = await start_quiz(first, owner)
    await press(first, message, "eating", ana)
    after = await make_bot(store=store)  # another process on the same database
    await press(after, message, "am", FakeUser())
    assert message.embeds[0].fields[0].value == "2"
    await press(after, message, t(EN, "quiz.reveal"), owner)
    assert "(2)" in message.embeds[0].fields[0].name


async def test_the_timer_reveals_by_itself(make_bot, store):
    bot = await make_bot(store=store)
    interaction, message = await start_quiz(bot, FakeUser())
    quiz = await store.quizzes.get(int(message.view.children[0].item.custom_id.split(":")[2]))
    cog = bot.get_cog("Quiz")
    cog.timers.cancel()  # the quiz's own timer waits 60 s; arm a due one instead
    cog.timers = QuizTimers(bot)
    due = quiz.__class__(**{**{f: getattr(quiz, f) for f in quiz.__slots__}, "deadline": quiz.created_at})
    cog.timers.arm(due, interaction)
    for _ in range(200):
        if interaction.named("edit_original_response"):
            break
        await asyncio.sleep(0.05)
    (edit,) = interaction.named("edit_original_response")
    assert edit.embed.title.startswith("apple") and edit.files


async def test_without_a_database_the_quiz_says_so(make_bot):
    bot = await make_bot(store=None)
    interaction = command_interaction(bot, "quiz", sentence=SENTENCE, word="apple")
    await dispatch(interaction)
    (call,) = interaction.calls
    assert call.ephemeral and call.content == t(EN, "quiz.unavailable")


async def test_a_press_on_a_forgotten_quiz_says_it_expired(make_bot, store):
    bot = await make_bot(store=store)
    _, message = await start_quiz(bot, FakeUser())
    await store.quizzes.purge(older_than=datetime.timedelta(seconds=-3600))
    answer = await press(bot, message, t(EN, "quiz.reveal"), FakeUser())
    assert answer.calls[-1].content == t(EN, "quiz.expired")


def test_the_answer_is_the_same_number_attention_shows(lens, reference):
    """Weights are the word's mean-over-heads row with specials hidden, summed over each word's tokens."""
    question = lens.quiz(SENTENCE, "apple", layer=4)
    tokens, attentions, _ = reference.run(SENTENCE)
    row = attentions[3].mean(axis=0)[tokens.index("apple")]
    shown = row[1:-1] / row[1:-1].sum()  # [CLS] and [SEP] hidden, rescaled
    expected = dict(zip(tokens[1:-1], shown, strict=True))
    for word, weight in zip(question.candidates, question.weights, strict=True):
        assert abs(weight - expected[word.lower()]) < 2e-4
    assert question.right == max(question.candidates, key=lambda w: expected[w.lower()])
    assert np.isclose(sum(question.weights) + expected["apple"], 1.0, atol=1e-4)
