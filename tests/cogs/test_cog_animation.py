"""/attention view:animation and view:animation_matrix: every layer in turn as a GIF in the embed, under
the interaction's upload limit (or a friendly no), with the controls that make sense for it, and
persistent state that survives a restart."""

from __future__ import annotations

import io

import discord
import pytest
from PIL import Image as PILImage

from bot.engine.errors import AnimationTooLarge, OptionConflict
from bot.engine.query import AttentionQuery
from bot.i18n import EN, KO, STRINGS, error_text, t
from bot.views import MENU_VIEWS, PageState, PagingView
from tests.cogs.test_cog_view import Reply, edited, run_attention
from tests.helpers.doubles import FakeUser, assert_no_mentions, command_interaction, dispatch

SENTENCE = "I am eating an apple"
COMMAND = "python -m bot attention 'I am eating an apple' apple"


def decode_gif(data: bytes) -> PILImage.Image:
    gif = PILImage.open(io.BytesIO(data))
    assert gif.format == "GIF"
    return gif


def gif_of(call) -> tuple[str, PILImage.Image]:
    (sent,) = call.files
    assert sent.filename.endswith(".gif")
    assert call.embed.image.url == f"attachment://{sent.filename}"
    assert sent.description  # alt text
    return sent.filename, decode_gif(sent.data)


async def test_the_animation_reply_attaches_a_gif_shown_in_the_embed(bot, lens, forward_calls):
    owner = FakeUser()
    interaction = command_interaction(
        bot, "attention", user=owner, sentence=SENTENCE, word="apple", view="animation"
    )
    await dispatch(interaction)
    assert not interaction.rejected
    reply = interaction.only_send()
    filename, gif = gif_of(reply)
    assert filename == "bertlens-animation.gif" and gif.n_frames == 6

    embed = reply.embed
    assert embed.title == t(EN, "attention.anim_title", word="apple")
    assert t(EN, "attention.anim_note") in embed.description
    (field,) = embed.fields
    assert field.name == t(EN, "attention.anim_top", heads="mean of 12 heads")
    lines = field.value.splitlines()
    assert [line.split(" ")[0] for line in lines] == [f"**L{n}**" for n in range(1, 7)]
    expected = lens.animation(SENTENCE, AttentionQuery("apple", animate=True))
    for line, frame in zip(lines, expected.frames, strict=True):
        top = frame.word.top(1)[0]
        assert f"{top.weight:.3f}" in line.split(" \u00b7 ")[0]
    assert embed.footer.text.splitlines()[-1] == f"{COMMAND} --gif --model bundled --lang en"
    assert "word view, animated" in embed.footer.text
    assert forward_calls == [7]  # six frames from one forward pass
    assert_no_mentions(interaction)

    view = reply.view
    assert isinstance(view, PagingView)
    assert [c.action for c in view.children] == ["specials", "values", "heads", "view"]  # no layer to page
    assert all(len(c.item.custom_id) <= 100 for c in view.children)
    views = next(c for c in view.children if c.action == "view").item
    assert [o.value for o in views.options if o.default] == ["animation"]


async def test_animation_matrix_in_korean(bot):
    interaction = command_interaction(
        bot,
        "attention",
        sentence=SENTENCE,
        word="apple",
        view="animation_matrix",
        locale=discord.Locale.korean,
    )
    await dispatch(interaction)
    reply = interaction.only_send()
    filename, gif = gif_of(reply)
    assert filename == "bertlens-animation-matrix.gif" and gif.n_frames == 6
    assert reply.embed.title == t(KO, "attention.anim_title", word="apple")
    assert reply.embed.footer.text.splitlines()[-1].endswith("--view matrix --gif --model bundled --lang ko")


async def test_a_small_upload_limit_gets_smaller_frames(bot):
    probe = command_interaction(bot, "attention", sentence=SENTENCE, word="apple", view="animation")
    await dispatch(probe)
    full = probe.only_send().files[0].data
    interaction = command_interaction(bot, "attention", sentence=SENTENCE, word="apple", view="animation")
    interaction.filesize_limit = len(full) - 1
    await dispatch(interaction)
    assert not interaction.rejected
    _, gif = gif_of(interaction.only_send())
    assert gif.n_frames == 6 and gif.width < 1000
    assert len(interaction.only_send().files[0].data) <= interaction.filesize_limit


@pytest.mark.parametrize(
    ("locale", "lang"), [(discord.Locale.american_english, EN), (discord.Locale.korean, KO)]
)
async def test_too_large_even_made_smaller_is_a_friendly_message(bot, locale, lang):
    interaction = command_interaction(
        bot, "attention", sentence=SENTENCE, word="apple", view="animation", locale=locale
    )
    interaction.filesize_limit = 2048
    await dispatch(interaction)
    assert not interaction.rejected  # nothing too big was ever uploaded
    methods = [c.method for c in interaction.calls]
    assert methods == ["response.defer", "delete_original_response", "followup.send"], methods
    message = interaction.calls[-1]
    assert message.ephemeral and not message.files and not message.embeds
    template = STRINGS[lang]["err.animation_too_large"]
    assert message.content.startswith(template.split("{")[0])
    assert message.content.endswith(template.rsplit("}", 1)[1])
    limit = AnimationTooLarge(size=1.0, limit=2048 / 1024 / 1024).params["limit"]
    assert f"{limit} MB" in message.content and "error id" not in message.content
    assert_no_mentions(interaction)


@pytest.mark.parametrize(
    ("options", "case"),
    [
        ({"view": "animation", "layer": 2}, "animation_layer"),
        # A case with "_" in its name: read before the markdown escaping (it once raised KeyError).
        ({"view": "rollout", "values": "norms"}, "rollout_norms"),
    ],
)
async def test_conflicting_options_are_refused_at_once(bot, options, case):
    interaction = command_interaction(bot, "attention", sentence=SENTENCE, word="apple", **options)
    await dispatch(interaction)
    (call,) = interaction.calls
    assert call.method == "response.send_message" and call.ephemeral
    assert call.content == error_text(EN, OptionConflict(case))


def test_too_large_is_explained_in_both_languages():
    for lang in (EN, KO):
        text = error_text(lang, AnimationTooLarge(size=12.5, limit=10.0))
        assert "12.5" in text and "10.0" in text


# --------------------------------------------------------------------------------------- controls


async def animation_reply(bot, view: str = "animation") -> Reply:
    owner = FakeUser()
    interaction = command_interaction(
        bot, "attention", user=owner, sentence=SENTENCE, word="apple", view=view
    )
    await dispatch(interaction)
    interaction.only_send()
    return Reply(bot, owner, interaction.messages[0])


def edited_gif(interaction):
    methods = [c.method for c in interaction.calls]
    assert methods == ["response.defer", "edit_original_response"], methods
    edit = interaction.calls[1]
    _, gif = gif_of(edit)
    assert gif.n_frames == 6
    assert_no_mentions(interaction)
    return edit


async def test_the_specials_and_values_toggles_remake_the_animation(bot, forward_calls):
    reply = await animation_reply(bot)
    edit = edited_gif(await reply.click("specials"))
    assert (
        reply.control("specials").state.hide_special and reply.control("specials").state.view == "animation"
    )
    assert (
        edit.embed.footer.text.splitlines()[-1] == f"{COMMAND} --hide-special --gif --model bundled --lang en"
    )
    edit = edited_gif(await reply.click("values"))
    assert edit.embed.fields[0].name == t(EN, "attention.anim_norms_top", heads="all 12 heads together")
    assert "--values norms --gif" in edit.embed.footer.text
    assert [c.action for c in reply.view.children] == ["specials", "values", "heads", "view"]
    assert forward_calls == [7]


async def test_the_view_menu_goes_from_an_animation_to_a_still_and_back(bot):
    reply = await animation_reply(bot)
    edit = edited(await reply.click("view", values=["matrix"]))  # a still PNG, at the last layer
    assert edit.files[0].filename == "bertlens-matrix.png"
    assert "layer 6/6" in edit.embed.footer.text
    assert [c.action for c in reply.view.children] == [
        "prev",
        "next",
        "specials",
        "values",
        "occlusion",
        "heads",
        "view",
    ]
    edited(await reply.click("prev"))  # page to layer 5 ...
    edit = edited_gif(await reply.click("view", values=["animation_matrix"]))  # ... then animate
    assert edit.files[0].filename == "bertlens-animation-matrix.gif"
    assert "--layer" not in edit.embed.footer.text
    edit = edited(await reply.click("view", values=["word"]))  # back: the layer paged to is kept
    assert "layer 5/6" in edit.embed.footer.text


async def test_a_still_replys_view_menu_offers_the_animations(bot):
    reply = await run_attention(bot)
    views = reply.control("view").item
    assert [o.value for o in views.options] == list(MENU_VIEWS)
    edit = edited_gif(await reply.click("view", values=["animation"]))
    assert edit.files[0].filename == "bertlens-animation.gif"
    assert [c.action for c in reply.view.children] == ["specials", "values", "heads", "view"]


async def test_an_animations_state_survives_a_restart(make_bot):
    first = await make_bot()
    reply = await animation_reply(first, "animation_matrix")
    state = reply.control("specials").state
    assert PageState.decode(state.encode()) == state
    assert state.view == "animation_matrix" and state.layer == 6
    after_restart = await make_bot()
    moved = Reply(after_restart, reply.owner, reply.message)
    edit = edited_gif(await moved.click("heads", values=["3"]))
    assert edit.files[0].filename == "bertlens-animation-matrix.gif"
    assert edit.embed.footer.text.splitlines()[-1] == (
        f"{COMMAND} --head 3 --view matrix --gif --model bundled --lang en"
    )
    assert moved.control("specials").state == PageState(
        owner=reply.owner.id,
        layer=6,
        head=3,
        agg="mean",
        view="animation_matrix",
        hide_special=False,
        model=None,
        lang="en",
        values="weights",
    )


async def test_a_click_on_an_animation_respects_the_upload_limit(bot, monkeypatch):
    reply = await animation_reply(bot)
    from tests.helpers import doubles

    real = doubles.component_interaction

    def small(*args, **kwargs):
        interaction = real(*args, **kwargs)
        interaction.filesize_limit = 2048
        return interaction

    monkeypatch.setattr("tests.cogs.test_cog_view.component_interaction", small)
    interaction = await reply.click("specials")
    assert [c.method for c in interaction.calls] == ["response.defer", "followup.send"]
    apology = interaction.calls[1]
    assert apology.ephemeral and apology.content.startswith("The animation would be ")
