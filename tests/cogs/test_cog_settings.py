"""/settings and what it changes: a server's defaults for everyone, on a real SQLite store."""

from __future__ import annotations

import io

import discord
import pytest
from PIL import Image as PILImage

from bot.i18n import EN, KO, t
from tests.helpers.doubles import assert_no_mentions, command_interaction, dispatch

SENTENCE = "I am eating an apple"
ADMIN = discord.Permissions(manage_guild=True)
GUILD = 111_111_111_111_111_111


async def settings_command(bot, subcommand: str, *, permissions=ADMIN, locale=None, **options):
    interaction = command_interaction(
        bot,
        "settings",
        subcommand=subcommand,
        permissions=permissions,
        locale=locale or discord.Locale.american_english,
        **options,
    )
    await dispatch(interaction)
    assert not interaction.rejected, interaction.rejected
    assert_no_mentions(interaction)
    return interaction


async def attention(bot, **options):
    interaction = command_interaction(bot, "attention", sentence=SENTENCE, word="apple", **options)
    await dispatch(interaction)
    assert not interaction.rejected, interaction.rejected
    return interaction


@pytest.mark.parametrize("locale", [discord.Locale.american_english, discord.Locale.korean])
async def test_a_member_without_manage_server_is_refused_politely(make_bot, store, locale):
    bot = await make_bot(store=store)
    interaction = await settings_command(
        bot, "set", permissions=discord.Permissions.none(), locale=locale, language="ko"
    )
    (call,) = interaction.calls
    lang = KO if locale is discord.Locale.korean else EN
    assert call.method == "response.send_message" and call.ephemeral
    assert call.content == t(lang, "settings.refused")
    assert store.settings.get(GUILD).language is None  # nothing changed


async def test_settings_belong_to_a_server(make_bot, store):
    bot = await make_bot(store=store)
    interaction = await settings_command(bot, "show", guild_id=None)
    assert interaction.calls[0].content == t(EN, "settings.guild_only")


async def test_the_server_language_wins_over_a_members_client(make_bot, store):
    bot = await make_bot(store=store)
    saved = await settings_command(bot, "set", language="ko")
    (call,) = saved.calls
    assert call.ephemeral and call.embed.description == t(EN, "settings.saved")
    assert store.settings.get(GUILD).language == "ko"
    reply = (await attention(bot)).only_send()  # an English client
    assert reply.embed.title == t(KO, "attention.title", word="apple")
    assert reply.files[0].description.startswith("“apple”의 레이어별 어텐션")  # the image's alt text too


async def test_private_results_and_default_view_and_specials(make_bot, store):
    bot = await make_bot(store=store)
    await settings_command(bot, "set", private=True, view="heads", hide_special=True)
    interaction = await attention(bot)
    assert interaction.calls[0].method == "response.defer" and interaction.calls[0].kwargs["ephemeral"]
    reply = interaction.only_send()
    assert reply.ephemeral
    assert "heads view" in reply.embed.footer.text and "specials hidden" in reply.embed.footer.text
    # A member's own options still win over the server's.
    mine = (await attention(bot, view="matrix", hide_special=False)).only_send()
    assert "matrix view" in mine.embed.footer.text and "specials shown" in mine.embed.footer.text


async def test_the_server_default_model(make_bot, store):
    bot = await make_bot(store=store, models=("bundled", "distilbert-base-uncased"))
    await settings_command(bot, "set", model="1")
    assert store.settings.get(GUILD).model == "distilbert-base-uncased"
    reply = (await attention(bot)).only_send()
    assert reply.embed.footer.text.splitlines()[-1].endswith("--model distilbert-base-uncased --lang en")


async def test_a_channel_allow_list(make_bot, store):
    bot = await make_bot(store=store)
    allowed = 222_222_222_222_222_222
    interaction = command_interaction(bot, "settings", subcommand="channels", permissions=ADMIN, action="add")
    # A channel option as Discord sends it: its id, and the channel itself under "resolved".
    interaction.data["options"][0]["options"].append({"name": "channel", "type": 7, "value": str(allowed)})
    interaction.data["resolved"] = {
        "channels": {str(allowed): {"id": str(allowed), "type": 0, "name": "study", "permissions": "0"}}
    }
    await dispatch(interaction)
    assert store.settings.get(GUILD).channels == (allowed,)
    elsewhere = command_interaction(
        bot, "attention", sentence=SENTENCE, word="apple", channel_id=333_333_333_333_333_333
    )
    await dispatch(elsewhere)
    (call,) = elsewhere.calls
    assert call.ephemeral and call.content == t(EN, "not_here", channels=f"<#{allowed}>")
    assert (await attention(bot)).only_send().embed  # the allowed channel still works


async def test_reset_puts_everything_back(make_bot, store):
    bot = await make_bot(store=store)
    await settings_command(bot, "set", language="ko", private=True)
    reset = await settings_command(bot, "reset")
    assert reset.calls[0].embed.description == t(EN, "settings.reset_done")
    assert store.settings.get(GUILD).is_default
    assert not (await attention(bot)).only_send().ephemeral


async def test_without_a_database_commands_use_the_defaults_and_settings_say_so(make_bot):
    bot = await make_bot(store=None)
    assert (await attention(bot)).only_send().embed.title == t(EN, "attention.title", word="apple")
    interaction = await settings_command(bot, "set", language="ko")
    assert interaction.calls[0].content == t(EN, "settings.unavailable")


async def test_an_unreachable_database_keeps_commands_answering(make_bot, tmp_path):
    from bot.store import Store

    down = Store.from_url("postgresql+asyncpg://nobody@127.0.0.1:9/none", timeout=1.0)
    await down.start()  # logged, not raised
    bot = await make_bot(store=down)
    assert (await attention(bot)).only_send().embed
    interaction = await settings_command(bot, "set", language="ko")
    assert interaction.calls[-1].content == t(EN, "settings.unavailable")


async def test_leaving_a_server_deletes_its_rows(make_bot, store):
    bot = await make_bot(store=store)
    await settings_command(bot, "set", language="ko")
    await bot.on_guild_remove(discord.Object(id=GUILD))
    assert store.settings.get(GUILD).is_default


async def test_show_in_korean_lists_every_setting(make_bot, store):
    bot = await make_bot(store=store)
    interaction = await settings_command(bot, "show", locale=discord.Locale.korean)
    embed = interaction.calls[0].embed
    assert embed.title == t(KO, "settings.title")
    names = [field.name for field in embed.fields]
    for key in (
        "language",
        "model",
        "view",
        "hide_special",
        "private",
        "quiz_seconds",
        "anyone_pages",
        "channels",
    ):
        assert t(KO, f"settings.field.{key}") in names


async def test_a_server_default_view_may_be_an_animation(make_bot, store):
    bot = await make_bot(store=store)
    await settings_command(bot, "set", view="animation")
    assert store.settings.get(GUILD).view == "animation"
    reply = (await attention(bot)).only_send()
    (sent,) = reply.files
    assert sent.filename.endswith(".gif") and reply.embed.image.url == f"attachment://{sent.filename}"
    assert PILImage.open(io.BytesIO(sent.data)).n_frames == 6  # one frame per layer of the bundled model
    # A member's own view still wins.
    (still,) = (await attention(bot, view="matrix")).only_send().files
    assert still.filename.endswith(".png")
