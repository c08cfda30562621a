"""Graceful shutdown, /about and /help, and the Korean command descriptions."""

from __future__ import annotations

import asyncio
import re
import threading

import discord
import pytest
from discord import app_commands

import bot as bot_package
from bot.app import EXTENSIONS
from bot.client import BertLens
from bot.engine.registry import ModelRegistry
from bot.i18n import COMMAND_TEXT, EN, KO, t
from bot.service import LensService
from bot.translator import BertLensTranslator, text
from tests.helpers.doubles import (
    assert_no_mentions,
    autocomplete_interaction,
    close_bot,
    command_interaction,
    decode_png,
    dispatch,
    make_settings,
)

SENTENCE = "I am eating an apple"
# Every command the bot registers: slash commands and the message menu.
COMMANDS = {
    "attention",
    "compare",
    "predict",
    "tokenize",
    "about",
    "help",
    "quiz",
    "settings",
    "Tokenize message",
}


class Gate:
    """Holds the engine's next /attention render in its worker thread until released."""

    def __init__(self, lens, monkeypatch: pytest.MonkeyPatch) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        real = lens.attention_png

        def held(*args):
            self.started.set()
            self.release.wait(10)
            return real(*args)

        monkeypatch.setattr(lens, "attention_png", held)

    async def wait_started(self) -> None:
        assert await asyncio.to_thread(self.started.wait, 10), "the job never reached a worker"


# ------------------------------------------------------------------------------------------- shutdown


async def test_shutdown_lets_a_request_in_flight_finish_and_refuses_new_ones(bot, lens, monkeypatch):
    gate = Gate(lens, monkeypatch)
    running = command_interaction(bot, "attention", sentence=SENTENCE, word="apple")
    task = asyncio.create_task(dispatch(running))
    try:
        await gate.wait_started()
        stopping = asyncio.create_task(bot.shutdown(grace=10))
        await asyncio.sleep(0)  # let shutdown stop intake and start waiting
        assert not bot.service.accepting and not stopping.done()

        late = command_interaction(bot, "tokenize", sentence=SENTENCE)
        await dispatch(late)
        (call,) = late.calls
        assert call.method == "response.send_message" and call.ephemeral
        assert call.content == t(EN, "shutting_down")
        assert_no_mentions(late)

        korean = command_interaction(bot, "about", locale=discord.Locale.korean)
        await dispatch(korean)
        assert korean.calls[0].content == t(KO, "shutting_down")

        typing = autocomplete_interaction(bot, "attention", "word", "ap", sentence=SENTENCE)
        await dispatch(typing)
        assert typing.calls == []  # nothing to suggest while stopping (and nothing raised)
    finally:
        gate.release.set()
    await asyncio.wait_for(stopping, 10)
    await task

    reply = running.only_send()
    assert reply.method == "followup.send" and not reply.ephemeral
    decode_png(reply.files[0].data)
    assert bot.is_closed()


async def test_shutdown_past_the_grace_tells_the_user(bot, lens, monkeypatch):
    gate = Gate(lens, monkeypatch)
    running = command_interaction(bot, "attention", sentence=SENTENCE, word="apple")
    task = asyncio.create_task(dispatch(running))
    try:
        await gate.wait_started()
        await asyncio.wait_for(bot.shutdown(grace=0.05), 10)
        assert task.done() and task.cancelled()
    finally:
        gate.release.set()

    methods = [c.method for c in running.calls]
    assert methods == ["response.defer", "delete_original_response", "followup.send"]
    notice = running.calls[-1]
    assert notice.ephemeral and notice.content == t(EN, "shutting_down")
    assert_no_mentions(running)
    assert bot.service.served == 0  # a cancelled request is not counted as served
    assert bot.is_closed()


# ---------------------------------------------------------------------------------------- /about /help


def fields(embed: discord.Embed) -> dict[str, str]:
    return {f.name: f.value for f in embed.fields}


async def about(bot, locale=discord.Locale.american_english) -> discord.Embed:
    interaction = command_interaction(bot, "about", locale=locale)
    await dispatch(interaction)
    reply = interaction.only_send()
    assert reply.method == "response.send_message" and reply.ephemeral and not interaction.deferred
    assert_no_mentions(interaction)
    return reply.embed


async def test_about_shows_model_shape_version_and_live_counters(bot, lens):
    embed = await about(bot)
    shown = fields(embed)
    assert embed.title == t(EN, "about.title")
    model = "sentence-transformers/all-MiniLM-L6-v2 (bundled)"
    assert model == lens.name
    assert (
        shown[t(EN, "about.model")]
        == f"**{model}** \u00b7 6 layers \u00d7 12 heads \u00b7 WordPiece, uncased"
    )
    assert shown[t(EN, "about.version")] == bot_package.__version__
    assert re.fullmatch(r"\d+:\d\d:\d\d", shown[t(EN, "about.uptime")])
    assert shown[t(EN, "about.requests")] == "0"
    assert shown[t(EN, "about.latency")] == t(EN, "about.none")

    for interaction in (
        command_interaction(bot, "tokenize", sentence=SENTENCE),
        command_interaction(bot, "attention", sentence=SENTENCE, word="apple"),
    ):
        await dispatch(interaction)
        assert interaction.deferred and interaction.only_send()

    before = bot.service.median_latency()
    shown = fields(await about(bot))
    assert shown[t(EN, "about.requests")] == "3"  # the first /about, /tokenize and /attention
    assert shown[t(EN, "about.latency")] == f"{before * 1000:.0f} ms"
    assert bot.service.served == 4


async def test_about_and_help_in_korean(bot):
    embed = await about(bot, discord.Locale.korean)
    shown = fields(embed)
    assert embed.title == t(KO, "about.title")
    assert t(KO, "about.shape", layers=6, heads=12) in shown[t(KO, "about.model")]
    assert "WordPiece, 소문자화" in shown[t(KO, "about.model")]
    assert shown[t(KO, "about.latency")] == t(KO, "about.none")

    interaction = command_interaction(bot, "help", locale=discord.Locale.korean)
    await dispatch(interaction)
    reply = interaction.only_send()
    assert reply.ephemeral and reply.embed.title == t(KO, "help.title")
    assert reply.embed.description == t(KO, "help.body")


# ------------------------------------------------------------------------------------------ translator


class Recording(BertLensTranslator):
    """The bot's translator, noting every string discord.py asks it about."""

    def __init__(self) -> None:
        self.seen: list[tuple[app_commands.locale_str, app_commands.TranslationContextLocation]] = []

    async def translate(self, string, locale, context):
        self.seen.append((string, context.location))
        return await super().translate(string, locale, context)


async def test_translator_returns_korean_for_korean_only():
    translator = BertLensTranslator()
    context = app_commands.TranslationContext(
        location=app_commands.TranslationContextLocation.command_description, data=None
    )
    string = text("attention.description")
    assert (
        await translator.translate(string, discord.Locale.korean, context)
        == COMMAND_TEXT[KO]["attention.description"]
    )
    for locale in (discord.Locale.american_english, discord.Locale.british_english, discord.Locale.japanese):
        assert await translator.translate(string, locale, context) is None
    # A string without a key (an option's own name) is left to Discord.
    assert await translator.translate(app_commands.locale_str("word"), discord.Locale.korean, context) is None


async def test_every_description_is_translated_in_the_synced_payload(make_bot):
    bot = await make_bot(models=("bundled", "distilbert-base-uncased"))  # so the model options show
    translator = Recording()
    commands = bot.tree.get_commands()  # every type: slash commands and the context menu
    names = set()
    for command in commands:
        payload = await command.get_translated_payload(bot.tree, translator)
        names.add(payload["name"])
        if isinstance(command, app_commands.ContextMenu):
            assert payload["name_localizations"] == {"ko": COMMAND_TEXT[KO]["context.tokenize"]}
            assert len(payload["name_localizations"]["ko"]) <= 32
            continue
        assert payload["description_localizations"]["ko"] == COMMAND_TEXT[KO][f"{command.name}.description"]
        assert payload["description"] == COMMAND_TEXT[EN][f"{command.name}.description"]
        for option in payload["options"]:
            assert option["description_localizations"].keys() == {"ko"}, (command.name, option["name"])
            assert (
                option["description_localizations"]["ko"]
                == COMMAND_TEXT[KO][f"{command.name}.{option['name']}"]
            )
            for choice in option.get("choices", []):
                if option["name"] in ("model", "models") and choice["value"] != "all":
                    assert choice["name"] == bot.settings.models[int(choice["value"])]  # an id, as it is
                    continue
                assert choice["name_localizations"]["ko"] == COMMAND_TEXT[KO][f"choice.{choice['value']}"]
    assert names == COMMANDS

    # Every description, option description, choice and the menu's name carries a key that exists in
    # both languages, and fits Discord's limits there (100 characters; 32 for a context menu name).
    locations = app_commands.TranslationContextLocation
    keyed = {
        locations.command_description,
        locations.parameter_description,
        locations.choice_name,
    }
    keys = set()
    for string, location in translator.seen:
        key = string.extras.get("key")
        if location in keyed and string.message not in bot.settings.models:
            assert key is not None, f"{string.message!r} is not localisable"
        if key is not None:
            keys.add(key)
            for lang in (EN, KO):
                assert key in COMMAND_TEXT[lang], (lang, key)
                assert 1 <= len(COMMAND_TEXT[lang][key]) <= 100, (lang, key)
    assert keys == set(COMMAND_TEXT[EN])  # every text in the table is used, none is missing
    assert set(COMMAND_TEXT[EN]) == set(COMMAND_TEXT[KO])


async def test_setup_hook_wires_translator_cogs_and_service_without_discord(lens):
    """The real start-up path minus the gateway: no dev guild, so nothing is synced over HTTP."""
    settings = make_settings(workers=3, queue_limit=5)
    registry = ModelRegistry(["bundled"], load=lambda name: lens.model)
    service = LensService(registry, workers=3, queue_limit=5)
    bot = BertLens(settings, service, initial_extensions=EXTENSIONS)
    try:
        await bot.setup_hook()
        assert bot.synced.is_set()
        assert isinstance(bot.tree.translator, BertLensTranslator)
        assert {c.name for c in bot.tree.get_commands()} == COMMANDS
        assert bot.service.lens.model is lens.model  # loaded by setup_hook, in the pool
        assert bot.service.workers == 3 and bot.service.capacity == 8
        interaction = command_interaction(bot, "tokenize", sentence=SENTENCE)
        await dispatch(interaction)
        assert "6207" in interaction.only_send().content
    finally:
        await close_bot(bot)


async def test_every_command_can_be_installed_on_servers_and_users_and_used_in_dms(bot):
    """User installs: a student can use BERT Lens in DMs, group DMs and servers that never added it."""
    for command in bot.tree.get_commands():
        payload = command.to_dict(bot.tree)
        if command.name == "settings":  # a server's settings: only where the server added the bot
            assert (payload["integration_types"], payload["contexts"]) == ([0], [0])
            assert int(payload["default_member_permissions"]) == discord.Permissions(manage_guild=True).value
            continue
        assert payload["integration_types"] == [0, 1], command.name  # guild install, user install
        assert payload["contexts"] == [0, 1, 2], command.name  # guilds, bot DMs, private channels
