"""What a reply looks like on Discord: the embeds of /attention and /compare, the token table of
/tokenize (or a .txt attachment when it cannot fit), and image attachments. Every length is clipped
to Discord's limits (``bot.limits``) and every piece of user text escaped (``bot.markup``)."""

from __future__ import annotations

import io
from collections.abc import Sequence

import discord

from bot import __version__, limits
from bot.engine.attention import WordAttention
from bot.engine.family import TokenizerFamily
from bot.engine.occlusion import Occlusion
from bot.engine.predict import MaskGuesses, Predictions
from bot.engine.registry import ModelInfo
from bot.engine.render import Image, captions
from bot.engine.render.compare import band_standing
from bot.engine.render.occlusion import occlusion_lesson
from bot.engine.render.predict import first_reliable
from bot.engine.results import (
    Animation,
    AttentionResult,
    command_line,
    compare_command_line,
    occlusion_command_line,
    predict_command_line,
)
from bot.engine.similarity import Comparison
from bot.engine.tokens import TokenizationReport
from bot.engine.words import joined_pieces, word_notes
from bot.i18n import heads_label, t
from bot.markup import code_block, escape
from bot.tables import comparison_lines, report_alignment_lines, report_lines, summary_lines
from bot.text import clip, one_line, probability

COLOUR = discord.Colour(0xE8D24A)  # cividis' bright end, so embed and heatmap belong together
TOKENS_FILENAME = "bertlens-tokens.txt"
TOP_KEYS = {"rollout": "attention.rollout_top", "norms": "attention.norms_top"}


def image_file(image: Image) -> discord.File:
    """A fresh File each time: a discord.File's buffer is consumed by one upload."""
    return discord.File(
        io.BytesIO(image.png),
        filename=image.filename,
        description=clip(image.alt_text, limits.ATTACHMENT_DESCRIPTION),
    )


def word_heads(word: WordAttention, lang: str, values: str = "weights") -> str:
    return heads_label(lang, word.heads.agg, word.heads.head, word.analysis.num_heads, values)


def _top_lines(word: WordAttention, k: int = 5) -> str:
    lines = [f"{i}. **{escape(a.token)}** {a.weight:.3f}" for i, a in enumerate(word.top(k), start=1)]
    return "\n".join(lines) or "\u2014"


def attention_embed(result: AttentionResult, image: Image, lang: str, *, model: str) -> discord.Embed:
    """The /attention reply; its footer ends with the command line that makes the image again (the
    paging controls read the sentence and word back from it)."""
    word = result.word
    analysis = result.analysis
    description = _word_description(result, lang)
    share = word.sink_share()
    if share is not None and result.values == "weights":
        framing = analysis.sentence.family.framing
        key = "attention.sink_max" if word.heads.agg == "max" else "attention.sink"
        description.append(t(lang, key, share=share, layer=word.layer + 1, specials=framing))
    description.extend(escape(note) for note in captions.norms_notes(lang, result))
    embed = discord.Embed(
        title=clip(t(lang, "attention.title", word=escape(one_line(word.span.text, 80))), limits.EMBED_TITLE),
        description="\n".join(description),
        colour=COLOUR,
    )
    heads = word_heads(word, lang, result.values)
    key = {"rollout": "attention.rollout_top", "norms": "attention.norms_top"}.get(
        result.values, "attention.top"
    )
    embed.add_field(
        name=t(lang, key, layer=word.layer + 1, heads=heads),
        value=clip(_top_lines(word), limits.EMBED_FIELD_VALUE),
    )
    embed.set_image(url=f"attachment://{image.filename}")
    footer = t(
        lang,
        "attention.footer",
        model=analysis.model,
        layer=word.layer + 1,
        layers=analysis.num_layers,
        heads=heads,
        view=result.resolved.view,
        specials=t(lang, "specials.hidden" if word.hide_special else "specials.shown"),
    )
    if result.values == "norms":
        footer += " \u00b7 " + t(lang, "img.values.short")
    embed.set_footer(text=clip(f"{footer}\n{command_line(result, model, lang)}", limits.EMBED_FOOTER))
    return embed


def _word_description(result: AttentionResult, lang: str) -> list[str]:
    """The sentence quoted, which occurrence, the word's notes and its pieces."""
    word = result.word
    analysis = result.analysis
    description = [f"> {clip(escape(analysis.sentence.text), 1500)}"]
    if word.span.occurrences > 1:
        description.append(
            t(lang, "attention.occurrence", occurrence=word.span.occurrence, count=word.span.occurrences)
        )
    description.extend(escape(note) for note in word_notes(word.span, lang))
    if word.span.pieces > 1:
        pieces = joined_pieces(analysis.sentence, word.span)
        description.append(
            t(
                lang,
                "attention.pieces",
                word=escape(word.span.text),
                count=word.span.pieces,
                pieces=escape(pieces),
            )
        )
    return description


def _layer_tops(animation: Animation) -> str:
    """Each layer's most attended tokens, one line a layer: "**L3** eating 0.160 · an 0.150"; three
    tokens a layer up to 12 layers, else one, so 48 layers still fit a field."""
    k = 3 if len(animation.frames) <= 12 else 1
    lines = []
    for frame in animation.frames:
        tops = " \u00b7 ".join(f"{escape(a.token)} {a.weight:.3f}" for a in frame.word.top(k)) or "\u2014"
        lines.append(f"**L{frame.word.layer + 1}** {tops}")
    return "\n".join(lines)


def animation_embed(animation: Animation, image: Image, lang: str, *, model: str) -> discord.Embed:
    """The reply to an animation: the GIF, each layer's top tokens, and the command that makes the GIF
    again at the end of the footer (the controls read the sentence and word back from it)."""
    last = animation.last
    word = last.word
    analysis = animation.analysis
    description = [*_word_description(last, lang), t(lang, "attention.anim_note")]
    embed = discord.Embed(
        title=clip(
            t(lang, "attention.anim_title", word=escape(one_line(word.span.text, 80))), limits.EMBED_TITLE
        ),
        description=clip("\n".join(description), limits.EMBED_DESCRIPTION),
        colour=COLOUR,
    )
    heads = word_heads(word, lang, last.values)
    key = "attention.anim_norms_top" if last.values == "norms" else "attention.anim_top"
    embed.add_field(
        name=clip(t(lang, key, heads=heads), limits.EMBED_FIELD_NAME),
        value=clip(_layer_tops(animation), limits.EMBED_FIELD_VALUE),
    )
    embed.set_image(url=f"attachment://{image.filename}")
    footer = t(
        lang,
        "attention.anim_footer",
        model=analysis.model,
        layers=analysis.num_layers,
        heads=heads,
        view=animation.view,
        specials=t(lang, "specials.hidden" if word.hide_special else "specials.shown"),
    )
    if last.values == "norms":
        footer += " \u00b7 " + t(lang, "img.values.short")
    embed.set_footer(text=clip(f"{footer}\n{command_line(animation, model, lang)}", limits.EMBED_FOOTER))
    return embed


def occlusion_embed(result: Occlusion, image: Image, lang: str, *, model: str) -> discord.Embed:
    """The "does it matter?" reply: the lesson in one line, each removal's shift, the chart."""
    word = escape(one_line(result.span.text, 80))
    embed = discord.Embed(
        title=clip(t(lang, "occlusion.title", word=word), limits.EMBED_TITLE),
        description=clip(escape(occlusion_lesson(result, lang)), limits.EMBED_DESCRIPTION),
        colour=COLOUR,
    )
    layer = result.layer + 1
    for removal in result.removals:
        embed.add_field(
            name=clip(t(lang, "occlusion.removed", token=escape(removal.token), weight=removal.weight), 256),
            value=t(lang, "occlusion.shift", shift=float(removal.shift[layer]), layer=layer),
        )
    embed.set_image(url=f"attachment://{image.filename}")
    heads = heads_label(lang, result.heads.agg, result.heads.head, result.analysis.num_heads)
    footer = f"{result.analysis.model} \u00b7 {t(lang, 'img.layer', n=layer)} \u00b7 {heads}"
    embed.set_footer(
        text=clip(f"{footer}\n{occlusion_command_line(result, model, lang)}", limits.EMBED_FOOTER)
    )
    return embed


def compare_embed(
    comparison: Comparison, image: Image, lang: str, *, model: str | None = None
) -> discord.Embed:
    a, b = comparison.a, comparison.b
    layers = a.analysis.num_layers
    if comparison.same_ids:
        ids = t(lang, "compare.same_ids", ids=", ".join(map(str, comparison.ids_a)))
    else:
        ids = t(
            lang,
            "compare.diff_ids",
            a=", ".join(map(str, comparison.ids_a)),
            b=", ".join(map(str, comparison.ids_b)),
        )
    embed = discord.Embed(
        title=clip(t(lang, "compare.title", word=escape(one_line(a.span.text, 80))), limits.EMBED_TITLE),
        description=f"**A** > {clip(escape(a.analysis.sentence.text), 900)}\n"
        f"**B** > {clip(escape(b.analysis.sentence.text), 900)}\n\n{ids}"
        + "".join(
            f"\n{escape(note)}" for note in dict.fromkeys(word_notes(a.span, lang) + word_notes(b.span, lang))
        ),
        colour=COLOUR,
    )
    cos = comparison.cosine
    figures = " \u00b7 ".join(f"{'emb' if i == 0 else f'L{i}'} {value:.3f}" for i, value in enumerate(cos))
    lesson = t(lang, "compare.lesson", first=float(cos[0]), last=float(cos[-1]), layers=layers)
    if (standing := band_standing(comparison, captions.quoted(a.span.text), lang)) is not None:
        lesson += "\n" + escape(standing)
    embed.add_field(
        name=t(lang, "compare.cosine"),
        value=clip(f"{figures}\n{lesson}", limits.EMBED_FIELD_VALUE),
        inline=False,
    )
    for label, word in (("A", a), ("B", b)):
        embed.add_field(
            name=t(lang, "compare.top", label=label, layer=word.layer + 1),
            value=clip(_top_lines(word, 3), limits.EMBED_FIELD_VALUE),
        )
    embed.set_image(url=f"attachment://{image.filename}")
    footer = (
        f"{a.analysis.model} \u00b7 {word_heads(a, lang)}\n{compare_command_line(comparison, model, lang)}"
    )
    embed.set_footer(text=clip(footer, limits.EMBED_FOOTER))
    return embed


def family_label(family: TokenizerFamily, lang: str) -> str:
    name = t(lang, f"family.{family.kind}")
    return t(lang, "family.uncased", family=name) if family.lowercase else name


def _model_line(info: ModelInfo, default: bool, lang: str) -> str:
    shown = info.loaded.name if info.loaded is not None else info.name
    line = f"**{escape(shown)}**" + (f" ({t(lang, 'about.default')})" if default else "")
    if info.loaded is not None:
        model = info.loaded
        status = t(lang, "about.shape", layers=model.num_layers, heads=model.num_heads)
        status += f" \u00b7 {family_label(model.family, lang)}"
        if model.fell_back:
            status += f" {t(lang, 'about.fallback')}"
        if model.head is not None:
            status += f" \u00b7 {t(lang, 'about.predict')}"
    elif info.failure is not None:
        status = t(lang, "about.failed", reason=clip(info.failure.text(lang), 300))
    else:
        status = t(lang, "about.idle")
    return f"{line} \u00b7 {status}"


def about_embed(
    infos: list[ModelInfo], *, uptime: str, served: int, median: float | None, lang: str
) -> discord.Embed:
    embed = discord.Embed(
        title=t(lang, "about.title"), description=t(lang, "about.description"), colour=COLOUR
    )
    lines = [_model_line(info, i == 0 and len(infos) > 1, lang) for i, info in enumerate(infos)]
    embed.add_field(
        name=t(lang, "about.model" if len(infos) == 1 else "about.models"),
        value=clip("\n".join(lines), limits.EMBED_FIELD_VALUE),
        inline=False,
    )
    embed.add_field(name=t(lang, "about.version"), value=__version__)
    embed.add_field(name=t(lang, "about.uptime"), value=uptime)
    embed.add_field(name=t(lang, "about.requests"), value=str(served))
    embed.add_field(
        name=t(lang, "about.latency"),
        value=f"{median * 1000:.0f} ms" if median is not None else t(lang, "about.none"),
    )
    return embed


def tokenize_reply(reports: Sequence[TokenizationReport], lang: str) -> tuple[str, discord.File | None]:
    """The token table in a code block (one model's walk-through, or several models side by side), or,
    when it cannot fit one message, a summary plus a .txt file with the whole table (never silently
    cut)."""
    if len(reports) > 1:
        table, notes = comparison_lines(reports, lang), [t(lang, "tok.models.legend")]
    else:
        # The Korean analysis was made in the worker (LensService.tokenize): nothing waits here.
        alignment = report_alignment_lines(reports[0], lang, wait=False)
        table = report_lines(reports[0], lang) + (["", *alignment] if alignment else [])
        notes = summary_lines(reports[0], lang)
    summary = [escape(line) for line in notes]
    content = code_block(table) + "\n" + "\n".join(summary)
    if len(content) <= limits.CONTENT:
        return content, None
    text = "\n".join(table) + "\n\n" + "\n".join(notes) + "\n"
    head = [escape(table[0]), *summary, t(lang, "tok.attached", filename=TOKENS_FILENAME)]
    return clip("\n".join(head), limits.CONTENT), discord.File(
        io.BytesIO(text.encode("utf-8")), filename=TOKENS_FILENAME
    )


EMBED_MASKS = 10  # masks listed in a /predict reply at most (fewer when the embed would be too long)
LENS_TOKEN_CHARS = 16


def _by_layer(mask: MaskGuesses, lang: str) -> str:
    """Each layer's top guess, those marked reliable in bold: "emb the · L1 the · **L2 paris**"."""
    parts = []
    for layer in mask.layers:
        label = (
            t(lang, "img.compare.embeddings")
            if layer.layer == 0
            else t(lang, "img.layer_short", n=layer.layer)
        )
        guess = f"{label} {escape(clip(layer.guesses[0].display, LENS_TOKEN_CHARS))}"
        parts.append(f"**{guess}**" if layer.reliable else guess)
    return " \u00b7 ".join(parts)


def predict_embed(result: Predictions, image: Image, lang: str, *, model: str) -> discord.Embed:
    """The /predict reply: each mask's fill-mask guesses with their probabilities and its top guess
    layer by layer; the footer ends with the command line that makes the image again."""
    analysis = result.analysis
    mask = result.mask
    layers = result.masks[0].layers
    split, last = first_reliable(layers), len(layers) - 1
    description = [f"> {clip(escape(analysis.sentence.text), 1500)}"]
    if result.aliases:
        typed = ", ".join(escape(alias) for alias in result.aliases)
        description.append(t(lang, "predict.alias", typed=typed, mask=escape(mask)))
    description.append(
        t(lang, "predict.reliable_last" if split == last else "predict.reliable", first=split, last=last)
    )
    description.extend(escape(note) for note in captions.tokenizer_notes(lang, analysis.sentence))
    embed = discord.Embed(
        title=clip(t(lang, "predict.title", mask=escape(mask)), limits.EMBED_TITLE), colour=COLOUR
    )
    embed.set_image(url=f"attachment://{image.filename}")
    footer = t(lang, "predict.footer", model=analysis.model, layers=analysis.num_layers, k=result.k)
    embed.set_footer(text=clip(f"{footer}\n{predict_command_line(result, model, lang)}", limits.EMBED_FOOTER))
    count = len(result.masks)
    more = t(lang, "predict.more_masks", shown=EMBED_MASKS, count=count)
    budget = limits.EMBED_TOTAL - len(embed) - len("\n".join(description)) - len(more) - 2
    shown = 0
    for n, guesses in enumerate(result.masks[:EMBED_MASKS], start=1):
        lines = [
            f"{i}. **{escape(g.display)}** {probability(g.probability)}"
            for i, g in enumerate(guesses.final, start=1)
        ]
        lines.append(t(lang, "predict.by_layer", layers=_by_layer(guesses, lang)))
        name = clip(
            t(
                lang,
                "predict.field",
                mask=mask,
                n=n,
                count=count,
                index=guesses.index,
                k=result.k,
                layer=last,
            ),
            limits.EMBED_FIELD_NAME,
        )
        value = clip("\n".join(lines), limits.EMBED_FIELD_VALUE)
        if len(name) + len(value) > budget:
            break
        budget -= len(name) + len(value)
        embed.add_field(name=name, value=value, inline=False)
        shown += 1
    if shown < count:
        description.append(t(lang, "predict.more_masks", shown=shown, count=count))
    embed.description = clip("\n".join(description), limits.EMBED_DESCRIPTION)
    return embed
