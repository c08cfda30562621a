"""/predict end to end: the real bot process (``python -m bot``) against the fake Discord, with two
models, the bundled all-MiniLM-L6-v2 (no masked-LM head) and a masked-LM folder.

The masked-LM model is the bert-uncased family's ``*ForMaskedLM`` from ``tests/helpers/families.py``:
its weights are RANDOM, so its guesses mean nothing. The expected guesses are computed here
independently, with transformers' fill-mask pipeline on the same folder, not through bot.engine.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.register_assert_rewrite("tests.helpers.bot_process")  # before importing it, for readable failures

from bot.i18n import EN, KO, t  # noqa: E402
from bot.markup import escape  # noqa: E402
from tests.helpers import families  # noqa: E402
from tests.helpers.bot_process import (  # noqa: E402
    BotProcess,
    assert_clean,
    attention_reply,
    decode_png,
    running_bot,
    wait_answered,
)
from tests.helpers.fake_discord import DEFERRED_CHANNEL_MESSAGE, FLAG_EPHEMERAL  # noqa: E402

pytest_plugins = ["tests.helpers.bot_process"]

BUNDLED = "sentence-transformers/all-MiniLM-L6-v2 (bundled)"


@pytest.fixture(scope="module")
def mlm_dir(family_dir: Any) -> Path:
    return Path(family_dir("bert-uncased", masked_lm=True))


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory, mlm_dir: Path) -> Iterator[BotProcess]:
    with running_bot(
        tmp_path_factory.mktemp("predict-bot"),
        name="predict-bot",
        MODELS=f"bundled,{mlm_dir}",
        COOLDOWN_RATE=100,
    ) as process:
        yield process


def fill_mask(mlm_dir: Path, text: str, k: int) -> list[tuple[str, float]]:
    """Tokens and scores from transformers' own fill-mask pipeline on the folder (RANDOM weights)."""
    from transformers import pipeline

    tokenizer, model = families.load("bert-uncased", masked_lm=True, root=mlm_dir.parent.parent)
    found = pipeline("fill-mask", model=model, tokenizer=tokenizer, device="cpu")(text, top_k=k)
    return [(tokenizer.convert_ids_to_tokens(e["token"]), e["score"]) for e in found]


def test_predict_is_synced_with_its_options_and_korean_texts(bot: BotProcess) -> None:
    (predict,) = [c for c in bot.fake.commands(bot.fake.guild_id) if c["name"] == "predict"]
    assert [o["name"] for o in predict["options"]] == ["sentence", "top", "model"]
    assert re.search("[\uac00-\ud7a3]", predict["description_localizations"]["ko"])
    top = predict["options"][1]
    assert (top["min_value"], top["max_value"]) == (1, 10)
    assert_clean(bot)


def test_predict_with_a_masked_lm_model_answers_with_the_pipeline_s_guesses(
    bot: BotProcess, mlm_dir: Path
) -> None:
    fake = bot.fake
    handle = fake.push_slash_command("predict", sentence="I am [mask] an apple", top=3, model="1")
    embed, png = attention_reply(fake, handle)  # deferred, then one public follow-up with embed and PNG
    assert embed["image"]["url"] == "attachment://bertlens-predict.png" and decode_png(png)[0] == 1000
    assert embed["title"] == t(EN, "predict.title", mask="[MASK]")
    assert t(EN, "predict.alias", typed=escape("[mask]"), mask=escape("[MASK]")) in embed["description"]
    (field,) = embed["fields"]
    expected = fill_mask(mlm_dir, "I am [MASK] an apple", 3)
    shown = [
        re.fullmatch(r"(\d)\. \*\*(.+)\*\* (\d\.\d{3})", line) for line in field["value"].splitlines()[:3]
    ]
    assert all(shown), field["value"]
    assert [(m[1], m[2]) for m in shown] == [
        (str(i), escape(token)) for i, (token, _) in enumerate(expected, 1)
    ]
    for m, (_, score) in zip(shown, expected, strict=True):
        assert float(m[3]) == pytest.approx(score, abs=0.0005 + 1e-6)  # shown with three decimals
    footer = embed["footer"]["text"].splitlines()[-1]
    assert footer == f"python -m bot predict 'I am [mask] an apple' --top 3 --model {mlm_dir} --lang en"
    assert_clean(bot)


@pytest.mark.parametrize(("locale", "lang"), [("en-US", EN), ("ko", KO)])
def test_predict_with_the_bundled_model_says_it_has_no_head(bot: BotProcess, locale: str, lang: str) -> None:
    fake = bot.fake
    handle = fake.push_slash_command("predict", sentence="I am [MASK] an apple", locale=locale)
    responses = wait_answered(fake, handle)
    assert responses[0].callback_type == DEFERRED_CHANNEL_MESSAGE
    followup = responses[-1]
    assert followup.kind == "followup" and followup.data.get("flags", 0) & FLAG_EPHEMERAL
    models = "distilbert-base-uncased, bert-base-uncased, klue/bert-base"
    assert followup.data["content"] == t(lang, "predict.no_head", model=escape(BUNDLED), models=models)
    message = fake.original_message(handle)
    assert message is None or message.deleted  # the public "thinking..." placeholder is gone
    assert_clean(bot)
