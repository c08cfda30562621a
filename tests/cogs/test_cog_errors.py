"""Bad input, overload, cooldown and unexpected failures: one friendly answer each, in the user's
language, ephemeral, and for anything that can be checked up front, without deferring first."""

from __future__ import annotations

import asyncio
import logging
import re
import shlex
import threading

import discord
import pytest

from bot.i18n import EN, KO, t
from bot.markup import escape
from tests.helpers.doubles import FakeUser, assert_no_mentions, command_interaction, dispatch

SENTENCE = "I am eating an apple"
HANGUL = re.compile("[\uac00-\ud7a3]")
LOCALES = [(discord.Locale.american_english, EN), (discord.Locale.korean, KO)]


def answered_at_once(interaction) -> str:
    """The only call is an immediate ephemeral message (no defer first); returns its text."""
    assert not interaction.rejected, interaction.rejected
    methods = [c.method for c in interaction.calls]
    assert methods == ["response.send_message"], methods
    call = interaction.calls[0]
    assert call.ephemeral and not call.embeds and not call.files and call.view is None
    assert_no_mentions(interaction)
    return call.content


def bad_input_cases(lang: str) -> list[tuple[str, dict, str]]:
    return [
        (
            "absent word",
            {"sentence": SENTENCE, "word": "banana"},
            t(lang, "err.word_not_found", word="banana", available="I, am, eating, an, apple"),
        ),
        (
            "layer 7 of 6",
            {"sentence": SENTENCE, "word": "apple", "layer": 7},
            t(lang, "err.out_of_range", what=t(lang, "what.layer"), value=7, maximum=6),
        ),
        (
            "head 13 of 12",
            {"sentence": SENTENCE, "word": "apple", "head": 13},
            t(lang, "err.out_of_range", what=t(lang, "what.head"), value=13, maximum=12),
        ),
        (
            "3,000 characters",
            {"sentence": "apple " * 500, "word": "apple"},
            t(lang, "err.text_too_long", length=3000, limit=500, unit=t(lang, "unit.characters")),
        ),
        (
            "empty sentence",
            {"sentence": "   ", "word": "apple"},
            t(lang, "err.empty_text", what=t(lang, "what.sentence")),
        ),
        (
            "missing occurrence",
            {"sentence": SENTENCE, "word": "apple", "occurrence": 3},
            t(lang, "err.occurrence_out_of_range", word="apple", count=1, occurrence=3),
        ),
    ]


@pytest.mark.parametrize(("locale", "lang"), LOCALES, ids=["en", "ko"])
@pytest.mark.parametrize("case", range(6), ids=[c[0] for c in bad_input_cases(EN)])
async def test_attention_bad_input_is_answered_at_once(bot, forward_calls, locale, lang, case):
    _, options, expected = bad_input_cases(lang)[case]
    interaction = command_interaction(bot, "attention", locale=locale, **options)
    await dispatch(interaction)
    text = answered_at_once(interaction)
    assert text == expected
    assert bool(HANGUL.search(text)) == (lang == KO)
    assert forward_calls == []  # the model never ran
    assert bot.service.pending == 0


@pytest.mark.parametrize(("locale", "lang"), LOCALES, ids=["en", "ko"])
async def test_compare_and_tokenize_bad_input(bot, locale, lang):
    interaction = command_interaction(
        bot,
        "compare",
        locale=locale,
        word="apple",
        sentence_a="Apple is huge enterprise",
        sentence_b="I like pears",
    )
    await dispatch(interaction)
    assert answered_at_once(interaction) == t(
        lang, "err.word_not_found", word="apple", available="I, like, pears"
    )

    interaction = command_interaction(bot, "tokenize", locale=locale, sentence="ok", sentence2="x" * 3000)
    await dispatch(interaction)
    assert answered_at_once(interaction) == t(
        lang, "err.text_too_long", length=3000, limit=500, unit=t(lang, "unit.characters")
    )


async def test_text_the_tokenizer_drops_is_explained_after_the_defer(bot):
    # Not empty to a cheap check, empty to the tokenizer: found only in the worker, after defer().
    interaction = command_interaction(bot, "tokenize", sentence="\u200b\u200b")
    await dispatch(interaction)
    methods = [c.method for c in interaction.calls]
    # The public "thinking..." placeholder is removed and the explanation goes to the user alone.
    assert methods == ["response.defer", "delete_original_response", "followup.send"]
    error = interaction.calls[-1]
    assert error.ephemeral and error.content == t(EN, "err.empty_text", what=t(EN, "what.sentence"))
    assert_no_mentions(interaction)


# ------------------------------------------------------------------------------------------- escaping

HOSTILE = "@everyone look at <@123> and <@&456> **bold** __under__ ```code``` @here"


def assert_escaped(texts: list[str]) -> None:
    assert texts
    for text in texts:
        # (The bot bolds top tokens itself, "**bold** 0.113", so look for the user's own markup.)
        for raw in ("@everyone", "@here", "<@123>", "<@&456>", "**bold** _", "__under__", "```"):
            assert raw not in text, f"{raw!r} reached users unescaped in {text!r}"


async def test_user_text_is_escaped_in_attention_replies(bot):
    interaction = command_interaction(bot, "attention", sentence=HOSTILE, word="look")
    await dispatch(interaction)
    assert not interaction.rejected
    embed = interaction.only_send().embed
    assert embed.description.startswith("> " + escape(HOSTILE))
    assert_escaped(interaction.texts())
    assert_no_mentions(interaction)
    # The footer is plain text on Discord; it holds the command line, shell-quoted, that gives the
    # user's sentence back exactly (the paging controls read it).
    (footer,) = interaction.footers()
    command = footer.splitlines()[-1]
    assert shlex.split(command)[4] == HOSTILE


async def test_a_hostile_word_is_escaped_in_the_title(bot):
    interaction = command_interaction(bot, "attention", sentence=HOSTILE, word="@everyone")
    await dispatch(interaction)
    assert not interaction.rejected
    assert_escaped(interaction.texts())


async def test_user_text_is_escaped_in_error_replies(bot):
    interaction = command_interaction(bot, "attention", sentence=HOSTILE, word="**@here**")
    await dispatch(interaction)
    text = answered_at_once(interaction)
    assert text.startswith("'\\*\\*@\u200bhere\\*\\*' is not a word")
    assert_escaped([text])

    interaction = command_interaction(
        bot, "compare", word="look", sentence_a=HOSTILE, sentence_b="<@123> ```x```"
    )
    await dispatch(interaction)
    assert_escaped([answered_at_once(interaction)])


async def test_user_text_is_escaped_in_compare_replies(bot):
    interaction = command_interaction(
        bot, "compare", word="look", sentence_a=HOSTILE, sentence_b="look @everyone"
    )
    await dispatch(interaction)
    assert not interaction.rejected
    assert_escaped(interaction.texts())
    assert_no_mentions(interaction)


# ----------------------------------------------------------------------------------------- unexpected


@pytest.mark.parametrize(("locale", "lang"), LOCALES, ids=["en", "ko"])
async def test_unexpected_error_gets_an_apology_with_the_logged_error_id(
    bot, monkeypatch, caplog, locale, lang
):
    async def broken(*args, **kwargs):
        raise RuntimeError("the GPU caught fire")

    monkeypatch.setattr(bot.service, "attention", broken)
    caplog.set_level(logging.INFO)
    interaction = command_interaction(bot, "attention", locale=locale, sentence=SENTENCE, word="apple")
    await dispatch(interaction)

    assert not interaction.rejected
    assert [c.method for c in interaction.calls] == [
        "response.defer",
        "delete_original_response",
        "followup.send",
    ]
    apology = interaction.calls[-1]
    assert apology.ephemeral
    match = re.search(r"`([0-9a-f]{8})`", apology.content)
    assert match, apology.content
    error_id = match.group(1)
    assert apology.content == t(lang, "unexpected", error_id=error_id)
    assert "GPU" not in apology.content  # no internals shown to users

    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert error_id in record.getMessage() and "command=attention" in record.getMessage()
    assert record.exc_info and isinstance(record.exc_info[1], RuntimeError)
    assert_no_mentions(interaction)


async def test_expired_interaction_is_not_answered(bot, monkeypatch, caplog):
    async def broken(*args, **kwargs):
        raise RuntimeError("late")

    monkeypatch.setattr(bot.service, "attention", broken)
    interaction = command_interaction(bot, "attention", sentence=SENTENCE, word="apple")
    real_defer = interaction.response.defer

    async def defer_then_expire(**kwargs):
        await real_defer(**kwargs)
        interaction.expired = True

    interaction.response.defer = defer_then_expire
    await dispatch(interaction)
    assert [c.method for c in interaction.calls] == ["response.defer"]
    assert not interaction.rejected


# ----------------------------------------------------------------------------------------------- busy


async def test_busy_service_answers_at_once_without_deferring(make_bot, forward_calls):
    bot = await make_bot(workers=1, queue_limit=0)
    started, gate = threading.Event(), threading.Event()

    def occupy() -> None:
        started.set()
        gate.wait(10)

    job = asyncio.ensure_future(bot.service.run(occupy))
    try:
        await asyncio.to_thread(started.wait, 10)
        assert not bot.service.can_accept()
        for lang, locale in ((EN, discord.Locale.american_english), (KO, discord.Locale.korean)):
            for name, options in (
                ("attention", {"sentence": SENTENCE, "word": "apple"}),
                ("compare", {"word": "apple", "sentence_a": SENTENCE, "sentence_b": "apple pie"}),
                ("tokenize", {"sentence": SENTENCE}),
            ):
                interaction = command_interaction(bot, name, locale=locale, **options)
                await dispatch(interaction)
                assert answered_at_once(interaction) == t(lang, "busy"), name
    finally:
        gate.set()
    await job
    assert bot.service.pending == 0 and forward_calls == []

    # Free again: the next request goes through.
    interaction = command_interaction(bot, "tokenize", sentence=SENTENCE)
    await dispatch(interaction)
    assert interaction.deferred and interaction.only_send().method == "followup.send"


# ------------------------------------------------------------------------------------------- cooldown


async def test_cooldown_limits_the_same_user_only(make_bot):
    bot = await make_bot(cooldown_rate=1, cooldown_seconds=30)
    alice, bob = FakeUser(name="alice"), FakeUser(name="bob")

    first = command_interaction(bot, "attention", user=alice, sentence=SENTENCE, word="apple")
    await dispatch(first)
    assert first.deferred and first.only_send().embed is not None

    second = command_interaction(bot, "attention", user=alice, sentence=SENTENCE, word="eating")
    await dispatch(second)
    text = answered_at_once(second)
    seconds = int(re.search(r"wait (\d+) s", text).group(1))
    assert 25 <= seconds <= 30
    assert text == t(EN, "cooldown", seconds=seconds)

    korean = command_interaction(
        bot, "attention", user=alice, sentence=SENTENCE, word="an", locale=discord.Locale.korean
    )
    await dispatch(korean)
    assert HANGUL.search(answered_at_once(korean))

    other = command_interaction(bot, "attention", user=bob, sentence=SENTENCE, word="apple")
    await dispatch(other)
    assert other.deferred and other.only_send().embed is not None


async def test_cooldown_zero_means_unlimited(bot):
    user = FakeUser()
    for _ in range(3):
        interaction = command_interaction(bot, "tokenize", user=user, sentence=SENTENCE)
        await dispatch(interaction)
        assert interaction.deferred and not interaction.only_send().ephemeral
