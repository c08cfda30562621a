"""The paging controls under an /attention reply: clicks edit the same message from the cached forward
pass, and the controls are persistent: every click is answered from the custom_id and the message
alone, the way discord.py dispatches them after a restart."""

from __future__ import annotations

import asyncio
import datetime

import discord
import pytest

from bot.engine.query import VIEWS, AttentionQuery
from bot.i18n import EN, KO, t
from bot.markup import escape
from bot.views import PageState, PagingView
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


class Reply:
    """An /attention reply as its user sees it: the message (with whatever controls it shows now)."""

    def __init__(self, bot, owner: FakeUser, message) -> None:
        self.bot, self.owner, self.message = bot, owner, message

    @property
    def view(self) -> PagingView:
        return self.message.view

    def control(self, action: str):
        """The control for ``action`` (prev, next, specials, heads, view) on the message now."""
        return next(c for c in self.view.children if c.action == action)

    @property
    def state(self) -> PageState:
        return self.control("prev").state

    async def click(
        self,
        action: str,
        *,
        user: FakeUser | None = None,
        values=None,
        locale=discord.Locale.american_english,
    ):
        item = self.control(action).item
        interaction = component_interaction(
            self.bot, item, user=user or self.owner, message=self.message, values=values, locale=locale
        )
        await click_control(self.bot, self.message, item.custom_id, interaction)
        assert not interaction.rejected, interaction.rejected
        if interaction.named("edit_original_response"):
            self.message._apply(interaction.named("edit_original_response")[-1])
        return interaction


async def run_attention(bot, **options) -> Reply:
    owner = FakeUser()
    interaction = command_interaction(
        bot, "attention", user=owner, sentence=SENTENCE, word="apple", **options
    )
    await dispatch(interaction)
    interaction.only_send()
    return Reply(bot, owner, interaction.messages[0])


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
    assert reply.state.layer == 6
    prev, next_, specials = (reply.control(a).item for a in ("prev", "next", "specials"))
    heads, views = reply.control("heads").item, reply.control("view").item
    assert next_.disabled and not prev.disabled  # already at the last layer
    assert prev.label == "Previous layer" and next_.label == "Next layer"
    assert specials.label == t(EN, "button.hide", specials="[CLS]/[SEP]")
    assert [o.value for o in heads.options] == ["mean", "max", *map(str, range(1, 13))]
    assert [o.value for o in heads.options if o.default] == ["mean"]
    assert [o.value for o in views.options] == [*VIEWS, "animation", "animation_matrix"]
    assert [o.value for o in views.options if o.default] == ["word"]
    assert reply.control("values").item.label == t(EN, "button.norms")
    assert reply.control("occlusion").item.label == t(EN, "button.occlusion")
    assert len(reply.view.children) == 7
    assert all(c.item.row == 0 for c in reply.view.children if isinstance(c.item, discord.ui.Button))
    assert all(len(c.item.custom_id) <= 100 for c in reply.view.children)
    assert reply.message.embeds[0].footer.text.splitlines()[-1] == (
        "python -m bot attention 'I am eating an apple' apple --layer 6 --model bundled --lang en"
    )


async def test_previous_and_next_layer_edit_the_message_without_a_new_forward_pass(
    forward_calls, reply, lens
):
    assert forward_calls == [7] and (lens.cache.hits, lens.cache.misses) == (0, 1)  # the /attention itself
    for expected in (5, 4, 3, 2, 1):
        edit = edited(await reply.click("prev"))
        assert layer_of(edit.embed.footer.text) == expected
        assert edit.embed.fields[0].name == t(EN, "attention.top", layer=expected, heads="mean of 12 heads")
        assert edit.view is reply.view and reply.state.layer == expected
    assert reply.control("prev").item.disabled and not reply.control("next").item.disabled  # at layer 1

    edit = edited(await reply.click("next"))
    assert layer_of(edit.embed.footer.text) == 2
    assert not reply.control("prev").item.disabled

    # The message now shows what the last edit sent.
    assert reply.message.embeds[0].footer.text == edit.embed.footer.text
    assert reply.message.attachments[0].filename == "bertlens-word.png"
    # Six re-renders from the one forward pass the /attention command made: every click hit the cache.
    assert forward_calls == [7]
    assert (lens.cache.hits, lens.cache.misses) == (6, 1)


async def test_layer_numbers_in_the_embed_match_the_engine(reply, lens):
    edit = edited(await reply.click("prev"))
    expected = lens.attention(SENTENCE, AttentionQuery(word="apple", layer=5)).word.top(5)
    lines = edit.embed.fields[0].value.splitlines()
    assert lines == [f"{n}. **{escape(a.token)}** {a.weight:.3f}" for n, a in enumerate(expected, start=1)]


async def test_head_select(reply, lens):
    edit = edited(await reply.click("heads", values=["3"]))
    assert "head 3 of 12" in edit.embed.footer.text
    assert edit.embed.fields[0].name == t(EN, "attention.top", layer=6, heads="head 3 of 12")
    expected = lens.attention(SENTENCE, AttentionQuery(word="apple", head=3)).word.top(5)
    assert (
        edit.embed.fields[0].value.splitlines()[0]
        == f"1. **{escape(expected[0].token)}** {expected[0].weight:.3f}"
    )
    assert [o.value for o in reply.control("heads").item.options if o.default] == ["3"]

    edit = edited(await reply.click("heads", values=["max"]))
    assert "max over 12 heads" in edit.embed.footer.text
    assert reply.state.agg == "max" and reply.state.head is None


@pytest.mark.parametrize("name", VIEWS)
async def test_view_select_gives_each_view_as_a_png(forward_calls, reply, name):
    edit = edited(await reply.click("view", values=[name]))
    assert edit.files[0].filename == f"bertlens-{name}.png"
    assert f"{name} view" in edit.embed.footer.text
    assert [o.value for o in reply.control("view").item.options if o.default] == [name]
    if name == "grid":  # every layer at once: nothing to page
        assert reply.control("prev").item.disabled and reply.control("next").item.disabled
    if name == "rollout":  # always mixes every head
        assert reply.control("heads").item.disabled
        assert edit.embed.fields[0].name == t(EN, "attention.rollout_top", layer=6)
    else:
        assert not reply.control("heads").item.disabled
    assert forward_calls == [7]  # the command's pass only


async def test_hide_specials_toggle(reply):
    edit = edited(await reply.click("specials"))
    assert "specials hidden" in edit.embed.footer.text
    assert reply.control("specials").item.label == t(EN, "button.show", specials="[CLS]/[SEP]")
    tokens = [line.split("**")[1] for line in edit.embed.fields[0].value.splitlines()]
    assert not {escape("[CLS]"), escape("[SEP]")} & set(tokens)
    assert "Tip:" not in edit.embed.description  # the attention-sink tip is about shown specials

    edit = edited(await reply.click("specials"))
    assert "specials shown" in edit.embed.footer.text
    assert reply.control("specials").item.label == t(EN, "button.hide", specials="[CLS]/[SEP]")


async def test_the_values_toggle_shows_the_norms_from_the_same_forward_pass(forward_calls, reply, lens):
    edit = edited(await reply.click("values"))
    assert reply.state.values == "norms"
    assert reply.control("values").item.label == t(EN, "button.weights")
    assert edit.embed.footer.text.splitlines()[-1].endswith("--values norms --model bundled --lang en")
    assert edit.embed.fields[0].name == t(EN, "attention.norms_top", layer=6, heads="all 12 heads together")
    expected = lens.attention(SENTENCE, AttentionQuery("apple", values="norms")).norms.top(5)
    shown = [line.split("**") for line in edit.embed.fields[0].value.splitlines()]
    assert [(escape(r.token), f"{r.share:.3f}") for r in expected] == [(p[1], p[2].strip()) for p in shown]
    # the embed says, with this word's numbers, how much less the specials get once norms count
    assert "get 59% of this word's attention weights but 8% of its norms" in edit.embed.description
    assert forward_calls == [7]  # norms come from the cached forward pass

    edited(await reply.click("view", values=["rollout"]))  # rollout has no norms form
    assert reply.state.values == "weights" and reply.control("values").item.disabled
    edit = edited(await reply.click("view", values=["matrix"]))
    assert not reply.control("values").item.disabled
    edit = edited(await reply.click("values"))
    assert "--view matrix --values norms" in edit.embed.footer.text


async def test_does_it_matter_posts_the_occlusion_chart_as_a_new_message(reply, lens):
    interaction = await reply.click("occlusion")
    methods = [c.method for c in interaction.calls]
    assert methods == ["response.defer", "followup.send"], methods
    sent = interaction.calls[1]
    (image,) = sent.files
    decode_png(image.data)
    expected = lens.occlusion(SENTENCE, AttentionQuery("apple", layer=6))
    assert sent.embed.title == t(EN, "occlusion.title", word="apple")
    assert [f.name for f in sent.embed.fields] == [
        t(EN, "occlusion.removed", token=escape(r.token), weight=r.weight) for r in expected.removals
    ]
    assert [f.value for f in sent.embed.fields] == [
        t(EN, "occlusion.shift", shift=float(r.shift[6]), layer=6) for r in expected.removals
    ]
    assert sent.embed.footer.text.splitlines()[-1] == (
        f"python -m bot attention '{SENTENCE}' apple --layer 6 --occlusion --model bundled --lang en"
    )
    assert_no_mentions(interaction)
    assert reply.state.layer == 6  # the reply itself is left as it was


async def test_controls_posted_before_the_values_toggle_still_page(make_bot):
    """A custom_id from before the values field existed (no ".w"/".n") pages with weights."""
    bot = await make_bot()
    reply = await run_attention(bot)
    button = reply.control("prev").item
    button.custom_id = button.custom_id.removesuffix(".w")  # as such replies carry it
    assert PageState.decode(button.custom_id.split(":")[-1]).values == "weights"
    edit = edited(await reply.click("prev"))
    assert layer_of(edit.embed.footer.text) == 5 and "--values" not in edit.embed.footer.text


async def test_another_user_is_refused_politely(reply):
    stranger = FakeUser()
    before = reply.state
    interaction = await reply.click("prev", user=stranger)
    (call,) = interaction.calls
    assert call.method == "response.send_message" and call.ephemeral
    assert call.content == t(EN, "not_yours", user=f"<@{reply.owner.id}>")
    assert_no_mentions(interaction)
    assert reply.state == before
    assert not interaction.named("edit_original_response", "response.defer")

    korean = await reply.click("view", user=stranger, values=["grid"], locale=discord.Locale.korean)
    assert korean.calls[0].content == t(KO, "not_yours", user=f"<@{reply.owner.id}>")
    assert reply.state == before


async def test_view_anyone_lets_others_drive(make_bot):
    bot = await make_bot(view_anyone=True)
    reply = await run_attention(bot)
    edit = edited(await reply.click("prev", user=FakeUser()))
    assert layer_of(edit.embed.footer.text) == 5


async def test_on_timeout_disables_every_item_and_edits_the_message(reply):
    await reply.view.on_timeout()
    assert all(control.item.disabled for control in reply.view.children)
    (edit,) = [c for c in reply.message._interaction.calls if c.method == "message.edit"]
    assert edit.view is reply.view


async def test_view_times_out_through_discord_py(make_bot):
    """The real timer: registered the way discord.py registers a sent view, with a short timeout."""
    bot = await make_bot(view_timeout=0.05)
    reply = await run_attention(bot)
    bot._connection.store_view(reply.view, reply.message.id)
    await asyncio.wait_for(reply.message.edited.wait(), timeout=10)
    assert reply.view.is_finished()
    assert all(control.item.disabled for control in reply.view.children)


async def test_a_failing_click_gets_an_apology_not_silence(reply, monkeypatch, caplog):
    async def broken(*args, **kwargs):
        raise RuntimeError("renderer exploded")

    monkeypatch.setattr(reply.bot.service, "attention", broken)
    interaction = await reply.click("next")
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
    interaction = await reply.click("prev")
    # Told at once, before any promise to update the message.
    assert [c.method for c in interaction.calls] == ["response.send_message"]
    assert interaction.calls[-1].content == t(EN, "shutting_down") and interaction.calls[-1].ephemeral


# ------------------------------------------------------------------------------ persistent controls


async def test_a_click_after_a_restart_pages_exactly_as_before(make_bot, forward_calls):
    """Another bot process (a restart, or another cluster) answers a click on a reply it never sent:
    the state comes from the custom_id, the sentence and word from the message."""
    first = await make_bot()
    reply = await run_attention(first, head=3, hide_special=True)
    after_restart = await make_bot()
    moved = Reply(after_restart, reply.owner, reply.message)
    edit = edited(await moved.click("prev"))
    assert layer_of(edit.embed.footer.text) == 5
    assert "head 3 of 12" in edit.embed.footer.text and "specials hidden" in edit.embed.footer.text
    assert moved.state == PageState(
        owner=reply.owner.id,
        layer=5,
        head=3,
        agg="mean",
        view="word",
        hide_special=True,
        model=None,
        lang="en",
        values="weights",
    )


async def test_controls_keep_the_replys_language(bot):
    owner = FakeUser()
    interaction = command_interaction(
        bot, "attention", user=owner, sentence=SENTENCE, word="apple", locale=discord.Locale.korean
    )
    await dispatch(interaction)
    korean = Reply(bot, owner, interaction.messages[0])
    # Clicked from an English client, the reply stays in the language it was made in.
    edit = edited(await korean.click("prev", locale=discord.Locale.american_english))
    assert t(KO, "specials.shown") in edit.embed.footer.text
    assert korean.control("prev").item.label == t(KO, "button.prev")


async def test_a_reply_whose_sentence_cannot_be_read_back_says_it_expired(reply):
    footer = reply.message.embeds[0].footer.text
    reply.message.embeds[0].set_footer(text=footer.splitlines()[0])  # no command line
    interaction = await reply.click("prev")
    (call,) = interaction.calls
    assert call.method == "response.send_message" and call.ephemeral
    assert call.content == t(EN, "expired")


async def test_an_old_reply_says_it_expired_instead_of_paging(make_bot):
    bot = await make_bot(view_timeout=60.0)
    reply = await run_attention(bot)
    reply.message.created_at = discord.utils.utcnow() - datetime.timedelta(seconds=61)
    interaction = await reply.click("next")
    assert [c.content for c in interaction.calls] == [t(EN, "expired")]


async def test_the_model_a_reply_was_made_with_is_kept(make_bot):
    bot = await make_bot(models=("bundled", "distilbert-base-uncased"))
    reply = await run_attention(bot, model="1")
    assert reply.state.model == 1
    edit = edited(await reply.click("prev"))
    assert edit.embed.footer.text.splitlines()[-1].endswith("--model distilbert-base-uncased --lang en")
