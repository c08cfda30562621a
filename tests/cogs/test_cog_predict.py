"""/predict through discord.py's dispatch: the reply's numbers, its image and footer, the refusals
(no masked-LM head, no mask), a typed spelling of the mask, the reader's language, and the server's
settings, channel allow-list and cooldown as for every analysing command.

The masked-LM models are the ``*ForMaskedLM`` of ``tests/helpers/families.py``: their weights are
RANDOM, so their guesses mean nothing; the numbers shown are checked against ``Lens.predictions``
(whose numbers tests/engine/test_predict.py checks against transformers' fill-mask pipeline). The
bundled all-MiniLM-L6-v2 has no masked-LM head.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import discord
import pytest

from bot.engine.lens import Lens
from bot.engine.model import load_model
from bot.engine.predict import MODELS_WITH_HEAD
from bot.engine.results import predict_command_line
from bot.i18n import EN, KO, t
from bot.markup import escape
from bot.text import probability
from tests.helpers.doubles import (
    FakeUser,
    assert_no_mentions,
    build_bot,
    close_bot,
    command_interaction,
    decode_png,
    dispatch,
    make_settings,
)

SENTENCE = "I am [MASK] an apple"
BUNDLED = "sentence-transformers/all-MiniLM-L6-v2 (bundled)"
HANGUL = re.compile("[\uac00-\ud7a3]")
GUILD = 111_111_111_111_111_111


@pytest.fixture(scope="module")
def mlm_dirs(family_dir: Any) -> dict[str, str]:
    return {name: str(family_dir(name, masked_lm=True)) for name in ("bert-uncased", "roberta")}


@pytest.fixture(scope="module")
def mlm_models(mlm_dirs: dict[str, str]) -> dict[str, Any]:
    """Each masked-LM folder read by BERT Lens's loader once (RANDOM weights)."""
    return {name: load_model(path, torch_threads=1) for name, path in mlm_dirs.items()}


@pytest.fixture
async def predict_bot(
    lens: Lens, mlm_dirs: dict[str, str], mlm_models: dict[str, Any]
) -> AsyncIterator[Callable[..., Awaitable[Any]]]:
    """``await predict_bot("bert-uncased", "bundled", store=None, **settings)``: a bot whose MODELS are
    these (family names stand for their masked-LM folders), each read by its own model."""
    bots: list[Any] = []
    by_path = {path: mlm_models[name] for name, path in mlm_dirs.items()}

    async def factory(*names: str, store: Any = None, **settings: Any) -> Any:
        models = tuple(mlm_dirs.get(name, name) for name in names)
        loaded = {"bundled": lens.model, **by_path}
        single = Lens(loaded[models[0]]) if len(models) == 1 else lens
        bot = await build_bot(single, make_settings(models=models, **settings), store=store, load=loaded.get)
        bots.append(bot)
        return bot

    yield factory
    for bot in bots:
        await close_bot(bot)


def reply_lines(value: str) -> tuple[list[str], str]:
    *guesses, by_layer = value.splitlines()
    return guesses, by_layer


def after_defer(interaction: Any) -> str:
    """Deferred, then the public placeholder removed and the explanation sent to the user alone."""
    assert not interaction.rejected, interaction.rejected
    assert [c.method for c in interaction.calls] == [
        "response.defer",
        "delete_original_response",
        "followup.send",
    ]
    error = interaction.calls[-1]
    assert error.ephemeral and not error.embeds and not error.files
    assert_no_mentions(interaction)
    return error.content


# --------------------------------------------------------------------------------------- the reply


async def test_the_reply_shows_lens_predictions_numbers_with_the_figure(predict_bot, mlm_dirs, mlm_models):
    bot = await predict_bot("bundled", "bert-uncased")
    interaction = command_interaction(bot, "predict", sentence=SENTENCE, top=4, model="1")
    await dispatch(interaction)

    first = interaction.calls[0]
    assert first.method == "response.defer" and first.kwargs["thinking"] is True
    reply = interaction.only_send()
    assert reply.method == "followup.send" and not reply.ephemeral
    (sent,) = reply.files
    assert sent.filename == "bertlens-predict.png" and sent.description  # alt text for screen readers
    decode_png(sent.data)
    embed = reply.embed
    assert embed.image.url == "attachment://bertlens-predict.png"

    expected = Lens(mlm_models["bert-uncased"]).predictions(SENTENCE, 4)
    (mask,) = expected.masks
    assert embed.title == t(EN, "predict.title", mask="[MASK]")
    assert embed.description.startswith(f"> {escape(SENTENCE)}")
    assert t(EN, "predict.reliable_last", first=2, last=2) in embed.description
    (field,) = embed.fields
    assert field.name == t(EN, "predict.field", mask="[MASK]", n=1, count=1, index=mask.index, k=4, layer=2)
    guesses, by_layer = reply_lines(field.value)
    assert guesses == [
        f"{i}. **{escape(g.display)}** {probability(g.probability)}"
        for i, g in enumerate(mask.final, start=1)
    ]
    tops = [layer.guesses[0].display for layer in mask.layers]
    layers = f"emb {escape(tops[0])} \u00b7 L1 {escape(tops[1])} \u00b7 **L2 {escape(tops[2])}**"
    assert by_layer == t(EN, "predict.by_layer", layers=layers)
    model = mlm_dirs["bert-uncased"]
    footer = embed.footer.text.splitlines()
    assert footer[0] == t(EN, "predict.footer", model=expected.analysis.model, layers=2, k=4)
    assert footer[-1] == predict_command_line(expected, model, EN)
    assert footer[-1] == f"python -m bot predict '{SENTENCE}' --top 4 --model {model} --lang en"
    assert_no_mentions(interaction)


async def test_one_masked_lm_model_needs_no_model_option_and_every_mask_gets_a_field(predict_bot):
    bot = await predict_bot("roberta")
    command = bot.tree.get_command("predict")
    assert [p.name for p in command.parameters] == ["sentence", "top"]
    assert (command.get_parameter("top").min_value, command.get_parameter("top").max_value) == (1, 10)
    interaction = command_interaction(bot, "predict", sentence="<mask> is huge <mask>")
    await dispatch(interaction)
    embed = interaction.only_send().embed
    assert embed.title == t(EN, "predict.title", mask="<mask>")
    assert len(embed.fields) == 2 and all(len(reply_lines(f.value)[0]) == 5 for f in embed.fields)


async def test_a_typed_spelling_of_the_mask_is_read_as_the_model_s_and_said(predict_bot, mlm_models):
    bot = await predict_bot("roberta")
    interaction = command_interaction(bot, "predict", sentence="I am [MASK] an apple", top=3)
    await dispatch(interaction)
    embed = interaction.only_send().embed
    assert embed.description.startswith(f"> {escape('I am <mask> an apple')}")
    assert t(EN, "predict.alias", typed=escape("[MASK]"), mask=escape("<mask>")) in embed.description
    expected = Lens(mlm_models["roberta"]).predictions("I am <mask> an apple", 3)
    guesses, _ = reply_lines(embed.fields[0].value)
    assert guesses == [
        f"{i}. **{escape(g.display)}** {probability(g.probability)}"
        for i, g in enumerate(expected.masks[0].final, start=1)
    ]
    # The footer's command is the sentence as typed, so it reads the same spelling the same way.
    assert embed.footer.text.splitlines()[-1].startswith(
        "python -m bot predict 'I am [MASK] an apple' --top 3"
    )


# ------------------------------------------------------------------------------------- the refusals


@pytest.mark.parametrize(
    ("locale", "lang"), [(discord.Locale.american_english, EN), (discord.Locale.korean, KO)]
)
async def test_a_model_without_a_head_names_models_with_one(bot, forward_calls, locale, lang):
    """The bundled all-MiniLM-L6-v2 is a sentence-embedding model: no masked-LM head."""
    interaction = command_interaction(bot, "predict", sentence=SENTENCE, locale=locale)
    await dispatch(interaction)
    text = after_defer(interaction)
    assert text == t(lang, "predict.no_head", model=escape(BUNDLED), models=", ".join(MODELS_WITH_HEAD))
    assert all(name in text for name in MODELS_WITH_HEAD)
    assert bool(HANGUL.search(text)) == (lang == KO)
    assert forward_calls == []  # refused before the model ran


@pytest.mark.parametrize(
    ("family", "sentence", "key", "params"),
    [
        ("bert-uncased", "I am eating an apple", "predict.no_mask", {"mask": "[MASK]"}),
        ("roberta", "I am eating an apple?", "predict.no_mask", {"mask": "<mask>"}),
        ("bert-uncased", "I am ___ an apple", "predict.no_mask_blank", {"mask": "[MASK]", "blank": "___"}),
    ],
)
async def test_a_sentence_without_a_mask_names_the_token_to_type(predict_bot, family, sentence, key, params):
    bot = await predict_bot(family)
    for locale, lang in ((discord.Locale.american_english, EN), (discord.Locale.korean, KO)):
        interaction = command_interaction(bot, "predict", sentence=sentence, locale=locale)
        await dispatch(interaction)
        text = after_defer(interaction)
        assert text == t(lang, key, **params)
        assert f"`{params['mask']}`" in text


async def test_text_checks_answer_at_once(bot):
    interaction = command_interaction(bot, "predict", sentence="[MASK] " * 200)
    await dispatch(interaction)
    (call,) = interaction.calls
    assert call.method == "response.send_message" and call.ephemeral
    assert call.content == t(EN, "err.text_too_long", length=1400, limit=500, unit=t(EN, "unit.characters"))


# ------------------------------------------------------------------------------ language and settings


async def test_a_korean_client_gets_korean(predict_bot):
    bot = await predict_bot("bert-uncased")
    interaction = command_interaction(
        bot, "predict", sentence="나는 [MASK]를 먹었다", locale=discord.Locale.korean
    )
    await dispatch(interaction)
    reply = interaction.only_send()
    embed = reply.embed
    assert embed.title == t(KO, "predict.title", mask="[MASK]")
    assert embed.fields[0].name.startswith("[MASK] 1개 중 1번째")
    assert t(KO, "tok.jamo") in embed.description  # the uncased tokenizer takes Hangul apart: said
    assert embed.footer.text.splitlines()[-1].endswith("--lang ko")
    assert HANGUL.search(reply.files[0].description)  # the image's alt text too


async def test_a_server_set_to_korean_answers_an_english_client_in_korean_and_keeps_its_settings(
    predict_bot, store
):
    bot = await predict_bot("bundled", "bert-uncased", store=store)
    await store.settings.set(GUILD, language="ko", model=bot.settings.models[1], ephemeral=True)
    interaction = command_interaction(bot, "predict", sentence=SENTENCE)  # an English client
    await dispatch(interaction)
    assert interaction.calls[0].kwargs["ephemeral"]
    reply = interaction.only_send()
    assert reply.ephemeral and reply.embed.title == t(KO, "predict.title", mask="[MASK]")
    assert "--model " + bot.settings.models[1] in reply.embed.footer.text  # the server's default model


async def test_the_channel_allow_list_applies(predict_bot, store):
    bot = await predict_bot("bert-uncased", store=store)
    await store.settings.set(GUILD, channels=[222_222_222_222_222_222])
    elsewhere = command_interaction(bot, "predict", sentence=SENTENCE, channel_id=333_333_333_333_333_333)
    await dispatch(elsewhere)
    (call,) = elsewhere.calls
    assert call.ephemeral and call.content == t(EN, "not_here", channels="<#222222222222222222>")


async def test_the_per_user_cooldown_counts_predict_too(predict_bot):
    bot = await predict_bot("bert-uncased", cooldown_rate=1, cooldown_seconds=30)
    user = FakeUser()
    first = command_interaction(bot, "predict", user=user, sentence=SENTENCE)
    await dispatch(first)
    assert first.only_send().embed is not None
    second = command_interaction(bot, "attention", user=user, sentence="I am eating an apple", word="apple")
    await dispatch(second)
    (call,) = second.calls
    assert call.ephemeral and call.content.startswith("You're going fast!")


# ------------------------------------------------------------------------------------- /help /about


async def test_help_and_about_mention_predict(predict_bot):
    bot = await predict_bot("bundled", "bert-uncased")
    for locale, lang in ((discord.Locale.american_english, EN), (discord.Locale.korean, KO)):
        interaction = command_interaction(bot, "help", locale=locale)
        await dispatch(interaction)
        assert interaction.calls[0].embed.description == t(lang, "help.body")
        assert "**/predict** `sentence`" in t(lang, "help.body")
    await bot.service.run(lambda: bot.service.models.lens(bot.settings.models[1]))  # load it
    interaction = command_interaction(bot, "about")
    await dispatch(interaction)
    embed = interaction.calls[0].embed
    assert "/predict" in embed.description
    lines = embed.fields[0].value.splitlines()
    assert [t(EN, "about.predict") in line for line in lines] == [False, True]  # bundled has no head
