"""Every user-facing string, in English and Korean, in one place.

Replies pick the language from ``interaction.locale`` (Korean for ``ko``, English otherwise); the CLI
speaks English. Command and option descriptions are localised through ``BertLensTranslator`` in
``bot/translator.py``, which reads the ``COMMANDS`` table below.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

EN = "en"
KO = "ko"


def language(locale: object) -> str:
    """``discord.Locale.korean`` (value ``"ko"``) or the string ``"ko"`` -> Korean; anything else English."""
    value = str(getattr(locale, "value", locale) or "")
    return KO if value.lower().startswith("ko") else EN


STRINGS: Mapping[str, Mapping[str, str]] = {
    EN: {
        # token table
        "tok.header": "Model: {model}",
        "tok.padded": "Sentences are padded together to {length} tokens (padding=True), as in the seed post.",
        "tok.sentence": "Sentence {n}: {text}",
        "tok.columns": "#|token|id|mask|note",
        "tok.note.cls": "special: start",
        "tok.note.sep": "special: end",
        "tok.note.pad": "padding (mask 0)",
        "tok.note.unk": "unknown to vocab",
        "tok.note.special": "special",
        "tok.note.piece": "piece of {word}",
        "tok.note.shared": "shared id",
        "tok.shared": "Shared ids: {items}. Same id means the same starting vector; only context can tell the "
        "meanings apart. Try /compare.",
        "tok.shared.item": "{id} ({token}) in sentences {where}",
        "tok.no_shared": "No token id appears in more than one sentence.",
        "tok.legend": "[CLS] starts every input, [SEP] ends it, [PAD] fills shorter sentences (mask 0 = ignored), "
        "## marks a piece that continues a word.",
        "tok.attached": "The full table is attached as {filename} (too long for one message).",
        # errors (engine codes)
        "err.empty_text": "The {what} is empty (or only spaces and symbols the model ignores): please type some words.",
        "err.text_too_long": "That text is too long: {length} {unit}, and the limit is {limit} {unit}. "
        "Try a shorter sentence.",
        "err.word_not_found": "'{word}' is not a word of the sentence. Words in it: {available}.",
        "err.occurrence_out_of_range": "'{word}' appears {count} time(s), so occurrence {occurrence} does not "
        "exist (use 1 to {count}).",
        "err.out_of_range": "There is no {what} {value}: this model has {what}s 1 to {maximum}.",
        "err.invalid_choice": "'{value}' is not a {what}; choose one of: {choices}.",
        "err.engine_error": "{message}",
        "unit.characters": "characters",
        "unit.tokens": "tokens",
        "what.sentence": "sentence",
        "what.word": "word",
        "what.layer": "layer",
        "what.head": "head",
        "what.view": "view",
        "what.aggregation": "aggregation",
        # bot replies
        "busy": "BERT Lens is busy with other requests right now. Please try again in a moment.",
        "cooldown": "You're going fast! Please wait {seconds:.0f} s before the next analysis.",
        "unexpected": "Sorry, something went wrong on our side. The error id is `{error_id}`; "
        "please mention it if you report this.",
        "shutting_down": "BERT Lens is restarting, so this request was not finished. Please try again shortly.",
        "not_yours": "Only {user} can change this view. Run /attention yourself to explore!",
        "expired": "This view has expired. Run the command again to explore further.",
        "attention.title": "Attention of \u201c{word}\u201d",
        "attention.top": "Most attended in layer {layer} ({heads}, itself aside)",
        "attention.rollout_top": "Largest rollout weights after layer {layer} (itself aside)",
        "attention.sentence": "Sentence",
        "attention.footer": "{model} \u00b7 layer {layer}/{layers} \u00b7 {heads} \u00b7 {view} view \u00b7 {specials}",
        "attention.pieces": "\u201c{word}\u201d is {count} tokens ({pieces}); their rows are averaged.",
        "attention.occurrence": "Occurrence {occurrence} of {count}.",
        "attention.sink": "Tip: [CLS]/[SEP] take {share:.0%} of this word's attention in layer {layer} "
        "(an \u201cattention sink\u201d). Press \u201cHide [CLS]/[SEP]\u201d to compare the real words.",
        "specials.hidden": "specials hidden",
        "specials.shown": "specials shown",
        "heads.mean": "mean of {n} heads",
        "heads.max": "max over {n} heads",
        "heads.head": "head {head} of {n}",
        "button.prev": "Previous layer",
        "button.next": "Next layer",
        "button.hide": "Hide [CLS]/[SEP]",
        "button.show": "Show [CLS]/[SEP]",
        "select.heads": "Heads: mean, max or one head",
        "select.view": "View",
        "option.mean": "Mean of all heads",
        "option.max": "Max over heads",
        "option.head": "Head {n}",
        "view.word": "word: layers \u00d7 tokens",
        "view.heads": "heads: heads \u00d7 tokens",
        "view.matrix": "matrix: tokens \u00d7 tokens",
        "view.grid": "grid: every layer and head",
        "view.rollout": "rollout: attention flow",
        "compare.title": "\u201c{word}\u201d in two sentences",
        "compare.same_ids": "Token id {ids} in both sentences: the same starting vector.",
        "compare.diff_ids": "Token ids differ: {a} vs {b}.",
        "compare.cosine": "Cosine similarity of its contextual vectors per layer",
        "compare.lesson": "From {first:.2f} after the embeddings to {last:.2f} after layer {layers}: "
        "context pulls the two meanings apart.",
        "compare.top": "Most attended in {label}, layer {layer}",
        "about.title": "About BERT Lens",
        "about.description": "Shows how a BERT-family model reads a sentence: tokens, ids and attention.",
        "about.model": "Model",
        "about.shape": "{layers} layers \u00d7 {heads} heads",
        "about.version": "Version",
        "about.uptime": "Uptime",
        "about.requests": "Requests served",
        "about.latency": "Median latency",
        "about.none": "no requests yet",
        "about.fallback": "(offline fallback: the configured model could not be loaded)",
        "help.title": "How to use BERT Lens",
        "help.body": "**/tokenize** `sentence` - see tokens, ids, the attention mask and padding.\n"
        "**/attention** `sentence` `word` - a heatmap of where the word looks; page through layers and heads.\n"
        "**/compare** `word` `sentence_a` `sentence_b` - the same word in two contexts.\n"
        "Right-click a message \u2192 Apps \u2192 **Tokenize message**.\n"
        "Try: /compare apple \u201cApple is huge enterprise\u201d \u201cI am eating an apple\u201d",
        "context.empty": "That message has no text to tokenize.",
    },
    KO: {
        "tok.header": "\ubaa8\ub378: {model}",
        "tok.padded": "\ubb38\uc7a5\ub4e4\uc744 {length}\uac1c \ud1a0\ud070 \uae38\uc774\ub85c \ud568\uaed8 \ud328\ub529\ud588\uc2b5\ub2c8\ub2e4 (padding=True).",
        "tok.sentence": "\ubb38\uc7a5 {n}: {text}",
        "tok.columns": "#|\ud1a0\ud070|id|mask|\ube44\uace0",
        "tok.note.cls": "\ud2b9\uc218: \uc2dc\uc791",
        "tok.note.sep": "\ud2b9\uc218: \ub05d",
        "tok.note.pad": "\ud328\ub529 (mask 0)",
        "tok.note.unk": "\uc0ac\uc804\uc5d0 \uc5c6\uc74c",
        "tok.note.special": "\ud2b9\uc218 \ud1a0\ud070",
        "tok.note.piece": "{word}\uc758 \uc870\uac01",
        "tok.note.shared": "\uacf5\uc720 id",
        "tok.shared": "\uacf5\uc720\ub41c id: {items}. \uac19\uc740 id\ub294 \uac19\uc740 \uc2dc\uc791 \ubca1\ud130\uc785\ub2c8\ub2e4. "
        "\uc758\ubbf8\ub97c \uad6c\ubd84\ud558\ub294 \uac83\uc740 \ubb38\ub9e5\ubfd0\uc785\ub2c8\ub2e4. /compare\ub97c \uc368 \ubcf4\uc138\uc694.",
        "tok.shared.item": "{id} ({token}): \ubb38\uc7a5 {where}",
        "tok.no_shared": "\uc5ec\ub7ec \ubb38\uc7a5\uc5d0 \uacf5\ud1b5\uc73c\ub85c \ub098\uc624\ub294 \ud1a0\ud070 id\uac00 \uc5c6\uc2b5\ub2c8\ub2e4.",
        "tok.legend": "[CLS]\ub294 \ubb38\uc7a5\uc758 \uc2dc\uc791, [SEP]\ub294 \ub05d, [PAD]\ub294 \uc9e7\uc740 \ubb38\uc7a5\uc744 \ucc44\uc6b0\ub294 \ud328\ub529(mask 0 = \ubb34\uc2dc), "
        "##\ub294 \ub2e8\uc5b4\uc758 \uc774\uc5b4\uc9c0\ub294 \uc870\uac01\uc785\ub2c8\ub2e4.",
        "tok.attached": "\uc804\uccb4 \ud45c\ub294 {filename} \ud30c\uc77c\ub85c \ucca8\ubd80\ud588\uc2b5\ub2c8\ub2e4 (\uba54\uc2dc\uc9c0 \ud558\ub098\uc5d0 \ub2f4\uae30\uc5d0 \uae41\ub2c8\ub2e4).",
        "err.empty_text": "{what}\uc774(\uac00) \ube44\uc5b4 \uc788\uc2b5\ub2c8\ub2e4. \ub2e8\uc5b4\ub97c \uc785\ub825\ud574 \uc8fc\uc138\uc694.",
        "err.text_too_long": "\ud14d\uc2a4\ud2b8\uac00 \ub108\ubb34 \uae41\ub2c8\ub2e4: {length}{unit} (\ucd5c\ub300 {limit}{unit}). \ub354 \uc9e7\uc740 \ubb38\uc7a5\uc73c\ub85c \ud574 \ubcf4\uc138\uc694.",
        "err.word_not_found": "'{word}'\uc740(\ub294) \ubb38\uc7a5\uc5d0 \uc5c6\ub294 \ub2e8\uc5b4\uc785\ub2c8\ub2e4. \ubb38\uc7a5\uc758 \ub2e8\uc5b4: {available}.",
        "err.occurrence_out_of_range": "'{word}'\uc740(\ub294) {count}\ubc88 \ub098\uc624\ubbc0\ub85c {occurrence}\ubc88\uc9f8\ub294 \uc5c6\uc2b5\ub2c8\ub2e4 (1~{count}).",
        "err.out_of_range": "{what} {value}\uc740(\ub294) \uc5c6\uc2b5\ub2c8\ub2e4. \uc774 \ubaa8\ub378\uc758 {what}\ub294 1~{maximum}\uc785\ub2c8\ub2e4.",
        "err.invalid_choice": "'{value}'\uc740(\ub294) \uc62c\ubc14\ub978 {what}\uc774(\uac00) \uc544\ub2d9\ub2c8\ub2e4. \uc120\ud0dd: {choices}.",
        "err.engine_error": "{message}",
        "unit.characters": "\uc790",
        "unit.tokens": "\ud1a0\ud070",
        "what.sentence": "\ubb38\uc7a5",
        "what.word": "\ub2e8\uc5b4",
        "what.layer": "\ub808\uc774\uc5b4",
        "what.head": "\ud5e4\ub4dc",
        "what.view": "\ubcf4\uae30",
        "what.aggregation": "\uc9d1\uacc4 \ubc29\uc2dd",
        "busy": "\uc9c0\uae08 \ub2e4\ub978 \uc694\uccad\uc744 \ucc98\ub9ac\ud558\ub290\ub77c \ubc14\uc069\ub2c8\ub2e4. \uc7a0\uc2dc \ud6c4 \ub2e4\uc2dc \uc2dc\ub3c4\ud574 \uc8fc\uc138\uc694.",
        "cooldown": "\ub108\ubb34 \ube60\ub985\ub2c8\ub2e4! \ub2e4\uc74c \ubd84\uc11d\uae4c\uc9c0 {seconds:.0f}\ucd08 \uae30\ub2e4\ub824 \uc8fc\uc138\uc694.",
        "unexpected": "\uc8c4\uc1a1\ud569\ub2c8\ub2e4. \ub0b4\ubd80 \uc624\ub958\uac00 \ubc1c\uc0dd\ud588\uc2b5\ub2c8\ub2e4. \uc624\ub958 id\ub294 `{error_id}`\uc785\ub2c8\ub2e4. "
        "\uc81c\ubcf4\ud558\uc2e4 \ub54c \ud568\uaed8 \uc54c\ub824 \uc8fc\uc138\uc694.",
        "shutting_down": "BERT Lens\uac00 \uc7ac\uc2dc\uc791 \uc911\uc774\ub77c \uc694\uccad\uc744 \ub9c8\uce58\uc9c0 \ubabb\ud588\uc2b5\ub2c8\ub2e4. \uc7a0\uc2dc \ud6c4 \ub2e4\uc2dc \uc2dc\ub3c4\ud574 \uc8fc\uc138\uc694.",
        "not_yours": "\uc774 \ud654\uba74\uc740 {user}\ub2d8\ub9cc \ubc14\uafc0 \uc218 \uc788\uc2b5\ub2c8\ub2e4. \uc9c1\uc811 /attention\uc744 \uc2e4\ud589\ud574 \ubcf4\uc138\uc694!",
        "expired": "\uc774 \ud654\uba74\uc740 \ub9cc\ub8cc\ub418\uc5c8\uc2b5\ub2c8\ub2e4. \uba85\ub839\uc744 \ub2e4\uc2dc \uc2e4\ud589\ud574 \uc8fc\uc138\uc694.",
        "attention.title": "\u201c{word}\u201d\uc758 \uc5b4\ud150\uc158",
        "attention.top": "{layer}\ubc88 \ub808\uc774\uc5b4\uc5d0\uc11c \uac00\uc7a5 \uc9d1\uc911\ud55c \ud1a0\ud070 ({heads}, \uc790\uae30 \uc790\uc2e0 \uc81c\uc678)",
        "attention.rollout_top": "{layer}\ubc88 \ub808\uc774\uc5b4\uae4c\uc9c0\uc758 \ub864\uc544\uc6c3 \uac00\uc911\uce58 (\uc790\uae30 \uc790\uc2e0 \uc81c\uc678)",
        "attention.sentence": "\ubb38\uc7a5",
        "attention.footer": "{model} \u00b7 \ub808\uc774\uc5b4 {layer}/{layers} \u00b7 {heads} \u00b7 {view} \ubcf4\uae30 \u00b7 {specials}",
        "attention.pieces": "\u201c{word}\u201d\ub294 {count}\uac1c \ud1a0\ud070({pieces})\uc73c\ub85c \ub098\ub258\uc5b4 \uac01 \ud589\uc744 \ud3c9\uade0\ud588\uc2b5\ub2c8\ub2e4.",
        "attention.occurrence": "{count}\ubc88 \uc911 {occurrence}\ubc88\uc9f8.",
        "attention.sink": "\ud301: {layer}\ubc88 \ub808\uc774\uc5b4\uc5d0\uc11c [CLS]/[SEP]\uac00 \uc774 \ub2e8\uc5b4 \uc5b4\ud150\uc158\uc758 {share:.0%}\ub97c "
        "\uac00\uc838\uac11\ub2c8\ub2e4(\u201c\uc5b4\ud150\uc158 \uc2f1\ud06c\u201d). \u201c[CLS]/[SEP] \uc228\uae30\uae30\u201d\ub97c \ub20c\ub7ec \uc2e4\uc81c \ub2e8\uc5b4\ub07c\ub9ac \ube44\uad50\ud574 \ubcf4\uc138\uc694.",
        "specials.hidden": "\ud2b9\uc218 \ud1a0\ud070 \uc228\uae40",
        "specials.shown": "\ud2b9\uc218 \ud1a0\ud070 \ud45c\uc2dc",
        "heads.mean": "{n}\uac1c \ud5e4\ub4dc \ud3c9\uade0",
        "heads.max": "{n}\uac1c \ud5e4\ub4dc \ucd5c\ub313\uac12",
        "heads.head": "{n}\uac1c \uc911 {head}\ubc88 \ud5e4\ub4dc",
        "button.prev": "\uc774\uc804 \ub808\uc774\uc5b4",
        "button.next": "\ub2e4\uc74c \ub808\uc774\uc5b4",
        "button.hide": "[CLS]/[SEP] \uc228\uae30\uae30",
        "button.show": "[CLS]/[SEP] \ubcf4\uc774\uae30",
        "select.heads": "\ud5e4\ub4dc: \ud3c9\uade0, \ucd5c\ub313\uac12 \ub610\ub294 \ud5e4\ub4dc \ud558\ub098",
        "select.view": "\ubcf4\uae30",
        "option.mean": "\ubaa8\ub4e0 \ud5e4\ub4dc \ud3c9\uade0",
        "option.max": "\ud5e4\ub4dc \ucd5c\ub313\uac12",
        "option.head": "{n}\ubc88 \ud5e4\ub4dc",
        "view.word": "word: \ub808\uc774\uc5b4 \u00d7 \ud1a0\ud070",
        "view.heads": "heads: \ud5e4\ub4dc \u00d7 \ud1a0\ud070",
        "view.matrix": "matrix: \ud1a0\ud070 \u00d7 \ud1a0\ud070",
        "view.grid": "grid: \ubaa8\ub4e0 \ub808\uc774\uc5b4\uc640 \ud5e4\ub4dc",
        "view.rollout": "rollout: \uc5b4\ud150\uc158 \ud750\ub984",
        "compare.title": "\ub450 \ubb38\uc7a5 \uc18d\uc758 \u201c{word}\u201d",
        "compare.same_ids": "\ub450 \ubb38\uc7a5 \ubaa8\ub450 \ud1a0\ud070 id {ids}: \uc2dc\uc791 \ubca1\ud130\uac00 \uac19\uc2b5\ub2c8\ub2e4.",
        "compare.diff_ids": "\ud1a0\ud070 id\uac00 \ub2e4\ub985\ub2c8\ub2e4: {a} / {b}.",
        "compare.cosine": "\ub808\uc774\uc5b4\ubcc4 \ubb38\ub9e5 \ubca1\ud130\uc758 \ucf54\uc0ac\uc778 \uc720\uc0ac\ub3c4",
        "compare.lesson": "\uc784\ubca0\ub529 \uc9c1\ud6c4 {first:.2f}\uc5d0\uc11c {layers}\ubc88 \ub808\uc774\uc5b4 \ub4a4 {last:.2f}\ub85c: "
        "\ubb38\ub9e5\uc774 \ub450 \uc758\ubbf8\ub97c \uac08\ub77c\ub193\uc2b5\ub2c8\ub2e4.",
        "compare.top": "{label}\uc5d0\uc11c \uac00\uc7a5 \uc9d1\uc911\ud55c \ud1a0\ud070, {layer}\ubc88 \ub808\uc774\uc5b4",
        "about.title": "BERT Lens \uc18c\uac1c",
        "about.description": "BERT \uacc4\uc5f4 \ubaa8\ub378\uc774 \ubb38\uc7a5\uc744 \uc77d\ub294 \ubc29\uc2dd(\ud1a0\ud070, id, \uc5b4\ud150\uc158)\uc744 \ubcf4\uc5ec \uc90d\ub2c8\ub2e4.",
        "about.model": "\ubaa8\ub378",
        "about.shape": "{layers}\uac1c \ub808\uc774\uc5b4 \u00d7 {heads}\uac1c \ud5e4\ub4dc",
        "about.version": "\ubc84\uc804",
        "about.uptime": "\uac00\ub3d9 \uc2dc\uac04",
        "about.requests": "\ucc98\ub9ac\ud55c \uc694\uccad",
        "about.latency": "\uc751\ub2f5 \uc2dc\uac04 \uc911\uc559\uac12",
        "about.none": "\uc544\uc9c1 \uc694\uccad \uc5c6\uc74c",
        "about.fallback": "(\uc624\ud504\ub77c\uc778 \ub300\uccb4: \uc124\uc815\ud55c \ubaa8\ub378\uc744 \ubd88\ub7ec\uc62c \uc218 \uc5c6\uc5c8\uc2b5\ub2c8\ub2e4)",
        "help.title": "BERT Lens \uc0ac\uc6a9\ubc95",
        "help.body": "**/tokenize** `sentence` - \ud1a0\ud070, id, \uc5b4\ud150\uc158 \ub9c8\uc2a4\ud06c\uc640 \ud328\ub529\uc744 \ubd05\ub2c8\ub2e4.\n"
        "**/attention** `sentence` `word` - \ub2e8\uc5b4\uac00 \uc5b4\ub514\uc5d0 \uc9d1\uc911\ud558\ub294\uc9c0 \ud788\ud2b8\ub9f5\uc73c\ub85c \ubd05\ub2c8\ub2e4. \ub808\uc774\uc5b4\uc640 \ud5e4\ub4dc\ub97c \ub118\uaca8 \ubcf4\uc138\uc694.\n"
        "**/compare** `word` `sentence_a` `sentence_b` - \uac19\uc740 \ub2e8\uc5b4\ub97c \ub450 \ubb38\ub9e5\uc5d0\uc11c \ube44\uad50\ud569\ub2c8\ub2e4.\n"
        "\uba54\uc2dc\uc9c0 \uc6b0\ud074\ub9ad \u2192 \uc571 \u2192 **Tokenize message**.\n"
        "\uc608: /compare apple \u201cApple is huge enterprise\u201d \u201cI am eating an apple\u201d",
        "context.empty": "\uc774 \uba54\uc2dc\uc9c0\uc5d0\ub294 \ud1a0\ud070\ud654\ud560 \ud14d\uc2a4\ud2b8\uac00 \uc5c6\uc2b5\ub2c8\ub2e4.",
    },
}


def t(lang: str, key: str, **params: Any) -> str:
    """The string ``key`` in ``lang`` (falling back to English), formatted with ``params``."""
    table = STRINGS.get(lang, STRINGS[EN])
    template = table.get(key) or STRINGS[EN][key]
    return template.format(**params)


class Explainable(Protocol):
    code: str
    params: Mapping[str, object]


def _clip(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "\u2026"


def error_text(lang: str, error: Explainable, escape: Callable[[str], str] = str) -> str:
    """An engine error (``bot.engine.errors``) in the user's language, with its own values filled in.

    Text that came from the user is shortened (a 3,000-character "word" must not make a 3,000-character
    reply) and passed through ``escape`` (the bot escapes Discord markdown and mentions there).
    """
    params: dict[str, Any] = {
        k: escape(_clip(v)) if isinstance(v, str) else v for k, v in error.params.items()
    }
    key = f"err.{error.code}" if f"err.{error.code}" in STRINGS[EN] else "err.engine_error"
    if "what" in params and f"what.{params['what']}" in STRINGS[EN]:
        params["what"] = t(lang, f"what.{params['what']}")
    if "unit" in params:
        params["unit"] = t(lang, f"unit.{params['unit']}")
    if "available" in params:
        words = [escape(_clip(w, 30)) for w in params["available"]]
        shown = words[:20]
        params["available"] = ", ".join(shown) + (" \u2026" if len(words) > len(shown) else "") or "\u2014"
    if "choices" in params:
        params["choices"] = ", ".join(params["choices"])
    params.setdefault("message", error.code)
    return t(lang, key, **params)


# Command, option and choice texts that Discord shows in its command picker. English is the text sent
# with the command; Korean goes out as its localisation (``bot/translator.py``).
COMMAND_TEXT: Mapping[str, Mapping[str, str]] = {
    EN: {
        "tokenize.description": "Show tokens, ids, attention mask and padding for up to three sentences",
        "tokenize.sentence": "The sentence to tokenize",
        "tokenize.sentence2": "A second sentence, padded together with the first",
        "tokenize.sentence3": "A third sentence, padded together with the others",
        "attention.description": "Heatmap of where a word attends in a sentence, layer by layer",
        "attention.sentence": "The sentence to analyse",
        "attention.word": "A word of the sentence (suggestions come from the sentence)",
        "attention.occurrence": "Which occurrence of the word, if it appears more than once (from 1)",
        "attention.layer": "Layer to summarise and outline (from 1; default: the last)",
        "attention.head": "One head (from 1) instead of the mean over heads",
        "attention.view": "What to draw",
        "attention.hide_special": "Drop [CLS]/[SEP] and rescale each row to sum to 1",
        "compare.description": "The same word in two sentences: same id, different meaning in context",
        "compare.word": "A word that appears in both sentences",
        "compare.sentence_a": "The first sentence",
        "compare.sentence_b": "The second sentence",
        "compare.hide_special": "Drop [CLS]/[SEP] and rescale each row to sum to 1",
        "about.description": "Which model BERT Lens uses, its size, uptime and latency",
        "help.description": "How to use BERT Lens, with an example to try",
        "context.tokenize": "Tokenize message",
        "choice.word": "word: layers \u00d7 tokens",
        "choice.heads": "heads: every head of one layer",
        "choice.matrix": "matrix: tokens \u00d7 tokens",
        "choice.grid": "grid: every layer and head",
        "choice.rollout": "rollout: attention flow through layers",
    },
    KO: {
        "tokenize.description": "\ubb38\uc7a5(\ucd5c\ub300 3\uac1c)\uc758 \ud1a0\ud070, id, \uc5b4\ud150\uc158 \ub9c8\uc2a4\ud06c\uc640 \ud328\ub529\uc744 \ubcf4\uc5ec \uc90d\ub2c8\ub2e4",
        "tokenize.sentence": "\ud1a0\ud070\ud654\ud560 \ubb38\uc7a5",
        "tokenize.sentence2": "\uccab \ubb38\uc7a5\uacfc \ud568\uaed8 \ud328\ub529\ud560 \ub450 \ubc88\uc9f8 \ubb38\uc7a5",
        "tokenize.sentence3": "\ud568\uaed8 \ud328\ub529\ud560 \uc138 \ubc88\uc9f8 \ubb38\uc7a5",
        "attention.description": "\ubb38\uc7a5 \uc18d \ub2e8\uc5b4\uac00 \ub808\uc774\uc5b4\ubcc4\ub85c \uc5b4\ub514\uc5d0 \uc9d1\uc911\ud558\ub294\uc9c0 \ud788\ud2b8\ub9f5\uc73c\ub85c \ubcf4\uc5ec \uc90d\ub2c8\ub2e4",
        "attention.sentence": "\ubd84\uc11d\ud560 \ubb38\uc7a5",
        "attention.word": "\ubb38\uc7a5 \uc18d \ub2e8\uc5b4 (\ubb38\uc7a5\uc5d0\uc11c \ucd94\ucc9c\ud569\ub2c8\ub2e4)",
        "attention.occurrence": "\ub2e8\uc5b4\uac00 \uc5ec\ub7ec \ubc88 \ub098\uc62c \ub54c \uba87 \ubc88\uc9f8\uc778\uc9c0 (1\ubd80\ud130)",
        "attention.layer": "\uc694\uc57d\ud558\uace0 \uac15\uc870\ud560 \ub808\uc774\uc5b4 (1\ubd80\ud130, \uae30\ubcf8\uac12: \ub9c8\uc9c0\ub9c9)",
        "attention.head": "\ud5e4\ub4dc \ud3c9\uade0 \ub300\uc2e0 \ud5e4\ub4dc \ud558\ub098 (1\ubd80\ud130)",
        "attention.view": "\uadf8\ub9b4 \ubcf4\uae30",
        "attention.hide_special": "[CLS]/[SEP]\ub97c \ube7c\uace0 \uac01 \ud589\uc758 \ud569\uc774 1\uc774 \ub418\ub3c4\ub85d \ub2e4\uc2dc \ub9de\ucda5\ub2c8\ub2e4",
        "compare.description": "\ub450 \ubb38\uc7a5 \uc18d \uac19\uc740 \ub2e8\uc5b4: \uac19\uc740 id, \ubb38\ub9e5\uc5d0 \ub530\ub77c \ub2e4\ub978 \uc758\ubbf8",
        "compare.word": "\ub450 \ubb38\uc7a5\uc5d0 \ubaa8\ub450 \ub098\uc624\ub294 \ub2e8\uc5b4",
        "compare.sentence_a": "\uccab \ubc88\uc9f8 \ubb38\uc7a5",
        "compare.sentence_b": "\ub450 \ubc88\uc9f8 \ubb38\uc7a5",
        "compare.hide_special": "[CLS]/[SEP]\ub97c \ube7c\uace0 \uac01 \ud589\uc758 \ud569\uc774 1\uc774 \ub418\ub3c4\ub85d \ub2e4\uc2dc \ub9de\ucda5\ub2c8\ub2e4",
        "about.description": "BERT Lens\uac00 \uc4f0\ub294 \ubaa8\ub378, \ud06c\uae30, \uac00\ub3d9 \uc2dc\uac04\uacfc \uc751\ub2f5 \uc2dc\uac04",
        "help.description": "BERT Lens \uc0ac\uc6a9\ubc95\uacfc \ud574 \ubcfc \ub9cc\ud55c \uc608\uc2dc",
        "context.tokenize": "\uba54\uc2dc\uc9c0 \ud1a0\ud070\ud654",
        "choice.word": "word: \ub808\uc774\uc5b4 \u00d7 \ud1a0\ud070",
        "choice.heads": "heads: \ud55c \ub808\uc774\uc5b4\uc758 \ubaa8\ub4e0 \ud5e4\ub4dc",
        "choice.matrix": "matrix: \ud1a0\ud070 \u00d7 \ud1a0\ud070",
        "choice.grid": "grid: \ubaa8\ub4e0 \ub808\uc774\uc5b4\uc640 \ud5e4\ub4dc",
        "choice.rollout": "rollout: \ub808\uc774\uc5b4\ub97c \ud1b5\uacfc\ud558\ub294 \uc5b4\ud150\uc158 \ud750\ub984",
    },
}
