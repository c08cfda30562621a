"""/attention and /compare through discord.py's dispatch, and the word autocomplete."""

from __future__ import annotations

import re

import discord
import pytest

from bot.engine.query import AttentionQuery
from bot.i18n import EN, KO, t
from bot.markup import escape
from bot.views import PagingView
from tests.helpers.doubles import (
    FakeUser,
    assert_no_mentions,
    autocomplete_interaction,
    command_interaction,
    decode_png,
    dispatch,
)

SEED_A = "Apple is huge enterprise"
SEED_B = "I am eating an apple"
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"

TOP_LINE = re.compile(r"^(\d+)\. \*\*(.+)\*\* (\d\.\d{3})$")


def top_lines(field_value: str) -> list[tuple[str, str]]:
    """``1. **token** 0.123`` lines -> [(token as shown, "0.123"), ...]."""
    out = []
    for n, line in enumerate(field_value.splitlines(), start=1):
        match = TOP_LINE.match(line)
        assert match, f"not a top-token line: {line!r}"
        assert int(match.group(1)) == n
        out.append((match.group(2), match.group(3)))
    return out


def image_of(call) -> tuple[str, bytes]:
    """The one uploaded file and the embed's attachment:// reference to it."""
    assert len(call.files) == 1, call.files
    sent = call.files[0]
    assert call.embed is not None
    assert call.embed.image.url == f"attachment://{sent.filename}"
    assert sent.filename.endswith(".png")
    return sent.filename, sent.data


# ------------------------------------------------------------------------------------------ /attention


async def test_attention_defers_then_follows_up_with_png_embed_and_view(bot, lens, forward_calls):
    user = FakeUser()
    interaction = command_interaction(bot, "attention", user=user, sentence=SEED_B, word="apple")
    await dispatch(interaction)

    assert not interaction.rejected
    first = interaction.calls[0]
    assert first.method == "response.defer" and first.kwargs["thinking"] is True
    assert interaction.response.type is discord.InteractionResponseType.deferred_channel_message
    reply = interaction.only_send()
    assert reply.method == "followup.send" and reply.kwargs["wait"] is True and not reply.ephemeral

    filename, png = image_of(reply)
    assert filename == "bertlens-word.png"
    decode_png(png)
    assert reply.files[0].description  # alt text for screen readers

    embed = reply.embed
    assert embed.title == "Attention of \u201capple\u201d"
    assert embed.description.startswith(f"> {SEED_B}")
    assert MODEL_NAME in embed.footer.text
    assert "layer 6/6" in embed.footer.text and "mean of 12 heads" in embed.footer.text

    expected = lens.attention(SEED_B, AttentionQuery(word="apple")).word
    (field,) = embed.fields
    assert field.name == t(EN, "attention.top", layer=6, heads="mean of 12 heads")
    assert top_lines(field.value) == [(escape(a.token), f"{a.weight:.3f}") for a in expected.top(5)]

    view = reply.view
    assert isinstance(view, PagingView) and {c.state.owner for c in view.children} == {user.id}
    assert view.message is interaction.messages[0]  # kept to disable the controls on timeout
    assert forward_calls == [7]  # one forward pass of [CLS] i am eating an apple [SEP]
    assert_no_mentions(interaction)


async def test_attention_layer_and_head_options_match_the_engine(bot, lens):
    interaction = command_interaction(
        bot, "attention", sentence=SEED_A, word="enterprise", layer=2, head=3, hide_special=True
    )
    await dispatch(interaction)

    reply = interaction.only_send()
    expected = lens.attention(
        SEED_A, AttentionQuery(word="enterprise", layer=2, head=3, hide_special=True)
    ).word
    (field,) = reply.embed.fields
    assert field.name == t(EN, "attention.top", layer=2, heads="head 3 of 12")
    shown = top_lines(field.value)
    assert shown == [(escape(a.token), f"{a.weight:.3f}") for a in expected.top(5)]
    assert not {"[CLS]", "[SEP]"} & {token for token, _ in shown}  # hidden specials
    assert "layer 2/6" in reply.embed.footer.text and "specials hidden" in reply.embed.footer.text
    decode_png(image_of(reply)[1])


@pytest.mark.parametrize("view", ["word", "heads", "matrix", "grid", "rollout"])
async def test_attention_every_view_option_gives_its_png(bot, view):
    interaction = command_interaction(bot, "attention", sentence=SEED_B, word="eating", view=view)
    await dispatch(interaction)
    reply = interaction.only_send()
    filename, png = image_of(reply)
    assert filename == f"bertlens-{view}.png"
    decode_png(png)
    assert f"{view} view" in reply.embed.footer.text


async def test_attention_in_korean(bot, lens):
    interaction = command_interaction(
        bot, "attention", sentence=SEED_B, word="apple", locale=discord.Locale.korean
    )
    await dispatch(interaction)
    embed = interaction.only_send().embed
    heads = t(KO, "heads.mean", n=12)
    assert embed.title == t(KO, "attention.title", word="apple")
    assert embed.fields[0].name == t(KO, "attention.top", layer=6, heads=heads)
    assert "\ub808\uc774\uc5b4 6/6" in embed.footer.text  # "레이어 6/6"


async def test_word_split_into_pieces_and_repeated_word_are_explained(bot):
    sentence = "Tokenization is fun, and tokenization is useful"
    interaction = command_interaction(bot, "attention", sentence=sentence, word="tokenization", occurrence=2)
    await dispatch(interaction)
    description = interaction.only_send().embed.description
    assert t(EN, "attention.occurrence", occurrence=2, count=2) in description
    assert "tokenization\u201d is 2 tokens (token + ##ization)" in description


# ----------------------------------------------------------------------------------------- autocomplete


async def autocomplete(bot, command: str, current: str, **options) -> list[discord.app_commands.Choice]:
    interaction = autocomplete_interaction(bot, command, "word", current, **options)
    await dispatch(interaction)
    assert not interaction.rejected
    (call,) = interaction.calls
    assert call.method == "response.autocomplete"
    return call.kwargs["choices"]


async def test_autocomplete_offers_the_sentence_words(bot, forward_calls):
    choices = await autocomplete(bot, "attention", "", sentence=SEED_B)
    assert [c.value for c in choices] == ["I", "am", "eating", "an", "apple"]
    assert all(c.name == c.value for c in choices)
    assert forward_calls == []  # typing never runs the model


async def test_autocomplete_caps_at_25_choices(bot):
    sentence = " ".join(f"word{i}" for i in range(60))
    choices = await autocomplete(bot, "attention", "", sentence=sentence)
    assert [c.value for c in choices] == [f"word{i}" for i in range(25)]


async def test_autocomplete_filters_by_prefix_then_substring(bot):
    sentence = "An apple, an apricot and a pineapple in April"
    assert [c.value for c in await autocomplete(bot, "attention", "ap", sentence=sentence)] == [
        "apple",
        "apricot",
        "April",
        "pineapple",  # contains "ap": after every word that starts with it
    ]
    # Not a prefix of anything: words containing it come next.
    assert [c.value for c in await autocomplete(bot, "attention", "pple", sentence=sentence)] == [
        "apple",
        "pineapple",
    ]
    assert await autocomplete(bot, "attention", "zebra", sentence=sentence) == []


async def test_autocomplete_ignores_case_and_accents(bot):
    sentence = "Cr\u00e8me br\u00fbl\u00e9e at the Caf\u00e9"
    assert [c.value for c in await autocomplete(bot, "attention", "CAFE", sentence=sentence)] == ["Caf\u00e9"]
    assert [c.value for c in await autocomplete(bot, "attention", "bru", sentence=sentence)] == [
        "br\u00fbl\u00e9e"
    ]
    assert [c.value for c in await autocomplete(bot, "attention", "cr\u00c8", sentence=sentence)] == [
        "Cr\u00e8me"
    ]


async def test_autocomplete_is_empty_before_a_sentence_is_typed(bot):
    assert await autocomplete(bot, "attention", "") == []
    assert await autocomplete(bot, "attention", "app") == []


async def test_compare_autocomplete_uses_both_sentences(bot):
    choices = await autocomplete(bot, "compare", "", sentence_a=SEED_A, sentence_b=SEED_B)
    assert [c.value for c in choices] == ["Apple", "is", "huge", "enterprise", "I", "am", "eating", "an"]
    choices = await autocomplete(bot, "compare", "ea", sentence_b=SEED_B)
    assert [c.value for c in choices] == ["eating"]


# ----------------------------------------------------------------------------------------------- /compare


async def test_compare_shows_same_id_and_the_engines_cosines(bot, lens):
    interaction = command_interaction(bot, "compare", word="apple", sentence_a=SEED_A, sentence_b=SEED_B)
    await dispatch(interaction)

    assert not interaction.rejected
    assert interaction.calls[0].method == "response.defer" and interaction.calls[0].kwargs["thinking"] is True
    reply = interaction.only_send()
    filename, png = image_of(reply)
    assert filename == "bertlens-compare.png"
    decode_png(png)

    embed = reply.embed
    assert t(EN, "compare.same_ids", ids="6207") in embed.description
    assert MODEL_NAME in embed.footer.text

    expected = lens.compare("apple", SEED_A, SEED_B)
    assert expected.ids_a == expected.ids_b == (6207,)
    cosine = next(f for f in embed.fields if f.name == t(EN, "compare.cosine"))
    figures, lesson, standing = cosine.value.split("\n")
    shown = [part.split(" ") for part in figures.split(" \u00b7 ")]
    assert [label for label, _ in shown] == ["emb"] + [f"L{i}" for i in range(1, 7)]
    assert [value for _, value in shown] == [f"{v:.3f}" for v in expected.cosine]
    assert lesson == t(
        EN, "compare.lesson", first=float(expected.cosine[0]), last=float(expected.cosine[-1]), layers=6
    )
    band = expected.baseline
    assert standing == escape(
        t(EN, "img.compare.above", layer=6, word="“Apple”", value=expected.cosine[-1], median=band.median[-1])
    )
    assert embed.footer.text.splitlines()[-1] == (
        f"python -m bot compare Apple '{SEED_A}' '{SEED_B}' --model bundled --lang en"
    )

    tops = [f for f in embed.fields if f.name.startswith("Most attended in")]
    assert [f.name for f in tops] == [t(EN, "compare.top", label=x, layer=6) for x in "AB"]
    for field, word in zip(tops, (expected.a, expected.b), strict=True):
        assert top_lines(field.value) == [(escape(a.token), f"{a.weight:.3f}") for a in word.top(3)]
    assert_no_mentions(interaction)
