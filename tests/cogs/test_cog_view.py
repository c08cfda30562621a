"""The paging view under an /attention reply: clicks edit the same message from the cached forward pass."""

from __future__ import annotations

import asyncio

import discord
import pytest

from bot.engine.query import VIEWS, AttentionQuery
from bot.i18n import EN, KO, t
from bot.markup import escape
from bot.views import AttentionView
from tests.helpers.doubles import (
    FakeUser,
    assert_no_mentions,
    click,
    command_interaction,
    component_interaction,
    decode_png,
    dispatch,
)

SENTENCE = "I am eating an apple"


class Reply:
    """An /attention reply as its user sees it: the message, its view, who ran it."""

    def __init__(self, bot, owner: FakeUser, view: AttentionView, message) -> None:
        self.bot, self.owner, self.view, self.message = bot, owner, view, message

    async def click(
        self, item, *, user: FakeUser | None = None, values=None, locale=discord.Locale.american_english
    ):
        interaction = component_interaction(
            self.bot, item, user=user or self.owner, message=self.message, values=values, locale=locale
        )
        await click(self.view, item, interaction)
        assert not interaction.rejected, interaction.rejected
        return interaction


async def run_attention(bot, **options) -> Reply:
    owner = FakeUser()
    interaction = command_interaction(
        bot, "attention", user=owner, sentence=SENTENCE, word="apple", **options
    )
    await dispatch(interaction)
    reply = interaction.only_send()
    return Reply(bot, owner, reply.view, interaction.messages[0])


@pytest.fixture
async def reply(bot) -> Reply:
    return await run_attention(bot)


def edited(interaction):
    """The click was acknowledged first, then the same message was edited with a fresh image."""
    methods = [c.method for c in interaction.calls]
    assert methods == ["response.defer", "edit_original_response"], methods
    assert interaction.response.type is discord.InteractionResponseType.deferred_message_update
    edit = interaction.calls[1]
    (sent,) = edit.files
    assert edit.embed.image.url == f"attachment://{sent.filename}"
    decode_png(sent.data)
    assert_no_mentions(interaction)
    return edit


def layer_of(footer: str) -> int:
    return int(footer.split("layer ")[1].split("/")[0])


async def test_initial_controls(reply):
    view = reply.view
    assert view.query.layer == 6
    assert view.next_layer.disabled and not view.prev_layer.disabled  # already at the last layer
    assert view.prev_layer.label == "Previous layer" and view.next_layer.label == "Next layer"
    assert view.toggle_specials.label == t(EN, "button.hide", specials="[CLS]/[SEP]")
    assert [o.value for o in view.heads_select.options] == ["mean", "max", *map(str, range(1, 13))]
    assert [o.value for o in view.heads_select.options if o.default] == ["mean"]
    assert [o.value for o in view.view_select.options] == list(VIEWS)
    assert [o.value for o in view.view_select.options if o.default] == ["word"]
    assert len(view.children) == 5 and reply.message.view is view


async def test_previous_and_next_layer_edit_the_message_without_a_new_forward_pass(
    forward_calls, reply, lens
):
    assert forward_calls == [7] and (lens.cache.hits, lens.cache.misses) == (0, 1)  # the /attention itself
    view = reply.view
    for expected in (5, 4, 3, 2, 1):
        edit = edited(await reply.click(view.prev_layer))
        assert layer_of(edit.embed.footer.text) == expected
        assert edit.embed.fields[0].name == t(EN, "attention.top", layer=expected, heads="mean of 12 heads")
        assert edit.view is view
    assert view.prev_layer.disabled and not view.next_layer.disabled  # at layer 1

    edit = edited(await reply.click(view.next_layer))
    assert layer_of(edit.embed.footer.text) == 2
    assert not view.prev_layer.disabled

    # The message now shows what the last edit sent.
    assert reply.message.embeds[0].footer.text == edit.embed.footer.text
    assert reply.message.attachments[0].filename == "bertlens-word.png"
    # Six re-renders from the one forward pass the /attention command made: every click hit the cache.
    assert forward_calls == [7]
    assert (lens.cache.hits, lens.cache.misses) == (6, 1)


async def test_layer_numbers_in_the_embed_match_the_engine(reply, lens):
    edit = edited(await reply.click(reply.view.prev_layer))
    expected = lens.attention(SENTENCE, AttentionQuery(word="apple", layer=5)).word.top(5)
    lines = edit.embed.fields[0].value.splitlines()
    assert lines == [f"{n}. **{escape(a.token)}** {a.weight:.3f}" for n, a in enumerate(expected, start=1)]


async def test_head_select(reply, lens):
    view = reply.view
    edit = edited(await reply.click(view.heads_select, values=["3"]))
    assert "head 3 of 12" in edit.embed.footer.text
    assert edit.embed.fields[0].name == t(EN, "attention.top", layer=6, heads="head 3 of 12")
    expected = lens.attention(SENTENCE, AttentionQuery(word="apple", head=3)).word.top(5)
    assert (
        edit.embed.fields[0].value.splitlines()[0]
        == f"1. **{escape(expected[0].token)}** {expected[0].weight:.3f}"
    )
    assert [o.value for o in view.heads_select.options if o.default] == ["3"]

    edit = edited(await reply.click(view.heads_select, values=["max"]))
    assert "max over 12 heads" in edit.embed.footer.text
    assert view.query.agg == "max" and view.query.head is None


@pytest.mark.parametrize("name", VIEWS)
async def test_view_select_gives_each_view_as_a_png(forward_calls, reply, name):
    view = reply.view
    edit = edited(await reply.click(view.view_select, values=[name]))
    assert edit.files[0].filename == f"bertlens-{name}.png"
    assert f"{name} view" in edit.embed.footer.text
    assert [o.value for o in view.view_select.options if o.default] == [name]
    if name == "grid":  # every layer at once: nothing to page
        assert view.prev_layer.disabled and view.next_layer.disabled
    if name == "rollout":  # always mixes every head
        assert view.heads_select.disabled
        assert edit.embed.fields[0].name == t(EN, "attention.rollout_top", layer=6)
    else:
        assert not view.heads_select.disabled
    assert forward_calls == [7]  # the command's pass only


async def test_hide_specials_toggle(reply):
    view = reply.view
    edit = edited(await reply.click(view.toggle_specials))
    assert "specials hidden" in edit.embed.footer.text
    assert view.toggle_specials.label == t(EN, "button.show", specials="[CLS]/[SEP]")
    tokens = [line.split("**")[1] for line in edit.embed.fields[0].value.splitlines()]
    assert not {escape("[CLS]"), escape("[SEP]")} & set(tokens)
    assert "Tip:" not in edit.embed.description  # the attention-sink tip is about shown specials

    edit = edited(await reply.click(view.toggle_specials))
    assert "specials shown" in edit.embed.footer.text
    assert view.toggle_specials.label == t(EN, "button.hide", specials="[CLS]/[SEP]")


async def test_another_user_is_refused_politely(reply):
    stranger = FakeUser()
    before = reply.view.query
    interaction = await reply.click(reply.view.prev_layer, user=stranger)
    (call,) = interaction.calls
    assert call.method == "response.send_message" and call.ephemeral
    assert call.content == t(EN, "not_yours", user=f"<@{reply.owner.id}>")
    assert_no_mentions(interaction)
    assert reply.view.query == before
    assert not interaction.named("edit_original_response", "response.defer")

    korean = await reply.click(
        reply.view.view_select, user=stranger, values=["grid"], locale=discord.Locale.korean
    )
    assert korean.calls[0].content == t(KO, "not_yours", user=f"<@{reply.owner.id}>")
    assert reply.view.query == before


async def test_view_anyone_lets_others_drive(make_bot):
    bot = await make_bot(view_anyone=True)
    reply = await run_attention(bot)
    edit = edited(await reply.click(reply.view.prev_layer, user=FakeUser()))
    assert layer_of(edit.embed.footer.text) == 5


async def test_on_timeout_disables_every_item_and_edits_the_message(reply):
    await reply.view.on_timeout()
    assert all(item.disabled for item in reply.view.children)
    (edit,) = [c for c in reply.message._interaction.calls if c.method == "message.edit"]
    assert edit.view is reply.view


async def test_view_times_out_through_discord_py(make_bot):
    """The real timer: registered the way discord.py registers a sent view, with a short timeout."""
    bot = await make_bot(view_timeout=0.05)
    reply = await run_attention(bot)
    bot._connection.store_view(reply.view, reply.message.id)
    await asyncio.wait_for(reply.message.edited.wait(), timeout=10)
    assert reply.view.is_finished()
    assert all(item.disabled for item in reply.view.children)


async def test_a_failing_click_gets_an_apology_not_silence(reply, monkeypatch, caplog):
    async def broken(*args, **kwargs):
        raise RuntimeError("renderer exploded")

    monkeypatch.setattr(reply.bot.service, "attention", broken)
    interaction = await reply.click(reply.view.next_layer)
    methods = [c.method for c in interaction.calls]
    # Deferred as a message update: nothing to delete, the apology goes to this user only.
    assert methods == ["response.defer", "followup.send"]
    apology = interaction.calls[1]
    assert apology.ephemeral and "error id is `" in apology.content
    error_id = apology.content.split("`")[1]
    assert any(error_id in r.getMessage() for r in caplog.records)
    assert_no_mentions(interaction)


async def test_click_while_shutting_down(reply):
    reply.bot.service.accepting = False
    interaction = await reply.click(reply.view.prev_layer)
    # Told at once, before any promise to update the message.
    assert [c.method for c in interaction.calls] == ["response.send_message"]
    assert interaction.calls[-1].content == t(EN, "shutting_down") and interaction.calls[-1].ephemeral
