"""/tokenize and the "Tokenize message" context menu."""

from __future__ import annotations

import re

import discord

from bot.i18n import EN, KO, t
from bot.tables import legend, report_lines, summary_lines
from tests.helpers.doubles import (
    FakeUser,
    assert_no_mentions,
    command_interaction,
    dispatch,
    message_command_interaction,
)

SEED_A = "Apple is huge enterprise"
SEED_B = "I am eating an apple"
MENU = "Tokenize message"


def code_block(content: str) -> tuple[str, str]:
    """(inside the one code block, text after it); the message must start with the block."""
    assert content.startswith("```\n"), content[:40]
    assert content.count("```") == 2, "user text opened or closed a code block"
    inside, after = content[4:].split("\n```", 1)
    return inside, after


async def tokenize(bot, locale=discord.Locale.american_english, **options):
    interaction = command_interaction(bot, "tokenize", locale=locale, **options)
    await dispatch(interaction)
    assert not interaction.rejected, interaction.rejected
    return interaction


async def test_seed_sentences_show_ids_mask_padding_and_the_shared_id(bot):
    interaction = await tokenize(bot, sentence=SEED_A, sentence2=SEED_B)

    assert interaction.calls[0].method == "response.defer" and interaction.calls[0].kwargs["thinking"] is True
    reply = interaction.only_send()
    assert reply.method == "followup.send" and not reply.ephemeral and not reply.files
    inside, after = code_block(reply.content)
    assert (
        "input_ids      = [[101, 6207, 2003, 4121, 6960, 102, 0], [101, 1045, 2572, 5983, 2019, 6207, 102]]"
        in inside
    )
    assert "attention_mask = [[1, 1, 1, 1, 1, 1, 0], [1, 1, 1, 1, 1, 1, 1]]" in inside
    assert re.search(r"^6\s+\[PAD\]\s+0\s+0\s+padding \(mask 0\)$", inside, re.M)
    assert re.search(r"^1\s+apple\s+6207\s+1\s+shared id$", inside, re.M)
    assert re.search(r"^0\s+\[CLS\]\s+101\s+1\s+special: start$", inside, re.M)
    assert t(EN, "tok.padded", length=7) in inside
    assert "6207 (apple) in sentences 1, 2" in after
    assert_no_mentions(interaction)


async def test_one_sentence_in_korean(bot):
    interaction = await tokenize(bot, locale=discord.Locale.korean, sentence=SEED_B)
    inside, after = code_block(interaction.only_send().content)
    assert "input_ids      = [101, 1045, 2572, 5983, 2019, 6207, 102]" in inside
    assert t(KO, "tok.columns").replace("|", "  ").split()[0] == "#"
    assert t(KO, "tok.note.cls") in inside  # "특수: 시작"
    assert legend(bot.service.lens.model.family, KO) in after


async def test_long_output_is_attached_as_text_not_cut(bot, lens):
    # Three different sentences near the 500-character limit: the table is far over 2,000 characters.
    words = [
        "the",
        "quick",
        "brown",
        "fox",
        "jumps",
        "over",
        "the",
        "lazy",
        "dog",
        "while",
        "tokenizers",
        "split",
        "unbelievably",
        "long",
        "words",
    ]
    sentences = [" ".join(words[(i + k) % len(words)] for k in range(75))[:480] for i in range(3)]
    assert all(len(s) <= 500 for s in sentences) and len(set(sentences)) == 3
    interaction = await tokenize(bot, sentence=sentences[0], sentence2=sentences[1], sentence3=sentences[2])

    reply = interaction.only_send()
    assert len(reply.content) <= 2000
    assert t(EN, "tok.attached", filename="bertlens-tokens.txt") in reply.content
    (sent,) = reply.files
    assert sent.filename == "bertlens-tokens.txt"
    text = sent.data.decode("utf-8")

    report = lens.tokenize(sentences)
    table = report_lines(report, EN)
    assert len("\n".join(table)) > 2000
    assert text == "\n".join(table) + "\n\n" + "\n".join(summary_lines(report, EN)) + "\n"
    for sentence in report.sentences:  # every token id of every sentence is in the file
        assert "[" + ", ".join(map(str, sentence.input_ids)) + "]" in text
    assert_no_mentions(interaction)


async def test_backticks_and_mentions_cannot_escape_the_code_block(bot):
    sentence = "```@everyone``` look <@123> **bold** ```"
    interaction = await tokenize(bot, sentence=sentence)
    content = interaction.only_send().content
    inside, after = code_block(content)  # exactly the bot's two fences
    assert "`\u200b`\u200b`\u200b@everyone" in inside  # each backtick defused, text still readable
    assert "@everyone" not in after and "<@123>" not in after
    assert_no_mentions(interaction)


async def test_context_menu_tokenizes_the_message(bot):
    interaction = message_command_interaction(bot, MENU, SEED_B)
    await dispatch(interaction)
    assert not interaction.rejected
    assert interaction.calls[0].method == "response.defer"
    inside, _ = code_block(interaction.only_send().content)
    assert "input_ids      = [101, 1045, 2572, 5983, 2019, 6207, 102]" in inside
    assert_no_mentions(interaction)


async def test_context_menu_refuses_an_empty_message_politely(bot):
    for content, locale, lang in (
        ("", discord.Locale.american_english, EN),
        ("   \n ", discord.Locale.korean, KO),
    ):
        interaction = message_command_interaction(bot, MENU, content, locale=locale, user=FakeUser())
        await dispatch(interaction)
        (call,) = interaction.calls
        assert call.method == "response.send_message" and call.ephemeral
        assert call.content == t(lang, "context.empty")
        assert_no_mentions(interaction)


async def test_context_menu_long_message_gets_the_too_long_explanation(bot):
    interaction = message_command_interaction(bot, MENU, "word " * 400)
    await dispatch(interaction)
    (call,) = interaction.calls
    assert call.ephemeral and not interaction.deferred
    assert call.content == t(EN, "err.text_too_long", length=2000, limit=500, unit=t(EN, "unit.characters"))


async def test_backticks_in_the_attached_table_branch(bot):
    # Every backtick is its own token row, so this goes over 2,000 characters and is attached.
    interaction = await tokenize(bot, sentence="```look``` " * 12, sentence2="look at ```@everyone```")
    reply = interaction.only_send()
    assert reply.files and reply.files[0].filename == "bertlens-tokens.txt"
    assert "```" not in reply.content and "@everyone" not in reply.content
    assert "look" in reply.files[0].data.decode()
